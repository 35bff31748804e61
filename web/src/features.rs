//! The dashboard's feature pages, one line per feature: its name (a
//! [`guildhall_core::features::FEATURES`] name), the group of the navigation it sits in, the
//! routes of its pages (each handler module's `routes`), and its tabs. The router merges every
//! entry's routes; a guild's side navigation shows the overview, then each [`NavGroup`] with
//! its features' tabs in this order (each marked on or off by its feature's switch), then the
//! settings pages every guild has ([`SETTINGS_TABS`]). Adding a feature's pages is one module
//! in `handlers/` (with its views) and one line here.

use axum::Router;
use guildhall_core::ids::GuildId;

use crate::app::App;
use crate::handlers::{automation, giveaways, levels, logging, moderation, roles, tickets};
use crate::routes;

/// One tab of a guild's navigation.
#[derive(Debug, Clone, Copy)]
pub struct Tab {
    /// What the tab says (also the name a page passes to mark its tab as current).
    pub label: &'static str,
    /// The page it opens.
    pub path: fn(GuildId) -> String,
}

/// A heading of the side navigation, in the order shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NavGroup {
    /// Cases, refusals, the ladder, automod.
    Moderation,
    /// Tickets, roles, levels, giveaways.
    Community,
    /// Scheduled messages, reminders, triggers, automations.
    Automation,
    /// Logs and analytics.
    Logs,
    /// Welcome messages, suggestions, starboard.
    Engagement,
    /// Stream alerts.
    Streams,
    /// The AI assistant.
    Ai,
}

impl NavGroup {
    /// Every group, in navigation order.
    pub const ALL: [Self; 7] = [
        Self::Moderation,
        Self::Community,
        Self::Automation,
        Self::Logs,
        Self::Engagement,
        Self::Streams,
        Self::Ai,
    ];

    /// Its heading.
    pub const fn label(self) -> &'static str {
        match self {
            Self::Moderation => "Moderation",
            Self::Community => "Community",
            Self::Automation => "Automation",
            Self::Logs => "Logs",
            Self::Engagement => "Engagement",
            Self::Streams => "Streams",
            Self::Ai => "AI assistant",
        }
    }
}

/// A feature's dashboard pages.
#[derive(Debug, Clone, Copy)]
pub struct FeaturePages {
    /// The feature's name in [`guildhall_core::features::FEATURES`].
    pub name: &'static str,
    /// Where its tabs sit in the navigation.
    pub group: NavGroup,
    /// Its routes; state-changing ones behind the CSRF guard (`app::guarded`).
    pub routes: fn(&App) -> Router<App>,
    /// Its tabs.
    pub tabs: &'static [Tab],
}

const fn feature(
    name: &'static str,
    group: NavGroup,
    routes: fn(&App) -> Router<App>,
    tabs: &'static [Tab],
) -> FeaturePages {
    FeaturePages {
        name,
        group,
        routes,
        tabs,
    }
}

/// Every feature with pages, in navigation order.
pub const FEATURES: &[FeaturePages] = &[
    feature(
        "moderation",
        NavGroup::Moderation,
        moderation::routes,
        moderation::TABS,
    ),
    feature(
        "automod",
        NavGroup::Moderation,
        moderation::automod_routes,
        moderation::AUTOMOD_TABS,
    ),
    feature(
        "tickets",
        NavGroup::Community,
        tickets::routes,
        tickets::TABS,
    ),
    feature("roles", NavGroup::Community, roles::routes, roles::TABS),
    feature("levels", NavGroup::Community, levels::routes, levels::TABS),
    feature(
        "giveaways",
        NavGroup::Community,
        giveaways::routes,
        giveaways::TABS,
    ),
    feature(
        "automation",
        NavGroup::Automation,
        automation::routes,
        automation::TABS,
    ),
    feature("logging", NavGroup::Logs, logging::routes, logging::TABS),
];

/// The first tab, above the groups.
pub const OVERVIEW_TAB: Tab = Tab {
    label: "Overview",
    path: routes::guild,
};

/// Every guild's analytics, after the overview (they count whatever features are on).
pub const ANALYTICS_TAB: Tab = Tab {
    label: "Analytics",
    path: routes::guild_analytics,
};

/// The settings pages every guild has, after the groups.
pub const SETTINGS_TABS: &[Tab] = &[
    Tab {
        label: "Features",
        path: routes::guild_features,
    },
    Tab {
        label: "History",
        path: routes::guild_history,
    },
    Tab {
        label: "Premium",
        path: routes::guild_premium,
    },
];

/// The features of `group` with pages, in order.
pub fn in_group(group: NavGroup) -> impl Iterator<Item = &'static FeaturePages> {
    FEATURES.iter().filter(move |pages| pages.group == group)
}

/// Every tab of a guild's navigation, in order.
pub fn tabs() -> impl Iterator<Item = &'static Tab> {
    [&OVERVIEW_TAB, &ANALYTICS_TAB]
        .into_iter()
        .chain(
            NavGroup::ALL
                .into_iter()
                .flat_map(in_group)
                .flat_map(|feature| feature.tabs.iter()),
        )
        .chain(SETTINGS_TABS.iter())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_feature_with_pages_is_a_feature_of_the_registry() {
        for pages in FEATURES {
            assert!(
                guildhall_core::features::by_name(pages.name).is_some(),
                "{} is not in guildhall_core::features::FEATURES",
                pages.name
            );
        }
        for feature in guildhall_core::features::FEATURES {
            assert!(
                FEATURES.iter().any(|pages| pages.name == feature.name),
                "{} has no dashboard pages",
                feature.name
            );
        }
        let mut labels: Vec<_> = tabs().map(|tab| tab.label).collect();
        let count = labels.len();
        labels.sort_unstable();
        labels.dedup();
        assert_eq!(labels.len(), count, "tab labels are unique");
    }
}
