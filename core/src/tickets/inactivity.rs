//! Idle tickets: a warning, then an automatic close, through the job ledger.
//!
//! Messages do not touch the ledger (the message path stays one insert and one update). A
//! ticket's timer is armed for one activity time, its "epoch": at opening and reopening, a
//! [`WARN_INACTIVE`] job (or [`AUTO_CLOSE`] with no warning) is scheduled with the dedupe key
//! `<guild>:<ticket>:<activity ms>`. When a job runs and finds newer activity it does nothing
//! but arm the timer for that activity, so the chain follows the conversation. Both handlers
//! are idempotent: the warning is recorded per epoch, and the close only happens while the
//! ticket is open with its activity still at the epoch.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::close::ClosedTicket;
use super::model::{Ticket, TicketId, TicketState};
use super::service::{TicketError, TicketService};
use super::settings::TicketSettings;
use super::store;
use crate::clock::UnixMillis;
use crate::effect::{Effect, EffectError, EffectSink, OutgoingMessage};
use crate::ids::GuildId;
use crate::jobs::{
    Job, JobFailure, JobHandler, JobOutcome, JobPorts, JobRecord, JobRegistry, NewJob,
};

/// The job kind that warns an idle ticket.
pub const WARN_INACTIVE: &str = "tickets.warn_inactive";
/// The job kind that closes an idle ticket.
pub const AUTO_CLOSE: &str = "tickets.auto_close";

/// The payload of both inactivity jobs. The durations are the guild's settings when the chain
/// was armed; a settings change applies from the next opening or reopening.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InactivityPayload {
    /// The guild.
    pub guild: GuildId,
    /// The ticket.
    pub ticket: TicketId,
    /// The activity time this timer counts from.
    pub activity: UnixMillis,
    /// Hours of inactivity before the close.
    pub auto_close_hours: u32,
    /// Minutes before the close that the warning comes (0 = none).
    pub warning_minutes: u32,
}

/// A [`WARN_INACTIVE`] job: an [`InactivityPayload`], stored as one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct WarnInactiveJob(pub InactivityPayload);

impl Job for WarnInactiveJob {
    const KIND: &'static str = WARN_INACTIVE;

    fn guild(&self) -> Option<GuildId> {
        Some(self.0.guild)
    }
}

/// An [`AUTO_CLOSE`] job: an [`InactivityPayload`], stored as one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AutoCloseJob(pub InactivityPayload);

impl Job for AutoCloseJob {
    const KIND: &'static str = AUTO_CLOSE;

    fn guild(&self) -> Option<GuildId> {
        Some(self.0.guild)
    }
}

/// Adds the ticket timers to `registry`, where the bot runs: [`WARN_INACTIVE`] and
/// [`AUTO_CLOSE`].
pub fn register_jobs(
    registry: JobRegistry,
    core: &crate::composition::Core,
    ports: &JobPorts,
) -> JobRegistry {
    registry
        .register(Arc::new(WarnInactive::new(
            Arc::clone(&core.tickets),
            Arc::clone(&ports.sink),
        )))
        .register(Arc::new(AutoClose::new(
            Arc::clone(&core.tickets),
            Arc::clone(&ports.sink),
        )))
}

impl InactivityPayload {
    fn close_at(&self) -> UnixMillis {
        self.activity.plus(Duration::from_secs(
            u64::from(self.auto_close_hours) * 3_600,
        ))
    }

    fn dedupe_key(&self) -> String {
        inactivity_dedupe_key(self.guild, self.ticket, self.activity)
    }

    fn for_activity(&self, activity: UnixMillis) -> Self {
        Self {
            activity,
            ..self.clone()
        }
    }
}

/// The dedupe key of a ticket's inactivity jobs for one activity time.
pub fn inactivity_dedupe_key(guild: GuildId, ticket: TicketId, activity: UnixMillis) -> String {
    format!("{guild}:{ticket}:{}", activity.0)
}

impl TicketService {
    /// Arms the inactivity timer of `ticket` for its current activity with the guild's settings.
    pub(super) async fn arm_inactivity(
        &self,
        settings: &TicketSettings,
        ticket: &Ticket,
    ) -> Result<(), TicketError> {
        self.arm(&InactivityPayload {
            guild: ticket.guild,
            ticket: ticket.id,
            activity: ticket.last_activity_at,
            auto_close_hours: settings.auto_close_hours,
            warning_minutes: settings.auto_close_warning_minutes,
        })
        .await
    }

    /// Schedules the first job of the chain for `payload.activity`: the warning, or the close
    /// when there is no warning. Scheduling twice for the same activity is a no-op.
    async fn arm(&self, payload: &InactivityPayload) -> Result<(), TicketError> {
        if payload.auto_close_hours == 0 {
            return Ok(());
        }
        let close_at = payload.close_at();
        if payload.warning_minutes > 0 {
            let warn_at =
                close_at.minus(Duration::from_secs(u64::from(payload.warning_minutes) * 60));
            self.schedule(&WarnInactiveJob(payload.clone()), payload, warn_at)
                .await
        } else {
            self.schedule(&AutoCloseJob(payload.clone()), payload, close_at)
                .await
        }
    }

    /// Schedules one job of the chain, at most once per activity time.
    async fn schedule<J: Job>(
        &self,
        job: &J,
        payload: &InactivityPayload,
        due: UnixMillis,
    ) -> Result<(), TicketError> {
        self.ledger
            .schedule(NewJob::of(job, due).dedupe(payload.dedupe_key()))
            .await?;
        Ok(())
    }
}

fn failure(error: TicketError) -> JobFailure {
    match error {
        TicketError::Storage(_) | TicketError::Jobs(_) => JobFailure::retry(error.to_string()),
        other => JobFailure::permanent(other.to_string()),
    }
}

/// Reads the ticket; `None` when there is nothing left to do: the ticket is
/// closed, or newer activity re-armed the timer.
async fn current(
    service: &TicketService,
    payload: InactivityPayload,
) -> Result<Option<(InactivityPayload, Ticket)>, JobFailure> {
    let ticket = match service.ticket(payload.guild, payload.ticket).await {
        Ok(ticket) => ticket,
        Err(TicketError::NoSuchTicket) => {
            return Err(JobFailure::permanent(format!(
                "guild {} has no ticket with id {}",
                payload.guild, payload.ticket
            )));
        }
        Err(error) => return Err(failure(error)),
    };
    if ticket.state == TicketState::Closed {
        return Ok(None);
    }
    if ticket.last_activity_at > payload.activity {
        service
            .arm(&payload.for_activity(ticket.last_activity_at))
            .await
            .map_err(failure)?;
        return Ok(None);
    }
    Ok(Some((payload, ticket)))
}

/// Warns an idle ticket that it will close ([`WARN_INACTIVE`]), then schedules the close.
/// The warning is sent once per activity time; a crash between sending and recording it sends
/// it again on the retry.
#[derive(Debug)]
pub struct WarnInactive {
    service: Arc<TicketService>,
    sink: Arc<dyn EffectSink>,
}

impl WarnInactive {
    /// A handler acting through `sink` (the bot's executor).
    pub fn new(service: Arc<TicketService>, sink: Arc<dyn EffectSink>) -> Self {
        Self { service, sink }
    }
}

#[async_trait]
impl JobHandler for WarnInactive {
    type Job = WarnInactiveJob;

    async fn run(&self, job: WarnInactiveJob, _: &JobRecord) -> Result<JobOutcome, JobFailure> {
        let Some((payload, ticket)) = current(&self.service, job.0).await? else {
            return Ok(JobOutcome::Done);
        };
        self.service
            .schedule(&AutoCloseJob(payload.clone()), &payload, payload.close_at())
            .await
            .map_err(failure)?;
        if ticket.warned_activity_at == Some(payload.activity) {
            return Ok(JobOutcome::Done);
        }
        if let Some(channel) = ticket.channel {
            let warning = Effect::SendMessage {
                channel,
                message: OutgoingMessage::text(format!(
                    "This ticket has been quiet for a while and will close automatically in {} minutes. Send a message to keep it open.",
                    payload.warning_minutes
                )),
            };
            match self.sink.perform(Some(payload.guild), &warning).await {
                Ok(()) => {}
                Err(EffectError::Unavailable(message)) => return Err(JobFailure::retry(message)),
                Err(EffectError::Refused(message)) => {
                    // The thread may be gone; the close still happens on time.
                    tracing::warn!(guild = %payload.guild, ticket = ticket.number, %message, "could not post the inactivity warning");
                }
            }
        }
        store::mark_warned(&self.service.db, payload.guild, ticket.id, payload.activity)
            .await
            .map_err(|error| JobFailure::retry(error.to_string()))?;
        Ok(JobOutcome::Done)
    }
}

/// Closes an idle ticket ([`AUTO_CLOSE`]) unless a message arrived since its timer was armed.
/// The close is a conditional update, so a message racing it wins, and a second run finds the
/// ticket closed. The closing message is best effort: the close is recorded either way.
#[derive(Debug)]
pub struct AutoClose {
    service: Arc<TicketService>,
    sink: Arc<dyn EffectSink>,
}

impl AutoClose {
    /// A handler acting through `sink` (the bot's executor).
    pub fn new(service: Arc<TicketService>, sink: Arc<dyn EffectSink>) -> Self {
        Self { service, sink }
    }
}

#[async_trait]
impl JobHandler for AutoClose {
    type Job = AutoCloseJob;

    async fn run(&self, job: AutoCloseJob, _: &JobRecord) -> Result<JobOutcome, JobFailure> {
        let Some((payload, ticket)) = current(&self.service, job.0).await? else {
            return Ok(JobOutcome::Done);
        };
        let service = &self.service;
        let reason = format!(
            "closed after {} hours without activity",
            payload.auto_close_hours
        );
        let closed = store::close(
            &service.db,
            payload.guild,
            ticket.id,
            None,
            &reason,
            service.clock.now(),
            Some(payload.activity),
        )
        .await
        .map_err(|error| JobFailure::retry(error.to_string()))?;
        if !closed {
            // A message or a person got there first: let the next run see the new state.
            return match current(service, payload.clone()).await? {
                Some(_) => Err(JobFailure::retry("the ticket changed while closing it")),
                None => Ok(JobOutcome::Done),
            };
        }
        let ClosedTicket { effects, lock, .. } = service
            .closed(payload.guild, ticket.id)
            .await
            .map_err(failure)?;
        // The closing note first, then the lock (as a person's close does).
        for effect in effects.iter().chain(lock.iter()) {
            if let Err(error) = self.sink.perform(Some(payload.guild), effect).await {
                tracing::warn!(guild = %payload.guild, ticket = ticket.number, %error, "could not post the automatic close");
            }
        }
        Ok(JobOutcome::Done)
    }
}
