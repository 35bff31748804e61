//! `guildhall serve [--migrate]`

use crate::app::{self, GlobalOptions, Services};
use crate::runtime;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Apply pending migrations before starting.
    #[arg(long)]
    migrate: bool,
}

pub async fn run(options: &GlobalOptions, args: Args) -> anyhow::Result<()> {
    let mut settings = app::load_settings(options)?;
    if options.json {
        // A long-running command's output is its log: one JSON object per line.
        settings.log.format = guildhall_core::config::LogFormat::Json;
    }
    app::init_logging(&settings);
    if args.migrate {
        let db = app::open_db(&settings).await?;
        let report = db.migrate().await?;
        tracing::info!(applied = ?report.applied, backend = report.backend, "migrations checked");
        db.close().await;
    }
    let services = Services::open(&settings).await?;
    let shutdown = runtime::shutdown_on_signals();
    runtime::serve(&settings, &services, shutdown).await
}
