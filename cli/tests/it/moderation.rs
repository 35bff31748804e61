//! Moderation end to end: the real binary, the stand-in, the REST calls Discord receives.

use std::time::Duration;

use guildhall_core::testing;
use guildhall_sandbox::seed::small;
use guildhall_sandbox::{Seed, SlashOption};

use crate::dashboard::{self, Dashboard};
use crate::e2e::{Stack, WITHIN};
use crate::support::guildhall;

pub(crate) fn set(stack: &Stack, key: &str, value: &str) {
    let output = guildhall(&stack.test_db.url, stack.dir.path())
        .args([
            "config",
            "set",
            "--guild",
            &small::GUILD.to_string(),
            key,
            value,
        ])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
}

pub(crate) fn member_path(user: guildhall_core::ids::UserId) -> String {
    format!("/guilds/{}/members/{user}", small::GUILD)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn warnings_climb_the_ladder_into_a_timeout_with_cases_and_mod_log_posts() {
    let stack = Stack::start(Seed::small(), &["serve"], &[]).await;
    stack.ready().await;
    set(
        &stack,
        "general.mod_log_channel",
        &small::MOD_LOG.to_string(),
    );
    // The running bot must see the mod-log channel before the first warning.
    testing::wait_for("the settings to reach the bot", WITHIN, || async {
        let interaction = stack.sandbox.slash(
            small::GUILD,
            small::GENERAL,
            small::MOD_A,
            "warn",
            vec![
                SlashOption::user("member", small::MEMBER_C),
                SlashOption::string("reason", "probe"),
            ],
        );
        stack
            .sandbox
            .interaction_response(&interaction, WITHIN)
            .await;
        let posted = stack.sandbox.requests().iter().any(|r| {
            r.method.as_str() == "POST"
                && r.path == format!("/channels/{}/messages", small::MOD_LOG)
        });
        posted.then_some(())
    })
    .await;

    for round in 1..=3 {
        let interaction = stack.sandbox.slash(
            small::GUILD,
            small::GENERAL,
            small::MOD_A,
            "warn",
            vec![
                SlashOption::user("member", small::MEMBER_B),
                SlashOption::string("reason", &format!("spam #{round}")),
            ],
        );
        let response = stack
            .sandbox
            .interaction_response(&interaction, WITHIN)
            .await;
        assert!(
            response.ephemeral && response.content.starts_with("Done: case"),
            "{}",
            response.content
        );
        if round < 3 {
            assert!(
                !response.content.contains("then case"),
                "no escalation before the third warning: {}",
                response.content
            );
        } else {
            assert!(
                response.content.contains("then case") && response.content.contains("timeout"),
                "{}",
                response.content
            );
        }
    }
    let timeout = stack
        .sandbox
        .expect(
            |r| {
                r.method.as_str() == "PATCH"
                    && r.path == member_path(small::MEMBER_B)
                    && r.json()["communication_disabled_until"].is_string()
            },
            WITHIN,
        )
        .await;
    assert!(
        timeout
            .audit_reason
            .as_deref()
            .is_some_and(|reason| reason.starts_with("[case ")),
        "{:?}",
        timeout.audit_reason
    );
    assert!(
        stack
            .sandbox
            .member(small::GUILD, small::MEMBER_B)
            .unwrap()
            .communication_disabled_until
            .is_some()
    );
    let mod_log = stack.sandbox.messages(small::MOD_LOG);
    assert!(
        mod_log.len() >= 5,
        "three warnings, their escalation and the probe are posted: {}",
        mod_log.len()
    );

    let listed = stack.sandbox.slash(
        small::GUILD,
        small::GENERAL,
        small::MOD_A,
        "cases",
        vec![SlashOption::user("user", small::MEMBER_B)],
    );
    let response = stack.sandbox.interaction_response(&listed, WITHIN).await;
    assert_eq!(
        response.content.matches("**Case").count(),
        4,
        "{}",
        response.content
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn banning_a_higher_role_or_the_owner_is_refused_with_no_ban_call_and_recorded() {
    let stack = Stack::start(Seed::small(), &["serve"], &[]).await;
    stack.ready().await;
    for target in [small::ADMIN, small::OWNER] {
        let interaction = stack.sandbox.slash(
            small::GUILD,
            small::GENERAL,
            small::MOD_A,
            "ban",
            vec![
                SlashOption::user("member", target),
                SlashOption::string("reason", "nope"),
            ],
        );
        let response = stack
            .sandbox
            .interaction_response(&interaction, WITHIN)
            .await;
        assert!(response.ephemeral, "refusals are private");
        assert!(
            response.content.contains("below yours") || response.content.contains("owner"),
            "{}",
            response.content
        );
    }
    stack
        .sandbox
        .assert_none(
            |r| r.method.as_str() == "PUT" && r.path.contains("/bans/"),
            Duration::from_millis(300),
        )
        .await;
    let refusals = stack.cli(&["--json", "refusals", "--guild", &small::GUILD.to_string()]);
    let codes: Vec<&str> = refusals
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        ["target_is_owner", "invoker_not_above_target"],
        "{refusals}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tempban_is_lifted_on_time_after_a_restart() {
    let mut stack = Stack::start(Seed::small(), &["serve"], &[]).await;
    stack.ready().await;
    let interaction = stack.sandbox.slash(
        small::GUILD,
        small::GENERAL,
        small::MOD_A,
        "ban",
        vec![
            SlashOption::user("member", small::MEMBER_A),
            SlashOption::string("reason", "cool off"),
            SlashOption::string("duration", "3s"),
        ],
    );
    stack
        .sandbox
        .interaction_response(&interaction, WITHIN)
        .await;
    let ban_path = format!("/guilds/{}/bans/{}", small::GUILD, small::MEMBER_A);
    stack
        .sandbox
        .expect(|r| r.method.as_str() == "PUT" && r.path == ban_path, WITHIN)
        .await;
    assert_eq!(stack.sandbox.bans(small::GUILD).len(), 1);

    // The process dies before the ban ends, and comes back after.
    stack.child.kill().unwrap();
    stack.child.wait().unwrap();
    stack.sandbox.wait_for_connected_count(0, WITHIN).await;
    stack.child = Stack::spawn(
        &stack.sandbox,
        &stack.test_db,
        stack.dir.path(),
        &["serve"],
        &[],
    );
    let lifted = stack
        .sandbox
        .expect(
            |r| r.method.as_str() == "DELETE" && r.path == ban_path,
            WITHIN,
        )
        .await;
    assert!(
        lifted
            .audit_reason
            .as_deref()
            .is_some_and(|reason| reason.contains("tempban expired")),
        "{:?}",
        lifted.audit_reason
    );
    assert!(stack.sandbox.bans(small::GUILD).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_reworded_messages_ends_in_a_timeout_with_a_case_and_a_mod_log_post() {
    let stack = Stack::start(Seed::small(), &["serve"], &[]).await;
    stack.ready().await;
    set(
        &stack,
        "general.mod_log_channel",
        &small::MOD_LOG.to_string(),
    );
    set(&stack, "features.automod", "on");
    set(&stack, "automod.duplicates", r#"{"enabled": true}"#);
    // Reworded, not copied: case, punctuation and word order change.
    let flood = [
        "buy cheap nitro at example.com now",
        "Buy CHEAP nitro at example dot com now!!",
        "buy cheap nitro now at example.com",
        "BUY cheap Nitro at example.com NOW",
    ];
    let timed_out = testing::wait_for("automod to time the member out", WITHIN, || async {
        for text in flood {
            stack
                .sandbox
                .say(small::GUILD, small::GENERAL, small::MEMBER_A, text);
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
        stack.sandbox.requests().into_iter().find(|r| {
            r.method.as_str() == "PATCH"
                && r.path == member_path(small::MEMBER_A)
                && r.json()["communication_disabled_until"].is_string()
        })
    })
    .await;
    assert!(
        timed_out
            .audit_reason
            .as_deref()
            .is_some_and(|reason| reason.starts_with("[case 1]")),
        "{:?}",
        timed_out.audit_reason
    );
    assert!(
        stack
            .sandbox
            .member(small::GUILD, small::MEMBER_A)
            .unwrap()
            .communication_disabled_until
            .is_some()
    );
    let deletions = stack
        .sandbox
        .requests()
        .iter()
        .filter(|r| {
            r.method.as_str() == "DELETE"
                && r.path
                    .starts_with(&format!("/channels/{}/messages/", small::GENERAL))
        })
        .count();
    assert!(deletions >= 1, "the offending messages are deleted");
    let posted = stack
        .sandbox
        .expect(
            |r| {
                r.method.as_str() == "POST"
                    && r.path == format!("/channels/{}/messages", small::MOD_LOG)
            },
            WITHIN,
        )
        .await;
    assert!(
        posted.json().to_string().contains("automod"),
        "{}",
        posted.json()
    );
    // One flood, one punishment.
    let timeouts = stack
        .sandbox
        .requests()
        .iter()
        .filter(|r| r.method.as_str() == "PATCH" && r.path == member_path(small::MEMBER_A))
        .count();
    assert_eq!(timeouts, 1);

    let listed = stack.sandbox.slash(
        small::GUILD,
        small::GENERAL,
        small::MOD_A,
        "cases",
        vec![SlashOption::user("user", small::MEMBER_A)],
    );
    let response = stack.sandbox.interaction_response(&listed, WITHIN).await;
    assert!(
        response.content.contains("automod:duplicates") && response.content.contains("timeout"),
        "{}",
        response.content
    );

    let cases = stack.cli(&[
        "--json",
        "cases",
        "list",
        "--guild",
        &small::GUILD.to_string(),
        "--user",
        &small::MEMBER_A.to_string(),
    ]);
    assert_eq!(cases[0]["number"], 1, "{cases}");
    assert_eq!(cases[0]["kind"], "timeout");
    let shown = guildhall(&stack.test_db.url, stack.dir.path())
        .args(["cases", "show", "--guild", &small::GUILD.to_string(), "1"])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&shown.stdout).contains("automod:duplicates"),
        "{shown:?}"
    );
    // The feature's own name works too, and the member is named (the id stays beside it).
    let shown = guildhall(&stack.test_db.url, stack.dir.path())
        .args([
            "moderation",
            "show",
            "--guild",
            &small::GUILD.to_string(),
            "1",
        ])
        .output()
        .unwrap();
    let shown = String::from_utf8_lossy(&shown.stdout).into_owned();
    assert!(
        shown.contains(&format!("alice (id {})", small::MEMBER_A)),
        "{shown}"
    );
}

#[tokio::test]
async fn the_automod_tester_names_the_rules_that_would_fire() {
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
    let clean = run(&[
        "--json",
        "automod",
        "test",
        "--guild",
        &guild,
        "hello there, how are you?",
        "--rule",
        "caps",
        "--rule",
        "invites",
    ]);
    assert_eq!(crate::support::json(&clean)["fires"], false, "{clean:?}");
    let spam = run(&[
        "--json",
        "automod",
        "test",
        "--guild",
        &guild,
        "FREE NITRO FOR EVERYONE WHO JOINS OUR AMAZING SERVER RIGHT NOW discord . gg / free",
        "--rule",
        "caps",
        "--rule",
        "invites",
    ]);
    let report = crate::support::json(&spam);
    let rules: Vec<&str> = report["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|hit| hit["rule"].as_str().unwrap())
        .collect();
    assert_eq!(rules, ["caps", "invites"], "{report}");
    let unknown = run(&["automod", "test", "--guild", &guild, "x", "--rule", "nope"]);
    assert_eq!(unknown.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&unknown.stderr)
            .contains("unknown automod rule `nope`; rules are: spam"),
        "{unknown:?}"
    );
}

/// The first button's custom id in a message's components.
pub(crate) fn button(message: &guildhall_sandbox::model::Message, prefix: &str) -> String {
    let found = message
        .components
        .iter()
        .flat_map(|row| row["components"].as_array().cloned().unwrap_or_default())
        .filter_map(|component| component["custom_id"].as_str().map(str::to_owned))
        .find(|id| id.starts_with(prefix));
    found.unwrap_or_else(|| panic!("no `{prefix}` button in {:?}", message.components))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ticket_opens_a_private_thread_and_closing_stores_its_transcript() {
    let sandbox = guildhall_sandbox::Sandbox::start(Seed::two_guilds())
        .await
        .unwrap();
    let web_port = dashboard::free_port();
    let web_env = dashboard::env(&sandbox, web_port);
    let web_env: Vec<(&str, &str)> = web_env
        .iter()
        .map(|(key, value)| (key.as_str(), value.as_str()))
        .collect();
    let stack = Stack::on_configured_then(
        sandbox,
        &["serve"],
        &web_env,
        &[(small::GUILD, "features.tickets", "on")],
        // Transcript export is premium.
        |db| crate::premium::premium_before_start(db, small::GUILD),
    )
    .await;
    stack.sandbox.wait_for_sessions(1, WITHIN).await;
    stack.guilds_stored(2).await;
    let panel_command = stack.sandbox.slash(
        small::GUILD,
        small::GENERAL,
        small::ADMIN,
        "ticketpanel",
        vec![SlashOption::role("staff", small::MOD_ROLE)],
    );
    let response = stack
        .sandbox
        .interaction_response(&panel_command, WITHIN)
        .await;
    assert_eq!(response.content, "The ticket panel is posted.");
    let panel = stack
        .sandbox
        .messages(small::GENERAL)
        .into_iter()
        .rev()
        .find(|m| m.author == small::BOT && !m.components.is_empty())
        .expect("the panel message");

    // A member opens a ticket: a private thread, with them invited and a welcome inside.
    let open = stack.sandbox.click(
        small::GUILD,
        small::GENERAL,
        small::MEMBER_A,
        panel.id,
        &button(&panel, "tickets:open:"),
    );
    let answer = stack.sandbox.interaction_response(&open, WITHIN).await;
    assert!(
        answer.ephemeral && answer.content.starts_with("Your ticket #1 is open"),
        "{}",
        answer.content
    );
    let created = stack
        .sandbox
        .expect(
            |r| {
                r.method.as_str() == "POST"
                    && r.path == format!("/channels/{}/threads", small::GENERAL)
            },
            WITHIN,
        )
        .await;
    assert_eq!(created.json()["type"], 12, "a private thread");
    let thread: guildhall_core::ids::ChannelId = created.response.as_ref().unwrap()["id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    stack
        .sandbox
        .expect(
            |r| {
                r.method.as_str() == "PUT"
                    && r.path == format!("/channels/{thread}/thread-members/{}", small::MEMBER_A)
            },
            WITHIN,
        )
        .await;
    let welcome = testing::wait_for("the welcome message", WITHIN, || async {
        stack
            .sandbox
            .messages(thread)
            .into_iter()
            .find(|m| m.author == small::BOT && !m.components.is_empty())
    })
    .await;

    // Messages flow into the transcript; a moderator closes the ticket.
    let typo = stack.sandbox.say(
        small::GUILD,
        thread,
        small::MEMBER_A,
        "my ordr never arived",
    );
    stack
        .sandbox
        .say(small::GUILD, thread, small::MOD_A, "looking into it now");
    let oops = stack
        .sandbox
        .say(small::GUILD, thread, small::MEMBER_A, "wrong ticket, sorry");
    let tickets = guildhall_core::tickets::TicketService::new(
        stack.test_db.db.clone(),
        std::sync::Arc::new(guildhall_core::clock::SystemClock),
        guildhall_core::jobs::JobLedger::new(
            stack.test_db.db.clone(),
            std::sync::Arc::new(guildhall_core::clock::SystemClock),
            3,
        ),
    );
    testing::wait_for("the messages in the transcript", WITHIN, || async {
        let transcript = tickets.transcript(small::GUILD, 1).await.ok()?;
        (transcript.messages.len() >= 3).then_some(())
    })
    .await;
    // An edit and a deletion are kept: the new text with its time, the deleted message marked.
    stack.sandbox.edit(thread, typo, "my order never arrived");
    stack.sandbox.delete(thread, oops);
    testing::wait_for(
        "the edit and the deletion in the transcript",
        WITHIN,
        || async {
            let transcript = tickets.transcript(small::GUILD, 1).await.ok()?;
            let edited = transcript
                .messages
                .iter()
                .find(|m| m.message.get() == typo.get())?;
            let deleted = transcript
                .messages
                .iter()
                .find(|m| m.message.get() == oops.get())?;
            (edited.content == "my order never arrived"
                && edited.edited_at.is_some()
                && deleted.deleted_at.is_some()
                && deleted.content == "wrong ticket, sorry")
                .then_some(())
        },
    )
    .await;
    let close = stack.sandbox.click(
        small::GUILD,
        thread,
        small::MOD_A,
        welcome.id,
        &button(&welcome, "tickets:close:"),
    );
    let closed = stack.sandbox.interaction_response(&close, WITHIN).await;
    assert!(
        closed
            .content
            .contains("is closed; its transcript is saved"),
        "{}",
        closed.content
    );
    let transcript = tickets.transcript(small::GUILD, 1).await.unwrap();
    let said: Vec<&str> = transcript
        .messages
        .iter()
        .map(|m| m.content.as_str())
        .collect();
    assert!(
        said.contains(&"my order never arrived") && said.contains(&"looking into it now"),
        "{said:?}"
    );
    assert_eq!(
        transcript.ticket.state,
        guildhall_core::tickets::TicketState::Closed
    );
    // Another guild cannot read it.
    assert!(tickets.transcript(small::OTHER_GUILD, 1).await.is_err());

    // The dashboard shows it to the guild's staff (the panel's role, no Manage Server) and
    // refuses another guild's admin.
    let page = format!("/guilds/{}/tickets/1", small::GUILD);
    let mut staff = Dashboard::login(&stack.sandbox, web_port, small::MOD_A).await;
    let shown = staff.get(&page).await;
    assert_eq!(shown.status(), reqwest::StatusCode::OK);
    let shown = shown.text().await.unwrap();
    assert!(
        shown.contains("my order never arrived") && shown.contains("looking into it now"),
        "{shown}"
    );
    let json = staff.get(&format!("{page}/export/json")).await;
    let json: serde_json::Value = json.json().await.unwrap();
    assert_eq!(json["ticket"]["state"], "closed");
    let mut other_admin = Dashboard::login(&stack.sandbox, web_port, small::OTHER_OWNER).await;
    for path in [page.clone(), format!("{page}/export/html")] {
        let refused = other_admin.get(&path).await;
        assert_eq!(refused.status(), reqwest::StatusCode::FORBIDDEN, "{path}");
        assert!(
            !refused.text().await.unwrap().contains("my order"),
            "{path}"
        );
    }

    // The CLI lists it and exports the transcript.
    let guild = small::GUILD.to_string();
    let listed = stack.cli(&["--json", "tickets", "list", "--guild", &guild]);
    assert_eq!(
        (listed[0]["number"].as_i64(), listed[0]["state"].as_str()),
        (Some(1), Some("closed")),
        "{listed}"
    );
    let run = |args: &[&str]| {
        guildhall(&stack.test_db.url, stack.dir.path())
            .args(args)
            .output()
            .unwrap()
    };
    let text = run(&["tickets", "transcript", "--guild", &guild, "1"]);
    assert!(
        String::from_utf8_lossy(&text.stdout).contains("my order never arrived"),
        "{text:?}"
    );
    let html = run(&[
        "tickets",
        "transcript",
        "--guild",
        &guild,
        "1",
        "--format",
        "html",
    ]);
    let page = String::from_utf8_lossy(&html.stdout);
    assert!(
        page.contains("<html") && page.contains("looking into it now"),
        "{page}"
    );
    let other = run(&[
        "tickets",
        "transcript",
        "--guild",
        &small::OTHER_GUILD.to_string(),
        "1",
    ]);
    assert_eq!(
        other.status.code(),
        Some(1),
        "another guild's transcript is refused: {other:?}"
    );
}
