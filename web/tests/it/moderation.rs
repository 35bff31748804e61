//! The moderation pages: cases, refused attempts, automod rules with the tester and the pattern
//! checker, the escalation ladder; each refused to strangers, other guilds' admins and members
//! without Manage Server.

use guildhall_core::clock::UnixMillis;
use guildhall_core::guards::Refusal;
use guildhall_core::ids::{GuildId, UserId};
use guildhall_core::moderation::{CaseActor, CaseKind, LadderAction, NewCase, store};
use guildhall_sandbox::seed::small;
use reqwest::StatusCode;

use crate::support::{Harness, location};

/// Creates a case in `guild` and returns its number.
pub async fn add_case(
    harness: &Harness,
    guild: GuildId,
    kind: CaseKind,
    actor: CaseActor,
    reason: &str,
) -> i64 {
    let new = NewCase::new(
        guild,
        kind,
        small::MEMBER_A,
        actor,
        reason,
        harness.state.core.clock.now(),
    );
    store::create(&harness.state.core.db, &new)
        .await
        .unwrap()
        .number
}

fn pages(guild: GuildId) -> Vec<String> {
    ["/cases", "/cases/1", "/refusals", "/automod", "/ladder"]
        .iter()
        .map(|page| format!("/guilds/{guild}{page}"))
        .collect()
}

#[tokio::test]
async fn moderation_pages_need_a_login_and_manage_server_in_that_guild() {
    let harness = Harness::start().await;
    add_case(
        &harness,
        small::GUILD,
        CaseKind::Warn,
        CaseActor::Moderator(small::MOD_A),
        "spam",
    )
    .await;
    add_case(
        &harness,
        small::OTHER_GUILD,
        CaseKind::Warn,
        CaseActor::Moderator(small::OTHER_OWNER),
        "other",
    )
    .await;
    let mut anonymous = harness.anonymous();
    let mut owner = harness.login(small::OWNER).await;
    let mut member = harness.login(small::MEMBER_A).await;
    for path in pages(small::GUILD) {
        let response = anonymous.get(&path).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{path}");
        assert!(
            location(response.headers()).starts_with("/login?next="),
            "{path}"
        );
        assert_eq!(owner.get(&path).await.status(), StatusCode::OK, "{path}");
        assert_eq!(
            member.get(&path).await.status(),
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
    for path in pages(small::OTHER_GUILD) {
        let response = owner.get(&path).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{path}");
        assert!(!response.text().await.unwrap().contains("other"), "{path}");
    }
    // Another guild's case number does not exist in this guild.
    assert_eq!(
        owner
            .get(&format!("/guilds/{}/cases/2", small::GUILD))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn cases_are_searched_filtered_paged_and_their_reason_edited() {
    let harness = Harness::start().await;
    let guild = small::GUILD;
    add_case(
        &harness,
        guild,
        CaseKind::Warn,
        CaseActor::Moderator(small::MOD_A),
        "posting scam links",
    )
    .await;
    add_case(
        &harness,
        guild,
        CaseKind::Timeout,
        CaseActor::Automated("automod:spam".into()),
        "flooding",
    )
    .await;
    for index in 0..55 {
        add_case(
            &harness,
            guild,
            CaseKind::Note,
            CaseActor::Moderator(small::MOD_A),
            &format!("note {index}"),
        )
        .await;
    }
    let mut owner = harness.login(small::OWNER).await;
    let page = owner
        .get(&format!("/guilds/{guild}/cases?q=scam"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("posting scam links"), "{page}");
    assert!(!page.contains("flooding"));
    let page = owner
        .get(&format!("/guilds/{guild}/cases?moderator=automod%3Aspam"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("flooding") && !page.contains("scam"),
        "{page}"
    );
    let page = owner
        .get(&format!("/guilds/{guild}/cases?kind=warn"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("scam") && !page.contains("flooding"));
    let page = owner
        .get(&format!("/guilds/{guild}/cases?user=abc"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("no member named `abc`"), "{page}");
    // Paging: the first page ends at 8, the next starts below it.
    let page = owner
        .get(&format!("/guilds/{guild}/cases"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("note 54") && !page.contains("note 4<"),
        "{page}"
    );
    assert!(page.contains("before=8"), "{page}");
    let older = owner
        .get(&format!("/guilds/{guild}/cases?before=8"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        older.contains("note 4<") && older.contains("scam"),
        "{older}"
    );

    // The reason edit: CSRF, fresh permission check, audit record.
    let csrf = owner.csrf.clone();
    let saved = owner
        .post_htmx(
            &format!("/guilds/{guild}/cases/1/reason"),
            &[("reason", "posting phishing links")],
            Some(&csrf),
        )
        .await;
    assert_eq!(saved.status(), StatusCode::OK);
    assert!(saved.text().await.unwrap().contains("Reason saved."));
    let case = store::get(&harness.state.core.db, guild, 1)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(case.reason, "posting phishing links");
    assert_eq!(case.reason_edited_by, Some(small::OWNER));
    let audit: i64 = sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM operator_audit WHERE action = 'dashboard.cases.reason'",
    )
    .fetch_one(harness.state.core.db.pool())
    .await
    .unwrap();
    assert_eq!(audit, 1);
    let empty = owner
        .post_htmx(
            &format!("/guilds/{guild}/cases/1/reason"),
            &[("reason", "  ")],
            Some(&csrf),
        )
        .await;
    assert_eq!(empty.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(empty.text().await.unwrap().contains("must not be empty"));
    let detail = owner
        .get(&format!("/guilds/{guild}/cases/1"))
        .await
        .text()
        .await
        .unwrap();
    assert!(detail.contains("posting phishing links") && detail.contains("edited by"));
}

#[tokio::test]
async fn refused_attempts_are_listed_for_their_guild_only() {
    let harness = Harness::start().await;
    let now: UnixMillis = harness.state.core.clock.now();
    guildhall_core::refusals::record(
        &harness.state.core.db,
        small::GUILD,
        now,
        small::MOD_A,
        Some(small::OWNER),
        "ban",
        &Refusal::TargetIsOwner,
    )
    .await
    .unwrap();
    guildhall_core::refusals::record(
        &harness.state.core.db,
        small::OTHER_GUILD,
        now,
        small::OTHER_OWNER,
        Some(UserId::new(99)),
        "kick",
        &Refusal::SelfTarget,
    )
    .await
    .unwrap();
    let mut owner = harness.login(small::OWNER).await;
    let page = owner
        .get(&format!("/guilds/{}/refusals", small::GUILD))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("<code>ban</code>"), "{page}");
    assert!(page.contains(&small::MOD_A.to_string()));
    assert!(!page.contains("<code>kick</code>"), "{page}");
}

#[tokio::test]
async fn the_tester_names_the_rule_that_would_fire_and_can_try_disabled_rules() {
    let harness = Harness::start().await;
    let mut owner = harness.login(small::OWNER).await;
    let csrf = owner.csrf.clone();
    let path = format!("/guilds/{}/automod/test", small::GUILD);
    let shouting = "THIS IS A VERY LOUD MESSAGE";
    let off = owner
        .post_htmx(&path, &[("text", shouting)], Some(&csrf))
        .await;
    assert_eq!(off.status(), StatusCode::OK);
    assert!(off.text().await.unwrap().contains("No rule would fire."));
    let tried = owner
        .post_htmx(
            &path,
            &[("text", shouting), ("try_disabled", "on")],
            Some(&csrf),
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(tried.contains("<code>caps</code>"), "{tried}");
    assert!(tried.contains("(switched off)"), "{tried}");
    // Earlier messages feed the duplicate rule.
    harness
        .state
        .core
        .config
        .set_key(
            small::GUILD,
            "automod.duplicates",
            r#"{"enabled": true}"#,
            "test",
        )
        .await
        .ok();
    let history = "buy cheap followers at my site\nBuy cheap followers at my site!";
    let dupes = owner
        .post_htmx(
            &path,
            &[
                ("text", "buy CHEAP followers at my site"),
                ("history", history),
                ("try_disabled", "on"),
            ],
            Some(&csrf),
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(dupes.contains("<code>duplicates</code>"), "{dupes}");
}

#[tokio::test]
async fn patterns_are_checked_and_a_bad_one_is_refused_with_the_cores_positioned_message() {
    let harness = Harness::start().await;
    let guild = small::GUILD;
    let mut owner = harness.login(small::OWNER).await;
    let csrf = owner.csrf.clone();
    let checker = format!("/guilds/{guild}/automod/pattern");
    let bad = owner
        .post_htmx(&checker, &[("pattern", "fr(e+")], Some(&csrf))
        .await
        .text()
        .await
        .unwrap();
    assert!(bad.contains("is invalid at character"), "{bad}");
    let good = owner
        .post_htmx(&checker, &[("pattern", "fr[e3]+")], Some(&csrf))
        .await
        .text()
        .await
        .unwrap();
    assert!(good.contains("is accepted"), "{good}");

    let rule = format!("/guilds/{guild}/automod/rules/bad_patterns");
    let refused = owner
        .post_htmx(
            &rule,
            &[
                ("enabled", "on"),
                ("action_kind", "warn"),
                ("patterns", "fr(e+"),
            ],
            Some(&csrf),
        )
        .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = refused.text().await.unwrap();
    assert!(body.contains("is invalid at character"), "{body}");
    let settings = harness.state.core.config.reload(guild).await.unwrap();
    assert!(!settings.automod.bad_patterns.enabled, "nothing written");

    let saved = owner
        .post_htmx(
            &rule,
            &[
                ("enabled", "on"),
                ("delete_message", "on"),
                ("action_kind", "timeout"),
                ("action_duration_secs", "10m"),
                ("patterns", "fr[e3]+\nn[i1]tro"),
            ],
            Some(&csrf),
        )
        .await;
    assert_eq!(saved.status(), StatusCode::OK);
    let settings = harness.state.core.config.reload(guild).await.unwrap();
    let patterns = &settings.automod.bad_patterns;
    assert!(patterns.enabled);
    assert_eq!(
        patterns.patterns,
        vec!["fr[e3]+".to_owned(), "n[i1]tro".to_owned()]
    );
    assert_eq!(
        patterns.action,
        guildhall_core::automod::Action::Timeout { duration_secs: 600 }
    );
    let history = harness
        .state
        .core
        .config
        .history(guild, Some("automod"), 5)
        .await
        .unwrap();
    assert!(
        history[0].actor.contains("(dashboard)"),
        "{:?}",
        history[0].actor
    );
    // The tester now fires the saved rule without trying disabled ones.
    let tested = owner
        .post_htmx(
            &format!("/guilds/{guild}/automod/test"),
            &[("text", "free n1tro here")],
            Some(&csrf),
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(tested.contains("<code>bad_patterns</code>"), "{tested}");
    // A number field that is not a number is refused inline.
    let caps = owner
        .post_htmx(
            &format!("/guilds/{guild}/automod/rules/caps"),
            &[("ratio", "lots"), ("action_kind", "delete")],
            Some(&csrf),
        )
        .await;
    assert_eq!(caps.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        caps.text()
            .await
            .unwrap()
            .contains("ratio must be a number")
    );
    let unknown = owner
        .post_htmx(
            &format!("/guilds/{guild}/automod/rules/nope"),
            &[],
            Some(&csrf),
        )
        .await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_ladder_is_saved_and_a_bad_one_refused_inline() {
    let harness = Harness::start().await;
    let guild = small::GUILD;
    let mut owner = harness.login(small::OWNER).await;
    let csrf = owner.csrf.clone();
    let path = format!("/guilds/{guild}/ladder");
    let page = owner.get(&path).await.text().await.unwrap();
    assert!(page.contains(r#"name="at_0" value="3""#), "{page}");
    let saved = owner
        .post_htmx(
            &path,
            &[
                ("at_0", "2"),
                ("kind_0", "timeout"),
                ("duration_0", "30m"),
                ("at_1", "4"),
                ("kind_1", "kick"),
                ("remove_1", "on"),
                ("at_2", "6"),
                ("kind_2", "ban"),
                ("duration_2", "7d"),
                ("delete_2", "1d"),
                ("at_3", ""),
                ("kind_3", "timeout"),
                ("duration_3", ""),
            ],
            Some(&csrf),
        )
        .await;
    assert_eq!(saved.status(), StatusCode::OK);
    assert!(saved.text().await.unwrap().contains("Ladder saved."));
    let ladder = harness
        .state
        .core
        .config
        .reload(guild)
        .await
        .unwrap()
        .moderation
        .ladder
        .clone();
    assert_eq!(ladder.len(), 2);
    assert_eq!(ladder[0].at, 2);
    assert_eq!(
        ladder[0].action,
        LadderAction::Timeout {
            duration_secs: 1_800
        }
    );
    assert_eq!(
        ladder[1].action,
        LadderAction::Ban {
            delete_message_secs: 86_400,
            duration_secs: Some(604_800)
        }
    );

    let refused = owner
        .post_htmx(
            &path,
            &[("at_0", "3"), ("kind_0", "timeout"), ("duration_0", "29d")],
            Some(&csrf),
        )
        .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = refused.text().await.unwrap();
    assert!(body.contains("28 days"), "{body}");
    assert!(
        body.contains(r#"value="29d""#),
        "keeps what was typed: {body}"
    );
    let garbled = owner
        .post_htmx(&path, &[("at_0", "three"), ("kind_0", "kick")], Some(&csrf))
        .await;
    assert_eq!(garbled.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        garbled
            .text()
            .await
            .unwrap()
            .contains("whole number of warnings")
    );
    let after = harness
        .state
        .core
        .config
        .reload(guild)
        .await
        .unwrap()
        .moderation
        .ladder
        .clone();
    assert_eq!(after, ladder, "refused input writes nothing");
}
