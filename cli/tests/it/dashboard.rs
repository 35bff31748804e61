//! The dashboard of a running `guildhall serve`, reached over HTTP the way a browser would:
//! logging in through the stand-in's OAuth2 pages, keeping cookies by hand.

use guildhall_core::ids::UserId;
use guildhall_core::testing;
use guildhall_sandbox::Sandbox;
use reqwest::header::{LOCATION, SET_COOKIE};

use crate::e2e::WITHIN;

/// A free loopback port for the dashboard.
pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The settings that serve the dashboard on `port` with the stand-in as the OAuth2 provider.
pub(crate) fn env(sandbox: &Sandbox, port: u16) -> Vec<(String, String)> {
    vec![
        (
            "GUILDHALL__DISCORD__CLIENT_ID".into(),
            sandbox.application_id().to_string(),
        ),
        (
            "GUILDHALL__DISCORD__CLIENT_SECRET".into(),
            sandbox.client_secret(),
        ),
        ("GUILDHALL__WEB__BIND".into(), format!("127.0.0.1:{port}")),
        (
            "GUILDHALL__WEB__PUBLIC_URL".into(),
            format!("http://127.0.0.1:{port}"),
        ),
    ]
}

/// A logged-in dashboard user.
pub(crate) struct Dashboard {
    http: reqwest::Client,
    base: String,
    cookies: Vec<(String, String)>,
}

impl Dashboard {
    /// Waits for the dashboard on `port`, then logs in as `user` through the stand-in.
    pub(crate) async fn login(sandbox: &Sandbox, port: u16, user: UserId) -> Self {
        let base = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        testing::wait_for("the dashboard", WITHIN, || async {
            http.get(format!("{base}/healthz"))
                .send()
                .await
                .ok()
                .filter(|response| response.status().is_success())
        })
        .await;
        let mut dashboard = Self {
            http,
            base,
            cookies: Vec::new(),
        };
        sandbox.set_oauth_user(user);
        let to_discord = dashboard.get("/login").await;
        let authorize = Self::location(&to_discord);
        let approved = dashboard.http.get(&authorize).send().await.unwrap();
        let callback = Self::location(&approved);
        let path = callback.trim_start_matches(&dashboard.base).to_owned();
        let landed = dashboard.get(&path).await;
        assert!(
            landed.status().is_redirection(),
            "login as {user} failed: {}",
            landed.text().await.unwrap_or_default()
        );
        dashboard
    }

    fn location(response: &reqwest::Response) -> String {
        response
            .headers()
            .get(LOCATION)
            .unwrap_or_else(|| panic!("no Location in {response:?}"))
            .to_str()
            .unwrap()
            .to_owned()
    }

    /// GETs `path` with the session's cookies.
    pub(crate) async fn get(&mut self, path: &str) -> reqwest::Response {
        let request = self.http.get(format!("{}{path}", self.base));
        self.send(request).await
    }

    /// POSTs a form to `path` as the page's own form would: with the CSRF token scraped from
    /// a page of the session (`name="csrf" value="…"`).
    pub(crate) async fn post_form(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
    ) -> reqwest::Response {
        let page = self.get("/").await.text().await.unwrap();
        let marker = r#"name="csrf" value=""#;
        let start = page
            .find(marker)
            .unwrap_or_else(|| panic!("no CSRF field in {page}"))
            + marker.len();
        let csrf = page[start..].split('"').next().unwrap().to_owned();
        let mut form: Vec<(&str, &str)> = fields.to_vec();
        form.push(("csrf", &csrf));
        let request = self.http.post(format!("{}{path}", self.base)).form(&form);
        self.send(request).await
    }

    /// Sends a request with the session's cookies and keeps the cookies it sets.
    async fn send(&mut self, request: reqwest::RequestBuilder) -> reqwest::Response {
        let cookie = self
            .cookies
            .iter()
            .map(|(key, value)| format!("{key}={value}"))
            .collect::<Vec<_>>()
            .join("; ");
        let response = request.header("cookie", cookie).send().await.unwrap();
        for value in response.headers().get_all(SET_COOKIE) {
            let text = value.to_str().unwrap();
            let pair = text.split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            self.cookies.retain(|(key, _)| key != name);
            if !text.contains("Max-Age=0") {
                self.cookies.push((name.to_owned(), value.to_owned()));
            }
        }
        response
    }
}
