//! Levels end to end: the real binary, the stand-in, the REST calls Discord receives. Messages
//! earn XP once per cooldown, voice earns only with someone to hear you, reward roles follow
//! levels (replaced when asked), level-ups are announced with the template, and the leaderboard
//! agrees with the CLI, whose import and export work on CSV.

use std::time::{Duration, Instant};

use guildhall_core::ids::{RoleId, UserId};
use guildhall_core::permissions::Permissions;
use guildhall_core::testing;
use guildhall_sandbox::model::ChannelKind;
use guildhall_sandbox::seed::small;
use guildhall_sandbox::{InteractionResponse, RecordedRequest, Sandbox, Seed, SlashOption};
use serde_json::{Value, json};

use crate::e2e::{Stack, WITHIN};
use crate::support::{guildhall, stdout};

/// Starts `guildhall serve` on `sandbox` with the guild's settings written first, so the bot
/// has them from its first event (no wait for the settings sync).
async fn serve_with(sandbox: Sandbox, settings: &[(&str, String)]) -> Stack {
    let dir = tempfile::tempdir().unwrap();
    let test_db = testing::sqlite_unmigrated().await;
    test_db.db.migrate().await.unwrap();
    let guild = small::GUILD.to_string();
    for (key, value) in settings {
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

/// Levels on, XP written every second.
fn levels_on() -> Vec<(&'static str, String)> {
    vec![
        ("features.levels", "on".into()),
        ("levels.flush_interval_secs", "1".into()),
    ]
}

/// `guildhall --json levels user`: a member's stored standing.
fn standing(stack: &Stack, user: UserId) -> Value {
    stack.cli(&[
        "--json",
        "levels",
        "user",
        "--guild",
        &small::GUILD.to_string(),
        &user.to_string(),
    ])
}

fn xp(stack: &Stack, user: UserId) -> i64 {
    standing(stack, user)["xp"].as_i64().unwrap()
}

fn role_path(user: UserId, role: RoleId) -> String {
    format!("/guilds/{}/members/{user}/roles/{role}", small::GUILD)
}

fn is(request: &RecordedRequest, method: &str, path: &str) -> bool {
    request.method.as_str() == method && request.path == path
}

async fn slash(
    stack: &Stack,
    user: UserId,
    name: &str,
    options: Vec<SlashOption>,
) -> (InteractionResponse, RecordedRequest) {
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
    (response, callback)
}

fn xp_command(subcommand: &str, user: UserId, amount: Option<i64>) -> Vec<SlashOption> {
    let mut options = vec![SlashOption::user("user", user)];
    options.extend(amount.map(|amount| SlashOption::integer("amount", amount)));
    vec![SlashOption::sub(subcommand, options)]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_within_the_cooldown_earn_xp_once_and_again_once_it_is_over() {
    let sandbox = Sandbox::start(Seed::small()).await.unwrap();
    let mut settings = levels_on();
    settings.extend([
        ("levels.xp_min", "10".to_owned()),
        ("levels.xp_max", "10".to_owned()),
        ("levels.cooldown_secs", "2".to_owned()),
    ]);
    let stack = serve_with(sandbox, &settings).await;

    let sent = Instant::now();
    for text in ["hello", "anyone here?", "hello??"] {
        stack
            .sandbox
            .say(small::GUILD, small::GENERAL, small::MEMBER_A, text);
    }
    // A bot's message earns nothing.
    stack
        .sandbox
        .say(small::GUILD, small::GENERAL, small::BOT, "beep");
    // The three arrive within milliseconds, so one flush holds whatever they earned.
    let first = testing::wait_for("the first XP to be written", WITHIN, || async {
        let card = standing(&stack, small::MEMBER_A);
        (card["messages"].as_i64() >= Some(1)).then_some(card)
    })
    .await;
    assert_eq!(first["xp"], 10, "one message of three earned: {first}");
    assert_eq!(first["messages"], 1, "{first}");
    assert_eq!(first["rank"], 1, "{first}");
    assert_eq!(first["progress"]["level"], 0, "{first}");

    // Once the 2 s cooldown is over, the next message earns again.
    tokio::time::sleep(Duration::from_millis(2_600).saturating_sub(sent.elapsed())).await;
    stack
        .sandbox
        .say(small::GUILD, small::GENERAL, small::MEMBER_A, "back again");
    let second = testing::wait_for("the second XP to be written", WITHIN, || async {
        let card = standing(&stack, small::MEMBER_A);
        (card["messages"].as_i64() >= Some(2)).then_some(card)
    })
    .await;
    assert_eq!(second["xp"], 20, "{second}");
    assert_eq!(second["messages"], 2, "{second}");
    assert_eq!(xp(&stack, small::BOT), 0, "bots earn nothing");
    assert_eq!(xp(&stack, small::MEMBER_B), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn voice_earns_only_unmuted_undeafened_and_with_a_listener() {
    let sandbox = Sandbox::start(Seed::small()).await.unwrap();
    let lobby = sandbox.create_channel(small::GUILD, "Lobby", ChannelKind::Voice);
    let stage = sandbox.create_channel(small::GUILD, "Stage", ChannelKind::Voice);
    // In voice before the bot connects: GUILD_CREATE's voice states seed the tracker.
    // Alone but for the bot, who does not count.
    sandbox.voice_join(small::GUILD, small::VOICE, small::MEMBER_A);
    sandbox.voice_join(small::GUILD, small::VOICE, small::BOT);
    // Two members who hear each other.
    sandbox.voice_join(small::GUILD, lobby, small::MEMBER_B);
    sandbox.voice_join(small::GUILD, lobby, small::MEMBER_C);
    // A self-deafened member beside two who hear each other.
    sandbox.voice_join(small::GUILD, stage, small::MOD_B);
    sandbox.voice_deafen(small::GUILD, small::MOD_B, true);
    sandbox.voice_join(small::GUILD, stage, small::MOD_A);
    sandbox.voice_join(small::GUILD, stage, small::ADMIN);
    let mut settings = levels_on();
    settings.push((
        "levels.voice",
        json!({"enabled": true, "xp_per_minute": 600, "interval_secs": 5}).to_string(),
    ));
    let stack = serve_with(sandbox, &settings).await;

    // Every member of the guild is paid on the same tick and written in the same flush.
    testing::wait_for(
        "voice XP for the members who hear each other",
        WITHIN,
        || async {
            [small::MEMBER_B, small::MEMBER_C, small::MOD_A, small::ADMIN]
                .iter()
                .all(|user| xp(&stack, *user) > 0)
                .then_some(())
        },
    )
    .await;
    assert_eq!(
        xp(&stack, small::MEMBER_A),
        0,
        "alone (the bot does not count)"
    );
    assert_eq!(xp(&stack, small::MOD_B), 0, "self-deafened");
    let lobby_card = standing(&stack, small::MEMBER_B);
    assert!(
        lobby_card["voice_seconds"].as_i64() > Some(0),
        "{lobby_card}"
    );

    // Someone joins the lonely member (a live VOICE_STATE_UPDATE): now they earn too.
    stack
        .sandbox
        .voice_join(small::GUILD, small::VOICE, small::MEMBER_C);
    testing::wait_for(
        "voice XP for the member no longer alone",
        WITHIN,
        || async { (xp(&stack, small::MEMBER_A) > 0).then_some(()) },
    )
    .await;
    assert_eq!(xp(&stack, small::MOD_B), 0, "still self-deafened");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reaching_a_reward_level_gives_its_role_replaces_the_previous_and_is_announced() {
    let sandbox = Sandbox::start(Seed::small()).await.unwrap();
    let bronze = sandbox.create_role(small::GUILD, "Bronze", 2, Permissions::NONE);
    let silver = sandbox.create_role(small::GUILD, "Silver", 3, Permissions::NONE);
    let mut settings = levels_on();
    settings.extend([
        ("levels.xp_max", "100".to_owned()),
        ("levels.xp_min", "100".to_owned()),
        ("levels.reward_mode", "replace".to_owned()),
        (
            "levels.rewards",
            json!([{"level": 1, "role": bronze}, {"level": 2, "role": silver}]).to_string(),
        ),
        (
            "levels.announce",
            json!({"mode": "same_channel", "template": "GG {user}, you reached level {level} on {server}!"})
                .to_string(),
        ),
    ]);
    let stack = serve_with(sandbox, &settings).await;

    // One message: 100 XP, level 1 (MEE6's curve), announced where it was written, rewarded.
    stack.sandbox.say(
        small::GUILD,
        small::GENERAL,
        small::MEMBER_C,
        "my first words",
    );
    let bronze_path = role_path(small::MEMBER_C, bronze);
    let given = stack
        .sandbox
        .expect(|r| is(r, "PUT", &bronze_path), WITHIN)
        .await;
    assert_eq!(
        given.audit_reason.as_deref(),
        Some("Levels: reward for reaching level 1")
    );
    let channel_path = format!("/channels/{}/messages", small::GENERAL);
    let announced = stack
        .sandbox
        .expect(
            |r| {
                is(r, "POST", &channel_path)
                    && r.json()["content"]
                        .as_str()
                        .is_some_and(|text| text.starts_with("GG "))
            },
            WITHIN,
        )
        .await
        .json();
    assert_eq!(
        announced["content"],
        format!(
            "GG <@{}>, you reached level 1 on Guildhall Test!",
            small::MEMBER_C
        )
    );
    assert_eq!(
        announced["allowed_mentions"],
        json!({"parse": [], "users": [small::MEMBER_C.to_string()], "roles": []}),
        "the template pings the member and nobody else"
    );
    testing::wait_for("the role on the member", WITHIN, || async {
        stack
            .sandbox
            .member(small::GUILD, small::MEMBER_C)
            .filter(|member| member.roles.contains(&bronze))
    })
    .await;

    // A member without Manage Server may not change XP.
    let (refused, _) = slash(
        &stack,
        small::MEMBER_A,
        "xp",
        xp_command("give", small::MEMBER_A, Some(500)),
    )
    .await;
    assert!(refused.ephemeral);
    assert_eq!(
        refused.content,
        "You need the Manage Server permission for this."
    );
    assert_eq!(xp(&stack, small::MEMBER_A), 0);
    // A bad amount is explained.
    let (bad, _) = slash(
        &stack,
        small::ADMIN,
        "xp",
        xp_command("give", small::MEMBER_C, Some(0)),
    )
    .await;
    assert!(
        bad.content
            .starts_with("The amount must be between 1 and 1000000000000000 XP, got 0"),
        "{}",
        bad.content
    );

    // An admin sets level 2: the next reward is given and, in replace mode, the previous taken.
    let (set, callback) = slash(
        &stack,
        small::ADMIN,
        "xp",
        xp_command("set", small::MEMBER_C, Some(300)),
    )
    .await;
    assert!(set.ephemeral);
    assert_eq!(
        set.content,
        format!("<@{}>: level 1 → level 2 (100 → 300 XP).", small::MEMBER_C)
    );
    assert_eq!(
        callback.json()["data"]["allowed_mentions"],
        json!({"parse": [], "users": [], "roles": []}),
        "answers ping nobody"
    );
    let silver_path = role_path(small::MEMBER_C, silver);
    stack
        .sandbox
        .expect(|r| is(r, "PUT", &silver_path), WITHIN)
        .await;
    let taken = stack
        .sandbox
        .expect(|r| is(r, "DELETE", &bronze_path), WITHIN)
        .await;
    assert_eq!(
        taken.audit_reason.as_deref(),
        Some("Levels: reward for level 1 replaced at level 2")
    );
    stack
        .sandbox
        .expect(
            |r| {
                is(r, "POST", &channel_path)
                    && r.json()["content"]
                        == format!(
                            "GG <@{}>, you reached level 2 on Guildhall Test!",
                            small::MEMBER_C
                        )
            },
            WITHIN,
        )
        .await;

    // A reset takes the reward back.
    let (reset, _) = slash(
        &stack,
        small::ADMIN,
        "xp",
        xp_command("reset", small::MEMBER_C, None),
    )
    .await;
    assert_eq!(
        reset.content,
        format!("<@{}>: level 2 → level 0 (300 → 0 XP).", small::MEMBER_C)
    );
    stack
        .sandbox
        .expect(|r| is(r, "DELETE", &silver_path), WITHIN)
        .await;
    assert_eq!(standing(&stack, small::MEMBER_C)["rank"], Value::Null);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_leaderboard_follows_an_import_and_agrees_with_the_cli() {
    let sandbox = Sandbox::start(Seed::small()).await.unwrap();
    let bronze = sandbox.create_role(small::GUILD, "Bronze", 2, Permissions::NONE);
    let mut settings = levels_on();
    settings.push((
        "levels.rewards",
        json!([{"level": 10, "role": bronze}]).to_string(),
    ));
    // The role panel below is the roles feature's.
    settings.push(("features.roles", "on".into()));
    let stack = serve_with(sandbox, &settings).await;
    let guild = small::GUILD.to_string();
    let top = |stack: &Stack| stack.cli(&["--json", "levels", "top", "--guild", &guild]);
    let run = |args: &[&str]| {
        guildhall(&stack.test_db.url, stack.dir.path())
            .args(args)
            .output()
            .unwrap()
    };

    // A file with bad lines is refused whole, each bad line named.
    let (a, b, c) = (small::MEMBER_A, small::MEMBER_B, small::MEMBER_C);
    std::fs::write(
        stack.dir.path().join("bad.csv"),
        format!("user_id,xp\n{a},5000\n{b},lots\n{c},-5\n"),
    )
    .unwrap();
    let refused = run(&["levels", "import", "--guild", &guild, "bad.csv"]);
    assert!(!refused.status.success());
    let text = stdout(&refused);
    assert!(
        text.contains("line 3: `lots` is not an amount of XP")
            && text.contains("line 4: XP must not be negative, got -5"),
        "{text}"
    );
    assert_eq!(top(&stack), json!([]), "nothing was imported");

    // A dry run of a good file writes nothing; the real import does.
    std::fs::write(
        stack.dir.path().join("levels.csv"),
        format!("user_id,xp\n{a},5000\n{b},12000\n{c},300\n"),
    )
    .unwrap();
    let dry = run(&[
        "--json",
        "levels",
        "import",
        "--guild",
        &guild,
        "levels.csv",
        "--dry-run",
    ]);
    assert!(dry.status.success(), "{dry:?}");
    let dry: Value = serde_json::from_slice(&dry.stdout).unwrap();
    assert_eq!(dry["summary"]["new_members"], 3, "{dry}");
    assert_eq!(top(&stack), json!([]));
    let imported = stack.cli(&[
        "--json",
        "levels",
        "import",
        "--guild",
        &guild,
        "levels.csv",
    ]);
    assert_eq!(imported["summary"]["total_xp_after"], 17_300, "{imported}");
    // Levels 10 and 15 earn the reward; level 2 has it taken (harmless if never held).
    assert_eq!(imported["reward_jobs"], 3, "{imported}");
    for (method, user) in [("PUT", a), ("PUT", b), ("DELETE", c)] {
        let path = role_path(user, bronze);
        stack.sandbox.expect(|r| is(r, method, &path), WITHIN).await;
    }

    let cli_order: Vec<Value> = top(&stack)
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| entry["user"].clone())
        .collect();
    assert_eq!(
        cli_order,
        [b, a, c].map(|user| json!(user.to_string())).to_vec()
    );
    // Names, not snowflakes: the CLI reads the guild model the bot persisted (written within
    // a second of the bot learning it), in its JSON beside the ids and in its table.
    let names = testing::wait_for("levels top to name the members", WITHIN, || async {
        let names: Vec<Value> = top(&stack)
            .as_array()
            .unwrap()
            .iter()
            .map(|entry| entry["name"].clone())
            .collect();
        names.iter().all(Value::is_string).then_some(names)
    })
    .await;
    assert_eq!(names.len(), 3);
    let table = guildhall(&stack.test_db.url, stack.dir.path())
        .args(["levels", "top", "--guild", &guild])
        .output()
        .unwrap();
    let table = String::from_utf8_lossy(&table.stdout).into_owned();
    for name in &names {
        let name = name.as_str().unwrap();
        assert!(table.contains(name), "{name} in {table}");
    }
    assert!(
        !table.contains(&b.to_string()),
        "no bare snowflake: {table}"
    );
    let (board, callback) = slash(&stack, small::MEMBER_C, "leaderboard", vec![]).await;
    assert!(!board.ephemeral, "the leaderboard is public");
    assert_eq!(
        board.content,
        format!(
            "**Leaderboard** · page 1 of 1\n#1 <@{b}> — level 15 (12,000 XP)\n#2 <@{a}> — level 10 (5,000 XP)\n#3 <@{c}> — level 2 (300 XP)"
        )
    );
    assert_eq!(
        callback.json()["data"]["allowed_mentions"]["users"],
        json!([]),
        "the leaderboard pings nobody"
    );
    let (past, _) = slash(
        &stack,
        small::MEMBER_C,
        "leaderboard",
        vec![SlashOption::integer("page", 2)],
    )
    .await;
    assert!(past.ephemeral);
    assert_eq!(
        past.content,
        "There is no page 2: the leaderboard has 1 page (3 members with XP)."
    );

    let (rank, _) = slash(
        &stack,
        small::MEMBER_C,
        "rank",
        vec![SlashOption::user("user", a)],
    )
    .await;
    assert!(!rank.ephemeral);
    let fields: Vec<(String, String)> = rank.embeds[0]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|field| {
            (
                field["name"].as_str().unwrap().to_owned(),
                field["value"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let field = |name: &str| {
        fields
            .iter()
            .find(|(field, _)| field == name)
            .map(|(_, value)| value.as_str())
    };
    assert_eq!(field("Level"), Some("10"), "{fields:?}");
    assert_eq!(field("Rank"), Some("#2 of 3"));
    assert_eq!(field("Total XP"), Some("5,000"));
    assert_eq!(field("XP"), Some("325 / 1,100 toward level 11"));

    // A role panel's level requirement reads the levels: level 2 is refused, level 10 served.
    let (created, _) = slash(
        &stack,
        small::ADMIN,
        "rolepanel",
        vec![SlashOption::sub(
            "create",
            vec![
                SlashOption::string("title", "Veterans"),
                SlashOption::role("role1", small::MEMBER_ROLE),
                SlashOption::integer("min_level", 5),
            ],
        )],
    )
    .await;
    assert!(
        created.content.starts_with("Role panel #1 is posted"),
        "{}",
        created.content
    );
    let panel = testing::wait_for("the panel message", WITHIN, || async {
        stack
            .sandbox
            .messages(small::GENERAL)
            .into_iter()
            .find(|message| message.author == small::BOT && !message.components.is_empty())
    })
    .await;
    let custom_id = format!("roles:p:1:{}", small::MEMBER_ROLE);
    let click = |user: UserId| {
        stack
            .sandbox
            .click(small::GUILD, small::GENERAL, user, panel.id, &custom_id)
    };
    let refused = click(c);
    let refused = stack.sandbox.interaction_response(&refused, WITHIN).await;
    assert_eq!(refused.content, "You need level 5; you are level 2.");
    // MEMBER_A holds the panel's role already (the seed), so the click takes it.
    let served = click(a);
    let served = stack.sandbox.interaction_response(&served, WITHIN).await;
    assert_eq!(served.content, "Removed @Member.");

    // The export lists the members in leaderboard order.
    let exported = run(&["levels", "export", "--guild", &guild]);
    assert!(exported.status.success(), "{exported:?}");
    assert_eq!(
        stdout(&exported),
        format!(
            "user_id,xp,level,messages,voice_seconds\n{b},12000,15,0,0\n{a},5000,10,0,0\n{c},300,2,0,0\n"
        )
    );
}
