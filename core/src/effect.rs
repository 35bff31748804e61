//! The closed set of things Guildhall does on Discord.
//!
//! Feature services decide; they return `Effect`s. The bot's executor (in `guildhall-bot`) is the
//! only code that performs them, which keeps every rule testable without Discord and lets the
//! stand-in, the demo and the benchmarks run the same engine. The set grows with the features.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::clock::UnixMillis;
use crate::ids::{ChannelId, GuildId, MessageId, RoleId, UserId};
use crate::permissions::Overwrite;

/// One action on Discord.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "effect", rename_all = "snake_case")]
pub enum Effect {
    /// Post a message in a channel (or thread).
    SendMessage {
        /// Where to post.
        channel: ChannelId,
        /// What to post.
        message: OutgoingMessage,
    },
    /// Send a direct message to a user.
    SendDirectMessage {
        /// To whom.
        user: UserId,
        /// What to send.
        message: OutgoingMessage,
    },
    /// Replace the content of a message the bot posted earlier.
    EditMessage {
        /// The channel holding the message.
        channel: ChannelId,
        /// The message to edit.
        message_id: MessageId,
        /// The new content.
        message: OutgoingMessage,
    },
    /// Delete a message.
    DeleteMessage {
        /// The channel holding the message.
        channel: ChannelId,
        /// The message to delete.
        message_id: MessageId,
        /// Shown in the guild's audit log.
        reason: Option<String>,
    },
    /// React to a message as the bot.
    React {
        /// The channel holding the message.
        channel: ChannelId,
        /// The message.
        message_id: MessageId,
        /// A Unicode emoji, or a custom one as Discord writes it (`<:name:id>`).
        emoji: String,
    },
    /// Give a member a role.
    AddRole {
        /// The guild.
        guild: GuildId,
        /// The member.
        user: UserId,
        /// The role.
        role: RoleId,
        /// Shown in the guild's audit log.
        reason: Option<String>,
    },
    /// Take a role from a member.
    RemoveRole {
        /// The guild.
        guild: GuildId,
        /// The member.
        user: UserId,
        /// The role.
        role: RoleId,
        /// Shown in the guild's audit log.
        reason: Option<String>,
    },
    /// Disable a member's communication until a time (Discord's native timeout, at most 28 days).
    Timeout {
        /// The guild.
        guild: GuildId,
        /// The member.
        user: UserId,
        /// When the timeout ends.
        until: UnixMillis,
        /// Shown in the guild's audit log.
        reason: Option<String>,
    },
    /// Lift a member's timeout.
    RemoveTimeout {
        /// The guild.
        guild: GuildId,
        /// The member.
        user: UserId,
        /// Shown in the guild's audit log.
        reason: Option<String>,
    },
    /// Set or clear a member's nickname.
    SetNickname {
        /// The guild.
        guild: GuildId,
        /// The member.
        user: UserId,
        /// The new nickname; `None` restores their username.
        nickname: Option<String>,
        /// Shown in the guild's audit log.
        reason: Option<String>,
    },
    /// Remove a member from the guild; they may rejoin.
    Kick {
        /// The guild.
        guild: GuildId,
        /// The member.
        user: UserId,
        /// Shown in the guild's audit log.
        reason: Option<String>,
    },
    /// Ban a user from the guild.
    Ban {
        /// The guild.
        guild: GuildId,
        /// The user.
        user: UserId,
        /// How far back to delete the user's messages (Discord allows up to 7 days).
        delete_messages: Duration,
        /// Shown in the guild's audit log.
        reason: Option<String>,
    },
    /// Lift a ban.
    Unban {
        /// The guild.
        guild: GuildId,
        /// The user.
        user: UserId,
        /// Shown in the guild's audit log.
        reason: Option<String>,
    },
    /// Open a thread in a channel.
    CreateThread {
        /// The parent channel.
        channel: ChannelId,
        /// The thread's name.
        name: String,
        /// A private thread is visible only to invited members and moderators.
        private: bool,
        /// Members to add to the thread once it exists.
        invite: Vec<UserId>,
    },
    /// Create a text channel in a guild, optionally in a category, with permission overwrites
    /// (a private ticket channel denies @everyone and allows the people it is for). The bot
    /// needs Manage Channels, and may only allow or deny permissions it has itself.
    CreateChannel {
        /// The guild.
        guild: GuildId,
        /// The channel's name (Discord lowercases it and allows 1 to 100 characters).
        name: String,
        /// The category to create it in; `None` for the top level.
        parent: Option<ChannelId>,
        /// The channel's permission overwrites; empty to inherit nothing (and, in a category,
        /// to take the category's).
        overwrites: Vec<Overwrite>,
        /// Shown in the guild's audit log.
        reason: Option<String>,
    },
    /// Set (create or replace) one permission overwrite on a channel, for a role or a member.
    /// The bot needs Manage Roles, and may only allow or deny permissions it has itself.
    SetChannelPermission {
        /// The channel (not a thread: threads take their parent's overwrites).
        channel: ChannelId,
        /// Whom the overwrite is for, and what it allows and denies. It replaces the target's
        /// previous overwrite entirely.
        overwrite: Overwrite,
        /// Shown in the guild's audit log.
        reason: Option<String>,
    },
    /// Archive or unarchive a thread, and lock or unlock it. A locked thread can only be
    /// unarchived by members with Manage Threads, so members cannot reopen it by posting.
    SetThreadState {
        /// The thread.
        thread: ChannelId,
        /// Archived (hidden from the channel's thread list, read-only until unarchived).
        archived: bool,
        /// Locked (only Manage Threads may unarchive it).
        locked: bool,
        /// Shown in the guild's audit log.
        reason: Option<String>,
    },
    /// Move a member to another voice channel, or (`channel` `None`) disconnect them from
    /// voice (the AFK rule).
    MoveVoice {
        /// The guild.
        guild: GuildId,
        /// The member.
        user: UserId,
        /// Where to; `None` disconnects.
        channel: Option<ChannelId>,
        /// Shown in the guild's audit log.
        reason: Option<String>,
    },
    /// Post a message the bot sends for a guild rather than in answer to someone (an
    /// announcement, a log line, a welcome, an alert). Like [`Effect::SendMessage`], except that
    /// a guild whose tier has a custom identity and that set one gets it posted through a
    /// webhook the bot manages in the channel, with the guild's bot name and avatar.
    Announce {
        /// The guild it is for.
        guild: GuildId,
        /// Where to post.
        channel: ChannelId,
        /// What to post.
        message: OutgoingMessage,
    },
    /// Answer an interaction (slash command, button, select or modal).
    InteractionReply {
        /// The interaction's id, as Discord gave it.
        interaction_id: String,
        /// The interaction's token, valid for 15 minutes.
        token: String,
        /// What to answer.
        message: OutgoingMessage,
        /// Visible only to the member who acted.
        ephemeral: bool,
    },
}

/// A message to send or an edit to make: text, embeds and components, without Discord's types.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct OutgoingMessage {
    /// Plain text content (Discord allows 2,000 characters).
    pub content: String,
    /// Rich embeds.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub embeds: Vec<Embed>,
    /// Rows of buttons or selects.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub components: Vec<ComponentRow>,
    /// Whom the message may ping; nobody unless listed.
    #[serde(default)]
    pub allowed_mentions: AllowedMentions,
    /// A key (at most 25 characters) that makes the post idempotent: sent with Discord's
    /// `enforce_nonce`, a second post with the same nonce within a few minutes returns the
    /// first message instead of posting again. Announcements that a retry after a crash might
    /// repeat (a giveaway's winners) carry one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    /// Files to attach (a log's transcript), sent as `multipart/form-data`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<OutgoingFile>,
}

/// A text file attached to a message.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutgoingFile {
    /// Its name (`deleted-messages.txt`).
    pub name: String,
    /// Its text (UTF-8).
    pub text: String,
}

impl OutgoingMessage {
    /// A plain text message that pings nobody.
    pub fn text(content: impl Into<String>) -> Self {
        Self {
            content: content.into(),
            ..Self::default()
        }
    }
}

/// A rich embed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Embed {
    /// Title line.
    pub title: Option<String>,
    /// Body text.
    pub description: Option<String>,
    /// Accent colour as 0xRRGGBB.
    pub color: Option<u32>,
    /// Name/value fields.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<EmbedField>,
    /// Footer text.
    pub footer: Option<String>,
    /// Timestamp shown in the footer.
    pub timestamp: Option<UnixMillis>,
    /// A small image at the top right (an https URL).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thumbnail: Option<String>,
}

/// One field of an embed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EmbedField {
    /// Field name.
    pub name: String,
    /// Field value.
    pub value: String,
    /// Shown side by side with neighbouring inline fields.
    pub inline: bool,
}

/// A row of message components.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComponentRow(pub Vec<Component>);

/// An interactive component. Its `custom_id` follows the scheme `feature:action:id`, owned by the
/// feature that routes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Component {
    /// A button.
    Button {
        /// Routing id, `feature:action:id`.
        custom_id: String,
        /// The visible label. It may begin with one custom server emoji in Discord's markup
        /// (`<:name:id> Events`): the bot sends that as the button's emoji ([`label_emoji`]).
        label: String,
        /// The button's colour.
        style: ButtonStyle,
        /// Greyed out and unclickable.
        disabled: bool,
    },
    /// A drop-down menu.
    Select {
        /// Routing id, `feature:action:id`.
        custom_id: String,
        /// Shown when nothing is chosen.
        placeholder: Option<String>,
        /// The choices.
        options: Vec<SelectOption>,
        /// Fewest choices allowed.
        min_values: u8,
        /// Most choices allowed.
        max_values: u8,
    },
    /// Discord's premium button (style 6): it shows the SKU's name and price and opens its
    /// purchase; it has no label or `custom_id`, and a click sends the bot nothing.
    Premium {
        /// The SKU it sells.
        sku: crate::ids::SkuId,
    },
}

impl Component {
    /// Its `custom_id`; a premium button has none.
    pub fn custom_id(&self) -> Option<&str> {
        match self {
            Self::Button { custom_id, .. } | Self::Select { custom_id, .. } => Some(custom_id),
            Self::Premium { .. } => None,
        }
    }
}

/// A label's leading custom emoji (`<:name:id>`, `<a:name:id>`) and the rest of the label, or
/// no emoji and the whole label: how a component's emoji travels in this Discord-free model.
pub fn label_emoji(label: &str) -> (Option<crate::text::CustomEmoji<'_>>, &str) {
    if let Some(end) = label.find('>')
        && let Some(emoji) = crate::text::custom_emoji(&label[..=end])
    {
        return (Some(emoji), label[end + 1..].trim_start());
    }
    (None, label)
}

/// A button's colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ButtonStyle {
    /// Blurple.
    Primary,
    /// Grey.
    Secondary,
    /// Green.
    Success,
    /// Red.
    Danger,
}

/// One choice of a select menu.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SelectOption {
    /// The visible label; like a button's, it may begin with a custom emoji ([`label_emoji`]).
    pub label: String,
    /// The value sent back when chosen.
    pub value: String,
    /// A second line of text.
    pub description: Option<String>,
}

/// Whom a message may ping. The default pings nobody, so user text can never mass-mention.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AllowedMentions {
    /// Users who may be pinged.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub users: Vec<UserId>,
    /// Roles that may be pinged.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<RoleId>,
    /// Whether @everyone and @here may ping.
    #[serde(default)]
    pub everyone: bool,
}

impl Effect {
    /// The guild an effect acts in, where it names one; used to share rate limits fairly.
    pub fn guild(&self) -> Option<GuildId> {
        match self {
            Self::AddRole { guild, .. }
            | Self::RemoveRole { guild, .. }
            | Self::Timeout { guild, .. }
            | Self::SetNickname { guild, .. }
            | Self::RemoveTimeout { guild, .. }
            | Self::Kick { guild, .. }
            | Self::Ban { guild, .. }
            | Self::Unban { guild, .. }
            | Self::CreateChannel { guild, .. }
            | Self::MoveVoice { guild, .. }
            | Self::Announce { guild, .. } => Some(*guild),
            Self::SendMessage { .. }
            | Self::SendDirectMessage { .. }
            | Self::EditMessage { .. }
            | Self::DeleteMessage { .. }
            | Self::React { .. }
            | Self::CreateThread { .. }
            | Self::SetChannelPermission { .. }
            | Self::SetThreadState { .. }
            | Self::InteractionReply { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn effects_serialize_with_a_tag_for_the_job_ledger() {
        let effect = Effect::Ban {
            guild: GuildId::new(1),
            user: UserId::new(2),
            delete_messages: Duration::from_secs(3_600),
            reason: Some("raid".into()),
        };
        let json = serde_json::to_value(&effect).unwrap();
        assert_eq!(json["effect"], "ban");
        assert_eq!(json["guild"], "1");
        let back: Effect = serde_json::from_value(json).unwrap();
        assert_eq!(back, effect);
        assert_eq!(back.guild(), Some(GuildId::new(1)));
    }

    #[test]
    fn channel_effects_round_trip_through_json() {
        use crate::permissions::{OverwriteTarget, Permissions};
        let create = Effect::CreateChannel {
            guild: GuildId::new(1),
            name: "ticket-0001".into(),
            parent: Some(ChannelId::new(2)),
            overwrites: vec![Overwrite {
                target: OverwriteTarget::Role(RoleId::new(1)),
                allow: Permissions::NONE,
                deny: Permissions::VIEW_CHANNEL,
            }],
            reason: Some("ticket #1".into()),
        };
        let permission = Effect::SetChannelPermission {
            channel: ChannelId::new(3),
            overwrite: Overwrite {
                target: OverwriteTarget::Member(UserId::new(4)),
                allow: Permissions::VIEW_CHANNEL,
                deny: Permissions::SEND_MESSAGES,
            },
            reason: None,
        };
        let thread = Effect::SetThreadState {
            thread: ChannelId::new(5),
            archived: true,
            locked: true,
            reason: None,
        };
        for (effect, tag, guild) in [
            (create, "create_channel", Some(GuildId::new(1))),
            (permission, "set_channel_permission", None),
            (thread, "set_thread_state", None),
        ] {
            let json = serde_json::to_value(&effect).unwrap();
            assert_eq!(json["effect"], tag);
            let back: Effect = serde_json::from_value(json).unwrap();
            assert_eq!(back, effect);
            assert_eq!(back.guild(), guild);
        }
    }

    #[test]
    fn plain_text_pings_nobody() {
        let message = OutgoingMessage::text("@everyone hi");
        assert!(!message.allowed_mentions.everyone);
        assert!(message.allowed_mentions.users.is_empty());
    }
}

/// Performs effects: implemented by the bot's executor, injected into the job handlers that act
/// on Discord later (a tempban lifted on time), so those handlers stay in core.
#[async_trait::async_trait]
pub trait EffectSink: Send + Sync + std::fmt::Debug {
    /// Performs one effect on behalf of `guild`.
    ///
    /// # Errors
    /// A message saying why Discord did not carry it out.
    async fn perform(&self, guild: Option<GuildId>, effect: &Effect) -> Result<(), EffectError>;

    /// Performs one effect and returns what Discord created, as Discord's JSON (the posted
    /// message of [`Effect::SendMessage`], with its `id`), for callers that must remember it.
    /// The default performs the effect and returns `None`: a sink that cannot report what it
    /// created.
    ///
    /// # Errors
    /// As [`EffectSink::perform`].
    async fn perform_returning(
        &self,
        guild: Option<GuildId>,
        effect: &Effect,
    ) -> Result<Option<serde_json::Value>, EffectError> {
        self.perform(guild, effect).await?;
        Ok(None)
    }
}

/// The id of the object Discord created (a message, a channel, a thread), read from the JSON
/// the executor and [`EffectSink::perform_returning`] give back; `None` when there is none.
pub fn created_id<T: std::str::FromStr>(created: Option<&serde_json::Value>) -> Option<T> {
    created?.get("id")?.as_str()?.parse().ok()
}

/// Why an effect was not carried out.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EffectError {
    /// Discord refused it (4xx); retrying cannot help.
    #[error("refused: {0}")]
    Refused(String),
    /// Discord or the network failed; a later attempt may work.
    #[error("unavailable: {0}")]
    Unavailable(String),
}
