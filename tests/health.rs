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

/// The expiry of the only session of the reseller user.
async fn expiry(app: &crate::helpers::TestApp) -> i64 {
    app.scalar(
        "SELECT s.expires_at FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.email = 'sales@reseller.example'",
    )
    .await
}

#[tokio::test]
async fn a_signed_in_page_moves_the_session_expiry_at_most_once_a_minute() {
    use crate::helpers::Who;
    let app = spawn_app().await;
    let lee = app.login_as(Who::ResellerUser).await;
    let signed_in = expiry(&app).await;
    // Pages within the minute write nothing to the session table.
    for _ in 0..3 {
        app.clock.advance(chrono::Duration::seconds(19));
        assert_eq!(lee.get("/").await.status(), 200);
        assert_eq!(lee.get("/inquiries").await.status(), 200);
    }
    assert_eq!(expiry(&app).await, signed_in, "no write within the minute");
    // The first page after the minute moves it: 30 minutes from now.
    app.clock.advance(chrono::Duration::seconds(4));
    assert_eq!(lee.get("/").await.status(), 200);
    assert_eq!(
        expiry(&app).await,
        app.clock.timestamp() + 30 * 60,
        "moved on after a minute"
    );
    // /healthz with the session's cookie neither reads nor writes the session.
    let before = expiry(&app).await;
    app.clock.advance(chrono::Duration::seconds(120));
    let r = lee.get("/healthz").await;
    assert_eq!(r.status(), 200);
    assert!(
        r.headers().get("set-cookie").is_none(),
        "no session cookie from /healthz"
    );
    assert_eq!(
        expiry(&app).await,
        before,
        "/healthz leaves the session alone"
    );
    // And the session is still there for the next page.
    assert_eq!(lee.get("/").await.status(), 200);
}
