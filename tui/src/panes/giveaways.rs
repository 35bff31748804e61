//! Giveaways: one guild's giveaways — the running ones, the soonest to end first, with a
//! countdown that moves every second, then the most recent others — the prizes of the selected
//! one with their winners and claims, and the operator's controls, each after a confirmation and
//! done as `guildhall giveaways end|cancel|reroll` does (the core acts for the operator, the
//! running bot draws, the action is audited): `e` ends it now, `x` cancels it, `r` asks which
//! prize to draw again. The list itself is the shared [`GuildList`](super::list::GuildList).

use std::sync::Arc;

use guildhall_core::giveaways::{Giveaway, GiveawayId, GiveawayState, Manager, Slot, SlotState};
use guildhall_core::ids::GuildId;
use ratatui::layout::Constraint;
use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Row;
use serde_json::json;

use super::list::{Details, ListPane, ListState, Load, Outcome};
use super::{KeyHelp, Notice, View, date_time, fit, key, relative};
use crate::action::Action;
use crate::event::Failure;
use crate::loader::Services;

/// How many giveaways that are not running the pane lists (every running one is).
const GIVEAWAY_PAGE: u32 = 20;

/// The width of everything in a row but the prize: id 6, state 9, entrants 9, winners 7,
/// ends 11, five spaces between columns, two borders and the highlight symbol.
const FIXED_COLUMNS: usize = 6 + 9 + 9 + 7 + 11 + 5 + 2 + 2;

/// The giveaways pane's own part (it has no state of its own).
#[derive(Debug, Default)]
pub struct Giveaways;

/// One giveaway on the giveaways pane: the giveaway and its prize slots (none before the draw).
#[derive(Debug, Clone, PartialEq)]
pub struct GiveawayRow {
    /// The giveaway.
    pub giveaway: Giveaway,
    /// Its prize slots with their current winners.
    pub slots: Vec<Slot>,
}

/// What the giveaways pane asks of a giveaway, as `guildhall giveaways end|cancel|reroll` does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GiveawayAction {
    /// Close entries now; the bot draws.
    End,
    /// Cancel without a draw.
    Cancel,
    /// Draw this prize slot again.
    Reroll(u32),
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

impl ListPane for Giveaways {
    type Data = Vec<GiveawayRow>;

    const HEADER: &'static [&'static str] = &["#", "PRIZE", "STATE", "ENTRANTS", "WINNERS", "ENDS"];
    const WIDTHS: &'static [Constraint] = &[
        Constraint::Length(6),
        Constraint::Min(7),
        Constraint::Length(9),
        Constraint::Length(9),
        Constraint::Length(7),
        Constraint::Length(11),
    ];
    const HEIGHTS: [Constraint; 2] = [Constraint::Min(6), Constraint::Length(7)];
    const STATUS_LINE: bool = true;
    // The countdowns move on every render; the list itself is reloaded every few seconds.
    const RELOAD_EVERY: u64 = 3;
    const LOADING: &'static str = "loading giveaways…";
    const FAILED: &'static str = "cannot list giveaways";
    const EMPTY: &'static str = "no giveaways in this guild (/giveaway start or the dashboard)";
    const DETAILS: &'static str = " Giveaway ";
    const PROMPT: &'static str = "prize to draw again: ";

    fn title(&self, guild: &str, data: Option<&Vec<GiveawayRow>>) -> String {
        let running = data.map_or_else(String::new, |rows| {
            format!(
                " · {} running",
                rows.iter()
                    .filter(|row| row.giveaway.state == GiveawayState::Running)
                    .count()
            )
        });
        format!(" Giveaways · {guild}{running} ")
    }

    fn load(&self, guild: GuildId) -> Load<Vec<GiveawayRow>> {
        Load::new("giveaways", move |services| async move {
            giveaways(&services, guild).await
        })
    }

    fn row(
        &self,
        row: &GiveawayRow,
        _data: &Vec<GiveawayRow>,
        width: u16,
        view: &View,
    ) -> Row<'static> {
        let prize_width = usize::from(width).saturating_sub(FIXED_COLUMNS).max(7);
        let giveaway = &row.giveaway;
        let ends = match giveaway.state {
            GiveawayState::Running | GiveawayState::Drawing => relative(giveaway.ends_at, view.now),
            _ => relative(giveaway.ended_at.unwrap_or(giveaway.ends_at), view.now),
        };
        let ends_style = match giveaway.state {
            // Due, but not drawn (yet): no bot running, or the draw's job waits.
            GiveawayState::Running if giveaway.ends_at <= view.now => Style::new().fg(Color::Red),
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
    }

    fn details(
        &self,
        row: &GiveawayRow,
        _data: &Vec<GiveawayRow>,
        width: usize,
        view: &View,
    ) -> Details {
        let giveaway = &row.giveaway;
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
        Details {
            title: format!(" Giveaway {} · {} ", giveaway.id, giveaway.state),
            lines,
            wrap: false,
        }
    }

    fn same(a: &GiveawayRow, b: &GiveawayRow) -> bool {
        a.giveaway.id == b.giveaway.id
    }

    fn keys(&self) -> Vec<KeyHelp> {
        vec![
            key("e", "end now"),
            key("x", "cancel"),
            key("r", "reroll a prize"),
        ]
    }

    fn act(&mut self, action: &Action, list: &ListState<Vec<GiveawayRow>>) -> Option<Outcome> {
        Some(match action {
            Action::Edit => ask(list, GiveawayAction::End),
            Action::Remove => ask(list, GiveawayAction::Cancel),
            // The prize prompt, for an ended giveaway; one prize needs no prompt.
            Action::Retry => match list.selected() {
                Some(row)
                    if row.giveaway.state == GiveawayState::Ended && row.giveaway.winners > 1 =>
                {
                    Outcome::Input(String::new())
                }
                Some(_) => ask(list, GiveawayAction::Reroll(1)),
                None => Outcome::Nothing,
            },
            _ => return None,
        })
    }

    fn accepts(character: char) -> bool {
        character.is_ascii_digit()
    }

    fn submitted(&mut self, typed: String, list: &ListState<Vec<GiveawayRow>>) -> Outcome {
        match typed.parse::<u32>() {
            Ok(slot) => ask(list, GiveawayAction::Reroll(slot)),
            Err(_) => Outcome::Notice(Notice::Failed(format!(
                "the prize to draw again is its number (1, 2, …), got `{typed}`"
            ))),
        }
    }
}

/// Asks before `action` on the selected giveaway; says why not when its state does not allow it
/// (the core would refuse it too).
fn ask(list: &ListState<Vec<GiveawayRow>>, action: GiveawayAction) -> Outcome {
    let (Some(guild), Some(row)) = (list.guild(), list.selected()) else {
        return Outcome::Nothing;
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
        return Outcome::Notice(Notice::Failed(format!(
            "giveaway {} is {}; that needs a giveaway that is {allowed}",
            giveaway.id, giveaway.state
        )));
    }
    if let GiveawayAction::Reroll(slot) = action
        && !(1..=giveaway.winners).contains(&slot)
    {
        return Outcome::Notice(Notice::Failed(format!(
            "giveaway {} has no prize {slot}; its prizes are numbered 1 to {}",
            giveaway.id, giveaway.winners
        )));
    }
    let id = giveaway.id;
    let change = Load::new(
        format!("giveaway {id} {action:?}"),
        move |services| async move { change_giveaway(&services, guild, id, action).await },
    );
    Outcome::Ask { question, change }
}

/// A guild's giveaways with their slots: every running one, the soonest to end first, then the
/// most recent others, newest first (at most [`GIVEAWAY_PAGE`]).
async fn giveaways(services: &Services, guild: GuildId) -> Result<Vec<GiveawayRow>, Failure> {
    let service = Arc::clone(&services.giveaways);
    let mut listed = service
        .list(
            guild,
            Some(GiveawayState::Running),
            guildhall_core::giveaways::service::MAX_LIST,
        )
        .await
        .map_err(|error| error.to_string())?;
    listed.sort_by_key(|giveaway| (giveaway.ends_at, giveaway.id));
    let others = service
        .list(
            guild,
            None,
            GIVEAWAY_PAGE + u32::try_from(listed.len()).unwrap_or(0),
        )
        .await
        .map_err(|error| error.to_string())?;
    listed.extend(
        others
            .into_iter()
            .filter(|giveaway: &Giveaway| giveaway.state != GiveawayState::Running)
            .take(GIVEAWAY_PAGE as usize),
    );
    let mut rows = Vec::with_capacity(listed.len());
    for giveaway in listed {
        let slots = if giveaway.state == GiveawayState::Ended {
            service
                .detail(guild, giveaway.id)
                .await
                .map_err(|error| error.to_string())?
                .slots
        } else {
            Vec::new()
        };
        rows.push(GiveawayRow { giveaway, slots });
    }
    Ok(rows)
}

/// Ends, cancels or rerolls a giveaway exactly as `guildhall giveaways end|cancel|reroll` does:
/// the core acts for the operator ([`Manager::Operator`]), the bot's process runs the job, and
/// the action is audited under the CLI's name.
async fn change_giveaway(
    services: &Services,
    guild: GuildId,
    giveaway: GiveawayId,
    action: GiveawayAction,
) -> Result<String, Failure> {
    let service = Arc::clone(&services.giveaways);
    let target = giveaway.to_string();
    let text = |error: guildhall_core::giveaways::GiveawayError| error.to_string();
    match action {
        GiveawayAction::End => {
            let ended = service
                .end(guild, giveaway, &Manager::Operator)
                .await
                .map_err(text)?;
            services
                .audit("giveaway.end", Some(guild), Some(&target), json!({}))
                .await;
            Ok(format!(
                "giveaway #{giveaway} closed its entries; the running bot draws the winners (job {})",
                ended.end_job
            ))
        }
        GiveawayAction::Cancel => {
            service
                .cancel(guild, giveaway, &Manager::Operator, None)
                .await
                .map_err(text)?;
            services
                .audit(
                    "giveaway.cancel",
                    Some(guild),
                    Some(&target),
                    json!({ "reason": null }),
                )
                .await;
            Ok(format!("giveaway #{giveaway} is cancelled; nobody wins"))
        }
        GiveawayAction::Reroll(slot) => {
            let requested = service
                .reroll(guild, giveaway, slot, &Manager::Operator, None)
                .await
                .map_err(text)?;
            services
                .audit(
                    "giveaway.reroll",
                    Some(guild),
                    Some(&target),
                    json!({ "slot": slot, "reason": null, "job": requested.job }),
                )
                .await;
            Ok(format!(
                "prize #{slot} of giveaway #{giveaway} is drawn again by the running bot (job {})",
                requested.job
            ))
        }
    }
}
