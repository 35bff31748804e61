//! A stored message, and a position in a guild's messages for reading them page by page.

use serde::Serialize;

use crate::clock::UnixMillis;
use crate::ids::{ChannelId, MessageId, RoleId, UserId};

/// One message as the store keeps it (the guild is implied: every read is by guild).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecentMessage {
    /// The channel or thread it was posted in.
    pub channel: ChannelId,
    /// The message.
    pub message: MessageId,
    /// Who wrote it.
    pub author: UserId,
    /// Whether a bot wrote it.
    pub author_is_bot: bool,
    /// The author's roles when it was posted.
    pub author_roles: Vec<RoleId>,
    /// The text (the latest edit's, once edited).
    pub content: String,
    /// How many files were attached.
    pub attachments: u32,
    /// How many users it mentions.
    pub user_mentions: u32,
    /// How many roles it mentions.
    pub role_mentions: u32,
    /// Discord's `mention_everyone`: true only when the author was allowed to ping @everyone
    /// or @here and did.
    pub mentions_everyone: bool,
    /// When it was posted.
    pub created_at: UnixMillis,
    /// When it was last edited.
    pub edited_at: Option<UnixMillis>,
    /// The names of its files (empty for messages stored before names were kept).
    pub attachment_names: Vec<String>,
}

impl RecentMessage {
    /// Where this message is in its guild's time order, to read on after it.
    pub fn position(&self) -> Position {
        Position {
            at: self.created_at,
            message: self.message,
        }
    }
}

/// A place in a guild's messages: they are ordered by time, then by id (several messages can
/// share a millisecond).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Position {
    /// The message's time.
    pub at: UnixMillis,
    /// The message.
    pub message: MessageId,
}
