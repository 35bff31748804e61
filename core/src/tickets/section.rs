//! `tickets` as a section of a guild's settings.

use super::settings::{MAX_AUTO_CLOSE_HOURS, MAX_RETENTION_DAYS, MAX_STAFF_ROLES, TicketSettings};
use crate::guild_config::fields::{ChannelFilter, Field, FieldKind};
use crate::guild_config::sections::{FieldError, GuildSettings, Section, role_references};
use crate::references::Reference;

impl Section for TicketSettings {
    const NAME: &'static str = "tickets";
    const DESCRIPTION: &'static str = "ticket mode and category, staff roles, one open ticket per member, auto-close, transcript retention";

    fn validate(&self) -> Result<(), FieldError> {
        self.check()
    }

    fn fields() -> &'static [Field] {
        &[
            Field {
                key: "mode",
                label: "Ticket mode",
                help: "thread: a private thread in the panel's channel; channel: a private channel in the category below.",
                kind: FieldKind::Choice(&["thread", "channel"]),
            },
            Field {
                key: "category",
                label: "Category",
                help: "The category new ticket channels go in; required in channel mode.",
                kind: FieldKind::Channel(ChannelFilter::Category),
            },
            Field {
                key: "staff_roles",
                label: "Staff roles",
                help: "Members with these roles are added to every ticket and may claim, close and reopen it.",
                kind: FieldKind::List {
                    of: &FieldKind::Role,
                    max: MAX_STAFF_ROLES,
                },
            },
            Field {
                key: "one_open_per_member",
                label: "One open ticket per member",
                help: "A member may have only one open ticket per panel.",
                kind: FieldKind::Switch,
            },
            Field {
                key: "auto_close_hours",
                label: "Close after inactivity",
                help: "Close a ticket after this long without a message, in whole hours (such as 48h or 2d); 0 never closes.",
                kind: FieldKind::Duration {
                    min_secs: 0,
                    max_secs: MAX_AUTO_CLOSE_HOURS as u64 * 3_600,
                    unit_secs: 3_600,
                },
            },
            Field {
                key: "auto_close_warning_minutes",
                label: "Warn before closing",
                help: "Warn in the ticket this long before the automatic close, in whole minutes; 0 warns not at all.",
                kind: FieldKind::Duration {
                    min_secs: 0,
                    max_secs: MAX_AUTO_CLOSE_HOURS as u64 * 3_600,
                    unit_secs: 60,
                },
            },
            Field {
                key: "transcript_retention_days",
                label: "Keep transcripts",
                help: "Delete the transcripts of tickets closed longer ago than this, in whole days; 0 keeps them forever.",
                kind: FieldKind::Duration {
                    min_secs: 0,
                    max_secs: MAX_RETENTION_DAYS as u64 * 86_400,
                    unit_secs: 86_400,
                },
            },
        ]
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
