//! Claims: only a slot's current winner, within the claim window, still a member and still
//! meeting the requirements, may claim it. When the window passes, the `giveaways.claim_expire`
//! job logs the failed claim and rerolls the slot while the giveaway has automatic rerolls left,
//! or reports it unclaimed.

use std::sync::Arc;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::messages::claimed_announcement;
use super::model::{EventActor, EventKind, GiveawayId, GiveawayState, SlotState};
use super::ports::failure;
use super::reroll::Rerolled;
use super::service::{GiveawayError, GiveawayService, edit_of};
use super::store::{self, NewEvent};
use crate::effect::Effect;
use crate::eligibility::{Facts, RoleNames, evaluate};
use crate::ids::{GuildId, UserId};
use crate::jobs::{JobFailure, JobHandler, JobOutcome, JobPorts, JobRecord};

/// The payload of a [`CLAIM_EXPIRE`](super::service::CLAIM_EXPIRE) job: one per slot and
/// attempt (its dedupe key), due at the claim deadline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimWindowPayload {
    /// The guild.
    pub guild: GuildId,
    /// The giveaway.
    pub giveaway: GiveawayId,
    /// The slot.
    pub slot: u32,
    /// The attempt whose window this is.
    pub attempt: u32,
}

impl crate::jobs::Job for ClaimWindowPayload {
    const KIND: &'static str = super::service::CLAIM_EXPIRE;

    fn guild(&self) -> Option<GuildId> {
        Some(self.guild)
    }
}

/// The dedupe key of a slot's claim-window job for one attempt.
pub fn claim_window_dedupe_key(
    guild: GuildId,
    giveaway: GiveawayId,
    slot: u32,
    attempt: u32,
) -> String {
    format!("{guild}:{giveaway}:{slot}:{attempt}")
}

/// What a "Claim prize" click did.
#[derive(Debug, Clone, PartialEq)]
pub enum ClaimOutcome {
    /// Claimed. Perform `effects`: the notice in the channel and the edit of the giveaway
    /// message.
    Claimed {
        /// The slot claimed.
        slot: u32,
        /// What to do on Discord.
        effects: Vec<Effect>,
    },
    /// Someone else is this slot's winner.
    NotYourPrize,
    /// The slot was claimed already.
    AlreadyClaimed,
    /// The claim window has closed.
    WindowClosed,
    /// The winner is no longer a member of the server.
    NotAMember,
    /// The winner no longer meets the requirements; they may claim once they do, within the
    /// window.
    Ineligible {
        /// Every unmet requirement, one sentence each.
        reasons: Vec<String>,
    },
    /// The giveaway has not been drawn.
    NotDrawn,
}

impl ClaimOutcome {
    /// The private answer to the member who clicked.
    pub fn answer(&self) -> String {
        match self {
            Self::Claimed { .. } => {
                "🎉 Claimed! The staff will be in touch about your prize.".to_owned()
            }
            Self::NotYourPrize => "Only the winner of this prize can claim it.".to_owned(),
            Self::AlreadyClaimed => "This prize has already been claimed.".to_owned(),
            Self::WindowClosed => {
                "The time to claim this prize is over; it goes to someone else.".to_owned()
            }
            Self::NotAMember => "Only members of this server can claim its prizes.".to_owned(),
            Self::Ineligible { reasons } => {
                let mut text =
                    "You cannot claim this prize right now; claim again once you meet every \
                     requirement before the time runs out:"
                        .to_owned();
                for reason in reasons {
                    text.push_str("\n• ");
                    text.push_str(reason);
                }
                text
            }
            Self::NotDrawn => "This giveaway has not been drawn yet.".to_owned(),
        }
    }
}

impl GiveawayService {
    /// A click on "Claim prize" for `slot` by `user`. `member` is the member's facts from the
    /// interaction, `None` when the user is not a member of the guild now. Only the slot's
    /// current winner may claim, before the deadline, still meeting the requirements (a refusal
    /// for the requirements is logged). The claim is a conditional write, so a claim racing the
    /// window's end or a reroll either wins or is told the window closed.
    ///
    /// # Errors
    /// [`GiveawayError::NoSuchGiveaway`]; [`GiveawayError::NoSuchSlot`]; storage errors.
    pub async fn claim(
        &self,
        guild: GuildId,
        id: GiveawayId,
        slot: u32,
        user: UserId,
        member: Option<&Facts<'_>>,
        names: &(dyn RoleNames + Sync),
    ) -> Result<ClaimOutcome, GiveawayError> {
        let giveaway = self.get(guild, id).await?;
        if giveaway.state != GiveawayState::Ended {
            return Ok(ClaimOutcome::NotDrawn);
        }
        let current =
            store::get_slot(&self.db, guild, id, slot)
                .await?
                .ok_or(GiveawayError::NoSuchSlot {
                    giveaway: id,
                    slot,
                    winners: giveaway.winners,
                })?;
        if current.winner != Some(user) {
            return Ok(ClaimOutcome::NotYourPrize);
        }
        let now = self.clock.now();
        match current.state {
            SlotState::Claimed => return Ok(ClaimOutcome::AlreadyClaimed),
            SlotState::Expired | SlotState::Unclaimed => return Ok(ClaimOutcome::WindowClosed),
            SlotState::Pending => {}
        }
        // No deadline yet: the announcement is on its way, and the window starts with it.
        if current
            .claim_deadline
            .is_some_and(|deadline| now >= deadline)
        {
            return Ok(ClaimOutcome::WindowClosed);
        }
        let Some(facts) = member else {
            return Ok(ClaimOutcome::NotAMember);
        };
        let verdict = evaluate(&giveaway.requirements, facts);
        if !verdict.is_eligible() {
            let reasons = verdict.words(names);
            store::log(
                &self.db,
                &NewEvent {
                    giveaway: id,
                    guild,
                    kind: EventKind::ClaimRefused,
                    actor: EventActor::Member(user),
                    user: Some(user),
                    slot: Some(slot),
                    detail: serde_json::json!({"attempt": current.attempt, "reasons": reasons}),
                    at: now,
                },
            )
            .await?;
            return Ok(ClaimOutcome::Ineligible { reasons });
        }
        if !store::claim(&self.db, guild, &current, user, now).await? {
            // The window closed, or a reroll moved the slot, between the read and the write.
            return Ok(match store::get_slot(&self.db, guild, id, slot).await? {
                Some(now_slot)
                    if now_slot.state == SlotState::Claimed && now_slot.winner == Some(user) =>
                {
                    ClaimOutcome::AlreadyClaimed
                }
                Some(now_slot) if now_slot.winner != Some(user) => ClaimOutcome::NotYourPrize,
                _ => ClaimOutcome::WindowClosed,
            });
        }
        let slots = store::slots(&self.db, guild, id).await?;
        let claimed = slots
            .iter()
            .find(|candidate| candidate.slot == slot)
            .cloned()
            .unwrap_or(current);
        let mut effects = vec![Effect::SendMessage {
            channel: giveaway.channel,
            message: claimed_announcement(&giveaway, &claimed, user),
        }];
        effects.extend(edit_of(&giveaway, &slots, names));
        Ok(ClaimOutcome::Claimed { slot, effects })
    }
}

/// Ends a winner's claim window ([`CLAIM_EXPIRE`](super::service::CLAIM_EXPIRE)): when the slot
/// is still unclaimed at that attempt, logs the failed claim, then rerolls the slot while the
/// giveaway has automatic rerolls left, or reports it unclaimed; announces either. Idempotent: a
/// window that was claimed, rerolled or handled already only finishes the announcements.
#[derive(Debug)]
pub struct ClaimExpired {
    service: Arc<GiveawayService>,
    ports: JobPorts,
}

impl ClaimExpired {
    /// A handler drawing with `ports.members` and announcing through `ports.sink`.
    pub fn new(service: Arc<GiveawayService>, ports: JobPorts) -> Self {
        Self { service, ports }
    }
}

#[async_trait]
impl JobHandler for ClaimExpired {
    type Job = ClaimWindowPayload;

    async fn run(
        &self,
        payload: ClaimWindowPayload,
        _: &JobRecord,
    ) -> Result<JobOutcome, JobFailure> {
        let service = &self.service;
        let (guild, id) = (payload.guild, payload.giveaway);
        let current = store::get_slot(&service.db, guild, id, payload.slot)
            .await
            .map_err(|error| JobFailure::retry(error.to_string()))?
            .ok_or_else(|| {
                JobFailure::permanent(format!(
                    "guild {guild} has no giveaway #{id} with a prize #{}",
                    payload.slot
                ))
            })?;
        if current.attempt == payload.attempt {
            if current.state == SlotState::Pending {
                let now = service.clock.now();
                match current.claim_deadline {
                    // Not announced yet, so its window has not started: the settle below
                    // announces it and arms the window.
                    None => {}
                    Some(deadline) if now < deadline => {
                        return Ok(JobOutcome::RunAgainAt(deadline));
                    }
                    Some(_) => {
                        store::expire(&service.db, guild, &current, now)
                            .await
                            .map_err(|error| JobFailure::retry(error.to_string()))?;
                    }
                }
            }
            let rerolled = service
                .reroll_slot(
                    guild,
                    id,
                    (payload.slot, payload.attempt),
                    true,
                    (EventActor::System, None),
                    self.ports.members.as_ref(),
                )
                .await
                .map_err(failure)?;
            if rerolled == Rerolled::Moot {
                tracing::debug!(%guild, giveaway = %id, slot = payload.slot, "claim window ended after the slot moved on");
            }
        }
        service.settle(guild, id, &self.ports).await?;
        Ok(JobOutcome::Done)
    }
}
