//! End-to-end checks of the engine: settings JSON in, verdicts out.

use serde_json::{Value, json};

use super::*;
use crate::clock::UnixMillis;
use crate::ids::{ChannelId, GuildId, RoleId, UserId};

const START: i64 = 1_700_000_000_000;

fn rules(settings: Value) -> CompiledRules {
    let settings: AutomodSettings = serde_json::from_value(settings).unwrap();
    compile(&settings).unwrap()
}

fn message(content: &str) -> MessageInput<'_> {
    MessageInput {
        guild: GuildId::new(10),
        channel: ChannelId::new(20),
        author: UserId::new(30),
        author_roles: &[],
        author_can_mention_everyone: false,
        content,
        user_mentions: 0,
        role_mentions: 0,
        mentions_everyone: false,
        is_bot: false,
    }
}

/// The rules that fire on `text` as the first message of a member, with what they matched.
fn check(settings: Value, text: &str) -> Vec<(RuleKind, Option<String>)> {
    let rules = rules(settings);
    rules
        .check(&mut AutomodState::new(), &message(text), UnixMillis(START))
        .hits
        .into_iter()
        .map(|hit| (hit.rule, hit.matched))
        .collect()
}

fn on(rule: &str, parameters: Value) -> Value {
    let mut settings = parameters;
    settings["enabled"] = json!(true);
    json!({ rule: settings })
}

/// The rule expected to fire, and what it should match.
type Expected<'a> = Option<(RuleKind, Option<&'a str>)>;

#[test]
fn each_message_rule_fires_and_stays_quiet() {
    let words = json!({"words": ["bad", "kill yourself"]});
    let cases: Vec<(Value, &str, Expected<'_>)> = vec![
        (
            on("caps", json!({})),
            "WHY IS NOBODY ANSWERING ME",
            Some((RuleKind::Caps, None)),
        ),
        (on("caps", json!({})), "Why is nobody answering me", None),
        (on("caps", json!({})), "LOL OK", None),
        (
            on("invites", json!({})),
            "come to discord.gg/freestuff",
            Some((RuleKind::Invites, Some("discord.gg/freestuff"))),
        ),
        (
            on("invites", json!({})),
            "come to discord . gg / freestuff",
            Some((RuleKind::Invites, Some("discord.gg/freestuff"))),
        ),
        (
            on("invites", json!({"allowed_codes": ["ours"]})),
            "discord.gg/ours",
            None,
        ),
        (on("invites", json!({})), "discord is great", None),
        (
            on("links", json!({"deny_domains": ["scam.example"]})),
            "see https://login.scam.example/now",
            Some((RuleKind::Links, Some("https://login.scam.example"))),
        ),
        (
            on("links", json!({"deny_domains": ["scam.example"]})),
            "see https://example.org",
            None,
        ),
        (
            on(
                "links",
                json!({"mode": "allow_list", "allow_domains": ["youtube.com"]}),
            ),
            "https://youtube.com/watch?v=x and https://evil.net",
            Some((RuleKind::Links, Some("https://evil.net"))),
        ),
        (
            on("bad_words", words.clone()),
            "you are b.4.d",
            Some((RuleKind::BadWords, Some("b.4.d"))),
        ),
        (
            on("bad_words", words.clone()),
            "just k1ll   YOURSELF",
            Some((RuleKind::BadWords, Some("k1ll   YOURSELF"))),
        ),
        (on("bad_words", words.clone()), "what a badge", None),
        (
            on("bad_patterns", json!({"patterns": [r"fr[e3]{2}\s*nitro"]})),
            "FREE nitro here",
            Some((RuleKind::BadPatterns, Some("FREE nitro"))),
        ),
        (
            on("bad_patterns", json!({"patterns": [r"fr[e3]{2}\s*nitro"]})),
            "nitro is fine",
            None,
        ),
        (
            on("bad_patterns", json!({"patterns": ["bad"]})),
            "b\u{200B}ad",
            Some((RuleKind::BadPatterns, Some("bad"))),
        ),
        (
            on("mentions", json!({})),
            "@everyone free stuff",
            Some((RuleKind::Mentions, None)),
        ),
        (on("mentions", json!({})), "everyone say hi", None),
    ];
    for (settings, text, expected) in cases {
        let hits = check(settings.clone(), text);
        let expected: Vec<(RuleKind, Option<String>)> = expected
            .into_iter()
            .map(|(rule, matched)| (rule, matched.map(str::to_owned)))
            .collect();
        assert_eq!(hits, expected, "{settings} on {text:?}");
    }
}

#[test]
fn disabled_rules_never_fire() {
    let settings = json!({
        "caps": {"enabled": false},
        "bad_words": {"enabled": false, "words": ["bad"]},
    });
    assert!(check(settings, "BAD BAD BAD BAD BAD").is_empty());
    assert!(rules(json!({})).is_empty());
}

#[test]
fn mass_mentions_depend_on_permission_and_counts() {
    let rules = rules(on(
        "mentions",
        json!({"max_user_mentions": 3, "max_role_mentions": 1}),
    ));
    let mut state = AutomodState::new();
    let now = UnixMillis(START);
    let cases = [
        (true, false, 0, 0, false),
        (true, true, 0, 0, true),
        (false, true, 0, 0, false),
        (true, false, 3, 1, false),
        (true, false, 4, 0, true),
        (true, false, 0, 2, true),
    ];
    for (mentions_everyone, lacks_permission, users, roles, fires) in cases {
        let input = MessageInput {
            mentions_everyone: mentions_everyone && !lacks_permission,
            author_can_mention_everyone: !lacks_permission,
            user_mentions: users,
            role_mentions: roles,
            ..message(if mentions_everyone {
                "@here look"
            } else {
                "look"
            })
        };
        let verdict = rules.check(&mut state, &input, now);
        assert_eq!(!verdict.is_clean(), fires, "{input:?}");
    }
}

#[test]
fn spam_fires_on_the_message_past_the_limit_and_slides() {
    let rules = rules(on("spam", json!({"max_messages": 3, "window_secs": 5})));
    let mut state = AutomodState::new();
    let mut fired = Vec::new();
    // Four messages in 3 s, then quiet, then one more 10 s later.
    for (index, at) in [0, 1_000, 2_000, 3_000, 13_000].into_iter().enumerate() {
        let text = format!("message number {index}");
        let verdict = rules.check(&mut state, &message(&text), UnixMillis(START + at));
        fired.push(verdict.hits.first().map(|hit| hit.reason.clone()));
    }
    assert_eq!(
        fired,
        vec![
            None,
            None,
            None,
            Some("4 messages in 5 s (at most 3 allowed)".to_owned()),
            None
        ]
    );
    // Another member is counted apart.
    let other = MessageInput {
        author: UserId::new(31),
        ..message("hello")
    };
    assert!(
        rules
            .check(&mut state, &other, UnixMillis(START + 3_100))
            .is_clean()
    );
}

fn duplicates_fired(texts: &[&str]) -> Vec<bool> {
    let rules = rules(on(
        "duplicates",
        json!({"max_duplicates": 2, "window_secs": 60}),
    ));
    let mut state = AutomodState::new();
    texts
        .iter()
        .enumerate()
        .map(|(index, text)| {
            let at = UnixMillis(START + 2_000 * i64::try_from(index).unwrap());
            !rules.check(&mut state, &message(text), at).is_clean()
        })
        .collect()
}

#[test]
fn near_duplicates_catch_reworded_repeats() {
    let fired = duplicates_fired(&[
        "buy cheap nitro at example.com now",
        "Buy CHEAP nitro at example dot com now!!",
        "buy cheap nitro now at example.com",
        "BUY cheap NITRO at example.com now",
    ]);
    assert_eq!(fired, vec![false, false, true, true]);
}

#[test]
fn unrelated_messages_are_not_duplicates() {
    let fired = duplicates_fired(&[
        "buy cheap nitro at example.com now",
        "has anyone finished the raid yet?",
        "buy me a coffee at the station tomorrow",
        "nitro boosting is cheap this month",
        "I think the new patch broke my build",
        "good morning everyone, coffee time",
    ]);
    assert_eq!(fired, vec![false; 6]);
}

#[test]
fn short_messages_and_old_repeats_are_not_duplicates() {
    assert_eq!(duplicates_fired(&["ok", "ok", "ok", "ok"]), vec![false; 4]);
    let rules = rules(on(
        "duplicates",
        json!({"max_duplicates": 1, "window_secs": 10}),
    ));
    let mut state = AutomodState::new();
    let text = "the same long message again";
    assert!(
        rules
            .check(&mut state, &message(text), UnixMillis(START))
            .is_clean()
    );
    // Outside the window: no longer counted.
    assert!(
        rules
            .check(&mut state, &message(text), UnixMillis(START + 11_000))
            .is_clean()
    );
    assert!(
        !rules
            .check(&mut state, &message(text), UnixMillis(START + 12_000))
            .is_clean()
    );
}

#[test]
fn exemptions_apply_per_rule() {
    let rules = rules(json!({
        "caps": {"enabled": true, "exempt_roles": ["500"]},
        "bad_words": {"enabled": true, "words": ["bad"], "exempt_channels": ["21"]},
    }));
    let text = "THIS IS REALLY BAD";
    let now = UnixMillis(START);
    let fired = |input: &MessageInput<'_>| -> Vec<RuleKind> {
        rules
            .check(&mut AutomodState::new(), input, now)
            .hits
            .iter()
            .map(|hit| hit.rule)
            .collect()
    };
    assert_eq!(
        fired(&message(text)),
        vec![RuleKind::Caps, RuleKind::BadWords]
    );
    let roles = [RoleId::new(499), RoleId::new(500)];
    let with_role = MessageInput {
        author_roles: &roles,
        ..message(text)
    };
    assert_eq!(fired(&with_role), vec![RuleKind::BadWords]);
    let in_channel = MessageInput {
        channel: ChannelId::new(21),
        ..message(text)
    };
    assert_eq!(fired(&in_channel), vec![RuleKind::Caps]);
    let bot = MessageInput {
        is_bot: true,
        ..message(text)
    };
    assert!(fired(&bot).is_empty());
}

#[test]
fn the_strongest_action_and_deletion_are_combined() {
    let rules = rules(json!({
        "caps": {"enabled": true, "action": {"kind": "warn"}, "delete_message": false},
        "bad_words": {
            "enabled": true, "words": ["bad"], "delete_message": false,
            "action": {"kind": "timeout", "duration_secs": 60}
        },
        "invites": {"enabled": true, "action": {"kind": "delete"}},
    }));
    let verdict = rules.check(
        &mut AutomodState::new(),
        &message("THIS IS BAD, JOIN DISCORD.GG/ABC"),
        UnixMillis(START),
    );
    assert_eq!(verdict.hits.len(), 3);
    assert_eq!(verdict.action, Some(Action::Timeout { duration_secs: 60 }));
    assert!(verdict.delete_message, "the delete action deletes");
    assert!(
        verdict
            .summary()
            .contains("automod bad_words: blocked word \"bad\"")
    );

    let verdict = rules.check(
        &mut AutomodState::new(),
        &message("THIS IS REALLY BAD"),
        UnixMillis(START),
    );
    assert!(!verdict.delete_message);
}

#[test]
fn explain_uses_history_for_the_spam_rules() {
    let mut settings = AutomodSettings::default();
    settings.enable(RuleKind::Duplicates);
    settings.enable(RuleKind::Spam);
    settings.enable(RuleKind::Mentions);
    let text = "buy cheap nitro now at example.com";
    assert!(explain(&settings, text, &[]).unwrap().is_empty());
    let history = [
        PriorMessage {
            content: "buy cheap nitro at example.com now",
            seconds_before: 20,
        },
        PriorMessage {
            content: "Buy CHEAP nitro at example dot com now!!",
            seconds_before: 10,
        },
    ];
    let hits = explain(&settings, text, &history).unwrap();
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert_eq!(hits[0].rule, RuleKind::Duplicates);
    assert_eq!(
        hits[0].reason,
        "3 near-identical messages in 60 s (at most 2 allowed)"
    );

    let mentions = "<@1> <@2> <@3> <@4> <@5> <@6>";
    let hits = explain(&settings, mentions, &[]).unwrap();
    assert_eq!(hits[0].reason, "6 user mentions (at most 5 allowed)");

    settings.caps.ratio = 3.0;
    assert_eq!(
        explain(&settings, "x", &[]).unwrap_err().field,
        "caps.ratio"
    );
}

#[test]
fn per_member_state_is_bounded() {
    let rules = rules(json!({
        "spam": {"enabled": true, "max_messages": 30, "window_secs": 300},
        "duplicates": {"enabled": true, "max_duplicates": 15, "window_secs": 3600},
    }));
    let mut state = AutomodState::new();
    // One member floods: their ring stops growing at its length.
    for index in 0..5_000i64 {
        let text = format!("flood message {index}");
        rules.check(&mut state, &message(&text), UnixMillis(START + index));
    }
    let one_member = state.window_bytes();
    assert!(one_member <= 2_048, "{one_member} bytes for one member");
    // Many members: the bytes grow linearly and stay small per member.
    for member in 0..10_000u64 {
        let input = MessageInput {
            author: UserId::new(1_000 + member),
            ..message("hello there everyone")
        };
        rules.check(&mut state, &input, UnixMillis(START + 10_000));
    }
    let per_member = state.window_bytes() / state.tracked_members();
    assert!(per_member <= 1_024, "{per_member} bytes per member");
}

#[test]
fn settings_json_round_trips() {
    let example = json!({
        "spam": {"enabled": true, "max_messages": 5, "window_secs": 5,
                 "action": {"kind": "timeout", "duration_secs": 300}},
        "duplicates": {"enabled": true, "similarity": 0.8, "max_duplicates": 2, "window_secs": 60},
        "caps": {"enabled": true, "ratio": 0.7, "min_letters": 10, "action": {"kind": "delete"}},
        "invites": {"enabled": true, "allowed_codes": ["guildhall"], "action": {"kind": "warn"}},
        "links": {"enabled": true, "mode": "deny_list", "deny_domains": ["grabify.link"]},
        "bad_words": {"enabled": true, "words": ["badword"], "whole_words": true},
        "bad_patterns": {"enabled": true, "patterns": [r"fr[e3]{2}\s*nitro"],
                         "action": {"kind": "ban", "delete_message_secs": 86400},
                         "exempt_roles": ["123"], "exempt_channels": ["456"]},
        "mentions": {"enabled": true, "everyone": true, "max_user_mentions": 5,
                     "max_role_mentions": null, "action": {"kind": "kick"}},
    });
    let settings: AutomodSettings = serde_json::from_value(example).unwrap();
    assert_eq!(settings.check(), Ok(()));
    assert!(compile(&settings).is_ok());
    let written = serde_json::to_value(&settings).unwrap();
    assert_eq!(written["bad_patterns"]["exempt_roles"], json!(["123"]));
    assert_eq!(written["mentions"]["max_role_mentions"], Value::Null);
    let again: AutomodSettings = serde_json::from_value(written).unwrap();
    assert_eq!(again, settings);
}
