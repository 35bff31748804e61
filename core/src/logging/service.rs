//! [`LoggingService`]: gateway events into log entries, stored for the viewer and posted to
//! each category's channel in batches.
//!
//! The event handlers only describe and queue (a push in memory; an edit or a deletion reads
//! the message's old text from the recent-message store, which is not the message path). A
//! flusher, every second, writes what arrived to `log_events` in one transaction and posts it:
//! each channel's entries packed into as few messages as Discord's limits allow
//! ([`super::render::batches`]), channels in parallel, each post through the executor's
//! per-guild fair share, so a raid in one guild neither loses entries nor holds up another
//! guild. A post Discord cannot take now (an outage, a rate limit past the retries) stays
//! queued for the next flush; one Discord refuses (the channel is gone, the bot lacks access)
//! is recorded as the channel's last error and shown to the admins.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::entry::{Category, LogEntry, LogFile, LogKind};
use super::settings::LoggingSettings;
use super::{diff, store};
use crate::clock::{SharedClock, UnixMillis};
use crate::db::{Db, DbError};
use crate::effect::{Effect, EffectError, EffectSink};
use crate::events::{ChannelShape, GuildEvent, MemberBefore, MessageEdit, RoleShape};
use crate::guild_cache::GuildCache;
use crate::guild_config::GuildSettings;
use crate::ids::{ChannelId, GuildId, MessageId, RoleId, UserId};
use crate::levels::{VoiceSession, VoiceState};
use crate::permissions::{MemberInfo, OverwriteTarget};
use crate::premium::{LimitKind, PremiumService};
use crate::recent_messages::{RecentMessage, RecentMessages};

/// How many entries may wait in memory before the oldest are dropped (and counted).
pub const QUEUE_CAPACITY: usize = 100_000;
/// How often the flusher writes and posts.
pub const FLUSH_INTERVAL: Duration = Duration::from_secs(1);

/// A guild invite and how often it was used (Discord's invite metadata).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InviteUse {
    /// Its code.
    pub code: String,
    /// Who made it.
    pub inviter: Option<UserId>,
    /// How many joined through it.
    pub uses: u64,
}

/// What logging reads from Discord: who deleted a message (the audit log, `GET
/// /guilds/{guild}/audit-logs?action_type=72`) and the guild's invites with their uses (`GET
/// /guilds/{guild}/invites`, for which invite a member joined through). The bot implements it.
#[async_trait]
pub trait Lookups: Send + Sync {
    /// The member who most likely deleted `author`'s message in `channel` just now; `None`
    /// when the audit log has no matching entry (Discord writes none when members delete
    /// their own messages) or cannot be read.
    async fn message_deleter(
        &self,
        guild: GuildId,
        channel: ChannelId,
        author: UserId,
    ) -> Option<UserId>;

    /// The guild's invites now; `None` when they cannot be read (no Manage Server).
    async fn invites(&self, _guild: GuildId) -> Option<Vec<InviteUse>> {
        None
    }
}

/// No audit log (tests, a process without the bot).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoLookups;

#[async_trait]
impl Lookups for NoLookups {
    async fn message_deleter(&self, _: GuildId, _: ChannelId, _: UserId) -> Option<UserId> {
        None
    }
}

/// Why logging could not do something.
#[derive(Debug, thiserror::Error)]
pub enum LoggingError {
    /// The database failed.
    #[error(transparent)]
    Storage(#[from] DbError),
}

/// A post Discord refused, kept for the admins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostFailure {
    /// The log channel.
    pub channel: ChannelId,
    /// What Discord said.
    pub error: String,
    /// When.
    pub at: UnixMillis,
    /// Entries that were not posted because of it (they are stored all the same).
    pub entries: u64,
}

/// What one flush did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Flushed {
    /// Entries written to the stored log.
    pub stored: usize,
    /// Messages posted.
    pub posts: usize,
    /// Entries in those messages.
    pub posted: usize,
    /// Entries waiting for the next flush (Discord unavailable).
    pub retrying: usize,
    /// Entries Discord refused (recorded as the channel's failure).
    pub refused: usize,
}

#[derive(Debug, Clone)]
struct Queued {
    entry: LogEntry,
    post_to: Option<ChannelId>,
    stored: bool,
}

#[derive(Debug, Default)]
struct Shapes {
    roles: HashMap<RoleId, RoleShape>,
    channels: HashMap<ChannelId, ChannelShape>,
}

/// A guild's invites as last read, behind a lock held across the next read.
type InvitesSlot = Arc<tokio::sync::Mutex<Option<Vec<InviteUse>>>>;

/// The logging feature's service (`Core::logging`).
#[derive(Debug)]
pub struct LoggingService {
    db: Db,
    clock: SharedClock,
    cache: Arc<GuildCache>,
    recent: Arc<RecentMessages>,
    premium: Arc<PremiumService>,
    shapes: Mutex<HashMap<GuildId, Shapes>>,
    queue: Mutex<VecDeque<Queued>>,
    sessions: Mutex<Vec<(GuildId, VoiceSession)>>,
    dropped: AtomicU64,
    failures: Mutex<HashMap<GuildId, Vec<PostFailure>>>,
    /// Each guild's invites as last read, to tell which one a member joined through; one read
    /// at a time per guild.
    invites: Mutex<HashMap<GuildId, InvitesSlot>>,
    flushing: tokio::sync::Mutex<()>,
    posts: AtomicU64,
}

/// Whether a message in `channel` is to be kept for the message log: logging is on, a message
/// log channel is set, and the channel is neither ignored nor a log channel. No allocation: it
/// is on the message path.
pub fn keeps_content(settings: &GuildSettings, channel: ChannelId) -> bool {
    settings.features.logging
        && settings.logging.keeps_content()
        && !settings.logging.ignores_channel(channel, None)
        && !settings.logging.is_log_channel(channel)
}

/// When a snowflake was made.
pub fn snowflake_time(id: u64) -> UnixMillis {
    const DISCORD_EPOCH_MS: i64 = 1_420_070_400_000;
    UnixMillis(i64::try_from(id >> 22).unwrap_or(0) + DISCORD_EPOCH_MS)
}

/// A duration in the largest whole units ("3 days", "5 hours", "12 minutes").
pub fn age_in_words(age: Duration) -> String {
    let seconds = age.as_secs();
    let (value, unit) = match seconds {
        s if s >= 365 * 86_400 => (s / (365 * 86_400), "year"),
        s if s >= 30 * 86_400 => (s / (30 * 86_400), "month"),
        s if s >= 86_400 => (s / 86_400, "day"),
        s if s >= 3_600 => (s / 3_600, "hour"),
        s if s >= 60 => (s / 60, "minute"),
        s => (s, "second"),
    };
    format!("{value} {unit}{}", if value == 1 { "" } else { "s" })
}

impl LoggingService {
    /// A service over the database, reading names from the guild model and old message text
    /// from the recent-message store.
    pub fn new(
        db: Db,
        clock: SharedClock,
        cache: Arc<GuildCache>,
        recent: Arc<RecentMessages>,
        premium: Arc<PremiumService>,
    ) -> Self {
        Self {
            db,
            clock,
            cache,
            recent,
            premium,
            shapes: Mutex::new(HashMap::new()),
            queue: Mutex::new(VecDeque::new()),
            sessions: Mutex::new(Vec::new()),
            dropped: AtomicU64::new(0),
            failures: Mutex::new(HashMap::new()),
            invites: Mutex::new(HashMap::new()),
            flushing: tokio::sync::Mutex::new(()),
            posts: AtomicU64::new(0),
        }
    }

    fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
        mutex.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Entries waiting to be written and posted.
    pub fn pending(&self) -> usize {
        Self::lock(&self.queue).len()
    }

    /// Entries dropped because the queue was full, since start.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    /// Log messages posted since start.
    pub fn posts(&self) -> u64 {
        self.posts.load(Ordering::Relaxed)
    }

    /// The guild's log channels Discord refused lately, newest first.
    pub fn failures(&self, guild: GuildId) -> Vec<PostFailure> {
        let mut failures = Self::lock(&self.failures)
            .get(&guild)
            .cloned()
            .unwrap_or_default();
        failures.sort_by_key(|failure| std::cmp::Reverse(failure.at));
        failures
    }

    /// The categories whose channel the tier's `log_channels` limit pauses: distinct channels
    /// are counted in the settings' order, and those past the limit are not posted to (their
    /// events are still stored).
    pub fn paused_categories(&self, guild: GuildId, settings: &LoggingSettings) -> Vec<Category> {
        let limit = self.premium.limits(guild).of(LimitKind::LogChannels) as usize;
        let mut allowed: Vec<ChannelId> = Vec::new();
        let mut paused = Vec::new();
        for category in Category::ALL {
            let Some(channel) = settings.channel_for(category) else {
                continue;
            };
            if allowed.contains(&channel) {
                continue;
            }
            if allowed.len() < limit {
                allowed.push(channel);
            } else {
                paused.push(category);
            }
        }
        paused
    }

    /// Queues an entry: stored always (the logging feature is on), posted to its category's
    /// channel when one is set and the tier's limit allows it.
    pub fn record(&self, settings: &GuildSettings, entry: LogEntry) {
        let category = entry.category();
        let post_to = settings.logging.channel_for(category).filter(|_| {
            !self
                .paused_categories(entry.guild, &settings.logging)
                .contains(&category)
        });
        let mut queue = Self::lock(&self.queue);
        if queue.len() >= QUEUE_CAPACITY {
            queue.pop_front();
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
        queue.push_back(Queued {
            entry,
            post_to,
            stored: false,
        });
    }

    // ----- names ---------------------------------------------------------------------------

    /// A member's name: the guild model's, else `fallback`, else their mention (Discord shows
    /// it as their name; the viewer puts the name in from the guild snapshot).
    fn member_name(&self, guild: GuildId, user: UserId, fallback: &str) -> String {
        self.cache
            .member_name(guild, user)
            .filter(|name| !name.is_empty())
            .unwrap_or_else(|| {
                if fallback.is_empty() {
                    format!("<@{user}>")
                } else {
                    fallback.to_owned()
                }
            })
    }

    /// A stored message, waiting a moment for one posted within the last seconds: the gateway's
    /// events are handled concurrently, so an edit or a deletion can overtake its message's
    /// creation by a few milliseconds.
    async fn find_message(
        &self,
        guild: GuildId,
        id: MessageId,
    ) -> Result<Option<RecentMessage>, LoggingError> {
        for attempt in 0..4 {
            if let Some(found) = self.recent.find(guild, id).await? {
                return Ok(Some(found));
            }
            let age = self.clock.now().since(snowflake_time(id.get()));
            if attempt == 3 || age > Duration::from_secs(5) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        Ok(None)
    }

    fn channel_name(&self, guild: GuildId, channel: ChannelId) -> String {
        self.cache
            .channel(guild, channel)
            .map(|facts| format!("#{}", facts.name))
            .or_else(|| {
                Self::lock(&self.shapes)
                    .get(&guild)
                    .and_then(|shapes| shapes.channels.get(&channel))
                    .map(|shape| format!("#{}", shape.name))
            })
            .unwrap_or_else(|| format!("#{channel}"))
    }

    fn role_name(&self, guild: GuildId, role: RoleId) -> String {
        self.cache
            .role_name(guild, role)
            .or_else(|| {
                Self::lock(&self.shapes)
                    .get(&guild)
                    .and_then(|shapes| shapes.roles.get(&role))
                    .map(|shape| shape.name.clone())
            })
            .map_or_else(|| format!("@{role}"), |name| format!("@{name}"))
    }

    fn roles_in_words(&self, guild: GuildId, roles: &[RoleId]) -> String {
        roles
            .iter()
            .map(|role| self.role_name(guild, *role))
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn parent(&self, guild: GuildId, channel: ChannelId) -> Option<ChannelId> {
        self.cache
            .channel(guild, channel)
            .and_then(|facts| facts.parent)
    }

    fn ignored(
        &self,
        settings: &LoggingSettings,
        guild: GuildId,
        channel: Option<ChannelId>,
        roles: &[RoleId],
        is_bot: bool,
    ) -> bool {
        (is_bot && settings.ignore_bots)
            || settings.ignores_roles(roles)
            || channel.is_some_and(|channel| {
                settings.ignores_channel(channel, self.parent(guild, channel))
            })
    }

    // ----- events --------------------------------------------------------------------------

    /// Follows one guild event: keeps the roles and channels it compares changes against
    /// (also while the feature is off), and, with `features.logging` on, queues its entries.
    ///
    /// # Errors
    /// [`LoggingError::Storage`] when an old message's text cannot be read.
    pub async fn observe(
        &self,
        event: &GuildEvent<'_>,
        settings: &GuildSettings,
        audit: &dyn Lookups,
    ) -> Result<(), LoggingError> {
        let on = settings.features.logging;
        let now = self.clock.now();
        match event {
            GuildEvent::Available {
                guild,
                roles,
                channels,
                ..
            } => {
                let shapes = Shapes {
                    roles: roles.iter().map(|role| (role.id, role.clone())).collect(),
                    channels: channels
                        .iter()
                        .map(|channel| (channel.id, channel.clone()))
                        .collect(),
                };
                Self::lock(&self.shapes).insert(*guild, shapes);
                if on && settings.logging.members_channel.is_some() {
                    // The invites' uses now, to compare the next join with.
                    self.invite_used(*guild, audit).await;
                }
            }
            GuildEvent::Gone { guild, .. } => {
                Self::lock(&self.shapes).remove(guild);
            }
            GuildEvent::RoleChanged { guild, role, after } => {
                let before = {
                    let mut shapes = Self::lock(&self.shapes);
                    let shapes = shapes.entry(*guild).or_default();
                    match after {
                        Some(after) => shapes.roles.insert(*role, (*after).clone()),
                        None => shapes.roles.remove(role),
                    }
                };
                if on && let Some(entry) = self.role_entry(*guild, now, before, *after) {
                    self.record(settings, entry);
                }
            }
            GuildEvent::ChannelChanged {
                guild,
                channel,
                after,
            } => {
                let before = {
                    let mut shapes = Self::lock(&self.shapes);
                    let shapes = shapes.entry(*guild).or_default();
                    match after {
                        Some(after) => shapes.channels.insert(*channel, (*after).clone()),
                        None => shapes.channels.remove(channel),
                    }
                };
                if on
                    && !settings.logging.ignores_channel(*channel, None)
                    && let Some(entry) = self.channel_entry(*guild, now, before, *after)
                {
                    self.record(settings, entry);
                }
            }
            _ if !on => {}
            GuildEvent::Voice {
                guild,
                state,
                before,
                ended,
            } => self.voice(settings, *guild, now, *state, *before, *ended),
            GuildEvent::MessageEdited(edit) => self.edited(settings, edit).await?,
            GuildEvent::MessageDeleted { guild, channel, id } => {
                self.deleted(settings, *guild, *channel, *id, now, audit)
                    .await?;
            }
            GuildEvent::MessagesPurged {
                guild,
                channel,
                ids,
            } => self.purged(settings, *guild, *channel, ids, now).await?,
            GuildEvent::MemberJoined {
                guild,
                member,
                name,
                is_bot,
                ..
            } if !self.ignored(&settings.logging, *guild, None, &member.roles, *is_bot) => {
                let invite = self.invite_used(*guild, audit).await;
                self.record(settings, self.joined(*guild, now, member, name, &invite));
            }
            GuildEvent::MemberLeft {
                guild,
                user,
                name,
                is_bot,
                roles,
            } => {
                let roles = roles.unwrap_or_default();
                if !self.ignored(&settings.logging, *guild, None, roles, *is_bot) {
                    self.record(settings, self.left(*guild, now, *user, name, roles));
                }
            }
            GuildEvent::MemberUpdated {
                guild,
                member,
                name,
                is_bot,
                before,
                ..
            } if !self.ignored(&settings.logging, *guild, None, &member.roles, *is_bot) => {
                for entry in self.member_changes(*guild, now, member, name, before) {
                    self.record(settings, entry);
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn voice(
        &self,
        settings: &GuildSettings,
        guild: GuildId,
        now: UnixMillis,
        state: VoiceState,
        before: Option<VoiceState>,
        ended: Option<&VoiceSession>,
    ) {
        if let Some(session) = ended {
            Self::lock(&self.sessions).push((guild, session.clone()));
        }
        let logging = &settings.logging;
        let channel = state.channel.or(before.and_then(|before| before.channel));
        if self.ignored(logging, guild, channel, &[], state.is_bot) {
            return;
        }
        let user = state.user;
        let who = self.member_name(guild, user, "");
        let name = |channel: ChannelId| self.channel_name(guild, channel);
        let mut entries = Vec::new();
        match (before.and_then(|b| b.channel), state.channel) {
            (None, Some(joined)) => entries.push(
                LogEntry::new(
                    guild,
                    now,
                    LogKind::VoiceJoined,
                    format!("{who} joined {}", name(joined)),
                )
                .in_channel(joined),
            ),
            (Some(left), None) => {
                let mut entry = LogEntry::new(
                    guild,
                    now,
                    LogKind::VoiceLeft,
                    format!("{who} left {}", name(left)),
                )
                .in_channel(left);
                if let Some(session) = ended {
                    entry = entry.field(
                        "Session",
                        format!(
                            "{} in voice; muted {}, deafened {}, alone {}",
                            age_in_words(Duration::from_secs(session.seconds)),
                            age_in_words(Duration::from_secs(session.muted_seconds)),
                            age_in_words(Duration::from_secs(session.deafened_seconds)),
                            age_in_words(Duration::from_secs(session.alone_seconds)),
                        ),
                    );
                }
                entries.push(entry);
            }
            (Some(from), Some(to)) if from != to => entries.push(
                LogEntry::new(
                    guild,
                    now,
                    LogKind::VoiceMoved,
                    format!("{who} moved from {} to {}", name(from), name(to)),
                )
                .in_channel(to),
            ),
            _ => {}
        }
        if let (Some(before), Some(channel)) = (before, state.channel) {
            let switched = |was: bool, is: bool, what: &str| {
                (was != is).then(|| format!("{what} {}", if is { "on" } else { "off" }))
            };
            let mutes: Vec<String> = [
                switched(before.self_mute, state.self_mute, "self mute"),
                switched(before.mute, state.mute, "server mute"),
            ]
            .into_iter()
            .flatten()
            .collect();
            if !mutes.is_empty() {
                entries.push(
                    LogEntry::new(
                        guild,
                        now,
                        LogKind::VoiceMuted,
                        format!("{who} in {}: {}", name(channel), mutes.join(", ")),
                    )
                    .in_channel(channel),
                );
            }
            let deafs: Vec<String> = [
                switched(before.self_deaf, state.self_deaf, "self deafen"),
                switched(before.deaf, state.deaf, "server deafen"),
            ]
            .into_iter()
            .flatten()
            .collect();
            if !deafs.is_empty() {
                entries.push(
                    LogEntry::new(
                        guild,
                        now,
                        LogKind::VoiceDeafened,
                        format!("{who} in {}: {}", name(channel), deafs.join(", ")),
                    )
                    .in_channel(channel),
                );
            }
        }
        for entry in entries {
            self.record(settings, entry.about(user));
        }
    }

    /// Logs what an AFK rule did to a member.
    pub fn afk_action(
        &self,
        settings: &GuildSettings,
        guild: GuildId,
        user: UserId,
        channel: ChannelId,
        why: &str,
        outcome: &str,
    ) {
        if !settings.features.logging {
            return;
        }
        let who = self.member_name(guild, user, "");
        let entry = LogEntry::new(
            guild,
            self.clock.now(),
            LogKind::VoiceAfk,
            format!(
                "{who} was AFK in {} ({why}): {outcome}",
                self.channel_name(guild, channel)
            ),
        )
        .about(user)
        .in_channel(channel);
        self.record(settings, entry);
    }

    async fn edited(
        &self,
        settings: &GuildSettings,
        edit: &MessageEdit<'_>,
    ) -> Result<(), LoggingError> {
        let Some(content) = edit.content else {
            return Ok(());
        };
        let stored = self.find_message(edit.guild, edit.id).await?;
        let author = edit.author.or(stored.as_ref().map(|m| m.author));
        let roles = stored
            .as_ref()
            .map(|m| m.author_roles.clone())
            .unwrap_or_default();
        let is_bot = edit.author_is_bot || stored.as_ref().is_some_and(|m| m.author_is_bot);
        if self.ignored(
            &settings.logging,
            edit.guild,
            Some(edit.channel),
            &roles,
            is_bot,
        ) {
            return Ok(());
        }
        let before = stored.as_ref().map(|message| message.content.as_str());
        if before == Some(content) {
            // Not an edit of the text (an embed unfurled, a pin).
            return Ok(());
        }
        let channel_name = self.channel_name(edit.guild, edit.channel);
        let who = author.map_or_else(
            || "someone".to_owned(),
            |author| self.member_name(edit.guild, author, ""),
        );
        let mut entry = LogEntry::new(
            edit.guild,
            edit.edited_at,
            LogKind::MessageEdited,
            format!("{who} edited a message in {channel_name}"),
        )
        .in_channel(edit.channel)
        .field(
            "Before",
            before.map_or_else(
                || "(not kept: message logs were off when it was posted, or it is older than the content retention)".to_owned(),
                str::to_owned,
            ),
        )
        .field("After", content)
        .field("Message", jump(edit.guild, edit.channel, edit.id));
        if let Some(author) = author {
            entry = entry.about(author).by(author);
        }
        self.record(settings, entry);
        Ok(())
    }

    async fn deleted(
        &self,
        settings: &GuildSettings,
        guild: GuildId,
        channel: ChannelId,
        id: MessageId,
        now: UnixMillis,
        audit: &dyn Lookups,
    ) -> Result<(), LoggingError> {
        let stored = self.find_message(guild, id).await?;
        if let Some(message) = &stored
            && self.ignored(
                &settings.logging,
                guild,
                Some(channel),
                &message.author_roles,
                message.author_is_bot,
            )
        {
            return Ok(());
        }
        if stored.is_none()
            && settings
                .logging
                .ignores_channel(channel, self.parent(guild, channel))
        {
            return Ok(());
        }
        let channel_name = self.channel_name(guild, channel);
        let mut entry = match &stored {
            Some(message) => {
                let who = self.member_name(guild, message.author, "");
                let mut entry = LogEntry::new(
                    guild,
                    now,
                    LogKind::MessageDeleted,
                    format!("A message by {who} was deleted in {channel_name}"),
                )
                .about(message.author)
                .in_channel(channel)
                .field("Content", display_content(message))
                .field("Author", format!("<@{}> ({who})", message.author))
                .field("Files", message.attachment_names.join(", "));
                if let Some(deleter) = audit.message_deleter(guild, channel, message.author).await
                {
                    let name = self.member_name(guild, deleter, "");
                    entry = entry
                        .by(deleter)
                        .field("Deleted by (best guess)", format!("<@{deleter}> ({name}), from the audit log"));
                    entry.actor_guessed = true;
                } else {
                    entry = entry.field(
                        "Deleted by",
                        "the author, or someone the audit log does not name",
                    );
                }
                entry
            }
            None => LogEntry::new(
                guild,
                now,
                LogKind::MessageDeleted,
                format!("A message was deleted in {channel_name}"),
            )
            .in_channel(channel)
            .field(
                "Content",
                "(not kept: message logs were off when it was posted, or it is older than the content retention)",
            ),
        };
        entry = entry.field("Message id", id.to_string());
        self.record(settings, entry);
        Ok(())
    }

    async fn purged(
        &self,
        settings: &GuildSettings,
        guild: GuildId,
        channel: ChannelId,
        ids: &[MessageId],
        now: UnixMillis,
    ) -> Result<(), LoggingError> {
        if settings
            .logging
            .ignores_channel(channel, self.parent(guild, channel))
        {
            return Ok(());
        }
        let mut found: Vec<RecentMessage> = Vec::new();
        for id in ids {
            if let Some(message) = self.recent.find(guild, *id).await? {
                found.push(message);
            }
        }
        found.sort_by_key(|message| (message.created_at, message.message));
        let channel_name = self.channel_name(guild, channel);
        let mut transcript = format!(
            "{} messages deleted at once in {channel_name} ({} of them kept by Guildhall)\n\n",
            ids.len(),
            found.len()
        );
        for message in &found {
            let who = self.member_name(guild, message.author, "");
            transcript.push_str(&format!(
                "[{}] {who} ({}): {}\n",
                message.created_at.to_rfc3339(),
                message.author,
                display_content(message)
            ));
        }
        let mut authors: Vec<UserId> = found.iter().map(|m| m.author).collect();
        authors.sort();
        authors.dedup();
        let mut entry = LogEntry::new(
            guild,
            now,
            LogKind::MessagesPurged,
            format!(
                "{} messages were deleted at once in {channel_name}",
                ids.len()
            ),
        )
        .in_channel(channel)
        .field(
            "Authors",
            authors
                .iter()
                .take(20)
                .map(|author| self.member_name(guild, *author, ""))
                .collect::<Vec<_>>()
                .join(", "),
        )
        .field("Transcript", "attached");
        entry.file = Some(LogFile {
            name: format!("deleted-messages-{channel}.txt"),
            text: transcript,
        });
        self.record(settings, entry);
        Ok(())
    }

    /// Which invite the member who just joined used: the guild's invites are read again and
    /// compared with the last read (an invite not seen before counts from 0). One invite whose
    /// uses grew is the answer; several (members joining at once) are named together; none
    /// (a vanity URL, an invite used up and gone, or no Manage Server) is said as such.
    async fn invite_used(&self, guild: GuildId, lookups: &dyn Lookups) -> InviteGuess {
        let slot = Arc::clone(Self::lock(&self.invites).entry(guild).or_default());
        let mut last = slot.lock().await;
        let Some(now) = lookups.invites(guild).await else {
            return InviteGuess::Unreadable;
        };
        let guess = match last.as_ref() {
            None => InviteGuess::NoBaseline,
            Some(before) => {
                let grown: Vec<InviteUse> = now
                    .iter()
                    .filter(|invite| {
                        let was = before
                            .iter()
                            .find(|old| old.code == invite.code)
                            .map_or(0, |old| old.uses);
                        invite.uses > was
                    })
                    .cloned()
                    .collect();
                match grown.len() {
                    0 => InviteGuess::Unknown,
                    1 => InviteGuess::Used(grown.into_iter().next().expect("one")),
                    _ => InviteGuess::OneOf(grown),
                }
            }
        };
        *last = Some(now);
        guess
    }

    fn invite_words(&self, guild: GuildId, guess: &InviteGuess) -> String {
        let one = |invite: &InviteUse| match invite.inviter {
            Some(inviter) => format!(
                "`{}` by {} ({} uses)",
                invite.code,
                self.member_name(guild, inviter, ""),
                invite.uses
            ),
            None => format!("`{}` ({} uses)", invite.code, invite.uses),
        };
        match guess {
            InviteGuess::Used(invite) => one(invite),
            InviteGuess::OneOf(invites) => format!(
                "one of {} (members joined at the same moment)",
                invites.iter().map(one).collect::<Vec<_>>().join(", ")
            ),
            InviteGuess::Unknown => {
                "not known: no invite's uses grew (a vanity URL, or an invite used up and deleted)"
                    .into()
            }
            InviteGuess::NoBaseline => {
                "not known: the invites had not been read yet (the first join since the bot started)"
                    .into()
            }
            InviteGuess::Unreadable => {
                "not known: the bot needs Manage Server to read the invites".into()
            }
        }
    }

    fn joined(
        &self,
        guild: GuildId,
        now: UnixMillis,
        member: &MemberInfo,
        name: &str,
        invite: &InviteGuess,
    ) -> LogEntry {
        let created = snowflake_time(member.user.get());
        let age = now.since(created);
        let new = age < Duration::from_secs(7 * 86_400);
        LogEntry::new(guild, now, LogKind::MemberJoined, format!("{name} joined"))
            .about(member.user)
            .field("Member", format!("<@{}> ({name})", member.user))
            .field(
                "Account age",
                format!(
                    "{}{} (created {})",
                    age_in_words(age),
                    if new { ", a new account" } else { "" },
                    created.to_rfc3339()
                ),
            )
            .field("Invite", self.invite_words(guild, invite))
    }

    fn left(
        &self,
        guild: GuildId,
        now: UnixMillis,
        user: UserId,
        name: &str,
        roles: &[RoleId],
    ) -> LogEntry {
        LogEntry::new(guild, now, LogKind::MemberLeft, format!("{name} left"))
            .about(user)
            .field("Member", format!("<@{user}> ({name})"))
            .field("Roles", self.roles_in_words(guild, roles))
    }

    fn member_changes(
        &self,
        guild: GuildId,
        now: UnixMillis,
        member: &MemberInfo,
        name: &str,
        before: &MemberBefore,
    ) -> Vec<LogEntry> {
        let user = member.user;
        let mut entries = Vec::new();
        if let Some(old) = &before.name
            && old != name
        {
            entries.push(
                LogEntry::new(
                    guild,
                    now,
                    LogKind::NicknameChanged,
                    format!("{old} is now called {name}"),
                )
                .about(user)
                .field("Before", old.clone())
                .field("After", name.to_owned()),
            );
        }
        if let Some(old_roles) = &before.roles {
            let added: Vec<RoleId> = member
                .roles
                .iter()
                .filter(|role| !old_roles.contains(role))
                .copied()
                .collect();
            let removed: Vec<RoleId> = old_roles
                .iter()
                .filter(|role| !member.roles.contains(role))
                .copied()
                .collect();
            if !added.is_empty() || !removed.is_empty() {
                let mut words = Vec::new();
                if !added.is_empty() {
                    words.push(format!("got {}", self.roles_in_words(guild, &added)));
                }
                if !removed.is_empty() {
                    words.push(format!("lost {}", self.roles_in_words(guild, &removed)));
                }
                entries.push(
                    LogEntry::new(
                        guild,
                        now,
                        LogKind::RolesChanged,
                        format!("{name} {}", words.join(" and ")),
                    )
                    .about(user)
                    .field("Added", self.roles_in_words(guild, &added))
                    .field("Removed", self.roles_in_words(guild, &removed)),
                );
            }
            let was = before.timed_out_until.filter(|until| *until > now);
            let is = member.timed_out_until.filter(|until| *until > now);
            match (was, is) {
                (None, Some(until)) => entries.push(
                    LogEntry::new(
                        guild,
                        now,
                        LogKind::TimedOut,
                        format!(
                            "{name} was timed out for {}",
                            age_in_words(until.since(now))
                        ),
                    )
                    .about(user)
                    .field("Until", until.to_rfc3339()),
                ),
                (Some(_), None) => entries.push(
                    LogEntry::new(
                        guild,
                        now,
                        LogKind::TimeoutEnded,
                        format!("{name}'s timeout was removed"),
                    )
                    .about(user),
                ),
                _ => {}
            }
        }
        entries
    }

    fn role_entry(
        &self,
        guild: GuildId,
        now: UnixMillis,
        before: Option<RoleShape>,
        after: Option<&RoleShape>,
    ) -> Option<LogEntry> {
        match (before, after) {
            (None, Some(role)) => Some(
                LogEntry::new(
                    guild,
                    now,
                    LogKind::RoleCreated,
                    format!("Role @{} was created", role.name),
                )
                .field("Colour", diff::colour(role.colour))
                .field("Permissions", role.permissions.names().join(", ")),
            ),
            (Some(before), Some(after)) => {
                let lines = diff::role(&before, after);
                (!lines.is_empty()).then(|| {
                    LogEntry::new(
                        guild,
                        now,
                        LogKind::RoleUpdated,
                        format!("Role @{} was changed", after.name),
                    )
                    .field("Changes", lines.join("\n"))
                })
            }
            (Some(before), None) => Some(
                LogEntry::new(
                    guild,
                    now,
                    LogKind::RoleDeleted,
                    format!("Role @{} was deleted", before.name),
                )
                .field(
                    "Permissions it granted",
                    before.permissions.names().join(", "),
                ),
            ),
            (None, None) => None,
        }
    }

    fn channel_entry(
        &self,
        guild: GuildId,
        now: UnixMillis,
        before: Option<ChannelShape>,
        after: Option<&ChannelShape>,
    ) -> Option<LogEntry> {
        let target = |target: OverwriteTarget| match target {
            OverwriteTarget::Role(role) if role.get() == guild.get() => "@everyone".to_owned(),
            OverwriteTarget::Role(role) => self.role_name(guild, role),
            OverwriteTarget::Member(user) => self.member_name(guild, user, ""),
        };
        let category = |parent: Option<ChannelId>| {
            parent.map_or_else(
                || "(none)".to_owned(),
                |parent| self.channel_name(guild, parent),
            )
        };
        match (before, after) {
            (None, Some(channel)) => Some(
                LogEntry::new(
                    guild,
                    now,
                    LogKind::ChannelCreated,
                    format!("Channel #{} was created", channel.name),
                )
                .in_channel(channel.id)
                .field("Category", category(channel.parent))
                .field(
                    "Permission overwrites",
                    diff::overwrites(&[], &channel.overwrites, &target).join("\n"),
                ),
            ),
            (Some(before), Some(after)) => {
                let lines = diff::channel(&before, after, &target, &category);
                (!lines.is_empty()).then(|| {
                    LogEntry::new(
                        guild,
                        now,
                        LogKind::ChannelUpdated,
                        format!("Channel #{} was changed", after.name),
                    )
                    .in_channel(after.id)
                    .field("Changes", lines.join("\n"))
                })
            }
            (Some(before), None) => Some(
                LogEntry::new(
                    guild,
                    now,
                    LogKind::ChannelDeleted,
                    format!("Channel #{} was deleted", before.name),
                )
                .in_channel(before.id)
                .field("Category", category(before.parent)),
            ),
            (None, None) => None,
        }
    }

    /// Logs one of the bot's moderation actions once Discord carried it out, linked to its
    /// case (the bot calls it beside the mod-log post).
    pub fn moderation_action(&self, settings: &GuildSettings, case: &crate::moderation::Case) {
        if !settings.features.logging {
            return;
        }
        let guild = case.guild;
        let who = self.member_name(guild, case.target, "");
        let (actor, by) = match &case.actor {
            crate::moderation::CaseActor::Moderator(user) => {
                (Some(*user), self.member_name(guild, *user, ""))
            }
            crate::moderation::CaseActor::Automated(rule) => (None, rule.clone()),
        };
        let mut entry = LogEntry::new(
            guild,
            case.created_at,
            LogKind::ModerationAction,
            format!(
                "Case #{}: {} {who}, by {by}",
                case.number,
                case.kind.as_str()
            ),
        )
        .about(case.target)
        .field("Member", format!("<@{}> ({who})", case.target))
        .field("By", by)
        .field("Reason", case.reason.clone());
        if let Some(actor) = actor {
            entry = entry.by(actor);
        }
        if let Some(duration) = case.duration {
            entry = entry.field("For", age_in_words(duration));
        }
        entry.case = Some(case.number);
        self.record(settings, entry);
    }

    // ----- flushing ------------------------------------------------------------------------

    /// Writes what arrived to the stored log and posts it. One flush at a time.
    ///
    /// # Errors
    /// [`LoggingError::Storage`] when the write fails: nothing is posted then and everything
    /// stays queued.
    pub async fn flush(&self, sink: &dyn EffectSink) -> Result<Flushed, LoggingError> {
        let _one_at_a_time = self.flushing.lock().await;
        let sessions: Vec<(GuildId, VoiceSession)> =
            std::mem::take(&mut *Self::lock(&self.sessions));
        if let Err(error) = store::write_sessions(&self.db, &sessions).await {
            Self::lock(&self.sessions).extend(sessions);
            return Err(error.into());
        }
        let batch: Vec<Queued> = Self::lock(&self.queue).drain(..).collect();
        if batch.is_empty() {
            return Ok(Flushed::default());
        }
        let unstored: Vec<LogEntry> = batch
            .iter()
            .filter(|queued| !queued.stored)
            .map(|queued| queued.entry.clone())
            .collect();
        if let Err(error) = store::write(&self.db, &unstored).await {
            self.requeue(batch);
            return Err(error.into());
        }
        let mut flushed = Flushed {
            stored: unstored.len(),
            ..Flushed::default()
        };
        // Each log channel's entries, in arrival order.
        let mut by_channel: Vec<((GuildId, ChannelId), Vec<LogEntry>)> = Vec::new();
        for queued in batch {
            let Some(channel) = queued.post_to else {
                continue;
            };
            let key = (queued.entry.guild, channel);
            match by_channel.iter_mut().find(|(k, _)| *k == key) {
                Some((_, entries)) => entries.push(queued.entry),
                None => by_channel.push((key, vec![queued.entry])),
            }
        }
        let posts = by_channel
            .into_iter()
            .map(|((guild, channel), entries)| async move {
                self.post_channel(sink, guild, channel, entries).await
            });
        for outcome in futures::future::join_all(posts).await {
            flushed.posts += outcome.posts;
            flushed.posted += outcome.posted;
            flushed.retrying += outcome.retrying;
            flushed.refused += outcome.refused;
        }
        Ok(flushed)
    }

    async fn post_channel(
        &self,
        sink: &dyn EffectSink,
        guild: GuildId,
        channel: ChannelId,
        entries: Vec<LogEntry>,
    ) -> Flushed {
        let mut flushed = Flushed::default();
        let messages = super::render::batches(&entries);
        let mut sent_entries = 0;
        for (index, message) in messages.iter().enumerate() {
            let count = message.embeds.len();
            let effect = Effect::Announce {
                guild,
                channel,
                message: message.clone(),
            };
            match sink.perform(Some(guild), &effect).await {
                Ok(()) => {
                    flushed.posts += 1;
                    flushed.posted += count;
                    sent_entries += count;
                    self.posts.fetch_add(1, Ordering::Relaxed);
                }
                Err(EffectError::Unavailable(error)) => {
                    tracing::warn!(%guild, %channel, %error, "log post failed; retrying at the next flush");
                    let rest: Vec<Queued> = entries[sent_entries..]
                        .iter()
                        .map(|entry| Queued {
                            entry: entry.clone(),
                            post_to: Some(channel),
                            stored: true,
                        })
                        .collect();
                    flushed.retrying += rest.len();
                    self.requeue(rest);
                    return flushed;
                }
                Err(EffectError::Refused(error)) => {
                    tracing::warn!(%guild, %channel, %error, "Discord refused a log post");
                    flushed.refused += count;
                    let mut failures = Self::lock(&self.failures);
                    let list = failures.entry(guild).or_default();
                    list.retain(|failure| failure.channel != channel);
                    list.push(PostFailure {
                        channel,
                        error: error.clone(),
                        at: self.clock.now(),
                        entries: u64::try_from(
                            messages[index..]
                                .iter()
                                .map(|m| m.embeds.len())
                                .sum::<usize>(),
                        )
                        .unwrap_or(u64::MAX),
                    });
                    // The rest of this channel's batch would be refused as well.
                    flushed.refused += messages[index + 1..]
                        .iter()
                        .map(|m| m.embeds.len())
                        .sum::<usize>();
                    return flushed;
                }
            }
        }
        // A channel that works again is no longer failing.
        if let Some(list) = Self::lock(&self.failures).get_mut(&guild) {
            list.retain(|failure| failure.channel != channel);
        }
        flushed
    }

    fn requeue(&self, items: Vec<Queued>) {
        let mut queue = Self::lock(&self.queue);
        for item in items.into_iter().rev() {
            queue.push_front(item);
        }
        while queue.len() > QUEUE_CAPACITY {
            queue.pop_front();
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Runs [`Self::flush`] every `interval` until `cancel`, then once more.
    pub fn spawn_flusher(
        self: &Arc<Self>,
        sink: Arc<dyn EffectSink>,
        interval: Duration,
        cancel: CancellationToken,
    ) -> JoinHandle<()> {
        let service = Arc::clone(self);
        tokio::spawn(async move {
            let mut ticker = tokio::time::interval(interval);
            ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    () = cancel.cancelled() => break,
                    _ = ticker.tick() => {
                        if let Err(error) = service.flush(sink.as_ref()).await {
                            tracing::warn!(%error, "could not write the log; will retry");
                        }
                    }
                }
            }
            if let Err(error) = service.flush(sink.as_ref()).await {
                tracing::warn!(%error, lost = service.pending(), "could not write the last log entries");
            }
        })
    }

    // ----- reading and privacy -------------------------------------------------------------

    /// One page of the guild's stored events.
    ///
    /// # Errors
    /// [`LoggingError::Storage`].
    pub async fn events(
        &self,
        guild: GuildId,
        filter: &store::EventFilter,
        page: store::Page,
        limit: u32,
    ) -> Result<store::EventPage, LoggingError> {
        Ok(store::page(&self.db, guild, filter, page, limit).await?)
    }

    /// Deletes stored log events past each guild's retention (the daily retention job).
    ///
    /// # Errors
    /// [`LoggingError::Storage`].
    pub async fn prune(
        &self,
        guild: GuildId,
        settings: &LoggingSettings,
    ) -> Result<u64, LoggingError> {
        let before = self.clock.now().minus(Duration::from_secs(
            u64::from(settings.event_retention_days) * 86_400,
        ));
        Ok(store::prune(&self.db, guild, before).await?)
    }

    /// Removes what `user` wrote from what logging keeps (their stored messages and their text
    /// in stored edit and delete logs), in one guild or all. The per-user data deletion of the
    /// operations work calls this. Returns (stored messages deleted, log events changed).
    ///
    /// # Errors
    /// [`LoggingError::Storage`].
    pub async fn erase_member(
        &self,
        guild: Option<GuildId>,
        user: UserId,
    ) -> Result<(u64, u64), LoggingError> {
        let messages = crate::recent_messages::store::erase_author(&self.db, guild, user).await?;
        let events = store::erase_member_content(&self.db, guild, user).await?;
        Ok((messages, events))
    }
}

/// Which invite a member joined through, as far as the invites' uses tell.
#[derive(Debug, Clone, PartialEq, Eq)]
enum InviteGuess {
    Used(InviteUse),
    OneOf(Vec<InviteUse>),
    Unknown,
    NoBaseline,
    Unreadable,
}

/// A stored message's text for a log, with its files named.
fn display_content(message: &RecentMessage) -> String {
    if message.content.is_empty() {
        if message.attachments > 0 {
            "(no text)".into()
        } else {
            "(no text: the bot may lack the Message Content intent)".into()
        }
    } else {
        message.content.clone()
    }
}

/// A link to a message in Discord.
pub fn jump(guild: GuildId, channel: ChannelId, message: MessageId) -> String {
    format!("https://discord.com/channels/{guild}/{channel}/{message}")
}
