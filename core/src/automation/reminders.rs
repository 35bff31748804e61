//! Reminders: `/remind in:<when> what:<text>`, delivered in the channel it was set in or by
//! DM, as the member chose, by a ledger job (`automation.remind`), so a restart delays a
//! reminder by at most the restart, never loses or doubles it (the post carries a nonce). A
//! reminder whose channel is gone, or where the bot may no longer post, comes by DM and says
//! so.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{NaiveDateTime, TimeZone};
use serde::{Deserialize, Serialize};
use sqlx::Row;

use super::service::{AutomationError, AutomationService};
use crate::clock::UnixMillis;
use crate::effect::{AllowedMentions, Effect, EffectError, EffectSink, OutgoingMessage};
use crate::ids::{ChannelId, GuildId, MessageId, UserId};
use crate::jobs::{Job, JobFailure, JobHandler, JobOutcome, JobRecord, NewJob};
use crate::text::{self, TextKind};

/// The job kind that delivers a reminder.
pub const DELIVER_REMINDER: &str = "automation.remind";
/// Longest reminder text, in characters.
pub const MAX_REMINDER_CHARS: usize = 1_500;

/// Where a reminder is delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Delivery {
    /// In the channel it was set in, mentioning the member.
    Channel,
    /// By direct message.
    Dm,
}

impl Delivery {
    fn as_str(self) -> &'static str {
        match self {
            Self::Channel => "channel",
            Self::Dm => "dm",
        }
    }
}

/// A reminder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reminder {
    /// Its number.
    pub id: i64,
    /// The guild it was set in.
    pub guild: GuildId,
    /// The channel it was set in.
    pub channel: ChannelId,
    /// The member.
    pub user: UserId,
    /// What to remind them of.
    pub text: String,
    /// Where it goes.
    pub deliver: Delivery,
    /// The message it was set from, linked in the delivery.
    pub source_message: Option<MessageId>,
    /// When it is due.
    pub due_at: UnixMillis,
    /// When it was set.
    pub created_at: UnixMillis,
    /// `pending`, `delivered`, `failed` or `cancelled`.
    pub state: String,
    /// When it was delivered.
    pub delivered_at: Option<UnixMillis>,
    /// How it was delivered, or why it could not be.
    pub outcome: Option<String>,
}

/// A reminder to set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewReminder {
    /// The guild.
    pub guild: GuildId,
    /// The channel it is set in.
    pub channel: ChannelId,
    /// The member.
    pub user: UserId,
    /// When, as the member typed it.
    pub when: String,
    /// What.
    pub text: String,
    /// Where it goes.
    pub deliver: Delivery,
    /// The message it was set from.
    pub source_message: Option<MessageId>,
}

/// The payload of a [`DELIVER_REMINDER`] job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemindPayload {
    /// The guild.
    pub guild: GuildId,
    /// The reminder.
    pub reminder: i64,
}

impl Job for RemindPayload {
    const KIND: &'static str = DELIVER_REMINDER;

    fn guild(&self) -> Option<GuildId> {
        Some(self.guild)
    }
}

const COLUMNS: &str = "id, guild_id, channel_id, user_id, text, deliver, source_message_id, due_at, created_at, state, delivered_at, outcome";

fn from_row(row: &sqlx::any::AnyRow) -> Result<Reminder, AutomationError> {
    let deliver: String = row.try_get("deliver")?;
    Ok(Reminder {
        id: row.try_get("id")?,
        guild: GuildId::from_db(row.try_get("guild_id")?),
        channel: ChannelId::from_db(row.try_get("channel_id")?),
        user: UserId::from_db(row.try_get("user_id")?),
        text: row.try_get("text")?,
        deliver: if deliver == "dm" {
            Delivery::Dm
        } else {
            Delivery::Channel
        },
        source_message: row
            .try_get::<Option<i64>, _>("source_message_id")?
            .map(MessageId::from_db),
        due_at: UnixMillis(row.try_get("due_at")?),
        created_at: UnixMillis(row.try_get("created_at")?),
        state: row.try_get("state")?,
        delivered_at: row
            .try_get::<Option<i64>, _>("delivered_at")?
            .map(UnixMillis),
        outcome: row.try_get("outcome")?,
    })
}

/// Reads when a reminder is due: a delay (`10m`, `2h 30m`, `in 3 days`, `+1w`), an RFC 3339
/// time, or a local date and time (`2026-12-24 18:00`) in `zone`.
///
/// # Errors
/// A sentence naming what was typed and the accepted forms.
pub fn parse_due(when: &str, now: UnixMillis, zone: &str) -> Result<UnixMillis, String> {
    let trimmed = when.trim();
    let delay = trimmed
        .strip_prefix('+')
        .or_else(|| trimmed.strip_prefix("in "))
        .unwrap_or(trimmed)
        .trim();
    if let Ok(duration) = humantime::parse_duration(delay) {
        return Ok(now.plus(duration));
    }
    if let Ok(at) = humantime::parse_rfc3339_weak(trimmed) {
        // `parse_rfc3339_weak` reads a time without a zone as UTC; only one that says its zone
        // (Z or an offset) is taken as written.
        if trimmed.ends_with('Z') || trimmed.ends_with('z') {
            return Ok(UnixMillis::from_system_time(at));
        }
    }
    if let Ok(at) = chrono::DateTime::parse_from_rfc3339(trimmed) {
        return Ok(UnixMillis(at.timestamp_millis()));
    }
    for format in ["%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S"] {
        if let Ok(local) = NaiveDateTime::parse_from_str(trimmed, format) {
            let tz: chrono_tz::Tz = zone.parse().unwrap_or(chrono_tz::UTC);
            let at = tz.from_local_datetime(&local).earliest().ok_or_else(|| {
                format!("`{trimmed}` does not exist in {zone} (the clocks skip it)")
            })?;
            return Ok(UnixMillis(at.timestamp_millis()));
        }
    }
    Err(format!(
        "`{trimmed}` is not a time I can read; use a delay such as 10m, 2h 30m or 3d, a date and time such as 2026-12-24 18:00 ({zone}), or RFC 3339 such as 2026-12-24T18:00:00Z"
    ))
}

impl AutomationService {
    /// Sets a reminder: checks the text, the time (in the future, within
    /// `automation.reminder_max_days`) and the member's limit, then schedules its delivery.
    ///
    /// # Errors
    /// [`AutomationError::Invalid`] naming the problem; storage and ledger errors (nothing is
    /// kept then).
    pub async fn remind(&self, new: NewReminder) -> Result<Reminder, AutomationError> {
        let settings = self.config.get(new.guild).await?;
        let section = &settings.automation;
        let text = new.text.trim();
        if text.is_empty() {
            return Err(AutomationError::Invalid(
                "a reminder needs a text: what should I remind you of?".into(),
            ));
        }
        let length = text.chars().count();
        if length > MAX_REMINDER_CHARS {
            return Err(AutomationError::Invalid(format!(
                "the reminder is {length} characters long; the limit is {MAX_REMINDER_CHARS}"
            )));
        }
        text::check("the reminder", text, TextKind::Prose)
            .map_err(|error| AutomationError::Invalid(error.to_string()))?;
        let now = self.clock.now();
        let due = parse_due(&new.when, now, &settings.general.timezone)
            .map_err(AutomationError::Invalid)?;
        if due.0 < now.0 + 1_000 {
            return Err(AutomationError::Invalid(format!(
                "`{}` is not in the future; a reminder needs a time at least a second ahead",
                new.when.trim()
            )));
        }
        let latest = now.plus(Duration::from_secs(
            u64::from(section.reminder_max_days) * 86_400,
        ));
        if due > latest {
            return Err(AutomationError::Invalid(format!(
                "a reminder may be at most {} days ahead in this server",
                section.reminder_max_days
            )));
        }
        let (waiting,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM reminders WHERE guild_id = $1 AND user_id = $2 AND state = 'pending'",
        )
        .bind(new.guild.to_db())
        .bind(new.user.to_db())
        .fetch_one(self.db.pool())
        .await?;
        if waiting >= i64::from(section.reminders_per_member) {
            return Err(AutomationError::Invalid(format!(
                "you have {waiting} reminders waiting, the most this server allows; cancel one with /remind cancel first"
            )));
        }
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO reminders (guild_id, channel_id, user_id, text, deliver, source_message_id, due_at, created_at, state)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending') RETURNING id",
        )
        .bind(new.guild.to_db())
        .bind(new.channel.to_db())
        .bind(new.user.to_db())
        .bind(text)
        .bind(new.deliver.as_str())
        .bind(new.source_message.map(MessageId::to_db))
        .bind(due.0)
        .bind(now.0)
        .fetch_one(self.db.pool())
        .await?;
        let payload = RemindPayload {
            guild: new.guild,
            reminder: id,
        };
        if let Err(error) = self
            .ledger
            .schedule(NewJob::of(&payload, due).dedupe(format!("reminder:{id}")))
            .await
        {
            let _ = sqlx::query("DELETE FROM reminders WHERE id = $1")
                .bind(id)
                .execute(self.db.pool())
                .await;
            return Err(error.into());
        }
        self.reminder(new.guild, id).await
    }

    /// One reminder of the guild.
    ///
    /// # Errors
    /// [`AutomationError::NoSuchReminder`]; storage errors.
    pub async fn reminder(&self, guild: GuildId, id: i64) -> Result<Reminder, AutomationError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM reminders WHERE guild_id = $1 AND id = $2"
        )))
        .bind(guild.to_db())
        .bind(id)
        .fetch_optional(self.db.pool())
        .await?
        .ok_or(AutomationError::NoSuchReminder(id))?;
        from_row(&row)
    }

    /// A member's waiting reminders in the guild, soonest first (`user: None`: everyone's).
    ///
    /// # Errors
    /// Storage errors.
    pub async fn reminders(
        &self,
        guild: GuildId,
        user: Option<UserId>,
    ) -> Result<Vec<Reminder>, AutomationError> {
        let rows = match user {
            Some(user) => {
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT {COLUMNS} FROM reminders WHERE guild_id = $1 AND state = 'pending' AND user_id = $2 ORDER BY due_at, id"
                )))
                .bind(guild.to_db())
                .bind(user.to_db())
                .fetch_all(self.db.pool())
                .await?
            }
            None => {
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT {COLUMNS} FROM reminders WHERE guild_id = $1 AND state = 'pending' ORDER BY due_at, id"
                )))
                .bind(guild.to_db())
                .fetch_all(self.db.pool())
                .await?
            }
        };
        rows.iter().map(from_row).collect()
    }

    /// Cancels a member's waiting reminder.
    ///
    /// # Errors
    /// [`AutomationError::NoSuchReminder`] for one that is not theirs or not waiting.
    pub async fn cancel_reminder(
        &self,
        guild: GuildId,
        user: UserId,
        id: i64,
    ) -> Result<Reminder, AutomationError> {
        let done = sqlx::query(
            "UPDATE reminders SET state = 'cancelled' WHERE guild_id = $1 AND user_id = $2 AND id = $3 AND state = 'pending'",
        )
        .bind(guild.to_db())
        .bind(user.to_db())
        .bind(id)
        .execute(self.db.pool())
        .await?;
        if done.rows_affected() == 0 {
            return Err(AutomationError::NoSuchReminder(id));
        }
        self.reminder(guild, id).await
    }

    async fn deliver_reminder(
        &self,
        sink: &dyn EffectSink,
        payload: &RemindPayload,
    ) -> Result<JobOutcome, JobFailure> {
        let retry = |error: AutomationError| JobFailure::retry(error.to_string());
        let reminder = match self.reminder(payload.guild, payload.reminder).await {
            Ok(reminder) => reminder,
            Err(AutomationError::NoSuchReminder(_)) => return Ok(JobOutcome::Done),
            Err(error) => return Err(retry(error)),
        };
        if reminder.state != "pending" {
            return Ok(JobOutcome::Done);
        }
        let link = reminder.source_message.map(|message| {
            format!(
                "https://discord.com/channels/{}/{}/{message}",
                reminder.guild, reminder.channel
            )
        });
        let set = reminder.created_at.0.div_euclid(1_000);
        let mut body = format!(
            "⏰ <@{}>, you asked me to remind you: {}\n-# Set <t:{set}:R>",
            reminder.user, reminder.text
        );
        if let Some(link) = &link {
            body.push_str(&format!(" · [the message]({link})"));
        }
        let message = |content: String, tag: &str| OutgoingMessage {
            content,
            allowed_mentions: AllowedMentions {
                users: vec![reminder.user],
                ..AllowedMentions::default()
            },
            nonce: Some(format!("{tag}{}", reminder.id)),
            ..OutgoingMessage::default()
        };
        let dm = |content: String| Effect::SendDirectMessage {
            user: reminder.user,
            message: message(content, "rd"),
        };
        let (state, outcome) = match reminder.deliver {
            Delivery::Channel => {
                let post = Effect::SendMessage {
                    channel: reminder.channel,
                    message: message(body.clone(), "r"),
                };
                match sink.perform(Some(reminder.guild), &post).await {
                    Ok(()) => ("delivered", format!("in channel {}", reminder.channel)),
                    Err(EffectError::Unavailable(message)) => {
                        return Err(JobFailure::retry(message));
                    }
                    Err(EffectError::Refused(why)) => {
                        let fallback = format!(
                            "{body}\n-# I could not post this in <#{}> (the channel is gone, or I may no longer post there), so it comes by DM.",
                            reminder.channel
                        );
                        match sink.perform(Some(reminder.guild), &dm(fallback)).await {
                            Ok(()) => (
                                "delivered",
                                format!("by DM: the channel could not be used ({why})"),
                            ),
                            Err(EffectError::Unavailable(message)) => {
                                return Err(JobFailure::retry(message));
                            }
                            Err(EffectError::Refused(dm_why)) => (
                                "failed",
                                format!(
                                    "not delivered: the channel refused ({why}) and so did the DM ({dm_why})"
                                ),
                            ),
                        }
                    }
                }
            }
            Delivery::Dm => match sink.perform(Some(reminder.guild), &dm(body)).await {
                Ok(()) => ("delivered", "by DM".to_owned()),
                Err(EffectError::Unavailable(message)) => return Err(JobFailure::retry(message)),
                Err(EffectError::Refused(why)) => (
                    "failed",
                    format!(
                        "not delivered: the DM was refused ({why}); the member may have DMs closed"
                    ),
                ),
            },
        };
        sqlx::query(
            "UPDATE reminders SET state = $1, delivered_at = $2, outcome = $3 WHERE id = $4 AND state = 'pending'",
        )
        .bind(state)
        .bind(self.clock.now().0)
        .bind(&outcome)
        .bind(reminder.id)
        .execute(self.db.pool())
        .await
        .map_err(|error| retry(error.into()))?;
        if state == "failed" {
            return Err(JobFailure::permanent(format!(
                "reminder #{} for member {}: {outcome}",
                reminder.id, reminder.user
            )));
        }
        Ok(JobOutcome::Done)
    }
}

/// Runs [`DELIVER_REMINDER`] jobs.
#[derive(Debug)]
pub struct DeliverReminder {
    service: Arc<AutomationService>,
    sink: Arc<dyn EffectSink>,
}

impl DeliverReminder {
    /// The handler, delivering through `sink`.
    pub fn new(service: Arc<AutomationService>, sink: Arc<dyn EffectSink>) -> Self {
        Self { service, sink }
    }
}

#[async_trait]
impl JobHandler for DeliverReminder {
    type Job = RemindPayload;

    async fn run(&self, payload: RemindPayload, _: &JobRecord) -> Result<JobOutcome, JobFailure> {
        self.service
            .deliver_reminder(self.sink.as_ref(), &payload)
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_delays_and_times_in_the_guilds_zone() {
        let now = UnixMillis(1_790_000_000_000);
        assert_eq!(
            parse_due("3s", now, "UTC"),
            Ok(now.plus(Duration::from_secs(3)))
        );
        assert_eq!(
            parse_due("in 2h 30m", now, "UTC"),
            Ok(now.plus(Duration::from_secs(9_000)))
        );
        assert_eq!(
            parse_due("2026-12-24T18:00:00Z", now, "Europe/Berlin"),
            Ok(UnixMillis(1_798_135_200_000))
        );
        // 18:00 in Berlin in winter is 17:00 UTC.
        assert_eq!(
            parse_due("2026-12-24 18:00", now, "Europe/Berlin"),
            Ok(UnixMillis(1_798_131_600_000))
        );
        let error = parse_due("tomorrowish", now, "UTC").unwrap_err();
        assert!(error.contains("10m"), "{error}");
    }
}
