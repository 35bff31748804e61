//! SKUs and entitlements (`/applications/{app}/skus`, `/applications/{app}/entitlements`), as
//! Discord documents them: the list paginated by id with `exclude_deleted` on and
//! `exclude_ended` off by default, test entitlements answered partially and deletable (other
//! entitlements are not: 40019), only consumable SKUs consumable (40018).

use guildhall_core::ids::{GuildId, UserId};
use serde_json::Value;

use super::{Answer, ApiError, Req, no_content, ok, query_checks};
use crate::State;
use crate::model::{ENTITLEMENT_TEST_MODE_PURCHASE, Entitlement, SKU_CONSUMABLE};
use crate::payloads;

pub(crate) fn unknown_sku() -> ApiError {
    ApiError::new(404, 10027, "Unknown SKU")
}

pub(crate) fn unknown_entitlement() -> ApiError {
    ApiError::new(404, 10029, "Unknown Entitlement")
}

fn check_app(st: &State, app: &str) -> Result<(), ApiError> {
    if app == st.world.bot.to_string() {
        Ok(())
    } else {
        Err(ApiError::new(404, 10002, "Unknown Application"))
    }
}

/// `GET /applications/{app}/skus`: every SKU, the auto-created SUBSCRIPTION_GROUP included.
pub(super) fn list_skus(st: &State, app: &str) -> Answer {
    check_app(st, app)?;
    ok(Value::Array(
        st.world
            .skus
            .iter()
            .map(|s| payloads::sku(&st.world, s))
            .collect(),
    ))
}

/// `GET /applications/{app}/entitlements`. Discord pages by id: with `after`, the entitlements
/// with greater ids, oldest first; otherwise (`before` or nothing) the newest ones below
/// `before`, newest first.
pub(super) fn list_entitlements(st: &State, app: &str, req: &Req) -> Answer {
    check_app(st, app)?;
    let q = query_checks(req, "GET", &["applications", app, "entitlements"])?;
    let user = q.snowflake("user_id").map(UserId::new);
    let guild = q.snowflake("guild_id").map(GuildId::new);
    let before = q.snowflake("before");
    let after = q.snowflake("after");
    let limit = usize::try_from(q.integer("limit").unwrap_or(100)).unwrap_or(100);
    let exclude_ended = q.boolean("exclude_ended").unwrap_or(false);
    let exclude_deleted = q.boolean("exclude_deleted").unwrap_or(true);
    let skus: Option<Vec<u64>> = req.query("sku_ids").map(|list| {
        list.split(',')
            .filter_map(|s| s.trim().parse::<u64>().ok())
            .collect()
    });
    let now = st.world.now();
    let matching = st.world.entitlements.values().filter(|e| {
        user.is_none_or(|u| e.user == Some(u))
            && guild.is_none_or(|g| e.guild == Some(g))
            && skus.as_ref().is_none_or(|list| list.contains(&e.sku))
            && before.is_none_or(|b| e.id < b)
            && after.is_none_or(|a| e.id > a)
            && !(exclude_deleted && e.deleted)
            && !(exclude_ended && e.ended(now))
    });
    let page: Vec<Value> = if after.is_some() {
        matching
            .take(limit)
            .map(|e| payloads::entitlement(&st.world, e, false))
            .collect()
    } else {
        matching
            .rev()
            .take(limit)
            .map(|e| payloads::entitlement(&st.world, e, false))
            .collect()
    };
    ok(Value::Array(page))
}

/// `GET /applications/{app}/entitlements/{id}`.
pub(super) fn get_entitlement(st: &State, app: &str, id: &str) -> Answer {
    check_app(st, app)?;
    let id: u64 = id.parse().map_err(|_| unknown_entitlement())?;
    let e = st
        .world
        .entitlements
        .get(&id)
        .ok_or_else(unknown_entitlement)?;
    ok(payloads::entitlement(&st.world, e, false))
}

fn snowflake_field(body: &Value, key: &str) -> Option<u64> {
    match body.get(key)? {
        Value::String(text) => text.parse().ok(),
        Value::Number(n) => n.as_u64(),
        _ => None,
    }
}

/// Who a test entitlement is for.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Owner {
    Guild(GuildId),
    User(UserId),
}

/// Creates a test entitlement (type 4, valid in perpetuity) and dispatches
/// ENTITLEMENT_CREATE: the SKU must exist, the owner must exist, and the owner must not hold
/// an active entitlement to the SKU already (40074).
pub(crate) fn create_test(st: &mut State, sku: u64, owner: Owner) -> Result<Entitlement, ApiError> {
    if !st.world.skus.iter().any(|s| s.id == sku) {
        return Err(unknown_sku());
    }
    let (user, guild) = match owner {
        Owner::Guild(g) => {
            if st.world.guild(g).is_none() {
                return Err(ApiError::unknown_guild());
            }
            (None, Some(g))
        }
        Owner::User(u) => {
            if st.world.user(u).is_none() {
                return Err(ApiError::unknown_user());
            }
            (Some(u), None)
        }
    };
    let now = st.world.now();
    if st
        .world
        .entitlements
        .values()
        .any(|e| e.sku == sku && e.user == user && e.guild == guild && e.active(now))
    {
        return Err(ApiError::new(
            400,
            40074,
            "An entitlement has already been granted for this resource",
        ));
    }
    let entitlement = Entitlement {
        id: st.world.snowflake(),
        sku,
        user,
        guild,
        kind: ENTITLEMENT_TEST_MODE_PURCHASE,
        deleted: false,
        starts_at: None,
        ends_at: None,
        consumed: Some(false),
        test: true,
        subscription: None,
    };
    st.world
        .entitlements
        .insert(entitlement.id, entitlement.clone());
    st.entitlement_event("ENTITLEMENT_CREATE", entitlement.id);
    Ok(entitlement)
}

/// `POST /applications/{app}/entitlements`: a test entitlement, answered partially.
pub(super) fn create_entitlement(st: &mut State, app: &str, req: &Req) -> Answer {
    check_app(st, app)?;
    let sku = snowflake_field(&req.body, "sku_id").ok_or_else(unknown_sku)?;
    let owner_id = snowflake_field(&req.body, "owner_id").unwrap_or(0);
    let owner = match req.body.get("owner_type").and_then(|t| match t {
        Value::String(text) => text.parse::<u64>().ok(),
        other => other.as_u64(),
    }) {
        Some(1) => Owner::Guild(GuildId::new(owner_id.max(1))),
        Some(2) => Owner::User(UserId::new(owner_id.max(1))),
        _ => {
            return Err(ApiError::field(
                "owner_type",
                "BASE_TYPE_CHOICES",
                "Value must be one of {1, 2}.",
            ));
        }
    };
    let entitlement = create_test(st, sku, owner)?;
    ok(payloads::entitlement(&st.world, &entitlement, true))
}

/// Deletes a test entitlement (ENTITLEMENT_DELETE with `deleted: true`); any other is refused
/// with `40019 You can only delete sandbox entitlements.`
pub(crate) fn delete_test(st: &mut State, id: u64) -> Result<(), ApiError> {
    let e = st
        .world
        .entitlements
        .get_mut(&id)
        .filter(|e| !e.deleted)
        .ok_or_else(unknown_entitlement)?;
    if !e.test {
        return Err(ApiError::new(
            400,
            40019,
            "You can only delete sandbox entitlements.",
        ));
    }
    e.deleted = true;
    st.entitlement_event("ENTITLEMENT_DELETE", id);
    Ok(())
}

/// `DELETE /applications/{app}/entitlements/{id}`.
pub(super) fn delete_entitlement(st: &mut State, app: &str, id: &str) -> Answer {
    check_app(st, app)?;
    let id: u64 = id.parse().map_err(|_| unknown_entitlement())?;
    delete_test(st, id)?;
    no_content()
}

/// `POST /applications/{app}/entitlements/{id}/consume`: consumable SKUs only (40018).
pub(super) fn consume(st: &mut State, app: &str, id: &str) -> Answer {
    check_app(st, app)?;
    let id: u64 = id.parse().map_err(|_| unknown_entitlement())?;
    let e = st
        .world
        .entitlements
        .get(&id)
        .filter(|e| !e.deleted)
        .ok_or_else(unknown_entitlement)?;
    let consumable = st
        .world
        .skus
        .iter()
        .any(|s| s.id == e.sku && s.kind == SKU_CONSUMABLE);
    if !consumable {
        return Err(ApiError::new(
            400,
            40018,
            "Only consumable SKUs can be consumed",
        ));
    }
    // Discord documents no gateway event for a consumption.
    if let Some(e) = st.world.entitlements.get_mut(&id) {
        e.consumed = Some(true);
    }
    no_content()
}
