//! The operations on a resource, every one scoped to one owner.
//!
//! These are what the HTTP handlers call, and what custom handlers can call too, here or as
//! associated functions of the resource through the [`Crud`](trait@crate::Crud)
//! trait (`Task::create(&db, owner, input)`).
//! Each is one statement, so one round trip (a list that counts is two, run at once; a write
//! under an [`IfMatch`] that finds no row matching reads the row once more, to tell a missing
//! row from a changed one).

mod list;

pub use list::{ListPage, list};

use crate::column::IdType;
use crate::db::failure::connection_lost;
use crate::db::{Backend, Db, Runner, with_pool};
use crate::dialect::{self, Statements};
use crate::error::{Error, Result};
use crate::precondition::{ETag, IfMatch, MAX_IF_MATCH};
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
    delete_if::<R>(db, owner, id, IfMatch::Any).await
}

/// [`delete`] under `if_match`: [`Error::PreconditionFailed`] if the resource's current ETag
/// is not one it lists, and then nothing is deleted.
pub async fn delete_if<R: Resource>(
    db: &Db,
    owner: &str,
    id: R::Id,
    if_match: IfMatch,
) -> Result<Option<R>> {
    let write = Write::<R, _> {
        pick: |statements: &'static Statements| &statements.delete,
        set: Set::Nothing,
        timestamps: &[],
    };
    write_if(db, owner, id, write, if_match).await
}

/// Validates `input`, then replaces the input fields of the owner's resource with this id and
/// returns it; `None` if there is none.
pub async fn update<R: Resource>(
    db: &Db,
    owner: &str,
    id: R::Id,
    input: R::Update,
) -> Result<Option<R>> {
    update_if::<R>(db, owner, id, input, IfMatch::Any).await
}

/// [`update`] under `if_match`: [`Error::PreconditionFailed`] if the resource's current ETag
/// is not one it lists, and then nothing is written.
pub async fn update_if<R: Resource>(
    db: &Db,
    owner: &str,
    id: R::Id,
    input: R::Update,
    if_match: IfMatch,
) -> Result<Option<R>> {
    input.validate()?;
    let write = Write::<R, _> {
        pick: |statements: &'static Statements| &statements.update,
        set: Set::Update(input),
        timestamps: &[Role::UpdatedAt],
    };
    write_if(db, owner, id, write, if_match).await
}

/// Validates `patch`, then sets the input fields it sets (to a value, or `NULL`), leaves the
/// others as they are, and returns the resource; `None` if there is none. A patch that sets
/// nothing is still a write: `updated_at` moves. One statement.
pub async fn patch<R: Resource>(
    db: &Db,
    owner: &str,
    id: R::Id,
    patch: R::Patch,
) -> Result<Option<R>> {
    patch_if::<R>(db, owner, id, patch, IfMatch::Any).await
}

/// [`patch`](fn@patch) under `if_match`: [`Error::PreconditionFailed`] if the resource's
/// current ETag is not one it lists, and then nothing is written.
pub async fn patch_if<R: Resource>(
    db: &Db,
    owner: &str,
    id: R::Id,
    patch: R::Patch,
    if_match: IfMatch,
) -> Result<Option<R>> {
    patch.validate()?;
    let write = Write::<R, _> {
        pick: |statements: &'static Statements| &statements.patch,
        set: Set::Patch(patch),
        timestamps: &[Role::UpdatedAt],
    };
    write_if(db, owner, id, write, if_match).await
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
    toggle_if::<R>(db, owner, id, field, IfMatch::Any).await
}

/// [`toggle`] under `if_match`: [`Error::PreconditionFailed`] if the resource's current ETag
/// is not one it lists, and then nothing is written.
///
/// # Panics
/// If `field` is not the JSON name of a `#[crud(toggle)]` field of `R`.
pub async fn toggle_if<R: Resource>(
    db: &Db,
    owner: &str,
    id: R::Id,
    field: &str,
    if_match: IfMatch,
) -> Result<Option<R>> {
    let index = R::SCHEMA
        .toggles()
        .position(|(column, _)| column.json_name == field)
        .unwrap_or_else(|| panic!("`{field}` is not a toggle field of {}", R::SCHEMA.name));
    let write = Write::<R, _> {
        pick: move |statements: &'static Statements| &statements.toggles[index],
        set: Set::Nothing,
        timestamps: &[Role::UpdatedAt],
    };
    write_if(db, owner, id, write, if_match).await
}

/// A write of one row, by id and owner: its statement, then its parameters before the id.
struct Write<R: Resource, F> {
    /// The statement among the resource's.
    pick: F,
    /// The fields it sets.
    set: Set<R>,
    /// The timestamps it sets, bound after the fields.
    timestamps: &'static [Role],
}

/// The fields a write sets, bound first.
enum Set<R: Resource> {
    Nothing,
    Update(R::Update),
    Patch(R::Patch),
}

impl<R: Resource> Set<R> {
    fn bind<DB: Backend>(self, binder: &mut Binder<DB>) {
        match self {
            Self::Nothing => {}
            Self::Update(input) => input.bind(binder),
            Self::Patch(patch) => patch.bind(binder),
        }
    }
}

/// Runs `write` under `if_match`. Under a list of ETags the condition is part of the
/// statement; when it writes nothing, a read tells a missing row (`None`) from a changed one
/// ([`Error::PreconditionFailed`]). A list no row can match (empty, or on a resource without
/// `updated_at`) writes nothing and only reads.
async fn write_if<R, F>(
    db: &Db,
    owner: &str,
    id: R::Id,
    write: Write<R, F>,
    if_match: IfMatch,
) -> Result<Option<R>>
where
    R: Resource,
    F: FnOnce(&'static Statements) -> &'static dialect::Write + Send,
{
    let tags = match if_match {
        IfMatch::Any => None,
        IfMatch::OneOf(tags) if tags.len() > MAX_IF_MATCH => {
            return Err(Error::BadRequest(format!(
                "`If-Match` lists more than {MAX_IF_MATCH} entity tags"
            )));
        }
        IfMatch::OneOf(tags) if tags.is_empty() || R::SCHEMA.updated_at().is_none() => {
            return match get::<R>(db, owner, id).await? {
                Some(_) => Err(Error::PreconditionFailed(R::SCHEMA.name)),
                None => Ok(None),
            };
        }
        IfMatch::OneOf(tags) => Some(tags),
    };
    // Only a conditional write reads again, by the same id.
    let again = tags.as_ref().map(|_| id.clone());
    let written = bounded(db, async {
        with_pool!(db, writes runner => run_write::<R, _, _>(runner, write, owner, id, tags).await)
    })
    .await
    .map_err(|error| unique_conflict::<R>(db, error))?;
    match (written, again) {
        (None, Some(id)) => match get::<R>(db, owner, id).await? {
            Some(_) => Err(Error::PreconditionFailed(R::SCHEMA.name)),
            None => Ok(None),
        },
        (written, _) => Ok(written),
    }
}

/// Runs `write` on `runner`: its fields and timestamps, the id, the owner, then the ETags of
/// its condition, if any, padded to the length of a statement by repeating the last.
async fn run_write<R, P, F>(
    runner: &P,
    write: Write<R, F>,
    owner: &str,
    id: R::Id,
    tags: Option<Vec<ETag>>,
) -> Result<Option<R>>
where
    R: Resource,
    P: Runner,
    F: FnOnce(&'static Statements) -> &'static dialect::Write,
{
    let statement = (write.pick)(statements::<R, P>());
    let (sql, slots) = match &tags {
        None => (statement.sql.as_str(), 0),
        Some(tags) => statement.conditional(tags.len()),
    };
    let Write {
        set, timestamps, ..
    } = write;
    let owner = owner.to_owned();
    let bind = Box::new(move |now| {
        let mut binder = Binder::<P::Database>::default();
        set.bind(&mut binder);
        bind_timestamps::<R, _>(&mut binder, timestamps, now);
        binder.push(id);
        binder.push(owner);
        if let Some(tags) = tags {
            let last = tags[tags.len() - 1];
            for tag in tags.into_iter().chain(std::iter::repeat(last)).take(slots) {
                binder.push(tag.updated_at());
            }
        }
        binder.finish()
    });
    let row = runner.write(sql, bind).await?;
    decode_optional::<R, P>(row)
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
