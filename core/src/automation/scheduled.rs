//! Scheduled messages: a post in a channel on a cron schedule, in the guild's time zone or its
//! own. The next run is always exactly one ledger job (`automation.post`) carrying the
//! schedule's generation and the run's time: pausing, resuming and deleting move the
//! generation, so a stale timer finds it moved and does nothing. A run that fell due while the
//! process was down runs once on start, then the next run is taken after now (never one post
//! per missed tick). Each post carries a nonce of the schedule and the run, so a run repeated
//! after a crash is not posted twice.

use std::sync::Arc;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use sqlx::Row;

use super::schedule::Schedule;
use super::service::{AutomationError, AutomationService};
use crate::audit;
use crate::clock::UnixMillis;
use crate::effect::{Effect, EffectError, EffectSink, Embed, OutgoingMessage};
use crate::ids::{ChannelId, GuildId};
use crate::jobs::{Job, JobFailure, JobHandler, JobOutcome, JobRecord, NewJob};
use crate::premium::LimitKind;
use crate::text::{self, TextKind};

/// The job kind of a scheduled message's run.
pub const POST_SCHEDULED: &str = "automation.post";
/// Longest name, in characters.
pub const MAX_SCHEDULE_NAME_CHARS: usize = 80;
/// Longest text, in characters (Discord's limit).
pub const MAX_TEXT_CHARS: usize = 2_000;
/// Longest embed title.
pub const MAX_EMBED_TITLE_CHARS: usize = 256;
/// Longest embed description.
pub const MAX_EMBED_DESCRIPTION_CHARS: usize = 4_000;

/// What a scheduled message posts: text, an embed, or both.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduledPost {
    /// Plain text.
    #[serde(default)]
    pub text: String,
    /// An embed's title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub embed_title: Option<String>,
    /// An embed's description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub embed_description: Option<String>,
    /// The embed's colour (0xRRGGBB).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub embed_colour: Option<u32>,
}

impl ScheduledPost {
    /// Whether it has an embed.
    pub fn has_embed(&self) -> bool {
        self.embed_title.is_some() || self.embed_description.is_some()
    }

    /// Checks the texts.
    ///
    /// # Errors
    /// What is wrong and what is accepted.
    pub fn check(&self) -> Result<(), String> {
        let blank =
            |text: &Option<String>| text.as_deref().is_none_or(|text| text.trim().is_empty());
        if self.text.trim().is_empty() && blank(&self.embed_title) && blank(&self.embed_description)
        {
            return Err(
                "the message is empty; write its text, or an embed's title or description".into(),
            );
        }
        let limits = [
            ("the text", Some(&self.text), MAX_TEXT_CHARS),
            (
                "the embed's title",
                self.embed_title.as_ref(),
                MAX_EMBED_TITLE_CHARS,
            ),
            (
                "the embed's description",
                self.embed_description.as_ref(),
                MAX_EMBED_DESCRIPTION_CHARS,
            ),
        ];
        for (what, value, limit) in limits {
            let Some(value) = value else { continue };
            let length = value.chars().count();
            if length > limit {
                return Err(format!(
                    "{what} is {length} characters long; the limit is {limit}"
                ));
            }
            let kind = if what.ends_with("title") {
                TextKind::Name
            } else {
                TextKind::Prose
            };
            text::check(what, value, kind).map_err(|error| error.to_string())?;
        }
        Ok(())
    }

    /// The post as a message. Scheduled posts ping nobody: a schedule that says @everyone
    /// shows it as text (an admin who wants pings uses a role they mention on purpose, which
    /// Discord also shows without pinging here).
    pub fn message(&self, nonce: Option<String>) -> OutgoingMessage {
        let embeds = if self.has_embed() {
            vec![Embed {
                title: self
                    .embed_title
                    .clone()
                    .filter(|title| !title.trim().is_empty()),
                description: self
                    .embed_description
                    .clone()
                    .filter(|description| !description.trim().is_empty()),
                color: self.embed_colour,
                ..Embed::default()
            }]
        } else {
            Vec::new()
        };
        OutgoingMessage {
            content: self.text.clone(),
            embeds,
            nonce,
            ..OutgoingMessage::default()
        }
    }

    /// A short summary for lists.
    pub fn summary(&self) -> String {
        let base = if self.text.trim().is_empty() {
            self.embed_title
                .clone()
                .or_else(|| self.embed_description.clone())
                .unwrap_or_default()
        } else {
            self.text.clone()
        };
        let line = base.lines().next().unwrap_or_default();
        let mut short: String = line.chars().take(60).collect();
        if line.chars().count() > 60 || base.lines().count() > 1 {
            short.push('…');
        }
        if self.has_embed() && !self.text.trim().is_empty() {
            short.push_str(" (+ embed)");
        }
        short
    }
}

/// A scheduled message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScheduledMessage {
    /// Its number.
    pub id: i64,
    /// The guild.
    pub guild: GuildId,
    /// Where it posts.
    pub channel: ChannelId,
    /// What people call it.
    pub name: String,
    /// The cron expression.
    pub cron: String,
    /// Its own time zone; `None` follows the guild's.
    pub timezone: Option<String>,
    /// What it posts.
    pub post: ScheduledPost,
    /// Paused: kept, not running.
    pub paused: bool,
    /// Moves on every pause, resume and edit.
    pub generation: i64,
    /// When it runs next (none while paused).
    pub next_run_at: Option<UnixMillis>,
    /// The job of the next run.
    pub job_id: Option<i64>,
    /// How many times it posted.
    pub runs: i64,
    /// When it last posted.
    pub last_run_at: Option<UnixMillis>,
    /// Why its last run failed, if it did.
    pub last_error: Option<String>,
    /// When that was.
    pub last_error_at: Option<UnixMillis>,
    /// Who made it.
    pub created_by: String,
    /// When.
    pub created_at: UnixMillis,
}

/// A scheduled message to make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSchedule {
    /// The guild.
    pub guild: GuildId,
    /// Where it posts (checked against the guild by the surface).
    pub channel: ChannelId,
    /// What people call it.
    pub name: String,
    /// The cron expression.
    pub cron: String,
    /// Its own time zone; `None` follows the guild's.
    pub timezone: Option<String>,
    /// What it posts.
    pub post: ScheduledPost,
}

/// The payload of an [`POST_SCHEDULED`] job: one run of one schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostPayload {
    /// The guild.
    pub guild: GuildId,
    /// The schedule.
    pub schedule: i64,
    /// The schedule's generation when the run was planned.
    pub generation: i64,
    /// The run's time.
    pub due_at: UnixMillis,
    /// A "run now": posts once and leaves the schedule's timer alone.
    #[serde(default)]
    pub once: bool,
}

impl Job for PostPayload {
    const KIND: &'static str = POST_SCHEDULED;

    fn guild(&self) -> Option<GuildId> {
        Some(self.guild)
    }
}

const COLUMNS: &str = "id, guild_id, channel_id, name, cron, timezone, message, paused, generation, next_run_at, job_id, runs, last_run_at, last_error, last_error_at, created_by, created_at";

fn from_row(row: &sqlx::any::AnyRow) -> Result<ScheduledMessage, AutomationError> {
    let message: String = row.try_get("message")?;
    let post = serde_json::from_str(&message).map_err(|error| {
        AutomationError::Storage(crate::db::DbError::Corrupt(format!(
            "scheduled message post: {error}"
        )))
    })?;
    Ok(ScheduledMessage {
        id: row.try_get("id")?,
        guild: GuildId::from_db(row.try_get("guild_id")?),
        channel: ChannelId::from_db(row.try_get("channel_id")?),
        name: row.try_get("name")?,
        cron: row.try_get("cron")?,
        timezone: row.try_get("timezone")?,
        post,
        paused: row.try_get::<i64, _>("paused")? != 0,
        generation: row.try_get("generation")?,
        next_run_at: row
            .try_get::<Option<i64>, _>("next_run_at")?
            .map(UnixMillis),
        job_id: row.try_get("job_id")?,
        runs: row.try_get("runs")?,
        last_run_at: row
            .try_get::<Option<i64>, _>("last_run_at")?
            .map(UnixMillis),
        last_error: row.try_get("last_error")?,
        last_error_at: row
            .try_get::<Option<i64>, _>("last_error_at")?
            .map(UnixMillis),
        created_by: row.try_get("created_by")?,
        created_at: UnixMillis(row.try_get("created_at")?),
    })
}

/// A run's nonce (at most 25 characters): the schedule and the run's second.
fn nonce(schedule: i64, due_at: UnixMillis, once: bool) -> String {
    let tag = if once { "n" } else { "s" };
    format!("{tag}{schedule}-{}", due_at.0.div_euclid(1_000))
}

impl AutomationService {
    /// The schedule of a scheduled message, in its own zone or the guild's.
    ///
    /// # Errors
    /// A schedule saved by an older version that no longer parses.
    pub async fn schedule_of(
        &self,
        scheduled: &ScheduledMessage,
    ) -> Result<Schedule, AutomationError> {
        let zone = match &scheduled.timezone {
            Some(zone) => zone.clone(),
            None => self.guild_zone(scheduled.guild).await?,
        };
        Ok(Schedule::parse(&scheduled.cron, &zone)?)
    }

    /// The guild's scheduled messages, in order of number.
    ///
    /// # Errors
    /// Storage errors.
    pub async fn schedules(
        &self,
        guild: GuildId,
    ) -> Result<Vec<ScheduledMessage>, AutomationError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM scheduled_messages WHERE guild_id = $1 ORDER BY id"
        )))
        .bind(guild.to_db())
        .fetch_all(self.db.pool())
        .await?;
        rows.iter().map(from_row).collect()
    }

    /// How many scheduled messages the guild has.
    ///
    /// # Errors
    /// Storage errors.
    pub async fn schedule_count(&self, guild: GuildId) -> Result<u64, crate::db::DbError> {
        let (count,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM scheduled_messages WHERE guild_id = $1")
                .bind(guild.to_db())
                .fetch_one(self.db.pool())
                .await?;
        Ok(u64::try_from(count).unwrap_or_default())
    }

    /// Every guild's scheduled messages that run next, soonest first (the console).
    ///
    /// # Errors
    /// Storage errors.
    pub async fn upcoming(&self, limit: u32) -> Result<Vec<ScheduledMessage>, AutomationError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM scheduled_messages WHERE paused = 0 AND next_run_at IS NOT NULL ORDER BY next_run_at, id LIMIT $1"
        )))
        .bind(i64::from(limit))
        .fetch_all(self.db.pool())
        .await?;
        rows.iter().map(from_row).collect()
    }

    /// Every guild's scheduled messages whose last run failed, latest first (the console).
    ///
    /// # Errors
    /// Storage errors.
    pub async fn failing(&self, limit: u32) -> Result<Vec<ScheduledMessage>, AutomationError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM scheduled_messages WHERE last_error IS NOT NULL ORDER BY last_error_at DESC, id LIMIT $1"
        )))
        .bind(i64::from(limit))
        .fetch_all(self.db.pool())
        .await?;
        rows.iter().map(from_row).collect()
    }

    /// One scheduled message of the guild.
    ///
    /// # Errors
    /// [`AutomationError::NoSuchSchedule`] (also for another guild's); storage errors.
    pub async fn scheduled(
        &self,
        guild: GuildId,
        id: i64,
    ) -> Result<ScheduledMessage, AutomationError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM scheduled_messages WHERE guild_id = $1 AND id = $2"
        )))
        .bind(guild.to_db())
        .bind(id)
        .fetch_optional(self.db.pool())
        .await?
        .ok_or(AutomationError::NoSuchSchedule(id))?;
        from_row(&row)
    }

    /// Makes a scheduled message and plans its first run. The channel must already have been
    /// checked against the guild.
    ///
    /// # Errors
    /// [`AutomationError::Invalid`] (name, texts), [`AutomationError::Schedule`],
    /// [`AutomationError::Limit`]; storage and ledger errors (nothing is kept then).
    pub async fn create_schedule(
        &self,
        new: NewSchedule,
        actor: &str,
    ) -> Result<ScheduledMessage, AutomationError> {
        let (name, timezone, schedule) = self.checked(&new).await?;
        let name = name.as_str();
        let count = self.schedule_count(new.guild).await?;
        self.premium
            .check_limit(new.guild, LimitKind::ScheduledMessages, count)?;
        let now = self.clock.now();
        let next = schedule.next_after(now).ok_or_else(|| {
            AutomationError::Invalid(format!(
                "`{}` never runs again; pick a schedule with a future run",
                schedule.expression()
            ))
        })?;
        let message = serde_json::to_string(&new.post)
            .map_err(|error| AutomationError::Invalid(error.to_string()))?;
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO scheduled_messages (guild_id, channel_id, name, cron, timezone, message, paused, generation, next_run_at, job_id, runs, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, 0, 1, $7, NULL, 0, $8, $9) RETURNING id",
        )
        .bind(new.guild.to_db())
        .bind(new.channel.to_db())
        .bind(name)
        .bind(schedule.expression())
        .bind(timezone.clone())
        .bind(&message)
        .bind(next.0)
        .bind(actor)
        .bind(now.0)
        .fetch_one(self.db.pool())
        .await?;
        if let Err(error) = self.plan(new.guild, id, 1, next).await {
            // Nothing half-made: a schedule never exists without its timer.
            let _ = sqlx::query("DELETE FROM scheduled_messages WHERE id = $1")
                .bind(id)
                .execute(self.db.pool())
                .await;
            return Err(error);
        }
        self.audit_definition(
            new.guild,
            id,
            actor,
            "automation.schedule.create",
            new.channel,
            &schedule,
            timezone.as_deref(),
            name,
        )
        .await?;
        self.scheduled(new.guild, id).await
    }

    /// Audits a schedule made or changed, with what it now is.
    #[allow(clippy::too_many_arguments)] // The entry's fields, each named.
    async fn audit_definition(
        &self,
        guild: GuildId,
        id: i64,
        actor: &str,
        action: &str,
        channel: ChannelId,
        schedule: &Schedule,
        timezone: Option<&str>,
        name: &str,
    ) -> Result<(), AutomationError> {
        audit::record(
            &self.db,
            self.clock.now(),
            actor,
            action,
            Some(guild),
            Some(&format!("schedule:{id}")),
            &serde_json::json!({
                "name": name,
                "channel": channel.to_string(),
                "cron": schedule.expression(),
                "timezone": timezone,
            }),
        )
        .await?;
        Ok(())
    }

    /// Checks a schedule's name, texts, time zone and expression.
    async fn checked(
        &self,
        new: &NewSchedule,
    ) -> Result<(String, Option<String>, Schedule), AutomationError> {
        let name = new.name.trim();
        if name.is_empty() {
            return Err(AutomationError::Invalid(
                "a scheduled message needs a name".into(),
            ));
        }
        if name.chars().count() > MAX_SCHEDULE_NAME_CHARS {
            return Err(AutomationError::Invalid(format!(
                "the name is longer than {MAX_SCHEDULE_NAME_CHARS} characters"
            )));
        }
        text::check("the name", name, TextKind::Name)
            .map_err(|error| AutomationError::Invalid(error.to_string()))?;
        new.post.check().map_err(AutomationError::Invalid)?;
        let timezone = new
            .timezone
            .as_deref()
            .map(str::trim)
            .filter(|zone| !zone.is_empty())
            .map(str::to_owned);
        let zone = match &timezone {
            Some(zone) => zone.clone(),
            None => self.guild_zone(new.guild).await?,
        };
        let schedule = Schedule::parse(&new.cron, &zone)?;
        Ok((name.to_owned(), timezone, schedule))
    }

    /// Changes a scheduled message (channel, name, schedule, zone, post). Its pending run is
    /// replaced by the next run of the new schedule after now; a paused one stays paused.
    ///
    /// # Errors
    /// As [`Self::create_schedule`], and [`AutomationError::NoSuchSchedule`]; nothing is
    /// changed then.
    pub async fn update_schedule(
        &self,
        id: i64,
        edit: NewSchedule,
        actor: &str,
    ) -> Result<ScheduledMessage, AutomationError> {
        let current = self.scheduled(edit.guild, id).await?;
        let (name, timezone, schedule) = self.checked(&edit).await?;
        let next = if current.paused {
            None
        } else {
            Some(schedule.next_after(self.clock.now()).ok_or_else(|| {
                AutomationError::Invalid(format!(
                    "`{}` never runs again; pick a schedule with a future run",
                    schedule.expression()
                ))
            })?)
        };
        let message = serde_json::to_string(&edit.post)
            .map_err(|error| AutomationError::Invalid(error.to_string()))?;
        let generation = current.generation + 1;
        sqlx::query(
            "UPDATE scheduled_messages SET channel_id = $1, name = $2, cron = $3, timezone = $4, message = $5, generation = $6, next_run_at = $7, job_id = NULL
             WHERE guild_id = $8 AND id = $9",
        )
        .bind(edit.channel.to_db())
        .bind(&name)
        .bind(schedule.expression())
        .bind(timezone.clone())
        .bind(&message)
        .bind(generation)
        .bind(next.map(|next| next.0))
        .bind(edit.guild.to_db())
        .bind(id)
        .execute(self.db.pool())
        .await?;
        self.cancel_job(current.job_id).await;
        if let Some(next) = next {
            self.plan(edit.guild, id, generation, next).await?;
        }
        self.audit_definition(
            edit.guild,
            id,
            actor,
            "automation.schedule.edit",
            edit.channel,
            &schedule,
            timezone.as_deref(),
            &name,
        )
        .await?;
        self.scheduled(edit.guild, id).await
    }

    /// Schedules the run at `due` of generation `generation` and records its job.
    async fn plan(
        &self,
        guild: GuildId,
        id: i64,
        generation: i64,
        due: UnixMillis,
    ) -> Result<(), AutomationError> {
        let payload = PostPayload {
            guild,
            schedule: id,
            generation,
            due_at: due,
            once: false,
        };
        let job = self
            .ledger
            .schedule(NewJob::of(&payload, due).dedupe(format!("{id}:{generation}:{}", due.0)))
            .await?;
        sqlx::query(
            "UPDATE scheduled_messages SET job_id = $1 WHERE id = $2 AND generation = $3 AND next_run_at = $4",
        )
        .bind(job.id)
        .bind(id)
        .bind(generation)
        .bind(due.0)
        .execute(self.db.pool())
        .await?;
        Ok(())
    }

    /// Pauses a scheduled message: its pending run is cancelled; it is kept.
    ///
    /// # Errors
    /// [`AutomationError::NoSuchSchedule`], [`AutomationError::Invalid`] when already
    /// paused; storage errors.
    pub async fn pause_schedule(
        &self,
        guild: GuildId,
        id: i64,
        actor: &str,
    ) -> Result<ScheduledMessage, AutomationError> {
        let current = self.scheduled(guild, id).await?;
        if current.paused {
            return Err(AutomationError::Invalid(format!(
                "scheduled message #{id} “{}” is already paused",
                current.name
            )));
        }
        sqlx::query(
            "UPDATE scheduled_messages SET paused = 1, generation = generation + 1, next_run_at = NULL, job_id = NULL WHERE guild_id = $1 AND id = $2",
        )
        .bind(guild.to_db())
        .bind(id)
        .execute(self.db.pool())
        .await?;
        self.cancel_job(current.job_id).await;
        self.audit(guild, id, actor, "automation.schedule.pause")
            .await?;
        self.scheduled(guild, id).await
    }

    /// Resumes a paused scheduled message from its next run after now (runs missed while it
    /// was paused are not made up).
    ///
    /// # Errors
    /// [`AutomationError::NoSuchSchedule`], [`AutomationError::Invalid`] when it is not
    /// paused; storage and ledger errors.
    pub async fn resume_schedule(
        &self,
        guild: GuildId,
        id: i64,
        actor: &str,
    ) -> Result<ScheduledMessage, AutomationError> {
        let current = self.scheduled(guild, id).await?;
        if !current.paused {
            return Err(AutomationError::Invalid(format!(
                "scheduled message #{id} “{}” is not paused",
                current.name
            )));
        }
        let schedule = self.schedule_of(&current).await?;
        let next = schedule.next_after(self.clock.now()).ok_or_else(|| {
            AutomationError::Invalid(format!("`{}` never runs again", current.cron))
        })?;
        let generation = current.generation + 1;
        sqlx::query(
            "UPDATE scheduled_messages SET paused = 0, generation = $1, next_run_at = $2, job_id = NULL WHERE guild_id = $3 AND id = $4",
        )
        .bind(generation)
        .bind(next.0)
        .bind(guild.to_db())
        .bind(id)
        .execute(self.db.pool())
        .await?;
        self.plan(guild, id, generation, next).await?;
        self.audit(guild, id, actor, "automation.schedule.resume")
            .await?;
        self.scheduled(guild, id).await
    }

    /// Posts a scheduled message now, once, through the ledger; its schedule is unchanged.
    ///
    /// # Errors
    /// [`AutomationError::NoSuchSchedule`]; storage and ledger errors.
    pub async fn run_schedule_now(
        &self,
        guild: GuildId,
        id: i64,
        actor: &str,
    ) -> Result<i64, AutomationError> {
        let current = self.scheduled(guild, id).await?;
        let now = self.clock.now();
        let payload = PostPayload {
            guild,
            schedule: id,
            generation: current.generation,
            due_at: now,
            once: true,
        };
        let job = self
            .ledger
            .schedule(NewJob::of(&payload, now).dedupe(format!("{id}:now:{}", now.0)))
            .await?;
        self.audit(guild, id, actor, "automation.schedule.run")
            .await?;
        Ok(job.id)
    }

    /// Deletes a scheduled message and its pending run.
    ///
    /// # Errors
    /// [`AutomationError::NoSuchSchedule`]; storage errors.
    pub async fn delete_schedule(
        &self,
        guild: GuildId,
        id: i64,
        actor: &str,
    ) -> Result<ScheduledMessage, AutomationError> {
        let current = self.scheduled(guild, id).await?;
        sqlx::query("DELETE FROM scheduled_messages WHERE guild_id = $1 AND id = $2")
            .bind(guild.to_db())
            .bind(id)
            .execute(self.db.pool())
            .await?;
        self.cancel_job(current.job_id).await;
        self.audit(guild, id, actor, "automation.schedule.delete")
            .await?;
        Ok(current)
    }

    /// Plans the run after a skipped one (automation switched off), posting nothing.
    async fn skip_run(
        &self,
        current: &ScheduledMessage,
        payload: &PostPayload,
    ) -> Result<JobOutcome, JobFailure> {
        let retry = |error: AutomationError| JobFailure::retry(error.to_string());
        let schedule = self.schedule_of(current).await.map_err(retry)?;
        let next = schedule.next_after(self.clock.now().max(payload.due_at));
        sqlx::query(
            "UPDATE scheduled_messages SET next_run_at = $1, job_id = NULL WHERE id = $2 AND generation = $3 AND next_run_at = $4",
        )
        .bind(next.map(|next| next.0))
        .bind(current.id)
        .bind(payload.generation)
        .bind(payload.due_at.0)
        .execute(self.db.pool())
        .await
        .map_err(|error| retry(error.into()))?;
        if let Some(next) = next {
            self.plan(payload.guild, current.id, payload.generation, next)
                .await
                .map_err(retry)?;
        }
        Ok(JobOutcome::Done)
    }

    /// Starts the automations that follow this scheduled message's posts.
    async fn flows_after_post(&self, posted: &ScheduledMessage) {
        let flows = match self.config.get(posted.guild).await {
            Ok(settings) => settings.automation.flows.clone(),
            Err(error) => {
                tracing::warn!(guild = %posted.guild, %error, "could not read the automations after a scheduled post");
                return;
            }
        };
        if flows.is_empty() {
            return;
        }
        let start = super::flows::FlowStart {
            guild: posted.guild,
            event: super::flows::FlowEvent::SchedulePosted {
                schedule: posted.id,
            },
            member: None,
            user_name: "",
            channel: Some(posted.channel),
        };
        if let Err(error) = self.start_flows(&flows, &start).await {
            tracing::warn!(guild = %posted.guild, %error, "could not start the automations after a scheduled post");
        }
    }

    async fn cancel_job(&self, job: Option<i64>) {
        if let Some(job) = job
            && let Err(error) = self.ledger.cancel(job).await
        {
            // Already run or cancelled: the generation check makes it a no-op anyway.
            tracing::debug!(job, %error, "scheduled message's job not cancelled");
        }
    }

    async fn audit(
        &self,
        guild: GuildId,
        id: i64,
        actor: &str,
        action: &str,
    ) -> Result<(), AutomationError> {
        audit::record(
            &self.db,
            self.clock.now(),
            actor,
            action,
            Some(guild),
            Some(&format!("schedule:{id}")),
            &serde_json::json!({}),
        )
        .await?;
        Ok(())
    }

    /// One run of [`POST_SCHEDULED`]: posts when the run is still current, records it, and
    /// plans the next run after now.
    async fn run_post(
        &self,
        sink: &dyn EffectSink,
        payload: &PostPayload,
    ) -> Result<JobOutcome, JobFailure> {
        let retry = |error: AutomationError| JobFailure::retry(error.to_string());
        let current = match self.scheduled(payload.guild, payload.schedule).await {
            Ok(current) => current,
            Err(AutomationError::NoSuchSchedule(_)) => return Ok(JobOutcome::Done),
            Err(error) => return Err(retry(error)),
        };
        if !payload.once
            && (current.paused
                || current.generation != payload.generation
                || current.next_run_at != Some(payload.due_at))
        {
            // Paused, resumed, deleted or already run: a stale timer.
            return Ok(JobOutcome::Done);
        }
        let switched_on = self
            .config
            .get(payload.guild)
            .await
            .map_err(|error| retry(error.into()))?
            .features
            .automation;
        if !switched_on && !payload.once {
            // Switched off: nothing is posted, and the schedule keeps its place (it posts again
            // from its next run once automation is back on).
            return self.skip_run(&current, payload).await;
        }
        let post = Effect::Announce {
            guild: payload.guild,
            channel: current.channel,
            message: current
                .post
                .message(Some(nonce(current.id, payload.due_at, payload.once))),
        };
        let now = self.clock.now();
        let outcome = sink.perform(Some(payload.guild), &post).await;
        let failure = match outcome {
            Ok(()) => None,
            Err(EffectError::Unavailable(message)) => return Err(JobFailure::retry(message)),
            Err(EffectError::Refused(message)) => Some(message),
        };
        if payload.once {
            sqlx::query(
                "UPDATE scheduled_messages SET runs = runs + $1, last_run_at = $2, last_error = $3, last_error_at = $4 WHERE id = $5",
            )
            .bind(i64::from(failure.is_none()))
            .bind(now.0)
            .bind(failure.clone())
            .bind(failure.as_ref().map(|_| now.0))
            .bind(current.id)
            .execute(self.db.pool())
            .await
            .map_err(|error| retry(error.into()))?;
        } else {
            let schedule = self.schedule_of(&current).await.map_err(|error| {
                JobFailure::permanent(format!(
                    "scheduled message #{} no longer has a valid schedule: {error}",
                    current.id
                ))
            })?;
            let next = schedule.next_after(now.max(payload.due_at));
            sqlx::query(
                "UPDATE scheduled_messages SET runs = runs + $1, last_run_at = $2, last_error = $3, last_error_at = $4, next_run_at = $5, job_id = NULL
                 WHERE id = $6 AND generation = $7 AND next_run_at = $8",
            )
            .bind(i64::from(failure.is_none()))
            .bind(now.0)
            .bind(failure.clone())
            .bind(failure.as_ref().map(|_| now.0))
            .bind(next.map(|next| next.0))
            .bind(current.id)
            .bind(payload.generation)
            .bind(payload.due_at.0)
            .execute(self.db.pool())
            .await
            .map_err(|error| retry(error.into()))?;
            if let Some(next) = next {
                self.plan(payload.guild, current.id, payload.generation, next)
                    .await
                    .map_err(retry)?;
            }
        }
        if failure.is_none() {
            self.flows_after_post(&current).await;
        }
        match failure {
            None => Ok(JobOutcome::Done),
            Some(message) => Err(JobFailure::permanent(format!(
                "scheduled message #{} “{}” was not posted in channel {}: {message}",
                current.id, current.name, current.channel
            ))),
        }
    }
}

/// Runs [`POST_SCHEDULED`] jobs.
#[derive(Debug)]
pub struct PostScheduled {
    service: Arc<AutomationService>,
    sink: Arc<dyn EffectSink>,
}

impl PostScheduled {
    /// The handler, posting through `sink`.
    pub fn new(service: Arc<AutomationService>, sink: Arc<dyn EffectSink>) -> Self {
        Self { service, sink }
    }
}

#[async_trait]
impl JobHandler for PostScheduled {
    type Job = PostPayload;

    async fn run(&self, payload: PostPayload, _: &JobRecord) -> Result<JobOutcome, JobFailure> {
        self.service.run_post(self.sink.as_ref(), &payload).await
    }
}
