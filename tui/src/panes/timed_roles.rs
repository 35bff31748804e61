//! Timed roles: one guild's timed roles — the running ones, the soonest to end first, with a
//! countdown that moves every second, then the most recently ended — and early removal (`x`,
//! after a confirmation), done as `guildhall roles timed remove` does it: the timer is
//! cancelled and the running bot removes the role. The list itself is the shared
//! [`GuildList`](super::list::GuildList).

use std::sync::Arc;

use guildhall_core::ids::{GuildId, RoleId, UserId};
use guildhall_core::jobs::{JobFilter, JobId, JobState};
use guildhall_core::roles::{EXPIRE_TIMED_ROLE, Removal, TimedRole, TimedSource};
use ratatui::layout::Constraint;
use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Row;
use serde_json::json;

use super::list::{Details, ListData, ListPane, ListState, Load, Outcome};
use super::{KeyHelp, Notice, View, date_time, fit, key, relative};
use crate::action::Action;
use crate::event::Failure;
use crate::loader::Services;

/// How many ended timed roles the pane lists (and how many expiry jobs of each finished state
/// it looks at to find them).
const ENDED_TIMED_ROLES: u32 = 20;

/// The width of everything in a row but the role: member 19, source 7, granted by 19,
/// expires 11, state 8, five spaces between columns, two borders and the highlight symbol.
const FIXED_COLUMNS: usize = 19 + 7 + 19 + 11 + 8 + 5 + 2 + 2;

/// The timed-roles pane's own part (it has no state of its own).
#[derive(Debug, Default)]
pub struct TimedRoles;

/// A guild's timed roles as the timed-roles pane shows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimedRolesView {
    /// The running timed roles, the soonest to end first, then the most recently ended ones.
    pub roles: Vec<TimedRole>,
    /// The names the console knows for the guild's roles: the labels of the role panels that
    /// offer them (a panel labels a role with its name unless its author chose another label).
    pub names: Vec<(RoleId, String)>,
}

impl TimedRolesView {
    /// The name the console knows for `role`, if any.
    pub fn name(&self, role: RoleId) -> Option<&str> {
        self.names
            .iter()
            .find(|(known, _)| *known == role)
            .map(|(_, name)| name.as_str())
    }
}

impl TimedRolesView {
    /// The role's name when a role panel gives it, else its id.
    fn role_text(&self, role: RoleId) -> String {
        self.name(role)
            .map_or_else(|| role.to_string(), str::to_owned)
    }
}

impl ListData for TimedRolesView {
    type Row = TimedRole;

    fn rows(&self) -> &[TimedRole] {
        &self.roles
    }
}

/// A timed role's state: `active`, or how it ended.
fn state(timed: &TimedRole) -> &'static str {
    match (timed.is_active(), timed.removal) {
        (true, _) => "active",
        (false, Some(Removal::Early)) => "removed",
        (false, Some(Removal::Expired)) => "expired",
        (false, Some(Removal::Replaced)) => "replaced",
        (false, None) => "ended",
    }
}

fn state_style(timed: &TimedRole) -> Style {
    match (timed.is_active(), timed.removal) {
        (true, _) => Style::new().fg(Color::Green),
        (false, Some(Removal::Early)) => Style::new().fg(Color::Yellow),
        _ => Style::new().fg(Color::DarkGray),
    }
}

impl ListPane for TimedRoles {
    type Data = TimedRolesView;

    const HEADER: &'static [&'static str] =
        &["MEMBER", "ROLE", "SOURCE", "GRANTED BY", "EXPIRES", "STATE"];
    const WIDTHS: &'static [Constraint] = &[
        Constraint::Length(19),
        Constraint::Min(7),
        Constraint::Length(7),
        Constraint::Length(19),
        Constraint::Length(11),
        Constraint::Length(8),
    ];
    const HEIGHTS: [Constraint; 2] = [Constraint::Min(6), Constraint::Length(6)];
    const STATUS_LINE: bool = true;
    // The countdowns move on every render; the list itself is reloaded every few seconds.
    const RELOAD_EVERY: u64 = 3;
    const LOADING: &'static str = "loading timed roles…";
    const FAILED: &'static str = "cannot list timed roles";
    const EMPTY: &'static str = "no timed roles in this guild (/temprole or a timed role panel)";
    const DETAILS: &'static str = " Timed role ";

    fn title(&self, guild: &str, data: Option<&TimedRolesView>) -> String {
        let running = data.map_or_else(String::new, |view| {
            format!(
                " · {} running",
                view.roles.iter().filter(|timed| timed.is_active()).count()
            )
        });
        format!(" Timed roles · {guild}{running} ")
    }

    fn load(&self, guild: GuildId) -> Load<TimedRolesView> {
        Load::new("timed roles", move |services| async move {
            timed_roles(&services, guild).await
        })
    }

    fn row(
        &self,
        timed: &TimedRole,
        data: &TimedRolesView,
        width: u16,
        view: &View,
    ) -> Row<'static> {
        // What the fixed columns, the spacing, the borders and the highlight leave.
        let role_width = usize::from(width).saturating_sub(FIXED_COLUMNS).max(7);
        let countdown = relative(timed.expires_at, view.now);
        let countdown_style = if !timed.is_active() {
            Style::new().fg(Color::DarkGray)
        } else if timed.expires_at <= view.now {
            // Due, but the bot has not removed it (yet): no bot running, or Discord refused
            // (the expiry job says why).
            Style::new().fg(Color::Red)
        } else {
            Style::new()
        };
        Row::new(vec![
            Span::raw(timed.user.to_string()),
            Span::raw(fit(&data.role_text(timed.role), role_width)),
            Span::raw(timed.source.as_str()),
            Span::raw(timed.granted_by.to_string()),
            Span::styled(countdown, countdown_style),
            Span::styled(state(timed), state_style(timed)),
        ])
    }

    fn details(
        &self,
        timed: &TimedRole,
        data: &TimedRolesView,
        width: usize,
        view: &View,
    ) -> Details {
        let role = match data.name(timed.role) {
            Some(name) => format!("role {name} ({})", timed.role),
            None => format!("role {}", timed.role),
        };
        let source = match (timed.source, timed.panel) {
            (TimedSource::Panel, Some(panel)) => format!("role panel #{panel}"),
            (TimedSource::Panel, None) => "a role panel".to_owned(),
            (TimedSource::Command, _) => "/temprole".to_owned(),
        };
        let granted_by = if timed.granted_by == timed.user {
            "the member".to_owned()
        } else {
            timed.granted_by.to_string()
        };
        let due = format!(
            "{} UTC ({})",
            date_time(timed.expires_at),
            relative(timed.expires_at, view.now)
        );
        let timing = if timed.is_active() {
            format!(
                "expires {due}{}",
                timed
                    .job
                    .map_or_else(String::new, |job| format!(" · timer: job {job}"))
            )
        } else {
            format!("was due {due}")
        };
        let at = timed
            .removed_at
            .map_or_else(String::new, |at| format!(" {} UTC", date_time(at)));
        let end = match (timed.is_active(), timed.removal) {
            (true, _) => Line::styled(
                "x ends it now: the timer is cancelled and the bot removes the role",
                Style::new().fg(Color::DarkGray),
            ),
            (false, Some(Removal::Early)) => Line::from(match timed.removed_by {
                Some(by) => format!("removed early{at} by {by}"),
                None => format!("removed early{at} by an operator"),
            }),
            (false, Some(Removal::Expired)) => Line::from(format!("expired{at}")),
            (false, Some(Removal::Replaced)) => Line::from(format!("replaced by a new end{at}")),
            (false, None) => Line::from(format!("ended{at}")),
        };
        let lines = vec![
            Line::from(fit(&format!("member {} · {role}", timed.user), width)),
            Line::from(fit(
                &format!(
                    "from {source} · granted by {granted_by} · {} UTC",
                    date_time(timed.created_at)
                ),
                width,
            )),
            Line::from(fit(&timing, width)),
            end,
        ];
        Details {
            title: format!(" Timed role {} · {} ", timed.id, state(timed)),
            lines,
            wrap: false,
        }
    }

    fn same(a: &TimedRole, b: &TimedRole) -> bool {
        a.id == b.id
    }

    fn keys(&self) -> Vec<KeyHelp> {
        vec![key("x, Del", "remove early")]
    }

    /// `x` asks before ending the selected timed role; says why not when it has ended already.
    fn act(&mut self, action: &Action, list: &ListState<TimedRolesView>) -> Option<Outcome> {
        if *action != Action::Remove {
            return None;
        }
        let (Some(guild), Some(timed), Some(data)) = (list.guild(), list.selected(), list.data())
        else {
            return Some(Outcome::Nothing);
        };
        if !timed.is_active() {
            return Some(Outcome::Notice(Notice::Failed(format!(
                "timed role {} is not running ({}); there is nothing to remove",
                timed.id,
                state(timed)
            ))));
        }
        let role_text = data.role_text(timed.role);
        let question = format!(
            "End timed role {} now? The bot removes role {role_text} from member {}.",
            timed.id, timed.user
        );
        let (user, role) = (timed.user, timed.role);
        let change = Load::new(
            format!("remove timed role {user}:{role}"),
            move |services| {
                let role_text = role_text.clone();
                async move {
                    let removal = remove_timed_role(&services, guild, user, role).await?;
                    Ok(format!(
                        "timed role {} ended; the bot removes {role_text} from {} (job {})",
                        removal.timed.id, removal.timed.user, removal.job
                    ))
                }
            },
        );
        Some(Outcome::Ask { question, change })
    }
}

/// A timed role ended early from the console.
#[derive(Debug, Clone, PartialEq, Eq)]
struct TimedRoleRemoval {
    /// The timed role, now ended.
    timed: TimedRole,
    /// The `effects.perform` job that has the running bot remove the role.
    job: JobId,
}
/// A guild's running timed roles (the soonest to end first), then the most recently ended
/// ones, with the role names its role panels give.
///
/// The core lists only running timed roles; an ended one is found through its expiry job,
/// which outlives it in the ledger (a job with a dedupe key is never pruned): `done` for a role
/// that expired, `cancelled` for one removed early or replaced.
async fn timed_roles(services: &Services, guild: GuildId) -> Result<TimedRolesView, Failure> {
    let service = Arc::clone(&services.roles);
    let mut roles = service
        .timed_roles(guild, None)
        .await
        .map_err(|error| error.to_string())?;
    let mut ended: Vec<TimedRole> = Vec::new();
    for state in [JobState::Done, JobState::Cancelled] {
        let jobs = services
            .ledger
            .list(&JobFilter {
                state: Some(state),
                kind: Some(EXPIRE_TIMED_ROLE.to_owned()),
                guild: Some(guild),
                limit: ENDED_TIMED_ROLES,
            })
            .await
            .map_err(|error| error.to_string())?;
        for job in jobs {
            let timed = services
                .roles
                .timed_by_job(guild, job.id)
                .await
                .map_err(|error| error.to_string())?;
            if let Some(timed) = timed
                && !timed.is_active()
                && !ended.iter().any(|seen| seen.id == timed.id)
            {
                ended.push(timed);
            }
        }
    }
    ended.sort_by(|a, b| b.removed_at.cmp(&a.removed_at).then(b.id.cmp(&a.id)));
    ended.truncate(usize::try_from(ENDED_TIMED_ROLES).unwrap_or(usize::MAX));
    roles.extend(ended);
    let mut names: Vec<(RoleId, String)> = Vec::new();
    let panels = service
        .panels(guild)
        .await
        .map_err(|error| error.to_string())?;
    for option in panels.into_iter().flat_map(|panel| panel.options) {
        if !names.iter().any(|(role, _)| *role == option.role) {
            names.push((option.role, option.label));
        }
    }
    Ok(TimedRolesView { roles, names })
}

/// Ends a member's timed role now, exactly as `guildhall roles timed remove` does: the role
/// service ends the record and cancels its expiry job, the removal of the role is handed to the
/// running bot as an `effects.perform` job, and the operator's action is audited.
async fn remove_timed_role(
    services: &Services,
    guild: GuildId,
    user: UserId,
    role: RoleId,
) -> Result<TimedRoleRemoval, Failure> {
    let removed = Arc::clone(&services.roles)
        .remove_timed(guild, user, role, None)
        .await
        .map_err(|error| error.to_string())?;
    let job =
        guildhall_core::jobs::perform::schedule(&services.ledger, Some(guild), removed.remove)
            .await
            .map_err(|error| error.to_string())?;
    let detail = json!({
        "timed_role": removed.timed.id,
        "was_due": removed.timed.expires_at,
        "job": job.id,
    });
    services
        .audit(
            "roles.timed.remove",
            Some(guild),
            Some(&format!("{user}:{role}")),
            detail,
        )
        .await;
    Ok(TimedRoleRemoval {
        timed: removed.timed,
        job: job.id,
    })
}
