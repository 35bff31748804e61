//! Server-side sessions: what the cookie's `sid` refers to. A row in `web_sessions` holds the
//! user's Discord access token, which never reaches the browser; logging out deletes the row,
//! so a copied cookie stops working at once, in every process that shares the database.
//!
//! The user's guild list (their permissions) is cached in this process only, keyed by session:
//! it is a cache that any process can rebuild from Discord.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use guildhall_core::clock::UnixMillis;
use guildhall_core::db::{Db, DbError};
use guildhall_core::ids::{GuildId, UserId};
use guildhall_core::permissions::Permissions;
use sqlx::Row as _;

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
    /// The user's guilds and when they were fetched from Discord (this process's cache).
    pub guilds: Option<(UnixMillis, Arc<Vec<UserGuild>>)>,
}

type GuildLists = HashMap<String, (UnixMillis, Arc<Vec<UserGuild>>)>;

/// The sessions table, and this process's cache of each session's guild list.
#[derive(Debug)]
pub struct SessionStore {
    db: Db,
    guilds: Mutex<GuildLists>,
}

impl SessionStore {
    /// Sessions stored in `db`.
    pub fn new(db: Db) -> Self {
        Self {
            db,
            guilds: Mutex::new(HashMap::new()),
        }
    }

    fn cache(&self) -> MutexGuard<'_, GuildLists> {
        self.guilds
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Stores a new session, deleting expired ones.
    ///
    /// # Errors
    /// [`DbError`] when the write fails.
    pub async fn insert(&self, session: &Session, now: UnixMillis) -> Result<(), DbError> {
        sqlx::query("DELETE FROM web_sessions WHERE expires_at <= $1")
            .bind(now.0)
            .execute(self.db.pool())
            .await?;
        sqlx::query(
            "INSERT INTO web_sessions (session_id, user_id, username, access_token, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(session.id.clone())
        .bind(session.user.to_db())
        .bind(session.username.clone())
        .bind(session.access_token.clone())
        .bind(now.0)
        .bind(session.expires_at.0)
        .execute(self.db.pool())
        .await?;
        if let Some((at, guilds)) = &session.guilds {
            self.cache()
                .insert(session.id.clone(), (*at, Arc::clone(guilds)));
        }
        Ok(())
    }

    /// The live session `id`.
    ///
    /// # Errors
    /// [`DbError`] when the read fails.
    pub async fn get(&self, id: &str, now: UnixMillis) -> Result<Option<Session>, DbError> {
        let row = sqlx::query(
            "SELECT user_id, username, access_token, expires_at FROM web_sessions
             WHERE session_id = $1 AND expires_at > $2",
        )
        .bind(id.to_owned())
        .bind(now.0)
        .fetch_optional(self.db.pool())
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        Ok(Some(Session {
            id: id.to_owned(),
            user: UserId::from_db(row.try_get("user_id")?),
            username: row.try_get("username")?,
            access_token: row.try_get("access_token")?,
            expires_at: UnixMillis(row.try_get("expires_at")?),
            guilds: self.cache().get(id).cloned(),
        }))
    }

    /// Replaces the cached guild list of a session.
    pub fn set_guilds(&self, id: &str, guilds: Arc<Vec<UserGuild>>, at: UnixMillis) {
        self.cache().insert(id.to_owned(), (at, guilds));
    }

    /// Ends a session.
    ///
    /// # Errors
    /// [`DbError`] when the delete fails.
    pub async fn remove(&self, id: &str) -> Result<(), DbError> {
        self.cache().remove(id);
        sqlx::query("DELETE FROM web_sessions WHERE session_id = $1")
            .bind(id.to_owned())
            .execute(self.db.pool())
            .await?;
        Ok(())
    }
}
