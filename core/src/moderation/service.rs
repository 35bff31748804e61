//! [`ModerationService`]: the moderation use cases over the database, the clock, the job ledger
//! and the guild's settings. Each use case is a method in its own file (`punish.rs`,
//! `timed.rs`); this file holds the service, its error, and the case lookups and edits.

use std::sync::Arc;

use super::cases::Case;
use super::modlog;
use super::section;
use super::settings::ModerationSettings;
use super::store::{self, CaseFilter};
use crate::clock::SharedClock;
use crate::db::{Db, DbError};
use crate::effect::Effect;
use crate::guards::Refusal;
use crate::guild_config::{GuildConfigError, GuildConfigService};
use crate::ids::{ChannelId, GuildId, MessageId, UserId};
use crate::jobs::{JobLedger, JobLedgerError};

/// Why a moderation request was not carried out.
#[derive(Debug, thiserror::Error)]
pub enum ModerationError {
    /// A guard refused the action; the refusal is already stored. Tell the moderator
    /// [`Refusal::explain`].
    #[error("refused: {}", .0.explain())]
    Refused(Refusal),
    /// The request itself is wrong (a timeout too long, a reason too long); the message says
    /// what is accepted.
    #[error("{0}")]
    Invalid(String),
    /// The guild has no case with this number.
    #[error("there is no case {number} in this server")]
    NoSuchCase {
        /// The number asked for.
        number: i64,
    },
    /// The database failed.
    #[error(transparent)]
    Storage(#[from] DbError),
    /// The guild's settings could not be read.
    #[error(transparent)]
    Settings(#[from] GuildConfigError),
    /// The follow-up job could not be scheduled.
    #[error(transparent)]
    Jobs(#[from] JobLedgerError),
}

impl From<sqlx::Error> for ModerationError {
    fn from(error: sqlx::Error) -> Self {
        Self::Storage(DbError::Sql(error))
    }
}

/// What a guild's settings say about moderation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuildModeration {
    /// `general.mod_log_channel`: where cases are posted.
    pub mod_log_channel: Option<ChannelId>,
    /// The `moderation` section.
    pub settings: ModerationSettings,
}

/// A reason edit and the mod-log edit that goes with it.
#[derive(Debug, Clone, PartialEq)]
pub struct ReasonEdit {
    /// The case with its new reason.
    pub case: Case,
    /// The edit of the case's mod-log post, when it was posted and the mod log is still set.
    pub mod_log_edit: Option<Effect>,
}

/// Moderation: cases, warnings, escalation and timed punishments.
#[derive(Debug, Clone)]
pub struct ModerationService {
    pub(super) db: Db,
    pub(super) clock: SharedClock,
    pub(super) ledger: JobLedger,
    pub(super) config: Arc<GuildConfigService>,
    /// Striped locks serializing punishments of one member (by guild and user), so two
    /// warnings at once count each other and the ladder applies each step exactly once.
    pub(super) member_locks: Arc<[tokio::sync::Mutex<()>]>,
}

/// How many stripes [`ModerationService`]'s member locks have.
const MEMBER_LOCK_STRIPES: usize = 64;

impl ModerationService {
    /// A service over the database, scheduling follow-ups in `ledger` and reading each guild's
    /// settings through `config`.
    pub fn new(
        db: Db,
        clock: SharedClock,
        ledger: JobLedger,
        config: Arc<GuildConfigService>,
    ) -> Self {
        Self {
            db,
            clock,
            ledger,
            config,
            member_locks: (0..MEMBER_LOCK_STRIPES)
                .map(|_| tokio::sync::Mutex::new(()))
                .collect(),
        }
    }

    /// The lock of `user` in `guild` (shared with the few members hashed to the same stripe).
    pub(super) fn member_lock(&self, guild: GuildId, user: UserId) -> &tokio::sync::Mutex<()> {
        let mixed = guild.get().rotate_left(17) ^ user.get().wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let index = usize::try_from(mixed % MEMBER_LOCK_STRIPES as u64).unwrap_or(0);
        &self.member_locks[index]
    }

    /// What the guild's settings say about moderation.
    ///
    /// # Errors
    /// [`ModerationError::Settings`] when they cannot be read.
    pub async fn guild_settings(&self, guild: GuildId) -> Result<GuildModeration, ModerationError> {
        let settings = self.config.get(guild).await?;
        Ok(GuildModeration {
            mod_log_channel: settings.general.mod_log_channel,
            settings: section::current(&settings),
        })
    }

    /// A case by its number (`/case 12`).
    ///
    /// # Errors
    /// [`ModerationError::NoSuchCase`]; storage errors.
    pub async fn case(&self, guild: GuildId, number: i64) -> Result<Case, ModerationError> {
        store::get(&self.db, guild, number)
            .await?
            .ok_or(ModerationError::NoSuchCase { number })
    }

    /// A guild's cases matching `filter`, newest first (`/cases user:`, the dashboard's search).
    ///
    /// # Errors
    /// Storage errors.
    pub async fn cases(
        &self,
        guild: GuildId,
        filter: &CaseFilter,
    ) -> Result<Vec<Case>, ModerationError> {
        Ok(store::list(&self.db, guild, filter).await?)
    }

    /// How many of a member's warnings count now.
    ///
    /// # Errors
    /// Storage errors.
    pub async fn active_warnings(
        &self,
        guild: GuildId,
        user: UserId,
    ) -> Result<u32, ModerationError> {
        Ok(store::active_warnings(&self.db, guild, user, self.clock.now()).await?)
    }

    /// Replaces a case's reason (`/reason case: text:`), recording who edited it and when, and
    /// returns the edit of its mod-log post for the bot to perform.
    ///
    /// # Errors
    /// [`ModerationError::Invalid`] for an empty or overlong reason;
    /// [`ModerationError::NoSuchCase`]; storage errors.
    pub async fn edit_reason(
        &self,
        guild: GuildId,
        number: i64,
        reason: &str,
        editor: UserId,
    ) -> Result<ReasonEdit, ModerationError> {
        let reason = checked_reason(Some(reason))?;
        if reason.is_empty() {
            return Err(ModerationError::Invalid(
                "the new reason must not be empty".into(),
            ));
        }
        let case = store::update_reason(&self.db, guild, number, &reason, editor, self.clock.now())
            .await?
            .ok_or(ModerationError::NoSuchCase { number })?;
        let mod_log_channel = self.guild_settings(guild).await?.mod_log_channel;
        let mod_log_edit = match (mod_log_channel, case.mod_log_message) {
            (Some(channel), Some(message_id)) => Some(Effect::EditMessage {
                channel,
                message_id,
                message: modlog::mod_log_message(&case),
            }),
            _ => None,
        };
        Ok(ReasonEdit { case, mod_log_edit })
    }

    /// Records the mod-log post the bot made for a case, so a reason edit can update it.
    ///
    /// # Errors
    /// [`ModerationError::NoSuchCase`]; storage errors.
    pub async fn record_mod_log_message(
        &self,
        guild: GuildId,
        number: i64,
        message: MessageId,
    ) -> Result<Case, ModerationError> {
        store::set_mod_log_message(&self.db, guild, number, message)
            .await?
            .ok_or(ModerationError::NoSuchCase { number })
    }

    /// Records that Discord did not carry out a case's action: the case is marked with why
    /// (it then counts neither as an applied ladder step nor as a ban decision, and gets no
    /// mod-log post), a refusal by Discord (403, Missing Permissions) is stored as a refusal of
    /// `invoker`, and a tempban's lift job is cancelled. Returns the refusal when there is one.
    ///
    /// # Errors
    /// [`ModerationError::NoSuchCase`]; storage and ledger errors.
    pub async fn action_failed(
        &self,
        effects: &super::CaseEffects,
        invoker: UserId,
        failure: &ActionFailure,
    ) -> Result<Option<crate::guards::Refusal>, ModerationError> {
        let case = &effects.case;
        store::mark_failed(&self.db, case.guild, case.number, &failure.words)
            .await?
            .ok_or(ModerationError::NoSuchCase {
                number: case.number,
            })?;
        if let Some(job) = effects.follow_up
            && let Err(error) = self.ledger.cancel(job).await
        {
            tracing::warn!(guild = %case.guild, case = case.number, %error, "could not cancel the failed tempban's lift");
        }
        if !failure.refused_permission {
            return Ok(None);
        }
        let refusal = crate::guards::Refusal::DiscordRefused;
        crate::refusals::record(
            &self.db,
            case.guild,
            self.clock.now(),
            invoker,
            Some(case.target),
            case.kind.as_str(),
            &refusal,
        )
        .await?;
        Ok(Some(refusal))
    }

    /// Pardons a warning: it stops counting toward escalation and stays in the history.
    ///
    /// # Errors
    /// [`ModerationError::NoSuchCase`] when the number is not a warning; storage errors.
    pub async fn pardon(
        &self,
        guild: GuildId,
        number: i64,
        by: UserId,
    ) -> Result<Case, ModerationError> {
        store::pardon(&self.db, guild, number, by, self.clock.now())
            .await?
            .ok_or(ModerationError::NoSuchCase { number })
    }
}

/// The longest reason a case keeps: Discord's embed field limit.
pub const MAX_REASON: usize = 1_024;

/// A trimmed reason, or [`ModerationError::Invalid`] when it is too long.
pub(super) fn checked_reason(reason: Option<&str>) -> Result<String, ModerationError> {
    let reason = reason.map(str::trim).unwrap_or_default();
    crate::text::check("the reason", reason, crate::text::TextKind::Prose)
        .map_err(|error| ModerationError::Invalid(error.to_string()))?;
    let length = reason.chars().count();
    if length > MAX_REASON {
        return Err(ModerationError::Invalid(format!(
            "the reason must be at most {MAX_REASON} characters, got {length}"
        )));
    }
    Ok(reason.to_owned())
}

/// Why Discord did not carry out an action, as the bot saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionFailure {
    /// Discord refused for lack of permission (403, code 50013): stored as a refusal too.
    pub refused_permission: bool,
    /// What happened, in words (stored on the case).
    pub words: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_keep_line_breaks_and_refuse_control_characters() {
        assert_eq!(
            checked_reason(Some(" spam\nagain ")).unwrap(),
            "spam\nagain"
        );
        let refused = checked_reason(Some("spam\u{0}")).unwrap_err().to_string();
        assert!(
            refused.contains("the reason must not contain control characters (U+0000"),
            "{refused}"
        );
    }
}
