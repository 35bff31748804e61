//! The roles pages and the live preview fragment: panels with their options and posting state,
//! the panel builder, self-assignable and automatic roles, and the running timed roles.

use std::collections::HashMap;

use guildhall_core::effect::{Component, OutgoingMessage};
use guildhall_core::guild_config::fields::ChannelFilter;
use guildhall_core::ids::{ChannelId, MessageId, RoleId};
use guildhall_core::roles::panel::MAX_OPTIONS;
use guildhall_core::roles::{PanelId, RolePanel, RoleSettings, TimedRole, TimedSource};
use maud::{Markup, PreEscaped, html};

use super::components::{Flash, Problems, csrf_field, guild_tabs, when};
use super::layout::page;
use super::moderation::humanize;
use super::pickers::{Pickers, emoji_input};
use crate::app::{CurrentUser, GuildAccess};
use crate::routes;

/// The preview's look: Discord's embed and components, in the page's colours.
const PREVIEW_CSS: &str = "
.discord { background: var(--card); border: 1px solid var(--line); border-radius: .5rem; padding: .75rem; margin: .5rem 0 1rem; }
.discord .embed { border-left: 4px solid #5865f2; background: var(--bg); border-radius: .25rem; padding: .5rem .75rem; max-width: 32rem; }
.discord .embed-title { font-weight: 700; }
.discord .embed-description { white-space: pre-wrap; margin: .25rem 0; }
.discord .embed-footer { color: var(--muted); font-size: .8rem; }
.discord .row { display: flex; flex-wrap: wrap; gap: .4rem; margin-top: .4rem; }
.discord .dbutton { background: #4e5058; color: #fff; border-radius: .25rem; padding: .3rem .9rem; font-size: .9rem; }
.discord .dselect { border: 1px solid var(--line); border-radius: .25rem; padding: .3rem .6rem; min-width: 16rem; background: var(--bg); }
.discord .dselect ul { list-style: none; padding: 0; margin: .3rem 0 0; }
.discord .dselect li small { display: block; color: var(--muted); }
form#panel-builder label { display: block; margin-top: .5rem; }
form#panel-builder input[type=text], form#panel-builder textarea, form#panel-builder select { font: inherit; width: 100%; }
form#panel-builder table input, form#panel-builder table select { min-width: 6rem; }
fieldset { border: 1px solid var(--line); border-radius: .4rem; margin: .75rem 0; }
";

/// One role row of the builder, as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OptionRow {
    /// The role id, as typed or picked.
    pub role: String,
    /// The label (empty: the role's name).
    pub label: String,
    /// A Unicode emoji.
    pub emoji: String,
    /// The second line of a select-menu entry.
    pub description: String,
}

impl OptionRow {
    /// Whether nothing was typed in the row.
    pub fn is_blank(&self) -> bool {
        self.role.is_empty()
            && self.label.is_empty()
            && self.emoji.is_empty()
            && self.description.is_empty()
    }
}

/// What the builder held, to refill it after a refusal and to preview it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PanelForm {
    /// The channel id (new panels only).
    pub channel: String,
    /// The embed's title.
    pub title: String,
    /// The embed's text.
    pub description: String,
    /// `buttons` or `select`.
    pub style: String,
    /// `single` or `multiple`.
    pub choice: String,
    /// The role rows that hold something, by their row number (from 0).
    pub options: Vec<(usize, OptionRow)>,
    /// Role ids of which a member needs one.
    pub any_roles: Vec<String>,
    /// Role ids a member needs all of.
    pub all_roles: Vec<String>,
    /// The lowest level, as typed.
    pub min_level: String,
    /// The youngest account, as typed (e.g. `7d`).
    pub account_age: String,
    /// The shortest membership, as typed.
    pub membership: String,
    /// Refuse members with an active warning.
    pub no_warnings: bool,
    /// How long roles taken from the panel last, as typed; empty for good.
    pub timed: String,
}

impl PanelForm {
    /// A stored panel as the builder shows it.
    pub fn of(panel: &RolePanel) -> Self {
        let ids = |roles: &[RoleId]| roles.iter().map(ToString::to_string).collect();
        let requirements = &panel.requirements;
        Self {
            channel: panel.channel.to_string(),
            title: panel.title.clone(),
            description: panel.description.clone(),
            style: panel.style.as_str().to_owned(),
            choice: panel.choice.as_str().to_owned(),
            options: panel
                .options
                .iter()
                .enumerate()
                .map(|(index, option)| {
                    (
                        index,
                        OptionRow {
                            role: option.role.to_string(),
                            label: option.label.clone(),
                            emoji: option.emoji.clone().unwrap_or_default(),
                            description: option.description.clone().unwrap_or_default(),
                        },
                    )
                })
                .collect(),
            any_roles: ids(&requirements.any_roles),
            all_roles: ids(&requirements.all_roles),
            min_level: requirements
                .min_level
                .map(|level| level.to_string())
                .unwrap_or_default(),
            account_age: requirements
                .min_account_age_secs
                .map(humanize)
                .unwrap_or_default(),
            membership: requirements
                .min_membership_secs
                .map(humanize)
                .unwrap_or_default(),
            no_warnings: requirements.no_active_warnings,
            timed: panel.timed_secs.map(humanize).unwrap_or_default(),
        }
    }
}

/// The live preview: the message as the bot will post it, why it would be refused, and the
/// bot's check of each role.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Preview {
    /// The message; `None` until a role is chosen.
    pub message: Option<OutgoingMessage>,
    /// Each field that would refuse the panel, and the core's limits.
    pub errors: Vec<String>,
    /// Roles the bot (or the admin) cannot hand out, in the core's words.
    pub problems: Vec<String>,
    /// Why the bot's check did not run, when it did not.
    pub note: Option<String>,
}

/// The builder: the form as typed, why it was refused, its preview, and the panel it edits.
#[derive(Debug, Clone)]
pub struct Builder {
    /// The fields.
    pub form: PanelForm,
    /// Why the last save was refused.
    pub errors: Vec<String>,
    /// The preview of the fields.
    pub preview: Preview,
    /// The panel being edited; `None` for a new one.
    pub editing: Option<RolePanel>,
}

/// Where a panel's message is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PanelStatus {
    /// Posted as this message.
    Posted(MessageId),
    /// Waiting for the bot (with the last attempt's error, if it failed once).
    Waiting(Option<String>),
    /// The bot gave up; why.
    Failed(String),
    /// No post was scheduled (made before the dashboard posted panels).
    NotScheduled,
}

/// A panel in the list.
#[derive(Debug, Clone)]
pub struct PanelRow {
    /// The panel.
    pub panel: RolePanel,
    /// Its message.
    pub status: PanelStatus,
}

/// The self-assignable and automatic roles form, as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SelfRolesForm {
    /// `roles.self_roles`, as role ids.
    pub self_roles: Vec<String>,
    /// `roles.auto_roles_on_join`.
    pub join_roles: Vec<String>,
    /// `roles.auto_roles_on_screening`.
    pub screening_roles: Vec<String>,
    /// The `roles` section's version the form was made from.
    pub version: String,
    /// Why the save was refused.
    pub error: Option<String>,
}

impl SelfRolesForm {
    /// The stored settings at `version`.
    pub fn of(settings: &RoleSettings, version: i64) -> Self {
        let ids = |roles: &[RoleId]| roles.iter().map(ToString::to_string).collect();
        Self {
            self_roles: ids(&settings.self_roles),
            join_roles: ids(&settings.auto_roles_on_join),
            screening_roles: ids(&settings.auto_roles_on_screening),
            version: version.to_string(),
            error: None,
        }
    }
}

/// Everything on the roles page.
#[derive(Debug, Clone, Copy)]
pub struct RolesPage<'a> {
    /// The panels, oldest first.
    pub panels: &'a [PanelRow],
    /// The new-panel builder.
    pub builder: &'a Builder,
    /// The self and automatic roles.
    pub self_roles: &'a SelfRolesForm,
    /// The running timed roles, soonest to end first.
    pub timed: &'a [TimedRole],
    /// Role names, when the bot's guild model knows them.
    pub names: &'a HashMap<RoleId, String>,
    /// The guild's pickers.
    pub pickers: &'a Pickers,
    /// Whether `features.roles` is on (auto roles need it).
    pub roles_on: bool,
    /// Whether the server's tier has timed roles (without, timed panels are paused).
    pub timed_allowed: bool,
    /// What the last action did, or why it was refused.
    pub flash: Option<&'a Flash>,
}

fn role_name(role: RoleId, names: &HashMap<RoleId, String>) -> String {
    names
        .get(&role)
        .map_or_else(|| format!("role {role}"), |name| format!("@{name}"))
}

/// A roles picker with its label; with `to_give`, roles the bot cannot hand out are disabled
/// with the reason.
fn role_picker(
    name: &str,
    id: &str,
    label: &str,
    picked: &[String],
    pickers: &Pickers,
    to_give: bool,
) -> Markup {
    html! {
        div.field {
            label for=(id) { (label) }
            (pickers.roles(name, id, picked, to_give))
        }
    }
}

/// One role row of the builder.
fn option_row(index: usize, row: &OptionRow, pickers: &Pickers) -> Markup {
    let number = index + 1;
    html! {
        tr {
            td { (number) }
            td.role {
                (pickers.role(&format!("opt_role_{index}"), &format!("opt-role-{index}"), &row.role, Some("—"), true))
            }
            td { input type="text" name=(format!("opt_label_{index}")) value=(row.label) maxlength="100" placeholder="the role's name" aria-label=(format!("role {number} label")); }
            td { (emoji_input(&format!("opt_emoji_{index}"), &row.emoji, &format!("role {number} emoji"))) }
            td { input type="text" name=(format!("opt_description_{index}")) value=(row.description) maxlength="100" placeholder="select menus only" aria-label=(format!("role {number} description")); }
        }
    }
}

fn option_table(rows: &[(usize, OptionRow)], pickers: &Pickers) -> Markup {
    html! {
        div.scroll { table {
            thead { tr { th { "#" } th { "Role" } th { "Label" } th { "Emoji" } th { "Description" } } }
            tbody { @for (index, row) in rows { (option_row(*index, row, pickers)) } }
        } }
    }
}

/// The builder form and its preview. New panels post to the panels route; an edit saves the
/// panel. Every change asks the preview route for the panel as Discord will show it.
/// Which words of a refusal name which part of the builder.
const BUILDER_FIELDS: &[(&str, &[&str])] = &[
    (
        "requirements",
        &[
            "required roles",
            "minimum",
            "account age",
            "time in the server",
            "warning",
        ],
    ),
    ("timed", &["timed", "how long", "taken from the panel"]),
    ("options", &["role", "option", "label", "emoji"]),
    ("title", &["title"]),
    ("description", &["text", "description"]),
    ("channel", &["channel"]),
];

fn builder_form(guild: &GuildAccess, csrf: &str, builder: &Builder, pickers: &Pickers) -> Markup {
    let form = &builder.form;
    let problems = Problems::placed(&builder.errors, BUILDER_FIELDS);
    let action = match &builder.editing {
        Some(panel) => routes::guild_role_panel(guild.id, panel.id),
        None => routes::guild_role_panels(guild.id),
    };
    let preview = routes::guild_role_preview(guild.id);
    let last = form.options.last().map_or(0, |(index, _)| index + 1);
    let rows: Vec<(usize, OptionRow)> = (0..last.max(MAX_OPTIONS))
        .map(|index| {
            let row = form
                .options
                .iter()
                .find(|(at, _)| *at == index)
                .map(|(_, row)| row.clone())
                .unwrap_or_default();
            (index, row)
        })
        .collect();
    let visible = (last + 3).max(5).min(rows.len());
    let style = if form.style.is_empty() {
        "buttons"
    } else {
        form.style.as_str()
    };
    let choice = if form.choice.is_empty() {
        "multiple"
    } else {
        form.choice.as_str()
    };
    html! {
        form #panel-builder method="post" action=(action)
            hx-post=(preview) hx-trigger="input changed delay:300ms, change" hx-target="#panel-preview" hx-swap="outerHTML" {
            (csrf_field(csrf))
            (pickers.emoji_list())
            @if let Some(panel) = &builder.editing {
                input type="hidden" name="panel" value=(panel.id);
            }
            (problems.above("builder-errors"))
            @match &builder.editing {
                Some(panel) => p.muted { "Posted in " (guild.names.channel(panel.channel)) "; saving updates its message." },
                None => {
                    div.field {
                        label for="panel-channel" { "Channel" }
                        (pickers.channel("channel", "panel-channel", ChannelFilter::Messages, &form.channel, None))
                        small.help { "Where the bot posts the panel." }
                        (problems.at("channel"))
                    }
                },
            }
            div.field {
                label for="panel-title" { "Title" }
                input #panel-title type="text" name="title" maxlength="256" value=(form.title) placeholder="Pick your roles";
                (problems.at("title"))
            }
            div.field {
                label for="panel-description" { "Text" }
                textarea #panel-description name="description" rows="3" maxlength="2000" { (form.description) }
                (problems.at("description"))
            }
            fieldset {
                legend { "Members pick with" }
                @for (value, text) in [("buttons", "Buttons (one per role)"), ("select", "A select menu")] {
                    label { input type="radio" name="style" value=(value) checked[style == value]; " " (text) }
                }
                @for (value, text) in [("multiple", "Any number of these roles"), ("single", "One at a time (taking one drops the others)")] {
                    label { input type="radio" name="choice" value=(value) checked[choice == value]; " " (text) }
                }
            }
            h3 { "Roles (up to " (MAX_OPTIONS) ")" }
            p.muted { "An empty label shows the role's name. Descriptions appear under select-menu entries." }
            (option_table(&rows[..visible], pickers))
            @if visible < rows.len() {
                details {
                    summary { "More roles" }
                    (option_table(&rows[visible..], pickers))
                }
            }
            (problems.at("options"))
            fieldset {
                legend { "Who may take these roles (optional)" }
                (role_picker("req_any_role", "req-any", "Members need one of", &form.any_roles, pickers, false))
                (role_picker("req_all_role", "req-all", "Members need all of", &form.all_roles, pickers, false))
                div.field {
                    label for="req-level" { "Minimum level" }
                    input #req-level type="number" min="0" name="req_min_level" value=(form.min_level);
                }
                div.field {
                    label for="req-age" { "Minimum account age" }
                    input #req-age type="text" name="req_account_age" value=(form.account_age);
                    small.help { "Such as 7d." }
                }
                div.field {
                    label for="req-membership" { "Minimum time in the server" }
                    input #req-membership type="text" name="req_membership" value=(form.membership);
                    small.help { "Such as 1d." }
                }
                label { input type="checkbox" name="req_no_warnings" value="on" checked[form.no_warnings]; " No active warnings" }
                (problems.at("requirements"))
            }
            div.field {
                label for="panel-timed" { "How long roles taken from the panel last" }
                input #panel-timed type="text" name="timed" value=(form.timed);
                small.help { "Such as 7d; empty: for good." }
                (problems.at("timed"))
            }
            p {
                button type="submit" { @if builder.editing.is_some() { "Save panel" } @else { "Create and post" } }
                " "
                button.secondary type="submit" formaction=(preview) { "Preview" }
            }
        }
        (self::preview(&builder.preview))
    }
}

/// The panel as Discord will show it (`#panel-preview`, the fragment the builder swaps in).
pub fn preview(preview: &Preview) -> Markup {
    html! {
        section #panel-preview aria-live="polite" {
            h3 { "Preview" }
            @if !preview.errors.is_empty() {
                ul.error #preview-errors role="alert" { @for error in &preview.errors { li { (error) } } }
            }
            @if !preview.problems.is_empty() {
                ul.error #preview-problems { @for problem in &preview.problems { li { (problem) } } }
            }
            @if let Some(note) = &preview.note { p.muted #preview-note { (note) } }
            @match &preview.message {
                None => p.muted { "Choose a role to see the panel." },
                Some(message) => (discord_message(message)),
            }
        }
    }
}

/// A message drawn the way Discord shows it: its embeds, then its rows of components.
fn discord_message(message: &OutgoingMessage) -> Markup {
    html! {
        div.discord {
            @if !message.content.is_empty() { p { (message.content) } }
            @for embed in &message.embeds {
                div.embed {
                    @if let Some(title) = &embed.title { div.embed-title { (title) } }
                    @if let Some(text) = &embed.description { div.embed-description { (text) } }
                    @if let Some(footer) = &embed.footer { div.embed-footer { (footer) } }
                }
            }
            @for row in &message.components {
                div.row {
                    @for component in &row.0 {
                        @match component {
                            Component::Button { label, .. } => span.dbutton { (guildhall_core::text::shown_emojis(label)) },
                            Component::Select { placeholder, options, max_values, .. } => div.dselect {
                                span.muted { (placeholder.clone().unwrap_or_default()) }
                                @if *max_values > 1 { " " small.muted { "(up to " (max_values) ")" } }
                                ul { @for option in options { li { (guildhall_core::text::shown_emojis(&option.label)) @if let Some(text) = &option.description { small { (text) } } } } }
                            },
                            Component::Premium { .. } => span.dbutton { "Premium" },
                        }
                    }
                }
            }
        }
    }
}

fn status(guild: &GuildAccess, channel: ChannelId, status: &PanelStatus) -> Markup {
    html! {
        @match status {
            PanelStatus::Posted(message) => {
                span.state.done { "posted" } " " small { (guild.names.message(channel, *message)) }
            }
            PanelStatus::Waiting(None) => { span.state { "waiting for the bot" } }
            PanelStatus::Waiting(Some(error)) => {
                span.state { "retrying" } " " small.muted { (error) }
            }
            PanelStatus::Failed(error) => {
                span.state.dead { "not posted" } " " small.error { (error) } " "
                small.muted { "Save the panel to try again." }
            }
            PanelStatus::NotScheduled => {
                span.state { "no message" } " " small.muted { "Save the panel to post it." }
            }
        }
    }
}

fn panels_table(
    guild: &GuildAccess,
    csrf: &str,
    timed_allowed: bool,
    panels: &[PanelRow],
    names: &HashMap<RoleId, String>,
) -> Markup {
    html! {
        @if panels.is_empty() {
            p.muted #no-panels { "No role panel yet." }
        } @else {
            div.scroll { table #panels {
                thead { tr { th { "#" } th { "Title" } th { "Channel" } th { "Kind" } th { "Roles" } th { "Requires" } th { "Message" } th {} } }
                tbody { @for row in panels {
                    @let panel = &row.panel;
                    tr id=(format!("panel-{}", panel.id)) {
                        td { (panel.id) }
                        td { a href=(routes::guild_role_panel(guild.id, panel.id)) { (panel.title) } }
                        td { (guild.names.channel(panel.channel)) }
                        td { (panel.style.as_str()) ", " (panel.choice.as_str())
                            @if let Some(secs) = panel.timed_secs {
                                ", lasts " (humanize(secs))
                                @if !timed_allowed {
                                    br; a.state.paused href=(routes::guild_premium(guild.id)) title="Timed roles need Guildhall Premium; the panel is kept and resumes with premium. Roles already given still end on time." { "paused: needs premium" }
                                }
                            } }
                        td { ul.options { @for option in &panel.options { li {
                            @if let Some(emoji) = &option.emoji { (guildhall_core::text::shown_emojis(emoji)) " " }
                            (option.label) " " small.muted { (role_name(option.role, names)) }
                        } } } }
                        td { (panel.requirements.summary(names).unwrap_or_default()) }
                        td { (status(guild, panel.channel, &row.status)) }
                        td.actions {
                            a href=(routes::guild_role_panel(guild.id, panel.id)) { "Edit" }
                            " "
                            form.inline method="post" action=(routes::guild_role_panel_delete(guild.id, panel.id)) {
                                (csrf_field(csrf))
                                button.secondary type="submit" title=(format!("Delete panel #{} and its message", panel.id)) { "Delete" }
                            }
                        }
                    }
                } }
            } }
        }
    }
}

fn self_roles_form(
    guild: &GuildAccess,
    csrf: &str,
    form: &SelfRolesForm,
    pickers: &Pickers,
    roles_on: bool,
) -> Markup {
    html! {
        form #self-roles method="post" action=(routes::guild_self_roles(guild.id)) {
            (csrf_field(csrf))
            input type="hidden" name="version" value=(form.version);
            @if let Some(error) = &form.error { pre.error role="alert" { (error) } }
            (role_picker("self_role", "self-roles-pick", "Members may take with /role add", &form.self_roles, pickers, true))
            (role_picker("join_role", "join-roles-pick", "Given to every member who joins", &form.join_roles, pickers, true))
            (role_picker("screening_role", "screening-roles-pick", "Given once a member passes membership screening", &form.screening_roles, pickers, true))
            @if !roles_on {
                p.muted { "Automatic roles are given only while features.roles is on (Features tab)." }
            }
            p { button type="submit" { "Save roles" } }
        }
    }
}

fn timed_table(
    guild: &GuildAccess,
    csrf: &str,
    timed: &[TimedRole],
    names: &HashMap<RoleId, String>,
) -> Markup {
    html! {
        @if timed.is_empty() {
            p.muted #no-timed { "No timed role is running." }
        } @else {
            div.scroll { table #timed-roles {
                thead { tr { th { "Member" } th { "Role" } th { "Ends" } th { "Given by" } th {} } }
                tbody { @for role in timed {
                    tr id=(format!("timed-{}", role.id)) {
                        td { (guild.names.member(role.user)) }
                        td { (role_name(role.role, names)) }
                        td { (when(role.expires_at)) " UTC" }
                        td {
                            (guild.names.member(role.granted_by))
                            @match (role.source, role.panel) {
                                (TimedSource::Panel, Some(panel)) => {
                                    " " small.muted { "on panel #" (panel) }
                                }
                                _ => { " " small.muted { "/temprole" } }
                            }
                        }
                        td.actions {
                            form.inline method="post" action=(routes::guild_timed_role_remove(guild.id, role.id)) {
                                (csrf_field(csrf))
                                button.secondary type="submit" title="Remove the role now and cancel its timer" { "Remove now" }
                            }
                        }
                    }
                } }
            } }
        }
    }
}

/// The roles page: panels, the builder with its preview, self and automatic roles, timed roles.
pub fn roles(user: &CurrentUser, guild: &GuildAccess, content: &RolesPage<'_>) -> Markup {
    page(
        &format!("{} · roles", guild.name),
        Some(user),
        html! {
            style { (PreEscaped(PREVIEW_CSS)) }
            h1 { (guild.name) }
            (guild_tabs(guild, "Roles"))
            @if let Some(flash) = content.flash {
                p.flash.error[!flash.ok] #roles-flash role=(if flash.ok { "status" } else { "alert" }) { (flash.message) }
            }
            h2 { "Role panels" }
            (panels_table(guild, &user.csrf, content.timed_allowed, content.panels, content.names))
            h2 { "New panel" }
            p.muted { "The bot posts the panel in the channel; members click to take or give back its roles. Every role must sit below the bot's highest role." }
            (builder_form(guild, &user.csrf, content.builder, content.pickers))
            h2 { "Self-assignable and automatic roles" }
            (self_roles_form(guild, &user.csrf, content.self_roles, content.pickers, content.roles_on))
            h2 { "Timed roles" }
            (timed_table(guild, &user.csrf, content.timed, content.names))
        },
    )
}

/// The builder filled with a panel, to edit it.
pub fn edit_panel(
    user: &CurrentUser,
    guild: &GuildAccess,
    builder: &Builder,
    pickers: &Pickers,
) -> Markup {
    let id = builder
        .editing
        .as_ref()
        .map_or(PanelId(0), |panel| panel.id);
    page(
        &format!("{} · role panel {id}", guild.name),
        Some(user),
        html! {
            style { (PreEscaped(PREVIEW_CSS)) }
            h1 { (guild.name) }
            (guild_tabs(guild, "Roles"))
            h2 { "Role panel #" (id) }
            (builder_form(guild, &user.csrf, builder, pickers))
            p {
                form.inline method="post" action=(routes::guild_role_panel_delete(guild.id, id)) {
                    (csrf_field(&user.csrf))
                    button.secondary type="submit" { "Delete this panel and its message" }
                }
            }
            p { a href=(routes::guild_roles(guild.id)) { "All roles" } }
        },
    )
}
