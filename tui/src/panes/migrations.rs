//! Migrations: the database backend, each embedded migration's state, and applying the pending
//! ones after a confirmation.

use guildhall_core::db::{Backend, MigrationState, MigrationStatus, embedded_migrations};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Row, Table, Wrap};

use super::{
    Component, Confirm, KeyHelp, Notice, View, header_style, key, movement, render_confirm, step,
};
use crate::action::{Action, InputMode};
use crate::event::{Loaded, MigrationsView, Request};

/// The migrations pane.
#[derive(Debug, Default)]
pub struct Migrations {
    view: Option<Result<MigrationsView, String>>,
    offset: usize,
    confirm: Option<Confirm>,
    notice: Option<Notice>,
}

fn count(status: &[MigrationStatus], state: MigrationState) -> usize {
    status
        .iter()
        .filter(|migration| migration.state == state)
        .count()
}

/// The other backend's embedded set, e.g. `postgres set (same schema): versions 1, 2, 3`.
fn other_set(backend: &str) -> String {
    let other = if backend == "sqlite" {
        Backend::Postgres
    } else {
        Backend::Sqlite
    };
    let versions: Vec<String> = embedded_migrations(other)
        .into_iter()
        .map(|(version, _)| version.to_string())
        .collect();
    format!(
        "{} set (same schema): versions {}",
        other.name(),
        versions.join(", ")
    )
}

impl Component for Migrations {
    fn render(&self, frame: &mut Frame<'_>, area: Rect, _view: &View) {
        let [summary_area, table_area, notice_area] = Layout::vertical([
            Constraint::Length(4),
            Constraint::Min(3),
            Constraint::Length(2),
        ])
        .areas(area);
        let block = Block::bordered().title(" Database ");
        match &self.view {
            None => frame.render_widget(
                Paragraph::new("reading migration state…").block(block),
                summary_area,
            ),
            Some(Err(reason)) => frame.render_widget(
                Paragraph::new(format!("cannot read the migration state: {reason}"))
                    .style(Style::new().fg(Color::Red))
                    .wrap(Wrap { trim: true })
                    .block(block),
                area,
            ),
            Some(Ok(view)) => {
                let lines = vec![
                    Line::from(format!(
                        "{} database · {} embedded migrations: {} applied, {} pending, {} MODIFIED",
                        view.backend,
                        view.status.len(),
                        count(&view.status, MigrationState::Applied),
                        count(&view.status, MigrationState::Pending),
                        count(&view.status, MigrationState::Modified),
                    )),
                    Line::styled(other_set(view.backend), Style::new().fg(Color::DarkGray)),
                ];
                frame.render_widget(Paragraph::new(lines).block(block), summary_area);
                let header = Row::new(["VERSION", "DESCRIPTION", "STATE"]).style(header_style());
                let rows = view.status.iter().skip(self.offset).map(|migration| {
                    let state = match migration.state {
                        MigrationState::Applied => {
                            Span::styled("applied", Style::new().fg(Color::Green))
                        }
                        MigrationState::Pending => {
                            Span::styled("pending", Style::new().fg(Color::Yellow))
                        }
                        MigrationState::Modified => Span::styled(
                            "MODIFIED after it was applied",
                            Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
                        ),
                    };
                    Row::new(vec![
                        Span::raw(migration.version.to_string()),
                        Span::raw(migration.description.clone()),
                        state,
                    ])
                });
                let widths = [
                    Constraint::Length(8),
                    Constraint::Min(20),
                    Constraint::Length(29),
                ];
                frame.render_widget(
                    Table::new(rows, widths)
                        .header(header)
                        .block(Block::bordered().title(" Migrations ")),
                    table_area,
                );
                let pending = count(&view.status, MigrationState::Pending);
                let line = match &self.notice {
                    Some(notice) => Some(notice.line()),
                    None if pending > 0 => Some(Line::styled(
                        format!("{pending} pending: press a to apply them"),
                        Style::new().fg(Color::Yellow),
                    )),
                    None => None,
                };
                if let Some(line) = line {
                    frame
                        .render_widget(Paragraph::new(line).wrap(Wrap { trim: true }), notice_area);
                }
            }
        }
        if let Some(confirm) = &self.confirm {
            render_confirm(frame, area, &confirm.question);
        }
    }

    fn handle(&mut self, action: &Action) -> Vec<Request> {
        if let Some(confirm) = self.confirm.take() {
            return match action {
                Action::Confirm => {
                    self.notice = Some(Notice::Done("applying migrations…".into()));
                    vec![confirm.then]
                }
                _ => Vec::new(),
            };
        }
        if let Some(delta) = movement(action) {
            let rows = match &self.view {
                Some(Ok(view)) => view.status.len(),
                _ => 0,
            };
            self.offset = step(self.offset, delta, rows);
            return Vec::new();
        }
        match action {
            Action::Refresh => vec![Request::Migrations],
            Action::Apply | Action::Enter => {
                let Some(Ok(view)) = &self.view else {
                    return Vec::new();
                };
                let pending = count(&view.status, MigrationState::Pending);
                if let Some(modified) = view
                    .status
                    .iter()
                    .find(|migration| migration.state == MigrationState::Modified)
                {
                    self.notice = Some(Notice::Failed(format!(
                        "refused: migration {} ({}) was changed after it was applied; restore it (migrations are append-only)",
                        modified.version, modified.description
                    )));
                } else if pending == 0 {
                    self.notice = Some(Notice::Done(format!(
                        "{}: schema is up to date; nothing to apply",
                        view.backend
                    )));
                } else {
                    self.confirm = Some(Confirm {
                        question: format!(
                            "Apply {pending} pending migration(s) to the {} database?",
                            view.backend
                        ),
                        then: Request::Migrate,
                    });
                }
                Vec::new()
            }
            _ => Vec::new(),
        }
    }

    fn loaded(&mut self, loaded: &Loaded) -> Vec<Request> {
        match loaded {
            Loaded::Migrations(result) => self.view = Some(result.clone()),
            Loaded::Migrated(Ok(report)) => {
                let names: Vec<String> = report
                    .status
                    .iter()
                    .filter(|migration| report.applied.contains(&migration.version))
                    .map(|migration| format!("{} {}", migration.version, migration.description))
                    .collect();
                self.notice = Some(if names.is_empty() {
                    Notice::Done(format!("{}: nothing was pending", report.backend))
                } else {
                    Notice::Done(format!(
                        "{}: applied {} migration(s): {}",
                        report.backend,
                        names.len(),
                        names.join(", ")
                    ))
                });
                return vec![Request::Migrations];
            }
            Loaded::Migrated(Err(reason)) => {
                self.notice = Some(Notice::Failed(format!("migrating failed: {reason}")));
                return vec![Request::Migrations];
            }
            _ => {}
        }
        Vec::new()
    }

    fn on_focus(&mut self) -> Vec<Request> {
        vec![Request::Migrations]
    }

    fn on_tick(&mut self, _tick: u64) -> Vec<Request> {
        Vec::new()
    }

    fn input_mode(&self) -> InputMode {
        if self.confirm.is_some() {
            InputMode::Confirm
        } else {
            InputMode::Normal
        }
    }

    fn keys(&self) -> Vec<KeyHelp> {
        vec![
            key("a", "apply pending"),
            key("↑/↓", "scroll"),
            key("R", "reload"),
        ]
    }
}
