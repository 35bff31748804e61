//! Finding 1 of the outside probe, across processes: with `guildhall web` and `guildhall bot`
//! running apart (the dashboard has no guild model of its own, so it asks Discord), another
//! guild's channels and roles are refused (and by the operator's CLI); and the job that would post re-checks, so a job
//! naming another guild's channel is never carried out.

use std::sync::Arc;

use guildhall_core::clock::SystemClock;
use guildhall_core::effect::{Effect, OutgoingMessage};
use guildhall_core::jobs::{JobLedger, JobState, perform};
use guildhall_core::testing;
use guildhall_sandbox::seed::small;
use guildhall_sandbox::{Sandbox, Seed};

use crate::dashboard::{self, Dashboard};
use crate::e2e::{Stack, WITHIN};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_apart_from_the_bot_refuses_another_guilds_channels_and_roles() {
    let sandbox = Sandbox::start(Seed::small()).await.unwrap();
    let web_port = dashboard::free_port();
    let web_env = dashboard::env(&sandbox, web_port);
    let web_env: Vec<(&str, &str)> = web_env
        .iter()
        .map(|(key, value)| (key.as_str(), value.as_str()))
        .collect();
    // The bot alone in one process...
    let stack = Stack::on(sandbox, &["bot"], &[]).await;
    stack.ready().await;
    // ...the dashboard alone in another, on the same database.
    let web_dir = tempfile::tempdir().unwrap();
    let mut web = Stack::spawn(
        &stack.sandbox,
        &stack.test_db,
        web_dir.path(),
        &["web"],
        &web_env,
    );
    let mut owner = Dashboard::login(&stack.sandbox, web_port, small::OWNER).await;
    let guild = small::GUILD;
    let their_channel = small::OTHER_GENERAL.to_string();
    let their_role = small::OTHER_GUILDHALL_ROLE.to_string();
    let our_channel = small::GENERAL.to_string();
    let our_role = small::MEMBER_ROLE.to_string();

    for (path, fields, field) in [
        (
            format!("/guilds/{guild}/tickets/panels"),
            vec![("channel", their_channel.as_str()), ("title", "Help")],
            "channel:",
        ),
        (
            format!("/guilds/{guild}/roles/panels"),
            vec![
                ("channel", our_channel.as_str()),
                ("title", "Pings"),
                ("opt_role_0", their_role.as_str()),
            ],
            "role 1:",
        ),
        (
            format!("/guilds/{guild}/giveaways/new"),
            vec![
                ("prize", "Nitro"),
                ("duration", "2h"),
                ("winners", "1"),
                ("channel", their_channel.as_str()),
            ],
            "channel:",
        ),
        (
            format!("/guilds/{guild}/levels/rewards"),
            vec![
                ("reward_mode", "stack"),
                ("reward_level_0", "5"),
                ("reward_role_0", their_role.as_str()),
            ],
            "levels.rewards:",
        ),
        (
            format!("/guilds/{guild}/roles/self"),
            vec![("self_role", their_role.as_str())],
            "roles.self_roles:",
        ),
    ] {
        let response = owner.post_form(&path, &fields).await;
        let status = response.status();
        let body = response.text().await.unwrap();
        assert_eq!(
            status,
            reqwest::StatusCode::UNPROCESSABLE_ENTITY,
            "{path}: {body}"
        );
        assert!(
            body.contains(&format!("{field} ")) && body.contains("of this server"),
            "{path} should name {field}: {body}"
        );
    }
    let settings = guildhall_core::guild_config::GuildConfigService::new(
        stack.test_db.db.clone(),
        Arc::new(SystemClock),
        Arc::new(guildhall_core::coordination::MemoryCoordination::new(
            Arc::new(SystemClock),
        )),
    )
    .reload(guild)
    .await
    .unwrap();
    assert!(settings.roles.self_roles.is_empty());
    assert!(settings.levels.rewards.is_empty());
    assert!(
        guildhall_core::roles::store::list_panels(&stack.test_db.db, guild)
            .await
            .unwrap()
            .is_empty()
    );

    // This guild's own ids are accepted by the same process.
    let accepted = owner
        .post_form(
            &format!("/guilds/{guild}/roles/panels"),
            &[
                ("channel", our_channel.as_str()),
                ("title", "Pings"),
                ("opt_role_0", our_role.as_str()),
                ("opt_label_0", "Member"),
            ],
        )
        .await;
    let status = accepted.status();
    let body = accepted.text().await.unwrap();
    let shown = body
        .split("error\"")
        .nth(1)
        .unwrap_or(&body)
        .chars()
        .take(400)
        .collect::<String>();
    assert_eq!(status, reqwest::StatusCode::SEE_OTHER, "{shown}");
    let _ = web.kill();
    let _ = web.wait();

    // The operator's CLI, with the bot's token, checks the same way.
    let refused = crate::support::guildhall(&stack.test_db.url, stack.dir.path())
        .env("GUILDHALL__DISCORD__TOKEN", stack.sandbox.bot_token())
        .env("GUILDHALL__DISCORD__API_BASE", stack.sandbox.api_base())
        .args([
            "config",
            "set",
            "--guild",
            &guild.to_string(),
            "general.mod_log_channel",
            &their_channel,
        ])
        .output()
        .unwrap();
    assert!(!refused.status.success());
    let stderr = crate::support::stderr(&refused);
    assert!(
        stderr.contains("general.mod_log_channel: channel")
            && stderr.contains("is not a channel of this server"),
        "{stderr}"
    );
    let accepted = crate::support::guildhall(&stack.test_db.url, stack.dir.path())
        .env("GUILDHALL__DISCORD__TOKEN", stack.sandbox.bot_token())
        .env("GUILDHALL__DISCORD__API_BASE", stack.sandbox.api_base())
        .args([
            "config",
            "set",
            "--guild",
            &guild.to_string(),
            "general.mod_log_channel",
            &our_channel,
        ])
        .output()
        .unwrap();
    assert!(accepted.status.success(), "{accepted:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_naming_another_guilds_channel_is_refused_before_posting() {
    let stack = Stack::start(Seed::small(), &["serve"], &[]).await;
    stack.ready().await;
    let ledger = JobLedger::new(stack.test_db.db.clone(), Arc::new(SystemClock), 3);
    let post = |channel| Effect::SendMessage {
        channel,
        message: OutgoingMessage::text("a panel"),
    };
    // As a dashboard of an older version (or a forged row) would have handed it over.
    let foreign = perform::schedule(&ledger, Some(small::GUILD), post(small::OTHER_GENERAL))
        .await
        .unwrap();
    let own = perform::schedule(&ledger, Some(small::GUILD), post(small::GENERAL))
        .await
        .unwrap();
    let dead = testing::wait_for("the foreign job refused", WITHIN, || async {
        ledger
            .get(foreign.id)
            .await
            .ok()
            .filter(|job| job.state == JobState::Dead)
    })
    .await;
    assert!(
        dead.last_error
            .as_deref()
            .is_some_and(|error| error.contains("is not a channel of this server")),
        "{:?}\n{}",
        dead.last_error,
        stack.log()
    );
    testing::wait_for("this guild's job done", WITHIN, || async {
        ledger
            .get(own.id)
            .await
            .ok()
            .filter(|job| job.state == JobState::Done)
    })
    .await;
    assert!(
        !stack.sandbox.requests().iter().any(|request| {
            request.method.as_str() == "POST"
                && request.path == format!("/channels/{}/messages", small::OTHER_GENERAL)
        }),
        "nothing was posted into the other guild"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_apart_from_the_bot_shows_names_from_the_guild_snapshot() {
    let sandbox = Sandbox::start(Seed::small()).await.unwrap();
    let web_port = dashboard::free_port();
    let web_env = dashboard::env(&sandbox, web_port);
    let web_env: Vec<(&str, &str)> = web_env
        .iter()
        .map(|(key, value)| (key.as_str(), value.as_str()))
        .collect();
    // Two processes over one database: PostgreSQL in CI (`guildhall bot`, `guildhall web`).
    let stack = Stack::on_shared_db(sandbox, &["bot"], &[]).await;
    stack.ready().await;
    let web_dir = tempfile::tempdir().unwrap();
    let mut web = Stack::spawn(
        &stack.sandbox,
        &stack.test_db,
        web_dir.path(),
        &["web"],
        &web_env,
    );
    let mut owner = Dashboard::login(&stack.sandbox, web_port, small::OWNER).await;
    let guild = small::GUILD;
    // The pickers of the generic settings page name the guild's channels and roles, from the
    // snapshot the bot wrote: the dashboard does not ask Discord for them.
    let asked_discord = |stack: &Stack| {
        let roles = format!("/guilds/{guild}/roles");
        let channels = format!("/guilds/{guild}/channels");
        stack
            .sandbox
            .requests()
            .iter()
            .filter(|r| r.method.as_str() == "GET" && (r.path == roles || r.path == channels))
            .count()
    };
    let page = format!("/guilds/{guild}/settings/tickets");
    let deadline = std::time::Instant::now() + WITHIN;
    let body = loop {
        let before = asked_discord(&stack);
        let body = owner.get(&page).await.text().await.unwrap();
        if body.contains("@Member</label>") && body.contains(">Text Channels</option>") {
            assert_eq!(
                asked_discord(&stack),
                before,
                "the names came from the snapshot, not from Discord"
            );
            break body;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the dashboard never knew the guild's names: {body}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    };
    assert!(
        !body.contains(&small::OTHER_GUILDHALL_ROLE.to_string()),
        "another guild's roles are not offered"
    );
    // The pickers: channels grouped under their category, roles as checkboxes, a typed id as
    // the fallback.
    let general = owner
        .get(&format!("/guilds/{guild}/settings/general"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        general.contains(&format!(
            r#"<optgroup label="Text Channels"><option value="{}">#general</option>"#,
            small::GENERAL
        )),
        "{general}"
    );
    assert!(
        general.contains(r#"name="typed1:mod_log_channel""#),
        "{general}"
    );
    assert!(
        body.contains(&format!(
            r#"<input type="checkbox" name="staff_roles" value="{}">"#,
            small::MOD_ROLE
        )),
        "{body}"
    );
    // And the id check uses it: this guild's role is accepted, another guild's refused.
    let ours = owner
        .post_form(
            &format!("/guilds/{guild}/roles/self"),
            &[("self_role", small::MEMBER_ROLE.to_string().as_str())],
        )
        .await;
    assert!(
        ours.status().is_success() || ours.status().is_redirection(),
        "{:?}",
        ours.status()
    );
    let theirs = owner
        .post_form(
            &format!("/guilds/{guild}/roles/self"),
            &[(
                "self_role",
                small::OTHER_GUILDHALL_ROLE.to_string().as_str(),
            )],
        )
        .await;
    assert_eq!(theirs.status(), reqwest::StatusCode::UNPROCESSABLE_ENTITY);
    let _ = web.kill();
    let _ = web.wait();
}

/// What a dashboard's pickers and overview show beside names (roles' colours and whether they
/// are managed, channels' positions and NSFW flags, the guild's icon, member count and custom
/// emojis) reach the snapshot from GUILD_CREATE, and follow role, channel, emoji and guild
/// updates.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bot_writes_colours_positions_emojis_and_the_icon_to_the_guild_snapshot() {
    use guildhall_core::guild_cache::{GuildCache, GuildLook, RoleStyle};
    use guildhall_core::guild_snapshot::load_guild;

    let stack = Stack::start(Seed::small(), &["bot"], &[]).await;
    stack.ready().await;
    let db = &stack.test_db.db;
    let guild = small::GUILD;
    let members = stack.sandbox.guild(guild).unwrap().members.len() as u64;
    let loaded = || async {
        let cache = GuildCache::new();
        load_guild(db, &cache, guild).await.ok()?.then_some(cache)
    };
    let cache = testing::wait_for("the guild's snapshot with its emojis", WITHIN, || async {
        loaded()
            .await
            .filter(|cache| cache.emojis(guild).is_some_and(|e| e.len() == 2))
    })
    .await;
    assert_eq!(
        cache.look(guild),
        Some(GuildLook {
            icon: Some(small::ICON.to_owned()),
            member_count: Some(members),
        })
    );
    let emojis = cache.emojis(guild).unwrap();
    assert_eq!(
        emojis
            .iter()
            .map(|e| (e.id, e.name.as_str(), e.animated))
            .collect::<Vec<_>>(),
        [
            (small::WAVE_EMOJI, "wave", false),
            (small::PARTY_EMOJI, "party_parrot", true)
        ]
    );
    assert_eq!(
        cache.role_style(guild, small::GUILDHALL_ROLE),
        Some(RoleStyle {
            colour: 0,
            managed: true
        })
    );
    assert_eq!(
        cache.role_style(guild, small::ADMIN_ROLE),
        Some(RoleStyle {
            colour: 0xe7_4c3c,
            managed: false
        })
    );
    let mod_log = cache.channel(guild, small::MOD_LOG).unwrap();
    assert_eq!((mod_log.position, mod_log.nsfw), (2, false));

    stack
        .sandbox
        .update_role(guild, small::MEMBER_ROLE, |role| role.colour = 0x12_3456);
    stack
        .sandbox
        .update_channel(small::GENERAL, |channel| channel.nsfw = true);
    let added = stack.sandbox.create_emoji(guild, "blob", true);
    stack
        .sandbox
        .set_guild_icon(guild, Some("a_00112233445566778899aabbccddeeff"));
    let emoji_ids = |cache: &GuildCache| -> Option<Vec<u64>> {
        Some(cache.emojis(guild)?.iter().map(|e| e.id).collect())
    };
    testing::wait_for("the updates in the snapshot", WITHIN, || async {
        let cache = loaded().await?;
        (cache.role_style(guild, small::MEMBER_ROLE)?.colour == 0x12_3456
            && cache.channel(guild, small::GENERAL)?.nsfw
            && emoji_ids(&cache)? == [small::WAVE_EMOJI, small::PARTY_EMOJI, added]
            && cache.look(guild)?.icon.as_deref() == Some("a_00112233445566778899aabbccddeeff")
            && cache.look(guild)?.member_count == Some(members))
        .then_some(())
    })
    .await;
    // Each GUILD_EMOJIS_UPDATE carries the whole list and serenity hands events over
    // concurrently: the deletion is made once the addition is in.
    stack.sandbox.delete_emoji(guild, small::WAVE_EMOJI);
    testing::wait_for(
        "the deleted emoji gone from the snapshot",
        WITHIN,
        || async {
            let cache = loaded().await?;
            (emoji_ids(&cache)? == [small::PARTY_EMOJI, added]).then_some(())
        },
    )
    .await;
}
