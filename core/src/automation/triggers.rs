//! The trigger engine: a guild's keyword triggers compiled into one Aho-Corasick automaton
//! (two: one folding letter case, one exact) and its regex triggers into one `RegexSet`, so a
//! message is matched against every trigger in one pass over its text. Compiled once per
//! settings version and tier (regex triggers run only where premium allows them); matching is
//! synchronous and in memory.
//!
//! Which trigger fires: the triggers whose pattern matches are taken in the guild's order; the
//! first whose channel and role filters let the message through and whose cooldown is free
//! fires (the cooldown is the caller's, on the coordination port). One message fires at most
//! one trigger, so a chatty message never gets a wall of answers.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind as AcMatchKind};
use regex::{Regex, RegexSet};

use super::settings::{AutomationSettings, MatchKind, Trigger};
use super::template::{self, Values};
use crate::automod::patterns;
use crate::effect::{AllowedMentions, Effect, Embed, OutgoingMessage};
use crate::ids::{ChannelId, GuildId, MessageId, RoleId, UserId};

/// One automaton and, per pattern, the trigger it belongs to.
#[derive(Debug)]
struct Keywords {
    automaton: AhoCorasick,
    owners: Vec<usize>,
}

impl Keywords {
    fn build(patterns: Vec<(usize, String)>, fold: bool) -> Option<Self> {
        if patterns.is_empty() {
            return None;
        }
        let (owners, texts): (Vec<usize>, Vec<String>) = patterns.into_iter().unzip();
        let automaton = AhoCorasickBuilder::new()
            .ascii_case_insensitive(fold)
            .match_kind(AcMatchKind::Standard)
            .build(&texts)
            .ok()?;
        Some(Self { automaton, owners })
    }
}

/// A guild's triggers, compiled.
#[derive(Debug)]
pub struct CompiledTriggers {
    triggers: Vec<Trigger>,
    folded: Option<Keywords>,
    exact_case: Option<Keywords>,
    regex_set: Option<RegexSet>,
    regex_owners: Vec<usize>,
    paused_regex: usize,
}

/// A message as the trigger engine needs it.
#[derive(Debug, Clone, Copy)]
pub struct TriggerInput<'a> {
    /// The message's text.
    pub content: &'a str,
    /// Its channel.
    pub channel: ChannelId,
    /// The channel's parent when it is a thread (a filter naming the parent lets its threads
    /// through).
    pub parent: Option<ChannelId>,
    /// The author's roles.
    pub roles: &'a [RoleId],
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn at_word_boundaries(text: &str, start: usize, end: usize) -> bool {
    let before = text[..start].chars().next_back();
    let after = text[end..].chars().next();
    before.is_none_or(|c| !is_word_char(c)) && after.is_none_or(|c| !is_word_char(c))
}

fn kind_accepts(kind: MatchKind, text: &str, start: usize, end: usize) -> bool {
    match kind {
        MatchKind::Contains | MatchKind::Regex => true,
        MatchKind::Word => at_word_boundaries(text, start, end),
        MatchKind::StartsWith => start == 0,
        MatchKind::Exact => start == 0 && end == text.len(),
    }
}

impl CompiledTriggers {
    /// Compiles the guild's enabled triggers; regex triggers only when `regex_allowed` (the
    /// guild's tier has [`crate::premium::Perk::RegexTriggers`]), otherwise they are counted
    /// as paused.
    pub fn compile(settings: &AutomationSettings, regex_allowed: bool) -> Self {
        let mut folded = Vec::new();
        let mut exact_case = Vec::new();
        let mut regex_patterns = Vec::new();
        let mut regex_owners = Vec::new();
        let mut paused_regex = 0;
        for (index, trigger) in settings.triggers.iter().enumerate() {
            if !trigger.enabled {
                continue;
            }
            match trigger.kind {
                MatchKind::Regex if !regex_allowed => paused_regex += 1,
                MatchKind::Regex => {
                    // Checked on save; one that no longer compiles is left out, not guessed.
                    if patterns::validate_pattern(&trigger.pattern).is_ok() {
                        regex_patterns.push(trigger.pattern.clone());
                        regex_owners.push(index);
                    }
                }
                _ if trigger.case_sensitive => {
                    exact_case.push((index, trigger.pattern.trim().to_owned()));
                }
                _ => folded.push((index, trigger.pattern.trim().to_lowercase())),
            }
        }
        let regex_set = (!regex_patterns.is_empty())
            .then(|| {
                regex::RegexSetBuilder::new(&regex_patterns)
                    .case_insensitive(true)
                    .size_limit(patterns::PATTERN_SIZE_LIMIT.saturating_mul(regex_patterns.len()))
                    .dfa_size_limit(
                        patterns::PATTERN_DFA_SIZE_LIMIT.saturating_mul(regex_patterns.len()),
                    )
                    .build()
                    .ok()
            })
            .flatten();
        Self {
            triggers: settings.triggers.clone(),
            folded: Keywords::build(folded, true),
            exact_case: Keywords::build(exact_case, false),
            regex_set,
            regex_owners,
            paused_regex,
        }
    }

    /// Regex triggers kept but not running because the tier lacks the perk.
    pub fn paused_regex(&self) -> usize {
        self.paused_regex
    }

    /// The trigger at `index` of the guild's list.
    pub fn trigger(&self, index: usize) -> Option<&Trigger> {
        self.triggers.get(index)
    }

    /// The indices of the triggers whose pattern matches `content`, in the guild's order
    /// (filters and cooldowns not applied).
    pub fn matches(&self, content: &str) -> Vec<usize> {
        let text = content.trim();
        let mut found: Vec<usize> = Vec::new();
        if text.is_empty() {
            return found;
        }
        if let Some(keywords) = &self.folded {
            let lowered;
            let haystack = if text.is_ascii() {
                text
            } else {
                lowered = text.to_lowercase();
                lowered.as_str()
            };
            self.scan(keywords, haystack, &mut found);
        }
        if let Some(keywords) = &self.exact_case {
            self.scan(keywords, text, &mut found);
        }
        if let Some(set) = &self.regex_set
            && set.is_match(content)
        {
            found.extend(set.matches(content).iter().map(|at| self.regex_owners[at]));
        }
        found.sort_unstable();
        found.dedup();
        found
    }

    fn scan(&self, keywords: &Keywords, haystack: &str, found: &mut Vec<usize>) {
        for hit in keywords.automaton.find_overlapping_iter(haystack) {
            let owner = keywords.owners[hit.pattern().as_usize()];
            if found.contains(&owner) {
                continue;
            }
            let kind = self.triggers[owner].kind;
            if kind_accepts(kind, haystack, hit.start(), hit.end()) {
                found.push(owner);
            }
        }
    }

    /// The triggers that match the message and whose filters let it through, in order: the
    /// caller fires the first whose cooldown is free.
    pub fn candidates<'s>(
        &'s self,
        input: &'s TriggerInput<'s>,
    ) -> impl Iterator<Item = (usize, &'s Trigger)> + 's {
        let channel = input.channel;
        let parent = input.parent;
        let roles = input.roles;
        self.matches(input.content)
            .into_iter()
            .map(|index| (index, &self.triggers[index]))
            .filter(move |(_, trigger)| {
                (trigger.channels.is_empty()
                    || trigger.channels.contains(&channel)
                    || parent.is_some_and(|parent| trigger.channels.contains(&parent)))
                    && (trigger.roles.is_empty()
                        || trigger.roles.iter().any(|role| roles.contains(role)))
            })
    }
}

/// The message that fired a trigger, and what the response is filled with.
#[derive(Debug, Clone, Copy)]
pub struct Fired<'a> {
    /// The guild.
    pub guild: GuildId,
    /// The channel.
    pub channel: ChannelId,
    /// The message.
    pub message: MessageId,
    /// Its author.
    pub author: UserId,
    /// The values of the response's variables.
    pub values: Values<'a>,
}

/// What a trigger does for a message, in order: react, answer, change roles, delete the
/// message (last, so the answer is posted even when the delete is refused).
pub fn effects(trigger: &Trigger, fired: &Fired<'_>) -> Vec<Effect> {
    let mut effects = Vec::new();
    if let Some(emoji) = &trigger.react {
        effects.push(Effect::React {
            channel: fired.channel,
            message_id: fired.message,
            emoji: emoji.trim().to_owned(),
        });
    }
    if let Some(message) = response(trigger, &fired.values, fired.author) {
        effects.push(Effect::Announce {
            guild: fired.guild,
            channel: fired.channel,
            message,
        });
    }
    let reason = Some(format!("trigger “{}”", trigger.name.trim()));
    if let Some(role) = trigger.add_role {
        effects.push(Effect::AddRole {
            guild: fired.guild,
            user: fired.author,
            role,
            reason: reason.clone(),
        });
    }
    if let Some(role) = trigger.remove_role {
        effects.push(Effect::RemoveRole {
            guild: fired.guild,
            user: fired.author,
            role,
            reason: reason.clone(),
        });
    }
    if trigger.delete_message {
        effects.push(Effect::DeleteMessage {
            channel: fired.channel,
            message_id: fired.message,
            reason,
        });
    }
    effects
}

/// The trigger's response, filled, as a message; `None` for an action-only trigger. It may
/// ping the member who fired it and nobody else.
pub fn response(trigger: &Trigger, values: &Values<'_>, author: UserId) -> Option<OutgoingMessage> {
    if trigger.response.trim().is_empty() {
        return None;
    }
    let text = template::render(&trigger.response, values);
    let allowed_mentions = AllowedMentions {
        users: vec![author],
        ..AllowedMentions::default()
    };
    Some(if trigger.embed {
        OutgoingMessage {
            embeds: vec![Embed {
                description: Some(text),
                ..Embed::default()
            }],
            allowed_mentions,
            ..OutgoingMessage::default()
        }
    } else {
        OutgoingMessage {
            content: text,
            allowed_mentions,
            ..OutgoingMessage::default()
        }
    })
}

/// What the dashboard's and the CLI's tester shows for a sample message.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TestResult {
    /// The trigger that would fire (the first match whose filters pass), by name.
    pub fires: Option<String>,
    /// Its response, filled with sample values.
    pub response: Option<String>,
    /// What else it would do, in words.
    pub actions: Vec<String>,
    /// Other triggers whose pattern matches too, by name (they do not fire: one per message).
    pub also_matching: Vec<String>,
    /// Regex triggers not running for lack of premium.
    pub paused_regex: usize,
}

/// Runs the engine on a sample message as if `channel` and `roles` sent it (no cooldowns).
pub fn test(
    settings: &AutomationSettings,
    regex_allowed: bool,
    sample: &str,
    input_channel: ChannelId,
    roles: &[RoleId],
    values: &Values<'_>,
) -> TestResult {
    let compiled = CompiledTriggers::compile(settings, regex_allowed);
    let input = TriggerInput {
        content: sample,
        channel: input_channel,
        parent: None,
        roles,
    };
    let mut passing = compiled.candidates(&input).map(|(index, _)| index);
    let first = passing.next();
    let matching = compiled.matches(sample);
    let fires = first.and_then(|index| compiled.trigger(index));
    let mut actions = Vec::new();
    if let Some(trigger) = fires {
        if let Some(emoji) = &trigger.react {
            actions.push(format!("react with {emoji}"));
        }
        if let Some(role) = trigger.add_role {
            actions.push(format!("give <@&{role}>"));
        }
        if let Some(role) = trigger.remove_role {
            actions.push(format!("take <@&{role}>"));
        }
        if trigger.delete_message {
            actions.push("delete the message".into());
        }
    }
    TestResult {
        fires: fires.map(|trigger| trigger.name.clone()),
        response: fires
            .filter(|trigger| !trigger.response.trim().is_empty())
            .map(|trigger| template::render(&trigger.response, values)),
        actions,
        also_matching: matching
            .into_iter()
            .filter(|index| Some(*index) != first)
            .filter_map(|index| compiled.trigger(index).map(|trigger| trigger.name.clone()))
            .collect(),
        paused_regex: compiled.paused_regex(),
    }
}

/// Compiles one regex the way the engine does, for a positioned error.
///
/// # Errors
/// The pattern's problem.
pub fn check_regex(pattern: &str) -> Result<Regex, String> {
    patterns::compile_one(pattern)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trigger(name: &str, kind: MatchKind, pattern: &str) -> Trigger {
        Trigger {
            name: name.into(),
            kind,
            pattern: pattern.into(),
            response: format!("{name} fired"),
            ..Trigger::default()
        }
    }

    fn engine(triggers: Vec<Trigger>, regex: bool) -> CompiledTriggers {
        CompiledTriggers::compile(
            &AutomationSettings {
                triggers,
                ..AutomationSettings::default()
            },
            regex,
        )
    }

    #[test]
    fn each_match_kind_keeps_its_promise() {
        let compiled = engine(
            vec![
                trigger("word", MatchKind::Word, "hi"),
                trigger("contains", MatchKind::Contains, "cat"),
                trigger("starts", MatchKind::StartsWith, "!rules"),
                trigger("exact", MatchKind::Exact, "ping"),
            ],
            false,
        );
        assert_eq!(compiled.matches("Hi there"), vec![0]);
        assert_eq!(compiled.matches("this is it"), Vec::<usize>::new());
        assert_eq!(compiled.matches("concatenate"), vec![1]);
        assert_eq!(compiled.matches("  !rules please"), vec![2]);
        assert_eq!(compiled.matches("read the !rules"), Vec::<usize>::new());
        assert_eq!(compiled.matches(" PING "), vec![3]);
        assert_eq!(compiled.matches("ping pong"), Vec::<usize>::new());
        assert_eq!(compiled.matches("hi, cat: ping"), vec![0, 1]);
    }

    #[test]
    fn case_folds_beyond_ascii_unless_asked_not_to() {
        let mut exact = trigger("exact", MatchKind::Word, "GG");
        exact.case_sensitive = true;
        let compiled = engine(
            vec![trigger("umlaut", MatchKind::Word, "Grüße"), exact],
            false,
        );
        assert_eq!(compiled.matches("GRÜSSE und GRÜßE"), vec![0]);
        assert_eq!(compiled.matches("gg"), Vec::<usize>::new());
        assert_eq!(compiled.matches("GG wp"), vec![1]);
    }

    #[test]
    fn regex_triggers_run_only_where_allowed() {
        let triggers = vec![trigger("invite", MatchKind::Regex, r"disc(o|0)rd\.gg/\w+")];
        let free = engine(triggers.clone(), false);
        assert_eq!(free.matches("join discord.gg/abc"), Vec::<usize>::new());
        assert_eq!(free.paused_regex(), 1);
        let premium = engine(triggers, true);
        assert_eq!(premium.matches("join DISC0RD.gg/abc"), vec![0]);
    }

    #[test]
    fn filters_pick_the_first_trigger_that_may_fire() {
        let mut staff_only = trigger("staff", MatchKind::Word, "help");
        staff_only.roles = vec![RoleId::new(9)];
        let mut elsewhere = trigger("elsewhere", MatchKind::Word, "help");
        elsewhere.channels = vec![ChannelId::new(5)];
        let everyone = trigger("everyone", MatchKind::Word, "help");
        let compiled = engine(vec![staff_only, elsewhere, everyone], false);
        let names = |channel, parent, roles: &[RoleId]| {
            compiled
                .candidates(&TriggerInput {
                    content: "help me",
                    channel: ChannelId::new(channel),
                    parent,
                    roles,
                })
                .map(|(_, trigger)| trigger.name.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(names(1, None, &[]), vec!["everyone"]);
        assert_eq!(names(5, None, &[]), vec!["elsewhere", "everyone"]);
        assert_eq!(
            names(6, Some(ChannelId::new(5)), &[RoleId::new(9)]),
            vec!["staff", "elsewhere", "everyone"]
        );
    }

    #[test]
    fn disabled_triggers_never_match() {
        let mut off = trigger("off", MatchKind::Contains, "x");
        off.enabled = false;
        assert!(engine(vec![off], true).matches("xxx").is_empty());
    }

    #[test]
    fn effects_answer_then_act_and_ping_only_the_author() {
        let mut full = trigger("full", MatchKind::Word, "hello");
        full.response = "Hi {user} in {channel}".into();
        full.react = Some("👋".into());
        full.add_role = Some(RoleId::new(3));
        full.delete_message = true;
        let fired = Fired {
            guild: GuildId::new(1),
            channel: ChannelId::new(2),
            message: MessageId::new(4),
            author: UserId::new(5),
            values: Values {
                user_id: 5,
                user_name: "ada",
                server: "S",
                channel_id: 2,
                member_count: None,
            },
        };
        let effects = effects(&full, &fired);
        assert!(matches!(effects[0], Effect::React { .. }));
        let Effect::Announce { message, .. } = &effects[1] else {
            panic!("{effects:?}")
        };
        assert_eq!(message.content, "Hi <@5> in <#2>");
        assert_eq!(message.allowed_mentions.users, vec![UserId::new(5)]);
        assert!(matches!(effects[2], Effect::AddRole { role, .. } if role == RoleId::new(3)));
        assert!(matches!(effects[3], Effect::DeleteMessage { .. }));
    }
}
