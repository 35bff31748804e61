//! SQL for guild settings and their history. Every write is a compare-and-swap on the section's
//! version plus a history row, in one transaction: a change is recorded completely or not at all.

use serde::Serialize;
use serde_json::Value;
use sqlx::Row as _;

use super::GuildConfigError;
use crate::clock::UnixMillis;
use crate::db::{Db, DbError};
use crate::ids::GuildId;

/// One stored section.
#[derive(Debug, Clone)]
pub struct StoredSection {
    /// Section name.
    pub section: String,
    /// Its version.
    pub version: i64,
    /// Its JSON value.
    pub value: Value,
}

/// One change in a guild's settings history.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HistoryEntry {
    /// Row id, increasing across all guilds.
    pub id: i64,
    /// The guild.
    pub guild: GuildId,
    /// The section changed.
    pub section: String,
    /// The version this change created.
    pub version: i64,
    /// The section before.
    pub old_value: Value,
    /// The section after.
    pub new_value: Value,
    /// Who changed it (`operator:alice`, `user:123`, `job:42`).
    pub actor: String,
    /// When.
    pub changed_at: UnixMillis,
    /// Why, where known (e.g. "rollback to version 2").
    pub note: Option<String>,
}

/// What a write should do.
#[derive(Debug)]
pub(super) struct Write<'a> {
    pub guild: GuildId,
    pub section: &'static str,
    pub expected_version: i64,
    pub old_value: &'a Value,
    pub new_value: &'a Value,
    pub actor: &'a str,
    pub note: Option<&'a str>,
    pub at: UnixMillis,
}

fn json(text: &str) -> Result<Value, DbError> {
    serde_json::from_str(text).map_err(|error| DbError::Corrupt(format!("settings JSON: {error}")))
}

pub(super) async fn load(db: &Db, guild: GuildId) -> Result<Vec<StoredSection>, DbError> {
    let rows =
        sqlx::query("SELECT section, version, value FROM guild_settings WHERE guild_id = $1")
            .bind(guild.to_db())
            .fetch_all(db.pool())
            .await?;
    rows.iter()
        .map(|row| {
            Ok(StoredSection {
                section: row.try_get("section")?,
                version: row.try_get("version")?,
                value: json(&row.try_get::<String, _>("value")?)?,
            })
        })
        .collect()
}

/// Writes a change; returns the new version.
pub(super) async fn write(db: &Db, change: &Write<'_>) -> Result<i64, GuildConfigError> {
    let new_text = change.new_value.to_string();
    let mut transaction = db.begin_write().await?;
    let written = if change.expected_version == 0 {
        sqlx::query(
            "INSERT INTO guild_settings (guild_id, section, version, value, updated_at, updated_by)
             VALUES ($1, $2, 1, $3, $4, $5)
             ON CONFLICT (guild_id, section) DO NOTHING
             RETURNING version",
        )
        .bind(change.guild.to_db())
        .bind(change.section)
        .bind(&new_text)
        .bind(change.at.0)
        .bind(change.actor)
        .fetch_optional(&mut *transaction)
        .await?
    } else {
        sqlx::query(
            "UPDATE guild_settings SET version = version + 1, value = $3, updated_at = $4, updated_by = $5
             WHERE guild_id = $1 AND section = $2 AND version = $6
             RETURNING version",
        )
        .bind(change.guild.to_db())
        .bind(change.section)
        .bind(&new_text)
        .bind(change.at.0)
        .bind(change.actor)
        .bind(change.expected_version)
        .fetch_optional(&mut *transaction)
        .await?
    };
    let Some(row) = written else {
        transaction.rollback().await?;
        let current = current_version(db, change.guild, change.section).await?;
        return Err(GuildConfigError::Conflict {
            section: change.section,
            current,
        });
    };
    let version: i64 = row.try_get("version")?;
    sqlx::query(
        "INSERT INTO guild_settings_history
             (guild_id, section, version, old_value, new_value, actor, changed_at, note)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(change.guild.to_db())
    .bind(change.section)
    .bind(version)
    .bind(change.old_value.to_string())
    .bind(&new_text)
    .bind(change.actor)
    .bind(change.at.0)
    .bind(change.note.map(str::to_owned))
    .execute(&mut *transaction)
    .await?;
    transaction.commit().await?;
    Ok(version)
}

async fn current_version(db: &Db, guild: GuildId, section: &str) -> Result<i64, DbError> {
    let row =
        sqlx::query("SELECT version FROM guild_settings WHERE guild_id = $1 AND section = $2")
            .bind(guild.to_db())
            .bind(section)
            .fetch_optional(db.pool())
            .await?;
    Ok(match row {
        Some(row) => row.try_get("version")?,
        None => 0,
    })
}

const HISTORY_COLUMNS: &str =
    "id, guild_id, section, version, old_value, new_value, actor, changed_at, note";

fn history_entry(row: &sqlx::any::AnyRow) -> Result<HistoryEntry, DbError> {
    Ok(HistoryEntry {
        id: row.try_get("id")?,
        guild: GuildId::from_db(row.try_get("guild_id")?),
        section: row.try_get("section")?,
        version: row.try_get("version")?,
        old_value: json(&row.try_get::<String, _>("old_value")?)?,
        new_value: json(&row.try_get::<String, _>("new_value")?)?,
        actor: row.try_get("actor")?,
        changed_at: UnixMillis(row.try_get("changed_at")?),
        note: row.try_get("note")?,
    })
}

/// A guild's history, newest first, optionally of one section.
pub(super) async fn history(
    db: &Db,
    guild: GuildId,
    section: Option<&str>,
    limit: i64,
) -> Result<Vec<HistoryEntry>, DbError> {
    let rows = match section {
        Some(section) => {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {HISTORY_COLUMNS} FROM guild_settings_history
                 WHERE guild_id = $1 AND section = $2 ORDER BY id DESC LIMIT $3"
            )))
            .bind(guild.to_db())
            .bind(section.to_owned())
            .bind(limit)
            .fetch_all(db.pool())
            .await?
        }
        None => {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {HISTORY_COLUMNS} FROM guild_settings_history
                 WHERE guild_id = $1 ORDER BY id DESC LIMIT $2"
            )))
            .bind(guild.to_db())
            .bind(limit)
            .fetch_all(db.pool())
            .await?
        }
    };
    rows.iter().map(history_entry).collect()
}

/// The history entry that created `version` of a section.
pub(super) async fn history_at(
    db: &Db,
    guild: GuildId,
    section: &str,
    version: i64,
) -> Result<Option<HistoryEntry>, DbError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {HISTORY_COLUMNS} FROM guild_settings_history
         WHERE guild_id = $1 AND section = $2 AND version = $3"
    )))
    .bind(guild.to_db())
    .bind(section.to_owned())
    .bind(version)
    .fetch_optional(db.pool())
    .await?;
    row.as_ref().map(history_entry).transpose()
}
