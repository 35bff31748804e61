//! Figures for automod: throughput of [`CompiledRules::check`] with every rule kind on (500
//! listed words, 20 patterns) over a realistic message mix, on one thread; and the memory the
//! spam windows take per active member. Prints a table; asserts nothing.
//!
//! `cargo bench -p guildhall-core --bench automod`

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use guildhall_core::automod::{
    AutomodSettings, AutomodState, CompiledRules, MAX_RING, MessageInput, RuleKind, compile,
};
use guildhall_core::clock::UnixMillis;
use guildhall_core::ids::{ChannelId, GuildId, UserId};
use serde_json::json;

/// A small deterministic generator (SplitMix64), so every run sees the same messages.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut value = self.0;
        value = (value ^ (value >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        value = (value ^ (value >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        value ^ (value >> 31)
    }

    fn below(&mut self, bound: usize) -> usize {
        (self.next() % bound as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const CHAT: &[&str] = &[
    "the",
    "a",
    "to",
    "and",
    "is",
    "it",
    "you",
    "that",
    "in",
    "for",
    "on",
    "with",
    "this",
    "was",
    "have",
    "but",
    "not",
    "are",
    "be",
    "just",
    "so",
    "like",
    "what",
    "do",
    "can",
    "if",
    "my",
    "me",
    "all",
    "get",
    "about",
    "how",
    "up",
    "out",
    "they",
    "we",
    "one",
    "time",
    "good",
    "really",
    "think",
    "know",
    "game",
    "raid",
    "server",
    "patch",
    "build",
    "boss",
    "loot",
    "stream",
    "tonight",
    "tomorrow",
    "anyone",
    "play",
    "new",
    "update",
    "lol",
    "yeah",
    "nice",
    "thanks",
    "coffee",
    "music",
    "movie",
    "weekend",
    "work",
    "school",
    "classic",
    "assignment",
    "badge",
    "pass",
    "glass",
    "grass",
    "hello",
    "morning",
    "night",
    "friend",
    "team",
    "match",
    "win",
    "lose",
    "map",
    "queue",
    "rank",
    "season",
    "event",
    "discord",
    "channel",
    "voice",
    "role",
];

const SPAM: &[&str] = &[
    "buy cheap nitro at example.com now",
    "Buy CHEAP nitro at example dot com now!!",
    "buy cheap nitro now at example.com",
    "FREE NITRO for everyone, claim at gift-example.com",
];

const PATTERNS: &[&str] = &[
    r"fr[e3]{2}\s*n[i1]tr[o0]",
    r"steam\s*(?:gift|card)\s*(?:free|giveaway)",
    r"(?:earn|make)\s+\$?\d+\s*k?\s*(?:a|per)\s*(?:day|week)",
    r"b[i1]tc[o0][i1]n\s+giveaway",
    r"crypto\s*air\s*drop",
    r"only\s*fans\.com",
    r"click\s+(?:here|this)\s+to\s+claim",
    r"(?:dm|message)\s+me\s+for\s+(?:free|cheap)",
    r"n[i1]tr[o0]\s+(?:gen|generator)",
    r"(?:selling|buying)\s+accounts?",
    r"\bgr[a4]bify\b",
    r"ip\s*logger",
    r"token\s*(?:grabber|logger)",
    r"(?:hack|cheat)s?\s+(?:for\s+)?sale",
    r"\d{4}[- ]?\d{4}[- ]?\d{4}[- ]?\d{4}",
    r"(?:whats\s*app|telegram)\s*[:+]?\s*\+?\d{6,}",
    r"h[o0]t\s+s[i1]ngles",
    r"s[e3]x\s*cam",
    r"(?:kys|kill\s+ur\s*self)",
    r"xxx\s*video",
];

/// Pronounceable made-up words that no chat line contains, standing in for a real list.
fn word_list(count: usize) -> Vec<String> {
    let onsets = ["br", "kr", "zl", "vr", "gn", "sk", "pl", "dr", "tw", "qu"];
    let vowels = ["a", "o", "u", "ei", "oo"];
    let codas = ["x", "zz", "rk", "mph", "nk", "gg", "lt", "sh", "ck", "rp"];
    let mut words = Vec::with_capacity(count);
    'outer: for onset in onsets {
        for vowel in vowels {
            for coda in codas {
                for suffix in ["", "er"] {
                    words.push(format!("{onset}{vowel}{coda}{suffix}"));
                    if words.len() == count {
                        break 'outer;
                    }
                }
            }
        }
    }
    words
}

fn settings() -> AutomodSettings {
    let deny: Vec<String> = (0..100)
        .map(|index| format!("scam{index}.example"))
        .chain(["gift-example.com".to_owned(), "grabify.link".to_owned()])
        .collect();
    let mut settings: AutomodSettings = serde_json::from_value(json!({
    "spam": {"max_messages": 5, "window_secs": 5},
    "duplicates": {"similarity": 0.8, "max_duplicates": 2, "window_secs": 60},
    "caps": {"ratio": 0.7, "min_letters": 10},
    "invites": {"allowed_codes": ["guildhall"]},
    "links": {"mode": "deny_list", "deny_domains": deny},
    "bad_words": {"words": word_list(500)},
    "bad_patterns": {"patterns": PATTERNS},
    "mentions": {"max_user_mentions": 5, "max_role_mentions": 3},
    }))
    .unwrap();
    for rule in RuleKind::ALL {
        settings.enable(rule);
    }
    settings
}

struct Generated {
    /// What the generator meant it to be: "chat", "flood", "caps", "link", "invite", "word" or
    /// "mentions".
    kind: &'static str,
    author: u64,
    content: String,
    user_mentions: usize,
}

fn chat_line(random: &mut Random) -> String {
    let length = 4 + random.below(14);
    let mut words: Vec<&str> = (0..length).map(|_| random.pick(CHAT)).collect();
    if random.below(4) == 0 {
        words[0] = "Hey";
    }
    let mut line = words.join(" ");
    if random.below(3) == 0 {
        line.push('?');
    }
    line
}

/// The message mix: mostly chat, some spam floods, shouting, links, invites, listed words and
/// mentions. Returns the messages and how many of each kind were generated.
fn messages(count: usize, members: u64, words: &[String]) -> Vec<Generated> {
    let mut random = Random(42);
    let mut generated = Vec::with_capacity(count);
    while generated.len() < count {
        let author = 1 + random.next() % members;
        let roll = random.below(100);
        let (kind, content, user_mentions) = match roll {
            0..=79 => ("chat", chat_line(&mut random), 0),
            80..=85 => {
                // A flood: the same member posts reworded spam several times in a row.
                for _ in 0..4 {
                    generated.push(Generated {
                        kind: "flood",
                        author,
                        content: random.pick(SPAM).to_owned(),
                        user_mentions: 0,
                    });
                }
                continue;
            }
            86..=88 => ("caps", chat_line(&mut random).to_uppercase(), 0),
            89..=92 => {
                let domain = if random.below(2) == 0 {
                    "https://www.youtube.com/watch?v=dQw4w9WgXcQ".to_owned()
                } else {
                    format!("https://scam{}.example/login", random.below(150))
                };
                ("link", format!("{} {domain}", chat_line(&mut random)), 0)
            }
            93..=94 => {
                let code = if random.below(2) == 0 {
                    "guildhall"
                } else {
                    "fr33stuff"
                };
                (
                    "invite",
                    format!("join us at discord.gg/{code} for more"),
                    0,
                )
            }
            95..=97 => {
                let word = &words[random.below(words.len())];
                ("word", format!("{} {word}", chat_line(&mut random)), 0)
            }
            _ => {
                let count = 1 + random.below(8);
                let mentions: Vec<String> = (0..count)
                    .map(|index| format!("<@{}>", 1_000 + index))
                    .collect();
                (
                    "mentions",
                    format!("{} look at this", mentions.join(" ")),
                    count,
                )
            }
        };
        generated.push(Generated {
            kind,
            author,
            content,
            user_mentions,
        });
    }
    generated.truncate(count);
    generated
}

fn input(message: &Generated) -> MessageInput<'_> {
    MessageInput {
        guild: GuildId::new(1),
        channel: ChannelId::new(2),
        author: UserId::new(message.author),
        author_roles: &[],
        author_can_mention_everyone: false,
        content: &message.content,
        user_mentions: message.user_mentions,
        role_mentions: 0,
        mentions_everyone: false,
        is_bot: false,
    }
}

fn row(name: &str, figure: &str) {
    println!("{name:<62} {figure}");
}

fn throughput(rules: &CompiledRules, batch: &[Generated], name: &str) {
    let mut state = AutomodState::new();
    let mut now = 1_700_000_000_000i64;
    // Warm up the caches and the spam windows.
    for message in batch.iter().take(10_000) {
        now += 20;
        black_box(rules.check(&mut state, &input(message), UnixMillis(now)));
    }
    let mut checked = 0u64;
    let mut fired = 0u64;
    let mut by_rule = std::collections::BTreeMap::<&str, u64>::new();
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(2) {
        for message in batch {
            // 50 messages a second in the guild.
            now += 20;
            let verdict = rules.check(&mut state, &input(message), UnixMillis(now));
            fired += u64::from(!verdict.is_clean());
            for hit in &verdict.hits {
                *by_rule.entry(hit.rule.name()).or_default() += 1;
            }
            checked += 1;
        }
    }
    let elapsed = started.elapsed();
    let per_second = checked as f64 / elapsed.as_secs_f64();
    row(
        name,
        &format!(
            "{per_second:>10.0} msg/s  {:>6.2} µs/msg  ({:.1}% fired)",
            1e6 / per_second,
            100.0 * fired as f64 / checked as f64
        ),
    );
    let rules: Vec<String> = by_rule
        .iter()
        .map(|(rule, hits)| format!("{rule} {:.1}%", 100.0 * *hits as f64 / checked as f64))
        .collect();
    row("", &format!("  hits: {}", rules.join(", ")));
}

fn resident_bytes() -> Option<usize> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmRSS:"))?;
    let kib: usize = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// The spam-window settings measured for memory: a name and how to widen the rule set.
fn memory_variants() -> Vec<(&'static str, AutomodSettings, usize)> {
    let settings = settings();
    let mut widest = settings.clone();
    widest.spam.max_messages = 30;
    widest.spam.window_secs = 300;
    widest.duplicates.max_duplicates = 15;
    widest.duplicates.window_secs = 3_600;
    vec![
        (
            "memory, default windows (ring of 6), 1 message per member",
            settings.clone(),
            1,
        ),
        (
            "memory, default windows (ring of 6), 6 messages per member",
            settings,
            6,
        ),
        (
            "memory, widest windows (ring of 32), 1 message per member",
            widest.clone(),
            1,
        ),
        (
            "memory, widest windows (ring of 32), 32 messages per member",
            widest,
            32,
        ),
    ]
}

/// Measures one variant; run in a child process each, so the resident-size difference is not
/// hidden by memory the allocator kept from an earlier measurement.
fn memory(variant: usize) {
    let Some((name, settings, messages_per_member)) = memory_variants().into_iter().nth(variant)
    else {
        return;
    };
    let rules = compile(&settings).unwrap();
    let members = 100_000u64;
    let texts: Vec<String> = (0..messages_per_member)
        .map(|index| format!("a message long enough to fingerprint, number {index}"))
        .collect();
    let before = resident_bytes();
    let mut state = AutomodState::new();
    let now = 1_700_000_000_000i64;
    for (round, text) in texts.iter().enumerate() {
        for member in 1..=members {
            let message = MessageInput {
                guild: GuildId::new(1),
                channel: ChannelId::new(2),
                author: UserId::new(member),
                author_roles: &[],
                author_can_mention_everyone: false,
                content: text,
                user_mentions: 0,
                role_mentions: 0,
                mentions_everyone: false,
                is_bot: false,
            };
            rules.check(&mut state, &message, UnixMillis(now + round as i64 * 10));
        }
    }
    let after = resident_bytes();
    let counted = state.window_bytes() as f64 / state.tracked_members() as f64;
    let resident = match (before, after) {
        (Some(before), Some(after)) => format!(
            "{:>4.0} B/member resident",
            after.saturating_sub(before) as f64 / members as f64
        ),
        _ => "resident size unknown".to_owned(),
    };
    row(
        name,
        &format!(
            "{counted:>4.0} B/member by capacity, {resident} ({} members)",
            state.tracked_members()
        ),
    );
    black_box(state);
}

fn disable(settings: &mut AutomodSettings, rule: RuleKind) {
    match rule {
        RuleKind::Spam => settings.spam.enabled = false,
        RuleKind::Duplicates => settings.duplicates.enabled = false,
        RuleKind::Caps => settings.caps.enabled = false,
        RuleKind::Invites => settings.invites.enabled = false,
        RuleKind::Links => settings.links.enabled = false,
        RuleKind::BadWords => settings.bad_words.enabled = false,
        RuleKind::BadPatterns => settings.bad_patterns.enabled = false,
        RuleKind::Mentions => settings.mentions.enabled = false,
    }
}

fn main() {
    let arguments: Vec<String> = std::env::args().collect();
    if let Some(at) = arguments
        .iter()
        .position(|argument| argument == "--memory-child")
    {
        memory(arguments[at + 1].parse().unwrap());
        return;
    }
    let settings = settings();
    let started = Instant::now();
    let rules = compile(&settings).unwrap();
    let compiled_in = started.elapsed();
    let words = word_list(500);
    let batch = messages(50_000, 2_000, &words);
    let average = batch.iter().map(|m| m.content.len()).sum::<usize>() as f64 / batch.len() as f64;

    println!("automod: all 8 rule kinds on, 500 listed words, 20 patterns, 102 denied domains");
    println!(
        "one thread; {} messages from 2,000 members, {average:.0} bytes on average",
        batch.len()
    );
    row(
        "compile the rule set",
        &format!("{:.2} ms", compiled_in.as_secs_f64() * 1e3),
    );
    throughput(
        &rules,
        &batch,
        "check, realistic mix (80% chat, floods, caps, links, ...)",
    );
    let clean: Vec<Generated> = batch
        .iter()
        .filter(|message| message.kind == "chat")
        .map(|message| Generated {
            kind: message.kind,
            author: message.author,
            content: message.content.clone(),
            user_mentions: message.user_mentions,
        })
        .collect();
    throughput(&rules, &clean, "check, clean chat only");
    for rule in RuleKind::ALL {
        let mut alone = settings.clone();
        for other in RuleKind::ALL {
            if other != rule {
                disable(&mut alone, other);
            }
        }
        let name = format!("check, {} alone", rule.name());
        throughput(&compile(&alone).unwrap(), &batch, &name);
    }
    println!();
    println!("spam windows: a ring of up to {MAX_RING} entries of 16 B per member, in a hash map");
    let exe = std::env::current_exe().unwrap();
    for variant in 0..memory_variants().len() {
        std::process::Command::new(&exe)
            .args(["--memory-child", &variant.to_string()])
            .status()
            .unwrap();
    }
}
