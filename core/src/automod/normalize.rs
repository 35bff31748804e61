//! Text normalization shared by the word list and the near-duplicate fingerprint.
//!
//! A message becomes a sequence of lowercase tokens separated by single spaces, with a space at
//! either end (so a whole word `w` is exactly the substring `" w "`):
//!
//! - zero-width characters are dropped, apostrophes inside words too (`don't` → `dont`);
//! - tokens are runs of letters, digits, `@` and `$`; everything else separates them;
//! - in a token holding at least one letter, leetspeak becomes letters (`4`→a `3`→e `1`→i
//!   `0`→o `5`→s `7`→t `@`→a `$`→s); a token of digits alone (`455`) stays a number;
//! - runs of the same letter collapse to one, with the run's length kept beside it (`counts`),
//!   so `baaad` is `bad` with a run of 3 and the word list can still tell `as` from `ass`;
//! - single letters separated by a few separator characters on one line join into one token
//!   (`b.a.d`, `b a d`, `b-a-d` → `bad`).

use std::borrow::Cow;

/// Characters that render as nothing and are used to split words invisibly.
pub(crate) fn is_zero_width(character: char) -> bool {
    matches!(
        character,
        '\u{00AD}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{2060}'..='\u{2064}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
    )
}

/// The text without zero-width characters (borrowed when it has none).
pub(crate) fn strip_zero_width(text: &str) -> Cow<'_, str> {
    if text.chars().any(is_zero_width) {
        Cow::Owned(text.chars().filter(|c| !is_zero_width(*c)).collect())
    } else {
        Cow::Borrowed(text)
    }
}

fn is_token_char(character: char) -> bool {
    character.is_alphanumeric() || character == '@' || character == '$'
}

fn is_apostrophe(character: char) -> bool {
    matches!(character, '\'' | '\u{2019}' | '`')
}

fn leet(character: char) -> char {
    match character {
        '4' | '@' => 'a',
        '3' => 'e',
        '1' => 'i',
        '0' => 'o',
        '5' | '$' => 's',
        '7' => 't',
        other => other,
    }
}

/// One normalized token and where it came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TokenSpan {
    /// Byte range in [`Normalized::text`].
    pub(crate) normalized: (usize, usize),
    /// Byte range in the original message.
    pub(crate) original: (usize, usize),
}

/// A normalized message; reused between messages to avoid allocating.
#[derive(Debug, Default, Clone)]
pub(crate) struct Normalized {
    /// `" tok tok "`: lowercase tokens between single spaces, a space at either end.
    pub(crate) text: String,
    /// Per byte of `text`: the length of the run of that character at a character's first byte,
    /// 0 on continuation bytes.
    pub(crate) counts: Vec<u8>,
    /// The tokens, in order.
    pub(crate) tokens: Vec<TokenSpan>,
}

/// A raw token found in the original text.
struct RawToken {
    start: usize,
    end: usize,
    has_letter: bool,
}

impl Normalized {
    /// Normalizes `original` into `self`, replacing what was there.
    pub(crate) fn fill(&mut self, original: &str) {
        self.text.clear();
        self.counts.clear();
        self.tokens.clear();
        self.push_space();

        let mut previous_single: Option<usize> = None;
        let mut last_char: Option<(char, usize)> = None;
        let mut chars = original.char_indices().peekable();
        while let Some((start, character)) = chars.next() {
            if !is_token_char(character) {
                continue;
            }
            // Read one raw token: token characters, skipping zero-width characters and
            // apostrophes that sit between token characters.
            let mut raw = RawToken {
                start,
                end: start + character.len_utf8(),
                has_letter: character.is_alphabetic(),
            };
            while let Some(&(index, next)) = chars.peek() {
                if is_token_char(next) {
                    raw.has_letter |= next.is_alphabetic();
                    raw.end = index + next.len_utf8();
                    chars.next();
                } else if is_zero_width(next) || is_apostrophe(next) {
                    let mut lookahead = chars.clone();
                    lookahead.next();
                    let joins = lookahead
                        .find(|(_, after)| !is_zero_width(*after))
                        .is_some_and(|(_, after)| is_token_char(after));
                    if !joins {
                        break;
                    }
                    chars.next();
                } else {
                    break;
                }
            }

            // A lone leetspeak digit continues a run of single letters (`b.4.d`), but does not
            // start one, so plain numbers stay numbers.
            let continues_run =
                previous_single.is_some_and(|end| separator_gap(&original[end..raw.start]));
            if !raw.has_letter && continues_run {
                let mut characters = original[raw.start..raw.end].chars();
                let lone = characters.next().filter(|_| characters.next().is_none());
                raw.has_letter = lone.is_some_and(|c| leet(c) != c);
            }
            let single = is_single_letter(&original[raw.start..raw.end], raw.has_letter);
            let joins_previous = single && continues_run;
            if joins_previous {
                if let Some(token) = self.tokens.last_mut() {
                    token.original.1 = raw.end;
                }
            } else {
                if self.tokens.last().is_some() {
                    self.push_space();
                }
                last_char = None;
                let here = self.text.len();
                self.tokens.push(TokenSpan {
                    normalized: (here, here),
                    original: (raw.start, raw.end),
                });
            }
            for character in original[raw.start..raw.end].chars() {
                if is_zero_width(character) || is_apostrophe(character) {
                    continue;
                }
                for lower in character.to_lowercase() {
                    let mapped = if raw.has_letter { leet(lower) } else { lower };
                    match last_char {
                        Some((previous, at)) if previous == mapped => {
                            if let Some(count) = self.counts.get_mut(at) {
                                *count = count.saturating_add(1);
                            }
                        }
                        _ => {
                            let at = self.text.len();
                            self.text.push(mapped);
                            self.counts.push(1);
                            self.counts.resize(self.text.len(), 0);
                            last_char = Some((mapped, at));
                        }
                    }
                }
            }
            if let Some(token) = self.tokens.last_mut() {
                token.normalized.1 = self.text.len();
            }
            previous_single = single.then_some(raw.end);
        }
        self.push_space();
    }

    fn push_space(&mut self) {
        self.text.push(' ');
        self.counts.push(1);
    }

    /// The normalized text without the surrounding spaces.
    pub(crate) fn trimmed(&self) -> &str {
        self.text.trim_matches(' ')
    }

    /// The original text covered by normalized bytes `start..end`.
    pub(crate) fn original_range(&self, start: usize, end: usize) -> Option<(usize, usize)> {
        let first = self
            .tokens
            .iter()
            .find(|token| token.normalized.1 > start)?;
        let last = self
            .tokens
            .iter()
            .rev()
            .find(|token| token.normalized.0 < end)?;
        Some((first.original.0, last.original.1))
    }
}

/// Whether a raw token is one letter, possibly repeated (`a`, `aaa`, `4`).
fn is_single_letter(raw: &str, has_letter: bool) -> bool {
    let mut mapped = raw
        .chars()
        .filter(|c| !is_zero_width(*c) && !is_apostrophe(*c))
        .flat_map(char::to_lowercase)
        .map(|c| if has_letter { leet(c) } else { c });
    let Some(first) = mapped.next() else {
        return false;
    };
    first.is_alphabetic() && mapped.all(|c| c == first)
}

/// Whether the text between two single letters is a short separator on one line.
fn separator_gap(gap: &str) -> bool {
    !gap.is_empty() && !gap.contains('\n') && gap.chars().count() <= 3
}

/// The text for invite detection: lowercase, without whitespace or zero-width characters, and
/// with spelled-out dots (`dot`, `(dot)`, `[.]`) turned into dots, so `discord . gg / x` and
/// `discord dot gg/x` read `discord.gg/x`.
pub(crate) fn squeeze(text: &str, out: &mut String) {
    out.clear();
    for character in text.chars() {
        if character.is_whitespace() || is_zero_width(character) {
            continue;
        }
        out.extend(character.to_lowercase());
    }
    for spelled in ["(dot)", "[dot]", "{dot}", "(.)", "[.]", "{.}", "dot"] {
        if out.contains(spelled) {
            *out = out.replace(spelled, ".");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn normalized(text: &str) -> String {
        let mut normalized = Normalized::default();
        normalized.fill(text);
        assert_eq!(normalized.counts.len(), normalized.text.len());
        normalized.text
    }

    #[test]
    fn lowercases_and_separates_tokens_by_single_spaces() {
        assert_eq!(normalized("Hello,   WORLD!!"), " helo world ");
        assert_eq!(normalized(""), "  ");
        assert_eq!(normalized("don't stop"), " dont stop ");
    }

    #[test]
    fn undoes_evasions() {
        assert_eq!(normalized("b4d"), " bad ");
        assert_eq!(normalized("baaaad"), " bad ");
        assert_eq!(normalized("b.a.d"), " bad ");
        assert_eq!(normalized("b a d"), " bad ");
        assert_eq!(normalized("b-a-d word"), " bad word ");
        assert_eq!(normalized("b\u{200B}a\u{200D}d"), " bad ");
        assert_eq!(normalized("@$$"), " @$ ");
        assert_eq!(normalized("a$$"), " as ");
        assert_eq!(normalized("paid 455 dollars"), " paid 45 dolars ");
        assert_eq!(normalized("b.4.d"), " bad ");
        assert_eq!(normalized("I have 4 apples"), " i have 4 aples ");
    }

    #[test]
    fn keeps_run_lengths() {
        let mut normalized = Normalized::default();
        normalized.fill("baaad");
        assert_eq!(normalized.text, " bad ");
        assert_eq!(normalized.counts, vec![1, 1, 3, 1, 1]);
    }

    #[test]
    fn does_not_join_single_letters_across_lines_or_words() {
        assert_eq!(normalized("a bad"), " a bad ");
        assert_eq!(normalized("b\na\nd"), " b a d ");
    }

    #[test]
    fn maps_back_to_the_original() {
        let mut normalized = Normalized::default();
        let text = "you are B.A.D today";
        normalized.fill(text);
        let start = normalized.text.find(" bad ").unwrap();
        let (from, to) = normalized.original_range(start + 1, start + 4).unwrap();
        assert_eq!(&text[from..to], "B.A.D");
    }

    #[test]
    fn squeezes_spaced_out_invites() {
        let mut out = String::new();
        squeeze("join discord . gg / abc", &mut out);
        assert_eq!(out, "joindiscord.gg/abc");
        squeeze("DISCORD dot GG/abc", &mut out);
        assert_eq!(out, "discord.gg/abc");
    }
}
