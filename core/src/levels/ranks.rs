//! The per-guild rank indexes of a process: loaded lazily (in the background, so the first
//! request is answered by SQL), kept current by this process's writes, and dropped when idle.
//!
//! Writes made by another process (the CLI, the dashboard) reach this one as an invalidation on
//! the coordination bus when Redis is configured; without it, an index is reloaded once it is
//! [`MAX_AGE`] old, so the rank it shows is at most that stale. While a load runs, the writes
//! of this process are logged and replayed on the loaded snapshot; replaying is idempotent, so
//! a write that the snapshot already holds does no harm.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use super::rank_index::RankIndex;
use super::store;
use crate::clock::UnixMillis;
use crate::db::{Db, DbError};
use crate::ids::{GuildId, UserId};

/// An index older than this is reloaded (other processes' writes show within it).
pub const MAX_AGE: Duration = Duration::from_secs(15 * 60);
/// An index not used for this long is dropped to free memory.
pub const IDLE_AFTER: Duration = Duration::from_secs(30 * 60);

/// One member's move on the leaderboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Move {
    pub(crate) user: UserId,
    /// XP before; `None` when the member was not stored.
    pub(crate) old: Option<i64>,
    /// XP after; `None` when the member's row was deleted.
    pub(crate) new: Option<i64>,
}

#[derive(Debug)]
struct Load {
    token: u64,
    log: Vec<Move>,
}

#[derive(Debug)]
struct Entry {
    index: Option<RankIndex>,
    loaded_at: UnixMillis,
    used_at: UnixMillis,
    load: Option<Load>,
}

impl Default for Entry {
    fn default() -> Self {
        Self {
            index: None,
            loaded_at: UnixMillis(i64::MIN),
            used_at: UnixMillis(i64::MIN),
            load: None,
        }
    }
}

/// The rank indexes of the guilds this process was asked about.
#[derive(Debug)]
pub(crate) struct RankCache {
    db: Db,
    entries: Mutex<HashMap<GuildId, Entry>>,
    tokens: AtomicU64,
}

impl RankCache {
    pub(crate) fn new(db: Db) -> Self {
        Self {
            db,
            entries: Mutex::new(HashMap::new()),
            tokens: AtomicU64::new(1),
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<GuildId, Entry>> {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Answers from the guild's index when one is loaded. The second value says a (re)load
    /// should start: there is no index, or it is older than [`MAX_AGE`], and none is running.
    pub(crate) fn read<T>(
        &self,
        guild: GuildId,
        now: UnixMillis,
        answer: impl FnOnce(&RankIndex) -> T,
    ) -> (Option<T>, bool) {
        let mut entries = self.lock();
        let entry = entries.entry(guild).or_default();
        entry.used_at = now;
        let stale = entry.index.is_none() || now.since(entry.loaded_at) >= MAX_AGE;
        let start_load = stale && entry.load.is_none();
        (entry.index.as_ref().map(answer), start_load)
    }

    /// Loads (or reloads) the guild's index now; the old one keeps answering meanwhile.
    ///
    /// # Errors
    /// [`DbError`] when the read fails; the guild then has no load running.
    pub(crate) async fn load(&self, guild: GuildId, now: UnixMillis) -> Result<(), DbError> {
        let token = self.tokens.fetch_add(1, Ordering::Relaxed);
        self.lock().entry(guild).or_default().load = Some(Load {
            token,
            log: Vec::new(),
        });
        let loaded = store::ranking(&self.db, guild).await;
        let mut entries = self.lock();
        let entry = entries.entry(guild).or_default();
        let Some(load) = entry.load.take_if(|load| load.token == token) else {
            // Invalidated (or superseded) while reading: this snapshot may miss that change.
            return Ok(());
        };
        let rows = loaded?;
        let mut index = RankIndex::new(rows);
        for change in load.log {
            index.apply(change.user, change.old, change.new);
        }
        entry.index = Some(index);
        entry.loaded_at = now;
        entry.used_at = entry.used_at.max(now);
        Ok(())
    }

    /// Starts a background load of the guild's index.
    pub(crate) fn spawn_load(self: &Arc<Self>, guild: GuildId, now: UnixMillis) {
        let cache = Arc::clone(self);
        tokio::spawn(async move {
            if let Err(error) = cache.load(guild, now).await {
                tracing::warn!(%guild, %error, "could not load the guild's rank index; ranks are counted in SQL meanwhile");
            }
        });
    }

    /// Applies this process's writes to the loaded indexes and logs them for running loads.
    pub(crate) fn record(&self, moves: impl IntoIterator<Item = (GuildId, Move)>) {
        let mut entries = self.lock();
        for (guild, change) in moves {
            let Some(entry) = entries.get_mut(&guild) else {
                continue;
            };
            if let Some(load) = &mut entry.load {
                load.log.push(change);
            }
            if let Some(index) = &mut entry.index
                && !index.apply(change.user, change.old, change.new)
            {
                // The index missed a change (another process wrote): stop trusting it.
                tracing::debug!(%guild, "rank index out of date; reloading");
                entry.index = None;
            }
        }
    }

    /// Forgets the guild's index and any running load: the next read loads it afresh.
    pub(crate) fn invalidate(&self, guild: GuildId) {
        self.lock().remove(&guild);
    }

    /// Drops indexes not read for [`IDLE_AFTER`].
    pub(crate) fn evict_idle(&self, now: UnixMillis) {
        self.lock()
            .retain(|_, entry| entry.load.is_some() || now.since(entry.used_at) < IDLE_AFTER);
    }

    /// How many members the loaded index of a guild holds (for tests and status).
    pub(crate) fn loaded_len(&self, guild: GuildId) -> Option<usize> {
        self.lock()
            .get(&guild)
            .and_then(|entry| entry.index.as_ref().map(RankIndex::len))
    }
}
