//! Levels on every backend: batched writes and level-ups, ranks and pages (SQL and the rank
//! index agree), admins' changes, imports, guild isolation, and the service's message path,
//! voice path and flusher.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests may unwrap: a panic is the failure report.

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::*;
use crate::clock::{ManualClock, SharedClock, UnixMillis};
use crate::coordination::{Coordination, MemoryCoordination};
use crate::db::Db;
use crate::guild_config::GuildConfigService;
use crate::ids::{ChannelId, GuildId, RoleId, UserId};
use crate::testing;

const GUILD: GuildId = GuildId::new(100);
const OTHER_GUILD: GuildId = GuildId::new(200);
const GENERAL: ChannelId = ChannelId::new(10);
const START: UnixMillis = UnixMillis(1_700_000_000_000);

fn mee6(xp: i64) -> u32 {
    LevelCurve::default().level_for(xp)
}

fn delta(guild: GuildId, user: u64, xp: i64) -> Delta {
    Delta {
        guild,
        user: UserId::new(user),
        xp,
        messages: 1,
        voice_seconds: 0,
        channel_hint: Some(GENERAL),
    }
}

async fn xp_of(db: &Db, guild: GuildId, user: u64) -> Option<i64> {
    store::get(db, guild, UserId::new(user))
        .await
        .unwrap()
        .map(|member| member.xp)
}

#[tokio::test]
async fn batches_add_up_count_and_level_in_one_transaction() {
    for test_db in testing::backends().await {
        let backend = test_db.backend().name();
        let db = &test_db.db;
        // More members than one statement holds, in two guilds, one member twice.
        let mut deltas: Vec<Delta> = (1..=store::BATCH as u64 + 20)
            .map(|user| delta(GUILD, user, 20))
            .collect();
        deltas.push(delta(GUILD, 1, 90));
        deltas.push(delta(OTHER_GUILD, 1, 5));
        let applied = store::apply_batch(db, &deltas, |_, xp| mee6(xp), START)
            .await
            .unwrap();
        assert_eq!(applied.len(), store::BATCH + 21, "{backend}");
        let first = applied
            .iter()
            .find(|change| change.guild == GUILD && change.user == UserId::new(1))
            .unwrap();
        assert_eq!(
            (
                first.created,
                first.old_xp,
                first.new_xp,
                first.old_level,
                first.new_level
            ),
            (true, 0, 110, 0, 1),
            "{backend}"
        );
        let stored = store::get(db, GUILD, UserId::new(1))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (stored.xp, stored.level, stored.messages, stored.updated_at),
            (110, 1, 2, START),
            "{backend}"
        );
        assert_eq!(xp_of(db, OTHER_GUILD, 1).await, Some(5), "{backend}");
        assert_eq!(
            store::count(db, GUILD).await.unwrap(),
            store::BATCH as i64 + 20
        );

        // A second batch adds to what is stored, and reports the level change.
        let later = START.plus(Duration::from_secs(10));
        let mut voice = delta(GUILD, 1, 200);
        voice.messages = 0;
        voice.voice_seconds = 120;
        let applied = store::apply_batch(db, &[voice, delta(GUILD, 2, 0)], |_, xp| mee6(xp), later)
            .await
            .unwrap();
        assert_eq!(
            (
                applied[0].created,
                applied[0].old_xp,
                applied[0].new_xp,
                applied[0].old_level,
                applied[0].new_level
            ),
            (false, 110, 310, 1, 2),
            "{backend}"
        );
        let stored = store::get(db, GUILD, UserId::new(1))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (
                stored.xp,
                stored.level,
                stored.messages,
                stored.voice_seconds,
                stored.updated_at
            ),
            (310, 2, 2, 120, later),
            "{backend}"
        );

        // Taking more than a member has stops at zero.
        let applied = store::apply_batch(db, &[delta(GUILD, 1, -1_000)], |_, xp| mee6(xp), later)
            .await
            .unwrap();
        assert_eq!(
            (applied[0].new_xp, applied[0].new_level),
            (0, 0),
            "{backend}"
        );
        assert_eq!(xp_of(db, GUILD, 1).await, Some(0), "{backend}");
        assert!(
            store::apply_batch(db, &[], |_, xp| mee6(xp), later)
                .await
                .unwrap()
                .is_empty()
        );
    }
}

#[tokio::test]
async fn ranks_and_pages_follow_xp_then_user_id_within_the_guild() {
    for test_db in testing::backends().await {
        let backend = test_db.backend().name();
        let db = &test_db.db;
        // Users 1..=30 with XP (user % 7) * 100: many ties; the other guild has a leader.
        let deltas: Vec<Delta> = (1..=30)
            .map(|user| delta(GUILD, user, i64::try_from(user % 7).unwrap() * 100 + 1))
            .chain([delta(OTHER_GUILD, 99, 1_000_000)])
            .collect();
        store::apply_batch(db, &deltas, |_, xp| mee6(xp), START)
            .await
            .unwrap();
        let mut expected: Vec<(i64, u64)> = (1..=30u64)
            .map(|user| (i64::try_from(user % 7).unwrap() * 100 + 1, user))
            .collect();
        expected.sort_by_key(|(xp, user)| (-xp, *user));
        let index = RankIndex::new(store::ranking(db, GUILD).await.unwrap());
        for (position, (xp, user)) in expected.iter().enumerate() {
            let rank = store::rank(db, GUILD, UserId::new(*user)).await.unwrap();
            assert_eq!(rank, Some(position as i64 + 1), "{backend}: user {user}");
            assert_eq!(
                index.ahead_of(*xp, UserId::new(*user)),
                position,
                "{backend}"
            );
        }
        assert_eq!(store::rank(db, GUILD, UserId::new(99)).await.unwrap(), None);
        let top: Vec<u64> = store::page(db, GUILD, 0, 5)
            .await
            .unwrap()
            .iter()
            .map(|member| member.user.get())
            .collect();
        assert_eq!(top, [6, 13, 20, 27, 5], "{backend}");
        let deep = store::page(db, GUILD, 25, 10).await.unwrap();
        assert_eq!(deep.len(), 5, "{backend}");
        // Seeking from a member gives the same page as the offset.
        for offset in [0usize, 3, 4, 17, 29] {
            let (xp, user) = index.nth(offset).unwrap();
            let seek = store::page_from(db, GUILD, xp, user, 7).await.unwrap();
            let by_offset = store::page(db, GUILD, offset as u64, 7).await.unwrap();
            assert_eq!(seek, by_offset, "{backend}: offset {offset}");
        }
        // Another guild's members never show.
        assert!(
            store::export(db, GUILD)
                .await
                .unwrap()
                .iter()
                .all(|member| member.user.get() != 99)
        );
        assert_eq!(store::ranking(db, OTHER_GUILD).await.unwrap().len(), 1);
    }
}

#[tokio::test]
async fn set_reset_and_import_change_only_what_they_name() {
    for test_db in testing::backends().await {
        let backend = test_db.backend().name();
        let db = &test_db.db;
        let deltas = [
            delta(GUILD, 1, 100),
            delta(GUILD, 2, 200),
            delta(OTHER_GUILD, 1, 300),
        ];
        store::apply_batch(db, &deltas, |_, xp| mee6(xp), START)
            .await
            .unwrap();

        let set = store::set_xp(db, GUILD, UserId::new(1), 1_000, mee6, START)
            .await
            .unwrap();
        assert_eq!(
            (set.old_xp, set.new_xp, set.new_level),
            (100, 1_000, 4),
            "{backend}"
        );
        // Counters survive a set.
        let stored = store::get(db, GUILD, UserId::new(1))
            .await
            .unwrap()
            .unwrap();
        assert_eq!((stored.xp, stored.messages), (1_000, 1), "{backend}");

        let replaced = store::import(
            db,
            GUILD,
            &[(UserId::new(2), 50), (UserId::new(3), 70)],
            ImportMode::Replace,
            mee6,
            START,
        )
        .await
        .unwrap();
        assert_eq!(replaced.len(), 2);
        assert!(replaced[1].created, "{backend}");
        assert_eq!(
            xp_of(db, GUILD, 1).await,
            Some(1_000),
            "{backend}: unlisted kept"
        );
        assert_eq!(xp_of(db, GUILD, 2).await, Some(50), "{backend}");
        let added = store::import(
            db,
            GUILD,
            &[(UserId::new(2), 50)],
            ImportMode::Add,
            mee6,
            START,
        )
        .await
        .unwrap();
        assert_eq!((added[0].old_xp, added[0].new_xp), (50, 100), "{backend}");

        let deleted = store::reset(db, GUILD, ResetScope::Member(UserId::new(2)))
            .await
            .unwrap();
        assert_eq!(deleted, [(UserId::new(2), 100)], "{backend}");
        assert_eq!(xp_of(db, GUILD, 2).await, None);
        let deleted = store::reset(db, GUILD, ResetScope::All).await.unwrap();
        assert_eq!(deleted.len(), 2, "{backend}");
        assert_eq!(store::count(db, GUILD).await.unwrap(), 0);
        assert_eq!(
            xp_of(db, OTHER_GUILD, 1).await,
            Some(300),
            "{backend}: other guild kept"
        );
    }
}

struct Harness {
    service: Arc<LevelService>,
    config: Arc<GuildConfigService>,
    clock: ManualClock,
    db: Db,
}

async fn harness(db: &Db, levels: serde_json::Value) -> Harness {
    let clock = ManualClock::new(START);
    let shared: SharedClock = Arc::new(clock.clone());
    let coordination: Arc<dyn Coordination> =
        Arc::new(MemoryCoordination::new(Arc::clone(&shared)));
    let config = Arc::new(GuildConfigService::new(
        db.clone(),
        Arc::clone(&shared),
        Arc::clone(&coordination),
    ));
    for guild in [GUILD, OTHER_GUILD] {
        crate::guilds::upsert(db, guild, "Tavern", None, START)
            .await
            .unwrap();
        config
            .set_key(guild, "features.levels", "on", "test")
            .await
            .unwrap();
    }
    config
        .set_section(GUILD, "levels", levels, "test", None)
        .await
        .unwrap();
    config.get(OTHER_GUILD).await.unwrap();
    let service = Arc::new(LevelService::new(
        db.clone(),
        shared,
        coordination,
        Arc::clone(&config),
    ));
    Harness {
        service,
        config,
        clock,
        db: db.clone(),
    }
}

fn message(user: u64, roles: &[RoleId]) -> MessageFacts<'_> {
    MessageFacts {
        guild: GUILD,
        user: UserId::new(user),
        channel: GENERAL,
        parent: None,
        roles,
        is_bot: false,
        caught_by_automod: false,
    }
}

#[tokio::test]
async fn messages_earn_once_per_cooldown_and_flushes_report_level_ups() {
    for test_db in testing::backends().await {
        let backend = test_db.backend().name();
        let h = harness(
            &test_db.db,
            json!({"xp_min": 60, "xp_max": 60, "cooldown_secs": 60}),
        )
        .await;
        let service = &h.service;
        assert_eq!(
            service.on_message(&message(1, &[])).await.unwrap(),
            Some(60)
        );
        // Within the cooldown: nothing, and nothing written yet.
        assert_eq!(service.on_message(&message(1, &[])).await.unwrap(), None);
        assert_eq!(service.buffer().pending_xp(GUILD, UserId::new(1)), 60);
        assert_eq!(
            xp_of(&h.db, GUILD, 1).await,
            None,
            "{backend}: no write on the message path"
        );
        // Another member has their own cooldown; another guild its own keys.
        assert_eq!(
            service.on_message(&message(2, &[])).await.unwrap(),
            Some(60)
        );
        let mut elsewhere = message(1, &[]);
        elsewhere.guild = OTHER_GUILD;
        assert!(service.on_message(&elsewhere).await.unwrap().is_some());
        let mut bot = message(3, &[]);
        bot.is_bot = true;
        assert_eq!(service.on_message(&bot).await.unwrap(), None);
        let mut caught = message(3, &[]);
        caught.caught_by_automod = true;
        assert_eq!(service.on_message(&caught).await.unwrap(), None);
        // A guild whose settings the bot has not loaded earns nothing (and reads no database).
        let mut unknown = message(1, &[]);
        unknown.guild = GuildId::new(300);
        assert_eq!(service.on_message(&unknown).await.unwrap(), None);

        h.clock.advance(Duration::from_secs(60));
        assert_eq!(
            service.on_message(&message(1, &[])).await.unwrap(),
            Some(60)
        );
        // The rank card counts pending XP.
        let card = service.rank_card(GUILD, UserId::new(1)).await.unwrap();
        assert_eq!(
            (card.xp, card.progress.level, card.rank),
            (120, 1, Some(1)),
            "{backend}"
        );

        let mut ups = service.flush().await.unwrap();
        ups.sort_by_key(|up| (up.guild, up.user));
        assert_eq!(
            ups,
            [LevelUp {
                guild: GUILD,
                user: UserId::new(1),
                old_level: 0,
                new_level: 1,
                channel_hint: Some(GENERAL),
            }],
            "{backend}"
        );
        assert_eq!(xp_of(&h.db, GUILD, 1).await, Some(120), "{backend}");
        assert!(xp_of(&h.db, OTHER_GUILD, 1).await.is_some(), "{backend}");
        assert_eq!(service.buffer().pending_members(), 0);
        let stored = store::get(&h.db, GUILD, UserId::new(1))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored.messages, 2, "{backend}");

        // Turning levels off stops XP at once.
        h.config
            .set_key(GUILD, "features.levels", "off", "test")
            .await
            .unwrap();
        h.clock.advance(Duration::from_secs(120));
        assert_eq!(service.on_message(&message(1, &[])).await.unwrap(), None);
    }
}

#[tokio::test]
async fn due_guilds_flush_after_their_own_interval() {
    for test_db in testing::backends().await {
        let backend = test_db.backend().name();
        let h = harness(
            &test_db.db,
            json!({"flush_interval_secs": 30, "cooldown_secs": 0}),
        )
        .await;
        h.service
            .on_message(&message(1, &[]))
            .await
            .unwrap()
            .unwrap();
        let mut elsewhere = message(1, &[]);
        elsewhere.guild = OTHER_GUILD;
        h.service.on_message(&elsewhere).await.unwrap().unwrap();
        h.clock.advance(Duration::from_secs(10));
        h.service.flush_due().await.unwrap();
        // OTHER_GUILD has the default 10 s; GUILD waits for its 30 s.
        assert!(xp_of(&h.db, OTHER_GUILD, 1).await.is_some(), "{backend}");
        assert!(xp_of(&h.db, GUILD, 1).await.is_none(), "{backend}");
        h.clock.advance(Duration::from_secs(20));
        h.service.flush_due().await.unwrap();
        assert!(xp_of(&h.db, GUILD, 1).await.is_some(), "{backend}");
    }
}

#[tokio::test]
async fn the_rank_index_matches_sql_through_flushes_and_admin_changes() {
    for test_db in testing::backends().await {
        let backend = test_db.backend().name();
        let h = harness(&test_db.db, json!({"cooldown_secs": 0})).await;
        let service = &h.service;
        let deltas: Vec<Delta> = (1..=1_500)
            .map(|user| delta(GUILD, user, i64::try_from(user % 40).unwrap() * 10))
            .collect();
        store::apply_batch(&h.db, &deltas, |_, xp| mee6(xp), START)
            .await
            .unwrap();
        service.load_ranks(GUILD).await.unwrap();
        assert_eq!(service.rank_index_len(GUILD), Some(1_500));
        // Flushes (new and existing members) and every admin change keep the index current.
        for user in [5, 1_600, 1_601, 77] {
            service
                .on_message(&message(user, &[]))
                .await
                .unwrap()
                .unwrap();
        }
        service.flush().await.unwrap();
        service.give(GUILD, UserId::new(9), 5_000).await.unwrap();
        service.take(GUILD, UserId::new(10), 3).await.unwrap();
        service.set(GUILD, UserId::new(11), 0).await.unwrap();
        service
            .reset(GUILD, ResetScope::Member(UserId::new(12)))
            .await
            .unwrap();
        service
            .import(GUILD, "user_id,xp\n13,999\n2000,1\n", ImportMode::Add)
            .await
            .unwrap();
        assert_eq!(service.rank_index_len(GUILD), Some(1_502), "{backend}");
        for user in [
            1u64, 5, 9, 10, 11, 13, 39, 40, 77, 1_499, 1_600, 1_601, 2_000,
        ] {
            let from_index = service.rank(GUILD, UserId::new(user)).await.unwrap();
            let from_sql = store::rank(&h.db, GUILD, UserId::new(user)).await.unwrap();
            assert_eq!(
                from_index,
                from_sql.map(|rank| rank as u64),
                "{backend}: user {user}"
            );
        }
        assert_eq!(service.rank(GUILD, UserId::new(12)).await.unwrap(), None);
        assert_eq!(service.rank(GUILD, UserId::new(9)).await.unwrap(), Some(1));
        // Deep pages seek from the index and match SQL's OFFSET.
        for offset in [0u64, 999, 1_001, 1_400, 1_499, 1_502] {
            let page = service.leaderboard(GUILD, offset, 10).await.unwrap();
            let sql = store::page(&h.db, GUILD, offset, 10).await.unwrap();
            let users: Vec<UserId> = page.iter().map(|entry| entry.user).collect();
            let expected: Vec<UserId> = sql.iter().map(|member| member.user).collect();
            assert_eq!(users, expected, "{backend}: offset {offset}");
            if let Some(first) = page.first() {
                assert_eq!(first.rank, offset + 1);
            }
        }
        // Resetting the whole guild drops the index; the next read counts in SQL.
        service.reset(GUILD, ResetScope::All).await.unwrap();
        assert_eq!(service.rank_index_len(GUILD), None, "{backend}");
        assert_eq!(service.rank(GUILD, UserId::new(9)).await.unwrap(), None);
    }
}

#[tokio::test]
async fn admin_changes_validate_and_set_drops_pending_xp() {
    for test_db in testing::backends().await {
        let backend = test_db.backend().name();
        let h = harness(&test_db.db, json!({"xp_min": 20, "xp_max": 20})).await;
        let service = &h.service;
        for (result, fragment) in [
            (
                service.give(GUILD, UserId::new(1), 0).await,
                "between 1 and 1000000000000000 XP, got 0",
            ),
            (service.take(GUILD, UserId::new(1), -5).await, "got -5"),
            (
                service.set(GUILD, UserId::new(1), -1).await,
                "XP must be between 0 and",
            ),
        ] {
            let message = result.unwrap_err().to_string();
            assert!(message.contains(fragment), "{message}");
        }
        service.on_message(&message(1, &[])).await.unwrap().unwrap();
        let change = service.set(GUILD, UserId::new(1), 300).await.unwrap();
        assert_eq!((change.new_xp, change.new_level), (300, 2), "{backend}");
        service.flush().await.unwrap();
        assert_eq!(
            xp_of(&h.db, GUILD, 1).await,
            Some(300),
            "{backend}: pending XP dropped"
        );
        let change = service.take(GUILD, UserId::new(1), 250).await.unwrap();
        assert_eq!(
            (change.old_level, change.new_level, change.new_xp),
            (2, 0, 50)
        );
        let change = service.give(GUILD, UserId::new(1), 50).await.unwrap();
        assert_eq!((change.new_xp, change.new_level), (100, 1));
    }
}

#[tokio::test]
async fn imports_refuse_bad_files_whole_and_round_trip_exports() {
    for test_db in testing::backends().await {
        let backend = test_db.backend().name();
        let h = harness(&test_db.db, json!({})).await;
        let service = &h.service;
        service.give(GUILD, UserId::new(1), 100).await.unwrap();
        service.give(GUILD, UserId::new(2), 50).await.unwrap();

        let bad = "user_id,xp\n1,500\nabc,5\n3,-1\n";
        let summary = service
            .import_dry_run(GUILD, bad, ImportMode::Replace)
            .await
            .unwrap();
        assert_eq!(summary.error_count, 2);
        let error = service
            .import(GUILD, bad, ImportMode::Replace)
            .await
            .unwrap_err();
        let text = error.to_string();
        assert!(
            text.starts_with("the file has 2 bad line(s); nothing was imported"),
            "{text}"
        );
        assert!(
            text.contains("line 3: `abc` is not a user id (a number)"),
            "{text}"
        );
        assert!(
            text.contains("line 4: XP must not be negative, got -1"),
            "{text}"
        );
        assert_eq!(
            xp_of(&h.db, GUILD, 1).await,
            Some(100),
            "{backend}: nothing written"
        );

        let good = "1,500\n3,4675\n";
        let summary = service
            .import_dry_run(GUILD, good, ImportMode::Replace)
            .await
            .unwrap();
        assert_eq!(
            (
                summary.rows_ok,
                summary.new_members,
                summary.changed_members,
                summary.total_xp_before,
                summary.total_xp_after
            ),
            (2, 1, 1, 150, 5_225),
            "{backend}"
        );
        assert_eq!(
            xp_of(&h.db, GUILD, 3).await,
            None,
            "{backend}: a dry run writes nothing"
        );
        let outcome = service
            .import(GUILD, good, ImportMode::Replace)
            .await
            .unwrap();
        assert_eq!(outcome.summary, summary);
        let three = outcome
            .changes
            .iter()
            .find(|change| change.user == UserId::new(3))
            .unwrap();
        assert_eq!((three.created, three.new_level), (true, 10), "{backend}");

        let exported = service.export_csv(GUILD).await.unwrap();
        assert_eq!(
            exported,
            "user_id,xp,level,messages,voice_seconds\n3,4675,10,0,0\n1,500,3,0,0\n2,50,0,0,0\n"
        );
        // The export imports again unchanged.
        let again = service
            .import_dry_run(GUILD, &exported, ImportMode::Replace)
            .await
            .unwrap();
        assert_eq!(
            (again.error_count, again.unchanged_members),
            (0, 3),
            "{backend}"
        );
        // Other guilds are untouched.
        assert!(
            service
                .export_csv(OTHER_GUILD)
                .await
                .unwrap()
                .ends_with("voice_seconds\n")
        );
    }
}

#[tokio::test]
async fn voice_time_becomes_xp_and_the_flusher_writes_it_on_shutdown() {
    for test_db in testing::backends().await {
        let backend = test_db.backend().name();
        let h = harness(
            &test_db.db,
            json!({"voice": {"enabled": true, "xp_per_minute": 10, "interval_secs": 60}}),
        )
        .await;
        let service = &h.service;
        let lounge = ChannelId::new(50);
        service.on_voice_state(GUILD, VoiceState::joined(UserId::new(1), lounge));
        service.on_voice_state(GUILD, VoiceState::joined(UserId::new(2), lounge));
        // Voice XP is off in the other guild: tracked, never paid.
        service.on_voice_state(OTHER_GUILD, VoiceState::joined(UserId::new(1), lounge));
        service.on_voice_state(OTHER_GUILD, VoiceState::joined(UserId::new(2), lounge));
        assert_eq!(service.voice_tick(false), 0);
        h.clock.advance(Duration::from_secs(30));
        assert_eq!(service.voice_tick(false), 0, "the interval has not passed");
        h.clock.advance(Duration::from_secs(30));
        assert_eq!(service.voice_tick(false), 2);
        assert_eq!(service.buffer().pending_xp(GUILD, UserId::new(1)), 10);
        assert_eq!(service.buffer().pending_xp(OTHER_GUILD, UserId::new(1)), 0);

        // The flusher: a level-up announced over the channel, and the last XP on shutdown.
        h.clock.advance(Duration::from_secs(30));
        service.on_message(&message(1, &[])).await.unwrap().unwrap();
        let (sender, mut receiver) = mpsc::channel(16);
        let shutdown = CancellationToken::new();
        let running = service.run_flusher(Duration::from_millis(10), shutdown.clone(), sender);
        shutdown.cancel();
        running.await.unwrap();
        let stored = store::get(&h.db, GUILD, UserId::new(1))
            .await
            .unwrap()
            .unwrap();
        // 60 s + 30 s settled on shutdown = 15 XP, plus the message.
        assert!(stored.xp >= 15 + 15, "{backend}: {stored:?}");
        assert_eq!(
            (stored.voice_seconds, stored.messages),
            (90, 1),
            "{backend}"
        );
        assert_eq!(service.buffer().pending_members(), 0);
        let _ = receiver.try_recv();
    }
}

#[tokio::test]
async fn rejoining_members_get_the_rewards_of_their_level() {
    for test_db in testing::backends().await {
        let h = harness(
            &test_db.db,
            json!({"rewards": [{"level": 1, "role": "501"}, {"level": 3, "role": "503"}], "reward_mode": "replace"}),
        )
        .await;
        h.service.set(GUILD, UserId::new(1), 500).await.unwrap();
        let effects = h
            .service
            .rejoin_effects(GUILD, UserId::new(1), &[])
            .await
            .unwrap();
        assert_eq!(
            effects,
            [crate::effect::Effect::AddRole {
                guild: GUILD,
                user: UserId::new(1),
                role: RoleId::new(503),
                reason: Some("Levels: reward for reaching level 3".into()),
            }]
        );
        assert!(
            h.service
                .rejoin_effects(OTHER_GUILD, UserId::new(1), &[])
                .await
                .unwrap()
                .is_empty()
        );
    }
}

#[tokio::test]
async fn the_flusher_sends_level_ups_when_the_guild_is_due() {
    for test_db in testing::backends().await {
        let backend = test_db.backend().name();
        let h = harness(
            &test_db.db,
            json!({"xp_min": 150, "xp_max": 150, "flush_interval_secs": 1}),
        )
        .await;
        let (sender, mut receiver) = mpsc::channel(16);
        let shutdown = CancellationToken::new();
        let running = h
            .service
            .run_flusher(Duration::from_millis(5), shutdown.clone(), sender);
        h.service
            .on_message(&message(1, &[]))
            .await
            .unwrap()
            .unwrap();
        h.clock.advance(Duration::from_secs(1));
        let up = tokio::time::timeout(Duration::from_secs(10), receiver.recv())
            .await
            .expect("a level-up within the deadline")
            .unwrap();
        assert_eq!(
            (up.user, up.old_level, up.new_level),
            (UserId::new(1), 0, 1),
            "{backend}"
        );
        assert_eq!(up.channel_hint, Some(GENERAL));
        shutdown.cancel();
        running.await.unwrap();
        assert_eq!(xp_of(&h.db, GUILD, 1).await, Some(150), "{backend}");
    }
}

#[tokio::test]
async fn another_process_s_admin_change_drops_this_process_s_rank_index() {
    for test_db in testing::backends().await {
        let backend = test_db.backend().name();
        let bot = harness(&test_db.db, json!({})).await;
        // Two services on one database and one bus: the bot's, and the dashboard's.
        let coordination: Arc<dyn Coordination> =
            Arc::new(MemoryCoordination::new(Arc::new(bot.clock.clone())));
        let bot_service = Arc::new(LevelService::new(
            test_db.db.clone(),
            Arc::new(bot.clock.clone()),
            Arc::clone(&coordination),
            Arc::clone(&bot.config),
        ));
        let dashboard = LevelService::new(
            test_db.db.clone(),
            Arc::new(bot.clock.clone()),
            Arc::clone(&coordination),
            Arc::clone(&bot.config),
        );
        bot_service.give(GUILD, UserId::new(1), 100).await.unwrap();
        bot_service.load_ranks(GUILD).await.unwrap();
        let (sender, _receiver) = mpsc::channel(16);
        let shutdown = CancellationToken::new();
        let running = bot_service.run_flusher(Duration::from_millis(5), shutdown.clone(), sender);
        // Until the flusher listens, announcements are missed: repeat the change until one lands.
        let (dashboard, watched) = (&dashboard, &bot_service);
        testing::wait_for(
            "the bot to drop its index",
            Duration::from_secs(10),
            || async move {
                dashboard.set(GUILD, UserId::new(2), 50).await.unwrap();
                watched.rank_index_len(GUILD).is_none().then_some(())
            },
        )
        .await;
        assert_eq!(
            bot_service.rank(GUILD, UserId::new(2)).await.unwrap(),
            Some(2),
            "{backend}: counted in SQL until reloaded"
        );
        shutdown.cancel();
        running.await.unwrap();
    }
}

#[tokio::test]
async fn role_panels_read_levels_only_where_they_are_tracked() {
    let test_db = testing::sqlite_unmigrated().await;
    test_db.db.migrate().await.unwrap();
    let h = harness(&test_db.db, json!({})).await;
    h.service.set(GUILD, UserId::new(1), 300).await.unwrap();
    let levels: &dyn crate::roles::MemberLevels = h.service.as_ref();
    assert_eq!(levels.level(GUILD, UserId::new(1)).await, Some(2));
    assert_eq!(levels.level(GUILD, UserId::new(2)).await, Some(0));
    h.config
        .set_key(GUILD, "features.levels", "off", "test")
        .await
        .unwrap();
    assert_eq!(levels.level(GUILD, UserId::new(1)).await, None);
}
