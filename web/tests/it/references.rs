//! Finding 1 of the outside probe: every route that takes a channel or role id refuses another
//! guild's with a sentence naming the field, writes nothing and schedules nothing to post. The
//! harness has no bot in process (its guild cache is empty), so the ids are checked through
//! Discord's REST API, as in `guildhall web` alone.

use guildhall_sandbox::seed::small;
use reqwest::StatusCode;

use crate::support::Harness;

/// How many rows every table holds, except the sessions (logging in writes them): a
/// fingerprint of "nothing was written".
async fn rows(harness: &Harness) -> Vec<(String, i64)> {
    let tables: Vec<String> = sqlx::query_scalar::<_, String>(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'web_%' ORDER BY name",
    )
    .fetch_all(harness.state.core.db.pool())
    .await
    .unwrap();
    let mut counts = Vec::new();
    for table in tables {
        let count: i64 = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(format!(
            "SELECT COUNT(*) FROM \"{table}\""
        )))
        .fetch_one(harness.state.core.db.pool())
        .await
        .unwrap();
        counts.push((table, count));
    }
    counts
}

/// The levels settings form with every field, `changes` applied.
fn levels_form(changes: &[(&'static str, String)]) -> Vec<(&'static str, String)> {
    let mut fields: Vec<(&'static str, String)> = [
        ("xp_min", "15"),
        ("xp_max", "25"),
        ("cooldown_secs", "60"),
        ("curve_a", "5"),
        ("curve_b", "50"),
        ("curve_c", "100"),
        ("flush_interval_secs", "10"),
        ("announce_mode", "same_channel"),
        ("announce_channel", ""),
        ("announce_template", "{user} reached level {level}!"),
        ("voice_xp_per_minute", "5"),
        ("voice_interval_secs", "60"),
        ("voice_max_minutes", "240"),
        ("voice_afk_channel", ""),
    ]
    .into_iter()
    .map(|(key, value)| (key, value.to_owned()))
    .collect();
    for (key, value) in changes {
        fields.retain(|(existing, _)| existing != key);
        fields.push((key, value.clone()));
    }
    fields
}

/// A route, its form, and the field its refusal names.
type Case = (String, Vec<(&'static str, String)>, &'static str);

#[tokio::test]
async fn another_guilds_channels_and_roles_are_refused_on_every_route_and_nothing_is_written() {
    let harness = Harness::start().await;
    let guild = small::GUILD;
    let mut owner = harness.login(small::OWNER).await;
    let csrf = owner.csrf.clone();
    let their_channel = small::OTHER_GENERAL.to_string();
    let their_role = small::OTHER_GUILDHALL_ROLE.to_string();
    let our_channel = small::GENERAL.to_string();
    let our_role = small::MEMBER_ROLE.to_string();
    let base = format!("/guilds/{guild}");

    let cases: Vec<Case> = vec![
        (
            format!("{base}/tickets/panels"),
            vec![("channel", their_channel.clone()), ("title", "Help".into())],
            "channel:",
        ),
        (
            format!("{base}/tickets/panels"),
            vec![
                ("channel", our_channel.clone()),
                ("title", "Help".into()),
                ("staff_role", their_role.clone()),
            ],
            "staff roles:",
        ),
        (
            format!("{base}/roles/panels"),
            vec![
                ("channel", their_channel.clone()),
                ("title", "Pings".into()),
                ("opt_role_0", our_role.clone()),
            ],
            "channel:",
        ),
        (
            format!("{base}/roles/panels"),
            vec![
                ("channel", our_channel.clone()),
                ("title", "Pings".into()),
                ("opt_role_0", their_role.clone()),
            ],
            "role 1:",
        ),
        (
            format!("{base}/roles/panels"),
            vec![
                ("channel", our_channel.clone()),
                ("title", "Pings".into()),
                ("opt_role_0", our_role.clone()),
                ("req_any_role", their_role.clone()),
            ],
            "requirements.any_roles:",
        ),
        (
            format!("{base}/giveaways/new"),
            vec![
                ("prize", "Nitro".into()),
                ("duration", "2h".into()),
                ("winners", "1".into()),
                ("channel", their_channel.clone()),
            ],
            "channel:",
        ),
        (
            format!("{base}/giveaways/new"),
            vec![
                ("prize", "Nitro".into()),
                ("duration", "2h".into()),
                ("winners", "1".into()),
                ("channel", our_channel.clone()),
                ("req_any_role", their_role.clone()),
            ],
            "requirements.any_roles:",
        ),
        (
            format!("{base}/roles/self"),
            vec![("self_role", their_role.clone())],
            "roles.self_roles:",
        ),
        (
            format!("{base}/roles/self"),
            vec![("join_role", their_role.clone())],
            "roles.auto_roles_on_join:",
        ),
        (
            format!("{base}/roles/self"),
            vec![("screening_role", their_role.clone())],
            "roles.auto_roles_on_screening:",
        ),
        (
            format!("{base}/levels/settings"),
            levels_form(&[
                ("announce_mode", "channel".into()),
                ("announce_channel", their_channel.clone()),
            ]),
            "levels.announce.channel:",
        ),
        (
            format!("{base}/levels/settings"),
            levels_form(&[("voice_afk_channel", their_channel.clone())]),
            "levels.voice.afk_channel:",
        ),
        (
            format!("{base}/levels/rewards"),
            vec![
                ("reward_mode", "stack".into()),
                ("reward_level_0", "5".into()),
                ("reward_role_0", their_role.clone()),
            ],
            "levels.rewards:",
        ),
        (
            format!("{base}/levels/multipliers"),
            vec![
                ("rolemult_target_0", their_role.clone()),
                ("rolemult_percent_0", "150".into()),
            ],
            "levels.role_multipliers:",
        ),
        (
            format!("{base}/levels/multipliers"),
            vec![
                ("chanmult_target_0", their_channel.clone()),
                ("chanmult_percent_0", "50".into()),
            ],
            "levels.channel_multipliers:",
        ),
        (
            format!("{base}/levels/no-xp"),
            vec![("no_xp_channels", their_channel.clone())],
            "levels.no_xp_channels:",
        ),
        (
            format!("{base}/levels/no-xp"),
            vec![("no_xp_role", their_role.clone())],
            "levels.no_xp_roles:",
        ),
        (
            format!("{base}/automod/rules/bad_patterns"),
            vec![
                ("action_kind", "warn".into()),
                ("patterns", "spam+".into()),
                ("exempt_roles", their_role.clone()),
            ],
            "automod.bad_patterns.exempt_roles:",
        ),
        (
            format!("{base}/automod/rules/bad_patterns"),
            vec![
                ("action_kind", "warn".into()),
                ("patterns", "spam+".into()),
                ("exempt_channels", their_channel.clone()),
            ],
            "automod.bad_patterns.exempt_channels:",
        ),
    ];

    let before = rows(&harness).await;
    for (path, fields, field) in &cases {
        let fields: Vec<(&str, &str)> = fields
            .iter()
            .map(|(key, value)| (*key, value.as_str()))
            .collect();
        let response = owner.post_form(path, &fields, Some(&csrf)).await;
        let status = response.status();
        let body = response.text().await.unwrap();
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{path} {fields:?}: {body}"
        );
        assert!(
            body.contains(&format!("{field} "))
                && body.contains("is not a")
                && body.contains("of this server"),
            "{path} {fields:?} should name {field}: {body}"
        );
        assert_eq!(
            rows(&harness).await,
            before,
            "{path} {fields:?} wrote something"
        );
    }
    assert!(
        !harness.sandbox.requests().iter().any(
            |request| request.method.as_str() != "GET" && request.path.contains(&their_channel)
        ),
        "nothing was posted into the other guild"
    );

    // The same forms with this guild's ids go through: the check refuses only what it should.
    let accepted = owner
        .post_form(
            &format!("{base}/tickets/panels"),
            &[
                ("channel", our_channel.as_str()),
                ("title", "Help"),
                ("staff_role", our_role.as_str()),
            ],
            Some(&csrf),
        )
        .await;
    assert_eq!(accepted.status(), StatusCode::SEE_OTHER);
    let accepted = owner
        .post_form(
            &format!("{base}/levels/settings"),
            &levels_form(&[("announce_channel", our_channel.clone())])
                .iter()
                .map(|(key, value)| (*key, value.as_str()))
                .collect::<Vec<_>>(),
            Some(&csrf),
        )
        .await;
    assert_eq!(accepted.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn control_characters_and_disguising_overrides_are_refused_naming_the_field() {
    let harness = Harness::start().await;
    let guild = small::GUILD;
    let mut owner = harness.login(small::OWNER).await;
    let csrf = owner.csrf.clone();
    let channel = small::GENERAL.to_string();
    let role = small::MEMBER_ROLE.to_string();
    let base = format!("/guilds/{guild}");
    let cases: Vec<Case> = vec![
        (
            format!("{base}/tickets/panels"),
            vec![
                ("channel", channel.clone()),
                ("title", "Help\u{0}me".into()),
            ],
            "the panel's title must not contain control characters (U+0000",
        ),
        (
            format!("{base}/roles/panels"),
            vec![
                ("channel", channel.clone()),
                ("title", "Free \u{202E}moc.evil".into()),
                ("opt_role_0", role.clone()),
                ("opt_label_0", "Member".into()),
            ],
            "the panel's title must not contain bidirectional override characters",
        ),
        (
            format!("{base}/roles/panels"),
            vec![
                ("channel", channel.clone()),
                ("title", "Pings".into()),
                ("opt_role_0", role.clone()),
                ("opt_label_0", "Member".into()),
                ("opt_emoji_0", "not an emoji".into()),
            ],
            "the panel's emoji must be one Unicode emoji",
        ),
        (
            format!("{base}/giveaways/new"),
            vec![
                ("prize", "Nitro\u{0}".into()),
                ("duration", "2h".into()),
                ("winners", "1".into()),
                ("channel", channel.clone()),
            ],
            "the prize must not contain control characters",
        ),
        (
            format!("{base}/settings"),
            vec![
                ("key", "commands.prefix".into()),
                ("value", "\u{202E}!".into()),
            ],
            "commands.prefix must not contain bidirectional override characters",
        ),
        (
            format!("{base}/levels/settings"),
            levels_form(&[("announce_template", "{user} \u{0} up".into())]),
            "levels.announce.template must not contain control characters",
        ),
        (
            format!("{base}/automod/rules/bad_words"),
            vec![
                ("action_kind", "delete".into()),
                ("words", "fine\nb\u{1}d".into()),
            ],
            "automod.bad_words.words[1] must not contain control characters",
        ),
    ];
    let before = rows(&harness).await;
    for (path, fields, says) in &cases {
        let fields: Vec<(&str, &str)> = fields
            .iter()
            .map(|(key, value)| (*key, value.as_str()))
            .collect();
        let response = owner.post_form(path, &fields, Some(&csrf)).await;
        let status = response.status();
        let body = response.text().await.unwrap();
        assert!(
            status.is_client_error() || status == StatusCode::OK,
            "{path}: {status}"
        );
        assert!(body.contains(says), "{path} should say {says}: {body}");
        assert!(!body.contains('\u{0}'), "{path}: a NUL reached the page");
        assert_eq!(
            rows(&harness).await,
            before,
            "{path} {fields:?} wrote something"
        );
    }
}
