use crud_core::Crud;
use crud_core::chrono::{DateTime, Utc};

#[derive(serde::Serialize, Crud)]
#[crud(require_if_match)]
pub struct Note {
    #[crud(id)]
    pub id: i64,
    #[crud(owner)]
    pub user_id: String,
    pub title: String,
    #[crud(created_at)]
    pub created_at: DateTime<Utc>,
}

fn main() {}
