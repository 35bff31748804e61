//! Guilds, roles, channels and threads.

use guildhall_core::ids::{ChannelId, GuildId, RoleId, UserId};
use guildhall_core::permissions::{Overwrite, OverwriteTarget, Permissions};
use serde_json::{Value, json};

use super::{
    Answer, ApiError, Req, cid, gid, mid, need_channel_perm, need_guild_perm, need_role_below,
    no_content, ok, rid, uid,
};
use std::collections::BTreeMap;

use super::members::change;
use crate::model::{AUDIT_LOG_RETENTION_MS, Channel, ChannelKind, CustomEmoji, Role, audit};
use crate::{State, payloads};

/// Records an entry the bot's request made (its `X-Audit-Log-Reason` as the reason).
fn audit_bot(
    st: &mut State,
    guild: GuildId,
    action: u16,
    target: u64,
    options: BTreeMap<String, String>,
    req: &Req,
    changes: Vec<Value>,
) {
    let bot = st.world.bot;
    st.world.record_audit(
        guild,
        bot,
        action,
        Some(target),
        options,
        req.audit_reason.clone(),
        changes,
    );
}

/// The `changes` between two states of a role (all of the new one's fields for a creation,
/// all of the old one's for a deletion).
fn role_changes(old: Option<&Role>, new: Option<&Role>) -> Vec<Value> {
    let fields = |r: Option<&Role>| -> Vec<(&'static str, Value)> {
        r.map_or_else(
            || vec![("name", Value::Null); 0],
            |r| {
                vec![
                    ("name", json!(r.name)),
                    ("color", json!(r.colour)),
                    ("permissions", json!(r.permissions.0.to_string())),
                    ("hoist", json!(r.hoist)),
                    ("mentionable", json!(r.mentionable)),
                ]
            },
        )
    };
    diff(fields(old), fields(new))
}

/// The changes between two lists of `(key, value)` (a key missing on one side is null there).
fn diff(old: Vec<(&'static str, Value)>, new: Vec<(&'static str, Value)>) -> Vec<Value> {
    let mut keys: Vec<&str> = old.iter().map(|(k, _)| *k).collect();
    for (k, _) in &new {
        if !keys.contains(k) {
            keys.push(k);
        }
    }
    let find = |list: &[(&'static str, Value)], key: &str| {
        list.iter()
            .find(|(k, _)| *k == key)
            .map_or(Value::Null, |(_, v)| v.clone())
    };
    keys.into_iter()
        .filter_map(|key| {
            let (o, n) = (find(&old, key), find(&new, key));
            (o != n).then(|| change(key, o, n))
        })
        .collect()
}

/// The `changes` between two states of a channel (overwrites are entries of their own).
fn channel_changes(old: Option<&Channel>, new: Option<&Channel>) -> Vec<Value> {
    let fields = |c: Option<&Channel>| -> Vec<(&'static str, Value)> {
        let Some(c) = c else {
            return Vec::new();
        };
        let mut list = vec![
            ("name", json!(c.name)),
            ("type", json!(c.kind.code())),
            ("position", json!(c.position)),
            ("nsfw", json!(c.nsfw)),
            ("rate_limit_per_user", json!(c.rate_limit_per_user)),
            ("parent_id", json!(c.parent.map(|p| p.to_string()))),
        ];
        if c.topic.is_some() {
            list.push(("topic", json!(c.topic)));
        }
        if c.kind.is_voice() {
            list.push(("bitrate", json!(c.bitrate)));
            list.push(("user_limit", json!(c.user_limit)));
        }
        if c.kind.is_thread() {
            list.push(("archived", json!(c.archived)));
            list.push(("locked", json!(c.locked)));
        }
        list
    };
    diff(fields(old), fields(new))
}

/// An overwrite's `options` (`id`, `type` "0" role / "1" member, `role_name` for a role).
fn overwrite_options(
    st: &State,
    guild: GuildId,
    target: OverwriteTarget,
) -> BTreeMap<String, String> {
    let mut options = BTreeMap::new();
    match target {
        OverwriteTarget::Role(role) => {
            options.insert("id".into(), role.to_string());
            options.insert("type".into(), "0".into());
            if let Some(r) = st.world.guild(guild).and_then(|g| g.role(role)) {
                options.insert("role_name".into(), r.name.clone());
            }
        }
        OverwriteTarget::Member(user) => {
            options.insert("id".into(), user.to_string());
            options.insert("type".into(), "1".into());
        }
    }
    options
}

/// Entries 13/14/15 for the overwrites that were added, changed or removed.
fn audit_overwrites(
    st: &mut State,
    guild: GuildId,
    channel: ChannelId,
    old: &[Overwrite],
    new: &[Overwrite],
    req: &Req,
) {
    let bits = |o: &Overwrite| (json!(o.allow.0.to_string()), json!(o.deny.0.to_string()));
    for overwrite in new {
        let options = overwrite_options(st, guild, overwrite.target);
        match old.iter().find(|o| o.target == overwrite.target) {
            None => {
                let (allow, deny) = bits(overwrite);
                let changes = vec![
                    change("allow", Value::Null, allow),
                    change("deny", Value::Null, deny),
                    change("id", Value::Null, json!(options.get("id"))),
                    change("type", Value::Null, json!(options.get("type"))),
                ];
                audit_bot(
                    st,
                    guild,
                    audit::CHANNEL_OVERWRITE_CREATE,
                    channel.get(),
                    options,
                    req,
                    changes,
                );
            }
            Some(before) if before != overwrite => {
                let ((a0, d0), (a1, d1)) = (bits(before), bits(overwrite));
                let changes = diff(
                    vec![("allow", a0), ("deny", d0)],
                    vec![("allow", a1), ("deny", d1)],
                );
                audit_bot(
                    st,
                    guild,
                    audit::CHANNEL_OVERWRITE_UPDATE,
                    channel.get(),
                    options,
                    req,
                    changes,
                );
            }
            Some(_) => {}
        }
    }
    for overwrite in old
        .iter()
        .filter(|o| !new.iter().any(|n| n.target == o.target))
    {
        let options = overwrite_options(st, guild, overwrite.target);
        let (allow, deny) = bits(overwrite);
        let changes = vec![
            change("allow", allow, Value::Null),
            change("deny", deny, Value::Null),
        ];
        audit_bot(
            st,
            guild,
            audit::CHANNEL_OVERWRITE_DELETE,
            channel.get(),
            options,
            req,
            changes,
        );
    }
}

/// `GET /guilds/{guild}/audit-logs?user_id=&target_id=&action_type=&before=&after=&limit=`:
/// View Audit Log; `limit` 1 to 100 (default 50, the document's bounds); entries newest first
/// (with `after`: the `limit` entries just after it, still newest first); none older than 45
/// days; `users` holds every user an entry names.
pub(super) fn audit_log(st: &State, guild: &str, req: &Req) -> Answer {
    let g_text = guild;
    let guild = gid(guild)?;
    need_guild_perm(st, guild, Permissions::VIEW_AUDIT_LOG)?;
    let q = super::query_checks(req, "GET", &["guilds", g_text, "audit-logs"])?;
    let limit = usize::try_from(q.integer("limit").unwrap_or(50).clamp(1, 100)).unwrap_or(50);
    let user = q.snowflake("user_id");
    let target = q.snowflake("target_id");
    let action = q.integer("action_type");
    let before = q.snowflake("before");
    let after = q.snowflake("after");
    let g = st.world.guild(guild).ok_or_else(ApiError::unknown_guild)?;
    let oldest = st.now().0 - AUDIT_LOG_RETENTION_MS;
    let matching = g.audit_log.iter().filter(|e| {
        crate::model::snowflake_ms(e.id) >= oldest
            && user.is_none_or(|u| e.user.map(UserId::get) == Some(u))
            && target.is_none_or(|t| e.target == Some(t))
            && action.is_none_or(|a| i64::from(e.action_type) == a)
            && before.is_none_or(|b| e.id < b)
            && after.is_none_or(|a| e.id > a)
    });
    let mut entries: Vec<&crate::model::AuditLogEntry> = if after.is_some() && before.is_none() {
        let mut oldest_first: Vec<_> = matching.take(limit).collect();
        oldest_first.reverse();
        oldest_first
    } else {
        matching.rev().take(limit).collect()
    };
    entries.sort_by_key(|e| std::cmp::Reverse(e.id));
    let mut users: Vec<UserId> = Vec::new();
    for e in &entries {
        let mut named = e.user.into_iter().collect::<Vec<_>>();
        let targets_user = matches!(
            e.action_type,
            audit::MEMBER_KICK
                | audit::MEMBER_BAN_ADD
                | audit::MEMBER_BAN_REMOVE
                | audit::MEMBER_UPDATE
                | audit::MEMBER_ROLE_UPDATE
                | audit::MESSAGE_DELETE
        ) || (matches!(
            e.action_type,
            audit::CHANNEL_OVERWRITE_CREATE
                | audit::CHANNEL_OVERWRITE_UPDATE
                | audit::CHANNEL_OVERWRITE_DELETE
        ) && e.options.get("type").map(String::as_str) == Some("1"));
        if targets_user && let Some(t) = e.target {
            named.push(UserId::new(t));
        }
        if let Some(id) = e
            .options
            .get("id")
            .filter(|_| e.options.get("type").map(String::as_str) == Some("1"))
            .and_then(|id| id.parse::<UserId>().ok())
        {
            named.push(id);
        }
        for u in named {
            if !users.contains(&u) {
                users.push(u);
            }
        }
    }
    ok(json!({
        "audit_log_entries": entries.iter().map(|e| payloads::audit_log_entry(e)).collect::<Vec<_>>(),
        "users": users.iter().map(|u| payloads::user(&st.world, *u)).collect::<Vec<_>>(),
        "integrations": [],
        "webhooks": [],
        "guild_scheduled_events": [],
        "threads": [],
        "application_commands": [],
        "auto_moderation_rules": [],
    }))
}

pub(super) fn get_guild(st: &State, guild: &str) -> Answer {
    let guild = gid(guild)?;
    let g = st.world.guild(guild).ok_or_else(ApiError::unknown_guild)?;
    if !g.members.contains_key(&st.world.bot) {
        return Err(ApiError::missing_access());
    }
    ok(payloads::guild_rest(&st.world, g))
}

pub(super) fn get_roles(st: &State, guild: &str) -> Answer {
    let guild = gid(guild)?;
    let g = st.world.guild(guild).ok_or_else(ApiError::unknown_guild)?;
    ok(Value::Array(g.roles.iter().map(payloads::role).collect()))
}

pub(super) fn get_emojis(st: &State, guild: &str) -> Answer {
    let guild = gid(guild)?;
    let g = st.world.guild(guild).ok_or_else(ApiError::unknown_guild)?;
    if !g.members.contains_key(&st.world.bot) {
        return Err(ApiError::missing_access());
    }
    ok(Value::Array(
        g.emojis.iter().map(payloads::custom_emoji).collect(),
    ))
}

/// Creates a custom emoji (Create Expressions; the body's length limits are the document's),
/// animated when the image is a GIF, and dispatches GUILD_EMOJIS_UPDATE.
pub(super) fn create_emoji(st: &mut State, guild: &str, req: &Req) -> Answer {
    let guild = gid(guild)?;
    need_guild_perm(st, guild, Permissions::CREATE_GUILD_EXPRESSIONS)?;
    let name = req.str("name").unwrap_or_default().to_owned();
    if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(ApiError::field(
            "name",
            "STRING_TYPE_REGEX",
            "String value did not match validation regex.",
        ));
    }
    let animated = req
        .str("image")
        .is_some_and(|image| image.starts_with("data:image/gif"));
    let emoji = CustomEmoji {
        id: st.world.snowflake(),
        name,
        animated,
    };
    st.world
        .guild_mut(guild)
        .ok_or_else(ApiError::unknown_guild)?
        .emojis
        .push(emoji.clone());
    st.emojis_changed(guild);
    Ok((201, Some(payloads::custom_emoji(&emoji))))
}

/// Deletes a custom emoji (Manage Expressions: the stand-in does not record who created an
/// emoji, so Create Expressions alone is not enough) and dispatches GUILD_EMOJIS_UPDATE.
pub(super) fn delete_emoji(st: &mut State, guild: &str, emoji: &str) -> Answer {
    let guild = gid(guild)?;
    let emoji: u64 = emoji.parse().map_err(|_| ApiError::unknown_emoji())?;
    need_guild_perm(st, guild, Permissions::MANAGE_GUILD_EXPRESSIONS)?;
    let g = st
        .world
        .guild_mut(guild)
        .ok_or_else(ApiError::unknown_guild)?;
    let before = g.emojis.len();
    g.emojis.retain(|e| e.id != emoji);
    if g.emojis.len() == before {
        return Err(ApiError::unknown_emoji());
    }
    st.emojis_changed(guild);
    no_content()
}

fn apply_role(role: &mut Role, body: &Value) {
    if let Some(name) = body.get("name").and_then(Value::as_str) {
        role.name = name.to_owned();
    }
    if let Some(perms) = body.get("permissions").and_then(|p| {
        p.as_str()
            .and_then(|s| s.parse().ok())
            .or_else(|| p.as_u64())
    }) {
        role.permissions = Permissions(perms);
    }
    if let Some(colour) = body.get("color").and_then(Value::as_u64) {
        role.colour = u32::try_from(colour).unwrap_or(0);
    }
    if let Some(hoist) = body.get("hoist").and_then(Value::as_bool) {
        role.hoist = hoist;
    }
    if let Some(mentionable) = body.get("mentionable").and_then(Value::as_bool) {
        role.mentionable = mentionable;
    }
}

/// A role may grant only permissions the bot has itself (everything, with Administrator).
fn need_grantable_role(st: &State, guild: GuildId, body: &Value) -> Result<(), ApiError> {
    let Some(wanted) = body.get("permissions").filter(|p| !p.is_null()) else {
        return Ok(());
    };
    let wanted = bits(Some(wanted), "permissions")?;
    let held = st
        .world
        .base_permissions(guild, st.world.bot)
        .ok_or_else(ApiError::missing_access)?;
    if held.contains(wanted) {
        Ok(())
    } else {
        Err(ApiError::missing_permissions())
    }
}

pub(super) fn create_role(st: &mut State, guild: &str, req: &Req) -> Answer {
    let guild = gid(guild)?;
    need_guild_perm(st, guild, Permissions::MANAGE_ROLES)?;
    need_grantable_role(st, guild, &req.body)?;
    let id = RoleId::new(st.world.snowflake());
    let mut role = Role {
        id,
        name: "new role".into(),
        colour: 0,
        position: 1,
        permissions: Permissions::NONE,
        hoist: false,
        mentionable: false,
        managed: false,
        bot: None,
    };
    apply_role(&mut role, &req.body);
    let g = st
        .world
        .guild_mut(guild)
        .ok_or_else(ApiError::unknown_guild)?;
    for r in &mut g.roles {
        if r.position >= 1 {
            r.position += 1;
        }
    }
    g.roles.push(role.clone());
    st.role_changed(guild, &role, true);
    let changes = role_changes(None, Some(&role));
    audit_bot(
        st,
        guild,
        audit::ROLE_CREATE,
        id.get(),
        BTreeMap::new(),
        req,
        changes,
    );
    ok(payloads::role(&role))
}

pub(super) fn patch_role(st: &mut State, guild: &str, role: &str, req: &Req) -> Answer {
    let (guild, role) = (gid(guild)?, rid(role)?);
    need_guild_perm(st, guild, Permissions::MANAGE_ROLES)?;
    need_role_below(st, guild, role)?;
    need_grantable_role(st, guild, &req.body)?;
    let g = st
        .world
        .guild_mut(guild)
        .ok_or_else(ApiError::unknown_guild)?;
    let r = g
        .roles
        .iter_mut()
        .find(|r| r.id == role)
        .ok_or_else(ApiError::unknown_role)?;
    let before = r.clone();
    apply_role(r, &req.body);
    let r = r.clone();
    st.role_changed(guild, &r, false);
    let changes = role_changes(Some(&before), Some(&r));
    audit_bot(
        st,
        guild,
        audit::ROLE_UPDATE,
        role.get(),
        BTreeMap::new(),
        req,
        changes,
    );
    ok(payloads::role(&r))
}

pub(super) fn delete_role(st: &mut State, guild: &str, role: &str, req: &Req) -> Answer {
    let (guild, role) = (gid(guild)?, rid(role)?);
    need_guild_perm(st, guild, Permissions::MANAGE_ROLES)?;
    need_role_below(st, guild, role)?;
    let before = st.world.guild(guild).and_then(|g| g.role(role)).cloned();
    if st.delete_role(guild, role) {
        let changes = role_changes(before.as_ref(), None);
        audit_bot(
            st,
            guild,
            audit::ROLE_DELETE,
            role.get(),
            BTreeMap::new(),
            req,
            changes,
        );
        Ok((204, None))
    } else {
        Err(ApiError::unknown_role())
    }
}

pub(super) fn get_channels(st: &State, guild: &str) -> Answer {
    let guild = gid(guild)?;
    let g = st.world.guild(guild).ok_or_else(ApiError::unknown_guild)?;
    ok(Value::Array(
        g.channels
            .iter()
            .filter_map(|c| st.world.channels.get(c))
            .filter(|c| !c.kind.is_thread())
            .map(|c| payloads::channel(&st.world, c))
            .collect(),
    ))
}

/// A permission bit set as Discord accepts it: a decimal string or a number.
fn bits(value: Option<&Value>, field: &str) -> Result<Permissions, ApiError> {
    match value {
        None | Some(Value::Null) => Ok(Permissions::NONE),
        Some(Value::String(text)) => text.parse().map(Permissions).map_err(|_| {
            ApiError::field(
                field,
                "NUMBER_TYPE_COERCE",
                &format!("Value \"{text}\" is not int."),
            )
        }),
        Some(other) => other.as_u64().map(Permissions).ok_or_else(|| {
            ApiError::field(
                field,
                "NUMBER_TYPE_COERCE",
                &format!("Value \"{other}\" is not int."),
            )
        }),
    }
}

/// An overwrite's target from its id and `type` (0 role, 1 member).
fn overwrite_target(id: u64, kind: Option<&Value>) -> Option<OverwriteTarget> {
    match kind.and_then(Value::as_u64) {
        Some(0) => Some(OverwriteTarget::Role(RoleId::new(id))),
        Some(1) => Some(OverwriteTarget::Member(UserId::new(id))),
        _ => None,
    }
}

fn bad_overwrite_type(field: &str) -> ApiError {
    ApiError::field(field, "BASE_TYPE_CHOICES", "Value must be one of (0, 1).")
}

/// `permission_overwrites` of a create or modify body; `None` when absent.
fn overwrites(body: &Value) -> Result<Option<Vec<Overwrite>>, ApiError> {
    let Some(list) = body.get("permission_overwrites") else {
        return Ok(None);
    };
    let list = list.as_array().ok_or_else(|| {
        ApiError::field(
            "permission_overwrites",
            "LIST_TYPE_CONVERT",
            "Only iterables may be used in a ListType",
        )
    })?;
    let mut parsed = Vec::with_capacity(list.len());
    for (index, overwrite) in list.iter().enumerate() {
        let field = format!("permission_overwrites.{index}");
        let id = overwrite
            .get("id")
            .and_then(Value::as_str)
            .and_then(|id| id.parse::<u64>().ok())
            .ok_or_else(|| {
                ApiError::field(
                    &format!("{field}.id"),
                    "NUMBER_TYPE_COERCE",
                    "Value is not snowflake.",
                )
            })?;
        let target = overwrite_target(id, overwrite.get("type"))
            .ok_or_else(|| bad_overwrite_type(&format!("{field}.type")))?;
        parsed.push(Overwrite {
            target,
            allow: bits(overwrite.get("allow"), &format!("{field}.allow"))?,
            deny: bits(overwrite.get("deny"), &format!("{field}.deny"))?,
        });
    }
    Ok(Some(parsed))
}

/// Discord lets the bot allow or deny only permissions it has itself: guild-wide, or in the
/// channel's category.
fn need_grantable(
    st: &State,
    guild: GuildId,
    parent: Option<ChannelId>,
    overwrites: &[Overwrite],
) -> Result<(), ApiError> {
    let mut held = st
        .world
        .base_permissions(guild, st.world.bot)
        .ok_or_else(ApiError::missing_access)?;
    if let Some(parent) = parent
        && let Some(in_parent) = st.world.channel_permissions(parent, st.world.bot)
    {
        held |= in_parent;
    }
    if overwrites
        .iter()
        .all(|overwrite| held.contains(overwrite.allow | overwrite.deny))
    {
        Ok(())
    } else {
        Err(ApiError::missing_permissions())
    }
}

/// A `parent_id` must name a category of the same guild.
fn parent_category(
    st: &State,
    guild: GuildId,
    body: &Value,
) -> Result<Option<ChannelId>, ApiError> {
    let parent = match body.get("parent_id") {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::String(text)) => text.parse::<ChannelId>().ok(),
        Some(_) => None,
    };
    let category = parent.filter(|parent| {
        st.world.channels.get(parent).is_some_and(|channel| {
            channel.guild == Some(guild) && channel.kind == ChannelKind::Category
        })
    });
    category.map(Some).ok_or_else(|| {
        ApiError::field(
            "parent_id",
            "CHANNEL_PARENT_INVALID_TYPE",
            "Not a category of this guild.",
        )
    })
}

fn apply_channel(channel: &mut Channel, body: &Value) {
    if let Some(name) = body.get("name").and_then(Value::as_str) {
        channel.name = name.to_owned();
    }
    if let Some(topic) = body.get("topic") {
        channel.topic = topic.as_str().map(str::to_owned);
    }
    if let Some(position) = body.get("position").and_then(Value::as_i64) {
        channel.position = i32::try_from(position).unwrap_or(0);
    }
    if let Some(slow) = body.get("rate_limit_per_user").and_then(Value::as_u64) {
        channel.rate_limit_per_user = u32::try_from(slow).unwrap_or(0);
    }
    if let Some(nsfw) = body.get("nsfw").and_then(Value::as_bool) {
        channel.nsfw = nsfw;
    }
    if let Some(archived) = body.get("archived").and_then(Value::as_bool) {
        channel.archived = archived;
    }
    if let Some(locked) = body.get("locked").and_then(Value::as_bool) {
        channel.locked = locked;
    }
    if channel.kind.is_voice() {
        if let Some(bitrate) = body.get("bitrate").and_then(Value::as_u64) {
            channel.bitrate = u32::try_from(bitrate).unwrap_or(u32::MAX);
        }
        if let Some(limit) = body.get("user_limit").and_then(Value::as_u64) {
            channel.user_limit = u32::try_from(limit).unwrap_or(u32::MAX);
        }
    }
}

pub(super) fn create_channel(st: &mut State, guild: &str, req: &Req) -> Answer {
    let guild = gid(guild)?;
    need_guild_perm(st, guild, Permissions::MANAGE_CHANNELS)?;
    let kind = ChannelKind::from_code(req.body.get("type").and_then(Value::as_u64).unwrap_or(0))
        .filter(|k| {
            matches!(
                k,
                ChannelKind::Text | ChannelKind::Voice | ChannelKind::Category | ChannelKind::Stage
            )
        })
        .ok_or_else(|| {
            ApiError::field(
                "type",
                "BASE_TYPE_CHOICES",
                "Value must be one of (0, 2, 4, 13).",
            )
        })?;
    let name = req
        .str("name")
        .filter(|n| !n.is_empty())
        .ok_or_else(|| ApiError::field("name", "BASE_TYPE_REQUIRED", "This field is required"))?;
    let parent = parent_category(st, guild, &req.body)?;
    if parent.is_some() && kind == ChannelKind::Category {
        return Err(ApiError::field(
            "parent_id",
            "CHANNEL_PARENT_INVALID_TYPE",
            "Categories cannot have subcategories",
        ));
    }
    let overwrites = match overwrites(&req.body)? {
        Some(list) => {
            need_grantable(st, guild, parent, &list)?;
            list
        }
        // Without overwrites of its own, a channel is synced with its category.
        None => parent
            .and_then(|parent| st.world.channels.get(&parent))
            .map(|category| category.overwrites.clone())
            .unwrap_or_default(),
    };
    let id = ChannelId::new(st.world.snowflake());
    let mut channel = Channel::new(id, kind, Some(guild), name);
    channel.position = st
        .world
        .guild(guild)
        .map_or(0, |g| i32::try_from(g.channels.len()).unwrap_or(0));
    channel.parent = parent;
    channel.overwrites = overwrites;
    apply_channel(&mut channel, &req.body);
    st.add_channel(channel.clone());
    let changes = channel_changes(None, Some(&channel));
    audit_bot(
        st,
        guild,
        audit::CHANNEL_CREATE,
        id.get(),
        BTreeMap::new(),
        req,
        changes,
    );
    audit_overwrites(st, guild, id, &[], &channel.overwrites, req);
    Ok((201, Some(payloads::channel(&st.world, &channel))))
}

pub(super) fn get_channel(st: &State, channel: &str) -> Answer {
    let channel = cid(channel)?;
    need_channel_perm(st, channel, Permissions::VIEW_CHANNEL)?;
    let c = st
        .world
        .channels
        .get(&channel)
        .ok_or_else(ApiError::unknown_channel)?;
    ok(payloads::channel(&st.world, c))
}

pub(super) fn patch_channel(st: &mut State, channel: &str, req: &Req) -> Answer {
    let channel = cid(channel)?;
    let c = st
        .world
        .channels
        .get(&channel)
        .ok_or_else(ApiError::unknown_channel)?;
    let guild = c.guild;
    let thread = c.kind.is_thread();
    let (was_archived, was_locked) = (c.archived, c.locked);
    let needed = if thread {
        Permissions::MANAGE_THREADS
    } else {
        Permissions::MANAGE_CHANNELS
    };
    let own_thread = thread && c.owner == Some(st.world.bot);
    let body = &req.body;
    let unarchive = body.get("archived").and_then(Value::as_bool) == Some(false);
    // A thread's owner may rename or archive it; locking it, or unarchiving a locked thread,
    // takes Manage Threads whoever created it.
    let locking = thread && body.get("locked").is_some_and(|locked| !locked.is_null());
    let unarchiving_locked = thread && was_archived && was_locked && unarchive;
    if !own_thread || locking || unarchiving_locked {
        need_channel_perm(st, channel, needed)?;
    }
    if thread && was_archived && !unarchive {
        return Err(ApiError::new(400, 50083, "Thread is archived"));
    }
    let parent = match (thread, body.get("parent_id"), guild) {
        (false, Some(_), Some(guild)) => Some(parent_category(st, guild, body)?),
        _ => None,
    };
    let overwrites = if thread { None } else { overwrites(body)? };
    if let (Some(list), Some(guild)) = (&overwrites, guild) {
        need_channel_perm(st, channel, Permissions::MANAGE_ROLES)?;
        need_grantable(st, guild, parent.flatten(), list)?;
    }
    let before = st.world.channels.get(&channel).cloned();
    if let Some(c) = st.world.channels.get_mut(&channel) {
        apply_channel(c, body);
        if let Some(parent) = parent {
            c.parent = parent;
        }
        if let Some(list) = overwrites {
            c.overwrites = list;
        }
    }
    st.channel_changed(channel);
    let after = st.world.channels.get(&channel).cloned();
    if let (Some(guild), Some(before), Some(after)) = (guild, before, after) {
        let changes = channel_changes(Some(&before), Some(&after));
        let action = if thread {
            audit::THREAD_UPDATE
        } else {
            audit::CHANNEL_UPDATE
        };
        if !changes.is_empty() {
            audit_bot(
                st,
                guild,
                action,
                channel.get(),
                BTreeMap::new(),
                req,
                changes,
            );
        }
        audit_overwrites(
            st,
            guild,
            channel,
            &before.overwrites,
            &after.overwrites,
            req,
        );
    }
    let c = st
        .world
        .channels
        .get(&channel)
        .ok_or_else(ApiError::unknown_channel)?;
    ok(payloads::channel(&st.world, c))
}

/// `PUT /channels/{channel}/permissions/{overwrite}`: creates or replaces one overwrite, as
/// Discord does (Manage Roles; only permissions the bot has; not on threads; 204).
pub(super) fn set_permission(st: &mut State, channel: &str, target: &str, req: &Req) -> Answer {
    let channel = cid(channel)?;
    let c = st
        .world
        .channels
        .get(&channel)
        .ok_or_else(ApiError::unknown_channel)?;
    let guild = c.guild.ok_or_else(ApiError::unknown_channel)?;
    if c.kind.is_thread() {
        return Err(ApiError::new(
            400,
            50024,
            "Cannot execute action on this channel type",
        ));
    }
    let parent = c.parent;
    need_channel_perm(st, channel, Permissions::MANAGE_ROLES)?;
    let id: u64 = target
        .parse()
        .map_err(|_| ApiError::new(404, 0, "404: Not Found"))?;
    let target =
        overwrite_target(id, req.body.get("type")).ok_or_else(|| bad_overwrite_type("type"))?;
    let g = st.world.guild(guild).ok_or_else(ApiError::unknown_guild)?;
    match target {
        OverwriteTarget::Role(role) if g.role(role).is_none() => {
            return Err(ApiError::unknown_role());
        }
        OverwriteTarget::Member(user) if !g.members.contains_key(&user) => {
            return Err(ApiError::unknown_member());
        }
        _ => {}
    }
    let overwrite = Overwrite {
        target,
        allow: bits(req.body.get("allow"), "allow")?,
        deny: bits(req.body.get("deny"), "deny")?,
    };
    need_grantable(st, guild, parent, &[overwrite])?;
    let before = st
        .world
        .channels
        .get(&channel)
        .map(|c| c.overwrites.clone())
        .unwrap_or_default();
    if let Some(c) = st.world.channels.get_mut(&channel) {
        match c
            .overwrites
            .iter_mut()
            .find(|existing| existing.target == target)
        {
            Some(existing) => *existing = overwrite,
            None => c.overwrites.push(overwrite),
        }
    }
    st.channel_changed(channel);
    let after = st
        .world
        .channels
        .get(&channel)
        .map(|c| c.overwrites.clone())
        .unwrap_or_default();
    audit_overwrites(st, guild, channel, &before, &after, req);
    no_content()
}

/// `DELETE /channels/{channel}/permissions/{overwrite}`: Manage Roles, not on threads; an
/// overwrite that is not there changes nothing (204 all the same).
pub(super) fn delete_permission(st: &mut State, channel: &str, target: &str, req: &Req) -> Answer {
    let channel = cid(channel)?;
    let c = st
        .world
        .channels
        .get(&channel)
        .ok_or_else(ApiError::unknown_channel)?;
    let guild = c.guild.ok_or_else(ApiError::unknown_channel)?;
    if c.kind.is_thread() {
        return Err(ApiError::new(
            400,
            50024,
            "Cannot execute action on this channel type",
        ));
    }
    need_channel_perm(st, channel, Permissions::MANAGE_ROLES)?;
    let id: u64 = target
        .parse()
        .map_err(|_| ApiError::new(404, 0, "404: Not Found"))?;
    let before = c.overwrites.clone();
    let after: Vec<Overwrite> = before
        .iter()
        .filter(|o| match o.target {
            OverwriteTarget::Role(r) => r.get() != id,
            OverwriteTarget::Member(u) => u.get() != id,
        })
        .copied()
        .collect();
    if after.len() != before.len() {
        if let Some(c) = st.world.channels.get_mut(&channel) {
            c.overwrites.clone_from(&after);
        }
        st.channel_changed(channel);
        audit_overwrites(st, guild, channel, &before, &after, req);
    }
    no_content()
}

pub(super) fn delete_channel(st: &mut State, channel: &str, req: &Req) -> Answer {
    let channel = cid(channel)?;
    let c = st
        .world
        .channels
        .get(&channel)
        .ok_or_else(ApiError::unknown_channel)?;
    let needed = if c.kind.is_thread() {
        Permissions::MANAGE_THREADS
    } else {
        Permissions::MANAGE_CHANNELS
    };
    need_channel_perm(st, channel, needed)?;
    let removed = st
        .delete_channel(channel)
        .ok_or_else(ApiError::unknown_channel)?;
    if let Some(guild) = removed.guild {
        let action = if removed.kind.is_thread() {
            audit::THREAD_DELETE
        } else {
            audit::CHANNEL_DELETE
        };
        let changes = channel_changes(Some(&removed), None);
        audit_bot(
            st,
            guild,
            action,
            channel.get(),
            BTreeMap::new(),
            req,
            changes,
        );
    }
    ok(payloads::channel(&st.world, &removed))
}

pub(super) fn create_thread(
    st: &mut State,
    channel: &str,
    message: Option<&str>,
    req: &Req,
) -> Answer {
    let parent = cid(channel)?;
    let p = st
        .world
        .channels
        .get(&parent)
        .ok_or_else(ApiError::unknown_channel)?;
    if p.kind != ChannelKind::Text {
        return Err(ApiError::new(
            400,
            50024,
            "Cannot execute action on this channel type",
        ));
    }
    let guild: GuildId = p.guild.ok_or_else(ApiError::unknown_channel)?;
    let private = message.is_none() && req.body.get("type").and_then(Value::as_u64) == Some(12);
    let needed = if private {
        Permissions::CREATE_PRIVATE_THREADS
    } else {
        Permissions::CREATE_PUBLIC_THREADS
    };
    need_channel_perm(st, parent, needed)?;
    let name = req
        .str("name")
        .filter(|n| !n.is_empty())
        .ok_or_else(|| ApiError::field("name", "BASE_TYPE_REQUIRED", "This field is required"))?;
    let id = match message {
        Some(m) => {
            let m = mid(m)?;
            if st.world.message(parent, m).is_none() {
                return Err(ApiError::unknown_message());
            }
            if st.world.channels.contains_key(&ChannelId::new(m.get())) {
                return Err(ApiError::new(
                    400,
                    160004,
                    "A thread has already been created for this message",
                ));
            }
            ChannelId::new(m.get())
        }
        None => ChannelId::new(st.world.snowflake()),
    };
    let kind = if private {
        ChannelKind::PrivateThread
    } else {
        ChannelKind::PublicThread
    };
    let mut thread = Channel::new(id, kind, Some(guild), name);
    thread.parent = Some(parent);
    thread.owner = Some(st.world.bot);
    thread.thread_members = vec![st.world.bot];
    if let Some(slow) = req.body.get("rate_limit_per_user").and_then(Value::as_u64) {
        thread.rate_limit_per_user = u32::try_from(slow).unwrap_or(0);
    }
    st.add_channel(thread.clone());
    let changes = channel_changes(None, Some(&thread));
    audit_bot(
        st,
        guild,
        audit::THREAD_CREATE,
        id.get(),
        BTreeMap::new(),
        req,
        changes,
    );
    let mut body = payloads::channel(&st.world, &thread);
    if let Some(map) = body.as_object_mut() {
        map.insert(
            "member".into(),
            json!({"id": id.to_string(), "user_id": st.world.bot.to_string(), "join_timestamp": payloads::time(st.now()), "flags": 0}),
        );
    }
    Ok((201, Some(body)))
}

pub(super) fn add_thread_member(st: &mut State, channel: &str, user: &str) -> Answer {
    let (channel, user) = (cid(channel)?, uid(user)?);
    let c = st
        .world
        .channels
        .get(&channel)
        .ok_or_else(ApiError::unknown_channel)?;
    if !c.kind.is_thread() {
        return Err(ApiError::new(
            400,
            50024,
            "Cannot execute action on this channel type",
        ));
    }
    let guild = c.guild.ok_or_else(ApiError::unknown_channel)?;
    if !st
        .world
        .guild(guild)
        .is_some_and(|g| g.members.contains_key(&user))
    {
        return Err(ApiError::unknown_member());
    }
    if c.kind == ChannelKind::PrivateThread && c.owner != Some(st.world.bot) {
        need_channel_perm(st, channel, Permissions::MANAGE_THREADS)?;
    } else {
        need_channel_perm(st, channel, Permissions::SEND_MESSAGES_IN_THREADS)?;
    }
    if let Some(c) = st.world.channels.get_mut(&channel)
        && !c.thread_members.contains(&user)
    {
        c.thread_members.push(user);
    }
    Ok((204, None))
}

/// `GET /guilds/{guild}/invites`: the guild's invites with their metadata (uses, inviter);
/// needs Manage Server (Discord: MANAGE_GUILD).
pub(super) fn get_invites(st: &State, guild: &str) -> Answer {
    let guild = super::gid(guild)?;
    super::need_guild_perm(st, guild, Permissions::MANAGE_GUILD)?;
    let g = st
        .world
        .guild(guild)
        .ok_or_else(super::ApiError::unknown_guild)?;
    super::ok(Value::Array(
        g.invites
            .iter()
            .map(|invite| payloads::invite(&st.world, g, invite))
            .collect(),
    ))
}
