//! Counters and the lateness histogram of the job worker, read by `/metrics` and the console.

use std::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;

/// Upper bounds of the lateness histogram's buckets, in milliseconds (Prometheus `le`).
pub const LATENESS_BUCKETS_MS: [u64; 11] = [
    10, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000, 60_000,
];

/// The worker's counters. Cheap to update from every job task.
#[derive(Debug, Default)]
pub struct JobMetrics {
    started: AtomicU64,
    succeeded: AtomicU64,
    retried: AtomicU64,
    dead: AtomicU64,
    released: AtomicU64,
    lease_lost: AtomicU64,
    lateness_buckets: [AtomicU64; LATENESS_BUCKETS_MS.len()],
    lateness_count: AtomicU64,
    lateness_sum_ms: AtomicU64,
}

/// A copy of the counters at one moment.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct MetricsSnapshot {
    /// Attempts started.
    pub started: u64,
    /// Attempts that finished the job (or rescheduled it).
    pub succeeded: u64,
    /// Attempts that failed and were scheduled again.
    pub retried: u64,
    /// Jobs that became dead.
    pub dead: u64,
    /// Leases given back on shutdown.
    pub released: u64,
    /// Attempts whose lease was lost (cancelled or taken over).
    pub lease_lost: u64,
    /// Cumulative counts per bucket of [`LATENESS_BUCKETS_MS`].
    pub lateness_buckets: Vec<u64>,
    /// Lateness observations.
    pub lateness_count: u64,
    /// Sum of lateness, in milliseconds.
    pub lateness_sum_ms: u64,
}

/// What happened to an attempt.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Outcome {
    Succeeded,
    Retried,
    Dead,
    Released,
    LeaseLost,
}

impl JobMetrics {
    pub(crate) fn observe_start(&self, lateness_ms: i64) {
        self.started.fetch_add(1, Ordering::Relaxed);
        let lateness = u64::try_from(lateness_ms).unwrap_or(0);
        for (bucket, bound) in self.lateness_buckets.iter().zip(LATENESS_BUCKETS_MS) {
            if lateness <= bound {
                bucket.fetch_add(1, Ordering::Relaxed);
            }
        }
        self.lateness_count.fetch_add(1, Ordering::Relaxed);
        self.lateness_sum_ms.fetch_add(lateness, Ordering::Relaxed);
    }

    pub(crate) fn observe(&self, outcome: Outcome) {
        let counter = match outcome {
            Outcome::Succeeded => &self.succeeded,
            Outcome::Retried => &self.retried,
            Outcome::Dead => &self.dead,
            Outcome::Released => &self.released,
            Outcome::LeaseLost => &self.lease_lost,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// The counters now.
    pub fn snapshot(&self) -> MetricsSnapshot {
        let load = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        MetricsSnapshot {
            started: load(&self.started),
            succeeded: load(&self.succeeded),
            retried: load(&self.retried),
            dead: load(&self.dead),
            released: load(&self.released),
            lease_lost: load(&self.lease_lost),
            lateness_buckets: self.lateness_buckets.iter().map(load).collect(),
            lateness_count: load(&self.lateness_count),
            lateness_sum_ms: load(&self.lateness_sum_ms),
        }
    }
}
