//! The rules a resource must follow, checked on the model before any code is generated.

use crate::ast::{Field, LARGEST_PAGE_SIZE, Resource, Role};
use crate::ctxt::Ctxt;

/// Runs every rule, recording each failure in `cx`.
pub(crate) fn check(cx: &mut Ctxt, resource: &Resource) {
    exactly_one(cx, resource, &Role::Id, "id");
    exactly_one(cx, resource, &Role::Owner, "owner");
    at_most_one(cx, resource, &Role::CreatedAt, "created_at");
    at_most_one(cx, resource, &Role::UpdatedAt, "updated_at");
    some_input(cx, resource);
    table_name(cx, resource);
    column_names(cx, resource);
    json_names_unique(cx, resource);
    path_has_user_id(cx, resource);
    order_by_fields_exist(cx, resource);
    toggle_routes(cx, resource);
    rules_on_inputs_only(cx, resource);
    no_list_attributes_on_owner(cx, resource);
    filter_names_unambiguous(cx, resource);
    unique_keys(cx, resource);
    page_sizes(cx, resource);
    if_match_needs_updated_at(cx, resource);
}

/// `require_if_match` needs ETags, which are the `updated_at` field.
fn if_match_needs_updated_at(cx: &mut Ctxt, resource: &Resource) {
    let Some(span) = resource.require_if_match else {
        return;
    };
    let unread = resource.fields.iter().any(|field| field.role_unread);
    if resource.fields_with(&Role::UpdatedAt).next().is_none() && !unread {
        cx.syn_error(syn::Error::new(
            span,
            format!(
                "`require_if_match` needs a `#[crud(updated_at)]` field: a resource's ETag is \
                 its `updated_at`, and `{}` has none",
                resource.ident
            ),
        ));
    }
}

/// Each unique key names fields of the struct, at most once, neither the owner (a key is
/// unique within one owner already) nor the id (unique by itself); no two keys are alike.
fn unique_keys(cx: &mut Ctxt, resource: &Resource) {
    let mut seen: Vec<Vec<&str>> = Vec::new();
    for key in &resource.unique {
        if key.fields.is_empty() {
            cx.syn_error(syn::Error::new(
                key.span,
                "`unique(...)` names no field; write the fields unique together, as in \
                 `unique(title, due_on)`",
            ));
            continue;
        }
        let mut names: Vec<&str> = Vec::new();
        let mut valid = true;
        for field in &key.fields {
            let found = resource.fields.iter().find(|f| f.name == field.value);
            let problem = match found.map(|f| &f.role) {
                None => Some(format!("`unique`: no field `{}`", field.value)),
                Some(Role::Owner) => Some(format!(
                    "`unique`: `{}` is the owner; a unique key is already per owner",
                    field.value
                )),
                Some(Role::Id) => Some(format!(
                    "`unique`: `{}` is the id, unique by itself",
                    field.value
                )),
                _ if names.contains(&field.value.as_str()) => {
                    Some(format!("`unique`: `{}` is named twice", field.value))
                }
                _ => None,
            };
            match problem {
                Some(problem) => {
                    valid = false;
                    cx.syn_error(syn::Error::new(field.span, problem));
                }
                None => names.push(&field.value),
            }
        }
        names.sort_unstable();
        if !valid {
            continue;
        }
        if seen.contains(&names) {
            cx.syn_error(syn::Error::new(
                key.span,
                "the same unique key is declared twice",
            ));
        }
        seen.push(names);
    }
}

/// The parameters of a list's query string that are not filters.
const LIST_PARAMETERS: [&str; 5] = ["limit", "cursor", "offset", "sort", "count"];

/// A filterable field's JSON name is a query-string parameter of its own: not one of the
/// list's other parameters, and without `__`, which separates a field from its operator.
fn filter_names_unambiguous(cx: &mut Ctxt, resource: &Resource) {
    for field in &resource.fields {
        let Some(filter) = &field.filter else {
            continue;
        };
        let problem = if LIST_PARAMETERS.contains(&field.json.as_str()) {
            format!(
                "`{}` cannot be filtered on: `{}=` is the list's own parameter; rename the \
                 field in JSON (`#[serde(rename = \"...\")]`) to filter on it",
                field.json, field.json
            )
        } else if field.json.contains("__") {
            format!(
                "`{}` cannot be filtered on: `__` in a query parameter separates the field \
                 from its operator (`{}__gte=`); rename the field in JSON to filter on it",
                field.json, field.json
            )
        } else {
            continue;
        };
        cx.syn_error(syn::Error::new(filter.span, problem));
    }
}

fn exactly_one(cx: &mut Ctxt, resource: &Resource, role: &Role, keyword: &str) {
    let mut fields = resource.fields_with(role);
    match fields.next() {
        // The field meant for the role may be one whose attribute is already reported.
        None if resource.fields.iter().any(|field| field.role_unread) => {}
        None => cx.error(
            resource.ident,
            format!("a crud resource needs one `#[crud({keyword})]` field"),
        ),
        Some(first) => {
            for extra in fields {
                cx.syn_error(syn::Error::new(
                    extra.role_span,
                    format!(
                        "a crud resource has one `#[crud({keyword})]` field; `{}` is already it",
                        first.name
                    ),
                ));
            }
        }
    }
}

fn at_most_one(cx: &mut Ctxt, resource: &Resource, role: &Role, keyword: &str) {
    let mut fields = resource.fields_with(role);
    if let Some(first) = fields.next() {
        for extra in fields {
            cx.syn_error(syn::Error::new(
                extra.role_span,
                format!("a crud resource has at most one `#[crud({keyword})]` field; `{}` is already it", first.name),
            ));
        }
    }
}

fn some_input(cx: &mut Ctxt, resource: &Resource) {
    if resource.inputs().next().is_none() {
        cx.error(
            resource.ident,
            "a crud resource needs at least one input field (a field without a role, or `#[crud(input)]`)",
        );
    }
}

fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn table_name(cx: &mut Ctxt, resource: &Resource) {
    let table = &resource.table;
    if !is_identifier(&table.value) {
        cx.syn_error(syn::Error::new(
            table.span,
            format!(
                "invalid table name `{}`: use letters, digits and `_`, not starting with a digit",
                table.value
            ),
        ));
    }
}

fn column_names(cx: &mut Ctxt, resource: &Resource) {
    for (index, field) in resource.fields.iter().enumerate() {
        let column = &field.column;
        if !is_identifier(&column.value) {
            cx.syn_error(syn::Error::new(
                column.span,
                format!(
                    "invalid column name `{}`: use letters, digits and `_`, not starting with a \
                     digit",
                    column.value
                ),
            ));
        } else if let Some(first) = resource.fields[..index]
            .iter()
            .find(|first| first.column.value == column.value)
        {
            cx.syn_error(syn::Error::new(
                column.span,
                format!(
                    "`{}` and `{}` are both stored in the column `{}`",
                    first.name, field.name, column.value
                ),
            ));
        }
    }
}

fn json_names_unique(cx: &mut Ctxt, resource: &Resource) {
    for (index, field) in resource.fields.iter().enumerate() {
        if let Some(first) = resource.fields[..index]
            .iter()
            .find(|first| first.json == field.json)
        {
            cx.error(
                field.ident,
                format!(
                    "`{}` and `{}` are both named `{}` in JSON",
                    first.name, field.name, field.json
                ),
            );
        }
    }
}

fn path_has_user_id(cx: &mut Ctxt, resource: &Resource) {
    let path = &resource.path;
    let error = |message: String| syn::Error::new(path.span, message);
    if !path.value.starts_with('/') || path.value.ends_with('/') {
        cx.syn_error(error(format!(
            "the path `{}` must start with `/` and not end with one",
            path.value
        )));
    }
    if !path.value.contains("{user_id}") {
        cx.syn_error(error(format!(
            "the path `{}` must contain `{{user_id}}`: the routes check it against the token's user",
            path.value
        )));
    }
    let mut rest = path.value.as_str();
    while let Some(start) = rest.find('{') {
        let end = rest[start..]
            .find('}')
            .map_or(rest.len(), |end| start + end + 1);
        let param = &rest[start..end];
        if param != "{user_id}" {
            cx.syn_error(error(format!(
                "the path may only capture `{{user_id}}`, not `{param}`; the routes add `/{{id}}` themselves"
            )));
        }
        rest = &rest[end..];
    }
}

fn order_by_fields_exist(cx: &mut Ctxt, resource: &Resource) {
    for key in &resource.order_by {
        if !resource.fields.iter().any(|field| field.name == key.field) {
            cx.syn_error(syn::Error::new(
                key.span,
                format!(
                    "`order_by` names `{}`, which is not a field of `{}`",
                    key.field, resource.ident
                ),
            ));
        }
    }
}

fn toggle_routes(cx: &mut Ctxt, resource: &Resource) {
    let mut seen: Vec<&str> = Vec::new();
    for (_, route) in resource.toggles() {
        let valid = !route.value.is_empty()
            && route
                .value
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if !valid {
            cx.syn_error(syn::Error::new(
                route.span,
                format!(
                    "invalid toggle route `{}`: use letters, digits, `_` and `-`",
                    route.value
                ),
            ));
        } else if seen.contains(&route.value.as_str()) {
            cx.syn_error(syn::Error::new(
                route.span,
                format!("duplicate toggle route `{}`", route.value),
            ));
        }
        seen.push(&route.value);
    }
}

fn rules_on_inputs_only(cx: &mut Ctxt, resource: &Resource) {
    let not_input = |field: &&Field| field.role != Role::Input;
    for field in resource.fields.iter().filter(not_input) {
        for span in [
            field.length.as_ref().map(|b| b.span),
            field.range.as_ref().map(|b| b.span),
        ]
        .into_iter()
        .flatten()
        {
            cx.syn_error(syn::Error::new(
                span,
                format!(
                    "validation rules apply to input fields only; `{}` is set by the service",
                    field.name
                ),
            ));
        }
    }
}

fn no_list_attributes_on_owner(cx: &mut Ctxt, resource: &Resource) {
    for field in resource.fields_with(&Role::Owner) {
        let filter = field
            .filter
            .as_ref()
            .map(|filter| (filter.span, "filtered"));
        let sort = field.sort.map(|span| (span, "sorted"));
        for (span, verb) in [filter, sort].into_iter().flatten() {
            cx.syn_error(syn::Error::new(
                span,
                format!(
                    "the owner `{}` cannot be {verb} on: every list is already the caller's own",
                    field.name
                ),
            ));
        }
    }
}

fn page_sizes(cx: &mut Ctxt, resource: &Resource) {
    let valid_max = |max: u64| (1..=LARGEST_PAGE_SIZE).contains(&max);
    if let Some(max) = &resource.max_page_size
        && !valid_max(max.value)
    {
        cx.syn_error(syn::Error::new(
            max.span,
            format!("`max_page_size` must be between 1 and {LARGEST_PAGE_SIZE}"),
        ));
    }
    let Some(page) = &resource.page_size else {
        return;
    };
    let message = match &resource.max_page_size {
        // The maximum is reported; only the lower bound is sure.
        Some(max) if !valid_max(max.value) => {
            (page.value == 0).then(|| "`page_size` must be at least 1".to_owned())
        }
        Some(max) => (!(1..=max.value).contains(&page.value)).then(|| {
            format!(
                "`page_size` must be between 1 and `max_page_size` ({})",
                max.value
            )
        }),
        None => (!(1..=resource.max_page_size()).contains(&page.value)).then(|| {
            format!(
                "`page_size` must be between 1 and `max_page_size` ({} by default, up to \
                 {LARGEST_PAGE_SIZE} with `max_page_size = N`)",
                resource.max_page_size()
            )
        }),
    };
    if let Some(message) = message {
        cx.syn_error(syn::Error::new(page.span, message));
    }
}
