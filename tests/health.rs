use crate::helpers::spawn_app;

#[tokio::test]
async fn healthz_answers_ok_when_the_database_answers() {
    let app = spawn_app().await;
    let r = app.client().get("/healthz").await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.text().await.unwrap(), "ok");
}

#[tokio::test]
async fn healthz_answers_503_when_the_database_is_gone() {
    let app = spawn_app().await;
    app.db.pool.close().await;
    let r = app.client().get("/healthz").await;
    assert_eq!(r.status(), 503);
}

#[tokio::test]
async fn htmx_is_served_from_the_binary_with_cache_headers() {
    let app = spawn_app().await;
    let c = app.client();
    let r = c.get("/static/htmx.min.js").await;
    assert_eq!(r.status(), 200);
    assert!(crate::helpers::header(r.headers(), "content-type").contains("javascript"));
    assert!(crate::helpers::header(r.headers(), "cache-control").contains("max-age"));
    let etag = crate::helpers::header(r.headers(), "etag");
    assert!(r.text().await.unwrap().contains("htmx"));
    let again = c
        .http
        .get(c.url("/static/htmx.min.js"))
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    assert_eq!(c.get("/static/nope.js").await.status(), 404);
}

#[tokio::test]
async fn unknown_pages_get_a_plain_404_page() {
    let app = spawn_app().await;
    let r = app.client().get("/no/such/page").await;
    assert_eq!(r.status(), 404);
    let body = r.text().await.unwrap();
    assert!(body.contains("Page not found"), "{body}");
}
