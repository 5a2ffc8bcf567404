use crud_core::Crud;

#[derive(serde::Serialize, Crud)]
#[crud(path = "/api/notes")]
pub struct Note {
    #[crud(id)]
    pub id: i64,
    #[crud(owner)]
    pub user_id: String,
    pub title: String,
}

fn main() {}
