//! Server-side sessions: what the cookie's `sid` refers to. The user's Discord access token
//! lives here and never in the cookie; logging out or expiry forgets it.
//!
//! Kept in process memory: the dashboard is served by one process (`serve` or `web`), and a
//! restart only asks users to log in again. Several dashboard processes behind one address
//! would need these rows in the database.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use guildhall_core::clock::UnixMillis;
use guildhall_core::ids::{GuildId, UserId};
use guildhall_core::permissions::Permissions;

/// One of the user's guilds as Discord reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserGuild {
    /// The guild.
    pub id: GuildId,
    /// Its name.
    pub name: String,
    /// Whether the user owns it.
    pub owner: bool,
    /// The user's guild-wide permissions.
    pub permissions: Permissions,
    /// Discord's approximate member count, when it sent one.
    pub member_count: Option<u64>,
}

impl UserGuild {
    /// Whether the user may manage the guild's settings: owner, Administrator, or Manage Server.
    pub fn manageable(&self) -> bool {
        self.owner
            || self.permissions.contains(Permissions::ADMINISTRATOR)
            || self.permissions.contains(Permissions::MANAGE_GUILD)
    }
}

/// A logged-in user's session.
#[derive(Debug, Clone)]
pub struct Session {
    /// The session id (the token's `sid`).
    pub id: String,
    /// The Discord user.
    pub user: UserId,
    /// Their display name.
    pub username: String,
    /// Their OAuth2 access token.
    pub access_token: String,
    /// When the session ends.
    pub expires_at: UnixMillis,
    /// The user's guilds and when they were fetched from Discord.
    pub guilds: Option<(UnixMillis, Arc<Vec<UserGuild>>)>,
}

/// Every live session, by id.
#[derive(Debug, Default)]
pub struct SessionStore {
    sessions: Mutex<HashMap<String, Session>>,
}

impl SessionStore {
    fn lock(&self) -> MutexGuard<'_, HashMap<String, Session>> {
        self.sessions
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Stores a new session, forgetting expired ones.
    pub fn insert(&self, session: Session, now: UnixMillis) {
        let mut sessions = self.lock();
        sessions.retain(|_, existing| existing.expires_at > now);
        sessions.insert(session.id.clone(), session);
    }

    /// The live session `id`.
    pub fn get(&self, id: &str, now: UnixMillis) -> Option<Session> {
        self.lock()
            .get(id)
            .filter(|session| session.expires_at > now)
            .cloned()
    }

    /// Replaces the cached guild list of a session.
    pub fn set_guilds(&self, id: &str, guilds: Arc<Vec<UserGuild>>, at: UnixMillis) {
        if let Some(session) = self.lock().get_mut(id) {
            session.guilds = Some((at, guilds));
        }
    }

    /// Ends a session.
    pub fn remove(&self, id: &str) {
        self.lock().remove(id);
    }
}
