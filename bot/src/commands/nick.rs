//! `/nick member [nickname]`: set or reset a member's nickname, behind the guards.

use guildhall_core::effect::Effect;
use guildhall_core::guards::{self, GuardRequest};
use guildhall_core::permissions::Permissions;
use serenity::all as discord;

use crate::commands::reply;
use crate::convert;
use crate::{BotError, Context};

/// Change a member's nickname (leave it empty to reset it).
#[poise::command(slash_command, guild_only)]
pub async fn nick(
    ctx: Context<'_>,
    #[description = "Whose nickname to change"] member: discord::User,
    #[description = "The new nickname (1-32 characters); leave empty to reset"]
    #[max_length = 32]
    nickname: Option<String>,
) -> Result<(), BotError> {
    let poise::Context::Application(app) = ctx else {
        return Err(BotError::User("Use /nick as a slash command.".into()));
    };
    let guild_id = ctx
        .guild_id()
        .ok_or_else(|| BotError::User("This command only works in a server.".into()))?;
    let guild = convert::guild(guild_id);
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
    let target_user = convert::user(member.id);
    let target = app
        .interaction
        .data
        .resolved
        .members
        .get(&member.id)
        .map(|partial| convert::partial_member_info(member.id, partial))
        .or_else(|| data.cache.member(guild, target_user));
    let bot_user = data
        .bot_user()
        .ok_or_else(|| BotError::Internal("READY not received".into()))?;
    let bot = data
        .cache
        .member(guild, bot_user)
        .ok_or_else(|| BotError::Internal("the bot's own membership is unknown".into()))?;
    let request = GuardRequest {
        guild: &guild_info,
        invoker: &invoker,
        target_user,
        target: target.as_ref(),
        bot: &bot,
        needs: Permissions::MANAGE_NICKNAMES,
        now: data.clock.now(),
    };
    guards::check(&request).map_err(|refusal| BotError::Refused(refusal, Some(target_user)))?;
    let nickname = nickname
        .map(|text| text.trim().to_owned())
        .filter(|text| !text.is_empty());
    let reason = format!("/nick by {} ({})", ctx.author().name, ctx.author().id);
    data.executor
        .execute(&Effect::SetNickname {
            guild,
            user: target_user,
            nickname: nickname.clone(),
            reason: Some(reason),
        })
        .await?;
    let text = match nickname {
        Some(nickname) => format!("<@{target_user}> is now called **{nickname}**."),
        None => format!("<@{target_user}>'s nickname was reset."),
    };
    reply(ctx, text, true).await
}
