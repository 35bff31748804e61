//! Property tests of every parser of outside input, in one place so that the list can be read
//! against the parsers there are: typed ids, operator times and dashboard durations, settings
//! values (every key of every section), announcement templates, automod words and patterns,
//! the levels CSV import, and the `custom_id`s of buttons and menus (text, with its own
//! validator in `text.rs`). For each: arbitrary input never panics, and it either parses or
//! is refused with a message naming the field (or line); where a printer exists, printing and
//! parsing again gives back the value.

use proptest::prelude::*;
use serde_json::Value;

use crate::clock::{UnixMillis, parse_duration, parse_seconds, parse_when};
use crate::giveaways::buttons::GiveawayButton;
use crate::guild_config::GuildConfigError;
use crate::guild_config::sections::{self, SECTIONS};
use crate::ids::{ChannelId, GuildId, RoleId};
use crate::levels::settings::LevelSettings;
use crate::roles::components::RoleComponent;
use crate::tickets::buttons::TicketButton;

/// Text that looks like what people type, and plain noise.
fn input() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[0-9]{0,25}",
        "[+-]?[0-9]{1,6} ?[smhdwy]?",
        "(in |\\+)[0-9]{1,12}(s|m|h|d|y|ms| [a-z]+)?",
        "\\{[a-z]{0,8}\\}?[^{}]{0,10}\\{?",
        "[a-z:0-9]{0,30}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn ids_parse_only_their_canonical_spelling_and_round_trip(text in input(), raw in 1..=u64::MAX) {
        if let Ok(id) = text.parse::<GuildId>() {
            prop_assert_eq!(id.to_string(), text.trim());
        } else {
            let error = text.parse::<ChannelId>().unwrap_err().to_string();
            prop_assert!(error.starts_with("channel id must be a Discord id"), "{}", error);
        }
        prop_assert_eq!(RoleId::new(raw).to_string().parse::<RoleId>(), Ok(RoleId::new(raw)));
    }

    #[test]
    fn operator_times_parse_or_say_what_is_accepted(text in input(), now in 0..i64::MAX / 2) {
        match parse_when(&text, UnixMillis(now)) {
            Ok(at) => prop_assert!(at.0 >= 0),
            Err(message) => prop_assert!(message.contains("use "), "{}", message),
        }
    }

    #[test]
    fn schedules_parse_or_name_the_field_and_runs_move_forward(
        text in prop_oneof![
            input(),
            "([0-9*/,L-]{1,6} ){4}[0-9A-Z*/,-]{1,8}",
            "@[a-z]{0,8}",
        ],
        now in 0..4_000_000_000_000i64,
    ) {
        match crate::automation::Schedule::parse(&text, "Europe/Berlin") {
            Ok(schedule) => {
                let runs = schedule.next_runs(UnixMillis(now), 3);
                prop_assert!(runs.windows(2).all(|pair| pair[0] < pair[1]), "{:?}", runs);
                prop_assert!(runs.iter().all(|run| run.0 > now));
            }
            Err(error) => prop_assert!(
                error.message.contains("field")
                    || error.message.contains("schedule")
                    || error.message.contains("must not contain"),
                "{}",
                error
            ),
        }
    }

    #[test]
    fn rfc3339_times_round_trip(seconds in 0u64..4_000_000_000) {
        let time = std::time::UNIX_EPOCH + std::time::Duration::from_secs(seconds);
        let printed = humantime::format_rfc3339(time).to_string();
        prop_assert_eq!(
            parse_when(&printed, UnixMillis(0)),
            Ok(UnixMillis::from_system_time(time))
        );
    }

    #[test]
    fn command_durations_parse_or_name_the_option_and_round_trip(text in input(), seconds in 1u64..10_000_000_000) {
        if let Err(message) = parse_duration(&text, "ban length") {
            prop_assert!(message.contains("is not a ban length; use e.g."), "{}", message);
        }
        let duration = std::time::Duration::from_secs(seconds);
        let printed = humantime::format_duration(duration).to_string();
        prop_assert_eq!(parse_duration(&printed, "ban length"), Ok(duration));
    }

    #[test]
    fn dashboard_durations_parse_and_round_trip(text in input(), value in 0u64..1_000_000, unit in 0usize..5) {
        let _ = parse_seconds(&text);
        let (suffix, factor) = [("", 1), ("s", 1), ("m", 60), ("h", 3_600), ("d", 86_400)][unit];
        prop_assert_eq!(parse_seconds(&format!("{value}{suffix}")), Some(value * factor));
    }

    #[test]
    fn every_settings_key_takes_any_text_or_refuses_it_naming_the_key(key_index in any::<prop::sample::Index>(), raw in input()) {
        let keys: Vec<String> = SECTIONS
            .iter()
            .flat_map(|section| {
                sections::keys(*section)
                    .into_iter()
                    .map(|field| format!("{}.{field}", section.name()))
            })
            .collect();
        let key = key_index.get(&keys);
        let (ops, field) = sections::resolve_key(key).unwrap();
        let current = ops.default_json();
        let field_value = current.get(&field).cloned().unwrap_or(Value::Null);
        let outcome = sections::parse_raw(key, &field_value, &raw).and_then(|value| {
            let mut next = current.clone();
            if let Some(fields) = next.as_object_mut() {
                fields.insert(field.clone(), value);
            }
            ops.normalize(next)
        });
        match outcome {
            Ok(normalized) => prop_assert!(normalized.is_object()),
            Err(GuildConfigError::Invalid { key: named, message }) => {
                prop_assert!(named.starts_with(ops.name()), "{} named {}", key, named);
                prop_assert!(message.starts_with(ops.name()), "{}: {}", key, message);
            }
            Err(other) => prop_assert!(other.to_string().contains(ops.name()), "{}: {}", key, other),
        }
    }

    #[test]
    fn every_described_field_takes_any_form_text_or_refuses_it_naming_the_field(field_index in any::<prop::sample::Index>(), raw in prop::collection::vec(input(), 0..3)) {
        let fields: Vec<_> = SECTIONS
            .iter()
            .flat_map(|section| section.fields().iter().map(move |field| (*section, field)))
            .collect();
        let (ops, field) = *field_index.get(&fields);
        let current = ops.default_json();
        // The form as the page shows it, with this field typed over.
        let mut form = crate::guild_config::fields::form_pairs(ops, &current);
        form.retain(|(key, _)| key != field.key);
        form.extend(raw.iter().map(|value| (field.key.to_owned(), value.clone())));
        match crate::guild_config::parse_form(ops, &current, &form) {
            Ok(next) => {
                // Whatever the form reads, the section's own checks have the last word.
                if let Err(error) = ops.normalize(next) {
                    prop_assert!(error.to_string().starts_with(ops.name()), "{}: {}", field.key, error);
                }
            }
            Err(errors) => {
                prop_assert_eq!(errors.fields.len(), 1);
                prop_assert_eq!(errors.fields[0].0, field.key);
                prop_assert!(!errors.fields[0].1.is_empty());
            }
        }
    }

    #[test]
    fn announcement_templates_are_checked_and_rendered_without_panicking(template in input()) {
        let mut levels = LevelSettings::default();
        levels.announce.template = template.clone();
        if let Err(error) = levels.check() {
            prop_assert!(error.field.starts_with("announce"), "{}", error.field);
        } else {
            let rendered = crate::levels::render_template(&template, crate::ids::UserId::new(1), 3, "Server");
            prop_assert!(!rendered.contains("{level}"), "{}", rendered);
        }
    }

    #[test]
    fn automod_words_and_patterns_are_checked_naming_the_rule(words in prop::collection::vec(input(), 0..5), patterns in prop::collection::vec(input(), 0..5)) {
        let mut automod = crate::automod::AutomodSettings::default();
        automod.bad_words.words = words;
        automod.bad_patterns.patterns = patterns.clone();
        if let Err(error) = automod.check() {
            prop_assert!(
                error.field.starts_with("bad_words") || error.field.starts_with("bad_patterns"),
                "{}", error.field
            );
        } else {
            prop_assert!(crate::automod::compile(&automod).is_ok());
        }
        for pattern in &patterns {
            if let Err(message) = crate::automod::validate_pattern(pattern) {
                prop_assert!(!message.is_empty());
            }
        }
    }

    #[test]
    fn csv_imports_parse_or_report_lines(text in prop::collection::vec(input(), 0..8)) {
        let text = text.join("\n");
        let parsed = crate::levels::csv::parse(&text);
        let lines = text.lines().count().max(1);
        for error in &parsed.errors {
            prop_assert!(error.line >= 1 && error.line <= lines, "line {} of {}", error.line, lines);
        }
        prop_assert_eq!(parsed.rows.len() + parsed.error_count <= lines, true);
    }

    #[test]
    fn csv_exports_import_again(members in prop::collection::vec((1u64..u64::MAX, 0i64..crate::levels::MAX_XP), 1..20)) {
        let mut members = members;
        members.sort_by_key(|(user, _)| *user);
        members.dedup_by_key(|(user, _)| *user);
        let rows: Vec<crate::levels::store::MemberXp> = members
            .iter()
            .map(|(user, xp)| crate::levels::store::MemberXp {
                user: crate::ids::UserId::new(*user),
                xp: *xp,
                level: 0,
                messages: 0,
                voice_seconds: 0,
                updated_at: UnixMillis(0),
            })
            .collect();
        let printed = crate::levels::csv::export(&rows, &crate::levels::LevelCurve::default());
        let parsed = crate::levels::csv::parse(&printed);
        prop_assert!(parsed.is_ok(), "{:?}", parsed.errors);
        let expected: Vec<_> = members.iter().map(|(user, xp)| (crate::ids::UserId::new(*user), *xp)).collect();
        prop_assert_eq!(parsed.members(), expected);
    }

    #[test]
    fn custom_ids_parse_or_are_ignored_and_round_trip(text in input(), id in 1i64..i64::MAX, slot in 1u32..u32::MAX, role in 1u64..u64::MAX) {
        let _ = GiveawayButton::parse(&text);
        let _ = RoleComponent::parse(&text);
        let _ = TicketButton::parse(&text);
        for button in [GiveawayButton::Enter(id.into()), GiveawayButton::Leave(id.into()), GiveawayButton::Claim(id.into(), slot)] {
            prop_assert_eq!(GiveawayButton::parse(&button.custom_id()), Some(button));
        }
        for component in [RoleComponent::Button { panel: id.into(), role: RoleId::new(role) }, RoleComponent::Select { panel: id.into() }] {
            prop_assert_eq!(RoleComponent::parse(&component.custom_id()), Some(component));
        }
        for button in [TicketButton::Open(id.into()), TicketButton::Claim(id), TicketButton::Close(id), TicketButton::Reopen(id)] {
            prop_assert_eq!(TicketButton::parse(&button.custom_id()), Some(button));
        }
    }
}
