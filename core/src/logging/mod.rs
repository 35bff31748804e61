//! Logging: what happens in a guild, in words, posted to a channel per category and stored
//! for the dashboard's log viewer.
//!
//! Files: `settings.rs` (the `logging` section: a channel per category or off, ignored channels
//! and roles, content and event retention, the voice AFK rules), `entry.rs` (`LogEntry`, its
//! `LogKind` and `Category`), `diff.rs` (role and channel changes in words, permission
//! overwrites included), `render.rs` (entries as embeds, packed into as few messages as
//! Discord's limits allow), `service.rs` (`LoggingService`: events into entries, the queue and
//! its flusher, the audit log's best guess of who deleted a message, the per-user erasure),
//! `store.rs` (`log_events`: batched writes, keyset pages with filters), `privacy.rs` (what
//! erasing a member's text replaces).
//!
//! Old message text comes from the recent-message store ([`crate::recent_messages`]), which
//! keeps content for a guild only while its message log is set (or its own store is on), for
//! `logging.message_content_days`.

pub mod diff;
pub mod entry;
pub mod privacy;
pub mod render;
pub mod service;
pub mod settings;
pub mod store;

pub use entry::{Category, LogEntry, LogField, LogFile, LogKind};
pub use service::{
    Flushed, InviteUse, LoggingError, LoggingService, Lookups, NoLookups, PostFailure,
    keeps_content,
};
pub use settings::{AfkAction, LoggingSettings};
pub use store::{EventFilter, EventPage, Page, StoredEvent};

use crate::composition::Core;
use crate::jobs::{JobPorts, JobRegistry};

/// Logging's jobs: none of its own (the daily retention job prunes its events and content).
pub fn register_jobs(registry: JobRegistry, _core: &Core, _ports: &JobPorts) -> JobRegistry {
    registry
}

#[cfg(all(test, feature = "test-support"))]
mod tests;
