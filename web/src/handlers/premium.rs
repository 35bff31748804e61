//! Premium in the dashboard: `GET /guilds/{guild}/premium` (the guild's tier, limits and use,
//! perks and what is paused; Manage Server) and the operator's grant and revoke (`POST
//! /operator/premium/grant`, `POST /operator/premium/{guild}/revoke`; operators only, CSRF,
//! audited by the core as `premium.grant` / `premium.revoke` with the user as actor).

use axum::Form;
use axum::extract::{Path, State};
use axum::response::Response;
use guildhall_core::clock::parse_when;
use guildhall_core::ids::GuildId;
use guildhall_core::premium::{self, Tier};
use maud::Markup;
use serde::Deserialize;

use super::see_other;
use crate::app::{App, CurrentUser, Guild, Read};
use crate::error::PageError;
use crate::routes;
use crate::views::premium::{self as views, GuildPremium};

/// `GET /guilds/{guild}/premium`.
///
/// # Errors
/// As every guild page; 500 when the counts cannot be read.
pub async fn page(
    State(app): State<App>,
    Guild { user, access, .. }: Guild<Read>,
) -> Result<Markup, PageError> {
    let core = &app.web.core;
    let guild = access.id;
    let data = GuildPremium {
        status: core.premium.status(guild),
        usage: premium::usage(core, guild)
            .await
            .map_err(PageError::internal)?,
        paused: premium::paused(core, guild)
            .await
            .map_err(PageError::internal)?,
        sells: !core.premium.config().skus.is_empty(),
    };
    Ok(views::guild(&user, &access, &data))
}

fn operator_only(user: &CurrentUser) -> Result<(), PageError> {
    if user.operator {
        Ok(())
    } else {
        Err(PageError::Forbidden(
            "only the operators listed in web.operators can grant or revoke premium".into(),
        ))
    }
}

fn actor(user: &CurrentUser) -> String {
    format!("user:{} (dashboard)", user.session.user)
}

/// The grant form.
#[derive(Debug, Deserialize)]
pub struct GrantForm {
    guild: String,
    #[serde(default)]
    until: String,
    #[serde(default)]
    note: String,
}

/// `POST /operator/premium/grant`: grants premium to a guild the bot knows, until `until`
/// (`+30d`, RFC 3339, or empty for no end).
///
/// # Errors
/// 403 for non-operators; 400 naming what was wrong (an unknown guild, an unreadable or past
/// time, a note with control characters); nothing is written then.
pub async fn grant(
    State(app): State<App>,
    user: CurrentUser,
    Form(form): Form<GrantForm>,
) -> Result<Response, PageError> {
    operator_only(&user)?;
    let core = &app.web.core;
    let guild: GuildId = form.guild.parse().map_err(|_| {
        PageError::BadRequest(format!(
            "`{}` is not a server; pick one from the list",
            form.guild
        ))
    })?;
    let known = guildhall_core::guilds::list(&core.db)
        .await
        .map_err(PageError::internal)?;
    if !known.iter().any(|record| record.id == guild) {
        return Err(PageError::BadRequest(format!(
            "the bot has never been in server {guild}; pick one from the list"
        )));
    }
    let until = match form.until.trim() {
        "" => None,
        text => Some(parse_when(text, core.clock.now()).map_err(|error| {
            PageError::BadRequest(format!(
                "Until: {error}; write +30d, an RFC 3339 time, or leave it empty for no end"
            ))
        })?),
    };
    core.premium
        .grant(guild, Tier::Premium, until, &actor(&user), &form.note)
        .await
        .map_err(|error| PageError::from_core(&error))?;
    Ok(see_other(&format!("{}#premium", routes::OPERATOR)))
}

/// `POST /operator/premium/{guild}/revoke`.
///
/// # Errors
/// 403 for non-operators; 400 when the guild has no grant.
pub async fn revoke(
    State(app): State<App>,
    user: CurrentUser,
    Path(guild): Path<GuildId>,
) -> Result<Response, PageError> {
    operator_only(&user)?;
    app.web
        .core
        .premium
        .revoke(guild, &actor(&user))
        .await
        .map_err(|error| PageError::from_core(&error))?;
    Ok(see_other(&format!("{}#premium", routes::OPERATOR)))
}
