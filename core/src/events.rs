//! What happens in a guild, as features see it: [`GuildEvent`], a Discord-free description of
//! the gateway events features react to. The bot builds one from each serenity event in one
//! place (`bot/src/gateway.rs`), keeps the guild model current, and hands it to the features
//! through the registry (`bot/src/features.rs`), which checks each feature's switch first.
//!
//! Events borrow from the gateway event they come from: the message path copies no text to
//! describe a message.

use crate::clock::UnixMillis;
use crate::ids::{ChannelId, GuildId, MessageId, RoleId, UserId};
use crate::levels::VoiceState;
use crate::permissions::{MemberInfo, Overwrite, Permissions};
use crate::references::ChannelKind;
use crate::tickets::Attachment;

/// A role as the logs compare it (what Discord's role object says).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleShape {
    /// The role.
    pub id: RoleId,
    /// Its name.
    pub name: String,
    /// Its colour (`0xRRGGBB`, 0 for none).
    pub colour: u32,
    /// What it grants.
    pub permissions: Permissions,
    /// Its position.
    pub position: i32,
    /// Shown separately in the member list.
    pub hoist: bool,
    /// Anyone may mention it.
    pub mentionable: bool,
    /// A bot or an integration manages it.
    pub managed: bool,
}

/// A channel as the logs compare it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelShape {
    /// The channel.
    pub id: ChannelId,
    /// Its name.
    pub name: String,
    /// Its kind.
    pub kind: ChannelKind,
    /// Its category.
    pub parent: Option<ChannelId>,
    /// Its topic.
    pub topic: Option<String>,
    /// Age-restricted.
    pub nsfw: bool,
    /// Slow mode, in seconds (0 is off).
    pub slowmode_secs: u32,
    /// Its position.
    pub position: i32,
    /// Its permission overwrites.
    pub overwrites: Vec<Overwrite>,
}

/// A member as the guild model knew them before an update.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MemberBefore {
    /// Their roles, when known.
    pub roles: Option<Vec<RoleId>>,
    /// Their name as shown in the server, when known.
    pub name: Option<String>,
    /// Their timeout's end, when the roles were known.
    pub timed_out_until: Option<UnixMillis>,
}

/// A message posted in a guild channel (or thread).
#[derive(Debug, Clone, PartialEq)]
pub struct GuildMessage<'a> {
    /// The guild.
    pub guild: GuildId,
    /// The channel or thread it was posted in.
    pub channel: ChannelId,
    /// The message.
    pub id: MessageId,
    /// Its author.
    pub author: UserId,
    /// The author's user name.
    pub author_name: &'a str,
    /// The author is a bot.
    pub author_is_bot: bool,
    /// It was posted by a webhook.
    pub from_webhook: bool,
    /// The author's roles as the message reports them; `None` when it carried no member
    /// (webhooks, some system messages).
    pub author_roles: Option<&'a [RoleId]>,
    /// Its text (empty without the Message Content intent).
    pub content: &'a str,
    /// Its files.
    pub attachments: &'a [Attachment],
    /// Users it mentions.
    pub user_mentions: usize,
    /// Roles it mentions.
    pub role_mentions: usize,
    /// Discord says it pings @everyone or @here (only when the author may).
    pub mentions_everyone: bool,
    /// When it was made, to the millisecond (from its id).
    pub created_at: UnixMillis,
    /// Its `timestamp` field (whole seconds).
    pub sent_at: UnixMillis,
    /// When it was last edited.
    pub edited_at: Option<UnixMillis>,
}

impl GuildMessage<'_> {
    /// The author's roles, none when the message did not say.
    pub fn roles(&self) -> &[RoleId] {
        self.author_roles.unwrap_or_default()
    }
}

/// A message's edit.
#[derive(Debug, Clone, PartialEq)]
pub struct MessageEdit<'a> {
    /// The guild.
    pub guild: GuildId,
    /// The channel.
    pub channel: ChannelId,
    /// The message.
    pub id: MessageId,
    /// The new text; `None` for updates that are not edits of the text (embeds unfurled, pins).
    pub content: Option<&'a str>,
    /// Its author, when the update says.
    pub author: Option<UserId>,
    /// The author is a bot (false when the update does not say).
    pub author_is_bot: bool,
    /// The files after the edit, when the update reports them.
    pub attachments: Option<&'a [Attachment]>,
    /// When it was edited.
    pub edited_at: UnixMillis,
}

/// A gateway event, Discord-free.
#[derive(Debug, Clone, PartialEq)]
pub enum GuildEvent<'a> {
    /// The guild became available (GUILD_CREATE): its model and settings are loaded.
    Available {
        /// The guild.
        guild: GuildId,
        /// Members in voice now.
        voice: &'a [VoiceState],
        /// Its active threads, each with its parent channel.
        threads: &'a [(ChannelId, ChannelId)],
        /// Members the event says are still pending membership screening.
        pending: &'a [UserId],
        /// Its roles.
        roles: &'a [RoleShape],
        /// Its channels and categories.
        channels: &'a [ChannelShape],
    },
    /// The bot left the guild (`left`) or it became unavailable (an outage; it comes back
    /// with a new [`GuildEvent::Available`]).
    Gone {
        /// The guild.
        guild: GuildId,
        /// The bot was removed, rather than the guild being unavailable.
        left: bool,
    },
    /// A message was posted.
    Message(GuildMessage<'a>),
    /// A message was edited.
    MessageEdited(MessageEdit<'a>),
    /// Messages were deleted at once (a purge by a bot: MESSAGE_DELETE_BULK).
    MessagesPurged {
        /// The guild.
        guild: GuildId,
        /// The channel.
        channel: ChannelId,
        /// The messages.
        ids: &'a [MessageId],
    },
    /// A message was deleted.
    MessageDeleted {
        /// The guild.
        guild: GuildId,
        /// The channel.
        channel: ChannelId,
        /// The message.
        id: MessageId,
    },
    /// A member joined.
    MemberJoined {
        /// The guild.
        guild: GuildId,
        /// The member, with the roles they arrived with.
        member: &'a MemberInfo,
        /// Their user name.
        name: &'a str,
        /// The member is a bot.
        is_bot: bool,
        /// They still have to pass membership screening.
        pending: bool,
    },
    /// A member changed (roles, nickname, screening).
    MemberUpdated {
        /// The guild.
        guild: GuildId,
        /// The member as they are now.
        member: &'a MemberInfo,
        /// They were pending membership screening before this update and are not now (the
        /// guild model remembers who is pending).
        passed_screening: bool,
        /// Roles they got with this update (empty when the guild model did not know their
        /// roles before: an unknown is never read as "no roles").
        gained_roles: &'a [RoleId],
        /// Their name as shown in the server now (nickname, else global name, else user name).
        name: &'a str,
        /// The member is a bot.
        is_bot: bool,
        /// What the guild model knew of them before.
        before: &'a MemberBefore,
    },
    /// A member left, was kicked or banned.
    MemberLeft {
        /// The guild.
        guild: GuildId,
        /// Who.
        user: UserId,
        /// Their user name.
        name: &'a str,
        /// The member is a bot.
        is_bot: bool,
        /// Their roles, when the guild model knew them.
        roles: Option<&'a [RoleId]>,
    },
    /// A role was created or changed (`after` is the role now) or deleted (`after` is `None`).
    RoleChanged {
        /// The guild.
        guild: GuildId,
        /// The role.
        role: RoleId,
        /// The role now; `None` once deleted.
        after: Option<&'a RoleShape>,
    },
    /// A channel was created or changed (`after`) or deleted (`None`).
    ChannelChanged {
        /// The guild.
        guild: GuildId,
        /// The channel.
        channel: ChannelId,
        /// The channel now; `None` once deleted.
        after: Option<&'a ChannelShape>,
    },
    /// A member's voice state changed (joined, left, moved, muted). The process's one voice
    /// tracker (the levels service's) has taken the change already: it says what was before.
    Voice {
        /// The guild.
        guild: GuildId,
        /// The new state.
        state: VoiceState,
        /// The state before (`None`: they were not in voice).
        before: Option<VoiceState>,
        /// The session this update ended (they left voice).
        ended: Option<&'a crate::levels::VoiceSession>,
    },
    /// Threads were created, changed or listed, each with its parent channel.
    Threads {
        /// The guild.
        guild: GuildId,
        /// Each thread and its parent.
        threads: &'a [(ChannelId, ChannelId)],
    },
    /// A thread was deleted.
    ThreadDeleted {
        /// The guild.
        guild: GuildId,
        /// The thread.
        thread: ChannelId,
    },
}

impl GuildEvent<'_> {
    /// The guild it happened in.
    pub fn guild(&self) -> GuildId {
        match self {
            Self::Available { guild, .. }
            | Self::Gone { guild, .. }
            | Self::MessageDeleted { guild, .. }
            | Self::MessagesPurged { guild, .. }
            | Self::RoleChanged { guild, .. }
            | Self::ChannelChanged { guild, .. }
            | Self::MemberJoined { guild, .. }
            | Self::MemberUpdated { guild, .. }
            | Self::MemberLeft { guild, .. }
            | Self::Voice { guild, .. }
            | Self::Threads { guild, .. }
            | Self::ThreadDeleted { guild, .. } => *guild,
            Self::Message(message) => message.guild,
            Self::MessageEdited(edit) => edit.guild,
        }
    }

    /// Whether the event only keeps a feature's picture of the guild true (the guild came or
    /// went, who is in voice, which threads, roles and channels exist): such events reach a
    /// feature even while it is switched off, so it is right the moment it is switched on
    /// (a feature that also acts on them checks its switch itself). Every other event —
    /// messages, members — reaches only features that are on.
    pub fn keeps_state(&self) -> bool {
        matches!(
            self,
            Self::Available { .. }
                | Self::Gone { .. }
                | Self::Voice { .. }
                | Self::Threads { .. }
                | Self::ThreadDeleted { .. }
                | Self::RoleChanged { .. }
                | Self::ChannelChanged { .. }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn member_and_message_events_need_the_switch_and_state_events_do_not() {
        let guild = GuildId::new(1);
        assert!(
            GuildEvent::Gone { guild, left: true }.keeps_state(),
            "a switched-off feature still forgets a guild the bot left"
        );
        assert!(
            GuildEvent::Voice {
                guild,
                state: VoiceState::joined(UserId::new(2), ChannelId::new(3)),
                before: None,
                ended: None,
            }
            .keeps_state()
        );
        assert!(
            !GuildEvent::MemberLeft {
                guild,
                user: UserId::new(2),
                name: "ava",
                is_bot: false,
                roles: None,
            }
            .keeps_state()
        );
        let message = GuildEvent::Message(GuildMessage {
            guild,
            channel: ChannelId::new(3),
            id: MessageId::new(4),
            author: UserId::new(2),
            author_name: "ada",
            author_is_bot: false,
            from_webhook: false,
            author_roles: None,
            content: "hi",
            attachments: &[],
            user_mentions: 0,
            role_mentions: 0,
            mentions_everyone: false,
            created_at: UnixMillis(0),
            sent_at: UnixMillis(0),
            edited_at: None,
        });
        assert!(!message.keeps_state());
        assert_eq!(message.guild(), guild);
    }
}
