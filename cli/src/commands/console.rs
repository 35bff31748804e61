//! `guildhall console`: the terminal console (panes for overview, migrations, settings, logs and
//! jobs), on the same database and services as the CLI, with live data from a running instance.

use crate::app::{self, GlobalOptions, Services};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The running instance's base URL for live data (default: http://<web.bind>).
    #[arg(long, value_name = "URL")]
    instance: Option<String>,
}

pub async fn run(options: &GlobalOptions, args: Args) -> anyhow::Result<()> {
    let settings = app::load_settings(options)?;
    // No logging to the terminal: it belongs to the console now.
    let db = app::open_db(&settings).await?;
    let services = Services::on(&settings, db).await?;
    let admin = match app::admin_client(&settings, args.instance) {
        Ok(client) => Some(client),
        Err(error) => {
            eprintln!("note: no live data in the console: {error}");
            None
        }
    };
    let context = guildhall_tui::ConsoleContext {
        core: guildhall_core::Core::clone(&services),
        admin,
        actor: app::operator(),
    };
    guildhall_tui::run(context).await?;
    Ok(())
}
