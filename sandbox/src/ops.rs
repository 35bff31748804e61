//! Changes to the world that REST routes and scripts share, each dispatching the gateway
//! event(s) Discord would send.

use guildhall_core::clock::UnixMillis;
use guildhall_core::ids::{ChannelId, GuildId, MessageId, RoleId, UserId};
use guildhall_core::permissions::Permissions;
use serde_json::{Value, json};

use crate::State;
use crate::gateway::{Dispatch, intents};
use crate::model::{Ban, Channel, Member, Message, Reaction, Role};
use crate::payloads;

/// What a new message holds.
#[derive(Debug, Clone, Default)]
pub(crate) struct Draft {
    pub content: String,
    pub embeds: Vec<Value>,
    pub components: Vec<Value>,
    pub flags: u64,
    pub kind: u8,
    pub webhook: Option<u64>,
    pub interaction: Option<(u64, u8, String, UserId)>,
    /// `allowed_mentions` without "everyone": @everyone/@here in the text mention no one.
    pub suppress_everyone: bool,
    /// For a message posted through a channel webhook: who it shows as.
    pub webhook_author: Option<crate::model::WebhookAuthor>,
    /// Uploaded files.
    pub attachments: Vec<crate::model::Attachment>,
}

/// Parses `<@id>`, `<@!id>` and `<@&id>` mentions.
fn mentions(content: &str) -> (Vec<UserId>, Vec<RoleId>) {
    let mut users = Vec::new();
    let mut roles = Vec::new();
    for piece in content.split("<@").skip(1) {
        let Some(end) = piece.find('>') else { continue };
        let inner = &piece[..end];
        if let Some(role) = inner.strip_prefix('&') {
            if let Ok(id) = role.parse::<RoleId>() {
                roles.push(id);
            }
        } else if let Ok(id) = inner.trim_start_matches('!').parse::<UserId>()
            && !users.contains(&id)
        {
            users.push(id);
        }
    }
    (users, roles)
}

/// Whether a message's text mentions everyone, as Discord decides it: `@everyone` or `@here`
/// in a guild channel whose author may Mention Everyone there (without the permission the text
/// stays but pings no one), unless `allowed_mentions` leaves "everyone" out.
fn mentions_everyone(
    world: &crate::model::World,
    channel: ChannelId,
    author: UserId,
    content: &str,
    suppressed: bool,
) -> bool {
    !suppressed
        && (content.contains("@everyone") || content.contains("@here"))
        && world
            .channel_permissions(channel, author)
            .is_some_and(|p| p.contains(Permissions::MENTION_EVERYONE))
}

fn message_intent(guild: Option<GuildId>) -> u64 {
    if guild.is_some() {
        intents::GUILD_MESSAGES
    } else {
        intents::DIRECT_MESSAGES
    }
}

impl State {
    fn emit(
        &mut self,
        name: &'static str,
        guild: Option<GuildId>,
        intent: Option<u64>,
        data: Value,
    ) {
        self.dispatch(Dispatch {
            name,
            guild,
            intent,
            data,
            redact_content: false,
        });
    }

    /// Creates a message (dispatching MESSAGE_CREATE unless ephemeral).
    pub(crate) fn create_message(
        &mut self,
        channel: ChannelId,
        author: UserId,
        draft: Draft,
    ) -> Message {
        let id = MessageId::new(self.world.snowflake());
        let guild = self.world.channels.get(&channel).and_then(|c| c.guild);
        let (users, roles) = mentions(&draft.content);
        // A webhook is no member: its @everyone pings unless `allowed_mentions` says otherwise.
        let mention_everyone = if draft.webhook_author.is_some() {
            !draft.suppress_everyone
                && (draft.content.contains("@everyone") || draft.content.contains("@here"))
        } else {
            mentions_everyone(
                &self.world,
                channel,
                author,
                &draft.content,
                draft.suppress_everyone,
            )
        };
        let message = Message {
            id,
            channel,
            guild,
            author,
            mention_everyone,
            content: draft.content,
            timestamp: self.world.now(),
            edited: None,
            embeds: payloads::normalize_embeds(draft.embeds),
            components: payloads::normalize_components(draft.components),
            flags: draft.flags,
            reactions: Vec::new(),
            mentions: users,
            mention_roles: roles,
            kind: draft.kind,
            webhook_id: draft.webhook,
            interaction: draft.interaction,
            history: Vec::new(),
            webhook_author: draft.webhook_author,
            attachments: draft.attachments,
        };
        self.world
            .messages
            .entry(channel)
            .or_default()
            .push(message.clone());
        if message.flags & 64 == 0 {
            let data = payloads::message_event(&self.world, &message);
            self.dispatch(Dispatch {
                name: "MESSAGE_CREATE",
                guild,
                intent: Some(message_intent(guild)),
                data,
                redact_content: true,
            });
        }
        message
    }

    /// Edits a message (dispatching MESSAGE_UPDATE unless ephemeral).
    pub(crate) fn edit_message(
        &mut self,
        channel: ChannelId,
        id: MessageId,
        content: Option<String>,
        embeds: Option<Vec<Value>>,
        components: Option<Vec<Value>>,
    ) -> Option<Message> {
        let now = self.world.now();
        let original = self.world.message(channel, id)?;
        let author = original.author;
        let by_webhook = original.webhook_author.is_some();
        let everyone = content.as_deref().map(|text| {
            if by_webhook {
                text.contains("@everyone") || text.contains("@here")
            } else {
                mentions_everyone(&self.world, channel, author, text, false)
            }
        });
        let message = self.world.message_mut(channel, id)?;
        if let Some(content) = content {
            let old = std::mem::replace(&mut message.content, content);
            message.history.push(old);
            let (users, roles) = mentions(&message.content);
            message.mentions = users;
            message.mention_roles = roles;
        }
        if let Some(everyone) = everyone {
            message.mention_everyone = everyone;
        }
        if let Some(embeds) = embeds {
            message.embeds = payloads::normalize_embeds(embeds);
        }
        if let Some(components) = components {
            message.components = payloads::normalize_components(components);
        }
        message.flags &= !128;
        message.edited = Some(now);
        let message = message.clone();
        if message.flags & 64 == 0 {
            let data = payloads::message_event(&self.world, &message);
            self.dispatch(Dispatch {
                name: "MESSAGE_UPDATE",
                guild: message.guild,
                intent: Some(message_intent(message.guild)),
                data,
                redact_content: true,
            });
        }
        Some(message)
    }

    /// Deletes a message (dispatching MESSAGE_DELETE).
    pub(crate) fn delete_message(&mut self, channel: ChannelId, id: MessageId) -> Option<Message> {
        let list = self.world.messages.get_mut(&channel)?;
        let index = list.iter().position(|m| m.id == id)?;
        let message = list.remove(index);
        let mut data = json!({"id": id.to_string(), "channel_id": channel.to_string()});
        if let (Some(g), Some(map)) = (message.guild, data.as_object_mut()) {
            map.insert("guild_id".into(), json!(g.to_string()));
        }
        self.emit(
            "MESSAGE_DELETE",
            message.guild,
            Some(message_intent(message.guild)),
            data,
        );
        Some(message)
    }

    /// Deletes the messages of `ids` that exist in a guild channel, at once (dispatching one
    /// MESSAGE_DELETE_BULK with their ids to sessions with GUILD_MESSAGES); unknown ids are
    /// ignored. Returns the deleted messages.
    pub(crate) fn bulk_delete(&mut self, channel: ChannelId, ids: &[MessageId]) -> Vec<Message> {
        let Some(list) = self.world.messages.get_mut(&channel) else {
            return Vec::new();
        };
        let mut deleted = Vec::new();
        list.retain(|m| {
            if ids.contains(&m.id) {
                deleted.push(m.clone());
                false
            } else {
                true
            }
        });
        if deleted.is_empty() {
            return deleted;
        }
        let guild = self.world.channels.get(&channel).and_then(|c| c.guild);
        let mut data = json!({
            "ids": deleted.iter().map(|m| m.id.to_string()).collect::<Vec<_>>(),
            "channel_id": channel.to_string(),
        });
        if let (Some(g), Some(map)) = (guild, data.as_object_mut()) {
            map.insert("guild_id".into(), json!(g.to_string()));
        }
        self.emit(
            "MESSAGE_DELETE_BULK",
            guild,
            Some(message_intent(guild)),
            data,
        );
        deleted
    }

    /// `actor` bulk-deletes messages of a guild channel: [`State::bulk_delete`], and an audit
    /// log entry MESSAGE_BULK_DELETE (73) on the channel with the number deleted (none when
    /// nothing was).
    pub(crate) fn purge(
        &mut self,
        guild: GuildId,
        channel: ChannelId,
        ids: &[MessageId],
        actor: UserId,
        reason: Option<String>,
    ) -> usize {
        let deleted = self.bulk_delete(channel, ids).len();
        if deleted > 0 {
            self.world.record_audit(
                guild,
                actor,
                crate::model::audit::MESSAGE_BULK_DELETE,
                Some(channel.get()),
                std::collections::BTreeMap::from([("count".to_owned(), deleted.to_string())]),
                reason,
                Vec::new(),
            );
        }
        deleted
    }

    /// Adds a reaction (dispatching MESSAGE_REACTION_ADD); false if already there.
    pub(crate) fn add_reaction(
        &mut self,
        channel: ChannelId,
        id: MessageId,
        user: UserId,
        emoji: &str,
    ) -> bool {
        let Some(message) = self.world.message_mut(channel, id) else {
            return false;
        };
        let author = message.author;
        let guild = message.guild;
        match message.reactions.iter_mut().find(|r| r.emoji == emoji) {
            Some(r) if r.users.contains(&user) => return false,
            Some(r) => r.users.push(user),
            None => message.reactions.push(Reaction {
                emoji: emoji.to_owned(),
                users: vec![user],
            }),
        }
        let mut data = json!({
            "user_id": user.to_string(),
            "channel_id": channel.to_string(),
            "message_id": id.to_string(),
            "emoji": payloads::emoji(emoji),
            "burst": false,
            "burst_colors": [],
            "type": 0,
            "message_author_id": author.to_string(),
        });
        if let (Some(g), Some(map)) = (guild, data.as_object_mut()) {
            map.insert("guild_id".into(), json!(g.to_string()));
            if let Some(m) = self.world.guild(g).and_then(|gg| gg.members.get(&user)) {
                map.insert("member".into(), payloads::member(&self.world, None, m));
            }
        }
        let intent = if guild.is_some() {
            intents::GUILD_MESSAGE_REACTIONS
        } else {
            intents::DIRECT_MESSAGE_REACTIONS
        };
        self.emit("MESSAGE_REACTION_ADD", guild, Some(intent), data);
        true
    }

    /// Removes a reaction (dispatching MESSAGE_REACTION_REMOVE); false if absent.
    pub(crate) fn remove_reaction(
        &mut self,
        channel: ChannelId,
        id: MessageId,
        user: UserId,
        emoji: &str,
    ) -> bool {
        let Some(message) = self.world.message_mut(channel, id) else {
            return false;
        };
        let guild = message.guild;
        let Some(r) = message.reactions.iter_mut().find(|r| r.emoji == emoji) else {
            return false;
        };
        let before = r.users.len();
        r.users.retain(|u| *u != user);
        if r.users.len() == before {
            return false;
        }
        message.reactions.retain(|r| !r.users.is_empty());
        let mut data = json!({
            "user_id": user.to_string(),
            "channel_id": channel.to_string(),
            "message_id": id.to_string(),
            "emoji": payloads::emoji(emoji),
            "burst": false,
            "type": 0,
        });
        if let (Some(g), Some(map)) = (guild, data.as_object_mut()) {
            map.insert("guild_id".into(), json!(g.to_string()));
        }
        let intent = if guild.is_some() {
            intents::GUILD_MESSAGE_REACTIONS
        } else {
            intents::DIRECT_MESSAGE_REACTIONS
        };
        self.emit("MESSAGE_REACTION_REMOVE", guild, Some(intent), data);
        true
    }

    /// Adds a member (dispatching GUILD_MEMBER_ADD).
    pub(crate) fn add_member(&mut self, guild: GuildId, member: Member) {
        let user = member.user;
        let Some(g) = self.world.guild_mut(guild) else {
            return;
        };
        g.members.insert(user, member.clone());
        let data = payloads::member(&self.world, Some(guild), &member);
        self.emit(
            "GUILD_MEMBER_ADD",
            Some(guild),
            Some(intents::GUILD_MEMBERS),
            data,
        );
    }

    /// Dispatches GUILD_MEMBER_UPDATE for a member's current state.
    pub(crate) fn member_updated(&mut self, guild: GuildId, user: UserId) {
        let Some(m) = self.world.guild(guild).and_then(|g| g.members.get(&user)) else {
            return;
        };
        let data = payloads::member(&self.world, Some(guild), m);
        self.emit(
            "GUILD_MEMBER_UPDATE",
            Some(guild),
            Some(intents::GUILD_MEMBERS),
            data,
        );
    }

    /// Removes a member (dispatching GUILD_MEMBER_REMOVE, and a voice leave if connected).
    pub(crate) fn remove_member(&mut self, guild: GuildId, user: UserId) -> Option<Member> {
        if self
            .world
            .guild(guild)
            .is_some_and(|g| g.voice.contains_key(&user))
        {
            self.set_voice(guild, user, None);
        }
        let member = self.world.guild_mut(guild)?.members.remove(&user)?;
        let data =
            json!({"guild_id": guild.to_string(), "user": payloads::user(&self.world, user)});
        self.emit(
            "GUILD_MEMBER_REMOVE",
            Some(guild),
            Some(intents::GUILD_MEMBERS),
            data,
        );
        Some(member)
    }

    /// Bans a user: GUILD_BAN_ADD, then the member's removal, then deletes their recent
    /// messages.
    pub(crate) fn ban(
        &mut self,
        guild: GuildId,
        user: UserId,
        reason: Option<String>,
        seconds: u64,
    ) {
        let Some(g) = self.world.guild_mut(guild) else {
            return;
        };
        g.bans.insert(
            user,
            Ban {
                user,
                reason,
                delete_message_seconds: seconds,
            },
        );
        let data =
            json!({"guild_id": guild.to_string(), "user": payloads::user(&self.world, user)});
        self.emit(
            "GUILD_BAN_ADD",
            Some(guild),
            Some(intents::GUILD_MODERATION),
            data,
        );
        self.remove_member(guild, user);
        if seconds > 0 {
            let since = self
                .world
                .now()
                .minus(std::time::Duration::from_secs(seconds));
            let doomed: Vec<(ChannelId, MessageId)> = self
                .world
                .messages
                .values()
                .flatten()
                .filter(|m| m.guild == Some(guild) && m.author == user && m.timestamp >= since)
                .map(|m| (m.channel, m.id))
                .collect();
            for (channel, id) in doomed {
                self.delete_message(channel, id);
            }
        }
    }

    /// Lifts a ban (dispatching GUILD_BAN_REMOVE); false if there was none.
    pub(crate) fn unban(&mut self, guild: GuildId, user: UserId) -> bool {
        let removed = self
            .world
            .guild_mut(guild)
            .and_then(|g| g.bans.remove(&user))
            .is_some();
        if removed {
            let data =
                json!({"guild_id": guild.to_string(), "user": payloads::user(&self.world, user)});
            self.emit(
                "GUILD_BAN_REMOVE",
                Some(guild),
                Some(intents::GUILD_MODERATION),
                data,
            );
        }
        removed
    }

    /// Sets or clears a voice state (dispatching VOICE_STATE_UPDATE).
    pub(crate) fn set_voice(
        &mut self,
        guild: GuildId,
        user: UserId,
        state: Option<crate::model::VoiceState>,
    ) {
        let Some(g) = self.world.guild_mut(guild) else {
            return;
        };
        let session = match &state {
            Some(s) => s.session_id.clone(),
            None => g
                .voice
                .get(&user)
                .map(|s| s.session_id.clone())
                .unwrap_or_default(),
        };
        match &state {
            Some(s) => {
                g.voice.insert(user, s.clone());
            }
            None => {
                g.voice.remove(&user);
            }
        }
        let data = payloads::voice_state(&self.world, guild, user, state.as_ref(), &session);
        self.emit(
            "VOICE_STATE_UPDATE",
            Some(guild),
            Some(intents::GUILD_VOICE_STATES),
            data,
        );
    }

    /// Dispatches GUILD_ROLE_CREATE or GUILD_ROLE_UPDATE for a role's current state.
    pub(crate) fn role_changed(&mut self, guild: GuildId, role: &Role, created: bool) {
        let data = json!({"guild_id": guild.to_string(), "role": payloads::role(role)});
        let name = if created {
            "GUILD_ROLE_CREATE"
        } else {
            "GUILD_ROLE_UPDATE"
        };
        self.emit(name, Some(guild), Some(intents::GUILDS), data);
    }

    /// Dispatches an invite event (INVITE_CREATE, INVITE_DELETE) to sessions with GUILD_INVITES.
    pub(crate) fn invite_event(&mut self, name: &'static str, guild: GuildId, data: Value) {
        self.emit(name, Some(guild), Some(intents::GUILD_INVITES), data);
    }

    /// Dispatches GUILD_EMOJIS_UPDATE with a guild's current custom emojis (to sessions with
    /// GUILD_EXPRESSIONS).
    pub(crate) fn emojis_changed(&mut self, guild: GuildId) {
        let Some(g) = self.world.guild(guild) else {
            return;
        };
        let data = json!({
            "guild_id": guild.to_string(),
            "emojis": g.emojis.iter().map(payloads::custom_emoji).collect::<Vec<_>>(),
        });
        self.emit(
            "GUILD_EMOJIS_UPDATE",
            Some(guild),
            Some(intents::GUILD_EXPRESSIONS),
            data,
        );
    }

    /// Dispatches GUILD_UPDATE with a guild's current state (to sessions with GUILDS).
    pub(crate) fn guild_changed(&mut self, guild: GuildId) {
        let Some(g) = self.world.guild(guild) else {
            return;
        };
        let data = payloads::guild_rest(&self.world, g);
        self.emit("GUILD_UPDATE", Some(guild), Some(intents::GUILDS), data);
    }

    /// Deletes a role (removing it from members, dispatching GUILD_ROLE_DELETE).
    pub(crate) fn delete_role(&mut self, guild: GuildId, role: RoleId) -> bool {
        let Some(g) = self.world.guild_mut(guild) else {
            return false;
        };
        let before = g.roles.len();
        g.roles.retain(|r| r.id != role);
        if g.roles.len() == before {
            return false;
        }
        for m in g.members.values_mut() {
            m.roles.retain(|r| *r != role);
        }
        let data = json!({"guild_id": guild.to_string(), "role_id": role.to_string()});
        self.emit(
            "GUILD_ROLE_DELETE",
            Some(guild),
            Some(intents::GUILDS),
            data,
        );
        true
    }

    /// Adds a channel or thread (dispatching CHANNEL_CREATE or THREAD_CREATE).
    pub(crate) fn add_channel(&mut self, channel: Channel) {
        let Some(guild) = channel.guild else {
            self.world.channels.insert(channel.id, channel);
            return;
        };
        if let Some(g) = self.world.guild_mut(guild) {
            g.channels.push(channel.id);
        }
        let thread = channel.kind.is_thread();
        self.world.channels.insert(channel.id, channel.clone());
        let mut data = payloads::channel(&self.world, &channel);
        if thread && let Some(map) = data.as_object_mut() {
            map.insert("newly_created".into(), json!(true));
        }
        let name = if thread {
            "THREAD_CREATE"
        } else {
            "CHANNEL_CREATE"
        };
        self.emit(name, Some(guild), Some(intents::GUILDS), data);
    }

    /// Dispatches CHANNEL_UPDATE or THREAD_UPDATE for a channel's current state.
    pub(crate) fn channel_changed(&mut self, channel: ChannelId) {
        let Some(c) = self.world.channels.get(&channel) else {
            return;
        };
        let data = payloads::channel(&self.world, c);
        let name = if c.kind.is_thread() {
            "THREAD_UPDATE"
        } else {
            "CHANNEL_UPDATE"
        };
        let guild = c.guild;
        self.emit(name, guild, Some(intents::GUILDS), data);
    }

    /// Deletes a channel (dispatching CHANNEL_DELETE or THREAD_DELETE).
    pub(crate) fn delete_channel(&mut self, channel: ChannelId) -> Option<Channel> {
        let c = self.world.channels.remove(&channel)?;
        self.world.messages.remove(&channel);
        // A channel's webhooks go with it.
        self.world.webhooks.retain(|_, w| w.channel != channel);
        let Some(guild) = c.guild else {
            return Some(c);
        };
        if let Some(g) = self.world.guild_mut(guild) {
            g.channels.retain(|id| *id != channel);
            if g.afk_channel == Some(channel) {
                g.afk_channel = None;
            }
        }
        if c.kind.is_thread() {
            let data = json!({
                "id": channel.to_string(),
                "guild_id": guild.to_string(),
                "parent_id": c.parent.map(|p| p.to_string()),
                "type": c.kind.code(),
            });
            self.emit("THREAD_DELETE", Some(guild), Some(intents::GUILDS), data);
        } else {
            let data = payloads::channel(&self.world, &c);
            self.emit("CHANNEL_DELETE", Some(guild), Some(intents::GUILDS), data);
        }
        Some(c)
    }

    /// Dispatches ENTITLEMENT_CREATE, _UPDATE or _DELETE with an entitlement's current state,
    /// whatever the session's intents (none covers them). A guild's entitlement goes to the
    /// guild's shard, a user's to shard 0, as other events without a guild.
    pub(crate) fn entitlement_event(&mut self, name: &'static str, id: u64) {
        let Some(e) = self.world.entitlements.get(&id) else {
            return;
        };
        let data = payloads::entitlement(&self.world, e, false);
        let guild = e.guild;
        self.emit(name, guild, None, data);
    }

    /// Dispatches WEBHOOKS_UPDATE for a channel (to sessions with GUILD_WEBHOOKS).
    pub(crate) fn webhooks_changed(&mut self, guild: GuildId, channel: ChannelId) {
        let data = json!({"guild_id": guild.to_string(), "channel_id": channel.to_string()});
        self.emit(
            "WEBHOOKS_UPDATE",
            Some(guild),
            Some(intents::GUILD_WEBHOOKS),
            data,
        );
    }

    /// Deletes a webhook (dispatching WEBHOOKS_UPDATE).
    pub(crate) fn remove_webhook(&mut self, id: u64) -> Option<crate::model::Webhook> {
        let hook = self.world.webhooks.remove(&id)?;
        self.webhooks_changed(hook.guild, hook.channel);
        Some(hook)
    }

    /// Sends an INTERACTION_CREATE (always delivered, like Discord).
    pub(crate) fn interaction_created(&mut self, guild: Option<GuildId>, data: Value) {
        self.emit("INTERACTION_CREATE", guild, None, data);
    }

    /// The time now.
    pub(crate) fn now(&self) -> UnixMillis {
        self.world.now()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_user_and_role_mentions() {
        let (users, roles) = mentions("hi <@12> and <@!12> <@&34> <@x>");
        assert_eq!(users, [UserId::new(12)]);
        assert_eq!(roles, [RoleId::new(34)]);
    }
}
