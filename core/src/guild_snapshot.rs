//! The guild model, persisted: the bot's process writes what its [`GuildCache`] learns from the
//! gateway (roles with their colour and whether they are managed, channels and categories with
//! their position and age restriction, custom emojis, the guild's icon and member count,
//! members' roles and display names) to the
//! `guild_snapshot_*` tables, batched and off the message path ([`run_writer`]); a process
//! without the bot (`guildhall web` alone, the console, the CLI) loads it into its own
//! [`GuildCache`] ([`load_guild`], [`load_changed`], [`run_reader`]) and so shows names,
//! offers pickers and checks that an id belongs to a guild just as it would beside the bot.
//!
//! Each write of a guild bumps its `guild_snapshots.version` in the same transaction, so a
//! reader reloads only the guilds that changed. A guild the bot left loses its rows.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use sqlx::Row;
use tokio_util::sync::CancellationToken;

use crate::clock::{SharedClock, UnixMillis};
use crate::db::{Db, DbError};
use crate::guild_cache::{Changes, GuildCache, GuildEmoji, GuildLook, RoleStyle};
use crate::ids::{ChannelId, GuildId, RoleId, UserId};
use crate::permissions::{MemberInfo, Permissions, RoleInfo};
use crate::references::ChannelKind;

/// How many members one statement writes (five values each: well under SQLite's and
/// PostgreSQL's limits on bound values).
const MEMBERS_PER_STATEMENT: usize = 500;

/// `($1, $2, …), ($k+1, …)`: `rows` groups of `width` numbered placeholders, from `$first`.
fn placeholders(rows: usize, width: usize, first: usize) -> String {
    (0..rows)
        .map(|row| {
            let values: Vec<String> = (0..width)
                .map(|column| format!("${}", first + row * width + column))
                .collect();
            format!("({})", values.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Writes members' rows in statements of [`MEMBERS_PER_STATEMENT`]: with `replace`, their old
/// rows go first (one statement per batch); a member with neither roles nor name (gone) keeps
/// no row.
async fn write_members(
    transaction: &mut sqlx::Transaction<'_, sqlx::Any>,
    guild: GuildId,
    members: &[(UserId, Option<MemberInfo>, Option<String>)],
    replace: bool,
) -> Result<(), DbError> {
    for batch in members.chunks(MEMBERS_PER_STATEMENT) {
        if replace {
            let sql = format!(
                "DELETE FROM guild_snapshot_members WHERE guild_id = $1 AND user_id IN ({})",
                (0..batch.len())
                    .map(|index| format!("${}", index + 2))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(guild.to_db());
            for (user, _, _) in batch {
                query = query.bind(user.to_db());
            }
            query.execute(&mut **transaction).await?;
        }
        let kept: Vec<_> = batch
            .iter()
            .filter(|(_, member, name)| member.is_some() || name.is_some())
            .collect();
        if kept.is_empty() {
            continue;
        }
        let sql = format!(
            "INSERT INTO guild_snapshot_members (guild_id, user_id, name, roles, timed_out_until)
             VALUES {}",
            placeholders(kept.len(), 5, 1)
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (user, member, name) in kept {
            let roles = member.as_ref().map(|member| {
                serde_json::to_string(&member.roles).unwrap_or_else(|_| "[]".to_owned())
            });
            query = query
                .bind(guild.to_db())
                .bind(user.to_db())
                .bind(name.clone())
                .bind(roles)
                .bind(
                    member
                        .as_ref()
                        .and_then(|member| member.timed_out_until)
                        .map(|at| at.0),
                );
        }
        query.execute(&mut **transaction).await?;
    }
    Ok(())
}

/// How often the bot's process writes what changed.
pub const WRITE_EVERY: Duration = Duration::from_secs(1);

/// How often a process without the bot looks for guilds whose snapshot changed.
pub const READ_EVERY: Duration = Duration::from_secs(3);

const TABLES: [&str; 4] = [
    "guild_snapshot_roles",
    "guild_snapshot_channels",
    "guild_snapshot_emojis",
    "guild_snapshot_members",
];

/// The tables rewritten whole when a guild's structure changes.
const STRUCTURE_TABLES: [&str; 3] = [
    "guild_snapshot_roles",
    "guild_snapshot_channels",
    "guild_snapshot_emojis",
];

/// Writes what changed in `cache` since the last write. Returns how many guilds were written.
/// On failure the changes are given back to the cache, to be written next time.
///
/// # Errors
/// [`DbError`] when a write fails.
pub async fn write_changes(cache: &GuildCache, db: &Db, now: UnixMillis) -> Result<usize, DbError> {
    let changes = cache.take_changes();
    if changes.is_empty() {
        return Ok(0);
    }
    match write(cache, db, &changes, now).await {
        Ok(written) => Ok(written),
        Err(error) => {
            cache.restore_changes(changes);
            Err(error)
        }
    }
}

async fn write(
    cache: &GuildCache,
    db: &Db,
    changes: &Changes,
    now: UnixMillis,
) -> Result<usize, DbError> {
    let mut written = 0;
    for guild in &changes.gone {
        let mut transaction = db.begin_write().await?;
        for table in TABLES.into_iter().chain(["guild_snapshots"]) {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "DELETE FROM {table} WHERE guild_id = $1"
            )))
            .bind(guild.to_db())
            .execute(&mut *transaction)
            .await?;
        }
        transaction.commit().await?;
        written += 1;
    }
    let touched: HashSet<GuildId> = changes
        .whole
        .iter()
        .chain(&changes.structure)
        .chain(changes.members.keys())
        .copied()
        .collect();
    for guild in touched {
        let whole = changes.whole.contains(&guild);
        let members = (!whole).then(|| changes.members.get(&guild)).flatten();
        let Some(export) = cache.export(guild, if whole { None } else { members }) else {
            continue;
        };
        let mut transaction = db.begin_write().await?;
        if whole || changes.structure.contains(&guild) {
            for table in STRUCTURE_TABLES {
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "DELETE FROM {table} WHERE guild_id = $1"
                )))
                .bind(guild.to_db())
                .execute(&mut *transaction)
                .await?;
            }
            for (role, name) in &export.roles {
                let style = export
                    .role_styles
                    .get(&role.id)
                    .copied()
                    .unwrap_or_default();
                sqlx::query(
                    "INSERT INTO guild_snapshot_roles
                     (guild_id, role_id, name, position, permissions, colour, managed)
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(guild.to_db())
                .bind(role.id.to_db())
                .bind(name)
                .bind(i64::from(role.position))
                .bind(role.permissions.0.cast_signed())
                .bind(i64::from(style.colour))
                .bind(i64::from(style.managed))
                .execute(&mut *transaction)
                .await?;
            }
            for (channel, facts) in &export.channels {
                sqlx::query(
                    "INSERT INTO guild_snapshot_channels
                     (guild_id, channel_id, name, kind, parent_id, position, nsfw)
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(guild.to_db())
                .bind(channel.to_db())
                .bind(&facts.name)
                .bind(facts.kind.as_str())
                .bind(facts.parent.map(ChannelId::to_db))
                .bind(i64::from(facts.position))
                .bind(i64::from(facts.nsfw))
                .execute(&mut *transaction)
                .await?;
            }
            for emoji in &export.emojis {
                sqlx::query(
                    "INSERT INTO guild_snapshot_emojis (guild_id, emoji_id, name, animated)
                     VALUES ($1, $2, $3, $4)
                     ON CONFLICT (guild_id, emoji_id) DO NOTHING",
                )
                .bind(guild.to_db())
                .bind(emoji.id.cast_signed())
                .bind(&emoji.name)
                .bind(i64::from(emoji.animated))
                .execute(&mut *transaction)
                .await?;
            }
        }
        if whole {
            sqlx::query("DELETE FROM guild_snapshot_members WHERE guild_id = $1")
                .bind(guild.to_db())
                .execute(&mut *transaction)
                .await?;
        }
        write_members(&mut transaction, guild, &export.members, !whole).await?;
        sqlx::query(
            "INSERT INTO guild_snapshots (guild_id, version, updated_at, icon, member_count)
             VALUES ($1, 1, $2, $3, $4)
             ON CONFLICT (guild_id) DO UPDATE SET version = guild_snapshots.version + 1,
             updated_at = excluded.updated_at, icon = excluded.icon,
             member_count = excluded.member_count",
        )
        .bind(guild.to_db())
        .bind(now.0)
        .bind(export.look.icon.as_deref())
        .bind(
            export
                .look
                .member_count
                .map(|count| i64::try_from(count).unwrap_or(i64::MAX)),
        )
        .execute(&mut *transaction)
        .await?;
        transaction.commit().await?;
        written += 1;
    }
    Ok(written)
}

/// Loads one guild's snapshot into `cache`, replacing what it held of the guild. Returns
/// whether the guild has a snapshot (and the bot has not left it).
///
/// # Errors
/// [`DbError`] when a read fails.
pub async fn load_guild(db: &Db, cache: &GuildCache, guild: GuildId) -> Result<bool, DbError> {
    let Some(record) = crate::guilds::list(db)
        .await?
        .into_iter()
        .find(|record| record.id == guild && record.left_at.is_none())
    else {
        return Ok(false);
    };
    let roles = sqlx::query(
        "SELECT role_id, name, position, permissions, colour, managed
         FROM guild_snapshot_roles WHERE guild_id = $1",
    )
    .bind(guild.to_db())
    .fetch_all(db.pool())
    .await?;
    if roles.is_empty() {
        return Ok(false);
    }
    let mut styles = Vec::new();
    let roles = roles
        .iter()
        .map(|row| {
            let id = RoleId::from_db(row.try_get("role_id")?);
            styles.push((
                id,
                RoleStyle {
                    colour: u32::try_from(row.try_get::<i64, _>("colour")?).unwrap_or(0),
                    managed: row.try_get::<i64, _>("managed")? != 0,
                },
            ));
            Ok((
                RoleInfo {
                    id,
                    position: i32::try_from(row.try_get::<i64, _>("position")?).unwrap_or(0),
                    permissions: Permissions(row.try_get::<i64, _>("permissions")?.cast_unsigned()),
                },
                row.try_get::<String, _>("name")?,
            ))
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    let look = sqlx::query("SELECT icon, member_count FROM guild_snapshots WHERE guild_id = $1")
        .bind(guild.to_db())
        .fetch_optional(db.pool())
        .await?
        .map(|row| {
            Ok::<_, sqlx::Error>(GuildLook {
                icon: row.try_get("icon")?,
                member_count: row
                    .try_get::<Option<i64>, _>("member_count")?
                    .and_then(|count| u64::try_from(count).ok()),
            })
        })
        .transpose()?
        .unwrap_or_default();
    let emojis = sqlx::query(
        "SELECT emoji_id, name, animated FROM guild_snapshot_emojis WHERE guild_id = $1
         ORDER BY emoji_id",
    )
    .bind(guild.to_db())
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(|row| {
        Ok(GuildEmoji {
            id: row.try_get::<i64, _>("emoji_id")?.cast_unsigned(),
            name: row.try_get("name")?,
            animated: row.try_get::<i64, _>("animated")? != 0,
        })
    })
    .collect::<Result<Vec<_>, sqlx::Error>>()?;
    let members = sqlx::query(
        "SELECT user_id, name, roles, timed_out_until FROM guild_snapshot_members WHERE guild_id = $1",
    )
    .bind(guild.to_db())
    .fetch_all(db.pool())
    .await?;
    let mut infos = Vec::new();
    let mut names = Vec::new();
    for row in &members {
        let user = UserId::from_db(row.try_get("user_id")?);
        if let Some(name) = row.try_get::<Option<String>, _>("name")? {
            names.push((user, name));
        }
        if let Some(roles) = row.try_get::<Option<String>, _>("roles")? {
            let roles: Vec<RoleId> = serde_json::from_str(&roles)
                .map_err(|error| DbError::Corrupt(format!("a member's roles: {error}")))?;
            infos.push(MemberInfo {
                user,
                roles,
                timed_out_until: row
                    .try_get::<Option<i64>, _>("timed_out_until")?
                    .map(UnixMillis),
            });
        }
    }
    let channels = sqlx::query(
        "SELECT channel_id, name, kind, parent_id, position, nsfw
         FROM guild_snapshot_channels WHERE guild_id = $1",
    )
    .bind(guild.to_db())
    .fetch_all(db.pool())
    .await?;
    cache.put_guild(
        guild,
        record.name,
        record.owner.unwrap_or(UserId::new(1)),
        roles,
        infos,
    );
    for row in &channels {
        cache.put_channel(
            guild,
            ChannelId::from_db(row.try_get("channel_id")?),
            row.try_get("name")?,
            ChannelKind::from_name(&row.try_get::<String, _>("kind")?),
            row.try_get::<Option<i64>, _>("parent_id")?
                .map(ChannelId::from_db),
            i32::try_from(row.try_get::<i64, _>("position")?).unwrap_or(0),
            row.try_get::<i64, _>("nsfw")? != 0,
        );
    }
    for (role, style) in styles {
        cache.put_role_style(guild, role, style);
    }
    cache.set_emojis(guild, emojis);
    cache.set_look(guild, look);
    cache.set_member_names(guild, names);
    Ok(true)
}

/// The version of every guild's snapshot.
///
/// # Errors
/// [`DbError`] when the read fails.
pub async fn versions(db: &Db) -> Result<HashMap<GuildId, i64>, DbError> {
    let rows = sqlx::query("SELECT guild_id, version FROM guild_snapshots")
        .fetch_all(db.pool())
        .await?;
    rows.iter()
        .map(|row| {
            Ok((
                GuildId::from_db(row.try_get("guild_id")?),
                row.try_get("version")?,
            ))
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(DbError::from)
}

/// Loads every guild whose snapshot changed since `seen` (the versions loaded before), and
/// forgets guilds whose snapshot is gone. Returns how many guilds were loaded or forgotten.
///
/// # Errors
/// [`DbError`] when a read fails.
pub async fn load_changed(
    db: &Db,
    cache: &GuildCache,
    seen: &mut HashMap<GuildId, i64>,
) -> Result<usize, DbError> {
    let now = versions(db).await?;
    let mut changed = 0;
    for (guild, version) in &now {
        if seen.get(guild) != Some(version) {
            load_guild(db, cache, *guild).await?;
            changed += 1;
        }
    }
    for guild in seen.keys().filter(|guild| !now.contains_key(guild)) {
        cache.remove_guild(*guild);
        changed += 1;
    }
    *seen = now;
    Ok(changed)
}

/// The bot's side: writes the changes of `cache` every [`WRITE_EVERY`] until `stop`, and once
/// more then. Failures are logged and retried.
pub async fn run_writer(
    cache: Arc<GuildCache>,
    db: Db,
    clock: SharedClock,
    stop: CancellationToken,
) {
    cache.track_changes();
    let mut ticks = tokio::time::interval(WRITE_EVERY);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let stopping = tokio::select! {
            _ = ticks.tick() => false,
            () = stop.cancelled() => true,
        };
        if let Err(error) = write_changes(&cache, &db, clock.now()).await {
            tracing::warn!(%error, "could not write the guild snapshot; trying again");
        }
        if stopping {
            return;
        }
    }
}

/// A process without the bot: loads every guild's snapshot now and every [`READ_EVERY`]
/// after, the guilds that changed, until `stop`.
pub async fn run_reader(cache: Arc<GuildCache>, db: Db, stop: CancellationToken) {
    let mut seen = HashMap::new();
    let mut ticks = tokio::time::interval(READ_EVERY);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = ticks.tick() => {}
            () = stop.cancelled() => return,
        }
        if let Err(error) = load_changed(&db, &cache, &mut seen).await {
            tracing::warn!(%error, "could not read the guild snapshot; trying again");
        }
    }
}

/// What the export of a guild would write, for tests.
#[cfg(test)]
fn rows_of(export: &crate::guild_cache::GuildExport) -> (usize, usize, usize) {
    (
        export.roles.len(),
        export.channels.len(),
        export.members.len(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing;

    const GUILD: GuildId = GuildId::new(10);
    const OWNER: UserId = UserId::new(11);

    fn role(id: u64, position: i32) -> (RoleInfo, String) {
        (
            RoleInfo {
                id: RoleId::new(id),
                position,
                permissions: Permissions(8),
            },
            format!("role {id}"),
        )
    }

    #[tokio::test]
    async fn a_reader_sees_what_the_writer_learned_and_forgets_a_guild_left() {
        for test_db in testing::backends().await {
            let db = &test_db.db;
            crate::guilds::upsert(db, GUILD, "Cozy", Some(OWNER), UnixMillis(1))
                .await
                .unwrap();
            let bot = GuildCache::new();
            bot.track_changes();
            bot.put_guild(
                GUILD,
                "Cozy".into(),
                OWNER,
                vec![role(10, 0), role(20, 3)],
                vec![MemberInfo {
                    user: UserId::new(5),
                    roles: vec![RoleId::new(20)],
                    timed_out_until: None,
                }],
            );
            bot.put_channel(
                GUILD,
                ChannelId::new(30),
                "general".into(),
                ChannelKind::Text,
                None,
                4,
                true,
            );
            let booster = RoleStyle {
                colour: 0x00f4_7fff,
                managed: true,
            };
            bot.put_role_style(GUILD, RoleId::new(20), booster);
            let emojis = vec![
                GuildEmoji {
                    id: 900_000_000_000_000_001,
                    name: "wave".into(),
                    animated: false,
                },
                GuildEmoji {
                    id: 900_000_000_000_000_002,
                    name: "party".into(),
                    animated: true,
                },
            ];
            bot.set_emojis(GUILD, emojis.clone());
            let look = GuildLook {
                icon: Some("a_1269e74af4df7417b13759eae50c83dc".into()),
                member_count: Some(4_200),
            };
            bot.set_look(GUILD, look.clone());
            bot.set_member_names(GUILD, [(UserId::new(5), "ava".to_owned())]);
            assert_eq!(
                rows_of(&bot.export(GUILD, None).unwrap()),
                (2, 1, 1),
                "{}",
                test_db.backend().name()
            );
            assert_eq!(write_changes(&bot, db, UnixMillis(2)).await.unwrap(), 1);
            assert_eq!(write_changes(&bot, db, UnixMillis(3)).await.unwrap(), 0);

            let reader = GuildCache::new();
            let mut seen = HashMap::new();
            assert_eq!(load_changed(db, &reader, &mut seen).await.unwrap(), 1);
            assert_eq!(
                reader.role_name(GUILD, RoleId::new(20)).as_deref(),
                Some("role 20")
            );
            assert_eq!(
                reader.channel(GUILD, ChannelId::new(30)),
                bot.channel(GUILD, ChannelId::new(30)),
                "name, kind, parent, position and NSFW"
            );
            assert_eq!(
                reader.channel(GUILD, ChannelId::new(30)).unwrap().position,
                4
            );
            assert_eq!(reader.role_style(GUILD, RoleId::new(20)), Some(booster));
            assert_eq!(
                reader.role_style(GUILD, RoleId::new(10)),
                Some(RoleStyle::default()),
                "a role without a style reads back as plain"
            );
            assert_eq!(reader.emojis(GUILD), Some(emojis));
            assert_eq!(reader.look(GUILD), Some(look));
            assert_eq!(
                reader.member_name(GUILD, UserId::new(5)).as_deref(),
                Some("ava")
            );
            assert_eq!(
                reader.member(GUILD, UserId::new(5)).unwrap().roles,
                [RoleId::new(20)]
            );
            // Nothing changed: nothing reloaded.
            assert_eq!(load_changed(db, &reader, &mut seen).await.unwrap(), 0);

            // A renamed member and a new channel reach the reader; only they were written.
            bot.set_member_names(GUILD, [(UserId::new(5), "ava b".to_owned())]);
            bot.put_channel(
                GUILD,
                ChannelId::new(31),
                "help".into(),
                ChannelKind::Text,
                None,
                0,
                false,
            );
            bot.remove_member(GUILD, UserId::new(6));
            write_changes(&bot, db, UnixMillis(4)).await.unwrap();
            assert_eq!(load_changed(db, &reader, &mut seen).await.unwrap(), 1);
            assert_eq!(
                reader.member_name(GUILD, UserId::new(5)).as_deref(),
                Some("ava b")
            );
            assert!(reader.channel(GUILD, ChannelId::new(31)).is_some());

            // A recoloured role, an emoji deleted and an icon removed reach the reader too.
            let recoloured = RoleStyle {
                colour: 0x0099_aab5,
                managed: false,
            };
            bot.put_role_style(GUILD, RoleId::new(20), recoloured);
            let kept = vec![GuildEmoji {
                id: 900_000_000_000_000_002,
                name: "party".into(),
                animated: true,
            }];
            bot.set_emojis(GUILD, kept.clone());
            let plain = GuildLook {
                icon: None,
                member_count: Some(4_201),
            };
            bot.set_look(GUILD, plain.clone());
            write_changes(&bot, db, UnixMillis(5)).await.unwrap();
            assert_eq!(load_changed(db, &reader, &mut seen).await.unwrap(), 1);
            assert_eq!(reader.role_style(GUILD, RoleId::new(20)), Some(recoloured));
            assert_eq!(reader.emojis(GUILD), Some(kept));
            assert_eq!(reader.look(GUILD), Some(plain));
            assert_eq!(
                reader.channel(GUILD, ChannelId::new(30)),
                bot.channel(GUILD, ChannelId::new(30))
            );

            // The bot leaves: the rows go, and the reader forgets the guild.
            bot.remove_guild(GUILD);
            write_changes(&bot, db, UnixMillis(6)).await.unwrap();
            assert_eq!(load_changed(db, &reader, &mut seen).await.unwrap(), 1);
            assert!(!reader.has_guild(GUILD));
            for table in TABLES.into_iter().chain(["guild_snapshots"]) {
                let left: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                    "SELECT COUNT(*) FROM {table}"
                )))
                .fetch_one(db.pool())
                .await
                .unwrap();
                assert_eq!(left, 0, "{table}");
            }
        }
    }

    #[test]
    fn a_cache_that_does_not_write_the_snapshot_records_no_changes() {
        let reader = GuildCache::new();
        reader.put_guild(GUILD, "Cozy".into(), OWNER, vec![role(10, 0)], Vec::new());
        assert!(reader.take_changes().is_empty());
    }
}
