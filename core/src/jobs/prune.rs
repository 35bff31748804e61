//! The ledger's own housekeeping: a daily job that deletes old finished jobs.

use std::time::Duration;

use async_trait::async_trait;
use serde_json::json;

use super::{Job, JobFailure, JobHandler, JobLedger, JobLedgerError, JobOutcome, NewJob};

/// The job kind.
pub const KIND: &str = "jobs.prune";

const DAY: Duration = Duration::from_secs(86_400);

/// Makes sure the daily prune job exists (once, whatever the number of processes).
///
/// # Errors
/// [`JobLedgerError::Storage`].
pub async fn ensure_scheduled(ledger: &JobLedger) -> Result<Job, JobLedgerError> {
    let due = ledger.clock().now().plus(Duration::from_secs(60));
    ledger
        .schedule(NewJob::new(KIND, json!({}), due).dedupe("daily"))
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
    async fn run(&self, _job: &Job) -> Result<JobOutcome, JobFailure> {
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
