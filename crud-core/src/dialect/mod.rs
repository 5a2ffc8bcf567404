//! The SQL of a resource, written once per backend from its [`Schema`].
//!
//! Every statement filters on the owner column, and every write returns the row it wrote
//! (`RETURNING`), so each operation is one round trip. Identifiers are quoted; values are
//! always bound parameters.
//!
//! What differs between backends in SQL text (placeholders, quoting, type names, identity
//! columns, text order, the `updated_at` of a write, the catalogue query of the table check)
//! is a [`Dialect`], one module per backend. Adding a backend is a module here and its
//! registration in [`BackendKind`]; beside the SQL it also needs its connection in
//! [`db`](crate::db) (a pool and the sqlx operations of `db::backend`) and its error codes in
//! `db::failure`, and the column types' bounds name each backend's sqlx traits.

mod list;
mod postgres;
mod sqlite;

pub(crate) use list::ListStatements;

use crate::column::SqlKind;
use crate::query::plan::{Plan, Shape, SortColumn};
use crate::schema::{Column, Role, Schema};
use sqlx::SqlStr;

/// The SQL backends a [`Db`](crate::Db) can run on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BackendKind {
    /// SQLite, embedded: a file or an in-memory database.
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

impl BackendKind {
    /// Every backend, in the order of [`index`](Self::index).
    pub(crate) const ALL: [Self; 2] = [Self::Sqlite, Self::Postgres];

    /// The backend a database URL names (`sqlite:` or `postgres:`/`postgresql:`).
    pub fn from_url(url: &str) -> Option<Self> {
        let scheme = url.split_once(':')?.0;
        Self::ALL
            .into_iter()
            .find(|kind| kind.dialect().schemes().contains(&scheme))
    }

    /// The backend's position in [`ALL`](Self::ALL): a slot of per-backend caches.
    pub(crate) const fn index(self) -> usize {
        match self {
            Self::Sqlite => 0,
            Self::Postgres => 1,
        }
    }

    /// The backend's dialect: the one registration of a backend's SQL.
    pub(crate) fn dialect(self) -> &'static dyn Dialect {
        match self {
            Self::Sqlite => &sqlite::Sqlite,
            Self::Postgres => &postgres::Postgres,
        }
    }
}

/// How one backend spells what the statements need.
pub(crate) trait Dialect: Sync {
    /// The URL schemes that name the backend.
    fn schemes(&self) -> &'static [&'static str];

    /// The placeholder of the `n`th parameter (from 1).
    fn placeholder(&self, n: usize) -> String;

    /// A quoted identifier.
    fn quote(&self, identifier: &str) -> String {
        // The derive only accepts `[A-Za-z_][A-Za-z0-9_]*` names; doubling any quote keeps a
        // hand-written schema safe too.
        format!("\"{}\"", identifier.replace('"', "\"\""))
    }

    /// The type that stores `kind` in the DDL.
    fn type_name(&self, kind: SqlKind) -> &'static str;

    /// The type as the database's catalogue reports it, for comparing a table with its struct.
    fn catalogue_type_name(&self, kind: SqlKind) -> &'static str {
        self.type_name(kind)
    }

    /// A query of the columns of the table named by its one parameter, in order: name, type
    /// (upper case, as [`catalogue_type_name`](Self::catalogue_type_name) spells it), whether
    /// it is `NOT NULL`, whether it has a default.
    fn table_columns_query(&self) -> &'static str;

    /// The definition of an id column the database assigns (an integer primary key).
    fn generated_id(&self, name: &str, kind: SqlKind) -> String;

    /// What follows a text column in `ORDER BY` so that text sorts by bytes on every backend.
    fn text_order(&self) -> &'static str {
        ""
    }

    /// The position (from 1; 0 if absent) of the text `needle` in the text `haystack`,
    /// comparing characters exactly: no wildcards, no case folding.
    fn position(&self, haystack: &str, needle: &str) -> String;

    /// The assignment of `updated_at` in an update, whose time is `value`. Successive writes
    /// of a row must carry strictly increasing times.
    fn updated_at(&self, name: &str, value: &str) -> String {
        format!("{name} = {value}")
    }
}

/// The statements of one resource on one backend.
///
/// Parameters, in bind order:
/// - `insert`: the generated id (when the service generates it), the owner, the input fields,
///   `created_at`, `updated_at`;
/// - `list`: the owner, the limit;
/// - `lists`: see `ListStatement` in `dialect::list`;
/// - `get` and `delete`: the id, the owner;
/// - `update`: the input fields, `updated_at`, the id, the owner;
/// - `patch`: for each input field, whether it is set and its value; `updated_at`, the id, the
///   owner;
/// - each of `toggles`: `updated_at`, the id, the owner;
///
/// and after them, for the `Write`s under `If-Match`, the ETags (`updated_at` values).
#[derive(Debug)]
pub struct Statements {
    /// Inserts a row and returns it.
    pub insert: String,
    /// Selects the first page of the owner's rows in the schema's order, then by id (a list
    /// query without parameters); the `NULL`s of an optional column come last whether it is
    /// ascending or descending.
    pub list: SqlStr,
    /// The order of `list`: the schema's, then the id.
    pub(crate) list_sort: Vec<SortColumn>,
    /// The statements of every other list query, by shape.
    pub(crate) lists: ListStatements,
    /// Selects one row by id and owner.
    pub get: String,
    /// Replaces the input fields of a row and returns it.
    pub update: Write,
    /// Sets the input fields a patch sets, leaves the others, and returns the row: one
    /// `CASE WHEN $set THEN $value ELSE column END` per input field.
    pub patch: Write,
    /// Deletes a row and returns it.
    pub delete: Write,
    /// Flips one toggle column and returns the row; in the order of [`Schema::toggles`].
    pub toggles: Vec<Write>,
    /// `CREATE TABLE IF NOT EXISTS`.
    pub create_table: String,
    /// `CREATE INDEX IF NOT EXISTS`: for the list order and for each sortable column, the
    /// owner, the key, then the id, so that a page is an index range within one owner.
    pub create_indexes: Vec<String>,
    /// The unique keys of the resource, by the names of their indexes (among
    /// `create_indexes`), so that a violation names its fields.
    pub(crate) unique_keys: Vec<UniqueKey>,
}

/// A set of columns unique within one owner, and the name of the index that keeps it so.
#[derive(Debug)]
pub(crate) struct UniqueKey {
    pub(crate) index: String,
    pub(crate) columns: &'static [&'static str],
}

/// Numbers the placeholders of one statement.
struct Params<'d> {
    dialect: &'d dyn Dialect,
    count: usize,
}

impl<'d> Params<'d> {
    fn new(dialect: &'d dyn Dialect) -> Self {
        Self { dialect, count: 0 }
    }

    fn next(&mut self) -> String {
        self.count += 1;
        self.dialect.placeholder(self.count)
    }
}

/// A write of one row by id and owner, returning the row: unconditional, and under `If-Match`
/// (`AND updated_at IN (...)` after the owner, whose parameters come last).
#[derive(Debug)]
pub struct Write {
    /// The unconditional statement.
    pub sql: String,
    /// With the condition on 1, 2, 4, 8 and 16 ETags; none for a resource without
    /// `updated_at`.
    conditional: Vec<String>,
}

impl Write {
    /// The statements of a write whose text before `RETURNING` is `head`, its parameters so
    /// far numbered by `params`.
    fn build(schema: &Schema, mut params: Params<'_>, head: &str, returning: &str) -> Self {
        let sql = format!("{head} RETURNING {returning}");
        let Some(column) = schema.updated_at() else {
            return Self {
                sql,
                conditional: Vec::new(),
            };
        };
        let column = params.dialect.quote(column.name);
        let first = params.count;
        let conditional = (0..Self::SIZES)
            .map(|power| {
                params.count = first;
                let tags = (0..1_usize << power)
                    .map(|_| params.next())
                    .collect::<Vec<_>>()
                    .join(", ");
                format!("{head} AND {column} IN ({tags}) RETURNING {returning}")
            })
            .collect();
        Self { sql, conditional }
    }

    /// How many lengths of tag lists have a statement: the powers of two up to
    /// [`MAX_IF_MATCH`](crate::schema::MAX_IF_MATCH).
    const SIZES: u32 = crate::schema::MAX_IF_MATCH.trailing_zeros() + 1;

    /// The statement under a condition on `tags` ETags (1 to
    /// [`MAX_IF_MATCH`](crate::schema::MAX_IF_MATCH)), and how many it binds: `tags` up
    /// to a power of two, the last one repeated.
    ///
    /// # Panics
    /// If the resource has no `updated_at`, or `tags` is 0 or too many.
    pub(crate) fn conditional(&self, tags: usize) -> (&str, usize) {
        let slots = tags.next_power_of_two();
        (&self.conditional[slots.trailing_zeros() as usize], slots)
    }
}

impl Statements {
    /// Writes the statements of `schema` for `backend`.
    pub(crate) fn build(schema: &Schema, backend: BackendKind) -> Self {
        let dialect = backend.dialect();
        let quote = |identifier: &str| dialect.quote(identifier);
        let table = quote(schema.table);
        let returning = schema
            .columns
            .iter()
            .map(|c| quote(c.name))
            .collect::<Vec<_>>()
            .join(", ");
        let id = quote(schema.id().name);
        let owner = quote(schema.owner().name);
        let mut params = Params::new(dialect);

        // INSERT: columns whose value is bound, then toggles, which start `FALSE`.
        let mut names = Vec::new();
        let mut values = Vec::new();
        let bound = schema.columns.iter().filter(|c| match c.role {
            Role::Id { database_generated } => !database_generated,
            Role::Toggle { .. } => false,
            _ => true,
        });
        for column in ordered_for_insert(bound) {
            names.push(quote(column.name));
            values.push(params.next());
        }
        for (column, _) in schema.toggles() {
            names.push(quote(column.name));
            values.push("FALSE".to_owned());
        }
        let insert = format!(
            "INSERT INTO {table} ({}) VALUES ({}) RETURNING {returning}",
            names.join(", "),
            values.join(", ")
        );

        let list = list::build(schema, dialect, &first_page(schema)).sql;

        let mut params = Params::new(dialect);
        let by_id = format!("{id} = {} AND {owner} = {}", params.next(), params.next());
        let get = format!("SELECT {returning} FROM {table} WHERE {by_id}");
        let delete = Write::build(
            schema,
            params,
            &format!("DELETE FROM {table} WHERE {by_id}"),
            &returning,
        );

        // An update of the given assignments (`updated_at`'s added), by id and owner.
        let update_of = |mut params: Params<'_>, mut set: Vec<String>| {
            set.extend(updated_at(schema, &mut params));
            let head = format!(
                "UPDATE {table} SET {} WHERE {id} = {} AND {owner} = {}",
                set.join(", "),
                params.next(),
                params.next()
            );
            Write::build(schema, params, &head, &returning)
        };
        let inputs = || schema.columns_where(|role| *role == Role::Input);

        let mut params = Params::new(dialect);
        let set = inputs()
            .map(|column| format!("{} = {}", quote(column.name), params.next()))
            .collect();
        let update = update_of(params, set);

        let mut params = Params::new(dialect);
        let set = inputs()
            .map(|column| {
                let name = quote(column.name);
                let (set, value) = (params.next(), params.next());
                format!("{name} = CASE WHEN {set} THEN {value} ELSE {name} END")
            })
            .collect();
        let patch = update_of(params, set);

        let toggles = schema
            .toggles()
            .map(|(column, _)| {
                let name = quote(column.name);
                update_of(Params::new(dialect), vec![format!("{name} = NOT {name}")])
            })
            .collect();

        let definitions = schema
            .columns
            .iter()
            .map(|column| column_definition(column, dialect))
            .collect::<Vec<_>>();
        let create_table = format!(
            "CREATE TABLE IF NOT EXISTS {table} ({})",
            definitions.join(", ")
        );
        let mut create_indexes = indexes(schema, dialect);
        let unique_keys = unique_keys(schema, &create_indexes);
        create_indexes.extend(unique_keys.iter().map(|key| {
            let mut columns = vec![quote(schema.owner().name)];
            columns.extend(key.columns.iter().map(|column| quote(column)));
            format!(
                "CREATE UNIQUE INDEX IF NOT EXISTS {} ON {table} ({})",
                quote(&key.index),
                columns.join(", ")
            )
        }));

        Self {
            insert,
            list,
            list_sort: first_page(schema).sort,
            lists: ListStatements::default(),
            get,
            update,
            patch,
            delete,
            toggles,
            create_table,
            create_indexes,
            unique_keys,
        }
    }
}

/// Orders the bound columns of an insert as the service binds them: id, owner, inputs,
/// `created_at`, `updated_at`.
fn ordered_for_insert<'a>(columns: impl Iterator<Item = &'a Column>) -> Vec<&'a Column> {
    let rank = |column: &Column| match column.role {
        Role::Id { .. } => 0,
        Role::Owner => 1,
        Role::Input => 2,
        Role::CreatedAt => 3,
        Role::UpdatedAt => 4,
        Role::Toggle { .. } => 5,
    };
    let mut columns = columns.collect::<Vec<_>>();
    columns.sort_by_key(|column| rank(column));
    columns
}

/// The shape of a list query without parameters: the schema's order, then the id.
fn first_page(schema: &Schema) -> Shape {
    let query = crate::query::ListQuery::new();
    Plan::new(schema, &query)
        .expect("a query without parameters fits every schema")
        .page_shape()
}

/// The indexes that make a list page an index range within one owner: the schema's order,
/// and each sortable column, each followed by the id. Keys of one direction are written
/// ascending (an index is read in either direction).
fn indexes(schema: &Schema, dialect: &dyn Dialect) -> Vec<String> {
    let id = schema
        .columns
        .iter()
        .position(|c| std::ptr::eq(c, schema.id()));
    let default = first_page(schema).sort;
    let mut orders = vec![default];
    for (column, _) in schema
        .columns
        .iter()
        .enumerate()
        .filter(|(_, column)| column.sortable)
    {
        let mut keys = vec![SortColumn {
            column,
            descending: false,
        }];
        if Some(column) != id {
            keys.extend(id.map(|column| SortColumn {
                column,
                descending: false,
            }));
        }
        orders.push(keys);
    }
    let mut written: Vec<Vec<(usize, bool)>> = Vec::new();
    let mut names_used = Vec::new();
    let mut statements = Vec::new();
    for keys in orders {
        let uniform = keys.iter().all(|key| key.descending == keys[0].descending);
        let keys = keys
            .iter()
            .map(|key| (key.column, key.descending && !uniform))
            .collect::<Vec<_>>();
        if written.contains(&keys) {
            continue;
        }
        let names = keys
            .iter()
            .filter(|(column, _)| Some(*column) != id || keys.len() == 1)
            .map(|(column, _)| schema.columns[*column].name)
            .collect::<Vec<_>>()
            .join("_");
        let mut columns = vec![dialect.quote(schema.owner().name)];
        columns.extend(keys.iter().map(|(column, descending)| {
            let sql = list::comparable(schema, dialect, *column);
            if *descending {
                format!("{sql} DESC")
            } else {
                sql
            }
        }));
        let name = index_name(
            &format!("{}_{}_{names}", schema.table, schema.owner().name),
            &columns.join(", "),
            &names_used,
            "_idx",
        );
        statements.push(format!(
            "CREATE INDEX IF NOT EXISTS {} ON {} ({})",
            dialect.quote(&name),
            dialect.quote(schema.table),
            columns.join(", ")
        ));
        names_used.push(name);
        written.push(keys);
    }
    statements
}

/// The unique keys of `schema`, each with an index named `{table}_{owner}_{columns}_key`.
fn unique_keys(schema: &Schema, indexes: &[String]) -> Vec<UniqueKey> {
    // Names the other indexes took, by the quoted name in their statement.
    let mut used = indexes
        .iter()
        .filter_map(|statement| statement.split('"').nth(1).map(str::to_owned))
        .collect::<Vec<_>>();
    schema
        .unique
        .iter()
        .map(|columns| {
            let base = format!(
                "{}_{}_{}",
                schema.table,
                schema.owner().name,
                columns.join("_")
            );
            let index = index_name(&base, &columns.join(", "), &used, "_key");
            used.push(index.clone());
            UniqueKey { index, columns }
        })
        .collect()
}

/// The longest identifier PostgreSQL keeps whole (`NAMEDATALEN - 1` bytes).
const MAX_IDENTIFIER: usize = 63;

/// An index's name: `{base}{suffix}`, unless that is longer than an identifier may be or
/// another index of the table has it; then the base, cut, a hash of the indexed columns and
/// the suffix.
fn index_name(base: &str, columns: &str, used: &[String], suffix: &str) -> String {
    use sha2::{Digest, Sha256};
    let name = format!("{base}{suffix}");
    if name.len() <= MAX_IDENTIFIER && !used.contains(&name) {
        return name;
    }
    let hash = Sha256::digest(format!("{base}\0{columns}").as_bytes());
    let suffix = format!(
        "_{:02x}{:02x}{:02x}{:02x}{suffix}",
        hash[0], hash[1], hash[2], hash[3]
    );
    let mut cut = MAX_IDENTIFIER - suffix.len();
    while !base.is_char_boundary(cut.min(base.len())) {
        cut -= 1;
    }
    format!("{}{suffix}", &base[..cut.min(base.len())])
}

/// The `updated_at` assignment, when the resource has such a column.
fn updated_at(schema: &Schema, params: &mut Params<'_>) -> Option<String> {
    let column = schema
        .columns_where(|role| *role == Role::UpdatedAt)
        .next()?;
    let value = params.next();
    let dialect = params.dialect;
    Some(dialect.updated_at(&dialect.quote(column.name), &value))
}

fn column_definition(column: &Column, dialect: &dyn Dialect) -> String {
    let name = dialect.quote(column.name);
    let kind = column.sql_type.kind;
    let sql_type = dialect.type_name(kind);
    match column.role {
        Role::Id {
            database_generated: true,
        } => dialect.generated_id(&name, kind),
        Role::Id { .. } => format!("{name} {sql_type} PRIMARY KEY"),
        Role::Toggle { .. } => format!("{name} {sql_type} NOT NULL DEFAULT FALSE"),
        _ if column.sql_type.nullable => format!("{name} {sql_type}"),
        _ => format!("{name} {sql_type} NOT NULL"),
    }
}

#[cfg(test)]
mod tests;
