//! What the list attributes of `#[derive(Crud)]` put in a resource's `Schema`: the
//! operators of each column (`#[crud(filter)]`: every operator of the field's type;
//! `#[crud(filter(...))]`: those listed), whether it sorts (`#[crud(sort)]`), and the page
//! sizes (`page_size`, `max_page_size`), given or by default.

use crud_core::chrono::{DateTime, NaiveDate, Utc};
use crud_core::schema::Schema;
use crud_core::uuid::Uuid;
use crud_core::{
    Crud, CrudEnum, DEFAULT_MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE, Operator, Operators, Resource,
};
use serde::Serialize;
use todo::Task;

/// A listing's stage, stored as text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, CrudEnum)]
enum Stage {
    /// Not yet public.
    Draft,
    /// Public.
    Open,
}

/// A field of most column types with `filter`, and each operator named once in a
/// `filter(...)`.
#[derive(Serialize, Crud)]
#[serde(rename_all = "camelCase")]
struct Listing {
    #[crud(id, filter, sort)]
    id: Uuid,
    #[crud(owner)]
    user_id: String,
    #[crud(filter, sort)]
    title: String,
    #[crud(filter)]
    note: Option<String>,
    #[crud(filter, sort)]
    price: f64,
    #[crud(filter)]
    rating: Option<i32>,
    #[crud(filter)]
    stage: Stage,
    #[crud(filter)]
    opens_on: NaiveDate,
    #[crud(toggle, filter)]
    sold: bool,
    #[crud(filter(eq, in, contains))]
    code: String,
    #[crud(filter(icontains, startswith, isnull), sort)]
    nickname: Option<String>,
    #[crud(filter(ne, lt, lte, gt, gte))]
    stock: i64,
    #[crud(sort)]
    shelf: i16,
    plain: String,
    #[crud(created_at, filter(gte, lt), sort)]
    created_at: DateTime<Utc>,
}

/// The set of `operators`.
fn set(operators: &[Operator]) -> Operators {
    operators
        .iter()
        .fold(Operators::NONE, |set, op| set.with(*op))
}

/// Checks each `(json name, operators, sortable)` of `expected` against `schema`, and that
/// it names every column.
fn assert_columns(schema: &Schema, expected: &[(&str, Operators, bool)]) {
    let names: Vec<&str> = schema.columns.iter().map(|c| c.json_name).collect();
    let expected_names: Vec<&str> = expected.iter().map(|(name, ..)| *name).collect();
    assert_eq!(names, expected_names, "{}", schema.name);
    for &(name, filters, sortable) in expected {
        let column = schema.column(name).expect("the column exists");
        assert_eq!(
            (column.filters, column.sortable),
            (filters, sortable),
            "{}.{name}",
            schema.name
        );
    }
}

#[test]
fn filter_gives_every_operator_of_the_type_and_a_list_exactly_those() {
    use Operator::*;
    let equality = set(&[Eq, Ne, In]);
    let order = set(&[Eq, Ne, In, Lt, Lte, Gt, Gte]);
    let text = set(&[Eq, Ne, In, Contains, IContains, StartsWith]);
    let expected = [
        ("id", equality, true),
        ("userId", Operators::NONE, false),
        ("title", text, true),
        ("note", text.with(IsNull), false),
        ("price", order, true),
        ("rating", order.with(IsNull), false),
        ("stage", equality, false),
        ("opensOn", order, false),
        ("sold", equality, false),
        ("code", set(&[Eq, In, Contains]), false),
        ("nickname", set(&[IContains, StartsWith, IsNull]), true),
        ("stock", set(&[Ne, Lt, Lte, Gt, Gte]), false),
        ("shelf", Operators::NONE, true),
        ("plain", Operators::NONE, false),
        ("createdAt", set(&[Gte, Lt]), true),
    ];
    assert_columns(&Listing::SCHEMA, &expected);
}

#[test]
fn the_tasks_of_the_todo_example_filter_and_sort_on_their_fields() {
    use Operator::*;
    let text = set(&[Eq, Ne, In, Contains, IContains, StartsWith]);
    let timestamp = set(&[Eq, Ne, In, Lt, Lte, Gt, Gte]);
    let expected = [
        ("id", Operators::NONE, false),
        ("user_id", Operators::NONE, false),
        ("title", text, true),
        ("description", text.with(IsNull), true),
        ("completed", set(&[Eq, Ne, In]), true),
        ("created_at", timestamp, true),
        ("updated_at", timestamp, true),
    ];
    assert_columns(&Task::SCHEMA, &expected);
}

/// A resource with the given container attributes and nothing to list by.
macro_rules! paged {
    ($name:ident $(, $($attrs:tt)+)?) => {
        /// A resource of the page-size table.
        #[derive(Serialize, Crud)]
        $(#[crud($($attrs)+)])?
        struct $name {
            #[crud(id)]
            id: i64,
            #[crud(owner)]
            user_id: String,
            text: String,
        }
    };
}

paged!(Defaults);
paged!(SmallPage, page_size = 5);
paged!(SmallMax, max_page_size = 20);
paged!(LargeMax, max_page_size = 5000);
paged!(Both, page_size = 250, max_page_size = 250);

#[test]
fn page_sizes_are_as_given_or_the_defaults() {
    let cases: [(Schema, u32, u32); 6] = [
        // The derive writes the defaults as numbers: they must be crud-core's.
        (Defaults::SCHEMA, DEFAULT_PAGE_SIZE, DEFAULT_MAX_PAGE_SIZE),
        (SmallPage::SCHEMA, 5, DEFAULT_MAX_PAGE_SIZE),
        // The default page would be larger than the maximum: it is the maximum.
        (SmallMax::SCHEMA, 20, 20),
        (LargeMax::SCHEMA, DEFAULT_PAGE_SIZE, 5000),
        (Both::SCHEMA, 250, 250),
        (Task::SCHEMA, 100, 1000),
    ];
    for (schema, page_size, max_page_size) in cases {
        assert_eq!(
            (schema.page_size, schema.max_page_size),
            (page_size, max_page_size),
            "{}",
            schema.name
        );
    }
}
