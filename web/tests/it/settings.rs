//! Writes through the dashboard: switches, inline validation errors, rollback, jobs, audit.

use guildhall_core::jobs::{JobState, NewJob};
use guildhall_sandbox::seed::small;
use reqwest::StatusCode;
use serde_json::json;

use crate::support::{Harness, OPERATOR, location};

fn settings_path() -> String {
    format!("/guilds/{}/settings", small::GUILD)
}

#[tokio::test]
async fn a_switch_writes_the_setting_its_history_and_the_audit_log() {
    let harness = Harness::start().await;
    let mut owner = harness.login(small::OWNER).await;
    let page = owner
        .get(&format!("/guilds/{}/features", small::GUILD))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(r#"id="setting-commands-prefix_enabled""#),
        "{page}"
    );
    assert!(page.contains(r#"id="setting-features-giveaways""#));
    assert!(page.contains(r#"id="setting-commands-prefix_per_minute""#));

    let csrf = owner.csrf.clone();
    let response = owner
        .post_htmx(
            &settings_path(),
            &[("key", "commands.prefix_enabled"), ("value", "on")],
            Some(&csrf),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let fragment = response.text().await.unwrap();
    assert!(
        fragment.starts_with(r#"<form class="setting" id="setting-commands-prefix_enabled""#),
        "{fragment}"
    );
    assert!(fragment.contains(r#"aria-checked="true""#), "{fragment}");
    assert!(!fragment.contains("<html"), "htmx gets only the fragment");

    let config = &harness.state.core.config;
    assert_eq!(
        config
            .get_key(small::GUILD, "commands.prefix_enabled")
            .await
            .unwrap(),
        json!(true)
    );
    let history = config.history(small::GUILD, None, 10).await.unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(
        history[0].actor,
        format!("user:{} (dashboard)", small::OWNER)
    );
    let audit = guildhall_core::audit::recent(&harness.state.core.db, Some(small::GUILD), 10)
        .await
        .unwrap();
    assert_eq!(audit[0].action, "dashboard.config.set");
    assert_eq!(audit[0].actor, format!("user:{}", small::OWNER));
    assert_eq!(audit[0].target.as_deref(), Some("commands.prefix_enabled"));

    // A plain form post (no JavaScript) redirects back to the page.
    let response = owner
        .post_form(
            &settings_path(),
            &[("key", "commands.prefix"), ("value", "?")],
            Some(&csrf),
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        location(response.headers()),
        format!("/guilds/{}/features", small::GUILD)
    );
    assert_eq!(
        config
            .get_key(small::GUILD, "commands.prefix")
            .await
            .unwrap(),
        json!("?")
    );
}

#[tokio::test]
async fn a_refused_value_shows_the_cores_message_inline_and_writes_nothing() {
    let harness = Harness::start().await;
    let mut owner = harness.login(small::OWNER).await;
    let csrf = owner.csrf.clone();
    for (key, value, message) in [
        (
            "commands.prefix",
            "too long",
            "commands.prefix must be 1 to 5 characters without spaces",
        ),
        (
            "commands.prefix_per_minute",
            "500",
            "commands.prefix_per_minute must be between 1 and 120",
        ),
        (
            "commands.prefix_per_minute",
            "lots",
            "commands.prefix_per_minute must be a number",
        ),
        (
            "features.levels",
            "maybe",
            "features.levels must be true or false",
        ),
    ] {
        let response = owner
            .post_htmx(
                &settings_path(),
                &[("key", key), ("value", value)],
                Some(&csrf),
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK, "{key}");
        let fragment = response.text().await.unwrap();
        assert!(
            fragment.contains(r#"class="error""#) && fragment.contains(message),
            "{key}: {fragment}"
        );
        let plain = owner
            .post_form(
                &settings_path(),
                &[("key", key), ("value", value)],
                Some(&csrf),
            )
            .await;
        assert_eq!(plain.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(plain.text().await.unwrap().contains(message));
    }
    let response = owner
        .post_htmx(
            &settings_path(),
            &[("key", "general.timezone"), ("value", "UTC")],
            Some(&csrf),
        )
        .await;
    assert_eq!(
        response.status(),
        StatusCode::BAD_REQUEST,
        "only features.* and commands.*"
    );
    assert!(
        harness
            .state
            .core
            .config
            .history(small::GUILD, None, 10)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn undo_in_the_history_restores_the_section() {
    let harness = Harness::start().await;
    let mut owner = harness.login(small::OWNER).await;
    let csrf = owner.csrf.clone();
    for (key, value) in [("features.giveaways", "on"), ("features.levels", "on")] {
        let response = owner
            .post_htmx(
                &settings_path(),
                &[("key", key), ("value", value)],
                Some(&csrf),
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK);
    }
    let config = &harness.state.core.config;
    let history = config.history(small::GUILD, None, 10).await.unwrap();
    let levels_change = &history[0];
    assert_eq!(levels_change.version, 2);
    let page = owner
        .get(&format!("/guilds/{}/settings/history", small::GUILD))
        .await
        .text()
        .await
        .unwrap();
    let rollback = format!(
        "/guilds/{}/settings/history/{}/rollback",
        small::GUILD,
        levels_change.id
    );
    assert!(page.contains(&rollback), "{page}");

    let response = owner.post_htmx(&rollback, &[], Some(&csrf)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let fragment = response.text().await.unwrap();
    assert!(
        fragment.starts_with(r#"<section id="history">"#),
        "{fragment}"
    );
    assert!(
        fragment.contains("features restored to version 1"),
        "{fragment}"
    );
    assert_eq!(
        config
            .get_key(small::GUILD, "features.levels")
            .await
            .unwrap(),
        json!(false)
    );
    assert_eq!(
        config
            .get_key(small::GUILD, "features.giveaways")
            .await
            .unwrap(),
        json!(true)
    );
    let audit = guildhall_core::audit::recent(&harness.state.core.db, Some(small::GUILD), 1)
        .await
        .unwrap();
    assert_eq!(audit[0].action, "dashboard.config.rollback");

    // An entry of another guild's history is not this guild's to undo.
    config
        .set_key(small::OTHER_GUILD, "features.levels", "on", "test")
        .await
        .unwrap();
    let foreign = config.history(small::OTHER_GUILD, None, 1).await.unwrap()[0].id;
    let response = owner
        .post_htmx(
            &format!(
                "/guilds/{}/settings/history/{foreign}/rollback",
                small::GUILD
            ),
            &[],
            Some(&csrf),
        )
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        config
            .get_key(small::OTHER_GUILD, "features.levels")
            .await
            .unwrap(),
        json!(true)
    );
}

#[tokio::test]
async fn operators_cancel_and_retry_jobs_from_the_operator_page() {
    let harness = Harness::start().await;
    let ledger = &harness.state.core.ledger;
    let job = ledger
        .schedule(NewJob::raw(
            "test.job",
            json!({}),
            harness
                .state
                .core
                .clock
                .now()
                .plus(std::time::Duration::from_secs(600)),
        ))
        .await
        .unwrap();
    let mut operator = harness.login(OPERATOR).await;
    let page = operator.get("/operator").await.text().await.unwrap();
    assert!(page.contains(&format!(r#"id="job-{}""#, job.id)));
    let csrf = operator.csrf.clone();
    let response = operator
        .post_htmx(
            &format!("/operator/jobs/{}/cancel", job.id),
            &[],
            Some(&csrf),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let row = response.text().await.unwrap();
    assert!(
        row.starts_with(&format!(r#"<tr id="job-{}">"#, job.id)),
        "{row}"
    );
    assert!(row.contains("cancelled"));
    assert_eq!(ledger.get(job.id).await.unwrap().state, JobState::Cancelled);

    // Cancelling again is refused with the ledger's reason, in the row.
    let response = operator
        .post_htmx(
            &format!("/operator/jobs/{}/cancel", job.id),
            &[],
            Some(&csrf),
        )
        .await;
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("needs a job that is pending or running")
    );

    let response = operator
        .post_htmx(
            &format!("/operator/jobs/{}/retry", job.id),
            &[],
            Some(&csrf),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(ledger.get(job.id).await.unwrap().state, JobState::Pending);
    let response = operator
        .post_htmx("/operator/jobs/999999/retry", &[], Some(&csrf))
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let audit = guildhall_core::audit::recent(&harness.state.core.db, None, 5)
        .await
        .unwrap();
    assert!(
        audit
            .iter()
            .any(|entry| entry.action == "dashboard.jobs.cancel")
    );
    assert!(
        audit
            .iter()
            .any(|entry| entry.action == "dashboard.jobs.retry")
    );
}
