//! Who may see and write in a ticket, as effects: the permission overwrites of a channel-mode
//! ticket, and the effects that lock a closed ticket and unlock a reopened one. Pure: the
//! service calls these and the bot performs what they return.
//!
//! A thread ticket is archived and locked on close (the closing message is posted first: an
//! archived thread takes no new messages) and unarchived and unlocked on reopen (before the
//! "reopened" message). A channel ticket keeps the opener able to read it, so they see the
//! closing note, but takes away Send Messages; reopening gives it back.

use super::model::{Panel, Ticket};
use super::settings::TicketMode;
use crate::effect::Effect;
use crate::ids::{ChannelId, GuildId, RoleId, UserId};
use crate::permissions::{Overwrite, OverwriteTarget, Permissions};

/// What the opener and the staff roles may do in an open ticket channel.
pub const PARTICIPANT_ALLOW: Permissions = Permissions(
    Permissions::VIEW_CHANNEL.0
        | Permissions::SEND_MESSAGES.0
        | Permissions::READ_MESSAGE_HISTORY.0
        | Permissions::ATTACH_FILES.0,
);

/// What the bot gives itself in a ticket channel: it posts there and may rename or delete it.
pub const BOT_ALLOW: Permissions = Permissions(
    Permissions::VIEW_CHANNEL.0 | Permissions::SEND_MESSAGES.0 | Permissions::MANAGE_CHANNELS.0,
);

/// What the opener keeps in a closed ticket channel: reading it, the closing note included.
pub const CLOSED_OPENER_ALLOW: Permissions =
    Permissions(Permissions::VIEW_CHANNEL.0 | Permissions::READ_MESSAGE_HISTORY.0);

/// What the opener loses in a closed ticket channel.
pub const CLOSED_OPENER_DENY: Permissions = Permissions::SEND_MESSAGES;

/// Where a ticket's conversation lives, which decides how it is locked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Conversation {
    /// A private thread: archived and locked on close.
    Thread(ChannelId),
    /// A private channel: the opener's Send Messages is denied on close.
    Channel(ChannelId),
}

impl Conversation {
    /// The ticket's conversation, from the panel it was opened on (a channel only in channel
    /// mode with a category, as [`TicketService::open`](super::TicketService::open) decides);
    /// `None` before the bot attached one.
    pub fn of(panel: &Panel, ticket: &Ticket) -> Option<Self> {
        let channel = ticket.channel?;
        Some(if uses_channels(panel) {
            Self::Channel(channel)
        } else {
            Self::Thread(channel)
        })
    }
}

/// Whether tickets of `panel` open as channels (channel mode with a category) rather than
/// threads.
pub fn uses_channels(panel: &Panel) -> bool {
    panel.mode == TicketMode::Channel && panel.category.is_some()
}

/// The overwrites of a new ticket channel: @everyone (the role whose id is the guild's) may not
/// see it; the opener and each staff role may see it, write, read its history and attach
/// files; the bot may see it, write and manage it.
pub fn ticket_channel_overwrites(
    guild: GuildId,
    opener: UserId,
    staff_roles: &[RoleId],
    bot: UserId,
) -> Vec<Overwrite> {
    let mut overwrites = vec![
        Overwrite {
            target: OverwriteTarget::Role(RoleId::new(guild.get())),
            allow: Permissions::NONE,
            deny: Permissions::VIEW_CHANNEL,
        },
        participant(OverwriteTarget::Member(opener)),
    ];
    overwrites.extend(
        staff_roles
            .iter()
            .map(|role| participant(OverwriteTarget::Role(*role))),
    );
    overwrites.push(Overwrite {
        target: OverwriteTarget::Member(bot),
        allow: BOT_ALLOW,
        deny: Permissions::NONE,
    });
    overwrites
}

fn participant(target: OverwriteTarget) -> Overwrite {
    Overwrite {
        target,
        allow: PARTICIPANT_ALLOW,
        deny: Permissions::NONE,
    }
}

/// The [`Effect::CreateChannel`] of a channel-mode ticket in `category`.
pub fn create_ticket_channel(
    ticket: &Ticket,
    category: ChannelId,
    name: &str,
    staff_roles: &[RoleId],
    bot: UserId,
) -> Effect {
    Effect::CreateChannel {
        guild: ticket.guild,
        name: name.to_owned(),
        parent: Some(category),
        overwrites: ticket_channel_overwrites(ticket.guild, ticket.opener, staff_roles, bot),
        reason: Some(format!(
            "Ticket #{} opened by {}",
            ticket.number, ticket.opener
        )),
    }
}

/// The effect that locks a closed ticket: perform it after the closing message.
pub fn lock(conversation: Conversation, ticket: &Ticket) -> Effect {
    let reason = Some(format!("Ticket #{} closed", ticket.number));
    match conversation {
        Conversation::Thread(thread) => Effect::SetThreadState {
            thread,
            archived: true,
            locked: true,
            reason,
        },
        Conversation::Channel(channel) => Effect::SetChannelPermission {
            channel,
            overwrite: Overwrite {
                target: OverwriteTarget::Member(ticket.opener),
                allow: CLOSED_OPENER_ALLOW,
                deny: CLOSED_OPENER_DENY,
            },
            reason,
        },
    }
}

/// The effect that unlocks a reopened ticket: perform it before the "reopened" message.
pub fn unlock(conversation: Conversation, ticket: &Ticket) -> Effect {
    let reason = Some(format!("Ticket #{} reopened", ticket.number));
    match conversation {
        Conversation::Thread(thread) => Effect::SetThreadState {
            thread,
            archived: false,
            locked: false,
            reason,
        },
        Conversation::Channel(channel) => Effect::SetChannelPermission {
            channel,
            overwrite: participant(OverwriteTarget::Member(ticket.opener)),
            reason,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::UnixMillis;
    use crate::permissions::{GuildInfo, MemberInfo, RoleInfo};
    use crate::tickets::TicketState;

    const GUILD: GuildId = GuildId::new(100);
    const EVERYONE: RoleId = RoleId::new(100);
    const STAFF: RoleId = RoleId::new(7);
    const OPENER: UserId = UserId::new(11);
    const STRANGER: UserId = UserId::new(12);
    const HELPER: UserId = UserId::new(13);
    const BOT: UserId = UserId::new(14);
    const CATEGORY: ChannelId = ChannelId::new(50);
    const TICKET_CHANNEL: ChannelId = ChannelId::new(60);

    fn ticket() -> Ticket {
        Ticket {
            id: 1,
            guild: GUILD,
            panel: crate::tickets::PanelId(1),
            number: 7,
            opener: OPENER,
            channel: Some(TICKET_CHANNEL),
            state: TicketState::Open,
            claimed_by: None,
            claimed_at: None,
            opened_at: UnixMillis(0),
            closed_at: None,
            closed_by: None,
            close_reason: None,
            last_activity_at: UnixMillis(0),
            warned_activity_at: None,
        }
    }

    fn panel(mode: TicketMode, category: Option<ChannelId>) -> Panel {
        Panel {
            id: crate::tickets::PanelId(1),
            guild: GUILD,
            channel: ChannelId::new(40),
            message: None,
            title: "Help".into(),
            description: String::new(),
            button_label: "Open".into(),
            staff_roles: vec![STAFF],
            mode,
            category,
            created_by: UserId::new(1),
            created_at: UnixMillis(0),
        }
    }

    /// A guild where @everyone may see and write everywhere, as most guilds are set up.
    fn guild() -> GuildInfo {
        GuildInfo {
            id: GUILD,
            owner: UserId::new(1),
            roles: vec![
                RoleInfo {
                    id: EVERYONE,
                    position: 0,
                    permissions: PARTICIPANT_ALLOW,
                },
                RoleInfo {
                    id: STAFF,
                    position: 2,
                    permissions: Permissions::NONE,
                },
            ],
        }
    }

    fn member(user: UserId, roles: &[RoleId]) -> MemberInfo {
        MemberInfo {
            user,
            roles: roles.to_vec(),
            timed_out_until: None,
        }
    }

    /// Whether the opener, a stranger, a staff member and the bot may (see, send) with
    /// `overwrites`.
    fn access(overwrites: &[Overwrite]) -> [(bool, bool); 4] {
        let guild = guild();
        [
            member(OPENER, &[]),
            member(STRANGER, &[]),
            member(HELPER, &[STAFF]),
            member(BOT, &[]),
        ]
        .map(|who| {
            let permissions = guild.channel_permissions(&who, overwrites, UnixMillis(0));
            // Discord denies everything in a channel to whoever cannot see it.
            let view = permissions.contains(Permissions::VIEW_CHANNEL);
            (
                view,
                view && permissions.contains(Permissions::SEND_MESSAGES),
            )
        })
    }

    fn replace(overwrites: &mut Vec<Overwrite>, effect: &Effect) {
        let Effect::SetChannelPermission { overwrite, .. } = effect else {
            panic!("not a permission overwrite: {effect:?}");
        };
        overwrites.retain(|existing| existing.target != overwrite.target);
        overwrites.push(*overwrite);
    }

    #[test]
    fn a_ticket_channel_is_private_to_the_opener_the_staff_and_the_bot() {
        let Effect::CreateChannel {
            guild,
            name,
            parent,
            overwrites,
            reason,
        } = create_ticket_channel(&ticket(), CATEGORY, "ticket-0007-ada", &[STAFF], BOT)
        else {
            panic!("not a channel");
        };
        assert_eq!(
            (guild, name.as_str(), parent),
            (GUILD, "ticket-0007-ada", Some(CATEGORY))
        );
        assert_eq!(reason.as_deref(), Some("Ticket #7 opened by 11"));
        assert_eq!(
            overwrites[0],
            Overwrite {
                target: OverwriteTarget::Role(EVERYONE),
                allow: Permissions::NONE,
                deny: Permissions::VIEW_CHANNEL,
            }
        );
        assert_eq!(
            overwrites
                .iter()
                .find(|o| o.target == OverwriteTarget::Member(BOT))
                .map(|o| o.allow),
            Some(
                Permissions::VIEW_CHANNEL
                    | Permissions::SEND_MESSAGES
                    | Permissions::MANAGE_CHANNELS
            )
        );
        assert_eq!(
            access(&overwrites),
            [(true, true), (false, false), (true, true), (true, true)],
            "opener, stranger, staff, bot"
        );
    }

    #[test]
    fn closing_a_channel_ticket_silences_the_opener_and_reopening_restores_them() {
        let ticket = ticket();
        let conversation = Conversation::Channel(TICKET_CHANNEL);
        let mut overwrites = ticket_channel_overwrites(GUILD, OPENER, &[STAFF], BOT);

        let closing = lock(conversation, &ticket);
        let Effect::SetChannelPermission {
            channel,
            overwrite,
            reason,
        } = &closing
        else {
            panic!("{closing:?}");
        };
        assert_eq!(*channel, TICKET_CHANNEL);
        assert_eq!(overwrite.target, OverwriteTarget::Member(OPENER));
        assert_eq!(overwrite.deny, Permissions::SEND_MESSAGES);
        assert_eq!(reason.as_deref(), Some("Ticket #7 closed"));
        replace(&mut overwrites, &closing);
        assert_eq!(
            access(&overwrites),
            [(true, false), (false, false), (true, true), (true, true)],
            "the opener still reads the closing note"
        );

        replace(&mut overwrites, &unlock(conversation, &ticket));
        assert_eq!(
            access(&overwrites),
            [(true, true), (false, false), (true, true), (true, true)]
        );
    }

    #[test]
    fn closing_a_thread_ticket_archives_and_locks_it_and_reopening_reverses_it() {
        let ticket = ticket();
        let conversation = Conversation::Thread(TICKET_CHANNEL);
        assert_eq!(
            lock(conversation, &ticket),
            Effect::SetThreadState {
                thread: TICKET_CHANNEL,
                archived: true,
                locked: true,
                reason: Some("Ticket #7 closed".into()),
            }
        );
        assert_eq!(
            unlock(conversation, &ticket),
            Effect::SetThreadState {
                thread: TICKET_CHANNEL,
                archived: false,
                locked: false,
                reason: Some("Ticket #7 reopened".into()),
            }
        );
    }

    #[test]
    fn the_panel_decides_thread_or_channel() {
        let ticket = ticket();
        type Case = (TicketMode, Option<ChannelId>, Option<Conversation>);
        let cases: [Case; 3] = [
            (
                TicketMode::Thread,
                None,
                Some(Conversation::Thread(TICKET_CHANNEL)),
            ),
            (
                TicketMode::Channel,
                Some(CATEGORY),
                Some(Conversation::Channel(TICKET_CHANNEL)),
            ),
            // Channel mode without a category opens threads (see `open`).
            (
                TicketMode::Channel,
                None,
                Some(Conversation::Thread(TICKET_CHANNEL)),
            ),
        ];
        for (mode, category, expected) in cases {
            assert_eq!(
                Conversation::of(&panel(mode, category), &ticket),
                expected,
                "{mode:?} {category:?}"
            );
        }
        let unattached = Ticket {
            channel: None,
            ..ticket
        };
        assert_eq!(
            Conversation::of(&panel(TicketMode::Thread, None), &unattached),
            None
        );
    }
}
