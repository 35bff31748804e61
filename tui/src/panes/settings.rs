//! Settings: pick a guild, browse its sections and keys, edit a key (saved through
//! `GuildConfigService::set_key`, the CLI's validation and history), and roll a section back to
//! a version from its history.

use std::sync::Arc;

use guildhall_core::guild_config::sections::{self, SECTIONS};
use guildhall_core::guild_config::{GuildSettings, HistoryEntry};
use guildhall_core::guilds::GuildRecord;
use guildhall_core::ids::GuildId;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Row, Table, TableState, Wrap};
use serde_json::Value;

use super::{
    Component, Confirm, KeyHelp, Notice, View, date_time, diff, header_style, key, movement, plain,
    render_confirm, selected_style, step,
};
use crate::action::{Action, InputMode};
use crate::event::{Loaded, Request};

/// Which view of the pane is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Mode {
    /// Choosing a guild.
    #[default]
    Guilds,
    /// A guild's keys.
    Browse,
    /// One section's history.
    History,
}

/// One key of a guild's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
struct KeyRow {
    section: &'static str,
    field: String,
    value: String,
    version: i64,
}

impl KeyRow {
    fn key(&self) -> String {
        format!("{}.{}", self.section, self.field)
    }
}

/// The settings pane.
#[derive(Debug, Default)]
pub struct Settings {
    mode: Mode,
    guilds: Option<Result<Vec<GuildRecord>, String>>,
    guild_selected: usize,
    guild_input: Option<String>,
    guild: Option<GuildId>,
    settings: Option<Result<Arc<GuildSettings>, String>>,
    rows: Vec<KeyRow>,
    selected: usize,
    edit: Option<String>,
    history: Option<Result<Vec<HistoryEntry>, String>>,
    history_section: &'static str,
    history_selected: usize,
    confirm: Option<Confirm>,
    notice: Option<Notice>,
}

fn rows_of(settings: &GuildSettings) -> Vec<KeyRow> {
    let mut rows = Vec::new();
    for ops in SECTIONS {
        if let Value::Object(fields) = ops.json_of(settings) {
            for (field, value) in fields {
                rows.push(KeyRow {
                    section: ops.name(),
                    field,
                    value: plain(&value),
                    version: settings.version(ops.name()),
                });
            }
        }
    }
    rows
}

impl Settings {
    fn known_guilds(&self) -> &[GuildRecord] {
        match &self.guilds {
            Some(Ok(guilds)) => guilds,
            _ => &[],
        }
    }

    fn current_version(&self, section: &str) -> i64 {
        match &self.settings {
            Some(Ok(settings)) => settings.version(section),
            _ => 0,
        }
    }

    fn open_guild(&mut self, guild: GuildId) -> Vec<Request> {
        if self.guild != Some(guild) {
            self.settings = None;
            self.rows.clear();
            self.selected = 0;
        }
        self.guild = Some(guild);
        self.mode = Mode::Browse;
        self.notice = None;
        vec![Request::Settings(guild)]
    }

    fn history_rows(&self) -> usize {
        match &self.history {
            Some(Ok(entries)) => entries.len() + 1,
            _ => 0,
        }
    }

    /// The version the selected history row stands for (the last row is 0, the defaults).
    fn history_version(&self) -> Option<i64> {
        let Some(Ok(entries)) = &self.history else {
            return None;
        };
        match entries.get(self.history_selected) {
            Some(entry) => Some(entry.version),
            None if self.history_selected == entries.len() => Some(0),
            None => None,
        }
    }

    fn handle_guilds(&mut self, action: &Action) -> Vec<Request> {
        if let Some(input) = &mut self.guild_input {
            match action {
                Action::Input(character) => input.push(*character),
                Action::Backspace => {
                    input.pop();
                }
                Action::Cancel => self.guild_input = None,
                Action::Enter => match input.parse::<GuildId>() {
                    Ok(guild) => {
                        self.guild_input = None;
                        return self.open_guild(guild);
                    }
                    Err(error) => self.notice = Some(Notice::Failed(error.to_string())),
                },
                _ => {}
            }
            return Vec::new();
        }
        if let Some(delta) = movement(action) {
            self.guild_selected = step(self.guild_selected, delta, self.known_guilds().len());
            return Vec::new();
        }
        match action {
            Action::Enter => match self.known_guilds().get(self.guild_selected) {
                Some(guild) => {
                    let id = guild.id;
                    self.open_guild(id)
                }
                None => Vec::new(),
            },
            Action::Edit | Action::Filter => {
                self.guild_input = Some(String::new());
                self.notice = None;
                Vec::new()
            }
            Action::Cancel => match self.guild {
                Some(_) => {
                    self.mode = Mode::Browse;
                    Vec::new()
                }
                None => Vec::new(),
            },
            Action::Refresh => vec![Request::Guilds],
            _ => Vec::new(),
        }
    }

    fn handle_browse(&mut self, guild: GuildId, action: &Action) -> Vec<Request> {
        if let Some(input) = &mut self.edit {
            match action {
                Action::Input(character) => input.push(*character),
                Action::Backspace => {
                    input.pop();
                }
                Action::Cancel => {
                    self.edit = None;
                    self.notice = None;
                }
                Action::Enter => {
                    if let Some(row) = self.rows.get(self.selected) {
                        return vec![Request::SetKey {
                            guild,
                            key: row.key(),
                            value: input.clone(),
                        }];
                    }
                }
                _ => {}
            }
            return Vec::new();
        }
        if let Some(delta) = movement(action) {
            self.selected = step(self.selected, delta, self.rows.len());
            return Vec::new();
        }
        match action {
            Action::Enter | Action::Edit if !self.rows.is_empty() => {
                self.edit = Some(String::new());
                self.notice = None;
                Vec::new()
            }
            Action::History => match self.rows.get(self.selected) {
                Some(row) => {
                    self.mode = Mode::History;
                    self.history_section = row.section;
                    self.history = None;
                    self.history_selected = 0;
                    self.notice = None;
                    vec![Request::History {
                        guild,
                        section: Some(row.section),
                    }]
                }
                None => Vec::new(),
            },
            Action::Cancel | Action::PickGuild => {
                self.mode = Mode::Guilds;
                vec![Request::Guilds]
            }
            Action::Refresh => vec![Request::Settings(guild)],
            _ => Vec::new(),
        }
    }

    fn handle_history(&mut self, guild: GuildId, action: &Action) -> Vec<Request> {
        if let Some(delta) = movement(action) {
            self.history_selected = step(self.history_selected, delta, self.history_rows());
            return Vec::new();
        }
        match action {
            Action::Enter => {
                let Some(version) = self.history_version() else {
                    return Vec::new();
                };
                let section = self.history_section;
                if version == self.current_version(section) {
                    self.notice = Some(Notice::Done(format!(
                        "{section} is at version {version} already; pick an earlier one"
                    )));
                    return Vec::new();
                }
                let what = if version == 0 {
                    "the defaults".to_owned()
                } else {
                    format!("version {version}")
                };
                self.confirm = Some(Confirm {
                    question: format!("Roll {section} of guild {guild} back to {what}?"),
                    then: Request::Rollback {
                        guild,
                        section,
                        version,
                    },
                });
                Vec::new()
            }
            Action::Cancel | Action::History => {
                self.mode = Mode::Browse;
                Vec::new()
            }
            Action::Refresh => vec![Request::History {
                guild,
                section: Some(self.history_section),
            }],
            _ => Vec::new(),
        }
    }

    fn render_guilds(&self, frame: &mut Frame<'_>, area: Rect) {
        let [list_area, input_area] =
            Layout::vertical([Constraint::Min(3), Constraint::Length(3)]).areas(area);
        let block = Block::bordered().title(" Settings: pick a guild ");
        match &self.guilds {
            None => frame.render_widget(Paragraph::new("loading guilds…").block(block), list_area),
            Some(Err(reason)) => frame.render_widget(
                Paragraph::new(format!("cannot list guilds: {reason}"))
                    .style(Style::new().fg(Color::Red))
                    .wrap(Wrap { trim: true })
                    .block(block),
                list_area,
            ),
            Some(Ok(guilds)) if guilds.is_empty() => frame.render_widget(
                Paragraph::new("no known guilds yet; press e to type a guild id").block(block),
                list_area,
            ),
            Some(Ok(guilds)) => {
                let header = Row::new(["NAME", "ID"]).style(header_style());
                let rows = guilds
                    .iter()
                    .map(|guild| Row::new([guild.name.clone(), guild.id.to_string()]));
                let mut state = TableState::default().with_selected(Some(self.guild_selected));
                frame.render_stateful_widget(
                    Table::new(rows, [Constraint::Min(20), Constraint::Length(22)])
                        .header(header)
                        .row_highlight_style(selected_style())
                        .highlight_symbol("> ")
                        .block(block),
                    list_area,
                    &mut state,
                );
            }
        }
        let mut lines = Vec::new();
        if let Some(input) = &self.guild_input {
            lines.push(input_line("guild id", input));
        } else {
            lines.push(Line::styled(
                "Enter opens the selected guild · e types a guild id",
                Style::new().fg(Color::DarkGray),
            ));
        }
        if let Some(notice) = &self.notice {
            lines.push(notice.line());
        }
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), input_area);
    }

    fn render_browse(&self, frame: &mut Frame<'_>, area: Rect, guild: GuildId) {
        let [table_area, bottom] =
            Layout::vertical([Constraint::Min(3), Constraint::Length(3)]).areas(area);
        let name = self
            .known_guilds()
            .iter()
            .find(|record| record.id == guild)
            .map_or_else(String::new, |record| format!("{} ", record.name));
        let block = Block::bordered().title(format!(" Settings of {name}({guild}) "));
        match &self.settings {
            None => {
                frame.render_widget(Paragraph::new("loading settings…").block(block), table_area)
            }
            Some(Err(reason)) => frame.render_widget(
                Paragraph::new(format!("cannot read settings: {reason}"))
                    .style(Style::new().fg(Color::Red))
                    .wrap(Wrap { trim: true })
                    .block(block),
                table_area,
            ),
            Some(Ok(_)) => {
                let header = Row::new(["KEY", "VALUE", "SECTION VERSION"]).style(header_style());
                let rows = self.rows.iter().map(|row| {
                    let version = if row.version == 0 {
                        "0 (defaults)".to_owned()
                    } else {
                        row.version.to_string()
                    };
                    Row::new([row.key(), row.value.clone(), version])
                });
                let mut state = TableState::default().with_selected(Some(self.selected));
                frame.render_stateful_widget(
                    Table::new(
                        rows,
                        [
                            Constraint::Length(28),
                            Constraint::Min(20),
                            Constraint::Length(15),
                        ],
                    )
                    .header(header)
                    .row_highlight_style(selected_style())
                    .highlight_symbol("> ")
                    .block(block),
                    table_area,
                    &mut state,
                );
            }
        }
        let mut lines = Vec::new();
        match (&self.edit, self.rows.get(self.selected)) {
            (Some(input), Some(row)) => lines.push(input_line(&row.key(), input)),
            (None, Some(row)) => {
                let description = sections::section(row.section)
                    .map(|ops| ops.description())
                    .unwrap_or_default();
                lines.push(Line::styled(
                    format!("{}: {description}", row.section),
                    Style::new().fg(Color::DarkGray),
                ));
            }
            _ => {}
        }
        if let Some(notice) = &self.notice {
            lines.push(notice.line());
        }
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), bottom);
    }

    fn render_history(&self, frame: &mut Frame<'_>, area: Rect, guild: GuildId) {
        let [table_area, bottom] =
            Layout::vertical([Constraint::Min(3), Constraint::Length(3)]).areas(area);
        let section = self.history_section;
        let block = Block::bordered().title(format!(
            " History of {section} in {guild} (now version {}) ",
            self.current_version(section)
        ));
        match &self.history {
            None => {
                frame.render_widget(Paragraph::new("loading history…").block(block), table_area)
            }
            Some(Err(reason)) => frame.render_widget(
                Paragraph::new(format!("cannot read the history: {reason}"))
                    .style(Style::new().fg(Color::Red))
                    .wrap(Wrap { trim: true })
                    .block(block),
                table_area,
            ),
            Some(Ok(entries)) => {
                let header = Row::new(["VER", "WHEN (UTC)", "WHO", "CHANGE"]).style(header_style());
                let mut rows: Vec<Row<'_>> = entries
                    .iter()
                    .map(|entry| {
                        let mut change = diff(&entry.old_value, &entry.new_value);
                        if let Some(note) = &entry.note {
                            change.push_str(&format!(" ({note})"));
                        }
                        Row::new([
                            entry.version.to_string(),
                            date_time(entry.changed_at),
                            entry.actor.clone(),
                            change,
                        ])
                    })
                    .collect();
                rows.push(Row::new(vec![
                    Span::raw("0"),
                    Span::raw(""),
                    Span::raw(""),
                    Span::styled("the defaults", Style::new().add_modifier(Modifier::ITALIC)),
                ]));
                let mut state = TableState::default().with_selected(Some(self.history_selected));
                frame.render_stateful_widget(
                    Table::new(
                        rows,
                        [
                            Constraint::Length(3),
                            Constraint::Length(16),
                            Constraint::Length(16),
                            Constraint::Min(20),
                        ],
                    )
                    .header(header)
                    .row_highlight_style(selected_style())
                    .highlight_symbol("> ")
                    .block(block),
                    table_area,
                    &mut state,
                );
            }
        }
        let mut lines = Vec::new();
        if let Some(Ok(entries)) = &self.history
            && let Some(entry) = entries.get(self.history_selected)
        {
            let note = entry
                .note
                .as_ref()
                .map(|note| format!(" ({note})"))
                .unwrap_or_default();
            lines.push(Line::from(format!(
                "version {} by {}: {}{note}",
                entry.version,
                entry.actor,
                diff(&entry.old_value, &entry.new_value)
            )));
        }
        lines.push(match &self.notice {
            Some(notice) => notice.line(),
            None => Line::styled(
                "Enter rolls the section back to the selected version · Esc back",
                Style::new().fg(Color::DarkGray),
            ),
        });
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), bottom);
    }
}

fn input_line(label: &str, input: &str) -> Line<'static> {
    Line::from(vec![
        Span::styled(
            format!("{label} = "),
            Style::new().add_modifier(Modifier::BOLD),
        ),
        Span::raw(input.to_owned()),
        Span::styled("█", Style::new().fg(Color::Gray)),
    ])
}

impl Component for Settings {
    fn render(&self, frame: &mut Frame<'_>, area: Rect, _view: &View) {
        match (self.mode, self.guild) {
            (Mode::Browse, Some(guild)) => self.render_browse(frame, area, guild),
            (Mode::History, Some(guild)) => self.render_history(frame, area, guild),
            _ => self.render_guilds(frame, area),
        }
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
        match (self.mode, self.guild) {
            (Mode::Browse, Some(guild)) => self.handle_browse(guild, action),
            (Mode::History, Some(guild)) => self.handle_history(guild, action),
            _ => self.handle_guilds(action),
        }
    }

    fn loaded(&mut self, loaded: &Loaded) -> Vec<Request> {
        match loaded {
            Loaded::Guilds(result) => {
                self.guilds = Some(result.clone());
                self.guild_selected = step(self.guild_selected, 0, self.known_guilds().len());
            }
            Loaded::Settings { guild, result } if Some(*guild) == self.guild => {
                if let Ok(settings) = result {
                    self.rows = rows_of(settings);
                    self.selected = step(self.selected, 0, self.rows.len());
                }
                self.settings = Some(result.clone());
            }
            Loaded::Saved { guild, key, result } if Some(*guild) == self.guild => match result {
                Ok(Some(change)) => {
                    self.edit = None;
                    self.notice = Some(Notice::Done(format!(
                        "saved {}.{} (version {})",
                        change.section,
                        diff(&change.old_value, &change.new_value),
                        change.version
                    )));
                    return vec![Request::Settings(*guild)];
                }
                Ok(None) => {
                    self.edit = None;
                    let value = self
                        .rows
                        .iter()
                        .find(|row| row.key() == *key)
                        .map(|row| row.value.clone())
                        .unwrap_or_default();
                    self.notice = Some(Notice::Done(format!(
                        "{key} is already {value}; nothing changed"
                    )));
                }
                // The input stays open with what was typed, so it can be corrected.
                Err(reason) => self.notice = Some(Notice::Failed(reason.clone())),
            },
            Loaded::History { guild, result } if Some(*guild) == self.guild => {
                self.history = Some(result.clone());
                self.history_selected = step(self.history_selected, 0, self.history_rows());
            }
            Loaded::RolledBack {
                guild,
                target,
                result,
            } if Some(*guild) == self.guild => {
                let section = self.history_section;
                self.history_selected = 0;
                self.notice = Some(match result {
                    Ok(change) => Notice::Done(format!(
                        "{section} rolled back to version {target}, now version {}: {}",
                        change.version,
                        diff(&change.old_value, &change.new_value)
                    )),
                    Err(reason) => Notice::Failed(reason.clone()),
                });
                return vec![
                    Request::Settings(*guild),
                    Request::History {
                        guild: *guild,
                        section: Some(section),
                    },
                ];
            }
            _ => {}
        }
        Vec::new()
    }

    fn on_focus(&mut self) -> Vec<Request> {
        let mut requests = vec![Request::Guilds];
        if let Some(guild) = self.guild {
            requests.push(Request::Settings(guild));
        }
        requests
    }

    fn on_tick(&mut self, tick: u64) -> Vec<Request> {
        match (self.mode, self.guild) {
            // Picks up changes made elsewhere (the CLI, the dashboard) while browsing.
            (Mode::Browse, Some(guild)) if tick.is_multiple_of(5) && self.edit.is_none() => {
                vec![Request::Settings(guild)]
            }
            _ => Vec::new(),
        }
    }

    fn input_mode(&self) -> InputMode {
        if self.confirm.is_some() {
            InputMode::Confirm
        } else if self.edit.is_some() || self.guild_input.is_some() {
            InputMode::Text
        } else {
            InputMode::Normal
        }
    }

    fn keys(&self) -> Vec<KeyHelp> {
        match self.mode {
            Mode::Guilds => vec![
                key("Enter", "open guild"),
                key("e", "type a guild id"),
                key("↑/↓", "select"),
            ],
            Mode::Browse => vec![
                key("e, Enter", "edit key"),
                key("h", "history"),
                key("g, Esc", "other guild"),
                key("↑/↓", "select"),
            ],
            Mode::History => vec![
                key("Enter", "roll back to version"),
                key("Esc, h", "back to keys"),
                key("↑/↓", "select"),
            ],
        }
    }
}
