//! Requests per second and latency of the guild overview page: a real listener, a logged-in
//! session (through the Discord stand-in's OAuth2), SQLite with a seeded guild and some
//! analytics rows, and N concurrent reqwest clients. Prints figures; asserts nothing.
//!
//! `cargo bench -p guildhall-web --bench overview` (env `CLIENTS`, `REQUESTS` to change the load).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use guildhall_core::analytics::{Invocation, Outcome, Recorder};
use guildhall_core::clock::{SharedClock, SystemClock};
use guildhall_core::coordination::MemoryCoordination;
use guildhall_sandbox::seed::small;
use guildhall_sandbox::{Sandbox, Seed};
use guildhall_web::{WebConfig, WebState};
use tokio_util::sync::CancellationToken;

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(default)
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let clients = env_number("CLIENTS", 16);
    let requests = env_number("REQUESTS", 4_000);
    let sandbox = Sandbox::start(Seed::small()).await.unwrap();
    sandbox.set_oauth_user(small::OWNER);
    let test_db = guildhall_core::testing::sqlite_unmigrated().await;
    let db = test_db.db.clone();
    db.migrate().await.unwrap();
    let clock: SharedClock = Arc::new(SystemClock);
    let now = clock.now();
    guildhall_core::guilds::upsert(&db, small::GUILD, "Small Guild", Some(small::OWNER), now)
        .await
        .unwrap();
    let (recorder, writer) = Recorder::start(db.clone(), Duration::from_millis(50));
    for index in 0..500_i64 {
        recorder.record(Invocation {
            guild: Some(small::GUILD),
            user: small::MEMBER_A,
            command: if index % 3 == 0 { "nick" } else { "ping" }.into(),
            kind: "slash",
            at: now.minus(Duration::from_secs(60 * u64::try_from(index).unwrap())),
            latency_ms: 5 + index % 40,
            outcome: if index % 10 == 0 {
                Outcome::Refused
            } else {
                Outcome::Ok
            },
            error: None,
        });
    }
    drop(recorder);
    writer.await.unwrap();

    let coordination = Arc::new(MemoryCoordination::new(Arc::clone(&clock)));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let state = WebState {
        config: Arc::new(WebConfig {
            bind: listener.local_addr().unwrap(),
            public_url: base.clone(),
            session_key: b"0123456789abcdef0123456789abcdef".to_vec(),
            session_ttl: Duration::from_secs(3600),
            operator_token: "token".into(),
            operators: Vec::new(),
            discord_api_base: sandbox.api_base(),
            client_id: sandbox.application_id().to_string(),
            client_secret: sandbox.client_secret(),
            limits: guildhall_web::ConnectionLimits::default(),
        }),
        core: guildhall_core::Core::new(db.clone(), Arc::clone(&clock), coordination, 3),
        levels_listener: true,
        directory: Arc::new(guildhall_core::references::NoDirectory(
            "benchmarks check no ids".to_owned(),
        )),
        job_metrics: None,
    };
    let shutdown = CancellationToken::new();
    tokio::spawn(guildhall_web::serve_listener(
        listener,
        state,
        shutdown.clone(),
    ));

    // Log in once; every client uses the session cookie.
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let login = http.get(format!("{base}/login")).send().await.unwrap();
    let state_cookie = login.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let authorize = login.headers()["location"].to_str().unwrap().to_owned();
    let approved = http.get(authorize).send().await.unwrap();
    let callback = approved.headers()["location"].to_str().unwrap().to_owned();
    let landed = http
        .get(callback)
        .header("cookie", state_cookie)
        .send()
        .await
        .unwrap();
    let session = landed
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|value| {
            value
                .to_str()
                .unwrap()
                .split(';')
                .next()
                .unwrap()
                .to_owned()
        })
        .find(|value| value.starts_with("gh_session="))
        .expect("a session cookie");
    let url = format!("{base}/guilds/{}", small::GUILD);
    let warm = http
        .get(&url)
        .header("cookie", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(warm.status(), 200, "the overview answers");

    let started = Instant::now();
    let per_client = requests / clients;
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let http = http.clone();
        let url = url.clone();
        let session = session.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(per_client);
            for _ in 0..per_client {
                let begun = Instant::now();
                let response = http
                    .get(&url)
                    .header("cookie", &session)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(response.status(), 200);
                response.bytes().await.unwrap();
                latencies.push(begun.elapsed());
            }
            latencies
        }));
    }
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await.unwrap());
    }
    let elapsed = started.elapsed();
    latencies.sort();
    let percentile = |p: f64| {
        let index = ((latencies.len() as f64 - 1.0) * p).round() as usize;
        latencies[index]
    };
    println!(
        "guild overview: {} requests, {clients} concurrent clients, {:.2?} total",
        latencies.len(),
        elapsed
    );
    println!(
        "  {:.0} requests/s, p50 {:.2?}, p99 {:.2?}, max {:.2?}",
        latencies.len() as f64 / elapsed.as_secs_f64(),
        percentile(0.50),
        percentile(0.99),
        latencies.last().copied().unwrap_or_default()
    );
    shutdown.cancel();
}
