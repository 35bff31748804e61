//! Levels: the top members of one guild (rank, member, level, XP, progress to the next
//! level), with the selected member's details. The list itself is the shared
//! [`GuildList`](super::list::GuildList).

use std::time::Duration;

use guildhall_core::ids::{GuildId, UserId};
use guildhall_core::levels::Progress;
use ratatui::layout::Constraint;
use ratatui::text::Line;
use ratatui::widgets::Row;

use super::list::{Details, ListData, ListPane, Load};
use super::{View, short_duration};
use crate::event::Failure;
use crate::loader::Services;

/// How many members the pane lists.
const LEVEL_PAGE: u32 = 100;

/// The levels pane's own part (it has no state of its own).
#[derive(Debug, Default)]
pub struct Levels;

/// The top of a guild's leaderboard as the levels pane shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LevelsView {
    /// How many members have XP.
    pub total: u64,
    /// The best members, best first.
    pub members: Vec<LevelRow>,
}

/// One member on the levels pane.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LevelRow {
    /// Place (1 is the top).
    pub rank: u64,
    /// The member.
    pub user: UserId,
    /// Their display name, where the bot has seen them.
    pub name: Option<String>,
    /// Total XP.
    pub xp: i64,
    /// Level and progress under the guild's curve.
    pub progress: Progress,
    /// Messages that earned XP.
    pub messages: i64,
    /// Seconds of eligible voice time.
    pub voice_seconds: i64,
}

impl ListData for LevelsView {
    type Row = LevelRow;

    fn rows(&self) -> &[LevelRow] {
        &self.members
    }
}

/// Progress toward the next level in percent (100 at the highest level).
fn percent(row: &LevelRow) -> u64 {
    let progress = row.progress;
    if progress.xp_needed <= 0 {
        return 100;
    }
    let into = u64::try_from(progress.xp_into_level).unwrap_or(0);
    let needed = u64::try_from(progress.xp_needed).unwrap_or(1);
    (into.saturating_mul(100) / needed).min(100)
}

/// A ten-cell bar of `percent`.
fn bar(percent: u64) -> String {
    let full = usize::try_from(percent / 10).unwrap_or(10).min(10);
    format!("{}{}", "█".repeat(full), "░".repeat(10 - full))
}

impl ListPane for Levels {
    type Data = LevelsView;

    const HEADER: &'static [&'static str] = &["#", "MEMBER", "LEVEL", "XP", "NEXT LEVEL"];
    const WIDTHS: &'static [Constraint] = &[
        Constraint::Length(5),
        Constraint::Length(19),
        Constraint::Length(5),
        Constraint::Length(12),
        Constraint::Min(15),
    ];
    const HEIGHTS: [Constraint; 2] = [Constraint::Min(6), Constraint::Length(5)];
    const STATUS_LINE: bool = false;
    const RELOAD_EVERY: u64 = 5;
    const LOADING: &'static str = "loading levels…";
    const FAILED: &'static str = "cannot read levels";
    const EMPTY: &'static str = "nobody has earned XP here yet";
    const DETAILS: &'static str = " Member ";

    fn title(&self, guild: &str, data: Option<&LevelsView>) -> String {
        let count = data.map_or_else(String::new, |view| format!(" · {} with XP", view.total));
        format!(" Levels · {guild}{count} ")
    }

    fn load(&self, guild: GuildId) -> Load<LevelsView> {
        Load::new("levels", move |services| async move {
            top_levels(&services, guild).await
        })
    }

    fn row(&self, row: &LevelRow, _data: &LevelsView, _width: u16, _view: &View) -> Row<'static> {
        let share = percent(row);
        Row::new([
            row.rank.to_string(),
            row.name.clone().unwrap_or_else(|| row.user.to_string()),
            row.progress.level.to_string(),
            row.xp.to_string(),
            format!("{} {share:>3}%", bar(share)),
        ])
    }

    fn details(&self, row: &LevelRow, _data: &LevelsView, _width: usize, _view: &View) -> Details {
        let progress = row.progress;
        let next = if progress.xp_needed <= 0 {
            "highest level".to_owned()
        } else {
            format!(
                "{} / {} XP to level {} ({}%)",
                progress.xp_into_level,
                progress.xp_needed,
                progress.level.saturating_add(1),
                percent(row)
            )
        };
        let voice = Duration::from_secs(u64::try_from(row.voice_seconds).unwrap_or(0));
        let lines = vec![
            Line::from(format!(
                "#{} · {} (id {}) · level {} · {} XP",
                row.rank,
                row.name
                    .as_deref()
                    .unwrap_or("a member the bot has not seen"),
                row.user,
                progress.level,
                row.xp
            )),
            Line::from(next),
            Line::from(format!(
                "{} messages earned XP · {} in voice",
                row.messages,
                short_duration(voice)
            )),
        ];
        Details {
            title: " Member ".to_owned(),
            lines,
            wrap: true,
        }
    }
}

/// The top of a guild's leaderboard: one index range read for the page (the same the
/// dashboard's first page makes), one count, levels under the guild's curve.
async fn top_levels(services: &Services, guild: GuildId) -> Result<LevelsView, Failure> {
    let curve = services
        .config
        .reload(guild)
        .await
        .map_err(|error| error.to_string())?
        .levels
        .curve;
    let members = services
        .levels
        .stored_page(guild, 0, LEVEL_PAGE)
        .await
        .map_err(|error| error.to_string())?;
    let total = services
        .levels
        .members_with_xp(guild)
        .await
        .map_err(|error| error.to_string())?;
    // Members by name: the guild model the bot persisted.
    guildhall_core::guild_snapshot::load_guild(&services.db, &services.guild_cache, guild)
        .await
        .map_err(|error| error.to_string())?;
    Ok(LevelsView {
        total: u64::try_from(total).unwrap_or(0),
        members: members
            .into_iter()
            .zip(1..)
            .map(|(member, rank)| LevelRow {
                rank,
                user: member.user,
                name: services.guild_cache.member_name(guild, member.user),
                xp: member.xp,
                progress: curve.progress(member.xp),
                messages: member.messages,
                voice_seconds: member.voice_seconds,
            })
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_fill_by_tens() {
        assert_eq!(bar(0), "░░░░░░░░░░");
        assert_eq!(bar(47), "████░░░░░░");
        assert_eq!(bar(100), "██████████");
    }
}
