//! `/metrics` in Prometheus's text format: the dashboard's own HTTP traffic, plus what the
//! process knows live (gateway events, shards, commands) and the job worker's counters.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use guildhall_core::jobs::LATENESS_BUCKETS_MS;

use crate::app::App;

/// Upper bounds of the request latency histogram, in seconds.
pub const LATENCY_BUCKETS_SECS: [f64; 11] = [
    0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

#[derive(Debug, Default, Clone)]
struct Histogram {
    buckets: [u64; LATENCY_BUCKETS_SECS.len()],
    count: u64,
    sum_secs: f64,
}

/// Request counts by route template and status, and latency by route template.
#[derive(Debug, Default)]
pub struct HttpMetrics {
    requests: Mutex<BTreeMap<(String, u16), u64>>,
    latency: Mutex<BTreeMap<String, Histogram>>,
}

impl HttpMetrics {
    fn observe(&self, route: &str, status: u16, elapsed: Duration) {
        *self
            .requests
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .entry((route.to_owned(), status))
            .or_default() += 1;
        let seconds = elapsed.as_secs_f64();
        let mut latency = self
            .latency
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let histogram = latency.entry(route.to_owned()).or_default();
        for (bucket, bound) in histogram.buckets.iter_mut().zip(LATENCY_BUCKETS_SECS) {
            if seconds <= bound {
                *bucket += 1;
            }
        }
        histogram.count += 1;
        histogram.sum_secs += seconds;
    }
}

/// Middleware counting every request under its route template (not its concrete path, so
/// guild ids do not explode the series).
pub async fn track(State(app): State<App>, request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |path| path.as_str().to_owned());
    let started = Instant::now();
    let response = next.run(request).await;
    app.inner
        .http_metrics
        .observe(&route, response.status().as_u16(), started.elapsed());
    response
}

fn label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// The whole exposition.
pub async fn render(app: &App) -> String {
    let mut out = String::new();
    let web = &app.web;
    let http = &app.inner.http_metrics;

    out.push_str("# HELP guildhall_http_requests_total Dashboard HTTP requests by route template and status.\n");
    out.push_str("# TYPE guildhall_http_requests_total counter\n");
    for ((route, status), count) in http
        .requests
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .iter()
    {
        let _ = writeln!(
            out,
            "guildhall_http_requests_total{{route=\"{}\",status=\"{status}\"}} {count}",
            label(route)
        );
    }
    out.push_str("# HELP guildhall_http_request_duration_seconds Dashboard request latency.\n");
    out.push_str("# TYPE guildhall_http_request_duration_seconds histogram\n");
    let latency = http
        .latency
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone();
    for (route, histogram) in &latency {
        let route = label(route);
        for (bound, count) in LATENCY_BUCKETS_SECS.iter().zip(histogram.buckets) {
            let _ = writeln!(
                out,
                "guildhall_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{bound}\"}} {count}"
            );
        }
        let _ = writeln!(
            out,
            "guildhall_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}",
            histogram.count
        );
        let _ = writeln!(
            out,
            "guildhall_http_request_duration_seconds_sum{{route=\"{route}\"}} {}",
            histogram.sum_secs
        );
        let _ = writeln!(
            out,
            "guildhall_http_request_duration_seconds_count{{route=\"{route}\"}} {}",
            histogram.count
        );
    }

    let events = web.core.live.event_rates(web.core.clock.now());
    out.push_str("# HELP guildhall_gateway_events_total Gateway events received.\n");
    out.push_str("# TYPE guildhall_gateway_events_total counter\n");
    let _ = writeln!(out, "guildhall_gateway_events_total {}", events.total);
    out.push_str(
        "# HELP guildhall_gateway_events_by_name_total Gateway events received, by event name.\n",
    );
    out.push_str("# TYPE guildhall_gateway_events_by_name_total counter\n");
    for (name, count) in &events.by_name {
        let _ = writeln!(
            out,
            "guildhall_gateway_events_by_name_total{{event=\"{}\"}} {count}",
            label(name)
        );
    }

    let shards = web.core.live.shards();
    out.push_str("# HELP guildhall_shards Shards of this process.\n");
    out.push_str("# TYPE guildhall_shards gauge\n");
    let _ = writeln!(out, "guildhall_shards {}", shards.len());
    out.push_str("# HELP guildhall_shard_connected Whether a shard is connected (1) or not (0).\n");
    out.push_str("# TYPE guildhall_shard_connected gauge\n");
    for shard in &shards {
        let connected = u8::from(shard.stage == guildhall_core::live::ShardStage::Connected);
        let _ = writeln!(
            out,
            "guildhall_shard_connected{{shard=\"{}\"}} {connected}",
            shard.id
        );
    }
    out.push_str("# HELP guildhall_shard_latency_ms Heartbeat round trip of each shard.\n");
    out.push_str("# TYPE guildhall_shard_latency_ms gauge\n");
    for shard in &shards {
        if let Some(latency) = shard.latency_ms {
            let _ = writeln!(
                out,
                "guildhall_shard_latency_ms{{shard=\"{}\"}} {latency}",
                shard.id
            );
        }
    }
    out.push_str("# HELP guildhall_shard_guilds Guilds on each shard.\n");
    out.push_str("# TYPE guildhall_shard_guilds gauge\n");
    for shard in &shards {
        let _ = writeln!(
            out,
            "guildhall_shard_guilds{{shard=\"{}\"}} {}",
            shard.id, shard.guilds
        );
    }

    let commands = web.core.live.command_counts();
    out.push_str("# HELP guildhall_commands_total Commands run, by command and outcome.\n");
    out.push_str("# TYPE guildhall_commands_total counter\n");
    for (command, outcome, count) in &commands {
        let _ = writeln!(
            out,
            "guildhall_commands_total{{command=\"{}\",outcome=\"{}\"}} {}",
            label(command),
            label(outcome),
            count.runs
        );
    }
    out.push_str("# HELP guildhall_command_duration_ms_total Total command latency, by command and outcome.\n");
    out.push_str("# TYPE guildhall_command_duration_ms_total counter\n");
    for (command, outcome, count) in &commands {
        let _ = writeln!(
            out,
            "guildhall_command_duration_ms_total{{command=\"{}\",outcome=\"{}\"}} {}",
            label(command),
            label(outcome),
            count.total_ms
        );
    }

    if let Some(job_metrics) = &web.job_metrics {
        let snapshot = job_metrics.snapshot();
        out.push_str("# HELP guildhall_job_attempts_total Job attempts by outcome.\n");
        out.push_str("# TYPE guildhall_job_attempts_total counter\n");
        for (outcome, count) in [
            ("started", snapshot.started),
            ("succeeded", snapshot.succeeded),
            ("retried", snapshot.retried),
            ("dead", snapshot.dead),
            ("released", snapshot.released),
            ("lease_lost", snapshot.lease_lost),
        ] {
            let _ = writeln!(
                out,
                "guildhall_job_attempts_total{{outcome=\"{outcome}\"}} {count}"
            );
        }
        out.push_str(
            "# HELP guildhall_job_lateness_ms How late jobs started after their due time.\n",
        );
        out.push_str("# TYPE guildhall_job_lateness_ms histogram\n");
        for (bound, count) in LATENESS_BUCKETS_MS.iter().zip(&snapshot.lateness_buckets) {
            let _ = writeln!(
                out,
                "guildhall_job_lateness_ms_bucket{{le=\"{bound}\"}} {count}"
            );
        }
        let _ = writeln!(
            out,
            "guildhall_job_lateness_ms_bucket{{le=\"+Inf\"}} {}",
            snapshot.lateness_count
        );
        let _ = writeln!(
            out,
            "guildhall_job_lateness_ms_sum {}",
            snapshot.lateness_sum_ms
        );
        let _ = writeln!(
            out,
            "guildhall_job_lateness_ms_count {}",
            snapshot.lateness_count
        );
    }

    match web.core.ledger.counts().await {
        Ok(counts) => {
            out.push_str("# HELP guildhall_jobs Jobs in the ledger by state.\n");
            out.push_str("# TYPE guildhall_jobs gauge\n");
            for (state, count) in counts {
                let _ = writeln!(out, "guildhall_jobs{{state=\"{state}\"}} {count}");
            }
        }
        Err(error) => tracing::warn!(%error, "could not count jobs for /metrics"),
    }
    out
}
