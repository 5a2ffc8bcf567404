use crud_core::Crud;

#[derive(Crud)]
pub struct Note(i64, String, String);

fn main() {}
