//! [`Activity`]: the in-memory counters between the bot's event path and `activity_hourly`.
//!
//! The event path only adds to a map under a mutex (no await, no database); a background task
//! adds what was counted into the hourly table every few seconds, in one transaction, and once
//! more when the bot stops. A failed write puts the counts back, so they go with the next one.
//! Memory stays bounded: the counters are per guild, hour, channel and metric, and the active
//! members per guild and day; past [`MAX_PENDING_MEMBERS`] waiting members (the database down
//! for long) new ones are dropped and counted.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::{Metric, day_start, hour_start, store};
use crate::clock::UnixMillis;
use crate::db::{Db, DbError};
use crate::ids::{ChannelId, GuildId, UserId};

/// How often the background flusher writes what was counted.
pub const FLUSH_INTERVAL: Duration = Duration::from_secs(5);

/// How many (guild, day, member) entries may wait in memory before new ones are dropped.
pub const MAX_PENDING_MEMBERS: usize = 500_000;

/// The channel id that stands for the whole guild.
pub const WHOLE_GUILD: ChannelId = ChannelId::new(0);

/// One hourly counter's key.
pub(crate) type HourKey = (GuildId, UnixMillis, ChannelId, Metric);
/// One active member's key.
pub(crate) type MemberKey = (GuildId, UnixMillis, UserId);

#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub(crate) hourly: HashMap<HourKey, i64>,
    pub(crate) members: HashSet<MemberKey>,
}

impl Counters {
    fn is_empty(&self) -> bool {
        self.hourly.is_empty() && self.members.is_empty()
    }

    /// Adds `other`'s counts back in (after a failed write).
    fn merge(&mut self, other: Self) {
        for (key, value) in other.hourly {
            *self.hourly.entry(key).or_insert(0) += value;
        }
        self.members.extend(other.members);
    }
}

/// What one [`Activity::flush`] wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Flushed {
    /// Hourly counters added to.
    pub counters: usize,
    /// Active members recorded.
    pub members: usize,
}

/// The activity counters of a process, shared by the bot's handlers through `Core::activity`.
#[derive(Debug)]
pub struct Activity {
    db: Db,
    counters: Mutex<Counters>,
    dropped_members: AtomicU64,
    /// One flush at a time.
    flushing: tokio::sync::Mutex<()>,
}

impl Activity {
    /// Counters writing to `db`.
    pub fn new(db: Db) -> Self {
        Self {
            db,
            counters: Mutex::new(Counters::default()),
            dropped_members: AtomicU64::new(0),
            flushing: tokio::sync::Mutex::new(()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Counters> {
        self.counters.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn add(counters: &mut Counters, key: HourKey, value: i64) {
        *counters.hourly.entry(key).or_insert(0) += value;
    }

    fn active(&self, counters: &mut Counters, key: MemberKey) {
        if counters.members.len() >= MAX_PENDING_MEMBERS && !counters.members.contains(&key) {
            self.dropped_members.fetch_add(1, Ordering::Relaxed);
            return;
        }
        counters.members.insert(key);
    }

    /// A member (not a bot: the caller checks) wrote a message in `channel`.
    pub fn message(&self, guild: GuildId, channel: ChannelId, user: UserId, at: UnixMillis) {
        let mut counters = self.lock();
        Self::add(
            &mut counters,
            (guild, hour_start(at), channel, Metric::Messages),
            1,
        );
        self.active(&mut counters, (guild, day_start(at), user));
    }

    /// A member joined.
    pub fn joined(&self, guild: GuildId, at: UnixMillis) {
        Self::add(
            &mut self.lock(),
            (guild, hour_start(at), WHOLE_GUILD, Metric::Joins),
            1,
        );
    }

    /// A member left (or was kicked or banned).
    pub fn left(&self, guild: GuildId, at: UnixMillis) {
        Self::add(
            &mut self.lock(),
            (guild, hour_start(at), WHOLE_GUILD, Metric::Leaves),
            1,
        );
    }

    /// A member spent `seconds` of counted voice time in `channel`, up to `at` (the hour of
    /// `at` gets them all: callers hand them over at least every few minutes).
    pub fn voice_seconds(
        &self,
        guild: GuildId,
        channel: ChannelId,
        user: UserId,
        seconds: u64,
        at: UnixMillis,
    ) {
        if seconds == 0 {
            return;
        }
        let mut counters = self.lock();
        Self::add(
            &mut counters,
            (guild, hour_start(at), channel, Metric::VoiceSeconds),
            i64::try_from(seconds).unwrap_or(i64::MAX),
        );
        self.active(&mut counters, (guild, day_start(at), user));
    }

    /// Automod caught a message.
    pub fn automod_action(&self, guild: GuildId, at: UnixMillis) {
        Self::add(
            &mut self.lock(),
            (guild, hour_start(at), WHOLE_GUILD, Metric::AutomodActions),
            1,
        );
    }

    /// How many hourly counters and active members wait to be written.
    pub fn pending(&self) -> (usize, usize) {
        let counters = self.lock();
        (counters.hourly.len(), counters.members.len())
    }

    /// How many active members were dropped, since start, because too many waited.
    pub fn dropped_members(&self) -> u64 {
        self.dropped_members.load(Ordering::Relaxed)
    }

    /// Adds everything counted so far to the hourly tables in one transaction. When the write
    /// fails, the counts are put back (added to what arrived meanwhile) for the next flush.
    ///
    /// # Errors
    /// [`DbError`] when the write fails.
    pub async fn flush(&self) -> Result<Flushed, DbError> {
        let _one_at_a_time = self.flushing.lock().await;
        let taken = std::mem::take(&mut *self.lock());
        if taken.is_empty() {
            return Ok(Flushed::default());
        }
        let flushed = Flushed {
            counters: taken.hourly.len(),
            members: taken.members.len(),
        };
        match store::add_counters(&self.db, &taken).await {
            Ok(()) => Ok(flushed),
            Err(error) => {
                self.lock().merge(taken);
                Err(error)
            }
        }
    }

    /// Flushes every `interval` until `cancel`, then once more.
    pub fn spawn_flusher(
        self: &Arc<Self>,
        interval: Duration,
        cancel: CancellationToken,
    ) -> JoinHandle<()> {
        self.spawn_flusher_fed(interval, cancel, |_| {})
    }

    /// [`Activity::spawn_flusher`], calling `feed` before each flush to hand over what another
    /// part counted (the voice tracker's counted seconds, in the bot).
    pub fn spawn_flusher_fed(
        self: &Arc<Self>,
        interval: Duration,
        cancel: CancellationToken,
        feed: impl Fn(&Self) + Send + 'static,
    ) -> JoinHandle<()> {
        let activity = Arc::clone(self);
        tokio::spawn(async move {
            let mut ticker = tokio::time::interval(interval);
            ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    () = cancel.cancelled() => break,
                    _ = ticker.tick() => {}
                }
                feed(&activity);
                if let Err(error) = activity.flush().await {
                    tracing::warn!(%error, "could not write activity counters; will retry");
                }
            }
            feed(&activity);
            match activity.flush().await {
                Ok(_) => {}
                Err(error) => {
                    let (counters, members) = activity.pending();
                    tracing::warn!(%error, counters, members, "could not write the last activity counters");
                }
            }
        })
    }
}
