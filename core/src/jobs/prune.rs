//! The ledger's own housekeeping: a daily job that deletes old finished jobs.

use std::time::Duration;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::{
    Job, JobFailure, JobHandler, JobLedger, JobLedgerError, JobOutcome, JobRecord, NewJob,
};
use crate::ids::GuildId;

/// The job kind.
pub const KIND: &str = "jobs.prune";

/// The job's payload: nothing (stored as `{}`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PruneJobsPayload {}

impl Job for PruneJobsPayload {
    const KIND: &'static str = KIND;

    fn guild(&self) -> Option<GuildId> {
        None
    }
}

const DAY: Duration = Duration::from_secs(86_400);

/// Makes sure the daily prune job exists (once, whatever the number of processes).
///
/// # Errors
/// [`JobLedgerError::Storage`].
pub async fn ensure_scheduled(ledger: &JobLedger) -> Result<JobRecord, JobLedgerError> {
    let due = ledger.clock().now().plus(Duration::from_secs(60));
    ledger
        .schedule(NewJob::of(&PruneJobsPayload {}, due).dedupe("daily"))
        .await
}

/// Deletes done and cancelled jobs older than the retention, then comes back a day later.
#[derive(Debug)]
pub struct PruneJobs {
    ledger: JobLedger,
    retention: Duration,
}

impl PruneJobs {
    /// Prunes jobs finished more than `retention` ago.
    pub fn new(ledger: JobLedger, retention: Duration) -> Self {
        Self { ledger, retention }
    }
}

#[async_trait]
impl JobHandler for PruneJobs {
    type Job = PruneJobsPayload;

    async fn run(&self, _: PruneJobsPayload, _: &JobRecord) -> Result<JobOutcome, JobFailure> {
        let now = self.ledger.clock().now();
        let deleted = self
            .ledger
            .prune(now.minus(self.retention))
            .await
            .map_err(|error| JobFailure::retry(error.to_string()))?;
        tracing::info!(
            deleted,
            retention_days = self.retention.as_secs() / 86_400,
            "pruned finished jobs"
        );
        Ok(JobOutcome::RunAgainAt(now.plus(DAY)))
    }
}
