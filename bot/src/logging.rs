//! Event logs on Discord: every guild event goes to `guildhall_core::logging`, which turns it
//! into entries, stores them and posts them in batches (its flusher runs in
//! [`crate::runtime::run`]). This module adds what only the bot can: who deleted a message,
//! read from the guild's audit log (`GET /guilds/{guild}/audit-logs?action_type=72`) through the
//! executor.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use guildhall_core::events::GuildEvent;
use guildhall_core::guild_config::GuildSettings;
use guildhall_core::ids::{ChannelId, GuildId, UserId};
use guildhall_core::logging::Lookups;
use serde_json::Value;

use crate::executor::payload::Call;
use crate::executor::{ExecError, Executor, Method};
use crate::features::Passage;
use crate::{BotData, BotError};

impl From<guildhall_core::logging::LoggingError> for BotError {
    fn from(error: guildhall_core::logging::LoggingError) -> Self {
        Self::from_core(&error)
    }
}

/// Logging in the feature registry: no commands, every event.
pub(crate) const FEATURE: crate::features::BotFeature = crate::features::BotFeature {
    name: "logging",
    commands: Vec::new,
    on_event: Some(|data, event, settings, passage| {
        Box::pin(on_event(data, event, settings, passage))
    }),
    on_component: None,
};

async fn on_event(
    data: &BotData,
    event: &GuildEvent<'_>,
    settings: &GuildSettings,
    _passage: &Passage,
) -> Result<(), BotError> {
    data.logging
        .observe(event, settings, data.lookups.as_ref())
        .await?;
    Ok(())
}

/// How long a read of a guild's audit log answers later deletions too.
const AUDIT_REUSE: Duration = Duration::from_secs(1);
/// How long a guild whose audit log the bot may not read is left alone.
const AUDIT_FORBIDDEN: Duration = Duration::from_secs(600);
/// How recent a new audit entry must be to be taken for this deletion.
const AUDIT_FRESH: Duration = Duration::from_secs(60);

#[derive(Debug, Clone)]
struct Deletion {
    id: u64,
    actor: UserId,
    target: UserId,
    channel: Option<ChannelId>,
    count: u64,
}

#[derive(Debug, Default)]
struct GuildAudit {
    fetched: Option<(Instant, Vec<Deletion>)>,
    forbidden_until: Option<Instant>,
    /// The count each entry had when it was last taken for a deletion.
    seen: HashMap<u64, u64>,
}

/// The audit log as the bot reads it: a guild's newest message-deletion entries, read at most
/// once a second per guild, matched to a deletion by author and channel. Discord gives no
/// message id, and adds to the `count` of an existing entry for repeated deletions by the same
/// moderator, so an entry is taken when it is new (made in the last minute) or its count grew
/// since it was last taken: a best guess, and shown as one.
#[derive(Debug)]
pub struct BotLookups {
    executor: Arc<Executor>,
    guilds: Mutex<HashMap<GuildId, GuildAudit>>,
    /// One read of a guild's audit log at a time: deletions arriving together share it.
    reads: Mutex<HashMap<GuildId, Arc<tokio::sync::Mutex<()>>>>,
}

impl BotLookups {
    /// Reads through `executor`.
    pub fn new(executor: Arc<Executor>) -> Self {
        Self {
            executor,
            guilds: Mutex::new(HashMap::new()),
            reads: Mutex::new(HashMap::new()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<GuildId, GuildAudit>> {
        self.guilds.lock().unwrap_or_else(PoisonError::into_inner)
    }

    async fn deletions(&self, guild: GuildId) -> Option<Vec<Deletion>> {
        let read = Arc::clone(
            self.reads
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .entry(guild)
                .or_default(),
        );
        let _one_read = read.lock().await;
        {
            let guilds = self.lock();
            if let Some(audit) = guilds.get(&guild) {
                if audit
                    .forbidden_until
                    .is_some_and(|until| Instant::now() < until)
                {
                    return None;
                }
                if let Some((at, entries)) = &audit.fetched
                    && at.elapsed() < AUDIT_REUSE
                {
                    return Some(entries.clone());
                }
            }
        }
        let call = Call {
            method: Method::Get,
            path: format!("/guilds/{guild}/audit-logs?action_type=72&limit=10"),
            body: None,
            reason: None,
            files: Vec::new(),
        };
        match self.executor.send(Some(guild), call).await {
            Ok(Some(answer)) => {
                let entries = parse(&answer);
                self.lock().entry(guild).or_default().fetched =
                    Some((Instant::now(), entries.clone()));
                Some(entries)
            }
            Ok(None) => None,
            Err(ExecError::Rejected { status: 403, .. }) => {
                tracing::info!(%guild, "the bot may not read the audit log (View Audit Log); deletions are logged without who deleted them");
                self.lock().entry(guild).or_default().forbidden_until =
                    Some(Instant::now() + AUDIT_FORBIDDEN);
                None
            }
            Err(error) => {
                tracing::debug!(%guild, %error, "could not read the audit log");
                None
            }
        }
    }
}

fn parse(answer: &Value) -> Vec<Deletion> {
    let number = |value: &Value| -> Option<u64> {
        value
            .as_str()
            .and_then(|text| text.parse().ok())
            .or_else(|| value.as_u64())
    };
    answer["audit_log_entries"]
        .as_array()
        .map(|entries| {
            entries
                .iter()
                .filter_map(|entry| {
                    Some(Deletion {
                        id: number(&entry["id"])?,
                        actor: UserId::new(number(&entry["user_id"])?),
                        target: UserId::new(number(&entry["target_id"])?),
                        channel: number(&entry["options"]["channel_id"]).map(ChannelId::new),
                        count: number(&entry["options"]["count"]).unwrap_or(1),
                    })
                })
                .collect()
        })
        .unwrap_or_default()
}

fn entry_age(id: u64) -> Duration {
    let made = guildhall_core::logging::service::snowflake_time(id);
    let now = guildhall_core::clock::UnixMillis(
        i64::try_from(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |since| since.as_millis()),
        )
        .unwrap_or(i64::MAX),
    );
    now.since(made)
}

#[async_trait]
impl Lookups for BotLookups {
    async fn invites(&self, guild: GuildId) -> Option<Vec<guildhall_core::logging::InviteUse>> {
        let call = Call {
            method: Method::Get,
            path: format!("/guilds/{guild}/invites"),
            body: None,
            reason: None,
            files: Vec::new(),
        };
        match self.executor.send(Some(guild), call).await {
            Ok(Some(Value::Array(invites))) => Some(
                invites
                    .iter()
                    .filter_map(|invite| {
                        Some(guildhall_core::logging::InviteUse {
                            code: invite["code"].as_str()?.to_owned(),
                            inviter: invite["inviter"]["id"]
                                .as_str()
                                .and_then(|id| id.parse().ok())
                                .map(UserId::new),
                            uses: invite["uses"].as_u64().unwrap_or(0),
                        })
                    })
                    .collect(),
            ),
            Ok(_) => None,
            Err(error) => {
                tracing::debug!(%guild, %error, "could not read the invites");
                None
            }
        }
    }

    async fn message_deleter(
        &self,
        guild: GuildId,
        channel: ChannelId,
        author: UserId,
    ) -> Option<UserId> {
        let entries = self.deletions(guild).await?;
        let mut guilds = self.lock();
        let audit = guilds.entry(guild).or_default();
        for entry in entries {
            if entry.target != author || entry.channel.is_some_and(|c| c != channel) {
                continue;
            }
            let taken = match audit.seen.get(&entry.id) {
                Some(count) => entry.count > *count,
                None => entry_age(entry.id) < AUDIT_FRESH,
            };
            if taken {
                audit.seen.insert(entry.id, entry.count);
                if audit.seen.len() > 1_000 {
                    audit.seen.clear();
                }
                return Some(entry.actor);
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audit_entries_are_read_with_string_or_number_fields() {
        let answer = serde_json::json!({"audit_log_entries": [
            {"id": "1", "user_id": "2", "target_id": "3", "action_type": 72,
             "options": {"channel_id": "4", "count": "2"}},
            {"id": "5", "user_id": "6", "target_id": "7", "action_type": 72}
        ]});
        let entries = parse(&answer);
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].count, 2);
        assert_eq!(entries[0].channel, Some(ChannelId::new(4)));
        assert_eq!(entries[1].count, 1);
        assert!(parse(&serde_json::json!({})).is_empty());
    }
}

/// How often the AFK rules are checked.
pub const AFK_CHECK: Duration = Duration::from_secs(5);

/// What the AFK check needs from the bot.
#[derive(Debug, Clone)]
pub struct AfkParts {
    /// Settings.
    pub config: Arc<guildhall_core::guild_config::GuildConfigService>,
    /// The voice tracker.
    pub levels: Arc<guildhall_core::levels::LevelService>,
    /// The log.
    pub logging: Arc<guildhall_core::logging::LoggingService>,
    /// Discord.
    pub executor: Arc<Executor>,
}

/// Applies each guild's AFK rules every [`AFK_CHECK`] until `cancel`: members alone, or
/// deafened, past the limit are moved to the AFK channel, disconnected, or marked so their time
/// stops counting; each action is logged in the voice log. A move Discord refuses (no Move
/// Members, the channel gone) marks the member so they are not tried again every few seconds,
/// and the log says why.
pub async fn run_afk(parts: AfkParts, cancel: tokio_util::sync::CancellationToken) {
    let mut ticker = tokio::time::interval(AFK_CHECK);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = cancel.cancelled() => return,
            _ = ticker.tick() => check_afk(&parts).await,
        }
    }
}

async fn check_afk(parts: &AfkParts) {
    use guildhall_core::effect::Effect;
    use guildhall_core::levels::AfkReason;
    use guildhall_core::logging::AfkAction;
    for guild in parts.levels.voice_guilds() {
        let Some(settings) = parts.config.cached(guild) else {
            continue;
        };
        let rules = &settings.logging;
        if !settings.features.logging || !rules.afk_enabled() {
            continue;
        }
        let secs = |value: Option<u32>| Duration::from_secs(u64::from(value.unwrap_or(0)));
        let exempt = match rules.afk_action {
            AfkAction::Move => rules.afk_channel,
            _ => None,
        };
        let due = parts.levels.voice_afk_due(
            guild,
            secs(rules.afk_alone_secs),
            secs(rules.afk_deafened_secs),
            exempt,
        );
        for (user, channel, reason) in due {
            let why = match reason {
                AfkReason::Alone(for_) => format!(
                    "alone for {}",
                    guildhall_core::logging::service::age_in_words(for_)
                ),
                AfkReason::Deafened(for_) => format!(
                    "deafened for {}",
                    guildhall_core::logging::service::age_in_words(for_)
                ),
            };
            let reason_text = Some(format!("AFK: {why}"));
            let effect = match rules.afk_action {
                AfkAction::Move => rules.afk_channel.map(|afk| Effect::MoveVoice {
                    guild,
                    user,
                    channel: Some(afk),
                    reason: reason_text,
                }),
                AfkAction::Disconnect => Some(Effect::MoveVoice {
                    guild,
                    user,
                    channel: None,
                    reason: reason_text,
                }),
                AfkAction::StopCounting => None,
            };
            let outcome = match &effect {
                None => {
                    parts.levels.voice_mark_afk(guild, user, "stop_counting");
                    "their time stopped counting".to_owned()
                }
                Some(effect) => match parts.executor.execute_for(Some(guild), effect).await {
                    Ok(_) => {
                        parts
                            .levels
                            .voice_mark_afk(guild, user, rules.afk_action.as_str());
                        match rules.afk_action {
                            AfkAction::Move => "moved to the AFK channel".to_owned(),
                            _ => "disconnected from voice".to_owned(),
                        }
                    }
                    Err(error) => {
                        tracing::warn!(%guild, %user, %error, "the AFK action was refused");
                        parts.levels.voice_mark_afk(guild, user, "stop_counting");
                        format!(
                            "Discord refused the {} ({error}); their time stopped counting instead",
                            rules.afk_action.as_str()
                        )
                    }
                },
            };
            parts
                .logging
                .afk_action(&settings, guild, user, channel, &why, &outcome);
        }
    }
}
