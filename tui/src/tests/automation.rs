//! The automation pane: every guild's scheduled messages that run next, with how long until
//! each, its guild, name, channel and the schedule in words, and those whose last run failed
//! with the error — a failure made by the core's own job handler with Discord refusing — and
//! the automation runs of every guild that wait or stopped, with the last line of their history
//! naming roles, run by the core's own step handler.

use std::sync::Arc;
use std::time::Duration;

use guildhall_core::automation::flows::{RUN_STEP, RunSteps, StepPorts};
use guildhall_core::automation::scheduled::{POST_SCHEDULED, PostScheduled};
use guildhall_core::automation::{Flow, FlowEvent, FlowStart, NewSchedule, ScheduledPost, Step};
use guildhall_core::effect::EffectError;
use guildhall_core::giveaways::{FactsUnavailable, MemberFacts, MemberState};
use guildhall_core::ids::{ChannelId, GuildId, RoleId, UserId};
use guildhall_core::jobs::JobHandler;
use guildhall_core::permissions::{Permissions, RoleInfo};
use guildhall_core::premium::Tier;
use guildhall_core::references::ChannelKind;
use guildhall_core::testing::RecordingSink;

use super::{GUILD, Harness, NOW, OTHER_GUILD};
use crate::action::Action;
use crate::panes::PaneId;

const ANNOUNCEMENTS: ChannelId = ChannelId::new(777_777_777_777_777_777);
const LOBBY: ChannelId = ChannelId::new(888_888_888_888_888_888);
const REGULAR: RoleId = RoleId::new(555_555_555_555_555_555);
const MUTED: RoleId = RoleId::new(666_666_666_666_666_666);

/// Every member is still there, and muted.
#[derive(Debug)]
struct MutedMembers;

#[async_trait::async_trait]
impl MemberFacts for MutedMembers {
    async fn member(
        &self,
        _guild: GuildId,
        _user: UserId,
    ) -> Result<Option<MemberState>, FactsUnavailable> {
        Ok(Some(MemberState {
            roles: vec![MUTED],
            ..MemberState::default()
        }))
    }
}

/// The channels' names, as the bot writes them to the guild snapshot.
async fn snapshot(harness: &Harness) {
    let cache = &harness.services.guild_cache;
    cache.track_changes();
    for (guild, name, channel, channel_name, role, role_name) in [
        (
            GUILD,
            "Tavern of Testing",
            ANNOUNCEMENTS,
            "announcements",
            REGULAR,
            "Regular",
        ),
        (OTHER_GUILD, "Quiet Library", LOBBY, "lobby", MUTED, "Muted"),
    ] {
        let everyone = RoleInfo {
            id: RoleId::new(guild.get()),
            position: 0,
            permissions: Permissions(0),
        };
        let extra = RoleInfo {
            id: role,
            position: 1,
            permissions: Permissions(0),
        };
        cache.put_guild(
            guild,
            name.into(),
            UserId::new(1),
            vec![(everyone, "@everyone".into()), (extra, role_name.into())],
            vec![],
        );
        cache.put_channel(
            guild,
            channel,
            channel_name.into(),
            ChannelKind::Text,
            None,
            0,
            false,
        );
    }
    guildhall_core::guild_snapshot::write_changes(cache, &harness.services.db, NOW)
        .await
        .unwrap();
    // The console reads the snapshot; it starts with an empty model.
    cache.remove_guild(GUILD);
    cache.remove_guild(OTHER_GUILD);
}

/// Saves `flow` in `guild` (premium for more than one step) and starts it for a member who
/// joins.
async fn join_with_flow(harness: &Harness, guild: GuildId, flow: Flow) {
    let automation = &harness.services.automation;
    let flow = automation
        .save_flow(guild, flow, false, "operator:cli")
        .await
        .unwrap();
    let started = automation
        .start_flows(
            std::slice::from_ref(&flow),
            &FlowStart {
                guild,
                event: FlowEvent::MemberJoined,
                member: Some((UserId::new(4_242), &[])),
                user_name: "Ada",
                channel: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(started.len(), 1);
}

/// Runs the automation steps that are due with the core's own handler.
async fn run_steps(harness: &Harness) {
    let handler = RunSteps::new(
        Arc::clone(&harness.services.automation),
        StepPorts {
            sink: Arc::new(RecordingSink::new()),
            members: Arc::new(MutedMembers),
            cache: Arc::clone(&harness.services.guild_cache),
        },
    );
    let claimed = harness
        .services
        .ledger
        .claim("test", &[RUN_STEP.to_owned()], 10, Duration::from_secs(60))
        .await
        .unwrap();
    for (job, _lease) in claimed {
        handler.run_record(&job).await.unwrap();
    }
}

async fn schedule(
    harness: &Harness,
    guild: guildhall_core::ids::GuildId,
    channel: ChannelId,
    name: &str,
    cron: &str,
    zone: Option<&str>,
) -> i64 {
    harness
        .services
        .automation
        .create_schedule(
            NewSchedule {
                guild,
                channel,
                name: name.into(),
                cron: cron.into(),
                timezone: zone.map(str::to_owned),
                post: ScheduledPost {
                    text: format!("{name}!"),
                    ..ScheduledPost::default()
                },
            },
            "operator:cli",
        )
        .await
        .unwrap()
        .id
}

#[tokio::test]
async fn automation_lists_upcoming_runs_across_guilds_and_recent_failures() {
    let mut harness = Harness::new(None).await;
    harness.add_guild(GUILD, "Tavern of Testing").await;
    harness.add_guild(OTHER_GUILD, "Quiet Library").await;
    snapshot(&harness).await;
    // NOW is Friday 2027-01-15 08:00 UTC.
    let weekly = schedule(
        &harness,
        GUILD,
        ANNOUNCEMENTS,
        "Weekly news",
        "0 18 * * 5",
        Some("Europe/Berlin"),
    )
    .await;
    schedule(
        &harness,
        OTHER_GUILD,
        LOBBY,
        "Quiet hours",
        "30 21 * * *",
        None,
    )
    .await;
    schedule(
        &harness,
        GUILD,
        ANNOUNCEMENTS,
        "New year",
        "0 0 1 1 *",
        None,
    )
    .await;
    let paused = schedule(
        &harness,
        OTHER_GUILD,
        LOBBY,
        "Paused one",
        "*/5 * * * *",
        None,
    )
    .await;
    harness
        .services
        .automation
        .pause_schedule(OTHER_GUILD, paused, "operator:cli")
        .await
        .unwrap();

    // "Run now" of the weekly news, with Discord refusing the post: the run is recorded as
    // failed.
    harness
        .services
        .automation
        .run_schedule_now(GUILD, weekly, "operator:cli")
        .await
        .unwrap();
    harness.clock.advance(Duration::from_secs(60));
    let sink = Arc::new(RecordingSink::new());
    sink.fail_with(Some(EffectError::Refused(
        "Missing Permissions: the bot may not send messages in #announcements".into(),
    )));
    let handler = PostScheduled::new(Arc::clone(&harness.services.automation), sink);
    let ledger = &harness.services.ledger;
    let claimed = ledger
        .claim(
            "test",
            &[POST_SCHEDULED.to_owned()],
            10,
            Duration::from_secs(60),
        )
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    for (job, _lease) in claimed {
        assert!(handler.run_record(&job).await.is_err());
    }
    // Automations: in the tavern a welcome that gives a role and waits an hour, and one that
    // is done; in the library a check that stops the run of a muted member.
    for guild in [GUILD, OTHER_GUILD] {
        harness
            .services
            .premium
            .grant(guild, Tier::Premium, None, "operator:cli", "")
            .await
            .unwrap();
    }
    join_with_flow(
        &harness,
        GUILD,
        Flow {
            name: "welcome".into(),
            steps: vec![
                Step::AddRole { role: REGULAR },
                Step::Wait { seconds: 3_600 },
                Step::Send {
                    channel: ANNOUNCEMENTS,
                    text: "Welcome {user}!".into(),
                },
            ],
            ..Flow::default()
        },
    )
    .await;
    join_with_flow(
        &harness,
        GUILD,
        Flow {
            name: "hello".into(),
            steps: vec![Step::Dm {
                text: "Hello!".into(),
            }],
            ..Flow::default()
        },
    )
    .await;
    run_steps(&harness).await;
    harness.clock.advance(Duration::from_secs(60));
    join_with_flow(
        &harness,
        OTHER_GUILD,
        Flow {
            name: "unmuted only".into(),
            steps: vec![
                Step::Check {
                    has_any: vec![],
                    lacks_all: vec![MUTED],
                },
                Step::Dm {
                    text: "Welcome!".into(),
                },
            ],
            ..Flow::default()
        },
    )
    .await;
    run_steps(&harness).await;
    harness.clock.advance(Duration::from_secs(60));
    harness.app.set_now(NOW.plus(Duration::from_secs(180)));

    harness
        .act(Action::ShowPane(PaneId::named("automation")))
        .await;
    let screen = harness.screen();
    insta::assert_snapshot!("automation_upcoming_and_failures", screen);
    // The soonest first; the paused one is not waiting to run.
    let quiet = screen.find("Quiet hours").unwrap();
    let news = screen.find("Weekly news").unwrap();
    let new_year = screen.find("New year").unwrap();
    assert!(news < quiet && quiet < new_year, "{screen}");
    assert!(!screen.contains("Paused one"), "{screen}");
    assert!(screen.contains("#lobby"), "{screen}");
    assert!(screen.contains("Missing Permissions"), "{screen}");
    // The runs that wait or stopped, the latest first, with roles by name; not the done one.
    let stopped = screen.find("unmuted only · Ada").unwrap();
    let waiting = screen.find("welcome · Ada").unwrap();
    assert!(stopped < waiting, "{screen}");
    assert!(
        screen.contains("stopped: the member has @Muted"),
        "{screen}"
    );
    assert!(screen.contains("wait 1h"), "{screen}");
    assert!(!screen.contains("hello · Ada"), "{screen}");
}

#[tokio::test]
async fn automation_says_plainly_when_nothing_is_scheduled() {
    let mut harness = Harness::new(None).await;
    harness
        .act(Action::ShowPane(PaneId::named("automation")))
        .await;
    let screen = harness.screen();
    assert!(
        screen.contains("no scheduled message is waiting to run"),
        "{screen}"
    );
    assert!(
        screen.contains("no scheduled message's last run failed"),
        "{screen}"
    );
    assert!(
        screen.contains("no automation run is waiting, stopped or failed"),
        "{screen}"
    );
}
