//! The generic settings page: a section's described fields as a form, with help, current values
//! (channels and roles picked by name), a message under each refused field, and the section's
//! history with its undo buttons.

use std::collections::HashMap;

use guildhall_core::guild_config::fields::{self, Field, FieldKind, FormErrors};
use guildhall_core::guild_config::{HistoryEntry, SectionOps};
use guildhall_core::ids::{ChannelId, RoleId};
use guildhall_core::references::ChannelKind;
use maud::{Markup, html};

use super::components::{self, Flash, csrf_field, guild_tabs};
use super::layout::page;
use crate::app::{CurrentUser, GuildAccess};
use crate::handlers::settings_form::VERSION_FIELD;
use crate::routes;

/// A channel a picker offers.
#[derive(Debug, Clone)]
pub struct ChannelChoice {
    /// The channel.
    pub id: ChannelId,
    /// Its name, without `#`.
    pub name: String,
    /// Its kind (pickers offer only the kinds their field takes).
    pub kind: ChannelKind,
}

/// What the pickers offer and the names of the ids the form holds.
#[derive(Debug, Clone, Default)]
pub struct Choices {
    /// The guild's channels, when the bot's guild model holds the guild; `None` makes channel
    /// fields take typed ids.
    pub channels: Option<Vec<ChannelChoice>>,
    /// The guild's roles, highest first, without @everyone; `None` makes role fields take ids.
    pub roles: Option<Vec<(RoleId, String)>>,
    /// Names of ids in the form (members; channels and roles when there is no list), shown
    /// beside them.
    pub names: HashMap<String, String>,
}

/// What the page shows.
pub struct FormPage<'a> {
    /// The section.
    pub section: &'static dyn SectionOps,
    /// The form's values: the stored ones, or what was submitted.
    pub values: &'a [(String, String)],
    /// The version the form saves over.
    pub version: i64,
    /// Refused fields.
    pub errors: &'a FormErrors,
    /// A message above the form.
    pub flash: Option<&'a Flash>,
    /// The pickers' contents.
    pub choices: &'a Choices,
    /// The section's latest changes.
    pub history: &'a [HistoryEntry],
    /// The guild's names, for the ids in the history.
    pub names: &'a components::Names,
}

/// The ids in one submitted value (a select sends one per pair; a text box may hold several).
pub fn split_ids(value: &str) -> impl Iterator<Item = &str> {
    value
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|id| !id.is_empty())
}

fn values_of<'a>(values: &'a [(String, String)], key: &str) -> Vec<&'a str> {
    values
        .iter()
        .filter(|(name, _)| name == key)
        .map(|(_, value)| value.as_str())
        .collect()
}

fn input_id(key: &str) -> String {
    format!("field-{}", key.replace('.', "-"))
}

/// The whole page.
pub fn settings_form(user: &CurrentUser, guild: &GuildAccess, form: &FormPage<'_>) -> Markup {
    let section = form.section;
    let action = routes::guild_settings_form(guild.id, section.name());
    page(
        &format!("{} · {}", guild.name, section.name()),
        Some(user),
        html! {
            h1 { (guild.name) }
            (guild_tabs(guild.id, "Features"))
            h2 { "Settings: " (section.name()) }
            p.muted { (section.description()) ". Changes apply at once and are kept in the history below." }
            @if let Some(flash) = form.flash {
                p.flash.error[!flash.ok] role="alert" { (flash.message) }
            }
            form.settings-form #settings-form method="post" action=(action) {
                (csrf_field(&user.csrf))
                input type="hidden" name=(VERSION_FIELD) value=(form.version);
                @for field in section.fields() {
                    (field_row(field, form))
                }
                button.primary type="submit" { "Save" }
            }
            h2 { "History of " (section.name()) }
            (components::history_table(guild.id, form.history, &user.csrf, None, form.names))
        },
    )
}

fn field_row(field: &Field, form: &FormPage<'_>) -> Markup {
    let id = input_id(field.key);
    let error = form.errors.get(field.key);
    let given = values_of(form.values, field.key);
    html! {
        div.field.invalid[error.is_some()] #(format!("row-{id}")) {
            label for=(id) { (field.label) " " small.muted { code { (field.key) } } }
            (control(field, &id, &given, form.choices))
            small.help { (field.help) }
            @if let Some(error) = error {
                p.error role="alert" { (field.label) " " (error) }
            }
        }
    }
}

fn known_name<'a>(choices: &'a Choices, id: &str) -> Option<&'a str> {
    choices.names.get(id).map(String::as_str)
}

#[allow(clippy::too_many_lines)]
fn control(field: &Field, id: &str, given: &[&str], choices: &Choices) -> Markup {
    let one = given.last().copied().unwrap_or_default();
    let selected: Vec<&str> = given.iter().flat_map(|value| split_ids(value)).collect();
    match &field.kind {
        FieldKind::Switch => {
            let on = given
                .iter()
                .any(|value| matches!(value.trim(), "on" | "true" | "yes" | "1"));
            html! { input #(id) type="checkbox" name=(field.key) value="on" checked[on]; }
        }
        FieldKind::Text { max_chars } => {
            html! { input #(id) type="text" name=(field.key) value=(one) maxlength=(max_chars); }
        }
        FieldKind::Number { min, max } => html! {
            input #(id) type="text" inputmode="numeric" name=(field.key) value=(one)
                placeholder=(format!("{min} to {max}"));
        },
        FieldKind::Duration {
            min_secs, max_secs, ..
        } => html! {
            input #(id) type="text" name=(field.key) value=(one)
                placeholder=(format!("{} to {}, such as 90, 10m, 3h, 3d", fields::format_seconds(*min_secs), fields::format_seconds(*max_secs)));
        },
        FieldKind::Template { max_chars, .. } => html! {
            textarea #(id) name=(field.key) rows="3" maxlength=(max_chars) { (one) }
        },
        FieldKind::Choice(words) => html! {
            select #(id) name=(field.key) {
                @if !words.contains(&one.trim()) {
                    option value=(one) selected { (one) }
                }
                @for word in *words {
                    option value=(word) selected[one.trim() == *word] { (word) }
                }
            }
        },
        FieldKind::Channel(filter) => match &choices.channels {
            Some(channels) => html! {
                select #(id) name=(field.key) {
                    option value="" selected[one.trim().is_empty()] { "— none —" }
                    (channel_options(channels, *filter, &selected))
                }
            },
            None => id_input(id, field.key, one, "a channel id", choices),
        },
        FieldKind::Role => match &choices.roles {
            Some(roles) => html! {
                select #(id) name=(field.key) {
                    option value="" selected[one.trim().is_empty()] { "— none —" }
                    (role_options(roles, &selected))
                }
            },
            None => id_input(id, field.key, one, "a role id", choices),
        },
        FieldKind::Member => id_input(id, field.key, one, "a member id", choices),
        FieldKind::List { of, .. } => match (**of, &choices.channels, &choices.roles) {
            (FieldKind::Channel(filter), Some(channels), _) => html! {
                select #(id) name=(field.key) multiple size="6" {
                    (channel_options(channels, filter, &selected))
                }
            },
            (FieldKind::Role, _, Some(roles)) => html! {
                select #(id) name=(field.key) multiple size="6" {
                    (role_options(roles, &selected))
                }
            },
            (FieldKind::Channel(_) | FieldKind::Role | FieldKind::Member, _, _) => html! {
                textarea #(id) name=(field.key) rows="3" placeholder="ids, one per line" {
                    (selected.join("\n"))
                }
                @let named: Vec<String> = selected.iter().map(|item| match known_name(choices, item) {
                    Some(name) => format!("{item} = {name}"),
                    None => format!("{item} (name unknown)"),
                }).collect();
                @if !named.is_empty() {
                    ul.names { @for line in &named { li { (line) } } }
                }
            },
            _ => html! {
                textarea #(id) name=(field.key) rows="3" placeholder="one per line" { (given.join("\n")) }
            },
        },
    }
}

fn id_input(id: &str, key: &str, value: &str, what: &str, choices: &Choices) -> Markup {
    let name = known_name(choices, value.trim());
    html! {
        input #(id) type="text" inputmode="numeric" name=(key) value=(value) placeholder=(what);
        @if let Some(name) = name {
            " " span.name { (name) }
        } @else if !value.trim().is_empty() {
            " " span.name.muted { "(name unknown)" }
        }
    }
}

fn channel_options(
    channels: &[ChannelChoice],
    filter: fields::ChannelFilter,
    selected: &[&str],
) -> Markup {
    let unknown: Vec<&&str> = selected
        .iter()
        .filter(|id| {
            !channels
                .iter()
                .any(|channel| channel.id.to_string() == **id)
        })
        .collect();
    html! {
        @for channel in channels.iter().filter(|channel| filter.admits(channel.kind)) {
            @let value = channel.id.to_string();
            option value=(value) selected[selected.contains(&value.as_str())] {
                @if channel.kind == ChannelKind::Category { (channel.name) " (category)" } @else { "#" (channel.name) }
            }
        }
        @for id in unknown {
            option value=(id) selected { "unknown channel " (id) }
        }
    }
}

fn role_options(roles: &[(RoleId, String)], selected: &[&str]) -> Markup {
    let unknown: Vec<&&str> = selected
        .iter()
        .filter(|id| !roles.iter().any(|(role, _)| role.to_string() == **id))
        .collect();
    html! {
        @for (role, name) in roles {
            @let value = role.to_string();
            option value=(value) selected[selected.contains(&value.as_str())] { "@" (name) }
        }
        @for id in unknown {
            option value=(id) selected { "unknown role " (id) }
        }
    }
}

/// Links to every section's generic page, for the features page.
pub fn section_links(guild: guildhall_core::ids::GuildId) -> Markup {
    html! {
        section.settings #settings-pages {
            h2 { "Settings pages" }
            ul {
                @for ops in crate::handlers::settings_form::described_sections() {
                    li {
                        a href=(routes::guild_settings_form(guild, ops.name())) { (ops.name()) }
                        " — " span.muted { (ops.description()) }
                    }
                }
            }
        }
    }
}
