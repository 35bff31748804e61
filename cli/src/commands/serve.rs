//! `guildhall serve [--migrate]`

use crate::app::{self, GlobalOptions, Services};
use crate::runtime;
use guildhall_bot::Shards;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Apply pending migrations before starting.
    #[arg(long)]
    migrate: bool,
    #[command(flatten)]
    shards: ShardArgs,
}

/// Which shards the bot runs.
#[derive(Debug, Clone, clap::Args)]
pub struct ShardArgs {
    /// Run only these shards, e.g. 0-3 (default: all, as Discord recommends).
    #[arg(long, value_name = "RANGE", requires = "total_shards")]
    shards: Option<String>,
    /// Shards in the whole deployment (with --shards).
    #[arg(long, value_name = "N")]
    total_shards: Option<u32>,
}

impl ShardArgs {
    /// The selection.
    pub fn selection(&self) -> anyhow::Result<Shards> {
        match (&self.shards, self.total_shards) {
            (Some(range), Some(total)) => {
                match range.parse::<Shards>().map_err(anyhow::Error::msg)? {
                    Shards::Range { first, last, .. } if last < total => {
                        Ok(Shards::Range { first, last, total })
                    }
                    _ => anyhow::bail!(
                        "--shards {range} does not fit in --total-shards {total}: shard ids run from 0 to {}",
                        total.saturating_sub(1)
                    ),
                }
            }
            _ => Ok(Shards::Auto),
        }
    }
}

pub async fn run(options: &GlobalOptions, args: Args) -> anyhow::Result<()> {
    let mut settings = app::load_settings(options)?;
    if options.json {
        // A long-running command's output is its log: one JSON object per line.
        settings.log.format = guildhall_core::config::LogFormat::Json;
    }
    let live = app::init_live_logging(&settings);
    if args.migrate {
        let db = app::open_db(&settings).await?;
        let report = db.migrate().await?;
        tracing::info!(applied = ?report.applied, backend = report.backend, "migrations checked");
        db.close().await;
    }
    let shards = args.shards.selection()?;
    let services = Services::open(&settings).await?.with_live(live);
    let bot = settings.discord.token.is_some();
    if !bot {
        tracing::warn!(
            "no discord.token / DISCORD_TOKEN: the bot is not started, only the job worker"
        );
    }
    let shutdown = runtime::shutdown_on_signals();
    runtime::serve(
        &settings,
        &services,
        runtime::Parts {
            worker: true,
            bot,
            web: true,
            shards,
        },
        shutdown,
    )
    .await
}
