//! Structured logs with `tracing` on stderr; `RUST_LOG` chooses what is shown (`RUST_LOG=warn`
//! silences the per-request lines). Plain text, coloured only on a terminal (never ANSI codes in
//! a log file), or one JSON object per line with `LOG_FORMAT=json`.

use std::io::IsTerminal;
use tracing_subscriber::fmt::format::FmtSpan;
use tracing_subscriber::EnvFilter;

/// Sets up logging; the returned guard flushes the lines still queued when it is dropped, so
/// the caller holds it until the process ends. Lines are written by a background thread
/// (`tracing_appender::non_blocking`): a request only queues its line. Should the queue ever
/// be full, lines are dropped rather than slowing requests (and the count of lost lines is
/// reported by the writer).
pub fn init() -> tracing_appender::non_blocking::WorkerGuard {
    let (writer, guard) = tracing_appender::non_blocking(std::io::stderr());
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,actix_server=warn"));
    let json = std::env::var("LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        // One line per request ("done", written when the response is ready): request id,
        // route, status, user, organisation and the time it took. Spans' own events (and
        // their timing, a clock read on every poll) are off.
        .with_span_events(FmtSpan::NONE)
        .with_writer(writer);
    let _ = if json {
        builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .try_init()
    } else {
        builder
            .with_ansi(std::io::stderr().is_terminal())
            .try_init()
    };
    guard
}
