//! Slash (and per-guild prefix) commands, with one error path: users get an actionable message,
//! bugs are logged with context, refusals are stored, and every run lands in the analytics.

mod nick;
mod ping;
pub mod targets;

use std::borrow::Cow;
use std::time::{Duration, Instant};

use futures::future::BoxFuture;
use guildhall_core::analytics::{Invocation, Outcome};
use guildhall_core::coordination::Key;
use guildhall_core::effect::{Effect, OutgoingMessage};
use guildhall_core::refusals;

use crate::convert;
use crate::{BotData, BotError, Context};

/// Every command, in the order they are registered: those of no feature, then each
/// feature's ([`crate::features::BOT_FEATURES`]).
pub fn all() -> Vec<poise::Command<BotData, BotError>> {
    let mut commands = vec![ping::ping(), nick::nick()];
    commands.extend(crate::features::commands());
    commands
}

/// Commands whose answer the whole channel sees; every other command answers privately. A
/// command deferred because it takes long keeps this visibility (Discord fixes it at the
/// deferral), so a command that answers publicly must be listed here.
pub const PUBLIC_ANSWERS: [&str; 3] = ["ping", "rank", "leaderboard"];

/// Framework options: commands, error path, analytics hooks, prefix handling.
pub fn framework_options() -> poise::FrameworkOptions<BotData, BotError> {
    poise::FrameworkOptions {
        commands: all(),
        on_error: |error| Box::pin(on_error(error)),
        pre_command: |ctx| {
            Box::pin(async move {
                // From here the interaction is answered in time, however long the command takes.
                if let poise::Context::Application(app) = ctx {
                    let name: &str = &ctx.command().qualified_name;
                    let public = PUBLIC_ANSWERS.contains(&name);
                    ctx.data().executor.begin_interaction(
                        &app.interaction.id.to_string(),
                        &app.interaction.token,
                        crate::executor::InteractionKind::Command { ephemeral: !public },
                    );
                }
                ctx.set_invocation_data(Instant::now()).await;
            })
        },
        post_command: |ctx| Box::pin(record(ctx, Outcome::Ok, None)),
        command_check: Some(|ctx| Box::pin(check_command(ctx))),
        event_handler: |framework, event| {
            Box::pin(crate::events::handle(
                framework.user_data,
                framework.serenity_context,
                event,
            ))
        },
        prefix_options: poise::PrefixFrameworkOptions {
            prefix: None,
            dynamic_prefix: Some(|partial| Box::pin(dynamic_prefix(partial))),
            mention_as_prefix: false,
            ..Default::default()
        },
        initialize_owners: false,
        ..Default::default()
    }
}

/// Replies to the command: through the interaction callback for slash commands (ephemeral if
/// asked), in the channel for prefix commands. Goes through the executor like every call.
///
/// # Errors
/// [`BotError::Discord`] when Discord refuses.
pub async fn reply(
    ctx: Context<'_>,
    text: impl Into<String>,
    ephemeral: bool,
) -> Result<(), BotError> {
    reply_message(ctx, OutgoingMessage::text(text), ephemeral).await
}

/// Answers the command with a whole message (text, embeds, components): as [`reply`].
///
/// # Errors
/// [`BotError::Discord`] when Discord refuses the answer.
pub async fn reply_message(
    ctx: Context<'_>,
    message: OutgoingMessage,
    ephemeral: bool,
) -> Result<(), BotError> {
    let effect = match ctx {
        poise::Context::Application(app) => Effect::InteractionReply {
            interaction_id: app.interaction.id.to_string(),
            token: app.interaction.token.clone(),
            message,
            ephemeral,
        },
        poise::Context::Prefix(prefix) => Effect::SendMessage {
            channel: convert::channel(prefix.msg.channel_id),
            message,
        },
    };
    ctx.data()
        .executor
        .execute_for(ctx.guild_id().map(convert::guild), &effect)
        .await?;
    Ok(())
}

async fn record(ctx: Context<'_>, outcome: Outcome, error: Option<String>) {
    let started = ctx
        .invocation_data::<Instant>()
        .await
        .map(|started| *started);
    let latency = started.map_or(Duration::ZERO, |started| started.elapsed());
    ctx.data().live.count_command(
        &ctx.command().qualified_name,
        outcome.as_str(),
        u64::try_from(latency.as_millis()).unwrap_or(u64::MAX),
    );
    ctx.data().analytics.record(Invocation {
        guild: ctx.guild_id().map(convert::guild),
        user: convert::user(ctx.author().id),
        command: ctx.command().qualified_name.to_string(),
        kind: match ctx {
            poise::Context::Application(_) => "slash",
            poise::Context::Prefix(_) => "prefix",
        },
        at: ctx.data().clock.now().minus(latency),
        latency_ms: i64::try_from(latency.as_millis()).unwrap_or(i64::MAX),
        outcome,
        error,
    });
}

async fn on_error(error: poise::FrameworkError<'_, BotData, BotError>) {
    match error {
        poise::FrameworkError::Command { error, ctx, .. } => match error {
            BotError::Refused(refusal, target) => {
                if let Some(guild) = ctx.guild_id() {
                    let data = ctx.data();
                    let stored = refusals::record(
                        &data.db,
                        convert::guild(guild),
                        data.clock.now(),
                        convert::user(ctx.author().id),
                        target,
                        &ctx.command().qualified_name,
                        &refusal,
                    )
                    .await;
                    if let Err(error) = stored {
                        tracing::error!(%error, "could not store a refusal");
                    }
                }
                tracing::info!(command = %ctx.command().qualified_name, user = %ctx.author().id, code = refusal.code(), "command refused by a guard");
                answer(ctx, refusal.explain()).await;
                record(ctx, Outcome::Refused, Some(refusal.code().to_owned())).await;
            }
            BotError::RefusedStored(refusal) => {
                tracing::info!(command = %ctx.command().qualified_name, user = %ctx.author().id, code = refusal.code(), "command refused by a guard");
                answer(ctx, refusal.explain()).await;
                record(ctx, Outcome::Refused, Some(refusal.code().to_owned())).await;
            }
            BotError::RefusedWith(refusal, message) => {
                tracing::info!(command = %ctx.command().qualified_name, user = %ctx.author().id, code = refusal.code(), "command refused by a guard");
                answer(ctx, message).await;
                record(ctx, Outcome::Refused, Some(refusal.code().to_owned())).await;
            }
            BotError::Premium(wall) => {
                tracing::info!(command = %ctx.command().qualified_name, user = %ctx.author().id, perk = wall.perk.spec().name, "command met the premium wall");
                if let Err(error) = reply_message(ctx, wall.message(), true).await {
                    tracing::warn!(%error, "could not show the premium wall");
                }
                record(ctx, Outcome::Refused, Some("premium_required".into())).await;
            }
            other if let Some(message) = other.user_message() => {
                answer(ctx, message.clone()).await;
                record(ctx, Outcome::UserError, Some(message)).await;
            }
            other => {
                tracing::error!(
                    command = %ctx.command().qualified_name,
                    guild = ?ctx.guild_id(),
                    user = %ctx.author().id,
                    error = %other,
                    "command failed"
                );
                answer(ctx, "Something went wrong on our side; it has been logged. Please try again in a moment.").await;
                record(ctx, Outcome::Error, Some(other.to_string())).await;
            }
        },
        poise::FrameworkError::ArgumentParse {
            error, input, ctx, ..
        } => {
            let text = match input {
                Some(input) => format!(
                    "I couldn't read `{input}`: {error}. Check the command's options and try again."
                ),
                None => format!("{error}. Check the command's options and try again."),
            };
            answer(ctx, text.clone()).await;
            record(ctx, Outcome::UserError, Some(text)).await;
        }
        poise::FrameworkError::CommandCheckFailed { ctx, .. }
            if ctx.invocation_data::<FeatureOff>().await.is_some() =>
        {
            // The member was told the feature is off.
            record(ctx, Outcome::Refused, Some("feature_off".into())).await;
        }
        poise::FrameworkError::CommandCheckFailed { ctx, .. } => {
            // Over the prefix rate limit: stay silent rather than amplify spam.
            tracing::debug!(user = %ctx.author().id, "prefix command over the member's rate limit");
            record(ctx, Outcome::Refused, Some("rate_limited".into())).await;
        }
        poise::FrameworkError::CommandPanic { payload, ctx, .. } => {
            tracing::error!(command = %ctx.command().qualified_name, panic = ?payload, "command panicked");
            answer(ctx, "Something went wrong on our side; it has been logged.").await;
            record(ctx, Outcome::Error, Some("panic".into())).await;
        }
        poise::FrameworkError::GuildOnly { ctx, .. } => {
            answer(ctx, "This command only works in a server.").await;
        }
        poise::FrameworkError::EventHandler { error, event, .. } => {
            tracing::error!(event = event.snake_case_name(), %error, "event handler failed");
        }
        other => tracing::warn!(error = %other, "command framework error"),
    }
}

/// Replies, logging (not propagating) a failure to reply.
async fn answer(ctx: Context<'_>, text: impl Into<String>) {
    if let Err(error) = reply(ctx, text, true).await {
        tracing::warn!(%error, "could not tell the member what went wrong");
    }
}

async fn dynamic_prefix(
    partial: poise::PartialContext<'_, BotData, BotError>,
) -> Result<Option<Cow<'static, str>>, BotError> {
    let Some(guild) = partial.guild_id else {
        return Ok(None);
    };
    let settings = partial
        .framework
        .user_data
        .config
        .cached(convert::guild(guild));
    Ok(settings
        .filter(|settings| settings.commands.prefix_enabled)
        .map(|settings| Cow::Owned(settings.commands.prefix.clone())))
}

/// Marks an invocation refused because its feature is switched off.
struct FeatureOff;

/// The feature registry's switch, then the prefix rate limit. A command of a feature the guild
/// switched off (its root command's `category` names the feature) is answered with the
/// feature's sentence and runs no further.
async fn check_command(ctx: Context<'_>) -> Result<bool, BotError> {
    if let poise::Context::Application(app) = ctx {
        // A subscription the member just bought arrives with their command.
        crate::premium::record_interaction(ctx.data(), &app.interaction.entitlements).await;
    }
    if let Some(guild) = ctx.guild_id() {
        let root = ctx
            .parent_commands()
            .first()
            .copied()
            .unwrap_or_else(|| ctx.command());
        if let Some(feature) = root
            .category
            .as_deref()
            .and_then(guildhall_core::features::by_name)
        {
            let settings = ctx.data().config.get(convert::guild(guild)).await?;
            if !feature.is_on(&settings) {
                answer(ctx, feature.off_sentence()).await;
                ctx.set_invocation_data(FeatureOff).await;
                return Ok(false);
            }
        }
    }
    prefix_rate_limit(ctx).await
}

fn prefix_rate_limit(ctx: Context<'_>) -> BoxFuture<'_, Result<bool, BotError>> {
    Box::pin(async move {
        let (poise::Context::Prefix(_), Some(guild)) = (ctx, ctx.guild_id()) else {
            return Ok(true);
        };
        let guild = convert::guild(guild);
        let limit = ctx
            .data()
            .config
            .cached(guild)
            .map_or(10, |settings| settings.commands.prefix_per_minute);
        let key = Key::guild(guild, "commands.prefix", ctx.author().id);
        match ctx
            .data()
            .coordination
            .hit_window(&key, Duration::from_secs(60))
            .await
        {
            Ok(count) => Ok(count <= u64::from(limit)),
            Err(error) => {
                tracing::warn!(%error, "prefix rate limit unavailable; allowing");
                Ok(true)
            }
        }
    })
}
