//! Automod: pure, fast verdicts on every message, with no database round trip and no await.
//!
//! The guild's `automod` settings ([`AutomodSettings`]) are compiled once per settings version
//! into [`CompiledRules`] (regexes, the word automaton, the link lists). Each message is then
//! checked with [`CompiledRules::check`] against the guild's [`AutomodState`] (the spam windows:
//! a few recent timestamps and SimHash fingerprints per member, bounded and evicted when idle),
//! which returns a [`Verdict`]: every rule that fired, the strongest action and whether to delete
//! the message. [`explain`] is the same check for the tester, on a text and its history.
//!
//! One file per rule: [`settings`] and [`validate`] (the section and its checks), `normalize`
//! (the text the word list and the fingerprints see), `words`, `patterns`, `invites`, `links`,
//! `caps`, `mentions`, `simhash` and `state` (spam and duplicates), `engine` (compile and check),
//! `verdict` and `explain`.

pub mod backtest;
mod caps;
mod engine;
mod explain;
mod invites;
mod links;
mod mentions;
mod normalize;
pub(crate) mod patterns;
// The `Section` impl, which needs the `automod` field of `GuildSettings`; the lead turns this on
// when registering the section.
mod section;
pub mod settings;
mod simhash;
mod state;
pub mod validate;
mod verdict;
mod words;

#[cfg(test)]
mod tests;

pub use engine::{CompiledRules, compile};
pub use explain::{PriorMessage, explain};
pub use mentions::says_everyone;
pub use patterns::{
    MAX_PATTERN_CHARS, MAX_PATTERNS, PATTERN_DFA_SIZE_LIMIT, PATTERN_SIZE_LIMIT, validate_pattern,
};
pub use settings::{
    Action, AutomodSettings, BadPatternSettings, BadWordSettings, CapsSettings, DuplicateSettings,
    InviteSettings, LinkMode, LinkSettings, MentionSettings, SpamSettings,
};
pub use state::{AutomodState, MAX_RING};
pub use validate::InvalidAutomod;
pub use verdict::{MessageInput, RuleHit, RuleKind, Verdict};
