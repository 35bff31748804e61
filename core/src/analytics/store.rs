//! The SQL of the activity tables (migration 0018): `activity_hourly`, `activity_members`,
//! `analytics_daily` and `analytics_commands_daily`. Every query is scoped by guild, except the
//! list of guilds with recent activity the job starts from. Portable SQL on both backends:
//! upserts with `ON CONFLICT`, sums cast to BIGINT (PostgreSQL's `SUM(bigint)` is NUMERIC).

use sqlx::Row as _;

use super::Metric;
use super::activity::Counters;
use crate::clock::UnixMillis;
use crate::db::{Db, DbError};
use crate::ids::{ChannelId, GuildId};

/// Rows per multi-row statement: 5 parameters each stays under SQLite's oldest limit (999).
const HOURLY_ROWS_PER_STATEMENT: usize = 150;
/// Rows per multi-row statement of active members (3 parameters each).
const MEMBER_ROWS_PER_STATEMENT: usize = 300;

use crate::db::row_placeholders as placeholders;

/// Adds the counters to `activity_hourly` and records the active members, in one transaction.
///
/// # Errors
/// [`DbError`] when the write fails (nothing is written then).
pub(crate) async fn add_counters(db: &Db, counters: &Counters) -> Result<(), DbError> {
    let mut transaction = db.begin_write().await?;
    let hourly: Vec<_> = counters.hourly.iter().collect();
    for chunk in hourly.chunks(HOURLY_ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO activity_hourly (guild_id, hour, channel_id, metric, value) VALUES {}
             ON CONFLICT (guild_id, hour, channel_id, metric)
             DO UPDATE SET value = activity_hourly.value + excluded.value",
            placeholders(chunk.len(), 5)
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for ((guild, hour, channel, metric), value) in chunk {
            query = query
                .bind(guild.to_db())
                .bind(hour.0)
                .bind(channel.to_db())
                .bind(metric.as_str())
                .bind(**value);
        }
        query.execute(&mut *transaction).await?;
    }
    let members: Vec<_> = counters.members.iter().collect();
    for chunk in members.chunks(MEMBER_ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO activity_members (guild_id, day, user_id) VALUES {}
             ON CONFLICT (guild_id, day, user_id) DO NOTHING",
            placeholders(chunk.len(), 3)
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (guild, day, user) in chunk {
            query = query.bind(guild.to_db()).bind(day.0).bind(user.to_db());
        }
        query.execute(&mut *transaction).await?;
    }
    transaction.commit().await?;
    Ok(())
}

/// The guilds with hourly counters, active members or command runs at or after `since`.
///
/// # Errors
/// [`DbError`] when the read fails.
pub(crate) async fn guilds_with_activity(
    db: &Db,
    since: UnixMillis,
) -> Result<Vec<GuildId>, DbError> {
    let rows = sqlx::query(
        "SELECT guild_id FROM activity_hourly WHERE hour >= $1
         UNION SELECT guild_id FROM activity_members WHERE day >= $1
         UNION SELECT guild_id FROM command_invocations WHERE at >= $1 AND guild_id IS NOT NULL",
    )
    .bind(since.0)
    .fetch_all(db.pool())
    .await?;
    let mut guilds: Vec<GuildId> = rows
        .iter()
        .map(|row| Ok(GuildId::from_db(row.try_get("guild_id")?)))
        .collect::<Result<_, sqlx::Error>>()?;
    guilds.sort_unstable();
    Ok(guilds)
}

/// The latest day a guild has daily figures for.
///
/// # Errors
/// [`DbError`] when the read fails.
pub(crate) async fn latest_day(db: &Db, guild: GuildId) -> Result<Option<UnixMillis>, DbError> {
    let row = sqlx::query("SELECT MAX(day) AS day FROM analytics_daily WHERE guild_id = $1")
        .bind(guild.to_db())
        .fetch_one(db.pool())
        .await?;
    Ok(row.try_get::<Option<i64>, _>("day")?.map(UnixMillis))
}

/// One day's figures, computed from its hours, its active members and the command runs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct DayFigures {
    /// `(channel, metric, value)`, channel 0 for the whole guild.
    pub(crate) rows: Vec<(ChannelId, Metric, i64)>,
    /// `(command, runs, failures, latency_ms_total)`.
    pub(crate) commands: Vec<(String, i64, i64, i64)>,
}

/// Computes the figures of the day starting at `day` from the source tables.
///
/// # Errors
/// [`DbError`] when a read fails.
pub(crate) async fn compute_day(
    db: &Db,
    guild: GuildId,
    day: UnixMillis,
) -> Result<DayFigures, DbError> {
    use std::collections::BTreeMap;
    let end = day.0 + super::DAY_MS;
    let hourly = sqlx::query(
        "SELECT channel_id, metric, CAST(SUM(value) AS BIGINT) AS total FROM activity_hourly
         WHERE guild_id = $1 AND hour >= $2 AND hour < $3 GROUP BY channel_id, metric",
    )
    .bind(guild.to_db())
    .bind(day.0)
    .bind(end)
    .fetch_all(db.pool())
    .await?;
    // Per channel, and the guild's totals of the per-channel metrics.
    let mut figures: BTreeMap<(Metric, ChannelId), i64> = BTreeMap::new();
    let mut voice_seconds: BTreeMap<ChannelId, i64> = BTreeMap::new();
    for row in &hourly {
        let channel = ChannelId::from_db(row.try_get("channel_id")?);
        let name: String = row.try_get("metric")?;
        let total: i64 = row.try_get("total")?;
        let Some(metric) = Metric::parse(&name) else {
            tracing::warn!(%guild, metric = name, "unknown metric in activity_hourly; skipped");
            continue;
        };
        match metric {
            Metric::VoiceSeconds => {
                *voice_seconds.entry(channel).or_insert(0) += total;
            }
            Metric::Messages if channel != super::activity::WHOLE_GUILD => {
                *figures.entry((metric, channel)).or_insert(0) += total;
                *figures
                    .entry((metric, super::activity::WHOLE_GUILD))
                    .or_insert(0) += total;
            }
            _ => *figures.entry((metric, channel)).or_insert(0) += total,
        }
    }
    // Voice minutes: each channel's seconds in whole minutes, the guild's from all seconds.
    let all_voice: i64 = voice_seconds.values().sum();
    for (channel, seconds) in voice_seconds {
        if channel != super::activity::WHOLE_GUILD {
            figures.insert((Metric::VoiceMinutes, channel), seconds / 60);
        }
    }
    if all_voice > 0 {
        figures.insert(
            (Metric::VoiceMinutes, super::activity::WHOLE_GUILD),
            all_voice / 60,
        );
    }
    let members = sqlx::query(
        "SELECT COUNT(*) AS members FROM activity_members WHERE guild_id = $1 AND day = $2",
    )
    .bind(guild.to_db())
    .bind(day.0)
    .fetch_one(db.pool())
    .await?;
    let active: i64 = members.try_get("members")?;
    if active > 0 {
        figures.insert(
            (Metric::ActiveMembers, super::activity::WHOLE_GUILD),
            active,
        );
    }
    let command_rows = sqlx::query(
        "SELECT command, COUNT(*) AS runs,
                CAST(SUM(CASE WHEN outcome = 'ok' THEN 0 ELSE 1 END) AS BIGINT) AS failures,
                CAST(SUM(latency_ms) AS BIGINT) AS latency
         FROM command_invocations WHERE guild_id = $1 AND at >= $2 AND at < $3
         GROUP BY command ORDER BY command",
    )
    .bind(guild.to_db())
    .bind(day.0)
    .bind(end)
    .fetch_all(db.pool())
    .await?;
    let mut commands = Vec::with_capacity(command_rows.len());
    let (mut runs, mut failures, mut latency) = (0_i64, 0_i64, 0_i64);
    for row in &command_rows {
        let command: (String, i64, i64, i64) = (
            row.try_get("command")?,
            row.try_get("runs")?,
            row.try_get("failures")?,
            row.try_get("latency")?,
        );
        runs += command.1;
        failures += command.2;
        latency += command.3;
        commands.push(command);
    }
    if runs > 0 {
        let whole = super::activity::WHOLE_GUILD;
        figures.insert((Metric::Commands, whole), runs);
        figures.insert((Metric::CommandFailures, whole), failures);
        figures.insert((Metric::CommandLatencyMs, whole), latency);
    }
    Ok(DayFigures {
        rows: figures
            .into_iter()
            .map(|((metric, channel), value)| (channel, metric, value))
            .collect(),
        commands,
    })
}

/// Replaces a day's daily figures with `figures`, in one transaction: what the day held is
/// deleted first, so a recomputed day is exactly its sources.
///
/// # Errors
/// [`DbError`] when the write fails (nothing is written then).
pub(crate) async fn replace_day(
    db: &Db,
    guild: GuildId,
    day: UnixMillis,
    figures: &DayFigures,
) -> Result<(), DbError> {
    let mut transaction = db.begin_write().await?;
    sqlx::query("DELETE FROM analytics_daily WHERE guild_id = $1 AND day = $2")
        .bind(guild.to_db())
        .bind(day.0)
        .execute(&mut *transaction)
        .await?;
    sqlx::query("DELETE FROM analytics_commands_daily WHERE guild_id = $1 AND day = $2")
        .bind(guild.to_db())
        .bind(day.0)
        .execute(&mut *transaction)
        .await?;
    for chunk in figures.rows.chunks(HOURLY_ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO analytics_daily (guild_id, day, channel_id, metric, value) VALUES {}",
            placeholders(chunk.len(), 5)
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (channel, metric, value) in chunk {
            query = query
                .bind(guild.to_db())
                .bind(day.0)
                .bind(channel.to_db())
                .bind(metric.as_str())
                .bind(*value);
        }
        query.execute(&mut *transaction).await?;
    }
    for chunk in figures.commands.chunks(HOURLY_ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO analytics_commands_daily
                (guild_id, day, command, runs, failures, latency_ms_total) VALUES {}",
            placeholders(chunk.len(), 6)
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (command, runs, failures, latency) in chunk {
            query = query
                .bind(guild.to_db())
                .bind(day.0)
                .bind(command.clone())
                .bind(*runs)
                .bind(*failures)
                .bind(*latency);
        }
        query.execute(&mut *transaction).await?;
    }
    transaction.commit().await?;
    Ok(())
}

/// Deletes a guild's hourly counters before `hours_before` and active members before
/// `members_before`; returns how many rows of each went.
///
/// # Errors
/// [`DbError`] when the delete fails.
pub(crate) async fn prune(
    db: &Db,
    guild: GuildId,
    hours_before: UnixMillis,
    members_before: UnixMillis,
) -> Result<(u64, u64), DbError> {
    let hours = sqlx::query("DELETE FROM activity_hourly WHERE guild_id = $1 AND hour < $2")
        .bind(guild.to_db())
        .bind(hours_before.0)
        .execute(db.pool())
        .await?
        .rows_affected();
    let members = sqlx::query("DELETE FROM activity_members WHERE guild_id = $1 AND day < $2")
        .bind(guild.to_db())
        .bind(members_before.0)
        .execute(db.pool())
        .await?
        .rows_affected();
    Ok((hours, members))
}

/// The guilds with hourly counters before `hours_before` or active members before
/// `members_before`: what retention must reach, including guilds that went quiet (the job's
/// list of guilds with recent activity no longer names them).
///
/// # Errors
/// [`DbError`] when the read fails.
pub(crate) async fn guilds_with_rows_before(
    db: &Db,
    hours_before: UnixMillis,
    members_before: UnixMillis,
) -> Result<Vec<GuildId>, DbError> {
    let rows = sqlx::query(
        "SELECT guild_id FROM activity_hourly WHERE hour < $1
         UNION SELECT guild_id FROM activity_members WHERE day < $2",
    )
    .bind(hours_before.0)
    .bind(members_before.0)
    .fetch_all(db.pool())
    .await?;
    let mut guilds: Vec<GuildId> = rows
        .iter()
        .map(|row| Ok(GuildId::from_db(row.try_get("guild_id")?)))
        .collect::<Result<_, sqlx::Error>>()?;
    guilds.sort_unstable();
    Ok(guilds)
}

/// Every guild-wide daily figure in `[since, until]`: `(day, metric name, value)`.
///
/// # Errors
/// [`DbError`] when the read fails.
pub(crate) async fn guild_days(
    db: &Db,
    guild: GuildId,
    since: UnixMillis,
    until: UnixMillis,
) -> Result<Vec<(UnixMillis, ChannelId, String, i64)>, DbError> {
    rows_in(db, guild, since, until, true).await
}

async fn rows_in(
    db: &Db,
    guild: GuildId,
    since: UnixMillis,
    until: UnixMillis,
    whole_guild_only: bool,
) -> Result<Vec<(UnixMillis, ChannelId, String, i64)>, DbError> {
    let filter = if whole_guild_only {
        " AND channel_id = 0"
    } else {
        ""
    };
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT day, channel_id, metric, value FROM analytics_daily
         WHERE guild_id = $1 AND day >= $2 AND day <= $3{filter}
         ORDER BY day, channel_id, metric"
    )))
    .bind(guild.to_db())
    .bind(since.0)
    .bind(until.0)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|row| {
            Ok((
                UnixMillis(row.try_get("day")?),
                ChannelId::from_db(row.try_get("channel_id")?),
                row.try_get("metric")?,
                row.try_get("value")?,
            ))
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(DbError::from)
}

/// The channels with the largest total of `metric` in `[since, until]`, at most `limit`.
///
/// # Errors
/// [`DbError`] when the read fails.
pub(crate) async fn top_channels(
    db: &Db,
    guild: GuildId,
    metric: Metric,
    since: UnixMillis,
    until: UnixMillis,
    limit: u32,
) -> Result<Vec<(ChannelId, i64)>, DbError> {
    let rows = sqlx::query(
        "SELECT channel_id, CAST(SUM(value) AS BIGINT) AS total FROM analytics_daily
         WHERE guild_id = $1 AND metric = $2 AND channel_id <> 0 AND day >= $3 AND day <= $4
         GROUP BY channel_id ORDER BY total DESC, channel_id LIMIT $5",
    )
    .bind(guild.to_db())
    .bind(metric.as_str())
    .bind(since.0)
    .bind(until.0)
    .bind(i64::from(limit))
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|row| {
            Ok((
                ChannelId::from_db(row.try_get("channel_id")?),
                row.try_get("total")?,
            ))
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(DbError::from)
}

/// Each command's runs, failures and latency total in `[since, until]`, most run first.
///
/// # Errors
/// [`DbError`] when the read fails.
pub(crate) async fn commands(
    db: &Db,
    guild: GuildId,
    since: UnixMillis,
    until: UnixMillis,
) -> Result<Vec<(String, i64, i64, i64)>, DbError> {
    let rows = sqlx::query(
        "SELECT command, CAST(SUM(runs) AS BIGINT) AS runs,
                CAST(SUM(failures) AS BIGINT) AS failures,
                CAST(SUM(latency_ms_total) AS BIGINT) AS latency
         FROM analytics_commands_daily WHERE guild_id = $1 AND day >= $2 AND day <= $3
         GROUP BY command ORDER BY runs DESC, command",
    )
    .bind(guild.to_db())
    .bind(since.0)
    .bind(until.0)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|row| {
            Ok((
                row.try_get("command")?,
                row.try_get("runs")?,
                row.try_get("failures")?,
                row.try_get("latency")?,
            ))
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(DbError::from)
}
