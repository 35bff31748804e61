//! `roles` as a section of a guild's settings.

use super::settings::RoleSettings;
use crate::guild_config::sections::{FieldError, GuildSettings, Section};

impl Section for RoleSettings {
    const NAME: &'static str = "roles";
    const DESCRIPTION: &'static str = "auto roles on join and after screening, self-assignable roles, the longest timed role, the role-change rate limit";

    fn validate(&self) -> Result<(), FieldError> {
        self.check()
    }

    fn of(settings: &GuildSettings) -> &Self {
        &settings.roles
    }

    fn of_mut(settings: &mut GuildSettings) -> &mut Self {
        &mut settings.roles
    }
}
