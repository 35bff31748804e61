//! The generic settings page: a section's described fields as a form, with help, current values
//! (channels, roles and members picked by name: [`super::pickers`]), a message under each refused field, and the section's
//! history with its undo buttons.

use guildhall_core::guild_config::fields::{self, Field, FieldKind, FormErrors};
use guildhall_core::guild_config::{HistoryEntry, SectionOps};
use maud::{Markup, html};

use super::components::{self, Flash, csrf_field, guild_tabs};
use super::layout::page;
use super::pickers::Pickers;
use crate::app::{CurrentUser, GuildAccess};
use crate::handlers::settings_form::VERSION_FIELD;
use crate::routes;

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
    /// The guild's pickers.
    pub pickers: &'a Pickers,
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
            (guild_tabs(guild, "Features"))
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
            label for=(id) { (field.label) }
            (control(field, &id, &given, form.pickers))
            small.help { (field.help) }
            @if let Some(error) = error {
                p.error role="alert" { (field.label) " " (error) }
            }
        }
    }
}

fn control(field: &Field, id: &str, given: &[&str], pickers: &Pickers) -> Markup {
    let one = given.last().copied().unwrap_or_default();
    let selected: Vec<String> = given
        .iter()
        .flat_map(|value| split_ids(value))
        .map(str::to_owned)
        .collect();
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
        FieldKind::Channel(filter) => {
            pickers.channel(field.key, id, *filter, one, Some("— none —"))
        }
        FieldKind::Role => pickers.role(field.key, id, one, Some("— none —"), false),
        FieldKind::Member => pickers.member(field.key, id, one, true),
        FieldKind::List { of, .. } => match **of {
            FieldKind::Channel(filter) => pickers.channels(field.key, id, filter, &selected),
            FieldKind::Role => pickers.roles(field.key, id, &selected, false),
            FieldKind::Member => pickers.members(field.key, id, &selected),
            _ => html! {
                textarea #(id) name=(field.key) rows="3" placeholder="one per line" { (given.join("\n")) }
            },
        },
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
