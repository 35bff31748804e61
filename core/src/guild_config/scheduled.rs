//! Scheduled settings changes: `guildhall config set --guild 1 features.giveaways on --at +2h`
//! becomes a job in the ledger that applies the change when it falls due, after a restart too.

use std::sync::Arc;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::{GuildConfigError, GuildConfigService};
use crate::clock::UnixMillis;
use crate::ids::GuildId;
use crate::jobs::{Job, JobFailure, JobHandler, JobLedger, JobOutcome, JobRecord, NewJob};

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

impl Job for ScheduledChange {
    const KIND: &'static str = KIND;

    fn guild(&self) -> Option<GuildId> {
        Some(self.guild)
    }
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
) -> Result<JobRecord, GuildConfigError> {
    config
        .check_key(change.guild, &change.key, &change.value)
        .await?;
    ledger
        .schedule(NewJob::of(&change, at))
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
    type Job = ScheduledChange;

    async fn run(
        &self,
        change: ScheduledChange,
        job: &JobRecord,
    ) -> Result<JobOutcome, JobFailure> {
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
