//! `RoleSettings`: auto roles, self-assignable roles, the longest timed role and the click rate
//! limit.
//!
//! The type and its checks live here; `section.rs` registers it as the `roles` section of a
//! guild's settings.

use serde::{Deserialize, Serialize};

use crate::guild_config::sections::FieldError;
use crate::ids::RoleId;

/// The most roles each auto-role list may name.
pub const MAX_AUTO_ROLES: usize = 10;
/// The most self-assignable roles (a select menu's limit).
pub const MAX_SELF_ROLES: usize = 25;
/// The longest timed role a guild may allow: ten years, in days.
pub const MAX_TEMP_ROLE_DAYS: u32 = 3_650;
/// The highest click rate limit a guild may set, per member per minute.
pub const MAX_CLICKS_PER_MINUTE: u32 = 60;

/// `roles`: auto roles, self-assignable roles, timed roles and role-panel click protection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RoleSettings {
    /// Roles every member gets when they join.
    pub auto_roles_on_join: Vec<RoleId>,
    /// Roles a member gets once they pass membership screening (pending → not pending).
    pub auto_roles_on_screening: Vec<RoleId>,
    /// Roles members may give themselves with `/role add` and take off with `/role remove`.
    pub self_roles: Vec<RoleId>,
    /// The longest a timed role (`/temprole`, timed panels) may last, in days.
    pub max_temp_role_days: u32,
    /// Role changes one member may make per minute through panels and `/role`.
    pub panel_clicks_per_minute: u32,
}

impl Default for RoleSettings {
    fn default() -> Self {
        Self {
            auto_roles_on_join: Vec::new(),
            auto_roles_on_screening: Vec::new(),
            self_roles: Vec::new(),
            max_temp_role_days: 365,
            panel_clicks_per_minute: 10,
        }
    }
}

impl RoleSettings {
    /// The longest timed role as a duration.
    pub fn max_temp_role(&self) -> std::time::Duration {
        std::time::Duration::from_secs(u64::from(self.max_temp_role_days) * 86_400)
    }

    /// Checks what serde cannot: list sizes, no role listed twice, and the ranges of the numbers.
    ///
    /// # Errors
    /// The first [`FieldError`] found; its message reads after the key ("must ...").
    pub fn check(&self) -> Result<(), FieldError> {
        check_list(
            "auto_roles_on_join",
            &self.auto_roles_on_join,
            MAX_AUTO_ROLES,
        )?;
        check_list(
            "auto_roles_on_screening",
            &self.auto_roles_on_screening,
            MAX_AUTO_ROLES,
        )?;
        check_list("self_roles", &self.self_roles, MAX_SELF_ROLES)?;
        if !(1..=MAX_TEMP_ROLE_DAYS).contains(&self.max_temp_role_days) {
            return Err(FieldError {
                field: "max_temp_role_days",
                message: format!(
                    "must be between 1 and {MAX_TEMP_ROLE_DAYS} days, got {}",
                    self.max_temp_role_days
                ),
            });
        }
        if !(1..=MAX_CLICKS_PER_MINUTE).contains(&self.panel_clicks_per_minute) {
            return Err(FieldError {
                field: "panel_clicks_per_minute",
                message: format!(
                    "must be between 1 and {MAX_CLICKS_PER_MINUTE} role changes per member per minute, got {}",
                    self.panel_clicks_per_minute
                ),
            });
        }
        Ok(())
    }
}

fn check_list(field: &'static str, roles: &[RoleId], max: usize) -> Result<(), FieldError> {
    if roles.len() > max {
        return Err(FieldError {
            field,
            message: format!("must list at most {max} roles, got {}", roles.len()),
        });
    }
    for (index, role) in roles.iter().enumerate() {
        if roles[..index].contains(role) {
            return Err(FieldError {
                field,
                message: format!("must not list a role twice; {role} appears more than once"),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(edit: impl FnOnce(&mut RoleSettings)) -> Result<(), (&'static str, String)> {
        let mut settings = RoleSettings::default();
        edit(&mut settings);
        settings
            .check()
            .map_err(|error| (error.field, error.message))
    }

    #[test]
    fn defaults_are_valid() {
        assert_eq!(check(|_| {}), Ok(()));
        assert_eq!(
            RoleSettings::default().max_temp_role().as_secs(),
            365 * 86_400
        );
    }

    #[test]
    fn rejects_with_the_field_and_what_is_accepted() {
        type Case = (fn(&mut RoleSettings), &'static str, &'static str);
        let cases: [Case; 6] = [
            (
                |s| s.auto_roles_on_join = (1..=11).map(RoleId::new).collect(),
                "auto_roles_on_join",
                "at most 10 roles, got 11",
            ),
            (
                |s| s.auto_roles_on_screening = vec![RoleId::new(4), RoleId::new(4)],
                "auto_roles_on_screening",
                "4 appears more than once",
            ),
            (
                |s| s.self_roles = (1..=26).map(RoleId::new).collect(),
                "self_roles",
                "at most 25 roles, got 26",
            ),
            (
                |s| s.max_temp_role_days = 0,
                "max_temp_role_days",
                "between 1 and 3650 days, got 0",
            ),
            (
                |s| s.panel_clicks_per_minute = 0,
                "panel_clicks_per_minute",
                "between 1 and 60",
            ),
            (
                |s| s.panel_clicks_per_minute = 61,
                "panel_clicks_per_minute",
                "got 61",
            ),
        ];
        for (edit, field, fragment) in cases {
            let (got_field, message) = check(edit).unwrap_err();
            assert_eq!(got_field, field);
            assert!(message.contains(fragment), "{field}: {message}");
        }
    }

    #[test]
    fn json_has_every_key_and_refuses_unknown_ones() {
        let json = serde_json::to_value(RoleSettings::default()).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "auto_roles_on_join": [],
                "auto_roles_on_screening": [],
                "self_roles": [],
                "max_temp_role_days": 365,
                "panel_clicks_per_minute": 10,
            })
        );
        let parsed: RoleSettings =
            serde_json::from_value(serde_json::json!({"self_roles": ["7", "8"]})).unwrap();
        assert_eq!(parsed.self_roles, [RoleId::new(7), RoleId::new(8)]);
        assert!(
            serde_json::from_value::<RoleSettings>(serde_json::json!({"autoroles": []})).is_err()
        );
    }
}
