//! The giveaway buttons' custom ids, `giveaways:<action>:<id>[:<slot>]`, and their parsing for
//! the bot's interaction router.

use super::model::GiveawayId;

/// The feature prefix of every giveaway button.
pub const FEATURE: &str = "giveaways";

/// A giveaway button, as routed from its custom id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GiveawayButton {
    /// The giveaway message's button: enter.
    Enter(GiveawayId),
    /// In the private answer to a member already entered: leave the giveaway.
    Leave(GiveawayId),
    /// In a winners' announcement: claim this prize slot.
    Claim(GiveawayId, u32),
}

impl GiveawayButton {
    /// The custom id: `giveaways:enter:<id>`, `giveaways:leave:<id>`,
    /// `giveaways:claim:<id>:<slot>`.
    pub fn custom_id(self) -> String {
        match self {
            Self::Enter(id) => format!("{FEATURE}:enter:{id}"),
            Self::Leave(id) => format!("{FEATURE}:leave:{id}"),
            Self::Claim(id, slot) => format!("{FEATURE}:claim:{id}:{slot}"),
        }
    }

    /// The button a custom id names, or `None` when it is not a giveaway button.
    pub fn parse(custom_id: &str) -> Option<Self> {
        let mut parts = custom_id.split(':');
        if parts.next()? != FEATURE {
            return None;
        }
        let action = parts.next()?;
        let id: GiveawayId = parts.next()?.parse().ok()?;
        let slot: Option<u32> = match parts.next() {
            Some(slot) => Some(slot.parse().ok().filter(|slot| *slot > 0)?),
            None => None,
        };
        if parts.next().is_some() {
            return None;
        }
        match (action, slot) {
            ("enter", None) => Some(Self::Enter(id)),
            ("leave", None) => Some(Self::Leave(id)),
            ("claim", Some(slot)) => Some(Self::Claim(id, slot)),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn custom_ids_round_trip() {
        for button in [
            GiveawayButton::Enter(GiveawayId(1)),
            GiveawayButton::Leave(GiveawayId(22)),
            GiveawayButton::Claim(GiveawayId(333), 4),
        ] {
            assert_eq!(GiveawayButton::parse(&button.custom_id()), Some(button));
        }
        assert_eq!(
            GiveawayButton::Enter(GiveawayId(7)).custom_id(),
            "giveaways:enter:7"
        );
        assert_eq!(
            GiveawayButton::Claim(GiveawayId(7), 2).custom_id(),
            "giveaways:claim:7:2"
        );
        for other in [
            "tickets:open:1",
            "giveaways:enter",
            "giveaways:enter:x",
            "giveaways:enter:-1",
            "giveaways:enter:1:2",
            "giveaways:claim:1",
            "giveaways:claim:1:0",
            "giveaways:claim:1:2:3",
            "giveaways:burn:1",
        ] {
            assert_eq!(GiveawayButton::parse(other), None, "{other}");
        }
    }
}
