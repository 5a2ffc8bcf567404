//! [`Crud`](trait@Crud): a resource's services and routes, as associated functions of every
//! resource.

use crate::auth::Auth;
use crate::db::Db;
use crate::error::Result;
use crate::query::ListQuery;
use crate::resource::Resource;
use crate::service::{self, ListPage};
use axum::Router;
use axum::extract::FromRef;
use std::future::Future;

/// The services and routes of a resource, callable on its type: `Task::router()`,
/// `Task::create(&db, owner, input)`.
///
/// Implemented for every [`Resource`], so for every type deriving [`Crud`](macro@crate::Crud),
/// and for no other: `use crud_core::Crud;` brings the derive and this trait at once (or
/// `use crud_core::prelude::*;`). Each function forwards to [`service`] or
/// [`routes::router`](crate::routes::router); nothing is generated on the user's type, so its
/// own items of the same names take precedence, and these stay reachable as
/// `<Task as crud_core::Crud>::create(...)`.
///
/// The futures are `Send`, so a custom axum handler may await them.
///
/// ```
/// use crud_core::chrono::{DateTime, Utc};
/// use crud_core::{Crud, Db, ListQuery};
/// use serde::Serialize;
///
/// #[derive(Serialize, Crud)]
/// pub struct Task {
///     #[crud(id)]
///     pub id: i64,
///     #[crud(owner)]
///     pub user_id: String,
///     pub title: String,
///     #[crud(toggle = "complete")]
///     pub completed: bool,
/// }
///
/// async fn errands(db: &Db) -> crud_core::Result<()> {
///     let task = Task::create(db, "alice", TaskCreate { title: "Buy milk".into() }).await?;
///     let done = Task::toggle(db, "alice", task.id, "completed").await?;
///     assert!(done.is_some_and(|task| task.completed));
///     let first_ten = Task::list(db, "alice", ListQuery::new().limit(10)).await?;
///     assert_eq!(first_ten.items.len(), 1);
///     Ok(())
/// }
///
/// let _routes: axum::Router<crud_core::AppState> = Task::router();
/// ```
pub trait Crud: Resource {
    /// The resource's routes (list, create, get, update, delete and toggles, under its
    /// path), for any state holding a [`Db`] and an [`Auth`], such as
    /// [`AppState`](crate::AppState). See [`routes`](crate::routes).
    fn router<S>() -> Router<S>
    where
        S: Clone + Send + Sync + 'static,
        Db: FromRef<S>,
        Auth: FromRef<S>;

    /// Validates `input`, then creates a resource owned by `owner`: [`service::create`].
    fn create(
        db: &Db,
        owner: &str,
        input: Self::Create,
    ) -> impl Future<Output = Result<Self>> + Send;

    /// A page of the owner's resources, by `query`: [`service::list`].
    fn list(
        db: &Db,
        owner: &str,
        query: ListQuery,
    ) -> impl Future<Output = Result<ListPage<Self>>> + Send;

    /// The owner's resource with this id, if any: [`service::get`].
    fn get(db: &Db, owner: &str, id: Self::Id)
    -> impl Future<Output = Result<Option<Self>>> + Send;

    /// Validates `input`, then replaces the input fields of the owner's resource with this
    /// id; `None` if there is none: [`service::update`].
    fn update(
        db: &Db,
        owner: &str,
        id: Self::Id,
        input: Self::Update,
    ) -> impl Future<Output = Result<Option<Self>>> + Send;

    /// Deletes the owner's resource with this id, returning it; `None` if there was none:
    /// [`service::delete`].
    fn delete(
        db: &Db,
        owner: &str,
        id: Self::Id,
    ) -> impl Future<Output = Result<Option<Self>>> + Send;

    /// Flips the toggle field whose JSON name is `field` of the owner's resource with this id,
    /// in one atomic statement; `None` if there is none: [`service::toggle`].
    ///
    /// # Panics
    /// If `field` is not the JSON name of a `#[crud(toggle)]` field.
    fn toggle(
        db: &Db,
        owner: &str,
        id: Self::Id,
        field: &str,
    ) -> impl Future<Output = Result<Option<Self>>> + Send;
}

impl<R: Resource> Crud for R {
    fn router<S>() -> Router<S>
    where
        S: Clone + Send + Sync + 'static,
        Db: FromRef<S>,
        Auth: FromRef<S>,
    {
        crate::routes::router::<R, S>()
    }

    fn create(db: &Db, owner: &str, input: R::Create) -> impl Future<Output = Result<R>> + Send {
        service::create::<R>(db, owner, input)
    }

    fn list(
        db: &Db,
        owner: &str,
        query: ListQuery,
    ) -> impl Future<Output = Result<ListPage<R>>> + Send {
        service::list::<R>(db, owner, query)
    }

    fn get(db: &Db, owner: &str, id: R::Id) -> impl Future<Output = Result<Option<R>>> + Send {
        service::get::<R>(db, owner, id)
    }

    fn update(
        db: &Db,
        owner: &str,
        id: R::Id,
        input: R::Update,
    ) -> impl Future<Output = Result<Option<R>>> + Send {
        service::update::<R>(db, owner, id, input)
    }

    fn delete(db: &Db, owner: &str, id: R::Id) -> impl Future<Output = Result<Option<R>>> + Send {
        service::delete::<R>(db, owner, id)
    }

    fn toggle(
        db: &Db,
        owner: &str,
        id: R::Id,
        field: &str,
    ) -> impl Future<Output = Result<Option<R>>> + Send {
        service::toggle::<R>(db, owner, id, field)
    }
}
