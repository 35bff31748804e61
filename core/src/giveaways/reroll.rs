//! Rerolls: one slot drawn again, never a previous winner (the pool excludes every winner of
//! every earlier step). Automatic after a claim window expires (counted against the giveaway's
//! `max_rerolls`, see `claim.rs`), or manual by a manager, for any slot of an ended giveaway.
//!
//! A manual reroll is a [`REROLL`](super::REROLL) job, so it runs where the bot can check members (also when
//! asked from the dashboard or the CLI), and its dedupe key names the slot's attempt: two clicks
//! on "reroll slot 2" make one reroll. Every reroll's write requires the step count and the slot
//! state it was computed from, so concurrent rerolls of any slots cannot both be written from
//! the same state; the loser computes again.

use std::sync::Arc;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::fairness::Draw;
use super::model::{EventActor, Giveaway, GiveawayId, GiveawayState, Manager, Slot, SlotState};
use super::ports::{MemberFacts, failure};
use super::service::{GiveawayError, GiveawayService, TIMER_ATTEMPTS, wrong_state};
use super::store::{self, RerollWrite};
use crate::ids::{GuildId, UserId};
use crate::jobs::{JobFailure, JobHandler, JobId, JobOutcome, JobPorts, JobRecord, NewJob};

/// How often a reroll is computed again when another draw got in first.
const REROLL_TRIES: u32 = 5;

/// The payload of a [`REROLL`](super::REROLL) job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RerollPayload {
    /// The guild.
    pub guild: GuildId,
    /// The giveaway.
    pub giveaway: GiveawayId,
    /// The slot.
    pub slot: u32,
    /// The slot's attempt when the reroll was asked for: a slot that moved on since is not
    /// rerolled again.
    pub attempt: u32,
    /// Who asked.
    pub by: EventActor,
    /// Why, if they said.
    pub reason: Option<String>,
}

impl crate::jobs::Job for RerollPayload {
    const KIND: &'static str = super::service::REROLL;

    fn guild(&self) -> Option<GuildId> {
        Some(self.guild)
    }
}

/// A manual reroll, asked for: the [`REROLL`](super::REROLL) job draws and announces it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RerollRequested {
    /// The giveaway.
    pub giveaway: GiveawayId,
    /// The slot.
    pub slot: u32,
    /// Its winner until the reroll.
    pub previous_winner: Option<UserId>,
    /// The job.
    pub job: JobId,
}

/// What one attempt at a reroll did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Rerolled {
    /// Written.
    Done,
    /// The slot moved on (claimed, rerolled, given up) since it was asked for: nothing to do.
    Moot,
}

impl GiveawayService {
    /// Asks for one slot of an ended giveaway to be drawn again, by a manager. The new winner is
    /// never a previous winner of the giveaway. The reroll itself runs as a [`REROLL`](super::REROLL) job in the
    /// process that runs the bot (it checks candidates' membership), which announces the new
    /// winner; asking twice for the same slot before it ran makes one reroll.
    ///
    /// # Errors
    /// [`GiveawayError::NotAllowed`]; [`GiveawayError::WrongState`] unless the giveaway ended;
    /// [`GiveawayError::NoSuchGiveaway`]; [`GiveawayError::NoSuchSlot`]; storage, ledger and
    /// settings errors.
    pub async fn reroll(
        &self,
        guild: GuildId,
        id: GiveawayId,
        slot: u32,
        by: &Manager,
        reason: Option<&str>,
    ) -> Result<RerollRequested, GiveawayError> {
        if !self.settings(guild).await?.may_manage(by) {
            return Err(GiveawayError::NotAllowed { action: "reroll" });
        }
        let giveaway = self.get(guild, id).await?;
        if giveaway.state != GiveawayState::Ended {
            return Err(wrong_state(&giveaway, "a reroll", "ended"));
        }
        let current =
            store::get_slot(&self.db, guild, id, slot)
                .await?
                .ok_or(GiveawayError::NoSuchSlot {
                    giveaway: id,
                    slot,
                    winners: giveaway.winners,
                })?;
        let job = self
            .ledger
            .schedule(
                NewJob::of(
                    &RerollPayload {
                        guild,
                        giveaway: id,
                        slot,
                        attempt: current.attempt,
                        by: by.actor(),
                        reason: reason.map(str::to_owned),
                    },
                    self.clock.now(),
                )
                .dedupe(format!("{guild}:{id}:{slot}:{}", current.attempt))
                .max_attempts(TIMER_ATTEMPTS),
            )
            .await?;
        Ok(RerollRequested {
            giveaway: id,
            slot,
            previous_winner: current.winner,
            job: job.id,
        })
    }

    /// Rerolls `slot` if it is still at `attempt` (and, for an automatic reroll, expired with
    /// rerolls left). Computes from the stored draw and writes only if nothing changed meanwhile,
    /// computing again otherwise.
    pub(super) async fn reroll_slot(
        &self,
        guild: GuildId,
        id: GiveawayId,
        (slot, attempt): (u32, u32),
        automatic: bool,
        (actor, reason): (EventActor, Option<&str>),
        members: &dyn MemberFacts,
    ) -> Result<Rerolled, GiveawayError> {
        for _ in 0..REROLL_TRIES {
            let giveaway = self.get(guild, id).await?;
            let Some(current) = store::get_slot(&self.db, guild, id, slot).await? else {
                return Err(GiveawayError::NoSuchSlot {
                    giveaway: id,
                    slot,
                    winners: giveaway.winners,
                });
            };
            if current.attempt != attempt
                || (automatic && current.state != SlotState::Expired)
                || giveaway.state != GiveawayState::Ended
            {
                return Ok(Rerolled::Moot);
            }
            if automatic && giveaway.rerolls_used >= giveaway.max_rerolls {
                let reason = format!(
                    "no rerolls left ({} of {} used)",
                    giveaway.rerolls_used, giveaway.max_rerolls
                );
                store::give_up(&self.db, guild, &current, &reason, self.clock.now()).await?;
                return Ok(Rerolled::Done);
            }
            if self
                .try_reroll(&giveaway, &current, automatic, actor, reason, members)
                .await?
            {
                return Ok(Rerolled::Done);
            }
        }
        Err(GiveawayError::Contended(format!(
            "giveaway #{id}: the reroll of prize #{slot} kept losing to other draws; it will be \
             tried again"
        )))
    }

    /// Computes one reroll from the stored draw and writes it if nothing changed meanwhile.
    async fn try_reroll(
        &self,
        giveaway: &Giveaway,
        current: &Slot,
        automatic: bool,
        actor: EventActor,
        reason: Option<&str>,
        members: &dyn MemberFacts,
    ) -> Result<bool, GiveawayError> {
        let (guild, id) = (giveaway.guild, giveaway.id);
        let steps = store::steps(&self.db, guild, id).await?;
        if u32::try_from(steps.len()).ok() != Some(giveaway.draw_steps) {
            // A reroll was written between the two reads.
            return Ok(false);
        }
        let entrants = store::entrants(&self.db, guild, id).await?;
        let mut draw = Draw::new(self.seed(giveaway).await?, &entrants);
        for step in &steps {
            draw.replay(&step.draw_step());
        }
        let step = self
            .draw_step(
                &mut draw,
                giveaway,
                (giveaway.draw_steps + 1, current.slot, current.attempt + 1),
                members,
            )
            .await?;
        let now = self.clock.now();
        Ok(store::record_reroll(
            &self.db,
            guild,
            &RerollWrite {
                expected_steps: giveaway.draw_steps,
                from: current.clone(),
                step,
                automatic,
                actor,
                reason: reason.map(str::to_owned),
                now,
            },
        )
        .await?)
    }
}

/// Runs a manual reroll ([`REROLL`](super::REROLL)) and announces the new winner. Idempotent: a rerun after
/// the reroll was written finds the slot moved on and only finishes the announcement.
#[derive(Debug)]
pub struct RerollSlot {
    service: Arc<GiveawayService>,
    ports: JobPorts,
}

impl RerollSlot {
    /// A handler drawing with `ports.members` and announcing through `ports.sink`.
    pub fn new(service: Arc<GiveawayService>, ports: JobPorts) -> Self {
        Self { service, ports }
    }
}

#[async_trait]
impl JobHandler for RerollSlot {
    type Job = RerollPayload;

    async fn run(&self, payload: RerollPayload, _: &JobRecord) -> Result<JobOutcome, JobFailure> {
        self.service
            .reroll_slot(
                payload.guild,
                payload.giveaway,
                (payload.slot, payload.attempt),
                false,
                (payload.by, payload.reason.as_deref()),
                self.ports.members.as_ref(),
            )
            .await
            .map_err(failure)?;
        self.service
            .settle(payload.guild, payload.giveaway, &self.ports)
            .await?;
        Ok(JobOutcome::Done)
    }
}
