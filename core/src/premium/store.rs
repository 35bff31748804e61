//! Premium's tables: the operator's grants, Discord's entitlements as last seen, and the
//! webhooks posting with a guild's own name.

use serde::{Deserialize, Serialize};
use sqlx::Row as _;
use sqlx::any::AnyRow;

use super::tier::Tier;
use crate::clock::UnixMillis;
use crate::db::{Db, DbError};
use crate::ids::{ChannelId, EntitlementId, GuildId, SkuId, UserId, WebhookId};

/// The operator's grant of a tier to a guild.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    /// The guild.
    pub guild: GuildId,
    /// The tier granted.
    pub tier: Tier,
    /// When it ends; `None` lasts until revoked.
    pub expires_at: Option<UnixMillis>,
    /// Who granted it (`operator:cli`, `user:123 (dashboard)`).
    pub granted_by: String,
    /// When.
    pub granted_at: UnixMillis,
    /// Why, as the operator wrote it.
    pub note: String,
}

/// A Discord entitlement as the bot last saw it. Only guild entitlements grant a guild a tier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entitlement {
    /// Discord's id.
    pub id: EntitlementId,
    /// The SKU it is for.
    pub sku: SkuId,
    /// The guild that has it (guild subscriptions).
    pub guild: Option<GuildId>,
    /// The user that has it, or bought it.
    pub user: Option<UserId>,
    /// Discord's entitlement type (8 an app subscription, 4 a test purchase).
    pub kind: u8,
    /// When it starts; `None` (a test entitlement) has always started.
    pub starts_at: Option<UnixMillis>,
    /// When it ends; `None` is active until Discord deletes it or sets an end.
    pub ends_at: Option<UnixMillis>,
    /// Refunded, removed by Discord, or a deleted test entitlement.
    pub deleted: bool,
}

impl Entitlement {
    /// Whether it grants access at `now`.
    pub fn active_at(&self, now: UnixMillis) -> bool {
        !self.deleted
            && self.starts_at.is_none_or(|starts| starts <= now)
            && self.ends_at.is_none_or(|ends| now < ends)
    }
}

fn grant_of(row: &AnyRow) -> Result<Grant, DbError> {
    let tier: String = row.try_get("tier")?;
    Ok(Grant {
        guild: GuildId::from_db(row.try_get("guild_id")?),
        tier: Tier::parse(&tier).map_err(DbError::Corrupt)?,
        expires_at: row.try_get::<Option<i64>, _>("expires_at")?.map(UnixMillis),
        granted_by: row.try_get("granted_by")?,
        granted_at: UnixMillis(row.try_get("granted_at")?),
        note: row.try_get("note")?,
    })
}

const GRANT_COLUMNS: &str = "guild_id, tier, expires_at, granted_by, granted_at, note";

/// Every grant.
///
/// # Errors
/// Storage errors.
pub async fn grants(db: &Db) -> Result<Vec<Grant>, DbError> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {GRANT_COLUMNS} FROM premium_grants ORDER BY guild_id"
    )))
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(grant_of).collect()
}

/// The guild's grant, if it has one.
///
/// # Errors
/// Storage errors.
pub async fn grant_of_guild(db: &Db, guild: GuildId) -> Result<Option<Grant>, DbError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {GRANT_COLUMNS} FROM premium_grants WHERE guild_id = $1"
    )))
    .bind(guild.to_db())
    .fetch_optional(db.pool())
    .await?;
    row.as_ref().map(grant_of).transpose()
}

/// Stores a grant, replacing the guild's previous one.
///
/// # Errors
/// Storage errors.
pub async fn put_grant(db: &Db, grant: &Grant) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO premium_grants (guild_id, tier, expires_at, granted_by, granted_at, note)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (guild_id) DO UPDATE SET tier = excluded.tier,
             expires_at = excluded.expires_at, granted_by = excluded.granted_by,
             granted_at = excluded.granted_at, note = excluded.note",
    )
    .bind(grant.guild.to_db())
    .bind(grant.tier.as_str().to_owned())
    .bind(grant.expires_at.map(|at| at.0))
    .bind(grant.granted_by.clone())
    .bind(grant.granted_at.0)
    .bind(grant.note.clone())
    .execute(db.pool())
    .await?;
    Ok(())
}

/// Removes the guild's grant; whether there was one.
///
/// # Errors
/// Storage errors.
pub async fn delete_grant(db: &Db, guild: GuildId) -> Result<bool, DbError> {
    let done = sqlx::query("DELETE FROM premium_grants WHERE guild_id = $1")
        .bind(guild.to_db())
        .execute(db.pool())
        .await?;
    Ok(done.rows_affected() > 0)
}

const ENTITLEMENT_COLUMNS: &str =
    "entitlement_id, sku_id, guild_id, user_id, kind, starts_at, ends_at, deleted";

fn entitlement_of(row: &AnyRow) -> Result<Entitlement, DbError> {
    let kind: i64 = row.try_get("kind")?;
    Ok(Entitlement {
        id: EntitlementId::from_db(row.try_get("entitlement_id")?),
        sku: SkuId::from_db(row.try_get("sku_id")?),
        guild: row
            .try_get::<Option<i64>, _>("guild_id")?
            .map(GuildId::from_db),
        user: row
            .try_get::<Option<i64>, _>("user_id")?
            .map(UserId::from_db),
        kind: u8::try_from(kind).unwrap_or(0),
        starts_at: row.try_get::<Option<i64>, _>("starts_at")?.map(UnixMillis),
        ends_at: row.try_get::<Option<i64>, _>("ends_at")?.map(UnixMillis),
        deleted: row.try_get::<i64, _>("deleted")? != 0,
    })
}

/// Every stored entitlement, or one guild's.
///
/// # Errors
/// Storage errors.
pub async fn entitlements(db: &Db, guild: Option<GuildId>) -> Result<Vec<Entitlement>, DbError> {
    let rows = match guild {
        Some(guild) => {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {ENTITLEMENT_COLUMNS} FROM premium_entitlements WHERE guild_id = $1
                 ORDER BY entitlement_id"
            )))
            .bind(guild.to_db())
            .fetch_all(db.pool())
            .await?
        }
        None => {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {ENTITLEMENT_COLUMNS} FROM premium_entitlements ORDER BY entitlement_id"
            )))
            .fetch_all(db.pool())
            .await?
        }
    };
    rows.iter().map(entitlement_of).collect()
}

/// Stores entitlements as Discord sent them, in one transaction, and returns each one that
/// changed with its previous copy (none for a new one); each change gets its
/// `premium.entitlement` audit row in the same transaction.
///
/// # Errors
/// Storage errors; nothing is stored then.
pub async fn put_entitlements(
    db: &Db,
    entitlements: &[Entitlement],
    seen_at: UnixMillis,
) -> Result<Vec<(Entitlement, Option<Entitlement>)>, DbError> {
    let mut tx = db.pool().begin().await?;
    let mut changed = Vec::new();
    for entitlement in entitlements {
        let previous = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ENTITLEMENT_COLUMNS} FROM premium_entitlements WHERE entitlement_id = $1"
        )))
        .bind(entitlement.id.to_db())
        .fetch_optional(&mut *tx)
        .await?
        .as_ref()
        .map(entitlement_of)
        .transpose()?;
        if previous.as_ref() == Some(entitlement) {
            continue;
        }
        sqlx::query(
            "INSERT INTO premium_entitlements
                 (entitlement_id, sku_id, guild_id, user_id, kind, starts_at, ends_at, deleted, seen_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
             ON CONFLICT (entitlement_id) DO UPDATE SET sku_id = excluded.sku_id,
                 guild_id = excluded.guild_id, user_id = excluded.user_id, kind = excluded.kind,
                 starts_at = excluded.starts_at, ends_at = excluded.ends_at,
                 deleted = excluded.deleted, seen_at = excluded.seen_at",
        )
        .bind(entitlement.id.to_db())
        .bind(entitlement.sku.to_db())
        .bind(entitlement.guild.map(GuildId::to_db))
        .bind(entitlement.user.map(UserId::to_db))
        .bind(i64::from(entitlement.kind))
        .bind(entitlement.starts_at.map(|at| at.0))
        .bind(entitlement.ends_at.map(|at| at.0))
        .bind(i64::from(entitlement.deleted))
        .bind(seen_at.0)
        .execute(&mut *tx)
        .await?;
        let guild = entitlement
            .guild
            .or(previous.as_ref().and_then(|previous| previous.guild));
        crate::audit::record_with(
            &mut *tx,
            seen_at,
            "discord",
            "premium.entitlement",
            guild,
            Some(&entitlement.id.to_string()),
            &serde_json::json!({
                "sku": entitlement.sku,
                "kind": entitlement.kind,
                "ends_at": entitlement.ends_at,
                "deleted": entitlement.deleted,
                "new": previous.is_none(),
            }),
        )
        .await?;
        changed.push((entitlement.clone(), previous));
    }
    tx.commit().await?;
    Ok(changed)
}

/// The entitlements stored at or after `at` (by an event or an interaction during a fetch).
///
/// # Errors
/// Storage errors.
pub async fn seen_since(
    db: &Db,
    at: UnixMillis,
) -> Result<std::collections::HashSet<EntitlementId>, DbError> {
    let ids: Vec<i64> =
        sqlx::query_scalar("SELECT entitlement_id FROM premium_entitlements WHERE seen_at >= $1")
            .bind(at.0)
            .fetch_all(db.pool())
            .await?;
    Ok(ids.into_iter().map(EntitlementId::from_db).collect())
}

/// A webhook the bot made in a channel to post with the guild's name and avatar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityWebhook {
    /// The webhook.
    pub id: WebhookId,
    /// Its token (a secret: it lets anyone post through the webhook).
    pub token: String,
}

/// The webhook the bot keeps in a channel of the guild.
///
/// # Errors
/// Storage errors.
pub async fn webhook(
    db: &Db,
    guild: GuildId,
    channel: ChannelId,
) -> Result<Option<IdentityWebhook>, DbError> {
    let row = sqlx::query(
        "SELECT webhook_id, token FROM premium_webhooks WHERE guild_id = $1 AND channel_id = $2",
    )
    .bind(guild.to_db())
    .bind(channel.to_db())
    .fetch_optional(db.pool())
    .await?;
    row.map(|row| {
        Ok(IdentityWebhook {
            id: WebhookId::from_db(row.try_get("webhook_id")?),
            token: row.try_get("token")?,
        })
    })
    .transpose()
}

/// Remembers the webhook made in a channel, replacing one that was deleted.
///
/// # Errors
/// Storage errors.
pub async fn put_webhook(
    db: &Db,
    guild: GuildId,
    channel: ChannelId,
    webhook: &IdentityWebhook,
    at: UnixMillis,
) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO premium_webhooks (guild_id, channel_id, webhook_id, token, created_at)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (guild_id, channel_id) DO UPDATE SET webhook_id = excluded.webhook_id,
             token = excluded.token, created_at = excluded.created_at",
    )
    .bind(guild.to_db())
    .bind(channel.to_db())
    .bind(webhook.id.to_db())
    .bind(webhook.token.clone())
    .bind(at.0)
    .execute(db.pool())
    .await?;
    Ok(())
}

/// Forgets a webhook Discord no longer has.
///
/// # Errors
/// Storage errors.
pub async fn forget_webhook(db: &Db, guild: GuildId, id: WebhookId) -> Result<(), DbError> {
    sqlx::query("DELETE FROM premium_webhooks WHERE guild_id = $1 AND webhook_id = $2")
        .bind(guild.to_db())
        .bind(id.to_db())
        .execute(db.pool())
        .await?;
    Ok(())
}

/// Notes that a guild's premium changed, for the processes that poll.
///
/// # Errors
/// Storage errors.
pub async fn note_change(db: &Db, guild: GuildId, at: UnixMillis) -> Result<(), DbError> {
    sqlx::query("INSERT INTO premium_changes (guild_id, at) VALUES ($1, $2)")
        .bind(guild.to_db())
        .bind(at.0)
        .execute(db.pool())
        .await?;
    Ok(())
}
