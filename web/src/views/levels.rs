//! The levels page: the settings form, the rewards, multipliers and no-XP editors (rows added
//! and removed like the ladder's), the top-ten preview, and CSV import and export.
//!
//! Each editor is its own form that htmx swaps for the answer (`hx-target="this"`), so a
//! refusal is shown in the form that caused it, with what was typed.

use guildhall_core::guild_config::fields::ChannelFilter;
use guildhall_core::ids::GuildId;
use guildhall_core::levels::curve::{MAX_COEFFICIENT, MAX_LEVEL};
use guildhall_core::levels::settings::{
    FLUSH_INTERVAL_RANGE, MAX_COOLDOWN_SECS, MAX_PERCENT, MAX_SESSION_MINUTES, MAX_TEMPLATE_CHARS,
    MAX_VOICE_XP_PER_MINUTE, MAX_XP_PER_MESSAGE, PLACEHOLDERS, VOICE_INTERVAL_RANGE,
};
use guildhall_core::levels::{AnnounceMode, ImportSummary, LevelSettings, RewardMode};
use maud::{Markup, html};

use super::components::{Problems, csrf_field, guild_tabs};
use super::layout::page;
use super::leaderboard::{self, BoardMember, grouped};
use super::pickers::Pickers;
use crate::app::{CurrentUser, GuildAccess};
use crate::routes;

/// The scalar settings as the form holds them (typed text, to refill it after a refusal).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SettingsForm {
    /// `xp_min`.
    pub xp_min: String,
    /// `xp_max`.
    pub xp_max: String,
    /// `cooldown_secs`.
    pub cooldown_secs: String,
    /// `curve.a`.
    pub curve_a: String,
    /// `curve.b`.
    pub curve_b: String,
    /// `curve.c`.
    pub curve_c: String,
    /// `flush_interval_secs`.
    pub flush_interval_secs: String,
    /// `announce.mode`: `off`, `channel`, `dm` or `same_channel`.
    pub announce_mode: String,
    /// `announce.channel` (empty: none).
    pub announce_channel: String,
    /// `announce.template`.
    pub announce_template: String,
    /// `voice.enabled`.
    pub voice_enabled: bool,
    /// `voice.xp_per_minute`.
    pub voice_xp_per_minute: String,
    /// `voice.interval_secs`.
    pub voice_interval_secs: String,
    /// `voice.max_minutes_per_session`.
    pub voice_max_minutes: String,
    /// `voice.afk_channel` (empty: none).
    pub voice_afk_channel: String,
    /// `public_leaderboard`.
    pub public_leaderboard: bool,
}

/// The text of an announce mode, as the form and the settings write it.
pub fn announce_mode_name(mode: AnnounceMode) -> &'static str {
    match mode {
        AnnounceMode::Off => "off",
        AnnounceMode::Channel => "channel",
        AnnounceMode::Dm => "dm",
        AnnounceMode::SameChannel => "same_channel",
    }
}

/// The text of a reward mode, as the form and the settings write it.
pub fn reward_mode_name(mode: RewardMode) -> &'static str {
    match mode {
        RewardMode::Stack => "stack",
        RewardMode::Replace => "replace",
    }
}

fn id_text<T: ToString>(id: Option<T>) -> String {
    id.map(|id| id.to_string()).unwrap_or_default()
}

impl SettingsForm {
    /// The form filled with stored settings.
    pub fn of(levels: &LevelSettings) -> Self {
        Self {
            xp_min: levels.xp_min.to_string(),
            xp_max: levels.xp_max.to_string(),
            cooldown_secs: levels.cooldown_secs.to_string(),
            curve_a: levels.curve.a.to_string(),
            curve_b: levels.curve.b.to_string(),
            curve_c: levels.curve.c.to_string(),
            flush_interval_secs: levels.flush_interval_secs.to_string(),
            announce_mode: announce_mode_name(levels.announce.mode).to_owned(),
            announce_channel: id_text(levels.announce.channel),
            announce_template: levels.announce.template.clone(),
            voice_enabled: levels.voice.enabled,
            voice_xp_per_minute: levels.voice.xp_per_minute.to_string(),
            voice_interval_secs: levels.voice.interval_secs.to_string(),
            voice_max_minutes: levels.voice.max_minutes_per_session.to_string(),
            voice_afk_channel: id_text(levels.voice.afk_channel),
            public_leaderboard: levels.public_leaderboard,
        }
    }
}

/// One reward row as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RewardRow {
    /// The level.
    pub level: String,
    /// The role id.
    pub role: String,
}

/// The rewards editor as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RewardsForm {
    /// `stack` or `replace`.
    pub mode: String,
    /// The rewards, in the order shown.
    pub rows: Vec<RewardRow>,
}

/// One multiplier row as typed: a role or channel id and a percent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PercentRow {
    /// The role or channel id.
    pub target: String,
    /// The percent.
    pub percent: String,
}

/// The multipliers editor as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MultipliersForm {
    /// Role multipliers.
    pub roles: Vec<PercentRow>,
    /// Channel multipliers.
    pub channels: Vec<PercentRow>,
}

/// The no-XP editor as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NoXpForm {
    /// Channel ids, separated by commas, spaces or lines.
    pub channels: String,
    /// Role ids, picked or typed.
    pub roles: Vec<String>,
}

/// Every editor's content.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Forms {
    /// The scalar settings.
    pub settings: SettingsForm,
    /// The rewards.
    pub rewards: RewardsForm,
    /// The multipliers.
    pub multipliers: MultipliersForm,
    /// The no-XP channels and roles.
    pub no_xp: NoXpForm,
}

impl Forms {
    /// Every editor filled with stored settings.
    pub fn of(levels: &LevelSettings) -> Self {
        Self {
            settings: SettingsForm::of(levels),
            rewards: RewardsForm {
                mode: reward_mode_name(levels.reward_mode).to_owned(),
                rows: levels
                    .rewards
                    .iter()
                    .map(|reward| RewardRow {
                        level: reward.level.to_string(),
                        role: reward.role.to_string(),
                    })
                    .collect(),
            },
            multipliers: MultipliersForm {
                roles: levels
                    .role_multipliers
                    .iter()
                    .map(|multiplier| PercentRow {
                        target: multiplier.role.to_string(),
                        percent: multiplier.percent.to_string(),
                    })
                    .collect(),
                channels: levels
                    .channel_multipliers
                    .iter()
                    .map(|multiplier| PercentRow {
                        target: multiplier.channel.to_string(),
                        percent: multiplier.percent.to_string(),
                    })
                    .collect(),
            },
            no_xp: NoXpForm {
                channels: levels
                    .no_xp_channels
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", "),
                roles: levels.no_xp_roles.iter().map(ToString::to_string).collect(),
            },
        }
    }
}

/// The page's editors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Editor {
    /// The scalar settings.
    Settings,
    /// Role rewards and the reward mode.
    Rewards,
    /// Role and channel multipliers.
    Multipliers,
    /// No-XP channels and roles.
    NoXp,
}

impl Editor {
    /// Its name in audit records (`dashboard.levels.<name>`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Settings => "settings",
            Self::Rewards => "rewards",
            Self::Multipliers => "multipliers",
            Self::NoXp => "no_xp",
        }
    }

    fn saved(self) -> &'static str {
        match self {
            Self::Settings => "Settings saved.",
            Self::Rewards => "Rewards saved.",
            Self::Multipliers => "Multipliers saved.",
            Self::NoXp => "No-XP channels and roles saved.",
        }
    }
}

/// What a save did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Saved (or nothing to change).
    Saved,
    /// Refused, with the reason; nothing was written.
    Refused(String),
}

/// The import form as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportForm {
    /// The CSV text.
    pub csv: String,
    /// `replace` or `add`.
    pub mode: String,
}

/// What an import submission did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportResult {
    /// The dry run (also a confirmed import refused for bad lines): nothing was written.
    DryRun(ImportSummary),
    /// The import was written.
    Applied(ImportSummary),
    /// The form itself was wrong (the mode); nothing was read or written.
    Refused(String),
}

impl ImportResult {
    /// Whether the submission was refused or found bad lines.
    pub fn is_refusal(&self) -> bool {
        match self {
            Self::DryRun(summary) => summary.error_count > 0,
            Self::Applied(_) => false,
            Self::Refused(_) => true,
        }
    }
}

/// The import section: the form and what the last submission did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportView {
    /// The form.
    pub form: ImportForm,
    /// The result, after a submission.
    pub result: Option<ImportResult>,
}

/// Everything the levels page shows.
#[derive(Debug, Clone)]
pub struct LevelsPage {
    /// Whether `features.levels` is on.
    pub levels_on: bool,
    /// Whether the leaderboard is public.
    pub public: bool,
    /// Every editor's content.
    pub forms: Forms,
    /// What the last save did, and in which editor.
    pub outcome: Option<(Editor, Outcome)>,
    /// The guild's pickers.
    pub pickers: Pickers,
    /// The top of the leaderboard.
    pub top: Vec<BoardMember>,
    /// The import section.
    pub import: ImportView,
}

fn number_field(
    problems: &Problems,
    name: &str,
    label: &str,
    value: &str,
    range: (u64, u64),
    hint: &str,
) -> Markup {
    let id = format!("levels-{name}");
    html! {
        div.field {
            label for=(id) { (label) }
            input #(id) type="number" name=(name) value=(value) min=(range.0) max=(range.1) required;
            @if !hint.is_empty() { small.muted { (hint) } }
            (problems.at(name))
        }
    }
}

fn channel_field(
    pickers: &Pickers,
    problems: &Problems,
    name: &str,
    label: &str,
    filter: ChannelFilter,
    value: &str,
    hint: &str,
) -> Markup {
    let id = format!("levels-{name}");
    html! {
        div.field {
            label for=(id) { (label) }
            (pickers.channel(name, &id, filter, value, Some("— none —")))
            @if !hint.is_empty() { small.muted { (hint) } }
            (problems.at(name))
        }
    }
}

fn checkbox(problems: &Problems, name: &str, label: &str, checked: bool) -> Markup {
    let id = format!("levels-{name}");
    html! {
        div.field.check {
            input #(id) type="checkbox" name=(name) value="on" checked[checked];
            label for=(id) { (label) }
            (problems.at(name))
        }
    }
}

fn outcome_line(editor: Editor, outcome: Option<&Outcome>) -> Markup {
    html! {
        @match outcome {
            Some(Outcome::Refused(message)) => { pre.error role="alert" { (message) } }
            Some(Outcome::Saved) => { p.flash role="status" { (editor.saved()) } }
            None => {}
        }
    }
}

fn placeholder_help() -> Markup {
    let describe = |name: &str| match name {
        "user" => "mentions the member",
        "level" => "is the new level",
        "server" => "is the server's name",
        _ => "",
    };
    html! {
        small.muted {
            "Placeholders: "
            @for (index, name) in PLACEHOLDERS.iter().enumerate() {
                @if index > 0 { ", " }
                code { "{" (name) "}" } " " (describe(name))
            }
            "; no other " code { "{name}" } " is accepted. Up to " (MAX_TEMPLATE_CHARS) " characters."
        }
    }
}

/// Which words of a refusal name which field of the settings editor (the core names them
/// `levels.<key>`).
const SETTINGS_FIELDS: &[(&str, &[&str])] = &[
    ("xp_min", &["xp_min"]),
    ("xp_max", &["xp_max"]),
    ("cooldown_secs", &["cooldown"]),
    ("curve_a", &["curve.a", "curve_a"]),
    ("curve_b", &["curve.b", "curve_b"]),
    ("curve_c", &["curve.c", "curve_c"]),
    ("announce_channel", &["announce.channel"]),
    ("announce_template", &["announce.template", "placeholder"]),
    ("voice_xp_per_minute", &["voice.xp_per_minute"]),
    ("voice_interval_secs", &["voice.interval"]),
    ("voice_max_minutes", &["voice.max_minutes"]),
    ("voice_afk_channel", &["voice.afk_channel", "afk"]),
    ("flush_interval_secs", &["flush"]),
];

/// The scalar settings form.
pub fn settings_form(
    guild: GuildId,
    csrf: &str,
    pickers: &Pickers,
    form: &SettingsForm,
    outcome: Option<&Outcome>,
) -> Markup {
    let action = routes::guild_levels_settings(guild);
    let to = |value: u32| u64::from(value);
    let problems = match outcome {
        Some(Outcome::Refused(message)) => Problems::placed(
            &message.lines().map(str::to_owned).collect::<Vec<_>>(),
            SETTINGS_FIELDS,
        ),
        _ => Problems::default(),
    };
    html! {
        form #levels-settings.levels-form method="post" action=(action) hx-post=(action) hx-target="this" hx-swap="outerHTML" {
            (csrf_field(csrf))
            h2 { "Settings" }
            @match outcome {
                Some(Outcome::Refused(_)) => (problems.above("levels-settings-errors")),
                other => (outcome_line(Editor::Settings, other)),
            }
            fieldset {
                legend { "XP per message" }
                (number_field(&problems, "xp_min", "Least XP per message", &form.xp_min, (0, to(MAX_XP_PER_MESSAGE)), ""))
                (number_field(&problems, "xp_max", "Most XP per message", &form.xp_max, (0, to(MAX_XP_PER_MESSAGE)),
                    &format!("Each message earns a random amount between the two, at most {MAX_XP_PER_MESSAGE}, before multipliers.")))
                (number_field(&problems, "cooldown_secs", "Cooldown (seconds)", &form.cooldown_secs, (0, to(MAX_COOLDOWN_SECS)),
                    &format!("After a message earns XP, the member's next messages earn nothing for this long (0 to {MAX_COOLDOWN_SECS}).")))
            }
            fieldset {
                legend { "Level curve" }
                p.muted { "Going from level L to L + 1 costs a·L² + b·L + c XP (c at least 1; each at most "
                    (grouped(i64::from(MAX_COEFFICIENT))) "). The default 5, 50, 100 is MEE6's: level 1 costs 100 XP, level 10 a total of 4 675. Levels stop at " (MAX_LEVEL) "." }
                (number_field(&problems, "curve_a", "a", &form.curve_a, (0, to(MAX_COEFFICIENT)), ""))
                (number_field(&problems, "curve_b", "b", &form.curve_b, (0, to(MAX_COEFFICIENT)), ""))
                (number_field(&problems, "curve_c", "c", &form.curve_c, (1, to(MAX_COEFFICIENT)), ""))
            }
            fieldset {
                legend { "Level-up announcements" }
                div.field {
                    label for="levels-announce_mode" { "Where" }
                    select #levels-announce_mode name="announce_mode" {
                        @for (value, label) in [
                            ("same_channel", "In the channel the member wrote in"),
                            ("channel", "In one channel"),
                            ("dm", "In a direct message"),
                            ("off", "Not announced"),
                        ] {
                            option value=(value) selected[form.announce_mode == value] { (label) }
                        }
                    }
                }
                (channel_field(pickers, &problems, "announce_channel", "Announcement channel", ChannelFilter::Messages, &form.announce_channel,
                    "Needed for “In one channel”; also where voice level-ups go in “the channel the member wrote in” mode. Empty: none."))
                div.field {
                    label for="levels-announce_template" { "Message" }
                    input #levels-announce_template type="text" name="announce_template" value=(form.announce_template) maxlength=(MAX_TEMPLATE_CHARS) required;
                    (placeholder_help())
                    (problems.at("announce_template"))
                }
            }
            fieldset {
                legend { "Voice XP" }
                (checkbox(&problems, "voice_enabled", "Time in voice earns XP (unmuted, undeafened, not alone, not in the AFK channel)", form.voice_enabled))
                (number_field(&problems, "voice_xp_per_minute", "XP per minute", &form.voice_xp_per_minute, (0, to(MAX_VOICE_XP_PER_MINUTE)), ""))
                (number_field(&problems, "voice_interval_secs", "Counted every (seconds)", &form.voice_interval_secs,
                    (to(*VOICE_INTERVAL_RANGE.start()), to(*VOICE_INTERVAL_RANGE.end())),
                    &format!("{} to {} seconds.", VOICE_INTERVAL_RANGE.start(), VOICE_INTERVAL_RANGE.end())))
                (number_field(&problems, "voice_max_minutes", "Most minutes per session", &form.voice_max_minutes, (0, to(MAX_SESSION_MINUTES)),
                    &format!("0 = no cap; at most {MAX_SESSION_MINUTES}.")))
                (channel_field(pickers, &problems, "voice_afk_channel", "AFK channel", ChannelFilter::Voice, &form.voice_afk_channel, "Time there earns nothing."))
            }
            fieldset {
                legend { "Saving and sharing" }
                (number_field(&problems, "flush_interval_secs", "Write XP every (seconds)", &form.flush_interval_secs,
                    (to(*FLUSH_INTERVAL_RANGE.start()), to(*FLUSH_INTERVAL_RANGE.end())),
                    &format!("XP is kept in memory and written every this many seconds ({} to {}): the most XP a crash can lose. The leaderboard shows new XP within it.",
                        FLUSH_INTERVAL_RANGE.start(), FLUSH_INTERVAL_RANGE.end())))
                (checkbox(&problems, "public_leaderboard", "Public leaderboard: anyone with the link sees the ranking, without logging in", form.public_leaderboard))
            }
            button type="submit" { "Save settings" }
        }
    }
}

/// The rewards editor: one row per reward, a blank row to add one, a remove box per reward.
pub fn rewards_form(
    guild: GuildId,
    csrf: &str,
    form: &RewardsForm,
    pickers: &Pickers,
    outcome: Option<&Outcome>,
) -> Markup {
    let action = routes::guild_levels_rewards(guild);
    let blank = RewardRow::default();
    html! {
        form #levels-rewards.levels-form method="post" action=(action) hx-post=(action) hx-target="this" hx-swap="outerHTML" {
            (csrf_field(csrf))
            h2 { "Role rewards" }
            (outcome_line(Editor::Rewards, outcome))
            p.muted { "A member gets the role on reaching its level (1 to " (MAX_LEVEL) ", one role per level, each role at one level). The bot must be able to give it: Manage Roles, and the role below the bot's highest role." }
            div.field {
                label for="levels-reward_mode" { "Earlier rewards" }
                select #levels-reward_mode name="reward_mode" {
                    option value="stack" selected[form.mode == "stack"] { "Keep every reward role reached" }
                    option value="replace" selected[form.mode == "replace"] { "Keep only the highest reward role reached" }
                }
            }
            table #reward-rows {
                thead { tr { th { "Level" } th { "Role" } th { "Remove" } } }
                tbody {
                    @for (index, row) in form.rows.iter().chain(std::iter::once(&blank)).enumerate() {
                        @let is_blank = index == form.rows.len();
                        tr.new-row[is_blank] {
                            td { input type="number" min="1" max=(MAX_LEVEL) name=(format!("reward_level_{index}")) value=(row.level)
                                aria-label=(format!("reward {} level", index + 1)) placeholder=[is_blank.then_some("add a reward")]; }
                            td { (pickers.role(&format!("reward_role_{index}"), &format!("levels-reward-role-{index}"), &row.role, Some("— pick a role —"), true)) }
                            td { @if !is_blank { input type="checkbox" name=(format!("reward_remove_{index}")) value="on" aria-label=(format!("remove reward {}", index + 1)); } }
                        }
                    }
                }
            }
            button type="submit" { "Save rewards" }
        }
    }
}

fn percent_rows(kind: &str, rows: &[PercentRow], pickers: &Pickers, is_role: bool) -> Markup {
    let blank = PercentRow::default();
    html! {
        table id=(format!("{kind}-rows")) {
            thead { tr { th { (if is_role { "Role" } else { "Channel" }) } th { "Percent" } th { "Remove" } } }
            tbody {
                @for (index, row) in rows.iter().chain(std::iter::once(&blank)).enumerate() {
                    @let is_blank = index == rows.len();
                    @let what = if is_role { "role" } else { "channel" };
                    tr.new-row[is_blank] {
                        td {
                            @let name = format!("{kind}_target_{index}");
                            @let dom_id = format!("levels-{kind}-{index}");
                            @let none = if is_blank { "— add one —" } else { "—" };
                            @if is_role {
                                (pickers.role(&name, &dom_id, &row.target, Some(none), false))
                            } @else {
                                (pickers.channel(&name, &dom_id, ChannelFilter::Messages, &row.target, Some(none)))
                            }
                        }
                        td { input type="number" min="0" max=(MAX_PERCENT) name=(format!("{kind}_percent_{index}")) value=(row.percent)
                            aria-label=(format!("{what} multiplier {} percent", index + 1)) placeholder=[is_blank.then_some("100")]; }
                        td { @if !is_blank { input type="checkbox" name=(format!("{kind}_remove_{index}")) value="on" aria-label=(format!("remove {what} multiplier {}", index + 1)); } }
                    }
                }
            }
        }
    }
}

/// The multipliers editor: role multipliers and channel multipliers, in percent.
pub fn multipliers_form(
    guild: GuildId,
    csrf: &str,
    form: &MultipliersForm,
    pickers: &Pickers,
    outcome: Option<&Outcome>,
) -> Markup {
    let action = routes::guild_levels_multipliers(guild);
    html! {
        form #levels-multipliers.levels-form method="post" action=(action) hx-post=(action) hx-target="this" hx-swap="outerHTML" {
            (csrf_field(csrf))
            h2 { "Multipliers" }
            (outcome_line(Editor::Multipliers, outcome))
            p.muted { "In percent of the normal XP, 0 to " (MAX_PERCENT) ": 200 doubles, 50 halves, 0 stops XP. A member with several listed roles gets the highest; a channel's percent applies on top (a thread takes its parent's)." }
            h3 { "Roles" }
            (percent_rows("rolemult", &form.roles, pickers, true))
            h3 { "Channels" }
            (percent_rows("chanmult", &form.channels, pickers, false))
            button type="submit" { "Save multipliers" }
        }
    }
}

/// The no-XP editor: channels (and their threads) and roles that earn nothing.
pub fn no_xp_form(
    guild: GuildId,
    csrf: &str,
    form: &NoXpForm,
    pickers: &Pickers,
    outcome: Option<&Outcome>,
) -> Markup {
    let action = routes::guild_levels_no_xp(guild);
    html! {
        form #levels-no-xp.levels-form method="post" action=(action) hx-post=(action) hx-target="this" hx-swap="outerHTML" {
            (csrf_field(csrf))
            h2 { "No XP" }
            (outcome_line(Editor::NoXp, outcome))
            @let channels: Vec<String> = form.channels.split(|c: char| c == ',' || c.is_whitespace()).filter(|id| !id.is_empty()).map(str::to_owned).collect();
            div.field {
                label for="levels-no_xp_channels" { "Channels where messages and voice time earn nothing" }
                (pickers.channels("no_xp_channels", "levels-no_xp_channels", ChannelFilter::Messages, &channels))
                small.muted { "Threads follow their channel." }
            }
            div.field {
                label for="levels-no_xp_roles" { "Roles whose members earn nothing from messages" }
                (pickers.roles("no_xp_role", "levels-no_xp_roles", &form.roles, false))
            }
            button type="submit" { "Save no-XP lists" }
        }
    }
}

/// One editor, as its htmx answer.
pub fn editor(
    guild: GuildId,
    csrf: &str,
    which: Editor,
    forms: &Forms,
    pickers: &Pickers,
    outcome: Option<&Outcome>,
) -> Markup {
    match which {
        Editor::Settings => settings_form(guild, csrf, pickers, &forms.settings, outcome),
        Editor::Rewards => rewards_form(guild, csrf, &forms.rewards, pickers, outcome),
        Editor::Multipliers => multipliers_form(guild, csrf, &forms.multipliers, pickers, outcome),
        Editor::NoXp => no_xp_form(guild, csrf, &forms.no_xp, pickers, outcome),
    }
}

fn summary_list(summary: &ImportSummary) -> Markup {
    let mode = match summary.mode {
        guildhall_core::levels::ImportMode::Replace => "replace (listed members get the file's XP)",
        guildhall_core::levels::ImportMode::Add => {
            "add (the file's XP is added to listed members')"
        }
    };
    html! {
        dl.facts #import-summary {
            dt { "Mode" } dd { (mode) }
            dt { "Good rows" } dd { (summary.rows_ok) }
            dt { "New members" } dd { (summary.new_members) }
            dt { "Changed members" } dd { (summary.changed_members) }
            dt { "Unchanged members" } dd { (summary.unchanged_members) }
            dt { "Server's total XP" } dd { (grouped(summary.total_xp_before)) " → " (grouped(summary.total_xp_after)) }
            dt { "Bad lines" } dd { (summary.error_count) }
        }
        @if summary.error_count > 0 {
            p.error role="alert" { "The file has " (summary.error_count) " bad line(s); nothing is imported until every line is right." }
            ul #import-errors.error {
                @for error in &summary.errors {
                    li { "line " (error.line) ": " (error.message) }
                }
                @if summary.error_count > summary.errors.len() {
                    li { "… and " (summary.error_count - summary.errors.len()) " more" }
                }
            }
        }
    }
}

/// The import and export section; the import forms swap it whole.
pub fn import_section(guild: GuildId, csrf: &str, view: &ImportView) -> Markup {
    let action = routes::guild_levels_import(guild);
    let mode = if view.form.mode.is_empty() {
        "replace"
    } else {
        view.form.mode.as_str()
    };
    html! {
        section #levels-import {
            h2 { "Import and export" }
            p {
                a #levels-export href=(routes::guild_levels_export(guild)) download { "Download the levels as CSV" }
                br;
                small.muted { "Columns user_id, xp, level, messages, voice_seconds, best first. XP the bot has not written yet (at most one write interval's) is not in it." }
            }
            form #import-form method="post" action=(action) hx-post=(action) hx-target="#levels-import" hx-swap="outerHTML" {
                (csrf_field(csrf))
                label for="levels-csv" { "CSV to import" }
                textarea #levels-csv name="csv" rows="8" required placeholder="user_id,xp\n123456789012345678,4200" { (view.form.csv) }
                small.muted {
                    "Lines of " code { "user_id,xp" } " or " code { "user_id,xp,level" } " (the level is recomputed from the curve), or this page's export; the header line is optional. "
                    "Pasted text here holds up to about 64 KB (2 MB with scripts on); import bigger files with " code { "guildhall levels import" } "."
                }
                fieldset {
                    legend { "Members already on the board" }
                    div.field.check {
                        input #levels-mode-replace type="radio" name="mode" value="replace" checked[mode == "replace"];
                        label for="levels-mode-replace" { "Replace: a listed member's XP becomes the file's" }
                    }
                    div.field.check {
                        input #levels-mode-add type="radio" name="mode" value="add" checked[mode == "add"];
                        label for="levels-mode-add" { "Add: the file's XP is added to a listed member's" }
                    }
                }
                button type="submit" { "Check the file (dry run)" }
            }
            @match &view.result {
                None => {}
                Some(ImportResult::Refused(message)) => { p.error role="alert" { (message) } }
                Some(ImportResult::DryRun(summary)) => {
                    h3 { "Dry run: nothing was written" }
                    (summary_list(summary))
                    @if summary.error_count == 0 {
                        form #import-confirm method="post" action=(action) hx-post=(action) hx-target="#levels-import" hx-swap="outerHTML" {
                            (csrf_field(csrf))
                            input type="hidden" name="csv" value=(view.form.csv);
                            input type="hidden" name="mode" value=(mode);
                            input type="hidden" name="confirm" value="yes";
                            p.muted { "Reward roles do not change at the import: the bot brings a member's reward roles in line at their next level change (or when they rejoin)." }
                            button type="submit" { "Import " (summary.rows_ok) " member(s)" }
                        }
                    }
                }
                Some(ImportResult::Applied(summary)) => {
                    p.flash role="status" #import-done {
                        "Imported " (summary.rows_ok) " member(s): " (summary.new_members) " new, "
                        (summary.changed_members) " changed, " (summary.unchanged_members) " unchanged."
                    }
                    (summary_list(summary))
                    p.muted { "Reward roles were not changed: the bot brings a member's reward roles in line at their next level change (or when they rejoin)." }
                }
            }
        }
    }
}

/// The levels page.
pub fn levels(user: &CurrentUser, guild: &GuildAccess, page_data: &LevelsPage) -> Markup {
    let outcome_of = |which: Editor| {
        page_data
            .outcome
            .as_ref()
            .filter(|(editor, _)| *editor == which)
            .map(|(_, outcome)| outcome)
    };
    let full_board = if page_data.public {
        routes::leaderboard(guild.id)
    } else {
        routes::guild_levels_leaderboard(guild.id)
    };
    page(
        &format!("{} · levels", guild.name),
        Some(user),
        html! {
            h1 { (guild.name) }
            (guild_tabs(guild, "Levels"))
            @if !page_data.levels_on {
                p.flash.error #levels-off { "Levels are off: nobody earns XP until " code { "features.levels" } " is switched on in "
                    a href=(routes::guild_features(guild.id)) { "Features" } "." }
            }
            section #levels-top {
                h2 { "Top members" }
                @if let Some(table) = leaderboard::table(&page_data.top) {
                    (table)
                } @else {
                    p.muted { "No one has earned XP yet." }
                }
                p {
                    a #full-leaderboard href=(full_board) { "Full leaderboard" }
                    @if page_data.public {
                        " (public: anyone with the link sees it, without logging in)"
                    } @else {
                        " (only people who manage this server see it; make it public in the settings below)"
                    }
                }
            }
            (settings_form(guild.id, &user.csrf, &page_data.pickers, &page_data.forms.settings, outcome_of(Editor::Settings)))
            (rewards_form(guild.id, &user.csrf, &page_data.forms.rewards, &page_data.pickers, outcome_of(Editor::Rewards)))
            (multipliers_form(guild.id, &user.csrf, &page_data.forms.multipliers, &page_data.pickers, outcome_of(Editor::Multipliers)))
            (no_xp_form(guild.id, &user.csrf, &page_data.forms.no_xp, &page_data.pickers, outcome_of(Editor::NoXp)))
            (import_section(guild.id, &user.csrf, &page_data.import))
        },
    )
}
