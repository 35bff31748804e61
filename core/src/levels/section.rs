//! `levels` as a section of a guild's settings.

use super::settings::LevelSettings;
use crate::guild_config::sections::{FieldError, GuildSettings, Section};

impl Section for LevelSettings {
    const NAME: &'static str = "levels";
    const DESCRIPTION: &'static str = "XP per message and cooldown, level curve, multipliers, no-XP channels and roles, announcements, role rewards, voice XP, flush interval, public leaderboard";

    fn validate(&self) -> Result<(), FieldError> {
        self.check()
    }

    fn of(settings: &GuildSettings) -> &Self {
        &settings.levels
    }

    fn of_mut(settings: &mut GuildSettings) -> &mut Self {
        &mut settings.levels
    }
}
