//! Automation on Discord: the trigger engine on the message path (compiled per settings
//! version and tier, matched in memory, cooldowns on the coordination port), `/remind`,
//! `/schedule` and `/trigger`. The decisions and the storage are
//! `guildhall_core::automation`; scheduled posts and reminders are delivered by its ledger
//! jobs.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use guildhall_core::automation::reminders::Delivery;
use guildhall_core::automation::template::Values;
use guildhall_core::automation::triggers::{self, Fired};
use guildhall_core::automation::{
    AutomationError, CompiledTriggers, CooldownScope, FlowEvent, FlowStart, MatchKind, NewReminder,
    NewSchedule, ScheduledPost, Trigger, TriggerInput,
};
use guildhall_core::coordination::{Cooldown, Key};
use guildhall_core::events::{GuildEvent, GuildMessage};
use guildhall_core::guild_config::GuildSettings;
use guildhall_core::ids::{GuildId, UserId};
use guildhall_core::premium::Perk;
use serenity::all as discord;

use crate::commands::targets::{in_guild, require_manage_guild};
use crate::convert;
use crate::features::Passage;
use crate::{BotData, BotError, Context};

impl From<AutomationError> for BotError {
    fn from(error: AutomationError) -> Self {
        Self::from_core(&error)
    }
}

struct GuildTriggers {
    version: i64,
    regex: bool,
    compiled: Arc<CompiledTriggers>,
}

/// Every guild's compiled triggers in this process, rebuilt when the guild's `automation`
/// settings version or its tier's regex perk changes.
#[derive(Default)]
pub struct TriggerRuntime {
    guilds: Mutex<HashMap<GuildId, GuildTriggers>>,
}

impl std::fmt::Debug for TriggerRuntime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TriggerRuntime").finish_non_exhaustive()
    }
}

impl TriggerRuntime {
    /// The guild's compiled triggers, compiling them again when their settings or tier moved.
    pub fn compiled(
        &self,
        guild: GuildId,
        settings: &GuildSettings,
        regex: bool,
    ) -> Arc<CompiledTriggers> {
        let version = settings.version("automation");
        let mut guilds = self.guilds.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(entry) = guilds.get(&guild)
            && entry.version == version
            && entry.regex == regex
        {
            return Arc::clone(&entry.compiled);
        }
        let compiled = Arc::new(CompiledTriggers::compile(&settings.automation, regex));
        guilds.insert(
            guild,
            GuildTriggers {
                version,
                regex,
                compiled: Arc::clone(&compiled),
            },
        );
        compiled
    }

    /// Forgets a guild the bot left.
    pub fn forget(&self, guild: GuildId) {
        self.guilds
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&guild);
    }
}

/// Automation in the feature registry: the trigger engine on messages, `/remind`, `/schedule`
/// and `/trigger`.
pub(crate) const FEATURE: crate::features::BotFeature = crate::features::BotFeature {
    name: "automation",
    commands: || vec![remind(), schedule(), trigger()],
    on_event: Some(|data, event, settings, passage| {
        Box::pin(on_event(data, event, settings, passage))
    }),
    on_component: None,
};

async fn on_event(
    data: &BotData,
    event: &GuildEvent<'_>,
    settings: &GuildSettings,
    passage: &Passage,
) -> Result<(), BotError> {
    match event {
        GuildEvent::Message(message)
            if settings.features.automation
                && !passage.caught_by_automod()
                && !message.author_is_bot
                && !message.from_webhook =>
        {
            on_message(data, message, settings).await;
        }
        GuildEvent::MemberJoined {
            guild,
            member,
            is_bot: false,
            ..
        } if settings.features.automation => {
            start_flows(
                data,
                settings,
                *guild,
                FlowEvent::MemberJoined,
                member.user,
                &member.roles,
                None,
            )
            .await;
        }
        GuildEvent::MemberUpdated {
            guild,
            member,
            gained_roles,
            ..
        } if settings.features.automation && !gained_roles.is_empty() => {
            for role in *gained_roles {
                start_flows(
                    data,
                    settings,
                    *guild,
                    FlowEvent::RoleAdded { role: *role },
                    member.user,
                    &member.roles,
                    None,
                )
                .await;
            }
        }
        GuildEvent::Gone { guild, .. } => data.triggers.forget(*guild),
        _ => {}
    }
    Ok(())
}

/// Starts the guild's automations that `event` matches, for `user`. Reads nothing unless a
/// flow is set up; a failure is logged (the event itself is done).
async fn start_flows(
    data: &BotData,
    settings: &GuildSettings,
    guild: GuildId,
    event: FlowEvent,
    user: UserId,
    roles: &[guildhall_core::ids::RoleId],
    channel: Option<guildhall_core::ids::ChannelId>,
) {
    let flows = &settings.automation.flows;
    if flows.is_empty() {
        return;
    }
    let name = data.cache.member_name(guild, user).unwrap_or_default();
    let start = FlowStart {
        guild,
        event,
        member: Some((user, roles)),
        user_name: &name,
        channel,
    };
    match data.automation.start_flows(flows, &start).await {
        Ok(runs) if !runs.is_empty() => {
            tracing::debug!(%guild, %user, ?runs, "automations started");
        }
        Ok(_) => {}
        Err(error) => tracing::warn!(%guild, %user, %error, "could not start automations"),
    }
}

/// Runs the message through the guild's triggers: the first that matches, passes its filters
/// and has its cooldown free fires. No database read: settings are cached, the engine is in
/// memory, cooldowns are on the coordination port.
async fn on_message(data: &BotData, message: &GuildMessage<'_>, settings: &GuildSettings) {
    if settings.automation.triggers.is_empty() || message.content.is_empty() {
        return;
    }
    let guild = message.guild;
    let compiled = data.triggers.compiled(
        guild,
        settings,
        data.premium.allows(guild, Perk::RegexTriggers),
    );
    let input = TriggerInput {
        content: message.content,
        channel: message.channel,
        parent: data.threads.parent(guild, message.channel),
        roles: message.roles(),
    };
    for (_, trigger) in compiled.candidates(&input) {
        if trigger.cooldown_secs > 0 {
            let who = match trigger.cooldown_per {
                CooldownScope::Member => format!("m{}", message.author),
                CooldownScope::Channel => format!("c{}", message.channel),
            };
            let key = Key::guild(
                guild,
                "automation.trigger",
                format!("{}:{who}", trigger.name.trim().to_lowercase()),
            );
            match data
                .coordination
                .try_cooldown(&key, Duration::from_secs(u64::from(trigger.cooldown_secs)))
                .await
            {
                Ok(Cooldown::Started) => {}
                Ok(Cooldown::Active { .. }) => continue,
                Err(error) => {
                    tracing::warn!(%guild, trigger = %trigger.name, %error, "trigger cooldown unavailable; not firing");
                    continue;
                }
            }
        }
        fire(data, trigger, message).await;
        start_flows(
            data,
            settings,
            guild,
            FlowEvent::TriggerFired {
                trigger: trigger.name.clone(),
            },
            message.author,
            message.roles(),
            Some(message.channel),
        )
        .await;
        break;
    }
}

async fn fire(data: &BotData, trigger: &Trigger, message: &GuildMessage<'_>) {
    let guild = message.guild;
    let server = data.cache.guild_name(guild).unwrap_or_default();
    let fired = Fired {
        guild,
        channel: message.channel,
        message: message.id,
        author: message.author,
        values: Values {
            user_id: message.author.get(),
            user_name: message.author_name,
            server: &server,
            channel_id: message.channel.get(),
            member_count: data.cache.look(guild).and_then(|look| look.member_count),
        },
    };
    tracing::debug!(%guild, trigger = %trigger.name, user = %message.author, "trigger fired");
    for effect in triggers::effects(trigger, &fired) {
        if let Err(error) = data.executor.execute_for(Some(guild), &effect).await {
            tracing::warn!(%guild, trigger = %trigger.name, effect = crate::effect_name(&effect), %error, "a trigger's action failed");
        }
    }
}

/// Replies to a slash command privately.
async fn answer(ctx: Context<'_>, text: impl Into<String>) -> Result<(), BotError> {
    crate::commands::reply(ctx, text, true).await
}

/// The member who ran the command.
fn invoker(ctx: Context<'_>) -> Result<UserId, BotError> {
    Ok(convert::user(ctx.author().id))
}

fn actor(ctx: Context<'_>) -> String {
    format!("user:{}", ctx.author().id)
}

fn when(at: guildhall_core::clock::UnixMillis) -> String {
    let seconds = at.0.div_euclid(1_000);
    format!("<t:{seconds}:f> (<t:{seconds}:R>)")
}

/// Reminders: set one, list yours, cancel one.
#[poise::command(
    slash_command,
    guild_only,
    subcommands("remind_set", "remind_list", "remind_cancel"),
    subcommand_required
)]
pub async fn remind(_: Context<'_>) -> Result<(), BotError> {
    Ok(())
}

/// Remind me of something: in this channel, or by DM.
#[poise::command(slash_command, guild_only, rename = "me")]
async fn remind_set(
    ctx: Context<'_>,
    #[description = "When: 10m, 2h 30m, 3d, or a date and time like 2026-12-24 18:00"]
    #[rename = "in"]
    in_: String,
    #[description = "What to remind you of"]
    #[max_length = 1500]
    what: String,
    #[description = "Send it by DM instead of in this channel"] dm: Option<bool>,
) -> Result<(), BotError> {
    let guild = in_guild(ctx)?;
    let data = ctx.data();
    let deliver = if dm.unwrap_or(false) {
        Delivery::Dm
    } else {
        Delivery::Channel
    };
    let reminder = data
        .automation
        .remind(NewReminder {
            guild,
            channel: convert::channel(ctx.channel_id()),
            user: invoker(ctx)?,
            when: in_,
            text: what,
            deliver,
            source_message: None,
        })
        .await?;
    let place = match deliver {
        Delivery::Dm => "by DM".to_owned(),
        Delivery::Channel => format!("in <#{}>", reminder.channel),
    };
    answer(
        ctx,
        format!(
            "Reminder #{} set for {}, {place}.",
            reminder.id,
            when(reminder.due_at)
        ),
    )
    .await
}

/// Your waiting reminders in this server.
#[poise::command(slash_command, guild_only, rename = "list")]
async fn remind_list(ctx: Context<'_>) -> Result<(), BotError> {
    let guild = in_guild(ctx)?;
    let mine = ctx
        .data()
        .automation
        .reminders(guild, Some(invoker(ctx)?))
        .await?;
    if mine.is_empty() {
        return answer(
            ctx,
            "You have no reminders waiting. Set one with /remind me.",
        )
        .await;
    }
    let mut text = String::from("Your reminders:\n");
    for reminder in mine.iter().take(20) {
        let short: String = reminder.text.chars().take(80).collect();
        let _ = writeln!(
            text,
            "**#{}** {}: {short}",
            reminder.id,
            when(reminder.due_at)
        );
    }
    answer(ctx, text).await
}

/// Cancel one of your reminders.
#[poise::command(slash_command, guild_only, rename = "cancel")]
async fn remind_cancel(
    ctx: Context<'_>,
    #[description = "The reminder's number (see /remind list)"] number: i64,
) -> Result<(), BotError> {
    let guild = in_guild(ctx)?;
    let cancelled = ctx
        .data()
        .automation
        .cancel_reminder(guild, invoker(ctx)?, number)
        .await?;
    answer(ctx, format!("Reminder #{} cancelled.", cancelled.id)).await
}

/// Scheduled messages (Manage Server).
#[poise::command(
    slash_command,
    guild_only,
    default_member_permissions = "MANAGE_GUILD",
    subcommands(
        "schedule_add",
        "schedule_list",
        "schedule_pause",
        "schedule_resume",
        "schedule_run",
        "schedule_delete"
    ),
    subcommand_required
)]
pub async fn schedule(_: Context<'_>) -> Result<(), BotError> {
    Ok(())
}

/// Post a message on a schedule (cron: minute hour day month weekday).
#[poise::command(slash_command, guild_only, rename = "add")]
async fn schedule_add(
    ctx: Context<'_>,
    #[description = "Where to post"] channel: discord::GuildChannel,
    #[description = "When, as cron: `0 9 * * MON` (09:00 on Mondays), `*/30 * * * *`, @daily"]
    cron: String,
    #[description = "What to post"]
    #[max_length = 2000]
    text: String,
    #[description = "What to call it (default: the start of the text)"]
    #[max_length = 80]
    name: Option<String>,
    #[description = "Its own time zone, e.g. Europe/Berlin (default: the server's)"]
    timezone: Option<String>,
) -> Result<(), BotError> {
    let guild = in_guild(ctx)?;
    require_manage_guild(ctx, guild, "this")?;
    if convert::guild(channel.guild_id) != guild {
        return Err(BotError::User(
            "That channel is not in this server; pick one of this server's channels.".into(),
        ));
    }
    let name = name.unwrap_or_else(|| text.chars().take(40).collect());
    let made = ctx
        .data()
        .automation
        .create_schedule(
            NewSchedule {
                guild,
                channel: convert::channel(channel.id),
                name,
                cron,
                timezone,
                post: ScheduledPost {
                    text,
                    ..ScheduledPost::default()
                },
            },
            &actor(ctx),
        )
        .await?;
    let schedule = ctx.data().automation.schedule_of(&made).await?;
    let next = made.next_run_at.map(when).unwrap_or_default();
    answer(
        ctx,
        format!(
            "Scheduled message #{} “{}” posts in <#{}>: {}. Next: {next}.",
            made.id,
            made.name,
            made.channel,
            schedule.describe()
        ),
    )
    .await
}

/// The server's scheduled messages.
#[poise::command(slash_command, guild_only, rename = "list")]
async fn schedule_list(ctx: Context<'_>) -> Result<(), BotError> {
    let guild = in_guild(ctx)?;
    require_manage_guild(ctx, guild, "this")?;
    let data = ctx.data();
    let all = data.automation.schedules(guild).await?;
    if all.is_empty() {
        return answer(
            ctx,
            "No scheduled messages yet. Add one with /schedule add.",
        )
        .await;
    }
    let mut text = String::new();
    for item in all.iter().take(20) {
        let words = match data.automation.schedule_of(item).await {
            Ok(schedule) => schedule.describe(),
            Err(_) => item.cron.clone(),
        };
        let state = if item.paused {
            "paused".to_owned()
        } else {
            item.next_run_at.map_or_else(
                || "no next run".to_owned(),
                |at| format!("next {}", when(at)),
            )
        };
        let _ = writeln!(
            text,
            "**#{}** “{}” in <#{}>: {words}; {state}{}",
            item.id,
            item.name,
            item.channel,
            item.last_error
                .as_ref()
                .map(|error| format!("\n  ⚠ last run failed: {error}"))
                .unwrap_or_default()
        );
    }
    answer(ctx, text).await
}

/// Pause a scheduled message (kept, not posted).
#[poise::command(slash_command, guild_only, rename = "pause")]
async fn schedule_pause(
    ctx: Context<'_>,
    #[description = "Its number (see /schedule list)"] number: i64,
) -> Result<(), BotError> {
    let guild = in_guild(ctx)?;
    require_manage_guild(ctx, guild, "this")?;
    let paused = ctx
        .data()
        .automation
        .pause_schedule(guild, number, &actor(ctx))
        .await?;
    answer(
        ctx,
        format!(
            "Scheduled message #{} “{}” is paused.",
            paused.id, paused.name
        ),
    )
    .await
}

/// Resume a paused scheduled message from its next run.
#[poise::command(slash_command, guild_only, rename = "resume")]
async fn schedule_resume(
    ctx: Context<'_>,
    #[description = "Its number (see /schedule list)"] number: i64,
) -> Result<(), BotError> {
    let guild = in_guild(ctx)?;
    require_manage_guild(ctx, guild, "this")?;
    let resumed = ctx
        .data()
        .automation
        .resume_schedule(guild, number, &actor(ctx))
        .await?;
    answer(
        ctx,
        format!(
            "Scheduled message #{} “{}” resumed; next run {}.",
            resumed.id,
            resumed.name,
            resumed.next_run_at.map(when).unwrap_or_default()
        ),
    )
    .await
}

/// Post a scheduled message now, once.
#[poise::command(slash_command, guild_only, rename = "run")]
async fn schedule_run(
    ctx: Context<'_>,
    #[description = "Its number (see /schedule list)"] number: i64,
) -> Result<(), BotError> {
    let guild = in_guild(ctx)?;
    require_manage_guild(ctx, guild, "this")?;
    ctx.data()
        .automation
        .run_schedule_now(guild, number, &actor(ctx))
        .await?;
    answer(
        ctx,
        format!("Scheduled message #{number} is being posted now."),
    )
    .await
}

/// Delete a scheduled message.
#[poise::command(slash_command, guild_only, rename = "delete")]
async fn schedule_delete(
    ctx: Context<'_>,
    #[description = "Its number (see /schedule list)"] number: i64,
) -> Result<(), BotError> {
    let guild = in_guild(ctx)?;
    require_manage_guild(ctx, guild, "this")?;
    let deleted = ctx
        .data()
        .automation
        .delete_schedule(guild, number, &actor(ctx))
        .await?;
    answer(
        ctx,
        format!(
            "Scheduled message #{} “{}” deleted.",
            deleted.id, deleted.name
        ),
    )
    .await
}

/// How a trigger matches, as a slash-command choice.
#[derive(Debug, Clone, Copy, poise::ChoiceParameter)]
pub enum KindChoice {
    /// As a whole word.
    #[name = "whole word"]
    Word,
    /// Anywhere.
    #[name = "contains"]
    Contains,
    /// At the start.
    #[name = "starts with"]
    StartsWith,
    /// The whole message.
    #[name = "exact message"]
    Exact,
    /// A regular expression (premium).
    #[name = "regular expression (premium)"]
    Regex,
}

impl From<KindChoice> for MatchKind {
    fn from(choice: KindChoice) -> Self {
        match choice {
            KindChoice::Word => Self::Word,
            KindChoice::Contains => Self::Contains,
            KindChoice::StartsWith => Self::StartsWith,
            KindChoice::Exact => Self::Exact,
            KindChoice::Regex => Self::Regex,
        }
    }
}

/// Triggers: automatic answers to words in messages (Manage Server).
#[poise::command(
    slash_command,
    guild_only,
    default_member_permissions = "MANAGE_GUILD",
    subcommands("trigger_add", "trigger_remove", "trigger_list", "trigger_test"),
    subcommand_required
)]
pub async fn trigger(_: Context<'_>) -> Result<(), BotError> {
    Ok(())
}

/// Answer messages that contain a word or phrase.
#[poise::command(slash_command, guild_only, rename = "add")]
async fn trigger_add(
    ctx: Context<'_>,
    #[description = "Its name"]
    #[max_length = 50]
    name: String,
    #[description = "The word or phrase (or regular expression) it listens for"] pattern: String,
    #[description = "The answer: {user}, {user.name}, {server}, {channel}, {membercount}"]
    #[max_length = 2000]
    response: String,
    #[description = "How it matches (default: whole word)"] kind: Option<KindChoice>,
    #[description = "Wait this long before it answers the same member again, e.g. 30s, 5m"]
    cooldown: Option<String>,
    #[description = "Only in this channel"] channel: Option<discord::GuildChannel>,
) -> Result<(), BotError> {
    let guild = in_guild(ctx)?;
    require_manage_guild(ctx, guild, "this")?;
    let cooldown_secs = match cooldown {
        Some(text) => u32::try_from(crate::moderation::duration(&text, "cooldown")?.as_secs())
            .unwrap_or(u32::MAX),
        None => 0,
    };
    let mut channels = Vec::new();
    if let Some(channel) = channel {
        if convert::guild(channel.guild_id) != guild {
            return Err(BotError::User(
                "That channel is not in this server; pick one of this server's channels.".into(),
            ));
        }
        channels.push(convert::channel(channel.id));
    }
    let saved = ctx
        .data()
        .automation
        .save_trigger(
            guild,
            Trigger {
                name,
                kind: kind.map_or(MatchKind::Word, MatchKind::from),
                pattern,
                response,
                cooldown_secs,
                channels,
                ..Trigger::default()
            },
            false,
            &actor(ctx),
        )
        .await?;
    answer(
        ctx,
        format!(
            "Trigger “{}” added: it answers messages matching `{}` ({}).",
            saved.name,
            saved.pattern,
            saved.kind.title()
        ),
    )
    .await
}

/// Remove a trigger.
#[poise::command(slash_command, guild_only, rename = "remove")]
async fn trigger_remove(
    ctx: Context<'_>,
    #[description = "Its name"] name: String,
) -> Result<(), BotError> {
    let guild = in_guild(ctx)?;
    require_manage_guild(ctx, guild, "this")?;
    let removed = ctx
        .data()
        .automation
        .remove_trigger(guild, &name, &actor(ctx))
        .await?;
    answer(ctx, format!("Trigger “{}” removed.", removed.name)).await
}

/// The server's triggers.
#[poise::command(slash_command, guild_only, rename = "list")]
async fn trigger_list(ctx: Context<'_>) -> Result<(), BotError> {
    let guild = in_guild(ctx)?;
    require_manage_guild(ctx, guild, "this")?;
    let data = ctx.data();
    let settings = data.automation.settings(guild).await?;
    if settings.triggers.is_empty() {
        return answer(ctx, "No triggers yet. Add one with /trigger add.").await;
    }
    let regex = data.automation.regex_allowed(guild);
    let mut text = String::new();
    for trigger in settings.triggers.iter().take(25) {
        let state = if !trigger.enabled {
            " (off)"
        } else if trigger.kind == MatchKind::Regex && !regex {
            " (paused: needs premium)"
        } else {
            ""
        };
        let _ = writeln!(
            text,
            "**{}**{state}: `{}` ({})",
            trigger.name,
            trigger.pattern,
            trigger.kind.title()
        );
    }
    answer(ctx, text).await
}

/// Which trigger would answer a message, and what it would say.
#[poise::command(slash_command, guild_only, rename = "test")]
async fn trigger_test(
    ctx: Context<'_>,
    #[description = "A sample message"] message: String,
) -> Result<(), BotError> {
    let guild = in_guild(ctx)?;
    require_manage_guild(ctx, guild, "this")?;
    let data = ctx.data();
    let settings = data.automation.settings(guild).await?;
    let server = data.cache.guild_name(guild).unwrap_or_default();
    let channel = convert::channel(ctx.channel_id());
    let user = invoker(ctx)?;
    let roles = data
        .cache
        .member(guild, user)
        .map(|member| member.roles)
        .unwrap_or_default();
    let result = triggers::test(
        &settings,
        data.automation.regex_allowed(guild),
        &message,
        channel,
        &roles,
        &Values {
            user_id: user.get(),
            user_name: &ctx.author().name,
            server: &server,
            channel_id: channel.get(),
            member_count: data.cache.look(guild).and_then(|look| look.member_count),
        },
    );
    let mut text = match (&result.fires, &result.response) {
        (Some(name), Some(response)) => format!("Trigger “{name}” would answer:\n>>> {response}\n"),
        (Some(name), None) => format!("Trigger “{name}” would fire (it answers nothing).\n"),
        (None, _) => "No trigger would fire.\n".to_owned(),
    };
    if !result.actions.is_empty() {
        let _ = writeln!(text, "It would also: {}.", result.actions.join(", "));
    }
    if !result.also_matching.is_empty() {
        let _ = writeln!(
            text,
            "Also matching (one trigger answers per message): {}.",
            result.also_matching.join(", ")
        );
    }
    if result.paused_regex > 0 {
        let _ = writeln!(
            text,
            "{} regex trigger(s) are paused: they need Guildhall Premium.",
            result.paused_regex
        );
    }
    answer(ctx, text).await
}
