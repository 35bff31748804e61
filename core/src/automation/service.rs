//! [`AutomationService`]: scheduled messages ([`super::scheduled`]), reminders
//! ([`super::reminders`]) and the guild's triggers ([`super::settings`]), with the premium
//! gate and the tier's limits applied where each starts.

use std::sync::Arc;

use serde_json::Value;

use super::schedule::{Schedule, ScheduleError};
use super::settings::{AutomationSettings, MatchKind, Trigger};
use crate::clock::{SharedClock, UnixMillis};
use crate::coordination::Coordination;
use crate::db::{Db, DbError};
use crate::guild_config::{GuildConfigError, GuildConfigService, Section};
use crate::ids::GuildId;
use crate::jobs::{JobLedger, JobLedgerError};
use crate::premium::{LimitKind, LimitReached, Perk, PremiumRequired, PremiumService};

/// Why an automation request was refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum AutomationError {
    /// The input is wrong; the message says what is accepted.
    #[error("{0}")]
    Invalid(String),
    /// The schedule does not parse; the message names the field.
    #[error(transparent)]
    Schedule(#[from] ScheduleError),
    /// No such scheduled message in this guild.
    #[error("there is no scheduled message #{0} in this server")]
    NoSuchSchedule(i64),
    /// No such reminder of this member.
    #[error("you have no waiting reminder #{0}")]
    NoSuchReminder(i64),
    /// No such trigger in this guild.
    #[error("there is no trigger called `{0}` in this server")]
    NoSuchTrigger(String),
    /// The guild's tier lacks the perk.
    #[error(transparent)]
    Premium(#[from] PremiumRequired),
    /// The guild has as many as its tier allows.
    #[error(transparent)]
    Limit(#[from] LimitReached),
    /// The settings refused the change (a channel or role of another guild, a conflict).
    #[error(transparent)]
    Settings(#[from] GuildConfigError),
    /// Storage failed.
    #[error(transparent)]
    Storage(#[from] DbError),
    /// The job ledger failed.
    #[error(transparent)]
    Jobs(#[from] JobLedgerError),
}

impl From<sqlx::Error> for AutomationError {
    fn from(error: sqlx::Error) -> Self {
        Self::Storage(error.into())
    }
}

/// Scheduled messages, reminders and triggers.
#[derive(Debug)]
pub struct AutomationService {
    pub(super) db: Db,
    pub(super) clock: SharedClock,
    pub(super) ledger: JobLedger,
    pub(super) config: Arc<GuildConfigService>,
    pub(super) premium: Arc<PremiumService>,
    pub(super) coordination: Arc<dyn Coordination>,
}

/// What a schedule will do, shown before it is saved.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Preview {
    /// The expression, as parsed.
    pub expression: String,
    /// The time zone it runs in.
    pub zone: String,
    /// In words ("At 09:00 on Monday (Europe/Berlin)").
    pub description: String,
    /// The next five runs.
    pub next: Vec<UnixMillis>,
}

impl AutomationService {
    /// Builds the service.
    pub fn new(
        db: Db,
        clock: SharedClock,
        ledger: JobLedger,
        config: Arc<GuildConfigService>,
        premium: Arc<PremiumService>,
        coordination: Arc<dyn Coordination>,
    ) -> Self {
        Self {
            db,
            clock,
            ledger,
            config,
            premium,
            coordination,
        }
    }

    /// The clock's now.
    pub fn now(&self) -> UnixMillis {
        self.clock.now()
    }

    /// The coordination port (trigger cooldowns).
    pub fn coordination(&self) -> &Arc<dyn Coordination> {
        &self.coordination
    }

    /// The guild's time zone (`general.timezone`).
    ///
    /// # Errors
    /// Storage errors.
    pub async fn guild_zone(&self, guild: GuildId) -> Result<String, AutomationError> {
        Ok(self.config.get(guild).await?.general.timezone.clone())
    }

    /// Parses `expression` in `zone` (the guild's when `None` or empty) and shows what it
    /// will do: its description and next five runs.
    ///
    /// # Errors
    /// [`AutomationError::Schedule`] naming the field at fault or the unknown zone.
    pub async fn preview(
        &self,
        guild: GuildId,
        expression: &str,
        zone: Option<&str>,
    ) -> Result<Preview, AutomationError> {
        let zone = match zone.map(str::trim).filter(|zone| !zone.is_empty()) {
            Some(zone) => zone.to_owned(),
            None => self.guild_zone(guild).await?,
        };
        let schedule = Schedule::parse(expression, &zone)?;
        Ok(Preview {
            expression: schedule.expression().to_owned(),
            zone: schedule.zone().to_owned(),
            description: schedule.describe(),
            next: schedule.next_runs(self.clock.now(), 5),
        })
    }

    /// The guild's `automation` settings.
    ///
    /// # Errors
    /// Storage errors.
    pub async fn settings(&self, guild: GuildId) -> Result<AutomationSettings, AutomationError> {
        Ok(self.config.get(guild).await?.automation.clone())
    }

    /// Whether the guild's tier runs regex triggers.
    pub fn regex_allowed(&self, guild: GuildId) -> bool {
        self.premium.allows(guild, Perk::RegexTriggers)
    }

    /// Adds a trigger, or replaces the one with the same name when `replace` is set. A regex
    /// trigger needs premium; a new trigger counts against the tier's limit.
    ///
    /// # Errors
    /// [`AutomationError::Premium`], [`AutomationError::Limit`], [`AutomationError::Invalid`]
    /// (the trigger's problem, or a name taken), settings errors (a channel or role of another
    /// guild).
    pub async fn save_trigger(
        &self,
        guild: GuildId,
        trigger: Trigger,
        replace: bool,
        actor: &str,
    ) -> Result<Trigger, AutomationError> {
        trigger.check().map_err(AutomationError::Invalid)?;
        if trigger.kind == MatchKind::Regex {
            self.premium.require(guild, Perk::RegexTriggers)?;
        }
        let settings = self.config.reload(guild).await?;
        let version = settings.version(AutomationSettings::NAME);
        let mut section = settings.automation.clone();
        match section.trigger(&trigger.name) {
            Some((index, _)) if replace => section.triggers[index] = trigger.clone(),
            Some(_) => {
                return Err(AutomationError::Invalid(format!(
                    "there is already a trigger called `{}`; pick another name or edit that one",
                    trigger.name.trim()
                )));
            }
            None => {
                self.premium.check_limit(
                    guild,
                    LimitKind::Triggers,
                    section.triggers.len() as u64,
                )?;
                section.triggers.push(trigger.clone());
            }
        }
        self.write_section(guild, &section, version, actor).await?;
        Ok(trigger)
    }

    /// Removes the trigger called `name`.
    ///
    /// # Errors
    /// [`AutomationError::NoSuchTrigger`]; settings errors.
    pub async fn remove_trigger(
        &self,
        guild: GuildId,
        name: &str,
        actor: &str,
    ) -> Result<Trigger, AutomationError> {
        let settings = self.config.reload(guild).await?;
        let version = settings.version(AutomationSettings::NAME);
        let mut section = settings.automation.clone();
        let (index, _) = section
            .trigger(name)
            .ok_or_else(|| AutomationError::NoSuchTrigger(name.trim().to_owned()))?;
        let removed = section.triggers.remove(index);
        self.write_section(guild, &section, version, actor).await?;
        Ok(removed)
    }

    /// Switches the trigger called `name` on or off. Switching a regex trigger on needs
    /// premium.
    ///
    /// # Errors
    /// [`AutomationError::NoSuchTrigger`], [`AutomationError::Premium`]; settings errors.
    pub async fn set_trigger_enabled(
        &self,
        guild: GuildId,
        name: &str,
        enabled: bool,
        actor: &str,
    ) -> Result<Trigger, AutomationError> {
        let settings = self.config.reload(guild).await?;
        let version = settings.version(AutomationSettings::NAME);
        let mut section = settings.automation.clone();
        let (index, trigger) = section
            .trigger(name)
            .ok_or_else(|| AutomationError::NoSuchTrigger(name.trim().to_owned()))?;
        if enabled && trigger.kind == MatchKind::Regex {
            self.premium.require(guild, Perk::RegexTriggers)?;
        }
        section.triggers[index].enabled = enabled;
        let changed = section.triggers[index].clone();
        self.write_section(guild, &section, version, actor).await?;
        Ok(changed)
    }

    pub(super) async fn write_section(
        &self,
        guild: GuildId,
        section: &AutomationSettings,
        version: i64,
        actor: &str,
    ) -> Result<(), AutomationError> {
        let value: Value = serde_json::to_value(section)
            .map_err(|error| AutomationError::Invalid(format!("unreadable triggers: {error}")))?;
        self.config
            .set_section(guild, AutomationSettings::NAME, value, actor, Some(version))
            .await?;
        Ok(())
    }
}
