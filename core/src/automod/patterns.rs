//! Regular-expression rules on Rust's `regex` crate: matching takes time linear in the message
//! (no backtracking, so `(a+)+$` cannot hang), and the compiled size of each pattern is capped so
//! no pattern can take much memory either.

use regex::{Regex, RegexBuilder, RegexSet, RegexSetBuilder};

/// Most patterns one guild may have.
pub const MAX_PATTERNS: usize = 50;
/// Longest pattern, in characters.
pub const MAX_PATTERN_CHARS: usize = 300;
/// Most bytes one compiled pattern may take.
pub const PATTERN_SIZE_LIMIT: usize = 256 * 1024;
/// Most bytes of lazy-DFA cache one pattern may use while matching.
pub const PATTERN_DFA_SIZE_LIMIT: usize = 256 * 1024;
/// Deepest nesting of groups and repetitions.
const NEST_LIMIT: u32 = 64;

/// What is accepted, for error messages.
pub(crate) const ACCEPTED: &str = "regular expressions in Rust regex syntax (https://docs.rs/regex/latest/regex/#syntax), case-insensitive unless they say (?-i), at most 50 patterns of at most 300 characters each";

fn builder(pattern: &str) -> RegexBuilder {
    let mut builder = RegexBuilder::new(pattern);
    builder
        .case_insensitive(true)
        .size_limit(PATTERN_SIZE_LIMIT)
        .dfa_size_limit(PATTERN_DFA_SIZE_LIMIT)
        .nest_limit(NEST_LIMIT);
    builder
}

/// Checks one pattern as the settings do: its length, that it compiles within the limits, and
/// that it cannot match an empty message (which would fire on every message).
///
/// # Errors
/// A sentence saying what is wrong and where: for a syntax error the character position, the
/// pattern and a caret under the problem.
pub fn validate_pattern(pattern: &str) -> Result<(), String> {
    compile_one(pattern).map(|_| ())
}

pub(crate) fn compile_one(pattern: &str) -> Result<Regex, String> {
    let length = pattern.chars().count();
    if length == 0 {
        return Err("is empty".to_owned());
    }
    if length > MAX_PATTERN_CHARS {
        return Err(format!(
            "is {length} characters long; the limit is {MAX_PATTERN_CHARS}"
        ));
    }
    let regex = builder(pattern)
        .build()
        .map_err(|error| describe(pattern, &error))?;
    if regex.is_match("") {
        return Err(format!(
            "`{pattern}` matches an empty text, so it would fire on every message; make sure it needs at least one character (e.g. `a+` instead of `a*`)"
        ));
    }
    Ok(regex)
}

/// The regex crate's error, reworded: the position from its caret line, and the pattern with a
/// caret under the problem.
fn describe(pattern: &str, error: &regex::Error) -> String {
    match error {
        regex::Error::CompiledTooBig(limit) => format!(
            "`{pattern}` is too complex: compiled it takes more than {} KiB, the limit; use fewer or smaller repetitions (such as {{1,50}} instead of {{1,5000}}) and fewer large classes such as \\w",
            limit / 1024
        ),
        regex::Error::Syntax(text) => {
            let lines: Vec<&str> = text.lines().collect();
            let reason = lines
                .iter()
                .rev()
                .find_map(|line| line.strip_prefix("error: "))
                .unwrap_or("invalid syntax");
            // A multi-line pattern's diagram numbers its lines; give the reason alone there.
            let column = if pattern.contains('\n') {
                None
            } else {
                caret_column(&lines)
            };
            match column {
                Some(column) => {
                    // The diagram's columns count characters, so they are the position.
                    let position = column + 1;
                    let marker = " ".repeat(column);
                    format!(
                        "`{pattern}` is invalid at character {position}: {reason}\n    {pattern}\n    {marker}^"
                    )
                }
                None => format!("`{pattern}` is invalid: {reason}"),
            }
        }
        other => format!("`{pattern}` is invalid: {other}"),
    }
}

/// The column (in characters) of the first caret in the regex crate's diagram, which indents
/// the pattern and the caret line by four spaces.
fn caret_column(lines: &[&str]) -> Option<usize> {
    let caret_line = lines
        .iter()
        .find(|line| line.trim_start().starts_with('^'))?;
    let column = caret_line.find('^')?;
    column.checked_sub(4)
}

/// A guild's patterns, compiled once: a set for the common "nothing matches" answer in one pass,
/// and each pattern alone to report what matched.
#[derive(Debug)]
pub(crate) struct PatternList {
    set: RegexSet,
    each: Vec<Regex>,
}

/// A pattern that did not compile: its index and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PatternError {
    pub(crate) index: usize,
    pub(crate) message: String,
}

impl PatternList {
    /// Compiles every pattern.
    ///
    /// # Errors
    /// The first pattern that is too long, does not compile within the limits, or matches an
    /// empty text.
    pub(crate) fn compile(patterns: &[String]) -> Result<Self, PatternError> {
        let mut each = Vec::with_capacity(patterns.len());
        for (index, pattern) in patterns.iter().enumerate() {
            each.push(compile_one(pattern).map_err(|message| PatternError { index, message })?);
        }
        let set = RegexSetBuilder::new(patterns)
            .case_insensitive(true)
            .size_limit(PATTERN_SIZE_LIMIT.saturating_mul(patterns.len().max(1)))
            .dfa_size_limit(PATTERN_DFA_SIZE_LIMIT.saturating_mul(patterns.len().max(1)))
            .nest_limit(NEST_LIMIT)
            .build()
            .map_err(|error| PatternError {
                index: 0,
                message: format!("could not be compiled together: {error}"),
            })?;
        Ok(Self { set, each })
    }

    /// The first pattern matching `text`: its index and the matched text.
    pub(crate) fn find<'t>(&self, text: &'t str) -> Option<(usize, &'t str)> {
        if !self.set.is_match(text) {
            return None;
        }
        let index = self.set.matches(text).iter().next()?;
        let found = self.each.get(index)?.find(text)?;
        Some((index, found.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc;
    use std::time::Duration;

    use super::*;

    #[test]
    fn accepts_ordinary_patterns() {
        for pattern in [
            r"fr[e3]{2}\s*nitro",
            r"(?-i)SHOUT",
            r"\bcrypto\b",
            r"(a+)+$",
        ] {
            assert_eq!(validate_pattern(pattern), Ok(()), "{pattern}");
        }
    }

    #[test]
    fn an_unclosed_group_names_its_position() {
        let error = validate_pattern("free (nitro").unwrap_err();
        assert!(error.contains("at character 6"), "{error}");
        assert!(error.contains("unclosed group"), "{error}");
        assert!(error.contains("    free (nitro\n         ^"), "{error}");
    }

    #[test]
    fn other_syntax_errors_name_their_position() {
        let error = validate_pattern("ab[c").unwrap_err();
        assert!(error.contains("at character 3"), "{error}");
        assert!(error.contains("unclosed character class"), "{error}");
        let error = validate_pattern("nitro{3,1}").unwrap_err();
        assert!(error.contains("at character 6"), "{error}");
        // Positions count characters, not bytes.
        let error = validate_pattern("héllo(").unwrap_err();
        assert!(error.contains("at character 6"), "{error}");
        assert!(error.contains("    héllo(\n         ^"), "{error}");
    }

    #[test]
    fn refuses_patterns_that_are_too_big_long_or_match_everything() {
        let error = validate_pattern(r"\w{1000}{1000}").unwrap_err();
        assert!(error.contains("too complex"), "{error}");
        let error = validate_pattern(&"a".repeat(301)).unwrap_err();
        assert!(error.contains("limit is 300"), "{error}");
        let error = validate_pattern("x*").unwrap_err();
        assert!(error.contains("every message"), "{error}");
        assert_eq!(validate_pattern("").unwrap_err(), "is empty");
    }

    #[test]
    fn a_pathological_pattern_terminates_on_a_pathological_input() {
        // `(a+)+$` takes exponential time on a backtracking engine with "aaaa...!"; the regex
        // crate runs it in linear time. The channel's timeout only guards the test run.
        let list = PatternList::compile(&[r"(a+)+$".to_owned(), r"(x+x+)+y".to_owned()]).unwrap();
        let (sender, receiver) = mpsc::channel();
        std::thread::spawn(move || {
            let mut input = "a".repeat(50_000);
            input.push('!');
            let first = list.find(&input).map(|(index, _)| index);
            let mut input = "x".repeat(50_000);
            input.push('!');
            let second = list.find(&input).map(|(index, _)| index);
            sender.send((first, second)).unwrap();
        });
        let (first, second) = receiver.recv_timeout(Duration::from_secs(120)).unwrap();
        assert_eq!(first, None);
        assert_eq!(second, None);
    }

    #[test]
    fn finds_the_matched_text() {
        let list = PatternList::compile(&["nitro".to_owned(), r"fr[e3]{2}".to_owned()]).unwrap();
        assert_eq!(list.find("get FR33 stuff"), Some((1, "FR33")));
        assert_eq!(list.find("hello"), None);
    }
}
