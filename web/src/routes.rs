//! Typed route paths, in one place, so links, handlers and clients cannot drift.
//!
//! Each route has a template (the `&str` constants, what the router and `/metrics` use) and,
//! where it has parameters, a function that fills them in (what links and forms use).

use guildhall_core::ids::GuildId;
use guildhall_core::jobs::JobId;

/// The local admin API, for the CLI and the console (operator token).
pub mod admin {
    /// Live status: shards, event rates, process start.
    pub const STATUS: &str = "/api/admin/status";
    /// Log lines as server-sent events; query `guild` and `level` filter them.
    pub const LOGS: &str = "/api/admin/logs";
}

/// The guild picker (or the landing page when logged out).
pub const HOME: &str = "/";
/// Starts the Discord login (redirects to Discord's authorize page).
pub const LOGIN: &str = "/login";
/// Where Discord sends the user back with a code.
pub const AUTH_CALLBACK: &str = "/auth/callback";
/// Ends the session (POST).
pub const LOGOUT: &str = "/logout";
/// The operator page.
pub const OPERATOR: &str = "/operator";
/// Template of [`job_cancel`].
pub const JOB_CANCEL: &str = "/operator/jobs/{job}/cancel";
/// Template of [`job_retry`].
pub const JOB_RETRY: &str = "/operator/jobs/{job}/retry";
/// Grants a tier to a guild (POST, operators: `guild`, `until`, `note`).
pub const PREMIUM_GRANT: &str = "/operator/premium/grant";
/// Template of [`premium_revoke`].
pub const PREMIUM_REVOKE: &str = "/operator/premium/{guild}/revoke";
/// Liveness: 200 while the process serves.
pub const HEALTHZ: &str = "/healthz";
/// Readiness: the database and the coordination backend answer.
pub const READYZ: &str = "/readyz";
/// Prometheus metrics.
pub const METRICS: &str = "/metrics";
/// The vendored htmx.
pub const HTMX_JS: &str = "/assets/htmx.min.js";
/// The stylesheet.
pub const APP_CSS: &str = "/assets/app.css";

/// Template of [`guild`].
pub const GUILD: &str = "/guilds/{guild}";
/// Template of [`guild_features`].
pub const GUILD_FEATURES: &str = "/guilds/{guild}/features";
/// Template of [`guild_settings`] (POST one key).
pub const GUILD_SETTINGS: &str = "/guilds/{guild}/settings";
/// Template of [`guild_history`].
pub const GUILD_HISTORY: &str = "/guilds/{guild}/settings/history";
/// Template of [`guild_settings_form`] (GET the section's generic form, POST it).
pub const GUILD_SETTINGS_FORM: &str = "/guilds/{guild}/settings/{section}";
/// Template of [`guild_premium`].
pub const GUILD_PREMIUM: &str = "/guilds/{guild}/premium";
/// Template of [`guild_rollback`].
pub const GUILD_ROLLBACK: &str = "/guilds/{guild}/settings/history/{entry}/rollback";

/// Template of [`guild_logs`] (GET; query `kind`, `member`, `channel`, `from`, `to`, and one of
/// `before`, `after`, `oldest`).
pub const GUILD_LOGS: &str = "/guilds/{guild}/logs";
/// Template of [`guild_analytics`].
pub const GUILD_ANALYTICS: &str = "/guilds/{guild}/analytics";
/// Template of [`guild_analytics_csv`].
pub const GUILD_ANALYTICS_CSV: &str = "/guilds/{guild}/analytics.csv";
/// Template of [`guild_member`].
pub const GUILD_MEMBER: &str = "/guilds/{guild}/members/{user}";

/// Template of [`guild_cases`] (GET; query `q`, `kind`, `user`, `moderator`, `before`).
pub const GUILD_CASES: &str = "/guilds/{guild}/cases";
/// Template of [`guild_case`].
pub const GUILD_CASE: &str = "/guilds/{guild}/cases/{number}";
/// Template of [`guild_case_reason`] (POST `reason`).
pub const GUILD_CASE_REASON: &str = "/guilds/{guild}/cases/{number}/reason";
/// Template of [`guild_refusals`].
pub const GUILD_REFUSALS: &str = "/guilds/{guild}/refusals";
/// Template of [`guild_automod`].
pub const GUILD_AUTOMOD: &str = "/guilds/{guild}/automod";
/// Template of [`guild_automod_rule`] (POST the rule's fields).
pub const GUILD_AUTOMOD_RULE: &str = "/guilds/{guild}/automod/rules/{rule}";
/// Template of [`guild_automod_test`] (POST `text`, `history`, `try_disabled`).
pub const GUILD_AUTOMOD_TEST: &str = "/guilds/{guild}/automod/test";
/// Template of [`guild_automod_pattern`] (POST `pattern`).
pub const GUILD_AUTOMOD_PATTERN: &str = "/guilds/{guild}/automod/pattern";
/// Template of [`guild_ladder`] (GET the editor, POST the steps).
pub const GUILD_LADDER: &str = "/guilds/{guild}/ladder";
/// Template of [`guild_tickets`] (GET; query `state`).
pub const GUILD_TICKETS: &str = "/guilds/{guild}/tickets";
/// Template of [`guild_ticket_panels`] (POST a new panel).
pub const GUILD_TICKET_PANELS: &str = "/guilds/{guild}/tickets/panels";
/// Template of [`guild_ticket`].
pub const GUILD_TICKET: &str = "/guilds/{guild}/tickets/{number}";
/// Template of [`guild_ticket_export`] (`format` is `json` or `html`).
pub const GUILD_TICKET_EXPORT: &str = "/guilds/{guild}/tickets/{number}/export/{format}";

/// Template of [`guild_roles`] (GET; query `done` names the action just finished).
pub const GUILD_ROLES: &str = "/guilds/{guild}/roles";
/// Template of [`guild_role_panels`] (POST a new panel).
pub const GUILD_ROLE_PANELS: &str = "/guilds/{guild}/roles/panels";
/// Template of [`guild_role_panel`] (GET the builder filled, POST the panel's new content).
pub const GUILD_ROLE_PANEL: &str = "/guilds/{guild}/roles/panels/{panel}";
/// Template of [`guild_role_panel_delete`] (POST).
pub const GUILD_ROLE_PANEL_DELETE: &str = "/guilds/{guild}/roles/panels/{panel}/delete";
/// Template of [`guild_role_preview`] (POST the builder's fields).
pub const GUILD_ROLE_PREVIEW: &str = "/guilds/{guild}/roles/preview";
/// Template of [`guild_self_roles`] (POST `self_role`, `join_role`, `screening_role`).
pub const GUILD_SELF_ROLES: &str = "/guilds/{guild}/roles/self";
/// Template of [`guild_timed_role_remove`] (POST).
pub const GUILD_TIMED_ROLE_REMOVE: &str = "/guilds/{guild}/roles/timed/{timed}/remove";

/// Template of [`guild_giveaways`] (GET; query `state`; htmx asks for the rows alone).
pub const GUILD_GIVEAWAYS: &str = "/guilds/{guild}/giveaways";
/// Template of [`guild_giveaways_new`] (POST the start form).
pub const GUILD_GIVEAWAYS_NEW: &str = "/guilds/{guild}/giveaways/new";
/// Template of [`guild_giveaway`].
pub const GUILD_GIVEAWAY: &str = "/guilds/{guild}/giveaways/{giveaway}";
/// Template of [`guild_giveaway_end`] (POST).
pub const GUILD_GIVEAWAY_END: &str = "/guilds/{guild}/giveaways/{giveaway}/end";
/// Template of [`guild_giveaway_cancel`] (POST `reason`).
pub const GUILD_GIVEAWAY_CANCEL: &str = "/guilds/{guild}/giveaways/{giveaway}/cancel";
/// Template of [`guild_giveaway_reroll`] (POST `slot`, `reason`).
pub const GUILD_GIVEAWAY_REROLL: &str = "/guilds/{guild}/giveaways/{giveaway}/reroll";
/// Template of [`guild_giveaway_export`] (`format` is `json` or `csv`).
pub const GUILD_GIVEAWAY_EXPORT: &str = "/guilds/{guild}/giveaways/{giveaway}/export/{format}";

/// Template of [`guild_automation_schedules`] (GET the scheduled messages and the create form).
pub const GUILD_AUTOMATION_SCHEDULES: &str = "/guilds/{guild}/automation/schedules";
/// Template of [`guild_automation_schedules_new`] (POST the create form).
pub const GUILD_AUTOMATION_SCHEDULES_NEW: &str = "/guilds/{guild}/automation/schedules/new";
/// Template of [`guild_automation_schedules_preview`] (GET `cron`, `timezone`: the cron helper's
/// fragment).
pub const GUILD_AUTOMATION_SCHEDULES_PREVIEW: &str = "/guilds/{guild}/automation/schedules/preview";
/// Template of [`guild_automation_schedule_action`] (POST; `action` is `pause`, `resume`, `run`
/// or `delete`).
pub const GUILD_AUTOMATION_SCHEDULE_ACTION: &str =
    "/guilds/{guild}/automation/schedules/{schedule}/{action}";
/// Template of [`guild_automation_triggers`] (GET the triggers, the add form and the tester).
pub const GUILD_AUTOMATION_TRIGGERS: &str = "/guilds/{guild}/automation/triggers";
/// Template of [`guild_automation_triggers_new`] (POST the add form).
pub const GUILD_AUTOMATION_TRIGGERS_NEW: &str = "/guilds/{guild}/automation/triggers/new";
/// Template of [`guild_automation_triggers_toggle`] (POST `name`, `enabled`).
pub const GUILD_AUTOMATION_TRIGGERS_TOGGLE: &str = "/guilds/{guild}/automation/triggers/toggle";
/// Template of [`guild_automation_triggers_delete`] (POST `name`).
pub const GUILD_AUTOMATION_TRIGGERS_DELETE: &str = "/guilds/{guild}/automation/triggers/delete";
/// Template of [`guild_automation_triggers_test`] (POST `sample`, `channel`: the live tester's
/// fragment; writes nothing).
pub const GUILD_AUTOMATION_TRIGGERS_TEST: &str = "/guilds/{guild}/automation/triggers/test";
/// Template of [`guild_automation_flows`] (GET the automations, their runs and the editor;
/// `edit` names the automation to edit, `done` the action just finished).
pub const GUILD_AUTOMATION_FLOWS: &str = "/guilds/{guild}/automation/flows";
/// Template of [`guild_automation_flows_edit`] (POST the editor with its `op`: `add_step`,
/// `remove:N`, `up:N`, `down:N`, `refresh` or `save`).
pub const GUILD_AUTOMATION_FLOWS_EDIT: &str = "/guilds/{guild}/automation/flows/edit";
/// Template of [`guild_automation_flows_toggle`] (POST `name`, `enabled`).
pub const GUILD_AUTOMATION_FLOWS_TOGGLE: &str = "/guilds/{guild}/automation/flows/toggle";
/// Template of [`guild_automation_flows_delete`] (POST `name`).
pub const GUILD_AUTOMATION_FLOWS_DELETE: &str = "/guilds/{guild}/automation/flows/delete";

/// Template of [`guild_levels`] (GET the settings, editors, top ten and import/export).
pub const GUILD_LEVELS: &str = "/guilds/{guild}/levels";
/// Template of [`guild_levels_settings`] (POST the scalar settings).
pub const GUILD_LEVELS_SETTINGS: &str = "/guilds/{guild}/levels/settings";
/// Template of [`guild_levels_rewards`] (POST the reward rows and mode).
pub const GUILD_LEVELS_REWARDS: &str = "/guilds/{guild}/levels/rewards";
/// Template of [`guild_levels_multipliers`] (POST the role and channel multipliers).
pub const GUILD_LEVELS_MULTIPLIERS: &str = "/guilds/{guild}/levels/multipliers";
/// Template of [`guild_levels_no_xp`] (POST the no-XP channels and roles).
pub const GUILD_LEVELS_NO_XP: &str = "/guilds/{guild}/levels/no-xp";
/// Template of [`guild_levels_import`] (POST `csv`, `mode`, `confirm`).
pub const GUILD_LEVELS_IMPORT: &str = "/guilds/{guild}/levels/import";
/// Template of [`guild_levels_export`] (GET the CSV download).
pub const GUILD_LEVELS_EXPORT: &str = "/guilds/{guild}/levels/export";
/// Template of [`guild_levels_leaderboard`] (GET; query `page`).
pub const GUILD_LEVELS_LEADERBOARD: &str = "/guilds/{guild}/levels/leaderboard";
/// Template of [`leaderboard`]: a guild's public leaderboard, no login (GET; query `page`).
pub const LEADERBOARD: &str = "/leaderboard/{guild}";
/// Template of [`leaderboard_data`]: the public leaderboard as JSON (GET; query `page`).
pub const LEADERBOARD_DATA: &str = "/leaderboard/{guild}/data";

/// The guild overview page.
pub fn guild(guild: GuildId) -> String {
    format!("/guilds/{guild}")
}

/// A guild's feature switches and command settings.
pub fn guild_features(guild: GuildId) -> String {
    format!("/guilds/{guild}/features")
}

/// Sets one settings key of a guild (POST `key`, `value`).
pub fn guild_settings(guild: GuildId) -> String {
    format!("/guilds/{guild}/settings")
}

/// A guild's settings history.
pub fn guild_history(guild: GuildId) -> String {
    format!("/guilds/{guild}/settings/history")
}

/// A settings section's generic form, built from its field descriptions.
pub fn guild_settings_form(guild: GuildId, section: &str) -> String {
    format!("/guilds/{guild}/settings/{section}")
}

/// Template of [`guild_member_search`].
pub const GUILD_MEMBER_SEARCH: &str = "/guilds/{guild}/pickers/members";

/// The member picker's search (GET `field` and `search:<field>`): the members found, as the
/// picker's radio buttons for `field`.
pub fn guild_member_search(guild: GuildId, field: &str, many: bool) -> String {
    format!(
        "/guilds/{guild}/pickers/members?field={}{}",
        percent_encoding::utf8_percent_encode(field, percent_encoding::NON_ALPHANUMERIC),
        if many { "&many=1" } else { "" }
    )
}

/// Undoes the history entry `entry` of a guild and every later change to its section (POST).
pub fn guild_rollback(guild: GuildId, entry: i64) -> String {
    format!("/guilds/{guild}/settings/history/{entry}/rollback")
}

/// A guild's stored log events: filters and paging.
pub fn guild_logs(guild: GuildId) -> String {
    format!("/guilds/{guild}/logs")
}

/// A guild's analytics: charts and tables of its activity by day.
pub fn guild_analytics(guild: GuildId) -> String {
    format!("/guilds/{guild}/analytics")
}

/// A guild's analytics as CSV (premium).
pub fn guild_analytics_csv(guild: GuildId) -> String {
    format!("/guilds/{guild}/analytics.csv")
}

/// A guild's log events about or by one member (the viewer filtered by member).
pub fn guild_logs_of(guild: GuildId, user: guildhall_core::ids::UserId) -> String {
    format!("/guilds/{guild}/logs?member={user}")
}

/// One member's history in a guild: cases, log events, levels.
pub fn guild_member(guild: GuildId, user: guildhall_core::ids::UserId) -> String {
    format!("/guilds/{guild}/members/{user}")
}

/// A guild's cases: search, filters and paging.
pub fn guild_cases(guild: GuildId) -> String {
    format!("/guilds/{guild}/cases")
}

/// One case of a guild, by its per-guild number.
pub fn guild_case(guild: GuildId, number: i64) -> String {
    format!("/guilds/{guild}/cases/{number}")
}

/// Replaces a case's reason (POST).
pub fn guild_case_reason(guild: GuildId, number: i64) -> String {
    format!("/guilds/{guild}/cases/{number}/reason")
}

/// A guild's refused attempts.
pub fn guild_refusals(guild: GuildId) -> String {
    format!("/guilds/{guild}/refusals")
}

/// A guild's automod rules, tester and pattern checker.
pub fn guild_automod(guild: GuildId) -> String {
    format!("/guilds/{guild}/automod")
}

/// Saves one automod rule (POST); `rule` is its name in the section, e.g. `bad_patterns`.
pub fn guild_automod_rule(guild: GuildId, rule: &str) -> String {
    format!("/guilds/{guild}/automod/rules/{rule}")
}

/// The automod tester (POST).
pub fn guild_automod_test(guild: GuildId) -> String {
    format!("/guilds/{guild}/automod/test")
}

/// The pattern checker (POST).
pub fn guild_automod_pattern(guild: GuildId) -> String {
    format!("/guilds/{guild}/automod/pattern")
}

/// The escalation ladder editor (GET) and its save (POST).
pub fn guild_ladder(guild: GuildId) -> String {
    format!("/guilds/{guild}/ladder")
}

/// A guild's ticket panels, the new-panel form and its tickets.
pub fn guild_tickets(guild: GuildId) -> String {
    format!("/guilds/{guild}/tickets")
}

/// Creates and posts a ticket panel (POST).
pub fn guild_ticket_panels(guild: GuildId) -> String {
    format!("/guilds/{guild}/tickets/panels")
}

/// One ticket and its transcript, by the ticket's per-guild number.
pub fn guild_ticket(guild: GuildId, number: i64) -> String {
    format!("/guilds/{guild}/tickets/{number}")
}

/// A ticket's transcript as a download: `format` is `json` or `html`.
pub fn guild_ticket_export(guild: GuildId, number: i64, format: &str) -> String {
    format!("/guilds/{guild}/tickets/{number}/export/{format}")
}

/// A guild's role panels, the panel builder, self and automatic roles, and timed roles.
pub fn guild_roles(guild: GuildId) -> String {
    format!("/guilds/{guild}/roles")
}

/// Creates a role panel and schedules its post (POST).
pub fn guild_role_panels(guild: GuildId) -> String {
    format!("/guilds/{guild}/roles/panels")
}

/// One role panel in the builder (GET) and its save (POST).
pub fn guild_role_panel(guild: GuildId, panel: guildhall_core::roles::PanelId) -> String {
    format!("/guilds/{guild}/roles/panels/{panel}")
}

/// Deletes a role panel and its message (POST).
pub fn guild_role_panel_delete(guild: GuildId, panel: guildhall_core::roles::PanelId) -> String {
    format!("/guilds/{guild}/roles/panels/{panel}/delete")
}

/// The builder's live preview (POST, htmx).
pub fn guild_role_preview(guild: GuildId) -> String {
    format!("/guilds/{guild}/roles/preview")
}

/// Saves the self-assignable and automatic roles (POST).
pub fn guild_self_roles(guild: GuildId) -> String {
    format!("/guilds/{guild}/roles/self")
}

/// Ends a running timed role now (POST); `timed` is its id.
pub fn guild_timed_role_remove(guild: GuildId, timed: i64) -> String {
    format!("/guilds/{guild}/roles/timed/{timed}/remove")
}

/// A guild's giveaways, running first, and the start form.
pub fn guild_giveaways(guild: GuildId) -> String {
    format!("/guilds/{guild}/giveaways")
}

/// Starts a giveaway (POST).
pub fn guild_giveaways_new(guild: GuildId) -> String {
    format!("/guilds/{guild}/giveaways/new")
}

/// One giveaway: entrants, prizes, timeline, fairness proof and controls.
pub fn guild_giveaway(guild: GuildId, giveaway: guildhall_core::giveaways::GiveawayId) -> String {
    format!("/guilds/{guild}/giveaways/{giveaway}")
}

/// Ends a running giveaway now (POST).
pub fn guild_giveaway_end(
    guild: GuildId,
    giveaway: guildhall_core::giveaways::GiveawayId,
) -> String {
    format!("/guilds/{guild}/giveaways/{giveaway}/end")
}

/// Cancels a running giveaway (POST).
pub fn guild_giveaway_cancel(
    guild: GuildId,
    giveaway: guildhall_core::giveaways::GiveawayId,
) -> String {
    format!("/guilds/{guild}/giveaways/{giveaway}/cancel")
}

/// Rerolls one prize of an ended giveaway (POST).
pub fn guild_giveaway_reroll(
    guild: GuildId,
    giveaway: guildhall_core::giveaways::GiveawayId,
) -> String {
    format!("/guilds/{guild}/giveaways/{giveaway}/reroll")
}

/// A giveaway's record as a download, `json` or `csv`.
pub fn guild_giveaway_export(
    guild: GuildId,
    giveaway: guildhall_core::giveaways::GiveawayId,
    format: &str,
) -> String {
    format!("/guilds/{guild}/giveaways/{giveaway}/export/{format}")
}

/// A guild's scheduled messages and the create form.
pub fn guild_automation_schedules(guild: GuildId) -> String {
    format!("/guilds/{guild}/automation/schedules")
}

/// Creates a scheduled message (POST).
pub fn guild_automation_schedules_new(guild: GuildId) -> String {
    format!("/guilds/{guild}/automation/schedules/new")
}

/// The cron helper: a schedule's description and next runs, or what is wrong with it.
pub fn guild_automation_schedules_preview(guild: GuildId) -> String {
    format!("/guilds/{guild}/automation/schedules/preview")
}

/// Pauses, resumes, runs now or deletes a scheduled message (POST; `action` is one of those).
pub fn guild_automation_schedule_action(guild: GuildId, schedule: i64, action: &str) -> String {
    format!("/guilds/{guild}/automation/schedules/{schedule}/{action}")
}

/// A guild's triggers, the add form and the live tester.
pub fn guild_automation_triggers(guild: GuildId) -> String {
    format!("/guilds/{guild}/automation/triggers")
}

/// Adds a trigger (POST).
pub fn guild_automation_triggers_new(guild: GuildId) -> String {
    format!("/guilds/{guild}/automation/triggers/new")
}

/// Switches a trigger on or off (POST).
pub fn guild_automation_triggers_toggle(guild: GuildId) -> String {
    format!("/guilds/{guild}/automation/triggers/toggle")
}

/// Deletes a trigger (POST).
pub fn guild_automation_triggers_delete(guild: GuildId) -> String {
    format!("/guilds/{guild}/automation/triggers/delete")
}

/// The live tester: which trigger a sample message fires (POST, writes nothing).
pub fn guild_automation_triggers_test(guild: GuildId) -> String {
    format!("/guilds/{guild}/automation/triggers/test")
}

/// A guild's automations, their latest runs and the editor.
pub fn guild_automation_flows(guild: GuildId) -> String {
    format!("/guilds/{guild}/automation/flows")
}

/// The automation editor's form: its step operations and its save (POST).
pub fn guild_automation_flows_edit(guild: GuildId) -> String {
    format!("/guilds/{guild}/automation/flows/edit")
}

/// Switches an automation on or off (POST).
pub fn guild_automation_flows_toggle(guild: GuildId) -> String {
    format!("/guilds/{guild}/automation/flows/toggle")
}

/// Deletes an automation (POST).
pub fn guild_automation_flows_delete(guild: GuildId) -> String {
    format!("/guilds/{guild}/automation/flows/delete")
}

/// A guild's levels page: settings, rewards, multipliers, no-XP lists, top ten, import/export.
pub fn guild_levels(guild: GuildId) -> String {
    format!("/guilds/{guild}/levels")
}

/// Saves the levels settings form (POST).
pub fn guild_levels_settings(guild: GuildId) -> String {
    format!("/guilds/{guild}/levels/settings")
}

/// Saves the level rewards (POST).
pub fn guild_levels_rewards(guild: GuildId) -> String {
    format!("/guilds/{guild}/levels/rewards")
}

/// Saves the XP multipliers (POST).
pub fn guild_levels_multipliers(guild: GuildId) -> String {
    format!("/guilds/{guild}/levels/multipliers")
}

/// Saves the no-XP channels and roles (POST).
pub fn guild_levels_no_xp(guild: GuildId) -> String {
    format!("/guilds/{guild}/levels/no-xp")
}

/// Checks (dry run) or imports (with `confirm=yes`) a CSV of levels (POST).
pub fn guild_levels_import(guild: GuildId) -> String {
    format!("/guilds/{guild}/levels/import")
}

/// The guild's levels as a CSV download.
pub fn guild_levels_export(guild: GuildId) -> String {
    format!("/guilds/{guild}/levels/export")
}

/// The leaderboard for the guild's managers, public or not.
pub fn guild_levels_leaderboard(guild: GuildId) -> String {
    format!("/guilds/{guild}/levels/leaderboard")
}

/// A page (from 1) of the managers' leaderboard.
pub fn guild_levels_leaderboard_page(guild: GuildId, page: u64) -> String {
    format!("/guilds/{guild}/levels/leaderboard?page={page}")
}

/// A guild's public leaderboard (404 unless `levels.public_leaderboard` is on).
pub fn leaderboard(guild: GuildId) -> String {
    format!("/leaderboard/{guild}")
}

/// A page (from 1) of a guild's public leaderboard.
pub fn leaderboard_page(guild: GuildId, page: u64) -> String {
    format!("/leaderboard/{guild}?page={page}")
}

/// A page of a guild's public leaderboard as JSON.
pub fn leaderboard_data(guild: GuildId, page: u64) -> String {
    format!("/leaderboard/{guild}/data?page={page}")
}

/// Revokes a guild's premium grant (POST, operators).
pub fn premium_revoke(guild: GuildId) -> String {
    format!("/operator/premium/{guild}/revoke")
}

/// A guild's tier, limits and use, perks and what is paused.
pub fn guild_premium(guild: GuildId) -> String {
    format!("/guilds/{guild}/premium")
}

/// Cancels a job (POST, operators).
pub fn job_cancel(job: JobId) -> String {
    format!("/operator/jobs/{job}/cancel")
}

/// Retries a job (POST, operators).
pub fn job_retry(job: JobId) -> String {
    format!("/operator/jobs/{job}/retry")
}

/// `/login`, returning to `next` afterwards.
pub fn login_then(next: &str) -> String {
    format!(
        "{LOGIN}?next={}",
        percent_encoding::utf8_percent_encode(next, percent_encoding::NON_ALPHANUMERIC)
    )
}

/// The longest path [`local_redirect`] follows.
const MAX_REDIRECT: usize = 1024;

/// A redirect target taken from outside input (`/login?next=`), as a same-origin path: it must
/// start with one `/` (not `//` or `/\`, which browsers read as another host), be at most
/// 1024 characters, and hold only the characters of a path and query (letters, digits and
/// `/ - . _ ~ ? = & % + : @ , ; ! * ' ( )`): no spaces, tabs, line breaks or other control
/// characters, which browsers strip or which break the `Location` header. Anything else
/// goes to the home page.
pub fn local_redirect(target: &str) -> String {
    let allowed = |c: char| c.is_ascii_alphanumeric() || "/-._~?=&%+:@,;!*'()".contains(c);
    let mut chars = target.chars();
    let well_formed = chars.next() == Some('/')
        && !matches!(chars.next(), Some('/' | '\\'))
        && target.len() <= MAX_REDIRECT
        && target.chars().all(allowed);
    if well_formed {
        target.to_owned()
    } else {
        HOME.to_owned()
    }
}

/// A guild's logging settings (the generic settings page of the `logging` section).
pub fn guild_logging_settings(guild: GuildId) -> String {
    guild_settings_form(guild, "logging")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filled(template: &str, values: &[(&str, &str)]) -> String {
        values
            .iter()
            .fold(template.to_owned(), |path, (name, value)| {
                path.replace(&format!("{{{name}}}"), value)
            })
    }

    #[test]
    fn paths_match_their_templates() {
        let id = GuildId::new(42);
        let g = [("guild", "42")];
        assert_eq!(guild(id), filled(GUILD, &g));
        assert_eq!(guild_features(id), filled(GUILD_FEATURES, &g));
        assert_eq!(guild_settings(id), filled(GUILD_SETTINGS, &g));
        assert_eq!(guild_history(id), filled(GUILD_HISTORY, &g));
        assert_eq!(guild_premium(id), filled(GUILD_PREMIUM, &g));
        assert_eq!(premium_revoke(id), filled(PREMIUM_REVOKE, &g));
        assert_eq!(
            guild_rollback(id, 7),
            filled(GUILD_ROLLBACK, &[("guild", "42"), ("entry", "7")])
        );
        assert_eq!(guild_cases(id), filled(GUILD_CASES, &g));
        assert_eq!(guild_logs(id), filled(GUILD_LOGS, &g));
        let member = guildhall_core::ids::UserId::new(7);
        assert_eq!(
            guild_member(id, member),
            filled(GUILD_MEMBER, &[("guild", "42"), ("user", "7")])
        );
        assert_eq!(
            guild_logs_of(id, member),
            format!("{}?member=7", filled(GUILD_LOGS, &g))
        );
        let case = [("guild", "42"), ("number", "7")];
        assert_eq!(guild_case(id, 7), filled(GUILD_CASE, &case));
        assert_eq!(guild_case_reason(id, 7), filled(GUILD_CASE_REASON, &case));
        assert_eq!(guild_refusals(id), filled(GUILD_REFUSALS, &g));
        assert_eq!(guild_automod(id), filled(GUILD_AUTOMOD, &g));
        assert_eq!(
            guild_automod_rule(id, "caps"),
            filled(GUILD_AUTOMOD_RULE, &[("guild", "42"), ("rule", "caps")])
        );
        assert_eq!(guild_automod_test(id), filled(GUILD_AUTOMOD_TEST, &g));
        assert_eq!(guild_automod_pattern(id), filled(GUILD_AUTOMOD_PATTERN, &g));
        assert_eq!(guild_ladder(id), filled(GUILD_LADDER, &g));
        assert_eq!(guild_tickets(id), filled(GUILD_TICKETS, &g));
        assert_eq!(guild_ticket_panels(id), filled(GUILD_TICKET_PANELS, &g));
        assert_eq!(
            guild_ticket(id, 7),
            filled(GUILD_TICKET, &[("guild", "42"), ("number", "7")])
        );
        assert_eq!(
            guild_ticket_export(id, 7, "json"),
            filled(
                GUILD_TICKET_EXPORT,
                &[("guild", "42"), ("number", "7"), ("format", "json")]
            )
        );
        assert_eq!(guild_roles(id), filled(GUILD_ROLES, &g));
        assert_eq!(guild_role_panels(id), filled(GUILD_ROLE_PANELS, &g));
        let panel = [("guild", "42"), ("panel", "7")];
        assert_eq!(
            guild_role_panel(id, guildhall_core::roles::PanelId(7)),
            filled(GUILD_ROLE_PANEL, &panel)
        );
        assert_eq!(
            guild_role_panel_delete(id, guildhall_core::roles::PanelId(7)),
            filled(GUILD_ROLE_PANEL_DELETE, &panel)
        );
        assert_eq!(guild_role_preview(id), filled(GUILD_ROLE_PREVIEW, &g));
        assert_eq!(guild_self_roles(id), filled(GUILD_SELF_ROLES, &g));
        assert_eq!(
            guild_timed_role_remove(id, 7),
            filled(GUILD_TIMED_ROLE_REMOVE, &[("guild", "42"), ("timed", "7")])
        );
        assert_eq!(guild_giveaways(id), filled(GUILD_GIVEAWAYS, &g));
        assert_eq!(
            guild_automation_schedules(id),
            filled(GUILD_AUTOMATION_SCHEDULES, &g)
        );
        assert_eq!(
            guild_automation_schedules_new(id),
            filled(GUILD_AUTOMATION_SCHEDULES_NEW, &g)
        );
        assert_eq!(
            guild_automation_schedules_preview(id),
            filled(GUILD_AUTOMATION_SCHEDULES_PREVIEW, &g)
        );
        assert_eq!(
            guild_automation_schedule_action(id, 7, "pause"),
            filled(
                GUILD_AUTOMATION_SCHEDULE_ACTION,
                &[("guild", "42"), ("schedule", "7"), ("action", "pause")]
            )
        );
        assert_eq!(
            guild_automation_triggers(id),
            filled(GUILD_AUTOMATION_TRIGGERS, &g)
        );
        assert_eq!(
            guild_automation_triggers_new(id),
            filled(GUILD_AUTOMATION_TRIGGERS_NEW, &g)
        );
        assert_eq!(
            guild_automation_triggers_toggle(id),
            filled(GUILD_AUTOMATION_TRIGGERS_TOGGLE, &g)
        );
        assert_eq!(
            guild_automation_triggers_delete(id),
            filled(GUILD_AUTOMATION_TRIGGERS_DELETE, &g)
        );
        assert_eq!(
            guild_automation_triggers_test(id),
            filled(GUILD_AUTOMATION_TRIGGERS_TEST, &g)
        );
        assert_eq!(
            guild_automation_flows(id),
            filled(GUILD_AUTOMATION_FLOWS, &g)
        );
        assert_eq!(
            guild_automation_flows_edit(id),
            filled(GUILD_AUTOMATION_FLOWS_EDIT, &g)
        );
        assert_eq!(
            guild_automation_flows_toggle(id),
            filled(GUILD_AUTOMATION_FLOWS_TOGGLE, &g)
        );
        assert_eq!(
            guild_automation_flows_delete(id),
            filled(GUILD_AUTOMATION_FLOWS_DELETE, &g)
        );
        assert_eq!(guild_giveaways_new(id), filled(GUILD_GIVEAWAYS_NEW, &g));
        let giveaway = [("guild", "42"), ("giveaway", "7")];
        assert_eq!(
            guild_giveaway(id, guildhall_core::giveaways::GiveawayId(7)),
            filled(GUILD_GIVEAWAY, &giveaway)
        );
        assert_eq!(
            guild_giveaway_end(id, guildhall_core::giveaways::GiveawayId(7)),
            filled(GUILD_GIVEAWAY_END, &giveaway)
        );
        assert_eq!(
            guild_giveaway_cancel(id, guildhall_core::giveaways::GiveawayId(7)),
            filled(GUILD_GIVEAWAY_CANCEL, &giveaway)
        );
        assert_eq!(
            guild_giveaway_reroll(id, guildhall_core::giveaways::GiveawayId(7)),
            filled(GUILD_GIVEAWAY_REROLL, &giveaway)
        );
        assert_eq!(
            guild_giveaway_export(id, guildhall_core::giveaways::GiveawayId(7), "csv"),
            filled(
                GUILD_GIVEAWAY_EXPORT,
                &[("guild", "42"), ("giveaway", "7"), ("format", "csv")]
            )
        );
        assert_eq!(guild_levels(id), filled(GUILD_LEVELS, &g));
        assert_eq!(guild_levels_settings(id), filled(GUILD_LEVELS_SETTINGS, &g));
        assert_eq!(guild_levels_rewards(id), filled(GUILD_LEVELS_REWARDS, &g));
        assert_eq!(
            guild_levels_multipliers(id),
            filled(GUILD_LEVELS_MULTIPLIERS, &g)
        );
        assert_eq!(guild_levels_no_xp(id), filled(GUILD_LEVELS_NO_XP, &g));
        assert_eq!(guild_levels_import(id), filled(GUILD_LEVELS_IMPORT, &g));
        assert_eq!(guild_levels_export(id), filled(GUILD_LEVELS_EXPORT, &g));
        assert_eq!(
            guild_levels_leaderboard(id),
            filled(GUILD_LEVELS_LEADERBOARD, &g)
        );
        assert_eq!(
            guild_levels_leaderboard_page(id, 2),
            format!("{}?page=2", filled(GUILD_LEVELS_LEADERBOARD, &g))
        );
        assert_eq!(leaderboard(id), filled(LEADERBOARD, &g));
        assert_eq!(
            leaderboard_page(id, 3),
            format!("{}?page=3", filled(LEADERBOARD, &g))
        );
        assert_eq!(
            leaderboard_data(id, 3),
            format!("{}?page=3", filled(LEADERBOARD_DATA, &g))
        );
        assert_eq!(job_cancel(3), filled(JOB_CANCEL, &[("job", "3")]));
        assert_eq!(job_retry(3), filled(JOB_RETRY, &[("job", "3")]));
        assert_eq!(login_then("/guilds/1"), "/login?next=%2Fguilds%2F1");
    }
}
