//! Automation: the scheduled messages of every guild that run next ("Upcoming runs": how long
//! until each, its guild, name, channel and schedule in words) and those whose last run failed
//! ("Recent failures": when, guild, name, the error), from `core.automation`'s `upcoming` and
//! `failing`; and the latest automation runs ("flows") of the guilds the bot is in that wait,
//! stopped or failed ("Automation runs": when, guild, run number, flow, member, state and the
//! last line of its history with roles and channels by name), from `runs(guild, None, 10)` of
//! each guild. Read-only: the CLI (`guildhall automation schedules …`, `… flows …`) and the
//! dashboard pause, resume and run them.
//!
//! The lists are across guilds, so this pane is its own [`Component`] loading through the
//! generic [`Request::Rows`] keyed by its [`PaneId`] and [`ACROSS_GUILDS`], as `premium.rs` does.

use std::collections::HashMap;
use std::sync::Arc;

use guildhall_core::automation::{FlowRun, ScheduledMessage};
use guildhall_core::clock::UnixMillis;
use guildhall_core::error::UserFacing;
use guildhall_core::ids::{ChannelId, GuildId, RoleId, UserId};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, Paragraph, Row, Table, TableState, Wrap};

use super::{
    ACROSS_GUILDS, Component, KeyHelp, PaneId, View, fit, header_style, key, movement,
    present_guilds, relative, step,
};
use crate::action::Action;
use crate::event::{Failure, GuildTask, Loaded, Request, RowsData};
use crate::loader::Services;

/// The pane's name in [`PANES`](super::PANES).
pub const NAME: &str = "automation";

/// How many rows each section asks for.
const LIMIT: u32 = 20;

/// How many of each guild's latest automation runs are read.
const RUNS_PER_GUILD: u32 = 10;

/// The lists reload every this many seconds while shown.
const RELOAD_EVERY: u64 = 5;

/// A scheduled message's next run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upcoming {
    /// When it runs next.
    pub at: UnixMillis,
    /// Its guild's name (its id when the console does not know it).
    pub guild: String,
    /// Its number.
    pub id: i64,
    /// Its name.
    pub name: String,
    /// `#channel` (its id when the snapshot does not know it).
    pub channel: String,
    /// The schedule in words, with its zone; or why it cannot be read.
    pub words: String,
}

/// A scheduled message whose last run failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failed {
    /// When it failed.
    pub at: Option<UnixMillis>,
    /// Its guild's name.
    pub guild: String,
    /// Its number.
    pub id: i64,
    /// Its name.
    pub name: String,
    /// `#channel`.
    pub channel: String,
    /// Why.
    pub error: String,
}

/// An automation run that waits, stopped or failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowRunRow {
    /// When it last did something (its last history entry).
    pub at: UnixMillis,
    /// Its guild's name.
    pub guild: String,
    /// Its number.
    pub id: i64,
    /// Its automation's name.
    pub flow: String,
    /// The member it is about.
    pub member: String,
    /// `waiting`, `stopped` or `failed`.
    pub state: String,
    /// The last line of its history, roles and channels by name.
    pub last: String,
}

/// What the pane shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AutomationView {
    /// The soonest runs first.
    pub upcoming: Vec<Upcoming>,
    /// The latest failures first.
    pub failures: Vec<Failed>,
    /// The automation runs that wait, stopped or failed, the latest first.
    pub runs: Vec<FlowRunRow>,
}

/// The automation pane.
#[derive(Debug)]
pub struct Automation {
    id: PaneId,
    data: Option<Result<AutomationView, Failure>>,
    /// The first upcoming run shown (↑/↓ scroll the list).
    offset: usize,
}

impl Default for Automation {
    fn default() -> Self {
        Self {
            id: PaneId::named(NAME),
            data: None,
            offset: 0,
        }
    }
}

fn said<E: UserFacing>(error: &E) -> Failure {
    error.user_message().unwrap_or_else(|| error.to_string())
}

/// Guild names, and each guild's snapshot loaded for channel names.
struct Names {
    guilds: HashMap<GuildId, String>,
    /// The guilds the bot is in.
    present: Vec<GuildId>,
}

impl Names {
    async fn load(services: &Services, rows: &[&ScheduledMessage]) -> Result<Self, Failure> {
        let known = guildhall_core::guilds::list(&services.db)
            .await
            .map_err(|error| said(&error))?;
        let present: Vec<GuildId> = present_guilds(&known)
            .iter()
            .map(|record| record.id)
            .collect();
        let mut seen = Vec::new();
        for guild in rows
            .iter()
            .map(|row| row.guild)
            .chain(present.iter().copied())
        {
            if !seen.contains(&guild) {
                seen.push(guild);
                // A guild without a snapshot shows channel ids.
                let _ = guildhall_core::guild_snapshot::load_guild(
                    &services.db,
                    &services.guild_cache,
                    guild,
                )
                .await;
            }
        }
        Ok(Self {
            guilds: known
                .into_iter()
                .map(|record| (record.id, record.name))
                .collect(),
            present,
        })
    }

    fn guild(&self, guild: GuildId) -> String {
        self.guilds
            .get(&guild)
            .cloned()
            .unwrap_or_else(|| guild.to_string())
    }
}

/// `#name` from the guild snapshot, else `channel <id>` (deleted, or never seen).
fn channel_name(services: &Services, scheduled: &ScheduledMessage) -> String {
    services
        .guild_cache
        .channel(scheduled.guild, scheduled.channel)
        .map_or_else(
            || format!("channel {}", scheduled.channel),
            |facts| format!("#{}", facts.name),
        )
}

/// `text` with its Discord mentions (`<@&id>`, `<#id>`, `<@id>`) as names from `guild`'s
/// snapshot (`@Role`, `#channel`, `@member`); ids where it does not know them.
fn with_names(services: &Services, guild: GuildId, text: &str) -> String {
    let cache = &services.guild_cache;
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find('<') {
        out.push_str(&rest[..start]);
        let tail = &rest[start..];
        let named = tail.find('>').and_then(|end| {
            let inner = &tail[1..end];
            let name = if let Some(id) = inner.strip_prefix("@&") {
                let role = RoleId::new(id.parse().ok()?);
                cache
                    .role_name(guild, role)
                    .map_or_else(|| role.to_string(), |name| format!("@{name}"))
            } else if let Some(id) = inner.strip_prefix('#') {
                let channel = ChannelId::new(id.parse().ok()?);
                cache
                    .channel(guild, channel)
                    .map_or_else(|| channel.to_string(), |facts| format!("#{}", facts.name))
            } else if let Some(id) = inner.strip_prefix("@!").or(inner.strip_prefix('@')) {
                let user = UserId::new(id.parse().ok()?);
                format!(
                    "@{}",
                    cache
                        .member_name(guild, user)
                        .unwrap_or_else(|| user.to_string())
                )
            } else {
                return None;
            };
            Some((name, end + 1))
        });
        match named {
            Some((name, used)) => {
                out.push_str(&name);
                rest = &tail[used..];
            }
            None => {
                out.push('<');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// A run for the "Automation runs" section.
fn run_row(services: &Services, names: &Names, run: &FlowRun) -> FlowRunRow {
    let last = run.log.last();
    let member = match (run.user_name.trim(), run.user) {
        (name, _) if !name.is_empty() => name.to_owned(),
        (_, Some(user)) => services
            .guild_cache
            .member_name(run.guild, user)
            .unwrap_or_else(|| user.to_string()),
        (_, None) => "-".into(),
    };
    FlowRunRow {
        at: last.map_or(run.started_at, |entry| entry.at),
        guild: names.guild(run.guild),
        id: run.id,
        flow: run.flow.name.clone(),
        member,
        state: run.state.clone(),
        last: last.map_or_else(String::new, |entry| {
            with_names(services, run.guild, &entry.what)
        }),
    }
}

/// A name and its channel fitted into `width` with ` in ` between them: the name keeps at least
/// half, the channel gets what is left.
fn name_and_channel(name: &str, channel: &str, width: usize) -> (String, String) {
    let room = width.saturating_sub(4);
    let name_width = name
        .chars()
        .count()
        .min((room / 2).max(room.saturating_sub(channel.chars().count())));
    (
        fit(name, name_width),
        fit(channel, room.saturating_sub(name_width)),
    )
}

/// `text` on at most `lines` lines of `width` characters, broken at spaces; the last line ends
/// with `…` when the text does not fit.
fn wrap(text: &str, width: usize, lines: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut words = text.split_whitespace().peekable();
    while let Some(word) = words.next() {
        let needed =
            current.chars().count() + usize::from(!current.is_empty()) + word.chars().count();
        if needed > width && !current.is_empty() {
            if out.len() + 1 == lines {
                // The last line: what is left, cut.
                let rest: Vec<&str> = std::iter::once(word).chain(words).collect();
                out.push(fit(&format!("{current} {}", rest.join(" ")), width));
                return out;
            }
            out.push(std::mem::take(&mut current));
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(word);
    }
    if !current.is_empty() || out.is_empty() {
        out.push(fit(&current, width));
    }
    out
}

async fn automation_view(services: &Services) -> Result<AutomationView, Failure> {
    let automation = &services.automation;
    let upcoming = automation
        .upcoming(LIMIT)
        .await
        .map_err(|error| said(&error))?;
    let failing = automation
        .failing(LIMIT)
        .await
        .map_err(|error| said(&error))?;
    let all: Vec<&ScheduledMessage> = upcoming.iter().chain(&failing).collect();
    let names = Names::load(services, &all).await?;
    let mut rows = Vec::with_capacity(upcoming.len());
    for scheduled in &upcoming {
        let words = match automation.schedule_of(scheduled).await {
            Ok(schedule) => schedule.describe(),
            Err(error) => format!("{} (unreadable: {})", scheduled.cron, said(&error)),
        };
        rows.push(Upcoming {
            at: scheduled.next_run_at.unwrap_or(UnixMillis(0)),
            guild: names.guild(scheduled.guild),
            id: scheduled.id,
            name: scheduled.name.clone(),
            channel: channel_name(services, scheduled),
            words,
        });
    }
    let mut runs = Vec::new();
    for guild in &names.present {
        let latest = automation
            .runs(*guild, None, RUNS_PER_GUILD)
            .await
            .map_err(|error| said(&error))?;
        runs.extend(
            latest
                .iter()
                .filter(|run| matches!(run.state.as_str(), "waiting" | "stopped" | "failed"))
                .map(|run| run_row(services, &names, run)),
        );
    }
    runs.sort_by(|a, b| b.at.cmp(&a.at).then(b.id.cmp(&a.id)));
    runs.truncate(LIMIT as usize);
    let failures = failing
        .iter()
        .map(|scheduled| Failed {
            at: scheduled.last_error_at,
            guild: names.guild(scheduled.guild),
            id: scheduled.id,
            name: scheduled.name.clone(),
            channel: channel_name(services, scheduled),
            error: scheduled.last_error.clone().unwrap_or_default(),
        })
        .collect();
    Ok(AutomationView {
        upcoming: rows,
        failures,
        runs,
    })
}

impl Automation {
    fn request(&self) -> Vec<Request> {
        let into = |view: AutomationView| -> RowsData { Arc::new(view) };
        vec![Request::Rows(GuildTask::new(
            self.id,
            ACROSS_GUILDS,
            "upcoming and failing scheduled messages and automation runs".to_owned(),
            move |services| async move { automation_view(&services).await.map(into) },
        ))]
    }

    fn render_upcoming(
        &self,
        frame: &mut Frame<'_>,
        area: Rect,
        data: &AutomationView,
        view: &View,
    ) {
        let title = format!(" Upcoming runs · {} ", data.upcoming.len());
        let block = Block::bordered().title(title);
        if data.upcoming.is_empty() {
            frame.render_widget(
                Paragraph::new("no scheduled message is waiting to run")
                    .style(Style::new().fg(Color::DarkGray))
                    .block(block),
                area,
            );
            return;
        }
        // Two lines a run: its name and channel, then the schedule in words, which is long
        // ("At 18:00, on Friday (Europe/Berlin)") and would be cut on one line at 80 columns.
        let inner = usize::from(area.width).saturating_sub(2);
        let (when, guild) = (11, 18);
        let rest = inner.saturating_sub(when + guild + 2).max(10);
        let rows = data.upcoming.iter().map(|row| {
            Row::new(vec![
                Text::from(relative(row.at, view.now)),
                Text::from(fit(&row.guild, guild)),
                Text::from(vec![
                    {
                        let (name, channel) = name_and_channel(
                            &format!("#{} {}", row.id, row.name),
                            &row.channel,
                            rest,
                        );
                        Line::from(vec![
                            Span::raw(name),
                            Span::styled(" in ", Style::new().fg(Color::DarkGray)),
                            Span::raw(channel),
                        ])
                    },
                    Line::styled(fit(&row.words, rest), Style::new().fg(Color::Cyan)),
                ]),
            ])
            .height(2)
        });
        let widths = [
            Constraint::Length(when as u16),
            Constraint::Length(guild as u16),
            Constraint::Min(10),
        ];
        let header =
            Row::new(["NEXT RUN", "GUILD", "SCHEDULED MESSAGE · WHEN"]).style(header_style());
        let mut state = TableState::default().with_offset(self.offset);
        frame.render_stateful_widget(
            Table::new(rows, widths).header(header).block(block),
            area,
            &mut state,
        );
    }

    fn upcoming_len(&self) -> usize {
        match &self.data {
            Some(Ok(data)) => data.upcoming.len(),
            _ => 0,
        }
    }

    fn render_failures(
        &self,
        frame: &mut Frame<'_>,
        area: Rect,
        data: &AutomationView,
        view: &View,
    ) {
        let title = format!(" Recent failures · {} ", data.failures.len());
        let block = Block::bordered().title(title);
        if data.failures.is_empty() {
            frame.render_widget(
                Paragraph::new("no scheduled message's last run failed")
                    .style(Style::new().fg(Color::DarkGray))
                    .block(block),
                area,
            );
            return;
        }
        // A failure is its line (when, guild, name and channel, in the columns of the upcoming
        // runs) and its error under it across the whole width, on up to two lines: the end of
        // the error says what Discord refused.
        let inner = usize::from(area.width).saturating_sub(2);
        let (when, guild) = (11, 18);
        let rest = inner.saturating_sub(when + guild + 2).max(10);
        let mut lines = vec![Line::styled(
            format!("{:<when$} {:<guild$} SCHEDULED MESSAGE", "FAILED", "GUILD"),
            header_style(),
        )];
        for row in &data.failures {
            let (name, channel) =
                name_and_channel(&format!("#{} {}", row.id, row.name), &row.channel, rest);
            lines.push(Line::from(vec![
                Span::raw(format!(
                    "{:<when$} {:<guild$} ",
                    row.at
                        .map_or_else(|| "-".to_owned(), |at| relative(at, view.now)),
                    fit(&row.guild, guild),
                )),
                Span::raw(name),
                Span::styled(" in ", Style::new().fg(Color::DarkGray)),
                Span::raw(channel),
            ]));
            for line in wrap(&row.error, inner.saturating_sub(2), 2) {
                lines.push(Line::styled(
                    format!("  {line}"),
                    Style::new().fg(Color::Red),
                ));
            }
        }
        frame.render_widget(Paragraph::new(lines).block(block), area);
    }

    fn render_runs(&self, frame: &mut Frame<'_>, area: Rect, data: &AutomationView, view: &View) {
        let title = format!(" Automation runs · {} ", data.runs.len());
        let block = Block::bordered().title(title);
        if data.runs.is_empty() {
            frame.render_widget(
                Paragraph::new("no automation run is waiting, stopped or failed")
                    .style(Style::new().fg(Color::DarkGray))
                    .block(block),
                area,
            );
            return;
        }
        // A run is its line (when it last did something, guild, number, automation and
        // member, its state at the end) and the last line of its history under it.
        let inner = usize::from(area.width).saturating_sub(2);
        let (when, guild, state) = (11, 18, 7);
        let rest = inner.saturating_sub(when + guild + state + 3).max(10);
        let mut lines = vec![Line::styled(
            format!(
                "{:<when$} {:<guild$} {:<rest$} STATE",
                "LAST STEP", "GUILD", "RUN · AUTOMATION · MEMBER"
            ),
            header_style(),
        )];
        for row in &data.runs {
            let colour = match row.state.as_str() {
                "failed" => Color::Red,
                "stopped" => Color::DarkGray,
                _ => Color::Yellow,
            };
            lines.push(Line::from(vec![
                Span::raw(format!(
                    "{:<when$} {:<guild$} {:<rest$} ",
                    relative(row.at, view.now),
                    fit(&row.guild, guild),
                    fit(&format!("#{} {} · {}", row.id, row.flow, row.member), rest),
                )),
                Span::styled(row.state.clone(), Style::new().fg(colour)),
            ]));
            lines.push(Line::styled(
                format!("  {}", fit(&row.last, inner.saturating_sub(2))),
                Style::new().fg(Color::Cyan),
            ));
        }
        frame.render_widget(Paragraph::new(lines).block(block), area);
    }
}

impl Component for Automation {
    fn render(&self, frame: &mut Frame<'_>, area: Rect, view: &View) {
        let data = match &self.data {
            None => {
                frame.render_widget(
                    Paragraph::new("loading scheduled messages…")
                        .block(Block::bordered().title(" Automation ")),
                    area,
                );
                return;
            }
            Some(Err(reason)) => {
                frame.render_widget(
                    Paragraph::new(format!("cannot list scheduled messages: {reason}"))
                        .style(Style::new().fg(Color::Red))
                        .wrap(Wrap { trim: true })
                        .block(Block::bordered().title(" Automation ")),
                    area,
                );
                return;
            }
            Some(Ok(data)) => data,
        };
        // Failures take the room they need (a header and a few rows), upcoming runs the rest.
        let error_width = usize::from(area.width).saturating_sub(4);
        let failure_lines = if data.failures.is_empty() {
            1
        } else {
            1 + data
                .failures
                .iter()
                .map(|row| 1 + wrap(&row.error, error_width, 2).len())
                .sum::<usize>()
        };
        let run_lines = 1 + 2 * data.runs.len();
        // Upcoming runs keep room for their header and one run; the two lists below share the
        // rest, each getting what the other leaves, at most half when both want more.
        let budget = usize::from(area.height).saturating_sub(7);
        let need_failures = failure_lines.min(10) + 2;
        let need_runs = run_lines.min(11) + 2;
        let failures_height = need_failures.min((budget / 2).max(budget.saturating_sub(need_runs)));
        let runs_height = need_runs.min(budget.saturating_sub(failures_height));
        let [upcoming, failures, runs] = Layout::vertical([
            Constraint::Min(5),
            Constraint::Length(u16::try_from(failures_height).unwrap_or(12)),
            Constraint::Length(u16::try_from(runs_height).unwrap_or(13)),
        ])
        .areas(area);
        self.render_upcoming(frame, upcoming, data, view);
        self.render_failures(frame, failures, data, view);
        self.render_runs(frame, runs, data, view);
    }

    fn handle(&mut self, action: &Action) -> Vec<Request> {
        if let Some(delta) = movement(action) {
            self.offset = step(self.offset, delta, self.upcoming_len());
            return Vec::new();
        }
        match action {
            Action::Refresh => self.request(),
            _ => Vec::new(),
        }
    }

    fn loaded(&mut self, loaded: &Loaded) -> Vec<Request> {
        if let Loaded::Rows { pane, result, .. } = loaded
            && *pane == self.id
        {
            self.data = Some(match result {
                Ok(data) => match data.downcast_ref::<AutomationView>() {
                    Some(view) => Ok(view.clone()),
                    None => return Vec::new(),
                },
                Err(reason) => Err(reason.clone()),
            });
            self.offset = step(self.offset, 0, self.upcoming_len());
        }
        Vec::new()
    }

    fn on_focus(&mut self) -> Vec<Request> {
        self.request()
    }

    fn on_tick(&mut self, tick: u64) -> Vec<Request> {
        if tick.is_multiple_of(RELOAD_EVERY) {
            self.request()
        } else {
            Vec::new()
        }
    }

    fn keys(&self) -> Vec<KeyHelp> {
        vec![key("↑/↓", "scroll upcoming runs"), key("R", "reload")]
    }
}

#[cfg(test)]
mod tests {
    use super::wrap;

    #[test]
    fn errors_wrap_at_spaces_onto_at_most_two_lines() {
        assert_eq!(wrap("short", 10, 2), vec!["short"]);
        assert_eq!(wrap("one two three", 8, 2), vec!["one two", "three"]);
        assert_eq!(
            wrap("one two three four five", 8, 2),
            vec!["one two", "three f…"]
        );
        assert_eq!(wrap("", 8, 2), vec![""]);
    }
}
