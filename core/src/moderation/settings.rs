//! `ModerationSettings`: warning decay, the escalation ladder, DMs and the ban deletion window.
//!
//! The type and its checks live here; `section.rs` registers it as the `moderation` section of a
//! guild's settings.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::guild_config::sections::FieldError;

/// The longest native timeout Discord allows: 28 days.
pub const MAX_TIMEOUT: Duration = Duration::from_secs(28 * 86_400);
/// The longest message-deletion window of a ban Discord allows: 7 days.
pub const MAX_BAN_DELETE: Duration = Duration::from_secs(7 * 86_400);
/// The most steps an escalation ladder may have.
pub const MAX_LADDER_STEPS: usize = 20;
/// The longest warning decay: ten years (0 means never).
pub const MAX_DECAY_DAYS: u32 = 3_650;

/// `moderation`: how warnings decay, what the escalation ladder does, and how members are told.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ModerationSettings {
    /// Days after which a warning stops counting, per severity (0 = never).
    pub warning_decay_days: WarningDecay,
    /// What happens when a member reaches a number of active warnings, lowest threshold first.
    pub ladder: Vec<LadderStep>,
    /// Send the member a direct message with the case and reason (before a kick or ban, while
    /// the bot still shares a server with them).
    pub dm_member: bool,
    /// How much of a banned user's message history to delete, in seconds, when the moderator
    /// does not say (0 to 604800).
    pub ban_delete_message_secs: u32,
}

impl Default for ModerationSettings {
    fn default() -> Self {
        Self {
            warning_decay_days: WarningDecay::default(),
            ladder: vec![
                LadderStep {
                    at: 3,
                    action: LadderAction::Timeout {
                        duration_secs: 3_600,
                    },
                },
                LadderStep {
                    at: 5,
                    action: LadderAction::Kick {},
                },
                LadderStep {
                    at: 7,
                    action: LadderAction::Ban {
                        delete_message_secs: 0,
                        duration_secs: None,
                    },
                },
            ],
            dm_member: true,
            ban_delete_message_secs: 0,
        }
    }
}

/// Days a warning of each severity counts (0 = forever).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WarningDecay {
    /// Minor offences.
    pub minor: u32,
    /// Major offences.
    pub major: u32,
    /// Severe offences.
    pub severe: u32,
}

impl Default for WarningDecay {
    fn default() -> Self {
        Self {
            minor: 30,
            major: 90,
            severe: 0,
        }
    }
}

/// One rung of the escalation ladder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LadderStep {
    /// The number of active warnings that reaches this step.
    pub at: u32,
    /// What the step does.
    pub action: LadderAction,
}

/// What an escalation step does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum LadderAction {
    /// A native timeout.
    Timeout {
        /// How long, at most 28 days.
        duration_secs: u64,
    },
    /// A kick (a struct variant, so unknown keys next to `kind` are refused).
    Kick {},
    /// A ban; with a duration it is a tempban, lifted by the job ledger.
    Ban {
        /// How much message history to delete, in seconds (at most 7 days).
        #[serde(default)]
        delete_message_secs: u32,
        /// How long the ban lasts; absent for a permanent ban.
        #[serde(default)]
        duration_secs: Option<u64>,
    },
}

impl ModerationSettings {
    /// Checks what serde cannot: ladder order, size and durations, decay and deletion limits.
    ///
    /// # Errors
    /// The first [`FieldError`] found; its message reads after the key ("must be ...").
    pub fn check(&self) -> Result<(), FieldError> {
        let decay = self.warning_decay_days;
        for (field, days) in [
            ("warning_decay_days.minor", decay.minor),
            ("warning_decay_days.major", decay.major),
            ("warning_decay_days.severe", decay.severe),
        ] {
            if days > MAX_DECAY_DAYS {
                return Err(FieldError {
                    field,
                    message: format!(
                        "must be at most {MAX_DECAY_DAYS} days (0 = never decays), got {days}"
                    ),
                });
            }
        }
        if u64::from(self.ban_delete_message_secs) > MAX_BAN_DELETE.as_secs() {
            return Err(FieldError {
                field: "ban_delete_message_secs",
                message: format!(
                    "must be at most {} seconds (7 days), got {}",
                    MAX_BAN_DELETE.as_secs(),
                    self.ban_delete_message_secs
                ),
            });
        }
        check_ladder(&self.ladder).map_err(|message| FieldError {
            field: "ladder",
            message,
        })
    }
}

fn check_ladder(ladder: &[LadderStep]) -> Result<(), String> {
    if ladder.len() > MAX_LADDER_STEPS {
        return Err(format!(
            "must have at most {MAX_LADDER_STEPS} steps, got {}",
            ladder.len()
        ));
    }
    let mut previous: Option<u32> = None;
    for (index, step) in ladder.iter().enumerate() {
        let number = index + 1;
        if step.at == 0 {
            return Err(format!(
                "must have thresholds of at least 1 warning; step {number} is at 0"
            ));
        }
        if let Some(previous) = previous
            && step.at <= previous
        {
            return Err(format!(
                "must have strictly increasing thresholds; step {number} (at {}) is not above the step before it (at {previous})",
                step.at
            ));
        }
        previous = Some(step.at);
        match step.action {
            LadderAction::Timeout { duration_secs } => {
                if duration_secs == 0 || duration_secs > MAX_TIMEOUT.as_secs() {
                    return Err(format!(
                        "must have timeouts between 1 second and 28 days ({} seconds); step {number} has {duration_secs}",
                        MAX_TIMEOUT.as_secs()
                    ));
                }
            }
            LadderAction::Kick {} => {}
            LadderAction::Ban {
                delete_message_secs,
                duration_secs,
            } => {
                if u64::from(delete_message_secs) > MAX_BAN_DELETE.as_secs() {
                    return Err(format!(
                        "must have ban message deletion of at most {} seconds (7 days); step {number} has {delete_message_secs}",
                        MAX_BAN_DELETE.as_secs()
                    ));
                }
                if duration_secs == Some(0) {
                    return Err(format!(
                        "must have ban durations above 0 seconds (leave duration_secs out for a permanent ban); step {number} has 0"
                    ));
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(json: serde_json::Value) -> Result<(), String> {
        let settings: ModerationSettings =
            serde_json::from_value(json).map_err(|error| error.to_string())?;
        settings
            .check()
            .map_err(|error| format!("{} {}", error.field, error.message))
    }

    #[test]
    fn defaults_are_valid_and_round_trip() {
        let defaults = ModerationSettings::default();
        assert_eq!(defaults.check(), Ok(()));
        let json = serde_json::to_value(&defaults).unwrap();
        assert_eq!(json["ladder"][0]["action"]["kind"], "timeout");
        let back: ModerationSettings = serde_json::from_value(json).unwrap();
        assert_eq!(back, defaults);
    }

    #[test]
    fn rejects_bad_ladders_with_clear_messages() {
        use serde_json::json;
        let timeout = |at: u32, secs: u64| json!({"at": at, "action": {"kind": "timeout", "duration_secs": secs}});
        assert_eq!(
            check(json!({"ladder": [timeout(3, 60), timeout(5, 60)]})),
            Ok(())
        );
        let error = check(json!({"ladder": [timeout(3, 60), timeout(3, 60)]})).unwrap_err();
        assert!(
            error.starts_with("ladder must have strictly increasing thresholds; step 2 (at 3)"),
            "{error}"
        );
        let error = check(json!({"ladder": [timeout(3, 29 * 86_400)]})).unwrap_err();
        assert!(error.contains("28 days"), "{error}");
        assert!(check(json!({"ladder": [timeout(3, 0)]})).is_err());
        assert!(check(json!({"ladder": [timeout(0, 60)]})).is_err());
        let many: Vec<_> = (1..=21).map(|at| timeout(at, 60)).collect();
        let error = check(json!({ "ladder": many })).unwrap_err();
        assert_eq!(error, "ladder must have at most 20 steps, got 21");
        let error =
            check(json!({"ladder": [{"at": 2, "action": {"kind": "ban", "duration_secs": 0}}]}))
                .unwrap_err();
        assert!(error.contains("above 0 seconds"), "{error}");
        assert!(check(json!({"ladder": [{"at": 2, "action": {"kind": "ban", "delete_message_secs": 700000}}]})).is_err());
        assert!(
            check(json!({"ban_delete_message_secs": 604_801}))
                .unwrap_err()
                .starts_with("ban_delete_message_secs must be at most")
        );
        assert!(check(json!({"warning_decay_days": {"minor": 4000}})).is_err());
        // Unknown keys are refused, in the section and in a step's action.
        assert!(check(json!({"ladders": []})).is_err());
        assert!(
            check(json!({"ladder": [{"at": 2, "action": {"kind": "kick", "extra": 1}}]})).is_err()
        );
        assert!(check(json!({"ladder": [{"at": 2, "action": {"kind": "timeout", "duration_secs": 60, "extra": 1}}]})).is_err());
        assert!(check(json!({"ladder": [{"at": 2, "action": {"kind": "kick"}}]})).is_ok());
    }
}
