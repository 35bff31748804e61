//! Interactions on Discord's clock: one callback within 3 s of the INTERACTION_CREATE, a
//! webhook that exists only once acknowledged and for 15 minutes, the follow-up that edits a
//! deferred "thinking…" message, and REST latency counted against the window.

use std::time::{Duration, Instant};

use guildhall_sandbox::seed::small::*;
use guildhall_sandbox::{Interaction, Sandbox, Seed};
use reqwest::Method;
use serde_json::{Value, json};

use crate::common::{WAIT, api};

async fn callback(sb: &Sandbox, i: &Interaction, body: Value) -> (u16, Value) {
    let (status, _, response) = api(
        sb,
        Method::POST,
        &format!("/interactions/{}/{}/callback", i.id, i.token),
        Some(body),
    )
    .await;
    (status, response)
}

async fn webhook(
    sb: &Sandbox,
    method: Method,
    i: &Interaction,
    rest: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let (status, _, response) = api(
        sb,
        method,
        &format!("/webhooks/{}/{}{rest}", sb.application_id(), i.token),
        body,
    )
    .await;
    (status, response)
}

#[tokio::test]
async fn a_callback_after_three_seconds_is_an_unknown_interaction_and_changes_nothing() {
    let sb = Sandbox::start(Seed::small()).await.unwrap();
    let late = sb.slash(GUILD, GENERAL, MEMBER_A, "ping", vec![]);
    sb.age_interaction(late.id, Duration::from_millis(3_001));
    let (status, body) =
        callback(&sb, &late, json!({"type": 4, "data": {"content": "pong"}})).await;
    assert_eq!(
        (status, body),
        (
            404,
            json!({"message": "Unknown interaction", "code": 10062})
        )
    );
    assert!(sb.messages(GENERAL).is_empty(), "no reply was posted");
    assert_eq!(sb.interaction_ack_delay(late.id), None);
    // Its webhook never came to be.
    let (status, body) = webhook(
        &sb,
        Method::POST,
        &late,
        "",
        Some(json!({"content": "late"})),
    )
    .await;
    assert_eq!((status, body["code"].as_u64()), (404, Some(10015)));

    let prompt = sb.slash(GUILD, GENERAL, MEMBER_B, "ping", vec![]);
    let (status, _) = callback(
        &sb,
        &prompt,
        json!({"type": 4, "data": {"content": "pong"}}),
    )
    .await;
    assert_eq!(status, 204);
    let delay = sb.interaction_ack_delay(prompt.id).unwrap();
    assert!(delay < Duration::from_secs(3), "{delay:?}");
    let (status, body) = callback(
        &sb,
        &prompt,
        json!({"type": 4, "data": {"content": "again"}}),
    )
    .await;
    assert_eq!((status, body["code"].as_u64()), (400, Some(40060)));
    assert_eq!(
        sb.interaction_ack_delay(prompt.id),
        Some(delay),
        "the first one counts"
    );

    let missed = sb.unacknowledged_interactions();
    assert_eq!(missed.len(), 1, "{missed:#?}");
    assert_eq!(missed[0].id, late.id);
    assert_eq!(missed[0].name, "ping");
    assert_eq!(
        (missed[0].rejected[0].status, missed[0].rejected[0].code),
        (404, 10062)
    );
    assert!(missed[0].rejected[0].after > Duration::from_secs(3));
    let acks = sb.interaction_acks();
    let answered = acks.iter().find(|a| a.id == prompt.id).unwrap();
    assert_eq!(
        (answered.callback_type, answered.rejected.len()),
        (Some(4), 1)
    );

    // Waiting for the window to close finds a never-answered interaction.
    let ignored = sb.slash(GUILD, GENERAL, MEMBER_B, "ping", vec![]);
    sb.age_interaction(ignored.id, Duration::from_millis(2_900));
    let started = Instant::now();
    let outcome = tokio::spawn({
        let sb = sb.clone();
        async move { sb.assert_interactions_acknowledged().await }
    })
    .await;
    assert!(outcome.is_err(), "the assertion fails");
    assert!(
        started.elapsed() >= Duration::from_millis(90),
        "it waited for the window"
    );
    assert_eq!(sb.unacknowledged_interactions().len(), 2);
}

#[tokio::test]
async fn the_webhook_needs_an_acknowledged_interaction_and_expires_after_15_minutes() {
    let sb = Sandbox::start(Seed::small()).await.unwrap();
    let i = sb.slash(GUILD, GENERAL, MEMBER_A, "warn", vec![]);
    for (method, rest, body) in [
        (Method::POST, "", Some(json!({"content": "too soon"}))),
        (Method::GET, "/messages/@original", None),
        (
            Method::PATCH,
            "/messages/@original",
            Some(json!({"content": "too soon"})),
        ),
        (Method::DELETE, "/messages/@original", None),
    ] {
        let (status, body) = webhook(&sb, method.clone(), &i, rest, body).await;
        assert_eq!(
            (status, body),
            (404, json!({"message": "Unknown Webhook", "code": 10015})),
            "{method} {rest}"
        );
    }
    assert!(sb.messages(GENERAL).is_empty());

    let (status, _) = callback(&sb, &i, json!({"type": 4, "data": {"content": "warned"}})).await;
    assert_eq!(status, 204);
    let (status, body) = webhook(
        &sb,
        Method::POST,
        &i,
        "",
        Some(json!({"content": "details"})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    sb.age_interaction(i.id, Duration::from_secs(15 * 60));
    for (method, rest, body) in [
        (Method::POST, "", Some(json!({"content": "too late"}))),
        (
            Method::PATCH,
            "/messages/@original",
            Some(json!({"content": "too late"})),
        ),
    ] {
        let (status, body) = webhook(&sb, method.clone(), &i, rest, body).await;
        assert_eq!(
            (status, body),
            (
                401,
                json!({"message": "Invalid Webhook Token", "code": 50027})
            ),
            "{method} {rest}"
        );
    }
    assert_eq!(sb.messages(GENERAL).len(), 2);
}

#[tokio::test]
async fn deferred_answers_edits_and_follow_ups_show_in_interaction_response() {
    let sb = Sandbox::start(Seed::small()).await.unwrap();

    // Type 5 then an edit of the original: the edit is the answer.
    let i = sb.slash(GUILD, GENERAL, MOD_A, "warn", vec![]);
    callback(&sb, &i, json!({"type": 5})).await;
    let (status, body) = webhook(
        &sb,
        Method::PATCH,
        &i,
        "/messages/@original",
        Some(json!({"content": "warned"})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let r = sb.interaction_response(&i, WAIT).await;
    assert_eq!(
        (r.kind, r.content.as_str(), r.ephemeral),
        (5, "warned", false)
    );
    assert_eq!(r.message.unwrap().flags & 128, 0, "no longer loading");

    // Type 5 (ephemeral) then a follow-up: Discord edits the "thinking…" message instead of
    // posting, and it stays ephemeral whatever the follow-up's flags.
    let i = sb.slash(GUILD, GENERAL, MOD_A, "warn", vec![]);
    callback(&sb, &i, json!({"type": 5, "data": {"flags": 64}})).await;
    let before = sb.messages(GENERAL).len();
    let (status, body) = webhook(
        &sb,
        Method::POST,
        &i,
        "",
        Some(json!({"content": "public?", "flags": 0})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(sb.messages(GENERAL).len(), before, "no new message");
    assert_eq!(body["flags"].as_u64().unwrap() & 64, 64, "{body}");
    let r = sb.interaction_response(&i, WAIT).await;
    assert_eq!(
        (r.content.as_str(), r.ephemeral, r.followups.len()),
        ("public?", true, 0)
    );
    // The next follow-up is a new message.
    webhook(
        &sb,
        Method::POST,
        &i,
        "",
        Some(json!({"content": "second"})),
    )
    .await;
    assert_eq!(sb.messages(GENERAL).len(), before + 1);

    // Type 6 on a button, then an ephemeral follow-up: the follow-up is the answer, not the
    // message the button is on.
    let (_, _, m) = api(
        &sb,
        Method::POST,
        &format!("/channels/{GENERAL}/messages"),
        Some(json!({"content": "panel", "components": [{"type": 1, "components": [{"type": 2, "style": 1, "label": "Go", "custom_id": "p:go"}]}]})),
    )
    .await;
    let panel = m["id"].as_str().unwrap().parse().unwrap();
    let click = sb.click(GUILD, GENERAL, MEMBER_B, panel, "p:go");
    callback(&sb, &click, json!({"type": 6})).await;
    let waiter = tokio::spawn({
        let sb = sb.clone();
        let click = click.clone();
        async move { sb.interaction_response(&click, WAIT).await }
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    webhook(
        &sb,
        Method::POST,
        &click,
        "",
        Some(json!({"content": "you're in", "flags": 64})),
    )
    .await;
    let r = waiter.await.unwrap();
    assert_eq!(
        (r.kind, r.content.as_str(), r.ephemeral),
        (6, "you're in", true)
    );
    assert_eq!(r.message.unwrap().content, "panel");

    // Type 6 alone is an answer too, once the wait is over.
    let quiet = sb.click(GUILD, GENERAL, MEMBER_B, panel, "p:go");
    callback(&sb, &quiet, json!({"type": 6})).await;
    let r = sb
        .interaction_response(&quiet, Duration::from_millis(200))
        .await;
    assert_eq!((r.kind, r.content.as_str()), (6, "panel"));
}

#[tokio::test]
async fn rest_latency_delays_requests_without_locking_and_counts_against_the_window() {
    let sb = Sandbox::start(Seed::small()).await.unwrap();
    assert_eq!(sb.rest_latency(), Duration::ZERO);
    sb.set_rest_latency(Duration::from_millis(400));
    assert_eq!(sb.rest_latency(), Duration::from_millis(400));
    let started = Instant::now();
    let request = tokio::spawn({
        let sb = sb.clone();
        async move {
            api(
                &sb,
                Method::POST,
                &format!("/channels/{GENERAL}/messages"),
                Some(json!({"content": "slow"})),
            )
            .await
        }
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    // In transit: not handled yet, and the state is not locked meanwhile.
    let checked = Instant::now();
    assert!(sb.messages(GENERAL).is_empty());
    sb.say(GUILD, GENERAL, MEMBER_A, "meanwhile");
    assert!(checked.elapsed() < Duration::from_millis(100));
    let (status, _, _) = request.await.unwrap();
    assert_eq!(status, 200);
    assert!(started.elapsed() >= Duration::from_millis(400));
    let contents: Vec<String> = sb
        .messages(GENERAL)
        .into_iter()
        .map(|m| m.content)
        .collect();
    assert_eq!(contents, ["meanwhile", "slow"], "handled after the delay");

    // A callback sent 2.7 s into the window arrives after it closes.
    let i = sb.slash(GUILD, GENERAL, MEMBER_A, "ping", vec![]);
    sb.age_interaction(i.id, Duration::from_millis(2_700));
    let (status, body) = callback(&sb, &i, json!({"type": 4, "data": {"content": "pong"}})).await;
    assert_eq!((status, body["code"].as_u64()), (404, Some(10062)));

    sb.set_rest_latency(Duration::ZERO);
    let started = Instant::now();
    api(&sb, Method::GET, "/gateway", None).await;
    assert!(started.elapsed() < Duration::from_millis(300));
}

#[tokio::test]
async fn the_binary_takes_its_latency_from_the_environment() {
    use std::io::{BufRead, BufReader};
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_guildhall-sandbox"))
        .env(guildhall_sandbox::LATENCY_ENV, "300")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let lines: Vec<String> = BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .take_while(|line| !line.starts_with("rest latency"))
        .collect();
    let base = lines
        .iter()
        .find_map(|l| l.strip_prefix("api base:"))
        .map(|b| b.trim().to_owned());
    let started = Instant::now();
    let status = match &base {
        Some(base) => reqwest::get(format!("{base}/api/v10/gateway"))
            .await
            .map(|r| r.status().as_u16())
            .ok(),
        None => None,
    };
    let elapsed = started.elapsed();
    let _ = child.kill();
    let _ = child.wait();
    assert!(base.is_some(), "no api base in {lines:?}");
    assert_eq!(status, Some(401), "unauthenticated /gateway");
    assert!(elapsed >= Duration::from_millis(300), "{elapsed:?}");

    let refused = std::process::Command::new(env!("CARGO_BIN_EXE_guildhall-sandbox"))
        .env(guildhall_sandbox::LATENCY_ENV, "soon")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(!refused.success(), "an invalid latency is an error");
}
