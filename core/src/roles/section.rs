//! `roles` as a section of a guild's settings.

use super::settings::RoleSettings;
use crate::guild_config::sections::{FieldError, GuildSettings, Section, role_references};
use crate::references::Reference;

impl Section for RoleSettings {
    const NAME: &'static str = "roles";
    const DESCRIPTION: &'static str = "auto roles on join and after screening, self-assignable roles, the longest timed role, the role-change rate limit";

    fn validate(&self) -> Result<(), FieldError> {
        self.check()
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
