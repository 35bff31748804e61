//! Full pages (GET).

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use guildhall_core::jobs::JobFilter;
use maud::Markup;

use crate::app::{App, CurrentUser, Guild, Read};
use crate::error::PageError;
use crate::views::pages::{self, OperatorData, OverviewData, PickerGuild};

const WEEK: std::time::Duration = std::time::Duration::from_secs(7 * 24 * 3600);
const REFUSALS_READ: u32 = 1_000;
/// How many recent cases and settings changes the overview shows.
const RECENT_SHOWN: u32 = 6;

/// A guild as the picker shows it: its name and icon from the guild model when known.
fn picker_guild(app: &App, record: guildhall_core::guilds::GuildRecord) -> PickerGuild {
    let cache = &app.web.core.guild_cache;
    PickerGuild {
        id: record.id,
        icon: cache
            .look(record.id)
            .and_then(|look| look.icon)
            .map(|hash| {
                format!(
                    "{}/icons/{}/{hash}.png?size=64",
                    app.config().cdn_base(),
                    record.id
                )
            }),
        name: cache.guild_name(record.id).unwrap_or(record.name),
    }
}

/// `GET /`: the guild picker, or the landing page with the login button.
///
/// # Errors
/// When Discord or the database fails.
pub async fn home(
    State(app): State<App>,
    headers: axum::http::HeaderMap,
) -> Result<Response, PageError> {
    let Some(session) = app.session_of(&headers).await? else {
        return Ok(pages::landing().into_response());
    };
    let user = CurrentUser {
        csrf: crate::auth::csrf_token(&app.config().session_key, &session.id),
        operator: app.is_operator(session.user),
        htmx: crate::app::is_htmx(&headers),
        session,
    };
    let stored = guildhall_core::guilds::list(&app.web.core.db)
        .await
        .map_err(PageError::internal)?;
    let present = stored.into_iter().filter(|record| record.left_at.is_none());
    let guilds: Vec<PickerGuild> = if user.operator {
        present.map(|record| picker_guild(&app, record)).collect()
    } else {
        let mine = app.user_guilds(&user.session, false).await?;
        present
            .filter(|record| {
                mine.iter()
                    .any(|guild| guild.id == record.id && guild.manageable())
            })
            .map(|record| picker_guild(&app, record))
            .collect()
    };
    Ok(pages::picker(&user, &guilds).into_response())
}

/// `GET /guilds/{guild}`: name, members, last week's activity, enabled features.
///
/// # Errors
/// 403 without Manage Server; 404 when the bot is not there.
pub async fn overview(
    State(app): State<App>,
    Guild { user, access, .. }: Guild<Read>,
) -> Result<Markup, PageError> {
    let guild = access.id;
    let since = app.now().minus(WEEK);
    let settings = app
        .web
        .core
        .config
        .get(guild)
        .await
        .map_err(PageError::internal)?;
    let commands = guildhall_core::analytics::stats(&app.web.core.db, Some(guild), since)
        .await
        .map_err(PageError::internal)?;
    let refused = guildhall_core::refusals::list(&app.web.core.db, guild, REFUSALS_READ)
        .await
        .map_err(PageError::internal)?
        .iter()
        .filter(|refusal| refusal.at >= since)
        .count();
    let recent_cases = app
        .moderation()
        .cases(
            guild,
            &guildhall_core::moderation::CaseFilter {
                limit: RECENT_SHOWN,
                ..Default::default()
            },
        )
        .await
        .map_err(PageError::internal)?;
    let recent_changes = app
        .web
        .core
        .config
        .history(guild, None, RECENT_SHOWN)
        .await
        .map_err(PageError::internal)?;
    let data = OverviewData {
        commands_run: commands.iter().map(|stats| stats.runs).sum(),
        refused,
        commands,
        settings,
        recent_cases,
        recent_changes,
    };
    Ok(pages::overview(&user, &access, &data))
}

/// `GET /guilds/{guild}/features`: the switches and command settings.
///
/// # Errors
/// As [`overview`].
pub async fn features(
    State(app): State<App>,
    Guild { user, access, .. }: Guild<Read>,
) -> Result<Markup, PageError> {
    let guild = access.id;
    let settings = app.guild_settings(guild).await?;
    Ok(pages::features(&user, &access, &settings, None))
}

/// How many history entries the page shows.
pub const HISTORY_SHOWN: u32 = 100;

/// `GET /guilds/{guild}/settings/history`.
///
/// # Errors
/// As [`overview`].
pub async fn history(
    State(app): State<App>,
    Guild { user, access, .. }: Guild<Read>,
) -> Result<Markup, PageError> {
    let guild = access.id;
    let entries = app
        .web
        .core
        .config
        .history(guild, None, HISTORY_SHOWN)
        .await
        .map_err(PageError::internal)?;
    let names = crate::views::components::Names::of(&app.web.core.guild_cache, access.id);
    Ok(pages::history(&user, &access, &entries, None, &names))
}

/// `GET /operator`: shards, event rates, every guild, the job ledger.
///
/// # Errors
/// 403 for non-operators.
pub async fn operator(State(app): State<App>, user: CurrentUser) -> Result<Markup, PageError> {
    if !user.operator {
        return Err(PageError::Forbidden(
            "the operator page is only for the operators listed in web.operators".into(),
        ));
    }
    let web = &app.web;
    let data = OperatorData {
        shards: web.core.live.shards(),
        events: web.core.live.event_rates(web.core.clock.now()),
        guilds: guildhall_core::guilds::list(&web.core.db)
            .await
            .map_err(PageError::internal)?,
        jobs: web
            .core
            .ledger
            .list(&JobFilter {
                limit: 100,
                ..JobFilter::default()
            })
            .await
            .map_err(PageError::internal)?,
        counts: web
            .core
            .ledger
            .counts()
            .await
            .map_err(PageError::internal)?,
        premium: web.core.premium.premium_guilds(),
        grants: web
            .core
            .premium
            .grants()
            .await
            .map_err(PageError::internal)?,
    };
    Ok(pages::operator(&user, &data))
}
