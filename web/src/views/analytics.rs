//! The analytics page: a range picker, one chart per figure (server-drawn SVG: bars a day,
//! scaled to the range's peak, with its numbers in `<title>`s and a table under it), the top
//! channels by name and the commands table.

use guildhall_core::analytics::{Metric, Report, Series, day_label};
use maud::{Markup, html};

use super::components::{Names, guild_tabs};
use super::layout::page as frame;
use crate::app::{CurrentUser, GuildAccess};
use crate::routes;

const WIDTH: i64 = 720;
const HEIGHT: i64 = 160;
const COLOURS: [&str; 2] = ["#5865F2", "#ED4245"];

/// Bars for one or two series (side by side each day), with the peak and the first and last
/// day on the axes.
pub fn chart(title: &str, series: &[&Series]) -> Markup {
    let days = series.first().map_or(0, |s| s.days.len()).max(1);
    let peak = series.iter().map(|s| s.peak()).max().unwrap_or(0).max(1);
    let slot = WIDTH as f64 / days as f64;
    let bar = (slot / series.len().max(1) as f64 * 0.8).max(1.0);
    let top = 14_i64;
    let base = HEIGHT - 18;
    let scale = (base - top) as f64 / peak as f64;
    html! {
        svg.chart viewBox=(format!("0 0 {WIDTH} {HEIGHT}")) width="100%" role="img" preserveAspectRatio="none" {
            title { (title) }
            line x1="0" y1=(base) x2=(WIDTH) y2=(base) stroke="#999" stroke-width="1" {}
            text x="2" y="11" font-size="11" fill="currentColor" { (peak) }
            @if let Some(first) = series.first() {
                @if let (Some((start, _)), Some((end, _))) = (first.days.first(), first.days.last()) {
                    text x="2" y=(HEIGHT - 3) font-size="11" fill="currentColor" { (day_label(*start)) }
                    text x=(WIDTH - 2) y=(HEIGHT - 3) font-size="11" fill="currentColor" text-anchor="end" { (day_label(*end)) }
                }
            }
            @for (which, one) in series.iter().enumerate() {
                @for (index, (day, value)) in one.days.iter().enumerate() {
                    @let height = ((*value as f64) * scale).round();
                    @let x = index as f64 * slot + which as f64 * bar + slot * 0.1;
                    rect x=(format!("{x:.1}")) y=(format!("{:.1}", base as f64 - height)) width=(format!("{bar:.1}")) height=(format!("{height:.1}")) fill=(COLOURS[which % 2]) {
                        title { (day_label(*day)) ": " (value) " " (one.metric.title().to_lowercase()) }
                    }
                }
            }
        }
    }
}

fn table(series: &[&Series]) -> Markup {
    html! {
        details { summary { "Table" }
            div.scroll { table {
                thead { tr { th { "Day" } @for one in series { th { (one.metric.title()) } } } }
                tbody {
                    @if let Some(first) = series.first() {
                        @for (index, (day, _)) in first.days.iter().enumerate().rev() {
                            tr {
                                td { (day_label(*day)) }
                                @for one in series { td.number { (one.days.get(index).map_or(0, |(_, v)| *v)) } }
                            }
                        }
                    }
                }
            } }
        }
    }
}

fn figure(title: &str, series: &[&Series]) -> Markup {
    let totals: Vec<String> = series
        .iter()
        .map(|one| format!("{} {}", one.metric.title(), one.total()))
        .collect();
    html! {
        section.figure {
            h2 { (title) }
            p.muted { "In the range: " (totals.join(" · ")) }
            (chart(title, series))
            (table(series))
        }
    }
}

/// The whole page.
pub fn page(
    user: &CurrentUser,
    guild: &GuildAccess,
    days: u32,
    report: &Report,
    export: bool,
) -> Markup {
    let names: &Names = &guild.names;
    let one = |metric: Metric| report.series(metric);
    let link = |range: u32| format!("{}?range={range}", routes::guild_analytics(guild.id));
    html! {
        (frame(&format!("{} · analytics", guild.name), Some(user), html! {
            h1 { (guild.name) }
            (guild_tabs(guild, "Analytics"))
            nav.range aria-label="Range" {
                "Last "
                @for range in guildhall_core::analytics::query::RANGES {
                    @if range == days { strong { (range) " days" } } @else { a href=(link(range)) { (range) " days" } }
                    " "
                }
                " · "
                @if export {
                    a href=(format!("{}?range={days}", routes::guild_analytics_csv(guild.id))) { "Download CSV" }
                } @else {
                    span.muted { "CSV export needs Guildhall premium" }
                }
            }
            p.muted { "Days are UTC. Figures are rolled up every hour from what the bot counted; today's are partial." }
            @if let Some(messages) = one(Metric::Messages) { (figure("Messages", &[messages])) }
            @if let Some(active) = one(Metric::ActiveMembers) { (figure("Active members", &[active])) }
            @if let (Some(joins), Some(leaves)) = (one(Metric::Joins), one(Metric::Leaves)) { (figure("Joins and leaves", &[joins, leaves])) }
            @if let Some(voice) = one(Metric::VoiceMinutes) { (figure("Voice minutes", &[voice])) }
            @if let (Some(commands), Some(failures)) = (one(Metric::Commands), one(Metric::CommandFailures)) { (figure("Commands and failures", &[commands, failures])) }
            @if let Some(automod) = one(Metric::AutomodActions) { (figure("Automod actions", &[automod])) }
            section.figure {
                h2 { "Top channels" }
                div.scroll { table #top-channels {
                    thead { tr { th { "Channel" } th { "Messages" } } }
                    tbody {
                        @for (channel, total) in &report.top_channels { tr { td { (names.channel(*channel)) } td.number { (total) } } }
                        @if report.top_channels.is_empty() { tr { td colspan="2" { "No messages counted in this range." } } }
                    }
                } }
                h3 { "Voice channels" }
                div.scroll { table {
                    thead { tr { th { "Channel" } th { "Voice minutes" } } }
                    tbody {
                        @for (channel, total) in &report.top_voice { tr { td { (names.channel(*channel)) } td.number { (total) } } }
                        @if report.top_voice.is_empty() { tr { td colspan="2" { "No voice time counted in this range." } } }
                    }
                } }
            }
            section.figure {
                h2 { "Commands" }
                div.scroll { table #commands {
                    thead { tr { th { "Command" } th { "Runs" } th { "Failures" } th { "Average" } } }
                    tbody {
                        @for row in &report.commands { tr { td { "/" (row.command) } td.number { (row.runs) } td.number { (row.failures) } td.number { (row.average_ms) " ms" } } }
                        @if report.commands.is_empty() { tr { td colspan="4" { "No commands in this range." } } }
                    }
                } }
            }
        }))
    }
}
