//! [`Worker`]: claims due jobs and runs their handlers.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::task::{Id as TaskId, JoinSet};
use tokio_util::sync::CancellationToken;

use super::ledger::{JobLedger, JobLedgerError, Lease, WAKE_TOPIC};
use super::metrics::{JobMetrics, Outcome};
use super::registry::{JobOutcome, JobRegistry};
use super::{JobRecord, backoff};

/// How a worker behaves.
#[derive(Debug, Clone)]
pub struct WorkerOptions {
    /// Names the worker in leases and runs.
    pub name: String,
    /// Jobs run at once.
    pub concurrency: u32,
    /// Longest pause between looks for due jobs.
    pub poll_interval: Duration,
    /// How long a claim lasts without renewal (renewed every third of it).
    pub lease: Duration,
    /// First retry delay, doubled each time.
    pub backoff_base: Duration,
    /// Longest retry delay.
    pub backoff_max: Duration,
    /// How long running jobs may finish on shutdown before their leases are released.
    pub shutdown_grace: Duration,
}

impl WorkerOptions {
    /// Options from the operator's `[jobs]` settings.
    pub fn from_settings(settings: &crate::config::JobSettings, name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            concurrency: settings.concurrency.max(1),
            poll_interval: Duration::from_millis(settings.poll_interval_ms.max(10)),
            lease: Duration::from_secs(settings.lease_secs.max(1)),
            backoff_base: Duration::from_millis(settings.backoff_base_ms),
            backoff_max: Duration::from_millis(settings.backoff_max_ms),
            shutdown_grace: Duration::from_secs(settings.shutdown_grace_secs),
        }
    }
}

/// Claims and runs due jobs until shut down.
#[derive(Debug)]
pub struct Worker {
    ledger: JobLedger,
    registry: Arc<JobRegistry>,
    options: WorkerOptions,
    metrics: Arc<JobMetrics>,
}

/// The shortest pause between claims, so a due job held by another worker cannot make this one
/// spin.
const MIN_PAUSE: Duration = Duration::from_millis(20);

impl Worker {
    /// A worker over `ledger` running the handlers in `registry`.
    pub fn new(ledger: JobLedger, registry: JobRegistry, options: WorkerOptions) -> Self {
        Self {
            ledger,
            registry: Arc::new(registry),
            options,
            metrics: Arc::new(JobMetrics::default()),
        }
    }

    /// Counts shared with `/metrics` and the console.
    pub fn metrics(&self) -> Arc<JobMetrics> {
        Arc::clone(&self.metrics)
    }

    /// Runs until `shutdown` is cancelled, then lets running jobs finish for the grace period
    /// and releases the leases of those that did not.
    ///
    /// # Errors
    /// [`JobLedgerError`] when the database fails in a way the worker cannot ride out.
    pub async fn run(self, shutdown: CancellationToken) -> Result<(), JobLedgerError> {
        let kinds = self.registry.kinds();
        let wake = self.ledger.wake_signal();
        let remote_wake = match self.ledger.coordination() {
            Some(coordination) => match coordination.subscribe(WAKE_TOPIC).await {
                Ok(subscription) => Some(subscription),
                Err(error) => {
                    tracing::warn!(%error, "cannot subscribe to job wake-ups; polling only");
                    None
                }
            },
            None => None,
        };
        let mut remote_wake = remote_wake;
        let mut running: JoinSet<()> = JoinSet::new();
        let mut leases: HashMap<TaskId, Lease> = HashMap::new();
        tracing::info!(worker = %self.options.name, kinds = ?kinds, "job worker started");
        let mut failures = 0u32;

        while !shutdown.is_cancelled() {
            // Registered before claiming, so a job scheduled while this worker is busy claiming
            // still wakes it instead of waiting out the pause computed from older data.
            let notified = wake.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let free = usize::try_from(self.options.concurrency)
                .unwrap_or(1)
                .saturating_sub(running.len());
            let mut pause = self.options.poll_interval;
            if free > 0 {
                match self
                    .claim_and_start(&kinds, free, &mut running, &mut leases)
                    .await
                {
                    Ok(started) => {
                        failures = 0;
                        if started == free {
                            // Full batch: there may be more due right now.
                            pause = Duration::ZERO;
                        } else if let Ok(Some(next)) = self.ledger.next_due(&kinds).await {
                            let now = self.ledger.clock().now();
                            pause = pause.min(next.since(now)).max(MIN_PAUSE);
                        }
                    }
                    Err(error) => {
                        failures = failures.saturating_add(1);
                        pause = backoff(
                            failures,
                            Duration::from_millis(200),
                            Duration::from_secs(10),
                        );
                        tracing::error!(%error, ?pause, "claiming jobs failed; retrying");
                    }
                }
            }
            tokio::select! {
                () = shutdown.cancelled() => break,
                () = tokio::time::sleep(pause) => {}
                () = &mut notified => {}
                Some(_) = async { match remote_wake.as_mut() { Some(s) => s.recv().await, None => std::future::pending().await } } => {}
                Some(finished) = running.join_next_with_id(), if !running.is_empty() => {
                    self.reap(finished, &mut leases).await;
                    // Collect every other finished task too, so the next claim fills all free slots at once.
                    while let Some(finished) = running.try_join_next_with_id() {
                        self.reap(finished, &mut leases).await;
                    }
                }
            }
        }

        self.drain(running, leases).await;
        let totals = self.metrics.snapshot();
        tracing::info!(
            worker = %self.options.name, started = totals.started, succeeded = totals.succeeded,
            retried = totals.retried, dead = totals.dead, released = totals.released,
            "job worker stopped"
        );
        Ok(())
    }

    async fn claim_and_start(
        &self,
        kinds: &[String],
        free: usize,
        running: &mut JoinSet<()>,
        leases: &mut HashMap<TaskId, Lease>,
    ) -> Result<usize, JobLedgerError> {
        let limit = u32::try_from(free).unwrap_or(u32::MAX);
        let claimed = self
            .ledger
            .claim(&self.options.name, kinds, limit, self.options.lease)
            .await?;
        let started = claimed.len();
        for (job, lease) in claimed {
            self.metrics.observe_start(job.lateness_ms.unwrap_or(0));
            tracing::info!(
                job = job.id, kind = %job.kind, guild = ?job.guild, attempt = job.attempts,
                lateness_ms = job.lateness_ms.unwrap_or(0), "job started"
            );
            let task = self.attempt(job, lease.clone());
            let handle = running.spawn(task);
            leases.insert(handle.id(), lease);
        }
        Ok(started)
    }

    /// One attempt: run the handler while renewing the lease, then record the outcome.
    fn attempt(&self, job: JobRecord, lease: Lease) -> impl Future<Output = ()> + Send + 'static {
        let ledger = self.ledger.clone();
        let registry = Arc::clone(&self.registry);
        let metrics = Arc::clone(&self.metrics);
        let options = self.options.clone();
        async move {
            if !registry.handles(&job.kind) {
                // Cannot happen: only registered kinds are claimed.
                let _ = ledger.release(&lease, "no handler in this worker").await;
                return;
            }
            let run = async {
                match registry.run(&job).await {
                    Some(result) => result,
                    None => Err(super::JobFailure::retry("no handler in this worker")),
                }
            };
            tokio::pin!(run);
            let mut renewal = tokio::time::interval(options.lease / 3);
            renewal.tick().await;
            let result = loop {
                tokio::select! {
                    result = &mut run => break Some(result),
                    _ = renewal.tick() => match ledger.renew(&lease, options.lease).await {
                        Ok(true) => {}
                        Ok(false) => break None,
                        Err(error) => tracing::warn!(job = job.id, %error, "lease renewal failed"),
                    },
                }
            };
            let recorded = match result {
                None => {
                    tracing::warn!(
                        job = job.id,
                        "lease lost (cancelled or taken over); stopped"
                    );
                    metrics.observe(Outcome::LeaseLost);
                    // Records the run as `lease_lost`; the job row belongs to someone else now.
                    if let Err(error) = ledger.release(&lease, "lease lost").await {
                        tracing::error!(job = job.id, %error, "could not record the lost lease");
                    }
                    return;
                }
                Some(Ok(JobOutcome::Done)) => {
                    metrics.observe(Outcome::Succeeded);
                    ledger.complete(&lease).await
                }
                Some(Ok(JobOutcome::RunAgainAt(at))) => {
                    metrics.observe(Outcome::Succeeded);
                    ledger.complete_and_repeat(&lease, at).await
                }
                Some(Err(failure)) if failure.permanent || job.attempts >= job.max_attempts => {
                    metrics.observe(Outcome::Dead);
                    tracing::error!(job = job.id, kind = %job.kind, error = %failure.message, "job dead");
                    ledger.fail_dead(&lease, &failure.message).await
                }
                Some(Err(failure)) => {
                    metrics.observe(Outcome::Retried);
                    let delay = backoff(job.attempts, options.backoff_base, options.backoff_max);
                    let retry_at = ledger.clock().now().plus(delay);
                    tracing::warn!(job = job.id, kind = %job.kind, error = %failure.message, retry_at = %retry_at, "job failed; will retry");
                    ledger
                        .fail_and_retry(&lease, &failure.message, retry_at)
                        .await
                }
            };
            match recorded {
                Ok(true) => tracing::info!(job = job.id, kind = %job.kind, "job finished"),
                Ok(false) => {
                    metrics.observe(Outcome::LeaseLost);
                    tracing::warn!(job = job.id, "lease lost before the outcome was recorded");
                }
                Err(error) => tracing::error!(job = job.id, %error, "could not record job outcome"),
            }
        }
    }

    async fn reap(
        &self,
        finished: Result<(TaskId, ()), tokio::task::JoinError>,
        leases: &mut HashMap<TaskId, Lease>,
    ) {
        match finished {
            Ok((id, ())) => {
                leases.remove(&id);
            }
            Err(error) => {
                let Some(lease) = leases.remove(&error.id()) else {
                    return;
                };
                let message = if error.is_panic() {
                    "the handler panicked"
                } else {
                    "the task was aborted"
                };
                tracing::error!(job = lease.job_id, message, "job task ended abnormally");
                self.metrics.observe(Outcome::Retried);
                let retry_at = self.ledger.clock().now().plus(self.options.backoff_base);
                if let Err(error) = self.ledger.fail_and_retry(&lease, message, retry_at).await {
                    tracing::error!(job = lease.job_id, %error, "could not record job failure");
                }
            }
        }
    }

    async fn drain(&self, mut running: JoinSet<()>, mut leases: HashMap<TaskId, Lease>) {
        if running.is_empty() {
            return;
        }
        tracing::info!(running = running.len(), grace = ?self.options.shutdown_grace, "waiting for running jobs");
        let deadline = tokio::time::sleep(self.options.shutdown_grace);
        tokio::pin!(deadline);
        loop {
            tokio::select! {
                finished = running.join_next_with_id() => match finished {
                    Some(Ok((id, ()))) => { leases.remove(&id); }
                    Some(Err(error)) => { leases.remove(&error.id()); }
                    None => break,
                },
                () = &mut deadline => break,
            }
        }
        running.abort_all();
        while running.join_next().await.is_some() {}
        for lease in leases.values() {
            match self.ledger.release(lease, "released at shutdown").await {
                Ok(_) => {
                    self.metrics.observe(Outcome::Released);
                    tracing::warn!(
                        job = lease.job_id,
                        "job did not finish in time; lease released"
                    );
                }
                Err(error) => {
                    tracing::error!(job = lease.job_id, %error, "could not release lease")
                }
            }
        }
    }
}
