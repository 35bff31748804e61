//! The one place serenity's gateway events become the core's [`GuildEvent`]s: what the
//! features see of Discord.
//!
//! A [`GuildEvent`] borrows from the serenity event; what has to be converted (ids of roles,
//! files, voice states) is kept beside it in [`Described`], so the message path copies no text.

use guildhall_core::clock::UnixMillis;
use guildhall_core::events::{
    ChannelShape, GuildEvent, GuildMessage, MemberBefore, MessageEdit, RoleShape,
};
use guildhall_core::ids::{ChannelId, MessageId, RoleId, UserId};
use guildhall_core::levels::VoiceState;
use guildhall_core::permissions::MemberInfo;
use guildhall_core::tickets::Attachment;
use serenity::all as discord;
use serenity::all::FullEvent;

use crate::convert;

/// A gateway event with what its [`GuildEvent`] borrows.
#[derive(Debug)]
pub struct Described<'a> {
    source: &'a FullEvent,
    roles: Option<Vec<RoleId>>,
    attachments: Option<Vec<Attachment>>,
    voice: Vec<VoiceState>,
    threads: Vec<(ChannelId, ChannelId)>,
    pending: Vec<UserId>,
    member: Option<MemberInfo>,
    passed_screening: bool,
    gained: Vec<RoleId>,
    role_shapes: Vec<RoleShape>,
    channel_shapes: Vec<ChannelShape>,
    member_before: MemberBefore,
    member_name: String,
    purged: Vec<MessageId>,
    now: UnixMillis,
}

/// What the guild model knew before the event, where a feature needs it.
#[derive(Debug, Clone, Default)]
pub struct Before {
    /// The member was pending screening (GUILD_MEMBER_UPDATE).
    pub was_pending: Option<bool>,
    /// The member's roles before the update (GUILD_MEMBER_UPDATE) or the removal
    /// (GUILD_MEMBER_REMOVE), when the guild model knew them.
    pub roles: Option<Vec<RoleId>>,
    /// The member's timeout before the update, when the guild model knew the member.
    pub timed_out_until: Option<UnixMillis>,
    /// The member's name in the server before the update, when known.
    pub name: Option<String>,
}

/// Describes `event` for the features, or `None` for events no feature sees (READY, emojis,
/// which only the guild model keeps). `bot` is the bot's own user (a voice state
/// without a member is the bot's own when it is), `now` the time an edit without a time is
/// dated.
pub fn describe<'a>(
    event: &'a FullEvent,
    bot: Option<UserId>,
    before: Before,
    now: UnixMillis,
) -> Option<Described<'a>> {
    let mut described = Described {
        source: event,
        roles: None,
        attachments: None,
        voice: Vec::new(),
        threads: Vec::new(),
        pending: Vec::new(),
        member: None,
        passed_screening: false,
        gained: Vec::new(),
        role_shapes: Vec::new(),
        channel_shapes: Vec::new(),
        member_before: MemberBefore::default(),
        member_name: String::new(),
        purged: Vec::new(),
        now,
    };
    match event {
        FullEvent::GuildCreate { guild, .. } => {
            described.threads = guild.threads.iter().filter_map(thread_parent).collect();
            described.voice = guild
                .voice_states
                .values()
                .map(|state| {
                    // GUILD_CREATE's voice states carry no member: the guild's member list says
                    // who is a bot.
                    let is_bot = state
                        .member
                        .as_ref()
                        .or_else(|| guild.members.get(&state.user_id))
                        .is_some_and(|member| member.user.bot);
                    voice_state(state, is_bot)
                })
                .collect();
            described.pending = guild
                .members
                .values()
                .filter(|member| member.pending)
                .map(|member| convert::user(member.user.id))
                .collect();
            described.role_shapes = guild.roles.values().map(convert::role_shape).collect();
            described.channel_shapes = guild
                .channels
                .values()
                .map(convert::channel_shape)
                .collect();
        }
        FullEvent::GuildDelete { .. } | FullEvent::MessageDelete { .. } => {}
        FullEvent::MessageDeleteBulk {
            guild_id,
            multiple_deleted_messages_ids,
            ..
        } => {
            guild_id.as_ref()?;
            described.purged = multiple_deleted_messages_ids
                .iter()
                .map(|id| MessageId::new(id.get()))
                .collect();
        }
        FullEvent::GuildRoleCreate { new } | FullEvent::GuildRoleUpdate { new, .. } => {
            described.role_shapes = vec![convert::role_shape(new)];
        }
        FullEvent::GuildRoleDelete { .. } => {}
        FullEvent::ChannelCreate { channel } | FullEvent::ChannelUpdate { new: channel, .. } => {
            described.channel_shapes = vec![convert::channel_shape(channel)];
        }
        FullEvent::ChannelDelete { .. } => {}
        FullEvent::Message { new_message } => {
            new_message.guild_id?;
            described.roles = new_message.member.as_ref().map(|member| {
                member
                    .roles
                    .iter()
                    .map(|role| convert::role(*role))
                    .collect()
            });
            described.attachments = Some(attachments(&new_message.attachments));
        }
        FullEvent::MessageUpdate { event, .. } => {
            event.guild_id?;
            described.attachments = event.attachments.as_deref().map(attachments);
        }
        FullEvent::GuildMemberAddition { new_member } => {
            described.member = Some(convert::member_info(new_member));
        }
        FullEvent::GuildMemberUpdate { event, .. } => {
            described.member = Some(convert::member_update_info(event));
            described.member_name = event
                .nick
                .clone()
                .or_else(|| event.user.global_name.clone())
                .unwrap_or_else(|| event.user.name.clone());
            described.member_before = MemberBefore {
                roles: before.roles.clone(),
                name: before.name.clone(),
                timed_out_until: before.timed_out_until,
            };
            described.passed_screening = before.was_pending == Some(true) && !event.pending;
            if let (Some(old), Some(member)) = (&before.roles, &described.member) {
                described.gained = member
                    .roles
                    .iter()
                    .filter(|role| !old.contains(role))
                    .copied()
                    .collect();
            }
        }
        FullEvent::GuildMemberRemoval { .. } => {
            described.roles = before.roles;
        }
        FullEvent::VoiceStateUpdate { new, .. } => {
            new.guild_id?;
            let is_bot = new
                .member
                .as_ref()
                .map_or(bot == Some(convert::user(new.user_id)), |member| {
                    member.user.bot
                });
            described.voice = vec![voice_state(new, is_bot)];
        }
        FullEvent::ThreadCreate { thread } | FullEvent::ThreadUpdate { new: thread, .. } => {
            described.threads = thread_parent(thread).into_iter().collect();
        }
        FullEvent::ThreadListSync { thread_list_sync } => {
            described.threads = thread_list_sync
                .threads
                .iter()
                .filter_map(thread_parent)
                .collect();
        }
        FullEvent::ThreadDelete { .. } => {}
        _ => return None,
    }
    Some(described)
}

impl Described<'_> {
    /// The event as features see it.
    pub fn event(&self) -> Option<GuildEvent<'_>> {
        Some(match self.source {
            FullEvent::GuildCreate { guild, .. } => GuildEvent::Available {
                guild: convert::guild(guild.id),
                voice: &self.voice,
                threads: &self.threads,
                pending: &self.pending,
                roles: &self.role_shapes,
                channels: &self.channel_shapes,
            },
            FullEvent::GuildDelete { incomplete, .. } => GuildEvent::Gone {
                guild: convert::guild(incomplete.id),
                left: !incomplete.unavailable,
            },
            FullEvent::Message { new_message: m } => GuildEvent::Message(GuildMessage {
                guild: convert::guild(m.guild_id?),
                channel: convert::channel(m.channel_id),
                id: MessageId::new(m.id.get()),
                author: convert::user(m.author.id),
                author_name: &m.author.name,
                author_is_bot: m.author.bot,
                from_webhook: m.webhook_id.is_some(),
                author_roles: self.roles.as_deref(),
                content: &m.content,
                attachments: self.attachments.as_deref().unwrap_or_default(),
                user_mentions: m.mentions.len(),
                role_mentions: m.mention_roles.len(),
                mentions_everyone: m.mention_everyone,
                created_at: snowflake_time(m.id.get()),
                sent_at: convert::time(m.timestamp),
                edited_at: m.edited_timestamp.map(convert::time),
            }),
            FullEvent::MessageUpdate { event, .. } => GuildEvent::MessageEdited(MessageEdit {
                guild: convert::guild(event.guild_id?),
                channel: convert::channel(event.channel_id),
                id: MessageId::new(event.id.get()),
                content: event.content.as_deref(),
                author: event.author.as_ref().map(|author| convert::user(author.id)),
                author_is_bot: event.author.as_ref().is_some_and(|author| author.bot),
                attachments: self.attachments.as_deref(),
                edited_at: event.edited_timestamp.map_or(self.now, convert::time),
            }),
            FullEvent::MessageDelete {
                channel_id,
                deleted_message_id,
                guild_id,
            } => GuildEvent::MessageDeleted {
                guild: convert::guild((*guild_id)?),
                channel: convert::channel(*channel_id),
                id: MessageId::new(deleted_message_id.get()),
            },
            FullEvent::GuildMemberAddition { new_member } => GuildEvent::MemberJoined {
                guild: convert::guild(new_member.guild_id),
                member: self.member.as_ref()?,
                name: &new_member.user.name,
                is_bot: new_member.user.bot,
                pending: new_member.pending,
            },
            FullEvent::GuildMemberUpdate { event, .. } => GuildEvent::MemberUpdated {
                guild: convert::guild(event.guild_id),
                member: self.member.as_ref()?,
                passed_screening: self.passed_screening,
                gained_roles: &self.gained,
                name: &self.member_name,
                is_bot: event.user.bot,
                before: &self.member_before,
            },
            FullEvent::GuildMemberRemoval { guild_id, user, .. } => GuildEvent::MemberLeft {
                guild: convert::guild(*guild_id),
                user: convert::user(user.id),
                name: &user.name,
                is_bot: user.bot,
                roles: self.roles.as_deref(),
            },
            FullEvent::MessageDeleteBulk {
                guild_id,
                channel_id,
                ..
            } => GuildEvent::MessagesPurged {
                guild: convert::guild((*guild_id)?),
                channel: convert::channel(*channel_id),
                ids: &self.purged,
            },
            FullEvent::GuildRoleCreate { new } | FullEvent::GuildRoleUpdate { new, .. } => {
                GuildEvent::RoleChanged {
                    guild: convert::guild(new.guild_id),
                    role: convert::role(new.id),
                    after: self.role_shapes.first(),
                }
            }
            FullEvent::GuildRoleDelete {
                guild_id,
                removed_role_id,
                ..
            } => GuildEvent::RoleChanged {
                guild: convert::guild(*guild_id),
                role: convert::role(*removed_role_id),
                after: None,
            },
            FullEvent::ChannelCreate { channel }
            | FullEvent::ChannelUpdate { new: channel, .. } => GuildEvent::ChannelChanged {
                guild: convert::guild(channel.guild_id),
                channel: convert::channel(channel.id),
                after: self.channel_shapes.first(),
            },
            FullEvent::ChannelDelete { channel, .. } => GuildEvent::ChannelChanged {
                guild: convert::guild(channel.guild_id),
                channel: convert::channel(channel.id),
                after: None,
            },
            FullEvent::VoiceStateUpdate { new, .. } => GuildEvent::Voice {
                guild: convert::guild(new.guild_id?),
                state: *self.voice.first()?,
                before: None,
                ended: None,
            },
            FullEvent::ThreadCreate { thread } | FullEvent::ThreadUpdate { new: thread, .. } => {
                GuildEvent::Threads {
                    guild: convert::guild(thread.guild_id),
                    threads: &self.threads,
                }
            }
            FullEvent::ThreadListSync { thread_list_sync } => GuildEvent::Threads {
                guild: convert::guild(thread_list_sync.guild_id),
                threads: &self.threads,
            },
            FullEvent::ThreadDelete { thread, .. } => GuildEvent::ThreadDeleted {
                guild: convert::guild(thread.guild_id),
                thread: convert::channel(thread.id),
            },
            _ => return None,
        })
    }
}

fn thread_parent(thread: &discord::GuildChannel) -> Option<(ChannelId, ChannelId)> {
    thread
        .parent_id
        .map(|parent| (convert::channel(thread.id), convert::channel(parent)))
}

fn voice_state(state: &discord::VoiceState, is_bot: bool) -> VoiceState {
    VoiceState {
        user: convert::user(state.user_id),
        channel: state.channel_id.map(convert::channel),
        self_mute: state.self_mute,
        self_deaf: state.self_deaf,
        mute: state.mute,
        deaf: state.deaf,
        is_bot,
    }
}

fn attachments(files: &[discord::Attachment]) -> Vec<Attachment> {
    files
        .iter()
        .map(|file| Attachment {
            name: file.filename.clone(),
            url: file.url.clone(),
        })
        .collect()
}

/// The millisecond a snowflake was made: a message id carries its creation time to the
/// millisecond, where the `timestamp` field is converted to whole seconds, and automod
/// backtests replay spam windows on these times.
pub fn snowflake_time(id: u64) -> UnixMillis {
    const DISCORD_EPOCH_MS: i64 = 1_420_070_400_000;
    UnixMillis(i64::try_from(id >> 22).unwrap_or(0) + DISCORD_EPOCH_MS)
}
