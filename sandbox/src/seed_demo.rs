//! The demo world: two community guilds with role hierarchies, channels and many members.

use guildhall_core::ids::{ChannelId, GuildId, RoleId, UserId};
use guildhall_core::permissions::Permissions;

use crate::model::ChannelKind;
use crate::seed::{Seed, SeedGuild, bot_permissions, moderator_permissions, snowflake};

const FIRST: [&str; 32] = [
    "ava", "liam", "noah", "emma", "olivia", "lucas", "mia", "ethan", "sofia", "leo", "isla",
    "hugo", "zoe", "felix", "nora", "oscar", "ruby", "theo", "iris", "jonas", "lena", "milo",
    "clara", "ezra", "maya", "arlo", "ines", "kai", "freya", "otto", "yara", "sami",
];
const SUFFIX: [&str; 8] = ["", "_gg", "42", ".dev", "_x", "plays", "_art", "99"];

/// The demo seed.
pub fn demo() -> Seed {
    const T: u64 = 230_000_000_000;
    let mut seed = Seed::new();
    let user = |i: u64| UserId::new(snowflake(T - 50_000_000 + i * 97_531, i));
    let count = 64_u64;
    for i in 0..count {
        let index = usize::try_from(i).unwrap_or(0);
        let name = format!(
            "{}{}",
            FIRST[index % FIRST.len()],
            SUFFIX[(index / FIRST.len() + index) % SUFFIX.len()]
        );
        seed = seed.user(user(i), &name);
    }
    let looks = [
        (
            Some("a1b2c3d4e5f60718293a4b5c6d7e8f90"),
            [("ferris", false), ("lgtm", false), ("typing", true)],
        ),
        (
            None,
            [("pixel_heart", false), ("gg", true), ("coin", false)],
        ),
    ];
    for (g, ((name, ms), (icon, emojis))) in [("Cozy Coders", T), ("Pixel Plaza", T + 1)]
        .into_iter()
        .zip(looks)
        .enumerate()
    {
        let gid = GuildId::new(snowflake(ms, 1));
        let role = |n: u64| RoleId::new(snowflake(ms, 10 + n));
        let channel = |n: u64| ChannelId::new(snowflake(ms, 40 + n));
        let offset = u64::try_from(g).unwrap_or(0) * 20;
        let owner = user(offset);
        let mut guild = SeedGuild::new(gid, name, owner)
            .role(role(0), "Admin", 20, Permissions::ADMINISTRATOR)
            .bot_role(
                role(1),
                "Guildhall",
                15,
                bot_permissions(),
                crate::seed::small::BOT,
            )
            .role(role(2), "Moderator", 10, moderator_permissions())
            .role(
                role(3),
                "Helper",
                6,
                Permissions::MANAGE_MESSAGES | Permissions::MODERATE_MEMBERS,
            )
            .role(role(4), "Regular", 3, Permissions::NONE)
            .role(role(5), "Newcomer", 1, Permissions::NONE)
            // Level rewards and a role panel's roles, set up by `guildhall demo`.
            .role(role(6), "Active", 2, Permissions::NONE)
            .role(role(7), "Veteran", 5, Permissions::NONE)
            .role(role(8), "Events", 4, Permissions::NONE)
            .role(role(9), "Game Night", 7, Permissions::NONE)
            .category(channel(0), "Community")
            .channel(channel(1), "welcome", ChannelKind::Text, Some(channel(0)))
            .channel(channel(2), "general", ChannelKind::Text, Some(channel(0)))
            .channel(channel(3), "off-topic", ChannelKind::Text, Some(channel(0)))
            .channel(channel(4), "help", ChannelKind::Text, Some(channel(0)))
            .category(channel(5), "Staff")
            .channel(channel(6), "mod-log", ChannelKind::Text, Some(channel(5)))
            .channel(
                channel(7),
                "staff-chat",
                ChannelKind::Text,
                Some(channel(5)),
            )
            .category(channel(8), "Voice")
            .channel(channel(9), "Lounge", ChannelKind::Voice, Some(channel(8)))
            .channel(channel(10), "Gaming", ChannelKind::Voice, Some(channel(8)))
            // Event logs and the AFK channel, set up by `guildhall demo`.
            .channel(
                channel(11),
                "server-log",
                ChannelKind::Text,
                Some(channel(5)),
            )
            .channel(channel(12), "AFK", ChannelKind::Voice, Some(channel(8)))
            .member(crate::seed::small::BOT, &[role(1)]);
        if let Some(icon) = icon {
            guild = guild.icon(icon);
        }
        for (n, (emoji, animated)) in (70..).zip(emojis) {
            guild = guild.emoji(snowflake(ms, n), emoji, animated);
        }
        for i in 0..count {
            if g == 1 && i % 3 == 0 {
                continue;
            }
            let id = user(i);
            if id == owner {
                continue;
            }
            let roles: Vec<RoleId> = match (i + offset) % 16 {
                1 => vec![role(0), role(4)],
                2 | 3 => vec![role(2), role(4)],
                4 | 5 => vec![role(3), role(4)],
                6..=11 => vec![role(4)],
                12 | 13 => vec![role(5)],
                _ => Vec::new(),
            };
            guild = guild.member(id, &roles);
        }
        seed = seed.guild(guild);
    }
    seed
}
