use crud_core::Crud;

#[derive(serde::Serialize, Crud)]
#[crud(page_size = 0)]
pub struct Note {
    #[crud(id)]
    pub id: i64,
    #[crud(owner)]
    pub user_id: String,
    pub title: String,
}

fn main() {}
