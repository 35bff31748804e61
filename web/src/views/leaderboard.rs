//! The leaderboard: the public page (no login), the staff page (Manage Server) and the table
//! both share, which the levels page also uses for its top-ten preview. Progress bars are
//! `<progress>` elements: no script, no image.

use guildhall_core::ids::{GuildId, UserId};
use maud::{Markup, html};
use serde::Serialize;

use super::components::guild_tabs;
use super::layout::page;
use crate::app::{CurrentUser, GuildAccess};

/// One member on a leaderboard page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BoardMember {
    /// Place (1 is the top).
    pub rank: u64,
    /// The member.
    pub user: UserId,
    /// Their name as the bot's cache knows it, else `user <id>`.
    pub name: String,
    /// Their level under the guild's curve.
    pub level: u32,
    /// Their total XP.
    pub xp: i64,
    /// XP earned since reaching `level`.
    pub xp_into_level: i64,
    /// XP the next level costs in all (0 at the highest level).
    pub xp_needed: i64,
}

/// One page of a guild's leaderboard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Board {
    /// The guild.
    pub guild: GuildId,
    /// Its name (not in the JSON: the page shows it, the data names the guild by id).
    #[serde(skip)]
    pub guild_name: String,
    /// The page shown, from 1.
    pub page: u64,
    /// How many pages there are (at least 1, even with nobody on the board).
    pub pages: u64,
    /// The page's members, best first.
    pub members: Vec<BoardMember>,
}

/// A number with thin separators every three digits: `1 234 567`.
pub fn grouped(value: i64) -> String {
    let digits = value.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if value < 0 {
        out.push('-');
    }
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push('\u{2009}');
        }
        out.push(digit);
    }
    out
}

fn progress(member: &BoardMember) -> Markup {
    if member.xp_needed <= 0 {
        return html! { span.muted { "highest level" } };
    }
    let label = format!(
        "{} / {} XP to level {}",
        grouped(member.xp_into_level),
        grouped(member.xp_needed),
        member.level.saturating_add(1)
    );
    html! {
        progress value=(member.xp_into_level) max=(member.xp_needed) aria-hidden="true" {}
        " " small.muted { (label) }
    }
}

/// The leaderboard table (rank, member, level, XP, progress); `None` when `members` is empty.
pub fn table(members: &[BoardMember]) -> Option<Markup> {
    if members.is_empty() {
        return None;
    }
    Some(html! {
        div.scroll { table.leaderboard {
            thead { tr { th { "#" } th { "Member" } th { "Level" } th { "XP" } th { "Progress" } } }
            tbody { @for member in members {
                tr data-user=(member.user) {
                    td.rank { (member.rank) }
                    td {
                        @if member.name == format!("user {}", member.user) {
                            "member " span.id.muted { (member.user) }
                        } @else { (member.name) }
                    }
                    td { (member.level) }
                    td { (grouped(member.xp)) }
                    td.progress { (progress(member)) }
                }
            } }
        } }
    })
}

/// The board with its paging; `link` gives the address of a page.
fn board_body(board: &Board, link: &dyn Fn(u64) -> String) -> Markup {
    let past_end = board.members.is_empty() && board.page > 1;
    html! {
        @if past_end {
            section #past-end {
                p { "Page " (board.page) " is past the end of this leaderboard: it has "
                    (board.pages) " page" (if board.pages == 1 { "" } else { "s" }) "." }
                p { a href=(link(board.pages)) { "Go to the last page (" (board.pages) ")" } }
            }
        } @else if let Some(table) = table(&board.members) {
            (table)
        } @else {
            p.muted #empty-board { "No one has earned XP here yet." }
        }
        @if board.pages > 1 && !past_end {
            nav.paging aria-label="Pages" {
                @if board.page > 1 {
                    a rel="prev" href=(link(board.page - 1)) { "← Previous" }
                    " "
                }
                span { "Page " (board.page) " of " (board.pages) }
                @if board.page < board.pages {
                    " "
                    a rel="next" href=(link(board.page + 1)) { "Next →" }
                }
            }
        }
    }
}

/// The public leaderboard page: no login, nothing but the ranking.
pub fn public(board: &Board, link: &dyn Fn(u64) -> String) -> Markup {
    page(
        &format!("{} · leaderboard", board.guild_name),
        None,
        html! {
            h1 { (board.guild_name) " · leaderboard" }
            (board_body(board, link))
        },
    )
}

/// The staff leaderboard (for guilds whose leaderboard is not public), in the dashboard frame.
pub fn staff(
    user: &CurrentUser,
    guild: &GuildAccess,
    board: &Board,
    link: &dyn Fn(u64) -> String,
) -> Markup {
    page(
        &format!("{} · leaderboard", guild.name),
        Some(user),
        html! {
            h1 { (guild.name) }
            (guild_tabs(guild, "Levels"))
            h2 { "Leaderboard" }
            p.muted { "Only people who manage this server see this page; switch on the public leaderboard on the Levels page to let anyone see it." }
            (board_body(board, link))
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_grouped_by_three() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1_000), "1\u{2009}000");
        assert_eq!(grouped(1_234_567), "1\u{2009}234\u{2009}567");
        assert_eq!(grouped(-12_345), "-12\u{2009}345");
    }
}
