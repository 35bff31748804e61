//! Figures for levels: text-XP throughput through `LevelService::on_message` (memory
//! coordination, cooldown checks included) on one thread; the cost of a flush of 1,000 and
//! 10,000 pending members; and rank lookups and leaderboard pages at 1,000,000 members, counted
//! in SQL and answered from the in-memory rank index. Prints a table; asserts nothing.
//!
//! `cargo bench -p guildhall-core --bench levels` (PostgreSQL rows appear when `DATABASE_URL`
//! is set).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use guildhall_core::clock::{ManualClock, SharedClock, UnixMillis};
use guildhall_core::coordination::{Coordination, MemoryCoordination};
use guildhall_core::db::{Backend, Db};
use guildhall_core::guild_config::GuildConfigService;
use guildhall_core::ids::{ChannelId, GuildId, RoleId, UserId};
use guildhall_core::levels::{LevelService, MessageFacts, RankIndex, XpSource, store};
use guildhall_core::testing;
use serde_json::json;
use sqlx::AssertSqlSafe;

const GUILD: GuildId = GuildId::new(1_083_124_816_349_421_618);
const BIG_GUILD: GuildId = GuildId::new(1_083_124_816_349_421_619);
const MILLION: u64 = 1_000_000;
/// User ids in the benchmark guilds: realistic snowflakes.
const FIRST_USER: u64 = 300_000_000_000_000_000;

/// A small deterministic generator (SplitMix64), so every run sees the same traffic.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut value = self.0;
        value = (value ^ (value >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        value = (value ^ (value >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        value ^ (value >> 31)
    }

    fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn row(name: &str, figure: &str) {
    println!("{name:<66} {figure}");
}

fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e3
}

fn percentiles(mut samples: Vec<Duration>) -> String {
    samples.sort_unstable();
    let at = |fraction: f64| samples[((samples.len() - 1) as f64 * fraction).round() as usize];
    let show = |duration: Duration| {
        if duration < Duration::from_millis(1) {
            format!("{:.1} µs", duration.as_secs_f64() * 1e6)
        } else {
            format!("{:.2} ms", millis(duration))
        }
    };
    format!("p50 {}, p99 {}", show(at(0.5)), show(at(0.99)))
}

struct Setup {
    service: Arc<LevelService>,
    clock: ManualClock,
}

async fn service(db: &Db, clock: ManualClock) -> Setup {
    let shared: SharedClock = Arc::new(clock.clone());
    let coordination: Arc<dyn Coordination> =
        Arc::new(MemoryCoordination::new(Arc::clone(&shared)));
    let config = Arc::new(GuildConfigService::new(
        db.clone(),
        Arc::clone(&shared),
        Arc::clone(&coordination),
    ));
    for guild in [GUILD, BIG_GUILD] {
        config
            .set_key(guild, "features.levels", "on", "bench")
            .await
            .unwrap();
        config
            .set_section(
                guild,
                "levels",
                json!({
                    "role_multipliers": [{"role": "11", "percent": 150}, {"role": "12", "percent": 200}],
                    "channel_multipliers": [{"channel": "21", "percent": 50}],
                    "no_xp_channels": ["22"],
                    "no_xp_roles": ["13"],
                }),
                "bench",
                None,
            )
            .await
            .unwrap();
    }
    Setup {
        service: Arc::new(LevelService::new(db.clone(), shared, coordination, config)),
        clock,
    }
}

fn user(index: u64) -> UserId {
    UserId::new(FIRST_USER + index)
}

/// 10,000 members chatting at a steady simulated rate: one message every 2.6 ms of simulated
/// time (385 messages a second), so with a 60 s cooldown about 70% of messages fall within
/// their author's cooldown.
async fn text_throughput(db: &Db) {
    let setup = service(db, ManualClock::new(UnixMillis(1_700_000_000_000))).await;
    let members = 10_000u64;
    let roles: Vec<Vec<RoleId>> = (0..members)
        .map(|index| match index % 10 {
            0 => vec![RoleId::new(11)],
            1 => vec![RoleId::new(12), RoleId::new(11)],
            2 => vec![RoleId::new(14)],
            _ => Vec::new(),
        })
        .collect();
    let channels = [20u64, 20, 20, 21, 22, 23].map(ChannelId::new);
    let mut random = Random(42);
    let messages = 1_000_000u64;
    let traffic: Vec<(u64, ChannelId)> = (0..messages)
        .map(|_| {
            (
                random.below(members),
                channels[random.below(channels.len() as u64) as usize],
            )
        })
        .collect();
    let step = Duration::from_micros(2_600);
    let mut awarded = 0u64;
    let start = Instant::now();
    for (member, channel) in &traffic {
        setup.clock.advance(step);
        let facts = MessageFacts {
            guild: GUILD,
            user: user(*member),
            channel: *channel,
            parent: None,
            roles: &roles[*member as usize],
            is_bot: false,
            caught_by_automod: false,
        };
        if setup.service.on_message(&facts).await.unwrap().is_some() {
            awarded += 1;
        }
    }
    let elapsed = start.elapsed();
    let eligible = traffic
        .iter()
        .filter(|(_, channel)| channel.get() != 22)
        .count() as f64;
    row(
        "text XP: on_message, 10k members, memory cooldowns, one thread",
        &format!(
            "{:.0} messages/s ({:.2} µs each)",
            messages as f64 / elapsed.as_secs_f64(),
            elapsed.as_secs_f64() * 1e6 / messages as f64
        ),
    );
    row(
        "  of which within their cooldown (of messages that could earn)",
        &format!("{:.0}%", 100.0 * (1.0 - awarded as f64 / eligible)),
    );
    row(
        "  pending members in memory afterwards",
        &setup.service.buffer().pending_members().to_string(),
    );
}

async fn flush_cost(backend: &str, db: &Db) {
    let setup = service(db, ManualClock::new(UnixMillis(1_700_000_000_000))).await;
    for (pending, offset) in [(1_000u64, 10_000_000u64), (10_000, 20_000_000)] {
        for round in ["new members", "existing members"] {
            let now = UnixMillis(1_700_000_000_000);
            for index in 0..pending {
                setup.service.buffer().award(
                    GUILD,
                    user(offset + index),
                    20,
                    XpSource::Message {
                        channel: ChannelId::new(20),
                    },
                    now,
                );
            }
            let start = Instant::now();
            setup.service.flush().await.unwrap();
            let elapsed = start.elapsed();
            row(
                &format!("flush {backend}: {pending} pending members, {round}"),
                &format!(
                    "{:.1} ms ({:.1} µs per member)",
                    millis(elapsed),
                    elapsed.as_secs_f64() * 1e6 / pending as f64
                ),
            );
        }
    }
}

/// A million members of one guild, XP heavy-tailed (most members have little, a few have
/// millions; many ties), written with multi-row inserts.
async fn bulk_insert(db: &Db) -> Vec<(i64, UserId)> {
    let mut random = Random(7);
    let members: Vec<(i64, UserId)> = (0..MILLION)
        .map(|index| {
            let unit = random.unit();
            ((unit.powi(4) * 5_000_000.0) as i64, user(index))
        })
        .collect();
    let start = Instant::now();
    let rows_per_statement = 500;
    let mut transaction = db.pool().begin().await.unwrap();
    for (chunk_index, chunk) in members.chunks(rows_per_statement).enumerate() {
        let mut sql = String::from(
            "INSERT INTO member_xp (guild_id, user_id, xp, level, messages, voice_seconds, updated_at) VALUES ",
        );
        for index in 0..chunk.len() {
            if index > 0 {
                sql.push_str(", ");
            }
            let first = index * 3 + 1;
            sql.push_str(&format!(
                "(${}, ${}, ${}, 0, 1, 0, 0)",
                first,
                first + 1,
                first + 2
            ));
        }
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for (xp, member) in chunk {
            query = query.bind(BIG_GUILD.to_db()).bind(member.to_db()).bind(*xp);
        }
        query.execute(&mut *transaction).await.unwrap();
        if chunk_index % 200 == 199 {
            transaction.commit().await.unwrap();
            transaction = db.pool().begin().await.unwrap();
        }
    }
    transaction.commit().await.unwrap();
    let analyze = match db.backend() {
        Backend::Sqlite => "ANALYZE",
        Backend::Postgres => "VACUUM ANALYZE member_xp",
    };
    sqlx::query(analyze).execute(db.pool()).await.unwrap();
    row(
        &format!(
            "rank {}: bulk insert of 1,000,000 members (500 rows/statement)",
            db.backend().name()
        ),
        &format!("{:.1} s", start.elapsed().as_secs_f64()),
    );
    members
}

async fn rank_lookups(backend: &str, db: &Db) {
    let members = bulk_insert(db).await;
    let mut ordered = members.clone();
    ordered.sort_by_key(|(xp, member)| (-xp, member.to_db()));
    let picks = [
        ("top", ordered[0].1),
        ("middle", ordered[ordered.len() / 2].1),
        ("bottom", ordered[ordered.len() - 1].1),
    ];
    for (name, member) in picks {
        let mut samples = Vec::with_capacity(200);
        let mut rank = None;
        for _ in 0..200 {
            let start = Instant::now();
            rank = store::rank(db, BIG_GUILD, member).await.unwrap();
            samples.push(start.elapsed());
        }
        row(
            &format!(
                "rank {backend}: SQL index COUNT, {name} member (#{})",
                rank.unwrap()
            ),
            &percentiles(samples),
        );
    }
    for (name, offset) in [("offset 0", 0u64), ("offset 999,900", MILLION - 100)] {
        let mut samples = Vec::new();
        for _ in 0..20 {
            let start = Instant::now();
            let page = store::page(db, BIG_GUILD, offset, 50).await.unwrap();
            samples.push(start.elapsed());
            assert!(!page.is_empty());
        }
        row(
            &format!("page {backend}: SQL ORDER BY ... OFFSET, 50 rows, {name}"),
            &percentiles(samples),
        );
    }

    // The in-memory order-statistics index.
    let setup = service(db, ManualClock::new(UnixMillis(1_700_000_000_000))).await;
    let start = Instant::now();
    setup.service.load_ranks(BIG_GUILD).await.unwrap();
    row(
        &format!("rank {backend}: load the rank index (1,000,000 members, ~16 MB)"),
        &format!("{:.2} s", start.elapsed().as_secs_f64()),
    );
    for (name, member) in picks {
        let mut samples = Vec::with_capacity(200);
        let mut rank = None;
        for _ in 0..200 {
            let start = Instant::now();
            rank = setup.service.rank(BIG_GUILD, member).await.unwrap();
            samples.push(start.elapsed());
        }
        row(
            &format!(
                "rank {backend}: service.rank (PK read + index), {name} (#{})",
                rank.unwrap()
            ),
            &percentiles(samples),
        );
    }
    for (name, offset) in [("offset 0", 0u64), ("offset 999,900", MILLION - 100)] {
        let mut samples = Vec::new();
        for _ in 0..20 {
            let start = Instant::now();
            let page = setup
                .service
                .leaderboard(BIG_GUILD, offset, 50)
                .await
                .unwrap();
            samples.push(start.elapsed());
            assert_eq!(page[0].rank, offset + 1);
        }
        row(
            &format!("page {backend}: service.leaderboard, 50 rows, {name}"),
            &percentiles(samples),
        );
    }
}

fn index_alone() {
    let mut random = Random(9);
    let members: Vec<(i64, UserId)> = (0..MILLION)
        .map(|index| ((random.unit().powi(4) * 5_000_000.0) as i64, user(index)))
        .collect();
    let start = Instant::now();
    let mut index = RankIndex::new(members.iter().copied());
    row(
        "rank index alone: build from 1,000,000 members",
        &format!("{:.0} ms", millis(start.elapsed())),
    );
    let lookups = 1_000_000u64;
    let start = Instant::now();
    let mut total = 0usize;
    for _ in 0..lookups {
        let (xp, member) = members[random.below(MILLION) as usize];
        total = total.wrapping_add(index.ahead_of(xp, member));
    }
    std::hint::black_box(total);
    row(
        "rank index alone: ahead_of, random members",
        &format!(
            "{:.2} µs/op",
            start.elapsed().as_secs_f64() * 1e6 / lookups as f64
        ),
    );
    let updates = 200_000u64;
    let start = Instant::now();
    for _ in 0..updates {
        let slot = random.below(MILLION) as usize;
        let (xp, member) = members[slot];
        index.apply(member, Some(xp), Some(xp + 20));
        index.apply(member, Some(xp + 20), Some(xp));
    }
    row(
        "rank index alone: move a member (a flush's update)",
        &format!(
            "{:.2} µs/op",
            start.elapsed().as_secs_f64() * 1e6 / (2 * updates) as f64
        ),
    );
}

fn main() {
    // One thread: the figures are per core.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        println!(
            "guildhall levels benchmarks ({} cores; one runtime thread)",
            std::thread::available_parallelism().map_or(1, |n| n.get())
        );
        let sqlite = testing::sqlite_unmigrated().await;
        sqlite.db.migrate().await.unwrap();
        text_throughput(&sqlite.db).await;
        flush_cost("sqlite", &sqlite.db).await;
        let postgres = if std::env::var("DATABASE_URL").is_ok() {
            testing::postgres_unmigrated().await
        } else {
            None
        };
        if let Some(postgres) = &postgres {
            postgres.db.migrate().await.unwrap();
            flush_cost("postgres", &postgres.db).await;
        }
        index_alone();
        rank_lookups("sqlite", &sqlite.db).await;
        if let Some(postgres) = &postgres {
            rank_lookups("postgres", &postgres.db).await;
        }
    });
}
