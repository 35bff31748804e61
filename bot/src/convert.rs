//! Conversions between serenity's types and the core's: the only place they meet.

use guildhall_core::clock::UnixMillis;
use guildhall_core::guild_cache::{GuildEmoji, GuildLook, RoleStyle};
use guildhall_core::ids::{ChannelId, GuildId, RoleId, UserId};
use guildhall_core::permissions::{MemberInfo, Permissions, RoleInfo};
use guildhall_core::references::{ChannelFacts, ChannelKind};
use serenity::all as discord;

/// A guild id.
pub fn guild(id: discord::GuildId) -> GuildId {
    GuildId::new(id.get())
}

/// A user id.
pub fn user(id: discord::UserId) -> UserId {
    UserId::new(id.get())
}

/// A channel id.
pub fn channel(id: discord::ChannelId) -> ChannelId {
    ChannelId::new(id.get())
}

/// A role id.
pub fn role(id: discord::RoleId) -> RoleId {
    RoleId::new(id.get())
}

/// A timestamp.
pub fn time(timestamp: discord::Timestamp) -> UnixMillis {
    UnixMillis(timestamp.unix_timestamp() * 1_000)
}

/// A role as permissions see it, with its name.
pub fn role_info(role: &discord::Role) -> (RoleInfo, String) {
    (
        RoleInfo {
            id: self::role(role.id),
            position: i32::from(role.position),
            permissions: Permissions(role.permissions.bits()),
        },
        role.name.clone(),
    )
}

/// How a role shows (its colour, whether a bot or integration manages it).
pub fn role_style(role: &discord::Role) -> RoleStyle {
    RoleStyle {
        colour: role.colour.0,
        managed: role.managed,
    }
}

/// A guild's custom emojis, by id.
pub fn emojis<'a>(emojis: impl IntoIterator<Item = &'a discord::Emoji>) -> Vec<GuildEmoji> {
    let mut emojis: Vec<GuildEmoji> = emojis
        .into_iter()
        .map(|emoji| GuildEmoji {
            id: emoji.id.get(),
            name: emoji.name.clone(),
            animated: emoji.animated,
        })
        .collect();
    emojis.sort_by_key(|emoji| emoji.id);
    emojis
}

/// A guild's icon and member count, from its GUILD_CREATE (a count of 0 is one Discord did
/// not send: a guild has at least the bot).
pub fn guild_look(guild: &discord::Guild) -> GuildLook {
    GuildLook {
        icon: guild.icon.as_ref().map(ToString::to_string),
        member_count: (guild.member_count > 0).then_some(guild.member_count),
    }
}

/// A member as permissions see them.
pub fn member_info(member: &discord::Member) -> MemberInfo {
    MemberInfo {
        user: user(member.user.id),
        roles: member.roles.iter().map(|id| role(*id)).collect(),
        timed_out_until: member.communication_disabled_until.map(time),
    }
}

/// A partial member (from an interaction) as permissions see them.
pub fn partial_member_info(
    user_id: discord::UserId,
    member: &discord::PartialMember,
) -> MemberInfo {
    MemberInfo {
        user: user(user_id),
        roles: member.roles.iter().map(|id| role(*id)).collect(),
        timed_out_until: None,
    }
}

/// A member as permissions see them, from a GUILD_MEMBER_UPDATE (serenity hands over the
/// updated member only with its own cache, which Guildhall leaves off).
pub fn member_update_info(event: &discord::GuildMemberUpdateEvent) -> MemberInfo {
    MemberInfo {
        user: user(event.user.id),
        roles: event.roles.iter().map(|id| role(*id)).collect(),
        timed_out_until: event.communication_disabled_until.map(time),
    }
}

/// A guild channel (or category) as the guild model keeps it.
pub fn channel_facts(channel: &discord::GuildChannel) -> (ChannelId, ChannelFacts) {
    (
        self::channel(channel.id),
        ChannelFacts {
            guild: guild(channel.guild_id),
            name: channel.name.clone(),
            kind: ChannelKind::from_discord(u64::from(u8::from(channel.kind))),
            parent: channel.parent_id.map(self::channel),
            position: i32::from(channel.position),
            nsfw: channel.nsfw,
        },
    )
}

/// Puts a guild channel into the guild model (GUILD_CREATE, CHANNEL_CREATE, CHANNEL_UPDATE).
pub fn cache_channel(
    cache: &guildhall_core::guild_cache::GuildCache,
    channel: &discord::GuildChannel,
) {
    let (id, facts) = channel_facts(channel);
    cache.put_channel(
        facts.guild,
        id,
        facts.name,
        facts.kind,
        facts.parent,
        facts.position,
        facts.nsfw,
    );
}

/// A role as the logs compare it.
pub fn role_shape(role: &discord::Role) -> guildhall_core::events::RoleShape {
    guildhall_core::events::RoleShape {
        id: self::role(role.id),
        name: role.name.clone(),
        colour: role.colour.0,
        permissions: Permissions(role.permissions.bits()),
        position: i32::from(role.position),
        hoist: role.hoist,
        mentionable: role.mentionable,
        managed: role.managed,
    }
}

/// A channel as the logs compare it.
pub fn channel_shape(channel: &discord::GuildChannel) -> guildhall_core::events::ChannelShape {
    use guildhall_core::permissions::{Overwrite, OverwriteTarget};
    guildhall_core::events::ChannelShape {
        id: self::channel(channel.id),
        name: channel.name.clone(),
        kind: ChannelKind::from_discord(u64::from(u8::from(channel.kind))),
        parent: channel.parent_id.map(self::channel),
        topic: channel.topic.clone().filter(|topic| !topic.is_empty()),
        nsfw: channel.nsfw,
        slowmode_secs: u32::from(channel.rate_limit_per_user.unwrap_or(0)),
        position: i32::from(channel.position),
        overwrites: channel
            .permission_overwrites
            .iter()
            .filter_map(|overwrite| {
                let target = match overwrite.kind {
                    discord::PermissionOverwriteType::Member(id) => {
                        OverwriteTarget::Member(user(id))
                    }
                    discord::PermissionOverwriteType::Role(id) => OverwriteTarget::Role(role(id)),
                    _ => return None,
                };
                Some(Overwrite {
                    target,
                    allow: Permissions(overwrite.allow.bits()),
                    deny: Permissions(overwrite.deny.bits()),
                })
            })
            .collect(),
    }
}
