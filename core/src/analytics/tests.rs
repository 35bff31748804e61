//! Activity analytics on every backend: counters written per hour, days rolled up by the job
//! (idempotent, distinct active members, day boundaries, commands from the command analytics),
//! reports with every day of the range, guild isolation.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests may unwrap: a panic is the failure report.

use super::*;
use crate::clock::UnixMillis;
use crate::ids::{ChannelId, GuildId, UserId};
use crate::testing;

const GUILD: GuildId = GuildId::new(100);
const OTHER: GuildId = GuildId::new(200);
const GENERAL: ChannelId = ChannelId::new(10);
const MEMES: ChannelId = ChannelId::new(11);
/// 2026-03-10 00:00 UTC.
const DAY0: i64 = 1_773_100_800_000;

fn at(day: i64, hour: i64) -> UnixMillis {
    UnixMillis(DAY0 + day * DAY_MS + hour * HOUR_MS)
}

#[tokio::test]
async fn counters_become_daily_figures_and_a_report_has_every_day() {
    for test_db in testing::backends().await {
        let db = &test_db.db;
        let activity = Activity::new(db.clone());
        // Day 0: 3 messages by 2 members (one at 23:00), a join, voice; day 1: one message.
        activity.message(GUILD, GENERAL, UserId::new(1), at(0, 9));
        activity.message(GUILD, GENERAL, UserId::new(1), at(0, 10));
        activity.message(GUILD, MEMES, UserId::new(2), at(0, 23));
        activity.joined(GUILD, at(0, 9));
        activity.left(GUILD, at(0, 12));
        activity.automod_action(GUILD, at(0, 12));
        activity.voice_seconds(GUILD, GENERAL, UserId::new(1), 150, at(0, 20));
        activity.message(GUILD, GENERAL, UserId::new(2), at(1, 0));
        activity.message(OTHER, GENERAL, UserId::new(9), at(0, 9));
        let flushed = activity.flush().await.unwrap();
        assert!(flushed.counters > 0);
        // A second flush of more counts adds to the same hour.
        activity.message(GUILD, GENERAL, UserId::new(1), at(0, 9));
        activity.flush().await.unwrap();
        // A command run on day 0.
        sqlx::query(
            "INSERT INTO command_invocations (guild_id, user_id, command, kind, at, latency_ms, outcome, error)
             VALUES ($1, 1, 'ping', 'slash', $2, 40, 'ok', NULL), ($1, 1, 'ping', 'slash', $2, 60, 'error', 'x')",
        )
        .bind(GUILD.to_db())
        .bind(at(0, 8).0)
        .execute(db.pool())
        .await
        .unwrap();
        let now = at(1, 6);
        let done = aggregate::aggregate_guild(db, GUILD, now).await.unwrap();
        assert!(done.days >= 2);
        // Run again: the same figures (idempotent).
        aggregate::aggregate_guild(db, GUILD, now).await.unwrap();
        let report = report(db, GUILD, 7, now).await.unwrap();
        assert_eq!(report.since, at(-5, 0));
        assert_eq!(report.until, at(1, 0));
        let messages = report.series(Metric::Messages).unwrap();
        assert_eq!(messages.days.len(), 7, "every day, missing ones as 0");
        assert_eq!(messages.days[5], (at(0, 0), 4));
        assert_eq!(messages.days[6], (at(1, 0), 1));
        assert_eq!(messages.days[0].1, 0);
        let active = report.series(Metric::ActiveMembers).unwrap();
        assert_eq!(active.days[5].1, 2, "members counted once a day");
        assert_eq!(report.series(Metric::Joins).unwrap().total(), 1);
        assert_eq!(report.series(Metric::Leaves).unwrap().total(), 1);
        assert_eq!(report.series(Metric::AutomodActions).unwrap().total(), 1);
        assert_eq!(report.series(Metric::VoiceMinutes).unwrap().total(), 2);
        assert_eq!(report.series(Metric::Commands).unwrap().total(), 2);
        assert_eq!(report.series(Metric::CommandFailures).unwrap().total(), 1);
        assert_eq!(report.top_channels, [(GENERAL, 4), (MEMES, 1)]);
        assert_eq!(report.top_voice, [(GENERAL, 2)]);
        assert_eq!(report.commands.len(), 1);
        assert_eq!(
            (
                report.commands[0].runs,
                report.commands[0].failures,
                report.commands[0].average_ms
            ),
            (2, 1, 50)
        );
        // Another guild's activity stays its own.
        aggregate::aggregate_guild(db, OTHER, now).await.unwrap();
        let other = report_of(db, OTHER, now).await;
        assert_eq!(other.series(Metric::Messages).unwrap().total(), 1);
        let csv = csv(&report, &|channel| {
            (channel == GENERAL).then(|| "general".into())
        });
        assert!(csv.starts_with("day,metric,channel_id,channel,value\n"));
        assert!(
            csv.contains(&format!("messages,{GENERAL},#general,4")),
            "{csv}"
        );
    }
}

async fn report_of(db: &crate::db::Db, guild: GuildId, now: UnixMillis) -> Report {
    report(db, guild, 30, now).await.unwrap()
}

async fn count(db: &crate::db::Db, table: &str, guild: GuildId) -> i64 {
    use sqlx::Row as _;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT COUNT(*) AS n FROM {table} WHERE guild_id = $1"
    )))
    .bind(guild.to_db())
    .fetch_one(db.pool())
    .await
    .unwrap()
    .get::<i64, _>("n")
}

/// One stored daily figure (0 when the day has none); `channel` 0 is the whole guild.
async fn figure(db: &crate::db::Db, guild: GuildId, day: i64, channel: u64, metric: Metric) -> i64 {
    use sqlx::Row as _;
    sqlx::query(
        "SELECT value FROM analytics_daily
         WHERE guild_id = $1 AND day = $2 AND channel_id = $3 AND metric = $4",
    )
    .bind(guild.to_db())
    .bind(at(day, 0).0)
    .bind(ChannelId::new(channel).to_db())
    .bind(metric.as_str())
    .fetch_optional(db.pool())
    .await
    .unwrap()
    .map_or(0, |row| row.get::<i64, _>("value"))
}

#[tokio::test]
async fn a_failed_flush_keeps_its_counts_for_the_next_one() {
    for test_db in testing::backends().await {
        let db = &test_db.db;
        let activity = Activity::new(db.clone());
        activity.message(GUILD, GENERAL, UserId::new(1), at(0, 9));
        activity.message(GUILD, GENERAL, UserId::new(2), at(0, 9));
        activity.joined(GUILD, at(0, 9));
        // The table is away: the write fails and nothing is lost.
        sqlx::query("ALTER TABLE activity_hourly RENAME TO activity_hourly_away")
            .execute(db.pool())
            .await
            .unwrap();
        assert!(activity.flush().await.is_err());
        assert_eq!(activity.pending(), (2, 2), "the counts are back in memory");
        // Meanwhile more arrives; it is added to what came back.
        activity.message(GUILD, GENERAL, UserId::new(1), at(0, 9));
        sqlx::query("ALTER TABLE activity_hourly_away RENAME TO activity_hourly")
            .execute(db.pool())
            .await
            .unwrap();
        // Nothing of the failed transaction was kept.
        assert_eq!(count(db, "activity_members", GUILD).await, 0);
        let flushed = activity.flush().await.unwrap();
        assert_eq!((flushed.counters, flushed.members), (2, 2));
        assert_eq!(activity.pending(), (0, 0));
        aggregate::aggregate_day(db, GUILD, at(0, 0)).await.unwrap();
        assert_eq!(figure(db, GUILD, 0, 0, Metric::Messages).await, 3);
        assert_eq!(
            figure(db, GUILD, 0, GENERAL.get(), Metric::Messages).await,
            3
        );
        assert_eq!(figure(db, GUILD, 0, 0, Metric::ActiveMembers).await, 2);
        assert_eq!(figure(db, GUILD, 0, 0, Metric::Joins).await, 1);
    }
}

#[tokio::test]
async fn the_job_takes_late_counts_into_yesterday_keeps_each_day_to_its_hours_and_comes_back_hourly()
 {
    use crate::clock::Clock as _;
    use crate::jobs::{JobHandler as _, JobLedger, JobOutcome};
    for test_db in testing::backends().await {
        let db = &test_db.db;
        let clock =
            crate::clock::ManualClock::new(at(1, 0).plus(std::time::Duration::from_secs(1_800)));
        let ledger = JobLedger::new(db.clone(), std::sync::Arc::new(clock.clone()), 5);
        let record = aggregate::ensure_scheduled(&ledger).await.unwrap();
        // Scheduling again keeps the one job.
        assert_eq!(
            aggregate::ensure_scheduled(&ledger).await.unwrap().id,
            record.id
        );
        let job = Aggregate::new(ledger.clone());
        let activity = Activity::new(db.clone());
        // The last millisecond of day 0 and the first of day 1 fall on their own days.
        activity.message(GUILD, GENERAL, UserId::new(1), UnixMillis(at(1, 0).0 - 1));
        activity.message(GUILD, GENERAL, UserId::new(1), at(1, 0));
        activity.flush().await.unwrap();
        let outcome = job.run(AggregatePayload {}, &record).await.unwrap();
        assert_eq!(
            outcome,
            JobOutcome::RunAgainAt(clock.now().plus(aggregate::EVERY))
        );
        assert_eq!(figure(db, GUILD, 0, 0, Metric::Messages).await, 1);
        assert_eq!(figure(db, GUILD, 1, 0, Metric::Messages).await, 1);
        // A flush that arrives after the run (counts merged back after an outage) still lands
        // in yesterday at the next run; running twice changes nothing.
        activity.message(GUILD, MEMES, UserId::new(2), at(0, 23));
        activity.flush().await.unwrap();
        clock.advance(aggregate::EVERY);
        job.run(AggregatePayload {}, &record).await.unwrap();
        job.run(AggregatePayload {}, &record).await.unwrap();
        assert_eq!(figure(db, GUILD, 0, 0, Metric::Messages).await, 2);
        assert_eq!(figure(db, GUILD, 0, 0, Metric::ActiveMembers).await, 2);
        assert_eq!(figure(db, GUILD, 1, 0, Metric::ActiveMembers).await, 1);
        assert_eq!(figure(db, GUILD, 0, MEMES.get(), Metric::Messages).await, 1);
        assert_eq!(figure(db, GUILD, 1, MEMES.get(), Metric::Messages).await, 0);
        // The report shows the same days, every day of the range.
        let report = report(db, GUILD, 7, clock.now()).await.unwrap();
        let messages = report.series(Metric::Messages).unwrap();
        assert_eq!(&messages.days[5..], [(at(0, 0), 2), (at(1, 0), 1)]);
    }
}

#[tokio::test]
async fn the_job_prunes_old_hours_and_members_of_a_guild_that_went_quiet() {
    use crate::jobs::{JobHandler as _, JobLedger};
    for test_db in testing::backends().await {
        let db = &test_db.db;
        let clock = crate::clock::ManualClock::new(at(0, 12));
        let ledger = JobLedger::new(db.clone(), std::sync::Arc::new(clock.clone()), 5);
        let record = aggregate::ensure_scheduled(&ledger).await.unwrap();
        let job = Aggregate::new(ledger.clone());
        let activity = Activity::new(db.clone());
        // Both guilds are active on day 0; only OTHER goes on.
        activity.message(GUILD, GENERAL, UserId::new(1), at(0, 9));
        activity.message(OTHER, GENERAL, UserId::new(9), at(0, 9));
        activity.flush().await.unwrap();
        job.run(AggregatePayload {}, &record).await.unwrap();
        assert_eq!(figure(db, GUILD, 0, 0, Metric::Messages).await, 1);
        // 40 days later the hours are past their 35 days; the daily figures stay.
        clock.set(at(40, 12));
        activity.message(OTHER, GENERAL, UserId::new(9), at(40, 9));
        activity.flush().await.unwrap();
        job.run(AggregatePayload {}, &record).await.unwrap();
        assert_eq!(
            count(db, "activity_hourly", GUILD).await,
            0,
            "quiet guild's hours"
        );
        assert_eq!(
            count(db, "activity_hourly", OTHER).await,
            1,
            "only day 40's hour"
        );
        assert_eq!(
            count(db, "activity_members", GUILD).await,
            1,
            "members keep 95 days"
        );
        assert_eq!(figure(db, GUILD, 0, 0, Metric::Messages).await, 1);
        // 100 days later the members are past their 95 days too.
        clock.set(at(100, 12));
        job.run(AggregatePayload {}, &record).await.unwrap();
        assert_eq!(
            count(db, "activity_members", GUILD).await,
            0,
            "quiet guild's members"
        );
        assert_eq!(
            count(db, "activity_members", OTHER).await,
            1,
            "OTHER's day 40"
        );
        assert_eq!(
            figure(db, GUILD, 0, 0, Metric::Messages).await,
            1,
            "figures stay"
        );
    }
}
