//! How much of each limit a guild uses: the counts the dashboard, the CLI and the console show
//! beside the limits of its tier.

use serde::Serialize;

use super::tier::{LimitKind, Tier};
use crate::composition::Core;
use crate::db::DbError;
use crate::ids::GuildId;

/// One limit and its use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LimitUse {
    /// What is counted (its key in `guildhall.toml`).
    pub kind: &'static str,
    /// In words ("role panels").
    pub noun: &'static str,
    /// How many the guild has; `None` where the feature is not built yet.
    pub used: Option<u64>,
    /// The most the guild's tier allows.
    pub limit: u32,
    /// What each tier allows, lowest first.
    pub by_tier: Vec<(Tier, u32)>,
}

impl LimitUse {
    /// Whether the guild has more than its tier allows (it dropped a tier): what it has keeps
    /// working, new ones are refused.
    pub fn over(&self) -> bool {
        self.used.is_some_and(|used| used > u64::from(self.limit))
    }
}

/// Every limit of the guild's tier with its use.
///
/// # Errors
/// Storage errors.
pub async fn usage(core: &Core, guild: GuildId) -> Result<Vec<LimitUse>, DbError> {
    let config = core.premium.config();
    let limits = core.premium.limits(guild);
    let mut out = Vec::new();
    for kind in LimitKind::ALL {
        let used = match kind {
            LimitKind::RolePanels => Some(core.roles.panel_count(guild).await?),
            LimitKind::Giveaways => Some(core.giveaways.running_count(guild).await?),
            LimitKind::LogChannels => core
                .config
                .get(guild)
                .await
                .ok()
                .map(|settings| settings.logging.log_channels().len() as u64),
            _ => None,
        };
        out.push(LimitUse {
            kind: kind.key(),
            noun: kind.noun(),
            used,
            limit: limits.of(kind),
            by_tier: Tier::ALL
                .into_iter()
                .map(|tier| (tier, config.limits.of(tier).of(kind)))
                .collect(),
        });
    }
    Ok(out)
}

/// Something the guild set up that needs a perk its tier lacks now: kept, not running.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Paused {
    /// What it is, in words ("role panel #3 “Colours” (timed roles)").
    pub what: String,
    /// The perk it needs.
    pub perk: super::Perk,
    /// Why it is paused, for the page.
    pub reason: String,
}

/// What the guild has that is paused because its tier lacks a perk (nothing when it has them
/// all): timed role panels, its custom name and avatar, its embed theme.
///
/// # Errors
/// Storage errors.
pub async fn paused(core: &Core, guild: GuildId) -> Result<Vec<Paused>, DbError> {
    use super::Perk;
    let mut out = Vec::new();
    let reason = |perk: Perk| {
        format!(
            "paused: {} need Guildhall {} and this server is on {}; it is kept and resumes with premium",
            perk.title(),
            perk.spec().tier.title(),
            core.premium.tier(guild).title()
        )
    };
    if !core.premium.allows(guild, Perk::TimedRoles) {
        let rows: Vec<(i64, String)> = sqlx::query_as(
            "SELECT id, title FROM role_panels WHERE guild_id = $1 AND timed_secs IS NOT NULL ORDER BY id",
        )
        .bind(guild.to_db())
        .fetch_all(core.db.pool())
        .await?;
        for (id, title) in rows {
            out.push(Paused {
                what: format!("Role panel #{id} “{title}” (gives timed roles)"),
                perk: Perk::TimedRoles,
                reason: reason(Perk::TimedRoles),
            });
        }
    }
    if let Ok(settings) = core.config.get(guild).await {
        let branding = &settings.branding;
        if branding.identity().is_some() && !core.premium.allows(guild, Perk::CustomIdentity) {
            out.push(Paused {
                what: "The bot's name and avatar on posts".into(),
                perk: Perk::CustomIdentity,
                reason: reason(Perk::CustomIdentity),
            });
        }
        if branding.has_theme() && !core.premium.allows(guild, Perk::EmbedThemes) {
            out.push(Paused {
                what: "The embed theme".into(),
                perk: Perk::EmbedThemes,
                reason: reason(Perk::EmbedThemes),
            });
        }
    }
    Ok(out)
}
