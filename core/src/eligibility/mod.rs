//! Eligibility: may this member take part? Pure and shared by role panels, giveaways, tickets
//! and the assistant.
//!
//! A feature stores [`Requirements`] (validated by [`Requirements::check`], advertised by
//! [`Requirements::summary`]); when a member asks, the caller gathers their [`Facts`] (roles,
//! level, join time, active warnings, the time now) and [`evaluate`] returns a [`Verdict`]
//! listing every [`Unmet`] requirement, each with its member-facing sentence
//! ([`Unmet::words`]). No database, no Discord, no clock: the engine decides on what it is
//! given.
//!
//! Files: `requirements.rs` (what is required, its checks and summary), `facts.rs` (what is
//! known of the member), `verdict.rs` (the decision), `words.rs` (role names, spoken
//! durations, the sentences).

mod facts;
mod requirements;
mod verdict;
mod words;

#[cfg(test)]
mod tests;

pub use facts::Facts;
pub use requirements::{MAX_BLOCKED_MEMBERS, MAX_DURATION_SECS, MAX_ROLES, Requirements};
pub use verdict::{Unmet, Verdict, evaluate};
pub use words::{
    GuildRoleNames, RoleMentions, RoleNames, spoken_duration, spoken_duration_rounded_up,
};
