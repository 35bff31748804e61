//! Giveaways: started by a manager with a prize, a duration, a number of winners, a channel and
//! eligibility requirements; entered by button; drawn provably fairly when the timer fires;
//! claimed by button within a window; rerolled slot by slot; logged and exported. No Discord
//! types: [`GiveawayService`] stores and decides and returns [`Effect`](crate::effect::Effect)s,
//! and the job handlers act through the [`EffectSink`](crate::effect::EffectSink) and ask the
//! bot about members through the [`MemberFacts`] port.
//!
//! The life of a giveaway:
//! - **Start** ([`GiveawayService::start`]): checks, a secret 32-byte seed whose SHA-256 is
//!   shown in the giveaway message, and the `giveaways.end` job, scheduled before the giveaway
//!   is written so it never exists without its timer. At most `giveaways.max_active` run per
//!   guild.
//! - **Entries** ([`GiveawayService::enter`]): requirements checked through the
//!   [eligibility engine](crate::eligibility) with every unmet one named; one entry per member,
//!   enforced by the database's key (concurrent clicks make one entry); a leave option; the
//!   entrant count shown by one message edit per giveaway per 5 seconds.
//! - **Draw** (`giveaways.end`, [`EndGiveaway`]): entries close (`running` → `drawing`), each slot
//!   is drawn from the seed and the sorted entrant list, candidates who left or no longer meet
//!   the requirements are disqualified with the reason logged, and the result, the revealed
//!   seed and the entrant list's hash are written in one transaction (`drawing` → `ended`);
//!   winners are pinged with "Claim prize" buttons. See [`fairness`] for the algorithm.
//! - **Claims** ([`GiveawayService::claim`]): only the slot's current winner, within the window
//!   (`giveaways.claim_window_secs`, fixed at the start), still a member and eligible.
//! - **Rerolls**: automatic when a window passes (`giveaways.claim_expire`, [`ClaimExpired`]),
//!   up to `giveaways.max_rerolls` per giveaway, then the slot is reported unclaimed; manual by
//!   a manager ([`GiveawayService::reroll`], run as `giveaways.reroll`). Never a previous winner.
//! - **Record**: every entry, leave, draw, claim, refused claim, failed claim, reroll, end and
//!   cancellation is a line of `giveaway_events`; [`GiveawayService::export_json`],
//!   [`GiveawayService::export_csv`]; [`GiveawayService::verify`] recomputes the draw.
//!
//! Every timer is a job with a dedupe key, every state change a conditional write, so a restart
//! at any moment neither loses nor repeats a draw or a reroll; announcements are recorded as they
//! are made (`settle.rs` says what a stop mid-announcement does).
//!
//! Files by use case: `settings.rs`/`section.rs` (the `giveaways` section), `model.rs`,
//! `buttons.rs` (custom ids), `fairness.rs` (seed, commitment, the draw, verification; pure),
//! `messages.rs` (what members see; pure), `store.rs` (SQL), `service.rs` (the service, start,
//! early end, cancel, lookups), `entry.rs`, `draw.rs`, `claim.rs`, `reroll.rs`, `settle.rs`
//! (announcements and message edits), `export.rs`, `ports.rs` (the member port, the job
//! registration), `post.rs` (`giveaways.post`: the message of a giveaway started in the
//! dashboard, posted at most once and recorded).

pub mod buttons;
pub mod claim;
pub mod draw;
pub mod entry;
pub mod export;
pub mod fairness;
pub mod messages;
pub mod model;
pub mod ports;
pub mod post;
pub mod reroll;
pub mod service;
pub mod settings;
pub mod settle;
mod store;

// The `giveaways` settings section; compiled once `GuildSettings` has its `giveaways` field.
mod section;

pub use buttons::GiveawayButton;
pub use claim::{ClaimExpired, ClaimOutcome, ClaimWindowPayload, claim_window_dedupe_key};
pub use draw::{EndGiveaway, LEFT_THE_SERVER};
pub use entry::{EntryOutcome, LeaveOutcome};
pub use fairness::{
    ALGORITHM, Draw, DrawRecord, DrawStep, Seed, SeedError, Verified, VerifyError, entrants_hash,
    verify,
};
pub use model::{
    Entry, Event, EventActor, EventKind, Giveaway, GiveawayId, GiveawayRequest, GiveawayState,
    Manager, Slot, SlotState,
};
pub use ports::{FactsUnavailable, MemberFacts, MemberState, register_jobs};
pub use post::{POST, PostGiveaway, PostPayload, schedule_post};
pub use reroll::{RerollPayload, RerollRequested, RerollSlot};
pub use service::{
    CLAIM_EXPIRE, COUNT_EDIT_INTERVAL, END, EndPayload, GiveawayDetail, GiveawayError,
    GiveawayService, MAX_DURATION, MAX_PRIZE, MAX_WINNERS, MIN_DURATION, REROLL, StartedGiveaway,
    TIMER_ATTEMPTS, UPDATE, UpdatePayload,
};
pub use settings::GiveawaySettings;
pub use settle::UpdateGiveaway;
pub use store::{Disqualified, StepRecord};
