//! Claiming a ticket: one staff member takes it.

use super::model::{Ticket, TicketId, TicketState};
use super::service::{TicketError, TicketService};
use super::store;
use crate::effect::{Effect, OutgoingMessage};
use crate::ids::{GuildId, UserId};

/// A claimed ticket and the announcement in it.
#[derive(Debug, Clone, PartialEq)]
pub struct ClaimedTicket {
    /// The ticket, claimed.
    pub ticket: Ticket,
    /// "Claimed by ..." in the ticket; `None` when the member had already claimed it.
    pub announcement: Option<Effect>,
}

impl TicketService {
    /// Claims an open ticket for a staff member (`tickets:claim:<id>`). The caller says whether
    /// `by` is staff (a staff role or Manage Server). Claiming one's own claim again is a no-op.
    ///
    /// # Errors
    /// [`TicketError::NotStaff`]; [`TicketError::NoSuchTicket`]; [`TicketError::Closed`];
    /// [`TicketError::AlreadyClaimed`] when someone else holds it; storage errors.
    pub async fn claim(
        &self,
        guild: GuildId,
        ticket: TicketId,
        by: UserId,
        is_staff: bool,
    ) -> Result<ClaimedTicket, TicketError> {
        if !is_staff {
            return Err(TicketError::NotStaff { action: "claim" });
        }
        let now = self.clock.now();
        let claimed = store::claim(&self.db, guild, ticket, by, now).await?;
        let ticket = self.ticket(guild, ticket).await?;
        if !claimed {
            if ticket.state == TicketState::Closed {
                return Err(TicketError::Closed {
                    number: ticket.number,
                });
            }
            return match ticket.claimed_by {
                Some(holder) if holder == by => Ok(ClaimedTicket {
                    ticket,
                    announcement: None,
                }),
                Some(holder) => Err(TicketError::AlreadyClaimed {
                    number: ticket.number,
                    by: holder,
                }),
                None => Err(TicketError::NoSuchTicket),
            };
        }
        store::touch(&self.db, guild, ticket.id, now).await?;
        let announcement = ticket.channel.map(|channel| Effect::SendMessage {
            channel,
            message: OutgoingMessage::text(format!(
                "<@{by}> has claimed ticket #{} and will help you.",
                ticket.number
            )),
        });
        Ok(ClaimedTicket {
            ticket,
            announcement,
        })
    }
}
