//! Automation's pages: scheduled messages (the list with each schedule in words and its next
//! and last runs, pause, resume, run now, delete, the create form and its cron helper) and
//! triggers (the list with enable, disable and delete, the add form, and the live tester).
//!
//! Every handler checks Manage Server in the guild of the path first (writes ask Discord again,
//! behind the CSRF guard) and reads or writes only that guild's scheduled messages and
//! triggers: another guild's schedule is "no such scheduled message" (404). The core audits
//! every change with the dashboard user as the actor (`user:<id> (dashboard)`); triggers are
//! written through the settings service, so they are versioned in the settings history too.
//! A channel or role id from a form is checked against the guild before anything is written.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use guildhall_core::automation::flows::{Flow, FlowEvent, MAX_STEPS, Step};
use guildhall_core::automation::settings::{CooldownScope, MatchKind};
use guildhall_core::automation::template::Values;
use guildhall_core::automation::triggers;
use guildhall_core::automation::{
    AutomationError, AutomationService, NewSchedule, ScheduledPost, Trigger,
};
use guildhall_core::error::UserFacing as _;
use guildhall_core::ids::{ChannelId, GuildId, RoleId};
use guildhall_core::premium::Perk;
use guildhall_core::references::Reference;
use maud::Markup;
use serde::Deserialize;

use super::pickers::{PickedForm, pickers};
use super::roles::{guild_roles, read_channel};
use super::see_other;
use crate::app::{App, CurrentUser, Guild, GuildAccess, Read, Write, guarded};
use crate::error::PageError;
use crate::features::Tab;
use crate::routes;
use crate::views::automation::{
    self as views, FlowEditor, FlowForm, FlowRow, FlowsPage, ScheduleForm, ScheduleRow,
    SchedulesPage, StepForm, TestView, TesterForm, TriggerForm, TriggersPage,
};
use crate::views::components::Flash;

/// The process's one automation service.
fn service(app: &App) -> Arc<AutomationService> {
    Arc::clone(&app.web.core.automation)
}

/// A refusal the admin can act on, in words for beside the form; the premium wall (402), a
/// missing schedule or trigger (404) and failures of ours (500) are errors of the page.
fn refusal(error: AutomationError) -> Result<String, PageError> {
    if error.premium_wall().is_some() || error.is_missing() {
        return Err(PageError::from_core(&error));
    }
    PageError::words_of(&error)
}

fn field(fields: &[(String, String)], name: &str) -> String {
    fields
        .iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.trim().to_owned())
        .unwrap_or_default()
}

fn checked(fields: &[(String, String)], name: &str) -> bool {
    !field(fields, name).is_empty()
}

/// The values of a repeated field (checkboxes), or ids typed with commas or spaces.
fn list_field(fields: &[(String, String)], name: &str) -> Vec<String> {
    fields
        .iter()
        .filter(|(key, _)| key == name)
        .flat_map(|(_, value)| {
            value
                .split([',', ' ', '\n', '\r', '\t'])
                .filter(|part| !part.is_empty())
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .collect()
}

/// After an action: `done` names it, for the flash.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct DoneQuery {
    /// The action just finished.
    pub done: String,
    /// The name of the trigger or automation to edit.
    pub edit: String,
}

// ---------------------------------------------------------------------------------------------
// Scheduled messages
// ---------------------------------------------------------------------------------------------

/// Reads the create form as typed.
pub fn read_schedule_form(fields: &[(String, String)]) -> ScheduleForm {
    ScheduleForm {
        name: field(fields, "name"),
        channel: field(fields, "channel"),
        cron: field(fields, "cron"),
        timezone: field(fields, "timezone"),
        text: field(fields, "text"),
        embed_title: field(fields, "embed_title"),
        embed_description: field(fields, "embed_description"),
        embed_colour: field(fields, "embed_colour"),
    }
}

/// An embed colour: `#5865F2`, `5865F2` or `0x5865F2`; blank is none.
fn read_colour(text: &str) -> Result<Option<u32>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let hex = text
        .strip_prefix('#')
        .or_else(|| text.strip_prefix("0x"))
        .unwrap_or(text);
    if hex.len() == 6
        && let Ok(value) = u32::from_str_radix(hex, 16)
    {
        return Ok(Some(value));
    }
    Err(format!(
        "the embed colour must be a hex colour such as #5865F2 (six hex digits), got `{text}`"
    ))
}

fn optional(text: &str) -> Option<String> {
    Some(text.trim().to_owned()).filter(|text| !text.is_empty())
}

/// The page of scheduled messages, with the form as typed and the reasons of a refusal.
async fn schedules_page(
    app: &App,
    user: &CurrentUser,
    access: &GuildAccess,
    form: &ScheduleForm,
    errors: &[String],
    flash: Option<Flash>,
) -> Result<Markup, PageError> {
    let guild = access.id;
    let service = service(app);
    let messages = service
        .schedules(guild)
        .await
        .map_err(|error| PageError::from_core(&error))?;
    let guild_zone = service
        .guild_zone(guild)
        .await
        .map_err(|error| PageError::from_core(&error))?;
    let mut rows = Vec::with_capacity(messages.len());
    for message in &messages {
        let zone = message
            .timezone
            .clone()
            .unwrap_or_else(|| guild_zone.clone());
        let description = match service.schedule_of(message).await {
            Ok(schedule) => Ok(schedule.describe()),
            Err(error) => Err(format!("no longer reads: {error}")),
        };
        rows.push(ScheduleRow {
            message,
            description,
            zone,
        });
    }
    let preview = if form.cron.is_empty() {
        None
    } else {
        Some(preview_of(app, guild, &form.cron, &form.timezone).await?)
    };
    let pickers = pickers(app, user, guild);
    let settings = app.guild_settings(guild).await?;
    Ok(views::schedules(
        user,
        access,
        &SchedulesPage {
            rows: &rows,
            form,
            errors,
            preview,
            guild_zone: &guild_zone,
            pickers: &pickers,
            enabled: settings.features.automation,
            flash: flash.as_ref(),
        },
    ))
}

/// The cron helper's answer: the preview, or the schedule's problem in words.
async fn preview_of(
    app: &App,
    guild: GuildId,
    cron: &str,
    timezone: &str,
) -> Result<Result<guildhall_core::automation::Preview, String>, PageError> {
    match service(app)
        .preview(
            guild,
            cron,
            Some(timezone).filter(|zone| !zone.trim().is_empty()),
        )
        .await
    {
        Ok(preview) => Ok(Ok(preview)),
        Err(error) => Ok(Err(PageError::words_of(&error)?)),
    }
}

/// `GET /guilds/{guild}/automation/schedules`: the scheduled messages and the create form.
///
/// # Errors
/// 403 without Manage Server; 404 when the bot is not there.
pub async fn schedules(
    State(app): State<App>,
    Guild { user, access, .. }: Guild<Read>,
    Query(query): Query<DoneQuery>,
) -> Result<Markup, PageError> {
    let flash = match query.done.as_str() {
        "created" => Some("Scheduled message created; its first run is planned."),
        "pause" => Some("Paused; its next run is cancelled. Resume it to plan the next one."),
        "resume" => Some("Resumed from its next run; runs missed while paused are not made up."),
        "run" => Some("The bot posts it in a moment; its schedule is unchanged."),
        "delete" => Some("Scheduled message deleted."),
        _ => None,
    }
    .map(|message| Flash::ok(message.to_owned()));
    schedules_page(&app, &user, &access, &ScheduleForm::default(), &[], flash).await
}

/// The page again with the form as typed and why it was refused (422); nothing was written.
async fn refused_schedule(
    app: &App,
    user: &CurrentUser,
    access: &GuildAccess,
    form: &ScheduleForm,
    errors: Vec<String>,
) -> Result<Response, PageError> {
    let page = schedules_page(app, user, access, form, &errors, None).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

/// `POST /guilds/{guild}/automation/schedules/new`: creates a scheduled message (the channel
/// checked against the guild, the rest by the core: name, texts, schedule, time zone, the
/// tier's limit) and plans its first run; audited by the core as
/// `automation.schedule.create`.
///
/// # Errors
/// 403 without Manage Server (asked of Discord again); 422 with the form as typed and the
/// reasons, with nothing stored.
pub async fn create_schedule(
    State(app): State<App>,
    Guild { user, access, .. }: Guild<Write>,
    PickedForm(fields): PickedForm,
) -> Result<Response, PageError> {
    let guild = access.id;
    let form = read_schedule_form(&fields);
    let mut errors = Vec::new();
    let channel = if form.channel.is_empty() {
        errors.push("pick the channel the bot posts it in".to_owned());
        None
    } else {
        read_channel(&form.channel)
            .map_err(|error| errors.push(error))
            .ok()
    };
    let colour = read_colour(&form.embed_colour)
        .map_err(|error| errors.push(error))
        .ok()
        .flatten();
    let Some(channel) = channel.filter(|_| errors.is_empty()) else {
        return refused_schedule(&app, &user, &access, &form, errors).await;
    };
    let references = [("channel".to_owned(), Reference::Channel(channel))];
    if let Err(message) = app.check_references(guild, &references).await {
        return refused_schedule(&app, &user, &access, &form, vec![message]).await;
    }
    let new = NewSchedule {
        guild,
        channel,
        name: form.name.clone(),
        cron: form.cron.clone(),
        timezone: optional(&form.timezone),
        post: ScheduledPost {
            text: form.text.clone(),
            embed_title: optional(&form.embed_title),
            embed_description: optional(&form.embed_description),
            embed_colour: colour,
        },
    };
    match service(&app).create_schedule(new, &user.actor()).await {
        Ok(_) => Ok(see_other(&format!(
            "{}?done=created",
            routes::guild_automation_schedules(guild)
        ))),
        Err(error) => {
            let message = refusal(error)?;
            refused_schedule(&app, &user, &access, &form, vec![message]).await
        }
    }
}

/// The cron helper's query.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct PreviewQuery {
    /// The expression as typed.
    pub cron: String,
    /// The time zone as typed (blank: the server's).
    pub timezone: String,
}

/// `GET /guilds/{guild}/automation/schedules/preview?cron=…&timezone=…`: the cron helper's
/// fragment: the schedule in words and its next five runs, or what is wrong (naming the
/// field). Always 200, so htmx swaps it in as the admin types; writes nothing.
///
/// # Errors
/// 403 without Manage Server.
pub async fn preview_schedule(
    State(app): State<App>,
    Guild { access, .. }: Guild<Read>,
    Query(query): Query<PreviewQuery>,
) -> Result<Markup, PageError> {
    if query.cron.trim().is_empty() {
        return Ok(views::cron_preview(None));
    }
    let preview = preview_of(&app, access.id, &query.cron, &query.timezone).await?;
    Ok(views::cron_preview(Some(&preview)))
}

/// `POST /guilds/{guild}/automation/schedules/{schedule}/{action}`: `pause`, `resume`, `run`
/// (post once now) or `delete`; audited by the core (`automation.schedule.<action>`).
///
/// # Errors
/// 403 without Manage Server (asked of Discord again); 404 for a scheduled message this guild
/// does not have or another action; 422 with the page and the reason (already paused, not
/// paused).
pub async fn schedule_action(
    State(app): State<App>,
    Guild { user, access, .. }: Guild<Write>,
    Path((_, id, action)): Path<(GuildId, i64, String)>,
) -> Result<Response, PageError> {
    let guild = access.id;
    let service = service(&app);
    let actor = user.actor();
    let outcome = match action.as_str() {
        "pause" => service.pause_schedule(guild, id, &actor).await.map(|_| ()),
        "resume" => service.resume_schedule(guild, id, &actor).await.map(|_| ()),
        "run" => service
            .run_schedule_now(guild, id, &actor)
            .await
            .map(|_| ()),
        "delete" => service.delete_schedule(guild, id, &actor).await.map(|_| ()),
        _ => {
            return Err(PageError::NotFound(format!(
                "a scheduled message can be paused, resumed, run or deleted, not `{action}`"
            )));
        }
    };
    match outcome {
        Ok(()) => Ok(see_other(&format!(
            "{}?done={action}",
            routes::guild_automation_schedules(guild)
        ))),
        Err(error) => {
            let message = refusal(error)?;
            let page = schedules_page(
                &app,
                &user,
                &access,
                &ScheduleForm::default(),
                &[],
                Some(Flash::error(message)),
            )
            .await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Triggers
// ---------------------------------------------------------------------------------------------

/// Reads the add form as typed.
pub fn read_trigger_form(fields: &[(String, String)]) -> TriggerForm {
    TriggerForm {
        name: field(fields, "name"),
        kind: field(fields, "kind"),
        pattern: fields
            .iter()
            .find(|(key, _)| key == "pattern")
            .map(|(_, value)| value.clone())
            .unwrap_or_default(),
        case_sensitive: checked(fields, "case_sensitive"),
        response: fields
            .iter()
            .find(|(key, _)| key == "response")
            .map(|(_, value)| value.trim_end().to_owned())
            .unwrap_or_default(),
        embed: checked(fields, "embed"),
        cooldown: field(fields, "cooldown"),
        cooldown_per: field(fields, "cooldown_per"),
        channels: list_field(fields, "channels"),
        roles: list_field(fields, "roles"),
        delete_message: checked(fields, "delete_message"),
        add_role: field(fields, "add_role"),
        remove_role: field(fields, "remove_role"),
        react: field(fields, "react"),
        editing: field(fields, "editing"),
    }
}

/// The add form filled with a stored trigger, to edit it.
pub fn trigger_form_of(trigger: &Trigger) -> TriggerForm {
    TriggerForm {
        name: trigger.name.clone(),
        kind: trigger.kind.as_str().to_owned(),
        pattern: trigger.pattern.clone(),
        case_sensitive: trigger.case_sensitive,
        response: trigger.response.clone(),
        embed: trigger.embed,
        cooldown: trigger.cooldown_secs.to_string(),
        cooldown_per: match trigger.cooldown_per {
            CooldownScope::Member => "member",
            CooldownScope::Channel => "channel",
        }
        .to_owned(),
        channels: trigger.channels.iter().map(ToString::to_string).collect(),
        roles: trigger.roles.iter().map(ToString::to_string).collect(),
        delete_message: trigger.delete_message,
        add_role: trigger
            .add_role
            .map(|role| role.to_string())
            .unwrap_or_default(),
        remove_role: trigger
            .remove_role
            .map(|role| role.to_string())
            .unwrap_or_default(),
        react: trigger.react.clone().unwrap_or_default(),
        editing: trigger.name.clone(),
    }
}

/// Why the bot cannot give or take each of `roles` (above its highest role, managed,
/// @everyone), each after the words for its field, as the role pages say it; empty when it can
/// or when the guild's roles are not known here.
pub fn role_problems(
    app: &App,
    user: &CurrentUser,
    guild: GuildId,
    roles: &[(String, RoleId)],
) -> Vec<String> {
    let authority = guild_roles(app, user, guild);
    let now = app.now();
    let managed = |role: RoleId| {
        app.web
            .core
            .guild_cache
            .role_style(guild, role)
            .is_some_and(|style| style.managed)
    };
    roles
        .iter()
        .filter_map(|(what, role)| {
            if managed(*role) {
                let name = authority
                    .names
                    .get(role)
                    .map_or_else(|| role.to_string(), |name| format!("@{name}"));
                return Some(format!(
                    "{what}: I cannot give {name}: it is managed by an integration (Discord gives it, nobody can hand it out)"
                ));
            }
            authority
                .check(*role, now)
                .err()
                .map(|problem| format!("{what}: {problem}"))
        })
        .collect()
}

/// The channel and role ids a form names, each with the words for its field.
type References = Vec<(String, Reference)>;

/// The trigger the form describes with the references to check, or every field that could
/// not be read. The trigger's own rules are the core's to check.
fn form_trigger(form: &TriggerForm) -> Result<(Trigger, References), Vec<String>> {
    let mut errors = Vec::new();
    let mut references = Vec::new();
    let kind = if form.kind.is_empty() {
        MatchKind::Word
    } else {
        MatchKind::parse(&form.kind).unwrap_or_else(|error| {
            errors.push(error);
            MatchKind::Word
        })
    };
    let cooldown_secs = if form.cooldown.is_empty() {
        0
    } else {
        form.cooldown.parse::<u32>().unwrap_or_else(|_| {
            errors.push(format!(
                "the cooldown must be a whole number of seconds (0 for none), got `{}`",
                form.cooldown
            ));
            0
        })
    };
    let cooldown_per = match form.cooldown_per.as_str() {
        "" | "member" => CooldownScope::Member,
        "channel" => CooldownScope::Channel,
        other => {
            errors.push(format!(
                "the cooldown applies per `member` or per `channel`, got `{other}`"
            ));
            CooldownScope::Member
        }
    };
    let mut channels = Vec::new();
    for text in &form.channels {
        match text.parse::<ChannelId>() {
            Ok(channel) => {
                references.push(("channel filter".to_owned(), Reference::AnyChannel(channel)));
                channels.push(channel);
            }
            Err(_) => errors.push(format!(
                "the channel filter takes channels of this server, got `{text}`"
            )),
        }
    }
    let mut role = |text: &str, what: &str, errors: &mut Vec<String>| -> Option<RoleId> {
        if text.is_empty() {
            return None;
        }
        match text.parse::<RoleId>() {
            Ok(role) => {
                references.push((what.to_owned(), Reference::Role(role)));
                Some(role)
            }
            Err(_) => {
                errors.push(format!(
                    "{what} must be a role of this server, got `{text}`"
                ));
                None
            }
        }
    };
    let roles = form
        .roles
        .iter()
        .filter_map(|text| role(text, "the role filter", &mut errors))
        .collect();
    let add_role = role(&form.add_role, "the role to give", &mut errors);
    let remove_role = role(&form.remove_role, "the role to take", &mut errors);
    let react = optional(&form.react);
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok((
        Trigger {
            name: form.name.clone(),
            enabled: true,
            kind,
            pattern: form.pattern.clone(),
            case_sensitive: form.case_sensitive,
            response: form.response.clone(),
            embed: form.embed,
            cooldown_secs,
            cooldown_per,
            channels,
            roles,
            delete_message: form.delete_message,
            add_role,
            remove_role,
            react,
        },
        references,
    ))
}

/// The triggers page with the add form and tester as given.
async fn triggers_page(
    app: &App,
    user: &CurrentUser,
    access: &GuildAccess,
    form: &TriggerForm,
    errors: &[String],
    tester: (&TesterForm, &TestView),
    flash: Option<Flash>,
) -> Result<Markup, PageError> {
    let guild = access.id;
    let service = service(app);
    let settings = app.guild_settings(guild).await?;
    let pickers = pickers(app, user, guild);
    Ok(views::triggers(
        user,
        access,
        &TriggersPage {
            triggers: &settings.automation.triggers,
            form,
            errors,
            tester: tester.0,
            test: tester.1,
            regex_allowed: service.regex_allowed(guild),
            pickers: &pickers,
            enabled: settings.features.automation,
            flash: flash.as_ref(),
        },
    ))
}

/// `GET /guilds/{guild}/automation/triggers`: the triggers in order, the tester and the add
/// form.
///
/// # Errors
/// 403 without Manage Server; 404 when the bot is not there.
pub async fn trigger_list(
    State(app): State<App>,
    Guild { user, access, .. }: Guild<Read>,
    Query(query): Query<DoneQuery>,
) -> Result<Markup, PageError> {
    let flash = match query.done.as_str() {
        "added" => Some("Trigger added."),
        "enabled" => Some("Trigger switched on."),
        "disabled" => Some("Trigger switched off; it is kept."),
        "deleted" => Some("Trigger deleted."),
        "saved" => Some("Trigger saved."),
        _ => None,
    }
    .map(|message| Flash::ok(message.to_owned()));
    let form = if query.edit.is_empty() {
        TriggerForm::default()
    } else {
        let settings = app.guild_settings(access.id).await?;
        let Some((_, trigger)) = settings.automation.trigger(&query.edit) else {
            return Err(PageError::NotFound(format!(
                "there is no trigger called `{}`",
                query.edit
            )));
        };
        trigger_form_of(trigger)
    };
    triggers_page(
        &app,
        &user,
        &access,
        &form,
        &[],
        (&TesterForm::default(), &TestView::default()),
        flash,
    )
    .await
}

async fn refused_trigger(
    app: &App,
    user: &CurrentUser,
    access: &GuildAccess,
    form: &TriggerForm,
    errors: Vec<String>,
) -> Result<Response, PageError> {
    let page = triggers_page(
        app,
        user,
        access,
        form,
        &errors,
        (&TesterForm::default(), &TestView::default()),
        None,
    )
    .await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

/// `POST /guilds/{guild}/automation/triggers/new`: adds a trigger (its channels and roles
/// checked against the guild; its pattern, response variables, cooldown and actions by the
/// core; a regex needs premium; the tier's limit) as a change of the `automation` settings
/// section by the dashboard user.
///
/// # Errors
/// 403 without Manage Server (asked of Discord again); 402 with the premium sentence for a
/// regex trigger on a tier without them; 422 with the form as typed and the reasons, with
/// nothing stored.
pub async fn create_trigger(
    State(app): State<App>,
    Guild { user, access, .. }: Guild<Write>,
    PickedForm(fields): PickedForm,
) -> Result<Response, PageError> {
    let guild = access.id;
    let form = read_trigger_form(&fields);
    let (mut trigger, references) = match form_trigger(&form) {
        Ok(read) => read,
        Err(errors) => return refused_trigger(&app, &user, &access, &form, errors).await,
    };
    if let Err(message) = app.check_references(guild, &references).await {
        return refused_trigger(&app, &user, &access, &form, vec![message]).await;
    }
    let given: Vec<(String, RoleId)> = [
        ("the role to give", trigger.add_role),
        ("the role to take", trigger.remove_role),
    ]
    .into_iter()
    .filter_map(|(what, role)| role.map(|role| (what.to_owned(), role)))
    .collect();
    let problems = role_problems(&app, &user, guild, &given);
    if !problems.is_empty() {
        return refused_trigger(&app, &user, &access, &form, problems).await;
    }
    let editing = !form.editing.is_empty();
    if editing {
        // The edited trigger keeps its name and its switch.
        let settings = app.guild_settings(guild).await?;
        let Some((_, stored)) = settings.automation.trigger(&form.editing) else {
            return Err(PageError::NotFound(format!(
                "there is no trigger called `{}`",
                form.editing
            )));
        };
        trigger.name = stored.name.clone();
        trigger.enabled = stored.enabled;
    }
    match service(&app)
        .save_trigger(guild, trigger, editing, &user.actor())
        .await
    {
        Ok(_) => Ok(see_other(&format!(
            "{}?done={}",
            routes::guild_automation_triggers(guild),
            if editing { "saved" } else { "added" }
        ))),
        Err(error) => {
            let message = refusal(error)?;
            refused_trigger(&app, &user, &access, &form, vec![message]).await
        }
    }
}

/// The enable/disable and delete forms.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct TriggerAction {
    /// The trigger's name.
    pub name: String,
    /// `on` or `off` (enable/disable).
    pub enabled: String,
}

async fn after_trigger_action(
    app: &App,
    user: &CurrentUser,
    access: &GuildAccess,
    outcome: Result<&str, AutomationError>,
) -> Result<Response, PageError> {
    match outcome {
        Ok(done) => Ok(see_other(&format!(
            "{}?done={done}",
            routes::guild_automation_triggers(access.id)
        ))),
        Err(error) => {
            let message = refusal(error)?;
            let page = triggers_page(
                app,
                user,
                access,
                &TriggerForm::default(),
                &[],
                (&TesterForm::default(), &TestView::default()),
                Some(Flash::error(message)),
            )
            .await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

/// A switch's form value: `on` or `off`.
fn on_or_off(value: &str) -> Result<bool, PageError> {
    match value {
        "on" => Ok(true),
        "off" => Ok(false),
        other => Err(PageError::BadRequest(format!(
            "`enabled` is `on` or `off`, got `{other}`"
        ))),
    }
}

/// `POST /guilds/{guild}/automation/triggers/toggle`: switches the trigger `name` on or off
/// (switching a regex trigger on needs premium).
///
/// # Errors
/// 403 without Manage Server; 404 for a trigger this guild does not have; 402 for a regex
/// trigger on a tier without them; 400 for an `enabled` other than on or off.
pub async fn toggle_trigger(
    State(app): State<App>,
    Guild { user, access, .. }: Guild<Write>,
    axum::Form(form): axum::Form<TriggerAction>,
) -> Result<Response, PageError> {
    let enabled = on_or_off(&form.enabled)?;
    let outcome = service(&app)
        .set_trigger_enabled(access.id, &form.name, enabled, &user.actor())
        .await
        .map(|_| if enabled { "enabled" } else { "disabled" });
    after_trigger_action(&app, &user, &access, outcome).await
}

/// `POST /guilds/{guild}/automation/triggers/delete`: removes the trigger `name`.
///
/// # Errors
/// 403 without Manage Server; 404 for a trigger this guild does not have.
pub async fn delete_trigger(
    State(app): State<App>,
    Guild { user, access, .. }: Guild<Write>,
    axum::Form(form): axum::Form<TriggerAction>,
) -> Result<Response, PageError> {
    let outcome = service(&app)
        .remove_trigger(access.id, &form.name, &user.actor())
        .await
        .map(|_| "deleted");
    after_trigger_action(&app, &user, &access, outcome).await
}

/// Runs the tester: which trigger the sample fires for the viewer in the chosen channel, its
/// response filled with the viewer, the server, the channel and the member count, mentions
/// shown by name.
async fn run_test(
    app: &App,
    user: &CurrentUser,
    access: &GuildAccess,
    tester: &TesterForm,
) -> TestView {
    let guild = access.id;
    let mut view = TestView::default();
    if tester.sample.trim().is_empty() {
        return view;
    }
    view.asked = true;
    let service = service(app);
    let mut settings = match app.guild_settings(guild).await {
        Ok(settings) => settings.automation.clone(),
        Err(_) => {
            view.notes
                .push("The triggers could not be read; try again.".to_owned());
            return view;
        }
    };
    let picked = if tester.channel.is_empty() {
        None
    } else {
        match read_channel(&tester.channel) {
            Ok(channel) => {
                let references = [("channel".to_owned(), Reference::AnyChannel(channel))];
                match app.check_references(guild, &references).await {
                    Ok(()) => Some(channel),
                    Err(message) => {
                        view.notes.push(message);
                        view.asked = false;
                        return view;
                    }
                }
            }
            Err(message) => {
                view.notes.push(message);
                view.asked = false;
                return view;
            }
        }
    };
    let channel = match picked {
        Some(channel) => channel,
        None => {
            // No channel: filters by channel are not what is being tried.
            for trigger in &mut settings.triggers {
                trigger.channels.clear();
            }
            view.notes.push(
                "No channel picked: channel filters are not applied. Pick a channel to try them."
                    .to_owned(),
            );
            ChannelId::new(0)
        }
    };
    let roles = app
        .web
        .core
        .guild_cache
        .member(guild, user.session.user)
        .map(|member| member.roles)
        .unwrap_or_default();
    let values = Values {
        user_id: user.session.user.get(),
        user_name: &user.session.username,
        server: &access.name,
        channel_id: channel.get(),
        member_count: access.member_count,
    };
    let result = triggers::test(
        &settings,
        service.regex_allowed(guild),
        &tester.sample,
        channel,
        &roles,
        &values,
    );
    let names = &access.names;
    let channel_name = match picked {
        Some(channel) => {
            let id = channel.to_string();
            let named = names.humanize(&id);
            if named != id {
                named
            } else if let Ok(guildhall_core::references::Found::Here(facts)) =
                app.web.directory.channel(guild, channel).await
            {
                format!("#{}", facts.name)
            } else {
                "#channel".to_owned()
            }
        }
        None => "#the-channel".to_owned(),
    };
    let shown = |text: &str| {
        let text = text
            .replace(
                &format!("<@{}>", user.session.user),
                &format!("@{}", user.session.username),
            )
            .replace(&format!("<#{}>", channel.get()), &channel_name);
        names.humanize(&text)
    };
    view.embed = result
        .fires
        .as_ref()
        .and_then(|name| settings.trigger(name))
        .is_some_and(|(_, trigger)| trigger.embed);
    view.fires = result.fires;
    view.response = result.response.as_deref().map(shown);
    view.actions = result.actions.iter().map(|action| shown(action)).collect();
    view.also_matching = result.also_matching;
    view.paused_regex = result.paused_regex;
    view
}

/// `POST /guilds/{guild}/automation/triggers/test`: the live tester (`sample`, optional
/// `channel`): which trigger would fire, its response filled in, what else it would do, the
/// other triggers that match, regex triggers paused for want of premium. Writes nothing; htmx
/// gets the fragment, a plain post the page.
///
/// # Errors
/// 403 without Manage Server.
pub async fn test_triggers(
    State(app): State<App>,
    Guild { user, access, .. }: Guild<Read>,
    PickedForm(fields): PickedForm,
) -> Result<Response, PageError> {
    let tester = TesterForm {
        sample: fields
            .iter()
            .find(|(key, _)| key == "sample")
            .map(|(_, value)| value.clone())
            .unwrap_or_default(),
        channel: field(&fields, "channel"),
    };
    let view = run_test(&app, &user, &access, &tester).await;
    if user.htmx {
        return Ok(views::test_result(&view).into_response());
    }
    Ok(triggers_page(
        &app,
        &user,
        &access,
        &TriggerForm::default(),
        &[],
        (&tester, &view),
        None,
    )
    .await?
    .into_response())
}

// ---------------------------------------------------------------------------------------------
// Automations (flows)
// ---------------------------------------------------------------------------------------------

/// Reads the editor as typed: the steps are `step_kind_0`, `step_channel_0`, … in order, up to
/// the first index without a kind.
pub fn read_flow_form(fields: &[(String, String)]) -> FlowForm {
    let text = |name: &str| {
        fields
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.trim_end().to_owned())
            .unwrap_or_default()
    };
    let mut steps = Vec::new();
    for index in 0..=MAX_STEPS * 2 {
        let kind = field(fields, &format!("step_kind_{index}"));
        if kind.is_empty() {
            break;
        }
        steps.push(StepForm {
            kind,
            channel: field(fields, &format!("step_channel_{index}")),
            text: text(&format!("step_text_{index}")),
            role: field(fields, &format!("step_role_{index}")),
            wait: field(fields, &format!("step_wait_{index}")),
            has_any: list_field(fields, &format!("step_has_any_{index}")),
            lacks_all: list_field(fields, &format!("step_lacks_all_{index}")),
        });
    }
    let when = field(fields, "when");
    FlowForm {
        name: field(fields, "name"),
        editing: field(fields, "editing"),
        enabled: field(fields, "enabled") != "off",
        when: if when.is_empty() {
            "member_joined".to_owned()
        } else {
            when
        },
        when_role: field(fields, "when_role"),
        when_trigger: field(fields, "when_trigger"),
        when_schedule: field(fields, "when_schedule"),
        when_level: field(fields, "when_level"),
        roles_any: list_field(fields, "roles_any"),
        roles_none: list_field(fields, "roles_none"),
        steps,
    }
}

fn ids<T: ToString>(list: &[T]) -> Vec<String> {
    list.iter().map(ToString::to_string).collect()
}

/// The editor filled with a stored automation, to edit it.
pub fn flow_form_of(flow: &Flow) -> FlowForm {
    let mut form = FlowForm {
        name: flow.name.clone(),
        editing: flow.name.clone(),
        enabled: flow.enabled,
        roles_any: ids(&flow.roles_any),
        roles_none: ids(&flow.roles_none),
        steps: Vec::new(),
        ..FlowForm::default()
    };
    match &flow.when {
        FlowEvent::MemberJoined => form.when = "member_joined".to_owned(),
        FlowEvent::RoleAdded { role } => {
            form.when = "role_added".to_owned();
            form.when_role = role.to_string();
        }
        FlowEvent::TriggerFired { trigger } => {
            form.when = "trigger_fired".to_owned();
            form.when_trigger.clone_from(trigger);
        }
        FlowEvent::SchedulePosted { schedule } => {
            form.when = "schedule_posted".to_owned();
            form.when_schedule = schedule.to_string();
        }
        FlowEvent::LevelReached { level } => {
            form.when = "level_reached".to_owned();
            form.when_level = level.to_string();
        }
    }
    for step in &flow.steps {
        let mut row = StepForm::default();
        match step {
            Step::Send { channel, text } => {
                row.kind = "send".to_owned();
                row.channel = channel.to_string();
                row.text.clone_from(text);
            }
            Step::Dm { text } => {
                row.kind = "dm".to_owned();
                row.text.clone_from(text);
            }
            Step::AddRole { role } => {
                row.kind = "add_role".to_owned();
                row.role = role.to_string();
            }
            Step::RemoveRole { role } => {
                row.kind = "remove_role".to_owned();
                row.role = role.to_string();
            }
            Step::Wait { seconds } => {
                row.kind = "wait".to_owned();
                row.wait = views::wait_text(*seconds);
            }
            Step::Check { has_any, lacks_all } => {
                row.kind = "check".to_owned();
                row.has_any = ids(has_any);
                row.lacks_all = ids(lacks_all);
            }
        }
        form.steps.push(row);
    }
    form
}

/// A wait as typed: `90`, `90s`, `10m`, `2h`, `1d`, or humantime's `1h 30m`.
fn read_wait(text: &str) -> Option<u64> {
    guildhall_core::clock::parse_seconds(text).or_else(|| {
        humantime::parse_duration(text.trim())
            .ok()
            .map(|duration| duration.as_secs())
    })
}

/// What the editor describes, or every field that could not be read. The automation's own
/// rules (name, steps, texts, waits, members) are the core's to check.
fn form_flow(form: &FlowForm) -> Result<Flow, Vec<String>> {
    let mut errors = Vec::new();
    let role = |text: &str, what: &str, errors: &mut Vec<String>| -> Option<RoleId> {
        match text.parse::<RoleId>() {
            Ok(role) => Some(role),
            Err(_) => {
                errors.push(if text.is_empty() {
                    format!("{what}: pick a role")
                } else {
                    format!("{what} must be a role of this server, got `{text}`")
                });
                None
            }
        }
    };
    let roles = |texts: &[String], what: &str, errors: &mut Vec<String>| -> Vec<RoleId> {
        texts
            .iter()
            .filter_map(|text| role(text, what, errors))
            .collect()
    };
    let when = match form.when.as_str() {
        "member_joined" => FlowEvent::MemberJoined,
        "role_added" => role(&form.when_role, "the event's role", &mut errors)
            .map_or(FlowEvent::MemberJoined, |role| FlowEvent::RoleAdded {
                role,
            }),
        "trigger_fired" => {
            if form.when_trigger.is_empty() {
                errors.push("pick the trigger that starts it".to_owned());
            }
            FlowEvent::TriggerFired {
                trigger: form.when_trigger.clone(),
            }
        }
        "level_reached" => match form.when_level.trim().parse::<u32>() {
            Ok(level) => FlowEvent::LevelReached { level },
            Err(_) => {
                errors.push(format!(
                    "the level `{}` is not a number; write a level from 1 to 1000",
                    form.when_level.trim()
                ));
                FlowEvent::MemberJoined
            }
        },
        "schedule_posted" => match form.when_schedule.parse::<i64>() {
            Ok(schedule) => FlowEvent::SchedulePosted { schedule },
            Err(_) => {
                errors.push("pick the scheduled message that starts it".to_owned());
                FlowEvent::MemberJoined
            }
        },
        other => {
            errors.push(format!("the event `{other}` is not one this page knows"));
            FlowEvent::MemberJoined
        }
    };
    let (roles_any, roles_none) = if when.has_member() {
        (
            roles(&form.roles_any, "the roles at the start", &mut errors),
            roles(&form.roles_none, "the roles at the start", &mut errors),
        )
    } else {
        (Vec::new(), Vec::new())
    };
    let mut steps = Vec::new();
    for (index, row) in form.steps.iter().enumerate() {
        let at = format!("step {}", index + 1);
        let step = match row.kind.as_str() {
            "send" => match read_channel(&row.channel) {
                Ok(channel) => Some(Step::Send {
                    channel,
                    text: row.text.clone(),
                }),
                Err(_) if row.channel.is_empty() => {
                    errors.push(format!("{at}: pick the channel the bot posts in"));
                    None
                }
                Err(error) => {
                    errors.push(format!("{at}: {error}"));
                    None
                }
            },
            "dm" => Some(Step::Dm {
                text: row.text.clone(),
            }),
            "add_role" => role(&row.role, &at, &mut errors).map(|role| Step::AddRole { role }),
            "remove_role" => {
                role(&row.role, &at, &mut errors).map(|role| Step::RemoveRole { role })
            }
            "wait" => match read_wait(&row.wait) {
                Some(seconds) => Some(Step::Wait { seconds }),
                None => {
                    errors.push(format!(
                        "{at}: a wait is a duration such as 90s, 10m, 2h or 1d, got `{}`",
                        row.wait
                    ));
                    None
                }
            },
            "check" => Some(Step::Check {
                has_any: roles(&row.has_any, &at, &mut errors),
                lacks_all: roles(&row.lacks_all, &at, &mut errors),
            }),
            other => {
                errors.push(format!("{at}: `{other}` is not a kind of step"));
                None
            }
        };
        steps.extend(step);
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Flow {
        name: form.name.clone(),
        enabled: form.enabled,
        when,
        roles_any,
        roles_none,
        steps,
    })
}

/// The editor's selects and pickers for the guild.
async fn flow_page(
    app: &App,
    user: &CurrentUser,
    access: &GuildAccess,
    form: &FlowForm,
    errors: &[String],
    flash: Option<Flash>,
    fragment: bool,
) -> Result<Markup, PageError> {
    let guild = access.id;
    let service = service(app);
    let settings = app.guild_settings(guild).await?;
    let pickers = pickers(app, user, guild);
    let triggers: Vec<String> = settings
        .automation
        .triggers
        .iter()
        .map(|trigger| trigger.name.clone())
        .collect();
    let schedules: Vec<(i64, String)> = service
        .schedules(guild)
        .await
        .map_err(|error| PageError::from_core(&error))?
        .into_iter()
        .map(|message| (message.id, message.name))
        .collect();
    let editor = FlowEditor {
        form,
        errors,
        pickers: &pickers,
        triggers: &triggers,
        schedules: &schedules,
        multi_allowed: app
            .web
            .core
            .premium
            .allows(guild, Perk::MultiStageAutomations),
    };
    if fragment {
        return Ok(views::flow_editor(guild, &user.csrf, &editor));
    }
    let flows = &settings.automation.flows;
    let mut rows = Vec::with_capacity(flows.len());
    for flow in flows {
        let active = service
            .runs(guild, Some(&flow.name), 200)
            .await
            .map_err(|error| PageError::from_core(&error))?
            .iter()
            .filter(|run| matches!(run.state.as_str(), "running" | "waiting"))
            .count();
        rows.push(FlowRow { flow, active });
    }
    let runs = service
        .runs(guild, None, 50)
        .await
        .map_err(|error| PageError::from_core(&error))?;
    let zone = service
        .guild_zone(guild)
        .await
        .map_err(|error| PageError::from_core(&error))?;
    Ok(views::flows(
        user,
        access,
        &FlowsPage {
            flows: &rows,
            runs: &runs,
            editor: &editor,
            enabled: settings.features.automation,
            flash: flash.as_ref(),
            zone: &zone,
        },
    ))
}

/// `GET /guilds/{guild}/automation/flows`: the automations, their latest runs and the editor
/// (`?edit=<name>` fills it with that automation).
///
/// # Errors
/// 403 without Manage Server; 404 when the bot is not there or for an automation to edit the
/// guild does not have.
pub async fn flow_list(
    State(app): State<App>,
    Guild { user, access, .. }: Guild<Read>,
    Query(query): Query<DoneQuery>,
) -> Result<Markup, PageError> {
    let flash = match query.done.as_str() {
        "saved" => Some("Automation saved."),
        "enabled" => Some("Automation switched on."),
        "disabled" => Some("Automation switched off; it is kept and its runs going now finish."),
        "deleted" => Some("Automation deleted; its runs going now finish."),
        _ => None,
    }
    .map(|message| Flash::ok(message.to_owned()));
    let form = if query.edit.is_empty() {
        FlowForm::default()
    } else {
        let settings = app.guild_settings(access.id).await?;
        let Some(flow) = settings
            .automation
            .flows
            .iter()
            .find(|flow| flow.name.trim().eq_ignore_ascii_case(query.edit.trim()))
        else {
            return Err(PageError::NotFound(format!(
                "there is no automation called `{}`",
                query.edit
            )));
        };
        flow_form_of(flow)
    };
    flow_page(&app, &user, &access, &form, &[], flash, false).await
}

/// Applies a step operation of the editor (`add_step`, `remove:N`, `up:N`, `down:N`; anything
/// else changes nothing).
fn apply_op(form: &mut FlowForm, op: &str, add_kind: &str) {
    let index = |text: &str| text.parse::<usize>().ok();
    let count = form.steps.len();
    match op.split_once(':') {
        None if op == "add_step" && count < MAX_STEPS => {
            let kind = if views::STEP_KINDS.iter().any(|(kind, _)| *kind == add_kind) {
                add_kind
            } else {
                "send"
            };
            form.steps.push(StepForm {
                kind: kind.to_owned(),
                ..StepForm::default()
            });
        }
        Some(("remove", at)) => {
            if let Some(at) = index(at).filter(|at| *at < count) {
                form.steps.remove(at);
            }
        }
        Some(("up", at)) => {
            if let Some(at) = index(at).filter(|at| *at > 0 && *at < count) {
                form.steps.swap(at - 1, at);
            }
        }
        Some(("down", at)) => {
            if let Some(at) = index(at).filter(|at| at + 1 < count) {
                form.steps.swap(at, at + 1);
            }
        }
        _ => {}
    }
}

/// The page (or, for htmx, the editor) with the form as typed and why it was refused (422);
/// nothing was written.
async fn refused_flow(
    app: &App,
    user: &CurrentUser,
    access: &GuildAccess,
    form: &FlowForm,
    errors: Vec<String>,
) -> Result<Response, PageError> {
    let page = flow_page(app, user, access, form, &errors, None, user.htmx).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

/// `POST /guilds/{guild}/automation/flows/edit`: the editor. Its `op` adds a step
/// (`add_step`, of kind `add_kind`), removes one (`remove:N`) or moves one (`up:N`, `down:N`)
/// and answers the editor again with what was typed (the fragment for htmx, else the page);
/// `save` saves it through the core (its channels and roles checked against the guild, the
/// roles it gives or takes against the bot's place; the rest by the core: name, steps, texts,
/// waits; more than one step needs premium; the tier's limit), replacing the automation of
/// `editing` when set.
///
/// # Errors
/// 403 without Manage Server (asked of Discord again); 402 with the premium sentence for more
/// than one step on a tier without them; 422 with the form as typed and the reasons, with
/// nothing stored.
pub async fn edit_flow(
    State(app): State<App>,
    Guild { user, access, .. }: Guild<Write>,
    PickedForm(fields): PickedForm,
) -> Result<Response, PageError> {
    let guild = access.id;
    let mut form = read_flow_form(&fields);
    let op = field(&fields, "op");
    if op != "save" {
        apply_op(&mut form, &op, &field(&fields, "add_kind"));
        let page = flow_page(&app, &user, &access, &form, &[], None, user.htmx).await?;
        return Ok(page.into_response());
    }
    let editing = !form.editing.is_empty();
    if editing {
        // The edited automation keeps its name.
        form.name.clone_from(&form.editing);
    }
    let flow = match form_flow(&form) {
        Ok(flow) => flow,
        Err(errors) => return refused_flow(&app, &user, &access, &form, errors).await,
    };
    let references: References = flow
        .references("automation")
        .into_iter()
        .map(|(key, reference)| (flow_reference_words(&key), reference))
        .collect();
    if let Err(message) = app.check_references(guild, &references).await {
        return refused_flow(&app, &user, &access, &form, vec![message]).await;
    }
    let given: Vec<(String, RoleId)> = flow
        .steps
        .iter()
        .enumerate()
        .filter_map(|(index, step)| match step {
            Step::AddRole { role } | Step::RemoveRole { role } => {
                Some((format!("step {}", index + 1), *role))
            }
            _ => None,
        })
        .collect();
    let problems = role_problems(&app, &user, guild, &given);
    if !problems.is_empty() {
        return refused_flow(&app, &user, &access, &form, problems).await;
    }
    match service(&app)
        .save_flow(guild, flow, editing, &user.actor())
        .await
    {
        Ok(_) => Ok(see_other(&format!(
            "{}?done=saved",
            routes::guild_automation_flows(guild)
        ))),
        Err(error) => {
            let message = refusal(error)?;
            refused_flow(&app, &user, &access, &form, vec![message]).await
        }
    }
}

/// A flow's reference key (`automation.steps[2]`, `automation.when.role`) in the editor's words.
fn flow_reference_words(key: &str) -> String {
    let key = key.strip_prefix("automation").unwrap_or(key);
    if let Some(index) = key
        .strip_prefix(".steps[")
        .and_then(|rest| rest.strip_suffix(']'))
        .and_then(|index| index.parse::<usize>().ok())
    {
        return format!("step {}", index + 1);
    }
    match key {
        ".when.role" => "the event's role".to_owned(),
        ".roles" => "the roles at the start".to_owned(),
        other => format!("the automation{other}"),
    }
}

async fn after_flow_action(
    app: &App,
    user: &CurrentUser,
    access: &GuildAccess,
    outcome: Result<&str, AutomationError>,
) -> Result<Response, PageError> {
    match outcome {
        Ok(done) => Ok(see_other(&format!(
            "{}?done={done}",
            routes::guild_automation_flows(access.id)
        ))),
        Err(error) => {
            let message = refusal(error)?;
            let page = flow_page(
                app,
                user,
                access,
                &FlowForm::default(),
                &[],
                Some(Flash::error(message)),
                false,
            )
            .await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

/// `POST /guilds/{guild}/automation/flows/toggle`: switches the automation `name` on or off
/// (saved again through the core, so a multi-stage one needs premium).
///
/// # Errors
/// 403 without Manage Server; 404 for an automation this guild does not have; 402 for a
/// multi-stage automation on a tier without them; 400 for an `enabled` other than on or off.
pub async fn toggle_flow(
    State(app): State<App>,
    Guild { user, access, .. }: Guild<Write>,
    axum::Form(form): axum::Form<TriggerAction>,
) -> Result<Response, PageError> {
    let enabled = on_or_off(&form.enabled)?;
    let settings = app.guild_settings(access.id).await?;
    let Some(flow) = settings
        .automation
        .flows
        .iter()
        .find(|flow| flow.name.trim().eq_ignore_ascii_case(form.name.trim()))
    else {
        return Err(PageError::NotFound(format!(
            "there is no automation called `{}`",
            form.name
        )));
    };
    let mut flow = flow.clone();
    flow.enabled = enabled;
    let outcome = service(&app)
        .save_flow(access.id, flow, true, &user.actor())
        .await
        .map(|_| if enabled { "enabled" } else { "disabled" });
    after_flow_action(&app, &user, &access, outcome).await
}

/// `POST /guilds/{guild}/automation/flows/delete`: removes the automation `name` (its runs
/// going now finish).
///
/// # Errors
/// 403 without Manage Server; 404 for an automation this guild does not have.
pub async fn delete_flow(
    State(app): State<App>,
    Guild { user, access, .. }: Guild<Write>,
    axum::Form(form): axum::Form<TriggerAction>,
) -> Result<Response, PageError> {
    let settings = app.guild_settings(access.id).await?;
    if !settings
        .automation
        .flows
        .iter()
        .any(|flow| flow.name.trim().eq_ignore_ascii_case(form.name.trim()))
    {
        return Err(PageError::NotFound(format!(
            "there is no automation called `{}`",
            form.name
        )));
    }
    let outcome = service(&app)
        .remove_flow(access.id, &form.name, &user.actor())
        .await
        .map(|_| "deleted");
    after_flow_action(&app, &user, &access, outcome).await
}

/// Automation's tabs.
pub const TABS: &[Tab] = &[
    Tab {
        label: "Scheduled messages",
        path: routes::guild_automation_schedules,
    },
    Tab {
        label: "Triggers",
        path: routes::guild_automation_triggers,
    },
    Tab {
        label: "Automations",
        path: routes::guild_automation_flows,
    },
];

/// Automation's pages: scheduled messages with their actions and cron helper, triggers with
/// their actions and tester.
pub fn routes(app: &App) -> Router<App> {
    Router::new()
        .route(
            routes::GUILD_AUTOMATION_SCHEDULES,
            guarded(app, get(schedules)),
        )
        .route(
            routes::GUILD_AUTOMATION_SCHEDULES_NEW,
            guarded(app, post(create_schedule)),
        )
        .route(
            routes::GUILD_AUTOMATION_SCHEDULES_PREVIEW,
            guarded(app, get(preview_schedule)),
        )
        .route(
            routes::GUILD_AUTOMATION_SCHEDULE_ACTION,
            guarded(app, post(schedule_action)),
        )
        .route(
            routes::GUILD_AUTOMATION_TRIGGERS,
            guarded(app, get(trigger_list)),
        )
        .route(
            routes::GUILD_AUTOMATION_TRIGGERS_NEW,
            guarded(app, post(create_trigger)),
        )
        .route(
            routes::GUILD_AUTOMATION_TRIGGERS_TOGGLE,
            guarded(app, post(toggle_trigger)),
        )
        .route(
            routes::GUILD_AUTOMATION_TRIGGERS_DELETE,
            guarded(app, post(delete_trigger)),
        )
        .route(
            routes::GUILD_AUTOMATION_TRIGGERS_TEST,
            guarded(app, post(test_triggers)),
        )
        .route(routes::GUILD_AUTOMATION_FLOWS, guarded(app, get(flow_list)))
        .route(
            routes::GUILD_AUTOMATION_FLOWS_EDIT,
            guarded(app, post(edit_flow)),
        )
        .route(
            routes::GUILD_AUTOMATION_FLOWS_TOGGLE,
            guarded(app, post(toggle_flow)),
        )
        .route(
            routes::GUILD_AUTOMATION_FLOWS_DELETE,
            guarded(app, post(delete_flow)),
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_read_as_hex_and_bad_ones_say_what_is_accepted() {
        assert_eq!(read_colour("#5865F2"), Ok(Some(0x5865F2)));
        assert_eq!(read_colour("0x00ff00"), Ok(Some(0x00FF00)));
        assert_eq!(read_colour(" "), Ok(None));
        assert!(read_colour("blue").unwrap_err().contains("#5865F2"));
    }
}
