//! Self-assignable roles: `/role add` and `/role remove`, restricted to the guild's
//! `roles.self_roles`.

use super::manage::{RoleAuthority, role_list, role_text};
use super::service::{RoleError, RoleService};
use super::settings::RoleSettings;
use super::store;
use crate::effect::Effect;
use crate::eligibility::RoleNames;
use crate::ids::{GuildId, RoleId, UserId};

/// A member taking a role for themselves or giving it back.
#[derive(Debug, Clone, Copy)]
pub struct SelfRoleRequest<'a> {
    /// The guild.
    pub guild: GuildId,
    /// The member.
    pub user: UserId,
    /// The role.
    pub role: RoleId,
    /// Take it (`true`) or give it back.
    pub add: bool,
    /// The member's roles now.
    pub held: &'a [RoleId],
}

/// The change to perform and the member's answer.
#[derive(Debug, Clone, PartialEq)]
pub struct SelfRoleChange {
    /// [`Effect::AddRole`] or [`Effect::RemoveRole`].
    pub effect: Effect,
    /// "Added @Role." or "Removed @Role."
    pub answer: String,
}

impl RoleService {
    /// Gives or takes a self-assignable role. Only roles in `roles.self_roles` may be taken or
    /// given back this way; the refusal lists the ones that may. Counts toward the member's
    /// role-change rate limit.
    ///
    /// # Errors
    /// [`RoleError::Invalid`] for a role that is not self-assignable, one already held (or not
    /// held, to remove), or a member over the rate limit; [`RoleError::Refused`] when the bot
    /// cannot give the role; storage and ledger errors.
    pub async fn self_role(
        &self,
        settings: &RoleSettings,
        request: SelfRoleRequest<'_>,
        authority: &RoleAuthority<'_>,
        names: &(dyn RoleNames + Sync),
    ) -> Result<SelfRoleChange, RoleError> {
        let role = request.role;
        let shown = role_text(role, names);
        if !settings.self_roles.contains(&role) {
            return Err(RoleError::Invalid(if settings.self_roles.is_empty() {
                "This server has no self-assignable roles; the staff can list some in the roles settings (roles.self_roles) on the dashboard.".to_owned()
            } else {
                format!(
                    "{shown} is not a self-assignable role here; you can take: {}.",
                    role_list(&settings.self_roles, names)
                )
            }));
        }
        let holds = request.held.contains(&role);
        if request.add && holds {
            return Err(RoleError::Invalid(format!("You already have {shown}.")));
        }
        if !request.add && !holds {
            return Err(RoleError::Invalid(format!("You don't have {shown}.")));
        }
        if !self
            .within_rate_limit(
                request.guild,
                request.user,
                settings.panel_clicks_per_minute,
            )
            .await
        {
            return Err(RoleError::Invalid(Self::slow_down(
                settings.panel_clicks_per_minute,
            )));
        }
        let action = if request.add {
            "role.add"
        } else {
            "role.remove"
        };
        if let Err(problem) = authority.check(role, self.clock.now()) {
            return Err(self
                .refuse(request.guild, request.user, None, action, &problem, names)
                .await);
        }
        let reason = Some(format!("/{} by the member", action.replace('.', " ")));
        let (effect, answer) = if request.add {
            (
                Effect::AddRole {
                    guild: request.guild,
                    user: request.user,
                    role,
                    reason,
                },
                format!("Added {shown}."),
            )
        } else {
            // A timed role given back ends its timer too.
            if let Some(timed) =
                store::active_timed(&self.db, request.guild, request.user, role).await?
            {
                self.end_early(&timed, Some(request.user)).await?;
            }
            (
                Effect::RemoveRole {
                    guild: request.guild,
                    user: request.user,
                    role,
                    reason,
                },
                format!("Removed {shown}."),
            )
        };
        Ok(SelfRoleChange { effect, answer })
    }
}
