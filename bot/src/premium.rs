//! Discord's subscriptions as the core's premium sees them: the application's entitlements
//! fetched once the bot is connected (`GET /applications/{app}/entitlements`, every page), then
//! kept current from ENTITLEMENT_CREATE/UPDATE/DELETE and from the `entitlements` every
//! interaction carries (recorded before the command or click runs, so a member who just
//! subscribed is not shown the wall).

use guildhall_core::clock::UnixMillis;
use guildhall_core::ids::{EntitlementId, GuildId, SkuId, UserId};
use guildhall_core::premium::Entitlement;
use serde_json::Value;
use serenity::all as discord;

use guildhall_core::premium::PremiumService;

use crate::executor::payload::Call;
use crate::executor::{Executor, Method};
use crate::{BotData, BotError, convert};

/// A serenity entitlement as the core's.
pub fn entitlement(entitlement: &discord::Entitlement) -> Entitlement {
    Entitlement {
        id: EntitlementId::new(entitlement.id.get()),
        sku: SkuId::new(entitlement.sku_id.get()),
        guild: entitlement.guild_id.map(convert::guild),
        user: entitlement.user_id.map(convert::user),
        kind: u8::from(entitlement.kind.clone()),
        starts_at: entitlement.starts_at.map(convert::time),
        ends_at: entitlement.ends_at.map(convert::time),
        deleted: entitlement.deleted,
    }
}

/// Records an entitlement Discord sent (an event or an interaction).
pub async fn record(data: &BotData, entitlement: &discord::Entitlement, deleted: bool) {
    let mut seen = self::entitlement(entitlement);
    seen.deleted |= deleted;
    if let Err(error) = data.premium.record_entitlement(&seen).await {
        tracing::error!(entitlement = %seen.id, %error, "could not record an entitlement");
    }
}

/// Records the entitlements an interaction carries (only guild ones matter to premium).
pub async fn record_interaction(data: &BotData, entitlements: &[discord::Entitlement]) {
    for entitlement in entitlements.iter().filter(|e| e.guild_id.is_some()) {
        record(data, entitlement, false).await;
    }
}

fn from_json(value: &Value) -> Option<Entitlement> {
    let id = |key: &str| {
        value[key]
            .as_str()
            .and_then(|text| text.parse::<u64>().ok())
    };
    let time = |key: &str| value[key].as_str().and_then(chrono_free_rfc3339);
    Some(Entitlement {
        id: EntitlementId::new(id("id")?),
        sku: SkuId::new(id("sku_id")?),
        guild: id("guild_id").map(GuildId::new),
        user: id("user_id").map(UserId::new),
        kind: u8::try_from(value["type"].as_u64()?).ok()?,
        starts_at: time("starts_at"),
        ends_at: time("ends_at"),
        deleted: value["deleted"].as_bool().unwrap_or(false),
    })
}

fn chrono_free_rfc3339(text: &str) -> Option<UnixMillis> {
    discord::Timestamp::parse(text).ok().map(convert::time)
}

/// Fetches every entitlement of the application, a page of 100 at a time, and hands them to
/// the core, which also marks deleted those Discord no longer lists.
///
/// # Errors
/// [`BotError::Discord`] when Discord refuses or fails.
pub async fn fetch_all(
    executor: &Executor,
    premium: &PremiumService,
    application: u64,
) -> Result<usize, BotError> {
    // Anything an event brings from now on is newer than this list.
    let fetched_at = premium.now();
    let mut all = Vec::new();
    // From the oldest: Discord lists ascending ids after `after` (without it, the newest first,
    // which cannot be paged forward).
    let mut after: u64 = 0;
    loop {
        let path = format!("/applications/{application}/entitlements?limit=100&after={after}");
        let page = executor
            .send(
                None,
                Call {
                    method: Method::Get,
                    path,
                    body: None,
                    reason: None,
                    files: Vec::new(),
                },
            )
            .await?
            .unwrap_or(Value::Null);
        let Some(items) = page.as_array() else {
            break;
        };
        let read: Vec<Entitlement> = items.iter().filter_map(from_json).collect();
        let last = read.iter().map(|e| e.id.get()).max();
        let full = items.len() >= 100;
        all.extend(read);
        match last {
            Some(last) if full && last > after => after = last,
            _ => break,
        }
    }
    let changed = premium
        .replace_entitlements(&all, fetched_at)
        .await
        .map_err(|error| BotError::Internal(error.to_string()))?;
    tracing::info!(
        entitlements = all.len(),
        changed,
        "fetched the application's entitlements"
    );
    Ok(changed)
}
