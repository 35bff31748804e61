//! The bot against a Discord that withholds and refuses as the real one does: GUILD_CREATE
//! without most members, 403s for what the hierarchy forbids, a 3-second window for answering
//! interactions, and slow REST calls. Each test names the situation a real guild met.

use std::time::Duration;

use guildhall_core::permissions::Permissions;
use guildhall_core::testing;
use guildhall_sandbox::seed::small;
use guildhall_sandbox::{Sandbox, Seed, SlashOption};

use crate::e2e::{Stack, WITHIN};
use crate::moderation::{member_path, set};

fn cases_of(stack: &Stack, user: guildhall_core::ids::UserId) -> serde_json::Value {
    stack.cli(&[
        "--json",
        "cases",
        "list",
        "--guild",
        &small::GUILD.to_string(),
        "--user",
        &user.to_string(),
    ])
}

/// A stand-in whose member holds a role the bot has never seen in an event: given before the
/// bot connects, and GUILD_CREATE does not carry members (no presences intent).
async fn sandbox_with_role(
    user: guildhall_core::ids::UserId,
    name: &str,
    position: i32,
    permissions: Permissions,
) -> (Sandbox, guildhall_core::ids::RoleId) {
    let sandbox = Sandbox::start(Seed::small()).await.unwrap();
    let role = sandbox.create_role(small::GUILD, name, position, permissions);
    sandbox.member_update(small::GUILD, user, |member| member.roles.push(role));
    (sandbox, role)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_from_a_member_above_the_bot_is_refused_and_stored_with_no_case() {
    // Veteran sits between Admin (10) and Guildhall (8): the bot cannot time its holder out.
    let (sandbox, _) = sandbox_with_role(small::MEMBER_B, "Veteran", 9, Permissions::NONE).await;
    // Without the Server Members intent no member chunk brings them either: only the message
    // itself says who wrote it.
    let stack = Stack::on(
        sandbox,
        &["serve"],
        &[("GUILDHALL__DISCORD__GUILD_MEMBERS", "false")],
    )
    .await;
    stack.ready().await;
    assert!(stack.sandbox.member_requests().is_empty());
    assert!(
        stack
            .sandbox
            .requests()
            .iter()
            .all(|r| !r.path.contains("/members/")),
        "nothing asked for members yet"
    );
    set(
        &stack,
        "general.mod_log_channel",
        &small::MOD_LOG.to_string(),
    );
    set(&stack, "features.automod", "on");
    set(&stack, "automod.duplicates", r#"{"enabled": true}"#);
    let flood = [
        "buy cheap nitro at example.com now",
        "Buy CHEAP nitro at example dot com now!!",
        "buy cheap nitro now at example.com",
        "BUY cheap Nitro at example.com NOW",
    ];
    let refusal = testing::wait_for("automod's refusal to be stored", WITHIN, || async {
        for text in flood {
            stack
                .sandbox
                .say(small::GUILD, small::GENERAL, small::MEMBER_B, text);
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
        let refusals = stack.cli(&["--json", "refusals", "--guild", &small::GUILD.to_string()]);
        refusals
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["target"] == small::MEMBER_B.to_string())
            .cloned()
    })
    .await;
    assert_eq!(refusal["code"], "bot_not_above_target", "{refusal}");
    assert!(
        stack
            .sandbox
            .requests()
            .iter()
            .all(|r| !(r.method.as_str() == "PATCH" && r.path == member_path(small::MEMBER_B))),
        "no timeout was asked of Discord"
    );
    assert_eq!(cases_of(&stack, small::MEMBER_B), serde_json::json!([]));
    assert!(
        stack.sandbox.requests().iter().any(|r| {
            r.method.as_str() == "DELETE"
                && r.path
                    .starts_with(&format!("/channels/{}/messages/", small::GENERAL))
        }),
        "the flood is still deleted"
    );
    let log = stack.log();
    assert!(!log.contains("event handler failed"), "{log}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_moderators_everyone_ping_stands_and_a_members_is_punished_with_a_dm() {
    let (sandbox, _) = sandbox_with_role(
        small::MEMBER_C,
        "Announcer",
        3,
        Permissions::MENTION_EVERYONE,
    )
    .await;
    // Without the Server Members intent the guild model never holds either member: the
    // message's own roles and Discord's `mention_everyone` decide.
    let stack = Stack::on(
        sandbox,
        &["serve"],
        &[("GUILDHALL__DISCORD__GUILD_MEMBERS", "false")],
    )
    .await;
    stack.ready().await;
    set(&stack, "features.automod", "on");
    set(&stack, "automod.mentions", r#"{"enabled": true}"#);
    // A member without the permission tries it first: the rule is on and punishes them.
    let attempt = testing::wait_for("the member's @everyone to be deleted", WITHIN, || async {
        let message = stack.sandbox.say(
            small::GUILD,
            small::GENERAL,
            small::MEMBER_A,
            "@everyone free nitro",
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
        stack
            .sandbox
            .requests()
            .into_iter()
            .find(|r| {
                r.method.as_str() == "DELETE"
                    && r.path == format!("/channels/{}/messages/{message}", small::GENERAL)
            })
            .map(|_| message)
    })
    .await;
    // Member A was never in an event before their message: the DM still reaches them.
    let dm = stack
        .sandbox
        .expect(
            |r| {
                r.method.as_str() == "POST"
                    && r.path == "/users/@me/channels"
                    && r.json()["recipient_id"] == small::MEMBER_A.to_string()
            },
            WITHIN,
        )
        .await;
    assert_eq!(dm.status, 200, "{dm:?}");
    stack
        .sandbox
        .expect(
            |r| r.method.as_str() == "PATCH" && r.path == member_path(small::MEMBER_A),
            WITHIN,
        )
        .await;
    let _ = attempt;

    // The announcer's ping is what their role allows: untouched.
    let announcement = stack.sandbox.say(
        small::GUILD,
        small::GENERAL,
        small::MEMBER_C,
        "@everyone the event starts in ten minutes",
    );
    // A later message from the member proves the announcement was handled before it.
    stack.sandbox.say(
        small::GUILD,
        small::GENERAL,
        small::MEMBER_A,
        "@everyone again",
    );
    testing::wait_for("the second attempt to be handled", WITHIN, || async {
        (stack
            .sandbox
            .requests()
            .iter()
            .filter(|r| {
                r.method.as_str() == "DELETE"
                    && r.path
                        .starts_with(&format!("/channels/{}/messages/", small::GENERAL))
            })
            .count()
            >= 2)
            .then_some(())
    })
    .await;
    let requests = stack.sandbox.requests();
    assert!(
        requests
            .iter()
            .all(|r| !r.path.ends_with(&format!("/messages/{announcement}"))),
        "the announcement was not deleted"
    );
    assert!(
        requests
            .iter()
            .all(|r| r.path != member_path(small::MEMBER_C) || r.method.as_str() == "GET"),
        "the announcer was not punished"
    );
    assert_eq!(cases_of(&stack, small::MEMBER_C), serde_json::json!([]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_a_second_of_rest_latency_every_interaction_is_acknowledged_within_three_seconds() {
    let stack = Stack::start_with(
        Seed::small(),
        &["serve"],
        &[(small::GUILD, "features.tickets", "on")],
    )
    .await;
    stack.ready().await;
    set(
        &stack,
        "general.mod_log_channel",
        &small::MOD_LOG.to_string(),
    );
    stack.sandbox.set_rest_latency(Duration::from_secs(1));

    // Quick: answered directly.
    let ping = stack.sandbox.slash(
        small::GUILD,
        small::GENERAL,
        small::MEMBER_A,
        "ping",
        vec![],
    );
    // Slow: a lookup of the target, a DM, the mod-log post, then the answer.
    let warn = stack.sandbox.slash(
        small::GUILD,
        small::GENERAL,
        small::MOD_A,
        "warn",
        vec![
            SlashOption::user("member", small::MEMBER_B),
            SlashOption::string("reason", "spamming the channel"),
        ],
    );
    let ping_answer = stack.sandbox.interaction_response(&ping, WITHIN).await;
    assert!(ping_answer.content.starts_with("Pong!"), "{ping_answer:?}");
    let warn_answer = stack.sandbox.interaction_response(&warn, WITHIN).await;
    assert!(
        warn_answer.content.contains("case 1"),
        "{}",
        warn_answer.content
    );

    // A ticket: posting the panel, then the button creates a thread, invites, welcomes.
    let panel = stack.sandbox.slash(
        small::GUILD,
        small::GENERAL,
        small::ADMIN,
        "ticketpanel",
        vec![SlashOption::role("staff", small::MOD_ROLE)],
    );
    stack.sandbox.interaction_response(&panel, WITHIN).await;
    let posted = testing::wait_for("the ticket panel", WITHIN, || async {
        stack
            .sandbox
            .messages(small::GENERAL)
            .into_iter()
            .rev()
            .find(|m| m.author == small::BOT && !m.components.is_empty())
    })
    .await;
    let open = stack.sandbox.click(
        small::GUILD,
        small::GENERAL,
        small::MEMBER_C,
        posted.id,
        &crate::moderation::button(&posted, "tickets:open:"),
    );
    let opened = stack.sandbox.interaction_response(&open, WITHIN).await;
    assert!(opened.content.contains("ticket"), "{}", opened.content);

    for (what, interaction) in [
        ("ping", &ping),
        ("warn", &warn),
        ("ticketpanel", &panel),
        ("ticket button", &open),
    ] {
        let delay = stack
            .sandbox
            .interaction_ack_delay(interaction.id)
            .unwrap_or_else(|| panic!("{what} was never acknowledged"));
        assert!(
            delay < Duration::from_secs(3),
            "{what} was acknowledged after {delay:?}"
        );
    }
    let log = stack.log();
    assert!(!log.contains("Unknown interaction"), "{log}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_that_arrive_with_guild_create_are_moderated() {
    let sandbox = Sandbox::start(Seed::small()).await.unwrap();
    let burst: Vec<(
        guildhall_core::ids::ChannelId,
        guildhall_core::ids::UserId,
        &str,
    )> = [small::MEMBER_A, small::MEMBER_B, small::MEMBER_C]
        .into_iter()
        .flat_map(|user| {
            (0..10).map(move |n| {
                (
                    small::GENERAL,
                    user,
                    if n % 2 == 0 {
                        "this is a forbidden word"
                    } else {
                        "forbidden again"
                    },
                )
            })
        })
        .collect();
    sandbox.say_on_connect(small::GUILD, &burst);
    // The bot's GUILD_CREATE handling writes the guild to the database; a write lock held
    // while it connects keeps that busy while the burst is handled, as a slow database or a
    // busy process would, every time. Slow REST calls hold the connection back until the
    // process's own startup writes are done and the lock is taken.
    sandbox.set_rest_latency(Duration::from_secs(3));
    let (release, released) = tokio::sync::oneshot::channel::<()>();
    let stack = Stack::on_configured_then(
        sandbox,
        &["serve"],
        &[],
        &[
            (small::GUILD, "features.automod", "on"),
            (
                small::GUILD,
                "automod.bad_words",
                r#"{"enabled": true, "words": ["forbidden"]}"#,
            ),
        ],
        |db| async move {
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(1_500)).await;
                let transaction = db.begin_write().await.unwrap();
                let _ = released.await;
                transaction.rollback().await.unwrap();
            });
        },
    )
    .await;
    stack.sandbox.wait_for_sessions(1, WITHIN).await;
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    let _ = release.send(());
    stack.sandbox.set_rest_latency(Duration::ZERO);
    stack.ready().await;
    // With the Server Members intent, the members GUILD_CREATE left out are asked for (op 8).
    testing::wait_for("a member chunk request", WITHIN, || async {
        (!stack.sandbox.member_requests().is_empty()).then_some(())
    })
    .await;
    let deleted = testing::wait_for(
        "every message of the burst to be deleted",
        WITHIN,
        || async {
            let deleted = stack
                .sandbox
                .requests()
                .iter()
                .filter(|r| {
                    r.method.as_str() == "DELETE"
                        && r.path
                            .starts_with(&format!("/channels/{}/messages/", small::GENERAL))
                })
                .count();
            (deleted >= burst.len()).then_some(deleted)
        },
    )
    .await;
    assert_eq!(deleted, burst.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timeout_discord_refuses_leaves_a_case_marked_not_carried_out_and_a_refusal() {
    let stack = Stack::start(Seed::small(), &["serve"], &[]).await;
    stack.ready().await;
    set(
        &stack,
        "general.mod_log_channel",
        &small::MOD_LOG.to_string(),
    );
    // The guild model says the bot outranks the member; Discord says otherwise (a role moved
    // a moment ago).
    stack.sandbox.inject(
        guildhall_sandbox::Fault::new(axum::http::Method::PATCH, "/guilds/*/members/*")
            .status(403)
            .body(serde_json::json!({"message": "Missing Permissions", "code": 50013})),
    );
    let timeout = stack.sandbox.slash(
        small::GUILD,
        small::GENERAL,
        small::MOD_A,
        "timeout",
        vec![
            SlashOption::user("member", small::MEMBER_B),
            SlashOption::string("duration", "10m"),
            SlashOption::string("reason", "flooding"),
        ],
    );
    let answer = stack.sandbox.interaction_response(&timeout, WITHIN).await;
    assert!(
        answer.content.contains("not carried out") && answer.content.contains("Discord refused"),
        "{}",
        answer.content
    );
    let cases = cases_of(&stack, small::MEMBER_B);
    assert_eq!(cases[0]["kind"], "timeout", "{cases}");
    assert!(
        cases[0]["failed_reason"]
            .as_str()
            .is_some_and(|why| why.contains("50013")),
        "{cases}"
    );
    let refusals = stack.cli(&["--json", "refusals", "--guild", &small::GUILD.to_string()]);
    assert_eq!(refusals[0]["code"], "discord_refused", "{refusals}");
    assert_eq!(refusals[0]["invoker"], small::MOD_A.to_string());
    let requests = stack.sandbox.requests();
    assert!(
        requests.iter().all(|r| !(r.method.as_str() == "POST"
            && r.path == format!("/channels/{}/messages", small::MOD_LOG))),
        "nothing is posted to the mod log for a timeout that did not happen"
    );
    assert!(
        requests
            .iter()
            .all(|r| !(r.method.as_str() == "POST" && r.path == "/users/@me/channels")),
        "the member is not told of a timeout that did not happen"
    );
}
