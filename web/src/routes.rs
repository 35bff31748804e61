//! Typed route paths, in one place, so links, handlers and clients cannot drift.

use guildhall_core::ids::GuildId;

/// The local admin API, for the CLI and the console (operator token).
pub mod admin {
    /// Live status: shards, event rates, process start.
    pub const STATUS: &str = "/api/admin/status";
    /// Log lines as server-sent events; query `guild` and `level` filter them.
    pub const LOGS: &str = "/api/admin/logs";
}

/// The guild overview page.
pub fn guild(guild: GuildId) -> String {
    format!("/guilds/{guild}")
}

/// A guild's settings history.
pub fn guild_history(guild: GuildId) -> String {
    format!("/guilds/{guild}/settings/history")
}
