//! The generic settings page of every section that describes its fields
//! ([`guildhall_core::guild_config::fields`]): `GET` shows the fields with their help, current
//! values (channels and roles by name) and the section's history; `POST` reads the form with
//! the core's [`parse_form`] and writes it through the settings service with a compare-and-swap
//! on the version the page was opened at. A refused form is shown again as typed, with a
//! message under each refused field (422), and nothing is written.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use guildhall_core::guild_config::fields::{self, FieldKind, FormErrors, parse_form};
use guildhall_core::guild_config::{GuildConfigError, SectionOps, sections};
use guildhall_core::ids::{ChannelId, GuildId, RoleId, UserId};
use serde_json::json;

use super::pickers::{PickedForm, pickers};
use super::see_other;
use crate::app::{App, CurrentUser, Guild, GuildAccess, Read, Write};
use crate::error::PageError;
use crate::routes;
use crate::views::components::Flash;
use crate::views::pickers::Pickers;
use crate::views::settings_form::{self as view, FormPage};

/// The form field carrying the version the page was opened at.
pub const VERSION_FIELD: &str = "version";

/// How many of the section's history entries the page shows.
pub const HISTORY_SHOWN: u32 = 20;

/// The sections that have a generic page: those that describe fields.
pub fn described_sections() -> impl Iterator<Item = &'static dyn SectionOps> {
    sections::SECTIONS
        .iter()
        .copied()
        .filter(|ops| !ops.fields().is_empty())
}

fn described(name: &str) -> Result<&'static dyn SectionOps, PageError> {
    described_sections()
        .find(|ops| ops.name() == name)
        .ok_or_else(|| {
            PageError::NotFound(format!(
                "no settings page `{name}`; the pages are: {}",
                described_sections()
                    .map(|ops| ops.name())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })
}

/// `GET /guilds/{guild}/settings/{section}`.
///
/// # Errors
/// 403 without Manage Server; 404 for a section without a generic page or a guild without the
/// bot.
pub async fn page(
    State(app): State<App>,
    Guild { user, access, .. }: Guild<Read>,
    Path((_, section)): Path<(GuildId, String)>,
) -> Result<Response, PageError> {
    let guild = access.id;
    let ops = described(&section)?;
    let settings = app.guild_settings(guild).await?;
    let values = fields::form_pairs(ops, &ops.json_of(&settings));
    let version = settings.version(ops.name());
    render(
        &app,
        &user,
        &access,
        ops,
        &values,
        version,
        &FormErrors::default(),
        None,
        StatusCode::OK,
    )
    .await
}

/// `POST /guilds/{guild}/settings/{section}`: the whole form, with `csrf` and `version`.
///
/// # Errors
/// As [`page`]; 400 without a version. A refused form is not an error: it is shown again (422,
/// or 409 when someone else changed the section since the page was opened).
pub async fn save(
    State(app): State<App>,
    Guild { user, access, .. }: Guild<Write>,
    Path((_, section)): Path<(GuildId, String)>,
    PickedForm(form): PickedForm,
) -> Result<Response, PageError> {
    let guild = access.id;
    let ops = described(&section)?;
    let Some(expected) = form
        .iter()
        .find(|(key, _)| key == VERSION_FIELD)
        .and_then(|(_, value)| value.trim().parse::<i64>().ok())
    else {
        return Err(PageError::BadRequest(
            "the form did not say which version of the settings it was opened at (the `version` field); reload the page and try again".into(),
        ));
    };
    let settings = app.guild_settings(guild).await?;
    let current = ops.json_of(&settings);
    let next = match parse_form(ops, &current, &form) {
        Ok(next) => next,
        Err(errors) => {
            return render(
                &app,
                &user,
                &access,
                ops,
                &form,
                expected,
                &errors,
                Some(&Flash::error(
                    "Nothing was saved: correct the fields marked below.".into(),
                )),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let service = &app.web.core.config;
    match service
        .set_section(guild, ops.name(), next, &user.actor(), Some(expected))
        .await
    {
        Ok(change) => {
            if let Some(change) = change {
                app.audit(
                    &user,
                    "dashboard.config.section",
                    Some(guild),
                    ops.name(),
                    json!({ "version": change.version, "new_value": change.new_value }),
                )
                .await;
            }
            Ok(see_other(&routes::guild_settings_form(guild, ops.name())))
        }
        Err(GuildConfigError::Storage(error)) => Err(PageError::internal(error)),
        Err(GuildConfigError::Conflict { current, .. }) => {
            let message = format!(
                "Nothing was saved: someone else changed {} since you opened this page (it is now at version {current}, you opened version {expected}). Reload the page to see their change; saving this form again replaces it with what is below.",
                ops.name()
            );
            render(
                &app,
                &user,
                &access,
                ops,
                &form,
                current,
                &FormErrors::default(),
                Some(&Flash::error(message)),
                StatusCode::CONFLICT,
            )
            .await
        }
        Err(error) => {
            let mut errors = FormErrors::default();
            let flash = match fields::field_of_error(ops, &error) {
                Some(field) => {
                    // The message reads after the field's label: without the key it starts with.
                    let words = error.to_string();
                    let words = match &error {
                        GuildConfigError::Invalid { key, .. } => words
                            .strip_prefix(&format!("{key} "))
                            .map_or_else(|| words.clone(), str::to_owned),
                        _ => words,
                    };
                    errors.push(field, words);
                    Flash::error("Nothing was saved: correct the fields marked below.".into())
                }
                None => Flash::error(format!("Nothing was saved: {error}")),
            };
            render(
                &app,
                &user,
                &access,
                ops,
                &form,
                expected,
                &errors,
                Some(&flash),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

#[allow(clippy::too_many_arguments)]
async fn render(
    app: &App,
    user: &CurrentUser,
    access: &GuildAccess,
    ops: &'static dyn SectionOps,
    values: &[(String, String)],
    version: i64,
    errors: &FormErrors,
    flash: Option<&Flash>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let history = app
        .web
        .core
        .config
        .history(access.id, Some(ops.name()), HISTORY_SHOWN)
        .await
        .map_err(PageError::internal)?;
    let pickers = form_pickers(app, user, access.id, ops, values).await;
    let page = FormPage {
        section: ops,
        values,
        version,
        errors,
        flash,
        pickers: &pickers,
        history: &history,
        names: &crate::views::components::Names::of(&app.web.core.guild_cache, access.id),
    };
    Ok((status, view::settings_form(user, access, &page)).into_response())
}

/// The guild's pickers, with the names of the members the form holds.
async fn form_pickers(
    app: &App,
    user: &CurrentUser,
    guild: GuildId,
    ops: &dyn SectionOps,
    values: &[(String, String)],
) -> Pickers {
    let (mut members, mut channels, mut roles) = (Vec::new(), Vec::new(), Vec::new());
    for field in ops.fields() {
        let item = match &field.kind {
            FieldKind::List { of, .. } => **of,
            other => *other,
        };
        let ids = values
            .iter()
            .filter(|(key, _)| key == field.key)
            .flat_map(|(_, value)| view::split_ids(value));
        match item {
            FieldKind::Member => members.extend(ids.filter_map(|id| id.parse::<UserId>().ok())),
            FieldKind::Channel(_) => {
                channels.extend(ids.filter_map(|id| id.parse::<ChannelId>().ok()))
            }
            FieldKind::Role => roles.extend(ids.filter_map(|id| id.parse::<RoleId>().ok())),
            _ => {}
        }
    }
    pickers(app, user, guild)
        .with_members(app, members)
        .with_typed_names(app, channels, roles)
        .await
}
