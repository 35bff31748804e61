//! Guildhall's web dashboard and public pages (axum + maud + htmx).
//!
//! It will serve Discord OAuth2 login, the per-guild dashboard and the public leaderboards, and a
//! local admin API for the CLI and console. It never depends on `guildhall-bot`: it changes
//! guild settings and jobs through `guildhall-core`, and the bot picks changes up through the
//! coordination bus. It arrives with the dashboard issue; until then it offers the typed route
//! paths every later page will link through.

use guildhall_core::ids::GuildId;

/// Typed route paths, so links and handlers cannot drift.
pub mod routes {
    use super::GuildId;

    /// The guild overview page.
    pub fn guild(guild: GuildId) -> String {
        format!("/guilds/{guild}")
    }

    /// A guild's settings history.
    pub fn guild_history(guild: GuildId) -> String {
        format!("/guilds/{guild}/settings/history")
    }
}
