//! The SQL of a resource, written once per backend from its [`Schema`].
//!
//! Every statement filters on the owner column, and every write returns the row it wrote
//! (`RETURNING`), so each operation is one round trip. Identifiers are quoted; values are
//! always bound parameters.

use crate::db::BackendKind;
use crate::resource::{Column, OrderBy, Role, Schema};
use std::fmt::Write;

/// The statements of one resource on one backend.
///
/// Parameters, in bind order:
/// - `insert`: the generated id (when the service generates it), the owner, the input fields,
///   `created_at`, `updated_at`;
/// - `list`: the owner;
/// - `list_page`: the owner, the limit, the offset;
/// - `get` and `delete`: the id, the owner;
/// - `update`: the input fields, `updated_at`, the id, the owner;
/// - each of `toggles`: `updated_at`, the id, the owner.
#[derive(Clone, Debug)]
pub struct Statements {
    /// Inserts a row and returns it.
    pub insert: String,
    /// Selects the owner's rows in the schema's order, then by id; the `NULL`s of an optional
    /// column come last whether it is ascending or descending.
    pub list: String,
    /// Selects one page of [`list`](Self::list) (`LIMIT` and `OFFSET`).
    pub list_page: String,
    /// Selects one row by id and owner.
    pub get: String,
    /// Replaces the input fields of a row and returns it.
    pub update: String,
    /// Deletes a row and returns it.
    pub delete: String,
    /// Flips one toggle column and returns the row; in the order of [`Schema::toggles`].
    pub toggles: Vec<String>,
    /// `CREATE TABLE IF NOT EXISTS`.
    pub create_table: String,
    /// `CREATE INDEX IF NOT EXISTS` on the owner column and the list order.
    pub create_index: String,
}

impl Statements {
    /// Writes the statements of `schema` for `backend`.
    pub fn build(schema: &Schema, backend: BackendKind) -> Self {
        let table = quote(schema.table);
        let returning = schema
            .columns
            .iter()
            .map(|c| quote(c.name))
            .collect::<Vec<_>>()
            .join(", ");
        let id = quote(schema.id().name);
        let owner = quote(schema.owner().name);
        let mut params = Params::new(backend);

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

        let mut order = schema
            .order_by
            .iter()
            .map(|key| order_key(schema, key, backend))
            .collect::<Vec<_>>();
        let id_column = schema.id().name;
        if !schema.order_by.iter().any(|key| key.column == id_column) {
            // A unique last key makes the order, and so pages, stable.
            let descending = schema.order_by.last().is_some_and(|key| key.descending);
            order.push(format!("{id}{}", if descending { " DESC" } else { "" }));
        }
        let mut params = Params::new(backend);
        let list = format!(
            "SELECT {returning} FROM {table} WHERE {owner} = {} ORDER BY {}",
            params.next(),
            order.join(", "),
        );
        let list_page = format!("{list} LIMIT {} OFFSET {}", params.next(), params.next());

        let mut params = Params::new(backend);
        let by_id = format!("{id} = {} AND {owner} = {}", params.next(), params.next());
        let get = format!("SELECT {returning} FROM {table} WHERE {by_id}");
        let delete = format!("DELETE FROM {table} WHERE {by_id} RETURNING {returning}");

        let mut params = Params::new(backend);
        let mut set = schema
            .columns_where(|role| *role == Role::Input)
            .map(|column| format!("{} = {}", quote(column.name), params.next()))
            .collect::<Vec<_>>();
        set.extend(updated_at(schema, &mut params, backend));
        let update = format!(
            "UPDATE {table} SET {} WHERE {id} = {} AND {owner} = {} RETURNING {returning}",
            set.join(", "),
            params.next(),
            params.next()
        );

        let toggles = schema
            .toggles()
            .map(|(column, _)| {
                let mut params = Params::new(backend);
                let name = quote(column.name);
                let mut set = vec![format!("{name} = NOT {name}")];
                set.extend(updated_at(schema, &mut params, backend));
                format!(
                    "UPDATE {table} SET {} WHERE {id} = {} AND {owner} = {} RETURNING {returning}",
                    set.join(", "),
                    params.next(),
                    params.next()
                )
            })
            .collect();

        let definitions = schema
            .columns
            .iter()
            .map(|column| column_definition(column, backend))
            .collect::<Vec<_>>();
        let create_table = format!(
            "CREATE TABLE IF NOT EXISTS {table} ({})",
            definitions.join(", ")
        );
        let mut indexed = vec![owner.clone()];
        indexed.extend(schema.order_by.iter().map(|key| quote(key.column)));
        let create_index = format!(
            "CREATE INDEX IF NOT EXISTS {} ON {table} ({})",
            quote(&format!("{}_{}_idx", schema.table, schema.owner().name)),
            indexed.join(", ")
        );

        Self {
            insert,
            list,
            list_page,
            get,
            update,
            delete,
            toggles,
            create_table,
            create_index,
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

/// One key of `ORDER BY`, sorting alike on every backend: the `NULL`s of an optional column
/// come last in either direction (SQLite would put them first when ascending, PostgreSQL
/// first when descending), and text sorts by bytes (SQLite's order; PostgreSQL would follow
/// the database's collation).
fn order_key(schema: &Schema, key: &OrderBy, backend: BackendKind) -> String {
    let column = schema
        .columns
        .iter()
        .find(|column| column.name == key.column);
    let nullable = column.is_some_and(|column| column.sql_type.nullable);
    let text = column.is_some_and(|column| column.sql_type.postgres == "TEXT");
    format!(
        "{}{}{}{}",
        quote(key.column),
        if text && backend == BackendKind::Postgres {
            " COLLATE \"C\""
        } else {
            ""
        },
        if key.descending { " DESC" } else { "" },
        if nullable { " NULLS LAST" } else { "" }
    )
}

/// The `updated_at` assignment, when the resource has such a column.
///
/// Successive writes of a row carry strictly increasing times. On PostgreSQL a write may wait
/// for the row's lock after its time was taken, so the time is at least a microsecond past the
/// row's current one, read under that lock; SQLite's writes are ordered by the writer, which
/// gives each its time when its turn comes.
fn updated_at(schema: &Schema, params: &mut Params, backend: BackendKind) -> Option<String> {
    let column = schema
        .columns_where(|role| *role == Role::UpdatedAt)
        .next()?;
    let name = quote(column.name);
    let value = params.next();
    Some(match backend {
        BackendKind::Postgres => {
            format!("{name} = GREATEST({value}, {name} + INTERVAL '1 microsecond')")
        }
        BackendKind::Sqlite => format!("{name} = {value}"),
    })
}

fn column_definition(column: &Column, backend: BackendKind) -> String {
    let name = quote(column.name);
    let sql_type = match backend {
        BackendKind::Postgres => column.sql_type.postgres,
        BackendKind::Sqlite => column.sql_type.sqlite,
    };
    match (column.role, backend) {
        (
            Role::Id {
                database_generated: true,
            },
            BackendKind::Postgres,
        ) => {
            format!("{name} {sql_type} GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY")
        }
        // An INTEGER PRIMARY KEY is SQLite's rowid; AUTOINCREMENT never reuses a deleted id.
        (
            Role::Id {
                database_generated: true,
            },
            BackendKind::Sqlite,
        ) => {
            format!("{name} INTEGER PRIMARY KEY AUTOINCREMENT")
        }
        (Role::Id { .. }, _) => format!("{name} {sql_type} PRIMARY KEY"),
        (Role::Toggle { .. }, _) => format!("{name} {sql_type} NOT NULL DEFAULT FALSE"),
        _ if column.sql_type.nullable => format!("{name} {sql_type}"),
        _ => format!("{name} {sql_type} NOT NULL"),
    }
}

/// Quotes an identifier. The derive only accepts `[A-Za-z_][A-Za-z0-9_]*` names; doubling any
/// quote keeps a hand-written schema safe too.
fn quote(identifier: &str) -> String {
    format!("\"{}\"", identifier.replace('"', "\"\""))
}

/// Numbers the placeholders of one statement: `$1` on PostgreSQL, `?1` on SQLite.
struct Params {
    prefix: char,
    count: usize,
}

impl Params {
    fn new(backend: BackendKind) -> Self {
        let prefix = match backend {
            BackendKind::Postgres => '$',
            BackendKind::Sqlite => '?',
        };
        Self { prefix, count: 0 }
    }

    fn next(&mut self) -> String {
        self.count += 1;
        let mut placeholder = String::new();
        let _ = write!(placeholder, "{}{}", self.prefix, self.count);
        placeholder
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::column::SqlType;

    const TEXT: SqlType = SqlType::new("TEXT", "TEXT");
    const STAMP: SqlType = SqlType::new("TIMESTAMPTZ", "TEXT");
    const TASKS: Schema = Schema {
        name: "Task",
        table: "tasks",
        path: "/api/{user_id}/tasks",
        columns: &[
            Column {
                name: "id",
                json_name: "id",
                role: Role::Id {
                    database_generated: true,
                },
                sql_type: SqlType::new("BIGINT", "INTEGER"),
            },
            Column {
                name: "user_id",
                json_name: "user_id",
                role: Role::Owner,
                sql_type: TEXT,
            },
            Column {
                name: "title",
                json_name: "title",
                role: Role::Input,
                sql_type: TEXT,
            },
            Column {
                name: "done",
                json_name: "done",
                role: Role::Toggle { route: "complete" },
                sql_type: SqlType::new("BOOLEAN", "BOOLEAN"),
            },
            Column {
                name: "created_at",
                json_name: "created_at",
                role: Role::CreatedAt,
                sql_type: STAMP,
            },
            Column {
                name: "updated_at",
                json_name: "updated_at",
                role: Role::UpdatedAt,
                sql_type: STAMP,
            },
        ],
        order_by: &[OrderBy {
            column: "created_at",
            descending: true,
        }],
        body_limit: crate::DEFAULT_BODY_LIMIT,
    };
    const ALL: &str = r#""id", "user_id", "title", "done", "created_at", "updated_at""#;

    #[test]
    fn postgres_statements() {
        let sql = Statements::build(&TASKS, BackendKind::Postgres);
        assert_eq!(
            sql.insert,
            format!(
                r#"INSERT INTO "tasks" ("user_id", "title", "created_at", "updated_at", "done") VALUES ($1, $2, $3, $4, FALSE) RETURNING {ALL}"#
            )
        );
        assert_eq!(
            sql.list_page,
            format!(
                r#"SELECT {ALL} FROM "tasks" WHERE "user_id" = $1 ORDER BY "created_at" DESC, "id" DESC LIMIT $2 OFFSET $3"#
            )
        );
        assert_eq!(
            Some(sql.list.as_str()),
            sql.list_page.strip_suffix(" LIMIT $2 OFFSET $3")
        );
        assert_eq!(
            sql.get,
            format!(r#"SELECT {ALL} FROM "tasks" WHERE "id" = $1 AND "user_id" = $2"#)
        );
        assert_eq!(
            sql.update,
            format!(
                r#"UPDATE "tasks" SET "title" = $1, "updated_at" = GREATEST($2, "updated_at" + INTERVAL '1 microsecond') WHERE "id" = $3 AND "user_id" = $4 RETURNING {ALL}"#
            )
        );
        assert_eq!(
            sql.toggles,
            [format!(
                r#"UPDATE "tasks" SET "done" = NOT "done", "updated_at" = GREATEST($1, "updated_at" + INTERVAL '1 microsecond') WHERE "id" = $2 AND "user_id" = $3 RETURNING {ALL}"#
            )]
        );
        assert_eq!(
            sql.create_table,
            r#"CREATE TABLE IF NOT EXISTS "tasks" ("id" BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, "user_id" TEXT NOT NULL, "title" TEXT NOT NULL, "done" BOOLEAN NOT NULL DEFAULT FALSE, "created_at" TIMESTAMPTZ NOT NULL, "updated_at" TIMESTAMPTZ NOT NULL)"#
        );
        assert_eq!(
            sql.create_index,
            r#"CREATE INDEX IF NOT EXISTS "tasks_user_id_idx" ON "tasks" ("user_id", "created_at")"#
        );
    }

    #[test]
    fn sqlite_statements_number_their_placeholders() {
        let sql = Statements::build(&TASKS, BackendKind::Sqlite);
        assert_eq!(
            sql.delete,
            format!(r#"DELETE FROM "tasks" WHERE "id" = ?1 AND "user_id" = ?2 RETURNING {ALL}"#)
        );
        assert!(sql.create_table.starts_with(
            r#"CREATE TABLE IF NOT EXISTS "tasks" ("id" INTEGER PRIMARY KEY AUTOINCREMENT, "#
        ));
    }

    #[test]
    fn nulls_of_an_optional_order_key_come_last_in_either_direction() {
        const RATED: Schema = Schema {
            name: "Rated",
            table: "rated",
            path: "/api/{user_id}/rated",
            columns: &[
                TASKS.columns[0],
                TASKS.columns[1],
                Column {
                    name: "rating",
                    json_name: "rating",
                    role: Role::Input,
                    sql_type: SqlType {
                        nullable: true,
                        ..SqlType::new("INTEGER", "INTEGER")
                    },
                },
            ],
            order_by: &[
                OrderBy {
                    column: "rating",
                    descending: true,
                },
                OrderBy {
                    column: "user_id",
                    descending: false,
                },
            ],
            body_limit: crate::DEFAULT_BODY_LIMIT,
        };
        let sqlite = Statements::build(&RATED, BackendKind::Sqlite);
        assert!(
            sqlite
                .list_page
                .contains(r#"ORDER BY "rating" DESC NULLS LAST, "user_id", "id" LIMIT"#),
            "{}",
            sqlite.list_page
        );
        // Text sorts by bytes on PostgreSQL too, as on SQLite.
        let postgres = Statements::build(&RATED, BackendKind::Postgres);
        assert!(
            postgres.list_page.contains(
                r#"ORDER BY "rating" DESC NULLS LAST, "user_id" COLLATE "C", "id" LIMIT"#
            ),
            "{}",
            postgres.list_page
        );
    }

    #[test]
    fn identifiers_are_quoted() {
        assert_eq!(quote("order"), r#""order""#);
        assert_eq!(quote(r#"a"b"#), r#""a""b""#);
    }
}
