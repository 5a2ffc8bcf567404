//! The OpenAPI documents of resources: the todo server's, served at `GET /openapi.json`
//! without a token and describing exactly the routes mounted, and those of resources of other
//! shapes (ids, types, rules, no toggle, nothing sortable), alone and together.
//!
//! `tests/openapi/validate.py` validates the todo server's document with
//! openapi-spec-validator.

mod common;

use axum::http::{Method, StatusCode, header};
use common::{Backend, Client, TestDb};
use crud_core::chrono::NaiveDate;
use crud_core::openapi::OpenApiDoc;
use crud_core::utoipa::openapi::{OpenApi, RefOr, Schema};
use crud_core::uuid::Uuid;
use crud_core::{Crud, CrudEnum, Resource};
use serde::Serialize;
use serde_json::{Value, json};

/// The todo server's document, as JSON.
fn todo_document() -> Value {
    serde_json::to_value(todo::openapi()).expect("the document is JSON")
}

/// The parameter of `operation` named `name`.
fn parameter<'a>(operation: &'a Value, name: &str) -> &'a Value {
    operation["parameters"]
        .as_array()
        .and_then(|parameters| parameters.iter().find(|p| p["name"] == name))
        .unwrap_or_else(|| panic!("no parameter `{name}` in {operation}"))
}

/// The names of `operation`'s parameters.
fn parameter_names(operation: &Value) -> Vec<&str> {
    operation["parameters"]
        .as_array()
        .map(|parameters| {
            parameters
                .iter()
                .filter_map(|p| p["name"].as_str())
                .collect()
        })
        .unwrap_or_default()
}

/// Every `(path, method)` of a document.
fn operations(document: &Value) -> Vec<(String, String)> {
    let mut found = Vec::new();
    for (path, item) in document["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("a path item").keys() {
            if method != "parameters" {
                found.push((path.clone(), method.clone()));
            }
        }
    }
    found
}

#[test]
fn the_todo_document_has_every_task_route_and_its_operation_ids() {
    let document = todo_document();
    assert_eq!(document["openapi"], "3.1.0");
    assert_eq!(document["info"]["title"], "Todo API");
    let ids: Vec<(String, String, &str)> = operations(&document)
        .into_iter()
        .map(|(path, method)| {
            let id = document["paths"][&path][&method]["operationId"]
                .as_str()
                .expect("an operation id");
            (path, method, id)
        })
        .collect();
    let expected = [
        ("/api/{user_id}/tasks", "get", "listTasks"),
        ("/api/{user_id}/tasks", "post", "createTask"),
        ("/api/{user_id}/tasks/{id}", "get", "getTask"),
        ("/api/{user_id}/tasks/{id}", "put", "updateTask"),
        ("/api/{user_id}/tasks/{id}", "patch", "patchTask"),
        ("/api/{user_id}/tasks/{id}", "delete", "deleteTask"),
        (
            "/api/{user_id}/tasks/{id}/complete",
            "patch",
            "completeTask",
        ),
    ]
    .map(|(path, method, id)| (path.to_owned(), method.to_owned(), id));
    // `serde_json::Value` sorts keys: the methods of a path are compared as sets.
    let mut ids = ids;
    let mut expected = expected.to_vec();
    ids.sort();
    expected.sort();
    assert_eq!(ids, expected);
    let typed = todo::openapi();
    let paths: Vec<&String> = typed.paths.paths.keys().collect();
    assert_eq!(
        paths,
        [
            "/api/{user_id}/tasks",
            "/api/{user_id}/tasks/{id}",
            "/api/{user_id}/tasks/{id}/complete"
        ]
    );
}

/// The property names of schema `name` of `document`, in the document's order.
fn property_order(document: &OpenApi, name: &str) -> Vec<String> {
    match &document.components.as_ref().expect("components").schemas[name] {
        RefOr::T(Schema::Object(object)) => object.properties.keys().cloned().collect(),
        _ => panic!("`{name}` is not an object"),
    }
}

#[test]
fn properties_are_in_field_order() {
    let document = todo::openapi();
    assert_eq!(
        property_order(&document, "Task"),
        [
            "id",
            "user_id",
            "title",
            "description",
            "completed",
            "created_at",
            "updated_at"
        ]
    );
    assert_eq!(
        property_order(&document, "TaskCreate"),
        ["title", "description"]
    );
    assert_eq!(
        property_order(&document, "TaskUpdate"),
        ["title", "description"]
    );
}

#[test]
fn path_parameters_are_the_user_and_the_typed_id() {
    let document = todo_document();
    let item = &document["paths"]["/api/{user_id}/tasks/{id}"];
    assert_eq!(parameter_names(item), ["user_id", "id"]);
    let user = parameter(item, "user_id");
    assert_eq!(user["in"], "path");
    assert_eq!(user["required"], true);
    assert_eq!(user["schema"], json!({"type": "string", "minLength": 1}));
    assert_eq!(
        parameter(item, "id")["schema"],
        json!({
            "type": "integer",
            "format": "int64",
            "minimum": i64::MIN,
            "maximum": i64::MAX,
        })
    );
    let collection = &document["paths"]["/api/{user_id}/tasks"];
    assert_eq!(parameter_names(collection), ["user_id"]);
}

#[test]
fn the_list_takes_its_page_sort_count_and_filter_parameters() {
    let document = todo_document();
    let list = &document["paths"]["/api/{user_id}/tasks"]["get"];
    let names = parameter_names(list);
    assert_eq!(names[..5], ["limit", "cursor", "offset", "sort", "count"]);
    assert_eq!(
        parameter(list, "limit")["schema"],
        json!({"type": "integer", "minimum": 1, "maximum": 1000, "default": 100})
    );
    assert_eq!(
        parameter(list, "cursor")["schema"],
        json!({"type": "string", "minLength": 1})
    );
    assert_eq!(
        parameter(list, "offset")["schema"],
        json!({"type": "integer", "minimum": 0, "maximum": 4_294_967_295_u32})
    );
    assert_eq!(
        parameter(list, "count")["schema"],
        json!({"type": "boolean"})
    );
    // `sort=title,-created_at`: the sortable fields, each at most once, either way.
    let sort = parameter(list, "sort");
    assert_eq!(
        (&sort["style"], &sort["explode"]),
        (&json!("form"), &json!(false))
    );
    let fields = [
        "title",
        "description",
        "completed",
        "created_at",
        "updated_at",
    ];
    let keys: Vec<String> = fields
        .iter()
        .flat_map(|field| [field.to_string(), format!("-{field}")])
        .collect();
    assert_eq!(
        sort["schema"]["items"],
        json!({"type": "string", "enum": keys})
    );
    assert_eq!(sort["schema"]["minItems"], 1);
    assert_eq!(sort["schema"]["maxItems"], 5);
    assert_eq!(
        sort["schema"]["allOf"][0],
        json!({"contains": {"enum": ["title", "-title"]}, "minContains": 0, "maxContains": 1})
    );
    assert_eq!(sort["schema"]["allOf"].as_array().map(Vec::len), Some(5));
    assert!(
        sort["description"]
            .as_str()
            .is_some_and(|text| text.contains("Default: `-created_at`")),
        "{sort}"
    );
    for parameter in list["parameters"].as_array().expect("parameters") {
        assert_eq!(parameter["in"], "query", "{parameter}");
        assert_eq!(parameter["required"], false, "{parameter}");
    }

    // Each filter is a parameter of its own, typed by its field, never empty.
    let filters: Vec<&str> = names[5..].to_vec();
    assert_eq!(
        filters,
        [
            "title",
            "title__ne",
            "title__in",
            "title__contains",
            "title__icontains",
            "title__startswith",
            "description",
            "description__ne",
            "description__in",
            "description__contains",
            "description__icontains",
            "description__startswith",
            "description__isnull",
            "completed",
            "completed__ne",
            "completed__in",
            "created_at",
            "created_at__ne",
            "created_at__in",
            "created_at__lt",
            "created_at__lte",
            "created_at__gt",
            "created_at__gte",
            "updated_at",
            "updated_at__ne",
            "updated_at__in",
            "updated_at__lt",
            "updated_at__lte",
            "updated_at__gt",
            "updated_at__gte",
        ]
    );
    // Text never empty, never with NUL, which the server refuses.
    let text = json!({"type": "string", "minLength": 1, "pattern": "^[^\\x00]*$"});
    for name in ["title", "title__icontains", "description__ne"] {
        assert_eq!(parameter(list, name)["schema"], text, "{name}");
    }
    // `in`: its values separated by commas, 1 to 100 of them; text without a comma, as one
    // string (the server splits it once percent-decoded), the other types as an array.
    assert_eq!(
        parameter(list, "title__in")["schema"],
        json!({"type": "string", "pattern": "^[^,\\x00]+(?:,[^,\\x00]+){0,99}$"})
    );
    assert!(parameter(list, "title__in").get("style").is_none());
    for (name, item) in [
        ("completed__in", json!({"type": "boolean"})),
        (
            "created_at__in",
            json!({"type": "string", "format": "date-time", "minLength": 1}),
        ),
    ] {
        let values = parameter(list, name);
        assert_eq!(values["style"], "form", "{name}");
        assert_eq!(values["explode"], false, "{name}");
        assert_eq!(
            values["schema"],
            json!({"type": "array", "items": item, "minItems": 1, "maxItems": 100}),
            "{name}"
        );
    }
    assert_eq!(
        parameter(list, "description__isnull")["schema"],
        json!({"type": "boolean"})
    );
    assert_eq!(
        parameter(list, "completed")["schema"],
        json!({"type": "boolean"})
    );
    assert_eq!(
        parameter(list, "created_at__gte")["schema"],
        json!({"type": "string", "format": "date-time", "minLength": 1})
    );
}

#[test]
fn request_bodies_carry_the_fields_rules() {
    let document = todo_document();
    let schemas = &document["components"]["schemas"];
    for body in ["TaskCreate", "TaskUpdate"] {
        let schema = &schemas[body];
        assert_eq!(schema["type"], "object");
        assert_eq!(schema["additionalProperties"], false, "{body}");
        assert_eq!(schema["required"], json!(["title"]), "{body}");
        let properties = schema["properties"].as_object().expect("properties");
        assert_eq!(properties.len(), 2);
        assert_eq!(properties["title"]["type"], "string");
        assert_eq!(properties["title"]["minLength"], 1);
        assert_eq!(properties["title"]["maxLength"], 200);
        assert_eq!(
            properties["title"]["description"],
            "What to do: 1 to 200 characters."
        );
        assert_eq!(properties["description"]["type"], json!(["string", "null"]));
        assert_eq!(properties["description"]["maxLength"], 1000);
        assert!(properties["description"].get("minLength").is_none());
    }
    let paths = &document["paths"];
    for (path, method, body) in [
        ("/api/{user_id}/tasks", "post", "TaskCreate"),
        ("/api/{user_id}/tasks/{id}", "put", "TaskUpdate"),
    ] {
        let request = &paths[path][method]["requestBody"];
        assert_eq!(request["required"], true);
        assert_eq!(
            request["content"]["application/json"]["schema"]["$ref"],
            format!("#/components/schemas/{body}")
        );
    }
    for (path, method) in [
        ("/api/{user_id}/tasks", "get"),
        ("/api/{user_id}/tasks/{id}", "get"),
        ("/api/{user_id}/tasks/{id}", "delete"),
        ("/api/{user_id}/tasks/{id}/complete", "patch"),
    ] {
        assert!(
            paths[path][method].get("requestBody").is_none(),
            "{method} {path}"
        );
    }
}

#[test]
fn responses_are_the_task_its_pages_and_each_error() {
    let document = todo_document();
    let task = &document["components"]["schemas"]["Task"];
    let properties = task["properties"].as_object().expect("properties");
    assert_eq!(properties.len(), 7);
    assert_eq!(
        properties["id"],
        json!({
            "type": "integer",
            "format": "int64",
            "description": "Assigned by the database.",
            "minimum": i64::MIN,
            "maximum": i64::MAX,
        })
    );
    assert_eq!(properties["created_at"]["format"], "date-time");
    assert_eq!(properties["completed"]["type"], "boolean");
    assert_eq!(
        task["required"],
        json!([
            "id",
            "user_id",
            "title",
            "completed",
            "created_at",
            "updated_at"
        ])
    );

    let paths = &document["paths"];
    let list = &paths["/api/{user_id}/tasks"]["get"]["responses"]["200"];
    assert_eq!(
        list["content"]["application/json"]["schema"],
        json!({"type": "array", "items": {"$ref": "#/components/schemas/Task"}})
    );
    assert_eq!(list["headers"]["Link"]["schema"]["type"], "string");
    assert_eq!(
        list["headers"]["X-Total-Count"]["schema"]["type"],
        "integer"
    );
    let created = &paths["/api/{user_id}/tasks"]["post"]["responses"];
    assert!(created.get("200").is_none());
    assert_eq!(
        created["201"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/Task"
    );

    let statuses = |path: &str, method: &str| -> Vec<String> {
        paths[path][method]["responses"]
            .as_object()
            .expect("responses")
            .keys()
            .cloned()
            .collect()
    };
    let item = "/api/{user_id}/tasks/{id}";
    assert_eq!(
        statuses("/api/{user_id}/tasks", "get"),
        ["200", "400", "401", "403", "500", "503"]
    );
    assert_eq!(
        statuses("/api/{user_id}/tasks", "post"),
        [
            "201", "400", "401", "403", "408", "409", "413", "415", "500", "503", "507"
        ]
    );
    assert_eq!(
        statuses(item, "get"),
        [
            "200", "304", "400", "401", "403", "404", "412", "500", "503"
        ]
    );
    assert_eq!(
        statuses(item, "put"),
        [
            "200", "400", "401", "403", "404", "408", "409", "412", "413", "415", "500", "503",
            "507"
        ]
    );
    assert_eq!(
        statuses(item, "delete"),
        [
            "200", "400", "401", "403", "404", "409", "412", "500", "503", "507"
        ]
    );
    assert_eq!(
        statuses(&format!("{item}/complete"), "patch"),
        [
            "200", "400", "401", "403", "404", "409", "412", "500", "503", "507"
        ]
    );
    assert_eq!(
        paths[item]["get"]["responses"]["404"]["$ref"],
        "#/components/responses/NotFound"
    );

    let responses = &document["components"]["responses"];
    for (name, response) in responses.as_object().expect("responses") {
        assert_eq!(
            response["content"]["application/problem+json"]["schema"]["$ref"],
            "#/components/schemas/Error",
            "{name}"
        );
    }
    assert_eq!(
        responses["ServiceUnavailable"]["headers"]["Retry-After"]["schema"]["type"],
        "integer"
    );
    let error = &document["components"]["schemas"]["Error"];
    assert_eq!(
        error["required"],
        json!(["type", "title", "status", "detail"])
    );
    assert_eq!(error["properties"]["detail"]["type"], "string");
    assert_eq!(
        error["properties"]["errors"]["items"]["required"],
        json!(["field", "message"])
    );
}

#[test]
fn every_operation_requires_the_bearer_token() {
    let document = todo_document();
    assert_eq!(
        document["components"]["securitySchemes"]["bearerAuth"],
        json!({
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "A JWT whose `sub` is the caller's user id.",
        })
    );
    for (path, method) in operations(&document) {
        assert_eq!(
            document["paths"][&path][&method]["security"],
            json!([{"bearerAuth": []}]),
            "{method} {path}"
        );
    }
}

/// Every operation of `document` on one resource (its path ends with `{id}` or a toggle's
/// segment), with its path and method.
fn item_operations(document: &Value) -> Vec<(String, String)> {
    operations(document)
        .into_iter()
        .filter(|(path, _)| path.contains("{id}"))
        .collect()
}

#[test]
fn conditional_requests_are_described() {
    let document = todo_document();
    let paths = &document["paths"];
    let item = "/api/{user_id}/tasks/{id}";

    // Every response of one task carries its ETag, a strong entity tag.
    let etag = json!({"type": "string", "pattern": "^\"[!#-~\\x80-\\xff]*\"$"});
    let mut single = vec![("/api/{user_id}/tasks".to_owned(), "post".to_owned())];
    single.extend(item_operations(&document));
    for (path, method) in &single {
        let responses = &paths[path][method]["responses"];
        let success = if method == "post" { "201" } else { "200" };
        let header = &responses[success]["headers"]["ETag"];
        assert_eq!(header["schema"], etag, "{method} {path}");
        assert!(
            header["description"]
                .as_str()
                .is_some_and(|text| text.contains("strong entity tag")),
            "{header}"
        );
    }
    let list = &paths["/api/{user_id}/tasks"]["get"]["responses"]["200"];
    assert!(list["headers"].get("ETag").is_none());

    // A read takes If-Match (412) and If-None-Match (304, no body, its ETag again).
    let read = &paths[item]["get"];
    assert_eq!(parameter_names(read), ["If-Match", "If-None-Match"]);
    let not_modified = &read["responses"]["304"];
    assert!(not_modified.get("content").is_none(), "{not_modified}");
    assert_eq!(not_modified["headers"]["ETag"]["schema"], etag);
    let if_none_match = parameter(read, "If-None-Match");
    assert_eq!(if_none_match["in"], "header");
    assert_eq!(if_none_match["required"], false);
    assert_eq!(if_none_match["schema"]["type"], "string");
    assert!(
        if_none_match["description"]
            .as_str()
            .is_some_and(|text| text.contains("304")),
        "{if_none_match}"
    );

    // Every write of one task takes If-Match, not required, and may answer 412, never 428.
    for (path, method) in item_operations(&document) {
        let operation = &paths[&path][&method];
        let if_match = parameter(operation, "If-Match");
        assert_eq!(if_match["in"], "header", "{method} {path}");
        assert_eq!(if_match["required"], false, "{method} {path}");
        let pattern = if_match["schema"]["pattern"].as_str().expect("a pattern");
        assert!(pattern.contains("{0,15}"), "at most 16 tags: {pattern}");
        let description = if_match["description"].as_str().expect("a description");
        assert!(
            description.contains("W/"),
            "weak tags never match: {description}"
        );
        assert!(description.contains("400"), "{description}");
        assert_eq!(
            operation["responses"]["412"]["$ref"], "#/components/responses/PreconditionFailed",
            "{method} {path}"
        );
        assert!(
            operation["responses"].get("428").is_none(),
            "{method} {path}"
        );
        if method != "get" {
            assert_eq!(parameter_names(operation), ["If-Match"], "{method} {path}");
        }
    }
    // The list and the creation take no precondition.
    for method in ["get", "post"] {
        let operation = &paths["/api/{user_id}/tasks"][method];
        assert!(
            !parameter_names(operation).contains(&"If-Match"),
            "{method}"
        );
    }

    let responses = &document["components"]["responses"];
    assert!(
        responses["BadRequest"]["description"]
            .as_str()
            .is_some_and(|text| text.contains("If-Match") && text.contains("16")),
        "{}",
        responses["BadRequest"]
    );
    assert!(responses.get("PreconditionRequired").is_some());
}

/// A page of a ledger: its writes require `If-Match`.
#[derive(Serialize, Crud)]
#[crud(path = "/api/{user_id}/ledgers", require_if_match)]
struct Ledger {
    #[crud(id)]
    id: i64,
    #[crud(owner)]
    user_id: String,
    title: String,
    #[crud(toggle = "close")]
    closed: bool,
    #[crud(updated_at)]
    updated_at: crud_core::chrono::DateTime<crud_core::chrono::Utc>,
}

#[test]
fn a_resource_that_requires_if_match_says_so() {
    let document = OpenApiDoc::new("Ledgers", "1").resource::<Ledger>().build();
    let document = serde_json::to_value(document).expect("JSON");
    for (path, method) in item_operations(&document) {
        let operation = &document["paths"][&path][&method];
        let if_match = parameter(operation, "If-Match");
        let writes = method != "get";
        assert_eq!(if_match["required"], writes, "{method} {path}");
        assert_eq!(
            operation["responses"].get("428").is_some(),
            writes,
            "{method} {path}"
        );
        if writes {
            assert_eq!(
                operation["responses"]["428"]["$ref"],
                "#/components/responses/PreconditionRequired"
            );
            assert!(
                if_match["description"]
                    .as_str()
                    .is_some_and(|text| text.contains("428")),
                "{if_match}"
            );
        }
    }
}

#[test]
fn a_resource_without_updated_at_has_no_etag() {
    let document = OpenApiDoc::new("Tickets", "2").resource::<Ticket>().build();
    let document = serde_json::to_value(document).expect("JSON");
    for (path, method) in item_operations(&document) {
        let operation = &document["paths"][&path][&method];
        assert!(
            operation["responses"]["200"].get("headers").is_none(),
            "{method} {path}"
        );
        // `*` still matches: the preconditions are taken, and say what they do.
        let if_match = parameter(operation, "If-Match");
        assert!(
            if_match["description"]
                .as_str()
                .is_some_and(|text| text.contains("has no `ETag`")),
            "{if_match}"
        );
    }
    let read = &document["paths"]["/api/{user_id}/support-tickets/{id}"]["get"];
    assert!(read["responses"]["304"].get("headers").is_none());
}

// The router does not depend on the backend: SQLite only.

#[tokio::test]
async fn the_document_is_served_without_a_token() {
    let test = TestDb::new(Backend::Sqlite).await;
    let client = Client::todo(&test.db).await;
    let reply = client.send(Method::GET, "/openapi.json", None, None).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.headers[header::CONTENT_TYPE], "application/json");
    assert_eq!(reply.body, todo_document());
}

/// Every operation of the document is a route of the router (without a token: 401, not 404
/// or 405), and every other method of its paths is not (405).
#[tokio::test]
async fn documented_routes_are_mounted_and_no_other_method() {
    let test = TestDb::new(Backend::Sqlite).await;
    let client = Client::todo(&test.db).await;
    let document = todo_document();
    let methods = ["get", "post", "put", "patch", "delete"];
    for (path, item) in document["paths"].as_object().expect("paths") {
        let uri = path.replace("{user_id}", "alice").replace("{id}", "1");
        for method in methods {
            let verb = Method::from_bytes(method.to_uppercase().as_bytes()).expect("a method");
            let reply = client.send(verb, &uri, None, None).await;
            let expected = if item.get(method).is_some() {
                StatusCode::UNAUTHORIZED
            } else {
                StatusCode::METHOD_NOT_ALLOWED
            };
            assert_eq!(reply.status, expected, "{method} {uri}: {:?}", reply.body);
        }
    }
}

/// The state of a ticket.
#[derive(Clone, Copy, Debug, PartialEq, Eq, CrudEnum)]
enum Status {
    Open,
    #[crud(rename = "in-progress")]
    InProgress,
    Closed,
}

/// The most a ticket may be estimated at, in minutes.
const MOST_MINUTES: i64 = 9_000_000_000;

/// A ticket: a UUID id, an enum, bounded numbers of every width, a date, nothing sortable, no
/// toggle.
#[derive(Serialize, Crud)]
#[serde(rename_all = "camelCase")]
#[crud(path = "/api/{user_id}/support-tickets", max_page_size = 50)]
struct Ticket {
    #[crud(id)]
    id: Uuid,
    #[crud(owner)]
    user_id: String,
    /// Where it stands.
    #[crud(filter(eq, in))]
    status: Status,
    /// What it was before, if it moved.
    #[crud(filter)]
    previous_status: Option<Status>,
    /// 1 to 5.
    #[crud(range(min = 1, max = 5))]
    priority: i16,
    #[crud(range(min = -9_000_000_000, max = MOST_MINUTES))]
    estimate_minutes: i64,
    #[crud(range(min = -40.5, max = 125.0))]
    temperature: Option<f64>,
    #[crud(range(min = 0.0))]
    ratio: f32,
    #[crud(filter(gte))]
    due_on: NaiveDate,
    #[crud(filter)]
    reporter: Option<Uuid>,
    #[crud(length(min = 3))]
    summary: String,
}

#[test]
fn the_derive_describes_the_rules_it_checks() {
    let column = |name: &str| Ticket::SCHEMA.column(name).expect("a column");
    let rules = column("summary").rules;
    assert_eq!((rules.min_length, rules.max_length), (Some(3), None));
    let rules = column("priority").rules;
    assert_eq!((rules.minimum, rules.maximum), (Some(1.0), Some(5.0)));
    let rules = column("estimateMinutes").rules;
    assert_eq!(
        (rules.minimum, rules.maximum),
        (Some(-9e9), Some(MOST_MINUTES as f64))
    );
    let rules = column("temperature").rules;
    assert_eq!((rules.minimum, rules.maximum), (Some(-40.5), Some(125.0)));
    assert_eq!(column("ratio").rules.minimum, Some(0.0));
    assert_eq!(column("status").description, Some("Where it stands."));
    assert_eq!(column("dueOn").description, None);
    assert_eq!(
        Ticket::SCHEMA.description,
        Some(
            "A ticket: a UUID id, an enum, bounded numbers of every width, a date, nothing \
             sortable, no\ntoggle."
        )
    );
}

#[test]
fn other_shapes_have_their_types_formats_and_rules() {
    let document =
        serde_json::to_value(OpenApiDoc::new("Tickets", "2").resource::<Ticket>().build())
            .expect("JSON");
    let paths = document["paths"].as_object().expect("paths");
    // No toggle: no `PATCH`.
    assert_eq!(
        paths.keys().collect::<Vec<_>>(),
        [
            "/api/{user_id}/support-tickets",
            "/api/{user_id}/support-tickets/{id}"
        ]
    );
    let collection = &paths["/api/{user_id}/support-tickets"];
    assert_eq!(collection["get"]["operationId"], "listSupportTickets");
    assert_eq!(collection["post"]["operationId"], "createTicket");
    let item = &paths["/api/{user_id}/support-tickets/{id}"];
    assert_eq!(
        parameter(item, "id")["schema"],
        json!({"type": "string", "format": "uuid"})
    );

    // Nothing sortable: no `sort`.
    let list = &collection["get"];
    assert_eq!(
        parameter_names(list),
        [
            "limit",
            "cursor",
            "offset",
            "count",
            "status",
            "status__in",
            "previousStatus",
            "previousStatus__ne",
            "previousStatus__in",
            "previousStatus__isnull",
            "dueOn__gte",
            "reporter",
            "reporter__ne",
            "reporter__in",
            "reporter__isnull",
        ]
    );
    assert_eq!(parameter(list, "limit")["schema"]["maximum"], 50);
    assert_eq!(parameter(list, "limit")["schema"]["default"], 50);
    let variants = json!({"type": "string", "enum": ["open", "in-progress", "closed"]});
    assert_eq!(parameter(list, "status")["schema"], variants);
    assert_eq!(parameter(list, "previousStatus")["schema"], variants);
    assert_eq!(
        parameter(list, "dueOn__gte")["schema"],
        json!({"type": "string", "format": "date", "minLength": 1})
    );
    assert_eq!(
        parameter(list, "reporter")["schema"],
        json!({"type": "string", "format": "uuid", "minLength": 1})
    );

    let body = &document["components"]["schemas"]["TicketCreate"];
    assert_eq!(
        body["required"],
        json!([
            "status",
            "priority",
            "estimateMinutes",
            "ratio",
            "dueOn",
            "summary"
        ])
    );
    let properties = &body["properties"];
    assert_eq!(
        properties["status"],
        json!({
            "type": "string",
            "enum": ["open", "in-progress", "closed"],
            "description": "Where it stands.",
        })
    );
    assert_eq!(
        properties["previousStatus"]["enum"],
        json!(["open", "in-progress", "closed", null])
    );
    assert_eq!(
        properties["previousStatus"]["type"],
        json!(["string", "null"])
    );
    assert_eq!(
        properties["priority"],
        json!({
            "type": "integer",
            "format": "int16",
            "minimum": 1,
            "maximum": 5,
            "description": "1 to 5.",
        })
    );
    assert_eq!(
        properties["estimateMinutes"],
        json!({
            "type": "integer",
            "format": "int64",
            "minimum": -9_000_000_000_i64,
            "maximum": 9_000_000_000_i64,
        })
    );
    assert_eq!(
        properties["temperature"],
        json!({
            "type": ["number", "null"],
            "format": "double",
            "minimum": -40.5,
            "maximum": 125,
        })
    );
    assert_eq!(
        properties["ratio"],
        json!({"type": "number", "format": "float", "minimum": 0, "maximum": f32::MAX})
    );
    assert_eq!(
        properties["dueOn"],
        json!({"type": "string", "format": "date"})
    );
    assert_eq!(
        properties["reporter"],
        json!({"type": ["string", "null"], "format": "uuid"})
    );
    assert_eq!(
        properties["summary"],
        json!({"type": "string", "minLength": 3, "pattern": "^[^\\x00]*$"})
    );
    // The response has no rule, and every non-optional field is required.
    let ticket = &document["components"]["schemas"]["Ticket"];
    assert_eq!(
        ticket["properties"]["priority"],
        json!({
            "type": "integer",
            "format": "int16",
            "minimum": -32768,
            "maximum": 32767,
            "description": "1 to 5.",
        })
    );
    assert!(ticket.get("additionalProperties").is_none());
    assert_eq!(
        ticket["required"],
        json!([
            "id",
            "userId",
            "status",
            "priority",
            "estimateMinutes",
            "ratio",
            "dueOn",
            "summary"
        ])
    );
}

/// A label: a string id, and two toggles.
#[derive(Serialize, Crud)]
struct Label {
    #[crud(id)]
    id: String,
    #[crud(owner)]
    user_id: String,
    name: String,
    #[crud(toggle = "pin")]
    pinned: bool,
    #[crud(toggle = "mark-archived")]
    archived: bool,
}

#[test]
fn resources_share_one_document() {
    let document = OpenApiDoc::new("Everything", "1")
        .resource::<todo::Task>()
        .resource::<Ticket>()
        .resource::<Label>()
        .build();
    let document = serde_json::to_value(document).expect("JSON");
    let mut ids: Vec<&str> = operations(&document)
        .iter()
        .map(|(path, method)| {
            document["paths"][path][method]["operationId"]
                .as_str()
                .expect("an id")
        })
        .collect();
    assert_eq!(ids.len(), 7 + 6 + 8);
    assert!(ids.contains(&"pinLabel") && ids.contains(&"markArchivedLabel"));
    assert!(ids.contains(&"listLabels"));
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 21, "operation ids are unique: {ids:?}");
    assert_eq!(
        parameter(&document["paths"]["/api/{user_id}/labels/{id}"], "id")["schema"],
        json!({"type": "string", "pattern": "^[^\\x00]*$"})
    );
    let tags: Vec<&str> = document["tags"]
        .as_array()
        .expect("tags")
        .iter()
        .filter_map(|tag| tag["name"].as_str())
        .collect();
    assert_eq!(tags, ["Task", "Ticket", "Label"]);
    let schemas = document["components"]["schemas"]
        .as_object()
        .expect("schemas");
    assert_eq!(schemas.len(), 1 + 3 * 4);
}

/// Whether `part` is `whole` with some keys of its objects and some items of its lists left
/// out (the items kept in order).
fn is_excerpt(part: &Value, whole: &Value) -> bool {
    match (part, whole) {
        (Value::Object(part), Value::Object(whole)) => part
            .iter()
            .all(|(key, value)| whole.get(key).is_some_and(|w| is_excerpt(value, w))),
        (Value::Array(part), Value::Array(whole)) => {
            let mut rest = whole.iter();
            part.iter().all(|item| rest.any(|w| is_excerpt(item, w)))
        }
        _ => part == whole,
    }
}

#[test]
fn the_readme_shows_an_excerpt_of_the_todo_document() {
    let readme = include_str!("../README.md");
    let section = readme
        .split_once("\n## OpenAPI\n")
        .and_then(|(_, rest)| rest.split("\n## ").next())
        .expect("the README has an OpenAPI section");
    let excerpt = section
        .split_once("```json\n")
        .and_then(|(_, rest)| rest.split_once("```"))
        .map(|(json, _)| json)
        .expect("a JSON excerpt");
    let excerpt: Value = serde_json::from_str(excerpt).expect("the excerpt is JSON");
    assert!(
        is_excerpt(&excerpt, &todo_document()),
        "the README's excerpt is not the document's: update it from `todo openapi`"
    );
    assert!(!is_excerpt(&json!({"openapi": "3.0.3"}), &todo_document()));
    assert!(!is_excerpt(
        &json!({"tags": [{"name": "Tag"}]}),
        &todo_document()
    ));
}

#[test]
#[should_panic(expected = "two resources of one OpenAPI document define the schema `Task`")]
fn a_resource_twice_is_refused() {
    let _ = OpenApiDoc::new("Twice", "1")
        .resource::<todo::Task>()
        .resource::<todo::Task>();
}
