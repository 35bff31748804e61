//! The guild extractors on routes of a test's own: a change (`WriteGuild`) mounted without the
//! CSRF guard is refused even with a valid token, and a guild's owner is refused another
//! guild's pages through the extractor alone.

use axum::Router;
use axum::routing::{get, post};
use guildhall_sandbox::seed::small;
use guildhall_web::features::FeaturePages;
use guildhall_web::{App, ReadGuild, WriteGuild, guarded};
use reqwest::StatusCode;

use crate::support::{Browser, Harness};

async fn read(guild: ReadGuild) -> String {
    format!("read {}", guild.access.id)
}

async fn write(guild: WriteGuild) -> String {
    format!("wrote {}", guild.access.id)
}

/// A write mounted twice: behind the guard, and (wrongly) without it; a write extractor on a
/// GET route (which the guard never checks); a read.
fn routes(app: &App) -> Router<App> {
    Router::new()
        .route("/guilds/{guild}/test/read", guarded(app, get(read)))
        .route("/guilds/{guild}/test/write", guarded(app, post(write)))
        .route("/guilds/{guild}/test/unguarded", post(write))
        .route("/guilds/{guild}/test/get-write", guarded(app, get(write)))
}

const TEST_PAGES: &[FeaturePages] = &[FeaturePages {
    name: "test",
    group: guildhall_web::features::NavGroup::Community,
    routes,
    tabs: &[],
}];

/// A second server over the harness's state (and so its sessions), with the test pages.
async fn test_server(harness: &Harness) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let router = guildhall_web::router_with(harness.state.clone(), TEST_PAGES);
    tokio::spawn(async move { axum::serve(listener, router).await });
    base
}

fn on(browser: &Browser, base: &str) -> Browser {
    Browser {
        http: browser.http.clone(),
        base: base.to_owned(),
        cookies: browser.cookies.clone(),
        csrf: browser.csrf.clone(),
    }
}

#[tokio::test]
async fn a_write_without_the_csrf_guard_is_refused_and_other_guilds_are_forbidden() {
    let harness = Harness::start().await;
    let base = test_server(&harness).await;
    let owner = harness.login(small::OWNER).await;
    let mut owner = on(&owner, &base);
    let csrf = owner.csrf.clone();
    let guild = small::GUILD;

    let response = owner.get(&format!("/guilds/{guild}/test/read")).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.text().await.unwrap(), format!("read {guild}"));
    let response = owner
        .post_form(&format!("/guilds/{guild}/test/write"), &[], Some(&csrf))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.text().await.unwrap(), format!("wrote {guild}"));

    // The token is valid, but no guard checked it: the extractor refuses.
    for response in [
        owner
            .post_form(&format!("/guilds/{guild}/test/unguarded"), &[], Some(&csrf))
            .await,
        owner
            .post_htmx(&format!("/guilds/{guild}/test/unguarded"), &[], Some(&csrf))
            .await,
        owner.get(&format!("/guilds/{guild}/test/get-write")).await,
    ] {
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
        assert!(response.text().await.unwrap().contains("CSRF"));
    }

    // Another guild's owner: 403 through the extractor, for reads and writes.
    let other = harness.login(small::OTHER_OWNER).await;
    let mut other = on(&other, &base);
    let csrf = other.csrf.clone();
    let response = other.get(&format!("/guilds/{guild}/test/read")).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let response = other
        .post_form(&format!("/guilds/{guild}/test/write"), &[], Some(&csrf))
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let own = small::OTHER_GUILD;
    let response = other.get(&format!("/guilds/{own}/test/read")).await;
    assert_eq!(response.status(), StatusCode::OK);

    // Not canonical: no such page, before any permission is asked.
    let response = owner.get(&format!("/guilds/0{guild}/test/read")).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}
