//! What an operator's Prometheus scrapes (`/metrics`): requests and their latency per route,
//! the outbox (queued, sending, sent and dead messages), webhook deliveries by state, the
//! background jobs' last run, time
//! taken and failures, and the database pool. One registry per portal process (tests run many
//! portals in one process, each with its own).

use crate::db::Db;
use prometheus::{
    Encoder, GaugeVec, HistogramOpts, HistogramVec, IntCounterVec, IntGaugeVec, Opts, Registry,
    TextEncoder,
};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    outbox: IntGaugeVec,
    webhooks: IntGaugeVec,
    job_last_run: GaugeVec,
    job_duration: GaugeVec,
    job_failures: IntCounterVec,
    pool: IntGaugeVec,
}

/// The background jobs of `serve`, as the metrics name them.
pub const JOBS: [&str; 4] = ["mail", "webhooks", "sweep", "process_orders"];

/// The outbox states every scrape reports (zero when there is none).
const OUTBOX_STATES: [&str; 4] = ["queued", "sending", "sent", "dead"];
/// The webhook delivery states every scrape reports.
const WEBHOOK_STATES: [&str; 4] = ["queued", "sending", "delivered", "dead"];

impl Metrics {
    /// The metrics of one portal process. Their names and labels are fixed; an invalid one
    /// would be refused here, at start-up, never while serving.
    pub fn new() -> prometheus::Result<Metrics> {
        let requests = IntCounterVec::new(
            Opts::new("portal_http_requests_total", "HTTP requests answered"),
            &["method", "route", "status"],
        )?;
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "portal_http_request_duration_seconds",
                "Time to answer an HTTP request, by route",
            )
            .buckets(vec![
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
            ]),
            &["route"],
        )?;
        let outbox = IntGaugeVec::new(
            Opts::new("portal_outbox_messages", "Mail in the outbox, by state"),
            &["status"],
        )?;
        let webhooks = IntGaugeVec::new(
            Opts::new("portal_webhook_deliveries", "Webhook deliveries, by state"),
            &["status"],
        )?;
        let job_last_run = GaugeVec::new(
            Opts::new(
                "portal_job_last_run_timestamp_seconds",
                "When a background job last finished (Unix time)",
            ),
            &["job"],
        )?;
        let job_duration = GaugeVec::new(
            Opts::new(
                "portal_job_last_duration_seconds",
                "How long a background job's last run took",
            ),
            &["job"],
        )?;
        let job_failures = IntCounterVec::new(
            Opts::new(
                "portal_job_failures_total",
                "Background job runs that failed",
            ),
            &["job"],
        )?;
        let pool = IntGaugeVec::new(
            Opts::new(
                "portal_db_pool_connections",
                "Database connections of this process, in use or idle",
            ),
            &["state"],
        )?;
        let registry = Registry::new();
        for c in [
            Box::new(requests.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(latency.clone()),
            Box::new(outbox.clone()),
            Box::new(webhooks.clone()),
            Box::new(job_last_run.clone()),
            Box::new(job_duration.clone()),
            Box::new(job_failures.clone()),
            Box::new(pool.clone()),
        ] {
            registry.register(c)?;
        }
        for job in JOBS {
            job_failures.with_label_values(&[job]);
        }
        Ok(Metrics {
            registry,
            requests,
            latency,
            outbox,
            webhooks,
            job_last_run,
            job_duration,
            job_failures,
            pool,
        })
    }

    /// Counts a request. `route` is the route's pattern (`/orders/{id}`), never the path, so
    /// the number of series stays that of the route table.
    pub fn observe_request(&self, method: &str, route: &str, status: u16, took: Duration) {
        self.requests
            .with_label_values(&[method, route, &status.to_string()])
            .inc();
        self.latency
            .with_label_values(&[route])
            .observe(took.as_secs_f64());
    }

    /// Records a run of a background job that took `took` and ended now.
    pub fn observe_job(&self, job: &str, took: Duration, ok: bool) {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs_f64();
        self.job_last_run.with_label_values(&[job]).set(now);
        self.job_duration
            .with_label_values(&[job])
            .set(took.as_secs_f64());
        if !ok {
            self.job_failures.with_label_values(&[job]).inc();
        }
    }

    /// The text a scraper reads, with the outbox and the pool read now.
    pub async fn render(&self, db: &Db) -> anyhow::Result<String> {
        let mail = crate::db::outbox::counts(&db.pool).await?;
        let webhooks = crate::db::webhooks::counts(&db.pool).await?;
        for (gauge, states, counts) in [
            (&self.outbox, OUTBOX_STATES, mail),
            (&self.webhooks, WEBHOOK_STATES, webhooks),
        ] {
            for state in states {
                let n = counts
                    .iter()
                    .find(|(s, _)| s == state)
                    .map_or(0, |(_, n)| *n);
                gauge.with_label_values(&[state]).set(n);
            }
        }
        // Both pools: the main one and the list pages' own (`db::lists`).
        let (lists, lists_idle) = db.lists.as_ref().map_or((0, 0), |l| (l.open(), l.idle()));
        let size = i64::from(db.pool.size()) + i64::try_from(lists).unwrap_or(0);
        let idle = i64::try_from(db.pool.num_idle() + lists_idle).unwrap_or(size);
        self.pool.with_label_values(&["in_use"]).set(size - idle);
        self.pool.with_label_values(&["idle"]).set(idle);
        let mut text = Vec::new();
        TextEncoder::new().encode(&self.registry.gather(), &mut text)?;
        Ok(String::from_utf8(text)?)
    }
}
