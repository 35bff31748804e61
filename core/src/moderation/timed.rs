//! Timed punishments through the job ledger. Only tempbans need a job (`moderation.unban` at
//! the ban's end, scheduled by `punish`): Discord ends native timeouts by itself, and warnings
//! decay on read.

use std::sync::Arc;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::cases::{CaseActor, CaseId, CaseKind, NewCase, TEMPBAN_ACTOR};
use super::modlog;
use super::service::ModerationService;
use super::store;
use crate::db::DbError;
use crate::effect::{Effect, EffectError, EffectSink};
use crate::ids::{GuildId, UserId};
use crate::jobs::{Job, JobFailure, JobHandler, JobOutcome, JobPorts, JobRecord, JobRegistry};

/// The job kind that lifts a tempban.
pub const LIFT_TEMPBAN: &str = "moderation.unban";

/// The payload of a [`LIFT_TEMPBAN`] job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TempbanPayload {
    /// The guild.
    pub guild: GuildId,
    /// The banned user.
    pub user: UserId,
    /// The tempban case's internal id.
    pub case: CaseId,
    /// The tempban case's number, for messages.
    pub number: i64,
}

impl Job for TempbanPayload {
    const KIND: &'static str = LIFT_TEMPBAN;

    fn guild(&self) -> Option<GuildId> {
        Some(self.guild)
    }
}

/// Adds moderation's jobs to `registry`: [`LIFT_TEMPBAN`], where the bot runs.
pub fn register_jobs(
    registry: JobRegistry,
    core: &crate::composition::Core,
    ports: &JobPorts,
) -> JobRegistry {
    registry.register(Arc::new(LiftTempban::new(
        Arc::clone(&core.moderation),
        Arc::clone(&ports.sink),
    )))
}

/// Lifts a tempban when it ends: performs [`Effect::Unban`] (audit reason
/// `[case N] tempban expired`), creates the unban case (linked to the tempban by `lifts_case`)
/// and posts it to the mod log.
///
/// Idempotent: a run that finds the tempban already lifted by a case does nothing, and the
/// schema allows one lifting case per case. A ban, tempban or unban recorded after the tempban
/// supersedes it, and the job ends without unbanning. A crash between the unban and the case
/// makes the next run unban again; Discord then refuses (no such ban) and the job is marked
/// dead with that message, so an operator sees the missing case.
#[derive(Debug)]
pub struct LiftTempban {
    service: Arc<ModerationService>,
    sink: Arc<dyn EffectSink>,
}

impl LiftTempban {
    /// A handler acting through `sink` (the bot's executor).
    pub fn new(service: Arc<ModerationService>, sink: Arc<dyn EffectSink>) -> Self {
        Self { service, sink }
    }
}

fn storage(error: DbError) -> JobFailure {
    JobFailure::retry(error.to_string())
}

#[async_trait]
impl JobHandler for LiftTempban {
    type Job = TempbanPayload;

    async fn run(&self, payload: TempbanPayload, _: &JobRecord) -> Result<JobOutcome, JobFailure> {
        let db = &self.service.db;
        let guild = payload.guild;
        let Some(tempban) = store::get_by_id(db, guild, payload.case)
            .await
            .map_err(storage)?
        else {
            return Err(JobFailure::permanent(format!(
                "guild {guild} has no case with id {}",
                payload.case
            )));
        };
        if tempban.kind != CaseKind::Tempban || tempban.target != payload.user {
            return Err(JobFailure::permanent(format!(
                "case {} is not a tempban of user {}",
                tempban.number, payload.user
            )));
        }
        if store::lifted_by(db, guild, tempban.id)
            .await
            .map_err(storage)?
            .is_some()
        {
            return Ok(JobOutcome::Done);
        }
        if store::ban_state_changed_since(db, guild, tempban.target, tempban.id)
            .await
            .map_err(storage)?
        {
            tracing::info!(%guild, case = tempban.number, "tempban superseded by a later case; not lifting it");
            return Ok(JobOutcome::Done);
        }
        let unban = Effect::Unban {
            guild,
            user: tempban.target,
            reason: Some(format!("[case {}] tempban expired", tempban.number)),
        };
        match self.sink.perform(Some(guild), &unban).await {
            Ok(()) => {}
            Err(EffectError::Unavailable(message)) => return Err(JobFailure::retry(message)),
            Err(EffectError::Refused(message)) => {
                return Err(JobFailure::permanent(format!(
                    "Discord refused to lift the tempban of case {}: {message}",
                    tempban.number
                )));
            }
        }
        let mut new = NewCase::new(
            guild,
            CaseKind::Unban,
            tempban.target,
            CaseActor::Automated(TEMPBAN_ACTOR.to_owned()),
            format!("tempban expired (case {})", tempban.number),
            self.service.clock.now(),
        );
        new.lifts_case = Some(tempban.id);
        let case = match store::create(db, &new).await {
            Ok(case) => case,
            // Another run created the lifting case meanwhile.
            Err(DbError::Sql(sqlx::Error::Database(error))) if error.is_unique_violation() => {
                return Ok(JobOutcome::Done);
            }
            Err(error) => return Err(storage(error)),
        };
        // The mod-log post is best effort: the unban happened and is recorded either way.
        match self.service.guild_settings(guild).await {
            Ok(settings) => {
                if let Some(channel) = settings.mod_log_channel {
                    let post = Effect::SendMessage {
                        channel,
                        message: modlog::mod_log_message(&case),
                    };
                    if let Err(error) = self.sink.perform(Some(guild), &post).await {
                        tracing::warn!(%guild, case = case.number, %error, "could not post the unban to the mod log");
                    }
                }
            }
            Err(error) => {
                tracing::warn!(%guild, case = case.number, %error, "could not read the mod-log channel");
            }
        }
        Ok(JobOutcome::Done)
    }
}
