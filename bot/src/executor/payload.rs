//! Core effects as Discord API v10 requests: method, path, JSON body.

use guildhall_core::clock::UnixMillis;
use guildhall_core::effect::{ButtonStyle, Component, Effect, Embed, OutgoingMessage};
use serde_json::{Value, json};

use super::Method;

/// One REST call an effect needs (some effects need two: a DM opens its channel first).
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    /// The HTTP method.
    pub method: Method,
    /// The path under `/api/v10`.
    pub path: String,
    /// The JSON body.
    pub body: Option<Value>,
    /// The audit-log reason.
    pub reason: Option<String>,
}

fn call(method: Method, path: String, body: Option<Value>, reason: &Option<String>) -> Call {
    Call {
        method,
        path,
        body,
        reason: reason.clone(),
    }
}

/// The call that performs an effect (for a DM, the message call after the channel exists:
/// see [`super::Executor::execute`]).
pub fn calls(effect: &Effect) -> Call {
    match effect {
        Effect::SendMessage { channel, message } => call(
            Method::Post,
            format!("/channels/{channel}/messages"),
            Some(message_json(message)),
            &None,
        ),
        Effect::SendDirectMessage { user, .. } => call(
            Method::Post,
            "/users/@me/channels".into(),
            Some(json!({ "recipient_id": user.to_string() })),
            &None,
        ),
        Effect::EditMessage {
            channel,
            message_id,
            message,
        } => call(
            Method::Patch,
            format!("/channels/{channel}/messages/{message_id}"),
            Some(message_json(message)),
            &None,
        ),
        Effect::DeleteMessage {
            channel,
            message_id,
            reason,
        } => call(
            Method::Delete,
            format!("/channels/{channel}/messages/{message_id}"),
            None,
            reason,
        ),
        Effect::AddRole {
            guild,
            user,
            role,
            reason,
        } => call(
            Method::Put,
            format!("/guilds/{guild}/members/{user}/roles/{role}"),
            None,
            reason,
        ),
        Effect::RemoveRole {
            guild,
            user,
            role,
            reason,
        } => call(
            Method::Delete,
            format!("/guilds/{guild}/members/{user}/roles/{role}"),
            None,
            reason,
        ),
        Effect::Timeout {
            guild,
            user,
            until,
            reason,
        } => call(
            Method::Patch,
            format!("/guilds/{guild}/members/{user}"),
            Some(json!({ "communication_disabled_until": iso(*until) })),
            reason,
        ),
        Effect::RemoveTimeout {
            guild,
            user,
            reason,
        } => call(
            Method::Patch,
            format!("/guilds/{guild}/members/{user}"),
            Some(json!({ "communication_disabled_until": null })),
            reason,
        ),
        Effect::SetNickname {
            guild,
            user,
            nickname,
            reason,
        } => call(
            Method::Patch,
            format!("/guilds/{guild}/members/{user}"),
            Some(json!({ "nick": nickname })),
            reason,
        ),
        Effect::Kick {
            guild,
            user,
            reason,
        } => call(
            Method::Delete,
            format!("/guilds/{guild}/members/{user}"),
            None,
            reason,
        ),
        Effect::Ban {
            guild,
            user,
            delete_messages,
            reason,
        } => call(
            Method::Put,
            format!("/guilds/{guild}/bans/{user}"),
            Some(json!({ "delete_message_seconds": delete_messages.as_secs().min(604_800) })),
            reason,
        ),
        Effect::Unban {
            guild,
            user,
            reason,
        } => call(
            Method::Delete,
            format!("/guilds/{guild}/bans/{user}"),
            None,
            reason,
        ),
        Effect::CreateThread {
            channel,
            name,
            private,
            ..
        } => call(
            Method::Post,
            format!("/channels/{channel}/threads"),
            Some(json!({
                "name": name,
                "type": if *private { 12 } else { 11 },
                "auto_archive_duration": 10_080,
                "invitable": false,
            })),
            &None,
        ),
        Effect::InteractionReply {
            interaction_id,
            token,
            message,
            ephemeral,
        } => {
            let mut data = message_json(message);
            if *ephemeral && let Some(fields) = data.as_object_mut() {
                fields.insert("flags".into(), json!(64));
            }
            call(
                Method::Post,
                format!("/interactions/{interaction_id}/{token}/callback"),
                Some(json!({ "type": 4, "data": data })),
                &None,
            )
        }
    }
}

/// An instant as Discord's ISO 8601 timestamp.
pub fn iso(at: UnixMillis) -> String {
    at.to_rfc3339()
}

/// A message as Discord's message JSON.
pub fn message_json(message: &OutgoingMessage) -> Value {
    let mut parse: Vec<&str> = Vec::new();
    if message.allowed_mentions.everyone {
        parse.push("everyone");
    }
    json!({
        "content": message.content,
        "embeds": message.embeds.iter().map(embed_json).collect::<Vec<_>>(),
        "components": message.components.iter().map(|row| json!({
            "type": 1,
            "components": row.0.iter().map(component_json).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "allowed_mentions": {
            "parse": parse,
            "users": message.allowed_mentions.users.iter().map(ToString::to_string).collect::<Vec<_>>(),
            "roles": message.allowed_mentions.roles.iter().map(ToString::to_string).collect::<Vec<_>>(),
        },
    })
}

fn embed_json(embed: &Embed) -> Value {
    let mut value = json!({
        "title": embed.title,
        "description": embed.description,
        "color": embed.color,
        "fields": embed.fields.iter().map(|field| json!({ "name": field.name, "value": field.value, "inline": field.inline })).collect::<Vec<_>>(),
    });
    if let Some(fields) = value.as_object_mut() {
        if let Some(footer) = &embed.footer {
            fields.insert("footer".into(), json!({ "text": footer }));
        }
        if let Some(timestamp) = embed.timestamp {
            fields.insert("timestamp".into(), json!(iso(timestamp)));
        }
        fields.retain(|_, value| !value.is_null());
    }
    value
}

fn component_json(component: &Component) -> Value {
    match component {
        Component::Button {
            custom_id,
            label,
            style,
            disabled,
        } => json!({
            "type": 2,
            "custom_id": custom_id,
            "label": label,
            "style": match style {
                ButtonStyle::Primary => 1,
                ButtonStyle::Secondary => 2,
                ButtonStyle::Success => 3,
                ButtonStyle::Danger => 4,
            },
            "disabled": disabled,
        }),
        Component::Select {
            custom_id,
            placeholder,
            options,
            min_values,
            max_values,
        } => json!({
            "type": 3,
            "custom_id": custom_id,
            "placeholder": placeholder,
            "min_values": min_values,
            "max_values": max_values,
            "options": options.iter().map(|option| json!({
                "label": option.label,
                "value": option.value,
                "description": option.description,
            })).collect::<Vec<_>>(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use guildhall_core::ids::{ChannelId, GuildId, UserId};

    use super::*;

    #[test]
    fn moderation_effects_carry_their_reason_and_route() {
        let ban = calls(&Effect::Ban {
            guild: GuildId::new(1),
            user: UserId::new(2),
            delete_messages: Duration::from_secs(30 * 86_400),
            reason: Some("spam".into()),
        });
        assert_eq!(
            (ban.method, ban.path.as_str()),
            (Method::Put, "/guilds/1/bans/2")
        );
        assert_eq!(
            ban.body.unwrap()["delete_message_seconds"],
            604_800,
            "capped at 7 days"
        );
        assert_eq!(ban.reason.as_deref(), Some("spam"));
    }

    #[test]
    fn ephemeral_replies_set_flag_64_and_ping_nobody() {
        let reply = calls(&Effect::InteractionReply {
            interaction_id: "9".into(),
            token: "tok".into(),
            message: OutgoingMessage::text("hi @everyone"),
            ephemeral: true,
        });
        let body = reply.body.unwrap();
        assert_eq!(body["type"], 4);
        assert_eq!(body["data"]["flags"], 64);
        assert_eq!(body["data"]["allowed_mentions"]["parse"], json!([]));
        let send = calls(&Effect::SendMessage {
            channel: ChannelId::new(3),
            message: OutgoingMessage::text("x"),
        });
        assert_eq!(send.path, "/channels/3/messages");
    }
}
