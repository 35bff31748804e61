//! `branding`: a premium guild's own bot name and avatar (on what the bot posts for the guild,
//! through a webhook) and its embed theme (a colour, a footer and a thumbnail on every embed
//! the bot sends for it, applied by [`dress`], the one function that does).

use serde::{Deserialize, Serialize};

use crate::effect::OutgoingMessage;
use crate::guild_config::fields::{Field, FieldKind};
use crate::guild_config::sections::{FieldError, GuildSettings, Section};

/// The longest name Discord takes for a webhook or its messages.
pub const MAX_NAME_CHARS: usize = 80;
/// The longest embed footer Discord takes.
pub const MAX_FOOTER_CHARS: usize = 2_048;
/// The longest image URL accepted.
pub const MAX_URL_CHARS: usize = 2_048;

/// `branding`: how the bot looks in a premium guild.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Branding {
    /// The name the bot's posts carry; empty for the bot's own.
    pub bot_name: String,
    /// The avatar the bot's posts carry (an https image URL); empty for the bot's own.
    pub avatar_url: String,
    /// Every embed's colour, `#RRGGBB`; empty for each feature's own.
    pub embed_colour: String,
    /// A footer on every embed; empty for none.
    pub embed_footer: String,
    /// A thumbnail on every embed that has none (an https image URL); empty for none.
    pub embed_thumbnail_url: String,
}

impl Branding {
    /// The custom identity, if one is set: the name (or the bot's own) and the avatar.
    pub fn identity(&self) -> Option<(Option<&str>, Option<&str>)> {
        let name = Some(self.bot_name.as_str()).filter(|name| !name.is_empty());
        let avatar = Some(self.avatar_url.as_str()).filter(|url| !url.is_empty());
        (name.is_some() || avatar.is_some()).then_some((name, avatar))
    }

    /// Whether a theme is set.
    pub fn has_theme(&self) -> bool {
        !self.embed_colour.is_empty()
            || !self.embed_footer.is_empty()
            || !self.embed_thumbnail_url.is_empty()
    }

    /// The colour as 0xRRGGBB.
    pub fn colour(&self) -> Option<u32> {
        parse_colour(&self.embed_colour).ok().flatten()
    }
}

/// Checks a name Discord would take for a webhook or a message's author: 1 to 80 characters,
/// neither "discord" nor "clyde" in it (Discord refuses both, in any case).
///
/// # Errors
/// What was wrong and the rule.
pub fn check_name(name: &str) -> Result<(), String> {
    let trimmed = name.trim();
    let count = trimmed.chars().count();
    if count == 0 {
        return Err("must not be empty or only spaces; Discord takes 1 to 80 characters".into());
    }
    if count > MAX_NAME_CHARS {
        return Err(format!(
            "must be at most {MAX_NAME_CHARS} characters, got {count}; Discord refuses longer names"
        ));
    }
    let lower = trimmed.to_lowercase();
    for word in ["discord", "clyde"] {
        if lower.contains(word) {
            return Err(format!(
                "must not contain \"{word}\" (in any case); Discord refuses bot names with \"discord\" or \"clyde\" in them"
            ));
        }
    }
    Ok(())
}

fn check_url(url: &str) -> Result<(), String> {
    if url.is_empty() {
        return Ok(());
    }
    if url.chars().count() > MAX_URL_CHARS {
        return Err(format!("must be at most {MAX_URL_CHARS} characters"));
    }
    match url::Url::parse(url) {
        Ok(parsed) if parsed.scheme() == "https" && parsed.host_str().is_some() => Ok(()),
        Ok(_) => Err(format!(
            "must be an https:// image address, got `{url}`; Discord shows images only from https"
        )),
        Err(error) => Err(format!(
            "is not an address ({error}); give an https:// image address, or leave it empty"
        )),
    }
}

/// Reads `#RRGGBB` (or `RRGGBB`); empty is none.
///
/// # Errors
/// What was wrong and the form accepted.
pub fn parse_colour(text: &str) -> Result<Option<u32>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let hex = text.strip_prefix('#').unwrap_or(text);
    if hex.len() != 6 || !hex.bytes().all(|byte| byte.is_ascii_hexdigit()) {
        return Err(format!(
            "must be a colour as #RRGGBB (six hexadecimal digits, e.g. #5865F2), got `{text}`"
        ));
    }
    u32::from_str_radix(hex, 16)
        .map(Some)
        .map_err(|error| error.to_string())
}

/// Dresses a message in the guild's theme: every embed takes the colour, the footer (after its
/// own, when it has one) and the thumbnail (where it has none). The one place a theme is
/// applied; the bot calls it for every message it sends for a guild whose tier has
/// [`super::Perk::EmbedThemes`].
pub fn dress(message: &mut OutgoingMessage, branding: &Branding) {
    let colour = branding.colour();
    for embed in &mut message.embeds {
        if colour.is_some() {
            embed.color = colour;
        }
        if !branding.embed_footer.is_empty() {
            embed.footer = Some(match embed.footer.take() {
                Some(own) if !own.is_empty() => format!("{own} · {}", branding.embed_footer),
                _ => branding.embed_footer.clone(),
            });
        }
        if embed.thumbnail.is_none() && !branding.embed_thumbnail_url.is_empty() {
            embed.thumbnail = Some(branding.embed_thumbnail_url.clone());
        }
    }
}

impl Section for Branding {
    const NAME: &'static str = "branding";
    const DESCRIPTION: &'static str = "premium: the bot's name and avatar on its posts, and the embed theme (colour, footer, thumbnail)";

    fn validate(&self) -> Result<(), FieldError> {
        if !self.bot_name.is_empty() {
            check_name(&self.bot_name).map_err(|message| FieldError {
                field: "bot_name",
                message,
            })?;
        }
        check_url(&self.avatar_url).map_err(|message| FieldError {
            field: "avatar_url",
            message,
        })?;
        parse_colour(&self.embed_colour).map_err(|message| FieldError {
            field: "embed_colour",
            message,
        })?;
        if self.embed_footer.chars().count() > MAX_FOOTER_CHARS {
            return Err(FieldError {
                field: "embed_footer",
                message: format!("must be at most {MAX_FOOTER_CHARS} characters"),
            });
        }
        check_url(&self.embed_thumbnail_url).map_err(|message| FieldError {
            field: "embed_thumbnail_url",
            message,
        })
    }

    fn fields() -> &'static [Field] {
        &[
            Field {
                key: "bot_name",
                label: "Bot name on posts",
                help: "The name on announcements, logs, welcomes and alerts (1 to 80 characters, without \"discord\" or \"clyde\"); empty keeps the bot's own. Answers to commands stay the bot's.",
                kind: FieldKind::Text {
                    max_chars: MAX_NAME_CHARS,
                },
            },
            Field {
                key: "avatar_url",
                label: "Avatar on posts",
                help: "An https:// image address; empty keeps the bot's own avatar.",
                kind: FieldKind::Text {
                    max_chars: MAX_URL_CHARS,
                },
            },
            Field {
                key: "embed_colour",
                label: "Embed colour",
                help: "#RRGGBB, e.g. #5865F2; empty keeps each feature's own colours.",
                kind: FieldKind::Text { max_chars: 7 },
            },
            Field {
                key: "embed_footer",
                label: "Embed footer",
                help: "Added to the footer of every embed the bot sends here; empty for none.",
                kind: FieldKind::Text {
                    max_chars: MAX_FOOTER_CHARS,
                },
            },
            Field {
                key: "embed_thumbnail_url",
                label: "Embed thumbnail",
                help: "An https:// image shown on every embed that has no picture of its own; empty for none.",
                kind: FieldKind::Text {
                    max_chars: MAX_URL_CHARS,
                },
            },
        ]
    }

    fn of(settings: &GuildSettings) -> &Self {
        &settings.branding
    }

    fn of_mut(settings: &mut GuildSettings) -> &mut Self {
        &mut settings.branding
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::effect::Embed;

    #[test]
    fn names_discord_refuses_are_refused_with_the_rule() {
        assert!(check_name("Guild Bot").is_ok());
        for (name, words) in [
            ("My Discord Bot", "\"discord\""),
            ("cLyDe", "\"clyde\""),
            ("   ", "empty"),
            (&"x".repeat(81), "at most 80"),
        ] {
            let refused = check_name(name).unwrap_err();
            assert!(refused.contains(words), "{name}: {refused}");
        }
        assert!(check_name(&"é".repeat(80)).is_ok());
    }

    #[test]
    fn the_section_checks_urls_and_colours() {
        let mut branding = Branding {
            avatar_url: "http://example.com/a.png".into(),
            ..Branding::default()
        };
        assert_eq!(branding.validate().unwrap_err().field, "avatar_url");
        branding.avatar_url = "https://example.com/a.png".into();
        branding.embed_colour = "#12345G".into();
        let refused = branding.validate().unwrap_err();
        assert_eq!(refused.field, "embed_colour");
        assert!(refused.message.contains("#RRGGBB"), "{}", refused.message);
        branding.embed_colour = "#5865f2".into();
        assert!(branding.validate().is_ok());
        assert_eq!(branding.colour(), Some(0x5865F2));
    }

    #[test]
    fn dress_applies_the_theme_to_every_embed() {
        let branding = Branding {
            embed_colour: "#010203".into(),
            embed_footer: "Acme".into(),
            embed_thumbnail_url: "https://example.com/t.png".into(),
            ..Branding::default()
        };
        let mut message = OutgoingMessage::text("hi");
        message.embeds = vec![
            Embed {
                footer: Some("Case 4".into()),
                color: Some(0xFF0000),
                ..Embed::default()
            },
            Embed {
                thumbnail: Some("https://example.com/own.png".into()),
                ..Embed::default()
            },
        ];
        dress(&mut message, &branding);
        assert_eq!(message.embeds[0].color, Some(0x010203));
        assert_eq!(message.embeds[0].footer.as_deref(), Some("Case 4 · Acme"));
        assert_eq!(
            message.embeds[0].thumbnail.as_deref(),
            Some("https://example.com/t.png")
        );
        assert_eq!(message.embeds[1].footer.as_deref(), Some("Acme"));
        assert_eq!(
            message.embeds[1].thumbnail.as_deref(),
            Some("https://example.com/own.png")
        );
        let mut plain = OutgoingMessage::text("hi");
        dress(&mut plain, &branding);
        assert_eq!(plain, OutgoingMessage::text("hi"));
    }
}
