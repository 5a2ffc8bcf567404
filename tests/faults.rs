//! Faults of the database, for real: a full SQLite database, a read-only one, a busy one;
//! PostgreSQL connections terminated mid-write, cut, or frozen behind a proxy; a database
//! that is down at start-up. Each test asserts on what the database holds afterwards, not
//! only on the statuses, and is bounded in time. Everything talks to 127.0.0.1 only.

mod common;

use axum::http::StatusCode;
use common::{Backend, Client, TestDb};
use crud_core::sqlx::postgres::PgConnectOptions;
use crud_core::{Db, DbOptions};
use serde_json::json;
use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::str::FromStr;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

const TASKS: &str = "/api/alice/tasks";

/// The ids of alice's tasks, read straight from the database. A pooled connection that a
/// test cut is dropped by its failure: the read is tried again on another.
async fn stored_ids(db: &Db) -> BTreeSet<i64> {
    use crud_core::sqlx;
    let sql = r#"SELECT "id" FROM "tasks" WHERE "user_id" = 'alice'"#;
    let mut attempts = 0;
    loop {
        let ids: Result<Vec<i64>, _> = match (db.sqlite(), db.postgres()) {
            (Some(sqlite), _) => sqlx::query_scalar(sql).fetch_all(&sqlite.reads).await,
            (_, Some(pool)) => sqlx::query_scalar(sql).fetch_all(pool).await,
            (None, None) => unreachable!("a database is on one backend"),
        };
        attempts += 1;
        match ids {
            Ok(ids) => return ids.into_iter().collect(),
            Err(error) if attempts < 5 => eprintln!("reading the ids again after: {error}"),
            Err(error) => panic!("the ids cannot be read: {error}"),
        }
    }
}

/// Runs a statement on the SQLite writer's own connection (its pragmas are its own).
async fn on_sqlite_writer(db: &Db, sql: &'static str) {
    let sqlite = db.sqlite().expect("a SQLite database");
    sqlite
        .writer
        .run(move |connection| {
            Box::pin(async move { crud_core::sqlx::raw_sql(sql).execute(connection).await })
        })
        .await
        .expect("the pragma runs");
}

/// A 503 that says when to come back.
fn assert_unavailable(reply: &common::Reply) {
    assert_eq!(
        reply.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        reply.body
    );
    assert_eq!(reply.headers["retry-after"], "1");
}

fn id_of(reply: &common::Reply) -> i64 {
    reply.body["id"].as_i64().expect("an id")
}

#[tokio::test]
async fn a_full_sqlite_database_never_acknowledges_a_lost_write() {
    let test = TestDb::new(Backend::Sqlite).await;
    let client = Client::todo(&test.db).await;
    let first = client
        .post("alice", TASKS, json!({"title": "before"}))
        .await;
    assert_eq!(first.status, StatusCode::CREATED);
    // The database may not grow past its current size: the next pages it needs are refused.
    on_sqlite_writer(&test.db, "PRAGMA max_page_count = 1").await;

    let mut acknowledged = BTreeSet::from([id_of(&first)]);
    let mut statuses = Vec::new();
    let long = "x".repeat(1000);
    for _ in 0..300 {
        let reply = client
            .post("alice", TASKS, json!({"title": "t", "description": long}))
            .await;
        statuses.push(reply.status);
        match reply.status {
            StatusCode::CREATED => assert!(acknowledged.insert(id_of(&reply)), "an id twice"),
            StatusCode::INSUFFICIENT_STORAGE => {
                assert_eq!(reply.detail(), "Insufficient Storage: the database is full");
            }
            other => panic!("a full database answered {other}: {}", reply.body),
        }
    }
    assert!(
        statuses.contains(&StatusCode::INSUFFICIENT_STORAGE),
        "the database filled up"
    );
    assert_eq!(
        stored_ids(&test.db).await,
        acknowledged,
        "every 201 is stored"
    );
    let full = statuses
        .iter()
        .filter(|status| **status == StatusCode::INSUFFICIENT_STORAGE)
        .count();
    eprintln!(
        "full database: {} of 300 creates answered 201, {full} answered 507; {} rows stored",
        statuses.len() - full,
        acknowledged.len()
    );

    // Updates, toggles and deletes of a full database: what they answer is what is stored.
    let id = id_of(&first);
    let item = format!("{TASKS}/{id}");
    let update = client
        .put(
            "alice",
            &item,
            json!({"title": "y".repeat(200), "description": long}),
        )
        .await;
    let toggle = client.patch("alice", &format!("{item}/complete")).await;
    let stored = client.get("alice", &item).await;
    assert_eq!(stored.status, StatusCode::OK);
    for reply in [&update, &toggle] {
        match reply.status {
            StatusCode::OK => {}
            StatusCode::INSUFFICIENT_STORAGE => {}
            other => panic!("a write to a full database answered {other}"),
        }
    }
    let expected_title = if update.status == StatusCode::OK {
        "y".repeat(200)
    } else {
        "before".to_owned()
    };
    assert_eq!(stored.body["title"], json!(expected_title));
    assert_eq!(
        stored.body["completed"],
        json!(toggle.status == StatusCode::OK)
    );

    // Room again: writes succeed, and no acknowledged id is given twice.
    on_sqlite_writer(&test.db, "PRAGMA max_page_count = 1073741823").await;
    let after = client.post("alice", TASKS, json!({"title": "after"})).await;
    assert_eq!(after.status, StatusCode::CREATED);
    assert!(!acknowledged.contains(&id_of(&after)));
    acknowledged.insert(id_of(&after));
    assert_eq!(stored_ids(&test.db).await, acknowledged);
}

/// A write whose commit fails after its statement has returned the row: a deferred foreign key,
/// checked only at commit, that a trigger breaks. The answer must be the commit's failure.
#[tokio::test]
async fn a_sqlite_write_whose_commit_fails_is_not_acknowledged() {
    let test = TestDb::new(Backend::Sqlite).await;
    let client = Client::todo(&test.db).await;
    let kept = client.post("alice", TASKS, json!({"title": "kept"})).await;
    assert_eq!(kept.status, StatusCode::CREATED);
    on_sqlite_writer(&test.db, "PRAGMA foreign_keys = ON").await;
    on_sqlite_writer(
        &test.db,
        r#"CREATE TABLE "parents" ("id" INTEGER PRIMARY KEY);
           CREATE TABLE "audit" ("parent" INTEGER REFERENCES "parents" ("id") DEFERRABLE INITIALLY DEFERRED);
           CREATE TRIGGER "tasks_audit_insert" AFTER INSERT ON "tasks" BEGIN INSERT INTO "audit" VALUES (-1); END;
           CREATE TRIGGER "tasks_audit_update" AFTER UPDATE ON "tasks" BEGIN INSERT INTO "audit" VALUES (-1); END;"#,
    )
    .await;
    let created = client.post("alice", TASKS, json!({"title": "lost"})).await;
    assert_eq!(created.status, StatusCode::CONFLICT, "{}", created.body);
    let item = format!("{TASKS}/{}", id_of(&kept));
    let updated = client
        .put("alice", &item, json!({"title": "changed"}))
        .await;
    assert_eq!(updated.status, StatusCode::CONFLICT, "{}", updated.body);
    let toggled = client.patch("alice", &format!("{item}/complete")).await;
    assert_eq!(toggled.status, StatusCode::CONFLICT, "{}", toggled.body);
    // Nothing of the three is stored.
    assert_eq!(stored_ids(&test.db).await, BTreeSet::from([id_of(&kept)]));
    let read = client.get("alice", &item).await;
    assert_eq!(read.body, kept.body);
}

#[tokio::test]
async fn a_read_only_sqlite_database_answers_503_to_writes_and_serves_reads() {
    let test = TestDb::new(Backend::Sqlite).await;
    let client = Client::todo(&test.db).await;
    let created = client.post("alice", TASKS, json!({"title": "kept"})).await;
    assert_eq!(created.status, StatusCode::CREATED);
    test.db.close().await;

    let url = format!("{}?mode=ro", test.url.as_deref().expect("a SQLite file"));
    let read_only = Db::connect(&url).await.expect("a read-only database opens");
    let client = Client::new(todo::app(crud_core::AppState::new(
        read_only.clone(),
        common::auth(),
    )));
    let item = format!("{TASKS}/{}", id_of(&created));
    let writes = [
        client.post("alice", TASKS, json!({"title": "new"})).await,
        client
            .put("alice", &item, json!({"title": "changed"}))
            .await,
        client.patch("alice", &format!("{item}/complete")).await,
        client.delete("alice", &item).await,
    ];
    for reply in writes {
        assert_unavailable(&reply);
    }
    let read = client.get("alice", &item).await;
    assert_eq!(read.status, StatusCode::OK);
    assert_eq!(read.body, created.body, "nothing changed");
    assert_eq!(
        stored_ids(&read_only).await,
        BTreeSet::from([id_of(&created)])
    );
}

#[tokio::test]
async fn a_sqlite_database_locked_by_another_writer_answers_503() {
    let options = DbOptions::default().with_sqlite_busy_timeout(Duration::from_millis(100));
    let test = TestDb::with_options(Backend::Sqlite, &options).await;
    let client = Client::todo(&test.db).await;
    // Another process's writer: a connection of its own holding the write lock.
    let other = Db::connect(test.url.as_deref().expect("a SQLite file"))
        .await
        .expect("a second connection");
    let sqlite = other.sqlite().expect("SQLite");
    let mut held = sqlite.reads.acquire().await.expect("a connection");
    crud_core::sqlx::raw_sql("BEGIN IMMEDIATE")
        .execute(&mut *held)
        .await
        .expect("takes the write lock");
    let reply = client.post("alice", TASKS, json!({"title": "waits"})).await;
    assert_eq!(
        reply.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        reply.body
    );
    crud_core::sqlx::raw_sql("ROLLBACK")
        .execute(&mut *held)
        .await
        .expect("releases it");
    drop(held);
    assert!(stored_ids(&test.db).await.is_empty());
    let reply = client.post("alice", TASKS, json!({"title": "goes"})).await;
    assert_eq!(reply.status, StatusCode::CREATED);
}

#[tokio::test]
async fn a_closed_database_answers_503() {
    let test = TestDb::new(Backend::Sqlite).await;
    let client = Client::todo(&test.db).await;
    test.db.close().await;
    for reply in [
        client.get("alice", TASKS).await,
        client.post("alice", TASKS, json!({"title": "late"})).await,
    ] {
        assert_eq!(
            reply.status,
            StatusCode::SERVICE_UNAVAILABLE,
            "{}",
            reply.body
        );
    }
}

/// For any one row, successive writes carry strictly increasing `updated_at`: concurrent
/// toggles, ordered by the `updated_at` they answered, alternate `completed`.
async fn updated_at_follows_the_order_of_writes(backend: Backend) {
    let test = TestDb::new(backend).await;
    let client = Client::todo(&test.db).await;
    let created = client.post("alice", TASKS, json!({"title": "flip"})).await;
    let toggle = format!("{TASKS}/{}/complete", id_of(&created));
    let replies = futures::future::join_all((0..200).map(|_| client.patch("alice", &toggle))).await;
    let mut flips = replies
        .iter()
        .map(|reply| {
            assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
            let at = reply.body["updated_at"].as_str().expect("a time");
            let at = chrono::DateTime::parse_from_rfc3339(at).expect("RFC 3339");
            (at, reply.body["completed"].as_bool().expect("a bool"))
        })
        .collect::<Vec<_>>();
    flips.sort();
    let times = flips.iter().map(|(at, _)| *at).collect::<BTreeSet<_>>();
    assert_eq!(times.len(), flips.len(), "two writes carried the same time");
    for (index, (at, completed)) in flips.iter().enumerate() {
        assert_eq!(
            *completed,
            index % 2 == 0,
            "write {index} at {at} is out of order"
        );
    }
    assert!(
        flips[0].0
            > chrono::DateTime::parse_from_rfc3339(
                created.body["updated_at"].as_str().expect("a time")
            )
            .expect("RFC 3339")
    );
}

/// A SQLite table written by a clock that was ahead (or a clock set back since): once the table
/// is checked at start-up, writes still carry times after the latest stored one.
#[tokio::test]
async fn updated_at_stays_after_the_stored_times_when_the_clock_was_set_back() {
    let test = TestDb::new(Backend::Sqlite).await;
    let client = Client::todo(&test.db).await;
    let created = client.post("alice", TASKS, json!({"title": "ahead"})).await;
    let ahead = chrono::Utc::now() + chrono::TimeDelta::hours(1);
    let sqlite = test.db.sqlite().expect("SQLite");
    crud_core::sqlx::query(r#"UPDATE "tasks" SET "updated_at" = ?1"#)
        .bind(ahead)
        .execute(&sqlite.reads)
        .await
        .expect("moves the stored time ahead");
    test.db.close().await;

    let reopened = Db::connect(test.url.as_deref().expect("a SQLite file"))
        .await
        .expect("reopens");
    let client = Client::todo(&reopened).await;
    let toggled = client
        .patch("alice", &format!("{TASKS}/{}/complete", id_of(&created)))
        .await;
    let at = toggled.body["updated_at"].as_str().expect("a time");
    let at = chrono::DateTime::parse_from_rfc3339(at).expect("RFC 3339");
    assert!(at > ahead, "{at} is not after {ahead}");
}

/// Writes are not lost when PostgreSQL terminates the connections mid-write: every 201 is
/// stored, and every failure is a 503 (never a 500).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL; run with `cargo test -- --ignored`"]
async fn postgres_connections_terminated_mid_write_lose_no_acknowledged_write() {
    let name = format!("crud_faults_{}", uuid::Uuid::new_v4().simple());
    let app_name = name.clone();
    let test = TestDb::with_connect(Backend::Postgres, &DbOptions::default(), move |connect| {
        connect.application_name(&app_name)
    })
    .await;
    let client = Client::todo(&test.db).await;
    let admin = Db::connect(&common::postgres_url())
        .await
        .expect("connects");
    let killer = {
        let admin = admin.clone();
        let name = name.clone();
        tokio::spawn(async move {
            let pool = admin.postgres().expect("PostgreSQL").clone();
            let mut killed = 0_i64;
            for _ in 0..20 {
                tokio::time::sleep(Duration::from_millis(25)).await;
                let count: i64 = crud_core::sqlx::query_scalar(
                    "SELECT COUNT(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1) AS t",
                )
                .bind(&name)
                .fetch_one(&pool)
                .await
                .expect("terminates");
                killed += count;
            }
            killed
        })
    };
    let writers = (0..4).map(|writer| {
        let client = &client;
        async move {
            let mut acknowledged = Vec::new();
            let mut unavailable = 0;
            let started = Instant::now();
            while started.elapsed() < Duration::from_millis(700) {
                let reply = client
                    .post("alice", TASKS, json!({"title": format!("w{writer}")}))
                    .await;
                match reply.status {
                    StatusCode::CREATED => acknowledged.push(id_of(&reply)),
                    StatusCode::SERVICE_UNAVAILABLE => unavailable += 1,
                    other => panic!("answered {other}: {}", reply.body),
                }
            }
            (acknowledged, unavailable)
        }
    });
    let results = futures::future::join_all(writers).await;
    let killed = killer.await.expect("the killer ran");
    admin.close().await;
    let acknowledged = results
        .iter()
        .flat_map(|(ids, _)| ids.iter().copied())
        .collect::<BTreeSet<_>>();
    let unavailable: i32 = results.iter().map(|(_, count)| count).sum();
    let stored = stored_ids(&test.db).await;
    assert!(killed > 0, "connections were terminated");
    assert!(
        acknowledged.is_subset(&stored),
        "acknowledged but not stored: {:?}",
        acknowledged.difference(&stored).collect::<Vec<_>>()
    );
    // A write whose answer was lost with its connection may be stored without a 201: at most
    // one per 503.
    assert!(stored.len() <= acknowledged.len() + usize::try_from(unavailable).unwrap_or(0));
    eprintln!(
        "terminated {killed} connections; {} writes acknowledged, {unavailable} answered 503, {} stored",
        acknowledged.len(),
        stored.len()
    );
}

/// A TCP proxy in front of PostgreSQL that can freeze its connections (stop passing bytes
/// while keeping them open, as a stopped server does) or cut them (as a restart does).
struct Proxy {
    address: SocketAddr,
    control: watch::Sender<Control>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Control {
    frozen: bool,
    /// Connections of an older generation are closed.
    generation: u64,
}

impl Proxy {
    async fn start(target: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("binds");
        let address = listener.local_addr().expect("an address");
        let (control, watcher) = watch::channel(Control::default());
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                tokio::spawn(pipe(client, target, watcher.clone()));
            }
        });
        Self { address, control }
    }

    fn freeze(&self, frozen: bool) {
        self.control.send_modify(|control| control.frozen = frozen);
    }

    fn cut(&self) {
        self.control.send_modify(|control| control.generation += 1);
    }
}

async fn pipe(mut client: TcpStream, target: SocketAddr, mut control: watch::Receiver<Control>) {
    let generation = control.borrow().generation;
    let Ok(mut server) = TcpStream::connect(target).await else {
        return;
    };
    let (mut from_client, mut to_client) = client.split();
    let (mut from_server, mut to_server) = server.split();
    let (mut up, mut down) = ([0_u8; 8192], [0_u8; 8192]);
    loop {
        let now = *control.borrow_and_update();
        if now.generation != generation {
            return;
        }
        if now.frozen {
            if control.changed().await.is_err() {
                return;
            }
            continue;
        }
        tokio::select! {
            read = from_client.read(&mut up) => match read {
                Ok(0) | Err(_) => return,
                Ok(n) => if to_server.write_all(&up[..n]).await.is_err() { return },
            },
            read = from_server.read(&mut down) => match read {
                Ok(0) | Err(_) => return,
                Ok(n) => if to_client.write_all(&down[..n]).await.is_err() { return },
            },
            changed = control.changed() => if changed.is_err() { return },
        }
    }
}

fn postgres_address() -> SocketAddr {
    let url = common::postgres_url();
    let connect = PgConnectOptions::from_str(&url).expect("a PostgreSQL URL");
    let host = match connect.get_host() {
        "localhost" => "127.0.0.1",
        host => host,
    };
    format!("{host}:{}", connect.get_port())
        .parse()
        .expect("PostgreSQL on an IP address")
}

/// A todo router on PostgreSQL through a proxy, with a short deadline on database calls.
async fn behind_proxy(options: DbOptions) -> (TestDb, Client, Proxy) {
    let proxy = Proxy::start(postgres_address()).await;
    let port = proxy.address.port();
    let test = TestDb::with_connect(Backend::Postgres, &options, move |connect| {
        connect.host("127.0.0.1").port(port)
    })
    .await;
    let client = Client::todo(&test.db).await;
    (test, client, proxy)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL; run with `cargo test -- --ignored`"]
async fn a_frozen_postgres_answers_503_within_the_deadline_then_heals() {
    let options = DbOptions::default()
        .with_operation_timeout(Duration::from_millis(500))
        .with_acquire_timeout(Duration::from_millis(400));
    let (test, client, proxy) = behind_proxy(options).await;
    let created = client
        .post("alice", TASKS, json!({"title": "before"}))
        .await;
    assert_eq!(created.status, StatusCode::CREATED);

    proxy.freeze(true);
    for request in 0..3 {
        let started = Instant::now();
        let reply = if request == 0 {
            client
                .post("alice", TASKS, json!({"title": "frozen"}))
                .await
        } else {
            client.get("alice", TASKS).await
        };
        let took = started.elapsed();
        assert_unavailable(&reply);
        assert!(took < Duration::from_secs(2), "answered after {took:?}");
        eprintln!("frozen: request {request} answered 503 after {took:?}");
    }
    proxy.freeze(false);
    // The pool heals by itself: within a few seconds every request is served.
    let started = Instant::now();
    loop {
        let reply = client.get("alice", TASKS).await;
        if reply.status == StatusCode::OK {
            break;
        }
        assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the pool did not heal"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    eprintln!("thawed: served again after {:?}", started.elapsed());
    let stored = stored_ids(&test.db).await;
    assert!(stored.contains(&id_of(&created)));
    assert!(stored.len() <= 2, "{stored:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL; run with `cargo test -- --ignored`"]
async fn connections_cut_while_the_pool_was_quiet_are_replaced_without_errors() {
    let (_test, client, proxy) = behind_proxy(DbOptions::default()).await;
    // Fill the pool with several connections.
    let replies = futures::future::join_all(
        (0..8).map(|_| client.post("alice", TASKS, json!({"title": "t"}))),
    )
    .await;
    assert!(
        replies
            .iter()
            .all(|reply| reply.status == StatusCode::CREATED)
    );
    // A restart of the database while nobody asks anything.
    proxy.cut();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let mut statuses = Vec::new();
    for request in 0..15 {
        let reply = if request % 3 == 2 {
            client.post("alice", TASKS, json!({"title": "after"})).await
        } else {
            client.get("alice", TASKS).await
        };
        statuses.push(reply.status.as_u16());
    }
    assert!(
        statuses.iter().all(|status| *status < 300),
        "after the restart: {statuses:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL; run with `cargo test -- --ignored`"]
async fn connections_cut_under_load_answer_503_never_500() {
    let options = DbOptions::default().with_ping_after_idle(None);
    let (test, client, proxy) = behind_proxy(options).await;
    let mut acknowledged = BTreeSet::new();
    let mut statuses = BTreeSet::new();
    for round in 0..5 {
        let replies = futures::future::join_all((0..6).map(|n| {
            let client = &client;
            async move {
                if n % 2 == 0 {
                    client.get("alice", TASKS).await
                } else {
                    client
                        .post("alice", TASKS, json!({"title": format!("r{round}")}))
                        .await
                }
            }
        }));
        let cut = async {
            tokio::time::sleep(Duration::from_millis(2)).await;
            proxy.cut();
        };
        let (replies, ()) = tokio::join!(replies, cut);
        for reply in replies {
            statuses.insert(reply.status.as_u16());
            assert!(
                matches!(reply.status.as_u16(), 200 | 201 | 503),
                "answered {}: {}",
                reply.status,
                reply.body
            );
            if reply.status == StatusCode::CREATED {
                acknowledged.insert(id_of(&reply));
            }
        }
    }
    let stored = stored_ids(&test.db).await;
    assert!(acknowledged.is_subset(&stored));
    eprintln!("statuses seen while cutting: {statuses:?}");
}

#[tokio::test]
async fn start_up_with_the_database_down_fails_with_the_real_cause() {
    // A port nobody listens on.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("binds");
        listener.local_addr().expect("an address").port()
    };
    let options = DbOptions::default().with_connect_timeout(Duration::from_millis(800));
    let started = Instant::now();
    let error = Db::connect_with(
        &format!("postgres://u:secret@127.0.0.1:{port}/db"),
        &options,
    )
    .await
    .expect_err("nothing listens");
    let took = started.elapsed();
    let message = error.to_string();
    assert!(message.contains("Connection refused"), "{message}");
    assert!(!message.contains("secret"), "{message}");
    assert!(
        took >= Duration::from_millis(300) && took < Duration::from_secs(3),
        "{took:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL; run with `cargo test -- --ignored`"]
async fn start_up_waits_for_a_database_that_comes_up() {
    // The proxy's port refuses connections for a while, then passes them to PostgreSQL.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("binds");
    let address = listener.local_addr().expect("an address");
    drop(listener);
    let target = postgres_address();
    let opener = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(700)).await;
        let listener = TcpListener::bind(address).await.expect("binds again");
        let (_control, watcher) = watch::channel(Control::default());
        loop {
            let Ok((client, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(pipe(client, target, watcher.clone()));
        }
    });
    let connect = PgConnectOptions::from_str(&common::postgres_url())
        .expect("a PostgreSQL URL")
        .host("127.0.0.1")
        .port(address.port());
    let options = DbOptions::default().with_connect_timeout(Duration::from_secs(10));
    let started = Instant::now();
    let db = Db::connect_postgres(connect, &options)
        .await
        .expect("connects once the database is up");
    assert!(started.elapsed() >= Duration::from_millis(600));
    let one: i32 = crud_core::sqlx::query_scalar("SELECT 1")
        .fetch_one(db.postgres().expect("PostgreSQL"))
        .await
        .expect("queries");
    assert_eq!(one, 1);
    db.close().await;
    opener.abort();
}

backend_tests!(updated_at_follows_the_order_of_writes);
