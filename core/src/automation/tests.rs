//! The automation service on both backends, on a clock the tests move: a scheduled message's
//! one job per next run (pause, resume, stale timers, a run after downtime), reminders' limits
//! and their DM fallback, the premium gates on regex triggers and multi-stage automations, and
//! guild isolation.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

use super::*;
use crate::clock::{ManualClock, SharedClock, UnixMillis};
use crate::coordination::MemoryCoordination;
use crate::effect::{Effect, EffectError, EffectSink};
use crate::ids::{ChannelId, GuildId, RoleId, UserId};
use crate::jobs::{JobFilter, JobHandler, JobOutcome, JobState};
use crate::premium::{LimitKind, Perk, PremiumConfig, Tier};
use crate::testing::RecordingSink;

const GUILD: GuildId = GuildId::new(10);
const OTHER: GuildId = GuildId::new(11);
const CHANNEL: ChannelId = ChannelId::new(20);
const MEMBER: UserId = UserId::new(30);
/// 2026-12-07 08:59:30 UTC, a Monday.
const START: i64 = 1_796_633_970_000;

fn core_on(db: &crate::db::Db, clock: &Arc<ManualClock>) -> crate::Core {
    let shared: SharedClock = Arc::clone(clock) as SharedClock;
    let coordination = Arc::new(MemoryCoordination::new(Arc::clone(&shared)));
    let core = crate::Core::new(db.clone(), shared, coordination, 3);
    let mut config = PremiumConfig::default();
    config.limits.free.scheduled_messages = 2;
    config.limits.free.triggers = 2;
    core.premium.configure(config);
    core
}

fn hourly(guild: GuildId) -> NewSchedule {
    NewSchedule {
        guild,
        channel: CHANNEL,
        name: "Hourly".into(),
        cron: "0 * * * *".into(),
        timezone: None,
        post: ScheduledPost {
            text: "on the hour".into(),
            ..ScheduledPost::default()
        },
    }
}

async fn pending_posts(core: &crate::Core) -> Vec<crate::jobs::JobRecord> {
    core.ledger
        .list(&JobFilter {
            kind: Some(scheduled::POST_SCHEDULED.into()),
            state: Some(JobState::Pending),
            limit: 100,
            ..JobFilter::default()
        })
        .await
        .unwrap()
}

#[tokio::test]
async fn a_schedule_always_has_one_next_run_and_stale_timers_do_nothing() {
    for test_db in crate::testing::backends().await {
        let clock = Arc::new(ManualClock::new(UnixMillis(START)));
        let core = core_on(&test_db.db, &clock);
        core.config
            .set_key(GUILD, "features.automation", "on", "test")
            .await
            .unwrap();
        let made = core
            .automation
            .create_schedule(hourly(GUILD), "user:1")
            .await
            .unwrap();
        assert_eq!(made.next_run_at, Some(UnixMillis(START + 30_000)));
        let jobs = pending_posts(&core).await;
        assert_eq!(jobs.len(), 1);
        assert_eq!(jobs[0].due_at, UnixMillis(START + 30_000));
        let first_job = jobs[0].clone();

        // Paused: no pending run; resumed: one again, under a new generation.
        let paused = core
            .automation
            .pause_schedule(GUILD, made.id, "user:1")
            .await
            .unwrap();
        assert!(paused.paused && paused.next_run_at.is_none());
        assert!(pending_posts(&core).await.is_empty());
        let resumed = core
            .automation
            .resume_schedule(GUILD, made.id, "user:1")
            .await
            .unwrap();
        assert_eq!(resumed.generation, 3);
        assert_eq!(pending_posts(&core).await.len(), 1);

        // The first timer, run anyway (a worker that claimed it before the pause): nothing.
        let sink = Arc::new(RecordingSink::new());
        let handler = scheduled::PostScheduled::new(
            Arc::clone(&core.automation),
            Arc::clone(&sink) as Arc<dyn EffectSink>,
        );
        assert_eq!(handler.run_record(&first_job).await, Ok(JobOutcome::Done));
        assert!(sink.performed().is_empty());

        // Down for three hours past the run: it posts once, and the next run is after now.
        clock.set(UnixMillis(START + 3 * 3_600_000));
        let job = pending_posts(&core)
            .await
            .into_iter()
            .find(|job| job.id != first_job.id)
            .unwrap();
        assert_eq!(handler.run_record(&job).await, Ok(JobOutcome::Done));
        let posted = sink.take();
        assert_eq!(posted.len(), 1);
        let Effect::Announce {
            message, channel, ..
        } = &posted[0]
        else {
            panic!("{posted:?}")
        };
        assert_eq!(*channel, CHANNEL);
        assert_eq!(message.content, "on the hour");
        assert!(
            message
                .nonce
                .as_deref()
                .is_some_and(|nonce| nonce.len() <= 25)
        );
        let after = core.automation.scheduled(GUILD, made.id).await.unwrap();
        assert_eq!(after.runs, 1);
        assert_eq!(
            after.next_run_at,
            Some(UnixMillis(START + 30_000 + 3 * 3_600_000))
        );
        // (The handler was run directly, so the run's own job is still pending beside it.)
        let later: Vec<_> = pending_posts(&core)
            .await
            .into_iter()
            .filter(|job| job.due_at > UnixMillis(START + 3 * 3_600_000))
            .collect();
        assert_eq!(later.len(), 1, "{later:?}");
        // The same run again (a crash before its record): nothing more.
        assert_eq!(handler.run_record(&job).await, Ok(JobOutcome::Done));
        assert!(sink.performed().is_empty());

        // Another guild cannot see, pause or delete it.
        assert!(matches!(
            core.automation
                .pause_schedule(OTHER, made.id, "user:1")
                .await,
            Err(AutomationError::NoSuchSchedule(_))
        ));
        assert!(matches!(
            core.automation
                .delete_schedule(OTHER, made.id, "user:1")
                .await,
            Err(AutomationError::NoSuchSchedule(_))
        ));

        // A refused post is kept visible, and the schedule goes on.
        sink.fail_with(Some(EffectError::Refused(
            "Unknown Channel (code 10003)".into(),
        )));
        clock.set(UnixMillis(START + 4 * 3_600_000));
        let job = later[0].clone();
        let failure = handler.run_record(&job).await.unwrap_err();
        assert!(
            failure.permanent && failure.message.contains("Unknown Channel"),
            "{failure:?}"
        );
        let after = core.automation.scheduled(GUILD, made.id).await.unwrap();
        assert_eq!(
            after.last_error.as_deref(),
            Some("Unknown Channel (code 10003)")
        );
        assert!(
            pending_posts(&core)
                .await
                .iter()
                .any(|job| job.due_at == UnixMillis(START + 30_000 + 4 * 3_600_000))
        );
        assert_eq!(core.automation.failing(5).await.unwrap().len(), 1);

        // Switched off: the run posts nothing and the schedule keeps its place.
        sink.fail_with(None);
        core.config
            .set_key(GUILD, "features.automation", "off", "test")
            .await
            .unwrap();
        clock.set(UnixMillis(START + 5 * 3_600_000));
        let job = pending_posts(&core)
            .await
            .into_iter()
            .find(|job| job.due_at == UnixMillis(START + 30_000 + 4 * 3_600_000))
            .unwrap();
        assert_eq!(handler.run_record(&job).await, Ok(JobOutcome::Done));
        assert!(sink.performed().is_empty());
        let after = core.automation.scheduled(GUILD, made.id).await.unwrap();
        assert_eq!(
            after.next_run_at,
            Some(UnixMillis(START + 30_000 + 5 * 3_600_000))
        );
    }
}

#[tokio::test]
async fn bad_schedules_and_the_tier_limit_write_nothing() {
    for test_db in crate::testing::backends().await {
        let clock = Arc::new(ManualClock::new(UnixMillis(START)));
        let core = core_on(&test_db.db, &clock);
        let mut bad = hourly(GUILD);
        bad.cron = "0 25 * * *".into();
        let AutomationError::Schedule(error) = core
            .automation
            .create_schedule(bad, "user:1")
            .await
            .unwrap_err()
        else {
            panic!("not a schedule error")
        };
        assert_eq!(error.field, Some("hour"));
        let mut bad = hourly(GUILD);
        bad.post.text = "bell\u{7}".into();
        assert!(matches!(
            core.automation.create_schedule(bad, "user:1").await,
            Err(AutomationError::Invalid(_))
        ));
        assert!(core.automation.schedules(GUILD).await.unwrap().is_empty());
        assert!(pending_posts(&core).await.is_empty());

        core.automation
            .create_schedule(hourly(GUILD), "user:1")
            .await
            .unwrap();
        core.automation
            .create_schedule(hourly(GUILD), "user:1")
            .await
            .unwrap();
        let AutomationError::Limit(limit) = core
            .automation
            .create_schedule(hourly(GUILD), "user:1")
            .await
            .unwrap_err()
        else {
            panic!("not the limit")
        };
        assert_eq!(limit.kind, LimitKind::ScheduledMessages);
        assert_eq!(core.automation.schedules(GUILD).await.unwrap().len(), 2);
        // The limit is per guild.
        core.automation
            .create_schedule(hourly(OTHER), "user:1")
            .await
            .unwrap();
    }
}

/// Refuses posts in channels and carries DMs.
#[derive(Debug, Default)]
struct ChannelGone {
    recorded: RecordingSink,
}

#[async_trait]
impl EffectSink for ChannelGone {
    async fn perform(&self, guild: Option<GuildId>, effect: &Effect) -> Result<(), EffectError> {
        if matches!(effect, Effect::SendMessage { .. }) {
            return Err(EffectError::Refused("Unknown Channel (code 10003)".into()));
        }
        self.recorded.perform(guild, effect).await
    }
}

#[tokio::test]
async fn reminders_keep_their_limit_and_come_by_dm_when_their_channel_is_gone() {
    for test_db in crate::testing::backends().await {
        let clock = Arc::new(ManualClock::new(UnixMillis(START)));
        let core = core_on(&test_db.db, &clock);
        core.config
            .set_key(GUILD, "automation.reminders_per_member", "2", "test")
            .await
            .unwrap();
        let remind = |when: &str| NewReminder {
            guild: GUILD,
            channel: CHANNEL,
            user: MEMBER,
            when: when.into(),
            text: "water the plants".into(),
            deliver: Delivery::Channel,
            source_message: None,
        };
        let first = core.automation.remind(remind("10m")).await.unwrap();
        assert_eq!(first.due_at, UnixMillis(START + 600_000));
        core.automation.remind(remind("1h")).await.unwrap();
        let refused = core.automation.remind(remind("2h")).await.unwrap_err();
        assert!(
            refused.to_string().contains("2 reminders waiting"),
            "{refused}"
        );
        for bad in ["0s", "in the past", "400d"] {
            assert!(core.automation.remind(remind(bad)).await.is_err(), "{bad}");
        }
        // Another member cannot cancel it; its owner can, once.
        assert!(
            core.automation
                .cancel_reminder(GUILD, UserId::new(31), first.id)
                .await
                .is_err()
        );

        let sink = Arc::new(ChannelGone::default());
        let handler = reminders::DeliverReminder::new(
            Arc::clone(&core.automation),
            Arc::clone(&sink) as Arc<dyn EffectSink>,
        );
        clock.advance(Duration::from_secs(600));
        let job = core
            .ledger
            .list(&JobFilter {
                kind: Some(reminders::DELIVER_REMINDER.into()),
                limit: 100,
                ..JobFilter::default()
            })
            .await
            .unwrap()
            .into_iter()
            .find(|job| job.due_at == first.due_at)
            .unwrap();
        assert_eq!(handler.run_record(&job).await, Ok(JobOutcome::Done));
        let dms = sink.recorded.performed();
        assert_eq!(dms.len(), 1, "{dms:?}");
        let Effect::SendDirectMessage { user, message } = &dms[0] else {
            panic!("{dms:?}")
        };
        assert_eq!(*user, MEMBER);
        assert!(message.content.contains("water the plants"));
        assert!(
            message.content.contains("comes by DM"),
            "{}",
            message.content
        );
        let delivered = core.automation.reminder(GUILD, first.id).await.unwrap();
        assert_eq!(delivered.state, "delivered");
        assert!(delivered.outcome.unwrap().starts_with("by DM"));
        // Delivered once: the job again does nothing.
        assert_eq!(handler.run_record(&job).await, Ok(JobOutcome::Done));
        assert_eq!(sink.recorded.performed().len(), 1);
        assert_eq!(
            core.automation
                .reminders(GUILD, Some(MEMBER))
                .await
                .unwrap()
                .len(),
            1
        );
    }
}

#[tokio::test]
async fn premium_gates_regex_triggers_and_multi_stage_automations() {
    for test_db in crate::testing::backends().await {
        let clock = Arc::new(ManualClock::new(UnixMillis(START)));
        let core = core_on(&test_db.db, &clock);
        let regex = Trigger {
            name: "invites".into(),
            kind: MatchKind::Regex,
            pattern: r"discord\.gg/\w+".into(),
            response: "No invites, {user}".into(),
            ..Trigger::default()
        };
        let AutomationError::Premium(wall) = core
            .automation
            .save_trigger(GUILD, regex.clone(), false, "user:1")
            .await
            .unwrap_err()
        else {
            panic!("not the wall")
        };
        assert_eq!(wall.perk, Perk::RegexTriggers);
        assert!(
            core.automation
                .settings(GUILD)
                .await
                .unwrap()
                .triggers
                .is_empty()
        );
        let mut typo = regex.clone();
        typo.kind = MatchKind::Word;
        typo.pattern = "invite".into();
        typo.response = "Hi {username}".into();
        let refused = core
            .automation
            .save_trigger(GUILD, typo, false, "user:1")
            .await
            .unwrap_err()
            .to_string();
        assert!(
            refused.contains("{username}") && refused.contains("{membercount}"),
            "{refused}"
        );

        let flow = Flow {
            name: "welcome".into(),
            steps: vec![
                Step::AddRole {
                    role: RoleId::new(5),
                },
                Step::Wait { seconds: 600 },
                Step::Dm {
                    text: "Read the rules, {user}".into(),
                },
            ],
            ..Flow::default()
        };
        assert!(matches!(
            core.automation
                .save_flow(GUILD, flow.clone(), false, "user:1")
                .await,
            Err(AutomationError::Premium(_))
        ));
        // One step is free.
        let single = Flow {
            name: "hello".into(),
            steps: vec![Step::Dm {
                text: "Hi {user}".into(),
            }],
            ..Flow::default()
        };
        core.automation
            .save_flow(GUILD, single, false, "user:1")
            .await
            .unwrap();
        // A scheduled post has no member to DM.
        let memberless = Flow {
            name: "after the bell".into(),
            when: FlowEvent::SchedulePosted { schedule: 1 },
            steps: vec![Step::Dm { text: "hi".into() }],
            ..Flow::default()
        };
        let refused = core
            .automation
            .save_flow(GUILD, memberless, false, "user:1")
            .await
            .unwrap_err()
            .to_string();
        assert!(refused.contains("needs a member"), "{refused}");

        core.premium
            .grant(GUILD, Tier::Premium, None, "operator:test", "")
            .await
            .unwrap();
        core.automation
            .save_trigger(GUILD, regex, false, "user:1")
            .await
            .unwrap();
        core.automation
            .save_flow(GUILD, flow, false, "user:1")
            .await
            .unwrap();
        let settings = core.automation.settings(GUILD).await.unwrap();
        assert_eq!(settings.triggers.len(), 1);
        assert_eq!(settings.flows.len(), 2);
        // Another guild's settings are untouched.
        assert!(
            core.automation
                .settings(OTHER)
                .await
                .unwrap()
                .flows
                .is_empty()
        );
    }
}

#[tokio::test]
async fn an_edited_schedule_replaces_its_pending_run() {
    for test_db in crate::testing::backends().await {
        let clock = Arc::new(ManualClock::new(UnixMillis(START)));
        let core = core_on(&test_db.db, &clock);
        let made = core
            .automation
            .create_schedule(hourly(GUILD), "user:1")
            .await
            .unwrap();
        let mut edit = hourly(GUILD);
        edit.cron = "0 9 * * MON".into();
        edit.timezone = Some("Europe/Berlin".into());
        edit.name = "Monday".into();
        let edited = core
            .automation
            .update_schedule(made.id, edit.clone(), "user:1")
            .await
            .unwrap();
        // 2026-12-07 is a Monday: 09:00 in Berlin is 08:00 UTC, already past; next Monday.
        assert_eq!(
            edited.next_run_at,
            Some(UnixMillis(START - 3_570_000 + 7 * 86_400_000))
        );
        assert_eq!(edited.generation, 2);
        let pending = pending_posts(&core).await;
        assert_eq!(pending.len(), 1, "{pending:?}");
        assert_eq!(Some(pending[0].due_at), edited.next_run_at);
        // A bad edit changes nothing; another guild's id is not found.
        let mut bad = edit.clone();
        bad.cron = "61 * * * *".into();
        assert!(
            core.automation
                .update_schedule(made.id, bad, "user:1")
                .await
                .is_err()
        );
        assert_eq!(
            core.automation.scheduled(GUILD, made.id).await.unwrap(),
            edited
        );
        let mut elsewhere = edit;
        elsewhere.guild = OTHER;
        assert!(matches!(
            core.automation
                .update_schedule(made.id, elsewhere, "user:1")
                .await,
            Err(AutomationError::NoSuchSchedule(_))
        ));
    }
}

#[tokio::test]
async fn flows_start_on_their_event_when_the_member_meets_the_conditions() {
    for test_db in crate::testing::backends().await {
        let clock = Arc::new(ManualClock::new(UnixMillis(START)));
        let core = core_on(&test_db.db, &clock);
        let flows = vec![Flow {
            name: "level five".into(),
            when: FlowEvent::LevelReached { level: 5 },
            roles_none: vec![RoleId::new(9)],
            steps: vec![Step::AddRole {
                role: RoleId::new(5),
            }],
            ..Flow::default()
        }];
        const MODERATOR: &[RoleId] = &[RoleId::new(9)];
        let start = |level, roles: &'static [RoleId]| FlowStart {
            guild: GUILD,
            event: FlowEvent::LevelReached { level },
            member: Some((MEMBER, roles)),
            user_name: "ada",
            channel: None,
        };
        assert!(
            core.automation
                .start_flows(&flows, &start(4, &[]))
                .await
                .unwrap()
                .is_empty()
        );
        assert!(
            core.automation
                .start_flows(&flows, &start(5, MODERATOR))
                .await
                .unwrap()
                .is_empty()
        );
        let started = core
            .automation
            .start_flows(&flows, &start(5, &[]))
            .await
            .unwrap();
        assert_eq!(started.len(), 1);
        let run = core.automation.flow_run(GUILD, started[0]).await.unwrap();
        assert_eq!(run.state, "running");
        assert_eq!(run.log[0].what, "started: a member reaches level 5");
        // Its first step is one job, due now, and another guild cannot read the run.
        let jobs = core
            .ledger
            .list(&JobFilter {
                kind: Some(flows::RUN_STEP.into()),
                limit: 10,
                ..JobFilter::default()
            })
            .await
            .unwrap();
        assert_eq!(jobs.len(), 1);
        assert!(core.automation.flow_run(OTHER, started[0]).await.is_err());
    }
}
