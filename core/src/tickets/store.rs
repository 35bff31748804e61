//! Panels, tickets and transcripts in SQL: portable statements over [`Db`], every query scoped
//! by guild.
//!
//! Ticket numbers come from `ticket_counters` (an upsert in the inserting transaction, as for
//! moderation cases). One open ticket per member per panel is kept by a unique `open_slot`
//! column that is set only while a ticket is open, so a race between two clicks cannot open two.

use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row as _};

use super::model::{Attachment, Panel, PanelId, Ticket, TicketId, TicketState, TranscriptMessage};
use super::settings::TicketMode;
use crate::clock::UnixMillis;
use crate::db::{Db, DbError};
use crate::ids::{ChannelId, GuildId, MessageId, RoleId, UserId};

const PANEL_COLUMNS: &str = "id, guild_id, channel_id, message_id, title, description, button_label, \
    staff_role_ids, mode, category_id, created_by, created_at";

const TICKET_COLUMNS: &str = "id, guild_id, panel_id, number, opener_id, channel_id, state, claimed_by, \
    claimed_at, opened_at, closed_at, closed_by, close_reason, last_activity_at, warned_activity_at";

const MESSAGE_COLUMNS: &str = "message_id, author_id, author_name, content, attachments, created_at, \
    edited_at, deleted_at";

/// A panel to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPanel {
    /// The guild.
    pub guild: GuildId,
    /// Where it is posted.
    pub channel: ChannelId,
    /// The embed's title.
    pub title: String,
    /// The embed's text.
    pub description: String,
    /// The button's label.
    pub button_label: String,
    /// Roles added to its tickets.
    pub staff_roles: Vec<RoleId>,
    /// Thread or channel tickets.
    pub mode: TicketMode,
    /// The category of channel tickets.
    pub category: Option<ChannelId>,
    /// Who created it.
    pub created_by: UserId,
    /// When.
    pub created_at: UnixMillis,
}

/// The outcome of [`open`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Opened {
    /// A new ticket.
    New(Ticket),
    /// The member's open ticket on this panel, which blocks a second one.
    AlreadyOpen(Ticket),
}

/// The key that allows one open ticket per member per panel.
pub fn open_slot(panel: PanelId, opener: UserId) -> String {
    format!("{panel}:{opener}")
}

/// Creates a panel.
///
/// # Errors
/// [`DbError`] when the write fails.
pub async fn create_panel(db: &Db, new: &NewPanel) -> Result<Panel, DbError> {
    let roles = serde_json::to_string(&new.staff_roles)
        .map_err(|error| DbError::Corrupt(format!("staff roles: {error}")))?;
    let row = sqlx::query(AssertSqlSafe(format!(
        "INSERT INTO ticket_panels (guild_id, channel_id, title, description, button_label,
             staff_role_ids, mode, category_id, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         RETURNING {PANEL_COLUMNS}"
    )))
    .bind(new.guild.to_db())
    .bind(new.channel.to_db())
    .bind(new.title.clone())
    .bind(new.description.clone())
    .bind(new.button_label.clone())
    .bind(roles)
    .bind(new.mode.as_str())
    .bind(new.category.map(ChannelId::to_db))
    .bind(new.created_by.to_db())
    .bind(new.created_at.0)
    .fetch_one(db.pool())
    .await?;
    panel(&row)
}

/// A guild's panel.
///
/// # Errors
/// [`DbError`] when the read fails.
pub async fn get_panel(db: &Db, guild: GuildId, id: PanelId) -> Result<Option<Panel>, DbError> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {PANEL_COLUMNS} FROM ticket_panels WHERE guild_id = $1 AND id = $2"
    )))
    .bind(guild.to_db())
    .bind(id)
    .fetch_optional(db.pool())
    .await?;
    row.as_ref().map(panel).transpose()
}

/// A guild's panels, oldest first.
///
/// # Errors
/// [`DbError`] when the read fails.
pub async fn list_panels(db: &Db, guild: GuildId) -> Result<Vec<Panel>, DbError> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {PANEL_COLUMNS} FROM ticket_panels WHERE guild_id = $1 ORDER BY id"
    )))
    .bind(guild.to_db())
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(panel).collect()
}

/// Records the message a panel was posted as. `None` when there is no such panel.
///
/// # Errors
/// [`DbError`] when the write fails.
pub async fn set_panel_message(
    db: &Db,
    guild: GuildId,
    id: PanelId,
    message: MessageId,
) -> Result<Option<Panel>, DbError> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "UPDATE ticket_panels SET message_id = $3 WHERE guild_id = $1 AND id = $2
         RETURNING {PANEL_COLUMNS}"
    )))
    .bind(guild.to_db())
    .bind(id)
    .bind(message.to_db())
    .fetch_optional(db.pool())
    .await?;
    row.as_ref().map(panel).transpose()
}

/// Opens a ticket on `panel` for `opener` with the guild's next number. With `one_per_member`,
/// returns the member's open ticket on that panel instead when there is one.
///
/// # Errors
/// [`DbError`] when the write fails; nothing is written then.
pub async fn open(
    db: &Db,
    guild: GuildId,
    panel: PanelId,
    opener: UserId,
    one_per_member: bool,
    at: UnixMillis,
) -> Result<Opened, DbError> {
    let slot = one_per_member.then(|| open_slot(panel, opener));
    if let Some(slot) = &slot
        && let Some(existing) = by_open_slot(db, guild, slot).await?
    {
        return Ok(Opened::AlreadyOpen(existing));
    }
    let mut transaction = db.begin_write().await?;
    let number: i64 = sqlx::query(
        "INSERT INTO ticket_counters (guild_id, last_number) VALUES ($1, 1)
         ON CONFLICT (guild_id) DO UPDATE SET last_number = ticket_counters.last_number + 1
         RETURNING last_number",
    )
    .bind(guild.to_db())
    .fetch_one(&mut *transaction)
    .await?
    .try_get("last_number")?;
    let inserted = sqlx::query(AssertSqlSafe(format!(
        "INSERT INTO tickets (guild_id, panel_id, number, opener_id, state, open_slot, opened_at,
             last_activity_at)
         VALUES ($1, $2, $3, $4, 'open', $5, $6, $6)
         RETURNING {TICKET_COLUMNS}"
    )))
    .bind(guild.to_db())
    .bind(panel)
    .bind(number)
    .bind(opener.to_db())
    .bind(slot.clone())
    .bind(at.0)
    .fetch_one(&mut *transaction)
    .await;
    match inserted {
        Ok(row) => {
            let ticket = ticket(&row)?;
            transaction.commit().await?;
            Ok(Opened::New(ticket))
        }
        Err(sqlx::Error::Database(error)) if error.is_unique_violation() && slot.is_some() => {
            // Another click opened it between the check and the insert.
            transaction.rollback().await?;
            let slot = slot.unwrap_or_default();
            match by_open_slot(db, guild, &slot).await? {
                Some(existing) => Ok(Opened::AlreadyOpen(existing)),
                None => Err(DbError::Sql(sqlx::Error::Database(error))),
            }
        }
        Err(error) => Err(error.into()),
    }
}

async fn by_open_slot(db: &Db, guild: GuildId, slot: &str) -> Result<Option<Ticket>, DbError> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {TICKET_COLUMNS} FROM tickets WHERE guild_id = $1 AND open_slot = $2"
    )))
    .bind(guild.to_db())
    .bind(slot.to_owned())
    .fetch_optional(db.pool())
    .await?;
    row.as_ref().map(ticket).transpose()
}

/// A guild's ticket by its internal id.
///
/// # Errors
/// [`DbError`] when the read fails.
pub async fn get(db: &Db, guild: GuildId, id: TicketId) -> Result<Option<Ticket>, DbError> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {TICKET_COLUMNS} FROM tickets WHERE guild_id = $1 AND id = $2"
    )))
    .bind(guild.to_db())
    .bind(id)
    .fetch_optional(db.pool())
    .await?;
    row.as_ref().map(ticket).transpose()
}

/// A guild's ticket by its number.
///
/// # Errors
/// [`DbError`] when the read fails.
pub async fn get_by_number(
    db: &Db,
    guild: GuildId,
    number: i64,
) -> Result<Option<Ticket>, DbError> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {TICKET_COLUMNS} FROM tickets WHERE guild_id = $1 AND number = $2"
    )))
    .bind(guild.to_db())
    .bind(number)
    .fetch_optional(db.pool())
    .await?;
    row.as_ref().map(ticket).transpose()
}

/// A guild's tickets, newest first, optionally only in one state; at most `limit` (0 means 50).
///
/// # Errors
/// [`DbError`] when the read fails.
pub async fn list(
    db: &Db,
    guild: GuildId,
    state: Option<TicketState>,
    limit: u32,
) -> Result<Vec<Ticket>, DbError> {
    let limit = i64::from(if limit == 0 { 50 } else { limit });
    let rows = match state {
        Some(state) => {
            sqlx::query(AssertSqlSafe(format!(
                "SELECT {TICKET_COLUMNS} FROM tickets WHERE guild_id = $1 AND state = $2
                 ORDER BY number DESC LIMIT $3"
            )))
            .bind(guild.to_db())
            .bind(state.as_str())
            .bind(limit)
            .fetch_all(db.pool())
            .await?
        }
        None => {
            sqlx::query(AssertSqlSafe(format!(
                "SELECT {TICKET_COLUMNS} FROM tickets WHERE guild_id = $1
                 ORDER BY number DESC LIMIT $2"
            )))
            .bind(guild.to_db())
            .bind(limit)
            .fetch_all(db.pool())
            .await?
        }
    };
    rows.iter().map(ticket).collect()
}

/// Records a ticket's thread or channel. `None` when there is no such ticket.
///
/// # Errors
/// [`DbError`] when the write fails.
pub async fn set_channel(
    db: &Db,
    guild: GuildId,
    id: TicketId,
    channel: ChannelId,
) -> Result<Option<Ticket>, DbError> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "UPDATE tickets SET channel_id = $3 WHERE guild_id = $1 AND id = $2
         RETURNING {TICKET_COLUMNS}"
    )))
    .bind(guild.to_db())
    .bind(id)
    .bind(channel.to_db())
    .fetch_optional(db.pool())
    .await?;
    row.as_ref().map(ticket).transpose()
}

/// Deletes a panel that was never posted (Discord refused the post) and has no tickets. `false`
/// when there is no such panel, or it was posted.
///
/// # Errors
/// [`DbError`] when the write fails.
pub async fn delete_unposted_panel(db: &Db, guild: GuildId, id: PanelId) -> Result<bool, DbError> {
    let done = sqlx::query(
        "DELETE FROM ticket_panels WHERE guild_id = $1 AND id = $2 AND message_id IS NULL
           AND NOT EXISTS (SELECT 1 FROM tickets WHERE tickets.panel_id = ticket_panels.id)",
    )
    .bind(guild.to_db())
    .bind(id)
    .execute(db.pool())
    .await?;
    Ok(done.rows_affected() > 0)
}

/// Deletes a ticket that never got its thread or channel (Discord refused to create it), so the
/// member is not held to an open ticket that does not exist. `false` when there is no such
/// ticket or it has a channel.
///
/// # Errors
/// [`DbError`] when the write fails.
pub async fn delete_unattached(db: &Db, guild: GuildId, id: TicketId) -> Result<bool, DbError> {
    let done =
        sqlx::query("DELETE FROM tickets WHERE guild_id = $1 AND id = $2 AND channel_id IS NULL")
            .bind(guild.to_db())
            .bind(id)
            .execute(db.pool())
            .await?;
    Ok(done.rows_affected() > 0)
}

/// Every ticket channel of a guild with its ticket, for the in-memory index.
///
/// # Errors
/// [`DbError`] when the read fails.
pub async fn channels(db: &Db, guild: GuildId) -> Result<Vec<(ChannelId, TicketId)>, DbError> {
    let rows = sqlx::query(
        "SELECT channel_id, id FROM tickets WHERE guild_id = $1 AND channel_id IS NOT NULL",
    )
    .bind(guild.to_db())
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|row| {
            Ok((
                ChannelId::from_db(row.try_get("channel_id")?),
                row.try_get("id")?,
            ))
        })
        .collect()
}

/// Claims an open, unclaimed ticket; returns whether this call claimed it.
///
/// # Errors
/// [`DbError`] when the write fails.
pub async fn claim(
    db: &Db,
    guild: GuildId,
    id: TicketId,
    by: UserId,
    at: UnixMillis,
) -> Result<bool, DbError> {
    let result = sqlx::query(
        "UPDATE tickets SET claimed_by = $3, claimed_at = $4
         WHERE guild_id = $1 AND id = $2 AND state = 'open' AND claimed_by IS NULL",
    )
    .bind(guild.to_db())
    .bind(id)
    .bind(by.to_db())
    .bind(at.0)
    .execute(db.pool())
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Closes an open ticket; with `unless_active_since`, only if its last activity is still that
/// time (an automatic close loses against a message that just arrived). Returns whether this
/// call closed it.
///
/// # Errors
/// [`DbError`] when the write fails.
pub async fn close(
    db: &Db,
    guild: GuildId,
    id: TicketId,
    by: Option<UserId>,
    reason: &str,
    at: UnixMillis,
    unless_active_since: Option<UnixMillis>,
) -> Result<bool, DbError> {
    let guard = if unless_active_since.is_some() {
        " AND last_activity_at = $6"
    } else {
        ""
    };
    let mut query = sqlx::query(AssertSqlSafe(format!(
        "UPDATE tickets SET state = 'closed', open_slot = NULL, closed_at = $3, closed_by = $4,
             close_reason = $5
         WHERE guild_id = $1 AND id = $2 AND state = 'open'{guard}"
    )))
    .bind(guild.to_db())
    .bind(id)
    .bind(at.0)
    .bind(by.map(UserId::to_db))
    .bind(reason.to_owned());
    if let Some(activity) = unless_active_since {
        query = query.bind(activity.0);
    }
    Ok(query.execute(db.pool()).await?.rows_affected() == 1)
}

/// Reopens a closed ticket, which counts as activity; returns whether this call reopened it.
/// With `slot`, fails with a unique violation when the member opened another ticket meanwhile.
///
/// # Errors
/// [`DbError`] when the write fails.
pub async fn reopen(
    db: &Db,
    guild: GuildId,
    id: TicketId,
    slot: Option<String>,
    at: UnixMillis,
) -> Result<bool, DbError> {
    let result = sqlx::query(
        "UPDATE tickets SET state = 'open', open_slot = $3, closed_at = NULL, closed_by = NULL,
             close_reason = NULL, last_activity_at = $4, warned_activity_at = NULL
         WHERE guild_id = $1 AND id = $2 AND state = 'closed'",
    )
    .bind(guild.to_db())
    .bind(id)
    .bind(slot)
    .bind(at.0)
    .execute(db.pool())
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Moves a ticket's last activity forward to `at` (never back).
///
/// # Errors
/// [`DbError`] when the write fails.
pub async fn touch(db: &Db, guild: GuildId, id: TicketId, at: UnixMillis) -> Result<(), DbError> {
    sqlx::query(
        "UPDATE tickets SET last_activity_at = $3
         WHERE guild_id = $1 AND id = $2 AND last_activity_at < $3",
    )
    .bind(guild.to_db())
    .bind(id)
    .bind(at.0)
    .execute(db.pool())
    .await?;
    Ok(())
}

/// Records that the inactivity warning for the activity at `activity` was sent.
///
/// # Errors
/// [`DbError`] when the write fails.
pub async fn mark_warned(
    db: &Db,
    guild: GuildId,
    id: TicketId,
    activity: UnixMillis,
) -> Result<(), DbError> {
    sqlx::query("UPDATE tickets SET warned_activity_at = $3 WHERE guild_id = $1 AND id = $2")
        .bind(guild.to_db())
        .bind(id)
        .bind(activity.0)
        .execute(db.pool())
        .await?;
    Ok(())
}

/// Adds a message to a ticket's transcript; a message already recorded is left as it is.
/// Returns whether it was new.
///
/// # Errors
/// [`DbError`] when the write fails.
pub async fn insert_message(
    db: &Db,
    guild: GuildId,
    ticket: TicketId,
    message: &TranscriptMessage,
) -> Result<bool, DbError> {
    let result = sqlx::query(
        "INSERT INTO ticket_messages (guild_id, ticket_id, message_id, author_id, author_name,
             content, attachments, created_at, edited_at, deleted_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT (ticket_id, message_id) DO NOTHING",
    )
    .bind(guild.to_db())
    .bind(ticket)
    .bind(message.message.to_db())
    .bind(message.author.to_db())
    .bind(message.author_name.clone())
    .bind(message.content.clone())
    .bind(attachments_json(&message.attachments)?)
    .bind(message.created_at.0)
    .bind(message.edited_at.map(|at| at.0))
    .bind(message.deleted_at.map(|at| at.0))
    .execute(db.pool())
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Replaces a recorded message's content (and its attachments, when given), keeping the time
/// of the last edit. Returns whether the message was recorded.
///
/// # Errors
/// [`DbError`] when the write fails.
pub async fn edit_message(
    db: &Db,
    guild: GuildId,
    ticket: TicketId,
    message: MessageId,
    content: &str,
    attachments: Option<&[Attachment]>,
    at: UnixMillis,
) -> Result<bool, DbError> {
    let result = match attachments {
        Some(attachments) => {
            sqlx::query(
                "UPDATE ticket_messages SET content = $4, attachments = $5, edited_at = $6
                 WHERE guild_id = $1 AND ticket_id = $2 AND message_id = $3",
            )
            .bind(guild.to_db())
            .bind(ticket)
            .bind(message.to_db())
            .bind(content.to_owned())
            .bind(attachments_json(attachments)?)
            .bind(at.0)
            .execute(db.pool())
            .await?
        }
        None => {
            sqlx::query(
                "UPDATE ticket_messages SET content = $4, edited_at = $5
                 WHERE guild_id = $1 AND ticket_id = $2 AND message_id = $3",
            )
            .bind(guild.to_db())
            .bind(ticket)
            .bind(message.to_db())
            .bind(content.to_owned())
            .bind(at.0)
            .execute(db.pool())
            .await?
        }
    };
    Ok(result.rows_affected() == 1)
}

/// Marks a recorded message deleted (the first deletion time is kept). Returns whether the
/// message was recorded.
///
/// # Errors
/// [`DbError`] when the write fails.
pub async fn delete_message(
    db: &Db,
    guild: GuildId,
    ticket: TicketId,
    message: MessageId,
    at: UnixMillis,
) -> Result<bool, DbError> {
    let result = sqlx::query(
        "UPDATE ticket_messages SET deleted_at = COALESCE(deleted_at, $4)
         WHERE guild_id = $1 AND ticket_id = $2 AND message_id = $3",
    )
    .bind(guild.to_db())
    .bind(ticket)
    .bind(message.to_db())
    .bind(at.0)
    .execute(db.pool())
    .await?;
    Ok(result.rows_affected() == 1)
}

/// A ticket's transcript messages, oldest first.
///
/// # Errors
/// [`DbError`] when the read fails.
pub async fn messages(
    db: &Db,
    guild: GuildId,
    ticket: TicketId,
) -> Result<Vec<TranscriptMessage>, DbError> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {MESSAGE_COLUMNS} FROM ticket_messages WHERE guild_id = $1 AND ticket_id = $2
         ORDER BY created_at, id"
    )))
    .bind(guild.to_db())
    .bind(ticket)
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(transcript_message).collect()
}

/// Deletes the transcript messages of a guild's tickets closed before `before`; returns how
/// many were deleted. The tickets themselves stay.
///
/// # Errors
/// [`DbError`] when the write fails.
pub async fn prune_transcripts(
    db: &Db,
    guild: GuildId,
    before: UnixMillis,
) -> Result<u64, DbError> {
    let result = sqlx::query(
        "DELETE FROM ticket_messages WHERE guild_id = $1 AND ticket_id IN (
             SELECT id FROM tickets WHERE guild_id = $1 AND state = 'closed' AND closed_at < $2)",
    )
    .bind(guild.to_db())
    .bind(before.0)
    .execute(db.pool())
    .await?;
    Ok(result.rows_affected())
}

fn attachments_json(attachments: &[Attachment]) -> Result<String, DbError> {
    serde_json::to_string(attachments)
        .map_err(|error| DbError::Corrupt(format!("attachments: {error}")))
}

fn panel(row: &AnyRow) -> Result<Panel, DbError> {
    let roles: String = row.try_get("staff_role_ids")?;
    let mode: String = row.try_get("mode")?;
    Ok(Panel {
        id: row.try_get("id")?,
        guild: GuildId::from_db(row.try_get("guild_id")?),
        channel: ChannelId::from_db(row.try_get("channel_id")?),
        message: row
            .try_get::<Option<i64>, _>("message_id")?
            .map(MessageId::from_db),
        title: row.try_get("title")?,
        description: row.try_get("description")?,
        button_label: row.try_get("button_label")?,
        staff_roles: serde_json::from_str(&roles)
            .map_err(|error| DbError::Corrupt(format!("panel staff roles: {error}")))?,
        mode: mode.parse().map_err(DbError::Corrupt)?,
        category: row
            .try_get::<Option<i64>, _>("category_id")?
            .map(ChannelId::from_db),
        created_by: UserId::from_db(row.try_get("created_by")?),
        created_at: UnixMillis(row.try_get("created_at")?),
    })
}

fn ticket(row: &AnyRow) -> Result<Ticket, DbError> {
    let state: String = row.try_get("state")?;
    let millis = |column: &str| -> Result<Option<UnixMillis>, DbError> {
        Ok(row.try_get::<Option<i64>, _>(column)?.map(UnixMillis))
    };
    let user = |column: &str| -> Result<Option<UserId>, DbError> {
        Ok(row.try_get::<Option<i64>, _>(column)?.map(UserId::from_db))
    };
    Ok(Ticket {
        id: row.try_get("id")?,
        guild: GuildId::from_db(row.try_get("guild_id")?),
        panel: row.try_get("panel_id")?,
        number: row.try_get("number")?,
        opener: UserId::from_db(row.try_get("opener_id")?),
        channel: row
            .try_get::<Option<i64>, _>("channel_id")?
            .map(ChannelId::from_db),
        state: state.parse().map_err(DbError::Corrupt)?,
        claimed_by: user("claimed_by")?,
        claimed_at: millis("claimed_at")?,
        opened_at: UnixMillis(row.try_get("opened_at")?),
        closed_at: millis("closed_at")?,
        closed_by: user("closed_by")?,
        close_reason: row.try_get("close_reason")?,
        last_activity_at: UnixMillis(row.try_get("last_activity_at")?),
        warned_activity_at: millis("warned_activity_at")?,
    })
}

fn transcript_message(row: &AnyRow) -> Result<TranscriptMessage, DbError> {
    let attachments: String = row.try_get("attachments")?;
    Ok(TranscriptMessage {
        message: MessageId::from_db(row.try_get("message_id")?),
        author: UserId::from_db(row.try_get("author_id")?),
        author_name: row.try_get("author_name")?,
        content: row.try_get("content")?,
        attachments: serde_json::from_str(&attachments)
            .map_err(|error| DbError::Corrupt(format!("transcript attachments: {error}")))?,
        created_at: UnixMillis(row.try_get("created_at")?),
        edited_at: row.try_get::<Option<i64>, _>("edited_at")?.map(UnixMillis),
        deleted_at: row.try_get::<Option<i64>, _>("deleted_at")?.map(UnixMillis),
    })
}
