//! `LevelSettings`: how members earn XP, what a level costs, and what reaching one does.
//!
//! The type and its checks live here; `section.rs` registers it as the `levels` section of a
//! guild's settings.

use serde::{Deserialize, Serialize};

use super::curve::{LevelCurve, MAX_LEVEL};
use crate::guild_config::sections::FieldError;
use crate::ids::{ChannelId, RoleId};

/// The most XP one message may earn before multipliers.
pub const MAX_XP_PER_MESSAGE: u32 = 1_000;
/// The longest per-member cooldown between two messages that earn XP: one hour.
pub const MAX_COOLDOWN_SECS: u32 = 3_600;
/// The largest multiplier, in percent (10×).
pub const MAX_PERCENT: u32 = 1_000;
/// The most role or channel multipliers a guild may set (each list).
pub const MAX_MULTIPLIERS: usize = 50;
/// The most no-XP channels or roles a guild may list (each list).
pub const MAX_NO_XP: usize = 100;
/// The most role rewards.
pub const MAX_REWARDS: usize = 50;
/// The longest announcement template, in characters.
pub const MAX_TEMPLATE_CHARS: usize = 500;
/// The placeholders an announcement template may use.
pub const PLACEHOLDERS: &[&str] = &["user", "level", "server"];
/// The shortest and longest write-behind interval, in seconds.
pub const FLUSH_INTERVAL_RANGE: std::ops::RangeInclusive<u32> = 1..=300;
/// The shortest and longest voice accrual interval, in seconds.
pub const VOICE_INTERVAL_RANGE: std::ops::RangeInclusive<u32> = 5..=3_600;
/// The longest voice session cap: one day (0 = no cap).
pub const MAX_SESSION_MINUTES: u32 = 1_440;
/// The most voice XP per minute.
pub const MAX_VOICE_XP_PER_MINUTE: u32 = 1_000;

/// A role whose members earn more (or less) XP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleMultiplier {
    /// The role.
    pub role: RoleId,
    /// XP in percent of the normal amount: 0 to 1000 (200 doubles, 50 halves, 0 stops XP).
    pub percent: u32,
}

/// A channel where messages earn more (or less) XP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChannelMultiplier {
    /// The channel (a thread takes its parent's multiplier unless it has its own).
    pub channel: ChannelId,
    /// XP in percent of the normal amount: 0 to 1000.
    pub percent: u32,
}

/// Where level-ups are announced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AnnounceMode {
    /// Not announced.
    Off,
    /// In `announce.channel`.
    Channel,
    /// In a direct message to the member.
    Dm,
    /// In the channel of the message that earned the level (voice level-ups go to
    /// `announce.channel` when set, and are not announced otherwise).
    #[default]
    SameChannel,
}

/// How level-ups are announced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Announce {
    /// Off, a fixed channel, a direct message, or the channel the member wrote in.
    pub mode: AnnounceMode,
    /// The channel for `channel` mode (and for voice level-ups in `same_channel` mode).
    pub channel: Option<ChannelId>,
    /// The message; `{user}` mentions the member, `{level}` is the new level, `{server}` the
    /// server's name.
    pub template: String,
}

impl Default for Announce {
    fn default() -> Self {
        Self {
            mode: AnnounceMode::SameChannel,
            channel: None,
            template: "{user} reached level {level}!".into(),
        }
    }
}

/// A role given at a level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reward {
    /// The level that earns it (1 to 1000).
    pub level: u32,
    /// The role.
    pub role: RoleId,
}

/// What happens to earlier reward roles when a member reaches a new one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RewardMode {
    /// Members keep every reward role they reached.
    #[default]
    Stack,
    /// Members keep only the highest reward role they reached.
    Replace,
}

/// Voice XP: earned by time in voice while unmuted, undeafened and not alone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct VoiceSettings {
    /// Whether time in voice earns XP.
    pub enabled: bool,
    /// XP per minute of eligible time.
    pub xp_per_minute: u32,
    /// How often eligible time is turned into XP, in seconds (5 to 3600).
    pub interval_secs: u32,
    /// The most minutes one continuous session (join to leave) earns XP for (0 = no cap).
    pub max_minutes_per_session: u32,
    /// The AFK channel: time there earns nothing.
    pub afk_channel: Option<ChannelId>,
}

impl Default for VoiceSettings {
    fn default() -> Self {
        Self {
            enabled: false,
            xp_per_minute: 5,
            interval_secs: 60,
            max_minutes_per_session: 240,
            afk_channel: None,
        }
    }
}

/// `levels`: text and voice XP, the level curve, announcements and role rewards.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LevelSettings {
    /// The least XP one message earns (before multipliers).
    pub xp_min: u32,
    /// The most XP one message earns (before multipliers), at most 1000.
    pub xp_max: u32,
    /// After a message earns XP, the member's next messages earn nothing for this many seconds
    /// (0 to 3600).
    pub cooldown_secs: u32,
    /// What each level costs.
    pub curve: LevelCurve,
    /// Roles whose members earn a different amount; the highest applying percent wins.
    pub role_multipliers: Vec<RoleMultiplier>,
    /// Channels whose messages earn a different amount (applied on top of the role's).
    pub channel_multipliers: Vec<ChannelMultiplier>,
    /// Channels where messages (and voice time) earn nothing; threads follow their parent.
    pub no_xp_channels: Vec<ChannelId>,
    /// Members with any of these roles earn nothing from messages.
    pub no_xp_roles: Vec<RoleId>,
    /// How level-ups are announced.
    pub announce: Announce,
    /// Roles given at levels, sorted by level.
    pub rewards: Vec<Reward>,
    /// Keep every reward role reached, or only the highest.
    pub reward_mode: RewardMode,
    /// Voice XP.
    pub voice: VoiceSettings,
    /// XP is kept in memory and written every this many seconds (1 to 300): the most XP a
    /// crash can lose.
    pub flush_interval_secs: u32,
    /// Whether anyone may see the guild's leaderboard on the web, without logging in.
    pub public_leaderboard: bool,
}

impl Default for LevelSettings {
    fn default() -> Self {
        Self {
            xp_min: 15,
            xp_max: 25,
            cooldown_secs: 60,
            curve: LevelCurve::default(),
            role_multipliers: Vec::new(),
            channel_multipliers: Vec::new(),
            no_xp_channels: Vec::new(),
            no_xp_roles: Vec::new(),
            announce: Announce::default(),
            rewards: Vec::new(),
            reward_mode: RewardMode::Stack,
            voice: VoiceSettings::default(),
            flush_interval_secs: 10,
            public_leaderboard: false,
        }
    }
}

fn error(field: &'static str, message: impl Into<String>) -> Result<(), FieldError> {
    Err(FieldError {
        field,
        message: message.into(),
    })
}

impl LevelSettings {
    /// Checks what serde cannot: ranges, list sizes, duplicates, the template's placeholders,
    /// the announcement channel, and the order of rewards.
    ///
    /// # Errors
    /// The first [`FieldError`] found; its message reads after the key ("must be ...").
    pub fn check(&self) -> Result<(), FieldError> {
        if self.xp_max > MAX_XP_PER_MESSAGE {
            return error(
                "xp_max",
                format!("must be at most {MAX_XP_PER_MESSAGE}, got {}", self.xp_max),
            );
        }
        if self.xp_min > self.xp_max {
            return error(
                "xp_min",
                format!(
                    "must be at most xp_max ({}), got {}",
                    self.xp_max, self.xp_min
                ),
            );
        }
        if self.cooldown_secs > MAX_COOLDOWN_SECS {
            return error(
                "cooldown_secs",
                format!(
                    "must be between 0 and {MAX_COOLDOWN_SECS} seconds, got {}",
                    self.cooldown_secs
                ),
            );
        }
        self.curve.check()?;
        check_multipliers(
            "role_multipliers",
            self.role_multipliers
                .iter()
                .map(|m| (m.role.get(), m.percent)),
            "role",
        )?;
        check_multipliers(
            "channel_multipliers",
            self.channel_multipliers
                .iter()
                .map(|m| (m.channel.get(), m.percent)),
            "channel",
        )?;
        if self.no_xp_channels.len() > MAX_NO_XP {
            return error(
                "no_xp_channels",
                format!(
                    "must list at most {MAX_NO_XP} channels, got {}",
                    self.no_xp_channels.len()
                ),
            );
        }
        if self.no_xp_roles.len() > MAX_NO_XP {
            return error(
                "no_xp_roles",
                format!(
                    "must list at most {MAX_NO_XP} roles, got {}",
                    self.no_xp_roles.len()
                ),
            );
        }
        self.check_announce()?;
        self.check_rewards()?;
        self.check_voice()?;
        if !FLUSH_INTERVAL_RANGE.contains(&self.flush_interval_secs) {
            return error(
                "flush_interval_secs",
                format!(
                    "must be between {} and {} seconds (the most XP a crash can lose), got {}",
                    FLUSH_INTERVAL_RANGE.start(),
                    FLUSH_INTERVAL_RANGE.end(),
                    self.flush_interval_secs
                ),
            );
        }
        Ok(())
    }

    fn check_announce(&self) -> Result<(), FieldError> {
        let template = &self.announce.template;
        let length = template.chars().count();
        if template.trim().is_empty() || length > MAX_TEMPLATE_CHARS {
            return error(
                "announce.template",
                format!("must be 1 to {MAX_TEMPLATE_CHARS} characters, got {length}"),
            );
        }
        if let Some(unknown) = placeholders(template).find(|name| !PLACEHOLDERS.contains(name)) {
            return error(
                "announce.template",
                format!(
                    "uses the unknown placeholder {{{unknown}}}; the placeholders are {}",
                    accepted_placeholders()
                ),
            );
        }
        if self.announce.mode == AnnounceMode::Channel && self.announce.channel.is_none() {
            return error(
                "announce.channel",
                "must be set to a channel id when announce.mode is channel",
            );
        }
        Ok(())
    }

    fn check_rewards(&self) -> Result<(), FieldError> {
        if self.rewards.len() > MAX_REWARDS {
            return error(
                "rewards",
                format!(
                    "must list at most {MAX_REWARDS} rewards, got {}",
                    self.rewards.len()
                ),
            );
        }
        for (index, reward) in self.rewards.iter().enumerate() {
            if reward.level == 0 || reward.level > MAX_LEVEL {
                return error(
                    "rewards",
                    format!(
                        "levels must be between 1 and {MAX_LEVEL}, got {}",
                        reward.level
                    ),
                );
            }
            if let Some(previous) = index.checked_sub(1).map(|at| self.rewards[at]) {
                if previous.level == reward.level {
                    return error(
                        "rewards",
                        format!(
                            "must give one role per level; level {} appears more than once",
                            reward.level
                        ),
                    );
                }
                if previous.level > reward.level {
                    return error(
                        "rewards",
                        format!(
                            "must be sorted by level; level {} comes after level {}",
                            reward.level, previous.level
                        ),
                    );
                }
            }
            if let Some(earlier) = self.rewards[..index]
                .iter()
                .find(|earlier| earlier.role == reward.role)
            {
                return error(
                    "rewards",
                    format!(
                        "must give each role at one level only; role {} is the reward of levels {} and {}",
                        reward.role, earlier.level, reward.level
                    ),
                );
            }
        }
        Ok(())
    }

    fn check_voice(&self) -> Result<(), FieldError> {
        let voice = &self.voice;
        if voice.xp_per_minute > MAX_VOICE_XP_PER_MINUTE {
            return error(
                "voice.xp_per_minute",
                format!(
                    "must be at most {MAX_VOICE_XP_PER_MINUTE}, got {}",
                    voice.xp_per_minute
                ),
            );
        }
        if !VOICE_INTERVAL_RANGE.contains(&voice.interval_secs) {
            return error(
                "voice.interval_secs",
                format!(
                    "must be between {} and {} seconds, got {}",
                    VOICE_INTERVAL_RANGE.start(),
                    VOICE_INTERVAL_RANGE.end(),
                    voice.interval_secs
                ),
            );
        }
        if voice.max_minutes_per_session > MAX_SESSION_MINUTES {
            return error(
                "voice.max_minutes_per_session",
                format!(
                    "must be at most {MAX_SESSION_MINUTES} minutes (0 = no cap), got {}",
                    voice.max_minutes_per_session
                ),
            );
        }
        Ok(())
    }

    /// The multiplier in percent for a member with `roles` writing in `channel` (whose parent
    /// is `parent` for a thread): the highest applying role percent (100 without one), times
    /// the channel's (the thread's own, else its parent's, else 100), over 100.
    pub fn multiplier_percent(
        &self,
        roles: &[RoleId],
        channel: ChannelId,
        parent: Option<ChannelId>,
    ) -> u32 {
        let role_percent = self
            .role_multipliers
            .iter()
            .filter(|multiplier| roles.contains(&multiplier.role))
            .map(|multiplier| multiplier.percent)
            .max()
            .unwrap_or(100);
        let channel_percent = self
            .channel_percent(channel)
            .or_else(|| parent.and_then(|parent| self.channel_percent(parent)))
            .unwrap_or(100);
        role_percent * channel_percent / 100
    }

    fn channel_percent(&self, channel: ChannelId) -> Option<u32> {
        self.channel_multipliers
            .iter()
            .find(|multiplier| multiplier.channel == channel)
            .map(|multiplier| multiplier.percent)
    }

    /// Whether messages in `channel` (a thread of `parent`) earn nothing.
    pub fn is_no_xp_channel(&self, channel: ChannelId, parent: Option<ChannelId>) -> bool {
        self.no_xp_channels.contains(&channel)
            || parent.is_some_and(|parent| self.no_xp_channels.contains(&parent))
    }
}

fn check_multipliers(
    field: &'static str,
    entries: impl Iterator<Item = (u64, u32)>,
    kind: &str,
) -> Result<(), FieldError> {
    let entries: Vec<(u64, u32)> = entries.collect();
    if entries.len() > MAX_MULTIPLIERS {
        return error(
            field,
            format!(
                "must list at most {MAX_MULTIPLIERS} multipliers, got {}",
                entries.len()
            ),
        );
    }
    for (index, (id, percent)) in entries.iter().enumerate() {
        if *percent > MAX_PERCENT {
            return error(
                field,
                format!(
                    "percent must be between 0 and {MAX_PERCENT} (100 = normal XP), got {percent} for {kind} {id}"
                ),
            );
        }
        if entries[..index].iter().any(|(earlier, _)| earlier == id) {
            return error(
                field,
                format!("must not list a {kind} twice; {id} appears more than once"),
            );
        }
    }
    Ok(())
}

/// The placeholder names a template uses: each `{name}` where `name` is letters, digits or
/// underscores. Other braces are plain text.
pub fn placeholders(template: &str) -> impl Iterator<Item = &str> {
    template.match_indices('{').filter_map(move |(start, _)| {
        let rest = &template[start + 1..];
        let end = rest.find('}')?;
        let name = &rest[..end];
        let is_name = !name.is_empty()
            && name
                .chars()
                .all(|character| character.is_ascii_alphanumeric() || character == '_');
        is_name.then_some(name)
    })
}

fn accepted_placeholders() -> String {
    PLACEHOLDERS
        .iter()
        .map(|name| format!("{{{name}}}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(edit: impl FnOnce(&mut LevelSettings)) -> Result<(), (&'static str, String)> {
        let mut settings = LevelSettings::default();
        edit(&mut settings);
        settings
            .check()
            .map_err(|error| (error.field, error.message))
    }

    #[test]
    fn defaults_are_valid() {
        assert_eq!(check(|_| {}), Ok(()));
    }

    #[test]
    fn rejects_with_the_field_and_what_is_accepted() {
        type Case = (fn(&mut LevelSettings), &'static str, &'static str);
        let cases: Vec<Case> = vec![
            (|s| s.xp_max = 1_001, "xp_max", "at most 1000, got 1001"),
            (
                |s| s.xp_min = 30,
                "xp_min",
                "must be at most xp_max (25), got 30",
            ),
            (
                |s| s.cooldown_secs = 3_601,
                "cooldown_secs",
                "between 0 and 3600 seconds",
            ),
            (|s| s.curve.c = 0, "curve", "must be at least 1"),
            (
                |s| {
                    s.role_multipliers = vec![RoleMultiplier {
                        role: RoleId::new(3),
                        percent: 1_001,
                    }]
                },
                "role_multipliers",
                "between 0 and 1000 (100 = normal XP), got 1001 for role 3",
            ),
            (
                |s| {
                    s.channel_multipliers = vec![
                        ChannelMultiplier {
                            channel: ChannelId::new(4),
                            percent: 50,
                        };
                        2
                    ]
                },
                "channel_multipliers",
                "must not list a channel twice; 4 appears",
            ),
            (
                |s| s.no_xp_roles = (1..=101).map(RoleId::new).collect(),
                "no_xp_roles",
                "at most 100 roles, got 101",
            ),
            (
                |s| s.announce.template = "{user} is now {rank}!".into(),
                "announce.template",
                "unknown placeholder {rank}; the placeholders are {user}, {level}, {server}",
            ),
            (
                |s| s.announce.template = "x".repeat(501),
                "announce.template",
                "1 to 500 characters, got 501",
            ),
            (
                |s| s.announce.template = "  ".into(),
                "announce.template",
                "1 to 500 characters",
            ),
            (
                |s| s.announce.mode = AnnounceMode::Channel,
                "announce.channel",
                "must be set to a channel id when announce.mode is channel",
            ),
            (
                |s| {
                    s.rewards = vec![
                        Reward {
                            level: 10,
                            role: RoleId::new(1),
                        },
                        Reward {
                            level: 5,
                            role: RoleId::new(2),
                        },
                    ]
                },
                "rewards",
                "sorted by level; level 5 comes after level 10",
            ),
            (
                |s| {
                    s.rewards = vec![
                        Reward {
                            level: 5,
                            role: RoleId::new(1),
                        },
                        Reward {
                            level: 5,
                            role: RoleId::new(2),
                        },
                    ]
                },
                "rewards",
                "level 5 appears more than once",
            ),
            (
                |s| {
                    s.rewards = vec![
                        Reward {
                            level: 5,
                            role: RoleId::new(1),
                        },
                        Reward {
                            level: 9,
                            role: RoleId::new(1),
                        },
                    ]
                },
                "rewards",
                "role 1 is the reward of levels 5 and 9",
            ),
            (
                |s| {
                    s.rewards = vec![Reward {
                        level: 0,
                        role: RoleId::new(1),
                    }]
                },
                "rewards",
                "between 1 and 1000, got 0",
            ),
            (
                |s| {
                    s.rewards = (1..=51)
                        .map(|level| Reward {
                            level,
                            role: RoleId::new(u64::from(level)),
                        })
                        .collect()
                },
                "rewards",
                "at most 50 rewards, got 51",
            ),
            (
                |s| s.voice.interval_secs = 4,
                "voice.interval_secs",
                "between 5 and 3600 seconds, got 4",
            ),
            (
                |s| s.voice.max_minutes_per_session = 2_000,
                "voice.max_minutes_per_session",
                "at most 1440 minutes (0 = no cap)",
            ),
            (
                |s| s.voice.xp_per_minute = 1_001,
                "voice.xp_per_minute",
                "at most 1000",
            ),
            (
                |s| s.flush_interval_secs = 0,
                "flush_interval_secs",
                "between 1 and 300 seconds",
            ),
            (
                |s| s.flush_interval_secs = 301,
                "flush_interval_secs",
                "got 301",
            ),
        ];
        for (edit, field, fragment) in cases {
            let (got_field, message) = check(edit).unwrap_err();
            assert_eq!(got_field, field, "{message}");
            assert!(message.contains(fragment), "{field}: {message}");
        }
        assert_eq!(
            check(|s| {
                s.xp_min = 0;
                s.xp_max = 1_000;
                s.announce.mode = AnnounceMode::Channel;
                s.announce.channel = Some(ChannelId::new(9));
                s.announce.template =
                    "GG {user}, level {level} on {server}! {not a placeholder} {}".into();
                s.rewards = vec![
                    Reward {
                        level: 5,
                        role: RoleId::new(1),
                    },
                    Reward {
                        level: 10,
                        role: RoleId::new(2),
                    },
                ];
            }),
            Ok(())
        );
    }

    #[test]
    fn placeholders_are_names_in_braces() {
        let names: Vec<&str> =
            placeholders("{user} {level}{server} {} { user } {a-b} {x_1} {unclosed").collect();
        assert_eq!(names, ["user", "level", "server", "x_1"]);
    }

    #[test]
    fn multipliers_take_the_highest_role_and_the_channel_or_its_parent() {
        let settings = LevelSettings {
            role_multipliers: vec![
                RoleMultiplier {
                    role: RoleId::new(1),
                    percent: 150,
                },
                RoleMultiplier {
                    role: RoleId::new(2),
                    percent: 300,
                },
            ],
            channel_multipliers: vec![ChannelMultiplier {
                channel: ChannelId::new(10),
                percent: 50,
            }],
            no_xp_channels: vec![ChannelId::new(20)],
            ..LevelSettings::default()
        };
        let general = ChannelId::new(11);
        let cases = [
            (vec![], general, None, 100),
            (vec![RoleId::new(1)], general, None, 150),
            (vec![RoleId::new(1), RoleId::new(2)], general, None, 300),
            (vec![RoleId::new(2)], ChannelId::new(10), None, 150),
            (vec![], ChannelId::new(99), Some(ChannelId::new(10)), 50),
        ];
        for (roles, channel, parent, percent) in cases {
            assert_eq!(
                settings.multiplier_percent(&roles, channel, parent),
                percent,
                "{roles:?} in {channel}"
            );
        }
        assert!(settings.is_no_xp_channel(ChannelId::new(20), None));
        assert!(settings.is_no_xp_channel(ChannelId::new(21), Some(ChannelId::new(20))));
        assert!(!settings.is_no_xp_channel(general, None));
    }

    #[test]
    fn json_has_every_key_and_refuses_unknown_ones() {
        let json = serde_json::to_value(LevelSettings::default()).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "xp_min": 15,
                "xp_max": 25,
                "cooldown_secs": 60,
                "curve": {"a": 5, "b": 50, "c": 100},
                "role_multipliers": [],
                "channel_multipliers": [],
                "no_xp_channels": [],
                "no_xp_roles": [],
                "announce": {"mode": "same_channel", "channel": null, "template": "{user} reached level {level}!"},
                "rewards": [],
                "reward_mode": "stack",
                "voice": {"enabled": false, "xp_per_minute": 5, "interval_secs": 60, "max_minutes_per_session": 240, "afk_channel": null},
                "flush_interval_secs": 10,
                "public_leaderboard": false,
            })
        );
        let parsed: LevelSettings = serde_json::from_value(serde_json::json!({
            "rewards": [{"level": 5, "role": "7"}],
            "reward_mode": "replace",
            "announce": {"mode": "dm"},
            "voice": {"enabled": true},
        }))
        .unwrap();
        assert_eq!(parsed.rewards[0].role, RoleId::new(7));
        assert_eq!(parsed.reward_mode, RewardMode::Replace);
        assert_eq!(parsed.announce.mode, AnnounceMode::Dm);
        assert_eq!(parsed.announce.template, "{user} reached level {level}!");
        assert!(parsed.voice.enabled);
        assert_eq!(parsed.voice.interval_secs, 60);
        for bad in [
            serde_json::json!({"xp": 5}),
            serde_json::json!({"voice": {"enable": true}}),
            serde_json::json!({"announce": {"mode": "loud"}}),
            serde_json::json!({"rewards": [{"level": 5}]}),
        ] {
            assert!(
                serde_json::from_value::<LevelSettings>(bad.clone()).is_err(),
                "{bad}"
            );
        }
    }
}
