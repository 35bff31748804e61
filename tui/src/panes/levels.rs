//! Levels: the top members of one guild (rank, member, level, XP, progress to the next
//! level), with the selected member's details. `g` moves to the next known guild.

use std::time::Duration;

use guildhall_core::guilds::GuildRecord;
use guildhall_core::ids::GuildId;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Style};
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph, Row, Table, TableState, Wrap};

use super::{
    Component, KeyHelp, PaneId, View, header_style, key, movement, selected_style, short_duration,
    step,
};
use crate::action::Action;
use crate::event::{LevelRow, LevelsView, Loaded, Request};

/// The levels pane.
#[derive(Debug, Default)]
pub struct Levels {
    guilds: Vec<GuildRecord>,
    guild: Option<GuildId>,
    levels: Option<Result<LevelsView, String>>,
    selected: usize,
}

/// Progress toward the next level in percent (100 at the highest level).
fn percent(row: &LevelRow) -> u64 {
    let progress = row.progress;
    if progress.xp_needed <= 0 {
        return 100;
    }
    let into = u64::try_from(progress.xp_into_level).unwrap_or(0);
    let needed = u64::try_from(progress.xp_needed).unwrap_or(1);
    (into.saturating_mul(100) / needed).min(100)
}

/// A ten-cell bar of `percent`.
fn bar(percent: u64) -> String {
    let full = usize::try_from(percent / 10).unwrap_or(10).min(10);
    format!("{}{}", "█".repeat(full), "░".repeat(10 - full))
}

impl Levels {
    fn rows(&self) -> &[LevelRow] {
        match &self.levels {
            Some(Ok(view)) => &view.members,
            _ => &[],
        }
    }

    fn request(&self) -> Vec<Request> {
        self.guild.map(Request::Levels).into_iter().collect()
    }

    fn render_details(&self, frame: &mut Frame<'_>, area: Rect) {
        let Some(row) = self.rows().get(self.selected) else {
            frame.render_widget(Block::bordered().title(" Member "), area);
            return;
        };
        let progress = row.progress;
        let next = if progress.xp_needed <= 0 {
            "highest level".to_owned()
        } else {
            format!(
                "{} / {} XP to level {} ({}%)",
                progress.xp_into_level,
                progress.xp_needed,
                progress.level.saturating_add(1),
                percent(row)
            )
        };
        let voice = Duration::from_secs(u64::try_from(row.voice_seconds).unwrap_or(0));
        let lines = vec![
            Line::from(format!(
                "#{} · member {} · level {} · {} XP",
                row.rank, row.user, progress.level, row.xp
            )),
            Line::from(next),
            Line::from(format!(
                "{} messages earned XP · {} in voice",
                row.messages,
                short_duration(voice)
            )),
        ];
        frame.render_widget(
            Paragraph::new(lines)
                .wrap(Wrap { trim: true })
                .block(Block::bordered().title(" Member ")),
            area,
        );
    }
}

impl Component for Levels {
    fn id(&self) -> PaneId {
        PaneId::Levels
    }

    fn render(&self, frame: &mut Frame<'_>, area: Rect, _view: &View) {
        let [list_area, details_area] =
            Layout::vertical([Constraint::Min(6), Constraint::Length(5)]).areas(area);
        let name = self.guild.map_or_else(
            || "no guild".to_owned(),
            |id| {
                self.guilds
                    .iter()
                    .find(|guild| guild.id == id)
                    .map_or_else(|| id.to_string(), |guild| guild.name.clone())
            },
        );
        let count = match &self.levels {
            Some(Ok(view)) => format!(" · {} with XP", view.total),
            _ => String::new(),
        };
        let block = Block::bordered().title(format!(" Levels · {name}{count} "));
        match &self.levels {
            _ if self.guild.is_none() => frame.render_widget(
                Paragraph::new("no known guilds yet").block(block),
                list_area,
            ),
            None => frame.render_widget(Paragraph::new("loading levels…").block(block), list_area),
            Some(Err(reason)) => frame.render_widget(
                Paragraph::new(format!("cannot read levels: {reason}"))
                    .style(Style::new().fg(Color::Red))
                    .wrap(Wrap { trim: true })
                    .block(block),
                list_area,
            ),
            Some(Ok(view)) if view.members.is_empty() => frame.render_widget(
                Paragraph::new("nobody has earned XP here yet").block(block),
                list_area,
            ),
            Some(Ok(view)) => {
                let header =
                    Row::new(["#", "MEMBER", "LEVEL", "XP", "NEXT LEVEL"]).style(header_style());
                let rows = view.members.iter().map(|row| {
                    let share = percent(row);
                    Row::new([
                        row.rank.to_string(),
                        row.user.to_string(),
                        row.progress.level.to_string(),
                        row.xp.to_string(),
                        format!("{} {share:>3}%", bar(share)),
                    ])
                });
                let widths = [
                    Constraint::Length(5),
                    Constraint::Length(19),
                    Constraint::Length(5),
                    Constraint::Length(12),
                    Constraint::Min(15),
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
    }

    fn handle(&mut self, action: &Action) -> Vec<Request> {
        if let Some(delta) = movement(action) {
            self.selected = step(self.selected, delta, self.rows().len());
            return Vec::new();
        }
        match action {
            Action::PickGuild => {
                self.guild = super::next_guild(&self.guilds, self.guild);
                self.levels = None;
                self.selected = 0;
                self.request()
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
            Loaded::Levels { guild, result } if Some(*guild) == self.guild => {
                self.levels = Some(result.clone());
                self.selected = step(self.selected, 0, self.rows().len());
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
        if tick.is_multiple_of(5) {
            self.request()
        } else {
            Vec::new()
        }
    }

    fn keys(&self) -> Vec<KeyHelp> {
        vec![key("↑/↓", "select"), key("g", "next guild")]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_fill_by_tens() {
        assert_eq!(bar(0), "░░░░░░░░░░");
        assert_eq!(bar(47), "████░░░░░░");
        assert_eq!(bar(100), "██████████");
    }
}
