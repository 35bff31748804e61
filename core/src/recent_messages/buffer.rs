//! [`RecentMessages`]: the write-behind buffer between the message path and the store.
//!
//! The message path only pushes into a bounded in-memory queue (a mutex held for a push, no
//! await, no database); a background task writes whatever arrived every couple of seconds in
//! one transaction, and once more when the bot stops. A queue that fills up (the database
//! down or far behind) drops its oldest entries and counts them, so memory stays bounded.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::model::RecentMessage;
use super::store::{self, Edit};
use crate::clock::UnixMillis;
use crate::db::{Db, DbError};
use crate::ids::{GuildId, MessageId};

/// How often the background flusher writes what arrived.
pub const FLUSH_INTERVAL: Duration = Duration::from_secs(2);

/// How many messages and edits may wait in memory before the oldest are dropped: at a few
/// hundred bytes each, a few megabytes, and minutes of traffic of a busy bot at the flush
/// interval.
pub const DEFAULT_CAPACITY: usize = 20_000;

/// Something waiting to be written, in arrival order.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Pending {
    Message(GuildId, RecentMessage),
    Edit(Edit),
}

/// What one [`RecentMessages::flush`] wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Flushed {
    /// Messages handed to the store (a message already stored is kept, not counted twice).
    pub messages: usize,
    /// Edits handed to the store.
    pub edits: usize,
}

/// The recent-message store's write side, shared by the bot's handlers (cheap to clone through
/// an `Arc`). Reads go straight to [`super::store`].
#[derive(Debug)]
pub struct RecentMessages {
    db: Db,
    capacity: usize,
    queue: Mutex<VecDeque<Pending>>,
    dropped: AtomicU64,
    /// Drops already reported in the log.
    reported_drops: AtomicU64,
    /// One flush at a time, so batches reach the database in arrival order.
    flushing: tokio::sync::Mutex<()>,
}

impl RecentMessages {
    /// A guild's stored messages posted at or after `since`, oldest first, at most `limit`;
    /// read on with [`RecentMessages::messages_after`] from the last one's position.
    ///
    /// # Errors
    /// [`DbError`] when the read fails.
    pub async fn messages_since(
        &self,
        guild: GuildId,
        since: crate::clock::UnixMillis,
        limit: u32,
    ) -> Result<Vec<super::RecentMessage>, DbError> {
        super::store::messages_since(&self.db, guild, since, limit).await
    }

    /// The next page of a guild's stored messages after `after`.
    ///
    /// # Errors
    /// [`DbError`] when the read fails.
    pub async fn messages_after(
        &self,
        guild: GuildId,
        after: super::Position,
        limit: u32,
    ) -> Result<Vec<super::RecentMessage>, DbError> {
        super::store::messages_after(&self.db, guild, after, limit).await
    }

    /// A buffer writing to `db`, holding at most [`DEFAULT_CAPACITY`] entries.
    pub fn new(db: Db) -> Self {
        Self::with_capacity(db, DEFAULT_CAPACITY)
    }

    /// A buffer holding at most `capacity` entries (at least one).
    pub fn with_capacity(db: Db, capacity: usize) -> Self {
        let capacity = capacity.max(1);
        Self {
            db,
            capacity,
            queue: Mutex::new(VecDeque::with_capacity(capacity.min(1_024))),
            dropped: AtomicU64::new(0),
            reported_drops: AtomicU64::new(0),
            flushing: tokio::sync::Mutex::new(()),
        }
    }

    /// Queues a new message of `guild` for the store: a push in memory, for the message path.
    /// The caller decides whether the guild stores messages
    /// ([`super::RecentMessageSettings::stores`]).
    pub fn record(&self, guild: GuildId, message: RecentMessage) {
        self.push(Pending::Message(guild, message));
    }

    /// Queues an edit: the stored message's text becomes `content`, edited at `edited_at`.
    /// An edit of a message that was never stored changes nothing.
    pub fn record_edit(
        &self,
        guild: GuildId,
        message: MessageId,
        content: String,
        edited_at: UnixMillis,
    ) {
        self.push(Pending::Edit(Edit {
            guild,
            message,
            content,
            edited_at,
        }));
    }

    /// A message was deleted on Discord. The stored row is kept on purpose: the logging feature
    /// shows what a deleted message said (read with [`RecentMessages::find`]), so this writes
    /// nothing. Retention removes the row in time.
    pub fn delete(&self, guild: GuildId, message: MessageId) {
        tracing::trace!(%guild, %message, "deleted message kept in the recent-message store");
    }

    /// A stored message as it is now: the queue first (a message posted a moment ago, with
    /// the edits queued after it), else the database. For edit and delete logs.
    ///
    /// # Errors
    /// [`DbError`] when the read fails.
    pub async fn find(
        &self,
        guild: GuildId,
        message: MessageId,
    ) -> Result<Option<RecentMessage>, DbError> {
        let queued = {
            let queue = self.lock();
            let mut found: Option<RecentMessage> = None;
            for pending in queue.iter() {
                match pending {
                    Pending::Message(at, stored) if *at == guild && stored.message == message => {
                        found = Some(stored.clone());
                    }
                    Pending::Edit(edit) if edit.guild == guild && edit.message == message => {
                        if let Some(found) = &mut found {
                            found.content.clone_from(&edit.content);
                            found.edited_at = Some(edit.edited_at);
                        }
                    }
                    _ => {}
                }
            }
            found
        };
        if queued.is_some() {
            return Ok(queued);
        }
        let mut stored = store::get(&self.db, guild, message).await?;
        // An edit still queued for a stored message is newer than the row.
        if let Some(stored) = &mut stored {
            for pending in self.lock().iter() {
                if let Pending::Edit(edit) = pending
                    && edit.guild == guild
                    && edit.message == message
                {
                    stored.content.clone_from(&edit.content);
                    stored.edited_at = Some(edit.edited_at);
                }
            }
        }
        Ok(stored)
    }

    /// How many messages and edits wait to be written.
    pub fn pending(&self) -> usize {
        self.lock().len()
    }

    /// How many messages and edits were dropped, since start, because the queue was full.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, VecDeque<Pending>> {
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn push(&self, pending: Pending) {
        let mut queue = self.lock();
        if queue.len() >= self.capacity {
            queue.pop_front();
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
        queue.push_back(pending);
    }

    /// Writes everything queued, in one transaction: messages (many per statement), then
    /// edits. On failure the batch goes back to the front of the queue for the next flush
    /// (dropping the oldest if the queue overflows meanwhile).
    ///
    /// # Errors
    /// [`DbError`] when the write fails; the batch stays queued then.
    pub async fn flush(&self) -> Result<Flushed, DbError> {
        let _one_at_a_time = self.flushing.lock().await;
        self.report_drops();
        let batch: Vec<Pending> = self.lock().drain(..).collect();
        if batch.is_empty() {
            return Ok(Flushed::default());
        }
        let mut messages = Vec::new();
        let mut edits = Vec::new();
        for pending in batch {
            match pending {
                Pending::Message(guild, message) => messages.push((guild, message)),
                Pending::Edit(edit) => edits.push(edit),
            }
        }
        match store::write(&self.db, &messages, &edits).await {
            Ok(_) => Ok(Flushed {
                messages: messages.len(),
                edits: edits.len(),
            }),
            Err(error) => {
                // Messages before edits is all the order the store needs: it applies a
                // batch's edits after its inserts.
                let batch = messages
                    .into_iter()
                    .map(|(guild, message)| Pending::Message(guild, message))
                    .chain(edits.into_iter().map(Pending::Edit));
                self.requeue(batch);
                Err(error)
            }
        }
    }

    fn requeue(&self, batch: impl Iterator<Item = Pending>) {
        let mut queue = self.lock();
        let arrived: Vec<Pending> = queue.drain(..).collect();
        queue.extend(batch);
        queue.extend(arrived);
        while queue.len() > self.capacity {
            queue.pop_front();
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    fn report_drops(&self) {
        let dropped = self.dropped();
        let reported = self.reported_drops.swap(dropped, Ordering::Relaxed);
        if dropped > reported {
            tracing::warn!(
                dropped = dropped - reported,
                capacity = self.capacity,
                "recent-message queue was full; the oldest messages were not stored"
            );
        }
    }

    /// Starts the background flusher: it writes every `every` until `stop` is cancelled, then
    /// writes what is left and ends. Await the handle after cancelling to be sure the last
    /// messages are stored.
    pub fn spawn_flusher(
        self: &Arc<Self>,
        every: Duration,
        stop: CancellationToken,
    ) -> JoinHandle<()> {
        let buffer = Arc::clone(self);
        tokio::spawn(async move {
            let mut ticker = tokio::time::interval(every);
            ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    () = stop.cancelled() => break,
                    _ = ticker.tick() => {
                        if let Err(error) = buffer.flush().await {
                            tracing::warn!(%error, pending = buffer.pending(), "could not store recent messages; will retry");
                        }
                    }
                }
            }
            if let Err(error) = buffer.flush().await {
                tracing::warn!(%error, lost = buffer.pending(), "could not store the last recent messages");
            }
        })
    }
}
