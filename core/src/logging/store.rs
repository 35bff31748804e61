//! Stored log events in SQL: written in batches by the logging service's flush, read page by
//! page by the viewer (dashboard, CLI) with filters. Every query is scoped by guild.
//!
//! Paging is by id (keyset): a page is "the newest `limit` events below id N" or, for the last
//! pages, "the oldest `limit` above id N", each an index range scan whatever the page's depth,
//! so the first and the last page of a million events cost about the same
//! (`benches/log_viewer.rs`).

use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row as _};

use super::entry::{LogEntry, LogKind};
use crate::clock::UnixMillis;
use crate::db::{Db, DbError};
use crate::ids::{ChannelId, GuildId, UserId};

/// Values bound per inserted row.
const VALUES_PER_ROW: usize = 11;
/// Rows per insert statement.
const INSERT_BATCH: usize = 200;

/// A stored event: its id (the viewer's position) and the entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEvent {
    /// Its id, growing with time.
    pub id: i64,
    /// The event.
    pub entry: LogEntry,
}

/// What the viewer asks for: every filter is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventFilter {
    /// Only these kinds (empty is every kind).
    pub kinds: Vec<LogKind>,
    /// Only events about this member or done by them.
    pub member: Option<UserId>,
    /// Only events in or about this channel.
    pub channel: Option<ChannelId>,
    /// Only events at or after.
    pub since: Option<UnixMillis>,
    /// Only events before.
    pub until: Option<UnixMillis>,
}

/// Which page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Page {
    /// The newest events.
    #[default]
    Newest,
    /// The events just older than this id.
    Before(i64),
    /// The events just newer than this id.
    After(i64),
    /// The oldest events.
    Oldest,
}

/// One page of events, newest first, with whether there are more either way.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EventPage {
    /// The events, newest first.
    pub events: Vec<StoredEvent>,
    /// There are newer events than the first.
    pub newer: bool,
    /// There are older events than the last.
    pub older: bool,
}

/// Writes entries in one transaction.
///
/// # Errors
/// [`DbError`] when the write fails; nothing is written then.
pub async fn write(db: &Db, entries: &[LogEntry]) -> Result<(), DbError> {
    if entries.is_empty() {
        return Ok(());
    }
    let mut transaction = db.begin_write().await?;
    for chunk in entries.chunks(INSERT_BATCH) {
        let sql = format!(
            "INSERT INTO log_events (guild_id, at, kind, category, user_id, actor_id, \
             actor_guessed, channel_id, case_number, summary, details) VALUES {}",
            crate::db::row_placeholders(chunk.len(), VALUES_PER_ROW)
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for entry in chunk {
            let mut stored = entry.clone();
            // The transcript's text is posted, not kept twice: the viewer shows its name.
            if let Some(file) = &mut stored.file {
                file.text.clear();
            }
            let details = serde_json::to_string(&stored)
                .map_err(|error| DbError::Corrupt(format!("log entry: {error}")))?;
            query = query
                .bind(entry.guild.to_db())
                .bind(entry.at.0)
                .bind(entry.kind.as_str())
                .bind(entry.category().as_str())
                .bind(entry.user.map(UserId::to_db))
                .bind(entry.actor.map(UserId::to_db))
                .bind(i64::from(entry.actor_guessed))
                .bind(entry.channel.map(ChannelId::to_db))
                .bind(entry.case)
                .bind(entry.summary.clone())
                .bind(details);
        }
        query.execute(&mut *transaction).await?;
    }
    transaction.commit().await?;
    Ok(())
}

/// Writes ended voice sessions in one transaction.
///
/// # Errors
/// [`DbError`] when the write fails; nothing is written then.
pub async fn write_sessions(
    db: &Db,
    sessions: &[(GuildId, crate::levels::VoiceSession)],
) -> Result<(), DbError> {
    if sessions.is_empty() {
        return Ok(());
    }
    let mut transaction = db.begin_write().await?;
    for (guild, session) in sessions {
        let seconds = |value: u64| i64::try_from(value).unwrap_or(i64::MAX);
        sqlx::query(
            "INSERT INTO voice_sessions (guild_id, user_id, channel_id, joined_at, left_at, \
             seconds, muted_seconds, deafened_seconds, alone_seconds, counted_seconds, afk_action) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(guild.to_db())
        .bind(session.user.to_db())
        .bind(session.channel.to_db())
        .bind(session.joined_at.0)
        .bind(session.left_at.0)
        .bind(seconds(session.seconds))
        .bind(seconds(session.muted_seconds))
        .bind(seconds(session.deafened_seconds))
        .bind(seconds(session.alone_seconds))
        .bind(seconds(session.counted_seconds))
        .bind(session.afk_action)
        .execute(&mut *transaction)
        .await?;
    }
    transaction.commit().await?;
    Ok(())
}

/// A member's voice time in a guild: (sessions, seconds in voice, seconds counted) since `since`.
///
/// # Errors
/// [`DbError`] when the read fails.
pub async fn voice_totals(
    db: &Db,
    guild: GuildId,
    user: UserId,
    since: UnixMillis,
) -> Result<(i64, i64, i64), DbError> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS sessions, CAST(COALESCE(SUM(seconds), 0) AS BIGINT) AS seconds, \
         CAST(COALESCE(SUM(counted_seconds), 0) AS BIGINT) AS counted FROM voice_sessions \
         WHERE guild_id = $1 AND user_id = $2 AND left_at >= $3",
    )
    .bind(guild.to_db())
    .bind(user.to_db())
    .bind(since.0)
    .fetch_one(db.pool())
    .await?;
    Ok((
        row.try_get("sessions")?,
        row.try_get("seconds")?,
        row.try_get("counted")?,
    ))
}

/// The conditions of `filter` after `guild_id = $1`, and their values in order.
fn conditions(filter: &EventFilter, member_column: Option<&str>) -> (String, Vec<Bound>) {
    let mut sql = String::new();
    let mut values = Vec::new();
    let next = |value: Bound, values: &mut Vec<Bound>| {
        values.push(value);
        format!("${}", values.len() + 1)
    };
    if !filter.kinds.is_empty() {
        let names: Vec<String> = filter
            .kinds
            .iter()
            .map(|kind| next(Bound::Text(kind.as_str().to_owned()), &mut values))
            .collect();
        sql.push_str(&format!(" AND kind IN ({})", names.join(", ")));
    }
    if let (Some(member), Some(column)) = (filter.member, member_column) {
        let placeholder = next(Bound::Int(member.to_db()), &mut values);
        sql.push_str(&format!(" AND {column} = {placeholder}"));
    }
    if let Some(channel) = filter.channel {
        let placeholder = next(Bound::Int(channel.to_db()), &mut values);
        sql.push_str(&format!(" AND channel_id = {placeholder}"));
    }
    if let Some(since) = filter.since {
        let placeholder = next(Bound::Int(since.0), &mut values);
        sql.push_str(&format!(" AND at >= {placeholder}"));
    }
    if let Some(until) = filter.until {
        let placeholder = next(Bound::Int(until.0), &mut values);
        sql.push_str(&format!(" AND at < {placeholder}"));
    }
    (sql, values)
}

#[derive(Debug, Clone)]
enum Bound {
    Int(i64),
    Text(String),
}

/// The events matching `filter` from `position` on. A member filter ("about them or by them")
/// is two index range scans — one on `user_id`, one on `actor_id` — merged here, which stays as
/// fast at the last page as at the first where one `OR` condition made the database walk the
/// guild's events (`benches/log_viewer.rs`: a second and more at a million events).
async fn select(
    db: &Db,
    guild: GuildId,
    filter: &EventFilter,
    position: Option<(&str, i64)>,
    descending: bool,
    limit: u32,
) -> Result<Vec<StoredEvent>, DbError> {
    if filter.member.is_none() {
        return select_by(db, guild, filter, None, position, descending, limit).await;
    }
    let mut events = select_by(
        db,
        guild,
        filter,
        Some("user_id"),
        position,
        descending,
        limit,
    )
    .await?;
    events.extend(
        select_by(
            db,
            guild,
            filter,
            Some("actor_id"),
            position,
            descending,
            limit,
        )
        .await?,
    );
    events.sort_by_key(|event| event.id);
    events.dedup_by_key(|event| event.id);
    if descending {
        events.reverse();
    }
    events.truncate(limit as usize);
    Ok(events)
}

/// How far an event's time may stray from the order it was written in (an edit dated by
/// Discord, a case's time) and still be found by a time filter.
const TIME_MARGIN_MS: i64 = 3_600_000;

/// The ids that a time range's events lie between, read from the `(guild_id, at)` index with
/// [`TIME_MARGIN_MS`] either side, so a time filter pages by id over that stretch alone instead
/// of walking the guild's events from the newest (`benches/log_viewer.rs`: a day a month back
/// took 47 ms). The exact time conditions still apply. `None`: no event in the range.
async fn id_bounds(
    db: &Db,
    guild: GuildId,
    since: Option<UnixMillis>,
    until: Option<UnixMillis>,
) -> Result<Option<(i64, i64)>, DbError> {
    let low = match since {
        Some(since) => {
            let row = sqlx::query(
                "SELECT id FROM log_events WHERE guild_id = $1 AND at >= $2 ORDER BY at LIMIT 1",
            )
            .bind(guild.to_db())
            .bind(since.0 - TIME_MARGIN_MS)
            .fetch_optional(db.pool())
            .await?;
            match row {
                Some(row) => row.try_get::<i64, _>("id")?,
                None => return Ok(None),
            }
        }
        None => i64::MIN,
    };
    let high = match until {
        Some(until) => {
            let row = sqlx::query(
                "SELECT id FROM log_events WHERE guild_id = $1 AND at < $2 ORDER BY at DESC LIMIT 1",
            )
            .bind(guild.to_db())
            .bind(until.0.saturating_add(TIME_MARGIN_MS))
            .fetch_optional(db.pool())
            .await?;
            match row {
                Some(row) => row.try_get::<i64, _>("id")?,
                None => return Ok(None),
            }
        }
        None => i64::MAX,
    };
    Ok((low <= high).then_some((low.min(high), high)))
}

async fn select_by(
    db: &Db,
    guild: GuildId,
    filter: &EventFilter,
    member_column: Option<&str>,
    position: Option<(&str, i64)>,
    descending: bool,
    limit: u32,
) -> Result<Vec<StoredEvent>, DbError> {
    let (mut conditions, mut values) = conditions(filter, member_column);
    if filter.since.is_some() || filter.until.is_some() {
        let Some((low, high)) = id_bounds(db, guild, filter.since, filter.until).await? else {
            return Ok(Vec::new());
        };
        values.push(Bound::Int(low));
        conditions.push_str(&format!(" AND id >= ${}", values.len() + 1));
        values.push(Bound::Int(high));
        conditions.push_str(&format!(" AND id <= ${}", values.len() + 1));
    }
    if let Some((operator, id)) = position {
        values.push(Bound::Int(id));
        conditions.push_str(&format!(" AND id {operator} ${}", values.len() + 1));
    }
    let order = if descending { "DESC" } else { "ASC" };
    let sql = format!(
        "SELECT id, details FROM log_events WHERE guild_id = $1{conditions} \
         ORDER BY id {order} LIMIT {}",
        limit.clamp(1, 500)
    );
    let mut query = sqlx::query(AssertSqlSafe(sql)).bind(guild.to_db());
    for value in values {
        query = match value {
            Bound::Int(value) => query.bind(value),
            Bound::Text(value) => query.bind(value),
        };
    }
    let rows = query.fetch_all(db.pool()).await?;
    rows.iter().map(stored_event).collect()
}

fn stored_event(row: &AnyRow) -> Result<StoredEvent, DbError> {
    let details: String = row.try_get("details")?;
    Ok(StoredEvent {
        id: row.try_get("id")?,
        entry: serde_json::from_str(&details)
            .map_err(|error| DbError::Corrupt(format!("log event: {error}")))?,
    })
}

/// One page of a guild's events matching `filter`, newest first.
///
/// # Errors
/// [`DbError`] when the read fails or a row does not parse.
pub async fn page(
    db: &Db,
    guild: GuildId,
    filter: &EventFilter,
    page: Page,
    limit: u32,
) -> Result<EventPage, DbError> {
    let limit = limit.clamp(1, 500);
    // One more than asked tells whether there is more that way.
    let (mut events, reversed) = match page {
        Page::Newest => (
            select(db, guild, filter, None, true, limit + 1).await?,
            false,
        ),
        Page::Before(id) => (
            select(db, guild, filter, Some(("<", id)), true, limit + 1).await?,
            false,
        ),
        Page::After(id) => (
            select(db, guild, filter, Some((">", id)), false, limit + 1).await?,
            true,
        ),
        Page::Oldest => (
            select(db, guild, filter, None, false, limit + 1).await?,
            true,
        ),
    };
    let more = events.len() > limit as usize;
    events.truncate(limit as usize);
    if reversed {
        events.reverse();
    }
    let (newer, older) = match page {
        Page::Newest => (false, more),
        Page::Before(_) => (true, more),
        Page::After(_) => (more, true),
        Page::Oldest => (more, false),
    };
    Ok(EventPage {
        newer: newer && !events.is_empty(),
        older: older && !events.is_empty(),
        events,
    })
}

/// One stored event of a guild.
///
/// # Errors
/// [`DbError`] when the read fails.
pub async fn get(db: &Db, guild: GuildId, id: i64) -> Result<Option<StoredEvent>, DbError> {
    let row = sqlx::query("SELECT id, details FROM log_events WHERE guild_id = $1 AND id = $2")
        .bind(guild.to_db())
        .bind(id)
        .fetch_optional(db.pool())
        .await?;
    row.as_ref().map(stored_event).transpose()
}

/// Deletes a guild's events older than `before`; returns how many went.
///
/// # Errors
/// [`DbError`] when the delete fails.
pub async fn prune(db: &Db, guild: GuildId, before: UnixMillis) -> Result<u64, DbError> {
    Ok(
        sqlx::query("DELETE FROM log_events WHERE guild_id = $1 AND at < $2")
            .bind(guild.to_db())
            .bind(before.0)
            .execute(db.pool())
            .await?
            .rows_affected(),
    )
}

/// Removes what a member wrote from the stored events about them (the text of their messages
/// in edit and delete logs): each such event keeps its line with the content replaced by
/// "(deleted at the member's request)". Returns how many events changed.
///
/// # Errors
/// [`DbError`] when a read or write fails; nothing is half-written (one transaction).
pub async fn erase_member_content(
    db: &Db,
    guild: Option<GuildId>,
    user: UserId,
) -> Result<u64, DbError> {
    let mut transaction = db.begin_write().await?;
    let rows =
        match guild {
            Some(guild) => {
                sqlx::query(
                    "SELECT id, details FROM log_events WHERE guild_id = $1 AND user_id = $2 \
                 AND category = 'messages'",
                )
                .bind(guild.to_db())
                .bind(user.to_db())
                .fetch_all(&mut *transaction)
                .await?
            }
            None => sqlx::query(
                "SELECT id, details FROM log_events WHERE user_id = $1 AND category = 'messages'",
            )
            .bind(user.to_db())
            .fetch_all(&mut *transaction)
            .await?,
        };
    let mut changed = 0;
    for row in &rows {
        let mut event = stored_event(row)?;
        super::privacy::erase_content(&mut event.entry);
        let details = serde_json::to_string(&event.entry)
            .map_err(|error| DbError::Corrupt(format!("log entry: {error}")))?;
        changed += sqlx::query("UPDATE log_events SET details = $1, summary = $2 WHERE id = $3")
            .bind(details)
            .bind(event.entry.summary.clone())
            .bind(event.id)
            .execute(&mut *transaction)
            .await?
            .rows_affected();
    }
    transaction.commit().await?;
    Ok(changed)
}

/// How many events a guild has stored.
///
/// # Errors
/// [`DbError`] when the read fails.
pub async fn count(db: &Db, guild: GuildId) -> Result<i64, DbError> {
    Ok(
        sqlx::query("SELECT COUNT(*) AS stored FROM log_events WHERE guild_id = $1")
            .bind(guild.to_db())
            .fetch_one(db.pool())
            .await?
            .try_get("stored")?,
    )
}
