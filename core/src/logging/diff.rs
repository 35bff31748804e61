//! Differences in words: what changed on a role or a channel, permission overwrites included,
//! as a moderator reads them ("@Muted: Send Messages inherited → denied").

use crate::events::{ChannelShape, RoleShape};
use crate::permissions::{Overwrite, OverwriteTarget, Permissions};

/// How one permission stands in an overwrite.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stance {
    Allowed,
    Denied,
    Inherited,
}

impl Stance {
    fn of(overwrite: Option<&Overwrite>, permission: Permissions) -> Self {
        match overwrite {
            Some(overwrite) if overwrite.allow.contains(permission) => Self::Allowed,
            Some(overwrite) if overwrite.deny.contains(permission) => Self::Denied,
            _ => Self::Inherited,
        }
    }

    fn word(self) -> &'static str {
        match self {
            Self::Allowed => "allowed",
            Self::Denied => "denied",
            Self::Inherited => "inherited",
        }
    }
}

/// Every single permission bit Discord names, in bit order.
fn each_permission() -> impl Iterator<Item = Permissions> {
    (0..64)
        .map(|bit| Permissions(1 << bit))
        .filter(|permission| Permissions::ALL.contains(*permission))
}

fn permission_name(permission: Permissions) -> String {
    permission.names().first().map_or_else(
        || format!("bit {}", permission.0.trailing_zeros()),
        |n| (*n).to_owned(),
    )
}

/// Permissions granted and taken away between two sets, in words; empty when equal.
pub fn permissions(before: Permissions, after: Permissions) -> Vec<String> {
    let mut lines = Vec::new();
    let granted = before.missing(after);
    let removed = after.missing(before);
    if granted != Permissions::NONE {
        lines.push(format!("Granted: {}", granted.names().join(", ")));
    }
    if removed != Permissions::NONE {
        lines.push(format!("Taken away: {}", removed.names().join(", ")));
    }
    lines
}

fn yes_no(value: bool) -> &'static str {
    if value { "yes" } else { "no" }
}

/// What changed on a role, a line per change.
pub fn role(before: &RoleShape, after: &RoleShape) -> Vec<String> {
    let mut lines = Vec::new();
    if before.name != after.name {
        lines.push(format!("Name: {} → {}", before.name, after.name));
    }
    if before.colour != after.colour {
        lines.push(format!(
            "Colour: {} → {}",
            colour(before.colour),
            colour(after.colour)
        ));
    }
    lines.extend(permissions(before.permissions, after.permissions));
    if before.hoist != after.hoist {
        lines.push(format!(
            "Shown separately: {} → {}",
            yes_no(before.hoist),
            yes_no(after.hoist)
        ));
    }
    if before.mentionable != after.mentionable {
        lines.push(format!(
            "Anyone can mention it: {} → {}",
            yes_no(before.mentionable),
            yes_no(after.mentionable)
        ));
    }
    if before.position != after.position {
        lines.push(format!(
            "Position: {} → {}",
            before.position, after.position
        ));
    }
    lines
}

/// A colour as `#RRGGBB`, or "none".
pub fn colour(value: u32) -> String {
    if value == 0 {
        "none".into()
    } else {
        format!("#{value:06X}")
    }
}

/// What changed on a channel, a line per change; overwrites are named through `target`
/// (`@Moderator`, `ava`).
pub fn channel(
    before: &ChannelShape,
    after: &ChannelShape,
    target: &dyn Fn(OverwriteTarget) -> String,
    category: &dyn Fn(Option<crate::ids::ChannelId>) -> String,
) -> Vec<String> {
    let mut lines = Vec::new();
    if before.name != after.name {
        lines.push(format!("Name: #{} → #{}", before.name, after.name));
    }
    if before.topic != after.topic {
        lines.push(format!(
            "Topic: {} → {}",
            before.topic.as_deref().unwrap_or("(none)"),
            after.topic.as_deref().unwrap_or("(none)")
        ));
    }
    if before.nsfw != after.nsfw {
        lines.push(format!(
            "Age-restricted: {} → {}",
            yes_no(before.nsfw),
            yes_no(after.nsfw)
        ));
    }
    if before.slowmode_secs != after.slowmode_secs {
        lines.push(format!(
            "Slow mode: {} → {}",
            seconds(before.slowmode_secs),
            seconds(after.slowmode_secs)
        ));
    }
    if before.parent != after.parent {
        lines.push(format!(
            "Category: {} → {}",
            category(before.parent),
            category(after.parent)
        ));
    }
    lines.extend(overwrites(&before.overwrites, &after.overwrites, target));
    lines
}

fn seconds(value: u32) -> String {
    match value {
        0 => "off".into(),
        s if s % 3_600 == 0 => format!("{}h", s / 3_600),
        s if s % 60 == 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

/// Permission overwrites compared target by target: one line per target whose overwrite was
/// added, removed or changed, naming each permission that moved between allowed, denied and
/// inherited.
pub fn overwrites(
    before: &[Overwrite],
    after: &[Overwrite],
    target: &dyn Fn(OverwriteTarget) -> String,
) -> Vec<String> {
    let mut targets: Vec<OverwriteTarget> = before.iter().map(|o| o.target).collect();
    for overwrite in after {
        if !targets.contains(&overwrite.target) {
            targets.push(overwrite.target);
        }
    }
    let mut lines = Vec::new();
    for who in targets {
        let old = before.iter().find(|o| o.target == who);
        let new = after.iter().find(|o| o.target == who);
        if old == new {
            continue;
        }
        let changes: Vec<String> = each_permission()
            .filter_map(|permission| {
                let (was, is) = (Stance::of(old, permission), Stance::of(new, permission));
                (was != is).then(|| {
                    format!(
                        "{} {} → {}",
                        permission_name(permission),
                        was.word(),
                        is.word()
                    )
                })
            })
            .collect();
        let prefix = match (old, new) {
            (None, Some(_)) => "overwrite added",
            (Some(_), None) => "overwrite removed",
            _ => "overwrite changed",
        };
        if changes.is_empty() {
            lines.push(format!("{}: {prefix}", target(who)));
        } else {
            lines.push(format!("{}: {prefix}: {}", target(who), changes.join("; ")));
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{ChannelId, RoleId, UserId};
    use crate::references::ChannelKind;

    fn shape() -> RoleShape {
        RoleShape {
            id: RoleId::new(5),
            name: "Helpers".into(),
            colour: 0,
            permissions: Permissions::SEND_MESSAGES,
            position: 3,
            hoist: false,
            mentionable: false,
            managed: false,
        }
    }

    #[test]
    fn a_role_change_names_each_permission_granted_and_taken() {
        let before = shape();
        let after = RoleShape {
            name: "Moderators".into(),
            colour: 0x00FF_AA00,
            permissions: Permissions::KICK_MEMBERS | Permissions::BAN_MEMBERS,
            hoist: true,
            ..shape()
        };
        assert_eq!(
            role(&before, &after),
            [
                "Name: Helpers → Moderators",
                "Colour: none → #FFAA00",
                "Granted: Kick Members, Ban Members",
                "Taken away: Send Messages",
                "Shown separately: no → yes",
            ]
        );
        assert!(role(&before, &before).is_empty());
    }

    #[test]
    fn overwrite_diffs_read_as_words() {
        let muted = OverwriteTarget::Role(RoleId::new(9));
        let ava = OverwriteTarget::Member(UserId::new(4));
        let before = vec![
            Overwrite {
                target: muted,
                allow: Permissions::NONE,
                deny: Permissions::ADD_REACTIONS,
            },
            Overwrite {
                target: ava,
                allow: Permissions::VIEW_CHANNEL,
                deny: Permissions::NONE,
            },
        ];
        let after = vec![Overwrite {
            target: muted,
            allow: Permissions::NONE,
            deny: Permissions::SEND_MESSAGES | Permissions::ADD_REACTIONS,
        }];
        let name = |target: OverwriteTarget| match target {
            OverwriteTarget::Role(_) => "@Muted".to_owned(),
            OverwriteTarget::Member(_) => "ava".to_owned(),
        };
        assert_eq!(
            overwrites(&before, &after, &name),
            [
                "@Muted: overwrite changed: Send Messages inherited → denied",
                "ava: overwrite removed: View Channels allowed → inherited",
            ]
        );
        let before_channel = ChannelShape {
            id: ChannelId::new(1),
            name: "general".into(),
            kind: ChannelKind::Text,
            parent: None,
            topic: None,
            nsfw: false,
            slowmode_secs: 0,
            position: 0,
            overwrites: before,
        };
        let after_channel = ChannelShape {
            name: "chat".into(),
            slowmode_secs: 120,
            overwrites: after,
            ..before_channel.clone()
        };
        let lines = channel(&before_channel, &after_channel, &name, &|_| "(none)".into());
        assert_eq!(lines[0], "Name: #general → #chat");
        assert_eq!(lines[1], "Slow mode: off → 2m");
        assert_eq!(lines.len(), 4);
    }
}
