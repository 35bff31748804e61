//! OAuth2 for the dashboard: authorize (auto-approved), token exchange and refresh, and the
//! bearer-token user routes.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::{Query, State as AxState};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use guildhall_core::ids::UserId;
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::{Value, json};

use super::{Answer, Auth, Req, ok};
use crate::{Inner, State, payloads};

const TOKEN_LIFETIME_SECS: u64 = 604_800;

fn token(prefix: &str) -> String {
    format!("{prefix}{:032x}", rand::random::<u128>())
}

/// `GET /oauth2/authorize`: approves as the OAuth user and redirects with a code.
pub(crate) async fn authorize(
    AxState(inner): AxState<Arc<Inner>>,
    Query(params): Query<BTreeMap<String, String>>,
) -> Response {
    let get = |k: &str| params.get(k).cloned().unwrap_or_default();
    let app = inner.lock().world.bot.to_string();
    if get("client_id") != app {
        return (StatusCode::BAD_REQUEST, "unknown client_id").into_response();
    }
    if get("response_type") != "code" {
        return (StatusCode::BAD_REQUEST, "response_type must be code").into_response();
    }
    let redirect = get("redirect_uri");
    if redirect.is_empty() {
        return (StatusCode::BAD_REQUEST, "redirect_uri is required").into_response();
    }
    let code = token("code");
    {
        let mut state = inner.lock();
        let Some(user) = state.oauth.user else {
            return (
                StatusCode::BAD_REQUEST,
                "no OAuth user: call Sandbox::set_oauth_user first",
            )
                .into_response();
        };
        state
            .oauth
            .codes
            .insert(code.clone(), (user, redirect.clone(), get("scope")));
    }
    let separator = if redirect.contains('?') { '&' } else { '?' };
    let mut location = format!("{redirect}{separator}code={code}");
    if let Some(state) = params.get("state") {
        location.push_str("&state=");
        location.push_str(&utf8_percent_encode(state, NON_ALPHANUMERIC).to_string());
    }
    (StatusCode::FOUND, [(header::LOCATION, location)]).into_response()
}

fn oauth_error(error: &str, description: &str) -> Answer {
    Ok((
        400,
        Some(json!({"error": error, "error_description": description})),
    ))
}

fn issue(st: &mut State, user: UserId, scope: String) -> Answer {
    let access = token("access");
    let refresh = token("refresh");
    st.oauth
        .access
        .insert(access.clone(), (user, scope.clone()));
    st.oauth
        .refresh
        .insert(refresh.clone(), (user, scope.clone()));
    ok(json!({
        "access_token": access,
        "token_type": "Bearer",
        "expires_in": TOKEN_LIFETIME_SECS,
        "refresh_token": refresh,
        "scope": scope,
    }))
}

/// `POST /api/oauth2/token`.
pub(super) fn token_route(inner: &Inner, st: &mut State, req: &Req) -> Answer {
    if req.str("client_id") != Some(st.world.bot.to_string().as_str())
        || req.str("client_secret") != Some(inner.config.client_secret.as_str())
    {
        return Ok((401, Some(json!({"error": "invalid_client"}))));
    }
    match req.str("grant_type") {
        Some("authorization_code") => {
            let code = req.str("code").unwrap_or_default();
            let Some((user, redirect, scope)) = st.oauth.codes.remove(code) else {
                return oauth_error("invalid_grant", "Invalid \"code\" in request.");
            };
            if req.str("redirect_uri") != Some(redirect.as_str()) {
                return oauth_error("invalid_grant", "Invalid \"redirect_uri\" in request.");
            }
            issue(st, user, scope)
        }
        Some("refresh_token") => {
            let refresh = req.str("refresh_token").unwrap_or_default();
            let Some((user, scope)) = st.oauth.refresh.remove(refresh) else {
                return oauth_error("invalid_grant", "Invalid \"refresh_token\" in request.");
            };
            issue(st, user, scope)
        }
        _ => oauth_error("unsupported_grant_type", "Unsupported grant type"),
    }
}

/// `GET /users/@me`: the bot with a bot token, the OAuth user with a bearer token.
pub(super) fn me(st: &State, req: &Req) -> Answer {
    let (user, scope) = match &req.auth {
        Auth::Bearer(user, scope) => (*user, scope.clone()),
        _ => (st.world.bot, String::new()),
    };
    let mut body = payloads::user(&st.world, user);
    if let Some(map) = body.as_object_mut() {
        map.insert("mfa_enabled".into(), json!(false));
        map.insert("locale".into(), json!("en-US"));
        map.insert("premium_type".into(), json!(0));
        map.insert("verified".into(), json!(true));
        if scope.split_whitespace().any(|s| s == "email") {
            let name = map
                .get("username")
                .and_then(Value::as_str)
                .unwrap_or("user")
                .to_owned();
            map.insert("email".into(), json!(format!("{name}@example.invalid")));
        }
    }
    ok(body)
}

/// `GET /users/@me/guilds`: the caller's guilds with `owner` and `permissions`.
pub(super) fn my_guilds(st: &State, req: &Req) -> Answer {
    let user = match &req.auth {
        Auth::Bearer(user, _) => *user,
        _ => st.world.bot,
    };
    let guilds: Vec<Value> = st
        .world
        .guilds
        .values()
        .filter(|g| g.members.contains_key(&user))
        .map(|g| {
            let perms = st.world.base_permissions(g.id, user).unwrap_or_default();
            json!({
                "id": g.id.to_string(),
                "name": g.name,
                "icon": null,
                "banner": null,
                "owner": g.owner == user,
                "permissions": perms.0.to_string(),
                "features": [],
                "approximate_member_count": g.members.len(),
                "approximate_presence_count": 0,
            })
        })
        .collect();
    ok(Value::Array(guilds))
}
