//! Scripted interactions and the bot's answers, model inspection and the traffic generator.

use guildhall_sandbox::seed::small::*;
use guildhall_sandbox::traffic::{Traffic, TrafficOptions};
use guildhall_sandbox::{Sandbox, Seed, SlashOption};
use reqwest::Method;
use serde_json::json;

use crate::common::{WAIT, api};

#[tokio::test]
async fn interaction_responses_from_callbacks_edits_and_follow_ups() {
    let sb = Sandbox::start(Seed::small()).await.unwrap();
    let app = sb.application_id();

    let i = sb.slash(
        GUILD,
        GENERAL,
        MOD_A,
        "warn",
        vec![SlashOption::user("user", MEMBER_A)],
    );
    api(
        &sb,
        Method::POST,
        &format!("/interactions/{}/{}/callback", i.id, i.token),
        Some(json!({"type": 5, "data": {"flags": 64}})),
    )
    .await;
    api(
        &sb,
        Method::PATCH,
        &format!("/webhooks/{app}/{}/messages/@original", i.token),
        Some(json!({"content": "warned"})),
    )
    .await;
    let r = sb.interaction_response(&i, WAIT).await;
    assert_eq!(
        (r.kind, r.content.as_str(), r.ephemeral),
        (5, "warned", true)
    );
    let (status, _, body) = api(
        &sb,
        Method::POST,
        &format!("/interactions/{}/{}/callback", i.id, i.token),
        Some(json!({"type": 4, "data": {"content": "again"}})),
    )
    .await;
    assert_eq!((status, body["code"].as_u64()), (400, Some(40060)));

    let (_, _, m) = api(&sb, Method::POST, &format!("/channels/{GENERAL}/messages"), Some(json!({"content": "vote", "components": [{"type": 1, "components": [{"type": 2, "style": 1, "label": "Yes", "custom_id": "poll:yes:1"}]}]}))).await;
    let mid = m["id"].as_str().unwrap().parse().unwrap();
    let click = sb.click(GUILD, GENERAL, MEMBER_B, mid, "poll:yes:1");
    api(
        &sb,
        Method::POST,
        &format!("/interactions/{}/{}/callback", click.id, click.token),
        Some(json!({"type": 7, "data": {"content": "1 vote", "components": []}})),
    )
    .await;
    let r = sb.interaction_response(&click, WAIT).await;
    assert_eq!((r.kind, r.content.as_str()), (7, "1 vote"));
    assert_eq!(
        sb.messages(GENERAL)
            .iter()
            .find(|x| x.id == mid)
            .unwrap()
            .content,
        "1 vote"
    );

    let modal = sb.slash(GUILD, GENERAL, MEMBER_B, "ticket", vec![]);
    api(&sb, Method::POST, &format!("/interactions/{}/{}/callback", modal.id, modal.token), Some(json!({"type": 9, "data": {"custom_id": "ticket:open:1", "title": "Open", "components": [{"type": 1, "components": [{"type": 4, "custom_id": "why", "label": "Why", "style": 2}]}]}}))).await;
    let r = sb.interaction_response(&modal, WAIT).await;
    assert_eq!(r.kind, 9);
    assert_eq!(r.modal.unwrap()["custom_id"], "ticket:open:1");

    let submit = sb.submit_modal(
        GUILD,
        GENERAL,
        MEMBER_B,
        "ticket:open:1",
        vec![("why".into(), "help".into())],
    );
    api(
        &sb,
        Method::POST,
        &format!("/interactions/{}/{}/callback", submit.id, submit.token),
        Some(json!({"type": 6})),
    )
    .await;
    api(
        &sb,
        Method::POST,
        &format!("/webhooks/{app}/{}", submit.token),
        Some(json!({"content": "ticket opened", "flags": 64})),
    )
    .await;
    let r = sb.interaction_response(&submit, WAIT).await;
    assert_eq!(r.kind, 6);
    assert_eq!(r.followups.len(), 1);
    assert_eq!(r.content, "ticket opened");
}

#[tokio::test]
async fn traffic_is_seeded_and_counted() {
    let run = || async {
        let sb = Sandbox::start(Seed::small()).await.unwrap();
        let mut handle = Traffic::start(
            sb.clone(),
            TrafficOptions {
                seed: 7,
                events_per_second: 2_000.0,
                max_events: Some(300),
                spam_probability: 0.05,
                guilds: None,
            },
        );
        let counts = handle.finished(WAIT).await;
        (
            counts,
            sb.messages(GENERAL).len() + sb.messages(MOD_LOG).len(),
        )
    };
    let (a, messages) = run().await;
    assert!(a.total() >= 250, "{a:?}");
    assert!(
        a.messages > 0 && a.joins > 0 && a.voice > 0 && a.reactions > 0 && a.spam_bursts > 0,
        "{a:?}"
    );
    assert!(messages > 0);
    let (b, _) = run().await;
    assert_eq!(a, b, "the same seed gives the same traffic");
}

#[tokio::test]
async fn the_demo_seed_is_realistic() {
    let seed = Seed::demo();
    assert!(seed.guilds.len() >= 2);
    assert!(seed.guilds.iter().map(|g| g.members.len()).max().unwrap() >= 50);
    let shards: std::collections::BTreeSet<u64> =
        seed.guilds.iter().map(|g| (g.id.get() >> 22) % 2).collect();
    assert_eq!(shards.len(), 2, "guilds spread over shards");
    let sb = Sandbox::start(seed).await.unwrap();
    assert!(sb.guild(guildhall_sandbox::seed::small::GUILD).is_none());
}
