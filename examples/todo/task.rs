//! The reference resource: a user's task.

use crud_core::Crud;
use crud_core::chrono::{DateTime, Utc};
use serde::Serialize;

/// A task on a user's todo list. Lists of tasks filter and sort on every field but the id and
/// the owner (`?completed=false&sort=-updated_at`), 100 to a page unless `limit` says otherwise,
/// up to 1000.
#[derive(Clone, Debug, PartialEq, Serialize, Crud)]
#[crud(
    table = "tasks",
    path = "/api/{user_id}/tasks",
    order_by = "created_at desc",
    page_size = 100,
    max_page_size = 1000
)]
pub struct Task {
    /// Assigned by the database.
    #[crud(id)]
    pub id: i64,
    /// The owner: the `sub` of the token that created it.
    #[crud(owner)]
    pub user_id: String,
    /// What to do: 1 to 200 characters.
    #[crud(input, length(min = 1, max = 200), filter, sort)]
    pub title: String,
    /// Details: at most 1000 characters.
    #[crud(input, length(max = 1000), filter, sort)]
    pub description: Option<String>,
    /// Whether it is done; flipped by `PATCH /api/{user_id}/tasks/{id}/complete`.
    #[crud(toggle = "complete", filter, sort)]
    pub completed: bool,
    /// When it was created.
    #[crud(created_at, filter, sort)]
    pub created_at: DateTime<Utc>,
    /// When it was last written.
    #[crud(updated_at, filter, sort)]
    pub updated_at: DateTime<Utc>,
}
