//! `moderation` as a section of a guild's settings.

use super::settings::{MAX_BAN_DELETE, MAX_DECAY_DAYS, ModerationSettings};
use crate::guild_config::fields::{Field, FieldKind};
use crate::guild_config::sections::{FieldError, GuildSettings, Section};

impl Section for ModerationSettings {
    const NAME: &'static str = "moderation";
    const DESCRIPTION: &'static str =
        "warning decay, escalation ladder, member DMs, ban deletion window";

    fn validate(&self) -> Result<(), FieldError> {
        self.check()
    }

    fn fields() -> &'static [Field] {
        const DECAY: FieldKind = FieldKind::Duration {
            min_secs: 0,
            max_secs: MAX_DECAY_DAYS as u64 * 86_400,
            unit_secs: 86_400,
        };
        const FIELDS: &[Field] = &[
            Field {
                key: "dm_member",
                label: "Tell the member",
                help: "Send the member a direct message with the case and reason (before a kick or ban).",
                kind: FieldKind::Switch,
            },
            Field {
                key: "ban_delete_message_secs",
                label: "Delete a banned user's messages from the last",
                help: "How much of a banned user's message history to delete when the moderator does not say (0 to 7d).",
                kind: FieldKind::Duration {
                    min_secs: 0,
                    max_secs: MAX_BAN_DELETE.as_secs(),
                    unit_secs: 1,
                },
            },
            Field {
                key: "warning_decay_days.minor",
                label: "Minor warnings count for",
                help: "Whole days after which a minor warning stops counting towards the ladder; 0 never.",
                kind: DECAY,
            },
            Field {
                key: "warning_decay_days.major",
                label: "Major warnings count for",
                help: "Whole days after which a major warning stops counting; 0 never.",
                kind: DECAY,
            },
            Field {
                key: "warning_decay_days.severe",
                label: "Severe warnings count for",
                help: "Whole days after which a severe warning stops counting; 0 never.",
                kind: DECAY,
            },
        ];
        FIELDS
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
