//! The `automod` settings section: one object per rule, each with its own switch, action and
//! exemptions, plus the rule's parameters. Every rule is off by default.

use serde::{Deserialize, Serialize};

use crate::ids::{ChannelId, RoleId};

/// What happens to the author of a message that breaks a rule.
///
/// In JSON: `{"kind": "delete"}`, `{"kind": "warn"}`, `{"kind": "timeout", "duration_secs": 600}`,
/// `{"kind": "kick"}`, `{"kind": "ban", "delete_message_secs": 86400}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Action {
    /// Only delete the message.
    Delete,
    /// Record a warning (which counts toward the escalation ladder).
    Warn,
    /// Time the member out (Discord's native timeout, at most 28 days).
    Timeout {
        /// How long, in seconds.
        duration_secs: u64,
    },
    /// Kick the member.
    Kick,
    /// Ban the member.
    Ban {
        /// How much of the member's recent history Discord deletes, in seconds (at most 7 days).
        #[serde(default)]
        delete_message_secs: u64,
    },
}

impl Action {
    /// The longest timeout Discord allows: 28 days.
    pub const MAX_TIMEOUT_SECS: u64 = 28 * 24 * 60 * 60;
    /// The longest message-deletion window of a ban Discord allows: 7 days.
    pub const MAX_BAN_DELETE_SECS: u64 = 7 * 24 * 60 * 60;

    /// The action's name, as in the JSON `kind`.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Delete => "delete",
            Self::Warn => "warn",
            Self::Timeout { .. } => "timeout",
            Self::Kick => "kick",
            Self::Ban { .. } => "ban",
        }
    }

    /// How strong the action is: ban > kick > timeout > warn > delete; between two timeouts the
    /// longer, between two bans the one deleting more history.
    pub const fn strength(self) -> (u8, u64) {
        match self {
            Self::Delete => (0, 0),
            Self::Warn => (1, 0),
            Self::Timeout { duration_secs } => (2, duration_secs),
            Self::Kick => (3, 0),
            Self::Ban {
                delete_message_secs,
            } => (4, delete_message_secs),
        }
    }
}

/// How the link filter treats domains.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkMode {
    /// Links to `deny_domains` (and their subdomains) fire; everything else is allowed.
    #[default]
    DenyList,
    /// Links to anything but `allow_domains` (and their subdomains) fire.
    AllowList,
}

/// Declares a rule's settings struct: the fields every rule shares, then its own parameters.
macro_rules! rule_settings {
    (
        $(#[$meta:meta])*
        $name:ident, default action $action:expr, {
            $($(#[$field_meta:meta])* $field:ident : $type:ty = $default:expr,)*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[serde(deny_unknown_fields, default)]
        pub struct $name {
            /// Whether the rule runs.
            pub enabled: bool,
            /// What happens to the author when the rule fires.
            pub action: Action,
            /// Whether the message is deleted as well (it always is when the action is `delete`).
            pub delete_message: bool,
            /// Members with any of these roles are not checked by this rule.
            pub exempt_roles: Vec<RoleId>,
            /// Messages in these channels are not checked by this rule.
            pub exempt_channels: Vec<ChannelId>,
            $($(#[$field_meta])* pub $field: $type,)*
        }

        impl Default for $name {
            fn default() -> Self {
                Self {
                    enabled: false,
                    action: $action,
                    delete_message: true,
                    exempt_roles: Vec::new(),
                    exempt_channels: Vec::new(),
                    $($field: $default,)*
                }
            }
        }

        impl $name {
            /// The fields every rule shares.
            pub(crate) fn common(&self) -> RuleCommon<'_> {
                RuleCommon {
                    enabled: self.enabled,
                    action: self.action,
                    delete_message: self.delete_message,
                    exempt_roles: &self.exempt_roles,
                    exempt_channels: &self.exempt_channels,
                }
            }
        }
    };
}

/// The fields every rule shares, borrowed.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RuleCommon<'a> {
    pub(crate) enabled: bool,
    pub(crate) action: Action,
    pub(crate) delete_message: bool,
    pub(crate) exempt_roles: &'a [RoleId],
    pub(crate) exempt_channels: &'a [ChannelId],
}

rule_settings!(
    /// `spam`: too many messages from one member in a sliding window (across all channels).
    SpamSettings, default action Action::Timeout { duration_secs: 300 }, {
        /// Most messages a member may send within the window; one more fires the rule.
        max_messages: u32 = 5,
        /// The window, in seconds.
        window_secs: u32 = 5,
    }
);

rule_settings!(
    /// `duplicates`: the same message, exact or reworded, posted again and again. Messages are
    /// compared by a SimHash of their normalized text's character 3-grams.
    DuplicateSettings, default action Action::Timeout { duration_secs: 600 }, {
        /// How alike two messages must be to count as the same, from 0.5 to 1 (1 = identical after
        /// normalization). 0.8 catches rewordings such as changed case, punctuation and word order.
        similarity: f64 = 0.8,
        /// Most near-identical messages a member may send within the window; one more fires.
        max_duplicates: u32 = 2,
        /// The window, in seconds.
        window_secs: u32 = 60,
        /// Messages shorter than this (in characters, after normalization) are not compared, so
        /// "ok" or "lol" said twice is not spam.
        min_length: u32 = 10,
    }
);

rule_settings!(
    /// `caps`: messages written mostly in capitals.
    CapsSettings, default action Action::Delete, {
        /// The share of capitals among the letters (0 to 1) at which the rule fires.
        ratio: f64 = 0.7,
        /// Messages with fewer letters than this are never checked.
        min_letters: u32 = 10,
    }
);

rule_settings!(
    /// `invites`: Discord invite links in any form (`discord.gg/x`, `discord.com/invite/x`,
    /// `discordapp.com/invite/x`, with or without a scheme, spaced out or with zero-width
    /// characters).
    InviteSettings, default action Action::Delete, {
        /// Invite codes that are allowed, e.g. the guild's own vanity code and partners'.
        allowed_codes: Vec<String> = Vec::new(),
    }
);

rule_settings!(
    /// `links`: links filtered by domain; a domain also covers its subdomains.
    LinkSettings, default action Action::Delete, {
        /// Whether `deny_domains` or `allow_domains` decides.
        mode: LinkMode = LinkMode::DenyList,
        /// Domains allowed in `allow_list` mode, e.g. `youtube.com`.
        allow_domains: Vec<String> = Vec::new(),
        /// Domains refused in `deny_list` mode.
        deny_domains: Vec<String> = Vec::new(),
    }
);

rule_settings!(
    /// `bad_words`: words and phrases from a list, matched case-insensitively through common
    /// evasions (repeated letters, separators between letters, leetspeak, zero-width characters).
    BadWordSettings, default action Action::Delete, {
        /// The words and phrases.
        words: Vec<String> = Vec::new(),
        /// Match whole words only (the default): "ass" does not fire on "classic". When false, a
        /// word fires anywhere, inside other words too.
        whole_words: bool = true,
    }
);

rule_settings!(
    /// `bad_patterns`: regular expressions (Rust's `regex` syntax, linear time, case-insensitive
    /// unless the pattern says `(?-i)`).
    BadPatternSettings, default action Action::Delete, {
        /// The patterns.
        patterns: Vec<String> = Vec::new(),
    }
);

rule_settings!(
    /// `mentions`: mass mentions.
    MentionSettings, default action Action::Timeout { duration_secs: 600 }, {
        /// Fire on @everyone or @here from members without the Mention Everyone permission.
        everyone: bool = true,
        /// Most user mentions in one message (`null`: no limit); one more fires.
        max_user_mentions: Option<u32> = Some(5),
        /// Most role mentions in one message (`null`: no limit); one more fires.
        max_role_mentions: Option<u32> = Some(3),
    }
);

/// The `automod` settings section: every rule, each off until enabled.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AutomodSettings {
    /// Message frequency per member.
    pub spam: SpamSettings,
    /// Near-duplicate messages per member.
    pub duplicates: DuplicateSettings,
    /// Capitals.
    pub caps: CapsSettings,
    /// Discord invites.
    pub invites: InviteSettings,
    /// Links by domain.
    pub links: LinkSettings,
    /// Word lists.
    pub bad_words: BadWordSettings,
    /// Regular expressions.
    pub bad_patterns: BadPatternSettings,
    /// Mass mentions.
    pub mentions: MentionSettings,
}
