//! What the stand-in starts with: the bot, guilds, roles, channels and members.
//!
//! [`Seed::small`] and [`Seed::two_guilds`] are for tests (their ids are constants in [`small`]);
//! [`Seed::demo`] is a larger, realistic world for `guildhall demo`.

use guildhall_core::ids::{ChannelId, GuildId, RoleId, UserId};
use guildhall_core::permissions::Permissions;

use crate::model::ChannelKind;

/// Builds a snowflake from milliseconds since Discord's epoch and an increment.
pub const fn snowflake(ms_since_epoch: u64, increment: u64) -> u64 {
    (ms_since_epoch << 22) | (increment & 0x3f_ffff)
}

/// A user to create.
#[derive(Debug, Clone)]
pub struct SeedUser {
    /// The user's id.
    pub id: UserId,
    /// The username.
    pub username: String,
    /// The display name.
    pub global_name: Option<String>,
}

/// A role to create.
#[derive(Debug, Clone)]
pub struct SeedRole {
    /// The role's id.
    pub id: RoleId,
    /// Its name.
    pub name: String,
    /// Its position (higher outranks lower).
    pub position: i32,
    /// What it grants.
    pub permissions: Permissions,
    /// Colour 0xRRGGBB (0 for none).
    pub colour: u32,
    /// The bot whose managed role it is (`managed: true`, `tags.bot_id`), if any.
    pub bot: Option<UserId>,
}

/// A custom emoji to create.
#[derive(Debug, Clone)]
pub struct SeedEmoji {
    /// Its id.
    pub id: u64,
    /// Its name (without colons).
    pub name: String,
    /// Whether it is animated.
    pub animated: bool,
}

/// Discord's preset role colours, which seeded roles take in turn.
pub const ROLE_COLOURS: [u32; 10] = [
    0xe74c3c, // red
    0x3498db, // blue
    0x2ecc71, // green
    0x9b59b6, // purple
    0xf1c40f, // yellow
    0xe67e22, // orange
    0x1abc9c, // teal
    0xe91e63, // pink
    0x99aab5, // grey
    0x206694, // dark blue
];

/// A channel to create.
#[derive(Debug, Clone)]
pub struct SeedChannel {
    /// The channel's id.
    pub id: ChannelId,
    /// Its name.
    pub name: String,
    /// Its kind (text, voice or category).
    pub kind: ChannelKind,
    /// Its category.
    pub parent: Option<ChannelId>,
}

/// A member to create.
#[derive(Debug, Clone)]
pub struct SeedMember {
    /// The user (created if not listed among the seed's users).
    pub user: UserId,
    /// Roles.
    pub roles: Vec<RoleId>,
    /// Nickname.
    pub nick: Option<String>,
}

/// A guild to create. The @everyone role (id = guild id) is created automatically with
/// `everyone` permissions.
#[derive(Debug, Clone)]
pub struct SeedGuild {
    /// The guild's id.
    pub id: GuildId,
    /// Its name.
    pub name: String,
    /// Its owner (made a member automatically).
    pub owner: UserId,
    /// What @everyone grants.
    pub everyone: Permissions,
    /// Roles besides @everyone.
    pub roles: Vec<SeedRole>,
    /// Channels.
    pub channels: Vec<SeedChannel>,
    /// Members.
    pub members: Vec<SeedMember>,
    /// Its icon's hash (`None`: no icon).
    pub icon: Option<String>,
    /// Its custom emojis.
    pub emojis: Vec<SeedEmoji>,
}

impl SeedGuild {
    /// A guild with an owner, default @everyone permissions and nothing else.
    pub fn new(id: GuildId, name: &str, owner: UserId) -> Self {
        Self {
            id,
            name: name.to_owned(),
            owner,
            everyone: default_everyone(),
            roles: Vec::new(),
            channels: Vec::new(),
            members: vec![SeedMember {
                user: owner,
                roles: Vec::new(),
                nick: None,
            }],
            icon: None,
            emojis: Vec::new(),
        }
    }

    /// Sets the guild's icon hash.
    #[must_use]
    pub fn icon(mut self, hash: &str) -> Self {
        self.icon = Some(hash.to_owned());
        self
    }

    /// Adds a custom emoji.
    #[must_use]
    pub fn emoji(mut self, id: u64, name: &str, animated: bool) -> Self {
        self.emojis.push(SeedEmoji {
            id,
            name: name.to_owned(),
            animated,
        });
        self
    }

    /// Adds a role, coloured with the next of [`ROLE_COLOURS`].
    #[must_use]
    pub fn role(mut self, id: RoleId, name: &str, position: i32, permissions: Permissions) -> Self {
        let colour = ROLE_COLOURS[self.roles.len() % ROLE_COLOURS.len()];
        self.roles.push(SeedRole {
            id,
            name: name.to_owned(),
            position,
            permissions,
            colour,
            bot: None,
        });
        self
    }

    /// Adds the role Discord creates for `bot` when it joins: managed (it cannot be given to
    /// members), tagged with the bot's id, without a colour.
    #[must_use]
    pub fn bot_role(
        mut self,
        id: RoleId,
        name: &str,
        position: i32,
        permissions: Permissions,
        bot: UserId,
    ) -> Self {
        self.roles.push(SeedRole {
            id,
            name: name.to_owned(),
            position,
            permissions,
            colour: 0,
            bot: Some(bot),
        });
        self
    }

    /// Sets a role's colour (0xRRGGBB, 0 for none).
    #[must_use]
    pub fn colour(mut self, role: RoleId, colour: u32) -> Self {
        if let Some(seeded) = self.roles.iter_mut().find(|r| r.id == role) {
            seeded.colour = colour;
        }
        self
    }

    /// Adds a channel of a kind, optionally in a category.
    #[must_use]
    pub fn channel(
        mut self,
        id: ChannelId,
        name: &str,
        kind: ChannelKind,
        parent: Option<ChannelId>,
    ) -> Self {
        self.channels.push(SeedChannel {
            id,
            name: name.to_owned(),
            kind,
            parent,
        });
        self
    }

    /// Adds a text channel.
    #[must_use]
    pub fn text_channel(self, id: ChannelId, name: &str) -> Self {
        self.channel(id, name, ChannelKind::Text, None)
    }

    /// Adds a voice channel.
    #[must_use]
    pub fn voice_channel(self, id: ChannelId, name: &str) -> Self {
        self.channel(id, name, ChannelKind::Voice, None)
    }

    /// Adds a category.
    #[must_use]
    pub fn category(self, id: ChannelId, name: &str) -> Self {
        self.channel(id, name, ChannelKind::Category, None)
    }

    /// Adds a member with roles.
    #[must_use]
    pub fn member(mut self, user: UserId, roles: &[RoleId]) -> Self {
        if let Some(existing) = self.members.iter_mut().find(|m| m.user == user) {
            existing.roles = roles.to_vec();
        } else {
            self.members.push(SeedMember {
                user,
                roles: roles.to_vec(),
                nick: None,
            });
        }
        self
    }
}

/// One of the application's SKUs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedSku {
    /// Its id.
    pub id: u64,
    /// Discord's SKU type (5 SUBSCRIPTION, 6 SUBSCRIPTION_GROUP, 2 DURABLE, 3 CONSUMABLE).
    pub kind: u8,
    /// The customer-facing name.
    pub name: String,
    /// The URL slug.
    pub slug: String,
    /// SKU flags.
    pub flags: u64,
}

/// Everything the stand-in starts with.
#[derive(Debug, Clone)]
pub struct Seed {
    /// The bot user; its id is also the application id.
    pub bot: SeedUser,
    /// The bot token (`Authorization: Bot <token>`).
    pub bot_token: String,
    /// The OAuth2 client secret.
    pub client_secret: String,
    /// Users (members' users not listed here are created with a generated name).
    pub users: Vec<SeedUser>,
    /// Guilds.
    pub guilds: Vec<SeedGuild>,
    /// The gateway heartbeat interval in milliseconds (default 41250).
    pub heartbeat_interval_ms: u64,
    /// Privileged intents the application may not use (IDENTIFY with them closes with 4014).
    pub disallowed_intents: u64,
    /// The application's SKUs: by default the guild subscription "Guildhall Premium"
    /// ([`small::PREMIUM_SKU`]) and the SUBSCRIPTION_GROUP SKU Discord creates with it
    /// ([`small::PREMIUM_SKU_GROUP`]).
    pub skus: Vec<SeedSku>,
}

impl Default for Seed {
    fn default() -> Self {
        Self::new()
    }
}

impl Seed {
    /// An empty seed with only the bot user [`small::BOT`] named "Guildhall".
    pub fn new() -> Self {
        Self {
            bot: SeedUser {
                id: small::BOT,
                username: "Guildhall".into(),
                global_name: None,
            },
            bot_token: "sandbox-bot-token.Gh1.x7Qz".into(),
            client_secret: "sandbox-client-secret".into(),
            users: Vec::new(),
            guilds: Vec::new(),
            heartbeat_interval_ms: 41_250,
            disallowed_intents: 0,
            skus: premium_skus(),
        }
    }

    /// Adds a SKU (a consumable or durable one, say, for entitlement tests).
    #[must_use]
    pub fn sku(mut self, id: u64, kind: u8, name: &str, flags: u64) -> Self {
        self.skus.push(SeedSku {
            id,
            kind,
            name: name.to_owned(),
            slug: name.to_lowercase().replace(' ', "-"),
            flags,
        });
        self
    }

    /// Adds a user.
    #[must_use]
    pub fn user(mut self, id: UserId, username: &str) -> Self {
        self.users.push(SeedUser {
            id,
            username: username.to_owned(),
            global_name: None,
        });
        self
    }

    /// Adds a guild.
    #[must_use]
    pub fn guild(mut self, guild: SeedGuild) -> Self {
        self.guilds.push(guild);
        self
    }

    /// Sets the heartbeat interval.
    #[must_use]
    pub fn heartbeat_interval(mut self, ms: u64) -> Self {
        self.heartbeat_interval_ms = ms;
        self
    }

    /// Privileged intents (bits) the application is not allowed.
    #[must_use]
    pub fn disallow_intents(mut self, bits: u64) -> Self {
        self.disallowed_intents = bits;
        self
    }

    /// One guild for tests: owner, Admin, Guildhall (the bot), two Moderators, Member role,
    /// #general, #mod-log, a voice channel. Ids are in [`small`].
    pub fn small() -> Self {
        use small::*;
        Self::new()
            .user(OWNER, "olivia_owner")
            .user(ADMIN, "adam_admin")
            .user(MOD_A, "mia_mod")
            .user(MOD_B, "max_mod")
            .user(MEMBER_A, "alice")
            .user(MEMBER_B, "bob")
            .user(MEMBER_C, "carol")
            .guild(small_guild())
    }

    /// [`Seed::small`] plus a second guild (on the other shard of two) for isolation tests.
    pub fn two_guilds() -> Self {
        use small::*;
        Self::small().user(OTHER_OWNER, "oscar_other").guild(
            SeedGuild::new(OTHER_GUILD, "Other Guild", OTHER_OWNER)
                .bot_role(
                    OTHER_GUILDHALL_ROLE,
                    "Guildhall",
                    5,
                    bot_permissions(),
                    crate::seed::small::BOT,
                )
                .text_channel(OTHER_GENERAL, "general")
                .member(crate::seed::small::BOT, &[OTHER_GUILDHALL_ROLE])
                .member(MEMBER_A, &[]),
        )
    }

    /// A realistic demo world: two guilds with role hierarchies, text and voice channels and
    /// 60+ members.
    pub fn demo() -> Self {
        crate::seed_demo::demo()
    }
}

/// The SKUs of a guild subscription as Discord makes them: the SUBSCRIPTION SKU (type 5,
/// AVAILABLE | GUILD_SUBSCRIPTION) and the SUBSCRIPTION_GROUP SKU (type 6) created with it,
/// which shares its name, slug and flags and is listed first.
pub fn premium_skus() -> Vec<SeedSku> {
    use crate::model::{
        SKU_AVAILABLE, SKU_GUILD_SUBSCRIPTION, SKU_SUBSCRIPTION, SKU_SUBSCRIPTION_GROUP,
    };
    let sku = |id: u64, kind: u8| SeedSku {
        id,
        kind,
        name: "Guildhall Premium".into(),
        slug: "guildhall-premium".into(),
        flags: SKU_AVAILABLE | SKU_GUILD_SUBSCRIPTION,
    };
    vec![
        sku(small::PREMIUM_SKU_GROUP, SKU_SUBSCRIPTION_GROUP),
        sku(small::PREMIUM_SKU, SKU_SUBSCRIPTION),
    ]
}

/// What @everyone grants by default in seeds.
pub fn default_everyone() -> Permissions {
    Permissions::VIEW_CHANNEL
        | Permissions::SEND_MESSAGES
        | Permissions::READ_MESSAGE_HISTORY
        | Permissions::ADD_REACTIONS
        | Permissions::CONNECT
        | Permissions::SPEAK
        | Permissions::USE_APPLICATION_COMMANDS
        | Permissions::EMBED_LINKS
        | Permissions::ATTACH_FILES
        | Permissions::CREATE_PUBLIC_THREADS
        | Permissions::SEND_MESSAGES_IN_THREADS
        | Permissions::CHANGE_NICKNAME
}

/// What the bot's "Guildhall" role grants in seeds.
pub fn bot_permissions() -> Permissions {
    Permissions::MANAGE_ROLES
        | Permissions::KICK_MEMBERS
        | Permissions::BAN_MEMBERS
        | Permissions::MODERATE_MEMBERS
        | Permissions::MANAGE_MESSAGES
        | Permissions::MANAGE_THREADS
        | Permissions::MANAGE_CHANNELS
        | Permissions::MANAGE_NICKNAMES
        | Permissions::MUTE_MEMBERS
        | Permissions::DEAFEN_MEMBERS
        | Permissions::MOVE_MEMBERS
        | Permissions::SEND_MESSAGES
        | Permissions::SEND_MESSAGES_IN_THREADS
        | Permissions::CREATE_PUBLIC_THREADS
        | Permissions::CREATE_PRIVATE_THREADS
        | Permissions::VIEW_CHANNEL
        | Permissions::READ_MESSAGE_HISTORY
        | Permissions::EMBED_LINKS
        | Permissions::ATTACH_FILES
        | Permissions::ADD_REACTIONS
        | Permissions::VIEW_AUDIT_LOG
        | Permissions::MANAGE_WEBHOOKS
}

/// What the Moderator role grants in seeds.
pub fn moderator_permissions() -> Permissions {
    Permissions::KICK_MEMBERS
        | Permissions::BAN_MEMBERS
        | Permissions::MODERATE_MEMBERS
        | Permissions::MANAGE_MESSAGES
        | Permissions::MANAGE_NICKNAMES
        | Permissions::MUTE_MEMBERS
}

fn small_guild() -> SeedGuild {
    use small::*;
    SeedGuild::new(GUILD, "Guildhall Test", OWNER)
        .icon(ICON)
        .role(ADMIN_ROLE, "Admin", 10, Permissions::ADMINISTRATOR)
        .bot_role(GUILDHALL_ROLE, "Guildhall", 8, bot_permissions(), BOT)
        .role(MOD_ROLE, "Moderator", 5, moderator_permissions())
        .role(MEMBER_ROLE, "Member", 1, Permissions::NONE)
        .colour(ADMIN_ROLE, 0xe74c3c)
        .colour(MOD_ROLE, 0x3498db)
        .colour(MEMBER_ROLE, 0x2ecc71)
        .emoji(WAVE_EMOJI, "wave", false)
        .emoji(PARTY_EMOJI, "party_parrot", true)
        .category(CATEGORY, "Text Channels")
        .channel(GENERAL, "general", ChannelKind::Text, Some(CATEGORY))
        .channel(MOD_LOG, "mod-log", ChannelKind::Text, Some(CATEGORY))
        .voice_channel(VOICE, "Lounge")
        .member(BOT, &[GUILDHALL_ROLE])
        .member(ADMIN, &[ADMIN_ROLE, MEMBER_ROLE])
        .member(MOD_A, &[MOD_ROLE, MEMBER_ROLE])
        .member(MOD_B, &[MOD_ROLE, MEMBER_ROLE])
        .member(MEMBER_A, &[MEMBER_ROLE])
        .member(MEMBER_B, &[MEMBER_ROLE])
        .member(MEMBER_C, &[])
}

/// Fixed ids of [`Seed::small`] and [`Seed::two_guilds`].
pub mod small {
    use super::snowflake;
    use guildhall_core::ids::{ChannelId, GuildId, RoleId, UserId};

    const T: u64 = 190_000_000_000;

    /// The test guild (shard 0 of 2).
    pub const GUILD: GuildId = GuildId::new(snowflake(T, 1));
    /// The second guild of [`super::Seed::two_guilds`] (shard 1 of 2).
    pub const OTHER_GUILD: GuildId = GuildId::new(snowflake(T + 1, 1));
    /// The bot user (also the application id).
    pub const BOT: UserId = UserId::new(snowflake(T - 5_000_000, 7));
    /// The guild's owner.
    pub const OWNER: UserId = UserId::new(snowflake(T - 9_000_000, 11));
    /// A member with the Admin role.
    pub const ADMIN: UserId = UserId::new(snowflake(T - 8_000_000, 12));
    /// A moderator.
    pub const MOD_A: UserId = UserId::new(snowflake(T - 7_000_000, 13));
    /// Another moderator.
    pub const MOD_B: UserId = UserId::new(snowflake(T - 6_900_000, 14));
    /// A member with the Member role.
    pub const MEMBER_A: UserId = UserId::new(snowflake(T - 4_000_000, 15));
    /// Another member with the Member role.
    pub const MEMBER_B: UserId = UserId::new(snowflake(T - 3_000_000, 16));
    /// A member with no roles.
    pub const MEMBER_C: UserId = UserId::new(snowflake(T - 2_000_000, 17));
    /// The owner of the second guild.
    pub const OTHER_OWNER: UserId = UserId::new(snowflake(T - 1_000_000, 18));
    /// The Admin role (ADMINISTRATOR, position 10).
    pub const ADMIN_ROLE: RoleId = RoleId::new(snowflake(T, 20));
    /// The bot's Guildhall role (position 8).
    pub const GUILDHALL_ROLE: RoleId = RoleId::new(snowflake(T, 21));
    /// The Moderator role (position 5).
    pub const MOD_ROLE: RoleId = RoleId::new(snowflake(T, 22));
    /// The Member role (position 1).
    pub const MEMBER_ROLE: RoleId = RoleId::new(snowflake(T, 23));
    /// The bot's role in the second guild.
    pub const OTHER_GUILDHALL_ROLE: RoleId = RoleId::new(snowflake(T + 1, 21));
    /// The text category.
    pub const CATEGORY: ChannelId = ChannelId::new(snowflake(T, 30));
    /// #general.
    pub const GENERAL: ChannelId = ChannelId::new(snowflake(T, 31));
    /// #mod-log.
    pub const MOD_LOG: ChannelId = ChannelId::new(snowflake(T, 32));
    /// The voice channel "Lounge".
    pub const VOICE: ChannelId = ChannelId::new(snowflake(T, 33));
    /// #general of the second guild.
    pub const OTHER_GENERAL: ChannelId = ChannelId::new(snowflake(T + 1, 31));
    /// @everyone of the test guild.
    pub const EVERYONE: RoleId = RoleId::new(GUILD.get());
    /// The test guild's icon hash.
    pub const ICON: &str = "3f2c5a1d9b8e7f604c1a2b3d4e5f6a7b";
    /// The id of the test guild's custom emoji `:wave:`.
    pub const WAVE_EMOJI: u64 = snowflake(T, 50);
    /// The id of the test guild's animated custom emoji `:party_parrot:`.
    pub const PARTY_EMOJI: u64 = snowflake(T, 51);
    /// The application's guild subscription SKU "Guildhall Premium" (type 5, flags 132) in
    /// every seed ([`crate::Sandbox::premium_sku`] returns it too).
    pub const PREMIUM_SKU: u64 = snowflake(T - 4_500_000, 41);
    /// The SUBSCRIPTION_GROUP SKU (type 6) Discord creates with [`PREMIUM_SKU`].
    pub const PREMIUM_SKU_GROUP: u64 = snowflake(T - 4_500_000, 40);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_guilds_sit_on_different_shards() {
        assert_eq!((small::GUILD.get() >> 22) % 2, 0);
        assert_eq!((small::OTHER_GUILD.get() >> 22) % 2, 1);
        let seed = Seed::two_guilds();
        assert_eq!(seed.guilds.len(), 2);
    }
}
