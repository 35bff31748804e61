//! The `automod` section in the guild settings registry.

use super::settings::AutomodSettings;
use crate::guild_config::sections::{FieldError, GuildSettings, Section};

impl Section for AutomodSettings {
    const NAME: &'static str = "automod";
    const DESCRIPTION: &'static str = "automatic moderation rules: spam, duplicates, caps, invites, links, words, patterns, mentions";

    fn validate(&self) -> Result<(), FieldError> {
        self.check().map_err(|error| FieldError {
            field: error.field,
            message: error.message,
        })
    }

    fn of(settings: &GuildSettings) -> &Self {
        &settings.automod
    }

    fn of_mut(settings: &mut GuildSettings) -> &mut Self {
        &mut settings.automod
    }
}
