//! The filter operators of list queries, and which of them each column type has.

use crate::column::{SqlKind, SqlType};
use std::fmt;

/// A filter operator: `FIELD__OP=V` in a list's query string (`FIELD=V` is [`Eq`](Self::Eq)).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Operator {
    /// Equal to the value (`FIELD=V` or `FIELD__eq=V`).
    Eq,
    /// Not equal to the value; a `NULL` is not equal to any value.
    Ne,
    /// Equal to one of the comma-separated values.
    In,
    /// Less than the value (numbers, dates, timestamps).
    Lt,
    /// Less than or equal to the value (numbers, dates, timestamps).
    Lte,
    /// Greater than the value (numbers, dates, timestamps).
    Gt,
    /// Greater than or equal to the value (numbers, dates, timestamps).
    Gte,
    /// Text containing the value, literally and case-sensitively.
    Contains,
    /// Text containing the value, literally, ignoring case (ASCII on every backend, Unicode
    /// where the backend's `lower` is).
    IContains,
    /// Text starting with the value, literally and case-sensitively.
    StartsWith,
    /// `true`: the field is `null`; `false`: it is not (`Option` fields).
    IsNull,
}

impl Operator {
    /// Every operator, in the order of their names in messages and documents.
    pub const ALL: [Self; 11] = [
        Self::Eq,
        Self::Ne,
        Self::In,
        Self::Lt,
        Self::Lte,
        Self::Gt,
        Self::Gte,
        Self::Contains,
        Self::IContains,
        Self::StartsWith,
        Self::IsNull,
    ];

    /// The operator's name in a query string (`gte`).
    pub const fn name(self) -> &'static str {
        match self {
            Self::Eq => "eq",
            Self::Ne => "ne",
            Self::In => "in",
            Self::Lt => "lt",
            Self::Lte => "lte",
            Self::Gt => "gt",
            Self::Gte => "gte",
            Self::Contains => "contains",
            Self::IContains => "icontains",
            Self::StartsWith => "startswith",
            Self::IsNull => "isnull",
        }
    }

    /// The operator named `name` in a query string.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|op| op.name() == name)
    }

    const fn bit(self) -> u16 {
        1 << self as u16
    }
}

impl fmt::Display for Operator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A set of [`Operator`]s: those a column may be filtered with.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Operators(u16);

impl Operators {
    /// No operator: the column cannot be filtered.
    pub const NONE: Self = Self(0);

    /// Every operator a column of type `sql_type` has: `eq`, `ne` and `in` on every type;
    /// `lt`, `lte`, `gt`, `gte` on numbers, dates and timestamps; `contains`, `icontains` and
    /// `startswith` on free text (not on enums); `isnull` on nullable columns.
    pub const fn for_type(sql_type: SqlType) -> Self {
        let mut set = Self::NONE
            .with(Operator::Eq)
            .with(Operator::Ne)
            .with(Operator::In);
        match sql_type.kind {
            SqlKind::SmallInt
            | SqlKind::Integer
            | SqlKind::BigInt
            | SqlKind::Real
            | SqlKind::Double
            | SqlKind::Date
            | SqlKind::Timestamp => {
                set = set
                    .with(Operator::Lt)
                    .with(Operator::Lte)
                    .with(Operator::Gt)
                    .with(Operator::Gte);
            }
            SqlKind::Text if sql_type.variants.is_none() => {
                set = set
                    .with(Operator::Contains)
                    .with(Operator::IContains)
                    .with(Operator::StartsWith);
            }
            _ => {}
        }
        if sql_type.nullable {
            set = set.with(Operator::IsNull);
        }
        set
    }

    /// The set with `op` added.
    #[must_use]
    pub const fn with(self, op: Operator) -> Self {
        Self(self.0 | op.bit())
    }

    /// Whether `op` is in the set.
    pub const fn contains(self, op: Operator) -> bool {
        self.0 & op.bit() != 0
    }

    /// Whether every operator of `self` is in `other`.
    pub const fn is_subset(self, other: Self) -> bool {
        self.0 & !other.0 == 0
    }

    /// Whether the set is empty.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The operators of the set, in [`Operator::ALL`]'s order.
    pub fn iter(self) -> impl Iterator<Item = Operator> {
        Operator::ALL
            .into_iter()
            .filter(move |op| self.contains(*op))
    }
}

impl fmt::Debug for Operators {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

impl fmt::Display for Operators {
    /// The operators' names, separated by commas: `eq, ne, in`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, op) in self.iter().enumerate() {
            if index > 0 {
                f.write_str(", ")?;
            }
            f.write_str(op.name())?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_type_has_its_operators() {
        let text = SqlType::new(SqlKind::Text);
        let cases: [(SqlType, &str); 7] = [
            (SqlType::new(SqlKind::Boolean), "eq, ne, in"),
            (SqlType::new(SqlKind::Uuid), "eq, ne, in"),
            (
                SqlType::new(SqlKind::Integer),
                "eq, ne, in, lt, lte, gt, gte",
            ),
            (
                SqlType::new(SqlKind::Timestamp),
                "eq, ne, in, lt, lte, gt, gte",
            ),
            (text, "eq, ne, in, contains, icontains, startswith"),
            (
                text.nullable(),
                "eq, ne, in, contains, icontains, startswith, isnull",
            ),
            (text.with_variants(&["a", "b"]), "eq, ne, in"),
        ];
        for (sql_type, expected) in cases {
            assert_eq!(
                Operators::for_type(sql_type).to_string(),
                expected,
                "{sql_type:?}"
            );
        }
    }

    #[test]
    fn names_round_trip() {
        for op in Operator::ALL {
            assert_eq!(Operator::from_name(op.name()), Some(op));
        }
        assert_eq!(Operator::from_name("like"), None);
    }
}
