//! Moderation commands: `/warn`, `/timeout`, `/untimeout`, `/kick`, `/ban`, `/unban`, `/case`,
//! `/cases`, `/reason`. Each is a thin shell over `guildhall_core::moderation`: the service runs
//! the guards, creates the case and returns the effects, which are performed here in order (DM,
//! the Discord action with its audit reason, the mod-log post).

use std::time::Duration;

use guildhall_core::effect::{Effect, created_id};
use guildhall_core::ids::MessageId;
use guildhall_core::moderation::{
    Action, Actor, Case, CaseEffects, CaseFilter, ModerationError, PunishRequest, Severity,
};
use serenity::all as discord;

use crate::commands::reply;
use crate::commands::targets::{in_guild, parties};
use crate::convert;
use crate::{BotError, Context};

/// Moderation in the feature registry: its commands (cases and punishments are also reached
/// by automod and the job ledger, through the core's moderation service).
pub(crate) const FEATURE: crate::features::BotFeature = crate::features::BotFeature {
    name: "moderation",
    commands: || {
        vec![
            warn(),
            timeout(),
            untimeout(),
            kick(),
            ban(),
            unban(),
            case(),
            cases(),
            reason(),
        ]
    },
    on_event: None,
    on_component: None,
};

/// How serious a warning is (decides how long it counts).
#[derive(Debug, Clone, Copy, poise::ChoiceParameter)]
pub enum SeverityChoice {
    /// Decays soonest.
    Minor,
    /// Counts longer.
    Major,
    /// Counts longest (or forever).
    Severe,
}

/// Parses a duration option (`10m`, `2h`, `3d`, `1w`); the error says what is accepted.
pub(crate) fn duration(text: &str, what: &str) -> Result<Duration, BotError> {
    guildhall_core::clock::parse_duration(text, what).map_err(BotError::User)
}

impl From<ModerationError> for BotError {
    fn from(error: ModerationError) -> Self {
        match error {
            // The service stored the refusal already.
            ModerationError::Refused(refusal) => Self::RefusedStored(refusal),
            other => Self::from_core(&other),
        }
    }
}

async fn act(
    ctx: Context<'_>,
    member: &discord::User,
    action: Action,
    reason: Option<String>,
) -> Result<(), BotError> {
    let parties = parties(ctx, member).await?;
    let guild = parties.guild;
    let request = PunishRequest {
        guild: parties.guild_info,
        actor: Actor::Moderator {
            member: parties.invoker,
            name: ctx.author().name.clone(),
        },
        target: parties.target_user,
        target_member: parties.target,
        bot: parties.bot,
        action,
        reason,
    };
    let data = ctx.data();
    let outcome = data.moderation.punish(request).await?;
    let mut summary = Vec::new();
    let mut steps: Vec<&CaseEffects> = vec![&outcome.primary];
    if let Some(guildhall_core::moderation::Escalation::Applied(escalated)) = &outcome.escalation {
        steps.push(escalated);
    }
    let invoker = convert::user(ctx.author().id);
    let mut failed = Vec::new();
    for step in steps {
        match perform(data, guild, step, invoker).await? {
            Performed::Done => {
                summary.push(format!("case {} ({})", step.case.number, step.case.kind));
            }
            Performed::Failed(words) => failed.push(format!(
                "case {} ({}) was not carried out: {words}",
                step.case.number, step.case.kind
            )),
        }
    }
    if summary.is_empty() {
        return reply(ctx, sentence_of(&failed), true).await;
    }
    let mut text = format!("Done: {}.", summary.join(", then "));
    if let Some(count) = outcome.active_warnings {
        text.push_str(&format!(" They now have {count} active warning(s)."));
    }
    if !failed.is_empty() {
        text.push(' ');
        text.push_str(&sentence_of(&failed));
    }
    if let Some(guildhall_core::moderation::Escalation::Refused { refusal, .. }) =
        &outcome.escalation
    {
        text.push_str(&format!(
            " The escalation ladder's step was refused: {}",
            refusal.explain()
        ));
    }
    reply(ctx, text, true).await
}

/// What happened to one case's action on Discord.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Performed {
    /// Discord carried it out (or the case needs nothing from Discord).
    Done,
    /// Discord refused or failed: the case is marked so, with these words for the moderator.
    Failed(String),
}

/// Performs one case's effects and records what Discord did. The member's DM goes after the
/// action, so nobody is told of a timeout that did not happen, except before a kick or a ban,
/// which end the shared server a DM needs. If Discord refuses the action, the case is marked
/// as not carried out with Discord's error in words (a 403 is also stored as a refusal), its
/// tempban lift is cancelled, and nothing is posted to the mod log. A DM that cannot be
/// delivered (closed DMs) changes nothing.
///
/// # Errors
/// [`BotError`] when the database fails.
pub async fn perform(
    data: &crate::BotData,
    guild: guildhall_core::ids::GuildId,
    step: &CaseEffects,
    invoker: guildhall_core::ids::UserId,
) -> Result<Performed, BotError> {
    let executor = &data.executor;
    let dm_first = matches!(step.discord, Some(Effect::Kick { .. } | Effect::Ban { .. }));
    if dm_first {
        send_notice(data, guild, step).await;
    }
    if let Some(action) = &step.discord
        && let Err(error) = executor.execute_for(Some(guild), action).await
    {
        let failure = action_failure(&error);
        tracing::warn!(%guild, case = step.case.number, %error, "Discord did not carry out the case's action; the case is marked so");
        let refusal = data
            .moderation
            .action_failed(step, invoker, &failure)
            .await?;
        let words = match refusal {
            Some(refusal) => refusal.explain(),
            None => failure.words,
        };
        return Ok(Performed::Failed(words));
    }
    if !dm_first {
        send_notice(data, guild, step).await;
    }
    if let Some(settings) = data.config.cached(guild) {
        data.logging.moderation_action(&settings, &step.case);
    }
    if let Some(post) = &step.mod_log {
        match executor.execute_for(Some(guild), post).await {
            Ok(Some(message)) => {
                if let Some(id) = created_id::<MessageId>(Some(&message)) {
                    data.moderation
                        .record_mod_log_message(guild, step.case.number, id)
                        .await?;
                }
            }
            Ok(None) => {}
            Err(error) => {
                tracing::warn!(%guild, case = step.case.number, %error, "could not post to the mod log")
            }
        }
    }
    Ok(Performed::Done)
}

/// Sends the member their DM about a case, if the guild tells members; closed DMs are logged.
async fn send_notice(
    data: &crate::BotData,
    guild: guildhall_core::ids::GuildId,
    step: &CaseEffects,
) {
    if let Some(direct_message) = &step.direct_message
        && let Err(error) = data.executor.execute_for(Some(guild), direct_message).await
    {
        tracing::info!(%guild, case = step.case.number, %error, "could not DM the member");
    }
}

/// Discord's error as a case records it.
fn action_failure(error: &crate::executor::ExecError) -> guildhall_core::moderation::ActionFailure {
    use crate::executor::ExecError;
    match error {
        ExecError::Rejected {
            status: 403,
            code,
            message,
            ..
        } => guildhall_core::moderation::ActionFailure {
            refused_permission: true,
            words: format!(
                "Discord refused ({message}{}): my role is below theirs or lacks the permission",
                code.map(|code| format!(", code {code}"))
                    .unwrap_or_default()
            ),
        },
        ExecError::Rejected {
            status,
            code,
            message,
            ..
        } => guildhall_core::moderation::ActionFailure {
            refused_permission: false,
            words: format!(
                "Discord refused (HTTP {status}{}): {message}",
                code.map(|code| format!(", code {code}"))
                    .unwrap_or_default()
            ),
        },
        ExecError::Unavailable { .. } | ExecError::Transport { .. } | ExecError::Malformed(_) => {
            guildhall_core::moderation::ActionFailure {
                refused_permission: false,
                words: "Discord could not be reached, so nothing happened; try again".into(),
            }
        }
    }
}

/// Warn a member; the server's escalation ladder may follow.
#[poise::command(slash_command, guild_only)]
pub async fn warn(
    ctx: Context<'_>,
    #[description = "Who to warn"] member: discord::User,
    #[description = "Why (shown in the case and the mod log)"] reason: Option<String>,
    #[description = "How serious (decides how long it counts)"] severity: Option<SeverityChoice>,
) -> Result<(), BotError> {
    let severity = match severity.unwrap_or(SeverityChoice::Minor) {
        SeverityChoice::Minor => Severity::Minor,
        SeverityChoice::Major => Severity::Major,
        SeverityChoice::Severe => Severity::Severe,
    };
    act(ctx, &member, Action::Warn { severity }, reason).await
}

/// Time a member out (Discord's native timeout, up to 28 days).
#[poise::command(slash_command, guild_only)]
pub async fn timeout(
    ctx: Context<'_>,
    #[description = "Who to time out"] member: discord::User,
    #[description = "For how long, e.g. 10m, 2h, 3d (at most 28d)"] duration: String,
    #[description = "Why"] reason: Option<String>,
) -> Result<(), BotError> {
    let duration = self::duration(&duration, "duration")?;
    act(ctx, &member, Action::Timeout { duration }, reason).await
}

/// Lift a member's timeout.
#[poise::command(slash_command, guild_only)]
pub async fn untimeout(
    ctx: Context<'_>,
    #[description = "Whose timeout to lift"] member: discord::User,
    #[description = "Why"] reason: Option<String>,
) -> Result<(), BotError> {
    act(ctx, &member, Action::Untimeout, reason).await
}

/// Kick a member from the server.
#[poise::command(slash_command, guild_only)]
pub async fn kick(
    ctx: Context<'_>,
    #[description = "Who to kick"] member: discord::User,
    #[description = "Why"] reason: Option<String>,
) -> Result<(), BotError> {
    act(ctx, &member, Action::Kick, reason).await
}

/// Ban a user, for good or for a while.
#[poise::command(slash_command, guild_only)]
pub async fn ban(
    ctx: Context<'_>,
    #[description = "Who to ban"] member: discord::User,
    #[description = "Why"] reason: Option<String>,
    #[description = "Lift the ban after, e.g. 7d (a tempban); empty for a permanent ban"] duration: Option<String>,
    #[description = "Delete their messages from the last, e.g. 1h or 7d (at most 7d)"]
    delete_messages: Option<String>,
) -> Result<(), BotError> {
    let duration = duration
        .as_deref()
        .map(|text| self::duration(text, "duration"))
        .transpose()?;
    let delete_messages = delete_messages
        .as_deref()
        .map(|text| self::duration(text, "deletion window"))
        .transpose()?;
    act(
        ctx,
        &member,
        Action::Ban {
            delete_messages,
            duration,
        },
        reason,
    )
    .await
}

/// Lift a ban.
#[poise::command(slash_command, guild_only)]
pub async fn unban(
    ctx: Context<'_>,
    #[description = "Who to unban"] user: discord::User,
    #[description = "Why"] reason: Option<String>,
) -> Result<(), BotError> {
    act(ctx, &user, Action::Unban, reason).await
}

/// Failures as one sentence starting with a capital.
fn sentence_of(failed: &[String]) -> String {
    let text = failed.join("; ");
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect::<String>() + "."
    })
}

fn describe(case: &Case) -> String {
    let duration = case
        .duration
        .map(|d| format!(" for {}", humantime::format_duration(d)))
        .unwrap_or_default();
    let failed = case
        .failed_reason
        .as_deref()
        .map(|why| format!(" · **not carried out**: {why}"))
        .unwrap_or_default();
    format!(
        "**Case {}** · {}{} · <@{}> by {} · {} · {}{failed}",
        case.number,
        case.kind,
        duration,
        case.target,
        case.actor,
        case.created_at.to_rfc3339(),
        case.reason
    )
}

/// Show one case.
#[poise::command(slash_command, guild_only)]
pub async fn case(
    ctx: Context<'_>,
    #[description = "The case number"]
    #[min = 1]
    #[max = 1_000_000_000]
    number: i64,
) -> Result<(), BotError> {
    let guild = in_guild(ctx)?;
    require_moderator(ctx)?;
    let case = ctx.data().moderation.case(guild, number).await?;
    reply(ctx, describe(&case), true).await
}

/// List a member's cases, newest first.
#[poise::command(slash_command, guild_only)]
pub async fn cases(
    ctx: Context<'_>,
    #[description = "Whose cases"] user: discord::User,
) -> Result<(), BotError> {
    let guild = in_guild(ctx)?;
    require_moderator(ctx)?;
    let filter = CaseFilter {
        target: Some(convert::user(user.id)),
        limit: 15,
        ..CaseFilter::default()
    };
    let found = ctx.data().moderation.cases(guild, &filter).await?;
    let text = if found.is_empty() {
        format!("<@{}> has no cases.", user.id)
    } else {
        found.iter().map(describe).collect::<Vec<_>>().join("\n")
    };
    reply(ctx, text, true).await
}

/// Change a case's reason (the mod-log post is edited too).
#[poise::command(slash_command, guild_only)]
pub async fn reason(
    ctx: Context<'_>,
    #[description = "The case number"]
    #[min = 1]
    #[max = 1_000_000_000]
    case: i64,
    #[description = "The new reason"] text: String,
) -> Result<(), BotError> {
    let guild = in_guild(ctx)?;
    require_moderator(ctx)?;
    let edit = ctx
        .data()
        .moderation
        .edit_reason(guild, case, &text, convert::user(ctx.author().id))
        .await?;
    if let Some(effect @ Effect::EditMessage { .. }) = &edit.mod_log_edit
        && let Err(error) = ctx.data().executor.execute_for(Some(guild), effect).await
    {
        tracing::warn!(%guild, case, %error, "could not edit the mod-log post");
    }
    reply(
        ctx,
        format!("Case {} now reads: {}", edit.case.number, edit.case.reason),
        true,
    )
    .await
}

/// Reading and editing cases needs a moderator's permission (Timeout Members, Kick or Ban).
fn require_moderator(ctx: Context<'_>) -> Result<(), BotError> {
    use guildhall_core::permissions::Permissions;
    let poise::Context::Application(app) = ctx else {
        return Err(BotError::User("Use this as a slash command.".into()));
    };
    let member = app
        .interaction
        .member
        .as_deref()
        .ok_or_else(|| BotError::Internal("interaction without member".into()))?;
    let guild = in_guild(ctx)?;
    let info = ctx
        .data()
        .cache
        .guild_info(guild)
        .ok_or_else(|| BotError::Internal(format!("guild {guild} not received yet")))?;
    let permissions = info.base_permissions(&convert::member_info(member), ctx.data().clock.now());
    let moderator =
        Permissions::MODERATE_MEMBERS | Permissions::KICK_MEMBERS | Permissions::BAN_MEMBERS;
    if permissions.0 & moderator.0 == 0 {
        return Err(BotError::Refused(
            guildhall_core::guards::Refusal::InvokerMissing {
                missing: Permissions::MODERATE_MEMBERS,
            },
            None,
        ));
    }
    Ok(())
}
