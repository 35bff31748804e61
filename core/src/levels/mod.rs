//! Levels: XP for messages and for time in voice, a configurable level curve, announcements,
//! role rewards, ranks and leaderboards, and CSV import and export. No Discord types:
//! [`LevelService`] is fed messages and voice states and returns level-ups, which
//! [`level_up_effects`] turns into [`Effect`](crate::effect::Effect)s for the bot.
//!
//! The message path does no database round trip: XP is decided in memory
//! ([`accumulator::message_xp`]), the cooldown is one coordination call, and the XP waits in
//! the [`XpBuffer`] until the flusher writes it in one transaction per flush. A crash loses at
//! most `levels.flush_interval_secs` of XP (10 s by default, 1 to 300). Ranks come from an
//! in-memory order-statistics index per guild (`rank_index.rs`, loaded lazily, kept current by
//! the flushes), so a rank at a million members costs microseconds instead of an index count.
//!
//! Files by concern: `settings.rs` (the `levels` section and its checks), `curve.rs` (XP per
//! level), `accumulator.rs` (message XP and the in-memory buffer), `voice.rs` (voice time),
//! `rewards.rs` (reward roles for a level), `effects.rs` (announcement and role effects),
//! `store.rs` (SQL), `rank_index.rs` and `ranks.rs` (the rank index and its per-guild cache),
//! `csv.rs` (import and export), `service.rs` (the service and its flusher).

pub mod accumulator;
pub mod csv;
pub mod curve;
pub mod effects;
pub mod rank_index;
mod ranks;
pub mod rewards;
pub mod service;
pub mod settings;
// The store is the feature's own: other crates go through its service. Tests elsewhere may
// set up rows directly.
#[cfg(any(test, feature = "test-support"))]
pub mod store;
#[cfg(not(any(test, feature = "test-support")))]
#[allow(dead_code, unreachable_pub)]
pub(crate) mod store;
pub mod voice;

// The `levels` settings section; compiled once `GuildSettings` has its `levels` field.
mod section;

#[cfg(all(test, feature = "test-support"))]
mod tests;

pub use accumulator::{Delta, MessageFacts, XpBuffer, XpSource, message_xp};
pub use csv::{ImportSummary, LineError, ParsedCsv};
pub use curve::{LevelCurve, MAX_LEVEL, MAX_XP, Progress};
pub use effects::{LevelUp, announcement, level_up_effects, render_template, reward_effects};
pub use rank_index::RankIndex;
pub use rewards::{RewardChanges, reward_changes};
pub use service::{
    COOLDOWN_NAMESPACE, FLUSH_TICK, ImportOutcome, LeaderboardEntry, LevelError, LevelService,
    RankCard,
};
pub use settings::{
    Announce, AnnounceMode, ChannelMultiplier, LevelSettings, Reward, RewardMode, RoleMultiplier,
    VoiceSettings,
};
pub use store::{Applied, ImportMode, MemberXp, ResetScope};
pub use voice::{AfkReason, VoiceAward, VoiceChange, VoiceSession, VoiceState, VoiceTracker};
