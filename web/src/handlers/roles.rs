//! The roles pages: role panels (list, the builder with its live preview, edit, delete),
//! self-assignable and automatic roles, and the running timed roles with early removal.
//!
//! Every handler checks Manage Server in the guild of the path first (writes ask Discord again)
//! and reads or writes only that guild's rows: a panel or timed role of another guild is "no
//! such …" (404). Panels are checked like the bot's `/rolepanel`: the bot must be able to give
//! every role (the guild's roles and the bot's own from the bot's guild model, shared in process
//! by `guildhall serve`), and the admin to hand it out. Without that model the check is skipped
//! with a note; the bot checks again at every click. Whatever needs Discord is handed to the bot
//! through the job ledger: a new panel's post (`roles.post_panel`, which records the message),
//! and an edit, a deletion or an early removal (`effects.perform`).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use guildhall_core::effect::OutgoingMessage;
use guildhall_core::eligibility::Requirements;
use guildhall_core::guild_config::GuildConfigError;
use guildhall_core::ids::{ChannelId, GuildId, RoleId, UserId};
use guildhall_core::jobs::{JobFilter, JobState, perform};
use guildhall_core::references::Reference;
use guildhall_core::roles::panel::{MAX_BUTTON_LABEL, MAX_SELECT_LABEL, checked_content};
use guildhall_core::roles::{
    GuildRoles, POST_PANEL, PanelChoice, PanelContent, PanelEdit, PanelId, PanelOption,
    PanelRequest, PanelStyle, PostPanelPayload, RoleError, RolePanel, RoleService, RoleSettings,
    panel_message, schedule_post,
};
use maud::Markup;
use serde::Deserialize;
use serde_json::json;

use super::moderation::parse_seconds;
use super::pickers::{PickedForm, pickers};
use super::see_other;
use crate::app::{App, CurrentUser, Guild, GuildAccess, Read, Write, guarded};
use crate::error::PageError;
use crate::features::Tab;
use crate::routes;
use crate::views::components::Flash;
use crate::views::roles::{
    self as views, Builder, OptionRow, PanelForm, PanelRow, PanelStatus, Preview, RolesPage,
    SelfRolesForm,
};
use axum::Router;
use axum::routing::{get, post};
use guildhall_core::guild_cache::GuildEmoji;

/// The most post jobs read to show each panel's posting state.
const POST_JOBS_SHOWN: u32 = 500;

/// The process's one role service (levels for panel requirements come from the same core).
fn role_service(app: &App) -> Arc<RoleService> {
    Arc::clone(&app.web.core.roles)
}

fn role_error(error: RoleError) -> PageError {
    PageError::from_core(&error)
}

/// What this process knows of the guild's roles and of the bot's and the admin's place among
/// them ([`GuildRoles`], from the bot's guild model; empty where the bot does not run in this
/// process). The bot's user is the application's (`discord.client_id`). Operators hand out
/// roles as the platform, so only members are held to their own highest role.
pub fn guild_roles(app: &App, user: &CurrentUser, guild: GuildId) -> GuildRoles {
    GuildRoles::of(
        &app.web.core.guild_cache,
        guild,
        app.config().client_id.parse::<UserId>().ok(),
        (!user.operator).then_some(user.session.user),
    )
}

/// The values of a repeated field (a multiple select), or ids typed with commas or spaces.
fn list(fields: &[(String, String)], name: &str) -> Vec<String> {
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

/// Reads the builder as typed: the texts, the style, one row per role (`opt_role_N`,
/// `opt_label_N`, `opt_emoji_N`, `opt_description_N`; blank rows are left out), the
/// requirements and the duration.
pub fn read_panel_form(fields: &[(String, String)]) -> PanelForm {
    let get = |name: &str| {
        fields
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.trim().to_owned())
            .unwrap_or_default()
    };
    let mut rows: BTreeMap<usize, OptionRow> = BTreeMap::new();
    for (key, value) in fields {
        let Some((name, index)) = key
            .strip_prefix("opt_")
            .and_then(|rest| rest.rsplit_once('_'))
        else {
            continue;
        };
        let Ok(index) = index.parse::<usize>() else {
            continue;
        };
        let row = rows.entry(index).or_default();
        let value = value.trim().to_owned();
        match name {
            "role" => row.role = value,
            "label" => row.label = value,
            "emoji" => row.emoji = value,
            "description" => row.description = value,
            _ => {}
        }
    }
    PanelForm {
        channel: get("channel"),
        title: get("title"),
        description: get("description"),
        style: get("style"),
        choice: get("choice"),
        options: rows
            .into_iter()
            .filter(|(_, row)| !row.is_blank())
            .collect(),
        any_roles: list(fields, "req_any_role"),
        all_roles: list(fields, "req_all_role"),
        min_level: get("req_min_level"),
        account_age: get("req_account_age"),
        membership: get("req_membership"),
        no_warnings: !get("req_no_warnings").is_empty(),
        timed: get("timed"),
    }
}

/// A duration field: empty is none; otherwise seconds or 30m, 12h, 7d.
fn duration_field(text: &str, what: &str) -> Result<Option<u64>, String> {
    if text.is_empty() {
        return Ok(None);
    }
    parse_seconds(text).map(Some).ok_or_else(|| {
        format!("{what} must be seconds or a duration such as 30m, 12h or 7d, got `{text}`")
    })
}

/// The channel a new panel goes to.
///
/// # Errors
/// A message naming the field and what it takes.
pub fn read_channel(text: &str) -> Result<ChannelId, String> {
    text.parse::<ChannelId>().map_err(|_| {
        format!(
            "channel must be the id of a text channel of this server (a number such as 1101234567890123456; copy it with Developer Mode), got `{text}`"
        )
    })
}

/// The panel the form describes, and every field that could not be read (that field is left
/// out or at its default). `requirements` is the stored panel's when editing, so what the
/// builder does not show (blocked members and roles) is kept. Unchecked: the core checks the
/// limits ([`checked_content`]).
pub fn form_content(
    form: &PanelForm,
    roles: &GuildRoles,
    emojis: Option<&[GuildEmoji]>,
    requirements: Requirements,
) -> (PanelContent, Vec<String>) {
    let mut errors = Vec::new();
    let style = if form.style.is_empty() {
        PanelStyle::Buttons
    } else {
        form.style.parse().unwrap_or_else(|error: String| {
            errors.push(error);
            PanelStyle::Buttons
        })
    };
    let choice = if form.choice.is_empty() {
        PanelChoice::Multiple
    } else {
        form.choice.parse().unwrap_or_else(|error: String| {
            errors.push(error);
            PanelChoice::Multiple
        })
    };
    let label_limit = match style {
        PanelStyle::Buttons => MAX_BUTTON_LABEL,
        PanelStyle::Select => MAX_SELECT_LABEL,
    };
    let mut options = Vec::new();
    for (index, row) in &form.options {
        let field = format!("role {}", index + 1);
        if row.role.is_empty() {
            errors.push(format!(
                "{field} has a label but no role; choose a role or clear the row"
            ));
            continue;
        }
        match roles.role(&field, &row.role) {
            Ok(role) => {
                let emoji = (!row.emoji.is_empty()).then(|| row.emoji.clone());
                // A custom emoji must be one of this server's (where the model knows them):
                // Discord refuses a button with another.
                if let (Some(custom), Some(known)) = (
                    emoji
                        .as_deref()
                        .and_then(guildhall_core::text::custom_emoji),
                    emojis,
                ) && !known.iter().any(|emoji| emoji.id == custom.id)
                {
                    errors.push(format!(
                        "{field}: {} is not an emoji of this server; pick one from the list or use a Unicode emoji",
                        custom.shown()
                    ));
                    continue;
                }
                // An empty label is the role's name, as `/rolepanel` labels its buttons.
                let label = if row.label.is_empty() {
                    let room = label_limit.saturating_sub(emoji.as_ref().map_or(0, |e| {
                        if guildhall_core::text::custom_emoji(e).is_some() {
                            0
                        } else {
                            e.chars().count() + 1
                        }
                    }));
                    roles
                        .names
                        .get(&role)
                        .map(|name| name.chars().take(room).collect())
                        .unwrap_or_default()
                } else {
                    row.label.clone()
                };
                options.push(PanelOption {
                    role,
                    label,
                    emoji,
                    description: (!row.description.is_empty()).then(|| row.description.clone()),
                });
            }
            Err(error) => errors.push(error),
        }
    }
    let (any_roles, any_errors) = roles.roles("required roles (any)", &form.any_roles);
    let (all_roles, all_errors) = roles.roles("required roles (all)", &form.all_roles);
    errors.extend(any_errors);
    errors.extend(all_errors);
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
    let mut seconds = |text: &str, what: &str| {
        duration_field(text, what).unwrap_or_else(|error| {
            errors.push(error);
            None
        })
    };
    let min_account_age_secs = seconds(&form.account_age, "minimum account age");
    let min_membership_secs = seconds(&form.membership, "minimum membership");
    let timed =
        seconds(&form.timed, "the duration of roles taken from the panel").map(Duration::from_secs);
    let content = PanelContent {
        title: form.title.clone(),
        description: form.description.clone(),
        style,
        choice,
        options,
        requirements: Requirements {
            any_roles,
            all_roles,
            min_level,
            min_account_age_secs,
            min_membership_secs,
            no_active_warnings: form.no_warnings,
            ..requirements
        },
        timed,
    };
    (content, errors)
}

/// A stand-in panel for `content`, to render its message before it exists.
fn draft(guild: GuildId, channel: ChannelId, id: PanelId, content: PanelContent) -> RolePanel {
    RolePanel {
        id,
        guild,
        channel,
        message: None,
        title: content.title,
        description: content.description,
        style: content.style,
        choice: content.choice,
        requirements: content.requirements,
        timed_secs: content.timed.map(|timed| timed.as_secs()),
        options: content.options,
        created_by: UserId::new(1),
        created_at: guildhall_core::clock::UnixMillis(0),
        updated_at: guildhall_core::clock::UnixMillis(0),
    }
}

/// The live preview: the message the bot will post, built by the core from the form, with
/// every error and the bot's check of each role.
fn preview(
    app: &App,
    form: &PanelForm,
    roles: &GuildRoles,
    settings: &RoleSettings,
    editing: Option<&RolePanel>,
) -> Preview {
    let emojis = app.web.core.guild_cache.emojis(roles.guild);
    let (content, mut errors) = form_content(
        form,
        roles,
        emojis.as_deref(),
        editing.map_or_else(Requirements::default, |panel| panel.requirements.clone()),
    );
    let problems = roles.problems(
        &content
            .options
            .iter()
            .map(|option| option.role)
            .collect::<Vec<_>>(),
        app.now(),
    );
    let shown = match checked_content(settings, content.clone()) {
        Ok(checked) => checked,
        Err(error) => {
            errors.push(error.to_string());
            content
        }
    };
    let message: Option<OutgoingMessage> = (!shown.options.is_empty()).then(|| {
        let (channel, id) = editing.map_or((ChannelId::new(1), PanelId(0)), |panel| {
            (panel.channel, panel.id)
        });
        panel_message(&draft(roles.guild, channel, id, shown), &roles.names)
    });
    Preview {
        message,
        errors,
        problems,
        note: roles.unchecked_note().map(str::to_owned),
    }
}

/// Each panel with its posting state: the message once recorded, otherwise its post job's.
async fn panel_rows(
    app: &App,
    guild: GuildId,
    panels: Vec<RolePanel>,
) -> Result<Vec<PanelRow>, PageError> {
    let jobs = app
        .web
        .core
        .ledger
        .list(&JobFilter {
            kind: Some(POST_PANEL.to_owned()),
            guild: Some(guild),
            limit: POST_JOBS_SHOWN,
            ..JobFilter::default()
        })
        .await
        .map_err(PageError::internal)?;
    Ok(panels
        .into_iter()
        .map(|panel| {
            let status = match panel.message {
                Some(message) => PanelStatus::Posted(message),
                None => {
                    let job = jobs.iter().find(|job| {
                        serde_json::from_value::<PostPanelPayload>(job.payload.clone())
                            .is_ok_and(|payload| payload.panel == panel.id)
                    });
                    match job {
                        Some(job) if matches!(job.state, JobState::Dead | JobState::Cancelled) => {
                            PanelStatus::Failed(
                                job.last_error
                                    .clone()
                                    .unwrap_or_else(|| format!("job {} was {}", job.id, job.state)),
                            )
                        }
                        Some(job) => PanelStatus::Waiting(job.last_error.clone()),
                        None => PanelStatus::NotScheduled,
                    }
                }
            };
            PanelRow { panel, status }
        })
        .collect())
}

/// What a notice in the page's query says (fixed texts: nothing typed is echoed).
fn notice(done: &str) -> Option<&'static str> {
    Some(match done {
        "created" => "The panel is saved; the bot posts it in a moment.",
        "saved" => "The panel is saved; the bot updates its message in a moment.",
        "deleted" => "The panel is deleted; the bot removes its message.",
        "self" => "Self-assignable and automatic roles are saved.",
        "removed" => "The timed role is ended; the bot removes the role.",
        _ => return None,
    })
}

/// The page's query: which action just finished.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct RolesQuery {
    /// `created`, `saved`, `deleted`, `self` or `removed`.
    pub done: String,
}

/// Everything the roles page shows; `builder` and `self_roles` as typed after a refusal.
async fn roles_page(
    app: &App,
    user: &CurrentUser,
    access: &GuildAccess,
    roles: &GuildRoles,
    builder: Option<Builder>,
    self_roles: Option<SelfRolesForm>,
    flash: Option<Flash>,
) -> Result<Markup, PageError> {
    let guild = access.id;
    let service = role_service(app);
    let settings = app.guild_settings(guild).await?;
    let panels = service.panels(guild).await.map_err(role_error)?;
    let panels = panel_rows(app, guild, panels).await?;
    let timed = service.timed_roles(guild, None).await.map_err(role_error)?;
    let builder = builder.unwrap_or_else(|| Builder {
        form: PanelForm::default(),
        errors: Vec::new(),
        preview: preview(app, &PanelForm::default(), roles, &settings.roles, None),
        editing: None,
    });
    let self_roles =
        self_roles.unwrap_or_else(|| SelfRolesForm::of(&settings.roles, settings.version("roles")));
    Ok(views::roles(
        user,
        access,
        &RolesPage {
            panels: &panels,
            builder: &builder,
            self_roles: &self_roles,
            timed: &timed,
            names: &roles.names,
            pickers: &pickers(app, user, guild),
            roles_on: settings.features.roles,
            timed_allowed: app.web.core.roles.timed_allowed(guild),
            flash: flash.as_ref(),
        },
    ))
}

/// `GET /guilds/{guild}/roles`: the panels, the builder, self and automatic roles, timed roles.
///
/// # Errors
/// 403 without Manage Server; 404 when the bot is not there.
pub async fn page(
    State(app): State<App>,
    Guild { user, access, .. }: Guild<Read>,
    Query(query): Query<RolesQuery>,
) -> Result<Markup, PageError> {
    let guild = access.id;
    let roles = guild_roles(&app, &user, guild);
    let flash = notice(&query.done).map(|text| Flash::ok(text.to_owned()));
    roles_page(&app, &user, &access, &roles, None, None, flash).await
}

/// The builder again with what was typed and why it was refused (422).
async fn refused_builder(
    app: &App,
    user: &CurrentUser,
    access: &GuildAccess,
    roles: &GuildRoles,
    form: PanelForm,
    errors: Vec<String>,
    editing: Option<RolePanel>,
) -> Result<Response, PageError> {
    let settings = app.guild_settings(access.id).await?;
    let shown = preview(app, &form, roles, &settings.roles, editing.as_ref());
    let builder = Builder {
        form,
        errors,
        preview: shown,
        editing,
    };
    let page = match &builder.editing {
        Some(_) => views::edit_panel(user, access, &builder, &pickers(app, user, access.id)),
        None => roles_page(app, user, access, roles, Some(builder), None, None).await?,
    };
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

/// The words of a refusal the admin can act on; `None` for a failure of ours.
fn refusal_words(error: &RoleError) -> Option<String> {
    match error {
        RoleError::Invalid(message) | RoleError::Refused { message, .. } => Some(message.clone()),
        RoleError::Premium(wall) => Some(wall.sentence()),
        RoleError::Limit(reached) => Some(reached.sentence()),
        _ => None,
    }
}

/// `POST /guilds/{guild}/roles/panels`: creates a panel (checked like `/rolepanel create`) and
/// schedules its post (`roles.post_panel`, which records the message); audited as
/// `dashboard.roles.panel.create`.
///
/// # Errors
/// 403 without Manage Server (asked of Discord again); 422 with the builder and the reason, with
/// nothing stored.
pub async fn create_panel(
    State(app): State<App>,
    Guild { user, access, .. }: Guild<Write>,
    PickedForm(fields): PickedForm,
) -> Result<Response, PageError> {
    let guild = access.id;
    let roles = guild_roles(&app, &user, guild);
    let settings = app.guild_settings(guild).await?.roles.clone();
    let form = read_panel_form(&fields);
    let channel = read_channel(&form.channel);
    let emojis = app.web.core.guild_cache.emojis(guild);
    let (content, mut errors) =
        form_content(&form, &roles, emojis.as_deref(), Requirements::default());
    if let Err(error) = &channel {
        errors.insert(0, error.clone());
    }
    let channel = match channel {
        Ok(channel) if errors.is_empty() => channel,
        _ => return refused_builder(&app, &user, &access, &roles, form, errors, None).await,
    };
    let mut references = vec![("channel".to_owned(), Reference::Channel(channel))];
    references.extend(content.references());
    if let Err(message) = app.check_references(guild, &references).await {
        return refused_builder(&app, &user, &access, &roles, form, vec![message], None).await;
    }
    let service = role_service(&app);
    let request = PanelRequest {
        guild,
        channel,
        content,
        created_by: user.session.user,
    };
    let created = service.create_panel_for(&settings, request, &roles).await;
    let panel = match created {
        Ok(panel) => panel,
        Err(error) => match refusal_words(&error) {
            Some(message) => {
                return refused_builder(&app, &user, &access, &roles, form, vec![message], None)
                    .await;
            }
            None => return Err(role_error(error)),
        },
    };
    if let Err(error) = schedule_post(&app.web.core.ledger, guild, panel.id).await {
        // A panel nobody will post is worse than none: take it back.
        if let Err(undo) = service.delete_panel(guild, panel.id).await {
            tracing::error!(%guild, panel = %panel.id, %undo, "could not delete a panel whose post could not be scheduled");
        }
        return Err(PageError::internal(error));
    }
    app.audit(
        &user,
        "dashboard.roles.panel.create",
        Some(guild),
        &panel.id.to_string(),
        json!({
            "channel": channel.to_string(),
            "title": panel.title,
            "roles": panel.roles().iter().map(ToString::to_string).collect::<Vec<_>>(),
            "checked": roles.authority().is_some(),
        }),
    )
    .await;
    Ok(see_other(&format!(
        "{}?done=created",
        routes::guild_roles(guild)
    )))
}

/// `GET /guilds/{guild}/roles/panels/{panel}`: the builder filled with a panel, to edit it.
///
/// # Errors
/// As [`page`]; 404 for a panel this guild does not have.
pub async fn edit_page(
    State(app): State<App>,
    Guild { user, access, .. }: Guild<Read>,
    Path((_, id)): Path<(GuildId, PanelId)>,
) -> Result<Markup, PageError> {
    let guild = access.id;
    let panel = role_service(&app)
        .panel(guild, id)
        .await
        .map_err(role_error)?;
    let roles = guild_roles(&app, &user, guild);
    let settings = app.guild_settings(guild).await?;
    let form = PanelForm::of(&panel);
    let builder = Builder {
        preview: preview(&app, &form, &roles, &settings.roles, Some(&panel)),
        form,
        errors: Vec::new(),
        editing: Some(panel),
    };
    Ok(views::edit_panel(
        &user,
        &access,
        &builder,
        &pickers(&app, &user, access.id),
    ))
}

/// `POST /guilds/{guild}/roles/panels/{panel}`: saves a panel (checked like a new one) and hands
/// the edit of its message to the bot (`effects.perform`), or its post when it has no message
/// yet; audited as `dashboard.roles.panel.edit`.
///
/// # Errors
/// 403 without Manage Server (asked of Discord again); 404 for a panel this guild does not
/// have; 422 with the builder and the reason, with nothing changed.
pub async fn save_panel(
    State(app): State<App>,
    Guild { user, access, .. }: Guild<Write>,
    Path((_, id)): Path<(GuildId, PanelId)>,
    PickedForm(fields): PickedForm,
) -> Result<Response, PageError> {
    let guild = access.id;
    let service = role_service(&app);
    let before = service.panel(guild, id).await.map_err(role_error)?;
    let roles = guild_roles(&app, &user, guild);
    let settings = app.guild_settings(guild).await?.roles.clone();
    let form = read_panel_form(&fields);
    let emojis = app.web.core.guild_cache.emojis(guild);
    let (content, errors) = form_content(
        &form,
        &roles,
        emojis.as_deref(),
        before.requirements.clone(),
    );
    if !errors.is_empty() {
        return refused_builder(&app, &user, &access, &roles, form, errors, Some(before)).await;
    }
    if let Err(message) = app.check_references(guild, &content.references()).await {
        return refused_builder(
            &app,
            &user,
            &access,
            &roles,
            form,
            vec![message],
            Some(before),
        )
        .await;
    }
    let edit = PanelEdit {
        guild,
        panel: id,
        content,
        editor: user.session.user,
    };
    let edited = service
        .edit_panel_for(&settings, edit, &roles)
        .await
        .map(|edited| (edited.panel, edited.edit));
    let (panel, effect) = match edited {
        Ok(edited) => edited,
        Err(error) => match refusal_words(&error) {
            Some(message) => {
                return refused_builder(
                    &app,
                    &user,
                    &access,
                    &roles,
                    form,
                    vec![message],
                    Some(before),
                )
                .await;
            }
            None => return Err(role_error(error)),
        },
    };
    let handed = match effect {
        Some(effect) => perform::schedule(&app.web.core.ledger, Some(guild), effect)
            .await
            .map(|_| "edit"),
        None => schedule_post(&app.web.core.ledger, guild, panel.id)
            .await
            .map(|_| "post"),
    };
    let handed = handed.map_err(PageError::internal)?;
    app.audit(
        &user,
        "dashboard.roles.panel.edit",
        Some(guild),
        &panel.id.to_string(),
        json!({
            "old": { "title": before.title, "roles": before.roles().iter().map(ToString::to_string).collect::<Vec<_>>() },
            "new": { "title": panel.title, "roles": panel.roles().iter().map(ToString::to_string).collect::<Vec<_>>() },
            "message": handed,
            "checked": roles.authority().is_some(),
        }),
    )
    .await;
    Ok(see_other(&format!(
        "{}?done=saved",
        routes::guild_roles(guild)
    )))
}

/// `POST /guilds/{guild}/roles/panels/{panel}/delete`: deletes a panel and hands the deletion of
/// its message to the bot; audited as `dashboard.roles.panel.delete`. Timed roles taken from it
/// keep running until they end.
///
/// # Errors
/// 403 without Manage Server (asked of Discord again); 404 for a panel this guild does not have.
pub async fn delete_panel(
    State(app): State<App>,
    Guild { user, access, .. }: Guild<Write>,
    Path((_, id)): Path<(GuildId, PanelId)>,
) -> Result<Response, PageError> {
    let guild = access.id;
    let deleted = role_service(&app)
        .delete_panel(guild, id)
        .await
        .map_err(role_error)?;
    if let Some(effect) = deleted.delete.clone() {
        perform::schedule(&app.web.core.ledger, Some(guild), effect)
            .await
            .map_err(PageError::internal)?;
    }
    app.audit(
        &user,
        "dashboard.roles.panel.delete",
        Some(guild),
        &id.to_string(),
        json!({
            "title": deleted.panel.title,
            "channel": deleted.panel.channel.to_string(),
            "message": deleted.panel.message.map(|message| message.to_string()),
        }),
    )
    .await;
    Ok(see_other(&format!(
        "{}?done=deleted",
        routes::guild_roles(guild)
    )))
}

/// `POST /guilds/{guild}/roles/preview`: the panel the builder describes, as Discord will show
/// it, with the errors that would refuse it and the bot's check of each role. Writes nothing.
/// htmx gets the fragment; a plain form post (no JavaScript) gets the page with the builder.
///
/// # Errors
/// 403 without Manage Server.
pub async fn preview_panel(
    State(app): State<App>,
    Guild { user, access, .. }: Guild<Read>,
    PickedForm(fields): PickedForm,
) -> Result<Response, PageError> {
    let guild = access.id;
    let roles = guild_roles(&app, &user, guild);
    let settings = app.guild_settings(guild).await?;
    let form = read_panel_form(&fields);
    // Editing: the stored panel gives the channel, the id in the custom ids and the
    // requirements the builder does not show.
    let editing = match fields
        .iter()
        .find(|(key, _)| key == "panel")
        .and_then(|(_, value)| value.trim().parse::<PanelId>().ok())
    {
        Some(id) => Some(
            role_service(&app)
                .panel(guild, id)
                .await
                .map_err(role_error)?,
        ),
        None => None,
    };
    let shown = preview(&app, &form, &roles, &settings.roles, editing.as_ref());
    if user.htmx {
        return Ok(views::preview(&shown).into_response());
    }
    let builder = Builder {
        form,
        errors: Vec::new(),
        preview: shown,
        editing,
    };
    Ok(match &builder.editing {
        Some(_) => views::edit_panel(&user, &access, &builder, &pickers(&app, &user, access.id))
            .into_response(),
        None => roles_page(&app, &user, &access, &roles, Some(builder), None, None)
            .await?
            .into_response(),
    })
}

/// `POST /guilds/{guild}/roles/self`: saves `roles.self_roles`, `roles.auto_roles_on_join` and
/// `roles.auto_roles_on_screening` as one change of the `roles` section (in the settings
/// history, by the dashboard user; refused when someone saved in between). Every role must be
/// a role of the server the bot can give; audited as `dashboard.roles.self`.
///
/// # Errors
/// 403 without Manage Server (asked of Discord again); 422 with the form and the reason, with
/// nothing saved.
pub async fn save_self_roles(
    State(app): State<App>,
    Guild { user, access, .. }: Guild<Write>,
    PickedForm(fields): PickedForm,
) -> Result<Response, PageError> {
    let guild = access.id;
    let roles = guild_roles(&app, &user, guild);
    let form = SelfRolesForm {
        self_roles: list(&fields, "self_role"),
        join_roles: list(&fields, "join_role"),
        screening_roles: list(&fields, "screening_role"),
        version: fields
            .iter()
            .find(|(key, _)| key == "version")
            .map(|(_, value)| value.trim().to_owned())
            .unwrap_or_default(),
        error: None,
    };
    let mut errors = Vec::new();
    // The bot gives these roles later, unasked: the core refuses now what it could not give
    // then, and what the admin could not hand out themselves.
    let mut read = |key: &str, texts: &[String]| {
        let (picked, problems) = roles.settings_roles(key, texts, app.now());
        errors.extend(problems);
        picked
    };
    let self_roles = read("self_roles", &form.self_roles);
    let join_roles = read("auto_roles_on_join", &form.join_roles);
    let screening_roles = read("auto_roles_on_screening", &form.screening_roles);
    let expected = match form.version.parse::<i64>() {
        Ok(version) => Some(version),
        Err(_) if form.version.is_empty() => None,
        Err(_) => {
            errors.push(format!("version must be a number, got `{}`", form.version));
            None
        }
    };
    let refused = |message: String| SelfRolesForm {
        error: Some(message),
        ..form.clone()
    };
    if !errors.is_empty() {
        let page = roles_page(
            &app,
            &user,
            &access,
            &roles,
            None,
            Some(refused(errors.join("\n"))),
            None,
        )
        .await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    let service = &app.web.core.config;
    let settings = service.reload(guild).await.map_err(PageError::internal)?;
    let mut section = serde_json::to_value(&settings.roles).map_err(PageError::internal)?;
    let ids = |roles: &[RoleId]| json!(roles.iter().map(ToString::to_string).collect::<Vec<_>>());
    if let Some(object) = section.as_object_mut() {
        object.insert("self_roles".into(), ids(&self_roles));
        object.insert("auto_roles_on_join".into(), ids(&join_roles));
        object.insert("auto_roles_on_screening".into(), ids(&screening_roles));
    }
    match service
        .set_section(guild, "roles", section, &user.actor(), expected)
        .await
    {
        Ok(change) => {
            if change.is_some() {
                app.audit(
                    &user,
                    "dashboard.roles.self",
                    Some(guild),
                    "roles",
                    json!({
                        "self_roles": ids(&self_roles),
                        "auto_roles_on_join": ids(&join_roles),
                        "auto_roles_on_screening": ids(&screening_roles),
                    }),
                )
                .await;
            }
            Ok(see_other(&format!(
                "{}?done=self",
                routes::guild_roles(guild)
            )))
        }
        Err(GuildConfigError::Storage(error)) => Err(PageError::internal(error)),
        Err(error) => {
            let page = roles_page(
                &app,
                &user,
                &access,
                &roles,
                None,
                Some(refused(error.to_string())),
                None,
            )
            .await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

/// `POST /guilds/{guild}/roles/timed/{timed}/remove`: ends a running timed role now (its timer
/// is cancelled) and hands the removal of the role to the bot; audited as
/// `dashboard.roles.timed.remove`.
///
/// # Errors
/// 403 without Manage Server (asked of Discord again); 404 for a timed role this guild has not
/// running.
pub async fn remove_timed(
    State(app): State<App>,
    Guild { user, access, .. }: Guild<Write>,
    Path((_, id)): Path<(GuildId, i64)>,
) -> Result<Response, PageError> {
    let guild = access.id;
    let service = role_service(&app);
    let running = service
        .timed_roles(guild, None)
        .await
        .map_err(role_error)?
        .into_iter()
        .find(|timed| timed.id == id)
        .ok_or_else(|| {
            PageError::NotFound(format!(
                "there is no running timed role #{id} in this server"
            ))
        })?;
    // The check `/temprole remove` runs: the bot must be able to take the role, and the admin
    // to hand it out.
    let roles = guild_roles(&app, &user, guild);
    if let Err(problem) = roles.check(running.role, app.now()) {
        let flash = Flash::error(problem);
        let page = roles_page(&app, &user, &access, &roles, None, None, Some(flash)).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    let removed = service
        .remove_timed(guild, running.user, running.role, Some(user.session.user))
        .await
        .map_err(role_error)?;
    perform::schedule(&app.web.core.ledger, Some(guild), removed.remove)
        .await
        .map_err(PageError::internal)?;
    app.audit(
        &user,
        "dashboard.roles.timed.remove",
        Some(guild),
        &id.to_string(),
        json!({
            "user": running.user.to_string(),
            "role": running.role.to_string(),
            "was_due": running.expires_at.to_rfc3339(),
        }),
    )
    .await;
    Ok(see_other(&format!(
        "{}?done=removed",
        routes::guild_roles(guild)
    )))
}

/// The roles' tab.
pub const TABS: &[Tab] = &[Tab {
    label: "Roles",
    path: routes::guild_roles,
}];

/// The roles pages: panels, their builder and preview, self and automatic roles, timed roles.
pub fn routes(app: &App) -> Router<App> {
    Router::new()
        .route(routes::GUILD_ROLES, guarded(app, get(page)))
        .route(routes::GUILD_ROLE_PANELS, guarded(app, post(create_panel)))
        .route(
            routes::GUILD_ROLE_PANEL,
            guarded(app, get(edit_page).post(save_panel)),
        )
        .route(
            routes::GUILD_ROLE_PANEL_DELETE,
            guarded(app, post(delete_panel)),
        )
        .route(
            routes::GUILD_ROLE_PREVIEW,
            guarded(app, post(preview_panel)),
        )
        .route(
            routes::GUILD_SELF_ROLES,
            guarded(app, post(save_self_roles)),
        )
        .route(
            routes::GUILD_TIMED_ROLE_REMOVE,
            guarded(app, post(remove_timed)),
        )
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

    fn unknown_guild() -> GuildRoles {
        GuildRoles::unknown(GuildId::new(9))
    }

    #[test]
    fn the_builder_reads_rows_in_order_and_names_the_wrong_field() {
        let form = read_panel_form(&fields(&[
            ("title", " Pings "),
            ("opt_role_1", "22"),
            ("opt_label_1", "Events"),
            ("opt_role_0", "21"),
            ("opt_label_0", "News"),
            ("opt_emoji_0", "📰"),
            ("opt_role_2", ""),
            ("opt_label_2", ""),
            ("req_any_role", "30, 31"),
            ("req_min_level", "5"),
            ("timed", "7d"),
        ]));
        assert_eq!(form.title, "Pings");
        let (content, errors) =
            form_content(&form, &unknown_guild(), None, Requirements::default());
        assert_eq!(errors, Vec::<String>::new());
        assert_eq!(content.options.len(), 2, "the blank row is left out");
        assert_eq!(content.options[0].label, "News");
        assert_eq!(content.options[0].emoji.as_deref(), Some("📰"));
        assert_eq!(
            content.requirements.any_roles,
            [RoleId::new(30), RoleId::new(31)]
        );
        assert_eq!(content.requirements.min_level, Some(5));
        assert_eq!(content.timed, Some(Duration::from_secs(7 * 86_400)));

        let bad = read_panel_form(&fields(&[
            ("style", "carousel"),
            ("opt_role_0", "nine"),
            ("opt_label_1", "orphan"),
            ("opt_role_2", "9"),
            ("req_account_age", "soon"),
        ]));
        let (_, errors) = form_content(&bad, &unknown_guild(), None, Requirements::default());
        let all = errors.join("\n");
        for says in [
            "unknown panel style `carousel`",
            "role 1: `nine` is not a role id",
            "role 2 has a label but no role",
            "role 3: @everyone belongs to every member",
            "minimum account age must be seconds or a duration",
        ] {
            assert!(all.contains(says), "{says}: {all}");
        }
        assert!(
            read_channel("general")
                .unwrap_err()
                .contains("got `general`")
        );
    }
}
