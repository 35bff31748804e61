//! What a guard needs to judge an action on a member, gathered from the interaction and the
//! guild model: shared by every command that touches a member.

use guildhall_core::ids::{GuildId, UserId};
use guildhall_core::permissions::{GuildInfo, MemberInfo};
use serenity::all as discord;

use crate::convert;
use crate::{BotError, Context};

/// The guild, the invoker, the target (if a member) and the bot, as the guards see them.
#[derive(Debug, Clone)]
pub struct Parties {
    /// The guild.
    pub guild: GuildId,
    /// Its roles and owner.
    pub guild_info: GuildInfo,
    /// Who runs the command.
    pub invoker: MemberInfo,
    /// Whom it targets.
    pub target_user: UserId,
    /// The target as a member, when they are in the guild.
    pub target: Option<MemberInfo>,
    /// The bot's own membership.
    pub bot: MemberInfo,
}

/// The guild a command runs in.
///
/// # Errors
/// [`BotError::User`] in DMs.
pub fn in_guild(ctx: Context<'_>) -> Result<GuildId, BotError> {
    ctx.guild_id()
        .map(convert::guild)
        .ok_or_else(|| BotError::User("This command only works in a server.".into()))
}

/// Gathers the parties of a slash command that targets `target`.
///
/// # Errors
/// [`BotError::User`] outside a guild or for a prefix invocation; [`BotError::Internal`] when
/// the guild or the bot's membership has not been received yet.
pub fn parties(ctx: Context<'_>, target: &discord::User) -> Result<Parties, BotError> {
    let poise::Context::Application(app) = ctx else {
        return Err(BotError::User("Use this as a slash command.".into()));
    };
    let guild = in_guild(ctx)?;
    let data = ctx.data();
    let guild_info = data
        .cache
        .guild_info(guild)
        .ok_or_else(|| BotError::Internal(format!("guild {guild} not received yet")))?;
    let invoker = app
        .interaction
        .member
        .as_deref()
        .map(convert::member_info)
        .ok_or_else(|| BotError::Internal("interaction without member".into()))?;
    let target_user = convert::user(target.id);
    let target_member = app
        .interaction
        .data
        .resolved
        .members
        .get(&target.id)
        .map(|partial| convert::partial_member_info(target.id, partial))
        .or_else(|| data.cache.member(guild, target_user));
    let bot_user = data
        .bot_user()
        .ok_or_else(|| BotError::Internal("READY not received".into()))?;
    let bot = data
        .cache
        .member(guild, bot_user)
        .ok_or_else(|| BotError::Internal("the bot's own membership is unknown".into()))?;
    Ok(Parties {
        guild,
        guild_info,
        invoker,
        target_user,
        target: target_member,
        bot,
    })
}
