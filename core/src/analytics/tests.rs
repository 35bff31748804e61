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
