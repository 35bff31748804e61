//! Figures for the analytics: one guild with 30 days of activity (50 channels, every hour,
//! 5,000 active members a day, voice in 10 channels) written through the counters' flush, then
//! the `analytics.aggregate` work per day of data and the dashboard's 90-day report. Prints a
//! table; asserts nothing. `cargo bench -p guildhall-core --bench analytics`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::time::{Duration, Instant};

use guildhall_core::analytics::{Activity, DAY_MS, HOUR_MS, aggregate, report};
use guildhall_core::clock::UnixMillis;
use guildhall_core::ids::{ChannelId, GuildId, UserId};
use guildhall_core::testing;

const GUILD: GuildId = GuildId::new(1_083_124_816_349_421_618);
const DAYS: i64 = 30;
const CHANNELS: u64 = 50;
const MEMBERS_A_DAY: u64 = 5_000;
/// 2026-01-01 00:00 UTC.
const START: i64 = 1_767_225_600_000;

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let test_db = testing::sqlite_unmigrated().await;
        test_db.db.migrate().await.unwrap();
        let db = &test_db.db;
        let activity = Activity::new(db.clone());
        let started = Instant::now();
        let mut counted = 0u64;
        for day in 0..DAYS {
            for hour in 0..24 {
                let at = UnixMillis(START + day * DAY_MS + hour * HOUR_MS);
                for channel in 0..CHANNELS {
                    for n in 0..(MEMBERS_A_DAY / 24 / CHANNELS + 1) {
                        let user = 300_000_000_000_000_000
                            + (hour as u64 * 977 + channel * 31 + n) % MEMBERS_A_DAY;
                        activity.message(
                            GUILD,
                            ChannelId::new(400_000_000_000_000_000 + channel),
                            UserId::new(user),
                            at,
                        );
                        counted += 1;
                    }
                    if channel < 10 {
                        activity.voice_seconds(
                            GUILD,
                            ChannelId::new(400_000_000_000_000_000 + channel),
                            UserId::new(1),
                            600,
                            at,
                        );
                    }
                }
            }
            activity.joined(GUILD, UnixMillis(START + day * DAY_MS));
            activity.flush().await.unwrap();
        }
        let filled = started.elapsed();
        println!("guildhall analytics benchmarks (SQLite, one runtime thread)");
        println!(
            "{:<58} {counted} messages, {} days, {CHANNELS} channels, in {filled:.1?}",
            "fill through the counters' flush", DAYS
        );
        let now = UnixMillis(START + (DAYS - 1) * DAY_MS + 12 * HOUR_MS);
        let mut times = Vec::new();
        for day in 0..DAYS {
            let at = UnixMillis(START + day * DAY_MS);
            let started = Instant::now();
            aggregate::aggregate_day(db, GUILD, at).await.unwrap();
            times.push(started.elapsed());
        }
        times.sort();
        let total: Duration = times.iter().sum();
        println!(
            "{:<58} median {:.2?}, slowest {:.2?}, {:.2?} for all {DAYS}",
            "aggregation per day of data (hours -> day)",
            times[times.len() / 2],
            times[times.len() - 1],
            total
        );
        let started = Instant::now();
        let done = aggregate::aggregate_guild(db, GUILD, now).await.unwrap();
        println!(
            "{:<58} {:.2?} ({} days recomputed)",
            "the hourly job's pass over the guild",
            started.elapsed(),
            done.days
        );
        let mut reads = Vec::new();
        for _ in 0..20 {
            let started = Instant::now();
            let figures = report(db, GUILD, 90, now).await.unwrap();
            reads.push(started.elapsed());
            assert!(!figures.series.is_empty());
        }
        reads.sort();
        println!(
            "{:<58} median {:.2?}, slowest {:.2?}",
            "the dashboard's 90-day report (daily tables only)",
            reads[reads.len() / 2],
            reads[reads.len() - 1]
        );
    });
}
