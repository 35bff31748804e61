//! Members: read, modify (nick, roles, timeout, mute, deaf, move), roles, kick and bans.

use std::time::Duration;

use guildhall_core::clock::UnixMillis;
use guildhall_core::ids::{GuildId, RoleId, UserId};
use guildhall_core::permissions::Permissions;
use serde_json::{Value, json};

use super::{
    Answer, ApiError, Req, cid, gid, need_above, need_guild_perm, need_role_below, no_content, ok,
    rid, uid,
};
use crate::model::Member;
use crate::{Inner, State, payloads};

/// Discord's longest timeout.
const MAX_TIMEOUT: Duration = Duration::from_secs(28 * 24 * 3_600);

fn member(st: &State, guild: GuildId, user: UserId) -> Result<&Member, ApiError> {
    st.world
        .guild(guild)
        .ok_or_else(ApiError::unknown_guild)?
        .members
        .get(&user)
        .ok_or_else(ApiError::unknown_member)
}

/// `GET /guilds/{guild}/members?limit=&after=`: members by user id after `after`, `limit`
/// of them (1 to 1000, default 1, as Discord). Needs the Server Members privileged intent
/// enabled for the application (else `403 Missing Access`).
pub(super) fn list(inner: &Inner, st: &State, guild: &str, req: &Req) -> Answer {
    let guild = gid(guild)?;
    let g = st.world.guild(guild).ok_or_else(ApiError::unknown_guild)?;
    if inner.config.disallowed_intents & crate::gateway::intents::GUILD_MEMBERS != 0 {
        return Err(ApiError::missing_access());
    }
    let limit = match req.query("limit") {
        None => 1,
        Some(text) => {
            let limit = text.parse::<i64>().map_err(|_| {
                ApiError::field(
                    "limit",
                    "NUMBER_TYPE_COERCE",
                    &format!("Value \"{text}\" is not int."),
                )
            })?;
            if limit < 1 {
                return Err(ApiError::field(
                    "limit",
                    "NUMBER_TYPE_MIN",
                    "int value should be greater than or equal to 1.",
                ));
            }
            if limit > 1000 {
                return Err(ApiError::field(
                    "limit",
                    "NUMBER_TYPE_MAX",
                    "int value should be less than or equal to 1000.",
                ));
            }
            usize::try_from(limit).unwrap_or(1)
        }
    };
    let after = match req.query("after") {
        None => 0,
        Some(text) => text.parse::<u64>().map_err(|_| {
            ApiError::field(
                "after",
                "NUMBER_TYPE_COERCE",
                &format!("Value \"{text}\" is not snowflake."),
            )
        })?,
    };
    ok(Value::Array(
        g.members
            .values()
            .filter(|m| m.user.get() > after)
            .take(limit)
            .map(|m| payloads::member(&st.world, None, m))
            .collect(),
    ))
}

pub(super) fn get(st: &State, guild: &str, user: &str) -> Answer {
    let (guild, user) = (gid(guild)?, uid(user)?);
    let m = member(st, guild, user)?;
    ok(payloads::member(&st.world, None, m))
}

/// Parses an RFC 3339 time as serenity or Discord write it.
pub(crate) fn parse_time(text: &str) -> Option<UnixMillis> {
    let normal = text.replace("+00:00", "Z");
    humantime::parse_rfc3339_weak(normal.trim_end_matches('Z'))
        .ok()
        .map(UnixMillis::from_system_time)
}

pub(super) fn patch(st: &mut State, guild: &str, user: &str, req: &Req) -> Answer {
    let (guild, user) = (gid(guild)?, uid(user)?);
    let current = member(st, guild, user)?.clone();
    let mut updated = current.clone();
    let bot = st.world.bot;
    let now = st.now();
    if req.has("nick") {
        if user == bot {
            // Its own nickname: Change Nickname (or Manage Nicknames).
            let held = st
                .world
                .base_permissions(guild, bot)
                .ok_or_else(ApiError::missing_access)?;
            if !held.contains(Permissions::CHANGE_NICKNAME)
                && !held.contains(Permissions::MANAGE_NICKNAMES)
            {
                return Err(ApiError::missing_permissions());
            }
        } else {
            need_guild_perm(st, guild, Permissions::MANAGE_NICKNAMES)?;
            need_above(st, guild, user)?;
        }
        updated.nick = req.str("nick").filter(|n| !n.is_empty()).map(str::to_owned);
    }
    if let Some(roles) = req.body.get("roles").and_then(Value::as_array) {
        need_guild_perm(st, guild, Permissions::MANAGE_ROLES)?;
        let mut wanted = Vec::new();
        for role in roles {
            let id = rid(role.as_str().unwrap_or_default())?;
            if id.get() != guild.get() && !wanted.contains(&id) {
                wanted.push(id);
            }
        }
        let changed: Vec<RoleId> = wanted
            .iter()
            .filter(|r| !current.roles.contains(r))
            .chain(current.roles.iter().filter(|r| !wanted.contains(r)))
            .copied()
            .collect();
        for role in changed {
            need_role_below(st, guild, role)?;
        }
        updated.roles = wanted;
    }
    if let Some(until) = req.body.get("communication_disabled_until") {
        need_guild_perm(st, guild, Permissions::MODERATE_MEMBERS)?;
        need_above(st, guild, user)?;
        if until.is_null() {
            updated.communication_disabled_until = None;
        } else {
            let at = until.as_str().and_then(parse_time).ok_or_else(|| {
                ApiError::field(
                    "communication_disabled_until",
                    "DATE_TYPE_PARSE",
                    "Could not parse timestamp. Should be ISO8601.",
                )
            })?;
            if at > now.plus(MAX_TIMEOUT) {
                return Err(ApiError::field(
                    "communication_disabled_until",
                    "BASE_TYPE_BAD_TIME",
                    "Cannot time out a member for more than 28 days.",
                ));
            }
            let target_perms = st.world.base_permissions(guild, user).unwrap_or_default();
            if target_perms.contains(Permissions::ADMINISTRATOR) {
                return Err(ApiError::missing_permissions());
            }
            updated.communication_disabled_until = (at > now).then_some(at);
        }
    }
    let in_voice = st
        .world
        .guild(guild)
        .and_then(|g| g.voice.get(&user).cloned());
    for (key, perm) in [
        ("mute", Permissions::MUTE_MEMBERS),
        ("deaf", Permissions::DEAFEN_MEMBERS),
    ] {
        if let Some(flag) = req.body.get(key).and_then(Value::as_bool) {
            need_guild_perm(st, guild, perm)?;
            if in_voice.is_none() {
                return Err(ApiError::new(
                    400,
                    40032,
                    "Target user is not connected to voice.",
                ));
            }
            if key == "mute" {
                updated.mute = flag;
            } else {
                updated.deaf = flag;
            }
        }
    }
    let mut voice_change = None;
    if let Some(target) = req.body.get("channel_id") {
        need_guild_perm(st, guild, Permissions::MOVE_MEMBERS)?;
        let Some(state) = in_voice.clone() else {
            return Err(ApiError::new(
                400,
                40032,
                "Target user is not connected to voice.",
            ));
        };
        if target.is_null() {
            voice_change = Some(None);
        } else {
            let channel = cid(target.as_str().unwrap_or_default())?;
            st.guild_channel(channel, &[crate::model::ChannelKind::Voice])
                .ok_or_else(ApiError::unknown_channel)?;
            // Moving someone into a channel takes being able to connect to it.
            super::need_channel_perm(st, channel, Permissions::CONNECT)?;
            voice_change = Some(Some(crate::model::VoiceState { channel, ..state }));
        }
    }
    if let Some(g) = st.world.guild_mut(guild) {
        g.members.insert(user, updated.clone());
    }
    if updated != current {
        st.member_updated(guild, user);
    }
    if let Some(change) = voice_change {
        st.set_voice(guild, user, change);
    } else if let Some(state) = in_voice
        && (updated.mute != current.mute || updated.deaf != current.deaf)
    {
        st.set_voice(guild, user, Some(state));
    }
    ok(payloads::member(&st.world, None, &updated))
}

pub(super) fn kick(st: &mut State, guild: &str, user: &str) -> Answer {
    let (guild, user) = (gid(guild)?, uid(user)?);
    member(st, guild, user)?;
    need_guild_perm(st, guild, Permissions::KICK_MEMBERS)?;
    need_above(st, guild, user)?;
    st.remove_member(guild, user);
    no_content()
}

pub(super) fn role(st: &mut State, guild: &str, user: &str, role: &str, add: bool) -> Answer {
    let (guild, user, role) = (gid(guild)?, uid(user)?, rid(role)?);
    member(st, guild, user)?;
    need_guild_perm(st, guild, Permissions::MANAGE_ROLES)?;
    need_role_below(st, guild, role)?;
    let changed = st
        .world
        .guild_mut(guild)
        .and_then(|g| g.members.get_mut(&user))
        .is_some_and(|m| {
            let had = m.roles.contains(&role);
            if add && !had {
                m.roles.push(role);
            } else if !add {
                m.roles.retain(|r| *r != role);
            }
            had != add
        });
    if changed {
        st.member_updated(guild, user);
    }
    no_content()
}

pub(super) fn list_bans(st: &State, guild: &str) -> Answer {
    let guild = gid(guild)?;
    need_guild_perm(st, guild, Permissions::BAN_MEMBERS)?;
    let g = st.world.guild(guild).ok_or_else(ApiError::unknown_guild)?;
    ok(Value::Array(
        g.bans
            .values()
            .map(|b| json!({"user": payloads::user(&st.world, b.user), "reason": b.reason}))
            .collect(),
    ))
}

pub(super) fn get_ban(st: &State, guild: &str, user: &str) -> Answer {
    let (guild, user) = (gid(guild)?, uid(user)?);
    need_guild_perm(st, guild, Permissions::BAN_MEMBERS)?;
    let g = st.world.guild(guild).ok_or_else(ApiError::unknown_guild)?;
    let ban = g.bans.get(&user).ok_or_else(ApiError::unknown_ban)?;
    ok(json!({"user": payloads::user(&st.world, ban.user), "reason": ban.reason}))
}

pub(super) fn ban(st: &mut State, guild: &str, user: &str, req: &Req) -> Answer {
    let (guild, user) = (gid(guild)?, uid(user)?);
    if st.world.guild(guild).is_none() {
        return Err(ApiError::unknown_guild());
    }
    if st.world.user(user).is_none() {
        return Err(ApiError::unknown_user());
    }
    need_guild_perm(st, guild, Permissions::BAN_MEMBERS)?;
    need_above(st, guild, user)?;
    let seconds = req
        .body
        .get("delete_message_seconds")
        .and_then(Value::as_u64)
        .or_else(|| {
            req.body
                .get("delete_message_days")
                .and_then(Value::as_u64)
                .map(|d| d * 86_400)
        })
        .unwrap_or(0);
    if seconds > 604_800 {
        return Err(ApiError::field(
            "delete_message_seconds",
            "NUMBER_TYPE_MAX",
            "int value should be less than or equal to 604800.",
        ));
    }
    st.ban(guild, user, req.audit_reason.clone(), seconds);
    no_content()
}

pub(super) fn unban(st: &mut State, guild: &str, user: &str) -> Answer {
    let (guild, user) = (gid(guild)?, uid(user)?);
    need_guild_perm(st, guild, Permissions::BAN_MEMBERS)?;
    if st.unban(guild, user) {
        no_content()
    } else {
        Err(ApiError::unknown_ban())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_serenity_and_discord_times() {
        assert_eq!(parse_time("1970-01-01T00:00:01Z"), Some(UnixMillis(1_000)));
        assert_eq!(
            parse_time("1970-01-01T00:00:01.500+00:00"),
            Some(UnixMillis(1_500))
        );
        assert_eq!(parse_time("soon"), None);
    }
}
