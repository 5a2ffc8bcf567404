use crud_core::{Crud, CrudEnum};
use crud_core::chrono::NaiveDate;
use crud_core::uuid::Uuid;
use serde::Serialize;

#[derive(Clone, Copy, Debug, CrudEnum)]
pub enum Mood { Calm, Busy }

#[derive(Debug, Serialize, Crud)]
#[serde(rename_all = "camelCase")]
#[crud(table = "journal", path = "/v1/users/{user_id}/journal", order_by = "day desc")]
pub struct Entry {
    #[crud(id)]
    pub id: Uuid,
    #[crud(owner)]
    pub author: String,
    pub day: NaiveDate,
    #[crud(length(min = 1, max = 5000))]
    pub text: String,
    #[crud(range(min = 0, max = 10))]
    pub energy_level: i32,
    pub mood: Option<Mood>,
    #[crud(toggle)]
    pub pinned: bool,
}
