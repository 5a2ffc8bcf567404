//! The JSON Schemas of a resource's document: a column's value, the resource as responses
//! carry it, its request bodies, and the error body.

use crate::column::{SqlKind, SqlType};
use crate::schema::{Column, Role, Rules, Schema};
use serde_json::Value;
use utoipa::Number;
use utoipa::openapi::schema::{
    AdditionalProperties, ArrayBuilder, KnownFormat, ObjectBuilder, SchemaFormat, SchemaType, Type,
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

/// The schema of a value of `sql_type` (also `null` where it is nullable), bounded by `rules`:
/// its JSON type and format, an enum's variants, the bounds of a 16-bit integer.
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
    // A 16-bit integer's bounds: "int16" is not a format every tool knows.
    let (low, high) = match sql_type.kind {
        SqlKind::SmallInt => (Some(f64::from(i16::MIN)), Some(f64::from(i16::MAX))),
        _ => (None, None),
    };
    builder
        .minimum(tighter(low, rules.minimum, f64::max).map(number))
        .maximum(tighter(high, rules.maximum, f64::min).map(number))
        .min_length(rules.min_length)
        .max_length(rules.max_length)
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

/// The tighter of a type's bound and a rule's, by `pick` (`max` for a minimum).
fn tighter(bound: Option<f64>, rule: Option<f64>, pick: fn(f64, f64) -> f64) -> Option<f64> {
    match (bound, rule) {
        (Some(bound), Some(rule)) => Some(pick(bound, rule)),
        (bound, rule) => bound.or(rule),
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
            (SqlKind::Integer, r#"{"type":"integer","format":"int32"}"#),
            (SqlKind::BigInt, r#"{"type":"integer","format":"int64"}"#),
            (SqlKind::Real, r#"{"type":"number","format":"float"}"#),
            (SqlKind::Double, r#"{"type":"number","format":"double"}"#),
            (SqlKind::Boolean, r#"{"type":"boolean"}"#),
            (SqlKind::Uuid, r#"{"type":"string","format":"uuid"}"#),
            (
                SqlKind::Timestamp,
                r#"{"type":"string","format":"date-time"}"#,
            ),
            (SqlKind::Date, r#"{"type":"string","format":"date"}"#),
            (SqlKind::Text, r#"{"type":"string"}"#),
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
            serde_json::json!({"type": "string", "minLength": 1})
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
            serde_json::json!({"type": "string", "minLength": 1, "maxLength": 200})
        );
    }
}
