//! The word list: one Aho-Corasick automaton over the normalized words, run once over the
//! normalized message.
//!
//! Both the words and the message go through [`Normalized`], so evasions undo themselves. A
//! normalized word keeps the length of each run of letters, and a match must have at least as
//! many: `baaad` matches `bad`, `asss` matches `ass`, but `as` does not match `ass`. With
//! `whole_words` the automaton looks for `" word "` (tokens are space-separated), so `ass` never
//! fires inside `classic`; without it, it looks for `word` anywhere.

use aho_corasick::{AhoCorasick, MatchKind};

use super::normalize::Normalized;

/// One way a normalized pattern can be satisfied: which listed word, and the minimum run
/// lengths per byte (0 on continuation bytes).
#[derive(Debug)]
struct Variant {
    word: usize,
    counts: Box<[u8]>,
}

/// A compiled word list.
#[derive(Debug)]
pub(crate) struct WordList {
    automaton: AhoCorasick,
    /// Per automaton pattern, the words that normalize to it.
    variants: Vec<Vec<Variant>>,
    words: Vec<String>,
}

/// A listed word found in a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct WordMatch<'a> {
    /// The word as listed.
    pub(crate) word: &'a str,
    /// Byte range in the normalized text.
    pub(crate) normalized: (usize, usize),
}

/// A listed word that normalizes to nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct EmptyWord(pub(crate) usize);

impl WordList {
    /// Compiles `words`.
    ///
    /// # Errors
    /// [`EmptyWord`] with the index of a word that has no letters or digits, or a message when
    /// the automaton cannot be built.
    pub(crate) fn compile(words: &[String], whole_words: bool) -> Result<Self, WordListError> {
        let mut normalized = Normalized::default();
        let mut patterns: Vec<String> = Vec::new();
        let mut variants: Vec<Vec<Variant>> = Vec::new();
        for (index, word) in words.iter().enumerate() {
            normalized.fill(word);
            if normalized.tokens.is_empty() {
                return Err(WordListError::Empty(EmptyWord(index)));
            }
            let (start, end) = if whole_words {
                (0, normalized.text.len())
            } else {
                (1, normalized.text.len() - 1)
            };
            let pattern = &normalized.text[start..end];
            let variant = Variant {
                word: index,
                counts: normalized.counts[start..end].into(),
            };
            match patterns.iter().position(|known| known == pattern) {
                Some(at) => variants[at].push(variant),
                None => {
                    patterns.push(pattern.to_owned());
                    variants.push(vec![variant]);
                }
            }
        }
        let automaton = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .build(&patterns)
            .map_err(|error| WordListError::Build(error.to_string()))?;
        Ok(Self {
            automaton,
            variants,
            words: words.to_vec(),
        })
    }

    /// The first listed word in a normalized message.
    pub(crate) fn find(&self, message: &Normalized) -> Option<WordMatch<'_>> {
        for found in self.automaton.find_overlapping_iter(message.text.as_str()) {
            let Some(text_counts) = message.counts.get(found.start()..found.end()) else {
                continue;
            };
            let Some(candidates) = self.variants.get(found.pattern().as_usize()) else {
                continue;
            };
            for variant in candidates {
                let long_enough = variant
                    .counts
                    .iter()
                    .zip(text_counts)
                    .all(|(needed, seen)| seen >= needed);
                if long_enough {
                    let word = self.words.get(variant.word).map_or("", String::as_str);
                    return Some(WordMatch {
                        word,
                        normalized: (found.start(), found.end()),
                    });
                }
            }
        }
        None
    }
}

/// Why a word list did not compile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum WordListError {
    /// A word with nothing to match.
    Empty(EmptyWord),
    /// The automaton could not be built (too large).
    Build(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fires(words: &[&str], whole_words: bool, text: &str) -> Option<String> {
        let words: Vec<String> = words.iter().map(|word| (*word).to_owned()).collect();
        let list = WordList::compile(&words, whole_words).unwrap();
        let mut normalized = Normalized::default();
        normalized.fill(text);
        list.find(&normalized).map(|found| found.word.to_owned())
    }

    #[test]
    fn matches_through_evasions() {
        let cases = [
            "that is bad",
            "that is BAD",
            "that is baaaad",
            "that is b.a.d",
            "that is b a d",
            "that is b-a-d",
            "that is b4d",
            "that is b\u{200B}ad",
            "BAD!",
        ];
        for text in cases {
            assert_eq!(
                fires(&["bad"], true, text).as_deref(),
                Some("bad"),
                "{text:?}"
            );
        }
    }

    #[test]
    fn whole_words_do_not_fire_inside_other_words() {
        for text in ["a classic move", "badge", "abad", "as you wish", "assassin"] {
            assert_eq!(fires(&["ass", "bad"], true, text), None, "{text:?}");
        }
        assert_eq!(fires(&["ass"], true, "you a$$").as_deref(), Some("ass"));
        assert_eq!(fires(&["ass"], true, "you 4sssss").as_deref(), Some("ass"));
    }

    #[test]
    fn substring_mode_fires_inside_words_on_purpose() {
        assert_eq!(
            fires(&["ass"], false, "a classic move").as_deref(),
            Some("ass")
        );
        assert_eq!(fires(&["ass"], false, "as you wish"), None);
    }

    #[test]
    fn phrases_and_numbers() {
        assert_eq!(
            fires(&["kill yourself"], true, "just KILL   y0urself").as_deref(),
            Some("kill yourself")
        );
        assert_eq!(fires(&["kill yourself"], true, "kill it yourself"), None);
        assert_eq!(fires(&["ass"], true, "I paid 455 dollars"), None);
    }

    #[test]
    fn refuses_words_with_nothing_to_match() {
        let words = vec!["ok".to_owned(), "!!!".to_owned()];
        assert_eq!(
            WordList::compile(&words, true).unwrap_err(),
            WordListError::Empty(EmptyWord(1))
        );
    }
}
