//! Core effects as Discord API v10 requests: method, path, JSON body.

use guildhall_core::clock::UnixMillis;
use guildhall_core::effect::{ButtonStyle, Component, Effect, Embed, OutgoingMessage};
use guildhall_core::permissions::{Overwrite, OverwriteTarget};
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
    /// Files sent beside the JSON body (`multipart/form-data` with `payload_json`).
    pub files: Vec<guildhall_core::effect::OutgoingFile>,
}

fn call(method: Method, path: String, body: Option<Value>, reason: &Option<String>) -> Call {
    Call {
        method,
        path,
        body,
        reason: reason.clone(),
        files: Vec::new(),
    }
}

/// An emoji as a reaction's path segment: a custom emoji (`<:name:id>`, `<a:name:id>`) as
/// `name:id`, a Unicode one percent-encoded.
fn reaction_path(emoji: &str) -> String {
    let emoji = emoji.trim();
    let custom = emoji
        .strip_prefix("<a:")
        .or_else(|| emoji.strip_prefix("<:"))
        .and_then(|rest| rest.strip_suffix('>'));
    let plain = custom.unwrap_or(emoji);
    percent_encoding::utf8_percent_encode(plain, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// The call that performs an effect (for a DM, the message call after the channel exists:
/// see [`super::Executor::execute`]).
pub fn calls(effect: &Effect) -> Call {
    match effect {
        Effect::SendMessage { channel, message }
        | Effect::Announce {
            channel, message, ..
        } => Call {
            files: message.files.clone(),
            ..call(
                Method::Post,
                format!("/channels/{channel}/messages"),
                Some(message_json(message)),
                &None,
            )
        },
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
        Effect::MoveVoice {
            guild,
            user,
            channel,
            reason,
        } => call(
            Method::Patch,
            format!("/guilds/{guild}/members/{user}"),
            Some(json!({ "channel_id": channel.map(|channel| channel.to_string()) })),
            reason,
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
        Effect::React {
            channel,
            message_id,
            emoji,
        } => call(
            Method::Put,
            format!(
                "/channels/{channel}/messages/{message_id}/reactions/{}/@me",
                reaction_path(emoji)
            ),
            None,
            &None,
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
        Effect::CreateChannel {
            guild,
            name,
            parent,
            overwrites,
            reason,
        } => call(
            Method::Post,
            format!("/guilds/{guild}/channels"),
            Some(json!({
                "name": name,
                "type": 0,
                "parent_id": parent.map(|parent| parent.to_string()),
                "permission_overwrites": overwrites.iter().map(overwrite_json).collect::<Vec<_>>(),
            })),
            reason,
        ),
        Effect::SetChannelPermission {
            channel,
            overwrite,
            reason,
        } => {
            let (id, kind) = overwrite_target(overwrite.target);
            call(
                Method::Put,
                format!("/channels/{channel}/permissions/{id}"),
                Some(json!({
                    "type": kind,
                    "allow": overwrite.allow.0.to_string(),
                    "deny": overwrite.deny.0.to_string(),
                })),
                reason,
            )
        }
        Effect::SetThreadState {
            thread,
            archived,
            locked,
            reason,
        } => call(
            Method::Patch,
            format!("/channels/{thread}"),
            Some(json!({ "archived": archived, "locked": locked })),
            reason,
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

/// A permission overwrite as Discord's JSON: the role or member id, its type (0 role,
/// 1 member), and the allow and deny bit sets as decimal strings.
pub fn overwrite_json(overwrite: &Overwrite) -> Value {
    let (id, kind) = overwrite_target(overwrite.target);
    json!({
        "id": id,
        "type": kind,
        "allow": overwrite.allow.0.to_string(),
        "deny": overwrite.deny.0.to_string(),
    })
}

/// An overwrite's target as Discord names it: the id, and the type (0 role, 1 member).
fn overwrite_target(target: OverwriteTarget) -> (String, u8) {
    match target {
        OverwriteTarget::Role(role) => (role.to_string(), 0),
        OverwriteTarget::Member(user) => (user.to_string(), 1),
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
    let mut body = json!({
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
    });
    if !message.files.is_empty()
        && let Some(fields) = body.as_object_mut()
    {
        fields.insert(
            "attachments".into(),
            message
                .files
                .iter()
                .enumerate()
                .map(|(id, file)| json!({"id": id, "filename": file.name}))
                .collect::<Vec<_>>()
                .into(),
        );
    }
    if let (Some(nonce), Some(fields)) = (&message.nonce, body.as_object_mut()) {
        // Discord returns the earlier message for a nonce it saw from us in the last minutes.
        fields.insert("nonce".into(), json!(nonce));
        fields.insert("enforce_nonce".into(), json!(true));
    }
    body
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
        if let Some(thumbnail) = &embed.thumbnail {
            fields.insert("thumbnail".into(), json!({ "url": thumbnail }));
        }
        fields.retain(|_, value| !value.is_null());
    }
    value
}

/// A label and, when it begins with a custom emoji, that emoji as Discord's partial emoji.
fn label_and_emoji(label: &str) -> (&str, Value) {
    match guildhall_core::effect::label_emoji(label) {
        (Some(emoji), rest) => (
            rest,
            json!({ "id": emoji.id.to_string(), "name": emoji.name, "animated": emoji.animated }),
        ),
        (None, whole) => (whole, Value::Null),
    }
}

fn component_json(component: &Component) -> Value {
    match component {
        Component::Button {
            custom_id,
            label,
            style,
            disabled,
        } => {
            let (label, emoji) = label_and_emoji(label);
            let mut button = json!({
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
            });
            if !emoji.is_null() {
                button["emoji"] = emoji;
            }
            button
        }
        // Discord's premium button: no label, custom id, url or emoji.
        Component::Premium { sku } => json!({
            "type": 2,
            "style": 6,
            "sku_id": sku.to_string(),
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
            "options": options.iter().map(|option| {
                let (label, emoji) = label_and_emoji(&option.label);
                let mut choice = json!({
                    "label": label,
                    "value": option.value,
                    "description": option.description,
                });
                if !emoji.is_null() {
                    choice["emoji"] = emoji;
                }
                choice
            }).collect::<Vec<_>>(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use guildhall_core::ids::{ChannelId, GuildId, UserId};

    use super::*;

    #[test]
    fn a_label_that_begins_with_a_custom_emoji_sends_it_as_the_components_emoji() {
        let button = component_json(&Component::Button {
            custom_id: "roles:p:1:2".into(),
            label: "<a:party:964689920000000555> Events".into(),
            style: ButtonStyle::Secondary,
            disabled: false,
        });
        assert_eq!(button["label"], "Events");
        assert_eq!(
            button["emoji"],
            json!({ "id": "964689920000000555", "name": "party", "animated": true })
        );
        let plain = component_json(&Component::Button {
            custom_id: "roles:p:1:3".into(),
            label: "🎮 Games".into(),
            style: ButtonStyle::Secondary,
            disabled: false,
        });
        assert_eq!(plain["label"], "🎮 Games");
        assert!(plain.get("emoji").is_none());
        let select = component_json(&Component::Select {
            custom_id: "roles:s:1".into(),
            placeholder: None,
            options: vec![guildhall_core::effect::SelectOption {
                label: "<:wave:42> Hello".into(),
                value: "5".into(),
                description: None,
            }],
            min_values: 0,
            max_values: 1,
        });
        assert_eq!(select["options"][0]["label"], "Hello");
        assert_eq!(select["options"][0]["emoji"]["id"], "42");
    }

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
    fn channel_effects_map_to_discords_routes_with_their_reason() {
        use guildhall_core::ids::RoleId;
        use guildhall_core::permissions::Permissions;

        let create = calls(&Effect::CreateChannel {
            guild: GuildId::new(1),
            name: "ticket-0001".into(),
            parent: Some(ChannelId::new(2)),
            overwrites: vec![
                Overwrite {
                    target: OverwriteTarget::Role(RoleId::new(1)),
                    allow: Permissions::NONE,
                    deny: Permissions::VIEW_CHANNEL,
                },
                Overwrite {
                    target: OverwriteTarget::Member(UserId::new(3)),
                    allow: Permissions::VIEW_CHANNEL | Permissions::SEND_MESSAGES,
                    deny: Permissions::NONE,
                },
            ],
            reason: Some("Ticket #1 opened".into()),
        });
        assert_eq!(
            (create.method, create.path.as_str()),
            (Method::Post, "/guilds/1/channels")
        );
        assert_eq!(create.reason.as_deref(), Some("Ticket #1 opened"));
        assert_eq!(
            create.body.unwrap(),
            json!({
                "name": "ticket-0001",
                "type": 0,
                "parent_id": "2",
                "permission_overwrites": [
                    {"id": "1", "type": 0, "allow": "0", "deny": "1024"},
                    {"id": "3", "type": 1, "allow": "3072", "deny": "0"},
                ],
            })
        );

        let permission = calls(&Effect::SetChannelPermission {
            channel: ChannelId::new(5),
            overwrite: Overwrite {
                target: OverwriteTarget::Member(UserId::new(3)),
                allow: Permissions::VIEW_CHANNEL,
                deny: Permissions::SEND_MESSAGES,
            },
            reason: Some("Ticket #1 closed".into()),
        });
        assert_eq!(
            (permission.method, permission.path.as_str()),
            (Method::Put, "/channels/5/permissions/3")
        );
        assert_eq!(
            permission.body.unwrap(),
            json!({"type": 1, "allow": "1024", "deny": "2048"})
        );
        assert_eq!(permission.reason.as_deref(), Some("Ticket #1 closed"));

        let archive = calls(&Effect::SetThreadState {
            thread: ChannelId::new(6),
            archived: true,
            locked: true,
            reason: None,
        });
        assert_eq!(
            (archive.method, archive.path.as_str()),
            (Method::Patch, "/channels/6")
        );
        assert_eq!(
            archive.body.unwrap(),
            json!({"archived": true, "locked": true})
        );
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
        let body = send.body.unwrap();
        assert!(body.get("nonce").is_none() && body.get("enforce_nonce").is_none());
        let mut once = OutgoingMessage::text("winners");
        once.nonce = Some("w0123456789abcdef".into());
        let send = calls(&Effect::SendMessage {
            channel: ChannelId::new(3),
            message: once,
        });
        let body = send.body.unwrap();
        assert_eq!(
            (&body["nonce"], &body["enforce_nonce"]),
            (&json!("w0123456789abcdef"), &json!(true))
        );
    }
}
