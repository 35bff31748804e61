//! The automation pages: scheduled messages (the table with their schedules in words, next and
//! last runs in the schedule's own time zone, the create form and the cron helper fragment) and
//! triggers (the list, the add form and the live tester's fragment).

use chrono::TimeZone as _;
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
            h2 { "Add a trigger" }
            (problems.above("trigger-errors"))
            (field("name", "trigger-name", "Name", html! {
                input #trigger-name type="text" name="name" maxlength="50" required value=(form.name) placeholder="greeting";
            }, help("Unique in this server; 1 to 50 characters.")))
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
            button type="submit" { "Add trigger" }
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
