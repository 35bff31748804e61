//! The logging service on every backend: events into entries (old text from the store, who
//! deleted from the audit log port, role and member changes), batched posts, retries and
//! refusals, the tier's channel limit, the viewer's pages and filters, and erasing a member.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests may unwrap: a panic is the failure report.

use std::sync::Arc;

use async_trait::async_trait;

use super::*;
use crate::clock::{ManualClock, SharedClock, UnixMillis};
use crate::coordination::MemoryCoordination;
use crate::effect::{Effect, EffectError};
use crate::events::{GuildEvent, MessageEdit, RoleShape};
use crate::guild_config::GuildSettings;
use crate::ids::{ChannelId, GuildId, MessageId, RoleId, UserId};
use crate::permissions::Permissions;
use crate::recent_messages::RecentMessage;
use crate::testing::{self, RecordingSink};

const GUILD: GuildId = GuildId::new(100);
const OTHER_GUILD: GuildId = GuildId::new(200);
const GENERAL: ChannelId = ChannelId::new(10);
const SECRET: ChannelId = ChannelId::new(11);
const LOG: ChannelId = ChannelId::new(20);
const ANN: UserId = UserId::new(500);
const MOD: UserId = UserId::new(501);
const START: UnixMillis = UnixMillis(1_700_000_000_000);

struct Deleter(Option<UserId>);

#[async_trait]
impl Lookups for Deleter {
    async fn message_deleter(&self, _: GuildId, _: ChannelId, _: UserId) -> Option<UserId> {
        self.0
    }
}

fn core(db: crate::db::Db) -> crate::Core {
    let clock: SharedClock = Arc::new(ManualClock::new(START));
    crate::Core::new(
        db,
        Arc::clone(&clock),
        Arc::new(MemoryCoordination::new(clock)),
        3,
    )
}

fn settings() -> GuildSettings {
    let mut settings = GuildSettings::default();
    settings.features.logging = true;
    settings.logging.messages_channel = Some(LOG);
    settings.logging.roles_channel = Some(LOG);
    settings.logging.ignored_channels = vec![SECRET];
    settings
}

fn stored(id: u64, channel: ChannelId, author: UserId, content: &str) -> RecentMessage {
    RecentMessage {
        channel,
        message: MessageId::new(id),
        author,
        author_is_bot: false,
        author_roles: Vec::new(),
        content: content.to_owned(),
        attachments: 1,
        user_mentions: 0,
        role_mentions: 0,
        mentions_everyone: false,
        created_at: START,
        edited_at: None,
        attachment_names: vec!["plan.pdf".into()],
    }
}

fn posted(sink: &RecordingSink) -> Vec<crate::effect::OutgoingMessage> {
    sink.performed()
        .into_iter()
        .filter_map(|effect| match effect {
            Effect::Announce {
                channel, message, ..
            } if channel == LOG => Some(message),
            _ => None,
        })
        .collect()
}

fn field<'a>(embed: &'a crate::effect::Embed, name: &str) -> &'a str {
    embed
        .fields
        .iter()
        .find(|field| field.name == name)
        .map_or("", |field| field.value.as_str())
}

#[tokio::test]
async fn edits_and_deletions_show_the_old_text_and_the_audit_logs_guess() {
    for test_db in testing::backends().await {
        let core = core(test_db.db.clone());
        let logging = &core.logging;
        let settings = settings();
        core.recent_messages
            .record(GUILD, stored(1, GENERAL, ANN, "meet at 5"));
        let edit = GuildEvent::MessageEdited(MessageEdit {
            guild: GUILD,
            channel: GENERAL,
            id: MessageId::new(1),
            content: Some("meet at 6"),
            author: Some(ANN),
            author_is_bot: false,
            attachments: None,
            edited_at: START,
        });
        logging.observe(&edit, &settings, &NoLookups).await.unwrap();
        core.recent_messages.flush().await.unwrap();
        core.recent_messages
            .record_edit(GUILD, MessageId::new(1), "meet at 6".into(), START);
        let deletion = GuildEvent::MessageDeleted {
            guild: GUILD,
            channel: GENERAL,
            id: MessageId::new(1),
        };
        logging
            .observe(&deletion, &settings, &Deleter(Some(MOD)))
            .await
            .unwrap();
        // Nothing of an ignored channel, and an unknown message still gets a line.
        let ignored = GuildEvent::MessageDeleted {
            guild: GUILD,
            channel: SECRET,
            id: MessageId::new(9),
        };
        logging
            .observe(&ignored, &settings, &NoLookups)
            .await
            .unwrap();
        let unknown = GuildEvent::MessageDeleted {
            guild: GUILD,
            channel: GENERAL,
            id: MessageId::new(8),
        };
        logging
            .observe(&unknown, &settings, &NoLookups)
            .await
            .unwrap();
        let sink = RecordingSink::new();
        let flushed = logging.flush(&sink).await.unwrap();
        assert_eq!((flushed.stored, flushed.posts, flushed.posted), (3, 1, 3));
        let messages = posted(&sink);
        let embeds = &messages[0].embeds;
        assert_eq!(field(&embeds[0], "Before"), "meet at 5");
        assert_eq!(field(&embeds[0], "After"), "meet at 6");
        assert_eq!(field(&embeds[1], "Content"), "meet at 6");
        assert_eq!(field(&embeds[1], "Files"), "plan.pdf");
        assert!(field(&embeds[1], "Deleted by (best guess)").contains(&format!("<@{MOD}>")));
        assert!(embeds[1].footer.as_deref().unwrap().contains("best guess"));
        assert!(field(&embeds[2], "Content").starts_with("(not kept"));
        // Stored for the viewer, newest first, with the guess marked.
        let page = logging
            .events(GUILD, &EventFilter::default(), Page::Newest, 50)
            .await
            .unwrap();
        assert_eq!(page.events.len(), 3);
        assert_eq!(page.events[1].entry.actor, Some(MOD));
        assert!(page.events[1].entry.actor_guessed);
        // Nothing of it crosses into another guild.
        assert!(
            logging
                .events(OTHER_GUILD, &EventFilter::default(), Page::Newest, 50)
                .await
                .unwrap()
                .events
                .is_empty()
        );
        // Switched off: nothing is logged.
        let mut off = settings.clone();
        off.features.logging = false;
        logging.observe(&deletion, &off, &NoLookups).await.unwrap();
        assert_eq!(logging.pending(), 0);
    }
}

#[tokio::test]
async fn a_burst_is_posted_in_batches_and_kept_through_an_outage_and_a_refusal_is_reported() {
    for test_db in testing::backends().await {
        let core = core(test_db.db.clone());
        let logging = &core.logging;
        let settings = settings();
        for n in 0..200 {
            let deletion = GuildEvent::MessageDeleted {
                guild: GUILD,
                channel: GENERAL,
                id: MessageId::new(1_000 + n),
            };
            logging
                .observe(&deletion, &settings, &NoLookups)
                .await
                .unwrap();
        }
        let sink = RecordingSink::new();
        sink.fail_with(Some(EffectError::Unavailable("Discord is down".into())));
        let flushed = logging.flush(&sink).await.unwrap();
        assert_eq!((flushed.stored, flushed.retrying), (200, 200));
        assert_eq!(logging.pending(), 200, "kept for the next flush");
        sink.fail_with(None);
        sink.take();
        let flushed = logging.flush(&sink).await.unwrap();
        assert_eq!(flushed.stored, 0, "stored once, not twice");
        assert_eq!((flushed.posts, flushed.posted), (20, 200));
        assert_eq!(
            crate::logging::store::count(&test_db.db, GUILD)
                .await
                .unwrap(),
            200
        );
        // The channel refuses: the entries are stored, the failure is shown.
        logging
            .observe(
                &GuildEvent::MessageDeleted {
                    guild: GUILD,
                    channel: GENERAL,
                    id: MessageId::new(5),
                },
                &settings,
                &NoLookups,
            )
            .await
            .unwrap();
        sink.fail_with(Some(EffectError::Refused("Missing Access".into())));
        let flushed = logging.flush(&sink).await.unwrap();
        assert_eq!(flushed.refused, 1);
        let failures = logging.failures(GUILD);
        assert_eq!(failures.len(), 1);
        assert_eq!(failures[0].channel, LOG);
        assert!(failures[0].error.contains("Missing Access"));
        assert_eq!(logging.pending(), 0);
    }
}

#[tokio::test]
async fn role_changes_are_told_in_words_and_the_tier_limits_log_channels() {
    let test_db = testing::sqlite_unmigrated().await;
    test_db.db.migrate().await.unwrap();
    let core = core(test_db.db.clone());
    let logging = &core.logging;
    let settings = settings();
    let role = RoleShape {
        id: RoleId::new(7),
        name: "Helpers".into(),
        colour: 0,
        permissions: Permissions::SEND_MESSAGES,
        position: 2,
        hoist: false,
        mentionable: false,
        managed: false,
    };
    let available = GuildEvent::Available {
        guild: GUILD,
        voice: &[],
        threads: &[],
        pending: &[],
        roles: std::slice::from_ref(&role),
        channels: &[],
    };
    logging
        .observe(&available, &settings, &NoLookups)
        .await
        .unwrap();
    let changed = RoleShape {
        permissions: Permissions::SEND_MESSAGES | Permissions::BAN_MEMBERS,
        ..role.clone()
    };
    let event = GuildEvent::RoleChanged {
        guild: GUILD,
        role: role.id,
        after: Some(&changed),
    };
    logging
        .observe(&event, &settings, &NoLookups)
        .await
        .unwrap();
    let sink = RecordingSink::new();
    logging.flush(&sink).await.unwrap();
    let messages = posted(&sink);
    assert_eq!(messages[0].embeds[0].title.as_deref(), Some("Role changed"));
    assert_eq!(
        field(&messages[0].embeds[0], "Changes"),
        "Granted: Ban Members"
    );

    // A free guild posts to at most three distinct channels; the rest are paused.
    let mut many = settings.clone();
    many.logging.members_channel = Some(ChannelId::new(21));
    many.logging.voice_channel = Some(ChannelId::new(22));
    many.logging.moderation_channel = Some(ChannelId::new(23));
    assert_eq!(
        logging.paused_categories(GUILD, &many.logging),
        [Category::Moderation]
    );
}

#[tokio::test]
async fn erasing_a_member_removes_their_text_and_pages_read_both_ways() {
    for test_db in testing::backends().await {
        let core = core(test_db.db.clone());
        let logging = &core.logging;
        let settings = settings();
        core.recent_messages
            .record(GUILD, stored(1, GENERAL, ANN, "my address is 1 Main St"));
        core.recent_messages.flush().await.unwrap();
        logging
            .observe(
                &GuildEvent::MessageDeleted {
                    guild: GUILD,
                    channel: GENERAL,
                    id: MessageId::new(1),
                },
                &settings,
                &NoLookups,
            )
            .await
            .unwrap();
        for n in 0..30 {
            logging
                .observe(
                    &GuildEvent::MessageDeleted {
                        guild: GUILD,
                        channel: GENERAL,
                        id: MessageId::new(100 + n),
                    },
                    &settings,
                    &NoLookups,
                )
                .await
                .unwrap();
        }
        logging.flush(&RecordingSink::new()).await.unwrap();
        // Pages: newest, older, oldest, newer.
        let filter = EventFilter::default();
        let first = logging
            .events(GUILD, &filter, Page::Newest, 10)
            .await
            .unwrap();
        assert!(!first.newer && first.older);
        let second = logging
            .events(GUILD, &filter, Page::Before(first.events[9].id), 10)
            .await
            .unwrap();
        assert!(second.newer && second.older);
        assert!(second.events[0].id < first.events[9].id);
        let last = logging
            .events(GUILD, &filter, Page::Oldest, 10)
            .await
            .unwrap();
        assert!(last.newer && !last.older);
        assert_eq!(last.events.len(), 10);
        let back = logging
            .events(GUILD, &filter, Page::After(last.events[0].id), 10)
            .await
            .unwrap();
        assert!(back.events.iter().all(|event| event.id > last.events[0].id));
        // By member: only Ann's deleted message.
        let anns = logging
            .events(
                GUILD,
                &EventFilter {
                    member: Some(ANN),
                    ..EventFilter::default()
                },
                Page::Newest,
                50,
            )
            .await
            .unwrap();
        assert_eq!(anns.events.len(), 1);
        assert_eq!(
            field_of(&anns.events[0].entry, "Content"),
            "my address is 1 Main St"
        );

        let (messages, events) = logging.erase_member(Some(GUILD), ANN).await.unwrap();
        assert_eq!((messages, events), (1, 1));
        let anns = logging
            .events(
                GUILD,
                &EventFilter {
                    member: Some(ANN),
                    ..EventFilter::default()
                },
                Page::Newest,
                50,
            )
            .await
            .unwrap();
        assert_eq!(
            field_of(&anns.events[0].entry, "Content"),
            crate::logging::privacy::ERASED
        );
        assert!(
            core.recent_messages
                .find(GUILD, MessageId::new(1))
                .await
                .unwrap()
                .is_none()
        );
    }
}

fn field_of<'a>(entry: &'a LogEntry, name: &str) -> &'a str {
    entry
        .fields
        .iter()
        .find(|field| field.name == name)
        .map_or("", |field| field.value.as_str())
}

#[tokio::test]
async fn a_time_filter_returns_exactly_the_events_of_its_range() {
    for test_db in testing::backends().await {
        let hour = 3_600_000;
        let entries: Vec<LogEntry> = (0..48)
            .map(|n| {
                LogEntry::new(
                    GUILD,
                    UnixMillis(START.0 + n * hour),
                    LogKind::MemberJoined,
                    format!("hour {n}"),
                )
            })
            .collect();
        store::write(&test_db.db, &entries).await.unwrap();
        let filter = EventFilter {
            since: Some(UnixMillis(START.0 + 10 * hour)),
            until: Some(UnixMillis(START.0 + 20 * hour)),
            ..EventFilter::default()
        };
        let page = store::page(&test_db.db, GUILD, &filter, Page::Newest, 50)
            .await
            .unwrap();
        let hours: Vec<String> = page
            .events
            .iter()
            .map(|e| e.entry.summary.clone())
            .collect();
        assert_eq!(hours.len(), 10, "{hours:?}");
        assert_eq!(hours[0], "hour 19");
        assert_eq!(hours[9], "hour 10");
        let oldest = store::page(&test_db.db, GUILD, &filter, Page::Oldest, 3)
            .await
            .unwrap();
        assert_eq!(oldest.events[2].entry.summary, "hour 10");
        assert!(oldest.newer && !oldest.older);
        let empty = EventFilter {
            since: Some(UnixMillis(START.0 + 100 * hour)),
            ..EventFilter::default()
        };
        assert!(
            store::page(&test_db.db, GUILD, &empty, Page::Newest, 50)
                .await
                .unwrap()
                .events
                .is_empty()
        );
    }
}
