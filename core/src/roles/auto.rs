//! Automatic roles: given when a member joins, and when they pass membership screening
//! (pending → not pending). Pure: the bot performs the effects. (Roles at a level are the
//! levels feature's rewards.)

use super::manage::{RoleAuthority, RoleProblem};
use super::settings::RoleSettings;
use crate::clock::UnixMillis;
use crate::effect::Effect;
use crate::permissions::MemberInfo;

/// What gives the automatic roles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AutoTrigger {
    /// The member joined (`roles.auto_roles_on_join`).
    Join,
    /// The member passed membership screening (`roles.auto_roles_on_screening`).
    Screening,
}

impl AutoTrigger {
    /// The audit-log reason of the roles it gives.
    pub fn reason(self) -> &'static str {
        match self {
            Self::Join => "auto role on join",
            Self::Screening => "auto role after membership screening",
        }
    }
}

/// The roles to give, and the ones the bot cannot give (for the log: nobody asked, so nobody
/// is answered).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AutoRoles {
    /// [`Effect::AddRole`] per role the member lacks and the bot can give.
    pub effects: Vec<Effect>,
    /// The roles skipped, each with why.
    pub skipped: Vec<RoleProblem>,
}

/// The automatic roles `trigger` gives `member`: the configured roles they do not hold yet and
/// the bot can give.
pub fn auto_roles(
    settings: &RoleSettings,
    trigger: AutoTrigger,
    member: &MemberInfo,
    authority: &RoleAuthority<'_>,
    now: UnixMillis,
) -> AutoRoles {
    let configured = match trigger {
        AutoTrigger::Join => &settings.auto_roles_on_join,
        AutoTrigger::Screening => &settings.auto_roles_on_screening,
    };
    let mut outcome = AutoRoles::default();
    for role in configured {
        if member.roles.contains(role) {
            continue;
        }
        match authority.check(*role, now) {
            Ok(()) => outcome.effects.push(Effect::AddRole {
                guild: authority.guild.id,
                user: member.user,
                role: *role,
                reason: Some(trigger.reason().to_owned()),
            }),
            Err(problem) => outcome.skipped.push(problem),
        }
    }
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{GuildId, RoleId, UserId};
    use crate::permissions::{GuildInfo, Permissions, RoleInfo};

    #[test]
    fn gives_the_missing_roles_the_bot_can_give() {
        let role = |id, position, permissions| RoleInfo {
            id: RoleId::new(id),
            position,
            permissions,
        };
        let guild = GuildInfo {
            id: GuildId::new(100),
            owner: UserId::new(1),
            roles: vec![
                role(100, 0, Permissions::NONE),
                role(10, 10, Permissions::NONE),
                role(8, 8, Permissions::MANAGE_ROLES),
                role(2, 2, Permissions::NONE),
                role(3, 3, Permissions::NONE),
            ],
        };
        let bot = MemberInfo {
            user: UserId::new(9),
            roles: vec![RoleId::new(8)],
            timed_out_until: None,
        };
        let member = MemberInfo {
            user: UserId::new(5),
            roles: vec![RoleId::new(3)],
            timed_out_until: None,
        };
        let settings = RoleSettings {
            auto_roles_on_join: vec![RoleId::new(2), RoleId::new(3), RoleId::new(10)],
            auto_roles_on_screening: vec![RoleId::new(2)],
            ..RoleSettings::default()
        };
        let authority = RoleAuthority {
            guild: &guild,
            bot: &bot,
            invoker: None,
            managed: &[],
        };
        let joined = auto_roles(
            &settings,
            AutoTrigger::Join,
            &member,
            &authority,
            UnixMillis(0),
        );
        assert_eq!(
            joined.effects,
            vec![Effect::AddRole {
                guild: GuildId::new(100),
                user: UserId::new(5),
                role: RoleId::new(2),
                reason: Some("auto role on join".into()),
            }]
        );
        assert!(matches!(
            joined.skipped.as_slice(),
            [RoleProblem::NotBelowBot { .. }]
        ));
        let screened = auto_roles(
            &settings,
            AutoTrigger::Screening,
            &member,
            &authority,
            UnixMillis(0),
        );
        assert_eq!(screened.effects.len(), 1);
        assert!(
            auto_roles(
                &RoleSettings::default(),
                AutoTrigger::Join,
                &member,
                &authority,
                UnixMillis(0)
            )
            .effects
            .is_empty()
        );
    }
}
