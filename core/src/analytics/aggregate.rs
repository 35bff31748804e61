//! `analytics.aggregate`: the ledger job that rolls each guild's hours (and active members, and
//! the command analytics) into daily figures, hourly. A day is recomputed whole from its sources
//! and replaced in one transaction, so a run repeated after a crash, or one that overlaps a
//! flush, leaves the same figures. Today and yesterday are recomputed every run (late flushes
//! land in them); older days only when they have no figures yet. The hourly rows are kept 35
//! days and the active members 95, then pruned here, in every guild that has them (also one
//! that went quiet and so has no days to recompute). Like `recent_messages.retention`, the job
//! is process-wide, never fails for one guild, and schedules its next run itself.

use std::time::Duration;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::{DAY_MS, day_start, store};
use crate::clock::UnixMillis;
use crate::db::{Db, DbError};
use crate::ids::GuildId;
use crate::jobs::{
    Job, JobFailure, JobHandler, JobLedger, JobLedgerError, JobOutcome, JobRecord, NewJob,
};

/// The job kind.
pub const KIND: &str = "analytics.aggregate";
/// How often it runs.
pub const EVERY: Duration = Duration::from_secs(3_600);
/// Hourly counters are kept this long.
pub const HOURS_KEPT: Duration = Duration::from_secs(35 * 86_400);
/// Active members are kept this long (the 90-day range needs them).
pub const MEMBERS_KEPT: Duration = Duration::from_secs(95 * 86_400);
/// How far back a run looks for days without figures.
const LOOK_BACK_DAYS: i64 = 34;

/// The job's payload: nothing (stored as `{}`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AggregatePayload {}

impl Job for AggregatePayload {
    const KIND: &'static str = KIND;

    fn guild(&self) -> Option<GuildId> {
        None
    }
}

/// Makes sure the hourly job exists (once, whatever the number of processes).
///
/// # Errors
/// [`JobLedgerError::Storage`].
pub async fn ensure_scheduled(ledger: &JobLedger) -> Result<JobRecord, JobLedgerError> {
    let due = ledger.clock().now().plus(Duration::from_secs(60));
    ledger
        .schedule(NewJob::of(&AggregatePayload {}, due).dedupe("hourly"))
        .await
}

/// What one guild's aggregation did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Aggregated {
    /// Days recomputed.
    pub days: usize,
    /// Hourly rows and active members pruned.
    pub pruned: (u64, u64),
}

/// Recomputes the days of `guild` that need it at `now` (see the module).
///
/// # Errors
/// [`DbError`] when a read or write fails.
pub async fn aggregate_guild(
    db: &Db,
    guild: GuildId,
    now: UnixMillis,
) -> Result<Aggregated, DbError> {
    let today = day_start(now);
    let latest = store::latest_day(db, guild).await?;
    let mut days = Vec::new();
    for back in (0..=LOOK_BACK_DAYS).rev() {
        let day = UnixMillis(today.0 - back * DAY_MS);
        let recent = back <= 1;
        if recent || latest.is_none_or(|latest| day > latest) {
            days.push(day);
        }
    }
    for day in &days {
        aggregate_day(db, guild, *day).await?;
    }
    let pruned = store::prune(db, guild, now.minus(HOURS_KEPT), now.minus(MEMBERS_KEPT)).await?;
    Ok(Aggregated {
        days: days.len(),
        pruned,
    })
}

/// Recomputes one day of one guild from its sources and replaces its figures.
///
/// # Errors
/// [`DbError`] when a read or write fails.
pub async fn aggregate_day(db: &Db, guild: GuildId, day: UnixMillis) -> Result<(), DbError> {
    let figures = store::compute_day(db, guild, day).await?;
    store::replace_day(db, guild, day, &figures).await
}

/// The job's handler.
#[derive(Debug)]
pub struct Aggregate {
    ledger: JobLedger,
}

impl Aggregate {
    /// A handler over the ledger's database and clock.
    pub fn new(ledger: JobLedger) -> Self {
        Self { ledger }
    }
}

#[async_trait]
impl JobHandler for Aggregate {
    type Job = AggregatePayload;

    async fn run(&self, _: AggregatePayload, _: &JobRecord) -> Result<JobOutcome, JobFailure> {
        let db = self.ledger.db();
        let now = self.ledger.clock().now();
        let since = now.minus(Duration::from_secs(
            u64::try_from(LOOK_BACK_DAYS).unwrap_or(0) * 86_400,
        ));
        let guilds = store::guilds_with_activity(db, since)
            .await
            .map_err(|error| JobFailure::retry(format!("cannot list guilds: {error}")))?;
        let started = std::time::Instant::now();
        let mut failed = 0;
        for guild in &guilds {
            if let Err(error) = aggregate_guild(db, *guild, now).await {
                tracing::warn!(%guild, %error, "analytics: could not aggregate a guild");
                failed += 1;
            }
        }
        // Guilds that went quiet are no longer listed above; their old rows still expire.
        match store::guilds_with_rows_before(db, now.minus(HOURS_KEPT), now.minus(MEMBERS_KEPT))
            .await
        {
            Ok(expired) => {
                for guild in expired.iter().filter(|guild| !guilds.contains(guild)) {
                    if let Err(error) =
                        store::prune(db, *guild, now.minus(HOURS_KEPT), now.minus(MEMBERS_KEPT))
                            .await
                    {
                        tracing::warn!(%guild, %error, "analytics: could not prune a guild");
                        failed += 1;
                    }
                }
            }
            Err(error) => {
                tracing::warn!(%error, "analytics: could not list guilds with expired rows");
                failed += 1;
            }
        }
        tracing::info!(
            guilds = guilds.len(),
            failed,
            took_ms = started.elapsed().as_millis(),
            "analytics aggregated"
        );
        Ok(JobOutcome::RunAgainAt(now.plus(EVERY)))
    }
}
