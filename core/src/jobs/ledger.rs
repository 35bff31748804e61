//! [`JobLedger`]: the SQL side of the job ledger.

use std::sync::Arc;
use std::time::Duration;

use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row as _};
use tokio::sync::Notify;

use super::{JobFilter, JobId, JobRecord, JobRun, JobState, NewJob};
use crate::clock::{SharedClock, UnixMillis};
use crate::coordination::Coordination;
use crate::db::{Backend, Db, DbError};
use crate::ids::GuildId;

/// The coordination topic that wakes workers in other processes when a job is scheduled.
pub const WAKE_TOPIC: &str = "jobs.wake";

/// A ledger request that could not be carried out.
#[derive(Debug, thiserror::Error)]
pub enum JobLedgerError {
    /// No job has this id.
    #[error("no job with id {0}")]
    NotFound(JobId),
    /// The job is in a state that does not allow the request.
    #[error("job {id} is {state}; {action} needs a job that is {allowed}")]
    WrongState {
        /// The job.
        id: JobId,
        /// Its state.
        state: JobState,
        /// What was asked.
        action: &'static str,
        /// The states that allow it.
        allowed: &'static str,
    },
    /// The database failed.
    #[error(transparent)]
    Storage(#[from] DbError),
}

impl From<sqlx::Error> for JobLedgerError {
    fn from(error: sqlx::Error) -> Self {
        Self::Storage(DbError::Sql(error))
    }
}

/// Proof that a worker holds a job: the job id, the token written at claim, and the run row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    /// The job.
    pub job_id: JobId,
    /// The attempt number.
    pub attempt: u32,
    /// Written at claim; every later update checks it, so a worker whose lease was taken over
    /// or cancelled cannot complete the job.
    pub token: String,
    /// The `job_runs` row of this attempt.
    pub run_id: i64,
}

/// The durable job table.
#[derive(Debug, Clone)]
pub struct JobLedger {
    db: Db,
    clock: SharedClock,
    default_max_attempts: u32,
    wake: Arc<Notify>,
    coordination: Option<Arc<dyn Coordination>>,
}

const COLUMNS: &str = "id, kind, guild_id, payload, dedupe_key, state, due_at, attempts, max_attempts, \
     lease_owner, lease_until, last_error, lateness_ms, created_at, updated_at, started_at, finished_at";

fn job(row: &AnyRow) -> Result<JobRecord, DbError> {
    let state: String = row.try_get("state")?;
    let payload: String = row.try_get("payload")?;
    let millis = |column: &str| -> Result<Option<UnixMillis>, sqlx::Error> {
        Ok(row.try_get::<Option<i64>, _>(column)?.map(UnixMillis))
    };
    Ok(JobRecord {
        id: row.try_get("id")?,
        kind: row.try_get("kind")?,
        guild: row
            .try_get::<Option<i64>, _>("guild_id")?
            .map(GuildId::from_db),
        payload: serde_json::from_str(&payload)
            .map_err(|error| DbError::Corrupt(format!("job payload: {error}")))?,
        dedupe_key: row.try_get("dedupe_key")?,
        state: state.parse().map_err(DbError::Corrupt)?,
        due_at: UnixMillis(row.try_get("due_at")?),
        attempts: count(row.try_get("attempts")?),
        max_attempts: count(row.try_get("max_attempts")?),
        lease_owner: row.try_get("lease_owner")?,
        lease_until: millis("lease_until")?,
        last_error: row.try_get("last_error")?,
        lateness_ms: row.try_get("lateness_ms")?,
        created_at: UnixMillis(row.try_get("created_at")?),
        updated_at: UnixMillis(row.try_get("updated_at")?),
        started_at: millis("started_at")?,
        finished_at: millis("finished_at")?,
    })
}

fn count(value: i64) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}

fn random_token() -> String {
    use std::collections::hash_map::RandomState;
    use std::hash::{BuildHasher as _, Hasher as _};
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|elapsed| elapsed.as_nanos())
            .unwrap_or_default(),
    );
    format!(
        "{:016x}{:016x}",
        hasher.finish(),
        RandomState::new().build_hasher().finish()
    )
}

impl JobLedger {
    /// A ledger on `db`. Jobs get `default_max_attempts` unless they say otherwise.
    pub fn new(db: Db, clock: SharedClock, default_max_attempts: u32) -> Self {
        Self {
            db,
            clock,
            default_max_attempts: default_max_attempts.max(1),
            wake: Arc::new(Notify::new()),
            coordination: None,
        }
    }

    /// Also announces new jobs on the coordination bus, so workers in other processes wake at
    /// once (with Redis); without it they notice within their poll interval.
    #[must_use]
    pub fn with_coordination(mut self, coordination: Arc<dyn Coordination>) -> Self {
        self.coordination = Some(coordination);
        self
    }

    /// The coordination bus, if any.
    pub fn coordination(&self) -> Option<&Arc<dyn Coordination>> {
        self.coordination.as_ref()
    }

    /// Woken whenever a job may have become due earlier than expected.
    pub fn wake_signal(&self) -> Arc<Notify> {
        Arc::clone(&self.wake)
    }

    /// The clock.
    pub fn clock(&self) -> &SharedClock {
        &self.clock
    }

    /// The database.
    pub fn db(&self) -> &Db {
        &self.db
    }

    async fn announce(&self) {
        self.wake.notify_waiters();
        if let Some(coordination) = &self.coordination
            && let Err(error) = coordination.publish(WAKE_TOPIC, "scheduled").await
        {
            tracing::debug!(%error, "could not announce a scheduled job; workers will poll");
        }
    }

    /// Schedules a job. With a dedupe key already used for this kind, returns the existing job
    /// unchanged instead.
    ///
    /// # Errors
    /// [`JobLedgerError::Storage`].
    pub async fn schedule(&self, new: NewJob) -> Result<JobRecord, JobLedgerError> {
        let now = self.clock.now();
        let max_attempts = new.max_attempts.unwrap_or(self.default_max_attempts).max(1);
        let payload = new
            .payload
            .as_ref()
            .map_err(|error| JobLedgerError::Storage(DbError::Corrupt(error.clone())))?;
        let inserted = sqlx::query(AssertSqlSafe(format!(
            "INSERT INTO jobs (kind, guild_id, payload, dedupe_key, state, due_at, attempts, max_attempts, created_at, updated_at)
             VALUES ($1, $2, $3, $4, 'pending', $5, 0, $6, $7, $7)
             ON CONFLICT (kind, dedupe_key) DO NOTHING
             RETURNING {COLUMNS}"
        )))
        .bind(&new.kind)
        .bind(new.guild.map(GuildId::to_db))
        .bind(payload.to_string())
        .bind(new.dedupe_key.clone())
        .bind(new.due_at.0)
        .bind(i64::from(max_attempts))
        .bind(now.0)
        .fetch_optional(self.db.pool())
        .await?;
        let scheduled = match inserted {
            Some(row) => job(&row)?,
            None => {
                let row = sqlx::query(AssertSqlSafe(format!(
                    "SELECT {COLUMNS} FROM jobs WHERE kind = $1 AND dedupe_key = $2"
                )))
                .bind(&new.kind)
                .bind(new.dedupe_key.clone())
                .fetch_one(self.db.pool())
                .await?;
                return Ok(job(&row)?);
            }
        };
        tracing::debug!(job = scheduled.id, kind = %scheduled.kind, due = %scheduled.due_at, "job scheduled");
        self.announce().await;
        Ok(scheduled)
    }

    /// One job.
    ///
    /// # Errors
    /// [`JobLedgerError::NotFound`], [`JobLedgerError::Storage`].
    pub async fn get(&self, id: JobId) -> Result<JobRecord, JobLedgerError> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM jobs WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(self.db.pool())
        .await?
        .ok_or(JobLedgerError::NotFound(id))?;
        Ok(job(&row)?)
    }

    /// Jobs matching a filter: unfinished ones soonest first, finished ones latest first.
    ///
    /// # Errors
    /// [`JobLedgerError::Storage`].
    pub async fn list(&self, filter: &JobFilter) -> Result<Vec<JobRecord>, JobLedgerError> {
        let mut conditions = Vec::new();
        let mut next = 1;
        let mut placeholder = || {
            let text = format!("${next}");
            next += 1;
            text
        };
        if filter.state.is_some() {
            conditions.push(format!("state = {}", placeholder()));
        }
        if filter.kind.is_some() {
            conditions.push(format!("kind = {}", placeholder()));
        }
        if filter.guild.is_some() {
            conditions.push(format!("guild_id = {}", placeholder()));
        }
        let limit = placeholder();
        let where_clause = if conditions.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", conditions.join(" AND "))
        };
        let order = match filter.state {
            Some(JobState::Done | JobState::Dead | JobState::Cancelled) => "due_at DESC, id DESC",
            _ => "CASE WHEN state IN ('pending', 'running') THEN 0 ELSE 1 END, due_at, id",
        };
        let sql =
            format!("SELECT {COLUMNS} FROM jobs {where_clause} ORDER BY {order} LIMIT {limit}");
        let mut query = sqlx::query(AssertSqlSafe(sql));
        if let Some(state) = filter.state {
            query = query.bind(state.as_str());
        }
        if let Some(kind) = &filter.kind {
            query = query.bind(kind.clone());
        }
        if let Some(guild) = filter.guild {
            query = query.bind(guild.to_db());
        }
        let limit = if filter.limit == 0 { 100 } else { filter.limit };
        let rows = query
            .bind(i64::from(limit))
            .fetch_all(self.db.pool())
            .await?;
        Ok(rows.iter().map(job).collect::<Result<_, _>>()?)
    }

    /// The attempts made at a job, oldest first.
    ///
    /// # Errors
    /// [`JobLedgerError::Storage`].
    pub async fn runs(&self, id: JobId) -> Result<Vec<JobRun>, JobLedgerError> {
        let rows = sqlx::query(
            "SELECT id, job_id, attempt, worker, started_at, lateness_ms, finished_at, outcome, error
             FROM job_runs WHERE job_id = $1 ORDER BY id",
        )
        .bind(id)
        .fetch_all(self.db.pool())
        .await?;
        let run = |row: &AnyRow| -> Result<JobRun, sqlx::Error> {
            Ok(JobRun {
                id: row.try_get("id")?,
                job_id: row.try_get("job_id")?,
                attempt: count(row.try_get("attempt")?),
                worker: row.try_get("worker")?,
                started_at: UnixMillis(row.try_get("started_at")?),
                lateness_ms: row.try_get("lateness_ms")?,
                finished_at: row
                    .try_get::<Option<i64>, _>("finished_at")?
                    .map(UnixMillis),
                outcome: row.try_get("outcome")?,
                error: row.try_get("error")?,
            })
        };
        Ok(rows.iter().map(run).collect::<Result<_, _>>()?)
    }

    /// How many jobs are in each state.
    ///
    /// # Errors
    /// [`JobLedgerError::Storage`].
    pub async fn counts(&self) -> Result<Vec<(JobState, i64)>, JobLedgerError> {
        let rows = sqlx::query("SELECT state, COUNT(*) AS n FROM jobs GROUP BY state")
            .fetch_all(self.db.pool())
            .await?;
        let mut counts: Vec<(JobState, i64)> =
            JobState::ALL.iter().map(|state| (*state, 0)).collect();
        for row in &rows {
            let state: JobState = row
                .try_get::<String, _>("state")?
                .parse()
                .map_err(DbError::Corrupt)?;
            let n: i64 = row.try_get("n")?;
            if let Some(slot) = counts.iter_mut().find(|(known, _)| *known == state) {
                slot.1 = n;
            }
        }
        Ok(counts)
    }

    async fn transition(
        &self,
        id: JobId,
        action: &'static str,
        allowed: &'static str,
        sql: &'static str,
        due_at: Option<UnixMillis>,
    ) -> Result<JobRecord, JobLedgerError> {
        let now = self.clock.now();
        let mut query = sqlx::query(AssertSqlSafe(format!("{sql} RETURNING {COLUMNS}")))
            .bind(id)
            .bind(now.0);
        if let Some(due_at) = due_at {
            query = query.bind(due_at.0);
        }
        match query.fetch_optional(self.db.pool()).await? {
            Some(row) => Ok(job(&row)?),
            None => {
                let current = self.get(id).await?;
                Err(JobLedgerError::WrongState {
                    id,
                    state: current.state,
                    action,
                    allowed,
                })
            }
        }
    }

    /// Cancels a pending or running job. A pending job never runs; a running one loses its
    /// lease, so its worker stops it at the next lease renewal and cannot record it as done.
    ///
    /// # Errors
    /// [`JobLedgerError::WrongState`] for a finished job; [`JobLedgerError::NotFound`].
    pub async fn cancel(&self, id: JobId) -> Result<JobRecord, JobLedgerError> {
        self.transition(
            id,
            "cancel",
            "pending or running",
            "UPDATE jobs SET state = 'cancelled', finished_at = $2, updated_at = $2,
                 lease_owner = NULL, lease_token = NULL, lease_until = NULL
             WHERE id = $1 AND state IN ('pending', 'running')",
            None,
        )
        .await
    }

    /// Runs a dead or cancelled job again from its first attempt, now; a pending job (waiting
    /// for a retry) is made due now.
    ///
    /// # Errors
    /// [`JobLedgerError::WrongState`] for a running or done job; [`JobLedgerError::NotFound`].
    pub async fn retry(&self, id: JobId) -> Result<JobRecord, JobLedgerError> {
        let job = self
            .transition(
                id,
                "retry",
                "dead, cancelled or pending",
                "UPDATE jobs SET state = 'pending', due_at = $2, updated_at = $2, finished_at = NULL,
                     attempts = CASE WHEN state = 'pending' THEN attempts ELSE 0 END
                 WHERE id = $1 AND state IN ('dead', 'cancelled', 'pending')",
                None,
            )
            .await?;
        self.announce().await;
        Ok(job)
    }

    /// Moves a pending job's due time.
    ///
    /// # Errors
    /// [`JobLedgerError::WrongState`] unless the job is pending; [`JobLedgerError::NotFound`].
    pub async fn reschedule(
        &self,
        id: JobId,
        due_at: UnixMillis,
    ) -> Result<JobRecord, JobLedgerError> {
        let job = self
            .transition(
                id,
                "reschedule",
                "pending",
                "UPDATE jobs SET due_at = $3, updated_at = $2 WHERE id = $1 AND state = 'pending'",
                Some(due_at),
            )
            .await?;
        self.announce().await;
        Ok(job)
    }

    /// Claims up to `limit` due jobs of the given kinds for `worker`, leased for `lease`, and
    /// records an attempt for each. Jobs whose lease expired (their worker died) are claimed
    /// again; those that already used their last attempt become dead.
    ///
    /// # Errors
    /// [`JobLedgerError::Storage`].
    pub async fn claim(
        &self,
        worker: &str,
        kinds: &[String],
        limit: u32,
        lease: Duration,
    ) -> Result<Vec<(JobRecord, Lease)>, JobLedgerError> {
        if kinds.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        let now = self.clock.now();
        self.bury_expired(now).await?;
        let token = random_token();
        let kind_placeholders: Vec<String> = (0..kinds.len())
            .map(|index| format!("${}", index + 6))
            .collect();
        // The one backend-specific statement of the ledger: PostgreSQL lets concurrent workers
        // skip rows another transaction holds; SQLite serializes writers, so the plain
        // subquery is already exclusive.
        let lock = match self.db.backend() {
            Backend::Postgres => "FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let sql = format!(
            "UPDATE jobs SET state = 'running', attempts = attempts + 1, lease_owner = $1,
                 lease_token = $2, lease_until = $3, started_at = $4, lateness_ms = $4 - due_at,
                 updated_at = $4
             WHERE id IN (
                 SELECT id FROM jobs
                 WHERE ((state = 'pending' AND due_at <= $4) OR (state = 'running' AND lease_until < $4))
                   AND attempts < max_attempts AND kind IN ({})
                 ORDER BY due_at, id LIMIT $5 {lock})
             RETURNING {COLUMNS}",
            kind_placeholders.join(", ")
        );
        let mut transaction = self.db.begin_write().await?;
        let mut query = sqlx::query(AssertSqlSafe(sql))
            .bind(worker.to_owned())
            .bind(token.clone())
            .bind(now.plus(lease).0)
            .bind(now.0)
            .bind(i64::from(limit));
        for kind in kinds {
            query = query.bind(kind.clone());
        }
        let rows = query.fetch_all(&mut *transaction).await?;
        let mut claimed = Vec::with_capacity(rows.len());
        for row in &rows {
            let job = job(row)?;
            let run = sqlx::query(
                "INSERT INTO job_runs (job_id, attempt, worker, started_at, lateness_ms)
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(job.id)
            .bind(i64::from(job.attempts))
            .bind(worker.to_owned())
            .bind(now.0)
            .bind(job.lateness_ms.unwrap_or(0))
            .fetch_one(&mut *transaction)
            .await?;
            let lease = Lease {
                job_id: job.id,
                attempt: job.attempts,
                token: token.clone(),
                run_id: run.try_get("id")?,
            };
            claimed.push((job, lease));
        }
        transaction.commit().await?;
        claimed.sort_by_key(|(job, _)| (job.due_at, job.id));
        Ok(claimed)
    }

    async fn bury_expired(&self, now: UnixMillis) -> Result<(), JobLedgerError> {
        sqlx::query(
            "UPDATE jobs SET state = 'dead', finished_at = $1, updated_at = $1,
                 last_error = COALESCE(last_error, 'the worker running the last attempt stopped'),
                 lease_owner = NULL, lease_token = NULL, lease_until = NULL
             WHERE state = 'running' AND lease_until < $1 AND attempts >= max_attempts",
        )
        .bind(now.0)
        .execute(self.db.pool())
        .await?;
        Ok(())
    }

    /// The earliest due time among pending jobs of these kinds.
    ///
    /// # Errors
    /// [`JobLedgerError::Storage`].
    pub async fn next_due(&self, kinds: &[String]) -> Result<Option<UnixMillis>, JobLedgerError> {
        if kinds.is_empty() {
            return Ok(None);
        }
        let placeholders: Vec<String> =
            (1..=kinds.len()).map(|index| format!("${index}")).collect();
        let mut query = sqlx::query(AssertSqlSafe(format!(
            "SELECT MIN(due_at) AS due FROM jobs WHERE state = 'pending' AND kind IN ({})",
            placeholders.join(", ")
        )));
        for kind in kinds {
            query = query.bind(kind.clone());
        }
        let row = query.fetch_one(self.db.pool()).await?;
        Ok(row.try_get::<Option<i64>, _>("due")?.map(UnixMillis))
    }

    /// Extends a lease. `false` means the lease is gone (cancelled or taken over): stop.
    ///
    /// # Errors
    /// [`JobLedgerError::Storage`].
    pub async fn renew(&self, lease: &Lease, duration: Duration) -> Result<bool, JobLedgerError> {
        let now = self.clock.now();
        let result = sqlx::query(
            "UPDATE jobs SET lease_until = $3, updated_at = $4
             WHERE id = $1 AND lease_token = $2 AND state = 'running'",
        )
        .bind(lease.job_id)
        .bind(lease.token.clone())
        .bind(now.plus(duration).0)
        .bind(now.0)
        .execute(self.db.pool())
        .await?;
        Ok(result.rows_affected() == 1)
    }

    /// Finishes a leased attempt: `next` is `None` for done, or the time to run again (a recurring
    /// job, or a retry after `error`). `dead` marks the job dead instead. Returns `false` when
    /// the lease was lost and nothing was recorded on the job.
    async fn finish(
        &self,
        lease: &Lease,
        outcome: &'static str,
        next: Option<UnixMillis>,
        error: Option<&str>,
    ) -> Result<bool, JobLedgerError> {
        let now = self.clock.now();
        let mut transaction = self.db.begin_write().await?;
        let (sql, due) = match (outcome, next) {
            ("ok", _) => (
                "UPDATE jobs SET state = 'done', finished_at = $3, updated_at = $3, last_error = $4,
                     lease_owner = NULL, lease_token = NULL, lease_until = NULL
                 WHERE id = $1 AND lease_token = $2 AND state = 'running'",
                None,
            ),
            ("dead", _) => (
                "UPDATE jobs SET state = 'dead', finished_at = $3, updated_at = $3, last_error = $4,
                     lease_owner = NULL, lease_token = NULL, lease_until = NULL
                 WHERE id = $1 AND lease_token = $2 AND state = 'running'",
                None,
            ),
            ("rescheduled", Some(due)) => (
                "UPDATE jobs SET state = 'pending', due_at = $5, attempts = 0, updated_at = $3, last_error = $4,
                     lease_owner = NULL, lease_token = NULL, lease_until = NULL
                 WHERE id = $1 AND lease_token = $2 AND state = 'running'",
                Some(due),
            ),
            ("released", _) => (
                "UPDATE jobs SET state = 'pending', attempts = attempts - 1, updated_at = $3,
                     last_error = COALESCE($4, last_error),
                     lease_owner = NULL, lease_token = NULL, lease_until = NULL
                 WHERE id = $1 AND lease_token = $2 AND state = 'running'",
                None,
            ),
            (_, due) => (
                "UPDATE jobs SET state = 'pending', due_at = $5, updated_at = $3, last_error = $4,
                     lease_owner = NULL, lease_token = NULL, lease_until = NULL
                 WHERE id = $1 AND lease_token = $2 AND state = 'running'",
                Some(due.unwrap_or(now)),
            ),
        };
        let mut query = sqlx::query(sql)
            .bind(lease.job_id)
            .bind(lease.token.clone())
            .bind(now.0)
            .bind(error.map(str::to_owned));
        if let Some(due) = due {
            query = query.bind(due.0);
        }
        let held = query.execute(&mut *transaction).await?.rows_affected() == 1;
        sqlx::query("UPDATE job_runs SET finished_at = $2, outcome = $3, error = $4 WHERE id = $1")
            .bind(lease.run_id)
            .bind(now.0)
            .bind(if held { outcome } else { "lease_lost" })
            .bind(error.map(str::to_owned))
            .execute(&mut *transaction)
            .await?;
        transaction.commit().await?;
        if held && due.is_some() {
            self.announce().await;
        }
        Ok(held)
    }

    /// Records a leased attempt as done. `false`: the lease was lost (cancelled or taken over).
    ///
    /// # Errors
    /// [`JobLedgerError::Storage`].
    pub async fn complete(&self, lease: &Lease) -> Result<bool, JobLedgerError> {
        self.finish(lease, "ok", None, None).await
    }

    /// Records a leased attempt as done and schedules the same job again at `due_at`
    /// (recurring work such as pruning).
    ///
    /// # Errors
    /// [`JobLedgerError::Storage`].
    pub async fn complete_and_repeat(
        &self,
        lease: &Lease,
        due_at: UnixMillis,
    ) -> Result<bool, JobLedgerError> {
        self.finish(lease, "rescheduled", Some(due_at), None).await
    }

    /// Records a failed attempt to be retried at `retry_at`.
    ///
    /// # Errors
    /// [`JobLedgerError::Storage`].
    pub async fn fail_and_retry(
        &self,
        lease: &Lease,
        error: &str,
        retry_at: UnixMillis,
    ) -> Result<bool, JobLedgerError> {
        self.finish(lease, "retry", Some(retry_at), Some(error))
            .await
    }

    /// Records a failed attempt after which the job is dead.
    ///
    /// # Errors
    /// [`JobLedgerError::Storage`].
    pub async fn fail_dead(&self, lease: &Lease, error: &str) -> Result<bool, JobLedgerError> {
        self.finish(lease, "dead", None, Some(error)).await
    }

    /// Gives a lease back without counting the attempt (shutdown before the job finished).
    ///
    /// # Errors
    /// [`JobLedgerError::Storage`].
    pub async fn release(&self, lease: &Lease, why: &str) -> Result<bool, JobLedgerError> {
        self.finish(lease, "released", None, Some(why)).await
    }

    /// Deletes done and cancelled jobs (and their runs) that finished before `before`. Dead
    /// jobs are kept until an operator retries or cancels them, and so are jobs scheduled with
    /// a dedupe key: they are the record that stops the same timer being scheduled twice.
    ///
    /// # Errors
    /// [`JobLedgerError::Storage`].
    pub async fn prune(&self, before: UnixMillis) -> Result<u64, JobLedgerError> {
        let mut transaction = self.db.begin_write().await?;
        sqlx::query(
            "DELETE FROM job_runs WHERE job_id IN
                 (SELECT id FROM jobs WHERE state IN ('done', 'cancelled') AND finished_at < $1
                      AND dedupe_key IS NULL)",
        )
        .bind(before.0)
        .execute(&mut *transaction)
        .await?;
        let deleted = sqlx::query(
            "DELETE FROM jobs WHERE state IN ('done', 'cancelled') AND finished_at < $1
                 AND dedupe_key IS NULL",
        )
        .bind(before.0)
        .execute(&mut *transaction)
        .await?
        .rows_affected();
        transaction.commit().await?;
        Ok(deleted)
    }
}
