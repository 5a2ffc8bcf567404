//! A ready-made router state holding what the resource routes need.

use crate::auth::Auth;
use crate::db::Db;
use axum::extract::FromRef;

/// The database and the token keys: the state a resource's [`router`](crate::routes::router)
/// needs. An application with more state can use its own type instead, with
/// `impl FromRef<MyState> for Db` and `for Auth`.
#[derive(Clone, Debug)]
pub struct AppState {
    /// The database pool.
    pub db: Db,
    /// The token verifier.
    pub auth: Auth,
}

impl AppState {
    /// A state with this pool and verifier.
    pub fn new(db: Db, auth: Auth) -> Self {
        Self { db, auth }
    }
}

impl FromRef<AppState> for Db {
    fn from_ref(state: &AppState) -> Self {
        state.db.clone()
    }
}

impl FromRef<AppState> for Auth {
    fn from_ref(state: &AppState) -> Self {
        state.auth.clone()
    }
}
