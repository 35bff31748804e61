//! The ticket pages: panels and the new-panel form, tickets, transcripts and their downloads;
//! readable by managers and by the ticket's staff, refused to everyone else and to other
//! guilds' admins.

use guildhall_core::ids::{ChannelId, GuildId, MessageId, RoleId, UserId};
use guildhall_core::jobs::{JobFilter, perform};
use guildhall_core::permissions::{MemberInfo, Permissions, RoleInfo};
use guildhall_core::tickets::{
    Attachment, IncomingMessage, PanelRequest, TicketService, TicketSettings,
};
use guildhall_sandbox::seed::small;
use reqwest::StatusCode;

use crate::support::{Harness, location};

const THREAD: ChannelId = ChannelId::new(777_000_001);

fn service(harness: &Harness) -> TicketService {
    TicketService::new(
        harness.state.core.db.clone(),
        harness.state.core.clock.clone(),
        harness.state.core.ledger.clone(),
    )
}

/// A panel staffed by `staff` in `guild`, a ticket opened by MEMBER_A with two messages (one
/// with a file), closed by MOD_A; returns the ticket's number.
async fn closed_ticket(harness: &Harness, guild: GuildId, staff: RoleId, thread: ChannelId) -> i64 {
    let tickets = service(harness);
    let settings = TicketSettings::default();
    let panel = tickets
        .create_panel(
            &settings,
            PanelRequest {
                guild,
                channel: small::GENERAL,
                title: "Support".into(),
                description: "Ask us".into(),
                button_label: String::new(),
                staff_roles: vec![staff],
                created_by: small::ADMIN,
            },
        )
        .await
        .unwrap()
        .panel;
    let opened = tickets
        .open(&settings, guild, panel.id, small::MEMBER_A, "member_a")
        .await
        .unwrap();
    tickets
        .attach_channel(guild, opened.ticket.id, thread)
        .await
        .unwrap();
    for (id, author, content, files) in [
        (1, small::MEMBER_A, "my order <b>never</b> arrived", vec![]),
        (
            2,
            small::MOD_A,
            "looking into it",
            vec![Attachment {
                name: "receipt.png".into(),
                url: "https://cdn.example/receipt.png".into(),
            }],
        ),
    ] {
        tickets
            .record_message(
                guild,
                &IncomingMessage {
                    channel: thread,
                    message: MessageId::new(900 + id),
                    author,
                    author_name: format!("user{id}"),
                    author_is_bot: false,
                    content: content.into(),
                    attachments: files,
                    created_at: harness.state.core.clock.now(),
                },
            )
            .await
            .unwrap();
    }
    tickets
        .close(guild, opened.ticket.id, small::MOD_A, true, "resolved")
        .await
        .unwrap();
    opened.ticket.number
}

/// Puts the small guild in the dashboard's copy of the bot's cache: MOD_B holds MOD_ROLE
/// (MOD_A is the harness's operator, who sees everything).
fn cache_small_guild(harness: &Harness) {
    let role = |id: RoleId, position| {
        (
            RoleInfo {
                id,
                position,
                permissions: Permissions::NONE,
            },
            format!("role{position}"),
        )
    };
    let member = |user: UserId, roles: Vec<RoleId>| MemberInfo {
        user,
        roles,
        timed_out_until: None,
    };
    harness.state.core.guild_cache.put_guild(
        small::GUILD,
        "Small Guild".into(),
        small::OWNER,
        vec![
            role(RoleId::new(small::GUILD.get()), 0),
            role(small::MEMBER_ROLE, 1),
            role(small::MOD_ROLE, 5),
        ],
        vec![
            member(small::MOD_B, vec![small::MOD_ROLE, small::MEMBER_ROLE]),
            member(small::MEMBER_A, vec![small::MEMBER_ROLE]),
        ],
    );
}

#[tokio::test]
async fn transcripts_are_shown_to_managers_and_staff_and_refused_to_others() {
    let harness = Harness::start().await;
    cache_small_guild(&harness);
    let number = closed_ticket(&harness, small::GUILD, small::MOD_ROLE, THREAD).await;
    let other = closed_ticket(
        &harness,
        small::OTHER_GUILD,
        RoleId::new(small::OTHER_GUILD.get() + 1),
        ChannelId::new(777_000_002),
    )
    .await;
    let page = format!("/guilds/{}/tickets/{number}", small::GUILD);
    let list = format!("/guilds/{}/tickets", small::GUILD);

    let mut owner = harness.login(small::OWNER).await;
    let listed = owner.get(&list).await;
    assert_eq!(listed.status(), StatusCode::OK);
    let listed = listed.text().await.unwrap();
    assert!(
        listed.contains("id=\"tickets\"") && listed.contains(&page),
        "{listed}"
    );
    assert!(listed.contains("id=\"new-panel\""), "managers get the form");
    let shown = owner.get(&page).await;
    assert_eq!(shown.status(), StatusCode::OK);
    let shown = shown.text().await.unwrap();
    assert!(
        shown.contains("my order &lt;b&gt;never&lt;/b&gt; arrived"),
        "member text is escaped: {shown}"
    );
    assert!(shown.contains("receipt.png") && shown.contains("resolved"));

    // Staff of the panel read it without Manage Server, and see only the Tickets tab.
    let mut staff = harness.login(small::MOD_B).await;
    let as_staff = staff.get(&page).await;
    assert_eq!(as_staff.status(), StatusCode::OK);
    let as_staff = as_staff.text().await.unwrap();
    assert!(as_staff.contains("looking into it"));
    assert!(!as_staff.contains(&format!("/guilds/{}/cases", small::GUILD)));
    let staff_list = staff.get(&list).await.text().await.unwrap();
    assert!(
        !staff_list.contains("id=\"new-panel\""),
        "staff cannot post panels"
    );
    // ... but not the rest of the dashboard.
    assert_eq!(
        staff
            .get(&format!("/guilds/{}/cases", small::GUILD))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );

    // A member without the role, and another guild's admin, are refused; so is a stranger.
    let mut member = harness.login(small::MEMBER_A).await;
    let refused = member.get(&page).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert!(!refused.text().await.unwrap().contains("never"));
    let mut other_admin = harness.login(small::OTHER_OWNER).await;
    for path in [
        page.clone(),
        list.clone(),
        format!("{page}/export/json"),
        format!("{page}/export/html"),
    ] {
        let response = other_admin.get(&path).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{path}");
        assert!(!response.text().await.unwrap().contains("never"), "{path}");
    }
    let anonymous = harness.anonymous().get(&page).await;
    assert_eq!(anonymous.status(), StatusCode::SEE_OTHER);

    // The other guild's ticket is not reachable through this guild's path.
    let crossed = owner
        .get(&format!("/guilds/{}/tickets/{}", small::GUILD, other + 1))
        .await;
    assert_eq!(crossed.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn transcripts_download_as_json_and_self_contained_html() {
    let harness = Harness::start().await;
    let number = closed_ticket(&harness, small::GUILD, small::MOD_ROLE, THREAD).await;
    let mut owner = harness.login(small::OWNER).await;
    let base = format!("/guilds/{}/tickets/{number}/export", small::GUILD);

    // Transcript export is premium: 402 with the wall's sentence on the free tier.
    let locked = owner.get(&format!("{base}/json")).await;
    assert_eq!(locked.status(), StatusCode::PAYMENT_REQUIRED);
    assert!(
        locked
            .text()
            .await
            .unwrap()
            .contains("Transcript export need Guildhall Premium")
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

    let json = owner.get(&format!("{base}/json")).await;
    assert_eq!(json.status(), StatusCode::OK);
    assert_eq!(json.headers()["content-type"], "application/json");
    assert!(
        json.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment;")
    );
    let body: serde_json::Value = json.json().await.unwrap();
    assert_eq!(body["ticket"]["number"], number);
    assert_eq!(body["messages"].as_array().unwrap().len(), 2);
    assert_eq!(body["messages"][1]["attachments"][0]["name"], "receipt.png");

    let html = owner.get(&format!("{base}/html")).await;
    assert_eq!(html.status(), StatusCode::OK);
    let csp = html.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.contains("default-src 'none'"), "{csp}");
    let page = html.text().await.unwrap();
    assert!(
        page.contains("<html") && page.contains("&lt;b&gt;never"),
        "{page}"
    );
    assert!(!page.contains("<b>never"));

    assert_eq!(
        owner.get(&format!("{base}/pdf")).await.status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_panel_made_in_the_dashboard_is_handed_to_the_bot_and_bad_input_creates_nothing() {
    let harness = Harness::start().await;
    cache_small_guild(&harness);
    let mut owner = harness.login(small::OWNER).await;
    let path = format!("/guilds/{}/tickets/panels", small::GUILD);
    let csrf = owner.csrf.clone();
    let channel = small::GENERAL.to_string();
    let staff = small::MOD_ROLE.to_string();
    let jobs = || async {
        harness
            .state
            .core
            .ledger
            .list(&JobFilter {
                kind: Some(perform::KIND.into()),
                limit: 100,
                ..JobFilter::default()
            })
            .await
            .unwrap()
    };

    // Without the CSRF token: refused, nothing created.
    let forged = owner
        .post_form(&path, &[("channel", &channel), ("title", "Help")], None)
        .await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    // A bad channel, an unknown role, an empty title: 422 naming the field; nothing created.
    for (fields, says) in [
        (
            vec![("channel", "general"), ("title", "Help")],
            "got `general`",
        ),
        (
            vec![
                ("channel", channel.as_str()),
                ("title", "Help"),
                ("staff_role", "12345"),
            ],
            "role 12345 is not a role of this server",
        ),
        (
            vec![("channel", channel.as_str()), ("title", "  ")],
            "title must not be empty",
        ),
    ] {
        let response = owner.post_form(&path, &fields, Some(&csrf)).await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{says}"
        );
        let text = response.text().await.unwrap();
        assert!(text.contains(says), "{says}: {text}");
    }
    assert!(
        service(&harness)
            .panels(small::GUILD)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(jobs().await.is_empty());

    // A member without Manage Server cannot post one.
    let mut member = harness.login(small::MEMBER_A).await;
    let member_csrf = member.csrf.clone();
    let refused = member
        .post_form(
            &path,
            &[("channel", &channel), ("title", "Help")],
            Some(&member_csrf),
        )
        .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);

    // A good one: stored, and its post scheduled for the bot.
    let created = owner
        .post_form(
            &path,
            &[
                ("channel", &channel),
                ("title", "Appeals"),
                ("description", "Appeal a ban here"),
                ("staff_role", &staff),
            ],
            Some(&csrf),
        )
        .await;
    assert_eq!(created.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        location(created.headers()),
        format!("/guilds/{}/tickets", small::GUILD)
    );
    let panels = service(&harness).panels(small::GUILD).await.unwrap();
    assert_eq!(panels.len(), 1);
    assert_eq!(
        (panels[0].title.as_str(), panels[0].staff_roles.clone()),
        ("Appeals", vec![small::MOD_ROLE])
    );
    let scheduled = jobs().await;
    assert_eq!(scheduled.len(), 1);
    let payload = &scheduled[0].payload;
    assert_eq!(payload["effect"]["effect"], "send_message", "{payload}");
    assert_eq!(
        payload["effect"]["channel"].to_string().trim_matches('"'),
        channel
    );
    assert!(
        payload
            .to_string()
            .contains(&format!("tickets:open:{}", panels[0].id))
    );
    let listed = owner
        .get(&format!("/guilds/{}/tickets", small::GUILD))
        .await
        .text()
        .await
        .unwrap();
    assert!(listed.contains("Appeals"));
}
