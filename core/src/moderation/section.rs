//! `moderation` as a section of a guild's settings.

use super::settings::ModerationSettings;
use crate::guild_config::sections::{FieldError, GuildSettings, Section};

impl Section for ModerationSettings {
    const NAME: &'static str = "moderation";
    const DESCRIPTION: &'static str =
        "warning decay, escalation ladder, member DMs, ban deletion window";

    fn validate(&self) -> Result<(), FieldError> {
        self.check()
    }

    fn of(settings: &GuildSettings) -> &Self {
        &settings.moderation
    }

    fn of_mut(settings: &mut GuildSettings) -> &mut Self {
        &mut settings.moderation
    }
}

/// The guild's moderation settings.
pub(crate) fn current(settings: &GuildSettings) -> ModerationSettings {
    ModerationSettings::of(settings).clone()
}
