//! Event logs end to end: the real `guildhall serve` against the stand-in. An edit and a
//! deletion post the old and new text to the message log, and a moderator's deletion names them
//! as the audit log's best guess; a role change posts the permissions granted in words; a purge
//! posts one entry with a transcript; a burst of 200 deletions is posted in batches with none
//! lost while another guild's `/ping` is answered as usual; a member alone in voice past the
//! AFK limit is moved to the AFK channel.

use std::time::{Duration, Instant};

use guildhall_core::ids::{ChannelId, MessageId};
use guildhall_core::permissions::Permissions;
use guildhall_core::testing;
use guildhall_sandbox::Seed;
use guildhall_sandbox::model::ChannelKind;
use guildhall_sandbox::record::RecordedRequest;
use guildhall_sandbox::seed::small;
use serde_json::Value;

use crate::e2e::{Stack, WITHIN};

async fn serve(settings: &[(&str, String)]) -> Stack {
    let mut all: Vec<(guildhall_core::ids::GuildId, &str, &str)> =
        vec![(small::GUILD, "features.logging", "on")];
    for (key, value) in settings {
        all.push((small::GUILD, key, value.as_str()));
    }
    let stack = Stack::start_with(Seed::small(), &["serve"], &all).await;
    stack.ready().await;
    stack
}

/// The log posts to `channel` so far (bot messages with embeds), oldest first.
fn log_posts(stack: &Stack, channel: ChannelId) -> Vec<RecordedRequest> {
    let path = format!("/channels/{channel}/messages");
    stack
        .sandbox
        .requests()
        .into_iter()
        .filter(|r| r.method.as_str() == "POST" && r.path == path && r.status < 300)
        .filter(|r| {
            r.body
                .as_ref()
                .and_then(|body| body["embeds"].as_array())
                .is_some_and(|embeds| !embeds.is_empty())
        })
        .collect()
}

/// Every embed posted to `channel` with this title.
fn embeds(stack: &Stack, channel: ChannelId, title: &str) -> Vec<Value> {
    log_posts(stack, channel)
        .iter()
        .flat_map(|post| {
            post.body.as_ref().unwrap()["embeds"]
                .as_array()
                .unwrap()
                .clone()
        })
        .filter(|embed| embed["title"] == title)
        .collect()
}

fn field<'a>(embed: &'a Value, name: &str) -> &'a str {
    embed["fields"]
        .as_array()
        .and_then(|fields| fields.iter().find(|f| f["name"] == name))
        .and_then(|f| f["value"].as_str())
        .unwrap_or_default()
}

async fn wait_for_embeds(
    stack: &Stack,
    channel: ChannelId,
    title: &str,
    count: usize,
) -> Vec<Value> {
    testing::wait_for(
        &format!("{count} `{title}` log entries"),
        WITHIN,
        || async {
            let found = embeds(stack, channel, title);
            (found.len() >= count).then_some(found)
        },
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_and_a_deletion_post_the_old_and_new_text_and_who_deleted() {
    let stack = serve(&[("logging.messages_channel", small::MOD_LOG.to_string())]).await;
    let sandbox = &stack.sandbox;
    let first = sandbox.say(
        small::GUILD,
        small::GENERAL,
        small::MEMBER_A,
        "the meeting is at 5",
    );
    // Edited at once: the old text comes from the queue of the message store.
    sandbox.edit(small::GENERAL, first, "the meeting is at 6");
    let edits = wait_for_embeds(&stack, small::MOD_LOG, "Message edited", 1).await;
    assert_eq!(
        field(&edits[0], "Before"),
        "the meeting is at 5",
        "{}",
        edits[0]
    );
    assert_eq!(field(&edits[0], "After"), "the meeting is at 6");
    assert!(
        edits[0]["description"]
            .as_str()
            .unwrap()
            .contains("edited a message in #general"),
        "{}",
        edits[0]
    );

    // The author deletes their own message: Discord writes no audit entry, nobody is named.
    let second = sandbox.say(
        small::GUILD,
        small::GENERAL,
        small::MEMBER_A,
        "oops, wrong channel",
    );
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    sandbox.delete(small::GENERAL, second);
    // A moderator deletes the edited one a moment later. (Two deletions of one author's
    // messages in one channel within the same instant cannot be told apart: Discord's audit
    // entry names no message. That is why the log calls it a best guess.)
    wait_for_embeds(&stack, small::MOD_LOG, "Message deleted", 1).await;
    tokio::time::sleep(Duration::from_millis(1_200)).await;
    sandbox.delete_as(small::GENERAL, first, small::MOD_A);
    let deletions = wait_for_embeds(&stack, small::MOD_LOG, "Message deleted", 2).await;
    let own = deletions
        .iter()
        .find(|e| field(e, "Content") == "oops, wrong channel")
        .unwrap_or_else(|| panic!("{deletions:?}"));
    assert!(field(own, "Deleted by").contains("the author"), "{own}");
    let moderated = deletions
        .iter()
        .find(|e| field(e, "Content") == "the meeting is at 6")
        .unwrap_or_else(|| panic!("{deletions:?}"));
    let guess = field(moderated, "Deleted by (best guess)");
    assert!(
        guess.contains(&format!("<@{}>", small::MOD_A)),
        "{moderated}"
    );
    assert!(
        moderated["footer"]["text"]
            .as_str()
            .unwrap_or_default()
            .contains("best guess"),
        "{moderated}"
    );
    // The log viewer's store has both, the moderator's marked as a guess.
    let filter = guildhall_core::logging::EventFilter {
        kinds: vec![guildhall_core::logging::LogKind::MessageDeleted],
        ..Default::default()
    };
    let stored = testing::wait_for("both deletions stored", WITHIN, || async {
        let page = guildhall_core::logging::store::page(
            &stack.test_db.db,
            small::GUILD,
            &filter,
            guildhall_core::logging::Page::Newest,
            50,
        )
        .await
        .unwrap();
        (page.events.len() == 2).then_some(page)
    })
    .await;
    assert!(
        stored
            .events
            .iter()
            .any(|event| event.entry.actor == Some(small::MOD_A) && event.entry.actor_guessed)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_role_change_posts_the_permissions_in_words_and_a_purge_one_entry_with_its_transcript() {
    let stack = serve(&[
        ("logging.roles_channel", small::MOD_LOG.to_string()),
        ("logging.messages_channel", small::MOD_LOG.to_string()),
    ])
    .await;
    let sandbox = &stack.sandbox;
    sandbox.update_role(small::GUILD, small::MEMBER_ROLE, |role| {
        role.permissions |= Permissions::KICK_MEMBERS | Permissions::BAN_MEMBERS;
        role.name = "Regulars".into();
    });
    let changes = wait_for_embeds(&stack, small::MOD_LOG, "Role changed", 1).await;
    let words = field(&changes[0], "Changes");
    assert!(
        words.contains("Granted: Kick Members, Ban Members"),
        "{words}"
    );
    assert!(words.contains("→ Regulars"), "{words}");

    let ids: Vec<MessageId> = (0..5)
        .map(|n| {
            sandbox.say(
                small::GUILD,
                small::GENERAL,
                small::MEMBER_B,
                &format!("spam line {n}"),
            )
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    sandbox.bulk_delete(small::GENERAL, &ids, small::OWNER);
    let purges = wait_for_embeds(&stack, small::MOD_LOG, "Messages bulk deleted", 1).await;
    assert!(
        purges[0]["description"]
            .as_str()
            .unwrap()
            .starts_with("5 messages were deleted at once"),
        "{}",
        purges[0]
    );
    let post = log_posts(&stack, small::MOD_LOG)
        .into_iter()
        .find(|post| !post.parts.is_empty())
        .expect("the purge's post carries its transcript as a file");
    let file = post
        .parts
        .iter()
        .find(|part| part.filename.is_some())
        .expect("a file part");
    assert!(
        file.filename
            .as_deref()
            .unwrap()
            .starts_with("deleted-messages-")
    );
    for n in 0..5 {
        assert!(
            file.text.contains(&format!("spam line {n}")),
            "{}",
            file.text
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_200_deletions_is_batched_and_another_guilds_ping_is_not_held_up() {
    let stack = Stack::start_with(
        Seed::two_guilds(),
        &["serve"],
        &[
            (small::GUILD, "features.logging", "on"),
            (
                small::GUILD,
                "logging.messages_channel",
                &small::MOD_LOG.to_string(),
            ),
        ],
    )
    .await;
    stack.sandbox.wait_for_sessions(1, WITHIN).await;
    stack.guilds_stored(2).await;
    let sandbox = &stack.sandbox;
    // Another guild's /ping before the flood: its usual time.
    let ping = |sandbox: &guildhall_sandbox::Sandbox| {
        sandbox.slash(
            small::OTHER_GUILD,
            small::OTHER_GENERAL,
            small::OTHER_OWNER,
            "ping",
            vec![],
        )
    };
    let before = ping(sandbox);
    sandbox.interaction_response(&before, WITHIN).await;
    let usual = sandbox.interaction_ack_delay(before.id).expect("answered");

    let ids: Vec<MessageId> = (0..200)
        .map(|n| {
            sandbox.say(
                small::GUILD,
                small::GENERAL,
                small::MEMBER_C,
                &format!("raid message {n}"),
            )
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    let started = Instant::now();
    for (n, id) in ids.iter().enumerate() {
        sandbox.delete(small::GENERAL, *id);
        if n == 100 {
            // In the middle of the flood.
            let during = ping(sandbox);
            sandbox.interaction_response(&during, WITHIN).await;
            let delay = sandbox.interaction_ack_delay(during.id).expect("answered");
            eprintln!("another guild's /ping: {usual:?} before the flood, {delay:?} during it");
        }
    }
    let logged = testing::wait_for("200 deletions logged", Duration::from_secs(60), || async {
        let found = embeds(&stack, small::MOD_LOG, "Message deleted");
        (found.len() >= 200).then_some(found)
    })
    .await;
    let posts = log_posts(&stack, small::MOD_LOG).len();
    eprintln!(
        "200 deletions: {} entries in {posts} posts, all posted {:?} after the first deletion",
        logged.len(),
        started.elapsed()
    );
    assert_eq!(logged.len(), 200, "every deletion is logged once");
    let mut contents: Vec<String> = logged
        .iter()
        .map(|e| field(e, "Content").to_owned())
        .collect();
    contents.sort();
    contents.dedup();
    assert_eq!(contents.len(), 200, "none is lost or repeated");
    assert!(posts <= 60, "batched: {posts} posts for 200 entries");
    for post in log_posts(&stack, small::MOD_LOG) {
        let count = post.body.as_ref().unwrap()["embeds"]
            .as_array()
            .unwrap()
            .len();
        assert!(count <= 10, "Discord's limit of 10 embeds a message");
    }
    assert!(
        sandbox.unacknowledged_interactions().is_empty(),
        "every /ping was answered in time"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_alone_in_voice_past_the_afk_limit_is_moved_to_the_afk_channel() {
    let sandbox = guildhall_sandbox::Sandbox::start(Seed::small())
        .await
        .expect("start the stand-in");
    let afk = sandbox.create_channel(small::GUILD, "afk", ChannelKind::Voice);
    let afk_text = afk.to_string();
    let voice_log = small::MOD_LOG.to_string();
    let all = [
        (small::GUILD, "features.logging", "on"),
        (small::GUILD, "logging.voice_channel", voice_log.as_str()),
        (small::GUILD, "logging.afk_action", "move"),
        (small::GUILD, "logging.afk_channel", afk_text.as_str()),
        (small::GUILD, "logging.afk_alone_secs", "10"),
    ];
    let stack = Stack::on_configured_then(sandbox, &["serve"], &[], &all, |_| async {}).await;
    stack.ready().await;
    let sandbox = &stack.sandbox;
    let joined = Instant::now();
    sandbox.voice_join(small::GUILD, small::VOICE, small::MEMBER_A);
    let moved = sandbox
        .expect(
            |r| {
                r.method.as_str() == "PATCH"
                    && r.path == format!("/guilds/{}/members/{}", small::GUILD, small::MEMBER_A)
                    && r.body.as_ref().is_some_and(|b| b["channel_id"] == afk_text)
            },
            Duration::from_secs(40),
        )
        .await;
    assert!(moved.status < 300, "{}", moved.summary());
    let waited = joined.elapsed();
    assert!(
        waited >= Duration::from_secs(10),
        "not before the limit: {waited:?}"
    );
    eprintln!("moved to the AFK channel {waited:?} after joining alone (limit 10 s)");
    assert_eq!(
        sandbox.voice_channel_of(small::GUILD, small::MEMBER_A),
        Some(afk)
    );
    let entries = wait_for_embeds(&stack, small::MOD_LOG, "AFK in voice", 1).await;
    assert!(
        entries[0]["description"]
            .as_str()
            .unwrap()
            .contains("moved to the AFK channel"),
        "{}",
        entries[0]
    );
    // Once in the AFK channel, nothing more happens to them.
    sandbox
        .assert_none(
            |r| {
                r.method.as_str() == "PATCH"
                    && r.path.ends_with(&format!("/members/{}", small::MEMBER_A))
                    && r.at > moved.at
            },
            Duration::from_secs(12),
        )
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_join_names_the_invite_it_came_through_and_the_account_age() {
    let sandbox = guildhall_sandbox::Sandbox::start(Seed::small())
        .await
        .expect("start the stand-in");
    // Reading invites needs Manage Server.
    sandbox.update_role(small::GUILD, small::GUILDHALL_ROLE, |role| {
        role.permissions |= Permissions::MANAGE_GUILD;
    });
    let code = sandbox.create_invite(small::GUILD, small::GENERAL, small::MOD_A);
    sandbox.create_invite(small::GUILD, small::GENERAL, small::OWNER);
    let log = small::MOD_LOG.to_string();
    let settings = [
        (small::GUILD, "features.logging", "on"),
        (small::GUILD, "logging.members_channel", log.as_str()),
    ];
    let stack = Stack::on_configured_then(sandbox, &["serve"], &[], &settings, |_| async {}).await;
    stack.ready().await;
    // The invites were read when the guild arrived; give that read a moment.
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    let newcomer = stack.sandbox.member_join_via(
        small::GUILD,
        guildhall_sandbox::UserSpec::named("newcomer"),
        &code,
    );
    let joins = wait_for_embeds(&stack, small::MOD_LOG, "Member joined", 1).await;
    let invite = field(&joins[0], "Invite");
    assert!(invite.contains(&format!("`{code}`")), "{invite}");
    assert!(invite.contains("(1 uses)"), "{invite}");
    assert!(
        field(&joins[0], "Account age").contains("a new account"),
        "{}",
        joins[0]
    );
    assert!(field(&joins[0], "Member").contains(&newcomer.to_string()));
    // They leave: the leave is logged too.
    stack.sandbox.member_leave(small::GUILD, newcomer);
    let leaves = wait_for_embeds(&stack, small::MOD_LOG, "Member left", 1).await;
    assert!(
        leaves[0]["description"]
            .as_str()
            .unwrap()
            .contains("newcomer left"),
        "{}",
        leaves[0]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_lists_stored_events_with_filters_and_prints_stats_with_sparklines() {
    use guildhall_core::analytics::{Activity, aggregate};
    use guildhall_core::clock::UnixMillis;
    use guildhall_core::logging::{LogEntry, LogKind, store};

    use crate::support::{guildhall, json, stdout};

    let dir = tempfile::tempdir().unwrap();
    let test_db = testing::sqlite_unmigrated().await;
    test_db.db.migrate().await.unwrap();
    let db = &test_db.db;
    let now = UnixMillis::from_system_time(std::time::SystemTime::now());
    guildhall_core::guilds::upsert(db, small::GUILD, "Small Guild", Some(small::OWNER), now)
        .await
        .unwrap();
    let entries: Vec<LogEntry> = (0..5)
        .map(|n| {
            LogEntry::new(
                small::GUILD,
                UnixMillis(now.0 - 60_000 * (5 - n)),
                if n % 2 == 0 {
                    LogKind::MessageDeleted
                } else {
                    LogKind::MemberJoined
                },
                format!("event {n}"),
            )
            .about(small::MEMBER_A)
        })
        .collect();
    store::write(db, &entries).await.unwrap();
    let guild = small::GUILD.to_string();
    let listed = guildhall(&test_db.url, dir.path())
        .args([
            "--json",
            "logs",
            "events",
            "--guild",
            &guild,
            "--kind",
            "message_deleted",
        ])
        .output()
        .unwrap();
    assert!(listed.status.success(), "{listed:?}");
    let listed = json(&listed);
    let listed = listed.as_array().expect("a list");
    assert_eq!(listed.len(), 3);
    assert_eq!(listed[0]["summary"], "event 4", "newest first");
    let text = guildhall(&test_db.url, dir.path())
        .args(["logs", "events", "--guild", &guild, "--limit", "2"])
        .output()
        .unwrap();
    assert!(text.status.success(), "{text:?}");
    let text = stdout(&text);
    assert!(
        text.contains("event 4") && text.contains("event 3") && !text.contains("event 2"),
        "{text}"
    );
    assert!(text.contains("--before"), "says how to read on: {text}");
    let refused = guildhall(&test_db.url, dir.path())
        .args(["logs", "events", "--guild", &guild, "--kind", "deleted"])
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("message_deleted"),
        "{refused:?}"
    );

    // Stats: a week of messages, rolled up, printed with a sparkline.
    let activity = Activity::new(db.clone());
    for day in 0..7 {
        for n in 0..=day {
            activity.message(
                small::GUILD,
                small::GENERAL,
                small::MEMBER_A,
                UnixMillis(now.0 - (6 - day) * 86_400_000 - n),
            );
        }
    }
    activity.flush().await.unwrap();
    for day in 0..7 {
        aggregate::aggregate_day(
            db,
            small::GUILD,
            guildhall_core::analytics::day_start(UnixMillis(now.0 - day * 86_400_000)),
        )
        .await
        .unwrap();
    }
    let stats = guildhall(&test_db.url, dir.path())
        .args(["stats", "--guild", &guild, "--since", "7d"])
        .output()
        .unwrap();
    assert!(stats.status.success(), "{stats:?}");
    let printed = stdout(&stats);
    assert!(printed.contains("the last 7 days"), "{printed}");
    let messages = printed
        .lines()
        .find(|line| line.starts_with("Messages"))
        .unwrap();
    assert!(messages.contains("28"), "{messages}");
    assert!(
        messages.contains("▂▃▄▅▆▇█"),
        "a sparkline rising day by day: {messages}"
    );
    let refused = guildhall(&test_db.url, dir.path())
        .args(["stats", "--guild", &guild, "--since", "a week"])
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("any 1d to 365d"));
}
