//! Guildhall's terminal console (ratatui + crossterm), a library the `guildhall console`
//! command calls.
//!
//! It will show panes for shards, guild settings, live logs, giveaways and the job ledger, each a
//! component driven by an `Action` enum. Like the web, it reaches the bot only through
//! `guildhall-core`. It arrives with the console issue; until then it names its panes.

/// The console's panes, in tab order.
pub const PANES: &[&str] = &["overview", "migrations", "settings", "logs", "jobs"];
