//! SQLite's dialect.

use super::Dialect;
use crate::column::SqlKind;

/// SQLite: `?N` placeholders, type affinities, text as the storage of dates and times.
pub(super) struct Sqlite;

impl Dialect for Sqlite {
    fn schemes(&self) -> &'static [&'static str] {
        &["sqlite"]
    }

    fn placeholder(&self, n: usize) -> String {
        format!("?{n}")
    }

    fn type_name(&self, kind: SqlKind) -> &'static str {
        match kind {
            SqlKind::SmallInt | SqlKind::Integer | SqlKind::BigInt => "INTEGER",
            SqlKind::Real | SqlKind::Double => "REAL",
            SqlKind::Boolean => "BOOLEAN",
            SqlKind::Uuid => "BLOB",
            // RFC 3339 text, which sorts in time order within years 1 to 9999.
            SqlKind::Timestamp | SqlKind::Date | SqlKind::Text => "TEXT",
        }
    }

    // An INTEGER PRIMARY KEY is the rowid: never null, and assigned when omitted.
    fn table_columns_query(&self) -> &'static str {
        r#"SELECT "name", upper("type"), "notnull" OR "pk" > 0, "dflt_value" IS NOT NULL OR "pk" > 0 FROM pragma_table_info(?1)"#
    }

    // An INTEGER PRIMARY KEY is SQLite's rowid; AUTOINCREMENT never reuses a deleted id.
    fn generated_id(&self, name: &str, _: SqlKind) -> String {
        format!("{name} INTEGER PRIMARY KEY AUTOINCREMENT")
    }

    // Writes are ordered by the one writer, which gives each its time when its turn comes
    // (`SqliteWriter`): the plain assignment is strictly increasing.

    fn position(&self, haystack: &str, needle: &str) -> String {
        format!("instr({haystack}, {needle})")
    }
}
