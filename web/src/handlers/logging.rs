//! The logging feature's pages: the log settings (the `logging` section's generic settings
//! page) and, in the navigation's Logs group, the stored log events.

use axum::Router;

use crate::app::App;
use crate::features::Tab;
use crate::routes;

/// The logging feature's tabs.
pub const TABS: &[Tab] = &[Tab {
    label: "Log settings",
    path: routes::guild_logging_settings,
}];

/// The logging feature's routes.
pub fn routes(_app: &App) -> Router<App> {
    Router::new()
}
