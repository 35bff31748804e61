//! Moderation as Discord records it: bulk delete (MESSAGE_DELETE_BULK, 2–100 ids, 14 days),
//! the audit log (entries, filters, 45 days, the grouping of message deletions), voice moves
//! and disconnects, the AFK channel, full role and channel updates, attachments and the embed
//! size limit.

use std::time::Duration;

use guildhall_core::clock::UnixMillis;
use guildhall_core::permissions::{Overwrite, OverwriteTarget, Permissions};
use guildhall_sandbox::ids::MessageId;
use guildhall_sandbox::model::ChannelKind;
use guildhall_sandbox::seed::small::*;
use guildhall_sandbox::{Sandbox, Seed, schema};
use reqwest::Method;
use serde_json::{Value, json};

use crate::common::{Gw, api};

const GUILDS: u64 = 1;
const GUILD_VOICE_STATES: u64 = 1 << 7;
const GUILD_MESSAGES: u64 = 1 << 9;
const MESSAGE_CONTENT: u64 = 1 << 15;

/// A bot call with an `X-Audit-Log-Reason` (percent-encoded, as clients send it).
async fn with_reason(
    sb: &Sandbox,
    method: Method,
    path: &str,
    body: Option<Value>,
    reason: &str,
) -> (u16, Value) {
    let mut request = reqwest::Client::new()
        .request(method, format!("{}/api/v10{path}", sb.api_base()))
        .header("Authorization", format!("Bot {}", sb.bot_token()))
        .header("X-Audit-Log-Reason", reason);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    let value = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap()
    };
    (status, value)
}

fn without(sb: &Sandbox, perm: Permissions) {
    sb.update_role(GUILD, GUILDHALL_ROLE, |r| {
        r.permissions = Permissions(r.permissions.0 & !perm.0);
    });
}

fn ago(days: u64) -> UnixMillis {
    UnixMillis::from_system_time(std::time::SystemTime::now())
        .minus(Duration::from_secs(days * 86_400))
}

fn form_error(body: &Value, path: &[&str]) -> String {
    let mut node = &body["errors"];
    for segment in path {
        node = &node[*segment];
    }
    node["_errors"][0]["code"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

fn ids(list: &[MessageId]) -> Vec<String> {
    list.iter().map(ToString::to_string).collect()
}

fn entries(sb: &Sandbox, action: u64) -> Vec<Value> {
    sb.audit_log(GUILD)
        .into_iter()
        .filter(|e| e["action_type"] == action)
        .collect()
}

#[tokio::test]
async fn bulk_delete_removes_the_messages_at_once_and_records_73() {
    let sb = Sandbox::start(Seed::small()).await.unwrap();
    let mut with_messages = Gw::connect(&sb).await;
    with_messages
        .identify(&sb, GUILDS | GUILD_MESSAGES, [0, 1])
        .await;
    let mut without_messages = Gw::connect(&sb).await;
    without_messages.identify(&sb, GUILDS, [0, 1]).await;

    let a = sb.say(GUILD, GENERAL, MEMBER_A, "one");
    let b = sb.say(GUILD, GENERAL, MEMBER_B, "two");
    let c = sb.say(GUILD, GENERAL, MEMBER_A, "three");
    let kept = sb.say(GUILD, GENERAL, MEMBER_A, "kept");
    let unknown = MessageId::new(c.get() + 1_000);
    let (status, body) = with_reason(
        &sb,
        Method::POST,
        &format!("/channels/{GENERAL}/messages/bulk-delete"),
        Some(json!({"messages": ids(&[a, b, c, unknown])})),
        "raid%20cleanup",
    )
    .await;
    assert_eq!(status, 204, "{body}");
    let left: Vec<MessageId> = sb.messages(GENERAL).iter().map(|m| m.id).collect();
    assert_eq!(left, [kept]);

    let event = with_messages.until("MESSAGE_DELETE_BULK").await;
    assert_eq!(
        event["d"],
        json!({"ids": ids(&[a, b, c]), "channel_id": GENERAL.to_string(), "guild_id": GUILD.to_string()})
    );
    // Only sessions with GUILD_MESSAGES see it (the channel update comes after it).
    sb.update_channel(GENERAL, |c| c.topic = Some("after".into()));
    without_messages.until("CHANNEL_UPDATE").await;
    assert!(
        !without_messages
            .seen
            .iter()
            .any(|f| f["t"] == "MESSAGE_DELETE_BULK" || f["t"] == "MESSAGE_DELETE"),
        "no message events without GUILD_MESSAGES"
    );

    let purges = entries(&sb, 73);
    assert_eq!(purges.len(), 1, "{purges:?}");
    assert_eq!(purges[0]["user_id"], BOT.to_string());
    assert_eq!(purges[0]["target_id"], GENERAL.to_string());
    assert_eq!(purges[0]["options"], json!({"count": "3"}));
    assert_eq!(purges[0]["reason"], "raid cleanup");
    assert!(entries(&sb, 72).is_empty(), "a bulk delete is not 72s");

    // Another bot purging with its client.
    let d = sb.say(GUILD, GENERAL, MEMBER_A, "four");
    let e = sb.say(GUILD, GENERAL, MEMBER_B, "five");
    assert_eq!(sb.bulk_delete(GENERAL, &[d, e, unknown], MOD_A), 2);
    let event = with_messages.until("MESSAGE_DELETE_BULK").await;
    assert_eq!(event["d"]["ids"], json!(ids(&[d, e])));
    let purges = entries(&sb, 73);
    assert_eq!(purges.len(), 2);
    assert_eq!(purges[0]["user_id"], MOD_A.to_string(), "newest first");
    assert_eq!(purges[0]["options"]["count"], "2");
}

#[tokio::test]
async fn bulk_delete_refuses_what_discord_refuses() {
    let sb = Sandbox::start(Seed::small()).await.unwrap();
    let path = format!("/channels/{GENERAL}/messages/bulk-delete");
    let a = sb.say(GUILD, GENERAL, MEMBER_A, "one");
    let b = sb.say(GUILD, GENERAL, MEMBER_A, "two");

    // 2 to 100 ids.
    let (status, _, body) = api(
        &sb,
        Method::POST,
        &path,
        Some(json!({"messages": ids(&[a])})),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_u64()),
        (400, Some(50035)),
        "{body}"
    );
    assert_eq!(
        form_error(&body, &["messages"]),
        "BASE_TYPE_MIN_LENGTH",
        "{body}"
    );
    let many: Vec<String> = (0..101).map(|i| (a.get() + i).to_string()).collect();
    let (status, _, body) = api(&sb, Method::POST, &path, Some(json!({"messages": many}))).await;
    assert_eq!(
        (status, body["code"].as_u64()),
        (400, Some(50035)),
        "{body}"
    );
    assert_eq!(
        form_error(&body, &["messages"]),
        "BASE_TYPE_MAX_LENGTH",
        "{body}"
    );
    // No duplicates.
    let (status, _, body) = api(
        &sb,
        Method::POST,
        &path,
        Some(json!({"messages": ids(&[a, a])})),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_u64()),
        (400, Some(50035)),
        "{body}"
    );
    assert_eq!(
        form_error(&body, &["messages", "1"]),
        "SET_TYPE_ALREADY_CONTAINS_VALUE",
        "{body}"
    );
    // One message over 14 days old refuses the whole request.
    let old = sb.say_at(GUILD, GENERAL, MEMBER_B, "old", ago(15));
    let recent = sb.say_at(GUILD, GENERAL, MEMBER_B, "recent", ago(13));
    let (status, _, body) = api(
        &sb,
        Method::POST,
        &path,
        Some(json!({"messages": ids(&[a, old])})),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_u64(), body["message"].as_str()),
        (
            400,
            Some(50034),
            Some("You can only bulk delete messages that are under 14 days old.")
        ),
        "{body}"
    );
    assert_eq!(sb.messages(GENERAL).len(), 4, "nothing was deleted");
    assert_eq!(
        sb.messages(GENERAL)[0].id,
        old,
        "backdated messages sit in order"
    );
    // Manage Messages in the channel.
    without(&sb, Permissions::MANAGE_MESSAGES);
    let (status, _, body) = api(
        &sb,
        Method::POST,
        &path,
        Some(json!({"messages": ids(&[a, b])})),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_u64(), body["message"].as_str()),
        (403, Some(50013), Some("Missing Permissions")),
        "{body}"
    );
    assert!(sb.audit_log(GUILD).iter().all(|e| e["action_type"] != 73));
    // Granted in the channel by an overwrite, it works (13 days old is fine).
    sb.update_channel(GENERAL, |c| {
        c.overwrites.push(Overwrite {
            target: OverwriteTarget::Member(BOT),
            allow: Permissions::MANAGE_MESSAGES,
            deny: Permissions::NONE,
        });
    });
    let (status, _, body) = api(
        &sb,
        Method::POST,
        &path,
        Some(json!({"messages": ids(&[a, b, recent])})),
    )
    .await;
    assert_eq!(status, 204, "{body}");
    assert_eq!(sb.messages(GENERAL).len(), 1);
}

#[tokio::test]
async fn message_deletions_by_others_are_72s_grouped_as_discord_groups_them() {
    let sb = Sandbox::start(Seed::small()).await.unwrap();
    // Deleting one's own message: no entry.
    let own = sb.say(GUILD, GENERAL, MEMBER_A, "mine");
    sb.delete(GENERAL, own);
    let bots = api(
        &sb,
        Method::POST,
        &format!("/channels/{GENERAL}/messages"),
        Some(json!({"content": "bot"})),
    )
    .await;
    let bots: u64 = bots.2["id"].as_str().unwrap().parse().unwrap();
    let (status, _, _) = api(
        &sb,
        Method::DELETE,
        &format!("/channels/{GENERAL}/messages/{bots}"),
        None,
    )
    .await;
    assert_eq!(status, 204);
    assert!(sb.audit_log(GUILD).is_empty(), "{:?}", sb.audit_log(GUILD));

    // A moderator deletes two of alice's messages in general: one entry, count 2.
    let m1 = sb.say(GUILD, GENERAL, MEMBER_A, "spam 1");
    let m2 = sb.say(GUILD, GENERAL, MEMBER_A, "spam 2");
    sb.delete_as(GENERAL, m1, MOD_A);
    sb.delete_as(GENERAL, m2, MOD_A);
    let deletes = entries(&sb, 72);
    assert_eq!(deletes.len(), 1, "{deletes:?}");
    assert_eq!(deletes[0]["user_id"], MOD_A.to_string());
    assert_eq!(deletes[0]["target_id"], MEMBER_A.to_string());
    assert_eq!(
        deletes[0]["options"],
        json!({"channel_id": GENERAL.to_string(), "count": "2"})
    );
    // Another channel, another author or another actor: entries of their own.
    let m3 = sb.say(GUILD, MOD_LOG, MEMBER_A, "elsewhere");
    sb.delete_as(MOD_LOG, m3, MOD_A);
    let m4 = sb.say(GUILD, GENERAL, MEMBER_B, "bob");
    sb.delete_as(GENERAL, m4, MOD_A);
    let m5 = sb.say(GUILD, GENERAL, MEMBER_A, "again");
    sb.delete_as(GENERAL, m5, MOD_B);
    assert_eq!(entries(&sb, 72).len(), 4);
    // After five minutes, the next deletion starts a new entry.
    sb.age_audit_log(GUILD, Duration::from_secs(6 * 60));
    let m6 = sb.say(GUILD, GENERAL, MEMBER_A, "later");
    sb.delete_as(GENERAL, m6, MOD_A);
    let deletes = entries(&sb, 72);
    assert_eq!(deletes.len(), 5);
    assert_eq!(deletes[0]["options"]["count"], "1", "{deletes:?}");
    // Within five minutes of that one, it counts up again.
    let m7 = sb.say(GUILD, GENERAL, MEMBER_A, "more");
    sb.delete_as(GENERAL, m7, MOD_A);
    assert_eq!(entries(&sb, 72)[0]["options"]["count"], "2");

    // The bot deleting alice's message through REST: user_id is the bot, with the reason.
    let m8 = sb.say(GUILD, GENERAL, MEMBER_A, "rude");
    let (status, _) = with_reason(
        &sb,
        Method::DELETE,
        &format!("/channels/{GENERAL}/messages/{m8}"),
        None,
        "rude",
    )
    .await;
    assert_eq!(status, 204);
    let newest = &entries(&sb, 72)[0];
    assert_eq!(newest["user_id"], BOT.to_string());
    assert_eq!(newest["target_id"], MEMBER_A.to_string());
    assert_eq!(newest["reason"], "rude");
}

#[tokio::test]
async fn the_audit_log_route_filters_pages_and_answers_discords_object() {
    let sb = Sandbox::start(Seed::small()).await.unwrap();
    let path = format!("/guilds/{GUILD}/audit-logs");
    for n in 0..3 {
        let m = sb.say(GUILD, GENERAL, MEMBER_A, &format!("m{n}"));
        sb.delete_as(GENERAL, m, if n == 0 { MOD_A } else { MOD_B });
    }
    let m = sb.say(GUILD, GENERAL, MEMBER_B, "x");
    sb.delete_as(GENERAL, m, MOD_A);
    let (status, _) = with_reason(
        &sb,
        Method::DELETE,
        &format!("/guilds/{GUILD}/members/{MEMBER_C}"),
        None,
        "bye",
    )
    .await;
    assert_eq!(status, 204);

    let (status, _, body) = api(&sb, Method::GET, &path, None).await;
    assert_eq!(status, 200, "{body}");
    let spec = schema::spec();
    let schema = spec
        .response_schema("/guilds/{guild_id}/audit-logs", "GET", 200)
        .unwrap();
    assert_eq!(spec.validate(&body, schema), Vec::<String>::new());
    for key in [
        "integrations",
        "webhooks",
        "guild_scheduled_events",
        "threads",
        "application_commands",
        "auto_moderation_rules",
    ] {
        assert_eq!(body[key], json!([]), "{key}");
    }
    let list = body["audit_log_entries"].as_array().unwrap();
    assert_eq!(list.len(), 4, "{body}");
    assert_eq!(list[0]["action_type"], 20, "newest first");
    assert_eq!(list[0]["target_id"], MEMBER_C.to_string());
    assert_eq!(list[0]["reason"], "bye");
    let ids: Vec<u64> = list
        .iter()
        .map(|e| e["id"].as_str().unwrap().parse().unwrap())
        .collect();
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "{ids:?}");
    let users: Vec<&str> = body["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_str().unwrap())
        .collect();
    for user in [BOT, MOD_A, MOD_B, MEMBER_A, MEMBER_B, MEMBER_C] {
        assert!(
            users.contains(&user.to_string().as_str()),
            "{user} in {users:?}"
        );
    }

    // Filters.
    let (_, _, body) = api(
        &sb,
        Method::GET,
        &format!("{path}?action_type=72&user_id={MOD_A}"),
        None,
    )
    .await;
    let list = body["audit_log_entries"].as_array().unwrap();
    assert_eq!(list.len(), 2, "{body}");
    assert!(
        list.iter()
            .all(|e| e["user_id"] == MOD_A.to_string() && e["action_type"] == 72)
    );
    let (_, _, body) = api(
        &sb,
        Method::GET,
        &format!("{path}?target_id={MEMBER_B}"),
        None,
    )
    .await;
    assert_eq!(
        body["audit_log_entries"].as_array().unwrap().len(),
        1,
        "{body}"
    );
    let (_, _, body) = api(&sb, Method::GET, &format!("{path}?limit=2"), None).await;
    assert_eq!(body["audit_log_entries"][1]["id"], ids[1].to_string());
    let (_, _, body) = api(&sb, Method::GET, &format!("{path}?before={}", ids[1]), None).await;
    let page: Vec<&Value> = body["audit_log_entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["id"])
        .collect();
    assert_eq!(
        page,
        [&json!(ids[2].to_string()), &json!(ids[3].to_string())]
    );
    let (_, _, body) = api(
        &sb,
        Method::GET,
        &format!("{path}?after={}&limit=2", ids[3]),
        None,
    )
    .await;
    let page: Vec<&Value> = body["audit_log_entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["id"])
        .collect();
    assert_eq!(
        page,
        [&json!(ids[1].to_string()), &json!(ids[2].to_string())],
        "the two just after, newest first"
    );

    // limit is 1 to 100.
    for limit in ["0", "101"] {
        let (status, _, body) = api(&sb, Method::GET, &format!("{path}?limit={limit}"), None).await;
        assert_eq!(
            (status, body["code"].as_u64()),
            (400, Some(50035)),
            "limit={limit}: {body}"
        );
    }

    // Entries older than 45 days are gone.
    sb.age_audit_log(GUILD, Duration::from_secs(46 * 86_400));
    let (_, _, body) = api(&sb, Method::GET, &path, None).await;
    assert_eq!(body["audit_log_entries"], json!([]), "{body}");
    assert!(sb.audit_log(GUILD).is_empty());

    // View Audit Log.
    without(&sb, Permissions::VIEW_AUDIT_LOG);
    let (status, _, body) = api(&sb, Method::GET, &path, None).await;
    assert_eq!(
        (status, body["code"].as_u64()),
        (403, Some(50013)),
        "{body}"
    );
}

#[tokio::test]
async fn what_the_bot_does_through_rest_is_in_the_audit_log_with_its_reason() {
    let sb = Sandbox::start(Seed::small()).await.unwrap();
    let g = GUILD;
    let call = |method: Method, path: String, body: Option<Value>| {
        let sb = sb.clone();
        async move { with_reason(&sb, method, &path, body, "by%20the%20book").await }
    };
    assert_eq!(
        call(
            Method::PUT,
            format!("/guilds/{g}/bans/{MEMBER_C}"),
            Some(json!({}))
        )
        .await
        .0,
        204
    );
    assert_eq!(
        call(Method::DELETE, format!("/guilds/{g}/bans/{MEMBER_C}"), None)
            .await
            .0,
        204
    );
    let (status, body) = call(
        Method::PATCH,
        format!("/guilds/{g}/members/{MEMBER_A}"),
        Some(json!({"nick": "Al", "roles": [MOD_ROLE.to_string()]})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        call(
            Method::DELETE,
            format!("/guilds/{g}/members/{MEMBER_B}/roles/{MEMBER_ROLE}"),
            None
        )
        .await
        .0,
        204
    );
    let (status, role) = call(
        Method::POST,
        format!("/guilds/{g}/roles"),
        Some(json!({"name": "Helpers"})),
    )
    .await;
    assert_eq!(status, 200, "{role}");
    let role = role["id"].as_str().unwrap().to_owned();
    assert_eq!(
        call(
            Method::PATCH,
            format!("/guilds/{g}/roles/{role}"),
            Some(json!({"name": "Helpers+", "hoist": true}))
        )
        .await
        .0,
        200
    );
    let (status, channel) = call(
        Method::POST,
        format!("/guilds/{g}/channels"),
        Some(json!({"name": "mods", "type": 0})),
    )
    .await;
    assert_eq!(status, 201, "{channel}");
    let channel = channel["id"].as_str().unwrap().to_owned();
    assert_eq!(
        call(
            Method::PATCH,
            format!("/channels/{channel}"),
            Some(json!({"topic": "quiet"}))
        )
        .await
        .0,
        200
    );
    let overwrite = format!("/channels/{channel}/permissions/{role}");
    assert_eq!(
        call(
            Method::PUT,
            overwrite.clone(),
            Some(json!({"type": 0, "allow": "1024"}))
        )
        .await
        .0,
        204
    );
    assert_eq!(
        call(
            Method::PUT,
            overwrite.clone(),
            Some(json!({"type": 0, "allow": "3072"}))
        )
        .await
        .0,
        204
    );
    assert_eq!(call(Method::DELETE, overwrite, None).await.0, 204);
    assert_eq!(
        call(Method::DELETE, format!("/channels/{channel}"), None)
            .await
            .0,
        200
    );
    assert_eq!(
        call(Method::DELETE, format!("/guilds/{g}/roles/{role}"), None)
            .await
            .0,
        204
    );

    let log = sb.audit_log(g);
    let actions: Vec<u64> = log
        .iter()
        .rev()
        .map(|e| e["action_type"].as_u64().unwrap())
        .collect();
    assert_eq!(
        actions,
        [22, 23, 24, 25, 25, 30, 31, 10, 11, 13, 14, 15, 12, 32],
        "{log:#?}"
    );
    assert!(
        log.iter()
            .all(|e| e["reason"] == "by the book" && e["user_id"] == BOT.to_string())
    );
    let find = |action: u64| {
        log.iter()
            .rev()
            .find(|e| e["action_type"] == action)
            .unwrap()
            .clone()
    };
    assert_eq!(find(22)["target_id"], MEMBER_C.to_string());
    assert_eq!(
        find(24)["changes"],
        json!([{"key": "nick", "new_value": "Al"}])
    );
    let roles = find(25);
    assert_eq!(roles["target_id"], MEMBER_A.to_string());
    assert_eq!(
        roles["changes"],
        json!([
            {"key": "$add", "new_value": [{"id": MOD_ROLE.to_string(), "name": "Moderator"}]},
            {"key": "$remove", "new_value": [{"id": MEMBER_ROLE.to_string(), "name": "Member"}]},
        ])
    );
    let removed = log
        .iter()
        .find(|e| e["action_type"] == 25 && e["target_id"] == MEMBER_B.to_string())
        .unwrap();
    assert_eq!(removed["changes"][0]["key"], "$remove");
    assert_eq!(
        find(31)["changes"],
        json!([{"key": "name", "old_value": "Helpers", "new_value": "Helpers+"}, {"key": "hoist", "old_value": false, "new_value": true}])
    );
    assert_eq!(
        find(11)["changes"],
        json!([{"key": "topic", "new_value": "quiet"}])
    );
    assert_eq!(
        find(13)["options"],
        json!({"id": role, "type": "0", "role_name": "Helpers+"})
    );
    assert_eq!(find(13)["target_id"], channel);
    assert_eq!(
        find(14)["changes"],
        json!([{"key": "allow", "old_value": "1024", "new_value": "3072"}])
    );
    let spec = schema::spec();
    let schema = spec
        .response_schema("/guilds/{guild_id}/audit-logs", "GET", 200)
        .unwrap();
    let (_, _, body) = api(
        &sb,
        Method::GET,
        &format!("/guilds/{g}/audit-logs?limit=100"),
        None,
    )
    .await;
    assert_eq!(spec.validate(&body, schema), Vec::<String>::new());
}

#[tokio::test]
async fn the_bot_moves_and_disconnects_members_as_discord_allows() {
    let sb = Sandbox::start(Seed::small()).await.unwrap();
    let mut gw = Gw::connect(&sb).await;
    gw.identify(&sb, GUILDS | GUILD_VOICE_STATES, [0, 1]).await;
    let games = sb.create_channel(GUILD, "Games", ChannelKind::Voice);
    let stage = sb.create_channel(GUILD, "Stage", ChannelKind::Stage);
    let member = |user| format!("/guilds/{GUILD}/members/{user}");
    sb.voice_join(GUILD, VOICE, MEMBER_A);
    let joined = gw.until("VOICE_STATE_UPDATE").await;

    // Not connected: 40032.
    let (status, _, body) = api(
        &sb,
        Method::PATCH,
        &member(MEMBER_B),
        Some(json!({"channel_id": games.to_string()})),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_u64(), body["message"].as_str()),
        (
            400,
            Some(40032),
            Some("Target user is not connected to voice.")
        ),
        "{body}"
    );
    // Not a voice channel of the guild: 50035.
    for target in [
        GENERAL.to_string(),
        OTHER_GENERAL.to_string(),
        "12345".into(),
    ] {
        let (status, _, body) = api(
            &sb,
            Method::PATCH,
            &member(MEMBER_A),
            Some(json!({"channel_id": target})),
        )
        .await;
        assert_eq!(
            (status, body["code"].as_u64()),
            (400, Some(50035)),
            "{target}: {body}"
        );
    }
    // The bot must be able to connect to the target.
    sb.update_channel(games, |c| {
        c.overwrites.push(Overwrite {
            target: OverwriteTarget::Member(BOT),
            allow: Permissions::NONE,
            deny: Permissions::CONNECT,
        });
    });
    let (status, _, body) = api(
        &sb,
        Method::PATCH,
        &member(MEMBER_A),
        Some(json!({"channel_id": games.to_string()})),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_u64()),
        (403, Some(50013)),
        "{body}"
    );
    sb.update_channel(games, |c| c.overwrites.clear());
    assert_eq!(sb.voice_channel_of(GUILD, MEMBER_A), Some(VOICE));

    // A move, with a nickname in the same request.
    let (status, _, body) = api(
        &sb,
        Method::PATCH,
        &member(MEMBER_A),
        Some(json!({"channel_id": games.to_string(), "nick": "Ali"})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["nick"], "Ali");
    assert_eq!(sb.voice_channel_of(GUILD, MEMBER_A), Some(games));
    let moved = gw.until("VOICE_STATE_UPDATE").await;
    assert_eq!(moved["d"]["channel_id"], games.to_string());
    assert_eq!(
        moved["d"]["session_id"], joined["d"]["session_id"],
        "the same voice session"
    );
    let moves = entries(&sb, 26);
    assert_eq!(moves.len(), 1);
    assert_eq!(
        moves[0]["options"],
        json!({"channel_id": games.to_string(), "count": "1"})
    );
    assert_eq!(entries(&sb, 24).len(), 1, "the nickname has its own entry");
    // Into a stage channel too.
    let (status, _, body) = api(
        &sb,
        Method::PATCH,
        &member(MEMBER_A),
        Some(json!({"channel_id": stage.to_string()})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(sb.voice_channel_of(GUILD, MEMBER_A), Some(stage));
    let staged = gw.until("VOICE_STATE_UPDATE").await;
    assert_eq!(staged["d"]["channel_id"], stage.to_string());

    // A disconnect, as voice_leave sends it.
    let (status, _, body) = api(
        &sb,
        Method::PATCH,
        &member(MEMBER_A),
        Some(json!({"channel_id": null})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(sb.voice_channel_of(GUILD, MEMBER_A), None);
    let left = gw.until("VOICE_STATE_UPDATE").await;
    assert_eq!(left["d"]["channel_id"], Value::Null);
    assert_eq!(left["d"]["user_id"], MEMBER_A.to_string());
    assert_eq!(entries(&sb, 27)[0]["options"], json!({"count": "1"}));

    // Move Members.
    sb.voice_join(GUILD, VOICE, MEMBER_B);
    without(&sb, Permissions::MOVE_MEMBERS);
    for target in [json!(games.to_string()), Value::Null] {
        let (status, _, body) = api(
            &sb,
            Method::PATCH,
            &member(MEMBER_B),
            Some(json!({"channel_id": target})),
        )
        .await;
        assert_eq!(
            (status, body["code"].as_u64()),
            (403, Some(50013)),
            "{body}"
        );
    }
    assert_eq!(sb.voice_channel_of(GUILD, MEMBER_B), Some(VOICE));
}

#[tokio::test]
async fn the_afk_channel_is_in_guild_create_get_guild_and_guild_update() {
    let sb = Sandbox::start(Seed::small()).await.unwrap();
    let (_, _, guild) = api(&sb, Method::GET, &format!("/guilds/{GUILD}"), None).await;
    assert_eq!(
        (
            guild["afk_channel_id"].clone(),
            guild["afk_timeout"].clone()
        ),
        (Value::Null, json!(300))
    );
    let mut gw = Gw::connect(&sb).await;
    gw.identify(&sb, GUILDS, [0, 1]).await;
    gw.until("GUILD_CREATE").await;

    sb.set_afk_channel(GUILD, Some(VOICE));
    let update = gw.until("GUILD_UPDATE").await;
    assert_eq!(update["d"]["afk_channel_id"], VOICE.to_string());
    sb.set_afk_timeout(GUILD, 900);
    let update = gw.until("GUILD_UPDATE").await;
    assert_eq!(update["d"]["afk_timeout"], 900);
    let (_, _, guild) = api(&sb, Method::GET, &format!("/guilds/{GUILD}"), None).await;
    assert_eq!(guild["afk_channel_id"], VOICE.to_string());
    assert_eq!(guild["afk_timeout"], 900);
    let mut again = Gw::connect(&sb).await;
    again.identify(&sb, GUILDS, [0, 1]).await;
    let create = again.until("GUILD_CREATE").await;
    assert_eq!(create["d"]["afk_channel_id"], VOICE.to_string());
    assert_eq!(create["d"]["afk_timeout"], 900);

    sb.set_afk_channel(GUILD, None);
    let update = gw.until("GUILD_UPDATE").await;
    assert_eq!(update["d"]["afk_channel_id"], Value::Null);
    // Deleting the AFK channel clears it.
    sb.set_afk_channel(GUILD, Some(VOICE));
    sb.delete_channel(VOICE);
    assert_eq!(sb.guild(GUILD).unwrap().afk_channel, None);
}

#[tokio::test]
async fn role_and_channel_updates_carry_the_whole_object() {
    let sb = Sandbox::start(Seed::small()).await.unwrap();
    let mut gw = Gw::connect(&sb).await;
    gw.identify(&sb, GUILDS, [0, 1]).await;
    sb.update_role(GUILD, MOD_ROLE, |r| {
        r.name = "Mods".into();
        r.colour = 0x123456;
        r.hoist = false;
        r.mentionable = false;
        r.position = 4;
        r.permissions = Permissions::KICK_MEMBERS;
    });
    let role = gw.until("GUILD_ROLE_UPDATE").await["d"]["role"].clone();
    assert_eq!(role["name"], "Mods");
    assert_eq!(role["color"], 0x123456);
    assert_eq!(role["hoist"], false);
    assert_eq!(role["mentionable"], false);
    assert_eq!(role["position"], 4);
    assert_eq!(role["managed"], false);
    assert_eq!(role["permissions"], Permissions::KICK_MEMBERS.0.to_string());

    sb.update_channel(GENERAL, |c| {
        c.topic = Some("rules first".into());
        c.nsfw = true;
        c.rate_limit_per_user = 10;
        c.position = 7;
        c.parent = None;
        c.overwrites = vec![Overwrite {
            target: OverwriteTarget::Role(EVERYONE),
            allow: Permissions::NONE,
            deny: Permissions::SEND_MESSAGES,
        }];
    });
    let channel = gw.until("CHANNEL_UPDATE").await["d"].clone();
    assert_eq!(channel["topic"], "rules first");
    assert_eq!(channel["nsfw"], true);
    assert_eq!(channel["rate_limit_per_user"], 10);
    assert_eq!(channel["position"], 7);
    assert_eq!(channel["parent_id"], Value::Null);
    assert_eq!(
        channel["permission_overwrites"],
        json!([{"id": EVERYONE.to_string(), "type": 0, "allow": "0", "deny": Permissions::SEND_MESSAGES.0.to_string()}])
    );

    sb.update_channel(VOICE, |c| {
        c.bitrate = 96_000;
        c.user_limit = 5;
        c.parent = Some(CATEGORY);
    });
    let voice = gw.until("CHANNEL_UPDATE").await["d"].clone();
    assert_eq!(
        (voice["bitrate"].clone(), voice["user_limit"].clone()),
        (json!(96_000), json!(5))
    );
    assert_eq!(voice["parent_id"], CATEGORY.to_string());
    // PATCH sets them too.
    let (status, _, body) = api(
        &sb,
        Method::PATCH,
        &format!("/channels/{VOICE}"),
        Some(json!({"bitrate": 64_000, "user_limit": 10})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (body["bitrate"].clone(), body["user_limit"].clone()),
        (json!(64_000), json!(10))
    );
}

#[tokio::test]
async fn members_post_files_and_the_bot_uploads_them_with_multipart() {
    let sb = Sandbox::start(Seed::small()).await.unwrap();
    let mut gw = Gw::connect(&sb).await;
    gw.identify(&sb, GUILDS | GUILD_MESSAGES | MESSAGE_CONTENT, [0, 1])
        .await;
    let id = sb.say_with_files(GUILD, GENERAL, MEMBER_A, "look", &["cat.png", "notes.txt"]);
    let created = gw.until("MESSAGE_CREATE").await["d"].clone();
    let attachments = created["attachments"].as_array().unwrap();
    assert_eq!(attachments.len(), 2);
    assert_eq!(attachments[0]["filename"], "cat.png");
    assert_eq!(attachments[0]["size"], "cat.png".len());
    for a in attachments {
        for key in ["id", "url", "proxy_url"] {
            assert!(a[key].is_string(), "{key}: {a}");
        }
    }
    assert_eq!(
        sb.attachment_bytes(GENERAL, id, "notes.txt").unwrap(),
        b"notes.txt"
    );
    assert_eq!(sb.attachment_bytes(GENERAL, id, "missing.txt"), None);
    let url = attachments[1]["url"].as_str().unwrap();
    let served = reqwest::get(url).await.unwrap();
    assert_eq!(served.status().as_u16(), 200);
    assert_eq!(served.bytes().await.unwrap().as_ref(), b"notes.txt");

    // The bot uploads with multipart/form-data: payload_json and files[n], binary intact.
    let bytes: Vec<u8> = vec![0x89, b'P', b'N', b'G', 0x00, 0xff, 0xfe, b'\r', b'\n', 0x01];
    let mut form = Vec::new();
    form.extend_from_slice(b"--B\r\nContent-Disposition: form-data; name=\"payload_json\"\r\nContent-Type: application/json\r\n\r\n");
    form.extend_from_slice(br#"{"content":"report","attachments":[{"id":0,"filename":"chart.png","description":"a chart"}]}"#);
    form.extend_from_slice(b"\r\n--B\r\nContent-Disposition: form-data; name=\"files[0]\"; filename=\"upload.png\"\r\nContent-Type: image/png\r\n\r\n");
    form.extend_from_slice(&bytes);
    form.extend_from_slice(b"\r\n--B\r\nContent-Disposition: form-data; name=\"files[1]\"; filename=\"log.txt\"\r\n\r\nhello\r\n--B--\r\n");
    let response = reqwest::Client::new()
        .post(format!(
            "{}/api/v10/channels/{GENERAL}/messages",
            sb.api_base()
        ))
        .header("Authorization", format!("Bot {}", sb.bot_token()))
        .header("Content-Type", "multipart/form-data; boundary=B")
        .body(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let message: Value = response.json().await.unwrap();
    let spec = schema::spec();
    let schema = spec
        .response_schema("/channels/{channel_id}/messages", "POST", 200)
        .unwrap();
    assert_eq!(spec.validate(&message, schema), Vec::<String>::new());
    assert_eq!(message["content"], "report");
    let list = message["attachments"].as_array().unwrap();
    let names: Vec<(&str, u64)> = list
        .iter()
        .map(|a| (a["filename"].as_str().unwrap(), a["size"].as_u64().unwrap()))
        .collect();
    assert_eq!(names, [("chart.png", bytes.len() as u64), ("log.txt", 5)]);
    assert_eq!(list[0]["content_type"], "image/png");
    assert_eq!(list[0]["description"], "a chart");
    let posted: MessageId = message["id"].as_str().unwrap().parse().unwrap();
    assert_eq!(
        sb.attachment_bytes(GENERAL, posted, "chart.png").unwrap(),
        bytes
    );

    // Files alone are a message; without Attach Files they are refused.
    without(&sb, Permissions::ATTACH_FILES);
    sb.update_role(GUILD, EVERYONE, |r| {
        r.permissions = Permissions(r.permissions.0 & !Permissions::ATTACH_FILES.0)
    });
    let form = "--B\r\nContent-Disposition: form-data; name=\"files[0]\"; filename=\"a.txt\"\r\n\r\nhi\r\n--B--\r\n";
    let response = reqwest::Client::new()
        .post(format!(
            "{}/api/v10/channels/{GENERAL}/messages",
            sb.api_base()
        ))
        .header("Authorization", format!("Bot {}", sb.bot_token()))
        .header("Content-Type", "multipart/form-data; boundary=B")
        .body(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 403);
}

#[tokio::test]
async fn embeds_beyond_discords_limits_are_refused() {
    let sb = Sandbox::start(Seed::small()).await.unwrap();
    let path = format!("/channels/{GENERAL}/messages");
    let field = |n: usize| json!({"name": "n", "value": "v".repeat(n)});
    let cases: Vec<(Value, Vec<&str>, &str)> = vec![
        (
            json!({"embeds": vec![json!({"title": "t"}); 11]}),
            vec!["embeds"],
            "BASE_TYPE_MAX_LENGTH",
        ),
        (
            json!({"embeds": [{"title": "t".repeat(257)}]}),
            vec!["embeds", "0", "title"],
            "BASE_TYPE_MAX_LENGTH",
        ),
        (
            json!({"embeds": [{"description": "d".repeat(4097)}]}),
            vec!["embeds", "0", "description"],
            "BASE_TYPE_MAX_LENGTH",
        ),
        (
            json!({"embeds": [{"fields": vec![field(1); 26]}]}),
            vec!["embeds", "0", "fields"],
            "BASE_TYPE_MAX_LENGTH",
        ),
        // 4096 + 1024 + 1024 > 6000 in one embed, and across two.
        (
            json!({"embeds": [{"description": "d".repeat(4096), "fields": [field(1024), field(1024)]}]}),
            vec!["embeds"],
            "MAX_EMBED_SIZE_EXCEEDED",
        ),
        (
            json!({"embeds": [{"description": "d".repeat(4000)}, {"description": "d".repeat(2001)}]}),
            vec!["embeds"],
            "MAX_EMBED_SIZE_EXCEEDED",
        ),
    ];
    for (body, at, code) in cases {
        let (status, _, response) = api(&sb, Method::POST, &path, Some(body)).await;
        assert_eq!(
            (status, response["code"].as_u64()),
            (400, Some(50035)),
            "{response}"
        );
        assert_eq!(form_error(&response, &at), code, "{response}");
    }
    assert!(sb.messages(GENERAL).is_empty());
    // Exactly 6000 (whitespace around text does not count) is fine.
    let (status, _, response) = api(
        &sb,
        Method::POST,
        &path,
        Some(json!({"embeds": [{"description": "d".repeat(4000)}, {"description": format!("  {}  ", "d".repeat(2000))}]})),
    )
    .await;
    assert_eq!(status, 200, "{response}");
    // Interaction replies are held to the same limit.
    let i = sb.slash(GUILD, GENERAL, MEMBER_A, "ping", vec![]);
    let (status, _, response) = api(
        &sb,
        Method::POST,
        &format!("/interactions/{}/{}/callback", i.id, i.token),
        Some(json!({"type": 4, "data": {"embeds": [{"description": "d".repeat(4096)}, {"description": "d".repeat(2000)}]}})),
    )
    .await;
    assert_eq!(
        (status, response["code"].as_u64()),
        (400, Some(50035)),
        "{response}"
    );
    assert_eq!(
        form_error(&response, &["data", "embeds"]),
        "MAX_EMBED_SIZE_EXCEEDED"
    );
}

#[tokio::test]
async fn invites_are_listed_with_their_uses_to_a_bot_with_manage_server() {
    let sb = Sandbox::start(Seed::small()).await.unwrap();
    sb.update_role(GUILD, GUILDHALL_ROLE, |r| {
        r.permissions |= Permissions::MANAGE_GUILD;
    });
    let code = sb.create_invite(GUILD, GENERAL, MOD_A);
    sb.create_invite(GUILD, GENERAL, OWNER);
    sb.member_join_via(GUILD, guildhall_sandbox::UserSpec::named("newbie"), &code);
    let path = format!("/guilds/{GUILD}/invites");
    let (status, _, body) = api(&sb, Method::GET, &path, None).await;
    assert_eq!(status, 200, "{body}");
    let spec = schema::spec();
    let schema = spec
        .response_schema("/guilds/{guild_id}/invites", "GET", 200)
        .unwrap();
    assert_eq!(spec.validate(&body, schema), Vec::<String>::new());
    let listed = body.as_array().unwrap();
    assert_eq!(listed.len(), 2);
    let used = listed.iter().find(|i| i["code"] == code.as_str()).unwrap();
    assert_eq!(used["uses"], 1);
    assert_eq!(used["inviter"]["id"], MOD_A.to_string());
    // Without Manage Server: 403 50013, as Discord answers.
    without(&sb, Permissions::MANAGE_GUILD | Permissions::ADMINISTRATOR);
    let (status, _, body) = api(&sb, Method::GET, &path, None).await;
    assert_eq!(
        (status, body["code"].as_i64()),
        (403, Some(50013)),
        "{body}"
    );
}
