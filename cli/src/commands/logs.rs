//! `guildhall logs tail`: follow the running instance's log lines; `guildhall logs events`: a
//! guild's stored log events (the same as `guildhall logging events`).

use clap::Subcommand;
use futures::StreamExt as _;
use guildhall_core::ids::GuildId;
use guildhall_core::live::severity;

use crate::app::{self, GlobalOptions};

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print the recent lines, then follow new ones (Ctrl-C stops).
    Tail {
        /// Only lines about this guild.
        #[arg(long)]
        guild: Option<GuildId>,
        /// Only lines at least this severe: error, warn, info, debug, trace.
        #[arg(long, value_parser = parse_level)]
        level: Option<String>,
        /// Stop after this many lines.
        #[arg(long)]
        lines: Option<usize>,
        /// The instance's base URL (default: http://<web.bind>).
        #[arg(long, value_name = "URL")]
        instance: Option<String>,
    },
    /// A guild's stored log events (message, member, role, channel, voice and moderation
    /// logs), newest first, with filters.
    Events(crate::commands::logging::EventsArgs),
}

fn parse_level(text: &str) -> Result<String, String> {
    let known = ["error", "warn", "info", "debug", "trace"];
    let lower = text.to_ascii_lowercase();
    if known.contains(&lower.as_str()) {
        Ok(lower)
    } else {
        Err(format!(
            "unknown level `{text}`; levels are: {}",
            known.join(", ")
        ))
    }
}

pub async fn run(options: &GlobalOptions, command: Command) -> anyhow::Result<()> {
    let (guild, level, lines, instance) = match command {
        Command::Tail {
            guild,
            level,
            lines,
            instance,
        } => (guild, level, lines, instance),
        Command::Events(args) => return crate::commands::logging::events(options, args).await,
    };
    let settings = app::load_settings(options)?;
    let client = app::admin_client(&settings, instance)?;
    let mut stream = client.logs(guild, level.as_deref()).await?;
    let mut printed = 0usize;
    while let Some(line) = stream.next().await {
        if options.json {
            println!("{}", serde_json::to_string(&line)?);
        } else {
            let marker = if severity(&line.level) >= 3 { "!" } else { " " };
            println!(
                "{} {marker}{:<5} {}: {}",
                line.at.to_rfc3339(),
                line.level,
                line.target,
                line.message
            );
        }
        printed += 1;
        if lines.is_some_and(|limit| printed >= limit) {
            break;
        }
    }
    Ok(())
}
