//! `guildhall bot [--shards 0-3 --total-shards 8]`: only the Discord bot, no worker.

use crate::app::{self, GlobalOptions, Services};
use crate::commands::serve::ShardArgs;
use crate::runtime;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    shards: ShardArgs,
}

pub async fn run(options: &GlobalOptions, args: Args) -> anyhow::Result<()> {
    let mut settings = app::load_settings(options)?;
    if options.json {
        settings.log.format = guildhall_core::config::LogFormat::Json;
    }
    let live = app::init_live_logging(&settings);
    let shards = args.shards.selection()?;
    if settings.discord.token.is_none() {
        anyhow::bail!("no bot token: set discord.token in guildhall.toml or DISCORD_TOKEN");
    }
    let services = Services::open(&settings).await?.with_live(live);
    let shutdown = runtime::shutdown_on_signals();
    runtime::serve(
        &settings,
        &services,
        runtime::Parts {
            worker: false,
            bot: true,
            web: false,
            shards,
        },
        shutdown,
    )
    .await
}
