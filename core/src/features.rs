//! The features Guildhall has, in one list: each one's name (its `features.<name>` switch, its
//! settings section, its slash commands' category and its `custom_id` prefix), what members
//! call it, and whether it is switched on in a guild. The bot asks this list, and only this
//! list, before a feature sees a command or a click: a switched-off feature answers with one
//! private sentence and does nothing else.

use crate::composition::Core;
use crate::guild_config::{Features, GuildSettings};
use crate::jobs::{JobPorts, JobRegistry};

/// One feature.
#[derive(Debug, Clone, Copy)]
pub struct FeatureSpec {
    /// The feature's name: `features.<name>`, its settings section, its commands' category and
    /// its components' `custom_id` prefix (`tickets:open:3`).
    pub name: &'static str,
    /// What members call it, plural, capitalised ("Tickets", "Role panels").
    pub title: &'static str,
    switch: fn(&Features) -> bool,
    /// Adds the feature's jobs (its `register_jobs`) to a worker's registry, in the process
    /// that has a bot token: they act on Discord through the ports.
    pub jobs: fn(JobRegistry, &Core, &JobPorts) -> JobRegistry,
}

/// The `jobs` of a feature that has none.
fn no_jobs(registry: JobRegistry, _: &Core, _: &JobPorts) -> JobRegistry {
    registry
}

impl FeatureSpec {
    /// Whether the guild has it switched on.
    pub fn is_on(&self, settings: &GuildSettings) -> bool {
        (self.switch)(&settings.features)
    }

    /// What a member is told when they use it while it is off.
    pub fn off_sentence(&self) -> String {
        format!(
            "{} are switched off in this server; an admin can switch them on in the dashboard.",
            self.title
        )
    }
}

/// Every feature with a switch, in the dashboard's order.
pub const FEATURES: &[FeatureSpec] = &[
    FeatureSpec {
        name: "moderation",
        title: "Moderation commands",
        switch: |features| features.moderation,
        jobs: crate::moderation::register_jobs,
    },
    FeatureSpec {
        name: "automod",
        title: "Automatic moderation rules",
        switch: |features| features.automod,
        jobs: no_jobs,
    },
    FeatureSpec {
        name: "tickets",
        title: "Tickets",
        switch: |features| features.tickets,
        jobs: crate::tickets::register_jobs,
    },
    FeatureSpec {
        name: "levels",
        title: "Levels",
        switch: |features| features.levels,
        jobs: no_jobs,
    },
    FeatureSpec {
        name: "roles",
        title: "Role panels and self roles",
        switch: |features| features.roles,
        jobs: crate::roles::register_jobs,
    },
    FeatureSpec {
        name: "giveaways",
        title: "Giveaways",
        switch: |features| features.giveaways,
        jobs: crate::giveaways::register_jobs,
    },
    FeatureSpec {
        name: "automation",
        title: "Scheduled messages, reminders and triggers",
        switch: |features| features.automation,
        jobs: crate::automation::register_jobs,
    },
    FeatureSpec {
        name: "logging",
        title: "Event logs",
        switch: |features| features.logging,
        jobs: crate::logging::register_jobs,
    },
];

/// The feature of this name.
pub fn by_name(name: &str) -> Option<&'static FeatureSpec> {
    FEATURES.iter().find(|feature| feature.name == name)
}

/// The feature a component belongs to, by its `custom_id` prefix (`tickets:open:3` → tickets).
pub fn of_custom_id(custom_id: &str) -> Option<&'static FeatureSpec> {
    custom_id
        .split_once(':')
        .and_then(|(prefix, _)| by_name(prefix))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_feature_reads_its_own_switch() {
        for feature in FEATURES {
            let mut settings = GuildSettings::default();
            let mut value = serde_json::Map::new();
            for any in FEATURES {
                value.insert(any.name.into(), serde_json::json!(any.name == feature.name));
            }
            settings.features = serde_json::from_value(value.into()).unwrap();
            assert!(feature.is_on(&settings), "{}", feature.name);
            for other in FEATURES.iter().filter(|other| other.name != feature.name) {
                assert!(
                    !other.is_on(&settings),
                    "{} turned {} on",
                    feature.name,
                    other.name
                );
            }
        }
    }

    #[test]
    fn components_are_routed_by_their_prefix() {
        assert_eq!(
            of_custom_id("tickets:open:3").map(|f| f.name),
            Some("tickets")
        );
        assert_eq!(
            of_custom_id("roles:panel:1:2").map(|f| f.name),
            Some("roles")
        );
        assert!(of_custom_id("nonsense").is_none());
        assert!(of_custom_id("other:x").is_none());
        assert_eq!(
            by_name("tickets").unwrap().off_sentence(),
            "Tickets are switched off in this server; an admin can switch them on in the dashboard."
        );
    }

    #[test]
    fn a_switch_of_a_feature_not_built_is_refused_with_what_it_would_switch() {
        use crate::guild_config::Section;
        let mut switches = Features::default();
        assert!(switches.validate().is_ok());
        switches.streams = true;
        let refused = switches.validate().unwrap_err();
        assert_eq!(refused.field, "streams");
        assert!(
            refused.message.contains("switches nothing yet"),
            "{}",
            refused.message
        );
        // Every switch the registry lists is a feature that exists and may be on.
        let mut all = serde_json::Map::new();
        for feature in FEATURES {
            all.insert(feature.name.into(), serde_json::json!(true));
        }
        let every: Features = serde_json::from_value(all.into()).unwrap();
        assert!(every.validate().is_ok());
    }
}
