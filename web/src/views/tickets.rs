//! The ticket pages: panels with the new-panel form, the tickets list, and one transcript.

use guildhall_core::guild_config::fields::ChannelFilter;
use guildhall_core::tickets::{
    Panel, Ticket, TicketSettings, TicketState, Transcript, TranscriptSummary,
};
use maud::{Markup, html};

use super::components::{Problems, csrf_field, guild_tabs, when};
use super::layout::page;
use super::pickers::Pickers;
use crate::app::{CurrentUser, GuildAccess};
use crate::handlers::tickets::TicketQuery;
use crate::routes;

/// What the new-panel form held, to refill it after an error.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PanelForm {
    /// The channel id, as typed.
    pub channel: String,
    /// The title.
    pub title: String,
    /// The text.
    pub description: String,
    /// The button's label.
    pub button_label: String,
    /// Staff role ids, as typed or picked.
    pub staff_roles: Vec<String>,
}

/// Staff let in by a role see only the Tickets tab: the other pages need Manage Server.
fn tabs(guild: &GuildAccess) -> Markup {
    if guild.via_staff_role {
        html! {
            nav.tabs {
                a href=(routes::guild_tickets(guild.id)) aria-current="page" { "Tickets" }
            }
        }
    } else {
        guild_tabs(guild, "Tickets")
    }
}

fn state_badge(state: TicketState) -> Markup {
    html! { span class=(format!("kind {}", state.as_str())) { (state.as_str()) } }
}

/// The new-panel form: a channel, the texts and the staff roles (picked from the guild's roles
/// when the bot's cache knows them, typed as ids otherwise).
fn panel_form(
    guild: &GuildAccess,
    csrf: &str,
    form: &PanelForm,
    error: Option<&str>,
    pickers: &Pickers,
    settings: &TicketSettings,
) -> Markup {
    let errors: Vec<String> = error.map(str::to_owned).into_iter().collect();
    let problems = Problems::placed(
        &errors,
        &[
            ("staff_role", &["role"]),
            ("button_label", &["button"]),
            ("title", &["title"]),
            ("description", &["text", "description"]),
            ("channel", &["channel"]),
        ],
    );
    let action = routes::guild_ticket_panels(guild.id);
    let title = if form.title.is_empty() && form.channel.is_empty() {
        "Need help?"
    } else {
        form.title.as_str()
    };
    html! {
        form #new-panel method="post" action=(action) {
            (csrf_field(csrf))
            h2 { "Post a new panel" }
            p.muted {
                "The bot posts an embed with a button in the channel; each click opens a private "
                (settings.mode.as_str()) " ticket."
            }
            (problems.above("panel-errors"))
            div.field {
                label for="panel-channel" { "Channel" }
                (pickers.channel("channel", "panel-channel", ChannelFilter::Messages, &form.channel, None))
                small.help { "Where the bot posts the panel." }
                (problems.at("channel"))
            }
            div.field {
                label for="panel-title" { "Title" }
                input #panel-title type="text" name="title" maxlength="256" required value=(title);
                (problems.at("title"))
            }
            div.field {
                label for="panel-description" { "Text" }
                textarea #panel-description name="description" rows="3" maxlength="2000" { (form.description) }
                (problems.at("description"))
            }
            div.field {
                label for="panel-button" { "Button label" }
                input #panel-button type="text" name="button_label" maxlength="80" value=(form.button_label) placeholder="Open a ticket";
                (problems.at("button_label"))
            }
            div.field {
                label for="panel-staff" { "Staff roles" }
                (pickers.roles("staff_role", "panel-staff", &form.staff_roles, false))
                small.help { "Who sees and answers this panel's tickets; none picked uses the server's ticket staff roles." }
                (problems.at("staff_role"))
            }
            button type="submit" { "Post panel" }
        }
    }
}

/// The panels, the new-panel form (for managers) and the tickets, newest first.
#[allow(clippy::too_many_arguments)]
pub fn tickets(
    user: &CurrentUser,
    guild: &GuildAccess,
    settings: &TicketSettings,
    panels: &[Panel],
    tickets: &[Ticket],
    query: &TicketQuery,
    error: Option<&str>,
    panel_error: Option<&str>,
    form: &PanelForm,
    pickers: &Pickers,
) -> Markup {
    let names = &guild.names;
    let list = routes::guild_tickets(guild.id);
    page(
        &format!("{} · tickets", guild.name),
        Some(user),
        html! {
            h1 { (guild.name) }
            (tabs(guild))
            @if let Some(error) = error { p.error role="alert" { (error) } }
            h2 { "Panels" }
            @if panels.is_empty() {
                p.muted #no-panels { "No panel yet." }
            } @else {
                div.scroll { table #panels {
                    thead { tr { th { "Title" } th { "Channel" } th { "Mode" } th { "Staff" } th { "Created" } } }
                    tbody { @for panel in panels { tr {
                        td { (panel.title) }
                        td { (names.channel(panel.channel)) }
                        td { (panel.mode.as_str()) }
                        td { (names.roles(&panel.staff_roles, "the server's staff roles")) }
                        td { (when(panel.created_at)) " by " (names.member(panel.created_by)) }
                    } } }
                } }
            }
            @if !guild.via_staff_role {
                (panel_form(guild, &user.csrf, form, panel_error, pickers, settings))
            }
            h2 { "Tickets" }
            form.filters #ticket-filter method="get" action=(list) {
                select name="state" aria-label="State" {
                    @for (value, label) in [("", "Open and closed"), ("open", "Open"), ("closed", "Closed")] {
                        option value=(value) selected[query.state.trim() == value] { (label) }
                    }
                }
                button type="submit" { "Show" }
            }
            @if tickets.is_empty() {
                p.muted #no-tickets { "No ticket." }
            } @else {
                div.scroll { table #tickets {
                    thead { tr { th { "#" } th { "State" } th { "Opened by" } th { "Claimed by" } th { "Opened" } th { "Closed" } th { "Reason" } } }
                    tbody { @for ticket in tickets { tr {
                        td { a href=(routes::guild_ticket(guild.id, ticket.number)) { (ticket.number) } }
                        td { (state_badge(ticket.state)) }
                        td { (names.member(ticket.opener)) }
                        td { @if let Some(claimer) = ticket.claimed_by { (names.member(claimer)) } }
                        td { (when(ticket.opened_at)) }
                        td { (ticket.closed_at.map(when).unwrap_or_default()) }
                        td { (ticket.close_reason.clone().unwrap_or_default()) }
                    } } }
                } }
            }
        },
    )
}

/// One ticket: its facts, the transcript, and the downloads.
pub fn transcript(user: &CurrentUser, guild: &GuildAccess, transcript: &Transcript) -> Markup {
    let ticket = &transcript.ticket;
    let names = &guild.names;
    let summary = TranscriptSummary::of(&transcript.messages);
    page(
        &format!("{} · ticket {}", guild.name, ticket.number),
        Some(user),
        html! {
            h1 { (guild.name) }
            (tabs(guild))
            h2 { "Ticket " (ticket.number) " · " (transcript.panel_title) }
            dl.facts {
                dt { "State" } dd { (state_badge(ticket.state)) }
                dt { "Opened by" } dd { (names.member(ticket.opener)) " at " (when(ticket.opened_at)) }
                @if let Some(channel) = ticket.channel { dt { "Channel" } dd { (names.channel(channel)) } }
                @if let Some(claimer) = ticket.claimed_by { dt { "Claimed by" } dd { (names.member(claimer)) } }
                @if let Some(closed) = ticket.closed_at {
                    dt { "Closed" } dd {
                        (when(closed))
                        @if let Some(by) = ticket.closed_by { " by " (names.member(by)) } @else { " automatically" }
                    }
                }
                @if let Some(reason) = &ticket.close_reason { dt { "Reason" } dd { (reason) } }
                dt { "Messages" } dd {
                    (summary.messages) " from " (summary.participants.len()) " participants, "
                    (summary.attachments) " attachments, " (summary.edited) " edited, "
                    (summary.deleted) " deleted"
                }
            }
            p.downloads {
                a #export-html href=(routes::guild_ticket_export(guild.id, ticket.number, "html")) download { "Download HTML" }
                " · "
                a #export-json href=(routes::guild_ticket_export(guild.id, ticket.number, "json")) download { "Download JSON" }
            }
            @if transcript.messages.is_empty() {
                p.muted #no-messages { "No message was recorded." }
            }
            ol #transcript.transcript {
                @for message in &transcript.messages {
                    li.message.deleted[message.deleted_at.is_some()] id=(format!("m{}", message.message)) {
                        div.meta {
                            strong.author { (message.author_name) }
                            " " small.muted { (when(message.created_at)) " · " span.id.muted title="user id" { (message.author) } }
                            @if let Some(edited) = message.edited_at { " " small.note { "edited " (when(edited)) } }
                            @if let Some(deleted) = message.deleted_at { " " small.note { "deleted " (when(deleted)) } }
                        }
                        div.content { (message.content) }
                        @if !message.attachments.is_empty() {
                            ul.attachments { @for file in &message.attachments {
                                li {
                                    @if file.url.starts_with("https://") || file.url.starts_with("http://") {
                                        a href=(file.url) rel="noopener noreferrer nofollow" { (file.name) }
                                    } @else {
                                        (file.name)
                                    }
                                }
                            } }
                        }
                    }
                }
            }
            p { a href=(routes::guild_tickets(guild.id)) { "All tickets" } }
        },
    )
}
