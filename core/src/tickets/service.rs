//! [`TicketService`]: the ticket use cases over the database, the clock and the job ledger.
//! Each use case is a method in its own file (`panel.rs`, `open.rs`, `claim.rs`, `close.rs`,
//! `transcript.rs`, `inactivity.rs`); this file holds the service, its error, the lookups, and
//! the in-memory index of ticket channels that keeps the message path cheap.

use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};

use super::model::{Panel, PanelId, Ticket, TicketId, TicketState};
use super::store;
use crate::clock::SharedClock;
use crate::db::{Db, DbError};
use crate::ids::{ChannelId, GuildId};
use crate::jobs::{JobLedger, JobLedgerError};

/// Why a ticket request was not carried out. Every variant but the storage ones is the
/// member's or staff's mistake and its message can be shown to them.
#[derive(Debug, thiserror::Error)]
pub enum TicketError {
    /// The request itself is wrong (an empty title, a reason too long); the message says what is
    /// accepted.
    #[error("{0}")]
    Invalid(String),
    /// The guild has no such panel.
    #[error("this ticket panel no longer exists")]
    NoSuchPanel,
    /// The guild has no such ticket (also when it is another guild's).
    #[error("there is no such ticket in this server")]
    NoSuchTicket,
    /// The member already has an open ticket on this panel.
    #[error("you already have an open ticket (#{number}); use it, or close it first")]
    AlreadyOpen {
        /// The open ticket's number.
        number: i64,
        /// Its thread or channel, to point the member at.
        channel: Option<ChannelId>,
    },
    /// Only staff may do this.
    #[error("only the support staff can {action} tickets")]
    NotStaff {
        /// What was attempted: "claim", "reopen".
        action: &'static str,
    },
    /// Only staff or the member who opened the ticket may close it.
    #[error("only the support staff or the member who opened it can close this ticket")]
    NotAllowedToClose,
    /// Someone else claimed it first.
    #[error("ticket #{number} is already claimed by <@{by}>")]
    AlreadyClaimed {
        /// The ticket's number.
        number: i64,
        /// Who holds it.
        by: crate::ids::UserId,
    },
    /// The ticket is closed, and the request needs an open one.
    #[error("ticket #{number} is closed")]
    Closed {
        /// The ticket's number.
        number: i64,
    },
    /// The ticket is open, and the request needs a closed one.
    #[error("ticket #{number} is open")]
    NotClosed {
        /// The ticket's number.
        number: i64,
    },
    /// The database failed.
    #[error(transparent)]
    Storage(#[from] DbError),
    /// An inactivity job could not be scheduled.
    #[error(transparent)]
    Jobs(#[from] JobLedgerError),
    /// The guild's tier does not have transcript export.
    #[error(transparent)]
    Premium(#[from] crate::premium::PremiumRequired),
}

impl From<sqlx::Error> for TicketError {
    fn from(error: sqlx::Error) -> Self {
        Self::Storage(DbError::Sql(error))
    }
}

/// Support tickets: panels, tickets, transcripts and the inactivity timers.
#[derive(Debug)]
pub struct TicketService {
    pub(super) db: Db,
    pub(super) clock: SharedClock,
    pub(super) ledger: JobLedger,
    /// Per loaded guild, its ticket channels. Loaded on the first message seen in the guild,
    /// then kept current by [`TicketService::attach_channel`]; tickets are only created by the
    /// bot's process, which is the one holding this index.
    channels: RwLock<HashMap<GuildId, HashMap<ChannelId, TicketId>>>,
    premium: Option<Arc<crate::premium::PremiumService>>,
}

impl TicketService {
    /// A service over the database, scheduling inactivity timers in `ledger`.
    pub fn new(db: Db, clock: SharedClock, ledger: JobLedger) -> Self {
        Self {
            db,
            clock,
            ledger,
            channels: RwLock::new(HashMap::new()),
            premium: None,
        }
    }

    /// Gates transcript export through `premium` (without it, export is not gated).
    #[must_use]
    pub fn with_premium(mut self, premium: Arc<crate::premium::PremiumService>) -> Self {
        self.premium = Some(premium);
        self
    }

    /// The premium gate for transcript export.
    pub(super) fn require_export(&self, guild: GuildId) -> Result<(), TicketError> {
        match &self.premium {
            Some(premium) => Ok(premium.require(guild, crate::premium::Perk::TranscriptExport)?),
            None => Ok(()),
        }
    }

    /// A guild's panel.
    ///
    /// # Errors
    /// [`TicketError::NoSuchPanel`]; storage errors.
    pub async fn panel(&self, guild: GuildId, id: PanelId) -> Result<Panel, TicketError> {
        store::get_panel(&self.db, guild, id)
            .await?
            .ok_or(TicketError::NoSuchPanel)
    }

    /// A guild's panels, oldest first.
    ///
    /// # Errors
    /// Storage errors.
    pub async fn panels(&self, guild: GuildId) -> Result<Vec<Panel>, TicketError> {
        Ok(store::list_panels(&self.db, guild).await?)
    }

    /// A guild's ticket by its internal id (from a button).
    ///
    /// # Errors
    /// [`TicketError::NoSuchTicket`], also for another guild's ticket; storage errors.
    pub async fn ticket(&self, guild: GuildId, id: TicketId) -> Result<Ticket, TicketError> {
        store::get(&self.db, guild, id)
            .await?
            .ok_or(TicketError::NoSuchTicket)
    }

    /// A guild's ticket by its number (`#12` in the dashboard and the CLI).
    ///
    /// # Errors
    /// [`TicketError::NoSuchTicket`]; storage errors.
    pub async fn ticket_by_number(
        &self,
        guild: GuildId,
        number: i64,
    ) -> Result<Ticket, TicketError> {
        store::get_by_number(&self.db, guild, number)
            .await?
            .ok_or(TicketError::NoSuchTicket)
    }

    /// A guild's tickets, newest first, optionally in one state; at most `limit` (0 means 50).
    ///
    /// # Errors
    /// Storage errors.
    pub async fn tickets(
        &self,
        guild: GuildId,
        state: Option<TicketState>,
        limit: u32,
    ) -> Result<Vec<Ticket>, TicketError> {
        Ok(store::list(&self.db, guild, state, limit).await?)
    }

    /// The ticket whose thread or channel `channel` is, if any. After the guild's first call
    /// this is a map lookup with no database round trip.
    ///
    /// # Errors
    /// Storage errors while loading the guild's index.
    pub async fn ticket_in_channel(
        &self,
        guild: GuildId,
        channel: ChannelId,
    ) -> Result<Option<TicketId>, TicketError> {
        if let Some(known) = self.lookup_loaded(guild, channel) {
            return Ok(known);
        }
        let loaded: HashMap<ChannelId, TicketId> = store::channels(&self.db, guild)
            .await?
            .into_iter()
            .collect();
        let mut index = self
            .channels
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        // A concurrent load or attach may have won; merging keeps both.
        let entry = index.entry(guild).or_default();
        for (channel, ticket) in loaded {
            entry.entry(channel).or_insert(ticket);
        }
        Ok(entry.get(&channel).copied())
    }

    /// `Some(answer)` when the guild's index is loaded.
    fn lookup_loaded(&self, guild: GuildId, channel: ChannelId) -> Option<Option<TicketId>> {
        let index = self.channels.read().unwrap_or_else(PoisonError::into_inner);
        index
            .get(&guild)
            .map(|channels| channels.get(&channel).copied())
    }

    /// Adds a ticket channel to a loaded guild's index (an unloaded guild loads it from SQL).
    pub(super) fn index_channel(&self, guild: GuildId, channel: ChannelId, ticket: TicketId) {
        let mut index = self
            .channels
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(channels) = index.get_mut(&guild) {
            channels.insert(channel, ticket);
        }
    }
}
