//! The per-guild list pane: one component, [`GuildList`], that every pane listing one guild's
//! things is made of (cases, levels, timed roles, giveaways). It owns what they share — the
//! guild choice (`g` moves to the next guild the bot is in), the rows and the selection, the
//! table, the details box of the selected row, the loading, empty and error states, the reload
//! on `R` and every few seconds, the yes/no prompt before an action, the input line and the
//! notice under the pane. A pane describes only what is its own, as a [`ListPane`]: its titles
//! and messages, how its rows load, how a row renders as a table row and as details, and its
//! own keys.

use std::fmt::Debug;
use std::future::Future;
use std::sync::Arc;

use guildhall_core::guilds::GuildRecord;
use guildhall_core::ids::GuildId;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Style};
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph, Row, Table, TableState, Wrap};

use super::{
    Component, Confirm, KeyHelp, Notice, View, header_style, key, movement, next_guild,
    present_guilds, render_confirm, selected_style, step,
};
use crate::action::{Action, InputMode};
use crate::event::{Failure, GuildTask, Loaded, Request, RowsData};
use crate::loader::Services;
use crate::panes::PaneId;

/// What a pane's loading returns: the rows, and whatever else its titles and rows need.
pub trait ListData: Clone + Debug + Send + Sync + 'static {
    /// One row of the list.
    type Row;
    /// The rows, in the order shown.
    fn rows(&self) -> &[Self::Row];
}

impl<R: Clone + Debug + Send + Sync + 'static> ListData for Vec<R> {
    type Row = R;

    fn rows(&self) -> &[R] {
        self
    }
}

/// A pane's loading or action code, run by the loader on its services: `what` names it (in
/// words, for equality and logs), `run` does it.
pub struct Load<T> {
    what: String,
    run: Arc<
        dyn Fn(Services) -> futures::future::BoxFuture<'static, Result<T, Failure>> + Send + Sync,
    >,
}

impl<T: 'static> Load<T> {
    /// Loading (or doing) `what` with `run`.
    pub fn new<F, Fut>(what: impl Into<String>, run: F) -> Self
    where
        F: Fn(Services) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<T, Failure>> + Send + 'static,
    {
        Self {
            what: what.into(),
            run: Arc::new(move |services| Box::pin(run(services))),
        }
    }

    fn task<U: 'static>(self, pane: PaneId, guild: GuildId, into: fn(T) -> U) -> GuildTask<U> {
        let run = self.run;
        GuildTask::new(pane, guild, self.what, move |services| {
            let loading = run(services);
            async move { loading.await.map(into) }
        })
    }
}

/// What a pane's own key or input line asks of the list.
pub enum Outcome {
    /// Nothing more (the key did its work on the pane's own state, or there was nothing to do).
    Nothing,
    /// The pane's query changed (a filter, a search): forget the rows and load them again.
    Reload,
    /// Open the input line, starting with this text.
    Input(String),
    /// Say this under the pane.
    Notice(Notice),
    /// Ask this yes/no question; a yes has the loader do `change`, whose answer (what was done,
    /// in words) becomes the notice, and the rows are loaded again.
    Ask {
        /// The question.
        question: String,
        /// What a yes does.
        change: Load<String>,
    },
}

/// One per-guild list pane's own part. Everything else is [`GuildList`]'s.
pub trait ListPane: Default + Debug + 'static {
    /// What loading returns.
    type Data: ListData;

    /// The table's column headers.
    const HEADER: &'static [&'static str];
    /// The table's column widths.
    const WIDTHS: &'static [Constraint];
    /// The heights of the list and of the details box.
    const HEIGHTS: [Constraint; 2];
    /// Whether a line is kept under the details for the input line and notices.
    const STATUS_LINE: bool;
    /// The list reloads every this many seconds while shown.
    const RELOAD_EVERY: u64;
    /// Shown while the rows load, e.g. `loading cases…`.
    const LOADING: &'static str;
    /// Put before the error when loading fails, e.g. `cannot list cases`.
    const FAILED: &'static str;
    /// Shown when the guild has no rows.
    const EMPTY: &'static str;
    /// The details box's title when no row is selected, e.g. ` Case `.
    const DETAILS: &'static str;
    /// The input line's prompt, e.g. `search reasons: `.
    const PROMPT: &'static str = "";

    /// The list box's title, e.g. ` Cases · Tavern · kind: all `; `guild` is the guild's name,
    /// `data` the rows when loaded.
    fn title(&self, guild: &str, data: Option<&Self::Data>) -> String;
    /// How the rows of `guild` load.
    fn load(&self, guild: GuildId) -> Load<Self::Data>;
    /// One row as a table row; `width` is the list box's.
    fn row(
        &self,
        row: &<Self::Data as ListData>::Row,
        data: &Self::Data,
        width: u16,
        view: &View,
    ) -> Row<'static>;
    /// The selected row's details; `width` is the inside of the details box.
    fn details(
        &self,
        row: &<Self::Data as ListData>::Row,
        data: &Self::Data,
        width: usize,
        view: &View,
    ) -> Details;
    /// Whether two rows are the same thing (the selection stays on it when the list reloads and
    /// moves under it); by default the selection keeps its place.
    fn same(_a: &<Self::Data as ListData>::Row, _b: &<Self::Data as ListData>::Row) -> bool {
        false
    }
    /// The pane's own keys, for the footer and the help (between `select` and `next guild`).
    fn keys(&self) -> Vec<KeyHelp> {
        Vec::new()
    }
    /// A key that is not the list's own; `None` when the pane has no use for it either.
    fn act(&mut self, _action: &Action, _list: &ListState<Self::Data>) -> Option<Outcome> {
        None
    }
    /// Whether the input line takes `character`.
    fn accepts(_character: char) -> bool {
        true
    }
    /// The input line was submitted with `text` (trimmed).
    fn submitted(&mut self, _text: String, _list: &ListState<Self::Data>) -> Outcome {
        Outcome::Nothing
    }
}

/// The details box of the selected row.
#[derive(Debug)]
pub struct Details {
    /// The box's title.
    pub title: String,
    /// The lines in it.
    pub lines: Vec<Line<'static>>,
    /// Whether long lines wrap (else the pane has fitted them).
    pub wrap: bool,
}

/// The state [`GuildList`] keeps for every pane, which a pane's keys may read.
#[derive(Debug)]
pub struct ListState<D> {
    guilds: Vec<GuildRecord>,
    guild: Option<GuildId>,
    data: Option<Result<D, Failure>>,
    selected: usize,
    input: Option<String>,
    confirm: Option<Confirm>,
    notice: Option<Notice>,
}

impl<D> Default for ListState<D> {
    fn default() -> Self {
        Self {
            guilds: Vec::new(),
            guild: None,
            data: None,
            selected: 0,
            input: None,
            confirm: None,
            notice: None,
        }
    }
}

impl<D: ListData> ListState<D> {
    /// The guild shown.
    pub fn guild(&self) -> Option<GuildId> {
        self.guild
    }

    /// The loaded data, if loading worked.
    pub fn data(&self) -> Option<&D> {
        match &self.data {
            Some(Ok(data)) => Some(data),
            _ => None,
        }
    }

    /// The rows (none while loading or after an error).
    pub fn rows(&self) -> &[D::Row] {
        self.data().map_or(&[], ListData::rows)
    }

    /// The selected row.
    pub fn selected(&self) -> Option<&D::Row> {
        self.rows().get(self.selected)
    }

    /// The guild's name, its id when the guild list does not have it.
    fn guild_name(&self) -> String {
        self.guild.map_or_else(
            || "no guild".to_owned(),
            |id| {
                self.guilds
                    .iter()
                    .find(|guild| guild.id == id)
                    .map_or_else(|| id.to_string(), |guild| guild.name.clone())
            },
        )
    }
}

/// A per-guild list pane: the shared list around a pane's own part `P`.
#[derive(Debug)]
pub struct GuildList<P: ListPane> {
    id: PaneId,
    pane: P,
    state: ListState<P::Data>,
}

impl<P: ListPane> GuildList<P> {
    /// The pane `id`, with no guild chosen yet.
    pub fn new(id: PaneId) -> Self {
        Self {
            id,
            pane: P::default(),
            state: ListState::default(),
        }
    }

    /// The list's state.
    pub fn state(&self) -> &ListState<P::Data> {
        &self.state
    }

    fn request(&self) -> Vec<Request> {
        self.state
            .guild
            .map(|guild| {
                let into: fn(P::Data) -> RowsData = |data| Arc::new(data);
                Request::Rows(self.pane.load(guild).task(self.id, guild, into))
            })
            .into_iter()
            .collect()
    }

    fn reload(&mut self) -> Vec<Request> {
        self.state.data = None;
        self.state.selected = 0;
        self.request()
    }

    fn apply(&mut self, outcome: Outcome) -> Vec<Request> {
        match outcome {
            Outcome::Nothing => Vec::new(),
            Outcome::Reload => self.reload(),
            Outcome::Input(text) => {
                self.state.input = Some(text);
                Vec::new()
            }
            Outcome::Notice(notice) => {
                self.state.notice = Some(notice);
                Vec::new()
            }
            Outcome::Ask { question, change } => {
                if let Some(guild) = self.state.guild {
                    let then = Request::Change(change.task(self.id, guild, |done| done));
                    self.state.confirm = Some(Confirm { question, then });
                }
                Vec::new()
            }
        }
    }

    fn typed(&mut self, action: &Action) -> Vec<Request> {
        let Some(input) = &mut self.state.input else {
            return Vec::new();
        };
        match action {
            Action::Input(character) if P::accepts(*character) => input.push(*character),
            Action::Backspace => {
                input.pop();
            }
            Action::Enter => {
                let text = input.trim().to_owned();
                self.state.input = None;
                let outcome = self.pane.submitted(text, &self.state);
                return self.apply(outcome);
            }
            Action::Cancel => self.state.input = None,
            _ => {}
        }
        Vec::new()
    }

    fn render_list(&self, frame: &mut Frame<'_>, area: Rect, view: &View) {
        let state = &self.state;
        let block = Block::bordered().title(self.pane.title(&state.guild_name(), state.data()));
        let message = |text: &str| Paragraph::new(text.to_owned()).block(block.clone());
        match &state.data {
            _ if state.guild.is_none() => {
                frame.render_widget(message("no known guilds yet"), area);
            }
            None => frame.render_widget(message(P::LOADING), area),
            Some(Err(reason)) => frame.render_widget(
                Paragraph::new(format!("{}: {reason}", P::FAILED))
                    .style(Style::new().fg(Color::Red))
                    .wrap(Wrap { trim: true })
                    .block(block),
                area,
            ),
            Some(Ok(data)) if data.rows().is_empty() => {
                frame.render_widget(message(P::EMPTY), area);
            }
            Some(Ok(data)) => {
                let header = Row::new(P::HEADER.iter().copied()).style(header_style());
                let rows = data
                    .rows()
                    .iter()
                    .map(|row| self.pane.row(row, data, area.width, view));
                let mut table_state = TableState::default().with_selected(Some(state.selected));
                frame.render_stateful_widget(
                    Table::new(rows, P::WIDTHS.iter().copied())
                        .header(header)
                        .row_highlight_style(selected_style())
                        .highlight_symbol("> ")
                        .block(block),
                    area,
                    &mut table_state,
                );
            }
        }
    }

    fn render_details(&self, frame: &mut Frame<'_>, area: Rect, view: &View) {
        let (Some(row), Some(data)) = (self.state.selected(), self.state.data()) else {
            frame.render_widget(Block::bordered().title(P::DETAILS), area);
            return;
        };
        let width = usize::from(area.width.saturating_sub(2));
        let details = self.pane.details(row, data, width, view);
        let mut paragraph = Paragraph::new(details.lines);
        if details.wrap {
            paragraph = paragraph.wrap(Wrap { trim: true });
        }
        frame.render_widget(
            paragraph.block(Block::bordered().title(details.title)),
            area,
        );
    }
}

impl<P: ListPane> Component for GuildList<P> {
    fn render(&self, frame: &mut Frame<'_>, area: Rect, view: &View) {
        let [list, details] = P::HEIGHTS;
        let (list_area, details_area, status_area) = if P::STATUS_LINE {
            let [a, b, c] = Layout::vertical([list, details, Constraint::Length(1)]).areas(area);
            (a, b, Some(c))
        } else {
            let [a, b] = Layout::vertical([list, details]).areas(area);
            (a, b, None)
        };
        self.render_list(frame, list_area, view);
        self.render_details(frame, details_area, view);
        if let Some(status_area) = status_area {
            if let Some(input) = &self.state.input {
                frame.render_widget(
                    Paragraph::new(format!("{}{input}▏", P::PROMPT)),
                    status_area,
                );
            } else if let Some(notice) = &self.state.notice {
                frame.render_widget(Paragraph::new(notice.line()), status_area);
            }
        }
        if let Some(confirm) = &self.state.confirm {
            render_confirm(frame, area, &confirm.question);
        }
    }

    fn handle(&mut self, action: &Action) -> Vec<Request> {
        if let Some(confirm) = self.state.confirm.take() {
            return match action {
                Action::Confirm => vec![confirm.then],
                _ => Vec::new(),
            };
        }
        if self.state.input.is_some() {
            return self.typed(action);
        }
        if let Some(delta) = movement(action) {
            self.state.selected = step(self.state.selected, delta, self.state.rows().len());
            return Vec::new();
        }
        match action {
            Action::PickGuild => {
                self.state.guild = next_guild(&self.state.guilds, self.state.guild);
                self.state.notice = None;
                self.reload()
            }
            Action::Refresh => self.request(),
            _ => match self.pane.act(action, &self.state) {
                Some(outcome) => {
                    self.state.notice = None;
                    self.apply(outcome)
                }
                None => Vec::new(),
            },
        }
    }

    fn loaded(&mut self, loaded: &Loaded) -> Vec<Request> {
        match loaded {
            Loaded::Guilds(Ok(guilds)) => {
                self.state.guilds = present_guilds(guilds);
                if self.state.guild.is_none() {
                    self.state.guild = self.state.guilds.first().map(|guild| guild.id);
                    return self.request();
                }
                Vec::new()
            }
            Loaded::Rows {
                pane,
                guild,
                result,
            } if *pane == self.id && Some(*guild) == self.state.guild => {
                let data = match result {
                    Ok(data) => match data.downcast_ref::<P::Data>() {
                        Some(data) => Ok(data.clone()),
                        // Only this pane asks with this id; its own load made the data.
                        None => return Vec::new(),
                    },
                    Err(reason) => Err(reason.clone()),
                };
                // The selection stays on the same row when the list moves under it.
                let position = self.state.selected().and_then(|kept| {
                    data.as_ref()
                        .ok()
                        .and_then(|data| data.rows().iter().position(|row| P::same(kept, row)))
                });
                self.state.data = Some(data);
                self.state.selected = position
                    .unwrap_or_else(|| step(self.state.selected, 0, self.state.rows().len()));
                Vec::new()
            }
            Loaded::Changed {
                pane,
                guild,
                result,
            } if *pane == self.id && Some(*guild) == self.state.guild => {
                self.state.notice = Some(match result {
                    Ok(done) => Notice::Done(done.clone()),
                    Err(reason) => Notice::Failed(reason.clone()),
                });
                self.request()
            }
            _ => Vec::new(),
        }
    }

    fn on_focus(&mut self) -> Vec<Request> {
        let mut requests = vec![Request::Guilds];
        requests.extend(self.request());
        requests
    }

    fn on_tick(&mut self, tick: u64) -> Vec<Request> {
        let idle = self.state.confirm.is_none() && self.state.input.is_none();
        if tick.is_multiple_of(P::RELOAD_EVERY) && idle {
            self.request()
        } else {
            Vec::new()
        }
    }

    fn input_mode(&self) -> InputMode {
        if self.state.confirm.is_some() {
            InputMode::Confirm
        } else if self.state.input.is_some() {
            InputMode::Text
        } else {
            InputMode::Normal
        }
    }

    fn keys(&self) -> Vec<KeyHelp> {
        let mut keys = vec![key("↑/↓", "select")];
        keys.extend(self.pane.keys());
        keys.push(key("g", "next guild"));
        keys
    }
}
