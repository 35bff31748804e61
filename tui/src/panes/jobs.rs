//! Jobs: the job ledger filtered by state, the selected job's details and attempts, and cancel
//! or retry after a confirmation. Reloaded every two seconds while shown.

use guildhall_core::jobs::{JobId, JobRecord, JobRun, JobState};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Row, Table, TableState, Wrap};

use super::{
    Component, Confirm, KeyHelp, Notice, View, fit, header_style, key, movement, relative,
    render_confirm, selected_style, step,
};
use crate::action::{Action, InputMode};
use crate::event::{Loaded, Request};

/// The jobs pane.
#[derive(Debug, Default)]
pub struct Jobs {
    filter: Option<JobState>,
    jobs: Option<Result<Vec<JobRecord>, String>>,
    selected: usize,
    runs: Option<(JobId, Result<Vec<JobRun>, String>)>,
    confirm: Option<Confirm>,
    notice: Option<Notice>,
}

fn state_style(state: JobState) -> Style {
    match state {
        JobState::Pending => Style::new().fg(Color::Yellow),
        JobState::Running => Style::new().fg(Color::Cyan),
        JobState::Done => Style::new().fg(Color::Green),
        JobState::Dead => Style::new().fg(Color::Red),
        JobState::Cancelled => Style::new().fg(Color::DarkGray),
    }
}

impl Jobs {
    fn list(&self) -> &[JobRecord] {
        match &self.jobs {
            Some(Ok(jobs)) => jobs,
            _ => &[],
        }
    }

    fn selected_job(&self) -> Option<&JobRecord> {
        self.list().get(self.selected)
    }

    fn runs_of_selected(&self) -> Vec<Request> {
        self.selected_job()
            .map(|job| vec![Request::JobRuns(job.id)])
            .unwrap_or_default()
    }

    fn render_list(&self, frame: &mut Frame<'_>, area: Rect, view: &View) {
        let filter = self.filter.map_or("all", JobState::as_str);
        let block = Block::bordered().title(format!(" Jobs · state: {filter} "));
        match &self.jobs {
            None => frame.render_widget(Paragraph::new("loading jobs…").block(block), area),
            Some(Err(reason)) => frame.render_widget(
                Paragraph::new(format!("cannot list jobs: {reason}"))
                    .style(Style::new().fg(Color::Red))
                    .wrap(Wrap { trim: true })
                    .block(block),
                area,
            ),
            Some(Ok(jobs)) if jobs.is_empty() => frame.render_widget(
                Paragraph::new(match self.filter {
                    Some(state) => format!("no {state} jobs; s shows another state"),
                    None => "no jobs in the ledger".to_owned(),
                })
                .block(block),
                area,
            ),
            Some(Ok(jobs)) => {
                let header = Row::new(["ID", "KIND", "GUILD", "STATE", "DUE", "TRIES"])
                    .style(header_style());
                let rows = jobs.iter().map(|job| {
                    Row::new(vec![
                        Span::raw(job.id.to_string()),
                        Span::raw(job.kind.clone()),
                        Span::raw(job.guild.map_or_else(|| "-".to_owned(), |g| g.to_string())),
                        Span::styled(job.state.as_str(), state_style(job.state)),
                        Span::raw(relative(job.due_at, view.now)),
                        Span::raw(format!("{}/{}", job.attempts, job.max_attempts)),
                    ])
                });
                let widths = [
                    Constraint::Length(5),
                    Constraint::Min(16),
                    Constraint::Length(19),
                    Constraint::Length(9),
                    Constraint::Length(11),
                    Constraint::Length(5),
                ];
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
        let Some(job) = self.selected_job() else {
            frame.render_widget(Block::bordered().title(" Details "), area);
            return;
        };
        let block = Block::bordered().title(format!(" Job {} · {} ", job.id, job.kind));
        let inner = block.inner(area);
        frame.render_widget(block, area);
        let width = usize::from(inner.width);
        let mut lines = vec![
            Line::from(vec![
                Span::styled(job.state.as_str(), state_style(job.state)),
                Span::raw(format!(
                    " · due {} ({}) · attempts {}/{}",
                    relative(job.due_at, view.now),
                    super::date_time(job.due_at),
                    job.attempts,
                    job.max_attempts
                )),
            ]),
            Line::from(fit(&format!("payload: {}", job.payload), width)),
        ];
        if let Some(error) = &job.last_error {
            lines.push(Line::styled(
                fit(&format!("last error: {error}"), width),
                Style::new().fg(Color::Red),
            ));
        }
        let used = u16::try_from(lines.len()).unwrap_or(3);
        let [facts, runs_area] =
            Layout::vertical([Constraint::Length(used), Constraint::Min(0)]).areas(inner);
        frame.render_widget(Paragraph::new(lines), facts);
        match &self.runs {
            Some((id, Ok(runs))) if *id == job.id && !runs.is_empty() => {
                let header =
                    Row::new(["TRY", "WORKER", "STARTED (UTC)", "LATE", "OUTCOME", "ERROR"])
                        .style(header_style());
                let rows = runs.iter().map(|run| {
                    Row::new([
                        run.attempt.to_string(),
                        run.worker.clone(),
                        super::date_time(run.started_at),
                        format!("{} ms", run.lateness_ms),
                        run.outcome.clone().unwrap_or_else(|| {
                            if run.finished_at.is_none() {
                                "unfinished".into()
                            } else {
                                "-".into()
                            }
                        }),
                        run.error.clone().unwrap_or_default(),
                    ])
                });
                let widths = [
                    Constraint::Length(3),
                    Constraint::Length(12),
                    Constraint::Length(16),
                    Constraint::Length(8),
                    Constraint::Length(11),
                    Constraint::Min(10),
                ];
                frame.render_widget(Table::new(rows, widths).header(header), runs_area);
            }
            Some((id, Err(reason))) if *id == job.id => frame.render_widget(
                Paragraph::new(format!("cannot read attempts: {reason}"))
                    .style(Style::new().fg(Color::Red)),
                runs_area,
            ),
            Some((id, Ok(_))) if *id == job.id => {
                frame.render_widget(Paragraph::new("no attempts yet"), runs_area);
            }
            _ => frame.render_widget(Paragraph::new("loading attempts…"), runs_area),
        }
    }
}

impl Component for Jobs {
    fn render(&self, frame: &mut Frame<'_>, area: Rect, view: &View) {
        let [list_area, details_area, notice_area] = Layout::vertical([
            Constraint::Length(11),
            Constraint::Min(5),
            Constraint::Length(1),
        ])
        .areas(area);
        self.render_list(frame, list_area, view);
        self.render_details(frame, details_area, view);
        if let Some(notice) = &self.notice {
            frame.render_widget(Paragraph::new(notice.line()), notice_area);
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
        if let Some(delta) = movement(action) {
            let before = self.selected;
            self.selected = step(self.selected, delta, self.list().len());
            return if before == self.selected {
                Vec::new()
            } else {
                self.runs_of_selected()
            };
        }
        match action {
            Action::Filter => {
                self.filter = match self.filter {
                    None => Some(JobState::ALL[0]),
                    Some(state) => JobState::ALL
                        .iter()
                        .position(|candidate| *candidate == state)
                        .and_then(|index| JobState::ALL.get(index + 1).copied()),
                };
                self.selected = 0;
                self.jobs = None;
                self.notice = None;
                vec![Request::Jobs(self.filter)]
            }
            Action::CancelJob | Action::Retry => {
                let Some(job) = self.selected_job() else {
                    return Vec::new();
                };
                let (verb, then) = if *action == Action::CancelJob {
                    ("Cancel", Request::CancelJob(job.id))
                } else {
                    ("Retry", Request::RetryJob(job.id))
                };
                self.confirm = Some(Confirm {
                    question: format!("{verb} job {} ({}, {})?", job.id, job.kind, job.state),
                    then,
                });
                Vec::new()
            }
            Action::Refresh => vec![Request::Jobs(self.filter)],
            _ => Vec::new(),
        }
    }

    fn loaded(&mut self, loaded: &Loaded) -> Vec<Request> {
        match loaded {
            Loaded::Jobs(result) => {
                // Keeps the same job selected when the list moves under it.
                let kept = self.selected_job().map(|job| job.id);
                self.jobs = Some(result.clone());
                let position = kept.and_then(|id| self.list().iter().position(|job| job.id == id));
                self.selected =
                    position.unwrap_or_else(|| step(self.selected, 0, self.list().len()));
                self.runs_of_selected()
            }
            Loaded::JobRuns { id, result } => {
                self.runs = Some((*id, result.clone()));
                Vec::new()
            }
            Loaded::JobChanged { verb, result } => {
                self.notice = Some(match result {
                    Ok(job) => Notice::Done(format!(
                        "job {} ({}) {verb}; now {}",
                        job.id, job.kind, job.state
                    )),
                    Err(reason) => Notice::Failed(reason.clone()),
                });
                vec![Request::Jobs(self.filter)]
            }
            _ => Vec::new(),
        }
    }

    fn on_focus(&mut self) -> Vec<Request> {
        vec![Request::Jobs(self.filter)]
    }

    fn on_tick(&mut self, tick: u64) -> Vec<Request> {
        if tick.is_multiple_of(2) && self.confirm.is_none() {
            vec![Request::Jobs(self.filter)]
        } else {
            Vec::new()
        }
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
            key("↑/↓", "select"),
            key("s, f", "state filter"),
            key("c", "cancel job"),
            key("r", "retry job"),
        ]
    }
}
