//! Live state of the running process that is not in the database: shard status, event rates
//! and a stream of log lines. The bot writes it, the web's admin API and `/metrics` read it;
//! both only see this type, so the web never depends on the bot.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;

use crate::clock::UnixMillis;
use crate::ids::GuildId;

/// Where a shard's connection is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ShardStage {
    /// Opening the websocket or identifying.
    Connecting,
    /// READY (or RESUMED) received: events flow.
    Connected,
    /// Resuming after a drop.
    Resuming,
    /// Not connected.
    Disconnected,
}

/// One shard as the operator sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShardStatus {
    /// The shard id.
    pub id: u32,
    /// Shards in the deployment.
    pub total: u32,
    /// The connection's stage.
    pub stage: ShardStage,
    /// Heartbeat round trip, when known.
    pub latency_ms: Option<u64>,
    /// Guilds on this shard.
    pub guilds: u64,
    /// Events received on this shard.
    pub events: u64,
    /// When the stage last changed.
    pub since: UnixMillis,
}

/// One log line from the running process.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogLine {
    /// When.
    pub at: UnixMillis,
    /// `ERROR`, `WARN`, `INFO`, `DEBUG` or `TRACE`.
    pub level: String,
    /// The module that logged it.
    pub target: String,
    /// The message with its fields (`key=value`).
    pub message: String,
    /// The guild it concerns, when a `guild` field was logged.
    pub guild: Option<GuildId>,
}

impl LogLine {
    /// Whether the line is at least as severe as `level` (a level name, case-insensitive).
    pub fn at_least(&self, level: &str) -> bool {
        severity(&self.level) >= severity(level)
    }
}

/// Orders level names: TRACE < DEBUG < INFO < WARN < ERROR; unknown names count as TRACE.
pub fn severity(level: &str) -> u8 {
    match level.to_ascii_uppercase().as_str() {
        "ERROR" => 4,
        "WARN" | "WARNING" => 3,
        "INFO" => 2,
        "DEBUG" => 1,
        _ => 0,
    }
}

/// Event counts over time, for rates.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventRates {
    /// Events since start.
    pub total: u64,
    /// Events in each of the last 60 seconds, oldest first.
    pub per_second: Vec<u64>,
    /// Events since start, by gateway event name.
    pub by_name: BTreeMap<String, u64>,
}

const RECENT_LOGS: usize = 500;
const SECONDS_KEPT: usize = 60;

/// The live state, shared by the bot, the web server and `/metrics`.
#[derive(Debug)]
pub struct Live {
    shards: Mutex<BTreeMap<u32, ShardStatus>>,
    events_total: AtomicU64,
    events: Mutex<EventWindow>,
    logs: broadcast::Sender<LogLine>,
    recent: Mutex<VecDeque<LogLine>>,
    commands: Mutex<BTreeMap<(String, String), CommandCount>>,
    started: UnixMillis,
}

/// Runs of one command with one outcome.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommandCount {
    /// Runs.
    pub runs: u64,
    /// Total latency in milliseconds.
    pub total_ms: u64,
}

#[derive(Debug, Default)]
struct EventWindow {
    by_name: BTreeMap<String, u64>,
    seconds: VecDeque<(i64, u64)>,
}

impl Live {
    /// Empty live state for a process started at `started`.
    pub fn new(started: UnixMillis) -> Self {
        let (logs, _) = broadcast::channel(4_096);
        Self {
            shards: Mutex::new(BTreeMap::new()),
            events_total: AtomicU64::new(0),
            events: Mutex::new(EventWindow::default()),
            logs,
            recent: Mutex::new(VecDeque::with_capacity(RECENT_LOGS)),
            commands: Mutex::new(BTreeMap::new()),
            started,
        }
    }

    /// When the process started.
    pub fn started(&self) -> UnixMillis {
        self.started
    }

    /// Records a shard's stage (and latency or guild count when known).
    pub fn set_shard(&self, id: u32, total: u32, stage: ShardStage, now: UnixMillis) {
        let mut shards = lock(&self.shards);
        let shard = shards.entry(id).or_insert(ShardStatus {
            id,
            total,
            stage,
            latency_ms: None,
            guilds: 0,
            events: 0,
            since: now,
        });
        if shard.stage != stage {
            shard.since = now;
        }
        shard.stage = stage;
        shard.total = total;
    }

    /// Records a shard's heartbeat latency.
    pub fn set_shard_latency(&self, id: u32, latency_ms: u64) {
        if let Some(shard) = lock(&self.shards).get_mut(&id) {
            shard.latency_ms = Some(latency_ms);
        }
    }

    /// Records how many guilds a shard holds.
    pub fn set_shard_guilds(&self, id: u32, guilds: u64) {
        if let Some(shard) = lock(&self.shards).get_mut(&id) {
            shard.guilds = guilds;
        }
    }

    /// Every shard, by id.
    pub fn shards(&self) -> Vec<ShardStatus> {
        lock(&self.shards).values().cloned().collect()
    }

    /// Counts one gateway event.
    pub fn count_event(&self, shard: Option<u32>, name: &str, now: UnixMillis) {
        self.events_total.fetch_add(1, Ordering::Relaxed);
        if let Some(id) = shard
            && let Some(status) = lock(&self.shards).get_mut(&id)
        {
            status.events += 1;
        }
        let second = now.0 / 1_000;
        let mut window = lock(&self.events);
        *window.by_name.entry(name.to_owned()).or_default() += 1;
        match window.seconds.back_mut() {
            Some((last, count)) if *last == second => *count += 1,
            _ => window.seconds.push_back((second, 1)),
        }
        while window
            .seconds
            .front()
            .is_some_and(|(first, _)| second - first >= SECONDS_KEPT as i64)
        {
            window.seconds.pop_front();
        }
    }

    /// Event totals and the last minute, second by second.
    pub fn event_rates(&self, now: UnixMillis) -> EventRates {
        let second = now.0 / 1_000;
        let window = lock(&self.events);
        let per_second = (0..SECONDS_KEPT as i64)
            .rev()
            .map(|back| {
                let at = second - back;
                window
                    .seconds
                    .iter()
                    .find(|(s, _)| *s == at)
                    .map_or(0, |(_, count)| *count)
            })
            .collect();
        EventRates {
            total: self.events_total.load(Ordering::Relaxed),
            per_second,
            by_name: window.by_name.clone(),
        }
    }

    /// Counts one command run (`outcome`: ok, user_error, refused, error).
    pub fn count_command(&self, command: &str, outcome: &str, latency_ms: u64) {
        let mut commands = lock(&self.commands);
        let count = commands
            .entry((command.to_owned(), outcome.to_owned()))
            .or_default();
        count.runs += 1;
        count.total_ms += latency_ms;
    }

    /// Command runs since start, by command and outcome.
    pub fn command_counts(&self) -> Vec<(String, String, CommandCount)> {
        lock(&self.commands)
            .iter()
            .map(|((command, outcome), count)| (command.clone(), outcome.clone(), *count))
            .collect()
    }

    /// Publishes a log line to followers and keeps it among the recent ones.
    pub fn log(&self, line: LogLine) {
        let mut recent = lock(&self.recent);
        if recent.len() == RECENT_LOGS {
            recent.pop_front();
        }
        recent.push_back(line.clone());
        drop(recent);
        let _ = self.logs.send(line);
    }

    /// The last log lines (up to 500), oldest first.
    pub fn recent_logs(&self) -> Vec<LogLine> {
        lock(&self.recent).iter().cloned().collect()
    }

    /// Follows log lines from now on.
    pub fn follow_logs(&self) -> broadcast::Receiver<LogLine> {
        self.logs.subscribe()
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_cover_the_last_minute() {
        let live = Live::new(UnixMillis(0));
        live.set_shard(0, 1, ShardStage::Connected, UnixMillis(0));
        for at in [1_000, 1_500, 2_000, 70_000] {
            live.count_event(Some(0), "message_create", UnixMillis(at));
        }
        let rates = live.event_rates(UnixMillis(70_500));
        assert_eq!(rates.total, 4);
        assert_eq!(rates.per_second.len(), 60);
        assert_eq!(
            *rates.per_second.last().unwrap(),
            1,
            "only the event of the current second is in the window"
        );
        assert_eq!(rates.by_name["message_create"], 4);
        assert_eq!(live.shards()[0].events, 4);
    }

    #[test]
    fn logs_are_kept_and_followed() {
        let live = Live::new(UnixMillis(0));
        let mut follower = live.follow_logs();
        let line = LogLine {
            at: UnixMillis(1),
            level: "WARN".into(),
            target: "t".into(),
            message: "m".into(),
            guild: None,
        };
        live.log(line.clone());
        assert_eq!(follower.try_recv().unwrap(), line);
        assert_eq!(live.recent_logs(), std::slice::from_ref(&line));
        assert!(line.at_least("info") && !line.at_least("error"));
    }
}
