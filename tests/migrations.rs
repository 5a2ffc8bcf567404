//! The migration story of the README: the printed DDL as a sqlx migration, run with sqlx's
//! migrator through crud-core's `migrate` feature, then the table checked against the struct.

mod common;

use common::{Backend, TestDb};
use crud_core::BackendKind;
use crud_core::migrate::ddl;
use crud_core::sqlx::migrate::Migrator;
use todo::Task;

async fn the_printed_ddl_runs_as_a_sqlx_migration(backend: Backend) {
    let test = TestDb::new(backend).await;
    let kind = match backend {
        Backend::Sqlite => BackendKind::Sqlite,
        Backend::Postgres => BackendKind::Postgres,
    };
    let migrations = tempfile::tempdir().expect("a temporary directory");
    let script = ddl::<Task>(kind)
        .into_iter()
        .map(|statement| format!("{statement};\n"))
        .collect::<String>();
    std::fs::write(migrations.path().join("0001_tasks.sql"), script).expect("written");

    let migrator = Migrator::new(migrations.path())
        .await
        .expect("the migrations load");
    match (test.db.sqlite(), test.db.postgres()) {
        (Some(sqlite), _) => migrator.run(&sqlite.reads).await,
        (_, Some(pool)) => migrator.run(pool).await,
        (None, None) => unreachable!("a database is on one backend"),
    }
    .expect("the migration runs");

    test.db
        .check_table::<Task>()
        .await
        .expect("the migrated table matches the struct");
}

backend_tests!(the_printed_ddl_runs_as_a_sqlx_migration);
