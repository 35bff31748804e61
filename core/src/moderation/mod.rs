//! Moderation: cases with per-guild numbers, warnings that decay, the escalation ladder, and
//! timed punishments through the job ledger. No Discord types: decisions are pure
//! ([`escalation`], [`warnings`], [`modlog`]), [`ModerationService`] stores cases and returns
//! the [`Effect`](crate::effect::Effect)s for the bot to perform.
//!
//! Files by use case: `settings.rs` (the `moderation` settings and their checks), `cases.rs`
//! (what a case is), `store.rs` (cases in SQL), `punish.rs` (every action: guards, case,
//! effects, escalation, follow-up), `timed.rs` (the tempban's end), `service.rs` (the service,
//! lookups and reason edits).

pub mod cases;
pub mod escalation;
pub mod modlog;
pub mod punish;
pub mod service;
pub mod settings;
// The store is the feature's own: other crates go through its service. Tests elsewhere may
// set up rows directly.
#[cfg(any(test, feature = "test-support"))]
pub mod store;
#[cfg(not(any(test, feature = "test-support")))]
#[allow(dead_code, unreachable_pub)]
pub(crate) mod store;
pub mod timed;
pub mod warnings;

// The `moderation` settings section (registered in `guild_config::sections`).
mod section;

pub use cases::{Case, CaseActor, CaseId, CaseKind, NewCase, Severity};
pub use punish::{Action, Actor, CaseEffects, Escalation, PunishOutcome, PunishRequest};
pub use service::{ActionFailure, GuildModeration, ModerationError, ModerationService, ReasonEdit};
pub use settings::{LadderAction, LadderStep, ModerationSettings, WarningDecay};
pub use store::CaseFilter;
pub use timed::{LIFT_TEMPBAN, LiftTempban, TempbanPayload, register_jobs};
