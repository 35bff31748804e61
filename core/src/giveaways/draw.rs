//! The draw when the timer fires: the `giveaways.end` job closes the entries, draws every slot
//! from the seed and the sorted entrant list (disqualifying candidates who left or no longer meet
//! the requirements, see [`fairness`](super::fairness)), and writes the result, the revealed
//! seed and the log in one transaction, then announces the winners.
//!
//! Restarts at any moment neither lose nor repeat the draw. The states `running` → `drawing` →
//! `ended` are conditional updates: a run after a crash before the close closes; after the close
//! and before the result it draws (nothing of an unwritten draw was published, so drawing again
//! is drawing once); after the result it only finishes the announcements
//! ([`settle`](super::settle)), which record what they sent.

use std::sync::Arc;

use async_trait::async_trait;

use super::fairness::{Draw, Seed, entrants_hash};
use super::model::{Giveaway, GiveawayState};
use super::ports::{MemberFacts, failure};
use super::service::{EndPayload, GiveawayError, GiveawayService};
use super::store::{self, Disqualified, DrawWrite, StepRecord};
use crate::clock::UnixMillis;
use crate::eligibility::{RoleMentions, evaluate};
use crate::ids::UserId;
use crate::jobs::{JobFailure, JobHandler, JobOutcome, JobPorts, JobRecord};

/// Why a candidate who left is not drawn.
pub const LEFT_THE_SERVER: &str = "left the server";

impl GiveawayService {
    /// Draws one step: picks from `draw` until a candidate qualifies (or nobody is left),
    /// disqualifying who left or no longer meets the giveaway's requirements.
    pub(super) async fn draw_step(
        &self,
        draw: &mut Draw,
        giveaway: &Giveaway,
        (step, slot, attempt): (u32, u32, u32),
        members: &dyn MemberFacts,
    ) -> Result<StepRecord, GiveawayError> {
        let mut disqualified = Vec::new();
        let mut pick = 0_u32;
        let winner = loop {
            let Some(candidate) = draw.candidate(slot, attempt, pick) else {
                break None;
            };
            draw.remove(candidate);
            match self.disqualification(giveaway, candidate, members).await? {
                None => break Some(candidate),
                Some(reason) => {
                    disqualified.push(Disqualified {
                        user: candidate,
                        reason,
                    });
                    pick += 1;
                }
            }
        };
        Ok(StepRecord {
            step,
            slot,
            attempt,
            disqualified,
            winner,
        })
    }

    /// Why `user` may not win now, or `None` when they may.
    async fn disqualification(
        &self,
        giveaway: &Giveaway,
        user: UserId,
        members: &dyn MemberFacts,
    ) -> Result<Option<String>, GiveawayError> {
        let Some(member) = members.member(giveaway.guild, user).await? else {
            return Ok(Some(LEFT_THE_SERVER.to_owned()));
        };
        let verdict = evaluate(
            &giveaway.requirements,
            &member.facts(user, self.clock.now()),
        );
        Ok((!verdict.is_eligible()).then(|| verdict.words(&RoleMentions).join(" ")))
    }

    /// The seed of a giveaway, for drawing.
    pub(super) async fn seed(&self, giveaway: &Giveaway) -> Result<Seed, GiveawayError> {
        let text = store::seed(&self.db, giveaway.guild, giveaway.id).await?;
        Seed::parse(&text).map_err(|error| {
            GiveawayError::Storage(crate::db::DbError::Corrupt(format!(
                "seed of giveaway #{}: {error}",
                giveaway.id
            )))
        })
    }

    /// Brings a giveaway whose end is due to `ended`: closes the entries, then draws and writes
    /// the result. Returns when to run again if the end is not due yet.
    pub(super) async fn finish(
        &self,
        mut giveaway: Giveaway,
        members: &dyn MemberFacts,
    ) -> Result<Option<UnixMillis>, GiveawayError> {
        let (guild, id) = (giveaway.guild, giveaway.id);
        if giveaway.state == GiveawayState::Running {
            if self.clock.now() < giveaway.ends_at {
                return Ok(Some(giveaway.ends_at));
            }
            store::close_for_draw(&self.db, guild, id).await?;
            giveaway = self.get(guild, id).await?;
        }
        if giveaway.state != GiveawayState::Drawing {
            return Ok(None);
        }
        let entrants = store::entrants(&self.db, guild, id).await?;
        let seed = self.seed(&giveaway).await?;
        let mut draw = Draw::new(seed.clone(), &entrants);
        let mut steps = Vec::new();
        for slot in 1..=giveaway.winners {
            steps.push(
                self.draw_step(&mut draw, &giveaway, (slot, slot, 0), members)
                    .await?,
            );
        }
        let now = self.clock.now();
        let written = store::record_draw(
            &self.db,
            guild,
            id,
            &DrawWrite {
                steps,
                entrants: entrants.len() as u64,
                entrants_hash: entrants_hash(&entrants),
                seed: seed.to_hex(),
                now,
            },
        )
        .await?;
        if !written {
            tracing::info!(%guild, giveaway = %id, "the giveaway was drawn by another run");
        }
        Ok(None)
    }
}

/// Draws a giveaway when its end is due ([`END`](super::service::END)), then announces the
/// winners with their "Claim prize" buttons and schedules each claim window. Idempotent (see the
/// module's notes).
#[derive(Debug)]
pub struct EndGiveaway {
    service: Arc<GiveawayService>,
    ports: JobPorts,
}

impl EndGiveaway {
    /// A handler drawing with `ports.members` and announcing through `ports.sink`.
    pub fn new(service: Arc<GiveawayService>, ports: JobPorts) -> Self {
        Self { service, ports }
    }
}

#[async_trait]
impl JobHandler for EndGiveaway {
    type Job = EndPayload;

    async fn run(&self, payload: EndPayload, _: &JobRecord) -> Result<JobOutcome, JobFailure> {
        let Some(giveaway) = store::get_by_end_key(&self.service.db, payload.guild, &payload.key)
            .await
            .map_err(|error| JobFailure::retry(error.to_string()))?
        else {
            // Its giveaway was never written (refused, or the process stopped in between).
            return Ok(JobOutcome::Done);
        };
        let (guild, id) = (giveaway.guild, giveaway.id);
        if let Some(due) = self
            .service
            .finish(giveaway, self.ports.members.as_ref())
            .await
            .map_err(failure)?
        {
            return Ok(JobOutcome::RunAgainAt(due));
        }
        self.service.settle(guild, id, &self.ports).await?;
        Ok(JobOutcome::Done)
    }
}
