//! Command analytics: which command, where, how fast, with what outcome. Recorded off the
//! command's path: the command hands a record to a channel and a background task writes batches.

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
