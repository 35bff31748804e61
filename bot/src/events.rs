//! Gateway events → the core's guild model, the guild list and the settings cache.

use guildhall_core::guilds;
use guildhall_core::live::ShardStage;
use serenity::all::FullEvent;

use crate::convert;
use crate::{BotData, BotError};

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
            data.executor
                .set_application_id(data_about_bot.application.id.get());
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
        FullEvent::GuildCreate { guild, .. } => {
            let id = convert::guild(guild.id);
            data.cache.put_guild(
                id,
                guild.name.clone(),
                convert::user(guild.owner_id),
                guild.roles.values().map(convert::role_info).collect(),
                guild.members.values().map(convert::member_info).collect(),
            );
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
            crate::roles::on_guild_create(data, guild);
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
            data.config.get(id).await?;
            data.guild_arrived.notify_waiters();
            // After the settings: voice members seeded now earn from the first tick.
            crate::levels::on_guild_create(data, guild);
            tracing::info!(guild = %id, name = %guild.name, members = guild.members.len(), "guild available");
        }
        FullEvent::GuildDelete { incomplete, .. } if !incomplete.unavailable => {
            let id = convert::guild(incomplete.id);
            data.cache.remove_guild(id);
            crate::levels::on_guild_gone(data, id);
            guilds::mark_left(&data.db, id, data.clock.now()).await?;
            tracing::info!(guild = %id, "left guild");
        }
        // Unavailable (an outage): GUILD_CREATE describes it afresh when it is back.
        FullEvent::GuildDelete { incomplete, .. } => {
            crate::levels::on_guild_gone(data, convert::guild(incomplete.id));
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
            // Off in most guilds; a push into memory where it is on (written in the background).
            if settings
                .logging
                .stores(convert::channel(new_message.channel_id))
            {
                data.recent_messages
                    .record(guild, recent_message(new_message));
            }
            // Automod is off in most guilds: build nothing for it then.
            let caught = settings.features.automod
                && !new_message.author.bot
                && check_automod(data, guild, &settings, new_message).await?;
            // XP is decided in memory (one coordination call for the cooldown); a message
            // automod caught earns nothing.
            if settings.features.levels && !new_message.author.bot {
                crate::levels::on_message(data, guild, new_message, caught).await;
            }
            if settings.features.tickets {
                crate::tickets::on_message(data, guild, new_message).await?;
            }
        }
        FullEvent::MessageUpdate { event, .. } => {
            let Some(guild) = event.guild_id.map(convert::guild) else {
                return Ok(());
            };
            if let (Some(content), Some(settings)) = (&event.content, data.config.cached(guild))
                && settings.logging.stores(convert::channel(event.channel_id))
            {
                let edited_at = event
                    .edited_timestamp
                    .map_or_else(|| data.clock.now(), convert::time);
                data.recent_messages.record_edit(
                    guild,
                    guildhall_core::ids::MessageId::new(event.id.get()),
                    content.clone(),
                    edited_at,
                );
            }
            if data
                .config
                .cached(guild)
                .is_some_and(|settings| settings.features.tickets)
            {
                crate::tickets::on_edit(data, guild, event).await?;
            }
        }
        FullEvent::MessageDelete {
            channel_id,
            deleted_message_id,
            guild_id: Some(guild_id),
        } => {
            let guild = convert::guild(*guild_id);
            if data
                .config
                .cached(guild)
                .is_some_and(|settings| settings.features.tickets)
            {
                crate::tickets::on_delete(data, guild, *channel_id, *deleted_message_id).await?;
            }
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
            data.cache.put_member(
                convert::guild(new_member.guild_id),
                convert::member_info(new_member),
            );
            data.cache.set_member_names(
                convert::guild(new_member.guild_id),
                [(
                    convert::user(new_member.user.id),
                    new_member.display_name().to_owned(),
                )],
            );
            crate::roles::on_member_join(data, new_member).await?;
            crate::levels::on_member_join(data, new_member).await?;
        }
        // Without serenity's cache `new` is always `None`: the event itself is the member.
        FullEvent::GuildMemberUpdate { event, .. } => {
            data.cache.put_member(
                convert::guild(event.guild_id),
                convert::member_update_info(event),
            );
            let name = event
                .nick
                .clone()
                .or_else(|| event.user.global_name.clone())
                .unwrap_or_else(|| event.user.name.clone());
            data.cache.set_member_names(
                convert::guild(event.guild_id),
                [(convert::user(event.user.id), name)],
            );
            crate::roles::on_member_update(data, event).await?;
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
            data.cache
                .remove_member(convert::guild(*guild_id), convert::user(user.id));
        }
        FullEvent::VoiceStateUpdate { new, .. } => crate::levels::on_voice_state_update(data, new),
        FullEvent::ThreadCreate { .. }
        | FullEvent::ThreadUpdate { .. }
        | FullEvent::ThreadDelete { .. }
        | FullEvent::ThreadListSync { .. } => crate::levels::on_thread_event(data, event),
        FullEvent::GuildRoleCreate { new } | FullEvent::GuildRoleUpdate { new, .. } => {
            let (role, name) = convert::role_info(new);
            data.cache
                .put_role(convert::guild(new.guild_id), role, name);
        }
        FullEvent::ChannelCreate { channel } | FullEvent::ChannelUpdate { new: channel, .. } => {
            convert::cache_channel(&data.cache, channel);
        }
        FullEvent::ChannelDelete { channel, .. } => {
            data.cache.remove_channel(
                convert::guild(channel.guild_id),
                convert::channel(channel.id),
            );
        }
        FullEvent::GuildRoleDelete {
            guild_id,
            removed_role_id,
            ..
        } => {
            data.cache
                .remove_role(convert::guild(*guild_id), convert::role(*removed_role_id));
        }
        _ => {}
    }
    Ok(())
}

/// Routes a component to the feature its `custom_id` prefix names (`tickets:open:3` →
/// tickets), through the feature registry: a switched-off feature's click is answered with its
/// sentence and goes no further.
async fn route_component(
    data: &BotData,
    component: &serenity::all::ComponentInteraction,
) -> Result<(), BotError> {
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
    match feature.name {
        "roles" => crate::roles::on_component(data, component).await?,
        "giveaways" => crate::giveaways::on_component(data, component).await?,
        "tickets" => crate::tickets::on_component(data, component).await?,
        _ => false,
    };
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

/// Runs automod on a message of a guild that has it on: in memory, no database unless the
/// message breaks a rule. Returns whether automod acted on the message.
async fn check_automod(
    data: &BotData,
    guild: guildhall_core::ids::GuildId,
    settings: &guildhall_core::guild_config::GuildSettings,
    new_message: &serenity::all::Message,
) -> Result<bool, BotError> {
    let roles: Vec<_> = new_message
        .member
        .as_ref()
        .map(|member| {
            member
                .roles
                .iter()
                .map(|role| convert::role(*role))
                .collect()
        })
        .unwrap_or_default();
    let incoming = crate::automod::Incoming {
        guild,
        channel: convert::channel(new_message.channel_id),
        message: guildhall_core::ids::MessageId::new(new_message.id.get()),
        author: convert::user(new_message.author.id),
        roles: &roles,
        content: &new_message.content,
        user_mentions: new_message.mentions.len(),
        role_mentions: new_message.mention_roles.len(),
        mentions_everyone: new_message.mention_everyone,
        is_bot: new_message.author.bot,
    };
    let now = data.clock.now();
    let can_ping =
        crate::automod::can_mention_everyone(data, &incoming, new_message.mention_everyone, now);
    let Some(verdict) = data.automod.check(settings, &incoming, can_ping, now) else {
        return Ok(false);
    };
    crate::automod::enforce(data, &incoming, &verdict).await?;
    Ok(true)
}

/// A message as the recent-message store keeps it.
fn recent_message(
    message: &serenity::all::Message,
) -> guildhall_core::recent_messages::RecentMessage {
    let count = |length: usize| u32::try_from(length).unwrap_or(u32::MAX);
    guildhall_core::recent_messages::RecentMessage {
        channel: convert::channel(message.channel_id),
        message: guildhall_core::ids::MessageId::new(message.id.get()),
        author: convert::user(message.author.id),
        author_is_bot: message.author.bot,
        author_roles: message
            .member
            .as_ref()
            .map(|member| {
                member
                    .roles
                    .iter()
                    .map(|role| convert::role(*role))
                    .collect()
            })
            .unwrap_or_default(),
        content: message.content.clone(),
        attachments: count(message.attachments.len()),
        user_mentions: count(message.mentions.len()),
        role_mentions: count(message.mention_roles.len()),
        mentions_everyone: message.mention_everyone,
        created_at: snowflake_time(message.id.get()),
        edited_at: message.edited_timestamp.map(convert::time),
    }
}

/// The millisecond a snowflake was made: a message id carries its creation time to the
/// millisecond, where the `timestamp` field is converted to whole seconds, and automod
/// backtests replay spam windows on these times.
fn snowflake_time(id: u64) -> guildhall_core::clock::UnixMillis {
    const DISCORD_EPOCH_MS: i64 = 1_420_070_400_000;
    guildhall_core::clock::UnixMillis(i64::try_from(id >> 22).unwrap_or(0) + DISCORD_EPOCH_MS)
}
