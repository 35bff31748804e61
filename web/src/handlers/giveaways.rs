//! The giveaway manager: the list with live countdowns, starting a giveaway, one giveaway with
//! its entrants, prizes, timeline and fairness proof, ending early, cancelling, rerolling a
//! prize, and the JSON and CSV downloads.
//!
//! Every handler checks Manage Server in the guild of the path first (writes ask Discord again)
//! and reads or writes only that guild's giveaways: another guild's is "no such giveaway" (404).
//! The dashboard acts as the member who is logged in (with Manage Server), so the giveaway's log
//! names them. Whatever needs Discord is handed to the bot through the job ledger: a new
//! giveaway's message (`giveaways.post`, which records the message), and the draw, the
//! cancellation's message edit and rerolls (the core schedules `giveaways.end`,
//! `giveaways.update` and `giveaways.reroll`).

use std::sync::Arc;
use std::time::Duration;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use guildhall_core::eligibility::Requirements;
use guildhall_core::giveaways::Giveaway;
use guildhall_core::giveaways::{
    GiveawayError, GiveawayId, GiveawayRequest, GiveawayService, GiveawayState, Manager,
    schedule_post,
};
use guildhall_core::ids::GuildId;
use guildhall_core::references::Reference;
use maud::Markup;
use serde::Deserialize;
use serde_json::json;

use super::moderation::parse_seconds;
use super::pickers::{PickedForm, pickers};
use super::roles::{guild_roles, read_channel};
use super::see_other;
use crate::app::{App, CurrentUser, Guild, GuildAccess, Read, Write, guarded};
use crate::error::PageError;
use crate::features::Tab;
use crate::routes;
use crate::views::components::Flash;
use crate::views::giveaways::{self as views, DetailPage, ENTRANTS_SHOWN, GiveawayForm, ListPage};
use axum::Router;
use axum::routing::{get, post};
use guildhall_core::error::UserFacing as _;
use guildhall_core::roles::GuildRoles;

/// The most giveaways the list shows.
const GIVEAWAYS_SHOWN: u32 = 200;

/// The process's one giveaway service.
fn service(app: &App) -> Arc<GiveawayService> {
    Arc::clone(&app.web.core.giveaways)
}

fn giveaway_error(error: GiveawayError) -> PageError {
    PageError::from_core(&error)
}

/// The words of a refusal the admin can act on; `None` for a failure of ours or a giveaway
/// that does not exist.
fn refusal_words(error: &GiveawayError) -> Option<String> {
    (!error.is_ours() && !error.is_missing()).then(|| error.to_string())
}

/// The logged-in admin as the giveaway's manager: the dashboard admits only members with Manage
/// Server (and operators, who act for the platform).
fn manager(app: &App, user: &CurrentUser, guild: GuildId) -> Manager {
    let roles = app
        .web
        .core
        .guild_cache
        .member(guild, user.session.user)
        .map(|member| member.roles)
        .unwrap_or_default();
    Manager::Member {
        user: user.session.user,
        roles,
        manage_server: true,
    }
}

/// The list's filter.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct GiveawayQuery {
    /// `running`, `drawing`, `ended`, `cancelled`, or empty for every state.
    pub state: String,
    /// The action just finished (`created`).
    pub done: String,
}

/// Running giveaways first, the soonest to end first; then the rest, newest first.
fn ordered(mut giveaways: Vec<Giveaway>) -> Vec<Giveaway> {
    giveaways.sort_by(|a, b| {
        let running = |giveaway: &Giveaway| giveaway.state != GiveawayState::Running;
        running(a).cmp(&running(b)).then_with(|| {
            if a.state == GiveawayState::Running && b.state == GiveawayState::Running {
                a.ends_at.cmp(&b.ends_at)
            } else {
                b.id.cmp(&a.id)
            }
        })
    });
    giveaways
}

/// The list page, with the form as typed and the reasons of a refusal.
async fn list_page(
    app: &App,
    user: &CurrentUser,
    access: &GuildAccess,
    state_text: &str,
    form: &GiveawayForm,
    errors: &[String],
    flash: Option<Flash>,
) -> Result<Markup, PageError> {
    let guild = access.id;
    let state = parse_state(state_text)?;
    let giveaways = service(app)
        .list(guild, state, GIVEAWAYS_SHOWN)
        .await
        .map_err(giveaway_error)?;
    let giveaways = ordered(giveaways);
    if user.htmx && errors.is_empty() {
        return Ok(views::rows(access, &giveaways, state_text, app.now()));
    }
    let pickers = pickers(app, user, guild);
    let settings = app.guild_settings(guild).await?;
    Ok(views::list(
        user,
        access,
        &ListPage {
            giveaways: &giveaways,
            state: state_text,
            now: app.now(),
            form,
            errors,
            pickers: &pickers,
            enabled: settings.features.giveaways,
            flash: flash.as_ref(),
        },
    ))
}

fn parse_state(text: &str) -> Result<Option<GiveawayState>, PageError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    text.parse().map(Some).map_err(PageError::BadRequest)
}

/// `GET /guilds/{guild}/giveaways`: the giveaways, running first with their countdowns, and the
/// start form; an htmx request (the 5-second poll) gets the rows alone.
///
/// # Errors
/// 403 without Manage Server; 404 when the bot is not there; 400 for an unknown state.
pub async fn list(
    State(app): State<App>,
    Guild { user, access, .. }: Guild<Read>,
    Query(query): Query<GiveawayQuery>,
) -> Result<Markup, PageError> {
    let flash = (query.done == "created").then(|| {
        Flash::ok("Giveaway started; the bot posts its message in the channel.".to_owned())
    });
    list_page(
        &app,
        &user,
        &access,
        &query.state,
        &GiveawayForm::default(),
        &[],
        flash,
    )
    .await
}

/// The values of a repeated field (a multiple select), or ids typed with commas or spaces.
fn list_field(fields: &[(String, String)], name: &str) -> Vec<String> {
    fields
        .iter()
        .filter(|(key, _)| key == name)
        .flat_map(|(_, value)| {
            value
                .split([',', ' ', '\n', '\r', '\t'])
                .filter(|part| !part.is_empty())
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Reads the start form as typed.
pub fn read_form(fields: &[(String, String)]) -> GiveawayForm {
    let get = |name: &str| {
        fields
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.trim().to_owned())
            .unwrap_or_default()
    };
    GiveawayForm {
        prize: get("prize"),
        duration: get("duration"),
        winners: get("winners"),
        channel: get("channel"),
        any_roles: list_field(fields, "req_any_role"),
        min_level: get("req_min_level"),
        account_age: get("req_account_age"),
        membership: get("req_membership"),
        no_warnings: !get("req_no_warnings").is_empty(),
    }
}

/// A duration: seconds or `90s`, `30m`, `2h`, `3d`.
fn duration(text: &str, what: &str) -> Result<u64, String> {
    parse_seconds(text).ok_or_else(|| {
        format!("{what} must be seconds or a duration such as 90s, 30m, 2h or 3d, got `{text}`")
    })
}

/// The request the form describes, by `by`, or every field that could not be read. The limits
/// (prize, winners, duration, requirements) are the core's to check.
fn form_request(
    guild: GuildId,
    form: &GiveawayForm,
    roles: &GuildRoles,
    by: Manager,
) -> Result<GiveawayRequest, Vec<String>> {
    let mut errors = Vec::new();
    let channel = read_channel(&form.channel).map_err(|error| errors.push(error));
    let winners = form.winners.parse::<u32>().map_err(|_| {
        errors.push(format!(
            "winners must be a whole number from 1 to {}, got `{}`",
            guildhall_core::giveaways::MAX_WINNERS,
            form.winners
        ));
    });
    let length = duration(&form.duration, "the duration").map_err(|error| errors.push(error));
    let (any_roles, role_errors) = roles.roles("required roles (any)", &form.any_roles);
    errors.extend(role_errors);
    let min_level = if form.min_level.is_empty() {
        None
    } else {
        match form.min_level.parse::<u32>() {
            Ok(level) => Some(level).filter(|level| *level > 0),
            Err(_) => {
                errors.push(format!(
                    "minimum level must be a whole number (0 or empty: no minimum), got `{}`",
                    form.min_level
                ));
                None
            }
        }
    };
    let mut optional = |text: &str, what: &str| {
        if text.is_empty() {
            return None;
        }
        duration(text, what)
            .map_err(|error| errors.push(error))
            .ok()
    };
    let min_account_age_secs = optional(&form.account_age, "the minimum account age");
    let min_membership_secs = optional(&form.membership, "the minimum time in the server");
    let requirements = Requirements {
        any_roles,
        min_level,
        min_account_age_secs,
        min_membership_secs,
        no_active_warnings: form.no_warnings,
        ..Requirements::default()
    };
    match (channel, winners, length) {
        (Ok(channel), Ok(winners), Ok(length)) if errors.is_empty() => Ok(GiveawayRequest {
            guild,
            channel,
            prize: form.prize.clone(),
            winners,
            duration: Duration::from_secs(length),
            // Nothing asked: the server's default requirements apply.
            requirements: (!requirements.is_empty()).then_some(requirements),
            by,
        }),
        _ => Err(errors),
    }
}

/// The list page again with the form as typed and why it was refused (422).
async fn refused(
    app: &App,
    user: &CurrentUser,
    access: &GuildAccess,
    form: &GiveawayForm,
    errors: Vec<String>,
) -> Result<Response, PageError> {
    let page = list_page(app, user, access, "", form, &errors, None).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

/// `POST /guilds/{guild}/giveaways/new`: starts a giveaway (checked by the core: prize,
/// winners, duration, requirements, the guild's limit of running giveaways) and schedules its
/// message (`giveaways.post`, which records it); audited as `dashboard.giveaways.start`.
///
/// # Errors
/// 403 without Manage Server (asked of Discord again); 422 with the form as typed and the
/// reasons, with nothing stored.
pub async fn create(
    State(app): State<App>,
    Guild { user, access, .. }: Guild<Write>,
    PickedForm(fields): PickedForm,
) -> Result<Response, PageError> {
    let guild = access.id;
    let roles = guild_roles(&app, &user, guild);
    let form = read_form(&fields);
    let request = match form_request(guild, &form, &roles, manager(&app, &user, guild)) {
        Ok(request) => request,
        Err(errors) => return refused(&app, &user, &access, &form, errors).await,
    };
    let mut references = vec![("channel".to_owned(), Reference::Channel(request.channel))];
    if let Some(requirements) = &request.requirements {
        references.extend(requirements.references("requirements"));
    }
    if let Err(message) = app.check_references(guild, &references).await {
        return refused(&app, &user, &access, &form, vec![message]).await;
    }
    let channel = request.channel;
    let service = service(&app);
    let started = service.start(request, &roles.names).await;
    let giveaway = match started {
        Ok(started) => started.giveaway,
        Err(error) => match refusal_words(&error) {
            Some(message) => {
                return refused(&app, &user, &access, &form, vec![message]).await;
            }
            None => return Err(giveaway_error(error)),
        },
    };
    if let Err(error) = schedule_post(&app.web.core.ledger, guild, giveaway.id).await {
        // A giveaway nobody will post is worse than none: take it back.
        if let Err(undo) = service
            .cancel(
                guild,
                giveaway.id,
                &Manager::Operator,
                Some("its message could not be scheduled"),
            )
            .await
        {
            tracing::error!(%guild, giveaway = %giveaway.id, %undo, "could not cancel a giveaway whose post could not be scheduled");
        }
        return Err(PageError::internal(error));
    }
    app.audit(
        &user,
        "dashboard.giveaways.start",
        Some(guild),
        &giveaway.id.to_string(),
        json!({
            "channel": channel.to_string(),
            "prize": giveaway.prize,
            "winners": giveaway.winners,
            "ends_at": giveaway.ends_at.to_rfc3339(),
            "requirements": giveaway.requirements,
        }),
    )
    .await;
    Ok(see_other(&format!(
        "{}?done=created",
        routes::guild_giveaways(guild)
    )))
}

/// The giveaway's page, with `flash` above it.
async fn detail_page(
    app: &App,
    user: &CurrentUser,
    access: &GuildAccess,
    id: GiveawayId,
    flash: Option<Flash>,
) -> Result<Markup, PageError> {
    let service = service(app);
    let detail = service
        .detail(access.id, id)
        .await
        .map_err(giveaway_error)?;
    let entrants = service
        .entrants(access.id, id)
        .await
        .map_err(giveaway_error)?;
    let verified = match detail.giveaway.state {
        GiveawayState::Ended => Some(match service.verify(access.id, id).await {
            Ok(verified) => Ok(format!(
                "the seed matches its hash, the {} entrants match theirs, and all {} draws follow from them",
                verified.entrants, verified.steps
            )),
            Err(error @ GiveawayError::Verification { .. }) => Err(error.to_string()),
            Err(error) => return Err(giveaway_error(error)),
        }),
        _ => None,
    };
    Ok(views::detail(
        user,
        access,
        &DetailPage {
            detail: &detail,
            entrants: &entrants[..entrants.len().min(ENTRANTS_SHOWN)],
            entrant_count: entrants.len(),
            verified,
            now: app.now(),
            flash: flash.as_ref(),
        },
    ))
}

/// `GET /guilds/{guild}/giveaways/{giveaway}`: the giveaway, its entrants (the first 500 and the
/// count), prizes with winners and claims, the timeline, the fairness proof with the result of
/// verifying the draw, the controls and the downloads.
///
/// # Errors
/// 403 without Manage Server; 404 for a giveaway this guild does not have.
pub async fn detail(
    State(app): State<App>,
    Guild { user, access, .. }: Guild<Read>,
    Path((_, id)): Path<(GuildId, GiveawayId)>,
) -> Result<Markup, PageError> {
    detail_page(&app, &user, &access, id, None).await
}

/// After an action: back to the giveaway with what was done, or its page again with why not
/// (422).
async fn after_action(
    app: &App,
    user: &CurrentUser,
    access: &GuildAccess,
    id: GiveawayId,
    outcome: Result<String, GiveawayError>,
) -> Result<Response, PageError> {
    match outcome {
        Ok(done) => {
            let page = detail_page(app, user, access, id, Some(Flash::ok(done))).await?;
            Ok(page.into_response())
        }
        Err(error) => match refusal_words(&error) {
            Some(message) => {
                let page = detail_page(app, user, access, id, Some(Flash::error(message))).await?;
                Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
            }
            None => Err(giveaway_error(error)),
        },
    }
}

/// `POST /guilds/{guild}/giveaways/{giveaway}/end`: closes entries now; the bot draws as at a
/// normal end (`giveaways.end`, moved to now); audited as `dashboard.giveaways.end`.
///
/// # Errors
/// 403 without Manage Server (asked of Discord again); 404 for a giveaway this guild does not
/// have; 422 unless it is running.
pub async fn end(
    State(app): State<App>,
    Guild { user, access, .. }: Guild<Write>,
    Path((_, id)): Path<(GuildId, GiveawayId)>,
) -> Result<Response, PageError> {
    let guild = access.id;
    let outcome = service(&app)
        .end(guild, id, &manager(&app, &user, guild))
        .await;
    if outcome.is_ok() {
        app.audit(
            &user,
            "dashboard.giveaways.end",
            Some(guild),
            &id.to_string(),
            json!({}),
        )
        .await;
    }
    let outcome = outcome.map(|_| "Entries are closed; the bot draws the winners now.".to_owned());
    after_action(&app, &user, &access, id, outcome).await
}

/// The cancel and reroll forms.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ActionForm {
    /// Why (optional; kept in the giveaway's log).
    pub reason: String,
    /// The prize to reroll, from 1.
    pub slot: String,
}

fn reason(form: &ActionForm) -> Option<&str> {
    Some(form.reason.trim()).filter(|reason| !reason.is_empty())
}

/// `POST /guilds/{guild}/giveaways/{giveaway}/cancel`: cancels a running giveaway without a
/// draw (the seed is revealed, the message updated by the bot); audited as
/// `dashboard.giveaways.cancel`.
///
/// # Errors
/// As [`end`].
pub async fn cancel(
    State(app): State<App>,
    Guild { user, access, .. }: Guild<Write>,
    Path((_, id)): Path<(GuildId, GiveawayId)>,
    Form(form): Form<ActionForm>,
) -> Result<Response, PageError> {
    let guild = access.id;
    let outcome = service(&app)
        .cancel(guild, id, &manager(&app, &user, guild), reason(&form))
        .await;
    if outcome.is_ok() {
        app.audit(
            &user,
            "dashboard.giveaways.cancel",
            Some(guild),
            &id.to_string(),
            json!({ "reason": reason(&form) }),
        )
        .await;
    }
    let outcome = outcome.map(|_| "Cancelled; nobody is drawn.".to_owned());
    after_action(&app, &user, &access, id, outcome).await
}

/// `POST /guilds/{guild}/giveaways/{giveaway}/reroll`: asks the bot to draw one prize again
/// (`giveaways.reroll`; never a previous winner); audited as `dashboard.giveaways.reroll`.
///
/// # Errors
/// As [`end`]; 422 for a prize the giveaway does not have or a giveaway not ended.
pub async fn reroll(
    State(app): State<App>,
    Guild { user, access, .. }: Guild<Write>,
    Path((_, id)): Path<(GuildId, GiveawayId)>,
    Form(form): Form<ActionForm>,
) -> Result<Response, PageError> {
    let guild = access.id;
    let Ok(slot) = form.slot.trim().parse::<u32>() else {
        let flash = Flash::error(format!(
            "the prize to reroll must be its number (1, 2, …), got `{}`",
            form.slot
        ));
        let page = detail_page(&app, &user, &access, id, Some(flash)).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    };
    let outcome = service(&app)
        .reroll(guild, id, slot, &manager(&app, &user, guild), reason(&form))
        .await;
    if let Ok(requested) = &outcome {
        app.audit(
            &user,
            "dashboard.giveaways.reroll",
            Some(guild),
            &id.to_string(),
            json!({
                "slot": slot,
                "previous_winner": requested.previous_winner.map(|user| user.to_string()),
                "reason": reason(&form),
            }),
        )
        .await;
    }
    let outcome =
        outcome.map(|_| format!("Prize {slot} will be drawn again by the bot in a moment."));
    after_action(&app, &user, &access, id, outcome).await
}

/// `GET /guilds/{guild}/giveaways/{giveaway}/export/{format}`: the record as a JSON download
/// (with the draw record anyone can verify) or the log as CSV; audited as
/// `dashboard.giveaways.export`.
///
/// # Errors
/// 403 without Manage Server; 404 for a giveaway this guild does not have, or a format other
/// than `json` or `csv`.
pub async fn export(
    State(app): State<App>,
    Guild { user, access, .. }: Guild<Read>,
    Path((_, id, format)): Path<(GuildId, GiveawayId, String)>,
) -> Result<Response, PageError> {
    if format != "json" && format != "csv" {
        return Err(PageError::NotFound(format!(
            "giveaways export as json or csv, not `{format}`"
        )));
    }
    let guild = access.id;
    let service = service(&app);
    let (body, content_type) = if format == "json" {
        let value = service
            .export_json(guild, id)
            .await
            .map_err(giveaway_error)?;
        (
            serde_json::to_string_pretty(&value).map_err(PageError::internal)?,
            "application/json",
        )
    } else {
        (
            service
                .export_csv(guild, id)
                .await
                .map_err(giveaway_error)?,
            "text/csv; charset=utf-8",
        )
    };
    app.audit(
        &user,
        "dashboard.giveaways.export",
        Some(guild),
        &id.to_string(),
        json!({ "format": format }),
    )
    .await;
    Ok(super::download(
        body,
        content_type,
        &format!("giveaway-{guild}-{id}.{format}"),
    ))
}

/// The giveaways' tab.
pub const TABS: &[Tab] = &[Tab {
    label: "Giveaways",
    path: routes::guild_giveaways,
}];

/// The giveaway pages: the list, a new giveaway, one giveaway, its actions and exports.
pub fn routes(app: &App) -> Router<App> {
    Router::new()
        .route(routes::GUILD_GIVEAWAYS, guarded(app, get(list)))
        .route(routes::GUILD_GIVEAWAYS_NEW, guarded(app, post(create)))
        .route(routes::GUILD_GIVEAWAY, guarded(app, get(detail)))
        .route(routes::GUILD_GIVEAWAY_END, guarded(app, post(end)))
        .route(routes::GUILD_GIVEAWAY_CANCEL, guarded(app, post(cancel)))
        .route(routes::GUILD_GIVEAWAY_REROLL, guarded(app, post(reroll)))
        .route(routes::GUILD_GIVEAWAY_EXPORT, guarded(app, get(export)))
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
    fn the_form_reads_repeated_roles_and_the_checkbox() {
        let form = read_form(&fields(&[
            ("prize", " Nitro "),
            ("duration", "2h"),
            ("req_any_role", "1, 2"),
            ("req_any_role", "3"),
            ("req_no_warnings", "on"),
        ]));
        assert_eq!(form.prize, "Nitro");
        assert_eq!(form.any_roles, ["1", "2", "3"]);
        assert!(form.no_warnings);
        assert_eq!(
            duration("forever", "the duration").unwrap_err(),
            "the duration must be seconds or a duration such as 90s, 30m, 2h or 3d, got `forever`"
        );
    }
}
