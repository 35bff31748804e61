//! `guildhall premium grant|revoke|list|show`: the operator's grants of a tier to a guild (each
//! audited), the guilds above free and why, and one guild's tier, limits, use and what is
//! paused. Guilds are named by id or by their exact name.

use clap::Subcommand;
use guildhall_core::clock::parse_when;
use guildhall_core::guilds;
use guildhall_core::ids::GuildId;
use guildhall_core::premium::{self, Tier};
use serde_json::json;

use crate::app::{self, GlobalOptions, Services};
use crate::output::{self, Table};

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Grants a tier to a guild, replacing its previous grant.
    Grant {
        /// The guild: its id, or its exact name.
        guild: String,
        /// The tier (free, premium).
        #[arg(long, default_value = "premium")]
        tier: String,
        /// When it ends: `+30d`, `+12h`, or an RFC 3339 time; without it, until revoked.
        #[arg(long)]
        until: Option<String>,
        /// Why (kept in the audit log and shown with the grant).
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Revokes a guild's grant (a Discord subscription is Discord's to end).
    Revoke {
        /// The guild: its id, or its exact name.
        guild: String,
    },
    /// Every guild above free now, and every grant.
    List,
    /// One guild's tier, where it comes from, its limits and use, and what is paused.
    Show {
        /// The guild: its id, or its exact name.
        guild: String,
    },
}

fn when(at: Option<guildhall_core::clock::UnixMillis>) -> String {
    at.map_or_else(|| "no end".into(), |at| at.to_rfc3339())
}

pub async fn run(options: &GlobalOptions, command: Command) -> anyhow::Result<()> {
    let settings = app::load_settings(options)?;
    let services = Services::open(&settings).await?;
    let actor = app::operator();
    match command {
        Command::Grant {
            guild,
            tier,
            until,
            note,
        } => {
            let (guild, name) = app::resolve_guild(&services, &guild).await?;
            let tier = Tier::parse(&tier).map_err(anyhow::Error::msg)?;
            let until = until
                .map(|text| parse_when(&text, services.clock.now()))
                .transpose()
                .map_err(|error| anyhow::anyhow!("--until: {error}"))?;
            let grant = services
                .premium
                .grant(guild, tier, until, &actor, &note)
                .await
                .map_err(|error| anyhow::anyhow!("{name}: {error}"))?;
            if options.json {
                return output::json(&grant);
            }
            println!(
                "{name} is on {} ({}).",
                grant.tier.title(),
                match grant.expires_at {
                    Some(at) => format!("until {}", at.to_rfc3339()),
                    None => "until revoked".into(),
                }
            );
        }
        Command::Revoke { guild } => {
            let (guild, name) = app::resolve_guild(&services, &guild).await?;
            let grant = services
                .premium
                .revoke(guild, &actor)
                .await
                .map_err(|error| anyhow::anyhow!("{name}: {error}"))?;
            let now = services.premium.tier(guild);
            if options.json {
                return output::json(&json!({ "revoked": grant, "tier_now": now }));
            }
            println!(
                "Revoked {name}'s {} grant; it is on {} now.",
                grant.tier.title(),
                now.title()
            );
        }
        Command::List => {
            let known = guilds::list(&services.db).await?;
            let name_of = |id: GuildId| {
                known
                    .iter()
                    .find(|guild| guild.id == id)
                    .map_or_else(|| id.to_string(), |guild| guild.name.clone())
            };
            let statuses = services.premium.premium_guilds();
            let grants = services.premium.grants().await?;
            if options.json {
                return output::json(&json!({ "premium": statuses, "grants": grants }));
            }
            if statuses.is_empty() && grants.is_empty() {
                println!(
                    "no guild is above free; grant one with `guildhall premium grant <guild>`"
                );
                return Ok(());
            }
            let mut table = Table::new(&["GUILD", "TIER", "UNTIL", "FROM"]);
            for status in &statuses {
                table.row(vec![
                    name_of(status.guild),
                    status.tier.title().into(),
                    when(status.until),
                    status
                        .source
                        .as_ref()
                        .map_or_else(String::new, premium::Source::describe),
                ]);
            }
            // Grants that give nothing now (ended) are listed too, so they can be renewed.
            for grant in grants
                .iter()
                .filter(|grant| statuses.iter().all(|status| status.guild != grant.guild))
            {
                table.row(vec![
                    name_of(grant.guild),
                    "Free".into(),
                    format!("ended {}", when(grant.expires_at)),
                    format!("granted by {}", grant.granted_by),
                ]);
            }
            table.print();
        }
        Command::Show { guild } => {
            let (guild, name) = app::resolve_guild(&services, &guild).await?;
            let status = services.premium.status(guild);
            let usage = premium::usage(&services, guild).await?;
            let paused = premium::paused(&services, guild).await?;
            if options.json {
                return output::json(&json!({
                    "status": status,
                    "usage": usage,
                    "paused": paused,
                }));
            }
            println!("{name}: {}", status.tier.title());
            if let Some(source) = &status.source {
                println!("  from {} ({})", source.describe(), when(status.until));
            }
            let mut table = Table::new(&["LIMIT", "USED", "ALLOWED", "BY TIER"]);
            for limit in &usage {
                table.row(vec![
                    limit.noun.into(),
                    limit.used.map_or_else(
                        || "-".into(),
                        |used| {
                            if limit.over() {
                                format!("{used} (over: new ones refused)")
                            } else {
                                used.to_string()
                            }
                        },
                    ),
                    limit.limit.to_string(),
                    limit
                        .by_tier
                        .iter()
                        .map(|(tier, allowed)| format!("{} {allowed}", tier.title()))
                        .collect::<Vec<_>>()
                        .join(", "),
                ]);
            }
            table.print();
            for item in &paused {
                println!("{}: {}", item.what, item.reason);
            }
        }
    }
    Ok(())
}
