//! The moderation pages and their htmx fragments: cases, a case with its reason editor,
//! refused attempts, the automod rules with the tester and the pattern checker, the ladder.

use guildhall_core::automod::{AutomodSettings, RuleHit, RuleKind};
use guildhall_core::guild_config::fields::ChannelFilter;
use guildhall_core::ids::GuildId;
use guildhall_core::moderation::{Case, CaseActor, CaseKind, LadderAction, LadderStep};
use guildhall_core::refusals::RefusalRecord;
use maud::{Markup, html};
use serde_json::Value;

use super::components::{Names, csrf_field, guild_tabs, when};
use super::layout::page;
use super::pickers::Pickers;
use crate::app::{CurrentUser, GuildAccess};
use crate::handlers::moderation::CaseQuery;
use crate::routes;

fn duration_text(seconds: u64) -> String {
    humanize(seconds)
}

/// Seconds as the largest whole unit (`2h`, `90s`, `3d`).
pub fn humanize(seconds: u64) -> String {
    for (size, unit) in [(86_400, "d"), (3_600, "h"), (60, "m")] {
        if seconds >= size && seconds.is_multiple_of(size) {
            return format!("{}{unit}", seconds / size);
        }
    }
    format!("{seconds}s")
}

fn actor(actor: &CaseActor, names: &Names) -> Markup {
    match actor {
        CaseActor::Moderator(user) => names.member(*user),
        CaseActor::Automated(name) => html! { (name) },
    }
}

/// The cases list with its search form and paging.
pub fn cases(
    user: &CurrentUser,
    guild: &GuildAccess,
    query: &CaseQuery,
    cases: &[Case],
    errors: &[String],
    next: Option<i64>,
) -> Markup {
    let list = routes::guild_cases(guild.id);
    let known_members: std::collections::BTreeSet<String> = cases
        .iter()
        .flat_map(|case| {
            let moderator = match case.actor {
                CaseActor::Moderator(user) => Some(user),
                CaseActor::Automated(_) => None,
            };
            std::iter::once(case.target).chain(moderator)
        })
        .filter_map(|user| guild.names.member_name(user))
        .collect();
    page(
        &format!("{} · cases", guild.name),
        Some(user),
        html! {
            h1 { (guild.name) }
            (guild_tabs(guild, "Cases"))
            form.filters #case-search method="get" action=(list) {
                input type="search" name="q" value=(query.q) placeholder="Reason contains…" aria-label="Search reasons";
                select name="kind" aria-label="Kind" {
                    option value="" selected[query.kind.is_empty()] { "Any kind" }
                    @for kind in CaseKind::ALL {
                        option value=(kind.as_str()) selected[query.kind.trim() == kind.as_str()] { (kind.title()) }
                    }
                }
                input type="text" name="user" value=(query.user) placeholder="Member (name or id)" aria-label="Member" list="known-members";
                input type="text" name="moderator" value=(query.moderator) placeholder="Moderator (name, id or automod:rule)" aria-label="Moderator" list="known-members";
                datalist #known-members { @for name in known_members { option value=(name) {} } }
                button type="submit" { "Search" }
            }
            @for error in errors { p.error role="alert" { (error) } }
            @if cases.is_empty() {
                p.muted #no-cases { "No case matches." }
            } @else {
                div.scroll { table #cases {
                    thead { tr { th { "#" } th { "Kind" } th { "Member" } th { "By" } th { "Reason" } th { "Duration" } th { "When" } } }
                    tbody { @for case in cases { tr {
                        td { a href=(routes::guild_case(guild.id, case.number)) { (case.number) } }
                        td {
                            span class=(format!("kind {}", case.kind)) { (case.kind) }
                            @if let Some(why) = &case.failed_reason {
                                " " span.failed title=(why) { "not carried out" }
                            }
                        }
                        td { a.member href=(routes::guild_member(guild.id, case.target)) { (guild.names.member(case.target)) } }
                        td { (actor(&case.actor, &guild.names)) }
                        td { (case.reason) }
                        td { (case.duration.map(|d| duration_text(d.as_secs())).unwrap_or_default()) }
                        td { (when(case.created_at)) }
                    } } }
                } }
            }
            nav.paging {
                @if !query.before.trim().is_empty() {
                    a href=(format!("{list}?{}", query.with_before(None))) { "Newest" }
                }
                @if let Some(next) = next {
                    a #older href=(format!("{list}?{}", query.with_before(Some(next)))) { "Older cases" }
                }
            }
        },
    )
}

/// One case, its facts and the reason editor.
pub fn case(user: &CurrentUser, guild: &GuildAccess, case: &Case, error: Option<&str>) -> Markup {
    page(
        &format!("{} · case {}", guild.name, case.number),
        Some(user),
        html! {
            h1 { (guild.name) }
            (guild_tabs(guild, "Cases"))
            h2 { "Case " (case.number) " · " (case.kind.title()) }
            dl.facts {
                dt { "Member" } dd { a.member href=(routes::guild_member(guild.id, case.target)) { (guild.names.member(case.target)) } }
                dt { "By" } dd { (actor(&case.actor, &guild.names)) }
                dt { "When" } dd { (when(case.created_at)) }
                @if let Some(duration) = case.duration { dt { "Duration" } dd { (duration_text(duration.as_secs())) } }
                @if let Some(severity) = case.severity { dt { "Severity" } dd { (severity.as_str()) } }
                @if let Some(expires) = case.expires_at { dt { "Ends" } dd { (when(expires)) } }
                @if let Some(pardoned) = case.pardoned_at {
                    dt { "Pardoned" } dd { (when(pardoned)) @if let Some(by) = case.pardoned_by { " by " (guild.names.member(by)) } }
                }
                @if let Some(threshold) = case.escalation_threshold { dt { "Escalation" } dd { "at " (threshold) " warnings" } }
                @if let Some(why) = &case.failed_reason { dt { "Not carried out" } dd.failed { (why) } }
            }
            (reason_form(case, &guild.names, &user.csrf, error, false))
            p { a href=(routes::guild_cases(guild.id)) { "All cases" } }
        },
    )
}

/// The reason and its editor; the save swaps this form.
pub fn reason_form(
    case: &Case,
    names: &Names,
    csrf: &str,
    error: Option<&str>,
    saved: bool,
) -> Markup {
    let action = routes::guild_case_reason(case.guild, case.number);
    html! {
        form #reason method="post" action=(action) hx-post=(action) hx-target="this" hx-swap="outerHTML" {
            (csrf_field(csrf))
            label for="reason-text" { "Reason" }
            textarea #reason-text name="reason" rows="3" maxlength="1024" { (case.reason) }
            @if let (Some(by), Some(at)) = (case.reason_edited_by, case.reason_edited_at) {
                small.muted { "edited by " (names.member(by)) " at " (when(at)) }
            }
            button type="submit" { "Save reason" }
            @if saved { p.flash role="status" { "Reason saved." } }
            @if let Some(error) = error { p.error role="alert" { (error) } }
        }
    }
}

/// The refused attempts.
pub fn refusals(user: &CurrentUser, guild: &GuildAccess, refusals: &[RefusalRecord]) -> Markup {
    page(
        &format!("{} · refused attempts", guild.name),
        Some(user),
        html! {
            h1 { (guild.name) }
            (guild_tabs(guild, "Refused"))
            p.muted { "Actions Guildhall refused to carry out (punishing the owner, oneself, or someone ranked as high; or the bot's role too low), newest first." }
            @if refusals.is_empty() {
                p.muted #no-refusals { "Nothing has been refused." }
            } @else {
                div.scroll { table #refusals {
                    thead { tr { th { "When" } th { "Who" } th { "Action" } th { "Target" } th { "Why" } } }
                    tbody { @for refusal in refusals { tr {
                        td { (when(refusal.at)) }
                        td { (guild.names.member(refusal.invoker)) }
                        td { code { (refusal.action) } }
                        td { @if let Some(target) = refusal.target { (guild.names.member(target)) } }
                        td { (refusal.message) " " small.muted { "(" (refusal.code) ")" } }
                    } } }
                } }
            }
        },
    )
}

/// What the tester found.
#[derive(Debug, Clone)]
pub enum TestOutcome {
    /// The rules that fired.
    Hits {
        /// The hits.
        hits: Vec<RuleHit>,
        /// The rules switched on in the saved settings.
        enabled: Vec<RuleKind>,
        /// Whether every rule was switched on for the test.
        try_disabled: bool,
        /// Disabled rules that could not be tried: their settings are incomplete.
        skipped: Vec<RuleKind>,
    },
    /// The saved settings do not validate.
    Invalid(String),
}

fn describe_rule(rule: RuleKind) -> &'static str {
    match rule {
        RuleKind::Spam => "Too many messages from one member in a short window",
        RuleKind::Duplicates => "The same message, exact or reworded, again and again",
        RuleKind::Caps => "Messages mostly in capitals",
        RuleKind::Invites => "Discord invite links",
        RuleKind::Links => "Links filtered by domain",
        RuleKind::BadWords => "Words and phrases from a list (through common evasions)",
        RuleKind::BadPatterns => "Regular expressions (one per line)",
        RuleKind::Mentions => "Mass mentions and @everyone",
    }
}

fn lines_of(value: &Value) -> String {
    match value {
        Value::Array(items) => items
            .iter()
            .map(|item| match item {
                Value::String(text) => text.clone(),
                other => other.to_string(),
            })
            .collect::<Vec<_>>()
            .join("\n"),
        _ => String::new(),
    }
}

fn items_of(value: &Value) -> Vec<String> {
    match value {
        Value::Array(items) => items
            .iter()
            .map(|item| match item {
                Value::String(text) => text.clone(),
                other => other.to_string(),
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// What a rule's form calls one of its settings: a sentence, not the JSON key.
fn field_label(field: &str) -> String {
    let known = match field {
        "enabled" => "Switched on",
        "max_messages" => "Most messages",
        "window_secs" => "Within (seconds)",
        "max_repeats" => "Most repeats",
        "min_length" => "Shortest message checked (characters)",
        "max_percent" => "Most capitals (percent)",
        "allow_own_invites" => "Allow invites to this server",
        "allowed_codes" => "Invite codes allowed",
        "mode" => "Domain list is",
        "domains" => "Domains",
        "words" => "Words and phrases",
        "patterns" => "Patterns (regular expressions)",
        "max_mentions" => "Most mentions in one message",
        "block_everyone" => "Refuse @everyone and @here",
        _ => "",
    };
    if !known.is_empty() {
        return known.to_owned();
    }
    let mut words = field.replace('_', " ");
    if let Some(first) = words.get(..1) {
        let upper = first.to_uppercase();
        words.replace_range(..1, &upper);
    }
    words.replace(" secs", " (seconds)")
}

fn number_text(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// One rule's form; `value` is the rule's JSON (saved, or as submitted after a refusal).
pub fn rule_form(
    pickers: &Pickers,
    rule: RuleKind,
    value: &Value,
    csrf: &str,
    error: Option<&str>,
    saved: bool,
) -> Markup {
    let action = routes::guild_automod_rule(pickers.guild, rule.name());
    let id = format!("rule-{}", rule.name());
    let empty = serde_json::Map::new();
    let fields = value.as_object().unwrap_or(&empty);
    let act = fields.get("action").cloned().unwrap_or(Value::Null);
    let act_kind = act["kind"].as_str().unwrap_or("delete").to_owned();
    html! {
        form.rule #(id) method="post" action=(action) hx-post=(action) hx-target="this" hx-swap="outerHTML" {
            (csrf_field(csrf))
            h3 { code { (rule.name()) } }
            p.muted { (describe_rule(rule)) }
            @for (field, current) in fields {
                @let input_id = format!("{}-{field}", rule.name());
                @if field == "action" {
                    div.field {
                        label for=(format!("{}-action", rule.name())) { "Action" }
                        select #(format!("{}-action", rule.name())) name="action_kind" {
                            @for kind in ["delete", "warn", "timeout", "kick", "ban"] {
                                option value=(kind) selected[kind == act_kind] { (kind) }
                            }
                        }
                        input type="text" name="action_duration_secs" placeholder="timeout: e.g. 10m"
                            aria-label="Timeout duration" value=(act.get("duration_secs").map(number_text).unwrap_or_default());
                        input type="text" name="action_delete_message_secs" placeholder="ban: delete history, e.g. 1d"
                            aria-label="Ban message deletion window" value=(act.get("delete_message_secs").map(number_text).unwrap_or_default());
                    }
                } @else {
                    @match current {
                        Value::Bool(on) => {
                            div.field {
                                label { input type="checkbox" name=(field) value="on" checked[*on]; " " (field_label(field)) }
                            }
                        }
                        Value::Array(_) if field == "exempt_roles" => {
                            div.field {
                                label for=(input_id) { "Roles it leaves alone" }
                                (pickers.roles(field, &input_id, &items_of(current), false))
                            }
                        }
                        Value::Array(_) if field == "exempt_channels" => {
                            div.field {
                                label for=(input_id) { "Channels it leaves alone" }
                                (pickers.channels(field, &input_id, ChannelFilter::Any, &items_of(current)))
                                small.help { "A category covers its channels." }
                            }
                        }
                        Value::Array(_) => {
                            div.field {
                                label for=(input_id) { (field_label(field)) }
                                textarea #(input_id) name=(field) rows="3" { (lines_of(current)) }
                                small.help { "One per line." }
                            }
                        }
                        Value::String(text) if field == "mode" => {
                            div.field {
                                label for=(input_id) { (field_label(field)) }
                                select #(input_id) name=(field) {
                                    @for mode in ["deny_list", "allow_list"] { option value=(mode) selected[text == mode] { (mode) } }
                                }
                            }
                        }
                        Value::String(text) => {
                            div.field { label for=(input_id) { (field_label(field)) } input #(input_id) type="text" name=(field) value=(text); }
                        }
                        other => {
                            div.field { label for=(input_id) { (field_label(field)) } input #(input_id) type="text" name=(field) value=(number_text(other)); }
                        }
                    }
                }
            }
            button type="submit" { "Save " (rule.name()) }
            @if saved { p.flash role="status" { (rule.name()) " saved." } }
            @if let Some(error) = error { pre.error role="alert" { (error) } }
        }
    }
}

/// The tester's answer.
pub fn test_result(outcome: &TestOutcome) -> Markup {
    html! {
        div #test-result aria-live="polite" {
            @match outcome {
                TestOutcome::Invalid(message) => { pre.error role="alert" { (message) } }
                TestOutcome::Hits { hits, enabled, try_disabled, skipped } => {
                    @if !skipped.is_empty() {
                        p.muted { "Not tried, their settings are incomplete: "
                            (skipped.iter().map(|rule| rule.name()).collect::<Vec<_>>().join(", ")) }
                    }
                    @if hits.is_empty() {
                        p.ok #no-hits { "No rule would fire." }
                    } @else {
                        table #hits {
                            thead { tr { th { "Rule" } th { "Why" } th { "Matched" } th { "Action" } th { "Deletes" } th {} } }
                            tbody { @for hit in hits { tr {
                                td { code { (hit.rule.name()) } }
                                td { (hit.reason) }
                                td { (hit.matched.clone().unwrap_or_default()) }
                                td { (hit.action.name()) }
                                td { (if hit.delete_message { "yes" } else { "no" }) }
                                td { @if *try_disabled && !enabled.contains(&hit.rule) { small.muted { "(switched off)" } } }
                            } } }
                        }
                    }
                }
            }
        }
    }
}

/// The pattern checker's answer.
pub fn pattern_result(pattern: &str, result: &Result<(), String>) -> Markup {
    html! {
        div #pattern-result aria-live="polite" {
            @match result {
                Ok(()) => { p.ok { code { (pattern) } " is accepted." } }
                Err(message) => { pre.error role="alert" { (message) } }
            }
        }
    }
}

/// The automod page: a form per rule (`refused` re-shows one rule as submitted with the core's
/// message), the tester and the pattern checker.
pub fn automod(
    user: &CurrentUser,
    guild: &GuildAccess,
    pickers: &Pickers,
    settings: &AutomodSettings,
    refused: Option<(RuleKind, &Value, &str)>,
) -> Markup {
    automod_page(user, guild, pickers, settings, refused, None, None)
}

/// [`automod`] with the tester's and the checker's answers filled in (plain form posts).
pub fn automod_page(
    user: &CurrentUser,
    guild: &GuildAccess,
    pickers: &Pickers,
    settings: &AutomodSettings,
    refused: Option<(RuleKind, &Value, &str)>,
    tested: Option<&TestOutcome>,
    checked: Option<&(&str, Result<(), String>)>,
) -> Markup {
    let json = serde_json::to_value(settings).unwrap_or(Value::Null);
    let test = routes::guild_automod_test(guild.id);
    let pattern = routes::guild_automod_pattern(guild.id);
    page(
        &format!("{} · automod", guild.name),
        Some(user),
        html! {
            h1 { (guild.name) }
            (guild_tabs(guild, "Automod"))
            section.tester {
                h2 { "Tester" }
                p.muted { "Which rules would fire on a message, as written by a member without roles. Earlier messages (one per line, oldest first, 2 seconds apart) feed the spam and duplicate rules." }
                form #tester method="post" action=(test) hx-post=(test) hx-target="#test-result" hx-swap="outerHTML" {
                    (csrf_field(&user.csrf))
                    label for="test-text" { "Message" }
                    textarea #test-text name="text" rows="2" {}
                    label for="test-history" { "Earlier messages by the same member" }
                    textarea #test-history name="history" rows="3" {}
                    label { input type="checkbox" name="try_disabled" value="on"; " Try disabled rules too" }
                    button type="submit" { "Test" }
                }
                @match tested {
                    Some(outcome) => (test_result(outcome)),
                    None => div #test-result {},
                }
                h3 { "Pattern checker" }
                form #pattern-checker method="post" action=(pattern) hx-post=(pattern) hx-target="#pattern-result" hx-swap="outerHTML" {
                    (csrf_field(&user.csrf))
                    input type="text" name="pattern" placeholder="e.g. fr[e3]{2}\\s*n[i1]tro" aria-label="Pattern";
                    button type="submit" { "Check" }
                }
                @match checked {
                    Some((text, result)) => (pattern_result(text, result)),
                    None => div #pattern-result {},
                }
            }
            section.rules {
                h2 { "Rules" }
                p.muted { "Each rule has its own switch, action, and roles and channels it leaves alone. Saving applies at once and is kept in the settings history." }
                @for rule in RuleKind::ALL {
                    @match refused {
                        Some((kind, value, message)) if kind == rule => (rule_form(pickers, rule, value, &user.csrf, Some(message), false)),
                        _ => (rule_form(pickers, rule, &json[rule.name()], &user.csrf, None, false)),
                    }
                }
            }
        },
    )
}

/// One ladder step as the form shows it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LadderRow {
    /// The threshold, as typed.
    pub at: String,
    /// `timeout`, `kick` or `ban`.
    pub kind: String,
    /// The timeout or ban duration, as typed.
    pub duration: String,
    /// The ban's message deletion window, as typed.
    pub delete: String,
}

impl LadderRow {
    /// A saved step.
    pub fn of(step: &LadderStep) -> Self {
        let (kind, duration, delete) = match &step.action {
            LadderAction::Timeout { duration_secs } => {
                ("timeout", humanize(*duration_secs), String::new())
            }
            LadderAction::Kick {} => ("kick", String::new(), String::new()),
            LadderAction::Ban {
                delete_message_secs,
                duration_secs,
            } => (
                "ban",
                duration_secs.map(humanize).unwrap_or_default(),
                if *delete_message_secs == 0 {
                    String::new()
                } else {
                    humanize(u64::from(*delete_message_secs))
                },
            ),
        };
        Self {
            at: step.at.to_string(),
            kind: kind.to_owned(),
            duration,
            delete,
        }
    }
}

/// The ladder editor: one row per step, a blank row to add one, a remove box per step.
pub fn ladder_form(
    guild: GuildId,
    rows: &[LadderRow],
    csrf: &str,
    error: Option<&str>,
    saved: bool,
) -> Markup {
    let action = routes::guild_ladder(guild);
    let blank = LadderRow {
        kind: "timeout".into(),
        ..LadderRow::default()
    };
    html! {
        form #ladder method="post" action=(action) hx-post=(action) hx-target="this" hx-swap="outerHTML" {
            (csrf_field(csrf))
            @if let Some(error) = error { pre.error role="alert" { (error) } }
            @if saved { p.flash role="status" { "Ladder saved." } }
            table {
                thead { tr { th { "Active warnings" } th { "Action" } th { "Duration" } th { "Delete messages (ban)" } th { "Remove" } } }
                tbody {
                    @for (index, row) in rows.iter().chain(std::iter::once(&blank)).enumerate() {
                        @let is_blank = index == rows.len();
                        tr.new-step[is_blank] {
                            td { input type="number" min="1" name=(format!("at_{index}")) value=(row.at) aria-label=(format!("step {} threshold", index + 1)) placeholder=[is_blank.then_some("add a step")]; }
                            td { select name=(format!("kind_{index}")) aria-label=(format!("step {} action", index + 1)) {
                                @for kind in ["timeout", "kick", "ban"] { option value=(kind) selected[row.kind == kind] { (kind) } }
                            } }
                            td { input type="text" name=(format!("duration_{index}")) value=(row.duration) placeholder="e.g. 1h; empty ban = permanent" aria-label=(format!("step {} duration", index + 1)); }
                            td { input type="text" name=(format!("delete_{index}")) value=(row.delete) placeholder="e.g. 1d" aria-label=(format!("step {} message deletion", index + 1)); }
                            td { @if !is_blank { input type="checkbox" name=(format!("remove_{index}")) value="on" aria-label=(format!("remove step {}", index + 1)); } }
                        }
                    }
                }
            }
            button type="submit" { "Save ladder" }
        }
    }
}

/// The ladder page.
pub fn ladder(
    user: &CurrentUser,
    guild: &GuildAccess,
    rows: &[LadderRow],
    error: Option<&str>,
) -> Markup {
    page(
        &format!("{} · escalation ladder", guild.name),
        Some(user),
        html! {
            h1 { (guild.name) }
            (guild_tabs(guild, "Ladder"))
            p.muted { "After every warning, a member who reaches a step's number of active warnings gets its action (once per rise), as a case of its own. Durations take seconds or 10m, 2h, 3d." }
            (ladder_form(guild.id, rows, &user.csrf, error, false))
        },
    )
}
