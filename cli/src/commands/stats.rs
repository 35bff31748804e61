//! `guildhall stats --guild ID [--since 30d]`: a guild's activity by day — the same daily
//! figures as the dashboard's analytics page — with a sparkline per figure, the top channels by
//! name and the commands table (`--json` for the figures with ids).

use guildhall_core::analytics::{self, Metric, day_label};

use crate::app::{self, GlobalOptions};
use crate::output::{self, Table};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The guild: its id or exact name.
    #[arg(long)]
    guild: String,
    /// How far back: 7d, 30d, 90d (any 1d to 365d).
    #[arg(long, default_value = "30d")]
    since: String,
}

pub async fn run(options: &GlobalOptions, args: Args) -> anyhow::Result<()> {
    let days = analytics::parse_days(&args.since)?;
    let settings = app::load_settings(options)?;
    let services = app::Services::open(&settings).await?;
    let (guild, name) = app::resolve_guild(&services, &args.guild).await?;
    let now = guildhall_core::clock::UnixMillis::from_system_time(std::time::SystemTime::now());
    let report = analytics::report(&services.db, guild, days, now).await?;
    if options.json {
        return output::json(&report);
    }
    let named = output::Named::load(&services, guild).await?;
    println!(
        "{name}: the last {days} days ({} to {}, UTC; today's figures are partial)\n",
        day_label(report.since),
        day_label(report.until)
    );
    let mut table = Table::new(&["FIGURE", "TOTAL", "PEAK DAY", "BY DAY"]);
    for series in &report.series {
        let values: Vec<i64> = series.days.iter().map(|(_, value)| *value).collect();
        table.row(vec![
            series.metric.title().to_owned(),
            series.total().to_string(),
            series.peak().to_string(),
            analytics::sparkline(&values),
        ]);
    }
    table.print();
    if report
        .series(Metric::Messages)
        .is_some_and(|s| s.total() == 0)
        && report.commands.is_empty()
    {
        println!("\nnothing counted yet: figures are rolled up every hour by the running instance");
    }
    if !report.top_channels.is_empty() {
        println!("\ntop channels by messages");
        let mut table = Table::new(&["CHANNEL", "MESSAGES"]);
        for (channel, total) in &report.top_channels {
            table.row(vec![named.channel(*channel), total.to_string()]);
        }
        table.print();
    }
    if !report.top_voice.is_empty() {
        println!("\nvoice channels by minutes");
        let mut table = Table::new(&["CHANNEL", "MINUTES"]);
        for (channel, total) in &report.top_voice {
            table.row(vec![named.channel(*channel), total.to_string()]);
        }
        table.print();
    }
    if !report.commands.is_empty() {
        println!("\ncommands");
        let mut table = Table::new(&["COMMAND", "RUNS", "FAILURES", "AVERAGE"]);
        for row in &report.commands {
            table.row(vec![
                format!("/{}", row.command),
                row.runs.to_string(),
                row.failures.to_string(),
                format!("{} ms", row.average_ms),
            ]);
        }
        table.print();
    }
    Ok(())
}
