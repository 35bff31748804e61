//! `guildhall serve` and `guildhall demo`: the long-running process, killed and restarted.

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use guildhall_core::clock::SystemClock;
use guildhall_core::jobs::{JobFilter, JobLedger, JobState};
use guildhall_core::testing::{self, TestDb};

use crate::support::{databases, guildhall, json, process};

fn spawn_serve(test_db: &TestDb, dir: &std::path::Path) -> Child {
    process(&test_db.url, dir)
        .arg("serve")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start guildhall serve")
}

async fn wait_until_serving(ledger: &JobLedger) {
    // `serve` schedules its daily housekeeping job as soon as it is up.
    testing::wait_for("serve to start", Duration::from_secs(20), || async {
        let jobs = ledger
            .list(&JobFilter {
                kind: Some("jobs.prune".into()),
                ..JobFilter::default()
            })
            .await
            .unwrap();
        (!jobs.is_empty()).then_some(())
    })
    .await;
}

fn terminate(child: &mut Child) -> std::process::ExitStatus {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("run kill");
    assert!(status.success());
    child.wait().expect("wait for guildhall serve")
}

#[tokio::test]
async fn a_job_due_while_serve_was_killed_runs_exactly_once_after_restart() {
    let dir = tempfile::tempdir().unwrap();
    for test_db in databases().await {
        let backend = test_db.backend().name();
        let run = |args: &[&str]| {
            guildhall(&test_db.url, dir.path())
                .args(args)
                .output()
                .unwrap()
        };
        assert!(run(&["migrate"]).status.success());
        let ledger = JobLedger::new(test_db.db.clone(), Arc::new(SystemClock), 5);

        let mut first = spawn_serve(&test_db, dir.path());
        wait_until_serving(&ledger).await;
        let scheduled = run(&[
            "--json",
            "config",
            "set",
            "--guild",
            "1",
            "features.levels",
            "on",
            "--at",
            "+2s",
        ]);
        assert!(scheduled.status.success(), "{scheduled:?}");
        let id = json(&scheduled)["job"]["id"].as_i64().unwrap();
        first.kill().unwrap();
        first.wait().unwrap();

        // Let the due time pass with nothing running: the job must still be waiting.
        let due = ledger.get(id).await.unwrap().due_at;
        tokio::time::sleep(
            due.since(guildhall_core::clock::Clock::now(&SystemClock)) + Duration::from_millis(300),
        )
        .await;
        assert_eq!(
            ledger.get(id).await.unwrap().state,
            JobState::Pending,
            "{backend}"
        );

        let mut second = spawn_serve(&test_db, dir.path());
        let done = testing::wait_for(
            "the job to run after restart",
            Duration::from_secs(20),
            || async {
                let job = ledger.get(id).await.unwrap();
                (job.state == JobState::Done).then_some(job)
            },
        )
        .await;
        let status = terminate(&mut second);
        assert!(
            status.success(),
            "{backend}: serve exits cleanly on SIGTERM: {status:?}"
        );

        assert_eq!(done.attempts, 1, "{backend}");
        assert!(
            done.lateness_ms.unwrap() >= 300,
            "{backend}: lateness recorded"
        );
        assert_eq!(
            ledger.runs(id).await.unwrap().len(),
            1,
            "{backend}: exactly one run"
        );
        let history = json(&run(&[
            "--json",
            "config",
            "history",
            "--guild",
            "1",
            "--section",
            "features",
        ]));
        assert_eq!(
            history.as_array().unwrap().len(),
            1,
            "{backend}: the change was applied once"
        );
        assert!(
            history[0]["actor"]
                .as_str()
                .unwrap()
                .starts_with("operator:tester (scheduled, job")
        );
        let value = run(&["config", "get", "--guild", "1", "features.levels"]);
        assert_eq!(String::from_utf8_lossy(&value.stdout).trim(), "true");
    }
}

#[tokio::test]
async fn the_demo_runs_the_whole_stack_against_the_stand_in_and_stops_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("demo-data");
    let output = guildhall("postgres://ignored-by-demo", dir.path())
        .args([
            "--json",
            "--data-dir",
            data.to_str().unwrap(),
            "demo",
            "--for",
            "10s",
            "--traffic",
            "20",
        ])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let banner = json(&output);
    assert!(banner["guilds"].as_array().unwrap().len() >= 2, "{banner}");
    assert!(
        banner["guilds"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g["members"].as_u64().unwrap())
            .sum::<u64>()
            >= 50
    );
    let guild = banner["guild"].as_str().unwrap().to_owned();
    let job = banner["scheduled_job"].as_i64().unwrap();
    // With --json the log is one JSON object per line: the bot connected, the job ran, the
    // traffic flowed, and everything stopped.
    let logs: Vec<serde_json::Value> = String::from_utf8_lossy(&output.stderr)
        .lines()
        .map(|line| {
            serde_json::from_str(line).unwrap_or_else(|_| panic!("not a JSON log line: {line}"))
        })
        .collect();
    let has = |message: &str| logs.iter().any(|line| line["fields"]["message"] == message);
    assert!(has("connected to Discord"), "{logs:?}");
    assert!(
        has("web server listening"),
        "the dashboard runs too: {logs:?}"
    );
    assert!(
        banner["login"].as_str().unwrap().ends_with("/login"),
        "{banner}"
    );
    assert!(logs.iter().any(|line| line["fields"]["message"] == "job finished" && line["fields"]["job"] == job), "{logs:?}");
    let stopped = logs
        .iter()
        .find(|line| line["fields"]["message"] == "demo stopped")
        .expect("demo summary");
    assert!(
        stopped["fields"]["simulated"].as_u64().unwrap() > 20,
        "{stopped}"
    );
    assert!(has("guildhall stopped"));

    let url = format!("sqlite://{}?mode=rwc", data.join("guildhall.db").display());
    let history = guildhall(&url, dir.path())
        .args([
            "--json",
            "config",
            "history",
            "--guild",
            &guild,
            "--section",
            "features",
        ])
        .output()
        .unwrap();
    let history = json(&history);
    assert_eq!(history[0]["new_value"]["giveaways"], true, "{history}");
    assert!(
        history[0]["actor"]
            .as_str()
            .unwrap()
            .starts_with("demo (scheduled, job")
    );
    let guilds = guildhall(&url, dir.path())
        .args(["--json", "audit", "list"])
        .output()
        .unwrap();
    assert!(guilds.status.success());
}
