//! [`LevelService`]: text XP on the message path, voice XP by time, the write-behind flush,
//! level-ups, ranks and leaderboards, admins' changes, and CSV import and export.
//!
//! The message path ([`LevelService::on_message`]) reads the guild's cached settings, decides
//! the XP in memory, checks the member's cooldown through the coordination port (memory, or
//! Redis when several processes run) and adds to the in-memory buffer: no database round trip.
//! [`LevelService::run_flusher`] writes each guild's pending XP every
//! `levels.flush_interval_secs` (10 s by default) in one transaction, and once more on
//! shutdown; a crash loses at most that interval of XP. Admins' changes are written at once.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::hash::{BuildHasher as _, Hasher as _};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::accumulator::{Delta, MessageFacts, XpBuffer, XpSource, message_xp, roll};
use super::csv::{self, ImportSummary, ParsedCsv};
use super::curve::{LevelCurve, MAX_XP, Progress};
use super::effects::{LevelUp, reward_effects};
use super::ranks::{Move, RankCache};
use super::store::{self, Applied, ImportMode, MemberXp, ResetScope};
use super::voice::{VoiceState, VoiceTracker};
use crate::clock::{SharedClock, UnixMillis};
use crate::coordination::{Cooldown, Coordination, CoordinationError, Key};
use crate::db::{Db, DbError};
use crate::effect::Effect;
use crate::guild_config::{GuildConfigError, GuildConfigService, GuildSettings};
use crate::ids::{ChannelId, GuildId, RoleId, UserId};

/// The coordination namespace of the per-member XP cooldown (`g:<guild>:levels.cooldown:<user>`).
pub const COOLDOWN_NAMESPACE: &str = "levels.cooldown";
/// The coordination topic announcing an admin's change of a guild's XP to other processes, so
/// they drop their rank index of that guild.
pub const TOPIC: &str = "levels.changed";
/// How often the flusher wakes to tick voice and write the guilds that are due; each guild is
/// written after its own `levels.flush_interval_secs`.
pub const FLUSH_TICK: Duration = Duration::from_secs(1);
/// The most members one leaderboard page holds.
pub const MAX_PAGE: u32 = 100;
/// Pages up to this offset are read with SQL's OFFSET; deeper ones seek from the rank index.
const SHALLOW_OFFSET: u64 = 1_000;

/// Why a levels request was not carried out.
#[derive(Debug, thiserror::Error)]
pub enum LevelError {
    /// The request itself is wrong; the message says what is accepted.
    #[error("{0}")]
    Invalid(String),
    /// The CSV file has bad lines; nothing was imported. The summary lists them.
    #[error("{}", describe_refused_import(.0))]
    ImportRefused(Box<ImportSummary>),
    /// The database failed.
    #[error(transparent)]
    Storage(#[from] DbError),
    /// The guild's settings could not be read.
    #[error(transparent)]
    Settings(#[from] GuildConfigError),
    /// The cooldown could not be checked (Redis is down).
    #[error(transparent)]
    Coordination(#[from] CoordinationError),
}

fn describe_refused_import(summary: &ImportSummary) -> String {
    let mut text = format!(
        "the file has {} bad line(s); nothing was imported",
        summary.error_count
    );
    for error in &summary.errors {
        text.push_str("\n  ");
        text.push_str(&error.to_string());
    }
    if summary.error_count > summary.errors.len() {
        text.push_str(&format!(
            "\n  ... and {} more",
            summary.error_count - summary.errors.len()
        ));
    }
    text
}

/// A member's standing, for `/rank`: stored XP plus what is pending in memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RankCard {
    /// The guild.
    pub guild: GuildId,
    /// The member.
    pub user: UserId,
    /// Total XP, pending included.
    pub xp: i64,
    /// Level and progress toward the next one.
    pub progress: Progress,
    /// Place on the leaderboard (1 is the top); `None` for a member without XP.
    pub rank: Option<u64>,
    /// Messages that earned XP (written ones).
    pub messages: i64,
    /// Seconds of eligible voice time (written ones).
    pub voice_seconds: i64,
}

/// One line of the leaderboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct LeaderboardEntry {
    /// Place (1 is the top).
    pub rank: u64,
    /// The member.
    pub user: UserId,
    /// Total XP.
    pub xp: i64,
    /// Level under the guild's current curve.
    pub level: u32,
    /// Messages that earned XP.
    pub messages: i64,
    /// Seconds of eligible voice time.
    pub voice_seconds: i64,
}

/// What a real import did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportOutcome {
    /// The summary (as the dry run showed it).
    pub summary: ImportSummary,
    /// Every listed member's XP and level before and after, to bring reward roles in line
    /// ([`reward_effects`]).
    pub changes: Vec<Applied>,
}

#[derive(Debug, Serialize, Deserialize)]
struct Announcement {
    guild: GuildId,
    origin: u64,
}

#[derive(Debug, Default)]
struct VoiceGuild {
    tracker: VoiceTracker,
    last_tick: Option<UnixMillis>,
}

/// Levels: XP, ranks, rewards and their storage.
#[derive(Debug)]
pub struct LevelService {
    db: Db,
    clock: SharedClock,
    coordination: Arc<dyn Coordination>,
    config: Arc<GuildConfigService>,
    buffer: XpBuffer,
    voice: Mutex<HashMap<GuildId, VoiceGuild>>,
    ranks: Arc<RankCache>,
    /// SplitMix64 state for XP rolls: one atomic add per message, no lock.
    random: AtomicU64,
    /// This instance's id on the bus, so it ignores its own announcements.
    origin: u64,
    /// One writer at a time: flushes and admins' changes never interleave.
    writes: tokio::sync::Mutex<()>,
}

fn random_seed() -> u64 {
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(0x5EED);
    hasher.finish()
}

impl LevelService {
    /// A service over the database, checking cooldowns through `coordination` and reading
    /// each guild's settings through `config`.
    pub fn new(
        db: Db,
        clock: SharedClock,
        coordination: Arc<dyn Coordination>,
        config: Arc<GuildConfigService>,
    ) -> Self {
        Self {
            ranks: Arc::new(RankCache::new(db.clone())),
            db,
            clock,
            coordination,
            config,
            buffer: XpBuffer::new(),
            voice: Mutex::new(HashMap::new()),
            random: AtomicU64::new(random_seed()),
            origin: random_seed(),
            writes: tokio::sync::Mutex::new(()),
        }
    }

    fn next_random(&self) -> u64 {
        let mut value = self
            .random
            .fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed)
            .wrapping_add(0x9E37_79B9_7F4A_7C15);
        value = (value ^ (value >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        value = (value ^ (value >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        value ^ (value >> 31)
    }

    /// The in-memory buffer of pending XP.
    pub fn buffer(&self) -> &XpBuffer {
        &self.buffer
    }

    async fn settings(&self, guild: GuildId) -> Result<Arc<GuildSettings>, LevelError> {
        Ok(self.config.get(guild).await?)
    }

    /// The guild's curve for a flush: cached settings, else loaded, else the default (a guild
    /// whose settings cannot be read still has its XP written).
    async fn curve(&self, guild: GuildId) -> LevelCurve {
        match self.config.get(guild).await {
            Ok(settings) => settings.levels.curve,
            Err(error) => {
                tracing::warn!(%guild, %error, "levels: cannot read settings; using the default curve");
                LevelCurve::default()
            }
        }
    }

    /// A message was posted: awards its XP unless a rule or the member's cooldown says
    /// otherwise. Reads only cached settings (an uncached guild earns nothing until the bot
    /// loads it) and memory; the cooldown is one coordination call. Returns the XP awarded.
    ///
    /// # Errors
    /// [`LevelError::Coordination`] when the cooldown cannot be checked.
    pub async fn on_message(&self, facts: &MessageFacts<'_>) -> Result<Option<u32>, LevelError> {
        let Some(settings) = self.config.cached(facts.guild) else {
            return Ok(None);
        };
        if !settings.features.levels {
            return Ok(None);
        }
        let levels = &settings.levels;
        let Some(xp) = message_xp(levels, facts, roll(levels, self.next_random())) else {
            return Ok(None);
        };
        if levels.cooldown_secs > 0 {
            let key = Key::guild(facts.guild, COOLDOWN_NAMESPACE, facts.user);
            let cooldown = Duration::from_secs(u64::from(levels.cooldown_secs));
            if let Cooldown::Active { .. } = self.coordination.try_cooldown(&key, cooldown).await? {
                return Ok(None);
            }
        }
        self.buffer.award(
            facts.guild,
            facts.user,
            xp,
            XpSource::Message {
                channel: facts.channel,
            },
            self.clock.now(),
        );
        Ok(Some(xp))
    }

    /// A member's voice state changed (joined, left, moved, muted, deafened): the guild's
    /// voice time is settled up to now, then the change applies. Memory only. The tracker is
    /// the process's one voice tracker: it also keeps the sessions the logging feature records
    /// and the times its AFK rules read. Returns the state before and the session that ended.
    pub fn on_voice_state(&self, guild: GuildId, state: VoiceState) -> super::VoiceChange {
        let settings = self.voice_settings(guild);
        let now = self.clock.now();
        let mut voice = self.voice.lock().unwrap_or_else(PoisonError::into_inner);
        voice
            .entry(guild)
            .or_default()
            .tracker
            .update(state, now, &settings)
    }

    /// The guild's members whose AFK limit has passed (see [`VoiceTracker::afk_due`]).
    pub fn voice_afk_due(
        &self,
        guild: GuildId,
        alone: Duration,
        deafened: Duration,
        exempt: Option<ChannelId>,
    ) -> Vec<(UserId, ChannelId, super::AfkReason)> {
        let now = self.clock.now();
        self.voice
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&guild)
            .map(|state| state.tracker.afk_due(now, alone, deafened, exempt))
            .unwrap_or_default()
    }

    /// Marks a member AFK: their time stops counting until they are active again.
    pub fn voice_mark_afk(&self, guild: GuildId, user: UserId, action: &'static str) {
        let settings = self.voice_settings(guild);
        let now = self.clock.now();
        let mut voice = self.voice.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(state) = voice.get_mut(&guild) {
            // Time until now still counts under the old state.
            state.tracker.tick_settle(now, &settings);
            state.tracker.mark_afk(user, action);
        }
    }

    /// The guilds with members in voice.
    pub fn voice_guilds(&self) -> Vec<GuildId> {
        self.voice
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .keys()
            .copied()
            .collect()
    }

    /// Counted voice seconds per guild, channel and member since the last call (settled up
    /// to now), for the analytics' voice minutes.
    pub fn voice_take_counted(&self) -> Vec<(GuildId, ChannelId, UserId, u64)> {
        let now = self.clock.now();
        let guilds = self.voice_guilds();
        let mut taken = Vec::new();
        for guild in guilds {
            let settings = self.voice_settings(guild);
            let mut voice = self.voice.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some(state) = voice.get_mut(&guild) {
                state.tracker.tick_settle(now, &settings);
                taken.extend(
                    state
                        .tracker
                        .take_counted()
                        .into_iter()
                        .map(|(channel, user, seconds)| (guild, channel, user, seconds)),
                );
            }
        }
        taken
    }

    /// Forgets a guild's voice members (the bot left it, or it became unavailable).
    pub fn forget_voice(&self, guild: GuildId) {
        self.voice
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&guild);
    }

    /// The settings voice accounting uses: voice XP counts as off while levels are off or the
    /// guild's settings are not cached.
    fn voice_settings(&self, guild: GuildId) -> super::LevelSettings {
        match self.config.cached(guild) {
            Some(settings) if settings.features.levels => settings.levels.clone(),
            Some(settings) => {
                let mut levels = settings.levels.clone();
                levels.voice.enabled = false;
                levels
            }
            None => {
                let mut levels = super::LevelSettings::default();
                levels.voice.enabled = false;
                levels
            }
        }
    }

    /// Turns voice time into XP in the buffer for each guild whose `voice.interval_secs` has
    /// passed since its last tick (every guild when `all`); returns how many members earned.
    pub fn voice_tick(&self, all: bool) -> usize {
        let now = self.clock.now();
        let guilds: Vec<GuildId> = self
            .voice
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .keys()
            .copied()
            .collect();
        let mut earned = 0;
        for guild in guilds {
            let settings = self.voice_settings(guild);
            let interval = Duration::from_secs(u64::from(settings.voice.interval_secs));
            let mut voice = self.voice.lock().unwrap_or_else(PoisonError::into_inner);
            let Some(state) = voice.get_mut(&guild) else {
                continue;
            };
            let last = *state.last_tick.get_or_insert(now);
            if !all && now.since(last) < interval {
                continue;
            }
            state.last_tick = Some(now);
            for award in state.tracker.tick(now, &settings) {
                earned += 1;
                self.buffer.award(
                    guild,
                    award.user,
                    award.xp,
                    XpSource::Voice {
                        seconds: award.seconds,
                    },
                    now,
                );
            }
            if state.tracker.is_empty() {
                voice.remove(&guild);
            }
        }
        earned
    }

    /// Writes everything pending now (what the flusher does on shutdown); returns the
    /// level-ups.
    ///
    /// # Errors
    /// [`LevelError::Storage`] when the write fails; the XP stays pending for the next flush.
    pub async fn flush(&self) -> Result<Vec<LevelUp>, LevelError> {
        let _one_writer = self.writes.lock().await;
        let batch = self.buffer.drain();
        self.write_batch(batch).await
    }

    /// Writes the guilds whose `levels.flush_interval_secs` has passed since their oldest
    /// pending XP; returns the level-ups.
    ///
    /// # Errors
    /// As [`Self::flush`].
    pub async fn flush_due(&self) -> Result<Vec<LevelUp>, LevelError> {
        let _one_writer = self.writes.lock().await;
        let now = self.clock.now();
        let batch = self.buffer.drain_due(now, |guild| {
            let seconds = self
                .config
                .cached(guild)
                .map_or(10, |settings| settings.levels.flush_interval_secs);
            Duration::from_secs(u64::from(seconds))
        });
        self.write_batch(batch).await
    }

    async fn write_batch(&self, batch: Vec<Delta>) -> Result<Vec<LevelUp>, LevelError> {
        if batch.is_empty() {
            return Ok(Vec::new());
        }
        let mut curves: HashMap<GuildId, LevelCurve> = HashMap::new();
        let mut hints = HashMap::with_capacity(batch.len());
        for delta in &batch {
            if let Entry::Vacant(slot) = curves.entry(delta.guild) {
                slot.insert(self.curve(delta.guild).await);
            }
            hints.insert((delta.guild, delta.user), delta.channel_hint);
        }
        let level_of = |guild: GuildId, xp: i64| {
            curves
                .get(&guild)
                .copied()
                .unwrap_or_default()
                .level_for(xp)
        };
        let applied = match store::apply_batch(&self.db, &batch, level_of, self.clock.now()).await {
            Ok(applied) => applied,
            Err(error) => {
                self.buffer.restore(batch);
                return Err(error.into());
            }
        };
        self.ranks.record(applied.iter().map(moved));
        Ok(applied
            .iter()
            .filter(|change| change.new_level > change.old_level)
            .map(|change| LevelUp {
                guild: change.guild,
                user: change.user,
                old_level: change.old_level,
                new_level: change.new_level,
                channel_hint: hints.get(&(change.guild, change.user)).copied().flatten(),
            })
            .collect())
    }

    /// How many members of a guild hold XP, counted in SQL.
    ///
    /// # Errors
    /// [`LevelError::Storage`] when the read fails.
    pub async fn members_with_xp(&self, guild: GuildId) -> Result<i64, LevelError> {
        Ok(super::store::count(&self.db, guild).await?)
    }

    /// A page of a guild's members by XP, highest first, read from the database.
    ///
    /// # Errors
    /// [`LevelError::Storage`] when the read fails.
    pub async fn stored_page(
        &self,
        guild: GuildId,
        offset: u64,
        limit: u32,
    ) -> Result<Vec<super::MemberXp>, LevelError> {
        Ok(super::store::page(&self.db, guild, offset, limit).await?)
    }

    /// Every member of a guild with XP, as an export reads them.
    ///
    /// # Errors
    /// [`LevelError::Storage`] when the read fails.
    pub async fn export_rows(&self, guild: GuildId) -> Result<Vec<super::MemberXp>, LevelError> {
        Ok(super::store::export(&self.db, guild).await?)
    }

    /// Where a member stands: stored XP plus pending, level and progress, and rank (from the
    /// guild's rank index once loaded; counted in SQL until then).
    ///
    /// # Errors
    /// Storage and settings errors.
    pub async fn rank_card(&self, guild: GuildId, user: UserId) -> Result<RankCard, LevelError> {
        let settings = self.settings(guild).await?;
        let stored = store::get(&self.db, guild, user).await?;
        let xp = stored
            .map_or(0, |stored| stored.xp)
            .saturating_add(self.buffer.pending_xp(guild, user))
            .min(MAX_XP);
        let rank = if stored.is_none() && xp == 0 {
            None
        } else {
            Some(self.ahead_of(guild, user, xp).await? + 1)
        };
        Ok(RankCard {
            guild,
            user,
            xp,
            progress: settings.levels.curve.progress(xp),
            rank,
            messages: stored.map_or(0, |stored| stored.messages),
            voice_seconds: stored.map_or(0, |stored| stored.voice_seconds),
        })
    }

    /// A stored member's rank (1 is the top); `None` without stored XP.
    ///
    /// # Errors
    /// Storage errors.
    pub async fn rank(&self, guild: GuildId, user: UserId) -> Result<Option<u64>, LevelError> {
        let Some(stored) = store::get(&self.db, guild, user).await? else {
            return Ok(None);
        };
        Ok(Some(self.ahead_of(guild, user, stored.xp).await? + 1))
    }

    /// Members ahead of `(xp, user)`: from the index, or counted in SQL while it loads.
    async fn ahead_of(&self, guild: GuildId, user: UserId, xp: i64) -> Result<u64, LevelError> {
        let now = self.clock.now();
        let (answer, start_load) = self
            .ranks
            .read(guild, now, |index| index.ahead_of(xp, user));
        if start_load {
            self.ranks.spawn_load(guild, now);
        }
        match answer {
            Some(ahead) => Ok(u64::try_from(ahead).unwrap_or(u64::MAX)),
            None => {
                let ahead = store::ahead_of(&self.db, guild, user, xp).await?;
                Ok(u64::try_from(ahead).unwrap_or(0))
            }
        }
    }

    /// Loads the guild's rank index now (a warm-up, and for tests).
    ///
    /// # Errors
    /// Storage errors.
    pub async fn load_ranks(&self, guild: GuildId) -> Result<(), LevelError> {
        Ok(self.ranks.load(guild, self.clock.now()).await?)
    }

    /// How many members the guild's loaded rank index holds; `None` when it is not loaded.
    pub fn rank_index_len(&self, guild: GuildId) -> Option<usize> {
        self.ranks.loaded_len(guild)
    }

    /// A page of the leaderboard (at most [`MAX_PAGE`] members): most XP first, ties by user
    /// id. Deep pages seek from the rank index once it is loaded.
    ///
    /// # Errors
    /// Storage and settings errors.
    pub async fn leaderboard(
        &self,
        guild: GuildId,
        offset: u64,
        limit: u32,
    ) -> Result<Vec<LeaderboardEntry>, LevelError> {
        let settings = self.settings(guild).await?;
        let limit = limit.clamp(1, MAX_PAGE);
        let mut members = None;
        if offset > SHALLOW_OFFSET {
            let now = self.clock.now();
            let position = usize::try_from(offset).unwrap_or(usize::MAX);
            let (start, start_load) = self.ranks.read(guild, now, |index| index.nth(position));
            if start_load {
                self.ranks.spawn_load(guild, now);
            }
            match start {
                Some(Some((xp, user))) => {
                    members = Some(store::page_from(&self.db, guild, xp, user, limit).await?);
                }
                Some(None) => members = Some(Vec::new()),
                None => {}
            }
        }
        let members = match members {
            Some(members) => members,
            None => store::page(&self.db, guild, offset, limit).await?,
        };
        let curve = settings.levels.curve;
        Ok(members
            .into_iter()
            .zip(offset + 1..)
            .map(|(member, rank)| LeaderboardEntry {
                rank,
                user: member.user,
                xp: member.xp,
                level: curve.level_for(member.xp),
                messages: member.messages,
                voice_seconds: member.voice_seconds,
            })
            .collect())
    }

    /// A member's level now (stored XP plus pending) under the guild's curve.
    ///
    /// # Errors
    /// Storage and settings errors.
    pub async fn level(&self, guild: GuildId, user: UserId) -> Result<u32, LevelError> {
        let settings = self.settings(guild).await?;
        let stored = store::get(&self.db, guild, user)
            .await?
            .map_or(0, |stored| stored.xp);
        let xp = stored.saturating_add(self.buffer.pending_xp(guild, user));
        Ok(settings.levels.curve.level_for(xp))
    }

    /// The reward roles to give a member who rejoined (or whose roles must be checked): those
    /// of their level, with the reward mode applied. Nothing while levels are off.
    ///
    /// # Errors
    /// Storage and settings errors.
    pub async fn rejoin_effects(
        &self,
        guild: GuildId,
        user: UserId,
        member_roles: &[RoleId],
    ) -> Result<Vec<Effect>, LevelError> {
        let settings = self.settings(guild).await?;
        if !settings.features.levels || settings.levels.rewards.is_empty() {
            return Ok(Vec::new());
        }
        let level = self.level(guild, user).await?;
        Ok(reward_effects(
            &settings.levels,
            guild,
            user,
            level,
            member_roles,
        ))
    }

    /// Gives a member `amount` XP (1 to [`MAX_XP`]), written at once.
    ///
    /// # Errors
    /// [`LevelError::Invalid`] for an amount out of range; storage and settings errors.
    pub async fn give(
        &self,
        guild: GuildId,
        user: UserId,
        amount: i64,
    ) -> Result<Applied, LevelError> {
        check_amount(amount)?;
        self.add(guild, user, amount).await
    }

    /// Takes `amount` XP (1 to [`MAX_XP`]) from a member, never below 0, written at once.
    ///
    /// # Errors
    /// As [`Self::give`].
    pub async fn take(
        &self,
        guild: GuildId,
        user: UserId,
        amount: i64,
    ) -> Result<Applied, LevelError> {
        check_amount(amount)?;
        self.add(guild, user, -amount).await
    }

    async fn add(&self, guild: GuildId, user: UserId, amount: i64) -> Result<Applied, LevelError> {
        let curve = self.settings(guild).await?.levels.curve;
        let _one_writer = self.writes.lock().await;
        let delta = Delta {
            guild,
            user,
            xp: amount,
            messages: 0,
            voice_seconds: 0,
            channel_hint: None,
        };
        let applied = store::apply_batch(
            &self.db,
            &[delta],
            |_, xp| curve.level_for(xp),
            self.clock.now(),
        )
        .await?;
        let change = applied
            .into_iter()
            .next()
            .ok_or_else(|| DbError::Corrupt("adding XP wrote no row".into()))?;
        self.after_admin_write(guild, &[change]).await;
        Ok(change)
    }

    /// Sets a member's XP (0 to [`MAX_XP`]), written at once; their pending XP is dropped.
    ///
    /// # Errors
    /// [`LevelError::Invalid`] for XP out of range; storage and settings errors.
    pub async fn set(&self, guild: GuildId, user: UserId, xp: i64) -> Result<Applied, LevelError> {
        if !(0..=MAX_XP).contains(&xp) {
            return Err(LevelError::Invalid(format!(
                "XP must be between 0 and {MAX_XP}, got {xp}"
            )));
        }
        let curve = self.settings(guild).await?.levels.curve;
        let _one_writer = self.writes.lock().await;
        self.buffer.discard(guild, Some(user));
        let change = store::set_xp(
            &self.db,
            guild,
            user,
            xp,
            |xp| curve.level_for(xp),
            self.clock.now(),
        )
        .await?;
        self.after_admin_write(guild, &[change]).await;
        Ok(change)
    }

    /// Deletes the XP of one member or of the whole guild (pending XP included); returns how
    /// many members were reset.
    ///
    /// # Errors
    /// Storage errors.
    pub async fn reset(&self, guild: GuildId, scope: ResetScope) -> Result<usize, LevelError> {
        let _one_writer = self.writes.lock().await;
        let user = match scope {
            ResetScope::Member(user) => Some(user),
            ResetScope::All => None,
        };
        self.buffer.discard(guild, user);
        let deleted = store::reset(&self.db, guild, scope).await?;
        match scope {
            ResetScope::Member(_) => self.ranks.record(deleted.iter().map(|(user, xp)| {
                (
                    guild,
                    Move {
                        user: *user,
                        old: Some(*xp),
                        new: None,
                    },
                )
            })),
            ResetScope::All => self.ranks.invalidate(guild),
        }
        self.announce(guild).await;
        Ok(deleted.len())
    }

    /// What importing `text` would do, without writing: rows, new and changed members, the
    /// guild's total XP before and after, and every bad line.
    ///
    /// # Errors
    /// Storage errors.
    pub async fn import_dry_run(
        &self,
        guild: GuildId,
        text: &str,
        mode: ImportMode,
    ) -> Result<ImportSummary, LevelError> {
        let parsed = csv::parse(text);
        self.summarize(guild, &parsed, mode).await
    }

    async fn summarize(
        &self,
        guild: GuildId,
        parsed: &ParsedCsv,
        mode: ImportMode,
    ) -> Result<ImportSummary, LevelError> {
        let current: HashMap<UserId, i64> = store::export(&self.db, guild)
            .await?
            .into_iter()
            .map(|member| (member.user, member.xp))
            .collect();
        Ok(csv::summarize(parsed, &current, mode))
    }

    /// Imports `text` in one transaction: every listed member's XP is set (replace) or added
    /// to (add), with levels recomputed; unlisted members are untouched. A file with any bad
    /// line imports nothing.
    ///
    /// # Errors
    /// [`LevelError::ImportRefused`] with the summary and the bad lines; storage and settings
    /// errors.
    pub async fn import(
        &self,
        guild: GuildId,
        text: &str,
        mode: ImportMode,
    ) -> Result<ImportOutcome, LevelError> {
        let curve = self.settings(guild).await?.levels.curve;
        let parsed = csv::parse(text);
        let _one_writer = self.writes.lock().await;
        let summary = self.summarize(guild, &parsed, mode).await?;
        if !parsed.is_ok() {
            return Err(LevelError::ImportRefused(Box::new(summary)));
        }
        let changes = store::import(
            &self.db,
            guild,
            &parsed.members(),
            mode,
            |xp| curve.level_for(xp),
            self.clock.now(),
        )
        .await?;
        self.after_admin_write(guild, &changes).await;
        Ok(ImportOutcome { summary, changes })
    }

    /// The guild's levels as CSV (`user_id,xp,level,messages,voice_seconds`), in leaderboard
    /// order, levels under the current curve. XP still pending in memory (at most one flush
    /// interval's) is not included.
    ///
    /// # Errors
    /// Storage and settings errors.
    pub async fn export_csv(&self, guild: GuildId) -> Result<String, LevelError> {
        let curve = self.settings(guild).await?.levels.curve;
        let members: Vec<MemberXp> = store::export(&self.db, guild).await?;
        Ok(csv::export(&members, &curve))
    }

    async fn after_admin_write(&self, guild: GuildId, changes: &[Applied]) {
        self.ranks.record(changes.iter().map(moved));
        self.announce(guild).await;
    }

    /// Tells other processes the guild's XP changed outside their flushes.
    async fn announce(&self, guild: GuildId) {
        let message = Announcement {
            guild,
            origin: self.origin,
        };
        let Ok(text) = serde_json::to_string(&message) else {
            return;
        };
        if let Err(error) = self.coordination.publish(TOPIC, &text).await {
            tracing::warn!(%guild, %error, "levels: could not announce a change; other processes see it within their rank index's age");
        }
    }

    fn on_announcement(&self, text: &str) {
        match serde_json::from_str::<Announcement>(text) {
            Ok(message) if message.origin != self.origin => self.ranks.invalidate(message.guild),
            Ok(_) => {}
            Err(error) => tracing::debug!(%error, "levels: ignored a malformed announcement"),
        }
    }

    /// Starts the background flusher the bot runtime runs: every `every` (use [`FLUSH_TICK`])
    /// it turns voice time into XP, writes the guilds that are due and sends their level-ups
    /// to `level_ups` (for [`super::level_up_effects`]), drops idle rank indexes, and listens
    /// for other processes' changes. When `shutdown` is cancelled it settles voice, writes
    /// everything pending, sends those level-ups if the receiver still has room, and ends;
    /// await the handle to be sure.
    pub fn run_flusher(
        self: &Arc<Self>,
        every: Duration,
        shutdown: CancellationToken,
        level_ups: mpsc::Sender<LevelUp>,
    ) -> JoinHandle<()> {
        let service = Arc::clone(self);
        tokio::spawn(async move {
            let mut changes = match service.coordination.subscribe(TOPIC).await {
                Ok(subscription) => Some(subscription),
                Err(error) => {
                    tracing::warn!(%error, "levels: cannot subscribe to changes from other processes");
                    None
                }
            };
            let mut ticker = tokio::time::interval(every);
            ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                let next_change = async {
                    match changes.as_mut() {
                        Some(subscription) => subscription.recv().await,
                        None => std::future::pending().await,
                    }
                };
                tokio::select! {
                    () = shutdown.cancelled() => break,
                    change = next_change => match change {
                        Some(text) => service.on_announcement(&text),
                        None => changes = None,
                    },
                    _ = ticker.tick() => {
                        service.voice_tick(false);
                        match service.flush_due().await {
                            Ok(ups) => {
                                for up in ups {
                                    if level_ups.send(up).await.is_err() {
                                        break;
                                    }
                                }
                            }
                            Err(error) => tracing::warn!(
                                %error,
                                pending = service.buffer.pending_members(),
                                "levels: could not write XP; will retry"
                            ),
                        }
                        service.ranks.evict_idle(service.clock.now());
                    }
                }
            }
            service.voice_tick(true);
            match service.flush().await {
                Ok(ups) => {
                    for up in ups {
                        if level_ups.try_send(up).is_err() {
                            break;
                        }
                    }
                }
                Err(error) => tracing::warn!(
                    %error,
                    lost = service.buffer.pending_members(),
                    "levels: could not write the last XP before stopping"
                ),
            }
        })
    }
}

/// Levels for role panels (and anything else that requires a level): `None` while the guild
/// does not track levels, the member's level (pending XP included) otherwise.
#[async_trait::async_trait]
impl crate::roles::MemberLevels for LevelService {
    async fn level(&self, guild: GuildId, user: UserId) -> Option<u32> {
        match self.settings(guild).await {
            Ok(settings) if settings.features.levels => {}
            Ok(_) => return None,
            Err(error) => {
                tracing::warn!(%guild, %error, "levels: cannot read settings for a level check");
                return None;
            }
        }
        match LevelService::level(self, guild, user).await {
            Ok(level) => Some(level),
            Err(error) => {
                tracing::warn!(%guild, %user, %error, "levels: cannot read a member's level");
                None
            }
        }
    }
}

fn moved(change: &Applied) -> (GuildId, Move) {
    (
        change.guild,
        Move {
            user: change.user,
            old: (!change.created).then_some(change.old_xp),
            new: Some(change.new_xp),
        },
    )
}

fn check_amount(amount: i64) -> Result<(), LevelError> {
    if (1..=MAX_XP).contains(&amount) {
        Ok(())
    } else {
        Err(LevelError::Invalid(format!(
            "the amount must be between 1 and {MAX_XP} XP, got {amount}"
        )))
    }
}
