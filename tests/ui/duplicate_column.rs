use crud_core::Crud;

#[derive(serde::Serialize, Crud)]
pub struct Note {
    #[crud(id)]
    pub id: i64,
    #[crud(owner)]
    pub user_id: String,
    pub title: String,
    #[crud(column = "title")]
    pub heading: String,
}

fn main() {}
