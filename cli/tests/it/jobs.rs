//! `guildhall jobs`

use std::sync::Arc;

use guildhall_core::clock::{Clock as _, SystemClock};
use guildhall_core::ids::GuildId;
use guildhall_core::jobs::{JobLedger, NewJob};
use serde_json::json;

use crate::support::{databases, guildhall, json, stderr, stdout};

#[tokio::test]
async fn list_filters_show_cancel_and_retry() {
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
        let later = SystemClock
            .now()
            .plus(std::time::Duration::from_secs(3_600));
        let first = ledger
            .schedule(
                NewJob::raw("giveaway.end", json!({"giveaway": 1}), later).guild(GuildId::new(10)),
            )
            .await
            .unwrap();
        let second = ledger
            .schedule(NewJob::raw("reminder.send", json!({}), later).guild(GuildId::new(11)))
            .await
            .unwrap();

        let all = json(&run(&["--json", "jobs", "list"]));
        assert_eq!(all.as_array().unwrap().len(), 2, "{backend}");
        let by_guild = json(&run(&["--json", "jobs", "list", "--guild", "11"]));
        assert_eq!(by_guild[0]["id"], second.id);
        assert_eq!(by_guild.as_array().unwrap().len(), 1);
        let by_kind = json(&run(&[
            "--json",
            "jobs",
            "list",
            "--kind",
            "giveaway.end",
            "--state",
            "pending",
        ]));
        assert_eq!(by_kind[0]["id"], first.id);
        assert!(stdout(&run(&["jobs", "list"])).contains("giveaway.end"));

        let cancel = run(&["jobs", "cancel", &first.id.to_string()]);
        assert!(cancel.status.success(), "{cancel:?}");
        assert_eq!(
            stdout(&cancel).trim(),
            format!("cancelled job {} (giveaway.end)", first.id)
        );
        let twice = run(&["jobs", "cancel", &first.id.to_string()]);
        assert_eq!(twice.status.code(), Some(1));
        assert_eq!(
            stderr(&twice).trim(),
            format!(
                "error: job {} is cancelled; cancel needs a job that is pending or running",
                first.id
            )
        );

        let shown = json(&run(&["--json", "jobs", "show", &first.id.to_string()]));
        assert_eq!(shown["job"]["state"], "cancelled");
        assert_eq!(shown["runs"], json!([]));

        let retry = run(&["--json", "jobs", "retry", &first.id.to_string()]);
        assert_eq!(json(&retry)["state"], "pending", "{backend}");
        let cancelled = json(&run(&["--json", "jobs", "list", "--state", "cancelled"]));
        assert_eq!(cancelled, json!([]));
    }
}
