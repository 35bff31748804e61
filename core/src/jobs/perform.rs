//! Effects handed to the bot through the ledger: a process without a Discord connection (the
//! dashboard, the CLI) schedules `effects.perform`, and the process that runs the bot performs
//! it with its executor — durably, with retries, after a restart too.

use std::sync::Arc;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::{
    Job, JobFailure, JobHandler, JobLedger, JobLedgerError, JobOutcome, JobRecord, NewJob,
};
use crate::effect::{Effect, EffectError, EffectSink};
use crate::ids::GuildId;

/// The job kind.
pub const KIND: &str = "effects.perform";

/// The job's payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PerformPayload {
    /// The guild the effect acts in (for fair sharing of rate limits).
    pub guild: Option<GuildId>,
    /// What to do.
    pub effect: Effect,
}

impl Job for PerformPayload {
    const KIND: &'static str = KIND;

    fn guild(&self) -> Option<GuildId> {
        self.guild
    }
}

/// Schedules an effect to be performed now by whichever process runs the bot.
///
/// # Errors
/// [`JobLedgerError::Storage`].
pub async fn schedule(
    ledger: &JobLedger,
    guild: Option<GuildId>,
    effect: Effect,
) -> Result<JobRecord, JobLedgerError> {
    ledger
        .schedule(NewJob::of(
            &PerformPayload { guild, effect },
            ledger.clock().now(),
        ))
        .await
}

/// Performs scheduled effects through an [`EffectSink`] (the bot's executor).
#[derive(Debug)]
pub struct PerformEffect {
    sink: Arc<dyn EffectSink>,
}

impl PerformEffect {
    /// A handler performing through `sink`.
    pub fn new(sink: Arc<dyn EffectSink>) -> Self {
        Self { sink }
    }
}

#[async_trait]
impl JobHandler for PerformEffect {
    type Job = PerformPayload;

    async fn run(&self, payload: PerformPayload, _: &JobRecord) -> Result<JobOutcome, JobFailure> {
        match self.sink.perform(payload.guild, &payload.effect).await {
            Ok(()) => Ok(JobOutcome::Done),
            Err(EffectError::Refused(message)) => Err(JobFailure::permanent(message)),
            Err(EffectError::Unavailable(message)) => Err(JobFailure::retry(message)),
        }
    }
}
