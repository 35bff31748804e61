//! `guildhall shards status`: the running instance's shards and event rates.

use clap::Subcommand;

use crate::app::{self, GlobalOptions};
use crate::output::{self, Table};

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Each shard's connection, latency, guilds and events, from the running instance.
    Status {
        /// The instance's base URL (default: http://<web.bind>).
        #[arg(long, value_name = "URL")]
        instance: Option<String>,
    },
}

pub async fn run(options: &GlobalOptions, command: Command) -> anyhow::Result<()> {
    let settings = app::load_settings(options)?;
    let Command::Status { instance } = command;
    let client = app::admin_client(&settings, instance)?;
    let status = client.status().await?;
    if options.json {
        return output::json(&status);
    }
    if status.shards.is_empty() {
        println!("the instance runs no shards (no bot, or not connected yet)");
    } else {
        let mut table = Table::new(&["SHARD", "STAGE", "LATENCY", "GUILDS", "EVENTS", "SINCE"]);
        for shard in &status.shards {
            table.row(vec![
                format!("{}/{}", shard.id, shard.total),
                format!("{:?}", shard.stage).to_lowercase(),
                shard
                    .latency_ms
                    .map_or_else(|| "-".into(), |ms| format!("{ms} ms")),
                shard.guilds.to_string(),
                shard.events.to_string(),
                shard.since.to_rfc3339(),
            ]);
        }
        table.print();
    }
    let last_minute: u64 = status.events.per_second.iter().sum();
    println!(
        "events: {} since {} ({:.1}/s over the last minute)",
        status.events.total,
        status.started.to_rfc3339(),
        last_minute as f64 / 60.0
    );
    Ok(())
}
