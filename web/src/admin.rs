//! The local admin API (server handlers and the client the CLI and console use): live data that
//! is not in the database — shard status, event rates and the process's log lines — behind the
//! operator token.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use futures::{Stream, StreamExt as _};
use guildhall_core::clock::{SharedClock, UnixMillis};
use guildhall_core::ids::GuildId;
use guildhall_core::live::{EventRates, Live, LogLine, ShardStatus};
use serde::{Deserialize, Serialize};

use crate::routes;

/// What `GET /api/admin/status` answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdminStatus {
    /// When the process started.
    pub started: UnixMillis,
    /// Shards of this process.
    pub shards: Vec<ShardStatus>,
    /// Gateway events: totals and the last minute.
    pub events: EventRates,
}

/// What the admin handlers need.
#[derive(Clone)]
pub struct AdminState {
    /// The live state of this process.
    pub live: Arc<Live>,
    /// The clock.
    pub clock: SharedClock,
    /// The operator token every request must carry as `Authorization: Bearer <token>`.
    pub token: Arc<str>,
}

/// Log filters.
#[derive(Debug, Default, Deserialize)]
pub struct LogFilter {
    /// Only lines about this guild.
    pub guild: Option<GuildId>,
    /// Only lines at least this severe (`error`, `warn`, `info`, `debug`, `trace`).
    pub level: Option<String>,
}

impl LogFilter {
    fn keeps(&self, line: &LogLine) -> bool {
        self.guild.is_none_or(|guild| line.guild == Some(guild))
            && self
                .level
                .as_deref()
                .is_none_or(|level| line.at_least(level))
    }
}

/// The admin API's routes.
pub fn router(state: AdminState) -> Router {
    Router::new()
        .route(routes::admin::STATUS, get(status))
        .route(routes::admin::LOGS, get(logs))
        .with_state(state)
}

fn authorized(state: &AdminState, headers: &HeaderMap) -> bool {
    let given = headers
        .get("authorization")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "));
    given.is_some_and(|token| constant_time_eq(token.as_bytes(), state.token.as_bytes()))
}

fn refused() -> Response {
    (
        StatusCode::UNAUTHORIZED,
        "the admin API needs `Authorization: Bearer <operator token>` (web.operator_token, or the file operator-token in the data directory)",
    )
        .into_response()
}

/// Compares secrets without leaking where they differ through timing.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

async fn status(State(state): State<AdminState>, headers: HeaderMap) -> Response {
    if !authorized(&state, &headers) {
        return refused();
    }
    Json(AdminStatus {
        started: state.live.started(),
        shards: state.live.shards(),
        events: state.live.event_rates(state.clock.now()),
    })
    .into_response()
}

async fn logs(
    State(state): State<AdminState>,
    headers: HeaderMap,
    Query(filter): Query<LogFilter>,
) -> Response {
    if !authorized(&state, &headers) {
        return refused();
    }
    let filter = Arc::new(filter);
    let follower = state.live.follow_logs();
    let recent: Vec<LogLine> = state
        .live
        .recent_logs()
        .into_iter()
        .filter(|line| filter.keeps(line))
        .collect();
    let live = futures::stream::unfold(follower, |mut follower| async move {
        loop {
            match follower.recv().await {
                Ok(line) => return Some((line, follower)),
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
            }
        }
    });
    let keep = Arc::clone(&filter);
    let lines = futures::stream::iter(recent)
        .chain(live.filter(move |line| std::future::ready(keep.keeps(line))))
        .map(|line| Event::default().json_data(&line));
    Sse::new(lines)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response()
}

/// Why an admin API call failed.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// Nothing answers at the URL (no `guildhall serve` running there).
    #[error(
        "no Guildhall instance answers at {url} ({source}); is `guildhall serve` running with the web server on (web.enabled, web.bind)?"
    )]
    Unreachable {
        /// The URL tried.
        url: String,
        /// Why.
        source: reqwest::Error,
    },
    /// The token was refused.
    #[error(
        "the running instance refused the operator token; use the one in its data directory (operator-token) or web.operator_token"
    )]
    Unauthorized,
    /// Anything else.
    #[error("admin API error: {0}")]
    Other(String),
}

/// A client of a running instance's admin API.
#[derive(Debug, Clone)]
pub struct AdminClient {
    base: String,
    token: String,
    http: reqwest::Client,
}

impl AdminClient {
    /// A client of the instance at `base` (e.g. `http://127.0.0.1:8080`).
    pub fn new(base: impl Into<String>, token: impl Into<String>) -> Self {
        Self {
            base: base.into().trim_end_matches('/').to_owned(),
            token: token.into(),
            http: reqwest::Client::new(),
        }
    }

    async fn get(
        &self,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<reqwest::Response, AdminError> {
        let url = format!("{}{path}", self.base);
        let response = self
            .http
            .get(&url)
            .bearer_auth(&self.token)
            .query(query)
            .send()
            .await
            .map_err(|source| AdminError::Unreachable {
                url: url.clone(),
                source,
            })?;
        match response.status() {
            StatusCode::UNAUTHORIZED => Err(AdminError::Unauthorized),
            status if !status.is_success() => {
                Err(AdminError::Other(format!("{url} answered {status}")))
            }
            _ => Ok(response),
        }
    }

    /// The instance's live status.
    ///
    /// # Errors
    /// [`AdminError`].
    pub async fn status(&self) -> Result<AdminStatus, AdminError> {
        self.get(routes::admin::STATUS, &[])
            .await?
            .json()
            .await
            .map_err(|error| AdminError::Other(error.to_string()))
    }

    /// Follows the instance's log lines (the recent ones first), filtered.
    ///
    /// # Errors
    /// [`AdminError`] when the stream cannot be opened.
    pub async fn logs(
        &self,
        guild: Option<GuildId>,
        level: Option<&str>,
    ) -> Result<impl Stream<Item = LogLine> + Send + Unpin + use<>, AdminError> {
        let mut query = Vec::new();
        if let Some(guild) = guild {
            query.push(("guild", guild.to_string()));
        }
        if let Some(level) = level {
            query.push(("level", level.to_owned()));
        }
        let response = self.get(routes::admin::LOGS, &query).await?;
        let bytes = response.bytes_stream();
        let lines = futures::stream::unfold(
            (bytes, String::new()),
            |(mut bytes, mut buffer)| async move {
                loop {
                    if let Some(end) = buffer.find("\n\n") {
                        let event: String = buffer.drain(..end + 2).collect();
                        let data: String = event
                            .lines()
                            .filter_map(|line| line.strip_prefix("data:"))
                            .map(str::trim_start)
                            .collect();
                        if let Ok(line) = serde_json::from_str::<LogLine>(&data) {
                            return Some((line, (bytes, buffer)));
                        }
                        continue;
                    }
                    match bytes.next().await {
                        Some(Ok(chunk)) => buffer.push_str(&String::from_utf8_lossy(&chunk)),
                        _ => return None,
                    }
                }
            },
        );
        Ok(Box::pin(lines))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_compare_exactly() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
    }
}
