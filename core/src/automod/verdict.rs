//! What automod is given (a message) and what it answers (a verdict).

use serde::Serialize;

use super::settings::Action;
use crate::ids::{ChannelId, GuildId, RoleId, UserId};

/// A message as automod sees it; the bot fills it from the gateway event.
#[derive(Debug, Clone, Copy)]
pub struct MessageInput<'a> {
    /// The guild.
    pub guild: GuildId,
    /// The channel (or thread) it was posted in.
    pub channel: ChannelId,
    /// The author.
    pub author: UserId,
    /// The author's roles.
    pub author_roles: &'a [RoleId],
    /// Whether the author may mention @everyone and @here (the Mention Everyone permission in
    /// this channel).
    pub author_can_mention_everyone: bool,
    /// The text.
    pub content: &'a str,
    /// How many users it mentions.
    pub user_mentions: usize,
    /// How many roles it mentions.
    pub role_mentions: usize,
    /// Whether Discord reports it mentions everyone. Without the permission Discord reports
    /// `false`, so the text is also searched for `@everyone` and `@here`.
    pub mentions_everyone: bool,
    /// Whether the author is a bot (bots are never checked).
    pub is_bot: bool,
}

/// The rules, named as in the settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleKind {
    /// Message frequency.
    Spam,
    /// Near-duplicate messages.
    Duplicates,
    /// Capitals.
    Caps,
    /// Discord invites.
    Invites,
    /// Links by domain.
    Links,
    /// Word lists.
    BadWords,
    /// Regular expressions.
    BadPatterns,
    /// Mass mentions.
    Mentions,
}

impl RuleKind {
    /// Every rule, in settings order.
    pub const ALL: [Self; 8] = [
        Self::Spam,
        Self::Duplicates,
        Self::Caps,
        Self::Invites,
        Self::Links,
        Self::BadWords,
        Self::BadPatterns,
        Self::Mentions,
    ];

    /// The rule's name: its key in the `automod` section.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Spam => "spam",
            Self::Duplicates => "duplicates",
            Self::Caps => "caps",
            Self::Invites => "invites",
            Self::Links => "links",
            Self::BadWords => "bad_words",
            Self::BadPatterns => "bad_patterns",
            Self::Mentions => "mentions",
        }
    }

    /// The rule called `name`, if any.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|rule| rule.name() == name)
    }
}

/// One rule that fired.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleHit {
    /// Which rule.
    pub rule: RuleKind,
    /// A short reason for people, e.g. "5 near-identical messages in 10 s".
    pub reason: String,
    /// The offending text where there is one (the word, link, invite or pattern match).
    pub matched: Option<String>,
    /// The rule's action.
    pub action: Action,
    /// Whether the rule asks for the message to be deleted.
    pub delete_message: bool,
}

/// Automod's answer for one message: every rule that fired, the strongest action among them,
/// and whether to delete the message.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Verdict {
    /// The rules that fired, in settings order.
    pub hits: Vec<RuleHit>,
    /// The single strongest action (ban > kick > timeout > warn > delete), if any rule fired.
    pub action: Option<Action>,
    /// Whether to delete the message.
    pub delete_message: bool,
}

impl Verdict {
    /// Whether no rule fired.
    pub fn is_clean(&self) -> bool {
        self.hits.is_empty()
    }

    /// Builds a verdict from its hits.
    pub fn from_hits(hits: Vec<RuleHit>) -> Self {
        let action = hits
            .iter()
            .map(|hit| hit.action)
            .max_by_key(|action| action.strength());
        let delete_message = hits
            .iter()
            .any(|hit| hit.delete_message || hit.action == Action::Delete);
        Self {
            hits,
            action,
            delete_message,
        }
    }

    /// One line naming the rules and reasons, for the audit-log reason and the case.
    pub fn summary(&self) -> String {
        self.hits
            .iter()
            .map(|hit| format!("automod {}: {}", hit.rule.name(), hit.reason))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hit(action: Action, delete_message: bool) -> RuleHit {
        RuleHit {
            rule: RuleKind::Caps,
            reason: String::new(),
            matched: None,
            action,
            delete_message,
        }
    }

    #[test]
    fn the_strongest_action_wins() {
        let cases = [
            (vec![Action::Delete, Action::Warn], Action::Warn),
            (
                vec![Action::Warn, Action::Timeout { duration_secs: 60 }],
                Action::Timeout { duration_secs: 60 },
            ),
            (
                vec![
                    Action::Timeout { duration_secs: 600 },
                    Action::Timeout { duration_secs: 60 },
                ],
                Action::Timeout { duration_secs: 600 },
            ),
            (
                vec![
                    Action::Kick,
                    Action::Timeout {
                        duration_secs: 2_419_200,
                    },
                ],
                Action::Kick,
            ),
            (
                vec![
                    Action::Kick,
                    Action::Ban {
                        delete_message_secs: 0,
                    },
                    Action::Delete,
                ],
                Action::Ban {
                    delete_message_secs: 0,
                },
            ),
        ];
        for (actions, expected) in cases {
            let verdict = Verdict::from_hits(actions.iter().map(|a| hit(*a, false)).collect());
            assert_eq!(verdict.action, Some(expected), "{actions:?}");
        }
    }

    #[test]
    fn deletes_when_any_rule_asks_or_the_action_is_delete() {
        assert!(!Verdict::from_hits(vec![hit(Action::Warn, false)]).delete_message);
        assert!(Verdict::from_hits(vec![hit(Action::Warn, true)]).delete_message);
        assert!(Verdict::from_hits(vec![hit(Action::Delete, false)]).delete_message);
        let clean = Verdict::from_hits(Vec::new());
        assert!(clean.is_clean() && clean.action.is_none() && !clean.delete_message);
    }

    #[test]
    fn rule_names_round_trip() {
        for rule in RuleKind::ALL {
            assert_eq!(RuleKind::from_name(rule.name()), Some(rule));
        }
    }
}
