//! The reference resource: a user's task.

use crud_core::Crud;
use crud_core::chrono::{DateTime, Utc};
use serde::Serialize;

/// A task on a user's todo list.
#[derive(Clone, Debug, PartialEq, Serialize, Crud)]
#[crud(
    table = "tasks",
    path = "/api/{user_id}/tasks",
    order_by = "created_at desc"
)]
pub struct Task {
    /// Assigned by the database.
    #[crud(id)]
    pub id: i64,
    /// The owner: the `sub` of the token that created it.
    #[crud(owner)]
    pub user_id: String,
    /// What to do: 1 to 200 characters.
    #[crud(input, length(min = 1, max = 200))]
    pub title: String,
    /// Details: at most 1000 characters.
    #[crud(input, length(max = 1000))]
    pub description: Option<String>,
    /// Whether it is done; flipped by `PATCH /api/{user_id}/tasks/{id}/complete`.
    #[crud(toggle = "complete")]
    pub completed: bool,
    /// When it was created.
    #[crud(created_at)]
    pub created_at: DateTime<Utc>,
    /// When it was last written.
    #[crud(updated_at)]
    pub updated_at: DateTime<Utc>,
}
