//! The daily retention job: for every guild, deletes stored recent messages older than the
//! guild's content retention ([`content_retention`]: `recent_messages.recent_message_retention_days`,
//! or the message log's `logging.message_content_days`), ticket transcripts older than its
//! `tickets.transcript_retention_days`, and stored log events older than its
//! `logging.event_retention_days`.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::store;
use crate::guild_config::GuildConfigService;
use crate::guilds;
use crate::ids::GuildId;
use crate::jobs::{
    Job, JobFailure, JobHandler, JobLedger, JobLedgerError, JobOutcome, JobRecord, NewJob,
};
use crate::tickets::TicketService;

/// The job kind (`retention.daily` before migration 0012).
pub const KIND: &str = "recent_messages.retention";

/// The job's payload: nothing (stored as `{}`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetentionPayload {}

impl Job for RetentionPayload {
    const KIND: &'static str = KIND;

    fn guild(&self) -> Option<GuildId> {
        None
    }
}

const DAY: Duration = Duration::from_secs(86_400);
const AFTER_A_FAILURE: Duration = Duration::from_secs(3_600);

/// Makes sure the daily retention job exists (once, whatever the number of processes).
///
/// # Errors
/// [`JobLedgerError::Storage`].
pub async fn ensure_scheduled(ledger: &JobLedger) -> Result<JobRecord, JobLedgerError> {
    let due = ledger.clock().now().plus(Duration::from_secs(120));
    ledger
        .schedule(NewJob::of(&RetentionPayload {}, due).dedupe("daily"))
        .await
}

/// Applies every known guild's retention settings, then comes back a day later. A guild that
/// fails does not stop the others, and the job comes back within the hour for another pass
/// (deleting is idempotent). It never fails for one guild: a failed recurring job could end up
/// dead, and with it the daily timer.
#[derive(Debug)]
pub struct Retention {
    ledger: JobLedger,
    config: Arc<GuildConfigService>,
    tickets: Arc<TicketService>,
}

/// What the job deleted in one guild.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pruned {
    /// Recent messages deleted.
    pub recent_messages: u64,
    /// Ticket transcript messages deleted.
    pub transcript_messages: u64,
    /// Stored log events deleted (past `logging.event_retention_days`).
    pub log_events: u64,
}

/// How long a guild's stored messages are kept: the store's own retention, or the message
/// log's (`logging.message_content_days`) where only the message log keeps them, the longer of
/// the two where both do.
pub fn content_retention(settings: &crate::guild_config::GuildSettings) -> Duration {
    let store = settings.recent_messages.retention();
    let logging = Duration::from_secs(u64::from(settings.logging.message_content_days) * 86_400);
    let logs_keep = settings.features.logging && settings.logging.keeps_content();
    match (settings.recent_messages.store_recent_messages, logs_keep) {
        (true, true) => store.max(logging),
        (false, true) => logging,
        _ => store,
    }
}

impl Retention {
    /// A job over the ledger's database and clock, reading each guild's settings from `config`.
    pub fn new(
        ledger: JobLedger,
        config: Arc<GuildConfigService>,
        tickets: Arc<TicketService>,
    ) -> Self {
        Self {
            ledger,
            config,
            tickets,
        }
    }

    /// Applies one guild's retention now.
    ///
    /// # Errors
    /// A message naming what failed (settings, recent messages or transcripts).
    pub async fn prune_guild(&self, guild: GuildId) -> Result<Pruned, String> {
        let settings = self
            .config
            .get(guild)
            .await
            .map_err(|error| format!("settings: {error}"))?;
        let now = self.ledger.clock().now();
        let before = now.minus(content_retention(&settings));
        let recent_messages = store::prune(self.ledger.db(), guild, before)
            .await
            .map_err(|error| format!("recent messages: {error}"))?;
        let transcript_messages = self
            .tickets
            .prune_transcripts(&settings.tickets, guild)
            .await
            .map_err(|error| format!("ticket transcripts: {error}"))?;
        let log_events = crate::logging::store::prune(
            self.ledger.db(),
            guild,
            now.minus(Duration::from_secs(
                u64::from(settings.logging.event_retention_days) * 86_400,
            )),
        )
        .await
        .map_err(|error| format!("log events: {error}"))?;
        Ok(Pruned {
            recent_messages,
            transcript_messages,
            log_events,
        })
    }
}

#[async_trait]
impl JobHandler for Retention {
    type Job = RetentionPayload;

    async fn run(&self, _: RetentionPayload, _: &JobRecord) -> Result<JobOutcome, JobFailure> {
        let now = self.ledger.clock().now();
        let known = guilds::list(self.ledger.db())
            .await
            .map_err(|error| JobFailure::retry(format!("cannot list guilds: {error}")))?;
        let mut total = Pruned::default();
        let mut failed = 0_usize;
        let mut last_error = String::new();
        for guild in &known {
            match self.prune_guild(guild.id).await {
                Ok(pruned) => {
                    if pruned != Pruned::default() {
                        tracing::info!(
                            guild = %guild.id,
                            recent_messages = pruned.recent_messages,
                            transcript_messages = pruned.transcript_messages,
                            log_events = pruned.log_events,
                            "retention applied"
                        );
                    }
                    total.recent_messages += pruned.recent_messages;
                    total.transcript_messages += pruned.transcript_messages;
                    total.log_events += pruned.log_events;
                }
                Err(error) => {
                    tracing::warn!(guild = %guild.id, %error, "could not apply retention");
                    failed += 1;
                    last_error = format!("guild {}: {error}", guild.id);
                }
            }
        }
        tracing::info!(
            guilds = known.len(),
            failed,
            recent_messages = total.recent_messages,
            transcript_messages = total.transcript_messages,
            "daily retention done"
        );
        if failed > 0 {
            tracing::warn!(
                failed,
                last_error,
                "retention failed in some guilds; trying again within the hour"
            );
            return Ok(JobOutcome::RunAgainAt(now.plus(AFTER_A_FAILURE)));
        }
        Ok(JobOutcome::RunAgainAt(now.plus(DAY)))
    }
}
