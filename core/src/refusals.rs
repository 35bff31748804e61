//! Every refused action, stored with who, what and why, for moderators to review.

use serde::Serialize;
use sqlx::Row as _;

use crate::clock::UnixMillis;
use crate::db::{Db, DbError};
use crate::guards::Refusal;
use crate::ids::{GuildId, UserId};

/// One refused action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RefusalRecord {
    /// Row id.
    pub id: i64,
    /// The guild.
    pub guild: GuildId,
    /// When.
    pub at: UnixMillis,
    /// Who tried.
    pub invoker: UserId,
    /// Whom it targeted.
    pub target: Option<UserId>,
    /// What was tried (`nick`, `kick`, `rolepanel.click`, ...).
    pub action: String,
    /// The refusal's code ([`Refusal::code`]).
    pub code: String,
    /// What the member was told.
    pub message: String,
}

/// Stores a refusal.
///
/// # Errors
/// [`DbError`] when the write fails.
pub async fn record(
    db: &Db,
    guild: GuildId,
    at: UnixMillis,
    invoker: UserId,
    target: Option<UserId>,
    action: &str,
    refusal: &Refusal,
) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO guard_refusals (guild_id, at, invoker_id, target_id, action, code, message)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(guild.to_db())
    .bind(at.0)
    .bind(invoker.to_db())
    .bind(target.map(UserId::to_db))
    .bind(action.to_owned())
    .bind(refusal.code())
    .bind(refusal.explain())
    .execute(db.pool())
    .await?;
    Ok(())
}

/// A guild's refusals, newest first.
///
/// # Errors
/// [`DbError`] when the read fails.
pub async fn list(db: &Db, guild: GuildId, limit: u32) -> Result<Vec<RefusalRecord>, DbError> {
    let rows = sqlx::query(
        "SELECT id, guild_id, at, invoker_id, target_id, action, code, message FROM guard_refusals
         WHERE guild_id = $1 ORDER BY id DESC LIMIT $2",
    )
    .bind(guild.to_db())
    .bind(i64::from(limit))
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|row| {
            Ok(RefusalRecord {
                id: row.try_get("id")?,
                guild: GuildId::from_db(row.try_get("guild_id")?),
                at: UnixMillis(row.try_get("at")?),
                invoker: UserId::from_db(row.try_get("invoker_id")?),
                target: row
                    .try_get::<Option<i64>, _>("target_id")?
                    .map(UserId::from_db),
                action: row.try_get("action")?,
                code: row.try_get("code")?,
                message: row.try_get("message")?,
            })
        })
        .collect()
}
