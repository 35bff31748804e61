//! Pieces of pages, and the fragments htmx actions swap in.

use guildhall_core::clock::UnixMillis;
use guildhall_core::guild_config::HistoryEntry;
use guildhall_core::ids::GuildId;
use guildhall_core::jobs::{JobRecord, JobState};
use maud::{Markup, html};
use serde_json::Value;

use crate::app::GuildAccess;
use crate::auth::CSRF_FIELD;
use crate::routes;

/// A message shown after an action.
#[derive(Debug, Clone)]
pub struct Flash {
    /// Whether it reports success.
    pub ok: bool,
    /// The message.
    pub message: String,
}

impl Flash {
    /// A success message.
    pub fn ok(message: String) -> Self {
        Self { ok: true, message }
    }

    /// An error message.
    pub fn error(message: String) -> Self {
        Self { ok: false, message }
    }
}

/// The hidden CSRF field of a form.
pub fn csrf_field(csrf: &str) -> Markup {
    html! { input type="hidden" name=(CSRF_FIELD) value=(csrf); }
}

/// A guild's side navigation: the overview, each group of the navigation with its features'
/// pages (each marked on or off by its feature's switch), then the settings pages
/// ([`crate::features`]). On a narrow screen it folds behind a "Menu" button (a checkbox and
/// CSS, no script).
pub fn guild_tabs(guild: &GuildAccess, active: &str) -> Markup {
    use crate::features::{self, NavGroup};
    let link = |tab: &features::Tab, on: Option<bool>| {
        html! {
            a href=((tab.path)(guild.id)) aria-current=[(tab.label == active).then_some("page")] {
                (tab.label)
                @match on {
                    Some(true) => span.state.on title="switched on" { "on" },
                    Some(false) => span.state.off title="switched off" { "off" },
                    None => {},
                }
            }
        }
    };
    html! {
        input #nav-toggle .nav-toggle type="checkbox" aria-label="Show the server's pages";
        label.nav-toggle for="nav-toggle" { "Menu" span.muted { " · " (active) } }
        nav.side aria-label="Server pages" {
            (link(&features::OVERVIEW_TAB, None))
            (link(&features::ANALYTICS_TAB, None))
            @for group in NavGroup::ALL {
                @let pages: Vec<_> = features::in_group(group).collect();
                @if !pages.is_empty() {
                    h3 { (group.label()) }
                    @for pages in pages {
                        @let on = guild.features_on.contains(&pages.name);
                        @for tab in pages.tabs { (link(tab, Some(on))) }
                    }
                }
            }
            h3 { "Settings" }
            @for tab in features::SETTINGS_TABS { (link(tab, None)) }
        }
    }
}

/// A human time (UTC, to the second).
pub fn when(at: UnixMillis) -> String {
    at.to_rfc3339().replace('T', " ").chars().take(19).collect()
}

/// What each editable key does, for the switches page.
pub fn describe(key: &str) -> &'static str {
    match key {
        "features.moderation" => "Moderation commands, cases and the mod log",
        "features.automod" => "Automatic moderation of messages",
        "features.tickets" => "Support tickets",
        "features.levels" => "Text and voice XP, levels and rewards",
        "features.roles" => "Role panels, auto roles, self roles and timed roles",
        "features.giveaways" => "Giveaways",
        "features.automation" => "Scheduled messages and triggers",
        "commands.prefix_enabled" => "Answer prefix commands written in messages (e.g. !ping)",
        "commands.prefix" => "The prefix, 1 to 5 characters without spaces",
        "commands.prefix_per_minute" => "Prefix commands one member may run per minute (1-120)",
        _ => "",
    }
}

/// The element id of a key's row.
pub fn setting_id(key: &str) -> String {
    format!("setting-{}", key.replace('.', "-"))
}

/// One setting as a form that saves itself through htmx and swaps itself for the answer: a
/// switch for on/off keys, a field with a Save button otherwise. `error` is the core's message
/// for a refused value.
pub fn setting_row(
    guild: GuildId,
    key: &str,
    value: &Value,
    csrf: &str,
    error: Option<&str>,
) -> Markup {
    let action = routes::guild_settings(guild);
    let id = setting_id(key);
    html! {
        form.setting id=(id) method="post" action=(action) hx-post=(action)
            hx-target="this" hx-swap="outerHTML" {
            (csrf_field(csrf))
            input type="hidden" name="key" value=(key);
            div.label {
                code { (key) }
                small { (describe(key)) }
            }
            div.control {
                @match value {
                    Value::Bool(on) => {
                        button.switch.on[*on] type="submit" name="value"
                            value=(if *on { "off" } else { "on" })
                            role="switch" aria-checked=(on) aria-label=(format!("{key}: switch {}", if *on { "off" } else { "on" })) {
                            span.knob {}
                            span.state { (if *on { "On" } else { "Off" }) }
                        }
                    }
                    Value::Number(number) => {
                        input type="number" name="value" value=(number) aria-label=(key);
                        button type="submit" { "Save" }
                    }
                    Value::String(text) => {
                        input type="text" name="value" value=(text) aria-label=(key);
                        button type="submit" { "Save" }
                    }
                    other => {
                        input type="text" name="value" value=(other) aria-label=(key);
                        button type="submit" { "Save" }
                    }
                }
            }
            @if let Some(error) = error {
                p.error role="alert" { (error) }
            }
        }
    }
}

/// The fields that differ between two section values, as `field: old → new`.
pub fn diff(old: &Value, new: &Value) -> Vec<String> {
    let (Value::Object(old), Value::Object(new)) = (old, new) else {
        return vec![format!("{old} → {new}")];
    };
    new.iter()
        .filter(|(field, value)| old.get(*field) != Some(*value))
        .map(|(field, value)| {
            let before = old
                .get(field)
                .map_or_else(|| "—".to_owned(), Value::to_string);
            format!("{field}: {before} → {value}")
        })
        .collect()
}

/// The settings history with a rollback button per entry; the rollback action swaps the
/// whole table (`#history`), with `flash` above it.
pub fn history_table(
    guild: GuildId,
    entries: &[HistoryEntry],
    csrf: &str,
    flash: Option<&Flash>,
    names: &Names,
) -> Markup {
    html! {
        section #history {
            @if let Some(flash) = flash {
                p.flash.error[!flash.ok] role="status" { (flash.message) }
            }
            @if entries.is_empty() {
                p.muted { "No settings have been changed yet." }
            } @else {
                div.scroll {
                    table {
                        thead { tr { th { "When" } th { "Section" } th { "Version" } th { "Change" } th { "By" } th {} } }
                        tbody {
                            @for entry in entries {
                                tr #(format!("entry-{}", entry.id)) {
                                    td { (when(entry.changed_at)) }
                                    td { (entry.section) }
                                    td { (entry.version) }
                                    td {
                                        @for line in diff(&entry.old_value, &entry.new_value) { div { code { (names.humanize(&line)) } } }
                                        @if let Some(note) = &entry.note { div.muted { (note) } }
                                    }
                                    td { (entry.actor) }
                                    td {
                                        @let action = routes::guild_rollback(guild, entry.id);
                                        form method="post" action=(action) hx-post=(action)
                                            hx-target="#history" hx-swap="outerHTML"
                                            hx-confirm=(format!("Restore {} to version {}?", entry.section, entry.version - 1)) {
                                            (csrf_field(csrf))
                                            button.secondary type="submit" title=(format!("Restore {} to version {}", entry.section, entry.version - 1)) { "Undo" }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// One job of the ledger as a table row with its actions; the actions swap the row.
pub fn job_row(
    job: &JobRecord,
    csrf: &str,
    error: Option<&str>,
    guild_name: Option<&str>,
) -> Markup {
    let cancellable = matches!(job.state, JobState::Pending | JobState::Running);
    let retryable = matches!(
        job.state,
        JobState::Dead | JobState::Cancelled | JobState::Pending
    );
    html! {
        tr #(format!("job-{}", job.id)) {
            td { (job.id) }
            td { code { (job.kind) } }
            td {
                @if let Some(guild) = job.guild {
                    @match guild_name {
                        Some(name) => a href=(routes::guild(guild)) title=(guild) { (name) },
                        None => span.id.muted { (guild) },
                    }
                }
            }
            td { span class=(format!("state {}", job.state)) { (job.state) } }
            td { (when(job.due_at)) }
            td { (job.attempts) "/" (job.max_attempts) }
            td {
                @if let Some(last) = &job.last_error { small.muted { (last) } }
                @if let Some(error) = error { p.error role="alert" { (error) } }
            }
            td.actions {
                @if cancellable {
                    @let action = routes::job_cancel(job.id);
                    form.inline method="post" action=(action) hx-post=(action)
                        hx-target=(format!("#job-{}", job.id)) hx-swap="outerHTML" {
                        (csrf_field(csrf))
                        button.secondary type="submit" { "Cancel" }
                    }
                }
                @if retryable {
                    @let action = routes::job_retry(job.id);
                    form.inline method="post" action=(action) hx-post=(action)
                        hx-target=(format!("#job-{}", job.id)) hx-swap="outerHTML" {
                        (csrf_field(csrf))
                        button.secondary type="submit" { "Retry" }
                    }
                }
            }
        }
    }
}

/// A figure with its label.
pub fn stat(label: &str, value: &str) -> Markup {
    html! {
        div.stat {
            div.value { (value) }
            div.label { (label) }
        }
    }
}

/// The names of one guild's roles, channels and members as this process knows them (the bot's
/// guild model, or the snapshot it persisted), looked up when shown: text that holds ids
/// ([`Names::humanize`]) and the markup of one id ([`Names::channel`], [`Names::role`],
/// [`Names::member`], [`Names::message`]) — the name, with the id on hover, or the id muted
/// when the name is unknown.
#[derive(Debug, Clone, Default)]
pub struct Names {
    guild: Option<GuildId>,
    cache: Option<std::sync::Arc<guildhall_core::guild_cache::GuildCache>>,
    extra: std::collections::HashMap<u64, String>,
}

impl Names {
    /// The names of `guild` in `cache`.
    pub fn of(
        cache: &std::sync::Arc<guildhall_core::guild_cache::GuildCache>,
        guild: GuildId,
    ) -> Self {
        Self {
            guild: Some(guild),
            cache: Some(std::sync::Arc::clone(cache)),
            extra: std::collections::HashMap::new(),
        }
    }

    /// Adds a member's name.
    #[cfg(test)]
    #[must_use]
    fn with_member(mut self, user: guildhall_core::ids::UserId, name: String) -> Self {
        self.extra.insert(user.get(), name);
        self
    }

    /// The name of whatever `id` is in the guild: `@role`, `#channel`, a member's name.
    fn lookup(&self, id: u64) -> Option<String> {
        if let Some(name) = self.extra.get(&id) {
            return Some(name.clone());
        }
        let (cache, guild) = (self.cache.as_ref()?, self.guild?);
        if let Some(name) = cache.member_name(guild, guildhall_core::ids::UserId::new(id)) {
            return Some(name);
        }
        if let Some(name) = cache.role_name(guild, guildhall_core::ids::RoleId::new(id)) {
            return Some(if id == guild.get() {
                name
            } else {
                format!("@{name}")
            });
        }
        cache
            .channel(guild, guildhall_core::ids::ChannelId::new(id))
            .map(|facts| format!("#{}", facts.name))
    }

    fn shown(&self, id: u64, unknown: &str) -> Markup {
        match self.lookup(id) {
            Some(name) => html! { span.named title=(id) { (name) } },
            None => html! { span.unknown { (unknown) " " span.id.muted { (id) } } },
        }
    }

    /// A channel: `#general` (its id on hover), or "channel" and the id, muted.
    pub fn channel(&self, channel: guildhall_core::ids::ChannelId) -> Markup {
        self.shown(channel.get(), "channel")
    }

    /// A role: `@Moderator`, or "role" and the id, muted.
    pub fn role(&self, role: guildhall_core::ids::RoleId) -> Markup {
        self.shown(role.get(), "role")
    }

    /// Roles, separated by commas; `empty` when there are none.
    pub fn roles(&self, roles: &[guildhall_core::ids::RoleId], empty: &str) -> Markup {
        html! {
            @if roles.is_empty() { (empty) }
            @for (index, role) in roles.iter().enumerate() {
                @if index > 0 { ", " }
                (self.role(*role))
            }
        }
    }

    /// A member's display name, if known.
    pub fn member_name(&self, user: guildhall_core::ids::UserId) -> Option<String> {
        if let Some(name) = self.extra.get(&user.get()) {
            return Some(name.clone());
        }
        self.cache.as_ref()?.member_name(self.guild?, user)
    }

    /// A member: their name, or "member" and the id, muted.
    pub fn member(&self, user: guildhall_core::ids::UserId) -> Markup {
        self.shown(user.get(), "member")
    }

    /// A message: a link that opens it in Discord, named by its channel.
    pub fn message(
        &self,
        channel: guildhall_core::ids::ChannelId,
        message: guildhall_core::ids::MessageId,
    ) -> Markup {
        let guild = self.guild.map_or(0, GuildId::get);
        let place = self
            .lookup(channel.get())
            .unwrap_or_else(|| "its channel".to_owned());
        html! {
            a.jump href=(format!("https://discord.com/channels/{guild}/{channel}/{message}"))
                title=(format!("message {message}")) rel="noopener noreferrer" target="_blank" {
                "message in " (place)
            }
        }
    }

    /// `text` in Discord's markdown with its mentions as names (`<@id>` as `@ava`, `<#id>` as
    /// `#general`, `<@&id>` as `@Moderator`; an unknown one as `@id`, `#id`), then every other
    /// id the guild knows as its name ([`Names::humanize`]).
    pub fn mentions(&self, text: &str) -> String {
        use guildhall_core::text::{Mention, replace_mentions};
        let named = |id: u64, sign: char, member: bool| match self.lookup(id) {
            Some(name) if member && !name.starts_with(['@', '#']) => format!("@{name}"),
            Some(name) => name,
            None => format!("{sign}{id}"),
        };
        let shown = replace_mentions(text, |mention| match mention {
            Mention::Member(user) => named(user.get(), '@', true),
            Mention::Role(role) => named(role.get(), '@', false),
            Mention::Channel(channel) => named(channel.get(), '#', false),
        });
        self.humanize(&shown)
    }

    /// `text` with every id this guild knows replaced by its name (`@Moderator`, `#general`);
    /// unknown numbers stay as they are.
    pub fn humanize(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        let mut digits = String::new();
        let flush = |digits: &mut String, out: &mut String| {
            let named = (17..=20)
                .contains(&digits.len())
                .then(|| digits.parse::<u64>().ok())
                .flatten()
                .and_then(|id| self.lookup(id));
            match named {
                Some(name) => out.push_str(&name),
                None => out.push_str(digits),
            }
            digits.clear();
        };
        for character in text.chars() {
            if character.is_ascii_digit() {
                digits.push(character);
            } else {
                flush(&mut digits, &mut out);
                out.push(character);
            }
        }
        flush(&mut digits, &mut out);
        out
    }
}

#[cfg(test)]
mod names_tests {
    use super::*;

    #[test]
    fn ids_the_guild_knows_become_names_and_others_stay() {
        let names = Names::default().with_member(
            guildhall_core::ids::UserId::new(964_689_920_000_000_012),
            "ava".into(),
        );
        assert_eq!(
            names.humanize(r#"staff_roles: [] → ["964689920000000012", "964689920000000013"], 42"#),
            r#"staff_roles: [] → ["ava", "964689920000000013"], 42"#
        );
    }

    #[test]
    fn mentions_become_names_and_unknown_ones_stay_readable() {
        let names = Names::default().with_member(
            guildhall_core::ids::UserId::new(964_689_920_000_000_012),
            "ava".into(),
        );
        assert_eq!(
            names.mentions(
                "<@964689920000000012> in <#964689920000000031>, <@&5> <b>, 964689920000000012"
            ),
            "@ava in #964689920000000031, @5 <b>, ava"
        );
    }
}

/// Why a form was refused, placed: each message beside the field it is about, the rest above
/// the form. Handlers give the messages as they come (from the form's reading or from the
/// core); a form's view says which words name which of its fields ([`Problems::placed`]), so a
/// message is shown where the mistake is, and one that names no field is never lost.
#[derive(Debug, Clone, Default)]
pub struct Problems {
    messages: Vec<String>,
    /// The field each message is about (same order), if any.
    fields: Vec<Option<&'static str>>,
}

impl Problems {
    /// The messages, each placed at the first field (`(field, words)`) one of whose words it
    /// contains (ignoring case); fields are tried in order, so list the most specific first.
    pub fn placed(messages: &[String], fields: &[(&'static str, &[&str])]) -> Self {
        let placed = messages
            .iter()
            .map(|message| {
                let lower = message.to_lowercase();
                fields
                    .iter()
                    .find(|(_, words)| words.iter().any(|word| lower.contains(word)))
                    .map(|(field, _)| *field)
            })
            .collect();
        Self {
            messages: messages.to_vec(),
            fields: placed,
        }
    }

    /// Whether the form was accepted.
    pub fn is_empty(&self) -> bool {
        self.messages.is_empty()
    }

    /// The messages about `field`, to put beside it.
    pub fn at(&self, field: &str) -> Markup {
        html! {
            @for (message, _) in self.messages.iter().zip(&self.fields).filter(|(_, at)| **at == Some(field)) {
                p.error.field-error role="alert" { (message) }
            }
        }
    }

    /// A summary above the form (`id` for tests and links): how many fields to correct, and the
    /// messages that name no field.
    pub fn above(&self, id: &str) -> Markup {
        let placed = self.fields.iter().filter(|at| at.is_some()).count();
        html! {
            @if !self.is_empty() {
                div.error.form-errors id=(id) role="alert" {
                    @if placed > 0 {
                        p { "Nothing was saved: correct the " (if placed == 1 { "field" } else { "fields" }) " marked below." }
                    }
                    @let rest: Vec<&String> = self.messages.iter().zip(&self.fields).filter(|(_, at)| at.is_none()).map(|(message, _)| message).collect();
                    @if !rest.is_empty() {
                        ul { @for message in rest { li { (message) } } }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod problems_tests {
    use super::*;

    #[test]
    fn a_message_goes_beside_the_field_it_names_and_the_rest_above() {
        let problems = Problems::placed(
            &[
                "the prize must be 1 to 200 characters".to_owned(),
                "Channel 12 is not a channel of this server".to_owned(),
                "the server has 10 giveaways running".to_owned(),
            ],
            &[("prize", &["prize"]), ("channel", &["channel"])],
        );
        assert!(problems.at("prize").into_string().contains("1 to 200"));
        assert!(problems.at("channel").into_string().contains("Channel 12"));
        let above = problems.above("errors").into_string();
        assert!(above.contains("10 giveaways running"), "{above}");
        assert!(!above.contains("1 to 200"), "{above}");
        assert!(above.contains("fields marked below"), "{above}");
        assert!(Problems::default().above("errors").into_string().is_empty());
    }
}
