//! Premium: per-guild tiers (free, premium; room for more), granted by the operator (CLI,
//! console, the operator's dashboard page) or through Discord's own guild subscriptions
//! (entitlements), each change audited.
//!
//! Files by use case: `tier.rs` (the tiers, [`PERKS`] — what each tier unlocks, by feature — and
//! the limits by tier from `guildhall.toml`), `service.rs` ([`PremiumService`]: each guild's
//! tier resolved in memory — no database read on the hot path —, kept in step across
//! processes like settings; the gate [`PremiumService::require`] and
//! [`PremiumService::check_limit`]; grants, entitlements and the `premium.expire` job),
//! `gate.rs` (the wall and the limit sentence every surface shows, with Discord's premium
//! button), `branding.rs` (the `branding` section: the custom bot name and avatar, and the
//! embed theme applied by [`branding::dress`]), `store.rs` (SQL), `usage.rs` (each limit's use).
//!
//! When premium ends nothing is deleted: what needs premium stops where it starts or runs (the
//! gate), pages mark it paused with the reason, limits refuse new items only, and timers
//! already running (a timed role's end) still run. Premium again resumes it all.

pub mod branding;
pub mod gate;
pub mod service;
pub mod store;
pub mod tier;
pub mod usage;

pub use branding::Branding;
pub use gate::{LimitReached, PremiumRequired};
pub use service::{
    EXPIRE, ExpirePayload, ExpirePremium, PremiumError, PremiumService, Source, Status, Window,
};
pub use store::{Entitlement, Grant, IdentityWebhook};
pub use tier::{LimitKind, Limits, PERKS, Perk, PerkSpec, PremiumConfig, Tier, TierLimits};
pub use usage::{LimitUse, Paused, paused, usage};

#[cfg(test)]
mod tests;
