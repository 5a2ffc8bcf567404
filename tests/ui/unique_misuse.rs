use crud_core::Crud;
use serde::Serialize;

#[derive(Serialize, Crud)]
#[crud(unique(day, hour), unique(hour, day), unique(nope), unique())]
pub struct Slot {
    #[crud(id, unique)]
    pub id: i64,
    #[crud(owner, unique)]
    pub user_id: String,
    pub day: String,
    pub hour: i32,
}

fn main() {}
