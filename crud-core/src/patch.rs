//! [`Patch`]: one field of a partial update, which tells an absent field from a `null` one.

use serde::de::{Deserialize, Deserializer, Visitor};
use std::cell::Cell;
use std::fmt;

/// One field of a partial update (`PATCH`, JSON Merge Patch, RFC 7396): left as it is, set to
/// `null`, or set to a value.
///
/// The fields of a resource's patch body (`TaskPatch` for `Task`) are `Patch<T>`, `T` being the
/// field's type. Deserialized as a field with `#[serde(default)]`, it is:
///
/// - [`Absent`](Self::Absent) when the field is missing (its [`Default`]);
/// - [`Null`](Self::Null) when it is `null` and `T` takes `null` (an `Option`); for any other
///   `T`, `null` is the error `T` itself answers to `null` (`invalid type: null, expected a
///   string`), as in any other body;
/// - [`Value`](Self::Value) otherwise.
///
/// ```
/// use crud_core::Patch;
///
/// #[derive(serde::Deserialize)]
/// struct NotePatch {
///     #[serde(default)]
///     title: Patch<String>,
///     #[serde(default)]
///     body: Patch<Option<String>>,
/// }
///
/// let patch: NotePatch = serde_json::from_str(r#"{"body": null}"#).unwrap();
/// assert_eq!(patch.title, Patch::Absent);
/// assert_eq!(patch.body, Patch::Null);
/// let patch: NotePatch = serde_json::from_str(r#"{"title": "Hello", "body": "World"}"#).unwrap();
/// assert_eq!(patch.title, Patch::Value("Hello".to_owned()));
/// assert_eq!(patch.body, Patch::Value(Some("World".to_owned())));
/// assert!(serde_json::from_str::<NotePatch>(r#"{"title": null}"#).is_err());
/// ```
///
/// Built by hand, `Null` on a field whose column is `NOT NULL` is refused by the patch's
/// validation (`must not be null`), and `Value(None)` on an `Option` field is the same as
/// `Null`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Patch<T> {
    /// Left as it is.
    #[default]
    Absent,
    /// Set to `NULL`.
    Null,
    /// Set to this value.
    Value(T),
}

impl<T> Patch<T> {
    /// The value to set, if the patch sets one.
    pub fn as_value(&self) -> Option<&T> {
        match self {
            Self::Value(value) => Some(value),
            Self::Absent | Self::Null => None,
        }
    }

    /// Whether the patch changes the field.
    pub fn is_present(&self) -> bool {
        !matches!(self, Self::Absent)
    }

    /// Whether the field is set, and its new value: `(false, None)` when absent, `(true, None)`
    /// for `null`, `(true, Some(value))` for a value. The parameters of one field in a patch
    /// statement.
    pub(crate) fn into_parts(self) -> (bool, Option<T>) {
        match self {
            Self::Absent => (false, None),
            Self::Null => (true, None),
            Self::Value(value) => (true, Some(value)),
        }
    }
}

impl<T> From<T> for Patch<T> {
    fn from(value: T) -> Self {
        Self::Value(value)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Patch<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // `T` reads the value itself, so that it refuses `null` (or a wrong type) with the
        // error, and at the position, it gives in any other body; `null` read as an `Option`'s
        // `None` is `Null`.
        let null = Cell::new(false);
        let value = T::deserialize(NullAware {
            inner: deserializer,
            null: &null,
        })?;
        Ok(if null.get() {
            Self::Null
        } else {
            Self::Value(value)
        })
    }
}

/// A deserializer that notes whether an `Option` it reads was `null`, and is otherwise the one
/// it wraps.
struct NullAware<'n, D> {
    inner: D,
    null: &'n Cell<bool>,
}

macro_rules! forward {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
            self.inner.$method(visitor)
        }
    )*};
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for NullAware<'_, D> {
    type Error = D::Error;

    forward!(
        deserialize_any deserialize_bool deserialize_i8 deserialize_i16 deserialize_i32
        deserialize_i64 deserialize_i128 deserialize_u8 deserialize_u16 deserialize_u32
        deserialize_u64 deserialize_u128 deserialize_f32 deserialize_f64 deserialize_char
        deserialize_str deserialize_string deserialize_bytes deserialize_byte_buf deserialize_unit
        deserialize_seq deserialize_map deserialize_identifier deserialize_ignored_any
    );

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.inner.deserialize_option(NullVisitor {
            visitor,
            null: self.null,
        })
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.inner.deserialize_unit_struct(name, visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.inner.deserialize_newtype_struct(name, visitor)
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.inner.deserialize_tuple(len, visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.inner.deserialize_tuple_struct(name, len, visitor)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.inner.deserialize_struct(name, fields, visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.inner.deserialize_enum(name, variants, visitor)
    }

    fn is_human_readable(&self) -> bool {
        self.inner.is_human_readable()
    }
}

/// The visitor of an `Option`, noting a `null`.
struct NullVisitor<'n, V> {
    visitor: V,
    null: &'n Cell<bool>,
}

impl<'de, V: Visitor<'de>> Visitor<'de> for NullVisitor<'_, V> {
    type Value = V::Value;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.visitor.expecting(formatter)
    }

    fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        self.null.set(true);
        self.visitor.visit_none()
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        self.null.set(true);
        self.visitor.visit_unit()
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        self.visitor.visit_some(deserializer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Body {
        #[serde(default)]
        count: Patch<i32>,
        #[serde(default)]
        note: Patch<Option<String>>,
    }

    fn parse(json: &str) -> Result<Body, String> {
        serde_json::from_str(json).map_err(|error| error.to_string())
    }

    #[test]
    fn absent_null_and_values_are_told_apart() {
        let body = parse("{}").expect("parses");
        assert_eq!((body.count, body.note), (Patch::Absent, Patch::Absent));
        let body = parse(r#"{"note": null, "count": 3}"#).expect("parses");
        assert_eq!((body.count, body.note), (Patch::Value(3), Patch::Null));
        let body = parse(r#"{"note": "hi"}"#).expect("parses");
        assert_eq!(body.note, Patch::Value(Some("hi".to_owned())));
    }

    #[test]
    fn null_is_refused_as_the_type_refuses_it() {
        #[derive(Debug, serde::Deserialize)]
        struct Plain {
            #[allow(dead_code)]
            count: i32,
        }
        let plain = serde_json::from_str::<Plain>(r#"{"count": null}"#).expect_err("refused");
        let patch = parse(r#"{"count": null}"#).expect_err("refused");
        assert_eq!(patch, plain.to_string());
        assert_eq!(
            patch,
            "invalid type: null, expected i32 at line 1 column 14"
        );
        assert_eq!(
            parse(r#"{"count": "3"}"#).expect_err("refused"),
            r#"invalid type: string "3", expected i32 at line 1 column 13"#
        );
    }

    #[test]
    fn parts_are_the_statement_parameters() {
        assert_eq!(Patch::<i32>::Absent.into_parts(), (false, None));
        assert_eq!(Patch::<i32>::Null.into_parts(), (true, None));
        assert_eq!(Patch::Value(1).into_parts(), (true, Some(1)));
    }
}
