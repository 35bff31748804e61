//! Interaction callbacks, follow-ups and edits of the original response, with Discord's
//! timing: one callback, within 3 seconds of the interaction's creation (then `404 Unknown
//! interaction`, 10062); the token's webhook exists only once the interaction is acknowledged
//! (before: `404 Unknown Webhook`, 10015) and for 15 minutes (then `401 Invalid Webhook Token`,
//! 50027).

use serde_json::Value;

use super::messages::draft_from;
use super::{Answer, ApiError, Req, mid, no_content, ok};
use crate::model::{
    INTERACTION_ACK_WINDOW, INTERACTION_TOKEN_LIFETIME, InteractionReply, InteractionState,
    RejectedCallback,
};
use crate::{State, payloads};

/// `EPHEMERAL`.
const EPHEMERAL: u64 = 1 << 6;
/// `LOADING`: the "thinking…" message of a deferred response.
const LOADING: u64 = 1 << 7;

fn find_token<'a>(st: &'a mut State, token: &str) -> Option<&'a mut InteractionState> {
    st.world
        .interactions
        .values_mut()
        .find(|i| i.token == token)
}

/// The interaction whose token addresses a webhook route, if the webhook exists: the
/// application must be the bot, the token known and not expired, and the interaction
/// acknowledged.
fn webhook<'a>(
    st: &'a mut State,
    app: &str,
    token: &str,
) -> Result<&'a mut InteractionState, ApiError> {
    if app != st.world.bot.to_string() {
        return Err(ApiError::unknown_webhook());
    }
    let state = find_token(st, token).ok_or_else(ApiError::unknown_webhook)?;
    if state.age() > INTERACTION_TOKEN_LIFETIME {
        return Err(ApiError::new(401, 50027, "Invalid Webhook Token"));
    }
    if state.callback_type.is_none() {
        return Err(ApiError::unknown_webhook());
    }
    Ok(state)
}

pub(super) fn callback(st: &mut State, id: &str, token: &str, req: &Req) -> Answer {
    let id: u64 = id.parse().map_err(|_| ApiError::unknown_interaction())?;
    let entry = st
        .world
        .interactions
        .get_mut(&id)
        .filter(|i| i.token == token)
        .ok_or_else(ApiError::unknown_interaction)?;
    let age = entry.age();
    let refusal = if age > INTERACTION_ACK_WINDOW {
        Some(ApiError::unknown_interaction())
    } else if entry.callback_type.is_some() {
        Some(ApiError::new(
            400,
            40060,
            "Interaction has already been acknowledged.",
        ))
    } else {
        None
    };
    if let Some(error) = refusal {
        entry.rejected.push(RejectedCallback {
            after: age,
            status: error.status,
            code: error.code,
        });
        return Err(error);
    }
    let state = entry.clone();
    let kind = req
        .body
        .get("type")
        .and_then(Value::as_u64)
        .ok_or_else(|| ApiError::field("type", "BASE_TYPE_REQUIRED", "This field is required"))?;
    let data = req.body.get("data").cloned().unwrap_or(Value::Null);
    let bot = st.world.bot;
    let mut original = None;
    let mut modal = None;
    match kind {
        4 | 5 => {
            let mut draft = draft_from(&data, "data.")?;
            super::messages::check_component_emojis(&st.world, data.get("components"), "data.")?;
            let ephemeral = draft.flags & EPHEMERAL;
            if kind == 5 {
                draft = crate::ops::Draft {
                    flags: ephemeral | LOADING,
                    ..Default::default()
                };
            } else if draft.content.is_empty()
                && draft.embeds.is_empty()
                && draft.components.is_empty()
            {
                return Err(ApiError::new(400, 50006, "Cannot send an empty message"));
            }
            draft.kind = if state.kind == 2 { 20 } else { 0 };
            draft.webhook = Some(bot.get());
            draft.interaction = Some((state.id, state.kind, state.name.clone(), state.user));
            let message = st.create_message(state.channel, bot, draft);
            original = Some(message.id);
        }
        6 => original = state.message,
        7 => {
            let Some(message) = state.message else {
                return Err(ApiError::new(
                    400,
                    40004,
                    "Interaction is not a component interaction",
                ));
            };
            let content = data
                .get("content")
                .and_then(Value::as_str)
                .map(str::to_owned);
            let list = |key: &str| data.get(key).and_then(Value::as_array).cloned();
            st.edit_message(
                state.channel,
                message,
                content,
                list("embeds"),
                list("components"),
            );
            original = Some(message);
        }
        9 => modal = Some(data.clone()),
        1 | 8 => {}
        _ => {
            return Err(ApiError::field(
                "type",
                "BASE_TYPE_CHOICES",
                "Value must be one of (1, 4, 5, 6, 7, 8, 9, 10, 12).",
            ));
        }
    }
    if let Some(entry) = st.world.interactions.get_mut(&id) {
        entry.callback_type = Some(kind);
        entry.acknowledged_after = Some(age);
        entry.original = original;
        entry.modal = modal;
        entry.replies.push(InteractionReply {
            what: "callback".into(),
            callback_type: Some(kind),
            body: req.body.clone(),
        });
    }
    no_content()
}

pub(super) fn followup(st: &mut State, app: &str, token: &str, req: &Req) -> Answer {
    let state = webhook(st, app, token)?.clone();
    let mut draft = draft_from(&req.body, "")?;
    super::messages::check_component_emojis(&st.world, req.body.get("components"), "")?;
    if draft.content.is_empty() && draft.embeds.is_empty() && draft.components.is_empty() {
        return Err(ApiError::new(400, 50006, "Cannot send an empty message"));
    }
    // Right after a deferred response (type 5), Discord treats a follow-up as an edit of the
    // "thinking…" message (backwards compatibility): no new message, and the deferral's
    // ephemerality is kept whatever the follow-up's flags say.
    let loading = (state.callback_type == Some(5))
        .then_some(state.original)
        .flatten()
        .filter(|id| {
            st.world
                .message(state.channel, *id)
                .is_some_and(|m| m.flags & LOADING != 0)
        });
    if let Some(id) = loading {
        let list = |key: &str| req.body.get(key).and_then(Value::as_array).cloned();
        let edited = st
            .edit_message(
                state.channel,
                id,
                Some(draft.content),
                list("embeds"),
                list("components"),
            )
            .ok_or_else(ApiError::unknown_message)?;
        if let Some(entry) = find_token(st, token) {
            entry.replies.push(InteractionReply {
                what: "followup_as_edit_original".into(),
                callback_type: None,
                body: req.body.clone(),
            });
        }
        return ok(payloads::message(&st.world, &edited));
    }
    let bot = st.world.bot;
    draft.webhook = Some(bot.get());
    draft.interaction = Some((state.id, state.kind, state.name.clone(), state.user));
    let message = st.create_message(state.channel, bot, draft);
    if let Some(entry) = find_token(st, token) {
        entry.followups.push(message.id);
        entry.replies.push(InteractionReply {
            what: "followup".into(),
            callback_type: None,
            body: req.body.clone(),
        });
    }
    ok(payloads::message(&st.world, &message))
}

fn resolve(
    st: &mut State,
    app: &str,
    token: &str,
    message: &str,
) -> Result<(InteractionState, crate::ids::MessageId), ApiError> {
    let state = webhook(st, app, token)?.clone();
    let id = if message == "@original" {
        state.original.ok_or_else(ApiError::unknown_message)?
    } else {
        mid(message)?
    };
    if st.world.message(state.channel, id).is_none() {
        return Err(ApiError::unknown_message());
    }
    Ok((state, id))
}

pub(super) fn get_message(st: &mut State, app: &str, token: &str, message: &str) -> Answer {
    let (state, id) = resolve(st, app, token, message)?;
    let m = st
        .world
        .message(state.channel, id)
        .ok_or_else(ApiError::unknown_message)?;
    ok(payloads::message(&st.world, m))
}

pub(super) fn edit_message(
    st: &mut State,
    app: &str,
    token: &str,
    message: &str,
    req: &Req,
) -> Answer {
    let (state, id) = resolve(st, app, token, message)?;
    let content = req.str("content").map(str::to_owned);
    let list = |key: &str| req.body.get(key).and_then(Value::as_array).cloned();
    let edited = st
        .edit_message(
            state.channel,
            id,
            content,
            list("embeds"),
            list("components"),
        )
        .ok_or_else(ApiError::unknown_message)?;
    if let Some(entry) = find_token(st, token) {
        entry.replies.push(InteractionReply {
            what: if message == "@original" {
                "edit_original".into()
            } else {
                "edit_followup".into()
            },
            callback_type: None,
            body: req.body.clone(),
        });
    }
    ok(payloads::message(&st.world, &edited))
}

pub(super) fn delete_message(st: &mut State, app: &str, token: &str, message: &str) -> Answer {
    let (state, id) = resolve(st, app, token, message)?;
    st.delete_message(state.channel, id);
    if let Some(entry) = find_token(st, token) {
        entry.replies.push(InteractionReply {
            what: "delete".into(),
            callback_type: None,
            body: Value::Null,
        });
    }
    no_content()
}
