//! Closing a ticket (by staff, the opener, or the inactivity timer) and reopening it.

use super::buttons::TicketButton;
use super::model::{Ticket, TicketId, TicketState, TranscriptSummary};
use super::service::{TicketError, TicketService};
use super::settings::TicketSettings;
use super::store;
use crate::effect::{ButtonStyle, Component, ComponentRow, Effect, OutgoingMessage};
use crate::ids::{GuildId, UserId};

/// The longest close reason (Discord's embed field limit).
pub const MAX_CLOSE_REASON: usize = 1_024;

/// A closed ticket, the message that says so, and its transcript's counts.
#[derive(Debug, Clone, PartialEq)]
pub struct ClosedTicket {
    /// The ticket, closed.
    pub ticket: Ticket,
    /// The counts over its transcript (stored message by message while it was open).
    pub summary: TranscriptSummary,
    /// The closing message in the ticket, with a Reopen button; empty without a channel.
    pub effects: Vec<Effect>,
}

/// A reopened ticket and the message that says so.
#[derive(Debug, Clone, PartialEq)]
pub struct ReopenedTicket {
    /// The ticket, open again.
    pub ticket: Ticket,
    /// "Reopened by ..." in the ticket; empty without a channel.
    pub effects: Vec<Effect>,
}

impl TicketService {
    /// Closes an open ticket with a reason (`tickets:close:<id>`). Staff and the member who
    /// opened it may close it; the caller says whether `by` is staff.
    ///
    /// # Errors
    /// [`TicketError::Invalid`] for an overlong reason; [`TicketError::NotAllowedToClose`];
    /// [`TicketError::NoSuchTicket`]; [`TicketError::Closed`] when it already is; storage
    /// errors.
    pub async fn close(
        &self,
        guild: GuildId,
        ticket: TicketId,
        by: UserId,
        is_staff: bool,
        reason: &str,
    ) -> Result<ClosedTicket, TicketError> {
        let reason = reason.trim();
        let length = reason.chars().count();
        if length > MAX_CLOSE_REASON {
            return Err(TicketError::Invalid(format!(
                "the reason must be at most {MAX_CLOSE_REASON} characters, got {length}"
            )));
        }
        let current = self.ticket(guild, ticket).await?;
        if !is_staff && current.opener != by {
            return Err(TicketError::NotAllowedToClose);
        }
        let reason = if reason.is_empty() {
            "no reason given"
        } else {
            reason
        };
        let now = self.clock.now();
        if !store::close(&self.db, guild, ticket, Some(by), reason, now, None).await? {
            return Err(TicketError::Closed {
                number: current.number,
            });
        }
        self.closed(guild, ticket).await
    }

    /// The closed ticket with its summary and closing message.
    pub(super) async fn closed(
        &self,
        guild: GuildId,
        ticket: TicketId,
    ) -> Result<ClosedTicket, TicketError> {
        let ticket = self.ticket(guild, ticket).await?;
        let summary = TranscriptSummary::of(&store::messages(&self.db, guild, ticket.id).await?);
        let effects = ticket
            .channel
            .map(|channel| Effect::SendMessage {
                channel,
                message: closing_message(&ticket, &summary),
            })
            .into_iter()
            .collect();
        Ok(ClosedTicket {
            ticket,
            summary,
            effects,
        })
    }

    /// Reopens a closed ticket (`tickets:reopen:<id>`, staff only), which counts as activity and
    /// arms the inactivity timer again.
    ///
    /// # Errors
    /// [`TicketError::NotStaff`]; [`TicketError::NoSuchTicket`]; [`TicketError::NotClosed`];
    /// [`TicketError::AlreadyOpen`] when the member opened another ticket on the panel meanwhile
    /// and the guild allows only one; storage and job errors.
    pub async fn reopen(
        &self,
        settings: &TicketSettings,
        guild: GuildId,
        ticket: TicketId,
        by: UserId,
        is_staff: bool,
    ) -> Result<ReopenedTicket, TicketError> {
        if !is_staff {
            return Err(TicketError::NotStaff { action: "reopen" });
        }
        let current = self.ticket(guild, ticket).await?;
        if current.state == TicketState::Open {
            return Err(TicketError::NotClosed {
                number: current.number,
            });
        }
        let slot = settings
            .one_open_per_member
            .then(|| store::open_slot(current.panel, current.opener));
        let reopened =
            match store::reopen(&self.db, guild, ticket, slot.clone(), self.clock.now()).await {
                Ok(reopened) => reopened,
                Err(crate::db::DbError::Sql(sqlx::Error::Database(error)))
                    if error.is_unique_violation() =>
                {
                    let other = self
                        .tickets(guild, Some(TicketState::Open), 0)
                        .await?
                        .into_iter()
                        .find(|open| open.panel == current.panel && open.opener == current.opener);
                    return Err(TicketError::AlreadyOpen {
                        number: other.as_ref().map_or(current.number, |open| open.number),
                        channel: other.and_then(|open| open.channel),
                    });
                }
                Err(error) => return Err(error.into()),
            };
        let ticket = self.ticket(guild, ticket).await?;
        if !reopened {
            return Err(TicketError::NotClosed {
                number: ticket.number,
            });
        }
        self.arm_inactivity(settings, &ticket).await?;
        let effects = ticket
            .channel
            .map(|channel| Effect::SendMessage {
                channel,
                message: OutgoingMessage::text(format!(
                    "<@{by}> reopened ticket #{}.",
                    ticket.number
                )),
            })
            .into_iter()
            .collect();
        Ok(ReopenedTicket { ticket, effects })
    }
}

/// "Ticket #N closed by ...: reason", the transcript's counts, and a Reopen button.
pub fn closing_message(ticket: &Ticket, summary: &TranscriptSummary) -> OutgoingMessage {
    let by = ticket.closed_by.map_or_else(
        || "automatically".to_owned(),
        |user| format!("by <@{user}>"),
    );
    let reason = ticket.close_reason.as_deref().unwrap_or("no reason given");
    OutgoingMessage {
        content: format!(
            "Ticket #{} closed {by}: {reason}\nTranscript saved: {} messages from {} participants, {} attachments, {} edited, {} deleted.",
            ticket.number,
            summary.messages,
            summary.participants.len(),
            summary.attachments,
            summary.edited,
            summary.deleted
        ),
        components: vec![ComponentRow(vec![Component::Button {
            custom_id: TicketButton::Reopen(ticket.id).custom_id(),
            label: "Reopen".into(),
            style: ButtonStyle::Secondary,
            disabled: false,
        }])],
        ..OutgoingMessage::default()
    }
}
