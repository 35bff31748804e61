//! The toggle decision: which of a panel's roles a click adds and removes. Pure.
//!
//! A button toggles its role: a member holding it loses it, one without it gets it; on a
//! single-choice panel, getting a role also drops the panel's other roles the member holds. A
//! select menu is the member's whole choice for the panel: the chosen roles are added, and the
//! panel's roles they hold but did not choose are removed (on a single-choice panel at most one
//! can be chosen).

use super::model::PanelChoice;
use crate::ids::RoleId;

/// What a click changes, in the order to perform it (removals first, so a single-choice swap
/// never leaves the member with two of the panel's roles).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoleChanges {
    /// Roles to take away.
    pub remove: Vec<RoleId>,
    /// Roles to give.
    pub add: Vec<RoleId>,
}

impl RoleChanges {
    /// True when the click changes nothing.
    pub fn is_empty(&self) -> bool {
        self.remove.is_empty() && self.add.is_empty()
    }
}

/// A click on the button for `clicked`, by a member holding `held`.
pub fn button(
    panel_roles: &[RoleId],
    choice: PanelChoice,
    held: &[RoleId],
    clicked: RoleId,
) -> RoleChanges {
    if held.contains(&clicked) {
        return RoleChanges {
            remove: vec![clicked],
            add: Vec::new(),
        };
    }
    let remove = match choice {
        PanelChoice::Single => panel_roles
            .iter()
            .copied()
            .filter(|role| *role != clicked && held.contains(role))
            .collect(),
        PanelChoice::Multiple => Vec::new(),
    };
    RoleChanges {
        remove,
        add: vec![clicked],
    }
}

/// A choice in the select menu of `chosen` (roles not on the panel are ignored; on a
/// single-choice panel only the first counts), by a member holding `held`.
pub fn select(
    panel_roles: &[RoleId],
    choice: PanelChoice,
    held: &[RoleId],
    chosen: &[RoleId],
) -> RoleChanges {
    let mut wanted: Vec<RoleId> = Vec::new();
    for role in chosen {
        if panel_roles.contains(role) && !wanted.contains(role) {
            wanted.push(*role);
        }
    }
    if choice == PanelChoice::Single {
        wanted.truncate(1);
    }
    RoleChanges {
        remove: panel_roles
            .iter()
            .copied()
            .filter(|role| held.contains(role) && !wanted.contains(role))
            .collect(),
        add: wanted
            .into_iter()
            .filter(|role| !held.contains(role))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(raw: &[u64]) -> Vec<RoleId> {
        raw.iter().copied().map(RoleId::new).collect()
    }

    fn changes(remove: &[u64], add: &[u64]) -> RoleChanges {
        RoleChanges {
            remove: ids(remove),
            add: ids(add),
        }
    }

    #[test]
    fn buttons_toggle_and_single_choice_swaps() {
        let panel = ids(&[1, 2, 3]);
        type Case = (PanelChoice, &'static [u64], u64, RoleChanges);
        let cases: Vec<Case> = vec![
            (PanelChoice::Multiple, &[], 1, changes(&[], &[1])),
            (PanelChoice::Multiple, &[1, 2], 1, changes(&[1], &[])),
            (PanelChoice::Multiple, &[2, 9], 1, changes(&[], &[1])),
            (PanelChoice::Single, &[2, 9], 1, changes(&[2], &[1])),
            (PanelChoice::Single, &[2, 3], 1, changes(&[2, 3], &[1])),
            (PanelChoice::Single, &[1], 1, changes(&[1], &[])),
            (PanelChoice::Single, &[9], 3, changes(&[], &[3])),
        ];
        for (choice, held, clicked, expected) in cases {
            assert_eq!(
                button(&panel, choice, &ids(held), RoleId::new(clicked)),
                expected,
                "{choice:?} holding {held:?} clicks {clicked}"
            );
        }
    }

    #[test]
    fn a_select_is_the_whole_choice_for_the_panel() {
        let panel = ids(&[1, 2, 3]);
        type Case = (PanelChoice, &'static [u64], &'static [u64], RoleChanges);
        let cases: Vec<Case> = vec![
            (PanelChoice::Multiple, &[], &[1, 3], changes(&[], &[1, 3])),
            (
                PanelChoice::Multiple,
                &[1, 2, 9],
                &[1, 3],
                changes(&[2], &[3]),
            ),
            (PanelChoice::Multiple, &[1, 9], &[], changes(&[1], &[])),
            (PanelChoice::Multiple, &[], &[7, 1, 1], changes(&[], &[1])),
            (PanelChoice::Single, &[2], &[3, 1], changes(&[2], &[3])),
            (PanelChoice::Single, &[2], &[2], changes(&[], &[])),
        ];
        for (choice, held, chosen, expected) in cases {
            let got = select(&panel, choice, &ids(held), &ids(chosen));
            assert_eq!(
                got, expected,
                "{choice:?} holding {held:?} picks {chosen:?}"
            );
        }
        assert!(select(&panel, PanelChoice::Single, &ids(&[2]), &ids(&[2])).is_empty());
    }
}
