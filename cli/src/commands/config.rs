//! `guildhall config show|get|set|history|rollback|keys`

use clap::Subcommand;
use guildhall_core::clock::parse_when;
use guildhall_core::guild_config::scheduled::{self, ScheduledChange};
use guildhall_core::guild_config::sections::{self, SECTIONS};
use guildhall_core::ids::GuildId;
use serde_json::{Value, json};

use crate::app::{self, GlobalOptions, Services};
use crate::output::{self, Table, diff, plain};

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show a guild's settings, every section or one.
    Show {
        /// The guild's id.
        #[arg(long)]
        guild: GuildId,
        /// Only this section.
        section: Option<String>,
    },
    /// Show one key, e.g. `general.timezone`.
    Get {
        #[arg(long)]
        guild: GuildId,
        key: String,
    },
    /// Change one key, now or at a later time.
    Set {
        #[arg(long)]
        guild: GuildId,
        /// `section.key`, e.g. `general.timezone` (see `guildhall config keys`).
        key: String,
        /// The new value: text, a number, true/false (on/off), `none` to clear.
        value: String,
        /// Apply later instead: RFC 3339 (2026-12-01T18:00:00Z) or a delay (+2h, "in 30m").
        #[arg(long, value_name = "WHEN")]
        at: Option<String>,
    },
    /// List changes, newest first.
    History {
        #[arg(long)]
        guild: GuildId,
        /// Only this section.
        #[arg(long)]
        section: Option<String>,
        /// At most this many.
        #[arg(long, default_value_t = 20)]
        limit: u32,
    },
    /// Restore a section to an earlier version (recorded as a new change).
    Rollback {
        #[arg(long)]
        guild: GuildId,
        /// The section, e.g. `general`.
        section: String,
        /// The version to restore (0 = the defaults). Default: undo the latest change.
        #[arg(long)]
        to: Option<i64>,
    },
    /// List every section and key with its default.
    Keys,
}

pub async fn run(options: &GlobalOptions, command: Command) -> anyhow::Result<()> {
    if let Command::Keys = command {
        return keys(options);
    }
    let settings = app::load_settings(options)?;
    let services = Services::open(&settings).await?;
    let config = &services.config;
    match command {
        Command::Keys => keys(options),
        Command::Show { guild, section } => {
            let current = config.get(guild).await?;
            let chosen: Vec<_> = match &section {
                Some(name) => vec![sections::section(name)?],
                None => SECTIONS.to_vec(),
            };
            if options.json {
                let mut out = serde_json::Map::new();
                for ops in &chosen {
                    out.insert(ops.name().into(), json!({ "version": current.version(ops.name()), "values": ops.json_of(&current) }));
                }
                return output::json(&json!({ "guild": guild, "sections": out }));
            }
            for ops in chosen {
                let version = current.version(ops.name());
                let note = if version == 0 { ", defaults" } else { "" };
                println!(
                    "{} (version {version}{note}): {}",
                    ops.name(),
                    ops.description()
                );
                let mut table = Table::new(&["  KEY", "VALUE"]);
                if let Value::Object(fields) = ops.json_of(&current) {
                    for (key, value) in fields {
                        table.row(vec![format!("  {key}"), plain(&value)]);
                    }
                }
                table.print();
            }
            Ok(())
        }
        Command::Get { guild, key } => {
            let value = config.get_key(guild, &key).await?;
            if options.json {
                return output::json(&json!({ "guild": guild, "key": key, "value": value }));
            }
            println!("{}", plain(&value));
            Ok(())
        }
        Command::Set {
            guild,
            key,
            value,
            at: Some(when),
        } => {
            let at = parse_when(&when, services.clock.now()).map_err(anyhow::Error::msg)?;
            let actor = app::operator();
            let change = ScheduledChange {
                guild,
                key: key.clone(),
                value: value.clone(),
                actor: actor.clone(),
            };
            let job = scheduled::schedule(config, &services.ledger, change, at).await?;
            services
                .audit(
                    "config.schedule",
                    Some(guild),
                    Some(&key),
                    json!({ "value": value, "at": at, "job": job.id }),
                )
                .await?;
            if options.json {
                return output::json(&json!({ "scheduled": true, "job": job }));
            }
            println!(
                "scheduled job {}: {key} = {value} for guild {guild} at {at}",
                job.id
            );
            Ok(())
        }
        Command::Set {
            guild,
            key,
            value,
            at: None,
        } => {
            let actor = app::operator();
            let change = config.set_key(guild, &key, &value, &actor).await?;
            if let Some(change) = &change {
                services.audit("config.set", Some(guild), Some(&key), json!({ "version": change.version, "old": change.old_value, "new": change.new_value })).await?;
            }
            if options.json {
                return output::json(&json!({ "changed": change.is_some(), "change": change }));
            }
            match change {
                Some(change) => println!(
                    "{}.{} (version {})",
                    change.section,
                    diff(&change.old_value, &change.new_value),
                    change.version
                ),
                None => println!(
                    "{key} is already {}; nothing changed",
                    plain(&config.get_key(guild, &key).await?)
                ),
            }
            Ok(())
        }
        Command::History {
            guild,
            section,
            limit,
        } => {
            let history = config.history(guild, section.as_deref(), limit).await?;
            if options.json {
                return output::json(&history);
            }
            if history.is_empty() {
                println!("no changes recorded for guild {guild}; every section is at its defaults");
                return Ok(());
            }
            let mut table =
                Table::new(&["ID", "SECTION", "VERSION", "WHEN", "WHO", "CHANGE", "NOTE"]);
            for entry in history {
                table.row(vec![
                    entry.id.to_string(),
                    entry.section.clone(),
                    entry.version.to_string(),
                    entry.changed_at.to_rfc3339(),
                    entry.actor.clone(),
                    diff(&entry.old_value, &entry.new_value),
                    entry.note.unwrap_or_default(),
                ]);
            }
            table.print();
            Ok(())
        }
        Command::Rollback { guild, section, to } => {
            let actor = app::operator();
            let change = config.rollback(guild, &section, to, &actor).await?;
            services
                .audit(
                    "config.rollback",
                    Some(guild),
                    Some(&section),
                    json!({ "to": to, "version": change.version }),
                )
                .await?;
            if options.json {
                return output::json(&change);
            }
            let target = to.map_or_else(
                || "the previous version".to_owned(),
                |version| format!("version {version}"),
            );
            println!(
                "{section} rolled back to {target}, now version {}: {}",
                change.version,
                diff(&change.old_value, &change.new_value)
            );
            Ok(())
        }
    }
}

fn keys(options: &GlobalOptions) -> anyhow::Result<()> {
    if options.json {
        let out: Vec<Value> = SECTIONS
            .iter()
            .map(|ops| json!({ "section": ops.name(), "description": ops.description(), "defaults": ops.default_json() }))
            .collect();
        return output::json(&out);
    }
    let mut table = Table::new(&["KEY", "DEFAULT", "SECTION"]);
    for ops in SECTIONS {
        if let Value::Object(fields) = ops.default_json() {
            for (key, value) in fields {
                table.row(vec![
                    format!("{}.{key}", ops.name()),
                    plain(&value),
                    ops.description().into(),
                ]);
            }
        }
    }
    table.print();
    Ok(())
}
