//! Timed roles: one guild's timed roles — the running ones, the soonest to end first, with a
//! countdown that moves every second, then the most recently ended — and early removal (`x`,
//! after a confirmation), done as `guildhall roles timed remove` does it: the timer is
//! cancelled and the running bot removes the role. `g` moves to the next known guild.

use guildhall_core::guilds::GuildRecord;
use guildhall_core::ids::{GuildId, RoleId};
use guildhall_core::roles::{Removal, TimedRole, TimedSource};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Row, Table, TableState, Wrap};

use super::{
    Component, Confirm, KeyHelp, Notice, PaneId, View, date_time, fit, header_style, key, movement,
    relative, render_confirm, selected_style, step,
};
use crate::action::{Action, InputMode};
use crate::event::{Loaded, Request, TimedRolesView};

/// The width of everything in a row but the role: member 19, source 7, granted by 19,
/// expires 11, state 8, five spaces between columns, two borders and the highlight symbol.
const FIXED_COLUMNS: usize = 19 + 7 + 19 + 11 + 8 + 5 + 2 + 2;

/// The timed-roles pane.
#[derive(Debug, Default)]
pub struct TimedRoles {
    guilds: Vec<GuildRecord>,
    guild: Option<GuildId>,
    timed: Option<Result<TimedRolesView, String>>,
    selected: usize,
    confirm: Option<Confirm>,
    notice: Option<Notice>,
}

/// A timed role's state: `active`, or how it ended.
fn state(timed: &TimedRole) -> &'static str {
    match (timed.is_active(), timed.removal) {
        (true, _) => "active",
        (false, Some(Removal::Early)) => "removed",
        (false, Some(Removal::Expired)) => "expired",
        (false, Some(Removal::Replaced)) => "replaced",
        (false, None) => "ended",
    }
}

fn state_style(timed: &TimedRole) -> Style {
    match (timed.is_active(), timed.removal) {
        (true, _) => Style::new().fg(Color::Green),
        (false, Some(Removal::Early)) => Style::new().fg(Color::Yellow),
        _ => Style::new().fg(Color::DarkGray),
    }
}

impl TimedRoles {
    fn list(&self) -> &[TimedRole] {
        match &self.timed {
            Some(Ok(view)) => &view.roles,
            _ => &[],
        }
    }

    fn selected_role(&self) -> Option<&TimedRole> {
        self.list().get(self.selected)
    }

    /// The role's name when a role panel gives it, else its id.
    fn role_text(&self, role: RoleId) -> String {
        match &self.timed {
            Some(Ok(view)) => view
                .name(role)
                .map_or_else(|| role.to_string(), str::to_owned),
            _ => role.to_string(),
        }
    }

    fn request(&self) -> Vec<Request> {
        self.guild.map(Request::TimedRoles).into_iter().collect()
    }

    fn render_list(&self, frame: &mut Frame<'_>, area: Rect, view: &View) {
        let name = self.guild.map_or_else(
            || "no guild".to_owned(),
            |id| {
                self.guilds
                    .iter()
                    .find(|guild| guild.id == id)
                    .map_or_else(|| id.to_string(), |guild| guild.name.clone())
            },
        );
        let running = match &self.timed {
            Some(Ok(view)) => format!(
                " · {} running",
                view.roles.iter().filter(|timed| timed.is_active()).count()
            ),
            _ => String::new(),
        };
        let block = Block::bordered().title(format!(" Timed roles · {name}{running} "));
        match &self.timed {
            _ if self.guild.is_none() => {
                frame.render_widget(Paragraph::new("no known guilds yet").block(block), area);
            }
            None => frame.render_widget(Paragraph::new("loading timed roles…").block(block), area),
            Some(Err(reason)) => frame.render_widget(
                Paragraph::new(format!("cannot list timed roles: {reason}"))
                    .style(Style::new().fg(Color::Red))
                    .wrap(Wrap { trim: true })
                    .block(block),
                area,
            ),
            Some(Ok(timed)) if timed.roles.is_empty() => frame.render_widget(
                Paragraph::new("no timed roles in this guild (/temprole or a timed role panel)")
                    .block(block),
                area,
            ),
            Some(Ok(timed)) => {
                let header =
                    Row::new(["MEMBER", "ROLE", "SOURCE", "GRANTED BY", "EXPIRES", "STATE"])
                        .style(header_style());
                // What the fixed columns, the spacing, the borders and the highlight leave.
                let role_width = usize::from(area.width).saturating_sub(FIXED_COLUMNS).max(7);
                let rows = timed.roles.iter().map(|timed| {
                    let countdown = relative(timed.expires_at, view.now);
                    let countdown_style = if !timed.is_active() {
                        Style::new().fg(Color::DarkGray)
                    } else if timed.expires_at <= view.now {
                        // Due, but the bot has not removed it (yet): no bot running, or
                        // Discord refused (the expiry job says why).
                        Style::new().fg(Color::Red)
                    } else {
                        Style::new()
                    };
                    Row::new(vec![
                        Span::raw(timed.user.to_string()),
                        Span::raw(fit(&self.role_text(timed.role), role_width)),
                        Span::raw(timed.source.as_str()),
                        Span::raw(timed.granted_by.to_string()),
                        Span::styled(countdown, countdown_style),
                        Span::styled(state(timed), state_style(timed)),
                    ])
                });
                let widths = [
                    Constraint::Length(19),
                    Constraint::Min(7),
                    Constraint::Length(7),
                    Constraint::Length(19),
                    Constraint::Length(11),
                    Constraint::Length(8),
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
        let Some(timed) = self.selected_role() else {
            frame.render_widget(Block::bordered().title(" Timed role "), area);
            return;
        };
        let block =
            Block::bordered().title(format!(" Timed role {} · {} ", timed.id, state(timed)));
        let width = usize::from(block.inner(area).width);
        let role = match &self.timed {
            Some(Ok(known)) => match known.name(timed.role) {
                Some(name) => format!("role {name} ({})", timed.role),
                None => format!("role {}", timed.role),
            },
            _ => format!("role {}", timed.role),
        };
        let source = match (timed.source, timed.panel) {
            (TimedSource::Panel, Some(panel)) => format!("role panel #{panel}"),
            (TimedSource::Panel, None) => "a role panel".to_owned(),
            (TimedSource::Command, _) => "/temprole".to_owned(),
        };
        let granted_by = if timed.granted_by == timed.user {
            "the member".to_owned()
        } else {
            timed.granted_by.to_string()
        };
        let due = format!(
            "{} UTC ({})",
            date_time(timed.expires_at),
            relative(timed.expires_at, view.now)
        );
        let timing = if timed.is_active() {
            format!(
                "expires {due}{}",
                timed
                    .job
                    .map_or_else(String::new, |job| format!(" · timer: job {job}"))
            )
        } else {
            format!("was due {due}")
        };
        let at = timed
            .removed_at
            .map_or_else(String::new, |at| format!(" {} UTC", date_time(at)));
        let end = match (timed.is_active(), timed.removal) {
            (true, _) => Line::styled(
                "x ends it now: the timer is cancelled and the bot removes the role",
                Style::new().fg(Color::DarkGray),
            ),
            (false, Some(Removal::Early)) => Line::from(match timed.removed_by {
                Some(by) => format!("removed early{at} by {by}"),
                None => format!("removed early{at} by an operator"),
            }),
            (false, Some(Removal::Expired)) => Line::from(format!("expired{at}")),
            (false, Some(Removal::Replaced)) => Line::from(format!("replaced by a new end{at}")),
            (false, None) => Line::from(format!("ended{at}")),
        };
        let lines = vec![
            Line::from(fit(&format!("member {} · {role}", timed.user), width)),
            Line::from(fit(
                &format!(
                    "from {source} · granted by {granted_by} · {} UTC",
                    date_time(timed.created_at)
                ),
                width,
            )),
            Line::from(fit(&timing, width)),
            end,
        ];
        frame.render_widget(Paragraph::new(lines).block(block), area);
    }

    /// Asks before ending the selected timed role; says why not when it has ended already.
    fn ask_removal(&mut self) {
        let Some(guild) = self.guild else {
            return;
        };
        self.notice = None;
        let Some(timed) = self.selected_role() else {
            return;
        };
        if !timed.is_active() {
            self.notice = Some(Notice::Failed(format!(
                "timed role {} is not running ({}); there is nothing to remove",
                timed.id,
                state(timed)
            )));
            return;
        }
        let question = format!(
            "End timed role {} now? The bot removes role {} from member {}.",
            timed.id,
            self.role_text(timed.role),
            timed.user
        );
        let then = Request::RemoveTimedRole {
            guild,
            user: timed.user,
            role: timed.role,
        };
        self.confirm = Some(Confirm { question, then });
    }
}

impl Component for TimedRoles {
    fn id(&self) -> PaneId {
        PaneId::TimedRoles
    }

    fn render(&self, frame: &mut Frame<'_>, area: Rect, view: &View) {
        let [list_area, details_area, notice_area] = Layout::vertical([
            Constraint::Min(6),
            Constraint::Length(6),
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
            self.selected = step(self.selected, delta, self.list().len());
            return Vec::new();
        }
        match action {
            Action::Remove => {
                self.ask_removal();
                Vec::new()
            }
            Action::PickGuild => {
                self.guild = super::next_guild(&self.guilds, self.guild);
                self.timed = None;
                self.selected = 0;
                self.notice = None;
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
            Loaded::TimedRoles { guild, result } if Some(*guild) == self.guild => {
                // Keeps the same timed role selected when the list moves under it.
                let kept = self.selected_role().map(|timed| timed.id);
                self.timed = Some(result.clone());
                let position =
                    kept.and_then(|id| self.list().iter().position(|timed| timed.id == id));
                self.selected =
                    position.unwrap_or_else(|| step(self.selected, 0, self.list().len()));
                Vec::new()
            }
            Loaded::TimedRoleRemoved { guild, result } if Some(*guild) == self.guild => {
                self.notice = Some(match result {
                    Ok(removal) => Notice::Done(format!(
                        "timed role {} ended; the bot removes {} from {} (job {})",
                        removal.timed.id,
                        self.role_text(removal.timed.role),
                        removal.timed.user,
                        removal.job
                    )),
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
        // The countdowns move on every render; the list itself is reloaded every few seconds.
        if tick.is_multiple_of(3) && self.confirm.is_none() {
            self.request()
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
            key("x, Del", "remove early"),
            key("g", "next guild"),
        ]
    }
}
