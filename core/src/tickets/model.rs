//! What panels, tickets and transcripts are.

use serde::{Deserialize, Serialize};

use super::settings::TicketMode;
use crate::clock::UnixMillis;
use crate::ids::{ChannelId, GuildId, MessageId, RoleId, UserId};

crate::ids::local_id!(
    /// A ticket panel's id.
    PanelId,
    "ticket panel"
);
/// A ticket's internal id (in its buttons' custom ids); members see its per-guild number.
pub type TicketId = i64;

/// A panel: the message whose button opens tickets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Panel {
    /// Its id.
    pub id: PanelId,
    /// The guild.
    pub guild: GuildId,
    /// The channel it is posted in (and where ticket threads open).
    pub channel: ChannelId,
    /// The posted message, once the bot reported it.
    pub message: Option<MessageId>,
    /// The embed's title.
    pub title: String,
    /// The embed's text.
    pub description: String,
    /// The button's label.
    pub button_label: String,
    /// Roles added to its tickets, who may claim, close and reopen them.
    pub staff_roles: Vec<RoleId>,
    /// Thread or channel tickets.
    pub mode: TicketMode,
    /// The category of channel tickets.
    pub category: Option<ChannelId>,
    /// Who created it.
    pub created_by: UserId,
    /// When.
    pub created_at: UnixMillis,
}

/// Whether a ticket is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TicketState {
    /// Being worked on.
    Open,
    /// Finished; its transcript is kept.
    Closed,
}

impl TicketState {
    /// The name stored in SQL.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Closed => "closed",
        }
    }
}

impl std::str::FromStr for TicketState {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "open" => Ok(Self::Open),
            "closed" => Ok(Self::Closed),
            other => Err(format!(
                "unknown ticket state `{other}`; states are: open, closed"
            )),
        }
    }
}

/// A support ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ticket {
    /// Its internal id.
    pub id: TicketId,
    /// The guild.
    pub guild: GuildId,
    /// The panel it was opened from.
    pub panel: PanelId,
    /// Its number in the guild, from 1.
    pub number: i64,
    /// The member who opened it.
    pub opener: UserId,
    /// Its thread or channel, once the bot reported it.
    pub channel: Option<ChannelId>,
    /// Open or closed.
    pub state: TicketState,
    /// The staff member handling it.
    pub claimed_by: Option<UserId>,
    /// When it was claimed.
    pub claimed_at: Option<UnixMillis>,
    /// When it was opened (or last reopened).
    pub opened_at: UnixMillis,
    /// When it was closed.
    pub closed_at: Option<UnixMillis>,
    /// Who closed it; `None` for an automatic close or an open ticket.
    pub closed_by: Option<UserId>,
    /// Why it was closed.
    pub close_reason: Option<String>,
    /// The last message from a member (or the opening).
    pub last_activity_at: UnixMillis,
    /// The activity time the inactivity warning was sent for.
    pub warned_activity_at: Option<UnixMillis>,
}

/// A file attached to a message: its name and Discord's URL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    /// The file name.
    pub name: String,
    /// Where Discord serves it.
    pub url: String,
}

/// One message of a transcript.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TranscriptMessage {
    /// The Discord message.
    pub message: MessageId,
    /// Its author.
    pub author: UserId,
    /// The author's name when it was sent.
    pub author_name: String,
    /// The text, as last edited.
    pub content: String,
    /// Its files, as last edited.
    pub attachments: Vec<Attachment>,
    /// When it was sent.
    pub created_at: UnixMillis,
    /// When it was last edited.
    pub edited_at: Option<UnixMillis>,
    /// When it was deleted; the transcript keeps it.
    pub deleted_at: Option<UnixMillis>,
}

/// A ticket with its panel's title and every message, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transcript {
    /// The ticket.
    pub ticket: Ticket,
    /// The title of the panel it was opened from.
    pub panel_title: String,
    /// Its messages, oldest first.
    pub messages: Vec<TranscriptMessage>,
}

/// Counts over a transcript, shown when a ticket closes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TranscriptSummary {
    /// Messages recorded.
    pub messages: u64,
    /// Distinct authors, in order of their first message.
    pub participants: Vec<UserId>,
    /// Files attached.
    pub attachments: u64,
    /// Messages edited at least once.
    pub edited: u64,
    /// Messages deleted.
    pub deleted: u64,
}

impl TranscriptSummary {
    /// Counts over `messages`.
    pub fn of(messages: &[TranscriptMessage]) -> Self {
        let mut summary = Self::default();
        for message in messages {
            summary.messages += 1;
            summary.attachments += message.attachments.len() as u64;
            summary.edited += u64::from(message.edited_at.is_some());
            summary.deleted += u64::from(message.deleted_at.is_some());
            if !summary.participants.contains(&message.author) {
                summary.participants.push(message.author);
            }
        }
        summary
    }
}

/// A message seen in a channel, as the bot reports it for the transcript.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncomingMessage {
    /// The channel (a ticket's thread or channel, or any other: then it is ignored).
    pub channel: ChannelId,
    /// The message.
    pub message: MessageId,
    /// Its author.
    pub author: UserId,
    /// The author's display name.
    pub author_name: String,
    /// Whether a bot wrote it: stored, but not activity (the inactivity warning must not keep
    /// a ticket open).
    pub author_is_bot: bool,
    /// The text.
    pub content: String,
    /// Its files.
    pub attachments: Vec<Attachment>,
    /// When it was sent.
    pub created_at: UnixMillis,
}
