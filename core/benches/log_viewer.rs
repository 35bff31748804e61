//! Figures for the log viewer: one guild filled with 1,000,000 stored log events (and a second
//! guild with 50,000 of its own, interleaved) through `logging::store::write` in batches, then
//! the time of the viewer's pages (50 events, as the dashboard asks): the newest, one in the
//! middle (`Before`), the oldest, and pages filtered by kind, member, channel and day at their
//! first and last page. Prints a table; asserts nothing.
//!
//! `cargo bench -p guildhall-core --bench log_viewer` (PostgreSQL rows appear when
//! `DATABASE_URL` is set; `LOG_VIEWER_EVENTS` changes the 1,000,000).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::time::{Duration, Instant};

use guildhall_core::clock::UnixMillis;
use guildhall_core::db::Db;
use guildhall_core::ids::{ChannelId, GuildId, UserId};
use guildhall_core::logging::store::{self, EventFilter, Page};
use guildhall_core::logging::{LogEntry, LogKind};
use guildhall_core::testing;

const GUILD: GuildId = GuildId::new(1_083_124_816_349_421_618);
const OTHER_GUILD: GuildId = GuildId::new(1_083_124_816_349_421_619);
const FIRST_USER: u64 = 300_000_000_000_000_000;
const FIRST_CHANNEL: u64 = 400_000_000_000_000_000;
const MEMBERS: u64 = 20_000;
const CHANNELS: u64 = 60;
/// Entries per `store::write` call (one transaction).
const BATCH: usize = 10_000;
/// Events on a page, as the dashboard asks.
const PAGE: u32 = 50;
/// Times each page is read.
const READS: usize = 30;
/// The start of the filled time line (2026-01-01); an event every 3 s.
const START: i64 = 1_767_225_600_000;
const STEP: i64 = 3_000;

/// A small deterministic generator (SplitMix64), so every run sees the same events.
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
}

fn row(name: &str, figure: &str) {
    println!("{name:<58} {figure}");
}

fn show(duration: Duration) -> String {
    if duration < Duration::from_millis(1) {
        format!("{:.0} µs", duration.as_secs_f64() * 1e6)
    } else {
        format!("{:.2} ms", duration.as_secs_f64() * 1e3)
    }
}

fn percentiles(mut samples: Vec<Duration>) -> String {
    samples.sort_unstable();
    let at = |fraction: f64| samples[((samples.len() - 1) as f64 * fraction).round() as usize];
    format!("p50 {:>9}, p99 {:>9}", show(at(0.5)), show(at(0.99)))
}

/// An event as the logging service would store it: a kind's summary, a member, often an actor
/// and a channel, a field or two.
fn entry(random: &mut Random, guild: GuildId, index: i64) -> LogEntry {
    let kind = LogKind::ALL[random.below(LogKind::ALL.len() as u64) as usize];
    let user = UserId::new(FIRST_USER + random.below(MEMBERS));
    let channel = ChannelId::new(FIRST_CHANNEL + random.below(CHANNELS));
    let mut entry = LogEntry::new(
        guild,
        UnixMillis(START + index * STEP),
        kind,
        format!("{} · <@{user}> in <#{channel}>", kind.title()),
    )
    .about(user)
    .in_channel(channel)
    .field(
        "Content",
        "the quick brown fox jumps over the lazy dog, again and again",
    )
    .field("Member", format!("<@{user}> ({user})"));
    if random.below(3) == 0 {
        entry = entry.by(UserId::new(FIRST_USER + random.below(MEMBERS)));
    }
    entry
}

/// Fills `GUILD` with `events` events and `OTHER_GUILD` with one in twenty as many, interleaved.
async fn fill(db: &Db, events: i64) -> Duration {
    let mut random = Random(7);
    let start = Instant::now();
    let mut batch = Vec::with_capacity(BATCH);
    let other_every = 20;
    for index in 0..events {
        batch.push(entry(&mut random, GUILD, index));
        if index % other_every == 0 {
            batch.push(entry(&mut random, OTHER_GUILD, index));
        }
        if batch.len() >= BATCH {
            store::write(db, &batch).await.unwrap();
            batch.clear();
        }
    }
    store::write(db, &batch).await.unwrap();
    start.elapsed()
}

/// Reads a page [`READS`] times; returns the figures and how many events the page held.
async fn time_page(db: &Db, filter: &EventFilter, page: Page) -> (String, usize) {
    let mut samples = Vec::with_capacity(READS);
    let mut found = 0;
    for _ in 0..READS {
        let start = Instant::now();
        let read = store::page(db, GUILD, filter, page, PAGE).await.unwrap();
        samples.push(start.elapsed());
        assert!(read.events.iter().all(|event| event.entry.guild == GUILD));
        found = read.events.len();
    }
    (percentiles(samples), found)
}

async fn pages(backend: &str, db: &Db, events: i64) {
    let fill_time = fill(db, events).await;
    let stored = store::count(db, GUILD).await.unwrap();
    row(
        &format!(
            "{backend}: fill {stored} events (+{} in another guild)",
            events / 20
        ),
        &format!(
            "{:.1} s, {:.0} events/s",
            fill_time.as_secs_f64(),
            (stored as f64 * 1.05) / fill_time.as_secs_f64()
        ),
    );
    let newest = store::page(db, GUILD, &EventFilter::default(), Page::Newest, 1)
        .await
        .unwrap();
    let top = newest.events.first().map_or(0, |event| event.id);
    let everything = EventFilter::default();
    let member = UserId::new(FIRST_USER + 4_242);
    let channel = ChannelId::new(FIRST_CHANNEL + 17);
    let middle_day = UnixMillis(START + events / 2 * STEP);
    let cases: Vec<(&str, EventFilter)> = vec![
        ("no filter", everything.clone()),
        (
            "kind message_deleted",
            EventFilter {
                kinds: vec![LogKind::MessageDeleted],
                ..EventFilter::default()
            },
        ),
        (
            "member (about or by)",
            EventFilter {
                member: Some(member),
                ..EventFilter::default()
            },
        ),
        (
            "channel",
            EventFilter {
                channel: Some(channel),
                ..EventFilter::default()
            },
        ),
        (
            "one day (since/until)",
            EventFilter {
                since: Some(middle_day),
                until: Some(middle_day.plus(Duration::from_secs(86_400))),
                ..EventFilter::default()
            },
        ),
        (
            "kind + channel",
            EventFilter {
                kinds: vec![LogKind::VoiceJoined, LogKind::VoiceLeft],
                channel: Some(channel),
                ..EventFilter::default()
            },
        ),
    ];
    for (name, filter) in &cases {
        let (first, found) = time_page(db, filter, Page::Newest).await;
        row(&format!("{backend}: {name}, first page ({found})"), &first);
        if filter == &everything {
            let (middle, found) = time_page(db, filter, Page::Before(top / 2)).await;
            row(
                &format!("{backend}: {name}, Before(middle) page ({found})"),
                &middle,
            );
        }
        let (last, found) = time_page(db, filter, Page::Oldest).await;
        row(&format!("{backend}: {name}, last page ({found})"), &last);
    }
}

fn main() {
    let events: i64 = std::env::var("LOG_VIEWER_EVENTS")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(1_000_000);
    // One thread: the figures are per core.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        println!(
            "guildhall log viewer benchmarks ({} cores; one runtime thread; {PAGE} events a page, {READS} reads each)",
            std::thread::available_parallelism().map_or(1, |n| n.get())
        );
        let sqlite = testing::sqlite_unmigrated().await;
        sqlite.db.migrate().await.unwrap();
        pages("sqlite", &sqlite.db, events).await;
        if std::env::var("DATABASE_URL").is_ok()
            && let Some(postgres) = testing::postgres_unmigrated().await
        {
            postgres.db.migrate().await.unwrap();
            pages("postgres", &postgres.db, events).await;
        }
    });
}
