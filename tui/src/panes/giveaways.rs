//! Giveaways: one guild's giveaways — the running ones, the soonest to end first, with a
//! countdown that moves every second, then the most recent others — the prizes of the selected
//! one with their winners and claims, and the operator's controls, each after a confirmation and
//! done as `guildhall giveaway end|cancel|reroll` does (the core acts for the operator, the
//! running bot draws, the action is audited): `e` ends it now, `x` cancels it, `r` asks which
//! prize to draw again. `g` moves to the next known guild.

use guildhall_core::giveaways::{Giveaway, GiveawayState, Slot, SlotState};
use guildhall_core::guilds::GuildRecord;
use guildhall_core::ids::GuildId;
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
use crate::event::{GiveawayAction, GiveawayRow, Loaded, Request};

/// The width of everything in a row but the prize: id 6, state 9, entrants 9, winners 7,
/// ends 11, five spaces between columns, two borders and the highlight symbol.
const FIXED_COLUMNS: usize = 6 + 9 + 9 + 7 + 11 + 5 + 2 + 2;

/// The giveaways pane.
#[derive(Debug, Default)]
pub struct Giveaways {
    guilds: Vec<GuildRecord>,
    guild: Option<GuildId>,
    giveaways: Option<Result<Vec<GiveawayRow>, String>>,
    selected: usize,
    /// The prize number being typed after `r`.
    input: Option<String>,
    confirm: Option<Confirm>,
    notice: Option<Notice>,
}

fn state_style(state: GiveawayState) -> Style {
    match state {
        GiveawayState::Running => Style::new().fg(Color::Green),
        GiveawayState::Drawing => Style::new().fg(Color::Yellow),
        GiveawayState::Ended => Style::new(),
        GiveawayState::Cancelled => Style::new().fg(Color::DarkGray),
    }
}

/// A slot's claim state in words.
fn claim_text(slot: &Slot, view: &View) -> String {
    match slot.state {
        SlotState::Pending => slot.claim_deadline.map_or_else(
            || "waiting for the claim".to_owned(),
            |deadline| format!("claim {}", relative(deadline, view.now)),
        ),
        SlotState::Claimed => "claimed".to_owned(),
        SlotState::Expired => "claim window passed".to_owned(),
        SlotState::Unclaimed => "unclaimed".to_owned(),
    }
}

impl Giveaways {
    fn list(&self) -> &[GiveawayRow] {
        match &self.giveaways {
            Some(Ok(rows)) => rows,
            _ => &[],
        }
    }

    fn selected_row(&self) -> Option<&GiveawayRow> {
        self.list().get(self.selected)
    }

    fn request(&self) -> Vec<Request> {
        self.guild.map(Request::Giveaways).into_iter().collect()
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
        let running = match &self.giveaways {
            Some(Ok(rows)) => format!(
                " · {} running",
                rows.iter()
                    .filter(|row| row.giveaway.state == GiveawayState::Running)
                    .count()
            ),
            _ => String::new(),
        };
        let block = Block::bordered().title(format!(" Giveaways · {name}{running} "));
        match &self.giveaways {
            _ if self.guild.is_none() => {
                frame.render_widget(Paragraph::new("no known guilds yet").block(block), area);
            }
            None => frame.render_widget(Paragraph::new("loading giveaways…").block(block), area),
            Some(Err(reason)) => frame.render_widget(
                Paragraph::new(format!("cannot list giveaways: {reason}"))
                    .style(Style::new().fg(Color::Red))
                    .wrap(Wrap { trim: true })
                    .block(block),
                area,
            ),
            Some(Ok(rows)) if rows.is_empty() => frame.render_widget(
                Paragraph::new("no giveaways in this guild (/giveaway start or the dashboard)")
                    .block(block),
                area,
            ),
            Some(Ok(rows)) => {
                let header = Row::new(["#", "PRIZE", "STATE", "ENTRANTS", "WINNERS", "ENDS"])
                    .style(header_style());
                let prize_width = usize::from(area.width).saturating_sub(FIXED_COLUMNS).max(7);
                let rows = rows.iter().map(|row| {
                    let giveaway = &row.giveaway;
                    let ends = match giveaway.state {
                        GiveawayState::Running | GiveawayState::Drawing => {
                            relative(giveaway.ends_at, view.now)
                        }
                        _ => relative(giveaway.ended_at.unwrap_or(giveaway.ends_at), view.now),
                    };
                    let ends_style = match giveaway.state {
                        // Due, but not drawn (yet): no bot running, or the draw's job waits.
                        GiveawayState::Running if giveaway.ends_at <= view.now => {
                            Style::new().fg(Color::Red)
                        }
                        GiveawayState::Running => Style::new(),
                        _ => Style::new().fg(Color::DarkGray),
                    };
                    Row::new(vec![
                        Span::raw(giveaway.id.to_string()),
                        Span::raw(fit(&giveaway.prize, prize_width)),
                        Span::styled(giveaway.state.as_str(), state_style(giveaway.state)),
                        Span::raw(giveaway.entrants.to_string()),
                        Span::raw(giveaway.winners.to_string()),
                        Span::styled(ends, ends_style),
                    ])
                });
                let widths = [
                    Constraint::Length(6),
                    Constraint::Min(7),
                    Constraint::Length(9),
                    Constraint::Length(9),
                    Constraint::Length(7),
                    Constraint::Length(11),
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
        let Some(row) = self.selected_row() else {
            frame.render_widget(Block::bordered().title(" Giveaway "), area);
            return;
        };
        let giveaway = &row.giveaway;
        let block =
            Block::bordered().title(format!(" Giveaway {} · {} ", giveaway.id, giveaway.state));
        let width = usize::from(block.inner(area).width);
        let mut lines = vec![Line::from(fit(
            &format!(
                "{} · channel {} · {} winner(s) · {} entrant(s)",
                giveaway.prize, giveaway.channel, giveaway.winners, giveaway.entrants
            ),
            width,
        ))];
        lines.push(Line::from(fit(&timing(giveaway, view), width)));
        if row.slots.is_empty() {
            lines.push(Line::styled(
                match giveaway.state {
                    GiveawayState::Running => {
                        "e ends it now (the bot draws) · x cancels it without a draw"
                    }
                    GiveawayState::Drawing => "the bot is drawing the winners",
                    GiveawayState::Cancelled => "cancelled: nobody was drawn",
                    GiveawayState::Ended => "ended without prizes",
                },
                Style::new().fg(Color::DarkGray),
            ));
        }
        for slot in &row.slots {
            let winner = slot
                .winner
                .map_or_else(|| "nobody eligible".to_owned(), |user| user.to_string());
            let draw = if slot.attempt == 0 {
                "first draw".to_owned()
            } else {
                format!("reroll {}", slot.attempt)
            };
            lines.push(Line::from(fit(
                &format!(
                    "prize {} · {winner} · {draw} · {}",
                    slot.slot,
                    claim_text(slot, view)
                ),
                width,
            )));
        }
        if giveaway.state == GiveawayState::Ended {
            lines.push(Line::styled(
                "r draws a prize again (never a previous winner)",
                Style::new().fg(Color::DarkGray),
            ));
        }
        frame.render_widget(Paragraph::new(lines).block(block), area);
    }

    /// Asks before `action` on the selected giveaway; says why not when its state does not
    /// allow it (the core would refuse it too).
    fn ask(&mut self, action: GiveawayAction) {
        let Some(guild) = self.guild else {
            return;
        };
        self.notice = None;
        let Some(row) = self.selected_row() else {
            return;
        };
        let giveaway = &row.giveaway;
        let (allowed, question) = match action {
            GiveawayAction::End => (
                GiveawayState::Running,
                format!(
                    "End giveaway {} ({}) now? Entries close and the bot draws {} winner(s).",
                    giveaway.id, giveaway.prize, giveaway.winners
                ),
            ),
            GiveawayAction::Cancel => (
                GiveawayState::Running,
                format!(
                    "Cancel giveaway {} ({})? Nobody is drawn.",
                    giveaway.id, giveaway.prize
                ),
            ),
            GiveawayAction::Reroll(slot) => (
                GiveawayState::Ended,
                format!(
                    "Draw prize {slot} of giveaway {} ({}) again? Its winner loses it.",
                    giveaway.id, giveaway.prize
                ),
            ),
        };
        if giveaway.state != allowed {
            self.notice = Some(Notice::Failed(format!(
                "giveaway {} is {}; that needs a giveaway that is {allowed}",
                giveaway.id, giveaway.state
            )));
            return;
        }
        if let GiveawayAction::Reroll(slot) = action
            && !(1..=giveaway.winners).contains(&slot)
        {
            self.notice = Some(Notice::Failed(format!(
                "giveaway {} has no prize {slot}; its prizes are numbered 1 to {}",
                giveaway.id, giveaway.winners
            )));
            return;
        }
        let then = Request::ChangeGiveaway {
            guild,
            giveaway: giveaway.id,
            action,
        };
        self.confirm = Some(Confirm { question, then });
    }

    /// Opens the prize prompt of `r` (for an ended giveaway; one prize needs no prompt).
    fn ask_reroll(&mut self) {
        self.notice = None;
        let Some(row) = self.selected_row() else {
            return;
        };
        if row.giveaway.state == GiveawayState::Ended && row.giveaway.winners > 1 {
            self.input = Some(String::new());
        } else {
            self.ask(GiveawayAction::Reroll(1));
        }
    }

    fn typed(&mut self, action: &Action) {
        let Some(input) = &mut self.input else {
            return;
        };
        match action {
            Action::Input(character) if character.is_ascii_digit() => input.push(*character),
            Action::Backspace => {
                input.pop();
            }
            Action::Enter => {
                let typed = input.trim().to_owned();
                self.input = None;
                match typed.parse::<u32>() {
                    Ok(slot) => self.ask(GiveawayAction::Reroll(slot)),
                    Err(_) => {
                        self.notice = Some(Notice::Failed(format!(
                            "the prize to draw again is its number (1, 2, …), got `{typed}`"
                        )));
                    }
                }
            }
            Action::Cancel => self.input = None,
            _ => {}
        }
    }
}

/// When it ends or ended, in UTC and relative to now.
fn timing(giveaway: &Giveaway, view: &View) -> String {
    let ends = format!(
        "{} UTC ({})",
        date_time(giveaway.ends_at),
        relative(giveaway.ends_at, view.now)
    );
    match (giveaway.state, giveaway.ended_at) {
        (GiveawayState::Running, _) => format!(
            "started {} UTC · ends {ends}",
            date_time(giveaway.created_at)
        ),
        (GiveawayState::Drawing, _) => format!("entries closed {ends}"),
        (state, Some(at)) => format!("{state} {} UTC ({})", date_time(at), relative(at, view.now)),
        (state, None) => format!("{state} · was due {ends}"),
    }
}

impl Component for Giveaways {
    fn id(&self) -> PaneId {
        PaneId::Giveaways
    }

    fn render(&self, frame: &mut Frame<'_>, area: Rect, view: &View) {
        let [list_area, details_area, notice_area] = Layout::vertical([
            Constraint::Min(6),
            Constraint::Length(7),
            Constraint::Length(1),
        ])
        .areas(area);
        self.render_list(frame, list_area, view);
        self.render_details(frame, details_area, view);
        if let Some(input) = &self.input {
            frame.render_widget(
                Paragraph::new(format!("prize to draw again: {input}▏")),
                notice_area,
            );
        } else if let Some(notice) = &self.notice {
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
        if self.input.is_some() {
            self.typed(action);
            return Vec::new();
        }
        if let Some(delta) = movement(action) {
            self.selected = step(self.selected, delta, self.list().len());
            return Vec::new();
        }
        match action {
            Action::Edit => {
                self.ask(GiveawayAction::End);
                Vec::new()
            }
            Action::Remove => {
                self.ask(GiveawayAction::Cancel);
                Vec::new()
            }
            Action::Retry => {
                self.ask_reroll();
                Vec::new()
            }
            Action::PickGuild => {
                self.guild = super::next_guild(&self.guilds, self.guild);
                self.giveaways = None;
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
            Loaded::Giveaways { guild, result } if Some(*guild) == self.guild => {
                // Keeps the same giveaway selected when the list moves under it.
                let kept = self.selected_row().map(|row| row.giveaway.id);
                self.giveaways = Some(result.clone());
                let position =
                    kept.and_then(|id| self.list().iter().position(|row| row.giveaway.id == id));
                self.selected =
                    position.unwrap_or_else(|| step(self.selected, 0, self.list().len()));
                Vec::new()
            }
            Loaded::GiveawayChanged { guild, result } if Some(*guild) == self.guild => {
                self.notice = Some(match result {
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
        // The countdowns move on every render; the list itself is reloaded every few seconds.
        if tick.is_multiple_of(3) && self.confirm.is_none() && self.input.is_none() {
            self.request()
        } else {
            Vec::new()
        }
    }

    fn input_mode(&self) -> InputMode {
        if self.confirm.is_some() {
            InputMode::Confirm
        } else if self.input.is_some() {
            InputMode::Text
        } else {
            InputMode::Normal
        }
    }

    fn keys(&self) -> Vec<KeyHelp> {
        vec![
            key("↑/↓", "select"),
            key("e", "end now"),
            key("x", "cancel"),
            key("r", "reroll a prize"),
            key("g", "next guild"),
        ]
    }
}
