//! The operator audit log: who changed what from the CLI, console or dashboard.

use serde::Serialize;
use serde_json::Value;
use sqlx::Row as _;

use crate::clock::UnixMillis;
use crate::db::{Db, DbError};
use crate::ids::GuildId;

/// One audited action.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditEntry {
    /// Row id.
    pub id: i64,
    /// When.
    pub at: UnixMillis,
    /// Who (`operator:alice`, `user:123`).
    pub actor: String,
    /// What, as `area.verb` (`config.set`, `jobs.cancel`, `migrate`).
    pub action: String,
    /// The guild, if the action concerned one.
    pub guild: Option<GuildId>,
    /// What it acted on (a key, a job id).
    pub target: Option<String>,
    /// Details.
    pub detail: Value,
}

/// Appends an entry.
///
/// # Errors
/// [`DbError`] when the write fails.
pub async fn record(
    db: &Db,
    at: UnixMillis,
    actor: &str,
    action: &str,
    guild: Option<GuildId>,
    target: Option<&str>,
    detail: &Value,
) -> Result<(), DbError> {
    record_with(db.pool(), at, actor, action, guild, target, detail).await
}

/// Appends an entry through `executor` (a transaction, so the entry is written with the change
/// it records, or not at all).
///
/// # Errors
/// [`DbError`] when the write fails.
pub async fn record_with<'e, E>(
    executor: E,
    at: UnixMillis,
    actor: &str,
    action: &str,
    guild: Option<GuildId>,
    target: Option<&str>,
    detail: &Value,
) -> Result<(), DbError>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    sqlx::query(
        "INSERT INTO operator_audit (at, actor, action, guild_id, target, detail)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(at.0)
    .bind(actor.to_owned())
    .bind(action.to_owned())
    .bind(guild.map(GuildId::to_db))
    .bind(target.map(str::to_owned))
    .bind(detail.to_string())
    .execute(executor)
    .await?;
    Ok(())
}

/// The latest entries, newest first, optionally for one guild.
///
/// # Errors
/// [`DbError`] when the read fails.
pub async fn recent(
    db: &Db,
    guild: Option<GuildId>,
    limit: u32,
) -> Result<Vec<AuditEntry>, DbError> {
    let rows = match guild {
        Some(guild) => {
            sqlx::query(
                "SELECT id, at, actor, action, guild_id, target, detail FROM operator_audit
                 WHERE guild_id = $1 ORDER BY id DESC LIMIT $2",
            )
            .bind(guild.to_db())
            .bind(i64::from(limit))
            .fetch_all(db.pool())
            .await?
        }
        None => {
            sqlx::query(
                "SELECT id, at, actor, action, guild_id, target, detail FROM operator_audit
                 ORDER BY id DESC LIMIT $1",
            )
            .bind(i64::from(limit))
            .fetch_all(db.pool())
            .await?
        }
    };
    rows.iter()
        .map(|row| {
            let detail: String = row.try_get("detail")?;
            Ok(AuditEntry {
                id: row.try_get("id")?,
                at: UnixMillis(row.try_get("at")?),
                actor: row.try_get("actor")?,
                action: row.try_get("action")?,
                guild: row
                    .try_get::<Option<i64>, _>("guild_id")?
                    .map(GuildId::from_db),
                target: row.try_get("target")?,
                detail: serde_json::from_str(&detail)
                    .map_err(|error| DbError::Corrupt(format!("audit detail: {error}")))?,
            })
        })
        .collect()
}
