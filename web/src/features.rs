//! The dashboard's feature pages, one line per feature: its name (a
//! [`guildhall_core::features::FEATURES`] name), the routes of its pages (each handler module's
//! `routes`), and its tabs in a guild's navigation. The router merges every entry's routes and
//! the navigation shows every entry's tabs, in this order, after the pages every guild has
//! ([`GUILD_TABS`]). Adding a feature's pages is one module in `handlers/` (with its views)
//! and one line here.

use axum::Router;
use guildhall_core::ids::GuildId;

use crate::app::App;
use crate::handlers::{giveaways, levels, moderation, roles, tickets};
use crate::routes;

/// One tab of a guild's navigation.
#[derive(Debug, Clone, Copy)]
pub struct Tab {
    /// What the tab says (also the name a page passes to mark its tab as current).
    pub label: &'static str,
    /// The page it opens.
    pub path: fn(GuildId) -> String,
}

/// A feature's dashboard pages.
#[derive(Debug, Clone, Copy)]
pub struct FeaturePages {
    /// The feature's name in [`guildhall_core::features::FEATURES`].
    pub name: &'static str,
    /// Its routes; state-changing ones behind the CSRF guard (`app::guarded`).
    pub routes: fn(&App) -> Router<App>,
    /// Its tabs.
    pub tabs: &'static [Tab],
}

const fn feature(
    name: &'static str,
    routes: fn(&App) -> Router<App>,
    tabs: &'static [Tab],
) -> FeaturePages {
    FeaturePages { name, routes, tabs }
}

/// Every feature with pages, in navigation order.
pub const FEATURES: &[FeaturePages] = &[
    feature("moderation", moderation::routes, moderation::TABS),
    feature(
        "automod",
        moderation::automod_routes,
        moderation::AUTOMOD_TABS,
    ),
    feature("tickets", tickets::routes, tickets::TABS),
    feature("roles", roles::routes, roles::TABS),
    feature("giveaways", giveaways::routes, giveaways::TABS),
    feature("levels", levels::routes, levels::TABS),
];

/// The tabs of the pages every guild has, before the features'.
pub const GUILD_TABS: &[Tab] = &[
    Tab {
        label: "Overview",
        path: routes::guild,
    },
    Tab {
        label: "Features",
        path: routes::guild_features,
    },
    Tab {
        label: "History",
        path: routes::guild_history,
    },
];

/// Every tab of a guild's navigation, in order.
pub fn tabs() -> impl Iterator<Item = &'static Tab> {
    GUILD_TABS
        .iter()
        .chain(FEATURES.iter().flat_map(|feature| feature.tabs.iter()))
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
        let mut labels: Vec<_> = tabs().map(|tab| tab.label).collect();
        let count = labels.len();
        labels.sort_unstable();
        labels.dedup();
        assert_eq!(labels.len(), count, "tab labels are unique");
    }
}
