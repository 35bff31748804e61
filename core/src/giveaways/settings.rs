//! `GiveawaySettings`: claim windows, rerolls, the limit of concurrent giveaways, who manages
//! giveaways, the role pinged when one starts, and the default requirements.
//!
//! The type and its checks live here; `section.rs` registers it as the `giveaways` section of a
//! guild's settings.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::model::Manager;
use crate::eligibility::Requirements;
use crate::guild_config::sections::FieldError;
use crate::ids::RoleId;

/// The shortest claim window, in seconds.
pub const MIN_CLAIM_WINDOW_SECS: u32 = 30;
/// The longest claim window, in seconds (one day).
pub const MAX_CLAIM_WINDOW_SECS: u32 = 86_400;
/// The most automatic rerolls a guild may allow per giveaway.
pub const MAX_REROLLS: u32 = 20;
/// The highest limit of concurrent giveaways a guild may set.
pub const MAX_ACTIVE: u32 = 100;
/// The most manager roles.
pub const MAX_MANAGER_ROLES: usize = 25;

/// `giveaways`: how claims and rerolls work, how many giveaways may run at once, who may manage
/// them, and what members must meet unless a giveaway says otherwise.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GiveawaySettings {
    /// How long a winner has to press "Claim prize", in seconds (30 to 86,400).
    pub claim_window_secs: u32,
    /// How many times per giveaway an unclaimed prize is drawn again automatically (0 to 20);
    /// after that the slot is reported unclaimed.
    pub max_rerolls: u32,
    /// How many giveaways may run at once in the server (1 to 100).
    pub max_active: u32,
    /// Roles whose members may start, end, cancel and reroll giveaways, besides members with
    /// Manage Server.
    pub manager_roles: Vec<RoleId>,
    /// The role pinged when a giveaway starts; none by default.
    pub ping_role: Option<RoleId>,
    /// The requirements of a giveaway started without its own.
    pub default_requirements: Requirements,
}

impl Default for GiveawaySettings {
    fn default() -> Self {
        Self {
            claim_window_secs: 300,
            max_rerolls: 3,
            max_active: 10,
            manager_roles: Vec::new(),
            ping_role: None,
            default_requirements: Requirements::default(),
        }
    }
}

impl GiveawaySettings {
    /// The claim window as a duration.
    pub fn claim_window(&self) -> Duration {
        Duration::from_secs(u64::from(self.claim_window_secs))
    }

    /// Whether `manager` may start, end, cancel and reroll giveaways: the operator, members with
    /// Manage Server, and members with one of `manager_roles`.
    pub fn may_manage(&self, manager: &Manager) -> bool {
        match manager {
            Manager::Operator => true,
            Manager::Member {
                roles,
                manage_server,
                ..
            } => *manage_server || roles.iter().any(|role| self.manager_roles.contains(role)),
        }
    }

    /// Checks what serde cannot: the ranges of the numbers, the manager roles, and the default
    /// requirements.
    ///
    /// # Errors
    /// The first [`FieldError`] found; its message reads after the key ("must ...").
    pub fn check(&self) -> Result<(), FieldError> {
        if !(MIN_CLAIM_WINDOW_SECS..=MAX_CLAIM_WINDOW_SECS).contains(&self.claim_window_secs) {
            return Err(FieldError {
                field: "claim_window_secs",
                message: format!(
                    "must be between {MIN_CLAIM_WINDOW_SECS} seconds and {MAX_CLAIM_WINDOW_SECS} \
                     seconds (one day), got {}",
                    self.claim_window_secs
                ),
            });
        }
        if self.max_rerolls > MAX_REROLLS {
            return Err(FieldError {
                field: "max_rerolls",
                message: format!(
                    "must be between 0 and {MAX_REROLLS} rerolls per giveaway, got {}",
                    self.max_rerolls
                ),
            });
        }
        if !(1..=MAX_ACTIVE).contains(&self.max_active) {
            return Err(FieldError {
                field: "max_active",
                message: format!(
                    "must be between 1 and {MAX_ACTIVE} giveaways running at once, got {}",
                    self.max_active
                ),
            });
        }
        if self.manager_roles.len() > MAX_MANAGER_ROLES {
            return Err(FieldError {
                field: "manager_roles",
                message: format!(
                    "must list at most {MAX_MANAGER_ROLES} roles, got {}",
                    self.manager_roles.len()
                ),
            });
        }
        for (index, role) in self.manager_roles.iter().enumerate() {
            if self.manager_roles[..index].contains(role) {
                return Err(FieldError {
                    field: "manager_roles",
                    message: format!("must not list a role twice; {role} appears more than once"),
                });
            }
        }
        self.default_requirements
            .check()
            .map_err(|error| FieldError {
                field: requirement_key(error.field),
                message: error.message,
            })
    }
}

/// The settings key of a field of the default requirements.
fn requirement_key(field: &str) -> &'static str {
    match field {
        "any_roles" => "default_requirements.any_roles",
        "all_roles" => "default_requirements.all_roles",
        "min_level" => "default_requirements.min_level",
        "min_account_age_secs" => "default_requirements.min_account_age_secs",
        "min_membership_secs" => "default_requirements.min_membership_secs",
        "blocked_members" => "default_requirements.blocked_members",
        "blocked_roles" => "default_requirements.blocked_roles",
        "no_active_warnings" => "default_requirements.no_active_warnings",
        _ => "default_requirements",
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)] // Tests may unwrap: a panic is the failure report.

    use super::*;
    use crate::ids::UserId;

    fn check(edit: impl FnOnce(&mut GiveawaySettings)) -> Result<(), (&'static str, String)> {
        let mut settings = GiveawaySettings::default();
        edit(&mut settings);
        settings
            .check()
            .map_err(|error| (error.field, error.message))
    }

    #[test]
    fn defaults_are_valid() {
        assert_eq!(check(|_| {}), Ok(()));
        assert_eq!(
            GiveawaySettings::default().claim_window(),
            Duration::from_secs(300)
        );
    }

    #[test]
    fn rejects_with_the_field_and_what_is_accepted() {
        type Case = (fn(&mut GiveawaySettings), &'static str, &'static str);
        let cases: [Case; 9] = [
            (
                |s| s.claim_window_secs = 29,
                "claim_window_secs",
                "between 30 seconds and 86400 seconds (one day), got 29",
            ),
            (
                |s| s.claim_window_secs = 86_401,
                "claim_window_secs",
                "got 86401",
            ),
            (
                |s| s.max_rerolls = 21,
                "max_rerolls",
                "between 0 and 20 rerolls per giveaway, got 21",
            ),
            (
                |s| s.max_active = 0,
                "max_active",
                "between 1 and 100 giveaways running at once, got 0",
            ),
            (|s| s.max_active = 101, "max_active", "got 101"),
            (
                |s| s.manager_roles = (1..=26).map(RoleId::new).collect(),
                "manager_roles",
                "at most 25 roles, got 26",
            ),
            (
                |s| s.manager_roles = vec![RoleId::new(4), RoleId::new(4)],
                "manager_roles",
                "4 appears more than once",
            ),
            (
                |s| s.default_requirements.any_roles = vec![RoleId::new(5), RoleId::new(5)],
                "default_requirements.any_roles",
                "must not list role 5 twice",
            ),
            (
                |s| {
                    s.default_requirements.blocked_members = (1..=101).map(UserId::new).collect();
                },
                "default_requirements.blocked_members",
                "at most 100 members",
            ),
        ];
        for (edit, field, fragment) in cases {
            let (got_field, message) = check(edit).unwrap_err();
            assert_eq!(got_field, field);
            assert!(message.contains(fragment), "{field}: {message}");
        }
    }

    #[test]
    fn managers_are_manage_server_or_a_manager_role() {
        let settings = GiveawaySettings {
            manager_roles: vec![RoleId::new(9)],
            ..GiveawaySettings::default()
        };
        let member = |roles: Vec<RoleId>, manage_server| Manager::Member {
            user: UserId::new(1),
            roles,
            manage_server,
        };
        assert!(settings.may_manage(&Manager::Operator));
        assert!(settings.may_manage(&member(Vec::new(), true)));
        assert!(settings.may_manage(&member(vec![RoleId::new(9)], false)));
        assert!(!settings.may_manage(&member(vec![RoleId::new(8)], false)));
    }

    #[test]
    fn json_has_every_key_and_refuses_unknown_ones() {
        let json = serde_json::to_value(GiveawaySettings::default()).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "claim_window_secs": 300,
                "max_rerolls": 3,
                "max_active": 10,
                "manager_roles": [],
                "ping_role": null,
                "default_requirements": {
                    "any_roles": [],
                    "all_roles": [],
                    "min_level": null,
                    "min_account_age_secs": null,
                    "min_membership_secs": null,
                    "blocked_members": [],
                    "blocked_roles": [],
                    "no_active_warnings": false,
                },
            })
        );
        let parsed: GiveawaySettings = serde_json::from_value(serde_json::json!({
            "ping_role": "7",
            "default_requirements": {"min_level": 5},
        }))
        .unwrap();
        assert_eq!(parsed.ping_role, Some(RoleId::new(7)));
        assert_eq!(parsed.default_requirements.min_level, Some(5));
        assert!(
            serde_json::from_value::<GiveawaySettings>(serde_json::json!({"claim_window": 5}))
                .is_err()
        );
    }
}
