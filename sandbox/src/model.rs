//! The in-memory world the stand-in serves: users, guilds, roles, members, channels, messages,
//! bans, voice states, registered commands and interactions.
//!
//! Permissions are computed only with [`guildhall_core::permissions`].

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use guildhall_core::clock::{Clock, SystemClock, UnixMillis};
use guildhall_core::ids::{ChannelId, GuildId, MessageId, RoleId, UserId};
use guildhall_core::permissions::{GuildInfo, MemberInfo, Overwrite, Permissions, RoleInfo};
use serde_json::Value;

/// Discord's epoch (2015-01-01) in Unix milliseconds.
pub const DISCORD_EPOCH_MS: u64 = 1_420_070_400_000;

/// A user account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// The user's id.
    pub id: UserId,
    /// The unique username.
    pub username: String,
    /// The display name, if set.
    pub global_name: Option<String>,
    /// Whether this is a bot account.
    pub bot: bool,
}

/// A guild role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Role {
    /// The role's id (the guild's id for @everyone).
    pub id: RoleId,
    /// Its name.
    pub name: String,
    /// Its colour as 0xRRGGBB.
    pub colour: u32,
    /// Its position; higher outranks lower, @everyone is 0.
    pub position: i32,
    /// What it grants.
    pub permissions: Permissions,
    /// Whether members are shown separately.
    pub hoist: bool,
    /// Whether it can be mentioned.
    pub mentionable: bool,
    /// Whether an integration or a bot manages it (members cannot be given it).
    pub managed: bool,
    /// The bot the role belongs to (`tags.bot_id`), for a bot's managed role.
    pub bot: Option<UserId>,
}

/// A guild's custom emoji.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomEmoji {
    /// Its id.
    pub id: u64,
    /// Its name (without colons).
    pub name: String,
    /// Whether it is animated.
    pub animated: bool,
}

/// A member of a guild.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// The user.
    pub user: UserId,
    /// Guild nickname.
    pub nick: Option<String>,
    /// Roles, not counting @everyone.
    pub roles: Vec<RoleId>,
    /// When the user joined.
    pub joined_at: UnixMillis,
    /// Set while timed out.
    pub communication_disabled_until: Option<UnixMillis>,
    /// Whether the member has not yet passed membership screening.
    pub pending: bool,
    /// Server mute.
    pub mute: bool,
    /// Server deafen.
    pub deaf: bool,
}

/// Discord's channel types the stand-in models.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelKind {
    /// A guild text channel (type 0).
    Text,
    /// A direct message channel (type 1).
    Dm,
    /// A guild voice channel (type 2).
    Voice,
    /// A category (type 4).
    Category,
    /// A public thread (type 11).
    PublicThread,
    /// A private thread (type 12).
    PrivateThread,
    /// A stage channel (type 13).
    Stage,
}

impl ChannelKind {
    /// Discord's numeric channel type.
    pub fn code(self) -> u8 {
        match self {
            Self::Text => 0,
            Self::Dm => 1,
            Self::Voice => 2,
            Self::Category => 4,
            Self::PublicThread => 11,
            Self::PrivateThread => 12,
            Self::Stage => 13,
        }
    }

    /// The kind for a numeric type, if modelled.
    pub fn from_code(code: u64) -> Option<Self> {
        Some(match code {
            0 => Self::Text,
            1 => Self::Dm,
            2 => Self::Voice,
            4 => Self::Category,
            11 => Self::PublicThread,
            12 => Self::PrivateThread,
            13 => Self::Stage,
            _ => return None,
        })
    }

    /// Whether this is a thread.
    pub fn is_thread(self) -> bool {
        matches!(self, Self::PublicThread | Self::PrivateThread)
    }

    /// Whether members connect to it (a voice or stage channel).
    pub fn is_voice(self) -> bool {
        matches!(self, Self::Voice | Self::Stage)
    }
}

/// A channel, thread or DM channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Channel {
    /// The channel's id.
    pub id: ChannelId,
    /// Its type.
    pub kind: ChannelKind,
    /// Its guild (None for DMs).
    pub guild: Option<GuildId>,
    /// Its name (empty for DMs).
    pub name: String,
    /// Sort position.
    pub position: i32,
    /// The category, or for a thread the channel it lives in.
    pub parent: Option<ChannelId>,
    /// Topic.
    pub topic: Option<String>,
    /// Permission overwrites.
    pub overwrites: Vec<Overwrite>,
    /// Slow mode in seconds.
    pub rate_limit_per_user: u32,
    /// NSFW flag.
    pub nsfw: bool,
    /// DM recipients.
    pub recipients: Vec<UserId>,
    /// The thread's creator.
    pub owner: Option<UserId>,
    /// The thread's members.
    pub thread_members: Vec<UserId>,
    /// Whether the thread is archived.
    pub archived: bool,
    /// Whether the thread is locked.
    pub locked: bool,
    /// A voice or stage channel's bitrate in bits per second (Discord's default 64000).
    pub bitrate: u32,
    /// A voice or stage channel's user limit (0: no limit).
    pub user_limit: u32,
}

impl Channel {
    /// A new guild channel with defaults.
    pub fn new(id: ChannelId, kind: ChannelKind, guild: Option<GuildId>, name: &str) -> Self {
        Self {
            id,
            kind,
            guild,
            name: name.to_owned(),
            position: 0,
            parent: None,
            topic: None,
            overwrites: Vec::new(),
            rate_limit_per_user: 0,
            nsfw: false,
            recipients: Vec::new(),
            owner: None,
            thread_members: Vec::new(),
            archived: false,
            locked: false,
            bitrate: 64_000,
            user_limit: 0,
        }
    }
}

/// A reaction on a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reaction {
    /// The emoji as it appears in a route: a unicode emoji or `name:id`.
    pub emoji: String,
    /// Who reacted, in order.
    pub users: Vec<UserId>,
}

/// A message.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    /// The message's id.
    pub id: MessageId,
    /// Its channel.
    pub channel: ChannelId,
    /// Its guild, if any.
    pub guild: Option<GuildId>,
    /// The author.
    pub author: UserId,
    /// Text content.
    pub content: String,
    /// When it was sent.
    pub timestamp: UnixMillis,
    /// When it was last edited.
    pub edited: Option<UnixMillis>,
    /// Embeds as Discord JSON.
    pub embeds: Vec<Value>,
    /// Components as Discord JSON.
    pub components: Vec<Value>,
    /// Message flags (64 = ephemeral, 128 = loading).
    pub flags: u64,
    /// Reactions.
    pub reactions: Vec<Reaction>,
    /// Users mentioned.
    pub mentions: Vec<UserId>,
    /// Roles mentioned.
    pub mention_roles: Vec<RoleId>,
    /// Whether @everyone/@here was used.
    pub mention_everyone: bool,
    /// Discord's message type (0 default, 19 reply, 20 chat input command).
    pub kind: u8,
    /// Set for interaction responses and follow-ups: the application id.
    pub webhook_id: Option<u64>,
    /// Set for interaction responses: the interaction's id, type, name and user.
    pub interaction: Option<(u64, u8, String, UserId)>,
    /// Every earlier content, oldest first.
    pub history: Vec<String>,
    /// Set for messages posted through a channel webhook: who the message shows as.
    pub webhook_author: Option<WebhookAuthor>,
    /// Uploaded files, in upload order.
    pub attachments: Vec<Attachment>,
}

/// A file uploaded with a message, with its bytes (served at its `url`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    /// Its id.
    pub id: u64,
    /// The file's name.
    pub filename: String,
    /// The uploader's `description` (alt text), if any.
    pub description: Option<String>,
    /// Its media type, when the upload named one.
    pub content_type: Option<String>,
    /// The CDN URL (the stand-in serves it: `/attachments/{channel}/{id}/{filename}`).
    pub url: String,
    /// The media proxy URL (the same file here).
    pub proxy_url: String,
    /// The file's bytes.
    pub bytes: Vec<u8>,
}

/// The author a webhook's message shows: the webhook's name or the execution's `username`
/// override, and its avatar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookAuthor {
    /// The name shown (`username` override, else the webhook's name).
    pub name: String,
    /// The avatar hash (the webhook's), if any.
    pub avatar: Option<String>,
    /// The `avatar_url` override, if any.
    pub avatar_url: Option<String>,
    /// The application that owns the webhook, if any.
    pub application: Option<u64>,
}

/// An application's SKU.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sku {
    /// Its id.
    pub id: u64,
    /// Discord's SKU type: 2 durable, 3 consumable, 5 subscription, 6 subscription group.
    pub kind: u8,
    /// The customer-facing name.
    pub name: String,
    /// The URL slug.
    pub slug: String,
    /// SKU flags: AVAILABLE `1 << 2`, GUILD_SUBSCRIPTION `1 << 7`, USER_SUBSCRIPTION `1 << 8`.
    pub flags: u64,
}

/// SKU type 3: a consumable one-time purchase (the only kind an entitlement of which can be
/// consumed).
pub const SKU_CONSUMABLE: u8 = 3;
/// SKU type 5: a recurring subscription.
pub const SKU_SUBSCRIPTION: u8 = 5;
/// SKU type 6: the group Discord creates for each subscription SKU.
pub const SKU_SUBSCRIPTION_GROUP: u8 = 6;
/// SKU flag AVAILABLE.
pub const SKU_AVAILABLE: u64 = 1 << 2;
/// SKU flag GUILD_SUBSCRIPTION.
pub const SKU_GUILD_SUBSCRIPTION: u64 = 1 << 7;
/// SKU flag USER_SUBSCRIPTION.
pub const SKU_USER_SUBSCRIPTION: u64 = 1 << 8;

/// Entitlement type 4: TEST_MODE_PURCHASE (what a test entitlement is).
pub const ENTITLEMENT_TEST_MODE_PURCHASE: u8 = 4;
/// Entitlement type 8: APPLICATION_SUBSCRIPTION.
pub const ENTITLEMENT_APPLICATION_SUBSCRIPTION: u8 = 8;

/// A user's or guild's entitlement to a SKU.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entitlement {
    /// Its id.
    pub id: u64,
    /// The SKU.
    pub sku: u64,
    /// The user granted it (for a guild subscription, the buyer).
    pub user: Option<UserId>,
    /// The guild granted it.
    pub guild: Option<GuildId>,
    /// Discord's entitlement type (1..8; 8 APPLICATION_SUBSCRIPTION, 4 TEST_MODE_PURCHASE).
    pub kind: u8,
    /// Deleted (refunded, removed by Discord, or a deleted test entitlement).
    pub deleted: bool,
    /// When it starts (None for a test entitlement: valid in perpetuity).
    pub starts_at: Option<UnixMillis>,
    /// When it ends (None while a subscription is active, and for a test entitlement).
    pub ends_at: Option<UnixMillis>,
    /// For consumable SKUs: whether it was consumed.
    pub consumed: Option<bool>,
    /// Whether it is a test entitlement (created with `POST /applications/{app}/entitlements`).
    pub test: bool,
    /// The subscription it belongs to (subscription entitlements only).
    pub subscription: Option<u64>,
}

impl Entitlement {
    /// Whether it grants access at `now`: not deleted, started, not ended.
    pub fn active(&self, now: UnixMillis) -> bool {
        !self.deleted
            && self.starts_at.is_none_or(|s| s <= now)
            && self.ends_at.is_none_or(|e| e > now)
    }

    /// Whether it has ended at `now`.
    pub fn ended(&self, now: UnixMillis) -> bool {
        self.ends_at.is_some_and(|e| e <= now)
    }
}

/// A channel webhook (type 1, incoming).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Webhook {
    /// Its id.
    pub id: u64,
    /// Its secret token.
    pub token: String,
    /// Its channel.
    pub channel: ChannelId,
    /// Its guild.
    pub guild: GuildId,
    /// Its default name.
    pub name: String,
    /// Its default avatar's hash.
    pub avatar: Option<String>,
    /// Who created it (the bot user when the bot did).
    pub creator: UserId,
    /// The application that created it.
    pub application: Option<u64>,
    /// The audit-log reason it was created with.
    pub reason: Option<String>,
}

/// The most webhooks a channel holds (then `30007 Maximum number of webhooks reached (15)`).
pub const MAX_CHANNEL_WEBHOOKS: usize = 15;

/// A ban.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ban {
    /// The banned user.
    pub user: UserId,
    /// The audit-log reason given.
    pub reason: Option<String>,
    /// The `delete_message_seconds` asked for.
    pub delete_message_seconds: u64,
}

/// A member's voice state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VoiceState {
    /// The user.
    pub user: UserId,
    /// The voice channel.
    pub channel: ChannelId,
    /// Voice session id.
    pub session_id: String,
    /// Muted by themselves.
    pub self_mute: bool,
    /// Deafened by themselves.
    pub self_deaf: bool,
}

/// A guild.
#[derive(Debug, Clone, PartialEq)]
pub struct Guild {
    /// The guild's id.
    pub id: GuildId,
    /// Its name.
    pub name: String,
    /// Its owner.
    pub owner: UserId,
    /// Its roles including @everyone.
    pub roles: Vec<Role>,
    /// Its members by user id.
    pub members: BTreeMap<UserId, Member>,
    /// Its channels (including threads), in creation order.
    pub channels: Vec<ChannelId>,
    /// Its bans.
    pub bans: BTreeMap<UserId, Ban>,
    /// Voice states by user.
    pub voice: BTreeMap<UserId, VoiceState>,
    /// Its icon's hash (`a_` first when animated), if it has an icon.
    pub icon: Option<String>,
    /// Its custom emojis, in creation order.
    pub emojis: Vec<CustomEmoji>,
    /// The AFK voice channel, if set.
    pub afk_channel: Option<ChannelId>,
    /// Seconds of inactivity before a member is moved to the AFK channel (Discord's default
    /// 300; one of 60, 300, 900, 1800, 3600).
    pub afk_timeout: u32,
    /// Its audit log, oldest first (entries past [`AUDIT_LOG_RETENTION_MS`] are kept but not
    /// listed, as Discord no longer returns them).
    pub audit_log: Vec<AuditLogEntry>,
    /// Its invites, oldest first.
    pub invites: Vec<Invite>,
}

/// A guild invite (Discord's invite object with its metadata).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invite {
    /// The code (`discord.gg/<code>`).
    pub code: String,
    /// The channel it opens on.
    pub channel: ChannelId,
    /// Who made it.
    pub inviter: Option<UserId>,
    /// How many joined through it.
    pub uses: u32,
    /// The most uses (0 is no limit).
    pub max_uses: u32,
    /// Seconds it lasts (0 is forever).
    pub max_age: u32,
    /// Members who joined through it are kicked when they go offline without a role.
    pub temporary: bool,
    /// When it was made.
    pub created_at: UnixMillis,
}

/// Audit log action types the stand-in records (Discord's numbering).
pub mod audit {
    /// CHANNEL_CREATE.
    pub const CHANNEL_CREATE: u16 = 10;
    /// CHANNEL_UPDATE.
    pub const CHANNEL_UPDATE: u16 = 11;
    /// CHANNEL_DELETE.
    pub const CHANNEL_DELETE: u16 = 12;
    /// CHANNEL_OVERWRITE_CREATE.
    pub const CHANNEL_OVERWRITE_CREATE: u16 = 13;
    /// CHANNEL_OVERWRITE_UPDATE.
    pub const CHANNEL_OVERWRITE_UPDATE: u16 = 14;
    /// CHANNEL_OVERWRITE_DELETE.
    pub const CHANNEL_OVERWRITE_DELETE: u16 = 15;
    /// MEMBER_KICK.
    pub const MEMBER_KICK: u16 = 20;
    /// MEMBER_BAN_ADD.
    pub const MEMBER_BAN_ADD: u16 = 22;
    /// MEMBER_BAN_REMOVE.
    pub const MEMBER_BAN_REMOVE: u16 = 23;
    /// MEMBER_UPDATE (nickname, timeout, server mute and deafen).
    pub const MEMBER_UPDATE: u16 = 24;
    /// MEMBER_ROLE_UPDATE (`$add` / `$remove`).
    pub const MEMBER_ROLE_UPDATE: u16 = 25;
    /// MEMBER_MOVE (to another voice channel).
    pub const MEMBER_MOVE: u16 = 26;
    /// MEMBER_DISCONNECT (from voice).
    pub const MEMBER_DISCONNECT: u16 = 27;
    /// ROLE_CREATE.
    pub const ROLE_CREATE: u16 = 30;
    /// ROLE_UPDATE.
    pub const ROLE_UPDATE: u16 = 31;
    /// ROLE_DELETE.
    pub const ROLE_DELETE: u16 = 32;
    /// MESSAGE_DELETE (someone else's message).
    pub const MESSAGE_DELETE: u16 = 72;
    /// MESSAGE_BULK_DELETE.
    pub const MESSAGE_BULK_DELETE: u16 = 73;
    /// THREAD_CREATE.
    pub const THREAD_CREATE: u16 = 110;
    /// THREAD_UPDATE.
    pub const THREAD_UPDATE: u16 = 111;
    /// THREAD_DELETE.
    pub const THREAD_DELETE: u16 = 112;
}

/// One audit log entry. Its id is a snowflake taken when it was recorded, so the id carries
/// its time (as Discord's do).
#[derive(Debug, Clone, PartialEq)]
pub struct AuditLogEntry {
    /// Its id.
    pub id: u64,
    /// Who acted.
    pub user: Option<UserId>,
    /// What was acted on (a user, role, channel, … id).
    pub target: Option<u64>,
    /// Discord's action type ([`audit`]).
    pub action_type: u16,
    /// Its `options` (all values are strings, as Discord sends them); empty: none.
    pub options: BTreeMap<String, String>,
    /// The `X-Audit-Log-Reason` given, if any.
    pub reason: Option<String>,
    /// Its `changes` (`{"key", "old_value"?, "new_value"?}`); empty: none.
    pub changes: Vec<Value>,
}

/// How long Discord keeps audit log entries: 45 days.
pub const AUDIT_LOG_RETENTION_MS: i64 = 45 * 24 * 3_600 * 1_000;

/// How recent a MESSAGE_DELETE (72) entry must be for another deletion by the same actor of
/// the same author's message in the same channel to bump its `count` instead of adding an
/// entry (observed, not documented).
pub const AUDIT_GROUP_WINDOW_MS: i64 = 5 * 60 * 1_000;

/// The oldest message bulk delete accepts: 14 days.
pub const BULK_DELETE_MAX_AGE_MS: i64 = 14 * 24 * 3_600 * 1_000;

impl Guild {
    /// A role by id.
    pub fn role(&self, id: RoleId) -> Option<&Role> {
        self.roles.iter().find(|role| role.id == id)
    }

    /// The guild as core permissions see it.
    pub fn info(&self) -> GuildInfo {
        GuildInfo {
            id: self.id,
            owner: self.owner,
            roles: self
                .roles
                .iter()
                .map(|role| RoleInfo {
                    id: role.id,
                    position: role.position,
                    permissions: role.permissions,
                })
                .collect(),
        }
    }
}

impl Member {
    /// The member as core permissions see it.
    pub fn info(&self) -> MemberInfo {
        MemberInfo {
            user: self.user,
            roles: self.roles.clone(),
            timed_out_until: self.communication_disabled_until,
        }
    }
}

/// A registered application command (the body the bot sent, with the ids given to it).
#[derive(Debug, Clone, PartialEq)]
pub struct RegisteredCommand {
    /// The command's id.
    pub id: u64,
    /// Its guild, or None for a global command.
    pub guild: Option<GuildId>,
    /// The response body Discord would return.
    pub body: Value,
}

/// One response the bot made to an interaction.
#[derive(Debug, Clone, PartialEq)]
pub struct InteractionReply {
    /// What happened: `callback` (with its type), `followup`, `edit_original`.
    pub what: String,
    /// The callback type for callbacks.
    pub callback_type: Option<u64>,
    /// The request body.
    pub body: Value,
}

/// How long after its creation Discord accepts an interaction's callback; a later one gets
/// `404 Unknown interaction` (10062).
pub const INTERACTION_ACK_WINDOW: Duration = Duration::from_secs(3);

/// How long an interaction's token works for follow-ups and edits (then `401 Invalid Webhook
/// Token`, 50027).
pub const INTERACTION_TOKEN_LIFETIME: Duration = Duration::from_secs(15 * 60);

/// A callback Discord refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectedCallback {
    /// The interaction's age when the callback arrived.
    pub after: Duration,
    /// The HTTP status (404 too late, 400 already acknowledged).
    pub status: u16,
    /// Discord's error code (10062 Unknown interaction, 40060 already acknowledged).
    pub code: u64,
}

/// An interaction the stand-in sent, and what the bot answered.
#[derive(Debug, Clone, PartialEq)]
pub struct InteractionState {
    /// The interaction's id.
    pub id: u64,
    /// Its token.
    pub token: String,
    /// Its type (2 command, 3 component, 5 modal submit).
    pub kind: u8,
    /// Its guild.
    pub guild: Option<GuildId>,
    /// Its channel.
    pub channel: ChannelId,
    /// Who invoked it.
    pub user: UserId,
    /// The command name or custom id.
    pub name: String,
    /// The message a component was on.
    pub message: Option<MessageId>,
    /// The callback type, once the bot answered.
    pub callback_type: Option<u64>,
    /// The message holding the original response.
    pub original: Option<MessageId>,
    /// Follow-up messages.
    pub followups: Vec<MessageId>,
    /// A modal the bot opened (callback type 9), as sent.
    pub modal: Option<Value>,
    /// Every reply in order.
    pub replies: Vec<InteractionReply>,
    /// When its INTERACTION_CREATE was dispatched (the process's monotonic clock).
    pub created: Instant,
    /// Added to its age, to test the 3-second window and the 15-minute token without waiting
    /// ([`crate::Sandbox::age_interaction`]).
    pub aged: Duration,
    /// Its age when the accepted callback arrived.
    pub acknowledged_after: Option<Duration>,
    /// Callbacks refused: too late, or after the first.
    pub rejected: Vec<RejectedCallback>,
}

impl InteractionState {
    /// Time since its INTERACTION_CREATE.
    pub fn age(&self) -> Duration {
        self.created.elapsed() + self.aged
    }
}

/// The whole world.
#[derive(Debug)]
pub struct World {
    /// All users.
    pub users: BTreeMap<UserId, User>,
    /// All guilds.
    pub guilds: BTreeMap<GuildId, Guild>,
    /// All channels, threads and DM channels.
    pub channels: BTreeMap<ChannelId, Channel>,
    /// Messages per channel in order.
    pub messages: BTreeMap<ChannelId, Vec<Message>>,
    /// Registered commands.
    pub commands: Vec<RegisteredCommand>,
    /// Interactions by id.
    pub interactions: BTreeMap<u64, InteractionState>,
    /// The bot user.
    pub bot: UserId,
    /// Messages the bot posted with `enforce_nonce`, by channel and nonce: a repeat within
    /// [`NONCE_WINDOW_MS`] returns the first message instead of posting again, as Discord does.
    pub nonces: BTreeMap<(ChannelId, String), MessageId>,
    /// The application's SKUs, in creation order.
    pub skus: Vec<Sku>,
    /// Entitlements by id.
    pub entitlements: BTreeMap<u64, Entitlement>,
    /// Channel webhooks by id.
    pub webhooks: BTreeMap<u64, Webhook>,
    last_snowflake: u64,
    /// The increment of the last backdated snowflake ([`World::snowflake_at`]).
    past_increment: u64,
}

/// How long Discord remembers an enforced nonce ("the past few minutes").
pub const NONCE_WINDOW_MS: i64 = 5 * 60 * 1_000;

impl World {
    /// An empty world with a bot user.
    pub fn new(bot: User) -> Self {
        let bot_id = bot.id;
        let mut users = BTreeMap::new();
        users.insert(bot.id, bot);
        Self {
            users,
            guilds: BTreeMap::new(),
            channels: BTreeMap::new(),
            messages: BTreeMap::new(),
            commands: Vec::new(),
            interactions: BTreeMap::new(),
            nonces: BTreeMap::new(),
            skus: Vec::new(),
            entitlements: BTreeMap::new(),
            webhooks: BTreeMap::new(),
            bot: bot_id,
            last_snowflake: 0,
            past_increment: 0,
        }
    }

    /// The current time.
    pub fn now(&self) -> UnixMillis {
        SystemClock.now()
    }

    /// A fresh snowflake for the current time, strictly greater than every earlier one.
    pub fn snowflake(&mut self) -> u64 {
        let ms = u64::try_from(self.now().0)
            .unwrap_or(DISCORD_EPOCH_MS)
            .saturating_sub(DISCORD_EPOCH_MS);
        let candidate = ms << 22;
        self.last_snowflake = candidate.max(self.last_snowflake + 1);
        self.last_snowflake
    }

    /// A snowflake for an earlier time (a backdated message): its time is `at`, and its
    /// increment is unique among backdated ones.
    pub fn snowflake_at(&mut self, at: UnixMillis) -> u64 {
        let ms = u64::try_from(at.0)
            .unwrap_or(DISCORD_EPOCH_MS)
            .saturating_sub(DISCORD_EPOCH_MS);
        self.past_increment = (self.past_increment + 1) & 0x3f_ffff;
        (ms << 22) | self.past_increment
    }

    /// Records an audit log entry in a guild and returns its id (None for an unknown guild).
    /// `target` is the id acted on; `options` and `changes` are Discord's (empty: left out).
    #[allow(clippy::too_many_arguments)]
    pub fn record_audit(
        &mut self,
        guild: GuildId,
        actor: UserId,
        action_type: u16,
        target: Option<u64>,
        options: BTreeMap<String, String>,
        reason: Option<String>,
        changes: Vec<Value>,
    ) -> Option<u64> {
        self.guilds.get(&guild)?;
        let id = self.snowflake();
        self.guild_mut(guild)?.audit_log.push(AuditLogEntry {
            id,
            user: Some(actor),
            target,
            action_type,
            options,
            reason,
            changes,
        });
        Some(id)
    }

    /// Records that `actor` deleted a message `author` wrote in `channel` (action 72, only
    /// when the actor is not the author: Discord records no entry for deleting one's own).
    ///
    /// Discord groups these (observed behaviour, not documented): while the newest 72 entry
    /// with the same actor, target and channel is less than [`AUDIT_GROUP_WINDOW_MS`] old, its
    /// `options.count` goes up by one instead of a new entry being added (the entry keeps its
    /// id, so its time is the first deletion's).
    pub fn record_message_delete(
        &mut self,
        guild: GuildId,
        actor: UserId,
        author: UserId,
        channel: ChannelId,
        reason: Option<String>,
    ) {
        if actor == author {
            return;
        }
        let now = self.now().0;
        let channel_text = channel.to_string();
        let Some(g) = self.guild_mut(guild) else {
            return;
        };
        let recent = g.audit_log.iter_mut().rev().find(|e| {
            e.action_type == audit::MESSAGE_DELETE
                && e.user == Some(actor)
                && e.target == Some(author.get())
                && e.options.get("channel_id") == Some(&channel_text)
        });
        if let Some(entry) = recent
            && now - snowflake_ms(entry.id) < AUDIT_GROUP_WINDOW_MS
        {
            let count = entry
                .options
                .get("count")
                .and_then(|c| c.parse::<u64>().ok())
                .unwrap_or(1);
            entry
                .options
                .insert("count".into(), (count + 1).to_string());
            return;
        }
        let options = BTreeMap::from([
            ("channel_id".to_owned(), channel_text),
            ("count".to_owned(), "1".to_owned()),
        ]);
        self.record_audit(
            guild,
            actor,
            audit::MESSAGE_DELETE,
            Some(author.get()),
            options,
            reason,
            Vec::new(),
        );
    }

    /// A guild by id.
    pub fn guild(&self, id: GuildId) -> Option<&Guild> {
        self.guilds.get(&id)
    }

    /// A mutable guild by id.
    pub fn guild_mut(&mut self, id: GuildId) -> Option<&mut Guild> {
        self.guilds.get_mut(&id)
    }

    /// A user by id.
    pub fn user(&self, id: UserId) -> Option<&User> {
        self.users.get(&id)
    }

    /// A message by channel and id.
    pub fn message(&self, channel: ChannelId, id: MessageId) -> Option<&Message> {
        self.messages.get(&channel)?.iter().find(|m| m.id == id)
    }

    /// A mutable message by channel and id.
    pub fn message_mut(&mut self, channel: ChannelId, id: MessageId) -> Option<&mut Message> {
        self.messages
            .get_mut(&channel)?
            .iter_mut()
            .find(|m| m.id == id)
    }

    /// A member's guild-wide permissions (None when not a member).
    pub fn base_permissions(&self, guild: GuildId, user: UserId) -> Option<Permissions> {
        let guild = self.guild(guild)?;
        let member = guild.members.get(&user)?;
        Some(guild.info().base_permissions(&member.info(), self.now()))
    }

    /// A member's permissions in a channel (threads use their parent's overwrites).
    pub fn channel_permissions(&self, channel: ChannelId, user: UserId) -> Option<Permissions> {
        let ch = self.channels.get(&channel)?;
        let guild = self.guild(ch.guild?)?;
        let member = guild.members.get(&user)?;
        let overwrites = if ch.kind.is_thread() {
            ch.parent
                .and_then(|p| self.channels.get(&p))
                .map(|p| p.overwrites.clone())
                .unwrap_or_default()
        } else {
            ch.overwrites.clone()
        };
        Some(
            guild
                .info()
                .channel_permissions(&member.info(), &overwrites, self.now()),
        )
    }

    /// The position of a member's highest role (owner outranks all).
    pub fn top_position(&self, guild: GuildId, user: UserId) -> i32 {
        let Some(g) = self.guild(guild) else {
            return 0;
        };
        match g.members.get(&user) {
            Some(member) => g.info().top_position(&member.info()),
            None => 0,
        }
    }

    /// The entitlements an interaction carries: the invoking user's active ones plus, in a
    /// guild, the guild's active ones (not deleted, not ended), oldest first.
    pub fn active_entitlements(&self, user: UserId, guild: Option<GuildId>) -> Vec<&Entitlement> {
        let now = self.now();
        self.entitlements
            .values()
            .filter(|e| e.active(now))
            .filter(|e| {
                (e.user == Some(user) && e.guild.is_none()) || (guild.is_some() && e.guild == guild)
            })
            .collect()
    }

    /// The DM channel between the bot and a user, creating it if needed.
    pub fn dm_channel(&mut self, user: UserId) -> ChannelId {
        if let Some(existing) = self
            .channels
            .values()
            .find(|c| c.kind == ChannelKind::Dm && c.recipients == [user])
        {
            return existing.id;
        }
        let id = ChannelId::new(self.snowflake());
        let mut channel = Channel::new(id, ChannelKind::Dm, None, "");
        channel.recipients = vec![user];
        self.channels.insert(id, channel);
        id
    }
}

/// The Unix milliseconds a snowflake carries.
pub fn snowflake_ms(id: u64) -> i64 {
    i64::try_from((id >> 22) + DISCORD_EPOCH_MS).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snowflakes_increase_and_carry_the_time() {
        let mut world = World::new(User {
            id: UserId::new(5),
            username: "bot".into(),
            global_name: None,
            bot: true,
        });
        let a = world.snowflake();
        let b = world.snowflake();
        assert!(b > a);
        let ms = (a >> 22) + DISCORD_EPOCH_MS;
        assert!(ms.abs_diff(u64::try_from(world.now().0).unwrap()) < 60_000);
    }
}
