//! What a member must satisfy: the stored, validated [`Requirements`] and their public summary.

use std::collections::HashSet;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::words::{RoleNames, role_list, spoken_duration};
use crate::guild_config::sections::FieldError;
use crate::ids::{RoleId, UserId};

/// Most roles in each of `any_roles`, `all_roles` and `blocked_roles`.
pub const MAX_ROLES: usize = 25;
/// Most members in `blocked_members`.
pub const MAX_BLOCKED_MEMBERS: usize = 100;
/// The longest minimum account age or membership: 10 years of 365 days, in seconds.
pub const MAX_DURATION_SECS: u64 = 10 * 365 * 86_400;

/// The requirements a member must meet to take part (claim a role, enter a giveaway, open a
/// ticket, ask the assistant). The default requires nothing.
///
/// Serde fills every absent field with its default and rejects unknown fields; [`check`]
/// makes the checks serde cannot.
///
/// [`check`]: Requirements::check
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Requirements {
    /// The member needs at least one of these roles (none listed: no requirement).
    pub any_roles: Vec<RoleId>,
    /// The member needs every one of these roles.
    pub all_roles: Vec<RoleId>,
    /// The lowest level that may take part; `0` or absent requires nothing.
    pub min_level: Option<u32>,
    /// The youngest account that may take part, in seconds since its creation.
    pub min_account_age_secs: Option<u64>,
    /// The shortest time in the server that may take part, in seconds since joining.
    pub min_membership_secs: Option<u64>,
    /// Members who may never take part.
    pub blocked_members: Vec<UserId>,
    /// Members with any of these roles may never take part.
    pub blocked_roles: Vec<RoleId>,
    /// Members with an active (not yet decayed) warning may not take part.
    pub no_active_warnings: bool,
}

impl Requirements {
    /// The roles the requirements name, each with its key under `prefix`, to check that they
    /// belong to the guild ([`crate::references`]).
    pub fn references(&self, prefix: &str) -> Vec<(String, crate::references::Reference)> {
        use crate::references::Reference;
        let roles = |key: &str, roles: &[RoleId]| {
            roles
                .iter()
                .map(|role| (format!("{prefix}.{key}"), Reference::Role(*role)))
                .collect::<Vec<_>>()
        };
        let mut all = roles("any_roles", &self.any_roles);
        all.extend(roles("all_roles", &self.all_roles));
        all.extend(roles("blocked_roles", &self.blocked_roles));
        all
    }

    /// True when nothing is required and nobody is blocked: every member is eligible.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// The minimum account age as a duration.
    pub fn min_account_age(&self) -> Option<Duration> {
        self.min_account_age_secs.map(Duration::from_secs)
    }

    /// The minimum time in the server as a duration.
    pub fn min_membership(&self) -> Option<Duration> {
        self.min_membership_secs.map(Duration::from_secs)
    }

    /// Checks what serde cannot: list sizes, no role listed twice, durations of at most 10
    /// years, and no role both required and blocked.
    ///
    /// # Errors
    /// The first [`FieldError`] found. Its field is this struct's field name (a section that
    /// embeds the requirements under a key names that key itself); its message reads after the
    /// field ("must ...") and names the role by id where one role is at fault.
    pub fn check(&self) -> Result<(), FieldError> {
        check_roles("any_roles", &self.any_roles)?;
        check_roles("all_roles", &self.all_roles)?;
        check_roles("blocked_roles", &self.blocked_roles)?;
        if self.blocked_members.len() > MAX_BLOCKED_MEMBERS {
            return Err(FieldError {
                field: "blocked_members",
                message: format!(
                    "must list at most {MAX_BLOCKED_MEMBERS} members, got {}",
                    self.blocked_members.len()
                ),
            });
        }
        if let Some(user) = first_repeat(&self.blocked_members) {
            return Err(FieldError {
                field: "blocked_members",
                message: format!("must not list member {user} twice"),
            });
        }
        check_duration("min_account_age_secs", self.min_account_age_secs)?;
        check_duration("min_membership_secs", self.min_membership_secs)?;
        for (field, required) in [
            ("any_roles", &self.any_roles),
            ("all_roles", &self.all_roles),
        ] {
            if let Some(role) = required
                .iter()
                .find(|role| self.blocked_roles.contains(role))
            {
                return Err(FieldError {
                    field: "blocked_roles",
                    message: format!(
                        "must not contain role {role}, which {field} also lists: members would \
                         need the role and be refused for having it"
                    ),
                });
            }
        }
        Ok(())
    }

    /// The requirements in words for a panel or giveaway message, e.g. "Requires one of
    /// @Supporter, @Booster · level 5+ · account at least 7 days old · member for at least
    /// 1 day · no active warnings".
    ///
    /// `None` when there is nothing to show: nothing is required, or only the blacklist is set,
    /// which is never advertised (who is on it is between the member and the staff).
    pub fn summary(&self, names: &dyn RoleNames) -> Option<String> {
        let mut parts = Vec::new();
        match self.any_roles.as_slice() {
            [] => {}
            [only] => parts.push(role_list(&[*only], names)),
            many => parts.push(format!("one of {}", role_list(many, names))),
        }
        match self.all_roles.as_slice() {
            [] => {}
            [only] => parts.push(role_list(&[*only], names)),
            many => parts.push(format!("all of {}", role_list(many, names))),
        }
        if let Some(level) = self.min_level.filter(|level| *level > 0) {
            parts.push(format!("level {level}+"));
        }
        if let Some(age) = self.min_account_age().filter(|age| !age.is_zero()) {
            parts.push(format!("account at least {} old", spoken_duration(age)));
        }
        if let Some(time) = self.min_membership().filter(|time| !time.is_zero()) {
            parts.push(format!("member for at least {}", spoken_duration(time)));
        }
        if self.no_active_warnings {
            parts.push("no active warnings".to_owned());
        }
        if parts.is_empty() {
            None
        } else {
            Some(format!("Requires {}", parts.join(" · ")))
        }
    }
}

fn check_roles(field: &'static str, roles: &[RoleId]) -> Result<(), FieldError> {
    if roles.len() > MAX_ROLES {
        return Err(FieldError {
            field,
            message: format!("must list at most {MAX_ROLES} roles, got {}", roles.len()),
        });
    }
    if let Some(role) = first_repeat(roles) {
        return Err(FieldError {
            field,
            message: format!("must not list role {role} twice"),
        });
    }
    Ok(())
}

fn check_duration(field: &'static str, seconds: Option<u64>) -> Result<(), FieldError> {
    match seconds {
        Some(seconds) if seconds > MAX_DURATION_SECS => Err(FieldError {
            field,
            message: format!(
                "must be at most {MAX_DURATION_SECS} seconds (10 years), got {seconds}"
            ),
        }),
        _ => Ok(()),
    }
}

/// The first id listed a second time.
fn first_repeat<T: Copy + Eq + std::hash::Hash>(ids: &[T]) -> Option<T> {
    let mut seen = HashSet::with_capacity(ids.len());
    ids.iter().copied().find(|id| !seen.insert(*id))
}
