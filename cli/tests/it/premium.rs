//! Premium end to end: the real `guildhall serve` against the stand-in, which sells a guild
//! subscription SKU, sends ENTITLEMENT_* events and carries webhooks as Discord does.

use guildhall_core::testing;
use guildhall_sandbox::seed::small;
use guildhall_sandbox::{RecordedRequest, Sandbox, Seed, SlashOption};
use serde_json::Value;

use crate::dashboard::{self, Dashboard};
use crate::e2e::{Stack, WITHIN};

/// Gives `guild` premium (no end) in `db` before a process starts, which loads it: for the
/// tests of premium features that are not about premium.
pub(crate) async fn premium_before_start(
    db: guildhall_core::db::Db,
    guild: guildhall_core::ids::GuildId,
) {
    guildhall_core::premium::store::put_grant(
        &db,
        &guildhall_core::premium::Grant {
            guild,
            tier: guildhall_core::premium::Tier::Premium,
            expires_at: None,
            granted_by: "operator:test".into(),
            granted_at: guildhall_core::clock::UnixMillis(0),
            note: String::new(),
        },
    )
    .await
    .unwrap();
}

/// `guildhall serve` with the dashboard, `env` and the guild's settings stored first.
async fn serve(sandbox: Sandbox, env: &[(&str, &str)], settings: &[(&str, &str)]) -> (Stack, u16) {
    let port = dashboard::free_port();
    let mut all: Vec<(String, String)> = dashboard::env(&sandbox, port);
    all.extend(env.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
    let all: Vec<(&str, &str)> = all.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let settings: Vec<_> = settings
        .iter()
        .map(|(key, value)| (small::GUILD, *key, *value))
        .collect();
    let stack = Stack::on_configured_then(sandbox, &["serve"], &all, &settings, |_| async {}).await;
    stack.ready().await;
    (stack, port)
}

async fn slash(
    stack: &Stack,
    user: guildhall_core::ids::UserId,
    name: &str,
    options: Vec<SlashOption>,
) -> (guildhall_sandbox::InteractionResponse, Value) {
    let interaction = stack
        .sandbox
        .slash(small::GUILD, small::GENERAL, user, name, options);
    let response = stack
        .sandbox
        .interaction_response(&interaction, WITHIN)
        .await;
    let prefix = format!("/interactions/{}/", interaction.id);
    let callback = stack
        .sandbox
        .expect(
            |r| r.method.as_str() == "POST" && r.path.starts_with(&prefix),
            WITHIN,
        )
        .await;
    (response, callback.json())
}

fn temprole(user: guildhall_core::ids::UserId, duration: &str) -> Vec<SlashOption> {
    vec![SlashOption::sub(
        "add",
        vec![
            SlashOption::user("user", user),
            SlashOption::role("role", small::MOD_ROLE),
            SlashOption::string("duration", duration),
        ],
    )]
}

/// `guildhall <args>` on the stack's database with the same premium configuration as the
/// server (the operator's CLI reads the same guildhall.toml).
fn cli_with(stack: &Stack, env: &[(&str, &str)], args: &[&str]) -> Value {
    let output = crate::support::guildhall(&stack.test_db.url, stack.dir.path())
        .envs(env.iter().copied())
        .args(args)
        .output()
        .unwrap();
    assert!(output.status.success(), "{args:?}: {output:?}");
    crate::support::json(&output)
}

/// Waits until `path` answers `status`.
async fn wait_status(owner: &mut Dashboard, path: &str, status: reqwest::StatusCode) {
    let start = std::time::Instant::now();
    loop {
        let answered = owner.get(path).await.status();
        if answered == status {
            return;
        }
        assert!(
            start.elapsed() < WITHIN,
            "{path} still answers {answered}, not {status}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

fn is(request: &RecordedRequest, method: &str, path: &str) -> bool {
    request.method.as_str() == method && request.path == path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_test_entitlement_unlocks_transcript_export_within_one_event_and_its_deletion_locks_it_again()
 {
    let sandbox = Sandbox::start(Seed::small()).await.unwrap();
    let sku = small::PREMIUM_SKU.to_string();
    let sku_key = format!("GUILDHALL__PREMIUM__SKUS__{sku}");
    let (stack, port) = serve(
        sandbox,
        &[(sku_key.as_str(), "premium")],
        &[("features.tickets", "on"), ("features.roles", "on")],
    )
    .await;
    // A ticket with a transcript, made through the core on the same database.
    let clock: guildhall_core::clock::SharedClock =
        std::sync::Arc::new(guildhall_core::clock::SystemClock);
    let tickets = guildhall_core::tickets::TicketService::new(
        stack.test_db.db.clone(),
        std::sync::Arc::clone(&clock),
        guildhall_core::jobs::JobLedger::new(stack.test_db.db.clone(), clock, 3),
    );
    let settings = guildhall_core::tickets::TicketSettings::default();
    let panel = tickets
        .create_panel(
            &settings,
            guildhall_core::tickets::PanelRequest {
                guild: small::GUILD,
                channel: small::GENERAL,
                title: "Help".into(),
                description: "Ask us".into(),
                button_label: String::new(),
                staff_roles: vec![],
                created_by: small::OWNER,
            },
        )
        .await
        .unwrap();
    let opened = tickets
        .open(
            &settings,
            small::GUILD,
            panel.panel.id,
            small::MEMBER_A,
            "ava",
        )
        .await
        .unwrap();
    let number = opened.ticket.number;
    let mut owner = Dashboard::login(&stack.sandbox, port, small::OWNER).await;
    let export = format!("/guilds/{}/tickets/{number}/export/json", small::GUILD);

    // Free: the wall, in the one sentence every surface uses.
    let locked = owner.get(&export).await;
    assert_eq!(locked.status(), reqwest::StatusCode::PAYMENT_REQUIRED);
    let page = locked.text().await.unwrap();
    assert!(
        page.contains("Transcript export need Guildhall Premium; this server is on the Free tier"),
        "{page}"
    );
    // In Discord, a member meets the same wall with Discord's premium button for the SKU.
    let (wall, callback) = slash(
        &stack,
        small::ADMIN,
        "temprole",
        temprole(small::MEMBER_B, "1h"),
    )
    .await;
    assert!(wall.ephemeral);
    assert!(
        wall.content
            .starts_with("Timed roles need Guildhall Premium"),
        "{}",
        wall.content
    );
    let button = &callback["data"]["components"][0]["components"][0];
    assert_eq!(button["style"], 6, "{callback}");
    assert_eq!(button["sku_id"], sku, "{callback}");
    assert!(
        button.get("custom_id").is_none() && button.get("label").is_none(),
        "{button}"
    );

    // A test entitlement for the guild: one ENTITLEMENT_CREATE unlocks it.
    let http = reqwest::Client::new();
    let created: Value = http
        .post(format!(
            "{}/api/v10/applications/{}/entitlements",
            stack.sandbox.api_base(),
            stack.sandbox.application_id()
        ))
        .header("Authorization", format!("Bot {}", stack.sandbox.bot_token()))
        .json(&serde_json::json!({"sku_id": sku, "owner_id": small::GUILD.to_string(), "owner_type": 1}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let entitlement = created["id"].as_str().unwrap().to_owned();
    wait_status(&mut owner, &export, reqwest::StatusCode::OK).await;
    let body: Value = owner.get(&export).await.json().await.unwrap();
    assert_eq!(body["ticket"]["number"], number);
    let status = cli_with(
        &stack,
        &[(sku_key.as_str(), "premium")],
        &["--json", "premium", "show", &small::GUILD.to_string()],
    );
    assert_eq!(status["status"]["tier"], "premium", "{status}");
    assert_eq!(
        status["status"]["source"]["kind"], "entitlement",
        "{status}"
    );

    // Deleting the test entitlement (ENTITLEMENT_DELETE) locks it again.
    let deleted = http
        .delete(format!(
            "{}/api/v10/applications/{}/entitlements/{entitlement}",
            stack.sandbox.api_base(),
            stack.sandbox.application_id()
        ))
        .header(
            "Authorization",
            format!("Bot {}", stack.sandbox.bot_token()),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), reqwest::StatusCode::NO_CONTENT);
    wait_status(&mut owner, &export, reqwest::StatusCode::PAYMENT_REQUIRED).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_guild_at_its_role_panel_limit_is_refused_with_the_numbers_and_nothing_is_written() {
    let sandbox = Sandbox::start(Seed::small()).await.unwrap();
    let (stack, _) = serve(
        sandbox,
        &[("GUILDHALL__PREMIUM__LIMITS__FREE__ROLE_PANELS", "1")],
        &[("features.roles", "on")],
    )
    .await;
    let create = |title: &str| {
        vec![SlashOption::sub(
            "create",
            vec![
                SlashOption::string("title", title),
                SlashOption::role("role1", small::MEMBER_ROLE),
            ],
        )]
    };
    let (first, _) = slash(&stack, small::ADMIN, "rolepanel", create("Pings")).await;
    assert!(
        first.content.starts_with("Role panel #1 is posted"),
        "{}",
        first.content
    );
    let (second, _) = slash(&stack, small::ADMIN, "rolepanel", create("News")).await;
    assert!(second.ephemeral);
    assert_eq!(
        second.content,
        "This server has 1 role panel; the Free tier allows 1. Guildhall Premium allows 50. Delete one to make another."
    );
    let panels = guildhall_core::roles::store::list_panels(&stack.test_db.db, small::GUILD)
        .await
        .unwrap();
    assert_eq!(panels.len(), 1, "nothing half-written");
    let posts = stack
        .sandbox
        .requests()
        .iter()
        .filter(|r| {
            is(r, "POST", &format!("/channels/{}/messages", small::GENERAL))
                && r.json().to_string().contains("News")
        })
        .count();
    assert_eq!(posts, 0);
    // The limits and their use, in the CLI.
    let shown = cli_with(
        &stack,
        &[("GUILDHALL__PREMIUM__LIMITS__FREE__ROLE_PANELS", "1")],
        &["--json", "premium", "show", &small::GUILD.to_string()],
    );
    let panels = shown["usage"]
        .as_array()
        .unwrap()
        .iter()
        .find(|limit| limit["kind"] == "role_panels")
        .unwrap();
    assert_eq!(panels["used"], 1, "{shown}");
    assert_eq!(panels["limit"], 1, "{shown}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_premium_guilds_level_up_goes_out_through_its_webhook_with_its_name_and_a_deleted_webhook_is_made_again()
 {
    let sandbox = Sandbox::start(Seed::small()).await.unwrap();
    let (stack, _) = serve(
        sandbox,
        &[],
        &[
            ("features.levels", "on"),
            ("levels.flush_interval_secs", "1"),
            ("levels.xp_max", "100"),
            ("levels.xp_min", "100"),
            (
                "levels.announce",
                r#"{"mode": "same_channel", "template": "GG {user}, level {level}!"}"#,
            ),
            ("branding.bot_name", "Tavern Keeper"),
            ("branding.avatar_url", "https://example.com/keeper.png"),
            ("branding.embed_colour", "#123456"),
            ("branding.embed_footer", "The Tavern"),
        ],
    )
    .await;
    // Premium granted by the operator while the bot runs (another process).
    let granted = stack.cli(&[
        "--json",
        "premium",
        "grant",
        &small::GUILD.to_string(),
        "--note",
        "sponsor",
    ]);
    assert_eq!(granted["tier"], "premium", "{granted}");
    let refused = crate::support::guildhall(&stack.test_db.url, stack.dir.path())
        .args([
            "config",
            "set",
            "--guild",
            &small::GUILD.to_string(),
            "branding.bot_name",
            "Discord Helper",
        ])
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(
        crate::support::stderr(&refused).contains("must not contain \"discord\""),
        "{}",
        crate::support::stderr(&refused)
    );
    // Wait until the bot's process sees the grant (the change log, polled every 2 s).
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;

    stack
        .sandbox
        .say(small::GUILD, small::GENERAL, small::MEMBER_C, "hello there");
    let created = stack
        .sandbox
        .expect(
            |r| is(r, "POST", &format!("/channels/{}/webhooks", small::GENERAL)),
            WITHIN,
        )
        .await;
    assert_eq!(created.status, 200, "{:?}", created.response);
    let webhook = created.response.as_ref().unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let executed = stack
        .sandbox
        .expect(
            |r| r.method.as_str() == "POST" && r.path.starts_with(&format!("/webhooks/{webhook}/")),
            WITHIN,
        )
        .await;
    assert_eq!(executed.status, 200, "{:?}", executed.response);
    assert_eq!(executed.json()["username"], "Tavern Keeper");
    assert_eq!(
        executed.json()["avatar_url"],
        "https://example.com/keeper.png"
    );
    let posted = testing::wait_for("the announcement in the channel", WITHIN, || async {
        stack
            .sandbox
            .messages(small::GENERAL)
            .into_iter()
            .find(|m| m.content.starts_with("GG "))
    })
    .await;
    assert_eq!(
        posted.webhook_author.as_ref().unwrap().name,
        "Tavern Keeper"
    );
    // The announcement did not also go out as the bot.
    assert!(!stack.sandbox.requests().iter().any(|r| {
        is(r, "POST", &format!("/channels/{}/messages", small::GENERAL))
            && r.json()["content"]
                .as_str()
                .is_some_and(|c| c.starts_with("GG "))
    }));

    // The guild's embed theme on every embed the bot sends it, answers included (which stay
    // the bot's own, not the webhook's).
    let (rank, callback) = slash(&stack, small::MEMBER_C, "rank", vec![]).await;
    let embed = &callback["data"]["embeds"][0];
    assert_eq!(embed["color"], 0x12_34_56, "{callback}");
    assert!(
        embed["footer"]["text"]
            .as_str()
            .is_some_and(|footer| footer.ends_with(" · The Tavern")),
        "{callback}"
    );
    assert!(callback["data"].get("username").is_none(), "{callback}");
    assert!(!rank.embeds.is_empty());

    // A moderator deletes the webhook in Discord: the next announcement makes a new one.
    assert!(stack.sandbox.delete_webhook(webhook.parse().unwrap()));
    stack
        .sandbox
        .say(small::GUILD, small::GENERAL, small::MEMBER_A, "hi all");
    testing::wait_for("a second webhook and its post", WITHIN, || async {
        let messages = stack.sandbox.messages(small::GENERAL);
        messages
            .iter()
            .find(|m| {
                m.content.starts_with(&format!("GG <@{}>", small::MEMBER_A))
                    && m.webhook_author
                        .as_ref()
                        .is_some_and(|a| a.name == "Tavern Keeper")
            })
            .map(|_| ())
    })
    .await;
    let webhooks_made = stack
        .sandbox
        .requests()
        .iter()
        .filter(|r| is(r, "POST", &format!("/channels/{}/webhooks", small::GENERAL)))
        .count();
    assert_eq!(webhooks_made, 2);
    assert!(
        !stack.log().contains(
            &created.response.as_ref().unwrap()["token"]
                .as_str()
                .unwrap()
                .to_owned()
        ),
        "a webhook token reached the log"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_premium_ends_a_running_timed_role_still_ends_on_time_and_timed_panels_show_paused() {
    let sandbox = Sandbox::start(Seed::small()).await.unwrap();
    let (stack, port) = serve(sandbox, &[], &[("features.roles", "on")]).await;
    let guild = small::GUILD.to_string();
    stack.cli(&["--json", "premium", "grant", &guild, "--until", "+10s"]);
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;

    // With premium: a timed role for 15 seconds, and a timed panel.
    let (given, _) = slash(
        &stack,
        small::ADMIN,
        "temprole",
        temprole(small::MEMBER_B, "15s"),
    )
    .await;
    assert!(
        given.content.contains("has @Moderator until"),
        "{}",
        given.content
    );
    let role_path = format!(
        "/guilds/{guild}/members/{}/roles/{}",
        small::MEMBER_B,
        small::MOD_ROLE
    );
    stack
        .sandbox
        .expect(|r| is(r, "PUT", &role_path), WITHIN)
        .await;
    let (panel, _) = slash(
        &stack,
        small::ADMIN,
        "rolepanel",
        vec![SlashOption::sub(
            "create",
            vec![
                SlashOption::string("title", "Event pass"),
                SlashOption::role("role1", small::MEMBER_ROLE),
                SlashOption::string("duration", "1d"),
            ],
        )],
    )
    .await;
    assert!(
        panel.content.starts_with("Role panel #1 is posted"),
        "{}",
        panel.content
    );

    // Premium ends at 10 s; the role still ends at 15 s, through its timer.
    testing::wait_for(
        "premium ended",
        std::time::Duration::from_secs(30),
        || async {
            let shown = stack.cli(&["--json", "premium", "show", &guild]);
            (shown["status"]["tier"] == "free").then_some(())
        },
    )
    .await;
    let removed = stack
        .sandbox
        .expect(
            |r| is(r, "DELETE", &role_path),
            std::time::Duration::from_secs(30),
        )
        .await;
    assert_eq!(removed.status, 204);
    assert_eq!(removed.audit_reason.as_deref(), Some("timed role expired"));

    // The timed panel is kept and shown paused, with the reason.
    let mut owner = Dashboard::login(&stack.sandbox, port, small::OWNER).await;
    let roles = owner
        .get(&format!("/guilds/{guild}/roles"))
        .await
        .text()
        .await
        .unwrap();
    assert!(roles.contains("paused: needs premium"), "{roles}");
    let premium = owner
        .get(&format!("/guilds/{guild}/premium"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        premium.contains("Role panel #1 “Event pass” (gives timed roles)"),
        "{premium}"
    );
    assert!(
        premium.contains("Timed roles need Guildhall Premium and this server is on Free"),
        "{premium}"
    );
    let shown = stack.cli(&["--json", "premium", "show", &guild]);
    assert_eq!(shown["paused"][0]["perk"], "timed_roles", "{shown}");
    assert_eq!(
        guildhall_core::roles::store::list_panels(&stack.test_db.db, small::GUILD)
            .await
            .unwrap()
            .len(),
        1,
        "nothing is deleted"
    );
    // The audit log has the grant and the end.
    let audit = stack.cli(&["--json", "audit", "list", "--guild", &guild]);
    let actions: Vec<&str> = audit
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|entry| entry["action"].as_str())
        .collect();
    assert!(actions.contains(&"premium.grant"), "{audit}");
    assert!(actions.contains(&"premium.ended"), "{audit}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscription_bought_while_the_bot_was_away_is_fetched_and_ends_when_discord_sets_its_end()
 {
    let sandbox = Sandbox::start(Seed::two_guilds()).await.unwrap();
    // Bought before the bot connects: no event reaches it, only the startup fetch.
    let subscription = sandbox.subscribe_guild(small::GUILD, small::PREMIUM_SKU, small::OWNER);
    // More than a page of others after it: the fetch pages from the oldest.
    for _ in 0..120 {
        sandbox.subscribe_guild(small::OTHER_GUILD, small::PREMIUM_SKU, small::OTHER_OWNER);
    }
    let sku_key = format!("GUILDHALL__PREMIUM__SKUS__{}", small::PREMIUM_SKU);
    let env = [(sku_key.as_str(), "premium")];
    let (stack, _) = serve(sandbox, &env, &[("features.roles", "on")]).await;
    let guild = small::GUILD.to_string();
    let show = || cli_with(&stack, &env, &["--json", "premium", "show", &guild]);
    testing::wait_for("the fetched subscription", WITHIN, || async {
        let shown = show();
        (shown["status"]["tier"] == "premium").then_some(shown)
    })
    .await;
    let fetched = stack
        .sandbox
        .requests()
        .into_iter()
        .find(|r| {
            r.method.as_str() == "GET"
                && r.path
                    == format!(
                        "/applications/{}/entitlements",
                        stack.sandbox.application_id()
                    )
        })
        .expect("the startup fetch");
    assert_eq!(fetched.status, 200);
    testing::wait_for("every page fetched and stored", WITHIN, || async {
        let others = guildhall_core::premium::store::entitlements(
            &stack.test_db.db,
            Some(small::OTHER_GUILD),
        )
        .await
        .unwrap();
        (others.len() == 120 && others.iter().all(|entitlement| !entitlement.deleted)).then_some(())
    })
    .await;
    let shown = show();
    assert_eq!(shown["status"]["source"]["kind"], "entitlement", "{shown}");
    assert_eq!(
        shown["status"]["until"],
        Value::Null,
        "no end: active until Discord ends it"
    );
    // Timed roles work with it.
    let (given, _) = slash(
        &stack,
        small::ADMIN,
        "temprole",
        temprole(small::MEMBER_B, "1h"),
    )
    .await;
    assert!(
        given.content.contains("has @Moderator until"),
        "{}",
        given.content
    );

    // The member cancels; at the end of the period Discord sets `ends_at` (ENTITLEMENT_UPDATE).
    let ends = guildhall_core::clock::UnixMillis::from_system_time(std::time::SystemTime::now())
        .plus(std::time::Duration::from_secs(3));
    stack.sandbox.end_entitlement(subscription, ends);
    testing::wait_for("the end recorded", WITHIN, || async {
        // Within the second: timestamps travel as RFC 3339.
        show()["status"]["until"]
            .as_i64()
            .filter(|until| (until - ends.0).abs() < 1_000)
    })
    .await;
    testing::wait_for("premium ended", WITHIN, || async {
        (show()["status"]["tier"] == "free").then_some(())
    })
    .await;
    let (wall, _) = slash(
        &stack,
        small::ADMIN,
        "temprole",
        temprole(small::MEMBER_A, "1h"),
    )
    .await;
    assert!(
        wall.content
            .starts_with("Timed roles need Guildhall Premium"),
        "{}",
        wall.content
    );
    // The end is a ledger job: audited when it runs.
    testing::wait_for("premium.ended audited", WITHIN, || async {
        let audit = stack.cli(&["--json", "audit", "list", "--guild", &guild]);
        audit
            .as_array()
            .unwrap()
            .iter()
            .any(|entry| entry["action"] == "premium.ended")
            .then_some(())
    })
    .await;
}
