//! The dashboard in a real browser: headless Chromium driven through chromedriver (a minimal
//! W3C WebDriver client over reqwest) against the real `guildhall serve`, with the Discord
//! stand-in as Discord. Logging in, switching prefix commands on, and seeing the bot answer
//! `!ping` where it did not before.

use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use guildhall_core::testing;
use guildhall_sandbox::seed::small;
use guildhall_sandbox::{Sandbox, Seed};
use serde_json::{Value, json};

use crate::support::process;

const WITHIN: Duration = Duration::from_secs(30);
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// `name` on the PATH (or in /usr/bin), if installed.
fn installed(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")
        .into_iter()
        .flat_map(|path| std::env::split_paths(&path).collect::<Vec<_>>())
        .chain([PathBuf::from("/usr/bin")])
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A child process killed when dropped.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// chromedriver in its own process group, killed with everything it started (Chromium and its
/// helpers) when dropped, even when the test fails before the session is closed.
struct DriverGroup(Child);

impl Drop for DriverGroup {
    fn drop(&mut self) {
        let _ = std::process::Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.0.id())])
            .status();
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Polls `check` until it returns `Some` or `within` passes.
async fn eventually<T, F, Fut>(what: &str, within: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + within;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(
            Instant::now() < deadline,
            "timed out after {within:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A WebDriver session: just what the test needs.
struct WebDriver {
    http: reqwest::Client,
    base: String,
    session: String,
    _driver: DriverGroup,
    _profile: tempfile::TempDir,
}

impl WebDriver {
    async fn start(chromium: &Path, chromedriver: &Path) -> Self {
        let port = free_port();
        let mut command = std::process::Command::new(chromedriver);
        command
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        #[cfg(unix)]
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let driver = DriverGroup(command.spawn().expect("start chromedriver"));
        let http = reqwest::Client::new();
        let base = format!("http://127.0.0.1:{port}");
        eventually("chromedriver to answer", WITHIN, || async {
            let status = http.get(format!("{base}/status")).send().await.ok()?;
            let body: Value = status.json().await.ok()?;
            body["value"]["ready"].as_bool().filter(|ready| *ready)
        })
        .await;
        let profile = tempfile::tempdir().unwrap();
        let capabilities = json!({
            "capabilities": { "alwaysMatch": {
                "browserName": "chrome",
                "goog:chromeOptions": {
                    "binary": chromium,
                    "args": [
                        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                        "--no-first-run", "--disable-background-networking",
                        "--disable-component-update", "--disable-sync",
                        "--window-size=1024,900",
                        format!("--user-data-dir={}", profile.path().display()),
                    ],
                },
            } }
        });
        let answer: Value = http
            .post(format!("{base}/session"))
            .json(&capabilities)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let session = answer["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no WebDriver session: {answer}"))
            .to_owned();
        Self {
            http,
            base,
            session,
            _driver: driver,
            _profile: profile,
        }
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}/session/{}{path}", self.base, self.session);
        let mut request = self.http.request(method, &url);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let answer: Value = request.send().await.unwrap().json().await.unwrap();
        answer["value"].clone()
    }

    async fn navigate(&self, url: &str) {
        self.call(reqwest::Method::POST, "/url", Some(json!({ "url": url })))
            .await;
    }

    async fn source(&self) -> String {
        self.call(reqwest::Method::GET, "/source", None)
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    async fn current_url(&self) -> String {
        self.call(reqwest::Method::GET, "/url", None)
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// The element matching `css`, waiting for it to appear.
    async fn find(&self, css: &str) -> String {
        eventually(&format!("an element matching {css}"), WITHIN, || async {
            let found = self
                .call(
                    reqwest::Method::POST,
                    "/element",
                    Some(json!({ "using": "css selector", "value": css })),
                )
                .await;
            found[ELEMENT_KEY].as_str().map(str::to_owned)
        })
        .await
    }

    async fn click(&self, element: &str) {
        self.call(
            reqwest::Method::POST,
            &format!("/element/{element}/click"),
            Some(json!({})),
        )
        .await;
    }

    async fn text(&self, element: &str) -> String {
        self.call(
            reqwest::Method::GET,
            &format!("/element/{element}/text"),
            None,
        )
        .await
        .as_str()
        .unwrap_or_default()
        .to_owned()
    }

    /// The whole page as a PNG, beyond the viewport (Chrome's `Page.captureScreenshot`).
    async fn full_screenshot(&self) -> Vec<u8> {
        let answer = self
            .call(
                reqwest::Method::POST,
                "/goog/cdp/execute",
                Some(json!({
                    "cmd": "Page.captureScreenshot",
                    "params": { "format": "png", "captureBeyondViewport": true },
                })),
            )
            .await;
        base64_decode(answer["data"].as_str().expect("a base64 screenshot"))
    }

    async fn screenshot(&self) -> Vec<u8> {
        let encoded = self.call(reqwest::Method::GET, "/screenshot", None).await;
        base64_decode(encoded.as_str().expect("a base64 screenshot"))
    }

    /// Types `text` into an input.
    async fn type_into(&self, element: &str, text: &str) {
        self.call(
            reqwest::Method::POST,
            &format!("/element/{element}/value"),
            Some(json!({ "text": text })),
        )
        .await;
    }

    /// Runs `script` in the page and returns what it returns.
    async fn execute(&self, script: &str) -> Value {
        self.call(
            reqwest::Method::POST,
            "/execute/sync",
            Some(json!({ "script": script, "args": [] })),
        )
        .await
    }

    /// Shows pages as a screen `width` CSS pixels wide would (Chrome's device emulation through
    /// chromedriver's CDP bridge), `mobile` with a phone's viewport rules.
    async fn emulate(&self, width: u32, height: u32, mobile: bool) {
        self.call(
            reqwest::Method::POST,
            "/goog/cdp/execute",
            Some(json!({
                "cmd": "Emulation.setDeviceMetricsOverride",
                "params": { "width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile },
            })),
        )
        .await;
    }

    async fn close(&self) {
        let url = format!("{}/session/{}", self.base, self.session);
        let _ = self.http.delete(url).send().await;
    }
}

fn base64_decode(text: &str) -> Vec<u8> {
    let value = |byte: u8| -> u32 {
        match byte {
            b'A'..=b'Z' => u32::from(byte - b'A'),
            b'a'..=b'z' => u32::from(byte - b'a') + 26,
            b'0'..=b'9' => u32::from(byte - b'0') + 52,
            b'+' | b'-' => 62,
            _ => 63,
        }
    };
    let clean: Vec<u8> = text
        .bytes()
        .filter(|byte| !byte.is_ascii_whitespace() && *byte != b'=')
        .collect();
    let mut out = Vec::with_capacity(clean.len() * 3 / 4);
    for chunk in clean.chunks(4) {
        let mut bits = 0u32;
        for (index, byte) in chunk.iter().enumerate() {
            bits |= value(*byte) << (18 - 6 * index);
        }
        let bytes = bits.to_be_bytes();
        out.extend_from_slice(&bytes[1..chunk.len()]);
    }
    out
}

/// `<target dir>/test-artifacts`, from this test executable's path (`target/debug/deps/it-*`).
fn artifacts_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let target = exe
        .ancestors()
        .nth(3)
        .map_or_else(|| PathBuf::from("target"), Path::to_path_buf);
    target.join("test-artifacts")
}

fn is_prefix_reply(request: &guildhall_sandbox::RecordedRequest) -> bool {
    request.method.as_str() == "POST"
        && request.path == format!("/channels/{}/messages", small::GENERAL)
}

/// `guildhall serve` (bot, dashboard and job worker in one process) against the stand-in, with
/// its log, database and dashboard address.
struct Served {
    sandbox: Sandbox,
    dir: tempfile::TempDir,
    web: String,
    _db: testing::TestDb,
    _serve: Killed,
}

impl Served {
    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("guildhall.log")).unwrap_or_default()
    }
}

/// Chromium and chromedriver, or `None` (the test is skipped) outside CI when they are not
/// installed.
fn browser_binaries() -> Option<(PathBuf, PathBuf)> {
    let (Some(chromium), Some(chromedriver)) = (installed("chromium"), installed("chromedriver"))
    else {
        assert!(
            !testing::is_ci(),
            "CI=true but chromium or chromedriver is not installed (apt-get install -y chromium chromium-driver)"
        );
        eprintln!("skipped: browser test (chromium/chromedriver not installed)");
        return None;
    };
    Some((chromium, chromedriver))
}

/// Starts the stand-in (the small guild, its owner as the OAuth user) and `guildhall serve`,
/// and waits for the bot to have stored the guild and the dashboard to answer.
async fn serve() -> Served {
    let sandbox = Sandbox::start(Seed::small())
        .await
        .expect("start the stand-in");
    sandbox.set_oauth_user(small::OWNER);
    let dir = tempfile::tempdir().unwrap();
    let test_db = testing::sqlite_unmigrated().await;
    test_db.db.migrate().await.unwrap();
    let web_port = free_port();
    let web = format!("http://127.0.0.1:{web_port}");
    let log = std::fs::File::create(dir.path().join("guildhall.log")).unwrap();
    let child = process(&test_db.url, dir.path())
        .arg("serve")
        .env("GUILDHALL__DISCORD__TOKEN", sandbox.bot_token())
        .env("GUILDHALL__DISCORD__API_BASE", sandbox.api_base())
        .env(
            "GUILDHALL__DISCORD__CLIENT_ID",
            sandbox.application_id().to_string(),
        )
        .env("GUILDHALL__DISCORD__CLIENT_SECRET", sandbox.client_secret())
        .env("GUILDHALL__WEB__BIND", format!("127.0.0.1:{web_port}"))
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("start guildhall serve");
    let serve = Killed(child);
    sandbox.wait_for_sessions(1, WITHIN).await;
    testing::wait_for("the guild to be stored", WITHIN, || async {
        let stored = guildhall_core::guilds::list(&test_db.db).await.unwrap();
        (!stored.is_empty()).then_some(())
    })
    .await;
    let http = reqwest::Client::new();
    eventually("the web server to answer", WITHIN, || async {
        let response = http.get(format!("{web}/healthz")).send().await.ok()?;
        response.status().is_success().then_some(())
    })
    .await;
    Served {
        sandbox,
        dir,
        web,
        _db: test_db,
        _serve: serve,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dashboard_switch_changes_what_the_bot_does() {
    let Some((chromium, chromedriver)) = browser_binaries() else {
        return;
    };
    let served = serve().await;
    let sandbox = &served.sandbox;
    let web = &served.web;
    let log = || served.log();

    // Before: prefix commands are off, so `!ping` goes unanswered. A slash command answered
    // after it shows the bot has handled the message by then.
    sandbox.say(small::GUILD, small::GENERAL, small::MEMBER_A, "!ping");
    let barrier = sandbox.slash(
        small::GUILD,
        small::GENERAL,
        small::MEMBER_A,
        "ping",
        vec![],
    );
    sandbox.interaction_response(&barrier, WITHIN).await;
    assert!(
        !sandbox.requests().iter().any(is_prefix_reply),
        "prefix commands are off by default"
    );

    let browser = WebDriver::start(&chromium, &chromedriver).await;
    browser.navigate(&format!("{web}/")).await;
    let login = browser.find("a.button.primary").await;
    assert_eq!(browser.text(&login).await, "Log in with Discord");
    browser.click(&login).await;
    let guild_link = browser
        .find(&format!("a.card[href=\"/guilds/{}\"]", small::GUILD))
        .await;
    browser.click(&guild_link).await;
    let name = browser.find("#guild-name").await;
    assert!(
        !browser.text(&name).await.is_empty(),
        "{}: {}",
        browser.current_url().await,
        browser.source().await
    );
    let artifacts = artifacts_dir();
    std::fs::create_dir_all(&artifacts).unwrap();
    let screenshot = browser.screenshot().await;
    assert!(screenshot.starts_with(b"\x89PNG"), "a PNG screenshot");
    std::fs::write(artifacts.join("guild-overview.png"), &screenshot).unwrap();

    let features = browser.find("nav.side a[href$=\"/features\"]").await;
    browser.click(&features).await;
    let switch = browser
        .find("#setting-commands-prefix_enabled button.switch")
        .await;
    browser.click(&switch).await;
    browser
        .find("#setting-commands-prefix_enabled button.switch.on")
        .await;
    browser.close().await;

    // After: the same message is answered.
    sandbox.say(small::GUILD, small::GENERAL, small::MEMBER_A, "!ping");
    let reply = sandbox.expect(is_prefix_reply, WITHIN).await;
    assert!(
        reply.json()["content"]
            .as_str()
            .unwrap_or_default()
            .contains("Pong"),
        "{:?}\n{}",
        reply.json(),
        log()
    );
    assert_eq!(
        sandbox
            .requests()
            .iter()
            .filter(|r| is_prefix_reply(r))
            .count(),
        1,
        "only the message after the switch was answered"
    );
}

/// What the layout check found on one page.
const LAYOUT_CHECK: &str = r"
    const doc = document.documentElement;
    const bare = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
        const node = walker.currentNode;
        const parent = node.parentElement;
        if (/\d{17,20}/.test(node.nodeValue) && parent && !parent.closest('.id, a, script, style')) {
            bare.push(node.nodeValue.trim().slice(0, 80) + ' in <' + parent.tagName.toLowerCase() + '>');
        }
    }
    return { scrollWidth: doc.scrollWidth, clientWidth: doc.clientWidth, bare: bare };
";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_fits_a_desktop_and_a_phone_and_names_what_it_shows() {
    let Some((chromium, chromedriver)) = browser_binaries() else {
        return;
    };
    let served = serve().await;
    let web = &served.web;
    let guild = small::GUILD;
    let browser = WebDriver::start(&chromium, &chromedriver).await;
    browser.emulate(1280, 900, false).await;
    browser
        .navigate(&format!("{web}/login?next=/guilds/{guild}/giveaways"))
        .await;

    // A giveaway started in the browser, its channel picked by name from the picker.
    let prize = browser.find("#giveaway-prize").await;
    browser.type_into(&prize, "A mechanical keyboard").await;
    let duration = browser.find("#giveaway-duration").await;
    browser.type_into(&duration, "2h").await;
    let general = browser
        .find(&format!(
            "select#giveaway-channel optgroup option[value=\"{}\"]",
            small::GENERAL
        ))
        .await;
    assert_eq!(browser.text(&general).await, "#general");
    browser.click(&general).await;
    let start = browser.find("#new-giveaway button[type=submit]").await;
    browser.click(&start).await;
    let started = browser.find("p.flash").await;
    assert!(
        browser.text(&started).await.starts_with("Giveaway started"),
        "{}",
        browser.source().await
    );
    let link = browser.find("#giveaways td a").await;
    browser.click(&link).await;
    let detail = browser.find("#entrant-count").await;
    assert_eq!(browser.text(&detail).await, "0");
    let giveaway_page = browser.current_url().await;
    assert!(
        giveaway_page.contains("/giveaways/"),
        "{giveaway_page}: {}",
        browser.source().await
    );
    // The bot posts it: the detail then links to the message in #general.
    eventually("the giveaway's message link", WITHIN, || async {
        browser.navigate(&giveaway_page).await;
        let source = browser.source().await;
        source.contains("message in #general").then_some(())
    })
    .await;

    let artifacts = artifacts_dir();
    std::fs::create_dir_all(&artifacts).unwrap();
    let pages = [
        ("overview", format!("{web}/guilds/{guild}")),
        ("roles", format!("{web}/guilds/{guild}/roles")),
        ("giveaway", giveaway_page.clone()),
        ("automod", format!("{web}/guilds/{guild}/automod")),
        ("premium", format!("{web}/guilds/{guild}/premium")),
        ("operator", format!("{web}/operator")),
        ("servers", format!("{web}/")),
    ];
    let mut problems = Vec::new();
    for (width, height, mobile) in [(1280, 900, false), (390, 844, true)] {
        browser.emulate(width, height, mobile).await;
        for (name, url) in &pages {
            browser.navigate(url).await;
            browser.find("main").await;
            let found = browser.execute(LAYOUT_CHECK).await;
            let screenshot = browser.full_screenshot().await;
            assert!(screenshot.starts_with(b"\x89PNG"), "a PNG screenshot");
            std::fs::write(artifacts.join(format!("{name}-{width}.png")), &screenshot).unwrap();
            let (scroll, client) = (
                found["scrollWidth"].as_u64().unwrap_or(u64::MAX),
                found["clientWidth"].as_u64().unwrap_or(0),
            );
            if scroll > client {
                problems.push(format!(
                    "{name} at {width} px scrolls sideways ({scroll} px of content in {client})"
                ));
            }
            for text in found["bare"].as_array().into_iter().flatten() {
                problems.push(format!(
                    "{name} at {width} px shows a bare snowflake: {text}"
                ));
            }
        }
    }
    // The check itself sees a page that scrolls sideways and a bare id.
    browser
        .execute(
            "document.querySelector('main').insertAdjacentHTML('beforeend', \
             '<p style=\"width: 900px\">member 796917760000000099</p>'); return null;",
        )
        .await;
    let found = browser.execute(LAYOUT_CHECK).await;
    assert!(
        found["scrollWidth"].as_u64() > found["clientWidth"].as_u64(),
        "{found}"
    );
    assert_eq!(found["bare"].as_array().map(Vec::len), Some(1), "{found}");

    // The phone's menu opens.
    browser.navigate(&pages[0].1).await;
    let menu = browser.find("label.nav-toggle").await;
    browser.click(&menu).await;
    let roles_link = browser.find("nav.side a[href$=\"/roles\"]").await;
    assert_eq!(
        browser.text(&roles_link).await.lines().next(),
        Some("Roles")
    );
    browser.close().await;
    assert!(problems.is_empty(), "{problems:#?}\n{}", served.log());
}
