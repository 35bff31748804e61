//! Members: read, modify (nick, roles, timeout, mute, deaf, move), roles, kick and bans.

use std::time::Duration;

use guildhall_core::clock::UnixMillis;
use guildhall_core::ids::{ChannelId, GuildId, RoleId, UserId};
use guildhall_core::permissions::Permissions;
use serde_json::{Value, json};

use super::{
    Answer, ApiError, Req, gid, need_above, need_guild_perm, need_role_below, no_content, ok, rid,
    uid,
};
use crate::model::{Member, audit};
use crate::{Inner, State, payloads};

/// One `changes` item: `{"key", "old_value"?, "new_value"?}` (a null side is left out, as
/// Discord leaves it out).
pub(crate) fn change(key: &str, old: Value, new: Value) -> Value {
    let mut value = json!({"key": key});
    if let Some(map) = value.as_object_mut() {
        if !old.is_null() {
            map.insert("old_value".into(), old);
        }
        if !new.is_null() {
            map.insert("new_value".into(), new);
        }
    }
    value
}

/// The `$add` / `$remove` changes of a member's roles (`[{"id", "name"}]`).
fn role_changes(st: &State, guild: GuildId, added: &[RoleId], removed: &[RoleId]) -> Vec<Value> {
    let partial = |roles: &[RoleId]| {
        let g = st.world.guild(guild);
        Value::Array(
            roles
                .iter()
                .map(|r| {
                    let name = g.and_then(|g| g.role(*r)).map(|r| r.name.clone());
                    json!({"id": r.to_string(), "name": name.unwrap_or_default()})
                })
                .collect(),
        )
    };
    let mut changes = Vec::new();
    if !added.is_empty() {
        changes.push(change("$add", Value::Null, partial(added)));
    }
    if !removed.is_empty() {
        changes.push(change("$remove", Value::Null, partial(removed)));
    }
    changes
}

/// Records an entry done by the bot on a member.
fn audit_member(
    st: &mut State,
    guild: GuildId,
    action: u16,
    user: UserId,
    options: std::collections::BTreeMap<String, String>,
    req: &Req,
    changes: Vec<Value>,
) {
    let bot = st.world.bot;
    st.world.record_audit(
        guild,
        bot,
        action,
        Some(user.get()),
        options,
        req.audit_reason.clone(),
        changes,
    );
}

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
    // Moving (a voice or stage channel id) or disconnecting (null): Move Members, and for a
    // move, Connect in the target for the bot. Discord lets a mover put a member in a channel
    // the member could not join themselves (discord/discord-api-docs#1293), so the member's
    // own Connect is not asked for.
    let mut voice_change = None;
    if let Some(target) = req.body.get("channel_id") {
        need_guild_perm(st, guild, Permissions::MOVE_MEMBERS)?;
        let moved_to = if target.is_null() {
            None
        } else {
            let channel = target
                .as_str()
                .and_then(|t| t.parse::<ChannelId>().ok())
                .filter(|c| {
                    st.world
                        .channels
                        .get(c)
                        .is_some_and(|c| c.guild == Some(guild) && c.kind.is_voice())
                })
                .ok_or_else(|| {
                    // The code string is not documented; Discord answers 50035 on channel_id.
                    ApiError::field(
                        "channel_id",
                        "CHANNEL_TYPE_INVALID",
                        "Not a voice channel of this guild.",
                    )
                })?;
            super::need_channel_perm(st, channel, Permissions::CONNECT)?;
            Some(channel)
        };
        let Some(state) = in_voice.clone() else {
            return Err(ApiError::new(
                400,
                40032,
                "Target user is not connected to voice.",
            ));
        };
        voice_change = Some(moved_to.map(|channel| crate::model::VoiceState { channel, ..state }));
    }
    if let Some(g) = st.world.guild_mut(guild) {
        g.members.insert(user, updated.clone());
    }
    if updated != current {
        st.member_updated(guild, user);
    }
    let mut member_changes = Vec::new();
    if updated.nick != current.nick {
        member_changes.push(change("nick", json!(current.nick), json!(updated.nick)));
    }
    if updated.communication_disabled_until != current.communication_disabled_until {
        let at = |t: Option<UnixMillis>| json!(t.map(payloads::time));
        member_changes.push(change(
            "communication_disabled_until",
            at(current.communication_disabled_until),
            at(updated.communication_disabled_until),
        ));
    }
    for (key, old, new) in [
        ("mute", current.mute, updated.mute),
        ("deaf", current.deaf, updated.deaf),
    ] {
        if old != new {
            member_changes.push(change(key, json!(old), json!(new)));
        }
    }
    if !member_changes.is_empty() {
        audit_member(
            st,
            guild,
            audit::MEMBER_UPDATE,
            user,
            Default::default(),
            req,
            member_changes,
        );
    }
    let added: Vec<RoleId> = updated
        .roles
        .iter()
        .filter(|r| !current.roles.contains(r))
        .copied()
        .collect();
    let removed: Vec<RoleId> = current
        .roles
        .iter()
        .filter(|r| !updated.roles.contains(r))
        .copied()
        .collect();
    if !added.is_empty() || !removed.is_empty() {
        let changes = role_changes(st, guild, &added, &removed);
        audit_member(
            st,
            guild,
            audit::MEMBER_ROLE_UPDATE,
            user,
            Default::default(),
            req,
            changes,
        );
    }
    if let Some(change) = voice_change {
        let (action, mut options) = match &change {
            Some(state) => (
                audit::MEMBER_MOVE,
                std::collections::BTreeMap::from([(
                    "channel_id".to_owned(),
                    state.channel.to_string(),
                )]),
            ),
            None => (audit::MEMBER_DISCONNECT, std::collections::BTreeMap::new()),
        };
        options.insert("count".into(), "1".into());
        st.set_voice(guild, user, change);
        // Discord's move and disconnect entries have no target: the count says how many.
        let bot = st.world.bot;
        st.world.record_audit(
            guild,
            bot,
            action,
            None,
            options,
            req.audit_reason.clone(),
            Vec::new(),
        );
    } else if let Some(state) = in_voice
        && (updated.mute != current.mute || updated.deaf != current.deaf)
    {
        st.set_voice(guild, user, Some(state));
    }
    ok(payloads::member(&st.world, None, &updated))
}

pub(super) fn kick(st: &mut State, guild: &str, user: &str, req: &Req) -> Answer {
    let (guild, user) = (gid(guild)?, uid(user)?);
    member(st, guild, user)?;
    need_guild_perm(st, guild, Permissions::KICK_MEMBERS)?;
    need_above(st, guild, user)?;
    st.remove_member(guild, user);
    audit_member(
        st,
        guild,
        audit::MEMBER_KICK,
        user,
        Default::default(),
        req,
        Vec::new(),
    );
    no_content()
}

pub(super) fn role(
    st: &mut State,
    guild: &str,
    user: &str,
    role: &str,
    add: bool,
    req: &Req,
) -> Answer {
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
        let (added, removed) = if add {
            (vec![role], Vec::new())
        } else {
            (Vec::new(), vec![role])
        };
        let changes = role_changes(st, guild, &added, &removed);
        audit_member(
            st,
            guild,
            audit::MEMBER_ROLE_UPDATE,
            user,
            Default::default(),
            req,
            changes,
        );
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
    audit_member(
        st,
        guild,
        audit::MEMBER_BAN_ADD,
        user,
        Default::default(),
        req,
        Vec::new(),
    );
    no_content()
}

pub(super) fn unban(st: &mut State, guild: &str, user: &str, req: &Req) -> Answer {
    let (guild, user) = (gid(guild)?, uid(user)?);
    need_guild_perm(st, guild, Permissions::BAN_MEMBERS)?;
    if st.unban(guild, user) {
        audit_member(
            st,
            guild,
            audit::MEMBER_BAN_REMOVE,
            user,
            Default::default(),
            req,
            Vec::new(),
        );
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
