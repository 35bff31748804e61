//! Guildhall's Discord side: serenity + poise, the only crate that knows Discord's API types.
//!
//! - [`runtime`] builds the serenity client (one shard, all shards, or a range) pointed at
//!   Discord or at a stand-in, with the intents the enabled features need.
//! - [`events`] turns gateway events into updates of the core's guild model and settings cache.
//! - [`commands`] are the slash (and, per guild, prefix) commands; every member-touching one runs
//!   the core guards first, and every run is recorded in the command analytics.
//! - [`executor`] performs every outbound call, owning rate limits.
//! - [`convert`] is the one place serenity's ids and models become the core's.

pub(crate) mod automation;
pub mod automod;
pub mod commands;
pub mod convert;
pub mod events;
pub mod executor;
pub mod features;
pub mod gateway;
pub(crate) mod giveaways;
pub mod intents;
pub(crate) mod levels;
pub mod logging;
pub mod members;
pub(crate) mod moderation;
pub mod premium;
pub mod registration;
pub(crate) mod roles;
pub mod runtime;
pub(crate) mod tickets;

use std::sync::{Arc, OnceLock};

use guildhall_core::analytics::Recorder;
use guildhall_core::clock::SharedClock;
use guildhall_core::coordination::Coordination;
use guildhall_core::db::Db;
use guildhall_core::effect::Effect;
use guildhall_core::guild_cache::GuildCache;
use guildhall_core::guild_config::GuildConfigService;
use guildhall_core::ids::UserId;

pub use giveaways::DiscordMembers;
pub use runtime::{BotOptions, Shards, run};

/// Everything the bot's handlers share (poise's user data).
#[derive(Debug)]
pub struct BotData {
    /// The database.
    pub db: Db,
    /// The clock.
    pub clock: SharedClock,
    /// Per-guild settings.
    pub config: Arc<GuildConfigService>,
    /// Cooldowns and rate limits.
    pub coordination: Arc<dyn Coordination>,
    /// Every outbound call.
    pub executor: Arc<executor::Executor>,
    /// The guilds as the gateway described them.
    pub cache: Arc<GuildCache>,
    /// Command analytics.
    pub analytics: Recorder,
    /// Live state shared with the web server: shards, event rates, command counts.
    pub live: Arc<guildhall_core::live::Live>,
    /// Cases, warnings, escalation and timed punishments.
    pub moderation: Arc<guildhall_core::moderation::ModerationService>,
    /// Each guild's compiled automod rules and spam windows.
    pub automod: automod::AutomodRuntime,
    /// Support tickets.
    pub tickets: Arc<guildhall_core::tickets::TicketService>,
    /// Role panels, self-assignable, automatic and timed roles.
    pub roles: Arc<guildhall_core::roles::RoleService>,
    /// The opt-in store of recent messages: the message path pushes into its in-memory queue,
    /// and [`runtime::run`] flushes it in the background and once more at shutdown.
    pub recent_messages: Arc<guildhall_core::recent_messages::RecentMessages>,
    /// Levels: the message path and voice states feed it, [`runtime::run`] runs its flusher
    /// and performs the level-ups it reports, and role panels read members' levels from it.
    pub levels: Arc<guildhall_core::levels::LevelService>,
    /// Giveaways: the commands and buttons call it; its timers run in the job worker.
    pub giveaways: Arc<guildhall_core::giveaways::GiveawayService>,
    /// Scheduled messages, reminders and triggers.
    pub automation: Arc<guildhall_core::automation::AutomationService>,
    /// Each guild's compiled triggers.
    pub(crate) triggers: automation::TriggerRuntime,
    /// The analytics' activity counters (memory only on the event path; [`runtime::run`] runs
    /// their flusher).
    pub activity: Arc<guildhall_core::analytics::Activity>,
    /// Event logs: events in, batched posts out ([`runtime::run`] runs its flusher).
    pub logging: Arc<guildhall_core::logging::LoggingService>,
    /// Who deleted a message, from the audit log.
    pub(crate) lookups: Arc<logging::BotLookups>,
    /// Each guild's tier (entitlements from Discord are recorded here).
    pub premium: Arc<guildhall_core::premium::PremiumService>,
    /// Which channels are threads of which parent, for the levels' channel rules.
    pub(crate) threads: levels::ThreadParents,
    /// Woken whenever a guild's GUILD_CREATE has been handled (its model and settings are in
    /// memory), for events that arrived before it.
    pub(crate) guild_arrived: tokio::sync::Notify,
    /// Whether the Server Members intent is on, so GUILD_CREATE's partial member lists are
    /// completed by asking for member chunks (op 8).
    pub(crate) chunk_members: std::sync::atomic::AtomicBool,
    bot_user: OnceLock<UserId>,
}

impl BotData {
    /// Shared state for the bot, on the process's one [`guildhall_core::Core`]: the bot, the
    /// job worker and the dashboard of one process share every service (one XP buffer, one
    /// guild model).
    pub fn new(
        core: &guildhall_core::Core,
        executor: Arc<executor::Executor>,
        analytics: Recorder,
    ) -> Self {
        Self {
            tickets: Arc::clone(&core.tickets),
            roles: Arc::clone(&core.roles),
            giveaways: Arc::clone(&core.giveaways),
            premium: Arc::clone(&core.premium),
            automation: Arc::clone(&core.automation),
            triggers: automation::TriggerRuntime::default(),
            logging: Arc::clone(&core.logging),
            activity: Arc::clone(&core.activity),
            lookups: Arc::new(logging::BotLookups::new(Arc::clone(&executor))),
            recent_messages: Arc::clone(&core.recent_messages),
            levels: Arc::clone(&core.levels),
            threads: crate::levels::ThreadParents::default(),
            db: core.db.clone(),
            clock: Arc::clone(&core.clock),
            config: Arc::clone(&core.config),
            coordination: Arc::clone(&core.coordination),
            executor,
            cache: Arc::clone(&core.guild_cache),
            analytics,
            live: Arc::clone(&core.live),
            moderation: Arc::clone(&core.moderation),
            automod: automod::AutomodRuntime::default(),
            guild_arrived: tokio::sync::Notify::new(),
            chunk_members: std::sync::atomic::AtomicBool::new(false),
            bot_user: OnceLock::new(),
        }
    }

    /// Stores that Discord refused an action the guards had allowed (403, Missing
    /// Permissions) as a `discord_refused` refusal of `invoker`, and returns the refusal.
    ///
    /// # Errors
    /// [`BotError::Database`] when the refusal cannot be stored.
    pub(crate) async fn discord_refused(
        &self,
        guild: guildhall_core::ids::GuildId,
        invoker: UserId,
        target: Option<UserId>,
        action: &str,
    ) -> Result<guildhall_core::guards::Refusal, BotError> {
        let refusal = guildhall_core::guards::Refusal::DiscordRefused;
        guildhall_core::refusals::record(
            &self.db,
            guild,
            self.clock.now(),
            invoker,
            target,
            action,
            &refusal,
        )
        .await?;
        Ok(refusal)
    }

    /// The bot's own user, once READY arrived.
    pub fn bot_user(&self) -> Option<UserId> {
        self.bot_user.get().copied()
    }
}

/// A failure inside a command or event handler.
#[derive(Debug, thiserror::Error)]
pub enum BotError {
    /// A guard refused the action; the member is told why and the refusal is stored.
    #[error("refused: {}", .0.code())]
    Refused(guildhall_core::guards::Refusal, Option<UserId>),
    /// A guard refused the action and the refusal is already stored (by the moderation service).
    #[error("refused: {}", .0.code())]
    RefusedStored(guildhall_core::guards::Refusal),
    /// A guard refused the action, the refusal is already stored, and the message says why in
    /// the member's words (naming the role and the fix).
    #[error("refused: {}", .0.code())]
    RefusedWith(guildhall_core::guards::Refusal, String),
    /// The member's input was wrong; the message says how to fix it.
    #[error("{0}")]
    User(String),
    /// The guild's tier lacks what was asked for: the member sees the premium wall, with
    /// Discord's premium button when the operator sells a SKU.
    #[error(transparent)]
    Premium(guildhall_core::premium::PremiumRequired),
    /// Discord refused or failed.
    #[error(transparent)]
    Discord(#[from] executor::ExecError),
    /// Settings could not be read or written.
    #[error(transparent)]
    Config(#[from] guildhall_core::guild_config::GuildConfigError),
    /// The database failed.
    #[error(transparent)]
    Database(#[from] guildhall_core::db::DbError),
    /// Something the bot should have known is missing (a guild not yet received).
    #[error("internal: {0}")]
    Internal(String),
}

impl BotError {
    /// A core service's error, as [`UserFacing`](guildhall_core::error::UserFacing) decides:
    /// the member's mistake in words, or ours (logged, answered with "something went wrong").
    pub fn from_core(error: &impl guildhall_core::error::UserFacing) -> Self {
        if let Some(wall) = error.premium_wall() {
            return Self::Premium(wall.clone());
        }
        match error.user_message() {
            Some(words) => Self::User(words),
            None => Self::Internal(error.to_string()),
        }
    }

    /// What the member is told when the error is theirs to fix; `None` when it is ours.
    pub fn user_message(&self) -> Option<String> {
        use guildhall_core::error::UserFacing as _;
        match self {
            Self::User(message) => Some(message.clone()),
            Self::Premium(wall) => Some(wall.sentence()),
            Self::Config(error) => error.user_message(),
            _ => None,
        }
    }
}

/// poise's context for Guildhall's commands.
pub type Context<'a> = poise::Context<'a, BotData, BotError>;

/// A short name for an effect, used in logs and metrics.
pub fn effect_name(effect: &Effect) -> &'static str {
    match effect {
        Effect::SendMessage { .. } => "send_message",
        Effect::SendDirectMessage { .. } => "send_direct_message",
        Effect::EditMessage { .. } => "edit_message",
        Effect::DeleteMessage { .. } => "delete_message",
        Effect::React { .. } => "react",
        Effect::AddRole { .. } => "add_role",
        Effect::RemoveRole { .. } => "remove_role",
        Effect::Timeout { .. } => "timeout",
        Effect::RemoveTimeout { .. } => "remove_timeout",
        Effect::SetNickname { .. } => "set_nickname",
        Effect::Kick { .. } => "kick",
        Effect::Ban { .. } => "ban",
        Effect::Unban { .. } => "unban",
        Effect::CreateThread { .. } => "create_thread",
        Effect::CreateChannel { .. } => "create_channel",
        Effect::SetChannelPermission { .. } => "set_channel_permission",
        Effect::SetThreadState { .. } => "set_thread_state",
        Effect::InteractionReply { .. } => "interaction_reply",
        Effect::Announce { .. } => "announce",
        Effect::MoveVoice { .. } => "move_voice",
    }
}
