//! Per-guild settings: validation, history, rollback, isolation, and cache invalidation across
//! processes.

use std::sync::Arc;
use std::time::Duration;

use guildhall_core::clock::SystemClock;
use guildhall_core::coordination::{Coordination, MemoryCoordination, RedisCoordination};
use guildhall_core::db::Db;
use guildhall_core::guild_config::{GuildConfigError, GuildConfigService};
use guildhall_core::ids::{ChannelId, GuildId};
use guildhall_core::testing;
use serde_json::json;
use tokio_util::sync::CancellationToken;

const GUILD: GuildId = GuildId::new(1);

fn memory() -> Arc<dyn Coordination> {
    Arc::new(MemoryCoordination::new(Arc::new(SystemClock)))
}

fn service(db: &Db, coordination: Arc<dyn Coordination>) -> Arc<GuildConfigService> {
    Arc::new(GuildConfigService::new(
        db.clone(),
        Arc::new(SystemClock),
        coordination,
    ))
}

#[tokio::test]
async fn defaults_until_changed_then_versioned_history() {
    for test_db in testing::backends().await {
        let config = service(&test_db.db, memory());
        let settings = config.get(GUILD).await.unwrap();
        assert_eq!(settings.general.timezone, "UTC");
        assert!(settings.features.moderation && !settings.features.levels);
        assert_eq!(settings.version("general"), 0);

        let change = config
            .set_key(GUILD, "general.timezone", "Europe/Berlin", "operator:alice")
            .await
            .unwrap()
            .expect("a change");
        assert_eq!(change.version, 1);
        assert_eq!(change.old_value["timezone"], "UTC");
        assert_eq!(change.new_value["timezone"], "Europe/Berlin");
        assert_eq!(
            config.get_key(GUILD, "general.timezone").await.unwrap(),
            json!("Europe/Berlin")
        );
        assert_eq!(
            config.cached(GUILD).unwrap().general.timezone,
            "Europe/Berlin"
        );

        // Setting the same value again is not a change.
        assert!(
            config
                .set_key(GUILD, "general.timezone", "Europe/Berlin", "operator:alice")
                .await
                .unwrap()
                .is_none()
        );

        config
            .set_key(GUILD, "features.levels", "on", "operator:bob")
            .await
            .unwrap();
        config
            .set_key(GUILD, "general.mod_log_channel", "1234", "operator:bob")
            .await
            .unwrap();
        assert_eq!(
            config.cached(GUILD).unwrap().general.mod_log_channel,
            Some(ChannelId::new(1234))
        );
        config
            .set_key(GUILD, "general.mod_log_channel", "none", "operator:bob")
            .await
            .unwrap();
        assert_eq!(config.cached(GUILD).unwrap().general.mod_log_channel, None);

        let history = config.history(GUILD, None, 50).await.unwrap();
        assert_eq!(history.len(), 4, "{:?}", test_db.backend());
        assert_eq!(history[0].section, "general");
        assert_eq!(history[0].version, 3);
        assert_eq!(history.last().unwrap().actor, "operator:alice");
        let only_features = config.history(GUILD, Some("features"), 50).await.unwrap();
        assert_eq!(only_features.len(), 1);
        assert_eq!(only_features[0].new_value["levels"], true);
    }
}

#[tokio::test]
async fn bad_values_are_refused_with_the_key_and_what_is_accepted_and_nothing_is_written() {
    for test_db in testing::backends().await {
        let config = service(&test_db.db, memory());
        let cases = [
            (
                "general.timezone",
                "Mars/Olympus",
                "general.timezone must be an IANA time zone such as Europe/Berlin, got Mars/Olympus",
            ),
            (
                "general.locale",
                "klingon",
                "general.locale must be a Discord locale",
            ),
            (
                "features.levels",
                "maybe",
                "features.levels must be true or false",
            ),
            (
                "general.mod_log_channel",
                "general",
                "general.mod_log_channel is invalid: channel id must be a Discord id",
            ),
            (
                "no.such.key",
                "1",
                "unknown settings key `no.such.key`; settings keys are: general.timezone",
            ),
            (
                "general.colour",
                "red",
                "unknown settings key `general.colour`; keys in `general` are: timezone, locale, mod_log_channel",
            ),
            (
                "general",
                "x",
                "`general` is a section, not a key; its keys are: general.timezone",
            ),
        ];
        for (key, value, expected) in cases {
            let error = config
                .set_key(GUILD, key, value, "operator:alice")
                .await
                .unwrap_err();
            assert!(
                error.to_string().starts_with(expected),
                "{key}={value}: got {error}"
            );
        }
        assert!(config.history(GUILD, None, 50).await.unwrap().is_empty());
        assert_eq!(config.reload(GUILD).await.unwrap().generation(), 0);
    }
}

#[tokio::test]
async fn whole_sections_are_validated_and_guarded_by_version() {
    for test_db in testing::backends().await {
        let config = service(&test_db.db, memory());
        let error = config
            .set_section(
                GUILD,
                "general",
                json!({"timezone": "UTC", "locale": "fr", "colour": 1}),
                "user:7",
                None,
            )
            .await
            .unwrap_err();
        assert!(error.to_string().contains("`general.colour`"), "{error}");

        config
            .set_section(GUILD, "general", json!({"locale": "fr"}), "user:7", Some(0))
            .await
            .unwrap();
        let settings = config.get(GUILD).await.unwrap();
        assert_eq!(
            (
                settings.general.locale.as_str(),
                settings.general.timezone.as_str()
            ),
            ("fr", "UTC")
        );

        // A form loaded at version 0 cannot overwrite version 1.
        let stale = config
            .set_section(GUILD, "general", json!({"locale": "de"}), "user:8", Some(0))
            .await;
        assert!(
            matches!(stale, Err(GuildConfigError::Conflict { current: 1, .. })),
            "{stale:?}"
        );
        assert_eq!(config.get(GUILD).await.unwrap().general.locale, "fr");
    }
}

#[tokio::test]
async fn rollback_restores_any_earlier_version_as_a_new_change() {
    for test_db in testing::backends().await {
        let config = service(&test_db.db, memory());
        for zone in ["Europe/Berlin", "Asia/Tokyo", "America/New_York"] {
            config
                .set_key(GUILD, "general.timezone", zone, "operator:alice")
                .await
                .unwrap();
        }
        let change = config
            .rollback(GUILD, "general", Some(1), "operator:bob")
            .await
            .unwrap();
        assert_eq!(
            (change.version, change.new_value["timezone"].as_str()),
            (4, Some("Europe/Berlin"))
        );
        assert_eq!(
            config.cached(GUILD).unwrap().general.timezone,
            "Europe/Berlin"
        );
        let latest = &config.history(GUILD, Some("general"), 1).await.unwrap()[0];
        assert_eq!(latest.note.as_deref(), Some("rollback to version 1"));
        assert_eq!(latest.actor, "operator:bob");

        // Without a version, the latest change is undone.
        let undo = config
            .rollback(GUILD, "general", None, "operator:bob")
            .await
            .unwrap();
        assert_eq!(undo.new_value["timezone"], "America/New_York");
        // Version 0 is the defaults.
        config
            .rollback(GUILD, "general", Some(0), "operator:bob")
            .await
            .unwrap();
        assert_eq!(config.get(GUILD).await.unwrap().general.timezone, "UTC");

        let missing = config
            .rollback(GUILD, "general", Some(42), "operator:bob")
            .await
            .unwrap_err();
        assert_eq!(
            missing.to_string(),
            "general has no version 42; versions are 0 (the defaults) to 6"
        );
        let unknown = config
            .rollback(GUILD, "nope", None, "operator:bob")
            .await
            .unwrap_err();
        assert!(
            unknown
                .to_string()
                .starts_with("unknown settings section `nope`"),
            "{unknown}"
        );
    }
}

#[tokio::test]
async fn one_guild_never_sees_another_guilds_settings() {
    for test_db in testing::backends().await {
        let config = service(&test_db.db, memory());
        let other = GuildId::new(2);
        config
            .set_key(GUILD, "general.locale", "ja", "operator:alice")
            .await
            .unwrap();
        assert_eq!(config.get(other).await.unwrap().general.locale, "en-US");
        assert!(config.history(other, None, 10).await.unwrap().is_empty());
        assert!(
            config
                .rollback(other, "general", None, "operator:alice")
                .await
                .is_err()
        );
        assert_eq!(config.get(GUILD).await.unwrap().general.locale, "ja");
    }
}

#[tokio::test]
async fn a_change_reaches_another_process_by_announcement_and_by_polling() {
    let test_db = testing::sqlite_unmigrated().await;
    test_db.db.migrate().await.unwrap();
    let shutdown = CancellationToken::new();
    let shared_bus = memory();
    let writer = service(&test_db.db, Arc::clone(&shared_bus));
    // Same bus, poll effectively never: only the announcement can deliver the change.
    let listener = service(&test_db.db, Arc::clone(&shared_bus));
    listener
        .spawn_sync(Duration::from_secs(3_600), shutdown.clone())
        .await
        .unwrap();
    // Its own bus, as a separate process without Redis: only polling can deliver it.
    let poller = service(&test_db.db, memory());
    poller
        .spawn_sync(Duration::from_millis(50), shutdown.clone())
        .await
        .unwrap();

    for reader in [&listener, &poller] {
        assert_eq!(reader.get(GUILD).await.unwrap().general.locale, "en-US");
    }
    writer
        .set_key(GUILD, "general.locale", "de", "operator:alice")
        .await
        .unwrap();
    for (name, reader) in [("announced", &listener), ("polled", &poller)] {
        testing::wait_for(name, Duration::from_secs(5), || async {
            (reader.cached(GUILD).unwrap().general.locale == "de").then_some(())
        })
        .await;
    }
    shutdown.cancel();
}

#[tokio::test]
async fn a_change_reaches_another_process_through_redis() {
    let Some(url) = testing::service_url("REDIS_URL", "Redis settings invalidation") else {
        return;
    };
    let prefix = testing::unique_name("gh-test");
    let test_db = testing::sqlite_unmigrated().await;
    test_db.db.migrate().await.unwrap();
    let shutdown = CancellationToken::new();
    let writer = service(
        &test_db.db,
        Arc::new(RedisCoordination::connect(&url, &prefix).await.unwrap()),
    );
    let reader = service(
        &test_db.db,
        Arc::new(RedisCoordination::connect(&url, &prefix).await.unwrap()),
    );
    reader
        .spawn_sync(Duration::from_secs(3_600), shutdown.clone())
        .await
        .unwrap();
    reader.get(GUILD).await.unwrap();

    writer
        .set_key(GUILD, "features.giveaways", "true", "operator:alice")
        .await
        .unwrap();
    testing::wait_for("redis announcement", Duration::from_secs(5), || async {
        reader
            .cached(GUILD)
            .unwrap()
            .features
            .giveaways
            .then_some(())
    })
    .await;
    shutdown.cancel();
}
