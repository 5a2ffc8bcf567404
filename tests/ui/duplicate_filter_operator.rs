use crud_core::Crud;

#[derive(serde::Serialize, Crud)]
pub struct Note {
    #[crud(id)]
    pub id: i64,
    #[crud(owner)]
    pub user_id: String,
    #[crud(filter(eq, in, eq))]
    pub title: String,
}

fn main() {}
