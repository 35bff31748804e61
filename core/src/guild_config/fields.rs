//! What a settings form shows and how it reads back: each section describes its fields
//! ([`Section::fields`](super::Section::fields)) — key, label, help and [`FieldKind`] — and
//! [`parse_form`] turns the pairs an HTML form submits into the section's JSON, so a new section
//! gets a working dashboard page, validation messages and history without hand-written parsing.
//!
//! The parser only reads what the form says: every described field is read from the form (a
//! switch that is absent is off, a list that is absent is empty, an empty channel, role or
//! member is none), fields the form does not describe keep their current values, and each
//! refused field gets its own message saying what was wrong and what is accepted. The result
//! then goes through the section's `normalize` like any other write, so the section's own
//! checks (ranges that depend on each other, duplicates, references) still apply.
//!
//! A key may reach into a nested object with dots (`announce.template`): the section's JSON is
//! changed at that path only.

use std::fmt;

use serde_json::Value;

use super::GuildConfigError;
use super::sections::SectionOps;
use crate::clock::parse_seconds;
use crate::ids::{ChannelId, RoleId, UserId};
use crate::references::ChannelKind;
use crate::text::{self, TextKind};

/// One field of a settings form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    /// The key within the section (`mod_log_channel`, or `announce.template` for a nested one).
    pub key: &'static str,
    /// What the form calls it.
    pub label: &'static str,
    /// One sentence under the field: what it does and what it accepts.
    pub help: &'static str,
    /// What it holds.
    pub kind: FieldKind,
}

/// Which channels a channel field offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelFilter {
    /// Channels messages can be posted in (text, announcements, voice chats).
    Messages,
    /// Categories.
    Category,
    /// Voice and stage channels.
    Voice,
    /// Any channel or category.
    Any,
}

impl ChannelFilter {
    /// Whether a channel of `kind` belongs in the field's list.
    pub const fn admits(self, kind: ChannelKind) -> bool {
        match self {
            Self::Messages => kind.takes_messages(),
            Self::Category => matches!(kind, ChannelKind::Category),
            Self::Voice => matches!(kind, ChannelKind::Voice | ChannelKind::Stage),
            Self::Any => true,
        }
    }

    /// What the field takes, in words (`text channel`, `category`).
    pub const fn noun(self) -> &'static str {
        match self {
            Self::Messages => "text channel",
            Self::Category => "category",
            Self::Voice => "voice channel",
            Self::Any => "channel",
        }
    }
}

/// What a field holds, and so how it is shown and read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// One line of text, at most `max_chars` characters.
    Text {
        /// The most characters.
        max_chars: usize,
    },
    /// A whole number from `min` to `max`.
    Number {
        /// The least accepted.
        min: i64,
        /// The most accepted.
        max: i64,
    },
    /// A duration typed as `90` (seconds), `10m`, `3h` or `3d`, stored as a whole number of
    /// `unit_secs` (1 for a `_secs` key, 3 600 for `_hours`, 86 400 for `_days`).
    Duration {
        /// The shortest accepted, in seconds.
        min_secs: u64,
        /// The longest accepted, in seconds.
        max_secs: u64,
        /// The stored unit, in seconds.
        unit_secs: u64,
    },
    /// On or off (a checkbox: absent is off).
    Switch,
    /// One channel of the guild, or none.
    Channel(ChannelFilter),
    /// One role of the guild, or none.
    Role,
    /// One member, by id, or none.
    Member,
    /// Several of `of` (repeated form keys, or one value with commas or line breaks between
    /// ids; texts are one per line).
    List {
        /// What each item is.
        of: &'static FieldKind,
        /// The most items.
        max: usize,
    },
    /// A message template: text that may use only `placeholders` (written `{name}`).
    Template {
        /// The most characters.
        max_chars: usize,
        /// The placeholder names it may use.
        placeholders: &'static [&'static str],
    },
    /// One of a few fixed words.
    Choice(&'static [&'static str]),
}

/// Every refused field of a submitted form, in the form's order, each with what was wrong and
/// what is accepted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FormErrors {
    /// `(field key, message)`; the message reads after the field's label ("must be ...").
    pub fields: Vec<(&'static str, String)>,
}

impl FormErrors {
    /// The message for `key`, if it was refused.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(field, _)| *field == key)
            .map(|(_, message)| message.as_str())
    }

    /// Whether nothing was refused.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// Adds `message` for `key`.
    pub fn push(&mut self, key: &'static str, message: String) {
        self.fields.push((key, message));
    }
}

impl fmt::Display for FormErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let lines: Vec<String> = self
            .fields
            .iter()
            .map(|(key, message)| format!("{key} {message}"))
            .collect();
        f.write_str(&lines.join("; "))
    }
}

impl std::error::Error for FormErrors {}

/// The value at a dotted `key` inside a section's JSON.
pub fn value_at<'a>(section: &'a Value, key: &str) -> Option<&'a Value> {
    key.split('.')
        .try_fold(section, |value, part| value.as_object()?.get(part))
}

fn set_at(section: &mut Value, key: &str, new: Value) {
    let mut parts = key.split('.').peekable();
    let mut target = section;
    while let Some(part) = parts.next() {
        if !target.is_object() {
            *target = Value::Object(serde_json::Map::new());
        }
        let Some(object) = target.as_object_mut() else {
            return;
        };
        if parts.peek().is_none() {
            object.insert(part.to_owned(), new);
            return;
        }
        target = object
            .entry(part.to_owned())
            .or_insert_with(|| Value::Object(serde_json::Map::new()));
    }
}

/// Reads a submitted form into `section`'s JSON: each described field from the form, every
/// other field as in `current`. The caller then writes the result through the settings service
/// (which normalizes and validates it as any write).
///
/// # Errors
/// [`FormErrors`] with one message per refused field; nothing is to be written then.
pub fn parse_form(
    section: &dyn SectionOps,
    current: &Value,
    form: &[(String, String)],
) -> Result<Value, FormErrors> {
    let defaults = section.default_json();
    let mut next = current.clone();
    let mut errors = FormErrors::default();
    for field in section.fields() {
        let given: Vec<&str> = form
            .iter()
            .filter(|(key, _)| key == field.key)
            .map(|(_, value)| value.as_str())
            .collect();
        // A field whose default is none may be left empty.
        let optional = value_at(&defaults, field.key).is_some_and(Value::is_null);
        match parse_field(field.key, &field.kind, &given, optional) {
            Ok(value) => set_at(&mut next, field.key, value),
            Err(message) => errors.push(field.key, message),
        }
    }
    if errors.is_empty() {
        Ok(next)
    } else {
        Err(errors)
    }
}

fn parse_field(
    key: &str,
    kind: &FieldKind,
    given: &[&str],
    optional: bool,
) -> Result<Value, String> {
    match kind {
        FieldKind::Switch => parse_switch(given),
        FieldKind::List { of, max } => parse_list(key, of, *max, given),
        scalar => {
            let raw = given.last().copied().unwrap_or_default();
            if raw.trim().is_empty() {
                return empty(scalar, optional);
            }
            parse_one(key, scalar, raw)
        }
    }
}

fn parse_switch(given: &[&str]) -> Result<Value, String> {
    let mut on = false;
    for value in given {
        match value.trim().to_ascii_lowercase().as_str() {
            "on" | "true" | "yes" | "1" => on = true,
            "off" | "false" | "no" | "0" | "" => {}
            _ => return Err(format!("must be on or off, got `{value}`")),
        }
    }
    Ok(Value::Bool(on))
}

/// An empty scalar: none where that is allowed (and always for a channel, role or member), an
/// empty text, or a refusal saying what to type.
fn empty(kind: &FieldKind, optional: bool) -> Result<Value, String> {
    match kind {
        FieldKind::Channel(_) | FieldKind::Role | FieldKind::Member => Ok(Value::Null),
        _ if optional => Ok(Value::Null),
        FieldKind::Text { .. } | FieldKind::Template { .. } => Ok(Value::String(String::new())),
        other => Err(format!("is required: {}", accepted(other))),
    }
}

/// What a field of `kind` accepts, in words.
pub fn accepted(kind: &FieldKind) -> String {
    match kind {
        FieldKind::Text { max_chars } => format!("one line of at most {max_chars} characters"),
        FieldKind::Number { min, max } => format!("a whole number from {min} to {max}"),
        FieldKind::Duration {
            min_secs,
            max_secs,
            unit_secs,
        } => format!(
            "a duration from {} to {} such as 90 (seconds), 10m, 3h or 3d{}",
            format_seconds(*min_secs),
            format_seconds(*max_secs),
            if *unit_secs > 1 {
                format!(", in whole {}", unit_name(*unit_secs))
            } else {
                String::new()
            }
        ),
        FieldKind::Switch => "on or off".to_owned(),
        FieldKind::Channel(filter) => format!(
            "a {} of this server (pick one, or paste its id such as 1083124816349421618)",
            filter.noun()
        ),
        FieldKind::Role => {
            "a role of this server (pick one, or paste its id such as 1083124816349421618)"
                .to_owned()
        }
        FieldKind::Member => {
            "a member's id, a number such as 1083124816349421618 (copy it with Developer Mode)"
                .to_owned()
        }
        FieldKind::List { of, max } => format!("at most {max} items, each {}", accepted(of)),
        FieldKind::Template {
            max_chars,
            placeholders,
        } => format!(
            "text of at most {max_chars} characters using only the placeholders {}",
            braces(placeholders)
        ),
        FieldKind::Choice(choices) => format!("one of {}", choices.join(", ")),
    }
}

fn braces(names: &[&str]) -> String {
    if names.is_empty() {
        return "(none)".to_owned();
    }
    names
        .iter()
        .map(|name| format!("{{{name}}}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn parse_one(key: &str, kind: &FieldKind, raw: &str) -> Result<Value, String> {
    let trimmed = raw.trim();
    let refuse = || format!("must be {}, got `{trimmed}`", accepted(kind));
    match kind {
        FieldKind::Text { max_chars } => {
            text::check(key, raw, TextKind::Name).map_err(|error| without_key(key, &error))?;
            check_length(trimmed, *max_chars)?;
            Ok(Value::String(trimmed.to_owned()))
        }
        FieldKind::Template {
            max_chars,
            placeholders,
        } => {
            text::check(key, raw, TextKind::Prose).map_err(|error| without_key(key, &error))?;
            check_length(trimmed, *max_chars)?;
            if let Some(unknown) =
                placeholder_names(trimmed).find(|name| !placeholders.contains(name))
            {
                return Err(format!(
                    "uses the unknown placeholder {{{unknown}}}; the placeholders are {}",
                    braces(placeholders)
                ));
            }
            Ok(Value::String(trimmed.to_owned()))
        }
        FieldKind::Number { min, max } => match trimmed.parse::<i64>() {
            Ok(number) if (*min..=*max).contains(&number) => Ok(Value::from(number)),
            _ => Err(refuse()),
        },
        FieldKind::Duration {
            min_secs,
            max_secs,
            unit_secs,
        } => {
            let Some(secs) = parse_seconds(trimmed) else {
                return Err(refuse());
            };
            if !(*min_secs..=*max_secs).contains(&secs) {
                return Err(format!(
                    "must be from {} to {}, got {}",
                    format_seconds(*min_secs),
                    format_seconds(*max_secs),
                    format_seconds(secs)
                ));
            }
            let unit = (*unit_secs).max(1);
            if secs % unit != 0 {
                return Err(format!(
                    "must be a whole number of {}, got {}",
                    unit_name(unit),
                    format_seconds(secs)
                ));
            }
            Ok(Value::from(secs / unit))
        }
        FieldKind::Choice(choices) => {
            if choices.contains(&trimmed) {
                Ok(Value::String(trimmed.to_owned()))
            } else {
                Err(refuse())
            }
        }
        FieldKind::Channel(_) => trimmed
            .parse::<ChannelId>()
            .map(|id| Value::String(id.to_string()))
            .map_err(|_| refuse()),
        FieldKind::Role => trimmed
            .parse::<RoleId>()
            .map(|id| Value::String(id.to_string()))
            .map_err(|_| refuse()),
        FieldKind::Member => trimmed
            .parse::<UserId>()
            .map(|id| Value::String(id.to_string()))
            .map_err(|_| refuse()),
        FieldKind::Switch => parse_switch(&[raw]),
        FieldKind::List { of, max } => parse_list(key, of, *max, &[raw]),
    }
}

/// The text check's sentence without its leading key (the form shows it under the field).
fn without_key(key: &str, error: &text::TextError) -> String {
    let message = error.to_string();
    message
        .strip_prefix(key)
        .map_or_else(|| message.clone(), |rest| rest.trim_start().to_owned())
}

fn check_length(text: &str, max_chars: usize) -> Result<(), String> {
    let length = text.chars().count();
    if length > max_chars {
        return Err(format!(
            "must be at most {max_chars} characters, got {length}"
        ));
    }
    Ok(())
}

fn parse_list(key: &str, of: &FieldKind, max: usize, given: &[&str]) -> Result<Value, String> {
    let ids = matches!(
        of,
        FieldKind::Channel(_) | FieldKind::Role | FieldKind::Member | FieldKind::Number { .. }
    );
    let items: Vec<&str> = given
        .iter()
        .flat_map(|value| {
            value
                .split(|c: char| c == '\n' || c == '\r' || (ids && (c == ',' || c.is_whitespace())))
                .map(str::trim)
                .filter(|item| !item.is_empty())
        })
        .collect();
    if items.len() > max {
        return Err(format!(
            "must list at most {max} items, got {}",
            items.len()
        ));
    }
    let mut values = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        let value = parse_one(key, of, item)
            .map_err(|message| format!("item {} (`{item}`) {message}", index + 1))?;
        values.push(value);
    }
    Ok(Value::Array(values))
}

/// The placeholder names a template uses: each `{name}` where `name` is letters, digits or
/// underscores. Other braces are plain text.
pub fn placeholder_names(template: &str) -> impl Iterator<Item = &str> {
    template.match_indices('{').filter_map(move |(start, _)| {
        let rest = &template[start + 1..];
        let end = rest.find('}')?;
        let name = &rest[..end];
        let is_name = !name.is_empty()
            && name
                .chars()
                .all(|character| character.is_ascii_alphanumeric() || character == '_');
        is_name.then_some(name)
    })
}

fn unit_name(unit_secs: u64) -> &'static str {
    match unit_secs {
        60 => "minutes",
        3_600 => "hours",
        86_400 => "days",
        _ => "seconds",
    }
}

/// Seconds in the largest unit that divides them, as [`parse_seconds`] reads them back:
/// `3d`, `2h`, `10m`, `90`.
pub fn format_seconds(secs: u64) -> String {
    match secs {
        0 => "0".to_owned(),
        _ if secs.is_multiple_of(86_400) => format!("{}d", secs / 86_400),
        _ if secs.is_multiple_of(3_600) => format!("{}h", secs / 3_600),
        _ if secs.is_multiple_of(60) => format!("{}m", secs / 60),
        _ => secs.to_string(),
    }
}

/// How a field's stored value is written in its form input: a duration in its largest unit,
/// a list one item per line, none as empty. [`parse_form`] reads this back to the same value.
pub fn display_value(kind: &FieldKind, value: &Value) -> String {
    match (kind, value) {
        (_, Value::Null) => String::new(),
        (FieldKind::Duration { unit_secs, .. }, Value::Number(number)) => {
            number.as_u64().map_or_else(
                || number.to_string(),
                |stored| format_seconds(stored.saturating_mul(*unit_secs)),
            )
        }
        (FieldKind::List { of, .. }, Value::Array(items)) => items
            .iter()
            .map(|item| display_value(of, item))
            .collect::<Vec<_>>()
            .join("\n"),
        (FieldKind::Switch, Value::Bool(on)) => if *on { "on" } else { "off" }.to_owned(),
        (_, Value::String(text)) => text.clone(),
        (_, other) => other.to_string(),
    }
}

/// The pairs a form filled with `value` submits (what the dashboard's page shows, and what
/// tests post): one per field, a list one per item, an off switch not at all.
pub fn form_pairs(section: &dyn SectionOps, value: &Value) -> Vec<(String, String)> {
    let mut pairs = Vec::new();
    for field in section.fields() {
        let current = value_at(value, field.key).unwrap_or(&Value::Null);
        match (&field.kind, current) {
            (FieldKind::Switch, Value::Bool(false)) => {}
            (FieldKind::List { of, .. }, Value::Array(items)) => {
                for item in items {
                    pairs.push((field.key.to_owned(), display_value(of, item)));
                }
            }
            (kind, current) => pairs.push((field.key.to_owned(), display_value(kind, current))),
        }
    }
    pairs
}

/// The described field a settings error is about: `tickets.category` (or
/// `giveaways.default_requirements.min_level`, or `logging.ignored_channels[2]`) names the
/// field whose key it starts with. `None` for an error about no described field.
pub fn field_of_error(section: &dyn SectionOps, error: &GuildConfigError) -> Option<&'static str> {
    let key = match error {
        GuildConfigError::Invalid { key, .. } | GuildConfigError::UnknownKey { key, .. } => key,
        _ => return None,
    };
    let rest = key.strip_prefix(section.name())?.strip_prefix('.')?;
    section
        .fields()
        .iter()
        .filter(|field| {
            rest == field.key
                || rest
                    .strip_prefix(field.key)
                    .is_some_and(|tail| tail.starts_with(['.', '[']))
        })
        .map(|field| field.key)
        .max_by_key(|key| key.len())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)] // Tests may unwrap: a panic is the failure report.

    use serde_json::json;

    use super::*;
    use crate::guild_config::sections::{self, SECTIONS};

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
            .collect()
    }

    fn one(kind: FieldKind, given: &[&str]) -> Result<Value, String> {
        parse_field("field", &kind, given, false)
    }

    #[test]
    fn text_is_trimmed_bounded_and_free_of_control_characters() {
        let kind = FieldKind::Text { max_chars: 5 };
        assert_eq!(one(kind, &[" ?? "]), Ok(json!("??")));
        assert_eq!(one(kind, &[]), Ok(json!("")));
        let long = one(kind, &["abcdef"]).unwrap_err();
        assert!(long.contains("at most 5 characters, got 6"), "{long}");
        let control = one(kind, &["a\u{0}b"]).unwrap_err();
        assert!(
            control.starts_with("must not contain control characters (U+0000 at character 2)"),
            "{control}"
        );
        let line = one(kind, &["a\nb"]).unwrap_err();
        assert!(line.contains("line breaks"), "{line}");
        let bidi = one(kind, &["\u{202E}ab"]).unwrap_err();
        assert!(bidi.contains("bidirectional"), "{bidi}");
    }

    #[test]
    fn numbers_are_whole_and_within_their_bounds() {
        let kind = FieldKind::Number { min: 1, max: 120 };
        assert_eq!(one(kind, &[" 30 "]), Ok(json!(30)));
        for bad in ["abc", "1.5", "0", "121", "-3", "1e3"] {
            let message = one(kind, &[bad]).unwrap_err();
            assert_eq!(
                message,
                format!("must be a whole number from 1 to 120, got `{bad}`")
            );
        }
        assert_eq!(
            one(kind, &[""]).unwrap_err(),
            "is required: a whole number from 1 to 120"
        );
        assert_eq!(parse_field("f", &kind, &[""], true), Ok(Value::Null));
    }

    #[test]
    fn durations_take_units_and_are_stored_in_theirs() {
        let seconds = FieldKind::Duration {
            min_secs: 30,
            max_secs: 86_400,
            unit_secs: 1,
        };
        assert_eq!(one(seconds, &["90"]), Ok(json!(90)));
        assert_eq!(one(seconds, &["10m"]), Ok(json!(600)));
        assert_eq!(one(seconds, &["1d"]), Ok(json!(86_400)));
        let bad = one(seconds, &["ten minutes"]).unwrap_err();
        assert!(
            bad.starts_with("must be a duration from 30 to 1d such as 90 (seconds), 10m, 3h or 3d"),
            "{bad}"
        );
        assert!(bad.ends_with("got `ten minutes`"), "{bad}");
        assert_eq!(
            one(seconds, &["2d"]).unwrap_err(),
            "must be from 30 to 1d, got 2d"
        );
        assert_eq!(
            one(seconds, &["10"]).unwrap_err(),
            "must be from 30 to 1d, got 10"
        );
        let hours = FieldKind::Duration {
            min_secs: 0,
            max_secs: 720 * 3_600,
            unit_secs: 3_600,
        };
        assert_eq!(one(hours, &["3d"]), Ok(json!(72)));
        assert_eq!(one(hours, &["0"]), Ok(json!(0)));
        assert_eq!(
            one(hours, &["90m"]).unwrap_err(),
            "must be a whole number of hours, got 90m"
        );
        assert_eq!(display_value(&hours, &json!(72)), "3d");
        assert_eq!(display_value(&hours, &json!(5)), "5h");
        assert_eq!(display_value(&seconds, &json!(90)), "90");
    }

    #[test]
    fn switches_are_off_when_absent() {
        assert_eq!(one(FieldKind::Switch, &[]), Ok(json!(false)));
        assert_eq!(one(FieldKind::Switch, &["on"]), Ok(json!(true)));
        assert_eq!(one(FieldKind::Switch, &["off", "on"]), Ok(json!(true)));
        assert_eq!(
            one(FieldKind::Switch, &["maybe"]).unwrap_err(),
            "must be on or off, got `maybe`"
        );
    }

    #[test]
    fn channels_roles_and_members_are_ids_or_none() {
        let channel = FieldKind::Channel(ChannelFilter::Messages);
        assert_eq!(one(channel, &["42"]), Ok(json!("42")));
        assert_eq!(one(channel, &[""]), Ok(Value::Null));
        assert_eq!(one(channel, &[]), Ok(Value::Null));
        let bad = one(channel, &["#general"]).unwrap_err();
        assert!(
            bad.starts_with("must be a text channel of this server")
                && bad.ends_with("got `#general`"),
            "{bad}"
        );
        assert_eq!(one(FieldKind::Role, &["7"]), Ok(json!("7")));
        assert!(one(FieldKind::Role, &["007"]).is_err(), "ids are canonical");
        assert_eq!(one(FieldKind::Member, &[" 9 "]), Ok(json!("9")));
        assert!(
            one(FieldKind::Member, &["@someone"])
                .unwrap_err()
                .contains("a member's id")
        );
    }

    #[test]
    fn lists_come_from_repeated_keys_or_separated_text() {
        let roles = FieldKind::List {
            of: &FieldKind::Role,
            max: 3,
        };
        assert_eq!(one(roles, &[]), Ok(json!([])));
        assert_eq!(one(roles, &["1", "2"]), Ok(json!(["1", "2"])));
        assert_eq!(one(roles, &["1, 2\n3"]), Ok(json!(["1", "2", "3"])));
        assert_eq!(
            one(roles, &["1 2 3 4"]).unwrap_err(),
            "must list at most 3 items, got 4"
        );
        let bad = one(roles, &["1, x"]).unwrap_err();
        assert!(bad.starts_with("item 2 (`x`) must be a role"), "{bad}");
        let texts = FieldKind::List {
            of: &FieldKind::Text { max_chars: 10 },
            max: 5,
        };
        assert_eq!(one(texts, &["a, b\nc"]), Ok(json!(["a, b", "c"])));
    }

    #[test]
    fn templates_use_only_their_placeholders() {
        let kind = FieldKind::Template {
            max_chars: 50,
            placeholders: &["user", "level"],
        };
        assert_eq!(
            one(kind, &["GG {user}, level {level}! {not a placeholder}"]),
            Ok(json!("GG {user}, level {level}! {not a placeholder}"))
        );
        assert_eq!(
            one(kind, &["{user} is {rank}"]).unwrap_err(),
            "uses the unknown placeholder {rank}; the placeholders are {user}, {level}"
        );
        assert_eq!(one(kind, &["line\nbreak"]), Ok(json!("line\nbreak")));
        assert!(
            one(kind, &["bell\u{7}"])
                .unwrap_err()
                .contains("control characters")
        );
    }

    #[test]
    fn choices_are_one_of_their_words() {
        let kind = FieldKind::Choice(&["thread", "channel"]);
        assert_eq!(one(kind, &["channel"]), Ok(json!("channel")));
        assert_eq!(
            one(kind, &["forum"]).unwrap_err(),
            "must be one of thread, channel, got `forum`"
        );
    }

    #[test]
    fn a_form_keeps_what_it_does_not_describe_and_reports_every_bad_field() {
        let tickets = sections::section("tickets").unwrap();
        let mut current = tickets.default_json();
        current["transcript_retention_days"] = json!(30);
        let form = pairs(&[
            ("mode", "thread"),
            ("category", ""),
            ("staff_roles", "5"),
            ("staff_roles", "6"),
            ("one_open_per_member", "on"),
            ("auto_close_hours", "2d"),
            ("auto_close_warning_minutes", "1h"),
            ("transcript_retention_days", "30d"),
            ("csrf", "ignored"),
        ]);
        let next = parse_form(tickets, &current, &form).unwrap();
        assert_eq!(next["staff_roles"], json!(["5", "6"]));
        assert_eq!(next["auto_close_hours"], json!(48));
        assert_eq!(next["auto_close_warning_minutes"], json!(60));
        assert!(tickets.normalize(next).is_ok());

        let bad = pairs(&[
            ("mode", "thread"),
            ("auto_close_hours", "soon"),
            ("auto_close_warning_minutes", "1h"),
            ("transcript_retention_days", "9999d"),
        ]);
        let errors = parse_form(tickets, &current, &bad).unwrap_err();
        assert_eq!(
            errors
                .fields
                .iter()
                .map(|(key, _)| *key)
                .collect::<Vec<_>>(),
            ["auto_close_hours", "transcript_retention_days"]
        );
        assert!(
            errors
                .get("auto_close_hours")
                .unwrap()
                .contains("got `soon`")
        );
        assert!(
            errors
                .to_string()
                .starts_with("auto_close_hours must be a duration")
        );
    }

    #[test]
    fn nested_keys_change_only_their_path() {
        let levels = sections::section("levels").unwrap();
        let current = levels.default_json();
        let mut form = form_pairs(levels, &current);
        form.retain(|(key, _)| key != "announce.template");
        form.push(("announce.template".into(), "{user} is level {level}".into()));
        let next = parse_form(levels, &current, &form).unwrap();
        assert_eq!(
            next["announce"]["template"],
            json!("{user} is level {level}")
        );
        assert_eq!(next["announce"]["mode"], current["announce"]["mode"]);
        assert_eq!(next["curve"], current["curve"]);
    }

    #[test]
    fn every_described_field_exists_and_round_trips_its_default() {
        for section in SECTIONS {
            let defaults = section.default_json();
            for field in section.fields() {
                assert!(
                    value_at(&defaults, field.key).is_some(),
                    "{}.{} is described but not a key",
                    section.name(),
                    field.key
                );
                assert!(!field.label.is_empty() && !field.help.is_empty());
            }
            let form = form_pairs(*section, &defaults);
            let parsed = parse_form(*section, &defaults, &form)
                .unwrap_or_else(|errors| panic!("{}: {errors}", section.name()));
            assert_eq!(parsed, defaults, "{}", section.name());
            assert_eq!(section.normalize(parsed).unwrap(), defaults);
        }
        let described = |name: &str| !sections::section(name).unwrap().fields().is_empty();
        for name in [
            "general",
            "commands",
            "tickets",
            "moderation",
            "levels",
            "roles",
            "giveaways",
        ] {
            assert!(described(name), "{name}");
        }
    }

    #[test]
    fn errors_of_the_section_checks_point_at_their_field() {
        let giveaways = sections::section("giveaways").unwrap();
        let error = GuildConfigError::Invalid {
            key: "giveaways.default_requirements.min_level".into(),
            message: String::new(),
        };
        assert_eq!(
            field_of_error(giveaways, &error),
            Some("default_requirements.min_level")
        );
        let error = GuildConfigError::Invalid {
            key: "giveaways.manager_roles[3]".into(),
            message: String::new(),
        };
        assert_eq!(field_of_error(giveaways, &error), Some("manager_roles"));
        let error = GuildConfigError::Invalid {
            key: "giveaways.default_requirements".into(),
            message: String::new(),
        };
        assert_eq!(field_of_error(giveaways, &error), None);
    }
}
