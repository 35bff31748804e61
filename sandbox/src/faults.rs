//! Faults injected per route: a status and body for the next `n` matching requests, or a 429
//! with Discord's rate-limit headers.

use axum::http::Method;
use serde_json::{Value, json};

/// A fault answering requests whose method and path (without `/api/v10`) match.
///
/// In the path glob `*` matches within one segment and `**` matches anything.
#[derive(Debug, Clone)]
pub struct Fault {
    /// The method to match.
    pub method: Method,
    /// The path glob, e.g. `/channels/*/messages`.
    pub path: String,
    /// How many more requests it answers (None: until cleared).
    pub remaining: Option<u32>,
    /// The status to answer with.
    pub status: u16,
    /// The JSON body.
    pub body: Value,
    /// Set for a rate limit: (retry_after seconds, global).
    pub rate_limit: Option<(f64, bool)>,
}

impl Fault {
    /// A fault answering the next matching request with 500 and a Discord error body.
    pub fn new(method: Method, path_glob: &str) -> Self {
        Self {
            method,
            path: path_glob.to_owned(),
            remaining: Some(1),
            status: 500,
            body: json!({"message": "500: Internal Server Error", "code": 0}),
            rate_limit: None,
        }
    }

    /// A 429 with `retry_after` and Discord's rate-limit headers, for the next matching request.
    pub fn rate_limited(
        method: Method,
        path_glob: &str,
        retry_after_secs: f64,
        global: bool,
    ) -> Self {
        Self {
            method,
            path: path_glob.to_owned(),
            remaining: Some(1),
            status: 429,
            body: json!({"message": "You are being rate limited.", "retry_after": retry_after_secs, "global": global}),
            rate_limit: Some((retry_after_secs, global)),
        }
    }

    /// Answers the next `n` matching requests.
    #[must_use]
    pub fn times(mut self, n: u32) -> Self {
        self.remaining = Some(n);
        self
    }

    /// Answers every matching request until cleared.
    #[must_use]
    pub fn always(mut self) -> Self {
        self.remaining = None;
        self
    }

    /// The status to answer with.
    #[must_use]
    pub fn status(mut self, status: u16) -> Self {
        self.status = status;
        self
    }

    /// The JSON body to answer with.
    #[must_use]
    pub fn body(mut self, body: Value) -> Self {
        self.body = body;
        self
    }

    /// Whether it applies to a request.
    pub fn matches(&self, method: &Method, path: &str) -> bool {
        self.method == method && glob(&self.path, path) && self.remaining != Some(0)
    }
}

/// Matches `path` against `pattern` (`*` within a segment, `**` across segments).
pub fn glob(pattern: &str, path: &str) -> bool {
    fn go(p: &[u8], s: &[u8]) -> bool {
        match p.first() {
            None => s.is_empty(),
            Some(b'*') if p.get(1) == Some(&b'*') => (0..=s.len()).any(|i| go(&p[2..], &s[i..])),
            Some(b'*') => {
                let limit = s.iter().position(|c| *c == b'/').unwrap_or(s.len());
                (0..=limit).any(|i| go(&p[1..], &s[i..]))
            }
            Some(c) => s.first() == Some(c) && go(&p[1..], &s[1..]),
        }
    }
    go(pattern.as_bytes(), path.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_segments() {
        assert!(glob("/channels/*/messages", "/channels/12/messages"));
        assert!(!glob("/channels/*/messages", "/channels/12/x/messages"));
        assert!(glob("/channels/**", "/channels/12/messages/3"));
        assert!(glob("/guilds/*/members/*", "/guilds/1/members/2"));
        assert!(!glob("/guilds/*/members/*", "/guilds/1/members/2/roles/3"));
    }

    #[test]
    fn a_fault_runs_out() {
        let fault = Fault::new(Method::GET, "/gateway").times(0);
        assert!(!fault.matches(&Method::GET, "/gateway"));
        assert!(Fault::new(Method::GET, "/gateway").matches(&Method::GET, "/gateway"));
    }
}
