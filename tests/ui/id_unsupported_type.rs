use crud_core::Crud;

#[derive(serde::Serialize, Crud)]
pub struct Note {
    #[crud(id)]
    pub id: f64,
    #[crud(owner)]
    pub user_id: String,
    pub title: String,
}

fn main() {}
