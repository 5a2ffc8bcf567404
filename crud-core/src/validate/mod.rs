//! Field validation: what every column type accepts, and the rules
//! `#[crud(length(...), range(...))]` declare, checked on every create and update before any
//! query.

use serde::Serialize;
use std::fmt::{self, Display};

/// One field that failed validation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct FieldError {
    /// The JSON field name.
    pub field: &'static str,
    /// What is wrong with it.
    pub message: String,
}

/// Every failed rule of one request body.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ValidationErrors(Vec<FieldError>);

impl ValidationErrors {
    /// No failure yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a failure.
    pub fn add(&mut self, field: &'static str, message: impl Into<String>) {
        self.0.push(FieldError {
            field,
            message: message.into(),
        });
    }

    /// The failures, in field order.
    pub fn fields(&self) -> &[FieldError] {
        &self.0
    }

    /// `Ok` when nothing failed.
    pub fn into_result(self) -> Result<(), Self> {
        if self.0.is_empty() { Ok(()) } else { Err(self) }
    }
}

impl Display for ValidationErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, error) in self.0.iter().enumerate() {
            if index > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{}: {}", error.field, error.message)?;
        }
        Ok(())
    }
}

impl std::error::Error for ValidationErrors {}

/// The rules the derive's generated `validate` calls, one per attribute: reached only through
/// `__private`.
pub(crate) mod rules;
