//! Per-guild settings: typed sections, validated on every write, versioned with a history that
//! any change can be rolled back to, and cached in process so the message path never reads the
//! database.
//!
//! - [`sections`]: the typed sections (`general`, `features`, ... one per feature) and the
//!   registry that finds a section by name.
//! - [`fields`]: what each section's generic form shows, and [`parse_form`], which reads a
//!   submitted form back into the section's JSON with a message per refused field.
//! - [`store`]: the SQL (`guild_settings`, `guild_settings_history`).
//! - [`service`]: [`GuildConfigService`], the cache and its invalidation. A change is applied
//!   to the writer's cache at once and announced on the coordination bus (in process, or Redis
//!   pub/sub when configured); every process also polls the history's high-water mark, so a
//!   change made by another process without Redis (the CLI against a running `serve`) is picked
//!   up within the sync interval.

pub mod display;
pub mod fields;
pub mod scheduled;
pub mod sections;
pub mod service;
pub mod store;

pub use fields::{ChannelFilter, Field, FieldKind, FormErrors, parse_form};
pub use sections::{Commands, Features, General, GuildSettings, Section, SectionOps};
pub use service::{Change, GuildConfigService, TOPIC};
pub use store::HistoryEntry;

use crate::db::DbError;

/// A settings request that could not be carried out. Every message names the key and what is
/// accepted.
#[derive(Debug, thiserror::Error)]
pub enum GuildConfigError {
    /// No section has this name.
    #[error("unknown settings section `{name}`; sections are: {}", sections.join(", "))]
    UnknownSection {
        /// The name given.
        name: String,
        /// The sections there are.
        sections: Vec<&'static str>,
    },
    /// No such key.
    #[error("unknown settings key `{key}`; {}", describe_keys(section, keys))]
    UnknownKey {
        /// The key given.
        key: String,
        /// The section it was looked for in (empty when the section itself is unknown).
        section: &'static str,
        /// The keys there are (in that section, or all of them).
        keys: Vec<String>,
    },
    /// A section was named where a key was expected.
    #[error("`{key}` is a section, not a key; its keys are: {}", keys.join(", "))]
    NotAKey {
        /// The section name given.
        key: String,
        /// Its keys.
        keys: Vec<String>,
    },
    /// The value is not acceptable; the message says why and what is.
    #[error("{message}")]
    Invalid {
        /// The key.
        key: String,
        /// The whole message, starting with the key.
        message: String,
    },
    /// Someone else changed the section between read and write.
    #[error(
        "{section} was changed by someone else (now at version {current}); reload and try again"
    )]
    Conflict {
        /// The section.
        section: &'static str,
        /// Its version now.
        current: i64,
    },
    /// Rollback to a version that does not exist.
    #[error("{section} has no version {version}; versions are 0 (the defaults) to {latest}")]
    NoSuchVersion {
        /// The section.
        section: &'static str,
        /// The version asked for.
        version: i64,
        /// The latest version.
        latest: i64,
    },
    /// The database failed.
    #[error(transparent)]
    Storage(#[from] DbError),
}

impl From<sqlx::Error> for GuildConfigError {
    fn from(error: sqlx::Error) -> Self {
        Self::Storage(DbError::Sql(error))
    }
}

fn describe_keys(section: &str, keys: &[String]) -> String {
    if section.is_empty() {
        format!("settings keys are: {}", keys.join(", "))
    } else {
        format!("keys in `{section}` are: {}", keys.join(", "))
    }
}
