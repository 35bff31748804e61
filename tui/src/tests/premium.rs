//! The premium pane: every guild with its tier, end and source (a grant, a Discord subscription,
//! free), the selected guild's limits and spans; `g` grants after asking the end and a note,
//! refusing an end it cannot read or that has passed; `r` revokes after a confirmation. And the
//! overview's premium guilds.

use std::collections::BTreeMap;
use std::time::Duration;

use guildhall_core::ids::{EntitlementId, GuildId, SkuId, UserId};
use guildhall_core::premium::{Entitlement, PremiumConfig, Tier};
use ratatui::crossterm::event::KeyCode;

use super::{GUILD, Harness, NOW, OTHER_GUILD, running_instance};
use crate::action::{Action, InputMode};
use crate::panes::PaneId;

const SKU: u64 = 1_300_000_000_000_000_001;
const SUBSCRIBED: GuildId = GuildId::new(3_333_333_333_333_333_333);
const DAY: Duration = Duration::from_secs(86_400);

/// The console's actor, as for every change made in it.
const CONSOLE: &str = super::ACTOR;

fn configure(harness: &Harness) {
    harness.services.premium.configure(PremiumConfig {
        skus: BTreeMap::from([(SKU.to_string(), Tier::Premium)]),
        ..PremiumConfig::default()
    });
}

/// `SUBSCRIBED` has a Discord subscription that started 5 days ago and renews in 26.
async fn subscribe(harness: &Harness) {
    let entitlement = Entitlement {
        id: EntitlementId::new(1_400_000_000_000_000_001),
        sku: SkuId::new(SKU),
        guild: Some(SUBSCRIBED),
        user: Some(UserId::new(424_242_424_242_424_242)),
        kind: 8,
        starts_at: Some(NOW.minus(5 * DAY)),
        ends_at: Some(NOW.plus(26 * DAY)),
        deleted: false,
    };
    assert!(
        harness
            .services
            .premium
            .record_entitlement(&entitlement)
            .await
            .unwrap()
    );
}

/// Three guilds: Tavern of Testing granted premium for 30 days, Subscribed Hall through Discord,
/// Quiet Library free.
async fn three_guilds() -> Harness {
    let harness = Harness::new(None).await;
    configure(&harness);
    harness.add_guild(GUILD, "Tavern of Testing").await;
    harness.add_guild(OTHER_GUILD, "Quiet Library").await;
    harness.add_guild(SUBSCRIBED, "Subscribed Hall").await;
    harness
        .services
        .premium
        .grant(
            GUILD,
            Tier::Premium,
            Some(NOW.plus(30 * DAY)),
            "operator:cli",
            "launch partner",
        )
        .await
        .unwrap();
    subscribe(&harness).await;
    harness
}

fn screen_has(harness: &Harness, text: &str) {
    let screen = harness.screen();
    assert!(screen.contains(text), "{text:?} is not on\n{screen}");
}

#[tokio::test]
async fn premium_lists_granted_subscribed_and_free_guilds_with_details() {
    let mut harness = three_guilds().await;
    harness
        .act(Action::ShowPane(PaneId::named("premium")))
        .await;
    // Premium first (Subscribed Hall, Tavern of Testing), then the free guilds, by name.
    insta::assert_snapshot!("premium_entitlement_guild", harness.screen());

    harness.key(KeyCode::Down).await;
    insta::assert_snapshot!("premium_granted_guild", harness.screen());

    harness.key(KeyCode::Down).await;
    insta::assert_snapshot!("premium_free_guild", harness.screen());
}

#[tokio::test]
async fn a_grant_with_an_end_it_cannot_use_writes_nothing() {
    let mut harness = Harness::new(None).await;
    harness.add_guild(GUILD, "Tavern of Testing").await;
    harness
        .act(Action::ShowPane(PaneId::named("premium")))
        .await;

    // A time that has passed: the error says what is accepted; no note is asked.
    harness.key(KeyCode::Char('g')).await;
    assert_eq!(harness.app.input_mode(), InputMode::Text);
    harness.keys("2020-01-01T00:00:00Z").await;
    screen_has(&harness, "premium for Tavern of Testing ends");
    harness.key(KeyCode::Enter).await;
    assert_eq!(harness.app.input_mode(), InputMode::Normal);
    insta::assert_snapshot!("premium_grant_in_the_past", harness.screen());
    screen_has(&harness, "2020-01-01 00:00 UTC has passed");

    // Something that is not a time at all.
    harness.key(KeyCode::Char('g')).await;
    harness.keys("next tuesday").await;
    harness.key(KeyCode::Enter).await;
    assert_eq!(harness.app.input_mode(), InputMode::Normal);
    screen_has(
        &harness,
        "`next tuesday` is not an end; give +30d, an RFC 3339",
    );

    // Esc on the note gives up too.
    harness.key(KeyCode::Char('g')).await;
    harness.keys("+30d").await;
    harness.key(KeyCode::Enter).await;
    screen_has(&harness, "note for the grant to Tavern of Testing (+30d):");
    harness.key(KeyCode::Esc).await;
    assert_eq!(harness.app.input_mode(), InputMode::Normal);

    let premium = &harness.services.premium;
    assert!(premium.grants().await.unwrap().is_empty());
    assert_eq!(premium.status(GUILD).tier, Tier::Free);
    let audit = guildhall_core::audit::recent(&harness.services.db, Some(GUILD), 10)
        .await
        .unwrap();
    assert!(audit.is_empty(), "{audit:?}");
}

#[tokio::test]
async fn g_grants_for_thirty_days_and_r_revokes_after_a_yes() {
    let mut harness = Harness::new(None).await;
    harness.add_guild(GUILD, "Tavern of Testing").await;
    harness
        .act(Action::ShowPane(PaneId::named("premium")))
        .await;

    // Revoking a guild without a grant says so, without a question.
    harness.key(KeyCode::Char('r')).await;
    assert_eq!(harness.app.input_mode(), InputMode::Normal);
    screen_has(&harness, "Tavern of Testing has no premium grant to revoke");

    harness.key(KeyCode::Char('g')).await;
    harness.keys("+30d").await;
    harness.key(KeyCode::Enter).await;
    assert_eq!(harness.app.input_mode(), InputMode::Text);
    harness.keys("community award").await;
    harness.key(KeyCode::Enter).await;

    let premium = &harness.services.premium;
    let status = premium.status(GUILD);
    assert_eq!(status.tier, Tier::Premium);
    assert_eq!(status.until, Some(NOW.plus(30 * DAY)));
    let grants = premium.grants().await.unwrap();
    assert_eq!(grants.len(), 1);
    assert_eq!(grants[0].granted_by, CONSOLE);
    assert_eq!(grants[0].note, "community award");
    let audit = guildhall_core::audit::recent(&harness.services.db, Some(GUILD), 10)
        .await
        .unwrap();
    assert_eq!(audit[0].action, "premium.grant");
    assert_eq!(audit[0].actor, CONSOLE);
    screen_has(
        &harness,
        "granted premium to Tavern of Testing until 2027-02-14 (in 30 days), as",
    );
    screen_has(&harness, "premium until 2027-02-14 (in 30 days)");

    // No keeps the grant; yes revokes it.
    harness.key(KeyCode::Char('r')).await;
    assert_eq!(harness.app.input_mode(), InputMode::Confirm);
    insta::assert_snapshot!("premium_confirm_revoke", harness.screen());
    harness.key(KeyCode::Char('n')).await;
    assert_eq!(harness.services.premium.status(GUILD).tier, Tier::Premium);
    harness.key(KeyCode::Char('r')).await;
    harness.key(KeyCode::Char('y')).await;

    let premium = &harness.services.premium;
    assert_eq!(premium.status(GUILD).tier, Tier::Free);
    assert!(premium.grants().await.unwrap().is_empty());
    let audit = guildhall_core::audit::recent(&harness.services.db, Some(GUILD), 10)
        .await
        .unwrap();
    assert_eq!(audit[0].action, "premium.revoke");
    assert_eq!(audit[0].actor, CONSOLE);
    screen_has(
        &harness,
        "revoked the premium grant of Tavern of Testing; it is on the free tier now",
    );
}

#[tokio::test]
async fn a_subscription_is_not_revoked_from_the_console() {
    let mut harness = three_guilds().await;
    harness
        .act(Action::ShowPane(PaneId::named("premium")))
        .await;
    screen_has(&harness, "Subscribed Hall · Premium");
    harness.key(KeyCode::Char('r')).await;
    assert_eq!(harness.app.input_mode(), InputMode::Normal);
    screen_has(
        &harness,
        "Subscribed Hall has no premium grant to revoke: its premium comes from a Discord",
    );
    assert_eq!(
        harness.services.premium.status(SUBSCRIBED).tier,
        Tier::Premium
    );
}

#[tokio::test]
async fn a_grant_made_elsewhere_shows_after_a_reload() {
    let mut harness = Harness::new(None).await;
    harness.add_guild(GUILD, "Tavern of Testing").await;
    harness
        .act(Action::ShowPane(PaneId::named("premium")))
        .await;
    screen_has(&harness, "Premium · 0 of 1 guilds");
    // Another process (the CLI) writes the grant; this console's service has not seen it.
    guildhall_core::premium::store::put_grant(
        &harness.services.db,
        &guildhall_core::premium::Grant {
            guild: GUILD,
            tier: Tier::Premium,
            expires_at: None,
            granted_by: "operator:cli".into(),
            granted_at: NOW,
            note: String::new(),
        },
    )
    .await
    .unwrap();
    harness.key(KeyCode::Char('R')).await;
    screen_has(&harness, "Premium · 1 of 1 guilds");
    screen_has(&harness, "no end");
}

#[tokio::test]
async fn overview_shows_premium_guilds() {
    let mut harness = Harness::new(Some(running_instance())).await;
    configure(&harness);
    harness.add_guild(GUILD, "Tavern of Testing").await;
    harness.add_guild(OTHER_GUILD, "Quiet Library").await;
    harness.add_guild(SUBSCRIBED, "Subscribed Hall").await;
    let premium = &harness.services.premium;
    premium
        .grant(
            GUILD,
            Tier::Premium,
            Some(NOW.plus(30 * DAY)),
            "operator:cli",
            "",
        )
        .await
        .unwrap();
    premium
        .grant(OTHER_GUILD, Tier::Premium, None, "operator:cli", "")
        .await
        .unwrap();
    // A grant for a guild the console does not know: its id stands in for its name.
    premium
        .grant(
            GuildId::new(4_444_444_444_444_444_444),
            Tier::Premium,
            Some(NOW.plus(2 * DAY)),
            "operator:cli",
            "",
        )
        .await
        .unwrap();
    subscribe(&harness).await;
    harness.start().await;
    insta::assert_snapshot!(harness.screen());
}
