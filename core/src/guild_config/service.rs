//! [`GuildConfigService`]: read from cache, write through validation, history and invalidation.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::GuildConfigError;
use super::sections::{self, GuildSettings, SectionOps};
use super::store::{self, HistoryEntry, Write};
use crate::clock::{SharedClock, UnixMillis};
use crate::coordination::Coordination;
use crate::db::Db;
use crate::ids::GuildId;
use crate::references::{self, GuildDirectory};

/// The coordination topic that announces a changed guild to every process.
pub const TOPIC: &str = "guild_config.changed";

/// What a successful write changed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    /// The guild.
    pub guild: GuildId,
    /// The section.
    pub section: &'static str,
    /// The version the change created.
    pub version: i64,
    /// The section before.
    pub old_value: Value,
    /// The section after.
    pub new_value: Value,
}

#[derive(Debug, Serialize, Deserialize)]
struct Announcement {
    guild: GuildId,
    section: String,
    version: i64,
}

/// Per-guild settings with an in-process cache.
#[derive(Debug)]
pub struct GuildConfigService {
    db: Db,
    clock: SharedClock,
    coordination: Arc<dyn Coordination>,
    cache: RwLock<HashMap<GuildId, Arc<GuildSettings>>>,
    seen_change: AtomicI64,
    /// Checks that the channels and roles a write names are the guild's; without one (tests,
    /// a CLI without a bot token) they are not checked.
    directory: std::sync::OnceLock<Arc<dyn GuildDirectory>>,
}

impl GuildConfigService {
    /// A service over `db`, announcing changes through `coordination`.
    pub fn new(db: Db, clock: SharedClock, coordination: Arc<dyn Coordination>) -> Self {
        Self {
            db,
            clock,
            coordination,
            cache: RwLock::new(HashMap::new()),
            seen_change: AtomicI64::new(0),
            directory: std::sync::OnceLock::new(),
        }
    }

    /// Makes every later write check the channels and roles it names against `directory`
    /// ([`crate::references`]); the first directory set stays.
    pub fn set_directory(&self, directory: Arc<dyn GuildDirectory>) {
        let _ = self.directory.set(directory);
    }

    /// Checks the channels and roles `next` names that the stored section does not already
    /// name (an id written before a channel was deleted does not block unrelated edits).
    async fn check_references(
        &self,
        guild: GuildId,
        ops: &'static dyn SectionOps,
        settings: &GuildSettings,
        next: &Value,
    ) -> Result<(), GuildConfigError> {
        let Some(directory) = self.directory.get() else {
            return Ok(());
        };
        let before = ops.references(&ops.json_of(settings));
        let added: Vec<_> = ops
            .references(next)
            .into_iter()
            .filter(|reference| !before.contains(reference))
            .collect();
        references::check_all(directory.as_ref(), guild, &added)
            .await
            .map_err(|error| GuildConfigError::Invalid {
                key: error.field().to_owned(),
                message: error.to_string(),
            })
    }

    /// The cached settings of a guild, without touching the database: the message path's read.
    /// `None` until the guild has been loaded with [`Self::get`] (the bot loads each guild when
    /// it becomes available).
    pub fn cached(&self, guild: GuildId) -> Option<Arc<GuildSettings>> {
        self.cache
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(&guild)
            .cloned()
    }

    /// A guild's settings, from cache or loaded once.
    ///
    /// # Errors
    /// [`GuildConfigError::Storage`] when the database fails, or stored JSON no longer parses.
    pub async fn get(&self, guild: GuildId) -> Result<Arc<GuildSettings>, GuildConfigError> {
        match self.cached(guild) {
            Some(settings) => Ok(settings),
            None => self.reload(guild).await,
        }
    }

    /// Reads a guild's settings from the database and caches them, unless a newer snapshot
    /// arrived meanwhile.
    ///
    /// # Errors
    /// As [`Self::get`].
    pub async fn reload(&self, guild: GuildId) -> Result<Arc<GuildSettings>, GuildConfigError> {
        let mut settings = GuildSettings::default();
        for stored in store::load(&self.db, guild).await? {
            // A section this build does not know (written by a newer version) is left alone.
            let Ok(ops) = sections::section(&stored.section) else {
                continue;
            };
            ops.apply(&mut settings, stored.value)?;
            settings.versions.insert(ops.name(), stored.version);
        }
        let fresh = Arc::new(settings);
        let mut cache = self
            .cache
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let entry = cache.entry(guild).or_insert_with(|| Arc::clone(&fresh));
        if entry.generation() <= fresh.generation() {
            *entry = Arc::clone(&fresh);
        }
        Ok(Arc::clone(entry))
    }

    /// One key's value, e.g. `general.timezone`.
    ///
    /// # Errors
    /// [`GuildConfigError::UnknownKey`] and friends for a bad key; storage errors.
    pub async fn get_key(&self, guild: GuildId, key: &str) -> Result<Value, GuildConfigError> {
        let (ops, field) = sections::resolve_key(key)?;
        let settings = self.get(guild).await?;
        Ok(ops
            .json_of(&settings)
            .get(&field)
            .cloned()
            .unwrap_or(Value::Null))
    }

    /// Sets one key from an operator's text (`general.timezone Europe/Berlin`). Returns `None`
    /// when the value was already that.
    ///
    /// # Errors
    /// [`GuildConfigError`] naming the key and what it accepts; nothing is written then.
    pub async fn set_key(
        &self,
        guild: GuildId,
        key: &str,
        raw: &str,
        actor: &str,
    ) -> Result<Option<Change>, GuildConfigError> {
        let (ops, settings, next) = self.prepare_key(guild, key, raw).await?;
        self.check_references(guild, ops, &settings, &next).await?;
        self.write(guild, ops, &settings, next, actor, None).await
    }

    /// Checks that `raw` is acceptable for `key` without writing anything, returning the value
    /// the key would get (used to refuse a bad scheduled change when it is scheduled, not later).
    ///
    /// # Errors
    /// As [`Self::set_key`].
    pub async fn check_key(
        &self,
        guild: GuildId,
        key: &str,
        raw: &str,
    ) -> Result<Value, GuildConfigError> {
        let (ops, settings, next) = self.prepare_key(guild, key, raw).await?;
        self.check_references(guild, ops, &settings, &next).await?;
        let field = key
            .split_once('.')
            .map(|(_, field)| field)
            .unwrap_or_default();
        Ok(next.get(field).cloned().unwrap_or(Value::Null))
    }

    async fn prepare_key(
        &self,
        guild: GuildId,
        key: &str,
        raw: &str,
    ) -> Result<(&'static dyn SectionOps, Arc<GuildSettings>, Value), GuildConfigError> {
        let (ops, field) = sections::resolve_key(key)?;
        let settings = self.reload(guild).await?;
        let current = ops.json_of(&settings);
        let field_value = current.get(&field).cloned().unwrap_or(Value::Null);
        let candidate = |value: Value| {
            let mut next = current.clone();
            if let Some(fields) = next.as_object_mut() {
                fields.insert(field.clone(), value);
            }
            ops.normalize(next)
        };
        let wants_clear = matches!(raw.trim().to_ascii_lowercase().as_str(), "none" | "null");
        let next = match wants_clear.then(|| candidate(Value::Null)) {
            Some(Ok(next)) => next,
            _ => match candidate(sections::parse_raw(key, &field_value, raw)?) {
                Ok(next) => next,
                // A key that is empty now reads a typed value as text (ids are strings); an
                // optional number (`logging.afk_alone_secs`) takes it as a number instead.
                Err(error) => match (field_value.is_null(), raw.trim().parse::<i64>()) {
                    (true, Ok(number)) => match candidate(Value::from(number)) {
                        Ok(next) => next,
                        // A number was not the key's type either: the first answer says what is.
                        Err(retry) if retry.to_string().contains("invalid type") => {
                            return Err(error);
                        }
                        // It was, and the value itself is refused: that is the answer.
                        Err(retry) => return Err(retry),
                    },
                    _ => return Err(error),
                },
            },
        };
        Ok((ops, settings, next))
    }

    /// Replaces a whole section (the dashboard's form), optionally only if it is still at
    /// `expected_version`.
    ///
    /// # Errors
    /// [`GuildConfigError`] naming the offending key; [`GuildConfigError::Conflict`] when the
    /// version moved.
    pub async fn set_section(
        &self,
        guild: GuildId,
        section: &str,
        value: Value,
        actor: &str,
        expected_version: Option<i64>,
    ) -> Result<Option<Change>, GuildConfigError> {
        let ops = sections::section(section)?;
        let next = ops.normalize(value)?;
        let settings = self.reload(guild).await?;
        if let Some(expected) = expected_version {
            let current = settings.version(ops.name());
            if current != expected {
                return Err(GuildConfigError::Conflict {
                    section: ops.name(),
                    current,
                });
            }
        }
        self.check_references(guild, ops, &settings, &next).await?;
        self.write(guild, ops, &settings, next, actor, None).await
    }

    /// Restores a section to what it was at `version` (0 = the defaults), as a new change.
    /// Without a version, undoes the latest change.
    ///
    /// # Errors
    /// [`GuildConfigError::NoSuchVersion`], or an error if the old value no longer validates.
    pub async fn rollback(
        &self,
        guild: GuildId,
        section: &str,
        version: Option<i64>,
        actor: &str,
    ) -> Result<Change, GuildConfigError> {
        let ops = sections::section(section)?;
        let settings = self.reload(guild).await?;
        let latest = settings.version(ops.name());
        let target = version.unwrap_or(latest - 1);
        if target < 0 || target >= latest {
            return Err(GuildConfigError::NoSuchVersion {
                section: ops.name(),
                version: target,
                latest,
            });
        }
        let value = if target == 0 {
            ops.default_json()
        } else {
            store::history_at(&self.db, guild, ops.name(), target)
                .await?
                .map(|entry| entry.new_value)
                .ok_or(GuildConfigError::NoSuchVersion {
                    section: ops.name(),
                    version: target,
                    latest,
                })?
        };
        let next = ops.normalize(value)?;
        // An old version may name a channel deleted since, or one written before ids were
        // checked: rolling back is a write like any other.
        self.check_references(guild, ops, &settings, &next).await?;
        let note = format!("rollback to version {target}");
        let change = self
            .write(guild, ops, &settings, next.clone(), actor, Some(&note))
            .await?;
        // Rolling back to a value equal to the current one is a no-op; report it as such.
        Ok(change.unwrap_or(Change {
            guild,
            section: ops.name(),
            version: latest,
            old_value: next.clone(),
            new_value: next,
        }))
    }

    /// A guild's settings history, newest first.
    ///
    /// # Errors
    /// Unknown section; storage errors.
    pub async fn history(
        &self,
        guild: GuildId,
        section: Option<&str>,
        limit: u32,
    ) -> Result<Vec<HistoryEntry>, GuildConfigError> {
        let section = section
            .map(sections::section)
            .transpose()?
            .map(|ops| ops.name());
        Ok(store::history(&self.db, guild, section, i64::from(limit)).await?)
    }

    async fn write(
        &self,
        guild: GuildId,
        ops: &'static dyn SectionOps,
        settings: &GuildSettings,
        next: Value,
        actor: &str,
        note: Option<&str>,
    ) -> Result<Option<Change>, GuildConfigError> {
        let old_value = ops.json_of(settings);
        if old_value == next {
            return Ok(None);
        }
        let version = store::write(
            &self.db,
            &Write {
                guild,
                section: ops.name(),
                expected_version: settings.version(ops.name()),
                old_value: &old_value,
                new_value: &next,
                actor,
                note,
                at: self.now(),
            },
        )
        .await?;
        self.reload(guild).await?;
        let announcement = Announcement {
            guild,
            section: ops.name().to_owned(),
            version,
        };
        if let Ok(message) = serde_json::to_string(&announcement)
            && let Err(error) = self.coordination.publish(TOPIC, &message).await
        {
            // Other processes still pick the change up by polling; see `spawn_sync`.
            tracing::warn!(%guild, %error, "could not announce settings change");
        }
        tracing::info!(%guild, section = ops.name(), version, actor, "guild settings changed");
        Ok(Some(Change {
            guild,
            section: ops.name(),
            version,
            old_value,
            new_value: next,
        }))
    }

    fn now(&self) -> UnixMillis {
        self.clock.now()
    }

    /// Keeps this process's cache in step with changes made anywhere: reloads a cached guild
    /// when a change is announced on the bus, and every `poll` checks the history for changes
    /// that were not announced (another process without Redis, or a lost message).
    ///
    /// # Errors
    /// When the subscription cannot be made.
    pub async fn spawn_sync(
        self: &Arc<Self>,
        poll: Duration,
        shutdown: CancellationToken,
    ) -> Result<JoinHandle<()>, GuildConfigError> {
        let subscription = self.coordination.subscribe(TOPIC).await.map_err(|error| {
            GuildConfigError::Invalid {
                key: String::new(),
                message: error.to_string(),
            }
        })?;
        self.seen_change.store(
            crate::db::ChangeLog::Settings.latest(&self.db).await?,
            Ordering::SeqCst,
        );
        Ok(crate::coordination::follow(
            Arc::clone(self),
            subscription,
            poll,
            shutdown,
        ))
    }

    async fn refresh(&self, guild: GuildId) {
        if self.cached(guild).is_some()
            && let Err(error) = self.reload(guild).await
        {
            tracing::warn!(%guild, %error, "could not reload changed guild settings");
        }
    }

    /// Reloads cached guilds whose history moved past the last id seen.
    pub async fn poll_changes(&self) {
        let after = self.seen_change.load(Ordering::SeqCst);
        match crate::db::ChangeLog::Settings.since(&self.db, after).await {
            Ok((guilds, latest)) => {
                for guild in guilds {
                    self.refresh(guild).await;
                }
                self.seen_change.fetch_max(latest, Ordering::SeqCst);
            }
            Err(error) => tracing::warn!(%error, "could not poll settings changes"),
        }
    }
}

#[async_trait::async_trait]
impl crate::coordination::Follower for GuildConfigService {
    async fn announced(&self, message: &str) {
        match serde_json::from_str::<Announcement>(message) {
            Ok(announcement) => self.refresh(announcement.guild).await,
            Err(error) => tracing::warn!(%error, "unreadable settings announcement"),
        }
    }

    async fn poll(&self) {
        self.poll_changes().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::{ManualClock, UnixMillis};
    use crate::coordination::MemoryCoordination;
    use crate::guild_cache::GuildCache;
    use crate::ids::{ChannelId, UserId};
    use crate::references::ChannelKind;

    #[tokio::test]
    async fn writes_and_rollbacks_refuse_another_guilds_channel_and_write_nothing() {
        for test_db in crate::testing::backends().await {
            check_on(&test_db.db).await;
        }
    }

    async fn check_on(db: &Db) {
        let clock: SharedClock = Arc::new(ManualClock::new(UnixMillis(1_000)));
        let service = GuildConfigService::new(
            db.clone(),
            Arc::clone(&clock),
            Arc::new(MemoryCoordination::new(Arc::clone(&clock))),
        );
        let ours = GuildId::new(1);
        // Before a directory is set (an old version, or a CLI without a token): accepted.
        service
            .set_key(ours, "general.mod_log_channel", "12", "test")
            .await
            .unwrap();
        let cache = Arc::new(GuildCache::new());
        for (guild, channel) in [(1, 11), (2, 12)] {
            cache.put_guild(
                GuildId::new(guild),
                "g".into(),
                UserId::new(9),
                vec![],
                vec![],
            );
            cache.put_channel(
                GuildId::new(guild),
                ChannelId::new(channel),
                format!("c{channel}"),
                ChannelKind::Text,
                None,
                0,
                false,
            );
        }
        service.set_directory(cache);
        service
            .set_key(ours, "general.mod_log_channel", "11", "test")
            .await
            .unwrap();
        let refused = service
            .set_key(ours, "general.mod_log_channel", "12", "test")
            .await
            .unwrap_err();
        assert_eq!(
            refused.to_string(),
            "general.mod_log_channel: channel 12 is not a channel of this server; pick one of this server's channels"
        );
        // Rolling back to the version that named it is refused too.
        let rollback = service.rollback(ours, "general", Some(1), "test").await;
        assert!(
            matches!(rollback, Err(GuildConfigError::Invalid { .. })),
            "{rollback:?}"
        );
        let settings = service.reload(ours).await.unwrap();
        assert_eq!(settings.general.mod_log_channel, Some(ChannelId::new(11)));
        assert_eq!(settings.version("general"), 2);
    }
}
