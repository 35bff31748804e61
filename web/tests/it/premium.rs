//! Premium in the dashboard: a server's Premium page for its admins only, and the operator's
//! grant and revoke (operators only, CSRF, bad input refused with what is accepted, audited).

use guildhall_core::premium::Tier;
use guildhall_sandbox::seed::small;
use reqwest::StatusCode;

use crate::support::{Harness, OPERATOR};

#[tokio::test]
async fn the_premium_page_shows_the_tier_limits_and_use_to_the_servers_admins_only() {
    let harness = Harness::start().await;
    let page = format!("/guilds/{}/premium", small::GUILD);
    let mut owner = harness.login(small::OWNER).await;
    let free = owner.get(&page).await;
    assert_eq!(free.status(), StatusCode::OK);
    let free = free.text().await.unwrap();
    assert!(free.contains("Tier: Free"), "{free}");
    assert!(
        free.contains("Role panels") && free.contains("0 of 5"),
        "{free}"
    );
    assert!(free.contains("needs Premium"), "{free}");

    harness
        .state
        .core
        .premium
        .grant(
            small::GUILD,
            Tier::Premium,
            None,
            "operator:test",
            "sponsor",
        )
        .await
        .unwrap();
    let premium = owner.get(&page).await.text().await.unwrap();
    assert!(premium.contains("Tier: Premium"), "{premium}");
    assert!(
        premium.contains("Granted by operator:test: sponsor"),
        "{premium}"
    );
    assert!(premium.contains("0 of 50"), "{premium}");

    // Another server's admin, and a member without Manage Server, are refused.
    let mut other = harness.login(small::OTHER_OWNER).await;
    assert_eq!(other.get(&page).await.status(), StatusCode::FORBIDDEN);
    let mut member = harness.login(small::MEMBER_A).await;
    assert_eq!(member.get(&page).await.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn operators_grant_and_revoke_premium_and_bad_input_changes_nothing() {
    let harness = Harness::start().await;
    let core = &harness.state.core;
    guildhall_core::guilds::upsert(
        &core.db,
        small::GUILD,
        "Guildhall Test",
        Some(small::OWNER),
        core.clock.now(),
    )
    .await
    .unwrap();
    let guild = small::GUILD.to_string();

    // Not an operator: refused, even the guild's owner.
    let mut owner = harness.login(small::OWNER).await;
    let csrf = owner.csrf.clone();
    let refused = owner
        .post_form(
            "/operator/premium/grant",
            &[("guild", &guild), ("until", "")],
            Some(&csrf),
        )
        .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert_eq!(core.premium.tier(small::GUILD), Tier::Free);

    let mut operator = harness.login(OPERATOR).await;
    let page = operator.get("/operator").await.text().await.unwrap();
    assert!(page.contains("Grant premium"), "{page}");
    assert!(
        page.contains(&format!(
            r#"<option value="{guild}">Guildhall Test</option>"#
        )),
        "the server is picked by name: {page}"
    );
    let csrf = operator.csrf.clone();
    // Without the CSRF token: refused.
    let forged = operator
        .post_form("/operator/premium/grant", &[("guild", &guild)], None)
        .await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    // Bad input: what was wrong and what is accepted; nothing written.
    for (fields, words) in [
        (
            vec![("guild", guild.as_str()), ("until", "soonish")],
            "write +30d, an RFC 3339 time, or leave it empty",
        ),
        (
            vec![("guild", guild.as_str()), ("until", "2001-01-01T00:00:00Z")],
            "has passed",
        ),
        (vec![("guild", "123")], "has never been in server 123"),
        (
            vec![("guild", guild.as_str()), ("note", "bad\u{1b}[31m")],
            "control characters",
        ),
    ] {
        let answer = operator
            .post_form("/operator/premium/grant", &fields, Some(&csrf))
            .await;
        assert_eq!(answer.status(), StatusCode::BAD_REQUEST, "{fields:?}");
        let text = answer.text().await.unwrap();
        assert!(text.contains(words), "{fields:?}: {text}");
        assert_eq!(core.premium.tier(small::GUILD), Tier::Free, "{fields:?}");
    }

    // A grant for 30 days: premium, listed, audited with the operator as actor.
    let granted = operator
        .post_form(
            "/operator/premium/grant",
            &[("guild", &guild), ("until", "+30d"), ("note", "sponsor")],
            Some(&csrf),
        )
        .await;
    assert_eq!(granted.status(), StatusCode::SEE_OTHER);
    let status = core.premium.status(small::GUILD);
    assert_eq!(status.tier, Tier::Premium);
    assert!(status.until.is_some());
    let page = operator.get("/operator").await.text().await.unwrap();
    assert!(page.contains("Revoke grant"), "{page}");
    let audit = guildhall_core::audit::recent(&core.db, Some(small::GUILD), 5)
        .await
        .unwrap();
    assert_eq!(audit[0].action, "premium.grant");
    assert_eq!(audit[0].actor, format!("user:{OPERATOR} (dashboard)"));

    // Revoked: free again; a second revoke says there is nothing to revoke.
    let path = format!("/operator/premium/{guild}/revoke");
    let revoked = operator.post_form(&path, &[], Some(&csrf)).await;
    assert_eq!(revoked.status(), StatusCode::SEE_OTHER);
    assert_eq!(core.premium.tier(small::GUILD), Tier::Free);
    let again = operator.post_form(&path, &[], Some(&csrf)).await;
    assert_eq!(again.status(), StatusCode::BAD_REQUEST);
    assert!(again.text().await.unwrap().contains("no premium grant"));
}

#[tokio::test]
async fn the_branding_form_refuses_a_name_discord_refuses_beside_the_field_and_stores_nothing() {
    let harness = Harness::start().await;
    let mut owner = harness.login(small::OWNER).await;
    let csrf = owner.csrf.clone();
    let path = format!("/guilds/{}/settings/branding", small::GUILD);
    for (name, rule) in [
        ("My Discord Bot", "must not contain &quot;discord&quot;"),
        ("clyde", "must not contain &quot;clyde&quot;"),
        (&"x".repeat(81) as &str, "at most 80 characters"),
    ] {
        let refused = owner
            .post_form(
                &path,
                &[
                    ("version", "0"),
                    ("bot_name", name),
                    ("embed_colour", "#5865F2"),
                ],
                Some(&csrf),
            )
            .await;
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        let page = refused.text().await.unwrap();
        assert!(page.contains(rule), "{name}: {page}");
        assert!(
            !page.contains("branding.bot_name must"),
            "the message reads after the label, without the key: {page}"
        );
        let stored = harness
            .state
            .core
            .config
            .reload(small::GUILD)
            .await
            .unwrap();
        assert_eq!(
            stored.branding,
            guildhall_core::premium::Branding::default()
        );
    }
    let saved = owner
        .post_form(
            &path,
            &[
                ("version", "0"),
                ("bot_name", "Tavern Keeper"),
                ("embed_colour", "#5865F2"),
            ],
            Some(&csrf),
        )
        .await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    let stored = harness
        .state
        .core
        .config
        .reload(small::GUILD)
        .await
        .unwrap();
    assert_eq!(stored.branding.bot_name, "Tavern Keeper");
    assert_eq!(stored.branding.colour(), Some(0x58_65_F2));
    // Saved on the free tier, shown as paused on the Premium page until the server has it.
    let page = owner
        .get(&format!("/guilds/{}/premium", small::GUILD))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("The bot&#39;s name and avatar on posts")
            || page.contains("The bot's name and avatar on posts"),
        "{page}"
    );
    assert!(page.contains("The embed theme"), "{page}");
}
