//! Finding 7 of the outside probe: `guildhall serve` that cannot reach Discord at startup
//! stopped its other parts and then never exited, ignoring SIGTERM. Every process now exits
//! with a clear message when a required part fails, and within a few seconds of SIGTERM in
//! every state.

use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::Duration;

use guildhall_core::testing;
use guildhall_sandbox::Seed;

use crate::e2e::{Stack, WITHIN};
use crate::support::process;

/// Long enough for a clean stop (five seconds of grace, and a loaded test machine), far
/// shorter than "never".
const STOPS_WITHIN: Duration = Duration::from_secs(20);

fn terminate(child: &Child) {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("run kill");
    assert!(status.success());
}

/// Waits for `child` to exit, failing the test if it is still running after [`STOPS_WITHIN`].
async fn exit_status(child: &mut Child, what: &str) -> std::process::ExitStatus {
    let child = Mutex::new(child);
    testing::wait_for(what, STOPS_WITHIN, || async {
        child.lock().unwrap().try_wait().unwrap()
    })
    .await
}

/// A closed loopback port: Discord unreachable.
fn unreachable_discord() -> String {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    format!("http://127.0.0.1:{port}")
}

fn serve_without_discord(dir: &std::path::Path, url: &str, log: std::fs::File) -> Child {
    process(url, dir)
        .args(["serve", "--migrate"])
        .env("GUILDHALL__DISCORD__TOKEN", "a-token")
        .env("GUILDHALL__DISCORD__API_BASE", unreachable_discord())
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("start guildhall serve")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_that_cannot_reach_discord_exits_non_zero_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let test_db = testing::sqlite_unmigrated().await;
    let log = std::fs::File::create(dir.path().join("serve.log")).unwrap();
    let mut child = serve_without_discord(dir.path(), &test_db.url, log);
    let status = exit_status(&mut child, "serve to give up").await;
    let log = std::fs::read_to_string(dir.path().join("serve.log")).unwrap();
    assert_eq!(status.code(), Some(1), "{log}");
    let last = log.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("error: the Discord bot could not run")
            && last.contains("is reachable and the token is valid"),
        "{log}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_during_a_failing_start_stops_serve() {
    let dir = tempfile::tempdir().unwrap();
    let test_db = testing::sqlite_unmigrated().await;
    let log = std::fs::File::create(dir.path().join("serve.log")).unwrap();
    let mut child = serve_without_discord(dir.path(), &test_db.url, log);
    // As soon as it is starting (its log has begun), not after it has given up.
    testing::wait_for("serve to start", WITHIN, || async {
        std::fs::read_to_string(dir.path().join("serve.log"))
            .ok()
            .filter(|log| !log.is_empty())
    })
    .await;
    terminate(&child);
    exit_status(&mut child, "serve to stop after SIGTERM").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_stops_serve_bot_and_web_while_running() {
    for args in [&["serve"][..], &["bot"], &["web"]] {
        let mut stack = Stack::start(Seed::small(), args, &[]).await;
        if args != ["web"] {
            stack.ready().await;
        } else {
            testing::wait_for("the dashboard to listen", WITHIN, || async {
                stack.log().contains("web server listening").then_some(())
            })
            .await;
        }
        terminate(&stack.child);
        let status =
            exit_status(&mut stack.child, &format!("{args:?} to stop after SIGTERM")).await;
        let log = stack.log();
        assert!(status.success(), "{args:?}: {status}\n{log}");
        assert!(log.contains("guildhall stopped"), "{args:?}: {log}");
    }
}
