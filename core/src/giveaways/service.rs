//! [`GiveawayService`]: the giveaway use cases over the database, the clock, the job ledger and
//! the guild settings. Each use case lives in its own file (`entry.rs`, `draw.rs`, `claim.rs`,
//! `settle.rs`, `export.rs`); this file holds the service, its error, starting, ending early,
//! cancelling and the lookups.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::fairness::{Seed, SeedError, VerifyError};
use super::messages::{giveaway_message, start_post};
use super::model::{
    Event, EventKind, Giveaway, GiveawayId, GiveawayRequest, GiveawayState, Manager, Slot,
};
use super::settings::GiveawaySettings;
use super::store::{self, Created, NewEvent, NewGiveaway};
use crate::clock::{SharedClock, UnixMillis};
use crate::db::{Db, DbError};
use crate::effect::Effect;
use crate::eligibility::RoleNames;
use crate::guild_config::{GuildConfigError, GuildConfigService};
use crate::ids::{GuildId, MessageId};
use crate::jobs::{JobId, JobLedger, JobLedgerError, NewJob};

/// The job kind that closes entries and draws the winners.
pub const END: &str = "giveaways.end";
/// The job kind that ends a winner's claim window: reroll, or report the slot unclaimed.
pub const CLAIM_EXPIRE: &str = "giveaways.claim_expire";
/// The job kind of a manual reroll, run where the bot can check members.
pub const REROLL: &str = "giveaways.reroll";
/// The job kind that brings the channel up to date: the giveaway message (entrant count,
/// results) and any announcement not made yet.
pub const UPDATE: &str = "giveaways.update";

/// The longest prize, in characters (Discord's embed title allows 256).
pub const MAX_PRIZE: usize = 200;
/// The most winners (prize slots) of one giveaway.
pub const MAX_WINNERS: u32 = 20;
/// The shortest giveaway.
pub const MIN_DURATION: Duration = Duration::from_secs(10);
/// The longest giveaway: 60 days.
pub const MAX_DURATION: Duration = Duration::from_secs(60 * 86_400);
/// At most one entrant-count edit per giveaway per this interval, however many members enter.
pub const COUNT_EDIT_INTERVAL: Duration = Duration::from_secs(5);
/// Attempts of the end, claim-window and reroll jobs before they are dead (and visible to the
/// operator): a draw waits out a long outage of Discord or of the bot.
pub const TIMER_ATTEMPTS: u32 = 20;
/// The most giveaways one list returns.
pub const MAX_LIST: u32 = 500;

/// Why a giveaway request was not carried out. Every variant but the storage, jobs, settings
/// and seed ones is the member's or staff's mistake, and its message can be shown to them.
#[derive(Debug, thiserror::Error)]
pub enum GiveawayError {
    /// The request itself is wrong (a prize too long, too many winners, a duration out of
    /// range); the message says what is accepted.
    #[error("{0}")]
    Invalid(String),
    /// Only managers may do this.
    #[error(
        "only members with Manage Server or one of `giveaways.manager_roles` can {action} \
         giveaways"
    )]
    NotAllowed {
        /// What was attempted: "start", "end", "cancel", "reroll".
        action: &'static str,
    },
    /// The guild has no such giveaway (also when it is another guild's).
    #[error("there is no giveaway #{0} in this server")]
    NoSuchGiveaway(GiveawayId),
    /// The giveaway has no such prize slot.
    #[error("giveaway #{giveaway} has no prize #{slot}; its prizes are numbered 1 to {winners}")]
    NoSuchSlot {
        /// The giveaway.
        giveaway: GiveawayId,
        /// The slot asked for.
        slot: u32,
        /// How many it has.
        winners: u32,
    },
    /// The giveaway is in a state that does not allow the request.
    #[error("giveaway #{id} is {state}; {action} needs a giveaway that is {allowed}")]
    WrongState {
        /// The giveaway.
        id: GiveawayId,
        /// Its state.
        state: GiveawayState,
        /// What was asked.
        action: &'static str,
        /// The states that allow it.
        allowed: &'static str,
    },
    /// The guild runs as many giveaways as it allows.
    #[error(
        "this server already runs {running} giveaways, the most `giveaways.max_active` allows \
         ({max}); end one first or raise the limit"
    )]
    TooManyActive {
        /// Giveaways running now.
        running: u64,
        /// The limit.
        max: u32,
    },
    /// The stored draw does not follow from its seed and entrant list.
    #[error("the draw of giveaway #{giveaway} does not verify: {error}")]
    Verification {
        /// The giveaway.
        giveaway: GiveawayId,
        /// The first mismatch.
        error: VerifyError,
    },
    /// Other draws of the same giveaway kept getting in first; try again.
    #[error("{0}")]
    Contended(String),
    /// The bot could not say whether a member is still in the server.
    #[error(transparent)]
    Facts(#[from] super::ports::FactsUnavailable),
    /// No random seed could be made.
    #[error(transparent)]
    Seed(#[from] SeedError),
    /// The database failed.
    #[error(transparent)]
    Storage(#[from] DbError),
    /// A timer could not be scheduled.
    #[error(transparent)]
    Jobs(#[from] JobLedgerError),
    /// The guild's settings could not be read.
    #[error(transparent)]
    Settings(#[from] GuildConfigError),
    /// The guild runs as many giveaways as its tier allows.
    #[error(transparent)]
    Limit(#[from] crate::premium::LimitReached),
}

impl From<sqlx::Error> for GiveawayError {
    fn from(error: sqlx::Error) -> Self {
        Self::Storage(DbError::Sql(error))
    }
}

/// A started giveaway and the post that shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct StartedGiveaway {
    /// The giveaway.
    pub giveaway: Giveaway,
    /// [`Effect::SendMessage`] of the giveaway message with its Enter button; report the posted
    /// message's id with [`GiveawayService::record_message`]. If it cannot be posted, cancel the
    /// giveaway.
    pub post: Effect,
}

/// A giveaway with its slots and its log, for the dashboard, the console and the CLI.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GiveawayDetail {
    /// The giveaway (with the seed once revealed).
    pub giveaway: Giveaway,
    /// Its prize slots (none before the draw).
    pub slots: Vec<Slot>,
    /// Its log without the entries and leaves (the start, the draw, claims, failed claims,
    /// rerolls, the end or cancellation).
    pub timeline: Vec<Event>,
}

/// The payload of an [`END`] job. The key is written on the giveaway, which is created after its
/// job, so a job whose giveaway was never created finds nothing and ends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndPayload {
    /// The guild.
    pub guild: GuildId,
    /// The giveaway's `end_key`.
    pub key: String,
}

impl crate::jobs::Job for EndPayload {
    const KIND: &'static str = END;

    fn guild(&self) -> Option<GuildId> {
        Some(self.guild)
    }
}

/// The payload of an [`UPDATE`] job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpdatePayload {
    /// The guild.
    pub guild: GuildId,
    /// The giveaway.
    pub giveaway: GiveawayId,
}

impl crate::jobs::Job for UpdatePayload {
    const KIND: &'static str = UPDATE;

    fn guild(&self) -> Option<GuildId> {
        Some(self.guild)
    }
}

/// Giveaways: start, entries, the draw, claims, rerolls, the log and its export.
#[derive(Debug)]
pub struct GiveawayService {
    pub(super) db: Db,
    pub(super) clock: SharedClock,
    pub(super) ledger: JobLedger,
    pub(super) config: Arc<GuildConfigService>,
    /// Per giveaway, when the entrant-count edit this process scheduled is due: entries before
    /// then are shown by that edit, so they schedule nothing.
    updates: Mutex<HashMap<GiveawayId, UnixMillis>>,
    premium: Option<Arc<crate::premium::PremiumService>>,
}

impl GiveawayService {
    /// A service over the database, scheduling its timers in `ledger` and reading each guild's
    /// `giveaways` settings from `config`.
    pub fn new(
        db: Db,
        clock: SharedClock,
        ledger: JobLedger,
        config: Arc<GuildConfigService>,
    ) -> Self {
        Self {
            db,
            clock,
            ledger,
            config,
            updates: Mutex::new(HashMap::new()),
            premium: None,
        }
    }

    /// Holds the running giveaways to the guild's tier's limit through `premium` (without it
    /// only `giveaways.max_active` applies).
    #[must_use]
    pub fn with_premium(mut self, premium: Arc<crate::premium::PremiumService>) -> Self {
        self.premium = Some(premium);
        self
    }

    /// The database.
    pub fn db(&self) -> &Db {
        &self.db
    }

    /// How many of the guild's giveaways run now (the limit counts them).
    ///
    /// # Errors
    /// Storage errors.
    pub async fn running_count(&self, guild: GuildId) -> Result<u64, DbError> {
        let count = store::running(self.db.pool(), guild).await?;
        Ok(u64::try_from(count).unwrap_or(0))
    }

    /// A guild's `giveaways` settings.
    ///
    /// # Errors
    /// [`GiveawayError::Settings`].
    pub async fn settings(&self, guild: GuildId) -> Result<GiveawaySettings, GiveawayError> {
        Ok(self.config.get(guild).await?.giveaways.clone())
    }

    /// Starts a giveaway: checks the request and the manager, makes the secret seed, schedules
    /// the end (before the giveaway is written, so it never exists without its timer), and
    /// returns the post of its message, which shows the seed's commitment and the requirements
    /// (roles named through `names`), and pings `giveaways.ping_role`.
    ///
    /// # Errors
    /// [`GiveawayError::NotAllowed`]; [`GiveawayError::Invalid`] naming what is accepted;
    /// [`GiveawayError::TooManyActive`]; storage, ledger, settings and seed errors.
    pub async fn start(
        &self,
        request: GiveawayRequest,
        names: &(dyn RoleNames + Sync),
    ) -> Result<StartedGiveaway, GiveawayError> {
        let guild = request.guild;
        let settings = self.settings(guild).await?;
        if !settings.may_manage(&request.by) {
            return Err(GiveawayError::NotAllowed { action: "start" });
        }
        let prize = checked_prize(&request.prize)?;
        if !(1..=MAX_WINNERS).contains(&request.winners) {
            return Err(GiveawayError::Invalid(format!(
                "winners must be between 1 and {MAX_WINNERS}, got {}",
                request.winners
            )));
        }
        if !(MIN_DURATION..=MAX_DURATION).contains(&request.duration) {
            return Err(GiveawayError::Invalid(format!(
                "the duration must be between 10 seconds and 60 days, got {}",
                crate::eligibility::spoken_duration(request.duration)
            )));
        }
        let requirements = request
            .requirements
            .unwrap_or_else(|| settings.default_requirements.clone());
        requirements.check().map_err(|error| {
            GiveawayError::Invalid(format!("requirements.{} {}", error.field, error.message))
        })?;
        let seed = Seed::generate()?;
        let end_key = Seed::generate()?.to_hex()[..32].to_owned();
        let now = self.clock.now();
        let ends_at = now.plus(request.duration);
        let job = self
            .ledger
            .schedule(
                NewJob::of(
                    &EndPayload {
                        guild,
                        key: end_key.clone(),
                    },
                    ends_at,
                )
                .dedupe(format!("{guild}:{end_key}"))
                .max_attempts(TIMER_ATTEMPTS),
            )
            .await?;
        let new = NewGiveaway {
            guild,
            channel: request.channel,
            prize,
            winners: request.winners,
            requirements,
            seed_hash: seed.commitment(),
            seed: seed.to_hex(),
            end_key,
            end_job: job.id,
            created_by: request.by.user(),
            actor: request.by.actor(),
            created_at: now,
            ends_at,
            max_rerolls: settings.max_rerolls,
            claim_window_secs: settings.claim_window_secs,
        };
        // The tier's limit and the guild's own setting: the lower holds, checked with the
        // insert (one transaction), so nothing is written past it.
        let tier_limit = self
            .premium
            .as_ref()
            .map(|premium| premium.limits(guild).giveaways);
        let max = tier_limit.map_or(settings.max_active, |limit| limit.min(settings.max_active));
        let created = store::create(&self.db, &new, max).await;
        let giveaway = match created {
            Ok(Created::Created(giveaway)) => *giveaway,
            Ok(Created::TooMany(running)) => {
                self.drop_job(job.id).await;
                if let (Some(premium), Some(limit)) = (&self.premium, tier_limit)
                    && limit <= settings.max_active
                    && let Err(reached) =
                        premium.check_limit(guild, crate::premium::LimitKind::Giveaways, running)
                {
                    return Err(reached.into());
                }
                return Err(GiveawayError::TooManyActive {
                    running,
                    max: settings.max_active,
                });
            }
            Err(error) => {
                self.drop_job(job.id).await;
                return Err(error.into());
            }
        };
        let post = Effect::SendMessage {
            channel: giveaway.channel,
            message: start_post(&giveaway, settings.ping_role, names),
        };
        Ok(StartedGiveaway { giveaway, post })
    }

    /// Cancels a job nobody needs (its giveaway was not created, or was cancelled). Best effort:
    /// a job left behind finds nothing to do.
    async fn drop_job(&self, job: JobId) {
        match self.ledger.cancel(job).await {
            Ok(_) | Err(JobLedgerError::WrongState { .. } | JobLedgerError::NotFound(_)) => {}
            Err(error) => tracing::warn!(job, %error, "could not cancel an unneeded giveaway job"),
        }
    }

    /// Records the message the bot posted for a giveaway, and has it brought up to date (entries
    /// made, or the draw done, before its id was known).
    ///
    /// # Errors
    /// [`GiveawayError::NoSuchGiveaway`]; storage and ledger errors.
    pub async fn record_message(
        &self,
        guild: GuildId,
        id: GiveawayId,
        message: MessageId,
    ) -> Result<Giveaway, GiveawayError> {
        let giveaway = store::set_message(&self.db, guild, id, message)
            .await?
            .ok_or(GiveawayError::NoSuchGiveaway(id))?;
        self.schedule_update(guild, id, self.clock.now(), None)
            .await?;
        Ok(giveaway)
    }

    /// A guild's giveaway.
    ///
    /// # Errors
    /// [`GiveawayError::NoSuchGiveaway`], also for another guild's; storage errors.
    pub async fn get(&self, guild: GuildId, id: GiveawayId) -> Result<Giveaway, GiveawayError> {
        store::get(&self.db, guild, id)
            .await?
            .ok_or(GiveawayError::NoSuchGiveaway(id))
    }

    /// A guild's giveaways, newest first, optionally in one state; at most `limit` (0 means 50,
    /// at most [`MAX_LIST`]).
    ///
    /// # Errors
    /// Storage errors.
    pub async fn list(
        &self,
        guild: GuildId,
        state: Option<GiveawayState>,
        limit: u32,
    ) -> Result<Vec<Giveaway>, GiveawayError> {
        let limit = if limit == 0 { 50 } else { limit.min(MAX_LIST) };
        Ok(store::list(&self.db, guild, state, limit).await?)
    }

    /// A giveaway with its slots and its timeline (the log without entries and leaves).
    ///
    /// # Errors
    /// [`GiveawayError::NoSuchGiveaway`]; storage errors.
    pub async fn detail(
        &self,
        guild: GuildId,
        id: GiveawayId,
    ) -> Result<GiveawayDetail, GiveawayError> {
        let giveaway = self.get(guild, id).await?;
        let slots = store::slots(&self.db, guild, id).await?;
        let timeline = store::events(&self.db, guild, id, false).await?;
        Ok(GiveawayDetail {
            giveaway,
            slots,
            timeline,
        })
    }

    /// The members entered in a giveaway now (at the draw: the entrants), sorted by numeric id,
    /// for the dashboard's and the console's entrant lists.
    ///
    /// # Errors
    /// [`GiveawayError::NoSuchGiveaway`]; storage errors.
    pub async fn entrants(
        &self,
        guild: GuildId,
        id: GiveawayId,
    ) -> Result<Vec<crate::ids::UserId>, GiveawayError> {
        self.get(guild, id).await?;
        Ok(store::entrants(&self.db, guild, id).await?)
    }

    /// The edit that brings the giveaway's message up to date (entrant count while it runs,
    /// results once drawn), with roles named through `names`; `None` before its message is
    /// recorded.
    ///
    /// # Errors
    /// [`GiveawayError::NoSuchGiveaway`]; storage errors.
    pub async fn message_edit(
        &self,
        guild: GuildId,
        id: GiveawayId,
        names: &(dyn RoleNames + Sync),
    ) -> Result<Option<Effect>, GiveawayError> {
        let giveaway = self.get(guild, id).await?;
        let slots = store::slots(&self.db, guild, id).await?;
        Ok(edit_of(&giveaway, &slots, names))
    }

    /// Ends a running giveaway now, by a manager: entries close at once and the end job is
    /// moved to now, so the draw happens as at a normal end (through the job ledger, in the
    /// process that runs the bot).
    ///
    /// # Errors
    /// [`GiveawayError::NotAllowed`]; [`GiveawayError::WrongState`] unless it is running;
    /// [`GiveawayError::NoSuchGiveaway`]; storage, ledger and settings errors.
    pub async fn end(
        &self,
        guild: GuildId,
        id: GiveawayId,
        by: &Manager,
    ) -> Result<Giveaway, GiveawayError> {
        if !self.settings(guild).await?.may_manage(by) {
            return Err(GiveawayError::NotAllowed { action: "end" });
        }
        let giveaway = self.get(guild, id).await?;
        if giveaway.state != GiveawayState::Running {
            return Err(wrong_state(&giveaway, "ending it early", "running"));
        }
        let now = self.clock.now();
        if store::end_now(&self.db, guild, id, now).await? {
            store::log(
                &self.db,
                &NewEvent {
                    giveaway: id,
                    guild,
                    kind: EventKind::EndRequested,
                    actor: by.actor(),
                    user: None,
                    slot: None,
                    detail: json!({"scheduled_end": giveaway.ends_at}),
                    at: now,
                },
            )
            .await?;
        }
        match self.ledger.reschedule(giveaway.end_job, now).await {
            // Running or finished: the draw is under way or done.
            Ok(_) | Err(JobLedgerError::WrongState { .. }) => {}
            Err(error) => return Err(error.into()),
        }
        self.get(guild, id).await
    }

    /// Cancels a running giveaway, by a manager: nobody is drawn, the seed is revealed (so the
    /// commitment can still be checked), the end job is cancelled, and the message is updated by
    /// an [`UPDATE`] job.
    ///
    /// # Errors
    /// [`GiveawayError::NotAllowed`]; [`GiveawayError::WrongState`] unless it is running;
    /// [`GiveawayError::NoSuchGiveaway`]; storage, ledger and settings errors.
    pub async fn cancel(
        &self,
        guild: GuildId,
        id: GiveawayId,
        by: &Manager,
        reason: Option<&str>,
    ) -> Result<Giveaway, GiveawayError> {
        if !self.settings(guild).await?.may_manage(by) {
            return Err(GiveawayError::NotAllowed { action: "cancel" });
        }
        let now = self.clock.now();
        let Some(cancelled) = store::cancel(&self.db, guild, id, by.actor(), reason, now).await?
        else {
            let giveaway = self.get(guild, id).await?;
            return Err(wrong_state(&giveaway, "cancelling it", "running"));
        };
        self.drop_job(cancelled.end_job).await;
        self.schedule_update(guild, id, now, Some("cancel".to_owned()))
            .await?;
        Ok(cancelled)
    }

    /// Schedules an [`UPDATE`] job at `due`. With a `key`, at most once per giveaway and key.
    pub(super) async fn schedule_update(
        &self,
        guild: GuildId,
        id: GiveawayId,
        due: UnixMillis,
        key: Option<String>,
    ) -> Result<(), GiveawayError> {
        let mut job = NewJob::of(
            &UpdatePayload {
                guild,
                giveaway: id,
            },
            due,
        )
        .max_attempts(TIMER_ATTEMPTS);
        if let Some(key) = key {
            job = job.dedupe(format!("{guild}:{id}:{key}"));
        }
        self.ledger.schedule(job).await?;
        Ok(())
    }

    /// Asks for the entrant count to be shown: at most one [`UPDATE`] job per giveaway per
    /// [`COUNT_EDIT_INTERVAL`] from this process, so a burst of entries costs one edit. Such jobs
    /// carry no dedupe key, so the ledger's housekeeping prunes them once done.
    pub(super) async fn request_count_edit(&self, guild: GuildId, id: GiveawayId) {
        let now = self.clock.now();
        let due = {
            let mut updates = self.updates.lock().unwrap_or_else(PoisonError::into_inner);
            if updates.get(&id).is_some_and(|due| *due > now) {
                return;
            }
            let due = now.plus(COUNT_EDIT_INTERVAL);
            updates.insert(id, due);
            if updates.len() > 4_096 {
                updates.retain(|_, due| *due > now);
            }
            due
        };
        if let Err(error) = self.schedule_update(guild, id, due, None).await {
            // The next entry tries again; the end shows the final count either way.
            tracing::warn!(%guild, giveaway = %id, %error, "could not schedule the entrant-count edit");
            self.updates
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .remove(&id);
        }
    }
}

/// The prize, trimmed, or why it is refused.
fn checked_prize(prize: &str) -> Result<String, GiveawayError> {
    let prize = prize.trim();
    if !prize.contains(['\n', '\r']) {
        crate::text::check("the prize", prize, crate::text::TextKind::Name)
            .map_err(|error| GiveawayError::Invalid(error.to_string()))?;
    }
    let length = prize.chars().count();
    if length == 0 || length > MAX_PRIZE || prize.contains(['\n', '\r']) {
        return Err(GiveawayError::Invalid(format!(
            "the prize must be 1 to {MAX_PRIZE} characters on one line, got {length} \
             character(s){}",
            if prize.contains(['\n', '\r']) {
                " with a line break"
            } else {
                ""
            }
        )));
    }
    Ok(prize.to_owned())
}

pub(super) fn wrong_state(
    giveaway: &Giveaway,
    action: &'static str,
    allowed: &'static str,
) -> GiveawayError {
    GiveawayError::WrongState {
        id: giveaway.id,
        state: giveaway.state,
        action,
        allowed,
    }
}

/// The edit of a giveaway's message, once it has one.
pub(super) fn edit_of(
    giveaway: &Giveaway,
    slots: &[Slot],
    names: &dyn RoleNames,
) -> Option<Effect> {
    giveaway.message.map(|message_id| Effect::EditMessage {
        channel: giveaway.channel,
        message_id,
        message: giveaway_message(giveaway, slots, names),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)] // Tests may unwrap: a panic is the failure report.

    use super::*;

    #[test]
    fn prizes_are_one_line_of_at_most_200_characters() {
        assert_eq!(checked_prize("  Nitro  ").ok(), Some("Nitro".to_owned()));
        assert_eq!(checked_prize(&"é".repeat(200)).ok(), Some("é".repeat(200)));
        for (prize, fragment) in [
            ("", "got 0 character(s)"),
            ("   ", "got 0 character(s)"),
            (&"x".repeat(201), "got 201 character(s)"),
            ("a\nb", "with a line break"),
        ] {
            let error = checked_prize(prize).unwrap_err().to_string();
            assert!(error.contains("1 to 200 characters on one line"), "{error}");
            assert!(error.contains(fragment), "{error}");
        }
    }
}
