//! During a maintenance window, the sections it lists answer with an "unavailable until ..."
//! page (503) instead of working; everything else goes on. The JSON API and MSP licensing
//! are never stopped.

use crate::db::maintenance::{self, SECTIONS};
use crate::web::{AppError, AppState};
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::web::Data;
use actix_web::ResponseError;

/// The maintenance window in force, as every request asks for it (the gate and the banner):
/// read from the database at most every two seconds per process, so several portal processes
/// on one database all see a new or cancelled window within a few seconds; this process's own
/// changes are seen at once ([`WindowCache::forget`]).
#[derive(Default)]
pub struct WindowCache(std::sync::Mutex<Option<Cached>>);

struct Cached {
    read: std::time::Instant,
    /// The clock's time the answer is for (a test clock may jump).
    for_time: i64,
    window: Option<maintenance::Window>,
}

/// How long a read stays fresh.
const FRESH: std::time::Duration = std::time::Duration::from_secs(2);

impl WindowCache {
    pub async fn active(
        &self,
        pool: &sqlx::AnyPool,
        now: i64,
    ) -> Result<Option<maintenance::Window>, sqlx::Error> {
        if let Ok(cached) = self.0.lock() {
            if let Some(c) = cached.as_ref() {
                if c.read.elapsed() < FRESH && (now - c.for_time).abs() < 2 {
                    return Ok(c.window.clone());
                }
            }
        }
        let window = maintenance::active(pool, now).await?;
        if let Ok(mut cached) = self.0.lock() {
            *cached = Some(Cached {
                read: std::time::Instant::now(),
                for_time: now,
                window: window.clone(),
            });
        }
        Ok(window)
    }

    /// Drops the cached answer (after this process scheduled or cancelled a window).
    pub fn forget(&self) {
        if let Ok(mut cached) = self.0.lock() {
            *cached = None;
        }
    }
}

/// The section a path belongs to, if a window can close it.
pub fn section_of(path: &str) -> Option<&'static str> {
    let first = path
        .trim_start_matches('/')
        .split(['/', '?', '.'])
        .next()
        .unwrap_or("");
    SECTIONS
        .iter()
        .map(|(key, _)| *key)
        .find(|key| *key == first)
}

pub async fn gate(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    if let (Some(section), Some(state)) = (
        section_of(req.path()),
        req.app_data::<Data<AppState>>().cloned(),
    ) {
        let now = state.clock.timestamp();
        match state.windows.active(&state.db.pool, now).await {
            Ok(Some(w)) if w.closes(section) => {
                let message = format!(
                    "This part of the portal is unavailable until {} because of maintenance: {} Everything else works; \
                     orders placed meanwhile are processed after the window.",
                    crate::clock::format_timestamp(w.ends_at),
                    w.message
                );
                let response = AppError::Unavailable(message).error_response();
                return Ok(req.into_response(response).map_into_right_body());
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = ?e, "could not read the maintenance windows"),
        }
    }
    next.call(req)
        .await
        .map(ServiceResponse::map_into_left_body)
}

#[cfg(test)]
mod tests {
    use super::section_of;

    #[test]
    fn paths_map_to_sections() {
        assert_eq!(section_of("/inquiries/12/quote"), Some("inquiries"));
        assert_eq!(section_of("/licenses.csv"), Some("licenses"));
        assert_eq!(section_of("/sku-translator"), Some("sku-translator"));
        assert_eq!(
            section_of("/api/v1/sku/translate"),
            None,
            "the API is never stopped"
        );
        assert_eq!(section_of("/admin/maintenance"), None);
        assert_eq!(section_of("/"), None);
    }
}
