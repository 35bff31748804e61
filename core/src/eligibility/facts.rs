//! What the engine knows of one member, gathered by the caller.

use std::time::Duration;

use crate::clock::UnixMillis;
use crate::ids::{RoleId, UserId};

/// The facts about one member that [`evaluate`](super::evaluate) decides on. The caller gathers
/// them (from the interaction, the guild cache, the levels and warnings stores), so the engine
/// never touches the database, Discord or a clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Facts<'a> {
    /// The member; the account's creation time is read from this id.
    pub user: UserId,
    /// The member's roles.
    pub roles: &'a [RoleId],
    /// The member's level: `Some(0)` for a member without experience while levels are on,
    /// `None` when the server does not track levels (a level requirement is then unmet and
    /// says so, rather than telling the member to earn what cannot be earned).
    pub level: Option<u32>,
    /// When the member joined the server, if known (Discord omits it for some members).
    /// Unknown never satisfies a minimum time in the server.
    pub joined_at: Option<UnixMillis>,
    /// The member's warnings that have not decayed yet.
    pub active_warnings: u32,
    /// The time to decide at.
    pub now: UnixMillis,
}

impl Facts<'_> {
    /// How old the member's account is at `now` (zero if the id claims a later creation).
    pub fn account_age(&self) -> Duration {
        self.now.since(self.user.created_at())
    }

    /// How long the member has been in the server at `now`, if the join time is known.
    pub fn membership(&self) -> Option<Duration> {
        self.joined_at.map(|joined| self.now.since(joined))
    }
}
