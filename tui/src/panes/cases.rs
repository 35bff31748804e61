//! Cases: one guild's moderation cases, newest first, filtered by kind (`f`) and searched by
//! reason text (`e`), with the selected case's details. `g` moves to the next known guild.

use guildhall_core::guilds::GuildRecord;
use guildhall_core::ids::GuildId;
use guildhall_core::moderation::{Case, CaseActor, CaseKind};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Style};
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph, Row, Table, TableState, Wrap};

use super::{
    Component, KeyHelp, PaneId, View, date_time, fit, header_style, key, movement, selected_style,
    short_duration, step,
};
use crate::action::{Action, InputMode};
use crate::event::{Loaded, Request};

/// The cases pane.
#[derive(Debug, Default)]
pub struct Cases {
    guilds: Vec<GuildRecord>,
    guild: Option<GuildId>,
    kind: Option<CaseKind>,
    text: String,
    input: Option<String>,
    cases: Option<Result<Vec<Case>, String>>,
    selected: usize,
}

fn actor(actor: &CaseActor) -> String {
    match actor {
        CaseActor::Moderator(user) => user.to_string(),
        CaseActor::Automated(name) => name.clone(),
    }
}

impl Cases {
    fn list(&self) -> &[Case] {
        match &self.cases {
            Some(Ok(cases)) => cases,
            _ => &[],
        }
    }

    fn request(&self) -> Vec<Request> {
        self.guild
            .map(|guild| {
                vec![Request::Cases {
                    guild,
                    kind: self.kind,
                    text: self.text.clone(),
                }]
            })
            .unwrap_or_default()
    }

    fn reload(&mut self) -> Vec<Request> {
        self.cases = None;
        self.selected = 0;
        self.request()
    }

    fn render_details(&self, frame: &mut Frame<'_>, area: Rect) {
        let Some(case) = self.list().get(self.selected) else {
            frame.render_widget(Block::bordered().title(" Case "), area);
            return;
        };
        let block =
            Block::bordered().title(format!(" Case {} · {} ", case.number, case.kind.title()));
        let mut lines = vec![
            Line::from(format!(
                "member {} · by {} · {}",
                case.target,
                actor(&case.actor),
                date_time(case.created_at)
            )),
            Line::from(format!("reason: {}", case.reason)),
        ];
        if let Some(why) = &case.failed_reason {
            lines.push(Line::from(format!("not carried out: {why}")));
        }
        if let Some(duration) = case.duration {
            lines.push(Line::from(format!(
                "duration: {}",
                short_duration(duration)
            )));
        }
        if let Some(expires) = case.expires_at {
            lines.push(Line::from(format!("ends: {}", date_time(expires))));
        }
        if let Some(by) = case.reason_edited_by {
            lines.push(Line::from(format!("reason edited by {by}")));
        }
        frame.render_widget(
            Paragraph::new(lines).wrap(Wrap { trim: true }).block(block),
            area,
        );
    }
}

impl Component for Cases {
    fn id(&self) -> PaneId {
        PaneId::Cases
    }

    fn render(&self, frame: &mut Frame<'_>, area: Rect, _view: &View) {
        let [list_area, details_area, input_area] = Layout::vertical([
            Constraint::Length(12),
            Constraint::Min(4),
            Constraint::Length(1),
        ])
        .areas(area);
        let name = self.guild.map_or_else(
            || "no guild".to_owned(),
            |id| {
                self.guilds
                    .iter()
                    .find(|guild| guild.id == id)
                    .map_or_else(|| id.to_string(), |guild| guild.name.clone())
            },
        );
        let kind = self.kind.map_or("all", CaseKind::as_str);
        let search = if self.text.is_empty() {
            String::new()
        } else {
            format!(" · \"{}\"", self.text)
        };
        let block = Block::bordered().title(format!(" Cases · {name} · kind: {kind}{search} "));
        match &self.cases {
            _ if self.guild.is_none() => frame.render_widget(
                Paragraph::new("no known guilds yet").block(block),
                list_area,
            ),
            None => frame.render_widget(Paragraph::new("loading cases…").block(block), list_area),
            Some(Err(reason)) => frame.render_widget(
                Paragraph::new(format!("cannot list cases: {reason}"))
                    .style(Style::new().fg(Color::Red))
                    .wrap(Wrap { trim: true })
                    .block(block),
                list_area,
            ),
            Some(Ok(cases)) if cases.is_empty() => {
                frame.render_widget(Paragraph::new("no case matches").block(block), list_area)
            }
            Some(Ok(cases)) => {
                let header =
                    Row::new(["#", "KIND", "MEMBER", "BY", "REASON"]).style(header_style());
                let rows = cases.iter().map(|case| {
                    Row::new([
                        case.number.to_string(),
                        case.kind.to_string(),
                        case.target.to_string(),
                        fit(&actor(&case.actor), 19),
                        case.reason.clone(),
                    ])
                });
                let widths = [
                    Constraint::Length(4),
                    Constraint::Length(9),
                    Constraint::Length(19),
                    Constraint::Length(19),
                    Constraint::Min(10),
                ];
                let mut state = TableState::default().with_selected(Some(self.selected));
                frame.render_stateful_widget(
                    Table::new(rows, widths)
                        .header(header)
                        .row_highlight_style(selected_style())
                        .highlight_symbol("> ")
                        .block(block),
                    list_area,
                    &mut state,
                );
            }
        }
        self.render_details(frame, details_area);
        if let Some(input) = &self.input {
            frame.render_widget(
                Paragraph::new(format!("search reasons: {input}▏")),
                input_area,
            );
        }
    }

    fn handle(&mut self, action: &Action) -> Vec<Request> {
        if let Some(input) = &mut self.input {
            match action {
                Action::Input(character) => input.push(*character),
                Action::Backspace => {
                    input.pop();
                }
                Action::Enter => {
                    self.text = input.trim().to_owned();
                    self.input = None;
                    return self.reload();
                }
                Action::Cancel => self.input = None,
                _ => {}
            }
            return Vec::new();
        }
        if let Some(delta) = movement(action) {
            self.selected = step(self.selected, delta, self.list().len());
            return Vec::new();
        }
        match action {
            Action::Filter => {
                self.kind = match self.kind {
                    None => Some(CaseKind::ALL[0]),
                    Some(kind) => CaseKind::ALL
                        .iter()
                        .position(|candidate| *candidate == kind)
                        .and_then(|index| CaseKind::ALL.get(index + 1).copied()),
                };
                self.reload()
            }
            Action::Edit => {
                self.input = Some(self.text.clone());
                Vec::new()
            }
            Action::PickGuild => {
                self.guild = super::next_guild(&self.guilds, self.guild);
                self.reload()
            }
            Action::Refresh => self.request(),
            _ => Vec::new(),
        }
    }

    fn loaded(&mut self, loaded: &Loaded) -> Vec<Request> {
        match loaded {
            Loaded::Guilds(Ok(guilds)) => {
                self.guilds = super::present_guilds(guilds);
                if self.guild.is_none() {
                    self.guild = self.guilds.first().map(|guild| guild.id);
                    return self.request();
                }
                Vec::new()
            }
            Loaded::Cases { guild, result } if Some(*guild) == self.guild => {
                self.cases = Some(result.clone());
                self.selected = step(self.selected, 0, self.list().len());
                Vec::new()
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
        if tick.is_multiple_of(5) && self.input.is_none() {
            self.request()
        } else {
            Vec::new()
        }
    }

    fn input_mode(&self) -> InputMode {
        if self.input.is_some() {
            InputMode::Text
        } else {
            InputMode::Normal
        }
    }

    fn keys(&self) -> Vec<KeyHelp> {
        vec![
            key("↑/↓", "select"),
            key("f", "kind filter"),
            key("e", "search reasons"),
            key("g", "next guild"),
        ]
    }
}
