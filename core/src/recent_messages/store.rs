//! Recent messages in SQL: portable statements over [`Db`], every query scoped by guild.
//!
//! Writes come only from the write-behind buffer ([`super::RecentMessages::flush`]): inserts in
//! multi-row statements that keep the first copy of a message, then edits, all in one
//! transaction.

use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row as _};

use super::model::{Position, RecentMessage};
use crate::clock::UnixMillis;
use crate::db::{Db, DbError};
use crate::ids::{ChannelId, GuildId, MessageId, RoleId, UserId};

const COLUMNS: &str = "channel_id, message_id, author_id, author_is_bot, author_role_ids, content, \
    attachment_count, user_mentions, role_mentions, mentions_everyone, created_at, edited_at, \
    attachment_names";

/// Values bound per inserted row: the guild, then [`COLUMNS`].
const VALUES_PER_ROW: usize = 14;

/// Rows per insert statement: 14 values each stays far below both backends' limit on bound
/// parameters (32,766 on SQLite, 65,535 on PostgreSQL).
pub const INSERT_BATCH: usize = 250;

/// An edit waiting to be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    /// The guild.
    pub guild: GuildId,
    /// The edited message.
    pub message: MessageId,
    /// Its new text.
    pub content: String,
    /// When it was edited.
    pub edited_at: UnixMillis,
}

/// Writes messages and then edits in one transaction: a message already stored keeps its
/// first copy, and an edit of a message that is not stored changes nothing. Returns how many
/// messages were new.
///
/// # Errors
/// [`DbError`] when the write fails; nothing is written then.
pub async fn write(
    db: &Db,
    messages: &[(GuildId, RecentMessage)],
    edits: &[Edit],
) -> Result<u64, DbError> {
    if messages.is_empty() && edits.is_empty() {
        return Ok(0);
    }
    let mut transaction = db.begin_write().await?;
    let mut inserted = 0;
    for chunk in messages.chunks(INSERT_BATCH) {
        let sql = insert_sql(chunk.len());
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for (guild, message) in chunk {
            query = query
                .bind(guild.to_db())
                .bind(message.channel.to_db())
                .bind(message.message.to_db())
                .bind(message.author.to_db())
                .bind(i64::from(message.author_is_bot))
                .bind(roles_json(&message.author_roles)?)
                .bind(message.content.clone())
                .bind(i64::from(message.attachments))
                .bind(i64::from(message.user_mentions))
                .bind(i64::from(message.role_mentions))
                .bind(i64::from(message.mentions_everyone))
                .bind(message.created_at.0)
                .bind(message.edited_at.map(|at| at.0))
                .bind(names_json(&message.attachment_names)?);
        }
        inserted += query.execute(&mut *transaction).await?.rows_affected();
    }
    for edit in edits {
        sqlx::query(
            "UPDATE recent_messages SET content = $3, edited_at = $4
             WHERE guild_id = $1 AND message_id = $2",
        )
        .bind(edit.guild.to_db())
        .bind(edit.message.to_db())
        .bind(edit.content.clone())
        .bind(edit.edited_at.0)
        .execute(&mut *transaction)
        .await?;
    }
    transaction.commit().await?;
    Ok(inserted)
}

fn insert_sql(rows: usize) -> String {
    format!(
        "INSERT INTO recent_messages (guild_id, {COLUMNS}) VALUES {} \
         ON CONFLICT (guild_id, message_id) DO NOTHING",
        crate::db::row_placeholders(rows, VALUES_PER_ROW)
    )
}

/// A guild's messages posted at or after `since`, oldest first, at most `limit`. Read the rest
/// with [`messages_after`] from the last one's [`RecentMessage::position`].
///
/// # Errors
/// [`DbError`] when the read fails or a row does not parse.
pub async fn messages_since(
    db: &Db,
    guild: GuildId,
    since: UnixMillis,
    limit: u32,
) -> Result<Vec<RecentMessage>, DbError> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM recent_messages WHERE guild_id = $1 AND created_at >= $2
         ORDER BY created_at, message_id LIMIT $3"
    )))
    .bind(guild.to_db())
    .bind(since.0)
    .bind(i64::from(limit))
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(recent_message).collect()
}

/// A guild's messages after `after` in time order (the next page), at most `limit`.
///
/// # Errors
/// [`DbError`] when the read fails or a row does not parse.
pub async fn messages_after(
    db: &Db,
    guild: GuildId,
    after: Position,
    limit: u32,
) -> Result<Vec<RecentMessage>, DbError> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM recent_messages
         WHERE guild_id = $1 AND (created_at > $2 OR (created_at = $2 AND message_id > $3))
         ORDER BY created_at, message_id LIMIT $4"
    )))
    .bind(guild.to_db())
    .bind(after.at.0)
    .bind(after.message.to_db())
    .bind(i64::from(limit))
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(recent_message).collect()
}

/// One stored message of a guild.
///
/// # Errors
/// [`DbError`] when the read fails or the row does not parse.
pub async fn get(
    db: &Db,
    guild: GuildId,
    message: MessageId,
) -> Result<Option<RecentMessage>, DbError> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM recent_messages WHERE guild_id = $1 AND message_id = $2"
    )))
    .bind(guild.to_db())
    .bind(message.to_db())
    .fetch_optional(db.pool())
    .await?;
    row.as_ref().map(recent_message).transpose()
}

/// How many messages a guild has stored.
///
/// # Errors
/// [`DbError`] when the read fails.
pub async fn count(db: &Db, guild: GuildId) -> Result<i64, DbError> {
    Ok(
        sqlx::query("SELECT COUNT(*) AS stored FROM recent_messages WHERE guild_id = $1")
            .bind(guild.to_db())
            .fetch_one(db.pool())
            .await?
            .try_get("stored")?,
    )
}

/// Deletes every stored message `author` wrote, in one guild or (`None`) in all; returns how
/// many went. The per-user data deletion calls it.
///
/// # Errors
/// [`DbError`] when the delete fails.
pub async fn erase_author(db: &Db, guild: Option<GuildId>, author: UserId) -> Result<u64, DbError> {
    let result = match guild {
        Some(guild) => {
            sqlx::query("DELETE FROM recent_messages WHERE guild_id = $1 AND author_id = $2")
                .bind(guild.to_db())
                .bind(author.to_db())
                .execute(db.pool())
                .await?
        }
        None => {
            sqlx::query("DELETE FROM recent_messages WHERE author_id = $1")
                .bind(author.to_db())
                .execute(db.pool())
                .await?
        }
    };
    Ok(result.rows_affected())
}

/// Deletes a guild's messages posted before `before`; returns how many went.
///
/// # Errors
/// [`DbError`] when the delete fails.
pub async fn prune(db: &Db, guild: GuildId, before: UnixMillis) -> Result<u64, DbError> {
    let result = sqlx::query("DELETE FROM recent_messages WHERE guild_id = $1 AND created_at < $2")
        .bind(guild.to_db())
        .bind(before.0)
        .execute(db.pool())
        .await?;
    Ok(result.rows_affected())
}

fn names_json(names: &[String]) -> Result<String, DbError> {
    serde_json::to_string(names)
        .map_err(|error| DbError::Corrupt(format!("attachment names: {error}")))
}

fn roles_json(roles: &[RoleId]) -> Result<String, DbError> {
    serde_json::to_string(roles).map_err(|error| DbError::Corrupt(format!("author roles: {error}")))
}

fn count_column(row: &AnyRow, column: &str) -> Result<u32, DbError> {
    let value: i64 = row.try_get(column)?;
    u32::try_from(value)
        .map_err(|_| DbError::Corrupt(format!("recent_messages.{column} is {value}")))
}

fn flag(row: &AnyRow, column: &str) -> Result<bool, DbError> {
    Ok(row.try_get::<i64, _>(column)? != 0)
}

fn recent_message(row: &AnyRow) -> Result<RecentMessage, DbError> {
    let roles: String = row.try_get("author_role_ids")?;
    Ok(RecentMessage {
        channel: ChannelId::from_db(row.try_get("channel_id")?),
        message: MessageId::from_db(row.try_get("message_id")?),
        author: UserId::from_db(row.try_get("author_id")?),
        author_is_bot: flag(row, "author_is_bot")?,
        author_roles: serde_json::from_str(&roles)
            .map_err(|error| DbError::Corrupt(format!("recent message author roles: {error}")))?,
        content: row.try_get("content")?,
        attachments: count_column(row, "attachment_count")?,
        user_mentions: count_column(row, "user_mentions")?,
        role_mentions: count_column(row, "role_mentions")?,
        mentions_everyone: flag(row, "mentions_everyone")?,
        created_at: UnixMillis(row.try_get("created_at")?),
        edited_at: row.try_get::<Option<i64>, _>("edited_at")?.map(UnixMillis),
        attachment_names: match row.try_get::<Option<String>, _>("attachment_names")? {
            Some(names) => serde_json::from_str(&names).map_err(|error| {
                DbError::Corrupt(format!("recent message attachment names: {error}"))
            })?,
            None => Vec::new(),
        },
    })
}
