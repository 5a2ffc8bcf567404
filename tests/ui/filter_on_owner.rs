use crud_core::Crud;

#[derive(serde::Serialize, Crud)]
pub struct Note {
    #[crud(id)]
    pub id: i64,
    #[crud(owner, filter)]
    pub user_id: String,
    pub title: String,
}

fn main() {}
