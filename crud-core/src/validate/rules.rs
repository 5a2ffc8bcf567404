//! The field rules of `#[crud(...)]` and the column types' own checks, as the derive's
//! generated `validate` calls them.

use super::ValidationErrors;
use crate::column::ColumnType;
use crate::patch::Patch;
use std::fmt::Display;

/// Checks that a client's value is one its column type stores unchanged on every backend (see
/// [`ColumnType`'s accepted values](ColumnType#accepted-values)): finite floats other than
/// `-0.0`, text without NUL characters, dates and timestamps of years 1 to 9999, timestamps to
/// the microsecond.
pub fn check_value<T: ColumnType>(errors: &mut ValidationErrors, field: &'static str, value: &T) {
    if let Err(message) = value.check() {
        errors.add(field, message);
    }
}

/// The value a patch sets on a field, to check as a value of its type; `None` when it sets
/// none. `null` on a field whose column is `NOT NULL` is reported (a patch built in Rust: a
/// request body's `null` there is refused as the field's type refuses it).
pub fn check_patch<'p, T: ColumnType>(
    errors: &mut ValidationErrors,
    field: &'static str,
    patch: &'p Patch<T>,
) -> Option<&'p T> {
    if matches!(patch, Patch::Null) && !T::SQL_TYPE.nullable {
        errors.add(field, "must not be null");
    }
    patch.as_value()
}

/// Text whose length `#[crud(length(...))]` bounds, in characters (not bytes).
#[diagnostic::on_unimplemented(
    message = "`length` applies to text fields, not `{Self}`",
    label = "`#[crud(length(...))]` needs a `String` or `Option<String>` field"
)]
pub trait HasLength {
    /// The length in characters, or `None` for an absent optional value.
    fn length(&self) -> Option<usize>;
}

impl HasLength for String {
    fn length(&self) -> Option<usize> {
        Some(self.chars().count())
    }
}

impl<T: HasLength> HasLength for Option<T> {
    fn length(&self) -> Option<usize> {
        self.as_ref().and_then(HasLength::length)
    }
}

/// Checks `min <= length <= max`, in characters.
pub fn check_length<T: HasLength>(
    errors: &mut ValidationErrors,
    field: &'static str,
    value: &T,
    min: Option<usize>,
    max: Option<usize>,
) {
    let Some(length) = value.length() else { return };
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    if let Some(min) = min.filter(|&min| length < min) {
        errors.add(
            field,
            format!("must be at least {min} character{} long", plural(min)),
        );
    } else if let Some(max) = max.filter(|&max| length > max) {
        errors.add(
            field,
            format!("must be at most {max} character{} long", plural(max)),
        );
    }
}

/// A number whose value `#[crud(range(...))]` bounds.
#[diagnostic::on_unimplemented(
    message = "`range` applies to number fields, not `{Self}`",
    label = "`#[crud(range(...))]` needs an integer, a float, or an `Option` of one"
)]
pub trait HasRange {
    /// The number type the bounds are written in.
    type Number: PartialOrd + Display + Copy;
    /// The value, or `None` for an absent optional value.
    fn number(&self) -> Option<Self::Number>;
}

macro_rules! has_range {
    ($($ty:ty)*) => {$(
        impl HasRange for $ty {
            type Number = $ty;
            fn number(&self) -> Option<$ty> {
                Some(*self)
            }
        }
    )*};
}

has_range!(i16 i32 i64 f32 f64);

impl<T: HasRange> HasRange for Option<T> {
    type Number = T::Number;
    fn number(&self) -> Option<T::Number> {
        self.as_ref().and_then(HasRange::number)
    }
}

/// Checks `min <= value <= max`.
pub fn check_range<T, N>(
    errors: &mut ValidationErrors,
    field: &'static str,
    value: &T,
    min: Option<N>,
    max: Option<N>,
) where
    T: HasRange<Number = N>,
    N: PartialOrd + Display + Copy,
{
    let Some(number) = value.number() else { return };
    if let Some(min) = min.filter(|min| number < *min) {
        errors.add(field, format!("must be at least {min}"));
    } else if let Some(max) = max.filter(|max| number > *max) {
        errors.add(field, format!("must be at most {max}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::FieldError;

    fn length_errors(value: &str, min: Option<usize>, max: Option<usize>) -> Vec<FieldError> {
        let mut errors = ValidationErrors::new();
        check_length(&mut errors, "title", &value.to_owned(), min, max);
        errors.0
    }

    #[test]
    fn length_counts_characters_not_bytes() {
        assert!(length_errors("éé", None, Some(2)).is_empty());
        assert!(length_errors("日本語", None, Some(3)).is_empty());
        assert_eq!(
            length_errors("日本語", None, Some(2))[0].message,
            "must be at most 2 characters long"
        );
        assert_eq!(
            length_errors("", Some(1), None)[0].message,
            "must be at least 1 character long"
        );
    }

    #[test]
    fn absent_optional_values_pass() {
        let mut errors = ValidationErrors::new();
        check_length(
            &mut errors,
            "description",
            &None::<String>,
            Some(1),
            Some(2),
        );
        check_range(&mut errors, "priority", &None::<i32>, Some(1), Some(5));
        assert!(errors.into_result().is_ok());
    }

    #[test]
    fn range_reports_the_violated_bound() {
        let mut errors = ValidationErrors::new();
        check_range(&mut errors, "priority", &0_i32, Some(1), Some(5));
        check_range(&mut errors, "ratio", &Some(1.5_f64), Some(0.0), Some(1.0));
        assert_eq!(
            errors.to_string(),
            "priority: must be at least 1; ratio: must be at most 1"
        );
    }

    #[test]
    fn values_no_backend_stores_unchanged_are_rejected() {
        use chrono::{DateTime, NaiveDate, Utc};
        let mut errors = ValidationErrors::new();
        check_value(&mut errors, "ratio", &f32::INFINITY);
        check_value(&mut errors, "offset", &Some(-0.0_f64));
        check_value(&mut errors, "day", &NaiveDate::from_ymd_opt(10_000, 1, 1));
        let instant: DateTime<Utc> = "2024-01-01T00:00:00.0000001Z".parse().expect("valid");
        check_value(&mut errors, "at", &instant);
        check_value(&mut errors, "fine", &Some(1.5_f64));
        assert_eq!(
            errors.fields(),
            [
                ("ratio", "must be a finite number"),
                ("offset", "must not be negative zero"),
                ("day", "year must be between 1 and 9999"),
                ("at", "must have at most microsecond precision"),
            ]
            .map(|(field, message)| FieldError {
                field,
                message: message.to_owned(),
            })
        );
    }

    #[test]
    fn a_patch_is_checked_as_its_value() {
        let mut errors = ValidationErrors::new();
        assert_eq!(
            check_patch(&mut errors, "title", &Patch::<String>::Absent),
            None
        );
        assert_eq!(
            check_patch(&mut errors, "note", &Patch::<Option<String>>::Null),
            None
        );
        assert_eq!(
            check_patch(&mut errors, "count", &Patch::Value(3_i32)),
            Some(&3)
        );
        assert!(errors.fields().is_empty());
        assert_eq!(
            check_patch(&mut errors, "title", &Patch::<String>::Null),
            None
        );
        assert_eq!(errors.to_string(), "title: must not be null");
    }

    #[test]
    fn nul_characters_are_rejected() {
        let mut errors = ValidationErrors::new();
        check_value(&mut errors, "title", &"a\0b".to_owned());
        check_value(&mut errors, "description", &Some("ok".to_owned()));
        assert_eq!(errors.to_string(), "title: must not contain NUL characters");
    }
}
