//! `guildhall guilds list`

use clap::Subcommand;
use guildhall_core::guilds;

use crate::app::{self, GlobalOptions};
use crate::output::{self, Table};

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Every guild the bot has been in, with when it joined (and left).
    List {
        /// Include guilds the bot has left.
        #[arg(long)]
        all: bool,
    },
}

pub async fn run(options: &GlobalOptions, command: Command) -> anyhow::Result<()> {
    let settings = app::load_settings(options)?;
    let db = app::open_migrated_db(&settings).await?;
    let Command::List { all } = command;
    let known: Vec<_> = guilds::list(&db)
        .await?
        .into_iter()
        .filter(|guild| all || guild.left_at.is_none())
        .collect();
    if options.json {
        return output::json(&known);
    }
    if known.is_empty() {
        println!("the bot is in no guild yet");
        return Ok(());
    }
    let mut table = Table::new(&["ID", "NAME", "OWNER", "JOINED", "LEFT"]);
    for guild in known {
        table.row(vec![
            guild.id.to_string(),
            guild.name,
            guild
                .owner
                .map_or_else(|| "-".into(), |owner| owner.to_string()),
            guild.joined_at.to_rfc3339(),
            guild
                .left_at
                .map_or_else(|| "-".into(), |left| left.to_rfc3339()),
        ]);
    }
    table.print();
    Ok(())
}
