//! Every way in and every way to be refused: login, session token checks, CSRF, guild and
//! operator permissions.

use guildhall_core::ids::GuildId;
use guildhall_core::jobs::NewJob;
use guildhall_sandbox::seed::small;
use reqwest::StatusCode;
use serde_json::json;

use crate::support::{Browser, Harness, OPERATOR, TTL, location};

fn guild_page(guild: GuildId) -> String {
    format!("/guilds/{guild}")
}

#[tokio::test]
async fn without_a_session_pages_redirect_to_login_and_htmx_gets_401() {
    let harness = Harness::start().await;
    let mut browser = harness.anonymous();
    for path in [
        guild_page(small::GUILD),
        format!("/guilds/{}/features", small::GUILD),
        format!("/guilds/{}/settings/history", small::GUILD),
        format!("/guilds/{}/cases", small::GUILD),
        format!("/guilds/{}/cases/1", small::GUILD),
        format!("/guilds/{}/refusals", small::GUILD),
        format!("/guilds/{}/automod", small::GUILD),
        format!("/guilds/{}/ladder", small::GUILD),
        "/operator".to_owned(),
    ] {
        let response = browser.get(&path).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{path}");
        assert!(
            location(response.headers()).starts_with("/login?next="),
            "{path}"
        );
        let response = browser.get_htmx(&path).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{path}");
    }
    let landing = browser.get("/").await.text().await.unwrap();
    assert!(landing.contains("Log in with Discord"));
}

#[tokio::test]
async fn login_goes_through_discord_and_lists_only_manageable_guilds_with_the_bot() {
    let harness = Harness::start().await;
    let mut owner = harness.login(small::OWNER).await;
    let home = owner.get("/").await.text().await.unwrap();
    assert!(home.contains(&guild_page(small::GUILD)), "{home}");
    assert!(!home.contains(&guild_page(small::OTHER_GUILD)), "{home}");
    let cookie = owner.cookie("gh_session").unwrap();
    assert_eq!(cookie.split('.').count(), 3, "a JWT");

    // Operators see every guild the bot is in.
    let mut operator = harness.login(OPERATOR).await;
    let home = operator.get("/").await.text().await.unwrap();
    assert!(
        home.contains(&guild_page(small::GUILD)) && home.contains(&guild_page(small::OTHER_GUILD))
    );

    // A member without Manage Server sees none.
    let mut member = harness.login(small::MEMBER_A).await;
    let home = member.get("/").await.text().await.unwrap();
    assert!(!home.contains(&guild_page(small::GUILD)));
}

#[tokio::test]
async fn the_session_cookie_is_http_only_and_same_site() {
    let harness = Harness::start().await;
    harness.sandbox.set_oauth_user(small::OWNER);
    let mut browser = harness.anonymous();
    let to_discord = browser.get("/login").await;
    let state_cookie = to_discord.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(state_cookie.contains("HttpOnly") && state_cookie.contains("SameSite=Lax"));
    let approved = browser
        .http
        .get(location(to_discord.headers()))
        .send()
        .await
        .unwrap();
    let path = location(approved.headers())
        .trim_start_matches(&harness.base)
        .to_owned();
    let landed = browser.get(&path).await;
    let session = landed
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|value| value.to_str().unwrap().to_owned())
        .find(|value| value.starts_with("gh_session="))
        .unwrap();
    assert!(
        session.contains("HttpOnly") && session.contains("SameSite=Lax"),
        "{session}"
    );
    assert!(!session.contains("Secure"), "plain http here: {session}");
    assert!(
        !session.contains("access"),
        "the Discord token stays on the server"
    );
}

#[tokio::test]
async fn oauth_state_mismatch_is_refused_with_an_explanation() {
    let harness = Harness::start().await;
    let mut browser = harness.anonymous();
    let to_discord = browser.get("/login").await;
    assert_eq!(to_discord.status(), StatusCode::SEE_OTHER);
    let response = browser
        .get("/auth/callback?code=whatever&state=forged")
        .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("state does not match")
    );

    let mut fresh = harness.anonymous();
    let response = fresh
        .get("/auth/callback?code=whatever&state=anything")
        .await;
    assert_eq!(
        response.status(),
        StatusCode::BAD_REQUEST,
        "no state cookie at all"
    );

    let response = fresh
        .get("/auth/callback?error=access_denied&state=x")
        .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
}

async fn is_logged_out(browser: &mut Browser) -> bool {
    let response = browser.get(&guild_page(small::GUILD)).await;
    response.status() == StatusCode::SEE_OTHER && location(response.headers()).starts_with("/login")
}

#[tokio::test]
async fn a_tampered_token_is_treated_as_logged_out() {
    let harness = Harness::start().await;
    let mut browser = harness.login(small::OWNER).await;
    assert_eq!(
        browser.get(&guild_page(small::GUILD)).await.status(),
        StatusCode::OK
    );
    let token = browser.cookie("gh_session").unwrap();
    let parts: Vec<&str> = token.split('.').collect();

    // Another user id in the payload, signature kept.
    let payload = base64_decode(parts[1]);
    let forged = payload.replace(&small::OWNER.to_string(), &small::OTHER_OWNER.to_string());
    browser.set_cookie(
        "gh_session",
        &format!("{}.{}.{}", parts[0], base64_encode(&forged), parts[2]),
    );
    assert!(is_logged_out(&mut browser).await);

    // A flipped signature character.
    let mut signature = parts[2].to_owned();
    let last = signature.pop().unwrap();
    signature.push(if last == 'A' { 'B' } else { 'A' });
    browser.set_cookie(
        "gh_session",
        &format!("{}.{}.{signature}", parts[0], parts[1]),
    );
    assert!(is_logged_out(&mut browser).await);

    // Garbage.
    browser.set_cookie("gh_session", "not-a-token");
    assert!(is_logged_out(&mut browser).await);

    // The original still works.
    browser.set_cookie("gh_session", &token);
    assert!(!is_logged_out(&mut browser).await);
}

fn base64_decode(text: &str) -> String {
    use base64::Engine as _;
    String::from_utf8(
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(text)
            .unwrap(),
    )
    .unwrap()
}

fn base64_encode(text: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(text)
}

#[tokio::test]
async fn an_expired_token_is_treated_as_logged_out() {
    let harness = Harness::start().await;
    let mut browser = harness.login(small::OWNER).await;
    assert!(!is_logged_out(&mut browser).await);
    harness
        .clock
        .advance(TTL + std::time::Duration::from_secs(1));
    assert!(is_logged_out(&mut browser).await);
}

#[tokio::test]
async fn logout_ends_the_session_on_the_server() {
    let harness = Harness::start().await;
    let mut browser = harness.login(small::OWNER).await;
    let token = browser.cookie("gh_session").unwrap();
    let csrf = browser.csrf.clone();
    let response = browser.post_form("/logout", &[], Some(&csrf)).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert!(
        browser.cookie("gh_session").is_none(),
        "the cookie is deleted"
    );
    // Replaying the old token does not work either: the session is gone.
    browser.set_cookie("gh_session", &token);
    assert!(is_logged_out(&mut browser).await);
}

#[tokio::test]
async fn guild_pages_need_manage_server_in_that_guild() {
    let harness = Harness::start().await;
    let mut owner = harness.login(small::OWNER).await;
    for page in [
        "",
        "/features",
        "/settings/history",
        "/cases",
        "/refusals",
        "/automod",
        "/ladder",
    ] {
        let other = owner
            .get(&format!("/guilds/{}{page}", small::OTHER_GUILD))
            .await;
        assert_eq!(
            other.status(),
            StatusCode::FORBIDDEN,
            "another guild's {page}"
        );
        let unknown = owner.get(&format!("/guilds/4242{page}")).await;
        assert_eq!(
            unknown.status(),
            StatusCode::FORBIDDEN,
            "an unknown guild's {page}"
        );
        let own = owner.get(&format!("/guilds/{}{page}", small::GUILD)).await;
        assert_eq!(own.status(), StatusCode::OK, "own guild {page}");
    }
    let mut admin = harness.login(small::ADMIN).await;
    assert_eq!(
        admin.get(&guild_page(small::GUILD)).await.status(),
        StatusCode::OK,
        "Administrator"
    );
    let mut member = harness.login(small::MEMBER_A).await;
    let refused = member.get(&guild_page(small::GUILD)).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert!(refused.text().await.unwrap().contains("Manage Server"));
}

#[tokio::test]
async fn the_operator_page_is_for_operators_only() {
    let harness = Harness::start().await;
    let mut owner = harness.login(small::OWNER).await;
    assert_eq!(owner.get("/operator").await.status(), StatusCode::FORBIDDEN);
    let mut operator = harness.login(OPERATOR).await;
    let page = operator.get("/operator").await;
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains("Other Guild"));
}

/// Every state-changing route, for one logged-in owner and one job.
async fn state_changing_routes(
    harness: &Harness,
) -> Vec<(String, Vec<(&'static str, &'static str)>)> {
    let change = harness
        .state
        .core
        .config
        .set_key(small::GUILD, "features.levels", "on", "test")
        .await
        .unwrap()
        .unwrap();
    let entry = harness
        .state
        .core
        .config
        .history(small::GUILD, None, 1)
        .await
        .unwrap()[0]
        .id;
    assert_eq!(change.version, 1);
    let job = harness
        .state
        .core
        .ledger
        .schedule(
            NewJob::raw("test.job", json!({}), harness.state.core.clock.now()).guild(small::GUILD),
        )
        .await
        .unwrap();
    let case = crate::moderation::add_case(
        harness,
        small::GUILD,
        guildhall_core::moderation::CaseKind::Warn,
        guildhall_core::moderation::CaseActor::Moderator(small::MOD_A),
        "original",
    )
    .await;
    vec![
        (
            format!("/guilds/{}/settings", small::GUILD),
            vec![("key", "features.tickets"), ("value", "on")],
        ),
        (
            format!("/guilds/{}/settings/history/{entry}/rollback", small::GUILD),
            vec![],
        ),
        (
            format!("/guilds/{}/cases/{case}/reason", small::GUILD),
            vec![("reason", "changed")],
        ),
        (
            format!("/guilds/{}/automod/rules/caps", small::GUILD),
            vec![("enabled", "on"), ("action_kind", "delete")],
        ),
        (
            format!("/guilds/{}/automod/test", small::GUILD),
            vec![("text", "HELLO THERE EVERYONE")],
        ),
        (
            format!("/guilds/{}/automod/pattern", small::GUILD),
            vec![("pattern", "a+")],
        ),
        (
            format!("/guilds/{}/ladder", small::GUILD),
            vec![("at_0", "2"), ("kind_0", "kick")],
        ),
        (format!("/operator/jobs/{}/cancel", job.id), vec![]),
        (format!("/operator/jobs/{}/retry", job.id), vec![]),
        ("/logout".to_owned(), vec![]),
    ]
}

#[tokio::test]
async fn every_state_changing_route_refuses_a_missing_or_wrong_csrf_token() {
    let harness = Harness::start().await;
    let routes = state_changing_routes(&harness).await;
    let mut operator = harness.login(OPERATOR).await;
    let mut anonymous = harness.anonymous();
    for (path, fields) in &routes {
        let missing = operator.post_form(path, fields, None).await;
        assert_eq!(missing.status(), StatusCode::FORBIDDEN, "no token: {path}");
        assert!(missing.text().await.unwrap().contains("CSRF"), "{path}");
        let wrong = operator.post_form(path, fields, Some("forged")).await;
        assert_eq!(
            wrong.status(),
            StatusCode::FORBIDDEN,
            "wrong form token: {path}"
        );
        let wrong = operator.post_htmx(path, fields, Some("forged")).await;
        assert_eq!(
            wrong.status(),
            StatusCode::FORBIDDEN,
            "wrong header token: {path}"
        );
        let missing = operator.post_htmx(path, fields, None).await;
        assert_eq!(
            missing.status(),
            StatusCode::FORBIDDEN,
            "no header token: {path}"
        );
        let logged_out = anonymous.post_form(path, fields, Some("anything")).await;
        assert_eq!(
            logged_out.status(),
            StatusCode::UNAUTHORIZED,
            "no session: {path}"
        );
    }
    // Another session's token is wrong too.
    let mut owner = harness.login(small::OWNER).await;
    let (path, fields) = &routes[0];
    let stolen = operator.csrf.clone();
    assert_eq!(
        owner.post_form(path, fields, Some(&stolen)).await.status(),
        StatusCode::FORBIDDEN
    );
    // Nothing was written by any refused request.
    let tickets = harness
        .state
        .core
        .config
        .get_key(small::GUILD, "features.tickets")
        .await
        .unwrap();
    assert_eq!(tickets, json!(false));
    let job = harness
        .state
        .core
        .ledger
        .list(&Default::default())
        .await
        .unwrap();
    assert!(
        job.iter()
            .all(|job| job.state == guildhall_core::jobs::JobState::Pending)
    );
    let settings = harness
        .state
        .core
        .config
        .reload(small::GUILD)
        .await
        .unwrap();
    assert!(!settings.automod.caps.enabled);
    assert_eq!(settings.moderation.ladder.len(), 3);
    let case = guildhall_core::moderation::store::get(&harness.state.core.db, small::GUILD, 1)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(case.reason, "original");
}

#[tokio::test]
async fn every_state_changing_route_refuses_users_without_the_right_to_it() {
    let harness = Harness::start().await;
    let routes = state_changing_routes(&harness).await;
    let mut owner = harness.login(small::OWNER).await;
    let mut member = harness.login(small::MEMBER_A).await;
    let other_guild =
        |path: &str| path.replace(&small::GUILD.to_string(), &small::OTHER_GUILD.to_string());
    for (path, fields) in &routes {
        if path == "/logout" {
            continue;
        }
        let csrf = owner.csrf.clone();
        if path.starts_with("/guilds/") {
            let response = owner
                .post_htmx(&other_guild(path), fields, Some(&csrf))
                .await;
            assert_eq!(
                response.status(),
                StatusCode::FORBIDDEN,
                "another guild: {path}"
            );
            let csrf = member.csrf.clone();
            let response = member.post_htmx(path, fields, Some(&csrf)).await;
            assert_eq!(
                response.status(),
                StatusCode::FORBIDDEN,
                "no Manage Server: {path}"
            );
        } else {
            let response = owner.post_htmx(path, fields, Some(&csrf)).await;
            assert_eq!(
                response.status(),
                StatusCode::FORBIDDEN,
                "not an operator: {path}"
            );
        }
    }
    let tickets = harness
        .state
        .core
        .config
        .get_key(small::OTHER_GUILD, "features.tickets")
        .await
        .unwrap();
    assert_eq!(tickets, json!(false));
    assert_eq!(
        harness
            .state
            .core
            .config
            .history(small::GUILD, None, 10)
            .await
            .unwrap()
            .len(),
        1,
        "only the setup change"
    );
}

#[tokio::test]
async fn sessions_live_in_the_database_and_work_in_every_process_sharing_it() {
    use tower::ServiceExt as _;
    let harness = Harness::start().await;
    let mut browser = harness.login(small::OWNER).await;
    let token = browser.cookie("gh_session").unwrap();
    // A second dashboard process over the same database (and key) accepts the session.
    let second = guildhall_web::router(harness.state.clone());
    let request = || {
        axum::http::Request::get(format!("/guilds/{}", small::GUILD))
            .header("cookie", format!("gh_session={token}"))
            .body(axum::body::Body::empty())
            .unwrap()
    };
    let response = second.clone().oneshot(request()).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    // Logging out in the first ends it in the second.
    let csrf = browser.csrf.clone();
    browser.post_form("/logout", &[], Some(&csrf)).await;
    let response = second.oneshot(request()).await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn login_and_logout_work_on_every_database_backend() {
    for test_db in guildhall_core::testing::backends().await {
        let backend = test_db.backend();
        let harness = Harness::start_on(test_db).await;
        let mut browser = harness.login(small::OWNER).await;
        assert!(!is_logged_out(&mut browser).await, "{backend:?}");
        let csrf = browser.csrf.clone();
        let response = browser.post_form("/logout", &[], Some(&csrf)).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{backend:?}");
        assert!(browser.cookie("gh_session").is_none());
    }
}

#[tokio::test]
async fn a_lost_permission_is_noticed_at_once_on_writes_and_within_a_minute_on_pages() {
    let harness = Harness::start().await;
    let mut admin = harness.login(small::ADMIN).await;
    let page = guild_page(small::GUILD);
    assert_eq!(admin.get(&page).await.status(), StatusCode::OK);
    harness
        .sandbox
        .member_update(small::GUILD, small::ADMIN, |member| member.roles.clear());
    let csrf = admin.csrf.clone();
    let write = admin
        .post_htmx(
            &format!("/guilds/{}/settings", small::GUILD),
            &[("key", "features.levels"), ("value", "on")],
            Some(&csrf),
        )
        .await;
    assert_eq!(
        write.status(),
        StatusCode::FORBIDDEN,
        "writes ask Discord again"
    );
    harness.clock.advance(std::time::Duration::from_secs(61));
    assert_eq!(
        admin.get(&page).await.status(),
        StatusCode::FORBIDDEN,
        "the cache expired"
    );
    assert_eq!(
        harness
            .state
            .core
            .config
            .get_key(small::GUILD, "features.levels")
            .await
            .unwrap(),
        json!(false)
    );
}
