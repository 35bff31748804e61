//! The pickers as a form sees them: the member search (by name, among members the bot has
//! seen; an id typed into it offered as itself), and the typed-id fallback read back in place
//! of (one) or besides (several) what was picked.

use guildhall_sandbox::seed::small;
use reqwest::StatusCode;

use crate::settings_form::cache_small_guild;
use crate::support::Harness;

const BLOCKED: &str = "default_requirements.blocked_members";

#[tokio::test]
async fn the_member_search_finds_members_by_name_and_says_when_none_is_known() {
    let harness = Harness::start().await;
    cache_small_guild(&harness);
    harness.state.core.guild_cache.set_member_names(
        small::GUILD,
        [
            (small::MEMBER_A, "Ava".to_owned()),
            (small::MEMBER_B, "Bastian".to_owned()),
        ],
    );
    let mut owner = harness.login(small::OWNER).await;
    let search = |text: &str, many: bool| {
        format!(
            "/guilds/{}/pickers/members?field={BLOCKED}{}&search%3A{BLOCKED}={text}",
            small::GUILD,
            if many { "&many=1" } else { "" }
        )
    };
    let found = owner.get(&search("av", true)).await;
    assert_eq!(found.status(), StatusCode::OK);
    let found = found.text().await.unwrap();
    assert!(
        found.contains(&format!(
            r#"<input type="checkbox" name="{BLOCKED}" value="{}">"#,
            small::MEMBER_A
        )),
        "{found}"
    );
    assert!(found.contains("Ava"), "{found}");
    assert!(!found.contains("Bastian"), "{found}");

    // One member: radio buttons, with "nobody".
    let one = owner.get(&search("BAS", false)).await.text().await.unwrap();
    assert!(
        one.contains(&format!(
            r#"type="radio" name="{BLOCKED}" value="{}""#,
            small::MEMBER_B
        )),
        "{one}"
    );
    assert!(one.contains("nobody"), "{one}");

    let none = owner.get(&search("zed", true)).await.text().await.unwrap();
    assert!(none.contains("No member named “zed”"), "{none}");

    // Another guild's page is refused: the search checks the guild like every page.
    let other = owner
        .get(&format!(
            "/guilds/{}/pickers/members?field=x&search%3Ax=av",
            small::OTHER_GUILD
        ))
        .await;
    assert!(other.status().is_client_error(), "{:?}", other.status());
}

#[tokio::test]
async fn a_typed_id_replaces_a_pick_and_adds_to_a_list() {
    let harness = Harness::start().await;
    cache_small_guild(&harness);
    harness
        .state
        .core
        .guild_cache
        .set_member_names(small::GUILD, [(small::MEMBER_A, "Ava".to_owned())]);
    let mut owner = harness.login(small::OWNER).await;
    let csrf = owner.csrf.clone();
    let general = format!("/guilds/{}/settings/general", small::GUILD);
    let page = owner.get(&general).await.text().await.unwrap();
    assert!(page.contains(r#"name="typed1:mod_log_channel""#), "{page}");
    let saved = owner
        .post_form(
            &general,
            &[
                ("version", "0"),
                ("locale", "en-US"),
                ("timezone", "UTC"),
                ("mod_log_channel", &small::GENERAL.to_string()),
                ("typed1:mod_log_channel", &small::MOD_LOG.to_string()),
            ],
            Some(&csrf),
        )
        .await;
    assert_eq!(
        saved.status(),
        StatusCode::SEE_OTHER,
        "{}",
        saved.text().await.unwrap()
    );
    let settings = harness
        .state
        .core
        .config
        .reload(small::GUILD)
        .await
        .unwrap();
    assert_eq!(settings.general.mod_log_channel, Some(small::MOD_LOG));

    let giveaways = format!("/guilds/{}/settings/giveaways", small::GUILD);
    let page = owner.get(&giveaways).await.text().await.unwrap();
    assert!(
        page.contains(&format!("search:{BLOCKED}")),
        "the refused members are searched by name: {page}"
    );
    let version = settings.version("giveaways").to_string();
    let saved = owner
        .post_form(
            &giveaways,
            &[
                ("version", version.as_str()),
                ("claim_window_secs", "1h"),
                ("max_rerolls", "3"),
                ("max_active", "10"),
                (BLOCKED, &small::MEMBER_A.to_string()),
                (&format!("typedn:{BLOCKED}"), &small::MEMBER_B.to_string()),
                (&format!("search:{BLOCKED}"), "ignored"),
            ],
            Some(&csrf),
        )
        .await;
    assert_eq!(
        saved.status(),
        StatusCode::SEE_OTHER,
        "{}",
        saved.text().await.unwrap()
    );
    let settings = harness
        .state
        .core
        .config
        .reload(small::GUILD)
        .await
        .unwrap();
    assert_eq!(
        settings.giveaways.default_requirements.blocked_members,
        [small::MEMBER_A, small::MEMBER_B]
    );
    // The page shows the picked members by name, ticked.
    let page = owner.get(&giveaways).await.text().await.unwrap();
    assert!(
        page.contains(&format!(
            r#"<input type="checkbox" name="{BLOCKED}" value="{}" checked> Ava"#,
            small::MEMBER_A
        )),
        "{page}"
    );
}

#[tokio::test]
async fn a_role_panel_takes_the_servers_own_emojis_from_the_picker_and_no_other() {
    let harness = Harness::start().await;
    cache_small_guild(&harness);
    harness.state.core.guild_cache.set_emojis(
        small::GUILD,
        vec![guildhall_core::guild_cache::GuildEmoji {
            id: small::WAVE_EMOJI,
            name: "wave".into(),
            animated: false,
        }],
    );
    let mut owner = harness.login(small::OWNER).await;
    let csrf = owner.csrf.clone();
    let roles = format!("/guilds/{}/roles", small::GUILD);
    let page = owner.get(&roles).await.text().await.unwrap();
    let wave = format!("<:wave:{}>", small::WAVE_EMOJI);
    assert!(
        page.contains(&format!(
            r#"<option value="&lt;:wave:{}&gt;">:wave: (this server)</option>"#,
            small::WAVE_EMOJI
        )),
        "the server's emojis are offered: {page}"
    );
    let general = small::GENERAL.to_string();
    let member = small::MEMBER_ROLE.to_string();
    let post = |emoji: String| {
        vec![
            ("channel".to_owned(), general.clone()),
            ("title".to_owned(), "Pings".to_owned()),
            ("opt_role_0".to_owned(), member.clone()),
            ("opt_emoji_0".to_owned(), emoji),
        ]
    };
    let elsewhere = post("<:elsewhere:123456789012345678>".to_owned());
    let fields: Vec<(&str, &str)> = elsewhere
        .iter()
        .map(|(key, value)| (key.as_str(), value.as_str()))
        .collect();
    let refused = owner
        .post_form(&format!("{roles}/panels"), &fields, Some(&csrf))
        .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let refused = refused.text().await.unwrap();
    assert!(
        refused.contains(":elsewhere: is not an emoji of this server"),
        "{refused}"
    );
    assert!(
        !refused.contains("123456789012345678</"),
        "the emoji's id is not shown as text"
    );
    let ours = post(wave.clone());
    let fields: Vec<(&str, &str)> = ours
        .iter()
        .map(|(key, value)| (key.as_str(), value.as_str()))
        .collect();
    let created = owner
        .post_form(&format!("{roles}/panels"), &fields, Some(&csrf))
        .await;
    assert_eq!(
        created.status(),
        StatusCode::SEE_OTHER,
        "{}",
        created.text().await.unwrap()
    );
    let panels = crate::roles::service(&harness)
        .panels(small::GUILD)
        .await
        .unwrap();
    assert_eq!(panels[0].options[0].emoji.as_deref(), Some(wave.as_str()));
    let page = owner.get(&roles).await.text().await.unwrap();
    assert!(
        page.contains(":wave: Member") || page.contains(":wave: "),
        "{page}"
    );
}
