//! Levels on Discord: text XP on the message path, voice states fed to the voice tracker,
//! level-ups turned into announcements and reward roles, rewards given back on rejoin, and the
//! `/rank`, `/leaderboard` and `/xp` commands. The decisions, the buffer and the storage are
//! `guildhall_core::levels`; this file turns gateway events and interactions into calls and
//! performs the effects that come back.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use guildhall_core::effect::{Effect, Embed, EmbedField, OutgoingMessage};
use guildhall_core::events::{GuildEvent, GuildMessage};
use guildhall_core::guild_cache::GuildCache;
use guildhall_core::guild_config::{GuildConfigService, GuildSettings};
use guildhall_core::ids::{ChannelId, GuildId, RoleId};
use guildhall_core::levels::{
    LevelError, LevelUp, MessageFacts, ResetScope, level_up_effects, reward_effects,
};
use guildhall_core::permissions::MemberInfo;
use serenity::all as discord;
use tokio::sync::mpsc;

use crate::commands::targets::in_guild;
use crate::convert;
use crate::executor::Executor;
use crate::{BotData, BotError, Context};

/// Members on one `/leaderboard` page.
const PAGE_SIZE: u32 = 10;
/// The accent colour of the rank card (Discord's blurple).
const RANK_COLOUR: u32 = 0x0058_65F2;

impl From<LevelError> for BotError {
    fn from(error: LevelError) -> Self {
        Self::from_core(&error)
    }
}

/// A number with thousands separators: `34567` → `34,567`.
fn thousands(value: i64) -> String {
    let digits = value.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if value < 0 {
        out.push('-');
    }
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// Which channels are threads, and of which parent: messages carry only their channel, and a
/// thread follows its parent's multiplier and no-XP setting. Fed by GUILD_CREATE and the
/// thread events; keyed by the thread (ids are unique across guilds) with its guild, so a
/// guild's entries go when the guild does.
#[derive(Debug, Default)]
pub struct ThreadParents {
    threads: Mutex<HashMap<ChannelId, (GuildId, ChannelId)>>,
}

impl ThreadParents {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<ChannelId, (GuildId, ChannelId)>> {
        self.threads.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Remembers a thread of `guild` and its parent channel.
    pub fn put(&self, guild: GuildId, thread: ChannelId, parent: ChannelId) {
        self.lock().insert(thread, (guild, parent));
    }

    /// Forgets a deleted thread.
    pub fn remove(&self, thread: ChannelId) {
        self.lock().remove(&thread);
    }

    /// The parent of `channel` in `guild` when it is a known thread.
    pub fn parent(&self, guild: GuildId, channel: ChannelId) -> Option<ChannelId> {
        self.lock()
            .get(&channel)
            .filter(|(owner, _)| *owner == guild)
            .map(|(_, parent)| *parent)
    }

    /// Forgets every thread of a guild (left or unavailable; GUILD_CREATE lists them again).
    pub fn forget_guild(&self, guild: GuildId) {
        self.lock().retain(|_, (owner, _)| *owner != guild);
    }
}

/// Levels in the feature registry: `/rank`, `/leaderboard`, `/xp`, and the events that feed
/// text and voice XP.
pub(crate) const FEATURE: crate::features::BotFeature = crate::features::BotFeature {
    name: "levels",
    commands: || vec![rank(), leaderboard(), xp()],
    on_event: Some(|data, event, settings, passage| {
        Box::pin(on_event(data, event, settings, passage))
    }),
    on_component: None,
};

async fn on_event(
    data: &BotData,
    event: &GuildEvent<'_>,
    settings: &GuildSettings,
    passage: &crate::features::Passage,
) -> Result<(), BotError> {
    match event {
        // A guild became available: its threads are remembered and its voice members seeded
        // into the voice tracker (after its settings were loaded, so voice XP starts at once).
        GuildEvent::Available {
            guild,
            voice,
            threads,
            ..
        } => {
            data.threads.forget_guild(*guild);
            for (thread, parent) in *threads {
                data.threads.put(*guild, *thread, *parent);
            }
            data.levels.forget_voice(*guild);
            for state in *voice {
                let _seeded = data.levels.on_voice_state(*guild, *state);
            }
        }
        // The bot left a guild or it became unavailable: its voice members and threads are
        // forgotten (GUILD_CREATE seeds them again).
        GuildEvent::Gone { guild, .. } => {
            data.levels.forget_voice(*guild);
            data.threads.forget_guild(*guild);
        }
        GuildEvent::Threads { guild, threads } => {
            for (thread, parent) in *threads {
                data.threads.put(*guild, *thread, *parent);
            }
        }
        GuildEvent::ThreadDeleted { thread, .. } => data.threads.remove(*thread),
        GuildEvent::Message(message) if !message.author_is_bot => {
            on_message(data, message, passage.caught_by_automod()).await;
        }
        GuildEvent::MemberJoined {
            guild,
            member,
            is_bot: false,
            ..
        } => {
            on_member_join(data, *guild, member, settings).await?;
        }
        _ => {}
    }
    Ok(())
}

/// The message path: the XP a message earns, decided in memory and buffered (one coordination
/// call for the cooldown, no database). Only called for guilds with levels on; a message
/// automod caught earns nothing. A failure is logged, never propagated, so the rest of the
/// message path (ticket transcripts) still runs.
async fn on_message(data: &BotData, message: &GuildMessage<'_>, caught_by_automod: bool) {
    let guild = message.guild;
    let facts = MessageFacts {
        guild,
        user: message.author,
        channel: message.channel,
        parent: data.threads.parent(guild, message.channel),
        roles: message.roles(),
        is_bot: message.author_is_bot || message.from_webhook,
        caught_by_automod,
    };
    if let Err(error) = data.levels.on_message(&facts).await {
        tracing::warn!(%guild, user = %facts.user, %error, "levels: could not award message XP");
    }
}

/// GUILD_MEMBER_ADD: a member who comes back gets the reward roles of their level again.
/// Nothing (and no database read) in guilds without rewards.
///
/// # Errors
/// [`BotError`] when the level cannot be read; failed role changes are logged.
async fn on_member_join(
    data: &BotData,
    guild: GuildId,
    member: &MemberInfo,
    settings: &GuildSettings,
) -> Result<(), BotError> {
    if settings.levels.rewards.is_empty() {
        return Ok(());
    }
    let user = member.user;
    let effects = data
        .levels
        .rejoin_effects(guild, user, &member.roles)
        .await?;
    for effect in &effects {
        if let Err(error) = data.executor.execute_for(Some(guild), effect).await {
            tracing::warn!(%guild, %user, %error, "levels: could not give a reward role back on rejoin");
        }
    }
    Ok(())
}

/// Performs the level-ups the flusher reports until it stops (its sender is dropped): the
/// announcement, the reward roles and the automations that start at the level, with the member's roles and the guild's name from the
/// guild model. A member the model does not know counts as holding no reward role (rewards are
/// given; an earlier reward is not taken in replace mode). Failures are logged; the XP is
/// written either way.
pub async fn perform_level_ups(
    mut level_ups: mpsc::Receiver<LevelUp>,
    config: Arc<GuildConfigService>,
    cache: Arc<GuildCache>,
    executor: Arc<Executor>,
    automation: Arc<guildhall_core::automation::AutomationService>,
) {
    while let Some(level_up) = level_ups.recv().await {
        let guild = level_up.guild;
        let settings = match config.get(guild).await {
            Ok(settings) => settings,
            Err(error) => {
                tracing::warn!(%guild, %error, "levels: cannot read settings for a level-up");
                continue;
            }
        };
        if !settings.features.levels {
            continue;
        }
        // The member's roles decide which rewards to give and (in replace mode) take: an
        // unknown member is asked of Discord, never taken to hold no roles.
        let roles = match crate::members::resolve_with(&cache, &executor, guild, level_up.user)
            .await
        {
            Ok(Some(member)) => member.roles,
            Ok(None) => {
                tracing::debug!(%guild, user = %level_up.user, "levelled up but left the guild; no rewards");
                continue;
            }
            Err(error) => {
                tracing::warn!(%guild, user = %level_up.user, %error, "levels: cannot look the member up; the level-up is not announced or rewarded");
                continue;
            }
        };
        let name = cache.guild_name(guild).unwrap_or_default();
        tracing::debug!(%guild, user = %level_up.user, level = level_up.new_level, "level up");
        for effect in level_up_effects(&settings.levels, &level_up, &roles, &name) {
            if let Err(error) = executor.execute_for(Some(guild), &effect).await {
                tracing::warn!(
                    %guild,
                    user = %level_up.user,
                    effect = crate::effect_name(&effect),
                    %error,
                    "levels: could not perform a level-up effect"
                );
            }
        }
        // Automations that start when a member reaches a level, once per level crossed.
        if settings.features.automation && !settings.automation.flows.is_empty() {
            let member_name = cache.member_name(guild, level_up.user).unwrap_or_default();
            for level in level_up.old_level + 1..=level_up.new_level {
                let start = guildhall_core::automation::FlowStart {
                    guild,
                    event: guildhall_core::automation::FlowEvent::LevelReached { level },
                    member: Some((level_up.user, &roles)),
                    user_name: &member_name,
                    channel: level_up.channel_hint,
                };
                if let Err(error) = automation
                    .start_flows(&settings.automation.flows, &start)
                    .await
                {
                    tracing::warn!(%guild, user = %level_up.user, %error, "could not start the automations of a level-up");
                }
            }
        }
    }
}

/// Answers a command with a whole message (an embed, or text), public unless `ephemeral`.
/// The message pings nobody unless it says so.
async fn answer(
    ctx: Context<'_>,
    message: OutgoingMessage,
    ephemeral: bool,
) -> Result<(), BotError> {
    let effect = match ctx {
        poise::Context::Application(app) => Effect::InteractionReply {
            interaction_id: app.interaction.id.to_string(),
            token: app.interaction.token.clone(),
            message,
            ephemeral,
        },
        poise::Context::Prefix(prefix) => Effect::SendMessage {
            channel: convert::channel(prefix.msg.channel_id),
            message,
        },
    };
    ctx.data()
        .executor
        .execute_for(ctx.guild_id().map(convert::guild), &effect)
        .await?;
    Ok(())
}

/// The guild's settings, or a member-facing refusal while levels are off.
async fn levels_on(data: &BotData, guild: GuildId) -> Result<Arc<GuildSettings>, BotError> {
    let settings = data.config.get(guild).await?;
    if settings.features.levels {
        Ok(settings)
    } else {
        Err(BotError::User(
            guildhall_core::features::by_name("levels")
                .map(guildhall_core::features::FeatureSpec::off_sentence)
                .unwrap_or_default(),
        ))
    }
}

/// How many members hold XP: from the guild's rank index when this process has it loaded
/// (kept current by every write here), else counted in SQL.
async fn ranked_members(data: &BotData, guild: GuildId) -> Result<i64, BotError> {
    match data.levels.rank_index_len(guild) {
        Some(members) => Ok(i64::try_from(members).unwrap_or(i64::MAX)),
        None => Ok(data.levels.members_with_xp(guild).await?),
    }
}

fn display_name(user: &discord::User) -> String {
    user.global_name
        .clone()
        .unwrap_or_else(|| user.name.clone())
}

/// Show a member's level, XP and rank.
#[poise::command(slash_command, guild_only)]
pub async fn rank(
    ctx: Context<'_>,
    #[description = "Whose rank (default: yours)"] user: Option<discord::User>,
) -> Result<(), BotError> {
    let guild = in_guild(ctx)?;
    let data = ctx.data();
    levels_on(data, guild).await?;
    let user = user.unwrap_or_else(|| ctx.author().clone());
    if user.bot {
        return Err(BotError::User(format!(
            "<@{}> is a bot; bots do not earn XP.",
            user.id
        )));
    }
    let card = data.levels.rank_card(guild, convert::user(user.id)).await?;
    let ranked = ranked_members(data, guild).await?;
    let progress = card.progress;
    let toward = if progress.is_max_level() {
        format!("{} (the highest level)", thousands(progress.xp_into_level))
    } else {
        format!(
            "{} / {} toward level {}",
            thousands(progress.xp_into_level),
            thousands(progress.xp_needed),
            progress.level + 1
        )
    };
    let rank = match card.rank {
        Some(rank) => {
            let of = u64::try_from(ranked).unwrap_or(0).max(rank);
            format!(
                "#{rank} of {}",
                thousands(i64::try_from(of).unwrap_or(i64::MAX))
            )
        }
        None => "not ranked yet (no XP)".to_owned(),
    };
    let field = |name: &str, value: String| EmbedField {
        name: name.to_owned(),
        value,
        inline: true,
    };
    let embed = Embed {
        title: Some(format!("{}'s rank", display_name(&user))),
        description: Some(format!("<@{}>", user.id)),
        color: Some(RANK_COLOUR),
        fields: vec![
            field("Level", progress.level.to_string()),
            field("XP", toward),
            field("Total XP", thousands(card.xp)),
            field("Rank", rank),
        ],
        footer: Some(format!(
            "{} messages · {} minutes in voice",
            thousands(card.messages),
            thousands(card.voice_seconds / 60)
        )),
        timestamp: None,
        thumbnail: None,
    };
    let message = OutgoingMessage {
        embeds: vec![embed],
        ..OutgoingMessage::default()
    };
    answer(ctx, message, false).await
}

/// Show the server's leaderboard, 10 members per page.
#[poise::command(slash_command, guild_only)]
pub async fn leaderboard(
    ctx: Context<'_>,
    #[description = "Which page (default: the first)"]
    #[min = 1]
    #[max = 1_000_000]
    page: Option<i64>,
) -> Result<(), BotError> {
    let guild = in_guild(ctx)?;
    let data = ctx.data();
    levels_on(data, guild).await?;
    let page = page.unwrap_or(1);
    if page < 1 {
        return Err(BotError::User(format!("Pages start at 1, got {page}.")));
    }
    let members = ranked_members(data, guild).await?;
    if members == 0 {
        return answer(
            ctx,
            OutgoingMessage::text("Nobody has earned XP in this server yet."),
            false,
        )
        .await;
    }
    let per_page = i64::from(PAGE_SIZE);
    let pages = (members + per_page - 1) / per_page;
    if page > pages {
        let plural = if pages == 1 { "" } else { "s" };
        return Err(BotError::User(format!(
            "There is no page {page}: the leaderboard has {pages} page{plural} ({} members with XP).",
            thousands(members)
        )));
    }
    let offset = u64::try_from((page - 1) * per_page).unwrap_or(0);
    let entries = data.levels.leaderboard(guild, offset, PAGE_SIZE).await?;
    let mut lines = vec![format!("**Leaderboard** · page {page} of {pages}")];
    lines.extend(entries.iter().map(|entry| {
        format!(
            "#{} <@{}> — level {} ({} XP)",
            entry.rank,
            entry.user,
            entry.level,
            thousands(entry.xp)
        )
    }));
    // Mentions show the names and ping nobody: the default allows no mention.
    answer(ctx, OutgoingMessage::text(lines.join("\n")), false).await
}

/// Change members' XP (Manage Server).
#[poise::command(
    slash_command,
    guild_only,
    default_member_permissions = "MANAGE_GUILD",
    subcommands("xp_give", "xp_take", "xp_set", "xp_reset"),
    subcommand_required
)]
pub async fn xp(_: Context<'_>) -> Result<(), BotError> {
    Ok(())
}

/// Give a member XP.
#[poise::command(slash_command, guild_only, rename = "give")]
async fn xp_give(
    ctx: Context<'_>,
    #[description = "Who gets the XP"] user: discord::User,
    #[description = "How much XP (1 or more)"]
    #[min = 1]
    #[max = 1_000_000_000_000_000_i64]
    amount: i64,
) -> Result<(), BotError> {
    change_xp(ctx, &user, Change::Give(amount)).await
}

/// Take XP from a member (never below 0).
#[poise::command(slash_command, guild_only, rename = "take")]
async fn xp_take(
    ctx: Context<'_>,
    #[description = "Whose XP"] user: discord::User,
    #[description = "How much XP (1 or more)"]
    #[min = 1]
    #[max = 1_000_000_000_000_000_i64]
    amount: i64,
) -> Result<(), BotError> {
    change_xp(ctx, &user, Change::Take(amount)).await
}

/// Set a member's XP.
#[poise::command(slash_command, guild_only, rename = "set")]
async fn xp_set(
    ctx: Context<'_>,
    #[description = "Whose XP"] user: discord::User,
    #[description = "Their XP from now on (0 or more)"]
    #[min = 0]
    #[max = 1_000_000_000_000_000_i64]
    amount: i64,
) -> Result<(), BotError> {
    change_xp(ctx, &user, Change::Set(amount)).await
}

/// Delete a member's XP and level.
#[poise::command(slash_command, guild_only, rename = "reset")]
async fn xp_reset(
    ctx: Context<'_>,
    #[description = "Whose XP"] user: discord::User,
) -> Result<(), BotError> {
    change_xp(ctx, &user, Change::Reset).await
}

#[derive(Debug, Clone, Copy)]
enum Change {
    Give(i64),
    Take(i64),
    Set(i64),
    Reset,
}

/// `/xp` needs Manage Server. It changes a number, not the member, so the hierarchy guards do
/// not apply (an admin may set anyone's XP, their own too); the reward roles it brings are
/// automation, like a level-up's.
fn require_manage_guild(ctx: Context<'_>, guild: GuildId) -> Result<(), BotError> {
    crate::commands::targets::require_manage_guild(ctx, guild, "/xp")
}

/// The target's roles: from the interaction's resolved member, else the guild model; `None`
/// when they are not a member.
fn member_roles(ctx: Context<'_>, guild: GuildId, user: &discord::User) -> Option<Vec<RoleId>> {
    if let poise::Context::Application(app) = ctx
        && let Some(member) = app.interaction.data.resolved.members.get(&user.id)
    {
        return Some(
            member
                .roles
                .iter()
                .map(|role| convert::role(*role))
                .collect(),
        );
    }
    ctx.data()
        .cache
        .member(guild, convert::user(user.id))
        .map(|member| member.roles)
}

async fn change_xp(ctx: Context<'_>, user: &discord::User, change: Change) -> Result<(), BotError> {
    let guild = in_guild(ctx)?;
    require_manage_guild(ctx, guild)?;
    let data = ctx.data();
    if user.bot {
        return Err(BotError::User(format!(
            "<@{}> is a bot; bots do not earn XP.",
            user.id
        )));
    }
    let target = convert::user(user.id);
    let (old_xp, old_level, new_xp, new_level) = match change {
        Change::Give(amount) => {
            let applied = data.levels.give(guild, target, amount).await?;
            (
                applied.old_xp,
                applied.old_level,
                applied.new_xp,
                applied.new_level,
            )
        }
        Change::Take(amount) => {
            let applied = data.levels.take(guild, target, amount).await?;
            (
                applied.old_xp,
                applied.old_level,
                applied.new_xp,
                applied.new_level,
            )
        }
        Change::Set(xp) => {
            let applied = data.levels.set(guild, target, xp).await?;
            (
                applied.old_xp,
                applied.old_level,
                applied.new_xp,
                applied.new_level,
            )
        }
        Change::Reset => {
            let before = data.levels.rank_card(guild, target).await?;
            if data.levels.reset(guild, ResetScope::Member(target)).await? == 0 && before.xp == 0 {
                return answer(
                    ctx,
                    OutgoingMessage::text(format!("<@{target}> has no XP; nothing to reset.")),
                    true,
                )
                .await;
            }
            (before.xp, before.progress.level, 0, 0)
        }
    };
    let mut text = format!(
        "<@{target}>: level {old_level} → level {new_level} ({} → {} XP).",
        thousands(old_xp),
        thousands(new_xp)
    );
    let settings = data.config.get(guild).await?;
    match member_roles(ctx, guild, user) {
        _ if !settings.features.levels => {
            text.push_str(" Levels are off in this server, so no reward roles changed.");
        }
        None => text.push_str(" They are not a member here, so no reward roles changed."),
        Some(roles) => {
            let effects = if new_level > old_level {
                let level_up = LevelUp {
                    guild,
                    user: target,
                    old_level,
                    new_level,
                    channel_hint: Some(convert::channel(ctx.channel_id())),
                };
                let name = data.cache.guild_name(guild).unwrap_or_default();
                level_up_effects(&settings.levels, &level_up, &roles, &name)
            } else {
                reward_effects(&settings.levels, guild, target, new_level, &roles)
            };
            let mut failed = Vec::new();
            for effect in &effects {
                if let Err(error) = data.executor.execute_for(Some(guild), effect).await {
                    tracing::warn!(%guild, user = %target, %error, "levels: could not apply a reward after /xp");
                    match effect {
                        Effect::AddRole { role, .. } => failed.push(format!("give <@&{role}>")),
                        Effect::RemoveRole { role, .. } => {
                            failed.push(format!("take <@&{role}>"));
                        }
                        _ => {}
                    }
                }
            }
            if !failed.is_empty() {
                text.push_str(&format!(
                    " I could not {}: check that my role is above the reward roles and that I have Manage Roles.",
                    failed.join(" or ")
                ));
            }
        }
    }
    answer(ctx, OutgoingMessage::text(text), true).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_have_thousands_separators() {
        for (value, text) in [
            (0, "0"),
            (999, "999"),
            (1_000, "1,000"),
            (34_567, "34,567"),
            (1_234_567, "1,234,567"),
            (-1_500, "-1,500"),
        ] {
            assert_eq!(thousands(value), text);
        }
    }

    #[test]
    fn service_errors_read_as_sentences() {
        assert_eq!(
            guildhall_core::error::sentence("the amount must be between 1 and 5 XP, got 0"),
            "The amount must be between 1 and 5 XP, got 0."
        );
        assert_eq!(guildhall_core::error::sentence("Done!"), "Done!");
    }

    #[test]
    fn threads_are_known_per_guild() {
        let parents = ThreadParents::default();
        let (guild, other) = (GuildId::new(1), GuildId::new(2));
        parents.put(guild, ChannelId::new(10), ChannelId::new(5));
        assert_eq!(
            parents.parent(guild, ChannelId::new(10)),
            Some(ChannelId::new(5))
        );
        assert_eq!(parents.parent(other, ChannelId::new(10)), None);
        parents.forget_guild(guild);
        assert_eq!(parents.parent(guild, ChannelId::new(10)), None);
    }

    #[test]
    fn xp_has_its_subcommands_with_the_member_first() {
        let commands = crate::registration::commands_json();
        let xp = commands
            .iter()
            .find(|command| command["name"] == "xp")
            .expect("/xp is registered");
        let names: Vec<&str> = xp["options"]
            .as_array()
            .unwrap()
            .iter()
            .map(|option| option["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["give", "take", "set", "reset"]);
        let give = &xp["options"][0]["options"];
        assert_eq!(give[0]["name"], "user");
        assert_eq!(give[1]["name"], "amount");
        assert_eq!(give[1]["min_value"].as_f64(), Some(1.0));
        let leaderboard = commands
            .iter()
            .find(|command| command["name"] == "leaderboard")
            .expect("/leaderboard is registered");
        assert_eq!(leaderboard["options"][0]["required"], false);
    }
}
