//! The operations on a resource, every one scoped to one owner.
//!
//! These are what the HTTP handlers call, and what custom handlers can call too, here or as
//! associated functions of the resource through the [`Crud`](trait@crate::Crud)
//! trait (`Task::create(&db, owner, input)`).
//! Each is one statement, so one round trip (a list that counts is two, run at once).

mod list;

pub use list::{ListPage, list};

use crate::column::IdType;
use crate::db::failure::connection_lost;
use crate::db::{Backend, Db, Runner, with_pool};
use crate::dialect::Statements;
use crate::error::{Error, Result};
use crate::resource::{Binder, Input, Resource};
use crate::schema::Role;
use chrono::{DateTime, Utc};
use sqlx::{Database, SqlSafeStr};
use std::future::Future;

/// Validates `input`, then inserts a resource owned by `owner` and returns it.
pub async fn create<R: Resource>(db: &Db, owner: &str, input: R::Create) -> Result<R> {
    input.validate()?;
    bounded(db, async {
        with_pool!(db, writes runner => insert::<R, _>(runner, owner, input).await)
    })
    .await
    .map_err(|error| unique_conflict::<R>(db, error))
}

async fn insert<R: Resource, P: Runner>(runner: &P, owner: &str, input: R::Create) -> Result<R> {
    let owner = owner.to_owned();
    let bind = Box::new(move |now| {
        let mut binder = Binder::<P::Database>::default();
        if let Some(id) = R::Id::generate() {
            binder.push(id);
        }
        binder.push(owner);
        input.bind(&mut binder);
        bind_timestamps::<R, _>(&mut binder, &[Role::CreatedAt, Role::UpdatedAt], now);
        binder.finish()
    });
    let sql = &statements::<R, P>().insert;
    let row = runner.write(sql, bind).await?;
    decode_optional::<R, P>(row)?.ok_or_else(|| Error::Database(sqlx::Error::RowNotFound))
}

/// The owner's resource with this id, if any.
pub async fn get<R: Resource>(db: &Db, owner: &str, id: R::Id) -> Result<Option<R>> {
    async fn run<R: Resource, P: Runner>(runner: &P, owner: &str, id: R::Id) -> Result<Option<R>> {
        let mut binder = Binder::<P::Database>::default();
        binder.push(id);
        binder.push(owner);
        let sql = statements::<R, P>().get.as_str().into_sql_str();
        let row = runner.fetch_optional(sql, binder.finish()?).await?;
        decode_optional::<R, P>(row)
    }
    bounded(
        db,
        read_again_once(|| async {
            with_pool!(db, reads runner => run::<R, _>(runner, owner, id.clone()).await)
        }),
    )
    .await
}

/// Deletes the owner's resource with this id, returning it; `None` if there was none.
pub async fn delete<R: Resource>(db: &Db, owner: &str, id: R::Id) -> Result<Option<R>> {
    bounded(db, async {
        with_pool!(db, writes runner => by_id::<R, _>(runner, |sql| &sql.delete, &[], owner, id).await)
    })
    .await
}

/// Validates `input`, then replaces the input fields of the owner's resource with this id and
/// returns it; `None` if there is none.
pub async fn update<R: Resource>(
    db: &Db,
    owner: &str,
    id: R::Id,
    input: R::Update,
) -> Result<Option<R>> {
    async fn run<R: Resource, P: Runner>(
        runner: &P,
        owner: &str,
        id: R::Id,
        input: R::Update,
    ) -> Result<Option<R>> {
        let owner = owner.to_owned();
        let bind = Box::new(move |now| {
            let mut binder = Binder::<P::Database>::default();
            input.bind(&mut binder);
            bind_timestamps::<R, _>(&mut binder, &[Role::UpdatedAt], now);
            binder.push(id);
            binder.push(owner);
            binder.finish()
        });
        let sql = &statements::<R, P>().update;
        let row = runner.write(sql, bind).await?;
        decode_optional::<R, P>(row)
    }
    input.validate()?;
    bounded(db, async {
        with_pool!(db, writes runner => run::<R, _>(runner, owner, id, input).await)
    })
    .await
    .map_err(|error| unique_conflict::<R>(db, error))
}

/// Flips the toggle field whose JSON name is `field` of the owner's resource with this id, in
/// one atomic statement, and returns the resource; `None` if there is none.
///
/// # Panics
/// If `field` is not the JSON name of a `#[crud(toggle)]` field of `R`.
pub async fn toggle<R: Resource>(
    db: &Db,
    owner: &str,
    id: R::Id,
    field: &str,
) -> Result<Option<R>> {
    let index = R::SCHEMA
        .toggles()
        .position(|(column, _)| column.json_name == field)
        .unwrap_or_else(|| panic!("`{field}` is not a toggle field of {}", R::SCHEMA.name));
    let sql = move |statements: &'static Statements| statements.toggles[index].as_str();
    bounded(db, async {
        with_pool!(db, writes runner => by_id::<R, _>(runner, sql, &[Role::UpdatedAt], owner, id).await)
    })
    .await
}

/// A write that would give the owner two resources alike on one of `R`'s unique keys, as a
/// 409 naming the key's fields ("A task with this title already exists"); any other error
/// as it is. PostgreSQL names the key's index; SQLite lists its columns
/// (`UNIQUE constraint failed: tasks.user_id, tasks.title`).
pub(crate) fn unique_conflict<R: Resource>(db: &Db, error: Error) -> Error {
    let Error::Database(sqlx::Error::Database(cause)) = &error else {
        return error;
    };
    if cause.kind() != sqlx::error::ErrorKind::UniqueViolation {
        return error;
    }
    let keys = &R::statements(db.backend()).unique_keys;
    let key = match cause.constraint() {
        Some(index) => keys.iter().find(|key| key.index == index),
        None => {
            let columns = cause
                .message()
                .split_once("failed: ")
                .map(|(_, columns)| {
                    columns
                        .split(", ")
                        .map(|column| column.rsplit('.').next().unwrap_or(column))
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default();
            let owner = R::SCHEMA.owner().name;
            keys.iter().find(|key| {
                columns.len() == key.columns.len() + 1
                    && columns.contains(&owner)
                    && key.columns.iter().all(|column| columns.contains(column))
            })
        }
    };
    let Some(key) = key else {
        return error;
    };
    tracing::debug!(%error, "a unique key is taken");
    let fields = key
        .columns
        .iter()
        .map(|name| {
            R::SCHEMA
                .columns
                .iter()
                .find(|column| column.name == *name)
                .map_or(*name, |column| column.json_name)
        })
        .collect::<Vec<_>>()
        .join(" and ");
    // `ShoppingItem` is "shopping item".
    let mut name = String::new();
    for (index, letter) in R::SCHEMA.name.char_indices() {
        if letter.is_uppercase() && index > 0 {
            name.push(' ');
        }
        name.extend(letter.to_lowercase());
    }
    let article = if name.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "An"
    } else {
        "A"
    };
    Error::Conflict(format!(
        "{article} {name} with this {fields} already exists"
    ))
}

/// Runs one call to the database within [`DbOptions::operation_timeout`](crate::DbOptions):
/// 503 when it passes, even if the database stopped answering altogether.
pub(crate) async fn bounded<T>(db: &Db, call: impl Future<Output = Result<T>>) -> Result<T> {
    let timeout = db.operation_timeout();
    tokio::time::timeout(timeout, call)
        .await
        .unwrap_or(Err(Error::DatabaseTimeout(timeout)))
}

/// Runs a read, and runs it once more if its connection turned out dead before the statement
/// could run (a server restart while the pool was quiet): a read is safe to repeat.
pub(crate) async fn read_again_once<T, F, Fut>(mut read: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T>>,
{
    match read().await {
        Err(Error::Database(error)) if connection_lost(&error) => {
            tracing::warn!(%error, "a read lost its connection; reading again");
            read().await
        }
        outcome => outcome,
    }
}

/// The statements of `R` on the runner's backend.
pub(crate) fn statements<R: Resource, P: Runner>() -> &'static Statements {
    R::statements(<P::Database as Backend>::KIND)
}

/// Runs the write `pick` chooses, whose parameters are: the given timestamps, the id, the
/// owner.
async fn by_id<R: Resource, P: Runner>(
    runner: &P,
    pick: impl FnOnce(&'static Statements) -> &'static str,
    timestamps: &'static [Role],
    owner: &str,
    id: R::Id,
) -> Result<Option<R>> {
    let owner = owner.to_owned();
    let bind = Box::new(move |now| {
        let mut binder = Binder::<P::Database>::default();
        bind_timestamps::<R, _>(&mut binder, timestamps, now);
        binder.push(id);
        binder.push(owner);
        binder.finish()
    });
    let sql = pick(statements::<R, P>());
    let row = runner.write(sql, bind).await?;
    decode_optional::<R, P>(row)
}

fn decode_optional<R: Resource, P: Runner>(
    row: Option<<P::Database as Database>::Row>,
) -> Result<Option<R>> {
    Ok(row.map(|row| R::decode::<P::Database>(&row)).transpose()?)
}

/// Binds `now` once for each of `roles` that the resource has a column for.
fn bind_timestamps<R: Resource, DB: Backend>(
    binder: &mut Binder<DB>,
    roles: &[Role],
    now: DateTime<Utc>,
) {
    for role in roles {
        if R::SCHEMA.columns.iter().any(|column| column.role == *role) {
            binder.push(now);
        }
    }
}
