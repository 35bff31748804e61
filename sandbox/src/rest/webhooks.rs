//! Channel webhooks: created, listed and deleted with Manage Webhooks (at most 15 a channel:
//! 30007), executed with their token (`?wait=true` answers the message, otherwise 204), and
//! their messages fetched, edited and deleted with the same token. An unknown or deleted
//! webhook is `404 Unknown Webhook` (10015), a wrong token `401 Invalid Webhook Token` (50027).
//!
//! `/webhooks/{application id}/{interaction token}…` stays the interactions' route
//! (`rest/interactions.rs`); everything else under `/webhooks` lands here.

use std::hash::{Hash, Hasher};

use guildhall_core::ids::{ChannelId, MessageId, UserId};
use guildhall_core::permissions::Permissions;
use serde_json::Value;

use super::messages::{check_component_emojis, draft_from};
use super::{
    Answer, ApiError, Auth, Req, cid, gid, mid, need_channel_perm, need_guild_perm, no_content, ok,
    query_checks,
};
use crate::State;
use crate::model::{MAX_CHANNEL_WEBHOOKS, Webhook, WebhookAuthor};
use crate::payloads;

/// The flags a webhook message may carry: SUPPRESS_EMBEDS, SUPPRESS_NOTIFICATIONS,
/// IS_COMPONENTS_V2 (Discord: "only ... can be set").
const EXECUTE_FLAGS: u64 = (1 << 2) | (1 << 12) | (1 << 15);

fn unauthorized() -> ApiError {
    ApiError::new(401, 0, "401: Unauthorized")
}

fn invalid_token() -> ApiError {
    ApiError::new(401, 50027, "Invalid Webhook Token")
}

/// The hash Discord would give an uploaded image (32 hex digits), after checking it is
/// `data:image/{png|jpeg|gif};base64,` data whose bytes are of that type.
fn avatar_hash(field: &str, data: &str) -> Result<String, ApiError> {
    let invalid = || ApiError::field(field, "IMAGE_INVALID", "Invalid image data");
    let (mime, payload) = data
        .strip_prefix("data:")
        .and_then(|rest| rest.split_once(";base64,"))
        .ok_or_else(invalid)?;
    let magic = match mime {
        "image/png" => "iVBORw0KGgo",
        "image/jpeg" | "image/jpg" => "/9j/",
        "image/gif" => "R0lGOD",
        _ => return Err(invalid()),
    };
    if !payload.starts_with(magic) {
        return Err(invalid());
    }
    let mut first = std::collections::hash_map::DefaultHasher::new();
    payload.hash(&mut first);
    let mut second = std::collections::hash_map::DefaultHasher::new();
    (payload, 1_u8).hash(&mut second);
    Ok(format!("{:016x}{:016x}", first.finish(), second.finish()))
}

fn find(st: &State, id: &str) -> Result<Webhook, ApiError> {
    let id: u64 = id.parse().map_err(|_| ApiError::unknown_webhook())?;
    st.world
        .webhooks
        .get(&id)
        .cloned()
        .ok_or_else(ApiError::unknown_webhook)
}

fn find_with_token(st: &State, id: &str, token: &str) -> Result<Webhook, ApiError> {
    let hook = find(st, id)?;
    if hook.token != token {
        return Err(invalid_token());
    }
    Ok(hook)
}

fn need_bot(req: &Req) -> Result<(), ApiError> {
    if req.auth == Auth::Bot {
        Ok(())
    } else {
        Err(unauthorized())
    }
}

/// `POST /channels/{c}/webhooks`.
pub(super) fn create(st: &mut State, channel: &str, req: &Req) -> Answer {
    let channel = cid(channel)?;
    let c = st
        .world
        .channels
        .get(&channel)
        .ok_or_else(ApiError::unknown_channel)?;
    let Some(guild) = c.guild else {
        return Err(ApiError::new(
            400,
            50003,
            "Cannot execute action on a DM channel",
        ));
    };
    if c.kind.is_thread() {
        return Err(ApiError::new(
            400,
            50024,
            "Cannot execute action on this channel type",
        ));
    }
    need_channel_perm(st, channel, Permissions::MANAGE_WEBHOOKS)?;
    let name = req.str("name").unwrap_or_default().to_owned();
    let avatar = match req.str("avatar") {
        Some(data) => Some(avatar_hash("avatar", data)?),
        None => None,
    };
    let count = st
        .world
        .webhooks
        .values()
        .filter(|w| w.channel == channel)
        .count();
    if count >= MAX_CHANNEL_WEBHOOKS {
        return Err(ApiError::new(
            400,
            30007,
            "Maximum number of webhooks reached (15)",
        ));
    }
    let id = st.world.snowflake();
    let token = format!(
        "whtoken.{id}.{:016x}{:016x}",
        rand::random::<u64>(),
        rand::random::<u64>()
    );
    let bot = st.world.bot;
    let hook = Webhook {
        id,
        token,
        channel,
        guild,
        name,
        avatar,
        creator: bot,
        application: Some(bot.get()),
        reason: req.audit_reason.clone(),
    };
    st.world.webhooks.insert(id, hook.clone());
    st.webhooks_changed(guild, channel);
    ok(payloads::webhook(&st.world, &hook, false))
}

/// `GET /channels/{c}/webhooks` (Manage Webhooks).
pub(super) fn list_channel(st: &State, channel: &str) -> Answer {
    let channel = cid(channel)?;
    need_channel_perm(st, channel, Permissions::MANAGE_WEBHOOKS)?;
    ok(Value::Array(
        st.world
            .webhooks
            .values()
            .filter(|w| w.channel == channel)
            .map(|w| payloads::webhook(&st.world, w, false))
            .collect(),
    ))
}

/// `GET /guilds/{g}/webhooks` (Manage Webhooks).
pub(super) fn list_guild(st: &State, guild: &str) -> Answer {
    let guild = gid(guild)?;
    need_guild_perm(st, guild, Permissions::MANAGE_WEBHOOKS)?;
    ok(Value::Array(
        st.world
            .webhooks
            .values()
            .filter(|w| w.guild == guild)
            .map(|w| payloads::webhook(&st.world, w, false))
            .collect(),
    ))
}

/// `GET /webhooks/{id}` (bot token; Manage Webhooks unless the bot's application owns it).
pub(super) fn get(st: &State, id: &str, req: &Req) -> Answer {
    need_bot(req)?;
    let hook = find(st, id)?;
    if hook.application != Some(st.world.bot.get()) {
        need_channel_perm(st, hook.channel, Permissions::MANAGE_WEBHOOKS)?;
    }
    ok(payloads::webhook(&st.world, &hook, false))
}

/// `DELETE /webhooks/{id}` (bot token, Manage Webhooks).
pub(super) fn delete(st: &mut State, id: &str, req: &Req) -> Answer {
    need_bot(req)?;
    let hook = find(st, id)?;
    need_channel_perm(st, hook.channel, Permissions::MANAGE_WEBHOOKS)?;
    st.remove_webhook(hook.id);
    no_content()
}

/// `GET /webhooks/{id}/{token}`: without `user`.
pub(super) fn get_with_token(st: &State, id: &str, token: &str) -> Answer {
    let hook = find_with_token(st, id, token)?;
    ok(payloads::webhook(&st.world, &hook, true))
}

/// `DELETE /webhooks/{id}/{token}`.
pub(super) fn delete_with_token(st: &mut State, id: &str, token: &str) -> Answer {
    let hook = find_with_token(st, id, token)?;
    st.remove_webhook(hook.id);
    no_content()
}

/// `POST /webhooks/{id}/{token}`: posts a message as the webhook (MESSAGE_CREATE like any
/// other); `?wait=true` answers it, otherwise 204.
pub(super) fn execute(st: &mut State, id: &str, token: &str, req: &Req) -> Answer {
    let q = query_checks(req, "POST", &["webhooks", id, token])?;
    let hook = find_with_token(st, id, token)?;
    let wait = q.boolean("wait").unwrap_or(false);
    let with_components = q.boolean("with_components").unwrap_or(false);
    let mut channel = hook.channel;
    if let Some(thread) = q.snowflake("thread_id") {
        let thread = ChannelId::new(thread);
        let inside = st
            .world
            .channels
            .get(&thread)
            .is_some_and(|t| t.kind.is_thread() && t.parent == Some(hook.channel));
        if !inside {
            return Err(ApiError::unknown_channel());
        }
        channel = thread;
    }
    let mut draft = draft_from(&req.body, "")?;
    // Application-owned webhooks may always send components; others only with
    // `with_components`, and otherwise the field is ignored.
    if hook.application.is_none() && !with_components {
        draft.components.clear();
    } else {
        check_component_emojis(&st.world, req.body.get("components"), "")?;
    }
    if draft.content.is_empty() && draft.embeds.is_empty() && draft.components.is_empty() {
        return Err(ApiError::new(400, 50006, "Cannot send an empty message"));
    }
    draft.flags &= EXECUTE_FLAGS;
    draft.webhook = Some(hook.id);
    draft.webhook_author = Some(WebhookAuthor {
        name: req
            .str("username")
            .map_or_else(|| hook.name.clone(), str::to_owned),
        avatar: hook.avatar.clone(),
        avatar_url: req.str("avatar_url").map(str::to_owned),
        application: hook.application,
    });
    let message = st.create_message(channel, UserId::new(hook.id), draft);
    if wait {
        ok(payloads::message(&st.world, &message))
    } else {
        no_content()
    }
}

/// A message this webhook posted (in its channel or one of its threads).
fn own_message(
    st: &State,
    hook: &Webhook,
    message: &str,
) -> Result<(ChannelId, MessageId), ApiError> {
    let id = mid(message)?;
    st.world
        .messages
        .iter()
        .filter(|(c, _)| {
            **c == hook.channel
                || st
                    .world
                    .channels
                    .get(c)
                    .is_some_and(|t| t.parent == Some(hook.channel) && t.kind.is_thread())
        })
        .flat_map(|(_, list)| list.iter())
        .find(|m| m.id == id && m.webhook_id == Some(hook.id) && m.webhook_author.is_some())
        .map(|m| (m.channel, m.id))
        .ok_or_else(ApiError::unknown_message)
}

/// `GET /webhooks/{id}/{token}/messages/{msg}`.
pub(super) fn get_message(st: &State, id: &str, token: &str, message: &str) -> Answer {
    let hook = find_with_token(st, id, token)?;
    let (channel, id) = own_message(st, &hook, message)?;
    let m = st
        .world
        .message(channel, id)
        .ok_or_else(ApiError::unknown_message)?;
    ok(payloads::message(&st.world, m))
}

/// `PATCH /webhooks/{id}/{token}/messages/{msg}`.
pub(super) fn edit_message(
    st: &mut State,
    id: &str,
    token: &str,
    message: &str,
    req: &Req,
) -> Answer {
    let hook = find_with_token(st, id, token)?;
    let (channel, id) = own_message(st, &hook, message)?;
    check_component_emojis(&st.world, req.body.get("components"), "")?;
    let content = req.str("content").map(str::to_owned);
    let list = |key: &str| req.body.get(key).and_then(Value::as_array).cloned();
    let edited = st
        .edit_message(channel, id, content, list("embeds"), list("components"))
        .ok_or_else(ApiError::unknown_message)?;
    ok(payloads::message(&st.world, &edited))
}

/// `DELETE /webhooks/{id}/{token}/messages/{msg}`.
pub(super) fn delete_message(st: &mut State, id: &str, token: &str, message: &str) -> Answer {
    let hook = find_with_token(st, id, token)?;
    let (channel, id) = own_message(st, &hook, message)?;
    st.delete_message(channel, id);
    no_content()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn avatars_must_be_images_of_the_type_they_claim() {
        assert!(avatar_hash("avatar", "data:image/png;base64,iVBORw0KGgoAAAA").is_ok());
        assert!(avatar_hash("avatar", "data:image/jpeg;base64,iVBORw0KGgoAAAA").is_err());
        assert!(avatar_hash("avatar", "https://example.com/a.png").is_err());
        let hash = avatar_hash("avatar", "data:image/gif;base64,R0lGODlh").unwrap_or_default();
        assert_eq!(hash.len(), 32);
    }
}
