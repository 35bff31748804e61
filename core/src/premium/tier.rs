//! What premium is: the tiers, the perks each unlocks (one table, [`PERKS`]), and the limits by
//! tier, which the operator sets in `guildhall.toml` (`[premium.limits.free]`,
//! `[premium.limits.premium]`) beside the Discord SKUs that grant a tier (`[premium.skus]`).

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

/// A guild's tier. Ordered: a higher tier has everything a lower one has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    /// Everyone.
    Free,
    /// Paid for, granted by the operator or through a Discord subscription.
    Premium,
}

impl Tier {
    /// Every tier, lowest first.
    pub const ALL: [Self; 2] = [Self::Free, Self::Premium];

    /// Its name in configuration, the CLI and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Free => "free",
            Self::Premium => "premium",
        }
    }

    /// What people call it.
    pub fn title(self) -> &'static str {
        match self {
            Self::Free => "Free",
            Self::Premium => "Premium",
        }
    }

    /// The tier named `name`.
    ///
    /// # Errors
    /// The name and the tiers there are.
    pub fn parse(name: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|tier| tier.as_str() == name.trim())
            .ok_or_else(|| {
                format!(
                    "there is no tier `{name}`; tiers are {}",
                    Self::ALL.map(Self::as_str).join(", ")
                )
            })
    }
}

impl fmt::Display for Tier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Something only a tier above free may use. The gate ([`super::PremiumService::require`]) is
/// the one place that decides; each perk's feature calls it where the perk starts or runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Perk {
    /// Roles given until a time (`/temprole`, timed role panels).
    TimedRoles,
    /// Ticket transcripts downloaded as JSON or HTML.
    TranscriptExport,
    /// Triggers that match a regular expression.
    RegexTriggers,
    /// Automations with more than one stage.
    MultiStageAutomations,
    /// The AI assistant's knowledge base.
    KnowledgeBase,
    /// Analytics downloaded as CSV or JSON.
    AnalyticsExport,
    /// A guild colour, footer and thumbnail on every embed.
    EmbedThemes,
    /// The guild's own bot name and avatar on what the bot posts.
    CustomIdentity,
}

/// One perk: its name, the feature it belongs to, what members call it and the tier it needs.
#[derive(Debug, Clone, Copy)]
pub struct PerkSpec {
    /// The perk.
    pub perk: Perk,
    /// Its name in JSON and the CLI (`timed_roles`).
    pub name: &'static str,
    /// The feature it belongs to (a name in [`crate::features::FEATURES`], or `premium` for
    /// the guild-wide ones).
    pub feature: &'static str,
    /// What members call it, capitalised, plural where it reads so ("Timed roles").
    pub title: &'static str,
    /// The lowest tier that has it.
    pub tier: Tier,
    /// Whether a later issue still has to build it (shown as "coming" beside the others).
    pub built: bool,
}

/// Every perk, in the order the dashboard lists them.
pub const PERKS: &[PerkSpec] = &[
    PerkSpec {
        perk: Perk::TimedRoles,
        name: "timed_roles",
        feature: "roles",
        title: "Timed roles",
        tier: Tier::Premium,
        built: true,
    },
    PerkSpec {
        perk: Perk::TranscriptExport,
        name: "transcript_export",
        feature: "tickets",
        title: "Transcript export",
        tier: Tier::Premium,
        built: true,
    },
    PerkSpec {
        perk: Perk::CustomIdentity,
        name: "custom_identity",
        feature: "premium",
        title: "Custom bot name and avatar",
        tier: Tier::Premium,
        built: true,
    },
    PerkSpec {
        perk: Perk::EmbedThemes,
        name: "embed_themes",
        feature: "premium",
        title: "Custom embed themes",
        tier: Tier::Premium,
        built: true,
    },
    PerkSpec {
        perk: Perk::RegexTriggers,
        name: "regex_triggers",
        feature: "automation",
        title: "Regex triggers",
        tier: Tier::Premium,
        built: true,
    },
    PerkSpec {
        perk: Perk::MultiStageAutomations,
        name: "multi_stage_automations",
        feature: "automation",
        title: "Multi-stage automations",
        tier: Tier::Premium,
        built: true,
    },
    PerkSpec {
        perk: Perk::KnowledgeBase,
        name: "knowledge_base",
        feature: "assistant",
        title: "The AI assistant's knowledge base",
        tier: Tier::Premium,
        built: false,
    },
    PerkSpec {
        perk: Perk::AnalyticsExport,
        name: "analytics_export",
        feature: "logging",
        title: "Analytics export",
        tier: Tier::Premium,
        built: true,
    },
];

impl Perk {
    /// Its entry in [`PERKS`].
    pub fn spec(self) -> &'static PerkSpec {
        PERKS
            .iter()
            .find(|spec| spec.perk == self)
            .unwrap_or(&PERKS[0])
    }

    /// What members call it.
    pub fn title(self) -> &'static str {
        self.spec().title
    }
}

/// What a limit counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LimitKind {
    /// Role panels.
    RolePanels,
    /// Triggers (automation).
    Triggers,
    /// Scheduled messages (automation).
    ScheduledMessages,
    /// Giveaways running at once.
    Giveaways,
    /// Knowledge-base documents (the AI assistant).
    KbDocuments,
    /// Automations.
    Automations,
    /// Log channels.
    LogChannels,
}

impl LimitKind {
    /// Every limit, in the order pages list them.
    pub const ALL: [Self; 7] = [
        Self::RolePanels,
        Self::Triggers,
        Self::ScheduledMessages,
        Self::Giveaways,
        Self::KbDocuments,
        Self::Automations,
        Self::LogChannels,
    ];

    /// Its key in `guildhall.toml`.
    pub fn key(self) -> &'static str {
        match self {
            Self::RolePanels => "role_panels",
            Self::Triggers => "triggers",
            Self::ScheduledMessages => "scheduled_messages",
            Self::Giveaways => "giveaways",
            Self::KbDocuments => "kb_documents",
            Self::Automations => "automations",
            Self::LogChannels => "log_channels",
        }
    }

    /// What it counts, plural, in a sentence ("role panels").
    pub fn noun(self) -> &'static str {
        match self {
            Self::RolePanels => "role panels",
            Self::Triggers => "triggers",
            Self::ScheduledMessages => "scheduled messages",
            Self::Giveaways => "giveaways running at once",
            Self::KbDocuments => "knowledge-base documents",
            Self::Automations => "automations",
            Self::LogChannels => "log channels",
        }
    }

    /// What it counts, in a sentence, for `count` of them ("1 role panel", "5 role panels").
    pub fn counted_noun(self, count: u64) -> String {
        let noun = self.noun();
        if count != 1 {
            return format!("{count} {noun}");
        }
        let one = match self {
            Self::Giveaways => "giveaway running",
            other => other.noun().strip_suffix('s').unwrap_or(noun),
        };
        format!("1 {one}")
    }

    /// What makes room for one more.
    pub fn way_out(self) -> &'static str {
        match self {
            Self::Giveaways => "End one to start another.",
            Self::LogChannels => "Remove one to add another.",
            _ => "Delete one to make another.",
        }
    }
}

/// The limits of one tier. Every key must be given or keeps its default; an unknown key is an
/// error naming it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// Role panels.
    pub role_panels: u32,
    /// Triggers.
    pub triggers: u32,
    /// Scheduled messages.
    pub scheduled_messages: u32,
    /// Giveaways running at once.
    pub giveaways: u32,
    /// Knowledge-base documents.
    pub kb_documents: u32,
    /// Automations.
    pub automations: u32,
    /// Log channels.
    pub log_channels: u32,
}

impl Limits {
    /// The free tier's defaults.
    pub const FREE: Self = Self {
        role_panels: 5,
        triggers: 25,
        scheduled_messages: 5,
        giveaways: 3,
        kb_documents: 0,
        automations: 3,
        log_channels: 3,
    };

    /// The premium tier's defaults.
    pub const PREMIUM: Self = Self {
        role_panels: 50,
        triggers: 250,
        scheduled_messages: 50,
        giveaways: 25,
        kb_documents: 500,
        automations: 50,
        log_channels: 25,
    };

    /// The limit of `kind`.
    pub fn of(&self, kind: LimitKind) -> u32 {
        match kind {
            LimitKind::RolePanels => self.role_panels,
            LimitKind::Triggers => self.triggers,
            LimitKind::ScheduledMessages => self.scheduled_messages,
            LimitKind::Giveaways => self.giveaways,
            LimitKind::KbDocuments => self.kb_documents,
            LimitKind::Automations => self.automations,
            LimitKind::LogChannels => self.log_channels,
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Self::FREE
    }
}

/// `[premium.limits]`: one table per tier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TierLimits {
    /// `[premium.limits.free]`
    pub free: Limits,
    /// `[premium.limits.premium]`
    pub premium: Limits,
}

impl Default for TierLimits {
    fn default() -> Self {
        Self {
            free: Limits::FREE,
            premium: Limits::PREMIUM,
        }
    }
}

impl TierLimits {
    /// The limits of `tier`.
    pub fn of(&self, tier: Tier) -> &Limits {
        match tier {
            Tier::Free => &self.free,
            Tier::Premium => &self.premium,
        }
    }
}

/// `[premium]` in `guildhall.toml`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PremiumConfig {
    /// Discord SKU ids (guild subscriptions) and the tier each grants:
    /// `[premium.skus]` `"1234567890123456789" = "premium"`.
    pub skus: BTreeMap<String, Tier>,
    /// The limits by tier.
    pub limits: TierLimits,
}

impl PremiumConfig {
    /// Checks what serde cannot: every SKU key is a snowflake, and no tier's limit is below the
    /// tier beneath it.
    ///
    /// # Errors
    /// The key and what is accepted.
    pub fn validate(&self) -> Result<(), String> {
        for sku in self.skus.keys() {
            if sku.parse::<crate::ids::GuildId>().is_err() {
                return Err(format!(
                    "premium.skus: `{sku}` is not a SKU id; write the SKU's id from the Developer Portal, e.g. \"1234567890123456789\" = \"premium\""
                ));
            }
        }
        for kind in LimitKind::ALL {
            let (free, premium) = (self.limits.free.of(kind), self.limits.premium.of(kind));
            if premium < free {
                return Err(format!(
                    "premium.limits.premium.{key} ({premium}) is below premium.limits.free.{key} ({free}); a higher tier may not allow less",
                    key = kind.key()
                ));
            }
        }
        Ok(())
    }

    /// The SKU ids that grant a tier, parsed.
    pub fn sku_ids(&self) -> Vec<(u64, Tier)> {
        self.skus
            .iter()
            .filter_map(|(sku, tier)| Some((sku.parse().ok()?, *tier)))
            .collect()
    }

    /// The SKU to offer for `tier`: the first configured one granting it or more.
    pub fn sku_for(&self, tier: Tier) -> Option<u64> {
        self.sku_ids()
            .into_iter()
            .find(|(_, granted)| *granted >= tier)
            .map(|(sku, _)| sku)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiers_parse_by_name_and_refuse_others_with_the_list() {
        assert_eq!(Tier::parse("premium"), Ok(Tier::Premium));
        assert!(Tier::Premium > Tier::Free);
        let refused = Tier::parse("gold").unwrap_err();
        assert!(refused.contains("free, premium"), "{refused}");
    }

    #[test]
    fn every_perk_is_listed_once_with_a_known_feature() {
        for (index, spec) in PERKS.iter().enumerate() {
            assert_eq!(spec.perk.spec().name, spec.name);
            assert!(
                PERKS[..index].iter().all(|other| other.perk != spec.perk),
                "{} twice",
                spec.name
            );
            assert!(
                spec.feature == "premium"
                    || crate::features::by_name(spec.feature).is_some()
                    || !spec.built,
                "{} belongs to {}",
                spec.name,
                spec.feature
            );
        }
    }

    #[test]
    fn configuration_is_checked() {
        let mut config = PremiumConfig::default();
        assert_eq!(config.validate(), Ok(()));
        config.skus.insert("abc".into(), Tier::Premium);
        assert!(
            config
                .validate()
                .unwrap_err()
                .contains("`abc` is not a SKU id")
        );
        config.skus.clear();
        config
            .skus
            .insert("1300000000000000001".into(), Tier::Premium);
        assert_eq!(
            config.sku_for(Tier::Premium),
            Some(1_300_000_000_000_000_001)
        );
        config.limits.premium.role_panels = 1;
        let refused = config.validate().unwrap_err();
        assert!(
            refused.contains("premium.limits.premium.role_panels (1) is below"),
            "{refused}"
        );
        let unknown = toml::from_str::<PremiumConfig>("[limits.free]\nrole_panel = 3\n");
        assert!(unknown.unwrap_err().to_string().contains("role_panel"));
    }
}
