//! The role panels' custom ids, `roles:p:<panel>:<role>` for a button and `roles:s:<panel>` for
//! a select menu, and their parsing for the bot's interaction router.

use super::model::PanelId;
use crate::ids::RoleId;

/// The feature prefix of every role-panel component.
pub const FEATURE: &str = "roles";

/// A role-panel component, as routed from its custom id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoleComponent {
    /// A panel's button for one role.
    Button {
        /// The panel.
        panel: PanelId,
        /// The role the button toggles.
        role: RoleId,
    },
    /// A panel's select menu; the chosen values are role ids.
    Select {
        /// The panel.
        panel: PanelId,
    },
}

impl RoleComponent {
    /// The custom id: `roles:p:<panel>:<role>` or `roles:s:<panel>`.
    pub fn custom_id(self) -> String {
        match self {
            Self::Button { panel, role } => format!("{FEATURE}:p:{panel}:{role}"),
            Self::Select { panel } => format!("{FEATURE}:s:{panel}"),
        }
    }

    /// The panel the component belongs to.
    pub fn panel(self) -> PanelId {
        match self {
            Self::Button { panel, .. } | Self::Select { panel } => panel,
        }
    }

    /// The component a custom id names, or `None` when it is not a role-panel component.
    pub fn parse(custom_id: &str) -> Option<Self> {
        let mut parts = custom_id.split(':');
        if parts.next()? != FEATURE {
            return None;
        }
        let kind = parts.next()?;
        let panel: PanelId = parts.next()?.parse().ok()?;
        let parsed = match kind {
            "p" => Self::Button {
                panel,
                role: parts.next()?.parse().ok()?,
            },
            "s" => Self::Select { panel },
            _ => return None,
        };
        parts.next().is_none().then_some(parsed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn custom_ids_round_trip() {
        for component in [
            RoleComponent::Button {
                panel: PanelId(3),
                role: RoleId::new(77),
            },
            RoleComponent::Select { panel: PanelId(12) },
        ] {
            assert_eq!(
                RoleComponent::parse(&component.custom_id()),
                Some(component)
            );
        }
        assert_eq!(
            RoleComponent::Button {
                panel: PanelId(3),
                role: RoleId::new(77)
            }
            .custom_id(),
            "roles:p:3:77"
        );
        assert_eq!(
            RoleComponent::Select { panel: PanelId(4) }.custom_id(),
            "roles:s:4"
        );
        for other in [
            "tickets:open:1",
            "roles:p:1",
            "roles:p:x:2",
            "roles:p:0:2",
            "roles:p:1:2:3",
            "roles:s:1:2",
            "roles:q:1",
            "roles:p:1:abc",
        ] {
            assert_eq!(RoleComponent::parse(other), None, "{other}");
        }
    }
}
