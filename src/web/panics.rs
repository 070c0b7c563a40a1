//! A panic in a handler answers the portal's error page (500) instead of dropping the
//! connection, and is logged inside the request's span, with its request id. It is a last
//! line of defence: input errors are answered by the handlers themselves.

use crate::web::AppError;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::Error;
use futures_util::FutureExt;
use std::panic::AssertUnwindSafe;

/// The request itself cannot be kept aside (routing needs it unshared), so the panic becomes
/// an error that actix answers with `AppError`'s page.
pub async fn catch(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    match AssertUnwindSafe(next.call(req)).catch_unwind().await {
        Ok(done) => done,
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic without a message".into());
            tracing::error!(panic = %what, "the request panicked; the error page was sent");
            Err(AppError::Unexpected(anyhow::anyhow!("panic: {what}")).into())
        }
    }
}

#[cfg(test)]
mod tests {
    use actix_web::{middleware::from_fn, test, web, App, HttpResponse};

    #[actix_web::test]
    async fn a_panicking_handler_gets_the_error_page() {
        let app = test::init_service(
            App::new()
                .wrap(from_fn(super::catch))
                .route(
                    "/boom",
                    web::get().to(|| async {
                        let bytes: &[u8] = "İ".as_bytes();
                        // A byte offset inside a character: the kind of bug issue 15 found.
                        let text = std::str::from_utf8(&bytes[..1]).map(str::to_string);
                        HttpResponse::Ok().body(text.unwrap_or_else(|e| panic!("{e}")))
                    }),
                )
                .route("/fine", web::get().to(|| async { "fine" })),
        )
        .await;
        // The server answers an error with its response: the portal's error page.
        let boom = test::TestRequest::get().uri("/boom").to_request();
        let Err(error) = test::try_call_service(&app, boom).await else {
            panic!("the panic was not turned into an error");
        };
        let page = error.error_response();
        assert_eq!(page.status(), 500);
        let body = actix_web::body::to_bytes(page.into_body())
            .await
            .unwrap_or_default();
        let html = String::from_utf8_lossy(&body);
        assert!(html.contains("Something went wrong"), "{html}");
        let res =
            test::call_service(&app, test::TestRequest::get().uri("/fine").to_request()).await;
        assert_eq!(res.status(), 200);
    }
}
