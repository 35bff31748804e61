//! Overview: the running instance's shards and event rates (from the admin API, every second),
//! the premium guilds and the guilds Guildhall knows (from the database).

use std::sync::Arc;

use guildhall_core::guilds::GuildRecord;
use guildhall_core::live::{ShardStage, ShardStatus};
use guildhall_core::premium::Status;
use guildhall_web::admin::AdminStatus;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Row, Sparkline, Table, Wrap};

use super::premium::{ends_text, premium_guilds};
use super::{
    ACROSS_GUILDS, Component, KeyHelp, PaneId, View, date_time, fit, header_style, key, movement,
    short_duration, step,
};
use crate::action::Action;
use crate::event::{GuildTask, Loaded, Request, RowsData};

/// How many premium guilds the overview names at most (the premium pane lists them all).
const PREMIUM_NAMED: usize = 3;

/// The overview pane.
#[derive(Debug, Default)]
pub struct Overview {
    status: Option<Result<AdminStatus, String>>,
    guilds: Option<Result<Vec<GuildRecord>, String>>,
    premium: Option<Result<Vec<Status>, String>>,
    guild_offset: usize,
}

/// The overview's loading of the premium guilds, through the loader's generic rows.
fn premium_request() -> Request {
    let into = |statuses: Vec<Status>| -> RowsData { Arc::new(statuses) };
    Request::Rows(GuildTask::new(
        PaneId::named("overview"),
        ACROSS_GUILDS,
        "premium guilds".to_owned(),
        move |services| async move { premium_guilds(&services).await.map(into) },
    ))
}

impl Overview {
    /// The guild's name, its id when the guild list does not have it.
    fn guild_name(&self, guild: guildhall_core::ids::GuildId) -> String {
        match &self.guilds {
            Some(Ok(guilds)) => guilds
                .iter()
                .find(|known| known.id == guild)
                .map_or_else(|| guild.to_string(), |known| known.name.clone()),
            _ => guild.to_string(),
        }
    }

    /// The premium guilds: how many, and the first few (the soonest to end first) with their
    /// end — as many as leave the known guilds a few rows.
    fn render_premium(&self, frame: &mut Frame<'_>, area: Rect, view: &View) -> Rect {
        let width = usize::from(area.width.saturating_sub(2));
        let known = match &self.guilds {
            Some(Ok(guilds)) => guilds.len(),
            _ => 1,
        };
        // The known guilds keep their borders, their header and up to two rows.
        let keep = 3 + known.clamp(1, 2);
        let room = usize::from(area.height)
            .saturating_sub(keep + 2)
            .clamp(1, PREMIUM_NAMED);
        let (title, lines): (String, Vec<Line<'_>>) = match &self.premium {
            None => (" Premium ".to_owned(), vec![Line::from("loading…")]),
            Some(Err(reason)) => (
                " Premium ".to_owned(),
                vec![Line::styled(
                    fit(&format!("cannot list premium guilds: {reason}"), width),
                    Style::new().fg(Color::Red),
                )],
            ),
            Some(Ok(statuses)) if statuses.is_empty() => (
                " Premium guilds (0) ".to_owned(),
                vec![Line::styled(
                    fit(
                        "none: the Premium tab grants premium; Discord subscriptions show here",
                        width,
                    ),
                    Style::new().fg(Color::DarkGray),
                )],
            ),
            Some(Ok(statuses)) => {
                let mut sorted: Vec<&Status> = statuses.iter().collect();
                sorted.sort_by_key(|status| status.until.map_or(i64::MAX, |until| until.0));
                let lines: Vec<Line<'_>> = sorted
                    .iter()
                    .take(room)
                    .map(|status| {
                        let source = status
                            .source
                            .as_ref()
                            .map_or_else(String::new, |source| format!(" · {}", source.describe()));
                        Line::from(fit(
                            &format!(
                                "{} · {}{source}",
                                self.guild_name(status.guild),
                                ends_text(status.until, view.now)
                            ),
                            width,
                        ))
                    })
                    .collect();
                let more = statuses.len() - lines.len();
                let title = if more > 0 {
                    format!(
                        " Premium guilds ({}; {more} more on the Premium tab) ",
                        statuses.len()
                    )
                } else {
                    format!(" Premium guilds ({}) ", statuses.len())
                };
                (title, lines)
            }
        };
        let height = u16::try_from(lines.len() + 2).unwrap_or(u16::MAX);
        let [top, rest] =
            Layout::vertical([Constraint::Length(height), Constraint::Min(0)]).areas(area);
        frame.render_widget(
            Paragraph::new(lines).block(Block::bordered().title(title)),
            top,
        );
        rest
    }

    fn render_instance(&self, frame: &mut Frame<'_>, area: Rect, view: &View) -> Rect {
        let (lines, height): (Vec<Line<'_>>, u16) = match &self.status {
            None => (vec![Line::from("asking the running instance…")], 3),
            Some(Err(reason)) => (
                vec![
                    Line::styled(
                        "No running instance: shards and event rates are unavailable.",
                        Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD),
                    ),
                    Line::from(format!("Reason: {reason}")),
                ],
                6,
            ),
            Some(Ok(status)) => {
                let up = short_duration(view.now.since(status.started));
                let connected = status
                    .shards
                    .iter()
                    .filter(|shard| shard.stage == ShardStage::Connected)
                    .count();
                (
                    vec![Line::from(format!(
                        "running since {} UTC (up {up}) · {connected}/{} shards connected",
                        date_time(status.started),
                        status.shards.len()
                    ))],
                    3,
                )
            }
        };
        let [top, rest] =
            Layout::vertical([Constraint::Length(height), Constraint::Min(0)]).areas(area);
        frame.render_widget(
            Paragraph::new(lines)
                .wrap(Wrap { trim: true })
                .block(Block::bordered().title(" Instance ")),
            top,
        );
        rest
    }

    fn render_live(&self, frame: &mut Frame<'_>, area: Rect, status: &AdminStatus) -> Rect {
        let shard_rows = u16::try_from(status.shards.len().clamp(1, 6)).unwrap_or(6);
        let [shards_area, events_area, rest] = Layout::vertical([
            Constraint::Length(shard_rows + 3),
            Constraint::Length(5),
            Constraint::Min(0),
        ])
        .areas(area);
        let header =
            Row::new(["SHARD", "STAGE", "LATENCY", "GUILDS", "EVENTS"]).style(header_style());
        let rows = status.shards.iter().map(shard_row);
        let widths = [
            Constraint::Length(8),
            Constraint::Length(13),
            Constraint::Length(9),
            Constraint::Length(8),
            Constraint::Min(8),
        ];
        frame.render_widget(
            Table::new(rows, widths)
                .header(header)
                .block(Block::bordered().title(" Shards ")),
            shards_area,
        );
        let rates = &status.events;
        let last = rates.per_second.last().copied().unwrap_or(0);
        let sum: u64 = rates.per_second.iter().sum();
        let seconds = u64::try_from(rates.per_second.len().max(1)).unwrap_or(1);
        let peak = rates.per_second.iter().copied().max().unwrap_or(0);
        let title = format!(
            " Events: {} total · {last}/s now · {:.1}/s avg · {peak}/s peak (last minute) ",
            rates.total,
            sum as f64 / seconds as f64
        );
        frame.render_widget(
            Sparkline::default()
                .data(&rates.per_second)
                .style(Style::new().fg(Color::Cyan))
                .block(Block::bordered().title(fit(&title, usize::from(area.width)))),
            events_area,
        );
        rest
    }

    fn render_guilds(&self, frame: &mut Frame<'_>, area: Rect) {
        let block = Block::bordered().title(" Known guilds ");
        match &self.guilds {
            None => frame.render_widget(Paragraph::new("loading…").block(block), area),
            Some(Err(reason)) => frame.render_widget(
                Paragraph::new(format!("cannot list guilds: {reason}"))
                    .style(Style::new().fg(Color::Red))
                    .wrap(Wrap { trim: true })
                    .block(block),
                area,
            ),
            Some(Ok(guilds)) if guilds.is_empty() => frame.render_widget(
                Paragraph::new("no guilds yet: the bot records each guild it joins").block(block),
                area,
            ),
            Some(Ok(guilds)) => {
                let header =
                    Row::new(["NAME", "ID", "JOINED (UTC)", "STATUS"]).style(header_style());
                let rows = guilds.iter().skip(self.guild_offset).map(|guild| {
                    Row::new([
                        guild.name.clone(),
                        guild.id.to_string(),
                        date_time(guild.joined_at),
                        guild.left_at.map_or_else(
                            || "member".to_owned(),
                            |at| format!("left {}", date_time(at)),
                        ),
                    ])
                });
                let widths = [
                    Constraint::Min(16),
                    Constraint::Length(20),
                    Constraint::Length(17),
                    Constraint::Length(12),
                ];
                let title = format!(" Known guilds ({}) ", guilds.len());
                frame.render_widget(
                    Table::new(rows, widths)
                        .header(header)
                        .block(Block::bordered().title(title)),
                    area,
                );
            }
        }
    }
}

fn shard_row(shard: &ShardStatus) -> Row<'static> {
    let (stage, color) = match shard.stage {
        ShardStage::Connected => ("connected", Color::Green),
        ShardStage::Connecting => ("connecting", Color::Yellow),
        ShardStage::Resuming => ("resuming", Color::Yellow),
        ShardStage::Disconnected => ("disconnected", Color::Red),
    };
    Row::new(vec![
        Span::raw(format!("{}/{}", shard.id, shard.total)),
        Span::styled(stage, Style::new().fg(color)),
        Span::raw(
            shard
                .latency_ms
                .map_or_else(|| "-".to_owned(), |ms| format!("{ms} ms")),
        ),
        Span::raw(shard.guilds.to_string()),
        Span::raw(shard.events.to_string()),
    ])
}

impl Component for Overview {
    fn render(&self, frame: &mut Frame<'_>, area: Rect, view: &View) {
        let mut rest = self.render_instance(frame, area, view);
        if let Some(Ok(status)) = &self.status {
            rest = self.render_live(frame, rest, status);
        }
        rest = self.render_premium(frame, rest, view);
        self.render_guilds(frame, rest);
    }

    fn handle(&mut self, action: &Action) -> Vec<Request> {
        if let Some(delta) = movement(action) {
            let count = match &self.guilds {
                Some(Ok(guilds)) => guilds.len(),
                _ => 0,
            };
            self.guild_offset = step(self.guild_offset, delta, count);
        }
        match action {
            Action::Refresh => vec![Request::Status, Request::Guilds, premium_request()],
            _ => Vec::new(),
        }
    }

    fn loaded(&mut self, loaded: &Loaded) -> Vec<Request> {
        match loaded {
            Loaded::Status(result) => self.status = Some(result.clone()),
            Loaded::Guilds(result) => self.guilds = Some(result.clone()),
            Loaded::Rows { pane, result, .. } if *pane == PaneId::named("overview") => {
                self.premium = Some(match result {
                    Ok(data) => match data.downcast_ref::<Vec<Status>>() {
                        Some(statuses) => Ok(statuses.clone()),
                        // Only this pane asks with its id; its own load made the data.
                        None => return Vec::new(),
                    },
                    Err(reason) => Err(reason.clone()),
                });
            }
            _ => {}
        }
        Vec::new()
    }

    fn on_focus(&mut self) -> Vec<Request> {
        vec![Request::Status, Request::Guilds, premium_request()]
    }

    fn on_tick(&mut self, tick: u64) -> Vec<Request> {
        let mut requests = vec![Request::Status];
        if tick.is_multiple_of(10) {
            requests.push(Request::Guilds);
            requests.push(premium_request());
        }
        requests
    }

    fn keys(&self) -> Vec<KeyHelp> {
        vec![key("↑/↓", "scroll guilds"), key("R", "reload")]
    }
}
