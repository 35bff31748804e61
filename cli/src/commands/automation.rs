//! `guildhall automation schedules|triggers|flows|reminders`: a guild's scheduled messages (list, show
//! one with its schedule in words and its next runs, pause, resume, run now, delete), its
//! triggers (list, show, enable, disable, remove, and a test of a sample message through the
//! trigger engine), its automations ("flows": list, show, remove, their runs and one run's
//! history, in `automation/flows.rs`) and its members' waiting reminders. Guilds are named by id or by their exact
//! name; channels, roles and members are shown by name from the guild snapshot (`--json` keeps
//! ids).
//!
//! Every change goes through `core.automation` as the operator (`operator:<login>`), which
//! audits it (schedules) or records it in the settings history (triggers). `schedules run` puts
//! a one-off post on the job ledger: the running bot's worker posts it.

use anyhow::Context as _;
use chrono::TimeZone as _;
use clap::Subcommand;
use guildhall_core::automation::reminders::Reminder;
use guildhall_core::automation::template::Values;
use guildhall_core::automation::{MatchKind, ScheduledMessage, Trigger, triggers};
use guildhall_core::clock::UnixMillis;
use guildhall_core::ids::{ChannelId, GuildId, UserId};
use guildhall_core::references::ChannelKind;
use serde_json::{Value, json};

use crate::app::{self, GlobalOptions, Services};
use crate::output::{self, Named, Table};

mod flows;

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scheduled messages: list, show, pause, resume, run now, delete.
    #[command(subcommand)]
    Schedules(SchedulesCommand),
    /// Triggers: list, show, enable, disable, remove, test a sample message.
    #[command(subcommand)]
    Triggers(TriggersCommand),
    /// Members' waiting reminders.
    #[command(subcommand)]
    Reminders(RemindersCommand),
    /// Automations (an event, conditions, steps): list, show, remove, their runs, one run's
    /// history.
    #[command(subcommand)]
    Flows(flows::FlowsCommand),
}

#[derive(Debug, Subcommand)]
pub enum SchedulesCommand {
    /// The guild's scheduled messages, with their schedule in words and their next run.
    List {
        /// The guild: its id, or its exact name.
        guild: String,
    },
    /// One scheduled message: channel, schedule in words, time zone, the next five runs, its
    /// last run and last error.
    Show {
        /// The guild: its id, or its exact name.
        guild: String,
        /// The scheduled message's number.
        id: i64,
    },
    /// Pauses a scheduled message: its pending run is cancelled; it is kept.
    Pause {
        /// The guild: its id, or its exact name.
        guild: String,
        /// The scheduled message's number.
        id: i64,
    },
    /// Resumes a paused scheduled message from its next run after now.
    Resume {
        /// The guild: its id, or its exact name.
        guild: String,
        /// The scheduled message's number.
        id: i64,
    },
    /// Posts a scheduled message once, now, through the job ledger (the running bot posts it);
    /// its schedule is unchanged.
    Run {
        /// The guild: its id, or its exact name.
        guild: String,
        /// The scheduled message's number.
        id: i64,
    },
    /// Deletes a scheduled message and its pending run.
    Delete {
        /// The guild: its id, or its exact name.
        guild: String,
        /// The scheduled message's number.
        id: i64,
    },
}

#[derive(Debug, Subcommand)]
pub enum TriggersCommand {
    /// The guild's triggers, in the order they are checked.
    List {
        /// The guild: its id, or its exact name.
        guild: String,
    },
    /// One trigger: its pattern, response, filters, actions and cooldown.
    Show {
        /// The guild: its id, or its exact name.
        guild: String,
        /// The trigger's name.
        name: String,
    },
    /// Switches a trigger on (a regex trigger needs premium).
    Enable {
        /// The guild: its id, or its exact name.
        guild: String,
        /// The trigger's name.
        name: String,
    },
    /// Switches a trigger off; it is kept.
    Disable {
        /// The guild: its id, or its exact name.
        guild: String,
        /// The trigger's name.
        name: String,
    },
    /// Removes a trigger.
    Remove {
        /// The guild: its id, or its exact name.
        guild: String,
        /// The trigger's name.
        name: String,
    },
    /// Runs a sample message through the guild's triggers (no cooldowns): which one fires,
    /// its response filled in, what else it does, and which others match too.
    Test {
        /// The guild: its id, or its exact name.
        guild: String,
        /// The sample message.
        sample: String,
        /// The channel it is sent in: its name (`general`, `#general`) or id; the guild's
        /// first text channel when not given.
        #[arg(long)]
        channel: Option<String>,
        /// The member who sends it (their roles apply to role filters); the guild's owner when
        /// not given.
        #[arg(long)]
        member: Option<UserId>,
    },
}

#[derive(Debug, Subcommand)]
pub enum RemindersCommand {
    /// The guild's waiting reminders, the soonest first.
    List {
        /// The guild: its id, or its exact name.
        guild: String,
        /// Only this member's.
        #[arg(long)]
        member: Option<UserId>,
    },
}

pub async fn run(options: &GlobalOptions, command: Command) -> anyhow::Result<()> {
    let settings = app::load_settings(options)?;
    let services = Services::open(&settings).await?;
    match command {
        Command::Schedules(command) => schedules(options, &services, command).await,
        Command::Triggers(command) => triggers_command(options, &services, command).await,
        Command::Flows(command) => flows::run(options, &services, command).await,
        Command::Reminders(RemindersCommand::List { guild, member }) => {
            let (guild, name) = app::resolve_known_guild(&services, &guild).await?;
            let reminders = services
                .automation
                .reminders(guild, member)
                .await
                .map_err(|error| anyhow::anyhow!("{name}: {error}"))?;
            if options.json {
                return output::json(&reminders);
            }
            print_reminders(&services, guild, &name, member, &reminders).await
        }
    }
}

/// A time in a zone, as people there read it: `Mon 2027-01-18 09:00 CET`.
fn local(at: UnixMillis, zone: &str) -> String {
    let tz: chrono_tz::Tz = zone.parse().unwrap_or(chrono_tz::UTC);
    tz.timestamp_millis_opt(at.0).single().map_or_else(
        || at.to_rfc3339(),
        |time| time.format("%a %Y-%m-%d %H:%M %Z").to_string(),
    )
}

/// A duration in its two largest units: `45s`, `3m 20s`, `2h 5m`, `3d 4h`.
fn short_duration(duration: std::time::Duration) -> String {
    const UNITS: [(u64, &str); 4] = [(86_400, "d"), (3_600, "h"), (60, "m"), (1, "s")];
    let seconds = duration.as_secs();
    let first = UNITS
        .iter()
        .position(|(size, _)| seconds >= *size)
        .unwrap_or(UNITS.len() - 1);
    let (size, name) = UNITS[first];
    let mut text = format!("{}{name}", seconds / size);
    if let Some((next_size, next_name)) = UNITS.get(first + 1) {
        let next = seconds % size / next_size;
        if next > 0 {
            text.push_str(&format!(" {next}{next_name}"));
        }
    }
    text
}

/// `in 2h 5m`, `3d 4h ago`.
fn relative(at: UnixMillis, now: UnixMillis) -> String {
    if at.0.abs_diff(now.0) < 1_000 {
        "now".into()
    } else if at >= now {
        format!("in {}", short_duration(at.since(now)))
    } else {
        format!("{} ago", short_duration(now.since(at)))
    }
}

/// What a list and `show` say about a schedule: its zone and description, or why it cannot be
/// read.
struct Described {
    zone: String,
    description: String,
    next: Vec<UnixMillis>,
}

async fn describe(
    services: &Services,
    scheduled: &ScheduledMessage,
    runs: usize,
) -> Result<Described, String> {
    let schedule = services
        .automation
        .schedule_of(scheduled)
        .await
        .map_err(|error| error.to_string())?;
    let next = if scheduled.paused {
        Vec::new()
    } else {
        schedule.next_runs(services.clock.now(), runs)
    };
    Ok(Described {
        zone: schedule.zone().to_owned(),
        description: schedule.describe(),
        next,
    })
}

/// A scheduled message as JSON: its row (ids) with its description and next runs.
fn schedule_json(scheduled: &ScheduledMessage, described: &Result<Described, String>) -> Value {
    let mut value = serde_json::to_value(scheduled).unwrap_or(Value::Null);
    if let Value::Object(map) = &mut value {
        match described {
            Ok(described) => {
                map.insert("zone".into(), json!(described.zone));
                map.insert("description".into(), json!(described.description));
                map.insert("next_runs".into(), json!(described.next));
            }
            Err(error) => {
                map.insert("schedule_error".into(), json!(error));
            }
        }
    }
    value
}

async fn schedules(
    options: &GlobalOptions,
    services: &Services,
    command: SchedulesCommand,
) -> anyhow::Result<()> {
    let automation = &services.automation;
    let actor = app::operator();
    let now = services.clock.now();
    match command {
        SchedulesCommand::List { guild } => {
            let (guild, name) = app::resolve_known_guild(services, &guild).await?;
            let list = automation
                .schedules(guild)
                .await
                .map_err(|error| anyhow::anyhow!("{name}: {error}"))?;
            let mut described = Vec::with_capacity(list.len());
            for scheduled in &list {
                described.push(describe(services, scheduled, 1).await);
            }
            if options.json {
                let rows: Vec<Value> = list
                    .iter()
                    .zip(&described)
                    .map(|(scheduled, described)| schedule_json(scheduled, described))
                    .collect();
                return output::json(&rows);
            }
            if list.is_empty() {
                println!("{name} has no scheduled messages");
                return Ok(());
            }
            let named = Named::load(services, guild).await?;
            let mut table = Table::new(&["ID", "NAME", "CHANNEL", "SCHEDULE", "NEXT RUN", "STATE"]);
            for (scheduled, described) in list.iter().zip(&described) {
                let (schedule, next) = match described {
                    Ok(described) => (
                        described.description.clone(),
                        scheduled.next_run_at.map_or_else(
                            || "-".to_owned(),
                            |at| format!("{} ({})", local(at, &described.zone), relative(at, now)),
                        ),
                    ),
                    Err(error) => (
                        format!("{} (unreadable: {error})", scheduled.cron),
                        "-".into(),
                    ),
                };
                table.row(vec![
                    scheduled.id.to_string(),
                    scheduled.name.clone(),
                    named.channel(scheduled.channel),
                    schedule,
                    next,
                    state(scheduled),
                ]);
            }
            table.print();
            Ok(())
        }
        SchedulesCommand::Show { guild, id } => {
            let (guild, name) = app::resolve_known_guild(services, &guild).await?;
            let scheduled = automation
                .scheduled(guild, id)
                .await
                .map_err(|error| anyhow::anyhow!("{name}: {error}"))?;
            let described = describe(services, &scheduled, 5).await;
            if options.json {
                return output::json(&schedule_json(&scheduled, &described));
            }
            let named = Named::load(services, guild).await?;
            println!(
                "scheduled message #{} “{}” in {name}",
                scheduled.id, scheduled.name
            );
            println!("  channel      {}", named.channel(scheduled.channel));
            match &described {
                Ok(described) => {
                    println!(
                        "  schedule     {} — {}",
                        scheduled.cron, described.description
                    );
                    println!(
                        "  time zone    {}{}",
                        described.zone,
                        if scheduled.timezone.is_none() {
                            " (the server's)"
                        } else {
                            " (its own)"
                        }
                    );
                }
                Err(error) => println!("  schedule     {} (unreadable: {error})", scheduled.cron),
            }
            println!("  state        {}", state(&scheduled));
            let zone = described
                .as_ref()
                .map_or("UTC", |described| described.zone.as_str());
            match &described {
                Ok(described) if !described.next.is_empty() => {
                    for (index, at) in described.next.iter().enumerate() {
                        println!(
                            "  {}{} ({})",
                            if index == 0 {
                                "next runs    "
                            } else {
                                "             "
                            },
                            local(*at, zone),
                            relative(*at, now)
                        );
                    }
                }
                _ if scheduled.paused => {
                    println!("  next runs    none while paused (`resume` plans the next one)");
                }
                _ => println!("  next runs    none: the schedule never runs again"),
            }
            println!(
                "  last run     {}",
                scheduled.last_run_at.map_or_else(
                    || "never".to_owned(),
                    |at| format!("{} ({})", local(at, zone), relative(at, now))
                )
            );
            println!("  runs         {}", scheduled.runs);
            match (&scheduled.last_error, scheduled.last_error_at) {
                (Some(error), at) => println!(
                    "  last error   {error}{}",
                    at.map(|at| format!(" ({})", relative(at, now)))
                        .unwrap_or_default()
                ),
                (None, _) => println!("  last error   none"),
            }
            println!("  message      {}", scheduled.post.summary());
            println!(
                "  created      by {} {}",
                scheduled.created_by,
                relative(scheduled.created_at, now)
            );
            Ok(())
        }
        SchedulesCommand::Pause { guild, id } => {
            let (guild, name) = app::resolve_known_guild(services, &guild).await?;
            let paused = automation
                .pause_schedule(guild, id, &actor)
                .await
                .map_err(|error| anyhow::anyhow!("{name}: {error}"))?;
            if options.json {
                return output::json(&paused);
            }
            println!(
                "paused scheduled message #{id} “{}” in {name}; it is kept and posts nothing until resumed",
                paused.name
            );
            Ok(())
        }
        SchedulesCommand::Resume { guild, id } => {
            let (guild, name) = app::resolve_known_guild(services, &guild).await?;
            let resumed = automation
                .resume_schedule(guild, id, &actor)
                .await
                .map_err(|error| anyhow::anyhow!("{name}: {error}"))?;
            if options.json {
                return output::json(&resumed);
            }
            let zone = describe(services, &resumed, 1)
                .await
                .map_or_else(|_| "UTC".to_owned(), |described| described.zone);
            println!(
                "resumed scheduled message #{id} “{}” in {name}; next run {}",
                resumed.name,
                resumed.next_run_at.map_or_else(
                    || "none".to_owned(),
                    |at| format!("{} ({})", local(at, &zone), relative(at, now))
                )
            );
            Ok(())
        }
        SchedulesCommand::Run { guild, id } => {
            let (guild, name) = app::resolve_known_guild(services, &guild).await?;
            let scheduled = automation
                .scheduled(guild, id)
                .await
                .map_err(|error| anyhow::anyhow!("{name}: {error}"))?;
            let job = automation
                .run_schedule_now(guild, id, &actor)
                .await
                .map_err(|error| anyhow::anyhow!("{name}: {error}"))?;
            if options.json {
                return output::json(&json!({ "schedule": id, "job": job }));
            }
            println!(
                "scheduled message #{id} “{}” is queued to post now (job {job}); the running bot posts it. Its schedule is unchanged.",
                scheduled.name
            );
            Ok(())
        }
        SchedulesCommand::Delete { guild, id } => {
            let (guild, name) = app::resolve_known_guild(services, &guild).await?;
            let deleted = automation
                .delete_schedule(guild, id, &actor)
                .await
                .map_err(|error| anyhow::anyhow!("{name}: {error}"))?;
            if options.json {
                return output::json(&deleted);
            }
            println!(
                "deleted scheduled message #{id} “{}” in {name} and its pending run",
                deleted.name
            );
            Ok(())
        }
    }
}

fn state(scheduled: &ScheduledMessage) -> String {
    match (&scheduled.paused, &scheduled.last_error) {
        (true, _) => "paused".into(),
        (false, Some(_)) => "running (last run failed)".into(),
        (false, None) => "running".into(),
    }
}

/// A trigger's filters in words: `in #general, #help · for @Staff`, or `everywhere`.
fn filters(named: &Named, trigger: &Trigger) -> String {
    let mut parts = Vec::new();
    if !trigger.channels.is_empty() {
        let channels: Vec<String> = trigger.channels.iter().map(|c| named.channel(*c)).collect();
        parts.push(format!("in {}", channels.join(", ")));
    }
    if !trigger.roles.is_empty() {
        let roles: Vec<String> = trigger.roles.iter().map(|r| named.role(*r)).collect();
        parts.push(format!("for {}", roles.join(", ")));
    }
    if parts.is_empty() {
        "everywhere".into()
    } else {
        parts.join(" · ")
    }
}

/// What a trigger does besides answering, in words.
fn actions(named: &Named, trigger: &Trigger) -> Vec<String> {
    let mut actions = Vec::new();
    if let Some(emoji) = &trigger.react {
        actions.push(format!("react with {emoji}"));
    }
    if let Some(role) = trigger.add_role {
        actions.push(format!("give {}", named.role(role)));
    }
    if let Some(role) = trigger.remove_role {
        actions.push(format!("take {}", named.role(role)));
    }
    if trigger.delete_message {
        actions.push("delete the message".into());
    }
    actions
}

fn cooldown(trigger: &Trigger) -> String {
    if trigger.cooldown_secs == 0 {
        "none".into()
    } else {
        format!(
            "{} per {}",
            humantime::format_duration(std::time::Duration::from_secs(u64::from(
                trigger.cooldown_secs
            ))),
            trigger.cooldown_per.as_str()
        )
    }
}

/// The trigger called `name`, or an error naming the triggers there are.
fn find<'a>(triggers: &'a [Trigger], guild_name: &str, name: &str) -> anyhow::Result<&'a Trigger> {
    triggers
        .iter()
        .find(|trigger| trigger.name.trim().eq_ignore_ascii_case(name.trim()))
        .ok_or_else(|| no_such_trigger(triggers, guild_name, name))
}

fn no_such_trigger(triggers: &[Trigger], guild_name: &str, name: &str) -> anyhow::Error {
    if triggers.is_empty() {
        anyhow::anyhow!(
            "{guild_name} has no trigger called `{}`: it has no triggers at all",
            name.trim()
        )
    } else {
        anyhow::anyhow!(
            "{guild_name} has no trigger called `{}`; its triggers are {}",
            name.trim(),
            triggers
                .iter()
                .map(|trigger| format!("`{}`", trigger.name))
                .collect::<Vec<_>>()
                .join(", ")
        )
    }
}

async fn triggers_command(
    options: &GlobalOptions,
    services: &Services,
    command: TriggersCommand,
) -> anyhow::Result<()> {
    let automation = &services.automation;
    let actor = app::operator();
    match command {
        TriggersCommand::List { guild } => {
            let (guild, name) = app::resolve_known_guild(services, &guild).await?;
            let settings = automation.settings(guild).await?;
            let regex_allowed = automation.regex_allowed(guild);
            if options.json {
                return output::json(&json!({
                    "triggers": settings.triggers,
                    "regex_allowed": regex_allowed,
                }));
            }
            if settings.triggers.is_empty() {
                println!("{name} has no triggers");
                return Ok(());
            }
            let named = Named::load(services, guild).await?;
            let mut table = Table::new(&[
                "NAME", "STATE", "MATCH", "PATTERN", "RESPONSE", "WHERE", "ALSO", "COOLDOWN",
            ]);
            for trigger in &settings.triggers {
                let state = if !trigger.enabled {
                    "off"
                } else if trigger.kind == MatchKind::Regex && !regex_allowed {
                    "paused (premium)"
                } else {
                    "on"
                };
                let also = actions(&named, trigger);
                table.row(vec![
                    trigger.name.clone(),
                    state.into(),
                    trigger.kind.as_str().into(),
                    short(&trigger.pattern, 30),
                    if trigger.response.trim().is_empty() {
                        "-".into()
                    } else {
                        short(&trigger.response, 40)
                    },
                    filters(&named, trigger),
                    if also.is_empty() {
                        "-".into()
                    } else {
                        also.join(", ")
                    },
                    cooldown(trigger),
                ]);
            }
            table.print();
            Ok(())
        }
        TriggersCommand::Show {
            guild,
            name: trigger_name,
        } => {
            let (guild, name) = app::resolve_known_guild(services, &guild).await?;
            let settings = automation.settings(guild).await?;
            let trigger = find(&settings.triggers, &name, &trigger_name)?;
            let regex_allowed = automation.regex_allowed(guild);
            if options.json {
                return output::json(trigger);
            }
            let named = Named::load(services, guild).await?;
            let position = settings
                .triggers
                .iter()
                .position(|t| t.name == trigger.name)
                .unwrap_or_default();
            println!(
                "trigger “{}” in {name} (checked {} of {})",
                trigger.name,
                ordinal(position + 1),
                settings.triggers.len()
            );
            println!(
                "  state        {}",
                if !trigger.enabled {
                    "off"
                } else if trigger.kind == MatchKind::Regex && !regex_allowed {
                    "on, but paused: regex triggers need premium"
                } else {
                    "on"
                }
            );
            println!(
                "  matches      {} `{}`{}",
                trigger.kind.title(),
                trigger.pattern,
                if trigger.case_sensitive {
                    " (letter case exactly)"
                } else {
                    ""
                }
            );
            println!(
                "  response     {}{}",
                if trigger.response.trim().is_empty() {
                    "none (an action-only trigger)"
                } else {
                    trigger.response.as_str()
                },
                if trigger.embed { " (in an embed)" } else { "" }
            );
            let also = actions(&named, trigger);
            println!(
                "  also         {}",
                if also.is_empty() {
                    "nothing".to_owned()
                } else {
                    also.join(", ")
                }
            );
            println!("  where        {}", filters(&named, trigger));
            println!("  cooldown     {}", cooldown(trigger));
            Ok(())
        }
        TriggersCommand::Enable {
            guild,
            name: trigger_name,
        } => switch(options, services, &guild, &trigger_name, true, &actor).await,
        TriggersCommand::Disable {
            guild,
            name: trigger_name,
        } => switch(options, services, &guild, &trigger_name, false, &actor).await,
        TriggersCommand::Remove {
            guild,
            name: trigger_name,
        } => {
            let (guild, name) = app::resolve_known_guild(services, &guild).await?;
            let settings = automation.settings(guild).await?;
            find(&settings.triggers, &name, &trigger_name)?;
            let removed = automation
                .remove_trigger(guild, &trigger_name, &actor)
                .await
                .map_err(|error| anyhow::anyhow!("{name}: {error}"))?;
            if options.json {
                return output::json(&removed);
            }
            println!(
                "removed trigger “{}” from {name} (the settings history keeps it: `guildhall config history`)",
                removed.name
            );
            Ok(())
        }
        TriggersCommand::Test {
            guild,
            sample,
            channel,
            member,
        } => {
            test(
                options,
                services,
                &guild,
                &sample,
                channel.as_deref(),
                member,
            )
            .await
        }
    }
}

fn short(text: &str, width: usize) -> String {
    let line = text.lines().next().unwrap_or_default();
    if line.chars().count() <= width && !text.contains('\n') {
        return line.to_owned();
    }
    let mut cut: String = line.chars().take(width.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

fn ordinal(number: usize) -> String {
    let suffix = match (number % 10, number % 100) {
        (1, 11) | (2, 12) | (3, 13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{number}{suffix}")
}

async fn switch(
    options: &GlobalOptions,
    services: &Services,
    guild: &str,
    trigger_name: &str,
    enabled: bool,
    actor: &str,
) -> anyhow::Result<()> {
    let automation = &services.automation;
    let (guild, name) = app::resolve_known_guild(services, guild).await?;
    let settings = automation.settings(guild).await?;
    find(&settings.triggers, &name, trigger_name)?;
    let changed = automation
        .set_trigger_enabled(guild, trigger_name, enabled, actor)
        .await
        .map_err(|error| anyhow::anyhow!("{name}: {error}"))?;
    if options.json {
        return output::json(&changed);
    }
    println!(
        "trigger “{}” in {name} is {}",
        changed.name,
        if enabled { "on" } else { "off (kept)" }
    );
    Ok(())
}

/// The channel the operator named for a test: an id or a name (with or without `#`) of the
/// guild's; without one, the guild's first text channel.
fn test_channel(
    services: &Services,
    guild: GuildId,
    guild_name: &str,
    typed: Option<&str>,
) -> anyhow::Result<(ChannelId, String)> {
    let mut channels = services.guild_cache.channels(guild).unwrap_or_default();
    channels.sort_by_key(|(id, facts)| (facts.position, *id));
    let Some(typed) = typed.map(str::trim) else {
        return channels
            .iter()
            .find(|(_, facts)| facts.kind == ChannelKind::Text)
            .map(|(id, facts)| (*id, format!("#{}", facts.name)))
            .context(format!(
                "the bot has not recorded {guild_name}'s channels; name one with --channel <id>"
            ));
    };
    if let Ok(id) = typed.parse::<ChannelId>() {
        return match channels.iter().find(|(channel, _)| *channel == id) {
            Some((_, facts)) => Ok((id, format!("#{}", facts.name))),
            None if channels.is_empty() => Ok((id, id.to_string())),
            None => anyhow::bail!("{guild_name} has no channel with id {id}"),
        };
    }
    let wanted = typed.trim_start_matches('#');
    let matching: Vec<_> = channels
        .iter()
        .filter(|(_, facts)| facts.kind != ChannelKind::Category)
        .filter(|(_, facts)| facts.name.eq_ignore_ascii_case(wanted))
        .collect();
    match matching.as_slice() {
        [(id, facts)] => Ok((*id, format!("#{}", facts.name))),
        [] => anyhow::bail!(
            "{guild_name} has no channel called #{wanted}; give a channel's name or id"
        ),
        many => anyhow::bail!(
            "{} channels of {guild_name} are called #{wanted}; give one's id: {}",
            many.len(),
            many.iter()
                .map(|(id, _)| id.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

async fn test(
    options: &GlobalOptions,
    services: &Services,
    guild: &str,
    sample: &str,
    channel: Option<&str>,
    member: Option<UserId>,
) -> anyhow::Result<()> {
    let automation = &services.automation;
    let (guild, name) = app::resolve_known_guild(services, guild).await?;
    let named = Named::load(services, guild).await?;
    let settings = automation.settings(guild).await?;
    let regex_allowed = automation.regex_allowed(guild);
    let (channel, channel_name) = test_channel(services, guild, &name, channel)?;
    let record = guildhall_core::guilds::list(&services.db)
        .await?
        .into_iter()
        .find(|record| record.id == guild);
    let author = member
        .or_else(|| record.as_ref().and_then(|record| record.owner))
        .unwrap_or(UserId::new(1));
    let author_name = named.user(author);
    let roles = services
        .guild_cache
        .member(guild, author)
        .map(|member| member.roles)
        .unwrap_or_default();
    let member_count = services
        .guild_cache
        .look(guild)
        .and_then(|look| look.member_count);
    let values = Values {
        user_id: author.get(),
        user_name: &author_name,
        server: &name,
        channel_id: channel.get(),
        member_count,
    };
    let result = triggers::test(&settings, regex_allowed, sample, channel, &roles, &values);
    let paused: Vec<&str> = settings
        .triggers
        .iter()
        .filter(|trigger| trigger.enabled && trigger.kind == MatchKind::Regex && !regex_allowed)
        .map(|trigger| trigger.name.as_str())
        .collect();
    if options.json {
        return output::json(&json!({
            "sample": sample,
            "channel": channel,
            "author": author,
            "result": result,
            "paused_regex_triggers": paused,
        }));
    }
    println!("“{sample}” in {channel_name} by {author_name}:");
    match &result.fires {
        Some(fired) => {
            println!("  fires        {fired}");
            let response = result.response.as_deref().map_or_else(
                || "none (an action-only trigger)".to_owned(),
                |text| {
                    // Mentions as Discord shows them.
                    text.replace(&format!("<@{}>", author.get()), &format!("@{author_name}"))
                        .replace(&format!("<#{}>", channel.get()), &channel_name)
                },
            );
            println!("  response     {response}");
            if let Some(trigger) = settings
                .triggers
                .iter()
                .find(|trigger| &trigger.name == fired)
            {
                let also = actions(&named, trigger);
                if !also.is_empty() {
                    println!("  also         {}", also.join(", "));
                }
            }
        }
        None => println!("  fires        nothing: no trigger matches here"),
    }
    if !result.also_matching.is_empty() {
        println!(
            "  matches too  {} (does not fire: one trigger a message, the first in order)",
            result.also_matching.join(", ")
        );
    }
    if !paused.is_empty() {
        println!(
            "  not checked  {} (regex triggers run only with premium)",
            paused.join(", ")
        );
    }
    Ok(())
}

async fn print_reminders(
    services: &Services,
    guild: GuildId,
    name: &str,
    member: Option<UserId>,
    reminders: &[Reminder],
) -> anyhow::Result<()> {
    let named = Named::load(services, guild).await?;
    if reminders.is_empty() {
        match member {
            Some(member) => println!("{} has no waiting reminders in {name}", named.user(member)),
            None => println!("nobody has a waiting reminder in {name}"),
        }
        return Ok(());
    }
    let now = services.clock.now();
    let zone = services
        .automation
        .guild_zone(guild)
        .await
        .unwrap_or_else(|_| "UTC".into());
    let mut table = Table::new(&["ID", "MEMBER", "DUE", "WHERE", "TEXT"]);
    for reminder in reminders {
        table.row(vec![
            reminder.id.to_string(),
            named.user(reminder.user),
            format!(
                "{} ({})",
                local(reminder.due_at, &zone),
                relative(reminder.due_at, now)
            ),
            match reminder.deliver {
                guildhall_core::automation::Delivery::Dm => "by DM".to_owned(),
                guildhall_core::automation::Delivery::Channel => named.channel(reminder.channel),
            },
            short(&reminder.text, 50),
        ]);
    }
    table.print();
    Ok(())
}
