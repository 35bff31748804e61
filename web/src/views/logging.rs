//! The logging pages: the log viewer (filters, the events, paging, the refused log channels and
//! the paused categories) and a member's page (cases, log events, levels).

use chrono::TimeZone as _;
use guildhall_core::clock::UnixMillis;
use guildhall_core::guild_config::fields::ChannelFilter;
use guildhall_core::ids::{GuildId, UserId};
use guildhall_core::levels::RankCard;
use guildhall_core::logging::{Category, EventPage, LogKind, PostFailure, StoredEvent};
use guildhall_core::moderation::Case;
use maud::{Markup, html};

use super::components::{Names, guild_tabs, when};
use super::layout::page;
use super::pickers::Pickers;
use crate::app::{CurrentUser, GuildAccess};
use crate::handlers::logging::LogQuery;
use crate::routes;

/// What the viewer shows.
pub struct ViewerPage<'a> {
    /// The filters as typed.
    pub query: &'a LogQuery,
    /// The events found.
    pub page: &'a EventPage,
    /// Why the filters were refused (the page then lists nothing).
    pub errors: &'a [String],
    /// The server's time zone.
    pub zone: chrono_tz::Tz,
    /// Log channels Discord refused lately.
    pub failures: &'a [PostFailure],
    /// Categories the tier's limit of log channels pauses.
    pub paused: &'a [Category],
    /// The channel and member pickers.
    pub pickers: &'a Pickers,
}

/// What a member's page shows.
pub struct MemberPage<'a> {
    /// The member.
    pub member: UserId,
    /// Their cases, newest first.
    pub cases: &'a [Case],
    /// Their latest log events.
    pub events: &'a EventPage,
    /// Where they stand in the levels.
    pub card: &'a RankCard,
    /// The server's time zone.
    pub zone: chrono_tz::Tz,
}

/// A category's name in words.
pub const fn category_title(category: Category) -> &'static str {
    match category {
        Category::Messages => "Messages",
        Category::Members => "Members",
        Category::MemberUpdates => "Member updates",
        Category::Roles => "Roles",
        Category::Channels => "Channels",
        Category::Voice => "Voice",
        Category::Moderation => "Moderation",
    }
}

/// `at` in `zone` to the second, with the zone's abbreviation.
pub fn local(at: UnixMillis, zone: chrono_tz::Tz) -> String {
    match chrono::Utc.timestamp_millis_opt(at.0).single() {
        Some(utc) => utc
            .with_timezone(&zone)
            .format("%Y-%m-%d %H:%M:%S %Z")
            .to_string(),
        None => when(at),
    }
}

/// A time in the server's zone, UTC on hover.
fn time_cell(at: UnixMillis, zone: chrono_tz::Tz) -> Markup {
    let shown = local(at, zone);
    let (day, hour) = shown.split_once(' ').unwrap_or((shown.as_str(), ""));
    html! {
        time datetime=(at.to_rfc3339()) title=(format!("{} UTC", when(at))) {
            span.nowrap { (day) } " " span.nowrap { (hour) }
        }
    }
}

/// A member by name, linking to their page.
fn member_link(guild: GuildId, names: &Names, user: UserId) -> Markup {
    html! { a.member href=(routes::guild_member(guild, user)) { (names.member(user)) } }
}

/// The events as a table (one card per event on a phone): time, kind, summary with names,
/// member, by whom, case, and the fields in a `<details>`.
pub fn event_table(
    guild: GuildId,
    names: &Names,
    events: &[StoredEvent],
    zone: chrono_tz::Tz,
) -> Markup {
    html! {
        div.scroll { table.stack #log-events {
            thead { tr { th { "When" } th { "What" } th { "Member" } th { "By" } th { "Case" } } }
            tbody { @for event in events {
                @let entry = &event.entry;
                tr id=(format!("event-{}", event.id)) data-event=(event.id) {
                    td data-label="When" { (time_cell(entry.at, zone)) }
                    td data-label="What" {
                        strong.kind { (entry.kind.title()) }
                        br;
                        span.summary { (names.mentions(&entry.summary)) }
                        @if !entry.fields.is_empty() || entry.file.is_some() {
                            details.fields {
                                summary { "Details" }
                                dl.facts {
                                    @for field in &entry.fields {
                                        dt { (names.mentions(&field.name)) }
                                        dd { (names.mentions(&field.value)) }
                                    }
                                    @if let Some(file) = &entry.file {
                                        dt { "Transcript" }
                                        dd { code { (file.name) } " " small.muted { "(posted to the log channel; its text is not stored)" } }
                                    }
                                }
                            }
                        }
                    }
                    td data-label="Member" {
                        @if let Some(user) = entry.user { (member_link(guild, names, user)) }
                    }
                    td data-label="By" {
                        @if let Some(actor) = entry.actor {
                            (member_link(guild, names, actor))
                            @if entry.actor_guessed {
                                " " small.guess.muted title="The audit log's best guess: Discord does not say who deleted a message" { "(best guess)" }
                            }
                        }
                    }
                    td data-label="Case" {
                        @if let Some(case) = entry.case {
                            a href=(routes::guild_case(guild, case)) { "#" (case) }
                        }
                    }
                }
            } }
        } }
    }
}

fn kind_select(selected: &str) -> Markup {
    html! {
        select #log-kind name="kind" aria-label="Kind" {
            option value="" selected[selected.is_empty()] { "Every kind" }
            @for category in Category::ALL {
                optgroup label=(category_title(category)) {
                    @for kind in LogKind::ALL.iter().filter(|kind| kind.category() == category) {
                        option value=(kind.as_str()) selected[selected == kind.as_str()] { (kind.title()) }
                    }
                }
            }
        }
    }
}

/// The log viewer.
pub fn events(user: &CurrentUser, guild: &GuildAccess, view: &ViewerPage<'_>) -> Markup {
    let list = routes::guild_logs(guild.id);
    let query = view.query;
    let link = |position: Option<(&str, String)>| {
        let query = query.with_position(position);
        if query.is_empty() {
            list.clone()
        } else {
            format!("{list}?{query}")
        }
    };
    let events = &view.page.events;
    html! {
        (page(
            &format!("{} · log events", guild.name),
            Some(user),
            html! {
                h1 { (guild.name) }
                (guild_tabs(guild, "Log events"))
                @if !view.failures.is_empty() {
                    section.warning #log-failures role="note" {
                        strong { "Discord refused posts to these log channels lately:" }
                        ul { @for failure in view.failures {
                            li {
                                (guild.names.channel(failure.channel)) ": " (failure.error)
                                " · " (time_cell(failure.at, view.zone))
                                " · " (failure.entries) " entries not posted (they are stored and listed here)"
                            }
                        } }
                        "Check the bot's permissions there (View Channel, Send Messages, Embed Links, Attach Files), or pick another channel in the "
                        a href=(routes::guild_logging_settings(guild.id)) { "log settings" } "."
                    }
                }
                @if !view.paused.is_empty() {
                    section.paused #log-paused {
                        p {
                            @for (index, category) in view.paused.iter().enumerate() {
                                @if index > 0 { ", " }
                                strong { (category_title(*category)) }
                            }
                            " " span.state.paused title="This tier posts to fewer log channels; these events are still stored and listed here" { "paused: needs premium" }
                        }
                        p.muted { "Their channel is past this server's limit of log channels: they are not posted, but still stored here. " a href=(routes::guild_premium(guild.id)) { "Premium" } }
                    }
                }
                form.filters #log-filters method="get" action=(list) {
                    div.field { label for="log-kind" { "Kind" } (kind_select(&query.kind)) }
                    div.field {
                        label for="log-member" { "Member" }
                        (view.pickers.member("member", "log-member", &query.member, true))
                    }
                    div.field {
                        label for="log-channel" { "Channel" }
                        (view.pickers.channel("channel", "log-channel", ChannelFilter::Any, &query.channel, Some("Every channel")))
                    }
                    div.field {
                        label for="log-from" { "From" }
                        input #log-from type="date" name="from" value=(query.from) placeholder="YYYY-MM-DD";
                    }
                    div.field {
                        label for="log-to" { "To (included)" }
                        input #log-to type="date" name="to" value=(query.to) placeholder="YYYY-MM-DD";
                    }
                    p.muted { "Days and times are in the server's time zone, " (view.zone) " (UTC on hover)." }
                    button type="submit" { "Show" }
                    " " a href=(list) { "Clear" }
                }
                @for error in view.errors { p.error role="alert" { (error) } }
                @if events.is_empty() {
                    @if view.errors.is_empty() { p.muted #no-events { "No log event matches." } }
                } @else {
                    (event_table(guild.id, &guild.names, events, view.zone))
                }
                nav.paging #log-paging {
                    @if view.page.newer {
                        a #newest href=(link(None)) { "Newest" }
                        @if let Some(first) = events.first() {
                            a #newer href=(link(Some(("after", first.id.to_string())))) { "Newer" }
                        }
                    }
                    @if view.page.older {
                        @if let Some(last) = events.last() {
                            a #older href=(link(Some(("before", last.id.to_string())))) { "Older" }
                        }
                        a #oldest href=(link(Some(("oldest", "1".to_owned())))) { "Oldest" }
                    }
                }
            },
        ))
    }
}

/// A member's page: who, their levels, their cases and their latest log events.
pub fn member(user: &CurrentUser, guild: &GuildAccess, view: &MemberPage<'_>) -> Markup {
    let name = guild
        .names
        .member_name(view.member)
        .unwrap_or_else(|| view.member.to_string());
    let card = view.card;
    page(
        &format!("{} · {name}", guild.name),
        Some(user),
        html! {
            h1 { (guild.name) }
            (guild_tabs(guild, "Log events"))
            h2 #member-name { (name) " " small.id.muted { (view.member) } }
            section #member-levels {
                h3 { "Levels" }
                @if card.rank.is_none() {
                    p.muted { "No XP yet." }
                } @else {
                    dl.facts {
                        dt { "Level" } dd { (card.progress.level) }
                        dt { "XP" } dd { (card.xp) " (" (card.progress.xp_remaining()) " to the next level)" }
                        @if let Some(rank) = card.rank { dt { "Rank" } dd { "#" (rank) } }
                        dt { "Messages counted" } dd { (card.messages) }
                        dt { "Voice time counted" } dd { (card.voice_seconds / 60) " min" }
                    }
                }
            }
            section #member-cases {
                h3 { "Cases" }
                @if view.cases.is_empty() {
                    p.muted { "No case." }
                } @else {
                    div.scroll { table.stack {
                        thead { tr { th { "#" } th { "Kind" } th { "Reason" } th { "When" } } }
                        tbody { @for case in view.cases { tr {
                            td data-label="Case" { a href=(routes::guild_case(guild.id, case.number)) { (case.number) } }
                            td data-label="Kind" {
                                (case.kind.title())
                                @if case.failed_reason.is_some() { " " span.failed { "not carried out" } }
                            }
                            td data-label="Reason" { (case.reason) }
                            td data-label="When" { (time_cell(case.created_at, view.zone)) }
                        } } }
                    } }
                    p { a href=(format!("{}?user={}", routes::guild_cases(guild.id), view.member)) { "All their cases" } }
                }
            }
            section #member-events {
                h3 { "Log events" }
                @if view.events.events.is_empty() {
                    p.muted { "No log event about or by them." }
                } @else {
                    (event_table(guild.id, &guild.names, &view.events.events, view.zone))
                }
                p { a #all-events href=(routes::guild_logs_of(guild.id, view.member)) { "All their events" } }
            }
        },
    )
}
