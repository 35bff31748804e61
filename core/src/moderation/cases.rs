//! What a case is: its kind, who acted, whom it targets, and (for warnings) severity and expiry.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::clock::UnixMillis;
use crate::ids::{GuildId, MessageId, UserId};

crate::ids::local_id!(
    /// A case's internal id (members see its per-guild number).
    CaseId,
    "case"
);

/// What a case records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseKind {
    /// A warning (stored only; counts toward escalation until it decays).
    Warn,
    /// A native timeout; Discord ends it, so no job follows it up.
    Timeout,
    /// A timeout lifted early.
    Untimeout,
    /// A kick.
    Kick,
    /// A permanent ban.
    Ban,
    /// A ban lifted by the job ledger when its duration ends.
    Tempban,
    /// A ban lifted.
    Unban,
    /// A note about a member; nothing happens on Discord.
    Note,
}

impl CaseKind {
    /// Every kind, for help texts and filters.
    pub const ALL: [Self; 8] = [
        Self::Warn,
        Self::Timeout,
        Self::Untimeout,
        Self::Kick,
        Self::Ban,
        Self::Tempban,
        Self::Unban,
        Self::Note,
    ];

    /// The name stored in SQL and shown to people.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Warn => "warn",
            Self::Timeout => "timeout",
            Self::Untimeout => "untimeout",
            Self::Kick => "kick",
            Self::Ban => "ban",
            Self::Tempban => "tempban",
            Self::Unban => "unban",
            Self::Note => "note",
        }
    }

    /// The word for a mod-log title ("Warn", "Tempban").
    pub fn title(self) -> &'static str {
        match self {
            Self::Warn => "Warn",
            Self::Timeout => "Timeout",
            Self::Untimeout => "Timeout removed",
            Self::Kick => "Kick",
            Self::Ban => "Ban",
            Self::Tempban => "Tempban",
            Self::Unban => "Unban",
            Self::Note => "Note",
        }
    }
}

impl fmt::Display for CaseKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for CaseKind {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|kind| kind.as_str() == text.trim())
            .ok_or_else(|| {
                format!(
                    "unknown case kind `{text}`; kinds are: {}",
                    Self::ALL.map(Self::as_str).join(", ")
                )
            })
    }
}

/// How serious a warning is; decides how long it counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// A minor offence (decays soonest).
    #[default]
    Minor,
    /// A major offence.
    Major,
    /// A severe offence.
    Severe,
}

impl Severity {
    /// Every severity.
    pub const ALL: [Self; 3] = [Self::Minor, Self::Major, Self::Severe];

    /// The name stored in SQL.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Minor => "minor",
            Self::Major => "major",
            Self::Severe => "severe",
        }
    }
}

impl FromStr for Severity {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|severity| severity.as_str() == text.trim())
            .ok_or_else(|| format!("unknown severity `{text}`; use minor, major or severe"))
    }
}

/// Who acted in a case: a moderator, or automation named by its rule.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", content = "id", rename_all = "snake_case")]
pub enum CaseActor {
    /// A moderator.
    Moderator(UserId),
    /// Automation: `automod:<rule>`, `escalation`, `tempban`.
    Automated(String),
}

impl fmt::Display for CaseActor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Moderator(user) => write!(f, "<@{user}>"),
            Self::Automated(rule) => f.write_str(rule),
        }
    }
}

/// The actor name of escalation cases.
pub const ESCALATION_ACTOR: &str = "escalation";
/// The actor name of unbans by the tempban follow-up.
pub const TEMPBAN_ACTOR: &str = "tempban";

/// One stored case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Case {
    /// Internal id.
    pub id: CaseId,
    /// The guild.
    pub guild: GuildId,
    /// The per-guild sequential number members see (`/case 12`).
    pub number: i64,
    /// What happened.
    pub kind: CaseKind,
    /// Whom it concerns.
    pub target: UserId,
    /// Who acted.
    pub actor: CaseActor,
    /// Why.
    pub reason: String,
    /// A warning's severity.
    pub severity: Option<Severity>,
    /// How long a timeout or tempban lasts.
    pub duration: Option<Duration>,
    /// When the case was created.
    pub created_at: UnixMillis,
    /// When a warning stops counting, or when a timeout or tempban ends.
    pub expires_at: Option<UnixMillis>,
    /// When a warning was pardoned (it stops counting but stays in the history).
    pub pardoned_at: Option<UnixMillis>,
    /// Who pardoned it.
    pub pardoned_by: Option<UserId>,
    /// The mod-log post, once the bot has made it.
    pub mod_log_message: Option<MessageId>,
    /// The warning case this escalation case followed.
    pub escalated_from: Option<CaseId>,
    /// The ladder threshold an escalation case applied.
    pub escalation_threshold: Option<u32>,
    /// The case this one lifts (the tempban an automatic unban ends).
    pub lifts_case: Option<CaseId>,
    /// Who last edited the reason (`/reason`).
    pub reason_edited_by: Option<UserId>,
    /// When the reason was last edited.
    pub reason_edited_at: Option<UnixMillis>,
    /// Set when Discord refused or could not carry out the action: why, in words. The case
    /// stays (its number may have been named) but records that nothing happened.
    pub failed_reason: Option<String>,
}

impl Case {
    /// Whether a warning still counts toward escalation at `now`: not expired and not pardoned.
    /// Other kinds never count.
    pub fn is_active_warning(&self, now: UnixMillis) -> bool {
        self.kind == CaseKind::Warn
            && self.pardoned_at.is_none()
            && self.expires_at.is_none_or(|expiry| expiry > now)
    }
}

/// A case to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCase {
    /// The guild.
    pub guild: GuildId,
    /// What happened.
    pub kind: CaseKind,
    /// Whom it concerns.
    pub target: UserId,
    /// Who acted.
    pub actor: CaseActor,
    /// Why.
    pub reason: String,
    /// A warning's severity.
    pub severity: Option<Severity>,
    /// How long a timeout or tempban lasts.
    pub duration: Option<Duration>,
    /// When it is created.
    pub created_at: UnixMillis,
    /// When a warning decays or a timed punishment ends.
    pub expires_at: Option<UnixMillis>,
    /// The warning an escalation followed.
    pub escalated_from: Option<CaseId>,
    /// The ladder threshold an escalation applied.
    pub escalation_threshold: Option<u32>,
    /// The case this one lifts.
    pub lifts_case: Option<CaseId>,
}

impl NewCase {
    /// A case with no severity, duration, expiry or links.
    pub fn new(
        guild: GuildId,
        kind: CaseKind,
        target: UserId,
        actor: CaseActor,
        reason: impl Into<String>,
        created_at: UnixMillis,
    ) -> Self {
        Self {
            guild,
            kind,
            target,
            actor,
            reason: reason.into(),
            severity: None,
            duration: None,
            created_at,
            expires_at: None,
            escalated_from: None,
            escalation_threshold: None,
            lifts_case: None,
        }
    }
}
