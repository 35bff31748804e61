//! The levels pages: the settings form, the rewards, multipliers and no-XP editors, a top-ten
//! preview, CSV import (a dry run first, then a confirmed import) and export.
//!
//! Every handler checks Manage Server in the guild of the path (writes ask Discord again).
//! Each editor changes its part of the `levels` section and saves the whole section in one
//! `set_section` at the version it read: the core validates everything, a bad row refuses the
//! whole save (nothing is half-written), a concurrent change is refused instead of overwritten,
//! and every save lands in the settings history with the dashboard user as its actor.
//!
//! The dashboard keeps one [`LevelService`] (in [`LevelsState`]) for its rank index. It
//! writes XP only on imports; the bot's own writes reach its index through the core's rules
//! (the `levels.changed` topic for admins' changes, a reload once the index is 15 minutes old).

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use guildhall_core::clock::UnixMillis;
use guildhall_core::db::{Db, DbError};
use guildhall_core::guild_config::{GuildConfigError, GuildSettings};
use guildhall_core::ids::{ChannelId, GuildId, RoleId};
use guildhall_core::levels::{
    AnnounceMode, ChannelMultiplier, ImportMode, LevelError, LevelService, LevelSettings, Reward,
    RewardMode, RoleMultiplier,
};
use maud::Markup;
use serde_json::json;
use tokio_util::sync::{CancellationToken, DropGuard};

use super::leaderboard;
use super::pickers::{PickedForm, pickers};
use super::see_other;
use crate::WebState;
use crate::app::{App, CurrentUser, Guild, Read, Write, guarded};
use crate::error::PageError;
use crate::features::Tab;
use crate::routes;
use crate::views::levels::{
    self as views, Editor, Forms, ImportForm, ImportResult, ImportView, LevelsPage,
    MultipliersForm, NoXpForm, Outcome, PercentRow, RewardRow, RewardsForm, SettingsForm,
};
use axum::Router;
use axum::routing::{self, post};

/// How long a guild's member count and the list of the bot's guilds are trusted by the
/// leaderboards (the public pages may be cached as long).
pub const COUNT_TTL: Duration = Duration::from_secs(5);
/// Members in the levels page's preview.
pub const PREVIEW: u32 = 10;
/// How often the dashboard's level service wakes: it buffers no XP, so this only paces
/// dropping idle rank indexes; announcements from other processes arrive at once.
const LISTENER_TICK: Duration = Duration::from_secs(10);
/// Member counts kept at most; older entries are dropped beyond it.
const MAX_COUNTS: usize = 10_000;

/// The bot's guilds (id → stored name) and when the list was read.
type GuildList = Option<(UnixMillis, Arc<HashMap<GuildId, String>>)>;

/// The dashboard's levels: the service (and so its rank index) and the leaderboards' caches.
pub struct LevelsState {
    /// The level service over the dashboard's database, settings and coordination.
    pub service: Arc<LevelService>,
    counts: Mutex<HashMap<GuildId, (UnixMillis, u64)>>,
    guilds: Mutex<GuildList>,
    /// Stops the service's background task when the router is dropped.
    _listener: Option<DropGuard>,
}

impl LevelsState {
    /// The process's levels service. Inside a tokio runtime, and only where no bot runs beside
    /// the dashboard, it also starts the service's background task, which drops rank indexes that
    /// other processes announce as changed and those no longer read; it stops with the router.
    pub fn new(web: &WebState) -> Self {
        // The process's one levels service: where the bot runs beside the dashboard (`serve`),
        // its flusher already listens and owns the level-ups, so the dashboard starts nothing.
        let service = Arc::clone(&web.core.levels);
        let listener =
            (web.levels_listener && tokio::runtime::Handle::try_current().is_ok()).then(|| {
                let stop = CancellationToken::new();
                // `guildhall web` alone buffers no XP, so it has no level-ups to send.
                let (level_ups, _) = tokio::sync::mpsc::channel(1);
                drop(service.run_flusher(LISTENER_TICK, stop.clone(), level_ups));
                stop.drop_guard()
            });
        Self {
            service,
            counts: Mutex::new(HashMap::new()),
            guilds: Mutex::new(None),
            _listener: listener,
        }
    }

    /// How many members of the guild have XP, counted at most every [`COUNT_TTL`].
    ///
    /// # Errors
    /// [`LevelError`] when the count fails.
    pub async fn member_count(
        &self,
        guild: GuildId,
        now: UnixMillis,
    ) -> Result<u64, guildhall_core::levels::LevelError> {
        let cached = self
            .counts
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&guild)
            .copied();
        if let Some((at, count)) = cached
            && at <= now
            && now.since(at) < COUNT_TTL
        {
            return Ok(count);
        }
        let count = u64::try_from(self.service.members_with_xp(guild).await?).unwrap_or(0);
        let mut counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        if counts.len() >= MAX_COUNTS {
            counts.retain(|_, (at, _)| now.since(*at) < COUNT_TTL);
        }
        counts.insert(guild, (now, count));
        Ok(count)
    }

    /// Forgets a guild's member count (after this process changed it).
    pub fn forget_count(&self, guild: GuildId) {
        self.counts
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&guild);
    }

    /// The stored name of the guild when the bot is in it, from a list read at most every
    /// [`COUNT_TTL`].
    ///
    /// # Errors
    /// [`DbError`] when the list cannot be read.
    pub async fn active_guild(
        &self,
        db: &Db,
        guild: GuildId,
        now: UnixMillis,
    ) -> Result<Option<String>, DbError> {
        let cached = self
            .guilds
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        let guilds = match cached {
            Some((at, guilds)) if at <= now && now.since(at) < COUNT_TTL => guilds,
            _ => {
                let guilds: Arc<HashMap<GuildId, String>> = Arc::new(
                    guildhall_core::guilds::list(db)
                        .await?
                        .into_iter()
                        .filter(|record| record.left_at.is_none())
                        .map(|record| (record.id, record.name))
                        .collect(),
                );
                *self.guilds.lock().unwrap_or_else(PoisonError::into_inner) =
                    Some((now, Arc::clone(&guilds)));
                guilds
            }
        };
        Ok(guilds.get(&guild).cloned())
    }
}

fn config_message(error: GuildConfigError) -> Result<String, PageError> {
    PageError::words_of(&error)
}

/// The guild's roles (id, name), highest first, without @everyone, when the bot's cache knows
/// them; empty otherwise (the editors then take typed ids).
fn role_choices(app: &App, guild: GuildId) -> Vec<(RoleId, String)> {
    guildhall_core::roles::GuildRoles::of(&app.web.core.guild_cache, guild, None, None).choices
}

async fn page_data(
    app: &App,
    user: &CurrentUser,
    guild: GuildId,
    settings: &GuildSettings,
    forms: Forms,
    outcome: Option<(Editor, Outcome)>,
    import: ImportView,
) -> Result<LevelsPage, PageError> {
    let entries = app
        .inner
        .levels
        .service
        .leaderboard(guild, 0, PREVIEW)
        .await
        .map_err(PageError::internal)?;
    Ok(LevelsPage {
        levels_on: settings.features.levels,
        public: settings.levels.public_leaderboard,
        forms,
        outcome,
        pickers: pickers(app, user, guild),
        top: leaderboard::board_members(app, guild, entries, &settings.levels),
        import,
    })
}

/// `GET /guilds/{guild}/levels`: the settings, the editors, the top ten and import/export.
///
/// # Errors
/// 403 without Manage Server; 404 when the bot is not there.
pub async fn levels(
    State(app): State<App>,
    Guild { user, access, .. }: Guild<Read>,
) -> Result<Markup, PageError> {
    let guild = access.id;
    let settings = app.guild_settings(guild).await?;
    let data = page_data(
        &app,
        &user,
        guild,
        &settings,
        Forms::of(&settings.levels),
        None,
        ImportView::default(),
    )
    .await?;
    Ok(views::levels(&user, &access, &data))
}

fn get(fields: &[(String, String)], name: &str) -> String {
    fields
        .iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.trim().to_owned())
        .unwrap_or_default()
}

fn checked(fields: &[(String, String)], name: &str) -> bool {
    fields
        .iter()
        .any(|(key, value)| key == name && !value.trim().is_empty() && value.trim() != "off")
}

/// Rows of an editor: fields named `{prefix}_{column}_{index}`, by index, in order.
fn indexed_rows(
    fields: &[(String, String)],
    prefix: &str,
) -> BTreeMap<usize, HashMap<String, String>> {
    let mut rows: BTreeMap<usize, HashMap<String, String>> = BTreeMap::new();
    for (key, value) in fields {
        let Some(rest) = key
            .strip_prefix(prefix)
            .and_then(|rest| rest.strip_prefix('_'))
        else {
            continue;
        };
        let Some((column, index)) = rest.rsplit_once('_') else {
            continue;
        };
        let Ok(index) = index.parse::<usize>() else {
            continue;
        };
        rows.entry(index)
            .or_default()
            .insert(column.to_owned(), value.trim().to_owned());
    }
    rows
}

/// Pairs of a two-column editor (`{prefix}_{first}_{N}`, `{prefix}_{second}_{N}`), without
/// removed (`{prefix}_remove_{N}`) and blank rows.
fn pairs(
    fields: &[(String, String)],
    prefix: &str,
    first: &str,
    second: &str,
) -> Vec<(String, String)> {
    indexed_rows(fields, prefix)
        .into_values()
        .filter(|row| row.get("remove").is_none_or(String::is_empty))
        .map(|mut row| {
            (
                row.remove(first).unwrap_or_default(),
                row.remove(second).unwrap_or_default(),
            )
        })
        .filter(|(one, two)| !(one.is_empty() && two.is_empty()))
        .collect()
}

/// Ids separated by commas, spaces or lines, each once, in order.
fn id_list(texts: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    for text in texts {
        for part in text.split([',', ' ', '\n', '\r', '\t', ';']) {
            let part = part.trim();
            if !part.is_empty() && !ids.iter().any(|known| known == part) {
                ids.push(part.to_owned());
            }
        }
    }
    ids
}

/// Reads the settings form as typed.
pub fn read_settings_form(fields: &[(String, String)]) -> SettingsForm {
    SettingsForm {
        xp_min: get(fields, "xp_min"),
        xp_max: get(fields, "xp_max"),
        cooldown_secs: get(fields, "cooldown_secs"),
        curve_a: get(fields, "curve_a"),
        curve_b: get(fields, "curve_b"),
        curve_c: get(fields, "curve_c"),
        flush_interval_secs: get(fields, "flush_interval_secs"),
        announce_mode: get(fields, "announce_mode"),
        announce_channel: get(fields, "announce_channel"),
        announce_template: get(fields, "announce_template"),
        voice_enabled: checked(fields, "voice_enabled"),
        voice_xp_per_minute: get(fields, "voice_xp_per_minute"),
        voice_interval_secs: get(fields, "voice_interval_secs"),
        voice_max_minutes: get(fields, "voice_max_minutes"),
        voice_afk_channel: get(fields, "voice_afk_channel"),
        public_leaderboard: checked(fields, "public_leaderboard"),
    }
}

/// Reads the rewards editor as typed (`reward_level_N`, `reward_role_N`, `reward_remove_N`,
/// `reward_mode`); removed and blank rows are left out.
pub fn read_rewards_form(fields: &[(String, String)]) -> RewardsForm {
    RewardsForm {
        mode: get(fields, "reward_mode"),
        rows: pairs(fields, "reward", "level", "role")
            .into_iter()
            .map(|(level, role)| RewardRow { level, role })
            .collect(),
    }
}

/// Reads the multipliers editor as typed (`rolemult_*_N` and `chanmult_*_N` with `target`,
/// `percent` and `remove`).
pub fn read_multipliers_form(fields: &[(String, String)]) -> MultipliersForm {
    let rows = |prefix: &str| {
        pairs(fields, prefix, "target", "percent")
            .into_iter()
            .map(|(target, percent)| PercentRow { target, percent })
            .collect()
    };
    MultipliersForm {
        roles: rows("rolemult"),
        channels: rows("chanmult"),
    }
}

/// Reads the no-XP editor as typed (`no_xp_channels`, and `no_xp_role` once per role or as a
/// list).
pub fn read_no_xp_form(fields: &[(String, String)]) -> NoXpForm {
    NoXpForm {
        channels: fields
            .iter()
            .filter(|(key, _)| key == "no_xp_channels")
            .map(|(_, value)| value.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        roles: id_list(
            fields
                .iter()
                .filter(|(key, _)| key == "no_xp_role")
                .map(|(_, value)| value.clone()),
        ),
    }
}

fn whole(key: &str, text: &str) -> Result<u32, String> {
    text.trim()
        .parse::<u32>()
        .map_err(|_| format!("levels.{key} must be a whole number (0 or more), got `{text}`"))
}

fn optional_channel(key: &str, text: &str) -> Result<Option<ChannelId>, String> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    text.parse::<ChannelId>().map(Some).map_err(|_| {
        format!(
            "levels.{key} must be a channel id (a number such as 1101234567890123456; copy it with Developer Mode) or empty, got `{text}`"
        )
    })
}

/// What a role field may hold: a role of this guild (when the bot's cache knows its roles),
/// never @everyone (`everyone` says why, for this editor).
fn role_of(
    text: &str,
    guild: GuildId,
    known: &[(RoleId, String)],
    what: &str,
    everyone: &str,
) -> Result<RoleId, String> {
    let role = text
        .parse::<RoleId>()
        .map_err(|_| format!("{what}: the role must be a role id (a number), got `{text}`"))?;
    if role.get() == guild.get() {
        return Err(format!("{what}: {everyone}"));
    }
    if !known.is_empty() && !known.iter().any(|(id, _)| *id == role) {
        return Err(format!("{what}: role {role} is not a role of this server"));
    }
    Ok(role)
}

/// The settings with the scalar form applied.
///
/// # Errors
/// A message naming the key and what it accepts, for a field that is not a number, a mode or
/// a channel id (the core checks ranges when saving).
pub fn settings_from_form(
    form: &SettingsForm,
    base: &LevelSettings,
) -> Result<LevelSettings, String> {
    let mut levels = base.clone();
    levels.xp_min = whole("xp_min", &form.xp_min)?;
    levels.xp_max = whole("xp_max", &form.xp_max)?;
    levels.cooldown_secs = whole("cooldown_secs", &form.cooldown_secs)?;
    levels.curve.a = whole("curve.a", &form.curve_a)?;
    levels.curve.b = whole("curve.b", &form.curve_b)?;
    levels.curve.c = whole("curve.c", &form.curve_c)?;
    levels.flush_interval_secs = whole("flush_interval_secs", &form.flush_interval_secs)?;
    levels.announce.mode = match form.announce_mode.as_str() {
        "off" => AnnounceMode::Off,
        "channel" => AnnounceMode::Channel,
        "dm" => AnnounceMode::Dm,
        "same_channel" => AnnounceMode::SameChannel,
        other => {
            return Err(format!(
                "levels.announce.mode must be off, channel, dm or same_channel, got `{other}`"
            ));
        }
    };
    levels.announce.channel = optional_channel("announce.channel", &form.announce_channel)?;
    levels.announce.template = form.announce_template.clone();
    levels.voice.enabled = form.voice_enabled;
    levels.voice.xp_per_minute = whole("voice.xp_per_minute", &form.voice_xp_per_minute)?;
    levels.voice.interval_secs = whole("voice.interval_secs", &form.voice_interval_secs)?;
    levels.voice.max_minutes_per_session =
        whole("voice.max_minutes_per_session", &form.voice_max_minutes)?;
    levels.voice.afk_channel = optional_channel("voice.afk_channel", &form.voice_afk_channel)?;
    levels.public_leaderboard = form.public_leaderboard;
    Ok(levels)
}

/// The settings with the rewards editor applied, rewards sorted by level.
///
/// # Errors
/// A message naming the reward, for a level that is not a number or a role that is not one
/// of this guild's (or is @everyone); the core checks the rest when saving.
pub fn rewards_from_form(
    form: &RewardsForm,
    base: &LevelSettings,
    guild: GuildId,
    known: &[(RoleId, String)],
) -> Result<LevelSettings, String> {
    let mut levels = base.clone();
    levels.reward_mode = match form.mode.as_str() {
        "stack" => RewardMode::Stack,
        "replace" => RewardMode::Replace,
        other => {
            return Err(format!(
                "levels.reward_mode must be stack or replace, got `{other}`"
            ));
        }
    };
    let mut rewards = Vec::with_capacity(form.rows.len());
    for (index, row) in form.rows.iter().enumerate() {
        let what = format!("levels.rewards: reward {}", index + 1);
        let level = row.level.parse::<u32>().map_err(|_| {
            format!(
                "{what}: the level must be a whole number from 1 to {}, got `{}`",
                guildhall_core::levels::MAX_LEVEL,
                row.level
            )
        })?;
        let role = role_of(
            &row.role,
            guild,
            known,
            &what,
            "@everyone cannot be a reward: every member already has it",
        )?;
        rewards.push(Reward { level, role });
    }
    rewards.sort_by_key(|reward| reward.level);
    levels.rewards = rewards;
    Ok(levels)
}

fn percent(what: &str, text: &str) -> Result<u32, String> {
    text.parse::<u32>().map_err(|_| {
        format!(
            "{what}: the percent must be a whole number from 0 to {} (100 = normal XP), got `{text}`",
            guildhall_core::levels::settings::MAX_PERCENT
        )
    })
}

/// The settings with the multipliers editor applied.
///
/// # Errors
/// A message naming the multiplier, for an id or percent that is not a number, a role that is
/// not one of this guild's, or @everyone; the core checks ranges and duplicates when saving.
pub fn multipliers_from_form(
    form: &MultipliersForm,
    base: &LevelSettings,
    guild: GuildId,
    known: &[(RoleId, String)],
) -> Result<LevelSettings, String> {
    let mut levels = base.clone();
    let mut roles = Vec::with_capacity(form.roles.len());
    for (index, row) in form.roles.iter().enumerate() {
        let what = format!("levels.role_multipliers: multiplier {}", index + 1);
        let role = role_of(
            &row.target,
            guild,
            known,
            &what,
            "@everyone cannot have a multiplier (it is not among a member's roles); change xp_min and xp_max instead",
        )?;
        roles.push(RoleMultiplier {
            role,
            percent: percent(&what, &row.percent)?,
        });
    }
    let mut channels = Vec::with_capacity(form.channels.len());
    for (index, row) in form.channels.iter().enumerate() {
        let what = format!("levels.channel_multipliers: multiplier {}", index + 1);
        let channel = row.target.parse::<ChannelId>().map_err(|_| {
            format!(
                "{what}: the channel must be a channel id (a number), got `{}`",
                row.target
            )
        })?;
        channels.push(ChannelMultiplier {
            channel,
            percent: percent(&what, &row.percent)?,
        });
    }
    levels.role_multipliers = roles;
    levels.channel_multipliers = channels;
    Ok(levels)
}

/// The settings with the no-XP editor applied.
///
/// # Errors
/// A message for an id that is not a number, a role that is not one of this guild's, or
/// @everyone; the core checks the list sizes when saving.
pub fn no_xp_from_form(
    form: &NoXpForm,
    base: &LevelSettings,
    guild: GuildId,
    known: &[(RoleId, String)],
) -> Result<LevelSettings, String> {
    let mut levels = base.clone();
    levels.no_xp_channels = id_list([form.channels.clone()])
        .iter()
        .map(|text| {
            text.parse::<ChannelId>().map_err(|_| {
                format!("levels.no_xp_channels: `{text}` is not a channel id (a number)")
            })
        })
        .collect::<Result<_, _>>()?;
    levels.no_xp_roles = form
        .roles
        .iter()
        .map(|text| {
            role_of(
                text,
                guild,
                known,
                "levels.no_xp_roles",
                "@everyone cannot be a no-XP role; switch features.levels off instead",
            )
        })
        .collect::<Result<_, _>>()?;
    Ok(levels)
}

/// What a save attempt produced: the editors' content to show and the outcome.
struct Saved {
    forms: Forms,
    outcome: Outcome,
}

/// Applies one editor's fields to the stored section and saves the whole section.
async fn apply_editor(
    app: &App,
    user: &CurrentUser,
    guild: GuildId,
    settings: &GuildSettings,
    editor: Editor,
    fields: &[(String, String)],
) -> Result<Saved, PageError> {
    let stored = &settings.levels;
    let known = role_choices(app, guild);
    let mut forms = Forms::of(stored);
    let edited = match editor {
        Editor::Settings => {
            forms.settings = read_settings_form(fields);
            settings_from_form(&forms.settings, stored)
        }
        Editor::Rewards => {
            forms.rewards = read_rewards_form(fields);
            rewards_from_form(&forms.rewards, stored, guild, &known)
        }
        Editor::Multipliers => {
            forms.multipliers = read_multipliers_form(fields);
            multipliers_from_form(&forms.multipliers, stored, guild, &known)
        }
        Editor::NoXp => {
            forms.no_xp = read_no_xp_form(fields);
            no_xp_from_form(&forms.no_xp, stored, guild, &known)
        }
    };
    let levels = match edited {
        Ok(levels) => levels,
        Err(message) => {
            return Ok(Saved {
                forms,
                outcome: Outcome::Refused(message),
            });
        }
    };
    let value = serde_json::to_value(&levels).map_err(PageError::internal)?;
    match app
        .web
        .core
        .config
        .set_section(
            guild,
            "levels",
            value,
            &user.actor(),
            Some(settings.version("levels")),
        )
        .await
    {
        Ok(change) => {
            if let Some(change) = change {
                app.audit(
                    user,
                    &format!("dashboard.levels.{}", editor.name()),
                    Some(guild),
                    "levels",
                    json!({
                        "version": change.version,
                        "changes": crate::views::components::diff(&change.old_value, &change.new_value),
                    }),
                )
                .await;
            }
            Ok(Saved {
                forms: Forms::of(&levels),
                outcome: Outcome::Saved,
            })
        }
        Err(error) => Ok(Saved {
            forms,
            outcome: Outcome::Refused(config_message(error)?),
        }),
    }
}

/// Saves one editor; answers htmx with the editor (422 when refused), forms with a redirect
/// back (or the page with the refused editor refilled, 422).
async fn save(
    app: App,
    Guild { user, access, .. }: Guild<Write>,
    editor: Editor,
    fields: Vec<(String, String)>,
) -> Result<Response, PageError> {
    let guild = access.id;
    let settings = app.guild_settings(guild).await?;
    let saved = apply_editor(&app, &user, guild, &settings, editor, &fields).await?;
    let status = match saved.outcome {
        Outcome::Saved => StatusCode::OK,
        Outcome::Refused(_) => StatusCode::UNPROCESSABLE_ENTITY,
    };
    if user.htmx {
        let pickers = pickers(&app, &user, guild);
        return Ok((
            status,
            views::editor(
                guild,
                &user.csrf,
                editor,
                &saved.forms,
                &pickers,
                Some(&saved.outcome),
            ),
        )
            .into_response());
    }
    if saved.outcome == Outcome::Saved {
        return Ok(see_other(&routes::guild_levels(guild)));
    }
    let settings = app.guild_settings(guild).await?;
    let data = page_data(
        &app,
        &user,
        guild,
        &settings,
        saved.forms,
        Some((editor, saved.outcome)),
        ImportView::default(),
    )
    .await?;
    Ok((status, views::levels(&user, &access, &data)).into_response())
}

/// `POST /guilds/{guild}/levels/settings`: saves the scalar settings; audited as
/// `dashboard.levels.settings`.
///
/// # Errors
/// 403 without Manage Server (asked of Discord again); 422 with the form and the core's
/// message for a refused value, with nothing written.
pub async fn save_settings(
    State(app): State<App>,
    guild: Guild<Write>,
    PickedForm(fields): PickedForm,
) -> Result<Response, PageError> {
    save(app, guild, Editor::Settings, fields).await
}

/// `POST /guilds/{guild}/levels/rewards`: saves the rewards and the reward mode; audited as
/// `dashboard.levels.rewards`.
///
/// # Errors
/// As [`save_settings`]: one bad row refuses them all.
pub async fn save_rewards(
    State(app): State<App>,
    guild: Guild<Write>,
    PickedForm(fields): PickedForm,
) -> Result<Response, PageError> {
    save(app, guild, Editor::Rewards, fields).await
}

/// `POST /guilds/{guild}/levels/multipliers`: saves the role and channel multipliers; audited
/// as `dashboard.levels.multipliers`.
///
/// # Errors
/// As [`save_settings`].
pub async fn save_multipliers(
    State(app): State<App>,
    guild: Guild<Write>,
    PickedForm(fields): PickedForm,
) -> Result<Response, PageError> {
    save(app, guild, Editor::Multipliers, fields).await
}

/// `POST /guilds/{guild}/levels/no-xp`: saves the no-XP channels and roles; audited as
/// `dashboard.levels.no_xp`.
///
/// # Errors
/// As [`save_settings`].
pub async fn save_no_xp(
    State(app): State<App>,
    guild: Guild<Write>,
    PickedForm(fields): PickedForm,
) -> Result<Response, PageError> {
    save(app, guild, Editor::NoXp, fields).await
}

fn import_mode(text: &str) -> Result<ImportMode, String> {
    match text {
        "replace" => Ok(ImportMode::Replace),
        "add" => Ok(ImportMode::Add),
        other => Err(format!(
            "mode must be replace (listed members get the file's XP) or add (the file's XP is added to theirs), got `{other}`"
        )),
    }
}

/// Runs an import submission: a dry run unless `confirm` is `yes`; a confirmed import is
/// checked again and written in one transaction (or refused whole for bad lines).
async fn run_import(
    app: &App,
    user: &CurrentUser,
    guild: GuildId,
    form: &ImportForm,
    confirm: bool,
) -> Result<ImportResult, PageError> {
    let mode = match import_mode(&form.mode) {
        Ok(mode) => mode,
        Err(message) => return Ok(ImportResult::Refused(message)),
    };
    let service = &app.inner.levels.service;
    if !confirm {
        return match service.import_dry_run(guild, &form.csv, mode).await {
            Ok(summary) => Ok(ImportResult::DryRun(summary)),
            Err(LevelError::Invalid(message)) => Ok(ImportResult::Refused(message)),
            Err(other) => Err(PageError::internal(other)),
        };
    }
    match service.import(guild, &form.csv, mode).await {
        Ok(outcome) => {
            app.inner.levels.forget_count(guild);
            let summary = outcome.summary;
            app.audit(
                user,
                "dashboard.levels.import",
                Some(guild),
                "levels",
                json!({
                    "mode": form.mode,
                    "rows": summary.rows_ok,
                    "new": summary.new_members,
                    "changed": summary.changed_members,
                    "unchanged": summary.unchanged_members,
                    "total_xp_before": summary.total_xp_before,
                    "total_xp_after": summary.total_xp_after,
                }),
            )
            .await;
            Ok(ImportResult::Applied(summary))
        }
        Err(LevelError::ImportRefused(summary)) => Ok(ImportResult::DryRun(*summary)),
        Err(LevelError::Invalid(message)) => Ok(ImportResult::Refused(message)),
        Err(other) => Err(PageError::internal(other)),
    }
}

/// `POST /guilds/{guild}/levels/import`: `csv`, `mode` (`replace` or `add`) and `confirm`.
/// Without `confirm=yes` it is a dry run: the summary and every bad line, nothing written.
/// With it, the file is checked again and imported in one transaction; audited as
/// `dashboard.levels.import` with the counts. Reward roles are left to the bot.
///
/// # Errors
/// 403 without Manage Server (asked of Discord again); 422 with the summary and the bad lines
/// (or the bad mode), with nothing written.
pub async fn import(
    State(app): State<App>,
    Guild { user, access, .. }: Guild<Write>,
    PickedForm(fields): PickedForm,
) -> Result<Response, PageError> {
    let guild = access.id;
    let form = ImportForm {
        csv: fields
            .iter()
            .find(|(key, _)| key == "csv")
            .map(|(_, value)| value.clone())
            .unwrap_or_default(),
        mode: get(&fields, "mode"),
    };
    let confirm = get(&fields, "confirm") == "yes";
    let result = run_import(&app, &user, guild, &form, confirm).await?;
    let status = if result.is_refusal() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let view = ImportView {
        form,
        result: Some(result),
    };
    if user.htmx {
        return Ok((status, views::import_section(guild, &user.csrf, &view)).into_response());
    }
    let settings = app.guild_settings(guild).await?;
    let data = page_data(
        &app,
        &user,
        guild,
        &settings,
        Forms::of(&settings.levels),
        None,
        view,
    )
    .await?;
    Ok((status, views::levels(&user, &access, &data)).into_response())
}

/// `GET /guilds/{guild}/levels/export`: the guild's levels as a CSV download
/// (`user_id,xp,level,messages,voice_seconds`, best first); audited as
/// `dashboard.levels.export`.
///
/// # Errors
/// 403 without Manage Server; 404 when the bot is not there.
pub async fn export(
    State(app): State<App>,
    Guild { user, access, .. }: Guild<Read>,
) -> Result<Response, PageError> {
    let guild = access.id;
    let csv = app
        .inner
        .levels
        .service
        .export_csv(guild)
        .await
        .map_err(PageError::internal)?;
    let members = csv.lines().count().saturating_sub(1);
    app.audit(
        &user,
        "dashboard.levels.export",
        Some(guild),
        "levels",
        json!({ "members": members }),
    )
    .await;
    Ok(super::download(
        csv,
        "text/csv; charset=utf-8",
        &format!("levels-{guild}.csv"),
    ))
}

/// The levels' tab (the staff leaderboard is reached from it).
pub const TABS: &[Tab] = &[Tab {
    label: "Levels",
    path: routes::guild_levels,
}];

/// The levels pages: settings and editors, import and export, the staff leaderboard, and the
/// public leaderboard (no login).
pub fn routes(app: &App) -> Router<App> {
    Router::new()
        .route(routes::GUILD_LEVELS, guarded(app, routing::get(levels)))
        .route(
            routes::GUILD_LEVELS_SETTINGS,
            guarded(app, post(save_settings)),
        )
        .route(
            routes::GUILD_LEVELS_REWARDS,
            guarded(app, post(save_rewards)),
        )
        .route(
            routes::GUILD_LEVELS_MULTIPLIERS,
            guarded(app, post(save_multipliers)),
        )
        .route(routes::GUILD_LEVELS_NO_XP, guarded(app, post(save_no_xp)))
        .route(routes::GUILD_LEVELS_IMPORT, guarded(app, post(import)))
        .route(
            routes::GUILD_LEVELS_EXPORT,
            guarded(app, routing::get(export)),
        )
        .route(
            routes::GUILD_LEVELS_LEADERBOARD,
            guarded(app, routing::get(leaderboard::staff_page)),
        )
        .route(routes::LEADERBOARD, routing::get(leaderboard::public_page))
        .route(
            routes::LEADERBOARD_DATA,
            routing::get(leaderboard::public_data),
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
            .collect()
    }

    const GUILD: GuildId = GuildId::new(9);

    #[test]
    fn reward_rows_skip_removed_and_blank_rows_and_sort_by_level() {
        let form = read_rewards_form(&fields(&[
            ("reward_mode", "replace"),
            ("reward_level_0", "10"),
            ("reward_role_0", "5"),
            ("reward_level_1", "3"),
            ("reward_role_1", "6"),
            ("reward_remove_1", "on"),
            ("reward_level_2", "2"),
            ("reward_role_2", "7"),
            ("reward_level_3", ""),
            ("reward_role_3", ""),
        ]));
        assert_eq!(form.rows.len(), 2);
        let levels = rewards_from_form(&form, &LevelSettings::default(), GUILD, &[]).unwrap();
        assert_eq!(levels.reward_mode, RewardMode::Replace);
        assert_eq!(
            levels.rewards,
            [
                Reward {
                    level: 2,
                    role: RoleId::new(7)
                },
                Reward {
                    level: 10,
                    role: RoleId::new(5)
                },
            ]
        );
    }

    #[test]
    fn bad_rows_name_the_row_and_what_is_accepted() {
        let base = LevelSettings::default();
        let rewards = |level: &str, role: &str, known: &[(RoleId, String)]| {
            rewards_from_form(
                &RewardsForm {
                    mode: "stack".into(),
                    rows: vec![RewardRow {
                        level: level.into(),
                        role: role.into(),
                    }],
                },
                &base,
                GUILD,
                known,
            )
            .unwrap_err()
        };
        assert!(rewards("five", "5", &[]).contains("reward 1: the level must be a whole number"));
        assert!(rewards("5", "9", &[]).contains("@everyone cannot be a reward"));
        assert!(rewards("5", "x", &[]).contains("must be a role id"));
        let known = [(RoleId::new(5), "Regular".to_owned())];
        assert!(rewards("5", "6", &known).contains("role 6 is not a role of this server"));
        let multipliers = multipliers_from_form(
            &MultipliersForm {
                roles: vec![],
                channels: vec![PercentRow {
                    target: "12".into(),
                    percent: "lots".into(),
                }],
            },
            &base,
            GUILD,
            &[],
        )
        .unwrap_err();
        assert!(
            multipliers.contains("channel_multipliers: multiplier 1: the percent must be"),
            "{multipliers}"
        );
        let settings = settings_from_form(
            &SettingsForm {
                xp_min: "-1".into(),
                ..SettingsForm::of(&base)
            },
            &base,
        )
        .unwrap_err();
        assert_eq!(
            settings,
            "levels.xp_min must be a whole number (0 or more), got `-1`"
        );
    }

    #[test]
    fn the_settings_form_round_trips() {
        let mut base = LevelSettings::default();
        base.announce.channel = Some(ChannelId::new(44));
        base.voice.enabled = true;
        base.public_leaderboard = true;
        let form = SettingsForm::of(&base);
        assert_eq!(settings_from_form(&form, &base).unwrap(), base);
        let no_xp = read_no_xp_form(&fields(&[
            ("no_xp_channels", "11, 12\n12 13"),
            ("no_xp_role", "5"),
            ("no_xp_role", "6,5"),
        ]));
        let levels = no_xp_from_form(&no_xp, &base, GUILD, &[]).unwrap();
        assert_eq!(
            levels.no_xp_channels,
            [11, 12, 13].map(ChannelId::new).to_vec()
        );
        assert_eq!(levels.no_xp_roles, [5, 6].map(RoleId::new).to_vec());
    }
}
