//! The web's side of the in-process caches ([`crate::cache`]).

/// After a write this process answered successfully (any POST that did not fail), the
/// list counts it keeps are dropped: whoever wrote sees the new count on the next page.
/// Writes of another process or of a job show once the count is stale (seconds).
pub async fn forget_counts_after_writes(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    let write = req.method() != actix_web::http::Method::GET
        && req.method() != actix_web::http::Method::HEAD;
    let state = req
        .app_data::<actix_web::web::Data<crate::web::AppState>>()
        .cloned();
    let res = next.call(req).await?;
    if write && !res.status().is_client_error() && !res.status().is_server_error() {
        if let Some(state) = state {
            state.counts.forget();
            crate::db::names::forget_matches();
        }
    }
    Ok(res)
}
