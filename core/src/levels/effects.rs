//! What a level change does on Discord, as pure code: the announcement (its template rendered,
//! pinging only the member) and the reward roles given or taken, with their audit reasons.

use serde::{Deserialize, Serialize};

use super::rewards::reward_changes;
use super::settings::{AnnounceMode, LevelSettings};
use crate::effect::{AllowedMentions, Effect, OutgoingMessage};
use crate::ids::{ChannelId, GuildId, RoleId, UserId};

/// A member's level went up in a flush.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LevelUp {
    /// The guild.
    pub guild: GuildId,
    /// The member.
    pub user: UserId,
    /// The level before.
    pub old_level: u32,
    /// The level now.
    pub new_level: u32,
    /// The last channel a message earned XP in (for `same_channel` announcements); `None` for
    /// XP from voice.
    pub channel_hint: Option<ChannelId>,
}

/// Renders an announcement template in one pass: `{user}` becomes the member's mention,
/// `{level}` the level and `{server}` the server's name; anything else stays as written (so a
/// server called `{user}` is not expanded twice).
pub fn render_template(template: &str, user: UserId, level: u32, server: &str) -> String {
    let mut rendered = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        rendered.push_str(&rest[..start]);
        let after = &rest[start..];
        let replacement = [
            ("{user}", format!("<@{user}>")),
            ("{level}", level.to_string()),
            ("{server}", server.to_owned()),
        ]
        .into_iter()
        .find(|(placeholder, _)| after.starts_with(placeholder));
        match replacement {
            Some((placeholder, value)) => {
                rendered.push_str(&value);
                rest = &after[placeholder.len()..];
            }
            None => {
                rendered.push('{');
                rest = &after[1..];
            }
        }
    }
    rendered.push_str(rest);
    rendered
}

/// The announcement of a level-up under the guild's settings, if any: nothing when off, when
/// the level did not rise, or when there is nowhere to post (a voice level-up in
/// `same_channel` mode without `announce.channel`). It may ping the member and nobody else.
pub fn announcement(
    settings: &LevelSettings,
    level_up: &LevelUp,
    guild_name: &str,
) -> Option<Effect> {
    if level_up.new_level <= level_up.old_level {
        return None;
    }
    let message = OutgoingMessage {
        content: render_template(
            &settings.announce.template,
            level_up.user,
            level_up.new_level,
            guild_name,
        ),
        allowed_mentions: AllowedMentions {
            users: vec![level_up.user],
            ..AllowedMentions::default()
        },
        ..OutgoingMessage::default()
    };
    let channel = match settings.announce.mode {
        AnnounceMode::Off => return None,
        AnnounceMode::Dm => {
            return Some(Effect::SendDirectMessage {
                user: level_up.user,
                message,
            });
        }
        AnnounceMode::Channel => settings.announce.channel?,
        AnnounceMode::SameChannel => level_up.channel_hint.or(settings.announce.channel)?,
    };
    Some(Effect::Announce {
        guild: level_up.guild,
        channel,
        message,
    })
}

/// The role changes that make a member's reward roles match `level`, each with an audit reason.
pub fn reward_effects(
    settings: &LevelSettings,
    guild: GuildId,
    user: UserId,
    level: u32,
    member_roles: &[RoleId],
) -> Vec<Effect> {
    let changes = reward_changes(settings, level, member_roles);
    let level_of = |role: RoleId| {
        settings
            .rewards
            .iter()
            .find(|reward| reward.role == role)
            .map_or(0, |reward| reward.level)
    };
    let mut effects = Vec::with_capacity(changes.add.len() + changes.remove.len());
    for role in changes.remove {
        let reason = if level_of(role) > level {
            format!(
                "Levels: reward for level {} removed, member is level {level}",
                level_of(role)
            )
        } else {
            format!(
                "Levels: reward for level {} replaced at level {level}",
                level_of(role)
            )
        };
        effects.push(Effect::RemoveRole {
            guild,
            user,
            role,
            reason: Some(reason),
        });
    }
    for role in changes.add {
        effects.push(Effect::AddRole {
            guild,
            user,
            role,
            reason: Some(format!(
                "Levels: reward for reaching level {}",
                level_of(role)
            )),
        });
    }
    effects
}

/// Everything a level-up does: the announcement (if any), then the reward role changes.
pub fn level_up_effects(
    settings: &LevelSettings,
    level_up: &LevelUp,
    member_roles: &[RoleId],
    guild_name: &str,
) -> Vec<Effect> {
    let mut effects: Vec<Effect> = announcement(settings, level_up, guild_name)
        .into_iter()
        .collect();
    effects.extend(reward_effects(
        settings,
        level_up.guild,
        level_up.user,
        level_up.new_level,
        member_roles,
    ));
    effects
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::levels::settings::{Reward, RewardMode};

    const GUILD: GuildId = GuildId::new(1);
    const USER: UserId = UserId::new(42);
    const GENERAL: ChannelId = ChannelId::new(10);
    const LEVELS: ChannelId = ChannelId::new(11);

    fn level_up(hint: Option<ChannelId>) -> LevelUp {
        LevelUp {
            guild: GUILD,
            user: USER,
            old_level: 4,
            new_level: 5,
            channel_hint: hint,
        }
    }

    fn only_user() -> AllowedMentions {
        AllowedMentions {
            users: vec![USER],
            ..AllowedMentions::default()
        }
    }

    #[test]
    fn templates_render_once_and_leave_other_braces() {
        let cases = [
            (
                "{user} reached level {level}!",
                "Guild",
                "<@42> reached level 7!",
            ),
            ("GG {user} on {server}", "Tavern", "GG <@42> on Tavern"),
            ("{server}", "{user} @everyone", "{user} @everyone"),
            (
                "{ user } {unknown} {{level}}",
                "x",
                "{ user } {unknown} {7}",
            ),
            ("{", "x", "{"),
            ("héllo {level}ü", "x", "héllo 7ü"),
        ];
        for (template, server, expected) in cases {
            assert_eq!(
                render_template(template, USER, 7, server),
                expected,
                "{template}"
            );
        }
    }

    #[test]
    fn announcements_go_where_the_mode_says_and_ping_only_the_member() {
        let mut settings = LevelSettings::default();
        settings.announce.template = "{user} is level {level} in {server} @everyone".into();
        let message = OutgoingMessage {
            content: "<@42> is level 5 in Tavern @everyone".into(),
            allowed_mentions: only_user(),
            ..OutgoingMessage::default()
        };
        // same_channel: the message's channel, else the configured one, else nowhere.
        assert_eq!(
            announcement(&settings, &level_up(Some(GENERAL)), "Tavern"),
            Some(Effect::Announce {
                guild: level_up(None).guild,
                channel: GENERAL,
                message: message.clone()
            })
        );
        assert_eq!(announcement(&settings, &level_up(None), "Tavern"), None);
        settings.announce.channel = Some(LEVELS);
        assert_eq!(
            announcement(&settings, &level_up(None), "Tavern"),
            Some(Effect::Announce {
                guild: level_up(None).guild,
                channel: LEVELS,
                message: message.clone()
            })
        );
        settings.announce.mode = AnnounceMode::Channel;
        assert_eq!(
            announcement(&settings, &level_up(Some(GENERAL)), "Tavern"),
            Some(Effect::Announce {
                guild: level_up(None).guild,
                channel: LEVELS,
                message: message.clone()
            })
        );
        settings.announce.mode = AnnounceMode::Dm;
        assert_eq!(
            announcement(&settings, &level_up(Some(GENERAL)), "Tavern"),
            Some(Effect::SendDirectMessage {
                user: USER,
                message
            })
        );
        settings.announce.mode = AnnounceMode::Off;
        assert_eq!(
            announcement(&settings, &level_up(Some(GENERAL)), "Tavern"),
            None
        );
        settings.announce.mode = AnnounceMode::Dm;
        let mut down = level_up(None);
        down.new_level = 3;
        assert_eq!(announcement(&settings, &down, "Tavern"), None);
    }

    #[test]
    fn level_up_effects_announce_then_change_roles_with_reasons() {
        let settings = LevelSettings {
            rewards: vec![
                Reward {
                    level: 3,
                    role: RoleId::new(3),
                },
                Reward {
                    level: 5,
                    role: RoleId::new(5),
                },
                Reward {
                    level: 9,
                    role: RoleId::new(9),
                },
            ],
            reward_mode: RewardMode::Replace,
            ..LevelSettings::default()
        };
        let effects = level_up_effects(
            &settings,
            &level_up(Some(GENERAL)),
            &[RoleId::new(3), RoleId::new(9)],
            "Tavern",
        );
        assert_eq!(
            effects,
            vec![
                Effect::Announce {
                    guild: GUILD,
                    channel: GENERAL,
                    message: OutgoingMessage {
                        content: "<@42> reached level 5!".into(),
                        allowed_mentions: only_user(),
                        ..OutgoingMessage::default()
                    },
                },
                Effect::RemoveRole {
                    guild: GUILD,
                    user: USER,
                    role: RoleId::new(3),
                    reason: Some("Levels: reward for level 3 replaced at level 5".into()),
                },
                Effect::RemoveRole {
                    guild: GUILD,
                    user: USER,
                    role: RoleId::new(9),
                    reason: Some("Levels: reward for level 9 removed, member is level 5".into()),
                },
                Effect::AddRole {
                    guild: GUILD,
                    user: USER,
                    role: RoleId::new(5),
                    reason: Some("Levels: reward for reaching level 5".into()),
                },
            ]
        );
    }
}
