use crud_core::Crud;

#[derive(serde::Serialize, Crud)]
pub struct Note {
    #[crud(id)]
    pub id: i64,
    #[crud(owner)]
    pub user_id: String,
    pub title: String,
    #[crud(toggle, filter(eq, gte))]
    pub done: bool,
}

fn main() {}
