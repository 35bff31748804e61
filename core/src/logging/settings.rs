//! `LoggingSettings`, the `logging` section: where each category of log goes (or off), what is
//! never logged, how long message content and stored events are kept, and the voice AFK rules.

use serde::{Deserialize, Serialize};

use super::entry::Category;
use crate::guild_config::fields::{ChannelFilter, Field, FieldKind};
use crate::guild_config::sections::{
    FieldError, GuildSettings, Section, channel_references, role_references,
};
use crate::ids::{ChannelId, RoleId};
use crate::references::Reference;

/// The shortest and longest time message content is kept for logs, in days.
pub const CONTENT_DAYS: (u32, u32) = (1, 30);
/// The shortest and longest time stored log events are kept, in days.
pub const EVENT_DAYS: (u32, u32) = (1, 365);
/// The most channels, and roles, a guild may leave out of its logs.
pub const MAX_IGNORED: usize = 50;
/// The shortest and longest AFK limit, in seconds.
pub const AFK_SECS: (u32, u32) = (10, 86_400);

/// What happens to a member who is alone or deafened in voice past the limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum AfkAction {
    /// Moved to the AFK channel (`afk_channel`).
    #[default]
    Move,
    /// Disconnected from voice.
    Disconnect,
    /// Left where they are; their time stops counting (voice XP and voice minutes).
    StopCounting,
}

impl AfkAction {
    /// The stored name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Move => "move",
            Self::Disconnect => "disconnect",
            Self::StopCounting => "stop_counting",
        }
    }
}

/// `logging`: event logs to channels, the stored log, and voice activity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LoggingSettings {
    /// Message edits, deletions and bulk deletions; none is off.
    pub messages_channel: Option<ChannelId>,
    /// Members joining and leaving.
    pub members_channel: Option<ChannelId>,
    /// Nickname, role and timeout changes of members.
    pub member_updates_channel: Option<ChannelId>,
    /// Roles created, changed, deleted.
    pub roles_channel: Option<ChannelId>,
    /// Channels created, changed, deleted (permission overwrites in words).
    pub channels_channel: Option<ChannelId>,
    /// Voice joins, leaves, moves, mutes and deafens, and AFK moves.
    pub voice_channel: Option<ChannelId>,
    /// The bot's moderation actions, each linked to its case.
    pub moderation_channel: Option<ChannelId>,
    /// Channels (or threads of them) whose events are never logged.
    pub ignored_channels: Vec<ChannelId>,
    /// Members holding any of these roles are never logged.
    pub ignored_roles: Vec<RoleId>,
    /// Leave bots' messages and voice out of the logs.
    pub ignore_bots: bool,
    /// Keep message content for edit and delete logs for this many days (1 to 30). Content is
    /// kept only while a message log channel is set.
    pub message_content_days: u32,
    /// Keep stored log events (the dashboard's log viewer) for this many days (1 to 365).
    pub event_retention_days: u32,
    /// Seconds a member may be alone in a voice channel before the AFK action; none is never.
    pub afk_alone_secs: Option<u32>,
    /// Seconds a member may be self-deafened before the AFK action; none is never.
    pub afk_deafened_secs: Option<u32>,
    /// What the AFK action is.
    pub afk_action: AfkAction,
    /// Where `move` takes members (a voice channel).
    pub afk_channel: Option<ChannelId>,
}

impl Default for LoggingSettings {
    fn default() -> Self {
        Self {
            messages_channel: None,
            members_channel: None,
            member_updates_channel: None,
            roles_channel: None,
            channels_channel: None,
            voice_channel: None,
            moderation_channel: None,
            ignored_channels: Vec::new(),
            ignored_roles: Vec::new(),
            ignore_bots: true,
            message_content_days: 7,
            event_retention_days: 90,
            afk_alone_secs: None,
            afk_deafened_secs: None,
            afk_action: AfkAction::Move,
            afk_channel: None,
        }
    }
}

impl LoggingSettings {
    /// Where a category's events go; `None` when it is off.
    pub fn channel_for(&self, category: Category) -> Option<ChannelId> {
        match category {
            Category::Messages => self.messages_channel,
            Category::Members => self.members_channel,
            Category::MemberUpdates => self.member_updates_channel,
            Category::Roles => self.roles_channel,
            Category::Channels => self.channels_channel,
            Category::Voice => self.voice_channel,
            Category::Moderation => self.moderation_channel,
        }
    }

    /// The distinct channels logs go to (the tier's `log_channels` limit counts these).
    pub fn log_channels(&self) -> Vec<ChannelId> {
        let mut channels: Vec<ChannelId> = Vec::new();
        for category in Category::ALL {
            if let Some(channel) = self.channel_for(category)
                && !channels.contains(&channel)
            {
                channels.push(channel);
            }
        }
        channels
    }

    /// Whether `channel` is one the logs go to (its messages are the bot's own log posts).
    pub fn is_log_channel(&self, channel: ChannelId) -> bool {
        Category::ALL
            .iter()
            .any(|category| self.channel_for(*category) == Some(channel))
    }

    /// Whether message content is to be kept (a message log channel is set).
    pub fn keeps_content(&self) -> bool {
        self.messages_channel.is_some()
    }

    /// Whether an event in `channel` (with its parent, for a thread) is left out.
    pub fn ignores_channel(&self, channel: ChannelId, parent: Option<ChannelId>) -> bool {
        self.ignored_channels.contains(&channel)
            || parent.is_some_and(|parent| self.ignored_channels.contains(&parent))
    }

    /// Whether a member with `roles` is left out.
    pub fn ignores_roles(&self, roles: &[RoleId]) -> bool {
        roles.iter().any(|role| self.ignored_roles.contains(role))
    }

    /// Whether an AFK rule is set.
    pub fn afk_enabled(&self) -> bool {
        self.afk_alone_secs.is_some() || self.afk_deafened_secs.is_some()
    }

    fn check(&self) -> Result<(), FieldError> {
        if !(CONTENT_DAYS.0..=CONTENT_DAYS.1).contains(&self.message_content_days) {
            return Err(FieldError {
                field: "message_content_days",
                message: format!(
                    "must be between {} and {} days, got {}",
                    CONTENT_DAYS.0, CONTENT_DAYS.1, self.message_content_days
                ),
            });
        }
        if !(EVENT_DAYS.0..=EVENT_DAYS.1).contains(&self.event_retention_days) {
            return Err(FieldError {
                field: "event_retention_days",
                message: format!(
                    "must be between {} and {} days, got {}",
                    EVENT_DAYS.0, EVENT_DAYS.1, self.event_retention_days
                ),
            });
        }
        for (field, secs) in [
            ("afk_alone_secs", self.afk_alone_secs),
            ("afk_deafened_secs", self.afk_deafened_secs),
        ] {
            if let Some(secs) = secs
                && !(AFK_SECS.0..=AFK_SECS.1).contains(&secs)
            {
                return Err(FieldError {
                    field,
                    message: format!(
                        "must be between {} seconds and a day ({} seconds), or empty for never; got {secs}",
                        AFK_SECS.0, AFK_SECS.1
                    ),
                });
            }
        }
        if self.afk_enabled() && self.afk_action == AfkAction::Move && self.afk_channel.is_none() {
            return Err(FieldError {
                field: "afk_channel",
                message: "must be set when the AFK action is `move`: pick the voice channel members are moved to, or choose `disconnect` or `stop_counting`".into(),
            });
        }
        if self.ignored_channels.len() > MAX_IGNORED {
            return Err(FieldError {
                field: "ignored_channels",
                message: format!(
                    "must list at most {MAX_IGNORED} channels, got {}",
                    self.ignored_channels.len()
                ),
            });
        }
        if self.ignored_roles.len() > MAX_IGNORED {
            return Err(FieldError {
                field: "ignored_roles",
                message: format!(
                    "must list at most {MAX_IGNORED} roles, got {}",
                    self.ignored_roles.len()
                ),
            });
        }
        Ok(())
    }
}

const LOG_CHANNEL: FieldKind = FieldKind::Channel(ChannelFilter::Messages);

impl Section for LoggingSettings {
    const NAME: &'static str = "logging";
    const DESCRIPTION: &'static str = "event logs: a channel per category (or off), ignored channels and roles, content and event retention, voice AFK rules";

    fn validate(&self) -> Result<(), FieldError> {
        self.check()
    }

    fn fields() -> &'static [Field] {
        &[
            Field {
                key: "messages_channel",
                label: "Message log",
                help: "Edits (before and after), deletions (with who deleted, where the audit log tells) and bulk deletions. Empty is off.",
                kind: LOG_CHANNEL,
            },
            Field {
                key: "members_channel",
                label: "Join and leave log",
                help: "Members joining (with their account's age) and leaving. Empty is off.",
                kind: LOG_CHANNEL,
            },
            Field {
                key: "member_updates_channel",
                label: "Member change log",
                help: "Nickname, role and timeout changes. Empty is off.",
                kind: LOG_CHANNEL,
            },
            Field {
                key: "roles_channel",
                label: "Role log",
                help: "Roles created, changed (permissions in words) and deleted. Empty is off.",
                kind: LOG_CHANNEL,
            },
            Field {
                key: "channels_channel",
                label: "Channel log",
                help: "Channels created, changed (permission overwrites in words) and deleted. Empty is off.",
                kind: LOG_CHANNEL,
            },
            Field {
                key: "voice_channel",
                label: "Voice log",
                help: "Joins, leaves, moves, mutes, deafens and AFK moves. Empty is off.",
                kind: LOG_CHANNEL,
            },
            Field {
                key: "moderation_channel",
                label: "Moderation log",
                help: "The bot's moderation actions, each linked to its case. Empty is off.",
                kind: LOG_CHANNEL,
            },
            Field {
                key: "ignored_channels",
                label: "Ignored channels",
                help: "Nothing that happens in these channels (or their threads) is logged.",
                kind: FieldKind::List {
                    of: &FieldKind::Channel(ChannelFilter::Any),
                    max: MAX_IGNORED,
                },
            },
            Field {
                key: "ignored_roles",
                label: "Ignored roles",
                help: "Members with any of these roles are not logged.",
                kind: FieldKind::List {
                    of: &FieldKind::Role,
                    max: MAX_IGNORED,
                },
            },
            Field {
                key: "ignore_bots",
                label: "Leave bots out",
                help: "Bots' messages and voice activity are not logged.",
                kind: FieldKind::Switch,
            },
            Field {
                key: "message_content_days",
                label: "Keep message content for",
                help: "Message text is kept (only while a message log is set) so edits and deletions can show it; deleted after this (1d to 30d).",
                kind: FieldKind::Duration {
                    min_secs: CONTENT_DAYS.0 as u64 * 86_400,
                    max_secs: CONTENT_DAYS.1 as u64 * 86_400,
                    unit_secs: 86_400,
                },
            },
            Field {
                key: "event_retention_days",
                label: "Keep log events for",
                help: "How long the log viewer keeps events (1d to 365d).",
                kind: FieldKind::Duration {
                    min_secs: EVENT_DAYS.0 as u64 * 86_400,
                    max_secs: EVENT_DAYS.1 as u64 * 86_400,
                    unit_secs: 86_400,
                },
            },
            Field {
                key: "afk_alone_secs",
                label: "AFK when alone for",
                help: "A member alone in a voice channel this long (10s to 1d, e.g. 15m) gets the AFK action; empty is never.",
                kind: FieldKind::Duration {
                    min_secs: AFK_SECS.0 as u64,
                    max_secs: AFK_SECS.1 as u64,
                    unit_secs: 1,
                },
            },
            Field {
                key: "afk_deafened_secs",
                label: "AFK when deafened for",
                help: "A member who deafened themselves this long (10s to 1d) gets the AFK action; empty is never.",
                kind: FieldKind::Duration {
                    min_secs: AFK_SECS.0 as u64,
                    max_secs: AFK_SECS.1 as u64,
                    unit_secs: 1,
                },
            },
            Field {
                key: "afk_action",
                label: "AFK action",
                help: "move: to the AFK channel; disconnect: out of voice; stop_counting: left in place, their time stops counting for voice XP and voice minutes.",
                kind: FieldKind::Choice(&["move", "disconnect", "stop_counting"]),
            },
            Field {
                key: "afk_channel",
                label: "AFK channel",
                help: "The voice channel `move` takes members to.",
                kind: FieldKind::Channel(ChannelFilter::Voice),
            },
        ]
    }

    fn references(&self) -> Vec<(String, Reference)> {
        let mut all = Vec::new();
        for (key, channel) in [
            ("logging.messages_channel", self.messages_channel),
            ("logging.members_channel", self.members_channel),
            (
                "logging.member_updates_channel",
                self.member_updates_channel,
            ),
            ("logging.roles_channel", self.roles_channel),
            ("logging.channels_channel", self.channels_channel),
            ("logging.voice_channel", self.voice_channel),
            ("logging.moderation_channel", self.moderation_channel),
        ] {
            if let Some(channel) = channel {
                all.push((key.to_owned(), Reference::Channel(channel)));
            }
        }
        if let Some(channel) = self.afk_channel {
            all.push((
                "logging.afk_channel".to_owned(),
                Reference::AnyChannel(channel),
            ));
        }
        all.extend(channel_references(
            "logging.ignored_channels",
            &self.ignored_channels,
        ));
        all.extend(role_references(
            "logging.ignored_roles",
            &self.ignored_roles,
        ));
        all
    }

    fn of(settings: &GuildSettings) -> &Self {
        &settings.logging
    }

    fn of_mut(settings: &mut GuildSettings) -> &mut Self {
        &mut settings.logging
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(edit: impl FnOnce(&mut LoggingSettings)) -> Result<(), (&'static str, String)> {
        let mut settings = LoggingSettings::default();
        edit(&mut settings);
        settings
            .check()
            .map_err(|error| (error.field, error.message))
    }

    #[test]
    fn defaults_log_nothing_and_are_valid() {
        assert_eq!(check(|_| {}), Ok(()));
        let settings = LoggingSettings::default();
        for category in Category::ALL {
            assert_eq!(settings.channel_for(category), None);
        }
        assert!(!settings.keeps_content());
        assert!(!settings.afk_enabled());
    }

    #[test]
    fn bad_values_are_refused_with_the_field_and_what_is_accepted() {
        let (field, message) = check(|s| s.message_content_days = 0).unwrap_err();
        assert_eq!(field, "message_content_days");
        assert!(
            message.contains("between 1 and 30 days, got 0"),
            "{message}"
        );
        let (field, message) = check(|s| s.event_retention_days = 400).unwrap_err();
        assert_eq!(field, "event_retention_days");
        assert!(message.contains("between 1 and 365 days"), "{message}");
        let (field, message) = check(|s| s.afk_alone_secs = Some(300)).unwrap_err();
        assert_eq!(field, "afk_channel");
        assert!(message.contains("disconnect"), "{message}");
        assert_eq!(
            check(|s| {
                s.afk_alone_secs = Some(300);
                s.afk_action = AfkAction::StopCounting;
            }),
            Ok(())
        );
        let (field, message) = check(|s| s.afk_deafened_secs = Some(5)).unwrap_err();
        assert_eq!(field, "afk_deafened_secs");
        assert!(
            message.contains("between 10 seconds and a day"),
            "{message}"
        );
        assert!(
            serde_json::from_value::<LoggingSettings>(serde_json::json!({"afk_action": "kick"}))
                .is_err()
        );
        assert!(
            serde_json::from_value::<LoggingSettings>(serde_json::json!({"message_log": "1"}))
                .is_err()
        );
    }

    #[test]
    fn a_thread_follows_its_parent_and_ignored_roles_leave_members_out() {
        let settings = LoggingSettings {
            ignored_channels: vec![ChannelId::new(5)],
            ignored_roles: vec![RoleId::new(7)],
            ..LoggingSettings::default()
        };
        assert!(settings.ignores_channel(ChannelId::new(5), None));
        assert!(settings.ignores_channel(ChannelId::new(9), Some(ChannelId::new(5))));
        assert!(!settings.ignores_channel(ChannelId::new(9), None));
        assert!(settings.ignores_roles(&[RoleId::new(3), RoleId::new(7)]));
        assert!(!settings.ignores_roles(&[RoleId::new(3)]));
    }
}
