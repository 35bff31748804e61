//! Per-route buckets learned from Discord's headers, and the global pause after a global 429.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

use super::Method;

/// A path as logs and errors show it: a token (any segment longer than 40 characters, as a
/// webhook's or an interaction's) replaced by `:token`, and no query.
pub fn shown_path(path: &str) -> String {
    let path = path.split('?').next().unwrap_or_default();
    path.split('/')
        .map(|segment| {
            if segment.len() > 40 {
                ":token"
            } else {
                segment
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// A route's identity for rate limiting: the method and the path with ids replaced, except the
/// "major parameter" (channel, guild or webhook id), which Discord limits separately.
pub fn route_key(method: Method, path: &str) -> String {
    let mut key = String::from(method.as_str());
    let mut previous = "";
    for segment in path.split('/').filter(|segment| !segment.is_empty()) {
        key.push('/');
        let is_id = segment.bytes().all(|byte| byte.is_ascii_digit());
        if is_id && matches!(previous, "channels" | "guilds" | "webhooks") {
            key.push_str(segment);
        } else if is_id {
            key.push_str(":id");
        } else if previous == "reactions" {
            key.push_str(":emoji");
        } else if segment.len() > 40 {
            key.push_str(":token");
        } else {
            key.push_str(segment);
        }
        previous = segment;
    }
    key
}

#[derive(Debug, Default)]
struct State {
    /// Route → bucket id from `X-RateLimit-Bucket`.
    bucket_of: HashMap<String, String>,
    /// Bucket (or route, before its bucket is known) → when it has calls again.
    exhausted_until: HashMap<String, Instant>,
    global_until: Option<Instant>,
}

/// The executor's knowledge of Discord's limits.
#[derive(Debug, Default)]
pub struct Buckets {
    state: Mutex<State>,
}

impl Buckets {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn bucket_key(state: &State, route: &str) -> String {
        // Buckets are shared across routes but still split by the major parameter.
        let major: String = route
            .split('/')
            .filter(|part| part.bytes().all(|b| b.is_ascii_digit()) && !part.is_empty())
            .collect::<Vec<_>>()
            .join("/");
        match state.bucket_of.get(route) {
            Some(bucket) => format!("{bucket}:{major}"),
            None => route.to_owned(),
        }
    }

    /// Waits out a global pause.
    pub async fn wait_global(&self) {
        let until = self.lock().global_until;
        if let Some(until) = until {
            tokio::time::sleep_until(until).await;
        }
    }

    /// Waits until the route's bucket has calls left.
    pub async fn wait_route(&self, route: &str) {
        let until = {
            let state = self.lock();
            state
                .exhausted_until
                .get(&Self::bucket_key(&state, route))
                .copied()
        };
        if let Some(until) = until {
            tokio::time::sleep_until(until).await;
        }
    }

    /// Learns from a response's headers.
    pub fn learn(&self, route: &str, headers: &reqwest::header::HeaderMap) {
        let get = |name: &str| headers.get(name).and_then(|value| value.to_str().ok());
        let mut state = self.lock();
        if let Some(bucket) = get("x-ratelimit-bucket") {
            state.bucket_of.insert(route.to_owned(), bucket.to_owned());
        }
        let key = Self::bucket_key(&state, route);
        let remaining = get("x-ratelimit-remaining").and_then(|value| value.parse::<u64>().ok());
        let reset_after =
            get("x-ratelimit-reset-after").and_then(|value| value.parse::<f64>().ok());
        match (remaining, reset_after) {
            (Some(0), Some(after)) => {
                let after = Duration::from_secs_f64(after.clamp(0.0, 60.0));
                state.exhausted_until.insert(key, Instant::now() + after);
            }
            (Some(_), _) => {
                state.exhausted_until.remove(&key);
            }
            _ => {}
        }
    }

    /// Pauses a route (or everything, for a global 429) after a rate limit.
    pub fn pause(&self, route: &str, wait: Duration, global: bool) {
        let until = Instant::now() + wait;
        let mut state = self.lock();
        if global {
            state.global_until = Some(
                state
                    .global_until
                    .map_or(until, |current| current.max(until)),
            );
        } else {
            let key = Self::bucket_key(&state, route);
            state.exhausted_until.insert(key, until);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_keep_only_their_major_parameter() {
        assert_eq!(
            route_key(Method::Post, "/channels/123/messages"),
            "POST/channels/123/messages"
        );
        assert_eq!(
            route_key(Method::Delete, "/channels/123/messages/456"),
            "DELETE/channels/123/messages/:id"
        );
        assert_eq!(
            route_key(Method::Put, "/guilds/9/members/8/roles/7"),
            "PUT/guilds/9/members/:id/roles/:id"
        );
        assert_eq!(
            route_key(
                Method::Post,
                &format!("/interactions/5/{}/callback", "t".repeat(60))
            ),
            "POST/interactions/:id/:token/callback"
        );
        assert_eq!(
            route_key(
                Method::Put,
                "/channels/1/messages/2/reactions/%F0%9F%8E%89/@me"
            ),
            "PUT/channels/1/messages/:id/reactions/:emoji/@me"
        );
    }
}
