//! `RecentMessageSettings`: whether a guild keeps its recent messages, for how long, and which
//! channels it never keeps.
//!
//! The type and its checks live here; `section.rs` registers it as the `recent_messages` section of a
//! guild's settings. The logging feature (message, member and channel logs) will add its own
//! keys to this section.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::guild_config::sections::FieldError;
use crate::ids::ChannelId;

/// The shortest retention of recent messages, in days.
pub const MIN_RETENTION_DAYS: u32 = 1;
/// The longest retention of recent messages, in days.
pub const MAX_RETENTION_DAYS: u32 = 30;
/// The most channels a guild may exclude from the store.
pub const MAX_IGNORED_CHANNELS: usize = 50;

/// `recent_messages`: the opt-in store of recent messages (used by automod backtests, and by the
/// logging feature for edited and deleted messages).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RecentMessageSettings {
    /// Keep a copy of the guild's messages (off by default: nothing is stored unless the guild
    /// asks for it).
    pub store_recent_messages: bool,
    /// Delete stored messages older than this many days (1 to 30). Applies to what is already
    /// stored even after the store is switched off.
    pub recent_message_retention_days: u32,
    /// Channels (or threads) whose messages are never stored.
    pub ignored_channels: Vec<ChannelId>,
}

impl Default for RecentMessageSettings {
    fn default() -> Self {
        Self {
            store_recent_messages: false,
            recent_message_retention_days: 7,
            ignored_channels: Vec::new(),
        }
    }
}

impl RecentMessageSettings {
    /// Whether a message posted in `channel` is to be stored: the store is on and the channel
    /// is not ignored. A map-free check for the message path.
    pub fn stores(&self, channel: ChannelId) -> bool {
        self.store_recent_messages && !self.ignored_channels.contains(&channel)
    }

    /// How long stored messages are kept.
    pub fn retention(&self) -> Duration {
        Duration::from_secs(u64::from(self.recent_message_retention_days) * 86_400)
    }

    /// Checks what serde cannot: the retention's range and the ignored-channel list.
    ///
    /// # Errors
    /// The first [`FieldError`] found; its message reads after the key ("must be ...").
    pub fn check(&self) -> Result<(), FieldError> {
        if !(MIN_RETENTION_DAYS..=MAX_RETENTION_DAYS).contains(&self.recent_message_retention_days)
        {
            return Err(FieldError {
                field: "recent_message_retention_days",
                message: format!(
                    "must be between {MIN_RETENTION_DAYS} and {MAX_RETENTION_DAYS} days, got {}",
                    self.recent_message_retention_days
                ),
            });
        }
        if self.ignored_channels.len() > MAX_IGNORED_CHANNELS {
            return Err(FieldError {
                field: "ignored_channels",
                message: format!(
                    "must list at most {MAX_IGNORED_CHANNELS} channels, got {}",
                    self.ignored_channels.len()
                ),
            });
        }
        for (index, channel) in self.ignored_channels.iter().enumerate() {
            if self.ignored_channels[..index].contains(channel) {
                return Err(FieldError {
                    field: "ignored_channels",
                    message: format!(
                        "must not list a channel twice; {channel} appears more than once"
                    ),
                });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(edit: impl FnOnce(&mut RecentMessageSettings)) -> Result<(), (&'static str, String)> {
        let mut settings = RecentMessageSettings::default();
        edit(&mut settings);
        settings
            .check()
            .map_err(|error| (error.field, error.message))
    }

    #[test]
    fn defaults_are_valid_and_store_nothing() {
        assert_eq!(check(|_| {}), Ok(()));
        assert!(!RecentMessageSettings::default().stores(ChannelId::new(1)));
        assert_eq!(
            RecentMessageSettings::default().retention(),
            Duration::from_secs(7 * 86_400)
        );
    }

    #[test]
    fn rejects_with_the_field_and_what_is_accepted() {
        type Case = (fn(&mut RecentMessageSettings), &'static str, &'static str);
        let cases: [Case; 4] = [
            (
                |s| s.recent_message_retention_days = 0,
                "recent_message_retention_days",
                "must be between 1 and 30 days, got 0",
            ),
            (
                |s| s.recent_message_retention_days = 31,
                "recent_message_retention_days",
                "must be between 1 and 30 days, got 31",
            ),
            (
                |s| s.ignored_channels = (1..=51).map(ChannelId::new).collect(),
                "ignored_channels",
                "at most 50 channels, got 51",
            ),
            (
                |s| s.ignored_channels = vec![ChannelId::new(4), ChannelId::new(4)],
                "ignored_channels",
                "4 appears more than once",
            ),
        ];
        for (edit, field, fragment) in cases {
            let (got_field, message) = check(edit).unwrap_err();
            assert_eq!(got_field, field);
            assert!(message.contains(fragment), "{field}: {message}");
        }
        assert_eq!(
            check(|s| {
                s.recent_message_retention_days = 30;
                s.ignored_channels = (1..=50).map(ChannelId::new).collect();
            }),
            Ok(())
        );
    }

    #[test]
    fn ignored_channels_are_not_stored() {
        let settings = RecentMessageSettings {
            store_recent_messages: true,
            ignored_channels: vec![ChannelId::new(9)],
            ..RecentMessageSettings::default()
        };
        assert!(settings.stores(ChannelId::new(8)));
        assert!(!settings.stores(ChannelId::new(9)));
    }

    #[test]
    fn json_has_every_key_and_refuses_unknown_ones() {
        let json = serde_json::to_value(RecentMessageSettings::default()).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "store_recent_messages": false,
                "recent_message_retention_days": 7,
                "ignored_channels": [],
            })
        );
        let parsed: RecentMessageSettings =
            serde_json::from_value(serde_json::json!({"ignored_channels": ["42"]})).unwrap();
        assert_eq!(parsed.ignored_channels, [ChannelId::new(42)]);
        assert!(
            serde_json::from_value::<RecentMessageSettings>(serde_json::json!({"store": true}))
                .is_err()
        );
    }
}
