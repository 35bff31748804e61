//! What a giveaway is: the giveaway, its prize slots, its log, who manages it, and what a
//! request asks for.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::clock::UnixMillis;
use crate::eligibility::Requirements;
use crate::ids::{ChannelId, GuildId, MessageId, RoleId, UserId};

crate::ids::local_id!(
    /// A giveaway's id (not its number in the guild: giveaways are shown as `#id`).
    GiveawayId,
    "giveaway"
);

/// Where a giveaway is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GiveawayState {
    /// Entries are open until `ends_at`.
    Running,
    /// Entries are closed and the winners are being drawn (a moment, or until the draw's job
    /// can run again after a failure).
    Drawing,
    /// Drawn; claims and rerolls may still be going on.
    Ended,
    /// Cancelled before the draw.
    Cancelled,
}

impl GiveawayState {
    /// Every state, for help texts.
    pub const ALL: [GiveawayState; 4] =
        [Self::Running, Self::Drawing, Self::Ended, Self::Cancelled];

    /// The name stored in SQL.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Running => "running",
            Self::Drawing => "drawing",
            Self::Ended => "ended",
            Self::Cancelled => "cancelled",
        }
    }

    /// Whether the seed may be shown: after the draw or the cancellation.
    pub fn reveals_seed(self) -> bool {
        matches!(self, Self::Ended | Self::Cancelled)
    }
}

impl std::str::FromStr for GiveawayState {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|state| state.as_str() == text)
            .ok_or_else(|| {
                format!(
                    "unknown giveaway state `{text}`; states are: {}",
                    Self::ALL.map(GiveawayState::as_str).join(", ")
                )
            })
    }
}

impl std::fmt::Display for GiveawayState {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// A giveaway as stored. The seed is `None` until it is revealed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Giveaway {
    /// Its id, shown as `#id`.
    pub id: GiveawayId,
    /// The guild.
    pub guild: GuildId,
    /// Where its message is.
    pub channel: ChannelId,
    /// Its message, once the bot reported it.
    pub message: Option<MessageId>,
    /// What is given away.
    pub prize: String,
    /// How many winners (prize slots).
    pub winners: u32,
    /// What members must meet to enter, at the draw and at the claim.
    pub requirements: Requirements,
    /// Where it is in its life.
    pub state: GiveawayState,
    /// The commitment: SHA-256 of the seed, published at the start.
    pub seed_hash: String,
    /// The seed, 64 hex characters; only once the state is ended or cancelled.
    pub seed: Option<String>,
    /// The commitment to the entrant list, published with the results.
    pub entrants_hash: Option<String>,
    /// Who started it; `None` for the operator.
    pub created_by: Option<UserId>,
    /// When it started.
    pub created_at: UnixMillis,
    /// When entries close (moved to the time of an early end).
    pub ends_at: UnixMillis,
    /// When it was drawn or cancelled.
    pub ended_at: Option<UnixMillis>,
    /// Members entered now (at the draw: the entrants).
    pub entrants: u64,
    /// Draws and rerolls recorded.
    pub draw_steps: u32,
    /// Automatic rerolls made.
    pub rerolls_used: u32,
    /// Automatic rerolls allowed (the guild's setting at the start).
    pub max_rerolls: u32,
    /// How long each winner has to claim (the guild's setting at the start).
    pub claim_window_secs: u32,
    /// The job that draws it.
    #[serde(skip)]
    pub end_job: crate::jobs::JobId,
}

impl Giveaway {
    /// The claim window as a duration.
    pub fn claim_window(&self) -> Duration {
        Duration::from_secs(u64::from(self.claim_window_secs))
    }
}

/// Where a prize slot is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SlotState {
    /// The winner may claim until the deadline.
    Pending,
    /// The winner claimed it.
    Claimed,
    /// The claim window passed; the slot is about to be rerolled or reported unclaimed.
    Expired,
    /// Nobody will get it: no reroll left, or nobody left to draw.
    Unclaimed,
}

impl SlotState {
    /// Every state.
    pub const ALL: [SlotState; 4] = [Self::Pending, Self::Claimed, Self::Expired, Self::Unclaimed];

    /// The name stored in SQL.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Claimed => "claimed",
            Self::Expired => "expired",
            Self::Unclaimed => "unclaimed",
        }
    }
}

impl std::str::FromStr for SlotState {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|state| state.as_str() == text)
            .ok_or_else(|| format!("unknown slot state `{text}`"))
    }
}

impl std::fmt::Display for SlotState {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// One prize slot and its current winner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Slot {
    /// The giveaway.
    pub giveaway: GiveawayId,
    /// The slot, from 1.
    pub slot: u32,
    /// 0 for the first draw, then one more per reroll.
    pub attempt: u32,
    /// The current winner; `None` when nobody was left to draw.
    pub winner: Option<UserId>,
    /// When the current winner was drawn.
    pub drawn_at: UnixMillis,
    /// Until when the current winner may claim.
    pub claim_deadline: Option<UnixMillis>,
    /// When it was claimed.
    pub claimed_at: Option<UnixMillis>,
    /// Where it is.
    pub state: SlotState,
    /// Whether the current state was announced in the channel.
    pub announced: bool,
}

/// What happened, in the giveaway's log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// The giveaway started.
    Start,
    /// A member entered.
    Entry,
    /// A member left the giveaway.
    Leave,
    /// A slot's first draw.
    Draw,
    /// A winner claimed.
    Claim,
    /// A winner's claim was refused (they no longer meet the requirements).
    ClaimRefused,
    /// A winner did not claim in time.
    FailedClaim,
    /// A slot was drawn again (automatically or by staff).
    Reroll,
    /// A slot will not be given.
    Unclaimed,
    /// A manager ended the giveaway before its time.
    EndRequested,
    /// The giveaway ended (drawn).
    End,
    /// The giveaway was cancelled.
    Cancel,
}

impl EventKind {
    /// Every kind.
    pub const ALL: [EventKind; 12] = [
        Self::Start,
        Self::Entry,
        Self::Leave,
        Self::Draw,
        Self::Claim,
        Self::ClaimRefused,
        Self::FailedClaim,
        Self::Reroll,
        Self::Unclaimed,
        Self::EndRequested,
        Self::End,
        Self::Cancel,
    ];

    /// The name stored in SQL.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Start => "start",
            Self::Entry => "entry",
            Self::Leave => "leave",
            Self::Draw => "draw",
            Self::Claim => "claim",
            Self::ClaimRefused => "claim_refused",
            Self::FailedClaim => "failed_claim",
            Self::Reroll => "reroll",
            Self::Unclaimed => "unclaimed",
            Self::EndRequested => "end_requested",
            Self::End => "end",
            Self::Cancel => "cancel",
        }
    }
}

impl std::str::FromStr for EventKind {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|kind| kind.as_str() == text)
            .ok_or_else(|| format!("unknown giveaway event `{text}`"))
    }
}

impl std::fmt::Display for EventKind {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// Who did something in the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum EventActor {
    /// A member (through Discord or the dashboard).
    Member(UserId),
    /// The operator (CLI or console).
    Operator,
    /// Guildhall itself: a timer.
    System,
}

/// One line of the log.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    /// Its id (the log's order).
    pub id: i64,
    /// The giveaway.
    pub giveaway: GiveawayId,
    /// What happened.
    pub kind: EventKind,
    /// Who did it.
    pub actor: EventActor,
    /// The member concerned (who entered, won, claimed, failed to claim).
    pub user: Option<UserId>,
    /// The prize slot concerned.
    pub slot: Option<u32>,
    /// Details (JSON): for draws and rerolls the step, attempt, disqualified candidates with
    /// reasons, and winner.
    pub detail: Value,
    /// When.
    pub at: UnixMillis,
}

/// One member's entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    /// The member.
    pub user: UserId,
    /// When they (last) entered.
    pub entered_at: UnixMillis,
    /// When they left the giveaway, if they did (and did not enter again).
    pub left_at: Option<UnixMillis>,
}

/// Who asks to start, end, cancel or reroll a giveaway. The bot and the dashboard pass the
/// member (the dashboard only admits members with Manage Server); the CLI and the console pass
/// the operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Manager {
    /// A member of the guild.
    Member {
        /// The member.
        user: UserId,
        /// Their roles.
        roles: Vec<RoleId>,
        /// They have Manage Server (or Administrator, or own the guild).
        manage_server: bool,
    },
    /// The operator who hosts Guildhall.
    Operator,
}

impl Manager {
    /// The member, if a member asks.
    pub fn user(&self) -> Option<UserId> {
        match self {
            Self::Member { user, .. } => Some(*user),
            Self::Operator => None,
        }
    }

    /// As recorded in the log.
    pub fn actor(&self) -> EventActor {
        match self {
            Self::Member { user, .. } => EventActor::Member(*user),
            Self::Operator => EventActor::Operator,
        }
    }
}

/// A giveaway to start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GiveawayRequest {
    /// The guild.
    pub guild: GuildId,
    /// Where to post it.
    pub channel: ChannelId,
    /// What is given away (1 to 200 characters, one line).
    pub prize: String,
    /// How many winners (1 to 20).
    pub winners: u32,
    /// How long entries stay open (10 seconds to 60 days).
    pub duration: Duration,
    /// What members must meet; `None` takes `giveaways.default_requirements`.
    pub requirements: Option<Requirements>,
    /// Who starts it.
    pub by: Manager,
}
