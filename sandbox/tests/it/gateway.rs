//! The gateway protocol with tokio-tungstenite as the client.

use std::time::Duration;

use guildhall_sandbox::seed::small::*;
use guildhall_sandbox::{Sandbox, Seed};
use serde_json::json;

use crate::common::{ALL_INTENTS, Gw, WAIT};

#[tokio::test]
async fn hello_identify_ready_guild_create_and_heartbeat_ack() {
    let sb = Sandbox::start(Seed::small().heartbeat_interval(1_234))
        .await
        .unwrap();
    let mut gw = Gw::connect(&sb).await;
    assert_eq!(gw.seen[0]["d"]["heartbeat_interval"], 1_234);
    let ready = gw.identify(&sb, ALL_INTENTS, [0, 1]).await;
    assert_eq!(ready["s"], 1);
    let d = &ready["d"];
    assert_eq!(d["v"], 10);
    assert_eq!(d["user"]["id"], sb.bot_user().to_string());
    assert_eq!(d["application"]["id"], sb.application_id().to_string());
    assert_eq!(d["resume_gateway_url"], sb.gateway_url());
    assert_eq!(d["guilds"][0]["id"], GUILD.to_string());
    assert_eq!(d["guilds"][0]["unavailable"], true);
    let guild = gw.until("GUILD_CREATE").await;
    assert_eq!(guild["s"], 2);
    assert_eq!(guild["d"]["id"], GUILD.to_string());
    gw.send(json!({"op": 1, "d": 2})).await;
    let ack = gw.next(WAIT).await.unwrap();
    assert_eq!(ack["op"], 11);
    let sessions = sb.wait_for_sessions(1, WAIT).await;
    assert_eq!(
        (
            sessions[0].shard_id,
            sessions[0].shard_count,
            sessions[0].intents
        ),
        (0, 1, ALL_INTENTS)
    );
    assert_eq!(sessions[0].last_seq, 2);
    sb.withhold_acks(true);
    gw.send(json!({"op": 1, "d": 2})).await;
    assert!(
        gw.next(Duration::from_millis(300)).await.is_none(),
        "an ACK was sent while withheld"
    );
}

#[tokio::test]
async fn guilds_are_dealt_to_shards_by_id() {
    let sb = Sandbox::start(Seed::two_guilds()).await.unwrap();
    let mut zero = Gw::connect(&sb).await;
    let ready0 = zero.identify(&sb, ALL_INTENTS, [0, 2]).await;
    let mut one = Gw::connect(&sb).await;
    let ready1 = one.identify(&sb, ALL_INTENTS, [1, 2]).await;
    assert_eq!(
        ready0["d"]["guilds"],
        json!([{"id": GUILD.to_string(), "unavailable": true}])
    );
    assert_eq!(
        ready1["d"]["guilds"],
        json!([{"id": OTHER_GUILD.to_string(), "unavailable": true}])
    );
    assert_eq!(
        zero.until("GUILD_CREATE").await["d"]["id"],
        GUILD.to_string()
    );
    assert_eq!(
        one.until("GUILD_CREATE").await["d"]["id"],
        OTHER_GUILD.to_string()
    );
    sb.say(OTHER_GUILD, OTHER_GENERAL, MEMBER_A, "on shard one");
    sb.say(GUILD, GENERAL, MEMBER_A, "on shard zero");
    assert_eq!(
        one.until("MESSAGE_CREATE").await["d"]["content"],
        "on shard one"
    );
    assert_eq!(
        zero.until("MESSAGE_CREATE").await["d"]["content"],
        "on shard zero"
    );
    assert!(
        zero.seen
            .iter()
            .all(|f| f["d"]["content"] != "on shard one")
    );
}

#[tokio::test]
async fn resume_replays_missed_events_exactly_once() {
    let sb = Sandbox::start(Seed::small()).await.unwrap();
    let mut gw = Gw::connect(&sb).await;
    let ready = gw.identify(&sb, ALL_INTENTS, [0, 1]).await;
    let session = ready["d"]["session_id"].as_str().unwrap().to_owned();
    sb.say(GUILD, GENERAL, MEMBER_A, "seen");
    let seen = gw.until("MESSAGE_CREATE").await;
    let last = seen["s"].as_u64().unwrap();
    sb.say(GUILD, GENERAL, MEMBER_A, "sent but not read");
    drop(gw);
    sb.wait_for_connected_count(0, WAIT).await;
    sb.say(GUILD, GENERAL, MEMBER_A, "missed 1");
    sb.say(GUILD, GENERAL, MEMBER_A, "missed 2");

    let mut gw = Gw::connect(&sb).await;
    gw.send(json!({"op": 6, "d": {"token": sb.bot_token(), "session_id": session, "seq": last}}))
        .await;
    gw.until("RESUMED").await;
    let replayed: Vec<(u64, String)> = gw
        .seen
        .iter()
        .filter(|f| f["t"] == "MESSAGE_CREATE")
        .map(|f| {
            (
                f["s"].as_u64().unwrap(),
                f["d"]["content"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        replayed,
        [
            (last + 1, "sent but not read".to_owned()),
            (last + 2, "missed 1".to_owned()),
            (last + 3, "missed 2".to_owned()),
        ]
    );
    sb.say(GUILD, GENERAL, MEMBER_A, "after");
    assert_eq!(
        gw.until("MESSAGE_CREATE").await["s"],
        last + 5,
        "RESUMED took last + 4"
    );
}

#[tokio::test]
async fn reconnect_invalid_session_and_close_codes() {
    let sb = Sandbox::start(Seed::small()).await.unwrap();
    let mut gw = Gw::connect(&sb).await;
    let ready = gw.identify(&sb, ALL_INTENTS, [0, 1]).await;
    let session = ready["d"]["session_id"].as_str().unwrap().to_owned();
    gw.until("GUILD_CREATE").await;

    sb.gateway_reconnect();
    let op7 = gw.next(WAIT).await.unwrap();
    assert_eq!(op7["op"], 7);
    assert_eq!(gw.close_code().await, Some(4000));
    let mut gw = Gw::connect(&sb).await;
    gw.send(json!({"op": 6, "d": {"token": sb.bot_token(), "session_id": session, "seq": 2}}))
        .await;
    gw.until("RESUMED").await;

    sb.gateway_invalid_session(false);
    let op9 = gw.next(WAIT).await.unwrap();
    assert_eq!(
        (op9["op"].as_u64(), op9["d"].as_bool()),
        (Some(9), Some(false))
    );
    let mut again = Gw::connect(&sb).await;
    again
        .send(json!({"op": 6, "d": {"token": sb.bot_token(), "session_id": session, "seq": 2}}))
        .await;
    let refused = again.next(WAIT).await.unwrap();
    assert_eq!(
        (refused["op"].as_u64(), refused["d"].as_bool()),
        (Some(9), Some(false))
    );
    again.identify(&sb, ALL_INTENTS, [0, 1]).await;

    sb.gateway_close(4004);
    assert_eq!(again.close_code().await, Some(4004));

    let mut bad = Gw::connect(&sb).await;
    bad.send(json!({"op": 2, "d": {"token": "wrong", "intents": 1, "shard": [0, 1]}}))
        .await;
    assert_eq!(bad.close_code().await, Some(4004));
}

#[tokio::test]
async fn a_disallowed_privileged_intent_is_closed_with_4014() {
    let sb = Sandbox::start(Seed::small().disallow_intents(1 << 1))
        .await
        .unwrap();
    let mut gw = Gw::connect(&sb).await;
    gw.send(
        json!({"op": 2, "d": {"token": sb.bot_token(), "intents": ALL_INTENTS, "shard": [0, 1]}}),
    )
    .await;
    assert_eq!(gw.close_code().await, Some(4014));
    let mut fine = Gw::connect(&sb).await;
    fine.identify(&sb, ALL_INTENTS & !(1 << 1), [0, 1]).await;
    sb.member_join(GUILD, guildhall_sandbox::UserSpec::named("quiet"));
    sb.say(GUILD, GENERAL, MEMBER_A, "marker");
    fine.until("MESSAGE_CREATE").await;
    assert!(
        fine.seen.iter().all(|f| f["t"] != "GUILD_MEMBER_ADD"),
        "GUILD_MEMBER_ADD without the intent"
    );
}
