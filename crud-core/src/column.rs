//! Column types: which Rust types a resource field may have, and how each maps to SQL.

use chrono::{DateTime, Datelike, NaiveDate, SubsecRound, Timelike, Utc};
use serde::Serialize;
use sqlx::{Decode, Encode, Postgres, Sqlite, Type};
use std::fmt::Display;
use std::str::FromStr;
use uuid::Uuid;

/// What a column holds, whatever the backend: each backend's dialect names the SQL type that
/// stores it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SqlKind {
    /// A 16-bit integer.
    SmallInt,
    /// A 32-bit integer.
    Integer,
    /// A 64-bit integer.
    BigInt,
    /// A 32-bit float.
    Real,
    /// A 64-bit float.
    Double,
    /// A boolean.
    Boolean,
    /// A UUID.
    Uuid,
    /// A point in time (UTC, microseconds).
    Timestamp,
    /// A calendar date.
    Date,
    /// Text.
    Text,
}

/// The SQL type of a column: what it holds, and whether it accepts `NULL`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct SqlType {
    /// What the column holds.
    pub kind: SqlKind,
    /// Whether the column accepts `NULL` (the field is an `Option`).
    pub nullable: bool,
    /// The only values a text column takes, for an enum deriving
    /// [`CrudEnum`](crate::CrudEnum); `None` for free text and other kinds.
    pub variants: Option<&'static [&'static str]>,
}

impl SqlType {
    /// A `NOT NULL` column holding `kind`.
    pub const fn new(kind: SqlKind) -> Self {
        Self {
            kind,
            nullable: false,
            variants: None,
        }
    }

    /// The same type, taking only the values `names` (an enum stored as text).
    pub const fn with_variants(self, names: &'static [&'static str]) -> Self {
        Self {
            variants: Some(names),
            ..self
        }
    }

    /// The same type, accepting `NULL`.
    pub const fn nullable(self) -> Self {
        Self {
            nullable: true,
            ..self
        }
    }
}

/// A value that can be bound as a query parameter on every supported backend.
///
/// Blanket-implemented: any type that sqlx can encode for SQLite and PostgreSQL is `Encodable`.
pub trait Encodable:
    Type<Sqlite> + for<'q> Encode<'q, Sqlite> + Type<Postgres> + for<'q> Encode<'q, Postgres> + Send
{
}

impl<T> Encodable for T where
    T: Type<Sqlite>
        + for<'q> Encode<'q, Sqlite>
        + Type<Postgres>
        + for<'q> Encode<'q, Postgres>
        + Send
{
}

/// A Rust type that a resource field may have: stored in one column, on every backend.
///
/// Implemented for `i16`, `i32`, `i64`, `f32`, `f64`, `bool`, `String`, [`uuid::Uuid`],
/// [`chrono::DateTime<Utc>`], [`chrono::NaiveDate`], enums deriving
/// [`CrudEnum`](crate::CrudEnum), and `Option` of any of these (a nullable column).
///
/// # Accepted values
///
/// Each type accepts exactly the values that SQLite and PostgreSQL both store and return
/// unchanged, and, for dates and timestamps, that sort the same on both (SQLite keeps them as
/// text, so their text must sort like their values). [`check`](Self::check) refuses the rest
/// before any query, so a client gets the same 400 naming the field on either backend:
///
/// | Type | Accepted | Refused with |
/// |---|---|---|
/// | `i16`, `i32`, `i64` | every value | (out of range is a JSON error) |
/// | `f32`, `f64` | finite values but `-0.0`, subnormals included | `must be a finite number`, `must not be negative zero` |
/// | `bool`, [`Uuid`], enums | every value | |
/// | `String` | any text without U+0000 | `must not contain NUL characters` |
/// | [`NaiveDate`] | years 1 to 9999 (`0001-01-01` to `9999-12-31`) | `year must be between 1 and 9999` |
/// | [`DateTime<Utc>`] | years 1 to 9999 in UTC, at most microsecond precision, no leap second | `year must be between 1 and 9999`, `must have at most microsecond precision`, `must not be a leap second` |
///
/// - Floats: JSON has no infinity or NaN, but serde_json reads a number beyond `f32::MAX`
///   (such as `1e39`) into an `f32` as infinity, which would be stored and served as `null`.
///   SQLite stores a real without a fraction as an integer, so `-0.0` would come back as
///   `0.0` there and as `-0.0` on PostgreSQL; it is refused rather than changed on one backend
///   (serde_json reads `-0` as `-0.0` too; `0` and `0.0` are the zero accepted).
/// - Dates and timestamps: years 1 to 9999 are ISO 8601's four-digit years without sign,
///   whose text SQLite sorts in value order. chrono writes a year past 9999 as `+10000`
///   (which sorts before `2024` as text) and one before year 0 as `-0001`; PostgreSQL refuses
///   dates before 4713 BC and writes year 0 as `0001 BC`. A list filter still compares a
///   timestamp column with any instant: one before year 1 sorts before every row as text too,
///   and one after 9999 is compared as the last microsecond of 9999.
/// - Timestamps: PostgreSQL keeps microseconds and SQLite's text would keep nanoseconds, so a
///   value with sub-microsecond digits is refused rather than cut on one backend only. A leap
///   second (`23:59:60`) is kept by SQLite's text and becomes the next second on PostgreSQL.
///   Stored on SQLite as RFC 3339 text in UTC (`+00:00`) with 0, 3 or 6 fraction digits,
///   which sorts in value order.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a supported crud column type",
    label = "unsupported column type",
    note = "supported: i16, i32, i64, f32, f64, bool, String, uuid::Uuid, chrono::DateTime<Utc>, chrono::NaiveDate, enums deriving `CrudEnum`, and `Option` of these"
)]
pub trait ColumnType:
    Encodable
    + Type<Sqlite>
    + for<'r> Decode<'r, Sqlite>
    + Type<Postgres>
    + for<'r> Decode<'r, Postgres>
    + Sync
    + Sized
    + 'static
{
    /// The column's SQL type on each backend.
    const SQL_TYPE: SqlType;

    /// Checks a value a client sent before it reaches the database: `Err` holds what is wrong
    /// with it, for the field's validation error. The accepted values of each type are listed
    /// in the [trait's documentation](ColumnType#accepted-values).
    fn check(&self) -> Result<(), &'static str> {
        Ok(())
    }
}

macro_rules! column_types {
    ($($ty:ty => $kind:ident;)*) => {$(
        impl ColumnType for $ty {
            const SQL_TYPE: SqlType = SqlType::new(SqlKind::$kind);
        }
    )*};
}

column_types! {
    i16 => SmallInt;
    i32 => Integer;
    i64 => BigInt;
    bool => Boolean;
    Uuid => Uuid;
}

/// Refuses a float that is not finite, or is `-0.0`: SQLite stores a real without a fraction
/// as an integer, and so reads `-0.0` back as `0.0` (PostgreSQL keeps the sign).
fn check_float(finite: bool, negative_zero: bool) -> Result<(), &'static str> {
    if !finite {
        Err("must be a finite number")
    } else if negative_zero {
        Err("must not be negative zero")
    } else {
        Ok(())
    }
}

/// The message of a date or timestamp outside years 1 to 9999.
const YEAR_OUT_OF_RANGE: &str = "year must be between 1 and 9999";
/// The years a date or timestamp may have: ISO 8601's four-digit years after 1 BC.
const YEARS: std::ops::RangeInclusive<i32> = 1..=9999;

impl ColumnType for f32 {
    const SQL_TYPE: SqlType = SqlType::new(SqlKind::Real);

    fn check(&self) -> Result<(), &'static str> {
        check_float(self.is_finite(), *self == 0.0 && self.is_sign_negative())
    }
}

impl ColumnType for f64 {
    const SQL_TYPE: SqlType = SqlType::new(SqlKind::Double);

    fn check(&self) -> Result<(), &'static str> {
        check_float(self.is_finite(), *self == 0.0 && self.is_sign_negative())
    }
}

impl ColumnType for NaiveDate {
    const SQL_TYPE: SqlType = SqlType::new(SqlKind::Date);

    fn check(&self) -> Result<(), &'static str> {
        if YEARS.contains(&self.year()) {
            Ok(())
        } else {
            Err(YEAR_OUT_OF_RANGE)
        }
    }
}

impl ColumnType for DateTime<Utc> {
    const SQL_TYPE: SqlType = SqlType::new(SqlKind::Timestamp);

    fn check(&self) -> Result<(), &'static str> {
        if YEARS.contains(&self.year()) {
            check_instant(self)
        } else {
            Err(YEAR_OUT_OF_RANGE)
        }
    }
}

/// Refuses a timestamp that no column holds in any year: a leap second, or one finer than a
/// microsecond. A list filter compares a column with any other timestamp, even one outside
/// the years a column holds (year 0 in UTC, from `0001-01-01T00:30:00+01:00`).
pub(crate) fn check_instant(time: &DateTime<Utc>) -> Result<(), &'static str> {
    let nanos = time.nanosecond();
    if nanos >= 1_000_000_000 {
        // chrono's representation of a leap second (`23:59:60`).
        Err("must not be a leap second")
    } else if !nanos.is_multiple_of(1_000) {
        Err("must have at most microsecond precision")
    } else {
        Ok(())
    }
}

/// The latest timestamp a column holds: the last microsecond of year 9999.
pub(crate) const LATEST_TIMESTAMP_MICROS: i64 = 253_402_300_799_999_999;

impl ColumnType for String {
    const SQL_TYPE: SqlType = SqlType::new(SqlKind::Text);

    fn check(&self) -> Result<(), &'static str> {
        if self.contains('\0') {
            Err("must not contain NUL characters")
        } else {
            Ok(())
        }
    }
}

impl<T: ColumnType> ColumnType for Option<T> {
    const SQL_TYPE: SqlType = T::SQL_TYPE.nullable();

    fn check(&self) -> Result<(), &'static str> {
        self.as_ref().map_or(Ok(()), T::check)
    }
}

/// A type that can be a resource's `#[crud(id)]`.
///
/// Integer ids are assigned by the database (an identity or autoincrement column); `Uuid` and
/// `String` ids are generated by the service (UUID v7, so they sort by creation time).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a crud id",
    label = "unsupported id type",
    note = "an id is i32, i64 (assigned by the database), uuid::Uuid or String (generated)"
)]
pub trait IdType: ColumnType + FromStr<Err: Display> + Serialize + Clone {
    /// Whether the database assigns the id when a row is inserted.
    const DATABASE_GENERATED: bool;

    /// A new id for a row to insert, when the database does not assign it.
    fn generate() -> Option<Self>;
}

impl IdType for i64 {
    const DATABASE_GENERATED: bool = true;
    fn generate() -> Option<Self> {
        None
    }
}

impl IdType for i32 {
    const DATABASE_GENERATED: bool = true;
    fn generate() -> Option<Self> {
        None
    }
}

impl IdType for Uuid {
    const DATABASE_GENERATED: bool = false;
    fn generate() -> Option<Self> {
        Some(Uuid::now_v7())
    }
}

impl IdType for String {
    const DATABASE_GENERATED: bool = false;
    fn generate() -> Option<Self> {
        Some(Uuid::now_v7().to_string())
    }
}

/// A type that can be a resource's `#[crud(owner)]`: the token's `sub` claim is stored in it.
#[diagnostic::on_unimplemented(
    message = "the owner field must be a `String`, not `{Self}`",
    label = "the token's `sub` claim is stored here",
    note = "the owner holds the user id from the JWT `sub` claim, which is a string"
)]
pub trait OwnerType: ColumnType {}

impl OwnerType for String {}

/// A type that can be a `#[crud(toggle)]` field.
#[diagnostic::on_unimplemented(
    message = "a toggle field must be a `bool`, not `{Self}`",
    label = "`#[crud(toggle)]` flips this field"
)]
pub trait ToggleType: ColumnType {}

impl ToggleType for bool {}

/// A type that can be a `#[crud(created_at)]` or `#[crud(updated_at)]` field.
#[diagnostic::on_unimplemented(
    message = "a timestamp field must be a `chrono::DateTime<Utc>`, not `{Self}`",
    label = "`#[crud(created_at)]` and `#[crud(updated_at)]` are set by the service"
)]
pub trait TimestampType: ColumnType {
    /// The point in time.
    fn instant(&self) -> DateTime<Utc>;
}

impl TimestampType for DateTime<Utc> {
    fn instant(&self) -> DateTime<Utc> {
        *self
    }
}

/// The current time, at the precision every backend stores (microseconds), so that what a
/// write returns is what a later read returns.
pub(crate) fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

/// A field-less enum stored as text and sent as a JSON string. Implemented by
/// [`#[derive(CrudEnum)]`](crate::CrudEnum), which also implements [`ColumnType`],
/// `serde::Serialize`, `serde::Deserialize` and `Display` through it.
pub trait TextEnum: Sized + Send + Sync + 'static {
    /// Every variant's name, in declaration order.
    const NAMES: &'static [&'static str];
    /// The variant's name.
    fn as_str(&self) -> &'static str;
    /// The variant with this name.
    fn from_name(name: &str) -> Option<Self>;
}

/// The text of a database value that names no variant.
#[derive(Debug, thiserror::Error)]
#[error("`{0}` is not one of {1:?}")]
pub struct UnknownVariant(pub String, pub &'static [&'static str]);

/// Implements the storage and JSON traits of a [`TextEnum`]. Used by `#[derive(CrudEnum)]`.
#[doc(hidden)]
#[macro_export]
macro_rules! text_enum_impls {
    ($ty:ty) => {
        impl<__CrudDb: $crate::__private::sqlx::Database> $crate::__private::sqlx::Type<__CrudDb>
            for $ty
        where
            str: $crate::__private::sqlx::Type<__CrudDb>,
        {
            fn type_info() -> __CrudDb::TypeInfo {
                <str as $crate::__private::sqlx::Type<__CrudDb>>::type_info()
            }
            fn compatible(__crud_ty: &__CrudDb::TypeInfo) -> bool {
                <str as $crate::__private::sqlx::Type<__CrudDb>>::compatible(__crud_ty)
            }
        }

        impl<'q, __CrudDb: $crate::__private::sqlx::Database>
            $crate::__private::sqlx::Encode<'q, __CrudDb> for $ty
        where
            &'static str: $crate::__private::sqlx::Encode<'q, __CrudDb>,
        {
            fn encode_by_ref(
                &self,
                __crud_buf: &mut __CrudDb::ArgumentBuffer,
            ) -> ::core::result::Result<
                $crate::__private::sqlx::encode::IsNull,
                $crate::__private::sqlx::error::BoxDynError,
            > {
                $crate::__private::sqlx::Encode::<'q, __CrudDb>::encode(
                    $crate::column::TextEnum::as_str(self),
                    __crud_buf,
                )
            }
        }

        impl<'r, __CrudDb: $crate::__private::sqlx::Database>
            $crate::__private::sqlx::Decode<'r, __CrudDb> for $ty
        where
            &'r str: $crate::__private::sqlx::Decode<'r, __CrudDb>,
        {
            fn decode(
                __crud_value: __CrudDb::ValueRef<'r>,
            ) -> ::core::result::Result<Self, $crate::__private::sqlx::error::BoxDynError> {
                let __crud_name =
                    <&'r str as $crate::__private::sqlx::Decode<'r, __CrudDb>>::decode(
                        __crud_value,
                    )?;
                <Self as $crate::column::TextEnum>::from_name(__crud_name).ok_or_else(|| {
                    $crate::column::UnknownVariant(
                        __crud_name.into(),
                        <Self as $crate::column::TextEnum>::NAMES,
                    )
                    .into()
                })
            }
        }

        impl $crate::column::ColumnType for $ty {
            const SQL_TYPE: $crate::column::SqlType =
                $crate::column::SqlType::new($crate::column::SqlKind::Text)
                    .with_variants(<$ty as $crate::column::TextEnum>::NAMES);
        }

        impl $crate::__private::serde::Serialize for $ty {
            fn serialize<__CrudS: $crate::__private::serde::Serializer>(
                &self,
                __crud_serializer: __CrudS,
            ) -> ::core::result::Result<__CrudS::Ok, __CrudS::Error> {
                __crud_serializer.serialize_str($crate::column::TextEnum::as_str(self))
            }
        }

        impl<'de> $crate::__private::serde::Deserialize<'de> for $ty {
            fn deserialize<__CrudD: $crate::__private::serde::Deserializer<'de>>(
                __crud_deserializer: __CrudD,
            ) -> ::core::result::Result<Self, __CrudD::Error> {
                __crud_deserializer.deserialize_str($crate::column::TextEnumVisitor::<Self>::new())
            }
        }

        impl ::core::fmt::Display for $ty {
            fn fmt(
                &self,
                __crud_formatter: &mut ::core::fmt::Formatter<'_>,
            ) -> ::core::fmt::Result {
                __crud_formatter.write_str($crate::column::TextEnum::as_str(self))
            }
        }
    };
}

/// Deserializes a [`TextEnum`] from a string, naming the expected variants on error.
#[doc(hidden)]
pub struct TextEnumVisitor<T>(std::marker::PhantomData<fn() -> T>);

impl<T> TextEnumVisitor<T> {
    /// A visitor for `T`.
    pub fn new() -> Self {
        Self(std::marker::PhantomData)
    }
}

impl<T> Default for TextEnumVisitor<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: TextEnum> serde::de::Visitor<'_> for TextEnumVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "one of {:?}", T::NAMES)
    }

    fn visit_str<E: serde::de::Error>(self, name: &str) -> Result<T, E> {
        T::from_name(name).ok_or_else(|| E::unknown_variant(name, T::NAMES))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveDateTime, TimeZone};

    fn date(year: i32, month: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(year, month, day).expect("a valid date")
    }

    fn timestamp(text: &str) -> DateTime<Utc> {
        text.parse().expect("a valid timestamp")
    }

    #[test]
    fn floats_must_be_finite_and_not_negative_zero() {
        for value in [
            0.0,
            f32::MIN_POSITIVE / 2.0,
            -f32::from_bits(1),
            f32::MAX,
            f32::MIN,
        ] {
            assert_eq!(value.check(), Ok(()), "{value}");
        }
        for value in [f64::from(f32::MAX), f64::MAX, f64::MIN, 5e-324] {
            assert_eq!(value.check(), Ok(()), "{value}");
        }
        // serde_json refuses `1e39` for an `f32` itself (number out of range); a value that
        // overflows on another path is refused here.
        assert!(serde_json::from_str::<f32>("1e39").is_err());
        for value in [f32::INFINITY, f32::NEG_INFINITY, f32::NAN] {
            assert_eq!(value.check(), Err("must be a finite number"), "{value}");
        }
        for value in [f64::INFINITY, f64::NEG_INFINITY, f64::NAN] {
            assert_eq!(value.check(), Err("must be a finite number"), "{value}");
        }
        assert_eq!(Some(f64::NAN).check(), Err("must be a finite number"));
        assert_eq!((-0.0_f32).check(), Err("must not be negative zero"));
        assert_eq!((-0.0_f64).check(), Err("must not be negative zero"));
        assert_eq!(Some(-0.0_f64).check(), Err("must not be negative zero"));
        // serde_json reads `-0` as `-0.0` too.
        let zero: f64 = serde_json::from_str("-0").expect("a number");
        assert_eq!(zero.check(), Err("must not be negative zero"));
        assert_eq!(None::<f64>.check(), Ok(()));
    }

    #[test]
    fn dates_have_four_digit_years() {
        for value in [date(1, 1, 1), date(2024, 2, 29), date(9999, 12, 31)] {
            assert_eq!(value.check(), Ok(()), "{value}");
        }
        for value in [
            date(0, 12, 31),
            date(-4713, 1, 1),
            date(10000, 1, 1),
            NaiveDate::MIN,
            NaiveDate::MAX,
        ] {
            assert_eq!(
                value.check(),
                Err("year must be between 1 and 9999"),
                "{value}"
            );
        }
    }

    #[test]
    fn timestamps_have_four_digit_years_and_microseconds_at_most() {
        for text in [
            "0001-01-01T00:00:00Z",
            "9999-12-31T23:59:59.999999Z",
            "2024-06-01T12:00:00.123Z",
            "2024-06-01T12:00:00.000001Z",
            // The year is the UTC one: this is 0001-01-01T00:00:00Z.
            "0001-01-01T01:00:00+01:00",
        ] {
            assert_eq!(timestamp(text).check(), Ok(()), "{text}");
        }
        for (text, message) in [
            (
                "0000-12-31T23:59:59.999999Z",
                "year must be between 1 and 9999",
            ),
            (
                "0001-01-01T00:30:00+01:00",
                "year must be between 1 and 9999",
            ),
            ("+10000-01-01T00:00:00Z", "year must be between 1 and 9999"),
            (
                "9999-12-31T23:59:59-00:01",
                "year must be between 1 and 9999",
            ),
            (
                "2024-06-01T12:00:00.0000001Z",
                "must have at most microsecond precision",
            ),
            (
                "2024-06-01T12:00:00.999999999Z",
                "must have at most microsecond precision",
            ),
            ("2016-12-31T23:59:60Z", "must not be a leap second"),
            ("2016-12-31T23:59:60.5Z", "must not be a leap second"),
        ] {
            assert_eq!(timestamp(text).check(), Err(message), "{text}");
        }
        let min = Utc.from_utc_datetime(&NaiveDateTime::MIN);
        assert_eq!(min.check(), Err("year must be between 1 and 9999"));
    }

    #[test]
    fn text_refuses_only_nul() {
        for value in [
            "",
            "plain",
            "tab\tnew\nline\u{1}\u{7f}",
            "日本語 🦀",
            "\u{FFFF}",
        ] {
            assert_eq!(value.to_owned().check(), Ok(()), "{value:?}");
        }
        assert_eq!(
            "a\0b".to_owned().check(),
            Err("must not contain NUL characters")
        );
    }

    #[test]
    fn now_is_accepted() {
        assert_eq!(now().check(), Ok(()));
    }
}
