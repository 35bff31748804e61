//! May the bot give this role, and may this member hand it out? Pure checks over the permission
//! model, run when a panel is created or edited, at every click (roles move), and before every
//! timed, self-assigned or automatic role.
//!
//! The bot can give a role when it has Manage Roles, the role sits below the bot's highest role,
//! and the role is neither @everyone nor managed by an integration. A member may hand a role
//! out (create a panel with it, give it for a while) when they have Manage Roles and the role sits
//! below their own highest role; the owner may hand out any role.

use crate::clock::UnixMillis;
use crate::eligibility::RoleNames;
use crate::guards::Refusal;
use crate::ids::RoleId;
use crate::permissions::{GuildInfo, MemberInfo, Permissions};

/// Why a role cannot be given: each has a member-facing sentence naming the role and the fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoleProblem {
    /// The bot lacks Manage Roles.
    BotMissingManageRoles {
        /// The bot's highest role, to name where the permission goes.
        bot_top: Option<RoleId>,
    },
    /// The role is not in the guild (deleted, or another guild's).
    UnknownRole {
        /// The role.
        role: RoleId,
    },
    /// The role is @everyone.
    Everyone {
        /// The @everyone role (the guild's id).
        role: RoleId,
    },
    /// The role belongs to an integration (a bot's own role, the booster role).
    Managed {
        /// The role.
        role: RoleId,
    },
    /// The role is at or above the bot's highest role.
    NotBelowBot {
        /// The role.
        role: RoleId,
        /// The bot's highest role, if it has one.
        bot_top: Option<RoleId>,
        /// The role is level with the bot's highest role rather than above it.
        level: bool,
        /// The role's position.
        position: i32,
        /// The bot's highest position.
        bot_position: i32,
    },
    /// The member handing the role out lacks Manage Roles.
    InvokerMissingManageRoles,
    /// The role is at or above the highest role of the member handing it out.
    InvokerNotAbove {
        /// The role.
        role: RoleId,
        /// The role's position.
        position: i32,
        /// The member's highest position.
        invoker_position: i32,
    },
}

/// A role as a member reads it: `@Name`, or its mention when the name is unknown.
pub(super) fn role_text(role: RoleId, names: &dyn RoleNames) -> String {
    names
        .role_name(role)
        .map_or_else(|| format!("<@&{role}>"), |name| format!("@{name}"))
}

/// Roles separated by commas.
pub(super) fn role_list(roles: &[RoleId], names: &dyn RoleNames) -> String {
    roles
        .iter()
        .map(|role| role_text(*role, names))
        .collect::<Vec<_>>()
        .join(", ")
}

impl RoleProblem {
    /// What to tell the member, naming the role and what would make it work.
    pub fn words(&self, names: &dyn RoleNames) -> String {
        let my_role = |bot_top: &Option<RoleId>| {
            bot_top.map_or_else(
                || "I have no role yet".to_owned(),
                |role| role_text(role, names),
            )
        };
        match self {
            Self::BotMissingManageRoles { bot_top } => format!(
                "I need the Manage Roles permission to give roles; ask an admin to grant it to my role ({}) in Server Settings → Roles.",
                my_role(bot_top)
            ),
            Self::UnknownRole { role } => format!(
                "I cannot find the role <@&{role}> in this server; it may have been deleted."
            ),
            Self::Everyone { .. } => {
                "@everyone belongs to every member; it cannot be given or taken.".to_owned()
            }
            Self::Managed { role } => format!(
                "I cannot give {}: it is managed by an integration (a bot's own role or the booster role), and only Discord assigns it.",
                role_text(*role, names)
            ),
            Self::NotBelowBot {
                role,
                bot_top,
                level,
                ..
            } => format!(
                "I cannot give {}: it is {} my highest role ({}); move my role above it in Server Settings → Roles.",
                role_text(*role, names),
                if *level { "level with" } else { "above" },
                my_role(bot_top)
            ),
            Self::InvokerMissingManageRoles => {
                "You need the Manage Roles permission to hand out roles.".to_owned()
            }
            Self::InvokerNotAbove { role, .. } => format!(
                "You cannot hand out {}: it is not below your highest role.",
                role_text(*role, names)
            ),
        }
    }

    /// The guard refusal stored for this problem (its code is what the refusal log shows).
    pub fn refusal(&self) -> Refusal {
        match self {
            Self::BotMissingManageRoles { .. } => Refusal::BotMissing {
                missing: Permissions::MANAGE_ROLES,
            },
            Self::UnknownRole { role }
            | Self::Everyone { role }
            | Self::Managed { role }
            | Self::NotBelowBot { role, .. } => Refusal::RoleNotBelowBot { role: *role },
            Self::InvokerMissingManageRoles => Refusal::InvokerMissing {
                missing: Permissions::MANAGE_ROLES,
            },
            Self::InvokerNotAbove {
                position,
                invoker_position,
                ..
            } => Refusal::InvokerNotAbove {
                invoker_top: *invoker_position,
                target_top: *position,
            },
        }
    }
}

/// The member's highest role and its position (0 and `None` with no role but @everyone).
fn top_role(guild: &GuildInfo, member: &MemberInfo) -> (Option<RoleId>, i32) {
    member
        .roles
        .iter()
        .filter_map(|id| guild.role(*id))
        .max_by_key(|role| role.position)
        .map_or((None, 0), |role| (Some(role.id), role.position))
}

/// Checks that the bot can give and take `role`. `managed` says the role belongs to an
/// integration (Discord tells it in the role's data; it never changes for a role).
///
/// # Errors
/// The [`RoleProblem`] that stops it.
pub fn check_bot_can_manage(
    guild: &GuildInfo,
    bot: &MemberInfo,
    role: RoleId,
    managed: bool,
    now: UnixMillis,
) -> Result<(), RoleProblem> {
    let (bot_top, bot_position) = top_role(guild, bot);
    if role.get() == guild.id.get() {
        return Err(RoleProblem::Everyone { role });
    }
    let Some(info) = guild.role(role) else {
        return Err(RoleProblem::UnknownRole { role });
    };
    if managed {
        return Err(RoleProblem::Managed { role });
    }
    if !guild
        .base_permissions(bot, now)
        .contains(Permissions::MANAGE_ROLES)
    {
        return Err(RoleProblem::BotMissingManageRoles { bot_top });
    }
    if info.position >= bot_position {
        return Err(RoleProblem::NotBelowBot {
            role,
            bot_top,
            level: info.position == bot_position,
            position: info.position,
            bot_position,
        });
    }
    Ok(())
}

/// Checks that `invoker` may hand `role` out: Manage Roles, and the role below their highest
/// role (the owner may hand out any role).
///
/// # Errors
/// The [`RoleProblem`] that stops it.
pub fn check_invoker_can_grant(
    guild: &GuildInfo,
    invoker: &MemberInfo,
    role: RoleId,
    now: UnixMillis,
) -> Result<(), RoleProblem> {
    if invoker.user == guild.owner {
        return Ok(());
    }
    if !guild
        .base_permissions(invoker, now)
        .contains(Permissions::MANAGE_ROLES)
    {
        return Err(RoleProblem::InvokerMissingManageRoles);
    }
    let position = guild.role(role).map_or(i32::MAX, |info| info.position);
    let invoker_position = guild.top_position(invoker);
    if position >= invoker_position {
        return Err(RoleProblem::InvokerNotAbove {
            role,
            position,
            invoker_position,
        });
    }
    Ok(())
}

/// Who asks for roles to be given, as the checks see them: the guild, the bot, the member who
/// hands the roles out (none for the operator or automation), and the roles Discord marks as
/// managed by an integration.
#[derive(Debug, Clone, Copy)]
pub struct RoleAuthority<'a> {
    /// The guild's roles and owner.
    pub guild: &'a GuildInfo,
    /// The bot's own membership.
    pub bot: &'a MemberInfo,
    /// The member handing roles out; `None` for automation and members taking roles for
    /// themselves (panels, self roles), whose roles are offered by staff.
    pub invoker: Option<&'a MemberInfo>,
    /// Roles known to be managed by an integration.
    pub managed: &'a [RoleId],
}

impl RoleAuthority<'_> {
    /// Checks one role: the bot can give it, and the invoker (if any) may hand it out. The bot's
    /// side comes first: a role the bot cannot give is useless whoever asks.
    ///
    /// # Errors
    /// The first [`RoleProblem`].
    pub fn check(&self, role: RoleId, now: UnixMillis) -> Result<(), RoleProblem> {
        check_bot_can_manage(
            self.guild,
            self.bot,
            role,
            self.managed.contains(&role),
            now,
        )?;
        if let Some(invoker) = self.invoker {
            check_invoker_can_grant(self.guild, invoker, role, now)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::ids::{GuildId, UserId};
    use crate::permissions::RoleInfo;

    const GUILD: u64 = 100;
    const ADMIN_ROLE: u64 = 10;
    const BOT_ROLE: u64 = 11;
    const MOD_ROLE: u64 = 12;
    const MEMBER_ROLE: u64 = 13;
    const LEVEL_ROLE: u64 = 14;

    fn guild(bot_permissions: Permissions) -> GuildInfo {
        let role = |id, position, permissions| RoleInfo {
            id: RoleId::new(id),
            position,
            permissions,
        };
        GuildInfo {
            id: GuildId::new(GUILD),
            owner: UserId::new(1),
            roles: vec![
                role(GUILD, 0, Permissions::VIEW_CHANNEL),
                role(ADMIN_ROLE, 10, Permissions::ADMINISTRATOR),
                role(BOT_ROLE, 8, bot_permissions),
                role(LEVEL_ROLE, 8, Permissions::NONE),
                role(MOD_ROLE, 5, Permissions::MANAGE_ROLES),
                role(MEMBER_ROLE, 1, Permissions::NONE),
            ],
        }
    }

    fn member(user: u64, roles: &[u64]) -> MemberInfo {
        MemberInfo {
            user: UserId::new(user),
            roles: roles.iter().copied().map(RoleId::new).collect(),
            timed_out_until: None,
        }
    }

    fn names() -> HashMap<RoleId, String> {
        [
            (ADMIN_ROLE, "Admin"),
            (BOT_ROLE, "Guildhall"),
            (MOD_ROLE, "Moderator"),
            (MEMBER_ROLE, "Member"),
            (LEVEL_ROLE, "Level"),
        ]
        .into_iter()
        .map(|(id, name)| (RoleId::new(id), name.to_owned()))
        .collect()
    }

    fn bot_check(permissions: Permissions, role: u64, managed: bool) -> Result<(), String> {
        check_bot_can_manage(
            &guild(permissions),
            &member(2, &[BOT_ROLE]),
            RoleId::new(role),
            managed,
            UnixMillis(0),
        )
        .map_err(|problem| problem.words(&names()))
    }

    #[test]
    fn the_bot_gives_only_roles_below_its_own_with_manage_roles() {
        let manage = Permissions::MANAGE_ROLES;
        assert_eq!(bot_check(manage, MEMBER_ROLE, false), Ok(()));
        assert_eq!(bot_check(manage, MOD_ROLE, false), Ok(()));
        assert_eq!(
            bot_check(manage, ADMIN_ROLE, false).unwrap_err(),
            "I cannot give @Admin: it is above my highest role (@Guildhall); move my role above it in Server Settings → Roles."
        );
        assert!(
            bot_check(manage, LEVEL_ROLE, false)
                .unwrap_err()
                .contains("it is level with my highest role (@Guildhall)")
        );
        assert_eq!(
            bot_check(Permissions::NONE, MEMBER_ROLE, false).unwrap_err(),
            "I need the Manage Roles permission to give roles; ask an admin to grant it to my role (@Guildhall) in Server Settings → Roles."
        );
        assert!(
            bot_check(manage, MEMBER_ROLE, true)
                .unwrap_err()
                .contains("managed by an integration")
        );
        assert!(
            bot_check(manage, GUILD, false)
                .unwrap_err()
                .contains("@everyone")
        );
        assert!(
            bot_check(manage, 999, false)
                .unwrap_err()
                .contains("cannot find the role <@&999>")
        );
        // Administrator includes Manage Roles.
        assert_eq!(
            bot_check(Permissions::ADMINISTRATOR, MOD_ROLE, false),
            Ok(())
        );
    }

    #[test]
    fn members_hand_out_only_roles_below_their_own() {
        let guild = guild(Permissions::MANAGE_ROLES);
        let check = |invoker: &MemberInfo, role: u64| {
            check_invoker_can_grant(&guild, invoker, RoleId::new(role), UnixMillis(0))
        };
        let moderator = member(4, &[MOD_ROLE]);
        assert_eq!(check(&moderator, MEMBER_ROLE), Ok(()));
        let refused = check(&moderator, MOD_ROLE).unwrap_err();
        assert_eq!(
            refused.words(&names()),
            "You cannot hand out @Moderator: it is not below your highest role."
        );
        assert_eq!(refused.refusal().code(), "invoker_not_above_target");
        assert_eq!(
            check(&member(6, &[MEMBER_ROLE]), MEMBER_ROLE),
            Err(RoleProblem::InvokerMissingManageRoles)
        );
        assert_eq!(check(&member(1, &[]), ADMIN_ROLE), Ok(()), "the owner");
        assert_eq!(check(&member(3, &[ADMIN_ROLE]), MOD_ROLE), Ok(()));
    }

    #[test]
    fn the_authority_checks_the_bot_first() {
        let guild = guild(Permissions::MANAGE_ROLES);
        let bot = member(2, &[BOT_ROLE]);
        let moderator = member(4, &[MOD_ROLE]);
        let authority = RoleAuthority {
            guild: &guild,
            bot: &bot,
            invoker: Some(&moderator),
            managed: &[],
        };
        assert!(matches!(
            authority.check(RoleId::new(ADMIN_ROLE), UnixMillis(0)),
            Err(RoleProblem::NotBelowBot { .. })
        ));
        assert!(matches!(
            authority.check(RoleId::new(MOD_ROLE), UnixMillis(0)),
            Err(RoleProblem::InvokerNotAbove { .. })
        ));
        assert_eq!(
            authority.check(RoleId::new(MEMBER_ROLE), UnixMillis(0)),
            Ok(())
        );
        assert_eq!(
            RoleProblem::NotBelowBot {
                role: RoleId::new(ADMIN_ROLE),
                bot_top: None,
                level: false,
                position: 10,
                bot_position: 0
            }
            .refusal()
            .code(),
            "role_not_below_bot"
        );
    }
}
