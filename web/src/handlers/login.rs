//! Login through Discord's OAuth2, and logout.

use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::Response;
use serde::Deserialize;

use super::see_other;
use crate::app::{App, CurrentUser};
use crate::auth::sessions::Session;
use crate::auth::{self, token};
use crate::error::PageError;
use crate::routes;

/// How long a login may take between `/login` and the callback.
const LOGIN_WINDOW_SECS: u64 = 600;

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
pub async fn login(State(app): State<App>, Query(query): Query<LoginQuery>) -> Response {
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
    with_cookie(see_other(&app.inner.discord.authorize_url(&state)), &cookie)
}

/// The callback's query.
#[derive(Debug, Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

/// `GET /auth/callback`: checks `state`, exchanges the code, reads the user, starts a session.
///
/// # Errors
/// 400 when the login was refused or its `state` does not match; 502 when Discord fails.
pub async fn callback(
    State(app): State<App>,
    headers: HeaderMap,
    Query(query): Query<CallbackQuery>,
) -> Result<Response, PageError> {
    if let Some(error) = query.error {
        return Err(PageError::BadRequest(format!(
            "Discord did not approve the login ({error}: {}); you can try again at {}",
            query.error_description.unwrap_or_default(),
            routes::LOGIN
        )));
    }
    let cookie = auth::cookie(&headers, auth::STATE_COOKIE).unwrap_or_default();
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
    let Some(code) = query.code.filter(|code| !code.is_empty()) else {
        return Err(PageError::BadRequest(
            "Discord sent no authorization code; start again at /login".into(),
        ));
    };
    let discord = &app.inner.discord;
    let upstream = |error: auth::discord::DiscordError| {
        PageError::Upstream(format!("logging in with Discord failed: {error}"))
    };
    let access_token = discord.exchange(&code).await.map_err(upstream)?;
    let user = discord.me(&access_token).await.map_err(upstream)?;
    let guilds = discord.guilds(&access_token).await.map_err(upstream)?;
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
    let response = with_cookie(
        response,
        &auth::set_cookie(
            auth::SESSION_COOKIE,
            &jwt,
            "/",
            ttl.as_secs(),
            app.inner.secure_cookies,
        ),
    );
    Ok(with_cookie(
        response,
        &auth::set_cookie(
            auth::STATE_COOKIE,
            "",
            routes::AUTH_CALLBACK,
            0,
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
