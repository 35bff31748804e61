//! The hot path of levels: deciding a message's XP ([`message_xp`], pure) and adding it to an
//! in-memory pending delta ([`XpBuffer`], a mutex held for a map update; no await, no
//! database). The service drains the buffer into the database in batches, so a crash loses at
//! most one flush interval of XP (`levels.flush_interval_secs`, 10 s by default).

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use super::settings::LevelSettings;
use crate::clock::UnixMillis;
use crate::ids::{ChannelId, GuildId, RoleId, UserId};

/// What one message looks like to the XP rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MessageFacts<'a> {
    /// The guild.
    pub guild: GuildId,
    /// The author.
    pub user: UserId,
    /// The channel (or thread) written in.
    pub channel: ChannelId,
    /// The thread's parent channel, when `channel` is a thread.
    pub parent: Option<ChannelId>,
    /// The author's roles.
    pub roles: &'a [RoleId],
    /// The author is a bot (or a webhook).
    pub is_bot: bool,
    /// Automod caught the message (it is being deleted or punished).
    pub caught_by_automod: bool,
}

/// The XP a message earns under `settings`, before the cooldown: `None` for bots, messages
/// automod caught, no-XP channels (a thread follows its parent) and members with a no-XP role;
/// otherwise `roll` (clamped into `xp_min..=xp_max`) times the multiplier, rounded down, and
/// `None` when that is 0.
pub fn message_xp(settings: &LevelSettings, facts: &MessageFacts<'_>, roll: u32) -> Option<u32> {
    if facts.is_bot || facts.caught_by_automod {
        return None;
    }
    if settings.is_no_xp_channel(facts.channel, facts.parent)
        || facts
            .roles
            .iter()
            .any(|role| settings.no_xp_roles.contains(role))
    {
        return None;
    }
    let base = roll.clamp(settings.xp_min, settings.xp_max.max(settings.xp_min));
    let percent = settings.multiplier_percent(facts.roles, facts.channel, facts.parent);
    let xp = u64::from(base) * u64::from(percent) / 100;
    u32::try_from(xp).ok().filter(|xp| *xp > 0)
}

/// A uniform roll in `xp_min..=xp_max` from a random number.
pub fn roll(settings: &LevelSettings, random: u64) -> u32 {
    let span = u64::from(settings.xp_max.saturating_sub(settings.xp_min)) + 1;
    // The span is at most 1,001, so the remainder fits and the bias is below 10⁻¹⁵.
    settings.xp_min + u32::try_from(random % span).unwrap_or(0)
}

/// Where XP came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum XpSource {
    /// A message in this channel (where a level-up can be announced).
    Message {
        /// The channel written in.
        channel: ChannelId,
    },
    /// Time in voice.
    Voice {
        /// Eligible seconds.
        seconds: u32,
    },
}

/// A member's XP and activity not yet written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delta {
    /// The guild.
    pub guild: GuildId,
    /// The member.
    pub user: UserId,
    /// XP to add (negative only for an admin's take).
    pub xp: i64,
    /// Messages that earned XP.
    pub messages: i64,
    /// Seconds of eligible voice time.
    pub voice_seconds: i64,
    /// The last channel a message earned XP in, for a `same_channel` announcement.
    pub channel_hint: Option<ChannelId>,
}

#[derive(Debug, Clone, Copy, Default)]
struct Pending {
    xp: i64,
    messages: i64,
    voice_seconds: i64,
    channel_hint: Option<ChannelId>,
}

impl Pending {
    fn add(&mut self, other: Self) {
        self.xp = self.xp.saturating_add(other.xp);
        self.messages = self.messages.saturating_add(other.messages);
        self.voice_seconds = self.voice_seconds.saturating_add(other.voice_seconds);
        if other.channel_hint.is_some() {
            self.channel_hint = other.channel_hint;
        }
    }
}

#[derive(Debug)]
struct GuildPending {
    /// When the oldest pending XP arrived: the guild is due once its flush interval has passed
    /// since then.
    since: UnixMillis,
    members: HashMap<UserId, Pending>,
}

/// Shards of the buffer: a guild's members all live in one, so the message paths of different
/// guilds rarely wait on the same mutex.
const SHARDS: usize = 16;

/// Pending XP per guild and member, in memory.
#[derive(Debug)]
pub struct XpBuffer {
    shards: Box<[Mutex<HashMap<GuildId, GuildPending>>]>,
}

impl Default for XpBuffer {
    fn default() -> Self {
        Self::new()
    }
}

impl XpBuffer {
    /// An empty buffer.
    pub fn new() -> Self {
        Self {
            shards: (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect(),
        }
    }

    fn shard(&self, guild: GuildId) -> MutexGuard<'_, HashMap<GuildId, GuildPending>> {
        // Snowflakes' low bits are a per-process counter; mixing spreads them evenly.
        let mixed = guild.get().wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 60;
        let index = usize::try_from(mixed).unwrap_or(0) % SHARDS;
        // A poisoned lock only means a panic mid-update of plain counters; the map stays usable.
        self.shards[index]
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn all_shards(&self) -> impl Iterator<Item = MutexGuard<'_, HashMap<GuildId, GuildPending>>> {
        self.shards
            .iter()
            .map(|shard| shard.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// Adds `xp` to a member's pending delta, counting the message or the voice seconds.
    pub fn award(&self, guild: GuildId, user: UserId, xp: u32, source: XpSource, now: UnixMillis) {
        let pending = match source {
            XpSource::Message { channel } => Pending {
                xp: i64::from(xp),
                messages: 1,
                voice_seconds: 0,
                channel_hint: Some(channel),
            },
            XpSource::Voice { seconds } => Pending {
                xp: i64::from(xp),
                messages: 0,
                voice_seconds: i64::from(seconds),
                channel_hint: None,
            },
        };
        self.add(guild, user, pending, now);
    }

    fn add(&self, guild: GuildId, user: UserId, pending: Pending, since: UnixMillis) {
        let mut shard = self.shard(guild);
        let entry = shard.entry(guild).or_insert_with(|| GuildPending {
            since,
            members: HashMap::new(),
        });
        entry.since = entry.since.min(since);
        entry.members.entry(user).or_default().add(pending);
    }

    /// The XP a member has waiting to be written.
    pub fn pending_xp(&self, guild: GuildId, user: UserId) -> i64 {
        self.shard(guild)
            .get(&guild)
            .and_then(|pending| pending.members.get(&user))
            .map_or(0, |pending| pending.xp)
    }

    /// How many members have something waiting, across guilds.
    pub fn pending_members(&self) -> usize {
        self.all_shards()
            .map(|shard| {
                shard
                    .values()
                    .map(|guild| guild.members.len())
                    .sum::<usize>()
            })
            .sum()
    }

    /// Takes everything pending: what a flush writes (and the last flush on shutdown).
    pub fn drain(&self) -> Vec<Delta> {
        self.drain_where(|_, _| true)
    }

    /// Takes the pending XP of the guilds whose oldest pending XP is at least their flush
    /// interval (`interval_of(guild)`) old.
    pub fn drain_due(
        &self,
        now: UnixMillis,
        interval_of: impl Fn(GuildId) -> Duration,
    ) -> Vec<Delta> {
        self.drain_where(|guild, pending| now.since(pending.since) >= interval_of(guild))
    }

    fn drain_where(&self, due: impl Fn(GuildId, &GuildPending) -> bool) -> Vec<Delta> {
        let mut deltas = Vec::new();
        for mut shard in self.all_shards() {
            let guilds: Vec<GuildId> = shard
                .iter()
                .filter(|(guild, pending)| due(**guild, pending))
                .map(|(guild, _)| *guild)
                .collect();
            for guild in guilds {
                let Some(pending) = shard.remove(&guild) else {
                    continue;
                };
                deltas.extend(pending.members.into_iter().map(|(user, pending)| Delta {
                    guild,
                    user,
                    xp: pending.xp,
                    messages: pending.messages,
                    voice_seconds: pending.voice_seconds,
                    channel_hint: pending.channel_hint,
                }));
            }
        }
        deltas
    }

    /// Puts a batch that could not be written back, merged with whatever arrived since; it is
    /// due at once.
    pub fn restore(&self, batch: Vec<Delta>) {
        for delta in batch {
            self.add(
                delta.guild,
                delta.user,
                Pending {
                    xp: delta.xp,
                    messages: delta.messages,
                    voice_seconds: delta.voice_seconds,
                    channel_hint: delta.channel_hint,
                },
                UnixMillis(i64::MIN),
            );
        }
    }

    /// Drops pending XP: one member's, or the whole guild's (`None`); used when an admin sets
    /// or resets XP, so the old pending XP is not added on top.
    pub fn discard(&self, guild: GuildId, user: Option<UserId>) {
        let mut shard = self.shard(guild);
        match user {
            None => {
                shard.remove(&guild);
            }
            Some(user) => {
                if let Entry::Occupied(mut entry) = shard.entry(guild) {
                    entry.get_mut().members.remove(&user);
                    if entry.get().members.is_empty() {
                        entry.remove();
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::levels::settings::{ChannelMultiplier, RoleMultiplier};

    const GUILD: GuildId = GuildId::new(1);
    const GENERAL: ChannelId = ChannelId::new(10);
    const MEMBER: RoleId = RoleId::new(20);
    const BOOSTER: RoleId = RoleId::new(21);
    const MUTED: RoleId = RoleId::new(22);

    fn settings() -> LevelSettings {
        LevelSettings {
            role_multipliers: vec![
                RoleMultiplier {
                    role: BOOSTER,
                    percent: 200,
                },
                RoleMultiplier {
                    role: MEMBER,
                    percent: 150,
                },
            ],
            channel_multipliers: vec![
                ChannelMultiplier {
                    channel: ChannelId::new(11),
                    percent: 50,
                },
                ChannelMultiplier {
                    channel: ChannelId::new(12),
                    percent: 0,
                },
            ],
            no_xp_channels: vec![ChannelId::new(13)],
            no_xp_roles: vec![MUTED],
            ..LevelSettings::default()
        }
    }

    fn check(
        roles: &[RoleId],
        channel: u64,
        parent: Option<u64>,
        is_bot: bool,
        caught: bool,
        roll: u32,
    ) -> Option<u32> {
        let facts = MessageFacts {
            guild: GUILD,
            user: UserId::new(5),
            channel: ChannelId::new(channel),
            parent: parent.map(ChannelId::new),
            roles,
            is_bot,
            caught_by_automod: caught,
        };
        message_xp(&settings(), &facts, roll)
    }

    #[test]
    fn message_xp_follows_each_rule() {
        // (name, roles, channel, thread parent, bot, caught by automod, roll, XP)
        type Case = (
            &'static str,
            &'static [RoleId],
            u64,
            Option<u64>,
            bool,
            bool,
            u32,
            Option<u32>,
        );
        let cases: [Case; 13] = [
            ("plain", &[], 10, None, false, false, 20, Some(20)),
            ("roll clamped up", &[], 10, None, false, false, 1, Some(15)),
            (
                "roll clamped down",
                &[],
                10,
                None,
                false,
                false,
                99,
                Some(25),
            ),
            ("bot", &[], 10, None, true, false, 20, None),
            ("caught by automod", &[], 10, None, false, true, 20, None),
            ("no-xp channel", &[], 13, None, false, false, 20, None),
            (
                "thread of a no-xp channel",
                &[],
                99,
                Some(13),
                false,
                false,
                20,
                None,
            ),
            (
                "no-xp role wins over a boost",
                &[BOOSTER, MUTED],
                10,
                None,
                false,
                false,
                20,
                None,
            ),
            (
                "highest role wins",
                &[MEMBER, BOOSTER],
                10,
                None,
                false,
                false,
                20,
                Some(40),
            ),
            ("role 150%", &[MEMBER], 10, None, false, false, 15, Some(22)),
            ("channel halves", &[], 11, None, false, false, 25, Some(12)),
            (
                "role and channel multiply",
                &[BOOSTER],
                11,
                None,
                false,
                false,
                20,
                Some(20),
            ),
            (
                "0% channel earns nothing",
                &[BOOSTER],
                12,
                None,
                false,
                false,
                20,
                None,
            ),
        ];
        for (name, roles, channel, parent, is_bot, caught, roll, expected) in cases {
            assert_eq!(
                check(roles, channel, parent, is_bot, caught, roll),
                expected,
                "{name}"
            );
        }
    }

    #[test]
    fn rolls_cover_the_range() {
        let settings = LevelSettings::default();
        let rolls: std::collections::BTreeSet<u32> =
            (0..200u64).map(|random| roll(&settings, random)).collect();
        assert_eq!(rolls, (15..=25).collect());
        let fixed = LevelSettings {
            xp_min: 7,
            xp_max: 7,
            ..LevelSettings::default()
        };
        assert_eq!(roll(&fixed, u64::MAX), 7);
    }

    #[test]
    fn the_buffer_sums_per_member_and_drains_everything() {
        let buffer = XpBuffer::new();
        let (alice, bob) = (UserId::new(1), UserId::new(2));
        let other = GuildId::new(2);
        let now = UnixMillis(1_000);
        buffer.award(
            GUILD,
            alice,
            20,
            XpSource::Message { channel: GENERAL },
            now,
        );
        buffer.award(GUILD, alice, 5, XpSource::Voice { seconds: 60 }, now);
        buffer.award(
            GUILD,
            alice,
            15,
            XpSource::Message {
                channel: ChannelId::new(11),
            },
            now,
        );
        buffer.award(GUILD, bob, 18, XpSource::Message { channel: GENERAL }, now);
        buffer.award(
            other,
            alice,
            16,
            XpSource::Message { channel: GENERAL },
            now,
        );
        assert_eq!(buffer.pending_xp(GUILD, alice), 40);
        assert_eq!(buffer.pending_xp(other, alice), 16);
        assert_eq!(buffer.pending_xp(other, bob), 0);
        assert_eq!(buffer.pending_members(), 3);
        let mut drained = buffer.drain();
        drained.sort_by_key(|delta| (delta.guild, delta.user));
        assert_eq!(
            drained[0],
            Delta {
                guild: GUILD,
                user: alice,
                xp: 40,
                messages: 2,
                voice_seconds: 60,
                channel_hint: Some(ChannelId::new(11)),
            }
        );
        assert_eq!(drained.len(), 3);
        assert_eq!(buffer.pending_members(), 0);
        assert!(buffer.drain().is_empty());
    }

    #[test]
    fn guilds_are_due_after_their_own_interval_and_failed_batches_come_back() {
        let buffer = XpBuffer::new();
        let slow = GuildId::new(2);
        let user = UserId::new(1);
        buffer.award(
            GUILD,
            user,
            10,
            XpSource::Message { channel: GENERAL },
            UnixMillis(0),
        );
        buffer.award(
            slow,
            user,
            10,
            XpSource::Message { channel: GENERAL },
            UnixMillis(0),
        );
        // A later award does not push the guild's due time back.
        buffer.award(
            GUILD,
            user,
            10,
            XpSource::Message { channel: GENERAL },
            UnixMillis(9_000),
        );
        let interval = |guild: GuildId| Duration::from_secs(if guild == slow { 60 } else { 10 });
        assert!(buffer.drain_due(UnixMillis(9_999), interval).is_empty());
        let due = buffer.drain_due(UnixMillis(10_000), interval);
        assert_eq!(due.len(), 1);
        assert_eq!((due[0].guild, due[0].xp), (GUILD, 20));
        assert_eq!(buffer.pending_xp(slow, user), 10);

        // The write failed: the batch is back, merged with what arrived since, and due at once.
        buffer.award(
            GUILD,
            user,
            3,
            XpSource::Message { channel: GENERAL },
            UnixMillis(10_500),
        );
        buffer.restore(due);
        assert_eq!(buffer.pending_xp(GUILD, user), 23);
        let again = buffer.drain_due(UnixMillis(10_600), interval);
        assert_eq!(again.len(), 1);
        assert_eq!(again[0].messages, 3);
    }

    #[test]
    fn discard_drops_a_member_or_a_guild() {
        let buffer = XpBuffer::new();
        let now = UnixMillis(0);
        for user in 1..=3 {
            buffer.award(
                GUILD,
                UserId::new(user),
                10,
                XpSource::Message { channel: GENERAL },
                now,
            );
        }
        buffer.discard(GUILD, Some(UserId::new(1)));
        assert_eq!(buffer.pending_xp(GUILD, UserId::new(1)), 0);
        assert_eq!(buffer.pending_members(), 2);
        buffer.discard(GUILD, None);
        assert_eq!(buffer.pending_members(), 0);
    }
}
