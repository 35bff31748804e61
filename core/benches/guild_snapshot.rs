//! Figures for the persisted guild model: the bot's process writing a whole guild (GUILD_CREATE
//! of a guild with 250 roles, 500 channels and `SNAPSHOT_BENCH_MEMBERS` members seen, 20,000 by
//! default), then a second of changes (200 members renamed or given a role), and a process
//! without the bot loading the guild back. Members go in statements of 500 rows. Prints a
//! table; asserts only that what was written reads back.
//!
//! `cargo bench -p guildhall-core --bench guild_snapshot` (PostgreSQL rows appear when
//! `DATABASE_URL` is set).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::time::Instant;

use guildhall_core::clock::UnixMillis;
use guildhall_core::guild_cache::GuildCache;
use guildhall_core::guild_snapshot::{load_guild, write_changes};
use guildhall_core::ids::{ChannelId, GuildId, RoleId, UserId};
use guildhall_core::permissions::{MemberInfo, Permissions, RoleInfo};
use guildhall_core::references::ChannelKind;
use guildhall_core::testing;

const GUILD: GuildId = GuildId::new(1_083_124_816_349_421_618);
const FIRST_ROLE: u64 = 1_083_124_816_349_500_000;
const FIRST_CHANNEL: u64 = 1_083_124_816_349_600_000;
const FIRST_USER: u64 = 300_000_000_000_000_000;
const ROLES: u64 = 250;
const CHANNELS: u64 = 500;
const CHANGED: u64 = 200;

fn row(name: &str, figure: &str) {
    println!("{name:<62} {figure}");
}

fn members() -> u64 {
    std::env::var("SNAPSHOT_BENCH_MEMBERS")
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or(20_000)
}

/// The guild as GUILD_CREATE and a day of events would leave it in the bot's model.
fn described(cache: &GuildCache, members: u64) {
    let roles = (0..ROLES)
        .map(|index| {
            (
                RoleInfo {
                    id: RoleId::new(FIRST_ROLE + index),
                    position: i32::try_from(index).unwrap(),
                    permissions: Permissions::NONE,
                },
                format!("role {index}"),
            )
        })
        .chain([(
            RoleInfo {
                id: RoleId::new(GUILD.get()),
                position: 0,
                permissions: Permissions::NONE,
            },
            "@everyone".to_owned(),
        )])
        .collect();
    cache.put_guild(
        GUILD,
        "Bench Guild".into(),
        UserId::new(FIRST_USER),
        roles,
        Vec::new(),
    );
    for index in 0..CHANNELS {
        let kind = if index % 20 == 0 {
            ChannelKind::Category
        } else {
            ChannelKind::Text
        };
        let parent = (index % 20 != 0).then(|| ChannelId::new(FIRST_CHANNEL + index / 20 * 20));
        cache.put_channel(
            GUILD,
            ChannelId::new(FIRST_CHANNEL + index),
            format!("channel-{index}"),
            kind,
            parent,
            i32::try_from(index).unwrap(),
            false,
        );
    }
    cache.put_members(
        GUILD,
        (0..members).map(|index| MemberInfo {
            user: UserId::new(FIRST_USER + index),
            roles: vec![RoleId::new(FIRST_ROLE + index % ROLES)],
            timed_out_until: None,
        }),
    );
    cache.set_member_names(
        GUILD,
        (0..members).map(|index| (UserId::new(FIRST_USER + index), format!("member {index}"))),
    );
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let members = members();
    println!("guild snapshot: 1 guild, {ROLES} roles, {CHANNELS} channels, {members} members\n");
    for test_db in testing::backends().await {
        let db = &test_db.db;
        let backend = format!("{:?}", db.backend());
        guildhall_core::guilds::upsert(db, GUILD, "Bench Guild", None, UnixMillis(1))
            .await
            .unwrap();
        let writer = GuildCache::new();
        writer.track_changes();
        described(&writer, members);

        let started = Instant::now();
        let written = write_changes(&writer, db, UnixMillis(1)).await.unwrap();
        let whole = started.elapsed();
        assert_eq!(written, 1);
        row(
            &format!("{backend}: write the whole guild (GUILD_CREATE)"),
            &format!("{:.1} ms", whole.as_secs_f64() * 1e3),
        );

        writer.set_member_names(
            GUILD,
            (0..CHANGED).map(|index| {
                (
                    UserId::new(FIRST_USER + index * 7),
                    format!("renamed {index}"),
                )
            }),
        );
        let started = Instant::now();
        write_changes(&writer, db, UnixMillis(2)).await.unwrap();
        let second = started.elapsed();
        row(
            &format!("{backend}: write a second of changes ({CHANGED} members)"),
            &format!("{:.1} ms", second.as_secs_f64() * 1e3),
        );

        let reader = GuildCache::new();
        let started = Instant::now();
        assert!(load_guild(db, &reader, GUILD).await.unwrap());
        let load = started.elapsed();
        row(
            &format!("{backend}: load the guild in another process"),
            &format!("{:.1} ms", load.as_secs_f64() * 1e3),
        );
        assert_eq!(
            reader
                .member_name(GUILD, UserId::new(FIRST_USER + 7))
                .as_deref(),
            Some("renamed 1")
        );
        assert_eq!(
            reader.channels(GUILD).map(|list| list.len()),
            Some(CHANNELS as usize)
        );
        println!();
    }
}
