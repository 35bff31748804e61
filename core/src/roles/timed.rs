//! Timed roles: a role given until a time (`/temprole`, timed panels), removed on time by the
//! job ledger (`roles.expire`), also after a restart; listed, and removable early.
//!
//! The expiry job is scheduled before the timed role is recorded, and the record names the job:
//! a crash in between leaves a job that finds no record and does nothing, never a record without
//! a timer. The job removes the role only while its record is still running, so a role given
//! back early, removed by staff or given again with a new end is never removed by a stale job.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::manage::{RoleAuthority, role_text};
use super::model::{PanelId, Removal, TimedRole, TimedSource};
use super::panel::check_duration;
use super::service::{RoleError, RoleService};
use super::settings::RoleSettings;
use super::store::{self, NewTimedRole};
use crate::clock::UnixMillis;
use crate::effect::{Effect, EffectError, EffectSink};
use crate::eligibility::RoleNames;
use crate::ids::{GuildId, RoleId, UserId};
use crate::jobs::{
    Job, JobFailure, JobHandler, JobId, JobLedgerError, JobOutcome, JobRecord, NewJob,
};

/// The job kind that removes a timed role when it ends.
pub const EXPIRE_TIMED_ROLE: &str = "roles.expire";

/// Discord's error codes for a member or a role that no longer exists: the role is gone either
/// way, so the timer is done.
const GONE_CODES: [&str; 2] = ["(code 10007)", "(code 10011)"];

/// The payload of an [`EXPIRE_TIMED_ROLE`] job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpiryPayload {
    /// The guild.
    pub guild: GuildId,
    /// The member.
    pub user: UserId,
    /// The role.
    pub role: RoleId,
    /// When the role ends.
    pub expires_at: UnixMillis,
}

impl Job for ExpiryPayload {
    const KIND: &'static str = EXPIRE_TIMED_ROLE;

    fn guild(&self) -> Option<GuildId> {
        Some(self.guild)
    }
}

/// The dedupe key of a timed role's expiry job: one per member, role and end.
pub fn expiry_dedupe_key(guild: GuildId, user: UserId, role: RoleId, at: UnixMillis) -> String {
    format!("{guild}:{user}:{role}:{}", at.0)
}

/// A role to give until a time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimedGrant {
    /// The guild.
    pub guild: GuildId,
    /// The member.
    pub user: UserId,
    /// The role.
    pub role: RoleId,
    /// How long the member keeps it.
    pub duration: Duration,
    /// A command or a panel.
    pub source: TimedSource,
    /// The panel, for panel roles.
    pub panel: Option<PanelId>,
    /// Who gives it.
    pub granted_by: UserId,
    /// The member holds the role already. Without a running timer that is a role they had
    /// before, which the timer would take away: refused.
    pub already_held: bool,
}

/// A timed role given: the record, the role to add, and the timer it replaced.
#[derive(Debug, Clone, PartialEq)]
pub struct GrantedTimedRole {
    /// The running timed role.
    pub timed: TimedRole,
    /// [`Effect::AddRole`] to perform.
    pub add: Effect,
    /// The member's previous timer for this role, ended as replaced.
    pub replaced: Option<TimedRole>,
}

/// A timed role ended early, and the removal of the role.
#[derive(Debug, Clone, PartialEq)]
pub struct RemovedTimedRole {
    /// The ended timed role.
    pub timed: TimedRole,
    /// [`Effect::RemoveRole`] to perform.
    pub remove: Effect,
}

impl RoleService {
    /// Gives a role until a time, for staff (`/temprole`): the bot must be able to give the role
    /// and the giver to hand it out (a refusal is stored and names the fix). The role's removal
    /// is scheduled in the job ledger; giving it again replaces the end.
    ///
    /// # Errors
    /// [`RoleError::Invalid`] for a duration outside 1 second to `roles.max_temp_role_days`, or
    /// a role the member already holds for good; [`RoleError::Refused`]; storage and ledger
    /// errors.
    pub async fn grant_timed(
        &self,
        settings: &RoleSettings,
        grant: TimedGrant,
        authority: &RoleAuthority<'_>,
        names: &(dyn RoleNames + Sync),
    ) -> Result<GrantedTimedRole, RoleError> {
        if let Err(problem) = authority.check(grant.role, self.clock.now()) {
            return Err(self
                .refuse(
                    grant.guild,
                    grant.granted_by,
                    Some(grant.user),
                    "temprole",
                    &problem,
                    names,
                )
                .await);
        }
        self.grant_timed_checked(settings, grant, names).await
    }

    /// [`RoleService::grant_timed`] once the role has been authorized (a panel click).
    pub(super) async fn grant_timed_checked(
        &self,
        settings: &RoleSettings,
        grant: TimedGrant,
        names: &(dyn RoleNames + Sync),
    ) -> Result<GrantedTimedRole, RoleError> {
        self.require_timed(grant.guild)?;
        check_duration(settings, grant.duration, "a timed role")?;
        let guild = grant.guild;
        if grant.already_held
            && store::active_timed(&self.db, guild, grant.user, grant.role)
                .await?
                .is_none()
        {
            return Err(RoleError::Invalid(format!(
                "<@{}> already has {} with no end; a timer would take away a role they had before. \
                 Remove the role first if it should end.",
                grant.user,
                role_text(grant.role, names)
            )));
        }
        let now = self.clock.now();
        let expires_at = now.plus(grant.duration);
        let payload = ExpiryPayload {
            guild,
            user: grant.user,
            role: grant.role,
            expires_at,
        };
        let job = self
            .ledger
            .schedule(
                NewJob::of(&payload, expires_at)
                    .dedupe(expiry_dedupe_key(guild, grant.user, grant.role, expires_at)),
            )
            .await?;
        let recorded = store::insert_timed(
            &self.db,
            &NewTimedRole {
                guild,
                user: grant.user,
                role: grant.role,
                expires_at,
                source: grant.source,
                panel: grant.panel,
                granted_by: grant.granted_by,
                created_at: now,
                job: job.id,
            },
        )
        .await;
        let (timed, replaced) = match recorded {
            Ok(recorded) => recorded,
            Err(error) => {
                self.cancel_job(Some(job.id)).await?;
                return Err(error.into());
            }
        };
        if let Some(replaced) = &replaced {
            self.cancel_job(replaced.job).await?;
        }
        let add = Effect::AddRole {
            guild,
            user: grant.user,
            role: grant.role,
            reason: Some(match grant.source {
                TimedSource::Command => format!("timed role until {}", expires_at.to_rfc3339()),
                TimedSource::Panel => format!(
                    "role panel #{} (timed, until {})",
                    grant.panel.unwrap_or_default(),
                    expires_at.to_rfc3339()
                ),
            }),
        };
        Ok(GrantedTimedRole {
            timed,
            add,
            replaced,
        })
    }

    /// A guild's running timed roles (optionally one member's), the soonest to end first.
    ///
    /// # Errors
    /// Storage errors.
    pub async fn timed_roles(
        &self,
        guild: GuildId,
        user: Option<UserId>,
    ) -> Result<Vec<TimedRole>, RoleError> {
        Ok(store::list_active(&self.db, guild, user).await?)
    }

    /// Ends a member's timed role now: records who ended it, cancels its timer and returns the
    /// removal of the role to perform.
    ///
    /// # Errors
    /// [`RoleError::NoSuchTimedRole`] when the member has no running timed role for it;
    /// storage and ledger errors.
    pub async fn remove_timed(
        &self,
        guild: GuildId,
        user: UserId,
        role: RoleId,
        by: Option<UserId>,
    ) -> Result<RemovedTimedRole, RoleError> {
        let running = store::active_timed(&self.db, guild, user, role)
            .await?
            .ok_or(RoleError::NoSuchTimedRole { user, role })?;
        let timed = self
            .end_early(&running, by)
            .await?
            .ok_or(RoleError::NoSuchTimedRole { user, role })?;
        let remove = Effect::RemoveRole {
            guild,
            user,
            role,
            reason: Some(format!(
                "timed role removed early (was due {})",
                timed.expires_at.to_rfc3339()
            )),
        };
        Ok(RemovedTimedRole { timed, remove })
    }

    /// Ends a running timed role early and cancels its timer; `None` when it had already ended.
    pub(super) async fn end_early(
        &self,
        timed: &TimedRole,
        by: Option<UserId>,
    ) -> Result<Option<TimedRole>, RoleError> {
        let ended = store::end_timed(
            &self.db,
            timed.guild,
            timed.id,
            Removal::Early,
            by,
            self.clock.now(),
        )
        .await?;
        if ended.is_some() {
            self.cancel_job(timed.job).await?;
        }
        Ok(ended)
    }

    /// Cancels a timer that may already have run or been cancelled.
    async fn cancel_job(&self, job: Option<JobId>) -> Result<(), RoleError> {
        let Some(job) = job else {
            return Ok(());
        };
        match self.ledger.cancel(job).await {
            Ok(_) | Err(JobLedgerError::WrongState { .. } | JobLedgerError::NotFound(_)) => Ok(()),
            Err(error) => Err(error.into()),
        }
    }
}

/// Removes a timed role when it ends: performs [`Effect::RemoveRole`] (audit reason
/// `timed role expired`) and records the end.
///
/// Idempotent: a run that finds the timed role already ended (given back, removed early,
/// replaced by a new end) does nothing; a crash between the removal and its record makes the
/// next run remove the role again, which Discord accepts. A member who left, or a role that was
/// deleted, ends the timer. Any other refusal (the bot lost Manage Roles, the role moved above
/// the bot) marks the job dead with Discord's message, and the timed role stays listed as
/// running so an operator sees it.
#[derive(Debug)]
pub struct ExpireTimedRole {
    service: Arc<RoleService>,
    sink: Arc<dyn EffectSink>,
}

impl ExpireTimedRole {
    /// A handler acting through `sink` (the bot's executor).
    pub fn new(service: Arc<RoleService>, sink: Arc<dyn EffectSink>) -> Self {
        Self { service, sink }
    }
}

fn retry<E: std::fmt::Display>(error: E) -> JobFailure {
    JobFailure::retry(error.to_string())
}

#[async_trait]
impl JobHandler for ExpireTimedRole {
    type Job = ExpiryPayload;

    async fn run(&self, payload: ExpiryPayload, job: &JobRecord) -> Result<JobOutcome, JobFailure> {
        let db = &self.service.db;
        let guild = payload.guild;
        let Some(timed) = store::timed_by_job(db, guild, job.id)
            .await
            .map_err(retry)?
        else {
            // The grant stopped between scheduling this timer and recording the role: the role
            // was never given.
            return Ok(JobOutcome::Done);
        };
        if !timed.is_active() {
            return Ok(JobOutcome::Done);
        }
        if timed.user != payload.user || timed.role != payload.role {
            return Err(JobFailure::permanent(format!(
                "timed role {} is not role {} of user {}",
                timed.id, payload.role, payload.user
            )));
        }
        let remove = Effect::RemoveRole {
            guild,
            user: timed.user,
            role: timed.role,
            reason: Some(match timed.source {
                TimedSource::Command => "timed role expired".to_owned(),
                TimedSource::Panel => format!(
                    "timed role expired (role panel #{})",
                    timed.panel.unwrap_or_default()
                ),
            }),
        };
        let failure = match self.sink.perform(Some(guild), &remove).await {
            Ok(()) => None,
            Err(EffectError::Unavailable(message)) => return Err(JobFailure::retry(message)),
            Err(EffectError::Refused(message))
                if GONE_CODES.iter().any(|code| message.contains(code)) =>
            {
                tracing::info!(%guild, user = %timed.user, role = %timed.role, %message, "timed role ended: the member or the role is gone");
                None
            }
            Err(EffectError::Refused(message)) => Some(message),
        };
        if let Some(message) = failure {
            return Err(JobFailure::permanent(format!(
                "Discord refused to remove role {} from user {} (timed role {}): {message}",
                timed.role, timed.user, timed.id
            )));
        }
        store::end_timed(
            db,
            guild,
            timed.id,
            Removal::Expired,
            None,
            self.service.clock.now(),
        )
        .await
        .map_err(retry)?;
        Ok(JobOutcome::Done)
    }
}
