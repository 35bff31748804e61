//! What the giveaway timers need from the process that runs the bot: whether a member is still
//! in the server and their eligibility facts ([`MemberFacts`], one of the [`JobPorts`]).
//! [`register_jobs`] adds the giveaway jobs to a worker's registry.

use std::sync::Arc;

use async_trait::async_trait;

use super::claim::ClaimExpired;
use super::draw::EndGiveaway;
use super::post::PostGiveaway;
use super::reroll::RerollSlot;
use super::service::GiveawayError;
use super::settle::UpdateGiveaway;
use crate::clock::UnixMillis;
use crate::composition::Core;
use crate::eligibility::Facts;
use crate::ids::{GuildId, RoleId, UserId};
use crate::jobs::{JobFailure, JobPorts, JobRegistry};

/// A member as the eligibility engine needs them, owned (the port's answer).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MemberState {
    /// Their roles.
    pub roles: Vec<RoleId>,
    /// Their level: `None` when the guild does not track levels.
    pub level: Option<u32>,
    /// When they joined, if known.
    pub joined_at: Option<UnixMillis>,
    /// Their warnings that have not decayed.
    pub active_warnings: u32,
}

impl MemberState {
    /// The facts the eligibility engine decides on, for `user` at `now`.
    pub fn facts(&self, user: UserId, now: UnixMillis) -> Facts<'_> {
        Facts {
            user,
            roles: &self.roles,
            level: self.level,
            joined_at: self.joined_at,
            active_warnings: self.active_warnings,
            now,
        }
    }
}

/// The bot could not say whether someone is a member (Discord or the cache is unavailable).
/// The draw waits and retries rather than treating them as gone.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("could not look up a member: {0}")]
pub struct FactsUnavailable(pub String);

/// Whether a user is still a member of a guild, and their eligibility facts: implemented by the
/// bot (guild cache, levels, warnings); by an in-memory map in tests.
#[async_trait]
pub trait MemberFacts: Send + Sync + std::fmt::Debug {
    /// The member's state now, or `None` when the user is not a member of the guild.
    ///
    /// # Errors
    /// [`FactsUnavailable`] when it cannot be known right now.
    async fn member(
        &self,
        guild: GuildId,
        user: UserId,
    ) -> Result<Option<MemberState>, FactsUnavailable>;
}

/// Adds the handlers of [`END`](super::END), [`CLAIM_EXPIRE`](super::CLAIM_EXPIRE),
/// [`REROLL`](super::REROLL), [`UPDATE`](super::UPDATE) and [`POST`](super::POST) (the
/// message of a giveaway started in the dashboard) to `registry`. Registered where the bot
/// runs: they need its members and its executor.
pub fn register_jobs(registry: JobRegistry, core: &Core, ports: &JobPorts) -> JobRegistry {
    let service = &core.giveaways;
    registry
        .register(Arc::new(EndGiveaway::new(
            Arc::clone(service),
            ports.clone(),
        )))
        .register(Arc::new(ClaimExpired::new(
            Arc::clone(service),
            ports.clone(),
        )))
        .register(Arc::new(RerollSlot::new(
            Arc::clone(service),
            ports.clone(),
        )))
        .register(Arc::new(UpdateGiveaway::new(
            Arc::clone(service),
            ports.clone(),
        )))
        .register(Arc::new(PostGiveaway::new(
            Arc::clone(service),
            Arc::clone(&ports.sink),
            Arc::clone(&ports.cache),
        )))
}

/// A job's failure for a service error: the bot's or the database's trouble is retried, anything
/// else (a payload naming what does not exist) is permanent.
pub(super) fn failure(error: GiveawayError) -> JobFailure {
    match error {
        GiveawayError::Storage(_)
        | GiveawayError::Jobs(_)
        | GiveawayError::Settings(_)
        | GiveawayError::Facts(_)
        | GiveawayError::Contended(_)
        | GiveawayError::Seed(_) => JobFailure::retry(error.to_string()),
        other => JobFailure::permanent(other.to_string()),
    }
}
