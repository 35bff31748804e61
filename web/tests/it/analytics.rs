//! The analytics page: charts and tables from the daily figures, channels by name, the range
//! picker refusing what it does not offer, and the CSV export behind premium.

use guildhall_core::analytics::{Activity, aggregate};
use guildhall_core::clock::Clock as _;
use guildhall_sandbox::seed::small;
use reqwest::StatusCode;

use crate::support::Harness;

async fn seed(harness: &Harness) {
    crate::roles::cache_small_guild(harness);
    harness.state.core.guild_cache.put_channel(
        small::GUILD,
        small::GENERAL,
        "general".into(),
        guildhall_core::references::ChannelKind::Text,
        None,
        0,
        false,
    );
    let now = harness.clock.now();
    let db = &harness.state.core.db;
    let activity = Activity::new(db.clone());
    for n in 0..12 {
        activity.message(
            small::GUILD,
            small::GENERAL,
            small::MEMBER_A,
            now.minus(std::time::Duration::from_secs(n * 3_600)),
        );
    }
    activity.joined(small::GUILD, now);
    activity.message(
        small::OTHER_GUILD,
        small::OTHER_GENERAL,
        small::OTHER_OWNER,
        now,
    );
    activity.flush().await.unwrap();
    aggregate::aggregate_guild(db, small::GUILD, now)
        .await
        .unwrap();
}

#[tokio::test]
async fn the_page_charts_the_days_with_channel_names_and_the_csv_needs_premium() {
    let harness = Harness::start().await;
    seed(&harness).await;
    let mut owner = harness.login(small::OWNER).await;
    let page_url = format!("/guilds/{}/analytics", small::GUILD);
    let response = owner.get(&format!("{page_url}?range=7")).await;
    assert_eq!(response.status(), StatusCode::OK);
    let page = response.text().await.unwrap();
    assert!(page.contains("<svg"), "a chart");
    assert!(page.contains("Joins and leaves"));
    assert_eq!(page.matches("<svg").count(), 6, "one chart per figure");
    // Seven bars of messages (one a day), the total in words, the channel by name.
    assert!(page.contains("In the range: Messages 12"), "{page}");
    let top = &page[page.find("id=\"top-channels\"").expect("the top channels")..];
    assert!(top.contains("#general"), "{top}");
    // A range it does not offer: 400 naming the ranges.
    let refused = owner.get(&format!("{page_url}?range=8")).await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    assert!(refused.text().await.unwrap().contains("choose 7, 30 or 90"));
    // The CSV: the premium wall, then the file.
    let csv_url = format!("/guilds/{}/analytics.csv?range=30", small::GUILD);
    assert_eq!(
        owner.get(&csv_url).await.status(),
        StatusCode::PAYMENT_REQUIRED
    );
    harness
        .state
        .core
        .premium
        .grant(
            small::GUILD,
            guildhall_core::premium::Tier::Premium,
            None,
            "operator:test",
            "test",
        )
        .await
        .unwrap();
    let csv = owner.get(&csv_url).await;
    assert_eq!(csv.status(), StatusCode::OK);
    assert!(
        csv.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let body = csv.text().await.unwrap();
    assert!(
        body.starts_with("day,metric,channel_id,channel,value\n"),
        "{body}"
    );
    assert!(
        body.contains(&format!("messages,{},#general,12", small::GENERAL)),
        "{body}"
    );
    // Another guild's figures are its own, and a member without Manage Server sees nothing.
    assert!(!body.contains(&small::OTHER_GENERAL.to_string()));
    let mut member = harness.login(small::MEMBER_A).await;
    assert_eq!(member.get(&page_url).await.status(), StatusCode::FORBIDDEN);
}
