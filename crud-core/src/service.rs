//! The operations on a resource, every one scoped to one owner.
//!
//! These are what the HTTP handlers call, and what custom handlers can call too:
//! `#[derive(Crud)]` also exposes them as associated functions (`Task::create(&db, owner, input)`).
//! Each is one statement, so one round trip.

use crate::column::{IdType, now};
use crate::db::{Backend, Db, with_pool};
use crate::error::{Error, Result};
use crate::resource::{Binder, Input, Resource, Role};
use sqlx::Pool;

/// A page of a list.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Deserialize)]
pub struct Page {
    /// The most rows to return; all of them when `None`.
    pub limit: Option<u32>,
    /// How many rows to skip first.
    pub offset: Option<u32>,
}

/// Validates `input`, then inserts a resource owned by `owner` and returns it.
pub async fn create<R: Resource>(db: &Db, owner: &str, input: R::Create) -> Result<R> {
    input.validate()?;
    with_pool!(db, writes pool => insert::<R, _>(pool, owner, input).await)
}

async fn insert<R: Resource, DB: Backend>(
    pool: &Pool<DB>,
    owner: &str,
    input: R::Create,
) -> Result<R> {
    let sql = &R::statements(DB::KIND).insert;
    let mut binder = Binder::<DB>::default();
    if let Some(id) = R::Id::generate() {
        binder.push(id);
    }
    binder.push(owner);
    input.bind(&mut binder);
    bind_timestamps::<R, DB>(&mut binder, &[Role::CreatedAt, Role::UpdatedAt]);
    DB::fetch_optional::<R>(pool, sql, binder.finish()?)
        .await?
        .ok_or_else(|| Error::Database(sqlx::Error::RowNotFound))
}

/// The owner's resources, in the resource's order.
pub async fn list<R: Resource>(db: &Db, owner: &str, page: Page) -> Result<Vec<R>> {
    async fn run<R: Resource, DB: Backend>(
        pool: &Pool<DB>,
        owner: &str,
        page: Page,
    ) -> Result<Vec<R>> {
        let statements = R::statements(DB::KIND);
        let mut binder = Binder::<DB>::default();
        binder.push(owner);
        let sql = if page == Page::default() {
            &statements.list
        } else {
            binder.push(page.limit.map_or(i64::MAX, i64::from));
            binder.push(i64::from(page.offset.unwrap_or(0)));
            &statements.list_page
        };
        Ok(DB::fetch_all::<R>(pool, sql, binder.finish()?).await?)
    }
    with_pool!(db, reads pool => run::<R, _>(pool, owner, page).await)
}

/// The owner's resource with this id, if any.
pub async fn get<R: Resource>(db: &Db, owner: &str, id: R::Id) -> Result<Option<R>> {
    with_pool!(db, reads pool => by_id::<R, _>(pool, &R::statements(pool_kind(pool)).get, &[], owner, id).await)
}

/// Deletes the owner's resource with this id, returning it; `None` if there was none.
pub async fn delete<R: Resource>(db: &Db, owner: &str, id: R::Id) -> Result<Option<R>> {
    with_pool!(db, writes pool => by_id::<R, _>(pool, &R::statements(pool_kind(pool)).delete, &[], owner, id).await)
}

/// Validates `input`, then replaces the input fields of the owner's resource with this id and
/// returns it; `None` if there is none.
pub async fn update<R: Resource>(
    db: &Db,
    owner: &str,
    id: R::Id,
    input: R::Update,
) -> Result<Option<R>> {
    async fn run<R: Resource, DB: Backend>(
        pool: &Pool<DB>,
        owner: &str,
        id: R::Id,
        input: R::Update,
    ) -> Result<Option<R>> {
        let mut binder = Binder::<DB>::default();
        input.bind(&mut binder);
        bind_timestamps::<R, DB>(&mut binder, &[Role::UpdatedAt]);
        binder.push(id);
        binder.push(owner);
        Ok(
            DB::fetch_optional::<R>(pool, &R::statements(DB::KIND).update, binder.finish()?)
                .await?,
        )
    }
    input.validate()?;
    with_pool!(db, writes pool => run::<R, _>(pool, owner, id, input).await)
}

/// Flips the toggle field named `field` of the owner's resource with this id, in one atomic
/// statement, and returns the resource; `None` if there is none.
///
/// # Panics
/// If `field` is not a `#[crud(toggle)]` field of `R`: the derive only calls it with one.
pub async fn toggle<R: Resource>(
    db: &Db,
    owner: &str,
    id: R::Id,
    field: &str,
) -> Result<Option<R>> {
    let index = R::SCHEMA
        .toggles()
        .position(|(column, _)| column.name == field)
        .unwrap_or_else(|| panic!("`{field}` is not a toggle field of {}", R::SCHEMA.name));
    with_pool!(db, writes pool => {
        let sql = &R::statements(pool_kind(pool)).toggles[index];
        by_id::<R, _>(pool, sql, &[Role::UpdatedAt], owner, id).await
    })
}

/// Runs a statement whose parameters are: the given timestamps, the id, the owner.
async fn by_id<R: Resource, DB: Backend>(
    pool: &Pool<DB>,
    sql: &'static str,
    timestamps: &[Role],
    owner: &str,
    id: R::Id,
) -> Result<Option<R>> {
    let mut binder = Binder::<DB>::default();
    bind_timestamps::<R, DB>(&mut binder, timestamps);
    binder.push(id);
    binder.push(owner);
    Ok(DB::fetch_optional::<R>(pool, sql, binder.finish()?).await?)
}

/// Binds the current time once for each of `roles` that the resource has a column for.
fn bind_timestamps<R: Resource, DB: Backend>(binder: &mut Binder<DB>, roles: &[Role]) {
    let now = now();
    for role in roles {
        if R::SCHEMA.columns.iter().any(|column| column.role == *role) {
            binder.push(now);
        }
    }
}

fn pool_kind<DB: Backend>(_: &Pool<DB>) -> crate::db::BackendKind {
    DB::KIND
}
