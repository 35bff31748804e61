//! `guildhall jobs list|show|cancel|retry`

use clap::Subcommand;
use guildhall_core::clock::UnixMillis;
use guildhall_core::ids::GuildId;
use guildhall_core::jobs::{JobFilter, JobId, JobRecord, JobState};
use serde_json::json;

use crate::app::{self, GlobalOptions, Services};
use crate::output::{self, Table};

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List jobs: unfinished soonest first, then finished.
    List {
        /// Only in this state: pending, running, done, dead, cancelled.
        #[arg(long)]
        state: Option<JobState>,
        /// Only of this kind, e.g. guild_config.apply.
        #[arg(long)]
        kind: Option<String>,
        /// Only of this guild.
        #[arg(long)]
        guild: Option<GuildId>,
        /// At most this many.
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// Show one job with every attempt made at it.
    Show { id: JobId },
    /// Cancel a pending or running job.
    Cancel { id: JobId },
    /// Run a dead or cancelled job again from its first attempt (or a pending one now).
    Retry { id: JobId },
}

pub async fn run(options: &GlobalOptions, command: Command) -> anyhow::Result<()> {
    let settings = app::load_settings(options)?;
    let services = Services::open(&settings).await?;
    let ledger = &services.ledger;
    match command {
        Command::List {
            state,
            kind,
            guild,
            limit,
        } => {
            let jobs = ledger
                .list(&JobFilter {
                    state,
                    kind,
                    guild,
                    limit,
                })
                .await?;
            if options.json {
                return output::json(&jobs);
            }
            if jobs.is_empty() {
                println!("no jobs match");
                return Ok(());
            }
            let now = services.clock.now();
            let mut table = Table::new(&[
                "ID",
                "KIND",
                "GUILD",
                "STATE",
                "DUE",
                "ATTEMPTS",
                "LAST ERROR",
            ]);
            for job in &jobs {
                table.row(vec![
                    job.id.to_string(),
                    job.kind.clone(),
                    job.guild
                        .map(|guild| guild.to_string())
                        .unwrap_or_else(|| "-".into()),
                    job.state.to_string(),
                    relative(job.due_at, now),
                    format!("{}/{}", job.attempts, job.max_attempts),
                    job.last_error.clone().unwrap_or_default(),
                ]);
            }
            table.print();
            Ok(())
        }
        Command::Show { id } => {
            let job = ledger.get(id).await?;
            let runs = ledger.runs(id).await?;
            if options.json {
                return output::json(&json!({ "job": job, "runs": runs }));
            }
            print_job(&job, services.clock.now());
            if runs.is_empty() {
                println!("no attempts yet");
            } else {
                let mut table = Table::new(&[
                    "ATTEMPT", "WORKER", "STARTED", "LATE BY", "OUTCOME", "ERROR",
                ]);
                for run in runs {
                    table.row(vec![
                        run.attempt.to_string(),
                        run.worker,
                        run.started_at.to_rfc3339(),
                        format!("{} ms", run.lateness_ms),
                        run.outcome.unwrap_or_else(|| {
                            if run.finished_at.is_none() {
                                "unfinished".into()
                            } else {
                                "-".into()
                            }
                        }),
                        run.error.unwrap_or_default(),
                    ]);
                }
                table.print();
            }
            Ok(())
        }
        Command::Cancel { id } | Command::Retry { id } => {
            let (job, action) = match command {
                Command::Cancel { .. } => (ledger.cancel(id).await?, "jobs.cancel"),
                _ => (ledger.retry(id).await?, "jobs.retry"),
            };
            services
                .audit(
                    action,
                    job.guild,
                    Some(&id.to_string()),
                    json!({ "kind": job.kind }),
                )
                .await?;
            if options.json {
                return output::json(&job);
            }
            match action {
                "jobs.cancel" => println!("cancelled job {id} ({})", job.kind),
                _ => println!("job {id} ({}) will run again now", job.kind),
            }
            Ok(())
        }
    }
}

fn print_job(job: &JobRecord, now: UnixMillis) {
    let mut table = Table::new(&["FIELD", "VALUE"]);
    let optional =
        |value: Option<UnixMillis>| value.map_or_else(|| "-".into(), UnixMillis::to_rfc3339);
    for (field, value) in [
        ("id", job.id.to_string()),
        ("kind", job.kind.clone()),
        (
            "guild",
            job.guild
                .map_or_else(|| "-".into(), |guild| guild.to_string()),
        ),
        ("state", job.state.to_string()),
        (
            "due",
            format!(
                "{} ({})",
                job.due_at.to_rfc3339(),
                relative(job.due_at, now)
            ),
        ),
        (
            "attempts",
            format!("{} of {}", job.attempts, job.max_attempts),
        ),
        (
            "lease",
            job.lease_owner.clone().map_or_else(
                || "-".into(),
                |owner| format!("{owner} until {}", optional(job.lease_until)),
            ),
        ),
        (
            "late by",
            job.lateness_ms
                .map_or_else(|| "-".into(), |ms| format!("{ms} ms")),
        ),
        (
            "last error",
            job.last_error.clone().unwrap_or_else(|| "-".into()),
        ),
        (
            "dedupe key",
            job.dedupe_key.clone().unwrap_or_else(|| "-".into()),
        ),
        ("created", job.created_at.to_rfc3339()),
        ("finished", optional(job.finished_at)),
        ("payload", job.payload.to_string()),
    ] {
        table.row(vec![field.into(), value]);
    }
    table.print();
}

/// `in 2m 5s` or `3s ago`.
fn relative(at: UnixMillis, now: UnixMillis) -> String {
    let seconds = |ms: i64| std::time::Duration::from_secs(u64::try_from(ms / 1_000).unwrap_or(0));
    if at >= now {
        format!("in {}", humantime::format_duration(seconds(at.0 - now.0)))
    } else {
        format!("{} ago", humantime::format_duration(seconds(now.0 - at.0)))
    }
}
