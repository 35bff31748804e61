//! Every gateway payload the stand-in sends deserializes into serenity's own event types
//! (never `Event::Unknown`).

use guildhall_core::permissions::Permissions;
use guildhall_sandbox::model::ChannelKind;
use guildhall_sandbox::seed::small::*;
use guildhall_sandbox::{Sandbox, Seed, SlashOption, UserSpec};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use serenity::model::application::{ComponentInteractionDataKind, Interaction};
use serenity::model::event::*;

use crate::common::{ALL_INTENTS, Gw, api};

fn typed<T: DeserializeOwned>(name: &str, data: &Value) {
    if let Err(error) = serde_json::from_value::<T>(data.clone()) {
        panic!(
            "{name} does not deserialize into {}: {error}\n{data:#}",
            std::any::type_name::<T>()
        );
    }
}

/// Deserializes a dispatch frame into serenity's `GatewayEvent` and returns the event.
pub fn check_frame(frame: &Value) -> Event {
    let name = frame["t"].as_str().unwrap_or_default().to_owned();
    let d = &frame["d"];
    match name.as_str() {
        "READY" => typed::<ReadyEvent>(&name, d),
        "RESUMED" => typed::<ResumedEvent>(&name, d),
        "GUILD_CREATE" => typed::<GuildCreateEvent>(&name, d),
        "MESSAGE_CREATE" => typed::<MessageCreateEvent>(&name, d),
        "MESSAGE_UPDATE" => typed::<MessageUpdateEvent>(&name, d),
        "MESSAGE_DELETE" => typed::<MessageDeleteEvent>(&name, d),
        "GUILD_MEMBER_ADD" => typed::<GuildMemberAddEvent>(&name, d),
        "GUILD_MEMBER_UPDATE" => typed::<GuildMemberUpdateEvent>(&name, d),
        "GUILD_MEMBER_REMOVE" => typed::<GuildMemberRemoveEvent>(&name, d),
        "INTERACTION_CREATE" => typed::<InteractionCreateEvent>(&name, d),
        "VOICE_STATE_UPDATE" => typed::<VoiceStateUpdateEvent>(&name, d),
        "MESSAGE_REACTION_ADD" => typed::<ReactionAddEvent>(&name, d),
        "MESSAGE_REACTION_REMOVE" => typed::<ReactionRemoveEvent>(&name, d),
        "GUILD_ROLE_CREATE" => typed::<GuildRoleCreateEvent>(&name, d),
        "GUILD_ROLE_UPDATE" => typed::<GuildRoleUpdateEvent>(&name, d),
        "GUILD_ROLE_DELETE" => typed::<GuildRoleDeleteEvent>(&name, d),
        "CHANNEL_CREATE" => typed::<ChannelCreateEvent>(&name, d),
        "CHANNEL_UPDATE" => typed::<ChannelUpdateEvent>(&name, d),
        "CHANNEL_DELETE" => typed::<ChannelDeleteEvent>(&name, d),
        "THREAD_CREATE" => typed::<ThreadCreateEvent>(&name, d),
        "THREAD_UPDATE" => typed::<ThreadUpdateEvent>(&name, d),
        "GUILD_BAN_ADD" => typed::<GuildBanAddEvent>(&name, d),
        "GUILD_BAN_REMOVE" => typed::<GuildBanRemoveEvent>(&name, d),
        "GUILD_MEMBERS_CHUNK" => typed::<GuildMembersChunkEvent>(&name, d),
        "GUILD_EMOJIS_UPDATE" => typed::<GuildEmojisUpdateEvent>(&name, d),
        "GUILD_UPDATE" => typed::<GuildUpdateEvent>(&name, d),
        "ENTITLEMENT_CREATE" => typed::<EntitlementCreateEvent>(&name, d),
        "ENTITLEMENT_UPDATE" => typed::<EntitlementUpdateEvent>(&name, d),
        "ENTITLEMENT_DELETE" => typed::<EntitlementDeleteEvent>(&name, d),
        "WEBHOOKS_UPDATE" => typed::<WebhookUpdateEvent>(&name, d),
        other => panic!("the test does not know {other}"),
    }
    match serde_json::from_value::<GatewayEvent>(frame.clone()) {
        Ok(GatewayEvent::Dispatch(_, Event::Unknown(_))) => panic!("{name} became Event::Unknown"),
        Ok(GatewayEvent::Dispatch(_, event)) => event,
        Ok(other) => panic!("{name} is not a dispatch: {other:?}"),
        Err(error) => panic!("{name} is not a GatewayEvent: {error}"),
    }
}

#[tokio::test]
async fn every_dispatch_deserializes_into_serenity_events() {
    let sb = Sandbox::start(Seed::small()).await.unwrap();
    let mut gw = Gw::connect(&sb).await;
    gw.identify(&sb, ALL_INTENTS, [0, 1]).await;
    gw.until("GUILD_CREATE").await;

    let m = sb.say(GUILD, GENERAL, MEMBER_A, "hello <@&{MEMBER_ROLE}> world");
    sb.edit(GENERAL, m, "hello again");
    sb.react(GENERAL, m, MEMBER_B, "👍");
    sb.react(GENERAL, m, MEMBER_B, "party:123456789012345678");
    sb.unreact(GENERAL, m, MEMBER_B, "👍");
    let newcomer = sb.member_join(GUILD, UserSpec::named("newcomer").pending());
    sb.member_update(GUILD, newcomer, |m| m.pending = false);
    sb.voice_join(GUILD, VOICE, MEMBER_A);
    sb.voice_mute(GUILD, MEMBER_A, true);
    sb.voice_server_deafen(GUILD, MEMBER_A, true);
    sb.voice_leave(GUILD, MEMBER_A);
    sb.slash(
        GUILD,
        GENERAL,
        MOD_A,
        "mod",
        vec![SlashOption::group(
            "case",
            vec![SlashOption::sub(
                "open",
                vec![
                    SlashOption::user("who", MEMBER_B),
                    SlashOption::string("reason", "spam"),
                    SlashOption::integer("days", 3),
                    SlashOption::number("weight", 1.5),
                    SlashOption::boolean("silent", true),
                    SlashOption::channel("where", MOD_LOG),
                    SlashOption::role("role", MEMBER_ROLE),
                ],
            )],
        )],
    );
    let (_, _, bot_message) = api(
        &sb,
        reqwest::Method::POST,
        &format!("/channels/{GENERAL}/messages"),
        Some(json!({"content": "pick", "components": [{"type": 1, "components": [{"type": 2, "style": 1, "label": "Go", "custom_id": "x:go:1"}]}]})),
    )
    .await;
    let bm = bot_message["id"].as_str().unwrap().parse().unwrap();
    sb.click(GUILD, GENERAL, MEMBER_A, bm, "x:go:1");
    sb.select(GUILD, GENERAL, MEMBER_A, bm, "x:pick:1", &["a", "b"]);
    sb.submit_modal(
        GUILD,
        GENERAL,
        MEMBER_A,
        "x:modal:1",
        vec![("reason".into(), "because".into())],
    );
    let role = sb.create_role(GUILD, "Temp", 2, Permissions::SEND_MESSAGES);
    sb.update_role(GUILD, role, |r| r.name = "Temporary".into());
    sb.delete_role(GUILD, role);
    let channel = sb.create_channel(GUILD, "scratch", ChannelKind::Text);
    sb.update_channel(channel, |c| c.topic = Some("things".into()));
    sb.delete_channel(channel);
    let emoji = sb.create_emoji(GUILD, "blob", true);
    sb.delete_emoji(GUILD, emoji);
    sb.set_guild_icon(GUILD, Some("0123456789abcdef0123456789abcdef"));
    let (status, _, _) = api(
        &sb,
        reqwest::Method::POST,
        &format!("/channels/{GENERAL}/messages/{m}/threads"),
        Some(json!({"name": "discussion"})),
    )
    .await;
    assert_eq!(status, 201);
    let (status, _, _) = api(
        &sb,
        reqwest::Method::PUT,
        &format!("/guilds/{GUILD}/bans/{MEMBER_C}"),
        Some(json!({"delete_message_seconds": 0})),
    )
    .await;
    assert_eq!(status, 204);
    sb.delete(GENERAL, m);
    sb.say(GUILD, GENERAL, MEMBER_A, "last");
    gw.until("MESSAGE_CREATE").await;
    // Drain until the final message.
    loop {
        let frame = gw.until("MESSAGE_CREATE").await;
        if frame["d"]["content"] == "last" {
            break;
        }
    }

    let mut names = Vec::new();
    let mut interactions = Vec::new();
    for frame in gw.seen.iter().filter(|f| f["op"] == 0) {
        let event = check_frame(frame);
        names.push(frame["t"].as_str().unwrap().to_owned());
        if let Event::InteractionCreate(e) = event {
            interactions.push(e.interaction);
        }
    }
    for expected in [
        "READY",
        "GUILD_CREATE",
        "MESSAGE_CREATE",
        "MESSAGE_UPDATE",
        "MESSAGE_DELETE",
        "GUILD_MEMBER_ADD",
        "GUILD_MEMBER_UPDATE",
        "GUILD_MEMBER_REMOVE",
        "INTERACTION_CREATE",
        "VOICE_STATE_UPDATE",
        "MESSAGE_REACTION_ADD",
        "MESSAGE_REACTION_REMOVE",
        "GUILD_ROLE_CREATE",
        "GUILD_ROLE_UPDATE",
        "GUILD_ROLE_DELETE",
        "CHANNEL_CREATE",
        "CHANNEL_UPDATE",
        "CHANNEL_DELETE",
        "GUILD_EMOJIS_UPDATE",
        "GUILD_UPDATE",
        "GUILD_BAN_ADD",
        "THREAD_CREATE",
    ] {
        assert!(
            names.iter().any(|n| n == expected),
            "no {expected} among {names:?}"
        );
    }
    assert_eq!(interactions.len(), 4);
    match &interactions[0] {
        Interaction::Command(c) => {
            assert_eq!(c.data.name, "mod");
            assert!(c.member.as_ref().unwrap().permissions.is_some());
            assert!(c.app_permissions.is_some());
            assert!(
                c.data
                    .resolved
                    .users
                    .contains_key(&serenity::all::UserId::new(MEMBER_B.get()))
            );
            assert!(
                c.data
                    .resolved
                    .members
                    .contains_key(&serenity::all::UserId::new(MEMBER_B.get()))
            );
        }
        other => panic!("expected a command, got {other:?}"),
    }
    match &interactions[1] {
        Interaction::Component(c) => {
            assert!(matches!(c.data.kind, ComponentInteractionDataKind::Button))
        }
        other => panic!("expected a button, got {other:?}"),
    }
    match &interactions[2] {
        Interaction::Component(c) => match &c.data.kind {
            ComponentInteractionDataKind::StringSelect { values } => {
                assert_eq!(values, &["a", "b"])
            }
            other => panic!("expected a string select, got {other:?}"),
        },
        other => panic!("expected a select, got {other:?}"),
    }
    assert!(matches!(&interactions[3], Interaction::Modal(m) if m.data.custom_id == "x:modal:1"));
}

#[tokio::test]
async fn message_content_is_blank_without_the_intent_unless_the_bot_is_mentioned() {
    let sb = Sandbox::start(Seed::small()).await.unwrap();
    let mut gw = Gw::connect(&sb).await;
    gw.identify(&sb, ALL_INTENTS & !(1 << 15), [0, 1]).await;
    sb.say(GUILD, GENERAL, MEMBER_A, "secret");
    let frame = gw.until("MESSAGE_CREATE").await;
    assert_eq!(frame["d"]["content"], "");
    sb.say(GUILD, GENERAL, MEMBER_A, &format!("<@{BOT}> help"));
    let frame = gw.until("MESSAGE_CREATE").await;
    assert_eq!(frame["d"]["content"], format!("<@{BOT}> help"));
}
