//! `/metrics` for Prometheus: never public by default. It answers on the portal's own address
//! only to a scraper that sends `Authorization: Bearer METRICS_TOKEN`, and without a token on
//! the separate `METRICS_BIND` address (a private network or localhost); with neither set it
//! is not there (404).

use crate::web::{AppError, AppState};
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::web::Data;
use actix_web::{HttpRequest, HttpResponse};

/// The route pattern a request matched (`/orders/{id}`), as the request's log span found it.
#[derive(Debug, Clone)]
pub struct Route(pub String);

/// Counts every request and its latency by route pattern.
pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    use actix_web::HttpMessage;
    let started = std::time::Instant::now();
    let state = req.app_data::<Data<AppState>>().cloned();
    let method = req.method().to_string();
    let route = match req.extensions().get::<Route>() {
        Some(Route(route)) => route.clone(),
        None => req.match_pattern().unwrap_or_else(|| "(none)".to_string()),
    };
    let outcome = next.call(req).await;
    // For the request's log line (`startup::PortalSpan`).
    tracing::Span::current().record(
        "took_ms",
        tracing::field::display(format_args!(
            "{:.1}",
            started.elapsed().as_secs_f64() * 1000.0
        )),
    );
    if let Some(state) = state {
        let status = match &outcome {
            Ok(response) => response.status(),
            Err(error) => error.as_response_error().status_code(),
        };
        state
            .metrics
            .observe_request(&method, &route, status.as_u16(), started.elapsed());
    }
    outcome
}

/// `/metrics` on the portal's address: only with the token.
pub async fn with_token(req: HttpRequest, state: Data<AppState>) -> Result<HttpResponse, AppError> {
    let Some(token) = state.settings.metrics_token.as_deref() else {
        return Err(AppError::NotFound);
    };
    let sent = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    // Compared as hashes, so the time taken says nothing about how much of it was right.
    if crate::domain::token::hash(sent) != crate::domain::token::hash(token) {
        return Ok(HttpResponse::Unauthorized()
            .insert_header((actix_web::http::header::WWW_AUTHENTICATE, "Bearer"))
            .content_type("text/plain; charset=utf-8")
            .body("The metrics need the scraper's token (Authorization: Bearer ...).\n"));
    }
    text(&state).await
}

/// `/metrics` on METRICS_BIND: whoever reaches that address may read them.
pub async fn open(state: Data<AppState>) -> Result<HttpResponse, AppError> {
    text(&state).await
}

async fn text(state: &AppState) -> Result<HttpResponse, AppError> {
    let body = state
        .metrics
        .render(&state.db)
        .await
        .map_err(AppError::Unexpected)?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(body))
}
