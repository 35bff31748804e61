//! The opt-in store of a guild's recent messages: what automod backtests replay
//! ([`crate::automod::backtest`]), and what the logging feature will read for edited and
//! deleted messages.
//!
//! Off by default (`recent_messages.store_recent_messages`), kept for 1 to 30 days
//! (`recent_messages.recent_message_retention_days`), never for `recent_messages.ignored_channels`. The message
//! path does no database round trip: [`RecentMessages::record`] pushes into a bounded
//! in-memory queue and a background task writes it in batches (see `buffer.rs`).
//!
//! Files: `settings.rs` (the `recent_messages` section and its checks), `model.rs` (a stored message),
//! `store.rs` (SQL, every query scoped by guild), `buffer.rs` (the write-behind buffer and its
//! flusher), `retention.rs` (the daily job that deletes what is past each guild's retention, and
//! ticket transcripts past theirs).

pub mod buffer;
pub mod model;
pub mod retention;
pub mod settings;
// The store is the feature's own: other crates go through its service. Tests elsewhere may
// set up rows directly.
#[cfg(any(test, feature = "test-support"))]
pub mod store;
#[cfg(not(any(test, feature = "test-support")))]
#[allow(dead_code, unreachable_pub)]
pub(crate) mod store;

// The `recent_messages` settings section.
mod section;

#[cfg(all(test, feature = "test-support"))]
mod tests;

pub use buffer::{DEFAULT_CAPACITY, FLUSH_INTERVAL, Flushed, RecentMessages};
pub use model::{Position, RecentMessage};
pub use retention::Retention;
pub use settings::RecentMessageSettings;
