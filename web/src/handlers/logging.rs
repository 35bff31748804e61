//! The logging feature's pages: the stored log events (the viewer: filters by kind, member,
//! channel and day, keyset paging by event id), a member's page (their cases, log events and
//! levels in one place), and the log settings (the `logging` section's generic settings page).
//!
//! A filter that cannot be read answers 400 with the field named and what it takes: a list
//! that silently ignored half the filters would read as an answer to them.

use std::str::FromStr as _;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::TimeZone as _;
use guildhall_core::clock::UnixMillis;
use guildhall_core::ids::{ChannelId, GuildId, UserId};
use guildhall_core::logging::{EventFilter, EventPage, LogKind, Page};
use guildhall_core::moderation::CaseFilter;

use super::moderation::find_member;
use super::pickers::{merge_typed, pickers};
use crate::app::{App, Guild, Read, guarded};
use crate::error::PageError;
use crate::features::Tab;
use crate::routes;
use crate::views::logging::{self as views, MemberPage, ViewerPage};

/// Events on a page of the viewer and of a member's page.
pub const EVENTS_PAGE: u32 = 50;
/// Cases shown on a member's page.
pub const MEMBER_CASES: u32 = 50;

/// The logging feature's tabs: the events first, then the settings.
pub const TABS: &[Tab] = &[
    Tab {
        label: "Log events",
        path: routes::guild_logs,
    },
    Tab {
        label: "Log settings",
        path: routes::guild_logging_settings,
    },
];

/// The logging feature's routes.
pub fn routes(app: &App) -> Router<App> {
    Router::new()
        .route(routes::GUILD_LOGS, guarded(app, get(events)))
        .route(routes::GUILD_MEMBER, guarded(app, get(member)))
}

/// The viewer's filters and position, as typed (kept to refill the form and the paging links).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogQuery {
    /// A kind's stored name (`message_deleted`), or empty for every kind.
    pub kind: String,
    /// A member: an id, or a name the guild model knows.
    pub member: String,
    /// A channel id.
    pub channel: String,
    /// The first day (`YYYY-MM-DD`, in the server's time zone).
    pub from: String,
    /// The last day, included.
    pub to: String,
    /// Events older than this id.
    pub before: String,
    /// Events newer than this id.
    pub after: String,
    /// The oldest events (`1`).
    pub oldest: String,
}

impl LogQuery {
    /// Reads the query's pairs, with the pickers' typed ids applied; other keys are left alone
    /// (the pickers' search boxes).
    pub fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        let mut query = Self::default();
        for (key, value) in merge_typed(pairs) {
            let slot = match key.as_str() {
                "kind" => &mut query.kind,
                "member" => &mut query.member,
                "channel" => &mut query.channel,
                "from" => &mut query.from,
                "to" => &mut query.to,
                "before" => &mut query.before,
                "after" => &mut query.after,
                "oldest" => &mut query.oldest,
                _ => continue,
            };
            *slot = value.trim().to_owned();
        }
        query
    }

    /// The core's filter and page, or a message for every field that could not be read.
    ///
    /// # Errors
    /// One sentence per refused field, naming it and what it takes.
    pub fn read(
        &self,
        zone: chrono_tz::Tz,
        members: &dyn Fn(&str) -> Result<UserId, String>,
    ) -> Result<(EventFilter, Page), Vec<String>> {
        let mut filter = EventFilter::default();
        let mut errors = Vec::new();
        if !self.kind.is_empty() {
            match LogKind::parse(&self.kind) {
                Some(kind) => filter.kinds.push(kind),
                None => errors.push(format!(
                    "kind: `{}` is not a kind of log event; use one of {}, or leave it empty for every kind",
                    self.kind,
                    LogKind::ALL
                        .iter()
                        .map(|kind| kind.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            }
        }
        if !self.member.is_empty() {
            match members(&self.member) {
                Ok(user) => filter.member = Some(user),
                Err(message) => errors.push(format!("member: {message}")),
            }
        }
        if !self.channel.is_empty() {
            match ChannelId::from_str(&self.channel) {
                Ok(channel) => filter.channel = Some(channel),
                Err(_) => errors.push(format!(
                    "channel: `{}` is not a channel id (a number such as 1101234567890123456); pick one from the list",
                    self.channel
                )),
            }
        }
        let day = |field: &str, text: &str, errors: &mut Vec<String>| {
            if text.is_empty() {
                return None;
            }
            let start = day_start(text, zone);
            if start.is_none() {
                errors.push(format!(
                    "{field}: `{text}` is not a date; use YYYY-MM-DD (a day in the server's time zone, {zone})"
                ));
            }
            start
        };
        filter.since = day("from", &self.from, &mut errors);
        // The last day is included: events before the start of the next day.
        filter.until = day("to", &self.to, &mut errors).and_then(|_| {
            let next = chrono::NaiveDate::parse_from_str(&self.to, "%Y-%m-%d")
                .ok()?
                .succ_opt()?;
            day_start(&next.format("%Y-%m-%d").to_string(), zone)
        });
        if let (Some(since), Some(until)) = (filter.since, filter.until)
            && until <= since
        {
            errors.push(format!(
                "to: the last day ({}) is before the first ({}); give a later day or none",
                self.to, self.from
            ));
        }
        let position = |field: &str, text: &str, errors: &mut Vec<String>| {
            if text.is_empty() {
                return None;
            }
            match text.parse::<i64>() {
                Ok(id) if id > 0 && !text.starts_with(['+', '0']) => Some(id),
                _ => {
                    errors.push(format!(
                        "{field}: `{text}` is not an event id (a number, 1 or more, digits only)"
                    ));
                    None
                }
            }
        };
        let before = position("before", &self.before, &mut errors);
        let after = position("after", &self.after, &mut errors);
        let oldest = match self.oldest.as_str() {
            "" | "0" => false,
            "1" => true,
            other => {
                errors.push(format!(
                    "oldest: `{other}` is not understood; use oldest=1 for the oldest events"
                ));
                false
            }
        };
        let page = match (before, after, oldest) {
            (None, None, false) => Page::Newest,
            (Some(id), None, false) => Page::Before(id),
            (None, Some(id), false) => Page::After(id),
            (None, None, true) => Page::Oldest,
            _ => {
                errors.push(
                    "before, after, oldest: give at most one of them (one page at a time)".into(),
                );
                Page::Newest
            }
        };
        if errors.is_empty() {
            Ok((filter, page))
        } else {
            Err(errors)
        }
    }

    /// The query string of these filters, with a position (`before=12`, `oldest=1`) or none.
    pub fn with_position(&self, position: Option<(&str, String)>) -> String {
        let encode = |text: &str| {
            percent_encoding::utf8_percent_encode(text.trim(), percent_encoding::NON_ALPHANUMERIC)
                .to_string()
        };
        let mut parts: Vec<String> = [
            ("kind", &self.kind),
            ("member", &self.member),
            ("channel", &self.channel),
            ("from", &self.from),
            ("to", &self.to),
        ]
        .iter()
        .filter(|(_, value)| !value.is_empty())
        .map(|(key, value)| format!("{key}={}", encode(value)))
        .collect();
        if let Some((key, value)) = position {
            parts.push(format!("{key}={value}"));
        }
        parts.join("&")
    }
}

/// The start of the day `text` (`YYYY-MM-DD`) in `zone`, or `None` when it is not such a day.
pub fn day_start(text: &str, zone: chrono_tz::Tz) -> Option<UnixMillis> {
    let date = chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").ok()?;
    if text.trim().len() != 10 {
        return None;
    }
    let midnight = date.and_hms_opt(0, 0, 0)?;
    // A day that starts in a daylight-saving gap starts at its first existing instant.
    let start = zone.from_local_datetime(&midnight).earliest().or_else(|| {
        zone.from_local_datetime(&(midnight + chrono::Duration::hours(1)))
            .earliest()
    })?;
    Some(UnixMillis(start.timestamp_millis()))
}

/// The guild's time zone (`general.timezone`), UTC when it does not read.
async fn guild_zone(app: &App, guild: GuildId) -> Result<chrono_tz::Tz, PageError> {
    let settings = app
        .web
        .core
        .config
        .get(guild)
        .await
        .map_err(|error| PageError::from_core(&error))?;
    Ok(settings
        .general
        .timezone
        .parse::<chrono_tz::Tz>()
        .unwrap_or(chrono_tz::UTC))
}

/// `GET /guilds/{guild}/logs`: the guild's stored log events, newest first, filtered and paged
/// by id; the log channels Discord refused lately and the categories the tier's limit pauses.
///
/// # Errors
/// 403 without Manage Server; 404 when the bot is not there; 400 for a filter that does not
/// read (the page, with each field's message).
pub async fn events(
    State(app): State<App>,
    Guild { user, access, .. }: Guild<Read>,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let guild = access.id;
    let query = LogQuery::from_pairs(pairs);
    let core = &app.web.core;
    let settings = core
        .config
        .get(guild)
        .await
        .map_err(|error| PageError::from_core(&error))?;
    let zone = guild_zone(&app, guild).await?;
    let cache = &core.guild_cache;
    let read = query.read(zone, &|text| find_member(cache, guild, text));
    let pickers = pickers(&app, &user, guild).with_members(
        &app,
        query
            .member
            .parse::<UserId>()
            .ok()
            .into_iter()
            .collect::<Vec<_>>(),
    );
    let failures = core.logging.failures(guild);
    let paused = core.logging.paused_categories(guild, &settings.logging);
    let (status, page, errors) = match read {
        Ok((filter, page)) => {
            let events = core
                .logging
                .events(guild, &filter, page, EVENTS_PAGE)
                .await
                .map_err(|error| PageError::from_core(&error))?;
            (StatusCode::OK, events, Vec::new())
        }
        Err(errors) => (StatusCode::BAD_REQUEST, EventPage::default(), errors),
    };
    let view = ViewerPage {
        query: &query,
        page: &page,
        errors: &errors,
        zone,
        failures: &failures,
        paused: &paused,
        pickers: &pickers,
    };
    Ok((status, views::events(&user, &access, &view)).into_response())
}

/// `GET /guilds/{guild}/members/{user}`: a member's history in the guild: their cases, their
/// latest log events and where they stand in the levels.
///
/// # Errors
/// As [`events`]; 404 for a user id that is not written canonically.
pub async fn member(
    State(app): State<App>,
    Guild { user, access, .. }: Guild<Read>,
    Path((_, member)): Path<(GuildId, UserId)>,
) -> Result<Response, PageError> {
    let guild = access.id;
    let core = &app.web.core;
    let zone = guild_zone(&app, guild).await?;
    let cases = app
        .moderation()
        .cases(
            guild,
            &CaseFilter {
                target: Some(member),
                limit: MEMBER_CASES,
                ..CaseFilter::default()
            },
        )
        .await
        .map_err(|error| PageError::from_core(&error))?;
    let filter = EventFilter {
        member: Some(member),
        ..EventFilter::default()
    };
    let events = core
        .logging
        .events(guild, &filter, Page::Newest, EVENTS_PAGE)
        .await
        .map_err(|error| PageError::from_core(&error))?;
    let card = app
        .inner
        .levels
        .service
        .rank_card(guild, member)
        .await
        .map_err(|error| PageError::from_core(&error))?;
    let view = MemberPage {
        member,
        cases: &cases,
        events: &events,
        card: &card,
        zone,
    };
    Ok(views::member(&user, &access, &view).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(pairs: &[(&str, &str)]) -> LogQuery {
        LogQuery::from_pairs(
            pairs
                .iter()
                .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
                .collect(),
        )
    }

    fn no_members(text: &str) -> Result<UserId, String> {
        UserId::from_str(text).map_err(|_| format!("`{text}` is not a user id"))
    }

    #[test]
    fn filters_read_into_the_core_filter_and_page() {
        let berlin: chrono_tz::Tz = "Europe/Berlin".parse().unwrap();
        let (filter, page) = query(&[
            ("kind", "message_deleted"),
            ("member", "964689920000000012"),
            ("typed1:channel", "964689920000000031"),
            ("search:member", "ava"),
            ("from", "2026-03-01"),
            ("to", "2026-03-01"),
            ("before", "120"),
        ])
        .read(berlin, &no_members)
        .unwrap();
        assert_eq!(filter.kinds, vec![LogKind::MessageDeleted]);
        assert_eq!(filter.member, Some(UserId::new(964_689_920_000_000_012)));
        assert_eq!(
            filter.channel,
            Some(ChannelId::new(964_689_920_000_000_031))
        );
        // Midnight in Berlin (UTC+1 in March) to the next midnight.
        assert_eq!(filter.since, Some(UnixMillis(1_772_319_600_000)));
        assert_eq!(filter.until, Some(UnixMillis(1_772_406_000_000)));
        assert_eq!(page, Page::Before(120));
        let (_, page) = query(&[("oldest", "1")])
            .read(chrono_tz::UTC, &no_members)
            .unwrap();
        assert_eq!(page, Page::Oldest);
    }

    #[test]
    fn each_bad_field_is_named_with_what_it_takes() {
        let check = |pairs: &[(&str, &str)], field: &str| {
            let errors = query(pairs).read(chrono_tz::UTC, &no_members).unwrap_err();
            assert_eq!(errors.len(), 1, "{errors:?}");
            assert!(errors[0].starts_with(field), "{errors:?}");
        };
        check(&[("kind", "deleted")], "kind: `deleted` is not a kind");
        check(&[("member", "ava")], "member:");
        check(&[("channel", "general")], "channel: `general`");
        check(
            &[("from", "01/03/2026")],
            "from: `01/03/2026` is not a date",
        );
        check(&[("to", "2026-02-30")], "to:");
        check(
            &[("from", "2026-03-02"), ("to", "2026-03-01")],
            "to: the last day",
        );
        check(&[("before", "012")], "before:");
        check(&[("after", "-4")], "after:");
        check(&[("oldest", "yes")], "oldest:");
        check(&[("before", "4"), ("oldest", "1")], "before, after, oldest");
    }

    #[test]
    fn paging_links_keep_the_filters() {
        let typed = query(&[("kind", "member_joined"), ("member", "ava b")]);
        assert_eq!(
            typed.with_position(Some(("before", "9".into()))),
            "kind=member%5Fjoined&member=ava%20b&before=9"
        );
        assert_eq!(LogQuery::default().with_position(None), "");
    }
}
