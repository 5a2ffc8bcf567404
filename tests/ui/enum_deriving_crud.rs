use crud_core::Crud;

#[derive(Crud)]
pub enum Note {
    Draft,
    Published,
}

fn main() {}
