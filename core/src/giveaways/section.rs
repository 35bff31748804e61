//! `giveaways` as a section of a guild's settings.

use super::settings::GiveawaySettings;
use crate::guild_config::sections::{FieldError, GuildSettings, Section};

impl Section for GiveawaySettings {
    const NAME: &'static str = "giveaways";
    const DESCRIPTION: &'static str = "claim window, automatic rerolls, concurrent giveaways, manager roles, ping role, default requirements";

    fn validate(&self) -> Result<(), FieldError> {
        self.check()
    }

    fn of(settings: &GuildSettings) -> &Self {
        &settings.giveaways
    }

    fn of_mut(settings: &mut GuildSettings) -> &mut Self {
        &mut settings.giveaways
    }
}
