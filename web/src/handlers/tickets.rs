//! The ticket pages: panels (list and a new-panel form that the bot posts), tickets with their
//! state, and a ticket's transcript with HTML and JSON downloads.
//!
//! Who may read: members with Manage Server (or operators), and members holding a staff role
//! of the ticket's panel or of the guild's `tickets.staff_roles` (known from the bot's member
//! cache, so in `guildhall serve`). Staff see only the tickets of panels they staff. Creating a
//! panel needs Manage Server, asked of Discord again. Every query is scoped to the guild of the
//! path: a ticket number of another guild is "no such ticket".

use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use guildhall_core::ids::{ChannelId, GuildId, RoleId};
use guildhall_core::references::Reference;
use guildhall_core::tickets::{
    Panel, PanelRequest, Ticket, TicketError, TicketSettings, TicketState, export,
};
use maud::Markup;
use serde::Deserialize;
use serde_json::json;

use super::pickers::{PickedForm, pickers};
use super::see_other;
use crate::app::{App, CurrentUser, Guild, GuildAccess, Write, guarded};
use crate::error::PageError;
use crate::features::Tab;
use crate::routes;
use crate::views::tickets::{self as views, PanelForm};
use axum::Router;
use axum::routing::{get, post};

/// Tickets listed per page.
pub const TICKETS_SHOWN: u32 = 200;

fn ticket_error(error: TicketError) -> PageError {
    PageError::from_core(&error)
}

/// The staff roles of `panel` (or of every panel) together with the guild's.
fn staff_roles<'a>(
    settings: &TicketSettings,
    panels: impl Iterator<Item = &'a Panel>,
) -> Vec<RoleId> {
    let mut roles = settings.staff_roles.clone();
    for panel in panels {
        for role in &panel.staff_roles {
            if !roles.contains(role) {
                roles.push(*role);
            }
        }
    }
    roles
}

/// Whether `user` holds a staff role of `panel` or of the guild's `tickets.staff_roles`.
fn staffs(
    app: &App,
    user: &CurrentUser,
    guild: GuildId,
    settings: &TicketSettings,
    panel: Option<&Panel>,
) -> bool {
    let roles = staff_roles(settings, panel.into_iter());
    app.web
        .core
        .guild_cache
        .member(guild, user.session.user)
        .is_some_and(|member| member.roles.iter().any(|role| roles.contains(role)))
}

/// The tickets list's filter.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct TicketQuery {
    /// `open`, `closed`, or empty for both.
    pub state: String,
}

fn parse_state(text: &str) -> Result<Option<TicketState>, String> {
    match text.trim() {
        "" | "all" => Ok(None),
        "open" => Ok(Some(TicketState::Open)),
        "closed" => Ok(Some(TicketState::Closed)),
        other => Err(format!(
            "unknown ticket state `{other}`; choose open, closed or all"
        )),
    }
}

struct Listing {
    access: GuildAccess,
    settings: TicketSettings,
    panels: Vec<Panel>,
    tickets: Vec<Ticket>,
}

async fn listing(
    app: &App,
    user: &CurrentUser,
    guild: GuildId,
    state: Option<TicketState>,
    fresh: bool,
) -> Result<Listing, PageError> {
    let service = app.tickets();
    let settings = app.guild_settings(guild).await?.tickets.clone();
    let panels = service.panels(guild).await.map_err(ticket_error)?;
    let access = app
        .staff_access(user, guild, fresh, &staff_roles(&settings, panels.iter()))
        .await?;
    let mut tickets = service
        .tickets(guild, state, TICKETS_SHOWN)
        .await
        .map_err(ticket_error)?;
    let mut panels = panels;
    if access.via_staff_role {
        tickets.retain(|ticket| {
            staffs(
                app,
                user,
                guild,
                &settings,
                panels.iter().find(|panel| panel.id == ticket.panel),
            )
        });
        panels.retain(|panel| staffs(app, user, guild, &settings, Some(panel)));
    }
    Ok(Listing {
        access,
        settings,
        panels,
        tickets,
    })
}

/// `GET /guilds/{guild}/tickets`: the panels, the new-panel form and the tickets.
///
/// # Errors
/// 403 without Manage Server or a staff role; 404 when the bot is not there.
pub async fn list(
    State(app): State<App>,
    user: CurrentUser,
    Path(guild): Path<GuildId>,
    Query(query): Query<TicketQuery>,
) -> Result<Markup, PageError> {
    let (state, error) = match parse_state(&query.state) {
        Ok(state) => (state, None),
        Err(error) => (None, Some(error)),
    };
    let listing = listing(&app, &user, guild, state, false).await?;
    Ok(views::tickets(
        &user,
        &listing.access,
        &listing.settings,
        &listing.panels,
        &listing.tickets,
        &query,
        error.as_deref(),
        None,
        &PanelForm::default(),
        &pickers(&app, &user, guild),
    ))
}

/// The guild's roles by name, when the bot's cache knows them (for the staff-role check).
fn role_choices(app: &App, guild: GuildId) -> Vec<(RoleId, String)> {
    guildhall_core::roles::GuildRoles::of(&app.web.core.guild_cache, guild, None, None).choices
}

/// Reads the new-panel form as typed: the channel id, the texts and the staff roles
/// (`staff_role`, one field per role, or ids separated by commas or spaces).
pub fn read_panel_form(fields: &[(String, String)]) -> PanelForm {
    let get = |name: &str| {
        fields
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.trim().to_owned())
            .unwrap_or_default()
    };
    PanelForm {
        channel: get("channel"),
        title: get("title"),
        description: get("description"),
        button_label: get("button_label"),
        staff_roles: fields
            .iter()
            .filter(|(key, _)| key == "staff_role")
            .flat_map(|(_, value)| {
                value
                    .split([',', ' '])
                    .map(str::trim)
                    .filter(|part| !part.is_empty())
                    .map(str::to_owned)
                    .collect::<Vec<_>>()
            })
            .collect(),
    }
}

/// Checks the form: the channel and role ids (roles of this guild when the bot's cache knows
/// them, never @everyone) and a title.
///
/// # Errors
/// A message saying which field is wrong and what is accepted.
pub fn check_panel_form(
    form: &PanelForm,
    known_roles: &[(RoleId, String)],
    guild: GuildId,
) -> Result<(ChannelId, Vec<RoleId>), String> {
    let channel = match form.channel.parse::<ChannelId>() {
        Ok(channel) if channel.get() != 0 => channel,
        _ => {
            return Err(format!(
                "channel must be the id of a text channel of this server (a number such as 1101234567890123456; copy it with Developer Mode), got `{}`",
                form.channel
            ));
        }
    };
    let mut roles = Vec::new();
    for text in &form.staff_roles {
        let Ok(role) = text.parse::<RoleId>() else {
            return Err(format!(
                "staff roles must be role ids (numbers), got `{text}`"
            ));
        };
        if role.get() == guild.get() {
            return Err(
                "@everyone cannot be a ticket staff role: every member would see every ticket"
                    .to_owned(),
            );
        }
        if !known_roles.is_empty() && !known_roles.iter().any(|(known, _)| *known == role) {
            return Err(format!("role {role} is not a role of this server"));
        }
        if !roles.contains(&role) {
            roles.push(role);
        }
    }
    if form.title.is_empty() {
        return Err("title must not be empty (it heads the panel, up to 256 characters)".into());
    }
    Ok((channel, roles))
}

/// The tickets page again, with the form as typed and why it was refused (422).
async fn refused_panel(
    app: &App,
    user: &CurrentUser,
    access: &GuildAccess,
    form: PanelForm,
    message: &str,
) -> Result<Response, PageError> {
    let listing = listing(app, user, access.id, None, false).await?;
    Ok((
        StatusCode::UNPROCESSABLE_ENTITY,
        views::tickets(
            user,
            access,
            &listing.settings,
            &listing.panels,
            &listing.tickets,
            &TicketQuery::default(),
            None,
            Some(message),
            &form,
            &pickers(app, user, access.id),
        ),
    )
        .into_response())
}

/// `POST /guilds/{guild}/tickets/panels`: creates a panel and hands its post to the bot
/// (`effects.perform` in the job ledger); audited as `dashboard.tickets.panel`.
///
/// # Errors
/// 403 without Manage Server (asked of Discord again); 422 with the form and the reason for a
/// bad channel, role or text, with nothing created.
pub async fn create_panel(
    State(app): State<App>,
    Guild { user, access, .. }: Guild<Write>,
    PickedForm(fields): PickedForm,
) -> Result<Response, PageError> {
    let guild = access.id;
    let known_roles = role_choices(&app, guild);
    let settings = app.guild_settings(guild).await?.tickets.clone();
    let form = read_panel_form(&fields);
    let (channel, staff_roles) = match check_panel_form(&form, &known_roles, guild) {
        Ok(checked) => checked,
        Err(message) => {
            return refused_panel(&app, &user, &access, form, &message).await;
        }
    };
    let mut references = vec![("channel".to_owned(), Reference::Channel(channel))];
    references.extend(
        staff_roles
            .iter()
            .map(|role| ("staff roles".to_owned(), Reference::Role(*role))),
    );
    if let Err(message) = app.check_references(guild, &references).await {
        return refused_panel(&app, &user, &access, form, &message).await;
    }
    let created = match app
        .tickets()
        .create_panel(
            &settings,
            PanelRequest {
                guild,
                channel,
                title: form.title.clone(),
                description: form.description.clone(),
                button_label: form.button_label.clone(),
                staff_roles,
                created_by: user.session.user,
            },
        )
        .await
    {
        Ok(created) => created,
        Err(TicketError::Invalid(message)) => {
            return refused_panel(&app, &user, &access, form, &message).await;
        }
        Err(other) => return Err(ticket_error(other)),
    };
    guildhall_core::jobs::perform::schedule(&app.web.core.ledger, Some(guild), created.post)
        .await
        .map_err(PageError::internal)?;
    app.audit(
        &user,
        "dashboard.tickets.panel",
        Some(guild),
        &created.panel.id.to_string(),
        json!({
            "channel": channel.to_string(),
            "title": created.panel.title,
            "staff_roles": created.panel.staff_roles.iter().map(ToString::to_string).collect::<Vec<_>>(),
        }),
    )
    .await;
    Ok(see_other(&routes::guild_tickets(guild)))
}

/// A ticket the user may read, with its transcript.
async fn readable(
    app: &App,
    user: &CurrentUser,
    guild: GuildId,
    number: i64,
) -> Result<(GuildAccess, guildhall_core::tickets::Transcript), PageError> {
    let service = app.tickets();
    let settings = app.guild_settings(guild).await?.tickets.clone();
    // Ask who may read before saying whether the ticket exists.
    let panels = service.panels(guild).await.map_err(ticket_error)?;
    let access = app
        .staff_access(user, guild, false, &staff_roles(&settings, panels.iter()))
        .await?;
    let transcript = service
        .transcript(guild, number)
        .await
        .map_err(ticket_error)?;
    if access.via_staff_role {
        let panel = panels
            .iter()
            .find(|panel| panel.id == transcript.ticket.panel);
        if !staffs(app, user, guild, &settings, panel) {
            return Err(PageError::Forbidden(format!(
                "ticket #{number} belongs to a panel you are not staff of"
            )));
        }
    }
    Ok((access, transcript))
}

/// `GET /guilds/{guild}/tickets/{number}`: the ticket and its transcript.
///
/// # Errors
/// 403 without Manage Server or the ticket's staff role; 404 for a number this guild has no
/// ticket with.
pub async fn ticket(
    State(app): State<App>,
    user: CurrentUser,
    Path((guild, number)): Path<(GuildId, i64)>,
) -> Result<Markup, PageError> {
    let (access, transcript) = readable(&app, &user, guild, number).await?;
    Ok(views::transcript(&user, &access, &transcript))
}

/// `GET /guilds/{guild}/tickets/{number}/export/{format}`: the transcript as a JSON or a
/// self-contained HTML download; each download is audited as `dashboard.tickets.export`.
///
/// # Errors
/// As [`ticket`]; 404 for a format other than `json` or `html`.
pub async fn export(
    State(app): State<App>,
    user: CurrentUser,
    Path((guild, number, format)): Path<(GuildId, i64, String)>,
) -> Result<Response, PageError> {
    let kind = export::Format::parse(&format).map_err(PageError::NotFound)?;
    // Who may read it first; then the premium gate, in the ticket service.
    readable(&app, &user, guild, number).await?;
    let (body, content_type) = app
        .web
        .core
        .tickets
        .export_transcript(guild, number, kind)
        .await
        .map_err(|error| PageError::from_core(&error))?;
    app.audit(
        &user,
        "dashboard.tickets.export",
        Some(guild),
        &number.to_string(),
        json!({ "format": format }),
    )
    .await;
    let mut response = super::download(
        body,
        content_type,
        &format!("ticket-{guild}-{number}.{format}"),
    );
    // The HTML carries members' words: never let it run anything, even opened in place.
    response.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; img-src https:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        ),
    );
    Ok(response)
}

/// The tickets' tab.
pub const TABS: &[Tab] = &[Tab {
    label: "Tickets",
    path: routes::guild_tickets,
}];

/// The ticket pages: the list, a new panel, a ticket and its exports.
pub fn routes(app: &App) -> Router<App> {
    Router::new()
        .route(routes::GUILD_TICKETS, guarded(app, get(list)))
        .route(
            routes::GUILD_TICKET_PANELS,
            guarded(app, post(create_panel)),
        )
        .route(routes::GUILD_TICKET, guarded(app, get(ticket)))
        .route(routes::GUILD_TICKET_EXPORT, guarded(app, get(export)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
            .collect()
    }

    #[test]
    fn the_panel_form_names_the_wrong_field() {
        let guild = GuildId::new(9);
        let roles = vec![(RoleId::new(5), "Support".to_owned())];
        let check = |pairs: &[(&str, &str)], known: &[(RoleId, String)]| {
            check_panel_form(&read_panel_form(&fields(pairs)), known, guild)
        };
        let bad_channel = check(&[("channel", "general"), ("title", "Help")], &roles);
        assert!(bad_channel.unwrap_err().contains("got `general`"));
        let unknown_role = check(
            &[("channel", "12"), ("title", "Help"), ("staff_role", "6")],
            &roles,
        );
        assert_eq!(
            unknown_role.unwrap_err(),
            "role 6 is not a role of this server"
        );
        let everyone = check(
            &[("channel", "12"), ("title", "Help"), ("staff_role", "9")],
            &[],
        );
        assert!(everyone.unwrap_err().contains("@everyone"));
        let pairs = [
            ("channel", " 12 "),
            ("title", "Help"),
            ("staff_role", "5"),
            ("staff_role", "5"),
        ];
        assert_eq!(
            check(&pairs, &roles).unwrap(),
            (ChannelId::new(12), vec![RoleId::new(5)])
        );
        assert_eq!(read_panel_form(&fields(&pairs)).title, "Help");
    }

    #[test]
    fn states_are_open_closed_or_all() {
        assert_eq!(parse_state(""), Ok(None));
        assert_eq!(parse_state("closed"), Ok(Some(TicketState::Closed)));
        assert!(
            parse_state("archived")
                .unwrap_err()
                .contains("open, closed or all")
        );
    }
}
