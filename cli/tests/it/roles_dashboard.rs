//! A role panel made in the dashboard, end to end: `guildhall serve` runs the bot, the job
//! worker and the dashboard; the panel is posted by the bot through the job ledger, its message
//! recorded, its button gives the role, and an edit in the dashboard edits the posted message.

use guildhall_core::ids::MessageId;
use guildhall_core::testing;
use guildhall_sandbox::Seed;
use guildhall_sandbox::seed::small;

use crate::dashboard::{self, Dashboard};
use crate::e2e::{Stack, WITHIN};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panel_made_in_the_dashboard_is_posted_recorded_clicked_and_edited() {
    let sandbox = guildhall_sandbox::Sandbox::start(Seed::small())
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
        &[(small::GUILD, "features.roles", "on")],
        |_| async {},
    )
    .await;
    stack.ready().await;
    let mut owner = Dashboard::login(&stack.sandbox, web_port, small::OWNER).await;
    let guild = small::GUILD;
    let channel = small::GENERAL.to_string();
    let role = small::MEMBER_ROLE.to_string();

    // The owner builds a panel with a role below the bot's.
    let created = owner
        .post_form(
            &format!("/guilds/{guild}/roles/panels"),
            &[
                ("channel", &channel),
                ("title", "Pings"),
                ("description", "Take the role to hear about events"),
                ("opt_role_0", &role),
            ],
        )
        .await;
    assert_eq!(
        created.status(),
        reqwest::StatusCode::SEE_OTHER,
        "{}\n{}",
        created.text().await.unwrap_or_default(),
        stack.log()
    );
    let panels = guildhall_core::roles::store::list_panels(&stack.test_db.db, guild)
        .await
        .unwrap();
    assert_eq!(panels.len(), 1);
    let panel = panels[0].id;
    let custom_id = format!("roles:p:{panel}:{role}");

    // The bot posts it, with the role's button, and the message id is recorded.
    let post = stack
        .sandbox
        .expect(
            |request| {
                request.method.as_str() == "POST"
                    && request.path == format!("/channels/{channel}/messages")
                    && request.json().to_string().contains(&custom_id)
            },
            WITHIN,
        )
        .await;
    assert_eq!(post.status, 200, "{:?}", post.response);
    assert_eq!(post.json()["embeds"][0]["title"], "Pings");
    let message: MessageId = post.response.as_ref().unwrap()["id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    testing::wait_for("the panel's message recorded", WITHIN, || async {
        guildhall_core::roles::store::get_panel(&stack.test_db.db, guild, panel)
            .await
            .unwrap()
            .and_then(|stored| stored.message)
            .filter(|recorded| *recorded == message)
    })
    .await;

    // A member clicks: the role is given.
    let click = stack
        .sandbox
        .click(guild, small::GENERAL, small::MEMBER_C, message, &custom_id);
    let answer = stack.sandbox.interaction_response(&click, WITHIN).await;
    assert_eq!(answer.content, "Added @Member.");
    let role_path = format!("/guilds/{guild}/members/{}/roles/{role}", small::MEMBER_C);
    let added = stack
        .sandbox
        .expect(
            |request| request.method.as_str() == "PUT" && request.path == role_path,
            WITHIN,
        )
        .await;
    assert_eq!(added.status, 204);

    // The owner renames the panel: the bot edits the posted message.
    let saved = owner
        .post_form(
            &format!("/guilds/{guild}/roles/panels/{panel}"),
            &[
                ("title", "Pings and news"),
                ("description", "Take the role to hear about events"),
                ("opt_role_0", &role),
            ],
        )
        .await;
    assert_eq!(saved.status(), reqwest::StatusCode::SEE_OTHER);
    let edit = stack
        .sandbox
        .expect(
            |request| {
                request.method.as_str() == "PATCH"
                    && request.path == format!("/channels/{channel}/messages/{message}")
            },
            WITHIN,
        )
        .await;
    assert_eq!(edit.status, 200, "{:?}", edit.response);
    assert_eq!(edit.json()["embeds"][0]["title"], "Pings and news");
    let posts = stack
        .sandbox
        .requests()
        .iter()
        .filter(|request| {
            request.method.as_str() == "POST"
                && request.path == format!("/channels/{channel}/messages")
                && request.json().to_string().contains(&custom_id)
        })
        .count();
    assert_eq!(posts, 1, "the panel is posted once");
}
