//! The JSON Schemas of a resource's document: a column's value, the resource as responses
//! carry it, its request bodies, and the error body.

use crate::column::{SqlKind, SqlType};
use crate::schema::{Column, Role, Rules, Schema};
use serde_json::Value;
use utoipa::Number;
use utoipa::openapi::extensions::Extensions;
use utoipa::openapi::schema::{
    AdditionalProperties, Array, ArrayBuilder, KnownFormat, ObjectBuilder, SchemaFormat,
    SchemaType, Type,
};

/// The media type of every error body.
pub(crate) const ERROR_MEDIA_TYPE: &str = crate::error::PROBLEM_JSON;

/// The schema of every error body, [`Error`](crate::Error)'s RFC 9457 problem document: `type`,
/// `title`, `status`, a `detail` for a person and, for a failed validation, the `errors` of
/// each field. Every error response of the document
/// refers to it, with [`ERROR_MEDIA_TYPE`]: a new shape of errors is a change of these two.
pub(crate) fn error() -> ObjectBuilder {
    let text = |description: &str| string().description(Some(description));
    let field_error = ObjectBuilder::new()
        .schema_type(Type::Object)
        .property("field", text("The field's JSON name."))
        .required("field")
        .property("message", text("What is wrong with its value."))
        .required("message");
    ObjectBuilder::new()
        .schema_type(Type::Object)
        .property(
            "type",
            string()
                .format(Some(SchemaFormat::Custom("uri-reference".to_owned())))
                .description(Some(
                    "The kind of problem: `about:blank`, the status says it.",
                )),
        )
        .required("type")
        .property("title", text("The status's reason phrase."))
        .required("title")
        .property(
            "status",
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .minimum(Some(400))
                .maximum(Some(599))
                .description(Some("The response's status code.")),
        )
        .required("status")
        .property("detail", text("What went wrong, in words."))
        .required("detail")
        .property(
            "errors",
            ArrayBuilder::new()
                .items(field_error)
                .description(Some("Each field that failed validation (400 only).")),
        )
}

/// The resource as every response carries it: each column under its JSON name.
///
/// A nullable field is not listed as required: the resource's own serde attributes
/// (`skip_serializing_if`) may leave it out.
pub(crate) fn resource(schema: &Schema) -> ObjectBuilder {
    let mut object = ObjectBuilder::new()
        .schema_type(Type::Object)
        .description(schema.description);
    for column in schema.columns {
        object = object.property(column.json_name, property(column, Rules::NONE));
        if !column.sql_type.nullable {
            object = object.required(column.json_name);
        }
    }
    object
}

/// A request body of `POST` and `PUT`: the input fields with their rules, required unless
/// optional (an absent optional field is `null`), and no other field.
pub(crate) fn input(schema: &Schema, description: &str) -> ObjectBuilder {
    fields(schema, description, true)
}

/// The body of a `PATCH` (RFC 7396): the input fields, each optional; `null` clears an
/// optional one.
pub(crate) fn patch(schema: &Schema, description: &str) -> ObjectBuilder {
    fields(schema, description, false)
}

fn fields(schema: &Schema, description: &str, required: bool) -> ObjectBuilder {
    let mut object = ObjectBuilder::new()
        .schema_type(Type::Object)
        .description(Some(description))
        .additional_properties(Some(AdditionalProperties::FreeForm(false)));
    for column in schema.columns_where(|role| *role == Role::Input) {
        object = object.property(column.json_name, property(column, column.rules));
        if required && !column.sql_type.nullable {
            object = object.required(column.json_name);
        }
    }
    object
}

/// A column's property: its value's schema, with its rules and its description.
fn property(column: &Column, rules: Rules) -> ObjectBuilder {
    value(column.sql_type, rules).description(column.description)
}

/// The pattern of text a column stores: anything but NUL, which neither backend keeps in text
/// (a value holding one answers 400).
pub(crate) const TEXT_PATTERN: &str = r"^[^\x00]*$";

/// The schema of a value of `sql_type` (also `null` where it is nullable), bounded by `rules`:
/// its JSON type and format, an enum's variants, the bounds of its width (an integer's, an
/// `f32`'s largest magnitude), text without NUL.
pub(crate) fn value(sql_type: SqlType, rules: Rules) -> ObjectBuilder {
    let (json_type, format) = match sql_type.kind {
        SqlKind::SmallInt => (Type::Integer, Some(custom("int16"))),
        SqlKind::Integer => (Type::Integer, Some(known(KnownFormat::Int32))),
        SqlKind::BigInt => (Type::Integer, Some(known(KnownFormat::Int64))),
        SqlKind::Real => (Type::Number, Some(known(KnownFormat::Float))),
        SqlKind::Double => (Type::Number, Some(known(KnownFormat::Double))),
        SqlKind::Boolean => (Type::Boolean, None),
        SqlKind::Uuid => (Type::String, Some(custom("uuid"))),
        SqlKind::Timestamp => (Type::String, Some(known(KnownFormat::DateTime))),
        SqlKind::Date => (Type::String, Some(known(KnownFormat::Date))),
        SqlKind::Text => (Type::String, None),
    };
    let schema_type = if sql_type.nullable {
        SchemaType::from_iter([json_type, Type::Null])
    } else {
        SchemaType::new(json_type)
    };
    let mut builder = ObjectBuilder::new().schema_type(schema_type).format(format);
    if let Some(names) = sql_type.variants {
        let null = sql_type.nullable.then_some(Value::Null);
        let values = names.iter().map(|name| Value::from(*name)).chain(null);
        builder = builder.enum_values(Some(values));
    }
    if sql_type.kind == SqlKind::Text && sql_type.variants.is_none() {
        builder = builder.pattern(Some(TEXT_PATTERN));
    }
    // The bounds of the type's width: a value outside them answers 400, and a format alone
    // ("int16", "int64") does not bound what every tool generates.
    let (low, high) = match sql_type.kind {
        SqlKind::SmallInt => integer_bounds(i16::MIN.into(), i16::MAX.into()),
        SqlKind::Integer => integer_bounds(i32::MIN.into(), i32::MAX.into()),
        SqlKind::BigInt => integer_bounds(i64::MIN, i64::MAX),
        SqlKind::Real => {
            let largest = f64::from(f32::MAX);
            (Some(Number::Float(-largest)), Some(Number::Float(largest)))
        }
        _ => (None, None),
    };
    builder
        .minimum(tighter(low, rules.minimum, |rule, bound| rule > bound))
        .maximum(tighter(high, rules.maximum, |rule, bound| rule < bound))
        .min_length(rules.min_length)
        .max_length(rules.max_length)
}

/// An integer type's bounds, exactly.
fn integer_bounds(low: i64, high: i64) -> (Option<Number>, Option<Number>) {
    let exact = |value: i64| {
        isize::try_from(value).map_or_else(|_| Number::Float(value as f64), Number::Int)
    };
    (Some(exact(low)), Some(exact(high)))
}

/// A query-string value of a filter on a column of `sql_type`: never `null`, and never empty
/// (a string has `minLength: 1`; an enum's variants say as much).
pub(crate) fn filter_value(sql_type: SqlType) -> ObjectBuilder {
    let sql_type = SqlType {
        nullable: false,
        ..sql_type
    };
    let string = matches!(
        sql_type.kind,
        SqlKind::Text | SqlKind::Uuid | SqlKind::Date | SqlKind::Timestamp
    );
    let min_length = (string && sql_type.variants.is_none()).then_some(1);
    value(
        sql_type,
        Rules {
            min_length,
            ..Rules::NONE
        },
    )
}

/// Whether an `in` filter on a column of `sql_type` is free text, whose values
/// [`in_text`] describes: the others are [`in_values`].
pub(crate) fn is_free_text(sql_type: SqlType) -> bool {
    sql_type.kind == SqlKind::Text && sql_type.variants.is_none()
}

/// The values of an `in` filter on a column of `sql_type` other than free text, sent as one
/// parameter separated by commas (`style: form`, `explode: false`): 1 to `max` values of the
/// column's type, each as a filter takes it (none can hold a comma).
pub(crate) fn in_values(sql_type: SqlType, max: usize) -> ArrayBuilder {
    ArrayBuilder::new()
        .items(filter_value(sql_type))
        .min_items(Some(1))
        .max_items(Some(max))
}

/// The values of an `in` filter on free text: a string of 1 to `max` values separated by
/// commas, each not empty, without NUL and without a comma. The server splits the parameter on
/// its commas once it is percent-decoded (`a%2Cb` is two values, as most clients encode a
/// list they are given whole), so an array, whose items percent-encode a comma of their own,
/// would say otherwise.
pub(crate) fn in_text(max: usize) -> ObjectBuilder {
    let value = r"[^,\x00]+";
    let more = max.saturating_sub(1);
    string().pattern(Some(format!("^{value}(?:,{value}){{0,{more}}}$")))
}

/// The keys of a list's `sort`: 1 to as many as there are `sortable` fields, each field at most
/// once, ascending (`title`) or descending (`-title`).
pub(crate) fn sort_keys(sortable: &[&str]) -> Array {
    let keys = sortable
        .iter()
        .flat_map(|name| [Value::from(*name), Value::from(format!("-{name}"))]);
    let mut keys = ArrayBuilder::new()
        .items(string().enum_values(Some(keys)))
        .min_items(Some(1))
        .max_items(Some(sortable.len()))
        .build();
    // "Each at most once", a keyword utoipa does not have: `maxContains` of either direction.
    let once = sortable
        .iter()
        .map(|name| {
            serde_json::json!({
                "contains": {"enum": [name, format!("-{name}")]},
                "minContains": 0,
                "maxContains": 1,
            })
        })
        .collect();
    keys.extensions = Some(Extensions::from_iter([("allOf", Value::Array(once))]));
    keys
}

/// A string.
pub(crate) fn string() -> ObjectBuilder {
    ObjectBuilder::new().schema_type(Type::String)
}

/// A non-empty string.
pub(crate) fn non_empty_string() -> ObjectBuilder {
    string().min_length(Some(1))
}

fn known(format: KnownFormat) -> SchemaFormat {
    SchemaFormat::KnownFormat(format)
}

fn custom(format: &str) -> SchemaFormat {
    SchemaFormat::Custom(format.to_owned())
}

/// The tighter of a type's bound and a rule's: the rule where `tighter(rule, bound)` (`>` for a
/// minimum), the type's bound, exact, otherwise.
fn tighter(
    bound: Option<Number>,
    rule: Option<f64>,
    tighter: fn(f64, f64) -> bool,
) -> Option<Number> {
    let as_f64 = |number: &Number| match *number {
        Number::Int(value) => value as f64,
        Number::UInt(value) => value as f64,
        Number::Float(value) => value,
    };
    match (bound, rule) {
        (Some(bound), Some(rule)) if !tighter(rule, as_f64(&bound)) => Some(bound),
        (_, Some(rule)) => Some(number(rule)),
        (bound, None) => bound,
    }
}

/// A bound as JSON writes it: an integer where the value is one (`1`, not `1.0`).
fn number(value: f64) -> Number {
    // Every integer of at most this magnitude is exactly an `f64`.
    const EXACT: f64 = 9_007_199_254_740_992.0;
    let integer = (value.fract() == 0.0 && value.abs() <= EXACT)
        .then(|| isize::try_from(value as i64).ok())
        .flatten();
    integer.map_or(Number::Float(value), Number::Int)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(builder: ObjectBuilder) -> Value {
        serde_json::to_value(builder.build()).expect("a schema serializes")
    }

    #[test]
    fn each_kind_has_its_type_and_format() {
        let cases = [
            (
                SqlKind::SmallInt,
                r#"{"type":"integer","format":"int16","minimum":-32768,"maximum":32767}"#,
            ),
            (
                SqlKind::Integer,
                r#"{"type":"integer","format":"int32","minimum":-2147483648,"maximum":2147483647}"#,
            ),
            (
                SqlKind::BigInt,
                r#"{"type":"integer","format":"int64","minimum":-9223372036854775808,"maximum":9223372036854775807}"#,
            ),
            (
                SqlKind::Real,
                r#"{"type":"number","format":"float","minimum":-3.4028234663852886e38,"maximum":3.4028234663852886e38}"#,
            ),
            (SqlKind::Double, r#"{"type":"number","format":"double"}"#),
            (SqlKind::Boolean, r#"{"type":"boolean"}"#),
            (SqlKind::Uuid, r#"{"type":"string","format":"uuid"}"#),
            (
                SqlKind::Timestamp,
                r#"{"type":"string","format":"date-time"}"#,
            ),
            (SqlKind::Date, r#"{"type":"string","format":"date"}"#),
            (
                SqlKind::Text,
                r#"{"type":"string","pattern":"^[^\\x00]*$"}"#,
            ),
        ];
        for (kind, expected) in cases {
            let expected: Value = serde_json::from_str(expected).expect("JSON");
            assert_eq!(
                json(value(SqlType::new(kind), Rules::NONE)),
                expected,
                "{kind:?}"
            );
        }
    }

    #[test]
    fn nullable_values_and_enums_take_null() {
        let status = SqlType::new(SqlKind::Text).with_variants(&["open", "done"]);
        assert_eq!(
            json(value(status.nullable(), Rules::NONE)),
            serde_json::json!({"type": ["string", "null"], "enum": ["open", "done", null]})
        );
        assert_eq!(
            json(filter_value(status.nullable())),
            serde_json::json!({"type": "string", "enum": ["open", "done"]})
        );
        assert_eq!(
            json(filter_value(SqlType::new(SqlKind::Text).nullable())),
            serde_json::json!({"type": "string", "minLength": 1, "pattern": TEXT_PATTERN})
        );
    }

    #[test]
    fn rules_bound_values_within_their_type() {
        let rules = Rules {
            minimum: Some(-40_000.0),
            maximum: Some(100.0),
            ..Rules::NONE
        };
        assert_eq!(
            json(value(SqlType::new(SqlKind::SmallInt), rules)),
            serde_json::json!({"type": "integer", "format": "int16", "minimum": -32768, "maximum": 100})
        );
        let rules = Rules {
            minimum: Some(-0.5),
            maximum: Some(1.0),
            ..Rules::NONE
        };
        assert_eq!(
            json(value(SqlType::new(SqlKind::Double).nullable(), rules)),
            serde_json::json!({"type": ["number", "null"], "format": "double", "minimum": -0.5, "maximum": 1})
        );
        let rules = Rules {
            min_length: Some(1),
            max_length: Some(200),
            ..Rules::NONE
        };
        assert_eq!(
            json(value(SqlType::new(SqlKind::Text), rules)),
            serde_json::json!({"type": "string", "minLength": 1, "maxLength": 200, "pattern": TEXT_PATTERN})
        );
        let rules = Rules {
            minimum: Some(-9e9),
            maximum: Some(9.3e18),
            ..Rules::NONE
        };
        assert_eq!(
            json(value(SqlType::new(SqlKind::BigInt), rules)),
            serde_json::json!({"type": "integer", "format": "int64", "minimum": -9_000_000_000_i64, "maximum": i64::MAX})
        );
    }

    #[test]
    fn in_filters_take_values_without_commas() {
        assert!(is_free_text(SqlType::new(SqlKind::Text).nullable()));
        assert!(!is_free_text(
            SqlType::new(SqlKind::Text).with_variants(&["a"])
        ));
        assert_eq!(
            json(in_text(100)),
            serde_json::json!({"type": "string", "pattern": "^[^,\\x00]+(?:,[^,\\x00]+){0,99}$"})
        );
        let values = serde_json::to_value(in_values(SqlType::new(SqlKind::Boolean), 3).build())
            .expect("a schema serializes");
        assert_eq!(
            values,
            serde_json::json!({
                "type": "array",
                "items": {"type": "boolean"},
                "minItems": 1,
                "maxItems": 3,
            })
        );
        let pattern = regex_lite::Regex::new(&in_text(3).build().pattern.expect("a pattern"))
            .expect("a pattern");
        for (text, valid) in [
            ("a", true),
            ("a,b c,d", true),
            ("a,,b", false),
            (",a", false),
            ("a,", false),
            ("", false),
            ("a,b,c,d", false),
            ("a\0", false),
        ] {
            assert_eq!(pattern.is_match(text), valid, "{text:?}");
        }
    }

    #[test]
    fn sort_keys_name_each_field_once() {
        let keys = serde_json::to_value(sort_keys(&["a", "b"])).expect("a schema serializes");
        assert_eq!(
            keys,
            serde_json::json!({
                "type": "array",
                "items": {"type": "string", "enum": ["a", "-a", "b", "-b"]},
                "minItems": 1,
                "maxItems": 2,
                "allOf": [
                    {"contains": {"enum": ["a", "-a"]}, "minContains": 0, "maxContains": 1},
                    {"contains": {"enum": ["b", "-b"]}, "minContains": 0, "maxContains": 1},
                ],
            })
        );
    }
}
