//! `guildhall migrate [--status]`

use guildhall_core::clock::{Clock as _, SystemClock};
use guildhall_core::db::MigrationState;
use serde_json::json;

use crate::app::{self, GlobalOptions};
use crate::output::{self, Table};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only show which migrations are applied and which are pending.
    #[arg(long)]
    status: bool,
}

pub async fn run(options: &GlobalOptions, args: Args) -> anyhow::Result<()> {
    let settings = app::load_settings(options)?;
    let db = app::open_db(&settings).await?;
    if args.status {
        let status = db.migration_status().await?;
        if options.json {
            return output::json(&json!({ "backend": db.backend().name(), "migrations": status }));
        }
        let mut table = Table::new(&["VERSION", "DESCRIPTION", "STATE"]);
        for migration in &status {
            let state = match migration.state {
                MigrationState::Applied => "applied",
                MigrationState::Pending => "pending",
                MigrationState::Modified => "MODIFIED after it was applied",
            };
            table.row(vec![
                migration.version.to_string(),
                migration.description.clone(),
                state.into(),
            ]);
        }
        println!("{} database", db.backend().name());
        table.print();
        return Ok(());
    }
    let report = db.migrate().await?;
    if !report.applied.is_empty() {
        let detail = json!({ "backend": report.backend, "applied": report.applied });
        guildhall_core::audit::record(
            &db,
            SystemClock.now(),
            &app::operator(),
            "migrate",
            None,
            None,
            &detail,
        )
        .await?;
    }
    if options.json {
        return output::json(&report);
    }
    if report.applied.is_empty() {
        println!(
            "{}: schema is up to date ({} migrations applied earlier); nothing to do",
            report.backend,
            report.status.len()
        );
    } else {
        let names: Vec<String> = report
            .status
            .iter()
            .filter(|m| report.applied.contains(&m.version))
            .map(|m| format!("{} {}", m.version, m.description))
            .collect();
        println!(
            "{}: applied {} migration(s): {}",
            report.backend,
            report.applied.len(),
            names.join(", ")
        );
    }
    Ok(())
}
