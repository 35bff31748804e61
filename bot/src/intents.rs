//! Which gateway intents the bot asks for, and what to say when Discord refuses them.

use serenity::all::GatewayIntents;

/// The privileged intents the operator allows (`[discord] message_content`, `guild_members`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Privileged {
    /// Message content: automod, prefix commands, triggers and levels' spam checks read it.
    pub message_content: bool,
    /// Server members: joins, leaves, auto roles, welcome messages, member logs.
    pub guild_members: bool,
}

/// The intents for the features Guildhall has. Non-privileged intents are always on; the
/// privileged ones only as allowed.
pub fn intents(privileged: Privileged) -> GatewayIntents {
    let mut intents = GatewayIntents::GUILDS
        | GatewayIntents::GUILD_MESSAGES
        | GatewayIntents::GUILD_MESSAGE_REACTIONS
        | GatewayIntents::GUILD_VOICE_STATES
        | GatewayIntents::GUILD_MODERATION
        // GUILD_EMOJIS_UPDATE, so the guild snapshot keeps the custom emojis current.
        | GatewayIntents::GUILD_EMOJIS_AND_STICKERS
        | GatewayIntents::DIRECT_MESSAGES;
    if privileged.message_content {
        intents |= GatewayIntents::MESSAGE_CONTENT;
    }
    if privileged.guild_members {
        intents |= GatewayIntents::GUILD_MEMBERS;
    }
    intents
}

/// The operator-facing explanation of close code 4014 (disallowed intents).
pub fn disallowed_explanation(privileged: Privileged) -> String {
    let mut needed = Vec::new();
    if privileged.message_content {
        needed.push("Message Content (used by automod, prefix commands, triggers and XP spam checks; turn off with discord.message_content = false)");
    }
    if privileged.guild_members {
        needed.push("Server Members (used by joins and leaves, auto roles, welcome messages and member logs; turn off with discord.guild_members = false)");
    }
    format!(
        "Discord refused the privileged gateway intents this bot asked for (close code 4014): {}. Enable them in the Discord Developer Portal → your application → Bot → Privileged Gateway Intents, or turn them off in guildhall.toml; the features that need them then stay inactive.",
        needed.join("; ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn privileged_intents_follow_the_settings() {
        let none = intents(Privileged {
            message_content: false,
            guild_members: false,
        });
        assert!(
            !none.contains(GatewayIntents::MESSAGE_CONTENT)
                && !none.contains(GatewayIntents::GUILD_MEMBERS)
        );
        assert!(none.contains(GatewayIntents::GUILD_MESSAGES));
        assert!(none.contains(GatewayIntents::GUILD_EMOJIS_AND_STICKERS));
        let all = intents(Privileged {
            message_content: true,
            guild_members: true,
        });
        assert!(all.contains(GatewayIntents::MESSAGE_CONTENT | GatewayIntents::GUILD_MEMBERS));
        let text = disallowed_explanation(Privileged {
            message_content: true,
            guild_members: false,
        });
        assert!(
            text.contains("Message Content")
                && !text.contains("Server Members")
                && text.contains("4014")
        );
    }
}
