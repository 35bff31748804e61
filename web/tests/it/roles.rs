//! The roles pages: panels created, previewed, edited and deleted from the dashboard (checked
//! like the bot's `/rolepanel`, handed to the bot through the job ledger), self and automatic
//! roles saved into the settings, timed roles listed and ended early; refused to strangers,
//! members without Manage Server and other guilds' admins, and to requests without the CSRF
//! token.

use std::sync::Arc;
use std::time::Duration;

use guildhall_core::coordination::MemoryCoordination;
use guildhall_core::effect::Effect;
use guildhall_core::eligibility::Requirements;
use guildhall_core::ids::{GuildId, MessageId, RoleId, UserId};
use guildhall_core::jobs::{JobFilter, JobRecord, JobState, perform};
use guildhall_core::permissions::{GuildInfo, MemberInfo, Permissions, RoleInfo};
use guildhall_core::roles::{
    EXPIRE_TIMED_ROLE, POST_PANEL, PanelChoice, PanelContent, PanelOption, PanelRequest,
    PanelStyle, RoleAuthority, RoleService, RoleSettings, TimedGrant, TimedSource,
};
use guildhall_sandbox::seed::small;
use reqwest::StatusCode;

use crate::support::{Browser, Harness, location};

const ABOVE_THE_BOT: &str = "I cannot give @Admin: it is above my highest role (@Guildhall); move my role above it in Server Settings → Roles.";

pub(crate) fn service(harness: &Harness) -> RoleService {
    RoleService::new(
        harness.state.core.db.clone(),
        harness.state.core.clock.clone(),
        harness.state.core.ledger.clone(),
        Arc::new(MemoryCoordination::new(harness.state.core.clock.clone())),
    )
}

fn roles_path(guild: GuildId) -> String {
    format!("/guilds/{guild}/roles")
}

/// The small guild's roles as the bot sees them (the bot's role below Admin, above the rest),
/// in the dashboard's copy of the bot's guild model.
fn guild_info(guild: GuildId) -> GuildInfo {
    let role = |id: RoleId, position, permissions| RoleInfo {
        id,
        position,
        permissions,
    };
    GuildInfo {
        id: guild,
        owner: small::OWNER,
        roles: vec![
            role(RoleId::new(guild.get()), 0, Permissions::VIEW_CHANNEL),
            role(small::ADMIN_ROLE, 10, Permissions::ADMINISTRATOR),
            role(small::GUILDHALL_ROLE, 8, Permissions::MANAGE_ROLES),
            role(small::MOD_ROLE, 5, Permissions::MANAGE_ROLES),
            role(small::MEMBER_ROLE, 1, Permissions::NONE),
        ],
    }
}

fn member(user: UserId, roles: &[RoleId]) -> MemberInfo {
    MemberInfo {
        user,
        roles: roles.to_vec(),
        timed_out_until: None,
    }
}

pub(crate) fn cache_small_guild(harness: &Harness) {
    let info = guild_info(small::GUILD);
    let name = |role: RoleId| match role {
        role if role == small::ADMIN_ROLE => "Admin",
        role if role == small::GUILDHALL_ROLE => "Guildhall",
        role if role == small::MOD_ROLE => "Moderator",
        role if role == small::MEMBER_ROLE => "Member",
        _ => "@everyone",
    };
    harness.state.core.guild_cache.put_guild(
        small::GUILD,
        "Small Guild".into(),
        small::OWNER,
        info.roles
            .iter()
            .map(|role| (role.clone(), name(role.id).to_owned()))
            .collect(),
        vec![
            member(small::BOT, &[small::GUILDHALL_ROLE]),
            member(small::OWNER, &[]),
            member(small::MEMBER_A, &[small::MEMBER_ROLE]),
        ],
    );
}

async fn jobs(harness: &Harness, kind: &str) -> Vec<JobRecord> {
    harness
        .state
        .core
        .ledger
        .list(&JobFilter {
            kind: Some(kind.into()),
            limit: 100,
            ..JobFilter::default()
        })
        .await
        .unwrap()
}

/// A panel made directly in the core (no post job), as `/rolepanel create` makes them.
async fn stored_panel(
    harness: &Harness,
    guild: GuildId,
    title: &str,
) -> guildhall_core::roles::PanelId {
    let info = guild_info(guild);
    let bot = member(small::BOT, &[small::GUILDHALL_ROLE]);
    let authority = RoleAuthority {
        guild: &info,
        bot: &bot,
        invoker: None,
        managed: &[],
    };
    service(harness)
        .create_panel(
            &RoleSettings::default(),
            PanelRequest {
                guild,
                channel: small::GENERAL,
                content: PanelContent {
                    title: title.into(),
                    description: String::new(),
                    style: PanelStyle::Buttons,
                    choice: PanelChoice::Multiple,
                    options: vec![PanelOption::new(small::MEMBER_ROLE, "Member")],
                    requirements: Requirements::default(),
                    timed: None,
                },
                created_by: small::OWNER,
            },
            &authority,
            &std::collections::HashMap::<RoleId, String>::new(),
        )
        .await
        .unwrap()
        .panel
        .id
}

async fn text(response: reqwest::Response) -> String {
    response.text().await.unwrap()
}

#[tokio::test]
async fn the_roles_pages_are_refused_to_strangers_members_and_other_guilds_admins() {
    let harness = Harness::start().await;
    cache_small_guild(&harness);
    let panel = stored_panel(&harness, small::GUILD, "Pings").await;
    let page = roles_path(small::GUILD);
    let edit = format!("{page}/panels/{panel}");

    let anonymous = harness.anonymous().get(&page).await;
    assert_eq!(anonymous.status(), StatusCode::SEE_OTHER);
    assert!(location(anonymous.headers()).starts_with("/login?next="));

    for user in [small::MEMBER_A, small::OTHER_OWNER] {
        let mut browser = harness.login(user).await;
        let csrf = browser.csrf.clone();
        for path in [page.clone(), edit.clone()] {
            let response = browser.get(&path).await;
            assert_eq!(response.status(), StatusCode::FORBIDDEN, "{user} {path}");
            assert!(!text(response).await.contains("Pings"));
        }
        for (path, fields) in [
            (
                format!("{page}/panels"),
                vec![("channel", "1"), ("title", "x")],
            ),
            (edit.clone(), vec![("title", "taken over")]),
            (format!("{edit}/delete"), vec![]),
            (format!("{page}/preview"), vec![("title", "x")]),
            (format!("{page}/self"), vec![("self_role", "1")]),
            (format!("{page}/timed/1/remove"), vec![]),
        ] {
            let response = browser.post_form(&path, &fields, Some(&csrf)).await;
            assert_eq!(response.status(), StatusCode::FORBIDDEN, "{user} {path}");
        }
    }
    let stored = service(&harness).panel(small::GUILD, panel).await.unwrap();
    assert_eq!(stored.title, "Pings", "nothing changed");
}

#[tokio::test]
async fn every_post_without_the_csrf_token_is_refused() {
    let harness = Harness::start().await;
    let panel = stored_panel(&harness, small::GUILD, "Pings").await;
    let mut owner = harness.login(small::OWNER).await;
    let page = roles_path(small::GUILD);
    let member_role = small::MEMBER_ROLE.to_string();
    let channel = small::GENERAL.to_string();
    for (path, fields) in [
        (
            format!("{page}/panels"),
            vec![
                ("channel", channel.as_str()),
                ("title", "Forged"),
                ("opt_role_0", member_role.as_str()),
            ],
        ),
        (format!("{page}/panels/{panel}"), vec![("title", "Forged")]),
        (format!("{page}/panels/{panel}/delete"), vec![]),
        (format!("{page}/preview"), vec![("title", "Forged")]),
        (
            format!("{page}/self"),
            vec![("self_role", member_role.as_str())],
        ),
        (format!("{page}/timed/1/remove"), vec![]),
    ] {
        let forged = owner.post_form(&path, &fields, None).await;
        assert_eq!(forged.status(), StatusCode::FORBIDDEN, "{path}");
        let wrong = owner.post_form(&path, &fields, Some("not-the-token")).await;
        assert_eq!(wrong.status(), StatusCode::FORBIDDEN, "{path}");
    }
    let panels = service(&harness).panels(small::GUILD).await.unwrap();
    assert_eq!(panels.len(), 1);
    assert_eq!(panels[0].title, "Pings");
    assert!(jobs(&harness, POST_PANEL).await.is_empty());
    assert!(jobs(&harness, perform::KIND).await.is_empty());
    let settings = harness
        .state
        .core
        .config
        .reload(small::GUILD)
        .await
        .unwrap();
    assert!(settings.roles.self_roles.is_empty());
}

async fn create(owner: &mut Browser, fields: &[(&str, &str)]) -> reqwest::Response {
    let csrf = owner.csrf.clone();
    owner
        .post_form(
            &format!("{}/panels", roles_path(small::GUILD)),
            fields,
            Some(&csrf),
        )
        .await
}

#[tokio::test]
async fn a_panel_made_in_the_builder_is_stored_and_its_post_scheduled() {
    let harness = Harness::start().await;
    cache_small_guild(&harness);
    let mut owner = harness.login(small::OWNER).await;
    let channel = small::GENERAL.to_string();
    let member_role = small::MEMBER_ROLE.to_string();
    let mod_role = small::MOD_ROLE.to_string();
    let admin_role = small::ADMIN_ROLE.to_string();

    // The page offers the guild's roles, highest first, without @everyone.
    let page = text(owner.get(&roles_path(small::GUILD)).await).await;
    assert!(page.contains("id=\"panel-builder\""), "{page}");
    let admin_at = page
        .find(">@Admin — it is above my highest role")
        .expect("Admin is offered, disabled with the reason");
    let member_at = page.find(">@Member<").expect("Member is offered");
    assert!(admin_at < member_at, "highest first");
    assert!(!page.contains(&format!("value=\"{}\"", small::GUILD)));

    // A role above the bot's: refused with the core's words, nothing stored or scheduled.
    let refused = create(
        &mut owner,
        &[
            ("channel", &channel),
            ("title", "Staff"),
            ("opt_role_0", &admin_role),
        ],
    )
    .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let refused = text(refused).await;
    assert!(refused.contains(ABOVE_THE_BOT), "{refused}");
    assert!(
        refused.contains("value=\"Staff\""),
        "the form keeps what was typed"
    );
    // A bad channel and an unknown role are named; nothing stored either.
    let bad = create(
        &mut owner,
        &[
            ("channel", "general"),
            ("title", "Pings"),
            ("opt_role_0", "12345"),
        ],
    )
    .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let bad = text(bad).await;
    assert!(bad.contains("got `general`"), "{bad}");
    assert!(
        bad.contains("role 1: role 12345 is not a role of this server"),
        "{bad}"
    );
    assert!(
        service(&harness)
            .panels(small::GUILD)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(jobs(&harness, POST_PANEL).await.is_empty());

    // A timed panel needs premium: refused beside the form with the wall's sentence, nothing
    // stored.
    let free = create(
        &mut owner,
        &[
            ("channel", &channel),
            ("title", "Pings"),
            ("opt_role_0", &member_role),
            ("timed", "7d"),
        ],
    )
    .await;
    assert_eq!(free.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = free.text().await.unwrap();
    assert!(
        page.contains("Timed roles need Guildhall Premium; this server is on the Free tier"),
        "{page}"
    );
    assert!(
        service(&harness)
            .panels(small::GUILD)
            .await
            .unwrap()
            .is_empty()
    );
    harness
        .state
        .core
        .premium
        .grant(
            small::GUILD,
            guildhall_core::premium::Tier::Premium,
            None,
            "operator:test",
            "",
        )
        .await
        .unwrap();

    // A good one: stored with its options, its post scheduled for the bot.
    let created = create(
        &mut owner,
        &[
            ("channel", &channel),
            ("title", "Pings"),
            ("description", "Pick what you hear about"),
            ("style", "select"),
            ("choice", "single"),
            ("opt_role_0", &member_role),
            ("opt_label_0", "Events"),
            ("opt_emoji_0", "🎉"),
            ("opt_description_0", "Game nights"),
            ("opt_role_1", &mod_role),
            ("opt_role_2", ""),
            ("req_any_role", &member_role),
            ("req_min_level", "3"),
            ("timed", "7d"),
        ],
    )
    .await;
    assert_eq!(
        created.status(),
        StatusCode::SEE_OTHER,
        "{}",
        text(created).await
    );
    assert_eq!(
        location(created.headers()),
        format!("/guilds/{}/roles?done=created", small::GUILD)
    );
    let panels = service(&harness).panels(small::GUILD).await.unwrap();
    assert_eq!(panels.len(), 1);
    let panel = &panels[0];
    assert_eq!(
        (
            panel.title.as_str(),
            panel.style,
            panel.choice,
            panel.channel
        ),
        (
            "Pings",
            PanelStyle::Select,
            PanelChoice::Single,
            small::GENERAL
        )
    );
    assert_eq!(panel.roles(), [small::MEMBER_ROLE, small::MOD_ROLE]);
    assert_eq!(panel.options[0].label, "Events");
    assert_eq!(panel.options[0].emoji.as_deref(), Some("🎉"));
    assert_eq!(panel.options[0].description.as_deref(), Some("Game nights"));
    assert_eq!(
        panel.options[1].label, "Moderator",
        "an empty label is the role's name"
    );
    assert_eq!(panel.requirements.any_roles, [small::MEMBER_ROLE]);
    assert_eq!(panel.requirements.min_level, Some(3));
    assert_eq!(panel.timed_secs, Some(7 * 86_400));
    let posts = jobs(&harness, POST_PANEL).await;
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0].guild, Some(small::GUILD));
    assert_eq!(posts[0].payload["panel"], panel.id.get());
    assert_eq!(posts[0].payload["guild"], small::GUILD.to_string());
    let audit = guildhall_core::audit::recent(&harness.state.core.db, Some(small::GUILD), 10)
        .await
        .unwrap();
    assert_eq!(audit[0].action, "dashboard.roles.panel.create");
    assert_eq!(audit[0].actor, format!("user:{}", small::OWNER));

    // The list shows it with its options and that the bot has yet to post it.
    let page = text(
        owner
            .get(&format!("{}?done=created", roles_path(small::GUILD)))
            .await,
    )
    .await;
    assert!(
        page.contains(&format!("id=\"panel-{}\"", panel.id)),
        "{page}"
    );
    assert!(page.contains("Events") && page.contains("@Moderator"));
    assert!(page.contains("waiting for the bot"));
    assert!(page.contains("the bot posts it in a moment"));
}

#[tokio::test]
async fn the_preview_shows_the_panel_as_discord_will_and_what_is_wrong() {
    let harness = Harness::start().await;
    let mut owner = harness.login(small::OWNER).await;
    let csrf = owner.csrf.clone();
    let path = format!("{}/preview", roles_path(small::GUILD));

    // Without the bot's guild model roles are typed as ids, and the check waits for the click.
    let shown = owner
        .post_htmx(
            &path,
            &[
                ("title", "Colours <b>bold</b>"),
                ("opt_role_0", "501"),
                ("opt_label_0", "Red"),
                ("opt_emoji_0", "🔴"),
                ("opt_role_1", "502"),
                ("opt_label_1", "Blue"),
            ],
            Some(&csrf),
        )
        .await;
    assert_eq!(shown.status(), StatusCode::OK);
    let fragment = text(shown).await;
    assert!(
        fragment.starts_with("<section id=\"panel-preview\""),
        "{fragment}"
    );
    assert!(
        fragment.contains("🔴 Red") && fragment.contains(">Blue<"),
        "{fragment}"
    );
    assert!(
        fragment.contains("Colours &lt;b&gt;bold&lt;/b&gt;"),
        "escaped: {fragment}"
    );
    assert!(
        fragment.contains("click it again to give it back"),
        "the footer"
    );
    assert!(fragment.contains("the bot checks again at every click"));
    assert!(!fragment.contains("preview-errors"));

    // 26 roles, and an empty label, are named.
    let rows: Vec<(String, String)> = (0..26)
        .flat_map(|index| {
            [
                (format!("opt_role_{index}"), (600 + index).to_string()),
                (format!("opt_label_{index}"), format!("Role {index}")),
            ]
        })
        .collect();
    let mut fields: Vec<(&str, &str)> = vec![("title", "Too many")];
    fields.extend(
        rows.iter()
            .map(|(key, value)| (key.as_str(), value.as_str())),
    );
    let too_many = text(owner.post_htmx(&path, &fields, Some(&csrf)).await).await;
    assert!(
        too_many.contains("a role panel offers 1 to 25 roles, got 26"),
        "{too_many}"
    );
    let unlabelled = text(
        owner
            .post_htmx(
                &path,
                &[("title", "Colours"), ("opt_role_0", "501")],
                Some(&csrf),
            )
            .await,
    )
    .await;
    assert!(
        unlabelled.contains("the panel&#39;s role label must not be empty")
            || unlabelled.contains("the panel's role label must not be empty"),
        "{unlabelled}"
    );

    // With the guild model: role names as default labels, and the bot's check inline.
    cache_small_guild(&harness);
    let admin_role = small::ADMIN_ROLE.to_string();
    let member_role = small::MEMBER_ROLE.to_string();
    let checked = text(
        owner
            .post_htmx(
                &path,
                &[
                    ("title", "Roles"),
                    ("style", "select"),
                    ("opt_role_0", &member_role),
                    ("opt_role_1", &admin_role),
                ],
                Some(&csrf),
            )
            .await,
    )
    .await;
    assert!(
        checked.contains(">Member<") && checked.contains(">Admin<"),
        "{checked}"
    );
    assert!(
        checked.contains("Choose your roles"),
        "the select's placeholder"
    );
    assert!(checked.contains(ABOVE_THE_BOT), "{checked}");
    // The preview wrote nothing.
    assert!(
        service(&harness)
            .panels(small::GUILD)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn editing_updates_the_posted_message_or_posts_one_and_stays_in_its_guild() {
    let harness = Harness::start().await;
    cache_small_guild(&harness);
    let posted = stored_panel(&harness, small::GUILD, "Pings").await;
    let unposted = stored_panel(&harness, small::GUILD, "Colours").await;
    let other = stored_panel(&harness, small::OTHER_GUILD, "Theirs").await;
    service(&harness)
        .record_panel_message(small::GUILD, posted, MessageId::new(4242))
        .await
        .unwrap();
    let mut owner = harness.login(small::OWNER).await;
    let csrf = owner.csrf.clone();
    let page = roles_path(small::GUILD);
    let member_role = small::MEMBER_ROLE.to_string();

    let builder = text(owner.get(&format!("{page}/panels/{posted}")).await).await;
    assert!(builder.contains("value=\"Pings\""), "{builder}");
    assert!(builder.contains("Save panel"));

    let save = |id: guildhall_core::roles::PanelId, title: &'static str| {
        let path = format!("{page}/panels/{id}");
        let fields = vec![
            ("title", title),
            ("opt_role_0", member_role.as_str()),
            ("opt_label_0", "Members"),
        ];
        (path, fields)
    };
    let (path, fields) = save(posted, "Pings, renamed");
    let saved = owner.post_form(&path, &fields, Some(&csrf)).await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    let edits = jobs(&harness, perform::KIND).await;
    assert_eq!(edits.len(), 1);
    let effect: Effect = serde_json::from_value(edits[0].payload["effect"].clone()).unwrap();
    let Effect::EditMessage {
        channel,
        message_id,
        message,
    } = effect
    else {
        panic!("an edit: {effect:?}");
    };
    assert_eq!(
        (channel, message_id),
        (small::GENERAL, MessageId::new(4242))
    );
    assert_eq!(message.embeds[0].title.as_deref(), Some("Pings, renamed"));
    assert!(jobs(&harness, POST_PANEL).await.is_empty());

    // A panel without a message gets its post instead.
    let (path, fields) = save(unposted, "Colours, renamed");
    let saved = owner.post_form(&path, &fields, Some(&csrf)).await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    let posts = jobs(&harness, POST_PANEL).await;
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0].payload["panel"], unposted.get());
    assert_eq!(jobs(&harness, perform::KIND).await.len(), 1);

    // A role above the bot is refused at save too; the panel keeps its content.
    let admin_role = small::ADMIN_ROLE.to_string();
    let refused = owner
        .post_form(
            &format!("{page}/panels/{posted}"),
            &[("title", "Staff"), ("opt_role_0", &admin_role)],
            Some(&csrf),
        )
        .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text(refused).await.contains(ABOVE_THE_BOT));
    let kept = service(&harness).panel(small::GUILD, posted).await.unwrap();
    assert_eq!(kept.title, "Pings, renamed");

    // Another guild's panel is not reachable through this guild's path.
    let (path, fields) = save(other, "Taken over");
    for response in [
        owner.get(&path).await,
        owner.post_form(&path, &fields, Some(&csrf)).await,
        owner
            .post_form(&format!("{path}/delete"), &[], Some(&csrf))
            .await,
    ] {
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
    }
    let theirs = service(&harness)
        .panel(small::OTHER_GUILD, other)
        .await
        .unwrap();
    assert_eq!(theirs.title, "Theirs");

    // Deleting a posted panel deletes its message too.
    let deleted = owner
        .post_form(&format!("{page}/panels/{posted}/delete"), &[], Some(&csrf))
        .await;
    assert_eq!(deleted.status(), StatusCode::SEE_OTHER);
    assert!(service(&harness).panel(small::GUILD, posted).await.is_err());
    let performed = jobs(&harness, perform::KIND).await;
    assert_eq!(performed.len(), 2);
    assert!(
        performed
            .iter()
            .any(|job| job.payload["effect"]["effect"] == "delete_message"
                && job.payload["effect"]["message_id"] == "4242"),
        "{performed:?}"
    );
}

#[tokio::test]
async fn self_and_automatic_roles_are_saved_into_the_settings_history() {
    let harness = Harness::start().await;
    cache_small_guild(&harness);
    let mut owner = harness.login(small::OWNER).await;
    let csrf = owner.csrf.clone();
    let path = format!("{}/self", roles_path(small::GUILD));
    let member_role = small::MEMBER_ROLE.to_string();
    let mod_role = small::MOD_ROLE.to_string();
    let everyone = small::EVERYONE.to_string();
    let admin_role = small::ADMIN_ROLE.to_string();

    for (fields, says) in [
        (
            vec![("self_role", everyone.as_str())],
            "roles.self_roles: @everyone belongs to every member",
        ),
        (
            vec![("join_role", "999")],
            "roles.auto_roles_on_join: role 999 is not a role of this server",
        ),
        (vec![("screening_role", admin_role.as_str())], ABOVE_THE_BOT),
    ] {
        let refused = owner.post_form(&path, &fields, Some(&csrf)).await;
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY, "{says}");
        let body = text(refused).await;
        assert!(body.contains(says), "{says}: {body}");
    }
    let settings = harness
        .state
        .core
        .config
        .reload(small::GUILD)
        .await
        .unwrap();
    assert_eq!(settings.roles, RoleSettings::default(), "nothing saved");

    let saved = owner
        .post_form(
            &path,
            &[
                ("version", "0"),
                ("self_role", &member_role),
                ("self_role", &mod_role),
                ("join_role", &member_role),
            ],
            Some(&csrf),
        )
        .await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    let settings = harness
        .state
        .core
        .config
        .reload(small::GUILD)
        .await
        .unwrap();
    assert_eq!(
        settings.roles.self_roles,
        [small::MEMBER_ROLE, small::MOD_ROLE]
    );
    assert_eq!(settings.roles.auto_roles_on_join, [small::MEMBER_ROLE]);
    assert!(settings.roles.auto_roles_on_screening.is_empty());
    let history = harness
        .state
        .core
        .config
        .history(small::GUILD, Some("roles"), 10)
        .await
        .unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(
        history[0].actor,
        format!("user:{} (dashboard)", small::OWNER)
    );

    // A form made before that change is refused rather than undoing it.
    let stale = owner
        .post_form(&path, &[("version", "0")], Some(&csrf))
        .await;
    assert_eq!(stale.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text(stale).await.contains("changed by someone else"));
    let page = text(owner.get(&roles_path(small::GUILD)).await).await;
    assert!(page.contains("name=\"version\" value=\"1\""), "{page}");
}

#[tokio::test]
async fn a_timed_role_is_listed_and_ended_early() {
    let harness = Harness::start().await;
    cache_small_guild(&harness);
    let roles = service(&harness);
    let info = guild_info(small::GUILD);
    let bot = member(small::BOT, &[small::GUILDHALL_ROLE]);
    let authority = RoleAuthority {
        guild: &info,
        bot: &bot,
        invoker: None,
        managed: &[],
    };
    let granted = roles
        .grant_timed(
            &RoleSettings::default(),
            TimedGrant {
                guild: small::GUILD,
                user: small::MEMBER_C,
                role: small::MEMBER_ROLE,
                duration: Duration::from_secs(86_400),
                source: TimedSource::Command,
                panel: None,
                granted_by: small::MOD_A,
                already_held: false,
            },
            &authority,
            &std::collections::HashMap::<RoleId, String>::new(),
        )
        .await
        .unwrap();
    let timed = granted.timed;
    let mut owner = harness.login(small::OWNER).await;
    let csrf = owner.csrf.clone();
    let page = text(owner.get(&roles_path(small::GUILD)).await).await;
    assert!(
        page.contains(&format!("id=\"timed-{}\"", timed.id)),
        "{page}"
    );
    assert!(page.contains("@Member"));

    // Another guild's timed role is not reachable through this guild's path.
    let other_info = guild_info(small::OTHER_GUILD);
    let theirs = roles
        .grant_timed(
            &RoleSettings::default(),
            TimedGrant {
                guild: small::OTHER_GUILD,
                user: small::MEMBER_C,
                role: small::MEMBER_ROLE,
                duration: Duration::from_secs(86_400),
                source: TimedSource::Command,
                panel: None,
                granted_by: small::OTHER_OWNER,
                already_held: false,
            },
            &RoleAuthority {
                guild: &other_info,
                ..authority
            },
            &std::collections::HashMap::<RoleId, String>::new(),
        )
        .await
        .unwrap()
        .timed;
    let crossed = owner
        .post_form(
            &format!("{}/timed/{}/remove", roles_path(small::GUILD), theirs.id),
            &[],
            Some(&csrf),
        )
        .await;
    assert_eq!(crossed.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        roles
            .timed_roles(small::OTHER_GUILD, None)
            .await
            .unwrap()
            .len(),
        1
    );

    // A role the bot cannot take (above its own) is refused with the core's words and keeps
    // running.
    let high_bot = member(small::BOT, &[small::ADMIN_ROLE]);
    let above = roles
        .grant_timed(
            &RoleSettings::default(),
            TimedGrant {
                guild: small::GUILD,
                user: small::MEMBER_B,
                role: small::MOD_ROLE,
                duration: Duration::from_secs(3_600),
                source: TimedSource::Command,
                panel: None,
                granted_by: small::OWNER,
                already_held: false,
            },
            &RoleAuthority {
                bot: &high_bot,
                ..authority
            },
            &std::collections::HashMap::<RoleId, String>::new(),
        )
        .await
        .unwrap()
        .timed;
    harness.state.core.guild_cache.put_role(
        small::GUILD,
        RoleInfo {
            id: small::MOD_ROLE,
            position: 9,
            permissions: Permissions::NONE,
        },
        "Moderator".into(),
    );
    let refused = owner
        .post_form(
            &format!("{}/timed/{}/remove", roles_path(small::GUILD), above.id),
            &[],
            Some(&csrf),
        )
        .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let refused = text(refused).await;
    assert!(
        refused.contains("I cannot give @Moderator: it is above my highest role (@Guildhall)"),
        "{refused}"
    );
    assert_eq!(
        roles.timed_roles(small::GUILD, None).await.unwrap().len(),
        2
    );

    let removed = owner
        .post_form(
            &format!("{}/timed/{}/remove", roles_path(small::GUILD), timed.id),
            &[],
            Some(&csrf),
        )
        .await;
    assert_eq!(removed.status(), StatusCode::SEE_OTHER);
    let running = roles.timed_roles(small::GUILD, None).await.unwrap();
    assert_eq!(running.len(), 1);
    assert_eq!(running[0].id, above.id, "only the removed one ended");
    let ours = harness
        .state
        .core
        .ledger
        .get(timed.job.unwrap())
        .await
        .unwrap();
    assert_eq!(ours.kind, EXPIRE_TIMED_ROLE);
    assert_eq!(ours.state, JobState::Cancelled, "its timer is cancelled");
    let performed = jobs(&harness, perform::KIND).await;
    assert_eq!(performed.len(), 1);
    let effect: Effect = serde_json::from_value(performed[0].payload["effect"].clone()).unwrap();
    assert!(
        matches!(effect, Effect::RemoveRole { user, role, .. } if user == small::MEMBER_C && role == small::MEMBER_ROLE),
        "{effect:?}"
    );
    let audit = guildhall_core::audit::recent(&harness.state.core.db, Some(small::GUILD), 1)
        .await
        .unwrap();
    assert_eq!(audit[0].action, "dashboard.roles.timed.remove");
}
