//! The `automod` section in the guild settings registry.

use super::settings::AutomodSettings;
use crate::guild_config::sections::{
    FieldError, GuildSettings, Section, channel_references, role_references,
};
use crate::references::Reference;

impl Section for AutomodSettings {
    const NAME: &'static str = "automod";
    const DESCRIPTION: &'static str = "automatic moderation rules: spam, duplicates, caps, invites, links, words, patterns, mentions";

    fn validate(&self) -> Result<(), FieldError> {
        self.check().map_err(|error| FieldError {
            field: error.field,
            message: error.message,
        })
    }

    fn references(&self) -> Vec<(String, Reference)> {
        let rules = [
            ("spam", self.spam.common()),
            ("duplicates", self.duplicates.common()),
            ("caps", self.caps.common()),
            ("invites", self.invites.common()),
            ("links", self.links.common()),
            ("bad_words", self.bad_words.common()),
            ("bad_patterns", self.bad_patterns.common()),
            ("mentions", self.mentions.common()),
        ];
        let mut all = Vec::new();
        for (rule, common) in rules {
            all.extend(role_references(
                &format!("automod.{rule}.exempt_roles"),
                common.exempt_roles,
            ));
            all.extend(channel_references(
                &format!("automod.{rule}.exempt_channels"),
                common.exempt_channels,
            ));
        }
        all
    }

    fn of(settings: &GuildSettings) -> &Self {
        &settings.automod
    }

    fn of_mut(settings: &mut GuildSettings) -> &mut Self {
        &mut settings.automod
    }
}
