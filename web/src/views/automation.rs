//! The automation pages: scheduled messages (the table with their schedules in words, next and
//! last runs in the schedule's own time zone, the create form and the cron helper fragment) and
//! triggers (the list, the add form and the live tester's fragment).

use chrono::TimeZone as _;
use guildhall_core::automation::flows::{Flow, FlowEvent, FlowRun, Step};
use guildhall_core::automation::settings::{CooldownScope, MAX_COOLDOWN_SECS, MatchKind};
use guildhall_core::automation::template::VARIABLES;
use guildhall_core::automation::{Preview, ScheduledMessage, Trigger};
use guildhall_core::clock::UnixMillis;
use guildhall_core::guild_config::fields::ChannelFilter;
use guildhall_core::ids::GuildId;
use maud::{Markup, html};

use super::components::{Flash, Names, Problems, csrf_field, guild_tabs, when};
use super::layout::page;
use super::pickers::{Pickers, emoji_input};
use crate::app::{CurrentUser, GuildAccess};
use crate::routes;

/// A name for a query string.
fn encode(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// The cron cheat-sheet under the cron field: an expression and what it means.
pub const CRON_EXAMPLES: &[(&str, &str)] = &[
    ("0 9 * * MON", "every Monday at 09:00"),
    ("*/30 * * * *", "every 30 minutes"),
    ("0 18 * * 1-5", "weekdays at 18:00"),
    ("@daily", "every day at midnight"),
];

/// `at` in the time zone `zone` ("Mon 2026-12-07 09:00"), or in UTC when the zone is unknown.
pub fn local(at: UnixMillis, zone: &str) -> String {
    let Some(utc) = chrono::Utc.timestamp_millis_opt(at.0).single() else {
        return when(at);
    };
    match zone.parse::<chrono_tz::Tz>() {
        Ok(tz) => utc
            .with_timezone(&tz)
            .format("%a %Y-%m-%d %H:%M")
            .to_string(),
        Err(_) => format!("{} UTC", utc.format("%a %Y-%m-%d %H:%M")),
    }
}

/// A time shown in `zone`, with UTC on hover.
fn time_in(at: UnixMillis, zone: &str) -> Markup {
    let shown = local(at, zone);
    // Wraps between the day and the hour, never inside the date.
    let (day, hour) = shown.rsplit_once(' ').unwrap_or((shown.as_str(), ""));
    html! {
        time datetime=(at.to_rfc3339()) title=(format!("{} UTC", when(at))) {
            span.nowrap { (day) } " " span.nowrap { (hour) }
        }
    }
}

/// What the create form held, to refill it after a refusal.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScheduleForm {
    /// The name.
    pub name: String,
    /// The channel id, as picked or typed.
    pub channel: String,
    /// The cron expression.
    pub cron: String,
    /// The time zone (empty: the server's).
    pub timezone: String,
    /// The text.
    pub text: String,
    /// The embed's title.
    pub embed_title: String,
    /// The embed's description.
    pub embed_description: String,
    /// The embed's colour, as typed (`#5865F2`).
    pub embed_colour: String,
}

/// One scheduled message as the table shows it.
#[derive(Debug)]
pub struct ScheduleRow<'a> {
    /// The stored message.
    pub message: &'a ScheduledMessage,
    /// Its schedule in words, or why it no longer reads.
    pub description: Result<String, String>,
    /// The zone it runs in (its own, or the server's).
    pub zone: String,
}

/// Everything the scheduled messages page shows.
#[derive(Debug)]
pub struct SchedulesPage<'a> {
    /// The guild's scheduled messages.
    pub rows: &'a [ScheduleRow<'a>],
    /// The create form as typed.
    pub form: &'a ScheduleForm,
    /// Why the last create was refused.
    pub errors: &'a [String],
    /// The cron helper for what the form holds, when it holds a schedule.
    pub preview: Option<Result<Preview, String>>,
    /// The server's time zone (`general.timezone`).
    pub guild_zone: &'a str,
    /// The guild's pickers.
    pub pickers: &'a Pickers,
    /// Whether `features.automation` is on.
    pub enabled: bool,
    /// A message after an action.
    pub flash: Option<&'a Flash>,
}

fn switched_off(enabled: bool) -> Markup {
    html! {
        @if !enabled {
            p.note { "Automation is switched off for this server (features.automation): the bot does not post scheduled messages or answer triggers until it is on." }
        }
    }
}

fn flash_line(flash: Option<&Flash>) -> Markup {
    html! {
        @if let Some(flash) = flash {
            p.flash.error[!flash.ok] role="status" { (flash.message) }
        }
    }
}

/// The cron helper's fragment: the schedule in words and its next five runs, or what is
/// wrong with it (naming the field), or a hint while the field is empty.
pub fn cron_preview(preview: Option<&Result<Preview, String>>) -> Markup {
    html! {
        div #cron-preview .cron-preview aria-live="polite" {
            @match preview {
                None => small.muted { "Type a schedule to see it in words and its next runs." },
                Some(Ok(preview)) => {
                    p.described { strong { (preview.description) } }
                    @if preview.next.is_empty() {
                        p.error { "It never runs again." }
                    } @else {
                        small.muted { "Next runs (" (preview.zone) "):" }
                        ol.next-runs {
                            @for at in &preview.next { li { (time_in(*at, &preview.zone)) } }
                        }
                    }
                },
                Some(Err(message)) => p.error.field-error role="alert" { (message) },
            }
        }
    }
}

fn schedule_actions(guild: GuildId, csrf: &str, message: &ScheduledMessage) -> Markup {
    let button = |action: &str, label: &str, title: String| {
        html! {
            form.inline method="post" action=(routes::guild_automation_schedule_action(guild, message.id, action)) {
                (csrf_field(csrf))
                button.secondary type="submit" title=(title) { (label) }
            }
        }
    };
    let name = &message.name;
    html! {
        @if message.paused {
            (button("resume", "Resume", format!("Resume “{name}” from its next run")))
        } @else {
            (button("pause", "Pause", format!("Pause “{name}”; it is kept")))
        }
        " "
        (button("run", "Run now", format!("Post “{name}” once now; its schedule is unchanged")))
        " "
        (button("delete", "Delete", format!("Delete “{name}” and its next run")))
    }
}

/// The scheduled messages table.
pub fn schedule_table(guild: &GuildAccess, csrf: &str, rows: &[ScheduleRow<'_>]) -> Markup {
    let names = &guild.names;
    html! {
        @if rows.is_empty() {
            p.muted #no-schedules { "No scheduled message yet." }
        } @else {
            div.scroll { table #schedules .stack {
                thead { tr {
                    th { "Name" } th { "Channel" } th { "Schedule" } th { "Next run" } th { "Last run" }
                    th { "Runs" } th { "State" } th {}
                } }
                tbody { @for row in rows {
                    @let message = row.message;
                    tr id=(format!("schedule-{}", message.id)) {
                        td {
                            strong { (message.name) }
                            br;
                            small.muted { (message.post.summary()) }
                        }
                        td data-label="Channel" { (names.channel(message.channel)) }
                        td data-label="Schedule" {
                            @match &row.description {
                                Ok(words) => (words),
                                Err(problem) => span.error { (problem) },
                            }
                            br;
                            code { (message.cron) }
                        }
                        td data-label="Next run" {
                            @match (message.paused, message.next_run_at) {
                                (true, _) => span.muted { "paused" },
                                (false, Some(at)) => (time_in(at, &row.zone)),
                                (false, None) => span.muted { "—" },
                            }
                        }
                        td data-label="Last run" {
                            @match message.last_run_at {
                                Some(at) => (time_in(at, &row.zone)),
                                None => span.muted { "never" },
                            }
                            @if let Some(error) = &message.last_error {
                                p.warning role="note" {
                                    "⚠ Last run failed"
                                    @if let Some(at) = message.last_error_at { " (" (time_in(at, &row.zone)) ")" }
                                    ": " (names.humanize(error))
                                }
                            }
                        }
                        td data-label="Runs" { (message.runs) }
                        td data-label="State" {
                            @if message.paused {
                                span.state.paused { "paused" }
                            } @else {
                                span.state.on { "running" }
                            }
                        }
                        td.actions { (schedule_actions(guild.id, csrf, message)) }
                    }
                } }
            } }
        }
    }
}

/// Which words of a refusal name which field of the create form (most specific first).
const SCHEDULE_FIELDS: &[(&str, &[&str])] = &[
    ("name", &["needs a name", "the name"]),
    ("timezone", &["time zone", "timezone"]),
    (
        "cron",
        &[
            "minute",
            "hour",
            "day of",
            "month",
            "field",
            "schedule",
            "cron",
            "never runs",
            "expression",
        ],
    ),
    ("embed_colour", &["colour", "color"]),
    ("embed_title", &["embed's title", "embed title"]),
    (
        "embed_description",
        &["embed's description", "embed description"],
    ),
    ("channel", &["channel"]),
    ("text", &["text", "message is empty"]),
];

fn schedule_form(guild: GuildId, csrf: &str, list: &SchedulesPage<'_>) -> Markup {
    let form = list.form;
    let problems = Problems::placed(list.errors, SCHEDULE_FIELDS);
    let preview_url = routes::guild_automation_schedules_preview(guild);
    let field = |name: &'static str, id: &str, label: &str, control: Markup, help: Markup| {
        html! {
            div.field {
                label for=(id) { (label) }
                (control)
                (help)
                (problems.at(name))
            }
        }
    };
    let help = |text: &str| html! { small.help { (text) } };
    html! {
        form #new-schedule .automation-form method="post" action=(routes::guild_automation_schedules_new(guild)) {
            (csrf_field(csrf))
            h2 { "New scheduled message" }
            (problems.above("schedule-errors"))
            (field("name", "schedule-name", "Name", html! {
                input #schedule-name type="text" name="name" maxlength="80" required value=(form.name) placeholder="Weekly reminder";
            }, help("What the list calls it; 1 to 80 characters.")))
            (field("channel", "schedule-channel", "Channel",
                list.pickers.channel("channel", "schedule-channel", ChannelFilter::Messages, &form.channel, None),
                help("Where the bot posts it.")))
            (field("cron", "schedule-cron", "Schedule (cron)", html! {
                input #schedule-cron .cron type="text" name="cron" required value=(form.cron)
                    placeholder="0 9 * * MON" autocomplete="off" spellcheck="false"
                    hx-get=(preview_url) hx-trigger="keyup changed delay:300ms, change"
                    hx-include="#schedule-cron, #schedule-timezone" hx-target="#cron-preview" hx-swap="outerHTML";
            }, html! {
                small.help {
                    "Five fields: minute, hour, day of month, month, day of week — or a shortcut such as @hourly, @daily, @weekly, @monthly."
                }
                ul.cheats {
                    @for (expression, meaning) in CRON_EXAMPLES {
                        li { code { (expression) } " " span.muted { (meaning) } }
                    }
                }
                @if matches!(&list.preview, Some(Err(message)) if list.errors.contains(message)) {
                    // The same words are beside the field already.
                    div #cron-preview .cron-preview aria-live="polite" {}
                } @else {
                    (cron_preview(list.preview.as_ref()))
                }
            }))
            (field("timezone", "schedule-timezone", "Time zone", html! {
                input #schedule-timezone type="text" name="timezone" value=(form.timezone)
                    placeholder=(list.guild_zone) autocomplete="off" spellcheck="false"
                    hx-get=(preview_url) hx-trigger="keyup changed delay:300ms, change"
                    hx-include="#schedule-cron, #schedule-timezone" hx-target="#cron-preview" hx-swap="outerHTML";
            }, html! {
                small.help {
                    "An IANA name such as Europe/Berlin or America/New_York. Blank: the server's time zone, "
                    strong { (list.guild_zone) } "."
                }
            }))
            (field("text", "schedule-text", "Text", html! {
                textarea #schedule-text name="text" rows="4" maxlength="2000" { (form.text) }
            }, help("Up to 2000 characters. Mentions are shown, never pinged.")))
            fieldset {
                legend { "Embed (optional)" }
                (field("embed_title", "schedule-embed-title", "Title", html! {
                    input #schedule-embed-title type="text" name="embed_title" maxlength="256" value=(form.embed_title);
                }, help("Up to 256 characters.")))
                (field("embed_description", "schedule-embed-description", "Description", html! {
                    textarea #schedule-embed-description name="embed_description" rows="3" maxlength="4000" { (form.embed_description) }
                }, help("Up to 4000 characters.")))
                (field("embed_colour", "schedule-embed-colour", "Colour", html! {
                    input #schedule-embed-colour type="text" name="embed_colour" value=(form.embed_colour) placeholder="#5865F2" maxlength="7";
                }, help("A hex colour such as #5865F2; blank for none.")))
            }
            button type="submit" { "Create scheduled message" }
        }
    }
}

/// The scheduled messages page.
pub fn schedules(user: &CurrentUser, guild: &GuildAccess, list: &SchedulesPage<'_>) -> Markup {
    page(
        &format!("{} · scheduled messages", guild.name),
        Some(user),
        html! {
            h1 { (guild.name) }
            (guild_tabs(guild, "Scheduled messages"))
            (flash_line(list.flash))
            (switched_off(list.enabled))
            h2 { "Scheduled messages" }
            p.muted { "Times are shown in each message's time zone; hover for UTC." }
            (schedule_table(guild, &user.csrf, list.rows))
            (schedule_form(guild.id, &user.csrf, list))
        },
    )
}

/// What the add form held, to refill it after a refusal.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TriggerForm {
    /// The name.
    pub name: String,
    /// The match kind (`word`, `regex`, ...).
    pub kind: String,
    /// The pattern.
    pub pattern: String,
    /// Match letter case exactly.
    pub case_sensitive: bool,
    /// The response.
    pub response: String,
    /// Answer in an embed.
    pub embed: bool,
    /// Cooldown seconds, as typed.
    pub cooldown: String,
    /// `member` or `channel`.
    pub cooldown_per: String,
    /// Channels of the filter, as picked.
    pub channels: Vec<String>,
    /// Roles of the filter, as picked.
    pub roles: Vec<String>,
    /// Delete the message.
    pub delete_message: bool,
    /// Role to give, as picked.
    pub add_role: String,
    /// Role to take, as picked.
    pub remove_role: String,
    /// Reaction emoji.
    pub react: String,
    /// The name of the trigger being edited (empty: a new one).
    pub editing: String,
}

/// The tester's answer, as shown.
#[derive(Debug, Clone, Default)]
pub struct TestView {
    /// The trigger that fires, if one does.
    pub fires: Option<String>,
    /// Its response, filled with the sample's values and with names for mentions.
    pub response: Option<String>,
    /// Whether the response is sent as an embed.
    pub embed: bool,
    /// What else it does, in words with names.
    pub actions: Vec<String>,
    /// Other triggers whose pattern matches too.
    pub also_matching: Vec<String>,
    /// Regex triggers paused for want of premium.
    pub paused_regex: usize,
    /// Notes about how it was tested (no channel picked) or why it could not be.
    pub notes: Vec<String>,
    /// Whether a sample was given at all.
    pub asked: bool,
}

/// The tester's form as typed.
#[derive(Debug, Clone, Default)]
pub struct TesterForm {
    /// The sample message.
    pub sample: String,
    /// The channel, as picked.
    pub channel: String,
}

/// Everything the triggers page shows.
#[derive(Debug)]
pub struct TriggersPage<'a> {
    /// The guild's triggers, in order.
    pub triggers: &'a [Trigger],
    /// The add form as typed.
    pub form: &'a TriggerForm,
    /// Why the last add was refused.
    pub errors: &'a [String],
    /// The tester as typed, and its answer.
    pub tester: &'a TesterForm,
    /// The tester's answer.
    pub test: &'a TestView,
    /// Whether the server's tier runs regex triggers.
    pub regex_allowed: bool,
    /// The guild's pickers.
    pub pickers: &'a Pickers,
    /// Whether `features.automation` is on.
    pub enabled: bool,
    /// A message after an action.
    pub flash: Option<&'a Flash>,
}

/// The first line of `text`, at most `limit` characters.
fn excerpt(text: &str, limit: usize) -> String {
    let line = text.lines().next().unwrap_or_default();
    let mut short: String = line.chars().take(limit).collect();
    if line.chars().count() > limit || text.lines().count() > 1 {
        short.push('…');
    }
    short
}

fn cooldown_words(trigger: &Trigger) -> String {
    if trigger.cooldown_secs == 0 {
        return "none".to_owned();
    }
    let per = match trigger.cooldown_per {
        CooldownScope::Member => "per member",
        CooldownScope::Channel => "per channel",
    };
    format!(
        "{} {per}",
        guildhall_core::eligibility::spoken_duration(std::time::Duration::from_secs(u64::from(
            trigger.cooldown_secs
        )))
    )
}

fn trigger_actions(trigger: &Trigger, names: &Names) -> Markup {
    html! {
        ul.compact {
            @if !trigger.response.trim().is_empty() {
                li { (if trigger.embed { "answers in an embed" } else { "answers" }) }
            }
            @if let Some(emoji) = &trigger.react { li { "reacts " (emoji) } }
            @if let Some(role) = trigger.add_role { li { "gives " (names.role(role)) } }
            @if let Some(role) = trigger.remove_role { li { "takes " (names.role(role)) } }
            @if trigger.delete_message { li { "deletes the message" } }
        }
    }
}

fn trigger_table(guild: &GuildAccess, csrf: &str, list: &TriggersPage<'_>) -> Markup {
    let names = &guild.names;
    let toggle = routes::guild_automation_triggers_toggle(guild.id);
    let delete = routes::guild_automation_triggers_delete(guild.id);
    html! {
        @if list.triggers.is_empty() {
            p.muted #no-triggers { "No trigger yet." }
        } @else {
            div.scroll { table #triggers .stack {
                thead { tr {
                    th { "Name" } th { "Match" } th { "Response" } th { "Filters" } th { "Cooldown" }
                    th { "Actions" } th { "State" } th {}
                } }
                tbody { @for trigger in list.triggers {
                    @let paused = trigger.kind == MatchKind::Regex && !list.regex_allowed;
                    tr {
                        td { strong { (trigger.name) } }
                        td data-label="Match" {
                            (trigger.kind.title())
                            @if trigger.case_sensitive { " " small.muted { "(case sensitive)" } }
                            br;
                            code { (trigger.pattern) }
                        }
                        td data-label="Response" {
                            @if trigger.response.trim().is_empty() {
                                span.muted { "no answer" }
                            } @else {
                                (excerpt(&trigger.response, 60))
                            }
                        }
                        td data-label="Filters" {
                            div { "Channels: " @if trigger.channels.is_empty() { "all" } @else {
                                @for (index, channel) in trigger.channels.iter().enumerate() {
                                    @if index > 0 { ", " }
                                    (names.channel(*channel))
                                }
                            } }
                            div { "Roles: " (names.roles(&trigger.roles, "everyone")) }
                        }
                        td data-label="Cooldown" { (cooldown_words(trigger)) }
                        td data-label="Actions" { (trigger_actions(trigger, names)) }
                        td data-label="State" {
                            @if !trigger.enabled {
                                span.state.off { "off" }
                            } @else if paused {
                                span.state.paused title="Regex triggers need premium" { "paused: needs premium" }
                            } @else {
                                span.state.on { "on" }
                            }
                        }
                        td.actions {
                            form.inline method="post" action=(toggle) {
                                (csrf_field(csrf))
                                input type="hidden" name="name" value=(trigger.name);
                                @if trigger.enabled {
                                    input type="hidden" name="enabled" value="off";
                                    button.secondary type="submit" { "Disable" }
                                } @else {
                                    input type="hidden" name="enabled" value="on";
                                    button.secondary type="submit" { "Enable" }
                                }
                            }
                            " "
                            a.button.secondary href=(format!("{}?edit={}#new-trigger", routes::guild_automation_triggers(guild.id), encode(&trigger.name)))
                                title=(format!("Edit the trigger “{}”", trigger.name)) { "Edit" }
                            " "
                            form.inline method="post" action=(delete) {
                                (csrf_field(csrf))
                                input type="hidden" name="name" value=(trigger.name);
                                button.secondary type="submit" title=(format!("Delete the trigger “{}”", trigger.name)) { "Delete" }
                            }
                        }
                    }
                } }
            } }
        }
    }
}

/// Which words of a refusal name which field of the add form (most specific first).
const TRIGGER_FIELDS: &[(&str, &[&str])] = &[
    ("response", &["response", "variable"]),
    ("pattern", &["pattern", "regular expression"]),
    ("kind", &["match kind"]),
    ("cooldown", &["cooldown"]),
    ("react", &["reaction", "emoji"]),
    ("add_role", &["role to give", "give and take", "add_role"]),
    ("remove_role", &["role to take", "remove_role"]),
    ("roles", &["role filter", ".roles"]),
    ("channels", &["channel filter", "channel"]),
    ("name", &["name"]),
];

fn trigger_form(guild: GuildId, csrf: &str, list: &TriggersPage<'_>) -> Markup {
    let form = list.form;
    let problems = Problems::placed(list.errors, TRIGGER_FIELDS);
    let kind = if form.kind.is_empty() {
        "word"
    } else {
        form.kind.as_str()
    };
    let per = if form.cooldown_per.is_empty() {
        "member"
    } else {
        form.cooldown_per.as_str()
    };
    let field = |name: &'static str, id: &str, label: &str, control: Markup, help: Markup| {
        html! {
            div.field {
                label for=(id) { (label) }
                (control)
                (help)
                (problems.at(name))
            }
        }
    };
    let help = |text: &str| html! { small.help { (text) } };
    let pickers = list.pickers;
    html! {
        form #new-trigger .automation-form method="post" action=(routes::guild_automation_triggers_new(guild)) {
            (csrf_field(csrf))
            (pickers.emoji_list())
            @if form.editing.is_empty() {
                h2 { "Add a trigger" }
            } @else {
                h2 { "Edit the trigger “" (form.editing) "”" }
                input type="hidden" name="editing" value=(form.editing);
            }
            (problems.above("trigger-errors"))
            @if form.editing.is_empty() {
                (field("name", "trigger-name", "Name", html! {
                    input #trigger-name type="text" name="name" maxlength="50" required value=(form.name) placeholder="greeting";
                }, help("Unique in this server; 1 to 50 characters.")))
            } @else {
                (field("name", "trigger-name", "Name", html! {
                    input #trigger-name type="text" name="name" readonly value=(form.editing);
                }, help("To rename a trigger, add it under the new name and delete this one.")))
            }
            (field("kind", "trigger-kind", "Match", html! {
                select #trigger-kind name="kind" {
                    @for option in MatchKind::ALL {
                        option value=(option.as_str()) selected[kind == option.as_str()] { (option.title()) }
                    }
                }
            }, html! {
                @if !list.regex_allowed {
                    small.help { "Regular expressions need Guildhall Premium; this server is on the free tier." }
                }
            }))
            (field("pattern", "trigger-pattern", "Pattern", html! {
                input #trigger-pattern type="text" name="pattern" required value=(form.pattern) placeholder="hello";
            }, help("The word or phrase it listens for, or the regular expression.")))
            div.field.check {
                label { input type="checkbox" name="case_sensitive" value="on" checked[form.case_sensitive]; " Case sensitive" }
            }
            (field("response", "trigger-response", "Response", html! {
                textarea #trigger-response name="response" rows="3" maxlength="2000" { (form.response) }
            }, html! {
                small.help { "Empty: no answer (an action-only trigger). Variables: " }
                ul.variables {
                    @for (name, meaning) in VARIABLES {
                        li { code { "{" (name) "}" } " " span.muted { (meaning) } }
                    }
                }
                small.help { "Write " code { "{{" } " or " code { "}}" } " for a literal brace." }
            }))
            div.field.check {
                label { input type="checkbox" name="embed" value="on" checked[form.embed]; " Answer in an embed" }
            }
            (field("cooldown", "trigger-cooldown", "Cooldown (seconds)", html! {
                div.inline-fields {
                    input #trigger-cooldown type="number" name="cooldown" min="0" max=(MAX_COOLDOWN_SECS) value=(if form.cooldown.is_empty() { "0" } else { form.cooldown.as_str() });
                    select name="cooldown_per" aria-label="Cooldown applies" {
                        option value="member" selected[per == "member"] { "per member" }
                        option value="channel" selected[per == "channel"] { "per channel" }
                    }
                }
            }, help("0: no cooldown; at most a day (86400).")))
            fieldset {
                legend { "Filters" }
                (field("channels", "trigger-channels", "Only in these channels",
                    pickers.channels("channels", "trigger-channels", ChannelFilter::Any, &form.channels),
                    help("None picked: everywhere. A category covers its channels.")))
                (field("roles", "trigger-roles", "Only for members with one of these roles",
                    pickers.roles("roles", "trigger-roles", &form.roles, false),
                    help("None picked: everyone.")))
            }
            fieldset {
                legend { "Actions" }
                div.field.check {
                    label { input type="checkbox" name="delete_message" value="on" checked[form.delete_message]; " Delete the message" }
                }
                (field("add_role", "trigger-add-role", "Give a role",
                    pickers.role("add_role", "trigger-add-role", &form.add_role, Some("No role"), true), html! {}))
                (field("remove_role", "trigger-remove-role", "Take a role",
                    pickers.role("remove_role", "trigger-remove-role", &form.remove_role, Some("No role"), true), html! {}))
                (field("react", "trigger-react", "React with", emoji_input("react", &form.react, "React with"),
                    help("One emoji; blank for none.")))
            }
            @if form.editing.is_empty() {
                button type="submit" { "Add trigger" }
            } @else {
                button type="submit" { "Save trigger" }
                " "
                a.button.secondary href=(routes::guild_automation_triggers(guild)) { "Cancel" }
            }
        }
    }
}

/// The tester's answer fragment.
pub fn test_result(test: &TestView) -> Markup {
    html! {
        div #trigger-test-result .test-result aria-live="polite" {
            @for note in &test.notes { p.muted { (note) } }
            @if !test.asked {
                small.muted { "Type a message to see which trigger would answer it." }
            } @else {
                @match &test.fires {
                    Some(name) => {
                        p { "Fires: " strong { (name) } }
                        @if let Some(response) = &test.response {
                            div.sample-response.embed[test.embed] {
                                small.muted { "The bot answers" (if test.embed { " (embed)" } else { "" }) ":" }
                                blockquote { (response) }
                            }
                        }
                        @if !test.actions.is_empty() {
                            p { "Also: " (test.actions.join(", ")) }
                        }
                    },
                    None => p { "No trigger fires for this message." },
                }
                @if !test.also_matching.is_empty() {
                    p.muted {
                        "Also matching (a message fires only the first trigger that lets it through): "
                        (test.also_matching.join(", "))
                    }
                }
            }
            @if test.paused_regex > 0 {
                p.warning {
                    (test.paused_regex) " regex trigger" (if test.paused_regex == 1 { " is" } else { "s are" })
                    " paused: regex triggers need Guildhall Premium, and were left out of this test."
                }
            }
        }
    }
}

fn tester(guild: GuildId, csrf: &str, list: &TriggersPage<'_>) -> Markup {
    let url = routes::guild_automation_triggers_test(guild);
    html! {
        form #trigger-tester .automation-form method="post" action=(url)
            hx-post=(url) hx-trigger="input changed delay:400ms from:#tester-sample, change, submit"
            hx-target="#trigger-test-result" hx-swap="outerHTML" {
            (csrf_field(csrf))
            h2 { "Try a message" }
            div.field {
                label for="tester-sample" { "Sample message" }
                textarea #tester-sample name="sample" rows="2" placeholder="hello everyone" { (list.tester.sample) }
            }
            div.field {
                label for="tester-channel" { "Sent in (optional)" }
                (list.pickers.channel("channel", "tester-channel", ChannelFilter::Messages, &list.tester.channel, Some("Any channel")))
                small.help { "Nothing is posted: this only shows what the triggers would do, with you as the member." }
            }
            button type="submit" { "Test" }
            (test_result(list.test))
        }
    }
}

/// The triggers page.
pub fn triggers(user: &CurrentUser, guild: &GuildAccess, list: &TriggersPage<'_>) -> Markup {
    page(
        &format!("{} · triggers", guild.name),
        Some(user),
        html! {
            h1 { (guild.name) }
            (guild_tabs(guild, "Triggers"))
            (flash_line(list.flash))
            (switched_off(list.enabled))
            h2 { "Triggers" }
            p.muted { "Checked in this order: a message fires the first trigger whose pattern, filters and cooldown let it through." }
            (trigger_table(guild, &user.csrf, list))
            (tester(guild.id, &user.csrf, list))
            (trigger_form(guild.id, &user.csrf, list))
        },
    )
}

// ---------------------------------------------------------------------------------------------
// Automations (flows)
// ---------------------------------------------------------------------------------------------

/// The kinds of step the editor offers: the form's value and its label.
pub const STEP_KINDS: &[(&str, &str)] = &[
    ("send", "Post in a channel"),
    ("dm", "DM the member"),
    ("add_role", "Give a role"),
    ("remove_role", "Take a role"),
    ("wait", "Wait"),
    ("check", "Check the member"),
];

/// The events the editor offers: the form's value and its label.
pub const FLOW_EVENTS: &[(&str, &str)] = &[
    ("member_joined", "A member joins"),
    ("role_added", "A member gets a role"),
    ("level_reached", "A member reaches a level"),
    ("trigger_fired", "A trigger fires"),
    ("schedule_posted", "A scheduled message posts"),
];

/// One step of the editor, as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StepForm {
    /// One of [`STEP_KINDS`].
    pub kind: String,
    /// The channel of a post.
    pub channel: String,
    /// The text of a post or DM.
    pub text: String,
    /// The role to give or take.
    pub role: String,
    /// A wait, as typed (`10m`, `2h`, `1d`).
    pub wait: String,
    /// A check's roles of which the member must have one.
    pub has_any: Vec<String>,
    /// A check's roles the member must not have.
    pub lacks_all: Vec<String>,
}

/// The automation editor, as typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowForm {
    /// The name.
    pub name: String,
    /// The name of the automation being edited (empty: a new one).
    pub editing: String,
    /// Whether it is switched on (kept when edited).
    pub enabled: bool,
    /// One of [`FLOW_EVENTS`].
    pub when: String,
    /// The role of `role_added`.
    pub when_role: String,
    /// The trigger of `trigger_fired`.
    pub when_trigger: String,
    /// The scheduled message of `schedule_posted`.
    pub when_schedule: String,
    /// The level of `level_reached`.
    pub when_level: String,
    /// The member must have one of these at the start.
    pub roles_any: Vec<String>,
    /// The member must have none of these at the start.
    pub roles_none: Vec<String>,
    /// The steps, in order.
    pub steps: Vec<StepForm>,
}

impl Default for FlowForm {
    fn default() -> Self {
        Self {
            name: String::new(),
            editing: String::new(),
            enabled: true,
            when: "member_joined".to_owned(),
            when_role: String::new(),
            when_trigger: String::new(),
            when_schedule: String::new(),
            when_level: String::new(),
            roles_any: Vec::new(),
            roles_none: Vec::new(),
            steps: vec![StepForm {
                kind: "send".to_owned(),
                ..StepForm::default()
            }],
        }
    }
}

/// One automation as the list shows it.
#[derive(Debug)]
pub struct FlowRow<'a> {
    /// The stored automation.
    pub flow: &'a Flow,
    /// Its runs going now.
    pub active: usize,
}

/// The editor: the form as typed, why it was refused, and what its selects offer.
#[derive(Debug)]
pub struct FlowEditor<'a> {
    /// The form.
    pub form: &'a FlowForm,
    /// Why the last save was refused.
    pub errors: &'a [String],
    /// The guild's pickers.
    pub pickers: &'a Pickers,
    /// The guild's triggers' names.
    pub triggers: &'a [String],
    /// The guild's scheduled messages: number and name.
    pub schedules: &'a [(i64, String)],
    /// Whether the guild's tier has multi-stage automations.
    pub multi_allowed: bool,
}

/// Everything the automations page shows.
#[derive(Debug)]
pub struct FlowsPage<'a> {
    /// The guild's automations.
    pub flows: &'a [FlowRow<'a>],
    /// The latest runs, newest first.
    pub runs: &'a [FlowRun],
    /// The editor.
    pub editor: &'a FlowEditor<'a>,
    /// Whether `features.automation` is on.
    pub enabled: bool,
    /// A message after an action.
    pub flash: Option<&'a Flash>,
    /// The server's time zone, for the runs' times.
    pub zone: &'a str,
}

/// A wait as the editor writes it: `90s`, `10m`, `2h`, `1d`.
pub fn wait_text(seconds: u64) -> String {
    match seconds {
        0 => "0s".to_owned(),
        s if s % 86_400 == 0 => format!("{}d", s / 86_400),
        s if s % 3_600 == 0 => format!("{}h", s / 3_600),
        s if s % 60 == 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

fn spoken_wait(seconds: u64) -> String {
    humantime::format_duration(std::time::Duration::from_secs(seconds)).to_string()
}

/// `text` with Discord's mentions (`<@&id>`, `<#id>`, `<@id>`) by name where the guild knows
/// them.
pub fn unmentioned(names: &Names, text: &str) -> String {
    let mut plain = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find('<') {
        plain.push_str(&rest[..start]);
        let tail = &rest[start + 1..];
        let body = tail
            .strip_prefix("@&")
            .or_else(|| tail.strip_prefix("@!"))
            .or_else(|| tail.strip_prefix('@'))
            .or_else(|| tail.strip_prefix('#'));
        let digits = body.map(|body| {
            body.char_indices()
                .find(|(_, c)| !c.is_ascii_digit())
                .map_or(body.len(), |(index, _)| index)
        });
        match (body, digits) {
            (Some(body), Some(end)) if end > 0 && body[end..].starts_with('>') => {
                plain.push_str(&body[..end]);
                rest = &body[end + 1..];
            }
            _ => {
                plain.push('<');
                rest = tail;
            }
        }
    }
    plain.push_str(rest);
    names.humanize(&plain)
}

fn schedule_name(schedules: &[(i64, String)], id: i64) -> String {
    schedules
        .iter()
        .find(|(number, _)| *number == id)
        .map_or_else(|| format!("#{id}"), |(_, name)| format!("“{name}”"))
}

/// What starts an automation, in words with names.
pub fn event_words(event: &FlowEvent, names: &Names, schedules: &[(i64, String)]) -> Markup {
    html! {
        @match event {
            FlowEvent::MemberJoined => "a member joins",
            FlowEvent::RoleAdded { role } => { "a member gets " (names.role(*role)) },
            FlowEvent::LevelReached { level } => { "a member reaches level " (level) },
            FlowEvent::TriggerFired { trigger } => { "the trigger “" (trigger) "” fires" },
            FlowEvent::SchedulePosted { schedule } => {
                "the scheduled message " (schedule_name(schedules, *schedule)) " posts"
            },
        }
    }
}

/// One step in words with names.
pub fn step_words(step: &Step, names: &Names) -> Markup {
    html! {
        @match step {
            Step::Send { channel, text } => { "post in " (names.channel(*channel)) ": " q { (excerpt(text, 60)) } },
            Step::Dm { text } => { "DM the member: " q { (excerpt(text, 60)) } },
            Step::AddRole { role } => { "give " (names.role(*role)) },
            Step::RemoveRole { role } => { "take " (names.role(*role)) },
            Step::Wait { seconds } => { "wait " (spoken_wait(*seconds)) },
            Step::Check { has_any, lacks_all } => {
                "stop unless the member is still here"
                @if !has_any.is_empty() { ", has one of " (names.roles(has_any, "")) }
                @if !lacks_all.is_empty() { ", has none of " (names.roles(lacks_all, "")) }
            },
        }
    }
}

fn flow_state(flow: &Flow, multi_allowed: bool) -> Markup {
    html! {
        @if !flow.enabled {
            span.state.off { "off" }
        } @else if flow.is_multi_stage() && !multi_allowed {
            span.state.paused title="Automations of more than one step need Guildhall Premium" { "paused: needs premium" }
        } @else {
            span.state.on { "on" }
        }
    }
}

fn flow_table(guild: &GuildAccess, csrf: &str, list: &FlowsPage<'_>) -> Markup {
    let names = &guild.names;
    let toggle = routes::guild_automation_flows_toggle(guild.id);
    let delete = routes::guild_automation_flows_delete(guild.id);
    let schedules = list.editor.schedules;
    html! {
        @if list.flows.is_empty() {
            p.muted #no-flows { "No automation yet." }
        } @else {
            div.scroll { table #flows .stack {
                thead { tr {
                    th { "Name" } th { "When" } th { "Steps" } th { "Going now" } th { "State" } th {}
                } }
                tbody { @for row in list.flows {
                    @let flow = row.flow;
                    tr {
                        td { strong { (flow.name) } }
                        td data-label="When" {
                            (event_words(&flow.when, names, schedules))
                            @if !flow.roles_any.is_empty() {
                                br; small { "only members with one of " (names.roles(&flow.roles_any, "")) }
                            }
                            @if !flow.roles_none.is_empty() {
                                br; small { "not members with " (names.roles(&flow.roles_none, "")) }
                            }
                        }
                        td data-label="Steps" {
                            ol.flow-steps { @for step in &flow.steps { li { (step_words(step, names)) } } }
                        }
                        td data-label="Going now" { (row.active) }
                        td data-label="State" { (flow_state(flow, list.editor.multi_allowed)) }
                        td.actions {
                            a.button.secondary href=(format!("{}?edit={}#flow-editor", routes::guild_automation_flows(guild.id), encode(&flow.name)))
                                title=(format!("Edit the automation “{}”", flow.name)) { "Edit" }
                            " "
                            form.inline method="post" action=(toggle) {
                                (csrf_field(csrf))
                                input type="hidden" name="name" value=(flow.name);
                                @if flow.enabled {
                                    input type="hidden" name="enabled" value="off";
                                    button.secondary type="submit" { "Disable" }
                                } @else {
                                    input type="hidden" name="enabled" value="on";
                                    button.secondary type="submit" { "Enable" }
                                }
                            }
                            " "
                            form.inline method="post" action=(delete) {
                                (csrf_field(csrf))
                                input type="hidden" name="name" value=(flow.name);
                                button.secondary type="submit" title=(format!("Delete the automation “{}”; its runs going now finish", flow.name)) { "Delete" }
                            }
                        }
                    }
                } }
            } }
        }
    }
}

fn run_state(state: &str) -> Markup {
    let class = match state {
        "running" | "waiting" | "done" => "on",
        "failed" => "paused",
        _ => "off",
    };
    html! { span class=(format!("state {class}")) { (state) } }
}

/// A time of a run's history: the hour to the second, with the day when it is not the day
/// the run started (the whole time in UTC on hover).
fn log_time(at: UnixMillis, started: UnixMillis, zone: &str) -> Markup {
    let day = |at: UnixMillis| {
        local(at, zone)
            .rsplit_once(' ')
            .map(|(day, _)| day.to_owned())
    };
    let clock = chrono::Utc
        .timestamp_millis_opt(at.0)
        .single()
        .map(|utc| match zone.parse::<chrono_tz::Tz>() {
            Ok(tz) => utc.with_timezone(&tz).format("%H:%M:%S").to_string(),
            Err(_) => utc.format("%H:%M:%S").to_string(),
        })
        .unwrap_or_else(|| when(at));
    let other_day = day(at) != day(started);
    html! {
        time.log-time datetime=(at.to_rfc3339()) title=(format!("{} UTC", when(at))) {
            @if other_day { @if let Some(day) = day(at) { span.nowrap { (day) } " " } }
            (clock)
        }
    }
}

fn run_list(guild: &GuildAccess, runs: &[FlowRun], zone: &str) -> Markup {
    let names = &guild.names;
    html! {
        h2 #runs { "Latest runs" }
        @if runs.is_empty() {
            p.muted #no-runs { "No automation has run yet." }
        } @else {
            p.muted { "The latest 50, newest first; times in " (zone) ". Open one for its history." }
            div.runs {
                @for (index, run) in runs.iter().enumerate() {
                    @let total = run.flow.steps.len();
                    @let going = matches!(run.state.as_str(), "running" | "waiting");
                    @let at = if going { (run.step + 1).min(total) } else { run.step.min(total) };
                    @let member = run.user.and_then(|user| names.member_name(user))
                        .unwrap_or_else(|| if run.user_name.is_empty() { "no member".to_owned() } else { run.user_name.clone() });
                    details.run id=(format!("run-{}", run.id)) open[index == 0] {
                        summary {
                            strong { (run.flow.name) } " · " (member) " · " (run_state(&run.state))
                            span.run-when {
                                span title=(if going { "the step it is at" } else { "the steps it ran" }) { "step " (at) "/" (total) }
                                " · started " (time_in(run.started_at, zone))
                                @if let (Some(next), "waiting") = (run.next_at, run.state.as_str()) {
                                    " · next at " (time_in(next, zone))
                                }
                                @if let Some(finished) = run.finished_at {
                                    " · ended " (time_in(finished, zone))
                                }
                            }
                        }
                        ul.run-log {
                            @for entry in &run.log {
                                li {
                                    (log_time(entry.at, run.started_at, zone))
                                    " "
                                    @if entry.step > 0 { span.muted { "step " (entry.step) ": " } }
                                    (unmentioned(names, &entry.what))
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Which words of a refusal name which field of the editor (most specific first).
const FLOW_FIELDS: &[(&str, &[&str])] = &[
    ("steps", &["step", "no steps"]),
    (
        "when",
        &["trigger", "scheduled message", "the event", "starts it"],
    ),
    ("roles", &["require roles", "roles at the start", ".roles"]),
    ("name", &["name"]),
];

fn op_button(url: &str, op: &str, label: &str, title: &str) -> Markup {
    html! {
        button.secondary type="submit" name="op" value=(op) title=(title)
            hx-post=(url) hx-target="#flow-editor" hx-swap="outerHTML" { (label) }
    }
}

fn step_fields(pickers: &Pickers, index: usize, step: &StepForm) -> Markup {
    let id = |what: &str| format!("step-{index}-{what}");
    let name = |what: &str| format!("step_{what}_{index}");
    html! {
        @match step.kind.as_str() {
            "send" => {
                div.field {
                    label for=(id("channel")) { "Channel" }
                    (pickers.channel(&name("channel"), &id("channel"), ChannelFilter::Messages, &step.channel, None))
                }
                div.field {
                    label for=(id("text")) { "Message" }
                    textarea id=(id("text")) name=(name("text")) rows="2" maxlength="2000" { (step.text) }
                }
            },
            "dm" => {
                div.field {
                    label for=(id("text")) { "Message" }
                    textarea id=(id("text")) name=(name("text")) rows="2" maxlength="2000" { (step.text) }
                }
            },
            "add_role" | "remove_role" => {
                div.field {
                    label for=(id("role")) { "Role" }
                    (pickers.role(&name("role"), &id("role"), &step.role, None, true))
                }
            },
            "wait" => {
                div.field {
                    label for=(id("wait")) { "How long" }
                    input id=(id("wait")) type="text" name=(name("wait")) value=(step.wait) placeholder="10m" size="8" autocomplete="off";
                    small.help { "Such as 90s, 10m, 2h, 1d or 1h 30m; at most 30 days." }
                }
            },
            _ => {
                div.pair { div.field {
                    label for=(id("has_any")) { "Go on only if the member has one of" }
                    (pickers.roles(&name("has_any"), &id("has_any"), &step.has_any, false))
                    small.help { "None picked: no such requirement." }
                }
                div.field {
                    label for=(id("lacks_all")) { "…and none of" }
                    (pickers.roles(&name("lacks_all"), &id("lacks_all"), &step.lacks_all, false))
                } }
                small.help { "The run stops here unless the member is still in the server and passes this." }
            },
        }
    }
}

/// The automation editor (the fragment its step operations swap in): name, event, conditions
/// and the ordered steps, each with its kind and fields and its up, down and remove buttons.
pub fn flow_editor(guild: GuildId, csrf: &str, editor: &FlowEditor<'_>) -> Markup {
    let form = editor.form;
    let url = routes::guild_automation_flows_edit(guild);
    let problems = Problems::placed(editor.errors, FLOW_FIELDS);
    let pickers = editor.pickers;
    let count = form.steps.len();
    let member_event = form.when != "schedule_posted";
    html! {
        div #flow-editor {
            form #flow-form .automation-form method="post" action=(format!("{url}#flow-editor")) {
                // Enter in a field saves (the first submit button is the form's default).
                button.default-submit type="submit" name="op" value="save" tabindex="-1" aria-hidden="true" { "Save" }
                (csrf_field(csrf))
                input type="hidden" name="enabled" value=(if form.enabled { "on" } else { "off" });
                @if form.editing.is_empty() {
                    h2 { "New automation" }
                } @else {
                    h2 { "Edit the automation “" (form.editing) "”" }
                    input type="hidden" name="editing" value=(form.editing);
                }
                (problems.above("flow-errors"))
                div.field {
                    label for="flow-name" { "Name" }
                    @if form.editing.is_empty() {
                        input #flow-name type="text" name="name" maxlength="50" value=(form.name) placeholder="welcome";
                        small.help { "Unique in this server; 1 to 50 characters." }
                    } @else {
                        input #flow-name type="text" name="name" readonly value=(form.editing);
                        small.help { "To rename an automation, save it under the new name and delete this one." }
                    }
                    (problems.at("name"))
                }
                fieldset #flow-when {
                    legend { "Start" }
                    div.field {
                        label for="flow-event" { "When" }
                        select #flow-event name="when" hx-post=(url) hx-trigger="change" hx-target="#flow-editor" hx-swap="outerHTML" {
                            @for (value, label) in FLOW_EVENTS {
                                option value=(value) selected[form.when == *value] { (label) }
                            }
                        }
                        noscript { (op_button(&url, "refresh", "Show its fields", "Show the fields of the event picked")) }
                    }
                    @match form.when.as_str() {
                        "role_added" => div.field {
                            label for="flow-when-role" { "The role" }
                            (pickers.role("when_role", "flow-when-role", &form.when_role, None, false))
                        },
                        "trigger_fired" => div.field {
                            label for="flow-when-trigger" { "The trigger" }
                            select #flow-when-trigger name="when_trigger" {
                                @if editor.triggers.is_empty() && form.when_trigger.is_empty() {
                                    option value="" selected disabled { "This server has no trigger yet" }
                                } @else if form.when_trigger.is_empty() {
                                    option value="" selected disabled { "Pick a trigger…" }
                                }
                                @for name in editor.triggers {
                                    option value=(name) selected[name.eq_ignore_ascii_case(&form.when_trigger)] { (name) }
                                }
                                @if !form.when_trigger.is_empty() && !editor.triggers.iter().any(|name| name.eq_ignore_ascii_case(&form.when_trigger)) {
                                    option value=(form.when_trigger) selected { (form.when_trigger) " (no such trigger now)" }
                                }
                            }
                        },
                        "level_reached" => div.field {
                            label for="flow-when-level" { "The level" }
                            input #flow-when-level type="number" name="when_level" min="1" max="1000" value=(form.when_level);
                        },
                        "schedule_posted" => div.field {
                            label for="flow-when-schedule" { "The scheduled message" }
                            select #flow-when-schedule name="when_schedule" {
                                @if form.when_schedule.is_empty() {
                                    option value="" selected disabled {
                                        (if editor.schedules.is_empty() { "This server has no scheduled message yet" } else { "Pick a scheduled message…" })
                                    }
                                }
                                @for (id, name) in editor.schedules {
                                    option value=(id) selected[id.to_string() == form.when_schedule] { (name) }
                                }
                            }
                            small.help { "A scheduled message has no member: its steps can post, wait, and nothing else." }
                        },
                        _ => {},
                    }
                    (problems.at("when"))
                }
                @if member_event {
                    fieldset #flow-conditions {
                        legend { "Only for members" }
                        div.pair { div.field {
                            label for="flow-roles-any" { "With one of these roles" }
                            (pickers.roles("roles_any", "flow-roles-any", &form.roles_any, false))
                            small.help { "None picked: anyone." }
                        }
                        div.field {
                            label for="flow-roles-none" { "With none of these roles" }
                            (pickers.roles("roles_none", "flow-roles-none", &form.roles_none, false))
                        } }
                        (problems.at("roles"))
                    }
                }
                fieldset #flow-steps {
                    legend { "Steps, in order" }
                    @if count > 1 && !editor.multi_allowed {
                        p.warning { "An automation of more than one step needs Guildhall Premium; this server is on the free tier." }
                    }
                    ol.steps {
                        @for (index, step) in form.steps.iter().enumerate() {
                            li.step id=(format!("step-{index}")) {
                                div.step-head {
                                    label for=(format!("step-{index}-kind")) { "Step " (index + 1) }
                                    select id=(format!("step-{index}-kind")) name=(format!("step_kind_{index}"))
                                        hx-post=(url) hx-trigger="change" hx-target="#flow-editor" hx-swap="outerHTML" {
                                        @for (value, label) in STEP_KINDS {
                                            option value=(value) selected[step.kind == *value] { (label) }
                                        }
                                    }
                                    noscript { (op_button(&url, "refresh", "Show its fields", "Show the fields of the kind picked")) }
                                    span.step-ops {
                                        @if index > 0 { (op_button(&url, &format!("up:{index}"), "↑ Up", &format!("Move step {} up", index + 1))) " " }
                                        @if index + 1 < count { (op_button(&url, &format!("down:{index}"), "↓ Down", &format!("Move step {} down", index + 1))) " " }
                                        (op_button(&url, &format!("remove:{index}"), "Remove", &format!("Remove step {}", index + 1)))
                                    }
                                }
                                (step_fields(pickers, index, step))
                            }
                        }
                    }
                    @if count == 0 { p.muted { "No step yet: add one." } }
                    div.add-step.inline-fields {
                        select name="add_kind" aria-label="Kind of the new step" {
                            @for (value, label) in STEP_KINDS { option value=(value) { (label) } }
                        }
                        (op_button(&url, "add_step", "Add a step", "Add a step at the end"))
                    }
                    small.help { "Messages take the trigger variables: {user}, {user.name}, {server}, {channel}, {membercount}." }
                    (problems.at("steps"))
                }
                button type="submit" name="op" value="save" { (if form.editing.is_empty() { "Save automation" } else { "Save changes" }) }
                @if !form.editing.is_empty() {
                    " " a.button.secondary href=(routes::guild_automation_flows(guild)) { "Cancel" }
                }
            }
        }
    }
}

/// The automations page: the list, the latest runs and the editor.
pub fn flows(user: &CurrentUser, guild: &GuildAccess, list: &FlowsPage<'_>) -> Markup {
    page(
        &format!("{} · automations", guild.name),
        Some(user),
        html! {
            h1 { (guild.name) }
            (guild_tabs(guild, "Automations"))
            (flash_line(list.flash))
            (switched_off(list.enabled))
            h2 { "Automations" }
            p.muted { "When something happens, and the member passes the conditions, the bot runs the steps in order. More than one step needs Guildhall Premium." }
            (flow_table(guild, &user.csrf, list))
            (run_list(guild, list.runs, list.zone))
            (flow_editor(guild.id, &user.csrf, list.editor))
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_show_in_the_schedules_zone() {
        // 2026-01-05 08:00 UTC is 09:00 in Berlin (winter time), a Monday.
        let at = UnixMillis(1_767_600_000_000);
        assert_eq!(local(at, "Europe/Berlin"), "Mon 2026-01-05 09:00");
        assert_eq!(local(at, "Nowhere/Else"), "Mon 2026-01-05 08:00 UTC");
    }
}
