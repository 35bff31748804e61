//! The outside probe's findings 2 to 5 and 8, replayed: an open redirect after login, slow
//! clients, the OAuth callback, missing headers, and lax paths, methods and filters.

use guildhall_sandbox::seed::small;
use reqwest::StatusCode;

use crate::support::{Harness, location};

/// Logs in through `/login?next=<next>` (`next` as sent, already percent-encoded) and returns
/// where the callback sends the browser.
async fn landing_after_login(harness: &Harness, next: &str) -> Option<String> {
    harness.sandbox.set_oauth_user(small::OWNER);
    let mut browser = harness.anonymous();
    let to_discord = browser.get(&format!("/login?next={next}")).await;
    assert_eq!(to_discord.status(), StatusCode::SEE_OTHER);
    let approved = browser
        .http
        .get(location(to_discord.headers()))
        .send()
        .await
        .unwrap();
    let callback = location(approved.headers());
    let path = callback.trim_start_matches(&harness.base).to_owned();
    let landed = browser.get(&path).await;
    assert_eq!(landed.status(), StatusCode::SEE_OTHER, "{next}");
    landed
        .headers()
        .get(reqwest::header::LOCATION)
        .map(|value| value.to_str().unwrap().to_owned())
}

#[tokio::test]
async fn login_sends_users_only_to_a_path_of_this_site() {
    let harness = Harness::start().await;
    for next in [
        "/%09/evil.example",
        "/%0A/x",
        "//evil",
        "/%5Cevil",
        "/\\evil",
        "https://evil.example",
        "/%0D%0ASet-Cookie:%20x=1",
        "%2F%2Fevil",
    ] {
        assert_eq!(
            landing_after_login(&harness, next).await.as_deref(),
            Some("/"),
            "{next}"
        );
    }
    let guild = small::GUILD;
    assert_eq!(
        landing_after_login(&harness, &format!("/guilds/{guild}/cases%3Fpage%3D2"))
            .await
            .as_deref(),
        Some(format!("/guilds/{guild}/cases?page=2").as_str())
    );
}

#[tokio::test]
async fn signed_in_pages_are_never_stored_and_every_page_limits_what_it_may_do() {
    let harness = Harness::start().await;
    let guild = small::GUILD;
    let mut owner = harness.login(small::OWNER).await;
    for path in [
        "/".to_owned(),
        format!("/guilds/{guild}"),
        format!("/guilds/{guild}/cases"),
        format!("/guilds/{guild}/levels"),
        format!("/guilds/{guild}/roles"),
        format!("/guilds/{guild}/giveaways"),
        format!("/guilds/{guild}/tickets"),
        format!("/guilds/{guild}/levels/export"),
    ] {
        let response = owner.get(&path).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        let headers = response.headers();
        assert_eq!(headers["cache-control"], "no-store", "{path}");
        let policy = headers["content-security-policy"].to_str().unwrap();
        assert!(policy.contains("base-uri 'none'"), "{path}: {policy}");
        assert!(policy.contains("form-action 'self'"), "{path}: {policy}");
        assert!(
            policy.contains("frame-ancestors 'none'"),
            "{path}: {policy}"
        );
        let permissions = headers["permissions-policy"].to_str().unwrap();
        assert!(permissions.contains("camera=()"), "{path}: {permissions}");
    }
    // The login's own answer (which sets the session cookie) is not stored either.
    harness.sandbox.set_oauth_user(small::OWNER);
    let mut browser = harness.anonymous();
    let to_discord = browser.get("/login").await;
    let approved = browser
        .http
        .get(location(to_discord.headers()))
        .send()
        .await
        .unwrap();
    let callback = location(approved.headers());
    let landed = browser
        .get(callback.trim_start_matches(&harness.base))
        .await;
    assert_eq!(landed.headers()["cache-control"], "no-store");
    // Anonymous pages carry the policies too.
    let anonymous = harness.anonymous().get("/healthz").await;
    assert!(anonymous.headers().contains_key("permissions-policy"));
    assert!(
        anonymous.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("base-uri 'none'")
    );
}

#[tokio::test]
async fn only_canonical_ids_name_pages_wrong_methods_get_405_and_bad_filters_are_refused() {
    let harness = Harness::start().await;
    let guild = small::GUILD;
    let mut owner = harness.login(small::OWNER).await;
    for path in [
        format!("/guilds/+{guild}"),
        format!("/guilds/0{guild}"),
        format!("/guilds/{guild}%20"),
        format!("/guilds/{guild}/cases/01"),
        format!("/guilds/{guild}/cases/+1"),
        format!("/guilds/{guild}/giveaways/0"),
        format!("/leaderboard/+{guild}"),
        "/guilds/99999999999999999999".to_owned(),
    ] {
        let response = owner.get(&path).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
    }
    assert_eq!(
        owner.get(&format!("/guilds/{guild}")).await.status(),
        StatusCode::OK
    );

    for method in ["TRACE", "PATCH", "PUT", "DELETE", "POST"] {
        for path in [
            "/".to_owned(),
            format!("/guilds/{guild}"),
            format!("/guilds/{guild}/cases"),
        ] {
            let request = owner.http.request(
                reqwest::Method::from_bytes(method.as_bytes()).unwrap(),
                format!("{}{path}", harness.base),
            );
            let response = owner.send(request).await;
            assert_eq!(
                response.status(),
                StatusCode::METHOD_NOT_ALLOWED,
                "{method} {path}"
            );
        }
    }

    for before in ["", "abc", "%2B3", "03", "-1", "0"] {
        let path = format!("/guilds/{guild}/cases?before={before}&q=x");
        let response = owner.get(&path).await;
        if before.is_empty() {
            assert_eq!(response.status(), StatusCode::OK, "{path}");
            continue;
        }
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{path}");
        let body = response.text().await.unwrap();
        assert!(
            body.contains("before must be a case number"),
            "{path}: {body}"
        );
    }
}

/// Writes `sent` on a fresh connection, then reads until the server closes it; returns what
/// came back. Panics if the server keeps the connection past `deadline`.
async fn closed_by_server(harness: &Harness, sent: &str, deadline: std::time::Duration) -> String {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let addr = harness.base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.write_all(sent.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    let read = tokio::time::timeout(deadline, stream.read_to_end(&mut answer)).await;
    assert!(
        read.is_ok(),
        "the server still held the connection after {deadline:?} (sent {sent:?})"
    );
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test]
async fn stalled_clients_are_disconnected() {
    // A client gets 1 s for its headers and 1 s per piece of body.
    let test_db = guildhall_core::testing::sqlite_unmigrated().await;
    test_db.db.migrate().await.unwrap();
    let harness = Harness::start_with(
        test_db,
        guildhall_web::ConnectionLimits {
            header_read: std::time::Duration::from_secs(1),
            body_read: std::time::Duration::from_secs(1),
            max_connections: 64,
        },
    )
    .await;
    let deadline = std::time::Duration::from_secs(10);
    // Headers never finished.
    closed_by_server(
        &harness,
        "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ",
        deadline,
    )
    .await;
    // Nothing at all after connecting.
    closed_by_server(&harness, "", deadline).await;
    // A body announced and never sent, by a signed-in user (so the form would be read): the
    // body timeout ends the wait and the connection.
    let owner = harness.login(small::OWNER).await;
    let cookie = owner.cookie("gh_session").unwrap();
    let answer = closed_by_server(
        &harness,
        &format!(
            "POST /guilds/{}/settings HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\nCookie: gh_session={cookie}\r\n\r\nkey=",
            small::GUILD
        ),
        deadline,
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert!(answer.contains("stopped arriving"), "{answer}");
    // A well-behaved client is still served.
    assert_eq!(
        harness.anonymous().get("/healthz").await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_login_state_is_spent_on_first_use_and_discords_answer_is_not_echoed() {
    let harness = Harness::start().await;
    harness.sandbox.set_oauth_user(small::OWNER);
    let mut browser = harness.anonymous();
    let to_discord = browser.get("/login").await;
    let state_cookie = browser.cookie("gh_oauth_state").expect("a state cookie");
    let approved = browser
        .http
        .get(location(to_discord.headers()))
        .send()
        .await
        .unwrap();
    let callback = location(approved.headers());
    let path = callback.trim_start_matches(&harness.base).to_owned();
    let (_, query) = path.split_once('?').unwrap();
    let state = query
        .split('&')
        .find_map(|pair| pair.strip_prefix("state="))
        .unwrap();
    // A bogus code with the valid state: Discord refuses the exchange; the page says which
    // step failed, not what Discord answered.
    let bogus = browser
        .get(&format!("/auth/callback?code=bogus&state={state}"))
        .await;
    assert_eq!(bogus.status(), StatusCode::BAD_GATEWAY);
    assert!(
        bogus
            .headers()
            .get_all("set-cookie")
            .iter()
            .any(|value| value.to_str().unwrap().starts_with("gh_oauth_state=;")),
        "the state cookie is cleared on failure too"
    );
    let page = bogus.text().await.unwrap();
    assert!(
        page.contains("Discord did not accept the authorization code"),
        "{page}"
    );
    for echoed in ["invalid_grant", "Invalid", "code&quot; in request"] {
        assert!(!page.contains(echoed), "{echoed} in {page}");
    }
    // The same state again, even with the real code and the cookie put back: spent.
    browser.set_cookie("gh_oauth_state", &state_cookie);
    let replay = browser.get(&path).await;
    assert_eq!(replay.status(), StatusCode::BAD_REQUEST);
    assert!(
        replay.text().await.unwrap().contains("already used"),
        "a state works once"
    );
    assert!(browser.cookie("gh_session").is_none());
}

#[tokio::test]
async fn login_and_callback_are_rate_limited_per_client_address() {
    let harness = Harness::start().await;
    let mut browser = harness.anonymous();
    let mut limited = None;
    for attempt in 0..60 {
        let path = if attempt % 2 == 0 {
            "/login".to_owned()
        } else {
            "/auth/callback?code=x&state=y".to_owned()
        };
        let response = browser.get(&path).await;
        if response.status() == StatusCode::TOO_MANY_REQUESTS {
            limited = Some((attempt, response));
            break;
        }
    }
    let (attempt, response) = limited.expect("60 attempts in a row are limited");
    assert!(
        attempt >= 20,
        "the first 20 are let through (limited at {attempt})"
    );
    let retry_after: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry_after >= 1);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("too many login attempts")
    );
    // The token endpoint was called for none of them (no valid state).
    assert!(
        !harness
            .sandbox
            .requests()
            .iter()
            .any(|request| request.path.contains("oauth2/token"))
    );
}
