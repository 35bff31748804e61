//! Giveaways on Discord: `/giveaway start|end|cancel|list|reroll`, the Enter, Leave and "Claim
//! prize" buttons (`giveaways:*` custom ids), and [`DiscordMembers`], the bot's answer to the
//! core's [`MemberFacts`] port. The decisions, the draw and the storage are
//! `guildhall_core::giveaways`; this file turns interactions into calls and performs the effects
//! that come back. Every answer to a member is ephemeral.

use std::sync::Arc;

use async_trait::async_trait;
use guildhall_core::clock::UnixMillis;
use guildhall_core::effect::{Effect, OutgoingMessage, created_id};
use guildhall_core::eligibility::{GuildRoleNames, Requirements};
use guildhall_core::giveaways::{
    FactsUnavailable, GiveawayButton, GiveawayError, GiveawayRequest, GiveawayState, Manager,
    MemberFacts, MemberState,
};
use guildhall_core::guild_cache::GuildCache;
use guildhall_core::ids::{GuildId, MessageId, RoleId, UserId};
use guildhall_core::moderation::ModerationService;
use guildhall_core::permissions::Permissions;
use guildhall_core::roles::MemberLevels;
use serenity::all as discord;

use crate::commands::targets::in_guild;
use crate::convert;
use crate::executor::Executor;
use crate::moderation::duration;
use crate::{BotData, BotError, Context};

impl From<GiveawayError> for BotError {
    fn from(error: GiveawayError) -> Self {
        Self::from_core(&error)
    }
}

/// Discord's timestamp markup: the reader's own time zone, and how far away it is.
fn when(at: UnixMillis) -> String {
    let seconds = at.0.div_euclid(1_000);
    format!("<t:{seconds}:f> (<t:{seconds}:R>)")
}

/// Replies to a slash command privately.
async fn answer(ctx: Context<'_>, text: impl Into<String>) -> Result<(), BotError> {
    crate::commands::reply(ctx, text, true).await
}

/// The member who ran the command, as a giveaway manager: their roles, and whether they have
/// Manage Server (or Administrator, or own the server).
fn manager(ctx: Context<'_>, guild: GuildId) -> Result<Manager, BotError> {
    let data = ctx.data();
    let member = match ctx {
        poise::Context::Application(app) => app
            .interaction
            .member
            .as_deref()
            .map(convert::member_info)
            .ok_or_else(|| BotError::Internal("interaction without member".into()))?,
        poise::Context::Prefix(_) => {
            return Err(BotError::User("Use /giveaway as a slash command.".into()));
        }
    };
    let info = data
        .cache
        .guild_info(guild)
        .ok_or_else(|| BotError::Internal(format!("guild {guild} not received yet")))?;
    let manage_server = info
        .base_permissions(&member, data.clock.now())
        .contains(Permissions::MANAGE_GUILD);
    Ok(Manager::Member {
        user: member.user,
        roles: member.roles,
        manage_server,
    })
}

/// Giveaways in the feature registry: `/giveaway` and the `giveaways:*` buttons (their
/// timers run in the job ledger).
pub(crate) const FEATURE: crate::features::BotFeature = crate::features::BotFeature {
    name: "giveaways",
    commands: || vec![giveaway()],
    on_event: None,
    on_component: Some(|data, component| Box::pin(on_component(data, component))),
};

/// Giveaways: start one, end it early, cancel it, list them, reroll a prize.
#[poise::command(
    slash_command,
    guild_only,
    subcommands(
        "giveaway_start",
        "giveaway_end",
        "giveaway_cancel",
        "giveaway_list",
        "giveaway_reroll"
    ),
    subcommand_required
)]
pub async fn giveaway(_: Context<'_>) -> Result<(), BotError> {
    Ok(())
}

/// Start a giveaway: members enter with its button; winners are drawn when it ends.
#[poise::command(slash_command, guild_only, rename = "start")]
#[allow(clippy::too_many_arguments)] // One parameter per slash-command option.
async fn giveaway_start(
    ctx: Context<'_>,
    #[description = "What is given away"] prize: String,
    #[description = "How long entries stay open, e.g. 30m, 2h, 3d (10s to 60d)"] duration: String,
    #[description = "How many winners (1 to 20)"]
    #[min = 1]
    #[max = 20]
    winners: u32,
    #[description = "Where to post it (default: this channel)"] channel: Option<
        discord::GuildChannel,
    >,
    #[description = "Members need this role to enter"] required_role: Option<discord::Role>,
    #[description = "Members need at least this level to enter"] min_level: Option<u32>,
    #[description = "Members' accounts must be at least this old, e.g. 7d"] min_account_age: Option<
        String,
    >,
    #[description = "Members must have been in the server at least this long, e.g. 1d"]
    min_membership: Option<String>,
) -> Result<(), BotError> {
    let guild = in_guild(ctx)?;
    let data = ctx.data();
    let settings = data.config.get(guild).await?;
    if !settings.features.giveaways {
        return Err(BotError::User(
            guildhall_core::features::by_name("giveaways")
                .map(guildhall_core::features::FeatureSpec::off_sentence)
                .unwrap_or_default(),
        ));
    }
    let by = manager(ctx, guild)?;
    let length = self::duration(&duration, "duration")?;
    let seconds = |text: Option<String>, what: &str| -> Result<Option<u64>, BotError> {
        text.map(|text| self::duration(&text, what).map(|length| length.as_secs()))
            .transpose()
    };
    let mut requirements: Requirements = settings.giveaways.default_requirements.clone();
    if let Some(role) = &required_role {
        requirements.any_roles = vec![convert::role(role.id)];
    }
    if min_level.is_some() {
        requirements.min_level = min_level;
    }
    if let Some(secs) = seconds(min_account_age, "minimum account age")? {
        requirements.min_account_age_secs = Some(secs);
    }
    if let Some(secs) = seconds(min_membership, "minimum time in the server")? {
        requirements.min_membership_secs = Some(secs);
    }
    let channel = channel.map_or_else(
        || convert::channel(ctx.channel_id()),
        |channel| convert::channel(channel.id),
    );
    let names = GuildRoleNames {
        cache: &data.cache,
        guild,
    };
    let started = data
        .giveaways
        .start(
            GiveawayRequest {
                guild,
                channel,
                prize,
                winners,
                duration: length,
                requirements: Some(requirements),
                by: by.clone(),
            },
            &names,
        )
        .await?;
    let giveaway = started.giveaway;
    let posted = match data.executor.execute_for(Some(guild), &started.post).await {
        Ok(posted) => posted,
        Err(error) => {
            // A giveaway nobody can see must not be drawn.
            if let Err(cancel) = data
                .giveaways
                .cancel(
                    guild,
                    giveaway.id,
                    &by,
                    Some("its message could not be posted"),
                )
                .await
            {
                tracing::error!(%guild, giveaway = %giveaway.id, error = %cancel, "could not cancel an unposted giveaway");
            }
            tracing::warn!(%guild, giveaway = %giveaway.id, %error, "could not post a giveaway");
            return Err(BotError::User(format!(
                "I could not post the giveaway in <#{channel}>, so it is cancelled: check that I \
                 can view that channel, send messages and embed links there."
            )));
        }
    };
    if let Some(message) = created_id::<MessageId>(posted.as_ref()) {
        data.giveaways
            .record_message(guild, giveaway.id, message)
            .await?;
    }
    answer(
        ctx,
        format!(
            "Giveaway #{} for **{}** is running in <#{channel}> until {}, with {} {}. Its seed's \
             commitment is `{}`.",
            giveaway.id,
            giveaway.prize,
            when(giveaway.ends_at),
            giveaway.winners,
            if giveaway.winners == 1 {
                "winner"
            } else {
                "winners"
            },
            giveaway.seed_hash
        ),
    )
    .await
}

/// End a running giveaway now: entries close and the winners are drawn.
#[poise::command(slash_command, guild_only, rename = "end")]
async fn giveaway_end(
    ctx: Context<'_>,
    #[description = "The giveaway's number (see /giveaway list)"]
    #[min = 1]
    id: i64,
) -> Result<(), BotError> {
    let id = guildhall_core::giveaways::GiveawayId(id);
    let guild = in_guild(ctx)?;
    let by = manager(ctx, guild)?;
    let giveaway = ctx.data().giveaways.end(guild, id, &by).await?;
    answer(
        ctx,
        format!(
            "Giveaway #{} for **{}** has closed its entries; the winners are drawn in a moment.",
            giveaway.id, giveaway.prize
        ),
    )
    .await
}

/// Cancel a running giveaway: nobody wins, and its seed is revealed.
#[poise::command(slash_command, guild_only, rename = "cancel")]
async fn giveaway_cancel(
    ctx: Context<'_>,
    #[description = "The giveaway's number (see /giveaway list)"]
    #[min = 1]
    id: i64,
    #[description = "Why (kept in the giveaway's log)"] reason: Option<String>,
) -> Result<(), BotError> {
    let id = guildhall_core::giveaways::GiveawayId(id);
    let guild = in_guild(ctx)?;
    let by = manager(ctx, guild)?;
    let giveaway = ctx
        .data()
        .giveaways
        .cancel(guild, id, &by, reason.as_deref())
        .await?;
    answer(
        ctx,
        format!(
            "Giveaway #{} for **{}** is cancelled; nobody wins.",
            giveaway.id, giveaway.prize
        ),
    )
    .await
}

/// The server's giveaways, newest first.
#[poise::command(slash_command, guild_only, rename = "list")]
async fn giveaway_list(ctx: Context<'_>) -> Result<(), BotError> {
    let guild = in_guild(ctx)?;
    let giveaways = ctx.data().giveaways.list(guild, None, 20).await?;
    if giveaways.is_empty() {
        return answer(ctx, "This server has no giveaways yet.").await;
    }
    let mut text = String::from("Giveaways, newest first:");
    for giveaway in giveaways {
        let status = match giveaway.state {
            GiveawayState::Running => format!("running, ends {}", when(giveaway.ends_at)),
            GiveawayState::Drawing => "drawing".to_owned(),
            GiveawayState::Ended => "ended".to_owned(),
            GiveawayState::Cancelled => "cancelled".to_owned(),
        };
        text.push_str(&format!(
            "\n• #{} **{}** in <#{}>: {status}, {} {}",
            giveaway.id,
            giveaway.prize,
            giveaway.channel,
            giveaway.entrants,
            if giveaway.entrants == 1 {
                "entrant"
            } else {
                "entrants"
            }
        ));
    }
    answer(ctx, text).await
}

/// Draw one prize of an ended giveaway again; never a previous winner.
#[poise::command(slash_command, guild_only, rename = "reroll")]
async fn giveaway_reroll(
    ctx: Context<'_>,
    #[description = "The giveaway's number (see /giveaway list)"]
    #[min = 1]
    id: i64,
    #[description = "Which prize to draw again (1 for the first); needed with several winners"]
    #[min = 1]
    slot: Option<u32>,
    #[description = "Why (kept in the giveaway's log)"] reason: Option<String>,
) -> Result<(), BotError> {
    let id = guildhall_core::giveaways::GiveawayId(id);
    let guild = in_guild(ctx)?;
    let by = manager(ctx, guild)?;
    let data = ctx.data();
    let slot = match slot {
        Some(slot) => slot,
        None => {
            let giveaway = data.giveaways.get(guild, id).await?;
            if giveaway.winners != 1 {
                return Err(BotError::User(format!(
                    "Giveaway #{id} has {} prizes; say which to draw again with `slot` (1 to {}).",
                    giveaway.winners, giveaway.winners
                )));
            }
            1
        }
    };
    let requested = data
        .giveaways
        .reroll(guild, id, slot, &by, reason.as_deref())
        .await?;
    let previous = requested
        .previous_winner
        .map_or_else(|| "nobody".to_owned(), |user| format!("<@{user}>"));
    answer(
        ctx,
        format!(
            "Prize #{slot} of giveaway #{id} (won by {previous}) is drawn again in a moment; the \
             new winner is announced in the channel."
        ),
    )
    .await
}

/// Handles a component interaction if it is a giveaway button; `false` when it is not one.
///
/// # Errors
/// [`BotError`] when Discord refuses the answer (members get their answer otherwise).
pub async fn on_component(
    data: &BotData,
    interaction: &discord::ComponentInteraction,
) -> Result<bool, BotError> {
    let Some(button) = GiveawayButton::parse(&interaction.data.custom_id) else {
        return Ok(false);
    };
    let Some(guild) = interaction.guild_id.map(convert::guild) else {
        return Ok(true);
    };
    let user = convert::user(interaction.user.id);
    let (message, after) = match click(data, guild, user, button, interaction).await {
        Ok(done) => done,
        Err(BotError::User(message)) => (OutgoingMessage::text(message), Vec::new()),
        Err(error) => {
            tracing::error!(%guild, %user, %error, "giveaway button failed");
            (
                OutgoingMessage::text("Something went wrong on our side; it has been logged."),
                Vec::new(),
            )
        }
    };
    let reply = Effect::InteractionReply {
        interaction_id: interaction.id.to_string(),
        token: interaction.token.clone(),
        message,
        ephemeral: true,
    };
    data.executor.execute_for(Some(guild), &reply).await?;
    // The member has their answer; the claim's notice and message edit follow.
    for effect in &after {
        if let Err(error) = data.executor.execute_for(Some(guild), effect).await {
            tracing::warn!(%guild, %user, %error, "could not announce a claim");
        }
    }
    Ok(true)
}

/// Decides a click; returns the member's answer and what to perform once they have it.
async fn click(
    data: &BotData,
    guild: GuildId,
    user: UserId,
    button: GiveawayButton,
    interaction: &discord::ComponentInteraction,
) -> Result<(OutgoingMessage, Vec<Effect>), BotError> {
    let names = GuildRoleNames {
        cache: &data.cache,
        guild,
    };
    match button {
        GiveawayButton::Enter(id) => {
            let state = interaction_member(data, guild, user, interaction).await?;
            let outcome = data
                .giveaways
                .enter(guild, id, &state.facts(user, data.clock.now()), &names)
                .await?;
            Ok((outcome.answer(id), Vec::new()))
        }
        GiveawayButton::Leave(id) => {
            let outcome = data.giveaways.leave(guild, id, user).await?;
            Ok((outcome.answer(), Vec::new()))
        }
        GiveawayButton::Claim(id, slot) => {
            let state = match interaction.member {
                Some(_) => Some(interaction_member(data, guild, user, interaction).await?),
                None => None,
            };
            let now = data.clock.now();
            let facts = state.as_ref().map(|state| state.facts(user, now));
            let outcome = data
                .giveaways
                .claim(guild, id, slot, user, facts.as_ref(), &names)
                .await?;
            let text = outcome.answer();
            let after = match outcome {
                guildhall_core::giveaways::ClaimOutcome::Claimed { effects, .. } => effects,
                _ => Vec::new(),
            };
            Ok((OutgoingMessage::text(text), after))
        }
    }
}

/// The clicking member's eligibility facts: roles and join time from the interaction, level
/// and warnings from their services.
async fn interaction_member(
    data: &BotData,
    guild: GuildId,
    user: UserId,
    interaction: &discord::ComponentInteraction,
) -> Result<MemberState, BotError> {
    let member = interaction.member.as_ref();
    let roles: Vec<RoleId> = member
        .map(|member| {
            member
                .roles
                .iter()
                .map(|role| convert::role(*role))
                .collect()
        })
        .unwrap_or_default();
    let joined_at = member
        .and_then(|member| member.joined_at)
        .map(convert::time);
    let level = MemberLevels::level(&*data.levels, guild, user).await;
    let active_warnings = data
        .moderation
        .active_warnings(guild, user)
        .await
        .map_err(|error| BotError::Internal(format!("cannot count warnings: {error}")))?;
    Ok(MemberState {
        roles,
        level,
        joined_at,
        active_warnings,
    })
}

/// The bot's [`MemberFacts`]: asks Discord for the member (through the executor, so within the
/// rate limits), then their level and active warnings. Used by the draw and rerolls, which
/// check a handful of candidates each, so one request per candidate is cheap and never trusts
/// a guild cache that may be incomplete without the members intent.
#[derive(Debug, Clone)]
pub struct DiscordMembers {
    executor: Arc<Executor>,
    cache: Arc<GuildCache>,
    levels: Arc<dyn MemberLevels>,
    moderation: Arc<ModerationService>,
}

impl DiscordMembers {
    /// Facts from Discord through `executor`, levels from `levels`, warnings from `moderation`;
    /// `cache` is kept up to date with what Discord says.
    pub fn new(
        executor: Arc<Executor>,
        cache: Arc<GuildCache>,
        levels: Arc<dyn MemberLevels>,
        moderation: Arc<ModerationService>,
    ) -> Self {
        Self {
            executor,
            cache,
            levels,
            moderation,
        }
    }
}

#[async_trait]
impl MemberFacts for DiscordMembers {
    async fn member(
        &self,
        guild: GuildId,
        user: UserId,
    ) -> Result<Option<MemberState>, FactsUnavailable> {
        // Always asked of Discord: a draw must not trust a model that may be out of date.
        let fetched = crate::members::fetch_with(&self.cache, &self.executor, guild, user)
            .await
            .map_err(|error| FactsUnavailable(error.to_string()))?;
        let Some((info, member)) = fetched else {
            return Ok(None);
        };
        let roles: Vec<RoleId> = info.roles;
        let joined_at = member["joined_at"]
            .as_str()
            .and_then(|text| discord::Timestamp::parse(text).ok())
            .map(convert::time);
        let level = self.levels.level(guild, user).await;
        let active_warnings = self
            .moderation
            .active_warnings(guild, user)
            .await
            .map_err(|error| FactsUnavailable(format!("cannot count warnings: {error}")))?;
        Ok(Some(MemberState {
            roles,
            level,
            joined_at,
            active_warnings,
        }))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_giveaway_command_has_its_subcommands_and_required_options_first() {
        let commands = crate::registration::commands_json();
        let giveaway = commands
            .iter()
            .find(|command| command["name"] == "giveaway")
            .cloned()
            .unwrap();
        let subcommands: Vec<&str> = giveaway["options"]
            .as_array()
            .unwrap()
            .iter()
            .map(|option| option["name"].as_str().unwrap())
            .collect();
        assert_eq!(subcommands, ["start", "end", "cancel", "list", "reroll"]);
        let start = giveaway["options"][0]["options"].as_array().unwrap();
        let required: Vec<bool> = start
            .iter()
            .map(|option| option["required"].as_bool().unwrap_or(false))
            .collect();
        assert_eq!(&required[..4], [true, true, true, false]);
        assert!(required.windows(2).all(|pair| pair[0] || !pair[1]));
    }
}
