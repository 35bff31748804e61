//! Premium: SKUs, entitlements (REST, events, interactions) and channel webhooks, as Discord
//! documents them, every payload checked against serenity's types.

use std::time::Duration;

use guildhall_core::permissions::Permissions;
use guildhall_sandbox::seed::small::*;
use guildhall_sandbox::{Sandbox, Seed};
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use serenity::model::monetization::{Entitlement, Sku};
use serenity::model::prelude::{Message, Webhook};

use crate::common::{ALL_INTENTS, Gw, api, call};
use crate::payloads::check_frame;

fn typed<T: DeserializeOwned>(value: &Value) -> T {
    match serde_json::from_value::<T>(value.clone()) {
        Ok(v) => v,
        Err(error) => panic!("not a {}: {error}\n{value:#}", std::any::type_name::<T>()),
    }
}

fn assert_form_error(status: u16, body: &Value, field: &str, code: &str) {
    assert_eq!(
        (status, body["code"].as_u64()),
        (400, Some(50035)),
        "{body}"
    );
    let errors = &body["errors"][field]["_errors"];
    assert!(
        errors
            .as_array()
            .is_some_and(|l| l.iter().any(|e| e["code"] == code)),
        "no {code} at {field}: {body}"
    );
}

#[tokio::test]
async fn skus_list_the_subscription_and_its_group() {
    let sb = Sandbox::start(Seed::small()).await.unwrap();
    let app = sb.application_id();
    assert_eq!(sb.premium_sku(), Some(PREMIUM_SKU));
    let (status, _, body) = api(&sb, Method::GET, &format!("/applications/{app}/skus"), None).await;
    assert_eq!(status, 200, "{body}");
    let skus: Vec<Sku> = typed(&body);
    assert_eq!(skus.len(), 2);
    assert_eq!(
        u8::from(skus[0].kind.clone()),
        6,
        "the SUBSCRIPTION_GROUP comes first"
    );
    assert_eq!(skus[1].id.get(), PREMIUM_SKU);
    assert_eq!(u8::from(skus[1].kind.clone()), 5);
    assert_eq!(skus[1].flags.bits(), 132);
    assert_eq!(skus[1].name, "Guildhall Premium");
    assert_eq!(skus[1].slug, "guildhall-premium");
    assert_eq!(skus[1].application_id.get(), app);

    // Another application's SKUs; no token.
    let (status, _, body) = api(&sb, Method::GET, "/applications/12345/skus", None).await;
    assert_eq!(
        (status, body["code"].as_u64()),
        (404, Some(10002)),
        "{body}"
    );
    let (status, _, _) = call(
        &sb,
        Method::GET,
        &format!("/applications/{app}/skus"),
        None,
        None,
    )
    .await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn a_test_entitlement_is_created_listed_and_deleted_with_events() {
    let sb = Sandbox::start(Seed::small()).await.unwrap();
    let app = sb.application_id();
    let mut gw = Gw::connect(&sb).await;
    // No intents at all: entitlement events are sent anyway.
    gw.identify(&sb, 0, [0, 1]).await;
    let path = format!("/applications/{app}/entitlements");

    // serenity's body: the SKU as a string, the owner as a number.
    let (status, _, body) = api(
        &sb,
        Method::POST,
        &path,
        Some(json!({"sku_id": PREMIUM_SKU.to_string(), "owner_id": GUILD.get(), "owner_type": 1})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let created: Entitlement = typed(&body);
    assert_eq!(created.guild_id.map(|g| g.get()), Some(GUILD.get()));
    assert!(!created.deleted);
    for absent in ["starts_at", "ends_at", "subscription_id"] {
        assert!(body.get(absent).is_none(), "partial: no {absent}: {body}");
    }
    let frame = gw.until("ENTITLEMENT_CREATE").await;
    check_frame(&frame);
    assert_eq!(frame["d"]["id"], body["id"]);

    // Granted already; unknown SKU, guild, user.
    let (status, _, again) = api(
        &sb,
        Method::POST,
        &path,
        Some(json!({"sku_id": PREMIUM_SKU.to_string(), "owner_id": GUILD.to_string(), "owner_type": 1})),
    )
    .await;
    assert_eq!(
        (status, again["code"].as_u64()),
        (400, Some(40074)),
        "{again}"
    );
    for (body, code) in [
        (
            json!({"sku_id": "1", "owner_id": GUILD.to_string(), "owner_type": 1}),
            10027,
        ),
        (
            json!({"sku_id": PREMIUM_SKU.to_string(), "owner_id": "1", "owner_type": 1}),
            10004,
        ),
        (
            json!({"sku_id": PREMIUM_SKU.to_string(), "owner_id": "1", "owner_type": 2}),
            10013,
        ),
    ] {
        let (status, _, answer) = api(&sb, Method::POST, &path, Some(body)).await;
        assert_eq!(
            (status, answer["code"].as_u64()),
            (404, Some(code)),
            "{answer}"
        );
    }
    let (status, _, answer) = api(
        &sb,
        Method::POST,
        &path,
        Some(json!({"sku_id": PREMIUM_SKU.to_string(), "owner_type": 1})),
    )
    .await;
    assert_form_error(status, &answer, "owner_id", "BASE_TYPE_REQUIRED");

    let (status, _, list) = api(&sb, Method::GET, &path, None).await;
    assert_eq!(status, 200);
    let listed: Vec<Entitlement> = typed(&list);
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id, created.id);

    let id = created.id.get();
    let (status, _, _) = api(&sb, Method::DELETE, &format!("{path}/{id}"), None).await;
    assert_eq!(status, 204);
    let frame = gw.until("ENTITLEMENT_DELETE").await;
    check_frame(&frame);
    assert_eq!(frame["d"]["deleted"], true);
    // Deleted ones are left out unless asked for.
    let (_, _, list) = api(&sb, Method::GET, &path, None).await;
    assert_eq!(list, json!([]));
    let (_, _, list) = api(
        &sb,
        Method::GET,
        &format!("{path}?exclude_deleted=false"),
        None,
    )
    .await;
    assert_eq!(list.as_array().map(Vec::len), Some(1));
    assert_eq!(list[0]["deleted"], true);
    let (status, _, answer) = api(&sb, Method::DELETE, &format!("{path}/{id}"), None).await;
    assert_eq!((status, answer["code"].as_u64()), (404, Some(10029)));

    // Only test entitlements can be deleted; only consumables consumed.
    let bought = sb.subscribe_guild(GUILD, PREMIUM_SKU, MEMBER_A);
    let (status, _, answer) = api(&sb, Method::DELETE, &format!("{path}/{bought}"), None).await;
    assert_eq!(
        (status, answer["code"].as_u64()),
        (400, Some(40019)),
        "{answer}"
    );
    let (status, _, answer) =
        api(&sb, Method::POST, &format!("{path}/{bought}/consume"), None).await;
    assert_eq!(
        (status, answer["code"].as_u64()),
        (400, Some(40018)),
        "{answer}"
    );
    assert!(
        sb.requests()
            .iter()
            .any(|r| r.is(Method::DELETE, &format!("{path}/{id}")) && r.status == 204),
        "requests are recorded"
    );
}

#[tokio::test]
async fn consumable_entitlements_are_consumed() {
    let consumable = 1_234_567_890_123_456_789;
    let sb = Sandbox::start(Seed::small().sku(consumable, 3, "Coins", 4))
        .await
        .unwrap();
    let app = sb.application_id();
    let path = format!("/applications/{app}/entitlements");
    let (_, _, body) = api(
        &sb,
        Method::POST,
        &path,
        Some(json!({"sku_id": consumable.to_string(), "owner_id": MEMBER_A.to_string(), "owner_type": 2})),
    )
    .await;
    let id = body["id"].as_str().unwrap().to_owned();
    assert_eq!(body["user_id"], MEMBER_A.to_string());
    let (status, _, _) = api(&sb, Method::POST, &format!("{path}/{id}/consume"), None).await;
    assert_eq!(status, 204);
    let (_, _, got) = api(&sb, Method::GET, &format!("{path}/{id}"), None).await;
    assert_eq!(got["consumed"], true);
    typed::<Entitlement>(&got);
}

#[tokio::test]
async fn entitlements_page_by_id_and_filter_as_documented() {
    let sb = Sandbox::start(Seed::two_guilds()).await.unwrap();
    let app = sb.application_id();
    let path = format!("/applications/{app}/entitlements");
    let ids: Vec<u64> = [MEMBER_A, MEMBER_B, MEMBER_C, MOD_A, MOD_B]
        .into_iter()
        .map(|buyer| sb.subscribe_guild(GUILD, PREMIUM_SKU, buyer))
        .collect();
    let other = sb.subscribe_guild(OTHER_GUILD, PREMIUM_SKU, MEMBER_A);
    let id_list = |body: &Value| -> Vec<u64> {
        typed::<Vec<Entitlement>>(body)
            .iter()
            .map(|e| e.id.get())
            .collect()
    };

    // Without `after`: newest first; `before` pages down.
    let (_, _, body) = api(&sb, Method::GET, &format!("{path}?limit=2"), None).await;
    assert_eq!(id_list(&body), [other, ids[4]]);
    let (_, _, body) = api(
        &sb,
        Method::GET,
        &format!("{path}?limit=2&before={}", ids[4]),
        None,
    )
    .await;
    assert_eq!(id_list(&body), [ids[3], ids[2]]);
    // `after`: ascending ids above it.
    let (_, _, body) = api(
        &sb,
        Method::GET,
        &format!("{path}?limit=2&after={}", ids[0]),
        None,
    )
    .await;
    assert_eq!(id_list(&body), [ids[1], ids[2]]);
    // Filters: guild, user, SKUs.
    let (_, _, body) = api(
        &sb,
        Method::GET,
        &format!("{path}?guild_id={OTHER_GUILD}"),
        None,
    )
    .await;
    assert_eq!(id_list(&body), [other]);
    let (_, _, body) = api(
        &sb,
        Method::GET,
        &format!("{path}?user_id={MEMBER_A}"),
        None,
    )
    .await;
    assert_eq!(id_list(&body), [other, ids[0]]);
    let (_, _, body) = api(&sb, Method::GET, &format!("{path}?sku_ids=1,2"), None).await;
    assert_eq!(body, json!([]));
    let (_, _, body) = api(
        &sb,
        Method::GET,
        &format!("{path}?sku_ids=1,{PREMIUM_SKU}&guild_id={OTHER_GUILD}"),
        None,
    )
    .await;
    assert_eq!(id_list(&body), [other]);

    // Ended ones are listed by default, left out with exclude_ended; deleted ones the reverse.
    let past = guildhall_core::clock::UnixMillis::from_system_time(std::time::SystemTime::now())
        .minus(Duration::from_secs(60));
    sb.end_entitlement(ids[0], past);
    sb.refund_entitlement(ids[1]);
    let (_, _, body) = api(&sb, Method::GET, &format!("{path}?guild_id={GUILD}"), None).await;
    assert_eq!(id_list(&body), [ids[4], ids[3], ids[2], ids[0]]);
    let (_, _, body) = api(
        &sb,
        Method::GET,
        &format!("{path}?guild_id={GUILD}&exclude_ended=true"),
        None,
    )
    .await;
    assert_eq!(id_list(&body), [ids[4], ids[3], ids[2]]);
    let (_, _, body) = api(
        &sb,
        Method::GET,
        &format!("{path}?guild_id={GUILD}&exclude_deleted=false&exclude_ended=true"),
        None,
    )
    .await;
    assert_eq!(id_list(&body), [ids[4], ids[3], ids[2], ids[1]]);

    // limit outside 1..=100, a bad boolean or snowflake: Discord's form error.
    for (query, field, code) in [
        ("limit=0", "limit", "NUMBER_TYPE_MIN"),
        ("limit=101", "limit", "NUMBER_TYPE_MAX"),
        ("limit=many", "limit", "NUMBER_TYPE_COERCE"),
        (
            "exclude_ended=maybe",
            "exclude_ended",
            "BOOLEAN_TYPE_CONVERT",
        ),
        ("user_id=me", "user_id", "NUMBER_TYPE_COERCE"),
    ] {
        let (status, _, body) = api(&sb, Method::GET, &format!("{path}?{query}"), None).await;
        assert_form_error(status, &body, field, code);
    }
    let (status, _, body) = api(&sb, Method::GET, &format!("{path}?limit=100"), None).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn subscriptions_are_created_ended_and_refunded_with_events_and_reach_interactions() {
    let sb = Sandbox::start(Seed::two_guilds()).await.unwrap();
    let mut gw = Gw::connect(&sb).await;
    gw.identify(&sb, ALL_INTENTS, [0, 1]).await;
    gw.until("GUILD_CREATE").await;

    // Nothing yet.
    sb.slash(GUILD, GENERAL, MEMBER_B, "premium", vec![]);
    let frame = gw.until("INTERACTION_CREATE").await;
    assert_eq!(frame["d"]["entitlements"], json!([]));

    let id = sb.subscribe_guild(GUILD, PREMIUM_SKU, MEMBER_A);
    let created = gw.until("ENTITLEMENT_CREATE").await;
    check_frame(&created);
    let e: Entitlement = typed(&created["d"]);
    assert_eq!(e.id.get(), id);
    assert_eq!(u8::from(e.kind), 8);
    assert_eq!(e.guild_id.map(|g| g.get()), Some(GUILD.get()));
    assert_eq!(e.user_id.map(|u| u.get()), Some(MEMBER_A.get()));
    assert!(e.starts_at.is_some());
    assert!(created["d"]["ends_at"].is_null());
    assert!(created["d"]["subscription_id"].is_string());

    // Every member of the guild gets the guild's subscription; another guild does not.
    sb.slash(GUILD, GENERAL, MEMBER_B, "premium", vec![]);
    let frame = gw.until("INTERACTION_CREATE").await;
    let event = check_frame(&frame);
    let serenity::model::event::Event::InteractionCreate(event) = event else {
        panic!("not an interaction")
    };
    let carried = event.interaction.as_command().unwrap().entitlements.clone();
    assert_eq!(carried.len(), 1);
    assert_eq!(carried[0].id.get(), id);
    let (_, _, bot_message) = api(
        &sb,
        Method::POST,
        &format!("/channels/{GENERAL}/messages"),
        Some(json!({"content": "pick", "components": [{"type": 1, "components": [{"type": 2, "style": 1, "label": "Go", "custom_id": "x:go"}]}]})),
    )
    .await;
    let bm = bot_message["id"].as_str().unwrap().parse().unwrap();
    sb.click(GUILD, GENERAL, MEMBER_C, bm, "x:go");
    let frame = gw.until("INTERACTION_CREATE").await;
    assert_eq!(frame["d"]["entitlements"][0]["id"], id.to_string());
    sb.submit_modal(GUILD, GENERAL, MEMBER_C, "x:modal", vec![]);
    let frame = gw.until("INTERACTION_CREATE").await;
    assert_eq!(frame["d"]["entitlements"][0]["id"], id.to_string());

    // The period of a cancelled subscription ends: ENTITLEMENT_UPDATE, and interactions no
    // longer carry it.
    let past = guildhall_core::clock::UnixMillis::from_system_time(std::time::SystemTime::now())
        .minus(Duration::from_secs(1));
    sb.end_entitlement(id, past);
    let updated = gw.until("ENTITLEMENT_UPDATE").await;
    check_frame(&updated);
    assert!(updated["d"]["ends_at"].is_string());
    sb.slash(GUILD, GENERAL, MEMBER_B, "premium", vec![]);
    let frame = gw.until("INTERACTION_CREATE").await;
    assert_eq!(frame["d"]["entitlements"], json!([]));

    // A new subscription, refunded: ENTITLEMENT_DELETE with deleted: true.
    let again = sb.subscribe_guild(GUILD, PREMIUM_SKU, MEMBER_A);
    gw.until("ENTITLEMENT_CREATE").await;
    let test = sb.create_test_entitlement(PREMIUM_SKU, GUILD);
    gw.until("ENTITLEMENT_CREATE").await;
    sb.slash(GUILD, GENERAL, MEMBER_B, "premium", vec![]);
    let frame = gw.until("INTERACTION_CREATE").await;
    assert_eq!(frame["d"]["entitlements"].as_array().map(Vec::len), Some(2));
    sb.refund_entitlement(again);
    let deleted = gw.until("ENTITLEMENT_DELETE").await;
    check_frame(&deleted);
    assert_eq!(deleted["d"]["id"], again.to_string());
    assert_eq!(deleted["d"]["deleted"], true);
    sb.slash(GUILD, GENERAL, MEMBER_B, "premium", vec![]);
    let frame = gw.until("INTERACTION_CREATE").await;
    assert_eq!(frame["d"]["entitlements"][0]["id"], test.to_string());
    assert_eq!(frame["d"]["entitlements"].as_array().map(Vec::len), Some(1));

    let all = sb.entitlements();
    assert_eq!(all.len(), 3);
    assert!(all.iter().any(|e| e.id == again && e.deleted));
    assert!(all.iter().any(|e| e.id == id && e.ends_at == Some(past)));
}

#[tokio::test]
async fn webhooks_are_created_within_discords_rules() {
    let sb = Sandbox::start(Seed::small()).await.unwrap();
    let path = format!("/channels/{GENERAL}/webhooks");
    for (name, code) in [
        (json!("Discord Relay"), "USERNAME_INVALID_CONTAINS"),
        (json!("my CLYDE"), "USERNAME_INVALID_CONTAINS"),
        (json!("everyone"), "USERNAME_INVALID"),
        (json!(""), "BASE_TYPE_BAD_LENGTH"),
        (json!("x".repeat(81)), "BASE_TYPE_BAD_LENGTH"),
    ] {
        let (status, _, body) = api(&sb, Method::POST, &path, Some(json!({"name": name}))).await;
        assert_form_error(status, &body, "name", code);
    }
    let (status, _, body) = api(
        &sb,
        Method::POST,
        &path,
        Some(json!({"name": "Discord Relay"})),
    )
    .await;
    assert_eq!(
        body["errors"]["name"]["_errors"][0]["message"], "Username cannot contain \"discord\"",
        "{status} {body}"
    );
    let (status, _, body) = api(&sb, Method::POST, &path, Some(json!({}))).await;
    assert_form_error(status, &body, "name", "BASE_TYPE_REQUIRED");
    let (status, _, body) = api(
        &sb,
        Method::POST,
        &path,
        Some(json!({"name": "Relay", "avatar": "data:image/jpeg;base64,iVBORw0KGgo"})),
    )
    .await;
    assert_form_error(status, &body, "avatar", "IMAGE_INVALID");
    assert!(sb.webhooks(GENERAL).is_empty());

    // 80 characters and an avatar are fine; the audit reason is kept.
    let response = reqwest::Client::new()
        .post(format!("{}/api/v10{path}", sb.api_base()))
        .header("Authorization", format!("Bot {}", sb.bot_token()))
        .header("X-Audit-Log-Reason", "premium%20posts")
        .json(&json!({"name": "é".repeat(80), "avatar": "data:image/png;base64,iVBORw0KGgoAAAANSUhEUg"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let body: Value = response.json().await.unwrap();
    let hook: Webhook = typed(&body);
    assert_eq!(u8::from(hook.kind), 1);
    assert_eq!(hook.channel_id.map(|c| c.get()), Some(GENERAL.get()));
    assert_eq!(hook.guild_id.map(|g| g.get()), Some(GUILD.get()));
    assert_eq!(
        hook.application_id.map(|a| a.get()),
        Some(sb.application_id())
    );
    assert_eq!(hook.user.as_ref().map(|u| u.id.get()), Some(BOT.get()));
    assert!(hook.avatar.is_some());
    assert!(body["token"].is_string());
    assert_eq!(
        sb.webhooks(GENERAL)[0].reason.as_deref(),
        Some("premium posts")
    );

    // Fifteen a channel.
    for i in 1..15 {
        let (status, _, _) = api(
            &sb,
            Method::POST,
            &path,
            Some(json!({"name": format!("hook {i}")})),
        )
        .await;
        assert_eq!(status, 200);
    }
    let (status, _, body) = api(&sb, Method::POST, &path, Some(json!({"name": "one more"}))).await;
    assert_eq!(
        (status, body["code"].as_u64()),
        (400, Some(30007)),
        "{body}"
    );
    assert_eq!(body["message"], "Maximum number of webhooks reached (15)");
    let (status, _, body) = api(&sb, Method::GET, &path, None).await;
    assert_eq!(status, 200);
    assert_eq!(typed::<Vec<Webhook>>(&body).len(), 15);
    let (status, _, body) = api(&sb, Method::GET, &format!("/guilds/{GUILD}/webhooks"), None).await;
    assert_eq!(status, 200);
    assert_eq!(typed::<Vec<Webhook>>(&body).len(), 15);

    // Without Manage Webhooks in the channel: 403 50013, for creating and listing.
    sb.update_channel(MOD_LOG, |c| {
        c.overwrites.push(guildhall_core::permissions::Overwrite {
            target: guildhall_core::permissions::OverwriteTarget::Role(GUILDHALL_ROLE),
            allow: Permissions::NONE,
            deny: Permissions::MANAGE_WEBHOOKS,
        });
    });
    let mod_log = format!("/channels/{MOD_LOG}/webhooks");
    let (status, _, body) = api(&sb, Method::POST, &mod_log, Some(json!({"name": "Relay"}))).await;
    assert_eq!(
        (status, body["code"].as_u64()),
        (403, Some(50013)),
        "{body}"
    );
    let (status, _, body) = api(&sb, Method::GET, &mod_log, None).await;
    assert_eq!(
        (status, body["code"].as_u64()),
        (403, Some(50013)),
        "{body}"
    );
    assert!(sb.webhooks(MOD_LOG).is_empty());
}

#[tokio::test]
async fn webhooks_post_as_themselves_until_deleted() {
    let sb = Sandbox::start(Seed::small()).await.unwrap();
    let mut gw = Gw::connect(&sb).await;
    gw.identify(&sb, ALL_INTENTS | (1 << 5), [0, 1]).await;
    gw.until("GUILD_CREATE").await;
    let (_, _, body) = api(
        &sb,
        Method::POST,
        &format!("/channels/{GENERAL}/webhooks"),
        Some(json!({"name": "Guildhall Relay"})),
    )
    .await;
    let update = gw.until("WEBHOOKS_UPDATE").await;
    check_frame(&update);
    let id = body["id"].as_str().unwrap().to_owned();
    let token = body["token"].as_str().unwrap().to_owned();
    let exec = format!("/webhooks/{id}/{token}");

    // A username override that breaks the name rules is refused.
    for (username, code) in [
        (json!("Discord"), "USERNAME_INVALID_CONTAINS"),
        (json!("clyde bot"), "USERNAME_INVALID_CONTAINS"),
        (json!(""), "BASE_TYPE_BAD_LENGTH"),
        (json!("u".repeat(81)), "BASE_TYPE_BAD_LENGTH"),
    ] {
        let (status, _, body) = call(
            &sb,
            Method::POST,
            &format!("{exec}?wait=true"),
            Some(json!({"content": "hi", "username": username})),
            None,
        )
        .await;
        assert_form_error(status, &body, "username", code);
    }
    assert!(sb.messages(GENERAL).is_empty());

    // Without wait: 204. With it: the message, as the override, with webhook_id.
    let (status, _, body) = call(
        &sb,
        Method::POST,
        &exec,
        Some(json!({"content": "quiet"})),
        None,
    )
    .await;
    assert_eq!((status, body), (204, Value::Null));
    let (status, _, body) = call(
        &sb,
        Method::POST,
        &format!("{exec}?wait=true"),
        Some(json!({"content": "Welcome!", "username": "Cozy Bot", "avatar_url": "https://example.com/a.png",
                    "embeds": [{"title": "Hi"}], "allowed_mentions": {"parse": []},
                    "components": [{"type": 1, "components": [{"type": 2, "style": 1, "label": "Go", "custom_id": "x:go"}]}]})),
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let message: Message = typed(&body);
    assert_eq!(message.author.name, "Cozy Bot");
    assert!(message.author.bot);
    assert_eq!(message.author.id.get().to_string(), id);
    assert_eq!(
        message.webhook_id.map(|w| w.get().to_string()),
        Some(id.clone())
    );
    assert_eq!(
        message.components.len(),
        1,
        "application-owned webhooks send components"
    );
    let created = gw.until("MESSAGE_CREATE").await;
    check_frame(&created);
    let created = loop {
        let frame = gw.until("MESSAGE_CREATE").await;
        if frame["d"]["content"] == "Welcome!" {
            break frame;
        }
    };
    assert_eq!(created["d"]["author"]["username"], "Cozy Bot");
    assert_eq!(created["d"]["webhook_id"], id);

    // The channel shows it like any other message; the helpers name its author.
    let (_, _, listed) = api(
        &sb,
        Method::GET,
        &format!("/channels/{GENERAL}/messages"),
        None,
    )
    .await;
    let listed: Vec<Message> = typed(&listed);
    assert_eq!(listed[0].author.name, "Cozy Bot");
    assert_eq!(listed[1].author.name, "Guildhall Relay");
    let stored = sb.messages(GENERAL);
    assert_eq!(stored.len(), 2);
    assert_eq!(
        stored[1].webhook_author.as_ref().map(|a| a.name.as_str()),
        Some("Cozy Bot")
    );
    assert_eq!(
        stored[1].webhook_id.map(|w| w.to_string()),
        Some(id.clone())
    );

    // Its messages by token: get, edit, delete; the bot cannot edit it as its own.
    let mid = message.id.get();
    let (status, _, got) = call(
        &sb,
        Method::GET,
        &format!("{exec}/messages/{mid}"),
        None,
        None,
    )
    .await;
    assert_eq!(status, 200);
    typed::<Message>(&got);
    let (status, _, edited) = call(
        &sb,
        Method::PATCH,
        &format!("{exec}/messages/{mid}"),
        Some(json!({"content": "Welcome, all!"})),
        None,
    )
    .await;
    assert_eq!(status, 200, "{edited}");
    assert_eq!(typed::<Message>(&edited).content, "Welcome, all!");
    let (status, _, _) = api(
        &sb,
        Method::PATCH,
        &format!("/channels/{GENERAL}/messages/{mid}"),
        Some(json!({"content": "mine"})),
    )
    .await;
    assert_eq!(status, 403);
    let (status, _, _) = call(
        &sb,
        Method::DELETE,
        &format!("{exec}/messages/{mid}"),
        None,
        None,
    )
    .await;
    assert_eq!(status, 204);
    assert_eq!(sb.messages(GENERAL).len(), 1);

    // By id with the bot token; by token without `user`.
    let (status, _, got) = api(&sb, Method::GET, &format!("/webhooks/{id}"), None).await;
    assert_eq!(status, 200);
    assert!(typed::<Webhook>(&got).user.is_some());
    let (status, _, got) = call(&sb, Method::GET, &exec, None, None).await;
    assert_eq!(status, 200);
    assert!(typed::<Webhook>(&got).user.is_none());
    let (status, _, _) = call(&sb, Method::GET, &format!("/webhooks/{id}"), None, None).await;
    assert_eq!(status, 401);

    // A wrong token, an unknown id.
    let (status, _, body) = call(
        &sb,
        Method::POST,
        &format!("/webhooks/{id}/nope?wait=true"),
        Some(json!({"content": "x"})),
        None,
    )
    .await;
    assert_eq!(
        (status, body["code"].as_u64()),
        (401, Some(50027)),
        "{body}"
    );
    let (status, _, body) = call(
        &sb,
        Method::POST,
        &format!("/webhooks/1234567/{token}?wait=true"),
        Some(json!({"content": "x"})),
        None,
    )
    .await;
    assert_eq!(
        (status, body["code"].as_u64()),
        (404, Some(10015)),
        "{body}"
    );

    // A moderator deletes it: it answers 10015 from then on.
    assert!(sb.delete_webhook(id.parse().unwrap()));
    gw.until("WEBHOOKS_UPDATE").await;
    assert!(sb.webhooks(GENERAL).is_empty());
    let (status, _, body) = call(
        &sb,
        Method::POST,
        &format!("{exec}?wait=true"),
        Some(json!({"content": "still there?"})),
        None,
    )
    .await;
    assert_eq!(
        (status, body["code"].as_u64()),
        (404, Some(10015)),
        "{body}"
    );
    let (status, _, body) = api(&sb, Method::GET, &format!("/webhooks/{id}"), None).await;
    assert_eq!(
        (status, body["code"].as_u64()),
        (404, Some(10015)),
        "{body}"
    );
    assert!(
        sb.requests()
            .iter()
            .filter(|r| r.path.starts_with(&format!("/webhooks/{id}")))
            .count()
            >= 10,
        "webhook requests are recorded"
    );

    // The bot recreates it, then deletes it itself (REST, with the bot token or the token).
    let (_, _, body) = api(
        &sb,
        Method::POST,
        &format!("/channels/{GENERAL}/webhooks"),
        Some(json!({"name": "Guildhall Relay"})),
    )
    .await;
    let new_id = body["id"].as_str().unwrap().to_owned();
    assert_ne!(new_id, id);
    let (status, _, _) = api(&sb, Method::DELETE, &format!("/webhooks/{new_id}"), None).await;
    assert_eq!(status, 204);
    let (_, _, body) = api(
        &sb,
        Method::POST,
        &format!("/channels/{GENERAL}/webhooks"),
        Some(json!({"name": "Guildhall Relay"})),
    )
    .await;
    let (status, _, _) = call(
        &sb,
        Method::DELETE,
        &format!(
            "/webhooks/{}/{}",
            body["id"].as_str().unwrap(),
            body["token"].as_str().unwrap()
        ),
        None,
        None,
    )
    .await;
    assert_eq!(status, 204);
    assert!(sb.webhooks(GENERAL).is_empty());
}

#[tokio::test]
async fn interaction_webhooks_keep_working_beside_channel_webhooks() {
    let sb = Sandbox::start(Seed::small()).await.unwrap();
    let app = sb.application_id();
    let (_, _, hook) = api(
        &sb,
        Method::POST,
        &format!("/channels/{GENERAL}/webhooks"),
        Some(json!({"name": "Relay"})),
    )
    .await;
    let i = sb.slash(GUILD, GENERAL, MEMBER_A, "ping", vec![]);
    // The interaction's token does not open the channel webhook, nor the reverse.
    let (status, _, _) = call(
        &sb,
        Method::POST,
        &format!(
            "/webhooks/{}/{}?wait=true",
            hook["id"].as_str().unwrap(),
            i.token
        ),
        Some(json!({"content": "x"})),
        None,
    )
    .await;
    assert_eq!(status, 401);
    let (status, _, body) = call(
        &sb,
        Method::POST,
        &format!("/webhooks/{app}/{}", hook["token"].as_str().unwrap()),
        Some(json!({"content": "x"})),
        None,
    )
    .await;
    assert_eq!(
        (status, body["code"].as_u64()),
        (404, Some(10015)),
        "{body}"
    );
    // The interaction's webhook: follow-ups after the acknowledgement, as before.
    let (status, _, _) = call(
        &sb,
        Method::POST,
        &format!("/interactions/{}/{}/callback", i.id, i.token),
        Some(json!({"type": 5})),
        None,
    )
    .await;
    assert_eq!(status, 204);
    let (status, _, body) = call(
        &sb,
        Method::POST,
        &format!("/webhooks/{app}/{}", i.token),
        Some(json!({"content": "done"})),
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let message: Message = typed(&body);
    assert_eq!(message.author.id.get(), BOT.get());
    assert_eq!(message.webhook_id.map(|w| w.get()), Some(app));
}
