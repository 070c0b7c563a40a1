//! Every request runs in the vendor's time zone: "today" is its calendar date and times on
//! pages are shown there ([`crate::clock`]). The zone is read from the settings at most every
//! few seconds per process.

use crate::web::AppState;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::web::Data;

pub async fn in_vendor_zone(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let Some(state) = req.app_data::<Data<AppState>>().cloned() else {
        return next.call(req).await;
    };
    crate::app::settings::refresh_zone(&state.db.pool, &state.clock).await;
    state.clock.in_zone(next.call(req)).await
}
