//! `guildhall roles timed list|remove` and `guildhall roles panels`: a guild's timed roles (and
//! ending one early) and its role panels.

use clap::Subcommand;
use guildhall_core::ids::{GuildId, RoleId, UserId};
use serde_json::json;

use crate::app::{self, GlobalOptions, Services};
use crate::output::{self, Table};

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Timed roles: roles given until a time, removed by the job ledger.
    #[command(subcommand)]
    Timed(TimedCommand),
    /// A guild's role panels.
    Panels {
        #[arg(long)]
        guild: GuildId,
    },
}

#[derive(Debug, Subcommand)]
pub enum TimedCommand {
    /// The running timed roles, the soonest to end first.
    List {
        #[arg(long)]
        guild: GuildId,
        /// Only this member's.
        #[arg(long)]
        user: Option<UserId>,
    },
    /// Ends a timed role now: cancels its timer and has the bot remove the role (through the
    /// job ledger, by whichever process runs the bot).
    Remove {
        #[arg(long)]
        guild: GuildId,
        #[arg(long)]
        user: UserId,
        #[arg(long)]
        role: RoleId,
    },
}

pub async fn run(options: &GlobalOptions, command: Command) -> anyhow::Result<()> {
    let settings = app::load_settings(options)?;
    let services = Services::open(&settings).await?;
    let roles = std::sync::Arc::clone(&services.roles);
    match command {
        Command::Timed(TimedCommand::List { guild, user }) => {
            let running = roles.timed_roles(guild, user).await?;
            if options.json {
                return output::json(&running);
            }
            if running.is_empty() {
                println!("no timed roles are running in guild {guild}");
                return Ok(());
            }
            let named = output::Named::load(&services, guild).await?;
            let mut table = Table::new(&[
                "ID",
                "USER",
                "ROLE",
                "EXPIRES",
                "SOURCE",
                "GRANTED BY",
                "JOB",
            ]);
            for timed in running {
                table.row(vec![
                    timed.id.to_string(),
                    named.user(timed.user),
                    named.role(timed.role),
                    timed.expires_at.to_rfc3339(),
                    match timed.panel {
                        Some(panel) => format!("panel #{panel}"),
                        None => timed.source.as_str().to_owned(),
                    },
                    timed.granted_by.to_string(),
                    timed.job.map_or_else(|| "-".into(), |job| job.to_string()),
                ]);
            }
            table.print();
            Ok(())
        }
        Command::Timed(TimedCommand::Remove { guild, user, role }) => {
            let removed = roles.remove_timed(guild, user, role, None).await?;
            let job = guildhall_core::jobs::perform::schedule(
                &services.ledger,
                Some(guild),
                removed.remove,
            )
            .await?;
            services
                .audit(
                    "roles.timed.remove",
                    Some(guild),
                    Some(&format!("{user}:{role}")),
                    json!({ "timed_role": removed.timed.id, "was_due": removed.timed.expires_at, "job": job.id }),
                )
                .await?;
            if options.json {
                return output::json(&json!({ "removed": removed.timed, "job": job.id }));
            }
            println!(
                "ended timed role {} (role {role} of user {user}, due {}); the bot removes the role (job {})",
                removed.timed.id,
                removed.timed.expires_at.to_rfc3339(),
                job.id
            );
            Ok(())
        }
        Command::Panels { guild } => {
            let panels = roles.panels(guild).await?;
            if options.json {
                return output::json(&panels);
            }
            if panels.is_empty() {
                println!("no role panels in guild {guild}");
                return Ok(());
            }
            let named = output::Named::load(&services, guild).await?;
            let mut table = Table::new(&[
                "PANEL", "CHANNEL", "MESSAGE", "STYLE", "CHOICE", "TIMED", "ROLES", "TITLE",
            ]);
            for panel in panels {
                table.row(vec![
                    panel.id.to_string(),
                    named.channel(panel.channel),
                    panel
                        .message
                        .map_or_else(|| "-".into(), |message| message.to_string()),
                    panel.style.as_str().to_owned(),
                    panel.choice.as_str().to_owned(),
                    panel.timed_secs.map_or_else(
                        || "-".into(),
                        |secs| {
                            humantime::format_duration(std::time::Duration::from_secs(secs))
                                .to_string()
                        },
                    ),
                    panel
                        .options
                        .iter()
                        .map(|option| format!("{} ({})", option.role, option.label))
                        .collect::<Vec<_>>()
                        .join(", "),
                    panel.title,
                ]);
            }
            table.print();
            Ok(())
        }
    }
}
