//! Giveaways end to end: the real binary, the stand-in, the REST calls Discord receives.
//! Entries are checked and unique, the draw skips members who left, an unclaimed prize is
//! rerolled on time and a manual reroll replaces one slot, a restart between the end and the
//! draw draws exactly once, and `guildhall giveaways verify` checks draws (and catches a tampered
//! export).

use std::time::Duration;

use guildhall_core::ids::UserId;
use guildhall_core::testing;
use guildhall_sandbox::seed::small;
use guildhall_sandbox::{Sandbox, Seed, SlashOption};
use serde_json::Value;

use crate::e2e::{Stack, WITHIN};
use crate::support::guildhall;

/// Long enough for a 10-second giveaway to end and be drawn on a busy machine.
const DRAWN_WITHIN: Duration = Duration::from_secs(60);

/// Starts `serve` with these settings of the small guild set first.
async fn serve_with(settings: &[(&str, &str)]) -> Stack {
    let sandbox = Sandbox::start(Seed::small()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let test_db = testing::sqlite_unmigrated().await;
    test_db.db.migrate().await.unwrap();
    let guild = small::GUILD.to_string();
    for (key, value) in [("features.giveaways", "on")].iter().chain(settings.iter()) {
        let output = guildhall(&test_db.url, dir.path())
            .args(["config", "set", "--guild", &guild, key, value])
            .output()
            .unwrap();
        assert!(output.status.success(), "{key} = {value}: {output:?}");
    }
    let child = Stack::spawn(&sandbox, &test_db, dir.path(), &["serve"], &[]);
    let stack = Stack {
        sandbox,
        test_db,
        dir,
        child,
    };
    stack.ready().await;
    stack
}

/// `/giveaway start` by the owner in #general; returns the giveaway's id and its message.
async fn start(
    stack: &Stack,
    options: Vec<SlashOption>,
) -> (i64, guildhall_sandbox::model::Message) {
    let interaction = stack.sandbox.slash(
        small::GUILD,
        small::GENERAL,
        small::OWNER,
        "giveaway",
        vec![SlashOption::sub("start", options)],
    );
    let answer = stack
        .sandbox
        .interaction_response(&interaction, WITHIN)
        .await;
    assert!(answer.ephemeral);
    assert!(
        answer.content.starts_with("Giveaway #"),
        "{}",
        answer.content
    );
    let id: i64 = answer.content["Giveaway #".len()..]
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let enter = format!("giveaways:enter:{id}");
    let message = testing::wait_for("the giveaway message", WITHIN, || async {
        stack
            .sandbox
            .messages(small::GENERAL)
            .into_iter()
            .find(|message| custom_ids(message).contains(&enter))
    })
    .await;
    (id, message)
}

fn custom_ids(message: &guildhall_sandbox::model::Message) -> Vec<String> {
    message
        .components
        .iter()
        .flat_map(|row| row["components"].as_array().cloned().unwrap_or_default())
        .filter_map(|component| component["custom_id"].as_str().map(str::to_owned))
        .collect()
}

/// A member presses a button of `message`; returns the bot's private answer.
async fn press(
    stack: &Stack,
    user: UserId,
    message: &guildhall_sandbox::model::Message,
    custom_id: &str,
) -> guildhall_sandbox::InteractionResponse {
    let click = stack
        .sandbox
        .click(small::GUILD, small::GENERAL, user, message.id, custom_id);
    let answer = stack.sandbox.interaction_response(&click, WITHIN).await;
    assert!(answer.ephemeral, "{}", answer.content);
    answer
}

async fn enter(stack: &Stack, id: i64, message: &guildhall_sandbox::model::Message, user: UserId) {
    let answer = press(stack, user, message, &format!("giveaways:enter:{id}")).await;
    assert!(
        answer.content.starts_with("You're in!"),
        "{}",
        answer.content
    );
}

fn cli(stack: &Stack, args: &[&str]) -> Value {
    let mut all = vec!["--json", "giveaway"];
    all.extend_from_slice(args);
    stack.cli(&all)
}

fn show(stack: &Stack, id: i64) -> Value {
    cli(
        stack,
        &[
            "show",
            "--guild",
            &small::GUILD.to_string(),
            &id.to_string(),
        ],
    )
}

/// Waits until the giveaway is drawn (ended) and returns its detail.
async fn drawn(stack: &Stack, id: i64) -> Value {
    testing::wait_for("the draw", DRAWN_WITHIN, || async {
        let detail = show(stack, id);
        (detail["giveaway"]["state"] == "ended"
            && detail["slots"]
                .as_array()
                .is_some_and(|slots| !slots.is_empty()))
        .then_some(detail)
    })
    .await
}

fn winner(detail: &Value, slot: u32) -> Option<UserId> {
    detail["slots"]
        .as_array()
        .unwrap()
        .iter()
        .find(|entry| entry["slot"] == slot)
        .and_then(|entry| serde_json::from_value(entry["winner"].clone()).ok())
}

fn timeline_kinds(detail: &Value) -> Vec<String> {
    detail["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|event| event["kind"].as_str().unwrap().to_owned())
        .collect()
}

/// The bot's announcements with "Claim prize" buttons of giveaway `id`.
fn announcements(stack: &Stack, id: i64) -> Vec<guildhall_sandbox::model::Message> {
    let claim = format!("giveaways:claim:{id}:");
    stack
        .sandbox
        .messages(small::GENERAL)
        .into_iter()
        .filter(|message| {
            message.author == small::BOT
                && custom_ids(message)
                    .iter()
                    .any(|custom_id| custom_id.starts_with(&claim))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn entries_name_every_unmet_requirement_and_two_clicks_make_one_entry() {
    let stack = serve_with(&[]).await;
    let (id, message) = start(
        &stack,
        vec![
            SlashOption::string("prize", "Nitro"),
            SlashOption::string("duration", "1h"),
            SlashOption::integer("winners", 1),
            SlashOption::role("required_role", small::MEMBER_ROLE),
            SlashOption::integer("min_level", 5),
        ],
    )
    .await;

    // MEMBER_C has no role and levels are off: both requirements are named, privately.
    let refused = press(
        &stack,
        small::MEMBER_C,
        &message,
        &format!("giveaways:enter:{id}"),
    )
    .await;
    assert!(
        refused
            .content
            .starts_with("You cannot enter this giveaway:"),
        "{}",
        refused.content
    );
    assert!(refused.content.contains("@Member"), "{}", refused.content);
    assert!(refused.content.contains("level"), "{}", refused.content);
    assert_eq!(
        refused.content.matches("\n• ").count(),
        2,
        "{}",
        refused.content
    );

    // Two clicks of one member back to back, on a giveaway without requirements: one entry,
    // one "already entered" with a Leave button.
    let (second, message) = start(
        &stack,
        vec![
            SlashOption::string("prize", "Sticker pack"),
            SlashOption::string("duration", "1h"),
            SlashOption::integer("winners", 1),
        ],
    )
    .await;
    let custom_id_second = format!("giveaways:enter:{second}");
    let first = stack.sandbox.click(
        small::GUILD,
        small::GENERAL,
        small::MEMBER_A,
        message.id,
        &custom_id_second,
    );
    let again = stack.sandbox.click(
        small::GUILD,
        small::GENERAL,
        small::MEMBER_A,
        message.id,
        &custom_id_second,
    );
    let mut answers = vec![
        stack.sandbox.interaction_response(&first, WITHIN).await,
        stack.sandbox.interaction_response(&again, WITHIN).await,
    ];
    answers.sort_by(|a, b| a.content.cmp(&b.content));
    assert!(answers.iter().all(|answer| answer.ephemeral));
    assert!(
        answers[0].content.starts_with("You have already entered"),
        "{answers:?}"
    );
    assert!(
        answers[0].components.iter().any(|row| row
            .to_string()
            .contains(&format!("giveaways:leave:{second}"))),
        "{answers:?}"
    );
    assert!(answers[1].content.starts_with("You're in!"), "{answers:?}");
    let export = cli(
        &stack,
        &[
            "export",
            "--guild",
            &small::GUILD.to_string(),
            &second.to_string(),
        ],
    );
    let entries = export["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "{export}");
    assert_eq!(entries[0]["user"], small::MEMBER_A.to_string());
    let logged = export["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|event| event["kind"] == "entry")
        .count();
    assert_eq!(logged, 1, "{export}");

    // The operator cancels from the CLI: nobody wins and the seed is revealed.
    let cancelled = cli(
        &stack,
        &[
            "cancel",
            "--guild",
            &small::GUILD.to_string(),
            &id.to_string(),
        ],
    );
    assert_eq!(cancelled["state"], "cancelled");
    assert!(
        cancelled["seed"]
            .as_str()
            .is_some_and(|seed| seed.len() == 64)
    );
    let listed = cli(
        &stack,
        &[
            "list",
            "--guild",
            &small::GUILD.to_string(),
            "--state",
            "running",
        ],
    );
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
    assert_eq!(listed[0]["id"], second);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_draw_skips_a_member_who_left() {
    let stack = serve_with(&[]).await;
    let (id, message) = start(
        &stack,
        vec![
            SlashOption::string("prize", "Mug"),
            SlashOption::string("duration", "10s"),
            SlashOption::integer("winners", 3),
        ],
    )
    .await;
    for user in [small::MEMBER_A, small::MEMBER_B, small::MEMBER_C] {
        enter(&stack, id, &message, user).await;
    }
    stack.sandbox.member_leave(small::GUILD, small::MEMBER_C);

    // Three prizes, three entrants, one gone: the pool runs through everyone, so MEMBER_C is
    // certainly picked once, and disqualified for leaving.
    let detail = drawn(&stack, id).await;
    let winners: Vec<Option<UserId>> = (1..=3).map(|slot| winner(&detail, slot)).collect();
    assert!(!winners.contains(&Some(small::MEMBER_C)), "{detail}");
    assert!(winners.contains(&Some(small::MEMBER_A)), "{detail}");
    assert!(winners.contains(&Some(small::MEMBER_B)), "{detail}");
    assert!(winners.contains(&None), "{detail}");
    let export = cli(
        &stack,
        &[
            "export",
            "--guild",
            &small::GUILD.to_string(),
            &id.to_string(),
        ],
    );
    let disqualified: Vec<String> = export["draw_record"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|step| step["disqualified"].as_array().cloned().unwrap_or_default())
        .map(|user| user.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(disqualified, [small::MEMBER_C.to_string()], "{export}");
    assert!(
        export["steps"].to_string().contains("left"),
        "the reason is kept: {export}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manual_reroll_replaces_one_slot_with_a_new_winner_and_the_draw_verifies() {
    let stack = serve_with(&[]).await;
    let guild = small::GUILD.to_string();
    let (id, message) = start(
        &stack,
        vec![
            SlashOption::string("prize", "Hoodie"),
            SlashOption::string("duration", "10s"),
            SlashOption::integer("winners", 2),
        ],
    )
    .await;
    for user in [small::MEMBER_A, small::MEMBER_B, small::MOD_A, small::MOD_B] {
        enter(&stack, id, &message, user).await;
    }
    let before = drawn(&stack, id).await;
    let (first, second) = (winner(&before, 1).unwrap(), winner(&before, 2).unwrap());

    let requested = cli(
        &stack,
        &["reroll", "--guild", &guild, &id.to_string(), "--slot", "1"],
    );
    assert_eq!(requested["previous_winner"], first.to_string());
    let after = testing::wait_for("the reroll", DRAWN_WITHIN, || async {
        let detail = show(&stack, id);
        let slot = detail["slots"]
            .as_array()
            .unwrap()
            .iter()
            .find(|slot| slot["slot"] == 1)
            .cloned()
            .unwrap();
        (slot["attempt"] == 1).then_some(detail)
    })
    .await;
    let new = winner(&after, 1).unwrap();
    assert_ne!(new, first, "a previous winner never wins again: {after}");
    assert_ne!(new, second, "a previous winner never wins again: {after}");
    assert_eq!(
        winner(&after, 2),
        Some(second),
        "slot 2 is unchanged: {after}"
    );
    let slot_two = after["slots"]
        .as_array()
        .unwrap()
        .iter()
        .find(|slot| slot["slot"] == 2)
        .unwrap();
    assert_eq!(slot_two["attempt"], 0);
    assert!(
        timeline_kinds(&after).contains(&"reroll".to_owned()),
        "{after}"
    );
    // The new winner is pinged in the channel.
    testing::wait_for("the reroll announcement", WITHIN, || async {
        announcements(&stack, id)
            .into_iter()
            .find(|message| message.content.contains(&format!("<@{new}>")))
    })
    .await;

    // `verify` replays the draw from the database and prints each step.
    let verified = cli(&stack, &["verify", "--guild", &guild, &id.to_string()]);
    assert_eq!(verified["verified"], true, "{verified}");
    assert_eq!(verified["record"]["steps"].as_array().unwrap().len(), 3);

    // An export verifies offline; with one more entrant it does not, and says why.
    let file = stack.dir.path().join("export.json");
    let output = guildhall(&stack.test_db.url, stack.dir.path())
        .args([
            "giveaway",
            "export",
            "--guild",
            &guild,
            &id.to_string(),
            "--output",
            file.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let offline = guildhall(&stack.test_db.url, stack.dir.path())
        .args(["giveaway", "verify", "--file", file.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(offline.status.success(), "{offline:?}");
    assert!(String::from_utf8_lossy(&offline.stdout).contains("verified"));
    let mut export: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    export["draw_record"]["entrants"]
        .as_array_mut()
        .unwrap()
        .push(Value::String(small::MEMBER_C.to_string()));
    let tampered = stack.dir.path().join("tampered.json");
    std::fs::write(&tampered, export.to_string()).unwrap();
    let refused = guildhall(&stack.test_db.url, stack.dir.path())
        .args(["giveaway", "verify", "--file", tampered.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!refused.status.success(), "{refused:?}");
    let error = String::from_utf8_lossy(&refused.stderr);
    assert!(error.contains("does not verify"), "{error}");
    assert!(error.contains("entrant list"), "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unclaimed_prize_is_rerolled_after_the_window_announced_and_logged() {
    let stack = serve_with(&[("giveaways.claim_window_secs", "30")]).await;
    let (id, message) = start(
        &stack,
        vec![
            SlashOption::string("prize", "Game key"),
            SlashOption::string("duration", "10s"),
            SlashOption::integer("winners", 1),
        ],
    )
    .await;
    for user in [small::MEMBER_A, small::MEMBER_B] {
        enter(&stack, id, &message, user).await;
    }
    let detail = drawn(&stack, id).await;
    let first = winner(&detail, 1).unwrap();
    let other = if first == small::MEMBER_A {
        small::MEMBER_B
    } else {
        small::MEMBER_A
    };
    let announced = testing::wait_for("the winners announcement", WITHIN, || async {
        announcements(&stack, id).into_iter().next()
    })
    .await;
    assert!(
        announced.content.contains(&format!("<@{first}>")),
        "{}",
        announced.content
    );
    // Someone else cannot claim it.
    let claim = format!("giveaways:claim:{id}:1");
    let refused = press(&stack, other, &announced, &claim).await;
    assert_eq!(
        refused.content,
        "Only the winner of this prize can claim it."
    );

    // Nobody claims: 30 s later the prize goes to the other entrant, pinged in a new message.
    let rerolled = testing::wait_for("the automatic reroll", Duration::from_secs(90), || async {
        announcements(&stack, id)
            .into_iter()
            .find(|message| message.content.contains(&format!("<@{other}>")))
    })
    .await;
    assert_ne!(rerolled.id, announced.id);
    let after = testing::wait_for("the reroll in the log", WITHIN, || async {
        let detail = show(&stack, id);
        (winner(&detail, 1) == Some(other)).then_some(detail)
    })
    .await;
    let kinds = timeline_kinds(&after);
    assert!(kinds.contains(&"failed_claim".to_owned()), "{after}");
    assert!(kinds.contains(&"reroll".to_owned()), "{after}");
    assert_eq!(after["giveaway"]["rerolls_used"], 1);

    // The new winner claims in time.
    let claimed = press(&stack, other, &rerolled, &claim).await;
    assert!(
        claimed.content.starts_with("🎉 Claimed!"),
        "{}",
        claimed.content
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_between_the_end_and_the_draw_draws_exactly_once() {
    let mut stack = serve_with(&[]).await;
    let (id, message) = start(
        &stack,
        vec![
            SlashOption::string("prize", "Poster"),
            SlashOption::string("duration", "10s"),
            SlashOption::integer("winners", 1),
        ],
    )
    .await;
    enter(&stack, id, &message, small::MEMBER_A).await;
    stack.child.kill().unwrap();
    stack.child.wait().unwrap();
    let ends_at = show(&stack, id)["giveaway"]["ends_at"].as_i64().unwrap();
    assert_eq!(show(&stack, id)["giveaway"]["state"], "running");
    // Down past the end: nothing can draw it meanwhile.
    let now = guildhall_core::clock::UnixMillis::from_system_time(std::time::SystemTime::now()).0;
    tokio::time::sleep(Duration::from_millis(
        u64::try_from(ends_at - now).unwrap_or(0) + 1_000,
    ))
    .await;
    assert_eq!(show(&stack, id)["giveaway"]["state"], "running");

    stack.child = Stack::spawn(
        &stack.sandbox,
        &stack.test_db,
        stack.dir.path(),
        &["serve"],
        &[],
    );
    let detail = drawn(&stack, id).await;
    assert_eq!(winner(&detail, 1), Some(small::MEMBER_A));
    testing::wait_for("the winners announcement", WITHIN, || async {
        announcements(&stack, id).into_iter().next()
    })
    .await;
    // Give a second draw every chance to show up: wait for the message's edit with the results
    // (made after the draw) before counting.
    testing::wait_for("the results in the giveaway message", WITHIN, || async {
        stack
            .sandbox
            .messages(small::GENERAL)
            .into_iter()
            .find(|posted| {
                posted.id == message.id && posted.edited.is_some_and(|at| at.0 >= ends_at)
            })
    })
    .await;
    assert_eq!(announcements(&stack, id).len(), 1);
    let detail = show(&stack, id);
    let draws = timeline_kinds(&detail)
        .into_iter()
        .filter(|kind| kind == "draw")
        .count();
    assert_eq!(draws, 1, "{detail}");
    let ends = timeline_kinds(&detail)
        .into_iter()
        .filter(|kind| kind == "end")
        .count();
    assert_eq!(ends, 1, "{detail}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_draw_sees_the_same_unflushed_xp_as_the_entry_check() {
    // One message is worth level 1; XP is written only every five minutes, so the member's
    // level lives in the process's XP buffer for the whole giveaway.
    let stack = serve_with(&[
        ("features.levels", "on"),
        ("levels.xp_max", "200"),
        ("levels.xp_min", "200"),
        ("levels.flush_interval_secs", "300"),
    ])
    .await;
    stack
        .sandbox
        .say(small::GUILD, small::GENERAL, small::MEMBER_A, "hello there");
    let (id, message) = start(
        &stack,
        vec![
            SlashOption::string("prize", "Badge"),
            SlashOption::string("duration", "10s"),
            SlashOption::integer("winners", 1),
            SlashOption::integer("min_level", 1),
        ],
    )
    .await;
    let entered = format!("giveaways:enter:{id}");
    testing::wait_for("the member to be let in at level 1", WITHIN, || async {
        let answer = press(&stack, small::MEMBER_A, &message, &entered).await;
        answer.content.starts_with("You're in!").then_some(())
    })
    .await;
    let detail = drawn(&stack, id).await;
    assert_eq!(
        winner(&detail, 1),
        Some(small::MEMBER_A),
        "the draw must see the level the entry check saw: {detail}"
    );
}
