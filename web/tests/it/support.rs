//! A dashboard on 127.0.0.1 with a fresh SQLite database, a manual clock and the stand-in as
//! Discord; a minimal cookie-keeping client that logs in as a stand-in user.

use std::sync::Arc;
use std::time::Duration;

use guildhall_core::clock::{ManualClock, SharedClock, UnixMillis};
use guildhall_core::coordination::MemoryCoordination;
use guildhall_core::ids::UserId;
use guildhall_core::testing::{self, TestDb};
use guildhall_sandbox::seed::small;
use guildhall_sandbox::{Sandbox, Seed};
use guildhall_web::{WebConfig, WebState};
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, LOCATION, SET_COOKIE};
use tokio_util::sync::CancellationToken;

pub const TTL: Duration = Duration::from_secs(3600);
/// The operator of every harness.
pub const OPERATOR: UserId = small::MOD_A;

pub struct Harness {
    pub sandbox: Sandbox,
    _test_db: TestDb,
    pub clock: ManualClock,
    pub state: WebState,
    pub base: String,
    shutdown: CancellationToken,
}

impl Harness {
    pub async fn start() -> Self {
        let test_db = testing::sqlite_unmigrated().await;
        test_db.db.migrate().await.unwrap();
        Self::start_on(test_db).await
    }

    /// A harness over an already migrated database.
    pub async fn start_on(test_db: TestDb) -> Self {
        Self::start_with(test_db, guildhall_web::ConnectionLimits::default()).await
    }

    /// A harness whose server grants clients `limits` (tests of slow clients shorten them).
    pub async fn start_with(test_db: TestDb, limits: guildhall_web::ConnectionLimits) -> Self {
        let sandbox = Sandbox::start(Seed::two_guilds()).await.unwrap();
        let clock = ManualClock::new(UnixMillis::from_system_time(std::time::SystemTime::now()));
        let shared: SharedClock = Arc::new(clock.clone());
        let now = shared.now();
        for (guild, name, owner) in [
            (small::GUILD, "Small Guild", small::OWNER),
            (small::OTHER_GUILD, "Other Guild", small::OTHER_OWNER),
        ] {
            guildhall_core::guilds::upsert(&test_db.db, guild, name, Some(owner), now)
                .await
                .unwrap();
        }
        let coordination = Arc::new(MemoryCoordination::new(Arc::clone(&shared)));
        let core =
            guildhall_core::Core::new(test_db.db.clone(), Arc::clone(&shared), coordination, 3);
        let guild_cache = Arc::clone(&core.guild_cache);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let base = format!("http://{addr}");
        let state = WebState {
            config: Arc::new(WebConfig {
                bind: addr,
                public_url: base.clone(),
                session_key: b"0123456789abcdef0123456789abcdef".to_vec(),
                session_ttl: TTL,
                operator_token: "operator-token".into(),
                operators: vec![OPERATOR],
                discord_api_base: sandbox.api_base(),
                client_id: sandbox.application_id().to_string(),
                client_secret: sandbox.client_secret(),
                limits,
            }),
            core,
            // No bot here: the dashboard's own levels listener runs.
            levels_listener: true,
            directory: guildhall_web::guild_directory(
                guild_cache,
                &sandbox.api_base(),
                Some(&sandbox.bot_token()),
            ),
            job_metrics: Some(Arc::default()),
        };
        let shutdown = CancellationToken::new();
        tokio::spawn(guildhall_web::serve_listener(
            listener,
            state.clone(),
            shutdown.clone(),
        ));
        Self {
            sandbox,
            _test_db: test_db,
            clock,
            state,
            base,
            shutdown,
        }
    }

    pub fn anonymous(&self) -> Browser {
        Browser {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            base: self.base.clone(),
            cookies: Vec::new(),
            csrf: String::new(),
        }
    }

    /// Logs in through `/login`, the stand-in's authorize page and the callback, as `user`.
    pub async fn login(&self, user: UserId) -> Browser {
        self.sandbox.set_oauth_user(user);
        let mut browser = self.anonymous();
        let to_discord = browser.get("/login").await;
        assert_eq!(to_discord.status(), StatusCode::SEE_OTHER);
        let authorize = location(to_discord.headers());
        assert!(
            authorize.starts_with(&self.sandbox.api_base()),
            "{authorize}"
        );
        let approved = browser.http.get(&authorize).send().await.unwrap();
        assert_eq!(approved.status(), StatusCode::FOUND);
        let callback = location(approved.headers());
        assert!(
            callback.starts_with(&format!("{}/auth/callback?", self.base)),
            "{callback}"
        );
        let path = callback.trim_start_matches(&self.base).to_owned();
        let landed = browser.get(&path).await;
        assert_eq!(
            landed.status(),
            StatusCode::SEE_OTHER,
            "{}",
            landed.text().await.unwrap()
        );
        assert!(browser.cookie("gh_session").is_some());
        let home = browser.get("/").await.text().await.unwrap();
        browser.csrf = scrape_csrf(&home).expect("the page carries a CSRF token");
        browser
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

pub fn location(headers: &HeaderMap) -> String {
    headers
        .get(LOCATION)
        .expect("a Location header")
        .to_str()
        .unwrap()
        .to_owned()
}

pub fn scrape_csrf(html: &str) -> Option<String> {
    let marker = r#"name="csrf" value=""#;
    let start = html.find(marker)? + marker.len();
    let end = html[start..].find('"')?;
    Some(html[start..start + end].to_owned())
}

/// A client that keeps cookies by hand (so tests can tamper with them) and never follows
/// redirects (so tests see them).
pub struct Browser {
    pub http: reqwest::Client,
    pub base: String,
    pub cookies: Vec<(String, String)>,
    pub csrf: String,
}

impl Browser {
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.cookies
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
    }

    pub fn set_cookie(&mut self, name: &str, value: &str) {
        self.cookies.retain(|(key, _)| key != name);
        if !value.is_empty() {
            self.cookies.push((name.to_owned(), value.to_owned()));
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(key, value)| format!("{key}={value}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn keep(&mut self, response: &reqwest::Response) {
        for value in response.headers().get_all(SET_COOKIE) {
            let text = value.to_str().unwrap();
            let pair = text.split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            let deleted = text.contains("Max-Age=0");
            self.set_cookie(name, if deleted { "" } else { value });
        }
    }

    pub async fn send(&mut self, request: reqwest::RequestBuilder) -> reqwest::Response {
        let response = request
            .header("cookie", self.cookie_header())
            .send()
            .await
            .unwrap();
        self.keep(&response);
        response
    }

    pub async fn get(&mut self, path: &str) -> reqwest::Response {
        let request = self.http.get(format!("{}{path}", self.base));
        self.send(request).await
    }

    pub async fn get_htmx(&mut self, path: &str) -> reqwest::Response {
        let request = self
            .http
            .get(format!("{}{path}", self.base))
            .header("hx-request", "true");
        self.send(request).await
    }

    /// A form post; `csrf` is put in the form when given.
    pub async fn post_form(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        csrf: Option<&str>,
    ) -> reqwest::Response {
        let mut body: Vec<(&str, &str)> = fields.to_vec();
        if let Some(csrf) = csrf {
            body.push(("csrf", csrf));
        }
        let encoded = body
            .iter()
            .map(|(key, value)| {
                format!(
                    "{key}={}",
                    percent_encoding::utf8_percent_encode(
                        value,
                        percent_encoding::NON_ALPHANUMERIC
                    )
                )
            })
            .collect::<Vec<_>>()
            .join("&");
        let request = self
            .http
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(encoded);
        self.send(request).await
    }

    /// An htmx post: the CSRF token (when given) in the header, as the layout configures.
    pub async fn post_htmx(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        csrf: Option<&str>,
    ) -> reqwest::Response {
        let encoded = fields
            .iter()
            .map(|(key, value)| {
                format!(
                    "{key}={}",
                    percent_encoding::utf8_percent_encode(
                        value,
                        percent_encoding::NON_ALPHANUMERIC
                    )
                )
            })
            .collect::<Vec<_>>()
            .join("&");
        let mut request = self
            .http
            .post(format!("{}{path}", self.base))
            .header("hx-request", "true")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(encoded);
        if let Some(csrf) = csrf {
            request = request.header("x-csrf-token", csrf);
        }
        self.send(request).await
    }
}
