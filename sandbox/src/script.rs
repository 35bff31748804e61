//! Scripting users: messages, slash commands, components, modals, joins and leaves, voice,
//! reactions, roles and channels. Each call updates the model and dispatches the gateway
//! event(s) Discord would send.
//!
//! Script calls panic on ids the model does not know: they are test helpers.

use std::time::Duration;

use guildhall_core::clock::UnixMillis;
use guildhall_core::ids::{ChannelId, GuildId, MessageId, RoleId, UserId};
use guildhall_core::permissions::Permissions;
use serde_json::{Map, Value, json};

use crate::model::{
    Channel, ChannelKind, CustomEmoji, ENTITLEMENT_APPLICATION_SUBSCRIPTION, Entitlement,
    INTERACTION_ACK_WINDOW, InteractionState, Member, Message, RejectedCallback, Role,
    SKU_GUILD_SUBSCRIPTION, SKU_SUBSCRIPTION, Sku, User, VoiceState, Webhook,
};
use crate::ops::Draft;
use crate::{Sandbox, State, payloads};

/// Who joins a guild.
#[derive(Debug, Clone)]
pub struct UserSpec {
    /// An existing user, or None to create one.
    pub id: Option<UserId>,
    /// The username for a new user.
    pub username: String,
    /// Whether the member has yet to pass membership screening.
    pub pending: bool,
    /// Whether the new user is a bot.
    pub bot: bool,
}

impl UserSpec {
    /// A new user with this name.
    pub fn named(username: &str) -> Self {
        Self {
            id: None,
            username: username.to_owned(),
            pending: false,
            bot: false,
        }
    }

    /// An existing user (e.g. one who left and rejoins).
    pub fn existing(id: UserId) -> Self {
        Self {
            id: Some(id),
            username: String::new(),
            pending: false,
            bot: false,
        }
    }

    /// Marks the member as pending membership screening.
    #[must_use]
    pub fn pending(mut self) -> Self {
        self.pending = true;
        self
    }
}

/// A typed slash-command option.
#[derive(Debug, Clone, PartialEq)]
pub enum SlashOption {
    /// A string option.
    String(String, String),
    /// An integer option.
    Integer(String, i64),
    /// A number option.
    Number(String, f64),
    /// A boolean option.
    Boolean(String, bool),
    /// A user option (resolved users and members are filled in).
    User(String, UserId),
    /// A channel option.
    Channel(String, ChannelId),
    /// A role option.
    Role(String, RoleId),
    /// A subcommand with its options.
    SubCommand(String, Vec<SlashOption>),
    /// A subcommand group holding one subcommand.
    SubCommandGroup(String, Vec<SlashOption>),
}

impl SlashOption {
    /// A string option.
    pub fn string(name: &str, value: &str) -> Self {
        Self::String(name.into(), value.into())
    }
    /// An integer option.
    pub fn integer(name: &str, value: i64) -> Self {
        Self::Integer(name.into(), value)
    }
    /// A number option.
    pub fn number(name: &str, value: f64) -> Self {
        Self::Number(name.into(), value)
    }
    /// A boolean option.
    pub fn boolean(name: &str, value: bool) -> Self {
        Self::Boolean(name.into(), value)
    }
    /// A user option.
    pub fn user(name: &str, value: UserId) -> Self {
        Self::User(name.into(), value)
    }
    /// A channel option.
    pub fn channel(name: &str, value: ChannelId) -> Self {
        Self::Channel(name.into(), value)
    }
    /// A role option.
    pub fn role(name: &str, value: RoleId) -> Self {
        Self::Role(name.into(), value)
    }
    /// A subcommand.
    pub fn sub(name: &str, options: Vec<SlashOption>) -> Self {
        Self::SubCommand(name.into(), options)
    }
    /// A subcommand group.
    pub fn group(name: &str, options: Vec<SlashOption>) -> Self {
        Self::SubCommandGroup(name.into(), options)
    }
}

/// An interaction the stand-in sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interaction {
    /// Its id.
    pub id: u64,
    /// Its token.
    pub token: String,
    /// Its guild.
    pub guild: GuildId,
    /// Its channel.
    pub channel: ChannelId,
    /// Who invoked it.
    pub user: UserId,
}

/// When (and whether) the bot acknowledged an interaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InteractionAck {
    /// The interaction's id.
    pub id: u64,
    /// Its type (2 command, 3 component, 5 modal submit).
    pub kind: u8,
    /// The command name or custom id.
    pub name: String,
    /// Who invoked it.
    pub user: UserId,
    /// Time since its INTERACTION_CREATE.
    pub age: Duration,
    /// Time from its INTERACTION_CREATE to the accepted callback (None: not acknowledged).
    pub acknowledged_after: Option<Duration>,
    /// The accepted callback's type.
    pub callback_type: Option<u64>,
    /// Callbacks Discord refused: too late (404, 10062) or a second one (400, 40060).
    pub rejected: Vec<RejectedCallback>,
}

impl InteractionAck {
    fn of(state: &InteractionState) -> Self {
        Self {
            id: state.id,
            kind: state.kind,
            name: state.name.clone(),
            user: state.user,
            age: state.age(),
            acknowledged_after: state.acknowledged_after,
            callback_type: state.callback_type,
            rejected: state.rejected.clone(),
        }
    }

    /// Whether its 3-second window closed without an accepted callback.
    pub fn missed(&self) -> bool {
        self.acknowledged_after.is_none() && self.age > INTERACTION_ACK_WINDOW
    }
}

/// What the bot answered to an interaction.
#[derive(Debug, Clone, PartialEq)]
pub struct InteractionResponse {
    /// The callback type (4 message, 5 deferred, 6 deferred update, 7 update, 9 modal).
    pub kind: u64,
    /// The response's content: the original message after edits, or the first follow-up
    /// when the original is empty.
    pub content: String,
    /// Whether it is ephemeral (flags 64).
    pub ephemeral: bool,
    /// The response's components (for a modal: the modal's).
    pub components: Vec<Value>,
    /// The response's embeds.
    pub embeds: Vec<Value>,
    /// The original response message, if any.
    pub message: Option<Message>,
    /// Follow-up messages.
    pub followups: Vec<Message>,
    /// The modal the bot opened (callback 9): its `custom_id`, `title` and `components`.
    pub modal: Option<Value>,
}

fn option_json(
    world: &crate::model::World,
    option: &SlashOption,
    resolved: &mut Map<String, Value>,
    guild: GuildId,
    channel: ChannelId,
) -> Value {
    let mut add = |kind: &str, id: String, value: Value| {
        let entry = resolved
            .entry(kind.to_owned())
            .or_insert_with(|| Value::Object(Map::new()));
        if let Some(map) = entry.as_object_mut() {
            map.insert(id, value);
        }
    };
    match option {
        SlashOption::String(n, v) => json!({"name": n, "type": 3, "value": v}),
        SlashOption::Integer(n, v) => json!({"name": n, "type": 4, "value": v}),
        SlashOption::Number(n, v) => json!({"name": n, "type": 10, "value": v}),
        SlashOption::Boolean(n, v) => json!({"name": n, "type": 5, "value": v}),
        SlashOption::User(n, id) => {
            add("users", id.to_string(), payloads::user(world, *id));
            if let Some(m) = world.guild(guild).and_then(|g| g.members.get(id)) {
                let mut partial = payloads::member(world, None, m);
                if let Some(p) = partial.as_object_mut() {
                    p.remove("user");
                    let perms = world.channel_permissions(channel, *id).unwrap_or_default();
                    p.insert("permissions".into(), json!(perms.0.to_string()));
                }
                add("members", id.to_string(), partial);
            }
            json!({"name": n, "type": 6, "value": id.to_string()})
        }
        SlashOption::Channel(n, id) => {
            if let Some(c) = world.channels.get(id) {
                let bot_perms = world
                    .channel_permissions(*id, world.bot)
                    .unwrap_or_default();
                add(
                    "channels",
                    id.to_string(),
                    json!({
                        "id": id.to_string(),
                        "name": c.name,
                        "type": c.kind.code(),
                        "permissions": bot_perms.0.to_string(),
                        "parent_id": c.parent.map(|p| p.to_string()),
                    }),
                );
            }
            json!({"name": n, "type": 7, "value": id.to_string()})
        }
        SlashOption::Role(n, id) => {
            if let Some(r) = world.guild(guild).and_then(|g| g.role(*id)) {
                add("roles", id.to_string(), payloads::role(r));
            }
            json!({"name": n, "type": 8, "value": id.to_string()})
        }
        SlashOption::SubCommand(n, options) | SlashOption::SubCommandGroup(n, options) => {
            let kind = if matches!(option, SlashOption::SubCommand(..)) {
                1
            } else {
                2
            };
            let inner: Vec<Value> = options
                .iter()
                .map(|o| option_json(world, o, resolved, guild, channel))
                .collect();
            json!({"name": n, "type": kind, "options": inner})
        }
    }
}

impl Sandbox {
    fn with<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        let result = {
            let mut state = self.inner.lock();
            f(&mut state)
        };
        self.inner.bump();
        result
    }

    /// A user says something in a guild channel (MESSAGE_CREATE).
    ///
    /// # Panics
    /// When the channel is not in the guild or the user is not a member.
    pub fn say(
        &self,
        guild: GuildId,
        channel: ChannelId,
        user: UserId,
        content: &str,
    ) -> MessageId {
        self.with(|st| {
            check_member(st, guild, channel, user);
            st.create_message(
                channel,
                user,
                Draft {
                    content: content.to_owned(),
                    ..Draft::default()
                },
            )
            .id
        })
    }

    /// Queues messages that members say the moment the bot next connects: dispatched right
    /// after the guild's GUILD_CREATE on the next IDENTIFY, before the bot can have handled it
    /// (a busy guild on a reconnect).
    ///
    /// # Panics
    /// When a channel is not in the guild or a user is not a member.
    pub fn say_on_connect(&self, guild: GuildId, messages: &[(ChannelId, UserId, &str)]) {
        self.with(|st| {
            for (channel, user, content) in messages {
                check_member(st, guild, *channel, *user);
                st.said_on_connect
                    .push((guild, *channel, *user, (*content).to_owned()));
            }
        });
    }

    /// A user sends the bot a direct message (MESSAGE_CREATE without a guild).
    pub fn say_dm(&self, user: UserId, content: &str) -> (ChannelId, MessageId) {
        self.with(|st| {
            let channel = st.world.dm_channel(user);
            let id = st
                .create_message(
                    channel,
                    user,
                    Draft {
                        content: content.to_owned(),
                        ..Draft::default()
                    },
                )
                .id;
            (channel, id)
        })
    }

    /// A user edits their message (MESSAGE_UPDATE).
    ///
    /// # Panics
    /// When the message does not exist.
    pub fn edit(&self, channel: ChannelId, message: MessageId, content: &str) {
        self.with(|st| {
            st.edit_message(channel, message, Some(content.to_owned()), None, None)
                .unwrap_or_else(|| panic!("no message {message} in channel {channel}"));
        });
    }

    /// A message is deleted by its author (MESSAGE_DELETE; Discord records no audit log entry
    /// for deleting one's own message).
    ///
    /// # Panics
    /// When the message does not exist.
    pub fn delete(&self, channel: ChannelId, message: MessageId) {
        self.with(|st| {
            st.delete_message(channel, message)
                .unwrap_or_else(|| panic!("no message {message} in channel {channel}"));
        });
    }

    /// A moderator (`actor`) deletes a message with their client (MESSAGE_DELETE). When the
    /// actor is not the author, the audit log gets a MESSAGE_DELETE (72) entry for the author
    /// in that channel, grouped as Discord groups them ([`crate::model::World::record_message_delete`]).
    ///
    /// # Panics
    /// When the message does not exist.
    pub fn delete_as(&self, channel: ChannelId, message: MessageId, actor: UserId) {
        self.with(|st| {
            let removed = st
                .delete_message(channel, message)
                .unwrap_or_else(|| panic!("no message {message} in channel {channel}"));
            if let Some(guild) = removed.guild {
                st.world
                    .record_message_delete(guild, actor, removed.author, channel, None);
            }
        });
    }

    /// Another bot or a moderator's tool (`actor`) bulk-deletes messages of a guild channel:
    /// one MESSAGE_DELETE_BULK with the ids that existed (unknown ones are ignored) and an
    /// audit log entry MESSAGE_BULK_DELETE (73) on the channel with `count`. Returns how many
    /// were deleted.
    ///
    /// # Panics
    /// When the channel is not a guild channel.
    pub fn bulk_delete(&self, channel: ChannelId, messages: &[MessageId], actor: UserId) -> usize {
        self.with(|st| {
            let guild = st
                .world
                .channels
                .get(&channel)
                .and_then(|c| c.guild)
                .unwrap_or_else(|| panic!("channel {channel} is not a guild channel"));
            st.purge(guild, channel, messages, actor, None)
        })
    }

    /// A member posts a message with files (MESSAGE_CREATE with `attachments`: id, filename,
    /// size, url, proxy_url, as Discord sends them; the stand-in serves each url). `files`
    /// are file names; each file's bytes are its name's.
    ///
    /// # Panics
    /// When the channel is not in the guild or the user is not a member.
    pub fn say_with_files(
        &self,
        guild: GuildId,
        channel: ChannelId,
        user: UserId,
        content: &str,
        files: &[&str],
    ) -> MessageId {
        let base = self.api_base();
        self.with(|st| {
            check_member(st, guild, channel, user);
            let attachments = files
                .iter()
                .map(|name| {
                    crate::rest::messages::attachment(
                        st,
                        &base,
                        channel,
                        (*name).to_owned(),
                        None,
                        None,
                        name.as_bytes().to_vec(),
                    )
                })
                .collect();
            st.create_message(
                channel,
                user,
                Draft {
                    content: content.to_owned(),
                    attachments,
                    ..Draft::default()
                },
            )
            .id
        })
    }

    /// A message that was posted `at` (before the bot was watching: no gateway event), with
    /// an id of that time, in its place among the channel's messages. For Discord's age
    /// limits (bulk delete refuses messages over 14 days old).
    ///
    /// # Panics
    /// When the channel is not in the guild or the user is not a member.
    pub fn say_at(
        &self,
        guild: GuildId,
        channel: ChannelId,
        user: UserId,
        content: &str,
        at: UnixMillis,
    ) -> MessageId {
        self.with(|st| {
            check_member(st, guild, channel, user);
            let id = MessageId::new(st.world.snowflake_at(at));
            let message = Message {
                id,
                channel,
                guild: Some(guild),
                author: user,
                content: content.to_owned(),
                timestamp: at,
                edited: None,
                embeds: Vec::new(),
                components: Vec::new(),
                flags: 0,
                reactions: Vec::new(),
                mentions: Vec::new(),
                mention_roles: Vec::new(),
                mention_everyone: false,
                kind: 0,
                webhook_id: None,
                interaction: None,
                history: Vec::new(),
                webhook_author: None,
                attachments: Vec::new(),
            };
            let list = st.world.messages.entry(channel).or_default();
            let index = list.partition_point(|m| m.id < id);
            list.insert(index, message);
            id
        })
    }

    /// The bytes of a message's attachment, by file name (None: no such message or file).
    pub fn attachment_bytes(
        &self,
        channel: ChannelId,
        message: MessageId,
        filename: &str,
    ) -> Option<Vec<u8>> {
        self.inner
            .lock()
            .world
            .message(channel, message)?
            .attachments
            .iter()
            .find(|a| a.filename == filename)
            .map(|a| a.bytes.clone())
    }

    /// A guild's audit log as `GET /guilds/{guild}/audit-logs` lists its entries (newest
    /// first, none older than 45 days), without the permission check or the limit.
    pub fn audit_log(&self, guild: GuildId) -> Vec<Value> {
        let st = self.inner.lock();
        let oldest = st.world.now().0 - crate::model::AUDIT_LOG_RETENTION_MS;
        st.world
            .guild(guild)
            .map(|g| {
                g.audit_log
                    .iter()
                    .rev()
                    .filter(|e| crate::model::snowflake_ms(e.id) >= oldest)
                    .map(payloads::audit_log_entry)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Makes a guild's audit log entries older by `by`, as if recorded that much earlier (their
    /// ids, which carry their time, move back): for the 45-day retention and the 5-minute
    /// grouping of message deletions, without waiting.
    pub fn age_audit_log(&self, guild: GuildId, by: Duration) {
        let shift = u64::try_from(by.as_millis()).unwrap_or(u64::MAX) << 22;
        self.with(|st| {
            if let Some(g) = st.world.guild_mut(guild) {
                for entry in &mut g.audit_log {
                    entry.id = entry.id.saturating_sub(shift);
                }
            }
        });
    }

    fn new_interaction(
        st: &mut State,
        kind: u8,
        (guild, channel, user): (GuildId, ChannelId, UserId),
        name: &str,
        message: Option<MessageId>,
        data: Value,
    ) -> Interaction {
        check_member(st, guild, channel, user);
        let id = st.world.snowflake();
        let token = format!("itoken.{id}.{:016x}", rand::random::<u64>());
        let world = &st.world;
        let member_perms = world.channel_permissions(channel, user).unwrap_or_default();
        let app_perms = world
            .channel_permissions(channel, world.bot)
            .unwrap_or_default();
        let mut member = world
            .guild(guild)
            .and_then(|g| g.members.get(&user))
            .map_or(Value::Null, |m| payloads::member(world, None, m));
        if let Some(map) = member.as_object_mut() {
            map.insert("permissions".into(), json!(member_perms.0.to_string()));
        }
        let c = world.channels.get(&channel);
        let mut payload = json!({
            "id": id.to_string(),
            "application_id": world.bot.to_string(),
            "type": kind,
            "data": data,
            "guild_id": guild.to_string(),
            "guild": {"id": guild.to_string(), "locale": "en-US", "features": []},
            "channel_id": channel.to_string(),
            "channel": c.map_or(Value::Null, |c| {
                json!({"id": c.id.to_string(), "name": c.name, "type": c.kind.code(), "guild_id": guild.to_string(),
                       "permissions": member_perms.0.to_string(), "parent_id": c.parent.map(|p| p.to_string()), "flags": 0})
            }),
            "member": member,
            "token": token,
            "version": 1,
            "app_permissions": app_perms.0.to_string(),
            "locale": "en-US",
            "guild_locale": "en-US",
            "entitlements": world
                .active_entitlements(user, Some(guild))
                .into_iter()
                .map(|e| payloads::entitlement(world, e, false))
                .collect::<Vec<_>>(),
            "authorizing_integration_owners": {"0": guild.to_string()},
            "context": 0,
            "attachment_size_limit": 26_214_400,
        });
        if let (Some(m), Some(map)) = (message, payload.as_object_mut())
            && let Some(msg) = world.message(channel, m)
        {
            map.insert("message".into(), payloads::message(world, msg));
        }
        st.world.interactions.insert(
            id,
            InteractionState {
                id,
                token: token.clone(),
                kind,
                guild: Some(guild),
                channel,
                user,
                name: name.to_owned(),
                message,
                callback_type: None,
                original: None,
                followups: Vec::new(),
                modal: None,
                replies: Vec::new(),
                created: std::time::Instant::now(),
                aged: Duration::ZERO,
                acknowledged_after: None,
                rejected: Vec::new(),
            },
        );
        st.interaction_created(Some(guild), payload);
        Interaction {
            id,
            token,
            guild,
            channel,
            user,
        }
    }

    /// A user runs a slash command (INTERACTION_CREATE type 2) with typed options.
    ///
    /// # Panics
    /// When the user is not a member or the channel not in the guild.
    pub fn slash(
        &self,
        guild: GuildId,
        channel: ChannelId,
        user: UserId,
        name: &str,
        options: Vec<SlashOption>,
    ) -> Interaction {
        self.with(|st| {
            let command_id = st
                .world
                .commands
                .iter()
                .find(|c| {
                    (c.guild == Some(guild) || c.guild.is_none())
                        && c.body.get("name").and_then(Value::as_str) == Some(name)
                })
                .map(|c| c.id);
            let command_id = match command_id {
                Some(id) => id,
                None => st.world.snowflake(),
            };
            let mut resolved = Map::new();
            let opts: Vec<Value> = options
                .iter()
                .map(|o| option_json(&st.world, o, &mut resolved, guild, channel))
                .collect();
            let data = json!({
                "id": command_id.to_string(),
                "name": name,
                "type": 1,
                "guild_id": guild.to_string(),
                "options": opts,
                "resolved": resolved,
            });
            Self::new_interaction(st, 2, (guild, channel, user), name, None, data)
        })
    }

    /// A user clicks a button (INTERACTION_CREATE type 3, component type 2).
    ///
    /// # Panics
    /// When the message does not exist.
    pub fn click(
        &self,
        guild: GuildId,
        channel: ChannelId,
        user: UserId,
        message: MessageId,
        custom_id: &str,
    ) -> Interaction {
        self.with(|st| {
            assert!(
                st.world.message(channel, message).is_some(),
                "no message {message} in channel {channel}"
            );
            let data = json!({"custom_id": custom_id, "component_type": 2});
            Self::new_interaction(
                st,
                3,
                (guild, channel, user),
                custom_id,
                Some(message),
                data,
            )
        })
    }

    /// A user picks values in a string select menu (INTERACTION_CREATE type 3, component 3).
    ///
    /// # Panics
    /// When the message does not exist.
    pub fn select(
        &self,
        guild: GuildId,
        channel: ChannelId,
        user: UserId,
        message: MessageId,
        custom_id: &str,
        values: &[&str],
    ) -> Interaction {
        self.with(|st| {
            assert!(
                st.world.message(channel, message).is_some(),
                "no message {message} in channel {channel}"
            );
            let data = json!({"custom_id": custom_id, "component_type": 3, "values": values});
            Self::new_interaction(
                st,
                3,
                (guild, channel, user),
                custom_id,
                Some(message),
                data,
            )
        })
    }

    /// A user submits a modal (INTERACTION_CREATE type 5) with text inputs `(custom_id, value)`.
    pub fn submit_modal(
        &self,
        guild: GuildId,
        channel: ChannelId,
        user: UserId,
        custom_id: &str,
        fields: Vec<(String, String)>,
    ) -> Interaction {
        self.with(|st| {
            let rows: Vec<Value> = fields
                .iter()
                .map(|(id, value)| {
                    json!({"type": 1, "components": [{"type": 4, "custom_id": id, "value": value}]})
                })
                .collect();
            let data = json!({"custom_id": custom_id, "components": rows});
            Self::new_interaction(st, 5, (guild, channel, user), custom_id, None, data)
        })
    }

    /// Waits for the bot's answer to an interaction. A deferred reply (5) waits for an edit of
    /// the original or a follow-up; a deferred update (6) waits for one too, and when none
    /// comes within `within` the update alone is the answer.
    ///
    /// # Panics
    /// When the bot has not answered within `within`, listing the requests seen.
    pub async fn interaction_response(
        &self,
        interaction: &Interaction,
        within: Duration,
    ) -> InteractionResponse {
        let found = self
            .wait_until(within, || {
                let st = self.inner.lock();
                let state = st.world.interactions.get(&interaction.id)?;
                let kind = state.callback_type?;
                if matches!(kind, 5 | 6) && state.replies.len() < 2 {
                    return None;
                }
                Some(response_of(&st, state, kind))
            })
            .await
            .or_else(|| {
                let st = self.inner.lock();
                let state = st.world.interactions.get(&interaction.id)?;
                (state.callback_type == Some(6)).then(|| response_of(&st, state, 6))
            });
        match found {
            Some(response) => response,
            None => {
                let requests: Vec<String> = self
                    .requests()
                    .iter()
                    .map(|r| format!("  {}", r.summary()))
                    .collect();
                panic!(
                    "no response to interaction {} within {within:?}; requests seen:\n{}",
                    interaction.id,
                    requests.join("\n")
                )
            }
        }
    }

    /// The time from an interaction's INTERACTION_CREATE to the callback Discord accepted
    /// (None: not acknowledged, or unknown). Discord accepts one callback within 3 s.
    pub fn interaction_ack_delay(&self, interaction_id: u64) -> Option<Duration> {
        self.inner
            .lock()
            .world
            .interactions
            .get(&interaction_id)
            .and_then(|i| i.acknowledged_after)
    }

    /// Every interaction sent so far and how it was acknowledged, oldest first.
    pub fn interaction_acks(&self) -> Vec<InteractionAck> {
        self.inner
            .lock()
            .world
            .interactions
            .values()
            .map(InteractionAck::of)
            .collect()
    }

    /// The interactions whose 3-second window closed without an accepted callback: never
    /// acknowledged, or acknowledged too late (their refused callbacks are listed).
    pub fn unacknowledged_interactions(&self) -> Vec<InteractionAck> {
        self.interaction_acks()
            .into_iter()
            .filter(InteractionAck::missed)
            .collect()
    }

    /// Waits until every interaction so far is acknowledged or its window has closed, then
    /// asserts that none was missed.
    ///
    /// # Panics
    /// When an interaction was not acknowledged within 3 s, listing them.
    pub async fn assert_interactions_acknowledged(&self) {
        let longest = self
            .interaction_acks()
            .iter()
            .filter(|a| a.acknowledged_after.is_none())
            .map(|a| INTERACTION_ACK_WINDOW.saturating_sub(a.age))
            .max()
            .unwrap_or_default();
        self.wait_until(longest + Duration::from_millis(50), || {
            self.interaction_acks()
                .iter()
                .all(|a| a.acknowledged_after.is_some() || a.missed())
                .then_some(())
        })
        .await;
        let missed = self.unacknowledged_interactions();
        assert!(
            missed.is_empty(),
            "interactions not acknowledged within {INTERACTION_ACK_WINDOW:?}: {missed:#?}"
        );
    }

    /// Makes an interaction older by `by`, as if created that much earlier: its callback
    /// window (3 s) and token (15 min) run out without waiting.
    ///
    /// # Panics
    /// When the interaction is unknown.
    pub fn age_interaction(&self, interaction_id: u64, by: Duration) {
        self.with(|st| {
            let state = st
                .world
                .interactions
                .get_mut(&interaction_id)
                .unwrap_or_else(|| panic!("no interaction {interaction_id}"));
            state.aged += by;
        });
    }

    /// A user joins a guild (GUILD_MEMBER_ADD). Returns the user's id.
    ///
    /// # Panics
    /// When the guild does not exist or the user is banned.
    pub fn member_join(&self, guild: GuildId, spec: UserSpec) -> UserId {
        self.with(|st| {
            let id = match spec.id {
                Some(id) => id,
                None => {
                    let id = UserId::new(st.world.snowflake());
                    st.world.users.insert(
                        id,
                        User {
                            id,
                            username: spec.username.clone(),
                            global_name: None,
                            bot: spec.bot,
                        },
                    );
                    id
                }
            };
            let g = st
                .world
                .guild(guild)
                .unwrap_or_else(|| panic!("no guild {guild}"));
            assert!(
                !g.bans.contains_key(&id),
                "user {id} is banned from {guild}"
            );
            let member = Member {
                user: id,
                nick: None,
                roles: Vec::new(),
                joined_at: st.now(),
                communication_disabled_until: None,
                pending: spec.pending,
                mute: false,
                deaf: false,
            };
            st.add_member(guild, member);
            id
        })
    }

    /// Someone makes an invite to `channel` (INVITE_CREATE to sessions with GUILD_INVITES).
    /// Returns its code.
    ///
    /// # Panics
    /// When the channel is not one of the guild's.
    pub fn create_invite(&self, guild: GuildId, channel: ChannelId, inviter: UserId) -> String {
        self.with(|st| {
            let code = format!("gh{:x}", st.world.snowflake() % 0xFFFF_FFFF);
            let now = st.now();
            let g = st
                .world
                .guild_mut(guild)
                .unwrap_or_else(|| panic!("no guild {guild}"));
            assert!(
                g.channels.contains(&channel),
                "no channel {channel} in {guild}"
            );
            g.invites.push(crate::model::Invite {
                code: code.clone(),
                channel,
                inviter: Some(inviter),
                uses: 0,
                max_uses: 0,
                max_age: 0,
                temporary: false,
                created_at: now,
            });
            let (world, g) = (&st.world, st.world.guild(guild).expect("the guild"));
            let mut data = crate::payloads::invite(world, g, g.invites.last().expect("the invite"));
            if let Some(map) = data.as_object_mut() {
                // INVITE_CREATE carries the ids instead of the partial objects.
                map.remove("guild");
                map.remove("channel");
                map.insert("channel_id".into(), channel.to_string().into());
            }
            st.invite_event("INVITE_CREATE", guild, data);
            code
        })
    }

    /// A user joins through an invite: its uses go up by one, then GUILD_MEMBER_ADD (Discord
    /// says nothing else of which invite it was).
    ///
    /// # Panics
    /// As [`Self::member_join`], or when there is no such invite.
    pub fn member_join_via(&self, guild: GuildId, spec: UserSpec, code: &str) -> UserId {
        self.with(|st| {
            let invite = st
                .world
                .guild_mut(guild)
                .and_then(|g| g.invites.iter_mut().find(|invite| invite.code == code))
                .unwrap_or_else(|| panic!("no invite {code} in {guild}"));
            invite.uses += 1;
        });
        self.member_join(guild, spec)
    }

    /// A member leaves (GUILD_MEMBER_REMOVE).
    ///
    /// # Panics
    /// When the user is not a member.
    pub fn member_leave(&self, guild: GuildId, user: UserId) {
        self.with(|st| {
            st.remove_member(guild, user)
                .unwrap_or_else(|| panic!("{user} is not a member of {guild}"));
        });
    }

    /// Changes a member (e.g. `|m| m.pending = false`) and dispatches GUILD_MEMBER_UPDATE.
    ///
    /// # Panics
    /// When the user is not a member.
    pub fn member_update(&self, guild: GuildId, user: UserId, change: impl FnOnce(&mut Member)) {
        self.with(|st| {
            let m = st
                .world
                .guild_mut(guild)
                .and_then(|g| g.members.get_mut(&user))
                .unwrap_or_else(|| panic!("{user} is not a member of {guild}"));
            change(m);
            st.member_updated(guild, user);
        });
    }

    /// A member joins (or moves to) a voice channel (VOICE_STATE_UPDATE).
    pub fn voice_join(&self, guild: GuildId, channel: ChannelId, user: UserId) {
        self.with(|st| {
            check_member(st, guild, channel, user);
            let previous = st
                .world
                .guild(guild)
                .and_then(|g| g.voice.get(&user).cloned());
            let session_id = previous.as_ref().map_or_else(
                || format!("{:032x}", rand::random::<u128>()),
                |p| p.session_id.clone(),
            );
            let state = VoiceState {
                user,
                channel,
                session_id,
                self_mute: previous.as_ref().is_some_and(|p| p.self_mute),
                self_deaf: previous.as_ref().is_some_and(|p| p.self_deaf),
            };
            st.set_voice(guild, user, Some(state));
        });
    }

    /// A member leaves voice (VOICE_STATE_UPDATE with no channel).
    pub fn voice_leave(&self, guild: GuildId, user: UserId) {
        self.with(|st| st.set_voice(guild, user, None));
    }

    /// The voice channel a member is connected to, if any.
    pub fn voice_channel_of(&self, guild: GuildId, user: UserId) -> Option<ChannelId> {
        self.inner
            .lock()
            .world
            .guild(guild)?
            .voice
            .get(&user)
            .map(|v| v.channel)
    }

    fn voice_change(
        &self,
        guild: GuildId,
        user: UserId,
        change: impl FnOnce(&mut VoiceState, &mut Member),
    ) {
        self.with(|st| {
            let Some(g) = st.world.guild_mut(guild) else {
                panic!("no guild {guild}");
            };
            let mut state = g
                .voice
                .get(&user)
                .cloned()
                .unwrap_or_else(|| panic!("{user} is not in voice in {guild}"));
            let Some(member) = g.members.get_mut(&user) else {
                panic!("{user} is not a member of {guild}");
            };
            let before = member.clone();
            change(&mut state, member);
            let member_changed = *member != before;
            if member_changed {
                st.member_updated(guild, user);
            }
            st.set_voice(guild, user, Some(state));
        });
    }

    /// A member mutes or unmutes themselves.
    pub fn voice_mute(&self, guild: GuildId, user: UserId, muted: bool) {
        self.voice_change(guild, user, |s, _| s.self_mute = muted);
    }

    /// A member deafens or undeafens themselves.
    pub fn voice_deafen(&self, guild: GuildId, user: UserId, deafened: bool) {
        self.voice_change(guild, user, |s, _| s.self_deaf = deafened);
    }

    /// A moderator server-mutes a member (outside the bot).
    pub fn voice_server_mute(&self, guild: GuildId, user: UserId, muted: bool) {
        self.voice_change(guild, user, |_, m| m.mute = muted);
    }

    /// A moderator server-deafens a member (outside the bot).
    pub fn voice_server_deafen(&self, guild: GuildId, user: UserId, deafened: bool) {
        self.voice_change(guild, user, |_, m| m.deaf = deafened);
    }

    /// A user reacts (MESSAGE_REACTION_ADD). `emoji` is unicode or `name:id`.
    pub fn react(&self, channel: ChannelId, message: MessageId, user: UserId, emoji: &str) {
        self.with(|st| {
            st.add_reaction(channel, message, user, emoji);
        });
    }

    /// A user removes a reaction (MESSAGE_REACTION_REMOVE).
    pub fn unreact(&self, channel: ChannelId, message: MessageId, user: UserId, emoji: &str) {
        self.with(|st| {
            st.remove_reaction(channel, message, user, emoji);
        });
    }

    /// Someone creates a role (GUILD_ROLE_CREATE).
    ///
    /// # Panics
    /// When the guild does not exist.
    pub fn create_role(
        &self,
        guild: GuildId,
        name: &str,
        position: i32,
        permissions: Permissions,
    ) -> RoleId {
        self.with(|st| {
            let id = RoleId::new(st.world.snowflake());
            let role = Role {
                id,
                name: name.to_owned(),
                colour: 0,
                position,
                permissions,
                hoist: false,
                mentionable: false,
                managed: false,
                bot: None,
            };
            st.world
                .guild_mut(guild)
                .unwrap_or_else(|| panic!("no guild {guild}"))
                .roles
                .push(role.clone());
            st.role_changed(guild, &role, true);
            id
        })
    }

    /// Someone changes a role (GUILD_ROLE_UPDATE).
    ///
    /// # Panics
    /// When the role does not exist.
    pub fn update_role(&self, guild: GuildId, role: RoleId, change: impl FnOnce(&mut Role)) {
        self.with(|st| {
            let r = st
                .world
                .guild_mut(guild)
                .and_then(|g| g.roles.iter_mut().find(|r| r.id == role))
                .unwrap_or_else(|| panic!("no role {role} in {guild}"));
            change(r);
            let r = r.clone();
            st.role_changed(guild, &r, false);
        });
    }

    /// Someone adds a custom emoji (GUILD_EMOJIS_UPDATE). Returns its id.
    ///
    /// # Panics
    /// When the guild does not exist.
    pub fn create_emoji(&self, guild: GuildId, name: &str, animated: bool) -> u64 {
        self.with(|st| {
            let id = st.world.snowflake();
            st.world
                .guild_mut(guild)
                .unwrap_or_else(|| panic!("no guild {guild}"))
                .emojis
                .push(CustomEmoji {
                    id,
                    name: name.to_owned(),
                    animated,
                });
            st.emojis_changed(guild);
            id
        })
    }

    /// Someone deletes a custom emoji (GUILD_EMOJIS_UPDATE); an unknown one changes nothing.
    pub fn delete_emoji(&self, guild: GuildId, emoji: u64) {
        self.with(|st| {
            let Some(g) = st.world.guild_mut(guild) else {
                return;
            };
            let before = g.emojis.len();
            g.emojis.retain(|e| e.id != emoji);
            if g.emojis.len() != before {
                st.emojis_changed(guild);
            }
        });
    }

    /// Someone changes the guild's icon (GUILD_UPDATE); `None` removes it.
    ///
    /// # Panics
    /// When the guild does not exist.
    pub fn set_guild_icon(&self, guild: GuildId, icon: Option<&str>) {
        self.with(|st| {
            st.world
                .guild_mut(guild)
                .unwrap_or_else(|| panic!("no guild {guild}"))
                .icon = icon.map(str::to_owned);
            st.guild_changed(guild);
        });
    }

    /// Someone sets (or, with `None`, clears) the guild's AFK channel (GUILD_UPDATE).
    ///
    /// # Panics
    /// When the guild does not exist, or the channel is not one of its voice channels.
    pub fn set_afk_channel(&self, guild: GuildId, channel: Option<ChannelId>) {
        self.with(|st| {
            if let Some(channel) = channel {
                assert!(
                    st.world
                        .channels
                        .get(&channel)
                        .is_some_and(|c| c.guild == Some(guild) && c.kind.is_voice()),
                    "channel {channel} is not a voice channel of {guild}"
                );
            }
            st.world
                .guild_mut(guild)
                .unwrap_or_else(|| panic!("no guild {guild}"))
                .afk_channel = channel;
            st.guild_changed(guild);
        });
    }

    /// Someone sets the guild's AFK timeout in seconds (GUILD_UPDATE).
    ///
    /// # Panics
    /// When the guild does not exist, or `seconds` is not one Discord offers (60, 300, 900,
    /// 1800, 3600).
    pub fn set_afk_timeout(&self, guild: GuildId, seconds: u32) {
        assert!(
            [60, 300, 900, 1800, 3600].contains(&seconds),
            "Discord's AFK timeout is one of 60, 300, 900, 1800, 3600 seconds"
        );
        self.with(|st| {
            st.world
                .guild_mut(guild)
                .unwrap_or_else(|| panic!("no guild {guild}"))
                .afk_timeout = seconds;
            st.guild_changed(guild);
        });
    }

    /// Someone deletes a role (GUILD_ROLE_DELETE).
    pub fn delete_role(&self, guild: GuildId, role: RoleId) {
        self.with(|st| {
            st.delete_role(guild, role);
        });
    }

    /// Someone creates a channel (CHANNEL_CREATE).
    pub fn create_channel(&self, guild: GuildId, name: &str, kind: ChannelKind) -> ChannelId {
        self.with(|st| {
            let id = ChannelId::new(st.world.snowflake());
            st.add_channel(Channel::new(id, kind, Some(guild), name));
            id
        })
    }

    /// Someone changes a channel (CHANNEL_UPDATE).
    ///
    /// # Panics
    /// When the channel does not exist.
    pub fn update_channel(&self, channel: ChannelId, change: impl FnOnce(&mut Channel)) {
        self.with(|st| {
            let c = st
                .world
                .channels
                .get_mut(&channel)
                .unwrap_or_else(|| panic!("no channel {channel}"));
            change(c);
            st.channel_changed(channel);
        });
    }

    /// Someone deletes a channel (CHANNEL_DELETE).
    pub fn delete_channel(&self, channel: ChannelId) {
        self.with(|st| {
            st.delete_channel(channel);
        });
    }
}

/// Premium: SKUs, entitlements as Discord's store and subscriptions change them, and channel
/// webhooks as moderators change them in Discord's UI.
impl Sandbox {
    /// The application's SKUs, in creation order.
    pub fn skus(&self) -> Vec<Sku> {
        self.inner.lock().world.skus.clone()
    }

    /// The id of the application's guild subscription SKU (type 5 with GUILD_SUBSCRIPTION;
    /// [`crate::seed::small::PREMIUM_SKU`] in every seed), if it has one.
    pub fn premium_sku(&self) -> Option<u64> {
        self.inner
            .lock()
            .world
            .skus
            .iter()
            .find(|s| s.kind == SKU_SUBSCRIPTION && s.flags & SKU_GUILD_SUBSCRIPTION != 0)
            .map(|s| s.id)
    }

    /// A member buys a guild subscription for a guild: a type 8 APPLICATION_SUBSCRIPTION
    /// entitlement with `guild_id`, the buyer as `user_id`, `starts_at` now and `ends_at: null`
    /// (ENTITLEMENT_CREATE). Returns its id.
    ///
    /// # Panics
    /// When the guild, the SKU or the user is unknown.
    pub fn subscribe_guild(&self, guild: GuildId, sku: u64, buyer: UserId) -> u64 {
        self.with(|st| {
            assert!(st.world.guild(guild).is_some(), "no guild {guild}");
            assert!(st.world.skus.iter().any(|s| s.id == sku), "no SKU {sku}");
            assert!(st.world.user(buyer).is_some(), "no user {buyer}");
            let id = st.world.snowflake();
            let subscription = st.world.snowflake();
            let now = st.world.now();
            st.world.entitlements.insert(
                id,
                Entitlement {
                    id,
                    sku,
                    user: Some(buyer),
                    guild: Some(guild),
                    kind: ENTITLEMENT_APPLICATION_SUBSCRIPTION,
                    deleted: false,
                    starts_at: Some(now),
                    ends_at: None,
                    consumed: Some(false),
                    test: false,
                    subscription: Some(subscription),
                },
            );
            st.entitlement_event("ENTITLEMENT_CREATE", id);
            id
        })
    }

    /// A cancelled subscription's period ends: `ends_at` is set (ENTITLEMENT_UPDATE). Discord
    /// sends nothing when the subscription is cancelled, only this when its period is over.
    ///
    /// # Panics
    /// When the entitlement is unknown.
    pub fn end_entitlement(&self, id: u64, ends_at: UnixMillis) {
        self.with(|st| {
            st.world
                .entitlements
                .get_mut(&id)
                .unwrap_or_else(|| panic!("no entitlement {id}"))
                .ends_at = Some(ends_at);
            st.entitlement_event("ENTITLEMENT_UPDATE", id);
        });
    }

    /// Discord refunds (or removes) an entitlement: `deleted: true` (ENTITLEMENT_DELETE).
    ///
    /// # Panics
    /// When the entitlement is unknown.
    pub fn refund_entitlement(&self, id: u64) {
        self.with(|st| {
            st.world
                .entitlements
                .get_mut(&id)
                .unwrap_or_else(|| panic!("no entitlement {id}"))
                .deleted = true;
            st.entitlement_event("ENTITLEMENT_DELETE", id);
        });
    }

    /// A test entitlement for a guild, as `POST /applications/{app}/entitlements` with
    /// `owner_type` 1 makes it (ENTITLEMENT_CREATE). Returns its id.
    ///
    /// # Panics
    /// When Discord would refuse it (unknown SKU or guild, one already granted).
    pub fn create_test_entitlement(&self, sku: u64, guild: GuildId) -> u64 {
        self.with(|st| {
            crate::rest::monetization::create_test(
                st,
                sku,
                crate::rest::monetization::Owner::Guild(guild),
            )
            .unwrap_or_else(|e| panic!("test entitlement refused: {} {}", e.code, e.message))
            .id
        })
    }

    /// Every entitlement, deleted and ended ones included, oldest first.
    pub fn entitlements(&self) -> Vec<Entitlement> {
        self.inner
            .lock()
            .world
            .entitlements
            .values()
            .cloned()
            .collect()
    }

    /// A moderator deletes a webhook in Discord's UI (WEBHOOKS_UPDATE): its id and token stop
    /// working (10015), and the bot has to create a new one. False when there was none.
    pub fn delete_webhook(&self, id: u64) -> bool {
        self.with(|st| st.remove_webhook(id).is_some())
    }

    /// A channel's webhooks, oldest first.
    pub fn webhooks(&self, channel: ChannelId) -> Vec<Webhook> {
        self.inner
            .lock()
            .world
            .webhooks
            .values()
            .filter(|w| w.channel == channel)
            .cloned()
            .collect()
    }
}

fn check_member(st: &State, guild: GuildId, channel: ChannelId, user: UserId) {
    let g = st
        .world
        .guild(guild)
        .unwrap_or_else(|| panic!("no guild {guild}"));
    assert!(
        g.members.contains_key(&user),
        "{user} is not a member of {guild}"
    );
    assert!(
        st.world
            .channels
            .get(&channel)
            .is_some_and(|c| c.guild == Some(guild)),
        "channel {channel} is not in guild {guild}"
    );
}

fn response_of(st: &State, state: &InteractionState, kind: u64) -> InteractionResponse {
    let message = state
        .original
        .and_then(|id| st.world.message(state.channel, id).cloned());
    let followups: Vec<Message> = state
        .followups
        .iter()
        .filter_map(|id| st.world.message(state.channel, *id).cloned())
        .collect();
    if kind == 9 {
        let modal = state.modal.clone();
        return InteractionResponse {
            kind,
            content: String::new(),
            ephemeral: false,
            components: modal
                .as_ref()
                .and_then(|m| m.get("components"))
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default(),
            embeds: Vec::new(),
            message,
            followups,
            modal,
        };
    }
    // A deferred update (6) leaves the component's message as it was: its answer is a
    // follow-up, else an edit of that message.
    let shown = match &message {
        Some(m)
            if kind != 6
                && !(m.content.is_empty() && m.embeds.is_empty() && m.components.is_empty()) =>
        {
            Some(m)
        }
        _ => followups.first().or(message.as_ref()),
    };
    InteractionResponse {
        kind,
        content: shown.map(|m| m.content.clone()).unwrap_or_default(),
        ephemeral: shown.is_some_and(|m| m.flags & 64 != 0),
        components: shown.map(|m| m.components.clone()).unwrap_or_default(),
        embeds: shown.map(|m| m.embeds.clone()).unwrap_or_default(),
        message,
        followups,
        modal: None,
    }
}
