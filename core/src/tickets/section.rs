//! `tickets` as a section of a guild's settings.

use super::settings::TicketSettings;
use crate::guild_config::sections::{FieldError, GuildSettings, Section};

impl Section for TicketSettings {
    const NAME: &'static str = "tickets";
    const DESCRIPTION: &'static str = "ticket mode and category, staff roles, one open ticket per member, auto-close, transcript retention";

    fn validate(&self) -> Result<(), FieldError> {
        self.check()
    }

    fn of(settings: &GuildSettings) -> &Self {
        &settings.tickets
    }

    fn of_mut(settings: &mut GuildSettings) -> &mut Self {
        &mut settings.tickets
    }
}
