//! The punish use case: guard, case, effects, escalation and follow-up jobs for one action by a
//! moderator or by automation.
//!
//! Moderator actions run [`guards::check`] with the moderator as invoker. Automated actions
//! (automod rules, the escalation ladder) have no invoker: they run the same check with the bot
//! as invoker, so the owner and the bot are still protected and the bot's own permission and
//! hierarchy decide, and a refusal is reported as the bot's (`bot_missing_permission`,
//! `bot_not_above_target`).
//!
//! Timeouts are Discord's native ones: Discord ends them, so they need no job. A tempban is
//! lifted by a `moderation.unban` job at its end (see `timed.rs`). Warnings decay on read.

use std::time::Duration;

use super::cases::{Case, CaseActor, CaseKind, ESCALATION_ACTOR, NewCase, Severity};
use super::escalation::{self, Standing};
use super::modlog;
use super::service::{GuildModeration, ModerationError, ModerationService, checked_reason};
use super::settings::{LadderAction, LadderStep, MAX_BAN_DELETE, MAX_TIMEOUT};
use super::store;
use super::timed::TempbanPayload;
use crate::clock::UnixMillis;
use crate::effect::Effect;
use crate::guards::{self, GuardRequest, Refusal};
use crate::ids::{GuildId, UserId};
use crate::jobs::{JobId, NewJob};
use crate::permissions::{GuildInfo, MemberInfo, Permissions};
use crate::refusals;

/// The reason recorded when none is given.
pub const NO_REASON: &str = "No reason given";

/// Who asks for an action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// A moderator, checked by every guard.
    Moderator {
        /// Their membership (roles decide their permissions and rank).
        member: MemberInfo,
        /// Their name, for the audit-log reason ("(by alice)").
        name: String,
    },
    /// Automation, checked as the bot: `automod:<rule>` or `escalation`.
    Automated {
        /// The rule that acted, stored as the case's actor.
        rule: String,
    },
}

impl Actor {
    fn case_actor(&self) -> CaseActor {
        match self {
            Self::Moderator { member, .. } => CaseActor::Moderator(member.user),
            Self::Automated { rule } => CaseActor::Automated(rule.clone()),
        }
    }

    fn label(&self) -> &str {
        match self {
            Self::Moderator { name, .. } => name,
            Self::Automated { rule } => rule,
        }
    }
}

/// What to do to the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Record a warning; the escalation ladder runs after it.
    Warn {
        /// Decides how long it counts.
        severity: Severity,
    },
    /// A native timeout (1 second to 28 days).
    Timeout {
        /// How long.
        duration: Duration,
    },
    /// Lift a timeout.
    Untimeout,
    /// Kick.
    Kick,
    /// Ban; with a duration, a tempban lifted by the job ledger.
    Ban {
        /// How much message history to delete (the guild's default when `None`; at most 7 days).
        delete_messages: Option<Duration>,
        /// How long; `None` is permanent.
        duration: Option<Duration>,
    },
    /// Lift a ban.
    Unban,
    /// A note; nothing happens on Discord.
    Note,
}

impl Action {
    /// The permission the moderator (and the bot) need.
    pub fn needs(self) -> Permissions {
        match self {
            Self::Warn { .. } | Self::Timeout { .. } | Self::Untimeout | Self::Note => {
                Permissions::MODERATE_MEMBERS
            }
            Self::Kick => Permissions::KICK_MEMBERS,
            Self::Ban { .. } | Self::Unban => Permissions::BAN_MEMBERS,
        }
    }

    /// The case kind it creates.
    pub fn kind(self) -> CaseKind {
        match self {
            Self::Warn { .. } => CaseKind::Warn,
            Self::Timeout { .. } => CaseKind::Timeout,
            Self::Untimeout => CaseKind::Untimeout,
            Self::Kick => CaseKind::Kick,
            Self::Ban { duration: None, .. } => CaseKind::Ban,
            Self::Ban {
                duration: Some(_), ..
            } => CaseKind::Tempban,
            Self::Unban => CaseKind::Unban,
            Self::Note => CaseKind::Note,
        }
    }

    /// The action a ladder step takes.
    pub fn of_step(step: &LadderStep) -> Self {
        match step.action {
            LadderAction::Timeout { duration_secs } => Self::Timeout {
                duration: Duration::from_secs(duration_secs),
            },
            LadderAction::Kick {} => Self::Kick,
            LadderAction::Ban {
                delete_message_secs,
                duration_secs,
            } => Self::Ban {
                delete_messages: Some(Duration::from_secs(u64::from(delete_message_secs))),
                duration: duration_secs.map(Duration::from_secs),
            },
        }
    }

    fn check(self) -> Result<(), ModerationError> {
        match self {
            Self::Timeout { duration } if duration.is_zero() || duration > MAX_TIMEOUT => {
                Err(ModerationError::Invalid(format!(
                    "a timeout must last between 1 second and 28 days, got {}",
                    modlog::human_duration(duration)
                )))
            }
            Self::Ban {
                duration: Some(duration),
                ..
            } if duration.is_zero() => Err(ModerationError::Invalid(
                "a tempban must last more than 0 seconds; leave the duration out for a permanent ban"
                    .into(),
            )),
            Self::Ban {
                delete_messages: Some(window),
                ..
            } if window > MAX_BAN_DELETE => Err(ModerationError::Invalid(format!(
                "a ban can delete at most 7 days of messages, got {}",
                modlog::human_duration(window)
            ))),
            _ => Ok(()),
        }
    }
}

/// One action to take, with what the guards need to know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PunishRequest {
    /// The guild's roles and owner (its id is the case's guild).
    pub guild: GuildInfo,
    /// Who asks.
    pub actor: Actor,
    /// Whom it targets.
    pub target: UserId,
    /// The target as a member, or `None` when they are not in the guild (ban or unban by id).
    pub target_member: Option<MemberInfo>,
    /// The bot's own membership.
    pub bot: MemberInfo,
    /// What to do.
    pub action: Action,
    /// Why; [`NO_REASON`] when empty.
    pub reason: Option<String>,
}

/// One case and what the bot must do for it, in order: tell the member (before a kick or ban
/// removes the shared server), act on Discord, post to the mod log.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseEffects {
    /// The case created.
    pub case: Case,
    /// The direct message to the member, when the guild tells members.
    pub direct_message: Option<Effect>,
    /// The action on Discord, carrying the audit-log reason (none for warnings and notes).
    pub discord: Option<Effect>,
    /// The mod-log post; record its message id with
    /// [`ModerationService::record_mod_log_message`].
    pub mod_log: Option<Effect>,
    /// The job that follows a tempban up.
    pub follow_up: Option<JobId>,
}

impl CaseEffects {
    /// The effects in the order to perform them.
    pub fn effects(&self) -> Vec<Effect> {
        [&self.direct_message, &self.discord, &self.mod_log]
            .into_iter()
            .flatten()
            .cloned()
            .collect()
    }
}

/// What the escalation ladder did after a warning.
#[derive(Debug, Clone, PartialEq)]
pub enum Escalation {
    /// A step applied: its own case and effects.
    Applied(Box<CaseEffects>),
    /// A step was due but the bot may not carry it out; the refusal is stored.
    Refused {
        /// The step.
        step: LadderStep,
        /// Why.
        refusal: Refusal,
    },
}

/// Everything a punishment produced, for the bot to perform.
#[derive(Debug, Clone, PartialEq)]
pub struct PunishOutcome {
    /// The requested action's case and effects.
    pub primary: CaseEffects,
    /// For a warning: the member's active warnings now, counting it.
    pub active_warnings: Option<u32>,
    /// For a warning: what the ladder did, if a step was due.
    pub escalation: Option<Escalation>,
}

impl PunishOutcome {
    /// Every effect in the order to perform them: the action's, then the escalation's.
    pub fn effects(&self) -> Vec<Effect> {
        let mut effects = self.primary.effects();
        if let Some(Escalation::Applied(escalated)) = &self.escalation {
            effects.extend(escalated.effects());
        }
        effects
    }
}

impl ModerationService {
    /// Carries out one action: guards, the case, its effects, the escalation ladder after a
    /// warning, and the tempban follow-up job. Nothing is performed on Discord here: the bot
    /// performs the returned effects, then records the mod-log message ids.
    ///
    /// # Errors
    /// [`ModerationError::Refused`] (stored, no case, no effect) when a guard refuses;
    /// [`ModerationError::Invalid`] for a bad duration or reason; storage, settings and ledger
    /// errors.
    pub async fn punish(&self, request: PunishRequest) -> Result<PunishOutcome, ModerationError> {
        request.action.check()?;
        let reason = checked_reason(request.reason.as_deref())?;
        let reason = if reason.is_empty() {
            NO_REASON.to_owned()
        } else {
            reason
        };
        let guild = request.guild.id;
        // One punishment of a member at a time in this process: a warning counts every warning
        // before it, so concurrent warnings cannot both skip, or both apply, a ladder step.
        let _serial = self.member_lock(guild, request.target).lock().await;
        let now = self.clock.now();
        self.guard(&request, &request.actor, request.action, now)
            .await?;
        let settings = self.guild_settings(guild).await?;
        let primary = self
            .act(
                &request,
                &request.actor,
                request.action,
                reason,
                &settings,
                None,
            )
            .await?;
        let Action::Warn { .. } = request.action else {
            return Ok(PunishOutcome {
                primary,
                active_warnings: None,
                escalation: None,
            });
        };
        let standing = Standing {
            active_warnings: store::active_warnings(&self.db, guild, request.target, now).await?,
            applied_threshold: store::applied_threshold(&self.db, guild, request.target, now)
                .await?,
        };
        let escalation = match escalation::decide(&settings.settings.ladder, standing) {
            None => None,
            Some(step) => Some(
                self.escalate(&request, &primary.case, step, standing, &settings)
                    .await?,
            ),
        };
        Ok(PunishOutcome {
            primary,
            active_warnings: Some(standing.active_warnings),
            escalation,
        })
    }

    async fn escalate(
        &self,
        request: &PunishRequest,
        warning: &Case,
        step: &LadderStep,
        standing: Standing,
        settings: &GuildModeration,
    ) -> Result<Escalation, ModerationError> {
        let actor = Actor::Automated {
            rule: ESCALATION_ACTOR.to_owned(),
        };
        let action = Action::of_step(step);
        match self.guard(request, &actor, action, self.clock.now()).await {
            Ok(()) => {}
            Err(ModerationError::Refused(refusal)) => {
                return Ok(Escalation::Refused {
                    step: step.clone(),
                    refusal,
                });
            }
            Err(other) => return Err(other),
        }
        let reason = format!(
            "{} active warnings reached the ladder step at {} (after case {})",
            standing.active_warnings, step.at, warning.number
        );
        let link = EscalationLink {
            from: warning.id,
            threshold: step.at,
        };
        let applied = self
            .act(request, &actor, action, reason, settings, Some(link))
            .await?;
        Ok(Escalation::Applied(Box::new(applied)))
    }

    /// Runs the guards for `actor` doing `action`; a refusal is stored and returned as
    /// [`ModerationError::Refused`].
    async fn guard(
        &self,
        request: &PunishRequest,
        actor: &Actor,
        action: Action,
        now: UnixMillis,
    ) -> Result<(), ModerationError> {
        let (invoker, recorded_as) = match actor {
            Actor::Moderator { member, .. } => (member, action.kind().as_str().to_owned()),
            Actor::Automated { rule } => (&request.bot, format!("{rule}:{}", action.kind())),
        };
        let checked = guards::check(&GuardRequest {
            guild: &request.guild,
            invoker,
            target_user: request.target,
            target: request.target_member.as_ref(),
            bot: &request.bot,
            needs: action.needs(),
            now,
        });
        let refusal = match (checked, actor) {
            (Ok(()), _) => return Ok(()),
            (Err(refusal), Actor::Moderator { .. }) => refusal,
            (Err(refusal), Actor::Automated { .. }) => as_bot_refusal(refusal),
        };
        refusals::record(
            &self.db,
            request.guild.id,
            now,
            invoker.user,
            Some(request.target),
            &recorded_as,
            &refusal,
        )
        .await?;
        Err(ModerationError::Refused(refusal))
    }

    /// Creates the case for an allowed action, plans its effects and schedules its follow-up.
    async fn act(
        &self,
        request: &PunishRequest,
        actor: &Actor,
        action: Action,
        reason: String,
        settings: &GuildModeration,
        escalated: Option<EscalationLink>,
    ) -> Result<CaseEffects, ModerationError> {
        let now = self.clock.now();
        let guild = request.guild.id;
        let mut new = NewCase::new(
            guild,
            action.kind(),
            request.target,
            actor.case_actor(),
            reason,
            now,
        );
        new.escalated_from = escalated.map(|link| link.from);
        new.escalation_threshold = escalated.map(|link| link.threshold);
        match action {
            Action::Warn { severity } => {
                new.severity = Some(severity);
                new.expires_at =
                    super::warnings::expiry(&settings.settings.warning_decay_days, severity, now);
            }
            Action::Timeout { duration }
            | Action::Ban {
                duration: Some(duration),
                ..
            } => {
                new.duration = Some(duration);
                new.expires_at = Some(now.plus(duration));
            }
            _ => {}
        }
        let case = store::create(&self.db, &new).await?;
        let follow_up = match case.expires_at {
            Some(due) if case.kind == CaseKind::Tempban => {
                Some(self.schedule_unban(&case, due).await?)
            }
            _ => None,
        };
        Ok(plan(
            case,
            actor.label(),
            action,
            settings,
            request.target_member.is_some(),
            follow_up,
        ))
    }

    async fn schedule_unban(&self, case: &Case, due: UnixMillis) -> Result<JobId, ModerationError> {
        let payload = TempbanPayload {
            guild: case.guild,
            user: case.target,
            case: case.id,
            number: case.number,
        };
        let job = self
            .ledger
            .schedule(NewJob::of(&payload, due).dedupe(tempban_dedupe_key(case.guild, case.id)))
            .await?;
        Ok(job.id)
    }
}

/// The dedupe key of a tempban's unban job: one per case.
pub fn tempban_dedupe_key(guild: GuildId, case: super::cases::CaseId) -> String {
    format!("{guild}:case:{case}")
}

#[derive(Debug, Clone, Copy)]
struct EscalationLink {
    from: super::cases::CaseId,
    threshold: u32,
}

/// Automated actions are checked with the bot as invoker; their refusals are the bot's.
fn as_bot_refusal(refusal: Refusal) -> Refusal {
    match refusal {
        Refusal::SelfTarget => Refusal::TargetIsBot,
        Refusal::InvokerMissing { missing } => Refusal::BotMissing { missing },
        Refusal::InvokerNotAbove {
            invoker_top,
            target_top,
        } => Refusal::BotNotAbove {
            bot_top: invoker_top,
            target_top,
        },
        other => other,
    }
}

/// The effects of a created case. Pure.
fn plan(
    case: Case,
    by: &str,
    action: Action,
    settings: &GuildModeration,
    target_is_member: bool,
    follow_up: Option<JobId>,
) -> CaseEffects {
    let guild = case.guild;
    let user = case.target;
    let reason = Some(modlog::audit_reason(case.number, &case.reason, by));
    let discord = match action {
        Action::Warn { .. } | Action::Note => None,
        Action::Timeout { duration } => Some(Effect::Timeout {
            guild,
            user,
            until: case.expires_at.unwrap_or(case.created_at.plus(duration)),
            reason,
        }),
        Action::Untimeout => Some(Effect::RemoveTimeout {
            guild,
            user,
            reason,
        }),
        Action::Kick => Some(Effect::Kick {
            guild,
            user,
            reason,
        }),
        Action::Ban {
            delete_messages, ..
        } => Some(Effect::Ban {
            guild,
            user,
            delete_messages: delete_messages.unwrap_or(Duration::from_secs(u64::from(
                settings.settings.ban_delete_message_secs,
            ))),
            reason,
        }),
        Action::Unban => Some(Effect::Unban {
            guild,
            user,
            reason,
        }),
    };
    // A member can only be messaged while the bot shares a server with them.
    let direct_message = (settings.settings.dm_member && target_is_member)
        .then(|| modlog::member_notice(&case))
        .flatten()
        .map(|message| Effect::SendDirectMessage { user, message });
    let mod_log = settings.mod_log_channel.map(|channel| Effect::SendMessage {
        channel,
        message: modlog::mod_log_message(&case),
    });
    CaseEffects {
        case,
        direct_message,
        discord,
        mod_log,
        follow_up,
    }
}
