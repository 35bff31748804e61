//! The panes, each a [`Component`], and what they share: the registry of panes ([`PANES`]), the
//! render context, the per-guild list ([`list`]), the yes/no prompt and the formatting of values
//! and times.

pub mod automation;
pub mod giveaways;
pub mod jobs;
pub mod levels;
pub mod list;
pub mod logs;
pub mod migrations;
pub mod moderation;
pub mod overview;
pub mod premium;
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
use crate::event::{Loaded, LogEvent, Request};

/// The guild of a loader task that is not for one guild: a pane listing across guilds (premium,
/// the overview's premium guilds) keys its [`Request::Rows`] with it. No Discord id is 0.
pub const ACROSS_GUILDS: GuildId = GuildId::new(0);

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

/// The console's panes, in tab order: the one list the tabs, the tab bar, the number keys and
/// the help are made from. A new pane is its module and one line here (a per-guild list pane:
/// a [`list::ListPane`] made with [`guild_list`]).
pub const PANES: &[Pane] = &[
    Pane::new("overview", "Overview", "Over", own::<overview::Overview>),
    Pane::new(
        "migrations",
        "Migrations",
        "Migr",
        own::<migrations::Migrations>,
    ),
    Pane::new("settings", "Settings", "Sett", own::<settings::Settings>),
    Pane::new("logs", "Logs", "Logs", own::<logs::Logs>),
    Pane::new("jobs", "Jobs", "Jobs", own::<jobs::Jobs>),
    Pane::new("cases", "Cases", "Cases", guild_list::<moderation::Cases>),
    Pane::new("levels", "Levels", "Lvls", guild_list::<levels::Levels>),
    Pane::new(
        "timed-roles",
        "Timed roles",
        "Timed",
        guild_list::<timed_roles::TimedRoles>,
    ),
    Pane::new(
        "giveaways",
        "Giveaways",
        "Give",
        guild_list::<giveaways::Giveaways>,
    ),
    Pane::new("premium", "Premium", "Prem", own::<premium::Premium>),
    Pane::new(
        "automation",
        "Automation",
        "Auto",
        own::<automation::Automation>,
    ),
];

/// A pane's id: its name in [`PANES`], e.g. `timed-roles`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PaneId(&'static str);

impl PaneId {
    /// The registered pane called `name`.
    ///
    /// # Panics
    /// When no pane in [`PANES`] has that name (a mistake in the code, not the operator's).
    pub fn named(name: &str) -> Self {
        PANES
            .iter()
            .find(|pane| pane.id.0 == name)
            .map(|pane| pane.id)
            .unwrap_or_else(|| panic!("no pane is called {name}"))
    }

    /// Its name, e.g. `timed-roles`.
    pub fn name(self) -> &'static str {
        self.0
    }

    /// The pane's entry in [`PANES`].
    pub fn pane(self) -> &'static Pane {
        PANES
            .iter()
            .find(|pane| pane.id == self)
            .unwrap_or(&PANES[0])
    }

    /// The pane's name on its tab.
    pub fn title(self) -> &'static str {
        self.pane().title
    }

    /// The pane's name on a narrow terminal's tab.
    pub fn short_title(self) -> &'static str {
        self.pane().short_title
    }

    /// Its position in tab order.
    pub fn index(self) -> usize {
        PANES.iter().position(|pane| pane.id == self).unwrap_or(0)
    }
}

/// One line of the registry: a pane's id, its tab's names, and how it is made.
#[derive(Debug)]
pub struct Pane {
    /// Its id.
    pub id: PaneId,
    /// Its name on its tab, e.g. `Timed roles`.
    pub title: &'static str,
    /// Its name on a narrow terminal's tab, e.g. `Timed`.
    pub short_title: &'static str,
    make: fn(PaneId) -> Box<dyn Component>,
}

impl Pane {
    /// The pane `name`, shown as `title` (`short_title` when the terminal is narrow), made by
    /// `make`.
    pub const fn new(
        name: &'static str,
        title: &'static str,
        short_title: &'static str,
        make: fn(PaneId) -> Box<dyn Component>,
    ) -> Self {
        Self {
            id: PaneId(name),
            title,
            short_title,
            make,
        }
    }

    /// A fresh pane.
    pub fn make(&self) -> Box<dyn Component> {
        (self.make)(self.id)
    }
}

/// Makes a pane that is its own component.
pub fn own<C: Component + Default + 'static>(_id: PaneId) -> Box<dyn Component> {
    Box::new(C::default())
}

/// Makes a per-guild list pane around its own part `P`.
pub fn guild_list<P: list::ListPane>(id: PaneId) -> Box<dyn Component> {
    Box::new(list::GuildList::<P>::new(id))
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
pub trait Component: std::fmt::Debug {
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
    /// Takes news from the log stream (every pane sees it; the logs pane keeps it).
    fn on_log(&mut self, _event: &LogEvent) {}
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
