//! Coordination through Redis, for several processes sharing one view.
//!
//! Windows and buckets run as Lua scripts that read Redis's own clock (`TIME`), so processes
//! whose clocks disagree still agree on a window. Every key carries a TTL, so nothing outlives
//! its use. A subscription that loses its connection reconnects and resubscribes; messages
//! published during the gap are lost, which is why config invalidation also polls (see
//! [`crate::guild_config`]).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use futures::StreamExt as _;
use redis::aio::ConnectionManager;
use redis::{AsyncCommands as _, Client, Script};
use tokio::sync::mpsc;

use super::memory::check_bucket;
use super::{Cooldown, Coordination, CoordinationError, Key, RateLimit, Subscription, TokenBucket};

const COOLDOWN: &str = r"
if redis.call('SET', KEYS[1], '1', 'NX', 'PX', ARGV[1]) then
  return {1, 0}
end
return {0, redis.call('PTTL', KEYS[1])}
";

const WINDOW: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local span = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - span)
redis.call('ZADD', KEYS[1], now, ARGV[2])
redis.call('PEXPIRE', KEYS[1], span)
return redis.call('ZCARD', KEYS[1])
";

const BUCKET: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local capacity = tonumber(ARGV[1])
local per_ms = tonumber(ARGV[2]) / 1000
local cost = tonumber(ARGV[3])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1]) or capacity
local ts = tonumber(state[2]) or now
tokens = math.min(capacity, tokens + math.max(0, now - ts) * per_ms)
local allowed, retry = 0, 0
if tokens >= cost then
  tokens = tokens - cost
  allowed = 1
else
  retry = math.ceil((cost - tokens) / per_ms)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', now)
redis.call('PEXPIRE', KEYS[1], math.ceil(capacity / per_ms) + 1000)
return {allowed, math.floor(tokens), retry}
";

/// Coordination shared through a Redis server.
pub struct RedisCoordination {
    client: Client,
    connection: ConnectionManager,
    prefix: String,
    cooldown: Script,
    window: Script,
    bucket: Script,
    sequence: AtomicU64,
    instance: u64,
}

impl std::fmt::Debug for RedisCoordination {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The client holds the URL, which may hold a password.
        f.debug_struct("RedisCoordination")
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

impl RedisCoordination {
    /// Connects to Redis at `url`; every key and channel starts with `prefix:`.
    ///
    /// # Errors
    /// [`CoordinationError::Redis`] when the URL is invalid or the server cannot be reached.
    pub async fn connect(url: &str, prefix: &str) -> Result<Self, CoordinationError> {
        let client = Client::open(url)?;
        let connection = client.get_connection_manager().await?;
        Ok(Self {
            client,
            connection,
            prefix: prefix.to_owned(),
            cooldown: Script::new(COOLDOWN),
            window: Script::new(WINDOW),
            bucket: Script::new(BUCKET),
            sequence: AtomicU64::new(0),
            instance: instance_nonce(),
        })
    }

    fn key(&self, key: &Key) -> String {
        format!("{}:{}", self.prefix, key.render())
    }

    fn channel(&self, topic: &str) -> String {
        format!("{}:topic:{topic}", self.prefix)
    }
}

fn instance_nonce() -> u64 {
    // Distinguishes this process's window entries from another's hit in the same millisecond.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.as_nanos())
        .unwrap_or_default();
    #[allow(clippy::cast_possible_truncation)]
    let mixed = (now as u64) ^ u64::from(std::process::id()).rotate_left(32);
    mixed
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis())
        .unwrap_or(u64::MAX)
        .max(1)
}

#[async_trait]
impl Coordination for RedisCoordination {
    async fn try_cooldown(&self, key: &Key, ttl: Duration) -> Result<Cooldown, CoordinationError> {
        let mut connection = self.connection.clone();
        let (started, remaining): (i64, i64) = self
            .cooldown
            .key(self.key(key))
            .arg(millis(ttl))
            .invoke_async(&mut connection)
            .await?;
        Ok(if started == 1 {
            Cooldown::Started
        } else {
            Cooldown::Active {
                remaining: Duration::from_millis(u64::try_from(remaining).unwrap_or(0)),
            }
        })
    }

    async fn hit_window(&self, key: &Key, span: Duration) -> Result<u64, CoordinationError> {
        let mut connection = self.connection.clone();
        let member = format!(
            "{:x}-{:x}",
            self.instance,
            self.sequence.fetch_add(1, Ordering::Relaxed)
        );
        let count: u64 = self
            .window
            .key(self.key(key))
            .arg(millis(span))
            .arg(member)
            .invoke_async(&mut connection)
            .await?;
        Ok(count)
    }

    async fn take_tokens(
        &self,
        key: &Key,
        bucket: TokenBucket,
        cost: u32,
    ) -> Result<RateLimit, CoordinationError> {
        check_bucket(bucket, cost)?;
        let mut connection = self.connection.clone();
        let (allowed, remaining, retry_ms): (i64, i64, i64) = self
            .bucket
            .key(self.key(key))
            .arg(bucket.capacity)
            .arg(bucket.refill_per_sec)
            .arg(cost)
            .invoke_async(&mut connection)
            .await?;
        Ok(if allowed == 1 {
            RateLimit::Allowed {
                remaining: u32::try_from(remaining).unwrap_or(0),
            }
        } else {
            RateLimit::Limited {
                retry_after: Duration::from_millis(u64::try_from(retry_ms).unwrap_or(0)),
            }
        })
    }

    async fn publish(&self, topic: &str, message: &str) -> Result<(), CoordinationError> {
        let mut connection = self.connection.clone();
        let _receivers: i64 = connection.publish(self.channel(topic), message).await?;
        Ok(())
    }

    async fn subscribe(&self, topic: &str) -> Result<Subscription, CoordinationError> {
        let channel = self.channel(topic);
        let mut pubsub = self.client.get_async_pubsub().await?;
        pubsub.subscribe(&channel).await?;
        let (forward, receiver) = mpsc::channel(1_024);
        let client = self.client.clone();
        tokio::spawn(async move {
            let mut delay = Duration::from_millis(100);
            loop {
                let mut messages = pubsub.into_on_message();
                while let Some(message) = messages.next().await {
                    match message.get_payload::<String>() {
                        Ok(payload) => {
                            if forward.send(payload).await.is_err() {
                                return;
                            }
                        }
                        Err(error) => {
                            tracing::warn!(%channel, %error, "unreadable pub/sub message")
                        }
                    }
                    delay = Duration::from_millis(100);
                }
                // The connection ended; reconnect unless nobody listens any more.
                loop {
                    if forward.is_closed() {
                        return;
                    }
                    tracing::warn!(%channel, ?delay, "redis subscription lost; reconnecting");
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(Duration::from_secs(10));
                    match client.get_async_pubsub().await {
                        Ok(mut fresh) => {
                            if fresh.subscribe(&channel).await.is_ok() {
                                pubsub = fresh;
                                break;
                            }
                        }
                        Err(error) => tracing::warn!(%channel, %error, "redis reconnect failed"),
                    }
                }
            }
        });
        Ok(Subscription::new(topic, receiver))
    }

    fn backend(&self) -> &'static str {
        "redis"
    }

    async fn ping(&self) -> Result<(), CoordinationError> {
        let mut connection = self.connection.clone();
        let _: String = redis::cmd("PING").query_async(&mut connection).await?;
        Ok(())
    }
}
