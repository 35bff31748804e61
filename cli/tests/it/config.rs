//! `guildhall config`

use crate::support::{databases, guildhall, json, stderr, stdout};

#[tokio::test]
async fn set_validates_records_history_and_rolls_back() {
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

        let refused = run(&[
            "config",
            "set",
            "--guild",
            "1",
            "general.timezone",
            "Mars/Olympus",
        ]);
        assert_eq!(refused.status.code(), Some(1), "{backend}");
        assert_eq!(
            stderr(&refused).trim(),
            "error: general.timezone must be an IANA time zone such as Europe/Berlin, got Mars/Olympus"
        );
        let unknown = run(&["config", "set", "--guild", "1", "no.such.key", "1"]);
        assert_eq!(unknown.status.code(), Some(1));
        assert!(
            stderr(&unknown).contains("unknown settings key `no.such.key`"),
            "{}",
            stderr(&unknown)
        );
        let history = run(&["--json", "config", "history", "--guild", "1"]);
        assert_eq!(
            json(&history),
            serde_json::json!([]),
            "{backend}: refused changes leave no trace"
        );

        let set = run(&[
            "config",
            "set",
            "--guild",
            "1",
            "general.timezone",
            "Europe/Berlin",
        ]);
        assert!(set.status.success(), "{set:?}");
        assert_eq!(
            stdout(&set).trim(),
            "general.timezone: UTC → Europe/Berlin (version 1)"
        );
        let again = run(&[
            "config",
            "set",
            "--guild",
            "1",
            "general.timezone",
            "Asia/Tokyo",
        ]);
        assert!(again.status.success());

        let history = json(&run(&["--json", "config", "history", "--guild", "1"]));
        let entries = history.as_array().unwrap();
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0]["new_value"]["timezone"], "Asia/Tokyo");
        assert_eq!(entries[0]["actor"], "operator:tester");
        assert!(
            stdout(&run(&["config", "history", "--guild", "1"]))
                .contains("timezone: Europe/Berlin → Asia/Tokyo")
        );

        let rollback = run(&["config", "rollback", "--guild", "1", "general", "--to", "1"]);
        assert!(rollback.status.success(), "{rollback:?}");
        let value = run(&["config", "get", "--guild", "1", "general.timezone"]);
        assert_eq!(stdout(&value).trim(), "Europe/Berlin", "{backend}");

        // Other guilds are untouched.
        let other = json(&run(&[
            "--json", "config", "show", "--guild", "2", "general",
        ]));
        assert_eq!(other["sections"]["general"]["values"]["timezone"], "UTC");
        assert_eq!(other["sections"]["general"]["version"], 0);

        let audit = json(&run(&["--json", "audit", "list", "--guild", "1"]));
        let actions: Vec<&str> = audit
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action"].as_str().unwrap())
            .collect();
        assert_eq!(
            actions,
            ["config.rollback", "config.set", "config.set"],
            "{backend}"
        );
    }
}

#[tokio::test]
async fn bad_input_names_what_was_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let test_db = guildhall_core::testing::sqlite_unmigrated().await;
    let run = |args: &[&str]| {
        guildhall(&test_db.url, dir.path())
            .args(args)
            .output()
            .unwrap()
    };
    assert!(run(&["migrate"]).status.success());

    let cases: &[(&[&str], i32, &str)] = &[
        (
            &["config", "set", "--guild", "abc", "general.locale", "fr"],
            2,
            "guild id must be a Discord id",
        ),
        (
            &["config", "set", "--guild", "1", "features.levels", "maybe"],
            1,
            "features.levels must be true or false",
        ),
        (
            &[
                "config",
                "set",
                "--guild",
                "1",
                "general.locale",
                "fr",
                "--at",
                "tomorrow",
            ],
            1,
            "use RFC 3339",
        ),
        (
            &["config", "rollback", "--guild", "1", "general", "--to", "3"],
            1,
            "general has no version 3",
        ),
        (
            &["config", "show", "--guild", "1", "nope"],
            1,
            "unknown settings section `nope`; sections are: general, features, commands, moderation, automod, tickets, recent_messages, roles, levels, giveaways",
        ),
        (
            &["jobs", "list", "--state", "sleeping"],
            2,
            "states are: pending, running, done, dead, cancelled",
        ),
        (&["jobs", "cancel", "999"], 1, "no job with id 999"),
    ];
    for (args, code, message) in cases {
        let output = run(args);
        assert_eq!(output.status.code(), Some(*code), "{args:?}: {output:?}");
        assert!(
            stderr(&output).contains(message),
            "{args:?}: {}",
            stderr(&output)
        );
    }
}

#[tokio::test]
async fn a_config_file_with_an_unknown_key_is_refused_with_the_key_named() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("guildhall.toml");
    std::fs::write(&file, "[jobs]\nconcurency = 3\n").unwrap();
    let output = guildhall("sqlite://unused.db", dir.path())
        .args(["--config", file.to_str().unwrap(), "migrate"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("unknown config key `jobs.concurency`"),
        "{}",
        stderr(&output)
    );
    assert!(
        !dir.path().join("unused.db").exists(),
        "nothing is created when the config is bad"
    );

    let missing = guildhall("sqlite://unused.db", dir.path())
        .args(["--config", "/nonexistent.toml", "migrate"])
        .output()
        .unwrap();
    assert!(
        stderr(&missing).contains("cannot read config file /nonexistent.toml"),
        "{}",
        stderr(&missing)
    );
}

#[tokio::test]
async fn a_database_url_of_an_unsupported_kind_is_explained() {
    let dir = tempfile::tempdir().unwrap();
    let output = guildhall("mysql://root@localhost/guildhall", dir.path())
        .arg("migrate")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("database URL scheme `mysql:` is not supported"),
        "{}",
        stderr(&output)
    );
}
