//! A local, scriptable, recording stand-in for Discord API v10.
//!
//! [`Sandbox::start`] serves REST under `/api/v10`, the gateway websocket at `/gateway` and
//! OAuth2 on 127.0.0.1. It keeps a coherent in-memory [`model`] (a ban removes the member, a
//! timeout shows on the member), computes permissions with [`guildhall_core::permissions`],
//! records every REST request ([`record`]), injects faults ([`faults`]) and lets tests script
//! users ([`script`]). A real serenity bot connects with
//! `HttpBuilder::new(token).proxy(sandbox.api_base()).ratelimiter_disabled(true)`.
//!
//! It is no kinder than Discord: request bodies are checked against Discord's OpenAPI document
//! ([`schema`]) and refused with `50035 Invalid Form Body`; the bot's permissions and the role
//! hierarchy are checked on every call (`403 Missing Permissions`); an interaction takes one
//! callback within 3 s and its webhook lives 15 minutes; GUILD_CREATE carries the members
//! Discord would send for the session's intents and `large_threshold`, and the rest come from
//! Request Guild Members; REST can be slowed down ([`Sandbox::set_rest_latency`]).

pub mod faults;
pub mod gateway;
pub mod model;
mod ops;
pub mod payloads;
pub mod record;
pub(crate) mod rest;
pub mod schema;
pub mod script;
pub mod seed;
mod seed_demo;
pub mod traffic;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use guildhall_core::clock::UnixMillis;
use guildhall_core::ids::{GuildId, UserId};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

pub use faults::Fault;
pub use gateway::SessionInfo;
pub use guildhall_core::ids;
pub use record::RecordedRequest;
pub use script::{Interaction, InteractionAck, InteractionResponse, SlashOption, UserSpec};
pub use seed::Seed;

use crate::gateway::{Dispatch, Hub};
use crate::model::{Channel, ChannelKind, CustomEmoji, Guild, Member, Role, User, World};

/// The Discord API version the stand-in serves.
pub const API_VERSION: u8 = 10;

/// The environment variable that sets the REST latency every new stand-in starts with, in
/// milliseconds (see [`Sandbox::set_rest_latency`]).
pub const LATENCY_ENV: &str = "GUILDHALL_SANDBOX_LATENCY_MS";

/// Reads [`LATENCY_ENV`]: None when unset, an error for anything but a whole number of
/// milliseconds.
///
/// # Errors
/// When the variable is set but is not a whole number.
pub fn latency_from_env() -> Result<Option<Duration>, String> {
    match std::env::var(LATENCY_ENV) {
        Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(_)) => Err(format!(
            "{LATENCY_ENV} must be a whole number of milliseconds"
        )),
        Ok(text) if text.trim().is_empty() => Ok(None),
        Ok(text) => text
            .trim()
            .parse::<u64>()
            .map(|ms| Some(Duration::from_millis(ms)))
            .map_err(|_| {
                format!("{LATENCY_ENV} must be a whole number of milliseconds, got {text:?}")
            }),
    }
}

/// Why the stand-in could not start.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    /// Binding the listener failed.
    #[error("could not listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The seed is inconsistent (e.g. a member of an unknown role).
    #[error("invalid seed: {0}")]
    Seed(String),
}

#[derive(Debug, Clone)]
pub(crate) struct Config {
    pub addr: SocketAddr,
    pub bot_token: String,
    pub client_secret: String,
    pub heartbeat_interval_ms: u64,
    pub disallowed_intents: u64,
}

impl Config {
    pub(crate) fn gateway_url(&self) -> String {
        format!("ws://{}/gateway", self.addr)
    }
}

/// OAuth2 state: the user who approves, issued codes and tokens.
#[derive(Debug, Default)]
pub(crate) struct OAuth {
    pub user: Option<UserId>,
    /// code → (user, redirect_uri, scope)
    pub codes: BTreeMap<String, (UserId, String, String)>,
    /// access token → (user, scope)
    pub access: BTreeMap<String, (UserId, String)>,
    /// refresh token → (user, scope)
    pub refresh: BTreeMap<String, (UserId, String)>,
}

/// Everything behind the one lock.
#[derive(Debug)]
pub(crate) struct State {
    pub world: World,
    pub hub: Hub,
    pub oauth: OAuth,
    /// Messages said right after the next IDENTIFY's GUILD_CREATE of their guild, in the same
    /// breath: how a busy guild looks to a bot that just connected.
    pub said_on_connect: Vec<(GuildId, ids::ChannelId, UserId, String)>,
}

impl State {
    /// Sends a dispatch to the sessions that should see it.
    pub(crate) fn dispatch(&mut self, event: Dispatch) {
        let mentioned = event
            .data
            .get("mentions")
            .and_then(serde_json::Value::as_array)
            .is_some_and(|m| {
                m.iter().any(|u| {
                    u.get("id").and_then(serde_json::Value::as_str)
                        == Some(self.world.bot.to_string().as_str())
                })
            });
        self.hub.dispatch(&event, mentioned);
    }
}

pub(crate) struct Inner {
    state: Mutex<State>,
    pub(crate) records: Mutex<Vec<RecordedRequest>>,
    pub(crate) faults: Mutex<Vec<Fault>>,
    changed: watch::Sender<u64>,
    pub(crate) config: Config,
    pub(crate) cancel: CancellationToken,
    /// REST latency in microseconds.
    latency_us: AtomicU64,
    /// When the bot's latest requests arrived (the last second), for Discord's global limit.
    pub(crate) global_window: Mutex<std::collections::VecDeque<std::time::Instant>>,
}

impl Inner {
    /// How long every REST request is delayed before it is handled.
    pub(crate) fn rest_latency(&self) -> Duration {
        Duration::from_micros(self.latency_us.load(Ordering::Relaxed))
    }

    /// Locks the world (a poisoned lock is recovered: the model stays usable after a panic in
    /// a test thread).
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Wakes everyone waiting for a change.
    pub(crate) fn bump(&self) {
        self.changed.send_modify(|n| *n += 1);
    }
}

/// Locks a mutex, recovering from poisoning.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A running stand-in. Cheap to clone; every clone talks to the same server.
#[derive(Clone)]
pub struct Sandbox {
    pub(crate) inner: Arc<Inner>,
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox")
            .field("addr", &self.inner.config.addr)
            .finish_non_exhaustive()
    }
}

fn build_world(seed: &Seed) -> Result<World, SandboxError> {
    let mut world = World::new(User {
        id: seed.bot.id,
        username: seed.bot.username.clone(),
        global_name: seed.bot.global_name.clone(),
        bot: true,
    });
    for u in &seed.users {
        world.users.insert(
            u.id,
            User {
                id: u.id,
                username: u.username.clone(),
                global_name: u.global_name.clone(),
                bot: false,
            },
        );
    }
    for g in &seed.guilds {
        insert_guild(&mut world, g)?;
    }
    world.skus = seed
        .skus
        .iter()
        .map(|s| model::Sku {
            id: s.id,
            kind: s.kind,
            name: s.name.clone(),
            slug: s.slug.clone(),
            flags: s.flags,
        })
        .collect();
    Ok(world)
}

/// Adds a seed guild (roles, channels, members and their users) to the world.
fn insert_guild(world: &mut World, g: &seed::SeedGuild) -> Result<(), SandboxError> {
    if world.guilds.contains_key(&g.id) {
        return Err(SandboxError::Seed(format!("guild {} exists already", g.id)));
    }
    {
        let created = UnixMillis(payloads::snowflake_ms(g.id.get()));
        let mut roles = vec![Role {
            id: ids::RoleId::new(g.id.get()),
            name: "@everyone".into(),
            colour: 0,
            position: 0,
            permissions: g.everyone,
            hoist: false,
            mentionable: false,
            managed: false,
            bot: None,
        }];
        for r in &g.roles {
            roles.push(Role {
                id: r.id,
                name: r.name.clone(),
                colour: r.colour,
                position: r.position,
                permissions: r.permissions,
                hoist: true,
                mentionable: true,
                managed: r.bot.is_some(),
                bot: r.bot,
            });
        }
        let mut members = BTreeMap::new();
        for (i, m) in g.members.iter().enumerate() {
            for role in &m.roles {
                if !roles.iter().any(|r| r.id == *role) {
                    return Err(SandboxError::Seed(format!(
                        "member {} of guild {} has unknown role {role}",
                        m.user, g.id
                    )));
                }
            }
            world.users.entry(m.user).or_insert_with(|| User {
                id: m.user,
                username: format!("user{}", m.user.get() % 100_000),
                global_name: None,
                bot: false,
            });
            let offset = Duration::from_secs(3_600 * u64::try_from(i).unwrap_or(0));
            members.insert(
                m.user,
                Member {
                    user: m.user,
                    nick: m.nick.clone(),
                    roles: m.roles.clone(),
                    joined_at: created.plus(offset),
                    communication_disabled_until: None,
                    pending: false,
                    mute: false,
                    deaf: false,
                },
            );
        }
        let mut channels = Vec::new();
        for (i, c) in g.channels.iter().enumerate() {
            let mut channel = Channel::new(c.id, c.kind, Some(g.id), &c.name);
            channel.parent = c.parent;
            channel.position = i32::try_from(i).unwrap_or(0);
            world.channels.insert(c.id, channel);
            channels.push(c.id);
        }
        world.guilds.insert(
            g.id,
            Guild {
                id: g.id,
                name: g.name.clone(),
                owner: g.owner,
                roles,
                members,
                channels,
                bans: BTreeMap::new(),
                voice: BTreeMap::new(),
                icon: g.icon.clone(),
                emojis: g
                    .emojis
                    .iter()
                    .map(|e| CustomEmoji {
                        id: e.id,
                        name: e.name.clone(),
                        animated: e.animated,
                    })
                    .collect(),
                afk_channel: None,
                afk_timeout: 300,
                audit_log: Vec::new(),
                invites: Vec::new(),
            },
        );
    }
    Ok(())
}

impl Sandbox {
    /// Starts the stand-in on a free port of 127.0.0.1.
    ///
    /// # Errors
    /// When the seed is inconsistent or the port cannot be bound.
    pub async fn start(seed: Seed) -> Result<Self, SandboxError> {
        Self::start_on(SocketAddr::from(([127, 0, 0, 1], 0)), seed).await
    }

    /// Starts the stand-in on an address.
    ///
    /// # Errors
    /// When the seed is inconsistent or the address cannot be bound.
    pub async fn start_on(addr: SocketAddr, seed: Seed) -> Result<Self, SandboxError> {
        let world = build_world(&seed)?;
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|source| SandboxError::Bind { addr, source })?;
        let local = listener
            .local_addr()
            .map_err(|source| SandboxError::Bind { addr, source })?;
        let inner = Arc::new(Inner {
            state: Mutex::new(State {
                world,
                hub: Hub::default(),
                oauth: OAuth::default(),
                said_on_connect: Vec::new(),
            }),
            records: Mutex::new(Vec::new()),
            faults: Mutex::new(Vec::new()),
            changed: watch::channel(0).0,
            config: Config {
                addr: local,
                bot_token: seed.bot_token.clone(),
                client_secret: seed.client_secret.clone(),
                heartbeat_interval_ms: seed.heartbeat_interval_ms,
                disallowed_intents: seed.disallowed_intents,
            },
            cancel: CancellationToken::new(),
            latency_us: AtomicU64::new(0),
            global_window: Mutex::new(std::collections::VecDeque::new()),
        });
        match latency_from_env() {
            Ok(Some(latency)) => Sandbox {
                inner: inner.clone(),
            }
            .set_rest_latency(latency),
            Ok(None) => {}
            Err(error) => tracing::warn!(%error, "ignored"),
        }
        let router = rest::router(inner.clone());
        let cancel = inner.cancel.clone();
        tokio::spawn(async move {
            let result = axum::serve(listener, router)
                .with_graceful_shutdown(cancel.cancelled_owned())
                .await;
            if let Err(error) = result {
                tracing::warn!(%error, "sandbox server stopped");
            }
        });
        Ok(Self { inner })
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.inner.config.addr
    }

    /// `http://127.0.0.1:PORT`, what serenity's `HttpBuilder::proxy` takes.
    pub fn api_base(&self) -> String {
        format!("http://{}", self.inner.config.addr)
    }

    /// `ws://127.0.0.1:PORT/gateway`.
    pub fn gateway_url(&self) -> String {
        self.inner.config.gateway_url()
    }

    /// The bot token to give serenity.
    pub fn bot_token(&self) -> String {
        self.inner.config.bot_token.clone()
    }

    /// The OAuth2 client secret.
    pub fn client_secret(&self) -> String {
        self.inner.config.client_secret.clone()
    }

    /// The application id (the bot user's id).
    pub fn application_id(&self) -> u64 {
        self.inner.lock().world.bot.get()
    }

    /// The bot user's id.
    pub fn bot_user(&self) -> UserId {
        self.inner.lock().world.bot
    }

    /// Delays every REST request by `latency` before it is handled, as if in transit (the
    /// interaction window is checked after it). The state is not locked while waiting. Zero
    /// (the default, unless [`LATENCY_ENV`] is set) turns it off.
    pub fn set_rest_latency(&self, latency: Duration) {
        let micros = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX);
        self.inner.latency_us.store(micros, Ordering::Relaxed);
    }

    /// The current REST latency.
    pub fn rest_latency(&self) -> Duration {
        self.inner.rest_latency()
    }

    /// Stops the server and closes every gateway connection.
    pub fn shutdown(&self) {
        self.inner.lock().hub.close_all(1001);
        self.inner.cancel.cancel();
    }

    /// Sends op 7 (reconnect) to every connected session and closes its socket.
    pub fn gateway_reconnect(&self) {
        self.inner.lock().hub.reconnect_all();
        self.inner.bump();
    }

    /// Sends op 9 (invalid session) to every connected session.
    pub fn gateway_invalid_session(&self, resumable: bool) {
        self.inner.lock().hub.invalidate_all(resumable);
        self.inner.bump();
    }

    /// Closes every gateway connection with a close code (e.g. 4004, 4014, 4000).
    pub fn gateway_close(&self, code: u16) {
        self.inner.lock().hub.close_all(code);
        self.inner.bump();
    }

    /// Stops (or resumes) answering heartbeats with op 11.
    pub fn withhold_acks(&self, withhold: bool) {
        self.inner.lock().hub.withhold_acks = withhold;
    }

    /// The sessions with a websocket attached.
    pub fn connected_sessions(&self) -> Vec<SessionInfo> {
        self.inner
            .lock()
            .hub
            .sessions()
            .into_iter()
            .filter(|s| s.connected)
            .collect()
    }

    /// Every session, connected or waiting to be resumed.
    pub fn sessions(&self) -> Vec<SessionInfo> {
        self.inner.lock().hub.sessions()
    }

    /// Waits until at least `n` sessions are connected.
    ///
    /// # Panics
    /// When fewer are connected after `within`, listing the sessions.
    pub async fn wait_for_sessions(&self, n: usize, within: Duration) -> Vec<SessionInfo> {
        let found = self
            .wait_until(within, || {
                let sessions = self.connected_sessions();
                (sessions.len() >= n).then_some(sessions)
            })
            .await;
        match found {
            Some(sessions) => sessions,
            None => panic!(
                "expected {n} connected gateway sessions within {within:?}; sessions: {:#?}",
                self.sessions()
            ),
        }
    }

    /// Waits until exactly `n` sessions are connected (e.g. 0 after a disconnect).
    ///
    /// # Panics
    /// When the count differs after `within`, listing the sessions.
    pub async fn wait_for_connected_count(&self, n: usize, within: Duration) {
        let found = self
            .wait_until(within, || {
                (self.connected_sessions().len() == n).then_some(())
            })
            .await;
        assert!(
            found.is_some(),
            "expected exactly {n} connected gateway sessions within {within:?}; sessions: {:#?}",
            self.sessions()
        );
    }

    /// Polls `check` on every change until it returns Some or the deadline passes.
    pub(crate) async fn wait_until<T>(
        &self,
        within: Duration,
        mut check: impl FnMut() -> Option<T>,
    ) -> Option<T> {
        let deadline = tokio::time::Instant::now() + within;
        let mut changes = self.inner.changed.subscribe();
        loop {
            changes.mark_unchanged();
            if let Some(found) = check() {
                return Some(found);
            }
            match tokio::time::timeout_at(deadline, changes.changed()).await {
                Ok(Ok(())) => {}
                Ok(Err(_)) | Err(_) => return check(),
            }
        }
    }

    /// The bot joins a guild after startup (made a member if the seed does not list it):
    /// every session on the guild's shard with the GUILDS intent gets its GUILD_CREATE, shaped
    /// for that session's intents and `large_threshold`.
    ///
    /// # Errors
    /// When the seed is inconsistent or the guild exists already.
    pub fn add_guild(&self, guild: seed::SeedGuild) -> Result<(), SandboxError> {
        let mut guild = guild;
        {
            let mut state = self.inner.lock();
            let bot = state.world.bot;
            if !guild.members.iter().any(|m| m.user == bot) {
                guild = guild.member(bot, &[]);
            }
            insert_guild(&mut state.world, &guild)?;
            let crate::State { world, hub, .. } = &mut *state;
            if let Some(g) = world.guild(guild.id) {
                hub.guild_available(world, g);
            }
        }
        self.inner.bump();
        Ok(())
    }

    /// The Request Guild Members (op 8) the sessions sent, oldest first, and how each was
    /// answered.
    pub fn member_requests(&self) -> Vec<gateway::MemberRequest> {
        self.inner.lock().hub.member_requests.clone()
    }

    /// A snapshot of a guild.
    pub fn guild(&self, guild: GuildId) -> Option<Guild> {
        self.inner.lock().world.guild(guild).cloned()
    }

    /// A member of a guild.
    pub fn member(&self, guild: GuildId, user: UserId) -> Option<Member> {
        self.inner
            .lock()
            .world
            .guild(guild)
            .and_then(|g| g.members.get(&user).cloned())
    }

    /// A guild's roles, @everyone first.
    pub fn roles(&self, guild: GuildId) -> Vec<Role> {
        self.inner
            .lock()
            .world
            .guild(guild)
            .map(|g| g.roles.clone())
            .unwrap_or_default()
    }

    /// A guild's bans.
    pub fn bans(&self, guild: GuildId) -> Vec<model::Ban> {
        self.inner
            .lock()
            .world
            .guild(guild)
            .map(|g| g.bans.values().cloned().collect())
            .unwrap_or_default()
    }

    /// A channel.
    pub fn channel(&self, channel: ids::ChannelId) -> Option<Channel> {
        self.inner.lock().world.channels.get(&channel).cloned()
    }

    /// A guild's channels (threads included) of one kind, or all with None.
    pub fn channels(&self, guild: GuildId, kind: Option<ChannelKind>) -> Vec<Channel> {
        let state = self.inner.lock();
        let Some(g) = state.world.guild(guild) else {
            return Vec::new();
        };
        g.channels
            .iter()
            .filter_map(|c| state.world.channels.get(c))
            .filter(|c| kind.is_none_or(|k| c.kind == k))
            .cloned()
            .collect()
    }

    /// The messages of a channel, oldest first.
    pub fn messages(&self, channel: ids::ChannelId) -> Vec<model::Message> {
        self.inner
            .lock()
            .world
            .messages
            .get(&channel)
            .cloned()
            .unwrap_or_default()
    }

    /// The registered application commands (global ones have `guild` None).
    pub fn commands(&self) -> Vec<model::RegisteredCommand> {
        self.inner.lock().world.commands.clone()
    }

    /// Makes `user` the one who approves OAuth2 authorizations.
    pub fn set_oauth_user(&self, user: UserId) {
        self.inner.lock().oauth.user = Some(user);
    }

    /// Adds a fault; matching requests are answered by it while it lasts.
    pub fn inject(&self, fault: Fault) {
        lock(&self.inner.faults).push(fault);
    }

    /// Removes every fault.
    pub fn clear_faults(&self) {
        lock(&self.inner.faults).clear();
    }
}
