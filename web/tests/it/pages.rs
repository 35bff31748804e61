//! Pages, health, readiness, metrics, assets and the admin API behind one router.

use guildhall_sandbox::seed::small;
use reqwest::StatusCode;

use crate::support::Harness;

#[tokio::test]
async fn the_overview_shows_name_members_activity_and_features() {
    let harness = Harness::start().await;
    let mut owner = harness.login(small::OWNER).await;
    let response = owner.get(&format!("/guilds/{}", small::GUILD)).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["x-frame-options"], "DENY");
    let page = response.text().await.unwrap();
    assert!(page.contains("Small Guild"), "{page}");
    assert!(page.contains("commands run (7 days)"));
    assert!(page.contains("refused actions (7 days)"));
    assert!(page.contains("moderation"), "moderation is on by default");
    assert!(
        page.contains(r#"hx-headers="{&quot;X-CSRF-Token&quot;:"#),
        "htmx sends the CSRF token"
    );
    assert!(page.contains("/assets/htmx.min.js"));
    let members = harness.sandbox.guild(small::GUILD).unwrap().members.len();
    assert!(
        page.contains(&format!(r#"<div class="value">{members}</div>"#)),
        "{page}"
    );
    // No icon known yet: the initials.
    assert!(page.contains(r#"class="guild-icon initials""#), "{page}");
    assert!(page.contains(r#"id="features-on""#), "{page}");
    assert!(page.contains("No case yet."), "{page}");
}

#[tokio::test]
async fn the_overview_shows_the_icon_from_the_cdn_the_policy_admits_and_recent_cases() {
    let harness = Harness::start().await;
    let cache = &harness.state.core.guild_cache;
    let hash = harness
        .sandbox
        .guild(small::GUILD)
        .unwrap()
        .icon
        .expect("the small guild has an icon");
    cache.put_guild(
        small::GUILD,
        "Small Guild".into(),
        small::OWNER,
        Vec::new(),
        Vec::new(),
    );
    cache.set_look(
        small::GUILD,
        guildhall_core::guild_cache::GuildLook {
            icon: Some(hash.clone()),
            member_count: Some(7),
        },
    );
    cache.set_member_names(small::GUILD, [(small::MEMBER_A, "Ava".to_owned())]);
    guildhall_core::moderation::store::create(
        &harness.state.core.db,
        &guildhall_core::moderation::NewCase::new(
            small::GUILD,
            guildhall_core::moderation::CaseKind::Warn,
            small::MEMBER_A,
            guildhall_core::moderation::CaseActor::Moderator(small::OWNER),
            "spamming the welcome channel",
            guildhall_core::clock::Clock::now(&harness.clock),
        ),
    )
    .await
    .unwrap();
    let mut owner = harness.login(small::OWNER).await;
    let response = owner.get(&format!("/guilds/{}", small::GUILD)).await;
    let policy = response.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    let page = response.text().await.unwrap();
    let icon = format!(
        "{}/icons/{}/{hash}.png?size=128",
        harness.sandbox.api_base(),
        small::GUILD
    );
    assert!(page.contains(&format!(r#"src="{icon}""#)), "{page}");
    let origin = harness.sandbox.api_base();
    assert!(
        policy.contains(&format!("img-src 'self' data: {origin};")),
        "{policy}"
    );
    // The stand-in's CDN serves the current icon, and nothing for another hash.
    let image = reqwest::get(&icon).await.unwrap();
    assert_eq!(image.headers()["content-type"], "image/png");
    assert!(image.bytes().await.unwrap().starts_with(b"\x89PNG"));
    let stale = reqwest::get(format!(
        "{}/icons/{}/0123abcd.png",
        harness.sandbox.api_base(),
        small::GUILD
    ))
    .await
    .unwrap();
    assert_eq!(stale.status(), StatusCode::NOT_FOUND);
    // The recent case names the member.
    let cases = &page[page.find(r#"id="recent-cases""#).unwrap()..];
    assert!(cases.contains("#1 Warn"), "{cases}");
    assert!(cases.contains("Ava"), "{cases}");
    assert!(cases.contains("spamming the welcome channel"), "{cases}");
}

#[tokio::test]
async fn health_readiness_assets_and_the_admin_api_answer() {
    let harness = Harness::start().await;
    let mut browser = harness.anonymous();
    let health = browser.get("/healthz").await;
    assert_eq!(health.status(), StatusCode::OK);
    assert_eq!(health.text().await.unwrap(), "ok");
    assert_eq!(browser.get("/readyz").await.status(), StatusCode::OK);
    let htmx = browser.get("/assets/htmx.min.js").await;
    assert_eq!(htmx.status(), StatusCode::OK);
    assert!(htmx.text().await.unwrap().starts_with("var htmx="));
    assert_eq!(
        browser.get("/assets/app.css").await.status(),
        StatusCode::OK
    );
    assert_eq!(
        browser.get("/api/admin/status").await.status(),
        StatusCode::UNAUTHORIZED
    );
    let status = guildhall_web::admin::AdminClient::new(&harness.base, "operator-token")
        .status()
        .await
        .unwrap();
    assert!(status.shards.is_empty());
}

#[tokio::test]
async fn readiness_names_a_database_that_is_down() {
    let harness = Harness::start().await;
    harness.state.core.db.close().await;
    let mut browser = harness.anonymous();
    let response = browser.get("/readyz").await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body = response.text().await.unwrap();
    assert!(body.contains("database"), "{body}");
    assert!(!body.contains("coordination"), "{body}");
}

#[tokio::test]
async fn metrics_are_valid_prometheus_text() {
    let harness = Harness::start().await;
    harness
        .state
        .core
        .live
        .count_event(Some(0), "MESSAGE_CREATE", harness.state.core.clock.now());
    harness.state.core.live.count_command("ping", "ok", 12);
    let mut browser = harness.anonymous();
    browser.get("/healthz").await;
    browser.get(&format!("/guilds/{}", small::GUILD)).await;
    let text = browser.get("/metrics").await.text().await.unwrap();
    let mut samples = 0;
    for line in text.lines() {
        if line.starts_with("# HELP ") || line.starts_with("# TYPE ") {
            continue;
        }
        let (series, value) = line
            .rsplit_once(' ')
            .unwrap_or_else(|| panic!("no value: {line}"));
        value
            .parse::<f64>()
            .unwrap_or_else(|_| panic!("bad value: {line}"));
        let name_end = series.find('{').unwrap_or(series.len());
        let name = &series[..name_end];
        assert!(
            !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
            "bad name: {line}"
        );
        if name_end < series.len() {
            assert!(series.ends_with('}'), "unclosed labels: {line}");
        }
        samples += 1;
    }
    assert!(samples > 10);
    assert!(
        text.contains(r#"guildhall_http_requests_total{route="/healthz",status="200"} 1"#),
        "{text}"
    );
    assert!(
        text.contains(r#"guildhall_http_requests_total{route="/guilds/{guild}",status="303"} 1"#),
        "{text}"
    );
    assert!(text.contains(
        r#"guildhall_http_request_duration_seconds_bucket{route="/healthz",le="+Inf"} 1"#
    ));
    assert!(text.contains(r#"guildhall_gateway_events_by_name_total{event="MESSAGE_CREATE"} 1"#));
    assert!(text.contains(r#"guildhall_commands_total{command="ping",outcome="ok"} 1"#));
    assert!(text.contains(r#"guildhall_job_lateness_ms_bucket{le="+Inf"} 0"#));
}
