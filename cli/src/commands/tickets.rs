//! `guildhall tickets list|transcript`: a guild's tickets and their transcripts (JSON or a
//! self-contained HTML page).

use clap::{Subcommand, ValueEnum};
use guildhall_core::ids::GuildId;
use guildhall_core::tickets::{TicketState, export};

use crate::app::{self, GlobalOptions, Services};
use crate::output::{self, Table};

#[derive(Debug, Subcommand)]
pub enum Command {
    /// A guild's tickets, newest first.
    List {
        #[arg(long)]
        guild: GuildId,
        /// Only open or only closed tickets.
        #[arg(long)]
        state: Option<TicketState>,
        /// At most this many.
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// A ticket's transcript, as text, JSON or a self-contained HTML page.
    Transcript {
        #[arg(long)]
        guild: GuildId,
        /// The ticket number.
        number: i64,
        /// Output format (`--json` also selects JSON).
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
}

/// How to print a transcript.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Readable lines.
    Text,
    /// The transcript as JSON.
    Json,
    /// A self-contained HTML page.
    Html,
}

pub async fn run(options: &GlobalOptions, command: Command) -> anyhow::Result<()> {
    let settings = app::load_settings(options)?;
    let services = Services::open(&settings).await?;
    let tickets = std::sync::Arc::clone(&services.tickets);
    match command {
        Command::List {
            guild,
            state,
            limit,
        } => {
            let found = tickets.tickets(guild, state, limit).await?;
            if options.json {
                return output::json(&found);
            }
            if found.is_empty() {
                println!("no tickets in guild {guild}");
                return Ok(());
            }
            let named = output::Named::load(&services, guild).await?;
            let mut table = Table::new(&[
                "TICKET",
                "STATE",
                "OPENED BY",
                "CLAIMED BY",
                "OPENED",
                "CLOSED",
            ]);
            for ticket in found {
                table.row(vec![
                    ticket.number.to_string(),
                    ticket.state.as_str().to_owned(),
                    named.user(ticket.opener),
                    ticket
                        .claimed_by
                        .map_or_else(|| "-".into(), |user| named.user(user)),
                    ticket.opened_at.to_rfc3339(),
                    ticket
                        .closed_at
                        .map_or_else(|| "-".into(), |at| at.to_rfc3339()),
                ]);
            }
            table.print();
            Ok(())
        }
        Command::Transcript {
            guild,
            number,
            format,
        } => {
            let transcript = tickets.transcript(guild, number).await?;
            let format = if options.json { Format::Json } else { format };
            match format {
                Format::Json => println!("{}", export::to_json(&transcript)?),
                Format::Html => println!("{}", export::to_html(&transcript)),
                Format::Text => {
                    for message in &transcript.messages {
                        let edited = if message.edited_at.is_some() {
                            " (edited)"
                        } else {
                            ""
                        };
                        println!(
                            "{} {}: {}{edited}",
                            message.created_at.to_rfc3339(),
                            message.author_name,
                            message.content
                        );
                        for file in &message.attachments {
                            println!("    attachment {} <{}>", file.name, file.url);
                        }
                    }
                }
            }
            Ok(())
        }
    }
}
