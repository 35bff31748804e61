//! What a guild is told at a premium wall or a limit: one sentence each, the same in every
//! surface, and the premium button Discord draws when the operator sells a SKU.

use super::tier::{LimitKind, Perk, Tier};
use crate::effect::{Component, ComponentRow, OutgoingMessage};
use crate::ids::SkuId;

/// A perk the guild's tier does not have.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.sentence())]
pub struct PremiumRequired {
    /// What was asked for.
    pub perk: Perk,
    /// The tier the guild is on.
    pub tier: Tier,
    /// The SKU that sells the tier it needs, when the operator configured one.
    pub sku: Option<SkuId>,
}

impl PremiumRequired {
    /// The one sentence every surface shows at the wall.
    pub fn sentence(&self) -> String {
        let needs = self.perk.spec().tier;
        let how = if self.sku.is_some() {
            "a server admin can subscribe with the button below"
        } else {
            "ask the bot's operator about premium for this server"
        };
        format!(
            "{} need Guildhall {}; this server is on the {} tier ({how}). Anything already set up is kept.",
            self.perk.title(),
            needs.title(),
            self.tier.title(),
        )
    }

    /// The wall as a message: the sentence, and Discord's premium button (style 6 with the
    /// SKU) when there is a SKU to sell.
    pub fn message(&self) -> OutgoingMessage {
        let mut message = OutgoingMessage::text(self.sentence());
        if let Some(sku) = self.sku {
            message.components = vec![ComponentRow(vec![Component::Premium { sku }])];
        }
        message
    }
}

/// A limit the guild has reached: creating one more is refused, nothing is written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.sentence())]
pub struct LimitReached {
    /// What is counted.
    pub kind: LimitKind,
    /// How many the guild has.
    pub count: u64,
    /// The most its tier allows.
    pub limit: u32,
    /// Its tier.
    pub tier: Tier,
    /// The next tier up and what it allows, if higher.
    pub next: Option<(Tier, u32)>,
}

impl LimitReached {
    /// The one sentence: the limit, the count and what premium allows.
    pub fn sentence(&self) -> String {
        let more = match self.next {
            Some((tier, limit)) => format!(" Guildhall {} allows {limit}.", tier.title()),
            None => String::new(),
        };
        format!(
            "This server has {}; the {} tier allows {}.{more} {}",
            self.kind.counted_noun(self.count),
            self.tier.title(),
            self.limit,
            self.kind.way_out(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wall_names_the_perk_the_tier_and_the_way_out() {
        let wall = PremiumRequired {
            perk: Perk::TimedRoles,
            tier: Tier::Free,
            sku: Some(SkuId::new(77)),
        };
        assert_eq!(
            wall.sentence(),
            "Timed roles need Guildhall Premium; this server is on the Free tier (a server admin can subscribe with the button below). Anything already set up is kept."
        );
        let message = wall.message();
        assert_eq!(
            message.components,
            vec![ComponentRow(vec![Component::Premium {
                sku: SkuId::new(77)
            }])]
        );
        let plain = PremiumRequired { sku: None, ..wall };
        assert!(plain.message().components.is_empty());
        assert!(plain.sentence().contains("operator"));
    }

    #[test]
    fn a_limit_says_the_count_the_limit_and_what_premium_allows() {
        let reached = LimitReached {
            kind: LimitKind::RolePanels,
            count: 5,
            limit: 5,
            tier: Tier::Free,
            next: Some((Tier::Premium, 50)),
        };
        assert_eq!(
            reached.sentence(),
            "This server has 5 role panels; the Free tier allows 5. Guildhall Premium allows 50. Delete one to make another."
        );
        let one = LimitReached {
            count: 1,
            limit: 1,
            kind: LimitKind::Giveaways,
            ..reached
        };
        assert!(
            one.sentence()
                .starts_with("This server has 1 giveaway running; the Free tier allows 1."),
            "{}",
            one.sentence()
        );
    }
}
