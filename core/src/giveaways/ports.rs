//! What the giveaway timers need from the process that runs the bot: whether a member is still
//! in the server and their eligibility facts ([`MemberFacts`]), a way to act on Discord
//! ([`EffectSink`]), and role names for the messages ([`GuildCache`]). [`register`] adds the
//! giveaway jobs to a worker's registry.

use std::sync::Arc;

use async_trait::async_trait;

use super::claim::ClaimExpired;
use super::draw::EndGiveaway;
use super::post::{POST, PostGiveaway};
use super::reroll::RerollSlot;
use super::service::{CLAIM_EXPIRE, END, GiveawayError, GiveawayService, REROLL, UPDATE};
use super::settle::UpdateGiveaway;
use crate::clock::UnixMillis;
use crate::effect::EffectSink;
use crate::eligibility::Facts;
use crate::guild_cache::GuildCache;
use crate::ids::{GuildId, RoleId, UserId};
use crate::jobs::{JobFailure, JobRegistry};

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

/// The ports of the giveaway jobs.
#[derive(Debug, Clone)]
pub struct GiveawayPorts {
    /// Performs announcements and message edits (the bot's executor).
    pub sink: Arc<dyn EffectSink>,
    /// Checks candidates at the draw and at rerolls.
    pub members: Arc<dyn MemberFacts>,
    /// Names roles in the giveaway message's requirements.
    pub cache: Arc<GuildCache>,
}

/// Adds the handlers of [`END`], [`CLAIM_EXPIRE`], [`REROLL`], [`UPDATE`] and [`POST`] (the
/// message of a giveaway started in the dashboard) to `registry`. Register them where the bot
/// runs: they need its members and its executor.
pub fn register(
    registry: JobRegistry,
    service: &Arc<GiveawayService>,
    ports: &GiveawayPorts,
) -> JobRegistry {
    registry
        .with(
            END,
            Arc::new(EndGiveaway::new(Arc::clone(service), ports.clone())),
        )
        .with(
            CLAIM_EXPIRE,
            Arc::new(ClaimExpired::new(Arc::clone(service), ports.clone())),
        )
        .with(
            REROLL,
            Arc::new(RerollSlot::new(Arc::clone(service), ports.clone())),
        )
        .with(
            UPDATE,
            Arc::new(UpdateGiveaway::new(Arc::clone(service), ports.clone())),
        )
        .with(
            POST,
            Arc::new(PostGiveaway::new(
                Arc::clone(service),
                Arc::clone(&ports.sink),
                Arc::clone(&ports.cache),
            )),
        )
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

/// Reads a job's payload, checking it belongs to the job's guild.
pub(super) fn payload<T: serde::de::DeserializeOwned>(
    job: &crate::jobs::Job,
    guild_of: impl Fn(&T) -> GuildId,
) -> Result<T, JobFailure> {
    let payload: T = serde_json::from_value(job.payload.clone()).map_err(|error| {
        JobFailure::permanent(format!("unreadable {} payload: {error}", job.kind))
    })?;
    if job.guild.is_some_and(|guild| guild != guild_of(&payload)) {
        return Err(JobFailure::permanent(
            "the payload's guild is not the job's guild",
        ));
    }
    Ok(payload)
}
