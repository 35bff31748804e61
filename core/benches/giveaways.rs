//! Figures for giveaways: 100,000 members entering through `GiveawayService::enter` (the path
//! of the Enter button, eligibility checked on every click, the entry, its log line and the
//! count in one transaction, the batched count edit) one at a time and from 16 tasks at once;
//! the database bytes each entry costs; and the draw of 10 winners among 100,000 entrants (the
//! whole `giveaways.end` job, and the pure draw and its verification alone). Prints a table;
//! asserts nothing but that the figures are what they claim.
//!
//! `cargo bench -p guildhall-core --bench giveaways` (PostgreSQL rows appear when
//! `DATABASE_URL` is set; `GIVEAWAY_BENCH_ENTRIES` changes the 100,000).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use guildhall_core::clock::{Clock as _, SharedClock, SystemClock};
use guildhall_core::coordination::{Coordination, MemoryCoordination};
use guildhall_core::db::{Backend, Db, DbOptions};
use guildhall_core::effect::{Effect, EffectError, EffectSink};
use guildhall_core::eligibility::Requirements;
use guildhall_core::giveaways::{
    Draw, DrawStep, EndGiveaway, EntryOutcome, FactsUnavailable, GiveawayRequest, GiveawayService,
    Manager, MemberFacts, MemberState, Seed, entrants_hash, verify,
};
use guildhall_core::guild_cache::GuildCache;
use guildhall_core::guild_config::GuildConfigService;
use guildhall_core::ids::{ChannelId, GuildId, RoleId, UserId};
use guildhall_core::jobs::{JobHandler, JobLedger, JobPorts};
use guildhall_core::testing;
use sqlx::{AssertSqlSafe, Row as _};

const GUILD: GuildId = GuildId::new(1_083_124_816_349_421_618);
const CHANNEL: ChannelId = ChannelId::new(1_083_124_816_349_421_700);
const VERIFIED: RoleId = RoleId::new(1_083_124_816_349_421_800);
/// User ids: realistic snowflakes (accounts from 2015).
const FIRST_USER: u64 = 300_000_000_000_000_000;
const TASKS: u64 = 16;

fn row(name: &str, figure: &str) {
    println!("{name:<70} {figure}");
}

fn millis(duration: Duration) -> String {
    format!("{:.1} ms", duration.as_secs_f64() * 1e3)
}

fn percentiles(mut samples: Vec<Duration>) -> String {
    samples.sort_unstable();
    let at = |fraction: f64| samples[((samples.len() - 1) as f64 * fraction).round() as usize];
    format!(
        "p50 {:.2} ms, p99 {:.2} ms",
        at(0.5).as_secs_f64() * 1e3,
        at(0.99).as_secs_f64() * 1e3
    )
}

/// Every member is in the server and verified.
#[derive(Debug)]
struct EveryoneIsAMember;

#[async_trait]
impl MemberFacts for EveryoneIsAMember {
    async fn member(
        &self,
        _guild: GuildId,
        _user: UserId,
    ) -> Result<Option<MemberState>, FactsUnavailable> {
        Ok(Some(member()))
    }
}

fn member() -> MemberState {
    MemberState {
        roles: vec![VERIFIED],
        level: Some(10),
        joined_at: Some(SystemClock.now().minus(Duration::from_secs(30 * 86_400))),
        active_warnings: 0,
    }
}

/// Discord that accepts everything at once.
#[derive(Debug)]
struct Accepting;

#[async_trait]
impl EffectSink for Accepting {
    async fn perform(&self, _guild: Option<GuildId>, _effect: &Effect) -> Result<(), EffectError> {
        Ok(())
    }
}

struct Setup {
    service: Arc<GiveawayService>,
    ledger: JobLedger,
    ports: JobPorts,
}

fn service(db: &Db) -> Setup {
    let clock: SharedClock = Arc::new(SystemClock);
    let coordination: Arc<dyn Coordination> = Arc::new(MemoryCoordination::new(Arc::clone(&clock)));
    let config = Arc::new(GuildConfigService::new(
        db.clone(),
        Arc::clone(&clock),
        coordination,
    ));
    let ledger = JobLedger::new(db.clone(), Arc::clone(&clock), 3);
    Setup {
        service: Arc::new(GiveawayService::new(
            db.clone(),
            clock,
            ledger.clone(),
            config,
        )),
        ledger,
        ports: JobPorts {
            sink: Arc::new(Accepting),
            members: Arc::new(EveryoneIsAMember),
            cache: Arc::new(GuildCache::new()),
        },
    }
}

async fn start(setup: &Setup) -> guildhall_core::giveaways::GiveawayId {
    let started = setup
        .service
        .start(
            GiveawayRequest {
                guild: GUILD,
                channel: CHANNEL,
                prize: "A year of Nitro".to_owned(),
                winners: 10,
                duration: Duration::from_secs(60 * 86_400),
                requirements: Some(Requirements {
                    any_roles: vec![VERIFIED],
                    min_account_age_secs: Some(7 * 86_400),
                    min_membership_secs: Some(86_400),
                    no_active_warnings: true,
                    ..Requirements::default()
                }),
                by: Manager::Operator,
            },
            &HashMap::<RoleId, String>::new(),
        )
        .await
        .unwrap();
    started.giveaway.id
}

async fn enter(
    service: &GiveawayService,
    id: guildhall_core::giveaways::GiveawayId,
    user: UserId,
) -> Duration {
    let state = member();
    let names = HashMap::<RoleId, String>::new();
    let started = Instant::now();
    let outcome = service
        .enter(GUILD, id, &state.facts(user, SystemClock.now()), &names)
        .await
        .unwrap();
    let elapsed = started.elapsed();
    assert!(
        matches!(outcome, EntryOutcome::Entered { .. }),
        "{outcome:?}"
    );
    elapsed
}

/// The database's size in bytes: the whole SQLite file (pages in use), or the giveaway tables
/// with their indexes on PostgreSQL (`entries_only`: `giveaway_entries` alone).
async fn size(db: &Db, entries_only: bool) -> i64 {
    match db.backend() {
        Backend::Sqlite => {
            let table = if entries_only {
                "WHERE name IN ('giveaway_entries', 'sqlite_autoindex_giveaway_entries_1')"
            } else {
                ""
            };
            // dbstat would name tables; without it, the page count covers everything.
            if entries_only {
                let bytes = sqlx::query(AssertSqlSafe(format!(
                    "SELECT COALESCE(SUM(pgsize), 0) AS bytes FROM dbstat {table}"
                )))
                .fetch_one(db.pool())
                .await
                .ok()
                .map(|row| row.get::<i64, _>("bytes"));
                return bytes.unwrap_or(-1);
            }
            let pages: i64 = sqlx::query_scalar("PRAGMA page_count")
                .fetch_one(db.pool())
                .await
                .unwrap();
            let page_size: i64 = sqlx::query_scalar("PRAGMA page_size")
                .fetch_one(db.pool())
                .await
                .unwrap();
            pages * page_size
        }
        Backend::Postgres => {
            let sql = if entries_only {
                "SELECT pg_total_relation_size('giveaway_entries')::BIGINT"
            } else {
                "SELECT (pg_total_relation_size('giveaway_entries')
                     + pg_total_relation_size('giveaway_events'))::BIGINT"
            };
            sqlx::query_scalar(sql).fetch_one(db.pool()).await.unwrap()
        }
    }
}

async fn entries(
    backend: &str,
    db: &Db,
    count: u64,
) -> (Setup, guildhall_core::giveaways::GiveawayId) {
    let setup = service(db);

    // One at a time: one member's click after another.
    let id = start(&setup).await;
    if db.backend() == Backend::Postgres {
        sqlx::query("VACUUM ANALYZE").execute(db.pool()).await.ok();
    }
    let before = size(db, false).await;
    let before_entries = size(db, true).await;
    let started = Instant::now();
    let mut samples = Vec::with_capacity(count as usize);
    for index in 0..count {
        samples.push(enter(&setup.service, id, UserId::new(FIRST_USER + index)).await);
    }
    let elapsed = started.elapsed();
    row(
        &format!("{backend}: enter {count} members, one at a time"),
        &format!(
            "{:.0} entries/s ({})",
            count as f64 / elapsed.as_secs_f64(),
            percentiles(samples)
        ),
    );
    let after = size(db, false).await;
    let after_entries = size(db, true).await;
    let what = match db.backend() {
        Backend::Sqlite => "database file",
        Backend::Postgres => "giveaway_entries + giveaway_events with indexes",
    };
    row(
        &format!("{backend}: bytes per entry ({what})"),
        &format!("{:.0} B", (after - before) as f64 / count as f64),
    );
    if before_entries >= 0 && after_entries >= 0 {
        row(
            &format!("{backend}: bytes per entry (giveaway_entries and its key alone)"),
            &format!(
                "{:.0} B",
                (after_entries - before_entries) as f64 / count as f64
            ),
        );
    }

    // 16 tasks at once, into another giveaway.
    let other = start(&setup).await;
    let started = Instant::now();
    let per_task = count / TASKS;
    let tasks: Vec<_> = (0..TASKS)
        .map(|task| {
            let service = Arc::clone(&setup.service);
            tokio::spawn(async move {
                let mut samples = Vec::with_capacity(per_task as usize);
                for index in 0..per_task {
                    let user = UserId::new(FIRST_USER + count + task * per_task + index);
                    samples.push(enter(&service, other, user).await);
                }
                samples
            })
        })
        .collect();
    let mut samples = Vec::new();
    for task in tasks {
        samples.extend(task.await.unwrap());
    }
    let elapsed = started.elapsed();
    row(
        &format!(
            "{backend}: enter {} members, {TASKS} at once",
            per_task * TASKS
        ),
        &format!(
            "{:.0} entries/s ({})",
            (per_task * TASKS) as f64 / elapsed.as_secs_f64(),
            percentiles(samples)
        ),
    );
    (setup, id)
}

/// The `giveaways.end` job for `id`: the close, the draw (each winner checked through the
/// member port), the write, the announcement and the message edit.
async fn draw(backend: &str, setup: &Setup, id: guildhall_core::giveaways::GiveawayId, count: u64) {
    let giveaway = setup
        .service
        .end(GUILD, id, &Manager::Operator)
        .await
        .unwrap();
    let job = setup.ledger.get(giveaway.end_job).await.unwrap();
    let handler = EndGiveaway::new(Arc::clone(&setup.service), setup.ports.clone());
    let started = Instant::now();
    handler.run_record(&job).await.unwrap();
    let elapsed = started.elapsed();
    row(
        &format!("{backend}: giveaways.end job, {count} entrants, 10 winners"),
        &millis(elapsed),
    );
    let started = Instant::now();
    let verified = setup.service.verify(GUILD, id).await.unwrap();
    row(
        &format!("{backend}: verify from the database ({count} entrants)"),
        &millis(started.elapsed()),
    );
    assert_eq!(verified.entrants as u64, count);
}

/// The draw alone, in memory: sort 100,000 ids, pick 10, then verify the record.
fn pure_draw(count: u64) {
    let entrants: Vec<UserId> = (0..count)
        .rev()
        .map(|index| UserId::new(FIRST_USER + index * 7_919))
        .collect();
    let seed = Seed::generate().unwrap();
    let started = Instant::now();
    let mut draw = Draw::new(seed.clone(), &entrants);
    let mut steps = Vec::new();
    for slot in 1..=10 {
        let winner = draw.candidate(slot, 0, 0);
        if let Some(winner) = winner {
            draw.remove(winner);
        }
        steps.push(DrawStep {
            slot,
            attempt: 0,
            disqualified: Vec::new(),
            winner,
        });
    }
    row(
        &format!("draw in memory: sort {count} entrants, pick 10"),
        &millis(started.elapsed()),
    );
    let started = Instant::now();
    let hash = entrants_hash(&guildhall_core::giveaways::fairness::sorted_entrants(
        &entrants,
    ));
    verify(&seed, &seed.commitment(), &entrants, Some(&hash), &steps).unwrap();
    row(
        &format!("verify in memory: hash the list and replay ({count} entrants)"),
        &millis(started.elapsed()),
    );
}

fn main() {
    // Two runtime threads: the machine this was written on has two cores.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let count: u64 = std::env::var("GIVEAWAY_BENCH_ENTRIES")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(100_000);
    runtime.block_on(async {
        println!(
            "guildhall giveaway benchmarks ({} cores; two runtime threads)",
            std::thread::available_parallelism().map_or(1, |n| n.get())
        );
        pure_draw(count);
        let sqlite = testing::sqlite_unmigrated().await;
        sqlite.db.migrate().await.unwrap();
        let (setup, id) = entries("sqlite", &sqlite.db, count).await;
        draw("sqlite", &setup, id, count).await;
        if std::env::var("DATABASE_URL").is_ok()
            && let Some(postgres) = testing::postgres_unmigrated().await
        {
            postgres.db.migrate().await.unwrap();
            // A pool as large as the tasks, as a deployment would size it.
            let db = Db::connect(
                &postgres.url,
                &DbOptions {
                    max_connections: 20,
                    ..DbOptions::default()
                },
            )
            .await
            .unwrap();
            let (setup, id) = entries("postgres", &db, count).await;
            draw("postgres", &setup, id, count).await;
            db.pool().close().await;
        }
    });
}
