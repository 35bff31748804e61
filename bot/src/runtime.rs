//! The serenity client: connection to Discord (or a stand-in), sharding, and shutdown.

use std::sync::Arc;

use serenity::all::{ClientBuilder, GatewayError, HttpBuilder};
use tokio_util::sync::CancellationToken;

use crate::intents::{self, Privileged};
use crate::registration::{self, Scope};
use crate::{BotData, BotError};

/// Level-ups waiting to be announced and rewarded; a full queue makes the levels flusher wait
/// (its XP is written either way).
const LEVEL_UP_QUEUE: usize = 1_024;
/// How long the last level-ups may take to be performed once the bot stopped.
const LEVEL_UP_GRACE: std::time::Duration = std::time::Duration::from_secs(10);

/// Which shards this process runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shards {
    /// As many as Discord recommends, all here.
    Auto,
    /// Shards `first..=last` of `total` (the rest run elsewhere).
    Range {
        /// The first shard id.
        first: u32,
        /// The last shard id.
        last: u32,
        /// Shards in the whole deployment.
        total: u32,
    },
}

impl std::str::FromStr for Shards {
    type Err = String;

    /// `0-3` or `5` (a range or one shard; the total comes separately).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let invalid = || {
            format!("shards must be a range such as 0-3 or a single shard such as 5, got {text:?}")
        };
        let (first, last) = match text.split_once('-') {
            Some((first, last)) => (
                first.trim().parse().map_err(|_| invalid())?,
                last.trim().parse().map_err(|_| invalid())?,
            ),
            None => {
                let one = text.trim().parse().map_err(|_| invalid())?;
                (one, one)
            }
        };
        if first > last {
            return Err(invalid());
        }
        Ok(Self::Range {
            first,
            last,
            total: last + 1,
        })
    }
}

/// How the bot connects.
#[derive(Debug, Clone)]
pub struct BotOptions {
    /// The bot token.
    pub token: String,
    /// The stand-in or a REST proxy; `None` for Discord itself.
    pub api_base: Option<String>,
    /// Which shards to run.
    pub shards: Shards,
    /// The privileged intents allowed.
    pub privileged: Privileged,
    /// Register the slash commands globally at startup (when they changed).
    pub register_commands: bool,
}

/// Why the bot stopped.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// Discord refused privileged intents (close code 4014).
    #[error("{0}")]
    DisallowedIntents(String),
    /// Discord refused the token.
    #[error(
        "Discord refused the bot token (close code 4004 or HTTP 401); check discord.token / DISCORD_TOKEN"
    )]
    InvalidToken,
    /// Anything else from the client.
    #[error("Discord client error: {0}")]
    Client(#[from] serenity::Error),
}

/// Copies each shard's stage and heartbeat latency into the live state every second.
async fn watch_shards(
    manager: Arc<serenity::all::ShardManager>,
    live: Arc<guildhall_core::live::Live>,
    clock: guildhall_core::clock::SharedClock,
    shutdown: CancellationToken,
) {
    use guildhall_core::live::ShardStage;
    use serenity::all::ConnectionStage;
    let mut ticker = tokio::time::interval(std::time::Duration::from_secs(1));
    loop {
        tokio::select! {
            () = shutdown.cancelled() => break,
            _ = ticker.tick() => {}
        }
        let total = manager.shards_instantiated().await.len() as u32;
        for (id, runner) in manager.runners.lock().await.iter() {
            let stage = match runner.stage {
                ConnectionStage::Connected => ShardStage::Connected,
                ConnectionStage::Resuming => ShardStage::Resuming,
                ConnectionStage::Disconnected => ShardStage::Disconnected,
                _ => ShardStage::Connecting,
            };
            let known_total = live
                .shards()
                .iter()
                .find(|shard| shard.id == id.0)
                .map_or(total, |shard| shard.total);
            live.set_shard(id.0, known_total, stage, clock.now());
            if let Some(latency) = runner.latency {
                live.set_shard_latency(
                    id.0,
                    u64::try_from(latency.as_millis()).unwrap_or(u64::MAX),
                );
            }
        }
    }
    for shard in live.shards() {
        live.set_shard(shard.id, shard.total, ShardStage::Disconnected, clock.now());
    }
}

/// Connects and runs until `shutdown` is cancelled or Discord ends the session for good.
///
/// # Errors
/// [`RunError`], with the operator-facing explanation for refused intents and tokens.
pub async fn run(
    options: BotOptions,
    data: BotData,
    shutdown: CancellationToken,
) -> Result<(), RunError> {
    let mut http = HttpBuilder::new(&options.token);
    if let Some(base) = &options.api_base {
        // serenity honours a proxy only with its own rate limiter off; the executor limits instead.
        http = http
            .proxy(base.trim_end_matches('/'))
            .ratelimiter_disabled(true);
    }
    let register = options.register_commands;
    data.chunk_members.store(
        options.privileged.guild_members,
        std::sync::atomic::Ordering::Relaxed,
    );
    let live = Arc::clone(&data.live);
    let clock = Arc::clone(&data.clock);
    let recent_messages = Arc::clone(&data.recent_messages);
    let logging = Arc::clone(&data.logging);
    let activity = Arc::clone(&data.activity);
    let voice_levels = Arc::clone(&data.levels);
    let activity_clock = Arc::clone(&data.clock);
    let afk_parts = crate::logging::AfkParts {
        config: Arc::clone(&data.config),
        levels: Arc::clone(&data.levels),
        logging: Arc::clone(&data.logging),
        executor: Arc::clone(&data.executor),
    };
    let log_sink: Arc<dyn guildhall_core::effect::EffectSink> = Arc::clone(&data.executor) as _;
    let levels = Arc::clone(&data.levels);
    let snapshot_parts = (Arc::clone(&data.cache), data.db.clone());
    // From here the guild model records what changes, for the snapshot writer.
    data.cache.track_changes();
    let level_up_parts = (
        Arc::clone(&data.config),
        Arc::clone(&data.cache),
        Arc::clone(&data.executor),
        Arc::clone(&data.automation),
    );
    let framework = poise::Framework::builder()
        .options(crate::commands::framework_options())
        .setup(move |_ctx, ready, _framework| {
            Box::pin(async move {
                if register {
                    // Failing here must not fail setup: poise would then block every event.
                    let application = ready.application.id.get();
                    match registration::deploy(&data.executor, application, Scope::Global, false).await {
                        Ok(plan) => tracing::info!(added = ?plan.added, changed = ?plan.changed, removed = ?plan.removed, applied = plan.applied, "slash commands checked"),
                        Err(error) => tracing::error!(%error, "could not register slash commands"),
                    }
                }
                Ok::<_, BotError>(data)
            })
        })
        .build();
    let intents = intents::intents(options.privileged);
    let mut client = ClientBuilder::new_with_http(http.build(), intents)
        .framework(framework)
        .await?;
    // Stopped only once the client has stopped, so messages that arrive while the shards shut
    // down are in its last flush.
    let stop_flusher = CancellationToken::new();
    let flusher = recent_messages.spawn_flusher(
        guildhall_core::recent_messages::FLUSH_INTERVAL,
        stop_flusher.clone(),
    );
    // Event logs: stored and posted every second, once more at shutdown.
    let log_flusher = logging.spawn_flusher(
        log_sink,
        guildhall_core::logging::service::FLUSH_INTERVAL,
        stop_flusher.clone(),
    );
    let afk = tokio::spawn(crate::logging::run_afk(afk_parts, stop_flusher.clone()));
    // Analytics: the counters written every few seconds, with the voice tracker's counted
    // seconds handed over first (one tracker for voice XP and voice minutes).
    let activity_flusher = activity.spawn_flusher_fed(
        guildhall_core::analytics::FLUSH_INTERVAL,
        stop_flusher.clone(),
        move |activity| {
            let now = activity_clock.now();
            for (guild, channel, user, seconds) in voice_levels.voice_take_counted() {
                activity.voice_seconds(guild, channel, user, seconds, now);
            }
        },
    );
    // XP: written every `levels.flush_interval_secs` (voice time turned into XP on the way),
    // once more at shutdown; the level-ups it reports are announced and rewarded here.
    let (level_up_sender, level_up_receiver) = tokio::sync::mpsc::channel(LEVEL_UP_QUEUE);
    // The guild model, persisted for processes without the bot (names, pickers, id checks).
    let (snapshot_cache, snapshot_db) = snapshot_parts;
    let snapshot_writer = tokio::spawn(guildhall_core::guild_snapshot::run_writer(
        snapshot_cache,
        snapshot_db,
        Arc::clone(&clock),
        stop_flusher.clone(),
    ));
    let level_flusher = levels.run_flusher(
        guildhall_core::levels::FLUSH_TICK,
        stop_flusher.clone(),
        level_up_sender,
    );
    let (config, cache, executor, automation) = level_up_parts;
    let level_ups = tokio::spawn(crate::levels::perform_level_ups(
        level_up_receiver,
        config,
        cache,
        executor,
        automation,
    ));
    let manager = Arc::clone(&client.shard_manager);
    tokio::spawn(watch_shards(
        Arc::clone(&manager),
        live,
        clock,
        shutdown.clone(),
    ));
    let stopper = shutdown.clone();
    tokio::spawn(async move {
        stopper.cancelled().await;
        tracing::info!("disconnecting from Discord");
        manager.shutdown_all().await;
    });
    let result = match options.shards {
        Shards::Auto => client.start_autosharded().await,
        Shards::Range { first, last, total } => {
            client.start_shard_range(first..last + 1, total).await
        }
    };
    stop_flusher.cancel();
    if let Err(error) = flusher.await {
        tracing::error!(%error, "the recent-message flusher failed");
    }
    if let Err(error) = activity_flusher.await {
        tracing::error!(%error, "the activity flusher failed");
    }
    if let Err(error) = afk.await {
        tracing::error!(%error, "the AFK check failed");
    }
    if let Err(error) = log_flusher.await {
        tracing::error!(%error, "the log flusher failed");
    }
    if let Err(error) = snapshot_writer.await {
        tracing::error!(%error, "the guild snapshot writer failed");
    }
    if let Err(error) = level_flusher.await {
        tracing::error!(%error, "the levels flusher failed");
    }
    // The flusher dropped its sender: the consumer ends once the last level-ups are performed.
    match tokio::time::timeout(LEVEL_UP_GRACE, level_ups).await {
        Ok(Ok(())) => {}
        Ok(Err(error)) => tracing::error!(%error, "performing level-ups failed"),
        Err(_) => tracing::warn!("stopped before the last level-ups were announced"),
    }
    match result {
        Ok(()) => Ok(()),
        Err(serenity::Error::Gateway(GatewayError::DisallowedGatewayIntents)) => Err(
            RunError::DisallowedIntents(intents::disallowed_explanation(options.privileged)),
        ),
        Err(serenity::Error::Gateway(GatewayError::InvalidAuthentication)) => {
            Err(RunError::InvalidToken)
        }
        Err(error) => Err(RunError::Client(error)),
    }
}
