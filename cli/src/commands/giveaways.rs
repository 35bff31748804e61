//! `guildhall giveaways list|show|end|cancel|reroll|export|verify`: a guild's giveaways, one
//! giveaway's slots, winners and timeline, the operator's actions on it, its record as JSON or
//! CSV, and the verification of its draw (from the database, or offline from an exported file).
//!
//! `end`, `cancel` and `reroll` act through the job ledger: the core moves the draw's job to now,
//! cancels it, or schedules a reroll job, and the running bot's worker performs the draw, the
//! message edit or the announcement.

use std::collections::BTreeSet;
use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Subcommand, ValueEnum};
use guildhall_core::giveaways::{DrawRecord, GiveawayId, GiveawayState, Manager, Verified};
use guildhall_core::ids::{GuildId, UserId};
use serde_json::{Value, json};

use crate::app::{self, GlobalOptions, Services};
use crate::output::{self, Table};

#[derive(Debug, Subcommand)]
pub enum Command {
    /// A guild's giveaways, newest first.
    List {
        #[arg(long)]
        guild: GuildId,
        /// Only giveaways in this state: running, drawing, ended or cancelled.
        #[arg(long)]
        state: Option<GiveawayState>,
        /// At most this many (at most 500).
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// One giveaway: its prize slots and winners, and its timeline (draws, claims, rerolls).
    Show {
        #[arg(long)]
        guild: GuildId,
        /// The giveaway's number.
        giveaway: GiveawayId,
    },
    /// Ends a running giveaway now; the running bot draws the winners.
    End {
        #[arg(long)]
        guild: GuildId,
        giveaway: GiveawayId,
    },
    /// Cancels a running giveaway: nobody wins and the seed is revealed.
    Cancel {
        #[arg(long)]
        guild: GuildId,
        giveaway: GiveawayId,
        /// Why (kept in the giveaway's log).
        #[arg(long)]
        reason: Option<String>,
    },
    /// Draws one prize slot of an ended giveaway again (never a previous winner); the running
    /// bot draws and announces it.
    Reroll {
        #[arg(long)]
        guild: GuildId,
        giveaway: GiveawayId,
        /// The prize slot, from 1.
        #[arg(long)]
        slot: u32,
        /// Why (kept in the giveaway's log).
        #[arg(long)]
        reason: Option<String>,
    },
    /// The giveaway's whole record: JSON (with the draw record `verify --file` checks) or the
    /// log as CSV.
    Export {
        #[arg(long)]
        guild: GuildId,
        giveaway: GiveawayId,
        #[arg(long, value_enum, default_value_t = Format::Json)]
        format: Format,
        /// Write to this file instead of standard output.
        #[arg(long)]
        output: Option<PathBuf>,
    },
    /// Recomputes a draw from its revealed seed and entrant list: from the database
    /// (`--guild ID GIVEAWAY`) or from an exported JSON file (`--file`). Exits non-zero when it
    /// does not verify.
    Verify {
        #[arg(long, required_unless_present = "file", requires = "giveaway")]
        guild: Option<GuildId>,
        /// The giveaway's number.
        #[arg(conflicts_with = "file")]
        giveaway: Option<GiveawayId>,
        /// A JSON export (`giveaway export`), checked offline.
        #[arg(long, conflicts_with = "guild")]
        file: Option<PathBuf>,
    },
}

/// The format of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Everything, with the draw record.
    Json,
    /// The log, one event a line.
    Csv,
}

pub async fn run(options: &GlobalOptions, command: Command) -> anyhow::Result<()> {
    // An offline check needs no database.
    if let Command::Verify {
        file: Some(file), ..
    } = &command
    {
        return verify_file(options, file);
    }
    let settings = app::load_settings(options)?;
    let services = Services::open(&settings).await?;
    let giveaways = std::sync::Arc::clone(&services.giveaways);
    match command {
        Command::List {
            guild,
            state,
            limit,
        } => {
            let list = giveaways.list(guild, state, limit).await?;
            if options.json {
                return output::json(&list);
            }
            if list.is_empty() {
                println!("no giveaways in guild {guild}");
                return Ok(());
            }
            let named = output::Named::load(&services, guild).await?;
            let mut table = Table::new(&[
                "ID", "STATE", "PRIZE", "WINNERS", "ENTRANTS", "CHANNEL", "ENDS",
            ]);
            for giveaway in list {
                table.row(vec![
                    giveaway.id.to_string(),
                    giveaway.state.to_string(),
                    giveaway.prize,
                    giveaway.winners.to_string(),
                    giveaway.entrants.to_string(),
                    named.channel(giveaway.channel),
                    giveaway.ends_at.to_rfc3339(),
                ]);
            }
            table.print();
            Ok(())
        }
        Command::Show { guild, giveaway } => {
            let detail = giveaways.detail(guild, giveaway).await?;
            if options.json {
                return output::json(&detail);
            }
            let shown = &detail.giveaway;
            let named = output::Named::load(&services, guild).await?;
            println!(
                "giveaway #{} in guild {guild}: {} ({})",
                shown.id, shown.prize, shown.state
            );
            println!(
                "  channel {}, message {}",
                named.channel(shown.channel),
                shown
                    .message
                    .map_or_else(|| "not posted yet".to_owned(), |id| id.to_string())
            );
            println!(
                "  started {}, ends {}; {} winner(s), {} entrant(s), claim window {}s, rerolls {}/{}",
                shown.created_at.to_rfc3339(),
                shown.ends_at.to_rfc3339(),
                shown.winners,
                shown.entrants,
                shown.claim_window_secs,
                shown.rerolls_used,
                shown.max_rerolls
            );
            println!("  seed commitment {}", shown.seed_hash);
            if let Some(seed) = &shown.seed {
                println!("  seed (revealed) {seed}");
            }
            if !detail.slots.is_empty() {
                println!();
                let mut table = Table::new(&["SLOT", "ATTEMPT", "WINNER", "STATE", "DEADLINE"]);
                for slot in &detail.slots {
                    table.row(vec![
                        slot.slot.to_string(),
                        slot.attempt.to_string(),
                        slot.winner
                            .map_or_else(|| "nobody".to_owned(), |user| named.user(user)),
                        slot.state.to_string(),
                        slot.claim_deadline
                            .map_or_else(|| "-".to_owned(), |at| at.to_rfc3339()),
                    ]);
                }
                table.print();
            }
            println!();
            let mut table = Table::new(&["TIME", "EVENT", "USER", "SLOT", "DETAIL"]);
            for event in &detail.timeline {
                table.row(vec![
                    event.at.to_rfc3339(),
                    event.kind.to_string(),
                    event.user.map(|user| named.user(user)).unwrap_or_default(),
                    event.slot.map(|slot| slot.to_string()).unwrap_or_default(),
                    event.detail.to_string(),
                ]);
            }
            table.print();
            Ok(())
        }
        Command::End { guild, giveaway } => {
            let ended = giveaways.end(guild, giveaway, &Manager::Operator).await?;
            services
                .audit(
                    "giveaway.end",
                    Some(guild),
                    Some(&giveaway.to_string()),
                    json!({}),
                )
                .await?;
            if options.json {
                return output::json(&ended);
            }
            println!(
                "giveaway #{giveaway} closed its entries; the running bot draws the winners (job {})",
                ended.end_job
            );
            Ok(())
        }
        Command::Cancel {
            guild,
            giveaway,
            reason,
        } => {
            let cancelled = giveaways
                .cancel(guild, giveaway, &Manager::Operator, reason.as_deref())
                .await?;
            services
                .audit(
                    "giveaway.cancel",
                    Some(guild),
                    Some(&giveaway.to_string()),
                    json!({ "reason": reason }),
                )
                .await?;
            if options.json {
                return output::json(&cancelled);
            }
            println!("giveaway #{giveaway} is cancelled; nobody wins");
            Ok(())
        }
        Command::Reroll {
            guild,
            giveaway,
            slot,
            reason,
        } => {
            let requested = giveaways
                .reroll(guild, giveaway, slot, &Manager::Operator, reason.as_deref())
                .await?;
            services
                .audit(
                    "giveaway.reroll",
                    Some(guild),
                    Some(&giveaway.to_string()),
                    json!({ "slot": slot, "reason": reason, "job": requested.job }),
                )
                .await?;
            if options.json {
                return output::json(&json!({
                    "giveaway": requested.giveaway,
                    "slot": requested.slot,
                    "previous_winner": requested.previous_winner,
                    "job": requested.job,
                }));
            }
            println!(
                "prize #{slot} of giveaway #{giveaway} (won by {}) is drawn again by the running bot (job {})",
                requested
                    .previous_winner
                    .map_or_else(|| "nobody".to_owned(), |user| user.to_string()),
                requested.job
            );
            Ok(())
        }
        Command::Export {
            guild,
            giveaway,
            format,
            output: path,
        } => {
            let text = match format {
                Format::Json => {
                    serde_json::to_string_pretty(&giveaways.export_json(guild, giveaway).await?)?
                }
                Format::Csv => giveaways.export_csv(guild, giveaway).await?,
            };
            match path {
                Some(path) => {
                    std::fs::write(&path, text)
                        .with_context(|| format!("cannot write {}", path.display()))?;
                    eprintln!("wrote {}", path.display());
                }
                None => println!("{text}"),
            }
            Ok(())
        }
        Command::Verify {
            guild, giveaway, ..
        } => {
            let (Some(guild), Some(giveaway)) = (guild, giveaway) else {
                anyhow::bail!("verify needs --guild ID GIVEAWAY, or --file EXPORT.json");
            };
            let record = giveaways.draw_record(guild, giveaway).await?;
            report(
                options,
                &format!("giveaway #{giveaway}"),
                &record,
                record.verify(),
            )
        }
    }
}

/// Verifies the draw record of an exported JSON file, and that the export's entry list is the
/// draw's entrant list.
fn verify_file(options: &GlobalOptions, file: &PathBuf) -> anyhow::Result<()> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let export: Value = serde_json::from_str(&text).with_context(|| {
        format!(
            "{} is not JSON; pass a file written by `guildhall giveaways export --format json`",
            file.display()
        )
    })?;
    // A whole export holds the record under `draw_record`; a bare record is accepted too.
    let record_json = match export.get("draw_record") {
        Some(Value::Null) => anyhow::bail!(
            "{} has no draw record: the giveaway had not been drawn when it was exported",
            file.display()
        ),
        Some(record) => record.clone(),
        None => export.clone(),
    };
    let record: DrawRecord = serde_json::from_value(record_json).with_context(|| {
        format!(
            "{} holds no readable draw record (algorithm, seed, seed_hash, entrants_hash, \
             entrants, steps)",
            file.display()
        )
    })?;
    let mut verdict = record.verify().map_err(|error| error.to_string());
    if verdict.is_ok()
        && let Some(entries) = export.get("entries").and_then(Value::as_array)
    {
        let listed: BTreeSet<UserId> = entries
            .iter()
            .filter(|entry| entry["left_at"].is_null())
            .filter_map(|entry| serde_json::from_value(entry["user"].clone()).ok())
            .collect();
        let drawn: BTreeSet<UserId> = record.entrants.iter().copied().collect();
        if listed != drawn {
            verdict = Err(format!(
                "the export's entries ({} members) are not the draw's entrant list ({} members): \
                 an entry was added, removed or changed",
                listed.len(),
                drawn.len()
            ));
        }
    }
    report(options, &file.display().to_string(), &record, verdict)
}

/// Prints the seed, its hash, the entrants' hash and every step, then the verdict; an error
/// (a non-zero exit) when the draw does not verify.
fn report<E: std::fmt::Display>(
    options: &GlobalOptions,
    what: &str,
    record: &DrawRecord,
    verdict: Result<Verified, E>,
) -> anyhow::Result<()> {
    let verdict = verdict.map_err(|error| error.to_string());
    if options.json {
        output::json(&json!({
            "verified": verdict.is_ok(),
            "error": verdict.as_ref().err(),
            "record": record,
        }))?;
    } else {
        println!("algorithm      {}", record.algorithm);
        println!("seed           {}", record.seed);
        println!(
            "seed hash      {} (committed at the start)",
            record.seed_hash
        );
        println!(
            "entrants hash  {} ({} entrants)",
            record.entrants_hash,
            record.entrants.len()
        );
        for (number, step) in record.steps.iter().enumerate() {
            let disqualified = if step.disqualified.is_empty() {
                String::new()
            } else {
                format!(
                    ", disqualified {}",
                    step.disqualified
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            println!(
                "step {:>3}       slot {} attempt {}: winner {}{disqualified}",
                number + 1,
                step.slot,
                step.attempt,
                step.winner
                    .map_or_else(|| "nobody".to_owned(), |user| user.to_string()),
            );
        }
    }
    match verdict {
        Ok(verified) => {
            if !options.json {
                println!(
                    "verified: the draw of {what} follows from its seed and its {} entrants ({} steps)",
                    verified.entrants, verified.steps
                );
            }
            Ok(())
        }
        Err(error) => anyhow::bail!("the draw of {what} does not verify: {error}"),
    }
}
