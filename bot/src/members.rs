//! Members as the guards need them. Discord sends a guild's full member list to nobody: without
//! the presences intent GUILD_CREATE holds only the bot and members in voice, and a large guild
//! holds no offline members at all. So a member is taken from the event that carries it
//! (MESSAGE_CREATE's and an interaction's `member`), else from the guild model, else asked of
//! Discord (`GET /guilds/{g}/members/{u}` through the executor) and kept, within a bound, in
//! the model. "Unknown" never becomes "no roles": a lookup that fails is an error, and the
//! caller refuses the action with a logged reason.

use guildhall_core::ids::{GuildId, RoleId, UserId};
use guildhall_core::permissions::MemberInfo;
use serde_json::Value;
use serenity::all as discord;

use guildhall_core::guild_cache::GuildCache;

use crate::executor::payload::Call;
use crate::executor::{ExecError, Executor, Method};
use crate::{BotData, convert};

/// Discord's "Unknown Member" and "Unknown User" error codes.
pub const UNKNOWN_MEMBER: [i64; 2] = [10_007, 10_013];

/// Whether Discord's refusal says the user is not a member.
pub fn is_unknown_member(error: &ExecError) -> bool {
    match error {
        ExecError::Rejected {
            code: Some(code), ..
        } => UNKNOWN_MEMBER.contains(code),
        ExecError::Rejected { status: 404, .. } => true,
        _ => false,
    }
}

/// A member object from Discord's REST API as the guards see it.
pub fn from_json(user: UserId, member: &Value) -> MemberInfo {
    MemberInfo {
        user,
        roles: member["roles"]
            .as_array()
            .map(|roles| {
                roles
                    .iter()
                    .filter_map(|role| role.as_str()?.parse::<RoleId>().ok())
                    .collect()
            })
            .unwrap_or_default(),
        timed_out_until: member["communication_disabled_until"]
            .as_str()
            .and_then(|text| discord::Timestamp::parse(text).ok())
            .map(convert::time),
    }
}

/// The member's display name from a REST member object.
fn display_name(member: &Value) -> Option<String> {
    member["nick"]
        .as_str()
        .or_else(|| member["user"]["global_name"].as_str())
        .or_else(|| member["user"]["username"].as_str())
        .map(str::to_owned)
}

/// Asks Discord for a member and keeps the answer in the guild model. `Ok(None)` when Discord
/// says they are not a member.
///
/// # Errors
/// [`ExecError`] when Discord cannot answer (unreachable, rate limited, refused otherwise).
pub async fn fetch(
    data: &BotData,
    guild: GuildId,
    user: UserId,
) -> Result<Option<(MemberInfo, Value)>, ExecError> {
    fetch_with(&data.cache, &data.executor, guild, user).await
}

/// [`fetch`] with the guild model and the executor given (for tasks without the bot's data).
///
/// # Errors
/// As [`fetch`].
pub async fn fetch_with(
    cache: &GuildCache,
    executor: &Executor,
    guild: GuildId,
    user: UserId,
) -> Result<Option<(MemberInfo, Value)>, ExecError> {
    let call = Call {
        method: Method::Get,
        path: format!("/guilds/{guild}/members/{user}"),
        body: None,
        reason: None,
        files: Vec::new(),
    };
    match executor.send(Some(guild), call).await {
        Ok(Some(member)) => {
            let info = from_json(user, &member);
            cache.put_fetched_member(guild, info.clone());
            if let Some(name) = display_name(&member) {
                cache.set_member_names(guild, [(user, name)]);
            }
            Ok(Some((info, member)))
        }
        Ok(None) => Ok(None),
        Err(error) if is_unknown_member(&error) => Ok(None),
        Err(error) => Err(error),
    }
}

/// A member from the guild model, else from Discord. `Ok(None)` only when Discord says they
/// are not a member.
///
/// # Errors
/// [`ExecError`] when the model does not hold them and Discord cannot answer.
pub async fn resolve(
    data: &BotData,
    guild: GuildId,
    user: UserId,
) -> Result<Option<MemberInfo>, ExecError> {
    resolve_with(&data.cache, &data.executor, guild, user).await
}

/// [`resolve`] with the guild model and the executor given.
///
/// # Errors
/// As [`resolve`].
pub async fn resolve_with(
    cache: &GuildCache,
    executor: &Executor,
    guild: GuildId,
    user: UserId,
) -> Result<Option<MemberInfo>, ExecError> {
    if let Some(member) = cache.member(guild, user) {
        return Ok(Some(member));
    }
    tracing::debug!(%guild, %user, "member not in the guild model; asking Discord");
    Ok(fetch_with(cache, executor, guild, user)
        .await?
        .map(|(info, _)| info))
}

/// The bot's own membership in a guild (in GUILD_CREATE, else asked of Discord).
///
/// # Errors
/// [`crate::BotError::Internal`] before READY or when Discord says the bot is not a member;
/// [`crate::BotError::Discord`] when Discord cannot answer.
pub async fn bot(data: &BotData, guild: GuildId) -> Result<MemberInfo, crate::BotError> {
    let bot = data
        .bot_user()
        .ok_or_else(|| crate::BotError::Internal("READY not received".into()))?;
    resolve(data, guild, bot).await?.ok_or_else(|| {
        crate::BotError::Internal(format!("Discord says the bot is not a member of {guild}"))
    })
}
