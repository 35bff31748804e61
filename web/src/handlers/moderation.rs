//! The moderation pages: cases (search, filters, paging, detail, reason edit), refused
//! attempts, the automod rules with the live tester and the pattern checker, and the escalation
//! ladder. Every handler checks Manage Server in the guild of the path first (writes ask
//! Discord again) and reads or writes only that guild's rows.

use std::str::FromStr as _;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use guildhall_core::automod::{self, AutomodSettings, PriorMessage, RuleKind};
use guildhall_core::guild_config::GuildConfigError;
use guildhall_core::ids::{GuildId, UserId};
use guildhall_core::moderation::{CaseFilter, CaseKind, ModerationError};
use maud::Markup;
use serde::Deserialize;
use serde_json::{Value, json};

use super::pickers::{PickedForm, pickers};
use super::see_other;
use crate::app::{App, Guild, Read, Write, guarded};
use crate::error::PageError;
use crate::features::Tab;
use crate::routes;
use crate::views::moderation::{self as views, LadderRow, TestOutcome};
use axum::Router;
use axum::routing::{get, post};

/// Cases per page.
pub const CASES_PAGE: u32 = 50;
/// Refused attempts shown.
pub const REFUSALS_SHOWN: u32 = 200;
/// Seconds between the earlier messages given to the tester.
pub const TESTER_GAP_SECS: u32 = 2;

fn moderation_error(error: ModerationError) -> PageError {
    PageError::from_core(&error)
}

fn config_message(error: GuildConfigError) -> Result<String, PageError> {
    PageError::words_of(&error)
}

/// The cases list's search and filters, as typed (kept to refill the form and the paging links).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct CaseQuery {
    /// Text in the reason.
    pub q: String,
    /// A case kind (`warn`, `ban`, ...), or empty for all.
    pub kind: String,
    /// The target's user id.
    pub user: String,
    /// A moderator's user id, or an automated actor (`automod:spam`, `escalation`).
    pub moderator: String,
    /// Only cases numbered below this (the next page).
    pub before: String,
}

impl CaseQuery {
    /// The core filter, and a message for every field that could not be read (that field is
    /// then not applied).
    fn filter(
        &self,
        members: &dyn Fn(&str) -> Result<UserId, String>,
    ) -> (CaseFilter, Vec<String>) {
        let mut filter = CaseFilter {
            limit: CASES_PAGE,
            ..CaseFilter::default()
        };
        let mut errors = Vec::new();
        let text = self.q.trim();
        if !text.is_empty() {
            filter.text = Some(text.to_owned());
        }
        let kind = self.kind.trim();
        if !kind.is_empty() {
            match CaseKind::from_str(kind) {
                Ok(kind) => filter.kind = Some(kind),
                Err(message) => errors.push(message),
            }
        }
        let user = self.user.trim();
        if !user.is_empty() {
            match members(user) {
                Ok(user) => filter.target = Some(user),
                Err(message) => errors.push(format!("member: {message}")),
            }
        }
        let moderator = self.moderator.trim();
        if !moderator.is_empty() {
            if moderator.contains(':') {
                filter.actor = Some(moderator.to_owned());
            } else {
                match members(moderator) {
                    Ok(user) => filter.moderator = Some(user),
                    Err(message) => errors.push(format!("moderator: {message}")),
                }
            }
        }
        let before = self.before.trim();
        if !before.is_empty() {
            match before.parse::<u32>() {
                Ok(number) if number > 0 && !before.starts_with(['+', '0']) => {
                    filter.before_number = Some(i64::from(number));
                }
                _ => errors.push(format!(
                    "before must be a case number (1 or more, digits only), got `{before}`"
                )),
            }
        }
        (filter, errors)
    }

    /// The query string of this search with another `before`.
    pub fn with_before(&self, before: Option<i64>) -> String {
        let encode = |text: &str| {
            percent_encoding::utf8_percent_encode(text.trim(), percent_encoding::NON_ALPHANUMERIC)
                .to_string()
        };
        let mut parts = vec![
            format!("q={}", encode(&self.q)),
            format!("kind={}", encode(&self.kind)),
            format!("user={}", encode(&self.user)),
            format!("moderator={}", encode(&self.moderator)),
        ];
        if let Some(before) = before {
            parts.push(format!("before={before}"));
        }
        parts.join("&")
    }
}

/// A member named in a filter: an id, or a display name the guild model knows (exactly, ignoring
/// case; one member only).
///
/// # Errors
/// What was not found, or which members share the name.
pub fn find_member(
    cache: &guildhall_core::guild_cache::GuildCache,
    guild: GuildId,
    text: &str,
) -> Result<UserId, String> {
    let text = text.trim();
    if text.chars().all(|c| c.is_ascii_digit()) {
        return UserId::from_str(text).map_err(|_| {
            format!("`{text}` is not a user id (a number such as 1101234567890123456)")
        });
    }
    let wanted = text.trim_start_matches('@').to_lowercase();
    let named: Vec<(UserId, String)> = cache
        .search_members(guild, &wanted, 100)
        .into_iter()
        .filter(|(_, name)| name.to_lowercase() == wanted)
        .collect();
    match named.as_slice() {
        [(user, _)] => Ok(*user),
        [] => Err(format!(
            "no member named `{text}` among those Guildhall has seen; give their id instead"
        )),
        several => Err(format!(
            "{} members are named `{text}` ({}); give the id of the one you mean",
            several.len(),
            several
                .iter()
                .map(|(user, _)| user.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// `GET /guilds/{guild}/cases`: the guild's cases, newest first, searched and filtered.
///
/// # Errors
/// 403 without Manage Server; 404 when the bot is not there.
pub async fn cases(
    State(app): State<App>,
    Guild { user, access, .. }: Guild<Read>,
    Query(query): Query<CaseQuery>,
) -> Result<Response, PageError> {
    let guild = access.id;
    let cache = &app.web.core.guild_cache;
    let (filter, errors) = query.filter(&|text| find_member(cache, guild, text));
    // A filter that cannot be read is refused, not dropped: a list that silently ignores half
    // the search reads as an answer to it.
    if !errors.is_empty() {
        return Ok((
            StatusCode::BAD_REQUEST,
            views::cases(&user, &access, &query, &[], &errors, None),
        )
            .into_response());
    }
    let cases = app
        .moderation()
        .cases(guild, &filter)
        .await
        .map_err(moderation_error)?;
    let next = (cases.len() == CASES_PAGE as usize)
        .then(|| cases.last().map(|case| case.number))
        .flatten();
    Ok(views::cases(&user, &access, &query, &cases, &errors, next).into_response())
}

/// `GET /guilds/{guild}/cases/{number}`: one case and its reason editor.
///
/// # Errors
/// As [`cases`]; 404 for a number this guild has no case with.
pub async fn case(
    State(app): State<App>,
    Guild { user, access, .. }: Guild<Read>,
    Path((_, number)): Path<(GuildId, i64)>,
) -> Result<Markup, PageError> {
    let guild = access.id;
    let case = app
        .moderation()
        .case(guild, number)
        .await
        .map_err(moderation_error)?;
    Ok(views::case(&user, &access, &case, None))
}

/// A new reason.
#[derive(Debug, Deserialize)]
pub struct ReasonForm {
    #[serde(default)]
    reason: String,
}

/// `POST /guilds/{guild}/cases/{number}/reason`: replaces the reason (recorded with the editor
/// and in the audit log as `dashboard.cases.reason`).
///
/// # Errors
/// 403 without Manage Server (asked of Discord again); 404 for an unknown case.
pub async fn edit_reason(
    State(app): State<App>,
    Guild { user, access, .. }: Guild<Write>,
    Path((_, number)): Path<(GuildId, i64)>,
    Form(form): Form<ReasonForm>,
) -> Result<Response, PageError> {
    let guild = access.id;
    let service = app.moderation();
    let before = service
        .case(guild, number)
        .await
        .map_err(moderation_error)?;
    let (case, error) = match service
        .edit_reason(guild, number, &form.reason, user.session.user)
        .await
    {
        Ok(edit) => {
            // The bot edits the mod-log post: the web hands the effect over through the ledger.
            if let Some(effect) = edit.mod_log_edit.clone()
                && let Err(error) = guildhall_core::jobs::perform::schedule(
                    &app.web.core.ledger,
                    Some(guild),
                    effect,
                )
                .await
            {
                tracing::warn!(%guild, number, %error, "could not schedule the mod-log edit");
            }
            app.audit(
                &user,
                "dashboard.cases.reason",
                Some(guild),
                &number.to_string(),
                json!({ "old": before.reason, "new": edit.case.reason }),
            )
            .await;
            (edit.case, None)
        }
        Err(ModerationError::Invalid(message)) => (before, Some(message)),
        Err(other) => return Err(moderation_error(other)),
    };
    if user.htmx {
        let status = if error.is_some() {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::OK
        };
        return Ok((
            status,
            views::reason_form(
                &case,
                &access.names,
                &user.csrf,
                error.as_deref(),
                error.is_none(),
            ),
        )
            .into_response());
    }
    match error {
        None => Ok(see_other(&routes::guild_case(guild, number))),
        Some(message) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            views::case(&user, &access, &case, Some(&message)),
        )
            .into_response()),
    }
}

/// `GET /guilds/{guild}/refusals`: the actions the guards refused, newest first.
///
/// # Errors
/// As [`cases`].
pub async fn refusals(
    State(app): State<App>,
    Guild { user, access, .. }: Guild<Read>,
) -> Result<Markup, PageError> {
    let guild = access.id;
    let refusals = guildhall_core::refusals::list(&app.web.core.db, guild, REFUSALS_SHOWN)
        .await
        .map_err(PageError::internal)?;
    Ok(views::refusals(&user, &access, &refusals))
}

/// `GET /guilds/{guild}/automod`: a form per rule, the tester and the pattern checker.
///
/// # Errors
/// As [`cases`].
pub async fn automod(
    State(app): State<App>,
    Guild { user, access, .. }: Guild<Read>,
) -> Result<Markup, PageError> {
    let guild = access.id;
    let settings = app.guild_settings(guild).await?;
    Ok(views::automod(
        &user,
        &access,
        &pickers(&app, &user, access.id),
        &settings.automod,
        None,
    ))
}

/// The rule's new value from its form, with the current value as the template of field types.
///
/// # Errors
/// A sentence naming the field when a number is not a number.
pub fn rule_from_form(template: &Value, fields: &[(String, String)]) -> Result<Value, String> {
    let get = |name: &str| {
        fields
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.trim().to_owned())
    };
    let Value::Object(current) = template else {
        return Ok(template.clone());
    };
    let mut next = serde_json::Map::new();
    for (field, value) in current {
        let new = if field == "action" {
            action_from_form(&get)?
        } else {
            match value {
                Value::Bool(_) => Value::Bool(get(field).is_some_and(|text| !text.is_empty())),
                Value::Number(_) | Value::Null => {
                    let text = get(field).unwrap_or_default();
                    if text.is_empty() && value.is_null() {
                        Value::Null
                    } else {
                        number(&text)
                            .ok_or_else(|| format!("{field} must be a number, got `{text}`"))?
                    }
                }
                Value::Array(_) => {
                    // A picker sends one value per item; a text box one value with lines.
                    let text = fields
                        .iter()
                        .filter(|(key, _)| key == field)
                        .map(|(_, value)| value.as_str())
                        .collect::<Vec<_>>()
                        .join("\n");
                    let ids = field.starts_with("exempt_");
                    let items: Vec<Value> = text
                        .split(|c: char| c == '\n' || (ids && (c == ',' || c.is_whitespace())))
                        .map(|item| item.trim_end_matches('\r').trim())
                        .filter(|item| !item.is_empty())
                        .map(|item| Value::String(item.to_owned()))
                        .collect();
                    Value::Array(items)
                }
                Value::String(_) => Value::String(get(field).unwrap_or_default()),
                Value::Object(_) => value.clone(),
            }
        };
        next.insert(field.clone(), new);
    }
    Ok(Value::Object(next))
}

fn number(text: &str) -> Option<Value> {
    if let Ok(whole) = text.parse::<u64>() {
        return Some(json!(whole));
    }
    text.parse::<f64>()
        .ok()
        .filter(|value| value.is_finite())
        .map(|value| json!(value))
}

fn action_from_form(get: &dyn Fn(&str) -> Option<String>) -> Result<Value, String> {
    let kind = get("action_kind").unwrap_or_else(|| "delete".to_owned());
    let seconds = |name: &str, label: &str| -> Result<Option<u64>, String> {
        let text = get(name).unwrap_or_default();
        if text.is_empty() {
            return Ok(None);
        }
        parse_seconds(&text).map(Some).ok_or_else(|| {
            format!(
                "action: {label} must be seconds or a duration such as 10m, 2h or 3d, got `{text}`"
            )
        })
    };
    Ok(match kind.as_str() {
        "timeout" => {
            let Some(duration) = seconds("action_duration_secs", "the timeout duration")? else {
                return Err("action: a timeout needs a duration".to_owned());
            };
            json!({ "kind": "timeout", "duration_secs": duration })
        }
        "ban" => {
            let delete = seconds("action_delete_message_secs", "the message deletion window")?;
            json!({ "kind": "ban", "delete_message_secs": delete.unwrap_or(0) })
        }
        other => json!({ "kind": other }),
    })
}

pub use guildhall_core::clock::parse_seconds;

/// `POST /guilds/{guild}/automod/rules/{rule}`: saves one rule through the settings service
/// (the whole `automod` section, validated by the core); a refusal is shown in the rule's form.
///
/// # Errors
/// 403 without Manage Server (asked of Discord again); 404 for an unknown rule.
pub async fn save_rule(
    State(app): State<App>,
    Guild { user, access, .. }: Guild<Write>,
    Path((_, rule)): Path<(GuildId, String)>,
    PickedForm(fields): PickedForm,
) -> Result<Response, PageError> {
    let Some(kind) = RuleKind::from_name(&rule) else {
        return Err(PageError::NotFound(format!(
            "automod has no rule `{rule}`; rules are: {}",
            RuleKind::ALL.map(RuleKind::name).join(", ")
        )));
    };
    let guild = access.id;
    let service = &app.web.core.config;
    let settings = service.reload(guild).await.map_err(PageError::internal)?;
    let mut section = serde_json::to_value(&settings.automod).map_err(PageError::internal)?;
    let template = section.get(kind.name()).cloned().unwrap_or(Value::Null);
    let (shown, error) = match rule_from_form(&template, &fields) {
        Err(message) => (template, Some(format!("automod.{}.{message}", kind.name()))),
        Ok(next) => {
            if let Some(fields) = section.as_object_mut() {
                fields.insert(kind.name().to_owned(), next.clone());
            }
            match service
                .set_section(guild, "automod", section, &user.actor(), None)
                .await
            {
                Ok(change) => {
                    if change.is_some() {
                        app.audit(
                            &user,
                            "dashboard.automod.rule",
                            Some(guild),
                            kind.name(),
                            json!({ "value": next }),
                        )
                        .await;
                    }
                    (next, None)
                }
                Err(error) => (next, Some(config_message(error)?)),
            }
        }
    };
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    if user.htmx {
        return Ok((
            status,
            views::rule_form(
                &pickers(&app, &user, guild),
                kind,
                &shown,
                &user.csrf,
                error.as_deref(),
                error.is_none(),
            ),
        )
            .into_response());
    }
    if error.is_none() {
        return Ok(see_other(&routes::guild_automod(guild)));
    }
    let settings = service.get(guild).await.map_err(PageError::internal)?;
    Ok((
        status,
        views::automod(
            &user,
            &access,
            &pickers(&app, &user, access.id),
            &settings.automod,
            Some((kind, &shown, error.as_deref().unwrap_or_default())),
        ),
    )
        .into_response())
}

/// The tester's input.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct TestForm {
    text: String,
    /// Earlier messages by the same member, one per line, oldest first.
    history: String,
    /// Also try the rules that are off.
    try_disabled: Option<String>,
}

/// What the tester finds for `form` under `settings`.
fn run_tester(settings: &AutomodSettings, form: &TestForm) -> TestOutcome {
    let mut settings = settings.clone();
    let try_disabled = form
        .try_disabled
        .as_deref()
        .is_some_and(|on| !on.is_empty());
    let saved = serde_json::to_value(&settings).unwrap_or(Value::Null);
    let enabled: Vec<RuleKind> = RuleKind::ALL
        .into_iter()
        .filter(|rule| saved[rule.name()]["enabled"] == Value::Bool(true))
        .collect();
    let mut skipped = Vec::new();
    if try_disabled {
        // A rule that cannot run as configured (e.g. the link filter without domains) is left
        // off and named, rather than failing the whole test.
        for rule in RuleKind::ALL
            .into_iter()
            .filter(|rule| !enabled.contains(rule))
        {
            let mut candidate = settings.clone();
            candidate.enable(rule);
            if candidate.check().is_ok() {
                settings = candidate;
            } else {
                skipped.push(rule);
            }
        }
    }
    let lines: Vec<&str> = form
        .history
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect();
    let count = u32::try_from(lines.len()).unwrap_or(u32::MAX);
    let priors: Vec<PriorMessage<'_>> = lines
        .iter()
        .enumerate()
        .map(|(index, content)| PriorMessage {
            content,
            seconds_before: (count - u32::try_from(index).unwrap_or(0)) * TESTER_GAP_SECS,
        })
        .collect();
    match automod::explain(&settings, &form.text, &priors) {
        Ok(hits) => TestOutcome::Hits {
            hits,
            enabled,
            try_disabled,
            skipped,
        },
        Err(error) => TestOutcome::Invalid(error.to_string()),
    }
}

/// `POST /guilds/{guild}/automod/test`: the rules that would fire on a text (after the given
/// earlier messages), with the guild's saved rules; "try disabled rules" switches every rule on
/// for the test only. Writes nothing.
///
/// # Errors
/// 403 without Manage Server.
pub async fn test_automod(
    State(app): State<App>,
    Guild { user, access, .. }: Guild<Read>,
    Form(form): Form<TestForm>,
) -> Result<Response, PageError> {
    let guild = access.id;
    let settings = app
        .web
        .core
        .config
        .get(guild)
        .await
        .map_err(PageError::internal)?;
    let outcome = run_tester(&settings.automod, &form);
    if user.htmx {
        return Ok(views::test_result(&outcome).into_response());
    }
    Ok(views::automod_page(
        &user,
        &access,
        &pickers(&app, &user, access.id),
        &settings.automod,
        None,
        Some(&outcome),
        None,
    )
    .into_response())
}

/// A pattern to check.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PatternForm {
    pattern: String,
}

/// `POST /guilds/{guild}/automod/pattern`: whether a regular expression would be accepted,
/// with the core's message (position and caret) when not. Writes nothing.
///
/// # Errors
/// 403 without Manage Server.
pub async fn check_pattern(
    State(app): State<App>,
    Guild { user, access, .. }: Guild<Read>,
    Form(form): Form<PatternForm>,
) -> Result<Response, PageError> {
    let guild = access.id;
    let result = automod::validate_pattern(&form.pattern);
    let checked = (form.pattern.as_str(), result);
    if user.htmx {
        return Ok(views::pattern_result(checked.0, &checked.1).into_response());
    }
    let settings = app
        .web
        .core
        .config
        .get(guild)
        .await
        .map_err(PageError::internal)?;
    Ok(views::automod_page(
        &user,
        &access,
        &pickers(&app, &user, access.id),
        &settings.automod,
        None,
        None,
        Some(&checked),
    )
    .into_response())
}

/// `GET /guilds/{guild}/ladder`: the escalation ladder editor.
///
/// # Errors
/// As [`cases`].
pub async fn ladder(
    State(app): State<App>,
    Guild { user, access, .. }: Guild<Read>,
) -> Result<Markup, PageError> {
    let guild = access.id;
    let settings = app.guild_settings(guild).await?;
    let rows: Vec<LadderRow> = settings
        .moderation
        .ladder
        .iter()
        .map(LadderRow::of)
        .collect();
    Ok(views::ladder(&user, &access, &rows, None))
}

/// The ladder's rows from its form (`at_N`, `kind_N`, `duration_N`, `delete_N`, `remove_N`);
/// removed and blank rows are left out.
pub fn ladder_rows(fields: &[(String, String)]) -> Vec<LadderRow> {
    let mut rows: std::collections::BTreeMap<usize, (LadderRow, bool)> = Default::default();
    for (key, value) in fields {
        let Some((name, index)) = key.rsplit_once('_') else {
            continue;
        };
        let Ok(index) = index.parse::<usize>() else {
            continue;
        };
        let (row, removed) = rows.entry(index).or_default();
        let value = value.trim().to_owned();
        match name {
            "at" => row.at = value,
            "kind" => row.kind = value,
            "duration" => row.duration = value,
            "delete" => row.delete = value,
            "remove" => *removed = !value.is_empty(),
            _ => {}
        }
    }
    rows.into_values()
        .filter(|(row, removed)| !(*removed || row.at.is_empty() && row.duration.is_empty()))
        .map(|(row, _)| row)
        .collect()
}

/// The ladder's JSON from its rows, lowest threshold first.
///
/// # Errors
/// A sentence naming the step when a field is not a number.
pub fn ladder_json(rows: &[LadderRow]) -> Result<Value, String> {
    let mut steps = Vec::new();
    for (index, row) in rows.iter().enumerate() {
        let step = index + 1;
        let at: u32 = row.at.parse().map_err(|_| {
            format!(
                "step {step}: the threshold must be a whole number of warnings, got `{}`",
                row.at
            )
        })?;
        let seconds = |text: &str, what: &str| -> Result<Option<u64>, String> {
            if text.is_empty() {
                return Ok(None);
            }
            parse_seconds(text).map(Some).ok_or_else(|| {
                format!("step {step}: {what} must be seconds or a duration such as 10m, 2h or 3d, got `{text}`")
            })
        };
        let action = match row.kind.as_str() {
            "timeout" => {
                let Some(duration) = seconds(&row.duration, "the timeout")? else {
                    return Err(format!("step {step}: a timeout needs a duration"));
                };
                json!({ "kind": "timeout", "duration_secs": duration })
            }
            "kick" => json!({ "kind": "kick" }),
            "ban" => json!({
                "kind": "ban",
                "duration_secs": seconds(&row.duration, "the ban duration")?,
                "delete_message_secs": seconds(&row.delete, "the message deletion window")?.unwrap_or(0),
            }),
            other => {
                return Err(format!(
                    "step {step}: the action must be timeout, kick or ban, got `{other}`"
                ));
            }
        };
        steps.push((at, json!({ "at": at, "action": action })));
    }
    steps.sort_by_key(|(at, _)| *at);
    Ok(Value::Array(
        steps.into_iter().map(|(_, step)| step).collect(),
    ))
}

/// `POST /guilds/{guild}/ladder`: saves the ladder through the settings service (the whole
/// `moderation` section, validated by the core); a refusal is shown above the form, which keeps
/// what was typed.
///
/// # Errors
/// 403 without Manage Server (asked of Discord again).
pub async fn save_ladder(
    State(app): State<App>,
    Guild { user, access, .. }: Guild<Write>,
    PickedForm(fields): PickedForm,
) -> Result<Response, PageError> {
    let guild = access.id;
    let service = &app.web.core.config;
    let rows = ladder_rows(&fields);
    let settings = service.reload(guild).await.map_err(PageError::internal)?;
    let error = match ladder_json(&rows) {
        Err(message) => Some(format!("moderation.ladder: {message}")),
        Ok(ladder) => {
            let mut section =
                serde_json::to_value(&settings.moderation).map_err(PageError::internal)?;
            if let Some(fields) = section.as_object_mut() {
                fields.insert("ladder".to_owned(), ladder.clone());
            }
            match service
                .set_section(guild, "moderation", section, &user.actor(), None)
                .await
            {
                Ok(change) => {
                    if change.is_some() {
                        app.audit(
                            &user,
                            "dashboard.moderation.ladder",
                            Some(guild),
                            "moderation.ladder",
                            json!({ "ladder": ladder }),
                        )
                        .await;
                    }
                    None
                }
                Err(error) => Some(config_message(error)?),
            }
        }
    };
    let (status, rows) = match &error {
        Some(_) => (StatusCode::UNPROCESSABLE_ENTITY, rows),
        None => {
            let saved = service.get(guild).await.map_err(PageError::internal)?;
            (
                StatusCode::OK,
                saved.moderation.ladder.iter().map(LadderRow::of).collect(),
            )
        }
    };
    if user.htmx {
        return Ok((
            status,
            views::ladder_form(guild, &rows, &user.csrf, error.as_deref(), error.is_none()),
        )
            .into_response());
    }
    if error.is_none() {
        return Ok(see_other(&routes::guild_ladder(guild)));
    }
    Ok((
        status,
        views::ladder(&user, &access, &rows, error.as_deref()),
    )
        .into_response())
}

/// Moderation's tabs: cases, refusals, the escalation ladder.
pub const TABS: &[Tab] = &[
    Tab {
        label: "Cases",
        path: routes::guild_cases,
    },
    Tab {
        label: "Refused",
        path: routes::guild_refusals,
    },
    Tab {
        label: "Ladder",
        path: routes::guild_ladder,
    },
];

/// Automod's tab: the rules and the tester.
pub const AUTOMOD_TABS: &[Tab] = &[Tab {
    label: "Automod",
    path: routes::guild_automod,
}];

/// Moderation's pages: cases, their reasons, refusals, the ladder.
pub fn routes(app: &App) -> Router<App> {
    Router::new()
        .route(routes::GUILD_CASES, guarded(app, get(cases)))
        .route(routes::GUILD_CASE, guarded(app, get(case)))
        .route(routes::GUILD_CASE_REASON, guarded(app, post(edit_reason)))
        .route(routes::GUILD_REFUSALS, guarded(app, get(refusals)))
        .route(
            routes::GUILD_LADDER,
            guarded(app, get(ladder).post(save_ladder)),
        )
}

/// Automod's pages: the rules, the tester, the pattern check.
pub fn automod_routes(app: &App) -> Router<App> {
    Router::new()
        .route(routes::GUILD_AUTOMOD, guarded(app, get(automod)))
        .route(routes::GUILD_AUTOMOD_RULE, guarded(app, post(save_rule)))
        .route(routes::GUILD_AUTOMOD_TEST, guarded(app, post(test_automod)))
        .route(
            routes::GUILD_AUTOMOD_PATTERN,
            guarded(app, post(check_pattern)),
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_with_units() {
        assert_eq!(parse_seconds("90"), Some(90));
        assert_eq!(parse_seconds("10m"), Some(600));
        assert_eq!(parse_seconds("2h"), Some(7_200));
        assert_eq!(parse_seconds("3d"), Some(259_200));
        assert_eq!(parse_seconds("soon"), None);
    }

    #[test]
    fn ladder_rows_skip_removed_and_blank_rows_and_sort() {
        let fields: Vec<(String, String)> = [
            ("at_0", "5"),
            ("kind_0", "kick"),
            ("at_1", "3"),
            ("kind_1", "timeout"),
            ("duration_1", "1h"),
            ("at_2", "4"),
            ("kind_2", "kick"),
            ("remove_2", "on"),
            ("at_3", ""),
            ("kind_3", "timeout"),
            ("duration_3", ""),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
        let rows = ladder_rows(&fields);
        assert_eq!(rows.len(), 2);
        let json = ladder_json(&rows).unwrap();
        assert_eq!(
            json,
            json!([
                {"at": 3, "action": {"kind": "timeout", "duration_secs": 3600}},
                {"at": 5, "action": {"kind": "kick"}},
            ])
        );
    }
}
