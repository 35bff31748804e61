//! `recent_messages` as a section of a guild's settings.

use super::settings::RecentMessageSettings;
use crate::guild_config::sections::{FieldError, GuildSettings, Section, channel_references};
use crate::references::Reference;

impl Section for RecentMessageSettings {
    const NAME: &'static str = "recent_messages";
    const DESCRIPTION: &'static str =
        "the opt-in store of recent messages: on/off, retention (1 to 30 days), ignored channels";

    fn validate(&self) -> Result<(), FieldError> {
        self.check()
    }

    fn references(&self) -> Vec<(String, Reference)> {
        channel_references("recent_messages.ignored_channels", &self.ignored_channels)
    }

    fn of(settings: &GuildSettings) -> &Self {
        &settings.recent_messages
    }

    fn of_mut(settings: &mut GuildSettings) -> &mut Self {
        &mut settings.recent_messages
    }
}
