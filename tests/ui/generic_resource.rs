use crud_core::Crud;

#[derive(serde::Serialize, Crud)]
pub struct Note<T> {
    #[crud(id)]
    pub id: i64,
    #[crud(owner)]
    pub user_id: String,
    pub title: T,
}

fn main() {}
