//! Discord invite links in every form: `discord.gg/code`, `discord.com/invite/code`,
//! `discordapp.com/invite/code` (also `ptb.`/`canary.`/`www.` hosts), with or without a scheme,
//! and obfuscated with spaces, zero-width characters or spelled-out dots.

use regex::Regex;

use super::normalize::{squeeze, strip_zero_width};

const INVITE: &str = r"(?i)(?:https?://)?(?:www\.|ptb\.|canary\.)?(?:discord(?:app)?\.com/invite|discord\.gg)/+([a-z0-9-]{2,64})";

/// The invite detector and the allowed codes.
#[derive(Debug)]
pub(crate) struct InviteFilter {
    regex: Regex,
    /// Lowercase allowed codes.
    allowed: Vec<String>,
}

impl InviteFilter {
    /// Builds the detector.
    ///
    /// # Errors
    /// Only if the built-in expression fails to compile (a bug).
    pub(crate) fn new(allowed_codes: &[String]) -> Result<Self, regex::Error> {
        Ok(Self {
            regex: Regex::new(INVITE)?,
            allowed: allowed_codes
                .iter()
                .map(|code| code.to_ascii_lowercase())
                .collect(),
        })
    }

    /// The first invite in `text` whose code is not allowed, as written (or as read once the
    /// obfuscation is undone). `scratch` is reused between calls.
    pub(crate) fn find(&self, text: &str, scratch: &mut String) -> Option<String> {
        let clean = strip_zero_width(text);
        for found in self.regex.captures_iter(&clean) {
            let code = found.get(1).map_or("", |code| code.as_str());
            if !self
                .allowed
                .iter()
                .any(|allowed| allowed.eq_ignore_ascii_case(code))
            {
                return found.get(0).map(|whole| whole.as_str().to_owned());
            }
        }
        // Obfuscated forms: without whitespace the code runs into the next word, so an allowed
        // code only needs to be where the code starts.
        squeeze(text, scratch);
        if !scratch.contains("discord") {
            return None;
        }
        for found in self.regex.captures_iter(scratch) {
            let code = found.get(1).map_or("", |code| code.as_str());
            if !self
                .allowed
                .iter()
                .any(|allowed| code.starts_with(allowed.as_str()))
            {
                return found.get(0).map(|whole| whole.as_str().to_owned());
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn find(allowed: &[&str], text: &str) -> Option<String> {
        let allowed: Vec<String> = allowed.iter().map(|code| (*code).to_owned()).collect();
        InviteFilter::new(&allowed)
            .unwrap()
            .find(text, &mut String::new())
    }

    #[test]
    fn finds_every_form() {
        let cases = [
            ("join discord.gg/abc123", "discord.gg/abc123"),
            ("https://discord.gg/abc123", "https://discord.gg/abc123"),
            (
                "<https://discord.com/invite/abc123>",
                "https://discord.com/invite/abc123",
            ),
            (
                "discordapp.com/invite/Abc-12",
                "discordapp.com/invite/Abc-12",
            ),
            (
                "http://www.discord.gg/abc123",
                "http://www.discord.gg/abc123",
            ),
            ("DISCORD.GG/ABC", "DISCORD.GG/ABC"),
            (
                "https://ptb.discord.com/invite/xyz",
                "https://ptb.discord.com/invite/xyz",
            ),
            ("join discord . gg / abc123 now", "discord.gg/abc123now"),
            ("discord\u{200B}.gg/abc123", "discord.gg/abc123"),
            ("d i s c o r d . g g / abc", "discord.gg/abc"),
            ("discord dot gg/abc", "discord.gg/abc"),
            ("discord(dot)com/invite/abc", "discord.com/invite/abc"),
        ];
        for (text, expected) in cases {
            assert_eq!(find(&[], text).as_deref(), Some(expected), "{text:?}");
        }
    }

    #[test]
    fn ignores_what_is_not_an_invite_and_allowed_codes() {
        for text in [
            "I love discord",
            "discord.com/channels/1/2",
            "see discord.gg",
            "example.com/invite/abc",
        ] {
            assert_eq!(find(&[], text), None, "{text:?}");
        }
        assert_eq!(
            find(&["OurServer"], "join discord.gg/ourserver today"),
            None
        );
        assert_eq!(
            find(&["ourserver"], "join discord . gg / ourserver today"),
            None
        );
        assert!(find(&["ourserver"], "discord.gg/ourserver and discord.gg/other").is_some());
    }
}
