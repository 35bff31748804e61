//! Roles end to end: the real binary, the stand-in, the REST calls Discord receives. Role
//! panels toggle roles and refuse roles above the bot, timed roles are removed on time after a
//! restart (and early from the CLI), automatic roles follow joins and membership screening, and
//! `/role` is limited to the self-assignable roles.

use std::time::{Duration, SystemTime};

use guildhall_core::clock::UnixMillis;
use guildhall_core::ids::{RoleId, UserId};
use guildhall_core::permissions::Permissions;
use guildhall_core::testing;
use guildhall_sandbox::seed::small;
use guildhall_sandbox::{RecordedRequest, Seed, SlashOption, UserSpec};

use crate::e2e::{Stack, WITHIN};
use crate::support::guildhall;

fn set(stack: &Stack, key: &str, value: &str) {
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

fn role_path(user: UserId, role: RoleId) -> String {
    format!("/guilds/{}/members/{user}/roles/{role}", small::GUILD)
}

fn is(request: &RecordedRequest, method: &str, path: &str) -> bool {
    request.method.as_str() == method && request.path == path
}

fn count(stack: &Stack, method: &str, path: &str) -> usize {
    stack
        .sandbox
        .requests()
        .iter()
        .filter(|request| is(request, method, path))
        .count()
}

/// Runs a slash command and returns the bot's (ephemeral) answer.
async fn slash(
    stack: &Stack,
    user: UserId,
    name: &str,
    options: Vec<SlashOption>,
) -> guildhall_sandbox::InteractionResponse {
    let interaction = stack
        .sandbox
        .slash(small::GUILD, small::GENERAL, user, name, options);
    stack
        .sandbox
        .interaction_response(&interaction, WITHIN)
        .await
}

fn panels_posted(stack: &Stack) -> Vec<guildhall_sandbox::model::Message> {
    stack
        .sandbox
        .messages(small::GENERAL)
        .into_iter()
        .filter(|message| message.author == small::BOT && !message.components.is_empty())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panel_button_toggles_its_role_and_a_role_above_the_bot_is_refused_at_creation() {
    let stack = Stack::start_with(
        Seed::small(),
        &["serve"],
        &[(small::GUILD, "features.roles", "on")],
    )
    .await;
    stack.ready().await;

    // A panel role above the bot's own is refused at creation, named with the fix, and no
    // panel is posted.
    let refused = slash(
        &stack,
        small::OWNER,
        "rolepanel",
        vec![SlashOption::sub(
            "create",
            vec![
                SlashOption::string("title", "Staff"),
                SlashOption::role("role1", small::ADMIN_ROLE),
            ],
        )],
    )
    .await;
    assert!(refused.ephemeral);
    assert_eq!(
        refused.content,
        "I cannot give @Admin: it is above my highest role (@Guildhall); move my role above it in Server Settings → Roles."
    );
    assert!(panels_posted(&stack).is_empty());
    let stored = stack.cli(&["--json", "refusals", "--guild", &small::GUILD.to_string()]);
    assert_eq!(stored[0]["action"], "rolepanel.create", "{stored}");
    assert_eq!(stored[0]["code"], "role_not_below_bot");

    // A role below the bot: the panel is posted with a button for it.
    let created = slash(
        &stack,
        small::ADMIN,
        "rolepanel",
        vec![SlashOption::sub(
            "create",
            vec![
                SlashOption::string("title", "Pings"),
                SlashOption::role("role1", small::MEMBER_ROLE),
                SlashOption::string("description", "Take the role to hear about events"),
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
        panels_posted(&stack).into_iter().next()
    })
    .await;
    let custom_id = format!("roles:p:1:{}", small::MEMBER_ROLE);
    let buttons: Vec<String> = panel
        .components
        .iter()
        .flat_map(|row| row["components"].as_array().cloned().unwrap_or_default())
        .filter_map(|component| component["custom_id"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(buttons, std::slice::from_ref(&custom_id));

    // A member without the role clicks: it is added; a second click takes it away.
    let path = role_path(small::MEMBER_C, small::MEMBER_ROLE);
    let click = stack.sandbox.click(
        small::GUILD,
        small::GENERAL,
        small::MEMBER_C,
        panel.id,
        &custom_id,
    );
    let answer = stack.sandbox.interaction_response(&click, WITHIN).await;
    assert!(answer.ephemeral);
    assert_eq!(answer.content, "Added @Member.");
    let added = stack
        .sandbox
        .expect(|request| is(request, "PUT", &path), WITHIN)
        .await;
    assert_eq!(added.status, 204);
    assert_eq!(added.audit_reason.as_deref(), Some("role panel #1"));
    assert!(
        stack
            .sandbox
            .member(small::GUILD, small::MEMBER_C)
            .unwrap()
            .roles
            .contains(&small::MEMBER_ROLE)
    );
    let click = stack.sandbox.click(
        small::GUILD,
        small::GENERAL,
        small::MEMBER_C,
        panel.id,
        &custom_id,
    );
    let answer = stack.sandbox.interaction_response(&click, WITHIN).await;
    assert_eq!(answer.content, "Removed @Member.");
    stack
        .sandbox
        .expect(|request| is(request, "DELETE", &path), WITHIN)
        .await;
    assert!(
        !stack
            .sandbox
            .member(small::GUILD, small::MEMBER_C)
            .unwrap()
            .roles
            .contains(&small::MEMBER_ROLE)
    );

    // The operator sees the panel, with the message it was posted as.
    let panels = stack.cli(&[
        "--json",
        "roles",
        "panels",
        "--guild",
        &small::GUILD.to_string(),
    ]);
    assert_eq!(panels.as_array().unwrap().len(), 1, "{panels}");
    assert_eq!(panels[0]["message"], panel.id.to_string());
    assert_eq!(panels[0]["options"][0]["label"], "Member");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timed_role_is_removed_on_time_after_a_restart() {
    let sandbox = guildhall_sandbox::Sandbox::start(Seed::small())
        .await
        .unwrap();
    // Timed roles are premium.
    let mut stack = Stack::on_configured_then(
        sandbox,
        &["serve"],
        &[],
        &[(small::GUILD, "features.roles", "on")],
        |db| crate::premium::premium_before_start(db, small::GUILD),
    )
    .await;
    stack.ready().await;
    let guild = small::GUILD.to_string();

    // A timed role ended early from the CLI: its timer is cancelled and the bot removes it.
    let answer = slash(
        &stack,
        small::ADMIN,
        "temprole",
        vec![SlashOption::sub(
            "add",
            vec![
                SlashOption::user("user", small::MEMBER_B),
                SlashOption::role("role", small::MOD_ROLE),
                SlashOption::string("duration", "1d"),
            ],
        )],
    )
    .await;
    assert!(
        answer
            .content
            .starts_with(&format!("<@{}> has @Moderator until <t:", small::MEMBER_B)),
        "{}",
        answer.content
    );
    let early = role_path(small::MEMBER_B, small::MOD_ROLE);
    stack
        .sandbox
        .expect(|request| is(request, "PUT", &early), WITHIN)
        .await;
    let removed = stack.cli(&[
        "--json",
        "roles",
        "timed",
        "remove",
        "--guild",
        &guild,
        "--user",
        &small::MEMBER_B.to_string(),
        "--role",
        &small::MOD_ROLE.to_string(),
    ]);
    assert_eq!(removed["removed"]["removal"], "early", "{removed}");
    stack
        .sandbox
        .expect(|request| is(request, "DELETE", &early), WITHIN)
        .await;

    // A three-second role, then the process dies before it ends and comes back after.
    slash(
        &stack,
        small::ADMIN,
        "temprole",
        vec![SlashOption::sub(
            "add",
            vec![
                SlashOption::user("user", small::MEMBER_A),
                SlashOption::role("role", small::MOD_ROLE),
                SlashOption::string("duration", "3s"),
            ],
        )],
    )
    .await;
    let path = role_path(small::MEMBER_A, small::MOD_ROLE);
    stack
        .sandbox
        .expect(|request| is(request, "PUT", &path), WITHIN)
        .await;
    stack.child.kill().unwrap();
    stack.child.wait().unwrap();
    let killed_at = UnixMillis::from_system_time(SystemTime::now());
    assert_eq!(count(&stack, "DELETE", &path), 0, "removed before its time");
    let running = stack.cli(&["--json", "roles", "timed", "list", "--guild", &guild]);
    assert_eq!(running.as_array().unwrap().len(), 1, "{running}");
    assert_eq!(running[0]["user"], small::MEMBER_A.to_string());
    assert_eq!(running[0]["source"], "command");
    let expires_at = UnixMillis(running[0]["expires_at"].as_i64().unwrap());

    stack.sandbox.wait_for_connected_count(0, WITHIN).await;
    stack.child = Stack::spawn(
        &stack.sandbox,
        &stack.test_db,
        stack.dir.path(),
        &["serve"],
        &[],
    );
    let removed = stack
        .sandbox
        .expect(|request| is(request, "DELETE", &path), WITHIN)
        .await;
    assert!(
        removed.at >= expires_at,
        "removed at {:?}, due {expires_at:?}",
        removed.at
    );
    assert!(removed.at > killed_at, "removed by the restarted process");
    assert_eq!(removed.audit_reason.as_deref(), Some("timed role expired"));
    assert!(
        !stack
            .sandbox
            .member(small::GUILD, small::MEMBER_A)
            .unwrap()
            .roles
            .contains(&small::MOD_ROLE)
    );
    let running = stack.cli(&["--json", "roles", "timed", "list", "--guild", &guild]);
    assert_eq!(running, serde_json::json!([]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auto_roles_follow_joins_and_screening_and_role_add_is_limited_to_self_roles() {
    let stack = Stack::start(Seed::small(), &["serve"], &[]).await;
    stack.ready().await;
    let verified = stack
        .sandbox
        .create_role(small::GUILD, "Verified", 2, Permissions::NONE);
    set(&stack, "features.roles", "on");
    set(
        &stack,
        "roles.auto_roles_on_join",
        &format!("[\"{}\"]", small::MEMBER_ROLE),
    );
    set(
        &stack,
        "roles.auto_roles_on_screening",
        &format!("[\"{verified}\"]"),
    );
    set(
        &stack,
        "roles.self_roles",
        &format!("[\"{}\"]", small::MEMBER_ROLE),
    );

    // Members join until the running bot has picked the settings up: each gets the join role.
    let mut joined = 0;
    testing::wait_for("a joining member to get the join role", WITHIN, || {
        joined += 1;
        let user = stack
            .sandbox
            .member_join(small::GUILD, UserSpec::named(&format!("newcomer{joined}")));
        let path = role_path(user, small::MEMBER_ROLE);
        let stack = &stack;
        async move {
            tokio::time::sleep(Duration::from_millis(300)).await;
            (count(stack, "PUT", &path) == 1).then_some(())
        }
    })
    .await;

    // A member still in screening gets the join role at once and the screening role only once
    // they pass it.
    let pending = stack
        .sandbox
        .member_join(small::GUILD, UserSpec::named("pending_pat").pending());
    stack
        .sandbox
        .expect(
            |request| is(request, "PUT", &role_path(pending, small::MEMBER_ROLE)),
            WITHIN,
        )
        .await;
    let screening = role_path(pending, verified);
    assert_eq!(count(&stack, "PUT", &screening), 0);
    stack
        .sandbox
        .member_update(small::GUILD, pending, |member| member.pending = false);
    let given = stack
        .sandbox
        .expect(|request| is(request, "PUT", &screening), WITHIN)
        .await;
    assert_eq!(
        given.audit_reason.as_deref(),
        Some("auto role after membership screening")
    );

    // `/role add` of a role not on the list is refused with the list; a listed role is given.
    let refused = slash(
        &stack,
        small::MEMBER_C,
        "role",
        vec![SlashOption::sub(
            "add",
            vec![SlashOption::role("role", small::MOD_ROLE)],
        )],
    )
    .await;
    assert!(refused.ephemeral);
    assert_eq!(
        refused.content,
        "@Moderator is not a self-assignable role here; you can take: @Member."
    );
    assert_eq!(
        count(&stack, "PUT", &role_path(small::MEMBER_C, small::MOD_ROLE)),
        0
    );
    let taken = slash(
        &stack,
        small::MEMBER_C,
        "role",
        vec![SlashOption::sub(
            "add",
            vec![SlashOption::role("role", small::MEMBER_ROLE)],
        )],
    )
    .await;
    assert_eq!(taken.content, "Added @Member.");
    stack
        .sandbox
        .expect(
            |request| {
                is(
                    request,
                    "PUT",
                    &role_path(small::MEMBER_C, small::MEMBER_ROLE),
                )
            },
            WITHIN,
        )
        .await;
}
