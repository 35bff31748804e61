//! Role panels, their options and timed roles in SQL: portable statements over [`Db`], every
//! query scoped by guild.
//!
//! One running timer per member and role is kept by a unique `active_slot` column that is set
//! only while the timed role is held, so two grants racing cannot both stay active.

use std::collections::HashMap;

use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row as _};

use super::model::{
    PanelChoice, PanelContent, PanelId, PanelOption, PanelStyle, Removal, RolePanel, TimedRole,
    TimedRoleId, TimedSource,
};
use crate::clock::UnixMillis;
use crate::db::{Db, DbError};
use crate::ids::{ChannelId, GuildId, MessageId, RoleId, UserId};
use crate::jobs::JobId;

const PANEL_COLUMNS: &str = "id, guild_id, channel_id, message_id, title, description, style, choice, \
    requirements, timed_secs, created_by, created_at, updated_at";

const OPTION_COLUMNS: &str = "panel_id, position, role_id, label, emoji, description";

const TIMED_COLUMNS: &str = "id, guild_id, user_id, role_id, expires_at, source, panel_id, granted_by, \
    created_at, removed_at, removed_by, removal, job_id";

/// A panel to create (its content already checked).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPanel {
    /// The guild.
    pub guild: GuildId,
    /// Where it is posted.
    pub channel: ChannelId,
    /// What it shows and offers.
    pub content: PanelContent,
    /// Who created it.
    pub created_by: UserId,
    /// When.
    pub created_at: UnixMillis,
}

/// A timed role to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTimedRole {
    /// The guild.
    pub guild: GuildId,
    /// The member.
    pub user: UserId,
    /// The role.
    pub role: RoleId,
    /// When it is removed.
    pub expires_at: UnixMillis,
    /// A command or a panel.
    pub source: TimedSource,
    /// The panel, for panel roles.
    pub panel: Option<PanelId>,
    /// Who gave it.
    pub granted_by: UserId,
    /// When.
    pub created_at: UnixMillis,
    /// The job that removes it.
    pub job: JobId,
}

fn active_slot(user: UserId, role: RoleId) -> String {
    format!("{user}:{role}")
}

fn requirements_json(content: &PanelContent) -> Result<String, DbError> {
    serde_json::to_string(&content.requirements)
        .map_err(|error| DbError::Corrupt(format!("panel requirements: {error}")))
}

fn timed_secs(content: &PanelContent) -> Option<i64> {
    content
        .timed
        .map(|timed| i64::try_from(timed.as_secs()).unwrap_or(i64::MAX))
}

/// Creates a panel and its options in one transaction.
///
/// # Errors
/// [`DbError`] when the write fails; nothing is written then.
pub async fn create_panel(db: &Db, new: &NewPanel) -> Result<RolePanel, DbError> {
    let content = &new.content;
    let mut transaction = db.begin_write().await?;
    let row = sqlx::query(AssertSqlSafe(format!(
        "INSERT INTO role_panels (guild_id, channel_id, title, description, style, choice,
             requirements, timed_secs, created_by, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)
         RETURNING {PANEL_COLUMNS}"
    )))
    .bind(new.guild.to_db())
    .bind(new.channel.to_db())
    .bind(content.title.clone())
    .bind(content.description.clone())
    .bind(content.style.as_str())
    .bind(content.choice.as_str())
    .bind(requirements_json(content)?)
    .bind(timed_secs(content))
    .bind(new.created_by.to_db())
    .bind(new.created_at.0)
    .fetch_one(&mut *transaction)
    .await?;
    let mut panel = panel(&row)?;
    insert_options(&mut transaction, new.guild, panel.id, &content.options).await?;
    transaction.commit().await?;
    panel.options.clone_from(&content.options);
    Ok(panel)
}

async fn insert_options(
    transaction: &mut sqlx::Transaction<'_, sqlx::Any>,
    guild: GuildId,
    panel: PanelId,
    options: &[PanelOption],
) -> Result<(), DbError> {
    for (position, option) in options.iter().enumerate() {
        sqlx::query(
            "INSERT INTO role_panel_options (guild_id, panel_id, position, role_id, label, emoji,
                 description)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(guild.to_db())
        .bind(panel)
        .bind(i64::try_from(position).unwrap_or(i64::MAX))
        .bind(option.role.to_db())
        .bind(option.label.clone())
        .bind(option.emoji.clone())
        .bind(option.description.clone())
        .execute(&mut **transaction)
        .await?;
    }
    Ok(())
}

/// A guild's panel with its options.
///
/// # Errors
/// [`DbError`] when the read fails.
pub async fn get_panel(db: &Db, guild: GuildId, id: PanelId) -> Result<Option<RolePanel>, DbError> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {PANEL_COLUMNS} FROM role_panels WHERE guild_id = $1 AND id = $2"
    )))
    .bind(guild.to_db())
    .bind(id)
    .fetch_optional(db.pool())
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let mut panel = panel(&row)?;
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {OPTION_COLUMNS} FROM role_panel_options WHERE guild_id = $1 AND panel_id = $2
         ORDER BY position"
    )))
    .bind(guild.to_db())
    .bind(id)
    .fetch_all(db.pool())
    .await?;
    panel.options = rows
        .iter()
        .map(|row| option(row).map(|(_, option)| option))
        .collect::<Result<_, _>>()?;
    Ok(Some(panel))
}

/// How many panels the guild has.
///
/// # Errors
/// [`DbError`] when the read fails.
pub async fn count_panels(db: &Db, guild: GuildId) -> Result<u64, DbError> {
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM role_panels WHERE guild_id = $1")
        .bind(guild.to_db())
        .fetch_one(db.pool())
        .await?;
    Ok(u64::try_from(count).unwrap_or(0))
}

/// A guild's panels with their options, oldest first.
///
/// # Errors
/// [`DbError`] when the read fails.
pub async fn list_panels(db: &Db, guild: GuildId) -> Result<Vec<RolePanel>, DbError> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {PANEL_COLUMNS} FROM role_panels WHERE guild_id = $1 ORDER BY id"
    )))
    .bind(guild.to_db())
    .fetch_all(db.pool())
    .await?;
    let mut panels: Vec<RolePanel> = rows.iter().map(panel).collect::<Result<_, _>>()?;
    let option_rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {OPTION_COLUMNS} FROM role_panel_options WHERE guild_id = $1
         ORDER BY panel_id, position"
    )))
    .bind(guild.to_db())
    .fetch_all(db.pool())
    .await?;
    let mut options: HashMap<PanelId, Vec<PanelOption>> = HashMap::new();
    for row in &option_rows {
        let (panel, option) = option(row)?;
        options.entry(panel).or_default().push(option);
    }
    for panel in &mut panels {
        panel.options = options.remove(&panel.id).unwrap_or_default();
    }
    Ok(panels)
}

/// Records the message a panel was posted as. `None` when there is no such panel.
///
/// # Errors
/// [`DbError`] when the write fails.
pub async fn set_panel_message(
    db: &Db,
    guild: GuildId,
    id: PanelId,
    message: MessageId,
) -> Result<Option<RolePanel>, DbError> {
    let updated =
        sqlx::query("UPDATE role_panels SET message_id = $3 WHERE guild_id = $1 AND id = $2")
            .bind(guild.to_db())
            .bind(id)
            .bind(message.to_db())
            .execute(db.pool())
            .await?
            .rows_affected();
    if updated == 0 {
        return Ok(None);
    }
    get_panel(db, guild, id).await
}

/// Replaces a panel's content and options in one transaction. `None` when there is no such
/// panel.
///
/// # Errors
/// [`DbError`] when the write fails; nothing is written then.
pub async fn update_panel(
    db: &Db,
    guild: GuildId,
    id: PanelId,
    content: &PanelContent,
    at: UnixMillis,
) -> Result<Option<RolePanel>, DbError> {
    let mut transaction = db.begin_write().await?;
    let updated = sqlx::query(
        "UPDATE role_panels SET title = $3, description = $4, style = $5, choice = $6,
             requirements = $7, timed_secs = $8, updated_at = $9
         WHERE guild_id = $1 AND id = $2",
    )
    .bind(guild.to_db())
    .bind(id)
    .bind(content.title.clone())
    .bind(content.description.clone())
    .bind(content.style.as_str())
    .bind(content.choice.as_str())
    .bind(requirements_json(content)?)
    .bind(timed_secs(content))
    .bind(at.0)
    .execute(&mut *transaction)
    .await?
    .rows_affected();
    if updated == 0 {
        transaction.rollback().await?;
        return Ok(None);
    }
    sqlx::query("DELETE FROM role_panel_options WHERE guild_id = $1 AND panel_id = $2")
        .bind(guild.to_db())
        .bind(id)
        .execute(&mut *transaction)
        .await?;
    insert_options(&mut transaction, guild, id, &content.options).await?;
    transaction.commit().await?;
    get_panel(db, guild, id).await
}

/// Deletes a panel and its options, returning it as it was. `None` when there is no such
/// panel. Timed roles taken from it keep their timers.
///
/// # Errors
/// [`DbError`] when the write fails; nothing is deleted then.
pub async fn delete_panel(
    db: &Db,
    guild: GuildId,
    id: PanelId,
) -> Result<Option<RolePanel>, DbError> {
    let Some(panel) = get_panel(db, guild, id).await? else {
        return Ok(None);
    };
    let mut transaction = db.begin_write().await?;
    sqlx::query("DELETE FROM role_panel_options WHERE guild_id = $1 AND panel_id = $2")
        .bind(guild.to_db())
        .bind(id)
        .execute(&mut *transaction)
        .await?;
    let deleted = sqlx::query("DELETE FROM role_panels WHERE guild_id = $1 AND id = $2")
        .bind(guild.to_db())
        .bind(id)
        .execute(&mut *transaction)
        .await?
        .rows_affected();
    transaction.commit().await?;
    Ok((deleted > 0).then_some(panel))
}

/// Records a timed role. A timed role the member already holds for this role ends as
/// [`Removal::Replaced`] in the same transaction and is returned second.
///
/// # Errors
/// [`DbError`] when the write fails (also when a concurrent grant of the same role won the race);
/// nothing is written then.
pub async fn insert_timed(
    db: &Db,
    new: &NewTimedRole,
) -> Result<(TimedRole, Option<TimedRole>), DbError> {
    let slot = active_slot(new.user, new.role);
    let mut transaction = db.begin_write().await?;
    let replaced = sqlx::query(AssertSqlSafe(format!(
        "UPDATE timed_roles SET active_slot = NULL, removed_at = $3, removal = 'replaced'
         WHERE guild_id = $1 AND active_slot = $2
         RETURNING {TIMED_COLUMNS}"
    )))
    .bind(new.guild.to_db())
    .bind(slot.clone())
    .bind(new.created_at.0)
    .fetch_optional(&mut *transaction)
    .await?
    .as_ref()
    .map(timed)
    .transpose()?;
    let row = sqlx::query(AssertSqlSafe(format!(
        "INSERT INTO timed_roles (guild_id, user_id, role_id, expires_at, source, panel_id,
             granted_by, created_at, active_slot, job_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         RETURNING {TIMED_COLUMNS}"
    )))
    .bind(new.guild.to_db())
    .bind(new.user.to_db())
    .bind(new.role.to_db())
    .bind(new.expires_at.0)
    .bind(new.source.as_str())
    .bind(new.panel)
    .bind(new.granted_by.to_db())
    .bind(new.created_at.0)
    .bind(slot)
    .bind(new.job)
    .fetch_one(&mut *transaction)
    .await?;
    let inserted = timed(&row)?;
    transaction.commit().await?;
    Ok((inserted, replaced))
}

/// The timed role a job removes.
///
/// # Errors
/// [`DbError`] when the read fails.
pub async fn timed_by_job(
    db: &Db,
    guild: GuildId,
    job: JobId,
) -> Result<Option<TimedRole>, DbError> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {TIMED_COLUMNS} FROM timed_roles WHERE guild_id = $1 AND job_id = $2
         ORDER BY id DESC LIMIT 1"
    )))
    .bind(guild.to_db())
    .bind(job)
    .fetch_optional(db.pool())
    .await?;
    row.as_ref().map(timed).transpose()
}

/// The member's running timed role for `role`, if any.
///
/// # Errors
/// [`DbError`] when the read fails.
pub async fn active_timed(
    db: &Db,
    guild: GuildId,
    user: UserId,
    role: RoleId,
) -> Result<Option<TimedRole>, DbError> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {TIMED_COLUMNS} FROM timed_roles WHERE guild_id = $1 AND active_slot = $2"
    )))
    .bind(guild.to_db())
    .bind(active_slot(user, role))
    .fetch_optional(db.pool())
    .await?;
    row.as_ref().map(timed).transpose()
}

/// A guild's running timed roles (optionally one member's), the soonest to end first.
///
/// # Errors
/// [`DbError`] when the read fails.
pub async fn list_active(
    db: &Db,
    guild: GuildId,
    user: Option<UserId>,
) -> Result<Vec<TimedRole>, DbError> {
    let rows = match user {
        Some(user) => {
            sqlx::query(AssertSqlSafe(format!(
                "SELECT {TIMED_COLUMNS} FROM timed_roles
                 WHERE guild_id = $1 AND user_id = $2 AND active_slot IS NOT NULL
                 ORDER BY expires_at, id"
            )))
            .bind(guild.to_db())
            .bind(user.to_db())
            .fetch_all(db.pool())
            .await?
        }
        None => {
            sqlx::query(AssertSqlSafe(format!(
                "SELECT {TIMED_COLUMNS} FROM timed_roles
                 WHERE guild_id = $1 AND active_slot IS NOT NULL
                 ORDER BY expires_at, id"
            )))
            .bind(guild.to_db())
            .fetch_all(db.pool())
            .await?
        }
    };
    rows.iter().map(timed).collect()
}

/// Ends a running timed role. `None` when it is not running (already ended, or no such row in
/// this guild), so two enders cannot both end it.
///
/// # Errors
/// [`DbError`] when the write fails.
pub async fn end_timed(
    db: &Db,
    guild: GuildId,
    id: TimedRoleId,
    removal: Removal,
    by: Option<UserId>,
    at: UnixMillis,
) -> Result<Option<TimedRole>, DbError> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "UPDATE timed_roles SET active_slot = NULL, removed_at = $3, removal = $4, removed_by = $5
         WHERE guild_id = $1 AND id = $2 AND active_slot IS NOT NULL
         RETURNING {TIMED_COLUMNS}"
    )))
    .bind(guild.to_db())
    .bind(id)
    .bind(at.0)
    .bind(removal.as_str())
    .bind(by.map(UserId::to_db))
    .fetch_optional(db.pool())
    .await?;
    row.as_ref().map(timed).transpose()
}

fn panel(row: &AnyRow) -> Result<RolePanel, DbError> {
    let style: String = row.try_get("style")?;
    let choice: String = row.try_get("choice")?;
    let requirements: String = row.try_get("requirements")?;
    Ok(RolePanel {
        id: row.try_get("id")?,
        guild: GuildId::from_db(row.try_get("guild_id")?),
        channel: ChannelId::from_db(row.try_get("channel_id")?),
        message: row
            .try_get::<Option<i64>, _>("message_id")?
            .map(MessageId::from_db),
        title: row.try_get("title")?,
        description: row.try_get("description")?,
        style: style.parse::<PanelStyle>().map_err(DbError::Corrupt)?,
        choice: choice.parse::<PanelChoice>().map_err(DbError::Corrupt)?,
        requirements: serde_json::from_str(&requirements)
            .map_err(|error| DbError::Corrupt(format!("panel requirements: {error}")))?,
        timed_secs: row
            .try_get::<Option<i64>, _>("timed_secs")?
            .map(|secs| u64::try_from(secs).unwrap_or(0)),
        options: Vec::new(),
        created_by: UserId::from_db(row.try_get("created_by")?),
        created_at: UnixMillis(row.try_get("created_at")?),
        updated_at: UnixMillis(row.try_get("updated_at")?),
    })
}

fn option(row: &AnyRow) -> Result<(PanelId, PanelOption), DbError> {
    Ok((
        row.try_get("panel_id")?,
        PanelOption {
            role: RoleId::from_db(row.try_get("role_id")?),
            label: row.try_get("label")?,
            emoji: row.try_get("emoji")?,
            description: row.try_get("description")?,
        },
    ))
}

fn timed(row: &AnyRow) -> Result<TimedRole, DbError> {
    let source: String = row.try_get("source")?;
    let removal: Option<String> = row.try_get("removal")?;
    Ok(TimedRole {
        id: row.try_get("id")?,
        guild: GuildId::from_db(row.try_get("guild_id")?),
        user: UserId::from_db(row.try_get("user_id")?),
        role: RoleId::from_db(row.try_get("role_id")?),
        expires_at: UnixMillis(row.try_get("expires_at")?),
        source: source.parse().map_err(DbError::Corrupt)?,
        panel: row.try_get("panel_id")?,
        granted_by: UserId::from_db(row.try_get("granted_by")?),
        created_at: UnixMillis(row.try_get("created_at")?),
        removed_at: row.try_get::<Option<i64>, _>("removed_at")?.map(UnixMillis),
        removed_by: row
            .try_get::<Option<i64>, _>("removed_by")?
            .map(UserId::from_db),
        removal: removal
            .map(|removal| removal.parse())
            .transpose()
            .map_err(DbError::Corrupt)?,
        job: row.try_get("job_id")?,
    })
}
