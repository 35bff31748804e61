//! The long-running process behind `serve` and `demo`: settings sync, the job worker, and
//! graceful shutdown on SIGINT/SIGTERM.

use std::sync::Arc;
use std::time::Duration;

use guildhall_bot::executor::{Executor, ExecutorOptions};
use guildhall_bot::intents::Privileged;
use guildhall_bot::{BotData, BotOptions, Shards};
use guildhall_core::analytics;
use guildhall_core::config::Settings;
use guildhall_core::guild_config::scheduled::{self, ApplyScheduledChange};
use guildhall_core::jobs::{JobRegistry, Worker, WorkerOptions, prune};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::app::Services;

/// How often settings changed by other processes are looked for when no announcement arrives.
const SETTINGS_SYNC: Duration = Duration::from_secs(2);

/// The job kinds this process runs and their handlers.
pub fn registry(settings: &Settings, services: &Services) -> JobRegistry {
    let retention = Duration::from_secs(u64::from(settings.jobs.retention_days) * 86_400);
    JobRegistry::new()
        .with(
            scheduled::KIND,
            Arc::new(ApplyScheduledChange::new(Arc::clone(&services.config))),
        )
        .with(
            prune::KIND,
            Arc::new(prune::PruneJobs::new(services.ledger.clone(), retention)),
        )
}

/// What a long-running process runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Parts {
    /// The job worker (when `[jobs] enabled`).
    pub worker: bool,
    /// The Discord bot (when a token is configured).
    pub bot: bool,
    /// Which shards the bot runs.
    pub shards: Shards,
}

/// Runs until `shutdown` is cancelled (or a part fails), then stops every part cleanly.
pub async fn serve(
    settings: &Settings,
    services: &Services,
    parts: Parts,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    let sync = services
        .config
        .spawn_sync(SETTINGS_SYNC, shutdown.clone())
        .await?;
    tracing::info!(
        database = services.db.backend().name(),
        coordination = services.coordination.backend(),
        data_dir = %settings.data_dir.display(),
        "guildhall serving"
    );
    let mut tasks: JoinSet<anyhow::Result<&'static str>> = JoinSet::new();
    if parts.worker && settings.jobs.enabled {
        prune::ensure_scheduled(&services.ledger).await?;
        let name = format!("{}:{}", hostname(), std::process::id());
        let worker = Worker::new(
            services.ledger.clone(),
            registry(settings, services),
            WorkerOptions::from_settings(&settings.jobs, name),
        );
        let stop = shutdown.clone();
        tasks.spawn(async move {
            worker.run(stop).await?;
            Ok("job worker")
        });
    } else if parts.worker {
        tracing::info!("job worker disabled ([jobs] enabled = false)");
    }
    let mut analytics_writer = None;
    if parts.bot {
        let (bot, writer) = bot_parts(settings, services, parts.shards)?;
        analytics_writer = Some(writer);
        let stop = shutdown.clone();
        tasks.spawn(async move {
            let (options, data) = bot;
            guildhall_bot::run(options, data, stop).await?;
            Ok("bot")
        });
    }
    if tasks.is_empty() {
        shutdown.cancelled().await;
    }
    let mut failure = None;
    while let Some(finished) = tasks.join_next().await {
        match finished {
            Ok(Ok(part)) => tracing::info!(part, "stopped"),
            Ok(Err(error)) => {
                tracing::error!(error = %error, "a part of guildhall failed; stopping the rest");
                failure.get_or_insert(error);
            }
            Err(error) => {
                failure.get_or_insert(anyhow::anyhow!("a part of guildhall panicked: {error}"));
            }
        }
        shutdown.cancel();
    }
    sync.await.ok();
    if let Some(writer) = analytics_writer {
        writer.await.ok();
    }
    services.db.close().await;
    tracing::info!("guildhall stopped");
    failure.map_or(Ok(()), Err)
}

type BotParts = ((BotOptions, BotData), tokio::task::JoinHandle<()>);

/// The bot's options and shared state from the settings.
pub fn bot_parts(
    settings: &Settings,
    services: &Services,
    shards: Shards,
) -> anyhow::Result<BotParts> {
    let token = settings.discord.token.as_ref().ok_or_else(|| {
        anyhow::anyhow!("no bot token: set discord.token in guildhall.toml or DISCORD_TOKEN")
    })?;
    let executor = Arc::new(executor(settings, services)?);
    let (analytics, writer) =
        analytics::Recorder::start(services.db.clone(), Duration::from_secs(2));
    let data = BotData::new(
        services.db.clone(),
        Arc::clone(&services.clock),
        Arc::clone(&services.config),
        Arc::clone(&services.coordination),
        executor,
        analytics,
    );
    let options = BotOptions {
        token: token.expose().to_owned(),
        api_base: settings.discord.api_base.clone(),
        shards,
        privileged: Privileged {
            message_content: settings.discord.message_content,
            guild_members: settings.discord.guild_members,
        },
        register_commands: settings.discord.register_commands,
    };
    Ok(((options, data), writer))
}

/// The outbound executor for the configured token and API base.
pub fn executor(settings: &Settings, services: &Services) -> anyhow::Result<Executor> {
    let token = settings.discord.token.as_ref().ok_or_else(|| {
        anyhow::anyhow!("no bot token: set discord.token in guildhall.toml or DISCORD_TOKEN")
    })?;
    let base = settings
        .discord
        .api_base
        .clone()
        .unwrap_or_else(|| "https://discord.com".into());
    Ok(Executor::new(
        ExecutorOptions::new(base, token.expose()),
        Arc::clone(&services.coordination),
    )?)
}

/// A token cancelled on the first SIGINT (Ctrl-C) or SIGTERM.
pub fn shutdown_on_signals() -> CancellationToken {
    let token = CancellationToken::new();
    let cancel = token.clone();
    tokio::spawn(async move {
        wait_for_signal().await;
        tracing::info!("shutdown requested; finishing running jobs");
        cancel.cancel();
    });
    token
}

#[cfg(unix)]
async fn wait_for_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    match signal(SignalKind::terminate()) {
        Ok(mut terminate) => {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = terminate.recv() => {}
            }
        }
        Err(error) => {
            tracing::warn!(%error, "cannot listen for SIGTERM; only Ctrl-C stops guildhall");
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

#[cfg(not(unix))]
async fn wait_for_signal() {
    let _ = tokio::signal::ctrl_c().await;
}

fn hostname() -> String {
    std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|name| name.trim().to_owned())
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "guildhall".into())
}
