//! `guildhall migrate`

use guildhall_core::testing;

use crate::support::{databases, guildhall, json, stdout};

#[tokio::test]
async fn migrate_brings_each_backend_up_to_date_and_a_second_run_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut schemas = Vec::new();
    for test_db in databases().await {
        let backend = test_db.backend().name();
        let first = guildhall(&test_db.url, dir.path())
            .args(["--json", "migrate"])
            .output()
            .unwrap();
        assert!(first.status.success(), "{backend}: {first:?}");
        assert_eq!(
            json(&first)["applied"],
            serde_json::json!([
                1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18
            ]),
            "{backend}"
        );

        let second = guildhall(&test_db.url, dir.path())
            .arg("migrate")
            .output()
            .unwrap();
        assert!(second.status.success());
        assert!(
            stdout(&second).contains("schema is up to date"),
            "{backend}: {}",
            stdout(&second)
        );

        let status = guildhall(&test_db.url, dir.path())
            .args(["--json", "migrate", "--status"])
            .output()
            .unwrap();
        assert_eq!(
            json(&status)["migrations"][0]["state"],
            "applied",
            "{backend}"
        );
        schemas.push((backend, testing::schema_of(&test_db.db).await));
    }
    // SQLite and PostgreSQL end with the same tables and columns.
    if let [(_, sqlite), (_, postgres)] = schemas.as_slice() {
        assert_eq!(sqlite, postgres);
    }
}

#[tokio::test]
async fn commands_refuse_an_unmigrated_database() {
    let dir = tempfile::tempdir().unwrap();
    let test_db = testing::sqlite_unmigrated().await;
    let output = guildhall(&test_db.url, dir.path())
        .args(["config", "show", "--guild", "1"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("run `guildhall migrate` first"),
        "{output:?}"
    );
}
