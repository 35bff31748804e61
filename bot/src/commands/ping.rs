//! `/ping`: is the bot alive, and how fast does it answer.

use crate::commands::reply;
use crate::{BotError, Context};

/// Check that Guildhall is alive and see its gateway latency.
#[poise::command(slash_command, prefix_command)]
pub async fn ping(ctx: Context<'_>) -> Result<(), BotError> {
    let latency = ctx.ping().await;
    let text = if latency.is_zero() {
        "Pong!".to_owned()
    } else {
        format!("Pong! Gateway latency {} ms.", latency.as_millis())
    };
    reply(ctx, text, false).await
}
