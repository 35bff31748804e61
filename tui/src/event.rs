//! The closed set of things the event loop reacts to, and the requests panes make of the loader.

use std::any::Any;
use std::future::Future;
use std::sync::Arc;

use futures::future::BoxFuture;
use guildhall_core::db::{MigrationReport, MigrationStatus};
use guildhall_core::guild_config::{Change, GuildSettings, HistoryEntry};
use guildhall_core::guilds::GuildRecord;
use guildhall_core::ids::GuildId;
use guildhall_core::jobs::{JobId, JobRecord, JobRun, JobState};
use guildhall_core::live::LogLine;
use guildhall_web::admin::AdminStatus;
use ratatui::crossterm::event::KeyEvent;

use crate::loader::Services;
use crate::panes::PaneId;

/// Everything that can happen to the console.
#[derive(Debug, Clone)]
pub enum Event {
    /// The operator pressed a key.
    Key(KeyEvent),
    /// The terminal was resized (the next draw uses the new size).
    Resize,
    /// One second passed: time to refresh what is shown.
    Tick,
    /// The loader finished a request (boxed: results are much larger than keys).
    Loaded(Box<Loaded>),
    /// The log stream delivered a line or changed state.
    Log(LogEvent),
}

/// A failure as the operator reads it: the core's message, unchanged.
pub type Failure = String;

/// The result of a [`Request`].
#[derive(Debug, Clone)]
pub enum Loaded {
    /// The running instance's status, or why it could not be had.
    Status(Result<AdminStatus, Failure>),
    /// The known guilds.
    Guilds(Result<Vec<GuildRecord>, Failure>),
    /// The database backend and every migration's state.
    Migrations(Result<MigrationsView, Failure>),
    /// What applying the pending migrations did.
    Migrated(Result<MigrationReport, Failure>),
    /// One guild's settings.
    Settings {
        /// The guild.
        guild: GuildId,
        /// Its settings.
        result: Result<Arc<GuildSettings>, Failure>,
    },
    /// The outcome of setting one key.
    Saved {
        /// The guild.
        guild: GuildId,
        /// The key, e.g. `general.timezone`.
        key: String,
        /// The change made (`None`: the value was already that).
        result: Result<Option<Change>, Failure>,
    },
    /// A guild's settings history, newest first.
    History {
        /// The guild.
        guild: GuildId,
        /// The entries.
        result: Result<Vec<HistoryEntry>, Failure>,
    },
    /// The outcome of a rollback.
    RolledBack {
        /// The guild.
        guild: GuildId,
        /// The version rolled back to.
        target: i64,
        /// The change made.
        result: Result<Change, Failure>,
    },
    /// A page of jobs.
    Jobs(Result<Vec<JobRecord>, Failure>),
    /// The attempts at one job.
    JobRuns {
        /// The job.
        id: JobId,
        /// Its runs.
        result: Result<Vec<JobRun>, Failure>,
    },
    /// A per-guild list pane's rows for a guild ([`Request::Rows`]).
    Rows {
        /// The pane that asked.
        pane: PaneId,
        /// The guild.
        guild: GuildId,
        /// The pane's data (its [`ListPane::Data`](crate::panes::list::ListPane::Data)), or why
        /// it could not be had.
        result: Result<RowsData, Failure>,
    },
    /// The outcome of a per-guild list pane's action ([`Request::Change`]).
    Changed {
        /// The pane that asked.
        pane: PaneId,
        /// The guild.
        guild: GuildId,
        /// What was done, in words, or why not.
        result: Result<String, Failure>,
    },
    /// The outcome of cancelling or retrying a job.
    JobChanged {
        /// `cancelled` or `retried`.
        verb: &'static str,
        /// The job after the change.
        result: Result<JobRecord, Failure>,
    },
}

/// The migrations as the pane shows them.
#[derive(Debug, Clone)]
pub struct MigrationsView {
    /// `sqlite` or `postgres`.
    pub backend: &'static str,
    /// Every migration embedded for that backend, with its state.
    pub status: Vec<MigrationStatus>,
}

/// News from the log stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogEvent {
    /// The stream is open (again).
    Connected,
    /// One line.
    Line(LogLine),
    /// The stream could not be opened or dropped; the loader tries again shortly.
    Disconnected(Failure),
}

/// Something a pane needs loaded or done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// The running instance's status.
    Status,
    /// The known guilds.
    Guilds,
    /// Every migration's state.
    Migrations,
    /// Apply pending migrations.
    Migrate,
    /// One guild's settings.
    Settings(GuildId),
    /// Set one key, as the operator typed it.
    SetKey {
        /// The guild.
        guild: GuildId,
        /// `section.key`.
        key: String,
        /// The text typed.
        value: String,
    },
    /// A guild's settings history.
    History {
        /// The guild.
        guild: GuildId,
        /// Only this section.
        section: Option<&'static str>,
    },
    /// Restore a section to an earlier version.
    Rollback {
        /// The guild.
        guild: GuildId,
        /// The section.
        section: &'static str,
        /// The version to restore.
        version: i64,
    },
    /// Jobs, optionally in one state.
    Jobs(Option<JobState>),
    /// The attempts at one job.
    JobRuns(JobId),
    /// Cancel a job.
    CancelJob(JobId),
    /// Retry a job.
    RetryJob(JobId),
    /// A per-guild list pane's rows for a guild: the pane says how to load them, the loader
    /// runs it and answers with [`Loaded::Rows`].
    Rows(GuildTask<RowsData>),
    /// A per-guild list pane's action (after the operator's yes): the loader runs it and answers
    /// with [`Loaded::Changed`].
    Change(GuildTask<String>),
    /// (Re)start following the log stream with these filters.
    FollowLogs {
        /// Only lines about this guild.
        guild: Option<GuildId>,
        /// Only lines at least this severe.
        level: &'static str,
    },
}

/// A per-guild list pane's rows as the loader hands them back: the pane's own data type, which
/// only that pane reads (it downcasts), so a new pane adds no variant to [`Loaded`].
pub type RowsData = Arc<dyn Any + Send + Sync>;

/// Something a per-guild list pane asks the loader to run for a guild — load its rows, or carry
/// out one of its actions — with how to do it (a closure over the loader's [`Services`]). Two
/// tasks are equal when they are for the same pane, guild and `what`.
pub struct GuildTask<T> {
    /// The pane that asks (its answer is for that pane only).
    pub pane: PaneId,
    /// The guild.
    pub guild: GuildId,
    /// What it does, in words (for logs, tests and equality), e.g. `cases kind=warn text=scam`.
    pub what: String,
    run: Arc<dyn Fn(Services) -> BoxFuture<'static, Result<T, Failure>> + Send + Sync>,
}

impl<T: 'static> GuildTask<T> {
    /// A task for `pane` in `guild` that runs `run` on the loader's services.
    pub fn new<F, Fut>(pane: PaneId, guild: GuildId, what: String, run: F) -> Self
    where
        F: Fn(Services) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<T, Failure>> + Send + 'static,
    {
        Self {
            pane,
            guild,
            what,
            run: Arc::new(move |services| Box::pin(run(services))),
        }
    }

    /// Runs the task (on the loader's task).
    pub async fn run(&self, services: Services) -> Result<T, Failure> {
        (self.run)(services).await
    }
}

impl<T> Clone for GuildTask<T> {
    fn clone(&self) -> Self {
        Self {
            pane: self.pane,
            guild: self.guild,
            what: self.what.clone(),
            run: Arc::clone(&self.run),
        }
    }
}

impl<T> std::fmt::Debug for GuildTask<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GuildTask")
            .field("pane", &self.pane)
            .field("guild", &self.guild)
            .field("what", &self.what)
            .finish_non_exhaustive()
    }
}

impl<T> PartialEq for GuildTask<T> {
    fn eq(&self, other: &Self) -> bool {
        self.pane == other.pane && self.guild == other.guild && self.what == other.what
    }
}

impl<T> Eq for GuildTask<T> {}
