//! Closing a ticket (by staff, the opener, or the inactivity timer) and reopening it.

use super::buttons::TicketButton;
use super::channel::{self, Conversation};
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
    /// Locks the ticket ([`channel::lock`]): a thread is archived and locked, the opener of a
    /// channel loses Send Messages. Perform it after `effects` (an archived thread takes no
    /// closing message); `None` without a channel.
    pub lock: Option<Effect>,
}

/// A reopened ticket and the message that says so.
#[derive(Debug, Clone, PartialEq)]
pub struct ReopenedTicket {
    /// The ticket, open again.
    pub ticket: Ticket,
    /// "Reopened by ..." in the ticket; empty without a channel.
    pub effects: Vec<Effect>,
    /// Unlocks the ticket ([`channel::unlock`]): a thread is unarchived and unlocked, the
    /// opener of a channel may write again. Perform it before `effects`; `None` without a
    /// channel.
    pub unlock: Option<Effect>,
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

    /// The closed ticket with its summary, closing message and lock.
    pub(super) async fn closed(
        &self,
        guild: GuildId,
        ticket: TicketId,
    ) -> Result<ClosedTicket, TicketError> {
        let ticket = self.ticket(guild, ticket).await?;
        let panel = self.panel(guild, ticket.panel).await?;
        let lock = Conversation::of(&panel, &ticket)
            .map(|conversation| channel::lock(conversation, &ticket));
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
            lock,
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
        let panel = self.panel(guild, ticket.panel).await?;
        let unlock = Conversation::of(&panel, &ticket)
            .map(|conversation| channel::unlock(conversation, &ticket));
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
        Ok(ReopenedTicket {
            ticket,
            effects,
            unlock,
        })
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

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::clock::{ManualClock, UnixMillis};
    use crate::ids::{ChannelId, RoleId};
    use crate::jobs::JobLedger;
    use crate::permissions::{Overwrite, OverwriteTarget, Permissions};
    use crate::testing;
    use crate::tickets::{PanelRequest, TicketMode};

    const GUILD: GuildId = GuildId::new(100);
    const STAFF_ROLE: RoleId = RoleId::new(50);
    const SUPPORT: ChannelId = ChannelId::new(700);
    const CATEGORY: ChannelId = ChannelId::new(800);
    const CONVERSATION: ChannelId = ChannelId::new(9_001);
    const MEMBER: UserId = UserId::new(6);
    const STAFF: UserId = UserId::new(4);

    /// Opens a ticket on a new panel with `settings` and attaches `CONVERSATION` to it.
    async fn attached(service: &TicketService, settings: &TicketSettings) -> TicketId {
        let created = service
            .create_panel(
                settings,
                PanelRequest {
                    guild: GUILD,
                    channel: SUPPORT,
                    title: "Support".into(),
                    description: String::new(),
                    button_label: String::new(),
                    staff_roles: vec![STAFF_ROLE],
                    created_by: STAFF,
                },
            )
            .await
            .unwrap();
        let opened = service
            .open(settings, GUILD, created.panel.id, MEMBER, "Ada")
            .await
            .unwrap();
        service
            .attach_channel(GUILD, opened.ticket.id, CONVERSATION)
            .await
            .unwrap();
        opened.ticket.id
    }

    #[tokio::test]
    async fn closing_locks_the_conversation_and_reopening_unlocks_it_in_both_modes() {
        for test_db in testing::backends().await {
            let clock = Arc::new(ManualClock::new(UnixMillis(1_700_000_000_000)));
            let ledger = JobLedger::new(test_db.db.clone(), clock.clone(), 3);
            let service = TicketService::new(test_db.db.clone(), clock, ledger);
            let thread_mode = TicketSettings::default();
            let channel_mode = TicketSettings {
                mode: TicketMode::Channel,
                category: Some(CATEGORY),
                ..TicketSettings::default()
            };
            let closed_overwrite = Overwrite {
                target: OverwriteTarget::Member(MEMBER),
                allow: Permissions::VIEW_CHANNEL | Permissions::READ_MESSAGE_HISTORY,
                deny: Permissions::SEND_MESSAGES,
            };
            let reopened_overwrite = Overwrite {
                target: OverwriteTarget::Member(MEMBER),
                allow: Permissions::VIEW_CHANNEL
                    | Permissions::SEND_MESSAGES
                    | Permissions::READ_MESSAGE_HISTORY
                    | Permissions::ATTACH_FILES,
                deny: Permissions::NONE,
            };
            let cases = [
                (
                    &thread_mode,
                    Effect::SetThreadState {
                        thread: CONVERSATION,
                        archived: true,
                        locked: true,
                        reason: Some("Ticket #1 closed".into()),
                    },
                    Effect::SetThreadState {
                        thread: CONVERSATION,
                        archived: false,
                        locked: false,
                        reason: Some("Ticket #1 reopened".into()),
                    },
                ),
                (
                    &channel_mode,
                    Effect::SetChannelPermission {
                        channel: CONVERSATION,
                        overwrite: closed_overwrite,
                        reason: Some("Ticket #2 closed".into()),
                    },
                    Effect::SetChannelPermission {
                        channel: CONVERSATION,
                        overwrite: reopened_overwrite,
                        reason: Some("Ticket #2 reopened".into()),
                    },
                ),
            ];
            for (settings, lock, unlock) in cases {
                let ticket = attached(&service, settings).await;
                let closed = service
                    .close(GUILD, ticket, STAFF, true, "done")
                    .await
                    .unwrap();
                assert!(
                    matches!(closed.effects.as_slice(), [Effect::SendMessage { channel, .. }] if *channel == CONVERSATION),
                    "{:?}",
                    closed.effects
                );
                assert_eq!(closed.lock, Some(lock), "{:?}", settings.mode);
                let reopened = service
                    .reopen(settings, GUILD, ticket, STAFF, true)
                    .await
                    .unwrap();
                assert_eq!(reopened.unlock, Some(unlock), "{:?}", settings.mode);
                assert_eq!(reopened.effects.len(), 1);
                service
                    .close(GUILD, ticket, STAFF, true, "done again")
                    .await
                    .unwrap();
            }
        }
    }
}
