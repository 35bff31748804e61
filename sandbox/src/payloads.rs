//! Discord JSON for the model's objects, shaped for serenity's models and Discord's OpenAPI
//! response schemas (every field either requires is present, `null` where absent).

use guildhall_core::clock::UnixMillis;
use guildhall_core::ids::{GuildId, UserId};
use guildhall_core::permissions::OverwriteTarget;
use serde_json::{Value, json};

use crate::model::{
    Attachment, AuditLogEntry, Channel, ChannelKind, CustomEmoji, Entitlement, Guild, Member,
    Message, Role, Sku, VoiceState, Webhook, World,
};

/// RFC 3339 text of a time.
pub fn time(at: UnixMillis) -> String {
    at.to_rfc3339()
}

/// A user object (an unknown id becomes a placeholder user).
pub fn user(world: &World, id: UserId) -> Value {
    let (name, global, bot) = match world.user(id) {
        Some(u) => (u.username.clone(), u.global_name.clone(), u.bot),
        None => (format!("user{}", id.get() % 10_000), None, false),
    };
    json!({
        "id": id.to_string(),
        "username": name,
        "discriminator": "0",
        "global_name": global,
        "avatar": null,
        "avatar_decoration_data": null,
        "banner": null,
        "accent_color": null,
        "bot": bot,
        "public_flags": 0,
        "flags": 0,
        "primary_guild": null,
        "collectibles": null,
    })
}

/// A member object; `guild_id` is added for gateway events that carry it.
pub fn member(world: &World, guild: Option<GuildId>, m: &Member) -> Value {
    let mut value = json!({
        "user": user(world, m.user),
        "nick": m.nick,
        "avatar": null,
        "banner": null,
        "avatar_decoration_data": null,
        "roles": m.roles.iter().map(ToString::to_string).collect::<Vec<_>>(),
        "joined_at": time(m.joined_at),
        "premium_since": null,
        "deaf": m.deaf,
        "mute": m.mute,
        "flags": 0,
        "pending": m.pending,
        "communication_disabled_until": m.communication_disabled_until.map(time),
    });
    if let (Some(guild), Some(map)) = (guild, value.as_object_mut()) {
        map.insert("guild_id".into(), json!(guild.to_string()));
    }
    value
}

/// A role object (`tags.bot_id` for a bot's managed role; without `tags` otherwise).
pub fn role(r: &Role) -> Value {
    let mut value = json!({
        "id": r.id.to_string(),
        "name": r.name,
        "description": null,
        "color": r.colour,
        "colors": {"primary_color": r.colour, "secondary_color": null, "tertiary_color": null},
        "hoist": r.hoist,
        "icon": null,
        "unicode_emoji": null,
        "position": r.position,
        "permissions": r.permissions.0.to_string(),
        "managed": r.managed,
        "mentionable": r.mentionable,
        "flags": 0,
    });
    if let (Some(bot), Some(map)) = (r.bot, value.as_object_mut()) {
        map.insert("tags".into(), json!({"bot_id": bot.to_string()}));
    }
    value
}

/// A custom emoji object as a guild lists it (without `user`, which only a member with Manage
/// Expressions sees).
pub fn custom_emoji(e: &CustomEmoji) -> Value {
    json!({
        "id": e.id.to_string(),
        "name": e.name,
        "roles": [],
        "require_colons": true,
        "managed": false,
        "animated": e.animated,
        "available": true,
    })
}

/// A channel, thread or DM channel object.
pub fn channel(world: &World, c: &Channel) -> Value {
    if c.kind == ChannelKind::Dm {
        return json!({
            "id": c.id.to_string(),
            "type": 1,
            "flags": 0,
            "last_message_id": last_message(world, c),
            "recipients": c.recipients.iter().map(|u| user(world, *u)).collect::<Vec<_>>(),
        });
    }
    let mut value = json!({
        "id": c.id.to_string(),
        "type": c.kind.code(),
        "guild_id": c.guild.map(|g| g.to_string()),
        "name": c.name,
        "position": c.position,
        "flags": 0,
        "parent_id": c.parent.map(|p| p.to_string()),
        "nsfw": c.nsfw,
        "permission_overwrites": c.overwrites.iter().map(|o| {
            let (id, kind) = match o.target {
                OverwriteTarget::Role(r) => (r.get(), 0),
                OverwriteTarget::Member(u) => (u.get(), 1),
            };
            json!({"id": id.to_string(), "type": kind, "allow": o.allow.0.to_string(), "deny": o.deny.0.to_string()})
        }).collect::<Vec<_>>(),
    });
    let Some(map) = value.as_object_mut() else {
        return value;
    };
    match c.kind {
        ChannelKind::Text => {
            map.insert("topic".into(), json!(c.topic));
            map.insert("rate_limit_per_user".into(), json!(c.rate_limit_per_user));
            map.insert("last_message_id".into(), last_message(world, c));
        }
        ChannelKind::Voice | ChannelKind::Stage => {
            if c.kind == ChannelKind::Stage {
                map.insert("topic".into(), json!(c.topic));
            }
            map.insert("bitrate".into(), json!(c.bitrate));
            map.insert("user_limit".into(), json!(c.user_limit));
            map.insert("rtc_region".into(), Value::Null);
            map.insert("rate_limit_per_user".into(), json!(c.rate_limit_per_user));
            map.insert("last_message_id".into(), last_message(world, c));
        }
        ChannelKind::PublicThread | ChannelKind::PrivateThread => {
            let count = world.messages.get(&c.id).map_or(0, Vec::len);
            map.remove("permission_overwrites");
            map.remove("position");
            map.insert("owner_id".into(), json!(c.owner.map(|o| o.to_string())));
            map.insert("rate_limit_per_user".into(), json!(c.rate_limit_per_user));
            map.insert("last_message_id".into(), last_message(world, c));
            map.insert("message_count".into(), json!(count));
            map.insert("total_message_sent".into(), json!(count));
            map.insert("member_count".into(), json!(c.thread_members.len()));
            let mut metadata = json!({
                "archived": c.archived,
                "auto_archive_duration": 1440,
                "archive_timestamp": time(UnixMillis(snowflake_ms(c.id.get()))),
                "locked": c.locked,
                "create_timestamp": time(UnixMillis(snowflake_ms(c.id.get()))),
            });
            if c.kind == ChannelKind::PrivateThread
                && let Some(m) = metadata.as_object_mut()
            {
                m.insert("invitable".into(), json!(true));
            }
            map.insert("thread_metadata".into(), metadata);
        }
        ChannelKind::Category | ChannelKind::Dm => {}
    }
    value
}

fn last_message(world: &World, c: &Channel) -> Value {
    world
        .messages
        .get(&c.id)
        .and_then(|m| m.last())
        .map_or(Value::Null, |m| json!(m.id.to_string()))
}

/// The Unix milliseconds of a snowflake.
pub fn snowflake_ms(id: u64) -> i64 {
    crate::model::snowflake_ms(id)
}

/// A reaction emoji object from its route form (`👍` or `name:id`).
pub fn emoji(text: &str) -> Value {
    match text.split_once(':') {
        Some((name, id)) if id.parse::<u64>().is_ok() => {
            json!({"id": id, "name": name, "animated": false})
        }
        _ => json!({"id": null, "name": text}),
    }
}

/// A message object as REST returns it.
pub fn message(world: &World, m: &Message) -> Value {
    let reactions: Vec<Value> = m
        .reactions
        .iter()
        .filter(|r| !r.users.is_empty())
        .map(|r| {
            json!({
                "emoji": emoji(&r.emoji),
                "count": r.users.len(),
                "count_details": {"burst": 0, "normal": r.users.len()},
                "burst_colors": [],
                "me_burst": false,
                "burst_me": false,
                "me": r.users.contains(&world.bot),
                "burst_count": 0,
            })
        })
        .collect();
    let author = match &m.webhook_author {
        // A webhook's message shows the webhook as its author: its id, the name it posted
        // under, and `bot: true`.
        Some(w) => json!({
            "id": m.author.to_string(),
            "username": w.name,
            "discriminator": "0000",
            "global_name": null,
            "avatar": w.avatar,
            "avatar_decoration_data": null,
            "banner": null,
            "accent_color": null,
            "bot": true,
            "public_flags": 0,
            "flags": 0,
            "primary_guild": null,
            "collectibles": null,
        }),
        None => user(world, m.author),
    };
    let mut value = json!({
        "id": m.id.to_string(),
        "channel_id": m.channel.to_string(),
        "author": author,
        "content": m.content,
        "timestamp": time(m.timestamp),
        "edited_timestamp": m.edited.map(time),
        "tts": false,
        "mention_everyone": m.mention_everyone,
        "mentions": m.mentions.iter().map(|u| user(world, *u)).collect::<Vec<_>>(),
        "mention_roles": m.mention_roles.iter().map(ToString::to_string).collect::<Vec<_>>(),
        "attachments": m.attachments.iter().map(attachment).collect::<Vec<_>>(),
        "embeds": m.embeds,
        "components": m.components,
        "reactions": reactions,
        "pinned": false,
        "type": m.kind,
        "flags": m.flags,
    });
    if let Some(map) = value.as_object_mut() {
        match (m.webhook_id, &m.webhook_author) {
            (Some(hook), Some(w)) => {
                map.insert("webhook_id".into(), json!(hook.to_string()));
                if let Some(app) = w.application {
                    map.insert("application_id".into(), json!(app.to_string()));
                }
            }
            (Some(app), None) => {
                map.insert("webhook_id".into(), json!(app.to_string()));
                map.insert("application_id".into(), json!(app.to_string()));
            }
            _ => {}
        }
        if let Some((id, kind, name, by)) = &m.interaction {
            map.insert(
                "interaction_metadata".into(),
                json!({
                    "id": id.to_string(),
                    "type": kind,
                    "name": name,
                    "user": user(world, *by),
                    "authorizing_integration_owners": {},
                }),
            );
        }
    }
    value
}

/// An attachment object as Discord sends it: id, filename, size, url, proxy_url, and the
/// media type and description when there are.
pub fn attachment(a: &Attachment) -> Value {
    let mut value = json!({
        "id": a.id.to_string(),
        "filename": a.filename,
        "size": a.bytes.len(),
        "url": a.url,
        "proxy_url": a.proxy_url,
    });
    if let Some(map) = value.as_object_mut() {
        if let Some(content_type) = &a.content_type {
            map.insert("content_type".into(), json!(content_type));
        }
        if let Some(description) = &a.description {
            map.insert("description".into(), json!(description));
        }
    }
    value
}

/// An audit log entry object (`options`, `reason` and `changes` only when there are).
pub fn audit_log_entry(e: &AuditLogEntry) -> Value {
    let mut value = json!({
        "id": e.id.to_string(),
        "user_id": e.user.map(|u| u.to_string()),
        "target_id": e.target.map(|t| t.to_string()),
        "action_type": e.action_type,
    });
    if let Some(map) = value.as_object_mut() {
        if !e.options.is_empty() {
            map.insert("options".into(), json!(e.options));
        }
        if let Some(reason) = &e.reason {
            map.insert("reason".into(), json!(reason));
        }
        if !e.changes.is_empty() {
            map.insert("changes".into(), json!(e.changes));
        }
    }
    value
}

/// A message object as the gateway sends it (with `guild_id` and the author's `member`).
pub fn message_event(world: &World, m: &Message) -> Value {
    let mut value = message(world, m);
    if let (Some(gid), Some(map)) = (m.guild, value.as_object_mut()) {
        map.insert("guild_id".into(), json!(gid.to_string()));
        if let Some(member_obj) = world.guild(gid).and_then(|g| g.members.get(&m.author)) {
            let mut partial = member(world, None, member_obj);
            if let Some(p) = partial.as_object_mut() {
                p.remove("user");
            }
            map.insert("member".into(), partial);
        }
    }
    value
}

/// A voice state object (`channel` None for a leave).
pub fn voice_state(
    world: &World,
    guild: GuildId,
    user_id: UserId,
    state: Option<&VoiceState>,
    session: &str,
) -> Value {
    let g = world.guild(guild);
    let m = g.and_then(|g| g.members.get(&user_id));
    json!({
        "guild_id": guild.to_string(),
        "channel_id": state.map(|s| s.channel.to_string()),
        "user_id": user_id.to_string(),
        "member": m.map(|m| member(world, None, m)),
        "session_id": session,
        "deaf": m.is_some_and(|m| m.deaf),
        "mute": m.is_some_and(|m| m.mute),
        "self_deaf": state.is_some_and(|s| s.self_deaf),
        "self_mute": state.is_some_and(|s| s.self_mute),
        "self_stream": false,
        "self_video": false,
        "suppress": false,
        "request_to_speak_timestamp": null,
    })
}

/// The guild object as `GET /guilds/{id}` returns it.
pub fn guild_rest(world: &World, g: &Guild) -> Value {
    let general = g
        .channels
        .iter()
        .filter_map(|c| world.channels.get(c))
        .find(|c| c.kind == ChannelKind::Text)
        .map(|c| c.id.to_string());
    json!({
        "id": g.id.to_string(),
        "name": g.name,
        "icon": g.icon,
        "description": null,
        "home_header": null,
        "splash": null,
        "discovery_splash": null,
        "features": [],
        "banner": null,
        "owner_id": g.owner.to_string(),
        "application_id": null,
        "region": "deprecated",
        "afk_channel_id": g.afk_channel.map(|c| c.to_string()),
        "afk_timeout": g.afk_timeout,
        "system_channel_id": general,
        "system_channel_flags": 0,
        "widget_enabled": false,
        "widget_channel_id": null,
        "verification_level": 1,
        "roles": g.roles.iter().map(role).collect::<Vec<_>>(),
        "default_message_notifications": 1,
        "mfa_level": 0,
        "explicit_content_filter": 2,
        "max_presences": null,
        "max_members": 500_000,
        "max_stage_video_channel_users": 50,
        "max_video_channel_users": 25,
        "vanity_url_code": null,
        "premium_tier": 0,
        "premium_subscription_count": 0,
        "preferred_locale": "en-US",
        "rules_channel_id": null,
        "safety_alerts_channel_id": null,
        "public_updates_channel_id": null,
        "premium_progress_bar_enabled": false,
        "nsfw": false,
        "nsfw_level": 0,
        "emojis": g.emojis.iter().map(custom_emoji).collect::<Vec<_>>(),
        "stickers": [],
        "incidents_data": null,
    })
}

/// The GUILD_CREATE payload for a session with GUILD_PRESENCES and the largest
/// `large_threshold` (250): every member of a guild of up to 250. See [`guild_create_for`].
pub fn guild_create(world: &World, g: &Guild) -> Value {
    guild_create_for(
        world,
        g,
        crate::gateway::intents::GUILD_PRESENCES,
        crate::gateway::LARGE_THRESHOLD_MAX,
    )
}

/// The GUILD_CREATE payload for a session: the REST guild plus members, channels, threads and
/// voice states. `member_count` is the true count; `large` is whether it exceeds the session's
/// `large_threshold`. `members` holds what Discord sends: without GUILD_PRESENCES only the bot
/// and the members in a voice channel; with it, every member of a guild that is not large, and
/// for a large one the bot, the voice members and the online members (none: the stand-in has no
/// online status).
pub fn guild_create_for(world: &World, g: &Guild, intents: u64, large_threshold: u64) -> Value {
    let presences = intents & crate::gateway::intents::GUILD_PRESENCES != 0;
    let count = u64::try_from(g.members.len()).unwrap_or(u64::MAX);
    let large = count > large_threshold;
    let sent: Vec<&Member> = g
        .members
        .values()
        .filter(|m| (presences && !large) || m.user == world.bot || g.voice.contains_key(&m.user))
        .collect();
    let mut value = guild_rest(world, g);
    let joined = g
        .members
        .get(&world.bot)
        .map_or(UnixMillis(snowflake_ms(g.id.get())), |m| m.joined_at);
    let (threads, channels): (Vec<&Channel>, Vec<&Channel>) = g
        .channels
        .iter()
        .filter_map(|c| world.channels.get(c))
        .partition(|c| c.kind.is_thread());
    if let Some(map) = value.as_object_mut() {
        map.insert("joined_at".into(), json!(time(joined)));
        map.insert("large".into(), json!(large));
        map.insert("unavailable".into(), json!(false));
        map.insert("member_count".into(), json!(g.members.len()));
        map.insert(
            "members".into(),
            json!(
                sent.iter()
                    .map(|m| member(world, None, m))
                    .collect::<Vec<_>>()
            ),
        );
        map.insert(
            "channels".into(),
            json!(
                channels
                    .iter()
                    .map(|c| channel(world, c))
                    .collect::<Vec<_>>()
            ),
        );
        map.insert(
            "threads".into(),
            json!(
                threads
                    .iter()
                    .map(|c| channel(world, c))
                    .collect::<Vec<_>>()
            ),
        );
        map.insert(
            "voice_states".into(),
            json!(
                g.voice
                    .values()
                    .map(|v| voice_state(world, g.id, v.user, Some(v), &v.session_id))
                    .collect::<Vec<_>>()
            ),
        );
        for empty in [
            "presences",
            "stage_instances",
            "guild_scheduled_events",
            "soundboard_sounds",
        ] {
            map.insert(empty.into(), json!([]));
        }
    }
    value
}

/// Fills in what Discord adds to embeds the bot sends (`type`, field `inline`).
pub fn normalize_embeds(embeds: Vec<Value>) -> Vec<Value> {
    embeds
        .into_iter()
        .map(|mut embed| {
            if let Some(map) = embed.as_object_mut() {
                map.entry("type").or_insert_with(|| json!("rich"));
                if let Some(fields) = map.get_mut("fields").and_then(Value::as_array_mut) {
                    for field in fields.iter_mut().filter_map(Value::as_object_mut) {
                        field.entry("inline").or_insert(json!(false));
                    }
                }
            }
            embed
        })
        .collect()
}

/// Fills in what Discord adds to components the bot sends: a numeric `id` on each, and the
/// defaults of selects and text inputs.
pub fn normalize_components(components: Vec<Value>) -> Vec<Value> {
    fn walk(value: &mut Value, next: &mut u64) {
        let Some(map) = value.as_object_mut() else {
            return;
        };
        *next += 1;
        map.entry("id").or_insert(json!(*next));
        match map.get("type").and_then(Value::as_u64) {
            Some(3 | 5 | 6 | 7 | 8) => {
                map.entry("min_values").or_insert(json!(1));
                map.entry("max_values").or_insert(json!(1));
                if map.get("type").and_then(Value::as_u64) == Some(3) {
                    map.entry("options").or_insert(json!([]));
                }
            }
            Some(4) => {
                map.entry("min_length").or_insert(Value::Null);
                map.entry("max_length").or_insert(Value::Null);
                map.entry("label").or_insert(json!(""));
            }
            _ => {}
        }
        if let Some(children) = map.get_mut("components").and_then(Value::as_array_mut) {
            for child in children {
                walk(child, next);
            }
        }
    }
    let mut next = 0;
    components
        .into_iter()
        .map(|mut c| {
            walk(&mut c, &mut next);
            c
        })
        .collect()
}

/// A SKU object as `GET /applications/{app}/skus` lists it (with the live payload's extra
/// fields, as Discord's documented example shows them).
pub fn sku(world: &World, s: &Sku) -> Value {
    json!({
        "id": s.id.to_string(),
        "type": s.kind,
        "dependent_sku_id": null,
        "application_id": world.bot.to_string(),
        "manifest_labels": null,
        "access_type": 1,
        "name": s.name,
        "features": [],
        "release_date": null,
        "premium": false,
        "slug": s.slug,
        "flags": s.flags,
        "show_age_gate": false,
    })
}

/// An entitlement object. `partial` is what creating a test entitlement answers: no
/// `subscription_id`, `starts_at` or `ends_at` (Discord: "valid in perpetuity").
pub fn entitlement(world: &World, e: &Entitlement, partial: bool) -> Value {
    let mut value = json!({
        "id": e.id.to_string(),
        "sku_id": e.sku.to_string(),
        "application_id": world.bot.to_string(),
        "promotion_id": null,
        "type": e.kind,
        "deleted": e.deleted,
        "gift_code_flags": 0,
        "guild_id": e.guild.map(|g| g.to_string()),
    });
    let Some(map) = value.as_object_mut() else {
        return value;
    };
    if let Some(user) = e.user {
        map.insert("user_id".into(), json!(user.to_string()));
    }
    if let Some(consumed) = e.consumed {
        map.insert("consumed".into(), json!(consumed));
    }
    if !partial {
        map.insert("starts_at".into(), json!(e.starts_at.map(time)));
        map.insert("ends_at".into(), json!(e.ends_at.map(time)));
        if let Some(subscription) = e.subscription {
            map.insert("subscription_id".into(), json!(subscription.to_string()));
        }
    }
    value
}

/// A channel webhook object. `with_token` is what its creator and `MANAGE_WEBHOOKS` see (with
/// `user` and `token`); a request authenticated by the token itself gets neither `user` nor
/// anything more than the token it already has.
pub fn webhook(world: &World, w: &Webhook, by_token: bool) -> Value {
    let mut value = json!({
        "application_id": w.application.map(|a| a.to_string()),
        "avatar": w.avatar,
        "channel_id": w.channel.to_string(),
        "guild_id": w.guild.to_string(),
        "id": w.id.to_string(),
        "name": w.name,
        "type": 1,
        "token": w.token,
    });
    if !by_token && let Some(map) = value.as_object_mut() {
        map.insert("user".into(), user(world, w.creator));
    }
    value
}

/// An invite with its metadata, as `GET /guilds/{guild}/invites` and INVITE_CREATE carry it.
pub fn invite(world: &World, guild: &Guild, invite: &crate::model::Invite) -> Value {
    let channel = world.channels.get(&invite.channel);
    json!({
        "type": 0,
        "code": invite.code,
        "guild_id": guild.id.to_string(),
        "guild": {"id": guild.id.to_string(), "name": guild.name, "features": [], "icon": guild.icon,
                  "splash": null, "banner": null, "description": null, "verification_level": 0,
                  "vanity_url_code": null, "nsfw_level": 0, "nsfw": false, "premium_subscription_count": 0},
        "channel": channel.map_or(Value::Null, |c| json!({"id": c.id.to_string(), "name": c.name, "type": c.kind.code()})),
        "inviter": invite.inviter.map_or(Value::Null, |user| self::user(world, user)),
        "uses": invite.uses,
        "max_uses": invite.max_uses,
        "max_age": invite.max_age,
        "temporary": invite.temporary,
        "created_at": time(invite.created_at),
        "expires_at": if invite.max_age == 0 { Value::Null } else {
            json!(time(invite.created_at.plus(std::time::Duration::from_secs(u64::from(invite.max_age)))))
        },
    })
}
