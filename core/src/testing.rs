//! Test support: a fresh database per test on each backend, and service discovery that skips
//! politely on a developer machine but fails under `CI=true`.
//!
//! Enabled by the `test-support` feature; used by this crate's tests and by other crates'.

use std::time::Duration;

use rand::Rng as _;
use sqlx::{AssertSqlSafe, Connection as _, Executor as _};

use crate::db::{Backend, Db, DbOptions};

/// Whether this run is CI, where a missing service is a failure rather than a skip.
pub fn is_ci() -> bool {
    std::env::var("CI").is_ok_and(|value| value == "true" || value == "1")
}

/// The URL of an external service from the environment variable `variable`.
///
/// Without it, a note says the `suite` was skipped and `None` is returned; under `CI=true` this
/// panics instead, because CI must run every suite.
///
/// # Panics
/// Under `CI=true` when `variable` is unset.
pub fn service_url(variable: &str, suite: &str) -> Option<String> {
    match std::env::var(variable) {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ if is_ci() => {
            panic!("CI=true but {variable} is not set: the {suite} tests cannot be skipped in CI")
        }
        _ => {
            eprintln!("skipped: {suite} tests ({variable} is not set)");
            None
        }
    }
}

/// A database that exists only for one test and is dropped with it.
#[derive(Debug)]
pub struct TestDb {
    /// The pool.
    pub db: Db,
    /// Its URL, for handing to the `guildhall` binary.
    pub url: String,
    _guard: Guard,
}

#[derive(Debug)]
enum Guard {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

impl TestDb {
    /// The backend.
    pub fn backend(&self) -> Backend {
        self.db.backend()
    }
}

fn random_name() -> String {
    unique_name("gh_test")
}

/// `prefix` followed by a random suffix: a database, key prefix or topic no other test uses.
pub fn unique_name(prefix: &str) -> String {
    format!("{prefix}_{:016x}", rand::rng().random::<u64>())
}

/// A fresh SQLite file in a temporary directory, not yet migrated.
///
/// # Panics
/// When the file cannot be created.
pub async fn sqlite_unmigrated() -> TestDb {
    let dir = tempfile::tempdir().expect("temporary directory");
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("guildhall.db").display()
    );
    let db = Db::connect(&url, &DbOptions::default())
        .await
        .expect("open SQLite test database");
    TestDb {
        db,
        url,
        _guard: Guard::Sqlite(dir),
    }
}

/// A fresh, empty PostgreSQL database on the server named by `DATABASE_URL`, not yet migrated;
/// `None` (with a note) when `DATABASE_URL` is unset outside CI.
///
/// # Panics
/// When the server cannot be reached, or under `CI=true` without `DATABASE_URL`.
pub async fn postgres_unmigrated() -> Option<TestDb> {
    let admin_url = service_url("DATABASE_URL", "PostgreSQL")?;
    assert_eq!(
        Backend::of_url(&admin_url).ok(),
        Some(Backend::Postgres),
        "DATABASE_URL must be a postgres:// URL for the PostgreSQL tests"
    );
    let name = random_name();
    let mut admin = sqlx::PgConnection::connect(&admin_url)
        .await
        .unwrap_or_else(|error| panic!("cannot reach PostgreSQL at DATABASE_URL: {error}"));
    admin
        .execute(AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .await
        .expect("create test database");
    admin.close().await.ok();
    let url = with_database(&admin_url, &name);
    let options = DbOptions {
        max_connections: 5,
        connect_timeout: Duration::from_secs(10),
    };
    let db = Db::connect(&url, &options)
        .await
        .expect("open PostgreSQL test database");
    Some(TestDb {
        db,
        url,
        _guard: Guard::Postgres { admin_url, name },
    })
}

/// Every backend this run can test, each a fresh migrated database: SQLite always, PostgreSQL
/// when `DATABASE_URL` is set (always in CI).
///
/// # Panics
/// When a database cannot be created or migrated.
pub async fn backends() -> Vec<TestDb> {
    let mut all = vec![sqlite_unmigrated().await];
    all.extend(postgres_unmigrated().await);
    for test_db in &all {
        test_db.db.migrate().await.expect("migrate test database");
    }
    all
}

/// Polls `check` until it returns `Some`, for at most `within`; the test's way to wait on a
/// condition instead of sleeping.
///
/// # Panics
/// When the deadline passes, naming `what` was awaited.
pub async fn wait_for<T, F, Fut>(what: &str, within: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + within;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out after {within:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The shape of a migrated database: each table (except sqlx's own) with its column names, so
/// the two backends can be compared.
///
/// # Panics
/// When the catalog cannot be read.
pub async fn schema_of(db: &Db) -> std::collections::BTreeMap<String, Vec<String>> {
    use sqlx::Row as _;
    let sql = match db.backend() {
        Backend::Sqlite => {
            "SELECT m.name AS table_name, p.name AS column_name FROM sqlite_master m, pragma_table_info(m.name) p
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> '_sqlx_migrations'"
        }
        Backend::Postgres => {
            "SELECT table_name::text AS table_name, column_name::text AS column_name FROM information_schema.columns
             WHERE table_schema = 'public' AND table_name <> '_sqlx_migrations'"
        }
    };
    let rows = sqlx::query(sql)
        .fetch_all(db.pool())
        .await
        .expect("read the catalog");
    let mut schema: std::collections::BTreeMap<String, Vec<String>> =
        std::collections::BTreeMap::new();
    for row in rows {
        let table: String = row.try_get("table_name").expect("table name");
        let column: String = row.try_get("column_name").expect("column name");
        schema.entry(table).or_default().push(column);
    }
    for columns in schema.values_mut() {
        columns.sort();
    }
    schema
}

/// `url` with its database name replaced by `name`.
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let authority_start = base.find("://").map_or(0, |index| index + 3);
    let base = match base[authority_start..].find('/') {
        Some(slash) => &base[..authority_start + slash],
        None => base,
    };
    match query {
        Some(query) => format!("{base}/{name}?{query}"),
        None => format!("{base}/{name}"),
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        if let Guard::Postgres { admin_url, name } = self {
            let admin_url = admin_url.clone();
            let database = name.clone();
            // Drop cannot await, and the test's runtime may be shutting down: use a thread of
            // our own with its own small runtime.
            let dropped = std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .ok()?;
                runtime.block_on(async move {
                    let mut admin = sqlx::PgConnection::connect(&admin_url).await.ok()?;
                    admin
                        .execute(AssertSqlSafe(format!(
                            "DROP DATABASE IF EXISTS {database} WITH (FORCE)"
                        )))
                        .await
                        .ok()?;
                    admin.close().await.ok()
                })
            })
            .join();
            if !matches!(dropped, Ok(Some(()))) {
                eprintln!("note: test database {name} was not dropped");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn replaces_the_database_name() {
        assert_eq!(
            with_database("postgres://u@h:5432/test", "x"),
            "postgres://u@h:5432/x"
        );
        assert_eq!(
            with_database("postgres://u@h/test?sslmode=disable", "x"),
            "postgres://u@h/x?sslmode=disable"
        );
        assert_eq!(with_database("postgres://u@h", "x"), "postgres://u@h/x");
    }
}

/// The bot's executor stand-in for tests, shared by every feature's tests: records every effect
/// it is asked to perform, can be made to fail (Discord refusing, or down), and can answer a
/// posted message with the JSON Discord would return (so posts record their message id).
#[derive(Debug, Default)]
pub struct RecordingSink {
    performed: std::sync::Mutex<Vec<crate::effect::Effect>>,
    failure: std::sync::Mutex<Option<crate::effect::EffectError>>,
    post_answer: std::sync::Mutex<Option<serde_json::Value>>,
}

impl RecordingSink {
    /// A sink that accepts everything.
    pub fn new() -> Self {
        Self::default()
    }

    /// A sink that answers every posted message with `answer` (e.g. `{"id": "555", ...}`).
    pub fn answering_posts(answer: serde_json::Value) -> Self {
        let sink = Self::default();
        *lock(&sink.post_answer) = Some(answer);
        sink
    }

    /// From now on every effect fails with `failure` (`None`: they succeed again).
    pub fn fail_with(&self, failure: Option<crate::effect::EffectError>) {
        *lock(&self.failure) = failure;
    }

    /// The effects performed so far.
    pub fn performed(&self) -> Vec<crate::effect::Effect> {
        lock(&self.performed).clone()
    }

    /// The effects performed so far, forgetting them.
    pub fn take(&self) -> Vec<crate::effect::Effect> {
        std::mem::take(&mut *lock(&self.performed))
    }

    /// The text of every message posted so far (other effects as their debug form).
    pub fn texts(&self) -> Vec<String> {
        lock(&self.performed)
            .iter()
            .map(|effect| match effect {
                crate::effect::Effect::SendMessage { message, .. } => message.content.clone(),
                other => format!("{other:?}"),
            })
            .collect()
    }
}

fn lock<T>(mutex: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[async_trait::async_trait]
impl crate::effect::EffectSink for RecordingSink {
    async fn perform(
        &self,
        guild: Option<crate::ids::GuildId>,
        effect: &crate::effect::Effect,
    ) -> Result<(), crate::effect::EffectError> {
        self.perform_returning(guild, effect).await.map(|_| ())
    }

    async fn perform_returning(
        &self,
        _guild: Option<crate::ids::GuildId>,
        effect: &crate::effect::Effect,
    ) -> Result<Option<serde_json::Value>, crate::effect::EffectError> {
        if let Some(failure) = lock(&self.failure).clone() {
            return Err(failure);
        }
        lock(&self.performed).push(effect.clone());
        Ok(match effect {
            crate::effect::Effect::SendMessage { .. } => lock(&self.post_answer).clone(),
            _ => None,
        })
    }
}
