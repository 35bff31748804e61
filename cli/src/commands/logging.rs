//! `guildhall logging events`: a guild's stored log events (also `guildhall logs events`), one
//! page at a time, newest first, with the dashboard's filters: kinds, a member (about them or by
//! them), a channel, a time span; paged by event id (`--before`, `--after`, `--oldest`).

use std::str::FromStr as _;

use chrono::TimeZone as _;
use clap::Subcommand;
use guildhall_core::clock::UnixMillis;
use guildhall_core::ids::{ChannelId, GuildId, UserId};
use guildhall_core::logging::{EventFilter, LogKind, Page, StoredEvent};
use serde_json::Value;

use crate::app::{self, GlobalOptions, Services};
use crate::output::{self, Named, Table};

#[derive(Debug, Subcommand)]
pub enum Command {
    /// A guild's stored log events, newest first, with filters.
    Events(EventsArgs),
}

/// Which events.
#[derive(Debug, clap::Args)]
pub struct EventsArgs {
    /// The guild: its id or exact name.
    #[arg(long)]
    pub guild: String,
    /// Only this kind (its name, e.g. `message_deleted`); repeat for several.
    #[arg(long = "kind", value_name = "KIND")]
    pub kinds: Vec<String>,
    /// Only events about this member or done by them: an id or their exact name.
    #[arg(long)]
    pub member: Option<String>,
    /// Only events in or about this channel: an id or `#name`.
    #[arg(long)]
    pub channel: Option<String>,
    /// Only events from then on: `7d` (ago), RFC 3339, or `YYYY-MM-DD` (the server's time zone).
    #[arg(long)]
    pub since: Option<String>,
    /// Only events before then: `1d` (ago), RFC 3339, or `YYYY-MM-DD` (that day included).
    #[arg(long)]
    pub until: Option<String>,
    /// The page of events older than this event id.
    #[arg(long, conflicts_with_all = ["after", "oldest"])]
    pub before: Option<i64>,
    /// The page of events newer than this event id.
    #[arg(long, conflicts_with = "oldest")]
    pub after: Option<i64>,
    /// The oldest events.
    #[arg(long)]
    pub oldest: bool,
    /// Events on the page (1-500).
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..=500))]
    pub limit: u32,
}

pub async fn run(options: &GlobalOptions, command: Command) -> anyhow::Result<()> {
    match command {
        Command::Events(args) => events(options, args).await,
    }
}

/// The kinds named, or the list of kinds when one is unknown.
fn kinds(names: &[String]) -> anyhow::Result<Vec<LogKind>> {
    names
        .iter()
        .map(|name| {
            LogKind::parse(name.trim()).ok_or_else(|| {
                anyhow::anyhow!(
                    "--kind: `{name}` is not a kind of log event; the kinds are: {}",
                    LogKind::ALL
                        .iter()
                        .map(|kind| kind.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })
        })
        .collect()
}

/// The start of a day in `zone`.
fn day_start(date: chrono::NaiveDate, zone: chrono_tz::Tz) -> Option<UnixMillis> {
    let midnight = date.and_hms_opt(0, 0, 0)?;
    let start = zone.from_local_datetime(&midnight).earliest().or_else(|| {
        zone.from_local_datetime(&(midnight + chrono::Duration::hours(1)))
            .earliest()
    })?;
    Some(UnixMillis(start.timestamp_millis()))
}

/// A time as the options take it: a duration ago (`7d`), RFC 3339, or a day in `zone` (its
/// start, or with `day_included` the start of the next day).
fn parse_time(
    option: &str,
    text: &str,
    now: UnixMillis,
    zone: chrono_tz::Tz,
    day_included: bool,
) -> anyhow::Result<UnixMillis> {
    let text = text.trim();
    if let Ok(date) = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        && text.len() == 10
    {
        let day = if day_included {
            date.succ_opt()
        } else {
            Some(date)
        };
        if let Some(start) = day.and_then(|day| day_start(day, zone)) {
            return Ok(start);
        }
    }
    if text.starts_with(|c: char| c.is_ascii_digit())
        && text.ends_with(|c: char| c.is_ascii_alphabetic())
        && let Ok(ago) = humantime::parse_duration(text)
    {
        return Ok(now.minus(ago));
    }
    if let Ok(at) = humantime::parse_rfc3339_weak(text) {
        return Ok(UnixMillis::from_system_time(at));
    }
    anyhow::bail!(
        "{option}: `{text}` is not a time; use a duration ago (7d, 12h), RFC 3339 (2026-03-01T12:00:00Z) or a day (2026-03-01, in the server's time zone {zone})"
    )
}

/// A member by id, or by their exact name in the guild's snapshot (one member only).
fn member(services: &Services, guild: GuildId, text: &str) -> anyhow::Result<UserId> {
    let text = text.trim();
    if text.chars().all(|c| c.is_ascii_digit()) {
        return UserId::from_str(text).map_err(|_| {
            anyhow::anyhow!(
                "--member: `{text}` is not a user id (a number such as 1101234567890123456)"
            )
        });
    }
    let wanted = text.trim_start_matches('@').to_lowercase();
    let found: Vec<(UserId, String)> = services
        .guild_cache
        .search_members(guild, &wanted, 100)
        .into_iter()
        .filter(|(_, name)| name.to_lowercase() == wanted)
        .collect();
    match found.as_slice() {
        [(user, _)] => Ok(*user),
        [] => anyhow::bail!(
            "--member: no member named `{text}` among those the bot has recorded; give their id instead"
        ),
        several => anyhow::bail!(
            "--member: {} members are named `{text}`; give the id of the one you mean: {}",
            several.len(),
            several
                .iter()
                .map(|(user, _)| user.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// A channel by id, or by `#name` in the guild's snapshot.
fn channel(services: &Services, guild: GuildId, text: &str) -> anyhow::Result<ChannelId> {
    let text = text.trim();
    if text.chars().all(|c| c.is_ascii_digit()) {
        return ChannelId::from_str(text).map_err(|_| {
            anyhow::anyhow!(
                "--channel: `{text}` is not a channel id (a number such as 1101234567890123456)"
            )
        });
    }
    let wanted = text.trim_start_matches('#');
    let found: Vec<ChannelId> = services
        .guild_cache
        .channels(guild)
        .unwrap_or_default()
        .into_iter()
        .filter(|(_, facts)| facts.name.eq_ignore_ascii_case(wanted))
        .map(|(id, _)| id)
        .collect();
    match found.as_slice() {
        [one] => Ok(*one),
        [] => anyhow::bail!(
            "--channel: no channel named `#{wanted}` among those the bot has recorded; give its id instead"
        ),
        several => anyhow::bail!(
            "--channel: {} channels are named `#{wanted}`; give the id of the one you mean: {}",
            several.len(),
            several
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// `at` in `zone`, to the second.
fn local(at: UnixMillis, zone: chrono_tz::Tz) -> String {
    chrono::Utc.timestamp_millis_opt(at.0).single().map_or_else(
        || at.to_rfc3339(),
        |utc| {
            utc.with_timezone(&zone)
                .format("%Y-%m-%d %H:%M:%S")
                .to_string()
        },
    )
}

/// An event as JSON: the stored entry with its id and its kind's title.
fn event_json(event: &StoredEvent) -> anyhow::Result<Value> {
    let mut value = serde_json::to_value(&event.entry)?;
    if let Value::Object(map) = &mut value {
        map.insert("id".into(), Value::from(event.id));
        map.insert("title".into(), Value::from(event.entry.kind.title()));
        map.insert(
            "at_rfc3339".into(),
            Value::from(event.entry.at.to_rfc3339()),
        );
        if let Some(Value::Object(file)) = map.get_mut("file") {
            // The transcript's text is posted, never stored.
            file.remove("text");
        }
    }
    Ok(value)
}

/// Prints one page of events.
///
/// # Errors
/// An unknown guild, kind, member or channel, a time that does not read, or the database.
pub async fn events(options: &GlobalOptions, args: EventsArgs) -> anyhow::Result<()> {
    let settings = app::load_settings(options)?;
    let services = Services::open(&settings).await?;
    let (guild, name) = app::resolve_guild(&services, &args.guild).await?;
    let named = Named::load(&services, guild).await?;
    let zone = services
        .config
        .get(guild)
        .await
        .map_err(|error| anyhow::anyhow!("{name}: {error}"))?
        .general
        .timezone
        .parse::<chrono_tz::Tz>()
        .unwrap_or(chrono_tz::UTC);
    let now = services.clock.now();
    let filter = EventFilter {
        kinds: kinds(&args.kinds)?,
        member: args
            .member
            .as_deref()
            .map(|text| member(&services, guild, text))
            .transpose()?,
        channel: args
            .channel
            .as_deref()
            .map(|text| channel(&services, guild, text))
            .transpose()?,
        since: args
            .since
            .as_deref()
            .map(|text| parse_time("--since", text, now, zone, false))
            .transpose()?,
        until: args
            .until
            .as_deref()
            .map(|text| parse_time("--until", text, now, zone, true))
            .transpose()?,
    };
    let position = |option: &str, id: Option<i64>| -> anyhow::Result<Option<i64>> {
        match id {
            Some(id) if id < 1 => anyhow::bail!("{option}: an event id is 1 or more, got {id}"),
            other => Ok(other),
        }
    };
    let page = match (
        position("--before", args.before)?,
        position("--after", args.after)?,
        args.oldest,
    ) {
        (Some(id), _, _) => Page::Before(id),
        (None, Some(id), _) => Page::After(id),
        (None, None, true) => Page::Oldest,
        (None, None, false) => Page::Newest,
    };
    let found = services
        .logging
        .events(guild, &filter, page, args.limit)
        .await
        .map_err(|error| anyhow::anyhow!("{name}: {error}"))?;
    if options.json {
        let rows = found
            .events
            .iter()
            .map(event_json)
            .collect::<anyhow::Result<Vec<_>>>()?;
        return output::json(&rows);
    }
    if found.events.is_empty() {
        println!("{name} has no stored log event matching these filters");
        return Ok(());
    }
    let mut table = Table::new(&["ID", &format!("TIME ({zone})"), "KIND", "SUMMARY"]);
    for event in &found.events {
        let entry = &event.entry;
        let mut summary = named.mentions(&entry.summary);
        if let Some(case) = entry.case {
            summary.push_str(&format!(" (case {case})"));
        }
        if let Some(actor) = entry.actor.filter(|_| entry.actor_guessed) {
            summary.push_str(&format!(" [by {}, best guess]", named.user(actor)));
        }
        table.row(vec![
            event.id.to_string(),
            local(entry.at, zone),
            entry.kind.title().to_owned(),
            summary,
        ]);
    }
    table.print();
    if let (true, Some(last)) = (found.older, found.events.last()) {
        println!(
            "older events: the same command with --before {} (or --oldest for the first ones)",
            last.id
        );
    }
    if let (true, Some(first)) = (found.newer, found.events.first()) {
        println!("newer events: the same command with --after {}", first.id);
    }
    Ok(())
}
