//! A small program on guildhall-core alone: schedule a job in a fresh SQLite database and run it
//! with a worker, the way `guildhall serve` runs every timer.
//!
//! `cargo run -p guildhall-core --example job_ledger`

#![allow(clippy::print_stdout)]

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use guildhall_core::clock::{SharedClock, SystemClock};
use guildhall_core::db::{Db, DbOptions};
use guildhall_core::ids::GuildId;
use guildhall_core::jobs::{
    Job, JobFailure, JobHandler, JobLedger, JobOutcome, JobRecord, JobRegistry, JobState, NewJob,
    Worker, WorkerOptions,
};
use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;

/// The job's payload: one kind, one serde struct.
#[derive(Serialize, Deserialize)]
struct GreetJob {
    name: String,
}

impl Job for GreetJob {
    const KIND: &'static str = "example.greet";

    fn guild(&self) -> Option<GuildId> {
        None
    }
}

struct Greet;

#[async_trait]
impl JobHandler for Greet {
    type Job = GreetJob;

    async fn run(&self, greet: GreetJob, job: &JobRecord) -> Result<JobOutcome, JobFailure> {
        println!(
            "job {} says: hello, {} (it was {} ms late)",
            job.id,
            greet.name,
            job.lateness_ms.unwrap_or(0)
        );
        Ok(JobOutcome::Done)
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::temp_dir().join(format!("guildhall-example-{}", std::process::id()));
    let db = Db::connect(
        &format!("sqlite://{}?mode=rwc", dir.join("example.db").display()),
        &DbOptions::default(),
    )
    .await?;
    db.migrate().await?;

    let clock: SharedClock = Arc::new(SystemClock);
    let ledger = JobLedger::new(db.clone(), Arc::clone(&clock), 3);
    let job = ledger
        .schedule(NewJob::of(
            &GreetJob {
                name: "Guildhall".to_owned(),
            },
            clock.now().plus(Duration::from_millis(300)),
        ))
        .await?;
    println!("scheduled job {} for {}", job.id, job.due_at);

    let options = WorkerOptions {
        name: "example".into(),
        concurrency: 1,
        poll_interval: Duration::from_millis(200),
        lease: Duration::from_secs(10),
        backoff_base: Duration::from_millis(100),
        backoff_max: Duration::from_secs(1),
        shutdown_grace: Duration::from_secs(1),
    };
    let worker = Worker::new(
        ledger.clone(),
        JobRegistry::new().register(Arc::new(Greet)),
        options,
    );
    let shutdown = CancellationToken::new();
    let running = tokio::spawn(worker.run(shutdown.clone()));
    while ledger.get(job.id).await?.state != JobState::Done {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    shutdown.cancel();
    running.await??;
    db.close().await;
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}
