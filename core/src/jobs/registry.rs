//! [`JobRegistry`]: the typed handlers a worker runs, by kind, and [`JobPorts`], what the jobs
//! that act on Discord are given.

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;

use super::{Job, JobRecord};
use crate::effect::EffectSink;
use crate::giveaways::MemberFacts;
use crate::guild_cache::GuildCache;

/// What a handler asks for after a successful run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobOutcome {
    /// The job is finished.
    Done,
    /// Run the same job again at this time (recurring work).
    RunAgainAt(crate::clock::UnixMillis),
}

/// A failed run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobFailure {
    /// What went wrong.
    pub message: String,
    /// Retrying cannot help (bad payload): the job becomes dead at once.
    pub permanent: bool,
}

impl JobFailure {
    /// A failure that a later attempt may not repeat (network, rate limit, ...).
    pub fn retry(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            permanent: false,
        }
    }

    /// A failure no retry can fix.
    pub fn permanent(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            permanent: true,
        }
    }
}

/// Reads a stored job as the payload `J`: the one place payloads are decoded. A row of another
/// kind, a payload of the wrong shape, or a payload naming another guild than the row's is a
/// permanent failure (no retry can fix it).
///
/// # Errors
/// The permanent [`JobFailure`], naming the kind.
pub fn decode<J: Job>(record: &JobRecord) -> Result<J, JobFailure> {
    if record.kind != J::KIND {
        return Err(JobFailure::permanent(format!(
            "a {} job was given to the {} handler",
            record.kind,
            J::KIND
        )));
    }
    let job: J = serde_json::from_value(record.payload.clone()).map_err(|error| {
        JobFailure::permanent(format!("unreadable {} payload: {error}", J::KIND))
    })?;
    let named = job.guild();
    if named != record.guild {
        let spell = |guild: Option<crate::ids::GuildId>| {
            guild.map_or_else(|| "none".to_owned(), |guild| guild.to_string())
        };
        return Err(JobFailure::permanent(format!(
            "the {} payload's guild ({}) is not the job's guild ({})",
            J::KIND,
            spell(named),
            spell(record.guild)
        )));
    }
    Ok(job)
}

/// Runs jobs of one kind, `Self::Job`. Must be idempotent: see the module documentation.
#[async_trait]
pub trait JobHandler: Send + Sync + 'static {
    /// The payload it runs; its `KIND` is the kind it is registered for.
    type Job: Job;

    /// Runs one attempt of `job`, whose row is `record` (id, attempts, due time).
    ///
    /// # Errors
    /// [`JobFailure`] to retry later or give up.
    async fn run(&self, job: Self::Job, record: &JobRecord) -> Result<JobOutcome, JobFailure>;

    /// Runs a stored job as the worker does: decoded and checked by [`decode`], then
    /// [`JobHandler::run`]. Not meant to be overridden.
    ///
    /// # Errors
    /// The decoding failure, or the handler's.
    async fn run_record(&self, record: &JobRecord) -> Result<JobOutcome, JobFailure> {
        let job = decode::<Self::Job>(record)?;
        self.run(job, record).await
    }
}

/// The one erased form of every handler, so the registry can hold handlers of different jobs.
#[async_trait]
trait Erased: Send + Sync {
    async fn run(&self, record: &JobRecord) -> Result<JobOutcome, JobFailure>;
}

struct Typed<H>(Arc<H>);

#[async_trait]
impl<H: JobHandler> Erased for Typed<H> {
    async fn run(&self, record: &JobRecord) -> Result<JobOutcome, JobFailure> {
        self.0.run_record(record).await
    }
}

/// The handlers this process can run, by kind. A worker only claims kinds it has a handler for,
/// so jobs for a part that runs elsewhere (the bot) wait for a process that runs it.
#[derive(Default, Clone)]
pub struct JobRegistry {
    handlers: HashMap<&'static str, Arc<dyn Erased>>,
}

impl std::fmt::Debug for JobRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JobRegistry")
            .field("kinds", &self.kinds())
            .finish()
    }
}

impl JobRegistry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers `handler` for its job's kind.
    ///
    /// # Panics
    /// When a handler of that kind is registered already: two features claiming one kind is a
    /// programming error, found the first time the process starts.
    #[must_use]
    pub fn register<H: JobHandler>(mut self, handler: Arc<H>) -> Self {
        let kind = <H::Job as Job>::KIND;
        let earlier = self.handlers.insert(kind, Arc::new(Typed(handler)));
        assert!(earlier.is_none(), "two handlers of the job kind {kind}");
        self
    }

    /// The kinds registered, sorted.
    pub fn kinds(&self) -> Vec<String> {
        let mut kinds: Vec<String> = self
            .handlers
            .keys()
            .map(|kind| (*kind).to_owned())
            .collect();
        kinds.sort();
        kinds
    }

    /// Whether a handler of `kind` is registered.
    pub fn handles(&self, kind: &str) -> bool {
        self.handlers.contains_key(kind)
    }

    /// Runs one attempt of a stored job with the handler of its kind, as the worker does (tests
    /// run claimed rows through it). `None` when no handler of its kind is registered.
    pub async fn run(&self, record: &JobRecord) -> Option<Result<JobOutcome, JobFailure>> {
        let handler = Arc::clone(self.handlers.get(record.kind.as_str())?);
        Some(handler.run(record).await)
    }
}

/// What the jobs that act on Discord are given, in the process that has a bot token: each
/// feature's `register_jobs` takes its handlers' ports from here.
#[derive(Debug, Clone)]
pub struct JobPorts {
    /// Performs effects (the bot's executor behind `references::GuardedSink`, so every channel
    /// and role is checked against its guild just before Discord is asked).
    pub sink: Arc<dyn EffectSink>,
    /// Whether a member is still in a guild, and their eligibility facts (giveaway draws and
    /// rerolls).
    pub members: Arc<dyn MemberFacts>,
    /// The guild model: role names in messages, channels of posts.
    pub cache: Arc<GuildCache>,
}

#[cfg(test)]
mod tests {
    use serde::{Deserialize, Serialize};
    use serde_json::json;

    use super::*;
    use crate::clock::UnixMillis;
    use crate::ids::GuildId;
    use crate::jobs::{JobState, NewJob};

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Ping {
        guild: GuildId,
        count: u32,
    }

    impl Job for Ping {
        const KIND: &'static str = "tests.ping";

        fn guild(&self) -> Option<GuildId> {
            Some(self.guild)
        }
    }

    #[derive(Debug)]
    struct Pong;

    #[async_trait]
    impl JobHandler for Pong {
        type Job = Ping;

        async fn run(&self, ping: Ping, _: &JobRecord) -> Result<JobOutcome, JobFailure> {
            Ok(JobOutcome::RunAgainAt(UnixMillis(i64::from(ping.count))))
        }
    }

    fn record(kind: &str, guild: Option<GuildId>, payload: serde_json::Value) -> JobRecord {
        JobRecord {
            id: 1,
            kind: kind.to_owned(),
            guild,
            payload,
            dedupe_key: None,
            state: JobState::Running,
            due_at: UnixMillis(0),
            attempts: 1,
            max_attempts: 3,
            lease_owner: None,
            lease_until: None,
            last_error: None,
            lateness_ms: None,
            created_at: UnixMillis(0),
            updated_at: UnixMillis(0),
            started_at: None,
            finished_at: None,
        }
    }

    fn registry() -> JobRegistry {
        JobRegistry::new().register(Arc::new(Pong))
    }

    #[tokio::test]
    async fn a_payload_is_decoded_once_and_handed_to_its_handler() {
        let ping = Ping {
            guild: GuildId::new(5),
            count: 3,
        };
        let new = NewJob::of(&ping, UnixMillis(0));
        assert_eq!(new.kind(), "tests.ping");
        assert_eq!(new.guild, Some(GuildId::new(5)));
        let payload = new.payload.clone().unwrap();
        assert_eq!(payload, json!({ "guild": "5", "count": 3 }));
        assert_eq!(registry().kinds(), ["tests.ping"]);
        let outcome = registry()
            .run(&record("tests.ping", Some(GuildId::new(5)), payload))
            .await;
        assert_eq!(outcome, Some(Ok(JobOutcome::RunAgainAt(UnixMillis(3)))));
        assert_eq!(
            registry()
                .run(&record("tests.other", None, json!({})))
                .await,
            None
        );
    }

    #[tokio::test]
    async fn a_payload_of_the_wrong_shape_dies_permanently_naming_the_kind() {
        let failure = registry()
            .run(&record(
                "tests.ping",
                Some(GuildId::new(5)),
                json!({ "guild": "5", "count": "three" }),
            ))
            .await
            .unwrap()
            .unwrap_err();
        assert!(failure.permanent);
        assert!(
            failure
                .message
                .starts_with("unreadable tests.ping payload: invalid type: string \"three\""),
            "{}",
            failure.message
        );
        let missing = Pong
            .run_record(&record("tests.ping", Some(GuildId::new(5)), json!({})))
            .await
            .unwrap_err();
        assert!(missing.permanent);
        assert!(
            missing.message.contains("tests.ping") && missing.message.contains("missing field"),
            "{}",
            missing.message
        );
    }

    #[tokio::test]
    async fn a_payload_of_another_guild_dies_permanently() {
        let payload = json!({ "guild": "5", "count": 1 });
        for row_guild in [Some(GuildId::new(6)), None] {
            let failure = registry()
                .run(&record("tests.ping", row_guild, payload.clone()))
                .await
                .unwrap()
                .unwrap_err();
            assert!(failure.permanent);
            assert!(
                failure
                    .message
                    .starts_with("the tests.ping payload's guild (5) is not the job's guild"),
                "{}",
                failure.message
            );
        }
        let wrong_kind =
            decode::<Ping>(&record("tests.other", Some(GuildId::new(5)), payload)).unwrap_err();
        assert!(wrong_kind.permanent);
    }
}
