//! Posting a panel made where there is no Discord connection (the dashboard): the
//! `roles.post_panel` job, run by the process that runs the bot, builds the panel's message from
//! what is stored when it runs, posts it through the [`EffectSink`] and records the message's
//! id, so that later edits and the deletion reach it.
//!
//! Posting is at most once. A message id can only be recorded after Discord answers, so there is
//! always a moment when the message exists and its id is not stored yet; what a stop in that
//! moment leaves is handled through the attempt history the job ledger keeps for every job
//! (`job_runs`):
//!
//! - The panel already has a message: nothing to do (a rerun after the record, or a second
//!   schedule of the same panel).
//! - The record failed after the post (the database went away): the attempt fails with the
//!   posted message's id in its error, and the next attempt records that id instead of posting.
//! - The process died (or was stopped past its grace period) while an attempt ran: nobody knows
//!   whether Discord received the message. The next attempt does not post; it fails for good,
//!   saying where to look. Once someone has looked (and deleted a stray panel message), retrying
//!   the job (`guildhall jobs retry`, or saving the panel again in the dashboard) posts it.
//!   A duplicate would have been harmless to members (both messages carry the panel's custom
//!   ids, so both work) but edits would reach only one of them; a missing panel is visible and
//!   one retry away.
//!
//! Scheduling uses one dedupe key per panel, so two saves before the bot posts never make two
//! jobs that could post concurrently.

use std::sync::Arc;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::model::{PanelId, RolePanel};
use super::panel::panel_message;
use super::service::{RoleError, RoleService};
use crate::effect::{Effect, EffectError, EffectSink, created_id};
use crate::eligibility::GuildRoleNames;
use crate::guild_cache::GuildCache;
use crate::ids::{GuildId, MessageId};
use crate::jobs::{
    Job, JobFailure, JobHandler, JobLedger, JobLedgerError, JobOutcome, JobRecord, JobRun,
    JobState, NewJob,
};

/// The job kind that posts a panel and records its message.
pub const POST_PANEL: &str = "roles.post_panel";

/// Written in an attempt's error when the message was posted but its id not recorded; the next
/// attempt reads the id that follows it.
pub(crate) const POSTED_MARKER: &str = "was posted as message ";
/// How the failure of an attempt that refused to post after an unknown stop begins; a later
/// attempt treats it as acknowledged.
pub(crate) const UNSURE_PREFIX: &str = "not posted again: ";

/// The payload of a [`POST_PANEL`] job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostPanelPayload {
    /// The guild.
    pub guild: GuildId,
    /// The panel to post.
    pub panel: PanelId,
}

impl Job for PostPanelPayload {
    const KIND: &'static str = POST_PANEL;

    fn guild(&self) -> Option<GuildId> {
        Some(self.guild)
    }
}

/// The dedupe key of a panel's post job: one per panel.
pub fn post_dedupe_key(guild: GuildId, panel: PanelId) -> String {
    format!("{guild}:{panel}")
}

/// Schedules the post of `panel` now, for the process that runs the bot. Scheduling a panel
/// whose post job exists returns that job; a dead or cancelled one (Discord refused, an unknown
/// stop) is retried, so saving a panel again is how an admin asks for another attempt.
///
/// # Errors
/// [`JobLedgerError::Storage`].
pub async fn schedule_post(
    ledger: &JobLedger,
    guild: GuildId,
    panel: PanelId,
) -> Result<JobRecord, JobLedgerError> {
    let job = ledger
        .schedule(
            NewJob::of(&PostPanelPayload { guild, panel }, ledger.clock().now())
                .dedupe(post_dedupe_key(guild, panel)),
        )
        .await?;
    if !matches!(job.state, JobState::Dead | JobState::Cancelled) {
        return Ok(job);
    }
    match ledger.retry(job.id).await {
        Ok(job) => Ok(job),
        // Someone retried it first.
        Err(JobLedgerError::WrongState { .. }) => ledger.get(job.id).await,
        Err(error) => Err(error),
    }
}

/// What the earlier attempts of a post job left (shared with `giveaways.post`, which posts
/// at most once by the same reasoning).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Earlier {
    /// Nothing that stops a post.
    Clean,
    /// An attempt posted this message and could not record it.
    Posted(MessageId),
    /// This attempt stopped without an outcome: it may have posted.
    Unsure {
        /// The attempt's number.
        attempt: u32,
    },
}

/// Reads the earlier attempts of `job` (every run but the one running now).
pub(crate) fn earlier_attempts(job: &JobRecord, runs: &[JobRun]) -> Earlier {
    let is_current = |run: &JobRun| {
        run.outcome.is_none()
            && run.attempt == job.attempts
            && Some(run.started_at) == job.started_at
    };
    let mut unsure = None;
    for run in runs.iter().filter(|run| !is_current(run)) {
        let error = run.error.as_deref().unwrap_or_default();
        if let Some(message) = posted_message(error) {
            return Earlier::Posted(message);
        }
        if error.starts_with(UNSURE_PREFIX) {
            // Refused, then retried: whoever retried has looked at the channel.
            unsure = None;
            continue;
        }
        // No outcome: the worker died; `released`: stopped at shutdown past its grace period;
        // `lease_lost`: another worker took the job over while this one still ran.
        if matches!(
            run.outcome.as_deref(),
            None | Some("released" | "lease_lost")
        ) {
            unsure = Some(run.attempt);
        }
    }
    unsure.map_or(Earlier::Clean, |attempt| Earlier::Unsure { attempt })
}

/// The message id an attempt's error says was posted.
pub(crate) fn posted_message(error: &str) -> Option<MessageId> {
    let start = error.find(POSTED_MARKER)? + POSTED_MARKER.len();
    let digits: String = error[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

/// Posts a role panel made in the dashboard and records its message (see the module's notes on
/// posting at most once). A panel deleted before it was posted is not posted; one deleted while
/// it was posted has its new message deleted again.
#[derive(Debug)]
pub struct PostPanel {
    service: Arc<RoleService>,
    sink: Arc<dyn EffectSink>,
    cache: Arc<GuildCache>,
}

impl PostPanel {
    /// A handler posting through `sink` (the bot's executor), naming roles in the panel's
    /// requirements from `cache` (the bot's guild model; unknown roles are written as mentions,
    /// which Discord shows as the role).
    pub fn new(
        service: Arc<RoleService>,
        sink: Arc<dyn EffectSink>,
        cache: Arc<GuildCache>,
    ) -> Self {
        Self {
            service,
            sink,
            cache,
        }
    }

    async fn record(&self, panel: &RolePanel, message: MessageId) -> Result<(), JobFailure> {
        match self
            .service
            .record_panel_message(panel.guild, panel.id, message)
            .await
        {
            Ok(_) => Ok(()),
            Err(RoleError::NoSuchPanel(_)) => {
                // Deleted while it was being posted: take the message down again.
                let delete = Effect::DeleteMessage {
                    channel: panel.channel,
                    message_id: message,
                    reason: Some(format!("role panel #{} was deleted", panel.id)),
                };
                if let Err(error) = self.sink.perform(Some(panel.guild), &delete).await {
                    tracing::warn!(guild = %panel.guild, panel = %panel.id, %message, %error, "could not delete the message of a deleted role panel");
                }
                Ok(())
            }
            Err(error) => Err(JobFailure::retry(format!(
                "role panel #{} {POSTED_MARKER}{message} in channel {} but could not be recorded \
                 ({error}); the next attempt records it without posting again",
                panel.id, panel.channel
            ))),
        }
    }
}

#[async_trait]
impl JobHandler for PostPanel {
    type Job = PostPanelPayload;

    async fn run(
        &self,
        payload: PostPanelPayload,
        job: &JobRecord,
    ) -> Result<JobOutcome, JobFailure> {
        let guild = payload.guild;
        let panel = match self.service.panel(guild, payload.panel).await {
            Ok(panel) => panel,
            // Deleted before it was posted.
            Err(RoleError::NoSuchPanel(_)) => return Ok(JobOutcome::Done),
            Err(error) => return Err(JobFailure::retry(error.to_string())),
        };
        if panel.message.is_some() {
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
                self.record(&panel, message).await?;
                return Ok(JobOutcome::Done);
            }
            Earlier::Unsure { attempt } => {
                return Err(JobFailure::permanent(format!(
                    "{UNSURE_PREFIX}attempt {} of this job stopped before it finished, so role \
                     panel #{} may already be posted in channel {} without its message being \
                     recorded. If it is there, delete that message; then retry this job \
                     (`guildhall jobs retry {}`) or save the panel again in the dashboard.",
                    attempt, panel.id, panel.channel, job.id
                )));
            }
        }
        let names = GuildRoleNames {
            cache: &self.cache,
            guild,
        };
        let post = Effect::SendMessage {
            channel: panel.channel,
            message: panel_message(&panel, &names),
        };
        let created = match self.sink.perform_returning(Some(guild), &post).await {
            Ok(created) => created,
            Err(EffectError::Unavailable(message)) => return Err(JobFailure::retry(message)),
            Err(EffectError::Refused(message)) => {
                return Err(JobFailure::permanent(format!(
                    "Discord refused to post role panel #{} in channel {}: {message}",
                    panel.id, panel.channel
                )));
            }
        };
        let Some(message) = created_id::<MessageId>(created.as_ref()) else {
            return Err(JobFailure::permanent(format!(
                "role panel #{} was posted in channel {}, but the bot did not report the \
                 message's id, so edits cannot reach it; delete the message and the panel, and \
                 create it again",
                panel.id, panel.channel
            )));
        };
        self.record(&panel, message).await?;
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
    use crate::effect::Component;
    use crate::eligibility::Requirements;
    use crate::ids::{ChannelId, RoleId, UserId};
    use crate::permissions::{Permissions, RoleInfo};
    use crate::roles::model::{PanelChoice, PanelContent, PanelOption, PanelStyle};
    use crate::roles::store::{self, NewPanel};
    use crate::testing;
    use serde_json::json;

    const GUILD: GuildId = GuildId::new(100);
    const CHANNEL: ChannelId = ChannelId::new(700);
    const RED: RoleId = RoleId::new(21);
    const VERIFIED: RoleId = RoleId::new(30);
    const START: UnixMillis = UnixMillis(1_700_000_000_000);
    const LEASE: Duration = Duration::from_secs(30);

    /// Records what it performs and answers a send with a fake message.
    struct Setup {
        service: Arc<RoleService>,
        ledger: JobLedger,
        clock: ManualClock,
        sink: Arc<testing::RecordingSink>,
        handler: PostPanel,
    }

    fn setup(db: &crate::db::Db) -> Setup {
        let clock = ManualClock::new(START);
        let shared: Arc<ManualClock> = Arc::new(clock.clone());
        let ledger = JobLedger::new(db.clone(), shared.clone(), 3);
        let service = Arc::new(RoleService::new(
            db.clone(),
            shared.clone(),
            ledger.clone(),
            Arc::new(MemoryCoordination::new(shared)),
        ));
        let cache = Arc::new(GuildCache::new());
        let role = |id: RoleId, name: &str| {
            (
                RoleInfo {
                    id,
                    position: 1,
                    permissions: Permissions::NONE,
                },
                name.to_owned(),
            )
        };
        cache.put_guild(
            GUILD,
            "Guild".into(),
            UserId::new(1),
            vec![role(RED, "Red"), role(VERIFIED, "Verified")],
            Vec::new(),
        );
        let sink = Arc::new(testing::RecordingSink::answering_posts(
            json!({ "id": "555", "channel_id": CHANNEL.to_string() }),
        ));
        let handler = PostPanel::new(Arc::clone(&service), sink.clone(), cache);
        Setup {
            service,
            ledger,
            clock,
            sink,
            handler,
        }
    }

    async fn panel(setup: &Setup) -> PanelId {
        store::create_panel(
            setup.service.db(),
            &NewPanel {
                guild: GUILD,
                channel: CHANNEL,
                content: PanelContent {
                    title: "Colours".into(),
                    description: String::new(),
                    style: PanelStyle::Buttons,
                    choice: PanelChoice::Multiple,
                    options: vec![PanelOption::new(RED, "Red")],
                    requirements: Requirements {
                        any_roles: vec![VERIFIED],
                        ..Requirements::default()
                    },
                    timed: None,
                },
                created_by: UserId::new(1),
                created_at: START,
            },
        )
        .await
        .unwrap()
        .id
    }

    /// Claims the job as a worker would: a run is recorded and the job carries its attempt.
    async fn claim(setup: &Setup) -> (JobRecord, crate::jobs::Lease) {
        let mut claimed = setup
            .ledger
            .claim("test", &[POST_PANEL.to_owned()], 1, LEASE)
            .await
            .unwrap();
        assert_eq!(claimed.len(), 1, "one post job is due");
        claimed.remove(0)
    }

    #[tokio::test]
    async fn posts_once_and_records_the_message() {
        for test_db in testing::backends().await {
            let setup = setup(&test_db.db);
            let id = panel(&setup).await;
            let job = schedule_post(&setup.ledger, GUILD, id).await.unwrap();
            let again = schedule_post(&setup.ledger, GUILD, id).await.unwrap();
            assert_eq!(again.id, job.id, "one job per panel");

            let (job, lease) = claim(&setup).await;
            assert_eq!(
                setup.handler.run_record(&job).await.unwrap(),
                JobOutcome::Done
            );
            setup.ledger.complete(&lease).await.unwrap();
            let performed = setup.sink.performed();
            let [Effect::SendMessage { channel, message }] = performed.as_slice() else {
                panic!("one post: {performed:?}");
            };
            assert_eq!(*channel, CHANNEL);
            assert_eq!(
                message.embeds[0].description.as_deref(),
                Some("Requires @Verified"),
                "role names come from the guild cache"
            );
            let Component::Button { custom_id, .. } = &message.components[0].0[0] else {
                panic!("a button");
            };
            assert_eq!(custom_id, &format!("roles:p:{id}:{RED}"));
            let stored = setup.service.panel(GUILD, id).await.unwrap();
            assert_eq!(stored.message, Some(MessageId::new(555)));

            // A second run (a rerun, or the job scheduled again) posts nothing.
            assert_eq!(
                setup.handler.run_record(&job).await.unwrap(),
                JobOutcome::Done
            );
            assert_eq!(setup.sink.performed().len(), 1);
            // Another guild's path cannot post it.
            let crossed = JobRecord {
                payload: json!(PostPanelPayload {
                    guild: GuildId::new(200),
                    panel: id,
                }),
                guild: Some(GuildId::new(200)),
                ..job.clone()
            };
            assert_eq!(
                setup.handler.run_record(&crossed).await.unwrap(),
                JobOutcome::Done
            );
            assert_eq!(setup.sink.performed().len(), 1);
        }
    }

    #[tokio::test]
    async fn an_attempt_that_stopped_unseen_is_not_posted_again_until_retried() {
        for test_db in testing::backends().await {
            let setup = setup(&test_db.db);
            let id = panel(&setup).await;
            schedule_post(&setup.ledger, GUILD, id).await.unwrap();
            // The first worker claims it and dies: no outcome is ever recorded.
            let _died = claim(&setup).await;
            setup.clock.advance(LEASE * 2);
            let (job, lease) = claim(&setup).await;
            let refused = setup.handler.run_record(&job).await.unwrap_err();
            assert!(refused.permanent, "{refused:?}");
            assert!(
                refused.message.starts_with(UNSURE_PREFIX)
                    && refused
                        .message
                        .contains("may already be posted in channel 700"),
                "{}",
                refused.message
            );
            assert!(setup.sink.performed().is_empty());
            setup
                .ledger
                .fail_dead(&lease, &refused.message)
                .await
                .unwrap();

            // Saving the panel again (or `jobs retry`) is the acknowledgement: it posts.
            let retried = schedule_post(&setup.ledger, GUILD, id).await.unwrap();
            assert_eq!(retried.state, JobState::Pending);
            let (job, _) = claim(&setup).await;
            assert_eq!(
                setup.handler.run_record(&job).await.unwrap(),
                JobOutcome::Done
            );
            assert_eq!(setup.sink.performed().len(), 1);
            assert_eq!(
                setup.service.panel(GUILD, id).await.unwrap().message,
                Some(MessageId::new(555))
            );
        }
    }

    #[tokio::test]
    async fn a_post_whose_record_failed_is_recorded_by_the_next_attempt_without_posting() {
        for test_db in testing::backends().await {
            let setup = setup(&test_db.db);
            let id = panel(&setup).await;
            schedule_post(&setup.ledger, GUILD, id).await.unwrap();
            let (_, lease) = claim(&setup).await;
            let error = format!(
                "role panel #{id} {POSTED_MARKER}777 in channel {CHANNEL} but could not be recorded (database is locked)"
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
                setup.service.panel(GUILD, id).await.unwrap().message,
                Some(MessageId::new(777))
            );
        }
    }

    #[tokio::test]
    async fn a_panel_deleted_before_its_post_is_not_posted() {
        for test_db in testing::backends().await {
            let setup = setup(&test_db.db);
            let id = panel(&setup).await;
            schedule_post(&setup.ledger, GUILD, id).await.unwrap();
            setup.service.delete_panel(GUILD, id).await.unwrap();
            let (job, _) = claim(&setup).await;
            assert_eq!(
                setup.handler.run_record(&job).await.unwrap(),
                JobOutcome::Done
            );
            assert!(setup.sink.performed().is_empty());
        }
    }

    #[test]
    fn the_posted_marker_reads_back() {
        assert_eq!(
            posted_message(&format!(
                "role panel #3 {POSTED_MARKER}42 in channel 7 but …"
            )),
            Some(MessageId::new(42))
        );
        assert_eq!(posted_message("Discord refused"), None);
    }
}
