//! Login through Discord's OAuth2, and logout.

use std::net::SocketAddr;
use std::time::Duration;

use axum::Extension;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use guildhall_core::coordination::{Cooldown, Key, RateLimit, TokenBucket};
use serde::Deserialize;

use super::see_other;
use crate::app::{App, CurrentUser};
use crate::auth::sessions::Session;
use crate::auth::{self, token};
use crate::error::PageError;
use crate::routes;

/// How long a login may take between `/login` and the callback.
const LOGIN_WINDOW_SECS: u64 = 600;

/// Login attempts one client address may make: a burst of 20 requests to `/login` and the
/// callback (a login takes one of each), then one every two seconds. Every callback with a
/// valid state costs a call to Discord's token endpoint; this bounds how many one address can
/// cause. Behind a reverse proxy every client shares the proxy's address.
const LOGIN_BUCKET: TokenBucket = TokenBucket {
    capacity: 20,
    refill_per_sec: 0.5,
};

/// Takes one login attempt from the client's allowance, on the coordination port (so every
/// dashboard process sharing Redis shares it).
///
/// # Errors
/// [`PageError::TooManyRequests`] when the allowance is used up.
async fn rate_limit(app: &App, client: Option<SocketAddr>) -> Result<(), PageError> {
    let address = client.map_or_else(|| "unknown".to_owned(), |client| client.ip().to_string());
    let key = Key::global("web.login", address);
    match app
        .web
        .core
        .coordination
        .take_tokens(&key, LOGIN_BUCKET, 1)
        .await
    {
        Ok(RateLimit::Allowed { .. }) => Ok(()),
        Ok(RateLimit::Limited { retry_after }) => {
            Err(PageError::TooManyRequests(retry_after.as_secs().max(1)))
        }
        // The limit is a guard, not a gate: an unreachable Redis must not lock everyone out.
        Err(error) => {
            tracing::warn!(%error, "login rate limit unavailable");
            Ok(())
        }
    }
}

/// The client's address, as the server saw the connection.
fn client_of(connect: Option<&ConnectInfo<SocketAddr>>) -> Option<SocketAddr> {
    connect.map(|ConnectInfo(address)| *address)
}

/// `/login`'s query.
#[derive(Debug, Deserialize)]
pub struct LoginQuery {
    /// Where to return after login (a path on this site).
    pub next: Option<String>,
}

/// Only same-site paths are followed after login, so `/login` cannot be used to send users
/// elsewhere: see [`routes::local_redirect`].
fn safe_next(next: Option<&str>) -> String {
    next.map_or_else(|| routes::HOME.to_owned(), routes::local_redirect)
}

fn with_cookie(mut response: Response, cookie: &str) -> Response {
    if let Ok(value) = HeaderValue::from_str(cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

/// `GET /login`: sends the browser to Discord with a fresh `state`, also kept in a short-lived
/// cookie so the callback can tell its own login from a forged one.
///
/// # Errors
/// 429 when the client's address has made too many login attempts.
pub async fn login(
    State(app): State<App>,
    connect: Option<Extension<ConnectInfo<SocketAddr>>>,
    Query(query): Query<LoginQuery>,
) -> Result<Response, PageError> {
    rate_limit(&app, client_of(connect.as_deref())).await?;
    let state = auth::random_hex(16);
    let next = safe_next(query.next.as_deref());
    let encoded_next =
        percent_encoding::utf8_percent_encode(&next, percent_encoding::NON_ALPHANUMERIC);
    let cookie = auth::set_cookie(
        auth::STATE_COOKIE,
        &format!("{state}.{encoded_next}"),
        routes::AUTH_CALLBACK,
        LOGIN_WINDOW_SECS,
        app.inner.secure_cookies,
    );
    Ok(with_cookie(
        see_other(&app.inner.discord.authorize_url(&state)),
        &cookie,
    ))
}

/// The callback's query.
#[derive(Debug, Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

/// The OAuth2 error codes Discord may send back (RFC 6749 §4.1.2.1), said in words; anything
/// else is not repeated to the user.
fn refusal_words(code: &str) -> &'static str {
    match code {
        "access_denied" => "the login was cancelled on Discord's page",
        "invalid_scope" | "invalid_request" | "unauthorized_client" => {
            "Discord refused this dashboard's login request (check discord.client_id and the redirect URL in the Developer Portal)"
        }
        "server_error" | "temporarily_unavailable" => "Discord could not complete the login",
        _ => "Discord did not approve the login",
    }
}

/// `GET /auth/callback`: checks `state` (it must match this browser's and is spent on first
/// use, whatever the outcome), exchanges the code, reads the user, starts a session. The
/// state cookie is cleared on every answer.
///
/// # Errors
/// 429 when the client's address has made too many login attempts; 400 when the login was
/// refused or its `state` does not match or was used before; 502 when Discord fails (the page
/// says which step, never what Discord answered).
pub async fn callback(
    State(app): State<App>,
    connect: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    Query(query): Query<CallbackQuery>,
) -> Response {
    let answer = match rate_limit(&app, client_of(connect.as_deref())).await {
        Ok(()) => complete_login(&app, &headers, query)
            .await
            .unwrap_or_else(IntoResponse::into_response),
        Err(error) => error.into_response(),
    };
    with_cookie(
        answer,
        &auth::set_cookie(
            auth::STATE_COOKIE,
            "",
            routes::AUTH_CALLBACK,
            0,
            app.inner.secure_cookies,
        ),
    )
}

async fn complete_login(
    app: &App,
    headers: &HeaderMap,
    query: CallbackQuery,
) -> Result<Response, PageError> {
    let cookie = auth::cookie(headers, auth::STATE_COOKIE).unwrap_or_default();
    let (expected, next) = cookie.split_once('.').unwrap_or((cookie.as_str(), ""));
    let given = query.state.unwrap_or_default();
    if expected.is_empty()
        || given.is_empty()
        || !crate::admin::constant_time_eq(expected.as_bytes(), given.as_bytes())
    {
        return Err(PageError::BadRequest(format!(
            "this login could not be verified: its state does not match the one this browser started \
             (the login took longer than {} minutes, was started in another browser, or the link was forged); \
             start again at {}",
            LOGIN_WINDOW_SECS / 60,
            routes::LOGIN
        )));
    }
    // Spent now, before anything can fail: one state, one attempt at Discord's token endpoint.
    let spent = app
        .web
        .core
        .coordination
        .try_cooldown(
            &Key::global("web.oauth_state", &given),
            Duration::from_secs(LOGIN_WINDOW_SECS),
        )
        .await
        .map_err(PageError::internal)?;
    if spent != Cooldown::Started {
        return Err(PageError::BadRequest(format!(
            "this login link was already used; start again at {}",
            routes::LOGIN
        )));
    }
    if let Some(error) = query.error {
        return Err(PageError::BadRequest(format!(
            "{}; you can try again at {}",
            refusal_words(&error),
            routes::LOGIN
        )));
    }
    let Some(code) = query.code.filter(|code| !code.is_empty()) else {
        return Err(PageError::BadRequest(
            "Discord sent no authorization code; start again at /login".into(),
        ));
    };
    let discord = &app.inner.discord;
    // What Discord said is logged for the operator, never shown: the page names the step.
    let upstream = |step: &'static str| {
        move |error: auth::discord::DiscordError| {
            tracing::warn!(%error, step, "dashboard login failed at Discord");
            PageError::Upstream(format!(
                "logging in with Discord failed: {step}; start again at {}",
                routes::LOGIN
            ))
        }
    };
    let access_token = discord
        .exchange(&code)
        .await
        .map_err(upstream("Discord did not accept the authorization code"))?;
    let user = discord
        .me(&access_token)
        .await
        .map_err(upstream("your Discord account could not be read"))?;
    let guilds = discord
        .guilds(&access_token)
        .await
        .map_err(upstream("your Discord servers could not be read"))?;
    let now = app.now();
    let ttl = app.config().session_ttl;
    let session = Session {
        id: auth::random_hex(16),
        user: user.id,
        username: user.global_name.unwrap_or(user.username),
        access_token,
        expires_at: now.plus(ttl),
        guilds: Some((now, std::sync::Arc::new(guilds))),
    };
    let claims = token::Claims {
        sub: session.user.to_string(),
        sid: session.id.clone(),
        iat: now.0 / 1_000,
        exp: session.expires_at.0 / 1_000,
    };
    let jwt = token::encode(&app.config().session_key, &claims);
    tracing::info!(user = %session.user, "dashboard login");
    app.inner
        .sessions
        .insert(&session, now)
        .await
        .map_err(PageError::internal)?;
    let next = percent_encoding::percent_decode_str(next).decode_utf8_lossy();
    let response = see_other(&safe_next(Some(&next)));
    Ok(with_cookie(
        response,
        &auth::set_cookie(
            auth::SESSION_COOKIE,
            &jwt,
            "/",
            ttl.as_secs(),
            app.inner.secure_cookies,
        ),
    ))
}

/// `POST /logout` (CSRF-checked by the router): forgets the session and its Discord token.
///
/// # Errors
/// 500 when the session cannot be deleted (the user stays logged in then).
pub async fn logout(State(app): State<App>, user: CurrentUser) -> Result<Response, PageError> {
    app.inner
        .sessions
        .remove(&user.session.id)
        .await
        .map_err(PageError::internal)?;
    let mut response = see_other(routes::HOME);
    if user.htmx {
        // htmx follows redirects itself; make it load the whole page instead.
        if let Ok(value) = HeaderValue::from_str(routes::HOME) {
            response.headers_mut().insert("hx-redirect", value);
        }
    }
    Ok(with_cookie(
        response,
        &auth::set_cookie(auth::SESSION_COOKIE, "", "/", 0, app.inner.secure_cookies),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed_after_login() {
        assert_eq!(safe_next(Some("/guilds/1")), "/guilds/1");
        assert_eq!(safe_next(Some("//evil.example")), "/");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(Some("/\\evil")), "/");
        assert_eq!(safe_next(None), "/");
        // What the outside probe sent, decoded as the query arrives.
        assert_eq!(safe_next(Some("/\t/evil.example")), "/");
        assert_eq!(safe_next(Some("/\n/x")), "/");
        assert_eq!(safe_next(Some("/\r\nLocation: x")), "/");
        assert_eq!(
            safe_next(Some("/guilds/1/cases?page=2&kind=ban")),
            "/guilds/1/cases?page=2&kind=ban"
        );
        assert_eq!(safe_next(Some("/%2F/evil")), "/%2F/evil");
        assert_eq!(safe_next(Some("/\u{202e}x")), "/");
        assert_eq!(safe_next(Some("")), "/");
    }
}
