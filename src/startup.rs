//! Builds the application: database, migrations, the HTTP server and the background jobs,
//! side by side in one process. Tests bind port 0 and read `port()`.

use crate::clock::Clock;
use crate::config::Settings;
use crate::db::Db;
use crate::web::session::{DbSessionStore, IDLE_TIMEOUT_SECS};
use crate::web::{self, AppState};
use actix_session::config::{BrowserSession, TtlExtensionPolicy};
use actix_session::SessionMiddleware;
use actix_web::body::MessageBody;
use actix_web::cookie::{Key, SameSite};
use actix_web::dev::{Server, ServiceRequest, ServiceResponse};
use actix_web::{middleware, App, HttpServer};
use anyhow::Context;
use std::net::TcpListener;
use std::time::Duration;
use tracing::Span;
use tracing_actix_web::{RootSpanBuilder, TracingLogger};

pub struct Application {
    server: Server,
    port: u16,
    address: String,
    metrics_address: Option<String>,
    pub db: Db,
}

/// Request spans carry the request id, method, route, status, latency, and the user and
/// organisation once `CurrentUser` knows them.
pub struct PortalSpan;

impl RootSpanBuilder for PortalSpan {
    /// A short span: the log line of a request is written for every request, so it says
    /// what an operator needs (method, route pattern, status, user, organisation, request id,
    /// time) and no more; the query string, which may hold names typed into filters, is left
    /// out.
    fn on_request_start(request: &ServiceRequest) -> Span {
        use actix_web::HttpMessage;
        let request_id = request
            .extensions()
            .get::<tracing_actix_web::RequestId>()
            .map(ToString::to_string)
            .unwrap_or_default();
        let route = request
            .match_pattern()
            .unwrap_or_else(|| "(none)".to_string());
        let span = tracing::info_span!(
            "request",
            method = %request.method(),
            route = route.as_str(),
            status = tracing::field::Empty,
            user_id = tracing::field::Empty,
            org_id = tracing::field::Empty,
            request_id = %request_id,
            took_ms = tracing::field::Empty,
        );
        // Matched once per request: the metrics count by the same pattern.
        request.extensions_mut().insert(web::metrics::Route(route));
        span
    }

    /// Records the status and writes the request's line (its time recorded by
    /// `web::metrics::observe`): a redirect to the login page or a 404 is not an error worth
    /// a line of its own, and unexpected failures are logged with their cause by `AppError`
    /// itself. The line is an event, not the span's close: timing the span would read the
    /// clock on every poll of every request (5% of a list page's instructions).
    fn on_request_end<B: MessageBody>(
        span: Span,
        outcome: &Result<ServiceResponse<B>, actix_web::Error>,
    ) {
        let status = match outcome {
            Ok(response) => response.response().status(),
            Err(error) => error.as_response_error().status_code(),
        };
        span.record("status", status.as_u16());
        tracing::info!(parent: &span, "done");
    }
}

impl Application {
    pub async fn build(
        settings: Settings,
        demo: bool,
        clock: Clock,
    ) -> anyhow::Result<Application> {
        crate::install_crypto_provider();
        let key = settings
            .session_key_bytes(demo)
            .map_err(anyhow::Error::msg)?;
        let trusted_proxies = crate::web::client::TrustedProxies::parse(&settings.trusted_proxies)
            .map_err(anyhow::Error::msg)?;
        let db = Db::connect(&settings.database_url).await?;
        db.migrate().await?;
        let listener = TcpListener::bind(&settings.bind)
            .with_context(|| format!("could not listen on {} (BIND)", settings.bind))?;
        let local = listener.local_addr()?;
        let mailer = std::sync::Arc::new(crate::mail::Mailer::from_settings(&settings)?);
        if settings
            .metrics_token
            .as_ref()
            .is_some_and(|t| t.chars().count() < 32)
        {
            anyhow::bail!("METRICS_TOKEN must be at least 32 characters long");
        }
        let metrics = std::sync::Arc::new(
            crate::metrics::Metrics::new().context("could not set up the metrics")?,
        );
        if settings.mail_worker_secs > 0 {
            let every = Duration::from_secs(settings.mail_worker_secs);
            crate::mail::worker::spawn(
                db.clone(),
                mailer.clone(),
                clock.clone(),
                every,
                metrics.clone(),
            );
            crate::webhooks::spawn(db.clone(), clock.clone(), every, metrics.clone());
        }
        let metrics_listener = match &settings.metrics_bind {
            Some(bind) => Some(
                TcpListener::bind(bind)
                    .with_context(|| format!("could not listen on {bind} (METRICS_BIND)"))?,
            ),
            None => None,
        };
        let settings_housekeeping = settings.housekeeping_secs;
        let state = actix_web::web::Data::new(AppState {
            db: db.clone(),
            settings,
            clock: clock.clone(),
            demo,
            login_limiter: Default::default(),
            token_limiter: Default::default(),
            windows: Default::default(),
            catalogue: Default::default(),
            counts: crate::cache::Ttl::new(std::time::Duration::from_secs(10)),
            trusted_proxies,
            probe_limiter: crate::web::probes::limiter(),
            mailer,
            metrics,
        });
        if settings_housekeeping > 0 {
            spawn_housekeeping(state.clone(), Duration::from_secs(settings_housekeeping));
        }
        let key = Key::from(&key);
        let metrics_state = state.clone();
        let store = DbSessionStore::new(db.clone(), clock);
        let server = HttpServer::new(move || {
            let sessions = SessionMiddleware::builder(store.clone(), key.clone())
                // Outside demo mode (HTTPS) the __Host- prefix makes browsers refuse the
                // cookie unless it is Secure, for this host only and for every path.
                .cookie_name(if demo {
                    "portal_session".to_string()
                } else {
                    "__Host-portal_session".to_string()
                })
                .cookie_http_only(true)
                .cookie_same_site(SameSite::Lax)
                .cookie_secure(!demo)
                .session_lifecycle(
                    BrowserSession::default()
                        .state_ttl(actix_web::cookie::time::Duration::seconds(
                            IDLE_TIMEOUT_SECS,
                        ))
                        .state_ttl_extension_policy(TtlExtensionPolicy::OnEveryRequest),
                )
                .build();
            App::new()
                .app_data(state.clone())
                .app_data(web::forms::multipart_config())
                .app_data(
                    actix_web::web::QueryConfig::default()
                        .error_handler(web::handlers::api::query_error),
                )
                .wrap(middleware::from_fn(web::forms::refuse_nul_in_query))
                .wrap(middleware::from_fn(web::maintenance::gate))
                .wrap(middleware::from_fn(web::cache::forget_counts_after_writes))
                .wrap(middleware::from_fn(web::csrf::check_origin))
                .wrap(middleware::from_fn(web::probes::record))
                .wrap(middleware::ErrorHandlers::new().handler(
                    actix_web::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    web::error::unsupported_media_page,
                ))
                .wrap(middleware::from_fn(web::error::keep_frame))
                .wrap(middleware::from_fn(web::rewrite::pages))
                .wrap(middleware::from_fn(web::zone::in_vendor_zone))
                .wrap(sessions)
                .wrap(middleware::from_fn(web::session::keep_signed_in_user))
                .wrap(middleware::from_fn(web::session::none_for_health))
                .wrap(middleware::from_fn(web::panics::catch))
                .wrap(web::security::headers(demo))
                .wrap(middleware::Compress::default())
                .wrap(middleware::from_fn(web::metrics::observe))
                .wrap(TracingLogger::<PortalSpan>::new())
                .configure(web::configure)
        })
        .listen(listener)?
        .shutdown_timeout(10)
        .run();
        // METRICS_BIND: a listener of its own that answers /metrics and nothing else.
        let metrics_address = match metrics_listener {
            Some(listener) => {
                let address = listener.local_addr()?.to_string();
                let state = metrics_state;
                let server = HttpServer::new(move || {
                    App::new()
                        .app_data(state.clone())
                        .route("/metrics", actix_web::web::get().to(web::metrics::open))
                })
                .workers(1)
                .listen(listener)?
                .shutdown_timeout(1)
                .run();
                tokio::spawn(server);
                Some(address)
            }
            None => None,
        };
        Ok(Application {
            server,
            port: local.port(),
            address: local.to_string(),
            metrics_address,
            db,
        })
    }

    /// The METRICS_BIND listener's address, when there is one.
    pub fn metrics_address(&self) -> Option<&str> {
        self.metrics_address.as_deref()
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn address(&self) -> &str {
        &self.address
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

/// Every `every` (ten minutes by default, and once at start): removes expired sessions, forgets recovered rate-limit keys, reminds
/// of quotes about to end and records ended ones (idempotent, so the interval is harmless).
fn spawn_housekeeping(state: actix_web::web::Data<AppState>, every: Duration) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        loop {
            tick.tick().await;
            match crate::db::sessions::delete_expired(&state.db.pool, state.clock.timestamp()).await
            {
                Ok(n) if n > 0 => tracing::debug!(removed = n, "expired sessions removed"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = ?e, "could not remove expired sessions"),
            }
            state.login_limiter.forget_idle();
            state.token_limiter.forget_idle();
            let held_since = state.clock.timestamp() - crate::app::uploads::HELD_SECS;
            if let Err(e) = crate::db::uploads::delete_older_than(&state.db.pool, held_since).await
            {
                tracing::warn!(error = ?e, "could not forget old checked import files");
            }
            state.probe_limiter.retain_recent();
            let public_url = state.settings.public_url();
            let clock = &state.clock;
            crate::app::settings::refresh_zone(&state.db.pool, clock).await;
            let started = std::time::Instant::now();
            let sweep = clock
                .in_zone(crate::jobs::sweep(
                    &state.db,
                    clock.today(),
                    &public_url,
                    clock.timestamp(),
                ))
                .await;
            state
                .metrics
                .observe_job("sweep", started.elapsed(), sweep.is_ok());
            match sweep {
                Ok(s) if s != Default::default() => tracing::info!(?s, "date-driven rules applied"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = ?e, "sweep failed"),
            }
            let started = std::time::Instant::now();
            let processed = clock
                .in_zone(crate::jobs::process_orders(
                    &state.db,
                    clock.today(),
                    None,
                    &public_url,
                    clock.timestamp(),
                ))
                .await;
            state
                .metrics
                .observe_job("process_orders", started.elapsed(), processed.is_ok());
            match processed {
                Ok(s) if s.orders > 0 => {
                    tracing::info!(orders = s.orders, entries = s.entries, "orders processed")
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = ?e, "order processing failed"),
            }
        }
    });
}
