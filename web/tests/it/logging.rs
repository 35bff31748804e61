//! The log viewer and the member page: events newest first with names instead of ids, each
//! filter narrowing the list, paging by id, a bad filter refused naming its field, Manage Server
//! required, another guild's events never shown; a member's cases, events and level together.

use guildhall_core::clock::UnixMillis;
use guildhall_core::ids::GuildId;
use guildhall_core::logging::{LogEntry, LogKind, store};
use guildhall_core::moderation::{CaseActor, CaseKind};
use guildhall_core::references::ChannelKind;
use guildhall_sandbox::seed::small;
use reqwest::StatusCode;

use crate::support::{Browser, Harness};

/// The start of the seeded events: 2026-03-01 10:00 UTC.
const T0: i64 = 1_772_359_200_000;
const HOUR: i64 = 3_600_000;

fn logs(guild: GuildId, query: &str) -> String {
    if query.is_empty() {
        format!("/guilds/{guild}/logs")
    } else {
        format!("/guilds/{guild}/logs?{query}")
    }
}

/// Names in the bot's guild model: Ava, Bastian, the moderator Mona, #general.
fn names(harness: &Harness) {
    crate::roles::cache_small_guild(harness);
    let cache = &harness.state.core.guild_cache;
    cache.set_member_names(
        small::GUILD,
        [
            (small::MEMBER_A, "Ava".to_owned()),
            (small::MEMBER_B, "Bastian".to_owned()),
            (small::MOD_A, "Mona".to_owned()),
        ],
    );
    cache.put_channel(
        small::GUILD,
        small::GENERAL,
        "general".into(),
        ChannelKind::Text,
        None,
        0,
        false,
    );
}

/// Three events in the small guild (a join, a deletion by a guessed moderator, a timeout with
/// its case the next day) and one in the other guild.
async fn seed(harness: &Harness) {
    let guild = small::GUILD;
    let entries = vec![
        LogEntry::new(
            guild,
            UnixMillis(T0),
            LogKind::MemberJoined,
            format!("<@{}> joined", small::MEMBER_A),
        )
        .about(small::MEMBER_A),
        LogEntry::new(
            guild,
            UnixMillis(T0 + HOUR),
            LogKind::MessageDeleted,
            format!(
                "A message by <@{}> was deleted in <#{}>",
                small::MEMBER_A,
                small::GENERAL
            ),
        )
        .about(small::MEMBER_A)
        .in_channel(small::GENERAL)
        .by(small::MOD_A)
        .field("Content", "buy cheap gold")
        .field(
            "Author",
            format!("<@{}> ({})", small::MEMBER_A, small::MEMBER_A),
        ),
        {
            let mut entry = LogEntry::new(
                guild,
                UnixMillis(T0 + 25 * HOUR),
                LogKind::TimedOut,
                format!("<@{}> was timed out", small::MEMBER_B),
            )
            .about(small::MEMBER_B)
            .by(small::MOD_A);
            entry.case = Some(7);
            entry
        },
        LogEntry::new(
            small::OTHER_GUILD,
            UnixMillis(T0 + 2 * HOUR),
            LogKind::MessageDeleted,
            "another guild's secret deletion",
        )
        .about(small::MEMBER_A),
    ];
    let mut entries = entries;
    entries[1].actor_guessed = true;
    store::write(&harness.state.core.db, &entries)
        .await
        .unwrap();
}

#[tokio::test]
async fn the_viewer_lists_events_newest_first_with_names_and_only_its_guild() {
    let harness = Harness::start().await;
    names(&harness);
    seed(&harness).await;
    let mut owner = harness.login(small::OWNER).await;
    let response = owner.get(&logs(small::GUILD, "")).await;
    assert_eq!(response.status(), StatusCode::OK);
    let page = response.text().await.unwrap();
    // The list, after the filter form (whose kind menu names every kind).
    let list = &page[page.find("id=\"log-events\"").expect("the list")..];
    let timed_out = list.find("Member timed out").expect("the timeout");
    let deleted = list.find("Message deleted").expect("the deletion");
    let joined = list.find("Member joined").expect("the join");
    assert!(timed_out < deleted && deleted < joined, "newest first");
    assert!(
        page.contains("A message by @Ava was deleted in #general"),
        "{page}"
    );
    assert!(page.contains("@Bastian was timed out"));
    // Member and actor by name, linking to their page; the guess said; the case linked.
    assert!(page.contains(&format!(
        "href=\"/guilds/{}/members/{}\"",
        small::GUILD,
        small::MOD_A
    )));
    assert!(page.contains("best guess"));
    assert!(page.contains(&format!("href=\"/guilds/{}/cases/7\"", small::GUILD)));
    // The fields, with names.
    assert!(page.contains("buy cheap gold"));
    assert!(page.contains("@Ava (Ava)"));
    // No mention markup left, and never the other guild's events.
    assert!(!page.contains(&format!("&lt;@{}", small::MEMBER_A)));
    assert!(!page.contains("secret"));
    // Every kind is offered by its title, and the tab is there.
    assert!(page.contains("Moved voice channel"));
    assert!(page.contains("Log events"));
    assert!(page.contains("Log settings"));

    // The other guild's admin path is refused, and a member without Manage Server too.
    assert_eq!(
        owner.get(&logs(small::OTHER_GUILD, "")).await.status(),
        StatusCode::FORBIDDEN
    );
    let mut member = harness.login(small::MEMBER_A).await;
    assert_eq!(
        member.get(&logs(small::GUILD, "")).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        member
            .get(&format!(
                "/guilds/{}/members/{}",
                small::GUILD,
                small::MEMBER_A
            ))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn each_filter_narrows_the_list_and_a_bad_one_is_refused_by_name() {
    let harness = Harness::start().await;
    names(&harness);
    seed(&harness).await;
    let mut owner = harness.login(small::OWNER).await;
    assert_eq!(
        shown(&mut owner, "").await,
        ["joined", "deleted", "timed out"]
    );
    assert_eq!(shown(&mut owner, "kind=member_joined").await, ["joined"]);
    // By member: about them or done by them; a typed id or a name.
    assert_eq!(
        shown(&mut owner, &format!("member={}", small::MEMBER_A)).await,
        ["joined", "deleted"]
    );
    assert_eq!(
        shown(&mut owner, "member=Mona").await,
        ["deleted", "timed out"]
    );
    assert_eq!(
        shown(
            &mut owner,
            &format!("member=&typed1%3Amember={}", small::MEMBER_B)
        )
        .await,
        ["timed out"]
    );
    assert_eq!(
        shown(&mut owner, &format!("channel={}", small::GENERAL)).await,
        ["deleted"]
    );
    // Days in the server's zone (UTC here): the first day, then the second.
    assert_eq!(
        shown(&mut owner, "from=2026-03-01&to=2026-03-01").await,
        ["joined", "deleted"]
    );
    assert_eq!(shown(&mut owner, "from=2026-03-02").await, ["timed out"]);
    assert_eq!(
        shown(&mut owner, "kind=voice_joined").await,
        Vec::<&str>::new()
    );

    for (query, field) in [
        ("kind=deleted", "kind: `deleted` is not a kind of log event"),
        ("member=nobody", "member: no member named `nobody`"),
        ("channel=general", "channel: `general` is not a channel id"),
        (
            "from=1%2F3%2F2026",
            "from: `1/3/2026` is not a date; use YYYY-MM-DD",
        ),
        ("before=x", "before: `x` is not an event id"),
    ] {
        let response = owner.get(&logs(small::GUILD, query)).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{query}");
        let page = response.text().await.unwrap();
        assert!(page.contains(field), "{query}: {page}");
        assert!(!page.contains("Member joined</strong>"), "{query}");
    }
}

#[tokio::test]
async fn paging_goes_older_newer_and_to_the_oldest() {
    let harness = Harness::start().await;
    let entries: Vec<LogEntry> = (0..120)
        .map(|index| {
            LogEntry::new(
                small::GUILD,
                UnixMillis(T0 + index * 1_000),
                LogKind::MemberJoined,
                format!("member number {index:03} joined"),
            )
        })
        .collect();
    store::write(&harness.state.core.db, &entries)
        .await
        .unwrap();
    let mut owner = harness.login(small::OWNER).await;
    let first = owner
        .get(&logs(small::GUILD, "kind=member_joined"))
        .await
        .text()
        .await
        .unwrap();
    assert!(first.contains("member number 119 joined"));
    assert!(first.contains("member number 070 joined"));
    assert!(!first.contains("member number 069 joined"));
    assert!(!first.contains("id=\"newer\""));
    let older = link(&first, "older");
    assert!(older.contains("kind=member%5Fjoined"), "{older}");
    assert!(older.contains("before="), "{older}");
    let second = owner.get(&older).await.text().await.unwrap();
    assert!(second.contains("member number 069 joined"));
    assert!(second.contains("member number 020 joined"));
    assert!(!second.contains("member number 070 joined"));
    let newer = owner
        .get(&link(&second, "newer"))
        .await
        .text()
        .await
        .unwrap();
    assert!(newer.contains("member number 070 joined"));
    assert!(newer.contains("member number 119 joined"));
    let oldest = owner
        .get(&link(&first, "oldest"))
        .await
        .text()
        .await
        .unwrap();
    assert!(oldest.contains("member number 000 joined"));
    assert!(oldest.contains("member number 049 joined"));
    assert!(!oldest.contains("member number 050 joined"));
    assert!(!oldest.contains("id=\"older\""));
    assert!(oldest.contains("id=\"newest\""));
}

/// Which of the seeded events the viewer shows for `query`.
async fn shown(owner: &mut Browser, query: &str) -> Vec<&'static str> {
    let response = owner.get(&logs(small::GUILD, query)).await;
    assert_eq!(response.status(), StatusCode::OK, "{query}");
    let page = response.text().await.unwrap();
    [
        ("joined", page.contains("Member joined</strong>")),
        ("deleted", page.contains("Message deleted</strong>")),
        ("timed out", page.contains("Member timed out</strong>")),
    ]
    .into_iter()
    .filter(|(_, shown)| *shown)
    .map(|(name, _)| name)
    .collect()
}

/// The `href` of the paging link with `id`.
fn link(page: &str, id: &str) -> String {
    let at = page
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no {id} link"));
    let tail = &page[at..];
    let start = tail.find("href=\"").unwrap() + 6;
    let end = tail[start..].find('"').unwrap();
    tail[start..start + end].replace("&amp;", "&")
}

#[tokio::test]
async fn a_member_page_shows_cases_events_and_level() {
    let harness = Harness::start().await;
    names(&harness);
    seed(&harness).await;
    crate::moderation::add_case(
        &harness,
        small::GUILD,
        CaseKind::Warn,
        CaseActor::Moderator(small::MOD_A),
        "posting scam links",
    )
    .await;
    harness
        .state
        .core
        .levels
        .set(small::GUILD, small::MEMBER_A, 1_500)
        .await
        .unwrap();
    let mut owner = harness.login(small::OWNER).await;
    let path = format!("/guilds/{}/members/{}", small::GUILD, small::MEMBER_A);
    let response = owner.get(&path).await;
    assert_eq!(response.status(), StatusCode::OK);
    let page = response.text().await.unwrap();
    assert!(page.contains("Ava"));
    assert!(page.contains("posting scam links"), "{page}");
    assert!(page.contains("Member joined"));
    assert!(page.contains("A message by @Ava was deleted in #general"));
    assert!(!page.contains("@Bastian was timed out"));
    assert!(page.contains("1500"), "the XP: {page}");
    assert!(page.contains("Rank"));
    assert!(page.contains(&format!(
        "/guilds/{}/logs?member={}",
        small::GUILD,
        small::MEMBER_A
    )));
    // The cases list links to the member page.
    let cases = owner
        .get(&format!("/guilds/{}/cases", small::GUILD))
        .await
        .text()
        .await
        .unwrap();
    assert!(cases.contains(&path));
    // A user id not written canonically is no page.
    for bad in ["0123", "+5", "abc"] {
        assert_eq!(
            owner
                .get(&format!("/guilds/{}/members/{bad}", small::GUILD))
                .await
                .status(),
            StatusCode::NOT_FOUND,
            "{bad}"
        );
    }
}
