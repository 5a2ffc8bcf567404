//! The paths of a resource's document: one operation per [`Route`] its router mounts, with
//! its parameters, request body and responses.
//!
//! Every decision is a `match` on the route, so that a new route does not compile until it
//! is described: its operation (id, words, success response) and request body in
//! [`operation`], its error statuses through [`Route`]'s `has_id`, `has_body` and `writes`
//! and [`answers`]. A new status is a line of [`ERRORS`] and one of [`answers`]; the
//! preconditions (`If-Match`, `If-None-Match`) are the header parameters of
//! [`header_parameters`], and a resource's `ETag` the header of [`resource_response`].

use super::schemas::{self, ERROR_MEDIA_TYPE};
use super::{BEARER_AUTH, Names};
use crate::operator::Operator;
#[cfg(test)]
use crate::precondition;
use crate::precondition::MAX_IF_MATCH;
use crate::query::MAX_IN_VALUES;
use crate::routes::Route;
use crate::schema::{Rules, Schema};
use axum::http::Method;
use utoipa::openapi::path::{
    Operation, OperationBuilder, Parameter, ParameterBuilder, ParameterIn, ParameterStyle, PathItem,
};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Ref, Schema as JsonSchema, Type};
use utoipa::openapi::{
    ContentBuilder, Header, Paths, RefOr, Required, ResponseBuilder, ResponsesBuilder,
    SecurityRequirement,
};

/// Adds the operations of every route of the resource of `schema` to `paths`, under their
/// paths, each path's captures once as its parameters.
pub(crate) fn add(paths: &mut Paths, schema: &'static Schema, names: &Names) {
    for route in Route::all(schema) {
        let item = paths
            .paths
            .entry(route.path(schema))
            .or_insert_with(|| path_item(schema, names, route));
        let operation = Some(operation(schema, names, route));
        match route.method() {
            Method::GET => item.get = operation,
            Method::POST => item.post = operation,
            Method::PUT => item.put = operation,
            Method::DELETE => item.delete = operation,
            Method::PATCH => item.patch = operation,
            method => unreachable!("no route is mounted for {method}"),
        }
    }
}

/// A path without operations yet: the parameters its captures are.
fn path_item(schema: &Schema, names: &Names, route: Route) -> PathItem {
    let mut parameters = vec![path_parameter(
        "user_id",
        schemas::non_empty_string(),
        "The caller's user id: the `sub` of the bearer token. Another user's id answers 403.",
    )];
    if route.has_id() {
        let id = schemas::value(schema.id().sql_type, Rules::NONE);
        parameters.push(path_parameter(
            "id",
            id,
            &format!("The {}'s id.", names.words),
        ));
    }
    let mut item = PathItem::default();
    item.parameters = Some(parameters);
    item
}

fn path_parameter(name: &str, schema: ObjectBuilder, description: &str) -> Parameter {
    ParameterBuilder::new()
        .name(name)
        .parameter_in(ParameterIn::Path)
        .required(Required::True)
        .schema(Some(schema))
        .description(Some(description))
        .build()
}

fn query_parameter(
    name: &str,
    schema: impl Into<RefOr<JsonSchema>>,
    description: &str,
) -> Parameter {
    ParameterBuilder::new()
        .name(name)
        .parameter_in(ParameterIn::Query)
        .required(Required::False)
        .schema(Some(schema))
        .description(Some(description))
        .build()
}

fn header_parameter(
    name: &str,
    required: bool,
    schema: ObjectBuilder,
    description: &str,
) -> Parameter {
    ParameterBuilder::new()
        .name(name)
        .parameter_in(ParameterIn::Header)
        .required(if required {
            Required::True
        } else {
            Required::False
        })
        .schema(Some(schema))
        .description(Some(description))
        .build()
}

/// The operation of `route`: what it does, what it takes, what it answers.
fn operation(schema: &Schema, names: &Names, route: Route) -> Operation {
    let (name, plural, words) = (&names.name, &names.plural, &names.words);
    let (id, summary, description, success) = match route {
        Route::List => (
            format!("list{plural}"),
            format!("List {}", names.plural_words),
            format!(
                "A page of the caller's {}, in the order of `sort`. `Link` gives the next page, \
                 `count=true` adds `X-Total-Count`.",
                names.plural_words
            ),
            list_response(names),
        ),
        Route::Create => (
            format!("create{name}"),
            format!("Create a {words}"),
            format!("Creates a {words} owned by the caller, from its input fields."),
            resource_response(201, schema, names, &format!("The created {words}.")),
        ),
        Route::Read => (
            format!("get{name}"),
            format!("Get a {words}"),
            format!("The caller's {words} with this id."),
            resource_response(200, schema, names, &format!("The {words}.")),
        ),
        Route::Update => (
            format!("update{name}"),
            format!("Replace a {words}'s input fields"),
            "Replaces every input field: an optional field left out becomes `null`.".to_owned(),
            resource_response(200, schema, names, &format!("The {words}, updated.")),
        ),
        Route::Patch => (
            format!("patch{name}"),
            format!("Set some of a {words}'s input fields"),
            "Sets the input fields the body holds (RFC 7396 merge patch): a field left out is \
             unchanged, `null` clears an optional one."
                .to_owned(),
            resource_response(200, schema, names, &format!("The {words}, patched.")),
        ),
        Route::Delete => (
            format!("delete{name}"),
            format!("Delete a {words}"),
            format!("Deletes the caller's {words} with this id, and returns it."),
            resource_response(200, schema, names, &format!("The deleted {words}.")),
        ),
        Route::Toggle { column, segment } => (
            format!("{}{name}", camel_case(segment)),
            format!("Flip a {words}'s `{}`", column.json_name),
            format!(
                "Flips `{}` of the caller's {words} with this id, in one atomic statement.",
                column.json_name
            ),
            resource_response(
                200,
                schema,
                names,
                &format!("The {words}, `{}` flipped.", column.json_name),
            ),
        ),
    };
    let (status, response) = success;
    let mut responses = ResponsesBuilder::new().response(status, response);
    if let Route::Read = route {
        responses = responses.response("304", not_modified(schema, names));
    }
    let errors = ERRORS
        .iter()
        .filter(|(status, ..)| answers(schema, route, *status));
    for (status, name, _) in errors {
        responses = responses.response(status.to_string(), Ref::from_response_name(*name));
    }
    let body = match route {
        Route::Create => Some(&names.create),
        Route::Update => Some(&names.update),
        Route::Patch => Some(&names.patch),
        Route::List | Route::Read | Route::Delete | Route::Toggle { .. } => None,
    };
    let media_types: &[&str] = match route {
        Route::Patch => &["application/json", "application/merge-patch+json"],
        _ => &["application/json"],
    };
    let request_body = body.map(|body| {
        let mut builder = RequestBodyBuilder::new()
            .description(Some(format!(
                "The {words}'s input fields, at most {} bytes of JSON.",
                schema.body_limit
            )))
            .required(Some(Required::True));
        for media_type in media_types {
            builder = builder.content(
                *media_type,
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name(body)))
                    .build(),
            );
        }
        builder.build()
    });
    let parameters = match route {
        Route::List => list_parameters(schema, names),
        _ => header_parameters(schema, names, route),
    };
    OperationBuilder::new()
        .tag(name)
        .operation_id(Some(id))
        .summary(Some(summary))
        .description(Some(description))
        .parameters(Some(parameters).filter(|parameters| !parameters.is_empty()))
        .request_body(request_body)
        .responses(responses)
        .security(SecurityRequirement::new(BEARER_AUTH, Vec::<String>::new()))
        .build()
}

/// `status`: one resource, with its `ETag` if it has one.
fn resource_response(
    status: u16,
    schema: &Schema,
    names: &Names,
    description: &str,
) -> (String, ResponseBuilder) {
    let status = status.to_string();
    let mut response = ResponseBuilder::new().description(description).content(
        "application/json",
        ContentBuilder::new()
            .schema(Some(Ref::from_schema_name(&names.name)))
            .build(),
    );
    if schema.updated_at().is_some() {
        response = response.header("ETag", etag_header(names));
    }
    (status, response)
}

/// 304: the resource is the one the client has; no body, its `ETag` again.
fn not_modified(schema: &Schema, names: &Names) -> ResponseBuilder {
    let words = &names.words;
    let response = ResponseBuilder::new().description(format!(
        "Not Modified: `If-None-Match` lists the {words}'s current `ETag` (or is `*`). No \
         body."
    ));
    if schema.updated_at().is_some() {
        response.header("ETag", etag_header(names))
    } else {
        response
    }
}

/// The pattern of a strong entity tag (RFC 9110, section 8.8.3): `"`, `etagc`s, `"`.
const ETAG_PATTERN: &str = r#"^"[!#-~\x80-\xff]*"$"#;

/// The `ETag` of a response of one resource: always sent, for a resource with an `updated_at`.
fn etag_header(names: &Names) -> Header {
    let mut etag = Header::new(schemas::string().pattern(Some(ETAG_PATTERN)));
    etag.description = Some(format!(
        "The {}'s strong entity tag, sent with every response of one {0}: it changes with \
         every write of the {0}, and only then. Send it back in `If-Match` to write only that \
         version, or in `If-None-Match` to read it only if it changed.",
        names.words
    ));
    etag
}

/// An entity tag of a conditional header, weak or strong (`W/"..."`, `"..."`).
const ENTITY_TAG: &str = r#"(?:W/)?"[!#-~\x80-\xff]*""#;

/// The pattern of `If-Match` and `If-None-Match` (RFC 9110, section 13.1): `*`, or a
/// comma-separated list of at most `max` entity tags (`None`: any number), spaces and empty
/// elements allowed between them. Anything else answers 400.
fn condition_pattern(max: Option<usize>) -> String {
    let separator = r"[ \t]*,[ \t,]*";
    let more = max.map_or_else(|| "*".to_owned(), |max| format!("{{0,{}}}", max - 1));
    format!(
        r"^(?:,[ \t,]*)?(?:\*(?:{separator}\*)*|{ENTITY_TAG}(?:{separator}{ENTITY_TAG}){more})[ \t,]*$"
    )
}

/// The preconditions `route` takes: `If-Match` on a read or a write of one resource (required
/// by `#[crud(require_if_match)]` on a write), `If-None-Match` on a read.
fn header_parameters(schema: &Schema, names: &Names, route: Route) -> Vec<Parameter> {
    let words = &names.words;
    if !route.has_id() {
        return Vec::new();
    }
    let has_etag = schema.updated_at().is_some();
    let tags = if has_etag {
        format!("lists the {words}'s current `ETag`")
    } else {
        format!("is `*` (a {words} has no `ETag`: no tag matches)")
    };
    let strong = format!(
        "Strong comparison: a weak tag (`W/\"...\"`) never matches. `*`, or at most \
         {MAX_IF_MATCH} entity tags separated by commas; a malformed value, or more tags, \
         answers 400."
    );
    let if_match = |required: bool, effect: &str| {
        header_parameter(
            "If-Match",
            required,
            schemas::string().pattern(Some(condition_pattern(Some(MAX_IF_MATCH)))),
            &format!("{effect} {strong}"),
        )
    };
    if route.writes() {
        let mut effect = format!(
            "Writes only if the value {tags} or is `*`: otherwise 412, and nothing is written."
        );
        if schema.require_if_match {
            effect.push_str(&format!(
                " Required: a write of a {words} without it answers 428."
            ));
        }
        return vec![if_match(schema.require_if_match, &effect)];
    }
    let if_none_match = header_parameter(
        "If-None-Match",
        false,
        schemas::string().pattern(Some(condition_pattern(None))),
        &format!(
            "Answers 304 without a body if the value {tags} or is `*`. Weak comparison: \
             `W/\"x\"` matches `\"x\"`. `*`, or entity tags separated by commas; a malformed \
             value answers 400."
        ),
    );
    vec![
        if_match(
            false,
            &format!("Answers 412 unless the value {tags} or is `*`."),
        ),
        if_none_match,
    ]
}

/// 200: a page of resources, and the headers of the next page and of the count.
fn list_response(names: &Names) -> (String, ResponseBuilder) {
    let page = ArrayBuilder::new().items(Ref::from_schema_name(&names.name));
    let mut link = Header::new(schemas::string());
    link.description = Some(
        "`<{path}?{query}>; rel=\"next\"` (RFC 8288): the next page, with the same filters, \
         sort and limit and its `cursor`. Absent on the last page."
            .to_owned(),
    );
    let mut count = Header::new(
        ObjectBuilder::new()
            .schema_type(Type::Integer)
            .minimum(Some(0)),
    );
    count.description =
        Some("With `count=true`: every row the filters keep, whatever the page.".to_owned());
    let response = ResponseBuilder::new()
        .description(format!("A page of the caller's {}.", names.plural_words))
        .content(
            "application/json",
            ContentBuilder::new().schema(Some(page)).build(),
        )
        .header("Link", link)
        .header("X-Total-Count", count);
    ("200".to_owned(), response)
}

/// The parameters of a list's query string: the page, its order, its count and its filters.
fn list_parameters(schema: &Schema, names: &Names) -> Vec<Parameter> {
    let integer = || ObjectBuilder::new().schema_type(Type::Integer);
    let mut parameters = vec![
        query_parameter(
            "limit",
            integer()
                .minimum(Some(1))
                .maximum(Some(schema.max_page_size))
                .default(Some(schema.page_size.into())),
            "The most rows of the page.",
        ),
        query_parameter(
            "cursor",
            schemas::non_empty_string(),
            "The page after the one whose `Link: rel=\"next\"` gave this cursor; only with \
             the same sort and filters.",
        ),
        query_parameter(
            "offset",
            integer().minimum(Some(0)).maximum(Some(u32::MAX)),
            "Rows to skip, for compatibility; not with `cursor`, whose pages cost the same \
             however deep.",
        ),
    ];
    let sortable: Vec<&str> = schema.sortable().map(|column| column.json_name).collect();
    if !sortable.is_empty() {
        let listed = sortable
            .iter()
            .map(|name| format!("`{name}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let mut parameter = query_parameter(
            "sort",
            schemas::sort_keys(&sortable),
            &format!(
                "Fields to sort on, separated by commas, each at most once, `-` before one to \
                 sort it descending: {listed}. The id is always the last key. Default: `{}`.",
                default_sort(schema)
            ),
        );
        comma_separated(&mut parameter);
        parameters.push(parameter);
    }
    parameters.push(query_parameter(
        "count",
        ObjectBuilder::new().schema_type(Type::Boolean),
        "`true` adds `X-Total-Count`: every row the filters keep, whatever the page.",
    ));
    for column in schema.filterable() {
        for op in column.filters.iter() {
            let field = column.json_name;
            let (name, value) = match op {
                Operator::Eq => (field.to_owned(), schemas::filter_value(column.sql_type)),
                Operator::In if schemas::is_free_text(column.sql_type) => {
                    (format!("{field}__in"), schemas::in_text(MAX_IN_VALUES))
                }
                Operator::In => {
                    let description = filter_description(op, field, &names.plural_words);
                    let values = schemas::in_values(column.sql_type, MAX_IN_VALUES);
                    let mut parameter =
                        query_parameter(&format!("{field}__in"), values, &description);
                    comma_separated(&mut parameter);
                    parameters.push(parameter);
                    continue;
                }
                Operator::IsNull => (
                    format!("{field}__isnull"),
                    ObjectBuilder::new().schema_type(Type::Boolean),
                ),
                op => (
                    format!("{field}__{op}"),
                    schemas::filter_value(column.sql_type),
                ),
            };
            let description = filter_description(op, field, &names.plural_words);
            parameters.push(query_parameter(&name, value, &description));
        }
    }
    parameters
}

/// `parameter`, an array, sent as one parameter whose values are separated by commas
/// (`style: form`, `explode: false`): `sort=title,-created_at`.
fn comma_separated(parameter: &mut Parameter) {
    parameter.style = Some(ParameterStyle::Form);
    parameter.explode = Some(false);
}

/// What a filter keeps, in words.
fn filter_description(op: Operator, field: &str, rows: &str) -> String {
    let keeps = |what: &str| format!("Keeps the {rows} whose `{field}` {what}.");
    match op {
        Operator::Eq => keeps(&format!("equals the value (also `{field}__eq`)")),
        Operator::Ne => keeps("is not the value (`null` is not any value)"),
        Operator::In => keeps(&format!(
            "is one of the values, separated by commas (at most {MAX_IN_VALUES})"
        )),
        Operator::Lt => keeps("is less than the value"),
        Operator::Lte => keeps("is at most the value"),
        Operator::Gt => keeps("is greater than the value"),
        Operator::Gte => keeps("is at least the value"),
        Operator::Contains => keeps("contains the value, literally and case-sensitively"),
        Operator::IContains => keeps("contains the value, literally, ignoring case"),
        Operator::StartsWith => keeps("starts with the value, literally and case-sensitively"),
        Operator::IsNull => format!(
            "`true` keeps the {rows} whose `{field}` is `null`, `false` those whose is not."
        ),
    }
}

/// The resource's default order as a `sort` value: `-created_at`.
fn default_sort(schema: &Schema) -> String {
    let mut keys: Vec<String> = schema
        .order_by
        .iter()
        .filter_map(|key| {
            let column = schema.columns.iter().find(|c| c.name == key.column)?;
            let sign = if key.descending { "-" } else { "" };
            Some(format!("{sign}{}", column.json_name))
        })
        .collect();
    if keys.is_empty() {
        keys.push(schema.id().json_name.to_owned());
    }
    keys.join(",")
}

/// Every error status an operation may answer, the name of its shared response, and when.
pub(crate) const ERRORS: [(u16, &str, &str); 13] = [
    (
        400,
        "BadRequest",
        "A malformed request: a body that is not JSON or has the wrong shape, an unknown or \
         missing field, a failed rule (with `errors`), an `{id}` or a query parameter that does \
         not parse, a malformed `If-Match` or `If-None-Match` or one of more than 16 entity \
         tags, or a value the database cannot store.",
    ),
    (
        401,
        "Unauthorized",
        "No usable bearer token: missing, malformed, badly signed, expired, or without `sub` \
         or `exp`.",
    ),
    (
        403,
        "Forbidden",
        "The path's `{user_id}` is not the token's `sub`.",
    ),
    (
        404,
        "NotFound",
        "No such resource for this user: another user's is just as absent.",
    ),
    (
        408,
        "RequestTimeout",
        "The request body did not arrive in time; the connection is closed.",
    ),
    (
        409,
        "Conflict",
        "The write breaks a constraint the database enforces.",
    ),
    (
        413,
        "ContentTooLarge",
        "The body is larger than the resource's limit.",
    ),
    (
        412,
        "PreconditionFailed",
        "`If-Match` does not list the resource's current `ETag`: it changed since it was read. \
         Nothing was written.",
    ),
    (
        415,
        "UnsupportedMediaType",
        "The body is not `application/json`.",
    ),
    (
        428,
        "PreconditionRequired",
        "A write without `If-Match`, of a resource that requires it.",
    ),
    (
        500,
        "InternalServerError",
        "A failure nothing above explains; its cause is logged, not sent.",
    ),
    (
        503,
        "ServiceUnavailable",
        "The database cannot serve now; retry after `Retry-After` seconds. A write answered \
         503 may or may not have been applied.",
    ),
    (
        507,
        "InsufficientStorage",
        "The database is full: nothing was written.",
    ),
];

/// Whether `route` of a resource of `schema` may answer `status`.
fn answers(schema: &Schema, route: Route, status: u16) -> bool {
    match status {
        404 | 412 => route.has_id(),
        408 | 413 | 415 => route.has_body(),
        409 | 507 => route.writes(),
        428 => schema.require_if_match && route.has_id() && route.writes(),
        _ => true,
    }
}

/// The shared response of an error status: the error body, and `Retry-After` on a 503.
pub(crate) fn error_response(status: u16, description: &str) -> ResponseBuilder {
    let mut response = ResponseBuilder::new().description(description).content(
        ERROR_MEDIA_TYPE,
        ContentBuilder::new()
            .schema(Some(Ref::from_schema_name(super::ERROR_SCHEMA)))
            .build(),
    );
    if status == 503 {
        let mut retry_after = Header::new(
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .minimum(Some(0)),
        );
        retry_after.description = Some("Seconds to wait before retrying.".to_owned());
        response = response.header("Retry-After", retry_after);
    }
    response
}

/// `mark-done` and `mark_done` as `markDone`.
fn camel_case(segment: &str) -> String {
    let mut camel = String::with_capacity(segment.len());
    let mut upper = false;
    for c in segment.chars() {
        if c == '-' || c == '_' {
            upper = !camel.is_empty();
        } else if upper {
            camel.extend(c.to_uppercase());
            upper = false;
        } else {
            camel.push(c);
        }
    }
    camel
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toggle_routes_become_camel_case_operation_ids() {
        assert_eq!(camel_case("complete"), "complete");
        assert_eq!(camel_case("mark-done"), "markDone");
        assert_eq!(camel_case("mark_as_read"), "markAsRead");
        assert_eq!(camel_case("_pin"), "pin");
    }

    fn pattern(text: &str) -> regex_lite::Regex {
        regex_lite::Regex::new(text).expect("a pattern of the document compiles")
    }

    fn header(name: axum::http::HeaderName, value: &str) -> axum::http::HeaderMap {
        let mut headers = axum::http::HeaderMap::new();
        headers.insert(
            name,
            axum::http::HeaderValue::from_str(value).expect("a header value"),
        );
        headers
    }

    /// Every string of `alphabet` of at most `length` characters, as a header arrives: without
    /// leading whitespace, which HTTP strips.
    fn strings(alphabet: &[char], length: usize) -> Vec<String> {
        let mut all = vec![String::new()];
        let mut last = vec![String::new()];
        for _ in 0..length {
            last = last
                .iter()
                .flat_map(|prefix| alphabet.iter().map(move |c| format!("{prefix}{c}")))
                .collect();
            all.extend(last.iter().cloned());
        }
        all.retain(|text| !text.starts_with([' ', '\t']));
        all
    }

    /// The patterns of `If-Match` and `If-None-Match` allow exactly what the server reads, so a
    /// value they allow is never answered 400 and one they refuse always is.
    #[test]
    fn condition_patterns_are_what_the_server_reads() {
        use axum::http::header::{IF_MATCH, IF_NONE_MATCH};
        let if_match = pattern(&condition_pattern(Some(MAX_IF_MATCH)));
        let if_none_match = pattern(&condition_pattern(None));
        let alphabet = ['"', 'W', '/', '*', ',', ' ', '1', 'a', '\t'];
        let mut values = strings(&alphabet, 6);
        let tags = |n: usize| vec!["W/\"1\""; n].join(" , ");
        values.extend([
            tags(MAX_IF_MATCH),
            tags(MAX_IF_MATCH + 1),
            tags(40),
            "\"\u{e9}\", \"18c2f9d4e5a10\"".to_owned(),
            "\"a\u{7f}\"".to_owned(),
            "\"a\"\u{7f}".to_owned(),
            ",, *, ,*,".to_owned(),
            "\"a\";".to_owned(),
            "w/\"1\"".to_owned(),
        ]);
        for value in values {
            let Ok(_) = axum::http::HeaderValue::from_str(&value) else {
                continue;
            };
            let read = precondition::if_match(&header(IF_MATCH, &value)).is_ok();
            assert_eq!(if_match.is_match(&value), read, "If-Match: {value:?}");
            let read = precondition::if_none_match(&header(IF_NONE_MATCH, &value)).is_ok();
            assert_eq!(
                if_none_match.is_match(&value),
                read,
                "If-None-Match: {value:?}"
            );
        }
    }

    #[test]
    fn etags_match_their_pattern() {
        let etag = pattern(ETAG_PATTERN);
        for micros in [0_u64, 1, 1_733_135_593_200_574, 253_402_300_799_999_999] {
            let tag: crate::ETag = format!("\"{micros:x}\"").parse().expect("a tag");
            let value = tag.header_value();
            assert!(etag.is_match(value.to_str().expect("ASCII")), "{value:?}");
        }
        for value in ["W/\"1\"", "1", "\"1", "\"a\"b\""] {
            assert!(!etag.is_match(value), "{value:?}");
        }
    }
}
