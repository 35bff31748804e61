//! What role panels and timed roles are.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::clock::UnixMillis;
use crate::eligibility::Requirements;
use crate::ids::{ChannelId, GuildId, MessageId, RoleId, UserId};
use crate::jobs::JobId;

crate::ids::local_id!(
    /// A role panel's id.
    PanelId,
    "role panel"
);
/// A timed role's internal id.
pub type TimedRoleId = i64;

/// How a panel offers its roles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PanelStyle {
    /// One button per role: a click toggles it.
    Buttons,
    /// One drop-down menu: the member picks the roles they want.
    Select,
}

impl PanelStyle {
    /// The name stored in SQL and shown in listings.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Buttons => "buttons",
            Self::Select => "select",
        }
    }
}

impl std::str::FromStr for PanelStyle {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "buttons" => Ok(Self::Buttons),
            "select" => Ok(Self::Select),
            other => Err(format!(
                "unknown panel style `{other}`; styles are: buttons, select"
            )),
        }
    }
}

/// How many of a panel's roles a member may hold at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PanelChoice {
    /// At most one: taking a role drops the panel's other roles.
    Single,
    /// Any number.
    Multiple,
}

impl PanelChoice {
    /// The name stored in SQL and shown in listings.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Single => "single",
            Self::Multiple => "multiple",
        }
    }
}

impl std::str::FromStr for PanelChoice {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "single" => Ok(Self::Single),
            "multiple" => Ok(Self::Multiple),
            other => Err(format!(
                "unknown panel choice `{other}`; choices are: single, multiple"
            )),
        }
    }
}

/// One role a panel offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PanelOption {
    /// The role.
    pub role: RoleId,
    /// The button's or menu entry's label (the role's name when created from Discord).
    pub label: String,
    /// A Unicode emoji shown before the label.
    pub emoji: Option<String>,
    /// A second line under the label (select menus only).
    pub description: Option<String>,
}

impl PanelOption {
    /// An option for `role` labelled `label`, without emoji or description.
    pub fn new(role: RoleId, label: impl Into<String>) -> Self {
        Self {
            role,
            label: label.into(),
            emoji: None,
            description: None,
        }
    }
}

/// What a panel shows and offers: everything an admin chooses, at creation or in an edit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PanelContent {
    /// The embed's title.
    pub title: String,
    /// The embed's text (may be empty).
    pub description: String,
    /// Buttons or a select menu.
    pub style: PanelStyle,
    /// One role at a time, or any number.
    pub choice: PanelChoice,
    /// The roles, in display order.
    pub options: Vec<PanelOption>,
    /// Who may take the panel's roles; the default lets everyone.
    pub requirements: Requirements,
    /// Roles taken from this panel are removed again after this long; `None` keeps them.
    pub timed: Option<Duration>,
}

impl PanelContent {
    /// The roles the panel names (its options and its requirements), each with the builder's
    /// field, to check that they belong to the guild ([`crate::references`]).
    pub fn references(&self) -> Vec<(String, crate::references::Reference)> {
        let mut all: Vec<_> = self
            .options
            .iter()
            .enumerate()
            .map(|(index, option)| {
                (
                    format!("role {}", index + 1),
                    crate::references::Reference::Role(option.role),
                )
            })
            .collect();
        all.extend(self.requirements.references("requirements"));
        all
    }
}

/// A role panel as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RolePanel {
    /// Its id.
    pub id: PanelId,
    /// The guild.
    pub guild: GuildId,
    /// The channel it is posted in.
    pub channel: ChannelId,
    /// The posted message, once the bot reported it.
    pub message: Option<MessageId>,
    /// The embed's title.
    pub title: String,
    /// The embed's text.
    pub description: String,
    /// Buttons or a select menu.
    pub style: PanelStyle,
    /// One role at a time, or any number.
    pub choice: PanelChoice,
    /// Who may take the panel's roles.
    pub requirements: Requirements,
    /// How long roles taken from this panel last, in seconds; `None` keeps them.
    pub timed_secs: Option<u64>,
    /// The roles, in display order.
    pub options: Vec<PanelOption>,
    /// Who created it.
    pub created_by: UserId,
    /// When.
    pub created_at: UnixMillis,
    /// When it was last edited (its creation time if never).
    pub updated_at: UnixMillis,
}

impl RolePanel {
    /// The panel's roles, in display order.
    pub fn roles(&self) -> Vec<RoleId> {
        self.options.iter().map(|option| option.role).collect()
    }

    /// Whether the panel offers `role`.
    pub fn offers(&self, role: RoleId) -> bool {
        self.options.iter().any(|option| option.role == role)
    }

    /// How long roles taken from this panel last.
    pub fn timed(&self) -> Option<Duration> {
        self.timed_secs.map(Duration::from_secs)
    }
}

/// Who gave a timed role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimedSource {
    /// A moderator's `/temprole`.
    Command,
    /// A click on a timed role panel.
    Panel,
}

impl TimedSource {
    /// The name stored in SQL.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Command => "command",
            Self::Panel => "panel",
        }
    }
}

impl std::str::FromStr for TimedSource {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "command" => Ok(Self::Command),
            "panel" => Ok(Self::Panel),
            other => Err(format!(
                "unknown timed-role source `{other}`; sources are: command, panel"
            )),
        }
    }
}

/// Why a timed role ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Removal {
    /// It ran out and the job ledger removed it.
    Expired,
    /// Someone removed it before its time (`/temprole remove`, the CLI, the member on a panel).
    Early,
    /// It was given again with a new end, which replaced this one.
    Replaced,
}

impl Removal {
    /// The name stored in SQL.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Expired => "expired",
            Self::Early => "early",
            Self::Replaced => "replaced",
        }
    }
}

impl std::str::FromStr for Removal {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "expired" => Ok(Self::Expired),
            "early" => Ok(Self::Early),
            "replaced" => Ok(Self::Replaced),
            other => Err(format!(
                "unknown removal `{other}`; removals are: expired, early, replaced"
            )),
        }
    }
}

/// A role given until a time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TimedRole {
    /// Its id.
    pub id: TimedRoleId,
    /// The guild.
    pub guild: GuildId,
    /// The member who holds it.
    pub user: UserId,
    /// The role.
    pub role: RoleId,
    /// When it is removed.
    pub expires_at: UnixMillis,
    /// A command or a panel.
    pub source: TimedSource,
    /// The panel it came from, for panel roles.
    pub panel: Option<PanelId>,
    /// Who gave it (the member themselves for panel roles).
    pub granted_by: UserId,
    /// When.
    pub created_at: UnixMillis,
    /// When it ended; `None` while it is held.
    pub removed_at: Option<UnixMillis>,
    /// Who removed it early.
    pub removed_by: Option<UserId>,
    /// Why it ended.
    pub removal: Option<Removal>,
    /// The job that removes it on time.
    pub job: Option<JobId>,
}

impl TimedRole {
    /// Whether it is still held.
    pub fn is_active(&self) -> bool {
        self.removed_at.is_none()
    }
}
