//! [`RoleService`]: the role use cases over the database, the clock, the job ledger and the
//! coordination port. Each use case is a method in its own file (`panel.rs`, `click.rs`,
//! `timed.rs`, `self_roles.rs`); this file holds the service, its error, the levels port, the
//! rate limit and the refusal log.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

use super::manage::RoleProblem;
use crate::clock::SharedClock;
use crate::coordination::{Coordination, Key};
use crate::db::{Db, DbError};
use crate::eligibility::RoleNames;
use crate::guards::Refusal;
use crate::ids::{GuildId, UserId};
use crate::jobs::{JobLedger, JobLedgerError};
use crate::refusals;

/// Why a role request was not carried out. Every variant but the storage ones is the member's
/// or staff's mistake and its message can be shown to them.
#[derive(Debug, thiserror::Error)]
pub enum RoleError {
    /// The request itself is wrong (an empty title, too many roles, a duration too long, a role
    /// that is not self-assignable); the message says what is accepted.
    #[error("{0}")]
    Invalid(String),
    /// A permission check refused it; the refusal is already stored. `message` names the role
    /// and the fix, in the member's words.
    #[error("{message}")]
    Refused {
        /// The stored refusal (its code is what the refusal log and analytics show).
        refusal: Refusal,
        /// What to tell the member.
        message: String,
    },
    /// The guild has no such panel (also when it is another guild's).
    #[error("there is no role panel #{0} in this server")]
    NoSuchPanel(super::model::PanelId),
    /// The member has no running timed role for this role.
    #[error("<@{user}> has no timed <@&{role}> to remove")]
    NoSuchTimedRole {
        /// The member.
        user: UserId,
        /// The role.
        role: crate::ids::RoleId,
    },
    /// The database failed.
    #[error(transparent)]
    Storage(#[from] DbError),
    /// A timer could not be scheduled or cancelled.
    #[error(transparent)]
    Jobs(#[from] JobLedgerError),
    /// The guild's tier does not have timed roles.
    #[error(transparent)]
    Premium(#[from] crate::premium::PremiumRequired),
    /// The guild has as many panels as its tier allows.
    #[error(transparent)]
    Limit(#[from] crate::premium::LimitReached),
}

impl From<sqlx::Error> for RoleError {
    fn from(error: sqlx::Error) -> Self {
        Self::Storage(DbError::Sql(error))
    }
}

/// Where a member's level comes from, for panels that require one. The levels feature
/// implements it; until a guild tracks levels, [`LevelsNotTracked`] answers `None` and a level
/// requirement tells the member that levels are not tracked.
#[async_trait]
pub trait MemberLevels: Send + Sync + std::fmt::Debug {
    /// The member's level: `Some(0)` for a member without experience while the guild tracks
    /// levels, `None` when it does not.
    async fn level(&self, guild: GuildId, user: UserId) -> Option<u32>;
}

/// No guild tracks levels.
#[derive(Debug, Clone, Copy, Default)]
pub struct LevelsNotTracked;

#[async_trait]
impl MemberLevels for LevelsNotTracked {
    async fn level(&self, _guild: GuildId, _user: UserId) -> Option<u32> {
        None
    }
}

/// Role panels, self-assignable roles, automatic roles and timed roles.
#[derive(Debug, Clone)]
pub struct RoleService {
    pub(super) db: Db,
    pub(super) clock: SharedClock,
    pub(super) ledger: JobLedger,
    pub(super) coordination: Arc<dyn Coordination>,
    pub(super) levels: Arc<dyn MemberLevels>,
    pub(super) premium: Option<Arc<crate::premium::PremiumService>>,
}

/// The coordination namespace of the per-member role-change rate limit.
const RATE_NAMESPACE: &str = "roles.changes";
/// The rate limit's window.
const RATE_WINDOW: Duration = Duration::from_secs(60);

impl RoleService {
    /// The timed role a `roles.expire` job removes, if any.
    ///
    /// # Errors
    /// [`RoleError::Storage`] when the read fails.
    pub async fn timed_by_job(
        &self,
        guild: GuildId,
        job: crate::jobs::JobId,
    ) -> Result<Option<super::TimedRole>, RoleError> {
        Ok(super::store::timed_by_job(&self.db, guild, job).await?)
    }

    /// A service over the database, scheduling timed-role expiries in `ledger` and counting
    /// role changes per member in `coordination`. Levels are not tracked until
    /// [`RoleService::with_levels`] says where they come from.
    pub fn new(
        db: Db,
        clock: SharedClock,
        ledger: JobLedger,
        coordination: Arc<dyn Coordination>,
    ) -> Self {
        Self {
            db,
            clock,
            ledger,
            coordination,
            levels: Arc::new(LevelsNotTracked),
            premium: None,
        }
    }

    /// Gates timed roles and counts panels through `premium` (without it nothing is gated:
    /// a service built alone, in tests of other rules).
    #[must_use]
    pub fn with_premium(mut self, premium: Arc<crate::premium::PremiumService>) -> Self {
        self.premium = Some(premium);
        self
    }

    /// The premium gate for timed roles: refused when the guild's tier lacks them.
    pub(super) fn require_timed(&self, guild: GuildId) -> Result<(), RoleError> {
        match &self.premium {
            Some(premium) => Ok(premium.require(guild, crate::premium::Perk::TimedRoles)?),
            None => Ok(()),
        }
    }

    /// How many role panels the guild has (the limit counts them).
    ///
    /// # Errors
    /// Storage errors.
    pub async fn panel_count(&self, guild: GuildId) -> Result<u64, DbError> {
        super::store::count_panels(&self.db, guild).await
    }

    /// Whether the guild's tier has timed roles now (a timed panel without them is paused).
    pub fn timed_allowed(&self, guild: GuildId) -> bool {
        self.require_timed(guild).is_ok()
    }

    /// Refuses a new panel when the guild has as many as its tier allows.
    pub(super) async fn check_panel_limit(&self, guild: GuildId) -> Result<(), RoleError> {
        let Some(premium) = &self.premium else {
            return Ok(());
        };
        let count = self.panel_count(guild).await?;
        premium.check_limit(guild, crate::premium::LimitKind::RolePanels, count)?;
        Ok(())
    }

    /// Reads members' levels from `levels` (for panels that require a level).
    #[must_use]
    pub fn with_levels(mut self, levels: Arc<dyn MemberLevels>) -> Self {
        self.levels = levels;
        self
    }

    /// The database.
    pub fn db(&self) -> &Db {
        &self.db
    }

    /// Counts one role change by `user` and says whether it is within `per_minute`. The key
    /// carries the guild, so a member's clicks in one guild never count in another. When the
    /// coordination backend fails the change is allowed (and logged): a missed limit is better
    /// than a broken panel.
    pub async fn within_rate_limit(&self, guild: GuildId, user: UserId, per_minute: u32) -> bool {
        let key = Key::guild(guild, RATE_NAMESPACE, user);
        match self.coordination.hit_window(&key, RATE_WINDOW).await {
            Ok(count) => count <= u64::from(per_minute),
            Err(error) => {
                tracing::warn!(%guild, %error, "role-change rate limit unavailable; allowing");
                true
            }
        }
    }

    /// The answer to a member over the rate limit.
    pub fn slow_down(per_minute: u32) -> String {
        format!("Slow down: at most {per_minute} role changes a minute.")
    }

    /// Stores a refusal (who tried what, and why) and returns it as [`RoleError::Refused`] with
    /// the member-facing words. A failure to store is logged, not returned: the member is
    /// answered either way.
    pub async fn refuse(
        &self,
        guild: GuildId,
        invoker: UserId,
        target: Option<UserId>,
        action: &str,
        problem: &RoleProblem,
        names: &(dyn RoleNames + Sync),
    ) -> RoleError {
        let refusal = problem.refusal();
        if let Err(error) = refusals::record(
            &self.db,
            guild,
            self.clock.now(),
            invoker,
            target,
            action,
            &refusal,
        )
        .await
        {
            tracing::error!(%guild, %error, "could not store a role refusal");
        }
        RoleError::Refused {
            refusal,
            message: problem.words(names),
        }
    }
}
