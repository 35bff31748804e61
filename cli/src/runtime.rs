//! The long-running process behind `serve` and `demo`: settings sync, the job worker, and
//! graceful shutdown on SIGINT/SIGTERM.

use std::sync::Arc;
use std::time::Duration;

use guildhall_bot::executor::looks::Looks;
use guildhall_bot::executor::{Executor, ExecutorOptions};
use guildhall_bot::intents::Privileged;
use guildhall_bot::{BotData, BotOptions, Shards};
use guildhall_core::analytics;
use guildhall_core::config::Settings;
use guildhall_core::features::FEATURES;
use guildhall_core::guild_config::scheduled::ApplyScheduledChange;
use guildhall_core::jobs::{JobPorts, JobRegistry, Worker, WorkerOptions, perform, prune};
use guildhall_core::recent_messages;
use guildhall_web::{WebConfig, WebState};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::app::Services;

/// How long the parts of a process may take to stop once stopping starts.
const STOP_GRACE: Duration = Duration::from_secs(5);

/// How often settings changed by other processes are looked for when no announcement arrives.
const SETTINGS_SYNC: Duration = Duration::from_secs(2);
/// How often premium changes made by other processes are looked for when no announcement
/// arrives.
const PREMIUM_SYNC: Duration = Duration::from_secs(2);

/// The job kinds this process runs and their handlers: the process-wide ones (scheduled settings
/// changes, the ledger's and the recent-message store's housekeeping), then, when a bot token is
/// configured, every feature's jobs (`FeatureSpec::jobs`) and `effects.perform`: they act on
/// Discord, so without a token their jobs wait for a process that has it.
pub fn registry(settings: &Settings, services: &Services) -> anyhow::Result<JobRegistry> {
    let retention = Duration::from_secs(u64::from(settings.jobs.retention_days) * 86_400);
    let mut registry = JobRegistry::new()
        .register(Arc::new(ApplyScheduledChange::new(Arc::clone(
            &services.config,
        ))))
        .register(Arc::new(prune::PruneJobs::new(
            services.ledger.clone(),
            retention,
        )))
        // Each guild's recent messages and ticket transcripts past their retention.
        .register(Arc::new(recent_messages::Retention::new(
            services.ledger.clone(),
            Arc::clone(&services.config),
            Arc::clone(&services.tickets),
        )))
        // Each guild's hours of activity rolled into daily figures, hourly.
        .register(Arc::new(guildhall_core::analytics::Aggregate::new(
            services.ledger.clone(),
        )))
        // The end of a guild's premium, announced to every process and audited.
        .register(Arc::new(guildhall_core::premium::ExpirePremium::new(
            Arc::clone(&services.premium),
        )));
    if settings.discord.token.is_some() {
        let ports = job_ports(settings, services)?;
        for feature in FEATURES {
            registry = (feature.jobs)(registry, services, &ports);
        }
        // Effects the dashboard hands to the bot (e.g. editing a mod-log post).
        registry = registry.register(Arc::new(perform::PerformEffect::new(ports.sink)));
    }
    Ok(registry)
}

/// What the jobs that act on Discord are given, in a process with a bot token.
fn job_ports(settings: &Settings, services: &Services) -> anyhow::Result<JobPorts> {
    let discord = Arc::new(executor(settings, services)?);
    // Every job that acts on Discord re-checks the channels and roles it names against its
    // guild just before Discord is asked.
    let sink: Arc<dyn guildhall_core::effect::EffectSink> =
        Arc::new(guildhall_core::references::GuardedSink::new(
            discord.clone(),
            Arc::clone(&services.directory),
        ));
    // The process's one instance of each service: a draw reads the same XP buffer the bot's
    // entry check does.
    let levels: Arc<dyn guildhall_core::roles::MemberLevels> = services.levels.clone();
    Ok(JobPorts {
        sink,
        members: Arc::new(guildhall_bot::DiscordMembers::new(
            discord,
            Arc::clone(&services.guild_cache),
            levels,
            Arc::clone(&services.moderation),
        )),
        cache: Arc::clone(&services.guild_cache),
    })
}

/// What a long-running process runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Parts {
    /// The job worker (when `[jobs] enabled`).
    pub worker: bool,
    /// The Discord bot (when a token is configured).
    pub bot: bool,
    /// The dashboard and admin API (when `[web] enabled`).
    pub web: bool,
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
    let premium_sync = services
        .premium
        .spawn_sync(PREMIUM_SYNC, shutdown.clone())
        .await?;
    tracing::info!(
        database = services.db.backend().name(),
        coordination = services.coordination.backend(),
        data_dir = %settings.data_dir.display(),
        "guildhall serving"
    );
    let mut tasks: JoinSet<anyhow::Result<&'static str>> = JoinSet::new();
    let mut job_metrics = None;
    if parts.worker && settings.jobs.enabled {
        prune::ensure_scheduled(&services.ledger).await?;
        recent_messages::retention::ensure_scheduled(&services.ledger).await?;
        guildhall_core::analytics::aggregate::ensure_scheduled(&services.ledger).await?;
        let name = format!("{}:{}", hostname(), std::process::id());
        let worker = Worker::new(
            services.ledger.clone(),
            registry(settings, services)?,
            WorkerOptions::from_settings(&settings.jobs, name),
        );
        job_metrics = Some(worker.metrics());
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
        let api_base = settings
            .discord
            .api_base
            .clone()
            .unwrap_or_else(|| "https://discord.com".into());
        tasks.spawn(async move {
            let (options, data) = bot;
            guildhall_bot::run(options, data, stop)
                .await
                .map_err(|error| {
                    anyhow::anyhow!(
                        "the Discord bot could not run ({error}); check that {api_base} is reachable and the token is valid"
                    )
                })?;
            Ok("bot")
        });
    }
    if parts.web && settings.web.enabled {
        // Where the bot runs beside the dashboard, its levels flusher serves both; without
        // it, the dashboard reads the guild model the bot persisted (names, pickers, id checks).
        if !parts.bot {
            let reader = guildhall_core::guild_snapshot::run_reader(
                Arc::clone(&services.guild_cache),
                services.db.clone(),
                shutdown.clone(),
            );
            tasks.spawn(async move {
                reader.await;
                Ok("guild snapshot reader")
            });
        }
        let state = web_state(settings, services, job_metrics, !parts.bot)?;
        let stop = shutdown.clone();
        tasks.spawn(async move {
            guildhall_web::serve(state, stop).await?;
            Ok("web server")
        });
    }
    if tasks.is_empty() {
        shutdown.cancelled().await;
    }
    let mut failure = None;
    // Once stopping starts (a signal, or a part that ended), every part has STOP_GRACE to
    // finish; one that does not (a gateway connection stuck in its retries) is abandoned, so
    // the process always ends.
    let mut deadline: Option<tokio::time::Instant> = None;
    loop {
        let finished = match deadline {
            None => tokio::select! {
                finished = tasks.join_next() => finished,
                () = shutdown.cancelled() => {
                    deadline = Some(tokio::time::Instant::now() + STOP_GRACE);
                    continue;
                }
            },
            Some(at) => {
                if let Ok(finished) = tokio::time::timeout_at(at, tasks.join_next()).await {
                    finished
                } else {
                    tracing::warn!(
                        parts = tasks.len(),
                        "parts did not stop within {} s; leaving them",
                        STOP_GRACE.as_secs()
                    );
                    tasks.abort_all();
                    break;
                }
            }
        };
        let Some(finished) = finished else { break };
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
    let cleanup = async {
        sync.await.ok();
        premium_sync.await.ok();
        if let Some(writer) = analytics_writer {
            writer.await.ok();
        }
    };
    if tokio::time::timeout(STOP_GRACE, cleanup).await.is_err() {
        tracing::warn!("the settings or premium sync or the analytics writer did not stop in time");
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
    // One core for the bot, the worker and the dashboard of this process.
    let data = BotData::new(services, executor, analytics);
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

/// The dashboard's configuration and shared state. The session key and operator token come
/// from the settings or are generated once into the data directory.
pub fn web_state(
    settings: &Settings,
    services: &Services,
    job_metrics: Option<Arc<guildhall_core::jobs::JobMetrics>>,
    levels_listener: bool,
) -> anyhow::Result<WebState> {
    let secret = |configured: &Option<guildhall_core::config::Secret>,
                  file: &str|
     -> anyhow::Result<String> {
        match configured {
            Some(secret) => Ok(secret.expose().to_owned()),
            None => {
                guildhall_web::load_or_create_secret(&settings.data_dir, file).map_err(|error| {
                    anyhow::anyhow!(
                        "cannot create {}: {error}",
                        settings.data_dir.join(file).display()
                    )
                })
            }
        }
    };
    let bind: std::net::SocketAddr = settings.web.bind.parse().map_err(|_| {
        anyhow::anyhow!(
            "web.bind must be an address and port such as 127.0.0.1:8080, got {:?}",
            settings.web.bind
        )
    })?;
    let operators = settings
        .web
        .operators
        .iter()
        .map(|id| {
            id.parse::<guildhall_core::ids::UserId>()
                .map_err(|error| anyhow::anyhow!("web.operators: {error}"))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let config = WebConfig {
        bind,
        public_url: settings.web.public_url(),
        session_key: secret(&settings.web.session_secret, crate::app::SESSION_KEY_FILE)?
            .into_bytes(),
        session_ttl: Duration::from_secs(settings.web.session_minutes.max(1) * 60),
        operator_token: secret(
            &settings.web.operator_token,
            crate::app::OPERATOR_TOKEN_FILE,
        )?,
        operators,
        discord_api_base: settings
            .discord
            .api_base
            .clone()
            .unwrap_or_else(|| "https://discord.com".into()),
        client_id: settings.discord.client_id.clone().unwrap_or_default(),
        client_secret: settings
            .discord
            .client_secret
            .as_ref()
            .map(|secret| secret.expose().to_owned())
            .unwrap_or_default(),
        limits: guildhall_web::ConnectionLimits::default(),
    };
    Ok(WebState {
        config: Arc::new(config),
        // The process's one core, shared with the bot and the worker where they run here.
        core: (**services).clone(),
        levels_listener,
        directory: Arc::clone(&services.directory),
        job_metrics,
    })
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
    )?
    .with_looks(Looks::new(services)))
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

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use guildhall_core::config::Secret;
    use guildhall_core::guild_config::scheduled;
    use guildhall_core::testing;

    use super::*;

    /// The process-wide kinds, registered with or without a token.
    const PROCESS_WIDE: [&str; 5] = [
        guildhall_core::analytics::aggregate::KIND,
        scheduled::KIND,
        prune::KIND,
        guildhall_core::premium::EXPIRE,
        recent_messages::retention::KIND,
    ];

    #[tokio::test]
    async fn with_a_token_the_worker_runs_every_features_jobs_and_each_kind_is_one_features() {
        let test_db = testing::sqlite_unmigrated().await;
        test_db.db.migrate().await.unwrap();
        let mut settings = Settings::default();
        let services = Services::on(&settings, test_db.db.clone()).await.unwrap();
        let without_token = registry(&settings, &services).unwrap().kinds();
        assert_eq!(without_token, PROCESS_WIDE.map(str::to_owned));

        settings.discord.token = Some(Secret::new("test-token"));
        settings.discord.api_base = Some("http://127.0.0.1:9".to_owned());
        let ports = job_ports(&settings, &services).unwrap();

        let mut every = Vec::new();
        for feature in FEATURES {
            let kinds = (feature.jobs)(JobRegistry::new(), &services, &ports).kinds();
            for kind in &kinds {
                assert!(
                    kind.starts_with(&format!("{}.", feature.name)),
                    "{kind} is registered by {} but not named after it",
                    feature.name
                );
            }
            every.extend(kinds);
        }
        let features: BTreeSet<String> = every.iter().cloned().collect();
        assert_eq!(features.len(), every.len(), "a kind is registered twice");
        assert!(features.contains(guildhall_core::giveaways::END));

        let with_token: BTreeSet<String> = registry(&settings, &services)
            .unwrap()
            .kinds()
            .into_iter()
            .collect();
        let mut expected = features;
        expected.extend(PROCESS_WIDE.map(str::to_owned));
        expected.insert(perform::KIND.to_owned());
        assert_eq!(with_token, expected);
    }
}
