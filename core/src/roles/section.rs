//! `roles` as a section of a guild's settings.

use super::settings::{
    MAX_AUTO_ROLES, MAX_CLICKS_PER_MINUTE, MAX_SELF_ROLES, MAX_TEMP_ROLE_DAYS, RoleSettings,
};
use crate::guild_config::fields::{Field, FieldKind};
use crate::guild_config::sections::{FieldError, GuildSettings, Section, role_references};
use crate::references::Reference;

impl Section for RoleSettings {
    const NAME: &'static str = "roles";
    const DESCRIPTION: &'static str = "auto roles on join and after screening, self-assignable roles, the longest timed role, the role-change rate limit";

    fn validate(&self) -> Result<(), FieldError> {
        self.check()
    }

    fn fields() -> &'static [Field] {
        const FIELDS: &[Field] = &[
            Field {
                key: "auto_roles_on_join",
                label: "Roles on join",
                help: "Roles every member gets when they join.",
                kind: FieldKind::List {
                    of: &FieldKind::Role,
                    max: MAX_AUTO_ROLES,
                },
            },
            Field {
                key: "auto_roles_on_screening",
                label: "Roles after screening",
                help: "Roles a member gets once they pass membership screening.",
                kind: FieldKind::List {
                    of: &FieldKind::Role,
                    max: MAX_AUTO_ROLES,
                },
            },
            Field {
                key: "self_roles",
                label: "Self-assignable roles",
                help: "Roles members may give themselves with /role add and take off with /role remove.",
                kind: FieldKind::List {
                    of: &FieldKind::Role,
                    max: MAX_SELF_ROLES,
                },
            },
            Field {
                key: "max_temp_role_days",
                label: "Longest timed role",
                help: "The longest a timed role (/temprole, timed panels) may last, in whole days.",
                kind: FieldKind::Duration {
                    min_secs: 86_400,
                    max_secs: MAX_TEMP_ROLE_DAYS as u64 * 86_400,
                    unit_secs: 86_400,
                },
            },
            Field {
                key: "panel_clicks_per_minute",
                label: "Role changes per minute",
                help: "Role changes one member may make per minute through panels and /role.",
                kind: FieldKind::Number {
                    min: 1,
                    max: MAX_CLICKS_PER_MINUTE as i64,
                },
            },
        ];
        FIELDS
    }

    fn references(&self) -> Vec<(String, Reference)> {
        let mut all = role_references("roles.auto_roles_on_join", &self.auto_roles_on_join);
        all.extend(role_references(
            "roles.auto_roles_on_screening",
            &self.auto_roles_on_screening,
        ));
        all.extend(role_references("roles.self_roles", &self.self_roles));
        all
    }

    fn of(settings: &GuildSettings) -> &Self {
        &settings.roles
    }

    fn of_mut(settings: &mut GuildSettings) -> &mut Self {
        &mut settings.roles
    }
}
