//! `tickets` as a section of a guild's settings.

use super::settings::TicketSettings;
use crate::guild_config::sections::{FieldError, GuildSettings, Section, role_references};
use crate::references::Reference;

impl Section for TicketSettings {
    const NAME: &'static str = "tickets";
    const DESCRIPTION: &'static str = "ticket mode and category, staff roles, one open ticket per member, auto-close, transcript retention";

    fn validate(&self) -> Result<(), FieldError> {
        self.check()
    }

    fn references(&self) -> Vec<(String, Reference)> {
        let mut all = role_references("tickets.staff_roles", &self.staff_roles);
        if let Some(category) = self.category {
            all.push(("tickets.category".to_owned(), Reference::Category(category)));
        }
        all
    }

    fn of(settings: &GuildSettings) -> &Self {
        &settings.tickets
    }

    fn of_mut(settings: &mut GuildSettings) -> &mut Self {
        &mut settings.tickets
    }
}
