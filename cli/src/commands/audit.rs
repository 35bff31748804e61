//! `guildhall audit list`

use clap::Subcommand;
use guildhall_core::audit;
use guildhall_core::ids::GuildId;

use crate::app::{self, GlobalOptions};
use crate::output::{self, Table};

#[derive(Debug, Subcommand)]
pub enum Command {
    /// The latest operator actions, newest first.
    List {
        /// Only actions concerning this guild.
        #[arg(long)]
        guild: Option<GuildId>,
        /// At most this many.
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
}

pub async fn run(options: &GlobalOptions, command: Command) -> anyhow::Result<()> {
    let settings = app::load_settings(options)?;
    let db = app::open_migrated_db(&settings).await?;
    let Command::List { guild, limit } = command;
    let entries = audit::recent(&db, guild, limit).await?;
    if options.json {
        return output::json(&entries);
    }
    let mut table = Table::new(&["WHEN", "WHO", "ACTION", "GUILD", "TARGET", "DETAIL"]);
    for entry in entries {
        table.row(vec![
            entry.at.to_rfc3339(),
            entry.actor,
            entry.action,
            entry
                .guild
                .map_or_else(|| "-".into(), |guild| guild.to_string()),
            entry.target.unwrap_or_else(|| "-".into()),
            entry.detail.to_string(),
        ]);
    }
    if table.is_empty() {
        println!("no operator actions recorded");
    } else {
        table.print();
    }
    Ok(())
}
