use crud_core::Crud;
use serde::Serialize;

#[derive(Serialize, Crud)]
pub struct Seat {
    #[crud(id)]
    pub id: i64,
    #[crud(owner)]
    pub user_id: String,
    #[crud(filter)]
    pub count: i32,
    #[crud(filter)]
    #[serde(rename = "row__number")]
    pub row: i32,
}

fn main() {}
