//! `guildhall logging events`: a guild's stored log events (also `guildhall logs events`).

use clap::Subcommand;

use crate::app::GlobalOptions;

#[derive(Debug, Subcommand)]
pub enum Command {
    /// A guild's stored log events, newest first, with filters.
    Events(EventsArgs),
}

/// Which events.
#[derive(Debug, clap::Args)]
pub struct EventsArgs {
    /// The guild: its id or exact name.
    #[arg(long)]
    pub guild: String,
}

pub async fn run(options: &GlobalOptions, command: Command) -> anyhow::Result<()> {
    match command {
        Command::Events(args) => events(options, args).await,
    }
}

/// Prints one page of events.
pub async fn events(_options: &GlobalOptions, _args: EventsArgs) -> anyhow::Result<()> {
    anyhow::bail!("not built yet")
}
