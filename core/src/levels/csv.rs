//! Levels as CSV: parsing an import (`user_id,xp`, or `user_id,xp,level` whose level is ignored
//! and recomputed, or this module's own export, whose extra columns are ignored), its dry-run
//! summary, and the export (`user_id,xp,level,messages,voice_seconds`).
//!
//! Hand-parsed: every field is a number, so quoting only ever wraps a whole field. Every bad line
//! gets its own error naming the line, what was there and what is accepted; an import with any
//! error writes nothing.

use std::collections::HashMap;
use std::fmt;
use std::fmt::Write as _;

use serde::Serialize;

use super::curve::{LevelCurve, MAX_XP};
use super::store::{ImportMode, MemberXp};
use crate::ids::UserId;

/// The most rows one import may hold.
pub const MAX_IMPORT_ROWS: usize = 1_000_000;
/// The most errors kept with their text (all are counted).
pub const MAX_REPORTED_ERRORS: usize = 100;
/// The export's header line.
pub const EXPORT_HEADER: &str = "user_id,xp,level,messages,voice_seconds";

/// The header lines an import accepts (also without a header).
const ACCEPTED_HEADERS: &[&[&str]] = &[
    &["user_id", "xp"],
    &["user_id", "xp", "level"],
    &["user_id", "xp", "level", "messages", "voice_seconds"],
];

/// One good line of an import.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CsvRow {
    /// Its line number (from 1).
    pub line: usize,
    /// The member.
    pub user: UserId,
    /// Their XP.
    pub xp: i64,
}

/// What is wrong with one line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LineError {
    /// The line number (from 1).
    pub line: usize,
    /// What is wrong and what is accepted.
    pub message: String,
}

impl fmt::Display for LineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// A parsed import: the good rows and the errors.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ParsedCsv {
    /// Every good line, in file order.
    pub rows: Vec<CsvRow>,
    /// The first [`MAX_REPORTED_ERRORS`] errors, in file order.
    pub errors: Vec<LineError>,
    /// How many errors there were in all.
    pub error_count: usize,
}

impl ParsedCsv {
    fn error(&mut self, line: usize, message: impl Into<String>) {
        self.error_count += 1;
        if self.errors.len() < MAX_REPORTED_ERRORS {
            self.errors.push(LineError {
                line,
                message: message.into(),
            });
        }
    }

    /// Whether the file can be imported: no errors.
    pub fn is_ok(&self) -> bool {
        self.error_count == 0
    }

    /// The members and their XP, for the store.
    pub fn members(&self) -> Vec<(UserId, i64)> {
        self.rows.iter().map(|row| (row.user, row.xp)).collect()
    }
}

/// A field without surrounding spaces and quotes.
fn field(raw: &str) -> &str {
    let trimmed = raw.trim();
    trimmed
        .strip_prefix('"')
        .and_then(|inner| inner.strip_suffix('"'))
        .map_or(trimmed, str::trim)
}

fn is_header(fields: &[&str]) -> bool {
    fields
        .first()
        .is_some_and(|first| field(first).parse::<u64>().is_err())
}

/// Parses an import file.
pub fn parse(text: &str) -> ParsedCsv {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut parsed = ParsedCsv::default();
    let mut seen: HashMap<UserId, usize> = HashMap::new();
    let mut first = true;
    for (index, line) in text.split('\n').enumerate() {
        let number = index + 1;
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split(',').collect();
        if std::mem::take(&mut first) && is_header(&fields) {
            let names: Vec<String> = fields
                .iter()
                .map(|raw| field(raw).to_ascii_lowercase())
                .collect();
            if !ACCEPTED_HEADERS.iter().any(|accepted| names == *accepted) {
                parsed.error(
                    number,
                    format!(
                        "the header must be `user_id,xp`, `user_id,xp,level` or `{EXPORT_HEADER}`, got `{}` (other bots' exports are not accepted)",
                        line.trim()
                    ),
                );
            }
            continue;
        }
        if ![2, 3, 5].contains(&fields.len()) {
            parsed.error(
                number,
                format!(
                    "expected 2, 3 or 5 fields (user_id,xp or user_id,xp,level or {EXPORT_HEADER}), got {}",
                    fields.len()
                ),
            );
            continue;
        }
        let user_text = field(fields[0]);
        let user = match user_text.parse::<u64>() {
            Ok(raw) if raw > 0 => UserId::new(raw),
            _ => {
                parsed.error(number, format!("`{user_text}` is not a user id (a number)"));
                continue;
            }
        };
        let xp_text = field(fields[1]);
        let xp = match xp_text.parse::<i64>() {
            Ok(xp) if xp < 0 => {
                parsed.error(number, format!("XP must not be negative, got {xp}"));
                continue;
            }
            Ok(xp) if xp > MAX_XP => {
                parsed.error(number, format!("XP must be at most {MAX_XP}, got {xp}"));
                continue;
            }
            Ok(xp) => xp,
            Err(_) => {
                parsed.error(
                    number,
                    format!("`{xp_text}` is not an amount of XP (a whole number)"),
                );
                continue;
            }
        };
        if let Some(earlier) = seen.get(&user) {
            parsed.error(
                number,
                format!("user {user} is listed twice, on lines {earlier} and {number}"),
            );
            continue;
        }
        if parsed.rows.len() >= MAX_IMPORT_ROWS {
            parsed.error(
                number,
                format!("an import may hold at most {MAX_IMPORT_ROWS} rows; split the file"),
            );
            break;
        }
        seen.insert(user, number);
        parsed.rows.push(CsvRow {
            line: number,
            user,
            xp,
        });
    }
    if parsed.rows.is_empty() && parsed.is_ok() {
        parsed.error(1, "the file has no rows; expected lines of `user_id,xp`");
    }
    parsed
}

/// What an import would do: the dry run, and the report after a real one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportSummary {
    /// Replace or add.
    pub mode: ImportMode,
    /// Good rows.
    pub rows_ok: usize,
    /// Listed members without XP so far.
    pub new_members: usize,
    /// Listed members whose XP changes.
    pub changed_members: usize,
    /// Listed members whose XP stays the same.
    pub unchanged_members: usize,
    /// The guild's total XP before.
    pub total_xp_before: i64,
    /// The guild's total XP after.
    pub total_xp_after: i64,
    /// The first errors (nothing is imported while there are any).
    pub errors: Vec<LineError>,
    /// How many errors there are in all.
    pub error_count: usize,
}

/// Compares a parsed file with the guild's current XP per member.
pub fn summarize(
    parsed: &ParsedCsv,
    current: &HashMap<UserId, i64>,
    mode: ImportMode,
) -> ImportSummary {
    let total_xp_before: i64 = current.values().copied().sum();
    let mut summary = ImportSummary {
        mode,
        rows_ok: parsed.rows.len(),
        new_members: 0,
        changed_members: 0,
        unchanged_members: 0,
        total_xp_before,
        total_xp_after: total_xp_before,
        errors: parsed.errors.clone(),
        error_count: parsed.error_count,
    };
    for row in &parsed.rows {
        let old = current.get(&row.user).copied();
        let new = match mode {
            ImportMode::Replace => row.xp,
            ImportMode::Add => old.unwrap_or(0).saturating_add(row.xp).min(MAX_XP),
        };
        match old {
            None => summary.new_members += 1,
            Some(old) if old != new => summary.changed_members += 1,
            Some(_) => summary.unchanged_members += 1,
        }
        summary.total_xp_after = summary
            .total_xp_after
            .saturating_add(new - old.unwrap_or(0));
    }
    summary
}

/// Writes members as CSV with [`EXPORT_HEADER`], the level computed with `curve`.
pub fn export(members: &[MemberXp], curve: &LevelCurve) -> String {
    let mut out = String::with_capacity(40 * (members.len() + 1));
    out.push_str(EXPORT_HEADER);
    out.push('\n');
    for member in members {
        // Writing to a String cannot fail.
        let _ = writeln!(
            out,
            "{},{},{},{},{}",
            member.user,
            member.xp,
            curve.level_for(member.xp),
            member.messages,
            member.voice_seconds
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::UnixMillis;

    fn messages(parsed: &ParsedCsv) -> Vec<String> {
        parsed.errors.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn accepts_both_shapes_with_or_without_a_header() {
        let cases = [
            "1,100\n2,0\n",
            "user_id,xp\n1,100\n2,0",
            "\u{feff}User_ID , XP\r\n1,100\r\n\r\n2,0\r\n",
            "user_id,xp,level\n1,100,99\n2,0,0\n",
            "\"1\",\"100\"\n 2 , 0 \n",
            "1,100,7\n2,0,not even checked\n",
        ];
        for text in cases {
            let parsed = parse(text);
            assert!(parsed.is_ok(), "{text:?}: {:?}", messages(&parsed));
            let members = parsed.members();
            assert_eq!(
                members,
                [(UserId::new(1), 100), (UserId::new(2), 0)],
                "{text:?}"
            );
        }
    }

    #[test]
    fn every_bad_line_says_what_is_wrong() {
        let text =
            "user_id,xp\n1,10\nabc,5\n3,-3\n4,12.5\n5\n6,1,2,3\n1,20\n0,5\n7,1000000000000001\n";
        let parsed = parse(text);
        assert_eq!(
            messages(&parsed),
            [
                "line 3: `abc` is not a user id (a number)",
                "line 4: XP must not be negative, got -3",
                "line 5: `12.5` is not an amount of XP (a whole number)",
                "line 6: expected 2, 3 or 5 fields (user_id,xp or user_id,xp,level or user_id,xp,level,messages,voice_seconds), got 1",
                "line 7: expected 2, 3 or 5 fields (user_id,xp or user_id,xp,level or user_id,xp,level,messages,voice_seconds), got 4",
                "line 8: user 1 is listed twice, on lines 2 and 8",
                "line 9: `0` is not a user id (a number)",
                "line 10: XP must be at most 1000000000000000, got 1000000000000001",
            ]
        );
        assert_eq!(parsed.error_count, 8);
        assert_eq!(parsed.rows.len(), 1);
        assert!(!parsed.is_ok());
    }

    #[test]
    fn foreign_headers_and_empty_files_are_refused() {
        let parsed = parse("Rank,Username,UserId,Level,XP\n1,a,5,3,400\n");
        assert!(messages(&parsed)[0].starts_with("line 1: the header must be `user_id,xp`, `user_id,xp,level` or `user_id,xp,level,messages,voice_seconds`, got `Rank,Username,UserId,Level,XP`"));
        assert_eq!(
            messages(&parse("\n\nuser_id,xp\n")),
            ["line 1: the file has no rows; expected lines of `user_id,xp`"]
        );
    }

    #[test]
    fn errors_are_all_counted_and_the_first_ones_kept() {
        let text: String = (0..250).map(|_| "x,1\n").collect();
        let parsed = parse(&text);
        assert_eq!(parsed.error_count, 250);
        assert_eq!(parsed.errors.len(), MAX_REPORTED_ERRORS);
    }

    #[test]
    fn the_summary_counts_new_changed_and_totals() {
        let parsed = parse("1,100\n2,50\n3,70\n");
        let current: HashMap<UserId, i64> = [
            (UserId::new(1), 100),
            (UserId::new(2), 10),
            (UserId::new(9), 1_000),
        ]
        .into_iter()
        .collect();
        let replace = summarize(&parsed, &current, ImportMode::Replace);
        assert_eq!(
            (
                replace.rows_ok,
                replace.new_members,
                replace.changed_members,
                replace.unchanged_members
            ),
            (3, 1, 1, 1)
        );
        assert_eq!(
            (replace.total_xp_before, replace.total_xp_after),
            (1_110, 1_220)
        );
        let add = summarize(&parsed, &current, ImportMode::Add);
        assert_eq!(
            (add.new_members, add.changed_members, add.unchanged_members),
            (1, 2, 0)
        );
        assert_eq!(add.total_xp_after, 1_110 + 220);
    }

    #[test]
    fn export_writes_the_level_from_the_curve() {
        let member = |user, xp| MemberXp {
            user: UserId::new(user),
            xp,
            level: 0,
            messages: 3,
            voice_seconds: 60,
            updated_at: UnixMillis(0),
        };
        let text = export(&[member(7, 300), member(8, 0)], &LevelCurve::default());
        assert_eq!(
            text,
            "user_id,xp,level,messages,voice_seconds\n7,300,2,3,60\n8,0,0,3,60\n"
        );
        // What was exported imports again (level, messages and voice time are not restored).
        let parsed = parse(&text);
        assert!(parsed.is_ok(), "{:?}", messages(&parsed));
        assert_eq!(
            parsed.members(),
            [(UserId::new(7), 300), (UserId::new(8), 0)]
        );
    }
}
