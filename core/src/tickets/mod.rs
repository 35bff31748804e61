//! Support tickets: panels whose button opens a private thread (or a private channel in a
//! category), claim, close with a reason, reopen, one open ticket per member per panel,
//! automatic close after inactivity with a warning first, and a transcript of every message
//! kept in the database with JSON and HTML exports. No Discord types: [`TicketService`] stores
//! and returns the [`Effect`](crate::effect::Effect)s for the bot to perform.
//!
//! Files by use case: `settings.rs` (the `tickets` settings and their checks), `model.rs`
//! (panels, tickets, transcripts), `buttons.rs` (custom ids), `store.rs` (SQL), `service.rs`
//! (the service, lookups, the channel index), `panel.rs`, `open.rs`, `claim.rs`, `close.rs`
//! (close and reopen), `channel.rs` (a ticket channel's overwrites; locking on close and
//! unlocking on reopen), `transcript.rs` (recording and reading), `inactivity.rs` (the timers
//! and their job handlers), `export.rs` (JSON and HTML).

pub mod buttons;
pub mod channel;
pub mod claim;
pub mod close;
pub mod export;
pub mod inactivity;
pub mod model;
pub mod open;
pub mod panel;
pub mod service;
pub mod settings;
// The store is the feature's own: other crates go through its service. Tests elsewhere may
// set up rows directly.
#[cfg(any(test, feature = "test-support"))]
pub mod store;
#[cfg(not(any(test, feature = "test-support")))]
#[allow(dead_code, unreachable_pub)]
pub(crate) mod store;
pub mod transcript;

// The `tickets` settings section; compiled once `GuildSettings` has its `tickets` field.
mod section;

pub use buttons::TicketButton;
pub use channel::Conversation;
pub use claim::ClaimedTicket;
pub use close::{ClosedTicket, ReopenedTicket};
pub use inactivity::{
    AUTO_CLOSE, AutoClose, AutoCloseJob, InactivityPayload, WARN_INACTIVE, WarnInactive,
    WarnInactiveJob, register_jobs,
};
pub use model::{
    Attachment, IncomingMessage, Panel, PanelId, Ticket, TicketId, TicketState, Transcript,
    TranscriptMessage, TranscriptSummary,
};
pub use open::{OpenedTicket, TicketChannelPlan};
pub use panel::{CreatedPanel, PanelRequest};
pub use service::{TicketError, TicketService};
pub use settings::{TicketMode, TicketSettings};
