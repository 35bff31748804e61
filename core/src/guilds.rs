//! The guilds Guildhall knows: joined, left, renamed.

use serde::Serialize;
use sqlx::Row as _;

use crate::clock::UnixMillis;
use crate::db::{Db, DbError};
use crate::ids::{GuildId, UserId};

/// A guild as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GuildRecord {
    /// Its id.
    pub id: GuildId,
    /// Its name when last seen.
    pub name: String,
    /// Its owner when last seen.
    pub owner: Option<UserId>,
    /// When the bot first joined.
    pub joined_at: UnixMillis,
    /// When the bot left, if it did.
    pub left_at: Option<UnixMillis>,
}

/// Records that the bot is in a guild (joining, or seeing it again with a new name or owner).
///
/// # Errors
/// [`DbError`] when the write fails.
pub async fn upsert(
    db: &Db,
    id: GuildId,
    name: &str,
    owner: Option<UserId>,
    now: UnixMillis,
) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO guilds (guild_id, name, owner_id, joined_at, left_at, updated_at)
         VALUES ($1, $2, $3, $4, NULL, $4)
         ON CONFLICT (guild_id) DO UPDATE SET name = excluded.name, owner_id = excluded.owner_id,
             left_at = NULL, updated_at = excluded.updated_at",
    )
    .bind(id.to_db())
    .bind(name.to_owned())
    .bind(owner.map(UserId::to_db))
    .bind(now.0)
    .execute(db.pool())
    .await?;
    Ok(())
}

/// Records that the bot left a guild; its data stays.
///
/// # Errors
/// [`DbError`] when the write fails.
pub async fn mark_left(db: &Db, id: GuildId, now: UnixMillis) -> Result<(), DbError> {
    sqlx::query("UPDATE guilds SET left_at = $2, updated_at = $2 WHERE guild_id = $1")
        .bind(id.to_db())
        .bind(now.0)
        .execute(db.pool())
        .await?;
    Ok(())
}

/// The name a guild had when last seen, if it was ever seen.
///
/// # Errors
/// Storage errors.
pub async fn name(db: &Db, id: GuildId) -> Result<Option<String>, DbError> {
    let row: Option<(String,)> = sqlx::query_as("SELECT name FROM guilds WHERE guild_id = $1")
        .bind(id.to_db())
        .fetch_optional(db.pool())
        .await?;
    Ok(row.map(|(name,)| name))
}

/// Every known guild, by name.
///
/// # Errors
/// [`DbError`] when the read fails.
pub async fn list(db: &Db) -> Result<Vec<GuildRecord>, DbError> {
    let rows = sqlx::query(
        "SELECT guild_id, name, owner_id, joined_at, left_at FROM guilds ORDER BY name, guild_id",
    )
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|row| {
            Ok(GuildRecord {
                id: GuildId::from_db(row.try_get("guild_id")?),
                name: row.try_get("name")?,
                owner: row
                    .try_get::<Option<i64>, _>("owner_id")?
                    .map(UserId::from_db),
                joined_at: UnixMillis(row.try_get("joined_at")?),
                left_at: row.try_get::<Option<i64>, _>("left_at")?.map(UnixMillis),
            })
        })
        .collect()
}
