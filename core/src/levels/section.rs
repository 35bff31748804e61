//! `levels` as a section of a guild's settings.

use super::settings::{
    FLUSH_INTERVAL_RANGE, LevelSettings, MAX_COOLDOWN_SECS, MAX_NO_XP, MAX_TEMPLATE_CHARS,
    MAX_XP_PER_MESSAGE, PLACEHOLDERS,
};
use crate::guild_config::fields::{ChannelFilter, Field, FieldKind};
use crate::guild_config::sections::{
    FieldError, GuildSettings, Section, channel_references, role_references,
};
use crate::references::Reference;

impl Section for LevelSettings {
    const NAME: &'static str = "levels";
    const DESCRIPTION: &'static str = "XP per message and cooldown, level curve, multipliers, no-XP channels and roles, announcements, role rewards, voice XP, flush interval, public leaderboard";

    fn validate(&self) -> Result<(), FieldError> {
        self.check()
    }

    fn fields() -> &'static [Field] {
        const FIELDS: &[Field] = &[
            Field {
                key: "xp_min",
                label: "Least XP per message",
                help: "The least XP one message earns, before multipliers; at most the most XP.",
                kind: FieldKind::Number {
                    min: 0,
                    max: MAX_XP_PER_MESSAGE as i64,
                },
            },
            Field {
                key: "xp_max",
                label: "Most XP per message",
                help: "The most XP one message earns, before multipliers.",
                kind: FieldKind::Number {
                    min: 0,
                    max: MAX_XP_PER_MESSAGE as i64,
                },
            },
            Field {
                key: "cooldown_secs",
                label: "Cooldown",
                help: "After a message earns XP, the member's next messages earn nothing for this long (0 to 1h).",
                kind: FieldKind::Duration {
                    min_secs: 0,
                    max_secs: MAX_COOLDOWN_SECS as u64,
                    unit_secs: 1,
                },
            },
            Field {
                key: "no_xp_channels",
                label: "No-XP channels",
                help: "Channels where messages and voice time earn nothing; threads follow their parent.",
                kind: FieldKind::List {
                    of: &FieldKind::Channel(ChannelFilter::Any),
                    max: MAX_NO_XP,
                },
            },
            Field {
                key: "no_xp_roles",
                label: "No-XP roles",
                help: "Members with any of these roles earn nothing from messages.",
                kind: FieldKind::List {
                    of: &FieldKind::Role,
                    max: MAX_NO_XP,
                },
            },
            Field {
                key: "announce.mode",
                label: "Announce level-ups",
                help: "off; channel: in the channel below; dm: in a direct message; same_channel: where the member wrote.",
                kind: FieldKind::Choice(&["off", "channel", "dm", "same_channel"]),
            },
            Field {
                key: "announce.channel",
                label: "Announcement channel",
                help: "The channel for channel mode (and for voice level-ups in same_channel mode).",
                kind: FieldKind::Channel(ChannelFilter::Messages),
            },
            Field {
                key: "announce.template",
                label: "Announcement",
                help: "The message: {user} mentions the member, {level} is the new level, {server} the server's name.",
                kind: FieldKind::Template {
                    max_chars: MAX_TEMPLATE_CHARS,
                    placeholders: PLACEHOLDERS,
                },
            },
            Field {
                key: "reward_mode",
                label: "Reward roles",
                help: "stack: members keep every reward role they reached; replace: only the highest.",
                kind: FieldKind::Choice(&["stack", "replace"]),
            },
            Field {
                key: "flush_interval_secs",
                label: "Write XP every",
                help: "XP is kept in memory and written this often (1 to 5m): the most XP a crash can lose.",
                kind: FieldKind::Duration {
                    min_secs: *FLUSH_INTERVAL_RANGE.start() as u64,
                    max_secs: *FLUSH_INTERVAL_RANGE.end() as u64,
                    unit_secs: 1,
                },
            },
            Field {
                key: "public_leaderboard",
                label: "Public leaderboard",
                help: "Anyone may see the server's leaderboard on the web, without logging in.",
                kind: FieldKind::Switch,
            },
        ];
        FIELDS
    }

    fn references(&self) -> Vec<(String, Reference)> {
        let mut all = Vec::new();
        for multiplier in &self.role_multipliers {
            all.push((
                "levels.role_multipliers".to_owned(),
                Reference::Role(multiplier.role),
            ));
        }
        for multiplier in &self.channel_multipliers {
            all.push((
                "levels.channel_multipliers".to_owned(),
                Reference::AnyChannel(multiplier.channel),
            ));
        }
        all.extend(channel_references(
            "levels.no_xp_channels",
            &self.no_xp_channels,
        ));
        all.extend(role_references("levels.no_xp_roles", &self.no_xp_roles));
        if let Some(channel) = self.announce.channel {
            all.push((
                "levels.announce.channel".to_owned(),
                Reference::Channel(channel),
            ));
        }
        for reward in &self.rewards {
            all.push(("levels.rewards".to_owned(), Reference::Role(reward.role)));
        }
        all.extend(channel_references(
            "levels.voice.afk_channel",
            self.voice.afk_channel.as_slice(),
        ));
        all
    }

    fn of(settings: &GuildSettings) -> &Self {
        &settings.levels
    }

    fn of_mut(settings: &mut GuildSettings) -> &mut Self {
        &mut settings.levels
    }
}
