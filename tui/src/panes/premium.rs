//! Premium: every guild the console knows with its tier, when it ends and where it comes from
//! (the operator's grant, or a Discord subscription); the selected guild's limits and spans; and
//! the operator's controls, done through the core's premium service (audited there with the
//! console's actor, `operator:<login>`, as every console change): `g` grants premium — the
//! end, then a note, on the input line — and `r` revokes the grant after a confirmation.
//!
//! The list is across guilds, so this pane is its own [`Component`] rather than a
//! [`GuildList`](super::list::GuildList) (whose `g` moves to the next guild): it loads through
//! the same generic [`Request::Rows`] and acts through [`Request::Change`], keyed by its
//! [`PaneId`], its loading keyed by [`ACROSS_GUILDS`].

use std::sync::Arc;
use std::time::Duration;

use guildhall_core::clock::{UnixMillis, parse_when};
use guildhall_core::error::UserFacing;
use guildhall_core::guilds::GuildRecord;
use guildhall_core::ids::GuildId;
use guildhall_core::premium::{Grant, LimitKind, Source, Status, Tier, TierLimits, Window};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Row, Table, TableState, Wrap};

use super::{
    ACROSS_GUILDS, Component, Confirm, KeyHelp, Notice, PaneId, View, date_time, fit, header_style,
    key, movement, present_guilds, relative, render_confirm, selected_style, step,
};
use crate::action::{Action, InputMode};
use crate::event::{Failure, GuildTask, Loaded, Request, RowsData};
use crate::loader::Services;

/// The pane's name in [`PANES`](super::PANES).
pub const NAME: &str = "premium";

/// The list reloads every this many seconds while shown (and idle).
const RELOAD_EVERY: u64 = 5;

/// The width of everything in a row but the guild and the source: tier 7, ends 29, three spaces
/// between columns, two borders and the highlight symbol.
const FIXED_COLUMNS: usize = 7 + 29 + 3 + 2 + 2;

/// The widest source cell (`test entitlement`).
const SOURCE_COLUMN: usize = 16;

/// One guild on the premium pane.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PremiumRow {
    /// The guild.
    pub guild: GuildId,
    /// Its name, when the console knows the guild.
    pub name: Option<String>,
    /// Whether the bot has left it (a guild it left is listed only when it has a grant or
    /// premium).
    pub left: bool,
    /// Its tier now, its end, its source and its spans.
    pub status: Status,
    /// The operator's grant, if it has one (active or ended).
    pub grant: Option<Grant>,
}

impl PremiumRow {
    /// The guild's name, or its id when the console does not know it.
    pub fn label(&self) -> String {
        match (&self.name, self.left) {
            (Some(name), false) => name.clone(),
            (Some(name), true) => format!("{name} (left)"),
            (None, _) => self.guild.to_string(),
        }
    }
}

/// Every guild as the premium pane shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PremiumView {
    /// When it was loaded (the clock of the console's core).
    pub at: UnixMillis,
    /// The guilds: the premium ones first, then the others, each in the guild list's order.
    pub rows: Vec<PremiumRow>,
    /// The limits of each tier.
    pub limits: TierLimits,
}

/// Where the premium pane's input line is.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Stage {
    /// Asking when the grant ends.
    End { guild: GuildId, name: String },
    /// Asking for the note; the end was accepted.
    Note {
        guild: GuildId,
        name: String,
        end: String,
    },
}

/// The premium pane.
#[derive(Debug)]
pub struct Premium {
    id: PaneId,
    data: Option<Result<PremiumView, Failure>>,
    selected: usize,
    input: Option<(Stage, String)>,
    confirm: Option<Confirm>,
    notice: Option<Notice>,
}

impl Default for Premium {
    fn default() -> Self {
        Self {
            id: PaneId::named(NAME),
            data: None,
            selected: 0,
            input: None,
            confirm: None,
            notice: None,
        }
    }
}

/// `until 2027-02-14 (in 30 days)`, or `no end`.
pub fn ends_text(until: Option<UnixMillis>, now: UnixMillis) -> String {
    until.map_or_else(
        || "no end".to_owned(),
        |until| {
            let date = until.to_rfc3339().get(..10).unwrap_or_default().to_owned();
            format!("until {date} ({})", in_days(until, now))
        },
    )
}

/// `in 30 days` (days of the calendar in UTC, as it reads beside a date), `in 1 day`; under a
/// day `in 5h 20m`; once past `3d ago`.
fn in_days(at: UnixMillis, now: UnixMillis) -> String {
    const DAY: i64 = 86_400_000;
    if at.0 - now.0 < DAY {
        return relative(at, now);
    }
    match at.0.div_euclid(DAY) - now.0.div_euclid(DAY) {
        1 => "in 1 day".to_owned(),
        days => format!("in {days} days"),
    }
}

/// What the end of a grant may be, for the errors: the example time is 30 days from `now`.
fn accepted(now: UnixMillis) -> String {
    let example = now.plus(Duration::from_secs(30 * 86_400)).to_rfc3339();
    let date = example.get(..10).unwrap_or("2030-01-01");
    format!("+30d, an RFC 3339 time ({date}T00:00:00Z), or nothing for no end")
}

/// The premium guilds now, after reading every grant and entitlement again (another process —
/// the bot, the CLI, the dashboard — may have changed them since the console started).
///
/// # Errors
/// The database's error.
pub async fn premium_guilds(services: &Services) -> Result<Vec<Status>, Failure> {
    services
        .premium
        .load()
        .await
        .map_err(|error| said(&error))?;
    Ok(services.premium.premium_guilds())
}

/// Every guild the console offers (those the bot is in, as the guild picker lists them) with
/// its premium, and any other guild that has a grant or premium.
async fn premium_view(services: &Services) -> Result<PremiumView, Failure> {
    let premium = &services.premium;
    premium.load().await.map_err(|error| said(&error))?;
    let known = guildhall_core::guilds::list(&services.db)
        .await
        .map_err(|error| said(&error))?;
    let grants = premium.grants().await.map_err(|error| said(&error))?;
    let row = |guild: GuildId, record: Option<&GuildRecord>| PremiumRow {
        guild,
        name: record.map(|record| record.name.clone()),
        left: record.is_some_and(|record| record.left_at.is_some()),
        status: premium.status(guild),
        grant: grants.iter().find(|grant| grant.guild == guild).cloned(),
    };
    let mut rows: Vec<PremiumRow> = present_guilds(&known)
        .iter()
        .map(|record| row(record.id, Some(record)))
        .collect();
    let others = premium
        .premium_guilds()
        .into_iter()
        .map(|status| status.guild)
        .chain(grants.iter().map(|grant| grant.guild));
    for guild in others {
        if !rows.iter().any(|listed| listed.guild == guild) {
            let record = known.iter().find(|record| record.id == guild);
            rows.push(row(guild, record));
        }
    }
    // Premium first; within a tier, the guild list's order (by name), unknown guilds last.
    rows.sort_by_key(|row| (std::cmp::Reverse(row.status.tier), row.name.is_none()));
    Ok(PremiumView {
        at: services.clock.now(),
        rows,
        limits: premium.config().limits,
    })
}

/// Grants premium to `guild` until `end` (as the operator typed it; empty: no end), as
/// the console's operator, with `note`.
async fn grant(
    services: &Services,
    guild: GuildId,
    name: &str,
    end: &str,
    note: &str,
) -> Result<String, Failure> {
    let now = services.clock.now();
    let until = parse_end(end, now)?;
    let granted = services
        .premium
        .grant(guild, Tier::Premium, until, &services.actor, note)
        .await
        .map_err(|error| said(&error))?;
    Ok(format!(
        "granted premium to {name} {}, as {}",
        ends_text(granted.expires_at, now),
        services.actor
    ))
}

/// Revokes `guild`'s grant, as the console's operator; its Discord subscriptions stay.
async fn revoke(services: &Services, guild: GuildId, name: &str) -> Result<String, Failure> {
    services
        .premium
        .revoke(guild, &services.actor)
        .await
        .map_err(|error| said(&error))?;
    let after = services.premium.status(guild);
    Ok(match after.source {
        Some(source) if after.tier > Tier::Free => format!(
            "revoked the premium grant of {name}; it keeps {} through {}",
            after.tier,
            source.describe()
        ),
        _ => format!("revoked the premium grant of {name}; it is on the free tier now"),
    })
}

/// The end the operator typed: empty is no end, else `+30d` or an RFC 3339 time, in the future.
///
/// # Errors
/// What is wrong and what is accepted.
fn parse_end(typed: &str, now: UnixMillis) -> Result<Option<UnixMillis>, Failure> {
    let typed = typed.trim();
    if typed.is_empty() {
        return Ok(None);
    }
    let until = parse_when(typed, now)
        .map_err(|_| format!("`{typed}` is not an end; give {}", accepted(now)))?;
    if until <= now {
        return Err(format!(
            "{} UTC has passed; give a time in the future: {}",
            date_time(until),
            accepted(now)
        ));
    }
    Ok(Some(until))
}

/// An error as the operator reads it: the core's sentence, or the failure itself.
fn said<E: UserFacing>(error: &E) -> Failure {
    error.user_message().unwrap_or_else(|| error.to_string())
}

fn tier_style(tier: Tier) -> Style {
    match tier {
        Tier::Free => Style::new().fg(Color::DarkGray),
        Tier::Premium => Style::new().fg(Color::Yellow),
    }
}

/// A span in words: where it comes from, its start when that matters, and its end.
fn span_text(window: &Window, grant: Option<&Grant>, now: UnixMillis) -> String {
    let date = |at: UnixMillis| at.to_rfc3339().get(..10).unwrap_or_default().to_owned();
    let origin = match &window.source {
        Source::Grant { by, .. } => {
            let at = grant.map_or_else(String::new, |grant| {
                format!(" on {}", date(grant.granted_at))
            });
            format!("grant by {by}{at}")
        }
        Source::Entitlement {
            id,
            entitlement_kind: 4,
            ..
        } => format!("Discord test entitlement {id}"),
        Source::Entitlement { id, .. } => format!("Discord subscription {id}"),
    };
    let from = window.from.map_or_else(String::new, |from| {
        if from > now {
            format!(" · starts {}", date(from))
        } else {
            format!(" · since {}", date(from))
        }
    });
    let end = match window.until {
        Some(until) if until <= now => format!("ended {}", date(until)),
        until => ends_text(until, now),
    };
    format!("{origin}{from} · {end}")
}

/// Where a guild's premium comes from, in a table cell.
fn source_cell(source: &Source) -> &'static str {
    match source {
        Source::Grant { .. } => "operator grant",
        Source::Entitlement {
            entitlement_kind: 4,
            ..
        } => "test entitlement",
        Source::Entitlement { .. } => "subscription",
    }
}

/// The limits of `tier`, in one line.
fn limits_text(tier: Tier, limits: &TierLimits) -> String {
    let of = limits.of(tier);
    let each: Vec<String> = LimitKind::ALL
        .iter()
        .map(|kind| format!("{} {}", kind.key().replace('_', " "), of.of(*kind)))
        .collect();
    format!("{} limits: {}", tier.title(), each.join(" · "))
}

impl Premium {
    fn rows(&self) -> &[PremiumRow] {
        match &self.data {
            Some(Ok(view)) => &view.rows,
            _ => &[],
        }
    }

    fn selected_row(&self) -> Option<&PremiumRow> {
        self.rows().get(self.selected)
    }

    fn request(&self) -> Vec<Request> {
        let into = |view: PremiumView| -> RowsData { Arc::new(view) };
        vec![Request::Rows(GuildTask::new(
            self.id,
            ACROSS_GUILDS,
            "premium of every guild".to_owned(),
            move |services| async move { premium_view(&services).await.map(into) },
        ))]
    }

    fn change(
        &self,
        guild: GuildId,
        what: String,
        run: impl Fn(Services) -> futures::future::BoxFuture<'static, Result<String, Failure>>
        + Send
        + Sync
        + 'static,
    ) -> Request {
        Request::Change(GuildTask::new(self.id, guild, what, run))
    }

    /// `g`: asks for the end of the grant.
    fn start_grant(&mut self) {
        if let Some(row) = self.selected_row() {
            let stage = Stage::End {
                guild: row.guild,
                name: row.label(),
            };
            self.input = Some((stage, String::new()));
        }
    }

    /// `r`: asks before revoking the selected guild's grant; says why not when it has none.
    fn ask_revoke(&mut self) {
        let Some(row) = self.selected_row() else {
            return;
        };
        let name = row.label();
        let Some(grant) = &row.grant else {
            let why = if row.status.tier > Tier::Free {
                format!(
                    "{name} has no premium grant to revoke: its premium comes from {}, which Discord ends",
                    row.status
                        .source
                        .as_ref()
                        .map_or_else(|| "Discord".to_owned(), Source::describe)
                )
            } else {
                format!("{name} has no premium grant to revoke")
            };
            self.notice = Some(Notice::Failed(why));
            return;
        };
        let runs = match grant.expires_at {
            Some(_) => format!("It runs {}", ends_text(grant.expires_at, self.data_at())),
            None => "It has no end".to_owned(),
        };
        let question =
            format!("Revoke the premium grant of {name}? {runs}; Discord subscriptions stay.");
        let guild = row.guild;
        let then = self.change(
            guild,
            format!("revoke premium of {guild}"),
            move |services| {
                let name = name.clone();
                Box::pin(async move { revoke(&services, guild, &name).await })
            },
        );
        self.confirm = Some(Confirm { question, then });
    }

    fn data_at(&self) -> UnixMillis {
        match &self.data {
            Some(Ok(view)) => view.at,
            _ => UnixMillis(0),
        }
    }

    /// Enter on the input line.
    fn submitted(&mut self, stage: Stage, typed: &str) -> Vec<Request> {
        match stage {
            Stage::End { guild, name } => {
                // Checked here against the time of the last load, so a mistake is shown before
                // the note is asked; the grant checks it again against the clock.
                match parse_end(typed, self.data_at()) {
                    Ok(_) => {
                        let end = typed.trim().to_owned();
                        self.input = Some((Stage::Note { guild, name, end }, String::new()));
                    }
                    Err(why) => self.notice = Some(Notice::Failed(why)),
                }
                Vec::new()
            }
            Stage::Note { guild, name, end } => {
                let note = typed.trim().to_owned();
                let what = format!("grant premium to {guild} end={end:?} note={note:?}");
                vec![self.change(guild, what, move |services| {
                    let (name, end, note) = (name.clone(), end.clone(), note.clone());
                    Box::pin(async move { grant(&services, guild, &name, &end, &note).await })
                })]
            }
        }
    }

    fn typed(&mut self, action: &Action) -> Vec<Request> {
        let Some((_, text)) = &mut self.input else {
            return Vec::new();
        };
        match action {
            Action::Input(character) => text.push(*character),
            Action::Backspace => {
                text.pop();
            }
            Action::Enter => {
                if let Some((stage, text)) = self.input.take() {
                    return self.submitted(stage, &text);
                }
            }
            Action::Cancel => self.input = None,
            _ => {}
        }
        Vec::new()
    }

    fn title(&self) -> String {
        match &self.data {
            Some(Ok(view)) => {
                let premium = view
                    .rows
                    .iter()
                    .filter(|row| row.status.tier > Tier::Free)
                    .count();
                format!(" Premium · {premium} of {} guilds ", view.rows.len())
            }
            _ => " Premium ".to_owned(),
        }
    }

    fn render_list(&self, frame: &mut Frame<'_>, area: Rect, view: &View) {
        let block = Block::bordered().title(self.title());
        let message = |text: &str| Paragraph::new(text.to_owned()).block(block.clone());
        match &self.data {
            None => frame.render_widget(message("loading premium…"), area),
            Some(Err(reason)) => frame.render_widget(
                Paragraph::new(format!("cannot list premium: {reason}"))
                    .style(Style::new().fg(Color::Red))
                    .wrap(Wrap { trim: true })
                    .block(block),
                area,
            ),
            Some(Ok(data)) if data.rows.is_empty() => frame.render_widget(
                message("no guilds yet: the bot records each guild it joins"),
                area,
            ),
            Some(Ok(data)) => {
                let rest = usize::from(area.width).saturating_sub(FIXED_COLUMNS);
                let source_width = SOURCE_COLUMN.min(rest / 2);
                let guild_width = rest.saturating_sub(source_width).max(8);
                let rows = data.rows.iter().map(|row| {
                    let status = &row.status;
                    let (ends, source) = if status.tier > Tier::Free {
                        (
                            ends_text(status.until, view.now),
                            status.source.as_ref().map_or("", source_cell).to_owned(),
                        )
                    } else {
                        ("—".to_owned(), "—".to_owned())
                    };
                    Row::new(vec![
                        Span::raw(fit(&row.label(), guild_width)),
                        Span::styled(status.tier.as_str(), tier_style(status.tier)),
                        Span::raw(ends),
                        Span::raw(fit(&source, source_width)),
                    ])
                });
                let widths = [
                    Constraint::Length(u16::try_from(guild_width).unwrap_or(u16::MAX)),
                    Constraint::Length(7),
                    Constraint::Length(29),
                    Constraint::Min(6),
                ];
                let header = Row::new(["GUILD", "TIER", "ENDS", "SOURCE"]).style(header_style());
                let mut state = TableState::default().with_selected(Some(self.selected));
                frame.render_stateful_widget(
                    Table::new(rows, widths)
                        .header(header)
                        .row_highlight_style(selected_style())
                        .highlight_symbol("> ")
                        .block(block),
                    area,
                    &mut state,
                );
            }
        }
    }

    fn render_details(&self, frame: &mut Frame<'_>, area: Rect, view: &View) {
        let (Some(row), Some(Ok(data))) = (self.selected_row(), &self.data) else {
            frame.render_widget(Block::bordered().title(" Guild "), area);
            return;
        };
        let status = &row.status;
        let mut lines = Vec::new();
        lines.push(Line::from(match &status.source {
            Some(source) if status.tier > Tier::Free => format!(
                "{} {} · {}",
                status.tier.title(),
                ends_text(status.until, view.now),
                source.describe()
            ),
            _ => "Free: no grant or Discord subscription gives it premium now".to_owned(),
        }));
        lines.push(Line::from(limits_text(status.tier, &data.limits)));
        if status.windows.is_empty() {
            lines.push(Line::styled(
                "no spans: never granted, no Discord subscription",
                Style::new().fg(Color::DarkGray),
            ));
        }
        for window in &status.windows {
            let grant = match window.source {
                Source::Grant { .. } => row.grant.as_ref(),
                Source::Entitlement { .. } => None,
            };
            lines.push(Line::from(format!(
                "· {}",
                span_text(window, grant, view.now)
            )));
        }
        lines.push(Line::styled(
            if row.grant.is_some() {
                "g replaces the grant · r revokes it (Discord subscriptions stay)"
            } else {
                "g grants premium (asks for the end, then a note)"
            },
            Style::new().fg(Color::DarkGray),
        ));
        let title = format!(" {} · {} ", row.label(), status.tier.title());
        frame.render_widget(
            Paragraph::new(lines)
                .wrap(Wrap { trim: true })
                .block(Block::bordered().title(title)),
            area,
        );
    }

    fn render_status(&self, frame: &mut Frame<'_>, area: Rect) {
        let line = if let Some((stage, text)) = &self.input {
            let prompt = match stage {
                Stage::End { name, .. } => format!(
                    "premium for {} ends (+30d, RFC 3339, empty: no end): ",
                    fit(name, 24)
                ),
                Stage::Note { name, end, .. } => format!(
                    "note for the grant to {} ({}): ",
                    fit(name, 24),
                    if end.is_empty() { "no end" } else { end }
                ),
            };
            Line::from(format!("{prompt}{text}▏"))
        } else if let Some(notice) = &self.notice {
            notice.line()
        } else {
            return;
        };
        frame.render_widget(Paragraph::new(line).wrap(Wrap { trim: true }), area);
    }
}

impl Component for Premium {
    fn render(&self, frame: &mut Frame<'_>, area: Rect, view: &View) {
        let [list, details, status] = Layout::vertical([
            Constraint::Min(5),
            Constraint::Length(9),
            Constraint::Length(2),
        ])
        .areas(area);
        self.render_list(frame, list, view);
        self.render_details(frame, details, view);
        self.render_status(frame, status);
        if let Some(confirm) = &self.confirm {
            render_confirm(frame, area, &confirm.question);
        }
    }

    fn handle(&mut self, action: &Action) -> Vec<Request> {
        if let Some(confirm) = self.confirm.take() {
            return match action {
                Action::Confirm => vec![confirm.then],
                _ => Vec::new(),
            };
        }
        if self.input.is_some() {
            return self.typed(action);
        }
        if let Some(delta) = movement(action) {
            self.selected = step(self.selected, delta, self.rows().len());
            return Vec::new();
        }
        match action {
            Action::Refresh => self.request(),
            Action::PickGuild => {
                self.notice = None;
                self.start_grant();
                Vec::new()
            }
            Action::Retry => {
                self.notice = None;
                self.ask_revoke();
                Vec::new()
            }
            _ => Vec::new(),
        }
    }

    fn loaded(&mut self, loaded: &Loaded) -> Vec<Request> {
        match loaded {
            Loaded::Rows { pane, result, .. } if *pane == self.id => {
                let data = match result {
                    Ok(data) => match data.downcast_ref::<PremiumView>() {
                        Some(view) => Ok(view.clone()),
                        // Only this pane asks with its id; its own load made the data.
                        None => return Vec::new(),
                    },
                    Err(reason) => Err(reason.clone()),
                };
                // The selection stays on the same guild when the list moves under it.
                let kept = self.selected_row().map(|row| row.guild);
                self.data = Some(data);
                let position =
                    kept.and_then(|guild| self.rows().iter().position(|row| row.guild == guild));
                self.selected =
                    position.unwrap_or_else(|| step(self.selected, 0, self.rows().len()));
                Vec::new()
            }
            Loaded::Changed { pane, result, .. } if *pane == self.id => {
                self.notice = Some(match result {
                    Ok(done) => Notice::Done(done.clone()),
                    Err(reason) => Notice::Failed(reason.clone()),
                });
                self.request()
            }
            _ => Vec::new(),
        }
    }

    fn on_focus(&mut self) -> Vec<Request> {
        self.request()
    }

    fn on_tick(&mut self, tick: u64) -> Vec<Request> {
        let idle = self.confirm.is_none() && self.input.is_none();
        if tick.is_multiple_of(RELOAD_EVERY) && idle {
            self.request()
        } else {
            Vec::new()
        }
    }

    fn input_mode(&self) -> InputMode {
        if self.confirm.is_some() {
            InputMode::Confirm
        } else if self.input.is_some() {
            InputMode::Text
        } else {
            InputMode::Normal
        }
    }

    fn keys(&self) -> Vec<KeyHelp> {
        vec![
            key("↑/↓", "select"),
            key("g", "grant premium"),
            key("r", "revoke the grant"),
            key("R", "reload"),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ends_read_in_days_of_the_calendar() {
        // 2027-01-15T08:00:00Z.
        let now = UnixMillis(1_800_000_000_000);
        let day = Duration::from_secs(86_400);
        assert_eq!(ends_text(None, now), "no end");
        assert_eq!(
            ends_text(Some(now.plus(30 * day)), now),
            "until 2027-02-14 (in 30 days)"
        );
        // A moment later the date is the same, and so are the days.
        let later = now.plus(Duration::from_secs(1));
        assert_eq!(
            ends_text(Some(now.plus(30 * day)), later),
            "until 2027-02-14 (in 30 days)"
        );
        assert_eq!(in_days(now.plus(day), now), "in 1 day");
        assert_eq!(
            in_days(now.plus(Duration::from_secs(5 * 3_600)), now),
            "in 5h"
        );
        assert_eq!(in_days(now.minus(3 * day), now), "3d ago");
    }

    #[test]
    fn an_end_is_empty_a_delay_or_a_future_time() {
        let now = UnixMillis(1_800_000_000_000);
        assert_eq!(parse_end("  ", now), Ok(None));
        assert_eq!(
            parse_end("+30d", now),
            Ok(Some(now.plus(Duration::from_secs(30 * 86_400))))
        );
        assert!(parse_end("2027-03-01T00:00:00Z", now).unwrap().is_some());
        let past = parse_end("2027-01-15T07:59:59Z", now).unwrap_err();
        assert!(
            past.starts_with("2027-01-15 07:59 UTC has passed"),
            "{past}"
        );
        let unread = parse_end("soon", now).unwrap_err();
        assert!(
            unread.contains("+30d, an RFC 3339 time (2027-02-14T00:00:00Z), or nothing"),
            "{unread}"
        );
    }
}
