use crud_core::Crud;

#[derive(serde::Serialize, Crud)]
pub enum Note {
    Draft,
    Published,
}

fn main() {}
