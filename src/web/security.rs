//! Security headers of PRODUCT.md section 9 on every response.

use actix_web::middleware::DefaultHeaders;

/// No inline script anywhere: htmx is loaded from /static and configured by a meta tag.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                       object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

/// `Cache-Control: no-store` is the default of every response (a header a handler sets wins,
/// as the static assets' long cache does): signed-in pages, a new API token shown once, CSV
/// and PDF downloads never stay in a shared computer's cache or history after sign-out.
pub fn headers(demo: bool) -> DefaultHeaders {
    let h = DefaultHeaders::new()
        .add(("Cache-Control", "no-store"))
        .add(("Content-Security-Policy", CSP))
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("Referrer-Policy", "same-origin"))
        .add(("X-Frame-Options", "DENY"));
    if demo {
        h
    } else {
        h.add((
            "Strict-Transport-Security",
            "max-age=31536000; includeSubDomains",
        ))
    }
}
