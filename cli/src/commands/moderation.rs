//! `guildhall moderation list|show` (also `guildhall cases`): moderation cases from the database.

use clap::Subcommand;
use guildhall_core::ids::{GuildId, UserId};
use guildhall_core::moderation::{Case, CaseFilter, CaseKind};

use crate::app::{self, GlobalOptions, Services};
use crate::output::{self, Table};

#[derive(Debug, Subcommand)]
pub enum Command {
    /// A guild's cases, newest first, with search and filters.
    List {
        #[arg(long)]
        guild: GuildId,
        /// Only cases about this user.
        #[arg(long)]
        user: Option<UserId>,
        /// Only this kind: warn, timeout, untimeout, kick, ban, tempban, unban, note.
        #[arg(long)]
        kind: Option<CaseKind>,
        /// Only cases whose reason contains this text.
        #[arg(long)]
        search: Option<String>,
        /// At most this many.
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// One case in full.
    Show {
        #[arg(long)]
        guild: GuildId,
        /// The case number.
        number: i64,
    },
}

pub async fn run(options: &GlobalOptions, command: Command) -> anyhow::Result<()> {
    let settings = app::load_settings(options)?;
    let services = Services::open(&settings).await?;
    let moderation = std::sync::Arc::clone(&services.moderation);
    let guild = match &command {
        Command::List { guild, .. } | Command::Show { guild, .. } => *guild,
    };
    // Members by name: the guild model the bot persisted.
    guildhall_core::guild_snapshot::load_guild(&services.db, &services.guild_cache, guild).await?;
    let name_of = |user: UserId| services.guild_cache.member_name(guild, user);
    match command {
        Command::List {
            guild,
            user,
            kind,
            search,
            limit,
        } => {
            let filter = CaseFilter {
                target: user,
                kind,
                text: search,
                limit,
                ..CaseFilter::default()
            };
            let cases = moderation.cases(guild, &filter).await?;
            if options.json {
                return output::json(&cases);
            }
            if cases.is_empty() {
                println!("no cases match in guild {guild}");
                return Ok(());
            }
            let mut table = Table::new(&["CASE", "KIND", "USER", "BY", "WHEN", "REASON"]);
            for case in &cases {
                let kind = match &case.failed_reason {
                    Some(_) => format!("{} (not carried out)", case.kind),
                    None => case.kind.to_string(),
                };
                table.row(vec![
                    case.number.to_string(),
                    kind,
                    name_of(case.target).unwrap_or_else(|| case.target.to_string()),
                    by(case),
                    case.created_at.to_rfc3339(),
                    case.reason.clone(),
                ]);
            }
            table.print();
            Ok(())
        }
        Command::Show { guild, number } => {
            let case = moderation.case(guild, number).await?;
            if options.json {
                return output::json(&case);
            }
            let mut table = Table::new(&["FIELD", "VALUE"]);
            let optional = |value: Option<String>| value.unwrap_or_else(|| "-".into());
            for (field, value) in [
                ("case", case.number.to_string()),
                ("kind", case.kind.to_string()),
                (
                    "user",
                    name_of(case.target).map_or_else(
                        || case.target.to_string(),
                        |name| format!("{name} (id {})", case.target),
                    ),
                ),
                ("by", by(&case)),
                ("reason", case.reason.clone()),
                ("not carried out", optional(case.failed_reason.clone())),
                (
                    "severity",
                    optional(case.severity.map(|s| s.as_str().to_owned())),
                ),
                (
                    "duration",
                    optional(
                        case.duration
                            .map(|d| humantime::format_duration(d).to_string()),
                    ),
                ),
                ("created", case.created_at.to_rfc3339()),
                (
                    "expires",
                    optional(case.expires_at.map(|at| at.to_rfc3339())),
                ),
                (
                    "pardoned",
                    optional(case.pardoned_at.map(|at| at.to_rfc3339())),
                ),
                (
                    "mod-log message",
                    optional(case.mod_log_message.map(|id| id.to_string())),
                ),
            ] {
                table.row(vec![field.into(), value]);
            }
            table.print();
            Ok(())
        }
    }
}

fn by(case: &Case) -> String {
    match &case.actor {
        guildhall_core::moderation::CaseActor::Moderator(user) => user.to_string(),
        guildhall_core::moderation::CaseActor::Automated(rule) => rule.clone(),
    }
}
