//! Interaction callbacks, follow-ups and edits of the original response.

use serde_json::Value;

use super::messages::draft_from;
use super::{Answer, ApiError, Req, mid, no_content, ok};
use crate::model::{InteractionReply, InteractionState};
use crate::{State, payloads};

fn by_token<'a>(st: &'a mut State, token: &str) -> Result<&'a mut InteractionState, ApiError> {
    st.world
        .interactions
        .values_mut()
        .find(|i| i.token == token)
        .ok_or_else(|| ApiError::new(404, 10015, "Unknown Webhook"))
}

pub(super) fn callback(st: &mut State, id: &str, token: &str, req: &Req) -> Answer {
    let id: u64 = id.parse().map_err(|_| ApiError::unknown_interaction())?;
    let state = st
        .world
        .interactions
        .get(&id)
        .filter(|i| i.token == token)
        .cloned()
        .ok_or_else(ApiError::unknown_interaction)?;
    if state.callback_type.is_some() {
        return Err(ApiError::new(
            400,
            40060,
            "Interaction has already been acknowledged.",
        ));
    }
    let kind = req
        .body
        .get("type")
        .and_then(Value::as_u64)
        .ok_or_else(|| ApiError::invalid("Invalid Form Body: type: This field is required"))?;
    let data = req.body.get("data").cloned().unwrap_or(Value::Null);
    let bot = st.world.bot;
    let mut original = None;
    let mut modal = None;
    match kind {
        4 | 5 => {
            let mut draft = draft_from(&data)?;
            let ephemeral = draft.flags & 64;
            if kind == 5 {
                draft = crate::ops::Draft {
                    flags: ephemeral | 128,
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
            return Err(ApiError::invalid(
                "Invalid Form Body: type: invalid callback type",
            ));
        }
    }
    if let Some(entry) = st.world.interactions.get_mut(&id) {
        entry.callback_type = Some(kind);
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
    if app != st.world.bot.to_string() {
        return Err(ApiError::new(404, 10015, "Unknown Webhook"));
    }
    let state = by_token(st, token)?.clone();
    let mut draft = draft_from(&req.body)?;
    if draft.content.is_empty() && draft.embeds.is_empty() && draft.components.is_empty() {
        return Err(ApiError::new(400, 50006, "Cannot send an empty message"));
    }
    let bot = st.world.bot;
    draft.webhook = Some(bot.get());
    draft.interaction = Some((state.id, state.kind, state.name.clone(), state.user));
    let message = st.create_message(state.channel, bot, draft);
    let entry = by_token(st, token)?;
    entry.followups.push(message.id);
    entry.replies.push(InteractionReply {
        what: "followup".into(),
        callback_type: None,
        body: req.body.clone(),
    });
    ok(payloads::message(&st.world, &message))
}

fn resolve(
    st: &mut State,
    token: &str,
    message: &str,
) -> Result<(InteractionState, crate::ids::MessageId), ApiError> {
    let state = by_token(st, token)?.clone();
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

pub(super) fn get_message(st: &mut State, _app: &str, token: &str, message: &str) -> Answer {
    let (state, id) = resolve(st, token, message)?;
    let m = st
        .world
        .message(state.channel, id)
        .ok_or_else(ApiError::unknown_message)?;
    ok(payloads::message(&st.world, m))
}

pub(super) fn edit_message(
    st: &mut State,
    _app: &str,
    token: &str,
    message: &str,
    req: &Req,
) -> Answer {
    let (state, id) = resolve(st, token, message)?;
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
    let entry = by_token(st, token)?;
    entry.replies.push(InteractionReply {
        what: if message == "@original" {
            "edit_original".into()
        } else {
            "edit_followup".into()
        },
        callback_type: None,
        body: req.body.clone(),
    });
    ok(payloads::message(&st.world, &edited))
}

pub(super) fn delete_message(st: &mut State, _app: &str, token: &str, message: &str) -> Answer {
    let (state, id) = resolve(st, token, message)?;
    st.delete_message(state.channel, id);
    let entry = by_token(st, token)?;
    entry.replies.push(InteractionReply {
        what: "delete".into(),
        callback_type: None,
        body: Value::Null,
    });
    no_content()
}
