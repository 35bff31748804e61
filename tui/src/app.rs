//! The app: the panes, which one is shown, the help overlay, and the one `update` that every
//! [`Event`] goes through.

use guildhall_core::clock::UnixMillis;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Row, Table, Tabs};

use crate::action::{Action, InputMode, action_for};
use crate::event::{Event, Request};
use crate::panes::{
    CONFIRM_KEYS, Component, GLOBAL_KEYS, KeyHelp, PANES, PaneId, TEXT_KEYS, View, centered,
};

/// The console's state.
#[derive(Debug)]
pub struct App {
    /// Every pane of [`PANES`], in its order.
    panes: Vec<Box<dyn Component>>,
    focused: PaneId,
    help: bool,
    quit: bool,
    ticks: u64,
    now: UnixMillis,
}

impl App {
    /// A console showing the first pane (the overview), at `now`.
    pub fn new(now: UnixMillis) -> Self {
        Self {
            panes: PANES.iter().map(|pane| pane.make()).collect(),
            focused: PANES[0].id,
            help: false,
            quit: false,
            ticks: 0,
            now,
        }
    }

    /// What to load when the console opens.
    pub fn start(&mut self) -> Vec<Request> {
        self.pane_mut(self.focused).on_focus()
    }

    /// Whether the operator asked to leave.
    pub fn should_quit(&self) -> bool {
        self.quit
    }

    /// The pane shown.
    pub fn focused(&self) -> PaneId {
        self.focused
    }

    /// Sets the time shown (the loop reads its clock on every tick).
    pub fn set_now(&mut self, now: UnixMillis) {
        self.now = now;
    }

    fn pane(&self, id: PaneId) -> &dyn Component {
        self.panes[id.index()].as_ref()
    }

    fn pane_mut(&mut self, id: PaneId) -> &mut dyn Component {
        self.panes[id.index()].as_mut()
    }

    /// How keys are read now.
    pub fn input_mode(&self) -> InputMode {
        self.pane(self.focused).input_mode()
    }

    /// Reacts to one event; returns what the loader must do.
    pub fn update(&mut self, event: Event) -> Vec<Request> {
        match event {
            Event::Key(key) if self.help => {
                // Any key closes the help; quitting still quits.
                self.help = false;
                self.quit = action_for(key, InputMode::Normal) == Some(Action::Quit);
                Vec::new()
            }
            Event::Key(key) => match action_for(key, self.input_mode()) {
                Some(action) => self.act(&action),
                None => Vec::new(),
            },
            Event::Resize => Vec::new(),
            Event::Tick => {
                self.ticks += 1;
                let tick = self.ticks;
                self.pane_mut(self.focused).on_tick(tick)
            }
            Event::Loaded(loaded) => {
                let mut requests = Vec::new();
                for pane in &mut self.panes {
                    requests.extend(pane.loaded(&loaded));
                }
                requests
            }
            Event::Log(log) => {
                for pane in &mut self.panes {
                    pane.on_log(&log);
                }
                Vec::new()
            }
        }
    }

    /// Carries out one action: the app's own (panes, help, quit) or the focused pane's.
    pub fn act(&mut self, action: &Action) -> Vec<Request> {
        if self.help {
            // Any key closes the help; quitting still quits.
            self.help = false;
            if *action == Action::Quit {
                self.quit = true;
            }
            return Vec::new();
        }
        let global = self.input_mode() == InputMode::Normal;
        match action {
            Action::Quit => {
                self.quit = true;
                Vec::new()
            }
            Action::Help if global => {
                self.help = true;
                Vec::new()
            }
            Action::NextPane if global => self.show(offset(self.focused, 1)),
            Action::PreviousPane if global => self.show(offset(self.focused, -1)),
            Action::ShowPane(id) if global => self.show(*id),
            _ => self.pane_mut(self.focused).handle(action),
        }
    }

    fn show(&mut self, id: PaneId) -> Vec<Request> {
        self.focused = id;
        self.pane_mut(id).on_focus()
    }

    /// Draws the console: tabs, the focused pane, the footer, and the help when open.
    pub fn render(&self, frame: &mut Frame<'_>) {
        let [tabs_area, body, footer] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Min(0),
            Constraint::Length(1),
        ])
        .areas(frame.area());
        let titles_of = |title: fn(PaneId) -> &'static str| -> Vec<String> {
            PANES
                .iter()
                .enumerate()
                .map(|(index, pane)| format!("{} {}", index + 1, title(pane.id)))
                .collect()
        };
        let width_of = |titles: &[String], padding: usize| -> usize {
            titles
                .iter()
                .map(|title| title.chars().count() + 1 + 2 * padding)
                .sum::<usize>()
                .saturating_sub(1)
        };
        // Every tab stays visible: on a narrow terminal the tabs lose their padding, and on a
        // narrower one the longest names are shortened.
        let width = usize::from(tabs_area.width);
        let mut titles = titles_of(PaneId::title);
        let padding = if width_of(&titles, 1) <= width {
            " "
        } else {
            if width_of(&titles, 0) > width {
                titles = titles_of(PaneId::short_title);
            }
            ""
        };
        frame.render_widget(
            Tabs::new(titles)
                .select(self.focused.index())
                .highlight_style(Style::new().fg(Color::Black).bg(Color::Cyan))
                .padding(padding, padding)
                .divider("│"),
            tabs_area,
        );
        let view = View { now: self.now };
        self.pane(self.focused).render(frame, body, &view);
        frame.render_widget(self.footer(), footer);
        if self.help {
            self.render_help(frame, body);
        }
    }

    fn footer(&self) -> Line<'static> {
        let keys: Vec<KeyHelp> = match self.input_mode() {
            InputMode::Confirm => CONFIRM_KEYS.to_vec(),
            InputMode::Text => TEXT_KEYS.to_vec(),
            InputMode::Normal => {
                let mut keys = self.pane(self.focused).keys();
                keys.truncate(3);
                keys.push(KeyHelp {
                    key: "?",
                    does: "help",
                });
                keys.push(KeyHelp {
                    key: "q",
                    does: "quit",
                });
                keys
            }
        };
        let mut spans = Vec::new();
        for (index, help) in keys.iter().enumerate() {
            if index > 0 {
                spans.push(Span::raw("  "));
            }
            spans.push(Span::styled(
                help.key,
                Style::new().add_modifier(Modifier::BOLD),
            ));
            spans.push(Span::raw(format!(" {}", help.does)));
        }
        Line::from(spans).style(Style::new().fg(Color::Gray))
    }

    fn render_help(&self, frame: &mut Frame<'_>, area: Rect) {
        let pane = self.pane(self.focused);
        let mut rows = vec![
            Row::new([format!("{} pane", self.focused.title()), String::new()])
                .style(Style::new().add_modifier(Modifier::BOLD)),
        ];
        rows.extend(
            pane.keys()
                .iter()
                .map(|help| Row::new([help.key.to_owned(), help.does.to_owned()])),
        );
        rows.push(
            Row::new(["Everywhere".to_owned(), String::new()])
                .style(Style::new().add_modifier(Modifier::BOLD)),
        );
        rows.extend(
            GLOBAL_KEYS
                .iter()
                .map(|help| Row::new([help.key.to_owned(), help.does.to_owned()])),
        );
        let height = u16::try_from(rows.len() + 2).unwrap_or(u16::MAX);
        let popup = centered(area, 52, height);
        frame.render_widget(Clear, popup);
        frame.render_widget(
            Table::new(rows, [Constraint::Length(14), Constraint::Min(20)])
                .block(Block::bordered().title(" Keys · any key closes ")),
            popup,
        );
    }
}

fn offset(pane: PaneId, by: isize) -> PaneId {
    let count = PANES.len();
    let index = (pane.index() + count).saturating_add_signed(by) % count;
    PANES[index].id
}
