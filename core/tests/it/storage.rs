//! Migrations, guilds and the operator audit log on every backend.

use guildhall_core::audit;
use guildhall_core::clock::UnixMillis;
use guildhall_core::db::MigrationState;
use guildhall_core::guilds;
use guildhall_core::ids::{GuildId, UserId};
use guildhall_core::testing;
use serde_json::json;

#[tokio::test]
async fn migrations_apply_once_and_then_change_nothing() {
    let mut databases = vec![testing::sqlite_unmigrated().await];
    databases.extend(testing::postgres_unmigrated().await);
    for test_db in databases {
        let backend = test_db.backend().name();
        let before = test_db.db.migration_status().await.unwrap();
        assert!(
            before.iter().all(|m| m.state == MigrationState::Pending),
            "{backend}: {before:?}"
        );

        let first = test_db.db.migrate().await.unwrap();
        assert_eq!(
            first.applied,
            before.iter().map(|m| m.version).collect::<Vec<_>>(),
            "{backend}"
        );
        assert!(
            first
                .status
                .iter()
                .all(|m| m.state == MigrationState::Applied),
            "{backend}"
        );

        let second = test_db.db.migrate().await.unwrap();
        assert!(
            second.applied.is_empty(),
            "{backend}: second run applied {:?}",
            second.applied
        );
    }
}

#[tokio::test]
async fn both_backends_have_the_same_tables_and_columns() {
    let sqlite = testing::sqlite_unmigrated().await;
    let Some(postgres) = testing::postgres_unmigrated().await else {
        return;
    };
    sqlite.db.migrate().await.unwrap();
    postgres.db.migrate().await.unwrap();
    let sqlite_schema = testing::schema_of(&sqlite.db).await;
    assert!(
        sqlite_schema.contains_key("jobs") && sqlite_schema.contains_key("guild_settings_history")
    );
    assert_eq!(sqlite_schema, testing::schema_of(&postgres.db).await);
}

#[tokio::test]
async fn guilds_upsert_with_on_conflict_and_keep_ids_above_i64() {
    for test_db in testing::backends().await {
        let db = &test_db.db;
        let big = GuildId::new(u64::MAX - 7);
        guilds::upsert(db, big, "Big", Some(UserId::new(9)), UnixMillis(1_000))
            .await
            .unwrap();
        guilds::upsert(db, GuildId::new(5), "Small", None, UnixMillis(1_000))
            .await
            .unwrap();
        guilds::mark_left(db, GuildId::new(5), UnixMillis(1_500))
            .await
            .unwrap();
        // A rename and rejoin updates the row in place and keeps the first join time.
        guilds::upsert(db, GuildId::new(5), "Smaller", None, UnixMillis(2_000))
            .await
            .unwrap();

        let all = guilds::list(db).await.unwrap();
        assert_eq!(all.len(), 2, "{:?}", test_db.backend());
        assert_eq!(all[0].id, big);
        assert_eq!(all[0].owner, Some(UserId::new(9)));
        assert_eq!(all[1].name, "Smaller");
        assert_eq!(all[1].joined_at, UnixMillis(1_000));
        assert_eq!(all[1].left_at, None);
    }
}

#[tokio::test]
async fn the_audit_log_is_scoped_by_guild_and_newest_first() {
    for test_db in testing::backends().await {
        let db = &test_db.db;
        let one = GuildId::new(1);
        audit::record(
            db,
            UnixMillis(1),
            "operator:a",
            "config.set",
            Some(one),
            Some("general.locale"),
            &json!({"to": "fr"}),
        )
        .await
        .unwrap();
        audit::record(
            db,
            UnixMillis(2),
            "operator:b",
            "jobs.cancel",
            None,
            Some("7"),
            &json!({}),
        )
        .await
        .unwrap();
        audit::record(
            db,
            UnixMillis(3),
            "operator:a",
            "config.rollback",
            Some(GuildId::new(2)),
            None,
            &json!({}),
        )
        .await
        .unwrap();

        let all = audit::recent(db, None, 10).await.unwrap();
        assert_eq!(
            all.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(),
            ["config.rollback", "jobs.cancel", "config.set"]
        );
        let guild_one = audit::recent(db, Some(one), 10).await.unwrap();
        assert_eq!(guild_one.len(), 1);
        assert_eq!(guild_one[0].detail, json!({"to": "fr"}));
    }
}

#[tokio::test]
async fn refusals_and_command_analytics_are_stored_per_guild() {
    use guildhall_core::analytics::{self, Invocation, Outcome, Recorder};
    use guildhall_core::guards::Refusal;
    use guildhall_core::refusals;
    use std::time::Duration;

    for test_db in testing::backends().await {
        let db = &test_db.db;
        let (one, two) = (GuildId::new(1), GuildId::new(2));
        refusals::record(
            db,
            one,
            UnixMillis(5),
            UserId::new(7),
            Some(UserId::new(8)),
            "nick",
            &Refusal::InvokerNotAbove {
                invoker_top: 1,
                target_top: 3,
            },
        )
        .await
        .unwrap();
        let stored = refusals::list(db, one, 10).await.unwrap();
        assert_eq!(stored.len(), 1);
        assert_eq!(
            (stored[0].code.as_str(), stored[0].target),
            ("invoker_not_above_target", Some(UserId::new(8)))
        );
        assert!(refusals::list(db, two, 10).await.unwrap().is_empty());

        let (recorder, writer) = Recorder::start(db.clone(), Duration::from_millis(20));
        for (guild, latency, outcome) in [
            (one, 10, Outcome::Ok),
            (one, 30, Outcome::Refused),
            (two, 5, Outcome::Error),
        ] {
            recorder.record(Invocation {
                guild: Some(guild),
                user: UserId::new(7),
                command: "nick".into(),
                kind: "slash",
                at: UnixMillis(10),
                latency_ms: latency,
                outcome,
                error: None,
            });
        }
        drop(recorder);
        writer.await.unwrap();
        let stats = analytics::stats(db, Some(one), UnixMillis(0))
            .await
            .unwrap();
        assert_eq!(stats.len(), 1, "{:?}", test_db.backend());
        assert_eq!(
            (
                stats[0].runs,
                stats[0].refused,
                stats[0].errors,
                stats[0].max_ms
            ),
            (2, 1, 0, 30)
        );
        assert!((stats[0].average_ms - 20.0).abs() < f64::EPSILON);
        assert_eq!(
            analytics::stats(db, None, UnixMillis(0)).await.unwrap()[0].runs,
            3
        );
    }
}
