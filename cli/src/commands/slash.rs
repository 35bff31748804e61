//! `guildhall commands deploy|stats`: slash command registration and usage (module named for what it manages: slash commands).

use clap::Subcommand;
use guildhall_bot::registration::{self, Scope};
use guildhall_core::analytics;
use guildhall_core::clock::parse_when;
use guildhall_core::ids::GuildId;
use serde_json::json;

use crate::app::{self, GlobalOptions, Services};
use crate::output::{self, Table};
use crate::runtime;

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Register the slash commands with Discord (bulk overwrite, only when they changed).
    Deploy {
        /// Register in one guild (instant; for testing).
        #[arg(long, conflicts_with = "global", required_unless_present = "global")]
        guild: Option<GuildId>,
        /// Register globally (every guild).
        #[arg(long)]
        global: bool,
        /// Only show what would change.
        #[arg(long)]
        dry_run: bool,
    },
    /// How often each command ran, how fast, and how often it failed or was refused.
    Stats {
        /// Only this guild.
        #[arg(long)]
        guild: Option<GuildId>,
        /// Since when: RFC 3339 or a delay back such as 7d (default: 7 days).
        #[arg(long, default_value = "7d")]
        since: String,
    },
}

pub async fn run(options: &GlobalOptions, command: Command) -> anyhow::Result<()> {
    let settings = app::load_settings(options)?;
    let services = Services::open(&settings).await?;
    match command {
        Command::Deploy {
            guild,
            global: _,
            dry_run,
        } => {
            let executor = runtime::executor(&settings, &services)?;
            let application = registration::application_id(&executor).await?;
            let scope = guild.map_or(Scope::Global, Scope::Guild);
            let plan = registration::deploy(&executor, application, scope, dry_run).await?;
            if !dry_run && plan.applied {
                let target = guild.map(|guild| guild.to_string());
                services.audit("commands.deploy", guild, target.as_deref(), json!({ "added": plan.added, "changed": plan.changed, "removed": plan.removed })).await?;
            }
            if options.json {
                return output::json(&plan);
            }
            let place = guild.map_or_else(
                || "globally".to_owned(),
                |guild| format!("in guild {guild}"),
            );
            if plan.is_noop() {
                println!(
                    "commands {place} are up to date ({})",
                    plan.unchanged.join(", ")
                );
            } else {
                let verb = if dry_run { "would" } else { "did" };
                println!(
                    "{verb} update commands {place}: add [{}], change [{}], remove [{}]",
                    plan.added.join(", "),
                    plan.changed.join(", "),
                    plan.removed.join(", ")
                );
            }
            Ok(())
        }
        Command::Stats { guild, since } => {
            let now = services.clock.now();
            let since = match humantime::parse_duration(&since) {
                Ok(back) => now.minus(back),
                Err(_) => parse_when(&since, now).map_err(anyhow::Error::msg)?,
            };
            let stats = analytics::stats(&services.db, guild, since).await?;
            if options.json {
                return output::json(&stats);
            }
            let mut table =
                Table::new(&["COMMAND", "RUNS", "ERRORS", "REFUSED", "AVG MS", "MAX MS"]);
            for row in stats {
                table.row(vec![
                    row.command,
                    row.runs.to_string(),
                    row.errors.to_string(),
                    row.refused.to_string(),
                    format!("{:.1}", row.average_ms),
                    row.max_ms.to_string(),
                ]);
            }
            if table.is_empty() {
                println!("no commands ran since {since}");
            } else {
                table.print();
            }
            Ok(())
        }
    }
}
