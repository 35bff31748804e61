//! Leaderboards: the public page of a guild that opted in (`levels.public_leaderboard`), its
//! JSON, and the staff page of any guild (Manage Server).
//!
//! The public routes need no session and change nothing. They answer 404 with one sentence,
//! the same whether the guild is unknown, the bot left it, or its leaderboard is not public, so
//! they reveal nothing about guilds that did not opt in. Pages come from
//! [`LevelService::leaderboard`](guildhall_core::levels::LevelService::leaderboard): the top
//! pages are one index range read (so they show the bot's writes within one flush interval),
//! deep pages seek from the in-memory rank index, never an `OFFSET` over a million rows. Pages
//! past the end are never queried: the member count (counted at most every few seconds per
//! guild) says where the end is. Responses may be cached for [`PUBLIC_MAX_AGE`] seconds.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use guildhall_core::guild_config::GuildSettings;
use guildhall_core::ids::{GuildId, UserId};
use guildhall_core::levels::{LeaderboardEntry, LevelSettings};
use serde::Deserialize;
use serde_json::json;

use crate::app::{App, Guild, Read};
use crate::error::PageError;
use crate::routes;
use crate::views::leaderboard::{self as views, Board, BoardMember};

/// Members per leaderboard page.
pub const PAGE_SIZE: u32 = 50;
/// How long browsers and proxies may keep a public page, in seconds.
pub const PUBLIC_MAX_AGE: u32 = 5;

/// The page asked for, as typed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct PageQuery {
    /// The page, from 1 (empty: the first).
    pub page: String,
}

impl PageQuery {
    /// The page number.
    ///
    /// # Errors
    /// A sentence saying what is accepted, for anything but a whole number from 1.
    pub fn number(&self) -> Result<u64, String> {
        let text = self.page.trim();
        if text.is_empty() {
            return Ok(1);
        }
        match text.parse::<u64>() {
            Ok(page) if page >= 1 => Ok(page),
            _ => Err(format!(
                "page must be a whole number from 1, got `{}`",
                self.page
            )),
        }
    }
}

/// A member's name for the leaderboard: their display name as the bot's guild cache last saw
/// it (in `guildhall serve`), else `user <id>` (the dashboard alone has no cache).
pub fn member_name(app: &App, guild: GuildId, user: UserId) -> String {
    app.web
        .core
        .guild_cache
        .member_name(guild, user)
        .unwrap_or_else(|| format!("user {user}"))
}

fn not_public(guild: GuildId) -> PageError {
    PageError::NotFound(format!(
        "there is no public leaderboard for server {guild}: Guildhall is not in it, or its admins have not made its leaderboard public"
    ))
}

/// One page of the guild's leaderboard under `settings` (its curve gives levels and
/// progress). Pages past the end hold nobody and are not queried.
///
/// # Errors
/// [`PageError::Internal`] when the database fails.
pub async fn board(
    app: &App,
    guild: GuildId,
    guild_name: String,
    page: u64,
    settings: &GuildSettings,
) -> Result<Board, PageError> {
    let state = &app.inner.levels;
    let count = state
        .member_count(guild, app.now())
        .await
        .map_err(PageError::internal)?;
    let size = u64::from(PAGE_SIZE);
    let pages = count.div_ceil(size).max(1);
    let offset = page.saturating_sub(1).saturating_mul(size);
    let entries = if offset < count {
        state
            .service
            .leaderboard(guild, offset, PAGE_SIZE)
            .await
            .map_err(PageError::internal)?
    } else {
        Vec::new()
    };
    Ok(Board {
        guild,
        guild_name,
        page,
        pages,
        members: board_members(app, guild, entries, &settings.levels),
    })
}

/// Leaderboard entries as the board shows them: names, and progress under the guild's curve.
pub fn board_members(
    app: &App,
    guild: GuildId,
    entries: Vec<LeaderboardEntry>,
    levels: &LevelSettings,
) -> Vec<BoardMember> {
    entries
        .into_iter()
        .map(|entry| {
            let progress = levels.curve.progress(entry.xp);
            BoardMember {
                rank: entry.rank,
                user: entry.user,
                name: member_name(app, guild, entry.user),
                level: entry.level,
                xp: entry.xp,
                xp_into_level: progress.xp_into_level,
                xp_needed: progress.xp_needed,
            }
        })
        .collect()
}

/// The page of a public leaderboard, or the one 404 for every guild that has none.
async fn public_board(app: &App, guild: GuildId, page: u64) -> Result<Board, PageError> {
    let state = &app.inner.levels;
    let Some(stored_name) = state
        .active_guild(&app.web.core.db, guild, app.now())
        .await
        .map_err(PageError::internal)?
    else {
        return Err(not_public(guild));
    };
    let settings = app
        .web
        .core
        .config
        .get(guild)
        .await
        .map_err(PageError::internal)?;
    if !settings.levels.public_leaderboard {
        return Err(not_public(guild));
    }
    let name = app
        .web
        .core
        .guild_cache
        .guild_name(guild)
        .unwrap_or(stored_name);
    board(app, guild, name, page, &settings).await
}

fn cacheable(mut response: Response) -> Response {
    if let Ok(value) = HeaderValue::from_str(&format!("public, max-age={PUBLIC_MAX_AGE}")) {
        response.headers_mut().insert(header::CACHE_CONTROL, value);
    }
    response
}

/// `GET /leaderboard/{guild}?page=N`: the public leaderboard, 50 members a page, no login.
///
/// # Errors
/// 404 (one message for every guild without a public leaderboard); 400 for a page that is not
/// a number from 1.
pub async fn public_page(
    State(app): State<App>,
    Path(guild): Path<GuildId>,
    Query(query): Query<PageQuery>,
) -> Result<Response, PageError> {
    let page = query.number().map_err(PageError::BadRequest)?;
    let board = public_board(&app, guild, page).await?;
    let link = |page: u64| routes::leaderboard_page(guild, page);
    Ok(cacheable(views::public(&board, &link).into_response()))
}

/// `GET /leaderboard/{guild}/data?page=N`: the same page as JSON:
/// `{"guild", "page", "pages", "members": [{"rank", "user", "name", "level", "xp",
/// "xp_into_level", "xp_needed"}]}`; errors are `{"error": "..."}` with the same statuses as
/// the page.
pub async fn public_data(
    State(app): State<App>,
    Path(guild): Path<GuildId>,
    Query(query): Query<PageQuery>,
) -> Response {
    let result = match query.number() {
        Ok(page) => public_board(&app, guild, page).await,
        Err(message) => Err(PageError::BadRequest(message)),
    };
    match result {
        Ok(board) => cacheable(Json(board).into_response()),
        Err(error) => {
            let status = match &error {
                PageError::NotFound(_) => StatusCode::NOT_FOUND,
                PageError::BadRequest(_) => StatusCode::BAD_REQUEST,
                _ => StatusCode::INTERNAL_SERVER_ERROR,
            };
            let message = if let PageError::Internal(detail) = &error {
                tracing::error!(%detail, "leaderboard data failed");
                "something went wrong on the server; it has been logged".to_owned()
            } else {
                error.to_string()
            };
            (status, Json(json!({ "error": message }))).into_response()
        }
    }
}

/// `GET /guilds/{guild}/levels/leaderboard?page=N`: the leaderboard for the guild's managers,
/// public or not, rendered as the public one is.
///
/// # Errors
/// 403 without Manage Server; 404 when the bot is not there; 400 for a bad page.
pub async fn staff_page(
    State(app): State<App>,
    Guild { user, access, .. }: Guild<Read>,
    Query(query): Query<PageQuery>,
) -> Result<Response, PageError> {
    let guild = access.id;
    let page = query.number().map_err(PageError::BadRequest)?;
    let settings = app.guild_settings(guild).await?;
    let board = board(&app, guild, access.name.clone(), page, &settings).await?;
    let link = |page: u64| routes::guild_levels_leaderboard_page(guild, page);
    Ok(views::staff(&user, &access, &board, &link).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_are_whole_numbers_from_one() {
        let number = |text: &str| {
            PageQuery {
                page: text.to_owned(),
            }
            .number()
        };
        assert_eq!(number(""), Ok(1));
        assert_eq!(number(" 3 "), Ok(3));
        for bad in ["0", "-1", "two", "1.5"] {
            assert!(
                number(bad).unwrap_err().contains("whole number from 1"),
                "{bad}"
            );
        }
    }
}
