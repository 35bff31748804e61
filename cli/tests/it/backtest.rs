//! The recent-message store and automod backtests end to end: the real binary stores a guild's
//! messages only once the guild turned the store on, and `automod backtest` replays them through
//! a rule that is still off.

use std::time::Duration;

use guildhall_core::ids::{GuildId, MessageId};
use guildhall_core::recent_messages::store;
use guildhall_core::testing;
use guildhall_sandbox::Seed;
use guildhall_sandbox::seed::small;

use crate::e2e::{Stack, WITHIN};
use crate::support::{guildhall, json, stderr};

fn set(stack: &Stack, guild: GuildId, key: &str, value: &str) {
    let output = guildhall(&stack.test_db.url, stack.dir.path())
        .args(["config", "set", "--guild", &guild.to_string(), key, value])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
}

async fn stored(stack: &Stack, guild: GuildId, message: MessageId) -> bool {
    store::get(&stack.test_db.db, guild, message)
        .await
        .unwrap()
        .is_some()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backtest_replays_stored_messages_through_a_rule_that_is_still_off() {
    let stack = Stack::start(Seed::two_guilds(), &["serve"], &[]).await;
    stack.sandbox.wait_for_sessions(1, WITHIN).await;
    stack.guilds_stored(2).await;
    set(
        &stack,
        small::GUILD,
        "recent_messages.store_recent_messages",
        "on",
    );
    // Configured but off; moderators are exempt.
    set(
        &stack,
        small::GUILD,
        "automod.bad_words",
        &format!(
            r#"{{"enabled": false, "words": ["scam"], "exempt_roles": ["{}"]}}"#,
            small::MOD_ROLE
        ),
    );
    // The running bot picks the store up within its settings sync (a probe message until one
    // is stored; each gets more than a flush interval).
    testing::wait_for("the store to take messages", WITHIN, || async {
        let probe = stack
            .sandbox
            .say(small::GUILD, small::GENERAL, small::MEMBER_C, "probe");
        for _ in 0..30 {
            if stored(&stack, small::GUILD, probe).await {
                return Some(());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        None
    })
    .await;

    // The other guild never turned the store on.
    let elsewhere = stack.sandbox.say(
        small::OTHER_GUILD,
        small::OTHER_GENERAL,
        small::OTHER_OWNER,
        "a scam in the other guild",
    );
    let said = [
        (small::MEMBER_A, "hello everyone"),
        (small::MEMBER_A, "that link is a scam"),
        (small::MEMBER_B, "SCAM alert, do not click"),
        (small::MEMBER_C, "nice weather today"),
        (small::MEMBER_A, "another scam right here"),
        (small::MOD_A, "reporting a scam is fine for moderators"),
    ];
    let ids: Vec<MessageId> = said
        .iter()
        .map(|(author, text)| {
            stack
                .sandbox
                .say(small::GUILD, small::GENERAL, *author, text)
        })
        .collect();
    testing::wait_for("every message stored", WITHIN, || async {
        for id in &ids {
            if !stored(&stack, small::GUILD, *id).await {
                return None;
            }
        }
        Some(())
    })
    .await;
    let member_a = store::get(&stack.test_db.db, small::GUILD, ids[1])
        .await
        .unwrap()
        .unwrap();
    assert_eq!(member_a.content, "that link is a scam");
    assert_eq!(member_a.author, small::MEMBER_A);
    assert_eq!(member_a.channel, small::GENERAL);
    assert!(!stored(&stack, small::OTHER_GUILD, elsewhere).await);
    assert_eq!(
        store::count(&stack.test_db.db, small::OTHER_GUILD)
            .await
            .unwrap(),
        0,
        "nothing is stored for a guild with the store off"
    );

    let total = store::count(&stack.test_db.db, small::GUILD).await.unwrap();
    let guild = small::GUILD.to_string();
    let report = stack.cli(&[
        "--json",
        "automod",
        "backtest",
        "--guild",
        &guild,
        "--rule",
        "bad_words",
        "--days",
        "7",
    ]);
    assert_eq!(report["rule"], "bad_words", "{report}");
    assert_eq!(report["rule_enabled"], false);
    assert_eq!(report["store_recent_messages"], true);
    let scanned = report["messages_scanned"].as_i64().unwrap();
    let bots = report["bot_messages_skipped"].as_i64().unwrap();
    assert_eq!(scanned + bots, total, "every stored message is replayed");
    assert!(scanned > ids.len() as i64, "the probe too: {report}");
    assert_eq!(report["messages_hit"], 3, "{report}");
    assert_eq!(report["members_hit"], 2, "{report}");
    let examples = report["examples"].as_array().unwrap();
    let hit_ids: Vec<&str> = examples
        .iter()
        .map(|hit| hit["message"].as_str().unwrap())
        .collect();
    assert_eq!(
        hit_ids,
        [ids[1], ids[2], ids[4]].map(|id| id.to_string()),
        "oldest first; the moderator is exempt"
    );
    assert_eq!(examples[1]["author"], small::MEMBER_B.to_string());
    assert_eq!(examples[1]["reason"], "blocked word \"scam\"");

    // The readable form names the rule and the counts.
    let text = guildhall(&stack.test_db.url, stack.dir.path())
        .args([
            "automod",
            "backtest",
            "--guild",
            &guild,
            "--rule",
            "bad_words",
        ])
        .output()
        .unwrap();
    let shown = String::from_utf8_lossy(&text.stdout);
    assert!(
        shown.contains("rule bad_words (off in guild")
            && shown.contains("3 would be hit, from 2 member(s)"),
        "{shown}"
    );

    // A guild that does not store messages and has none is told how to turn the store on.
    let other = small::OTHER_GUILD.to_string();
    let off = guildhall(&stack.test_db.url, stack.dir.path())
        .args([
            "automod",
            "backtest",
            "--guild",
            &other,
            "--rule",
            "bad_words",
        ])
        .output()
        .unwrap();
    assert_eq!(off.status.code(), Some(1), "{off:?}");
    assert!(
        stderr(&off).contains(&format!(
            "guild {other} does not store recent messages; turn it on with `guildhall config set --guild {other} recent_messages.store_recent_messages true`"
        )),
        "{off:?}"
    );
}

#[tokio::test]
async fn backtest_refuses_an_unknown_rule_and_days_out_of_range() {
    let dir = tempfile::tempdir().unwrap();
    let test_db = testing::sqlite_unmigrated().await;
    test_db.db.migrate().await.unwrap();
    let run = |args: &[&str]| {
        guildhall(&test_db.url, dir.path())
            .args(args)
            .output()
            .unwrap()
    };
    let guild = small::GUILD.to_string();
    let unknown = run(&[
        "automod", "backtest", "--guild", &guild, "--rule", "swearing",
    ]);
    assert_eq!(unknown.status.code(), Some(1));
    assert!(
        stderr(&unknown).contains(
            "unknown automod rule `swearing`; this guild's rules are: spam (off), duplicates (off)"
        ),
        "{unknown:?}"
    );
    let too_far = run(&[
        "automod", "backtest", "--guild", &guild, "--rule", "spam", "--days", "31",
    ]);
    assert_eq!(too_far.status.code(), Some(2));
    assert!(stderr(&too_far).contains("1..=30"), "{too_far:?}");

    // The store on, but nothing stored yet: an empty report, not an error.
    let on = run(&[
        "config",
        "set",
        "--guild",
        &guild,
        "recent_messages.store_recent_messages",
        "true",
    ]);
    assert!(on.status.success(), "{on:?}");
    let empty = run(&[
        "--json", "automod", "backtest", "--guild", &guild, "--rule", "caps",
    ]);
    assert!(empty.status.success(), "{empty:?}");
    assert_eq!(json(&empty)["messages_scanned"], 0);
    assert_eq!(json(&empty)["note"], serde_json::Value::Null);
}
