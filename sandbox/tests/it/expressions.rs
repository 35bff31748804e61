//! What a dashboard shows of a guild beside names: its icon, member count and custom emojis,
//! roles' colours and whether they are managed, channels' positions and NSFW flags, in
//! GUILD_CREATE and REST; and custom emojis created and deleted (GUILD_EMOJIS_UPDATE, only to
//! sessions with GUILD_EXPRESSIONS).

use guildhall_core::permissions::Permissions;
use guildhall_sandbox::seed::small::*;
use guildhall_sandbox::{Sandbox, Seed};
use reqwest::Method;
use serde_json::{Value, json};

use crate::common::{ALL_INTENTS, Gw, api};

const GUILD_EXPRESSIONS: u64 = 1 << 3;
/// A 1×1 GIF as a data URI.
const GIF: &str = "data:image/gif;base64,R0lGODlhAQABAAAAACw=";
const PNG: &str = "data:image/png;base64,iVBORw0KGgo=";

fn role(guild: &Value, id: impl ToString) -> &Value {
    let id = id.to_string();
    guild["roles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id.as_str())
        .unwrap()
}

fn id_of(object: &Value) -> Option<u64> {
    object["id"].as_str()?.parse().ok()
}

#[tokio::test]
async fn guild_create_carries_the_icon_count_emojis_role_colours_and_channel_positions() {
    let sb = Sandbox::start(Seed::small()).await.unwrap();
    let mut gw = Gw::connect(&sb).await;
    gw.identify(&sb, ALL_INTENTS, [0, 1]).await;
    let frame = gw.until("GUILD_CREATE").await;
    let d = &frame["d"];
    assert_eq!(d["icon"], ICON);
    assert_eq!(d["member_count"], 8);
    let emojis: Vec<(&str, bool)> = d["emojis"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["name"].as_str().unwrap(),
                e["animated"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(emojis, [("wave", false), ("party_parrot", true)]);
    assert_eq!(d["emojis"][0]["id"], WAVE_EMOJI.to_string());
    assert_eq!(d["emojis"][0]["available"], true);

    let bot_role = role(d, GUILDHALL_ROLE);
    assert_eq!(
        (&bot_role["managed"], &bot_role["tags"]["bot_id"]),
        (&json!(true), &json!(BOT.to_string()))
    );
    let admin = role(d, ADMIN_ROLE);
    assert_eq!(
        (&admin["managed"], &admin["color"]),
        (&json!(false), &json!(0xe7_4c3c))
    );
    assert!(admin.get("tags").is_none(), "only a bot's role has tags");
    assert_eq!(role(d, EVERYONE)["color"], 0);

    let channels = d["channels"].as_array().unwrap();
    let position = |id: u64| {
        channels
            .iter()
            .find(|c| id_of(c) == Some(id))
            .map(|c| {
                (
                    c["position"].as_i64().unwrap(),
                    c["nsfw"].as_bool().unwrap(),
                )
            })
            .unwrap()
    };
    assert_eq!(position(CATEGORY.get()), (0, false));
    assert_eq!(position(MOD_LOG.get()), (2, false));

    let (status, _, guild) = api(&sb, Method::GET, &format!("/guilds/{GUILD}"), None).await;
    assert_eq!((status, &guild["icon"]), (200, &json!(ICON)));
    assert_eq!(guild["emojis"], d["emojis"]);
    let (status, _, listed) = api(&sb, Method::GET, &format!("/guilds/{GUILD}/emojis"), None).await;
    assert_eq!((status, &listed), (200, &d["emojis"]));
}

#[tokio::test]
async fn emojis_created_and_deleted_reach_sessions_with_the_expressions_intent() {
    let sb = Sandbox::start(Seed::small()).await.unwrap();
    let mut with = Gw::connect(&sb).await;
    with.identify(&sb, ALL_INTENTS, [0, 1]).await;
    with.until("GUILD_CREATE").await;
    let mut without = Gw::connect(&sb).await;
    without
        .identify(&sb, ALL_INTENTS & !GUILD_EXPRESSIONS, [0, 1])
        .await;
    without.until("GUILD_CREATE").await;

    // The bot's role lacks Create Expressions: refused.
    let path = format!("/guilds/{GUILD}/emojis");
    let (status, _, body) = api(
        &sb,
        Method::POST,
        &path,
        Some(json!({"name": "cat", "image": PNG})),
    )
    .await;
    assert_eq!((status, &body["code"]), (403, &json!(50013)));

    sb.update_role(GUILD, GUILDHALL_ROLE, |r| {
        r.permissions = r.permissions
            | Permissions::CREATE_GUILD_EXPRESSIONS
            | Permissions::MANAGE_GUILD_EXPRESSIONS;
    });
    let (status, _, body) = api(
        &sb,
        Method::POST,
        &path,
        Some(json!({"name": "not ok", "image": PNG})),
    )
    .await;
    assert_eq!((status, &body["code"]), (400, &json!(50035)));
    let (status, _, created) = api(
        &sb,
        Method::POST,
        &path,
        Some(json!({"name": "dancing", "image": GIF})),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(
        (&created["name"], &created["animated"]),
        (&json!("dancing"), &json!(true))
    );
    let update = with.until("GUILD_EMOJIS_UPDATE").await;
    assert_eq!(update["d"]["guild_id"], GUILD.to_string());
    assert_eq!(update["d"]["emojis"].as_array().unwrap().len(), 3);
    crate::payloads::check_frame(&update);

    let id = created["id"].as_str().unwrap();
    let (status, _, _) = api(&sb, Method::DELETE, &format!("{path}/{id}"), None).await;
    assert_eq!(status, 204);
    let update = with.until("GUILD_EMOJIS_UPDATE").await;
    assert_eq!(update["d"]["emojis"].as_array().unwrap().len(), 2);
    let (status, _, body) = api(&sb, Method::DELETE, &format!("{path}/{id}"), None).await;
    assert_eq!((status, &body["code"]), (404, &json!(10014)));

    // Scripted too; the session without the intent saw none of it.
    let scripted = sb.create_emoji(GUILD, "blob", false);
    let update = with.until("GUILD_EMOJIS_UPDATE").await;
    assert!(
        update["d"]["emojis"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| id_of(e) == Some(scripted))
    );
    sb.delete_emoji(GUILD, scripted);
    with.until("GUILD_EMOJIS_UPDATE").await;
    sb.set_guild_icon(GUILD, None);
    let update = with.until("GUILD_UPDATE").await;
    assert_eq!(update["d"]["icon"], Value::Null);
    crate::payloads::check_frame(&update);
    without.until("GUILD_UPDATE").await;
    assert!(
        without.seen.iter().all(|f| f["t"] != "GUILD_EMOJIS_UPDATE"),
        "GUILD_EMOJIS_UPDATE needs GUILD_EXPRESSIONS"
    );
}

#[tokio::test]
async fn a_component_may_show_the_bots_guilds_custom_emojis_and_no_other() {
    let sb = Sandbox::start(Seed::small()).await.unwrap();
    let path = format!("/channels/{GENERAL}/messages");
    let button = |emoji: Value| {
        json!({
            "content": "Pick",
            "components": [{ "type": 1, "components": [{
                "type": 2, "style": 2, "label": "Events", "custom_id": "roles:p:1:2", "emoji": emoji,
            }]}],
        })
    };
    let (status, _, _) = api(
        &sb,
        Method::POST,
        &path,
        Some(button(
            json!({ "id": WAVE_EMOJI.to_string(), "name": "wave" }),
        )),
    )
    .await;
    assert_eq!(status, 200, "the guild's own emoji");
    let (status, _, _) = api(
        &sb,
        Method::POST,
        &path,
        Some(button(json!({ "name": "🎮" }))),
    )
    .await;
    assert_eq!(status, 200, "a Unicode emoji");
    let (status, _, body) = api(
        &sb,
        Method::POST,
        &path,
        Some(button(
            json!({ "id": "123456789012345678", "name": "elsewhere" }),
        )),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["code"], 50035);
    assert_eq!(
        body["errors"]["components"]["0"]["components"]["0"]["emoji"]["id"]["_errors"][0]["code"],
        "BUTTON_COMPONENT_INVALID_EMOJI",
        "{body}"
    );
}
