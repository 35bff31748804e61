//! Messages, reactions and DM channels.

use guildhall_core::permissions::Permissions;
use serde_json::{Value, json};

use super::{Answer, ApiError, Req, cid, mid, need_channel_perm, no_content, ok, uid};
use crate::State;
use crate::ops::Draft;
use crate::payloads;

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
    })
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

pub(super) fn create(st: &mut State, channel: &str, req: &Req) -> Answer {
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
    let draft = draft_from(&req.body, "")?;
    check_component_emojis(&st.world, req.body.get("components"), "")?;
    if draft.content.is_empty() && draft.embeds.is_empty() && draft.components.is_empty() {
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
pub(super) fn delete(st: &mut State, channel: &str, message: &str) -> Answer {
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
    st.delete_message(channel, id);
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
