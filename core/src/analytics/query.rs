//! What the dashboard, the CSV export and `guildhall stats` read: only the daily tables, never
//! the raw rows. A metric's days come with the missing ones as 0, so a chart has a bar a day.

use serde::Serialize;

use super::{DAY_MS, Metric, day_label, day_start, store};
use crate::clock::UnixMillis;
use crate::db::{Db, DbError};
use crate::ids::{ChannelId, GuildId};

/// The ranges the dashboard offers, in days.
pub const RANGES: [u32; 3] = [7, 30, 90];
/// The longest range the CLI takes, in days.
pub const MAX_DAYS: u32 = 365;

/// Why a request for figures was refused.
#[derive(Debug, thiserror::Error)]
pub enum AnalyticsError {
    /// The range is not one that is offered.
    #[error("range `{0}` is not offered; choose 7, 30 or 90 (days)")]
    Range(String),
    /// The `--since` is not a number of days.
    #[error("`{0}` is not a number of days; write it as 7d, 30d or 90d (any 1d to 365d)")]
    Days(String),
    /// The database failed.
    #[error(transparent)]
    Storage(#[from] DbError),
}

/// Reads the dashboard's `range` (7, 30 or 90).
///
/// # Errors
/// [`AnalyticsError::Range`] naming what is accepted.
pub fn parse_range(text: &str) -> Result<u32, AnalyticsError> {
    text.trim()
        .parse::<u32>()
        .ok()
        .filter(|days| RANGES.contains(days))
        .ok_or_else(|| AnalyticsError::Range(text.to_owned()))
}

/// Reads the CLI's `--since` (`30d`, or a bare number of days, 1 to 365).
///
/// # Errors
/// [`AnalyticsError::Days`] naming what is accepted.
pub fn parse_days(text: &str) -> Result<u32, AnalyticsError> {
    let trimmed = text.trim();
    trimmed
        .strip_suffix('d')
        .unwrap_or(trimmed)
        .parse::<u32>()
        .ok()
        .filter(|days| (1..=MAX_DAYS).contains(days))
        .ok_or_else(|| AnalyticsError::Days(text.to_owned()))
}

/// One metric, a value a day (oldest first, every day of the range).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Series {
    /// What.
    pub metric: Metric,
    /// `(day, value)`.
    pub days: Vec<(UnixMillis, i64)>,
}

impl Series {
    /// The range's total.
    pub fn total(&self) -> i64 {
        self.days.iter().map(|(_, value)| value).sum()
    }

    /// The highest day.
    pub fn peak(&self) -> i64 {
        self.days.iter().map(|(_, value)| *value).max().unwrap_or(0)
    }
}

/// One command's runs in a range.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CommandRow {
    /// The command.
    pub command: String,
    /// Runs.
    pub runs: i64,
    /// Runs that did not end well.
    pub failures: i64,
    /// Average latency, in milliseconds.
    pub average_ms: i64,
}

/// A guild's figures for a range.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    /// The first day.
    pub since: UnixMillis,
    /// The last day (today).
    pub until: UnixMillis,
    /// Each daily metric (without the latency sum: see `commands`).
    pub series: Vec<Series>,
    /// The channels with the most messages.
    pub top_channels: Vec<(ChannelId, i64)>,
    /// The channels with the most voice minutes.
    pub top_voice: Vec<(ChannelId, i64)>,
    /// The commands, most run first.
    pub commands: Vec<CommandRow>,
}

impl Report {
    /// The series of `metric`.
    pub fn series(&self, metric: Metric) -> Option<&Series> {
        self.series.iter().find(|series| series.metric == metric)
    }
}

/// The figures of the last `days` days (today included) at `now`.
///
/// # Errors
/// [`AnalyticsError::Storage`].
pub async fn report(
    db: &Db,
    guild: GuildId,
    days: u32,
    now: UnixMillis,
) -> Result<Report, AnalyticsError> {
    let until = day_start(now);
    let since = UnixMillis(until.0 - (i64::from(days.max(1)) - 1) * DAY_MS);
    let rows = store::guild_days(db, guild, since, until).await?;
    let mut series = Vec::new();
    for metric in Metric::DAILY
        .into_iter()
        .filter(|metric| *metric != Metric::CommandLatencyMs)
    {
        let mut values: Vec<(UnixMillis, i64)> = (0..i64::from(days.max(1)))
            .map(|n| (UnixMillis(since.0 + n * DAY_MS), 0))
            .collect();
        for (day, _, name, value) in &rows {
            if name == metric.as_str() {
                let index = usize::try_from((day.0 - since.0) / DAY_MS).unwrap_or(usize::MAX);
                if let Some(slot) = values.get_mut(index) {
                    slot.1 = *value;
                }
            }
        }
        series.push(Series {
            metric,
            days: values,
        });
    }
    let top_channels = store::top_channels(db, guild, Metric::Messages, since, until, 10).await?;
    let top_voice = store::top_channels(db, guild, Metric::VoiceMinutes, since, until, 10).await?;
    let commands = store::commands(db, guild, since, until)
        .await?
        .into_iter()
        .map(|(command, runs, failures, latency)| CommandRow {
            command,
            runs,
            failures,
            average_ms: if runs > 0 { latency / runs } else { 0 },
        })
        .collect();
    Ok(Report {
        since,
        until,
        series,
        top_channels,
        top_voice,
        commands,
    })
}

/// The report as CSV: one line per day and metric for the guild, then per channel, with the
/// channel's name (from `name`) beside its id.
pub fn csv(report: &Report, name: &dyn Fn(ChannelId) -> Option<String>) -> String {
    let mut out = String::from("day,metric,channel_id,channel,value\n");
    for series in &report.series {
        for (day, value) in &series.days {
            out.push_str(&format!(
                "{},{},,(whole server),{value}\n",
                day_label(*day),
                series.metric.as_str()
            ));
        }
    }
    for (channel, total) in &report.top_channels {
        let shown = name(*channel)
            .unwrap_or_default()
            .replace([',', '"', '\n'], " ");
        out.push_str(&format!(
            "{}..{},messages,{channel},#{shown},{total}\n",
            day_label(report.since),
            day_label(report.until)
        ));
    }
    for (channel, total) in &report.top_voice {
        let shown = name(*channel)
            .unwrap_or_default()
            .replace([',', '"', '\n'], " ");
        out.push_str(&format!(
            "{}..{},voice_minutes,{channel},#{shown},{total}\n",
            day_label(report.since),
            day_label(report.until)
        ));
    }
    out
}

/// A sparkline of `values` (▁ to █), one character a value.
pub fn sparkline(values: &[i64]) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let peak = values.iter().copied().max().unwrap_or(0);
    values
        .iter()
        .map(|value| {
            if peak <= 0 || *value <= 0 {
                BARS[0]
            } else {
                let index = usize::try_from(value * 7 / peak).unwrap_or(7).min(7);
                BARS[index]
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_and_days_are_read_or_refused_with_what_is_accepted() {
        assert_eq!(parse_range("30").unwrap(), 30);
        let error = parse_range("8").unwrap_err().to_string();
        assert!(error.contains("choose 7, 30 or 90"), "{error}");
        assert_eq!(parse_days("30d").unwrap(), 30);
        assert_eq!(parse_days("90").unwrap(), 90);
        for bad in ["0d", "366d", "a week", "-3d"] {
            let error = parse_days(bad).unwrap_err().to_string();
            assert!(error.contains("any 1d to 365d"), "{bad}: {error}");
        }
    }

    #[test]
    fn a_sparkline_scales_to_the_peak() {
        assert_eq!(sparkline(&[0, 1, 7, 14]), "▁▁▄█");
        assert_eq!(sparkline(&[0, 0]), "▁▁");
        assert_eq!(sparkline(&[]), "");
    }
}
