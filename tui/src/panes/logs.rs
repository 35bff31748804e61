//! Logs: the running instance's log lines as they arrive, filtered by guild and minimum level,
//! with pause (new lines are held, not lost) and scroll-back. The loader reopens the stream
//! when it drops; lines replayed on reconnect are not shown twice.

use std::collections::VecDeque;

use guildhall_core::ids::GuildId;
use guildhall_core::live::{LogLine, severity};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use super::{Component, KeyHelp, View, fit, key, time_of_day};
use crate::action::{Action, InputMode};
use crate::event::{Loaded, LogEvent, Request};

/// Lines kept for scrolling back (and held while paused).
const KEPT: usize = 2_000;
/// The levels `l` cycles through, least severe first.
const LEVELS: [&str; 5] = ["TRACE", "DEBUG", "INFO", "WARN", "ERROR"];

/// Where the stream is.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Connection {
    NotStarted,
    Connecting,
    Connected,
    Disconnected(String),
}

/// The logs pane.
#[derive(Debug)]
pub struct Logs {
    lines: VecDeque<LogLine>,
    held: VecDeque<LogLine>,
    dropped: usize,
    paused: bool,
    guild: Option<GuildId>,
    level: &'static str,
    filter_input: Option<String>,
    filter_error: Option<String>,
    connection: Connection,
    replaying: bool,
    scroll: usize,
}

impl Default for Logs {
    fn default() -> Self {
        Self {
            lines: VecDeque::new(),
            held: VecDeque::new(),
            dropped: 0,
            paused: false,
            guild: None,
            level: "INFO",
            filter_input: None,
            filter_error: None,
            connection: Connection::NotStarted,
            replaying: false,
            scroll: 0,
        }
    }
}

impl Logs {
    /// Takes news from the log stream.
    pub fn log_event(&mut self, event: LogEvent) {
        match event {
            LogEvent::Connected => {
                // A reconnect replays the instance's recent lines; skip those already shown.
                self.replaying = !self.lines.is_empty() || !self.held.is_empty();
                self.connection = Connection::Connected;
            }
            LogEvent::Disconnected(reason) => self.connection = Connection::Disconnected(reason),
            LogEvent::Line(line) => self.push(line),
        }
    }

    fn push(&mut self, line: LogLine) {
        if self.replaying {
            let newest = self.held.back().or(self.lines.back());
            let seen = newest.is_some_and(|newest| {
                line.at < newest.at
                    || (line.at == newest.at
                        && self
                            .lines
                            .iter()
                            .chain(&self.held)
                            .rev()
                            .take(50)
                            .any(|kept| *kept == line))
            });
            if seen {
                return;
            }
            self.replaying = false;
        }
        if !self.keeps(&line) {
            return;
        }
        let target = if self.paused {
            &mut self.held
        } else {
            &mut self.lines
        };
        if target.len() == KEPT {
            target.pop_front();
            if self.paused {
                self.dropped += 1;
            }
        }
        target.push_back(line);
    }

    fn keeps(&self, line: &LogLine) -> bool {
        self.guild.is_none_or(|guild| line.guild == Some(guild)) && line.at_least(self.level)
    }

    fn follow(&mut self) -> Vec<Request> {
        self.lines.clear();
        self.held.clear();
        self.dropped = 0;
        self.scroll = 0;
        self.replaying = false;
        self.connection = Connection::Connecting;
        vec![Request::FollowLogs {
            guild: self.guild,
            level: self.level,
        }]
    }

    fn resume(&mut self) {
        self.paused = false;
        let held = std::mem::take(&mut self.held);
        for line in held {
            if self.lines.len() == KEPT {
                self.lines.pop_front();
            }
            self.lines.push_back(line);
        }
        self.dropped = 0;
    }

    fn handle_filter_input(&mut self, action: &Action) -> Vec<Request> {
        let Some(input) = &mut self.filter_input else {
            return Vec::new();
        };
        match action {
            Action::Input(character) => input.push(*character),
            Action::Backspace => {
                input.pop();
            }
            Action::Cancel => {
                self.filter_input = None;
                self.filter_error = None;
            }
            Action::Enter => {
                let text = input.trim();
                let guild = if text.is_empty() || text == "all" {
                    None
                } else {
                    match text.parse::<GuildId>() {
                        Ok(guild) => Some(guild),
                        Err(error) => {
                            self.filter_error = Some(error.to_string());
                            return Vec::new();
                        }
                    }
                };
                self.filter_input = None;
                self.filter_error = None;
                if guild != self.guild {
                    self.guild = guild;
                    return self.follow();
                }
            }
            _ => {}
        }
        Vec::new()
    }

    fn status_line(&self) -> Line<'static> {
        if let Some(input) = &self.filter_input {
            let mut spans = vec![
                Span::styled(
                    "guild id (empty = all) = ",
                    Style::new().add_modifier(Modifier::BOLD),
                ),
                Span::raw(input.clone()),
                Span::styled("█", Style::new().fg(Color::Gray)),
            ];
            if let Some(error) = &self.filter_error {
                spans.push(Span::styled(
                    format!("  {error}"),
                    Style::new().fg(Color::Red),
                ));
            }
            return Line::from(spans);
        }
        let connection = match &self.connection {
            Connection::NotStarted => Span::raw("not started"),
            Connection::Connecting => Span::styled("connecting…", Style::new().fg(Color::Yellow)),
            Connection::Connected => Span::styled("connected", Style::new().fg(Color::Green)),
            Connection::Disconnected(reason) => Span::styled(
                format!("disconnected, retrying: {reason}"),
                Style::new().fg(Color::Red),
            ),
        };
        let mut spans = vec![connection];
        if self.paused {
            let dropped = if self.dropped > 0 {
                format!(", {} oldest dropped", self.dropped)
            } else {
                String::new()
            };
            spans.push(Span::styled(
                format!(
                    " · PAUSED: {} new line(s) held{dropped} (Space resumes)",
                    self.held.len()
                ),
                Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD),
            ));
        }
        if self.scroll > 0 {
            spans.push(Span::raw(format!(
                " · scrolled back {} line(s)",
                self.scroll
            )));
        }
        Line::from(spans)
    }
}

fn level_style(level: &str) -> Style {
    match severity(level) {
        4 => Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
        3 => Style::new().fg(Color::Yellow),
        2 => Style::new().fg(Color::Green),
        _ => Style::new().fg(Color::DarkGray),
    }
}

/// The prefix before a message: time, level and target with their spaces.
const PREFIX: usize = 8 + 1 + 5 + 1 + 16 + 1;

/// The message cut into rows of what is left of `width` after the prefix.
fn message_rows(message: &str, width: usize) -> Vec<String> {
    let room = width.saturating_sub(PREFIX).max(10);
    let characters: Vec<char> = message.chars().collect();
    if characters.is_empty() {
        return vec![String::new()];
    }
    characters
        .chunks(room)
        .map(|chunk| chunk.iter().collect())
        .collect()
}

/// A log line as screen rows: the prefix on the first, the message continued under itself.
fn render_line(line: &LogLine, width: usize) -> Vec<Line<'static>> {
    let mut rows = message_rows(&line.message, width).into_iter();
    let first = Line::from(vec![
        Span::styled(time_of_day(line.at), Style::new().fg(Color::DarkGray)),
        Span::raw(" "),
        Span::styled(format!("{:<5}", line.level), level_style(&line.level)),
        Span::raw(" "),
        Span::styled(
            format!("{:<16}", fit(&line.target, 16)),
            Style::new().fg(Color::Cyan),
        ),
        Span::raw(" "),
        Span::raw(rows.next().unwrap_or_default()),
    ]);
    std::iter::once(first)
        .chain(rows.map(|rest| Line::from(format!("{:PREFIX$}{rest}", ""))))
        .collect()
}

impl Component for Logs {
    fn on_log(&mut self, event: &LogEvent) {
        self.log_event(event.clone());
    }

    fn render(&self, frame: &mut Frame<'_>, area: Rect, _view: &View) {
        let [lines_area, status_area] =
            Layout::vertical([Constraint::Min(3), Constraint::Length(1)]).areas(area);
        let guild = self
            .guild
            .map_or_else(|| "all guilds".to_owned(), |guild| format!("guild {guild}"));
        let mode = if self.paused { "paused" } else { "live" };
        let title = format!(" Logs · {guild} · level ≥ {} · {mode} ", self.level);
        let height = usize::from(lines_area.height.saturating_sub(2));
        let width = usize::from(lines_area.width.saturating_sub(2)).max(1);
        // Long lines wrap; walk back from the newest shown line until the view is full.
        let end = self.lines.len().saturating_sub(self.scroll);
        let mut start = end;
        let mut used = 0;
        while start > 0 {
            let rows = message_rows(&self.lines[start - 1].message, width).len();
            if used + rows > height {
                break;
            }
            used += rows;
            start -= 1;
        }
        let shown: Vec<Line<'static>> = self
            .lines
            .range(start..end)
            .flat_map(|line| render_line(line, width))
            .collect();
        let body = if shown.is_empty() {
            Paragraph::new(Line::styled(
                "no log lines yet",
                Style::new().fg(Color::DarkGray),
            ))
        } else {
            Paragraph::new(shown)
        };
        frame.render_widget(body.block(Block::bordered().title(title)), lines_area);
        frame.render_widget(self.status_line(), status_area);
    }

    fn handle(&mut self, action: &Action) -> Vec<Request> {
        if self.filter_input.is_some() {
            return self.handle_filter_input(action);
        }
        let most = self.lines.len();
        match action {
            Action::Up => self.scroll = (self.scroll + 1).min(most),
            Action::PageUp => self.scroll = (self.scroll + 10).min(most),
            Action::Down => self.scroll = self.scroll.saturating_sub(1),
            Action::PageDown => self.scroll = self.scroll.saturating_sub(10),
            Action::Top => self.scroll = most,
            Action::Bottom => self.scroll = 0,
            Action::Pause if self.paused => self.resume(),
            Action::Pause => self.paused = true,
            Action::Filter => {
                self.filter_input = Some(
                    self.guild
                        .map(|guild| guild.to_string())
                        .unwrap_or_default(),
                );
            }
            Action::Level => {
                let next = LEVELS
                    .iter()
                    .position(|level| *level == self.level)
                    .map_or(2, |index| (index + 1) % LEVELS.len());
                self.level = LEVELS[next];
                return self.follow();
            }
            Action::Refresh => return self.follow(),
            _ => {}
        }
        Vec::new()
    }

    fn loaded(&mut self, _loaded: &Loaded) -> Vec<Request> {
        Vec::new()
    }

    fn on_focus(&mut self) -> Vec<Request> {
        if self.connection == Connection::NotStarted {
            self.follow()
        } else {
            Vec::new()
        }
    }

    fn on_tick(&mut self, _tick: u64) -> Vec<Request> {
        Vec::new()
    }

    fn input_mode(&self) -> InputMode {
        if self.filter_input.is_some() {
            InputMode::Text
        } else {
            InputMode::Normal
        }
    }

    fn keys(&self) -> Vec<KeyHelp> {
        vec![
            key("Space", "pause/resume"),
            key("f", "guild filter"),
            key("l", "min level"),
            key("↑/↓ PgUp", "scroll back"),
            key("End", "follow"),
        ]
    }
}
