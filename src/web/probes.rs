//! Probing shows in the audit log: a form refused for its missing or stale token or for coming
//! from another site, and a signed-in person asking for a record that is not theirs (the page
//! says "not found" either way). Throttled per address and kind, so a flood writes a few rows,
//! not millions.

use crate::web::error::Probe;
use crate::web::AppState;
use actix_session::SessionExt;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::web::Data;
use actix_web::Error;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::num::NonZeroU32;

/// At most ten records per address and kind, then one a minute.
pub fn limiter() -> DefaultKeyedRateLimiter<String> {
    let burst = NonZeroU32::new(10).unwrap_or(NonZeroU32::MIN);
    RateLimiter::keyed(Quota::per_minute(NonZeroU32::MIN).allow_burst(burst))
}

pub async fn record(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let res = next.call(req).await?;
    let probe = res.response().extensions().get::<Probe>().copied();
    if let Some(probe) = probe {
        let request = res.request();
        let user = crate::web::session::TypedSession(request.get_session()).user_id();
        // An anonymous "not found" is a typo or a crawler; the rest is worth a line.
        let signed_in = user.is_some();
        if let (Some(state), true) = (
            request.app_data::<Data<AppState>>(),
            probe != Probe::NotFound || signed_in,
        ) {
            let ip = crate::web::client::client_ip(request);
            let key = format!("{}:{}", probe.action(), ip.as_deref().unwrap_or(""));
            if state.probe_limiter.check_key(&key).is_ok() {
                let actor = crate::db::audit::Actor {
                    user_id: user,
                    ip,
                    ..Default::default()
                };
                let path = request.path().chars().take(300).collect::<String>();
                let detail = format!("{} {path}", request.method());
                if let Err(e) = crate::db::audit::record(
                    &state.db.pool,
                    &actor,
                    probe.action(),
                    &path,
                    &detail,
                    state.clock.timestamp(),
                )
                .await
                {
                    tracing::warn!(error = %e, "could not write a refusal to the audit log");
                }
            }
        }
    }
    Ok(res)
}
