//! The public web leaderboard of a running `guildhall serve` shows the members in the same order
//! as `/leaderboard` in Discord, from XP earned by messages through the bot's write-behind.

use guildhall_core::ids::UserId;
use guildhall_core::testing;
use guildhall_sandbox::seed::small;
use guildhall_sandbox::{Sandbox, Seed};
use serde_json::Value;

use crate::dashboard;
use crate::e2e::{Stack, WITHIN};
use crate::support::guildhall;

/// The user ids of `<@id>` mentions in `text`, in order.
fn mentioned(text: &str) -> Vec<String> {
    text.split("<@")
        .skip(1)
        .filter_map(|rest| rest.split('>').next())
        .map(str::to_owned)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_web_leaderboard_shows_the_same_order_as_the_slash_command() {
    let sandbox = Sandbox::start(Seed::small()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let test_db = testing::sqlite_unmigrated().await;
    test_db.db.migrate().await.unwrap();
    let guild = small::GUILD.to_string();
    // Every message earns exactly 20 XP, with no cooldown: the order follows message counts.
    for (key, value) in [
        ("features.levels", "on"),
        ("levels.flush_interval_secs", "1"),
        ("levels.cooldown_secs", "0"),
        ("levels.xp_min", "20"),
        ("levels.xp_max", "20"),
        ("levels.public_leaderboard", "on"),
    ] {
        let output = guildhall(&test_db.url, dir.path())
            .args(["config", "set", "--guild", &guild, key, value])
            .output()
            .unwrap();
        assert!(output.status.success(), "{key} = {value}: {output:?}");
    }
    let port = dashboard::free_port();
    let env = dashboard::env(&sandbox, port);
    let env: Vec<(&str, &str)> = env
        .iter()
        .map(|(key, value)| (key.as_str(), value.as_str()))
        .collect();
    let child = Stack::spawn(&sandbox, &test_db, dir.path(), &["serve"], &env);
    let stack = Stack {
        sandbox,
        test_db,
        dir,
        child,
    };
    stack.ready().await;

    let counts: [(UserId, usize); 4] = [
        (small::MEMBER_B, 4),
        (small::MEMBER_A, 3),
        (small::MOD_B, 2),
        (small::MEMBER_C, 1),
    ];
    for (user, count) in counts {
        for index in 0..count {
            stack.sandbox.say(
                small::GUILD,
                small::GENERAL,
                user,
                &format!("hello {index}"),
            );
        }
    }
    let expected: Vec<String> = counts.iter().map(|(user, _)| user.to_string()).collect();
    // Written behind within the flush interval.
    testing::wait_for("every member's XP written", WITHIN, || async {
        let top = stack.cli(&["--json", "levels", "top", "--guild", &guild]);
        let users: Vec<String> = top
            .as_array()?
            .iter()
            .filter_map(|entry| entry["user"].as_str().map(str::to_owned))
            .collect();
        let total: i64 = top
            .as_array()?
            .iter()
            .filter_map(|entry| entry["xp"].as_i64())
            .sum();
        (users == expected && total == 200).then_some(())
    })
    .await;

    let interaction = stack.sandbox.slash(
        small::GUILD,
        small::GENERAL,
        small::MEMBER_C,
        "leaderboard",
        vec![],
    );
    let board = stack
        .sandbox
        .interaction_response(&interaction, WITHIN)
        .await;
    assert_eq!(mentioned(&board.content), expected, "{}", board.content);

    // The public page, with no login: JSON and HTML in the same order.
    let http = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}");
    let data: Value = http
        .get(format!("{base}/leaderboard/{guild}/data"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let web_order: Vec<String> = data["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|member| member["user"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(web_order, expected, "{data}");
    assert_eq!(data["members"][0]["xp"], 80, "{data}");
    // Names come from the bot's view of the guild, shared in process by `serve`.
    assert_eq!(data["members"][0]["name"], "bob", "{data}");
    let page = http
        .get(format!("{base}/leaderboard/{guild}"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let positions: Vec<usize> = expected
        .iter()
        .map(|user| {
            page.find(user.as_str())
                .unwrap_or_else(|| panic!("{user} in {page}"))
        })
        .collect();
    assert!(
        positions.windows(2).all(|pair| pair[0] < pair[1]),
        "the HTML lists them in order: {positions:?}"
    );

    // Another guild's leaderboard is not public: nothing is revealed.
    let other = http
        .get(format!("{base}/leaderboard/{}/data", small::OTHER_GUILD))
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), reqwest::StatusCode::NOT_FOUND);
}
