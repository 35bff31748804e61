//! Guildhall's core: the domain, its ports, storage, coordination and the job ledger.
//!
//! It speaks its own types ([`ids`], [`effect::Effect`]) and knows nothing of Discord, the web or
//! terminals: `guildhall-bot` turns Discord events into calls here and executes the effects that
//! come back; `guildhall-web`, `guildhall-tui` and the CLI reach the bot only through the
//! database, the job ledger and the coordination bus defined here.

pub mod analytics;
pub mod audit;
pub mod automation;
pub mod automod;
pub mod clock;
mod composition;
pub mod config;
pub mod coordination;
pub mod db;
pub mod effect;
pub mod eligibility;
pub mod error;
pub mod events;
pub mod features;
pub mod giveaways;
pub mod guards;
pub mod guild_cache;
pub mod guild_config;
pub mod guild_snapshot;
pub mod guilds;
pub mod ids;
pub mod jobs;
pub mod levels;
pub mod live;
pub mod logging;
pub mod moderation;
pub mod permissions;
pub mod premium;
#[cfg(test)]
mod proptests;
pub mod recent_messages;
pub mod references;
pub mod refusals;
pub mod roles;
#[cfg(feature = "test-support")]
pub mod testing;
pub mod text;
pub mod tickets;

pub use composition::Core;
