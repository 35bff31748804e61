//! Analytics: command analytics (this file: which command, where, how fast, with what outcome,
//! recorded off the command's path — the command hands a record to a channel and a background
//! task writes batches) and guild activity, aggregated per hour and day.
//!
//! Activity, from the message path to a page:
//! - `activity.rs`: [`Activity`], the in-memory counters the bot adds to (messages, active
//!   members, joins, leaves, voice seconds, automod actions): a map update under a mutex, no
//!   await, no database (the Hot-path Invariant); its flusher adds them to `activity_hourly`
//!   and `activity_members` in one transaction, putting them back when the write fails.
//! - `store.rs`: the SQL of the hourly and daily tables (migration 0018), every query scoped by
//!   guild.
//! - `aggregate.rs`: the `analytics.aggregate` ledger job (process-wide, hourly): each guild's
//!   days recomputed whole from their hours, active members and the command table into
//!   `analytics_daily` and `analytics_commands_daily` (idempotent), and the retention of the
//!   hourly rows (35 days) and active members (95 days).
//! - `query.rs`: what the dashboard, the CSV export and `guildhall stats` read — only the daily
//!   tables: a metric's days (missing days as 0), top channels, the commands table, totals.

pub mod activity;
pub mod aggregate;
pub mod query;
// The tables are the module's own; benchmarks and tests elsewhere may fill them directly.
#[cfg(any(test, feature = "test-support"))]
pub mod store;
#[cfg(not(any(test, feature = "test-support")))]
#[allow(dead_code, unreachable_pub)]
pub(crate) mod store;

#[cfg(all(test, feature = "test-support"))]
mod tests;

pub use activity::{Activity, FLUSH_INTERVAL, Flushed};
pub use aggregate::{Aggregate, AggregatePayload, Aggregated};
pub use query::{
    AnalyticsError, CommandRow, Report, Series, csv, parse_days, parse_range, report, sparkline,
};

/// An hour, in milliseconds.
pub const HOUR_MS: i64 = 3_600_000;
/// A day, in milliseconds.
pub const DAY_MS: i64 = 86_400_000;

/// The start of the hour `at` falls in (UTC).
pub fn hour_start(at: UnixMillis) -> UnixMillis {
    UnixMillis(at.0 - at.0.rem_euclid(HOUR_MS))
}

/// The start of the day `at` falls in (UTC).
pub fn day_start(at: UnixMillis) -> UnixMillis {
    UnixMillis(at.0 - at.0.rem_euclid(DAY_MS))
}

/// A day as `2024-05-01` (UTC).
pub fn day_label(day: UnixMillis) -> String {
    day.to_rfc3339().chars().take(10).collect()
}

/// What is counted. Stored by [`Metric::as_str`] in `activity_hourly` and `analytics_daily`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// Messages from members (not bots), per channel and guild-wide.
    Messages,
    /// Distinct members who wrote or spoke on a day (guild-wide).
    ActiveMembers,
    /// Members who joined.
    Joins,
    /// Members who left.
    Leaves,
    /// Counted voice time in seconds, per channel (hourly only: the days hold minutes).
    VoiceSeconds,
    /// Counted voice time in whole minutes, per channel and guild-wide (daily).
    VoiceMinutes,
    /// Command runs (daily, from the command analytics).
    Commands,
    /// Command runs that did not end `ok` (errors, refusals, the member's mistakes).
    CommandFailures,
    /// The command runs' latencies added up, in milliseconds (the average is this over
    /// [`Metric::Commands`]).
    CommandLatencyMs,
    /// Messages automod caught.
    AutomodActions,
}

impl Metric {
    /// The daily metrics, in the order pages, the CSV and `guildhall stats` show them.
    pub const DAILY: [Self; 9] = [
        Self::Messages,
        Self::ActiveMembers,
        Self::Joins,
        Self::Leaves,
        Self::VoiceMinutes,
        Self::Commands,
        Self::CommandFailures,
        Self::CommandLatencyMs,
        Self::AutomodActions,
    ];

    /// The stored name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Messages => "messages",
            Self::ActiveMembers => "active_members",
            Self::Joins => "joins",
            Self::Leaves => "leaves",
            Self::VoiceSeconds => "voice_seconds",
            Self::VoiceMinutes => "voice_minutes",
            Self::Commands => "commands",
            Self::CommandFailures => "command_failures",
            Self::CommandLatencyMs => "command_latency_ms",
            Self::AutomodActions => "automod_actions",
        }
    }

    /// What people call it.
    pub const fn title(self) -> &'static str {
        match self {
            Self::Messages => "Messages",
            Self::ActiveMembers => "Active members",
            Self::Joins => "Joins",
            Self::Leaves => "Leaves",
            Self::VoiceSeconds => "Voice seconds",
            Self::VoiceMinutes => "Voice minutes",
            Self::Commands => "Commands",
            Self::CommandFailures => "Command failures",
            Self::CommandLatencyMs => "Command latency (ms, total)",
            Self::AutomodActions => "Automod actions",
        }
    }

    /// The metric a stored name names.
    pub fn parse(name: &str) -> Option<Self> {
        [Self::VoiceSeconds]
            .into_iter()
            .chain(Self::DAILY)
            .find(|metric| metric.as_str() == name)
    }
}

use std::time::Duration;

use serde::Serialize;
use sqlx::Row as _;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::clock::UnixMillis;
use crate::db::{Db, DbError};
use crate::ids::{GuildId, UserId};

/// How a command ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// It did what was asked.
    Ok,
    /// The user's input was wrong; they were told how to fix it.
    UserError,
    /// A guard refused it.
    Refused,
    /// A bug or an outage; logged with context.
    Error,
}

impl Outcome {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::UserError => "user_error",
            Self::Refused => "refused",
            Self::Error => "error",
        }
    }
}

/// One command run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Invocation {
    /// Where (None in DMs).
    pub guild: Option<GuildId>,
    /// Who.
    pub user: UserId,
    /// The command's qualified name (`giveaway reroll`).
    pub command: String,
    /// `slash` or `prefix`.
    pub kind: &'static str,
    /// When it started.
    pub at: UnixMillis,
    /// How long it took.
    pub latency_ms: i64,
    /// How it ended.
    pub outcome: Outcome,
    /// The error, for failures.
    pub error: Option<String>,
}

/// Usage of one command.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CommandStats {
    /// The command.
    pub command: String,
    /// Runs.
    pub runs: i64,
    /// Runs that ended in an error (bugs or outages).
    pub errors: i64,
    /// Runs refused by a guard.
    pub refused: i64,
    /// Average latency in milliseconds.
    pub average_ms: f64,
    /// Slowest run in milliseconds.
    pub max_ms: i64,
}

/// Hands invocations to the background writer; cloning is cheap.
#[derive(Debug, Clone)]
pub struct Recorder {
    sender: mpsc::Sender<Invocation>,
}

impl Recorder {
    /// Starts the writer: it writes whatever arrived every `interval`, and what is left when the
    /// last recorder is dropped.
    pub fn start(db: Db, interval: Duration) -> (Self, JoinHandle<()>) {
        let (sender, mut receiver) = mpsc::channel::<Invocation>(10_000);
        let writer = tokio::spawn(async move {
            let mut batch = Vec::new();
            let mut ticker = tokio::time::interval(interval);
            loop {
                tokio::select! {
                    received = receiver.recv() => match received {
                        Some(invocation) => batch.push(invocation),
                        None => break,
                    },
                    _ = ticker.tick() => {
                        if let Err(error) = write(&db, &mut batch).await {
                            tracing::warn!(%error, "could not write command analytics; will retry");
                        }
                    }
                }
            }
            if let Err(error) = write(&db, &mut batch).await {
                tracing::warn!(%error, lost = batch.len(), "could not write the last command analytics");
            }
        });
        (Self { sender }, writer)
    }

    /// Records an invocation without waiting; if the writer is far behind, the record is
    /// dropped (and logged) rather than slowing the command.
    pub fn record(&self, invocation: Invocation) {
        if self.sender.try_send(invocation).is_err() {
            tracing::warn!("command analytics queue full; one record dropped");
        }
    }
}

async fn write(db: &Db, batch: &mut Vec<Invocation>) -> Result<(), DbError> {
    if batch.is_empty() {
        return Ok(());
    }
    let mut transaction = db.begin_write().await?;
    for invocation in batch.iter() {
        sqlx::query(
            "INSERT INTO command_invocations (guild_id, user_id, command, kind, at, latency_ms, outcome, error)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(invocation.guild.map(GuildId::to_db))
        .bind(invocation.user.to_db())
        .bind(invocation.command.clone())
        .bind(invocation.kind)
        .bind(invocation.at.0)
        .bind(invocation.latency_ms)
        .bind(invocation.outcome.as_str())
        .bind(invocation.error.clone())
        .execute(&mut *transaction)
        .await?;
    }
    transaction.commit().await?;
    batch.clear();
    Ok(())
}

/// Per-command usage since `since`, for one guild or all.
///
/// # Errors
/// [`DbError`] when the read fails.
pub async fn stats(
    db: &Db,
    guild: Option<GuildId>,
    since: UnixMillis,
) -> Result<Vec<CommandStats>, DbError> {
    let select = "SELECT command, COUNT(*) AS runs,
            SUM(CASE WHEN outcome = 'error' THEN 1 ELSE 0 END) AS errors,
            SUM(CASE WHEN outcome = 'refused' THEN 1 ELSE 0 END) AS refused,
            CAST(AVG(latency_ms) AS DOUBLE PRECISION) AS average_ms, MAX(latency_ms) AS max_ms
         FROM command_invocations";
    let rows = match guild {
        Some(guild) => sqlx::query(sqlx::AssertSqlSafe(format!(
            "{select} WHERE guild_id = $1 AND at >= $2 GROUP BY command ORDER BY runs DESC, command"
        )))
        .bind(guild.to_db())
        .bind(since.0)
        .fetch_all(db.pool())
        .await?,
        None => {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "{select} WHERE at >= $1 GROUP BY command ORDER BY runs DESC, command"
            )))
            .bind(since.0)
            .fetch_all(db.pool())
            .await?
        }
    };
    rows.iter()
        .map(|row| {
            Ok(CommandStats {
                command: row.try_get("command")?,
                runs: row.try_get("runs")?,
                errors: row.try_get("errors")?,
                refused: row.try_get("refused")?,
                average_ms: row.try_get("average_ms")?,
                max_ms: row.try_get("max_ms")?,
            })
        })
        .collect()
}
