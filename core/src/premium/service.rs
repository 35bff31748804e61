//! [`PremiumService`]: each guild's tier, resolved in memory from the operator's grants and
//! Discord's entitlements, kept in step across processes (the `premium.changed` topic, and a
//! reload every poll), with the gate ([`PremiumService::require`]) and the limits
//! ([`PremiumService::check_limit`]) every feature asks.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::json;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::gate::{LimitReached, PremiumRequired};
use super::store::{self, Entitlement, Grant};
use super::tier::{LimitKind, Limits, Perk, PremiumConfig, Tier};
use crate::clock::{SharedClock, UnixMillis};
use crate::coordination::Coordination;
use crate::db::{Db, DbError};
use crate::ids::{GuildId, SkuId};
use crate::jobs::{JobLedger, JobLedgerError, NewJob};

/// The topic announcing that a guild's tier may have changed.
pub const TOPIC: &str = "premium.changed";

/// What the premium service refuses or fails at.
#[derive(Debug, thiserror::Error)]
pub enum PremiumError {
    /// The request is wrong (an expiry in the past, an unknown tier); the message says what is
    /// accepted.
    #[error("{0}")]
    Invalid(String),
    /// The database failed.
    #[error(transparent)]
    Storage(#[from] DbError),
    /// The expiry could not be scheduled.
    #[error(transparent)]
    Jobs(#[from] JobLedgerError),
}

impl From<sqlx::Error> for PremiumError {
    fn from(error: sqlx::Error) -> Self {
        Self::Storage(DbError::Sql(error))
    }
}

/// Where a guild's tier comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Source {
    /// The operator granted it.
    Grant {
        /// Who.
        by: String,
        /// Their note.
        note: String,
    },
    /// A Discord subscription (or a test entitlement).
    Entitlement {
        /// The entitlement.
        id: crate::ids::EntitlementId,
        /// Its SKU.
        sku: SkuId,
        /// Discord's entitlement type.
        entitlement_kind: u8,
    },
}

impl Source {
    /// In words, for pages and the CLI.
    pub fn describe(&self) -> String {
        match self {
            Self::Grant { by, note } if note.is_empty() => format!("granted by {by}"),
            Self::Grant { by, note } => format!("granted by {by}: {note}"),
            Self::Entitlement {
                entitlement_kind: 4,
                ..
            } => "a Discord test entitlement".to_owned(),
            Self::Entitlement { .. } => "a Discord subscription".to_owned(),
        }
    }
}

/// One span of a tier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    /// The tier.
    pub tier: Tier,
    /// Where it comes from.
    pub source: Source,
    /// When it starts (`None`: always has).
    pub from: Option<UnixMillis>,
    /// When it ends (`None`: until revoked or deleted).
    pub until: Option<UnixMillis>,
}

impl Window {
    fn active_at(&self, now: UnixMillis) -> bool {
        self.from.is_none_or(|from| from <= now) && self.until.is_none_or(|until| now < until)
    }
}

/// A guild's tier now, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Status {
    /// The guild.
    pub guild: GuildId,
    /// Its tier now.
    pub tier: Tier,
    /// When it ends, if it does (the latest end among the spans giving this tier).
    pub until: Option<UnixMillis>,
    /// Where it comes from (the longest-lasting span giving it); `None` on free.
    pub source: Option<Source>,
    /// Every span the guild has, active or not.
    pub windows: Vec<Window>,
}

/// Each guild's tier in memory, the gate, the limits, grants and entitlements.
#[derive(Debug)]
pub struct PremiumService {
    db: Db,
    clock: SharedClock,
    coordination: Arc<dyn Coordination>,
    ledger: JobLedger,
    config: RwLock<PremiumConfig>,
    windows: RwLock<HashMap<GuildId, Arc<[Window]>>>,
    /// Every entitlement as last stored, so one seen again (every interaction carries the
    /// member's) costs no database round trip.
    seen: std::sync::Mutex<HashMap<crate::ids::EntitlementId, Entitlement>>,
    /// The newest `premium_changes` id this process has applied.
    seen_change: std::sync::atomic::AtomicI64,
}

/// The job kind that marks the end of a guild's premium: it reloads the guild everywhere and
/// audits the change, so what stops at the end stops on time in every process.
pub const EXPIRE: &str = "premium.expire";

/// The payload of an [`EXPIRE`] job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpirePayload {
    /// The guild.
    pub guild: GuildId,
    /// When a span of its premium ends.
    pub at: UnixMillis,
}

impl crate::jobs::Job for ExpirePayload {
    const KIND: &'static str = EXPIRE;

    fn guild(&self) -> Option<GuildId> {
        Some(self.guild)
    }
}

impl PremiumService {
    /// A service with the default configuration and nothing loaded.
    pub fn new(
        db: Db,
        clock: SharedClock,
        coordination: Arc<dyn Coordination>,
        ledger: JobLedger,
    ) -> Self {
        Self {
            db,
            clock,
            coordination,
            ledger,
            config: RwLock::new(PremiumConfig::default()),
            windows: RwLock::new(HashMap::new()),
            seen: std::sync::Mutex::new(HashMap::new()),
            seen_change: std::sync::atomic::AtomicI64::new(0),
        }
    }

    /// Sets the operator's configuration (SKUs and limits); call before [`Self::load`].
    pub fn configure(&self, config: PremiumConfig) {
        *self
            .config
            .write()
            .unwrap_or_else(|poison| poison.into_inner()) = config;
    }

    /// The operator's configuration.
    pub fn config(&self) -> PremiumConfig {
        self.config
            .read()
            .unwrap_or_else(|poison| poison.into_inner())
            .clone()
    }

    /// The guild's tier at `now`: an in-memory lookup, no database read.
    pub fn tier_at(&self, guild: GuildId, now: UnixMillis) -> Tier {
        let windows = self
            .windows
            .read()
            .unwrap_or_else(|poison| poison.into_inner());
        windows.get(&guild).map_or(Tier::Free, |spans| {
            spans
                .iter()
                .filter(|span| span.active_at(now))
                .map(|span| span.tier)
                .max()
                .unwrap_or(Tier::Free)
        })
    }

    /// The guild's tier now.
    pub fn tier(&self, guild: GuildId) -> Tier {
        self.tier_at(guild, self.clock.now())
    }

    /// Whether the guild may use `perk` now.
    pub fn allows(&self, guild: GuildId, perk: Perk) -> bool {
        self.tier(guild) >= perk.spec().tier
    }

    /// The gate: `Ok` when the guild's tier has `perk`, else the wall every surface shows.
    ///
    /// # Errors
    /// [`PremiumRequired`] with the guild's tier and the SKU to offer.
    pub fn require(&self, guild: GuildId, perk: Perk) -> Result<(), PremiumRequired> {
        let tier = self.tier(guild);
        let needs = perk.spec().tier;
        if tier >= needs {
            return Ok(());
        }
        Err(PremiumRequired {
            perk,
            tier,
            sku: self.config().sku_for(needs).map(SkuId::new),
        })
    }

    /// The guild's limits now.
    pub fn limits(&self, guild: GuildId) -> Limits {
        *self.config().limits.of(self.tier(guild))
    }

    /// Refuses one more of `kind` when the guild has `count` already and its tier allows no
    /// more; the refusal says the limit, the count and what the next tier allows. Limits apply
    /// to new items only: what a guild has beyond them keeps working.
    ///
    /// # Errors
    /// [`LimitReached`].
    pub fn check_limit(
        &self,
        guild: GuildId,
        kind: LimitKind,
        count: u64,
    ) -> Result<(), LimitReached> {
        let config = self.config();
        let tier = self.tier(guild);
        let limit = config.limits.of(tier).of(kind);
        if count < u64::from(limit) {
            return Ok(());
        }
        let next = Tier::ALL
            .into_iter()
            .filter(|higher| *higher > tier)
            .map(|higher| (higher, config.limits.of(higher).of(kind)))
            .find(|(_, allowed)| *allowed > limit);
        Err(LimitReached {
            kind,
            count,
            limit,
            tier,
            next,
        })
    }

    /// The guild's tier, its end and its spans.
    pub fn status(&self, guild: GuildId) -> Status {
        let now = self.clock.now();
        let windows: Vec<Window> = self
            .windows
            .read()
            .unwrap_or_else(|poison| poison.into_inner())
            .get(&guild)
            .map(|spans| spans.to_vec())
            .unwrap_or_default();
        let tier = self.tier_at(guild, now);
        let giving: Vec<&Window> = windows
            .iter()
            .filter(|span| span.active_at(now) && span.tier == tier && tier > Tier::Free)
            .collect();
        let lasting = giving
            .iter()
            .max_by_key(|span| span.until.map_or(i64::MAX, |until| until.0));
        Status {
            guild,
            tier,
            until: lasting.and_then(|span| span.until),
            source: lasting.map(|span| span.source.clone()),
            windows,
        }
    }

    /// Every guild with a tier above free now.
    pub fn premium_guilds(&self) -> Vec<Status> {
        let guilds: Vec<GuildId> = self
            .windows
            .read()
            .unwrap_or_else(|poison| poison.into_inner())
            .keys()
            .copied()
            .collect();
        let mut out: Vec<Status> = guilds
            .into_iter()
            .map(|guild| self.status(guild))
            .filter(|status| status.tier > Tier::Free)
            .collect();
        out.sort_by_key(|status| status.guild);
        out
    }

    /// Loads every guild's spans from the database (at startup, and every poll).
    ///
    /// # Errors
    /// Storage errors.
    pub async fn load(&self) -> Result<(), PremiumError> {
        // Changes after this id are applied by the next poll, so none is missed.
        let latest = crate::db::ChangeLog::Premium.latest(&self.db).await?;
        self.seen_change
            .fetch_max(latest, std::sync::atomic::Ordering::SeqCst);
        let grants = store::grants(&self.db).await?;
        let entitlements = store::entitlements(&self.db, None).await?;
        let skus = self.sku_tiers();
        {
            let mut seen = self
                .seen
                .lock()
                .unwrap_or_else(|poison| poison.into_inner());
            seen.clear();
            seen.extend(entitlements.iter().map(|e| (e.id, e.clone())));
        }
        let mut all: HashMap<GuildId, Vec<Window>> = HashMap::new();
        for grant in grants {
            all.entry(grant.guild)
                .or_default()
                .push(grant_window(&grant));
        }
        for entitlement in entitlements {
            if let Some((guild, window)) = entitlement_window(&entitlement, &skus) {
                all.entry(guild).or_default().push(window);
            }
        }
        let next: HashMap<GuildId, Arc<[Window]>> = all
            .into_iter()
            .map(|(guild, spans)| (guild, Arc::from(spans)))
            .collect();
        *self
            .windows
            .write()
            .unwrap_or_else(|poison| poison.into_inner()) = next;
        Ok(())
    }

    /// Reloads one guild's spans.
    ///
    /// # Errors
    /// Storage errors.
    pub async fn reload(&self, guild: GuildId) -> Result<(), PremiumError> {
        let grant = store::grant_of_guild(&self.db, guild).await?;
        let entitlements = store::entitlements(&self.db, Some(guild)).await?;
        let skus = self.sku_tiers();
        let mut spans: Vec<Window> = grant.iter().map(grant_window).collect();
        spans.extend(
            entitlements
                .iter()
                .filter_map(|entitlement| entitlement_window(entitlement, &skus))
                .map(|(_, window)| window),
        );
        let mut windows = self
            .windows
            .write()
            .unwrap_or_else(|poison| poison.into_inner());
        if spans.is_empty() {
            windows.remove(&guild);
        } else {
            windows.insert(guild, Arc::from(spans));
        }
        Ok(())
    }

    fn sku_tiers(&self) -> HashMap<u64, Tier> {
        self.config().sku_ids().into_iter().collect()
    }

    /// Grants a tier to a guild until `expires_at` (or until revoked), replacing its previous
    /// grant; audited as `premium.grant`, announced to every process, its end scheduled.
    ///
    /// # Errors
    /// [`PremiumError::Invalid`] for the free tier or an end already past; storage errors.
    pub async fn grant(
        &self,
        guild: GuildId,
        tier: Tier,
        expires_at: Option<UnixMillis>,
        by: &str,
        note: &str,
    ) -> Result<Grant, PremiumError> {
        let now = self.clock.now();
        if tier == Tier::Free {
            return Err(PremiumError::Invalid(
                "a grant gives a tier above free; to take premium away, revoke the grant".into(),
            ));
        }
        if let Some(until) = expires_at
            && until <= now
        {
            return Err(PremiumError::Invalid(format!(
                "the grant would end at {until}, which has passed; give a time in the future (+30d, or an RFC 3339 time)"
            )));
        }
        crate::text::check("the note", note, crate::text::TextKind::Name)
            .map_err(|error| PremiumError::Invalid(error.to_string()))?;
        if note.chars().count() > 200 {
            return Err(PremiumError::Invalid(format!(
                "the note must be at most 200 characters, got {}",
                note.chars().count()
            )));
        }
        if let Some(until) = expires_at {
            self.schedule_end(guild, until).await?;
        }
        let grant = Grant {
            guild,
            tier,
            expires_at,
            granted_by: by.to_owned(),
            granted_at: now,
            note: note.trim().to_owned(),
        };
        store::put_grant(&self.db, &grant).await?;
        crate::audit::record(
            &self.db,
            now,
            by,
            "premium.grant",
            Some(guild),
            Some(tier.as_str()),
            &json!({ "tier": tier, "expires_at": expires_at, "note": grant.note }),
        )
        .await?;
        self.changed(guild).await?;
        Ok(grant)
    }

    /// Revokes the guild's grant (its entitlements stay); audited as `premium.revoke`.
    ///
    /// # Errors
    /// [`PremiumError::Invalid`] when the guild has no grant; storage errors.
    pub async fn revoke(&self, guild: GuildId, by: &str) -> Result<Grant, PremiumError> {
        let Some(grant) = store::grant_of_guild(&self.db, guild).await? else {
            return Err(PremiumError::Invalid(format!(
                "this server has no premium grant to revoke{}",
                if self.tier(guild) > Tier::Free {
                    " (its premium comes from a Discord subscription, which Discord ends)"
                } else {
                    ""
                }
            )));
        };
        store::delete_grant(&self.db, guild).await?;
        crate::audit::record(
            &self.db,
            self.clock.now(),
            by,
            "premium.revoke",
            Some(guild),
            Some(grant.tier.as_str()),
            &json!({ "tier": grant.tier, "expires_at": grant.expires_at }),
        )
        .await?;
        self.changed(guild).await?;
        Ok(grant)
    }

    /// Every grant.
    ///
    /// # Errors
    /// Storage errors.
    pub async fn grants(&self) -> Result<Vec<Grant>, PremiumError> {
        Ok(store::grants(&self.db).await?)
    }

    /// A guild's stored entitlements.
    ///
    /// # Errors
    /// Storage errors.
    pub async fn entitlements(&self, guild: GuildId) -> Result<Vec<Entitlement>, PremiumError> {
        Ok(store::entitlements(&self.db, Some(guild)).await?)
    }

    /// Stores an entitlement as Discord sent it (an event, an interaction); a change of a guild
    /// entitlement is audited (`premium.entitlement`), announced, and its end scheduled.
    /// Returns whether anything changed.
    ///
    /// # Errors
    /// Storage errors.
    pub async fn record_entitlement(
        &self,
        entitlement: &Entitlement,
    ) -> Result<bool, PremiumError> {
        Ok(self
            .record_entitlements(std::slice::from_ref(entitlement))
            .await?
            > 0)
    }

    /// Stores entitlements as Discord sent them: those this process has seen as they are cost
    /// nothing; the others are written in one transaction with their audit rows, then each
    /// guild they concern is reloaded and announced once and its ends scheduled. Returns how
    /// many changed.
    ///
    /// # Errors
    /// Storage errors; nothing is stored then.
    pub async fn record_entitlements(
        &self,
        entitlements: &[Entitlement],
    ) -> Result<usize, PremiumError> {
        let fresh: Vec<Entitlement> = {
            let seen = self
                .seen
                .lock()
                .unwrap_or_else(|poison| poison.into_inner());
            entitlements
                .iter()
                .filter(|entitlement| seen.get(&entitlement.id) != Some(*entitlement))
                .cloned()
                .collect()
        };
        if fresh.is_empty() {
            return Ok(0);
        }
        let now = self.clock.now();
        let changed = store::put_entitlements(&self.db, &fresh, now).await?;
        {
            let mut seen = self
                .seen
                .lock()
                .unwrap_or_else(|poison| poison.into_inner());
            seen.extend(
                fresh
                    .into_iter()
                    .map(|entitlement| (entitlement.id, entitlement)),
            );
        }
        let skus = self.sku_tiers();
        let mut guilds: Vec<GuildId> = Vec::new();
        for (entitlement, previous) in &changed {
            let Some(guild) = entitlement
                .guild
                .or(previous.as_ref().and_then(|previous| previous.guild))
            else {
                continue;
            };
            if !skus.contains_key(&entitlement.sku.get()) {
                tracing::warn!(
                    %guild,
                    sku = %entitlement.sku,
                    "an entitlement for a SKU not in premium.skus grants nothing"
                );
            }
            if let Some(ends) = entitlement.ends_at
                && ends > now
                && !entitlement.deleted
            {
                self.schedule_end(guild, ends).await?;
            }
            if !guilds.contains(&guild) {
                guilds.push(guild);
            }
        }
        for guild in guilds {
            self.changed(guild).await?;
        }
        Ok(changed.len())
    }

    /// The time on this service's clock: a fetch notes it before asking Discord, for
    /// [`Self::replace_entitlements`].
    pub fn now(&self) -> UnixMillis {
        self.clock.now()
    }

    /// Takes the application's entitlements as Discord listed them when a fetch started at
    /// `fetched_at` (the startup fetch): each is stored, and a stored one Discord no longer
    /// lists was deleted while the bot was away. An entitlement an event or an interaction
    /// brought after the fetch started is newer than the list and is left as it is (a
    /// subscription bought during the fetch is not marked deleted, a refund not undone).
    /// Returns how many changed.
    ///
    /// # Errors
    /// Storage errors.
    pub async fn replace_entitlements(
        &self,
        current: &[Entitlement],
        fetched_at: UnixMillis,
    ) -> Result<usize, PremiumError> {
        let newer = store::seen_since(&self.db, fetched_at).await?;
        let listed: std::collections::HashSet<_> = current.iter().map(|e| e.id).collect();
        let mut all: Vec<Entitlement> = current
            .iter()
            .filter(|entitlement| !newer.contains(&entitlement.id))
            .cloned()
            .collect();
        all.extend(
            store::entitlements(&self.db, None)
                .await?
                .into_iter()
                .filter(|stored| {
                    !stored.deleted && !listed.contains(&stored.id) && !newer.contains(&stored.id)
                })
                .map(|stored| Entitlement {
                    deleted: true,
                    ..stored
                }),
        );
        self.record_entitlements(&all).await
    }

    async fn schedule_end(&self, guild: GuildId, at: UnixMillis) -> Result<(), PremiumError> {
        let payload = ExpirePayload { guild, at };
        self.ledger
            .schedule(NewJob::of(&payload, at).dedupe(format!("{guild}:{}", at.0)))
            .await?;
        Ok(())
    }

    /// Reloads the guild here and tells the other processes (the bus, and the change log
    /// they poll).
    async fn changed(&self, guild: GuildId) -> Result<(), PremiumError> {
        store::note_change(&self.db, guild, self.clock.now()).await?;
        self.reload(guild).await?;
        if let Err(error) = self.coordination.publish(TOPIC, &guild.to_string()).await {
            // The others still pick it up at their next poll.
            tracing::warn!(%guild, %error, "could not announce a premium change");
        }
        Ok(())
    }

    /// Keeps this process's tiers in step with changes made anywhere: reloads a guild when a
    /// change is announced, and every `poll` the guilds the change log names since the last
    /// (another process without Redis, or a lost message). Ends need no poll: a tier's end is
    /// compared with the clock at every lookup.
    ///
    /// # Errors
    /// When the subscription cannot be made.
    pub async fn spawn_sync(
        self: &Arc<Self>,
        poll: Duration,
        shutdown: CancellationToken,
    ) -> Result<JoinHandle<()>, PremiumError> {
        let subscription = self
            .coordination
            .subscribe(TOPIC)
            .await
            .map_err(|error| PremiumError::Invalid(error.to_string()))?;
        Ok(crate::coordination::follow(
            Arc::clone(self),
            subscription,
            poll,
            shutdown,
        ))
    }

    /// Reloads the guilds whose premium changed since the last poll.
    pub async fn poll_changes(&self) {
        use std::sync::atomic::Ordering;
        let after = self.seen_change.load(Ordering::SeqCst);
        match crate::db::ChangeLog::Premium.since(&self.db, after).await {
            Ok((guilds, latest)) => {
                for guild in guilds {
                    if let Err(error) = self.reload(guild).await {
                        tracing::warn!(%guild, %error, "could not reload premium");
                    }
                }
                self.seen_change.fetch_max(latest, Ordering::SeqCst);
            }
            Err(error) => tracing::warn!(%error, "could not poll premium changes"),
        }
    }

    /// Runs an [`EXPIRE`] job: reloads the guild everywhere and audits the end when the guild
    /// dropped a tier.
    ///
    /// # Errors
    /// Storage errors.
    pub async fn expired(&self, payload: &ExpirePayload) -> Result<(), PremiumError> {
        let before = self.tier_at(payload.guild, UnixMillis(payload.at.0 - 1));
        self.changed(payload.guild).await?;
        let after = self.tier(payload.guild);
        if after < before {
            crate::audit::record(
                &self.db,
                self.clock.now(),
                "guildhall",
                "premium.ended",
                Some(payload.guild),
                Some(before.as_str()),
                &json!({ "from": before, "to": after, "at": payload.at }),
            )
            .await?;
            tracing::info!(guild = %payload.guild, from = %before, to = %after, "premium ended");
        }
        Ok(())
    }
}

#[async_trait::async_trait]
impl crate::coordination::Follower for PremiumService {
    async fn announced(&self, message: &str) {
        match message.parse::<GuildId>() {
            Ok(guild) => {
                if let Err(error) = self.reload(guild).await {
                    tracing::warn!(%guild, %error, "could not reload premium");
                }
            }
            Err(error) => tracing::warn!(%error, "unreadable premium announcement"),
        }
    }

    async fn poll(&self) {
        self.poll_changes().await;
    }
}

fn grant_window(grant: &Grant) -> Window {
    Window {
        tier: grant.tier,
        source: Source::Grant {
            by: grant.granted_by.clone(),
            note: grant.note.clone(),
        },
        from: None,
        until: grant.expires_at,
    }
}

fn entitlement_window(
    entitlement: &Entitlement,
    skus: &HashMap<u64, Tier>,
) -> Option<(GuildId, Window)> {
    let guild = entitlement.guild?;
    if entitlement.deleted {
        return None;
    }
    let tier = *skus.get(&entitlement.sku.get())?;
    Some((
        guild,
        Window {
            tier,
            source: Source::Entitlement {
                id: entitlement.id,
                sku: entitlement.sku,
                entitlement_kind: entitlement.kind,
            },
            from: entitlement.starts_at,
            until: entitlement.ends_at,
        },
    ))
}

/// Ends premium on time: [`PremiumService::expired`].
#[derive(Debug)]
pub struct ExpirePremium {
    service: Arc<PremiumService>,
}

impl ExpirePremium {
    /// The handler.
    pub fn new(service: Arc<PremiumService>) -> Self {
        Self { service }
    }
}

#[async_trait::async_trait]
impl crate::jobs::JobHandler for ExpirePremium {
    type Job = ExpirePayload;

    async fn run(
        &self,
        payload: ExpirePayload,
        _job: &crate::jobs::JobRecord,
    ) -> Result<crate::jobs::JobOutcome, crate::jobs::JobFailure> {
        self.service
            .expired(&payload)
            .await
            .map_err(|error| crate::jobs::JobFailure::retry(error.to_string()))?;
        Ok(crate::jobs::JobOutcome::Done)
    }
}
