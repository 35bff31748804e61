//! Discord's permission model without Discord's types: the bitset, and permissions computed the
//! way Discord computes them (base from @everyone and roles, ADMINISTRATOR, owner, channel
//! overwrites, timeouts).
//!
//! Shared by the guards (who may act on whom) and the Discord stand-in (what the bot may do),
//! so both agree by construction.

use std::fmt;
use std::ops::{BitAnd, BitOr, BitOrAssign, Not};

use serde::{Deserialize, Serialize};

use crate::clock::UnixMillis;
use crate::ids::{GuildId, RoleId, UserId};

/// A set of Discord permissions (API v10 bits).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Permissions(pub u64);

macro_rules! permissions {
    ($($name:ident = $bit:expr, $label:literal;)*) => {
        impl Permissions {
            $(
                #[doc = $label]
                pub const $name: Self = Self(1 << $bit);
            )*
            /// Every permission Discord defines.
            pub const ALL: Self = Self(0 $(| (1 << $bit))*);
            const NAMES: &'static [(Self, &'static str)] = &[$((Self::$name, $label)),*];
        }
    };
}

permissions! {
    CREATE_INSTANT_INVITE = 0, "Create Invite";
    KICK_MEMBERS = 1, "Kick Members";
    BAN_MEMBERS = 2, "Ban Members";
    ADMINISTRATOR = 3, "Administrator";
    MANAGE_CHANNELS = 4, "Manage Channels";
    MANAGE_GUILD = 5, "Manage Server";
    ADD_REACTIONS = 6, "Add Reactions";
    VIEW_AUDIT_LOG = 7, "View Audit Log";
    PRIORITY_SPEAKER = 8, "Priority Speaker";
    STREAM = 9, "Video";
    VIEW_CHANNEL = 10, "View Channels";
    SEND_MESSAGES = 11, "Send Messages";
    SEND_TTS_MESSAGES = 12, "Send Text-to-Speech Messages";
    MANAGE_MESSAGES = 13, "Manage Messages";
    EMBED_LINKS = 14, "Embed Links";
    ATTACH_FILES = 15, "Attach Files";
    READ_MESSAGE_HISTORY = 16, "Read Message History";
    MENTION_EVERYONE = 17, "Mention @everyone, @here and All Roles";
    USE_EXTERNAL_EMOJIS = 18, "Use External Emojis";
    VIEW_GUILD_INSIGHTS = 19, "View Server Insights";
    CONNECT = 20, "Connect";
    SPEAK = 21, "Speak";
    MUTE_MEMBERS = 22, "Mute Members";
    DEAFEN_MEMBERS = 23, "Deafen Members";
    MOVE_MEMBERS = 24, "Move Members";
    USE_VAD = 25, "Use Voice Activity";
    CHANGE_NICKNAME = 26, "Change Nickname";
    MANAGE_NICKNAMES = 27, "Manage Nicknames";
    MANAGE_ROLES = 28, "Manage Roles";
    MANAGE_WEBHOOKS = 29, "Manage Webhooks";
    MANAGE_GUILD_EXPRESSIONS = 30, "Manage Expressions";
    USE_APPLICATION_COMMANDS = 31, "Use Application Commands";
    REQUEST_TO_SPEAK = 32, "Request to Speak";
    MANAGE_EVENTS = 33, "Manage Events";
    MANAGE_THREADS = 34, "Manage Threads";
    CREATE_PUBLIC_THREADS = 35, "Create Public Threads";
    CREATE_PRIVATE_THREADS = 36, "Create Private Threads";
    USE_EXTERNAL_STICKERS = 37, "Use External Stickers";
    SEND_MESSAGES_IN_THREADS = 38, "Send Messages in Threads";
    USE_EMBEDDED_ACTIVITIES = 39, "Use Activities";
    MODERATE_MEMBERS = 40, "Timeout Members";
    VIEW_CREATOR_MONETIZATION_ANALYTICS = 41, "View Creator Monetization Analytics";
    USE_SOUNDBOARD = 42, "Use Soundboard";
    CREATE_GUILD_EXPRESSIONS = 43, "Create Expressions";
    CREATE_EVENTS = 44, "Create Events";
    USE_EXTERNAL_SOUNDS = 45, "Use External Sounds";
    SEND_VOICE_MESSAGES = 46, "Send Voice Messages";
    SEND_POLLS = 49, "Create Polls";
    USE_EXTERNAL_APPS = 50, "Use External Apps";
}

impl Permissions {
    /// No permissions.
    pub const NONE: Self = Self(0);

    /// Whether every permission in `other` is in `self`.
    pub const fn contains(self, other: Self) -> bool {
        self.0 & other.0 == other.0
    }

    /// The permissions of `other` that `self` lacks.
    #[must_use]
    pub const fn missing(self, other: Self) -> Self {
        Self(other.0 & !self.0)
    }

    /// The names of the permissions in this set, as Discord's client shows them.
    pub fn names(self) -> Vec<&'static str> {
        Self::NAMES
            .iter()
            .filter(|(bit, _)| self.contains(*bit))
            .map(|(_, name)| *name)
            .collect()
    }

    /// Parses Discord's decimal string form.
    pub fn from_decimal(text: &str) -> Option<Self> {
        text.parse().ok().map(Self)
    }
}

impl fmt::Debug for Permissions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Permissions({})", self.names().join(" | "))
    }
}

impl BitOr for Permissions {
    type Output = Self;
    fn bitor(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }
}

impl BitOrAssign for Permissions {
    fn bitor_assign(&mut self, other: Self) {
        self.0 |= other.0;
    }
}

impl BitAnd for Permissions {
    type Output = Self;
    fn bitand(self, other: Self) -> Self {
        Self(self.0 & other.0)
    }
}

impl Not for Permissions {
    type Output = Self;
    fn not(self) -> Self {
        Self(!self.0 & Self::ALL.0)
    }
}

/// A role as permissions see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleInfo {
    /// The role.
    pub id: RoleId,
    /// Its position: higher is more powerful; @everyone is 0.
    pub position: i32,
    /// What it grants.
    pub permissions: Permissions,
}

/// A guild as permissions see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuildInfo {
    /// The guild.
    pub id: GuildId,
    /// Its owner, who has every permission.
    pub owner: UserId,
    /// Every role, including @everyone (whose id is the guild's id).
    pub roles: Vec<RoleInfo>,
}

/// A member as permissions see them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberInfo {
    /// The user.
    pub user: UserId,
    /// Their roles, not counting @everyone.
    pub roles: Vec<RoleId>,
    /// Set while the member is timed out.
    pub timed_out_until: Option<UnixMillis>,
}

/// Whom a channel overwrite applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OverwriteTarget {
    /// Everyone with this role (the guild's id means @everyone).
    Role(RoleId),
    /// One member.
    Member(UserId),
}

/// A channel permission overwrite.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Overwrite {
    /// Whom it applies to.
    pub target: OverwriteTarget,
    /// Permissions granted.
    pub allow: Permissions,
    /// Permissions taken away.
    pub deny: Permissions,
}

impl GuildInfo {
    /// The @everyone role's permissions.
    pub fn everyone(&self) -> Permissions {
        let everyone = RoleId::new(self.id.get());
        self.roles
            .iter()
            .find(|role| role.id == everyone)
            .map_or(Permissions::NONE, |role| role.permissions)
    }

    /// A role by id.
    pub fn role(&self, id: RoleId) -> Option<&RoleInfo> {
        self.roles.iter().find(|role| role.id == id)
    }

    /// The position of a member's highest role (0 with none but @everyone). The owner outranks
    /// every role.
    pub fn top_position(&self, member: &MemberInfo) -> i32 {
        if member.user == self.owner {
            return i32::MAX;
        }
        member
            .roles
            .iter()
            .filter_map(|id| self.role(*id))
            .map(|role| role.position)
            .max()
            .unwrap_or(0)
    }

    /// A member's guild-wide permissions.
    pub fn base_permissions(&self, member: &MemberInfo, now: UnixMillis) -> Permissions {
        if member.user == self.owner {
            return Permissions::ALL;
        }
        let mut permissions = self.everyone();
        for role in member.roles.iter().filter_map(|id| self.role(*id)) {
            permissions |= role.permissions;
        }
        if permissions.contains(Permissions::ADMINISTRATOR) {
            return Permissions::ALL;
        }
        restrict_timeout(permissions, member, now)
    }

    /// A member's permissions in a channel with these overwrites.
    pub fn channel_permissions(
        &self,
        member: &MemberInfo,
        overwrites: &[Overwrite],
        now: UnixMillis,
    ) -> Permissions {
        if member.user == self.owner {
            return Permissions::ALL;
        }
        let mut base = self.everyone();
        for role in member.roles.iter().filter_map(|id| self.role(*id)) {
            base |= role.permissions;
        }
        if base.contains(Permissions::ADMINISTRATOR) {
            return Permissions::ALL;
        }
        let everyone = RoleId::new(self.id.get());
        let mut permissions = base;
        if let Some(overwrite) = overwrites
            .iter()
            .find(|o| o.target == OverwriteTarget::Role(everyone))
        {
            permissions = Permissions((permissions.0 & !overwrite.deny.0) | overwrite.allow.0);
        }
        let (mut allow, mut deny) = (Permissions::NONE, Permissions::NONE);
        for overwrite in overwrites {
            if let OverwriteTarget::Role(role) = overwrite.target
                && role != everyone
                && member.roles.contains(&role)
            {
                allow |= overwrite.allow;
                deny |= overwrite.deny;
            }
        }
        permissions = Permissions((permissions.0 & !deny.0) | allow.0);
        if let Some(overwrite) = overwrites
            .iter()
            .find(|o| o.target == OverwriteTarget::Member(member.user))
        {
            permissions = Permissions((permissions.0 & !overwrite.deny.0) | overwrite.allow.0);
        }
        restrict_timeout(permissions, member, now)
    }
}

/// A timed-out member keeps only View Channels and Read Message History.
fn restrict_timeout(permissions: Permissions, member: &MemberInfo, now: UnixMillis) -> Permissions {
    match member.timed_out_until {
        Some(until) if until > now => {
            permissions & (Permissions::VIEW_CHANNEL | Permissions::READ_MESSAGE_HISTORY)
        }
        _ => permissions,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GUILD: GuildId = GuildId::new(100);
    const EVERYONE: RoleId = RoleId::new(100);
    const MOD: RoleId = RoleId::new(2);
    const ADMIN: RoleId = RoleId::new(3);
    const MUTED: RoleId = RoleId::new(4);

    fn guild() -> GuildInfo {
        let send = Permissions::VIEW_CHANNEL | Permissions::SEND_MESSAGES;
        GuildInfo {
            id: GUILD,
            owner: UserId::new(1),
            roles: vec![
                RoleInfo {
                    id: EVERYONE,
                    position: 0,
                    permissions: send,
                },
                RoleInfo {
                    id: MUTED,
                    position: 1,
                    permissions: Permissions::NONE,
                },
                RoleInfo {
                    id: MOD,
                    position: 5,
                    permissions: Permissions::KICK_MEMBERS | Permissions::MODERATE_MEMBERS,
                },
                RoleInfo {
                    id: ADMIN,
                    position: 9,
                    permissions: Permissions::ADMINISTRATOR,
                },
            ],
        }
    }

    fn member(user: u64, roles: &[RoleId]) -> MemberInfo {
        MemberInfo {
            user: UserId::new(user),
            roles: roles.to_vec(),
            timed_out_until: None,
        }
    }

    #[test]
    fn base_combines_everyone_and_roles_and_administrator_grants_all() {
        let guild = guild();
        let now = UnixMillis(0);
        let moderator = guild.base_permissions(&member(5, &[MOD]), now);
        assert!(moderator.contains(Permissions::KICK_MEMBERS | Permissions::SEND_MESSAGES));
        assert!(!moderator.contains(Permissions::BAN_MEMBERS));
        assert_eq!(
            guild.base_permissions(&member(6, &[ADMIN]), now),
            Permissions::ALL
        );
        assert_eq!(
            guild.base_permissions(&member(1, &[]), now),
            Permissions::ALL,
            "the owner"
        );
    }

    #[test]
    fn overwrites_apply_everyone_then_roles_then_member() {
        let guild = guild();
        let now = UnixMillis(0);
        let overwrites = [
            Overwrite {
                target: OverwriteTarget::Role(EVERYONE),
                allow: Permissions::NONE,
                deny: Permissions::SEND_MESSAGES,
            },
            Overwrite {
                target: OverwriteTarget::Role(MOD),
                allow: Permissions::SEND_MESSAGES,
                deny: Permissions::NONE,
            },
            Overwrite {
                target: OverwriteTarget::Role(MUTED),
                allow: Permissions::NONE,
                deny: Permissions::SEND_MESSAGES,
            },
            Overwrite {
                target: OverwriteTarget::Member(UserId::new(8)),
                allow: Permissions::SEND_MESSAGES,
                deny: Permissions::NONE,
            },
        ];
        let can_send = |m: &MemberInfo| {
            guild
                .channel_permissions(m, &overwrites, now)
                .contains(Permissions::SEND_MESSAGES)
        };
        assert!(!can_send(&member(7, &[])), "@everyone denied");
        assert!(
            can_send(&member(5, &[MOD])),
            "a role allow beats the @everyone deny"
        );
        assert!(
            can_send(&member(5, &[MOD, MUTED])),
            "role allows win over role denies"
        );
        assert!(
            can_send(&member(8, &[MUTED])),
            "the member overwrite wins over everything"
        );
        assert!(
            can_send(&member(6, &[ADMIN])),
            "administrators ignore overwrites"
        );
    }

    #[test]
    fn a_timeout_leaves_only_viewing() {
        let guild = guild();
        let mut timed_out = member(5, &[MOD]);
        timed_out.timed_out_until = Some(UnixMillis(1_000));
        let during = guild.base_permissions(&timed_out, UnixMillis(500));
        assert_eq!(during, Permissions::VIEW_CHANNEL);
        assert!(
            guild
                .base_permissions(&timed_out, UnixMillis(1_000))
                .contains(Permissions::KICK_MEMBERS)
        );
        let mut admin = member(6, &[ADMIN]);
        admin.timed_out_until = Some(UnixMillis(1_000));
        assert_eq!(
            guild.base_permissions(&admin, UnixMillis(500)),
            Permissions::ALL
        );
    }

    #[test]
    fn top_position_and_names() {
        let guild = guild();
        assert_eq!(guild.top_position(&member(5, &[MOD, MUTED])), 5);
        assert_eq!(guild.top_position(&member(7, &[])), 0);
        assert_eq!(guild.top_position(&member(1, &[])), i32::MAX);
        assert_eq!(Permissions::BAN_MEMBERS.names(), ["Ban Members"]);
        assert_eq!((Permissions::ALL.0 >> 50) & 1, 1);
    }
}
