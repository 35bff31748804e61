//! The SQL database: SQLite (the embedded default) or PostgreSQL, through one code path.
//!
//! Queries are portable SQL on sqlx's `Any` driver (`$1` placeholders, `ON CONFLICT ... DO
//! UPDATE` and `RETURNING` behave the same on both). Backend-specific SQL lives in small, named
//! places and branches on [`Db::backend`] (job claiming with `FOR UPDATE SKIP LOCKED`).

mod change_log;
mod migrations;

pub use change_log::ChangeLog;

use std::path::Path;
use std::time::Duration;

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{AnyPool, Connection as _, Executor as _};

pub use migrations::{
    MigrationReport, MigrationState, MigrationStatus, embedded as embedded_migrations,
};

/// Which database is behind a [`Db`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// SQLite, a file in the data directory.
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

impl Backend {
    /// The backend a URL names.
    ///
    /// # Errors
    /// [`DbError::UnsupportedUrl`] for anything but `sqlite:` and `postgres:`/`postgresql:`.
    pub fn of_url(url: &str) -> Result<Self, DbError> {
        let scheme = url.split(':').next().unwrap_or_default();
        match scheme {
            "sqlite" => Ok(Self::Sqlite),
            "postgres" | "postgresql" => Ok(Self::Postgres),
            _ => Err(DbError::UnsupportedUrl {
                scheme: scheme.to_owned(),
            }),
        }
    }

    /// `sqlite` or `postgres`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgres",
        }
    }
}

/// A database failure.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// The URL names a database Guildhall does not speak.
    #[error(
        "database URL scheme `{scheme}:` is not supported; use sqlite://path/to/file.db or postgres://user@host/db"
    )]
    UnsupportedUrl {
        /// The scheme given.
        scheme: String,
    },
    /// The SQLite file's directory could not be created.
    #[error("cannot create data directory {path}: {source}")]
    DataDir {
        /// The directory.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The database could not be reached or answered with an error.
    #[error("database error: {0}")]
    Sql(#[from] sqlx::Error),
    /// A migration failed.
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// Stored data could not be read back (e.g. JSON that no longer parses).
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
}

/// A connection pool to Guildhall's database.
#[derive(Debug, Clone)]
pub struct Db {
    pool: AnyPool,
    backend: Backend,
}

/// How to open the pool.
#[derive(Debug, Clone)]
pub struct DbOptions {
    /// Most connections.
    pub max_connections: u32,
    /// How long to wait for a connection.
    pub connect_timeout: Duration,
}

impl Default for DbOptions {
    fn default() -> Self {
        Self {
            max_connections: 10,
            connect_timeout: Duration::from_secs(10),
        }
    }
}

impl Db {
    /// Opens a pool to `url`. A SQLite file is created (with its directory) if missing and put in
    /// WAL mode, so readers never wait for the writer.
    ///
    /// # Errors
    /// [`DbError`] when the URL is unsupported or the database cannot be reached.
    pub async fn connect(url: &str, options: &DbOptions) -> Result<Self, DbError> {
        install_default_drivers();
        let backend = Backend::of_url(url)?;
        if backend == Backend::Sqlite {
            prepare_sqlite_file(url).await?;
        }
        let pool = AnyPoolOptions::new()
            .max_connections(options.max_connections.max(1))
            .acquire_timeout(options.connect_timeout)
            .after_connect(move |connection, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // WAL makes NORMAL durable across application crashes; only an OS crash
                        // can lose the last transactions.
                        connection.execute("PRAGMA synchronous = NORMAL").await?;
                        connection.execute("PRAGMA foreign_keys = ON").await?;
                        connection.execute("PRAGMA busy_timeout = 10000").await?;
                    }
                    Ok(())
                })
            })
            .connect(url)
            .await?;
        Ok(Self { pool, backend })
    }

    /// The pool, for stores in this crate.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Begins a transaction that will write. On SQLite it is `BEGIN IMMEDIATE`: the write lock
    /// is taken at the start, so a transaction that reads before it writes waits its turn
    /// (`busy_timeout`) instead of failing with "database is locked" (SQLITE_BUSY_SNAPSHOT)
    /// when another writer committed in between. PostgreSQL begins as usual.
    ///
    /// # Errors
    /// [`sqlx::Error`] when no connection can be had or the transaction cannot begin.
    pub async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>, sqlx::Error> {
        match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => self.pool.begin().await,
        }
    }

    /// Which database this is.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Checks the database answers.
    ///
    /// # Errors
    /// [`DbError::Sql`] when it does not.
    pub async fn ping(&self) -> Result<(), DbError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Closes every connection.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Creates the SQLite file's directory and switches the file to WAL once, on a single
/// connection: changing the journal mode needs an exclusive lock that a busy pool could not get.
async fn prepare_sqlite_file(url: &str) -> Result<(), DbError> {
    let path = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:")
        .split('?')
        .next()
        .unwrap_or_default();
    if path.is_empty() || path == ":memory:" || url.contains("mode=memory") {
        return Ok(());
    }
    if let Some(parent) = Path::new(path)
        .parent()
        .filter(|parent| !parent.as_os_str().is_empty())
    {
        std::fs::create_dir_all(parent).map_err(|source| DbError::DataDir {
            path: parent.display().to_string(),
            source,
        })?;
    }
    let mut connection = sqlx::AnyConnection::connect(url).await?;
    connection.execute("PRAGMA journal_mode = WAL").await?;
    connection.close().await?;
    Ok(())
}

/// The `VALUES` list of a multi-row insert: `($1, $2), ($3, $4)` for 2 rows of 2 columns, the
/// parameters numbered row by row (both backends take `$n`).
pub fn row_placeholders(rows: usize, columns: usize) -> String {
    (0..rows)
        .map(|row| {
            let cells: Vec<String> = (1..=columns)
                .map(|column| format!("${}", row * columns + column))
                .collect();
            format!("({})", cells.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}
