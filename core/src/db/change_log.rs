//! Change logs other processes poll: append-only tables with an increasing `id` and the
//! `guild_id` that changed (the settings history, premium's changes). A process without Redis,
//! or one that missed an announcement, asks which guilds changed after the last id it saw.

use sqlx::{AssertSqlSafe, Row as _};

use super::{Db, DbError};
use crate::ids::GuildId;

/// A change log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeLog {
    /// `guild_settings_history`.
    Settings,
    /// `premium_changes`.
    Premium,
}

impl ChangeLog {
    const fn table(self) -> &'static str {
        match self {
            Self::Settings => "guild_settings_history",
            Self::Premium => "premium_changes",
        }
    }

    /// The newest id (0 when the log is empty).
    ///
    /// # Errors
    /// Storage errors.
    pub async fn latest(self, db: &Db) -> Result<i64, DbError> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT COALESCE(MAX(id), 0) AS latest FROM {}",
            self.table()
        )))
        .fetch_one(db.pool())
        .await?;
        Ok(row.try_get("latest")?)
    }

    /// The guilds changed after id `after`, with the newest id seen.
    ///
    /// # Errors
    /// Storage errors.
    pub async fn since(self, db: &Db, after: i64) -> Result<(Vec<GuildId>, i64), DbError> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT guild_id, MAX(id) AS latest FROM {} WHERE id > $1 GROUP BY guild_id",
            self.table()
        )))
        .bind(after)
        .fetch_all(db.pool())
        .await?;
        let mut latest = after;
        let mut guilds = Vec::with_capacity(rows.len());
        for row in &rows {
            guilds.push(GuildId::from_db(row.try_get("guild_id")?));
            latest = latest.max(row.try_get("latest")?);
        }
        Ok((guilds, latest))
    }
}
