//! End to end: the real `guildhall` binary connected to the Discord stand-in, asserting on the
//! REST calls Discord would receive.

use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use guildhall_core::testing::{self, TestDb};
use guildhall_sandbox::seed::small;
use guildhall_sandbox::{Fault, RecordedRequest, Sandbox, Seed, SlashOption};
use serde_json::Value;

use crate::support::{guildhall, json, process};

/// Every slash command, in registration order.
const ALL_COMMANDS: [&str; 22] = [
    "ping",
    "nick",
    "warn",
    "timeout",
    "untimeout",
    "kick",
    "ban",
    "unban",
    "case",
    "cases",
    "reason",
    "ticketpanel",
    "rank",
    "leaderboard",
    "xp",
    "rolepanel",
    "role",
    "temprole",
    "giveaway",
    "remind",
    "schedule",
    "trigger",
];

pub(crate) const WITHIN: Duration = Duration::from_secs(20);

/// A stand-in, a database and `guildhall <command>` connected to them.
pub(crate) struct Stack {
    pub(crate) sandbox: Sandbox,
    pub(crate) test_db: TestDb,
    pub(crate) dir: tempfile::TempDir,
    pub(crate) child: Child,
}

impl Stack {
    pub(crate) async fn start(seed: Seed, args: &[&str], env: &[(&str, &str)]) -> Self {
        let sandbox = Sandbox::start(seed).await.expect("start the stand-in");
        Self::on(sandbox, args, env).await
    }

    /// Like [`Stack::start`], on a stand-in already running (to read its ids for `env`).
    pub(crate) async fn on(sandbox: Sandbox, args: &[&str], env: &[(&str, &str)]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let test_db = testing::sqlite_unmigrated().await;
        test_db.db.migrate().await.unwrap();
        let child = Self::spawn(&sandbox, &test_db, dir.path(), args, env);
        Self {
            sandbox,
            test_db,
            dir,
            child,
        }
    }

    /// Like [`Stack::on`], on PostgreSQL when `DATABASE_URL` names one (always in CI), else on
    /// SQLite: for the tests of processes that share one database.
    pub(crate) async fn on_shared_db(
        sandbox: Sandbox,
        args: &[&str],
        env: &[(&str, &str)],
    ) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let test_db = match testing::postgres_unmigrated().await {
            Some(test_db) => test_db,
            None => testing::sqlite_unmigrated().await,
        };
        test_db.db.migrate().await.unwrap();
        let child = Self::spawn(&sandbox, &test_db, dir.path(), args, env);
        Self {
            sandbox,
            test_db,
            dir,
            child,
        }
    }

    /// Like [`Stack::start`], with guild settings (feature switches, say) stored before the bot
    /// starts, so its first command already sees them.
    pub(crate) async fn start_with(
        seed: Seed,
        args: &[&str],
        settings: &[(guildhall_core::ids::GuildId, &str, &str)],
    ) -> Self {
        let sandbox = Sandbox::start(seed).await.expect("start the stand-in");
        Self::on_configured_then(sandbox, args, &[], settings, |_| async {}).await
    }

    /// Like [`Stack::on`], with guild settings stored before the bot starts (as a guild that
    /// configured Guildhall long ago and reconnects), and `before_start` run with the database
    /// just before the process starts (to hold a lock, say).
    pub(crate) async fn on_configured_then<F, Fut>(
        sandbox: Sandbox,
        args: &[&str],
        env: &[(&str, &str)],
        settings: &[(guildhall_core::ids::GuildId, &str, &str)],
        before_start: F,
    ) -> Self
    where
        F: FnOnce(guildhall_core::db::Db) -> Fut,
        Fut: std::future::Future<Output = ()>,
    {
        let dir = tempfile::tempdir().unwrap();
        let test_db = testing::sqlite_unmigrated().await;
        test_db.db.migrate().await.unwrap();
        for (guild, key, value) in settings {
            let output = guildhall(&test_db.url, dir.path())
                .args(["config", "set", "--guild", &guild.to_string(), key, value])
                .output()
                .unwrap();
            assert!(output.status.success(), "{output:?}");
        }
        before_start(test_db.db.clone()).await;
        let child = Self::spawn(&sandbox, &test_db, dir.path(), args, env);
        Self {
            sandbox,
            test_db,
            dir,
            child,
        }
    }

    pub(crate) fn spawn(
        sandbox: &Sandbox,
        test_db: &TestDb,
        dir: &std::path::Path,
        args: &[&str],
        env: &[(&str, &str)],
    ) -> Child {
        let log = std::fs::File::create(dir.join("guildhall.log")).unwrap();
        let mut command = process(&test_db.url, dir);
        command
            .args(args)
            .env("GUILDHALL__DISCORD__TOKEN", sandbox.bot_token())
            .env("GUILDHALL__DISCORD__API_BASE", sandbox.api_base())
            .env("RUST_LOG", "info,guildhall_bot=debug")
            .stdout(Stdio::null())
            .stderr(log);
        for (key, value) in env {
            command.env(key, value);
        }
        command.spawn().expect("start guildhall")
    }

    pub(crate) fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("guildhall.log")).unwrap_or_default()
    }

    pub(crate) async fn ready(&self) {
        self.sandbox.wait_for_sessions(1, WITHIN).await;
        // Commands are registered once READY arrived; by then the guilds are cached too.
        self.sandbox
            .expect(
                |r| r.method.as_str() == "PUT" && r.path.ends_with("/commands"),
                WITHIN,
            )
            .await;
        self.guilds_stored(1).await;
    }

    /// Waits until the bot has stored `count` guilds.
    pub(crate) async fn guilds_stored(&self, count: usize) {
        testing::wait_for(&format!("{count} guild(s) stored"), WITHIN, || async {
            (guildhall_core::guilds::list(&self.test_db.db)
                .await
                .unwrap()
                .len()
                >= count)
                .then_some(())
        })
        .await;
    }

    pub(crate) fn cli(&self, args: &[&str]) -> Value {
        let output = guildhall(&self.test_db.url, self.dir.path())
            .args(args)
            .output()
            .unwrap();
        assert!(output.status.success(), "{args:?}: {output:?}");
        json(&output)
    }
}

impl Drop for Stack {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn callback_of(request: &RecordedRequest, interaction: u64) -> bool {
    request.method.as_str() == "POST"
        && request
            .path
            .starts_with(&format!("/interactions/{interaction}/"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commands_are_registered_at_startup_and_answered_through_the_interaction_callback() {
    let stack = Stack::start(Seed::small(), &["serve"], &[]).await;
    stack.ready().await;
    let registration = stack
        .sandbox
        .expect(
            |r| {
                r.method.as_str() == "PUT"
                    && r.path
                        == format!("/applications/{}/commands", stack.sandbox.application_id())
            },
            WITHIN,
        )
        .await;
    let body = registration.json();
    let names: Vec<&str> = body
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["name"].as_str())
        .collect();
    assert_eq!(names, ALL_COMMANDS);

    let interaction = stack.sandbox.slash(
        small::GUILD,
        small::GENERAL,
        small::MEMBER_A,
        "ping",
        vec![],
    );
    let response = stack
        .sandbox
        .interaction_response(&interaction, WITHIN)
        .await;
    assert_eq!(response.kind, 4);
    assert!(
        response.content.starts_with("Pong!"),
        "{}",
        response.content
    );
    let callback = stack
        .sandbox
        .expect(|r| callback_of(r, interaction.id), WITHIN)
        .await;
    assert_eq!(callback.status, 204);

    // A restart with the same commands does not overwrite them again.
    let overwrites = |sandbox: &Sandbox| {
        sandbox
            .requests()
            .iter()
            .filter(|r| r.method.as_str() == "PUT" && r.path.ends_with("/commands"))
            .count()
    };
    assert_eq!(overwrites(&stack.sandbox), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_moderator_acting_on_a_higher_role_is_refused_clearly_and_the_refusal_is_stored() {
    let stack = Stack::start(Seed::small(), &["serve"], &[]).await;
    stack.ready().await;
    let refused = stack.sandbox.slash(
        small::GUILD,
        small::GENERAL,
        small::MOD_A,
        "nick",
        vec![
            SlashOption::user("member", small::ADMIN),
            SlashOption::string("nickname", "pwned"),
        ],
    );
    let response = stack.sandbox.interaction_response(&refused, WITHIN).await;
    assert!(response.ephemeral, "refusals are private");
    assert_eq!(
        response.content,
        "You can only act on members whose highest role is below yours."
    );
    let admin_path = format!("/guilds/{}/members/{}", small::GUILD, small::ADMIN);
    stack
        .sandbox
        .assert_none(
            |r| r.method.as_str() == "PATCH" && r.path == admin_path,
            Duration::from_millis(300),
        )
        .await;

    let refusals = stack.cli(&["--json", "refusals", "--guild", &small::GUILD.to_string()]);
    assert_eq!(
        refusals[0]["code"], "invoker_not_above_target",
        "{refusals}"
    );
    assert_eq!(refusals[0]["invoker"], small::MOD_A.to_string());
    assert_eq!(refusals[0]["target"], small::ADMIN.to_string());

    // The same moderator on a plain member works, with the audit-log reason sent.
    let allowed = stack.sandbox.slash(
        small::GUILD,
        small::GENERAL,
        small::MOD_A,
        "nick",
        vec![
            SlashOption::user("member", small::MEMBER_A),
            SlashOption::string("nickname", "Newbie"),
        ],
    );
    let response = stack.sandbox.interaction_response(&allowed, WITHIN).await;
    assert!(
        response.content.contains("is now called **Newbie**"),
        "{}",
        response.content
    );
    let member_path = format!("/guilds/{}/members/{}", small::GUILD, small::MEMBER_A);
    let patch = stack
        .sandbox
        .expect(
            |r| r.method.as_str() == "PATCH" && r.path == member_path,
            WITHIN,
        )
        .await;
    assert_eq!(patch.json()["nick"], "Newbie");
    assert!(
        patch
            .audit_reason
            .as_deref()
            .is_some_and(|reason| reason.starts_with("/nick by ")),
        "{:?}",
        patch.audit_reason
    );
    assert_eq!(
        stack
            .sandbox
            .member(small::GUILD, small::MEMBER_A)
            .unwrap()
            .nick
            .as_deref(),
        Some("Newbie")
    );

    // Both runs are in the command analytics (written in the background).
    testing::wait_for("analytics", WITHIN, || async {
        let stats = stack.cli(&[
            "--json",
            "commands",
            "stats",
            "--guild",
            &small::GUILD.to_string(),
        ]);
        let nick = stats
            .as_array()
            .unwrap()
            .iter()
            .find(|row| row["command"] == "nick")
            .cloned()?;
        (nick["runs"] == 2 && nick["refused"] == 1).then_some(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gateway_reconnect_resumes_without_losing_or_repeating_an_event() {
    let stack = Stack::start(Seed::small(), &["serve"], &[]).await;
    stack.ready().await;
    let before = stack.sandbox.sessions();
    stack.sandbox.gateway_reconnect();
    // Sent while the bot is reconnecting: the stand-in buffers them for the session.
    let interactions: Vec<_> = (0..3)
        .map(|_| {
            stack.sandbox.slash(
                small::GUILD,
                small::GENERAL,
                small::MEMBER_B,
                "ping",
                vec![],
            )
        })
        .collect();
    for interaction in &interactions {
        stack
            .sandbox
            .interaction_response(interaction, WITHIN)
            .await;
    }
    // A repeated event would answer an interaction twice; Discord refuses that with 400.
    stack
        .sandbox
        .assert_none(
            |r| interactions.iter().any(|i| callback_of(r, i.id)) && r.status != 204,
            Duration::from_millis(500),
        )
        .await;
    for interaction in &interactions {
        let answers = stack
            .sandbox
            .requests()
            .iter()
            .filter(|r| callback_of(r, interaction.id))
            .count();
        assert_eq!(answers, 1, "each event handled exactly once");
    }
    let after = stack.sandbox.sessions();
    assert_eq!(
        before[0].session_id, after[0].session_id,
        "the session was resumed, not replaced"
    );
    assert!(stack.log().contains("connected to Discord"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_injected_rate_limit_is_waited_out_and_retried() {
    let stack = Stack::start(Seed::small(), &["serve"], &[]).await;
    stack.ready().await;
    stack
        .sandbox
        .inject(Fault::rate_limited(axum_method("POST"), "/interactions/**", 0.6, false).times(1));
    let started = Instant::now();
    let interaction = stack.sandbox.slash(
        small::GUILD,
        small::GENERAL,
        small::MEMBER_A,
        "ping",
        vec![],
    );
    stack
        .sandbox
        .interaction_response(&interaction, WITHIN)
        .await;
    let calls: Vec<RecordedRequest> = stack
        .sandbox
        .requests()
        .into_iter()
        .filter(|r| callback_of(r, interaction.id))
        .collect();
    assert_eq!(
        calls.iter().map(|r| r.status).collect::<Vec<_>>(),
        [429, 204]
    );
    let waited = calls[1].at.0 - calls[0].at.0;
    assert!(
        waited >= 550,
        "the retry honoured retry_after: waited {waited} ms"
    );
    assert!(started.elapsed() >= Duration::from_millis(550));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_injected_server_error_is_retried_then_given_up_and_logged() {
    let stack = Stack::start(Seed::small(), &["serve"], &[]).await;
    stack.ready().await;
    stack.sandbox.inject(
        Fault::new(axum_method("PATCH"), "/guilds/*/members/*")
            .status(500)
            .always(),
    );
    let interaction = stack.sandbox.slash(
        small::GUILD,
        small::GENERAL,
        small::ADMIN,
        "nick",
        vec![
            SlashOption::user("member", small::MEMBER_B),
            SlashOption::string("nickname", "x"),
        ],
    );
    let response = stack
        .sandbox
        .interaction_response(&interaction, WITHIN)
        .await;
    assert!(
        response
            .content
            .starts_with("Something went wrong on our side"),
        "{}",
        response.content
    );
    let attempts = stack
        .sandbox
        .requests()
        .iter()
        .filter(|r| r.method.as_str() == "PATCH" && r.status == 500)
        .count();
    assert_eq!(attempts, 4, "one attempt and three retries");
    testing::wait_for("the failure in the log", WITHIN, || async {
        stack
            .log()
            .contains("giving up: Discord kept failing")
            .then_some(())
    })
    .await;
    assert!(stack.log().contains("command failed"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guilds_never_share_settings_or_prefix_commands() {
    let stack = Stack::start(Seed::two_guilds(), &["serve"], &[]).await;
    stack.sandbox.wait_for_sessions(1, WITHIN).await;
    stack.guilds_stored(2).await;
    let guild = small::GUILD.to_string();
    let set = guildhall(&stack.test_db.url, stack.dir.path())
        .args([
            "config",
            "set",
            "--guild",
            &guild,
            "commands.prefix_enabled",
            "on",
        ])
        .output()
        .unwrap();
    assert!(set.status.success(), "{set:?}");
    // The running bot picks the change up (settings sync) without a restart.
    let answered = testing::wait_for("the prefix command in the first guild", WITHIN, || async {
        stack
            .sandbox
            .say(small::GUILD, small::GENERAL, small::MEMBER_A, "!ping");
        let channel_path = format!("/channels/{}/messages", small::GENERAL);
        tokio::time::sleep(Duration::from_millis(300)).await;
        stack
            .sandbox
            .requests()
            .into_iter()
            .find(|r| r.method.as_str() == "POST" && r.path == channel_path)
    })
    .await;
    assert!(
        answered.json()["content"]
            .as_str()
            .unwrap()
            .starts_with("Pong!")
    );
    stack.sandbox.say(
        small::OTHER_GUILD,
        small::OTHER_GENERAL,
        small::OTHER_OWNER,
        "!ping",
    );
    let other_path = format!("/channels/{}/messages", small::OTHER_GENERAL);
    stack
        .sandbox
        .assert_none(
            |r| r.method.as_str() == "POST" && r.path == other_path,
            Duration::from_secs(1),
        )
        .await;
    let other = stack.cli(&[
        "--json",
        "config",
        "get",
        "--guild",
        &small::OTHER_GUILD.to_string(),
        "commands.prefix_enabled",
    ]);
    assert_eq!(other["value"], false);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_privileged_intent_stops_the_bot_with_an_explanation() {
    let seed = Seed::small().disallow_intents(1 << 15);
    let mut stack = Stack::start(seed, &["bot"], &[]).await;
    let status = tokio::task::spawn_blocking(move || {
        let status = stack.child.wait().unwrap();
        (status, stack)
    })
    .await
    .unwrap();
    let (status, stack) = status;
    assert!(!status.success());
    let log = stack.log();
    assert!(
        log.contains("close code 4014")
            && log.contains("Message Content")
            && log.contains("discord.message_content = false"),
        "{log}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shard_range_connects_only_its_shards() {
    let stack = Stack::start(
        Seed::two_guilds(),
        &["bot", "--shards", "1-1", "--total-shards", "2"],
        &[],
    )
    .await;
    let sessions = stack.sandbox.wait_for_sessions(1, WITHIN).await;
    assert_eq!((sessions[0].shard_id, sessions[0].shard_count), (1, 2));
    testing::wait_for("the shard's guild", WITHIN, || async {
        let stored = guildhall_core::guilds::list(&stack.test_db.db)
            .await
            .unwrap();
        (stored.len() == 1).then_some(stored)
    })
    .await
    .iter()
    .for_each(|guild| assert_eq!(guild.id, small::OTHER_GUILD, "(guild >> 22) % 2 == 1"));
}

pub(crate) fn axum_method(name: &str) -> axum::http::Method {
    name.parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commands_deploy_shows_its_plan_and_overwrites_only_on_change() {
    let sandbox = Sandbox::start(Seed::small()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let test_db = testing::sqlite_unmigrated().await;
    test_db.db.migrate().await.unwrap();
    let deploy = |extra: &[&str]| {
        let mut command = guildhall(&test_db.url, dir.path());
        command
            .env("GUILDHALL__DISCORD__TOKEN", sandbox.bot_token())
            .env("GUILDHALL__DISCORD__API_BASE", sandbox.api_base())
            .args(["--json", "commands", "deploy"])
            .args(extra);
        command.output().unwrap()
    };
    let guild = small::GUILD.to_string();
    let guild_path = format!(
        "/applications/{}/guilds/{guild}/commands",
        sandbox.application_id()
    );
    let puts = |sandbox: &Sandbox| {
        sandbox
            .requests()
            .iter()
            .filter(|r| r.method.as_str() == "PUT" && r.path == guild_path)
            .count()
    };

    let dry = deploy(&["--guild", &guild, "--dry-run"]);
    assert!(dry.status.success(), "{dry:?}");
    assert_eq!(json(&dry)["added"], serde_json::json!(ALL_COMMANDS));
    assert_eq!(json(&dry)["applied"], false);
    assert_eq!(puts(&sandbox), 0, "a dry run changes nothing");

    let real = deploy(&["--guild", &guild]);
    assert_eq!(json(&real)["applied"], true);
    assert_eq!(puts(&sandbox), 1);
    let again = deploy(&["--guild", &guild]);
    assert_eq!(json(&again)["unchanged"], serde_json::json!(ALL_COMMANDS));
    assert_eq!(puts(&sandbox), 1, "nothing changed, nothing overwritten");

    let neither = guildhall(&test_db.url, dir.path())
        .args(["commands", "deploy"])
        .output()
        .unwrap();
    assert_eq!(
        neither.status.code(),
        Some(2),
        "--guild or --global is required: {neither:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prefix_commands_are_rate_limited_per_member() {
    let stack = Stack::start(Seed::small(), &["serve"], &[]).await;
    stack.ready().await;
    let guild = small::GUILD.to_string();
    for (key, value) in [
        ("commands.prefix_enabled", "on"),
        ("commands.prefix", "?"),
        ("commands.prefix_per_minute", "2"),
    ] {
        let set = guildhall(&stack.test_db.url, stack.dir.path())
            .args(["config", "set", "--guild", &guild, key, value])
            .output()
            .unwrap();
        assert!(set.status.success(), "{set:?}");
    }
    let channel_path = format!("/channels/{}/messages", small::GENERAL);
    let replies = |sandbox: &Sandbox| {
        sandbox
            .requests()
            .iter()
            .filter(|r| r.method.as_str() == "POST" && r.path == channel_path)
            .count()
    };
    // The running bot picks the new prefix up within its settings sync.
    testing::wait_for("the new prefix to apply", WITHIN, || async {
        stack
            .sandbox
            .say(small::GUILD, small::GENERAL, small::MEMBER_C, "?ping");
        tokio::time::sleep(Duration::from_millis(300)).await;
        (replies(&stack.sandbox) > 0).then_some(())
    })
    .await;
    let before = replies(&stack.sandbox);
    for _ in 0..4 {
        stack
            .sandbox
            .say(small::GUILD, small::GENERAL, small::MEMBER_A, "?ping");
    }
    testing::wait_for("two answers", WITHIN, || async {
        (replies(&stack.sandbox) >= before + 2).then_some(())
    })
    .await;
    let last = stack
        .sandbox
        .requests()
        .iter()
        .filter(|r| r.method.as_str() == "POST" && r.path == channel_path)
        .map(|r| r.at)
        .max()
        .unwrap();
    // The third and fourth `?ping` get no answer.
    stack
        .sandbox
        .assert_none(
            |r| r.method.as_str() == "POST" && r.path == channel_path && r.at > last,
            Duration::from_millis(700),
        )
        .await;
    assert_eq!(
        replies(&stack.sandbox),
        before + 2,
        "a member gets at most prefix_per_minute answers"
    );
}

fn free_port() -> u16 {
    std::net::TcpListener::bind(("127.0.0.1", 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shards_status_logs_tail_and_guilds_list_follow_the_running_instance() {
    let bind = format!("127.0.0.1:{}", free_port());
    let stack = Stack::start(
        Seed::small(),
        &["serve"],
        &[("GUILDHALL__WEB__BIND", &bind)],
    )
    .await;
    stack.ready().await;
    let instance = format!("http://{bind}");
    let status = testing::wait_for("the shard to be connected", WITHIN, || async {
        let output = guildhall(&stack.test_db.url, stack.dir.path())
            .args(["--json", "shards", "status", "--instance", &instance])
            .output()
            .unwrap();
        let status = json(&output);
        (status["shards"][0]["stage"] == "connected").then_some(status)
    })
    .await;
    assert_eq!(
        (
            status["shards"][0]["id"].as_u64(),
            status["shards"][0]["total"].as_u64()
        ),
        (Some(0), Some(1))
    );
    assert!(
        status["events"]["total"].as_u64().unwrap() >= 2,
        "READY and GUILD_CREATE at least: {status}"
    );

    // The guild's own line from startup, filtered by guild.
    let guild = small::GUILD.to_string();
    let tail = guildhall(&stack.test_db.url, stack.dir.path())
        .args([
            "--json",
            "logs",
            "tail",
            "--instance",
            &instance,
            "--guild",
            &guild,
            "--lines",
            "1",
        ])
        .output()
        .unwrap();
    assert!(tail.status.success(), "{tail:?}");
    let line: Value = serde_json::from_slice(&tail.stdout).unwrap();
    assert_eq!(line["guild"], guild);

    // A warning caused now is followed live, filtered by level.
    stack.sandbox.inject(
        Fault::new(axum_method("POST"), "/interactions/**")
            .status(400)
            .body(serde_json::json!({"message": "Invalid Form Body", "code": 50035})),
    );
    let follower = tokio::task::spawn_blocking({
        let (url, dir, instance) = (
            stack.test_db.url.clone(),
            stack.dir.path().to_owned(),
            instance.clone(),
        );
        move || {
            guildhall(&url, &dir)
                .args([
                    "--json",
                    "logs",
                    "tail",
                    "--instance",
                    &instance,
                    "--level",
                    "warn",
                    "--lines",
                    "1",
                ])
                .output()
                .unwrap()
        }
    });
    stack.sandbox.slash(
        small::GUILD,
        small::GENERAL,
        small::MEMBER_A,
        "ping",
        vec![],
    );
    let warned = tokio::time::timeout(WITHIN, follower)
        .await
        .unwrap()
        .unwrap();
    let line: Value = serde_json::from_slice(&warned.stdout).unwrap();
    assert_eq!(line["level"], "WARN", "{line}");

    let guilds = stack.cli(&["--json", "guilds", "list"]);
    assert_eq!(guilds[0]["id"], guild);

    let refused = guildhall(&stack.test_db.url, stack.dir.path())
        .env("GUILDHALL__WEB__OPERATOR_TOKEN", "not-the-token")
        .args(["shards", "status", "--instance", &instance])
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("refused the operator token"),
        "{refused:?}"
    );
}
