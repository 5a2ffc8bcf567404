//! What a failed database call means for the client: whose fault it is and how it is
//! answered, decided by the error's kind and code, never by its text.

/// How a failed database call is answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Failure {
    /// 400: a value the database cannot hold (PostgreSQL's data exceptions, class `22`).
    BadValue,
    /// 409: the write breaks a constraint of the database (unique, foreign key, check, not
    /// null).
    Conflict,
    /// 507: the database has no room left (SQLite's `SQLITE_FULL`, PostgreSQL's `disk_full`).
    Full,
    /// 503: the database is unreachable, restarting, busy, read-only or out of resources, or
    /// the call timed out. Nothing is wrong with the request: it may succeed later.
    Unavailable,
    /// 500: anything else, a bug of the application or of the library.
    Bug,
}

/// SQLite's primary result codes (the low byte of an extended code).
mod sqlite {
    pub(super) const BUSY: i64 = 5;
    pub(super) const LOCKED: i64 = 6;
    pub(super) const NOMEM: i64 = 7;
    pub(super) const READONLY: i64 = 8;
    pub(super) const INTERRUPT: i64 = 9;
    pub(super) const IOERR: i64 = 10;
    pub(super) const FULL: i64 = 13;
    pub(super) const CANTOPEN: i64 = 14;
    pub(super) const PROTOCOL: i64 = 15;
    pub(super) const TOOBIG: i64 = 18;
    pub(super) const CONSTRAINT: i64 = 19;
    pub(super) const MISMATCH: i64 = 20;
    pub(super) const RANGE: i64 = 25;
}

/// Which [`Failure`] a database error is.
pub fn classify(error: &sqlx::Error) -> Failure {
    match error {
        sqlx::Error::Database(error) => match (error.code(), is_sqlite(&**error)) {
            (Some(code), true) => sqlite_failure(&code),
            (Some(code), false) => postgres_failure(&code),
            (None, _) => Failure::Bug,
        },
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::Protocol(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed => Failure::Unavailable,
        _ => Failure::Bug,
    }
}

/// Whether the error is SQLite's (its codes are numbers, as some of PostgreSQL's are).
fn is_sqlite(error: &dyn sqlx::error::DatabaseError) -> bool {
    error
        .try_downcast_ref::<sqlx::sqlite::SqliteError>()
        .is_some()
}

/// The primary result code of a SQLite extended code (its low byte); -1 for no number.
fn sqlite_primary(code: &str) -> i64 {
    code.parse::<i64>().map_or(-1, |code| code & 0xff)
}

fn sqlite_failure(code: &str) -> Failure {
    match sqlite_primary(code) {
        sqlite::FULL => Failure::Full,
        sqlite::CONSTRAINT => Failure::Conflict,
        sqlite::TOOBIG | sqlite::MISMATCH | sqlite::RANGE => Failure::BadValue,
        sqlite::BUSY
        | sqlite::LOCKED
        | sqlite::NOMEM
        | sqlite::READONLY
        | sqlite::INTERRUPT
        | sqlite::IOERR
        | sqlite::CANTOPEN
        | sqlite::PROTOCOL => Failure::Unavailable,
        _ => Failure::Bug,
    }
}

/// PostgreSQL's SQLSTATE codes: the class is the first two characters.
fn postgres_failure(code: &str) -> Failure {
    match code {
        "53100" => Failure::Full,
        // A read-only transaction (a standby); a serialization failure or a deadlock.
        "25006" | "40001" | "40P01" => Failure::Unavailable,
        _ => match code.get(..2) {
            // Data exceptions; a value past a limit of the server (an index entry too long).
            Some("22" | "54") => Failure::BadValue,
            Some("23") => Failure::Conflict,
            // Connection exceptions, insufficient resources, operator intervention (the
            // statement timeout, a shutdown, a crash, a restart, an idle session ended), system
            // (I/O) errors.
            Some("08" | "53" | "57" | "58") => Failure::Unavailable,
            _ => Failure::Bug,
        },
    }
}

/// Whether the connection turned out dead before the statement could run: a read may be
/// retried once on another connection.
pub(crate) fn connection_lost(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Io(_) | sqlx::Error::Tls(_) | sqlx::Error::Protocol(_) => true,
        sqlx::Error::Database(error) => error.code().is_some_and(|code| {
            matches!(&*code, "57P01" | "57P02" | "57P03" | "57P05") || code.starts_with("08")
        }),
        _ => false,
    }
}

/// Whether an error on connecting may go away by itself (the server is not up yet, or is
/// restarting), so that connecting again later is worth it.
pub(crate) fn transient_at_connect(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Io(_) | sqlx::Error::Tls(_) | sqlx::Error::PoolTimedOut => true,
        sqlx::Error::Database(error) => match (error.code().as_deref(), is_sqlite(&**error)) {
            (Some(code), true) => matches!(sqlite_primary(code), sqlite::BUSY | sqlite::LOCKED),
            (Some(code), false) => matches!(code, "57P03" | "53300") || code.starts_with("08"),
            (None, _) => false,
        },
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_codes_by_primary_code() {
        let cases = [
            ("13", Failure::Full),
            ("5", Failure::Unavailable),
            ("517", Failure::Unavailable), // SQLITE_BUSY_SNAPSHOT
            ("8", Failure::Unavailable),
            ("1032", Failure::Unavailable), // SQLITE_READONLY_DBMOVED
            ("10", Failure::Unavailable),
            ("3850", Failure::Unavailable), // SQLITE_IOERR_FSYNC... family
            ("2067", Failure::Conflict),    // SQLITE_CONSTRAINT_UNIQUE
            ("787", Failure::Conflict),     // SQLITE_CONSTRAINT_FOREIGNKEY
            ("18", Failure::BadValue),
            ("1", Failure::Bug), // SQLITE_ERROR: a bad statement
            ("11", Failure::Bug),
        ];
        for (code, failure) in cases {
            assert_eq!(sqlite_failure(code), failure, "code {code}");
        }
    }

    #[test]
    fn postgres_codes_by_state() {
        let cases = [
            ("53100", Failure::Full),
            ("53300", Failure::Unavailable),
            ("57014", Failure::Unavailable),
            ("57P01", Failure::Unavailable),
            ("08006", Failure::Unavailable),
            ("40001", Failure::Unavailable),
            ("23505", Failure::Conflict),
            ("23503", Failure::Conflict),
            ("22008", Failure::BadValue),
            ("22P05", Failure::BadValue),
            ("54000", Failure::BadValue),    // an index row too long
            ("57P05", Failure::Unavailable), // idle session timeout
            ("42P01", Failure::Bug),         // undefined table
            ("XX000", Failure::Bug),
        ];
        for (code, failure) in cases {
            assert_eq!(postgres_failure(code), failure, "code {code}");
        }
    }

    #[test]
    fn errors_outside_the_database() {
        let io = || sqlx::Error::Io(std::io::ErrorKind::ConnectionReset.into());
        assert_eq!(classify(&io()), Failure::Unavailable);
        assert!(connection_lost(&io()));
        assert!(transient_at_connect(&io()));
        assert_eq!(classify(&sqlx::Error::PoolTimedOut), Failure::Unavailable);
        assert_eq!(classify(&sqlx::Error::PoolClosed), Failure::Unavailable);
        assert_eq!(classify(&sqlx::Error::WorkerCrashed), Failure::Bug);
        assert_eq!(classify(&sqlx::Error::RowNotFound), Failure::Bug);
        assert!(!connection_lost(&sqlx::Error::PoolTimedOut));
        assert!(!transient_at_connect(&sqlx::Error::Configuration(
            "bad".into()
        )));
    }
}
