//! Who is asking: Discord OAuth2 login ([`discord`]), the signed session cookie ([`token`]),
//! server-side sessions with their Discord token ([`sessions`]), CSRF tokens and cookies.

pub mod discord;
pub mod sessions;
pub mod token;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{KeyInit as _, Mac as _};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "gh_session";
/// The login-in-progress cookie: the OAuth2 `state` and where to return.
pub const STATE_COOKIE: &str = "gh_oauth_state";
/// The form field carrying the CSRF token.
pub const CSRF_FIELD: &str = "csrf";
/// The header htmx sends the CSRF token in.
pub const CSRF_HEADER: &str = "x-csrf-token";

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

/// `bytes` random bytes as lowercase hex.
pub fn random_hex(bytes: usize) -> String {
    let mut buffer = vec![0u8; bytes];
    rand::fill(buffer.as_mut_slice());
    buffer.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// HMAC-SHA256 of `message` under `key`.
pub fn sign(key: &[u8], message: &[u8]) -> Vec<u8> {
    // HMAC takes keys of any length (long ones are hashed), so `new_from_slice` cannot fail;
    // the fallback only avoids a panic path.
    let mut mac = HmacSha256::new_from_slice(key)
        .unwrap_or_else(|_| <HmacSha256 as hmac::KeyInit>::new(&Default::default()));
    mac.update(message);
    mac.finalize().into_bytes().to_vec()
}

/// The CSRF token of a session: an HMAC of its id, so it needs no storage and cannot be
/// guessed without the key.
pub fn csrf_token(key: &[u8], session_id: &str) -> String {
    URL_SAFE_NO_PAD.encode(sign(key, format!("csrf:{session_id}").as_bytes()))
}

/// Whether `given` is the CSRF token of the session.
pub fn csrf_matches(key: &[u8], session_id: &str, given: &str) -> bool {
    crate::admin::constant_time_eq(csrf_token(key, session_id).as_bytes(), given.as_bytes())
}

/// The value of cookie `name` in a request's `Cookie` headers.
pub fn cookie(headers: &axum::http::HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.to_owned())
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Lax, `Secure` on https; `max_age` 0 deletes it.
pub fn set_cookie(name: &str, value: &str, path: &str, max_age_secs: u64, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{name}={value}; Path={path}; Max-Age={max_age_secs}; HttpOnly; SameSite=Lax{secure}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csrf_tokens_are_per_session_and_keyed() {
        let token = csrf_token(b"key", "s1");
        assert!(csrf_matches(b"key", "s1", &token));
        assert!(!csrf_matches(b"key", "s2", &token));
        assert!(!csrf_matches(b"other", "s1", &token));
        assert!(!csrf_matches(b"key", "s1", ""));
    }

    #[test]
    fn cookies_are_found_among_others() {
        let mut headers = axum::http::HeaderMap::new();
        headers.insert("cookie", "a=1; gh_session=xyz; b=2".parse().unwrap());
        assert_eq!(cookie(&headers, "gh_session").as_deref(), Some("xyz"));
        assert_eq!(cookie(&headers, "missing"), None);
        let set = set_cookie("n", "v", "/", 60, true);
        assert!(
            set.contains("HttpOnly") && set.contains("SameSite=Lax") && set.ends_with("Secure")
        );
    }
}
