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

/// Commands that change a server's setup need Manage Server: Discord hides them from others
/// (`default_member_permissions`), and this checks again, since a server's admins can change
/// who sees a command. `what` names the command in the answer to a prefix invocation.
///
/// # Errors
/// [`BotError::Refused`] without Manage Server; [`BotError::User`] outside a slash command.
pub fn require_manage_guild(ctx: Context<'_>, guild: GuildId, what: &str) -> Result<(), BotError> {
    let poise::Context::Application(app) = ctx else {
        return Err(BotError::User(format!("Use {what} as a slash command.")));
    };
    let data = ctx.data();
    let invoker = app
        .interaction
        .member
        .as_deref()
        .map(crate::convert::member_info)
        .ok_or_else(|| BotError::Internal("interaction without member".into()))?;
    let info = data
        .cache
        .guild_info(guild)
        .ok_or_else(|| BotError::Internal(format!("guild {guild} not received yet")))?;
    if info
        .base_permissions(&invoker, data.clock.now())
        .contains(guildhall_core::permissions::Permissions::MANAGE_GUILD)
    {
        return Ok(());
    }
    Err(BotError::Refused(
        guildhall_core::guards::Refusal::InvokerMissing {
            missing: guildhall_core::permissions::Permissions::MANAGE_GUILD,
        },
        None,
    ))
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

/// Gathers the parties of a slash command that targets `target`. The invoker comes from the
/// interaction; the target from the interaction's resolved members (Discord includes them for a
/// member), else the guild model, else Discord; the bot from the model, else Discord. An
/// unknown is never treated as "no roles": if Discord cannot say, the command is refused.
///
/// # Errors
/// [`BotError::User`] outside a guild, for a prefix invocation, or when the target's membership
/// cannot be checked now; [`BotError::Internal`] when the guild or the bot's membership has not
/// been received yet.
pub async fn parties(ctx: Context<'_>, target: &discord::User) -> Result<Parties, BotError> {
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
    let resolved = app
        .interaction
        .data
        .resolved
        .members
        .get(&target.id)
        .map(|partial| convert::partial_member_info(target.id, partial));
    let target_member = match resolved {
        Some(member) => Some(member),
        None => crate::members::resolve(data, guild, target_user)
            .await
            .map_err(|error| {
                tracing::warn!(%guild, user = %target_user, %error, "could not look the target up; refusing");
                BotError::User(format!(
                    "I could not check <@{target_user}>'s roles with Discord just now, so I did nothing. Please try again in a moment."
                ))
            })?,
    };
    let bot = crate::members::bot(data, guild).await?;
    Ok(Parties {
        guild,
        guild_info,
        invoker,
        target_user,
        target: target_member,
        bot,
    })
}
