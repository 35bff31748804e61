//! Coordination between tasks and processes: cooldowns, sliding-window counters, token-bucket
//! rate limits and pub/sub.
//!
//! One port, two implementations: [`MemoryCoordination`] keeps everything in process (the
//! embedded default, one process); [`RedisCoordination`] shares it through Redis when
//! `REDIS_URL` is set and several processes run. The same behaviour tests run against both.
//!
//! Every key is built by [`Key`], which always carries the guild it belongs to (or says it is
//! global), so no cooldown, counter or limit can leak between guilds.

mod follow;
mod memory;
mod redis;

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use tokio::sync::mpsc;

use crate::ids::GuildId;

pub use self::follow::{Follower, follow};
pub use self::memory::MemoryCoordination;
pub use self::redis::RedisCoordination;

/// A coordination key: a namespace owned by one feature, the guild (or none), and an id.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Key {
    guild: Option<GuildId>,
    namespace: &'static str,
    id: String,
}

impl Key {
    /// A key scoped to one guild, e.g. `Key::guild(guild, "levels.cooldown", user)`.
    pub fn guild(guild: GuildId, namespace: &'static str, id: impl fmt::Display) -> Self {
        Self {
            guild: Some(guild),
            namespace,
            id: id.to_string(),
        }
    }

    /// A key that belongs to no guild (process-wide limits).
    pub fn global(namespace: &'static str, id: impl fmt::Display) -> Self {
        Self {
            guild: None,
            namespace,
            id: id.to_string(),
        }
    }

    /// The key's text form, e.g. `g:123:levels.cooldown:456` or `global:outbound:send`.
    /// Implementations add their own prefix in front.
    pub fn render(&self) -> String {
        match self.guild {
            Some(guild) => format!("g:{guild}:{}:{}", self.namespace, self.id),
            None => format!("global:{}:{}", self.namespace, self.id),
        }
    }
}

/// The answer to [`Coordination::try_cooldown`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cooldown {
    /// The cooldown was free and is now held for its TTL.
    Started,
    /// The cooldown is already running; it ends after this long.
    Active {
        /// Time left.
        remaining: Duration,
    },
}

/// A token bucket's shape.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TokenBucket {
    /// Most tokens the bucket holds (the burst).
    pub capacity: u32,
    /// Tokens added per second.
    pub refill_per_sec: f64,
}

/// The answer to [`Coordination::take_tokens`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum RateLimit {
    /// Allowed; this many whole tokens are left.
    Allowed {
        /// Tokens left after this take.
        remaining: u32,
    },
    /// Refused; enough tokens will be there after this long.
    Limited {
        /// When to try again.
        retry_after: Duration,
    },
}

/// A coordination failure (only the Redis implementation can fail).
#[derive(Debug, thiserror::Error)]
pub enum CoordinationError {
    /// Redis could not be reached or refused the command.
    #[error("redis error: {0}")]
    Redis(#[from] ::redis::RedisError),
    /// The request itself was invalid.
    #[error("invalid coordination request: {0}")]
    Invalid(String),
}

/// A stream of messages published on one topic.
#[derive(Debug)]
pub struct Subscription {
    topic: String,
    receiver: mpsc::Receiver<String>,
}

impl Subscription {
    /// Wraps the receiving end of a forwarding task.
    pub fn new(topic: impl Into<String>, receiver: mpsc::Receiver<String>) -> Self {
        Self {
            topic: topic.into(),
            receiver,
        }
    }

    /// The topic subscribed to.
    pub fn topic(&self) -> &str {
        &self.topic
    }

    /// The next message; `None` once the subscription has ended for good.
    pub async fn recv(&mut self) -> Option<String> {
        self.receiver.recv().await
    }
}

/// The coordination port.
#[async_trait]
pub trait Coordination: Send + Sync + fmt::Debug {
    /// Starts a cooldown if none is running (set-if-absent with a TTL).
    ///
    /// # Errors
    /// [`CoordinationError`] when the backend fails.
    async fn try_cooldown(&self, key: &Key, ttl: Duration) -> Result<Cooldown, CoordinationError>;

    /// Records one event now and returns how many events (this one included) fell within the
    /// last `window` for this key (a sliding window, not fixed buckets).
    ///
    /// # Errors
    /// [`CoordinationError`] when the backend fails.
    async fn hit_window(&self, key: &Key, window: Duration) -> Result<u64, CoordinationError>;

    /// Takes `cost` tokens from the key's bucket if it holds that many (it starts full).
    ///
    /// # Errors
    /// [`CoordinationError`] when the backend fails or `cost` exceeds the capacity.
    async fn take_tokens(
        &self,
        key: &Key,
        bucket: TokenBucket,
        cost: u32,
    ) -> Result<RateLimit, CoordinationError>;

    /// Publishes a message to every current subscriber of `topic`, in every process.
    ///
    /// # Errors
    /// [`CoordinationError`] when the backend fails.
    async fn publish(&self, topic: &str, message: &str) -> Result<(), CoordinationError>;

    /// Subscribes to `topic`. Messages published after this returns are delivered.
    ///
    /// # Errors
    /// [`CoordinationError`] when the backend fails.
    async fn subscribe(&self, topic: &str) -> Result<Subscription, CoordinationError>;

    /// `memory` or `redis`, for status output.
    fn backend(&self) -> &'static str;

    /// Checks the backend answers (always true in memory).
    ///
    /// # Errors
    /// [`CoordinationError`] when Redis does not answer.
    async fn ping(&self) -> Result<(), CoordinationError>;
}
