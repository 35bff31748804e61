//! The job ledger: one durable table of jobs that drives every timer.
//!
//! Giveaway ends, claim windows, rerolls, reminders, timed-role expiry, tempban follow-ups,
//! scheduled settings changes: each is a row in `jobs` with a kind, a JSON payload, an optional
//! guild and a due time. A [`Worker`] claims due rows under a lease (on PostgreSQL with
//! `FOR UPDATE SKIP LOCKED`, so several workers never take the same job), runs the handler
//! registered for the kind, and records the outcome: done, retried with exponential backoff, or
//! dead after the last attempt. A worker that dies holding a lease gives the job up when the lease
//! expires. Jobs that fell due while nothing ran are claimed at the next start. Every run is a
//! row in `job_runs` with its lateness (due → started).
//!
//! Jobs are typed: each kind is one serde payload struct implementing [`Job`] (its `KIND` and
//! its guild), scheduled with [`NewJob::of`] and run by a [`JobHandler`] whose `Job` is that
//! struct. [`JobRegistry::register`] reads the kind from the payload type; the registry decodes
//! every payload once and checks that it belongs to the row's guild before the handler sees it,
//! so no handler decodes JSON by hand. A feature registers all its jobs in one place, its
//! `register_jobs` (listed in [`crate::features::FEATURES`]).
//!
//! Handlers must be idempotent: a job is run once per lease, but a crash after the work and
//! before the completion is recorded makes the next lease run it again.

mod backoff;
mod ledger;
mod metrics;
pub mod perform;
pub mod prune;
mod registry;
mod worker;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::clock::UnixMillis;
use crate::ids::GuildId;

pub use backoff::backoff;
pub use ledger::{JobLedger, JobLedgerError, Lease, WAKE_TOPIC};
pub use metrics::{JobMetrics, LATENESS_BUCKETS_MS, MetricsSnapshot};
pub use registry::{JobFailure, JobHandler, JobOutcome, JobPorts, JobRegistry, decode};
pub use worker::{Worker, WorkerOptions};

/// One kind of job: its payload, as stored in the row's JSON. Field names are the stored format:
/// renaming one strands the jobs already in databases.
pub trait Job: Serialize + DeserializeOwned + Send + Sync + 'static {
    /// The kind stored in the row and claimed by workers, `<feature>.<what>`
    /// (`giveaways.end`).
    const KIND: &'static str;

    /// The guild the job belongs to (the row's `guild_id`); `None` for process-wide jobs.
    fn guild(&self) -> Option<GuildId>;
}

/// A job's id.
pub type JobId = i64;

/// Where a job is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    /// Waiting for its due time (or for a retry).
    Pending,
    /// Leased to a worker.
    Running,
    /// Finished successfully.
    Done,
    /// Failed on every attempt, or failed permanently; kept until retried.
    Dead,
    /// Cancelled before it could finish.
    Cancelled,
}

impl JobState {
    /// Every state, for help texts.
    pub const ALL: [JobState; 5] = [
        Self::Pending,
        Self::Running,
        Self::Done,
        Self::Dead,
        Self::Cancelled,
    ];

    /// The name stored in SQL.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Running => "running",
            Self::Done => "done",
            Self::Dead => "dead",
            Self::Cancelled => "cancelled",
        }
    }
}

impl std::str::FromStr for JobState {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|state| state.as_str() == text)
            .ok_or_else(|| {
                format!(
                    "unknown job state `{text}`; states are: {}",
                    Self::ALL.map(JobState::as_str).join(", ")
                )
            })
    }
}

impl std::fmt::Display for JobState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A job as stored: the row, its payload still JSON.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JobRecord {
    /// Its id.
    pub id: JobId,
    /// Which handler runs it, e.g. `giveaways.end`.
    pub kind: String,
    /// The guild it belongs to, if any.
    pub guild: Option<GuildId>,
    /// The handler's input.
    pub payload: Value,
    /// Scheduling the same `(kind, dedupe_key)` twice yields the same job.
    pub dedupe_key: Option<String>,
    /// Where it is in its life.
    pub state: JobState,
    /// When it should run.
    pub due_at: UnixMillis,
    /// Attempts started so far.
    pub attempts: u32,
    /// Attempts allowed before it is dead.
    pub max_attempts: u32,
    /// The worker holding it, while running.
    pub lease_owner: Option<String>,
    /// When that lease ends unless renewed.
    pub lease_until: Option<UnixMillis>,
    /// The last failure's message.
    pub last_error: Option<String>,
    /// Due → started of the latest attempt, in milliseconds.
    pub lateness_ms: Option<i64>,
    /// When it was scheduled.
    pub created_at: UnixMillis,
    /// When it last changed.
    pub updated_at: UnixMillis,
    /// When the latest attempt started.
    pub started_at: Option<UnixMillis>,
    /// When it reached done, dead or cancelled.
    pub finished_at: Option<UnixMillis>,
}

/// A job to schedule, built from its typed payload with [`NewJob::of`].
#[derive(Debug, Clone)]
pub struct NewJob {
    kind: String,
    guild: Option<GuildId>,
    /// The payload as JSON, or why it could not be written.
    payload: Result<Value, String>,
    /// When it should run.
    pub due_at: UnixMillis,
    /// Attempts allowed (the ledger's default when `None`).
    pub max_attempts: Option<u32>,
    /// Makes scheduling idempotent: a second job with the same kind and key is not created.
    pub dedupe_key: Option<String>,
}

impl NewJob {
    /// The job `payload` due at `due_at`: its kind and guild come from the payload.
    pub fn of<J: Job>(payload: &J, due_at: UnixMillis) -> Self {
        Self {
            kind: J::KIND.to_owned(),
            guild: payload.guild(),
            payload: serde_json::to_value(payload)
                .map_err(|error| format!("{} payload: {error}", J::KIND)),
            due_at,
            max_attempts: None,
            dedupe_key: None,
        }
    }

    /// A job of any kind with any JSON payload, for the ledger's own tests (listing, filters,
    /// jobs no process has a handler for, payloads of the wrong shape).
    #[cfg(any(test, feature = "test-support"))]
    pub fn raw(kind: impl Into<String>, payload: Value, due_at: UnixMillis) -> Self {
        Self {
            kind: kind.into(),
            guild: None,
            payload: Ok(payload),
            due_at,
            max_attempts: None,
            dedupe_key: None,
        }
    }

    /// Stored as belonging to `guild`, whatever the payload says (tests only: a typed job's
    /// guild is its payload's).
    #[cfg(any(test, feature = "test-support"))]
    #[must_use]
    pub fn guild(mut self, guild: GuildId) -> Self {
        self.guild = Some(guild);
        self
    }

    /// Its kind.
    pub fn kind(&self) -> &str {
        &self.kind
    }

    /// Is scheduled at most once per `(kind, key)`.
    #[must_use]
    pub fn dedupe(mut self, key: impl Into<String>) -> Self {
        self.dedupe_key = Some(key.into());
        self
    }

    /// Allows `attempts` attempts.
    #[must_use]
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = Some(attempts);
        self
    }
}

/// Which jobs to list.
#[derive(Debug, Clone, Default)]
pub struct JobFilter {
    /// Only in this state.
    pub state: Option<JobState>,
    /// Only of this kind.
    pub kind: Option<String>,
    /// Only of this guild.
    pub guild: Option<GuildId>,
    /// At most this many (newest due first for finished jobs, soonest first otherwise).
    pub limit: u32,
}

/// One attempt at a job.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JobRun {
    /// Row id.
    pub id: i64,
    /// The job.
    pub job_id: JobId,
    /// Which attempt (1-based).
    pub attempt: u32,
    /// The worker that ran it.
    pub worker: String,
    /// When it started.
    pub started_at: UnixMillis,
    /// Due → started, in milliseconds.
    pub lateness_ms: i64,
    /// When it ended; `None` if the worker died mid-run.
    pub finished_at: Option<UnixMillis>,
    /// `ok`, `rescheduled`, `retry`, `dead`, `released`, `lease_lost`; `None` while running or
    /// if the worker died.
    pub outcome: Option<String>,
    /// The failure's message.
    pub error: Option<String>,
}
