//! Gateway discovery, the application, users and application commands.

use serde_json::{Value, json};

use super::{Answer, ApiError, Req, gid, ok, uid};
use crate::model::RegisteredCommand;
use crate::{Inner, State, payloads};

pub(super) fn gateway(inner: &Inner) -> Answer {
    ok(json!({"url": inner.config.gateway_url()}))
}

pub(super) fn gateway_bot(inner: &Inner) -> Answer {
    ok(json!({
        "url": inner.config.gateway_url(),
        "shards": 1,
        "session_start_limit": {"total": 1000, "remaining": 999, "reset_after": 14_400_000, "max_concurrency": 1},
    }))
}

pub(super) fn application(st: &State) -> Answer {
    let bot = payloads::user(&st.world, st.world.bot);
    let owner = st
        .world
        .guilds
        .values()
        .next()
        .map_or(Value::Null, |g| payloads::user(&st.world, g.owner));
    ok(json!({
        "id": st.world.bot.to_string(),
        "name": bot.get("username").cloned().unwrap_or_default(),
        "icon": null,
        "description": "Guildhall (sandbox)",
        "type": null,
        "bot_public": true,
        "bot_require_code_grant": false,
        "verify_key": "0000000000000000000000000000000000000000000000000000000000000000",
        "flags": 0,
        "flags_new": "0",
        "redirect_uris": [],
        "interactions_endpoint_url": null,
        "role_connections_verification_url": null,
        "owner": owner,
        "approximate_guild_count": st.world.guilds.len(),
        "approximate_user_install_count": 0,
        "approximate_user_authorization_count": 0,
        "explicit_content_filter": 0,
        "team": null,
        "eligible_oauth2_scopes": [],
        "bot": bot,
        "summary": "",
        "tags": [],
    }))
}

pub(super) fn get_user(st: &State, user: &str) -> Answer {
    let id = uid(user)?;
    if st.world.user(id).is_none() {
        return Err(ApiError::unknown_user());
    }
    ok(payloads::user(&st.world, id))
}

fn check_app(st: &State, app: &str) -> Result<(), ApiError> {
    if app == st.world.bot.to_string() {
        Ok(())
    } else {
        Err(ApiError::new(404, 10002, "Unknown Application"))
    }
}

pub(super) fn put_commands(st: &mut State, app: &str, guild: Option<&str>, req: &Req) -> Answer {
    check_app(st, app)?;
    let guild = guild.map(gid).transpose()?;
    if let Some(g) = guild
        && st.world.guild(g).is_none()
    {
        return Err(ApiError::unknown_guild());
    }
    let Some(list) = req.body.as_array() else {
        return Err(ApiError::field(
            "",
            "LIST_TYPE_CONVERT",
            "Only iterables may be used in a ListType",
        ));
    };
    let mut created = Vec::new();
    for (index, command) in list.iter().enumerate() {
        let Some(name) = command.get("name").and_then(Value::as_str) else {
            return Err(ApiError::field(
                &format!("{index}.name"),
                "BASE_TYPE_REQUIRED",
                "This field is required",
            ));
        };
        let kind = command.get("type").and_then(Value::as_u64).unwrap_or(1);
        let existing = st
            .world
            .commands
            .iter()
            .find(|c| {
                c.guild == guild
                    && c.body.get("name").and_then(Value::as_str) == Some(name)
                    && c.body.get("type").and_then(Value::as_u64) == Some(kind)
            })
            .map(|c| c.id);
        let id = match existing {
            Some(id) => id,
            None => st.world.snowflake(),
        };
        let version = st.world.snowflake();
        let mut body = json!({
            "id": id.to_string(),
            "application_id": st.world.bot.to_string(),
            "version": version.to_string(),
            "default_member_permissions": command.get("default_member_permissions").cloned().unwrap_or(Value::Null),
            "type": kind,
            "name": name,
            "description": command.get("description").cloned().unwrap_or(json!("")),
            "dm_permission": command.get("dm_permission").cloned().unwrap_or(json!(true)),
            "nsfw": command.get("nsfw").cloned().unwrap_or(json!(false)),
        });
        if let Some(map) = body.as_object_mut() {
            if let Some(g) = guild {
                map.insert("guild_id".into(), json!(g.to_string()));
            }
            for key in [
                "options",
                "name_localizations",
                "description_localizations",
                "contexts",
                "integration_types",
            ] {
                if let Some(v) = command.get(key)
                    && !v.is_null()
                {
                    map.insert(key.into(), v.clone());
                }
            }
        }
        created.push(RegisteredCommand { id, guild, body });
    }
    st.world.commands.retain(|c| c.guild != guild);
    let bodies: Vec<Value> = created.iter().map(|c| c.body.clone()).collect();
    st.world.commands.extend(created);
    ok(Value::Array(bodies))
}

pub(super) fn get_commands(st: &State, app: &str, guild: Option<&str>) -> Answer {
    check_app(st, app)?;
    let guild = guild.map(gid).transpose()?;
    ok(Value::Array(
        st.world
            .commands
            .iter()
            .filter(|c| c.guild == guild)
            .map(|c| c.body.clone())
            .collect(),
    ))
}
