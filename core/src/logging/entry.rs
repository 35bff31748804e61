//! A log entry: one thing that happened in a guild, in words, as the log channel shows it and
//! the log viewer stores it.

use serde::{Deserialize, Serialize};

use crate::clock::UnixMillis;
use crate::ids::{ChannelId, GuildId, UserId};

/// Where a kind of event is logged: each category has its own channel, or is off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// Message edits, deletions, bulk deletions.
    Messages,
    /// Joins and leaves.
    Members,
    /// Nickname, role and timeout changes.
    MemberUpdates,
    /// Roles created, changed, deleted.
    Roles,
    /// Channels created, changed, deleted.
    Channels,
    /// Voice activity.
    Voice,
    /// The bot's moderation actions.
    Moderation,
}

impl Category {
    /// Every category, in the settings' order.
    pub const ALL: [Self; 7] = [
        Self::Messages,
        Self::Members,
        Self::MemberUpdates,
        Self::Roles,
        Self::Channels,
        Self::Voice,
        Self::Moderation,
    ];

    /// The stored name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Messages => "messages",
            Self::Members => "members",
            Self::MemberUpdates => "member_updates",
            Self::Roles => "roles",
            Self::Channels => "channels",
            Self::Voice => "voice",
            Self::Moderation => "moderation",
        }
    }
}

macro_rules! kinds {
    ($($kind:ident = $name:literal, $category:ident, $title:literal, $colour:literal;)*) => {
        /// What happened.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum LogKind {
            $(#[doc = $title] $kind,)*
        }

        impl LogKind {
            /// Every kind.
            pub const ALL: &'static [Self] = &[$(Self::$kind),*];

            /// The stored name (`message_deleted`).
            pub const fn as_str(self) -> &'static str {
                match self { $(Self::$kind => $name,)* }
            }

            /// Its category.
            pub const fn category(self) -> Category {
                match self { $(Self::$kind => Category::$category,)* }
            }

            /// Its title in words ("Message deleted").
            pub const fn title(self) -> &'static str {
                match self { $(Self::$kind => $title,)* }
            }

            /// The embed's colour.
            pub const fn colour(self) -> u32 {
                match self { $(Self::$kind => $colour,)* }
            }

            /// The kind stored as `name`.
            pub fn parse(name: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|kind| kind.as_str() == name)
            }
        }
    };
}

kinds! {
    MessageEdited = "message_edited", Messages, "Message edited", 0x3498DB;
    MessageDeleted = "message_deleted", Messages, "Message deleted", 0xE74C3C;
    MessagesPurged = "messages_purged", Messages, "Messages bulk deleted", 0xC0392B;
    MemberJoined = "member_joined", Members, "Member joined", 0x2ECC71;
    MemberLeft = "member_left", Members, "Member left", 0xE67E22;
    NicknameChanged = "nickname_changed", MemberUpdates, "Nickname changed", 0x9B59B6;
    RolesChanged = "member_roles_changed", MemberUpdates, "Member roles changed", 0x9B59B6;
    TimedOut = "member_timed_out", MemberUpdates, "Member timed out", 0xE67E22;
    TimeoutEnded = "member_timeout_removed", MemberUpdates, "Member timeout removed", 0x2ECC71;
    RoleCreated = "role_created", Roles, "Role created", 0x2ECC71;
    RoleUpdated = "role_updated", Roles, "Role changed", 0xF1C40F;
    RoleDeleted = "role_deleted", Roles, "Role deleted", 0xE74C3C;
    ChannelCreated = "channel_created", Channels, "Channel created", 0x2ECC71;
    ChannelUpdated = "channel_updated", Channels, "Channel changed", 0xF1C40F;
    ChannelDeleted = "channel_deleted", Channels, "Channel deleted", 0xE74C3C;
    VoiceJoined = "voice_joined", Voice, "Joined voice", 0x2ECC71;
    VoiceLeft = "voice_left", Voice, "Left voice", 0xE67E22;
    VoiceMoved = "voice_moved", Voice, "Moved voice channel", 0x3498DB;
    VoiceMuted = "voice_muted", Voice, "Mute changed", 0x95A5A6;
    VoiceDeafened = "voice_deafened", Voice, "Deafen changed", 0x95A5A6;
    VoiceAfk = "voice_afk", Voice, "AFK in voice", 0x95A5A6;
    ModerationAction = "moderation_action", Moderation, "Moderation action", 0xE74C3C;
}

/// One line of an entry: a name and its value (an embed field).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogField {
    /// What it is ("Before", "Author").
    pub name: String,
    /// The value, in Discord's markdown (mentions render as names there).
    pub value: String,
}

/// A file attached to an entry's post (a bulk deletion's transcript).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogFile {
    /// Its name.
    pub name: String,
    /// Its text.
    pub text: String,
}

/// One logged event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogEntry {
    /// Where.
    pub guild: GuildId,
    /// When it happened.
    pub at: UnixMillis,
    /// What.
    pub kind: LogKind,
    /// The member it is about, if one.
    pub user: Option<UserId>,
    /// Who did it, where known.
    pub actor: Option<UserId>,
    /// `actor` is the audit log's best guess, not a certainty.
    pub actor_guessed: bool,
    /// The channel it happened in or to, if one.
    pub channel: Option<ChannelId>,
    /// One line in words, with names (what the viewer lists and a post's description starts
    /// with).
    pub summary: String,
    /// The details.
    pub fields: Vec<LogField>,
    /// The moderation case it belongs to.
    pub case: Option<i64>,
    /// A file to attach to the post.
    pub file: Option<LogFile>,
}

impl LogEntry {
    /// An entry of `kind` at `at` with its summary, and nothing else yet.
    pub fn new(guild: GuildId, at: UnixMillis, kind: LogKind, summary: impl Into<String>) -> Self {
        Self {
            guild,
            at,
            kind,
            user: None,
            actor: None,
            actor_guessed: false,
            channel: None,
            summary: summary.into(),
            fields: Vec::new(),
            case: None,
            file: None,
        }
    }

    /// With the member it is about.
    #[must_use]
    pub fn about(mut self, user: UserId) -> Self {
        self.user = Some(user);
        self
    }

    /// With who did it.
    #[must_use]
    pub fn by(mut self, actor: UserId) -> Self {
        self.actor = Some(actor);
        self
    }

    /// In a channel.
    #[must_use]
    pub fn in_channel(mut self, channel: ChannelId) -> Self {
        self.channel = Some(channel);
        self
    }

    /// With one more field (skipped when the value is empty).
    #[must_use]
    pub fn field(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        let value = value.into();
        if !value.trim().is_empty() {
            self.fields.push(LogField {
                name: name.into(),
                value,
            });
        }
        self
    }

    /// Its category.
    pub fn category(&self) -> Category {
        self.kind.category()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_by_name_and_belong_to_one_category() {
        for kind in LogKind::ALL {
            assert_eq!(LogKind::parse(kind.as_str()), Some(*kind));
            assert!(Category::ALL.contains(&kind.category()));
        }
        assert_eq!(LogKind::parse("nope"), None);
        assert_eq!(LogKind::MessageDeleted.category(), Category::Messages);
        assert!(LogKind::ALL.len() >= 20);
    }
}
