use crud_core::{Crud, CrudEnum};

#[derive(Debug, Clone, PartialEq, CrudEnum)]
pub enum Priority {
    Low,
    High,
}

#[derive(serde::Serialize, Crud)]
pub struct Note {
    #[crud(id)]
    pub id: i64,
    #[crud(owner)]
    pub user_id: String,
    pub title: String,
    #[crud(filter(in, contains))]
    pub priority: Priority,
}

fn main() {}
