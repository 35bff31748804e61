//! `giveaways` as a section of a guild's settings.

use super::settings::{
    GiveawaySettings, MAX_ACTIVE, MAX_CLAIM_WINDOW_SECS, MAX_MANAGER_ROLES, MAX_REROLLS,
    MIN_CLAIM_WINDOW_SECS,
};
use crate::eligibility::{MAX_BLOCKED_MEMBERS, MAX_DURATION_SECS, MAX_ROLES};
use crate::guild_config::fields::{Field, FieldKind};
use crate::guild_config::sections::{FieldError, GuildSettings, Section, role_references};
use crate::references::Reference;

impl Section for GiveawaySettings {
    const NAME: &'static str = "giveaways";
    const DESCRIPTION: &'static str = "claim window, automatic rerolls, concurrent giveaways, manager roles, ping role, default requirements";

    fn validate(&self) -> Result<(), FieldError> {
        self.check()
    }

    fn fields() -> &'static [Field] {
        const ROLES: FieldKind = FieldKind::List {
            of: &FieldKind::Role,
            max: MAX_ROLES,
        };
        const AGE: FieldKind = FieldKind::Duration {
            min_secs: 0,
            max_secs: MAX_DURATION_SECS,
            unit_secs: 1,
        };
        const FIELDS: &[Field] = &[
            Field {
                key: "claim_window_secs",
                label: "Time to claim",
                help: "How long a winner has to press Claim prize (30 to 1d).",
                kind: FieldKind::Duration {
                    min_secs: MIN_CLAIM_WINDOW_SECS as u64,
                    max_secs: MAX_CLAIM_WINDOW_SECS as u64,
                    unit_secs: 1,
                },
            },
            Field {
                key: "max_rerolls",
                label: "Automatic rerolls",
                help: "How many times per giveaway an unclaimed prize is drawn again; after that the slot is reported unclaimed.",
                kind: FieldKind::Number {
                    min: 0,
                    max: MAX_REROLLS as i64,
                },
            },
            Field {
                key: "max_active",
                label: "Giveaways at once",
                help: "How many giveaways may run at once in the server.",
                kind: FieldKind::Number {
                    min: 1,
                    max: MAX_ACTIVE as i64,
                },
            },
            Field {
                key: "manager_roles",
                label: "Manager roles",
                help: "Members with these roles may start, end, cancel and reroll giveaways, besides members with Manage Server.",
                kind: FieldKind::List {
                    of: &FieldKind::Role,
                    max: MAX_MANAGER_ROLES,
                },
            },
            Field {
                key: "ping_role",
                label: "Ping role",
                help: "The role pinged when a giveaway starts; none pings nobody.",
                kind: FieldKind::Role,
            },
            Field {
                key: "default_requirements.any_roles",
                label: "Entrants need one of",
                help: "Unless a giveaway says otherwise, entrants need at least one of these roles (none: no requirement).",
                kind: ROLES,
            },
            Field {
                key: "default_requirements.all_roles",
                label: "Entrants need all of",
                help: "Unless a giveaway says otherwise, entrants need every one of these roles.",
                kind: ROLES,
            },
            Field {
                key: "default_requirements.min_level",
                label: "Lowest level",
                help: "The lowest level that may enter; empty requires none.",
                kind: FieldKind::Number { min: 0, max: 1_000 },
            },
            Field {
                key: "default_requirements.min_account_age_secs",
                label: "Youngest account",
                help: "How old an entrant's account must be, such as 7d; empty requires nothing.",
                kind: AGE,
            },
            Field {
                key: "default_requirements.min_membership_secs",
                label: "Shortest membership",
                help: "How long an entrant must have been in the server, such as 1d; empty requires nothing.",
                kind: AGE,
            },
            Field {
                key: "default_requirements.blocked_roles",
                label: "Refused roles",
                help: "Members with any of these roles may never enter.",
                kind: ROLES,
            },
            Field {
                key: "default_requirements.blocked_members",
                label: "Refused members",
                help: "Members who may never enter, by id (one per line).",
                kind: FieldKind::List {
                    of: &FieldKind::Member,
                    max: MAX_BLOCKED_MEMBERS,
                },
            },
            Field {
                key: "default_requirements.no_active_warnings",
                label: "No active warnings",
                help: "Members with an active (not yet decayed) warning may not enter.",
                kind: FieldKind::Switch,
            },
        ];
        FIELDS
    }

    fn references(&self) -> Vec<(String, Reference)> {
        let mut all = role_references("giveaways.manager_roles", &self.manager_roles);
        all.extend(role_references(
            "giveaways.ping_role",
            self.ping_role.as_slice(),
        ));
        all.extend(
            self.default_requirements
                .references("giveaways.default_requirements"),
        );
        all
    }

    fn of(settings: &GuildSettings) -> &Self {
        &settings.giveaways
    }

    fn of_mut(settings: &mut GuildSettings) -> &mut Self {
        &mut settings.giveaways
    }
}
