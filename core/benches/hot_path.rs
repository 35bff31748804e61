//! Figures for the message path as the bot runs it, on one thread: the cached settings read,
//! automod (every rule kind on: 500 listed words, 12 patterns, spam windows), the trigger
//! engine (200 keyword triggers of every match kind and 20 regex triggers, with member
//! cooldowns on memory coordination), and text XP (`LevelService::on_message`, memory
//! cooldowns). Run twice over the same messages: without triggers and with them. Prints a
//! table; asserts nothing.
//!
//! `cargo bench -p guildhall-core --bench hot_path`

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use guildhall_core::automation::{
    AutomationSettings, CompiledTriggers, MatchKind, Trigger, TriggerInput,
};
use guildhall_core::automod::{AutomodSettings, AutomodState, MessageInput, RuleKind, compile};
use guildhall_core::clock::{Clock as _, ManualClock, SharedClock, UnixMillis};
use guildhall_core::coordination::{Cooldown, Coordination, Key, MemoryCoordination};
use guildhall_core::guild_config::GuildConfigService;
use guildhall_core::ids::{ChannelId, GuildId, MessageId, UserId};
use guildhall_core::levels::{LevelService, MessageFacts};
use guildhall_core::testing;
use serde_json::json;

const GUILD: GuildId = GuildId::new(1_083_124_816_349_421_618);
const MEMBERS: u64 = 5_000;

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
}

const CHAT: &[&str] = &[
    "the", "a", "to", "and", "is", "it", "you", "that", "in", "for", "on", "with", "this", "was",
    "have", "but", "not", "are", "be", "just", "game", "tonight", "server", "anyone", "play",
    "lol", "nice", "thanks", "what", "when", "how", "build", "rust", "help", "code", "bug",
];

fn keyword(index: usize) -> String {
    let onsets = ["pl", "tr", "gl", "fr", "sn", "cl", "bl", "st", "gr", "sp"];
    let middles = ["ay", "ee", "oo", "ai", "ow"];
    let codas = ["nd", "st", "rk", "mp", "sh"];
    format!(
        "{}{}{}{}",
        onsets[index % 10],
        middles[(index / 10) % 5],
        codas[(index / 50) % 5],
        index / 250
    )
}

fn triggers() -> AutomationSettings {
    let kinds = [
        MatchKind::Word,
        MatchKind::Contains,
        MatchKind::StartsWith,
        MatchKind::Exact,
    ];
    let mut triggers: Vec<Trigger> = (0..200)
        .map(|index| Trigger {
            name: format!("keyword {index}"),
            kind: kinds[index % kinds.len()],
            pattern: keyword(index),
            response: "Hi {user}, see {channel}".into(),
            cooldown_secs: 30,
            ..Trigger::default()
        })
        .collect();
    triggers.extend((0..20).map(|index| Trigger {
        name: format!("regex {index}"),
        kind: MatchKind::Regex,
        pattern: format!(r"\b(?:order|ticket)\s*#?{index}\d{{3}}\b"),
        response: "Looking up your order, {user.name}".into(),
        cooldown_secs: 30,
        ..Trigger::default()
    }));
    AutomationSettings {
        triggers,
        ..AutomationSettings::default()
    }
}

fn automod() -> AutomodSettings {
    let words: Vec<String> = (0..500).map(|index| format!("zq{index}x")).collect();
    let mut settings: AutomodSettings = serde_json::from_value(json!({
        "spam": {"max_messages": 5, "window_secs": 5},
        "duplicates": {"similarity": 0.8, "max_duplicates": 2, "window_secs": 60},
        "caps": {"ratio": 0.7, "min_letters": 10},
        "invites": {"allowed_codes": ["guildhall"]},
        "links": {"mode": "deny_list", "deny_domains": ["scam.example"]},
        "bad_words": {"words": words},
        "bad_patterns": {"patterns": [
            r"fr[e3]{2}\s*n[i1]tr[o0]", r"steam\s*(?:gift|card)\s*(?:free|giveaway)",
            r"crypto\s*air\s*drop", r"click\s+(?:here|this)\s+to\s+claim",
            r"n[i1]tr[o0]\s+(?:gen|generator)", r"(?:selling|buying)\s+accounts?",
            r"\bgr[a4]bify\b", r"ip\s*logger", r"b[i1]tc[o0][i1]n\s+giveaway",
            r"only\s*fans\.com", r"(?:dm|message)\s+me\s+for\s+(?:free|cheap)",
            r"(?:earn|make)\s+\$?\d+\s*k?\s*(?:a|per)\s*(?:day|week)",
        ]},
        "mentions": {"max_user_mentions": 5, "max_role_mentions": 3},
    }))
    .unwrap();
    for rule in RuleKind::ALL {
        settings.enable(rule);
    }
    settings
}

/// Chat lines; one in 20 says a trigger's keyword, one in 100 an order number.
fn messages(count: usize) -> Vec<(u64, String)> {
    let mut random = Random(7);
    (0..count)
        .map(|_| {
            let author = random.next() % MEMBERS;
            let length = 4 + random.below(14);
            let mut words: Vec<String> = (0..length)
                .map(|_| CHAT[random.below(CHAT.len())].to_owned())
                .collect();
            match random.below(100) {
                0..=4 => {
                    let at = random.below(words.len());
                    words[at] = keyword(random.below(200));
                }
                5 => words.push(format!("order #{}123", random.below(20))),
                _ => {}
            }
            (author, words.join(" "))
        })
        .collect()
}

fn row(name: &str, figure: &str) {
    println!("{name:<70} {figure}");
}

async fn run(with_triggers: bool, with_logging: bool, batch: &[(u64, String)]) -> (f64, u64) {
    let test_db = testing::sqlite_unmigrated().await;
    test_db.db.migrate().await.unwrap();
    let clock = ManualClock::new(UnixMillis(1_700_000_000_000));
    let shared: SharedClock = Arc::new(clock.clone());
    let coordination: Arc<dyn Coordination> =
        Arc::new(MemoryCoordination::new(Arc::clone(&shared)));
    let config = Arc::new(GuildConfigService::new(
        test_db.db.clone(),
        Arc::clone(&shared),
        Arc::clone(&coordination),
    ));
    config
        .set_key(GUILD, "features.levels", "on", "bench")
        .await
        .unwrap();
    if with_logging {
        for (key, value) in [
            ("features.logging", "on"),
            ("logging.messages_channel", "900000000000000001"),
        ] {
            config.set_key(GUILD, key, value, "bench").await.unwrap();
        }
    }
    config.get(GUILD).await.unwrap();
    // The message log's store of message text: a push into its in-memory queue (written
    // behind, never on this path).
    let recent = guildhall_core::recent_messages::RecentMessages::new(test_db.db.clone());
    let levels = LevelService::new(
        test_db.db.clone(),
        Arc::clone(&shared),
        Arc::clone(&coordination),
        Arc::clone(&config),
    );
    let rules = compile(&automod()).unwrap();
    let engine = CompiledTriggers::compile(&triggers(), true);
    let mut state = AutomodState::new();
    let channel = ChannelId::new(20);
    let mut fired = 0u64;
    let started = Instant::now();
    for (index, (author, content)) in batch.iter().enumerate() {
        clock.advance(Duration::from_millis(20));
        let now = clock.now();
        let settings = config.cached(GUILD).unwrap();
        let author = UserId::new(300_000_000_000_000_000 + author);
        let verdict = rules.check(
            &mut state,
            &MessageInput {
                guild: GUILD,
                channel,
                author,
                author_roles: &[],
                author_can_mention_everyone: false,
                content,
                user_mentions: 0,
                role_mentions: 0,
                mentions_everyone: false,
                is_bot: false,
            },
            now,
        );
        let caught = !verdict.is_clean();
        if with_triggers && !caught {
            let input = TriggerInput {
                content,
                channel,
                parent: None,
                roles: &[],
            };
            for (_, trigger) in engine.candidates(&input) {
                let key = Key::guild(
                    GUILD,
                    "automation.trigger",
                    format!("{}:m{author}", trigger.name),
                );
                if matches!(
                    coordination
                        .try_cooldown(&key, Duration::from_secs(u64::from(trigger.cooldown_secs)))
                        .await,
                    Ok(Cooldown::Started)
                ) {
                    fired += 1;
                    break;
                }
            }
        }
        black_box(
            levels
                .on_message(&MessageFacts {
                    guild: GUILD,
                    user: author,
                    channel,
                    parent: None,
                    roles: &[],
                    is_bot: false,
                    caught_by_automod: caught,
                })
                .await
                .unwrap(),
        );
        if guildhall_core::logging::keeps_content(&settings, channel) {
            recent.record(
                GUILD,
                guildhall_core::recent_messages::RecentMessage {
                    channel,
                    message: MessageId::new(index as u64 + 1),
                    author,
                    author_is_bot: false,
                    author_roles: Vec::new(),
                    content: content.clone(),
                    attachments: 0,
                    user_mentions: 0,
                    role_mentions: 0,
                    mentions_everyone: false,
                    created_at: now,
                    edited_at: None,
                    attachment_names: Vec::new(),
                },
            );
        }
        black_box((settings, MessageId::new(index as u64 + 1)));
    }
    let elapsed = started.elapsed();
    (batch.len() as f64 / elapsed.as_secs_f64(), fired)
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let batch = messages(200_000);
    println!(
        "hot path, one thread: settings read + automod (all rule kinds) + text XP, 5,000 members, 200,000 messages\n"
    );
    let (without, _) = runtime.block_on(run(false, false, &batch));
    let (with, fired) = runtime.block_on(run(true, false, &batch));
    let (logged, _) = runtime.block_on(run(true, true, &batch));
    row(
        "without triggers",
        &format!("{without:.0} messages/s ({:.2} µs each)", 1e6 / without),
    );
    row(
        "with 200 keyword + 20 regex triggers (member cooldowns 30 s)",
        &format!("{with:.0} messages/s ({:.2} µs each)", 1e6 / with),
    );
    row("  triggers fired", &fired.to_string());
    row(
        "with triggers and the message log (each message's text queued for it)",
        &format!("{logged:.0} messages/s ({:.2} µs each)", 1e6 / logged),
    );
    let engine = CompiledTriggers::compile(&triggers(), true);
    let started = Instant::now();
    let mut matched = 0usize;
    for (_, content) in &batch {
        matched += engine.matches(content).len();
    }
    let elapsed = started.elapsed();
    row(
        "trigger matching alone (220 triggers, one pass)",
        &format!(
            "{:.0} messages/s ({:.2} µs each, {matched} matches)",
            batch.len() as f64 / elapsed.as_secs_f64(),
            elapsed.as_secs_f64() * 1e6 / batch.len() as f64
        ),
    );
}
