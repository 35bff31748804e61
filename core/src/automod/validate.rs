//! The checks serde cannot make on the `automod` section: actions within Discord's limits,
//! numbers in range, domains and invite codes well-formed, every pattern compiling within the
//! limits. Each error names the field and says what is accepted.

use super::links::check_domain;
use super::patterns::{self, ACCEPTED, MAX_PATTERNS};
use super::settings::{Action, AutomodSettings, LinkMode};
use super::words::{WordList, WordListError};

/// Most words in the word list.
pub const MAX_WORDS: usize = 2_000;
/// Longest word or phrase, in characters.
pub const MAX_WORD_CHARS: usize = 100;
/// Most domains in a list, invite codes, or exempt roles or channels per rule.
pub const MAX_LIST: usize = 1_000;

/// A problem with the `automod` section: `message` reads after the key, e.g. "must be ...".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("automod.{field} {message}")]
pub struct InvalidAutomod {
    /// The field within the section, e.g. `spam.window_secs`.
    pub field: &'static str,
    /// What is wrong and what is accepted.
    pub message: String,
}

fn invalid(field: &'static str, message: String) -> InvalidAutomod {
    InvalidAutomod { field, message }
}

fn in_range(field: &'static str, value: u32, low: u32, high: u32) -> Result<(), InvalidAutomod> {
    if (low..=high).contains(&value) {
        Ok(())
    } else {
        Err(invalid(
            field,
            format!("must be between {low} and {high}, got {value}"),
        ))
    }
}

fn check_action(field: &'static str, action: Action) -> Result<(), InvalidAutomod> {
    match action {
        Action::Timeout { duration_secs }
            if !(1..=Action::MAX_TIMEOUT_SECS).contains(&duration_secs) =>
        {
            Err(invalid(
                field,
                format!(
                    "must time out for 1 s to 28 days (duration_secs 1 to {}), got {duration_secs}",
                    Action::MAX_TIMEOUT_SECS
                ),
            ))
        }
        Action::Ban {
            delete_message_secs,
        } if delete_message_secs > Action::MAX_BAN_DELETE_SECS => Err(invalid(
            field,
            format!(
                "must delete at most 7 days of messages (delete_message_secs 0 to {}), got {delete_message_secs}",
                Action::MAX_BAN_DELETE_SECS
            ),
        )),
        _ => Ok(()),
    }
}

fn check_len(field: &'static str, length: usize, most: usize) -> Result<(), InvalidAutomod> {
    if length > most {
        return Err(invalid(
            field,
            format!("must list at most {most} entries, got {length}"),
        ));
    }
    Ok(())
}

impl AutomodSettings {
    /// Checks every rule's settings.
    ///
    /// # Errors
    /// The first [`InvalidAutomod`] found, naming the field, what is wrong and what is accepted.
    pub fn check(&self) -> Result<(), InvalidAutomod> {
        self.check_common()?;

        in_range("spam.max_messages", self.spam.max_messages, 1, 30)?;
        in_range("spam.window_secs", self.spam.window_secs, 1, 300)?;

        let similarity = self.duplicates.similarity;
        if !(0.5..=1.0).contains(&similarity) {
            return Err(invalid(
                "duplicates.similarity",
                format!(
                    "must be between 0.5 and 1 (1 = identical after normalization, 0.8 catches rewordings), got {similarity}"
                ),
            ));
        }
        in_range(
            "duplicates.max_duplicates",
            self.duplicates.max_duplicates,
            1,
            15,
        )?;
        in_range(
            "duplicates.window_secs",
            self.duplicates.window_secs,
            1,
            3_600,
        )?;
        in_range(
            "duplicates.min_length",
            self.duplicates.min_length,
            0,
            2_000,
        )?;

        let ratio = self.caps.ratio;
        if !(ratio > 0.0 && ratio <= 1.0) {
            return Err(invalid(
                "caps.ratio",
                format!(
                    "must be a share of the letters above 0 and at most 1, such as 0.7, got {ratio}"
                ),
            ));
        }
        in_range("caps.min_letters", self.caps.min_letters, 1, 2_000)?;

        check_len(
            "invites.allowed_codes",
            self.invites.allowed_codes.len(),
            MAX_LIST,
        )?;
        for code in &self.invites.allowed_codes {
            let well_formed = (2..=64).contains(&code.len())
                && code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
            if !well_formed {
                return Err(invalid(
                    "invites.allowed_codes",
                    format!(
                        "must be invite codes (the part after discord.gg/: 2 to 64 letters, digits or hyphens), got {code:?}"
                    ),
                ));
            }
        }

        for (field, domains) in [
            ("links.allow_domains", &self.links.allow_domains),
            ("links.deny_domains", &self.links.deny_domains),
        ] {
            check_len(field, domains.len(), MAX_LIST)?;
            for domain in domains {
                check_domain(domain).map_err(|problem| {
                    invalid(field, format!("must be domain names; {problem}"))
                })?;
            }
        }
        if self.links.enabled
            && self.links.mode == LinkMode::DenyList
            && self.links.deny_domains.is_empty()
        {
            return Err(invalid(
                "links.deny_domains",
                "must list at least one domain when the link filter is on in deny_list mode (or use mode allow_list)".to_owned(),
            ));
        }

        self.check_words()?;

        let patterns = &self.bad_patterns.patterns;
        if patterns.len() > MAX_PATTERNS {
            return Err(invalid(
                "bad_patterns.patterns",
                format!("must be {ACCEPTED}; got {} patterns", patterns.len()),
            ));
        }
        for (index, pattern) in patterns.iter().enumerate() {
            patterns::validate_pattern(pattern).map_err(|problem| {
                invalid(
                    "bad_patterns.patterns",
                    format!("must be {ACCEPTED}; pattern {} {problem}", index + 1),
                )
            })?;
        }

        for (field, limit) in [
            (
                "mentions.max_user_mentions",
                self.mentions.max_user_mentions,
            ),
            (
                "mentions.max_role_mentions",
                self.mentions.max_role_mentions,
            ),
        ] {
            if let Some(limit) = limit {
                in_range(field, limit, 1, 100)?;
            }
        }
        Ok(())
    }

    fn check_common(&self) -> Result<(), InvalidAutomod> {
        let rules = [
            ("spam.action", "spam.exempt_roles", self.spam.common()),
            (
                "duplicates.action",
                "duplicates.exempt_roles",
                self.duplicates.common(),
            ),
            ("caps.action", "caps.exempt_roles", self.caps.common()),
            (
                "invites.action",
                "invites.exempt_roles",
                self.invites.common(),
            ),
            ("links.action", "links.exempt_roles", self.links.common()),
            (
                "bad_words.action",
                "bad_words.exempt_roles",
                self.bad_words.common(),
            ),
            (
                "bad_patterns.action",
                "bad_patterns.exempt_roles",
                self.bad_patterns.common(),
            ),
            (
                "mentions.action",
                "mentions.exempt_roles",
                self.mentions.common(),
            ),
        ];
        for (action_field, exempt_field, common) in rules {
            check_action(action_field, common.action)?;
            check_len(
                exempt_field,
                common.exempt_roles.len() + common.exempt_channels.len(),
                MAX_LIST,
            )?;
        }
        Ok(())
    }

    fn check_words(&self) -> Result<(), InvalidAutomod> {
        let words = &self.bad_words.words;
        check_len("bad_words.words", words.len(), MAX_WORDS)?;
        if let Some(long) = words
            .iter()
            .find(|word| word.chars().count() > MAX_WORD_CHARS)
        {
            return Err(invalid(
                "bad_words.words",
                format!(
                    "must be words or phrases of at most {MAX_WORD_CHARS} characters, got {long:?}"
                ),
            ));
        }
        match WordList::compile(words, self.bad_words.whole_words) {
            Ok(_) => Ok(()),
            Err(WordListError::Empty(empty)) => Err(invalid(
                "bad_words.words",
                format!(
                    "must be words or phrases with at least one letter or digit, got {:?}",
                    words.get(empty.0).map_or("", String::as_str)
                ),
            )),
            Err(WordListError::Build(problem)) => Err(invalid(
                "bad_words.words",
                format!("must be a smaller list: {problem}"),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn error_of(value: serde_json::Value) -> InvalidAutomod {
        let settings: AutomodSettings = serde_json::from_value(value).unwrap();
        settings.check().unwrap_err()
    }

    #[test]
    fn defaults_are_valid() {
        assert_eq!(AutomodSettings::default().check(), Ok(()));
    }

    #[test]
    fn names_the_field_and_what_is_accepted() {
        let cases = [
            (
                json!({"spam": {"action": {"kind": "timeout", "duration_secs": 2_419_201}}}),
                "spam.action",
                "28 days",
            ),
            (
                json!({"mentions": {"action": {"kind": "ban", "delete_message_secs": 700_000}}}),
                "mentions.action",
                "7 days",
            ),
            (
                json!({"spam": {"window_secs": 0}}),
                "spam.window_secs",
                "between 1 and 300",
            ),
            (
                json!({"duplicates": {"similarity": 0.2}}),
                "duplicates.similarity",
                "0.5 and 1",
            ),
            (json!({"caps": {"ratio": 1.5}}), "caps.ratio", "at most 1"),
            (
                json!({"links": {"deny_domains": ["https://evil.com"]}}),
                "links.deny_domains",
                "without scheme",
            ),
            (
                json!({"links": {"enabled": true}}),
                "links.deny_domains",
                "at least one domain",
            ),
            (
                json!({"invites": {"allowed_codes": ["discord.gg/x"]}}),
                "invites.allowed_codes",
                "the part after discord.gg/",
            ),
            (
                json!({"bad_words": {"words": ["ok", "?!"]}}),
                "bad_words.words",
                "\"?!\"",
            ),
            (
                json!({"mentions": {"max_user_mentions": 0}}),
                "mentions.max_user_mentions",
                "between 1 and 100",
            ),
        ];
        for (value, field, needle) in cases {
            let error = error_of(value.clone());
            assert_eq!(error.field, field, "{value}");
            assert!(error.message.contains(needle), "{value}: {}", error.message);
        }
    }

    #[test]
    fn a_bad_pattern_is_named_with_its_position() {
        let error = error_of(json!({"bad_patterns": {"patterns": ["nitro", "free (nitro"]}}));
        assert_eq!(error.field, "bad_patterns.patterns");
        assert!(
            error.message.contains("pattern 2 `free (nitro`"),
            "{}",
            error.message
        );
        assert!(
            error.message.contains("at character 6: unclosed group"),
            "{}",
            error.message
        );
        assert!(
            error.message.contains("Rust regex syntax"),
            "{}",
            error.message
        );
        assert!(
            error
                .to_string()
                .starts_with("automod.bad_patterns.patterns must be"),
            "{error}"
        );
    }

    #[test]
    fn the_pathological_pattern_is_accepted() {
        let settings: AutomodSettings =
            serde_json::from_value(json!({"bad_patterns": {"patterns": ["(a+)+$"]}})).unwrap();
        assert_eq!(settings.check(), Ok(()));
    }

    #[test]
    fn unknown_fields_and_actions_are_refused_by_serde() {
        assert!(serde_json::from_value::<AutomodSettings>(json!({"spam": {"max": 3}})).is_err());
        assert!(serde_json::from_value::<AutomodSettings>(json!({"spamm": {}})).is_err());
        assert!(
            serde_json::from_value::<AutomodSettings>(
                json!({"caps": {"action": {"kind": "mute"}}})
            )
            .is_err()
        );
        assert!(
            serde_json::from_value::<AutomodSettings>(
                json!({"caps": {"action": {"kind": "timeout", "duration_secs": 5, "x": 1}}})
            )
            .is_err()
        );
    }
}
