//! `guildhall web`: only the dashboard and admin API, no bot and no worker.

use crate::app::{self, GlobalOptions, Services};
use crate::runtime;

#[derive(Debug, clap::Args)]
pub struct Args {}

pub async fn run(options: &GlobalOptions, _args: Args) -> anyhow::Result<()> {
    let mut settings = app::load_settings(options)?;
    if options.json {
        settings.log.format = guildhall_core::config::LogFormat::Json;
    }
    let live = app::init_live_logging(&settings);
    let services = Services::open(&settings).await?.with_live(live);
    let shutdown = runtime::shutdown_on_signals();
    let parts = runtime::Parts {
        worker: false,
        bot: false,
        web: true,
        shards: guildhall_bot::Shards::Auto,
    };
    runtime::serve(&settings, &services, parts, shutdown).await
}
