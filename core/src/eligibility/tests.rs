//! Table-driven checks of the engine: requirements JSON and a member in, sentences out.

use std::collections::HashMap;
use std::time::Duration;

use serde_json::{Value, json};

use super::*;
use crate::clock::UnixMillis;
use crate::guild_config::sections::FieldError;
use crate::ids::{RoleId, UserId};

const NOW: i64 = 1_750_000_000_000;
const MINUTE: u64 = 60;
const HOUR: u64 = 3_600;
const DAY: u64 = 86_400;

/// A member described the way the tests think of them; `facts` turns them into [`Facts`].
#[derive(Debug, Clone)]
struct Member {
    roles: Vec<u64>,
    level: Option<u32>,
    account_age_secs: u64,
    membership_secs: Option<u64>,
    warnings: u32,
}

impl Default for Member {
    /// A member who meets every requirement below except the ones a row changes.
    fn default() -> Self {
        Self {
            roles: Vec::new(),
            level: Some(10),
            account_age_secs: 400 * DAY,
            membership_secs: Some(100 * DAY),
            warnings: 0,
        }
    }
}

impl Member {
    /// The member's id: a snowflake minted `account_age_secs` before [`NOW`].
    fn user(&self) -> UserId {
        let created = NOW - i64::try_from(self.account_age_secs * 1_000).unwrap();
        let since_epoch = u64::try_from(created - UserId::DISCORD_EPOCH_MS).unwrap();
        UserId::new((since_epoch << 22) | 0b1_0110)
    }

    fn roles(&self) -> Vec<RoleId> {
        self.roles.iter().copied().map(RoleId::new).collect()
    }

    fn facts<'a>(&self, roles: &'a [RoleId]) -> Facts<'a> {
        let now = UnixMillis(NOW);
        Facts {
            user: self.user(),
            roles,
            level: self.level,
            joined_at: self
                .membership_secs
                .map(|secs| now.minus(Duration::from_secs(secs))),
            active_warnings: self.warnings,
            now,
        }
    }
}

fn names() -> HashMap<RoleId, String> {
    [
        (1, "Supporter"),
        (2, "Booster"),
        (3, "Verified"),
        (4, "Member"),
        (5, "Muted"),
    ]
    .into_iter()
    .map(|(id, name)| (RoleId::new(id), name.to_owned()))
    .collect()
}

fn requirements(value: Value) -> Requirements {
    let requirements: Requirements = serde_json::from_value(value).unwrap();
    requirements.check().unwrap();
    requirements
}

/// The sentences `member` is refused with under `requirements`.
fn refusals(requirements_json: Value, member: &Member) -> Vec<String> {
    let roles = member.roles();
    let verdict = evaluate(&requirements(requirements_json), &member.facts(&roles));
    assert_eq!(verdict.is_eligible(), verdict.unmet.is_empty());
    verdict.words(&names())
}

#[test]
fn each_requirement_kind_met_and_unmet_in_words() {
    let blocked_user = Member::default().user().to_string();
    let cases: Vec<(&str, Value, Member, &[&str])> = vec![
        ("no requirements", json!({}), Member::default(), &[]),
        // any_roles
        (
            "any role: has one",
            json!({"any_roles": ["1", "2"]}),
            Member {
                roles: vec![2],
                ..Member::default()
            },
            &[],
        ),
        (
            "any role: has none",
            json!({"any_roles": ["1", "2"]}),
            Member {
                roles: vec![3],
                ..Member::default()
            },
            &["You need one of these roles: @Supporter, @Booster."],
        ),
        (
            "any role: a single option",
            json!({"any_roles": ["1"]}),
            Member::default(),
            &["You need the @Supporter role."],
        ),
        (
            "any role: an unnamed role is its mention",
            json!({"any_roles": ["1", "99"]}),
            Member::default(),
            &["You need one of these roles: @Supporter, <@&99>."],
        ),
        // all_roles
        (
            "all roles: has every one",
            json!({"all_roles": ["3", "4"]}),
            Member {
                roles: vec![1, 4, 3],
                ..Member::default()
            },
            &[],
        ),
        (
            "all roles: misses one",
            json!({"all_roles": ["3", "4"]}),
            Member {
                roles: vec![4],
                ..Member::default()
            },
            &["You need all of these roles: @Verified, @Member; you are missing @Verified."],
        ),
        (
            "all roles: misses every one",
            json!({"all_roles": ["3", "4"]}),
            Member::default(),
            &[
                "You need all of these roles: @Verified, @Member; you are missing @Verified, @Member.",
            ],
        ),
        (
            "all roles: a single role",
            json!({"all_roles": ["3"]}),
            Member::default(),
            &["You need the @Verified role."],
        ),
        // min_level
        (
            "level: exactly the minimum",
            json!({"min_level": 5}),
            Member {
                level: Some(5),
                ..Member::default()
            },
            &[],
        ),
        (
            "level: too low",
            json!({"min_level": 5}),
            Member {
                level: Some(2),
                ..Member::default()
            },
            &["You need level 5; you are level 2."],
        ),
        (
            "level: no experience yet",
            json!({"min_level": 1}),
            Member {
                level: Some(0),
                ..Member::default()
            },
            &["You need level 1; you are level 0."],
        ),
        (
            "level: levels not tracked",
            json!({"min_level": 5}),
            Member {
                level: None,
                ..Member::default()
            },
            &["You need level 5; this server does not track levels at the moment."],
        ),
        (
            "level: zero requires nothing, even untracked",
            json!({"min_level": 0}),
            Member {
                level: None,
                ..Member::default()
            },
            &[],
        ),
        // min_account_age_secs
        (
            "account age: exactly the minimum",
            json!({"min_account_age_secs": 7 * DAY}),
            Member {
                account_age_secs: 7 * DAY,
                ..Member::default()
            },
            &[],
        ),
        (
            "account age: a second short",
            json!({"min_account_age_secs": 7 * DAY}),
            Member {
                account_age_secs: 7 * DAY - 1,
                ..Member::default()
            },
            &[
                "Your account must be at least 7 days old; it is 6 days 23 hours old (wait another 1 second).",
            ],
        ),
        (
            "account age: whole days",
            json!({"min_account_age_secs": 7 * DAY}),
            Member {
                account_age_secs: 2 * DAY,
                ..Member::default()
            },
            &["Your account must be at least 7 days old; it is 2 days old (wait another 5 days)."],
        ),
        (
            "account age: the age rounds down, the wait rounds up",
            json!({"min_account_age_secs": 7 * DAY}),
            Member {
                account_age_secs: 2 * DAY + 3 * HOUR + 20 * MINUTE,
                ..Member::default()
            },
            &[
                "Your account must be at least 7 days old; it is 2 days 3 hours old (wait another 4 days 21 hours).",
            ],
        ),
        // min_membership_secs
        (
            "membership: exactly the minimum",
            json!({"min_membership_secs": DAY}),
            Member {
                membership_secs: Some(DAY),
                ..Member::default()
            },
            &[],
        ),
        (
            "membership: joined recently",
            json!({"min_membership_secs": DAY}),
            Member {
                membership_secs: Some(3 * HOUR),
                ..Member::default()
            },
            &[
                "You must have been in the server for at least 1 day; you joined 3 hours ago (wait another 21 hours).",
            ],
        ),
        (
            "membership: joined seconds ago",
            json!({"min_membership_secs": 10 * MINUTE}),
            Member {
                membership_secs: Some(0),
                ..Member::default()
            },
            &[
                "You must have been in the server for at least 10 minutes; you joined less than a second ago (wait another 10 minutes).",
            ],
        ),
        (
            "membership: join time unknown",
            json!({"min_membership_secs": DAY}),
            Member {
                membership_secs: None,
                ..Member::default()
            },
            &["You must have been in the server for at least 1 day; your join date is not known."],
        ),
        // blocked_members and blocked_roles
        (
            "blacklist: another member is listed",
            json!({"blocked_members": ["12345"]}),
            Member::default(),
            &[],
        ),
        (
            "blacklist: the member is listed",
            json!({"blocked_members": ["12345", blocked_user]}),
            Member::default(),
            &["You cannot take part: you are on this server's blacklist."],
        ),
        (
            "blacklist: a role the member lacks",
            json!({"blocked_roles": ["5"]}),
            Member {
                roles: vec![1],
                ..Member::default()
            },
            &[],
        ),
        (
            "blacklist: a role the member has (not named)",
            json!({"blocked_roles": ["5"]}),
            Member {
                roles: vec![1, 5],
                ..Member::default()
            },
            &["You cannot take part: you are on this server's blacklist."],
        ),
        // no_active_warnings
        (
            "warnings: none",
            json!({"no_active_warnings": true}),
            Member::default(),
            &[],
        ),
        (
            "warnings: one",
            json!({"no_active_warnings": true}),
            Member {
                warnings: 1,
                ..Member::default()
            },
            &["You have 1 active warning; only members without active warnings can take part."],
        ),
        (
            "warnings: two",
            json!({"no_active_warnings": true}),
            Member {
                warnings: 2,
                ..Member::default()
            },
            &["You have 2 active warnings; only members without active warnings can take part."],
        ),
        (
            "warnings: allowed when not required",
            json!({"no_active_warnings": false}),
            Member {
                warnings: 2,
                ..Member::default()
            },
            &[],
        ),
    ];
    for (name, requirements_json, member, expected) in cases {
        assert_eq!(refusals(requirements_json, &member), expected, "{name}");
    }
}

#[test]
fn every_unmet_requirement_is_listed_blacklist_first() {
    let member = Member {
        roles: vec![4, 5],
        level: Some(2),
        account_age_secs: 2 * DAY,
        membership_secs: Some(3 * HOUR),
        warnings: 2,
    };
    let requirements = json!({
        "any_roles": ["1", "2"],
        "all_roles": ["3", "4"],
        "min_level": 5,
        "min_account_age_secs": 7 * DAY,
        "min_membership_secs": DAY,
        "blocked_members": [member.user()],
        "blocked_roles": ["5"],
        "no_active_warnings": true,
    });
    assert_eq!(
        refusals(requirements, &member),
        [
            "You cannot take part: you are on this server's blacklist.",
            "You need one of these roles: @Supporter, @Booster.",
            "You need all of these roles: @Verified, @Member; you are missing @Verified.",
            "You need level 5; you are level 2.",
            "Your account must be at least 7 days old; it is 2 days old (wait another 5 days).",
            "You must have been in the server for at least 1 day; you joined 3 hours ago (wait another 21 hours).",
            "You have 2 active warnings; only members without active warnings can take part.",
        ]
    );
}

#[test]
fn the_verdict_keeps_the_data_behind_the_words() {
    let member = Member {
        roles: vec![4, 5],
        account_age_secs: 2 * DAY,
        membership_secs: Some(3 * HOUR),
        ..Member::default()
    };
    let requirements = requirements(json!({
        "all_roles": ["3", "4"],
        "min_account_age_secs": 7 * DAY,
        "min_membership_secs": DAY,
        "blocked_members": [member.user()],
        "blocked_roles": ["5", "6"],
    }));
    let roles = member.roles();
    let verdict = evaluate(&requirements, &member.facts(&roles));
    assert!(!verdict.is_eligible());
    assert_eq!(
        verdict.unmet,
        [
            Unmet::Blocked {
                member_listed: true,
                roles: vec![RoleId::new(5)],
            },
            Unmet::AllRoles {
                required: vec![RoleId::new(3), RoleId::new(4)],
                missing: vec![RoleId::new(3)],
            },
            Unmet::AccountAge {
                needed: Duration::from_secs(7 * DAY),
                age: Duration::from_secs(2 * DAY),
            },
            Unmet::Membership {
                needed: Duration::from_secs(DAY),
                membership: Some(Duration::from_secs(3 * HOUR)),
            },
        ]
    );
    let waits: Vec<Option<Duration>> = verdict.unmet.iter().map(Unmet::wait).collect();
    assert_eq!(
        waits,
        [
            None,
            None,
            Some(Duration::from_secs(5 * DAY)),
            Some(Duration::from_secs(21 * HOUR)),
        ]
    );
}

#[test]
fn display_writes_roles_as_mentions() {
    let unmet = Unmet::AnyRole {
        options: vec![RoleId::new(1), RoleId::new(2)],
    };
    assert_eq!(
        unmet.to_string(),
        "You need one of these roles: <@&1>, <@&2>."
    );
}

#[test]
fn account_age_comes_from_the_snowflake() {
    // Discord's documented example: 175928847299117063 was minted at 2016-04-30 11:18:25.796 UTC.
    let user = UserId::new(175_928_847_299_117_063);
    assert_eq!(user.created_at(), UnixMillis(1_462_015_105_796));
    let member = Member {
        account_age_secs: 3 * DAY,
        ..Member::default()
    };
    assert_eq!(
        member.facts(&[]).account_age(),
        Duration::from_secs(3 * DAY)
    );
    // An id from the future (clock skew) is an account of age zero, not a panic.
    let facts = Facts {
        now: UnixMillis(UserId::DISCORD_EPOCH_MS),
        ..member.facts(&[])
    };
    assert_eq!(facts.account_age(), Duration::ZERO);
}

#[test]
fn durations_are_spoken_in_their_two_largest_units() {
    let cases: &[(Duration, &str, &str)] = &[
        (Duration::ZERO, "less than a second", "less than a second"),
        (Duration::from_millis(500), "less than a second", "1 second"),
        (Duration::from_secs(1), "1 second", "1 second"),
        (Duration::from_secs(59), "59 seconds", "59 seconds"),
        (Duration::from_secs(MINUTE), "1 minute", "1 minute"),
        (
            Duration::from_secs(90),
            "1 minute 30 seconds",
            "1 minute 30 seconds",
        ),
        (Duration::from_secs(3 * HOUR), "3 hours", "3 hours"),
        (
            Duration::from_secs(DAY + 4 * HOUR),
            "1 day 4 hours",
            "1 day 4 hours",
        ),
        (
            Duration::from_secs(DAY + 5 * MINUTE),
            "1 day",
            "1 day 1 hour",
        ),
        (
            Duration::from_secs(DAY - 30),
            "23 hours 59 minutes",
            "1 day",
        ),
        (Duration::from_secs(7 * DAY), "7 days", "7 days"),
        (
            Duration::from_secs(4 * DAY + 20 * HOUR + 10 * MINUTE),
            "4 days 20 hours",
            "4 days 21 hours",
        ),
        (Duration::from_secs(365 * DAY), "1 year", "1 year"),
        (
            Duration::from_secs(400 * DAY),
            "1 year 35 days",
            "1 year 35 days",
        ),
        (
            Duration::from_secs(MAX_DURATION_SECS),
            "10 years",
            "10 years",
        ),
    ];
    for (duration, down, up) in cases {
        assert_eq!(
            spoken_duration(*duration),
            *down,
            "{duration:?} rounded down"
        );
        assert_eq!(
            spoken_duration_rounded_up(*duration),
            *up,
            "{duration:?} rounded up"
        );
    }
}

#[test]
fn summaries_describe_the_requirements() {
    let cases: Vec<(Value, Option<&str>)> = vec![
        (json!({}), None),
        (
            json!({"blocked_members": ["7"], "blocked_roles": ["5"]}),
            None,
        ),
        (json!({"min_level": 0, "min_account_age_secs": 0}), None),
        (json!({"any_roles": ["1"]}), Some("Requires @Supporter")),
        (
            json!({"any_roles": ["1", "2"]}),
            Some("Requires one of @Supporter, @Booster"),
        ),
        (
            json!({"all_roles": ["3", "99"]}),
            Some("Requires all of @Verified, <@&99>"),
        ),
        (
            json!({
                "any_roles": ["1", "2"],
                "all_roles": ["3"],
                "min_level": 5,
                "min_account_age_secs": 7 * DAY,
                "min_membership_secs": DAY,
                "blocked_roles": ["5"],
                "no_active_warnings": true,
            }),
            Some(
                "Requires one of @Supporter, @Booster · @Verified · level 5+ · account at least \
                 7 days old · member for at least 1 day · no active warnings",
            ),
        ),
    ];
    for (requirements_json, expected) in cases {
        let summary = requirements(requirements_json.clone()).summary(&names());
        assert_eq!(summary.as_deref(), expected, "{requirements_json}");
    }
}

#[test]
fn validation_names_the_field_and_what_is_accepted() {
    let roles = |count: u64| -> Vec<String> { (1..=count).map(|id| id.to_string()).collect() };
    let error = |field: &'static str, message: &str| -> Result<(), FieldError> {
        Err(FieldError {
            field,
            message: message.to_owned(),
        })
    };
    let cases: Vec<(Value, Result<(), FieldError>)> = vec![
        (json!({}), Ok(())),
        (
            json!({
                "any_roles": roles(25),
                "all_roles": roles(25),
                "blocked_roles": (26..=50).map(|id: u64| id.to_string()).collect::<Vec<_>>(),
                "blocked_members": roles(100),
                "min_account_age_secs": MAX_DURATION_SECS,
                "min_membership_secs": MAX_DURATION_SECS,
            }),
            Ok(()),
        ),
        (
            json!({"any_roles": roles(26)}),
            error("any_roles", "must list at most 25 roles, got 26"),
        ),
        (
            json!({"all_roles": roles(30)}),
            error("all_roles", "must list at most 25 roles, got 30"),
        ),
        (
            json!({"blocked_roles": roles(26)}),
            error("blocked_roles", "must list at most 25 roles, got 26"),
        ),
        (
            json!({"blocked_members": roles(101)}),
            error("blocked_members", "must list at most 100 members, got 101"),
        ),
        (
            json!({"any_roles": ["1", "2", "1"]}),
            error("any_roles", "must not list role 1 twice"),
        ),
        (
            json!({"blocked_members": ["7", "7"]}),
            error("blocked_members", "must not list member 7 twice"),
        ),
        (
            json!({"min_account_age_secs": MAX_DURATION_SECS + 1}),
            error(
                "min_account_age_secs",
                "must be at most 315360000 seconds (10 years), got 315360001",
            ),
        ),
        (
            json!({"min_membership_secs": u64::MAX}),
            error(
                "min_membership_secs",
                "must be at most 315360000 seconds (10 years), got 18446744073709551615",
            ),
        ),
        (
            json!({"any_roles": ["1", "5"], "blocked_roles": ["5"]}),
            error(
                "blocked_roles",
                "must not contain role 5, which any_roles also lists: members would need the \
                 role and be refused for having it",
            ),
        ),
        (
            json!({"all_roles": ["3"], "blocked_roles": ["4", "3"]}),
            error(
                "blocked_roles",
                "must not contain role 3, which all_roles also lists: members would need the \
                 role and be refused for having it",
            ),
        ),
    ];
    for (requirements_json, expected) in cases {
        let requirements: Requirements = serde_json::from_value(requirements_json.clone()).unwrap();
        assert_eq!(requirements.check(), expected, "{requirements_json}");
    }
}

#[test]
fn serde_round_trips_defaults_and_rejects_unknown_keys() {
    let full = Requirements {
        any_roles: vec![RoleId::new(1), RoleId::new(2)],
        all_roles: vec![RoleId::new(3)],
        min_level: Some(5),
        min_account_age_secs: Some(7 * DAY),
        min_membership_secs: Some(DAY),
        blocked_members: vec![UserId::new(1_083_124_816_349_421_618)],
        blocked_roles: vec![RoleId::new(5)],
        no_active_warnings: true,
    };
    let value = serde_json::to_value(&full).unwrap();
    assert_eq!(
        value,
        json!({
            "any_roles": ["1", "2"],
            "all_roles": ["3"],
            "min_level": 5,
            "min_account_age_secs": 604_800,
            "min_membership_secs": 86_400,
            "blocked_members": ["1083124816349421618"],
            "blocked_roles": ["5"],
            "no_active_warnings": true,
        })
    );
    assert_eq!(serde_json::from_value::<Requirements>(value).unwrap(), full);

    let empty: Requirements = serde_json::from_value(json!({})).unwrap();
    assert_eq!(empty, Requirements::default());
    assert!(empty.is_empty());
    assert!(!full.is_empty());
    assert!(
        evaluate(&empty, &Member::default().facts(&[])).is_eligible(),
        "the default requires nothing"
    );

    // Ids are accepted as numbers too, as everywhere else.
    let numbers: Requirements = serde_json::from_value(json!({"any_roles": [1, 2]})).unwrap();
    assert_eq!(numbers.any_roles, full.any_roles);

    let unknown = serde_json::from_value::<Requirements>(json!({"min_age": 5})).unwrap_err();
    assert!(
        unknown.to_string().starts_with("unknown field `min_age`"),
        "{unknown}"
    );
    let bad_role = serde_json::from_value::<Requirements>(json!({"any_roles": ["x"]})).unwrap_err();
    assert!(
        bad_role
            .to_string()
            .contains("role id must be a Discord id"),
        "{bad_role}"
    );
}
