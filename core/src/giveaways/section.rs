//! `giveaways` as a section of a guild's settings.

use super::settings::GiveawaySettings;
use crate::guild_config::sections::{FieldError, GuildSettings, Section, role_references};
use crate::references::Reference;

impl Section for GiveawaySettings {
    const NAME: &'static str = "giveaways";
    const DESCRIPTION: &'static str = "claim window, automatic rerolls, concurrent giveaways, manager roles, ping role, default requirements";

    fn validate(&self) -> Result<(), FieldError> {
        self.check()
    }

    fn references(&self) -> Vec<(String, Reference)> {
        let mut all = role_references("giveaways.manager_roles", &self.manager_roles);
        all.extend(role_references(
            "giveaways.ping_role",
            self.ping_role.as_slice(),
        ));
        all.extend(
            self.default_requirements
                .references("giveaways.default_requirements"),
        );
        all
    }

    fn of(settings: &GuildSettings) -> &Self {
        &settings.giveaways
    }

    fn of_mut(settings: &mut GuildSettings) -> &mut Self {
        &mut settings.giveaways
    }
}
