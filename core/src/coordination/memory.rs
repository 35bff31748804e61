//! In-process coordination: the embedded default for a single process.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;
use tokio::sync::{broadcast, mpsc};

use super::{Cooldown, Coordination, CoordinationError, Key, RateLimit, Subscription, TokenBucket};
use crate::clock::{SharedClock, UnixMillis};

/// Operations between sweeps of expired entries, so idle keys do not pile up.
const SWEEP_EVERY: u64 = 4_096;
/// Messages a slow subscriber may fall behind before it misses some.
const TOPIC_CAPACITY: usize = 1_024;

/// Cooldowns, windows, buckets and topics held in this process's memory.
#[derive(Debug)]
pub struct MemoryCoordination {
    clock: SharedClock,
    state: Mutex<State>,
    topics: Mutex<HashMap<String, broadcast::Sender<String>>>,
}

#[derive(Debug, Default)]
struct State {
    cooldowns: HashMap<String, UnixMillis>,
    windows: HashMap<String, Window>,
    buckets: HashMap<String, Bucket>,
    operations: u64,
}

#[derive(Debug)]
struct Window {
    span: Duration,
    hits: VecDeque<UnixMillis>,
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    updated: UnixMillis,
    full_after: Duration,
}

impl MemoryCoordination {
    /// Coordination on the given clock (a manual clock in tests).
    pub fn new(clock: SharedClock) -> Self {
        Self {
            clock,
            state: Mutex::new(State::default()),
            topics: Mutex::new(HashMap::new()),
        }
    }

    fn with_state<T>(&self, action: impl FnOnce(&mut State, UnixMillis) -> T) -> T {
        let now = self.clock.now();
        // A poisoned lock only means another task panicked mid-update; the maps stay usable.
        let mut state = self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        state.operations += 1;
        if state.operations.is_multiple_of(SWEEP_EVERY) {
            state.sweep(now);
        }
        action(&mut state, now)
    }

    fn sender(&self, topic: &str) -> broadcast::Sender<String> {
        let mut topics = self
            .topics
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        topics
            .entry(topic.to_owned())
            .or_insert_with(|| broadcast::channel(TOPIC_CAPACITY).0)
            .clone()
    }
}

impl State {
    fn sweep(&mut self, now: UnixMillis) {
        self.cooldowns.retain(|_, until| *until > now);
        self.windows.retain(|_, window| {
            window
                .hits
                .back()
                .is_some_and(|last| now.since(*last) < window.span)
        });
        self.buckets
            .retain(|_, bucket| now.since(bucket.updated) < bucket.full_after);
    }
}

#[async_trait]
impl Coordination for MemoryCoordination {
    async fn try_cooldown(&self, key: &Key, ttl: Duration) -> Result<Cooldown, CoordinationError> {
        Ok(self.with_state(|state, now| {
            let until = state.cooldowns.entry(key.render()).or_insert(now);
            if *until > now {
                Cooldown::Active {
                    remaining: until.since(now),
                }
            } else {
                *until = now.plus(ttl);
                Cooldown::Started
            }
        }))
    }

    async fn hit_window(&self, key: &Key, span: Duration) -> Result<u64, CoordinationError> {
        Ok(self.with_state(|state, now| {
            let window = state.windows.entry(key.render()).or_insert_with(|| Window {
                span,
                hits: VecDeque::new(),
            });
            window.span = span;
            while window
                .hits
                .front()
                .is_some_and(|first| now.since(*first) >= span)
            {
                window.hits.pop_front();
            }
            window.hits.push_back(now);
            window.hits.len() as u64
        }))
    }

    async fn take_tokens(
        &self,
        key: &Key,
        bucket: TokenBucket,
        cost: u32,
    ) -> Result<RateLimit, CoordinationError> {
        check_bucket(bucket, cost)?;
        Ok(self.with_state(|state, now| {
            let capacity = f64::from(bucket.capacity);
            let full_after = Duration::from_secs_f64(capacity / bucket.refill_per_sec);
            let entry = state.buckets.entry(key.render()).or_insert(Bucket {
                tokens: capacity,
                updated: now,
                full_after,
            });
            let elapsed = now.since(entry.updated).as_secs_f64();
            entry.tokens = (entry.tokens + elapsed * bucket.refill_per_sec).min(capacity);
            entry.updated = now;
            entry.full_after = full_after;
            take(&mut entry.tokens, bucket, cost)
        }))
    }

    async fn publish(&self, topic: &str, message: &str) -> Result<(), CoordinationError> {
        // No subscribers is not an error: nobody needed to hear it.
        let _ = self.sender(topic).send(message.to_owned());
        Ok(())
    }

    async fn subscribe(&self, topic: &str) -> Result<Subscription, CoordinationError> {
        let mut source = self.sender(topic).subscribe();
        let (forward, receiver) = mpsc::channel(TOPIC_CAPACITY);
        let name = topic.to_owned();
        tokio::spawn(async move {
            loop {
                match source.recv().await {
                    Ok(message) => {
                        if forward.send(message).await.is_err() {
                            break;
                        }
                    }
                    Err(broadcast::error::RecvError::Lagged(missed)) => {
                        tracing::warn!(topic = %name, missed, "subscriber fell behind; messages were dropped");
                    }
                    Err(broadcast::error::RecvError::Closed) => break,
                }
            }
        });
        Ok(Subscription::new(topic, receiver))
    }

    fn backend(&self) -> &'static str {
        "memory"
    }

    async fn ping(&self) -> Result<(), CoordinationError> {
        Ok(())
    }
}

/// Rejects buckets that could never allow `cost`.
pub(super) fn check_bucket(bucket: TokenBucket, cost: u32) -> Result<(), CoordinationError> {
    if bucket.capacity == 0 || bucket.refill_per_sec.is_nan() || bucket.refill_per_sec <= 0.0 {
        return Err(CoordinationError::Invalid(format!(
            "a token bucket needs a capacity above 0 and a positive refill rate, got capacity {} and {} per second",
            bucket.capacity, bucket.refill_per_sec
        )));
    }
    if cost > bucket.capacity {
        return Err(CoordinationError::Invalid(format!(
            "cannot take {cost} tokens from a bucket of {}",
            bucket.capacity
        )));
    }
    Ok(())
}

fn take(tokens: &mut f64, bucket: TokenBucket, cost: u32) -> RateLimit {
    let cost = f64::from(cost);
    if *tokens >= cost {
        *tokens -= cost;
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        RateLimit::Allowed {
            remaining: tokens.floor() as u32,
        }
    } else {
        let missing = cost - *tokens;
        RateLimit::Limited {
            retry_after: Duration::from_secs_f64(missing / bucket.refill_per_sec),
        }
    }
}
