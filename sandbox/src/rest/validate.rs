//! Request bodies checked against Discord's OpenAPI document ([`crate::schema`]), plus the
//! limits Discord enforces that the document states more loosely. A body that fails gets
//! Discord's `400 {"code": 50035, "message": "Invalid Form Body", "errors": {...}}`; routes the
//! document does not have are not checked.

use axum::http::Method;
use serde_json::Value;

use super::ApiError;
use crate::schema::{self, Mode, Violation};

/// `IS_COMPONENTS_V2`: a message made of layout components instead of action rows.
const COMPONENTS_V2: u64 = 1 << 15;

/// How a request's body arrived.
#[derive(Debug)]
pub(crate) enum Content {
    /// No body.
    None,
    /// A JSON body.
    Json(Value),
    /// A body that claims to be JSON and is not.
    InvalidJson,
    /// `application/x-www-form-urlencoded`, as an object of strings.
    Form(Value),
    /// `multipart/form-data`: the `payload_json` part if any (`Null` when it is not JSON), and
    /// the other non-file parts as an object of strings.
    Multipart {
        payload_json: Option<Value>,
        fields: Value,
    },
}

impl Content {
    /// What is recorded and handed to the route: the JSON, the `payload_json`, or the form.
    pub(crate) fn value(&self) -> Option<Value> {
        match self {
            Self::None | Self::InvalidJson => None,
            Self::Json(value) | Self::Form(value) => Some(value.clone()),
            Self::Multipart { payload_json, .. } => payload_json.clone(),
        }
    }
}

/// Checks a body against its operation's `requestBody` schema and Discord's own limits.
pub(crate) fn check(method: &Method, segs: &[String], content: &Content) -> Result<(), ApiError> {
    let (value, content_type) = match content {
        Content::None => return Ok(()),
        Content::InvalidJson => {
            return Err(ApiError::new(
                400,
                50109,
                "The request body contains invalid JSON.",
            ));
        }
        Content::Json(value) => (value, "application/json"),
        Content::Form(value) => (value, "application/x-www-form-urlencoded"),
        Content::Multipart {
            payload_json: Some(Value::Null),
            ..
        } => {
            return Err(ApiError::new(
                400,
                50109,
                "The request body contains invalid JSON.",
            ));
        }
        Content::Multipart {
            payload_json: Some(value),
            ..
        } => (value, "application/json"),
        Content::Multipart {
            payload_json: None,
            fields,
        } => (fields, "multipart/form-data"),
    };
    let violations = violations(method.as_str(), segs, value, content_type);
    if violations.is_empty() {
        return Ok(());
    }
    let listed: Vec<String> = violations.iter().map(ToString::to_string).collect();
    tracing::warn!(
        %method,
        path = %format!("/{}", segs.join("/")),
        errors = %listed.join("; "),
        "request body refused: it breaks Discord's OpenAPI document or limits"
    );
    Err(ApiError::form(&violations))
}

/// Every violation of a body sent to a route (none for routes the document lacks).
pub(crate) fn violations(
    method: &str,
    segs: &[String],
    value: &Value,
    content_type: &str,
) -> Vec<Violation> {
    let spec = schema::spec();
    let segments: Vec<&str> = segs.iter().map(String::as_str).collect();
    let Some(template) = spec.template_for(method, &segments) else {
        return Vec::new();
    };
    let mut found = match spec.request_schema(template, method, content_type) {
        Some(schema) => spec.violations(value, schema, Mode::Request),
        None => Vec::new(),
    };
    for violation in discord_rules(template, method, value)
        .into_iter()
        .chain(webhook_name_rules(template, method, value))
    {
        if !found.contains(&violation) {
            found.push(violation);
        }
    }
    found
}

/// A webhook's name (and an execution's `username` override) follows Discord's username rules:
/// no "clyde" or "discord" in it, whatever the case (`USERNAME_INVALID_CONTAINS`), and not
/// "everyone" or "here" (`USERNAME_INVALID`). Its length (1–80) is in the document.
fn webhook_name_rules(template: &str, method: &str, body: &Value) -> Vec<Violation> {
    let field = match (method.to_ascii_uppercase().as_str(), template) {
        ("POST", "/channels/{channel_id}/webhooks")
        | ("PATCH", "/webhooks/{webhook_id}")
        | ("PATCH", "/webhooks/{webhook_id}/{webhook_token}") => "name",
        ("POST", "/webhooks/{webhook_id}/{webhook_token}") => "username",
        _ => return Vec::new(),
    };
    let Some(name) = body.get(field).and_then(Value::as_str) else {
        return Vec::new();
    };
    let lower = name.to_lowercase();
    let mut found = Vec::new();
    // The execute body's schema is a union one branch of which lacks `username`, so the
    // document alone lets any length through; Discord does not.
    let length = name.chars().count();
    if field == "username" && !(1..=80).contains(&length) {
        found.push(Violation {
            path: vec![field.to_owned()],
            code: "BASE_TYPE_BAD_LENGTH",
            message: "Must be between 1 and 80 in length.".into(),
        });
    }
    for word in ["clyde", "discord"] {
        if lower.contains(word) {
            found.push(Violation {
                path: vec![field.to_owned()],
                code: "USERNAME_INVALID_CONTAINS",
                message: format!("Username cannot contain \"{word}\""),
            });
        }
    }
    for word in ["everyone", "here"] {
        if lower.trim() == word {
            found.push(Violation {
                path: vec![field.to_owned()],
                code: "USERNAME_INVALID",
                message: format!("Username cannot be \"{word}\""),
            });
        }
    }
    found
}

/// Limits Discord enforces beyond the document: a bot's message content is at most 2000
/// characters (the document allows 4000, the limit for Nitro users, on channel messages), and
/// without `IS_COMPONENTS_V2` a message has at most 5 action rows (the document allows 40
/// components, the limit of a components-v2 message).
fn discord_rules(template: &str, method: &str, body: &Value) -> Vec<Violation> {
    let method = method.to_ascii_uppercase();
    let message = match (method.as_str(), template) {
        ("POST", "/channels/{channel_id}/messages")
        | ("PATCH", "/channels/{channel_id}/messages/{message_id}")
        | ("POST", "/webhooks/{webhook_id}/{webhook_token}")
        | ("PATCH", "/webhooks/{webhook_id}/{webhook_token}/messages/@original")
        | ("PATCH", "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}") => {
            Some((Vec::new(), body))
        }
        ("POST", "/interactions/{interaction_id}/{interaction_token}/callback")
            if matches!(body.get("type").and_then(Value::as_u64), Some(4 | 5 | 7)) =>
        {
            body.get("data").map(|data| (vec!["data".to_owned()], data))
        }
        _ => None,
    };
    let Some((prefix, message)) = message else {
        return Vec::new();
    };
    let at = |field: &str| {
        let mut path = prefix.clone();
        path.push(field.to_owned());
        path
    };
    let mut found = Vec::new();
    if let Some(content) = message.get("content").and_then(Value::as_str)
        && content.chars().count() > 2000
    {
        found.push(Violation {
            path: at("content"),
            code: "BASE_TYPE_MAX_LENGTH",
            message: "Must be 2000 or fewer in length.".into(),
        });
    }
    let flags = message.get("flags").and_then(Value::as_u64).unwrap_or(0);
    if flags & COMPONENTS_V2 == 0
        && let Some(components) = message.get("components").and_then(Value::as_array)
        && components.len() > 5
    {
        found.push(Violation {
            path: at("components"),
            code: "BASE_TYPE_MAX_LENGTH",
            message: "Must be 5 or fewer in length.".into(),
        });
    }
    found
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn segs(path: &str) -> Vec<String> {
        path.split('/')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn a_bot_message_is_limited_to_2000_characters_and_5_action_rows() {
        let row = json!({"type": 1, "components": [{"type": 2, "style": 1, "label": "x", "custom_id": "x"}]});
        let rows: Vec<Value> = (0..6).map(|_| row.clone()).collect();
        let body = json!({"content": "x".repeat(2001), "components": rows});
        let found = violations(
            "POST",
            &segs("/channels/1/messages"),
            &body,
            "application/json",
        );
        let paths: Vec<String> = found.iter().map(Violation::location).collect();
        assert!(paths.contains(&"$.content".to_owned()), "{found:?}");
        assert!(paths.contains(&"$.components".to_owned()), "{found:?}");
        let callback = json!({"type": 4, "data": {"content": "x".repeat(2001)}});
        let found = violations(
            "POST",
            &segs("/interactions/1/tok/callback"),
            &callback,
            "application/json",
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].location(), "$.data.content");
        assert!(
            violations(
                "POST",
                &segs("/channels/1/messages"),
                &json!({"content": "fine", "components": [row]}),
                "application/json"
            )
            .is_empty()
        );
    }

    #[test]
    fn unknown_routes_are_not_checked() {
        assert!(
            violations(
                "POST",
                &segs("/no/such/route"),
                &json!({"content": 5}),
                "application/json"
            )
            .is_empty()
        );
    }
}
