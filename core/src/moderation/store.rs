//! Cases in SQL: portable statements over [`Db`], every query scoped by guild.
//!
//! Case numbers come from `moderation_counters`: an upsert that bumps the guild's counter and
//! returns it, in the same transaction as the insert. The upsert takes the counter row's write
//! lock (PostgreSQL) or the database's write lock (SQLite), so concurrent moderators get
//! distinct, consecutive numbers and a failed insert gives its number back.

use std::time::Duration;

use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row as _};

use super::cases::{Case, CaseActor, CaseId, CaseKind, NewCase, Severity};
use crate::clock::UnixMillis;
use crate::db::{Db, DbError};
use crate::ids::{GuildId, MessageId, UserId};

const COLUMNS: &str = "id, guild_id, number, kind, target_id, moderator_id, actor, reason, severity, \
    duration_secs, created_at, expires_at, pardoned_at, pardoned_by, mod_log_message_id, \
    escalated_from, escalation_threshold, lifts_case, reason_edited_by, reason_edited_at, failed_reason";

/// Which cases to list; every field narrows the list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaseFilter {
    /// Only cases about this user.
    pub target: Option<UserId>,
    /// Only of this kind.
    pub kind: Option<CaseKind>,
    /// Only by this moderator.
    pub moderator: Option<UserId>,
    /// Only by this automation (`automod:spam`, `escalation`).
    pub actor: Option<String>,
    /// Only cases whose reason contains this text (case-insensitive).
    pub text: Option<String>,
    /// Only cases numbered below this (the next page after a page ending at this number).
    pub before_number: Option<i64>,
    /// At most this many, newest first (0 means 50).
    pub limit: u32,
}

/// Creates a case with the guild's next number.
///
/// # Errors
/// [`DbError`] when the write fails; nothing is written then.
pub async fn create(db: &Db, new: &NewCase) -> Result<Case, DbError> {
    let mut transaction = db.begin_write().await?;
    let number: i64 = sqlx::query(
        "INSERT INTO moderation_counters (guild_id, last_case) VALUES ($1, 1)
         ON CONFLICT (guild_id) DO UPDATE SET last_case = moderation_counters.last_case + 1
         RETURNING last_case",
    )
    .bind(new.guild.to_db())
    .fetch_one(&mut *transaction)
    .await?
    .try_get("last_case")?;
    let (moderator, actor) = match &new.actor {
        CaseActor::Moderator(user) => (Some(user.to_db()), None),
        CaseActor::Automated(name) => (None, Some(name.clone())),
    };
    let row = sqlx::query(AssertSqlSafe(format!(
        "INSERT INTO moderation_cases (guild_id, number, kind, target_id, moderator_id, actor, reason,
             severity, duration_secs, created_at, expires_at, escalated_from, escalation_threshold, lifts_case)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
         RETURNING {COLUMNS}"
    )))
    .bind(new.guild.to_db())
    .bind(number)
    .bind(new.kind.as_str())
    .bind(new.target.to_db())
    .bind(moderator)
    .bind(actor)
    .bind(new.reason.clone())
    .bind(new.severity.map(Severity::as_str))
    .bind(new.duration.map(duration_secs))
    .bind(new.created_at.0)
    .bind(new.expires_at.map(|at| at.0))
    .bind(new.escalated_from)
    .bind(new.escalation_threshold.map(i64::from))
    .bind(new.lifts_case)
    .fetch_one(&mut *transaction)
    .await?;
    let case = case(&row)?;
    transaction.commit().await?;
    Ok(case)
}

/// A guild's case by its number.
///
/// # Errors
/// [`DbError`] when the read fails.
pub async fn get(db: &Db, guild: GuildId, number: i64) -> Result<Option<Case>, DbError> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM moderation_cases WHERE guild_id = $1 AND number = $2"
    )))
    .bind(guild.to_db())
    .bind(number)
    .fetch_optional(db.pool())
    .await?;
    row.as_ref().map(case).transpose()
}

/// A case by its internal id, only if it belongs to `guild`.
///
/// # Errors
/// [`DbError`] when the read fails.
pub async fn get_by_id(db: &Db, guild: GuildId, id: CaseId) -> Result<Option<Case>, DbError> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM moderation_cases WHERE guild_id = $1 AND id = $2"
    )))
    .bind(guild.to_db())
    .bind(id)
    .fetch_optional(db.pool())
    .await?;
    row.as_ref().map(case).transpose()
}

/// The case that lifts case `lifted`, if one was created.
///
/// # Errors
/// [`DbError`] when the read fails.
pub async fn lifted_by(db: &Db, guild: GuildId, lifted: CaseId) -> Result<Option<Case>, DbError> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM moderation_cases WHERE guild_id = $1 AND lifts_case = $2"
    )))
    .bind(guild.to_db())
    .bind(lifted)
    .fetch_optional(db.pool())
    .await?;
    row.as_ref().map(case).transpose()
}

/// Whether a ban, tempban or unban of `target` was recorded after case `after`: a later
/// decision that supersedes a tempban's automatic end.
///
/// # Errors
/// [`DbError`] when the read fails.
pub async fn ban_state_changed_since(
    db: &Db,
    guild: GuildId,
    target: UserId,
    after: CaseId,
) -> Result<bool, DbError> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS later FROM moderation_cases
         WHERE guild_id = $1 AND target_id = $2 AND id > $3 AND kind IN ('ban', 'tempban', 'unban')
           AND failed_reason IS NULL",
    )
    .bind(guild.to_db())
    .bind(target.to_db())
    .bind(after)
    .fetch_one(db.pool())
    .await?;
    Ok(row.try_get::<i64, _>("later")? > 0)
}

/// A guild's cases matching `filter`, newest first.
///
/// # Errors
/// [`DbError`] when the read fails.
pub async fn list(db: &Db, guild: GuildId, filter: &CaseFilter) -> Result<Vec<Case>, DbError> {
    let mut conditions = vec!["guild_id = $1".to_owned()];
    let mut next = 2;
    let mut placeholder = || {
        let text = format!("${next}");
        next += 1;
        text
    };
    if filter.target.is_some() {
        conditions.push(format!("target_id = {}", placeholder()));
    }
    if filter.kind.is_some() {
        conditions.push(format!("kind = {}", placeholder()));
    }
    if filter.moderator.is_some() {
        conditions.push(format!("moderator_id = {}", placeholder()));
    }
    if filter.actor.is_some() {
        conditions.push(format!("actor = {}", placeholder()));
    }
    if filter.text.is_some() {
        conditions.push(format!("LOWER(reason) LIKE {} ESCAPE '\\'", placeholder()));
    }
    if filter.before_number.is_some() {
        conditions.push(format!("number < {}", placeholder()));
    }
    let limit_placeholder = placeholder();
    let sql = format!(
        "SELECT {COLUMNS} FROM moderation_cases WHERE {} ORDER BY number DESC LIMIT {limit_placeholder}",
        conditions.join(" AND ")
    );
    let mut query = sqlx::query(AssertSqlSafe(sql)).bind(guild.to_db());
    if let Some(target) = filter.target {
        query = query.bind(target.to_db());
    }
    if let Some(kind) = filter.kind {
        query = query.bind(kind.as_str());
    }
    if let Some(moderator) = filter.moderator {
        query = query.bind(moderator.to_db());
    }
    if let Some(actor) = &filter.actor {
        query = query.bind(actor.clone());
    }
    if let Some(text) = &filter.text {
        query = query.bind(like_pattern(text));
    }
    if let Some(before) = filter.before_number {
        query = query.bind(before);
    }
    let limit = if filter.limit == 0 { 50 } else { filter.limit };
    let rows = query.bind(i64::from(limit)).fetch_all(db.pool()).await?;
    rows.iter().map(case).collect()
}

fn like_pattern(text: &str) -> String {
    let mut pattern = String::with_capacity(text.len() + 2);
    pattern.push('%');
    for character in text.to_lowercase().chars() {
        if matches!(character, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(character);
    }
    pattern.push('%');
    pattern
}

/// Replaces a case's reason, recording who edited it and when. `None` when there is no such case.
///
/// # Errors
/// [`DbError`] when the write fails.
pub async fn update_reason(
    db: &Db,
    guild: GuildId,
    number: i64,
    reason: &str,
    editor: UserId,
    at: UnixMillis,
) -> Result<Option<Case>, DbError> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "UPDATE moderation_cases SET reason = $3, reason_edited_by = $4, reason_edited_at = $5
         WHERE guild_id = $1 AND number = $2 RETURNING {COLUMNS}"
    )))
    .bind(guild.to_db())
    .bind(number)
    .bind(reason.to_owned())
    .bind(editor.to_db())
    .bind(at.0)
    .fetch_optional(db.pool())
    .await?;
    row.as_ref().map(case).transpose()
}

/// Records the mod-log post of a case. `None` when there is no such case.
///
/// # Errors
/// [`DbError`] when the write fails.
pub async fn set_mod_log_message(
    db: &Db,
    guild: GuildId,
    number: i64,
    message: MessageId,
) -> Result<Option<Case>, DbError> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "UPDATE moderation_cases SET mod_log_message_id = $3
         WHERE guild_id = $1 AND number = $2 RETURNING {COLUMNS}"
    )))
    .bind(guild.to_db())
    .bind(number)
    .bind(message.to_db())
    .fetch_optional(db.pool())
    .await?;
    row.as_ref().map(case).transpose()
}

/// Marks a case as not carried out: Discord refused or failed its action. `None` when there is
/// no such case.
///
/// # Errors
/// [`DbError`] when the write fails.
pub async fn mark_failed(
    db: &Db,
    guild: GuildId,
    number: i64,
    why: &str,
) -> Result<Option<Case>, DbError> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "UPDATE moderation_cases SET failed_reason = $3
         WHERE guild_id = $1 AND number = $2 RETURNING {COLUMNS}"
    )))
    .bind(guild.to_db())
    .bind(number)
    .bind(why)
    .fetch_optional(db.pool())
    .await?;
    row.as_ref().map(case).transpose()
}

/// Pardons a warning so it stops counting; a warning already pardoned keeps its first pardon.
/// `None` when there is no such warning.
///
/// # Errors
/// [`DbError`] when the write fails.
pub async fn pardon(
    db: &Db,
    guild: GuildId,
    number: i64,
    by: UserId,
    at: UnixMillis,
) -> Result<Option<Case>, DbError> {
    sqlx::query(
        "UPDATE moderation_cases SET pardoned_at = $3, pardoned_by = $4
         WHERE guild_id = $1 AND number = $2 AND kind = 'warn' AND pardoned_at IS NULL",
    )
    .bind(guild.to_db())
    .bind(number)
    .bind(at.0)
    .bind(by.to_db())
    .execute(db.pool())
    .await?;
    Ok(get(db, guild, number)
        .await?
        .filter(|case| case.kind == CaseKind::Warn))
}

/// How many of `target`'s warnings count at `now`: neither expired nor pardoned.
///
/// # Errors
/// [`DbError`] when the read fails.
pub async fn active_warnings(
    db: &Db,
    guild: GuildId,
    target: UserId,
    now: UnixMillis,
) -> Result<u32, DbError> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS active FROM moderation_cases
         WHERE guild_id = $1 AND target_id = $2 AND kind = 'warn' AND pardoned_at IS NULL
           AND (expires_at IS NULL OR expires_at > $3)",
    )
    .bind(guild.to_db())
    .bind(target.to_db())
    .bind(now.0)
    .fetch_one(db.pool())
    .await?;
    let active: i64 = row.try_get("active")?;
    Ok(u32::try_from(active).unwrap_or(u32::MAX))
}

/// The highest ladder threshold already applied to `target` whose triggering warning still
/// counts at `now`; see [`super::escalation::decide`].
///
/// # Errors
/// [`DbError`] when the read fails.
pub async fn applied_threshold(
    db: &Db,
    guild: GuildId,
    target: UserId,
    now: UnixMillis,
) -> Result<Option<u32>, DbError> {
    let row = sqlx::query(
        "SELECT MAX(escalation.escalation_threshold) AS applied
         FROM moderation_cases escalation
         JOIN moderation_cases warning ON warning.id = escalation.escalated_from
         WHERE escalation.guild_id = $1 AND escalation.target_id = $2
           AND escalation.failed_reason IS NULL
           AND warning.pardoned_at IS NULL
           AND (warning.expires_at IS NULL OR warning.expires_at > $3)",
    )
    .bind(guild.to_db())
    .bind(target.to_db())
    .bind(now.0)
    .fetch_one(db.pool())
    .await?;
    let applied: Option<i64> = row.try_get("applied")?;
    Ok(applied.map(|value| u32::try_from(value).unwrap_or(u32::MAX)))
}

fn duration_secs(duration: Duration) -> i64 {
    i64::try_from(duration.as_secs()).unwrap_or(i64::MAX)
}

fn case(row: &AnyRow) -> Result<Case, DbError> {
    let kind: String = row.try_get("kind")?;
    let kind = kind.parse::<CaseKind>().map_err(DbError::Corrupt)?;
    let actor = match (
        row.try_get::<Option<i64>, _>("moderator_id")?,
        row.try_get::<Option<String>, _>("actor")?,
    ) {
        (Some(moderator), _) => CaseActor::Moderator(UserId::from_db(moderator)),
        (None, Some(name)) => CaseActor::Automated(name),
        (None, None) => {
            return Err(DbError::Corrupt(
                "a case has neither a moderator nor an actor".into(),
            ));
        }
    };
    let severity = row
        .try_get::<Option<String>, _>("severity")?
        .map(|text| text.parse::<Severity>().map_err(DbError::Corrupt))
        .transpose()?;
    let millis = |column: &str| -> Result<Option<UnixMillis>, DbError> {
        Ok(row.try_get::<Option<i64>, _>(column)?.map(UnixMillis))
    };
    let user = |column: &str| -> Result<Option<UserId>, DbError> {
        Ok(row.try_get::<Option<i64>, _>(column)?.map(UserId::from_db))
    };
    Ok(Case {
        id: row.try_get("id")?,
        guild: GuildId::from_db(row.try_get("guild_id")?),
        number: row.try_get("number")?,
        kind,
        target: UserId::from_db(row.try_get("target_id")?),
        actor,
        reason: row.try_get("reason")?,
        severity,
        duration: row
            .try_get::<Option<i64>, _>("duration_secs")?
            .map(|secs| Duration::from_secs(u64::try_from(secs).unwrap_or(0))),
        created_at: UnixMillis(row.try_get("created_at")?),
        expires_at: millis("expires_at")?,
        pardoned_at: millis("pardoned_at")?,
        pardoned_by: user("pardoned_by")?,
        mod_log_message: row
            .try_get::<Option<i64>, _>("mod_log_message_id")?
            .map(MessageId::from_db),
        escalated_from: row.try_get("escalated_from")?,
        escalation_threshold: row
            .try_get::<Option<i64>, _>("escalation_threshold")?
            .map(|value| u32::try_from(value).unwrap_or(u32::MAX)),
        lifts_case: row.try_get("lifts_case")?,
        reason_edited_by: user("reason_edited_by")?,
        reason_edited_at: millis("reason_edited_at")?,
        failed_reason: row.try_get("failed_reason")?,
    })
}
