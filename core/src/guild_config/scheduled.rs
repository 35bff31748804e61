//! Scheduled settings changes: `guildhall config set --guild 1 features.giveaways on --at +2h`
//! becomes a job in the ledger that applies the change when it falls due, after a restart too.

use std::sync::Arc;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::{GuildConfigError, GuildConfigService};
use crate::clock::UnixMillis;
use crate::ids::GuildId;
use crate::jobs::{Job, JobFailure, JobHandler, JobLedger, JobOutcome, NewJob};

/// The job kind.
pub const KIND: &str = "guild_config.apply";

/// The job's payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduledChange {
    /// The guild.
    pub guild: GuildId,
    /// The key, e.g. `features.giveaways`.
    pub key: String,
    /// The value as the operator wrote it.
    pub value: String,
    /// Who scheduled it; the change is recorded as theirs.
    pub actor: String,
}

/// Validates a change now and schedules it for `at`.
///
/// # Errors
/// The validation error, before anything is scheduled; or a ledger error.
pub async fn schedule(
    config: &GuildConfigService,
    ledger: &JobLedger,
    change: ScheduledChange,
    at: UnixMillis,
) -> Result<Job, GuildConfigError> {
    config
        .check_key(change.guild, &change.key, &change.value)
        .await?;
    let payload = serde_json::to_value(&change).map_err(|error| GuildConfigError::Invalid {
        key: change.key.clone(),
        message: error.to_string(),
    })?;
    ledger
        .schedule(NewJob::new(KIND, payload, at).guild(change.guild))
        .await
        .map_err(|error| match error {
            crate::jobs::JobLedgerError::Storage(db) => GuildConfigError::Storage(db),
            other => GuildConfigError::Invalid {
                key: change.key.clone(),
                message: other.to_string(),
            },
        })
}

/// Applies scheduled changes. Idempotent: applying the same value twice changes nothing.
#[derive(Debug)]
pub struct ApplyScheduledChange {
    config: Arc<GuildConfigService>,
}

impl ApplyScheduledChange {
    /// A handler writing through `config`.
    pub fn new(config: Arc<GuildConfigService>) -> Self {
        Self { config }
    }
}

#[async_trait]
impl JobHandler for ApplyScheduledChange {
    async fn run(&self, job: &Job) -> Result<JobOutcome, JobFailure> {
        let change: ScheduledChange =
            serde_json::from_value(job.payload.clone()).map_err(|error| {
                JobFailure::permanent(format!("unreadable scheduled change: {error}"))
            })?;
        let actor = format!("{} (scheduled, job {})", change.actor, job.id);
        match self
            .config
            .set_key(change.guild, &change.key, &change.value, &actor)
            .await
        {
            Ok(_) => Ok(JobOutcome::Done),
            Err(GuildConfigError::Storage(error)) => Err(JobFailure::retry(error.to_string())),
            Err(GuildConfigError::Conflict { .. }) => {
                Err(JobFailure::retry("concurrent change; will retry"))
            }
            // The value stopped being valid since it was scheduled: retrying cannot help.
            Err(error) => Err(JobFailure::permanent(error.to_string())),
        }
    }
}
