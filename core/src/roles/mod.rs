//! Roles: panels whose buttons or select menu give roles (single or multiple choice, optional
//! eligibility requirements, optionally timed), automatic roles on join and after membership
//! screening, self-assignable roles, and timed roles removed on time by the job ledger. No
//! Discord types: [`RoleService`] stores, decides and returns the
//! [`Effect`](crate::effect::Effect)s for the bot to perform.
//!
//! Every role given is checked first ([`manage`]): the bot must have Manage Roles and the role
//! must sit below the bot's highest role (and not be @everyone or an integration's), checked when
//! a panel is created or edited and again at every click, because roles move; staff may only
//! hand out roles below their own highest role. A refusal names the role and the fix, and is
//! stored in the refusal log.
//!
//! Files by use case: `settings.rs` (the `roles` settings and their checks), `model.rs`
//! (panels, options, timed roles), `components.rs` (custom ids), `manage.rs` (who may give which
//! role), `guild_roles.rs` (a guild's roles as the dashboard hands them out: role ids read from
//! forms, the bot's and the staff member's check from the guild model), `toggle.rs` (what a click changes), `store.rs` (SQL), `service.rs` (the service, its
//! error, the levels port, the rate limit), `panel.rs` (create, edit, delete and the panel
//! message), `post.rs` (the `roles.post_panel` job that posts a panel made in the dashboard and
//! records its message), `click.rs`, `self_roles.rs`, `auto.rs`, `timed.rs` (timed roles and
//! their expiry job).

pub mod auto;
pub mod click;
pub mod components;
pub mod guild_roles;
pub mod manage;
pub mod model;
pub mod panel;
pub mod post;
pub mod self_roles;
pub mod service;
pub mod settings;
// The store is the feature's own: other crates go through its service. Tests elsewhere may
// set up rows directly.
#[cfg(any(test, feature = "test-support"))]
pub mod store;
#[cfg(not(any(test, feature = "test-support")))]
#[allow(dead_code, unreachable_pub)]
pub(crate) mod store;
pub mod timed;
pub mod toggle;

// The `roles` settings section; compiled once `GuildSettings` has its `roles` field.
mod section;

pub use auto::{AutoRoles, AutoTrigger, auto_roles};
pub use click::{Click, ClickOutcome};
pub use components::RoleComponent;
pub use guild_roles::GuildRoles;
pub use manage::{RoleAuthority, RoleProblem, check_bot_can_manage, check_invoker_can_grant};
pub use model::{
    PanelChoice, PanelContent, PanelId, PanelOption, PanelStyle, Removal, RolePanel, TimedRole,
    TimedRoleId, TimedSource,
};
pub use panel::{CreatedPanel, DeletedPanel, EditedPanel, PanelEdit, PanelRequest, panel_message};
pub use post::{POST_PANEL, PostPanel, PostPanelPayload, schedule_post};
pub use self_roles::{SelfRoleChange, SelfRoleRequest};
pub use service::{LevelsNotTracked, MemberLevels, RoleError, RoleService};
pub use settings::RoleSettings;
pub use timed::{
    EXPIRE_TIMED_ROLE, ExpireTimedRole, ExpiryPayload, GrantedTimedRole, RemovedTimedRole,
    TimedGrant,
};
pub use toggle::RoleChanges;

use std::sync::Arc;

use crate::composition::Core;
use crate::jobs::{JobPorts, JobRegistry};

/// Adds the roles' jobs to `registry`, where the bot runs: [`EXPIRE_TIMED_ROLE`] (timed roles
/// removed on time) and [`POST_PANEL`] (panels made in the dashboard, posted
/// and their message recorded).
pub fn register_jobs(registry: JobRegistry, core: &Core, ports: &JobPorts) -> JobRegistry {
    registry
        .register(Arc::new(timed::ExpireTimedRole::new(
            Arc::clone(&core.roles),
            Arc::clone(&ports.sink),
        )))
        .register(Arc::new(post::PostPanel::new(
            Arc::clone(&core.roles),
            Arc::clone(&ports.sink),
            Arc::clone(&ports.cache),
        )))
}
