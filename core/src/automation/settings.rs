//! The `automation` section of a guild's settings: the reminder limits, the guild's triggers
//! and its automations ([`super::flows`]). Triggers live in settings so that every change is versioned, audited and can be
//! rolled back, and so that the message path compiles them once per settings version
//! ([`super::triggers::CompiledTriggers`]) with no database read.

use serde::{Deserialize, Serialize};

use super::template;
use crate::automod::patterns;
use crate::guild_config::fields::{Field, FieldKind};
use crate::guild_config::sections::{FieldError, GuildSettings, Section, role_references};
use crate::ids::{ChannelId, RoleId};
use crate::references::Reference;

/// Most triggers one guild may have, whatever its tier allows (the tier's limit is lower).
pub const MAX_TRIGGERS: usize = 500;
/// Longest trigger name, in characters.
pub const MAX_NAME_CHARS: usize = 50;
/// Longest keyword pattern, in characters.
pub const MAX_KEYWORD_CHARS: usize = 200;
/// Longest response, in characters (Discord's message limit, and an embed description's is
/// larger).
pub const MAX_RESPONSE_CHARS: usize = 2_000;
/// Longest cooldown: a day.
pub const MAX_COOLDOWN_SECS: u32 = 86_400;
/// Most channels or roles one trigger's filter names.
pub const MAX_FILTER_IDS: usize = 25;
/// Most reminders one member may have waiting, at most.
pub const MAX_REMINDERS_PER_MEMBER: u32 = 100;
/// Longest a reminder may wait, in days.
pub const MAX_REMINDER_DAYS: u32 = 366;

/// How a trigger's pattern is matched against a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum MatchKind {
    /// The pattern as a whole word (or words): `hi` matches "hi there", not "this".
    #[default]
    Word,
    /// The pattern anywhere in the message.
    Contains,
    /// The message starts with the pattern.
    StartsWith,
    /// The message is the pattern and nothing else (surrounding spaces aside).
    Exact,
    /// A regular expression (premium), on the linear-time engine with automod's limits.
    Regex,
}

impl MatchKind {
    /// Every kind, in the order forms offer them.
    pub const ALL: [Self; 5] = [
        Self::Word,
        Self::Contains,
        Self::StartsWith,
        Self::Exact,
        Self::Regex,
    ];

    /// Its name in settings, the CLI and forms.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Word => "word",
            Self::Contains => "contains",
            Self::StartsWith => "starts_with",
            Self::Exact => "exact",
            Self::Regex => "regex",
        }
    }

    /// In words, for pages and listings.
    pub fn title(self) -> &'static str {
        match self {
            Self::Word => "whole word",
            Self::Contains => "contains",
            Self::StartsWith => "starts with",
            Self::Exact => "exact message",
            Self::Regex => "regular expression (premium)",
        }
    }

    /// The kind named `name`.
    ///
    /// # Errors
    /// The name and the kinds there are.
    pub fn parse(name: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|kind| kind.as_str() == name.trim())
            .ok_or_else(|| {
                format!(
                    "`{name}` is not a match kind; use one of {}",
                    Self::ALL.map(Self::as_str).join(", ")
                )
            })
    }
}

/// Whom a trigger's cooldown holds back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum CooldownScope {
    /// Each member waits on their own.
    #[default]
    Member,
    /// The whole channel waits.
    Channel,
}

impl CooldownScope {
    /// Its name in settings and forms.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Member => "member",
            Self::Channel => "channel",
        }
    }
}

/// One trigger: what it listens for, where, and what it does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Trigger {
    /// Its name, unique in the guild (what pages, commands and the CLI call it).
    pub name: String,
    /// Switched off triggers are kept and never fire.
    pub enabled: bool,
    /// How `pattern` is matched.
    pub kind: MatchKind,
    /// The keyword(s), or the regular expression.
    pub pattern: String,
    /// Match letter case exactly (keywords; a regex says `(?-i)` itself).
    pub case_sensitive: bool,
    /// What the bot answers, with `{user}`, `{user.name}`, `{server}`, `{channel}`,
    /// `{membercount}`; empty answers nothing (an action-only trigger).
    pub response: String,
    /// Answer in an embed instead of plain text.
    pub embed: bool,
    /// Seconds before it fires again (0: no cooldown).
    pub cooldown_secs: u32,
    /// Whom the cooldown holds back.
    pub cooldown_per: CooldownScope,
    /// Only in these channels (empty: everywhere).
    pub channels: Vec<ChannelId>,
    /// Only for members with one of these roles (empty: everyone).
    pub roles: Vec<RoleId>,
    /// Delete the message that fired it.
    pub delete_message: bool,
    /// Give the member this role.
    pub add_role: Option<RoleId>,
    /// Take this role from the member.
    pub remove_role: Option<RoleId>,
    /// React to the message with this (Unicode) emoji.
    pub react: Option<String>,
}

impl Default for Trigger {
    fn default() -> Self {
        Self {
            name: String::new(),
            enabled: true,
            kind: MatchKind::Word,
            pattern: String::new(),
            case_sensitive: false,
            response: String::new(),
            embed: false,
            cooldown_secs: 0,
            cooldown_per: CooldownScope::Member,
            channels: Vec::new(),
            roles: Vec::new(),
            delete_message: false,
            add_role: None,
            remove_role: None,
            react: None,
        }
    }
}

impl Trigger {
    /// Whether it does anything when it fires.
    pub fn acts(&self) -> bool {
        !self.response.trim().is_empty()
            || self.delete_message
            || self.add_role.is_some()
            || self.remove_role.is_some()
            || self.react.is_some()
    }

    /// Checks the trigger alone, naming fields under `key` (`automation.triggers[2]`).
    ///
    /// # Errors
    /// The first problem, as a [`FieldError`] whose message names the trigger.
    pub fn check(&self) -> Result<(), String> {
        let name = self.name.trim();
        if name.is_empty() {
            return Err("a trigger needs a name".into());
        }
        if name.chars().count() > MAX_NAME_CHARS {
            return Err(format!(
                "the name `{name}` is longer than {MAX_NAME_CHARS} characters"
            ));
        }
        crate::text::check("the name", name, crate::text::TextKind::Name)
            .map_err(|error| error.to_string())?;
        let who = format!("trigger `{name}`");
        if self.pattern.trim().is_empty() {
            return Err(format!(
                "{who}: the pattern is empty; write the word or phrase it listens for"
            ));
        }
        match self.kind {
            MatchKind::Regex => patterns::validate_pattern(&self.pattern)
                .map_err(|message| format!("{who}: the pattern {message}"))?,
            _ => {
                if self.pattern.chars().count() > MAX_KEYWORD_CHARS {
                    return Err(format!(
                        "{who}: the pattern is longer than {MAX_KEYWORD_CHARS} characters"
                    ));
                }
                crate::text::check("the pattern", &self.pattern, crate::text::TextKind::Name)
                    .map_err(|error| format!("{who}: {error}"))?;
            }
        }
        if self.response.chars().count() > MAX_RESPONSE_CHARS {
            return Err(format!(
                "{who}: the response is longer than {MAX_RESPONSE_CHARS} characters"
            ));
        }
        template::check(&self.response)
            .map_err(|message| format!("{who}: the response {message}"))?;
        if self.cooldown_secs > MAX_COOLDOWN_SECS {
            return Err(format!(
                "{who}: the cooldown is longer than a day ({MAX_COOLDOWN_SECS} seconds)"
            ));
        }
        if self.channels.len() > MAX_FILTER_IDS || self.roles.len() > MAX_FILTER_IDS {
            return Err(format!(
                "{who}: a filter names more than {MAX_FILTER_IDS} channels or roles"
            ));
        }
        if let Some(emoji) = &self.react {
            crate::text::check_emoji("the reaction", emoji)
                .map_err(|message| format!("{who}: {message}"))?;
        }
        if self.add_role.is_some() && self.add_role == self.remove_role {
            return Err(format!(
                "{who}: it would give and take the same role; pick one"
            ));
        }
        if !self.acts() {
            return Err(format!(
                "{who} does nothing: give it a response, or an action (delete the message, add or remove a role, react)"
            ));
        }
        Ok(())
    }
}

/// `automation`: reminders' limits and the guild's triggers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AutomationSettings {
    /// Reminders one member may have waiting.
    pub reminders_per_member: u32,
    /// Longest a reminder may wait, in days.
    pub reminder_max_days: u32,
    /// The triggers, checked in this order: the first that matches a message (and whose
    /// filters and cooldown let it) fires.
    pub triggers: Vec<Trigger>,
    /// The automations: an event, conditions and steps.
    pub flows: Vec<super::flows::Flow>,
}

impl Default for AutomationSettings {
    fn default() -> Self {
        Self {
            reminders_per_member: 25,
            reminder_max_days: 365,
            triggers: Vec::new(),
            flows: Vec::new(),
        }
    }
}

impl AutomationSettings {
    /// The trigger called `name` (case-insensitively), with its position.
    pub fn trigger(&self, name: &str) -> Option<(usize, &Trigger)> {
        self.triggers
            .iter()
            .enumerate()
            .find(|(_, trigger)| trigger.name.trim().eq_ignore_ascii_case(name.trim()))
    }

    fn check(&self) -> Result<(), FieldError> {
        if !(1..=MAX_REMINDERS_PER_MEMBER).contains(&self.reminders_per_member) {
            return Err(FieldError {
                field: "reminders_per_member",
                message: format!("must be between 1 and {MAX_REMINDERS_PER_MEMBER}"),
            });
        }
        if !(1..=MAX_REMINDER_DAYS).contains(&self.reminder_max_days) {
            return Err(FieldError {
                field: "reminder_max_days",
                message: format!("must be between 1 and {MAX_REMINDER_DAYS} days"),
            });
        }
        if self.triggers.len() > MAX_TRIGGERS {
            return Err(FieldError {
                field: "triggers",
                message: format!(
                    "holds {} triggers; at most {MAX_TRIGGERS}",
                    self.triggers.len()
                ),
            });
        }
        let mut names = std::collections::HashSet::new();
        for trigger in &self.triggers {
            trigger.check().map_err(|message| FieldError {
                field: "triggers",
                message,
            })?;
            if !names.insert(trigger.name.trim().to_lowercase()) {
                return Err(FieldError {
                    field: "triggers",
                    message: format!(
                        "two triggers are called `{}`; each needs its own name",
                        trigger.name.trim()
                    ),
                });
            }
        }
        if self.flows.len() > MAX_TRIGGERS {
            return Err(FieldError {
                field: "flows",
                message: format!(
                    "holds {} automations; at most {MAX_TRIGGERS}",
                    self.flows.len()
                ),
            });
        }
        let mut names = std::collections::HashSet::new();
        for flow in &self.flows {
            flow.check().map_err(|message| FieldError {
                field: "flows",
                message,
            })?;
            if !names.insert(flow.name.trim().to_lowercase()) {
                return Err(FieldError {
                    field: "flows",
                    message: format!(
                        "two automations are called `{}`; each needs its own name",
                        flow.name.trim()
                    ),
                });
            }
        }
        Ok(())
    }
}

impl Section for AutomationSettings {
    const NAME: &'static str = "automation";
    const DESCRIPTION: &'static str =
        "reminder limits, the trigger engine's triggers and the automations";

    fn validate(&self) -> Result<(), FieldError> {
        self.check()
    }

    fn fields() -> &'static [Field] {
        const FIELDS: &[Field] = &[
            Field {
                key: "reminders_per_member",
                label: "Reminders per member",
                help: "How many reminders one member may have waiting at once.",
                kind: FieldKind::Number {
                    min: 1,
                    max: MAX_REMINDERS_PER_MEMBER as i64,
                },
            },
            Field {
                key: "reminder_max_days",
                label: "Longest reminder",
                help: "How many days ahead a reminder may be set.",
                kind: FieldKind::Number {
                    min: 1,
                    max: MAX_REMINDER_DAYS as i64,
                },
            },
        ];
        FIELDS
    }

    fn references(&self) -> Vec<(String, Reference)> {
        let mut all = Vec::new();
        for (index, trigger) in self.triggers.iter().enumerate() {
            let key = format!("automation.triggers[{index}]");
            for channel in &trigger.channels {
                all.push((format!("{key}.channels"), Reference::AnyChannel(*channel)));
            }
            all.extend(role_references(&format!("{key}.roles"), &trigger.roles));
            all.extend(role_references(
                &format!("{key}.add_role"),
                trigger.add_role.as_slice(),
            ));
            all.extend(role_references(
                &format!("{key}.remove_role"),
                trigger.remove_role.as_slice(),
            ));
        }
        for (index, flow) in self.flows.iter().enumerate() {
            all.extend(flow.references(&format!("automation.flows[{index}]")));
        }
        all
    }

    fn of(settings: &GuildSettings) -> &Self {
        &settings.automation
    }

    fn of_mut(settings: &mut GuildSettings) -> &mut Self {
        &mut settings.automation
    }
}
