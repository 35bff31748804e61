//! The guild directory of a process without the bot (`guildhall web` alone): Discord's REST API
//! with the bot token, read-only. `GET /channels/{id}` says which guild a channel is in;
//! `GET /guilds/{guild}/roles` lists a guild's roles (kept a few seconds, so a form naming
//! five roles asks once). These lookups bypass the bot's executor (there is none in this
//! process); they are a handful per form submission, and a 429 or an outage makes the check
//! refuse with "try again" rather than wait.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use guildhall_core::ids::{ChannelId, GuildId, RoleId};
use guildhall_core::references::{
    ChannelFacts, ChannelKind, DirectoryError, Found, GuildDirectory,
};
use serde::Deserialize;

/// How long a guild's role list is reused.
const ROLES_FRESH: Duration = Duration::from_secs(5);

/// Each guild's role names and when they were fetched.
type RoleLists = HashMap<GuildId, (Instant, HashMap<RoleId, String>)>;

/// Discord's REST API as a [`GuildDirectory`].
pub struct RestDirectory {
    http: reqwest::Client,
    base: String,
    token: String,
    roles: Mutex<RoleLists>,
}

impl std::fmt::Debug for RestDirectory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RestDirectory")
            .field("base", &self.base)
            .field("token", &"<redacted>")
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct ChannelAnswer {
    #[serde(default)]
    guild_id: Option<GuildId>,
    #[serde(default)]
    name: Option<String>,
    #[serde(rename = "type", default)]
    kind: u64,
    #[serde(default)]
    parent_id: Option<ChannelId>,
    #[serde(default)]
    position: i32,
    #[serde(default)]
    nsfw: bool,
}

#[derive(Deserialize)]
struct RoleAnswer {
    id: RoleId,
    name: String,
}

impl RestDirectory {
    /// A directory asking `base` (`https://discord.com` or the stand-in) with the bot `token`.
    pub fn new(base: &str, token: &str) -> Self {
        Self {
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .unwrap_or_default(),
            base: base.trim_end_matches('/').to_owned(),
            token: token.to_owned(),
            roles: Mutex::new(HashMap::new()),
        }
    }

    async fn get(&self, path: &str) -> Result<Option<reqwest::Response>, DirectoryError> {
        let response = self
            .http
            .get(format!("{}/api/v10{path}", self.base))
            .header("authorization", format!("Bot {}", self.token))
            .send()
            .await
            .map_err(|_| DirectoryError("Discord could not be reached".to_owned()))?;
        match response.status().as_u16() {
            200..=299 => Ok(Some(response)),
            // Unknown, or in a guild the bot cannot see: not this guild's.
            403 | 404 => Ok(None),
            429 => Err(DirectoryError("Discord asked to slow down".to_owned())),
            status => Err(DirectoryError(format!("Discord answered {status}"))),
        }
    }
}

#[async_trait]
impl GuildDirectory for RestDirectory {
    async fn channel(
        &self,
        guild: GuildId,
        channel: ChannelId,
    ) -> Result<Found<ChannelFacts>, DirectoryError> {
        let Some(response) = self.get(&format!("/channels/{channel}")).await? else {
            return Ok(Found::NotHere);
        };
        let answer: ChannelAnswer = response
            .json()
            .await
            .map_err(|_| DirectoryError("Discord's answer could not be read".to_owned()))?;
        if answer.guild_id != Some(guild) {
            return Ok(Found::NotHere);
        }
        Ok(Found::Here(ChannelFacts {
            guild,
            name: answer.name.unwrap_or_default(),
            kind: ChannelKind::from_discord(answer.kind),
            parent: answer.parent_id,
            position: answer.position,
            nsfw: answer.nsfw,
        }))
    }

    async fn role(&self, guild: GuildId, role: RoleId) -> Result<Found<String>, DirectoryError> {
        let fresh = {
            let roles = self
                .roles
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            roles
                .get(&guild)
                .filter(|(fetched, _)| fetched.elapsed() < ROLES_FRESH)
                .map(|(_, names)| names.get(&role).cloned())
        };
        if let Some(name) = fresh {
            return Ok(name.map_or(Found::NotHere, Found::Here));
        }
        let Some(response) = self.get(&format!("/guilds/{guild}/roles")).await? else {
            return Ok(Found::NotHere);
        };
        let answer: Vec<RoleAnswer> = response
            .json()
            .await
            .map_err(|_| DirectoryError("Discord's answer could not be read".to_owned()))?;
        let names: HashMap<RoleId, String> = answer
            .into_iter()
            .map(|role| (role.id, role.name))
            .collect();
        let found = names.get(&role).cloned();
        self.roles
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(guild, (Instant::now(), names));
        Ok(found.map_or(Found::NotHere, Found::Here))
    }
}
