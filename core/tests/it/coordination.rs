//! The coordination port's behaviour, the same tests on memory and (with `REDIS_URL`) Redis.

use std::sync::Arc;
use std::time::Duration;

use guildhall_core::clock::{ManualClock, SystemClock, UnixMillis};
use guildhall_core::coordination::{
    Cooldown, Coordination, CoordinationError, Key, MemoryCoordination, RateLimit,
    RedisCoordination, TokenBucket,
};
use guildhall_core::ids::GuildId;
use guildhall_core::testing;

async fn implementations() -> Vec<Arc<dyn Coordination>> {
    let mut all: Vec<Arc<dyn Coordination>> =
        vec![Arc::new(MemoryCoordination::new(Arc::new(SystemClock)))];
    if let Some(url) = testing::service_url("REDIS_URL", "Redis coordination") {
        let prefix = testing::unique_name("gh-test");
        all.push(Arc::new(
            RedisCoordination::connect(&url, &prefix)
                .await
                .expect("connect to REDIS_URL"),
        ));
    }
    all
}

fn key(guild: u64, id: &str) -> Key {
    Key::guild(GuildId::new(guild), "test", id)
}

#[tokio::test]
async fn cooldowns_are_set_if_absent_and_expire() {
    for coordination in implementations().await {
        let name = coordination.backend();
        let ttl = Duration::from_millis(300);
        assert_eq!(
            coordination.try_cooldown(&key(1, "u"), ttl).await.unwrap(),
            Cooldown::Started,
            "{name}"
        );
        match coordination.try_cooldown(&key(1, "u"), ttl).await.unwrap() {
            Cooldown::Active { remaining } => assert!(
                remaining <= ttl && remaining > Duration::ZERO,
                "{name}: {remaining:?}"
            ),
            other => panic!("{name}: expected an active cooldown, got {other:?}"),
        }
        // Another guild's (or user's) cooldown is independent.
        assert_eq!(
            coordination.try_cooldown(&key(2, "u"), ttl).await.unwrap(),
            Cooldown::Started,
            "{name}"
        );
        assert_eq!(
            coordination.try_cooldown(&key(1, "v"), ttl).await.unwrap(),
            Cooldown::Started,
            "{name}"
        );
        testing::wait_for("cooldown expiry", Duration::from_secs(5), || async {
            (coordination.try_cooldown(&key(1, "u"), ttl).await.unwrap() == Cooldown::Started)
                .then_some(())
        })
        .await;
    }
}

#[tokio::test]
async fn sliding_windows_count_recent_hits_per_key() {
    for coordination in implementations().await {
        let name = coordination.backend();
        let window = Duration::from_millis(400);
        for expected in 1..=4 {
            assert_eq!(
                coordination
                    .hit_window(&key(1, "spam"), window)
                    .await
                    .unwrap(),
                expected,
                "{name}"
            );
        }
        assert_eq!(
            coordination
                .hit_window(&key(2, "spam"), window)
                .await
                .unwrap(),
            1,
            "{name}"
        );
        // Every hit counts, so polling would keep the window full: let it pass instead.
        tokio::time::sleep(window + Duration::from_millis(50)).await;
        assert_eq!(
            coordination
                .hit_window(&key(1, "spam"), window)
                .await
                .unwrap(),
            1,
            "{name}"
        );
    }
}

#[tokio::test]
async fn token_buckets_allow_a_burst_then_say_when_to_retry() {
    for coordination in implementations().await {
        let name = coordination.backend();
        let bucket = TokenBucket {
            capacity: 3,
            refill_per_sec: 5.0,
        };
        for remaining in [2, 1, 0] {
            assert_eq!(
                coordination
                    .take_tokens(&key(1, "b"), bucket, 1)
                    .await
                    .unwrap(),
                RateLimit::Allowed { remaining },
                "{name}"
            );
        }
        match coordination
            .take_tokens(&key(1, "b"), bucket, 1)
            .await
            .unwrap()
        {
            RateLimit::Limited { retry_after } => assert!(
                retry_after <= Duration::from_millis(200),
                "{name}: {retry_after:?}"
            ),
            other => panic!("{name}: expected a limit, got {other:?}"),
        }
        assert!(
            matches!(
                coordination
                    .take_tokens(&key(2, "b"), bucket, 3)
                    .await
                    .unwrap(),
                RateLimit::Allowed { remaining: 0 }
            ),
            "{name}"
        );
        let too_much = coordination.take_tokens(&key(1, "c"), bucket, 4).await;
        assert!(
            matches!(too_much, Err(CoordinationError::Invalid(_))),
            "{name}: {too_much:?}"
        );
        testing::wait_for("refill", Duration::from_secs(5), || async {
            matches!(
                coordination
                    .take_tokens(&key(1, "b"), bucket, 1)
                    .await
                    .unwrap(),
                RateLimit::Allowed { .. }
            )
            .then_some(())
        })
        .await;
    }
}

#[tokio::test]
async fn published_messages_reach_every_subscriber_of_the_topic_only() {
    for coordination in implementations().await {
        let name = coordination.backend();
        let mut first = coordination.subscribe("topic.a").await.unwrap();
        let mut second = coordination.subscribe("topic.a").await.unwrap();
        let mut other = coordination.subscribe("topic.b").await.unwrap();
        coordination.publish("topic.a", "hello").await.unwrap();
        coordination.publish("topic.b", "other").await.unwrap();
        for subscription in [&mut first, &mut second] {
            let message = tokio::time::timeout(Duration::from_secs(5), subscription.recv()).await;
            assert_eq!(message.ok().flatten().as_deref(), Some("hello"), "{name}");
        }
        let message = tokio::time::timeout(Duration::from_secs(5), other.recv()).await;
        assert_eq!(
            message.ok().flatten().as_deref(),
            Some("other"),
            "{name}: topics must not mix"
        );
    }
}

#[tokio::test]
async fn memory_windows_slide_exactly_on_the_clock() {
    let clock = ManualClock::new(UnixMillis(0));
    let coordination = MemoryCoordination::new(Arc::new(clock.clone()));
    let window = Duration::from_millis(1_000);
    let spam = key(1, "exact");
    assert_eq!(coordination.hit_window(&spam, window).await.unwrap(), 1);
    clock.advance(Duration::from_millis(500));
    assert_eq!(coordination.hit_window(&spam, window).await.unwrap(), 2);
    clock.advance(Duration::from_millis(499));
    assert_eq!(coordination.hit_window(&spam, window).await.unwrap(), 3);
    clock.advance(Duration::from_millis(1));
    // The first hit is now exactly one window old and no longer counts.
    assert_eq!(coordination.hit_window(&spam, window).await.unwrap(), 3);
    clock.advance(Duration::from_millis(2_000));
    assert_eq!(coordination.hit_window(&spam, window).await.unwrap(), 1);
}

#[tokio::test]
async fn keys_always_carry_their_guild() {
    assert_eq!(
        Key::guild(GuildId::new(7), "levels.cooldown", 42).render(),
        "g:7:levels.cooldown:42"
    );
    assert_eq!(
        Key::global("outbound", "send").render(),
        "global:outbound:send"
    );
    assert_ne!(key(1, "x").render(), key(2, "x").render());
}
