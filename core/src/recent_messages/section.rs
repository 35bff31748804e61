//! `recent_messages` as a section of a guild's settings.

use super::settings::{
    MAX_IGNORED_CHANNELS, MAX_RETENTION_DAYS, MIN_RETENTION_DAYS, RecentMessageSettings,
};
use crate::guild_config::fields::{ChannelFilter, Field, FieldKind};
use crate::guild_config::sections::{FieldError, GuildSettings, Section, channel_references};
use crate::references::Reference;

impl Section for RecentMessageSettings {
    const NAME: &'static str = "recent_messages";
    const DESCRIPTION: &'static str =
        "the opt-in store of recent messages: on/off, retention (1 to 30 days), ignored channels";

    fn validate(&self) -> Result<(), FieldError> {
        self.check()
    }

    fn fields() -> &'static [Field] {
        &[
            Field {
                key: "store_recent_messages",
                label: "Keep recent messages",
                help: "Keep a copy of the server's messages (for automod backtests and message logs); off stores nothing.",
                kind: FieldKind::Switch,
            },
            Field {
                key: "recent_message_retention_days",
                label: "Keep them for",
                help: "Delete stored messages older than this, in whole days (1d to 30d); applies to what is stored even after the store is off.",
                kind: FieldKind::Duration {
                    min_secs: MIN_RETENTION_DAYS as u64 * 86_400,
                    max_secs: MAX_RETENTION_DAYS as u64 * 86_400,
                    unit_secs: 86_400,
                },
            },
            Field {
                key: "ignored_channels",
                label: "Ignored channels",
                help: "Channels (or threads) whose messages are never stored.",
                kind: FieldKind::List {
                    of: &FieldKind::Channel(ChannelFilter::Any),
                    max: MAX_IGNORED_CHANNELS,
                },
            },
        ]
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
