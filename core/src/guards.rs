//! Permission guards: may this member do this to that member? Pure functions over the
//! permission model, run before every action that touches a member, by a moderator, a panel
//! or automation alike.
//!
//! The rules, in the order they are checked: nobody targets themselves; nobody targets the
//! guild owner; the invoker has the permission the action needs; the invoker's highest role is
//! above the target's; the bot has the permission; the bot's highest role is above the target's.

use serde::Serialize;

use crate::clock::UnixMillis;
use crate::ids::{RoleId, UserId};
use crate::permissions::{GuildInfo, MemberInfo, Permissions};

/// What a guard is asked.
#[derive(Debug, Clone, Copy)]
pub struct GuardRequest<'a> {
    /// The guild's roles and owner.
    pub guild: &'a GuildInfo,
    /// Who asks.
    pub invoker: &'a MemberInfo,
    /// Whom the action targets.
    pub target_user: UserId,
    /// The target as a member, or `None` when they are not in the guild (a ban by id).
    pub target: Option<&'a MemberInfo>,
    /// The bot's own membership.
    pub bot: &'a MemberInfo,
    /// The permission the action needs, of the invoker and of the bot.
    pub needs: Permissions,
    /// Now, for timeouts.
    pub now: UnixMillis,
}

/// Why an action was refused. Each has a stable code (stored) and a sentence for the member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum Refusal {
    /// The invoker targeted themselves.
    SelfTarget,
    /// The target owns the guild.
    TargetIsOwner,
    /// The target is the bot itself.
    TargetIsBot,
    /// The invoker lacks permissions.
    InvokerMissing {
        /// What is missing.
        missing: Permissions,
    },
    /// The invoker's highest role is not above the target's.
    InvokerNotAbove {
        /// The invoker's top role position.
        invoker_top: i32,
        /// The target's top role position.
        target_top: i32,
    },
    /// The bot lacks permissions.
    BotMissing {
        /// What is missing.
        missing: Permissions,
    },
    /// The bot's highest role is not above the target's (or the role's).
    BotNotAbove {
        /// The bot's top role position.
        bot_top: i32,
        /// The target's top role position.
        target_top: i32,
    },
    /// A role the bot cannot assign: above or equal to its own, or managed by an integration.
    RoleNotBelowBot {
        /// The role.
        role: RoleId,
    },
    /// The guards allowed the action but Discord refused it for lack of permission (403, code
    /// 50013): the bot's role changed since, or the guild model was out of date.
    DiscordRefused,
}

impl Refusal {
    /// The stable code stored with the refusal.
    pub fn code(&self) -> &'static str {
        match self {
            Self::SelfTarget => "self_target",
            Self::TargetIsOwner => "target_is_owner",
            Self::TargetIsBot => "target_is_bot",
            Self::InvokerMissing { .. } => "invoker_missing_permission",
            Self::InvokerNotAbove { .. } => "invoker_not_above_target",
            Self::BotMissing { .. } => "bot_missing_permission",
            Self::BotNotAbove { .. } => "bot_not_above_target",
            Self::RoleNotBelowBot { .. } => "role_not_below_bot",
            Self::DiscordRefused => "discord_refused",
        }
    }

    /// What to tell the member, in words they understand, with what would make it work.
    pub fn explain(&self) -> String {
        match self {
            Self::SelfTarget => "You can't use this on yourself.".into(),
            Self::TargetIsOwner => "The server owner can't be targeted.".into(),
            Self::TargetIsBot => "I can't do that to myself.".into(),
            Self::InvokerMissing { missing } => {
                format!("You need the {} permission for this.", missing.names().join(", "))
            }
            Self::InvokerNotAbove { .. } => {
                "You can only act on members whose highest role is below yours.".into()
            }
            Self::BotMissing { missing } => format!(
                "I need the {} permission for this; ask an admin to grant it to my role.",
                missing.names().join(", ")
            ),
            Self::BotNotAbove { .. } => {
                "My highest role must be above theirs; ask an admin to move my role up in Server Settings → Roles.".into()
            }
            Self::RoleNotBelowBot { role } => format!(
                "I can't manage <@&{role}>: it must be below my highest role (move my role above it in Server Settings → Roles)."
            ),
            Self::DiscordRefused => "Discord refused: my role is below theirs or lacks the permission for this; ask an admin to check my role's position and permissions in Server Settings → Roles.".into(),
        }
    }
}

/// Checks an action against every rule; the first broken one is the refusal.
///
/// # Errors
/// The [`Refusal`] naming the broken rule.
pub fn check(request: &GuardRequest<'_>) -> Result<(), Refusal> {
    let guild = request.guild;
    if request.target_user == request.invoker.user {
        return Err(Refusal::SelfTarget);
    }
    if request.target_user == guild.owner {
        return Err(Refusal::TargetIsOwner);
    }
    if request.target_user == request.bot.user {
        return Err(Refusal::TargetIsBot);
    }
    let invoker_permissions = guild.base_permissions(request.invoker, request.now);
    if !invoker_permissions.contains(request.needs) {
        return Err(Refusal::InvokerMissing {
            missing: invoker_permissions.missing(request.needs),
        });
    }
    let target_top = request
        .target
        .map_or(0, |target| guild.top_position(target));
    let invoker_top = guild.top_position(request.invoker);
    if request.target.is_some() && invoker_top <= target_top {
        return Err(Refusal::InvokerNotAbove {
            invoker_top,
            target_top,
        });
    }
    let bot_permissions = guild.base_permissions(request.bot, request.now);
    if !bot_permissions.contains(request.needs) {
        return Err(Refusal::BotMissing {
            missing: bot_permissions.missing(request.needs),
        });
    }
    let bot_top = guild.top_position(request.bot);
    if request.target.is_some() && bot_top <= target_top {
        return Err(Refusal::BotNotAbove {
            bot_top,
            target_top,
        });
    }
    Ok(())
}

/// Checks that the bot can give or take `role`: it has Manage Roles and the role is below its
/// highest role.
///
/// # Errors
/// [`Refusal::BotMissing`] or [`Refusal::RoleNotBelowBot`].
pub fn check_role_manageable(
    guild: &GuildInfo,
    bot: &MemberInfo,
    role: RoleId,
    now: UnixMillis,
) -> Result<(), Refusal> {
    let permissions = guild.base_permissions(bot, now);
    if !permissions.contains(Permissions::MANAGE_ROLES) {
        return Err(Refusal::BotMissing {
            missing: Permissions::MANAGE_ROLES,
        });
    }
    match guild.role(role) {
        Some(info)
            if info.position < guild.top_position(bot) && info.id.get() != guild.id.get() =>
        {
            Ok(())
        }
        _ => Err(Refusal::RoleNotBelowBot { role }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::GuildId;
    use crate::permissions::RoleInfo;

    const OWNER: u64 = 1;
    const BOT: u64 = 2;
    const ADMIN: u64 = 3;
    const MODERATOR: u64 = 4;
    const OTHER_MODERATOR: u64 = 5;
    const MEMBER: u64 = 6;

    fn guild_with_bot_at(bot_position: i32) -> GuildInfo {
        GuildInfo {
            id: GuildId::new(100),
            owner: UserId::new(OWNER),
            roles: vec![
                RoleInfo {
                    id: RoleId::new(100),
                    position: 0,
                    permissions: Permissions::VIEW_CHANNEL,
                },
                RoleInfo {
                    id: RoleId::new(10),
                    position: 10,
                    permissions: Permissions::ADMINISTRATOR,
                },
                RoleInfo {
                    id: RoleId::new(11),
                    position: bot_position,
                    permissions: Permissions::KICK_MEMBERS | Permissions::MANAGE_ROLES,
                },
                RoleInfo {
                    id: RoleId::new(12),
                    position: 5,
                    permissions: Permissions::KICK_MEMBERS,
                },
                RoleInfo {
                    id: RoleId::new(13),
                    position: 1,
                    permissions: Permissions::NONE,
                },
            ],
        }
    }

    fn member(user: u64) -> MemberInfo {
        let role = match user {
            ADMIN => vec![RoleId::new(10)],
            BOT => vec![RoleId::new(11)],
            MODERATOR | OTHER_MODERATOR => vec![RoleId::new(12)],
            MEMBER => vec![RoleId::new(13)],
            _ => vec![],
        };
        MemberInfo {
            user: UserId::new(user),
            roles: role,
            timed_out_until: None,
        }
    }

    fn kick(guild: &GuildInfo, invoker: u64, target: u64) -> Result<(), Refusal> {
        let (invoker, target_member, bot) = (member(invoker), member(target), member(BOT));
        check(&GuardRequest {
            guild,
            invoker: &invoker,
            target_user: UserId::new(target),
            target: Some(&target_member),
            bot: &bot,
            needs: Permissions::KICK_MEMBERS,
            now: UnixMillis(0),
        })
    }

    #[test]
    fn every_rule_in_order() {
        let guild = guild_with_bot_at(8);
        assert_eq!(kick(&guild, MODERATOR, MEMBER), Ok(()));
        assert_eq!(kick(&guild, MODERATOR, MODERATOR), Err(Refusal::SelfTarget));
        assert_eq!(kick(&guild, ADMIN, OWNER), Err(Refusal::TargetIsOwner));
        assert_eq!(kick(&guild, ADMIN, BOT), Err(Refusal::TargetIsBot));
        assert_eq!(
            kick(&guild, MEMBER, OTHER_MODERATOR).unwrap_err().code(),
            "invoker_missing_permission"
        );
        assert_eq!(
            kick(&guild, MODERATOR, OTHER_MODERATOR),
            Err(Refusal::InvokerNotAbove {
                invoker_top: 5,
                target_top: 5
            })
        );
        assert_eq!(
            kick(&guild, MODERATOR, ADMIN),
            Err(Refusal::InvokerNotAbove {
                invoker_top: 5,
                target_top: 10
            })
        );
        // The owner outranks every role, but the bot must still be above the target.
        assert_eq!(
            kick(&guild, OWNER, ADMIN),
            Err(Refusal::BotNotAbove {
                bot_top: 8,
                target_top: 10
            })
        );
        assert_eq!(kick(&guild, ADMIN, MODERATOR), Ok(()));
        let low_bot = guild_with_bot_at(4);
        assert_eq!(
            kick(&low_bot, ADMIN, MODERATOR),
            Err(Refusal::BotNotAbove {
                bot_top: 4,
                target_top: 5
            })
        );
    }

    #[test]
    fn refusals_explain_themselves() {
        let missing = Refusal::InvokerMissing {
            missing: Permissions::BAN_MEMBERS,
        };
        assert_eq!(
            missing.explain(),
            "You need the Ban Members permission for this."
        );
        assert!(
            Refusal::BotNotAbove {
                bot_top: 1,
                target_top: 2
            }
            .explain()
            .contains("move my role up")
        );
    }

    #[test]
    fn roles_must_be_below_the_bot() {
        let guild = guild_with_bot_at(8);
        let bot = member(BOT);
        assert_eq!(
            check_role_manageable(&guild, &bot, RoleId::new(13), UnixMillis(0)),
            Ok(())
        );
        assert_eq!(
            check_role_manageable(&guild, &bot, RoleId::new(10), UnixMillis(0)),
            Err(Refusal::RoleNotBelowBot {
                role: RoleId::new(10)
            })
        );
        assert!(
            check_role_manageable(&guild, &bot, RoleId::new(100), UnixMillis(0)).is_err(),
            "@everyone"
        );
    }
}
