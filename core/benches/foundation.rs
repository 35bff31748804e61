//! Figures for the foundation: the hot-path settings read and premium tier lookup, coordination
//! operations, and the job ledger's throughput and lateness. Prints a table; asserts nothing.
//!
//! `cargo bench -p guildhall-core --bench foundation` (PostgreSQL and Redis rows appear when
//! `DATABASE_URL` / `REDIS_URL` are set).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use guildhall_core::clock::{SharedClock, SystemClock};
use guildhall_core::coordination::{
    Coordination, Key, MemoryCoordination, RedisCoordination, TokenBucket,
};
use guildhall_core::db::Db;
use guildhall_core::guild_config::GuildConfigService;
use guildhall_core::ids::GuildId;
use guildhall_core::jobs::{
    Job, JobFailure, JobFilter, JobHandler, JobLedger, JobOutcome, JobRecord, JobRegistry,
    JobState, NewJob, Worker, WorkerOptions,
};
use guildhall_core::testing;
use tokio_util::sync::CancellationToken;

fn per_op(elapsed: Duration, operations: u64) -> String {
    let nanos = elapsed.as_nanos() as f64 / operations as f64;
    if nanos >= 1_000.0 {
        format!("{:.1} µs/op", nanos / 1_000.0)
    } else {
        format!("{nanos:.0} ns/op")
    }
}

fn row(name: &str, figure: &str) {
    println!("{name:<58} {figure}");
}

async fn settings_read(db: &Db) {
    let clock: SharedClock = Arc::new(SystemClock);
    let coordination: Arc<dyn Coordination> = Arc::new(MemoryCoordination::new(Arc::clone(&clock)));
    let service = GuildConfigService::new(db.clone(), clock, coordination);
    let guilds: Vec<GuildId> = (1..=1_000).map(GuildId::new).collect();
    for guild in &guilds {
        service.get(*guild).await.unwrap();
    }
    let operations = 2_000_000u64;
    let start = Instant::now();
    for index in 0..operations {
        let guild = guilds[(index % 1_000) as usize];
        black_box(service.cached(guild).unwrap().features.levels);
    }
    row(
        "settings: cached read (1,000 guilds, message path)",
        &per_op(start.elapsed(), operations),
    );
}

async fn coordination_ops(name: &str, coordination: &dyn Coordination, operations: u64) {
    let guild = GuildId::new(1);
    let start = Instant::now();
    for user in 0..operations {
        coordination
            .try_cooldown(
                &Key::guild(guild, "bench.cooldown", user % 5_000),
                Duration::from_secs(60),
            )
            .await
            .unwrap();
    }
    row(
        &format!("coordination {name}: cooldown"),
        &per_op(start.elapsed(), operations),
    );
    let start = Instant::now();
    for user in 0..operations {
        coordination
            .hit_window(
                &Key::guild(guild, "bench.window", user % 5_000),
                Duration::from_secs(10),
            )
            .await
            .unwrap();
    }
    row(
        &format!("coordination {name}: sliding-window hit"),
        &per_op(start.elapsed(), operations),
    );
    let bucket = TokenBucket {
        capacity: 10,
        refill_per_sec: 1.0,
    };
    let start = Instant::now();
    for user in 0..operations {
        coordination
            .take_tokens(&Key::guild(guild, "bench.bucket", user % 5_000), bucket, 1)
            .await
            .unwrap();
    }
    row(
        &format!("coordination {name}: token bucket"),
        &per_op(start.elapsed(), operations),
    );
}

/// The benchmark's job: a number, or nothing.
#[derive(serde::Serialize, serde::Deserialize)]
struct NoopJob {
    #[serde(default)]
    n: u32,
}

impl Job for NoopJob {
    const KIND: &'static str = "bench.noop";

    fn guild(&self) -> Option<GuildId> {
        None
    }
}

struct Noop;

#[async_trait]
impl JobHandler for Noop {
    type Job = NoopJob;

    async fn run(&self, _: NoopJob, _: &JobRecord) -> Result<JobOutcome, JobFailure> {
        Ok(JobOutcome::Done)
    }
}

async fn ledger_throughput(backend: &str, db: &Db, jobs: u32, concurrency: u32) {
    let clock: SharedClock = Arc::new(SystemClock);
    let ledger = JobLedger::new(db.clone(), Arc::clone(&clock), 3);
    let start = Instant::now();
    let due = clock.now();
    for n in 0..jobs {
        ledger
            .schedule(NewJob::of(&NoopJob { n }, due))
            .await
            .unwrap();
    }
    let scheduled = start.elapsed();
    row(
        &format!("ledger {backend}: schedule"),
        &format!("{:.0} jobs/s", f64::from(jobs) / scheduled.as_secs_f64()),
    );

    let options = WorkerOptions {
        name: "bench".into(),
        concurrency,
        poll_interval: Duration::from_millis(100),
        lease: Duration::from_secs(30),
        backoff_base: Duration::from_millis(10),
        backoff_max: Duration::from_secs(1),
        shutdown_grace: Duration::from_secs(5),
    };
    let worker = Worker::new(
        ledger.clone(),
        JobRegistry::new().register(Arc::new(Noop)),
        options,
    );
    let shutdown = CancellationToken::new();
    let stop = shutdown.clone();
    let start = Instant::now();
    let running = tokio::spawn(async move { worker.run(stop).await });
    loop {
        let done = ledger
            .counts()
            .await
            .unwrap()
            .into_iter()
            .find(|(state, _)| *state == JobState::Done)
            .map_or(0, |(_, n)| n);
        if done >= i64::from(jobs) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let elapsed = start.elapsed();
    shutdown.cancel();
    running.await.unwrap().unwrap();
    row(
        &format!("ledger {backend}: claim+run+complete, concurrency {concurrency}"),
        &format!("{:.0} jobs/s", f64::from(jobs) / elapsed.as_secs_f64()),
    );

    // Lateness of a job due in the future while the worker idles: the timer's precision.
    let shutdown = CancellationToken::new();
    let stop = shutdown.clone();
    let idle = Worker::new(
        ledger.clone(),
        JobRegistry::new().register(Arc::new(Noop)),
        WorkerOptions {
            name: "bench-idle".into(),
            concurrency: 4,
            poll_interval: Duration::from_secs(1),
            lease: Duration::from_secs(30),
            backoff_base: Duration::from_millis(10),
            backoff_max: Duration::from_secs(1),
            shutdown_grace: Duration::from_secs(5),
        },
    );
    let running = tokio::spawn(async move { idle.run(stop).await });
    let mut lateness = Vec::new();
    for n in 0..20u64 {
        let due = clock.now().plus(Duration::from_millis(100 + 37 * (n % 5)));
        let job = ledger
            .schedule(NewJob::of(&NoopJob { n: 0 }, due))
            .await
            .unwrap();
        loop {
            let current = ledger.get(job.id).await.unwrap();
            if current.state == JobState::Done {
                lateness.push(current.lateness_ms.unwrap_or_default());
                break;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
    shutdown.cancel();
    running.await.unwrap().unwrap();
    lateness.sort_unstable();
    row(
        &format!("ledger {backend}: lateness of timed jobs (20, idle worker)"),
        &format!(
            "p50 {} ms, max {} ms",
            lateness[lateness.len() / 2],
            lateness[lateness.len() - 1]
        ),
    );
    let leftover = ledger
        .list(&JobFilter {
            state: Some(JobState::Pending),
            kind: Some("bench.noop".into()),
            ..JobFilter::default()
        })
        .await
        .unwrap();
    assert!(leftover.is_empty());
}

/// The premium gate on the message path: each guild's tier from memory (10,000 guilds, one in
/// ten premium, half of those with an end), no database read.
async fn premium_lookup(db: &Db) {
    let clock: SharedClock = Arc::new(SystemClock);
    let coordination: Arc<dyn Coordination> = Arc::new(MemoryCoordination::new(Arc::clone(&clock)));
    let ledger = JobLedger::new(db.clone(), Arc::clone(&clock), 3);
    let premium = guildhall_core::premium::PremiumService::new(
        db.clone(),
        Arc::clone(&clock),
        coordination,
        ledger,
    );
    let guilds: Vec<GuildId> = (1..=10_000).map(GuildId::new).collect();
    let now = clock.now();
    for (index, guild) in guilds
        .iter()
        .enumerate()
        .filter(|(index, _)| index % 10 == 0)
    {
        let until = (index % 20 == 0).then(|| now.plus(Duration::from_secs(86_400)));
        premium
            .grant(
                *guild,
                guildhall_core::premium::Tier::Premium,
                until,
                "bench",
                "",
            )
            .await
            .unwrap();
    }
    let operations = 5_000_000u64;
    let start = Instant::now();
    for index in 0..operations {
        let guild = guilds[(index % 10_000) as usize];
        black_box(premium.tier_at(guild, now));
    }
    row(
        "premium: tier lookup (10,000 guilds, message path)",
        &per_op(start.elapsed(), operations),
    );
    let start = Instant::now();
    for index in 0..operations {
        let guild = guilds[(index % 10_000) as usize];
        black_box(premium.allows(guild, guildhall_core::premium::Perk::TimedRoles));
    }
    row(
        "premium: gate check with the clock (allows)",
        &per_op(start.elapsed(), operations),
    );
    // The startup fetch: 1,000 entitlements Discord lists, new to the database, then again.
    let listed: Vec<guildhall_core::premium::Entitlement> = (1..=1_000u64)
        .map(|id| guildhall_core::premium::Entitlement {
            id: guildhall_core::ids::EntitlementId::new(id),
            sku: guildhall_core::ids::SkuId::new(7),
            guild: Some(GuildId::new(20_000 + id % 100)),
            user: None,
            kind: 8,
            starts_at: Some(now),
            ends_at: None,
            deleted: false,
        })
        .collect();
    let start = Instant::now();
    premium
        .replace_entitlements(&listed, premium.now())
        .await
        .unwrap();
    row(
        "premium: startup fetch, 1,000 new entitlements (100 guilds)",
        &format!("{:.0} ms", start.elapsed().as_secs_f64() * 1_000.0),
    );
    let start = Instant::now();
    premium
        .replace_entitlements(&listed, premium.now())
        .await
        .unwrap();
    row(
        "premium: startup fetch, nothing changed",
        &format!("{:.2} ms", start.elapsed().as_secs_f64() * 1_000.0),
    );
}

#[tokio::main]
async fn main() {
    println!(
        "guildhall foundation benchmarks ({} cores)",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    let sqlite = testing::sqlite_unmigrated().await;
    sqlite.db.migrate().await.unwrap();
    settings_read(&sqlite.db).await;
    premium_lookup(&sqlite.db).await;
    coordination_ops(
        "memory",
        &MemoryCoordination::new(Arc::new(SystemClock)),
        200_000,
    )
    .await;
    if let Ok(url) = std::env::var("REDIS_URL") {
        let redis = RedisCoordination::connect(&url, &testing::unique_name("gh-bench"))
            .await
            .unwrap();
        coordination_ops("redis", &redis, 20_000).await;
    }
    ledger_throughput("sqlite", &sqlite.db, 2_000, 8).await;
    if std::env::var("DATABASE_URL").is_ok()
        && let Some(postgres) = testing::postgres_unmigrated().await
    {
        postgres.db.migrate().await.unwrap();
        ledger_throughput("postgres", &postgres.db, 2_000, 8).await;
    }
}
