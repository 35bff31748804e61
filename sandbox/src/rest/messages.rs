//! Messages, reactions and DM channels.

use guildhall_core::ids::{ChannelId, MessageId};
use guildhall_core::permissions::Permissions;
use serde_json::{Value, json};

use super::{Answer, ApiError, Req, cid, mid, need_channel_perm, no_content, ok, uid};
use crate::model::{Attachment, BULK_DELETE_MAX_AGE_MS, snowflake_ms};
use crate::ops::Draft;
use crate::{Inner, State, payloads};

/// Reads content, embeds, components, flags and `allowed_mentions` from a message body
/// (`prefix` names where the body sits, e.g. `data.` in an interaction callback).
pub(crate) fn draft_from(body: &Value, prefix: &str) -> Result<Draft, ApiError> {
    let content = body
        .get("content")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    if content.chars().count() > 2000 {
        return Err(ApiError::field(
            &format!("{prefix}content"),
            "BASE_TYPE_MAX_LENGTH",
            "Must be 2000 or fewer in length.",
        ));
    }
    let list = |key: &str| {
        body.get(key)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    check_embed_size(body, prefix)?;
    let reply = body.get("message_reference").is_some_and(|r| !r.is_null());
    // `allowed_mentions.parse` without "everyone" keeps @everyone/@here from mentioning.
    let suppress_everyone = !body
        .get("allowed_mentions")
        .filter(|a| !a.is_null())
        .is_none_or(|allowed| {
            allowed
                .get("parse")
                .and_then(Value::as_array)
                .is_some_and(|parse| parse.iter().any(|p| p == "everyone"))
        });
    Ok(Draft {
        suppress_everyone,
        content,
        embeds: list("embeds"),
        components: list("components"),
        flags: body.get("flags").and_then(Value::as_u64).unwrap_or(0),
        kind: if reply { 19 } else { 0 },
        webhook: None,
        interaction: None,
        webhook_author: None,
        attachments: Vec::new(),
    })
}

/// Discord's limit on all of a message's embeds together: the characters of every title,
/// description, field name and value, footer text and author name, whitespace trimmed, at
/// most 6000 (the per-field limits and the 10 embeds are the OpenAPI document's, checked
/// before).
pub(crate) const MAX_EMBED_TOTAL: usize = 6_000;

fn check_embed_size(body: &Value, prefix: &str) -> Result<(), ApiError> {
    let Some(embeds) = body.get("embeds").and_then(Value::as_array) else {
        return Ok(());
    };
    let count = |value: Option<&Value>| {
        value
            .and_then(Value::as_str)
            .map_or(0, |text| text.trim().chars().count())
    };
    let total: usize = embeds
        .iter()
        .map(|embed| {
            let fields: usize = embed
                .get("fields")
                .and_then(Value::as_array)
                .map_or(0, |fields| {
                    fields
                        .iter()
                        .map(|f| count(f.get("name")) + count(f.get("value")))
                        .sum()
                });
            count(embed.get("title"))
                + count(embed.get("description"))
                + count(embed.get("footer").and_then(|f| f.get("text")))
                + count(embed.get("author").and_then(|a| a.get("name")))
                + fields
        })
        .sum();
    if total > MAX_EMBED_TOTAL {
        return Err(ApiError::field(
            &format!("{prefix}embeds"),
            "MAX_EMBED_SIZE_EXCEEDED",
            "Embed size exceeds maximum size of 6000",
        ));
    }
    Ok(())
}

/// The attachments of a multipart message: each `files[n]` part, with the `filename` and
/// `description` its `attachments` entry (`{"id": n, …}`) gives, else the part's file name.
pub(crate) fn uploads(
    inner: &Inner,
    st: &mut State,
    channel: ChannelId,
    req: &Req,
) -> Vec<Attachment> {
    let declared = req
        .body
        .get("attachments")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let base = format!("http://{}", inner.config.addr);
    req.files
        .iter()
        .map(|file| {
            let index = file
                .name
                .strip_prefix("files[")
                .and_then(|n| n.strip_suffix(']'))
                .map(str::to_owned);
            let entry = declared.iter().find(|a| {
                let id = match a.get("id") {
                    Some(Value::String(text)) => Some(text.clone()),
                    Some(Value::Number(number)) => Some(number.to_string()),
                    _ => None,
                };
                id.is_some() && id == index
            });
            let filename = entry
                .and_then(|a| a.get("filename"))
                .and_then(Value::as_str)
                .unwrap_or(&file.filename)
                .to_owned();
            let description = entry
                .and_then(|a| a.get("description"))
                .and_then(Value::as_str)
                .map(str::to_owned);
            attachment(
                st,
                &base,
                channel,
                filename,
                description,
                file.content_type.clone(),
                file.bytes.clone(),
            )
        })
        .collect()
}

/// An attachment with a fresh id, served by the stand-in at its url.
pub(crate) fn attachment(
    st: &mut State,
    base: &str,
    channel: ChannelId,
    filename: String,
    description: Option<String>,
    content_type: Option<String>,
    bytes: Vec<u8>,
) -> Attachment {
    let id = st.world.snowflake();
    let url = format!("{base}/attachments/{channel}/{id}/{filename}");
    Attachment {
        id,
        filename,
        description,
        content_type,
        proxy_url: url.clone(),
        url,
        bytes,
    }
}

/// Refuses a component whose emoji names a custom emoji no guild of the bot has, as Discord
/// does (`50035`, `BUTTON_COMPONENT_INVALID_EMOJI` at the emoji's id): a bot may show the
/// custom emojis of the guilds it is in, and no other.
pub(crate) fn check_component_emojis(
    world: &crate::model::World,
    components: Option<&Value>,
    prefix: &str,
) -> Result<(), ApiError> {
    let known = |id: u64| {
        world
            .guilds
            .values()
            .any(|guild| guild.emojis.iter().any(|emoji| emoji.id == id))
    };
    let id_of = |emoji: &Value| {
        emoji.get("id").and_then(|id| match id {
            Value::String(text) => Some(text.parse::<u64>().unwrap_or(0)),
            Value::Number(number) => Some(number.as_u64().unwrap_or(0)),
            _ => None,
        })
    };
    let rows = components
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for (r, row) in rows.iter().enumerate() {
        let inner = row
            .get("components")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for (c, component) in inner.iter().enumerate() {
            if let Some(id) = component.get("emoji").and_then(id_of)
                && !known(id)
            {
                return Err(ApiError::field(
                    &format!("{prefix}components.{r}.components.{c}.emoji.id"),
                    "BUTTON_COMPONENT_INVALID_EMOJI",
                    "Invalid emoji",
                ));
            }
            let options = component
                .get("options")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            for (o, option) in options.iter().enumerate() {
                if let Some(id) = option.get("emoji").and_then(id_of)
                    && !known(id)
                {
                    return Err(ApiError::field(
                        &format!("{prefix}components.{r}.components.{c}.options.{o}.emoji.id"),
                        "SELECT_COMPONENT_INVALID_EMOJI",
                        "Invalid emoji",
                    ));
                }
            }
        }
    }
    Ok(())
}

pub(super) fn create(inner: &Inner, st: &mut State, channel: &str, req: &Req) -> Answer {
    let channel = cid(channel)?;
    let c = st
        .world
        .channels
        .get(&channel)
        .ok_or_else(ApiError::unknown_channel)?;
    let needed = if c.kind.is_thread() {
        Permissions::SEND_MESSAGES_IN_THREADS
    } else {
        Permissions::SEND_MESSAGES
    };
    need_channel_perm(st, channel, needed)?;
    if req.body.get("tts").and_then(Value::as_bool) == Some(true) {
        need_channel_perm(st, channel, Permissions::SEND_TTS_MESSAGES)?;
    }
    // A reply needs Read Message History, and the message it answers.
    if let Some(reference) = req.body.get("message_reference").filter(|r| !r.is_null()) {
        need_channel_perm(st, channel, Permissions::READ_MESSAGE_HISTORY)?;
        let referenced = reference
            .get("message_id")
            .and_then(|id| match id {
                Value::String(text) => text.parse::<u64>().ok(),
                other => other.as_u64(),
            })
            .map(guildhall_core::ids::MessageId::new);
        let in_channel = reference
            .get("channel_id")
            .and_then(Value::as_str)
            .is_none_or(|c| c == channel.to_string());
        let exists =
            referenced.is_some_and(|id| in_channel && st.world.message(channel, id).is_some());
        let must_exist = reference
            .get("fail_if_not_exists")
            .and_then(Value::as_bool)
            .unwrap_or(true);
        if !exists && must_exist {
            return Err(ApiError::field(
                "message_reference",
                "MESSAGE_REFERENCE_UNKNOWN_MESSAGE",
                "Unknown message",
            ));
        }
    }
    let mut draft = draft_from(&req.body, "")?;
    check_component_emojis(&st.world, req.body.get("components"), "")?;
    if !req.files.is_empty() {
        need_channel_perm(st, channel, Permissions::ATTACH_FILES)?;
    }
    if draft.content.is_empty()
        && draft.embeds.is_empty()
        && draft.components.is_empty()
        && req.files.is_empty()
    {
        return Err(ApiError::new(400, 50006, "Cannot send an empty message"));
    }
    // `enforce_nonce`: the same nonce from the bot in this channel within a few minutes gets
    // the first message back, and nothing is posted again.
    let nonce = req
        .body
        .get("enforce_nonce")
        .and_then(Value::as_bool)
        .unwrap_or(false)
        .then(|| match req.body.get("nonce") {
            Some(Value::String(text)) => Some(text.clone()),
            Some(Value::Number(number)) => Some(number.to_string()),
            _ => None,
        })
        .flatten();
    if let Some(nonce) = &nonce {
        if nonce.chars().count() > 25 {
            return Err(ApiError::field(
                "nonce",
                "BASE_TYPE_MAX_LENGTH",
                "Must be 25 or fewer in length.",
            ));
        }
        let key = (channel, nonce.clone());
        if let Some(earlier) = st
            .world
            .nonces
            .get(&key)
            .and_then(|id| st.world.message(channel, *id))
            && st.world.now().0 - earlier.timestamp.0 < crate::model::NONCE_WINDOW_MS
        {
            return ok(payloads::message(&st.world, earlier));
        }
    }
    draft.attachments = uploads(inner, st, channel, req);
    let bot = st.world.bot;
    let message = st.create_message(channel, bot, draft);
    if let Some(nonce) = nonce {
        st.world.nonces.insert((channel, nonce), message.id);
    }
    ok(payloads::message(&st.world, &message))
}

pub(super) fn list(st: &State, channel: &str) -> Answer {
    let channel = cid(channel)?;
    need_channel_perm(st, channel, Permissions::READ_MESSAGE_HISTORY)?;
    let messages: Vec<Value> = st
        .world
        .messages
        .get(&channel)
        .map(|list| {
            list.iter()
                .rev()
                .filter(|m| m.flags & 64 == 0)
                .take(50)
                .map(|m| payloads::message(&st.world, m))
                .collect()
        })
        .unwrap_or_default();
    ok(Value::Array(messages))
}

pub(super) fn get(st: &State, channel: &str, message: &str) -> Answer {
    let channel = cid(channel)?;
    need_channel_perm(st, channel, Permissions::READ_MESSAGE_HISTORY)?;
    let m = st
        .world
        .message(channel, mid(message)?)
        .ok_or_else(ApiError::unknown_message)?;
    ok(payloads::message(&st.world, m))
}

pub(super) fn edit(st: &mut State, channel: &str, message: &str, req: &Req) -> Answer {
    let channel = cid(channel)?;
    let id = mid(message)?;
    need_channel_perm(st, channel, Permissions::VIEW_CHANNEL)?;
    let m = st
        .world
        .message(channel, id)
        .ok_or_else(ApiError::unknown_message)?;
    if m.author != st.world.bot {
        return Err(ApiError::new(
            403,
            50005,
            "Cannot edit a message authored by another user",
        ));
    }
    check_component_emojis(&st.world, req.body.get("components"), "")?;
    let content = req.str("content").map(str::to_owned);
    let list = |key: &str| req.body.get(key).and_then(Value::as_array).cloned();
    let edited = st
        .edit_message(channel, id, content, list("embeds"), list("components"))
        .ok_or_else(ApiError::unknown_message)?;
    ok(payloads::message(&st.world, &edited))
}

/// Deleting a message: the bot's own with access to the channel, anyone else's with Manage
/// Messages, and never someone else's in a DM.
/// Deleting someone else's message in a guild is recorded in the audit log (72, grouped as
/// Discord groups them); the bot's own is not.
pub(super) fn delete(st: &mut State, channel: &str, message: &str, req: &Req) -> Answer {
    let channel = cid(channel)?;
    let id = mid(message)?;
    need_channel_perm(st, channel, Permissions::VIEW_CHANNEL)?;
    let m = st
        .world
        .message(channel, id)
        .ok_or_else(ApiError::unknown_message)?;
    let in_dm = st
        .world
        .channels
        .get(&channel)
        .is_some_and(|c| c.guild.is_none());
    if m.author != st.world.bot {
        if in_dm {
            return Err(ApiError::new(
                403,
                50003,
                "Cannot execute action on a DM channel",
            ));
        }
        need_channel_perm(st, channel, Permissions::MANAGE_MESSAGES)?;
    }
    let (author, guild) = (m.author, m.guild);
    st.delete_message(channel, id);
    if let Some(guild) = guild {
        let bot = st.world.bot;
        st.world
            .record_message_delete(guild, bot, author, channel, req.audit_reason.clone());
    }
    no_content()
}

/// `POST /channels/{channel}/messages/bulk-delete` `{"messages": [ids]}`: 2 to 100 distinct
/// ids (the count is the OpenAPI document's, checked before; duplicates are refused here as
/// Discord does), Manage Messages in the channel, none older than 14 days (else nothing is
/// deleted). Ids of messages that do not exist are ignored. One MESSAGE_DELETE_BULK, and an
/// audit log entry (73) with the number deleted.
pub(super) fn bulk_delete(st: &mut State, channel: &str, req: &Req) -> Answer {
    let channel = cid(channel)?;
    let c = st
        .world
        .channels
        .get(&channel)
        .ok_or_else(ApiError::unknown_channel)?;
    let Some(guild) = c.guild else {
        return Err(ApiError::new(
            403,
            50003,
            "Cannot execute action on a DM channel",
        ));
    };
    let list = req
        .body
        .get("messages")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut ids: Vec<MessageId> = Vec::with_capacity(list.len());
    for (index, value) in list.iter().enumerate() {
        let id = match value {
            Value::String(text) => text.parse::<MessageId>().ok(),
            Value::Number(number) => number.as_u64().map(MessageId::new),
            _ => None,
        }
        .ok_or_else(|| {
            ApiError::field(
                &format!("messages.{index}"),
                "NUMBER_TYPE_COERCE",
                &format!("Value \"{value}\" is not snowflake."),
            )
        })?;
        if ids.contains(&id) {
            return Err(ApiError::field(
                &format!("messages.{index}"),
                "SET_TYPE_ALREADY_CONTAINS_VALUE",
                "The set already contains this value",
            ));
        }
        ids.push(id);
    }
    need_channel_perm(st, channel, Permissions::MANAGE_MESSAGES)?;
    // Discord goes by the ids' time, whether or not the messages exist.
    let oldest = st.now().0 - BULK_DELETE_MAX_AGE_MS;
    if ids.iter().any(|id| snowflake_ms(id.get()) < oldest) {
        return Err(ApiError::new(
            400,
            50034,
            "You can only bulk delete messages that are under 14 days old.",
        ));
    }
    let bot = st.world.bot;
    st.purge(guild, channel, &ids, bot, req.audit_reason.clone());
    no_content()
}

pub(super) fn react(
    st: &mut State,
    channel: &str,
    message: &str,
    emoji: &str,
    add: bool,
) -> Answer {
    let channel = cid(channel)?;
    let id = mid(message)?;
    // Reacting takes Read Message History, and Add Reactions for an emoji nobody has used on
    // the message yet.
    need_channel_perm(st, channel, Permissions::VIEW_CHANNEL)?;
    let Some(m) = st.world.message(channel, id) else {
        return Err(ApiError::unknown_message());
    };
    if add {
        let new_emoji = !m.reactions.iter().any(|r| r.emoji == emoji);
        need_channel_perm(st, channel, Permissions::READ_MESSAGE_HISTORY)?;
        if new_emoji {
            need_channel_perm(st, channel, Permissions::ADD_REACTIONS)?;
        }
    }
    let bot = st.world.bot;
    if add {
        st.add_reaction(channel, id, bot, emoji);
    } else {
        st.remove_reaction(channel, id, bot, emoji);
    }
    no_content()
}

pub(super) fn create_dm(st: &mut State, req: &Req) -> Answer {
    let user = uid(req.str("recipient_id").unwrap_or_default())?;
    if st.world.user(user).is_none() {
        return Err(ApiError::unknown_user());
    }
    let channel = st.world.dm_channel(user);
    let c = st
        .world
        .channels
        .get(&channel)
        .ok_or_else(ApiError::unknown_channel)?;
    let mut body = payloads::channel(&st.world, c);
    if let Some(map) = body.as_object_mut() {
        map.insert("recipient_flags".into(), json!(0));
    }
    ok(body)
}
