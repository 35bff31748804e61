//! The gateway protocol with tokio-tungstenite as the client.

use std::time::Duration;

use guildhall_sandbox::seed::small::*;
use guildhall_sandbox::{Sandbox, Seed};
use serde_json::{Value, json};

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

/// The small seed with `extra` more members (users created on the way).
fn crowded(extra: u64) -> Seed {
    let mut seed = Seed::small();
    for i in 0..extra {
        let user = guildhall_core::ids::UserId::new(guildhall_sandbox::seed::snowflake(
            100_000_000_000 + i,
            99,
        ));
        seed.guilds[0] = seed.guilds[0].clone().member(user, &[]);
    }
    seed
}

const PRESENCES: u64 = 1 << 8;
const MEMBERS: u64 = 1 << 1;

async fn guild_create_with(sb: &Sandbox, intents: u64, threshold: Option<u64>) -> Value {
    let mut gw = Gw::connect(sb).await;
    let mut d = json!({"token": sb.bot_token(), "intents": intents, "shard": [0, 1],
        "properties": {"os": "linux", "browser": "test", "device": "test"}});
    if let Some(threshold) = threshold {
        d["large_threshold"] = json!(threshold);
    }
    gw.send(json!({"op": 2, "d": d})).await;
    let frame = gw.until("GUILD_CREATE").await;
    crate::payloads::check_frame(&frame);
    frame["d"].clone()
}

fn member_ids(guild: &Value) -> Vec<String> {
    let mut ids: Vec<String> = guild["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["user"]["id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids
}

#[tokio::test]
async fn guild_create_members_follow_the_intents_and_the_large_threshold() {
    // 8 seeded members + 55: 63, over the default threshold (50), under 250.
    let sb = Sandbox::start(crowded(55)).await.unwrap();
    sb.voice_join(GUILD, VOICE, MEMBER_A);
    let mut bot_and_voice = vec![BOT.to_string(), MEMBER_A.to_string()];
    bot_and_voice.sort();

    // Without GUILD_PRESENCES: the bot and who is in voice, however small the guild.
    let guild = guild_create_with(&sb, ALL_INTENTS, Some(250)).await;
    assert_eq!(member_ids(&guild), bot_and_voice);
    assert_eq!(guild["member_count"], 63);
    assert_eq!(guild["large"], false);
    assert_eq!(guild["voice_states"].as_array().unwrap().len(), 1);

    // With it, under the threshold: everyone.
    let guild = guild_create_with(&sb, ALL_INTENTS | PRESENCES, Some(250)).await;
    assert_eq!(guild["members"].as_array().unwrap().len(), 63);
    assert_eq!(guild["large"], false);

    // With it, over the threshold (default 50; 10 is raised to 50): large, and only the bot and
    // the voice members (everyone else is offline).
    for threshold in [None, Some(10), Some(62)] {
        let guild = guild_create_with(&sb, ALL_INTENTS | PRESENCES, threshold).await;
        assert_eq!(guild["large"], true, "threshold {threshold:?}");
        assert_eq!(member_ids(&guild), bot_and_voice, "threshold {threshold:?}");
        assert_eq!(guild["member_count"], 63);
    }
    let mut thresholds: Vec<u64> = sb.sessions().iter().map(|s| s.large_threshold).collect();
    thresholds.sort_unstable();
    assert_eq!(thresholds, [50, 50, 62, 250, 250]);
    let guild = guild_create_with(&sb, ALL_INTENTS | PRESENCES, Some(1_000)).await;
    assert_eq!(guild["large"], false, "1000 is lowered to 250");
}

#[tokio::test]
async fn a_guild_added_later_is_announced_per_session() {
    let sb = Sandbox::start(Seed::small()).await.unwrap();
    let mut plain = Gw::connect(&sb).await;
    plain.identify(&sb, ALL_INTENTS, [0, 1]).await;
    plain.until("GUILD_CREATE").await;
    let mut presences = Gw::connect(&sb).await;
    presences
        .identify(&sb, ALL_INTENTS | PRESENCES, [0, 1])
        .await;
    presences.until("GUILD_CREATE").await;
    let new =
        guildhall_core::ids::GuildId::new(guildhall_sandbox::seed::snowflake(190_000_000_002, 1));
    sb.add_guild(
        guildhall_sandbox::seed::SeedGuild::new(new, "Later", OWNER)
            .text_channel(
                guildhall_core::ids::ChannelId::new(guildhall_sandbox::seed::snowflake(
                    190_000_000_002,
                    2,
                )),
                "general",
            )
            .member(MEMBER_B, &[]),
    )
    .unwrap();
    let frame = plain.until("GUILD_CREATE").await;
    crate::payloads::check_frame(&frame);
    assert_eq!(frame["d"]["id"], new.to_string());
    assert_eq!(frame["d"]["member_count"], 3, "owner, member and the bot");
    assert_eq!(member_ids(&frame["d"]), [BOT.to_string()]);
    let frame = presences.until("GUILD_CREATE").await;
    assert_eq!(frame["d"]["members"].as_array().unwrap().len(), 3);
    assert!(sb.member(new, BOT).is_some());
    assert!(
        sb.add_guild(guildhall_sandbox::seed::SeedGuild::new(new, "Again", OWNER))
            .is_err()
    );
}

async fn chunks(gw: &mut Gw) -> Vec<Value> {
    let mut chunks = vec![gw.until("GUILD_MEMBERS_CHUNK").await];
    while chunks.len() < chunks[0]["d"]["chunk_count"].as_u64().unwrap() as usize {
        chunks.push(gw.until("GUILD_MEMBERS_CHUNK").await);
    }
    for frame in &chunks {
        crate::payloads::check_frame(frame);
    }
    chunks
}

#[tokio::test]
async fn request_guild_members_answers_in_chunks_of_1000_on_the_asking_session() {
    let sb = Sandbox::start(crowded(1_492)).await.unwrap();
    let mut gw = Gw::connect(&sb).await;
    gw.identify(&sb, ALL_INTENTS, [0, 1]).await;
    let mut other = Gw::connect(&sb).await;
    other.identify(&sb, ALL_INTENTS, [0, 1]).await;
    gw.send(json!({"op": 8, "d": {"guild_id": GUILD.to_string(), "query": "", "limit": 0, "presences": false, "nonce": "all"}}))
        .await;
    let all = chunks(&mut gw).await;
    assert_eq!(all.len(), 2);
    let sizes: Vec<usize> = all
        .iter()
        .map(|c| c["d"]["members"].as_array().unwrap().len())
        .collect();
    assert_eq!(sizes, [1_000, 500]);
    assert_eq!(
        all.iter()
            .map(|c| c["d"]["chunk_index"].as_u64().unwrap())
            .collect::<Vec<_>>(),
        [0, 1]
    );
    assert!(
        all.iter()
            .all(|c| c["d"]["nonce"] == "all" && c["d"]["guild_id"] == GUILD.to_string())
    );
    assert!(all.iter().all(|c| c["d"].get("presences").is_none()));
    match crate::payloads::check_frame(&all[1]) {
        serenity::model::event::Event::GuildMembersChunk(chunk) => {
            assert_eq!((chunk.chunk_index, chunk.chunk_count), (1, 2));
            assert_eq!(chunk.members.len(), 500);
        }
        other => panic!("not a chunk: {other:?}"),
    }

    // By id: at most 100, unknown ones in not_found; no intent needed.
    let unknown = guildhall_core::ids::UserId::new(12_345);
    gw.send(json!({"op": 8, "d": {"guild_id": GUILD.to_string(), "user_ids": [MEMBER_A.to_string(), unknown.to_string()], "limit": 0, "presences": false, "nonce": "ids"}}))
        .await;
    let by_id = chunks(&mut gw).await;
    assert_eq!(member_ids(&by_id[0]["d"]), [MEMBER_A.to_string()]);
    assert_eq!(by_id[0]["d"]["not_found"], json!([unknown.to_string()]));

    // A username prefix: at most 100.
    gw.send(json!({"op": 8, "d": {"guild_id": GUILD.to_string(), "query": "AL", "limit": 10}}))
        .await;
    let prefix = chunks(&mut gw).await;
    assert_eq!(member_ids(&prefix[0]["d"]), [MEMBER_A.to_string()]);
    gw.send(json!({"op": 8, "d": {"guild_id": GUILD.to_string(), "query": "user", "limit": 0}}))
        .await;
    let many = chunks(&mut gw).await;
    assert_eq!(many[0]["d"]["members"].as_array().unwrap().len(), 100);

    // Only the asking session hears the answer.
    sb.say(GUILD, GENERAL, MEMBER_A, "marker");
    other.until("MESSAGE_CREATE").await;
    assert!(other.seen.iter().all(|f| f["t"] != "GUILD_MEMBERS_CHUNK"));
    assert_eq!(sb.member_requests().len(), 4);
}

#[tokio::test]
async fn request_guild_members_needs_the_intents_discord_asks_for() {
    let sb = Sandbox::start(Seed::two_guilds()).await.unwrap();
    let mut gw = Gw::connect(&sb).await;
    gw.identify(&sb, ALL_INTENTS & !MEMBERS, [0, 2]).await;
    // The whole list without GUILD_MEMBERS: Discord sends nothing.
    gw.send(json!({"op": 8, "d": {"guild_id": GUILD.to_string(), "query": "", "limit": 0}}))
        .await;
    // A guild on the other shard: nothing either.
    gw.send(json!({"op": 8, "d": {"guild_id": OTHER_GUILD.to_string(), "user_ids": [MEMBER_A.to_string()], "limit": 0}}))
        .await;
    // Presences without GUILD_PRESENCES are false.
    gw.send(json!({"op": 8, "d": {"guild_id": GUILD.to_string(), "user_ids": [MEMBER_B.to_string()], "limit": 0, "presences": true, "nonce": "last"}}))
        .await;
    let chunk = gw.until("GUILD_MEMBERS_CHUNK").await;
    assert_eq!(
        chunk["d"]["nonce"], "last",
        "the first two got no answer: {chunk}"
    );
    assert!(chunk["d"].get("presences").is_none());
    let requests = sb.member_requests();
    assert_eq!(requests.len(), 3);
    assert!(
        matches!(&requests[0].answer, guildhall_sandbox::gateway::MemberRequestAnswer::Ignored(why) if why.contains("GUILD_MEMBERS"))
    );
    assert!(matches!(
        &requests[1].answer,
        guildhall_sandbox::gateway::MemberRequestAnswer::Ignored(_)
    ));

    let mut with = Gw::connect(&sb).await;
    with.identify(&sb, ALL_INTENTS | PRESENCES, [0, 2]).await;
    with.send(json!({"op": 8, "d": {"guild_id": GUILD.to_string(), "query": "", "limit": 0, "presences": true}}))
        .await;
    let chunk = with.until("GUILD_MEMBERS_CHUNK").await;
    assert_eq!(chunk["d"]["members"].as_array().unwrap().len(), 8);
    assert_eq!(chunk["d"]["presences"], json!([]), "everyone is offline");

    // Neither a query nor ids: an invalid payload closes the connection with 4001.
    with.send(json!({"op": 8, "d": {"guild_id": GUILD.to_string()}}))
        .await;
    assert_eq!(with.close_code().await, Some(4001));
}
