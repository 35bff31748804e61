//! The compiled rules and the per-message check.

use std::borrow::Cow;

use super::caps;
use super::invites::InviteFilter;
use super::links::LinkFilter;
use super::mentions;
use super::normalize::{Normalized, strip_zero_width};
use super::patterns::PatternList;
use super::settings::{Action, AutomodSettings, RuleCommon};
use super::simhash;
use super::state::{AutomodState, Entry, MAX_RING};
use super::validate::InvalidAutomod;
use super::verdict::{MessageInput, RuleHit, RuleKind, Verdict};
use super::words::WordList;
use crate::clock::UnixMillis;
use crate::ids::{ChannelId, RoleId};

/// The fields every rule shares, compiled.
#[derive(Debug)]
struct Common {
    action: Action,
    delete_message: bool,
    exempt_roles: Box<[RoleId]>,
    exempt_channels: Box<[ChannelId]>,
}

impl Common {
    fn applies(&self, message: &MessageInput<'_>) -> bool {
        !self.exempt_channels.contains(&message.channel)
            && !message
                .author_roles
                .iter()
                .any(|role| self.exempt_roles.contains(role))
    }

    fn hit(&self, rule: RuleKind, reason: String, matched: Option<String>) -> RuleHit {
        RuleHit {
            rule,
            reason,
            matched,
            action: self.action,
            delete_message: self.delete_message,
        }
    }
}

/// An enabled rule: what it shares with the others and its own compiled parameters.
#[derive(Debug)]
struct Rule<P> {
    common: Common,
    params: P,
}

fn rule<P>(
    common: RuleCommon<'_>,
    params: impl FnOnce() -> Result<P, InvalidAutomod>,
) -> Result<Option<Rule<P>>, InvalidAutomod> {
    if !common.enabled {
        return Ok(None);
    }
    Ok(Some(Rule {
        common: Common {
            action: common.action,
            delete_message: common.delete_message,
            exempt_roles: common.exempt_roles.into(),
            exempt_channels: common.exempt_channels.into(),
        },
        params: params()?,
    }))
}

#[derive(Debug)]
struct Frequency {
    max_messages: usize,
    window_secs: u32,
    window_ms: i64,
}

#[derive(Debug)]
struct Duplicates {
    max_duplicates: usize,
    window_secs: u32,
    window_ms: i64,
    max_distance: u32,
    min_length: usize,
}

#[derive(Debug)]
struct Caps {
    ratio: f64,
    min_letters: u32,
}

#[derive(Debug)]
struct Mentions {
    everyone: bool,
    max_user_mentions: Option<u32>,
    max_role_mentions: Option<u32>,
}

/// A guild's automod rules, compiled once per settings version (regexes, the word automaton,
/// the link lists) and then shared by every message of the guild. Cheap to check against;
/// `Send + Sync`, so one `Arc<CompiledRules>` serves every task.
#[derive(Debug)]
pub struct CompiledRules {
    spam: Option<Rule<Frequency>>,
    duplicates: Option<Rule<Duplicates>>,
    caps: Option<Rule<Caps>>,
    invites: Option<Rule<InviteFilter>>,
    links: Option<Rule<LinkFilter>>,
    bad_words: Option<Rule<WordList>>,
    bad_patterns: Option<Rule<PatternList>>,
    mentions: Option<Rule<Mentions>>,
    /// Messages remembered per member.
    ring_len: usize,
    /// How long a remembered message can still matter.
    keep_ms: i64,
}

/// Compiles a guild's automod settings; see [`CompiledRules::compile`].
///
/// # Errors
/// [`InvalidAutomod`] when the settings do not pass [`AutomodSettings::check`].
pub fn compile(settings: &AutomodSettings) -> Result<CompiledRules, InvalidAutomod> {
    CompiledRules::compile(settings)
}

fn millis(secs: u32) -> i64 {
    i64::from(secs) * 1_000
}

fn built_in(field: &'static str) -> impl FnOnce(regex::Error) -> InvalidAutomod {
    move |error| InvalidAutomod {
        field,
        message: format!("could not be compiled (a bug in Guildhall): {error}"),
    }
}

impl CompiledRules {
    /// Checks and compiles the settings. Done once per settings version, never per message.
    ///
    /// # Errors
    /// [`InvalidAutomod`] when the settings do not pass [`AutomodSettings::check`].
    pub fn compile(settings: &AutomodSettings) -> Result<Self, InvalidAutomod> {
        settings.check()?;
        let spam = rule(settings.spam.common(), || {
            Ok(Frequency {
                max_messages: settings.spam.max_messages as usize,
                window_secs: settings.spam.window_secs,
                window_ms: millis(settings.spam.window_secs),
            })
        })?;
        let duplicates = rule(settings.duplicates.common(), || {
            Ok(Duplicates {
                max_duplicates: settings.duplicates.max_duplicates as usize,
                window_secs: settings.duplicates.window_secs,
                window_ms: millis(settings.duplicates.window_secs),
                max_distance: simhash::max_distance(settings.duplicates.similarity),
                min_length: settings.duplicates.min_length as usize,
            })
        })?;
        let caps = rule(settings.caps.common(), || {
            Ok(Caps {
                ratio: settings.caps.ratio,
                min_letters: settings.caps.min_letters,
            })
        })?;
        let invites = rule(settings.invites.common(), || {
            InviteFilter::new(&settings.invites.allowed_codes).map_err(built_in("invites"))
        })?;
        let links = rule(settings.links.common(), || {
            LinkFilter::new(
                settings.links.mode,
                &settings.links.allow_domains,
                &settings.links.deny_domains,
            )
            .map_err(built_in("links"))
        })?;
        let bad_words = rule(settings.bad_words.common(), || {
            WordList::compile(&settings.bad_words.words, settings.bad_words.whole_words).map_err(
                |error| InvalidAutomod {
                    field: "bad_words.words",
                    message: format!("could not be compiled: {error:?}"),
                },
            )
        })?;
        let bad_patterns = rule(settings.bad_patterns.common(), || {
            PatternList::compile(&settings.bad_patterns.patterns).map_err(|error| InvalidAutomod {
                field: "bad_patterns.patterns",
                message: format!("pattern {} {}", error.index + 1, error.message),
            })
        })?;
        let mentions = rule(settings.mentions.common(), || {
            Ok(Mentions {
                everyone: settings.mentions.everyone,
                max_user_mentions: settings.mentions.max_user_mentions,
                max_role_mentions: settings.mentions.max_role_mentions,
            })
        })?;

        let frequency_ring = spam.as_ref().map_or(0, |rule| rule.params.max_messages + 1);
        let duplicate_ring = duplicates
            .as_ref()
            .map_or(0, |rule| 2 * (rule.params.max_duplicates + 1));
        let keep_ms = spam
            .as_ref()
            .map_or(0, |rule| rule.params.window_ms)
            .max(duplicates.as_ref().map_or(0, |rule| rule.params.window_ms));
        Ok(Self {
            spam,
            duplicates,
            caps,
            invites,
            links,
            bad_words,
            bad_patterns,
            mentions,
            ring_len: frequency_ring.max(duplicate_ring).clamp(1, MAX_RING),
            keep_ms,
        })
    }

    /// Whether no rule is enabled (the bot can skip the guild's messages).
    pub fn is_empty(&self) -> bool {
        self.spam.is_none()
            && self.duplicates.is_none()
            && self.caps.is_none()
            && self.invites.is_none()
            && self.links.is_none()
            && self.bad_words.is_none()
            && self.bad_patterns.is_none()
            && self.mentions.is_none()
    }

    /// Checks one message: every enabled rule that does not exempt the author or channel.
    /// Bots are never checked. Updates the spam windows in `state` (the guild's).
    pub fn check(
        &self,
        state: &mut AutomodState,
        message: &MessageInput<'_>,
        now: UnixMillis,
    ) -> Verdict {
        if message.is_bot {
            return Verdict::default();
        }
        let mut hits = Vec::new();
        let applies = |common: &Common| common.applies(message);
        let spam = self.spam.as_ref().filter(|rule| applies(&rule.common));
        let duplicates = self
            .duplicates
            .as_ref()
            .filter(|rule| applies(&rule.common));
        let bad_words = self.bad_words.as_ref().filter(|rule| applies(&rule.common));

        if duplicates.is_some() || bad_words.is_some() {
            state.scratch.normalized.fill(message.content);
        }

        if spam.is_some() || duplicates.is_some() {
            let fingerprint = duplicates.map_or(0, |rule| {
                let text = state.scratch.normalized.trimmed();
                if text.chars().count() >= rule.params.min_length.max(1) {
                    simhash::fingerprint(text)
                } else {
                    0
                }
            });
            let ring = state.record(
                message.author,
                Entry {
                    at: now.0,
                    fingerprint,
                },
                self.ring_len,
                self.keep_ms,
            );
            let within = |entry: &Entry, window_ms: i64| now.0.saturating_sub(entry.at) < window_ms;
            if let Some(rule) = spam {
                let params = &rule.params;
                let count = ring
                    .iter()
                    .filter(|entry| within(entry, params.window_ms))
                    .count();
                if count > params.max_messages {
                    hits.push(rule.common.hit(
                        RuleKind::Spam,
                        format!(
                            "{count} messages in {} s (at most {} allowed)",
                            params.window_secs, params.max_messages
                        ),
                        None,
                    ));
                }
            }
            if let Some(rule) = duplicates.filter(|_| fingerprint != 0) {
                let params = &rule.params;
                let count = ring
                    .iter()
                    .filter(|entry| {
                        entry.fingerprint != 0
                            && within(entry, params.window_ms)
                            && simhash::distance(entry.fingerprint, fingerprint)
                                <= params.max_distance
                    })
                    .count();
                if count > params.max_duplicates {
                    hits.push(rule.common.hit(
                        RuleKind::Duplicates,
                        format!(
                            "{count} near-identical messages in {} s (at most {} allowed)",
                            params.window_secs, params.max_duplicates
                        ),
                        None,
                    ));
                }
            }
        }

        if let Some(rule) = self.caps.as_ref().filter(|rule| applies(&rule.common))
            && let Some(share) =
                caps::fires(message.content, rule.params.ratio, rule.params.min_letters)
        {
            hits.push(rule.common.hit(
                RuleKind::Caps,
                format!(
                    "{}% capitals (limit {}%)",
                    percent(share),
                    percent(rule.params.ratio)
                ),
                None,
            ));
        }

        let invites = self.invites.as_ref().filter(|rule| applies(&rule.common));
        let links = self.links.as_ref().filter(|rule| applies(&rule.common));
        let bad_patterns = self
            .bad_patterns
            .as_ref()
            .filter(|rule| applies(&rule.common));
        let clean = if links.is_some() || bad_patterns.is_some() {
            strip_zero_width(message.content)
        } else {
            Cow::Borrowed(message.content)
        };
        if let Some(rule) = invites
            && let Some(invite) = rule
                .params
                .find(message.content, &mut state.scratch.squeezed)
        {
            hits.push(rule.common.hit(
                RuleKind::Invites,
                "Discord invite".to_owned(),
                Some(invite),
            ));
        }
        if let Some(rule) = links
            && let Some(link) = rule.params.find(&clean)
        {
            hits.push(rule.common.hit(
                RuleKind::Links,
                "link to a domain that is not allowed".to_owned(),
                Some(link.to_owned()),
            ));
        }
        if let Some(rule) = bad_words {
            hits.extend(word_hit(rule, &state.scratch.normalized, message.content));
        }
        if let Some(rule) = bad_patterns
            && let Some((index, matched)) = rule.params.find(&clean)
        {
            hits.push(rule.common.hit(
                RuleKind::BadPatterns,
                format!("matches blocked pattern {}", index + 1),
                Some(matched.to_owned()),
            ));
        }

        if let Some(rule) = self.mentions.as_ref().filter(|rule| applies(&rule.common))
            && let Some(reason) = mass_mention(&rule.params, message)
        {
            hits.push(rule.common.hit(RuleKind::Mentions, reason, None));
        }

        Verdict::from_hits(hits)
    }
}

fn word_hit(rule: &Rule<WordList>, normalized: &Normalized, content: &str) -> Option<RuleHit> {
    let found = rule.params.find(normalized)?;
    let matched = normalized
        .original_range(found.normalized.0, found.normalized.1)
        .and_then(|(start, end)| content.get(start..end))
        .unwrap_or(found.word);
    Some(rule.common.hit(
        RuleKind::BadWords,
        format!("blocked word \"{}\"", found.word),
        Some(matched.to_owned()),
    ))
}

fn mass_mention(params: &Mentions, message: &MessageInput<'_>) -> Option<String> {
    if params.everyone
        && !message.author_can_mention_everyone
        && (message.mentions_everyone || mentions::says_everyone(message.content))
    {
        return Some("@everyone or @here without the permission".to_owned());
    }
    if let Some(max) = params.max_user_mentions
        && message.user_mentions > max as usize
    {
        return Some(format!(
            "{} user mentions (at most {max} allowed)",
            message.user_mentions
        ));
    }
    if let Some(max) = params.max_role_mentions
        && message.role_mentions > max as usize
    {
        return Some(format!(
            "{} role mentions (at most {max} allowed)",
            message.role_mentions
        ));
    }
    None
}

fn percent(share: f64) -> u32 {
    // A share is within 0..=1, so the percentage fits.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let percent = (share * 100.0).round() as u32;
    percent
}
