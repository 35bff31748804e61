//! The embedded schema migrations of both backends, and their status.
//!
//! Migrations are append-only: never edit one that has landed; add the next number instead,
//! to both `migrations/sqlite` and `migrations/postgres`.

use std::borrow::Cow;

use serde::Serialize;
use sqlx::migrate::{Migrate as _, Migration, MigrationType, Migrator};
use sqlx::{AssertSqlSafe, SqlSafeStr as _};

use super::{Backend, Db, DbError};

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/migrations.rs"));
}

const TABLE: &str = "_sqlx_migrations";

fn migrator(backend: Backend) -> Migrator {
    let files = match backend {
        Backend::Sqlite => embedded::SQLITE,
        Backend::Postgres => embedded::POSTGRES,
    };
    let migrations = files
        .iter()
        .map(|(version, description, sql)| {
            Migration::new(
                *version,
                Cow::Borrowed(*description),
                MigrationType::Simple,
                AssertSqlSafe(*sql).into_sql_str(),
                false,
            )
        })
        .collect();
    Migrator::with_migrations(migrations)
}

/// The migrations embedded for a backend: (version, description), oldest first.
pub fn embedded(backend: Backend) -> Vec<(i64, &'static str)> {
    let files = match backend {
        Backend::Sqlite => embedded::SQLITE,
        Backend::Postgres => embedded::POSTGRES,
    };
    files
        .iter()
        .map(|(version, description, _)| (*version, *description))
        .collect()
}

/// Whether one migration has been applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MigrationState {
    /// Applied, and the file still matches what was applied.
    Applied,
    /// Not yet applied.
    Pending,
    /// Applied, but the embedded file differs from what was applied (someone edited a landed
    /// migration).
    Modified,
}

/// One migration and its state.
#[derive(Debug, Clone, Serialize)]
pub struct MigrationStatus {
    /// Its number.
    pub version: i64,
    /// What it does.
    pub description: String,
    /// Applied or not.
    pub state: MigrationState,
}

/// What `migrate` did.
#[derive(Debug, Clone, Serialize)]
pub struct MigrationReport {
    /// `sqlite` or `postgres`.
    pub backend: &'static str,
    /// Versions applied by this run.
    pub applied: Vec<i64>,
    /// Every migration and its state after the run.
    pub status: Vec<MigrationStatus>,
}

impl Db {
    /// Applies every pending migration. Running it again changes nothing.
    ///
    /// # Errors
    /// [`DbError::Migrate`] when a migration fails (it is rolled back) or an applied one was edited.
    pub async fn migrate(&self) -> Result<MigrationReport, DbError> {
        let before = self.migration_status().await?;
        migrator(self.backend).run(&self.pool).await?;
        let status = self.migration_status().await?;
        let applied = before
            .iter()
            .filter(|migration| migration.state == MigrationState::Pending)
            .map(|migration| migration.version)
            .collect();
        Ok(MigrationReport {
            backend: self.backend.name(),
            applied,
            status,
        })
    }

    /// Lists every embedded migration with whether it has been applied.
    ///
    /// # Errors
    /// [`DbError`] when the database cannot be read.
    pub async fn migration_status(&self) -> Result<Vec<MigrationStatus>, DbError> {
        let mut connection = self.pool.acquire().await?;
        connection.ensure_migrations_table(TABLE).await?;
        let applied = connection.list_applied_migrations(TABLE).await?;
        Ok(migrator(self.backend)
            .iter()
            .map(|migration| {
                let state = match applied
                    .iter()
                    .find(|done| done.version == migration.version)
                {
                    None => MigrationState::Pending,
                    Some(done) if done.checksum == migration.checksum => MigrationState::Applied,
                    Some(_) => MigrationState::Modified,
                };
                MigrationStatus {
                    version: migration.version,
                    description: migration.description.to_string(),
                    state,
                }
            })
            .collect())
    }
}
