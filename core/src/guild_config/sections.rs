//! The typed sections of a guild's settings and the registry that maps names to them.
//!
//! A section is a serde struct with `deny_unknown_fields` and defaults, plus semantic checks in
//! [`Section::validate`]. Feature issues add their own section: implement [`Section`], add a
//! field to [`GuildSettings`] and one line to [`SECTIONS`].

use crate::references::Reference;
use std::collections::BTreeMap;
use std::marker::PhantomData;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::GuildConfigError;
use super::fields::{ChannelFilter, Field, FieldKind};
use crate::ids::{ChannelId, RoleId};

/// One guild's settings: every section, with the version each is at (0 = never changed).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GuildSettings {
    /// `general`: time zone, locale, mod-log channel.
    pub general: General,
    /// `features`: which features are on.
    pub features: Features,
    /// `commands`: legacy prefix commands.
    pub commands: Commands,
    /// `moderation`: warning decay, the escalation ladder, member notices.
    pub moderation: crate::moderation::ModerationSettings,
    /// `automod`: the automatic moderation rules.
    pub automod: crate::automod::AutomodSettings,
    /// `tickets`: support tickets (mode, staff roles, auto-close, transcript retention).
    pub tickets: crate::tickets::TicketSettings,
    /// `recent_messages`: the opt-in store of recent messages (retention, ignored channels).
    pub recent_messages: crate::recent_messages::RecentMessageSettings,
    /// `roles`: auto roles, self-assignable roles, timed roles and the role-change rate limit.
    pub roles: crate::roles::RoleSettings,
    /// `levels`: text and voice XP, the level curve, announcements and role rewards.
    pub levels: crate::levels::LevelSettings,
    /// `giveaways`: claim windows, automatic rerolls, concurrent giveaways, managers, the ping
    /// role and the default requirements.
    pub giveaways: crate::giveaways::GiveawaySettings,
    /// `automation`: reminder limits and the guild's triggers.
    pub automation: crate::automation::AutomationSettings,
    /// `logging`: event logs to channels, what they leave out, retention, voice AFK rules.
    pub logging: crate::logging::LoggingSettings,
    /// `branding`: a premium guild's bot name and avatar on posts, and its embed theme.
    pub branding: crate::premium::Branding,
    /// Version of each stored section; absent sections are at version 0 (the defaults).
    pub versions: BTreeMap<&'static str, i64>,
}

impl GuildSettings {
    /// The version a section is at.
    pub fn version(&self, section: &str) -> i64 {
        self.versions.get(section).copied().unwrap_or(0)
    }

    /// The sum of all versions: it only grows, so the larger of two snapshots is the newer.
    pub fn generation(&self) -> i64 {
        self.versions.values().sum()
    }
}

/// A semantic problem with one field: `message` reads after the key, e.g. "must be ...".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The field within the section.
    pub field: &'static str,
    /// What is wrong and what is accepted.
    pub message: String,
}

/// A typed settings section.
pub trait Section:
    Serialize + DeserializeOwned + Default + Clone + PartialEq + Send + Sync + 'static
{
    /// The section's name, the first part of its keys (`general.timezone`).
    const NAME: &'static str;
    /// One line for listings.
    const DESCRIPTION: &'static str;

    /// Checks what serde cannot: time zones exist, numbers are in range, ...
    ///
    /// # Errors
    /// The first [`FieldError`] found.
    fn validate(&self) -> Result<(), FieldError>;

    /// The channels and roles the section names, each with its key, so that writes can check
    /// they belong to the guild ([`crate::references`]). Sections that name none keep the
    /// default.
    fn references(&self) -> Vec<(String, Reference)> {
        Vec::new()
    }

    /// The fields the dashboard's generic form shows and reads ([`super::fields`]); sections
    /// edited only on their own pages (or not at all) keep the default, none.
    fn fields() -> &'static [Field] {
        &[]
    }

    /// This section within a guild's settings.
    fn of(settings: &GuildSettings) -> &Self;

    /// This section within a guild's settings, to replace it.
    fn of_mut(settings: &mut GuildSettings) -> &mut Self;
}

/// `general`: how the guild wants times, language and the mod log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct General {
    /// IANA time zone for schedules and displayed times.
    pub timezone: String,
    /// Discord locale for the bot's messages.
    pub locale: String,
    /// Channel where every moderation case is posted.
    pub mod_log_channel: Option<ChannelId>,
}

impl Default for General {
    fn default() -> Self {
        Self {
            timezone: "UTC".into(),
            locale: "en-US".into(),
            mod_log_channel: None,
        }
    }
}

/// The locales Discord supports.
pub const DISCORD_LOCALES: &[&str] = &[
    "id", "da", "de", "en-GB", "en-US", "es-ES", "es-419", "fr", "hr", "it", "lt", "hu", "nl",
    "no", "pl", "pt-BR", "ro", "fi", "sv-SE", "vi", "tr", "cs", "el", "bg", "ru", "uk", "hi", "th",
    "zh-CN", "ja", "zh-TW", "ko",
];

impl Section for General {
    const NAME: &'static str = "general";
    const DESCRIPTION: &'static str = "time zone, locale and mod-log channel";

    fn fields() -> &'static [Field] {
        &[
            Field {
                key: "timezone",
                label: "Time zone",
                help: "The IANA time zone schedules and shown times use, such as Europe/Berlin or America/New_York.",
                kind: FieldKind::Text { max_chars: 64 },
            },
            Field {
                key: "locale",
                label: "Language",
                help: "The Discord locale of the bot's messages.",
                kind: FieldKind::Choice(DISCORD_LOCALES),
            },
            Field {
                key: "mod_log_channel",
                label: "Mod-log channel",
                help: "Where every moderation case is posted; none posts nothing.",
                kind: FieldKind::Channel(ChannelFilter::Messages),
            },
        ]
    }

    fn references(&self) -> Vec<(String, Reference)> {
        self.mod_log_channel
            .map(|channel| {
                (
                    "general.mod_log_channel".to_owned(),
                    Reference::Channel(channel),
                )
            })
            .into_iter()
            .collect()
    }

    fn validate(&self) -> Result<(), FieldError> {
        if self.timezone.parse::<chrono_tz::Tz>().is_err() {
            return Err(FieldError {
                field: "timezone",
                message: format!(
                    "must be an IANA time zone such as Europe/Berlin, got {}",
                    self.timezone
                ),
            });
        }
        if !DISCORD_LOCALES.contains(&self.locale.as_str()) {
            return Err(FieldError {
                field: "locale",
                message: format!(
                    "must be a Discord locale ({}), got {}",
                    DISCORD_LOCALES.join(", "),
                    self.locale
                ),
            });
        }
        Ok(())
    }

    fn of(settings: &GuildSettings) -> &Self {
        &settings.general
    }

    fn of_mut(settings: &mut GuildSettings) -> &mut Self {
        &mut settings.general
    }
}

/// `features`: the on/off switch of each feature. Moderation is on by default; everything else
/// is opt-in, so a new guild gets no surprise messages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
#[allow(clippy::struct_excessive_bools)]
pub struct Features {
    /// Moderation commands, cases and the mod log.
    pub moderation: bool,
    /// Automatic moderation of messages.
    pub automod: bool,
    /// Support tickets.
    pub tickets: bool,
    /// Text and voice XP, levels and rewards.
    pub levels: bool,
    /// Role panels, auto roles, self roles and timed roles.
    pub roles: bool,
    /// Giveaways.
    pub giveaways: bool,
    /// Scheduled messages, reminders, triggers and automations.
    pub automation: bool,
    /// Welcome messages, suggestions, starboard.
    pub engagement: bool,
    /// Message, member, role, channel and voice logs.
    pub logging: bool,
    /// Stream alerts.
    pub streams: bool,
    /// The AI assistant.
    pub assistant: bool,
}

impl Default for Features {
    fn default() -> Self {
        Self {
            moderation: true,
            automod: false,
            tickets: false,
            levels: false,
            roles: false,
            giveaways: false,
            automation: false,
            engagement: false,
            logging: false,
            streams: false,
            assistant: false,
        }
    }
}

impl Section for Features {
    const NAME: &'static str = "features";
    const DESCRIPTION: &'static str = "on/off switch of each feature";

    /// A switch of a feature this version does not have yet would switch nothing: turning it on
    /// is refused, so no admin believes a feature runs that does not.
    fn validate(&self) -> Result<(), FieldError> {
        for (field, on, what) in [
            (
                "engagement",
                self.engagement,
                "welcome messages, suggestions and the starboard",
            ),
            ("streams", self.streams, "stream alerts"),
            ("assistant", self.assistant, "the AI assistant"),
        ] {
            if on {
                return Err(FieldError {
                    field,
                    message: format!(
                        "switches nothing yet: {what} are not in this version of Guildhall, so it stays off"
                    ),
                });
            }
        }
        Ok(())
    }

    fn of(settings: &GuildSettings) -> &Self {
        &settings.features
    }

    fn of_mut(settings: &mut GuildSettings) -> &mut Self {
        &mut settings.features
    }
}

/// `commands`: legacy prefix commands (off by default; they need the privileged Message
/// Content intent, so slash commands remain the primary interface).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Commands {
    /// Answer commands written as `<prefix>name` in messages.
    pub prefix_enabled: bool,
    /// The prefix, 1 to 5 characters without spaces.
    pub prefix: String,
    /// Prefix commands one member may run per minute.
    pub prefix_per_minute: u32,
}

impl Default for Commands {
    fn default() -> Self {
        Self {
            prefix_enabled: false,
            prefix: "!".into(),
            prefix_per_minute: 10,
        }
    }
}

impl Section for Commands {
    const NAME: &'static str = "commands";
    const DESCRIPTION: &'static str = "legacy prefix commands";

    fn fields() -> &'static [Field] {
        &[
            Field {
                key: "prefix_enabled",
                label: "Prefix commands",
                help: "Answer commands written in messages, such as !ping (needs the Message Content intent).",
                kind: FieldKind::Switch,
            },
            Field {
                key: "prefix",
                label: "Prefix",
                help: "1 to 5 characters without spaces, such as ! or ?.",
                kind: FieldKind::Text { max_chars: 5 },
            },
            Field {
                key: "prefix_per_minute",
                label: "Prefix commands per minute",
                help: "How many prefix commands one member may run per minute.",
                kind: FieldKind::Number { min: 1, max: 120 },
            },
        ]
    }

    fn validate(&self) -> Result<(), FieldError> {
        let length = self.prefix.chars().count();
        if length == 0 || length > 5 || self.prefix.chars().any(char::is_whitespace) {
            return Err(FieldError {
                field: "prefix",
                message: format!(
                    "must be 1 to 5 characters without spaces, such as ! or ?, got {:?}",
                    self.prefix
                ),
            });
        }
        if !(1..=120).contains(&self.prefix_per_minute) {
            return Err(FieldError {
                field: "prefix_per_minute",
                message: format!("must be between 1 and 120, got {}", self.prefix_per_minute),
            });
        }
        Ok(())
    }

    fn of(settings: &GuildSettings) -> &Self {
        &settings.commands
    }

    fn of_mut(settings: &mut GuildSettings) -> &mut Self {
        &mut settings.commands
    }
}

/// A section, seen without its type: what the service, CLI and dashboard work with.
pub trait SectionOps: Send + Sync {
    /// The section's name.
    fn name(&self) -> &'static str;
    /// One line for listings.
    fn description(&self) -> &'static str;
    /// The defaults as JSON.
    fn default_json(&self) -> Value;
    /// The section's current value in `settings` as JSON.
    fn json_of(&self, settings: &GuildSettings) -> Value;
    /// Parses and validates a whole section, returning it in canonical form (every field).
    ///
    /// # Errors
    /// [`GuildConfigError::Invalid`] or [`GuildConfigError::UnknownKey`] naming the field.
    fn normalize(&self, value: Value) -> Result<Value, GuildConfigError>;
    /// Replaces the section in `settings` with an already normalized value.
    ///
    /// # Errors
    /// [`GuildConfigError::Invalid`] if the value does not parse.
    fn apply(&self, settings: &mut GuildSettings, value: Value) -> Result<(), GuildConfigError>;
    /// The channels and roles a normalized value names ([`Section::references`]); none for a
    /// value that does not parse.
    fn references(&self, value: &Value) -> Vec<(String, Reference)>;
    /// The fields of its generic form ([`Section::fields`]).
    fn fields(&self) -> &'static [Field];
}

struct Ops<S>(PhantomData<fn() -> S>);

impl<S: Section> Ops<S> {
    fn parse(value: Value) -> Result<S, GuildConfigError> {
        serde_path_to_error::deserialize::<_, S>(value).map_err(|error| {
            let path = error.path().to_string();
            let message = error.inner().to_string();
            if let Some(rest) = message.strip_prefix("unknown field `") {
                let field = rest.split('`').next().unwrap_or_default();
                return GuildConfigError::UnknownKey {
                    key: format!("{}.{field}", S::NAME),
                    section: S::NAME,
                    keys: field_names(&S::default()),
                };
            }
            let key = if path == "." {
                S::NAME.to_owned()
            } else {
                format!("{}.{path}", S::NAME)
            };
            GuildConfigError::Invalid {
                message: format!("{key} is invalid: {message}"),
                key,
            }
        })
    }
}

impl<S: Section> SectionOps for Ops<S> {
    fn name(&self) -> &'static str {
        S::NAME
    }

    fn description(&self) -> &'static str {
        S::DESCRIPTION
    }

    fn default_json(&self) -> Value {
        serde_json::to_value(S::default()).unwrap_or(Value::Null)
    }

    fn json_of(&self, settings: &GuildSettings) -> Value {
        serde_json::to_value(S::of(settings)).unwrap_or(Value::Null)
    }

    fn normalize(&self, value: Value) -> Result<Value, GuildConfigError> {
        // Every string of every section, before anything else reads it.
        crate::text::check_json(S::NAME, &value).map_err(|error| GuildConfigError::Invalid {
            key: error.field.clone(),
            message: error.to_string(),
        })?;
        let section = Self::parse(value)?;
        section.validate().map_err(|error| {
            let key = format!("{}.{}", S::NAME, error.field);
            GuildConfigError::Invalid {
                message: format!("{key} {}", error.message),
                key,
            }
        })?;
        serde_json::to_value(section).map_err(|error| GuildConfigError::Invalid {
            key: S::NAME.to_owned(),
            message: error.to_string(),
        })
    }

    fn apply(&self, settings: &mut GuildSettings, value: Value) -> Result<(), GuildConfigError> {
        *S::of_mut(settings) = Self::parse(value)?;
        Ok(())
    }

    fn references(&self, value: &Value) -> Vec<(String, Reference)> {
        Self::parse(value.clone())
            .map(|section| section.references())
            .unwrap_or_default()
    }

    fn fields(&self) -> &'static [Field] {
        S::fields()
    }
}

/// `key` with each of `roles`, for [`Section::references`].
pub fn role_references(key: &str, roles: &[RoleId]) -> Vec<(String, Reference)> {
    roles
        .iter()
        .map(|role| (key.to_owned(), Reference::Role(*role)))
        .collect()
}

/// `key` with each of `channels` (any kind), for [`Section::references`].
pub fn channel_references(key: &str, channels: &[ChannelId]) -> Vec<(String, Reference)> {
    channels
        .iter()
        .map(|channel| (key.to_owned(), Reference::AnyChannel(*channel)))
        .collect()
}

fn field_names<S: Serialize>(section: &S) -> Vec<String> {
    match serde_json::to_value(section) {
        Ok(Value::Object(fields)) => fields.keys().cloned().collect(),
        _ => Vec::new(),
    }
}

/// Every section, in display order.
pub static SECTIONS: &[&dyn SectionOps] = &[
    &Ops::<General>(PhantomData),
    &Ops::<Features>(PhantomData),
    &Ops::<Commands>(PhantomData),
    &Ops::<crate::moderation::ModerationSettings>(PhantomData),
    &Ops::<crate::automod::AutomodSettings>(PhantomData),
    &Ops::<crate::tickets::TicketSettings>(PhantomData),
    &Ops::<crate::recent_messages::RecentMessageSettings>(PhantomData),
    &Ops::<crate::roles::RoleSettings>(PhantomData),
    &Ops::<crate::levels::LevelSettings>(PhantomData),
    &Ops::<crate::giveaways::GiveawaySettings>(PhantomData),
    &Ops::<crate::automation::AutomationSettings>(PhantomData),
    &Ops::<crate::logging::LoggingSettings>(PhantomData),
    &Ops::<crate::premium::Branding>(PhantomData),
];

/// The section called `name`.
///
/// # Errors
/// [`GuildConfigError::UnknownSection`] listing the sections there are.
pub fn section(name: &str) -> Result<&'static dyn SectionOps, GuildConfigError> {
    SECTIONS
        .iter()
        .copied()
        .find(|ops| ops.name() == name)
        .ok_or_else(|| GuildConfigError::UnknownSection {
            name: name.to_owned(),
            sections: SECTIONS.iter().map(|ops| ops.name()).collect(),
        })
}

/// The names of a section's keys.
pub fn keys(section: &dyn SectionOps) -> Vec<String> {
    match section.default_json() {
        Value::Object(fields) => fields.keys().cloned().collect(),
        _ => Vec::new(),
    }
}

/// Splits `section.key` and checks both exist.
///
/// # Errors
/// [`GuildConfigError::UnknownSection`] or [`GuildConfigError::UnknownKey`].
pub fn resolve_key(key: &str) -> Result<(&'static dyn SectionOps, String), GuildConfigError> {
    let Some((section_name, field)) = key.split_once('.') else {
        let ops = section(key).map_err(|_| GuildConfigError::UnknownKey {
            key: key.to_owned(),
            section: "",
            keys: all_keys(),
        })?;
        return Err(GuildConfigError::NotAKey {
            key: key.to_owned(),
            keys: qualified(ops),
        });
    };
    let ops = section(section_name).map_err(|_| GuildConfigError::UnknownKey {
        key: key.to_owned(),
        section: "",
        keys: all_keys(),
    })?;
    if !keys(ops).iter().any(|known| known == field) {
        return Err(GuildConfigError::UnknownKey {
            key: key.to_owned(),
            section: ops.name(),
            keys: keys(ops),
        });
    }
    Ok((ops, field.to_owned()))
}

fn qualified(ops: &dyn SectionOps) -> Vec<String> {
    keys(ops)
        .into_iter()
        .map(|key| format!("{}.{key}", ops.name()))
        .collect()
}

fn all_keys() -> Vec<String> {
    SECTIONS.iter().flat_map(|ops| qualified(*ops)).collect()
}

/// Turns an operator's text into the JSON value for a field whose current value is `current`:
/// `true`/`false` (also on/off, yes/no) for switches, numbers for numbers, `none` to clear an
/// optional value, JSON for lists and objects, and text otherwise.
///
/// # Errors
/// [`GuildConfigError::Invalid`] naming the key and what it accepts.
pub fn parse_raw(key: &str, current: &Value, raw: &str) -> Result<Value, GuildConfigError> {
    let trimmed = raw.trim();
    let invalid = |accepted: &str| GuildConfigError::Invalid {
        key: key.to_owned(),
        message: format!("{key} must be {accepted}, got {raw}"),
    };
    match current {
        Value::Bool(_) => match trimmed.to_ascii_lowercase().as_str() {
            "true" | "on" | "yes" | "1" => Ok(Value::Bool(true)),
            "false" | "off" | "no" | "0" => Ok(Value::Bool(false)),
            _ => Err(invalid("true or false (also on/off, yes/no)")),
        },
        Value::Number(_) => serde_json::from_str::<serde_json::Number>(trimmed)
            .map(Value::Number)
            .map_err(|_| invalid("a number")),
        Value::Array(_) | Value::Object(_) => {
            serde_json::from_str(trimmed).map_err(|_| invalid("JSON (e.g. [\"a\", \"b\"])"))
        }
        Value::String(_) => Ok(Value::String(raw.to_owned())),
        Value::Null => match trimmed.to_ascii_lowercase().as_str() {
            "none" | "null" | "" => Ok(Value::Null),
            _ => Ok(serde_json::from_str::<Value>(trimmed)
                .ok()
                .filter(|value| !value.is_string() && !value.is_number())
                .unwrap_or_else(|| Value::String(trimmed.to_owned()))),
        },
    }
}
