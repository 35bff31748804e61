//! The closed set of things the event loop reacts to, and the requests panes make of the loader.

use std::sync::Arc;

use guildhall_core::db::{MigrationReport, MigrationStatus};
use guildhall_core::giveaways::{Giveaway, GiveawayId, Slot};
use guildhall_core::guild_config::{Change, GuildSettings, HistoryEntry};
use guildhall_core::guilds::GuildRecord;
use guildhall_core::ids::{GuildId, RoleId, UserId};
use guildhall_core::jobs::{JobId, JobRecord, JobRun, JobState};
use guildhall_core::levels::Progress;
use guildhall_core::live::LogLine;
use guildhall_core::moderation::{Case, CaseKind};
use guildhall_core::roles::TimedRole;
use guildhall_web::admin::AdminStatus;
use ratatui::crossterm::event::KeyEvent;

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
    /// A page of a guild's cases.
    Cases {
        /// The guild.
        guild: GuildId,
        /// The cases, newest first.
        result: Result<Vec<Case>, Failure>,
    },
    /// The top of a guild's leaderboard.
    Levels {
        /// The guild.
        guild: GuildId,
        /// Its top members and how many members have XP.
        result: Result<LevelsView, Failure>,
    },
    /// A guild's timed roles.
    TimedRoles {
        /// The guild.
        guild: GuildId,
        /// The running ones and the most recently ended ones.
        result: Result<TimedRolesView, Failure>,
    },
    /// The outcome of ending a timed role early.
    TimedRoleRemoved {
        /// The guild.
        guild: GuildId,
        /// The ended timed role and the job that has the bot remove the role.
        result: Result<TimedRoleRemoval, Failure>,
    },
    /// A guild's giveaways.
    Giveaways {
        /// The guild.
        guild: GuildId,
        /// The running ones, the soonest to end first, then the most recent others.
        result: Result<Vec<GiveawayRow>, Failure>,
    },
    /// The outcome of ending, cancelling or rerolling a giveaway.
    GiveawayChanged {
        /// The guild.
        guild: GuildId,
        /// What was done, in words (with the job the bot runs), or why not.
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

/// The top of a guild's leaderboard as the levels pane shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LevelsView {
    /// How many members have XP.
    pub total: u64,
    /// The best members, best first.
    pub members: Vec<LevelRow>,
}

/// One member on the levels pane.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LevelRow {
    /// Place (1 is the top).
    pub rank: u64,
    /// The member.
    pub user: UserId,
    /// Total XP.
    pub xp: i64,
    /// Level and progress under the guild's curve.
    pub progress: Progress,
    /// Messages that earned XP.
    pub messages: i64,
    /// Seconds of eligible voice time.
    pub voice_seconds: i64,
}

/// A guild's timed roles as the timed-roles pane shows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimedRolesView {
    /// The running timed roles, the soonest to end first, then the most recently ended ones.
    pub roles: Vec<TimedRole>,
    /// The names the console knows for the guild's roles: the labels of the role panels that
    /// offer them (a panel labels a role with its name unless its author chose another label).
    pub names: Vec<(RoleId, String)>,
}

impl TimedRolesView {
    /// The name the console knows for `role`, if any.
    pub fn name(&self, role: RoleId) -> Option<&str> {
        self.names
            .iter()
            .find(|(known, _)| *known == role)
            .map(|(_, name)| name.as_str())
    }
}

/// One giveaway on the giveaways pane: the giveaway and its prize slots (none before the draw).
#[derive(Debug, Clone, PartialEq)]
pub struct GiveawayRow {
    /// The giveaway.
    pub giveaway: Giveaway,
    /// Its prize slots with their current winners.
    pub slots: Vec<Slot>,
}

/// What the giveaways pane asks of a giveaway, as `guildhall giveaway end|cancel|reroll` does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GiveawayAction {
    /// Close entries now; the bot draws.
    End,
    /// Cancel without a draw.
    Cancel,
    /// Draw this prize slot again.
    Reroll(u32),
}

/// A timed role ended early from the console.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimedRoleRemoval {
    /// The timed role, now ended.
    pub timed: TimedRole,
    /// The `effects.perform` job that has the running bot remove the role.
    pub job: JobId,
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
    /// A guild's cases, newest first.
    Cases {
        /// The guild.
        guild: GuildId,
        /// Only this kind.
        kind: Option<CaseKind>,
        /// Only reasons containing this text (empty: all).
        text: String,
    },
    /// The top of a guild's leaderboard.
    Levels(GuildId),
    /// A guild's timed roles.
    TimedRoles(GuildId),
    /// End a member's running timed role now and have the bot remove the role, as
    /// `guildhall roles timed remove` does.
    RemoveTimedRole {
        /// The guild.
        guild: GuildId,
        /// The member.
        user: UserId,
        /// The role.
        role: RoleId,
    },
    /// A guild's giveaways.
    Giveaways(GuildId),
    /// End, cancel or reroll a giveaway as the operator.
    ChangeGiveaway {
        /// The guild.
        guild: GuildId,
        /// The giveaway.
        giveaway: GiveawayId,
        /// What to do.
        action: GiveawayAction,
    },
    /// (Re)start following the log stream with these filters.
    FollowLogs {
        /// Only lines about this guild.
        guild: Option<GuildId>,
        /// Only lines at least this severe.
        level: &'static str,
    },
}
