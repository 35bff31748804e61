//! Automations: when something happens (a member joins, gets a role, fires a trigger, a
//! schedule posts), if the conditions hold, run steps in order: post, DM, give or take a role,
//! wait, check again. A flow is defined in the `automation` settings section (versioned like
//! every setting); each run is a row of `automation_runs` holding the flow as it was when the
//! run started, the step it is at and its history, and each wait is a ledger job
//! (`automation.step`), so a restart resumes a run at the step it was at. A flow of more than
//! one step needs premium ([`Perk::MultiStageAutomations`]); the number of flows follows the
//! tier's `automations` limit.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use sqlx::Row;

use super::service::{AutomationError, AutomationService};
use super::template::{self, Values};
use crate::clock::UnixMillis;
use crate::effect::{AllowedMentions, Effect, EffectError, EffectSink, OutgoingMessage};
use crate::giveaways::MemberFacts;
use crate::ids::{ChannelId, GuildId, RoleId, UserId};
use crate::jobs::{Job, JobFailure, JobHandler, JobOutcome, JobRecord, NewJob};
use crate::premium::{LimitKind, Perk};

/// The job kind that runs a flow's next steps.
pub const RUN_STEP: &str = "automation.step";
/// Most steps in one flow.
pub const MAX_STEPS: usize = 20;
/// Longest wait: 30 days.
pub const MAX_WAIT_SECS: u64 = 30 * 86_400;
/// Most runs one guild may have going at once; events beyond it start nothing (and say so in
/// the log).
pub const MAX_ACTIVE_RUNS: i64 = 1_000;
/// Longest message text of a step.
pub const MAX_STEP_TEXT_CHARS: usize = 2_000;

/// What starts a flow.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "on", rename_all = "snake_case")]
pub enum FlowEvent {
    /// A member joins (bots excepted).
    #[default]
    MemberJoined,
    /// A member gets this role.
    RoleAdded {
        /// The role.
        role: RoleId,
    },
    /// A trigger of this name fires.
    TriggerFired {
        /// The trigger's name.
        trigger: String,
    },
    /// A scheduled message of this number posts.
    SchedulePosted {
        /// The scheduled message.
        schedule: i64,
    },
}

impl FlowEvent {
    /// Whether the event has a member the steps can act on.
    pub fn has_member(&self) -> bool {
        !matches!(self, Self::SchedulePosted { .. })
    }

    /// In words.
    pub fn describe(&self) -> String {
        match self {
            Self::MemberJoined => "a member joins".into(),
            Self::RoleAdded { role } => format!("a member gets role {role}"),
            Self::TriggerFired { trigger } => format!("trigger “{trigger}” fires"),
            Self::SchedulePosted { schedule } => format!("scheduled message #{schedule} posts"),
        }
    }
}

/// One step of a flow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "do", rename_all = "snake_case")]
pub enum Step {
    /// Post in a channel.
    Send {
        /// Where.
        channel: ChannelId,
        /// What, with the trigger variables.
        text: String,
    },
    /// DM the member.
    Dm {
        /// What, with the trigger variables.
        text: String,
    },
    /// Give the member a role.
    AddRole {
        /// The role.
        role: RoleId,
    },
    /// Take a role from the member.
    RemoveRole {
        /// The role.
        role: RoleId,
    },
    /// Wait this many seconds.
    Wait {
        /// Seconds.
        seconds: u64,
    },
    /// Go on only if the member is still in the server, has one of `has_any` (when given) and
    /// none of `lacks_all`; otherwise the run stops here.
    Check {
        /// Roles of which the member must have one (empty: no such requirement).
        #[serde(default)]
        has_any: Vec<RoleId>,
        /// Roles the member must not have.
        #[serde(default)]
        lacks_all: Vec<RoleId>,
    },
}

impl Step {
    /// Whether it acts on the event's member.
    fn needs_member(&self) -> bool {
        matches!(
            self,
            Self::Dm { .. } | Self::AddRole { .. } | Self::RemoveRole { .. } | Self::Check { .. }
        )
    }

    /// In words (ids of roles and channels as mentions, which surfaces show by name).
    pub fn describe(&self) -> String {
        match self {
            Self::Send { channel, text } => format!("post in <#{channel}>: {}", short(text)),
            Self::Dm { text } => format!("DM the member: {}", short(text)),
            Self::AddRole { role } => format!("give <@&{role}>"),
            Self::RemoveRole { role } => format!("take <@&{role}>"),
            Self::Wait { seconds } => format!(
                "wait {}",
                humantime::format_duration(Duration::from_secs(*seconds))
            ),
            Self::Check { has_any, lacks_all } => {
                let mut parts = vec!["still a member".to_owned()];
                if !has_any.is_empty() {
                    parts.push(format!(
                        "has one of {}",
                        has_any
                            .iter()
                            .map(|r| format!("<@&{r}>"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                }
                if !lacks_all.is_empty() {
                    parts.push(format!(
                        "has none of {}",
                        lacks_all
                            .iter()
                            .map(|r| format!("<@&{r}>"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                }
                format!("stop unless {}", parts.join(" and "))
            }
        }
    }
}

fn short(text: &str) -> String {
    let line = text.lines().next().unwrap_or_default();
    let mut out: String = line.chars().take(50).collect();
    if line.chars().count() > 50 || text.lines().count() > 1 {
        out.push('…');
    }
    out
}

/// A flow: its event, the conditions at the start, its steps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Flow {
    /// Its name, unique in the guild.
    pub name: String,
    /// Switched off flows start no runs (running ones go on).
    pub enabled: bool,
    /// What starts it.
    pub when: FlowEvent,
    /// The member must have one of these roles at the start (empty: anyone).
    pub roles_any: Vec<RoleId>,
    /// The member must have none of these at the start.
    pub roles_none: Vec<RoleId>,
    /// The steps, in order.
    pub steps: Vec<Step>,
}

impl Default for Flow {
    fn default() -> Self {
        Self {
            name: String::new(),
            enabled: true,
            when: FlowEvent::MemberJoined,
            roles_any: Vec::new(),
            roles_none: Vec::new(),
            steps: Vec::new(),
        }
    }
}

impl Flow {
    /// Whether it has more than one step (premium).
    pub fn is_multi_stage(&self) -> bool {
        self.steps.len() > 1
    }

    /// Checks the flow alone.
    ///
    /// # Errors
    /// What is wrong, naming the flow and the step (counting from 1).
    pub fn check(&self) -> Result<(), String> {
        let name = self.name.trim();
        if name.is_empty() {
            return Err("an automation needs a name".into());
        }
        if name.chars().count() > super::settings::MAX_NAME_CHARS {
            return Err(format!(
                "the name `{name}` is longer than {} characters",
                super::settings::MAX_NAME_CHARS
            ));
        }
        crate::text::check("the name", name, crate::text::TextKind::Name)
            .map_err(|error| error.to_string())?;
        let who = format!("automation `{name}`");
        if self.steps.is_empty() {
            return Err(format!("{who} has no steps; add at least one"));
        }
        if self.steps.len() > MAX_STEPS {
            return Err(format!(
                "{who} has {} steps; at most {MAX_STEPS}",
                self.steps.len()
            ));
        }
        if let FlowEvent::TriggerFired { trigger } = &self.when
            && trigger.trim().is_empty()
        {
            return Err(format!("{who}: name the trigger that starts it"));
        }
        if !self.when.has_member() && (!self.roles_any.is_empty() || !self.roles_none.is_empty()) {
            return Err(format!(
                "{who}: a scheduled message has no member, so it cannot require roles"
            ));
        }
        for (index, step) in self.steps.iter().enumerate() {
            let at = format!("{who}, step {}", index + 1);
            if step.needs_member() && !self.when.has_member() {
                return Err(format!(
                    "{at}: {} needs a member, and {} has none",
                    step.describe(),
                    self.when.describe()
                ));
            }
            match step {
                Step::Send { text, .. } | Step::Dm { text } => {
                    if text.trim().is_empty() {
                        return Err(format!("{at}: the message is empty"));
                    }
                    if text.chars().count() > MAX_STEP_TEXT_CHARS {
                        return Err(format!(
                            "{at}: the message is longer than {MAX_STEP_TEXT_CHARS} characters"
                        ));
                    }
                    crate::text::check("the message", text, crate::text::TextKind::Prose)
                        .map_err(|error| format!("{at}: {error}"))?;
                    template::check(text)
                        .map_err(|message| format!("{at}: the message {message}"))?;
                }
                Step::Wait { seconds } => {
                    if *seconds == 0 || *seconds > MAX_WAIT_SECS {
                        return Err(format!(
                            "{at}: a wait is 1 second to 30 days, got {seconds} seconds"
                        ));
                    }
                }
                Step::Check { has_any, lacks_all } => {
                    if has_any.iter().any(|role| lacks_all.contains(role)) {
                        return Err(format!("{at}: a role cannot be both required and refused"));
                    }
                }
                Step::AddRole { .. } | Step::RemoveRole { .. } => {}
            }
        }
        Ok(())
    }

    /// The channels and roles it names, each with its key.
    pub fn references(&self, key: &str) -> Vec<(String, crate::references::Reference)> {
        use crate::references::Reference;
        let mut all = Vec::new();
        if let FlowEvent::RoleAdded { role } = &self.when {
            all.push((format!("{key}.when.role"), Reference::Role(*role)));
        }
        for role in self.roles_any.iter().chain(&self.roles_none) {
            all.push((format!("{key}.roles"), Reference::Role(*role)));
        }
        for (index, step) in self.steps.iter().enumerate() {
            let at = format!("{key}.steps[{index}]");
            match step {
                Step::Send { channel, .. } => all.push((at, Reference::Channel(*channel))),
                Step::AddRole { role } | Step::RemoveRole { role } => {
                    all.push((at, Reference::Role(*role)));
                }
                Step::Check { has_any, lacks_all } => {
                    for role in has_any.iter().chain(lacks_all) {
                        all.push((at.clone(), Reference::Role(*role)));
                    }
                }
                Step::Dm { .. } | Step::Wait { .. } => {}
            }
        }
        all
    }
}

/// What happened that may start flows.
#[derive(Debug, Clone)]
pub struct FlowStart<'a> {
    /// The guild.
    pub guild: GuildId,
    /// The event.
    pub event: FlowEvent,
    /// The member it is about, with their roles now.
    pub member: Option<(UserId, &'a [RoleId])>,
    /// The member's user name, for `{user.name}`.
    pub user_name: &'a str,
    /// The channel it happened in, for `{channel}`.
    pub channel: Option<ChannelId>,
}

/// One entry of a run's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunEntry {
    /// When.
    pub at: UnixMillis,
    /// The step (counting from 1; 0 for the start).
    pub step: usize,
    /// What happened, in words.
    pub what: String,
}

/// A run of a flow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FlowRun {
    /// Its number.
    pub id: i64,
    /// The guild.
    pub guild: GuildId,
    /// The flow as it was when the run started.
    pub flow: Flow,
    /// The member it is about.
    pub user: Option<UserId>,
    /// The member's user name when it started.
    pub user_name: String,
    /// The channel of the event.
    pub channel: Option<ChannelId>,
    /// The next step to run (0-based).
    pub step: usize,
    /// `running`, `waiting`, `done`, `stopped` or `failed`.
    pub state: String,
    /// When a waiting run goes on.
    pub next_at: Option<UnixMillis>,
    /// When it started.
    pub started_at: UnixMillis,
    /// When it ended.
    pub finished_at: Option<UnixMillis>,
    /// What happened, in order.
    pub log: Vec<RunEntry>,
}

/// The payload of a [`RUN_STEP`] job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepPayload {
    /// The guild.
    pub guild: GuildId,
    /// The run.
    pub run: i64,
    /// The step it runs from.
    pub step: usize,
}

impl Job for StepPayload {
    const KIND: &'static str = RUN_STEP;

    fn guild(&self) -> Option<GuildId> {
        Some(self.guild)
    }
}

const COLUMNS: &str = "id, guild_id, definition, user_id, user_name, channel_id, step, state, next_at, started_at, finished_at, log";

fn corrupt(what: &str, error: impl std::fmt::Display) -> AutomationError {
    AutomationError::Storage(crate::db::DbError::Corrupt(format!("{what}: {error}")))
}

fn from_row(row: &sqlx::any::AnyRow) -> Result<FlowRun, AutomationError> {
    let definition: String = row.try_get("definition")?;
    let log: String = row.try_get("log")?;
    Ok(FlowRun {
        id: row.try_get("id")?,
        guild: GuildId::from_db(row.try_get("guild_id")?),
        flow: serde_json::from_str(&definition)
            .map_err(|error| corrupt("automation run", error))?,
        user: row
            .try_get::<Option<i64>, _>("user_id")?
            .map(UserId::from_db),
        user_name: row.try_get("user_name")?,
        channel: row
            .try_get::<Option<i64>, _>("channel_id")?
            .map(ChannelId::from_db),
        step: usize::try_from(row.try_get::<i64, _>("step")?).unwrap_or_default(),
        state: row.try_get("state")?,
        next_at: row.try_get::<Option<i64>, _>("next_at")?.map(UnixMillis),
        started_at: UnixMillis(row.try_get("started_at")?),
        finished_at: row
            .try_get::<Option<i64>, _>("finished_at")?
            .map(UnixMillis),
        log: serde_json::from_str(&log).map_err(|error| corrupt("automation run log", error))?,
    })
}

fn event_matches(flow: &FlowEvent, event: &FlowEvent) -> bool {
    match (flow, event) {
        (FlowEvent::TriggerFired { trigger: a }, FlowEvent::TriggerFired { trigger: b }) => {
            a.trim().eq_ignore_ascii_case(b.trim())
        }
        (a, b) => a == b,
    }
}

impl AutomationService {
    /// Adds a flow, or replaces the one with its name when `replace` is set. More than one step
    /// needs premium; a new flow counts against the tier's `automations` limit.
    ///
    /// # Errors
    /// [`AutomationError::Premium`], [`AutomationError::Limit`], [`AutomationError::Invalid`];
    /// settings errors (a channel or role of another guild).
    pub async fn save_flow(
        &self,
        guild: GuildId,
        flow: Flow,
        replace: bool,
        actor: &str,
    ) -> Result<Flow, AutomationError> {
        flow.check().map_err(AutomationError::Invalid)?;
        if flow.is_multi_stage() {
            self.premium.require(guild, Perk::MultiStageAutomations)?;
        }
        let settings = self.config.reload(guild).await?;
        let version = settings.version("automation");
        let mut section = settings.automation.clone();
        let existing = section
            .flows
            .iter()
            .position(|other| other.name.trim().eq_ignore_ascii_case(flow.name.trim()));
        match existing {
            Some(index) if replace => section.flows[index] = flow.clone(),
            Some(_) => {
                return Err(AutomationError::Invalid(format!(
                    "there is already an automation called `{}`; pick another name or edit that one",
                    flow.name.trim()
                )));
            }
            None => {
                self.premium.check_limit(
                    guild,
                    LimitKind::Automations,
                    section.flows.len() as u64,
                )?;
                section.flows.push(flow.clone());
            }
        }
        self.write_section(guild, &section, version, actor).await?;
        Ok(flow)
    }

    /// Removes the flow called `name` (its running runs go on to their end).
    ///
    /// # Errors
    /// [`AutomationError::Invalid`] when there is none; settings errors.
    pub async fn remove_flow(
        &self,
        guild: GuildId,
        name: &str,
        actor: &str,
    ) -> Result<Flow, AutomationError> {
        let settings = self.config.reload(guild).await?;
        let version = settings.version("automation");
        let mut section = settings.automation.clone();
        let index = section
            .flows
            .iter()
            .position(|flow| flow.name.trim().eq_ignore_ascii_case(name.trim()))
            .ok_or_else(|| {
                AutomationError::Invalid(format!("there is no automation called `{}`", name.trim()))
            })?;
        let removed = section.flows.remove(index);
        self.write_section(guild, &section, version, actor).await?;
        Ok(removed)
    }

    /// Starts a run of every enabled flow of the guild that `start` matches and whose
    /// conditions hold. Multi-stage flows of a guild whose tier lacks them are kept and start
    /// nothing. Called by the bot on events; touches the database only when a flow matches.
    ///
    /// # Errors
    /// Storage and ledger errors.
    pub async fn start_flows(
        &self,
        flows: &[Flow],
        start: &FlowStart<'_>,
    ) -> Result<Vec<i64>, AutomationError> {
        let mut started = Vec::new();
        for flow in flows.iter().filter(|flow| flow.enabled) {
            if !event_matches(&flow.when, &start.event) {
                continue;
            }
            if flow.is_multi_stage()
                && !self
                    .premium
                    .allows(start.guild, Perk::MultiStageAutomations)
            {
                tracing::debug!(guild = %start.guild, flow = %flow.name, "multi-stage automation paused: the tier lacks it");
                continue;
            }
            if flow.when.has_member() {
                let Some((_, roles)) = start.member else {
                    continue;
                };
                if (!flow.roles_any.is_empty() && !flow.roles_any.iter().any(|r| roles.contains(r)))
                    || flow.roles_none.iter().any(|r| roles.contains(r))
                {
                    continue;
                }
            }
            let (active,): (i64,) = sqlx::query_as(
                "SELECT COUNT(*) FROM automation_runs WHERE guild_id = $1 AND state IN ('running', 'waiting')",
            )
            .bind(start.guild.to_db())
            .fetch_one(self.db.pool())
            .await?;
            if active >= MAX_ACTIVE_RUNS {
                tracing::warn!(guild = %start.guild, flow = %flow.name, active, "automation not started: the server has as many runs going as allowed");
                continue;
            }
            let now = self.clock.now();
            let definition =
                serde_json::to_string(flow).map_err(|error| corrupt("automation", error))?;
            let log = serde_json::to_string(&[RunEntry {
                at: now,
                step: 0,
                what: format!("started: {}", start.event.describe()),
            }])
            .map_err(|error| corrupt("automation log", error))?;
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO automation_runs (guild_id, flow, definition, user_id, user_name, channel_id, step, state, next_at, started_at, log)
                 VALUES ($1, $2, $3, $4, $5, $6, 0, 'running', $7, $7, $8) RETURNING id",
            )
            .bind(start.guild.to_db())
            .bind(flow.name.trim())
            .bind(&definition)
            .bind(start.member.map(|(user, _)| user.to_db()))
            .bind(start.user_name)
            .bind(start.channel.map(ChannelId::to_db))
            .bind(now.0)
            .bind(&log)
            .fetch_one(self.db.pool())
            .await?;
            let payload = StepPayload {
                guild: start.guild,
                run: id,
                step: 0,
            };
            self.ledger
                .schedule(NewJob::of(&payload, now).dedupe(format!("run:{id}:0")))
                .await?;
            started.push(id);
        }
        Ok(started)
    }

    /// The guild's latest runs, newest first (`flow`: only that flow's).
    ///
    /// # Errors
    /// Storage errors.
    pub async fn runs(
        &self,
        guild: GuildId,
        flow: Option<&str>,
        limit: u32,
    ) -> Result<Vec<FlowRun>, AutomationError> {
        let rows = match flow {
            Some(flow) => {
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT {COLUMNS} FROM automation_runs WHERE guild_id = $1 AND LOWER(flow) = LOWER($2) ORDER BY id DESC LIMIT $3"
                )))
                .bind(guild.to_db())
                .bind(flow.trim())
                .bind(i64::from(limit))
                .fetch_all(self.db.pool())
                .await?
            }
            None => {
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT {COLUMNS} FROM automation_runs WHERE guild_id = $1 ORDER BY id DESC LIMIT $2"
                )))
                .bind(guild.to_db())
                .bind(i64::from(limit))
                .fetch_all(self.db.pool())
                .await?
            }
        };
        rows.iter().map(from_row).collect()
    }

    /// One run of the guild.
    ///
    /// # Errors
    /// [`AutomationError::Invalid`] when the guild has no such run; storage errors.
    pub async fn flow_run(&self, guild: GuildId, id: i64) -> Result<FlowRun, AutomationError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM automation_runs WHERE guild_id = $1 AND id = $2"
        )))
        .bind(guild.to_db())
        .bind(id)
        .fetch_optional(self.db.pool())
        .await?
        .ok_or_else(|| {
            AutomationError::Invalid(format!("there is no automation run #{id} in this server"))
        })?;
        from_row(&row)
    }

    async fn record_step(
        &self,
        run: &FlowRun,
        next_step: usize,
        state: &str,
        next_at: Option<UnixMillis>,
        entry: RunEntry,
    ) -> Result<bool, AutomationError> {
        let mut log = run.log.clone();
        log.push(entry);
        let log = serde_json::to_string(&log).map_err(|error| corrupt("automation log", error))?;
        let finished = matches!(state, "done" | "stopped" | "failed").then(|| self.clock.now().0);
        let updated = sqlx::query(
            "UPDATE automation_runs SET step = $1, state = $2, next_at = $3, finished_at = $4, log = $5
             WHERE id = $6 AND step = $7 AND state IN ('running', 'waiting')",
        )
        .bind(i64::try_from(next_step).unwrap_or(i64::MAX))
        .bind(state)
        .bind(next_at.map(|at| at.0))
        .bind(finished)
        .bind(&log)
        .bind(run.id)
        .bind(i64::try_from(run.step).unwrap_or(i64::MAX))
        .execute(self.db.pool())
        .await?;
        Ok(updated.rows_affected() == 1)
    }

    /// Runs a run's steps from `payload.step` until a wait, a failed check or the end. Each
    /// step is recorded before the next begins; a step repeated after a crash posts with the
    /// same nonce.
    async fn run_steps(
        &self,
        ports: &StepPorts,
        payload: &StepPayload,
    ) -> Result<JobOutcome, JobFailure> {
        let retry = |error: AutomationError| JobFailure::retry(error.to_string());
        loop {
            let run = match self.flow_run(payload.guild, payload.run).await {
                Ok(run) => run,
                Err(AutomationError::Invalid(_)) => return Ok(JobOutcome::Done),
                Err(error) => return Err(retry(error)),
            };
            if !matches!(run.state.as_str(), "running" | "waiting") || run.step < payload.step {
                return Ok(JobOutcome::Done);
            }
            let now = self.clock.now();
            let Some(step) = run.flow.steps.get(run.step).cloned() else {
                self.record_step(
                    &run,
                    run.step,
                    "done",
                    None,
                    RunEntry {
                        at: now,
                        step: run.step,
                        what: "finished".into(),
                    },
                )
                .await
                .map_err(retry)?;
                return Ok(JobOutcome::Done);
            };
            let number = run.step + 1;
            // Right after a restart the guild model may not have the guild yet: its stored
            // name stands in.
            let server = match ports.cache.guild_name(run.guild) {
                Some(name) => name,
                None => crate::guilds::name(&self.db, run.guild)
                    .await
                    .map_err(|error| JobFailure::retry(error.to_string()))?
                    .unwrap_or_default(),
            };
            let values = Values {
                user_id: run.user.map_or(0, UserId::get),
                user_name: &run.user_name,
                server: &server,
                channel_id: run.channel.map_or(0, ChannelId::get),
                member_count: ports
                    .cache
                    .look(run.guild)
                    .and_then(|look| look.member_count),
            };
            let message = |text: &str, tag: &str| OutgoingMessage {
                content: template::render(text, &values),
                allowed_mentions: AllowedMentions {
                    users: run.user.into_iter().collect(),
                    ..AllowedMentions::default()
                },
                nonce: Some(format!("{tag}{}-{number}", run.id)),
                ..OutgoingMessage::default()
            };
            let effect = match (&step, run.user) {
                (Step::Send { channel, text }, _) => Some(Effect::Announce {
                    guild: run.guild,
                    channel: *channel,
                    message: message(text, "a"),
                }),
                (Step::Dm { text }, Some(user)) => Some(Effect::SendDirectMessage {
                    user,
                    message: message(text, "d"),
                }),
                (Step::AddRole { role }, Some(user)) => Some(Effect::AddRole {
                    guild: run.guild,
                    user,
                    role: *role,
                    reason: Some(format!("automation “{}”", run.flow.name)),
                }),
                (Step::RemoveRole { role }, Some(user)) => Some(Effect::RemoveRole {
                    guild: run.guild,
                    user,
                    role: *role,
                    reason: Some(format!("automation “{}”", run.flow.name)),
                }),
                _ => None,
            };
            if let Some(effect) = effect {
                let what = match ports.sink.perform(Some(run.guild), &effect).await {
                    Ok(()) => format!("{}: done", step.describe()),
                    Err(EffectError::Unavailable(message)) => {
                        return Err(JobFailure::retry(message));
                    }
                    Err(EffectError::Refused(why)) => {
                        format!("{}: Discord refused ({why}); going on", step.describe())
                    }
                };
                self.record_step(
                    &run,
                    number,
                    "running",
                    None,
                    RunEntry {
                        at: now,
                        step: number,
                        what,
                    },
                )
                .await
                .map_err(retry)?;
                continue;
            }
            match &step {
                Step::Wait { seconds } => {
                    let until = now.plus(Duration::from_secs(*seconds));
                    let moved = self
                        .record_step(
                            &run,
                            number,
                            "waiting",
                            Some(until),
                            RunEntry {
                                at: now,
                                step: number,
                                what: step.describe(),
                            },
                        )
                        .await
                        .map_err(retry)?;
                    if moved {
                        let next = StepPayload {
                            guild: run.guild,
                            run: run.id,
                            step: number,
                        };
                        self.ledger
                            .schedule(
                                NewJob::of(&next, until).dedupe(format!("run:{}:{number}", run.id)),
                            )
                            .await
                            .map_err(|error| JobFailure::retry(error.to_string()))?;
                    }
                    return Ok(JobOutcome::Done);
                }
                Step::Check { has_any, lacks_all } => {
                    let Some(user) = run.user else {
                        return Err(JobFailure::permanent("a check without a member"));
                    };
                    let member = ports
                        .members
                        .member(run.guild, user)
                        .await
                        .map_err(|error| JobFailure::retry(error.to_string()))?;
                    let failed = match &member {
                        None => Some("the member left".to_owned()),
                        Some(state)
                            if !has_any.is_empty()
                                && !has_any.iter().any(|r| state.roles.contains(r)) =>
                        {
                            Some("the member has none of the required roles".to_owned())
                        }
                        Some(state) => lacks_all
                            .iter()
                            .find(|role| state.roles.contains(role))
                            .map(|role| format!("the member has <@&{role}>")),
                    };
                    match failed {
                        Some(why) => {
                            self.record_step(
                                &run,
                                number,
                                "stopped",
                                None,
                                RunEntry {
                                    at: now,
                                    step: number,
                                    what: format!("stopped: {why}"),
                                },
                            )
                            .await
                            .map_err(retry)?;
                            return Ok(JobOutcome::Done);
                        }
                        None => {
                            self.record_step(
                                &run,
                                number,
                                "running",
                                None,
                                RunEntry {
                                    at: now,
                                    step: number,
                                    what: format!("{}: passed", step.describe()),
                                },
                            )
                            .await
                            .map_err(retry)?;
                        }
                    }
                }
                _ => {
                    self.record_step(
                        &run,
                        number,
                        "failed",
                        None,
                        RunEntry {
                            at: now,
                            step: number,
                            what: format!("{} has no member to act on", step.describe()),
                        },
                    )
                    .await
                    .map_err(retry)?;
                    return Ok(JobOutcome::Done);
                }
            }
        }
    }
}

/// What running a step needs from the process that runs the bot.
#[derive(Debug, Clone)]
pub struct StepPorts {
    /// Performs effects.
    pub sink: Arc<dyn EffectSink>,
    /// Whether the member is still there, and their roles.
    pub members: Arc<dyn MemberFacts>,
    /// Names for the variables.
    pub cache: Arc<crate::guild_cache::GuildCache>,
}

/// Runs [`RUN_STEP`] jobs.
#[derive(Debug)]
pub struct RunSteps {
    service: Arc<AutomationService>,
    ports: StepPorts,
}

impl RunSteps {
    /// The handler.
    pub fn new(service: Arc<AutomationService>, ports: StepPorts) -> Self {
        Self { service, ports }
    }
}

#[async_trait]
impl JobHandler for RunSteps {
    type Job = StepPayload;

    async fn run(&self, payload: StepPayload, _: &JobRecord) -> Result<JobOutcome, JobFailure> {
        self.service.run_steps(&self.ports, &payload).await
    }
}
