//! The premium service on both backends, on a clock the tests move: tiers from grants and
//! entitlements and their ends, limits by tier, the gate on role panels, and two processes
//! sharing one database.

use std::sync::Arc;
use std::time::Duration;

use super::*;
use crate::clock::{Clock as _, ManualClock, SharedClock, UnixMillis};
use crate::coordination::MemoryCoordination;
use crate::ids::{ChannelId, EntitlementId, GuildId, RoleId, SkuId, UserId};
use crate::roles::{
    GuildRoles, PanelChoice, PanelContent, PanelEdit, PanelOption, PanelRequest, PanelStyle,
    RoleError,
};

const GUILD: GuildId = GuildId::new(10);
const SKU: u64 = 1_300_000_000_000_000_001;

fn config() -> PremiumConfig {
    let mut config = PremiumConfig::default();
    config.skus.insert(SKU.to_string(), Tier::Premium);
    config.limits.free.role_panels = 1;
    config
}

fn core_on(db: &crate::db::Db, clock: &Arc<ManualClock>) -> crate::Core {
    let shared: SharedClock = Arc::clone(clock) as SharedClock;
    let coordination = Arc::new(MemoryCoordination::new(Arc::clone(&shared)));
    let core = crate::Core::new(db.clone(), shared, coordination, 3);
    core.premium.configure(config());
    core
}

fn entitlement(id: u64, sku: u64, ends_at: Option<UnixMillis>) -> Entitlement {
    Entitlement {
        id: EntitlementId::new(id),
        sku: SkuId::new(sku),
        guild: Some(GUILD),
        user: Some(UserId::new(5)),
        kind: 8,
        starts_at: Some(UnixMillis(0)),
        ends_at,
        deleted: false,
    }
}

#[tokio::test]
async fn tiers_come_from_grants_and_entitlements_and_end_on_time() {
    for test_db in crate::testing::backends().await {
        let clock = Arc::new(ManualClock::new(UnixMillis(1_000_000)));
        let core = core_on(&test_db.db, &clock);
        let premium = &core.premium;
        assert_eq!(premium.tier(GUILD), Tier::Free);

        // A grant for an hour: premium now, free after, and its end scheduled.
        let hour = clock.now().plus(Duration::from_secs(3_600));
        premium
            .grant(GUILD, Tier::Premium, Some(hour), "operator:test", "trial")
            .await
            .unwrap();
        let status = premium.status(GUILD);
        assert_eq!(status.tier, Tier::Premium);
        assert_eq!(status.until, Some(hour));
        assert_eq!(
            status.source.unwrap().describe(),
            "granted by operator:test: trial"
        );
        assert!(premium.require(GUILD, Perk::TimedRoles).is_ok());
        clock.advance(Duration::from_secs(3_600));
        assert_eq!(
            premium.tier(GUILD),
            Tier::Free,
            "ends at its end, to the millisecond"
        );
        let wall = premium.require(GUILD, Perk::TimedRoles).unwrap_err();
        assert_eq!(wall.sku, Some(SkuId::new(SKU)), "the wall offers the SKU");

        // Refused: a past end, the free tier, a revoke without a grant, control characters.
        let past = premium
            .grant(GUILD, Tier::Premium, Some(UnixMillis(5)), "op", "")
            .await
            .unwrap_err();
        assert!(past.to_string().contains("has passed"), "{past}");
        assert!(
            premium
                .grant(GUILD, Tier::Free, None, "op", "")
                .await
                .is_err()
        );
        assert!(
            premium
                .grant(GUILD, Tier::Premium, None, "op", "a\u{7}b")
                .await
                .unwrap_err()
                .to_string()
                .contains("control characters")
        );
        premium.revoke(GUILD, "op").await.unwrap();
        let none = premium.revoke(GUILD, "op").await.unwrap_err();
        assert!(none.to_string().contains("no premium grant"), "{none}");

        // A subscription without an end is active until Discord ends or deletes it.
        assert!(
            premium
                .record_entitlement(&entitlement(77, SKU, None))
                .await
                .unwrap()
        );
        assert!(
            !premium
                .record_entitlement(&entitlement(77, SKU, None))
                .await
                .unwrap(),
            "seen again: no change"
        );
        assert_eq!(premium.tier(GUILD), Tier::Premium);
        let ends = clock.now().plus(Duration::from_secs(60));
        premium
            .record_entitlement(&entitlement(77, SKU, Some(ends)))
            .await
            .unwrap();
        assert_eq!(premium.tier(GUILD), Tier::Premium);
        clock.advance(Duration::from_secs(60));
        assert_eq!(premium.tier(GUILD), Tier::Free);
        // A SKU the operator did not configure grants nothing.
        premium
            .record_entitlement(&entitlement(78, 999, None))
            .await
            .unwrap();
        assert_eq!(premium.tier(GUILD), Tier::Free);
        // The startup fetch: what Discord no longer lists was deleted while the bot was away.
        premium
            .record_entitlement(&entitlement(79, SKU, None))
            .await
            .unwrap();
        assert_eq!(premium.tier(GUILD), Tier::Premium);
        // An entitlement an event brought after the fetch started is newer than its list.
        let fetched_at = clock.now();
        clock.advance(Duration::from_millis(5));
        premium
            .record_entitlement(&entitlement(80, SKU, None))
            .await
            .unwrap();
        premium.replace_entitlements(&[], fetched_at).await.unwrap();
        assert_eq!(
            premium.tier(GUILD),
            Tier::Premium,
            "bought during the fetch: not marked deleted"
        );
        // A fetch started after it, listing neither: both were deleted while the bot was away.
        clock.advance(Duration::from_millis(5));
        let later = clock.now();
        premium.replace_entitlements(&[], later).await.unwrap();
        assert_eq!(premium.tier(GUILD), Tier::Free);
        let stored = premium.entitlements(GUILD).await.unwrap();
        assert!(stored.iter().all(|e| e.deleted), "{stored:?}");

        let actions: Vec<String> = crate::audit::recent(&test_db.db, Some(GUILD), 50)
            .await
            .unwrap()
            .into_iter()
            .map(|entry| entry.action)
            .collect();
        assert!(actions.contains(&"premium.grant".to_owned()), "{actions:?}");
        assert!(
            actions.contains(&"premium.revoke".to_owned()),
            "{actions:?}"
        );
        assert!(
            actions.contains(&"premium.entitlement".to_owned()),
            "{actions:?}"
        );
    }
}

#[tokio::test]
async fn another_process_sees_a_change_at_its_next_poll() {
    for test_db in crate::testing::backends().await {
        let clock = Arc::new(ManualClock::new(UnixMillis(1_000_000)));
        let (one, two) = (core_on(&test_db.db, &clock), core_on(&test_db.db, &clock));
        two.premium.load().await.unwrap();
        one.premium
            .grant(GUILD, Tier::Premium, None, "op", "")
            .await
            .unwrap();
        assert_eq!(two.premium.tier(GUILD), Tier::Free, "separate memory");
        two.premium.poll_changes().await;
        assert_eq!(two.premium.tier(GUILD), Tier::Premium);
        one.premium.revoke(GUILD, "op").await.unwrap();
        two.premium.poll_changes().await;
        assert_eq!(two.premium.tier(GUILD), Tier::Free);
    }
}

fn panel(title: &str, timed: Option<Duration>) -> PanelContent {
    PanelContent {
        title: title.into(),
        description: String::new(),
        style: PanelStyle::Buttons,
        choice: PanelChoice::Multiple,
        options: vec![PanelOption::new(RoleId::new(3), "Pings")],
        requirements: crate::eligibility::Requirements::default(),
        timed,
    }
}

fn request(content: PanelContent) -> PanelRequest {
    PanelRequest {
        guild: GUILD,
        channel: ChannelId::new(20),
        content,
        created_by: UserId::new(1),
    }
}

#[tokio::test]
async fn limits_refuse_new_items_only_and_premium_items_pause_when_premium_ends() {
    for test_db in crate::testing::backends().await {
        let clock = Arc::new(ManualClock::new(UnixMillis(1_000_000)));
        let core = core_on(&test_db.db, &clock);
        let settings = crate::roles::RoleSettings::default();
        let roles = GuildRoles::unknown(GUILD);

        // Free: one panel, no timed panel.
        core.roles
            .create_panel_for(&settings, request(panel("One", None)), &roles)
            .await
            .unwrap();
        match core
            .roles
            .create_panel_for(&settings, request(panel("Two", None)), &roles)
            .await
        {
            Err(RoleError::Limit(reached)) => assert_eq!(
                reached.sentence(),
                "This server has 1 role panel; the Free tier allows 1. Guildhall Premium allows 50. Delete one to make another."
            ),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            core.roles
                .create_panel_for(
                    &settings,
                    request(panel("Timed", Some(Duration::from_secs(60)))),
                    &roles
                )
                .await,
            Err(RoleError::Premium(_) | RoleError::Limit(_))
        ));
        assert_eq!(
            core.roles.panels(GUILD).await.unwrap().len(),
            1,
            "nothing half-written"
        );

        // Premium for a day: more panels, a timed one.
        core.premium
            .grant(
                GUILD,
                Tier::Premium,
                Some(clock.now().plus(Duration::from_secs(86_400))),
                "op",
                "",
            )
            .await
            .unwrap();
        core.roles
            .create_panel_for(&settings, request(panel("Two", None)), &roles)
            .await
            .unwrap();
        let timed = core
            .roles
            .create_panel_for(
                &settings,
                request(panel("Timed", Some(Duration::from_secs(60)))),
                &roles,
            )
            .await
            .unwrap();
        assert!(
            usage(&core, GUILD)
                .await
                .unwrap()
                .iter()
                .all(|limit| !limit.over())
        );
        assert!(paused(&core, GUILD).await.unwrap().is_empty());

        // Premium ends: nothing is deleted; the guild is over its limit (new panels refused,
        // edits of what it has allowed) and the timed panel is paused.
        clock.advance(Duration::from_secs(86_400));
        assert_eq!(core.roles.panels(GUILD).await.unwrap().len(), 3);
        let over = usage(&core, GUILD).await.unwrap();
        let panels = over
            .iter()
            .find(|limit| limit.kind == "role_panels")
            .unwrap();
        assert_eq!((panels.used, panels.limit), (Some(3), 1));
        assert!(panels.over());
        assert!(matches!(
            core.roles
                .create_panel_for(&settings, request(panel("Four", None)), &roles)
                .await,
            Err(RoleError::Limit(_))
        ));
        core.roles
            .edit_panel_for(
                &settings,
                PanelEdit {
                    guild: GUILD,
                    panel: core.roles.panels(GUILD).await.unwrap()[0].id,
                    content: panel("One, renamed", None),
                    editor: UserId::new(1),
                },
                &roles,
            )
            .await
            .unwrap();
        let waiting = paused(&core, GUILD).await.unwrap();
        assert_eq!(waiting.len(), 1, "{waiting:?}");
        assert_eq!(waiting[0].perk, Perk::TimedRoles);
        assert!(
            waiting[0].what.contains(&format!("#{}", timed.id)),
            "{waiting:?}"
        );
        assert!(!core.roles.timed_allowed(GUILD));
        // Premium again resumes it.
        core.premium
            .grant(GUILD, Tier::Premium, None, "op", "")
            .await
            .unwrap();
        assert!(paused(&core, GUILD).await.unwrap().is_empty());
        assert!(core.roles.timed_allowed(GUILD));
    }
}

#[tokio::test]
async fn running_giveaways_are_held_to_the_tiers_limit_inside_the_insert() {
    use crate::giveaways::{GiveawayError, GiveawayRequest, Manager};
    for test_db in crate::testing::backends().await {
        let clock = Arc::new(ManualClock::new(UnixMillis(1_000_000)));
        let core = core_on(&test_db.db, &clock);
        let mut limited = config();
        limited.limits.free.giveaways = 1;
        core.premium.configure(limited);
        let start = || GiveawayRequest {
            guild: GUILD,
            channel: ChannelId::new(20),
            prize: "A keyboard".into(),
            winners: 1,
            duration: Duration::from_secs(3_600),
            requirements: None,
            by: Manager::Operator,
        };
        let names = crate::eligibility::RoleMentions;
        core.giveaways.start(start(), &names).await.unwrap();
        match core.giveaways.start(start(), &names).await {
            Err(GiveawayError::Limit(reached)) => assert_eq!(
                reached.sentence(),
                "This server has 1 giveaway running; the Free tier allows 1. Guildhall Premium allows 25. End one to start another."
            ),
            other => panic!("{other:?}"),
        }
        assert_eq!(
            usage(&core, GUILD)
                .await
                .unwrap()
                .iter()
                .find(|limit| limit.kind == "giveaways")
                .and_then(|limit| limit.used),
            Some(1),
            "nothing half-written"
        );
        core.premium
            .grant(GUILD, Tier::Premium, None, "op", "")
            .await
            .unwrap();
        core.giveaways.start(start(), &names).await.unwrap();
    }
}
