//! The ticket buttons' custom ids, `tickets:<action>:<id>`, and their parsing for the bot's
//! interaction router.

use super::model::{PanelId, TicketId};

/// The feature prefix of every ticket button.
pub const FEATURE: &str = "tickets";

/// A ticket button, as routed from its custom id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TicketButton {
    /// A panel's button: open a ticket.
    Open(PanelId),
    /// Claim a ticket (staff).
    Claim(TicketId),
    /// Close a ticket (staff or the opener).
    Close(TicketId),
    /// Reopen a closed ticket (staff).
    Reopen(TicketId),
}

impl TicketButton {
    /// The custom id, `tickets:<action>:<id>`.
    pub fn custom_id(self) -> String {
        let (action, id) = match self {
            Self::Open(id) => ("open", id.get()),
            Self::Claim(id) => ("claim", id),
            Self::Close(id) => ("close", id),
            Self::Reopen(id) => ("reopen", id),
        };
        format!("{FEATURE}:{action}:{id}")
    }

    /// The button a custom id names, or `None` when it is not a ticket button.
    pub fn parse(custom_id: &str) -> Option<Self> {
        let mut parts = custom_id.splitn(3, ':');
        if parts.next()? != FEATURE {
            return None;
        }
        let action = parts.next()?;
        let id: i64 = parts.next()?.parse().ok().filter(|id| *id > 0)?;
        match action {
            "open" => Some(Self::Open(PanelId(id))),
            "claim" => Some(Self::Claim(id)),
            "close" => Some(Self::Close(id)),
            "reopen" => Some(Self::Reopen(id)),
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
            TicketButton::Open(PanelId(1)),
            TicketButton::Claim(22),
            TicketButton::Close(333),
            TicketButton::Reopen(4),
        ] {
            assert_eq!(TicketButton::parse(&button.custom_id()), Some(button));
        }
        assert_eq!(TicketButton::Claim(7).custom_id(), "tickets:claim:7");
        for other in [
            "roles:open:1",
            "tickets:open",
            "tickets:open:x",
            "tickets:burn:1",
            "tickets:open:-1",
        ] {
            assert_eq!(TicketButton::parse(other), None, "{other}");
        }
    }
}
