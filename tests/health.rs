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
    app.db.close().await;
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

/// The value of a metric line (`name{labels} value`) in Prometheus text, if it is there.
fn metric(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

#[tokio::test]
async fn metrics_need_the_scrapers_token_on_the_portals_address() {
    let token = "m".repeat(40);
    let app = crate::helpers::spawn_app_configured(true, |s| {
        s.metrics_token = Some("m".repeat(40));
    })
    .await;
    let c = app.client();
    assert_eq!(c.get("/healthz").await.status(), 200);
    assert_eq!(c.get("/healthz").await.status(), 200);
    assert_eq!(
        c.get("/orders/12345").await.status(),
        303,
        "signed out: to the login"
    );
    let scrape = |bearer: Option<String>| {
        let mut r = c.http.get(c.url("/metrics"));
        if let Some(b) = bearer {
            r = r.header("Authorization", format!("Bearer {b}"));
        }
        r.send()
    };
    let r = scrape(None).await.unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(
        crate::helpers::header(r.headers(), "www-authenticate"),
        "Bearer"
    );
    assert_eq!(scrape(Some("m".repeat(39))).await.unwrap().status(), 401);
    // A signed-in vendor admin is no scraper either.
    let vendor = app.login_as(crate::helpers::Who::VendorAdmin).await;
    assert_eq!(vendor.get("/metrics").await.status(), 401);
    // A list page is read on connections of its own, which the pool's figures count.
    assert_eq!(vendor.get("/users").await.status(), 200);
    let lists = app.db.lists.as_ref().map_or(0, |l| l.open());
    assert!(lists >= 1, "the list page's connection is open");

    let r = scrape(Some(token)).await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(crate::helpers::header(r.headers(), "content-type")
        .starts_with("text/plain; version=0.0.4"));
    let text = r.text().await.unwrap();
    assert_eq!(
        metric(
            &text,
            r#"portal_http_requests_total{method="GET",route="/healthz",status="200"}"#
        ),
        Some(2.0),
        "{text}"
    );
    // By route pattern, never by path: the order's id is not a label.
    assert_eq!(
        metric(
            &text,
            r#"portal_http_requests_total{method="GET",route="/orders/{id}",status="303"}"#
        ),
        Some(1.0),
        "{text}"
    );
    assert!(!text.contains("12345"));
    assert_eq!(
        metric(
            &text,
            r#"portal_http_request_duration_seconds_count{route="/healthz"}"#
        ),
        Some(2.0)
    );
    let connections = |state: &str| {
        metric(
            &text,
            &format!(r#"portal_db_pool_connections{{state="{state}"}}"#),
        )
        .unwrap_or(0.0)
    };
    assert_eq!(
        connections("in_use") + connections("idle"),
        (app.db.pool.size() as usize + lists) as f64,
        "both pools' connections: {text}"
    );
    for series in [
        r#"portal_outbox_messages{status="queued"}"#,
        r#"portal_outbox_messages{status="dead"}"#,
        r#"portal_db_pool_connections{state="in_use"}"#,
        r#"portal_job_failures_total{job="sweep"}"#,
    ] {
        assert!(metric(&text, series).is_some(), "{series} missing:\n{text}");
    }
}

#[tokio::test]
async fn metrics_bind_serves_the_metrics_alone_and_the_jobs_report_their_runs() {
    let app = crate::helpers::spawn_app_configured(true, |s| {
        s.metrics_bind = Some("127.0.0.1:0".into());
        // The mail worker's first run is at start.
        s.mail_worker_secs = 3600;
    })
    .await;
    let base = app.metrics_address.clone().expect("a metrics listener");
    let http = reqwest::Client::new();
    // One message waiting, one dead: the outbox as a scraper sees it.
    sqlx::query(
        "INSERT INTO outbox (dedupe_key, kind, to_address, to_name, subject, text_body, html_body, status, attempts, next_attempt_at, created_at) \
         VALUES ('m1', 'test', 'a@x.example', 'A', 'S', 't', 'h', 'dead', 8, 0, 0)",
    )
    .execute(&app.db.pool)
    .await
    .unwrap();
    // And a webhook delivery that failed for good.
    sqlx::query(
        "INSERT INTO webhook_endpoints (org_id, url, events, secret, created_at) \
         SELECT id, 'https://erp.example/in', 'order.placed', 'whsec_x', 0 FROM organisations WHERE kind = 'vendor'",
    )
    .execute(&app.db.pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO webhook_deliveries (endpoint_id, dedupe_key, event_id, event_type, payload, status, next_attempt_at, created_at) \
         SELECT id, 'w1', 'evt_1', 'order.placed', '{}', 'dead', 0, 0 FROM webhook_endpoints",
    )
    .execute(&app.db.pool)
    .await
    .unwrap();
    let mut text = String::new();
    for _ in 0..50 {
        let r = http.get(format!("{base}/metrics")).send().await.unwrap();
        assert_eq!(r.status(), 200);
        text = r.text().await.unwrap();
        if text.contains(r#"portal_job_last_run_timestamp_seconds{job="mail"}"#) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let last_run = metric(
        &text,
        r#"portal_job_last_run_timestamp_seconds{job="mail"}"#,
    )
    .unwrap_or_else(|| panic!("the mail job's run is reported:\n{text}"));
    assert!(last_run > 1.7e9, "a Unix time: {last_run}");
    assert_eq!(
        metric(&text, r#"portal_job_failures_total{job="mail"}"#),
        Some(0.0)
    );
    assert_eq!(
        metric(&text, r#"portal_outbox_messages{status="dead"}"#),
        Some(1.0)
    );
    assert_eq!(
        metric(&text, r#"portal_webhook_deliveries{status="dead"}"#),
        Some(1.0)
    );
    assert_eq!(
        metric(&text, r#"portal_webhook_deliveries{status="queued"}"#),
        Some(0.0)
    );
    assert!(
        metric(
            &text,
            r#"portal_job_last_run_timestamp_seconds{job="webhooks"}"#
        )
        .is_some(),
        "the webhook worker's run is reported:\n{text}"
    );
    // Nothing else answers there, and the portal's own /metrics stays shut without a token.
    assert_eq!(
        http.get(format!("{base}/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    assert_eq!(
        http.get(format!("{base}/login"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    assert_eq!(app.client().get("/metrics").await.status(), 404);
}
