//! Automation end to end: the real `guildhall serve` against the stand-in. A scheduled message
//! posts on its minute and, with the process killed across its due time, exactly once after the
//! restart; a reminder set for 3 s survives a kill and is delivered once; a trigger answers
//! with its variables filled, keeps its cooldown and its channel filter; a regex trigger in a
//! free guild meets the premium wall.

use std::time::Duration;

use guildhall_core::testing;
use guildhall_sandbox::model::Message;
use guildhall_sandbox::seed::small;
use guildhall_sandbox::{Seed, SlashOption};
use serde_json::Value;

use crate::e2e::{Stack, WITHIN};

async fn serve() -> Stack {
    let stack = Stack::start_with(
        Seed::small(),
        &["serve"],
        &[(small::GUILD, "features.automation", "on")],
    )
    .await;
    stack.ready().await;
    stack
}

/// Runs a slash command as `user` in #general and returns the text of its answer.
async fn slash(
    stack: &Stack,
    user: guildhall_core::ids::UserId,
    name: &str,
    options: Vec<SlashOption>,
) -> String {
    let interaction = stack
        .sandbox
        .slash(small::GUILD, small::GENERAL, user, name, options);
    let prefix = format!("/interactions/{}/", interaction.id);
    let callback = stack
        .sandbox
        .expect(
            |r| r.method.as_str() == "POST" && r.path.starts_with(&prefix),
            WITHIN,
        )
        .await;
    let body: Value = callback.json();
    if let Some(content) = body["data"]["content"].as_str() {
        return content.to_owned();
    }
    // Deferred: the answer is the follow-up edit of the original response.
    let edit = stack
        .sandbox
        .expect(
            |r| {
                r.method.as_str() == "PATCH"
                    && r.path.contains(&interaction.token)
                    && r.path.ends_with("/messages/@original")
            },
            WITHIN,
        )
        .await;
    edit.json()["content"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

fn posts_with(stack: &Stack, channel: guildhall_core::ids::ChannelId, text: &str) -> Vec<Message> {
    stack
        .sandbox
        .messages(channel)
        .into_iter()
        .filter(|message| message.author == small::BOT && message.content.contains(text))
        .collect()
}

fn restart(stack: &mut Stack) {
    stack.child = Stack::spawn(
        &stack.sandbox,
        &stack.test_db,
        stack.dir.path(),
        &["serve"],
        &[],
    );
}

fn kill(stack: &mut Stack) {
    stack.child.kill().unwrap();
    stack.child.wait().unwrap();
}

fn now_ms() -> i64 {
    guildhall_core::clock::UnixMillis::from_system_time(std::time::SystemTime::now()).0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_schedule_posts_on_its_minute_and_once_after_a_restart_across_its_due_time() {
    let mut stack = serve().await;
    let answer = slash(
        &stack,
        small::OWNER,
        "schedule",
        vec![SlashOption::sub(
            "add",
            vec![
                SlashOption::channel("channel", small::GENERAL),
                SlashOption::string("cron", "* * * * *"),
                SlashOption::string("text", "Minute bell"),
                SlashOption::string("name", "bell"),
            ],
        )],
    )
    .await;
    assert!(answer.contains("Every minute"), "{answer}");
    let show = |stack: &Stack| {
        stack.cli(&[
            "--json",
            "config",
            "get",
            "--guild",
            &small::GUILD.to_string(),
            "features.automation",
        ])
    };
    assert_eq!(show(&stack)["value"], Value::Bool(true), "{}", show(&stack));
    let clock: guildhall_core::clock::SharedClock =
        std::sync::Arc::new(guildhall_core::clock::SystemClock);
    let core = guildhall_core::Core::new(
        stack.test_db.db.clone(),
        std::sync::Arc::clone(&clock),
        std::sync::Arc::new(guildhall_core::coordination::MemoryCoordination::new(clock)),
        3,
    );
    let schedules = &core.automation;
    let first = schedules.schedules(small::GUILD).await.unwrap().remove(0);
    let due = first.next_run_at.unwrap().0;
    assert_eq!(due % 60_000, 0, "on a minute: {due}");

    // The first run, on its minute.
    let posted = testing::wait_for(
        "the first scheduled post",
        Duration::from_secs(75),
        || async {
            posts_with(&stack, small::GENERAL, "Minute bell")
                .into_iter()
                .next()
        },
    )
    .await;
    assert!(
        posted.timestamp.0 >= due,
        "posted at {} before {due}",
        posted.timestamp.0
    );

    // Down across the next due time; the run is made up once on start.
    let next = testing::wait_for("the next run planned", WITHIN, || async {
        let row = schedules.scheduled(small::GUILD, first.id).await.unwrap();
        row.next_run_at.filter(|next| next.0 > due)
    })
    .await;
    kill(&mut stack);
    let wait = u64::try_from(next.0 + 1_500 - now_ms()).unwrap_or(0);
    tokio::time::sleep(Duration::from_millis(wait)).await;
    assert_eq!(posts_with(&stack, small::GENERAL, "Minute bell").len(), 1);
    restart(&mut stack);
    // A restart on a loaded machine (the whole suite on two cores) reconnects, receives the
    // guild and starts its worker before the missed run can go: give it a minute.
    testing::wait_for(
        "the missed run posted after the restart",
        Duration::from_secs(60),
        || async { (posts_with(&stack, small::GENERAL, "Minute bell").len() >= 2).then_some(()) },
    )
    .await;
    // Give a double every chance to show up before counting, then see the run after it is
    // planned after now (not once per missed tick).
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(posts_with(&stack, small::GENERAL, "Minute bell").len(), 2);
    let row = schedules.scheduled(small::GUILD, first.id).await.unwrap();
    assert_eq!(row.runs, 2, "{row:?}");
    assert!(row.next_run_at.unwrap().0 > now_ms(), "{row:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reminder_survives_a_kill_and_is_delivered_once() {
    let mut stack = serve().await;
    let answer = slash(
        &stack,
        small::MEMBER_A,
        "remind",
        vec![SlashOption::sub(
            "me",
            vec![
                SlashOption::string("in", "3s"),
                SlashOption::string("what", "stretch your legs"),
            ],
        )],
    )
    .await;
    assert!(answer.starts_with("Reminder #1 set for"), "{answer}");
    kill(&mut stack);
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert!(posts_with(&stack, small::GENERAL, "stretch your legs").is_empty());
    restart(&mut stack);
    let delivered = testing::wait_for("the reminder", WITHIN, || async {
        posts_with(&stack, small::GENERAL, "stretch your legs")
            .into_iter()
            .next()
    })
    .await;
    assert!(
        delivered.content.starts_with(&format!(
            "⏰ <@{}>, you asked me to remind you: stretch your legs",
            small::MEMBER_A
        )),
        "{}",
        delivered.content
    );
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        posts_with(&stack, small::GENERAL, "stretch your legs").len(),
        1
    );
    // Nothing left waiting.
    let answer = slash(
        &stack,
        small::MEMBER_A,
        "remind",
        vec![SlashOption::sub("list", vec![])],
    )
    .await;
    assert!(answer.contains("no reminders waiting"), "{answer}");
    // Bad input says what is accepted and sets nothing.
    let answer = slash(
        &stack,
        small::MEMBER_A,
        "remind",
        vec![SlashOption::sub(
            "me",
            vec![
                SlashOption::string("in", "whenever"),
                SlashOption::string("what", "x"),
            ],
        )],
    )
    .await;
    assert!(
        answer.contains("`whenever` is not a time") && answer.contains("10m"),
        "{answer}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trigger_answers_with_its_variables_within_its_cooldown_and_channel() {
    let stack = serve().await;
    let answer = slash(
        &stack,
        small::OWNER,
        "trigger",
        vec![SlashOption::sub(
            "add",
            vec![
                SlashOption::string("name", "greeter"),
                SlashOption::string("pattern", "hello"),
                SlashOption::string(
                    "response",
                    "Hi {user} ({user.name}), welcome to {server} in {channel}!",
                ),
                SlashOption::string("cooldown", "1h"),
                SlashOption::channel("channel", small::GENERAL),
            ],
        )],
    )
    .await;
    assert!(answer.starts_with("Trigger “greeter” added"), "{answer}");
    // Unknown placeholders are refused with the list.
    let refused = slash(
        &stack,
        small::OWNER,
        "trigger",
        vec![SlashOption::sub(
            "add",
            vec![
                SlashOption::string("name", "typo"),
                SlashOption::string("pattern", "bye"),
                SlashOption::string("response", "Bye {username}"),
            ],
        )],
    )
    .await;
    assert!(
        refused.contains("`{username}`") && refused.contains("{membercount}"),
        "{refused}"
    );

    // Elsewhere than its channel: nothing.
    stack
        .sandbox
        .say(small::GUILD, small::MOD_LOG, small::MEMBER_A, "hello there");
    // In its channel: the answer with every variable filled.
    stack.sandbox.say(
        small::GUILD,
        small::GENERAL,
        small::MEMBER_A,
        "well hello there",
    );
    let greeting = testing::wait_for("the trigger's answer", WITHIN, || async {
        posts_with(&stack, small::GENERAL, "welcome to")
            .into_iter()
            .next()
    })
    .await;
    let guild_name = stack.sandbox.guild(small::GUILD).unwrap().name;
    let member_name = "alice";
    assert_eq!(
        greeting.content,
        format!(
            "Hi <@{}> ({member_name}), welcome to {guild_name} in <#{}>!",
            small::MEMBER_A,
            small::GENERAL
        )
    );
    // Within its cooldown the same member gets nothing; another member does.
    stack
        .sandbox
        .say(small::GUILD, small::GENERAL, small::MEMBER_A, "hello again");
    stack
        .sandbox
        .say(small::GUILD, small::GENERAL, small::MEMBER_B, "hello!");
    testing::wait_for("the second member's answer", WITHIN, || async {
        posts_with(
            &stack,
            small::GENERAL,
            &format!("Hi <@{}>", small::MEMBER_B),
        )
        .into_iter()
        .next()
    })
    .await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(posts_with(&stack, small::GENERAL, "welcome to").len(), 2);
    assert!(posts_with(&stack, small::MOD_LOG, "welcome to").is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_regex_trigger_in_a_free_guild_meets_the_premium_wall() {
    let stack = serve().await;
    let answer = slash(
        &stack,
        small::OWNER,
        "trigger",
        vec![SlashOption::sub(
            "add",
            vec![
                SlashOption::string("name", "invites"),
                SlashOption::string("pattern", r"discord\.gg/\w+"),
                SlashOption::string("response", "No invites, {user}."),
                SlashOption::integer("kind", 4),
            ],
        )],
    )
    .await;
    assert!(
        answer
            .starts_with("Regex triggers need Guildhall Premium; this server is on the Free tier"),
        "{answer}"
    );
    // Nothing was saved.
    let settings = stack.cli(&[
        "--json",
        "config",
        "get",
        "--guild",
        &small::GUILD.to_string(),
        "automation.triggers",
    ]);
    assert_eq!(settings["value"], serde_json::json!([]), "{settings}");
}

/// Where a member's DMs went: the texts of the messages posted in their DM channel.
fn dms_to(stack: &Stack, user: guildhall_core::ids::UserId) -> Vec<String> {
    let requests = stack.sandbox.requests();
    let channels: Vec<String> = requests
        .iter()
        .filter(|r| {
            r.method.as_str() == "POST"
                && r.path == "/users/@me/channels"
                && r.json()["recipient_id"] == user.to_string()
                && r.status == 200
        })
        .filter_map(|r| {
            r.response
                .as_ref()
                .and_then(|body| body["id"].as_str().map(str::to_owned))
        })
        .collect();
    requests
        .iter()
        .filter(|r| {
            r.method.as_str() == "POST"
                && channels
                    .iter()
                    .any(|channel| r.path == format!("/channels/{channel}/messages"))
        })
        .filter_map(|r| r.json()["content"].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_join_automation_gives_the_role_waits_rechecks_and_dms_across_a_restart() {
    let sandbox = guildhall_sandbox::Sandbox::start(Seed::small())
        .await
        .unwrap();
    let flows = serde_json::json!([{
        "name": "welcome",
        "when": {"on": "member_joined"},
        "steps": [
            {"do": "add_role", "role": small::MEMBER_ROLE.to_string()},
            {"do": "wait", "seconds": 5},
            {"do": "check", "lacks_all": [small::MOD_ROLE.to_string()]},
            {"do": "dm", "text": "Welcome to {server}, {user.name}! Please read the rules."}
        ]
    }])
    .to_string();
    let mut stack = Stack::on_configured_then(
        sandbox,
        &["serve"],
        &[],
        &[
            (small::GUILD, "features.automation", "on"),
            (small::GUILD, "automation.flows", &flows),
        ],
        |db| crate::premium::premium_before_start(db, small::GUILD),
    )
    .await;
    stack.ready().await;
    let newbie = stack
        .sandbox
        .member_join(small::GUILD, guildhall_sandbox::UserSpec::named("newbie"));
    let hasty = stack
        .sandbox
        .member_join(small::GUILD, guildhall_sandbox::UserSpec::named("hasty"));
    for user in [newbie, hasty] {
        stack
            .sandbox
            .expect(
                |r| {
                    r.method.as_str() == "PUT"
                        && r.path
                            == format!(
                                "/guilds/{}/members/{user}/roles/{}",
                                small::GUILD,
                                small::MEMBER_ROLE
                            )
                },
                WITHIN,
            )
            .await;
    }
    // One of them becomes a moderator during the wait: the check stops their run.
    stack.sandbox.member_update(small::GUILD, hasty, |member| {
        member.roles.push(small::MOD_ROLE);
    });
    tokio::time::sleep(Duration::from_millis(500)).await;
    // Down across the end of the wait: the run resumes at its step after the restart.
    kill(&mut stack);
    tokio::time::sleep(Duration::from_secs(6)).await;
    assert!(dms_to(&stack, newbie).is_empty());
    restart(&mut stack);
    let dm = testing::wait_for("the welcome DM", WITHIN, || async {
        dms_to(&stack, newbie).into_iter().next()
    })
    .await;
    assert_eq!(
        dm,
        "Welcome to Guildhall Test, newbie! Please read the rules."
    );
    let clock: guildhall_core::clock::SharedClock =
        std::sync::Arc::new(guildhall_core::clock::SystemClock);
    let core = guildhall_core::Core::new(
        stack.test_db.db.clone(),
        std::sync::Arc::clone(&clock),
        std::sync::Arc::new(guildhall_core::coordination::MemoryCoordination::new(clock)),
        3,
    );
    let runs = testing::wait_for("both runs finished", WITHIN, || async {
        let runs = core
            .automation
            .runs(small::GUILD, Some("welcome"), 10)
            .await
            .unwrap();
        runs.iter()
            .all(|run| run.state == "done" || run.state == "stopped")
            .then_some(runs)
    })
    .await;
    let of = |user| runs.iter().find(|run| run.user == Some(user)).unwrap();
    let done = of(newbie);
    assert_eq!(done.state, "done", "{done:?}");
    let history: Vec<&str> = done.log.iter().map(|entry| entry.what.as_str()).collect();
    assert_eq!(history.len(), 6, "{history:?}");
    assert!(
        history[0].starts_with("started: a member joins"),
        "{history:?}"
    );
    assert!(history[1].starts_with("give <@&"), "{history:?}");
    assert_eq!(history[2], "wait 5s");
    assert!(history[3].ends_with(": passed"), "{history:?}");
    assert!(history[4].starts_with("DM the member"), "{history:?}");
    assert_eq!(history[5], "finished");
    let stopped = of(hasty);
    assert_eq!(stopped.state, "stopped", "{stopped:?}");
    assert!(
        stopped
            .log
            .last()
            .unwrap()
            .what
            .starts_with("stopped: the member has <@&"),
        "{stopped:?}"
    );
    assert!(dms_to(&stack, hasty).is_empty());
    assert_eq!(dms_to(&stack, newbie).len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_hundred_posts_due_at_one_minute_in_five_hundred_guilds_arrive_once_within_the_global_limit()
 {
    use guildhall_sandbox::seed::{SeedGuild, bot_permissions, snowflake};
    const GUILDS: u64 = 500;
    const T0: u64 = 200_000_000_000;
    let mut seed = Seed::new().user(small::OWNER, "olivia_owner");
    let mut guilds = Vec::new();
    for index in 0..GUILDS {
        let guild = guildhall_core::ids::GuildId::new(snowflake(T0 + index, 1));
        let channel = guildhall_core::ids::ChannelId::new(snowflake(T0 + index, 2));
        let role = guildhall_core::ids::RoleId::new(snowflake(T0 + index, 3));
        seed = seed.guild(
            SeedGuild::new(guild, &format!("Guild {index}"), small::OWNER)
                .bot_role(role, "Guildhall", 5, bot_permissions(), small::BOT)
                .text_channel(channel, "general")
                .member(small::BOT, &[role]),
        );
        guilds.push((guild, channel));
    }
    let sandbox = guildhall_sandbox::Sandbox::start(seed).await.unwrap();
    let planned = guilds.clone();
    let stack = Stack::on_configured_then(sandbox, &["serve"], &[], &[], |db| async move {
        let clock: guildhall_core::clock::SharedClock =
            std::sync::Arc::new(guildhall_core::clock::SystemClock);
        let core = guildhall_core::Core::new(
            db,
            std::sync::Arc::clone(&clock),
            std::sync::Arc::new(guildhall_core::coordination::MemoryCoordination::new(clock)),
            3,
        );
        for (guild, channel) in planned {
            core.config
                .set_key(guild, "features.automation", "on", "test")
                .await
                .unwrap();
            core.automation
                .create_schedule(
                    guildhall_core::automation::NewSchedule {
                        guild,
                        channel,
                        name: "burst".into(),
                        cron: "* * * * *".into(),
                        timezone: None,
                        post: guildhall_core::automation::ScheduledPost {
                            text: format!("burst for {guild}"),
                            ..guildhall_core::automation::ScheduledPost::default()
                        },
                    },
                    "test",
                )
                .await
                .unwrap();
        }
    })
    .await;
    stack.sandbox.wait_for_sessions(1, WITHIN).await;
    let posts = |stack: &Stack| {
        stack
            .sandbox
            .requests()
            .into_iter()
            .filter(|r| {
                r.method.as_str() == "POST"
                    && r.status == 200
                    && r.path.starts_with("/channels/")
                    && r.json()["content"]
                        .as_str()
                        .is_some_and(|text| text.starts_with("burst for "))
            })
            .count()
    };
    testing::wait_for("500 scheduled posts", Duration::from_secs(150), || async {
        (posts(&stack) >= 500).then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    // Each guild's channel got its post exactly once.
    for (guild, channel) in &guilds {
        let mine = posts_with(&stack, *channel, &format!("burst for {guild}"));
        assert_eq!(mine.len(), 1, "{guild}: {mine:?}");
    }
    // What Discord saw: every bot request (interaction callbacks aside), by arrival.
    let requests: Vec<_> = stack
        .sandbox
        .requests()
        .into_iter()
        .filter(|r| !r.path.starts_with("/interactions/") && !r.path.starts_with("/oauth2"))
        .collect();
    let mut arrivals: Vec<i64> = requests
        .iter()
        .filter(|r| r.status != 429)
        .map(|r| r.at.0)
        .collect();
    arrivals.sort_unstable();
    let mut busiest = 0;
    let mut start = 0;
    for end in 0..arrivals.len() {
        while arrivals[end] - arrivals[start] >= 1_000 {
            start += 1;
        }
        busiest = busiest.max(end - start + 1);
    }
    let refused = requests.iter().filter(|r| r.status == 429).count();
    let first = requests
        .iter()
        .filter(|r| {
            r.json()["content"]
                .as_str()
                .is_some_and(|t| t.starts_with("burst for "))
        })
        .map(|r| r.at.0)
        .min()
        .unwrap();
    let last = requests
        .iter()
        .filter(|r| {
            r.json()["content"]
                .as_str()
                .is_some_and(|t| t.starts_with("burst for "))
        })
        .map(|r| r.at.0)
        .max()
        .unwrap();
    println!(
        "500 posts drained in {:.1} s; busiest second: {busiest} requests; 429s: {refused}",
        (last - first) as f64 / 1_000.0
    );
    assert!(busiest <= 50, "{busiest} requests within one second");
    assert_eq!(
        refused, 0,
        "the executor went over Discord's global limit {refused} times"
    );
}
