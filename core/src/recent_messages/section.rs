//! `logging` as a section of a guild's settings.

use super::settings::LoggingSettings;
use crate::guild_config::sections::{FieldError, GuildSettings, Section, channel_references};
use crate::references::Reference;

impl Section for LoggingSettings {
    const NAME: &'static str = "logging";
    const DESCRIPTION: &'static str =
        "the opt-in store of recent messages: on/off, retention (1 to 30 days), ignored channels";

    fn validate(&self) -> Result<(), FieldError> {
        self.check()
    }

    fn references(&self) -> Vec<(String, Reference)> {
        channel_references("logging.ignored_channels", &self.ignored_channels)
    }

    fn of(settings: &GuildSettings) -> &Self {
        &settings.logging
    }

    fn of_mut(settings: &mut GuildSettings) -> &mut Self {
        &mut settings.logging
    }
}
