//! The effect executor: the single path for every outbound Discord REST call.
//!
//! It owns rate limiting, because serenity's own limiter must be off whenever an API base (the
//! stand-in, or a REST proxy) is set: the global limit is a token bucket on the coordination
//! port (shared through Redis when several processes run); per-route buckets are learned from
//! Discord's `X-RateLimit-*` headers; a 429 is waited out for its `retry_after` and retried; a
//! transient 5xx is retried with backoff; any other 4xx is logged and given up (never a crash).
//! Capacity is shared fairly: each guild may have only a few calls in flight, so one guild's
//! burst cannot starve the others.

mod acks;
mod limits;
pub mod looks;
pub mod payload;

pub use acks::{DEFER_AFTER, InteractionKind};

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use guildhall_core::coordination::Coordination;
use guildhall_core::effect::Effect;
use guildhall_core::ids::GuildId;
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Serialize;
use serde_json::{Value, json};
use tokio::sync::Semaphore;

use self::limits::{Buckets, route_key};
use self::payload::{Call, calls, message_json};

/// An HTTP method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// GET
    Get,
    /// POST
    Post,
    /// PUT
    Put,
    /// PATCH
    Patch,
    /// DELETE
    Delete,
}

impl Method {
    fn reqwest(self) -> reqwest::Method {
        match self {
            Self::Get => reqwest::Method::GET,
            Self::Post => reqwest::Method::POST,
            Self::Put => reqwest::Method::PUT,
            Self::Patch => reqwest::Method::PATCH,
            Self::Delete => reqwest::Method::DELETE,
        }
    }

    /// The method's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Post => "POST",
            Self::Put => "PUT",
            Self::Patch => "PATCH",
            Self::Delete => "DELETE",
        }
    }
}

/// A call Discord did not carry out.
#[derive(Debug, thiserror::Error)]
pub enum ExecError {
    /// Discord answered 4xx: the request itself is wrong or not allowed; retrying cannot help.
    #[error("Discord refused {method} {path}: HTTP {status}: {message}{}", code.map(|c| format!(" (code {c})")).unwrap_or_default())]
    Rejected {
        /// The method.
        method: &'static str,
        /// The path.
        path: String,
        /// The HTTP status.
        status: u16,
        /// Discord's JSON error code.
        code: Option<i64>,
        /// Discord's message.
        message: String,
    },
    /// Discord kept failing (5xx or rate limits) through every retry.
    #[error("Discord kept failing {method} {path} (last HTTP {status}) after {attempts} attempts")]
    Unavailable {
        /// The method.
        method: &'static str,
        /// The path.
        path: String,
        /// The last status.
        status: u16,
        /// Attempts made.
        attempts: u32,
    },
    /// Discord answered something the executor cannot use (a created object without its id).
    #[error("{0}")]
    Malformed(String),
    /// Discord could not be reached.
    #[error("cannot reach Discord for {method} {path}: {source}")]
    Transport {
        /// The method.
        method: &'static str,
        /// The path.
        path: String,
        /// Why.
        source: reqwest::Error,
    },
}

/// How the executor behaves.
#[derive(Debug, Clone)]
pub struct ExecutorOptions {
    /// `https://discord.com`, or the stand-in / a REST proxy.
    pub api_base: String,
    /// The bot token.
    pub token: String,
    /// Requests per second for the whole bot (Discord's global limit is 50).
    pub global_per_second: u32,
    /// Calls in flight at once, in total.
    pub max_in_flight: usize,
    /// Calls in flight at once for one guild.
    pub max_in_flight_per_guild: usize,
    /// Retries of a 5xx before giving up.
    pub server_error_retries: u32,
    /// The first retry delay after a 5xx (doubled each time).
    pub retry_base: Duration,
    /// Rate-limit (429) waits before giving up.
    pub rate_limit_retries: u32,
}

impl ExecutorOptions {
    /// Discord's limits for `token` at `api_base`.
    pub fn new(api_base: impl Into<String>, token: impl Into<String>) -> Self {
        Self {
            api_base: api_base.into(),
            token: token.into(),
            global_per_second: 50,
            max_in_flight: 32,
            max_in_flight_per_guild: 4,
            server_error_retries: 3,
            retry_base: Duration::from_millis(250),
            rate_limit_retries: 8,
        }
    }
}

/// Counts for `/metrics` and the console.
#[derive(Debug, Default)]
pub struct ExecutorStats {
    requests: AtomicU64,
    rate_limited: AtomicU64,
    retried: AtomicU64,
    failed: AtomicU64,
}

/// A copy of the counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ExecutorTotals {
    /// HTTP requests sent.
    pub requests: u64,
    /// 429 answers waited out.
    pub rate_limited: u64,
    /// Retries after a 5xx or a transport error.
    pub retried: u64,
    /// Calls given up.
    pub failed: u64,
}

/// Performs effects and raw calls against Discord's REST API.
#[derive(Debug)]
pub struct Executor {
    http: reqwest::Client,
    options: ExecutorOptions,
    coordination: Arc<dyn Coordination>,
    buckets: Buckets,
    in_flight: Semaphore,
    guild_slots: std::sync::Mutex<HashMap<GuildId, Arc<Semaphore>>>,
    stats: ExecutorStats,
    acks: acks::Acks,
    looks: Option<looks::Looks>,
}

impl Executor {
    /// An executor; the global limit is kept on `coordination`.
    ///
    /// # Errors
    /// When the HTTP client cannot be built (no TLS backend).
    pub fn new(
        options: ExecutorOptions,
        coordination: Arc<dyn Coordination>,
    ) -> Result<Self, reqwest::Error> {
        let http = reqwest::Client::builder()
            .user_agent(concat!(
                "DiscordBot (https://example.invalid/guildhall, ",
                env!("CARGO_PKG_VERSION"),
                ")"
            ))
            .timeout(Duration::from_secs(30))
            .build()?;
        let in_flight = Semaphore::new(options.max_in_flight.max(1));
        Ok(Self {
            http,
            options,
            coordination,
            buckets: Buckets::default(),
            in_flight,
            guild_slots: std::sync::Mutex::new(HashMap::new()),
            stats: ExecutorStats::default(),
            acks: acks::Acks::default(),
            looks: None,
        })
    }

    /// Dresses guilds' messages in their premium looks (embed theme, custom name and avatar on
    /// announcements); without it every message goes out plain.
    #[must_use]
    pub fn with_looks(mut self, looks: looks::Looks) -> Self {
        self.looks = Some(looks);
        self
    }

    /// The counts so far.
    pub fn totals(&self) -> ExecutorTotals {
        let load = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        ExecutorTotals {
            requests: load(&self.stats.requests),
            rate_limited: load(&self.stats.rate_limited),
            retried: load(&self.stats.retried),
            failed: load(&self.stats.failed),
        }
    }

    /// Performs an effect, sharing capacity by the effect's guild.
    ///
    /// # Errors
    /// [`ExecError`] when Discord refuses or keeps failing; it is also logged.
    pub async fn execute(&self, effect: &Effect) -> Result<Option<Value>, ExecError> {
        self.execute_for(effect.guild(), effect).await
    }

    /// Performs an effect on behalf of `guild` (for channel-scoped effects, whose guild the
    /// caller knows).
    ///
    /// # Errors
    /// As [`Self::execute`].
    pub async fn execute_for(
        &self,
        guild: Option<GuildId>,
        effect: &Effect,
    ) -> Result<Option<Value>, ExecError> {
        let dressed = match &self.looks {
            Some(looks) => looks.dressed(guild, effect).await,
            None => std::borrow::Cow::Borrowed(effect),
        };
        let effect = dressed.as_ref();
        if let Effect::InteractionReply {
            interaction_id,
            token,
            message,
            ephemeral,
        } = effect
        {
            let mut data = message_json(message);
            if *ephemeral && let Some(fields) = data.as_object_mut() {
                fields.insert("flags".into(), json!(64));
            }
            // Interaction answers have their own limits, not the guild's share of the bot's.
            return self.answer_interaction(interaction_id, token, data).await;
        }
        let first = calls(effect);
        match effect {
            Effect::SendDirectMessage { message, .. } => {
                let channel = self.send(guild, first).await?;
                let id = channel
                    .as_ref()
                    .and_then(|value| value["id"].as_str())
                    .unwrap_or_default()
                    .to_owned();
                let message_call = Call {
                    method: Method::Post,
                    path: format!("/channels/{id}/messages"),
                    body: Some(message_json(message)),
                    reason: None,
                    files: Vec::new(),
                };
                self.send(guild, message_call).await
            }
            Effect::CreateThread { invite, .. } => {
                let thread = self.send(guild, first).await?;
                let id = thread
                    .as_ref()
                    .and_then(|value| value["id"].as_str())
                    .unwrap_or_default()
                    .to_owned();
                for user in invite {
                    let join = Call {
                        method: Method::Put,
                        path: format!("/channels/{id}/thread-members/{user}"),
                        body: None,
                        reason: None,
                        files: Vec::new(),
                    };
                    self.send(guild, join).await?;
                }
                Ok(thread)
            }
            Effect::Announce {
                guild: for_guild,
                channel,
                message,
            } => self.announce(*for_guild, *channel, message, first).await,
            _ => self.send(guild, first).await,
        }
    }

    /// Sends one call through the limits.
    ///
    /// # Errors
    /// As [`Self::execute`].
    pub async fn send(
        &self,
        guild: Option<GuildId>,
        call: Call,
    ) -> Result<Option<Value>, ExecError> {
        let guild_slots = guild.map(|guild| self.guild_semaphore(guild));
        let _guild_permit = match &guild_slots {
            Some(slots) => slots.acquire().await.ok(),
            None => None,
        };
        let _permit = self.in_flight.acquire().await.ok();
        let route = route_key(call.method, &call.path);
        let method = call.method.as_str();
        // A webhook's token is a secret: logs and errors show the path without it.
        let shown = limits::shown_path(&call.path);
        let (mut server_errors, mut rate_limits) = (0u32, 0u32);
        loop {
            self.buckets.wait_global().await;
            self.take_global_token().await;
            self.buckets.wait_route(&route).await;
            self.stats.requests.fetch_add(1, Ordering::Relaxed);
            let response = match self.request(&call).await {
                Ok(response) => response,
                Err(source) => {
                    server_errors += 1;
                    if server_errors > self.options.server_error_retries {
                        self.stats.failed.fetch_add(1, Ordering::Relaxed);
                        tracing::error!(method, path = %shown, error = %source, "giving up: Discord unreachable");
                        return Err(ExecError::Transport {
                            method,
                            path: shown.clone(),
                            source,
                        });
                    }
                    self.stats.retried.fetch_add(1, Ordering::Relaxed);
                    tokio::time::sleep(guildhall_core::jobs::backoff(
                        server_errors,
                        self.options.retry_base,
                        Duration::from_secs(10),
                    ))
                    .await;
                    continue;
                }
            };
            let status = response.status().as_u16();
            self.buckets.learn(&route, response.headers());
            if status == 429 {
                rate_limits += 1;
                self.stats.rate_limited.fetch_add(1, Ordering::Relaxed);
                let global = header(response.headers(), "x-ratelimit-global")
                    .is_some_and(|value| value == "true")
                    || header(response.headers(), "x-ratelimit-scope")
                        .is_some_and(|value| value == "global");
                let header_wait = header(response.headers(), "retry-after")
                    .and_then(|value| value.parse::<f64>().ok());
                let body: Value = response.json().await.unwrap_or(Value::Null);
                let wait = body["retry_after"]
                    .as_f64()
                    .or(header_wait)
                    .unwrap_or(1.0)
                    .clamp(0.0, 60.0);
                let wait = Duration::from_secs_f64(wait);
                tracing::warn!(method, path = %shown, ?wait, global, "rate limited by Discord; waiting");
                if rate_limits > self.options.rate_limit_retries {
                    self.stats.failed.fetch_add(1, Ordering::Relaxed);
                    tracing::error!(method, path = %shown, "giving up after repeated rate limits");
                    return Err(ExecError::Unavailable {
                        method,
                        path: shown.clone(),
                        status,
                        attempts: rate_limits + server_errors,
                    });
                }
                self.buckets.pause(&route, wait, global);
                continue;
            }
            if status >= 500 {
                server_errors += 1;
                if server_errors > self.options.server_error_retries {
                    self.stats.failed.fetch_add(1, Ordering::Relaxed);
                    tracing::error!(method, path = %shown, status, attempts = server_errors, "giving up: Discord kept failing");
                    return Err(ExecError::Unavailable {
                        method,
                        path: shown.clone(),
                        status,
                        attempts: server_errors,
                    });
                }
                self.stats.retried.fetch_add(1, Ordering::Relaxed);
                let delay = guildhall_core::jobs::backoff(
                    server_errors,
                    self.options.retry_base,
                    Duration::from_secs(10),
                );
                tracing::warn!(method, path = %shown, status, ?delay, "Discord failed; retrying");
                tokio::time::sleep(delay).await;
                continue;
            }
            if status >= 400 {
                let body: Value = response.json().await.unwrap_or(Value::Null);
                self.stats.failed.fetch_add(1, Ordering::Relaxed);
                let message = body["message"].as_str().unwrap_or("no message").to_owned();
                let code = body["code"].as_i64();
                tracing::warn!(method, path = %shown, status, ?code, %message, "Discord refused the call");
                return Err(ExecError::Rejected {
                    method,
                    path: shown.clone(),
                    status,
                    code,
                    message,
                });
            }
            if status == 204 {
                return Ok(None);
            }
            return Ok(response.json::<Value>().await.ok());
        }
    }

    async fn request(&self, call: &Call) -> Result<reqwest::Response, reqwest::Error> {
        let url = format!(
            "{}/api/v10{}",
            self.options.api_base.trim_end_matches('/'),
            call.path
        );
        let mut request = self
            .http
            .request(call.method.reqwest(), url)
            .header("Authorization", format!("Bot {}", self.options.token));
        if let Some(reason) = &call.reason {
            request = request.header(
                "X-Audit-Log-Reason",
                utf8_percent_encode(reason, NON_ALPHANUMERIC).to_string(),
            );
        }
        if !call.files.is_empty() {
            // Discord's multipart form: the JSON as `payload_json`, each file as `files[n]`.
            let mut form = reqwest::multipart::Form::new().part(
                "payload_json",
                reqwest::multipart::Part::text(
                    call.body
                        .as_ref()
                        .map_or_else(String::new, Value::to_string),
                )
                .mime_str("application/json")
                .unwrap_or_else(|_| reqwest::multipart::Part::text(String::new())),
            );
            for (index, file) in call.files.iter().enumerate() {
                form = form.part(
                    format!("files[{index}]"),
                    reqwest::multipart::Part::bytes(file.text.clone().into_bytes())
                        .file_name(file.name.clone()),
                );
            }
            return request.multipart(form).send().await;
        }
        request = match &call.body {
            Some(body) => request.json(body),
            None if matches!(call.method, Method::Put | Method::Post) => request.json(&json!({})),
            None => request,
        };
        request.send().await
    }

    /// Waits for a slot under the global limit. A bucket of capacity C refilled at R a second
    /// lets C + R calls through in any one second, so both are cut to keep that sum at the
    /// limit (a tenth of it as the burst): 50 a second means a burst of 5 and 45 a second
    /// after, never 51 calls within one second, however Discord counts its second.
    async fn take_global_token(&self) {
        use guildhall_core::coordination::{Key, RateLimit, TokenBucket};
        let limit = self.options.global_per_second.max(2);
        let burst = (limit / 10).max(1);
        let bucket = TokenBucket {
            capacity: burst,
            refill_per_sec: f64::from(limit - burst),
        };
        let key = Key::global("discord.rest", "global");
        loop {
            match self.coordination.take_tokens(&key, bucket, 1).await {
                Ok(RateLimit::Allowed { .. }) => return,
                Ok(RateLimit::Limited { retry_after }) => tokio::time::sleep(retry_after).await,
                Err(error) => {
                    // The limit is a courtesy to Discord; without coordination, go on rather than stall.
                    tracing::warn!(%error, "global rate limit unavailable; sending anyway");
                    return;
                }
            }
        }
    }

    fn guild_semaphore(&self, guild: GuildId) -> Arc<Semaphore> {
        let mut slots = self
            .guild_slots
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        Arc::clone(slots.entry(guild).or_insert_with(|| {
            Arc::new(Semaphore::new(self.options.max_in_flight_per_guild.max(1)))
        }))
    }
}

#[async_trait::async_trait]
impl guildhall_core::effect::EffectSink for Executor {
    async fn perform(
        &self,
        guild: Option<GuildId>,
        effect: &Effect,
    ) -> Result<(), guildhall_core::effect::EffectError> {
        self.perform_returning(guild, effect).await.map(|_| ())
    }

    async fn perform_returning(
        &self,
        guild: Option<GuildId>,
        effect: &Effect,
    ) -> Result<Option<Value>, guildhall_core::effect::EffectError> {
        use guildhall_core::effect::EffectError;
        match self.execute_for(guild, effect).await {
            Ok(created) => Ok(created),
            Err(error @ ExecError::Rejected { .. }) => Err(EffectError::Refused(error.to_string())),
            Err(error) => Err(EffectError::Unavailable(error.to_string())),
        }
    }
}

fn header<'a>(headers: &'a reqwest::header::HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|value| value.to_str().ok())
}
