//! Channels as Discord rules them: creating one in a category with permission overwrites,
//! setting one overwrite, archiving and locking a thread; the permissions each takes, and the
//! gateway events each sends.

use guildhall_core::permissions::{Overwrite, OverwriteTarget, Permissions};
use guildhall_sandbox::model::ChannelKind;
use guildhall_sandbox::seed::bot_permissions;
use guildhall_sandbox::seed::small::*;
use guildhall_sandbox::{Sandbox, Seed};
use reqwest::Method;
use serde_json::{Value, json};
use serenity::model::event::Event;

use crate::common::{ALL_INTENTS, Gw, api};
use crate::payloads::check_frame;

/// The overwrites of a private ticket channel: @everyone cannot see it, MEMBER_A and the bot
/// can (without its own overwrite the bot, lacking Administrator, would lose the channel).
fn private_overwrites() -> Value {
    let see_and_send = (Permissions::VIEW_CHANNEL | Permissions::SEND_MESSAGES)
        .0
        .to_string();
    json!([
        {"id": GUILD.to_string(), "type": 0, "allow": "0", "deny": Permissions::VIEW_CHANNEL.0.to_string()},
        {"id": MEMBER_A.to_string(), "type": 1, "allow": see_and_send, "deny": "0"},
        {"id": BOT.to_string(), "type": 1, "allow": see_and_send, "deny": "0"},
    ])
}

fn channel_id(body: &Value) -> guildhall_core::ids::ChannelId {
    body["id"].as_str().unwrap().parse().unwrap()
}

#[tokio::test]
async fn a_channel_is_created_in_its_category_with_its_overwrites_and_announced() {
    let sb = Sandbox::start(Seed::small()).await.unwrap();
    let mut gw = Gw::connect(&sb).await;
    gw.identify(&sb, ALL_INTENTS, [0, 1]).await;
    gw.until("GUILD_CREATE").await;

    let (status, _, body) = api(
        &sb,
        Method::POST,
        &format!("/guilds/{GUILD}/channels"),
        Some(
            json!({"name": "ticket-0001", "type": 0, "parent_id": CATEGORY.to_string(),
                    "permission_overwrites": private_overwrites()}),
        ),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["parent_id"], CATEGORY.to_string());
    assert_eq!(body["type"], 0);
    let overwrites = body["permission_overwrites"].as_array().unwrap();
    assert_eq!(overwrites.len(), 3, "{body}");
    assert_eq!(
        overwrites[0],
        json!({"id": GUILD.to_string(), "type": 0, "allow": "0", "deny": "1024"})
    );
    let id = channel_id(&body);
    let stored = sb.channel(id).unwrap();
    assert_eq!(stored.parent, Some(CATEGORY));
    assert_eq!(
        stored.overwrites[1],
        Overwrite {
            target: OverwriteTarget::Member(MEMBER_A),
            allow: Permissions::VIEW_CHANNEL | Permissions::SEND_MESSAGES,
            deny: Permissions::NONE,
        }
    );

    let frame = gw.until("CHANNEL_CREATE").await;
    assert_eq!(frame["d"]["id"], id.to_string());
    assert_eq!(
        frame["d"]["permission_overwrites"],
        body["permission_overwrites"]
    );
    match check_frame(&frame) {
        Event::ChannelCreate(event) => {
            assert_eq!(
                event.channel.parent_id.map(|parent| parent.get()),
                Some(CATEGORY.get())
            );
            assert_eq!(event.channel.permission_overwrites.len(), 3);
        }
        other => panic!("not a channel creation: {other:?}"),
    }

    // Hidden from @everyone with no overwrite for the bot, the channel is hidden from the bot.
    let (_, _, hidden) = api(
        &sb,
        Method::POST,
        &format!("/guilds/{GUILD}/channels"),
        Some(json!({"name": "hidden", "permission_overwrites": [
            {"id": GUILD.to_string(), "type": 0, "deny": Permissions::VIEW_CHANNEL.0.to_string()}]})),
    )
    .await;
    let (status, _, response) = api(
        &sb,
        Method::GET,
        &format!("/channels/{}", channel_id(&hidden)),
        None,
    )
    .await;
    assert_eq!(
        (status, response["code"].as_u64()),
        (403, Some(50001)),
        "{response}"
    );

    // Without overwrites of its own, a channel in a category takes the category's.
    sb.update_channel(CATEGORY, |category| {
        category.overwrites = vec![Overwrite {
            target: OverwriteTarget::Role(MEMBER_ROLE),
            allow: Permissions::NONE,
            deny: Permissions::SEND_MESSAGES,
        }];
    });
    let (status, _, synced) = api(
        &sb,
        Method::POST,
        &format!("/guilds/{GUILD}/channels"),
        Some(json!({"name": "announcements", "parent_id": CATEGORY.to_string()})),
    )
    .await;
    assert_eq!(status, 201, "{synced}");
    assert_eq!(
        sb.channel(channel_id(&synced)).unwrap().overwrites,
        sb.channel(CATEGORY).unwrap().overwrites
    );
}

#[tokio::test]
async fn creating_a_channel_takes_manage_channels_a_real_category_and_only_held_permissions() {
    let sb = Sandbox::start(Seed::small()).await.unwrap();
    let create = |body: Value| {
        let sb = sb.clone();
        async move {
            api(
                &sb,
                Method::POST,
                &format!("/guilds/{GUILD}/channels"),
                Some(body),
            )
            .await
        }
    };
    for (body, code) in [
        // A text channel is not a category.
        (
            json!({"name": "x", "parent_id": GENERAL.to_string()}),
            50035,
        ),
        (json!({"name": "x", "parent_id": "12345"}), 50035),
        (
            json!({"name": "x", "permission_overwrites": [{"id": GUILD.to_string(), "type": 2, "deny": "1024"}]}),
            50035,
        ),
        (
            json!({"name": "x", "permission_overwrites": [{"id": "me", "type": 0}]}),
            50035,
        ),
        // The bot does not have Administrator, so it cannot grant it.
        (
            json!({"name": "x", "permission_overwrites": [{"id": MEMBER_A.to_string(), "type": 1,
                    "allow": Permissions::ADMINISTRATOR.0.to_string()}]}),
            50013,
        ),
    ] {
        let (status, _, response) = create(body.clone()).await;
        assert_eq!(
            (status, response["code"].as_u64()),
            (if code == 50013 { 403 } else { 400 }, Some(code)),
            "{body}: {response}"
        );
    }

    sb.update_role(GUILD, GUILDHALL_ROLE, |role| {
        role.permissions = Permissions(bot_permissions().0 & !Permissions::MANAGE_CHANNELS.0);
    });
    let (status, _, response) = create(json!({"name": "x"})).await;
    assert_eq!(
        (status, response["code"].as_u64()),
        (403, Some(50013)),
        "{response}"
    );
    assert!(
        sb.channels(GUILD, Some(ChannelKind::Text))
            .iter()
            .all(|channel| channel.name != "x"),
        "nothing was created"
    );
}

#[tokio::test]
async fn one_overwrite_is_set_with_manage_roles_and_announced_as_a_channel_update() {
    let sb = Sandbox::start(Seed::small()).await.unwrap();
    let (_, _, body) = api(
        &sb,
        Method::POST,
        &format!("/guilds/{GUILD}/channels"),
        Some(
            json!({"name": "ticket-0002", "parent_id": CATEGORY.to_string(),
                    "permission_overwrites": private_overwrites()}),
        ),
    )
    .await;
    let channel = channel_id(&body);
    let mut gw = Gw::connect(&sb).await;
    gw.identify(&sb, ALL_INTENTS, [0, 1]).await;
    gw.until("GUILD_CREATE").await;

    let path = format!("/channels/{channel}/permissions/{MEMBER_A}");
    let (status, _, response) = api(
        &sb,
        Method::PUT,
        &path,
        Some(json!({"type": 1, "allow": "1024", "deny": "2048"})),
    )
    .await;
    assert_eq!(status, 204, "{response}");
    assert_eq!(response, Value::Null);
    let overwrites = sb.channel(channel).unwrap().overwrites;
    assert_eq!(overwrites.len(), 3, "replaced, not added: {overwrites:?}");
    assert_eq!(
        overwrites[1],
        Overwrite {
            target: OverwriteTarget::Member(MEMBER_A),
            allow: Permissions::VIEW_CHANNEL,
            deny: Permissions::SEND_MESSAGES,
        }
    );
    let frame = gw.until("CHANNEL_UPDATE").await;
    assert!(matches!(check_frame(&frame), Event::ChannelUpdate(_)));
    assert!(
        frame["d"]["permission_overwrites"]
            .as_array()
            .unwrap()
            .contains(
                &json!({"id": MEMBER_A.to_string(), "type": 1, "allow": "1024", "deny": "2048"})
            ),
        "{frame}"
    );

    // A new target is added; numbers are accepted as Discord accepts them.
    let (status, _, response) = api(
        &sb,
        Method::PUT,
        &format!("/channels/{channel}/permissions/{MOD_ROLE}"),
        Some(json!({"type": 0, "allow": 3072})),
    )
    .await;
    assert_eq!(status, 204, "{response}");
    assert_eq!(sb.channel(channel).unwrap().overwrites.len(), 4);

    for (path, body, status, code) in [
        (
            path.clone(),
            json!({"type": 7, "allow": "1024"}),
            400,
            50035,
        ),
        (
            format!("/channels/{channel}/permissions/{}", 999_u64),
            json!({"type": 0}),
            404,
            10011,
        ),
        (
            path.clone(),
            json!({"type": 1, "allow": Permissions::ADMINISTRATOR.0.to_string()}),
            403,
            50013,
        ),
    ] {
        let (got, _, response) = api(&sb, Method::PUT, &path, Some(body.clone())).await;
        assert_eq!(
            (got, response["code"].as_u64()),
            (status, Some(code)),
            "{path} {body}: {response}"
        );
    }

    // Threads take their parent's overwrites and have none of their own.
    let (_, _, thread) = api(
        &sb,
        Method::POST,
        &format!("/channels/{GENERAL}/threads"),
        Some(json!({"name": "t", "type": 12})),
    )
    .await;
    let (got, _, response) = api(
        &sb,
        Method::PUT,
        &format!("/channels/{}/permissions/{MEMBER_A}", channel_id(&thread)),
        Some(json!({"type": 1, "deny": "2048"})),
    )
    .await;
    assert_eq!((got, response["code"].as_u64()), (400, Some(50024)));

    sb.update_role(GUILD, GUILDHALL_ROLE, |role| {
        role.permissions = Permissions(bot_permissions().0 & !Permissions::MANAGE_ROLES.0);
    });
    let (got, _, response) = api(
        &sb,
        Method::PUT,
        &path,
        Some(json!({"type": 1, "allow": "1024"})),
    )
    .await;
    assert_eq!(
        (got, response["code"].as_u64()),
        (403, Some(50013)),
        "{response}"
    );
}

#[tokio::test]
async fn a_thread_is_archived_and_locked_then_reopened_with_thread_updates() {
    let sb = Sandbox::start(Seed::small()).await.unwrap();
    let (_, _, thread) = api(
        &sb,
        Method::POST,
        &format!("/channels/{GENERAL}/threads"),
        Some(json!({"name": "ticket-0003", "type": 12})),
    )
    .await;
    let thread = channel_id(&thread);
    let mut gw = Gw::connect(&sb).await;
    gw.identify(&sb, ALL_INTENTS, [0, 1]).await;
    gw.until("GUILD_CREATE").await;
    let path = format!("/channels/{thread}");

    let (status, _, body) = api(
        &sb,
        Method::PATCH,
        &path,
        Some(json!({"archived": true, "locked": true})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (
            &body["thread_metadata"]["archived"],
            &body["thread_metadata"]["locked"]
        ),
        (&json!(true), &json!(true))
    );
    let stored = sb.channel(thread).unwrap();
    assert!(stored.archived && stored.locked);
    let frame = gw.until("THREAD_UPDATE").await;
    assert_eq!(frame["d"]["thread_metadata"]["locked"], true);
    assert!(matches!(check_frame(&frame), Event::ThreadUpdate(_)));

    // An archived thread changes nothing but being unarchived.
    let (status, _, body) = api(&sb, Method::PATCH, &path, Some(json!({"name": "renamed"}))).await;
    assert_eq!(
        (status, body["code"].as_u64()),
        (400, Some(50083)),
        "{body}"
    );

    // Unarchiving a locked thread takes Manage Threads, even for the thread's creator.
    sb.update_role(GUILD, GUILDHALL_ROLE, |role| {
        role.permissions = Permissions(bot_permissions().0 & !Permissions::MANAGE_THREADS.0);
    });
    let unlock = json!({"archived": false, "locked": false});
    let (status, _, body) = api(&sb, Method::PATCH, &path, Some(unlock.clone())).await;
    assert_eq!(
        (status, body["code"].as_u64()),
        (403, Some(50013)),
        "{body}"
    );
    sb.update_role(GUILD, GUILDHALL_ROLE, |role| {
        role.permissions = bot_permissions();
    });
    let (status, _, body) = api(&sb, Method::PATCH, &path, Some(unlock)).await;
    assert_eq!(status, 200, "{body}");
    let stored = sb.channel(thread).unwrap();
    assert!(!stored.archived && !stored.locked);
    let frame = loop {
        let frame = gw.until("THREAD_UPDATE").await;
        if frame["d"]["thread_metadata"]["archived"] == false {
            break frame;
        }
    };
    assert_eq!(frame["d"]["thread_metadata"]["locked"], false);
}
