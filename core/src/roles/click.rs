//! A member's click on a role panel: the rate limit, the eligibility check, the "can the bot
//! still give this role" check (roles move after a panel is posted), the toggle decision, and
//! for timed panels the expiry of each role taken.

use super::components::RoleComponent;
use super::manage::{RoleAuthority, role_list};
use super::model::{PanelStyle, RolePanel, TimedSource};
use super::service::{RoleError, RoleService};
use super::settings::RoleSettings;
use super::store;
use super::timed::TimedGrant;
use super::toggle::{self, RoleChanges};
use crate::clock::UnixMillis;
use crate::effect::Effect;
use crate::eligibility::{Facts, RoleNames, evaluate};
use crate::ids::{GuildId, RoleId, UserId};
use crate::moderation;

/// A click (or a choice in a select menu) on a role panel.
#[derive(Debug, Clone)]
pub struct Click<'a> {
    /// The guild.
    pub guild: GuildId,
    /// The member who clicked.
    pub user: UserId,
    /// The component, from its custom id.
    pub component: RoleComponent,
    /// The chosen values of a select menu (role ids); empty for a button.
    pub values: &'a [String],
    /// The member's roles now (from the interaction).
    pub roles: &'a [RoleId],
    /// When the member joined, if known.
    pub joined_at: Option<UnixMillis>,
}

/// What a click does: the role changes to perform, then the member's private answer.
#[derive(Debug, Clone, PartialEq)]
pub struct ClickOutcome {
    /// [`Effect::RemoveRole`]s then [`Effect::AddRole`]s; empty when nothing changes.
    pub effects: Vec<Effect>,
    /// What to tell the member: "Added @Role.", "Removed @Role.", why they cannot take it, or
    /// to slow down.
    pub answer: String,
}

impl ClickOutcome {
    fn answer(answer: impl Into<String>) -> Self {
        Self {
            effects: Vec::new(),
            answer: answer.into(),
        }
    }
}

impl RoleService {
    /// Handles a click on a panel. Every outcome a member can cause (over the rate limit, not
    /// eligible, a role the bot can no longer give, a panel that is gone) is an answer with no
    /// effects; only the bot's own failures are errors. Eligibility is checked only for roles
    /// being added: a member can always give a role back. A refusal is stored.
    ///
    /// # Errors
    /// Storage and job-ledger errors.
    pub async fn click(
        &self,
        settings: &RoleSettings,
        click: &Click<'_>,
        authority: &RoleAuthority<'_>,
        names: &(dyn RoleNames + Sync),
    ) -> Result<ClickOutcome, RoleError> {
        let guild = click.guild;
        if !self
            .within_rate_limit(guild, click.user, settings.panel_clicks_per_minute)
            .await
        {
            return Ok(ClickOutcome::answer(Self::slow_down(
                settings.panel_clicks_per_minute,
            )));
        }
        let panel_id = click.component.panel();
        let Some(panel) = store::get_panel(&self.db, guild, panel_id).await? else {
            return Ok(ClickOutcome::answer(
                "This role panel no longer exists; ask the staff for a new one.",
            ));
        };
        let changes = match (click.component, panel.style) {
            (RoleComponent::Button { role, .. }, PanelStyle::Buttons) => {
                if !panel.offers(role) {
                    return Ok(ClickOutcome::answer(
                        "That role is no longer on this panel.",
                    ));
                }
                toggle::button(&panel.roles(), panel.choice, click.roles, role)
            }
            (RoleComponent::Select { .. }, PanelStyle::Select) => {
                let chosen: Vec<RoleId> = click
                    .values
                    .iter()
                    .filter_map(|value| value.parse().ok())
                    .collect();
                toggle::select(&panel.roles(), panel.choice, click.roles, &chosen)
            }
            _ => {
                return Ok(ClickOutcome::answer(
                    "This role panel was changed; use the panel as it is shown now.",
                ));
            }
        };
        if changes.is_empty() {
            return Ok(ClickOutcome::answer(
                "Nothing to change: you already have what you chose.",
            ));
        }
        // A timed panel is paused while the guild's tier lacks timed roles: nothing is given
        // (the member sees the premium wall); roles given earlier still end on time.
        if !changes.add.is_empty() && panel.timed().is_some() {
            self.require_timed(guild)?;
        }
        if !changes.add.is_empty()
            && let Some(refused) = self.ineligible(&panel, click, names).await
        {
            return Ok(ClickOutcome::answer(refused));
        }
        let now = self.clock.now();
        let problem = changes
            .remove
            .iter()
            .chain(&changes.add)
            .find_map(|role| authority.check(*role, now).err());
        if let Some(problem) = problem {
            let refused = self
                .refuse(guild, click.user, None, "rolepanel.click", &problem, names)
                .await;
            return Ok(ClickOutcome::answer(refused.to_string()));
        }
        self.perform_click(settings, &panel, click, &changes, names)
            .await
    }

    /// Every unmet requirement in the member's words, or `None` when they are eligible.
    async fn ineligible(
        &self,
        panel: &RolePanel,
        click: &Click<'_>,
        names: &(dyn RoleNames + Sync),
    ) -> Option<String> {
        let requirements = &panel.requirements;
        if requirements.is_empty() {
            return None;
        }
        let level = if requirements.min_level.is_some_and(|level| level > 0) {
            self.levels.level(click.guild, click.user).await
        } else {
            None
        };
        let now = self.clock.now();
        let active_warnings = if requirements.no_active_warnings {
            match moderation::store::active_warnings(&self.db, click.guild, click.user, now).await {
                Ok(count) => count,
                Err(error) => {
                    tracing::warn!(guild = %click.guild, %error, "could not count warnings for a role panel");
                    0
                }
            }
        } else {
            0
        };
        let verdict = evaluate(
            requirements,
            &Facts {
                user: click.user,
                roles: click.roles,
                level,
                joined_at: click.joined_at,
                active_warnings,
                now,
            },
        );
        (!verdict.is_eligible()).then(|| verdict.words(names).join(" "))
    }

    async fn perform_click(
        &self,
        settings: &RoleSettings,
        panel: &RolePanel,
        click: &Click<'_>,
        changes: &RoleChanges,
        names: &(dyn RoleNames + Sync),
    ) -> Result<ClickOutcome, RoleError> {
        let guild = click.guild;
        let reason = Some(format!("role panel #{}", panel.id));
        let mut effects = Vec::new();
        for role in &changes.remove {
            // A timed role given back early ends its timer.
            if let Some(timed) = store::active_timed(&self.db, guild, click.user, *role).await? {
                self.end_early(&timed, Some(click.user)).await?;
            }
            effects.push(Effect::RemoveRole {
                guild,
                user: click.user,
                role: *role,
                reason: reason.clone(),
            });
        }
        for role in &changes.add {
            match panel.timed() {
                Some(duration) => {
                    let granted = self
                        .grant_timed_checked(
                            settings,
                            TimedGrant {
                                guild,
                                user: click.user,
                                role: *role,
                                duration,
                                source: TimedSource::Panel,
                                panel: Some(panel.id),
                                granted_by: click.user,
                                already_held: false,
                            },
                            names,
                        )
                        .await?;
                    effects.push(granted.add);
                }
                None => effects.push(Effect::AddRole {
                    guild,
                    user: click.user,
                    role: *role,
                    reason: reason.clone(),
                }),
            }
        }
        Ok(ClickOutcome {
            effects,
            answer: answer(changes, panel.timed(), names),
        })
    }
}

/// "Added @A." / "Removed @B." / "Added @A and removed @B." — with how long a timed role lasts.
fn answer(
    changes: &RoleChanges,
    timed: Option<std::time::Duration>,
    names: &dyn RoleNames,
) -> String {
    let until = timed
        .map(|timed| format!(" (for {})", crate::eligibility::spoken_duration(timed)))
        .unwrap_or_default();
    match (changes.add.as_slice(), changes.remove.as_slice()) {
        ([], []) => "Nothing to change.".to_owned(),
        (added, []) => format!("Added {}{until}.", role_list(added, names)),
        ([], removed) => format!("Removed {}.", role_list(removed, names)),
        (added, removed) => format!(
            "Added {}{until} and removed {}.",
            role_list(added, names),
            role_list(removed, names)
        ),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::time::Duration;

    use super::*;

    #[test]
    fn answers_name_the_roles() {
        let names: HashMap<RoleId, String> = [
            (RoleId::new(1), "Gamer".to_owned()),
            (RoleId::new(2), "Artist".to_owned()),
        ]
        .into();
        let changes = |remove: &[u64], add: &[u64]| RoleChanges {
            remove: remove.iter().copied().map(RoleId::new).collect(),
            add: add.iter().copied().map(RoleId::new).collect(),
        };
        assert_eq!(answer(&changes(&[], &[1]), None, &names), "Added @Gamer.");
        assert_eq!(answer(&changes(&[1], &[]), None, &names), "Removed @Gamer.");
        assert_eq!(
            answer(
                &changes(&[2], &[1]),
                Some(Duration::from_secs(86_400)),
                &names
            ),
            "Added @Gamer (for 1 day) and removed @Artist."
        );
        assert_eq!(
            answer(&changes(&[], &[1, 3]), None, &names),
            "Added @Gamer, <@&3>."
        );
    }
}
