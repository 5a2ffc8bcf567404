//! A resource's table: its DDL, for the application's own migrations, and a check that the
//! table in the database matches the struct, so that a stale table fails at start-up with the
//! difference instead of answering 500 later.

use crate::db::{BackendKind, Db};
use crate::resource::Resource;
use crate::schema::{Column, Role, TableMismatch};
use crate::service::bounded;

/// The statements that create the table of `R` and its indexes on `backend`, in order, each
/// idempotent (`IF NOT EXISTS`). What [`Db::create_table`] runs; print them into a migration
/// file to manage the schema with a migration tool.
///
/// The indexes serve lists: one on the owner, the list's default order and the id, and one
/// on the owner, each sortable field and the id, so that every page of a list, in any
/// sortable order, is a range of an index within the owner's rows.
pub fn ddl<R: Resource>(backend: BackendKind) -> Vec<&'static str> {
    let statements = R::statements(backend);
    std::iter::once(statements.create_table.as_str())
        .chain(statements.create_indexes.iter().map(String::as_str))
        .collect()
}

/// A column as the database describes it.
#[derive(Debug)]
struct Found {
    name: String,
    /// The type as the backend names it, upper case.
    sql_type: String,
    not_null: bool,
    has_default: bool,
}

impl Db {
    /// Checks that the table of `R` has every column of the struct, with its type and
    /// nullability, and no other column a write would have to fill (`NOT NULL` without a
    /// default). Columns the application added for itself, nullable or with a default, are
    /// fine.
    pub async fn check_table<R: Resource>(&self) -> crate::Result<()> {
        let found = bounded(self, self.columns_of(R::SCHEMA.table)).await?;
        let differences = differences(R::SCHEMA.columns, &found, self.backend());
        if differences.is_empty() {
            bounded(self, self.order_writes_after_stored::<R>()).await
        } else {
            Err(TableMismatch {
                resource: R::SCHEMA.name,
                table: R::SCHEMA.table,
                differences,
            }
            .into())
        }
    }

    /// Creates the table of `R` if it does not exist yet, checks that it matches the struct
    /// ([`check_table`](Self::check_table)), then creates the indexes that do not exist yet: a
    /// table left from an older version of the struct fails here, with the difference, rather
    /// than on requests.
    pub async fn create_table<R: Resource>(&self) -> crate::Result<()> {
        let mut ddl = ddl::<R>(self.backend());
        let indexes = ddl.split_off(1);
        bounded(self, async { Ok(self.execute_ddl(ddl).await?) }).await?;
        // The indexes once the table is known to match: on a stale table, an index on a
        // missing column would fail with the database's error rather than the difference
        // (or, on SQLite, index the column's name as a string).
        self.check_table::<R>().await?;
        bounded(self, async { Ok(self.execute_ddl(indexes).await?) }).await
    }

    /// On SQLite, where the writer gives writes their times: no write is given a time before
    /// the latest `updated_at` the table holds, even if the clock was set back since it was
    /// written (one scan of the column, at start-up).
    async fn order_writes_after_stored<R: Resource>(&self) -> crate::Result<()> {
        let (Some(sqlite), Some(column)) = (
            self.sqlite(),
            R::SCHEMA
                .columns_where(|role| *role == Role::UpdatedAt)
                .next(),
        ) else {
            return Ok(());
        };
        let dialect = self.backend().dialect();
        let sql = format!(
            "SELECT MAX({}) FROM {}",
            dialect.quote(column.name),
            dialect.quote(R::SCHEMA.table)
        );
        let latest: Option<chrono::DateTime<chrono::Utc>> =
            sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                .fetch_one(&sqlite.reads)
                .await?;
        if let Some(latest) = latest {
            sqlite.writer.not_before(latest).await;
        }
        Ok(())
    }

    #[inline(never)]
    fn columns_of(
        &self,
        table: &'static str,
    ) -> crate::db::BoxFuture<'_, crate::Result<Vec<Found>>> {
        // The dialect's query: the table's columns as (name, type, NOT NULL, has a default).
        let sql = self.backend().dialect().table_columns_query();
        Box::pin(async move {
            type Row = (String, String, bool, bool);
            let rows: Vec<Row> = match (self.sqlite(), self.postgres()) {
                (Some(sqlite), _) => {
                    sqlx::query_as(sql)
                        .bind(table)
                        .fetch_all(&sqlite.reads)
                        .await?
                }
                (_, Some(pool)) => sqlx::query_as(sql).bind(table).fetch_all(pool).await?,
                (None, None) => unreachable!("a database is on one backend"),
            };
            Ok(rows
                .into_iter()
                .map(|(name, sql_type, not_null, has_default)| Found {
                    name,
                    sql_type,
                    not_null,
                    has_default,
                })
                .collect())
        })
    }
}

fn differences(expected: &[Column], found: &[Found], backend: BackendKind) -> Vec<String> {
    let mut differences = Vec::new();
    if found.is_empty() {
        differences.push("the table does not exist".to_owned());
        return differences;
    }
    for column in expected {
        let Some(actual) = found.iter().find(|found| found.name == column.name) else {
            differences.push(format!("column \"{}\" is missing", column.name));
            continue;
        };
        let wanted = backend.dialect().catalogue_type_name(column.sql_type.kind);
        if actual.sql_type != wanted {
            differences.push(format!(
                "column \"{}\" is {}, expected {wanted}",
                column.name, actual.sql_type
            ));
        }
        let nullable = column.sql_type.nullable && !matches!(column.role, Role::Id { .. });
        if nullable == actual.not_null {
            differences.push(format!(
                "column \"{}\" is {}, expected {}",
                column.name,
                null_words(!actual.not_null),
                null_words(nullable)
            ));
        }
    }
    for actual in found {
        let known = expected.iter().any(|column| column.name == actual.name);
        if !known && actual.not_null && !actual.has_default {
            differences.push(format!(
                "column \"{}\" is not part of the struct, and is NOT NULL without a default: inserts would fail",
                actual.name
            ));
        }
    }
    differences
}

fn null_words(nullable: bool) -> &'static str {
    if nullable { "nullable" } else { "NOT NULL" }
}
