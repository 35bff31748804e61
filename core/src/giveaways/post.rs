//! Posting a giveaway started where there is no Discord connection (the dashboard): the
//! `giveaways.post` job, run by the process that runs the bot, builds the giveaway's message from
//! what is stored when it runs, posts it through the [`EffectSink`] and records the message's id
//! with [`GiveawayService::record_message`], so the entrant count and the results reach it.
//!
//! Posting is at most once, by the reasoning of the role panels' post job
//! (`roles/post.rs`), whose reading of the attempt history this job shares:
//!
//! - The giveaway already has a message: nothing to do (a rerun after the record, or a second
//!   schedule of the same giveaway).
//! - The giveaway was cancelled before it was posted: nothing to post.
//! - The record failed after the post (the database went away): the attempt fails with the
//!   posted message's id in its error, and the next attempt records that id instead of posting.
//! - The process died (or was stopped past its grace period) while an attempt ran: nobody knows
//!   whether Discord received the message. The next attempt does not post; it fails for good,
//!   saying where to look; retrying the job (`guildhall jobs retry`) after looking posts it. A
//!   duplicate message would carry a working Enter button (entries are one per member whatever
//!   the message) but only one message would show the count and the results; a missing one is
//!   visible and one retry away.
//! - Discord refuses the post (no access to the channel, a deleted channel): the giveaway is
//!   cancelled, as [`StartedGiveaway`](super::StartedGiveaway) asks, so nobody waits for a
//!   draw of a giveaway nobody can enter; the job fails for good with Discord's reason.
//!
//! Scheduling uses one dedupe key per giveaway, so the post job is never scheduled twice.

use std::sync::Arc;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::messages::start_post;
use super::model::{Giveaway, GiveawayId, GiveawayState, Manager};
use super::service::{GiveawayError, GiveawayService};
use crate::effect::{Effect, EffectError, EffectSink, created_id};
use crate::eligibility::GuildRoleNames;
use crate::guild_cache::GuildCache;
use crate::ids::{GuildId, MessageId};
use crate::jobs::{
    JobFailure, JobHandler, JobLedger, JobLedgerError, JobOutcome, JobRecord, NewJob,
};
use crate::roles::post::{Earlier, POSTED_MARKER, UNSURE_PREFIX, earlier_attempts};

/// The job kind that posts a giveaway's message and records it.
pub const POST: &str = "giveaways.post";

/// The payload of a [`POST`] job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostPayload {
    /// The guild.
    pub guild: GuildId,
    /// The giveaway to post.
    pub giveaway: GiveawayId,
}

impl crate::jobs::Job for PostPayload {
    const KIND: &'static str = POST;

    fn guild(&self) -> Option<GuildId> {
        Some(self.guild)
    }
}

/// The dedupe key of a giveaway's post job: one per giveaway.
pub fn post_dedupe_key(guild: GuildId, giveaway: GiveawayId) -> String {
    format!("{guild}:{giveaway}")
}

/// Schedules the post of `giveaway` now, for the process that runs the bot. Scheduling a
/// giveaway whose post job exists returns that job.
///
/// # Errors
/// [`JobLedgerError::Storage`].
pub async fn schedule_post(
    ledger: &JobLedger,
    guild: GuildId,
    giveaway: GiveawayId,
) -> Result<JobRecord, JobLedgerError> {
    ledger
        .schedule(
            NewJob::of(&PostPayload { guild, giveaway }, ledger.clock().now())
                .dedupe(post_dedupe_key(guild, giveaway)),
        )
        .await
}

/// Posts a giveaway started in the dashboard and records its message (see the module's notes
/// on posting at most once).
#[derive(Debug)]
pub struct PostGiveaway {
    service: Arc<GiveawayService>,
    sink: Arc<dyn EffectSink>,
    cache: Arc<GuildCache>,
}

impl PostGiveaway {
    /// A handler posting through `sink` (the bot's executor), naming roles in the requirements
    /// from `cache` (the bot's guild model; unknown roles are written as mentions).
    pub fn new(
        service: Arc<GiveawayService>,
        sink: Arc<dyn EffectSink>,
        cache: Arc<GuildCache>,
    ) -> Self {
        Self {
            service,
            sink,
            cache,
        }
    }

    async fn record(&self, giveaway: &Giveaway, message: MessageId) -> Result<(), JobFailure> {
        match self
            .service
            .record_message(giveaway.guild, giveaway.id, message)
            .await
        {
            Ok(_) => Ok(()),
            Err(error) => Err(JobFailure::retry(format!(
                "giveaway #{} {POSTED_MARKER}{message} in channel {} but could not be recorded \
                 ({error}); the next attempt records it without posting again",
                giveaway.id, giveaway.channel
            ))),
        }
    }

    /// Cancels a giveaway whose message Discord refused, and says so in the job's failure.
    async fn refused(&self, giveaway: &Giveaway, message: &str) -> JobFailure {
        let reason = format!("its message could not be posted: {message}");
        let cancelled = match self
            .service
            .cancel(
                giveaway.guild,
                giveaway.id,
                &Manager::Operator,
                Some(&reason),
            )
            .await
        {
            Ok(_) => "; it was cancelled",
            Err(GiveawayError::WrongState { .. }) => "",
            Err(error) => {
                tracing::warn!(guild = %giveaway.guild, giveaway = %giveaway.id, %error, "could not cancel a giveaway whose message was refused");
                "; it could not be cancelled, cancel it by hand"
            }
        };
        JobFailure::permanent(format!(
            "Discord refused to post giveaway #{} in channel {}: {message}{cancelled}",
            giveaway.id, giveaway.channel
        ))
    }
}

#[async_trait]
impl JobHandler for PostGiveaway {
    type Job = PostPayload;

    async fn run(&self, payload: PostPayload, job: &JobRecord) -> Result<JobOutcome, JobFailure> {
        let guild = payload.guild;
        let giveaway = match self.service.get(guild, payload.giveaway).await {
            Ok(giveaway) => giveaway,
            // Another guild's, or never written.
            Err(GiveawayError::NoSuchGiveaway(_)) => return Ok(JobOutcome::Done),
            Err(error) => return Err(JobFailure::retry(error.to_string())),
        };
        if giveaway.message.is_some() || giveaway.state == GiveawayState::Cancelled {
            return Ok(JobOutcome::Done);
        }
        let runs = self
            .service
            .ledger
            .runs(job.id)
            .await
            .map_err(|error| JobFailure::retry(error.to_string()))?;
        match earlier_attempts(job, &runs) {
            Earlier::Clean => {}
            Earlier::Posted(message) => {
                self.record(&giveaway, message).await?;
                return Ok(JobOutcome::Done);
            }
            Earlier::Unsure { attempt } => {
                return Err(JobFailure::permanent(format!(
                    "{UNSURE_PREFIX}attempt {attempt} of this job stopped before it finished, so \
                     giveaway #{} may already be posted in channel {} without its message being \
                     recorded. If it is there, delete that message; then retry this job \
                     (`guildhall jobs retry {}`).",
                    giveaway.id, giveaway.channel, job.id
                )));
            }
        }
        let settings = self
            .service
            .settings(guild)
            .await
            .map_err(|error| JobFailure::retry(error.to_string()))?;
        let names = GuildRoleNames {
            cache: &self.cache,
            guild,
        };
        // Posted as it started; recording the message schedules the edit that shows entries
        // made, or a draw done, before the post.
        let post = Effect::SendMessage {
            channel: giveaway.channel,
            message: start_post(&giveaway, settings.ping_role, &names),
        };
        let created = match self.sink.perform_returning(Some(guild), &post).await {
            Ok(created) => created,
            Err(EffectError::Unavailable(message)) => return Err(JobFailure::retry(message)),
            Err(EffectError::Refused(message)) => {
                return Err(self.refused(&giveaway, &message).await);
            }
        };
        let Some(message) = created_id::<MessageId>(created.as_ref()) else {
            return Err(JobFailure::permanent(format!(
                "giveaway #{} was posted in channel {}, but the bot did not report the \
                 message's id, so the count and the results cannot reach it; delete the \
                 message, cancel the giveaway and start it again",
                giveaway.id, giveaway.channel
            )));
        };
        self.record(&giveaway, message).await?;
        Ok(JobOutcome::Done)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)] // Tests may unwrap: a panic is the failure report.

    use std::time::Duration;

    use super::*;
    use crate::clock::{Clock, ManualClock, UnixMillis};
    use crate::coordination::MemoryCoordination;
    use crate::eligibility::RoleMentions;
    use crate::giveaways::{GiveawayRequest, UPDATE};
    use crate::guild_config::GuildConfigService;
    use crate::ids::ChannelId;
    use crate::jobs::{JobFilter, Lease};
    use crate::testing;
    use serde_json::json;

    const GUILD: GuildId = GuildId::new(100);
    const CHANNEL: ChannelId = ChannelId::new(700);
    const START: UnixMillis = UnixMillis(1_700_000_000_000);
    const LEASE: Duration = Duration::from_secs(30);

    struct Setup {
        service: Arc<GiveawayService>,
        ledger: JobLedger,
        clock: ManualClock,
        sink: Arc<testing::RecordingSink>,
        handler: PostGiveaway,
    }

    fn setup(db: &crate::db::Db, refuse: bool) -> Setup {
        let clock = ManualClock::new(START);
        let shared: Arc<ManualClock> = Arc::new(clock.clone());
        let ledger = JobLedger::new(db.clone(), shared.clone(), 3);
        let config = Arc::new(GuildConfigService::new(
            db.clone(),
            shared.clone(),
            Arc::new(MemoryCoordination::new(shared.clone())),
        ));
        let service = Arc::new(GiveawayService::new(
            db.clone(),
            shared,
            ledger.clone(),
            config,
        ));
        // Answers a send with the message Discord would return, or refuses it.
        let sink = Arc::new(testing::RecordingSink::answering_posts(
            json!({ "id": "555", "channel_id": CHANNEL.to_string() }),
        ));
        if refuse {
            sink.fail_with(Some(EffectError::Refused("Missing Access".into())));
        }
        let handler = PostGiveaway::new(
            Arc::clone(&service),
            sink.clone(),
            Arc::new(GuildCache::new()),
        );
        Setup {
            service,
            ledger,
            clock,
            sink,
            handler,
        }
    }

    async fn started(setup: &Setup) -> GiveawayId {
        let started = setup
            .service
            .start(
                GiveawayRequest {
                    guild: GUILD,
                    channel: CHANNEL,
                    prize: "Nitro".into(),
                    winners: 1,
                    duration: Duration::from_secs(3_600),
                    requirements: None,
                    by: Manager::Operator,
                },
                &RoleMentions,
            )
            .await
            .unwrap();
        schedule_post(&setup.ledger, GUILD, started.giveaway.id)
            .await
            .unwrap();
        started.giveaway.id
    }

    async fn claim(setup: &Setup) -> (JobRecord, Lease) {
        setup
            .ledger
            .claim("test", &[POST.to_owned()], 1, LEASE)
            .await
            .unwrap()
            .pop()
            .expect("a post job is due")
    }

    async fn updates(setup: &Setup) -> usize {
        setup
            .ledger
            .list(&JobFilter {
                kind: Some(UPDATE.into()),
                limit: 10,
                ..JobFilter::default()
            })
            .await
            .unwrap()
            .len()
    }

    #[tokio::test]
    async fn posts_once_and_records_the_message() {
        for test_db in testing::backends().await {
            let setup = setup(&test_db.db, false);
            let id = started(&setup).await;
            let (job, lease) = claim(&setup).await;
            assert_eq!(
                setup.handler.run_record(&job).await.unwrap(),
                JobOutcome::Done
            );
            setup.ledger.complete(&lease).await.unwrap();
            let performed = setup.sink.performed();
            assert_eq!(performed.len(), 1);
            let Effect::SendMessage { channel, message } = &performed[0] else {
                panic!("{performed:?}");
            };
            assert_eq!(*channel, CHANNEL);
            let giveaway = setup.service.get(GUILD, id).await.unwrap();
            assert!(
                format!("{message:?}").contains(&giveaway.seed_hash),
                "the post shows the commitment"
            );
            assert_eq!(giveaway.message, Some(MessageId::new(555)));
            assert_eq!(updates(&setup).await, 1, "the record asks for an update");

            // A rerun (or a second schedule) posts nothing.
            assert_eq!(
                setup.handler.run_record(&job).await.unwrap(),
                JobOutcome::Done
            );
            let again = schedule_post(&setup.ledger, GUILD, id).await.unwrap();
            assert_eq!(again.id, job.id, "one post job per giveaway");
            assert_eq!(setup.sink.performed().len(), 1);
        }
    }

    #[tokio::test]
    async fn a_post_whose_record_failed_is_recorded_without_posting() {
        for test_db in testing::backends().await {
            let setup = setup(&test_db.db, false);
            let id = started(&setup).await;
            let (_, lease) = claim(&setup).await;
            let error = format!(
                "giveaway #{id} {POSTED_MARKER}777 in channel {CHANNEL} but could not be recorded (database is locked)"
            );
            setup
                .ledger
                .fail_and_retry(&lease, &error, setup.clock.now())
                .await
                .unwrap();
            let (job, _) = claim(&setup).await;
            assert_eq!(
                setup.handler.run_record(&job).await.unwrap(),
                JobOutcome::Done
            );
            assert!(setup.sink.performed().is_empty(), "nothing posted again");
            assert_eq!(
                setup.service.get(GUILD, id).await.unwrap().message,
                Some(MessageId::new(777))
            );
        }
    }

    #[tokio::test]
    async fn an_attempt_that_stopped_unseen_is_not_posted_again() {
        for test_db in testing::backends().await {
            let setup = setup(&test_db.db, false);
            started(&setup).await;
            let _died = claim(&setup).await;
            setup.clock.advance(LEASE * 2);
            let (job, _) = claim(&setup).await;
            let refused = setup.handler.run_record(&job).await.unwrap_err();
            assert!(refused.permanent, "{refused:?}");
            assert!(refused.message.starts_with(UNSURE_PREFIX), "{refused:?}");
            assert!(setup.sink.performed().is_empty());
        }
    }

    #[tokio::test]
    async fn a_cancelled_giveaway_is_not_posted_and_a_refused_post_cancels() {
        for test_db in testing::backends().await {
            let setup = setup(&test_db.db, false);
            let id = started(&setup).await;
            setup
                .service
                .cancel(GUILD, id, &Manager::Operator, None)
                .await
                .unwrap();
            let (job, _) = claim(&setup).await;
            assert_eq!(
                setup.handler.run_record(&job).await.unwrap(),
                JobOutcome::Done
            );
            assert!(setup.sink.performed().is_empty());

            let setup = self::setup(&test_db.db, true);
            let id = started(&setup).await;
            let (job, _) = claim(&setup).await;
            let failure = setup.handler.run_record(&job).await.unwrap_err();
            assert!(failure.permanent, "{failure:?}");
            assert!(
                failure.message.contains("Missing Access")
                    && failure.message.contains("it was cancelled"),
                "{}",
                failure.message
            );
            assert_eq!(
                setup.service.get(GUILD, id).await.unwrap().state,
                GiveawayState::Cancelled
            );
        }
    }
}
