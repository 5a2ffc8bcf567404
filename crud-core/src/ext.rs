//! [`Crud`](trait@Crud): a resource's services and routes, as associated functions of every
//! resource.

use crate::auth::Auth;
use crate::db::Db;
use crate::error::Result;
use crate::precondition::{ETag, IfMatch};
use crate::query::ListQuery;
use crate::resource::Resource;
use crate::service::{self, ListPage};
use axum::Router;
use axum::extract::FromRef;
use std::future::Future;

/// The services and routes of a resource, callable on its type: `Task::router()`,
/// `Task::create(&db, owner, input)`.
///
/// Each write but `create` has a conditional form, `update_if`, `patch_if`, `delete_if` and
/// `toggle_if`, which writes only if the resource's current [`ETag`] is one an [`IfMatch`]
/// lists, in the write's own statement.
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
/// use crud_core::{Crud, Db, Error, ListQuery, Patch};
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
///     #[crud(updated_at)]
///     pub updated_at: DateTime<Utc>,
/// }
///
/// async fn errands(db: &Db) -> crud_core::Result<()> {
///     let task = Task::create(db, "alice", TaskCreate { title: "Buy milk".into() }).await?;
///     let done = Task::toggle(db, "alice", task.id, "completed").await?;
///     assert!(done.is_some_and(|task| task.completed));
///     let first_ten = Task::list(db, "alice", ListQuery::new().limit(10)).await?;
///     assert_eq!(first_ten.items.len(), 1);
///     // A write conditioned on the version read: the toggle changed it since.
///     let seen = task.etag().expect("a resource with `updated_at` has an ETag");
///     let patch = TaskPatch { title: Patch::Value("Buy oat milk".into()) };
///     let late = Task::patch_if(db, "alice", task.id, patch, seen.into()).await;
///     assert!(matches!(late, Err(Error::PreconditionFailed(_))));
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

    /// [`update`](Self::update) under `if_match`: [`Error::PreconditionFailed`](crate::Error)
    /// if the resource's current ETag is not one it lists: [`service::update_if`].
    fn update_if(
        db: &Db,
        owner: &str,
        id: Self::Id,
        input: Self::Update,
        if_match: IfMatch,
    ) -> impl Future<Output = Result<Option<Self>>> + Send;

    /// Validates `patch`, then sets the input fields it sets and leaves the others; `None` if
    /// there is no such resource: [`service::patch`].
    fn patch(
        db: &Db,
        owner: &str,
        id: Self::Id,
        patch: Self::Patch,
    ) -> impl Future<Output = Result<Option<Self>>> + Send;

    /// [`patch`](Self::patch) under `if_match`: [`Error::PreconditionFailed`](crate::Error) if
    /// the resource's current ETag is not one it lists: [`service::patch_if`].
    fn patch_if(
        db: &Db,
        owner: &str,
        id: Self::Id,
        patch: Self::Patch,
        if_match: IfMatch,
    ) -> impl Future<Output = Result<Option<Self>>> + Send;

    /// Deletes the owner's resource with this id, returning it; `None` if there was none:
    /// [`service::delete`].
    fn delete(
        db: &Db,
        owner: &str,
        id: Self::Id,
    ) -> impl Future<Output = Result<Option<Self>>> + Send;

    /// [`delete`](Self::delete) under `if_match`: [`Error::PreconditionFailed`](crate::Error)
    /// if the resource's current ETag is not one it lists: [`service::delete_if`].
    fn delete_if(
        db: &Db,
        owner: &str,
        id: Self::Id,
        if_match: IfMatch,
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

    /// [`toggle`](Self::toggle) under `if_match`: [`Error::PreconditionFailed`](crate::Error)
    /// if the resource's current ETag is not one it lists: [`service::toggle_if`].
    ///
    /// # Panics
    /// If `field` is not the JSON name of a `#[crud(toggle)]` field.
    fn toggle_if(
        db: &Db,
        owner: &str,
        id: Self::Id,
        field: &str,
        if_match: IfMatch,
    ) -> impl Future<Output = Result<Option<Self>>> + Send;

    /// The resource's ETag, from its `#[crud(updated_at)]` field; `None` without one:
    /// [`ETag::of`].
    fn etag(&self) -> Option<ETag>;
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

    fn update_if(
        db: &Db,
        owner: &str,
        id: R::Id,
        input: R::Update,
        if_match: IfMatch,
    ) -> impl Future<Output = Result<Option<R>>> + Send {
        service::update_if::<R>(db, owner, id, input, if_match)
    }

    fn patch(
        db: &Db,
        owner: &str,
        id: R::Id,
        patch: R::Patch,
    ) -> impl Future<Output = Result<Option<R>>> + Send {
        service::patch::<R>(db, owner, id, patch)
    }

    fn patch_if(
        db: &Db,
        owner: &str,
        id: R::Id,
        patch: R::Patch,
        if_match: IfMatch,
    ) -> impl Future<Output = Result<Option<R>>> + Send {
        service::patch_if::<R>(db, owner, id, patch, if_match)
    }

    fn delete(db: &Db, owner: &str, id: R::Id) -> impl Future<Output = Result<Option<R>>> + Send {
        service::delete::<R>(db, owner, id)
    }

    fn delete_if(
        db: &Db,
        owner: &str,
        id: R::Id,
        if_match: IfMatch,
    ) -> impl Future<Output = Result<Option<R>>> + Send {
        service::delete_if::<R>(db, owner, id, if_match)
    }

    fn toggle(
        db: &Db,
        owner: &str,
        id: R::Id,
        field: &str,
    ) -> impl Future<Output = Result<Option<R>>> + Send {
        service::toggle::<R>(db, owner, id, field)
    }

    fn toggle_if(
        db: &Db,
        owner: &str,
        id: R::Id,
        field: &str,
        if_match: IfMatch,
    ) -> impl Future<Output = Result<Option<R>>> + Send {
        service::toggle_if::<R>(db, owner, id, field, if_match)
    }

    fn etag(&self) -> Option<ETag> {
        ETag::of(self)
    }
}
