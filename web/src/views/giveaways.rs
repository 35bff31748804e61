//! The giveaway pages: the list with live countdowns and the start form, and one giveaway with
//! its entrants, slots, timeline, fairness proof and controls.

use guildhall_core::clock::UnixMillis;
use guildhall_core::eligibility::spoken_duration;
use guildhall_core::giveaways::{
    ALGORITHM, Event, EventActor, Giveaway, GiveawayDetail, GiveawayState, SlotState,
};
use guildhall_core::guild_config::fields::ChannelFilter;
use guildhall_core::ids::{GuildId, UserId};
use maud::{Markup, html};

use super::components::{Flash, Names, Problems, csrf_field, guild_tabs, when};
use super::layout::page;
use super::pickers::Pickers;
use crate::app::{CurrentUser, GuildAccess};
use crate::routes;

/// The most entrants listed on a giveaway's page; the count is always shown.
pub const ENTRANTS_SHOWN: usize = 500;

/// What the start form held, to refill it after an error.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GiveawayForm {
    /// The prize.
    pub prize: String,
    /// The duration, as typed (`90s`, `2h`, `3d`).
    pub duration: String,
    /// The number of winners, as typed.
    pub winners: String,
    /// The channel id, as typed.
    pub channel: String,
    /// Roles of which entrants need one, as typed or picked.
    pub any_roles: Vec<String>,
    /// The minimum level, as typed.
    pub min_level: String,
    /// The minimum account age, as typed.
    pub account_age: String,
    /// The minimum membership, as typed.
    pub membership: String,
    /// Whether members with an active warning are kept out.
    pub no_warnings: bool,
}

/// Everything the list page shows.
#[derive(Debug)]
pub struct ListPage<'a> {
    /// The giveaways, as they should be shown.
    pub giveaways: &'a [Giveaway],
    /// The state filter, as in the query (empty: every state).
    pub state: &'a str,
    /// Now, for the countdowns.
    pub now: UnixMillis,
    /// The start form.
    pub form: &'a GiveawayForm,
    /// Why the last start was refused.
    pub errors: &'a [String],
    /// The guild's pickers.
    pub pickers: &'a Pickers,
    /// Whether `features.giveaways` is on.
    pub enabled: bool,
    /// A message after an action.
    pub flash: Option<&'a Flash>,
}

/// Everything a giveaway's page shows.
#[derive(Debug)]
pub struct DetailPage<'a> {
    /// The giveaway, its slots and its timeline.
    pub detail: &'a GiveawayDetail,
    /// The members entered (at most [`ENTRANTS_SHOWN`]).
    pub entrants: &'a [UserId],
    /// How many members are entered.
    pub entrant_count: usize,
    /// The result of verifying the draw (ended giveaways only): what checked out, or why not.
    pub verified: Option<Result<String, String>>,
    /// Now, for the countdown.
    pub now: UnixMillis,
    /// A message after an action.
    pub flash: Option<&'a Flash>,
}

fn state_badge(state: GiveawayState) -> Markup {
    html! { span class=(format!("kind {}", state.as_str())) { (state.as_str()) } }
}

/// "ends in 2 hours" while running, else when it ended.
pub fn countdown(giveaway: &Giveaway, now: UnixMillis) -> String {
    match giveaway.state {
        GiveawayState::Running if giveaway.ends_at > now => {
            format!("ends in {}", spoken_duration(giveaway.ends_at.since(now)))
        }
        GiveawayState::Running | GiveawayState::Drawing => "drawing".to_owned(),
        GiveawayState::Ended | GiveawayState::Cancelled => format!(
            "{} {}",
            giveaway.state,
            when(giveaway.ended_at.unwrap_or(giveaway.ends_at))
        ),
    }
}

/// The list's rows, polled by htmx every 5 seconds so the countdowns move.
pub fn rows(guild: &GuildAccess, giveaways: &[Giveaway], state: &str, now: UnixMillis) -> Markup {
    let names = &guild.names;
    let guild = guild.id;
    let poll = format!(
        "{}?state={}",
        routes::guild_giveaways(guild),
        percent_encode(state)
    );
    html! {
        section #giveaway-list hx-get=(poll) hx-trigger="every 5s" hx-swap="outerHTML" {
            @if giveaways.is_empty() {
                p.muted #no-giveaways { "No giveaway." }
            } @else {
                div.scroll { table #giveaways {
                    thead { tr { th { "#" } th { "Prize" } th { "State" } th { "Entrants" } th { "Winners" } th { "Ends" } th { "Channel" } } }
                    tbody { @for giveaway in giveaways { tr id=(format!("giveaway-{}", giveaway.id)) {
                        td { a href=(routes::guild_giveaway(guild, giveaway.id)) { (giveaway.id) } }
                        td { a href=(routes::guild_giveaway(guild, giveaway.id)) { (giveaway.prize) } }
                        td { (state_badge(giveaway.state)) }
                        td { (giveaway.entrants) }
                        td { (giveaway.winners) }
                        td.countdown { (countdown(giveaway, now)) }
                        td { (names.channel(giveaway.channel)) }
                    } } }
                } }
            }
        }
    }
}

/// Only what a query value needs: the states are plain words.
fn percent_encode(text: &str) -> String {
    text.chars().filter(char::is_ascii_alphanumeric).collect()
}

/// Which words of a refusal name which field of the start form.
const START_FIELDS: &[(&str, &[&str])] = &[
    ("prize", &["prize"]),
    ("duration", &["duration"]),
    ("winners", &["winner"]),
    ("req_any_role", &["role"]),
    ("req_min_level", &["level"]),
    ("req_account_age", &["account"]),
    ("req_membership", &["time in the server", "membership"]),
    ("channel", &["channel"]),
];

fn start_form(guild: GuildId, csrf: &str, list: &ListPage<'_>) -> Markup {
    let form = list.form;
    let action = routes::guild_giveaways_new(guild);
    let problems = Problems::placed(list.errors, START_FIELDS);
    let field = |name: &'static str, id: &str, label: &str, control: Markup, help: &str| {
        html! {
            div.field {
                label for=(id) { (label) }
                (control)
                @if !help.is_empty() { small.help { (help) } }
                (problems.at(name))
            }
        }
    };
    html! {
        form #new-giveaway method="post" action=(action) {
            (csrf_field(csrf))
            h2 { "Start a giveaway" }
            (problems.above("giveaway-errors"))
            (field("prize", "giveaway-prize", "Prize", html! {
                input #giveaway-prize type="text" name="prize" maxlength="200" required value=(form.prize);
            }, "1 to 200 characters."))
            (field("duration", "giveaway-duration", "Duration", html! {
                input #giveaway-duration type="text" name="duration" required value=(form.duration) placeholder="1d";
            }, "Such as 90s, 30m, 2h or 3d; 10 seconds to 60 days."))
            (field("winners", "giveaway-winners", "Winners", html! {
                input #giveaway-winners type="number" name="winners" min="1" max="20" required
                    value=(if form.winners.is_empty() { "1" } else { form.winners.as_str() });
            }, "1 to 20."))
            (field("channel", "giveaway-channel", "Channel",
                list.pickers.channel("channel", "giveaway-channel", ChannelFilter::Messages, &form.channel, None),
                "Where the bot posts the giveaway."))
            fieldset {
                legend { "Requirements" }
                p.muted { "All empty: the server's default requirements." }
                (field("req_any_role", "giveaway-any-role", "Any of these roles",
                    list.pickers.roles("req_any_role", "giveaway-any-role", &form.any_roles, false), ""))
                (field("req_min_level", "giveaway-level", "Minimum level", html! {
                    input #giveaway-level type="number" name="req_min_level" min="0" value=(form.min_level);
                }, ""))
                (field("req_account_age", "giveaway-account-age", "Minimum account age", html! {
                    input #giveaway-account-age type="text" name="req_account_age" value=(form.account_age);
                }, "Such as 7d."))
                (field("req_membership", "giveaway-membership", "Minimum time in the server", html! {
                    input #giveaway-membership type="text" name="req_membership" value=(form.membership);
                }, "Such as 1d."))
                label {
                    input type="checkbox" name="req_no_warnings" value="on" checked[form.no_warnings];
                    " No active warnings"
                }
            }
            button type="submit" { "Start giveaway" }
        }
    }
}

/// The giveaways, running first, with the start form.
pub fn list(user: &CurrentUser, guild: &GuildAccess, list: &ListPage<'_>) -> Markup {
    let action = routes::guild_giveaways(guild.id);
    page(
        &format!("{} · giveaways", guild.name),
        Some(user),
        html! {
            h1 { (guild.name) }
            (guild_tabs(guild, "Giveaways"))
            @if let Some(flash) = list.flash {
                p.flash.error[!flash.ok] role="status" { (flash.message) }
            }
            @if !list.enabled {
                p.note { "Giveaways are switched off for this server (features.giveaways): the bot does not post or draw them until they are on." }
            }
            h2 { "Giveaways" }
            form.filters #giveaway-filter method="get" action=(action) {
                select name="state" aria-label="State" {
                    option value="" selected[list.state.is_empty()] { "Every state" }
                    @for state in GiveawayState::ALL {
                        option value=(state.as_str()) selected[list.state == state.as_str()] { (state.as_str()) }
                    }
                }
                button type="submit" { "Show" }
            }
            (rows(guild, list.giveaways, list.state, list.now))
            (start_form(guild.id, &user.csrf, list))
        },
    )
}

fn actor(actor: EventActor, names: &Names) -> Markup {
    match actor {
        EventActor::Member(user) => names.member(user),
        EventActor::Operator => html! { "the operator" },
        EventActor::System => html! { "Guildhall" },
    }
}

fn event_row(event: &Event, names: &Names) -> Markup {
    html! {
        tr {
            td { (when(event.at)) }
            td { code { (event.kind.as_str()) } }
            td { (actor(event.actor, names)) }
            td { @if let Some(user) = event.user { (names.member(user)) } }
            td { (event.slot.map(|slot| slot.to_string()).unwrap_or_default()) }
            td { small.muted { (names.humanize(&event.detail.to_string())) } }
        }
    }
}

fn slot_state(state: SlotState) -> &'static str {
    match state {
        SlotState::Pending => "waiting for the claim",
        SlotState::Claimed => "claimed",
        SlotState::Expired => "claim window passed",
        SlotState::Unclaimed => "unclaimed",
    }
}

fn controls(guild: GuildId, csrf: &str, detail: &GiveawayDetail) -> Markup {
    let giveaway = &detail.giveaway;
    html! {
        @if giveaway.state == GiveawayState::Running {
            section #controls {
                h2 { "Controls" }
                form.inline method="post" action=(routes::guild_giveaway_end(guild, giveaway.id)) {
                    (csrf_field(csrf))
                    button type="submit" { "End now and draw" }
                }
                form.inline method="post" action=(routes::guild_giveaway_cancel(guild, giveaway.id)) {
                    (csrf_field(csrf))
                    input type="text" name="reason" maxlength="500" placeholder="Reason (optional)" aria-label="Reason";
                    button.secondary type="submit" { "Cancel without a draw" }
                }
            }
        }
        @if giveaway.state == GiveawayState::Ended && !detail.slots.is_empty() {
            section #controls {
                h2 { "Reroll" }
                form.inline method="post" action=(routes::guild_giveaway_reroll(guild, giveaway.id)) {
                    (csrf_field(csrf))
                    select name="slot" aria-label="Prize" {
                        @for slot in &detail.slots {
                            option value=(slot.slot) { "Prize " (slot.slot) }
                        }
                    }
                    input type="text" name="reason" maxlength="500" placeholder="Reason (optional)" aria-label="Reason";
                    button.secondary type="submit" { "Reroll this prize" }
                }
            }
        }
    }
}

fn proof(giveaway: &Giveaway, verified: Option<&Result<String, String>>) -> Markup {
    html! {
        section #proof {
            h2 { "Fairness proof" }
            dl.facts {
                dt { "Algorithm" } dd { code { (ALGORITHM) } }
                dt { "Seed hash (published at the start)" } dd { code #seed-hash { (giveaway.seed_hash) } }
                dt { "Seed" } dd {
                    @match &giveaway.seed {
                        Some(seed) => code #seed { (seed) },
                        None => span.muted { "secret until the draw" },
                    }
                }
                dt { "Entrants hash" } dd {
                    @match &giveaway.entrants_hash {
                        Some(hash) => code #entrants-hash { (hash) },
                        None => span.muted { "published with the results" },
                    }
                }
                dt { "Verification" } dd #verification {
                    @match verified {
                        Some(Ok(text)) => span.ok { "✓ verified: " (text) },
                        Some(Err(text)) => span.error { "✗ " (text) },
                        None => span.muted { "after the draw" },
                    }
                }
            }
            p.muted {
                "Anyone can check the draw: the SHA-256 of the seed is the published hash, and the winners follow from the seed and the sorted entrant list (download the JSON for the whole record)."
            }
        }
    }
}

/// One giveaway: facts, controls, slots, entrants, the timeline and the proof.
pub fn detail(user: &CurrentUser, guild: &GuildAccess, shown: &DetailPage<'_>) -> Markup {
    let detail = shown.detail;
    let giveaway = &detail.giveaway;
    let id = giveaway.id;
    let names = &guild.names;
    page(
        &format!("{} · giveaway {id}", guild.name),
        Some(user),
        html! {
            h1 { (guild.name) }
            (guild_tabs(guild, "Giveaways"))
            @if let Some(flash) = shown.flash {
                p.flash.error[!flash.ok] role="status" { (flash.message) }
            }
            h2 { "Giveaway " (id) " · " (giveaway.prize) }
            dl.facts {
                dt { "State" } dd { (state_badge(giveaway.state)) }
                dt { "Started" } dd {
                    (when(giveaway.created_at))
                    @match giveaway.created_by { Some(by) => { " by " (names.member(by)) }, None => { " by the operator" } }
                }
                dt { "Ends" } dd.countdown { (when(giveaway.ends_at)) " (" (countdown(giveaway, shown.now)) ")" }
                @if let Some(ended) = giveaway.ended_at { dt { "Ended" } dd { (when(ended)) } }
                dt { "Channel" } dd { (names.channel(giveaway.channel)) }
                dt { "Message" } dd {
                    @match giveaway.message {
                        Some(message) => { (names.message(giveaway.channel, message)) },
                        None => span.muted { "not posted yet (the bot posts it)" },
                    }
                }
                dt { "Winners" } dd { (giveaway.winners) }
                dt { "Claim window" } dd { (spoken_duration(giveaway.claim_window())) }
                dt { "Rerolls" } dd { (giveaway.rerolls_used) " of " (giveaway.max_rerolls) " automatic" }
                dt { "Entrants" } dd #entrant-count { (shown.entrant_count) }
            }
            p.downloads {
                a #export-json href=(routes::guild_giveaway_export(guild.id, id, "json")) download { "Download JSON" }
                " · "
                a #export-csv href=(routes::guild_giveaway_export(guild.id, id, "csv")) download { "Download CSV" }
            }
            (controls(guild.id, &user.csrf, detail))
            h2 { "Prizes" }
            @if detail.slots.is_empty() {
                p.muted #no-slots { "Drawn when the giveaway ends." }
            } @else {
                div.scroll { table #slots {
                    thead { tr { th { "Prize" } th { "Winner" } th { "Draw" } th { "State" } th { "Claim by" } th { "Claimed" } } }
                    tbody { @for slot in &detail.slots { tr {
                        td { (slot.slot) }
                        td { @match slot.winner { Some(user) => (names.member(user)), None => "nobody eligible" } }
                        td { @if slot.attempt == 0 { "first draw" } @else { "reroll " (slot.attempt) } }
                        td { (slot_state(slot.state)) }
                        td { (slot.claim_deadline.map(when).unwrap_or_default()) }
                        td { (slot.claimed_at.map(when).unwrap_or_default()) }
                    } } }
                } }
            }
            h2 { "Entrants (" (shown.entrant_count) ")" }
            @if shown.entrants.is_empty() {
                p.muted #no-entrants { "Nobody has entered." }
            } @else {
                @if shown.entrant_count > shown.entrants.len() {
                    p.muted { "The first " (shown.entrants.len()) " of " (shown.entrant_count) " by id; the JSON download lists them all." }
                }
                ul #entrants.columns { @for user in shown.entrants { li { (names.member(*user)) } } }
            }
            h2 { "Timeline" }
            div.scroll { table #timeline {
                thead { tr { th { "When" } th { "Event" } th { "By" } th { "Member" } th { "Prize" } th { "Detail" } } }
                tbody { @for event in &detail.timeline { (event_row(event, names)) } }
            } }
            (proof(giveaway, shown.verified.as_ref()))
            p { a href=(routes::guild_giveaways(guild.id)) { "All giveaways" } }
        },
    )
}
