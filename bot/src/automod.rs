//! Automod on the message path: each guild's compiled rules and spam windows live here, in
//! process (a guild's events all reach the one shard that owns it). A message is checked
//! synchronously in memory; only a violation reaches the database (through the moderation
//! service, which records the case).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use guildhall_core::automod::{
    self, Action as RuleAction, AutomodState, CompiledRules, MessageInput, Verdict,
};
use guildhall_core::clock::UnixMillis;
use guildhall_core::coordination::{Cooldown, Key};
use guildhall_core::effect::Effect;
use guildhall_core::guild_config::GuildSettings;
use guildhall_core::ids::{ChannelId, GuildId, MessageId, RoleId, UserId};
use guildhall_core::moderation::{Action, Actor, PunishRequest, Severity};
use guildhall_core::permissions::Permissions;

use crate::{BotData, BotError};

/// A member is punished at most once in this long, however long their flood: every message is
/// still deleted, but one timeout (one case) answers the whole burst.
const PUNISH_COOLDOWN: Duration = Duration::from_secs(60);

struct GuildAutomod {
    version: i64,
    rules: Option<Arc<CompiledRules>>,
    state: AutomodState,
}

/// Every guild's automod state in this process.
#[derive(Default)]
pub struct AutomodRuntime {
    guilds: Mutex<HashMap<GuildId, Arc<Mutex<GuildAutomod>>>>,
}

impl std::fmt::Debug for AutomodRuntime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AutomodRuntime").finish_non_exhaustive()
    }
}

/// A message as automod needs it.
#[derive(Debug, Clone)]
pub struct Incoming<'a> {
    /// The guild.
    pub guild: GuildId,
    /// The channel.
    pub channel: ChannelId,
    /// The message.
    pub message: MessageId,
    /// The author.
    pub author: UserId,
    /// The author's roles.
    pub roles: &'a [RoleId],
    /// The text.
    pub content: &'a str,
    /// Users mentioned.
    pub user_mentions: usize,
    /// Roles mentioned.
    pub role_mentions: usize,
    /// Whether @everyone/@here pinged.
    pub mentions_everyone: bool,
    /// Whether a bot wrote it.
    pub is_bot: bool,
}

impl Incoming<'_> {
    /// The author as a member, from the roles the message carried.
    pub fn member(&self) -> guildhall_core::permissions::MemberInfo {
        guildhall_core::permissions::MemberInfo {
            user: self.author,
            roles: self.roles.to_vec(),
            timed_out_until: None,
        }
    }
}

impl AutomodRuntime {
    /// Checks a message against the guild's rules, compiling them again when the settings
    /// changed. `None` when automod is off or the message is clean.
    pub fn check(
        &self,
        settings: &GuildSettings,
        incoming: &Incoming<'_>,
        can_mention_everyone: bool,
        now: UnixMillis,
    ) -> Option<Verdict> {
        if !settings.features.automod || incoming.is_bot {
            return None;
        }
        let entry = {
            let mut guilds = self
                .guilds
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            Arc::clone(guilds.entry(incoming.guild).or_insert_with(|| {
                Arc::new(Mutex::new(GuildAutomod {
                    version: -1,
                    rules: None,
                    state: AutomodState::new(),
                }))
            }))
        };
        let mut guild = entry
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let version = settings.version("automod");
        if guild.version != version {
            guild.rules = match automod::compile(&settings.automod) {
                Ok(rules) => Some(Arc::new(rules)),
                Err(error) => {
                    // Settings are validated on write; this only happens after a rule change
                    // in a newer version. Automod stays off rather than guessing.
                    tracing::error!(guild = %incoming.guild, %error, "automod rules do not compile; automod is off for this guild");
                    None
                }
            };
            guild.version = version;
        }
        let rules = guild.rules.clone()?;
        let input = MessageInput {
            guild: incoming.guild,
            channel: incoming.channel,
            author: incoming.author,
            author_roles: incoming.roles,
            author_can_mention_everyone: can_mention_everyone,
            content: incoming.content,
            user_mentions: incoming.user_mentions,
            role_mentions: incoming.role_mentions,
            mentions_everyone: incoming.mentions_everyone,
            is_bot: incoming.is_bot,
        };
        let verdict = rules.check(&mut guild.state, &input, now);
        (!verdict.is_clean()).then_some(verdict)
    }
}

/// Acts on a verdict: deletes the message, then punishes through the moderation service (once
/// per member per burst), performing the case's effects.
///
/// # Errors
/// [`BotError`] when the database or Discord fails; a refused punishment is logged, not an error.
pub async fn enforce(
    data: &BotData,
    incoming: &Incoming<'_>,
    verdict: &Verdict,
) -> Result<(), BotError> {
    let summary = verdict.summary();
    tracing::info!(guild = %incoming.guild, user = %incoming.author, rules = %summary, "automod caught a message");
    data.activity
        .automod_action(incoming.guild, data.clock.now());
    if verdict.delete_message {
        let delete = Effect::DeleteMessage {
            channel: incoming.channel,
            message_id: incoming.message,
            reason: Some(format!("automod: {summary}")),
        };
        if let Err(error) = data
            .executor
            .execute_for(Some(incoming.guild), &delete)
            .await
        {
            tracing::warn!(guild = %incoming.guild, %error, "automod could not delete a message");
        }
    }
    let action = match verdict.action {
        None | Some(RuleAction::Delete) => return Ok(()),
        Some(RuleAction::Warn) => Action::Warn {
            severity: Severity::Minor,
        },
        Some(RuleAction::Timeout { duration_secs }) => Action::Timeout {
            duration: Duration::from_secs(duration_secs),
        },
        Some(RuleAction::Kick) => Action::Kick,
        Some(RuleAction::Ban {
            delete_message_secs,
        }) => Action::Ban {
            delete_messages: Some(Duration::from_secs(delete_message_secs)),
            duration: None,
        },
    };
    let key = Key::guild(incoming.guild, "automod.punish", incoming.author);
    if !matches!(
        data.coordination.try_cooldown(&key, PUNISH_COOLDOWN).await,
        Ok(Cooldown::Started)
    ) {
        return Ok(());
    }
    let Some(guild) = data.cache.guild_info(incoming.guild) else {
        tracing::warn!(guild = %incoming.guild, user = %incoming.author, "automod could not punish: the guild has not been received yet");
        return Ok(());
    };
    // The bot's own rank decides what it may do; an unknown is asked of Discord, never guessed.
    let bot = match crate::members::bot(data, incoming.guild).await {
        Ok(bot) => bot,
        Err(error) => {
            tracing::warn!(guild = %incoming.guild, user = %incoming.author, %error, "automod could not punish: the bot's own membership is unknown");
            return Ok(());
        }
    };
    let bot_user = bot.user;
    let rule = verdict.hits.first().map_or("rules", |hit| hit.rule.name());
    let request = PunishRequest {
        guild,
        actor: Actor::Automated {
            rule: format!("automod:{rule}"),
        },
        target: incoming.author,
        // The message carried the author's roles: the hierarchy guard judges those.
        target_member: Some(incoming.member()),
        bot,
        action,
        reason: Some(summary),
    };
    match data.moderation.punish(request).await {
        Ok(outcome) => {
            let mut steps = vec![&outcome.primary];
            if let Some(guildhall_core::moderation::Escalation::Applied(escalated)) =
                &outcome.escalation
            {
                steps.push(escalated);
            }
            for step in steps {
                let performed =
                    crate::moderation::perform(data, incoming.guild, step, bot_user).await?;
                if let crate::moderation::Performed::Failed(words) = performed {
                    tracing::warn!(guild = %incoming.guild, user = %incoming.author, case = step.case.number, "automod's action was not carried out: {words}");
                }
            }
            Ok(())
        }
        Err(guildhall_core::moderation::ModerationError::Refused(refusal)) => {
            tracing::warn!(guild = %incoming.guild, user = %incoming.author, code = refusal.code(), "automod could not punish: {}", refusal.explain());
            Ok(())
        }
        Err(error) => Err(error.into()),
    }
}

/// Whether the author may ping @everyone (automod's mass-mention rule spares them): Discord
/// says so itself (`mention_everyone` is set only when the author had the permission and pinged),
/// else their roles in the message decide. Only a message that says @everyone or @here needs
/// the answer, so only then is it computed.
pub fn can_mention_everyone(
    data: &BotData,
    incoming: &Incoming<'_>,
    discord_says: bool,
    now: UnixMillis,
) -> bool {
    discord_says
        || (automod::says_everyone(incoming.content)
            && data.cache.guild_info(incoming.guild).is_some_and(|info| {
                info.base_permissions(&incoming.member(), now)
                    .contains(Permissions::MENTION_EVERYONE)
            }))
}

/// Automatic moderation in the feature registry: it reads every message of guilds that have it
/// on (before levels, which give a caught message no XP).
pub(crate) const FEATURE: crate::features::BotFeature = crate::features::BotFeature {
    name: "automod",
    commands: Vec::new,
    on_event: Some(|data, event, settings, passage| {
        Box::pin(on_event(data, event, settings, passage))
    }),
    on_component: None,
};

async fn on_event(
    data: &BotData,
    event: &guildhall_core::events::GuildEvent<'_>,
    settings: &GuildSettings,
    passage: &crate::features::Passage,
) -> Result<(), BotError> {
    let guildhall_core::events::GuildEvent::Message(message) = event else {
        return Ok(());
    };
    if message.author_is_bot {
        return Ok(());
    }
    if check(data, settings, message).await? {
        passage.set_caught_by_automod();
    }
    Ok(())
}

/// Runs automod on a message of a guild that has it on: in memory, no database unless the
/// message breaks a rule. Returns whether automod acted on the message.
async fn check(
    data: &BotData,
    settings: &GuildSettings,
    message: &guildhall_core::events::GuildMessage<'_>,
) -> Result<bool, BotError> {
    let incoming = Incoming {
        guild: message.guild,
        channel: message.channel,
        message: message.id,
        author: message.author,
        roles: message.roles(),
        content: message.content,
        user_mentions: message.user_mentions,
        role_mentions: message.role_mentions,
        mentions_everyone: message.mentions_everyone,
        is_bot: message.author_is_bot,
    };
    let now = data.clock.now();
    let can_ping = can_mention_everyone(data, &incoming, message.mentions_everyone, now);
    let Some(verdict) = data.automod.check(settings, &incoming, can_ping, now) else {
        return Ok(false);
    };
    enforce(data, &incoming, &verdict).await?;
    Ok(true)
}
