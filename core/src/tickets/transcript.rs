//! The transcript: messages in ticket channels recorded as they happen (the bot calls these
//! for every message, edit and deletion; non-ticket channels cost a map lookup), activity, and
//! reading a transcript back.

use super::model::{Attachment, IncomingMessage, TicketId, Transcript, TranscriptMessage};
use super::service::{TicketError, TicketService};
use super::settings::TicketSettings;
use super::store;
use crate::ids::{ChannelId, GuildId, MessageId};

impl TicketService {
    /// Records a message if its channel is a ticket's; a member's message is also activity.
    /// Returns the ticket it was recorded in. Recording the same message twice keeps the first.
    ///
    /// # Errors
    /// Storage errors.
    pub async fn record_message(
        &self,
        guild: GuildId,
        message: &IncomingMessage,
    ) -> Result<Option<TicketId>, TicketError> {
        let Some(ticket) = self.ticket_in_channel(guild, message.channel).await? else {
            return Ok(None);
        };
        let stored = TranscriptMessage {
            message: message.message,
            author: message.author,
            author_name: message.author_name.clone(),
            content: message.content.clone(),
            attachments: message.attachments.clone(),
            created_at: message.created_at,
            edited_at: None,
            deleted_at: None,
        };
        store::insert_message(&self.db, guild, ticket, &stored).await?;
        if !message.author_is_bot {
            store::touch(&self.db, guild, ticket, message.created_at).await?;
        }
        Ok(Some(ticket))
    }

    /// Records an edit of a message in a ticket: the new content (and attachments, when the
    /// edit reports them) replace the old, and the time of the last edit is kept. Returns
    /// whether the message was in a transcript.
    ///
    /// # Errors
    /// Storage errors.
    pub async fn record_edit(
        &self,
        guild: GuildId,
        channel: ChannelId,
        message: MessageId,
        content: &str,
        attachments: Option<&[Attachment]>,
    ) -> Result<bool, TicketError> {
        let Some(ticket) = self.ticket_in_channel(guild, channel).await? else {
            return Ok(false);
        };
        let now = self.clock.now();
        Ok(
            store::edit_message(&self.db, guild, ticket, message, content, attachments, now)
                .await?,
        )
    }

    /// Records the deletion of a message in a ticket; the transcript keeps it, marked deleted.
    /// Returns whether the message was in a transcript.
    ///
    /// # Errors
    /// Storage errors.
    pub async fn record_delete(
        &self,
        guild: GuildId,
        channel: ChannelId,
        message: MessageId,
    ) -> Result<bool, TicketError> {
        let Some(ticket) = self.ticket_in_channel(guild, channel).await? else {
            return Ok(false);
        };
        let now = self.clock.now();
        Ok(store::delete_message(&self.db, guild, ticket, message, now).await?)
    }

    /// Counts something other than a message as activity (a button press in the ticket).
    ///
    /// # Errors
    /// [`TicketError::NoSuchTicket`]; storage errors.
    pub async fn touch(&self, guild: GuildId, ticket: TicketId) -> Result<(), TicketError> {
        let ticket = self.ticket(guild, ticket).await?;
        Ok(store::touch(&self.db, guild, ticket.id, self.clock.now()).await?)
    }

    /// A guild's ticket with its full transcript, by number. Only that guild's tickets are
    /// found: the dashboard and CLI pass the guild the reader is staff of.
    ///
    /// # Errors
    /// [`TicketError::NoSuchTicket`], also for another guild's ticket; storage errors.
    pub async fn transcript(&self, guild: GuildId, number: i64) -> Result<Transcript, TicketError> {
        let ticket = self.ticket_by_number(guild, number).await?;
        let panel_title = self
            .panel(guild, ticket.panel)
            .await
            .map(|panel| panel.title)
            .unwrap_or_default();
        let messages = store::messages(&self.db, guild, ticket.id).await?;
        Ok(Transcript {
            ticket,
            panel_title,
            messages,
        })
    }

    /// A ticket's transcript as a download for a guild's staff: JSON or self-contained HTML,
    /// with its content type. Transcript export is a premium perk; reading a transcript on its
    /// page is not.
    ///
    /// # Errors
    /// [`TicketError::Premium`] on a tier without it; as [`TicketService::transcript`].
    pub async fn export_transcript(
        &self,
        guild: GuildId,
        number: i64,
        format: super::export::Format,
    ) -> Result<(String, &'static str), TicketError> {
        self.require_export(guild)?;
        let transcript = self.transcript(guild, number).await?;
        Ok(match format {
            super::export::Format::Json => (
                super::export::to_json(&transcript).map_err(|error| {
                    TicketError::Storage(crate::db::DbError::Corrupt(error.to_string()))
                })?,
                "application/json",
            ),
            super::export::Format::Html => (
                super::export::to_html(&transcript),
                "text/html; charset=utf-8",
            ),
        })
    }

    /// Deletes the transcripts of tickets closed longer ago than the guild's
    /// `transcript_retention_days` (nothing with 0); returns how many messages went.
    ///
    /// # Errors
    /// Storage errors.
    pub async fn prune_transcripts(
        &self,
        settings: &TicketSettings,
        guild: GuildId,
    ) -> Result<u64, TicketError> {
        if settings.transcript_retention_days == 0 {
            return Ok(0);
        }
        let keep =
            std::time::Duration::from_secs(u64::from(settings.transcript_retention_days) * 86_400);
        let before = self.clock.now().minus(keep);
        Ok(store::prune_transcripts(&self.db, guild, before).await?)
    }
}
