//! The one decision every surface makes about an error: is it the asker's to fix ("your
//! mistake, in words": a bad value, something that does not exist, a rule of the server), or
//! ours (a database or Redis failure, a bug), which is logged and answered with "something
//! went wrong"? [`UserFacing`] decides it for every error of the core's services, here in one
//! file, so the bot's replies, the dashboard's pages and the CLI's messages agree.

use crate::automation::AutomationError;
use crate::coordination::CoordinationError;
use crate::db::DbError;
use crate::giveaways::GiveawayError;
use crate::guild_config::GuildConfigError;
use crate::jobs::JobLedgerError;
use crate::levels::LevelError;
use crate::moderation::ModerationError;
use crate::premium::{PremiumError, PremiumRequired};
use crate::roles::RoleError;
use crate::tickets::TicketError;

/// An error as the person who caused it sees it.
pub trait UserFacing: std::fmt::Display {
    /// What went wrong and what is accepted, in the asker's words, when they can fix it;
    /// `None` when the failure is ours (log it with its detail, tell them it was logged).
    fn user_message(&self) -> Option<String>;

    /// Whether the failure is ours rather than the asker's.
    fn is_ours(&self) -> bool {
        self.user_message().is_none()
    }

    /// Whether the asker named something that does not exist (a case, a panel, a giveaway):
    /// the dashboard answers 404 rather than 400.
    fn is_missing(&self) -> bool {
        false
    }

    /// The premium wall, when that is what refused it: surfaces show its one sentence, and the
    /// bot adds Discord's premium button.
    fn premium_wall(&self) -> Option<&PremiumRequired> {
        None
    }
}

/// The text with its first letter in upper case, as a reply starts.
pub fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

/// The text as a sentence: first letter in upper case, ending with a full stop.
pub fn sentence(text: &str) -> String {
    let mut out = capitalised(text);
    if !out.is_empty() && !out.ends_with(['.', '!', '?', ')']) {
        out.push('.');
    }
    out
}

impl UserFacing for DbError {
    fn user_message(&self) -> Option<String> {
        None
    }
}

impl UserFacing for CoordinationError {
    fn user_message(&self) -> Option<String> {
        None
    }
}

impl UserFacing for JobLedgerError {
    fn user_message(&self) -> Option<String> {
        match self {
            Self::Storage(_) => None,
            other => Some(other.to_string()),
        }
    }

    fn is_missing(&self) -> bool {
        matches!(self, Self::NotFound(_))
    }
}

impl UserFacing for GuildConfigError {
    fn user_message(&self) -> Option<String> {
        match self {
            Self::Storage(_) => None,
            other => Some(other.to_string()),
        }
    }
}

impl UserFacing for ModerationError {
    fn user_message(&self) -> Option<String> {
        match self {
            Self::Refused(refusal) => Some(refusal.explain()),
            Self::Invalid(message) => Some(message.clone()),
            Self::NoSuchCase { number } => {
                Some(format!("There is no case {number} in this server."))
            }
            Self::Settings(error) => error.user_message(),
            Self::Storage(_) | Self::Jobs(_) => None,
        }
    }

    fn is_missing(&self) -> bool {
        matches!(self, Self::NoSuchCase { .. })
    }
}

impl UserFacing for TicketError {
    fn user_message(&self) -> Option<String> {
        match self {
            Self::Storage(_) | Self::Jobs(_) => None,
            other => Some(other.to_string()),
        }
    }

    fn is_missing(&self) -> bool {
        matches!(self, Self::NoSuchTicket | Self::NoSuchPanel)
    }

    fn premium_wall(&self) -> Option<&PremiumRequired> {
        match self {
            Self::Premium(wall) => Some(wall),
            _ => None,
        }
    }
}

impl UserFacing for LevelError {
    fn user_message(&self) -> Option<String> {
        match self {
            Self::Invalid(message) => Some(sentence(message)),
            Self::ImportRefused(_) => Some(self.to_string()),
            Self::Settings(error) => error.user_message(),
            Self::Storage(_) | Self::Coordination(_) => None,
        }
    }
}

impl UserFacing for RoleError {
    fn user_message(&self) -> Option<String> {
        match self {
            Self::Refused { message, .. } => Some(message.clone()),
            Self::Storage(_) | Self::Jobs(_) => None,
            other => Some(capitalised(&other.to_string())),
        }
    }

    fn is_missing(&self) -> bool {
        matches!(self, Self::NoSuchPanel(_) | Self::NoSuchTimedRole { .. })
    }

    fn premium_wall(&self) -> Option<&PremiumRequired> {
        match self {
            Self::Premium(wall) => Some(wall),
            _ => None,
        }
    }
}

impl UserFacing for PremiumError {
    fn user_message(&self) -> Option<String> {
        match self {
            Self::Invalid(message) => Some(sentence(message)),
            Self::Storage(_) | Self::Jobs(_) => None,
        }
    }
}

impl UserFacing for GiveawayError {
    fn user_message(&self) -> Option<String> {
        match self {
            Self::Settings(error) => error.user_message(),
            Self::Storage(_) | Self::Jobs(_) | Self::Seed(_) | Self::Facts(_) => None,
            other => Some(capitalised(&other.to_string())),
        }
    }

    fn is_missing(&self) -> bool {
        matches!(self, Self::NoSuchGiveaway(_))
    }
}

impl UserFacing for AutomationError {
    fn user_message(&self) -> Option<String> {
        match self {
            Self::Settings(error) => error.user_message(),
            Self::Storage(_) | Self::Jobs(_) => None,
            other => Some(capitalised(&other.to_string())),
        }
    }

    fn is_missing(&self) -> bool {
        matches!(
            self,
            Self::NoSuchSchedule(_) | Self::NoSuchReminder(_) | Self::NoSuchTrigger(_)
        )
    }

    fn premium_wall(&self) -> Option<&PremiumRequired> {
        match self {
            Self::Premium(wall) => Some(wall),
            _ => None,
        }
    }
}

impl UserFacing for crate::analytics::AnalyticsError {
    fn user_message(&self) -> Option<String> {
        match self {
            Self::Storage(_) => None,
            other => Some(capitalised(&other.to_string())),
        }
    }
}

impl UserFacing for crate::logging::LoggingError {
    fn user_message(&self) -> Option<String> {
        match self {
            Self::Storage(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_askers_mistakes_are_words_and_ours_are_not() {
        let storage = || DbError::Corrupt("page 7".into());
        assert!(GuildConfigError::Storage(storage()).is_ours());
        assert!(TicketError::Storage(storage()).is_ours());
        assert!(LevelError::Storage(storage()).is_ours());
        assert!(RoleError::Storage(storage()).is_ours());
        assert!(GiveawayError::Storage(storage()).is_ours());
        assert!(ModerationError::Storage(storage()).is_ours());
        assert_eq!(
            LevelError::Invalid("xp must be at least 0".into()).user_message(),
            Some("Xp must be at least 0.".into())
        );
        assert_eq!(
            ModerationError::NoSuchCase { number: 9 }.user_message(),
            Some("There is no case 9 in this server.".into())
        );
        // A settings mistake reached through another service is still the asker's.
        let invalid = GuildConfigError::Invalid {
            key: "giveaways.max_active".into(),
            message: "giveaways.max_active must be between 1 and 50, got 0".into(),
        };
        assert_eq!(
            GiveawayError::Settings(invalid).user_message(),
            Some("giveaways.max_active must be between 1 and 50, got 0".into())
        );
        assert!(GiveawayError::Settings(GuildConfigError::Storage(storage())).is_ours());
    }

    #[test]
    fn sentences_start_upper_case_and_end_once() {
        assert_eq!(
            sentence("there is no role panel #3"),
            "There is no role panel #3."
        );
        assert_eq!(sentence("done!"), "Done!");
        assert_eq!(sentence(""), "");
    }
}
