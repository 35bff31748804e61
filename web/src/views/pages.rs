//! Whole pages.

use std::sync::Arc;

use axum::http::StatusCode;
use guildhall_core::analytics::CommandStats;
use guildhall_core::guild_config::sections::{self, SECTIONS};
use guildhall_core::guild_config::{GuildSettings, HistoryEntry};
use guildhall_core::guilds::GuildRecord;
use guildhall_core::ids::GuildId;
use guildhall_core::jobs::{JobRecord, JobState};
use guildhall_core::live::{EventRates, ShardStatus};
use maud::{Markup, html};
use serde_json::Value;

use super::components::{self, Flash, guild_tabs, stat, when};
use super::layout::page;
use crate::app::{CurrentUser, GuildAccess};
use crate::handlers::actions::EDITABLE_SECTIONS;
use crate::routes;

/// The logged-out landing page.
pub fn landing() -> Markup {
    page(
        "Welcome",
        None,
        html! {
            section.hero {
                h1 { "Guildhall" }
                p { "Manage Guildhall's features and settings for the servers you run." }
                a.button.primary href=(routes::LOGIN) { "Log in with Discord" }
            }
        },
    )
}

/// A guild in the picker.
#[derive(Debug, Clone)]
pub struct PickerGuild {
    /// The guild.
    pub id: GuildId,
    /// Its name.
    pub name: String,
    /// Its icon's address, when it has one.
    pub icon: Option<String>,
}

/// The guild picker.
pub fn picker(user: &CurrentUser, guilds: &[PickerGuild]) -> Markup {
    page(
        "Your servers",
        Some(user),
        html! {
            h1 { "Your servers" }
            @if guilds.is_empty() {
                p.muted {
                    "No server to show: you need the Manage Server permission in a server where Guildhall is."
                }
            } @else {
                ul.cards {
                    @for guild in guilds {
                        li { a.card.guild-card href=(routes::guild(guild.id)) {
                            @match &guild.icon {
                                Some(url) => img.guild-icon.small src=(url) alt="" width="40" height="40";
                                None => span.guild-icon.small.initials aria-hidden="true" {
                                    (initials(&guild.name))
                                },
                            }
                            span { strong { (guild.name) } br; span.id.muted { (guild.id) } }
                        } }
                    }
                }
            }
        },
    )
}

/// What the overview shows.
#[derive(Debug)]
pub struct OverviewData {
    /// Commands run in the last 7 days.
    pub commands_run: i64,
    /// Actions refused by the guards in the last 7 days.
    pub refused: usize,
    /// Per-command figures of the last 7 days.
    pub commands: Vec<CommandStats>,
    /// The guild's settings.
    pub settings: Arc<GuildSettings>,
    /// Its latest cases, newest first.
    pub recent_cases: Vec<guildhall_core::moderation::Case>,
    /// Its latest settings changes, newest first.
    pub recent_changes: Vec<HistoryEntry>,
}

/// The names of the features that are on.
pub fn enabled_features(settings: &GuildSettings) -> Vec<String> {
    match serde_json::to_value(&settings.features) {
        Ok(Value::Object(fields)) => fields
            .into_iter()
            .filter(|(_, on)| on == &Value::Bool(true))
            .map(|(name, _)| name)
            .collect(),
        _ => Vec::new(),
    }
}

/// What stands for a guild without an icon: the first letters of its first two words.
fn initials(name: &str) -> String {
    name.split_whitespace()
        .filter_map(|word| word.chars().next())
        .take(2)
        .collect()
}

/// A guild's icon from Discord's CDN, or its initials when it has none.
pub fn guild_icon(guild: &GuildAccess) -> Markup {
    let initials = initials(&guild.name);
    html! {
        @match &guild.icon {
            Some(url) => img.guild-icon src=(url) alt="" width="56" height="56";
            None => span.guild-icon.initials aria-hidden="true" { (initials) },
        }
    }
}

/// The guild overview: its icon and figures, what is on, the latest cases and settings changes,
/// and last week's commands.
pub fn overview(user: &CurrentUser, guild: &GuildAccess, data: &OverviewData) -> Markup {
    let enabled = enabled_features(&data.settings);
    let members = guild
        .member_count
        .map_or_else(|| "—".to_owned(), |count| count.to_string());
    let names = &guild.names;
    page(
        &guild.name,
        Some(user),
        html! {
            h1 #guild-name.guild-title { (guild_icon(guild)) span { (guild.name) } }
            (guild_tabs(guild, "Overview"))
            div.stats {
                (stat("members", &members))
                (stat("features on", &format!("{} of {}", enabled.len(), guildhall_core::features::FEATURES.len())))
                (stat("commands run (7 days)", &data.commands_run.to_string()))
                (stat("refused actions (7 days)", &data.refused.to_string()))
            }
            h2 { "What is on" }
            ul.pills.features #features-on {
                @for feature in guildhall_core::features::FEATURES {
                    @let on = feature.is_on(&data.settings);
                    @let page = crate::features::FEATURES.iter().find(|pages| pages.name == feature.name).and_then(|pages| pages.tabs.first());
                    li.on[on] {
                        @match page {
                            Some(tab) => a href=((tab.path)(guild.id)) { (feature.title) },
                            None => span { (feature.title) },
                        }
                        " " span.state { (if on { "on" } else { "off" }) }
                    }
                }
            }
            p {
                "Prefix commands: "
                strong #prefix-state {
                    @if data.settings.commands.prefix_enabled {
                        "on (" code { (data.settings.commands.prefix) } ")"
                    } @else { "off" }
                }
                " · " a href=(routes::guild_features(guild.id)) { "switch features" }
            }
            div.columns-2 {
                section #recent-cases {
                    h2 { "Recent cases" }
                    @if data.recent_cases.is_empty() {
                        p.muted { "No case yet." }
                    } @else {
                        ul.activity {
                            @for case in &data.recent_cases {
                                li {
                                    a href=(routes::guild_case(guild.id, case.number)) { "#" (case.number) " " (case.kind.title()) }
                                    " · " (names.member(case.target))
                                    @if !case.reason.is_empty() { " — " span.muted { (case.reason) } }
                                    br;
                                    small.muted { (when(case.created_at)) }
                                }
                            }
                        }
                        p { a href=(routes::guild_cases(guild.id)) { "All cases" } }
                    }
                }
                section #recent-activity {
                    h2 { "Recent changes" }
                    @if data.recent_changes.is_empty() {
                        p.muted { "No setting changed yet." }
                    } @else {
                        ul.activity {
                            @for change in &data.recent_changes {
                                li {
                                    strong { (change.section) } " changed by " (names.humanize(&change.actor))
                                    @if let Some(note) = &change.note { " — " span.muted { (names.humanize(note)) } }
                                    br;
                                    small.muted { (when(change.changed_at)) }
                                }
                            }
                        }
                        p { a href=(routes::guild_history(guild.id)) { "Whole history" } }
                    }
                }
            }
            h2 { "Commands in the last 7 days" }
            @if data.commands.is_empty() {
                p.muted { "No commands yet." }
            } @else {
                div.scroll {
                    table {
                        thead { tr { th { "Command" } th { "Runs" } th { "Refused" } th { "Errors" } th { "Average" } } }
                        tbody {
                            @for command in &data.commands {
                                tr {
                                    td { code { (command.command) } }
                                    td { (command.runs) }
                                    td { (command.refused) }
                                    td { (command.errors) }
                                    td { (format!("{:.0} ms", command.average_ms)) }
                                }
                            }
                        }
                    }
                }
            }
        },
    )
}

/// The switches and command settings; `error` is a refused key and the core's message.
pub fn features(
    user: &CurrentUser,
    guild: &GuildAccess,
    settings: &GuildSettings,
    error: Option<(&str, &str)>,
) -> Markup {
    page(
        &format!("{} · features", guild.name),
        Some(user),
        html! {
            h1 { (guild.name) }
            (guild_tabs(guild, "Features"))
            p.muted { "Changes apply at once: the running bot picks them up without a restart. Every change is kept in the history." }
            (super::settings_form::section_links(guild.id))
            @for ops in SECTIONS.iter().filter(|ops| EDITABLE_SECTIONS.contains(&ops.name())) {
                section.settings {
                    h2 { (ops.name()) }
                    p.muted { (ops.description()) }
                    @let values = ops.json_of(settings);
                    // Only switches that switch something: features this version has.
                    @for field in sections::keys(*ops).into_iter().filter(|field| ops.name() != "features" || guildhall_core::features::by_name(field).is_some()) {
                        @let key = format!("{}.{field}", ops.name());
                        @let value = values.get(&field).cloned().unwrap_or(Value::Null);
                        @let message = error.filter(|(refused, _)| *refused == key).map(|(_, message)| message);
                        (components::setting_row(guild.id, &key, &value, &user.csrf, message))
                    }
                }
            }
        },
    )
}

/// The settings history.
pub fn history(
    user: &CurrentUser,
    guild: &GuildAccess,
    entries: &[HistoryEntry],
    flash: Option<&Flash>,
    names: &components::Names,
) -> Markup {
    page(
        &format!("{} · history", guild.name),
        Some(user),
        html! {
            h1 { (guild.name) }
            (guild_tabs(guild, "History"))
            p.muted { "Undo restores a section to what it was before that change; the restore is itself a new change." }
            (components::history_table(guild.id, entries, &user.csrf, flash, names))
        },
    )
}

/// What the operator page shows.
#[derive(Debug)]
pub struct OperatorData {
    /// Shards of this process.
    pub shards: Vec<ShardStatus>,
    /// Gateway event rates.
    pub events: EventRates,
    /// Every guild known.
    pub guilds: Vec<GuildRecord>,
    /// The latest jobs.
    pub jobs: Vec<JobRecord>,
    /// Jobs by state.
    pub counts: Vec<(JobState, i64)>,
    /// Guilds above free now.
    pub premium: Vec<guildhall_core::premium::Status>,
    /// The operator's grants.
    pub grants: Vec<guildhall_core::premium::Grant>,
}

/// The operator page.
pub fn operator(user: &CurrentUser, data: &OperatorData) -> Markup {
    let last_minute: u64 = data.events.per_second.iter().sum();
    page(
        "Operator",
        Some(user),
        html! {
            h1 { "Operator" }
            div.stats {
                (stat("shards", &data.shards.len().to_string()))
                (stat("events since start", &data.events.total.to_string()))
                (stat("events last minute", &last_minute.to_string()))
                (stat("guilds", &data.guilds.iter().filter(|guild| guild.left_at.is_none()).count().to_string()))
                @for (state, count) in &data.counts { (stat(&format!("jobs {state}"), &count.to_string())) }
            }
            h2 { "Shards" }
            @if data.shards.is_empty() {
                p.muted { "No shard runs in this process." }
            } @else {
                div.scroll { table {
                    thead { tr { th { "Shard" } th { "Stage" } th { "Latency" } th { "Guilds" } th { "Events" } th { "Since" } } }
                    tbody { @for shard in &data.shards { tr {
                        td { (shard.id) "/" (shard.total) }
                        td { (format!("{:?}", shard.stage).to_lowercase()) }
                        td { (shard.latency_ms.map(|ms| format!("{ms} ms")).unwrap_or_default()) }
                        td { (shard.guilds) }
                        td { (shard.events) }
                        td { (when(shard.since)) }
                    } } }
                } }
            }
            h2 { "Events by name" }
            ul.pills { @for (name, count) in &data.events.by_name { li { (name) " " strong { (count) } } } }
            h2 { "Guilds" }
            div.scroll { table {
                thead { tr { th { "Guild" } th { "Id" } th { "Joined" } th { "Left" } } }
                tbody { @for guild in &data.guilds { tr {
                    td { a href=(routes::guild(guild.id)) { (guild.name) } }
                    td { span.id.muted { (guild.id) } }
                    td { (when(guild.joined_at)) }
                    td { (guild.left_at.map(when).unwrap_or_default()) }
                } } }
            } }
            (super::premium::operator_section(&user.csrf, &data.premium, &data.grants, &data.guilds))
            h2 { "Jobs" }
            div.scroll { table #jobs {
                thead { tr { th { "Id" } th { "Kind" } th { "Guild" } th { "State" } th { "Due" } th { "Attempts" } th { "Error" } th {} } }
                tbody { @for job in &data.jobs {
                    @let name = job.guild.and_then(|id| data.guilds.iter().find(|guild| guild.id == id)).map(|guild| guild.name.as_str());
                    (components::job_row(job, &user.csrf, None, name))
                } }
            } }
        },
    )
}

/// An error page (or fragment: htmx swaps the body of error responses only when told to).
pub fn error(status: StatusCode, message: &str) -> Markup {
    page(
        status.canonical_reason().unwrap_or("Error"),
        None,
        html! {
            section.error-page {
                h1 { (status.as_u16()) " " (status.canonical_reason().unwrap_or("Error")) }
                p.error role="alert" { (message) }
                p { a href=(routes::HOME) { "Back to your servers" } }
            }
        },
    )
}
