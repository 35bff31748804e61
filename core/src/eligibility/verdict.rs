//! The decision: every requirement a member does not meet, with the data to explain it.

use std::time::Duration;

use super::facts::Facts;
use super::requirements::Requirements;
use crate::ids::RoleId;

/// One requirement the member does not meet. The data is for staff-facing tools too; the
/// member-facing sentence is [`Unmet::words`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unmet {
    /// The member is blacklisted, by id or by role. Its words do not say which: the data is
    /// for staff, the member only learns that they are blocked.
    Blocked {
        /// The member is listed in `blocked_members`.
        member_listed: bool,
        /// The member's roles listed in `blocked_roles`.
        roles: Vec<RoleId>,
    },
    /// The member has none of the roles of which one is needed.
    AnyRole {
        /// The roles of which any one would do.
        options: Vec<RoleId>,
    },
    /// The member lacks some of the roles that are all needed.
    AllRoles {
        /// Every role needed.
        required: Vec<RoleId>,
        /// The ones the member does not have.
        missing: Vec<RoleId>,
    },
    /// The member's level is too low, or levels are not tracked.
    Level {
        /// The lowest level that may take part.
        needed: u32,
        /// The member's level; `None` when the server does not track levels.
        current: Option<u32>,
    },
    /// The member's account is too young.
    AccountAge {
        /// The minimum age.
        needed: Duration,
        /// The account's age now.
        age: Duration,
    },
    /// The member joined too recently, or when is unknown.
    Membership {
        /// The minimum time in the server.
        needed: Duration,
        /// The time since joining; `None` when the join time is unknown.
        membership: Option<Duration>,
    },
    /// The member has active warnings.
    ActiveWarnings {
        /// How many.
        count: u32,
    },
}

impl Unmet {
    /// How much longer the member must wait for this requirement to be met by time alone:
    /// `Some` only for a too-young account or too-recent membership.
    pub fn wait(&self) -> Option<Duration> {
        match self {
            Self::AccountAge { needed, age } => Some(needed.saturating_sub(*age)),
            Self::Membership {
                needed,
                membership: Some(membership),
            } => Some(needed.saturating_sub(*membership)),
            _ => None,
        }
    }
}

/// Every unmet requirement, in a fixed order: blacklist, roles (any, then all), level, account
/// age, time in the server, warnings. Empty means eligible.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[must_use]
pub struct Verdict {
    /// The unmet requirements; empty when the member is eligible.
    pub unmet: Vec<Unmet>,
}

impl Verdict {
    /// True when every requirement is met.
    pub fn is_eligible(&self) -> bool {
        self.unmet.is_empty()
    }
}

/// Decides whether a member meets `requirements`, listing every requirement they do not meet
/// (a blacklisted member is told about the others too, so nothing is hidden behind one
/// refusal). Pure: no I/O, no clock beyond [`Facts::now`].
pub fn evaluate(requirements: &Requirements, facts: &Facts<'_>) -> Verdict {
    let mut unmet = Vec::new();
    let has = |role: &RoleId| facts.roles.contains(role);

    let member_listed = requirements.blocked_members.contains(&facts.user);
    let blocked_roles: Vec<RoleId> = requirements
        .blocked_roles
        .iter()
        .copied()
        .filter(|role| has(role))
        .collect();
    if member_listed || !blocked_roles.is_empty() {
        unmet.push(Unmet::Blocked {
            member_listed,
            roles: blocked_roles,
        });
    }

    if !requirements.any_roles.is_empty() && !requirements.any_roles.iter().any(has) {
        unmet.push(Unmet::AnyRole {
            options: requirements.any_roles.clone(),
        });
    }

    let missing: Vec<RoleId> = requirements
        .all_roles
        .iter()
        .copied()
        .filter(|role| !has(role))
        .collect();
    if !missing.is_empty() {
        unmet.push(Unmet::AllRoles {
            required: requirements.all_roles.clone(),
            missing,
        });
    }

    if let Some(needed) = requirements.min_level.filter(|needed| *needed > 0) {
        match facts.level {
            Some(current) if current >= needed => {}
            current => unmet.push(Unmet::Level { needed, current }),
        }
    }

    if let Some(needed) = requirements.min_account_age() {
        let age = facts.account_age();
        if age < needed {
            unmet.push(Unmet::AccountAge { needed, age });
        }
    }

    if let Some(needed) = requirements
        .min_membership()
        .filter(|needed| !needed.is_zero())
    {
        let membership = facts.membership();
        if membership.is_none_or(|membership| membership < needed) {
            unmet.push(Unmet::Membership { needed, membership });
        }
    }

    if requirements.no_active_warnings && facts.active_warnings > 0 {
        unmet.push(Unmet::ActiveWarnings {
            count: facts.active_warnings,
        });
    }

    Verdict { unmet }
}
