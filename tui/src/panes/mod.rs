//! The panes, each a [`Component`], and what they share: the pane ids, the render context, the
//! yes/no prompt and the formatting of values and times.

pub mod cases;
pub mod giveaways;
pub mod jobs;
pub mod levels;
pub mod logs;
pub mod migrations;
pub mod overview;
pub mod settings;
pub mod timed_roles;

use std::time::Duration;

use guildhall_core::clock::UnixMillis;
use guildhall_core::guilds::GuildRecord;
use guildhall_core::ids::GuildId;
use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

use crate::action::{Action, InputMode};
use crate::event::{Loaded, Request};

/// The guilds a per-guild pane offers: those the bot is still in.
pub fn present_guilds(guilds: &[GuildRecord]) -> Vec<GuildRecord> {
    guilds
        .iter()
        .filter(|guild| guild.left_at.is_none())
        .cloned()
        .collect()
}

/// The guild `g` moves to after `current`: the next in `guilds`, wrapping (the first when none
/// is chosen yet).
pub fn next_guild(guilds: &[GuildRecord], current: Option<GuildId>) -> Option<GuildId> {
    let position = current.and_then(|id| guilds.iter().position(|guild| guild.id == id));
    let next = position.map_or(0, |index| (index + 1) % guilds.len().max(1));
    guilds.get(next).map(|guild| guild.id)
}

/// The panes, in tab order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PaneId {
    /// Shards, event rates, guilds.
    Overview,
    /// Schema migrations.
    Migrations,
    /// Per-guild settings and their history.
    Settings,
    /// Live log lines.
    Logs,
    /// The job ledger.
    Jobs,
    /// A guild's moderation cases.
    Cases,
    /// A guild's leaderboard.
    Levels,
    /// A guild's timed roles.
    TimedRoles,
    /// A guild's giveaways.
    Giveaways,
}

impl PaneId {
    /// Every pane, in tab order (the number keys follow it).
    pub const ALL: [PaneId; 9] = [
        Self::Overview,
        Self::Migrations,
        Self::Settings,
        Self::Logs,
        Self::Jobs,
        Self::Cases,
        Self::Levels,
        Self::TimedRoles,
        Self::Giveaways,
    ];

    /// The pane's name on its tab.
    pub fn title(self) -> &'static str {
        match self {
            Self::Overview => "Overview",
            Self::Migrations => "Migrations",
            Self::Settings => "Settings",
            Self::Logs => "Logs",
            Self::Jobs => "Jobs",
            Self::Cases => "Cases",
            Self::Levels => "Levels",
            Self::TimedRoles => "Timed roles",
            Self::Giveaways => "Giveaways",
        }
    }

    /// The pane's name on a narrow terminal's tab.
    pub fn short_title(self) -> &'static str {
        match self {
            Self::Migrations => "Migr.",
            Self::TimedRoles => "Timed",
            other => other.title(),
        }
    }

    /// Its position in tab order.
    pub fn index(self) -> usize {
        Self::ALL.iter().position(|pane| *pane == self).unwrap_or(0)
    }
}

/// What every pane may read while rendering.
#[derive(Debug, Clone, Copy)]
pub struct View {
    /// The time now, from the console's clock (fixed in tests).
    pub now: UnixMillis,
}

/// One key binding for the help overlay and the footer.
#[derive(Debug, Clone, Copy)]
pub struct KeyHelp {
    /// The key as written, e.g. `e` or `↑/↓`.
    pub key: &'static str,
    /// What it does.
    pub does: &'static str,
}

const fn key(key: &'static str, does: &'static str) -> KeyHelp {
    KeyHelp { key, does }
}

/// One pane of the console (gitui's `Component`): it renders from its own state, turns actions
/// into state changes and [`Request`]s, and takes loaded data back.
pub trait Component {
    /// Which pane this is.
    fn id(&self) -> PaneId;
    /// Draws the pane into `area`.
    fn render(&self, frame: &mut Frame<'_>, area: Rect, view: &View);
    /// Reacts to an action; returns what must be loaded or done as a result.
    fn handle(&mut self, action: &Action) -> Vec<Request>;
    /// Takes a loader result (every pane sees every result and keeps the ones it wants).
    fn loaded(&mut self, loaded: &Loaded) -> Vec<Request>;
    /// What to load when the pane is shown.
    fn on_focus(&mut self) -> Vec<Request>;
    /// What to reload on the `tick`-th second (only called while the pane is shown).
    fn on_tick(&mut self, tick: u64) -> Vec<Request>;
    /// How keys are read: commands, text, or a yes/no answer.
    fn input_mode(&self) -> InputMode {
        InputMode::Normal
    }
    /// The pane's keys, most useful first; the footer shows the first few.
    fn keys(&self) -> Vec<KeyHelp>;
}

/// A pending yes/no question and what a yes does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confirm {
    /// The question, e.g. "Cancel job 4?".
    pub question: String,
    /// What a yes asks for.
    pub then: Request,
}

/// The keys every pane shares, for the help overlay.
pub const GLOBAL_KEYS: &[KeyHelp] = &[
    key("Tab/S-Tab", "next / previous pane"),
    key("1-9", "go to a pane"),
    key("R, F5", "reload now"),
    key("?", "this help"),
    key("q, Ctrl-C", "quit"),
];

/// The keys shown while a yes/no question is open.
pub const CONFIRM_KEYS: &[KeyHelp] = &[key("y, Enter", "yes"), key("n, Esc", "no")];

/// The keys shown while an input line is open.
pub const TEXT_KEYS: &[KeyHelp] = &[key("Enter", "submit"), key("Esc", "cancel")];

/// Draws a yes/no question over the middle of `area`.
pub fn render_confirm(frame: &mut Frame<'_>, area: Rect, question: &str) {
    let width = area.width.saturating_sub(8).min(64);
    let popup = centered(area, width, 5);
    frame.render_widget(Clear, popup);
    let text = vec![
        Line::from(question.to_owned()),
        Line::from(vec![
            Span::styled("y", Style::new().add_modifier(Modifier::BOLD)),
            Span::raw(" yes   "),
            Span::styled("n", Style::new().add_modifier(Modifier::BOLD)),
            Span::raw(" no"),
        ]),
    ];
    frame.render_widget(
        Paragraph::new(text).wrap(Wrap { trim: true }).block(
            Block::bordered()
                .title(" Confirm ")
                .style(Style::new().fg(Color::Yellow)),
        ),
        popup,
    );
}

/// A `width` × `height` rectangle in the middle of `area`.
pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let [row] = Layout::vertical([Constraint::Length(height.min(area.height))])
        .flex(Flex::Center)
        .areas(area);
    let [cell] = Layout::horizontal([Constraint::Length(width.min(area.width))])
        .flex(Flex::Center)
        .areas(row);
    cell
}

/// A message under a pane: what just happened, or what went wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// Something worked.
    Done(String),
    /// Something failed; the core's message.
    Failed(String),
}

impl Notice {
    /// The notice as a styled line.
    pub fn line(&self) -> Line<'static> {
        match self {
            Self::Done(text) => Line::styled(text.clone(), Style::new().fg(Color::Green)),
            Self::Failed(text) => Line::styled(text.clone(), Style::new().fg(Color::Red)),
        }
    }
}

pub use guildhall_core::guild_config::display::{diff, plain};

/// A duration in its two largest units: `45s`, `3m 20s`, `2h 5m`, `3d 4h`.
pub fn short_duration(duration: Duration) -> String {
    const UNITS: [(u64, &str); 4] = [(86_400, "d"), (3_600, "h"), (60, "m"), (1, "s")];
    let seconds = duration.as_secs();
    let first = UNITS
        .iter()
        .position(|(size, _)| seconds >= *size)
        .unwrap_or(UNITS.len() - 1);
    let (size, name) = UNITS[first];
    let mut text = format!("{}{name}", seconds / size);
    if let Some((next_size, next_name)) = UNITS.get(first + 1) {
        let next = seconds % size / next_size;
        if next > 0 {
            text.push_str(&format!(" {next}{next_name}"));
        }
    }
    text
}

/// `at` relative to `now`: `in 5m`, `3m ago`, `now`.
pub fn relative(at: UnixMillis, now: UnixMillis) -> String {
    if at.0.abs_diff(now.0) < 1_000 {
        "now".into()
    } else if at > now {
        format!("in {}", short_duration(at.since(now)))
    } else {
        format!("{} ago", short_duration(now.since(at)))
    }
}

/// `HH:MM:SS` of an instant, in UTC.
pub fn time_of_day(at: UnixMillis) -> String {
    let rfc = at.to_rfc3339();
    rfc.get(11..19).unwrap_or(&rfc).to_owned()
}

/// `YYYY-MM-DD HH:MM` of an instant, in UTC.
pub fn date_time(at: UnixMillis) -> String {
    let rfc = at.to_rfc3339();
    match (rfc.get(..10), rfc.get(11..16)) {
        (Some(date), Some(time)) => format!("{date} {time}"),
        _ => rfc,
    }
}

/// Cuts `text` to `width` characters, ending with `…` when cut.
pub fn fit(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(width.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// Moves a selection by `delta` within `0..len`.
pub fn step(selected: usize, delta: isize, len: usize) -> usize {
    if len == 0 {
        return 0;
    }
    selected.saturating_add_signed(delta).min(len - 1)
}

/// How far the list keys move a selection (a page is ten rows).
pub fn movement(action: &Action) -> Option<isize> {
    match action {
        Action::Up => Some(-1),
        Action::Down => Some(1),
        Action::PageUp => Some(-10),
        Action::PageDown => Some(10),
        Action::Top => Some(isize::MIN / 2),
        Action::Bottom => Some(isize::MAX / 2),
        _ => None,
    }
}

/// The style of a selected row.
pub fn selected_style() -> Style {
    Style::new().add_modifier(Modifier::REVERSED)
}

/// The style of a table header.
pub fn header_style() -> Style {
    Style::new().add_modifier(Modifier::BOLD)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_are_short() {
        let cases = [
            (0, "0s"),
            (45, "45s"),
            (60, "1m"),
            (200, "3m 20s"),
            (7_500, "2h 5m"),
            (7_205, "2h"),
            (273_600, "3d 4h"),
        ];
        for (seconds, expected) in cases {
            assert_eq!(short_duration(Duration::from_secs(seconds)), expected);
        }
    }

    #[test]
    fn times_are_relative() {
        let now = UnixMillis(1_000_000);
        assert_eq!(relative(UnixMillis(1_300_000), now), "in 5m");
        assert_eq!(relative(UnixMillis(820_000), now), "3m ago");
        assert_eq!(relative(now, now), "now");
        assert_eq!(fit("abcdef", 4), "abc…");
        assert_eq!(step(0, -1, 3), 0);
        assert_eq!(step(1, isize::MAX / 2, 3), 2);
    }
}
