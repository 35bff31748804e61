//! Slash command registration: the commands as Discord's JSON, compared with what Discord has,
//! and deployed by bulk overwrite only when something changed (each overwrite counts against a
//! daily limit).

use guildhall_core::ids::GuildId;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::executor::payload::Call;
use crate::executor::{ExecError, Executor, Method};

/// Where commands are registered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Every guild (and DMs).
    Global,
    /// One guild only: instant, for testing.
    Guild(GuildId),
}

/// What a deploy changes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Plan {
    /// Commands Discord does not have yet.
    pub added: Vec<String>,
    /// Commands Discord has that Guildhall no longer defines.
    pub removed: Vec<String>,
    /// Commands whose definition differs.
    pub changed: Vec<String>,
    /// Commands already up to date.
    pub unchanged: Vec<String>,
    /// Whether the overwrite was sent.
    pub applied: bool,
}

impl Plan {
    /// Whether Discord already has exactly these commands.
    pub fn is_noop(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }
}

/// Guildhall's commands as Discord's JSON.
pub fn commands_json() -> Vec<Value> {
    let commands = crate::commands::all();
    poise::builtins::create_application_commands(&commands)
        .into_iter()
        .filter_map(|command| serde_json::to_value(command).ok())
        .collect()
}

fn path(application: u64, scope: Scope) -> String {
    match scope {
        Scope::Global => format!("/applications/{application}/commands"),
        Scope::Guild(guild) => format!("/applications/{application}/guilds/{guild}/commands"),
    }
}

/// The application id behind the token.
///
/// # Errors
/// [`ExecError`] when Discord refuses.
pub async fn application_id(executor: &Executor) -> Result<u64, ExecError> {
    let call = Call {
        method: Method::Get,
        path: "/oauth2/applications/@me".into(),
        body: None,
        reason: None,
        files: Vec::new(),
    };
    let application = executor.send(None, call).await?.unwrap_or(Value::Null);
    Ok(application["id"]
        .as_str()
        .and_then(|id| id.parse().ok())
        .unwrap_or_default())
}

/// Compares the commands with Discord's and, unless `dry_run` or nothing changed, overwrites them.
///
/// # Errors
/// [`ExecError`] when Discord refuses.
pub async fn deploy(
    executor: &Executor,
    application: u64,
    scope: Scope,
    dry_run: bool,
) -> Result<Plan, ExecError> {
    let guild = match scope {
        Scope::Guild(guild) => Some(guild),
        Scope::Global => None,
    };
    let current = executor
        .send(
            guild,
            Call {
                method: Method::Get,
                path: path(application, scope),
                body: None,
                reason: None,
                files: Vec::new(),
            },
        )
        .await?
        .unwrap_or(Value::Array(Vec::new()));
    let desired = commands_json();
    let mut plan = compare(
        current.as_array().map(Vec::as_slice).unwrap_or_default(),
        &desired,
    );
    if !dry_run && !plan.is_noop() {
        let call = Call {
            method: Method::Put,
            path: path(application, scope),
            body: Some(Value::Array(desired)),
            reason: None,
            files: Vec::new(),
        };
        executor.send(guild, call).await?;
        plan.applied = true;
    }
    Ok(plan)
}

fn compare(current: &[Value], desired: &[Value]) -> Plan {
    let name = |value: &Value| value["name"].as_str().unwrap_or_default().to_owned();
    let mut plan = Plan::default();
    for command in desired {
        match current
            .iter()
            .find(|existing| name(existing) == name(command))
        {
            None => plan.added.push(name(command)),
            Some(existing) if normalize(existing) != normalize(command) => {
                plan.changed.push(name(command))
            }
            Some(_) => plan.unchanged.push(name(command)),
        }
    }
    for existing in current {
        if !desired
            .iter()
            .any(|command| name(command) == name(existing))
        {
            plan.removed.push(name(existing));
        }
    }
    plan
}

/// Keeps what defines a command, dropping Discord's bookkeeping (ids, versions) and defaults.
fn normalize(value: &Value) -> Value {
    const KEPT: &[&str] = &[
        "name",
        "description",
        "type",
        "options",
        "required",
        "choices",
        "value",
        "min_value",
        "max_value",
        "min_length",
        "max_length",
        "channel_types",
        "autocomplete",
        "default_member_permissions",
        "nsfw",
    ];
    match value {
        Value::Object(fields) => {
            let mut kept = Map::new();
            for key in KEPT {
                let Some(field) = fields.get(*key) else {
                    continue;
                };
                let default = match (*key, field) {
                    (_, Value::Null)
                    | ("required" | "autocomplete" | "nsfw", Value::Bool(false)) => true,
                    ("type", Value::Number(number)) => {
                        number.as_u64() == Some(1) && !fields.contains_key("required")
                    }
                    (_, Value::Array(items)) => items.is_empty(),
                    _ => false,
                };
                if !default {
                    kept.insert((*key).to_owned(), normalize(field));
                }
            }
            Value::Object(kept)
        }
        Value::Array(items) => Value::Array(items.iter().map(normalize).collect()),
        // poise sends integer bounds as floats (-9007199254740991.0) and Discord answers integers;
        // and JSON float parsing near 2^53 may be one unit off. Compare numbers by value, to 12
        // significant digits.
        Value::Number(number) => match number.as_f64() {
            Some(float) => Value::String(format!("{float:.11e}")),
            None => Value::Number(number.clone()),
        },
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_commands_are_named_and_described() {
        let commands = commands_json();
        let names: Vec<&str> = commands.iter().filter_map(|c| c["name"].as_str()).collect();
        assert_eq!(
            names,
            [
                "ping",
                "nick",
                "warn",
                "timeout",
                "untimeout",
                "kick",
                "ban",
                "unban",
                "case",
                "cases",
                "reason",
                "ticketpanel",
                "rank",
                "leaderboard",
                "xp",
                "rolepanel",
                "role",
                "temprole",
                "giveaway",
                "remind",
                "schedule",
                "trigger"
            ]
        );
        assert!(
            commands
                .iter()
                .all(|c| c["description"].as_str().is_some_and(|d| !d.is_empty()))
        );
    }

    #[test]
    fn discord_bookkeeping_is_not_a_change() {
        let desired = commands_json();
        let mut current: Vec<Value> = desired.clone();
        for (index, command) in current.iter_mut().enumerate() {
            let fields = command.as_object_mut().unwrap();
            fields.insert("id".into(), json!(format!("{}", 100 + index)));
            fields.insert("version".into(), json!("1"));
            fields.insert("application_id".into(), json!("5"));
        }
        assert!(compare(&current, &desired).is_noop());
        current.push(json!({"name": "old", "description": "gone"}));
        current[0]["description"] = json!("different");
        let plan = compare(&current, &desired);
        assert_eq!(
            (plan.changed, plan.removed),
            (vec!["ping".to_owned()], vec!["old".to_owned()])
        );
    }

    #[test]
    fn integer_bounds_compare_by_value() {
        let sent = json!({"name": "case", "description": "d", "options": [{"type": 4, "name": "n", "description": "d", "min_value": 1.0, "max_value": 9_007_199_254_740_991.0}]});
        let answered = json!({"name": "case", "description": "d", "options": [{"type": 4, "name": "n", "description": "d", "min_value": 1, "max_value": 9_007_199_254_740_990_i64}]});
        assert_eq!(normalize(&sent), normalize(&answered));
        let changed = json!({"name": "case", "description": "d", "options": [{"type": 4, "name": "n", "description": "d", "min_value": 2}]});
        assert_ne!(normalize(&sent), normalize(&changed));
    }
}
