//! Data loading, kept out of rendering: panes ask for [`Request`]s, the loader runs each on a
//! tokio task against the core services (the same ones the CLI uses, with the same validation,
//! history and audit records) and sends the result back as an [`Event`].

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt as _;
use futures::future::BoxFuture;
use futures::stream::BoxStream;
use guildhall_core::clock::SharedClock;
use guildhall_core::coordination::MemoryCoordination;
use guildhall_core::db::Db;
use guildhall_core::giveaways::{Giveaway, GiveawayId, GiveawayService, GiveawayState, Manager};
use guildhall_core::guild_config::GuildConfigService;
use guildhall_core::ids::{GuildId, RoleId, UserId};
use guildhall_core::jobs::{JobFilter, JobLedger, JobState};
use guildhall_core::levels::store;
use guildhall_core::live::LogLine;
use guildhall_core::roles::{EXPIRE_TIMED_ROLE, RoleService, TimedRole};
use guildhall_web::admin::{AdminClient, AdminStatus};
use serde_json::json;
use tokio::sync::mpsc::UnboundedSender;
use tokio_util::sync::CancellationToken;

use crate::event::{
    Event, Failure, GiveawayAction, GiveawayRow, LevelRow, LevelsView, Loaded, LogEvent,
    MigrationsView, Request, TimedRoleRemoval, TimedRolesView,
};

/// How many jobs the jobs pane lists.
const JOB_PAGE: u32 = 100;
/// How many cases the cases pane lists.
const CASE_PAGE: u32 = 100;
/// How many members the levels pane lists.
const LEVEL_PAGE: u32 = 100;
/// How many ended timed roles the timed-roles pane lists (and how many expiry jobs of each
/// finished state it looks at to find them).
const ENDED_TIMED_ROLES: u32 = 20;
/// How many giveaways that are not running the giveaways pane lists (every running one is).
const GIVEAWAY_PAGE: u32 = 20;
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
    /// The database.
    pub db: Db,
    /// Guild settings.
    pub config: Arc<GuildConfigService>,
    /// The job ledger.
    pub ledger: JobLedger,
    /// The clock.
    pub clock: SharedClock,
    /// The running instance, when there is one to ask.
    pub live: Option<Arc<dyn LiveSource>>,
    /// Who is acting, for history and the audit log.
    pub actor: String,
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
    async fn audit(
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
    let text_of = text;
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
        Request::Cases { guild, kind, text } => {
            let service = guildhall_core::moderation::ModerationService::new(
                services.db.clone(),
                Arc::clone(&services.clock),
                services.ledger.clone(),
                Arc::clone(&services.config),
            );
            let filter = guildhall_core::moderation::CaseFilter {
                kind,
                text: (!text.is_empty()).then_some(text),
                limit: CASE_PAGE,
                ..Default::default()
            };
            Loaded::Cases {
                guild,
                result: service.cases(guild, &filter).await.map_err(|e| text_of(&e)),
            }
        }
        Request::Levels(guild) => Loaded::Levels {
            guild,
            result: top_levels(services, guild).await,
        },
        Request::TimedRoles(guild) => Loaded::TimedRoles {
            guild,
            result: timed_roles(services, guild).await,
        },
        Request::RemoveTimedRole { guild, user, role } => Loaded::TimedRoleRemoved {
            guild,
            result: remove_timed_role(services, guild, user, role).await,
        },
        Request::Giveaways(guild) => Loaded::Giveaways {
            guild,
            result: giveaways(services, guild).await,
        },
        Request::ChangeGiveaway {
            guild,
            giveaway,
            action,
        } => Loaded::GiveawayChanged {
            guild,
            result: change_giveaway(services, guild, giveaway, action).await,
        },
        Request::FollowLogs { .. } => {
            return Event::Log(LogEvent::Disconnected(
                "the log stream is followed by the loader, not performed once".into(),
            ));
        }
    };
    Event::Loaded(Box::new(loaded))
}

/// The top of a guild's leaderboard: one index range read for the page (the same the
/// dashboard's first page makes), one count, levels under the guild's curve.
async fn top_levels(services: &Services, guild: GuildId) -> Result<LevelsView, Failure> {
    let curve = services
        .config
        .reload(guild)
        .await
        .map_err(|error| error.to_string())?
        .levels
        .curve;
    let members = store::page(&services.db, guild, 0, LEVEL_PAGE)
        .await
        .map_err(|error| error.to_string())?;
    let total = store::count(&services.db, guild)
        .await
        .map_err(|error| error.to_string())?;
    Ok(LevelsView {
        total: u64::try_from(total).unwrap_or(0),
        members: members
            .into_iter()
            .zip(1..)
            .map(|(member, rank)| LevelRow {
                rank,
                user: member.user,
                xp: member.xp,
                progress: curve.progress(member.xp),
                messages: member.messages,
                voice_seconds: member.voice_seconds,
            })
            .collect(),
    })
}

/// The role service over the console's database and ledger. Its coordination port only counts
/// members' panel clicks, which the console never makes, so an in-process one does.
fn role_service(services: &Services) -> RoleService {
    RoleService::new(
        services.db.clone(),
        Arc::clone(&services.clock),
        services.ledger.clone(),
        Arc::new(MemoryCoordination::new(Arc::clone(&services.clock))),
    )
}

/// A guild's running timed roles (the soonest to end first), then the most recently ended
/// ones, with the role names its role panels give.
///
/// The core lists only running timed roles; an ended one is found through its expiry job,
/// which outlives it in the ledger (a job with a dedupe key is never pruned): `done` for a role
/// that expired, `cancelled` for one removed early or replaced.
async fn timed_roles(services: &Services, guild: GuildId) -> Result<TimedRolesView, Failure> {
    let service = role_service(services);
    let mut roles = service
        .timed_roles(guild, None)
        .await
        .map_err(|error| error.to_string())?;
    let mut ended: Vec<TimedRole> = Vec::new();
    for state in [JobState::Done, JobState::Cancelled] {
        let jobs = services
            .ledger
            .list(&JobFilter {
                state: Some(state),
                kind: Some(EXPIRE_TIMED_ROLE.to_owned()),
                guild: Some(guild),
                limit: ENDED_TIMED_ROLES,
            })
            .await
            .map_err(|error| error.to_string())?;
        for job in jobs {
            let timed = guildhall_core::roles::store::timed_by_job(&services.db, guild, job.id)
                .await
                .map_err(|error| error.to_string())?;
            if let Some(timed) = timed
                && !timed.is_active()
                && !ended.iter().any(|seen| seen.id == timed.id)
            {
                ended.push(timed);
            }
        }
    }
    ended.sort_by(|a, b| b.removed_at.cmp(&a.removed_at).then(b.id.cmp(&a.id)));
    ended.truncate(usize::try_from(ENDED_TIMED_ROLES).unwrap_or(usize::MAX));
    roles.extend(ended);
    let mut names: Vec<(RoleId, String)> = Vec::new();
    let panels = service
        .panels(guild)
        .await
        .map_err(|error| error.to_string())?;
    for option in panels.into_iter().flat_map(|panel| panel.options) {
        if !names.iter().any(|(role, _)| *role == option.role) {
            names.push((option.role, option.label));
        }
    }
    Ok(TimedRolesView { roles, names })
}

/// Ends a member's timed role now, exactly as `guildhall roles timed remove` does: the role
/// service ends the record and cancels its expiry job, the removal of the role is handed to the
/// running bot as an `effects.perform` job, and the operator's action is audited.
async fn remove_timed_role(
    services: &Services,
    guild: GuildId,
    user: UserId,
    role: RoleId,
) -> Result<TimedRoleRemoval, Failure> {
    let removed = role_service(services)
        .remove_timed(guild, user, role, None)
        .await
        .map_err(|error| error.to_string())?;
    let job =
        guildhall_core::jobs::perform::schedule(&services.ledger, Some(guild), removed.remove)
            .await
            .map_err(|error| error.to_string())?;
    let detail = json!({
        "timed_role": removed.timed.id,
        "was_due": removed.timed.expires_at,
        "job": job.id,
    });
    services
        .audit(
            "roles.timed.remove",
            Some(guild),
            Some(&format!("{user}:{role}")),
            detail,
        )
        .await;
    Ok(TimedRoleRemoval {
        timed: removed.timed,
        job: job.id,
    })
}

/// The giveaway service over the console's database, ledger and settings.
fn giveaway_service(services: &Services) -> GiveawayService {
    GiveawayService::new(
        services.db.clone(),
        Arc::clone(&services.clock),
        services.ledger.clone(),
        Arc::clone(&services.config),
    )
}

/// A guild's giveaways with their slots: every running one, the soonest to end first, then the
/// most recent others, newest first (at most [`GIVEAWAY_PAGE`]).
async fn giveaways(services: &Services, guild: GuildId) -> Result<Vec<GiveawayRow>, Failure> {
    let service = giveaway_service(services);
    let mut listed = service
        .list(
            guild,
            Some(GiveawayState::Running),
            guildhall_core::giveaways::service::MAX_LIST,
        )
        .await
        .map_err(|error| error.to_string())?;
    listed.sort_by_key(|giveaway| (giveaway.ends_at, giveaway.id));
    let others = service
        .list(
            guild,
            None,
            GIVEAWAY_PAGE + u32::try_from(listed.len()).unwrap_or(0),
        )
        .await
        .map_err(|error| error.to_string())?;
    listed.extend(
        others
            .into_iter()
            .filter(|giveaway: &Giveaway| giveaway.state != GiveawayState::Running)
            .take(GIVEAWAY_PAGE as usize),
    );
    let mut rows = Vec::with_capacity(listed.len());
    for giveaway in listed {
        let slots = if giveaway.state == GiveawayState::Ended {
            service
                .detail(guild, giveaway.id)
                .await
                .map_err(|error| error.to_string())?
                .slots
        } else {
            Vec::new()
        };
        rows.push(GiveawayRow { giveaway, slots });
    }
    Ok(rows)
}

/// Ends, cancels or rerolls a giveaway exactly as `guildhall giveaway end|cancel|reroll` does:
/// the core acts for the operator ([`Manager::Operator`]), the bot's process runs the job, and
/// the action is audited under the CLI's name.
async fn change_giveaway(
    services: &Services,
    guild: GuildId,
    giveaway: GiveawayId,
    action: GiveawayAction,
) -> Result<String, Failure> {
    let service = giveaway_service(services);
    let target = giveaway.to_string();
    let text = |error: guildhall_core::giveaways::GiveawayError| error.to_string();
    match action {
        GiveawayAction::End => {
            let ended = service
                .end(guild, giveaway, &Manager::Operator)
                .await
                .map_err(text)?;
            services
                .audit("giveaway.end", Some(guild), Some(&target), json!({}))
                .await;
            Ok(format!(
                "giveaway #{giveaway} closed its entries; the running bot draws the winners (job {})",
                ended.end_job
            ))
        }
        GiveawayAction::Cancel => {
            service
                .cancel(guild, giveaway, &Manager::Operator, None)
                .await
                .map_err(text)?;
            services
                .audit(
                    "giveaway.cancel",
                    Some(guild),
                    Some(&target),
                    json!({ "reason": null }),
                )
                .await;
            Ok(format!("giveaway #{giveaway} is cancelled; nobody wins"))
        }
        GiveawayAction::Reroll(slot) => {
            let requested = service
                .reroll(guild, giveaway, slot, &Manager::Operator, None)
                .await
                .map_err(text)?;
            services
                .audit(
                    "giveaway.reroll",
                    Some(guild),
                    Some(&target),
                    json!({ "slot": slot, "reason": null, "job": requested.job }),
                )
                .await;
            Ok(format!(
                "prize #{slot} of giveaway #{giveaway} is drawn again by the running bot (job {})",
                requested.job
            ))
        }
    }
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
