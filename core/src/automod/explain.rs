//! The rule tester behind `guildhall automod test` and the dashboard's live tester: which rules
//! would fire on a text, given the messages the same member posted just before.

use super::engine::CompiledRules;
use super::mentions;
use super::settings::AutomodSettings;
use super::state::AutomodState;
use super::validate::InvalidAutomod;
use super::verdict::{MessageInput, RuleHit, RuleKind};
use crate::clock::UnixMillis;
use crate::ids::{ChannelId, GuildId, UserId};

/// A message the same member posted before the tested text (for the spam rules).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PriorMessage<'a> {
    /// Its text.
    pub content: &'a str,
    /// How long before the tested text it was posted, in seconds.
    pub seconds_before: u32,
}

/// The rules that would fire on `text` under `settings` (enabled rules only; see
/// [`AutomodSettings::enable`] to try a rule before switching it on), after `history` was posted
/// by the same member. The text is taken as written by a member with no roles and without the
/// Mention Everyone permission; its mentions are counted from the text (`<@id>`, `<@&id>`,
/// `@everyone`).
///
/// # Errors
/// [`InvalidAutomod`] when the settings do not pass [`AutomodSettings::check`].
pub fn explain(
    settings: &AutomodSettings,
    text: &str,
    history: &[PriorMessage<'_>],
) -> Result<Vec<RuleHit>, InvalidAutomod> {
    let rules = CompiledRules::compile(settings)?;
    let mut state = AutomodState::new();
    let now = UnixMillis(1_000_000_000_000);
    let mut earlier: Vec<&PriorMessage<'_>> = history.iter().collect();
    earlier.sort_by_key(|prior| std::cmp::Reverse(prior.seconds_before));
    for prior in earlier {
        let at = UnixMillis(now.0 - i64::from(prior.seconds_before) * 1_000);
        rules.check(&mut state, &tester_message(prior.content), at);
    }
    Ok(rules.check(&mut state, &tester_message(text), now).hits)
}

fn tester_message(content: &str) -> MessageInput<'_> {
    let (user_mentions, role_mentions) = mentions::count(content);
    MessageInput {
        guild: GuildId::new(1),
        channel: ChannelId::new(1),
        author: UserId::new(1),
        author_roles: &[],
        author_can_mention_everyone: false,
        content,
        user_mentions,
        role_mentions,
        mentions_everyone: false,
        is_bot: false,
    }
}

impl AutomodSettings {
    /// Switches one rule on (for the tester and backtests of a rule not yet enabled).
    pub fn enable(&mut self, rule: RuleKind) {
        match rule {
            RuleKind::Spam => self.spam.enabled = true,
            RuleKind::Duplicates => self.duplicates.enabled = true,
            RuleKind::Caps => self.caps.enabled = true,
            RuleKind::Invites => self.invites.enabled = true,
            RuleKind::Links => self.links.enabled = true,
            RuleKind::BadWords => self.bad_words.enabled = true,
            RuleKind::BadPatterns => self.bad_patterns.enabled = true,
            RuleKind::Mentions => self.mentions.enabled = true,
        }
    }
}
