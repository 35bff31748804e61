//! `guildhall demo`: the whole stack on a local demo data directory, with sample data, so a
//! newcomer sees it work with no setup.
//!
//! Today the stack is the database, the settings service and the job worker; the Discord
//! stand-in, the bot and the dashboard join the demo as they land.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context as _;
use guildhall_core::guild_config::scheduled::{self, ScheduledChange};
use guildhall_core::guilds;
use guildhall_core::ids::{GuildId, UserId};

use crate::app::{self, GlobalOptions, Services};
use crate::runtime;

/// The demo community's guild id.
const DEMO_GUILD: GuildId = GuildId::new(1_100_000_000_000_000_001);

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Stop after this long (e.g. 30s); runs until Ctrl-C otherwise.
    #[arg(long = "for", value_name = "DURATION", value_parser = humantime::parse_duration)]
    run_for: Option<Duration>,
}

pub async fn run(options: &GlobalOptions, args: Args) -> anyhow::Result<()> {
    let mut settings = app::load_settings(options)?;
    if options.data_dir.is_none() {
        settings.data_dir = PathBuf::from("guildhall-demo");
    }
    // The demo always runs on the embedded default, whatever the environment says.
    settings.database.url = None;
    settings.redis.url = None;
    if options.json {
        settings.log.format = guildhall_core::config::LogFormat::Json;
    }
    app::init_logging(&settings);

    let db = app::open_db(&settings).await?;
    db.migrate().await.context("migrating the demo database")?;
    let services = Services::on(&settings, db).await?;
    let now = services.clock.now();
    guilds::upsert(
        &services.db,
        DEMO_GUILD,
        "Guildhall Demo",
        Some(UserId::new(1_100_000_000_000_000_002)),
        now,
    )
    .await?;
    services
        .config
        .set_key(DEMO_GUILD, "general.timezone", "Europe/Berlin", "demo")
        .await?;
    let change = ScheduledChange {
        guild: DEMO_GUILD,
        key: "features.giveaways".into(),
        value: if services.config.get(DEMO_GUILD).await?.features.giveaways {
            "off"
        } else {
            "on"
        }
        .into(),
        actor: "demo".into(),
    };
    let job = scheduled::schedule(
        &services.config,
        &services.ledger,
        change.clone(),
        now.plus(Duration::from_secs(5)),
    )
    .await?;

    let dir = app::show_path(&settings.data_dir);
    if options.json {
        println!(
            "{}",
            serde_json::json!({ "data_dir": dir, "guild": DEMO_GUILD, "scheduled_job": job.id, "change": { "key": change.key, "value": change.value } })
        );
    } else {
        println!("Guildhall demo: data in {dir}/ (SQLite, in-process coordination)");
        println!(
            "  guild {DEMO_GUILD} \"Guildhall Demo\" is seeded; its time zone is Europe/Berlin"
        );
        println!(
            "  job {} will switch {} {} in 5 s; watch it in another terminal:",
            job.id, change.key, change.value
        );
        println!(
            "    cargo run -p guildhall -- --data-dir {dir} jobs show {}",
            job.id
        );
        println!(
            "    cargo run -p guildhall -- --data-dir {dir} config history --guild {DEMO_GUILD}"
        );
        println!("  the Discord stand-in, the bot and the dashboard join this demo as they land");
        println!("Press Ctrl-C to stop.");
    }

    let shutdown = runtime::shutdown_on_signals();
    if let Some(limit) = args.run_for {
        let stop = shutdown.clone();
        tokio::spawn(async move {
            tokio::time::sleep(limit).await;
            stop.cancel();
        });
    }
    runtime::serve(
        &settings,
        &services,
        runtime::Parts {
            worker: true,
            bot: false,
            shards: guildhall_bot::Shards::Auto,
        },
        shutdown,
    )
    .await
}
