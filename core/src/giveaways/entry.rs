//! Entering and leaving by button: the requirements checked at entry, one entry per member
//! (also when clicks race: the database's key decides), a private answer, and the batched
//! entrant-count edit.

use super::buttons::GiveawayButton;
use super::model::{GiveawayId, GiveawayState};
use super::service::{GiveawayError, GiveawayService};
use super::store::{self, EntryWrite};
use crate::effect::{ButtonStyle, Component, ComponentRow, OutgoingMessage};
use crate::eligibility::{Facts, RoleNames, evaluate};
use crate::ids::{GuildId, UserId};

/// What an Enter click did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryOutcome {
    /// The member is entered.
    Entered {
        /// Entrants now, this member included.
        entrants: u64,
    },
    /// The member had entered already; nothing changed.
    AlreadyEntered,
    /// The member does not meet the requirements; nothing changed.
    Refused {
        /// Every unmet requirement, one sentence each.
        reasons: Vec<String>,
    },
    /// The giveaway no longer takes entries.
    Closed,
}

impl EntryOutcome {
    /// The private answer to the member: entered, already entered (with a Leave button), every
    /// requirement they miss, or closed.
    pub fn answer(&self, giveaway: GiveawayId) -> OutgoingMessage {
        match self {
            Self::Entered { entrants } => OutgoingMessage::text(format!(
                "You're in! 🎉 Good luck. ({entrants} {})",
                if *entrants == 1 {
                    "entrant"
                } else {
                    "entrants"
                }
            )),
            Self::AlreadyEntered => OutgoingMessage {
                components: vec![ComponentRow(vec![Component::Button {
                    custom_id: GiveawayButton::Leave(giveaway).custom_id(),
                    label: "Leave giveaway".to_owned(),
                    style: ButtonStyle::Danger,
                    disabled: false,
                }])],
                ..OutgoingMessage::text(
                    "You have already entered this giveaway. Changed your mind? Leave it below.",
                )
            },
            Self::Refused { reasons } => {
                let mut text = "You cannot enter this giveaway:".to_owned();
                for reason in reasons {
                    text.push_str("\n• ");
                    text.push_str(reason);
                }
                OutgoingMessage::text(text)
            }
            Self::Closed => OutgoingMessage::text("This giveaway is no longer taking entries."),
        }
    }
}

/// What a Leave click did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeaveOutcome {
    /// The member left.
    Left {
        /// Entrants now.
        entrants: u64,
    },
    /// The member was not entered.
    NotEntered,
    /// Entries are closed: the entrant list is final.
    Closed,
}

impl LeaveOutcome {
    /// The private answer to the member.
    pub fn answer(&self) -> OutgoingMessage {
        OutgoingMessage::text(match self {
            Self::Left { .. } => "You left the giveaway. You can enter again while it runs.",
            Self::NotEntered => "You are not entered in this giveaway.",
            Self::Closed => "This giveaway has closed its entries; the entrant list is final.",
        })
    }
}

impl GiveawayService {
    /// Enters the member `facts` describes (gathered by the caller: roles from the interaction,
    /// level, join time, active warnings). The requirements are checked first; a member who
    /// misses any is told every one, in words (roles named through `names`). Concurrent clicks
    /// of one member make one entry: the entry's primary key decides, and the others answer
    /// [`EntryOutcome::AlreadyEntered`].
    ///
    /// # Errors
    /// [`GiveawayError::NoSuchGiveaway`]; storage errors.
    pub async fn enter(
        &self,
        guild: GuildId,
        id: GiveawayId,
        facts: &Facts<'_>,
        names: &(dyn RoleNames + Sync),
    ) -> Result<EntryOutcome, GiveawayError> {
        let giveaway = self.get(guild, id).await?;
        let now = self.clock.now();
        if giveaway.state != GiveawayState::Running || now >= giveaway.ends_at {
            return Ok(EntryOutcome::Closed);
        }
        let verdict = evaluate(&giveaway.requirements, facts);
        if !verdict.is_eligible() {
            return Ok(EntryOutcome::Refused {
                reasons: verdict.words(names),
            });
        }
        match store::enter(&self.db, guild, id, facts.user, now).await? {
            EntryWrite::Done(entrants) => {
                self.request_count_edit(guild, id).await;
                Ok(EntryOutcome::Entered { entrants })
            }
            EntryWrite::Closed => Ok(EntryOutcome::Closed),
            EntryWrite::Unchanged => {
                // Either an entry exists (a second click) or entries closed meanwhile.
                let entered = store::entry(&self.db, guild, id, facts.user)
                    .await?
                    .is_some_and(|entry| entry.left_at.is_none());
                Ok(if entered {
                    EntryOutcome::AlreadyEntered
                } else {
                    EntryOutcome::Closed
                })
            }
        }
    }

    /// Takes a member out of a running giveaway (the Leave button of the "already entered"
    /// answer). They may enter again while it runs.
    ///
    /// # Errors
    /// [`GiveawayError::NoSuchGiveaway`]; storage errors.
    pub async fn leave(
        &self,
        guild: GuildId,
        id: GiveawayId,
        user: UserId,
    ) -> Result<LeaveOutcome, GiveawayError> {
        let giveaway = self.get(guild, id).await?;
        let now = self.clock.now();
        if giveaway.state != GiveawayState::Running || now >= giveaway.ends_at {
            return Ok(LeaveOutcome::Closed);
        }
        match store::leave(&self.db, guild, id, user, now).await? {
            EntryWrite::Done(entrants) => {
                self.request_count_edit(guild, id).await;
                Ok(LeaveOutcome::Left { entrants })
            }
            EntryWrite::Unchanged => Ok(LeaveOutcome::NotEntered),
            EntryWrite::Closed => Ok(LeaveOutcome::Closed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_say_what_happened() {
        assert_eq!(
            EntryOutcome::Entered { entrants: 1 }
                .answer(GiveawayId(3))
                .content,
            "You're in! 🎉 Good luck. (1 entrant)"
        );
        let already = EntryOutcome::AlreadyEntered.answer(GiveawayId(3));
        assert!(matches!(
            &already.components[0].0[0],
            Component::Button { custom_id, .. } if custom_id == "giveaways:leave:3"
        ));
        let refused = EntryOutcome::Refused {
            reasons: vec![
                "You need level 5; you are level 2.".to_owned(),
                "B.".to_owned(),
            ],
        }
        .answer(GiveawayId(3));
        assert_eq!(
            refused.content,
            "You cannot enter this giveaway:\n• You need level 5; you are level 2.\n• B."
        );
        assert!(LeaveOutcome::Closed.answer().content.contains("final"));
    }
}
