//! Premium as the dashboard shows it: a guild's tier, its limits and use, its perks (on,
//! needing premium, or still to come) and what is paused; the operator page's premium section
//! (every premium guild, the grant form, revoke buttons).

use guildhall_core::guilds::GuildRecord;
use guildhall_core::premium::{LimitUse, PERKS, Paused, Source, Status, Tier};
use maud::{Markup, html};

use super::components::{csrf_field, guild_tabs, when};
use super::layout::page;
use crate::app::{CurrentUser, GuildAccess};
use crate::routes;

/// What the guild page shows.
#[derive(Debug)]
pub struct GuildPremium {
    /// Its tier and why.
    pub status: Status,
    /// Each limit with its use.
    pub usage: Vec<LimitUse>,
    /// What waits for premium.
    pub paused: Vec<Paused>,
    /// Whether the operator sells a SKU (members can subscribe in Discord).
    pub sells: bool,
}

fn until(status: &Status) -> String {
    match (status.tier, status.until) {
        (Tier::Free, _) => String::new(),
        (_, Some(at)) => format!("until {}", when(at)),
        (_, None) => "no end set".into(),
    }
}

/// `/guilds/{guild}/premium`.
pub fn guild(user: &CurrentUser, guild: &GuildAccess, data: &GuildPremium) -> Markup {
    let tier = data.status.tier;
    page(
        &format!("{} · premium", guild.name),
        Some(user),
        html! {
            h1 { (guild.name) }
            (guild_tabs(guild, "Premium"))
            section.premium-tier {
                h2 { "Tier: " (tier.title()) }
                @if let Some(source) = &data.status.source {
                    p { (source_words(source)) ", " (until(&data.status)) "." }
                } @else if data.sells {
                    p.muted { "This server is on the free tier. A server admin can subscribe in Discord (the server's App Directory page, or the Premium button the bot shows)." }
                } @else {
                    p.muted { "This server is on the free tier. Premium is granted by whoever runs this Guildhall." }
                }
            }
            @if !data.paused.is_empty() {
                section.paused {
                    h2 { "Paused" }
                    p.muted { "Kept as they are, not running until the server has premium again. Timed roles already given still end on time." }
                    ul { @for item in &data.paused {
                        li { strong { (item.what) } br; span.state.paused { (item.reason) } }
                    } }
                }
            }
            h2 { "Limits" }
            p.muted { "A limit refuses new items only: a server above it after premium ends keeps what it has." }
            div.scroll { table.limits {
                thead { tr { th { "What" } th { "Used" } @for (tier, _) in data.usage.first().map(|u| u.by_tier.clone()).unwrap_or_default() { th { (tier.title()) } } } }
                tbody { @for limit in &data.usage { tr {
                    td { (guildhall_core::error::capitalised(limit.noun)) }
                    td {
                        @match limit.used {
                            Some(used) => {
                                (used) " of " (limit.limit)
                                @if limit.over() { " " span.state.paused { "over the limit: new ones are refused" } }
                            }
                            None => span.muted { "coming" },
                        }
                    }
                    @for (each, allowed) in &limit.by_tier {
                        td { @if *each == tier { strong { (allowed) } } @else { (allowed) } }
                    }
                } } }
            } }
            h2 { "What premium unlocks" }
            ul.perks { @for perk in PERKS {
                li {
                    (perk.title)
                    " "
                    @if !perk.built { span.muted { "(coming)" } }
                    @else if tier >= perk.tier { span.state.done { "on" } }
                    @else { span.state.paused { "needs " (perk.tier.title()) } }
                }
            } }
            p { a href=(routes::guild_settings_form(guild.id, "branding")) { "Set the bot's name, avatar and embed theme" } span.muted { " (they apply while the server has premium)" } }
        },
    )
}

fn source_words(source: &Source) -> String {
    guildhall_core::error::capitalised(&source.describe())
}

/// The operator page's premium section.
pub fn operator_section(
    csrf: &str,
    statuses: &[Status],
    grants: &[guildhall_core::premium::Grant],
    guilds: &[GuildRecord],
) -> Markup {
    let name = |id| {
        guilds
            .iter()
            .find(|guild| guild.id == id)
            .map_or_else(|| id.to_string(), |guild| guild.name.clone())
    };
    html! {
        h2 #premium { "Premium" }
        @if statuses.is_empty() {
            p.muted { "No server is above free." }
        } @else {
            div.scroll { table {
                thead { tr { th { "Server" } th { "Tier" } th { "Until" } th { "From" } th {} } }
                tbody { @for status in statuses { tr {
                    td { a href=(routes::guild_premium(status.guild)) { (name(status.guild)) } }
                    td { (status.tier.title()) }
                    td { (status.until.map(when).unwrap_or_else(|| "no end".into())) }
                    td { (status.source.as_ref().map(Source::describe).unwrap_or_default()) }
                    td {
                        @if grants.iter().any(|grant| grant.guild == status.guild) {
                            form method="post" action=(routes::premium_revoke(status.guild)) {
                                (csrf_field(csrf))
                                button.danger type="submit" { "Revoke grant" }
                            }
                        }
                    }
                } } }
            } }
        }
        form.premium-grant method="post" action=(routes::PREMIUM_GRANT) {
            (csrf_field(csrf))
            h3 { "Grant premium" }
            label { "Server "
                select name="guild" required {
                    @for guild in guilds.iter().filter(|guild| guild.left_at.is_none()) {
                        option value=(guild.id) { (guild.name) }
                    }
                }
            }
            label { "Until " input name="until" placeholder="+30d, 2027-01-31T00:00:00Z, or empty for no end"; }
            label { "Note " input name="note" maxlength="200" placeholder="why (kept in the audit log)"; }
            button type="submit" { "Grant" }
        }
    }
}
