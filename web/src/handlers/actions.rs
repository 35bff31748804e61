//! State-changing requests (POST, CSRF-checked by the router). Each answers htmx with exactly
//! the fragment its form targets, and a plain form post with a redirect back to the page.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use guildhall_core::guild_config::GuildConfigError;
use guildhall_core::ids::GuildId;
use guildhall_core::jobs::{JobId, JobLedgerError};
use serde::Deserialize;
use serde_json::json;

use super::see_other;
use crate::app::{App, CurrentUser, Guild, Write};
use crate::error::PageError;
use crate::handlers::pages::HISTORY_SHOWN;
use crate::routes;
use crate::views::components::{self, Flash};
use crate::views::pages;

/// Sections the dashboard's settings form may change.
pub const EDITABLE_SECTIONS: [&str; 2] = ["features", "commands"];

/// One key's new value.
#[derive(Debug, Deserialize)]
pub struct SetForm {
    key: String,
    #[serde(default)]
    value: String,
}

fn user_error(error: GuildConfigError) -> Result<String, PageError> {
    PageError::words_of(&error)
}

/// `POST /guilds/{guild}/settings`: sets one `features.*` or `commands.*` key through the
/// settings service (validation, history, and the running bot's cache all follow).
///
/// # Errors
/// 403 without Manage Server (asked of Discord again); 400 for a key outside those sections.
pub async fn set_setting(
    State(app): State<App>,
    Guild { user, access, .. }: Guild<Write>,
    Form(form): Form<SetForm>,
) -> Result<Response, PageError> {
    let guild = access.id;
    let section = form.key.split('.').next().unwrap_or_default();
    if !EDITABLE_SECTIONS.contains(&section) || !form.key.contains('.') {
        return Err(PageError::BadRequest(format!(
            "the dashboard changes features.* and commands.* keys here, not `{}`",
            form.key
        )));
    }
    let service = &app.web.core.config;
    let result = service
        .set_key(guild, &form.key, &form.value, &user.actor())
        .await;
    let error = match result {
        Ok(change) => {
            if change.is_some() {
                app.audit(
                    &user,
                    "dashboard.config.set",
                    Some(guild),
                    &form.key,
                    json!({ "value": form.value }),
                )
                .await;
            }
            None
        }
        Err(error) => Some(user_error(error)?),
    };
    let settings = service.get(guild).await.map_err(PageError::internal)?;
    if user.htmx {
        let value = service
            .get_key(guild, &form.key)
            .await
            .unwrap_or(serde_json::Value::Null);
        return Ok(
            components::setting_row(guild, &form.key, &value, &user.csrf, error.as_deref())
                .into_response(),
        );
    }
    match error {
        None => Ok(see_other(&routes::guild_features(guild))),
        Some(message) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            pages::features(&user, &access, &settings, Some((&form.key, &message))),
        )
            .into_response()),
    }
}

/// `POST /guilds/{guild}/settings/history/{entry}/rollback`: undoes that change (restores
/// its section to the version before it, as a new change).
///
/// # Errors
/// 403 without Manage Server; 404 for an entry not in this guild's history.
pub async fn rollback(
    State(app): State<App>,
    Guild { user, access, .. }: Guild<Write>,
    Path((_, entry_id)): Path<(GuildId, i64)>,
) -> Result<Response, PageError> {
    let guild = access.id;
    let service = &app.web.core.config;
    let entries = service
        .history(guild, None, 10_000)
        .await
        .map_err(PageError::internal)?;
    let Some(entry) = entries.into_iter().find(|entry| entry.id == entry_id) else {
        return Err(PageError::NotFound(format!(
            "this server's settings history has no entry {entry_id}"
        )));
    };
    let target = entry.version - 1;
    let flash = match service
        .rollback(guild, &entry.section, Some(target), &user.actor())
        .await
    {
        Ok(change) => {
            app.audit(
                &user,
                "dashboard.config.rollback",
                Some(guild),
                &entry.section,
                json!({ "entry": entry_id, "to_version": target, "new_version": change.version }),
            )
            .await;
            Flash::ok(format!(
                "{} restored to version {target} (saved as version {})",
                entry.section, change.version
            ))
        }
        Err(error) => Flash::error(user_error(error)?),
    };
    if !user.htmx {
        return Ok(see_other(&routes::guild_history(guild)));
    }
    let entries = service
        .history(guild, None, HISTORY_SHOWN)
        .await
        .map_err(PageError::internal)?;
    let names = components::Names::of(&app.web.core.guild_cache, access.id);
    Ok(
        components::history_table(access.id, &entries, &user.csrf, Some(&flash), &names)
            .into_response(),
    )
}

/// What an operator does to a job.
#[derive(Debug, Clone, Copy)]
enum JobAction {
    Cancel,
    Retry,
}

async fn job_action(
    app: &App,
    user: &CurrentUser,
    id: JobId,
    action: JobAction,
) -> Result<Response, PageError> {
    if !user.operator {
        return Err(PageError::Forbidden(
            "only the operators listed in web.operators can cancel or retry jobs".into(),
        ));
    }
    let ledger = &app.web.core.ledger;
    let (result, name) = match action {
        JobAction::Cancel => (ledger.cancel(id).await, "dashboard.jobs.cancel"),
        JobAction::Retry => (ledger.retry(id).await, "dashboard.jobs.retry"),
    };
    let (job, error) = match result {
        Ok(job) => {
            app.audit(user, name, job.guild, &id.to_string(), json!({}))
                .await;
            (job, None)
        }
        Err(JobLedgerError::NotFound(_)) => {
            return Err(PageError::NotFound(format!("no job with id {id}")));
        }
        Err(error @ JobLedgerError::WrongState { .. }) => {
            let job = ledger.get(id).await.map_err(PageError::internal)?;
            (job, Some(error.to_string()))
        }
        Err(error) => return Err(PageError::internal(error)),
    };
    if !user.htmx {
        return Ok(see_other(routes::OPERATOR));
    }
    let name = match job.guild {
        Some(guild) => guildhall_core::guilds::list(&app.web.core.db)
            .await
            .map_err(PageError::internal)?
            .into_iter()
            .find(|record| record.id == guild)
            .map(|record| record.name),
        None => None,
    };
    Ok(components::job_row(&job, &user.csrf, error.as_deref(), name.as_deref()).into_response())
}

/// `POST /operator/jobs/{job}/cancel`.
///
/// # Errors
/// 403 for non-operators; 404 for an unknown job.
pub async fn cancel_job(
    State(app): State<App>,
    user: CurrentUser,
    Path(id): Path<JobId>,
) -> Result<Response, PageError> {
    job_action(&app, &user, id, JobAction::Cancel).await
}

/// `POST /operator/jobs/{job}/retry`.
///
/// # Errors
/// 403 for non-operators; 404 for an unknown job.
pub async fn retry_job(
    State(app): State<App>,
    user: CurrentUser,
    Path(id): Path<JobId>,
) -> Result<Response, PageError> {
    job_action(&app, &user, id, JobAction::Retry).await
}
