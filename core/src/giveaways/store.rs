//! Giveaways, entries, slots and the log in SQL: portable statements over [`Db`], every query
//! scoped by guild.
//!
//! The rules that must hold under races are conditions of the writes themselves:
//! - one entry per member: the primary key of `giveaway_entries`, with `ON CONFLICT`;
//! - no entry or leave after the entries close: an entry's transaction ends by bumping its
//!   shard of the giveaway's entrant counter (`giveaway_counts`, [`COUNT_SHARDS`] rows per
//!   giveaway, the member's id modulo their number) only `WHERE open = 1`, and rolls back
//!   otherwise. Closing sets `open = 0` on every shard first, so on PostgreSQL it waits for the
//!   entries holding a shard's row lock and every later entry finds the counter closed: an entry
//!   either commits before the close (and is drawn) or is refused. The shards let entries to one
//!   giveaway commit in parallel; a single counter row would make them queue for its lock;
//! - one draw: `drawing` → `ended` is a conditional update in the transaction that writes the
//!   slots;
//! - one reroll per slot state: each reroll's transaction requires the `draw_steps` it was
//!   computed from and the slot's attempt and state, so two rerolls computed from the same state
//!   cannot both be written;
//! - `max_active`: a start first bumps the guild's row in `giveaway_counters`, which serializes
//!   concurrent starts in one guild, then counts the running giveaways.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row as _};

use super::fairness::DrawStep;
use super::model::{
    Entry, Event, EventActor, EventKind, Giveaway, GiveawayId, GiveawayState, Slot, SlotState,
};
use crate::clock::UnixMillis;
use crate::db::{Db, DbError};
use crate::eligibility::Requirements;
use crate::ids::{ChannelId, GuildId, MessageId, UserId};
use crate::jobs::JobId;

/// Rows of the entrant counter per giveaway: entries to one giveaway contend for one of them.
pub const COUNT_SHARDS: u64 = 16;

const COLUMNS: &str = "id, guild_id, channel_id, message_id, prize, winners, requirements, state, \
    seed_hash, seed, entrants_hash, end_job_id, created_by, created_at, ends_at, ended_at, \
    (SELECT CAST(COALESCE(SUM(c.entrants), 0) AS BIGINT) FROM giveaway_counts c \
        WHERE c.giveaway_id = giveaways.id) AS entrant_count, \
    draw_steps, rerolls_used, max_rerolls, claim_window_secs";

const SLOT_COLUMNS: &str = "giveaway_id, slot, attempt, winner_id, drawn_at, claim_deadline, \
    claimed_at, state, announced_at";

const EVENT_COLUMNS: &str =
    "id, giveaway_id, kind, actor_kind, actor_id, user_id, slot, detail, at";

type Transaction<'a> = sqlx::Transaction<'a, sqlx::Any>;

fn corrupt(what: &str, error: impl std::fmt::Display) -> DbError {
    DbError::Corrupt(format!("{what}: {error}"))
}

fn small(value: i64) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}

fn count(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

fn giveaway(row: &AnyRow) -> Result<Giveaway, DbError> {
    let state: String = row.try_get("state")?;
    let state: GiveawayState = state.parse().map_err(DbError::Corrupt)?;
    let requirements: String = row.try_get("requirements")?;
    let requirements: Requirements = serde_json::from_str(&requirements)
        .map_err(|error| corrupt("giveaway requirements", error))?;
    let seed: String = row.try_get("seed")?;
    let millis = |column: &str| -> Result<Option<UnixMillis>, sqlx::Error> {
        Ok(row.try_get::<Option<i64>, _>(column)?.map(UnixMillis))
    };
    Ok(Giveaway {
        id: row.try_get("id")?,
        guild: GuildId::from_db(row.try_get("guild_id")?),
        channel: ChannelId::from_db(row.try_get("channel_id")?),
        message: row
            .try_get::<Option<i64>, _>("message_id")?
            .map(MessageId::from_db),
        prize: row.try_get("prize")?,
        winners: small(row.try_get("winners")?),
        requirements,
        state,
        seed_hash: row.try_get("seed_hash")?,
        // The seed stays in the database until the draw; only then does it leave the store.
        seed: state.reveals_seed().then_some(seed),
        entrants_hash: row.try_get("entrants_hash")?,
        created_by: row
            .try_get::<Option<i64>, _>("created_by")?
            .map(UserId::from_db),
        created_at: UnixMillis(row.try_get("created_at")?),
        ends_at: UnixMillis(row.try_get("ends_at")?),
        ended_at: millis("ended_at")?,
        entrants: count(row.try_get("entrant_count")?),
        draw_steps: small(row.try_get("draw_steps")?),
        rerolls_used: small(row.try_get("rerolls_used")?),
        max_rerolls: small(row.try_get("max_rerolls")?),
        claim_window_secs: small(row.try_get("claim_window_secs")?),
        end_job: row.try_get("end_job_id")?,
    })
}

fn slot(row: &AnyRow) -> Result<Slot, DbError> {
    let state: String = row.try_get("state")?;
    Ok(Slot {
        giveaway: row.try_get("giveaway_id")?,
        slot: small(row.try_get("slot")?),
        attempt: small(row.try_get("attempt")?),
        winner: row
            .try_get::<Option<i64>, _>("winner_id")?
            .map(UserId::from_db),
        drawn_at: UnixMillis(row.try_get("drawn_at")?),
        claim_deadline: row
            .try_get::<Option<i64>, _>("claim_deadline")?
            .map(UnixMillis),
        claimed_at: row.try_get::<Option<i64>, _>("claimed_at")?.map(UnixMillis),
        state: state.parse().map_err(DbError::Corrupt)?,
        announced: row.try_get::<Option<i64>, _>("announced_at")?.is_some(),
    })
}

fn event(row: &AnyRow) -> Result<Event, DbError> {
    let kind: String = row.try_get("kind")?;
    let actor_kind: String = row.try_get("actor_kind")?;
    let actor_id: Option<i64> = row.try_get("actor_id")?;
    let actor = match (actor_kind.as_str(), actor_id) {
        ("member", Some(id)) => EventActor::Member(UserId::from_db(id)),
        ("operator", _) => EventActor::Operator,
        ("system", _) => EventActor::System,
        (other, _) => return Err(DbError::Corrupt(format!("giveaway event actor `{other}`"))),
    };
    let detail: String = row.try_get("detail")?;
    Ok(Event {
        id: row.try_get("id")?,
        giveaway: row.try_get("giveaway_id")?,
        kind: kind.parse().map_err(DbError::Corrupt)?,
        actor,
        user: row
            .try_get::<Option<i64>, _>("user_id")?
            .map(UserId::from_db),
        slot: row.try_get::<Option<i64>, _>("slot")?.map(small),
        detail: serde_json::from_str(&detail).map_err(|error| corrupt("event detail", error))?,
        at: UnixMillis(row.try_get("at")?),
    })
}

/// A line for the log.
#[derive(Debug, Clone)]
pub(super) struct NewEvent {
    pub giveaway: GiveawayId,
    pub guild: GuildId,
    pub kind: EventKind,
    pub actor: EventActor,
    pub user: Option<UserId>,
    pub slot: Option<u32>,
    pub detail: Value,
    pub at: UnixMillis,
}

async fn insert_event(transaction: &mut Transaction<'_>, new: &NewEvent) -> Result<(), DbError> {
    let (actor_kind, actor_id) = match new.actor {
        EventActor::Member(user) => ("member", Some(user.to_db())),
        EventActor::Operator => ("operator", None),
        EventActor::System => ("system", None),
    };
    sqlx::query(
        "INSERT INTO giveaway_events (giveaway_id, guild_id, kind, actor_kind, actor_id, user_id,
             slot, detail, at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(new.giveaway)
    .bind(new.guild.to_db())
    .bind(new.kind.as_str())
    .bind(actor_kind)
    .bind(actor_id)
    .bind(new.user.map(UserId::to_db))
    .bind(new.slot.map(i64::from))
    .bind(new.detail.to_string())
    .bind(new.at.0)
    .execute(&mut **transaction)
    .await?;
    Ok(())
}

/// Adds one line to the log on its own.
pub(super) async fn log(db: &Db, new: &NewEvent) -> Result<(), DbError> {
    let mut transaction = db.begin_write().await?;
    insert_event(&mut transaction, new).await?;
    transaction.commit().await?;
    Ok(())
}

/// A giveaway to create.
#[derive(Debug, Clone)]
pub(super) struct NewGiveaway {
    pub guild: GuildId,
    pub channel: ChannelId,
    pub prize: String,
    pub winners: u32,
    pub requirements: Requirements,
    pub seed_hash: String,
    pub seed: String,
    pub end_key: String,
    pub end_job: JobId,
    pub created_by: Option<UserId>,
    pub actor: EventActor,
    pub created_at: UnixMillis,
    pub ends_at: UnixMillis,
    pub max_rerolls: u32,
    pub claim_window_secs: u32,
}

/// What a create did.
#[derive(Debug, Clone)]
pub(super) enum Created {
    /// The new giveaway.
    Created(Box<Giveaway>),
    /// The guild already runs this many giveaways; nothing was written.
    TooMany(u64),
}

/// How many of the guild's giveaways run (or are being drawn), through `executor` (a
/// transaction, where the count guards an insert).
///
/// # Errors
/// [`DbError`] when the read fails.
pub(super) async fn running<'e, E>(executor: E, guild: GuildId) -> Result<i64, DbError>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM giveaways WHERE guild_id = $1 AND state IN ('running', 'drawing')",
    )
    .bind(guild.to_db())
    .fetch_one(executor)
    .await?)
}

/// Creates a giveaway unless the guild already runs `max_active`, with its `start` line in the
/// log, in one transaction.
pub(super) async fn create(
    db: &Db,
    new: &NewGiveaway,
    max_active: u32,
) -> Result<Created, DbError> {
    let mut transaction = db.begin_write().await?;
    // First, so that concurrent starts in one guild wait for each other here.
    sqlx::query(
        "INSERT INTO giveaway_counters (guild_id, started) VALUES ($1, 1)
         ON CONFLICT (guild_id) DO UPDATE SET started = giveaway_counters.started + 1",
    )
    .bind(new.guild.to_db())
    .execute(&mut *transaction)
    .await?;
    let running = running(&mut *transaction, new.guild).await?;
    if running >= i64::from(max_active) {
        transaction.rollback().await?;
        return Ok(Created::TooMany(count(running)));
    }
    let requirements = serde_json::to_string(&new.requirements)
        .map_err(|error| corrupt("giveaway requirements", error))?;
    let id: GiveawayId = sqlx::query_scalar(
        "INSERT INTO giveaways (guild_id, channel_id, prize, winners, requirements, state,
             seed_hash, seed, end_key, end_job_id, created_by, created_at, ends_at, draw_steps,
             rerolls_used, max_rerolls, claim_window_secs)
         VALUES ($1, $2, $3, $4, $5, 'running', $6, $7, $8, $9, $10, $11, $12, 0, 0, $13, $14)
         RETURNING id",
    )
    .bind(new.guild.to_db())
    .bind(new.channel.to_db())
    .bind(new.prize.clone())
    .bind(i64::from(new.winners))
    .bind(requirements)
    .bind(new.seed_hash.clone())
    .bind(new.seed.clone())
    .bind(new.end_key.clone())
    .bind(new.end_job)
    .bind(new.created_by.map(UserId::to_db))
    .bind(new.created_at.0)
    .bind(new.ends_at.0)
    .bind(i64::from(new.max_rerolls))
    .bind(i64::from(new.claim_window_secs))
    .fetch_one(&mut *transaction)
    .await?;
    for shard in 0..COUNT_SHARDS {
        sqlx::query(
            "INSERT INTO giveaway_counts (giveaway_id, guild_id, shard, entrants, open)
             VALUES ($1, $2, $3, 0, 1)",
        )
        .bind(id)
        .bind(new.guild.to_db())
        .bind(i64::try_from(shard).unwrap_or_default())
        .execute(&mut *transaction)
        .await?;
    }
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM giveaways WHERE guild_id = $1 AND id = $2"
    )))
    .bind(new.guild.to_db())
    .bind(id)
    .fetch_one(&mut *transaction)
    .await?;
    let created = giveaway(&row)?;
    insert_event(
        &mut transaction,
        &NewEvent {
            giveaway: created.id,
            guild: new.guild,
            kind: EventKind::Start,
            actor: new.actor,
            user: None,
            slot: None,
            detail: json!({
                "prize": new.prize,
                "winners": new.winners,
                "channel": new.channel,
                "ends_at": new.ends_at,
                "seed_hash": new.seed_hash,
                "requirements": new.requirements,
                "claim_window_secs": new.claim_window_secs,
                "max_rerolls": new.max_rerolls,
            }),
            at: new.created_at,
        },
    )
    .await?;
    transaction.commit().await?;
    Ok(Created::Created(Box::new(created)))
}

/// A guild's giveaway.
pub(super) async fn get(
    db: &Db,
    guild: GuildId,
    id: GiveawayId,
) -> Result<Option<Giveaway>, DbError> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM giveaways WHERE guild_id = $1 AND id = $2"
    )))
    .bind(guild.to_db())
    .bind(id)
    .fetch_optional(db.pool())
    .await?;
    row.as_ref().map(giveaway).transpose()
}

/// A guild's giveaway by the key of its end job.
pub(super) async fn get_by_end_key(
    db: &Db,
    guild: GuildId,
    key: &str,
) -> Result<Option<Giveaway>, DbError> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM giveaways WHERE guild_id = $1 AND end_key = $2"
    )))
    .bind(guild.to_db())
    .bind(key)
    .fetch_optional(db.pool())
    .await?;
    row.as_ref().map(giveaway).transpose()
}

/// The secret seed of a giveaway, whatever its state: for the draw only.
pub(super) async fn seed(db: &Db, guild: GuildId, id: GiveawayId) -> Result<String, DbError> {
    sqlx::query_scalar("SELECT seed FROM giveaways WHERE guild_id = $1 AND id = $2")
        .bind(guild.to_db())
        .bind(id)
        .fetch_optional(db.pool())
        .await?
        .ok_or_else(|| DbError::Corrupt(format!("giveaway {id} has no seed")))
}

/// A guild's giveaways, newest first, optionally in one state; at most `limit`.
pub(super) async fn list(
    db: &Db,
    guild: GuildId,
    state: Option<GiveawayState>,
    limit: u32,
) -> Result<Vec<Giveaway>, DbError> {
    let rows = match state {
        Some(state) => {
            sqlx::query(AssertSqlSafe(format!(
                "SELECT {COLUMNS} FROM giveaways WHERE guild_id = $1 AND state = $2
                 ORDER BY id DESC LIMIT $3"
            )))
            .bind(guild.to_db())
            .bind(state.as_str())
            .bind(i64::from(limit))
            .fetch_all(db.pool())
            .await?
        }
        None => {
            sqlx::query(AssertSqlSafe(format!(
                "SELECT {COLUMNS} FROM giveaways WHERE guild_id = $1 ORDER BY id DESC LIMIT $2"
            )))
            .bind(guild.to_db())
            .bind(i64::from(limit))
            .fetch_all(db.pool())
            .await?
        }
    };
    rows.iter().map(giveaway).collect()
}

/// Records the giveaway's message. `None` when there is no such giveaway.
pub(super) async fn set_message(
    db: &Db,
    guild: GuildId,
    id: GiveawayId,
    message: MessageId,
) -> Result<Option<Giveaway>, DbError> {
    sqlx::query("UPDATE giveaways SET message_id = $3 WHERE guild_id = $1 AND id = $2")
        .bind(guild.to_db())
        .bind(id)
        .bind(message.to_db())
        .execute(db.pool())
        .await?;
    get(db, guild, id).await
}

/// Closes entries now (an early end): `ends_at` becomes `now`. `false` when the giveaway is
/// not running or already past its end.
pub(super) async fn end_now(
    db: &Db,
    guild: GuildId,
    id: GiveawayId,
    now: UnixMillis,
) -> Result<bool, DbError> {
    let done = sqlx::query(
        "UPDATE giveaways SET ends_at = $3
         WHERE guild_id = $1 AND id = $2 AND state = 'running' AND ends_at > $3",
    )
    .bind(guild.to_db())
    .bind(id)
    .bind(now.0)
    .execute(db.pool())
    .await?;
    Ok(done.rows_affected() == 1)
}

/// What an entry or a leave wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum EntryWrite {
    /// Written; the giveaway now has this many entrants.
    Done(u64),
    /// Nothing to write: already entered (for an entry) or not entered (for a leave).
    Unchanged,
    /// The giveaway is not taking entries (any more); nothing was written.
    Closed,
}

/// Enters a member: one entry per member (the primary key), logged, counted, and only while
/// entries are open; all in one transaction.
pub(super) async fn enter(
    db: &Db,
    guild: GuildId,
    id: GiveawayId,
    user: UserId,
    now: UnixMillis,
) -> Result<EntryWrite, DbError> {
    let mut transaction = db.begin_write().await?;
    let inserted = sqlx::query(
        "INSERT INTO giveaway_entries (giveaway_id, guild_id, user_id, entered_at, left_at)
         SELECT id, guild_id, $3, $4, NULL FROM giveaways
         WHERE id = $1 AND guild_id = $2 AND state = 'running' AND ends_at > $4
         ON CONFLICT (giveaway_id, user_id) DO UPDATE
             SET entered_at = excluded.entered_at, left_at = NULL
             WHERE giveaway_entries.left_at IS NOT NULL
         RETURNING user_id",
    )
    .bind(id)
    .bind(guild.to_db())
    .bind(user.to_db())
    .bind(now.0)
    .fetch_optional(&mut *transaction)
    .await?;
    if inserted.is_none() {
        transaction.rollback().await?;
        return Ok(EntryWrite::Unchanged);
    }
    insert_event(
        &mut transaction,
        &NewEvent {
            giveaway: id,
            guild,
            kind: EventKind::Entry,
            actor: EventActor::Member(user),
            user: Some(user),
            slot: None,
            detail: json!({}),
            at: now,
        },
    )
    .await?;
    count_change(transaction, guild, id, user, "+ 1").await
}

/// Takes a member out of a running giveaway, logged and counted, in one transaction.
pub(super) async fn leave(
    db: &Db,
    guild: GuildId,
    id: GiveawayId,
    user: UserId,
    now: UnixMillis,
) -> Result<EntryWrite, DbError> {
    let mut transaction = db.begin_write().await?;
    let left = sqlx::query(
        "UPDATE giveaway_entries SET left_at = $4
         WHERE giveaway_id = $1 AND guild_id = $2 AND user_id = $3 AND left_at IS NULL",
    )
    .bind(id)
    .bind(guild.to_db())
    .bind(user.to_db())
    .bind(now.0)
    .execute(&mut *transaction)
    .await?;
    if left.rows_affected() == 0 {
        transaction.rollback().await?;
        return Ok(EntryWrite::Unchanged);
    }
    insert_event(
        &mut transaction,
        &NewEvent {
            giveaway: id,
            guild,
            kind: EventKind::Leave,
            actor: EventActor::Member(user),
            user: Some(user),
            slot: None,
            detail: json!({}),
            at: now,
        },
    )
    .await?;
    count_change(transaction, guild, id, user, "- 1").await
}

/// The end of an entry or a leave: counts it in the member's shard while entries are open, and
/// commits; rolls everything back when they are closed.
async fn count_change(
    mut transaction: Transaction<'_>,
    guild: GuildId,
    id: GiveawayId,
    user: UserId,
    change: &str,
) -> Result<EntryWrite, DbError> {
    let shard = i64::try_from(user.get() % COUNT_SHARDS).unwrap_or_default();
    let counted = sqlx::query(AssertSqlSafe(format!(
        "UPDATE giveaway_counts SET entrants = entrants {change}
         WHERE giveaway_id = $1 AND guild_id = $2 AND shard = $3 AND open = 1"
    )))
    .bind(id)
    .bind(guild.to_db())
    .bind(shard)
    .execute(&mut *transaction)
    .await?;
    if counted.rows_affected() == 0 {
        transaction.rollback().await?;
        return Ok(EntryWrite::Closed);
    }
    let entrants: i64 = sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(entrants), 0) AS BIGINT) FROM giveaway_counts
         WHERE giveaway_id = $1 AND guild_id = $2",
    )
    .bind(id)
    .bind(guild.to_db())
    .fetch_one(&mut *transaction)
    .await?;
    transaction.commit().await?;
    Ok(EntryWrite::Done(count(entrants)))
}

/// Closes the entrant counter: every shard, in one statement, so that entries still holding a
/// shard finish first and later ones are refused.
async fn close_counts(
    transaction: &mut Transaction<'_>,
    guild: GuildId,
    id: GiveawayId,
) -> Result<(), DbError> {
    sqlx::query("UPDATE giveaway_counts SET open = 0 WHERE giveaway_id = $1 AND guild_id = $2")
        .bind(id)
        .bind(guild.to_db())
        .execute(&mut **transaction)
        .await?;
    Ok(())
}

/// A member's entry, if they ever entered.
pub(super) async fn entry(
    db: &Db,
    guild: GuildId,
    id: GiveawayId,
    user: UserId,
) -> Result<Option<Entry>, DbError> {
    let row = sqlx::query(
        "SELECT user_id, entered_at, left_at FROM giveaway_entries
         WHERE giveaway_id = $1 AND guild_id = $2 AND user_id = $3",
    )
    .bind(id)
    .bind(guild.to_db())
    .bind(user.to_db())
    .fetch_optional(db.pool())
    .await?;
    row.as_ref().map(entry_row).transpose()
}

fn entry_row(row: &AnyRow) -> Result<Entry, DbError> {
    Ok(Entry {
        user: UserId::from_db(row.try_get("user_id")?),
        entered_at: UnixMillis(row.try_get("entered_at")?),
        left_at: row.try_get::<Option<i64>, _>("left_at")?.map(UnixMillis),
    })
}

/// Every entry of a giveaway (also those who left), by user id.
pub(super) async fn entries(
    db: &Db,
    guild: GuildId,
    id: GiveawayId,
) -> Result<Vec<Entry>, DbError> {
    let rows = sqlx::query(
        "SELECT user_id, entered_at, left_at FROM giveaway_entries
         WHERE giveaway_id = $1 AND guild_id = $2",
    )
    .bind(id)
    .bind(guild.to_db())
    .fetch_all(db.pool())
    .await?;
    let mut entries: Vec<Entry> = rows.iter().map(entry_row).collect::<Result<_, _>>()?;
    entries.sort_unstable_by_key(|entry| entry.user);
    Ok(entries)
}

/// The members entered now, sorted by numeric id (SQL would sort the signed BIGINT).
pub(super) async fn entrants(
    db: &Db,
    guild: GuildId,
    id: GiveawayId,
) -> Result<Vec<UserId>, DbError> {
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT user_id FROM giveaway_entries
         WHERE giveaway_id = $1 AND guild_id = $2 AND left_at IS NULL",
    )
    .bind(id)
    .bind(guild.to_db())
    .fetch_all(db.pool())
    .await?;
    let mut users: Vec<UserId> = ids.into_iter().map(UserId::from_db).collect();
    users.sort_unstable();
    Ok(users)
}

/// Closes entries for the draw: the entrant counter, then `running` → `drawing`, in one
/// transaction. `false` (nothing written) when it was not running.
pub(super) async fn close_for_draw(
    db: &Db,
    guild: GuildId,
    id: GiveawayId,
) -> Result<bool, DbError> {
    let mut transaction = db.begin_write().await?;
    close_counts(&mut transaction, guild, id).await?;
    let done = sqlx::query(
        "UPDATE giveaways SET state = 'drawing'
         WHERE guild_id = $1 AND id = $2 AND state = 'running'",
    )
    .bind(guild.to_db())
    .bind(id)
    .execute(&mut *transaction)
    .await?;
    if done.rows_affected() == 0 {
        transaction.rollback().await?;
        return Ok(false);
    }
    transaction.commit().await?;
    Ok(true)
}

/// A candidate who was not drawn, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Disqualified {
    /// The member.
    pub user: UserId,
    /// Why, in words: "left the server", or the requirements they no longer meet.
    pub reason: String,
}

/// A draw or reroll as logged: the fairness step plus the reasons and who asked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepRecord {
    /// The step's number in the giveaway's draw, from 1.
    pub step: u32,
    /// The slot, from 1.
    pub slot: u32,
    /// 0 for the first draw, then one more per reroll.
    pub attempt: u32,
    /// Candidates disqualified before the winner, in pick order.
    pub disqualified: Vec<Disqualified>,
    /// The winner; `None` when nobody was left.
    pub winner: Option<UserId>,
}

impl StepRecord {
    /// The step as [`verify`](super::fairness::verify) reads it.
    pub fn draw_step(&self) -> DrawStep {
        DrawStep {
            slot: self.slot,
            attempt: self.attempt,
            disqualified: self.disqualified.iter().map(|entry| entry.user).collect(),
            winner: self.winner,
        }
    }
}

/// The draw to write when a giveaway ends.
#[derive(Debug, Clone)]
pub(super) struct DrawWrite {
    pub steps: Vec<StepRecord>,
    pub entrants: u64,
    pub entrants_hash: String,
    pub seed: String,
    pub now: UnixMillis,
}

/// Writes the first draw: `drawing` → `ended`, every slot and its `draw` line, and the `end`
/// line, in one transaction. `false` (nothing written) when the giveaway was not drawing: the
/// draw happened already.
pub(super) async fn record_draw(
    db: &Db,
    guild: GuildId,
    id: GiveawayId,
    draw: &DrawWrite,
) -> Result<bool, DbError> {
    let mut transaction = db.begin_write().await?;
    let steps = i64::try_from(draw.steps.len()).unwrap_or(i64::MAX);
    let ended = sqlx::query(
        "UPDATE giveaways SET state = 'ended', ended_at = $3, entrants_hash = $4, draw_steps = $5
         WHERE guild_id = $1 AND id = $2 AND state = 'drawing'",
    )
    .bind(guild.to_db())
    .bind(id)
    .bind(draw.now.0)
    .bind(draw.entrants_hash.clone())
    .bind(steps)
    .execute(&mut *transaction)
    .await?;
    if ended.rows_affected() == 0 {
        transaction.rollback().await?;
        return Ok(false);
    }
    for step in &draw.steps {
        let state = match step.winner {
            Some(_) => SlotState::Pending,
            None => SlotState::Unclaimed,
        };
        sqlx::query(
            "INSERT INTO giveaway_slots (giveaway_id, guild_id, slot, attempt, winner_id, drawn_at,
                 state)
             VALUES ($1, $2, $3, 0, $4, $5, $6)",
        )
        .bind(id)
        .bind(guild.to_db())
        .bind(i64::from(step.slot))
        .bind(step.winner.map(UserId::to_db))
        .bind(draw.now.0)
        .bind(state.as_str())
        .execute(&mut *transaction)
        .await?;
        insert_step(
            &mut transaction,
            guild,
            id,
            EventKind::Draw,
            EventActor::System,
            step,
            draw.now,
        )
        .await?;
    }
    insert_event(
        &mut transaction,
        &NewEvent {
            giveaway: id,
            guild,
            kind: EventKind::End,
            actor: EventActor::System,
            user: None,
            slot: None,
            detail: json!({
                "entrants": draw.entrants,
                "entrants_hash": draw.entrants_hash,
                "seed": draw.seed,
                "winners": draw.steps.iter().filter(|step| step.winner.is_some()).count(),
            }),
            at: draw.now,
        },
    )
    .await?;
    transaction.commit().await?;
    Ok(true)
}

async fn insert_step(
    transaction: &mut Transaction<'_>,
    guild: GuildId,
    id: GiveawayId,
    kind: EventKind,
    actor: EventActor,
    step: &StepRecord,
    at: UnixMillis,
) -> Result<(), DbError> {
    let detail = serde_json::to_value(step).map_err(|error| corrupt("draw step", error))?;
    insert_event(
        transaction,
        &NewEvent {
            giveaway: id,
            guild,
            kind,
            actor,
            user: step.winner,
            slot: Some(step.slot),
            detail,
            at,
        },
    )
    .await
}

/// Every draw and reroll of a giveaway, in step order.
pub(super) async fn steps(
    db: &Db,
    guild: GuildId,
    id: GiveawayId,
) -> Result<Vec<StepRecord>, DbError> {
    let details: Vec<String> = sqlx::query_scalar(
        "SELECT detail FROM giveaway_events
         WHERE guild_id = $1 AND giveaway_id = $2 AND kind IN ('draw', 'reroll') ORDER BY id",
    )
    .bind(guild.to_db())
    .bind(id)
    .fetch_all(db.pool())
    .await?;
    let mut steps: Vec<StepRecord> = details
        .iter()
        .map(|detail| serde_json::from_str(detail).map_err(|error| corrupt("draw step", error)))
        .collect::<Result<_, _>>()?;
    steps.sort_by_key(|step| step.step);
    Ok(steps)
}

/// A giveaway's slots, by number.
pub(super) async fn slots(db: &Db, guild: GuildId, id: GiveawayId) -> Result<Vec<Slot>, DbError> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {SLOT_COLUMNS} FROM giveaway_slots WHERE guild_id = $1 AND giveaway_id = $2
         ORDER BY slot"
    )))
    .bind(guild.to_db())
    .bind(id)
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(slot).collect()
}

/// One slot.
pub(super) async fn get_slot(
    db: &Db,
    guild: GuildId,
    id: GiveawayId,
    number: u32,
) -> Result<Option<Slot>, DbError> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {SLOT_COLUMNS} FROM giveaway_slots
         WHERE guild_id = $1 AND giveaway_id = $2 AND slot = $3"
    )))
    .bind(guild.to_db())
    .bind(id)
    .bind(i64::from(number))
    .fetch_optional(db.pool())
    .await?;
    row.as_ref().map(slot).transpose()
}

/// Marks a pending slot whose window has passed as expired, with its `failed_claim` line.
/// `false` when the slot is no longer pending at that attempt (claimed, or handled already).
pub(super) async fn expire(
    db: &Db,
    guild: GuildId,
    current: &Slot,
    now: UnixMillis,
) -> Result<bool, DbError> {
    let mut transaction = db.begin_write().await?;
    let done = sqlx::query(
        "UPDATE giveaway_slots SET state = 'expired'
         WHERE guild_id = $1 AND giveaway_id = $2 AND slot = $3 AND attempt = $4
             AND state = 'pending' AND claim_deadline <= $5",
    )
    .bind(guild.to_db())
    .bind(current.giveaway)
    .bind(i64::from(current.slot))
    .bind(i64::from(current.attempt))
    .bind(now.0)
    .execute(&mut *transaction)
    .await?;
    if done.rows_affected() == 0 {
        transaction.rollback().await?;
        return Ok(false);
    }
    insert_event(
        &mut transaction,
        &NewEvent {
            giveaway: current.giveaway,
            guild,
            kind: EventKind::FailedClaim,
            actor: EventActor::System,
            user: current.winner,
            slot: Some(current.slot),
            detail: json!({
                "attempt": current.attempt,
                "claim_deadline": current.claim_deadline,
            }),
            at: now,
        },
    )
    .await?;
    transaction.commit().await?;
    Ok(true)
}

/// A reroll to write.
#[derive(Debug, Clone)]
pub(super) struct RerollWrite {
    /// The `draw_steps` the reroll was computed from.
    pub expected_steps: u32,
    /// The slot as it was when the reroll was computed.
    pub from: Slot,
    /// The new step (its attempt is `from.attempt + 1`).
    pub step: StepRecord,
    /// Counted against `max_rerolls` (and only written while some are left).
    pub automatic: bool,
    /// Who asked.
    pub actor: EventActor,
    /// Why, for a manual reroll.
    pub reason: Option<String>,
    pub now: UnixMillis,
}

/// Writes a reroll: the giveaway's step count (and automatic reroll count), the slot's new
/// winner (or `unclaimed` when nobody was left) and its `reroll` line, in one transaction.
/// `false` (nothing written) when anything changed since the reroll was computed.
pub(super) async fn record_reroll(
    db: &Db,
    guild: GuildId,
    write: &RerollWrite,
) -> Result<bool, DbError> {
    let id = write.from.giveaway;
    let mut transaction = db.begin_write().await?;
    let guard = if write.automatic {
        "UPDATE giveaways SET draw_steps = draw_steps + 1, rerolls_used = rerolls_used + 1
         WHERE guild_id = $1 AND id = $2 AND state = 'ended' AND draw_steps = $3
             AND rerolls_used < max_rerolls"
    } else {
        "UPDATE giveaways SET draw_steps = draw_steps + 1
         WHERE guild_id = $1 AND id = $2 AND state = 'ended' AND draw_steps = $3"
    };
    let counted = sqlx::query(guard)
        .bind(guild.to_db())
        .bind(id)
        .bind(i64::from(write.expected_steps))
        .execute(&mut *transaction)
        .await?;
    if counted.rows_affected() == 0 {
        transaction.rollback().await?;
        return Ok(false);
    }
    let state = match write.step.winner {
        Some(_) => SlotState::Pending,
        None => SlotState::Unclaimed,
    };
    let moved = sqlx::query(
        "UPDATE giveaway_slots SET attempt = $5, winner_id = $6, drawn_at = $7,
             claim_deadline = NULL, claimed_at = NULL, state = $8, announced_at = NULL
         WHERE guild_id = $1 AND giveaway_id = $2 AND slot = $3 AND attempt = $4 AND state = $9",
    )
    .bind(guild.to_db())
    .bind(id)
    .bind(i64::from(write.from.slot))
    .bind(i64::from(write.from.attempt))
    .bind(i64::from(write.step.attempt))
    .bind(write.step.winner.map(UserId::to_db))
    .bind(write.now.0)
    .bind(state.as_str())
    .bind(write.from.state.as_str())
    .execute(&mut *transaction)
    .await?;
    if moved.rows_affected() == 0 {
        transaction.rollback().await?;
        return Ok(false);
    }
    let mut detail =
        serde_json::to_value(&write.step).map_err(|error| corrupt("draw step", error))?;
    if let Value::Object(fields) = &mut detail {
        fields.insert("automatic".to_owned(), Value::Bool(write.automatic));
        fields.insert("previous_winner".to_owned(), json!(write.from.winner));
        fields.insert("previous_state".to_owned(), json!(write.from.state));
        if let Some(reason) = &write.reason {
            fields.insert("reason".to_owned(), json!(reason));
        }
    }
    insert_event(
        &mut transaction,
        &NewEvent {
            giveaway: id,
            guild,
            kind: EventKind::Reroll,
            actor: write.actor,
            user: write.step.winner,
            slot: Some(write.step.slot),
            detail,
            at: write.now,
        },
    )
    .await?;
    if write.step.winner.is_none() {
        insert_event(
            &mut transaction,
            &NewEvent {
                giveaway: id,
                guild,
                kind: EventKind::Unclaimed,
                actor: EventActor::System,
                user: None,
                slot: Some(write.step.slot),
                detail: json!({"reason": "nobody left to draw", "attempt": write.step.attempt}),
                at: write.now,
            },
        )
        .await?;
    }
    transaction.commit().await?;
    Ok(true)
}

/// Gives an expired slot up: `expired` → `unclaimed`, with its `unclaimed` line. `false` when
/// the slot is no longer expired at that attempt.
pub(super) async fn give_up(
    db: &Db,
    guild: GuildId,
    current: &Slot,
    reason: &str,
    now: UnixMillis,
) -> Result<bool, DbError> {
    let mut transaction = db.begin_write().await?;
    let done = sqlx::query(
        "UPDATE giveaway_slots SET state = 'unclaimed', announced_at = NULL
         WHERE guild_id = $1 AND giveaway_id = $2 AND slot = $3 AND attempt = $4
             AND state = 'expired'",
    )
    .bind(guild.to_db())
    .bind(current.giveaway)
    .bind(i64::from(current.slot))
    .bind(i64::from(current.attempt))
    .execute(&mut *transaction)
    .await?;
    if done.rows_affected() == 0 {
        transaction.rollback().await?;
        return Ok(false);
    }
    insert_event(
        &mut transaction,
        &NewEvent {
            giveaway: current.giveaway,
            guild,
            kind: EventKind::Unclaimed,
            actor: EventActor::System,
            user: current.winner,
            slot: Some(current.slot),
            detail: json!({"reason": reason, "attempt": current.attempt}),
            at: now,
        },
    )
    .await?;
    transaction.commit().await?;
    Ok(true)
}

/// Records a claim: the slot's current winner, while pending and within the window. The claim
/// counts as announced (its answer goes out with the interaction). `false` when any of that no
/// longer holds.
pub(super) async fn claim(
    db: &Db,
    guild: GuildId,
    current: &Slot,
    user: UserId,
    now: UnixMillis,
) -> Result<bool, DbError> {
    let mut transaction = db.begin_write().await?;
    let done = sqlx::query(
        "UPDATE giveaway_slots SET state = 'claimed', claimed_at = $6, announced_at = $6
         WHERE guild_id = $1 AND giveaway_id = $2 AND slot = $3 AND attempt = $4
             AND state = 'pending' AND winner_id = $5
             AND (claim_deadline IS NULL OR claim_deadline > $6)",
    )
    .bind(guild.to_db())
    .bind(current.giveaway)
    .bind(i64::from(current.slot))
    .bind(i64::from(current.attempt))
    .bind(user.to_db())
    .bind(now.0)
    .execute(&mut *transaction)
    .await?;
    if done.rows_affected() == 0 {
        transaction.rollback().await?;
        return Ok(false);
    }
    insert_event(
        &mut transaction,
        &NewEvent {
            giveaway: current.giveaway,
            guild,
            kind: EventKind::Claim,
            actor: EventActor::Member(user),
            user: Some(user),
            slot: Some(current.slot),
            detail: json!({"attempt": current.attempt}),
            at: now,
        },
    )
    .await?;
    transaction.commit().await?;
    Ok(true)
}

/// Marks a slot's current state as announced; a winner's claim window runs from now to
/// `deadline` (the one the announcement showed).
pub(super) async fn mark_announced(
    db: &Db,
    guild: GuildId,
    current: &Slot,
    now: UnixMillis,
    deadline: Option<UnixMillis>,
) -> Result<(), DbError> {
    sqlx::query(
        "UPDATE giveaway_slots SET announced_at = $6,
             claim_deadline = COALESCE(claim_deadline, $7)
         WHERE guild_id = $1 AND giveaway_id = $2 AND slot = $3 AND attempt = $4 AND state = $5
             AND announced_at IS NULL",
    )
    .bind(guild.to_db())
    .bind(current.giveaway)
    .bind(i64::from(current.slot))
    .bind(i64::from(current.attempt))
    .bind(current.state.as_str())
    .bind(now.0)
    .bind(deadline.map(|deadline| deadline.0))
    .execute(db.pool())
    .await?;
    Ok(())
}

/// Cancels a running giveaway, with its `cancel` line. `None` when it was not running.
pub(super) async fn cancel(
    db: &Db,
    guild: GuildId,
    id: GiveawayId,
    actor: EventActor,
    reason: Option<&str>,
    now: UnixMillis,
) -> Result<Option<Giveaway>, DbError> {
    let mut transaction = db.begin_write().await?;
    close_counts(&mut transaction, guild, id).await?;
    let done = sqlx::query(
        "UPDATE giveaways SET state = 'cancelled', ended_at = $3
         WHERE guild_id = $1 AND id = $2 AND state = 'running'",
    )
    .bind(guild.to_db())
    .bind(id)
    .bind(now.0)
    .execute(&mut *transaction)
    .await?;
    if done.rows_affected() == 0 {
        transaction.rollback().await?;
        return Ok(None);
    }
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM giveaways WHERE guild_id = $1 AND id = $2"
    )))
    .bind(guild.to_db())
    .bind(id)
    .fetch_one(&mut *transaction)
    .await?;
    let cancelled = giveaway(&row)?;
    insert_event(
        &mut transaction,
        &NewEvent {
            giveaway: id,
            guild,
            kind: EventKind::Cancel,
            actor,
            user: None,
            slot: None,
            detail: json!({"reason": reason, "seed": cancelled.seed, "entrants": cancelled.entrants}),
            at: now,
        },
    )
    .await?;
    transaction.commit().await?;
    Ok(Some(cancelled))
}

/// A giveaway's log, oldest first; without entries and leaves unless `with_entries`.
pub(super) async fn events(
    db: &Db,
    guild: GuildId,
    id: GiveawayId,
    with_entries: bool,
) -> Result<Vec<Event>, DbError> {
    let filter = if with_entries {
        ""
    } else {
        " AND kind NOT IN ('entry', 'leave')"
    };
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {EVENT_COLUMNS} FROM giveaway_events WHERE guild_id = $1 AND giveaway_id = $2{filter}
         ORDER BY id"
    )))
    .bind(guild.to_db())
    .bind(id)
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(event).collect()
}
