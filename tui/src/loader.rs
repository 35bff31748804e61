//! Data loading, kept out of rendering: panes ask for [`Request`]s, the loader runs each on a
//! tokio task against the core services (the same ones the CLI uses, with the same validation,
//! history and audit records) and sends the result back as an [`Event`]. A per-guild list pane's
//! requests ([`Request::Rows`], [`Request::Change`]) carry their own loading code (in the pane's
//! module); the loader only runs them.

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt as _;
use futures::future::BoxFuture;
use futures::stream::BoxStream;
use guildhall_core::ids::GuildId;
use guildhall_core::jobs::JobFilter;
use guildhall_core::live::LogLine;
use guildhall_web::admin::{AdminClient, AdminStatus};
use serde_json::json;
use tokio::sync::mpsc::UnboundedSender;
use tokio_util::sync::CancellationToken;

use crate::event::{Event, Failure, Loaded, LogEvent, MigrationsView, Request};

/// How many jobs the jobs pane lists.
const JOB_PAGE: u32 = 100;
/// How many history entries the settings pane shows.
const HISTORY_LIMIT: u32 = 50;
/// How long to wait before reopening a dropped log stream.
const RECONNECT_AFTER: Duration = Duration::from_secs(2);

/// The live data of a running instance: the admin API in production, a fake in tests.
pub trait LiveSource: Send + Sync {
    /// The instance's status.
    fn status(&self) -> BoxFuture<'_, Result<AdminStatus, Failure>>;
    /// Follows the instance's log lines, filtered.
    fn logs(
        &self,
        guild: Option<GuildId>,
        level: &'static str,
    ) -> BoxFuture<'_, Result<BoxStream<'static, LogLine>, Failure>>;
}

impl LiveSource for AdminClient {
    fn status(&self) -> BoxFuture<'_, Result<AdminStatus, Failure>> {
        Box::pin(async move { AdminClient::status(self).await.map_err(|e| e.to_string()) })
    }

    fn logs(
        &self,
        guild: Option<GuildId>,
        level: &'static str,
    ) -> BoxFuture<'_, Result<BoxStream<'static, LogLine>, Failure>> {
        Box::pin(async move {
            AdminClient::logs(self, guild, Some(level))
                .await
                .map(|lines| lines.boxed())
                .map_err(|error| error.to_string())
        })
    }
}

/// What the loader works with.
#[derive(Clone)]
pub struct Services {
    /// The process's one core: database, settings, ledger, clock and every feature service
    /// (the console acts through the same services as every other part of Guildhall).
    pub core: guildhall_core::Core,
    /// The running instance, when there is one to ask.
    pub live: Option<Arc<dyn LiveSource>>,
    /// Who is acting, for history and the audit log.
    pub actor: String,
}

impl std::ops::Deref for Services {
    type Target = guildhall_core::Core;

    fn deref(&self) -> &guildhall_core::Core {
        &self.core
    }
}

impl std::fmt::Debug for Services {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Services")
            .field("backend", &self.db.backend())
            .field("live", &self.live.is_some())
            .field("actor", &self.actor)
            .finish_non_exhaustive()
    }
}

/// Why there is no live data when no admin client was given.
pub const NO_ADMIN: &str = "the console was started without an admin API address, so there \
                            is no running instance to ask";

impl Services {
    /// Records an operator action in the audit log, as the CLI does for the same action. A
    /// failure is logged, not shown: the change itself was made.
    pub async fn audit(
        &self,
        action: &str,
        guild: Option<GuildId>,
        target: Option<&str>,
        detail: serde_json::Value,
    ) {
        let at = self.clock.now();
        let result = guildhall_core::audit::record(
            &self.db,
            at,
            &self.actor,
            action,
            guild,
            target,
            &detail,
        )
        .await;
        if let Err(error) = result {
            tracing::warn!(%error, action, "could not record the console action in the audit log");
        }
    }
}

/// Runs one request to completion. [`Request::FollowLogs`] is long-running and handled by
/// [`Loader`]; here it answers that it is not a one-shot request.
pub async fn perform(services: &Services, request: Request) -> Event {
    let text = |error: &dyn std::fmt::Display| error.to_string();
    let loaded = match request {
        Request::Status => Loaded::Status(match &services.live {
            Some(live) => live.status().await,
            None => Err(NO_ADMIN.to_owned()),
        }),
        Request::Guilds => Loaded::Guilds(
            guildhall_core::guilds::list(&services.db)
                .await
                .map_err(|e| text(&e)),
        ),
        Request::Migrations => Loaded::Migrations(
            services
                .db
                .migration_status()
                .await
                .map(|status| MigrationsView {
                    backend: services.db.backend().name(),
                    status,
                })
                .map_err(|e| text(&e)),
        ),
        Request::Migrate => {
            let result = services.db.migrate().await.map_err(|e| text(&e));
            if let Ok(report) = &result
                && !report.applied.is_empty()
            {
                let detail = json!({ "backend": report.backend, "applied": report.applied });
                services.audit("migrate", None, None, detail).await;
            }
            Loaded::Migrated(result)
        }
        Request::Settings(guild) => Loaded::Settings {
            guild,
            result: services.config.reload(guild).await.map_err(|e| text(&e)),
        },
        Request::SetKey { guild, key, value } => {
            let result = services
                .config
                .set_key(guild, &key, &value, &services.actor)
                .await
                .map_err(|e| text(&e));
            if let Ok(Some(change)) = &result {
                let detail = json!({ "version": change.version, "old": change.old_value, "new": change.new_value });
                services
                    .audit("config.set", Some(guild), Some(&key), detail)
                    .await;
            }
            Loaded::Saved { guild, key, result }
        }
        Request::History { guild, section } => Loaded::History {
            guild,
            result: services
                .config
                .history(guild, section, HISTORY_LIMIT)
                .await
                .map_err(|e| text(&e)),
        },
        Request::Rollback {
            guild,
            section,
            version,
        } => {
            let result = services
                .config
                .rollback(guild, section, Some(version), &services.actor)
                .await
                .map_err(|e| text(&e));
            if let Ok(change) = &result {
                let detail = json!({ "to": version, "version": change.version });
                services
                    .audit("config.rollback", Some(guild), Some(section), detail)
                    .await;
            }
            Loaded::RolledBack {
                guild,
                target: version,
                result,
            }
        }
        Request::Jobs(state) => Loaded::Jobs(
            services
                .ledger
                .list(&JobFilter {
                    state,
                    limit: JOB_PAGE,
                    ..JobFilter::default()
                })
                .await
                .map_err(|e| text(&e)),
        ),
        Request::JobRuns(id) => Loaded::JobRuns {
            id,
            result: services.ledger.runs(id).await.map_err(|e| text(&e)),
        },
        Request::CancelJob(id) | Request::RetryJob(id) => {
            let (verb, action, result) = if matches!(request, Request::CancelJob(_)) {
                ("cancelled", "jobs.cancel", services.ledger.cancel(id).await)
            } else {
                ("retried", "jobs.retry", services.ledger.retry(id).await)
            };
            let result = result.map_err(|e| text(&e));
            if let Ok(job) = &result {
                let detail = json!({ "kind": job.kind });
                services
                    .audit(action, job.guild, Some(&id.to_string()), detail)
                    .await;
            }
            Loaded::JobChanged { verb, result }
        }
        Request::Rows(task) => Loaded::Rows {
            pane: task.pane,
            guild: task.guild,
            result: task.run(services.clone()).await,
        },
        Request::Change(task) => Loaded::Changed {
            pane: task.pane,
            guild: task.guild,
            result: task.run(services.clone()).await,
        },
        Request::FollowLogs { .. } => {
            return Event::Log(LogEvent::Disconnected(
                "the log stream is followed by the loader, not performed once".into(),
            ));
        }
    };
    Event::Loaded(Box::new(loaded))
}

/// Runs requests on tokio tasks and keeps the one log stream.
#[derive(Debug)]
pub struct Loader {
    services: Services,
    events: UnboundedSender<Event>,
    follow: Option<CancellationToken>,
    shutdown: CancellationToken,
}

impl Loader {
    /// A loader sending its results to `events`.
    pub fn new(services: Services, events: UnboundedSender<Event>) -> Self {
        Self {
            services,
            events,
            follow: None,
            shutdown: CancellationToken::new(),
        }
    }

    /// Starts `request`; its result arrives later as an event.
    pub fn submit(&mut self, request: Request) {
        if let Request::FollowLogs { guild, level } = request {
            self.follow_logs(guild, level);
            return;
        }
        let services = self.services.clone();
        let events = self.events.clone();
        let shutdown = self.shutdown.clone();
        tokio::spawn(async move {
            tokio::select! {
                () = shutdown.cancelled() => {}
                event = perform(&services, request) => {
                    // The loop is gone when the console is closing; nothing to tell then.
                    let _ = events.send(event);
                }
            }
        });
    }

    /// Replaces the log follower with one for these filters; it reconnects when the stream
    /// drops, until replaced or shut down.
    fn follow_logs(&mut self, guild: Option<GuildId>, level: &'static str) {
        if let Some(previous) = self.follow.take() {
            previous.cancel();
        }
        let token = self.shutdown.child_token();
        self.follow = Some(token.clone());
        let events = self.events.clone();
        let Some(live) = self.services.live.clone() else {
            let _ = events.send(Event::Log(LogEvent::Disconnected(NO_ADMIN.to_owned())));
            return;
        };
        tokio::spawn(async move {
            token
                .run_until_cancelled(follow(live, guild, level, events))
                .await;
        });
    }

    /// Stops every task the loader started.
    pub fn shutdown(&self) {
        self.shutdown.cancel();
    }
}

async fn follow(
    live: Arc<dyn LiveSource>,
    guild: Option<GuildId>,
    level: &'static str,
    events: UnboundedSender<Event>,
) {
    loop {
        let why = match live.logs(guild, level).await {
            Ok(mut lines) => {
                if events.send(Event::Log(LogEvent::Connected)).is_err() {
                    return;
                }
                while let Some(line) = lines.next().await {
                    if events.send(Event::Log(LogEvent::Line(line))).is_err() {
                        return;
                    }
                }
                "the log stream ended".to_owned()
            }
            Err(failure) => failure,
        };
        if events
            .send(Event::Log(LogEvent::Disconnected(why)))
            .is_err()
        {
            return;
        }
        tokio::time::sleep(RECONNECT_AFTER).await;
    }
}
