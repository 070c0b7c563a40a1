//! Security headers of PRODUCT.md section 9 on every response.

use actix_web::middleware::DefaultHeaders;

/// No inline script anywhere: htmx is loaded from /static and configured by a meta tag.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                       object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

pub fn headers(demo: bool) -> DefaultHeaders {
    let h = DefaultHeaders::new()
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
