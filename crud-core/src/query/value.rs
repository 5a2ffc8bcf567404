//! A typed value of a filter or a cursor, read from query-string text by the column's type.

use crate::column::{ColumnType, SqlKind, SqlType};
use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use uuid::Uuid;

/// A value a list query compares a column with: one variant per [`SqlKind`].
///
/// Built from Rust values with `From` (`Value::from(true)`, `"Milk".into()`), or parsed from
/// a query string's text by the column's type. Integers convert between widths when the
/// value fits the column; a float converts to the column's width (to the nearest `f32`).
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Value {
    /// `NULL`: an optional column without a value (in cursors only).
    Null,
    /// A boolean.
    Boolean(bool),
    /// A 16-bit integer.
    SmallInt(i16),
    /// A 32-bit integer.
    Integer(i32),
    /// A 64-bit integer.
    BigInt(i64),
    /// A 32-bit float.
    Real(f32),
    /// A 64-bit float.
    Double(f64),
    /// A UUID.
    Uuid(Uuid),
    /// A point in time.
    Timestamp(DateTime<Utc>),
    /// A calendar date.
    Date(NaiveDate),
    /// Text.
    Text(String),
}

macro_rules! from {
    ($($ty:ty => $variant:ident),* $(,)?) => {$(
        impl From<$ty> for Value {
            fn from(value: $ty) -> Self {
                Self::$variant(value.into())
            }
        }
    )*};
}

from! {
    bool => Boolean, i16 => SmallInt, i32 => Integer, i64 => BigInt, f32 => Real,
    f64 => Double, Uuid => Uuid, DateTime<Utc> => Timestamp, NaiveDate => Date,
    String => Text, &str => Text,
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(value: Option<T>) -> Self {
        value.map_or(Self::Null, Into::into)
    }
}

/// What a value of each kind looks like, for messages.
fn expected(sql_type: SqlType) -> String {
    match sql_type.kind {
        SqlKind::Boolean => "`true` or `false`".to_owned(),
        SqlKind::SmallInt => format!("an integer from {} to {}", i16::MIN, i16::MAX),
        SqlKind::Integer => format!("an integer from {} to {}", i32::MIN, i32::MAX),
        SqlKind::BigInt => format!("an integer from {} to {}", i64::MIN, i64::MAX),
        SqlKind::Real | SqlKind::Double => "a finite number".to_owned(),
        SqlKind::Uuid => "a UUID".to_owned(),
        SqlKind::Timestamp => "an RFC 3339 timestamp such as 2024-06-01T12:00:00Z".to_owned(),
        SqlKind::Date => "a date such as 2024-06-01".to_owned(),
        SqlKind::Text => match sql_type.variants {
            Some(names) => format!("one of {}", quoted(names)),
            None => "text".to_owned(),
        },
    }
}

/// `"a", "b"`: names for a message.
pub(crate) fn quoted(names: &[&str]) -> String {
    names
        .iter()
        .map(|name| format!("`{name}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Value {
    /// Reads the text of a query string as a value of `sql_type` (never `NULL`). `Err` says
    /// what the text should have been.
    pub fn parse(text: &str, sql_type: SqlType) -> Result<Self, String> {
        if text.is_empty() {
            return Err("must not be empty".to_owned());
        }
        let wrong = || format!("must be {}", expected(sql_type));
        let value = match sql_type.kind {
            SqlKind::Boolean => match text {
                "true" => Self::Boolean(true),
                "false" => Self::Boolean(false),
                _ => return Err(wrong()),
            },
            SqlKind::SmallInt => Self::SmallInt(text.parse().map_err(|_| wrong())?),
            SqlKind::Integer => Self::Integer(text.parse().map_err(|_| wrong())?),
            SqlKind::BigInt => Self::BigInt(text.parse().map_err(|_| wrong())?),
            SqlKind::Real => Self::Real(text.parse().map_err(|_| wrong())?),
            SqlKind::Double => Self::Double(text.parse().map_err(|_| wrong())?),
            SqlKind::Uuid => Self::Uuid(text.parse().map_err(|_| wrong())?),
            SqlKind::Timestamp => Self::Timestamp(parse_timestamp(text).ok_or_else(wrong)?),
            SqlKind::Date => {
                Self::Date(NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| wrong())?)
            }
            SqlKind::Text => Self::Text(text.to_owned()),
        };
        value.fit(sql_type)
    }

    /// The value as a column of `sql_type` takes it: an integer converted to the column's
    /// width, a float to the column's; `Err` if it is of another kind or outside what the column
    /// accepts (the rules of [`ColumnType::check`]).
    pub(crate) fn fit(self, sql_type: SqlType) -> Result<Self, String> {
        let wrong = || format!("must be {}", expected(sql_type));
        let value = match (self, sql_type.kind) {
            (Self::Null, _) if sql_type.nullable => Self::Null,
            (Self::Null, _) => return Err("must not be null".to_owned()),
            (value @ Self::Boolean(_), SqlKind::Boolean) => value,
            (value @ Self::Uuid(_), SqlKind::Uuid) => value,
            (value, SqlKind::SmallInt | SqlKind::Integer | SqlKind::BigInt) => {
                let wide = value.integer().ok_or_else(wrong)?;
                match sql_type.kind {
                    SqlKind::SmallInt => Self::SmallInt(wide.try_into().map_err(|_| wrong())?),
                    SqlKind::Integer => Self::Integer(wide.try_into().map_err(|_| wrong())?),
                    _ => Self::BigInt(wide),
                }
            }
            (Self::Real(value), SqlKind::Real) => Self::Real(checked(value)?),
            (Self::Real(value), SqlKind::Double) => Self::Double(checked(f64::from(value))?),
            (Self::Double(value), SqlKind::Double) => Self::Double(checked(value)?),
            // The nearest `f32`, as a query string's text is read for the column.
            (Self::Double(value), SqlKind::Real) => Self::Real(checked(value as f32)?),
            (Self::Timestamp(value), SqlKind::Timestamp) => {
                // Any year: a value compared with a column may lie outside those it holds.
                crate::column::check_instant(&value)?;
                Self::Timestamp(value)
            }
            (Self::Date(value), SqlKind::Date) => {
                value.check()?;
                Self::Date(value)
            }
            (Self::Text(value), SqlKind::Text) => {
                value.check()?;
                if let Some(names) = sql_type.variants
                    && !names.contains(&value.as_str())
                {
                    return Err(wrong());
                }
                Self::Text(value)
            }
            _ => return Err(wrong()),
        };
        Ok(value)
    }

    fn integer(&self) -> Option<i64> {
        match *self {
            Self::SmallInt(value) => Some(value.into()),
            Self::Integer(value) => Some(value.into()),
            Self::BigInt(value) => Some(value),
            _ => None,
        }
    }

    /// The value as text that [`parse`](Self::parse) reads back to the same value; `None`
    /// for `NULL`.
    pub(crate) fn to_text(&self) -> Option<String> {
        Some(match self {
            Self::Null => return None,
            Self::Boolean(value) => value.to_string(),
            Self::SmallInt(value) => value.to_string(),
            Self::Integer(value) => value.to_string(),
            Self::BigInt(value) => value.to_string(),
            // Rust writes the shortest text that reads back to the same float.
            Self::Real(value) => value.to_string(),
            Self::Double(value) => value.to_string(),
            Self::Uuid(value) => value.to_string(),
            Self::Timestamp(value) => value.to_rfc3339_opts(SecondsFormat::AutoSi, true),
            Self::Date(value) => value.format("%Y-%m-%d").to_string(),
            Self::Text(value) => value.clone(),
        })
    }
}

/// A float a column accepts: finite (a filter on `-0.0` is a filter on `0.0`).
fn checked<F: ColumnType + Copy + Into<f64>>(value: F) -> Result<F, String> {
    if value.into().is_finite() {
        Ok(value)
    } else {
        Err("must be a finite number".to_owned())
    }
}

/// An RFC 3339 timestamp. A `+` of the offset that arrived as a space (a query string's
/// unencoded `+`) is read as the `+` it was.
fn parse_timestamp(text: &str) -> Option<DateTime<Utc>> {
    let parse = |text: &str| DateTime::parse_from_rfc3339(text).ok();
    let parsed = parse(text).or_else(|| {
        let offset_at = text.len().checked_sub(6)?;
        (text.as_bytes()[offset_at] == b' ')
            .then(|| format!("{}+{}", &text[..offset_at], &text[offset_at + 1..]))
            .and_then(|fixed| parse(&fixed))
    })?;
    Some(parsed.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_read_by_the_column_type() {
        let text = SqlType::new(SqlKind::Text);
        let cases: [(&str, SqlType, Result<Value, &str>); 14] = [
            (
                "true",
                SqlType::new(SqlKind::Boolean),
                Ok(Value::Boolean(true)),
            ),
            (
                "yes",
                SqlType::new(SqlKind::Boolean),
                Err("must be `true` or `false`"),
            ),
            (
                "-5",
                SqlType::new(SqlKind::SmallInt),
                Ok(Value::SmallInt(-5)),
            ),
            (
                "40000",
                SqlType::new(SqlKind::SmallInt),
                Err("must be an integer from -32768 to 32767"),
            ),
            (
                "1.5",
                SqlType::new(SqlKind::BigInt),
                Err("must be an integer from -9223372036854775808 to 9223372036854775807"),
            ),
            (
                "1e3",
                SqlType::new(SqlKind::Double),
                Ok(Value::Double(1000.0)),
            ),
            (
                "NaN",
                SqlType::new(SqlKind::Double),
                Err("must be a finite number"),
            ),
            (
                "inf",
                SqlType::new(SqlKind::Real),
                Err("must be a finite number"),
            ),
            (
                "2024-06-01T12:00:00 02:00",
                SqlType::new(SqlKind::Timestamp),
                Ok(Value::Timestamp(
                    "2024-06-01T10:00:00Z".parse().expect("a timestamp"),
                )),
            ),
            (
                "2024-06-01",
                SqlType::new(SqlKind::Timestamp),
                Err("must be an RFC 3339 timestamp such as 2024-06-01T12:00:00Z"),
            ),
            (
                "0000-01-01",
                SqlType::new(SqlKind::Date),
                Err("year must be between 1 and 9999"),
            ),
            ("", text, Err("must not be empty")),
            ("a\0b", text, Err("must not contain NUL characters")),
            (
                "high",
                text.with_variants(&["low", "high"]),
                Ok(Value::Text("high".into())),
            ),
        ];
        for (input, sql_type, expected) in cases {
            assert_eq!(
                Value::parse(input, sql_type),
                expected.map_err(str::to_owned),
                "{input:?}"
            );
        }
        assert_eq!(
            Value::parse("mid", text.with_variants(&["low", "high"])),
            Err("must be one of `low`, `high`".to_owned())
        );
    }

    #[test]
    fn text_reads_back_to_the_same_value() {
        let values = [
            (Value::Double(0.1), SqlType::new(SqlKind::Double)),
            (Value::Real(1.0e-7), SqlType::new(SqlKind::Real)),
            (Value::BigInt(i64::MIN), SqlType::new(SqlKind::BigInt)),
            (
                Value::Timestamp("2024-06-01T12:00:00.000001Z".parse().expect("a timestamp")),
                SqlType::new(SqlKind::Timestamp),
            ),
            (
                Value::Date(NaiveDate::from_ymd_opt(1, 1, 1).expect("a date")),
                SqlType::new(SqlKind::Date),
            ),
            (
                Value::Text("50% off, \\ _".into()),
                SqlType::new(SqlKind::Text),
            ),
        ];
        for (value, sql_type) in values {
            let text = value.to_text().expect("not null");
            assert_eq!(Value::parse(&text, sql_type), Ok(value), "{text}");
        }
    }

    #[test]
    fn rust_values_fit_their_columns() {
        assert_eq!(
            Value::from(5).fit(SqlType::new(SqlKind::BigInt)),
            Ok(Value::BigInt(5))
        );
        assert!(
            Value::from(70_000)
                .fit(SqlType::new(SqlKind::SmallInt))
                .is_err()
        );
        assert!(
            Value::from("x")
                .fit(SqlType::new(SqlKind::Boolean))
                .is_err()
        );
        assert!(Value::Null.fit(SqlType::new(SqlKind::Text)).is_err());
        assert_eq!(
            Value::from(None::<i32>).fit(SqlType::new(SqlKind::Integer).nullable()),
            Ok(Value::Null)
        );
    }
}
