//! `/nick member [nickname]`: set or reset a member's nickname, behind the guards.

use guildhall_core::effect::Effect;
use guildhall_core::guards::{self, GuardRequest};
use guildhall_core::permissions::Permissions;
use serenity::all as discord;

use crate::commands::reply;
use crate::commands::targets::parties;
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
    let parties = parties(ctx, &member).await?;
    let data = ctx.data();
    let (guild, target_user) = (parties.guild, parties.target_user);
    let request = GuardRequest {
        guild: &parties.guild_info,
        invoker: &parties.invoker,
        target_user,
        target: parties.target.as_ref(),
        bot: &parties.bot,
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
