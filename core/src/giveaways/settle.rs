//! Bringing the channel up to date with what is stored: every draw and reroll not announced yet
//! is announced (with a ping and "Claim prize" buttons), every slot given up is reported, every
//! announced winner has the job that ends their claim window, and the giveaway message shows the
//! current state. Every giveaway job ends with this; the `giveaways.update` job is only this
//! (entrant counts, a manual reroll's announcement, a cancellation).
//!
//! A winner's claim window starts when the announcement pinging them is made: its deadline is
//! written with the record of the announcement, and the window's job is scheduled after it (once
//! per slot and attempt, by its dedupe key), so a stop in between is made good by the job's rerun.
//!
//! An announcement is recorded on its slot once Discord accepted it, so a job run again after a
//! restart does not announce twice. For a stop between Discord's answer and that record, the
//! announcement carries a nonce derived from the giveaway and the (slot, attempt) pairs it
//! announces, sent with Discord's `enforce_nonce`: the rerun's post returns the first message
//! instead of pinging again (Discord remembers nonces for a few minutes; a rerun later than
//! that would announce again rather than risk a winner never being pinged). Edits of the
//! giveaway message are idempotent.

use std::sync::Arc;

use async_trait::async_trait;

use super::claim::{ClaimWindowPayload, claim_window_dedupe_key};
use super::messages::{unclaimed_announcement, winners_announcement};
use super::model::{GiveawayId, GiveawayState, Slot, SlotState};
use super::service::{GiveawayService, TIMER_ATTEMPTS, UpdatePayload, edit_of};
use super::store;
use crate::clock::UnixMillis;
use crate::effect::{Effect, EffectError, OutgoingMessage};
use crate::eligibility::GuildRoleNames;
use crate::ids::{ChannelId, GuildId};
use crate::jobs::{JobFailure, JobHandler, JobOutcome, JobPorts, JobRecord, NewJob};

fn retry(error: impl std::fmt::Display) -> JobFailure {
    JobFailure::retry(error.to_string())
}

impl GiveawayService {
    /// Brings the channel up to date with the stored state of a giveaway (see the module's
    /// notes). Discord being unavailable is retried; Discord refusing (the channel is gone, the
    /// bot may not post) is logged and the rest goes on, since no retry would help.
    pub(super) async fn settle(
        &self,
        guild: GuildId,
        id: GiveawayId,
        ports: &JobPorts,
    ) -> Result<(), JobFailure> {
        let Some(giveaway) = store::get(&self.db, guild, id).await.map_err(retry)? else {
            return Ok(());
        };
        let names = GuildRoleNames {
            cache: &ports.cache,
            guild,
        };
        if giveaway.state == GiveawayState::Drawing {
            return Ok(());
        }
        let mut slots = Vec::new();
        if giveaway.state == GiveawayState::Ended {
            slots = store::slots(&self.db, guild, id).await.map_err(retry)?;
            let winners: Vec<&Slot> = slots
                .iter()
                .filter(|slot| !slot.announced && slot.state == SlotState::Pending)
                .collect();
            // The claim window starts when the winners are pinged, not when they were drawn:
            // a draw announced late (Discord was down) still gives them the whole window.
            let deadline = self.clock.now().plus(giveaway.claim_window());
            if let Some(message) = winners_announcement(&giveaway, &winners, deadline) {
                self.announce(
                    ports,
                    guild,
                    giveaway.channel,
                    message,
                    &winners,
                    Some(deadline),
                )
                .await?;
            }
            let given_up: Vec<&Slot> = slots
                .iter()
                .filter(|slot| !slot.announced && slot.state == SlotState::Unclaimed)
                .collect();
            if let Some(message) = unclaimed_announcement(&giveaway, &given_up) {
                self.announce(ports, guild, giveaway.channel, message, &given_up, None)
                    .await?;
            }
            slots = store::slots(&self.db, guild, id).await.map_err(retry)?;
            // Every announced winner's window, once per slot and attempt (a rerun after a stop
            // right after an announcement schedules it here).
            for slot in slots.iter().filter(|slot| slot.state == SlotState::Pending) {
                self.schedule_claim_window(guild, id, slot).await?;
            }
        }
        if let Some(edit) = edit_of(&giveaway, &slots, &names) {
            perform(ports, guild, &edit, "edit the giveaway message").await?;
        }
        Ok(())
    }

    async fn schedule_claim_window(
        &self,
        guild: GuildId,
        id: GiveawayId,
        slot: &Slot,
    ) -> Result<(), JobFailure> {
        let Some(deadline) = slot.claim_deadline else {
            return Ok(());
        };
        self.ledger
            .schedule(
                NewJob::of(
                    &ClaimWindowPayload {
                        guild,
                        giveaway: id,
                        slot: slot.slot,
                        attempt: slot.attempt,
                    },
                    deadline,
                )
                .dedupe(claim_window_dedupe_key(guild, id, slot.slot, slot.attempt))
                .max_attempts(TIMER_ATTEMPTS),
            )
            .await
            .map_err(retry)?;
        Ok(())
    }

    /// Posts an announcement and records it on its slots, with the end of the claim window it
    /// showed.
    async fn announce(
        &self,
        ports: &JobPorts,
        guild: GuildId,
        channel: ChannelId,
        message: OutgoingMessage,
        slots: &[&Slot],
        deadline: Option<UnixMillis>,
    ) -> Result<(), JobFailure> {
        let post = Effect::SendMessage { channel, message };
        perform(ports, guild, &post, "announce").await?;
        let now = self.clock.now();
        for slot in slots {
            store::mark_announced(&self.db, guild, slot, now, deadline)
                .await
                .map_err(retry)?;
        }
        Ok(())
    }
}

async fn perform(
    ports: &JobPorts,
    guild: GuildId,
    effect: &Effect,
    what: &str,
) -> Result<(), JobFailure> {
    match ports.sink.perform(Some(guild), effect).await {
        Ok(()) => Ok(()),
        Err(EffectError::Unavailable(message)) => Err(JobFailure::retry(message)),
        Err(EffectError::Refused(message)) => {
            tracing::warn!(%guild, %message, "Discord refused to {what} for a giveaway");
            Ok(())
        }
    }
}

/// Brings the channel up to date ([`UPDATE`](super::service::UPDATE)): the entrant count while
/// a giveaway runs, the announcement of a manual reroll, the message of a cancelled giveaway.
#[derive(Debug)]
pub struct UpdateGiveaway {
    service: Arc<GiveawayService>,
    ports: JobPorts,
}

impl UpdateGiveaway {
    /// A handler acting through `ports.sink`.
    pub fn new(service: Arc<GiveawayService>, ports: JobPorts) -> Self {
        Self { service, ports }
    }
}

#[async_trait]
impl JobHandler for UpdateGiveaway {
    type Job = UpdatePayload;

    async fn run(&self, payload: UpdatePayload, _: &JobRecord) -> Result<JobOutcome, JobFailure> {
        self.service
            .settle(payload.guild, payload.giveaway, &self.ports)
            .await?;
        Ok(JobOutcome::Done)
    }
}
