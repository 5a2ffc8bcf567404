//! A list route's query string, read into a [`ListQuery`].

use super::plan::filter_column;
use super::value::quoted;
use super::{Cursor, Filter, ListQuery, QueryError, SortKey, Value};
use crate::column::{SqlKind, SqlType};
use crate::operator::Operator;
use crate::schema::Schema;

/// The most values of one `in` filter.
pub(crate) const MAX_IN_VALUES: usize = 100;

/// The parameters that are not filters.
const PARAMETERS: [&str; 5] = ["limit", "cursor", "offset", "sort", "count"];

impl ListQuery {
    /// Reads a list route's query string (without the `?`) for a resource of `schema`:
    /// `limit`, `cursor`, `offset`, `sort`, `count` and the filters `FIELD=V`,
    /// `FIELD__OP=V`. Every parameter is checked: an unknown or repeated one, a value that
    /// does not parse as its field's type, a field that cannot be filtered or sorted on, is
    /// an error naming it and what is allowed.
    pub fn parse(schema: &Schema, query: &str) -> Result<Self, QueryError> {
        let mut parsed = Self::default();
        let mut seen: Vec<String> = Vec::new();
        for (name, value) in pairs(query)? {
            if seen.contains(&name) {
                return Err(QueryError(format!("`{name}` is given more than once")));
            }
            seen.push(name.clone());
            match &*name {
                "limit" => parsed.limit = Some(limit(schema, &value)?),
                "offset" => {
                    let offset = value.parse().map_err(|_| {
                        QueryError(format!(
                            "`offset` must be an integer from 0 to {}",
                            u32::MAX
                        ))
                    })?;
                    parsed.offset = Some(offset);
                }
                "cursor" if value.is_empty() => {
                    return Err(QueryError("`cursor` must not be empty".to_owned()));
                }
                "cursor" => parsed.cursor = Some(Cursor::new(value)),
                "sort" => parsed.sort = sort(&value)?,
                "count" => {
                    parsed.count = match &*value {
                        "true" => true,
                        "false" => false,
                        _ => {
                            return Err(QueryError("`count` must be `true` or `false`".to_owned()));
                        }
                    }
                }
                _ => parsed.filters.push(filter(schema, &name, &value)?),
            }
        }
        Ok(parsed)
    }
}

/// The parameters of a query string, decoded as an HTML form's (`+` is a space, then
/// percent-decoding); a name or value that is not UTF-8 once decoded is an error, not a
/// replacement character.
fn pairs(query: &str) -> Result<Vec<(String, String)>, QueryError> {
    let decode = |text: &str| {
        let text = text.replace('+', " ");
        percent_encoding::percent_decode_str(&text)
            .decode_utf8()
            .map(std::borrow::Cow::into_owned)
            .map_err(|_| {
                QueryError(format!(
                    "The query string's `{text}` is not UTF-8 once percent-decoded"
                ))
            })
    };
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            Ok((decode(name)?, decode(value)?))
        })
        .collect()
}

/// The message of a `limit` outside 1 to the resource's maximum.
pub(crate) fn limit_message(schema: &Schema) -> QueryError {
    QueryError(format!(
        "`limit` must be an integer from 1 to {}",
        schema.max_page_size
    ))
}

fn limit(schema: &Schema, text: &str) -> Result<u32, QueryError> {
    match text.parse() {
        Ok(limit) if (1..=schema.max_page_size).contains(&limit) => Ok(limit),
        _ => Err(limit_message(schema)),
    }
}

fn sort(text: &str) -> Result<Vec<SortKey>, QueryError> {
    text.split(',')
        .map(|key| {
            let (field, descending) = match key.strip_prefix('-') {
                Some(field) => (field, true),
                None => (key, false),
            };
            if field.is_empty() {
                return Err(QueryError(
                    "`sort` must be fields separated by commas, each with `-` before it to \
                     sort descending (`sort=a,-b`)"
                        .to_owned(),
                ));
            }
            Ok(SortKey {
                field: field.to_owned(),
                descending,
            })
        })
        .collect()
}

/// A filter parameter: `FIELD=V` or `FIELD__OP=V`.
fn filter(schema: &Schema, name: &str, text: &str) -> Result<Filter, QueryError> {
    let (field, op) = if schema.column(name).is_some() {
        (name, Operator::Eq)
    } else {
        match name.rsplit_once("__") {
            Some((field, op)) if schema.column(field).is_some() => {
                let op = Operator::from_name(op).ok_or_else(|| {
                    let allowed = schema.column(field).map(|c| c.filters).unwrap_or_default();
                    QueryError(format!(
                        "`{name}`: unknown operator `{op}`; `{field}` takes {}",
                        if allowed.is_empty() {
                            "no filter".to_owned()
                        } else {
                            quoted(&allowed.iter().map(Operator::name).collect::<Vec<_>>())
                        }
                    ))
                })?;
                (field, op)
            }
            _ => return Err(unknown_parameter(schema, name)),
        }
    };
    let column = filter_column(schema, field, op)?;
    let value = |text: &str, sql_type: SqlType| {
        Value::parse(text, sql_type).map_err(|message| QueryError(format!("`{name}` {message}")))
    };
    let values = match op {
        Operator::IsNull => vec![value(text, SqlType::new(SqlKind::Boolean))?],
        Operator::In => {
            let items = text.split(',').collect::<Vec<_>>();
            if items.len() > MAX_IN_VALUES {
                return Err(QueryError(format!(
                    "`{name}` takes at most {MAX_IN_VALUES} values"
                )));
            }
            items
                .into_iter()
                .map(|item| value(item, column.sql_type))
                .collect::<Result<_, _>>()?
        }
        _ => vec![value(text, column.sql_type)?],
    };
    Ok(Filter {
        field: field.to_owned(),
        op,
        values,
    })
}

fn unknown_parameter(schema: &Schema, name: &str) -> QueryError {
    let filterable = schema.filterable().map(|c| c.json_name).collect::<Vec<_>>();
    let filters = if filterable.is_empty() {
        "no filters (no field of this list is filterable)".to_owned()
    } else {
        format!("filters on {}", quoted(&filterable))
    };
    QueryError(format!(
        "Unknown query parameter `{name}`; a list takes {} and {filters}",
        quoted(&PARAMETERS)
    ))
}
