//! A traffic generator for demos and load: chatter, joins and leaves, voice activity,
//! reactions and occasional spam bursts, paced at a configurable rate with a seeded RNG.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use guildhall_core::ids::{ChannelId, GuildId, MessageId, UserId};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tokio_util::sync::CancellationToken;

use crate::model::ChannelKind;
use crate::script::UserSpec;
use crate::{Sandbox, lock};

const CHATTER: [&str; 16] = [
    "hey everyone!",
    "anyone up for a game tonight?",
    "just pushed my first PR, wish me luck",
    "lol that's amazing",
    "does anyone know how to fix a borrow checker error?",
    "good morning :)",
    "that patch broke everything again",
    "brb coffee",
    "who's joining voice later?",
    "check out this cool thing I made",
    "I think the event starts at 6pm UTC",
    "thanks for the help yesterday!",
    "gg",
    "can a mod pin the rules?",
    "what's everyone reading?",
    "new here, hi!",
];
const SPAM: [&str; 4] = [
    "FREE NITRO CLICK HERE discord-gift.example",
    "BUY FOLLOWERS NOW!!!",
    "JOIN MY SERVER JOIN MY SERVER",
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
];
const EMOJI: [&str; 6] = ["👍", "😂", "🎉", "❤️", "👀", "🔥"];

/// How the generator behaves.
#[derive(Debug, Clone)]
pub struct TrafficOptions {
    /// The RNG seed; the same seed gives the same sequence of choices.
    pub seed: u64,
    /// Events per second.
    pub events_per_second: f64,
    /// Guilds to drive (None: every guild).
    pub guilds: Option<Vec<GuildId>>,
    /// The chance that an event is a spam burst.
    pub spam_probability: f64,
    /// Stop after this many events (None: until stopped).
    pub max_events: Option<u64>,
}

impl Default for TrafficOptions {
    fn default() -> Self {
        Self {
            seed: 42,
            events_per_second: 5.0,
            guilds: None,
            spam_probability: 0.03,
            max_events: None,
        }
    }
}

/// What the generator did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrafficCounts {
    /// Ordinary messages.
    pub messages: u64,
    /// Edits.
    pub edits: u64,
    /// Members who joined.
    pub joins: u64,
    /// Members who left.
    pub leaves: u64,
    /// Voice joins, leaves, mutes and deafens.
    pub voice: u64,
    /// Reactions added or removed.
    pub reactions: u64,
    /// Spam bursts.
    pub spam_bursts: u64,
    /// Messages sent inside spam bursts.
    pub spam_messages: u64,
    /// Clicks on the first button of a bot's message (a ticket panel, a giveaway's entry).
    pub clicks: u64,
}

impl TrafficCounts {
    /// All events.
    pub fn total(&self) -> u64 {
        self.messages
            + self.edits
            + self.joins
            + self.leaves
            + self.voice
            + self.reactions
            + self.spam_bursts
            + self.clicks
    }
}

/// A running generator; stops when dropped or on [`TrafficHandle::stop`].
#[derive(Debug)]
pub struct TrafficHandle {
    cancel: CancellationToken,
    counts: Arc<Mutex<TrafficCounts>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl TrafficHandle {
    /// What it has done so far.
    pub fn counts(&self) -> TrafficCounts {
        lock(&self.counts).clone()
    }

    /// Stops it and returns what it did.
    pub async fn stop(mut self) -> TrafficCounts {
        self.cancel.cancel();
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
        self.counts()
    }

    /// Waits until it has finished `max_events`, or `within` has passed.
    pub async fn finished(&mut self, within: Duration) -> TrafficCounts {
        if let Some(task) = self.task.as_mut() {
            let _ = tokio::time::timeout(within, task).await;
        }
        self.counts()
    }
}

impl Drop for TrafficHandle {
    fn drop(&mut self) {
        self.cancel.cancel();
    }
}

/// The generator.
#[derive(Debug)]
pub struct Traffic;

struct Driver {
    sandbox: Sandbox,
    rng: StdRng,
    counts: Arc<Mutex<TrafficCounts>>,
    spam_probability: f64,
    guilds: Option<Vec<GuildId>>,
    recent: Vec<(ChannelId, MessageId, UserId)>,
    joined: u64,
}

impl Traffic {
    /// Starts generating traffic on a tokio runtime.
    pub fn start(sandbox: Sandbox, options: TrafficOptions) -> TrafficHandle {
        let cancel = CancellationToken::new();
        let counts = Arc::new(Mutex::new(TrafficCounts::default()));
        let mut driver = Driver {
            sandbox,
            rng: StdRng::seed_from_u64(options.seed),
            counts: counts.clone(),
            spam_probability: options.spam_probability,
            guilds: options.guilds.clone(),
            recent: Vec::new(),
            joined: 0,
        };
        let stop = cancel.clone();
        let period = Duration::from_secs_f64(1.0 / options.events_per_second.max(0.001));
        let max = options.max_events;
        let task = tokio::spawn(async move {
            let mut ticker = tokio::time::interval(period);
            let mut done = 0_u64;
            loop {
                tokio::select! {
                    () = stop.cancelled() => break,
                    _ = ticker.tick() => {
                        driver.step();
                        done += 1;
                        if max.is_some_and(|m| done >= m) {
                            break;
                        }
                    }
                }
            }
        });
        TrafficHandle {
            cancel,
            counts,
            task: Some(task),
        }
    }
}

impl Driver {
    fn count(&self, f: impl FnOnce(&mut TrafficCounts)) {
        f(&mut lock(&self.counts));
    }

    fn pick<T: Clone>(&mut self, items: &[T]) -> Option<T> {
        if items.is_empty() {
            return None;
        }
        let i = self.rng.random_range(0..items.len());
        items.get(i).cloned()
    }

    fn step(&mut self) {
        let guilds: Vec<GuildId> = match &self.guilds {
            Some(list) => list.clone(),
            None => {
                let state = self.sandbox.inner.lock();
                state.world.guilds.keys().copied().collect()
            }
        };
        let Some(guild) = self.pick(&guilds) else {
            return;
        };
        let Some(g) = self.sandbox.guild(guild) else {
            return;
        };
        let bot = self.sandbox.bot_user();
        let members: Vec<UserId> = g
            .members
            .keys()
            .copied()
            .filter(|u| *u != bot && *u != g.owner)
            .collect();
        let text: Vec<ChannelId> = self
            .sandbox
            .channels(guild, Some(ChannelKind::Text))
            .iter()
            .map(|c| c.id)
            .collect();
        let voice: Vec<ChannelId> = self
            .sandbox
            .channels(guild, Some(ChannelKind::Voice))
            .iter()
            .map(|c| c.id)
            .collect();
        let (Some(user), Some(channel)) = (self.pick(&members), self.pick(&text)) else {
            return;
        };
        if self.rng.random_bool(self.spam_probability.clamp(0.0, 1.0)) {
            self.spam(guild, channel, user);
            return;
        }
        let roll = self.rng.random_range(0..100);
        match roll {
            0..=54 => {
                let line = self.pick(&CHATTER).unwrap_or("hi");
                let id = self.sandbox.say(guild, channel, user, line);
                self.recent.push((channel, id, user));
                if self.recent.len() > 50 {
                    self.recent.remove(0);
                }
                self.count(|c| c.messages += 1);
            }
            55..=59 => {
                if let Some((c, m, _)) = self.pick(&self.recent.clone())
                    && self.sandbox.messages(c).iter().any(|x| x.id == m)
                {
                    self.sandbox.edit(c, m, "(edited) nvm, figured it out");
                    self.count(|c| c.edits += 1);
                }
            }
            60..=74 => {
                if let Some((c, m, _)) = self.pick(&self.recent.clone())
                    && self.sandbox.messages(c).iter().any(|x| x.id == m)
                {
                    let emoji = self.pick(&EMOJI).unwrap_or("👍");
                    if self.rng.random_bool(0.8) {
                        self.sandbox.react(c, m, user, emoji);
                    } else {
                        self.sandbox.unreact(c, m, user, emoji);
                    }
                    self.count(|c| c.reactions += 1);
                }
            }
            75..=84 => {
                let in_voice = g.voice.contains_key(&user);
                match (in_voice, self.rng.random_range(0..4)) {
                    (false, _) => {
                        if let Some(v) = self.pick(&voice) {
                            self.sandbox.voice_join(guild, v, user);
                        }
                    }
                    (true, 0) => self.sandbox.voice_leave(guild, user),
                    (true, 1) => {
                        let muted = self.rng.random_bool(0.5);
                        self.sandbox.voice_mute(guild, user, muted);
                    }
                    (true, 2) => {
                        let deaf = self.rng.random_bool(0.3);
                        self.sandbox.voice_deafen(guild, user, deaf);
                    }
                    (true, _) => {
                        if let Some(v) = self.pick(&voice) {
                            self.sandbox.voice_join(guild, v, user);
                        }
                    }
                }
                self.count(|c| c.voice += 1);
            }
            85..=94 => {
                self.joined += 1;
                let name = format!("newbie_{}_{}", self.rng.random_range(100..999), self.joined);
                self.sandbox.member_join(guild, UserSpec::named(&name));
                self.count(|c| c.joins += 1);
            }
            95..=97 => {
                if self.click_a_bot_button(guild, &text, user) {
                    self.count(|c| c.clicks += 1);
                }
            }
            _ => {
                let is_admin = |u: &UserId| g.members.get(u).is_some_and(|m| !m.roles.is_empty());
                if !is_admin(&user) && members.len() > 5 {
                    self.sandbox.member_leave(guild, user);
                    self.recent.retain(|(_, _, u)| *u != user);
                    self.count(|c| c.leaves += 1);
                }
            }
        }
    }

    /// `user` (or, half the time, a member the message pings) presses the first button of the
    /// newest bot message with buttons in one of `channels`, as a member opening a ticket,
    /// entering a giveaway or claiming a prize would. False when no channel has one.
    fn click_a_bot_button(&mut self, guild: GuildId, channels: &[ChannelId], user: UserId) -> bool {
        let bot = self.sandbox.bot_user();
        let mut buttons = Vec::new();
        for channel in channels {
            let newest = self
                .sandbox
                .messages(*channel)
                .into_iter()
                .rev()
                .filter(|message| message.author == bot)
                .find_map(|message| {
                    let first = message
                        .components
                        .iter()
                        .flat_map(|row| row["components"].as_array().cloned().unwrap_or_default())
                        .find_map(|component| component["custom_id"].as_str().map(str::to_owned))?;
                    Some((message.id, first, message.mentions.clone()))
                });
            if let Some((message, custom_id, mentioned)) = newest {
                buttons.push((*channel, message, custom_id, mentioned));
            }
        }
        let Some((channel, message, custom_id, mentioned)) = self.pick(&buttons) else {
            return false;
        };
        // A message that pings members (a giveaway's winners) is usually answered by one of
        // them: they press its button (Claim prize) more often than a passer-by would.
        let members = self
            .sandbox
            .guild(guild)
            .map(|g| g.members)
            .unwrap_or_default();
        let addressed: Vec<UserId> = mentioned
            .into_iter()
            .filter(|mentioned| members.contains_key(mentioned))
            .collect();
        let clicker = if !addressed.is_empty() && self.rng.random_bool(0.5) {
            self.pick(&addressed).unwrap_or(user)
        } else {
            user
        };
        self.sandbox
            .click(guild, channel, clicker, message, &custom_id);
        true
    }

    fn spam(&mut self, guild: GuildId, channel: ChannelId, user: UserId) {
        let base = self.pick(&SPAM).unwrap_or("spam");
        let burst = self.rng.random_range(4..9);
        let members: Vec<UserId> = self
            .sandbox
            .guild(guild)
            .map(|g| g.members.keys().copied().collect())
            .unwrap_or_default();
        for i in 0..burst {
            let line = match self.rng.random_range(0..3) {
                0 => base.to_owned(),
                1 => format!("{base} {}", "!".repeat(i + 1)),
                _ => {
                    let pings: Vec<String> =
                        members.iter().take(8).map(|m| format!("<@{m}>")).collect();
                    format!("{} {}", base.to_uppercase(), pings.join(" "))
                }
            };
            let id = self.sandbox.say(guild, channel, user, &line);
            self.recent.push((channel, id, user));
        }
        let burst = u64::try_from(burst).unwrap_or(0);
        self.count(|c| {
            c.spam_bursts += 1;
            c.spam_messages += burst;
        });
    }
}
