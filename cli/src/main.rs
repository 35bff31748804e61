//! `guildhall`: the one binary. It runs the bot, the dashboard and the job worker (`serve`),
//! the demo (`demo`), and every operator command (`migrate`, `config`, `jobs`, `audit`).
//!
//! Every command prints readable text, or JSON with `--json`; logs go to stderr so JSON output
//! stays clean. Bad input exits with status 1 (2 for a malformed command line) and a message
//! naming what was wrong.

mod app;
mod commands;
mod features;
mod logging;
mod output;
mod runtime;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Guildhall: a self-hosted Discord community bot with a web dashboard and a terminal console.
#[derive(Debug, Parser)]
#[command(name = "guildhall", version, propagate_version = true)]
pub struct Cli {
    /// Configuration file (default: ./guildhall.toml if present).
    #[arg(long, global = true, env = "GUILDHALL_CONFIG", value_name = "PATH")]
    config: Option<PathBuf>,

    /// Data directory, overriding `data_dir` from the configuration.
    #[arg(long, global = true, value_name = "DIR")]
    data_dir: Option<PathBuf>,

    /// Print machine-readable JSON instead of text.
    #[arg(long, global = true)]
    json: bool,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Bring the database schema up to date (safe to run again), or show its status.
    Migrate(commands::migrate::Args),
    /// Read, change, and roll back a guild's settings.
    #[command(subcommand)]
    Config(commands::config::Command),
    /// Inspect and manage the job ledger (timers of every feature).
    #[command(subcommand)]
    Jobs(commands::jobs::Command),
    /// The operator audit log: who changed what.
    #[command(subcommand)]
    Audit(commands::audit::Command),
    /// Run Guildhall: the bot (when a token is set), the job worker and the dashboard.
    Serve(commands::serve::Args),
    /// The terminal console: overview, migrations, settings, logs, jobs, cases, levels, timed
    /// roles, giveaways and premium.
    Console(commands::console::Args),
    /// Run only the dashboard and admin API.
    Web(commands::web::Args),
    /// Run only the Discord bot (all shards, or a range with --shards/--total-shards).
    Bot(commands::bot::Args),
    /// Deploy slash commands and see their usage.
    #[command(subcommand)]
    Commands(commands::slash::Command),
    /// Each feature's subcommand (`features.rs`).
    #[command(flatten)]
    Feature(features::FeatureCommand),
    /// The guilds the bot is in.
    #[command(subcommand)]
    Guilds(commands::guilds::Command),
    /// Premium: grant or revoke a tier, list premium guilds, show a guild's limits and use.
    #[command(subcommand)]
    Premium(commands::premium::Command),
    /// The running instance's shards.
    #[command(subcommand)]
    Shards(commands::shards::Command),
    /// Follow the running instance's log.
    #[command(subcommand)]
    Logs(commands::logs::Command),
    /// Actions the permission guards refused in a guild.
    Refusals(commands::refusals::Args),
    /// A guild's activity by day (messages, members, voice, commands, automod) with sparklines.
    Stats(commands::stats::Args),
    /// Run the whole stack on a local demo data directory with sample data.
    Demo(commands::demo::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(run(cli));
    // A task that ignores cancellation (a blocking read, a library's reconnect loop) must not
    // keep the process alive after the command has finished: give them a moment, then go.
    runtime.shutdown_timeout(std::time::Duration::from_secs(2));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let options = app::GlobalOptions {
        config: cli.config,
        data_dir: cli.data_dir,
        json: cli.json,
    };
    match cli.command {
        Command::Migrate(args) => commands::migrate::run(&options, args).await,
        Command::Config(command) => commands::config::run(&options, command).await,
        Command::Jobs(command) => commands::jobs::run(&options, command).await,
        Command::Audit(command) => commands::audit::run(&options, command).await,
        Command::Serve(args) => commands::serve::run(&options, args).await,
        Command::Console(args) => commands::console::run(&options, args).await,
        Command::Web(args) => commands::web::run(&options, args).await,
        Command::Bot(args) => commands::bot::run(&options, args).await,
        Command::Commands(command) => commands::slash::run(&options, command).await,
        Command::Feature(command) => command.run(&options).await,
        Command::Guilds(command) => commands::guilds::run(&options, command).await,
        Command::Premium(command) => commands::premium::run(&options, command).await,
        Command::Shards(command) => commands::shards::run(&options, command).await,
        Command::Logs(command) => commands::logs::run(&options, command).await,
        Command::Refusals(args) => commands::refusals::run(&options, args).await,
        Command::Stats(args) => commands::stats::run(&options, args).await,
        Command::Demo(args) => commands::demo::run(&options, args).await,
    }
}
