//! The generic settings page built from a section's field descriptions: names for channels and
//! roles, a stored change in the history, per-field refusals (422) that write nothing, another
//! guild's channel refused, CSRF, and the compare-and-swap on the version.

use guildhall_core::ids::{ChannelId, RoleId};
use guildhall_core::permissions::{Permissions, RoleInfo};
use guildhall_core::references::ChannelKind;
use guildhall_sandbox::seed::small;
use reqwest::StatusCode;
use serde_json::json;

use crate::support::{Harness, location};

fn path(section: &str) -> String {
    format!("/guilds/{}/settings/{section}", small::GUILD)
}

/// The small guild in the bot's guild model, as GUILD_CREATE would put it there.
pub(crate) fn cache_small_guild(harness: &Harness) {
    let role = |id: RoleId, position: i32, name: &str| {
        (
            RoleInfo {
                id,
                position,
                permissions: Permissions::NONE,
            },
            name.to_owned(),
        )
    };
    let cache = &harness.state.core.guild_cache;
    cache.put_guild(
        small::GUILD,
        "Small Guild".into(),
        small::OWNER,
        vec![
            role(RoleId::new(small::GUILD.get()), 0, "@everyone"),
            role(small::MEMBER_ROLE, 1, "Member"),
            role(small::MOD_ROLE, 5, "Moderator"),
        ],
        Vec::new(),
    );
    let channel = |id: ChannelId, name: &str, kind, parent| {
        cache.put_channel(small::GUILD, id, name.into(), kind, parent, 0, false);
    };
    channel(
        small::CATEGORY,
        "Text Channels",
        ChannelKind::Category,
        None,
    );
    channel(
        small::GENERAL,
        "general",
        ChannelKind::Text,
        Some(small::CATEGORY),
    );
    channel(
        small::MOD_LOG,
        "mod-log",
        ChannelKind::Text,
        Some(small::CATEGORY),
    );
}

async fn versions(harness: &Harness) -> (i64, i64, i64) {
    let settings = harness
        .state
        .core
        .config
        .reload(small::GUILD)
        .await
        .unwrap();
    (
        settings.version("general"),
        settings.version("tickets"),
        settings.version("commands"),
    )
}

#[tokio::test]
async fn the_page_shows_names_and_a_valid_post_is_stored_with_its_history() {
    let harness = Harness::start().await;
    cache_small_guild(&harness);
    let mut owner = harness.login(small::OWNER).await;
    let csrf = owner.csrf.clone();

    let features = owner
        .get(&format!("/guilds/{}/features", small::GUILD))
        .await
        .text()
        .await
        .unwrap();
    assert!(features.contains(&format!("href=\"{}\"", path("tickets"))));
    assert!(features.contains(&format!("href=\"{}\"", path("general"))));

    let page = owner.get(&path("general")).await;
    assert_eq!(page.status(), StatusCode::OK);
    let page = page.text().await.unwrap();
    assert!(page.contains("Mod-log channel"), "{page}");
    assert!(page.contains("Where every moderation case is posted"));
    assert!(
        page.contains(&format!(
            r#"<option value="{}">#general</option>"#,
            small::GENERAL
        )),
        "channels are offered by name: {page}"
    );
    assert!(
        !page.contains(&format!(r#"value="{}">"#, small::CATEGORY)),
        "a category is no place for the mod log"
    );
    assert!(page.contains(r#"name="version" value="0""#));
    assert!(
        page.contains("Europe/Berlin"),
        "the help says what is accepted"
    );

    let response = owner
        .post_form(
            &path("general"),
            &[
                ("version", "0"),
                ("timezone", "Europe/Berlin"),
                ("locale", "de"),
                ("mod_log_channel", &small::GENERAL.to_string()),
            ],
            Some(&csrf),
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(response.headers()), path("general"));
    let settings = harness
        .state
        .core
        .config
        .reload(small::GUILD)
        .await
        .unwrap();
    assert_eq!(settings.general.timezone, "Europe/Berlin");
    assert_eq!(settings.general.locale, "de");
    assert_eq!(settings.general.mod_log_channel, Some(small::GENERAL));
    assert_eq!(settings.version("general"), 1);

    let page = owner.get(&path("general")).await.text().await.unwrap();
    assert!(page.contains(r#"name="version" value="1""#), "{page}");
    assert!(
        page.contains(&format!(
            r#"<option value="{}" selected>#general</option>"#,
            small::GENERAL
        )),
        "{page}"
    );
    assert!(
        page.contains("timezone: &quot;UTC&quot; → &quot;Europe/Berlin&quot;"),
        "{page}"
    );
    assert!(page.contains(&format!("user:{} (dashboard)", small::OWNER)));
    assert!(
        page.contains(&format!("/guilds/{}/settings/history/", small::GUILD)),
        "each change has its undo button"
    );
    let audit = guildhall_core::audit::recent(&harness.state.core.db, Some(small::GUILD), 10)
        .await
        .unwrap();
    assert_eq!(audit[0].action, "dashboard.config.section");
    assert_eq!(audit[0].target.as_deref(), Some("general"));

    // Tickets: durations in their units, roles by name, a list from repeated keys.
    let page = owner.get(&path("tickets")).await.text().await.unwrap();
    assert!(page.contains("@Moderator</label>"), "{page}");
    assert!(page.contains(">Text Channels</option>"), "{page}");
    assert!(
        page.contains(r#"value="90d""#),
        "retention shown as 90d: {page}"
    );
    let response = owner
        .post_form(
            &path("tickets"),
            &[
                ("version", "0"),
                ("mode", "channel"),
                ("category", &small::CATEGORY.to_string()),
                ("staff_roles", &small::MOD_ROLE.to_string()),
                ("staff_roles", &small::MEMBER_ROLE.to_string()),
                ("auto_close_hours", "2d"),
                ("auto_close_warning_minutes", "1h"),
                ("transcript_retention_days", "30d"),
            ],
            Some(&csrf),
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let tickets = harness
        .state
        .core
        .config
        .reload(small::GUILD)
        .await
        .unwrap()
        .tickets
        .clone();
    assert_eq!(tickets.staff_roles, [small::MOD_ROLE, small::MEMBER_ROLE]);
    assert_eq!(tickets.auto_close_hours, 48);
    assert_eq!(tickets.auto_close_warning_minutes, 60);
    assert_eq!(tickets.transcript_retention_days, 30);
    assert!(!tickets.one_open_per_member, "an absent switch is off");
}

#[tokio::test]
async fn without_the_bot_ids_are_typed_and_their_names_asked_of_discord() {
    let harness = Harness::start().await;
    harness
        .state
        .core
        .config
        .set_section(
            small::GUILD,
            "general",
            json!({ "mod_log_channel": small::MOD_LOG.to_string() }),
            "test",
            None,
        )
        .await
        .unwrap();
    let mut owner = harness.login(small::OWNER).await;
    let page = owner.get(&path("general")).await.text().await.unwrap();
    assert!(
        page.contains(&format!(
            r#"name="mod_log_channel" value="{}""#,
            small::MOD_LOG
        )),
        "{page}"
    );
    assert!(page.contains("#mod-log"), "{page}");
}

#[tokio::test]
async fn bad_values_are_refused_per_field_with_422_and_nothing_is_written() {
    let harness = Harness::start().await;
    let mut owner = harness.login(small::OWNER).await;
    let csrf = owner.csrf.clone();

    let response = owner
        .post_form(
            &path("tickets"),
            &[
                ("version", "0"),
                ("mode", "thread"),
                ("auto_close_hours", "soon"),
                ("auto_close_warning_minutes", "1h"),
                ("transcript_retention_days", "90d"),
            ],
            Some(&csrf),
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = response.text().await.unwrap();
    assert!(
        page.contains("Close after inactivity must be a duration from 0 to 30d such as 90 (seconds), 10m, 3h or 3d, in whole hours, got `soon`"),
        "{page}"
    );
    assert!(
        page.contains(r#"value="soon""#),
        "the form is shown as typed"
    );

    let response = owner
        .post_form(
            &path("commands"),
            &[
                ("version", "0"),
                ("prefix", "!"),
                ("prefix_per_minute", "500"),
            ],
            Some(&csrf),
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = response.text().await.unwrap();
    assert!(
        page.contains("Prefix commands per minute must be a whole number from 1 to 120, got `500`"),
        "{page}"
    );

    // A rule of the section itself (the warning must come before the close) is shown under
    // its field too.
    let response = owner
        .post_form(
            &path("tickets"),
            &[
                ("version", "0"),
                ("mode", "thread"),
                ("auto_close_hours", "1h"),
                ("auto_close_warning_minutes", "1h"),
                ("transcript_retention_days", "90d"),
            ],
            Some(&csrf),
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = response.text().await.unwrap();
    assert!(
        page.contains("Warn before closing must be less than the 60 minutes"),
        "{page}"
    );
    assert_eq!(versions(&harness).await, (0, 0, 0));
    assert!(
        harness
            .state
            .core
            .config
            .history(small::GUILD, None, 10)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn another_guilds_channel_is_refused_and_nothing_is_written() {
    let harness = Harness::start().await;
    let mut owner = harness.login(small::OWNER).await;
    let csrf = owner.csrf.clone();
    let response = owner
        .post_form(
            &path("general"),
            &[
                ("version", "0"),
                ("timezone", "UTC"),
                ("locale", "en-US"),
                ("mod_log_channel", &small::OTHER_GENERAL.to_string()),
            ],
            Some(&csrf),
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = response.text().await.unwrap();
    assert!(page.contains("general.mod_log_channel"), "{page}");
    assert!(page.contains(r#"id="row-field-mod_log_channel""#));
    assert_eq!(versions(&harness).await, (0, 0, 0));
}

#[tokio::test]
async fn a_post_without_the_csrf_token_is_refused() {
    let harness = Harness::start().await;
    let mut owner = harness.login(small::OWNER).await;
    let response = owner
        .post_form(
            &path("commands"),
            &[
                ("version", "0"),
                ("prefix_enabled", "on"),
                ("prefix", "?"),
                ("prefix_per_minute", "10"),
            ],
            None,
        )
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(versions(&harness).await, (0, 0, 0));
    let unknown = owner.get(&path("automod")).await;
    assert_eq!(
        unknown.status(),
        StatusCode::NOT_FOUND,
        "automod keeps its own page"
    );
}

#[tokio::test]
async fn a_stale_version_is_a_conflict_and_keeps_the_other_change() {
    let harness = Harness::start().await;
    let mut owner = harness.login(small::OWNER).await;
    let csrf = owner.csrf.clone();
    let page = owner.get(&path("commands")).await.text().await.unwrap();
    assert!(page.contains(r#"name="version" value="0""#));
    // Someone else saves first.
    harness
        .state
        .core
        .config
        .set_key(small::GUILD, "commands.prefix", "$", "someone else")
        .await
        .unwrap();
    let fields = [
        ("version", "0"),
        ("prefix_enabled", "on"),
        ("prefix", "?"),
        ("prefix_per_minute", "10"),
    ];
    let response = owner
        .post_form(&path("commands"), &fields, Some(&csrf))
        .await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    let page = response.text().await.unwrap();
    assert!(
        page.contains("someone else changed commands since you opened this page (it is now at version 1, you opened version 0)"),
        "{page}"
    );
    assert!(page.contains(r#"value="?""#), "what was typed is kept");
    let settings = harness
        .state
        .core
        .config
        .reload(small::GUILD)
        .await
        .unwrap();
    assert_eq!(settings.commands.prefix, "$");
    assert!(!settings.commands.prefix_enabled);
    assert_eq!(settings.version("commands"), 1);
}
