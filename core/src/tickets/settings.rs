//! `TicketSettings`: where tickets open, who the staff are, and when idle tickets close.
//!
//! The type and its checks live here; `section.rs` registers it as the `tickets` section of a
//! guild's settings.

use serde::{Deserialize, Serialize};

use crate::guild_config::sections::FieldError;
use crate::ids::{ChannelId, RoleId};

/// The most staff roles a guild may name.
pub const MAX_STAFF_ROLES: usize = 10;
/// The longest inactivity before an automatic close: 30 days, in hours.
pub const MAX_AUTO_CLOSE_HOURS: u32 = 720;
/// The longest transcript retention: ten years (0 keeps transcripts forever).
pub const MAX_RETENTION_DAYS: u32 = 3_650;

/// Where a ticket's conversation happens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TicketMode {
    /// A private thread in the panel's channel, visible to the opener and the staff.
    Thread,
    /// A private channel in the category named by `category`.
    Channel,
}

impl TicketMode {
    /// The name stored in SQL and shown in settings.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Thread => "thread",
            Self::Channel => "channel",
        }
    }
}

impl std::str::FromStr for TicketMode {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "thread" => Ok(Self::Thread),
            "channel" => Ok(Self::Channel),
            other => Err(format!(
                "unknown ticket mode `{other}`; modes are: thread, channel"
            )),
        }
    }
}

/// `tickets`: how support tickets open and close.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TicketSettings {
    /// A private thread in the panel's channel, or a private channel in `category`.
    pub mode: TicketMode,
    /// The category new ticket channels go in; required in channel mode.
    pub category: Option<ChannelId>,
    /// Roles whose members handle tickets: added to every ticket, and allowed to claim, close
    /// and reopen.
    pub staff_roles: Vec<RoleId>,
    /// A member may have only one open ticket per panel.
    pub one_open_per_member: bool,
    /// Close a ticket after this many hours without a message (0 = never).
    pub auto_close_hours: u32,
    /// Warn in the ticket this many minutes before the automatic close (0 = no warning).
    pub auto_close_warning_minutes: u32,
    /// Delete the transcripts of tickets closed more than this many days ago (0 = keep forever).
    pub transcript_retention_days: u32,
}

impl Default for TicketSettings {
    fn default() -> Self {
        Self {
            mode: TicketMode::Thread,
            category: None,
            staff_roles: Vec::new(),
            one_open_per_member: true,
            auto_close_hours: 0,
            auto_close_warning_minutes: 60,
            transcript_retention_days: 90,
        }
    }
}

impl TicketSettings {
    /// Checks what serde cannot: the category in channel mode, the staff list, and that the
    /// warning comes before the close.
    ///
    /// # Errors
    /// The first [`FieldError`] found; its message reads after the key ("must be ...").
    pub fn check(&self) -> Result<(), FieldError> {
        if self.mode == TicketMode::Channel && self.category.is_none() {
            return Err(FieldError {
                field: "category",
                message: "must be set to a category id when mode is channel (tickets are created as private channels in it)".into(),
            });
        }
        if self.staff_roles.len() > MAX_STAFF_ROLES {
            return Err(FieldError {
                field: "staff_roles",
                message: format!(
                    "must list at most {MAX_STAFF_ROLES} roles, got {}",
                    self.staff_roles.len()
                ),
            });
        }
        for (index, role) in self.staff_roles.iter().enumerate() {
            if self.staff_roles[..index].contains(role) {
                return Err(FieldError {
                    field: "staff_roles",
                    message: format!("must not list a role twice; {role} appears more than once"),
                });
            }
        }
        if self.auto_close_hours > MAX_AUTO_CLOSE_HOURS {
            return Err(FieldError {
                field: "auto_close_hours",
                message: format!(
                    "must be at most {MAX_AUTO_CLOSE_HOURS} hours (30 days; 0 = never), got {}",
                    self.auto_close_hours
                ),
            });
        }
        let close_minutes = u64::from(self.auto_close_hours) * 60;
        if self.auto_close_hours > 0 && u64::from(self.auto_close_warning_minutes) >= close_minutes
        {
            return Err(FieldError {
                field: "auto_close_warning_minutes",
                message: format!(
                    "must be less than the {close_minutes} minutes of auto_close_hours (0 = no warning), got {}",
                    self.auto_close_warning_minutes
                ),
            });
        }
        if self.transcript_retention_days > MAX_RETENTION_DAYS {
            return Err(FieldError {
                field: "transcript_retention_days",
                message: format!(
                    "must be at most {MAX_RETENTION_DAYS} days (0 = keep forever), got {}",
                    self.transcript_retention_days
                ),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(edit: impl FnOnce(&mut TicketSettings)) -> Result<(), (&'static str, String)> {
        let mut settings = TicketSettings::default();
        edit(&mut settings);
        settings
            .check()
            .map_err(|error| (error.field, error.message))
    }

    #[test]
    fn defaults_are_valid() {
        assert_eq!(check(|_| {}), Ok(()));
    }

    #[test]
    fn rejects_with_the_field_and_what_is_accepted() {
        type Case = (fn(&mut TicketSettings), &'static str, &'static str);
        let cases: [Case; 6] = [
            (
                |s| s.mode = TicketMode::Channel,
                "category",
                "must be set to a category id",
            ),
            (
                |s| s.staff_roles = vec![RoleId::new(5), RoleId::new(5)],
                "staff_roles",
                "5 appears more than once",
            ),
            (
                |s| s.staff_roles = (1..=11).map(RoleId::new).collect(),
                "staff_roles",
                "at most 10 roles, got 11",
            ),
            (
                |s| s.auto_close_hours = 721,
                "auto_close_hours",
                "at most 720 hours",
            ),
            (
                |s| {
                    s.auto_close_hours = 1;
                    s.auto_close_warning_minutes = 60;
                },
                "auto_close_warning_minutes",
                "less than the 60 minutes",
            ),
            (
                |s| s.transcript_retention_days = 4_000,
                "transcript_retention_days",
                "at most 3650 days",
            ),
        ];
        for (edit, field, fragment) in cases {
            let (got_field, message) = check(edit).unwrap_err();
            assert_eq!(got_field, field);
            assert!(message.contains(fragment), "{field}: {message}");
        }
        assert_eq!(
            check(|s| {
                s.mode = TicketMode::Channel;
                s.category = Some(ChannelId::new(9));
                s.auto_close_hours = 2;
                s.auto_close_warning_minutes = 30;
            }),
            Ok(())
        );
    }

    #[test]
    fn json_has_every_key_and_refuses_unknown_ones() {
        let json = serde_json::to_value(TicketSettings::default()).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "mode": "thread",
                "category": null,
                "staff_roles": [],
                "one_open_per_member": true,
                "auto_close_hours": 0,
                "auto_close_warning_minutes": 60,
                "transcript_retention_days": 90,
            })
        );
        let parsed: TicketSettings = serde_json::from_value(
            serde_json::json!({"mode": "channel", "category": "42", "staff_roles": ["7"]}),
        )
        .unwrap();
        assert_eq!(parsed.category, Some(ChannelId::new(42)));
        assert_eq!(parsed.staff_roles, [RoleId::new(7)]);
        assert!(
            serde_json::from_value::<TicketSettings>(serde_json::json!({"mod": "thread"})).is_err()
        );
        assert!(
            serde_json::from_value::<TicketSettings>(serde_json::json!({"mode": "forum"})).is_err()
        );
    }
}
