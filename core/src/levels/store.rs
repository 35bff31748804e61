//! Member XP in SQL (`member_xp`): portable statements over [`Db`], every query scoped by guild.
//!
//! Writes are batched: [`apply_batch`] writes a whole flush (many members, many guilds) in one
//! transaction with two statements per 500 members (read the old values, then a multi-row
//! upsert that adds the deltas), and [`import`] writes a whole CSV file the same way. Ranks
//! are index range counts over `member_xp_rank (guild_id, xp DESC, user_id)`.

use std::collections::{BTreeMap, HashMap};

use sqlx::any::AnyRow;
use sqlx::{Any, AssertSqlSafe, Row as _, Transaction};

use super::accumulator::Delta;
use super::curve::MAX_XP;
use crate::clock::UnixMillis;
use crate::db::{Db, DbError};
use crate::ids::{GuildId, UserId};

/// Members per statement: 7 bound values each stays far below both backends' limits on bound
/// parameters (32,766 on SQLite, 65,535 on PostgreSQL).
pub const BATCH: usize = 500;

const COLUMNS: &str = "user_id, xp, level, messages, voice_seconds, updated_at";

/// One member's stored XP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemberXp {
    /// The member.
    pub user: UserId,
    /// Total XP.
    pub xp: i64,
    /// The level stored with it (computed with the curve at the time of the write).
    pub level: u32,
    /// Messages that earned XP.
    pub messages: i64,
    /// Seconds of eligible voice time.
    pub voice_seconds: i64,
    /// When the row was last written.
    pub updated_at: UnixMillis,
}

/// A member's XP before and after a write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Applied {
    /// The guild.
    pub guild: GuildId,
    /// The member.
    pub user: UserId,
    /// Whether the member had no row before (then `old_xp` and `old_level` are 0).
    pub created: bool,
    /// XP before.
    pub old_xp: i64,
    /// XP after.
    pub new_xp: i64,
    /// The stored level before.
    pub old_level: u32,
    /// The level after.
    pub new_level: u32,
}

/// How an import treats members already stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportMode {
    /// A listed member's XP becomes the file's value.
    Replace,
    /// The file's value is added to a listed member's XP.
    Add,
}

/// Whose XP a reset deletes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResetScope {
    /// One member.
    Member(UserId),
    /// Every member of the guild.
    All,
}

fn clamp_xp(xp: i64) -> i64 {
    xp.clamp(0, MAX_XP)
}

fn level_column(row: &AnyRow) -> Result<u32, DbError> {
    let level: i64 = row.try_get("level")?;
    u32::try_from(level).map_err(|_| DbError::Corrupt(format!("member_xp.level is {level}")))
}

fn member(row: &AnyRow) -> Result<MemberXp, DbError> {
    Ok(MemberXp {
        user: UserId::from_db(row.try_get("user_id")?),
        xp: row.try_get("xp")?,
        level: level_column(row)?,
        messages: row.try_get("messages")?,
        voice_seconds: row.try_get("voice_seconds")?,
        updated_at: UnixMillis(row.try_get("updated_at")?),
    })
}

/// `$from, $from+1, ...` for `count` placeholders.
fn placeholders(from: usize, count: usize) -> String {
    (from..from + count)
        .map(|index| format!("${index}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The stored XP and level of some members of one guild, in the transaction.
async fn existing(
    transaction: &mut Transaction<'static, Any>,
    guild: GuildId,
    users: &[UserId],
) -> Result<HashMap<UserId, (i64, u32)>, DbError> {
    let sql = format!(
        "SELECT user_id, xp, level FROM member_xp WHERE guild_id = $1 AND user_id IN ({})",
        placeholders(2, users.len())
    );
    let mut query = sqlx::query(AssertSqlSafe(sql)).bind(guild.to_db());
    for user in users {
        query = query.bind(user.to_db());
    }
    let rows = query.fetch_all(&mut **transaction).await?;
    rows.iter()
        .map(|row| {
            Ok((
                UserId::from_db(row.try_get("user_id")?),
                (row.try_get("xp")?, level_column(row)?),
            ))
        })
        .collect()
}

/// A row to upsert: the values for a new row, and how an existing row changes.
struct Upsert {
    user: UserId,
    xp: i64,
    level: u32,
    messages: i64,
    voice_seconds: i64,
}

/// One member's deltas in a batch, summed.
#[derive(Debug, Clone, Copy, Default)]
struct Sums {
    xp: i64,
    messages: i64,
    voice_seconds: i64,
}

/// How an upsert treats XP of an existing row.
#[derive(Clone, Copy, PartialEq, Eq)]
enum XpWrite {
    /// `xp` becomes the given value; counters are kept.
    Set,
    /// The given values are added (XP clamped to 0..=MAX_XP); the level is the given one.
    Add,
}

async fn upsert(
    transaction: &mut Transaction<'static, Any>,
    guild: GuildId,
    rows: &[Upsert],
    write: XpWrite,
    now: UnixMillis,
) -> Result<Vec<(UserId, i64)>, DbError> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = format!("INSERT INTO member_xp (guild_id, {COLUMNS}) VALUES ");
    for index in 0..rows.len() {
        if index > 0 {
            sql.push_str(", ");
        }
        let first = index * 6 + 2;
        sql.push_str(&format!("($1, {})", placeholders(first, 6)));
    }
    sql.push_str(" ON CONFLICT (guild_id, user_id) DO UPDATE SET ");
    match write {
        XpWrite::Set => sql.push_str("xp = excluded.xp, "),
        XpWrite::Add => sql.push_str(&format!(
            "xp = CASE WHEN member_xp.xp + excluded.xp < 0 THEN 0 \
             WHEN member_xp.xp + excluded.xp > {MAX_XP} THEN {MAX_XP} \
             ELSE member_xp.xp + excluded.xp END, \
             messages = member_xp.messages + excluded.messages, \
             voice_seconds = member_xp.voice_seconds + excluded.voice_seconds, "
        )),
    }
    sql.push_str("level = excluded.level, updated_at = excluded.updated_at RETURNING user_id, xp");
    let mut query = sqlx::query(AssertSqlSafe(sql)).bind(guild.to_db());
    for row in rows {
        query = query
            .bind(row.user.to_db())
            .bind(row.xp)
            .bind(i64::from(row.level))
            .bind(row.messages)
            .bind(row.voice_seconds)
            .bind(now.0);
    }
    let returned = query.fetch_all(&mut **transaction).await?;
    returned
        .iter()
        .map(|row| Ok((UserId::from_db(row.try_get("user_id")?), row.try_get("xp")?)))
        .collect()
}

/// Corrects the level of rows whose XP was not what the batch expected: another process wrote
/// the member between the read and the upsert. Rare; one statement per such member.
async fn fix_levels(
    transaction: &mut Transaction<'static, Any>,
    guild: GuildId,
    expected: &HashMap<UserId, i64>,
    returned: &[(UserId, i64)],
    level_of: &impl Fn(GuildId, i64) -> u32,
    applied: &mut [Applied],
) -> Result<(), DbError> {
    for (user, xp) in returned {
        if expected.get(user) == Some(xp) {
            continue;
        }
        let level = level_of(guild, *xp);
        sqlx::query("UPDATE member_xp SET level = $3 WHERE guild_id = $1 AND user_id = $2")
            .bind(guild.to_db())
            .bind(user.to_db())
            .bind(i64::from(level))
            .execute(&mut **transaction)
            .await?;
        if let Some(entry) = applied
            .iter_mut()
            .find(|entry| entry.guild == guild && entry.user == *user)
        {
            entry.new_xp = *xp;
            entry.new_level = level;
        }
    }
    Ok(())
}

/// Adds a flush's deltas (any guilds; repeated members are summed first) in one transaction:
/// each member's XP becomes old + delta, clamped to `0..=MAX_XP`, their counters grow, and
/// their level is recomputed by `level_of(guild, xp)` (the guild's curve). Returns each
/// member's XP and level before and after.
///
/// # Errors
/// [`DbError`] when the write fails; nothing is written then.
pub async fn apply_batch(
    db: &Db,
    deltas: &[Delta],
    level_of: impl Fn(GuildId, i64) -> u32,
    now: UnixMillis,
) -> Result<Vec<Applied>, DbError> {
    // Sorted, so concurrent writers lock rows in the same order.
    let mut by_guild: BTreeMap<GuildId, BTreeMap<UserId, Sums>> = BTreeMap::new();
    for delta in deltas {
        let sums = by_guild
            .entry(delta.guild)
            .or_default()
            .entry(delta.user)
            .or_default();
        sums.xp = sums.xp.saturating_add(delta.xp);
        sums.messages = sums.messages.saturating_add(delta.messages);
        sums.voice_seconds = sums.voice_seconds.saturating_add(delta.voice_seconds);
    }
    if by_guild.is_empty() {
        return Ok(Vec::new());
    }
    let mut transaction = db.begin_write().await?;
    let mut applied = Vec::new();
    for (guild, members) in by_guild {
        let members: Vec<(UserId, Sums)> = members.into_iter().collect();
        for chunk in members.chunks(BATCH) {
            let users: Vec<UserId> = chunk.iter().map(|(user, _)| *user).collect();
            let old = existing(&mut transaction, guild, &users).await?;
            let mut rows = Vec::with_capacity(chunk.len());
            let mut expected = HashMap::with_capacity(chunk.len());
            let first = applied.len();
            for (user, sums) in chunk {
                let before = old.get(user).copied();
                let (old_xp, old_level) = before.unwrap_or((0, 0));
                let new_xp = clamp_xp(old_xp.saturating_add(sums.xp));
                let new_level = level_of(guild, new_xp);
                expected.insert(*user, new_xp);
                rows.push(Upsert {
                    user: *user,
                    // A new row starts from zero: the delta, clamped.
                    xp: if before.is_some() { sums.xp } else { new_xp },
                    level: new_level,
                    messages: sums.messages,
                    voice_seconds: sums.voice_seconds,
                });
                applied.push(Applied {
                    guild,
                    user: *user,
                    created: before.is_none(),
                    old_xp,
                    new_xp,
                    old_level,
                    new_level,
                });
            }
            let returned = upsert(&mut transaction, guild, &rows, XpWrite::Add, now).await?;
            fix_levels(
                &mut transaction,
                guild,
                &expected,
                &returned,
                &level_of,
                &mut applied[first..],
            )
            .await?;
        }
    }
    transaction.commit().await?;
    Ok(applied)
}

/// Sets members' XP (replace) or adds to it (add) from an import, in one transaction, with
/// levels from `level_of`. Members not listed are untouched. `rows` must not repeat a member
/// (the CSV parser refuses duplicates).
///
/// # Errors
/// [`DbError`] when the write fails; nothing is written then.
pub async fn import(
    db: &Db,
    guild: GuildId,
    rows: &[(UserId, i64)],
    mode: ImportMode,
    level_of: impl Fn(i64) -> u32,
    now: UnixMillis,
) -> Result<Vec<Applied>, DbError> {
    let mut transaction = db.begin_write().await?;
    let applied = write_absolute(&mut transaction, guild, rows, mode, &level_of, now).await?;
    transaction.commit().await?;
    Ok(applied)
}

async fn write_absolute(
    transaction: &mut Transaction<'static, Any>,
    guild: GuildId,
    rows: &[(UserId, i64)],
    mode: ImportMode,
    level_of: &impl Fn(i64) -> u32,
    now: UnixMillis,
) -> Result<Vec<Applied>, DbError> {
    let mut applied = Vec::with_capacity(rows.len());
    for chunk in rows.chunks(BATCH) {
        let users: Vec<UserId> = chunk.iter().map(|(user, _)| *user).collect();
        let old = existing(transaction, guild, &users).await?;
        let mut upserts = Vec::with_capacity(chunk.len());
        for (user, xp) in chunk {
            let before = old.get(user).copied();
            let (old_xp, old_level) = before.unwrap_or((0, 0));
            let new_xp = match mode {
                ImportMode::Replace => clamp_xp(*xp),
                ImportMode::Add => clamp_xp(old_xp.saturating_add(*xp)),
            };
            let new_level = level_of(new_xp);
            upserts.push(Upsert {
                user: *user,
                xp: new_xp,
                level: new_level,
                messages: 0,
                voice_seconds: 0,
            });
            applied.push(Applied {
                guild,
                user: *user,
                created: before.is_none(),
                old_xp,
                new_xp,
                old_level,
                new_level,
            });
        }
        upsert(transaction, guild, &upserts, XpWrite::Set, now).await?;
    }
    Ok(applied)
}

/// Sets one member's XP (clamped to `0..=MAX_XP`) and level.
///
/// # Errors
/// [`DbError`] when the write fails.
pub async fn set_xp(
    db: &Db,
    guild: GuildId,
    user: UserId,
    xp: i64,
    level_of: impl Fn(i64) -> u32,
    now: UnixMillis,
) -> Result<Applied, DbError> {
    let applied = import(db, guild, &[(user, xp)], ImportMode::Replace, level_of, now).await?;
    applied
        .into_iter()
        .next()
        .ok_or_else(|| DbError::Corrupt("setting XP wrote no row".into()))
}

/// Deletes the XP of one member or of the whole guild; returns the deleted rows' user and XP.
///
/// # Errors
/// [`DbError`] when the delete fails.
pub async fn reset(
    db: &Db,
    guild: GuildId,
    scope: ResetScope,
) -> Result<Vec<(UserId, i64)>, DbError> {
    let rows =
        match scope {
            ResetScope::Member(user) => sqlx::query(
                "DELETE FROM member_xp WHERE guild_id = $1 AND user_id = $2 RETURNING user_id, xp",
            )
            .bind(guild.to_db())
            .bind(user.to_db())
            .fetch_all(db.pool())
            .await?,
            ResetScope::All => {
                sqlx::query("DELETE FROM member_xp WHERE guild_id = $1 RETURNING user_id, xp")
                    .bind(guild.to_db())
                    .fetch_all(db.pool())
                    .await?
            }
        };
    rows.iter()
        .map(|row| Ok((UserId::from_db(row.try_get("user_id")?), row.try_get("xp")?)))
        .collect()
}

/// One member's stored XP.
///
/// # Errors
/// [`DbError`] when the read fails.
pub async fn get(db: &Db, guild: GuildId, user: UserId) -> Result<Option<MemberXp>, DbError> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM member_xp WHERE guild_id = $1 AND user_id = $2"
    )))
    .bind(guild.to_db())
    .bind(user.to_db())
    .fetch_optional(db.pool())
    .await?;
    row.as_ref().map(member).transpose()
}

/// How many members of the guild are ahead of a member with `xp`: more XP, or as much XP and
/// a lower user id. Two index range counts.
///
/// # Errors
/// [`DbError`] when the read fails.
pub async fn ahead_of(db: &Db, guild: GuildId, user: UserId, xp: i64) -> Result<i64, DbError> {
    Ok(sqlx::query(
        "SELECT (SELECT COUNT(*) FROM member_xp WHERE guild_id = $1 AND xp > $2)
              + (SELECT COUNT(*) FROM member_xp WHERE guild_id = $1 AND xp = $2 AND user_id < $3)
              AS ahead",
    )
    .bind(guild.to_db())
    .bind(xp)
    .bind(user.to_db())
    .fetch_one(db.pool())
    .await?
    .try_get("ahead")?)
}

/// A stored member's rank in the guild (1 is the most XP; ties go to the lower user id);
/// `None` for a member without XP.
///
/// # Errors
/// [`DbError`] when the read fails.
pub async fn rank(db: &Db, guild: GuildId, user: UserId) -> Result<Option<i64>, DbError> {
    let Some(stored) = get(db, guild, user).await? else {
        return Ok(None);
    };
    Ok(Some(ahead_of(db, guild, user, stored.xp).await? + 1))
}

/// A page of the leaderboard: most XP first, ties by user id, skipping `offset` members.
/// The cost grows with `offset`; deep pages should use [`page_from`].
///
/// # Errors
/// [`DbError`] when the read fails.
pub async fn page(
    db: &Db,
    guild: GuildId,
    offset: u64,
    limit: u32,
) -> Result<Vec<MemberXp>, DbError> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM member_xp WHERE guild_id = $1
         ORDER BY xp DESC, user_id LIMIT $2 OFFSET $3"
    )))
    .bind(guild.to_db())
    .bind(i64::from(limit))
    .bind(i64::try_from(offset).unwrap_or(i64::MAX))
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(member).collect()
}

/// A page of the leaderboard starting at the member with `xp` and `user` (included), in
/// leaderboard order: two index range scans (the rest of `xp`'s ties, then less XP), so a deep
/// page costs what the top one does, however many members tie.
///
/// # Errors
/// [`DbError`] when the read fails.
pub async fn page_from(
    db: &Db,
    guild: GuildId,
    xp: i64,
    user: UserId,
    limit: u32,
) -> Result<Vec<MemberXp>, DbError> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM (
             SELECT {COLUMNS} FROM member_xp WHERE guild_id = $1 AND xp = $2 AND user_id >= $3
             ORDER BY user_id LIMIT $4) AS ties
         UNION ALL
         SELECT {COLUMNS} FROM (
             SELECT {COLUMNS} FROM member_xp WHERE guild_id = $1 AND xp < $2
             ORDER BY xp DESC, user_id LIMIT $4) AS below
         ORDER BY xp DESC, user_id LIMIT $4"
    )))
    .bind(guild.to_db())
    .bind(xp)
    .bind(user.to_db())
    .bind(i64::from(limit))
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(member).collect()
}

/// How many members of the guild have XP stored.
///
/// # Errors
/// [`DbError`] when the read fails.
pub async fn count(db: &Db, guild: GuildId) -> Result<i64, DbError> {
    Ok(
        sqlx::query("SELECT COUNT(*) AS members FROM member_xp WHERE guild_id = $1")
            .bind(guild.to_db())
            .fetch_one(db.pool())
            .await?
            .try_get("members")?,
    )
}

/// Every member of the guild, in leaderboard order.
///
/// # Errors
/// [`DbError`] when the read fails.
pub async fn export(db: &Db, guild: GuildId) -> Result<Vec<MemberXp>, DbError> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM member_xp WHERE guild_id = $1 ORDER BY xp DESC, user_id"
    )))
    .bind(guild.to_db())
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(member).collect()
}

/// Every member's XP and user id, in leaderboard order: what the in-memory rank index loads.
///
/// # Errors
/// [`DbError`] when the read fails.
pub async fn ranking(db: &Db, guild: GuildId) -> Result<Vec<(i64, UserId)>, DbError> {
    let rows = sqlx::query(
        "SELECT xp, user_id FROM member_xp WHERE guild_id = $1 ORDER BY xp DESC, user_id",
    )
    .bind(guild.to_db())
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|row| Ok((row.try_get("xp")?, UserId::from_db(row.try_get("user_id")?))))
        .collect()
}
