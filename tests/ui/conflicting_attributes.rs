use crud_core::Crud;

#[derive(serde::Serialize, Crud)]
pub struct Note {
    #[crud(id, owner)]
    pub id: String,
    #[crud(owner)]
    pub user_id: String,
    pub title: String,
}

fn main() {}
