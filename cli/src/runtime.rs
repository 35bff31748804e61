//! The long-running process behind `serve` and `demo`: settings sync, the job worker, and
//! graceful shutdown on SIGINT/SIGTERM.

use std::sync::Arc;
use std::time::Duration;

use guildhall_core::config::Settings;
use guildhall_core::guild_config::scheduled::{self, ApplyScheduledChange};
use guildhall_core::jobs::{JobRegistry, Worker, WorkerOptions, prune};
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

/// Runs until `shutdown` is cancelled, then stops cleanly.
pub async fn serve(
    settings: &Settings,
    services: &Services,
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
    if settings.jobs.enabled {
        prune::ensure_scheduled(&services.ledger).await?;
        let name = format!("{}:{}", hostname(), std::process::id());
        let worker = Worker::new(
            services.ledger.clone(),
            registry(settings, services),
            WorkerOptions::from_settings(&settings.jobs, name),
        );
        worker.run(shutdown.clone()).await?;
    } else {
        tracing::info!("job worker disabled ([jobs] enabled = false)");
        shutdown.cancelled().await;
    }
    sync.await.ok();
    services.db.close().await;
    tracing::info!("guildhall stopped");
    Ok(())
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
