//! The job ledger and its worker, on every backend.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use guildhall_core::clock::{Clock as _, SharedClock, SystemClock, UnixMillis};
use guildhall_core::db::Db;
use guildhall_core::ids::GuildId;
use guildhall_core::jobs::{
    Job, JobFailure, JobFilter, JobHandler, JobLedger, JobLedgerError, JobOutcome, JobRecord,
    JobRegistry, JobState, NewJob, Worker, WorkerOptions,
};
use guildhall_core::testing;
use serde::{Deserialize, Serialize};
use serde_json::json;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// What a test handler does on each run.
#[derive(Clone, Copy)]
enum Behaviour {
    Succeed,
    FailRetryable,
    FailPermanently,
    Hang,
    Repeat,
}

/// The tests' job: `{}`, or a number.
#[derive(Debug, Default, Serialize, Deserialize)]
struct TestJob {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    n: Option<u32>,
}

impl Job for TestJob {
    const KIND: &'static str = "test.kind";

    fn guild(&self) -> Option<GuildId> {
        None
    }
}

struct Recorder {
    runs: Mutex<Vec<i64>>,
    behaviour: Behaviour,
    delay: Duration,
}

#[async_trait]
impl JobHandler for Recorder {
    type Job = TestJob;

    async fn run(&self, _: TestJob, job: &JobRecord) -> Result<JobOutcome, JobFailure> {
        self.runs.lock().unwrap().push(job.id);
        tokio::time::sleep(self.delay).await;
        match self.behaviour {
            Behaviour::Succeed => Ok(JobOutcome::Done),
            Behaviour::FailRetryable => Err(JobFailure::retry("the remote said no")),
            Behaviour::FailPermanently => Err(JobFailure::permanent("payload is nonsense")),
            Behaviour::Hang => std::future::pending().await,
            Behaviour::Repeat => Ok(JobOutcome::RunAgainAt(UnixMillis(
                job.due_at.0 + 86_400_000,
            ))),
        }
    }
}

impl Recorder {
    fn new(behaviour: Behaviour) -> Arc<Self> {
        Arc::new(Self {
            runs: Mutex::new(Vec::new()),
            behaviour,
            delay: Duration::ZERO,
        })
    }

    fn runs(&self) -> Vec<i64> {
        self.runs.lock().unwrap().clone()
    }
}

fn clock() -> SharedClock {
    Arc::new(SystemClock)
}

fn ledger(db: &Db) -> JobLedger {
    JobLedger::new(db.clone(), clock(), 3)
}

fn options(name: &str) -> WorkerOptions {
    WorkerOptions {
        name: name.into(),
        concurrency: 4,
        poll_interval: Duration::from_millis(50),
        lease: Duration::from_secs(30),
        backoff_base: Duration::from_millis(10),
        backoff_max: Duration::from_millis(40),
        shutdown_grace: Duration::from_secs(5),
    }
}

fn start(
    ledger: &JobLedger,
    handler: Arc<Recorder>,
    options: WorkerOptions,
    shutdown: &CancellationToken,
) -> JoinHandle<()> {
    let registry = JobRegistry::new().register(handler);
    let worker = Worker::new(ledger.clone(), registry, options);
    let shutdown = shutdown.clone();
    tokio::spawn(async move { worker.run(shutdown).await.unwrap() })
}

fn now() -> UnixMillis {
    SystemClock.now()
}

async fn wait_for_state(ledger: &JobLedger, id: i64, state: JobState) -> JobRecord {
    testing::wait_for(
        &format!("job {id} to be {state}"),
        Duration::from_secs(10),
        || async {
            let job = ledger.get(id).await.unwrap();
            (job.state == state).then_some(job)
        },
    )
    .await
}

#[tokio::test]
async fn scheduling_listing_and_deduplication() {
    for test_db in testing::backends().await {
        let ledger = ledger(&test_db.db);
        let due = now().plus(Duration::from_secs(60));
        let a = ledger
            .schedule(
                NewJob::raw("giveaway.end", json!({"giveaway": 1}), due)
                    .guild(GuildId::new(10))
                    .dedupe("giveaway:1:end"),
            )
            .await
            .unwrap();
        let again = ledger
            .schedule(
                NewJob::raw(
                    "giveaway.end",
                    json!({"giveaway": 1}),
                    due.plus(Duration::from_secs(5)),
                )
                .dedupe("giveaway:1:end"),
            )
            .await
            .unwrap();
        assert_eq!(again.id, a.id, "the same dedupe key yields the same job");
        assert_eq!(again.due_at, due);
        let b = ledger
            .schedule(NewJob::raw("reminder.send", json!({}), due).guild(GuildId::new(11)))
            .await
            .unwrap();
        assert_eq!(
            (a.state, a.attempts, a.max_attempts),
            (JobState::Pending, 0, 3)
        );

        let by_guild = ledger
            .list(&JobFilter {
                guild: Some(GuildId::new(11)),
                ..JobFilter::default()
            })
            .await
            .unwrap();
        assert_eq!(by_guild.iter().map(|j| j.id).collect::<Vec<_>>(), [b.id]);
        let by_kind = ledger
            .list(&JobFilter {
                kind: Some("giveaway.end".into()),
                state: Some(JobState::Pending),
                ..JobFilter::default()
            })
            .await
            .unwrap();
        assert_eq!(by_kind.iter().map(|j| j.id).collect::<Vec<_>>(), [a.id]);
        assert!(
            ledger
                .list(&JobFilter {
                    state: Some(JobState::Dead),
                    ..JobFilter::default()
                })
                .await
                .unwrap()
                .is_empty()
        );
        assert!(matches!(
            ledger.get(9_999).await,
            Err(JobLedgerError::NotFound(9_999))
        ));
    }
}

#[tokio::test]
async fn a_job_that_fell_due_while_no_worker_ran_fires_once_after_start() {
    for test_db in testing::backends().await {
        let ledger = ledger(&test_db.db);
        let job = ledger
            .schedule(NewJob::raw(
                "test.kind",
                json!({}),
                now().minus(Duration::from_secs(2)),
            ))
            .await
            .unwrap();
        let handler = Recorder::new(Behaviour::Succeed);
        let shutdown = CancellationToken::new();
        let worker = start(&ledger, Arc::clone(&handler), options("w1"), &shutdown);
        let done = wait_for_state(&ledger, job.id, JobState::Done).await;
        // A second, later job proves the worker kept running without touching the first again.
        let later = ledger
            .schedule(NewJob::raw("test.kind", json!({}), now()))
            .await
            .unwrap();
        wait_for_state(&ledger, later.id, JobState::Done).await;
        shutdown.cancel();
        worker.await.unwrap();

        assert_eq!(handler.runs(), [job.id, later.id]);
        assert!(
            done.lateness_ms.unwrap() >= 2_000,
            "lateness recorded: {:?}",
            done.lateness_ms
        );
        let runs = ledger.runs(job.id).await.unwrap();
        assert_eq!(runs.len(), 1);
        assert_eq!(runs[0].outcome.as_deref(), Some("ok"));
        assert!(runs[0].lateness_ms >= 2_000);
    }
}

#[tokio::test]
async fn a_failing_job_is_retried_with_backoff_then_dead() {
    for test_db in testing::backends().await {
        let ledger = ledger(&test_db.db);
        let job = ledger
            .schedule(NewJob::raw("test.kind", json!({}), now()))
            .await
            .unwrap();
        let handler = Recorder::new(Behaviour::FailRetryable);
        let shutdown = CancellationToken::new();
        let worker = start(&ledger, Arc::clone(&handler), options("w1"), &shutdown);
        let dead = wait_for_state(&ledger, job.id, JobState::Dead).await;
        shutdown.cancel();
        worker.await.unwrap();

        assert_eq!(handler.runs().len(), 3);
        assert_eq!(dead.attempts, 3);
        assert_eq!(dead.last_error.as_deref(), Some("the remote said no"));
        let outcomes: Vec<_> = ledger
            .runs(job.id)
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.outcome.unwrap())
            .collect();
        assert_eq!(outcomes, ["retry", "retry", "dead"]);

        // An operator retry starts over from the first attempt.
        let retried = ledger.retry(job.id).await.unwrap();
        assert_eq!((retried.state, retried.attempts), (JobState::Pending, 0));
    }
}

#[tokio::test]
async fn a_permanent_failure_is_dead_at_once() {
    for test_db in testing::backends().await {
        let ledger = ledger(&test_db.db);
        let job = ledger
            .schedule(NewJob::raw("test.kind", json!({}), now()))
            .await
            .unwrap();
        let handler = Recorder::new(Behaviour::FailPermanently);
        let shutdown = CancellationToken::new();
        let worker = start(&ledger, Arc::clone(&handler), options("w1"), &shutdown);
        let dead = wait_for_state(&ledger, job.id, JobState::Dead).await;
        shutdown.cancel();
        worker.await.unwrap();
        assert_eq!((dead.attempts, handler.runs().len()), (1, 1));
    }
}

#[tokio::test]
async fn a_payload_of_the_wrong_shape_or_guild_is_dead_at_once_without_reaching_the_handler() {
    for test_db in testing::backends().await {
        let ledger = ledger(&test_db.db);
        let unreadable = ledger
            .schedule(NewJob::raw("test.kind", json!({ "n": "seven" }), now()))
            .await
            .unwrap();
        let elsewhere = ledger
            .schedule(NewJob::raw("test.kind", json!({}), now()).guild(GuildId::new(10)))
            .await
            .unwrap();
        let typed = ledger
            .schedule(NewJob::of(&TestJob { n: Some(7) }, now()))
            .await
            .unwrap();
        assert_eq!(typed.kind, "test.kind");
        assert_eq!(typed.payload, json!({ "n": 7 }));
        let handler = Recorder::new(Behaviour::Succeed);
        let shutdown = CancellationToken::new();
        let worker = start(&ledger, Arc::clone(&handler), options("w1"), &shutdown);
        let unreadable = wait_for_state(&ledger, unreadable.id, JobState::Dead).await;
        let elsewhere = wait_for_state(&ledger, elsewhere.id, JobState::Dead).await;
        wait_for_state(&ledger, typed.id, JobState::Done).await;
        shutdown.cancel();
        worker.await.unwrap();
        assert_eq!(unreadable.attempts, 1);
        let message = unreadable.last_error.unwrap();
        assert!(
            message.starts_with("unreadable test.kind payload: invalid type: string"),
            "{message}"
        );
        assert_eq!(elsewhere.attempts, 1);
        assert_eq!(
            elsewhere.last_error.as_deref(),
            Some("the test.kind payload's guild (none) is not the job's guild (10)")
        );
        assert_eq!(handler.runs(), [typed.id], "only the readable job ran");
    }
}

#[tokio::test]
async fn a_cancelled_job_never_runs() {
    for test_db in testing::backends().await {
        let ledger = ledger(&test_db.db);
        let cancelled = ledger
            .schedule(NewJob::raw(
                "test.kind",
                json!({}),
                now().plus(Duration::from_millis(200)),
            ))
            .await
            .unwrap();
        let after = ledger
            .schedule(NewJob::raw(
                "test.kind",
                json!({}),
                now().plus(Duration::from_millis(400)),
            ))
            .await
            .unwrap();
        ledger.cancel(cancelled.id).await.unwrap();
        let handler = Recorder::new(Behaviour::Succeed);
        let shutdown = CancellationToken::new();
        let worker = start(&ledger, Arc::clone(&handler), options("w1"), &shutdown);
        // The later job running proves the worker passed the cancelled one's due time.
        wait_for_state(&ledger, after.id, JobState::Done).await;
        shutdown.cancel();
        worker.await.unwrap();
        assert_eq!(handler.runs(), [after.id]);
        assert_eq!(
            ledger.get(cancelled.id).await.unwrap().state,
            JobState::Cancelled
        );
        assert!(ledger.runs(cancelled.id).await.unwrap().is_empty());
        let again = ledger.cancel(after.id).await.unwrap_err();
        assert_eq!(
            again.to_string(),
            format!(
                "job {} is done; cancel needs a job that is pending or running",
                after.id
            )
        );
    }
}

#[tokio::test]
async fn cancelling_a_running_job_stops_it_at_the_next_lease_renewal() {
    for test_db in testing::backends().await {
        let ledger = ledger(&test_db.db);
        let job = ledger
            .schedule(NewJob::raw("test.kind", json!({}), now()))
            .await
            .unwrap();
        let handler = Recorder::new(Behaviour::Hang);
        let shutdown = CancellationToken::new();
        let worker = start(
            &ledger,
            Arc::clone(&handler),
            WorkerOptions {
                lease: Duration::from_millis(300),
                ..options("w1")
            },
            &shutdown,
        );
        wait_for_state(&ledger, job.id, JobState::Running).await;
        ledger.cancel(job.id).await.unwrap();
        testing::wait_for(
            "the worker to give the job up",
            Duration::from_secs(5),
            || async {
                let runs = ledger.runs(job.id).await.unwrap();
                (runs.len() == 1 && runs[0].outcome.as_deref() == Some("lease_lost")).then_some(())
            },
        )
        .await;
        shutdown.cancel();
        worker.await.unwrap();
        assert_eq!(ledger.get(job.id).await.unwrap().state, JobState::Cancelled);
    }
}

#[tokio::test]
async fn two_workers_never_run_the_same_job() {
    for test_db in testing::backends().await {
        let ledger = ledger(&test_db.db);
        let mut ids = Vec::new();
        for n in 0..60 {
            ids.push(
                ledger
                    .schedule(NewJob::raw("test.kind", json!({ "n": n }), now()))
                    .await
                    .unwrap()
                    .id,
            );
        }
        let handler = Arc::new(Recorder {
            runs: Mutex::new(Vec::new()),
            behaviour: Behaviour::Succeed,
            delay: Duration::from_millis(5),
        });
        let shutdown = CancellationToken::new();
        // Each worker has its own pool, as two processes would.
        let other_db = Db::connect(&test_db.url, &guildhall_core::db::DbOptions::default())
            .await
            .unwrap();
        let first = start(&ledger, Arc::clone(&handler), options("w1"), &shutdown);
        let second = start(
            &JobLedger::new(other_db, clock(), 3),
            Arc::clone(&handler),
            options("w2"),
            &shutdown,
        );
        testing::wait_for("all jobs done", Duration::from_secs(30), || async {
            let done = ledger
                .list(&JobFilter {
                    state: Some(JobState::Done),
                    limit: 1_000,
                    ..JobFilter::default()
                })
                .await
                .unwrap();
            (done.len() == ids.len()).then_some(())
        })
        .await;
        shutdown.cancel();
        first.await.unwrap();
        second.await.unwrap();

        let mut runs = handler.runs();
        runs.sort_unstable();
        assert_eq!(
            runs,
            ids,
            "{:?}: every job ran exactly once",
            test_db.backend()
        );
        let workers: std::collections::BTreeSet<String> = {
            let mut names = std::collections::BTreeSet::new();
            for id in &ids {
                for run in ledger.runs(*id).await.unwrap() {
                    names.insert(run.worker);
                }
            }
            names
        };
        assert!(!workers.is_empty());
    }
}

#[tokio::test]
async fn a_lease_left_by_a_dead_worker_is_taken_over_after_it_expires() {
    for test_db in testing::backends().await {
        let ledger = ledger(&test_db.db);
        let job = ledger
            .schedule(NewJob::raw("test.kind", json!({}), now()))
            .await
            .unwrap();
        // A worker claims it and dies without a word.
        let claimed = ledger
            .claim(
                "crashed",
                &["test.kind".into()],
                10,
                Duration::from_millis(200),
            )
            .await
            .unwrap();
        assert_eq!(claimed.len(), 1);
        let handler = Recorder::new(Behaviour::Succeed);
        let shutdown = CancellationToken::new();
        let worker = start(&ledger, Arc::clone(&handler), options("w2"), &shutdown);
        let done = wait_for_state(&ledger, job.id, JobState::Done).await;
        shutdown.cancel();
        worker.await.unwrap();
        assert_eq!(done.attempts, 2);
        let runs = ledger.runs(job.id).await.unwrap();
        assert_eq!(
            runs.iter()
                .map(|r| (r.worker.as_str(), r.outcome.as_deref()))
                .collect::<Vec<_>>(),
            [("crashed", None), ("w2", Some("ok"))]
        );
        // The dead worker's late completion is refused.
        assert!(!ledger.complete(&claimed[0].1).await.unwrap());
    }
}

#[tokio::test]
async fn shutdown_releases_leases_of_jobs_that_do_not_finish_in_time() {
    for test_db in testing::backends().await {
        let ledger = ledger(&test_db.db);
        let job = ledger
            .schedule(NewJob::raw("test.kind", json!({}), now()))
            .await
            .unwrap();
        let handler = Recorder::new(Behaviour::Hang);
        let shutdown = CancellationToken::new();
        let worker = start(
            &ledger,
            Arc::clone(&handler),
            WorkerOptions {
                shutdown_grace: Duration::from_millis(100),
                ..options("w1")
            },
            &shutdown,
        );
        wait_for_state(&ledger, job.id, JobState::Running).await;
        shutdown.cancel();
        worker.await.unwrap();
        let released = ledger.get(job.id).await.unwrap();
        assert_eq!(
            (released.state, released.attempts, released.lease_owner),
            (JobState::Pending, 0, None)
        );
        let runs = ledger.runs(job.id).await.unwrap();
        assert_eq!(runs[0].outcome.as_deref(), Some("released"));
    }
}

#[tokio::test]
async fn recurring_jobs_come_back_and_pending_jobs_can_be_moved() {
    for test_db in testing::backends().await {
        let ledger = ledger(&test_db.db);
        let job = ledger
            .schedule(NewJob::raw("test.kind", json!({}), now()))
            .await
            .unwrap();
        let handler = Recorder::new(Behaviour::Repeat);
        let shutdown = CancellationToken::new();
        let worker = start(&ledger, Arc::clone(&handler), options("w1"), &shutdown);
        let again = testing::wait_for("the job to come back", Duration::from_secs(10), || async {
            let current = ledger.get(job.id).await.unwrap();
            (current.state == JobState::Pending && current.due_at > job.due_at).then_some(current)
        })
        .await;
        shutdown.cancel();
        worker.await.unwrap();
        assert_eq!(again.due_at, UnixMillis(job.due_at.0 + 86_400_000));
        let moved = ledger.reschedule(job.id, UnixMillis(1)).await.unwrap();
        assert_eq!(moved.due_at, UnixMillis(1));
        ledger.cancel(job.id).await.unwrap();
        let refused = ledger.reschedule(job.id, UnixMillis(2)).await.unwrap_err();
        assert!(
            refused
                .to_string()
                .contains("reschedule needs a job that is pending"),
            "{refused}"
        );
    }
}

#[tokio::test]
async fn finished_jobs_are_pruned_after_retention_but_dead_and_deduplicated_ones_stay() {
    for test_db in testing::backends().await {
        let ledger = ledger(&test_db.db);
        let plain = ledger
            .schedule(NewJob::raw("test.kind", json!({}), now()))
            .await
            .unwrap();
        let keyed = ledger
            .schedule(NewJob::raw("test.kind", json!({}), now()).dedupe("once"))
            .await
            .unwrap();
        let handler = Recorder::new(Behaviour::Succeed);
        let shutdown = CancellationToken::new();
        let worker = start(&ledger, handler, options("w1"), &shutdown);
        wait_for_state(&ledger, plain.id, JobState::Done).await;
        wait_for_state(&ledger, keyed.id, JobState::Done).await;
        shutdown.cancel();
        worker.await.unwrap();
        assert_eq!(
            ledger
                .prune(now().minus(Duration::from_secs(60)))
                .await
                .unwrap(),
            0
        );
        assert_eq!(
            ledger
                .prune(now().plus(Duration::from_secs(1)))
                .await
                .unwrap(),
            1
        );
        assert!(matches!(
            ledger.get(plain.id).await,
            Err(JobLedgerError::NotFound(_))
        ));
        assert_eq!(ledger.get(keyed.id).await.unwrap().state, JobState::Done);
    }
}
