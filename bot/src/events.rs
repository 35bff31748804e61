//! Gateway events → the core's guild model, the guild list and the settings cache, then to
//! the features as [`GuildEvent`]s (described in `gateway.rs`, handed out by `features.rs`).

use guildhall_core::guilds;
use guildhall_core::live::ShardStage;
use serenity::all::FullEvent;

use guildhall_core::events::{GuildEvent, GuildMessage};

use crate::gateway::{self, Before};
use crate::{BotData, BotError, convert, features};

/// Handles one gateway event (commands are dispatched by poise before this runs).
///
/// # Errors
/// [`BotError`] when the database fails; poise logs it.
pub async fn handle(
    data: &BotData,
    ctx: &serenity::all::Context,
    event: &FullEvent,
) -> Result<(), BotError> {
    let shard = ctx.shard_id.0;
    data.live
        .count_event(Some(shard), event.snake_case_name(), data.clock.now());
    match event {
        FullEvent::Ready { data_about_bot } => {
            let _ = data.bot_user.set(convert::user(data_about_bot.user.id));
            let application = data_about_bot.application.id.get();
            data.executor.set_application_id(application);
            // Subscriptions bought or ended while the bot was away: fetched once, by the shard
            // 0 (the list is the application's, not a shard's; other processes read what it
            // stores).
            if data_about_bot.shard.is_none_or(|info| info.id.0 == 0) {
                let (executor, premium) = (
                    std::sync::Arc::clone(&data.executor),
                    std::sync::Arc::clone(&data.premium),
                );
                tokio::spawn(async move {
                    if let Err(error) =
                        crate::premium::fetch_all(&executor, &premium, application).await
                    {
                        tracing::warn!(%error, "could not fetch the application's entitlements");
                    }
                });
            }
            if let Some(info) = data_about_bot.shard {
                data.live.set_shard(
                    info.id.0,
                    info.total,
                    ShardStage::Connected,
                    data.clock.now(),
                );
                data.live
                    .set_shard_guilds(info.id.0, data_about_bot.guilds.len() as u64);
            }
            tracing::info!(
                user = %data_about_bot.user.name,
                guilds = data_about_bot.guilds.len(),
                shard = ?data_about_bot.shard.map(|shard| (shard.id.0, shard.total)),
                "connected to Discord"
            );
        }
        FullEvent::EntitlementCreate { entitlement }
        | FullEvent::EntitlementUpdate { entitlement } => {
            crate::premium::record(data, entitlement, false).await;
        }
        FullEvent::EntitlementDelete { entitlement } => {
            crate::premium::record(data, entitlement, true).await;
        }
        FullEvent::GuildCreate { guild, .. } => {
            let id = convert::guild(guild.id);
            data.cache.put_guild(
                id,
                guild.name.clone(),
                convert::user(guild.owner_id),
                guild.roles.values().map(convert::role_info).collect(),
                guild.members.values().map(convert::member_info).collect(),
            );
            // put_guild forgets styles, emojis and the look: they are set again here.
            for role in guild.roles.values() {
                data.cache
                    .put_role_style(id, convert::role(role.id), convert::role_style(role));
            }
            data.cache
                .set_emojis(id, convert::emojis(guild.emojis.values()));
            data.cache.set_look(id, convert::guild_look(guild));
            for channel in guild.channels.values() {
                convert::cache_channel(&data.cache, channel);
            }
            data.cache.set_member_names(
                id,
                guild.members.values().map(|member| {
                    (
                        convert::user(member.user.id),
                        member.display_name().to_owned(),
                    )
                }),
            );
            // Who is still pending membership screening, so their passing it is seen.
            for member in guild.members.values().filter(|member| member.pending) {
                data.cache
                    .set_pending(id, convert::user(member.user.id), true);
            }
            // Discord sends only part of a guild's members (the bot and members in voice without
            // the presences intent); with the Server Members intent the rest come in chunks.
            if data
                .chunk_members
                .load(std::sync::atomic::Ordering::Relaxed)
                && (guild.members.len() as u64) < guild.member_count
            {
                ctx.shard.chunk_guild(
                    guild.id,
                    None,
                    false,
                    serenity::all::ChunkGuildFilter::None,
                    None,
                );
            }
            guilds::upsert(
                &data.db,
                id,
                &guild.name,
                Some(convert::user(guild.owner_id)),
                data.clock.now(),
            )
            .await?;
            // Loaded now, so the message path only ever reads the cache; events that arrived
            // while it loaded were waiting for this.
            let settings = data.config.get(id).await?;
            data.guild_arrived.notify_waiters();
            // After the settings: voice members seeded now earn from the first tick.
            to_features(data, event, Before::default(), Some(settings)).await;
            tracing::info!(guild = %id, name = %guild.name, members = guild.members.len(), "guild available");
        }
        FullEvent::GuildDelete { incomplete, .. } => {
            let id = convert::guild(incomplete.id);
            // Unavailable (an outage): GUILD_CREATE describes it afresh when it is back.
            if !incomplete.unavailable {
                data.cache.remove_guild(id);
                guilds::mark_left(&data.db, id, data.clock.now()).await?;
                tracing::info!(guild = %id, "left guild");
            }
            to_features(data, event, Before::default(), None).await;
        }
        FullEvent::Message { new_message } => {
            let Some(guild) = new_message.guild_id.map(convert::guild) else {
                return Ok(());
            };
            // The message path reads only memory: cached settings, the guild model, spam windows.
            // In the first moments after connecting the guild may still be loading: the message
            // waits for it rather than going unmoderated.
            let settings = match data.config.cached(guild) {
                Some(settings) => settings,
                None => settled(data, guild).await?,
            };
            // The message carries its author's roles as of now: the model keeps up.
            if let Some(member) = &new_message.member {
                data.cache.refresh_roles(
                    guild,
                    convert::user(new_message.author.id),
                    member.roles.iter().map(|role| convert::role(*role)),
                );
            }
            let Some(described) =
                gateway::describe(event, data.bot_user(), Before::default(), data.clock.now())
            else {
                return Ok(());
            };
            let Some(GuildEvent::Message(message)) = described.event() else {
                return Ok(());
            };
            // Off in most guilds; a push into memory where it is on (written in the background).
            if stores_content(&settings, message.channel) {
                data.recent_messages.record(guild, recent_message(&message));
            }
            if !message.author_is_bot && !message.from_webhook {
                data.activity
                    .message(guild, message.channel, message.author, data.clock.now());
            }
            // Then automod, levels and ticket transcripts, each where it is on.
            features::dispatch(data, &GuildEvent::Message(message), &settings).await;
        }
        FullEvent::MessageUpdate { event: update, .. } => {
            let Some(guild) = update.guild_id.map(convert::guild) else {
                return Ok(());
            };
            // Features first: the message log reads the text before this edit from the store.
            to_features(data, event, Before::default(), None).await;
            if let (Some(content), Some(settings)) = (&update.content, data.config.cached(guild))
                && stores_content(&settings, convert::channel(update.channel_id))
            {
                let edited_at = update
                    .edited_timestamp
                    .map_or_else(|| data.clock.now(), convert::time);
                data.recent_messages.record_edit(
                    guild,
                    guildhall_core::ids::MessageId::new(update.id.get()),
                    content.clone(),
                    edited_at,
                );
            }
        }
        FullEvent::MessageDelete { .. } | FullEvent::MessageDeleteBulk { .. } => {
            to_features(data, event, Before::default(), None).await;
        }
        FullEvent::InteractionCreate {
            interaction: serenity::all::Interaction::Component(component),
        } => {
            // Answered in time however long the feature takes (deferred if need be).
            data.executor.begin_interaction(
                &component.id.to_string(),
                &component.token,
                crate::executor::InteractionKind::Component,
            );
            route_component(data, component).await?;
        }
        FullEvent::GuildMemberAddition { new_member } => {
            let guild = convert::guild(new_member.guild_id);
            data.activity.joined(guild, data.clock.now());
            data.cache
                .put_member(guild, convert::member_info(new_member));
            data.cache.set_member_names(
                guild,
                [(
                    convert::user(new_member.user.id),
                    new_member.display_name().to_owned(),
                )],
            );
            data.cache
                .set_pending(guild, convert::user(new_member.user.id), new_member.pending);
            to_features(data, event, Before::default(), None).await;
        }
        // Without serenity's cache `new` is always `None`: the event itself is the member.
        FullEvent::GuildMemberUpdate { event: update, .. } => {
            let guild = convert::guild(update.guild_id);
            let known = data.cache.member(guild, convert::user(update.user.id));
            let name_before = data.cache.member_name(guild, convert::user(update.user.id));
            data.cache
                .put_member(guild, convert::member_update_info(update));
            let name = update
                .nick
                .clone()
                .or_else(|| update.user.global_name.clone())
                .unwrap_or_else(|| update.user.name.clone());
            data.cache
                .set_member_names(guild, [(convert::user(update.user.id), name)]);
            let was_pending =
                data.cache
                    .set_pending(guild, convert::user(update.user.id), update.pending);
            to_features(
                data,
                event,
                Before {
                    was_pending,
                    timed_out_until: known.as_ref().and_then(|member| member.timed_out_until),
                    roles: known.map(|member| member.roles),
                    name: name_before,
                },
                None,
            )
            .await;
        }
        FullEvent::GuildMembersChunk { chunk } => {
            let guild = convert::guild(chunk.guild_id);
            data.cache
                .put_members(guild, chunk.members.values().map(convert::member_info));
            data.cache.set_member_names(
                guild,
                chunk.members.values().map(|member| {
                    (
                        convert::user(member.user.id),
                        member.display_name().to_owned(),
                    )
                }),
            );
            for member in chunk.members.values().filter(|member| member.pending) {
                data.cache
                    .set_pending(guild, convert::user(member.user.id), true);
            }
            tracing::debug!(%guild, members = chunk.members.len(), chunk = chunk.chunk_index, of = chunk.chunk_count, "member chunk");
        }
        FullEvent::GuildMemberRemoval { guild_id, user, .. } => {
            data.activity
                .left(convert::guild(*guild_id), data.clock.now());
            let roles = data
                .cache
                .member(convert::guild(*guild_id), convert::user(user.id))
                .map(|member| member.roles);
            data.cache
                .remove_member(convert::guild(*guild_id), convert::user(user.id));
            to_features(
                data,
                event,
                Before {
                    roles,
                    ..Before::default()
                },
                None,
            )
            .await;
        }
        FullEvent::VoiceStateUpdate { .. } => {
            // The one voice tracker takes the change first (memory only); the features see
            // the state before and the session it ended.
            let Some(described) =
                gateway::describe(event, data.bot_user(), Before::default(), data.clock.now())
            else {
                return Ok(());
            };
            let Some(GuildEvent::Voice { guild, state, .. }) = described.event() else {
                return Ok(());
            };
            let change = data.levels.on_voice_state(guild, state);
            let settings = data.config.cached(guild).unwrap_or_default();
            let voice = GuildEvent::Voice {
                guild,
                state,
                before: change.before,
                ended: change.ended.as_ref(),
            };
            features::dispatch(data, &voice, &settings).await;
        }
        FullEvent::ThreadCreate { .. }
        | FullEvent::ThreadUpdate { .. }
        | FullEvent::ThreadDelete { .. }
        | FullEvent::ThreadListSync { .. } => {
            to_features(data, event, Before::default(), None).await;
        }
        FullEvent::GuildRoleCreate { new } | FullEvent::GuildRoleUpdate { new, .. } => {
            let guild = convert::guild(new.guild_id);
            let (role, name) = convert::role_info(new);
            data.cache.put_role(guild, role, name);
            data.cache
                .put_role_style(guild, convert::role(new.id), convert::role_style(new));
            to_features(data, event, Before::default(), None).await;
        }
        FullEvent::GuildEmojisUpdate {
            guild_id,
            current_state,
        } => {
            data.cache.set_emojis(
                convert::guild(*guild_id),
                convert::emojis(current_state.values()),
            );
        }
        // Only the icon is taken from GUILD_UPDATE; the member count stays GUILD_CREATE's.
        FullEvent::GuildUpdate { new_data, .. } => {
            let guild = convert::guild(new_data.id);
            if let Some(look) = data.cache.look(guild) {
                data.cache.set_look(
                    guild,
                    guildhall_core::guild_cache::GuildLook {
                        icon: new_data.icon.as_ref().map(ToString::to_string),
                        ..look
                    },
                );
            }
        }
        FullEvent::ChannelCreate { channel } | FullEvent::ChannelUpdate { new: channel, .. } => {
            convert::cache_channel(&data.cache, channel);
            to_features(data, event, Before::default(), None).await;
        }
        FullEvent::ChannelDelete { channel, .. } => {
            data.cache.remove_channel(
                convert::guild(channel.guild_id),
                convert::channel(channel.id),
            );
            to_features(data, event, Before::default(), None).await;
        }
        FullEvent::GuildRoleDelete {
            guild_id,
            removed_role_id,
            ..
        } => {
            data.cache
                .remove_role(convert::guild(*guild_id), convert::role(*removed_role_id));
            to_features(data, event, Before::default(), None).await;
        }
        _ => {}
    }
    Ok(())
}

/// Describes a gateway event for the features and hands it to them, with the guild's
/// settings: `settings` when the caller has them, else the cached ones (waiting for a guild
/// still arriving, for events the switches decide; state-keeping events go on at once).
async fn to_features(
    data: &BotData,
    event: &FullEvent,
    before: Before,
    settings: Option<std::sync::Arc<guildhall_core::guild_config::GuildSettings>>,
) {
    let Some(described) = gateway::describe(event, data.bot_user(), before, data.clock.now())
    else {
        return;
    };
    let Some(event) = described.event() else {
        return;
    };
    let guild = event.guild();
    let settings = match settings.or_else(|| data.config.cached(guild)) {
        Some(settings) => settings,
        None if event.keeps_state() => std::sync::Arc::default(),
        None => match settled(data, guild).await {
            Ok(settings) => settings,
            Err(error) => {
                tracing::warn!(%guild, %error, "could not read a guild's settings for an event");
                return;
            }
        },
    };
    features::dispatch(data, &event, &settings).await;
}

/// Routes a component to the feature its `custom_id` prefix names (`tickets:open:3` →
/// tickets), through the feature registry: a switched-off feature's click is answered with its
/// sentence and goes no further.
async fn route_component(
    data: &BotData,
    component: &serenity::all::ComponentInteraction,
) -> Result<(), BotError> {
    crate::premium::record_interaction(data, &component.entitlements).await;
    let Some(feature) = guildhall_core::features::of_custom_id(&component.data.custom_id) else {
        tracing::debug!(custom_id = %component.data.custom_id, "a component no feature owns");
        return Ok(());
    };
    if let Some(guild) = component.guild_id.map(convert::guild) {
        let settings = match data.config.cached(guild) {
            Some(settings) => settings,
            None => settled(data, guild).await?,
        };
        if !feature.is_on(&settings) {
            let reply = guildhall_core::effect::Effect::InteractionReply {
                interaction_id: component.id.to_string(),
                token: component.token.clone(),
                message: guildhall_core::effect::OutgoingMessage::text(feature.off_sentence()),
                ephemeral: true,
            };
            data.executor.execute_for(Some(guild), &reply).await?;
            return Ok(());
        }
    }
    match crate::features::by_name(feature.name).and_then(|feature| feature.on_component) {
        Some(handler) => {
            handler(data, component).await?;
        }
        None => {
            tracing::debug!(custom_id = %component.data.custom_id, "a feature without components");
        }
    }
    Ok(())
}

/// How long an event waits for its guild's GUILD_CREATE before going on without the guild model.
const GUILD_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// The settings of a guild whose events arrive before its GUILD_CREATE was handled (serenity
/// handles events concurrently): waits until the guild model and its settings are in memory,
/// at most [`GUILD_WAIT`], then loads the settings itself. Only ever reached on a cache miss.
async fn settled(
    data: &BotData,
    guild: guildhall_core::ids::GuildId,
) -> Result<std::sync::Arc<guildhall_core::guild_config::GuildSettings>, BotError> {
    let deadline = tokio::time::Instant::now() + GUILD_WAIT;
    loop {
        let arrived = data.guild_arrived.notified();
        tokio::pin!(arrived);
        arrived.as_mut().enable();
        if data.cache.has_guild(guild)
            && let Some(settings) = data.config.cached(guild)
        {
            return Ok(settings);
        }
        if tokio::time::timeout_at(deadline, arrived).await.is_err() {
            tracing::warn!(%guild, "an event came for a guild that did not arrive; going on with its stored settings");
            return Ok(data.config.get(guild).await?);
        }
    }
}

/// Whether a message in `channel` is kept in the recent-message store: the store is on there,
/// or the message log is (it shows edited and deleted messages' text).
fn stores_content(
    settings: &guildhall_core::guild_config::GuildSettings,
    channel: guildhall_core::ids::ChannelId,
) -> bool {
    settings.recent_messages.stores(channel)
        || guildhall_core::logging::keeps_content(settings, channel)
}

/// A message as the recent-message store keeps it.
fn recent_message(message: &GuildMessage<'_>) -> guildhall_core::recent_messages::RecentMessage {
    let count = |length: usize| u32::try_from(length).unwrap_or(u32::MAX);
    guildhall_core::recent_messages::RecentMessage {
        channel: message.channel,
        message: message.id,
        author: message.author,
        author_is_bot: message.author_is_bot,
        author_roles: message.roles().to_vec(),
        content: message.content.to_owned(),
        attachments: count(message.attachments.len()),
        user_mentions: count(message.user_mentions),
        role_mentions: count(message.role_mentions),
        mentions_everyone: message.mentions_everyone,
        created_at: message.created_at,
        edited_at: message.edited_at,
        attachment_names: message
            .attachments
            .iter()
            .map(|file| file.name.clone())
            .collect(),
    }
}
