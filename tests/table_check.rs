//! A table left from an older version of a struct fails at start-up with the difference,
//! instead of answering 500 on every request.

mod common;

use common::{Backend, TestDb, execute};
use crud_core::migrate::ddl;
use crud_core::{BackendKind, Error};
use todo::Task;

/// The `tasks` table as a struct-less hand might have left it, and what the check says.
const CASES: &[(&str, &str, &[&str])] = &[
    (
        "a column missing",
        r#"CREATE TABLE "tasks" ("id" {ID} PRIMARY KEY, "user_id" TEXT NOT NULL, "title" TEXT NOT NULL, "completed" BOOLEAN NOT NULL DEFAULT FALSE, "created_at" {STAMP} NOT NULL, "updated_at" {STAMP} NOT NULL)"#,
        &[r#"column "description" is missing"#],
    ),
    (
        "a type changed and a nullability changed",
        r#"CREATE TABLE "tasks" ("id" {ID} PRIMARY KEY, "user_id" TEXT NOT NULL, "title" INTEGER, "description" TEXT, "completed" BOOLEAN NOT NULL DEFAULT FALSE, "created_at" {STAMP} NOT NULL, "updated_at" {STAMP} NOT NULL)"#,
        &[
            r#"column "title" is INTEGER, expected TEXT"#,
            r#"column "title" is nullable, expected NOT NULL"#,
        ],
    ),
    (
        "a column of the application's that inserts cannot fill",
        r#"CREATE TABLE "tasks" ("id" {ID} PRIMARY KEY, "user_id" TEXT NOT NULL, "title" TEXT NOT NULL, "description" TEXT, "completed" BOOLEAN NOT NULL DEFAULT FALSE, "created_at" {STAMP} NOT NULL, "updated_at" {STAMP} NOT NULL, "priority" INTEGER NOT NULL)"#,
        &[r#"column "priority" is not part of the struct, and is NOT NULL without a default"#],
    ),
];

async fn a_stale_table_fails_with_its_differences(backend: Backend) {
    for (case, create, expected) in CASES {
        let test = TestDb::new(backend).await;
        let (id, stamp) = match backend {
            Backend::Sqlite => ("INTEGER", "TEXT"),
            Backend::Postgres => ("BIGINT", "TIMESTAMPTZ"),
        };
        let create = create.replace("{ID}", id).replace("{STAMP}", stamp);
        execute(&test.db, &create).await;
        let error = test
            .db
            .create_table::<Task>()
            .await
            .expect_err("the table does not match");
        let Error::Schema(mismatch) = &error else {
            panic!("{case}: not a mismatch: {error}");
        };
        assert_eq!(mismatch.table, "tasks");
        assert_eq!(
            mismatch.differences.len(),
            expected.len(),
            "{case}: {error}"
        );
        for (found, expected) in mismatch.differences.iter().zip(expected.iter()) {
            assert!(found.starts_with(expected), "{case}: {found}");
        }
        assert!(
            error
                .to_string()
                .starts_with(r#"the table "tasks" does not match Task: "#),
            "{error}"
        );
    }
}

async fn a_table_with_columns_of_the_applications_own_is_accepted(backend: Backend) {
    let test = TestDb::new(backend).await;
    test.db.create_table::<Task>().await.expect("created");
    execute(
        &test.db,
        r#"ALTER TABLE "tasks" ADD COLUMN "note" TEXT; ALTER TABLE "tasks" ADD COLUMN "rank" INTEGER NOT NULL DEFAULT 0"#,
    )
    .await;
    test.db
        .check_table::<Task>()
        .await
        .expect("extra nullable or defaulted columns are fine");
    // Creating again is idempotent and checks again.
    test.db.create_table::<Task>().await.expect("still fine");
}

async fn the_printed_ddl_makes_a_matching_table(backend: Backend) {
    let test = TestDb::new(backend).await;
    let kind = match backend {
        Backend::Sqlite => BackendKind::Sqlite,
        Backend::Postgres => BackendKind::Postgres,
    };
    for statement in ddl::<Task>(kind) {
        execute(&test.db, statement).await;
    }
    test.db
        .check_table::<Task>()
        .await
        .expect("the DDL matches");
}

async fn a_missing_table_is_reported(backend: Backend) {
    let test = TestDb::new(backend).await;
    let error = test.db.check_table::<Task>().await.expect_err("no table");
    assert!(
        error.to_string().ends_with("the table does not exist"),
        "{error}"
    );
}

backend_tests!(
    a_stale_table_fails_with_its_differences,
    a_table_with_columns_of_the_applications_own_is_accepted,
    the_printed_ddl_makes_a_matching_table,
    a_missing_table_is_reported,
);
