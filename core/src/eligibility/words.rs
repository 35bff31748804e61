//! Member-facing words: role names, durations as people say them, and one sentence per unmet
//! requirement.

use std::collections::HashMap;
use std::fmt;
use std::hash::BuildHasher;
use std::time::Duration;

use super::verdict::{Unmet, Verdict};
use crate::guild_cache::GuildCache;
use crate::ids::{GuildId, RoleId};

/// Where role names come from, so the words can say "@Supporter" instead of an id.
pub trait RoleNames {
    /// The role's name without the `@`, or `None` when unknown (the words then use the role's
    /// mention, `<@&id>`, which Discord renders as the role).
    fn role_name(&self, role: RoleId) -> Option<String>;
}

/// Knows no names: every role is written as its mention. What `Display` uses.
#[derive(Debug, Clone, Copy, Default)]
pub struct RoleMentions;

impl RoleNames for RoleMentions {
    fn role_name(&self, _role: RoleId) -> Option<String> {
        None
    }
}

impl<S: BuildHasher> RoleNames for HashMap<RoleId, String, S> {
    fn role_name(&self, role: RoleId) -> Option<String> {
        self.get(&role).cloned()
    }
}

/// The role names of one guild in the [`GuildCache`].
#[derive(Debug, Clone, Copy)]
pub struct GuildRoleNames<'a> {
    /// The cache to read.
    pub cache: &'a GuildCache,
    /// The guild whose roles are named.
    pub guild: GuildId,
}

impl RoleNames for GuildRoleNames<'_> {
    fn role_name(&self, role: RoleId) -> Option<String> {
        self.cache.role_name(self.guild, role)
    }
}

/// A role as the member reads it: `@Name`, or its mention when the name is unknown.
pub(super) fn role_text(role: RoleId, names: &dyn RoleNames) -> String {
    names
        .role_name(role)
        .map_or_else(|| format!("<@&{role}>"), |name| format!("@{name}"))
}

/// Roles separated by commas: `@Supporter, @Booster`.
pub(super) fn role_list(roles: &[RoleId], names: &dyn RoleNames) -> String {
    roles
        .iter()
        .map(|role| role_text(*role, names))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The units durations are spoken in; a year is 365 days.
const UNITS: [(u64, &str, &str); 5] = [
    (365 * 86_400, "year", "years"),
    (86_400, "day", "days"),
    (3_600, "hour", "hours"),
    (60, "minute", "minutes"),
    (1, "second", "seconds"),
];

fn count(number: u64, one: &str, many: &str) -> String {
    if number == 1 {
        format!("1 {one}")
    } else {
        format!("{number} {many}")
    }
}

/// A duration as people say it, in its two largest units and rounded down: "7 days",
/// "3 hours", "1 day 4 hours", "2 years 10 days"; under a second, "less than a second".
///
/// [`human_duration`](crate::moderation::modlog::human_duration) is the staff-facing twin
/// (humantime's exact, abbreviated "1day 4h 3m 2s"); members get whole words and no more
/// precision than they need.
pub fn spoken_duration(duration: Duration) -> String {
    let seconds = duration.as_secs();
    let Some(first) = UNITS.iter().position(|(size, ..)| seconds >= *size) else {
        return "less than a second".to_owned();
    };
    let (size, one, many) = UNITS[first];
    let mut text = count(seconds / size, one, many);
    if let Some((next_size, one, many)) = UNITS.get(first + 1) {
        let next = seconds % size / next_size;
        if next > 0 {
            text.push(' ');
            text.push_str(&count(next, one, many));
        }
    }
    text
}

/// Like [`spoken_duration`], but rounded up to the smaller unit shown, so a member told to
/// wait that long is never early: 4 days 20 hours 10 minutes is "4 days 21 hours".
pub fn spoken_duration_rounded_up(duration: Duration) -> String {
    let millis = duration.as_millis();
    let first = UNITS
        .iter()
        .position(|(size, ..)| millis >= u128::from(*size) * 1_000)
        .unwrap_or(UNITS.len() - 1);
    let granule = UNITS.get(first + 1).map_or(1, |(size, ..)| *size);
    let granule_millis = u128::from(granule) * 1_000;
    let rounded = millis.div_ceil(granule_millis) * granule_millis;
    spoken_duration(Duration::from_millis(
        u64::try_from(rounded).unwrap_or(u64::MAX),
    ))
}

impl Unmet {
    /// The sentence that tells the member what is missing, e.g. "You need level 5; you are
    /// level 2." Roles are named through `names`. A blacklisted member is told so without
    /// saying whether their id or one of their roles is listed.
    pub fn words(&self, names: &dyn RoleNames) -> String {
        match self {
            Self::Blocked { .. } => {
                "You cannot take part: you are on this server's blacklist.".to_owned()
            }
            Self::AnyRole { options } => match options.as_slice() {
                [only] => format!("You need the {} role.", role_text(*only, names)),
                many => format!("You need one of these roles: {}.", role_list(many, names)),
            },
            Self::AllRoles { required, missing } => match required.as_slice() {
                [only] => format!("You need the {} role.", role_text(*only, names)),
                many => format!(
                    "You need all of these roles: {}; you are missing {}.",
                    role_list(many, names),
                    role_list(missing, names)
                ),
            },
            Self::Level {
                needed,
                current: Some(current),
            } => format!("You need level {needed}; you are level {current}."),
            Self::Level {
                needed,
                current: None,
            } => {
                format!("You need level {needed}; this server does not track levels at the moment.")
            }
            Self::AccountAge { needed, age } => format!(
                "Your account must be at least {} old; it is {} old (wait another {}).",
                spoken_duration(*needed),
                spoken_duration(*age),
                spoken_duration_rounded_up(needed.saturating_sub(*age))
            ),
            Self::Membership {
                needed,
                membership: Some(membership),
            } => format!(
                "You must have been in the server for at least {}; you joined {} ago (wait \
                 another {}).",
                spoken_duration(*needed),
                spoken_duration(*membership),
                spoken_duration_rounded_up(needed.saturating_sub(*membership))
            ),
            Self::Membership {
                needed,
                membership: None,
            } => format!(
                "You must have been in the server for at least {}; your join date is not known.",
                spoken_duration(*needed)
            ),
            Self::ActiveWarnings { count: warnings } => format!(
                "You have {}; only members without active warnings can take part.",
                count(u64::from(*warnings), "active warning", "active warnings")
            ),
        }
    }
}

/// The sentence with roles written as mentions.
impl fmt::Display for Unmet {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.words(&RoleMentions))
    }
}

impl Verdict {
    /// One sentence per unmet requirement, in the verdict's order; empty when eligible.
    pub fn words(&self, names: &dyn RoleNames) -> Vec<String> {
        self.unmet.iter().map(|unmet| unmet.words(names)).collect()
    }
}
