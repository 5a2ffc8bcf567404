use crud_core::Crud;

#[derive(serde::Serialize, Crud)]
pub struct Note(i64, String, String);

fn main() {}
