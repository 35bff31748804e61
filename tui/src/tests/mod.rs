//! The console driven without a terminal: actions and keys in, [`TestBackend`] screens out
//! (80×24, snapshotted with insta), real SQLite behind the core services, and a fake for the
//! running instance's live data. The clock is fixed, so every screen is the same on every run.

mod automation;
mod giveaways;
mod list;
mod panes;
mod premium;
mod scripted;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt as _;
use futures::future::BoxFuture;
use futures::stream::BoxStream;
use guildhall_core::clock::{ManualClock, SharedClock, UnixMillis};
use guildhall_core::coordination::MemoryCoordination;
use guildhall_core::ids::GuildId;
use guildhall_core::live::{EventRates, LogLine, ShardStage, ShardStatus};
use guildhall_core::testing::{TestDb, sqlite_unmigrated};
use guildhall_web::admin::AdminStatus;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::action::Action;
use crate::app::App;
use crate::event::{Event, Failure, LogEvent, Request};
use crate::loader::{LiveSource, Services, perform};

/// 2027-01-15T08:00:00Z.
const NOW: UnixMillis = UnixMillis(1_800_000_000_000);
const GUILD: GuildId = GuildId::new(1_083_124_816_349_421_618);
const OTHER_GUILD: GuildId = GuildId::new(2_222_222_222_222_222_222);
const ACTOR: &str = "operator:tester";

/// The running instance, as a fake.
struct FakeLive {
    status: Result<AdminStatus, Failure>,
    lines: Vec<LogLine>,
}

impl LiveSource for FakeLive {
    fn status(&self) -> BoxFuture<'_, Result<AdminStatus, Failure>> {
        Box::pin(async move { self.status.clone() })
    }

    fn logs(
        &self,
        _guild: Option<GuildId>,
        _level: &'static str,
    ) -> BoxFuture<'_, Result<BoxStream<'static, LogLine>, Failure>> {
        Box::pin(async move { Ok(futures::stream::iter(self.lines.clone()).boxed()) })
    }
}

fn running_instance() -> FakeLive {
    let per_second = (0..60u64)
        .map(|second| 20 + (second * 7) % 13 * 3)
        .collect();
    FakeLive {
        status: Ok(AdminStatus {
            started: NOW.minus(Duration::from_secs(2 * 3_600 + 5 * 60)),
            shards: vec![
                ShardStatus {
                    id: 0,
                    total: 2,
                    stage: ShardStage::Connected,
                    latency_ms: Some(42),
                    guilds: 12,
                    events: 3_456,
                    since: NOW.minus(Duration::from_secs(7_000)),
                },
                ShardStatus {
                    id: 1,
                    total: 2,
                    stage: ShardStage::Resuming,
                    latency_ms: None,
                    guilds: 9,
                    events: 1_111,
                    since: NOW.minus(Duration::from_secs(3)),
                },
            ],
            events: EventRates {
                total: 4_567,
                per_second,
                by_name: BTreeMap::from([("MESSAGE_CREATE".to_owned(), 4_000)]),
            },
        }),
        lines: Vec::new(),
    }
}

fn log_line(second: i64, level: &str, guild: Option<GuildId>, message: &str) -> LogLine {
    LogLine {
        at: UnixMillis(NOW.0 + second * 1_000),
        level: level.to_owned(),
        target: "guildhall_bot::events".to_owned(),
        message: message.to_owned(),
        guild,
    }
}

/// The app, its services on a fresh SQLite database, and the requests it made that are not
/// one-shot (the log stream), for assertions.
struct Harness {
    app: App,
    services: Services,
    clock: ManualClock,
    follows: Vec<Request>,
    _db: TestDb,
}

impl Harness {
    async fn new(live: Option<FakeLive>) -> Self {
        let harness = Self::unmigrated(live).await;
        harness.services.db.migrate().await.expect("migrate");
        harness
    }

    async fn unmigrated(live: Option<FakeLive>) -> Self {
        let test_db = sqlite_unmigrated().await;
        let clock = ManualClock::new(NOW);
        let shared: SharedClock = Arc::new(clock.clone());
        let coordination = Arc::new(MemoryCoordination::new(Arc::clone(&shared)));
        let services = Services {
            core: guildhall_core::Core::new(test_db.db.clone(), shared, coordination, 3),
            live: live.map(|live| Arc::new(live) as Arc<dyn LiveSource>),
            actor: ACTOR.to_owned(),
        };
        Self {
            app: App::new(NOW),
            services,
            clock,
            follows: Vec::new(),
            _db: test_db,
        }
    }

    async fn add_guild(&self, id: GuildId, name: &str) {
        guildhall_core::guilds::upsert(
            &self.services.db,
            id,
            name,
            None,
            NOW.minus(Duration::from_secs(86_400 * 3)),
        )
        .await
        .expect("add guild");
    }

    /// Carries out requests the way the loader would, one after the other, until none is left.
    async fn run(&mut self, requests: Vec<Request>) {
        let mut queue: std::collections::VecDeque<Request> = requests.into();
        while let Some(request) = queue.pop_front() {
            if matches!(request, Request::FollowLogs { .. }) {
                self.follows.push(request);
                continue;
            }
            let event = perform(&self.services, request).await;
            queue.extend(self.app.update(event));
        }
    }

    async fn start(&mut self) {
        let requests = self.app.start();
        self.run(requests).await;
    }

    async fn act(&mut self, action: Action) {
        let requests = self.app.act(&action);
        self.run(requests).await;
    }

    async fn key(&mut self, code: KeyCode) {
        let requests = self
            .app
            .update(Event::Key(KeyEvent::new(code, KeyModifiers::NONE)));
        self.run(requests).await;
    }

    async fn keys(&mut self, text: &str) {
        for character in text.chars() {
            self.key(KeyCode::Char(character)).await;
        }
    }

    async fn tick(&mut self) {
        let requests = self.app.update(Event::Tick);
        self.run(requests).await;
    }

    fn log(&mut self, event: LogEvent) {
        let requests = self.app.update(Event::Log(event));
        assert!(requests.is_empty(), "a log line asks for nothing");
    }

    /// The screen as text, one line per row, trailing blanks trimmed.
    fn screen(&self) -> String {
        let mut terminal = Terminal::new(TestBackend::new(80, 24)).expect("test terminal");
        terminal.draw(|frame| self.app.render(frame)).expect("draw");
        let buffer = terminal.backend().buffer();
        let mut out = String::new();
        for y in 0..buffer.area.height {
            let line: String = (0..buffer.area.width)
                .map(|x| buffer[(x, y)].symbol())
                .collect();
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }
}
