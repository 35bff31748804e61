//! `levels` as a section of a guild's settings.

use super::settings::LevelSettings;
use crate::guild_config::sections::{
    FieldError, GuildSettings, Section, channel_references, role_references,
};
use crate::references::Reference;

impl Section for LevelSettings {
    const NAME: &'static str = "levels";
    const DESCRIPTION: &'static str = "XP per message and cooldown, level curve, multipliers, no-XP channels and roles, announcements, role rewards, voice XP, flush interval, public leaderboard";

    fn validate(&self) -> Result<(), FieldError> {
        self.check()
    }

    fn references(&self) -> Vec<(String, Reference)> {
        let mut all = Vec::new();
        for multiplier in &self.role_multipliers {
            all.push((
                "levels.role_multipliers".to_owned(),
                Reference::Role(multiplier.role),
            ));
        }
        for multiplier in &self.channel_multipliers {
            all.push((
                "levels.channel_multipliers".to_owned(),
                Reference::AnyChannel(multiplier.channel),
            ));
        }
        all.extend(channel_references(
            "levels.no_xp_channels",
            &self.no_xp_channels,
        ));
        all.extend(role_references("levels.no_xp_roles", &self.no_xp_roles));
        if let Some(channel) = self.announce.channel {
            all.push((
                "levels.announce.channel".to_owned(),
                Reference::Channel(channel),
            ));
        }
        for reward in &self.rewards {
            all.push(("levels.rewards".to_owned(), Reference::Role(reward.role)));
        }
        all.extend(channel_references(
            "levels.voice.afk_channel",
            self.voice.afk_channel.as_slice(),
        ));
        all
    }

    fn of(settings: &GuildSettings) -> &Self {
        &settings.levels
    }

    fn of_mut(settings: &mut GuildSettings) -> &mut Self {
        &mut settings.levels
    }
}
