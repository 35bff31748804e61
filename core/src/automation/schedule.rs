//! A schedule as an admin writes it: a 5-field cron expression (minute, hour, day of month,
//! month, day of week; `@hourly`, `@daily`, `@weekly`, `@monthly`, `@yearly` too) in an IANA
//! time zone, parsed by croner (no seconds field, no year field). A refused expression names
//! the field that is wrong and what it accepts. Daylight saving follows croner's documented
//! rules: a time skipped by the spring-forward change runs once, right after the gap; a time
//! repeated by the fall-back change runs once, at its first occurrence.

use std::str::FromStr;

use chrono::{TimeZone, Utc};
use chrono_tz::Tz;
use croner::Cron;
use croner::parser::{CronParser, Seconds, Year};

use crate::clock::UnixMillis;

/// The five fields, in order, with what each accepts.
const FIELDS: [(&str, &str); 5] = [
    ("minute", "0-59"),
    ("hour", "0-23"),
    ("day of month", "1-31, L for the last day"),
    ("month", "1-12 or JAN-DEC"),
    ("day of week", "0-7 (0 and 7 are Sunday) or SUN-SAT"),
];

/// Why a schedule was refused: the field (when one is to blame) and what is accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ScheduleError {
    /// The field at fault (`minute`, `hour`, ...), or `None` for the whole expression or the
    /// time zone.
    pub field: Option<&'static str>,
    /// What was wrong and what is accepted.
    pub message: String,
}

/// A parsed schedule.
#[derive(Debug, Clone)]
pub struct Schedule {
    cron: Cron,
    zone: Tz,
    expression: String,
}

fn parser() -> CronParser {
    CronParser::builder()
        .seconds(Seconds::Disallowed)
        .year(Year::Disallowed)
        .build()
}

impl Schedule {
    /// Parses `expression` in the time zone `zone` (an IANA name such as `Europe/Berlin`).
    ///
    /// # Errors
    /// [`ScheduleError`] naming the field at fault (by checking each field alone), a wrong
    /// number of fields, or an unknown time zone.
    pub fn parse(expression: &str, zone: &str) -> Result<Self, ScheduleError> {
        let zone: Tz = Tz::from_str(zone.trim()).map_err(|_| ScheduleError {
            field: None,
            message: format!(
                "`{zone}` is not a time zone; use an IANA name such as Europe/Berlin or UTC"
            ),
        })?;
        let expression = expression.trim();
        crate::text::check("the schedule", expression, crate::text::TextKind::Name).map_err(
            |error| ScheduleError {
                field: None,
                message: error.to_string(),
            },
        )?;
        if expression.is_empty() {
            return Err(ScheduleError {
                field: None,
                message: "the schedule is empty; write five fields (minute hour day-of-month month day-of-week), e.g. `0 9 * * MON` for 09:00 every Monday, or @daily".into(),
            });
        }
        if !expression.starts_with('@') {
            let parts: Vec<&str> = expression.split_whitespace().collect();
            if parts.len() != FIELDS.len() {
                return Err(ScheduleError {
                    field: None,
                    message: format!(
                        "a schedule has 5 fields (minute hour day-of-month month day-of-week), got {} in `{expression}`{}",
                        parts.len(),
                        if parts.len() == 6 {
                            "; seconds are not supported"
                        } else {
                            ""
                        }
                    ),
                });
            }
            // Each field alone, the others `*`: the first that fails is the one to name.
            for (index, part) in parts.iter().enumerate() {
                let mut alone = vec!["*"; FIELDS.len()];
                alone[index] = part;
                if let Err(error) = parser().parse(&alone.join(" ")) {
                    let (name, accepted) = FIELDS[index];
                    return Err(ScheduleError {
                        field: Some(name),
                        message: format!(
                            "the {name} field `{part}` is not valid ({}); it takes {accepted}, lists (1,15), ranges (1-5) and steps (*/10)",
                            plain(&error)
                        ),
                    });
                }
            }
        }
        let cron = parser().parse(expression).map_err(|error| ScheduleError {
            field: None,
            message: format!(
                "`{expression}` is not a schedule ({}); write five fields, e.g. `0 9 * * MON`, or @hourly, @daily, @weekly, @monthly, @yearly",
                plain(&error)
            ),
        })?;
        Ok(Self {
            cron,
            zone,
            expression: expression.to_owned(),
        })
    }

    /// The expression as written.
    pub fn expression(&self) -> &str {
        &self.expression
    }

    /// The time zone's name.
    pub fn zone(&self) -> &str {
        self.zone.name()
    }

    /// The schedule in words, with its time zone ("At 09:00 on Monday (Europe/Berlin)").
    pub fn describe(&self) -> String {
        let words = self.cron.describe();
        let words = words.trim_end_matches('.');
        format!("{words} ({})", self.zone.name())
    }

    /// The first run strictly after `after`, if there is one within croner's search limit. A
    /// schedule that fell due while the process was down runs once on start, then takes its
    /// next run after now, never one run per missed tick.
    pub fn next_after(&self, after: UnixMillis) -> Option<UnixMillis> {
        let start = self
            .zone
            .from_utc_datetime(&Utc.timestamp_millis_opt(after.0).single()?.naive_utc());
        let next = self.cron.find_next_occurrence(&start, false).ok()?;
        Some(UnixMillis(next.timestamp_millis()))
    }

    /// The next `count` runs after `after` (what a page shows before saving).
    pub fn next_runs(&self, after: UnixMillis, count: usize) -> Vec<UnixMillis> {
        let mut runs = Vec::with_capacity(count);
        let mut from = after;
        while runs.len() < count {
            let Some(next) = self.next_after(from) else {
                break;
            };
            runs.push(next);
            from = next;
        }
        runs
    }
}

/// croner's message without its type prefix.
fn plain(error: &croner::errors::CronError) -> String {
    let text = error.to_string();
    for prefix in [
        "Invalid pattern: ",
        "Component error: ",
        "Pattern contains illegal characters: ",
    ] {
        if let Some(rest) = text.strip_prefix(prefix) {
            return rest.trim_end_matches('.').to_owned();
        }
    }
    text.trim_end_matches('.').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> UnixMillis {
        UnixMillis(
            chrono::DateTime::parse_from_rfc3339(text)
                .unwrap()
                .timestamp_millis(),
        )
    }

    fn shown(at: UnixMillis, zone: &str) -> String {
        let zone: Tz = zone.parse().unwrap();
        zone.timestamp_millis_opt(at.0)
            .unwrap()
            .format("%Y-%m-%d %H:%M %Z")
            .to_string()
    }

    #[test]
    fn five_fields_in_a_time_zone_with_words_and_the_next_runs() {
        let schedule = Schedule::parse("0 9 * * MON", "Europe/Berlin").unwrap();
        let runs = schedule.next_runs(at("2027-01-01T00:00:00Z"), 3);
        let shown: Vec<String> = runs
            .iter()
            .map(|run| shown(*run, "Europe/Berlin"))
            .collect();
        assert_eq!(
            shown,
            [
                "2027-01-04 09:00 CET",
                "2027-01-11 09:00 CET",
                "2027-01-18 09:00 CET"
            ]
        );
        let words = schedule.describe();
        assert!(words.ends_with("(Europe/Berlin)"), "{words}");
        assert!(words.contains("Monday"), "{words}");
        // Shortcuts.
        let daily = Schedule::parse("@daily", "UTC").unwrap();
        assert_eq!(
            daily.next_after(at("2027-01-01T10:00:00Z")),
            Some(at("2027-01-02T00:00:00Z"))
        );
    }

    #[test]
    fn a_refused_expression_names_the_field_and_what_it_takes() {
        for (expression, field, words) in [
            ("61 * * * *", Some("minute"), "the minute field `61`"),
            ("0 25 * * *", Some("hour"), "it takes 0-23"),
            (
                "0 9 32 * *",
                Some("day of month"),
                "the day of month field `32`",
            ),
            ("0 9 * 13 *", Some("month"), "the month field `13`"),
            (
                "0 9 * * FUNDAY",
                Some("day of week"),
                "the day of week field",
            ),
            ("0 0 9 * * MON", None, "seconds are not supported"),
            ("0 9 * *", None, "got 4"),
            ("", None, "the schedule is empty"),
        ] {
            let refused = Schedule::parse(expression, "UTC").unwrap_err();
            assert_eq!(refused.field, field, "{expression}: {refused}");
            assert!(refused.message.contains(words), "{expression}: {refused}");
        }
        let zone = Schedule::parse("0 9 * * *", "Mars/Olympus").unwrap_err();
        assert!(zone.message.contains("IANA"), "{zone}");
        let control = Schedule::parse("0 9 * * *\u{7}", "UTC").unwrap_err();
        assert!(control.message.contains("control characters"), "{control}");
    }

    #[test]
    fn a_time_skipped_by_spring_forward_runs_once_after_the_gap_and_a_repeated_one_once() {
        // Europe/Berlin: 2027-03-28 02:00 CET jumps to 03:00 CEST; 2027-10-31 03:00 CEST goes
        // back to 02:00 CET.
        let schedule = Schedule::parse("30 2 * * *", "Europe/Berlin").unwrap();
        let spring: Vec<String> = schedule
            .next_runs(at("2027-03-27T12:00:00Z"), 3)
            .into_iter()
            .map(|run| shown(run, "Europe/Berlin"))
            .collect();
        assert_eq!(
            spring,
            [
                "2027-03-28 03:00 CEST",
                "2027-03-29 02:30 CEST",
                "2027-03-30 02:30 CEST"
            ],
            "the skipped 02:30 runs once, right after the gap"
        );
        let autumn = schedule.next_runs(at("2027-10-30T12:00:00Z"), 2);
        assert_eq!(
            autumn
                .iter()
                .map(|run| shown(*run, "Europe/Berlin"))
                .collect::<Vec<_>>(),
            ["2027-10-31 02:30 CEST", "2027-11-01 02:30 CET"],
            "the repeated 02:30 runs once, at its first occurrence"
        );
    }

    #[test]
    fn a_restart_after_missed_runs_runs_once_then_follows_the_schedule() {
        let schedule = Schedule::parse("*/10 * * * *", "UTC").unwrap();
        // Down from 10:05 to 11:07: six runs fell due; the overdue run goes out once on start and
        // the next is taken after now (11:10), not after the missed one (10:10).
        assert_eq!(
            schedule.next_after(at("2027-01-01T11:07:00Z")),
            Some(at("2027-01-01T11:10:00Z"))
        );
    }
}
