//! A guild's analytics: `GET /guilds/{guild}/analytics?range=7|30|90` (charts and tables of the
//! daily figures the `analytics.aggregate` job keeps; nothing is computed from raw rows on
//! load) and `GET /guilds/{guild}/analytics.csv?range=…` (the same figures as CSV, premium).

use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use guildhall_core::analytics::{self, Report};
use guildhall_core::premium::Perk;
use maud::Markup;

use crate::app::{App, Guild, Read};
use crate::error::PageError;
use crate::views;

/// The page's query.
#[derive(Debug, serde::Deserialize)]
pub struct RangeQuery {
    /// 7, 30 or 90 days (30 when absent).
    pub range: Option<String>,
}

async fn read(
    app: &App,
    guild: guildhall_core::ids::GuildId,
    query: &RangeQuery,
) -> Result<(u32, Report), PageError> {
    let days = match query.range.as_deref() {
        None | Some("") => 30,
        Some(text) => analytics::parse_range(text).map_err(|error| PageError::from_core(&error))?,
    };
    let report = analytics::report(&app.web.core.db, guild, days, app.now())
        .await
        .map_err(|error| PageError::from_core(&error))?;
    Ok((days, report))
}

/// The analytics page.
///
/// # Errors
/// 400 for a range not offered (naming 7, 30 and 90); 403 without Manage Server.
pub async fn page(
    State(app): State<App>,
    Guild { user, access, .. }: Guild<Read>,
    Query(query): Query<RangeQuery>,
) -> Result<Markup, PageError> {
    let (days, report) = read(&app, access.id, &query).await?;
    let export = app
        .web
        .core
        .premium
        .allows(access.id, Perk::AnalyticsExport);
    Ok(views::analytics::page(
        &user, &access, days, &report, export,
    ))
}

/// The figures as CSV.
///
/// # Errors
/// 402 with the premium wall's sentence on a tier without analytics export; otherwise as
/// [`page`].
pub async fn csv(
    State(app): State<App>,
    Guild { access, .. }: Guild<Read>,
    Query(query): Query<RangeQuery>,
) -> Result<Response, PageError> {
    app.web
        .core
        .premium
        .require(access.id, Perk::AnalyticsExport)
        .map_err(|wall| PageError::PremiumRequired(wall.sentence()))?;
    let (days, report) = read(&app, access.id, &query).await?;
    let cache = &app.web.core.guild_cache;
    let body = analytics::csv(&report, &|channel| {
        cache.channel(access.id, channel).map(|facts| facts.name)
    });
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"analytics-{}-{days}d.csv\"",
                    access.id
                ),
            ),
        ],
        body,
    )
        .into_response())
}
