//! The one check every text a person types goes through before it is stored: no NUL or other
//! control characters (they end up raw in HTML, logs and Discord messages), and in names,
//! prefixes, titles and labels no bidirectional overrides, which can make text read as
//! something else (`U+202E` turns `exe.txt` into `txt.exe`). Every surface reaches it through
//! the core: the settings registry checks every string of every section, and the panel,
//! giveaway and case services check their texts.

/// What a text is, and so what it may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextKind {
    /// A name, prefix, title or label: one line, no control characters, no bidi overrides.
    Name,
    /// Prose (a description, a reason, a template): line breaks and tabs allowed, no other
    /// control characters; bidi overrides allowed (right-to-left text needs embeddings).
    Prose,
}

/// Why a text was refused; the message names the field and the character's position.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{field} must not contain {what} (U+{code:04X} at character {position}); remove it and try again"
)]
pub struct TextError {
    /// The field.
    pub field: String,
    /// "control characters", "line breaks" or "bidirectional override characters, which can
    /// disguise text".
    pub what: &'static str,
    /// The character's code point.
    pub code: u32,
    /// Its position, counting from 1.
    pub position: usize,
}

/// Whether `c` changes the direction text is shown in (embeddings, overrides and isolates).
pub const fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Checks `text` for `field`.
///
/// # Errors
/// [`TextError`] for the first character a text of `kind` may not hold.
pub fn check(field: &str, text: &str, kind: TextKind) -> Result<(), TextError> {
    for (index, c) in text.chars().enumerate() {
        let what = match kind {
            TextKind::Name if matches!(c, '\n' | '\r') => Some("line breaks"),
            TextKind::Name if c.is_control() => Some("control characters"),
            TextKind::Name if is_bidi_control(c) => {
                Some("bidirectional override characters, which can disguise text")
            }
            TextKind::Prose if c.is_control() && !matches!(c, '\n' | '\r' | '\t') => {
                Some("control characters")
            }
            _ => None,
        };
        if let Some(what) = what {
            return Err(TextError {
                field: field.to_owned(),
                what,
                code: u32::from(c),
                position: index + 1,
            });
        }
    }
    Ok(())
}

/// Checks every string inside a JSON value (a settings section), naming each by its key path
/// under `prefix` (`commands.prefix`, `automod.bad_words.words[2]`). Settings strings are
/// names, prefixes, words, patterns and templates: control characters other than line breaks
/// and tabs are refused, and bidi overrides too, so a word list or prefix cannot hide what it
/// says.
///
/// # Errors
/// The first [`TextError`].
pub fn check_json(prefix: &str, value: &serde_json::Value) -> Result<(), TextError> {
    match value {
        serde_json::Value::String(text) => {
            check(prefix, text, TextKind::Prose)?;
            match text.chars().enumerate().find(|(_, c)| is_bidi_control(*c)) {
                Some((index, c)) => Err(TextError {
                    field: prefix.to_owned(),
                    what: "bidirectional override characters, which can disguise text",
                    code: u32::from(c),
                    position: index + 1,
                }),
                None => Ok(()),
            }
        }
        serde_json::Value::Array(items) => items
            .iter()
            .enumerate()
            .try_for_each(|(index, item)| check_json(&format!("{prefix}[{index}]"), item)),
        serde_json::Value::Object(fields) => fields
            .iter()
            .try_for_each(|(key, item)| check_json(&format!("{prefix}.{key}"), item)),
        _ => Ok(()),
    }
}

/// The most code points one emoji takes (a family or flag sequence with joiners, skin tones and
/// variation selectors).
const MAX_EMOJI_CODE_POINTS: usize = 16;

/// Whether `c` can start or carry an emoji: pictographs, symbols, regional indicators, and
/// the joiners, variation selectors, skin tones, keycaps and tags that combine them.
const fn is_emoji_part(c: char) -> bool {
    matches!(c,
        '\u{00A9}' | '\u{00AE}' | '\u{203C}' | '\u{2049}' | '\u{2122}' | '\u{2139}'
        | '\u{2194}'..='\u{21AA}' | '\u{231A}'..='\u{23FF}' | '\u{24C2}' | '\u{25AA}'..='\u{25FE}'
        | '\u{2600}'..='\u{27BF}' | '\u{2934}' | '\u{2935}' | '\u{2B05}'..='\u{2B55}'
        | '\u{3030}' | '\u{303D}' | '\u{3297}' | '\u{3299}'
        | '\u{1F000}'..='\u{1FAFF}'
        | '\u{200D}' | '\u{FE0E}' | '\u{FE0F}' | '\u{20E3}' | '\u{E0020}'..='\u{E007F}')
}

/// A custom server emoji in Discord's markup: `<:name:id>`, or `<a:name:id>` when animated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CustomEmoji<'a> {
    /// Whether it is animated.
    pub animated: bool,
    /// Its name (2 to 32 letters, digits or underscores).
    pub name: &'a str,
    /// Its id.
    pub id: u64,
}

impl CustomEmoji<'_> {
    /// How a person reads it: `:name:`.
    pub fn shown(&self) -> String {
        format!(":{}:", self.name)
    }
}

/// Reads `text` as one custom emoji in Discord's markup, or `None`.
pub fn custom_emoji(text: &str) -> Option<CustomEmoji<'_>> {
    let inner = text.trim().strip_prefix('<')?.strip_suffix('>')?;
    let (animated, rest) = match inner.strip_prefix("a:") {
        Some(rest) => (true, rest),
        None => (false, inner.strip_prefix(':')?),
    };
    let (name, id) = rest.split_once(':')?;
    let name_ok = (2..=32).contains(&name.len())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    let id_ok = !id.is_empty()
        && id.len() <= 20
        && id.chars().all(|c| c.is_ascii_digit())
        && !id.starts_with('0');
    (name_ok && id_ok).then_some(())?;
    Some(CustomEmoji {
        animated,
        name,
        id: id.parse().ok()?,
    })
}

/// `text` with every custom emoji in Discord's markup shown as `:name:` (for pages and previews,
/// which cannot draw the emoji and must not show its id).
pub fn shown_emojis(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find('<') {
        out.push_str(&rest[..start]);
        let tail = &rest[start..];
        match tail
            .find('>')
            .and_then(|end| custom_emoji(&tail[..=end]).map(|emoji| (emoji.shown(), end)))
        {
            Some((shown, end)) => {
                out.push_str(&shown);
                rest = &tail[end + 1..];
            }
            None => {
                out.push('<');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Checks an emoji field: one Unicode emoji (a pictograph, a flag, a keycap such as 1️⃣, with
/// its joiners, skin tones and variation selectors), or one custom server emoji in Discord's
/// markup (`<:name:id>`, `<a:name:id>`; whether the server has it is the caller's to check).
///
/// # Errors
/// A sentence naming `field` and what it accepts.
pub fn check_emoji(field: &str, text: &str) -> Result<(), String> {
    let text = text.trim();
    if custom_emoji(text).is_some() {
        return Ok(());
    }
    if text.starts_with('<') || text.starts_with(':') {
        return Err(format!(
            "{field} must be a Unicode emoji such as 🎮 or one of the server's emojis as Discord writes it (<:name:id>), got `{}`",
            text.escape_debug()
        ));
    }
    let chars: Vec<char> = text.chars().collect();
    let keycap = matches!(chars.first(), Some('0'..='9' | '#' | '*'))
        && chars.last() == Some(&'\u{20E3}')
        && chars.len() <= 3
        && chars[1..chars.len() - 1].iter().all(|c| *c == '\u{FE0F}');
    let pictographic = !chars.is_empty()
        && chars.len() <= MAX_EMOJI_CODE_POINTS
        && chars.iter().all(|c| is_emoji_part(*c))
        && !matches!(chars[0], '\u{200D}' | '\u{FE0E}' | '\u{FE0F}' | '\u{20E3}');
    if keycap || pictographic {
        Ok(())
    } else {
        Err(format!(
            "{field} must be one Unicode emoji such as 🎮 (or empty), got `{}`",
            text.escape_debug()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn control_characters_and_overrides_are_refused_with_the_field_and_position() {
        let error = check("title", "Hi\u{0}there", TextKind::Name).unwrap_err();
        assert_eq!(
            error.to_string(),
            "title must not contain control characters (U+0000 at character 3); remove it and try again"
        );
        let error = check("prefix", "!\u{202E}gh", TextKind::Name).unwrap_err();
        assert!(error.to_string().starts_with(
            "prefix must not contain bidirectional override characters, which can disguise text (U+202E at character 2)"
        ));
        assert!(check("title", "two\nlines", TextKind::Name).is_err());
        assert_eq!(
            check("description", "two\nlines\tand a tab", TextKind::Prose),
            Ok(())
        );
        assert_eq!(
            check("description", "עברית \u{202B}x\u{202C}", TextKind::Prose),
            Ok(())
        );
        assert!(check("reason", "bell\u{7}", TextKind::Prose).is_err());
        assert!(check("reason", "c1\u{85}", TextKind::Prose).is_err());
        assert_eq!(check("title", "Ünïcödé ✨ 名前", TextKind::Name), Ok(()));
    }

    #[test]
    fn emoji_fields_take_one_unicode_emoji_or_one_custom_emoji() {
        for emoji in [
            "🎮",
            "❤️",
            "👍🏽",
            "👨‍👩‍👧",
            "🇩🇪",
            "1️⃣",
            "#⃣",
            "©️",
            "⭐",
            "<:guild:123>",
            "<a:party_parrot:964689920000000555>",
        ] {
            assert_eq!(check_emoji("emoji", emoji), Ok(()), "{emoji}");
        }
        for text in [
            "",
            "a",
            "hello",
            "🎮 and text",
            "<a:x:1>",
            "<:guild:0123>",
            "<:bad name:123>",
            "<:guild:123> and text",
            ":smile:",
            "\u{0}",
            "\u{200D}🎮",
        ] {
            assert!(check_emoji("the panel's emoji", text).is_err(), "{text}");
        }
        assert!(
            check_emoji("emoji", "<:x:1>")
                .unwrap_err()
                .contains("as Discord writes it (<:name:id>)")
        );
        assert_eq!(
            custom_emoji("<a:party:42>"),
            Some(CustomEmoji {
                animated: true,
                name: "party",
                id: 42
            })
        );
        assert_eq!(
            shown_emojis("<:party:42> Events <3 <a:wave:7>"),
            ":party: Events <3 :wave:"
        );
    }

    #[test]
    fn settings_strings_are_checked_by_their_key_path() {
        let value = serde_json::json!({"prefix": "!", "words": ["ok", "b\u{0}d"]});
        let error = check_json("automod.bad_words", &value).unwrap_err();
        assert_eq!(error.field, "automod.bad_words.words[1]");
        let value = serde_json::json!({"prefix": "\u{2067}!"});
        assert_eq!(
            check_json("commands", &value).unwrap_err().field,
            "commands.prefix"
        );
    }

    proptest! {
        #[test]
        fn any_emoji_text_is_accepted_or_refused_naming_the_field(text in any::<String>()) {
            if let Err(message) = check_emoji("the field", &text) {
                prop_assert!(message.starts_with("the field must be"));
            }
        }

        #[test]
        fn any_text_is_accepted_or_refused_naming_the_field(text in any::<String>()) {
            for kind in [TextKind::Name, TextKind::Prose] {
                match check("the field", &text, kind) {
                    Ok(()) => prop_assert!(text.chars().all(|c| !c.is_control() || (kind == TextKind::Prose && matches!(c, '\n' | '\r' | '\t')))),
                    Err(error) => {
                        prop_assert!(error.to_string().starts_with("the field must not contain"));
                        prop_assert!(error.position >= 1 && error.position <= text.chars().count());
                    }
                }
            }
        }
    }
}

/// What a Discord mention names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mention {
    /// `<@id>` or `<@!id>`.
    Member(crate::ids::UserId),
    /// `<@&id>`.
    Role(crate::ids::RoleId),
    /// `<#id>`.
    Channel(crate::ids::ChannelId),
}

/// `text` with each Discord mention (`<@id>`, `<@!id>`, `<@&id>`, `<#id>`) replaced by what
/// `name` gives for it; anything else between `<` and `>` is left as it is. The log viewer's
/// lines in the dashboard and the CLI are read with it.
pub fn replace_mentions(text: &str, name: impl Fn(Mention) -> String) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find('<') {
        out.push_str(&rest[..start]);
        let tail = &rest[start..];
        let named = tail.find('>').and_then(|end| {
            let inner = &tail[1..end];
            let (kind, digits) = if let Some(id) = inner.strip_prefix("@&") {
                ('r', id)
            } else if let Some(id) = inner.strip_prefix('#') {
                ('c', id)
            } else if let Some(id) = inner.strip_prefix("@!").or(inner.strip_prefix('@')) {
                ('u', id)
            } else {
                return None;
            };
            if digits.is_empty() || !digits.bytes().all(|byte| byte.is_ascii_digit()) {
                return None;
            }
            let id: u64 = digits.parse().ok().filter(|id| *id > 0)?;
            let mention = match kind {
                'r' => Mention::Role(crate::ids::RoleId::new(id)),
                'c' => Mention::Channel(crate::ids::ChannelId::new(id)),
                _ => Mention::Member(crate::ids::UserId::new(id)),
            };
            Some((name(mention), end + 1))
        });
        match named {
            Some((shown, used)) => {
                out.push_str(&shown);
                rest = &tail[used..];
            }
            None => {
                out.push('<');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod mention_tests {
    use super::*;

    #[test]
    fn mentions_are_replaced_and_other_brackets_kept() {
        let shown = replace_mentions("<@5> in <#6> got <@&7>, <@!8>; a <b> and <@x>", |m| {
            format!("{m:?}")
        });
        assert_eq!(
            shown,
            "Member(UserId(5)) in Channel(ChannelId(6)) got Role(RoleId(7)), Member(UserId(8)); a <b> and <@x>"
        );
    }
}
