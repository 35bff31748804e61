//! The recent-message store on every backend: the buffer's batches, edits, duplicates, the
//! bound on memory, time-ordered pages, guild isolation, pruning and the retention job.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests may unwrap: a panic is the failure report.

use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::*;
use crate::clock::{ManualClock, SharedClock, UnixMillis};
use crate::coordination::MemoryCoordination;
use crate::db::Db;
use crate::guild_config::GuildConfigService;
use crate::ids::{ChannelId, GuildId, MessageId, RoleId, UserId};
use crate::jobs::{JobHandler as _, JobLedger, JobOutcome};
use crate::testing;
use crate::tickets::TicketService;

const GUILD: GuildId = GuildId::new(100);
const OTHER_GUILD: GuildId = GuildId::new(200);
const GENERAL: ChannelId = ChannelId::new(10);
const START: UnixMillis = UnixMillis(1_700_000_000_000);
const DAY: Duration = Duration::from_secs(86_400);

fn message(id: u64, at: UnixMillis, content: &str) -> RecentMessage {
    RecentMessage {
        channel: GENERAL,
        message: MessageId::new(id),
        author: UserId::new(500 + id % 3),
        author_is_bot: id.is_multiple_of(5),
        author_roles: vec![RoleId::new(7), RoleId::new(u64::MAX)],
        content: content.to_owned(),
        attachments: 2,
        user_mentions: 1,
        role_mentions: 3,
        mentions_everyone: id.is_multiple_of(2),
        created_at: at,
        edited_at: None,
        attachment_names: vec!["a.png".into(), "b.txt".into()],
    }
}

async fn all(db: &Db, guild: GuildId) -> Vec<RecentMessage> {
    store::messages_since(db, guild, UnixMillis(0), 10_000)
        .await
        .unwrap()
}

#[tokio::test]
async fn the_buffer_writes_batches_in_one_flush_and_keeps_the_first_copy() {
    for test_db in testing::backends().await {
        let backend = test_db.backend().name();
        let db = &test_db.db;
        let buffer = RecentMessages::new(db.clone());
        // More than one insert statement's worth, so the batch spans several statements.
        let count = store::INSERT_BATCH as u64 * 2 + 7;
        for id in 1..=count {
            buffer.record(
                GUILD,
                message(id, START.plus(Duration::from_millis(id)), "hi"),
            );
        }
        // Recorded again (a replayed event): the first copy stays.
        buffer.record(GUILD, message(1, START, "changed"));
        assert!(
            all(db, GUILD).await.is_empty(),
            "{backend}: nothing before a flush"
        );
        assert_eq!(buffer.pending(), count as usize + 1);
        let flushed = buffer.flush().await.unwrap();
        assert_eq!(flushed.messages, count as usize + 1, "{backend}");
        assert_eq!(buffer.pending(), 0);
        let stored = all(db, GUILD).await;
        assert_eq!(stored.len() as u64, count, "{backend}");
        assert_eq!(store::count(db, GUILD).await.unwrap(), count as i64);
        let first = &stored[0];
        assert_eq!(
            *first,
            message(1, START.plus(Duration::from_millis(1)), "hi"),
            "{backend}: every column round-trips"
        );
        assert!(stored[4].author_is_bot, "{backend}");
        assert_eq!(buffer.flush().await.unwrap(), Flushed::default());
    }
}

#[tokio::test]
async fn edits_replace_the_text_and_deletions_keep_the_row() {
    for test_db in testing::backends().await {
        let backend = test_db.backend().name();
        let db = &test_db.db;
        let buffer = RecentMessages::new(db.clone());
        buffer.record(GUILD, message(1, START, "first"));
        // Edited before the first flush: the edit is written after the insert.
        buffer.record_edit(GUILD, MessageId::new(1), "second".into(), START.plus(DAY));
        buffer.flush().await.unwrap();
        buffer.record_edit(
            GUILD,
            MessageId::new(1),
            "third".into(),
            START.plus(2 * DAY),
        );
        // An edit of a message never stored, and one naming another guild, change nothing.
        buffer.record_edit(GUILD, MessageId::new(99), "ghost".into(), START);
        buffer.record_edit(OTHER_GUILD, MessageId::new(1), "not yours".into(), START);
        let flushed = buffer.flush().await.unwrap();
        assert_eq!((flushed.messages, flushed.edits), (0, 3));
        buffer.delete(GUILD, MessageId::new(1));
        buffer.flush().await.unwrap();
        let stored = store::get(db, GUILD, MessageId::new(1))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored.content, "third", "{backend}");
        assert_eq!(stored.edited_at, Some(START.plus(2 * DAY)), "{backend}");
        assert_eq!(
            store::get(db, GUILD, MessageId::new(99)).await.unwrap(),
            None
        );
        assert!(all(db, OTHER_GUILD).await.is_empty(), "{backend}");
    }
}

#[tokio::test]
async fn a_full_buffer_drops_the_oldest_and_counts_them() {
    let test_db = testing::sqlite_unmigrated().await;
    test_db.db.migrate().await.unwrap();
    let buffer = RecentMessages::with_capacity(test_db.db.clone(), 3);
    for id in 1..=5 {
        buffer.record(
            GUILD,
            message(id, START.plus(Duration::from_millis(id)), "x"),
        );
    }
    assert_eq!((buffer.pending(), buffer.dropped()), (3, 2));
    buffer.flush().await.unwrap();
    let ids: Vec<u64> = all(&test_db.db, GUILD)
        .await
        .iter()
        .map(|stored| stored.message.get())
        .collect();
    assert_eq!(ids, [3, 4, 5]);
}

#[tokio::test]
async fn a_failed_flush_keeps_the_batch_for_the_next_one() {
    let test_db = testing::sqlite_unmigrated().await;
    // Not migrated: the table is missing, so the write fails.
    let buffer = RecentMessages::new(test_db.db.clone());
    buffer.record(GUILD, message(1, START, "kept"));
    buffer.record_edit(
        GUILD,
        MessageId::new(1),
        "kept, edited".into(),
        START.plus(DAY),
    );
    assert!(buffer.flush().await.is_err());
    assert_eq!(buffer.pending(), 2);
    test_db.db.migrate().await.unwrap();
    buffer.record(GUILD, message(2, START.plus(DAY), "later"));
    let flushed = buffer.flush().await.unwrap();
    assert_eq!((flushed.messages, flushed.edits), (2, 1));
    let stored = all(&test_db.db, GUILD).await;
    assert_eq!(stored.len(), 2);
    assert_eq!(stored[0].content, "kept, edited");
}

#[tokio::test]
async fn the_flusher_writes_on_its_interval_and_once_more_when_stopped() {
    let test_db = testing::sqlite_unmigrated().await;
    test_db.db.migrate().await.unwrap();
    let buffer = Arc::new(RecentMessages::new(test_db.db.clone()));
    let stop = CancellationToken::new();
    let flusher = buffer.spawn_flusher(Duration::from_millis(20), stop.clone());
    buffer.record(GUILD, message(1, START, "ticked"));
    testing::wait_for("the flusher's write", Duration::from_secs(10), || async {
        (store::count(&test_db.db, GUILD).await.unwrap() == 1).then_some(())
    })
    .await;
    stop.cancel();
    // Recorded after the stop but before the flusher ended: the last flush takes it.
    buffer.record(GUILD, message(2, START, "last"));
    flusher.await.unwrap();
    assert_eq!(store::count(&test_db.db, GUILD).await.unwrap(), 2);
    assert_eq!(buffer.pending(), 0);
}

#[tokio::test]
async fn pages_follow_time_order_and_stay_in_their_guild() {
    for test_db in testing::backends().await {
        let backend = test_db.backend().name();
        let db = &test_db.db;
        let buffer = RecentMessages::new(db.clone());
        // Ids out of time order, and three messages sharing one millisecond.
        let times = [(9, 5), (3, 1), (7, 3), (4, 3), (8, 3), (1, 7)];
        for (id, offset) in times {
            buffer.record(
                GUILD,
                message(id, START.plus(Duration::from_millis(offset)), "g"),
            );
        }
        buffer.record(OTHER_GUILD, message(50, START, "other"));
        buffer.flush().await.unwrap();

        let first = store::messages_since(db, GUILD, START.plus(Duration::from_millis(2)), 2)
            .await
            .unwrap();
        let ids = |page: &[RecentMessage]| page.iter().map(|m| m.message.get()).collect::<Vec<_>>();
        assert_eq!(ids(&first), [4, 7], "{backend}");
        let second = store::messages_after(db, GUILD, first[1].position(), 10)
            .await
            .unwrap();
        assert_eq!(ids(&second), [8, 9, 1], "{backend}");
        let other = all(db, OTHER_GUILD).await;
        assert_eq!(ids(&other), [50], "{backend}");
        assert_eq!(
            store::get(db, OTHER_GUILD, MessageId::new(9))
                .await
                .unwrap(),
            None
        );
    }
}

#[tokio::test]
async fn prune_deletes_only_older_messages_of_its_guild() {
    for test_db in testing::backends().await {
        let backend = test_db.backend().name();
        let db = &test_db.db;
        let buffer = RecentMessages::new(db.clone());
        buffer.record(GUILD, message(1, START, "old"));
        buffer.record(GUILD, message(2, START.plus(DAY), "new"));
        buffer.record(OTHER_GUILD, message(3, START, "other's old"));
        buffer.flush().await.unwrap();
        let pruned = store::prune(db, GUILD, START.plus(Duration::from_secs(1)))
            .await
            .unwrap();
        assert_eq!(pruned, 1, "{backend}");
        assert_eq!(all(db, GUILD).await[0].message, MessageId::new(2));
        assert_eq!(all(db, OTHER_GUILD).await.len(), 1, "{backend}");
    }
}

#[tokio::test]
async fn the_retention_job_applies_each_guilds_retention_and_prunes_transcripts() {
    for test_db in testing::backends().await {
        let backend = test_db.backend().name();
        let db = &test_db.db;
        let manual = ManualClock::new(START);
        let clock: SharedClock = Arc::new(manual.clone());
        let coordination = Arc::new(MemoryCoordination::new(Arc::clone(&clock)));
        let config = Arc::new(GuildConfigService::new(
            db.clone(),
            Arc::clone(&clock),
            coordination,
        ));
        let ledger = JobLedger::new(db.clone(), Arc::clone(&clock), 3);
        let tickets = Arc::new(TicketService::new(
            db.clone(),
            Arc::clone(&clock),
            ledger.clone(),
        ));
        for guild in [GUILD, OTHER_GUILD] {
            crate::guilds::upsert(db, guild, "guild", None, START)
                .await
                .unwrap();
        }
        config
            .set_key(
                GUILD,
                "recent_messages.recent_message_retention_days",
                "2",
                "test",
            )
            .await
            .unwrap();
        let buffer = RecentMessages::new(db.clone());
        // Days 0 to 9 in both guilds; OTHER_GUILD keeps the default 7 days.
        for day in 0..10_u32 {
            let at = START.plus(DAY * day);
            buffer.record(GUILD, message(u64::from(day) + 1, at, "g"));
            buffer.record(OTHER_GUILD, message(u64::from(day) + 101, at, "o"));
        }
        buffer.flush().await.unwrap();
        // A ticket closed on day 1 with a transcript; the default retention keeps 90 days.
        let closed = closed_ticket(db, GUILD).await;
        config
            .set_key(GUILD, "tickets.transcript_retention_days", "5", "test")
            .await
            .unwrap();
        manual.set(START.plus(DAY * 9).plus(Duration::from_secs(60)));

        let job = retention::ensure_scheduled(&ledger).await.unwrap();
        assert_eq!(
            retention::ensure_scheduled(&ledger).await.unwrap().id,
            job.id,
            "once"
        );
        let handler = Retention::new(ledger.clone(), Arc::clone(&config), tickets);
        let outcome = handler.run_record(&job).await.unwrap();
        assert_eq!(
            outcome,
            JobOutcome::RunAgainAt(clock.now().plus(DAY)),
            "{backend}: comes back a day later"
        );
        // Kept: what was posted within the retention before now (day 9 + 1 min).
        assert_eq!(all(db, GUILD).await.len(), 2, "{backend}: days 8 and 9");
        assert_eq!(
            all(db, OTHER_GUILD).await.len(),
            7,
            "{backend}: days 3 to 9"
        );
        let transcript = crate::tickets::store::messages(db, GUILD, closed)
            .await
            .unwrap();
        assert!(
            transcript.is_empty(),
            "{backend}: the transcript is past 5 days"
        );
        // Running again deletes nothing more.
        handler.run_record(&job).await.unwrap();
        assert_eq!(all(db, GUILD).await.len(), 2);
        let _ = job;
    }
}

/// A ticket of `guild` closed at day 1, with two transcript messages.
async fn closed_ticket(db: &Db, guild: GuildId) -> crate::tickets::TicketId {
    use crate::tickets::store::{self as tickets, NewPanel, Opened};
    let panel = tickets::create_panel(
        db,
        &NewPanel {
            guild,
            channel: GENERAL,
            title: "Support".into(),
            description: String::new(),
            button_label: "Open".into(),
            staff_roles: Vec::new(),
            mode: crate::tickets::TicketMode::Thread,
            category: None,
            created_by: UserId::new(1),
            created_at: START,
        },
    )
    .await
    .unwrap();
    let Opened::New(ticket) = tickets::open(db, guild, panel.id, UserId::new(2), true, START)
        .await
        .unwrap()
    else {
        panic!("a new ticket");
    };
    for id in [1, 2] {
        let message = crate::tickets::TranscriptMessage {
            message: MessageId::new(id),
            author: UserId::new(2),
            author_name: "member".into(),
            content: "help".into(),
            attachments: Vec::new(),
            created_at: START,
            edited_at: None,
            deleted_at: None,
        };
        tickets::insert_message(db, guild, ticket.id, &message)
            .await
            .unwrap();
    }
    let closed = tickets::close(db, guild, ticket.id, None, "done", START.plus(DAY), None)
        .await
        .unwrap();
    assert!(closed);
    ticket.id
}
