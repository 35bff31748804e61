//! Backtesting one rule: replays a guild's stored recent messages through the real engine with
//! only that rule switched on (also when the guild has it off: backtesting is for before
//! enabling it), and reports how many messages and members it would have hit.
//!
//! The replay is the live check, message by message in time order, with each message's own
//! time as the clock, so the spam and near-duplicate windows fill exactly as they would have.
//! Exemptions apply as configured, against the roles the author had when posting. Bots are never
//! checked (as live). Differences from the live check: an edited message is replayed with its
//! latest text, and whether the author may ping @everyone is taken from Discord's own
//! `mention_everyone` flag (true only for authors allowed to).

use std::collections::HashSet;

use serde::Serialize;

use super::engine::CompiledRules;
use super::settings::AutomodSettings;
use super::state::AutomodState;
use super::validate::InvalidAutomod;
use super::verdict::{MessageInput, RuleKind};
use crate::clock::UnixMillis;
use crate::ids::{ChannelId, GuildId, MessageId, UserId};
use crate::recent_messages::RecentMessage;

/// Most example hits a report keeps.
pub const MAX_EXAMPLES: usize = 10;
/// Characters of a message an example keeps.
pub const EXCERPT_CHARS: usize = 100;

/// Why a backtest could not start.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BacktestError {
    /// No rule has this name.
    #[error("unknown automod rule `{name}`; this guild's rules are: {}", rules.join(", "))]
    UnknownRule {
        /// The name given.
        name: String,
        /// The rules there are, each with whether the guild has it on.
        rules: Vec<String>,
    },
    /// The guild's automod settings do not compile.
    #[error(transparent)]
    Invalid(#[from] InvalidAutomod),
}

/// One message the rule would have hit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BacktestHit {
    /// When it was posted.
    pub at: UnixMillis,
    /// Who wrote it.
    pub author: UserId,
    /// Where.
    pub channel: ChannelId,
    /// The message.
    pub message: MessageId,
    /// Its first [`EXCERPT_CHARS`] characters.
    pub excerpt: String,
    /// Why the rule fires, e.g. "blocked word \"scam\"".
    pub reason: String,
    /// The offending text, where there is one.
    pub matched: Option<String>,
}

/// What a rule would have done to the replayed messages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BacktestReport {
    /// The rule.
    pub rule: RuleKind,
    /// Whether the guild has the rule on now.
    pub rule_enabled: bool,
    /// Members' messages replayed.
    pub messages_scanned: u64,
    /// Bots' messages passed over (bots are never checked).
    pub bot_messages_skipped: u64,
    /// Messages the rule fires on.
    pub messages_hit: u64,
    /// Distinct authors of those messages.
    pub members_hit: u64,
    /// The first replayed message's time.
    pub first_at: Option<UnixMillis>,
    /// The last replayed message's time.
    pub last_at: Option<UnixMillis>,
    /// The first [`MAX_EXAMPLES`] hits, oldest first.
    pub examples: Vec<BacktestHit>,
}

/// A backtest in progress: feed it a guild's messages in time order with [`Self::replay`]
/// (page by page, so a busy guild never needs all its messages in memory), then
/// [`Self::finish`].
#[derive(Debug)]
pub struct Backtest {
    guild: GuildId,
    rules: CompiledRules,
    state: AutomodState,
    members: HashSet<UserId>,
    report: BacktestReport,
}

impl Backtest {
    /// Prepares a backtest of the rule called `rule_name` under the guild's `settings`, with
    /// every other rule off and this one on.
    ///
    /// # Errors
    /// [`BacktestError::UnknownRule`] listing the rules; [`BacktestError::Invalid`] when the
    /// settings do not compile.
    pub fn new(
        guild: GuildId,
        settings: &AutomodSettings,
        rule_name: &str,
    ) -> Result<Self, BacktestError> {
        let rule =
            RuleKind::from_name(rule_name.trim()).ok_or_else(|| BacktestError::UnknownRule {
                name: rule_name.to_owned(),
                rules: RuleKind::ALL
                    .iter()
                    .map(|rule| {
                        let state = if is_enabled(settings, *rule) {
                            "on"
                        } else {
                            "off"
                        };
                        format!("{} ({state})", rule.name())
                    })
                    .collect(),
            })?;
        let rules = CompiledRules::compile(&only(settings, rule))?;
        Ok(Self {
            guild,
            rules,
            state: AutomodState::new(),
            members: HashSet::new(),
            report: BacktestReport {
                rule,
                rule_enabled: is_enabled(settings, rule),
                messages_scanned: 0,
                bot_messages_skipped: 0,
                messages_hit: 0,
                members_hit: 0,
                first_at: None,
                last_at: None,
                examples: Vec::new(),
            },
        })
    }

    /// Replays the next message (messages must come oldest first).
    pub fn replay(&mut self, message: &RecentMessage) {
        if message.author_is_bot {
            self.report.bot_messages_skipped += 1;
            return;
        }
        let report = &mut self.report;
        report.messages_scanned += 1;
        report.first_at.get_or_insert(message.created_at);
        report.last_at = Some(message.created_at);
        let input = MessageInput {
            guild: self.guild,
            channel: message.channel,
            author: message.author,
            author_roles: &message.author_roles,
            author_can_mention_everyone: message.mentions_everyone,
            content: &message.content,
            user_mentions: message.user_mentions as usize,
            role_mentions: message.role_mentions as usize,
            mentions_everyone: message.mentions_everyone,
            is_bot: false,
        };
        let verdict = self
            .rules
            .check(&mut self.state, &input, message.created_at);
        let Some(hit) = verdict.hits.into_iter().next() else {
            return;
        };
        report.messages_hit += 1;
        if self.members.insert(message.author) {
            report.members_hit += 1;
        }
        if report.examples.len() < MAX_EXAMPLES {
            report.examples.push(BacktestHit {
                at: message.created_at,
                author: message.author,
                channel: message.channel,
                message: message.message,
                excerpt: message.content.chars().take(EXCERPT_CHARS).collect(),
                reason: hit.reason,
                matched: hit.matched,
            });
        }
    }

    /// The report.
    pub fn finish(self) -> BacktestReport {
        self.report
    }
}

/// Backtests the rule called `rule_name` on `messages` (sorted into time order first).
///
/// # Errors
/// As [`Backtest::new`].
pub fn backtest(
    guild: GuildId,
    settings: &AutomodSettings,
    rule_name: &str,
    messages: &[RecentMessage],
) -> Result<BacktestReport, BacktestError> {
    let mut backtest = Backtest::new(guild, settings, rule_name)?;
    let mut ordered: Vec<&RecentMessage> = messages.iter().collect();
    ordered.sort_by_key(|message| message.position());
    for message in ordered {
        backtest.replay(message);
    }
    Ok(backtest.finish())
}

/// The settings with every rule off but `rule`, which is on with its configured parameters,
/// action and exemptions.
fn only(settings: &AutomodSettings, rule: RuleKind) -> AutomodSettings {
    let mut only = settings.clone();
    only.spam.enabled = false;
    only.duplicates.enabled = false;
    only.caps.enabled = false;
    only.invites.enabled = false;
    only.links.enabled = false;
    only.bad_words.enabled = false;
    only.bad_patterns.enabled = false;
    only.mentions.enabled = false;
    only.enable(rule);
    only
}

fn is_enabled(settings: &AutomodSettings, rule: RuleKind) -> bool {
    match rule {
        RuleKind::Spam => settings.spam.enabled,
        RuleKind::Duplicates => settings.duplicates.enabled,
        RuleKind::Caps => settings.caps.enabled,
        RuleKind::Invites => settings.invites.enabled,
        RuleKind::Links => settings.links.enabled,
        RuleKind::BadWords => settings.bad_words.enabled,
        RuleKind::BadPatterns => settings.bad_patterns.enabled,
        RuleKind::Mentions => settings.mentions.enabled,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::RoleId;

    const GUILD: GuildId = GuildId::new(1);
    const GENERAL: ChannelId = ChannelId::new(10);
    const MEMES: ChannelId = ChannelId::new(11);
    const TRUSTED: RoleId = RoleId::new(50);
    const START: i64 = 1_700_000_000_000;

    fn message(id: u64, author: u64, seconds: i64, content: &str) -> RecentMessage {
        RecentMessage {
            channel: GENERAL,
            message: MessageId::new(id),
            author: UserId::new(author),
            author_is_bot: false,
            author_roles: Vec::new(),
            content: content.to_owned(),
            attachments: 0,
            user_mentions: 0,
            role_mentions: 0,
            mentions_everyone: false,
            created_at: UnixMillis(START + seconds * 1_000),
            edited_at: None,
            attachment_names: Vec::new(),
        }
    }

    fn words(words: &[&str]) -> AutomodSettings {
        let mut settings = AutomodSettings::default();
        settings.bad_words.words = words.iter().map(|word| (*word).to_owned()).collect();
        settings
    }

    #[test]
    fn a_bad_word_is_found_even_with_the_rule_off_and_other_rules_ignored() {
        let mut settings = words(&["scam"]);
        // Caps is on in the guild, but only the named rule is backtested.
        settings.caps.enabled = true;
        let messages = [
            message(1, 100, 0, "hello everyone"),
            message(2, 101, 10, "this is a SCAM, do not click"),
            message(3, 102, 20, "SHOUTING WITHOUT BAD WORDS HERE"),
            message(4, 101, 30, "another s c a m link"),
            message(5, 103, 40, "free sc4m here"),
        ];
        let report = backtest(GUILD, &settings, "bad_words", &messages).unwrap();
        assert_eq!(report.rule, RuleKind::BadWords);
        assert!(!report.rule_enabled);
        assert_eq!(report.messages_scanned, 5);
        assert_eq!(report.messages_hit, 3);
        assert_eq!(report.members_hit, 2);
        assert_eq!(report.first_at, Some(UnixMillis(START)));
        assert_eq!(report.last_at, Some(UnixMillis(START + 40_000)));
        let authors: Vec<u64> = report.examples.iter().map(|hit| hit.author.get()).collect();
        assert_eq!(authors, [101, 101, 103]);
        assert_eq!(report.examples[0].reason, "blocked word \"scam\"");
        assert_eq!(report.examples[0].matched.as_deref(), Some("SCAM"));
        assert_eq!(report.examples[0].message, MessageId::new(2));
    }

    #[test]
    fn a_spam_burst_is_replayed_on_the_messages_own_clock() {
        let mut settings = AutomodSettings::default();
        settings.spam.max_messages = 3;
        settings.spam.window_secs = 5;
        // Member 100 bursts six messages in three seconds; member 101 posts as often, but
        // spread over a minute. Given out of order, the replay sorts them by time.
        let mut messages: Vec<RecentMessage> = (0..6)
            .map(|index| message(10 + index, 100, 100 + index as i64 / 2, "buy now"))
            .collect();
        messages.extend((0..6).map(|index| message(20 + index, 101, index as i64 * 10, "hi")));
        messages.reverse();
        let report = backtest(GUILD, &settings, "spam", &messages).unwrap();
        assert_eq!(report.messages_scanned, 12);
        // The 4th, 5th and 6th message of the burst each make more than 3 within 5 s.
        assert_eq!(report.messages_hit, 3, "{report:?}");
        assert_eq!(report.members_hit, 1);
        assert!(
            report
                .examples
                .iter()
                .all(|hit| hit.author == UserId::new(100))
        );
        assert!(
            report.examples[0]
                .reason
                .contains("in 5 s (at most 3 allowed)")
        );
    }

    #[test]
    fn exempt_roles_and_channels_are_respected() {
        let mut settings = words(&["scam"]);
        settings.bad_words.exempt_roles = vec![TRUSTED];
        settings.bad_words.exempt_channels = vec![MEMES];
        let mut trusted = message(1, 100, 0, "scam");
        trusted.author_roles = vec![RoleId::new(7), TRUSTED];
        let mut in_memes = message(2, 101, 1, "scam");
        in_memes.channel = MEMES;
        let plain = message(3, 102, 2, "scam");
        let report = backtest(GUILD, &settings, "bad_words", &[trusted, in_memes, plain]).unwrap();
        assert_eq!((report.messages_hit, report.members_hit), (1, 1));
        assert_eq!(report.examples[0].author, UserId::new(102));
    }

    #[test]
    fn bots_are_skipped_and_examples_are_capped_and_cut() {
        let settings = words(&["scam"]);
        let long = format!("scam {}", "x".repeat(300));
        let mut messages: Vec<RecentMessage> = (0..15)
            .map(|index| message(index + 1, 200 + index, index as i64, &long))
            .collect();
        let mut bot = message(99, 1, 50, "scam");
        bot.author_is_bot = true;
        messages.push(bot);
        let report = backtest(GUILD, &settings, "bad_words", &messages).unwrap();
        assert_eq!(report.messages_scanned, 15);
        assert_eq!(report.bot_messages_skipped, 1);
        assert_eq!((report.messages_hit, report.members_hit), (15, 15));
        assert_eq!(report.examples.len(), MAX_EXAMPLES);
        assert_eq!(report.examples[0].excerpt.chars().count(), EXCERPT_CHARS);
    }

    #[test]
    fn mass_mentions_spare_authors_discord_let_ping_everyone() {
        let settings = AutomodSettings::default();
        let mut allowed = message(1, 100, 0, "@everyone meeting now");
        allowed.mentions_everyone = true;
        let refused = message(2, 101, 1, "@everyone free nitro");
        let report = backtest(GUILD, &settings, "mentions", &[allowed, refused]).unwrap();
        assert_eq!((report.messages_hit, report.members_hit), (1, 1));
        assert_eq!(report.examples[0].author, UserId::new(101));
    }

    #[test]
    fn an_unknown_rule_lists_the_guilds_rules() {
        let mut settings = AutomodSettings::default();
        settings.spam.enabled = true;
        let error = Backtest::new(GUILD, &settings, "swearing").unwrap_err();
        assert_eq!(
            error.to_string(),
            "unknown automod rule `swearing`; this guild's rules are: spam (on), duplicates (off), \
             caps (off), invites (off), links (off), bad_words (off), bad_patterns (off), mentions (off)"
        );
    }

    #[test]
    fn nothing_to_replay_reports_nothing() {
        let report = backtest(GUILD, &AutomodSettings::default(), "caps", &[]).unwrap();
        assert_eq!(report.messages_scanned, 0);
        assert_eq!(report.first_at, None);
        assert!(report.examples.is_empty());
    }
}
