//! One snapshot (at least) per pane.

use std::time::Duration;

use guildhall_core::jobs::NewJob;
use ratatui::crossterm::event::KeyCode;
use serde_json::json;

use super::*;
use crate::action::InputMode;
use crate::panes::PaneId;

#[tokio::test]
async fn overview_shows_shards_rates_and_guilds() {
    let mut harness = Harness::new(Some(running_instance())).await;
    harness.add_guild(GUILD, "Tavern of Testing").await;
    harness.add_guild(OTHER_GUILD, "Quiet Library").await;
    harness.start().await;
    insta::assert_snapshot!(harness.screen());
}

#[tokio::test]
async fn overview_says_plainly_when_no_instance_answers() {
    let unreachable = FakeLive {
        status: Err("no Guildhall instance answers at http://127.0.0.1:8080 (connection refused); is `guildhall serve` running with the web server on (web.enabled, web.bind)?".into()),
        lines: Vec::new(),
    };
    let mut harness = Harness::new(Some(unreachable)).await;
    harness.add_guild(GUILD, "Tavern of Testing").await;
    harness.start().await;
    insta::assert_snapshot!(harness.screen());

    let mut without_client = Harness::new(None).await;
    without_client.start().await;
    assert!(
        without_client
            .screen()
            .contains("started without an admin API"),
        "{}",
        without_client.screen()
    );
}

#[tokio::test]
async fn migrations_show_pending_and_apply_after_confirmation() {
    let mut harness = Harness::unmigrated(None).await;
    harness
        .act(Action::ShowPane(PaneId::named("migrations")))
        .await;
    insta::assert_snapshot!("migrations_pending", harness.screen());

    harness.key(KeyCode::Char('a')).await;
    let embedded =
        guildhall_core::db::embedded_migrations(guildhall_core::db::Backend::Sqlite).len();
    let question = format!("Apply {embedded} pending migration(s) to the sqlite database?");
    assert!(harness.screen().contains(&question), "{}", harness.screen());
    harness.key(KeyCode::Char('n')).await;
    let status = harness.services.db.migration_status().await.unwrap();
    assert!(
        status
            .iter()
            .all(|m| m.state == guildhall_core::db::MigrationState::Pending),
        "answering no applies nothing"
    );

    harness.key(KeyCode::Char('a')).await;
    harness.key(KeyCode::Char('y')).await;
    let status = harness.services.db.migration_status().await.unwrap();
    assert!(
        status
            .iter()
            .all(|m| m.state == guildhall_core::db::MigrationState::Applied)
    );
    insta::assert_snapshot!("migrations_applied", harness.screen());
}

#[tokio::test]
async fn settings_browse_lists_every_key_with_its_version() {
    let mut harness = Harness::new(None).await;
    harness.add_guild(GUILD, "Tavern of Testing").await;
    harness
        .services
        .config
        .set_key(GUILD, "commands.prefix", "?", ACTOR)
        .await
        .unwrap();
    harness
        .act(Action::ShowPane(PaneId::named("settings")))
        .await;
    harness.key(KeyCode::Enter).await;
    insta::assert_snapshot!(harness.screen());
}

#[tokio::test]
async fn settings_history_rolls_back_after_confirmation() {
    let mut harness = Harness::new(None).await;
    harness.add_guild(GUILD, "Tavern of Testing").await;
    let config = &harness.services.config;
    config
        .set_key(GUILD, "general.timezone", "Europe/Berlin", ACTOR)
        .await
        .unwrap();
    harness.clock.advance(Duration::from_secs(3_600));
    config
        .set_key(GUILD, "general.locale", "de", "operator:other")
        .await
        .unwrap();
    harness
        .act(Action::ShowPane(PaneId::named("settings")))
        .await;
    harness.key(KeyCode::Enter).await;
    harness.key(KeyCode::Char('h')).await;
    // Version 2 (newest), version 1, then the defaults: pick version 1.
    harness.key(KeyCode::Down).await;
    harness.key(KeyCode::Enter).await;
    insta::assert_snapshot!("settings_history_confirm", harness.screen());
    harness.key(KeyCode::Char('y')).await;
    insta::assert_snapshot!("settings_history_rolled_back", harness.screen());

    let settings = harness.services.config.reload(GUILD).await.unwrap();
    assert_eq!(settings.general.locale, "en-US");
    assert_eq!(settings.general.timezone, "Europe/Berlin");
    assert_eq!(settings.version("general"), 3);
    let history = harness
        .services
        .config
        .history(GUILD, Some("general"), 10)
        .await
        .unwrap();
    assert_eq!(history[0].note.as_deref(), Some("rollback to version 1"));
    assert_eq!(history[0].actor, ACTOR);
}

#[tokio::test]
async fn logs_filter_by_guild_and_level_and_hold_lines_while_paused() {
    let mut harness = Harness::new(Some(running_instance())).await;
    harness.act(Action::ShowPane(PaneId::named("logs"))).await;
    assert_eq!(
        harness.follows,
        vec![Request::FollowLogs {
            guild: None,
            level: "INFO"
        }]
    );
    harness.log(LogEvent::Connected);
    harness.key(KeyCode::Char('f')).await;
    harness.keys(&GUILD.to_string()).await;
    harness.key(KeyCode::Enter).await;
    assert_eq!(
        harness.follows.last(),
        Some(&Request::FollowLogs {
            guild: Some(GUILD),
            level: "INFO"
        }),
        "a new filter restarts the stream with it"
    );
    harness.key(KeyCode::Char('l')).await;
    assert_eq!(
        harness.follows.last(),
        Some(&Request::FollowLogs {
            guild: Some(GUILD),
            level: "WARN"
        })
    );
    harness.log(LogEvent::Connected);
    // The fake server does not filter, so the pane's own filter is what is seen.
    let lines = [
        log_line(
            1,
            "WARN",
            Some(GUILD),
            "rate limited on route /channels/{id}/messages",
        ),
        log_line(2, "INFO", Some(GUILD), "command ran name=ping"),
        log_line(3, "ERROR", Some(OTHER_GUILD), "a different guild failed"),
        log_line(
            4,
            "ERROR",
            Some(GUILD),
            "could not post to the mod log: Missing Access",
        ),
    ];
    for line in lines {
        harness.log(LogEvent::Line(line));
    }
    harness.key(KeyCode::Char(' ')).await;
    harness.log(LogEvent::Line(log_line(
        5,
        "WARN",
        Some(GUILD),
        "held while paused",
    )));
    harness.log(LogEvent::Line(log_line(
        6,
        "ERROR",
        Some(GUILD),
        "also held",
    )));
    insta::assert_snapshot!("logs_filtered_and_paused", harness.screen());

    // A dropped stream is shown, and the lines replayed on reconnect are not shown twice.
    harness.log(LogEvent::Disconnected("the log stream ended".into()));
    assert!(
        harness
            .screen()
            .contains("disconnected, retrying: the log stream ended")
    );
    harness.key(KeyCode::Char(' ')).await;
    harness.log(LogEvent::Connected);
    harness.log(LogEvent::Line(log_line(
        4,
        "ERROR",
        Some(GUILD),
        "could not post to the mod log: Missing Access",
    )));
    harness.log(LogEvent::Line(log_line(
        6,
        "ERROR",
        Some(GUILD),
        "also held",
    )));
    harness.log(LogEvent::Line(log_line(
        7,
        "ERROR",
        Some(GUILD),
        "new after reconnect",
    )));
    let screen = harness.screen();
    assert_eq!(screen.matches("also held").count(), 1, "{screen}");
    assert_eq!(screen.matches("mod log").count(), 1, "{screen}");
    assert!(screen.contains("new after reconnect"), "{screen}");
    assert!(
        screen.contains("held while paused"),
        "resuming shows the held lines: {screen}"
    );
}

#[tokio::test]
async fn jobs_list_with_details_of_the_selected_job() {
    let mut harness = Harness::new(None).await;
    let ledger = harness.services.ledger.clone();
    let due = NOW.minus(Duration::from_secs(5));
    let failing = ledger
        .schedule(NewJob::raw("giveaway.end", json!({"giveaway": 7}), due).guild(GUILD))
        .await
        .unwrap();
    ledger
        .schedule(
            NewJob::raw(
                "reminder.send",
                json!({"reminder": 3}),
                NOW.plus(Duration::from_secs(300)),
            )
            .guild(GUILD),
        )
        .await
        .unwrap();
    ledger
        .schedule(NewJob::raw(
            "jobs.prune",
            json!({}),
            NOW.plus(Duration::from_secs(86_400)),
        ))
        .await
        .unwrap();
    let claimed = ledger
        .claim(
            "worker-a",
            &["giveaway.end".to_owned()],
            1,
            Duration::from_secs(30),
        )
        .await
        .unwrap();
    let (_, lease) = &claimed[0];
    ledger
        .fail_and_retry(
            lease,
            "Discord answered 403 Missing Permissions",
            NOW.plus(Duration::from_secs(60)),
        )
        .await
        .unwrap();
    harness.act(Action::ShowPane(PaneId::named("jobs"))).await;
    insta::assert_snapshot!("jobs_list_with_details", harness.screen());

    // Cancel the selected job after confirmation; the ledger agrees.
    let selected = harness.screen();
    assert!(
        selected.contains(&format!("Job {} · giveaway.end", failing.id)),
        "{selected}"
    );
    harness.key(KeyCode::Char('c')).await;
    assert!(
        harness
            .screen()
            .contains("Cancel job 1 (giveaway.end, pending)?")
    );
    harness.key(KeyCode::Char('y')).await;
    let job = ledger.get(failing.id).await.unwrap();
    assert_eq!(job.state, guildhall_core::jobs::JobState::Cancelled);
    assert!(
        harness
            .screen()
            .contains("job 1 (giveaway.end) cancelled; now cancelled")
    );

    // The state filter cycles; ticks reload.
    harness.key(KeyCode::Char('s')).await;
    assert!(harness.screen().contains("state: pending"));
    assert!(!harness.screen().contains("giveaway.end"));
    harness.tick().await;
    harness.tick().await;
    assert!(harness.screen().contains("reminder.send"));
}

#[tokio::test]
async fn help_overlay_lists_the_keys_of_the_pane() {
    let mut harness = Harness::new(None).await;
    harness.add_guild(GUILD, "Tavern of Testing").await;
    harness
        .act(Action::ShowPane(PaneId::named("settings")))
        .await;
    harness.key(KeyCode::Enter).await;
    harness.key(KeyCode::Char('?')).await;
    insta::assert_snapshot!(harness.screen());
    harness.key(KeyCode::Char('x')).await;
    assert!(!harness.screen().contains("any key closes"));
}

#[tokio::test]
async fn tab_cycles_and_q_quits() {
    let mut harness = Harness::new(None).await;
    harness.start().await;
    for expected in [
        PaneId::named("migrations"),
        PaneId::named("settings"),
        PaneId::named("logs"),
        PaneId::named("jobs"),
        PaneId::named("cases"),
        PaneId::named("levels"),
        PaneId::named("timed-roles"),
        PaneId::named("giveaways"),
        PaneId::named("premium"),
        PaneId::named("automation"),
        PaneId::named("overview"),
    ] {
        harness.key(KeyCode::Tab).await;
        assert_eq!(harness.app.focused(), expected);
    }
    harness.key(KeyCode::BackTab).await;
    assert_eq!(harness.app.focused(), PaneId::named("automation"));
    harness.key(KeyCode::Char('7')).await;
    assert_eq!(harness.app.focused(), PaneId::named("levels"));
    harness.key(KeyCode::Char('8')).await;
    assert_eq!(harness.app.focused(), PaneId::named("timed-roles"));
    // A wide terminal keeps the tabs' padding; the 80 columns of the snapshots drop it.
    let mut wide = Terminal::new(TestBackend::new(140, 24)).expect("test terminal");
    wide.draw(|frame| harness.app.render(frame)).expect("draw");
    let tabs: String = (0..140)
        .map(|x| wide.backend().buffer()[(x, 0)].symbol().to_owned())
        .collect();
    assert!(
        tabs.starts_with(" 1 Overview │ 2 Migrations │")
            && tabs.contains("│ 8 Timed roles │ 9 Giveaways │ 10 Premium │ 11 Automation "),
        "{tabs}"
    );
    harness.key(KeyCode::Char('q')).await;
    assert!(harness.app.should_quit());
}

#[tokio::test]
async fn cases_list_filtered_by_kind_and_searched_with_details() {
    use guildhall_core::moderation::{CaseActor, CaseKind, NewCase, store};
    let mut harness = Harness::new(None).await;
    harness.add_guild(GUILD, "Tavern of Testing").await;
    let db = harness.services.db.clone();
    let member = guildhall_core::ids::UserId::new(424_242_424_242_424_242);
    let moderator = guildhall_core::ids::UserId::new(111_111_111_111_111_111);
    for (kind, actor, reason, minutes) in [
        (
            CaseKind::Warn,
            CaseActor::Moderator(moderator),
            "posting scam links",
            90,
        ),
        (
            CaseKind::Timeout,
            CaseActor::Automated("automod:spam".into()),
            "flooding the chat",
            30,
        ),
        (
            CaseKind::Warn,
            CaseActor::Moderator(moderator),
            "rude to staff",
            10,
        ),
    ] {
        let mut new = NewCase::new(
            GUILD,
            kind,
            member,
            actor,
            reason,
            NOW.minus(Duration::from_secs(60 * minutes)),
        );
        if kind == CaseKind::Timeout {
            new.duration = Some(Duration::from_secs(600));
        }
        store::create(&db, &new).await.unwrap();
    }
    store::create(
        &db,
        &NewCase::new(
            OTHER_GUILD,
            CaseKind::Ban,
            member,
            CaseActor::Moderator(moderator),
            "other guild",
            NOW,
        ),
    )
    .await
    .unwrap();
    harness.act(Action::ShowPane(PaneId::named("cases"))).await;
    let screen = harness.screen();
    assert!(
        screen.contains("flooding the chat") && !screen.contains("other guild"),
        "{screen}"
    );
    harness.key(KeyCode::Down).await;
    insta::assert_snapshot!("cases_list_with_details", harness.screen());
    harness.key(KeyCode::Char('f')).await;
    let screen = harness.screen();
    assert!(
        screen.contains("kind: warn") && !screen.contains("flooding"),
        "{screen}"
    );
    harness.key(KeyCode::Char('e')).await;
    harness.keys("scam").await;
    harness.key(KeyCode::Enter).await;
    let screen = harness.screen();
    assert!(
        screen.contains("posting scam links") && !screen.contains("rude to staff"),
        "{screen}"
    );
}

#[tokio::test]
async fn levels_list_the_top_members_of_the_selected_guild() {
    use guildhall_core::ids::UserId;
    use guildhall_core::levels::{ImportMode, store};
    let mut harness = Harness::new(None).await;
    harness.add_guild(GUILD, "Tavern of Testing").await;
    harness.add_guild(OTHER_GUILD, "Upper Hall").await;
    let db = harness.services.db.clone();
    let level_of = |xp: i64| guildhall_core::levels::LevelCurve::default().level_for(xp);
    let members: Vec<(UserId, i64)> = [
        (424_242_424_242_424_242, 4_700),
        (111_111_111_111_111_111, 12_345),
        (333_333_333_333_333_333, 255),
        (222_222_222_222_222_222, 255),
    ]
    .into_iter()
    .map(|(user, xp)| (UserId::new(user), xp))
    .collect();
    store::import(&db, GUILD, &members, ImportMode::Replace, level_of, NOW)
        .await
        .unwrap();
    store::import(
        &db,
        OTHER_GUILD,
        &[(UserId::new(999_999_999_999_999_999), 100)],
        ImportMode::Replace,
        level_of,
        NOW,
    )
    .await
    .unwrap();
    // The bot has seen three of them: their names come from the guild snapshot it wrote; the
    // fourth stays an id.
    let bot_model = guildhall_core::guild_cache::GuildCache::new();
    bot_model.track_changes();
    bot_model.put_guild(
        GUILD,
        "Tavern of Testing".into(),
        UserId::new(1),
        vec![(
            guildhall_core::permissions::RoleInfo {
                id: guildhall_core::ids::RoleId::new(GUILD.get()),
                position: 0,
                permissions: guildhall_core::permissions::Permissions(0),
            },
            "@everyone".into(),
        )],
        Vec::new(),
    );
    bot_model.set_member_names(
        GUILD,
        [
            (UserId::new(424_242_424_242_424_242), "ava".to_owned()),
            (UserId::new(111_111_111_111_111_111), "bram".to_owned()),
            (UserId::new(333_333_333_333_333_333), "cleo".to_owned()),
        ],
    );
    guildhall_core::guild_snapshot::write_changes(&bot_model, &db, NOW)
        .await
        .unwrap();
    harness.act(Action::ShowPane(PaneId::named("levels"))).await;
    let screen = harness.screen();
    assert!(
        screen.contains("4 with XP") && !screen.contains("999999999999999999"),
        "{screen}"
    );
    assert!(
        screen.contains("bram")
            && screen.contains("ava")
            && screen.contains("1     bram")
            && screen.contains("222222222222222222"),
        "names where the bot has seen the member, the id otherwise: {screen}"
    );
    harness.key(KeyCode::Down).await;
    insta::assert_snapshot!("levels_top_members_with_details", harness.screen());
    harness.key(KeyCode::Char('g')).await;
    let screen = harness.screen();
    assert!(
        screen.contains("Upper Hall · 1 with XP") && screen.contains("999999999999999999"),
        "{screen}"
    );
}

/// Records a running timed role the way the role service does: its expiry job first, then the
/// record naming it.
async fn timed_role(
    harness: &Harness,
    user: u64,
    role: u64,
    source: guildhall_core::roles::TimedSource,
    granted_by: u64,
    created_ago: Duration,
    expires_at: UnixMillis,
) -> guildhall_core::roles::TimedRole {
    use guildhall_core::ids::{RoleId, UserId};
    use guildhall_core::roles::store::{NewTimedRole, insert_timed};
    use guildhall_core::roles::{ExpiryPayload, TimedSource, timed};
    let (user, role) = (UserId::new(user), RoleId::new(role));
    let payload = ExpiryPayload {
        guild: GUILD,
        user,
        role,
        expires_at,
    };
    let job = harness
        .services
        .ledger
        .schedule(
            NewJob::of(&payload, expires_at)
                .dedupe(timed::expiry_dedupe_key(GUILD, user, role, expires_at)),
        )
        .await
        .unwrap();
    let (timed, _) = insert_timed(
        &harness.services.db,
        &NewTimedRole {
            guild: GUILD,
            user,
            role,
            expires_at,
            source,
            panel: (source == TimedSource::Panel).then_some(guildhall_core::roles::PanelId(1)),
            granted_by: UserId::new(granted_by),
            created_at: NOW.minus(created_ago),
            job: job.id,
        },
    )
    .await
    .unwrap();
    timed
}

#[tokio::test]
async fn timed_roles_list_running_first_count_down_and_remove_early_after_confirmation() {
    use guildhall_core::ids::{ChannelId, RoleId, UserId};
    use guildhall_core::jobs::{JobFilter, JobState};
    use guildhall_core::roles::store::{self, NewPanel};
    use guildhall_core::roles::{
        EXPIRE_TIMED_ROLE, PanelChoice, PanelContent, PanelOption, PanelStyle, Removal, TimedSource,
    };
    const MEMBER: u64 = 424_242_424_242_424_242;
    const MODERATOR: u64 = 111_111_111_111_111_111;
    const EVENT_PINGS: u64 = 555_555_555_555_555_555;
    const VIP: u64 = 666_666_666_666_666_666;
    let mut harness = Harness::new(None).await;
    harness.add_guild(GUILD, "Tavern of Testing").await;
    let db = harness.services.db.clone();
    let ledger = harness.services.ledger.clone();
    // A timed panel names Event Pings; VIP is known only by its id.
    store::create_panel(
        &db,
        &NewPanel {
            guild: GUILD,
            channel: ChannelId::new(777_777_777_777_777_777),
            content: PanelContent {
                title: "Pings".into(),
                description: String::new(),
                style: PanelStyle::Buttons,
                choice: PanelChoice::Multiple,
                options: vec![PanelOption::new(RoleId::new(EVENT_PINGS), "Event Pings")],
                requirements: Default::default(),
                timed: Some(Duration::from_secs(86_400)),
            },
            created_by: UserId::new(MODERATOR),
            created_at: NOW.minus(Duration::from_secs(86_400 * 2)),
        },
    )
    .await
    .unwrap();
    let hours = |hours: u64| Duration::from_secs(hours * 3_600);
    // Running: from the panel (the member took it), and two given by a moderator.
    let from_panel = timed_role(
        &harness,
        MEMBER,
        EVENT_PINGS,
        TimedSource::Panel,
        MEMBER,
        hours(1),
        NOW.plus(Duration::from_secs(2 * 3_600 + 13 * 60 + 20)),
    )
    .await;
    timed_role(
        &harness,
        222_222_222_222_222_222,
        VIP,
        TimedSource::Command,
        MODERATOR,
        hours(20),
        NOW.plus(hours(3 * 24 + 4)),
    )
    .await;
    timed_role(
        &harness,
        333_333_333_333_333_333,
        EVENT_PINGS,
        TimedSource::Command,
        MODERATOR,
        hours(2),
        NOW.plus(Duration::from_secs(45 * 60)),
    )
    .await;
    // Ended: one removed early (its timer cancelled), one expired (its timer done).
    let early = timed_role(
        &harness,
        444_444_444_444_444_444,
        VIP,
        TimedSource::Command,
        MODERATOR,
        hours(5),
        NOW.plus(hours(5 * 24)),
    )
    .await;
    store::end_timed(
        &db,
        GUILD,
        early.id,
        Removal::Early,
        Some(UserId::new(MODERATOR)),
        NOW.minus(Duration::from_secs(30 * 60)),
    )
    .await
    .unwrap();
    ledger.cancel(early.job.unwrap()).await.unwrap();
    let expired = timed_role(
        &harness,
        555_000_000_000_000_001,
        VIP,
        TimedSource::Command,
        MODERATOR,
        hours(26),
        NOW.minus(hours(1)),
    )
    .await;
    let claimed = ledger
        .claim(
            "worker-a",
            &[EXPIRE_TIMED_ROLE.to_owned()],
            1,
            Duration::from_secs(30),
        )
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1, "only the expired one is due");
    store::end_timed(
        &db,
        GUILD,
        expired.id,
        Removal::Expired,
        None,
        NOW.minus(Duration::from_secs(3_598)),
    )
    .await
    .unwrap();
    ledger.complete(&claimed[0].1).await.unwrap();

    harness
        .act(Action::ShowPane(PaneId::named("timed-roles")))
        .await;
    harness.key(KeyCode::Down).await;
    insta::assert_snapshot!("timed_roles_list_with_details", harness.screen());

    // The countdown moves with the clock, without a reload.
    harness.app.set_now(NOW.plus(Duration::from_secs(61)));
    let screen = harness.screen();
    assert!(
        screen.contains("in 2h 12m") && screen.contains("in 43m"),
        "{screen}"
    );
    harness.app.set_now(NOW);

    // An ended role cannot be removed again.
    harness.key(KeyCode::End).await;
    harness.key(KeyCode::Char('x')).await;
    assert_eq!(harness.app.input_mode(), InputMode::Normal);
    assert!(
        harness.screen().contains("is not running (expired)"),
        "{}",
        harness.screen()
    );

    // Answering no changes nothing.
    harness.key(KeyCode::Home).await;
    harness.key(KeyCode::Down).await;
    harness.key(KeyCode::Char('x')).await;
    insta::assert_snapshot!("timed_roles_confirm_removal", harness.screen());
    harness.key(KeyCode::Char('n')).await;
    let running = store::active_timed(&db, GUILD, UserId::new(MEMBER), RoleId::new(EVENT_PINGS))
        .await
        .unwrap();
    assert!(running.is_some(), "answering no removes nothing");

    // Yes ends it as `guildhall roles timed remove` does.
    harness.key(KeyCode::Delete).await;
    assert_eq!(harness.app.input_mode(), InputMode::Confirm);
    harness.key(KeyCode::Char('y')).await;
    let ended = store::timed_by_job(&db, GUILD, from_panel.job.unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ended.removal, Some(Removal::Early));
    assert_eq!(ended.removed_at, Some(NOW));
    assert_eq!(ended.removed_by, None, "an operator, not a Discord user");
    assert_eq!(
        ledger.get(from_panel.job.unwrap()).await.unwrap().state,
        JobState::Cancelled,
        "the expiry timer is cancelled"
    );
    let performs = ledger
        .list(&JobFilter {
            kind: Some(guildhall_core::jobs::perform::KIND.to_owned()),
            guild: Some(GUILD),
            ..JobFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(performs.len(), 1);
    assert_eq!(performs[0].state, JobState::Pending);
    assert_eq!(performs[0].payload["guild"], json!(GUILD.to_string()));
    assert_eq!(performs[0].payload["effect"]["effect"], "remove_role");
    assert_eq!(
        performs[0].payload["effect"]["user"],
        json!(MEMBER.to_string())
    );
    assert_eq!(
        performs[0].payload["effect"]["role"],
        json!(EVENT_PINGS.to_string())
    );
    let audit = guildhall_core::audit::recent(&db, Some(GUILD), 10)
        .await
        .unwrap();
    assert_eq!(audit[0].action, "roles.timed.remove");
    assert_eq!(audit[0].actor, ACTOR);
    let screen = harness.screen();
    assert!(
        screen.contains(&format!(
            "timed role {} ended; the bot removes Event Pings from {MEMBER} (job",
            from_panel.id
        )),
        "{screen}"
    );
    assert!(screen.contains("2 running"), "{screen}");

    // The list reloads every few seconds while shown.
    timed_role(
        &harness,
        999_999_999_999_999_999,
        VIP,
        TimedSource::Command,
        MODERATOR,
        hours(0),
        NOW.plus(hours(1)),
    )
    .await;
    for _ in 0..3 {
        harness.tick().await;
    }
    let screen = harness.screen();
    assert!(
        screen.contains("999999999999999999") && screen.contains("3 running"),
        "{screen}"
    );
}
