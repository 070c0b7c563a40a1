//! The partner API's read resources (issue 17): schedules synced incrementally and scoped as
//! the pages are, one end customer's schedule, the catalogue in the organisation's currency;
//! token scopes and last days; RFC 9457 problems.

use crate::api::token_with;
use crate::helpers::{spawn_app, TestApp, Who};
use serde_json::Value;

async fn get(app: &TestApp, token: &str, path: &str) -> (u16, String, Value) {
    let r = reqwest::Client::new()
        .get(format!("{}{path}", app.address))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let kind = r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    (status, kind, r.json().await.unwrap_or(Value::Null))
}

async fn schedules_token(app: &TestApp, who: Who) -> String {
    token_with(
        app,
        who,
        &[("name", "PSA sync"), ("scopes", "schedules:read")],
    )
    .await
}

/// Every entry a token reads, following `next` from `first`.
async fn all_pages(app: &TestApp, token: &str, first: &str) -> Vec<Value> {
    let mut items = Vec::new();
    let mut next = Some(first.to_string());
    let mut pages = 0;
    while let Some(path) = next {
        let (status, _, body) = get(app, token, &path).await;
        assert_eq!(status, 200, "{path}: {body}");
        items.extend(body["items"].as_array().unwrap().iter().cloned());
        next = body["next"].as_str().map(str::to_string);
        pages += 1;
        assert!(pages < 50, "the pages end");
    }
    items
}

fn customers(items: &[Value]) -> Vec<String> {
    let mut names: Vec<String> = items
        .iter()
        .map(|e| e["end_customer"].as_str().unwrap().to_string())
        .collect();
    names.sort();
    names.dedup();
    names
}

#[tokio::test]
async fn schedules_sync_page_by_page_within_the_tokens_scope() {
    let app = spawn_app().await;
    partner_portal::seed::seed_schedules(&app.db, app.clock.timestamp())
        .await
        .unwrap();
    let acme = schedules_token(&app, Who::ResellerAdmin).await;
    let mine = all_pages(&app, &acme, "/api/v1/license-schedules?limit=2").await;
    let expected = app
        .scalar(
            "SELECT COUNT(*) FROM license_entries l JOIN organisations r ON r.id = l.reseller_id \
             WHERE r.name = 'Acme Secure IT'",
        )
        .await;
    assert_eq!(mine.len() as i64, expected, "every entry once, two a page");
    let mut ids: Vec<i64> = mine.iter().map(|e| e["id"].as_i64().unwrap()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), mine.len(), "no entry twice");
    assert_eq!(
        customers(&mine),
        ["Greenfield Clinics", "Harbour Logistics Ltd"]
    );
    let first = &mine[0];
    for field in [
        "sku",
        "start_date",
        "end_date",
        "status",
        "added_at",
        "order_reference",
    ] {
        assert!(first[field].is_string(), "{field} in {first}");
    }

    // Northwind supplies Acme and Bluepeak, not Cobalt; Rhein only Nordlicht.
    let northwind = schedules_token(&app, Who::DistributorAdmin).await;
    let theirs = all_pages(&app, &northwind, "/api/v1/license-schedules").await;
    assert_eq!(
        customers(&theirs),
        [
            "Greenfield Clinics",
            "Harbour Logistics Ltd",
            "Northern Retail Group"
        ]
    );
    let rhein = schedules_token(&app, Who::EuroDistributorAdmin).await;
    let euro = all_pages(&app, &rhein, "/api/v1/license-schedules").await;
    assert_eq!(
        customers(&euro),
        ["Müller Präzisionstechnik GmbH", "Łódź Logistyka Sp. z o.o."]
    );

    // Filters: status, product, a reseller by id.
    let expired = all_pages(&app, &northwind, "/api/v1/license-schedules?status=expired").await;
    assert!(expired.iter().all(|e| e["status"] == "expired"));
    let email = all_pages(&app, &northwind, "/api/v1/license-schedules?product=emladv").await;
    assert!(
        !email.is_empty()
            && email
                .iter()
                .all(|e| e["sku"].as_str().unwrap().starts_with("EMLADV"))
    );
    let bluepeak = app.id_of_org("Bluepeak Managed Services").await;
    let one = all_pages(
        &app,
        &northwind,
        &format!("/api/v1/license-schedules?reseller={bluepeak}"),
    )
    .await;
    assert_eq!(customers(&one), ["Northern Retail Group"]);

    // Incremental sync: only what was added since the last sync.
    let newest = app.scalar("SELECT MAX(id) FROM license_entries").await;
    sqlx::query("UPDATE license_entries SET created_at = created_at - 86400 WHERE id <> $1")
        .bind(newest)
        .execute(&app.db.pool)
        .await
        .unwrap();
    let since = app.clock.now().to_rfc3339();
    let since = since.replace('+', "%2B");
    let (status, _, body) = get(
        &app,
        &rhein,
        &format!("/api/v1/license-schedules?updated_since={since}"),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let fresh: Vec<i64> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_i64().unwrap())
        .collect();
    assert_eq!(fresh, [newest], "Rhein's newest entry alone");

    // A parameter's value refused is a problem naming it.
    let (status, kind, body) = get(&app, &acme, "/api/v1/license-schedules?status=dead").await;
    assert_eq!(status, 422);
    assert_eq!(kind, "application/problem+json");
    assert_eq!(body["type"], "/api/v1/problems/invalid");
    assert_eq!(body["status"], 422);
    assert_eq!(body["errors"][0]["field"], "status");
    assert!(body["detail"]
        .as_str()
        .unwrap()
        .starts_with("status: \"dead\""));
    let (status, _, body) = get(&app, &acme, "/api/v1/license-schedules?limit=501").await;
    assert_eq!(status, 422, "{body}");
    // A query string that cannot be read at all is a problem too.
    let (status, kind, _) = get(&app, &acme, "/api/v1/license-schedules?limit=1&limit=2").await;
    assert_eq!((status, kind.as_str()), (400, "application/problem+json"));
}

#[tokio::test]
async fn an_end_customers_schedule_is_its_resellers_and_distributors_only() {
    let app = spawn_app().await;
    partner_portal::seed::seed_schedules(&app.db, app.clock.timestamp())
        .await
        .unwrap();
    let greenfield = app
        .scalar("SELECT id FROM end_customers WHERE name = 'Greenfield Clinics'")
        .await;
    let cobalt_legal = app
        .scalar("SELECT id FROM end_customers WHERE name = 'Cobalt Legal LLP'")
        .await;
    let acme = schedules_token(&app, Who::ResellerAdmin).await;
    let (status, _, body) = get(
        &app,
        &acme,
        &format!("/api/v1/end-customers/{greenfield}/schedule"),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["end_customer"], "Greenfield Clinics");
    let entries = body["entries"].as_array().unwrap();
    assert_eq!(
        entries.len() as i64,
        app.scalar(&format!(
            "SELECT COUNT(*) FROM license_entries WHERE end_customer_id = {greenfield}"
        ))
        .await
    );
    for (who, id) in [
        (Who::ResellerAdmin, cobalt_legal),
        (Who::EuroDistributorAdmin, greenfield),
    ] {
        let token = schedules_token(&app, who).await;
        let (status, kind, body) = get(
            &app,
            &token,
            &format!("/api/v1/end-customers/{id}/schedule"),
        )
        .await;
        assert_eq!(status, 404, "{who:?}");
        assert_eq!(kind, "application/problem+json");
        assert_eq!(body["type"], "/api/v1/problems/not-found");
    }
    let (status, _, _) = get(&app, &acme, "/api/v1/end-customers/999999/schedule").await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn a_token_does_only_what_it_was_given_and_stops_on_its_last_day() {
    let app = spawn_app().await;
    let catalogue_only = token_with(
        &app,
        Who::DistributorAdmin,
        &[("name", "price list"), ("scopes", "catalogue:read")],
    )
    .await;
    let (status, kind, body) = get(&app, &catalogue_only, "/api/v1/license-schedules").await;
    assert_eq!(status, 403);
    assert_eq!(kind, "application/problem+json");
    assert_eq!(body["type"], "/api/v1/problems/scope-missing");
    assert!(body["detail"].as_str().unwrap().contains("schedules:read"));
    let (status, _, _) = get(&app, &catalogue_only, "/api/v1/catalogue").await;
    assert_eq!(status, 200);

    // The page offers what the organisation may hold and refuses a form without a scope.
    let dana = app.login_as(Who::ResellerAdmin).await;
    let page = dana.text("/api-tokens").await;
    assert!(page.contains("Read license schedules") && !page.contains("Place orders"));
    let r = dana
        .post(
            "/api-tokens",
            &[("name", "sneaky"), ("scopes", "orders:write")],
        )
        .await;
    assert_eq!(r.status(), 422, "a reseller's token never places orders");
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("Tick at least one thing the token may do."));
    let r = dana
        .post(
            "/api-tokens",
            &[
                ("name", "old"),
                ("scopes", "schedules:read"),
                ("last_day", "2026-03-01"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("The last day has passed"));

    // A token with a last day works through that day and not after it.
    let until_today = token_with(
        &app,
        Who::ResellerAdmin,
        &[
            ("name", "trial"),
            ("scopes", "schedules:read"),
            ("last_day", "2026-03-02"),
        ],
    )
    .await;
    assert!(dana
        .text("/api-tokens")
        .await
        .contains("until 2026-03-03 00:00"));
    let (status, _, _) = get(&app, &until_today, "/api/v1/license-schedules").await;
    assert_eq!(status, 200);
    app.clock.advance(chrono::Duration::days(1));
    let (status, _, body) = get(&app, &until_today, "/api/v1/license-schedules").await;
    assert_eq!(status, 401);
    assert!(body["detail"]
        .as_str()
        .unwrap()
        .contains("past its last day"));
    let dana = app.login_as(Who::ResellerAdmin).await;
    let page = dana.text("/api-tokens").await;
    assert!(
        page.contains("<span class=\"badge badge-off\">Expired</span>"),
        "{page}"
    );
}

#[tokio::test]
async fn the_catalogue_comes_in_the_organisations_price_book() {
    let app = spawn_app().await;
    let rhein = token_with(
        &app,
        Who::EuroDistributorAdmin,
        &[("name", "price list"), ("scopes", "catalogue:read")],
    )
    .await;
    let (status, _, body) = get(&app, &rhein, "/api/v1/catalogue?on=2026-03-02").await;
    assert_eq!(status, 200);
    assert_eq!(body["currency"], "EUR");
    let item = |family: &str, band: &str| {
        body["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["family"] == family && i["band"] == band)
            .cloned()
            .unwrap()
    };
    let epixad = item("EPIXAD", "B10");
    assert_eq!(epixad["msrp_12_cents"], 3864);
    assert_eq!(epixad["orderable"], true);
    let mdr = item("MDRESS", "C10");
    assert_eq!(mdr["orderable"], false, "no euro price");
    assert!(mdr["msrp_12_cents"].is_null());
    let retired = item("EMLADV", "B01");
    assert_eq!(retired["orderable"], false, "retired in mid-2023");
    let (status, _, body) = get(&app, &rhein, "/api/v1/catalogue?on=yesterday").await;
    assert_eq!(status, 422, "{body}");
}

async fn sales_token(app: &TestApp, who: Who) -> String {
    token_with(
        app,
        who,
        &[
            ("name", "ERP"),
            ("scopes", "orders:read"),
            ("scopes", "quotes:read"),
        ],
    )
    .await
}

#[tokio::test]
async fn orders_read_as_their_pages_show_them() {
    let app = spawn_app().await;
    app.seed_history().await;
    let acme = sales_token(&app, Who::ResellerAdmin).await;
    let orders = all_pages(&app, &acme, "/api/v1/orders").await;
    let expected = app
        .scalar(
            "SELECT COUNT(*) FROM orders o JOIN organisations r ON r.id = o.reseller_id \
             WHERE r.name = 'Acme Secure IT'",
        )
        .await;
    assert_eq!(orders.len() as i64, expected);
    assert!(orders.iter().all(|o| o["reseller"] == "Acme Secure IT"));
    let processed = orders
        .iter()
        .find(|o| o["status"] == "processed")
        .expect("a processed order");
    let (status, _, order) = get(&app, &acme, &format!("/api/v1/orders/{}", processed["id"])).await;
    assert_eq!(status, 200);
    assert_eq!(order["currency"], "USD");
    let lines = order["lines"].as_array().unwrap();
    let net: i64 = lines.iter().map(|l| l["net_cents"].as_i64().unwrap()).sum();
    assert_eq!(net, order["total_net_cents"].as_i64().unwrap());
    assert!(!order["entries"].as_array().unwrap().is_empty(), "{order}");

    // Another organisation's order is not found; a token without the scope is refused.
    let nordlicht = app
        .scalar(
            "SELECT MIN(o.id) FROM orders o JOIN organisations r ON r.id = o.reseller_id \
             WHERE r.name = 'Nordlicht IT GmbH'",
        )
        .await;
    for path in [
        format!("/api/v1/orders/{nordlicht}"),
        "/api/v1/orders/abc".to_string(),
        "/api/v1/orders/99999999999999999999".to_string(),
    ] {
        let (status, kind, body) = get(&app, &acme, &path).await;
        assert_eq!(
            (status, kind.as_str(), body["type"].as_str()),
            (
                404,
                "application/problem+json",
                Some("/api/v1/problems/not-found")
            ),
            "{path}"
        );
    }
    let rhein = sales_token(&app, Who::EuroDistributorAdmin).await;
    let (status, _, euro) = get(&app, &rhein, &format!("/api/v1/orders/{nordlicht}")).await;
    assert_eq!(status, 200);
    assert_eq!(euro["currency"], "EUR");
    let schedules_only = schedules_token(&app, Who::ResellerAdmin).await;
    let (status, _, body) = get(&app, &schedules_only, "/api/v1/orders").await;
    assert_eq!(status, 403);
    assert!(body["detail"].as_str().unwrap().contains("orders:read"));
}

#[tokio::test]
async fn inquiries_read_with_every_quote_version_and_discount_level() {
    let app = spawn_app().await;
    app.seed_history().await;
    let northwind = sales_token(&app, Who::DistributorAdmin).await;
    let theirs = all_pages(&app, &northwind, "/api/v1/inquiries").await;
    assert!(!theirs.is_empty());
    assert!(
        theirs
            .iter()
            .all(|i| i["status"] != "draft" && i["distributor"] == "Northwind Distribution"),
        "a distributor never reads drafts, nor another distributor's inquiries"
    );
    let acme = sales_token(&app, Who::ResellerAdmin).await;
    let mine = all_pages(&app, &acme, "/api/v1/inquiries").await;
    assert!(mine.iter().any(|i| i["status"] == "draft"));
    assert!(mine
        .iter()
        .all(|i| i["reseller"] == "Acme Secure IT" && i["currency"] == "USD"));

    // The revised inquiry: two versions, newest first, every level with its source.
    let revised = app
        .scalar("SELECT inquiry_id FROM quotes WHERE version = 2")
        .await;
    let path = format!("/api/v1/inquiries/{revised}");
    let (status, _, seen) = get(&app, &acme, &path).await;
    assert_eq!(status, 200);
    let quotes = seen["quotes"].as_array().unwrap();
    assert_eq!(
        quotes
            .iter()
            .map(|q| q["version"].as_i64().unwrap())
            .collect::<Vec<_>>(),
        [2, 1]
    );
    assert!(
        quotes[0].get("internal_note").is_none(),
        "the reseller never reads it"
    );
    let line = &quotes[0]["lines"][0];
    let program = &line["levels"][0];
    assert_eq!(program["level"], "program");
    assert_eq!(program["percent"], "12.00");
    assert_eq!(program["source"], "Gold partner, Intercept X Advanced: 12%");
    let last = line["levels"].as_array().unwrap().last().unwrap();
    assert_eq!(last["price_after_cents"], line["net_cents"]);
    let (_, _, desk) = get(&app, &northwind, &path).await;
    assert_eq!(
        desk["quotes"][0]["internal_note"],
        "Matched the competitor's offer the reseller forwarded."
    );
    let rhein = sales_token(&app, Who::EuroDistributorAdmin).await;
    let (status, _, _) = get(&app, &rhein, &path).await;
    assert_eq!(status, 404, "Rhein's token reads only Rhein's inquiries");
}

async fn post_order(
    app: &TestApp,
    token: &str,
    key: Option<&str>,
    body: &Value,
) -> (u16, reqwest::header::HeaderMap, Value) {
    let mut r = reqwest::Client::new()
        .post(format!("{}/api/v1/orders", app.address))
        .bearer_auth(token)
        .json(body);
    if let Some(key) = key {
        r = r.header("Idempotency-Key", key);
    }
    let r = r.send().await.unwrap();
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    (status, headers, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_distributors_system_places_an_order_once_however_often_it_sends_it() {
    let app = spawn_app().await;
    let token = token_with(
        &app,
        Who::DistributorAdmin,
        &[
            ("name", "ERP"),
            ("scopes", "orders:read"),
            ("scopes", "orders:write"),
        ],
    )
    .await;
    let acme = app.id_of_org("Acme Secure IT").await;
    let harbour = app
        .scalar("SELECT id FROM end_customers WHERE name = 'Harbour Logistics Ltd'")
        .await;
    let order = |quantity: i64| {
        serde_json::json!({
            "reseller_id": acme,
            "end_customer_id": harbour,
            "lines": [{"sku": "EPIXADB10SN12T", "quantity": quantity}]
        })
    };
    let (status, _, body) = post_order(&app, &token, None, &order(25)).await;
    assert_eq!(status, 400);
    assert!(body["detail"]
        .as_str()
        .unwrap()
        .starts_with("Idempotency-Key"));

    // 25 x 42.00 = 1,050.00; Gold 12 %: 924.00; Harbour's registration 10 %: 831.60;
    // ENDPOINT-SPRING 7 %: -58.21 = 773.39, as the order form prices it.
    let (status, headers, placed) = post_order(&app, &token, Some("erp-4711"), &order(25)).await;
    assert_eq!(status, 201, "{placed}");
    assert_eq!(placed["total_net_cents"], 77339);
    assert_eq!(placed["currency"], "USD");
    let href = placed["href"].as_str().unwrap().to_string();
    assert_eq!(headers["location"], href.as_str());
    let (status, headers, again) = post_order(&app, &token, Some("erp-4711"), &order(25)).await;
    assert_eq!(status, 201);
    assert_eq!(again, placed, "the first answer again");
    assert_eq!(headers["idempotent-replayed"], "true");
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM orders").await,
        1,
        "placed once"
    );
    let (status, _, body) = post_order(&app, &token, Some("erp-4711"), &order(26)).await;
    assert_eq!(status, 422);
    assert_eq!(body["errors"][0]["field"], "Idempotency-Key");
    assert_eq!(app.scalar("SELECT COUNT(*) FROM orders").await, 1);

    // Refused lines are named; a reseller the distributor does not supply is refused.
    let legacy = serde_json::json!({
        "reseller_id": acme,
        "end_customer_id": harbour,
        "lines": [{"sku": "IXA-U10-N12M", "quantity": 5}]
    });
    let (status, _, body) = post_order(&app, &token, Some("erp-4712"), &legacy).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["type"], "/api/v1/problems/invalid");
    assert_eq!(body["errors"][0]["field"], "line_1");
    assert!(body["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("EPIXADB10SN12T"));
    let cobalt = app.id_of_org("Cobalt Systems").await;
    let foreign = serde_json::json!({
        "reseller_id": cobalt,
        "end_customer_id": harbour,
        "lines": [{"sku": "EPIXADB10SN12T", "quantity": 5}]
    });
    let (status, _, body) = post_order(&app, &token, Some("erp-4713"), &foreign).await;
    assert_eq!(status, 422);
    assert_eq!(body["errors"][0]["field"], "reseller");
    let r = reqwest::Client::new()
        .post(format!("{}/api/v1/orders", app.address))
        .bearer_auth(&token)
        .header("Idempotency-Key", "erp-broken")
        .header("Content-Type", "application/json")
        .body("{\"reseller_id\": 1, \"lines\": [")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let (status, _, _) = post_order(
        &app,
        &token,
        Some("erp-4714"),
        &serde_json::json!({"reseller_id": acme, "lines": [], "extra": 1}),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM orders").await, 1);

    // Processed like any order: the schedule starts on the day of processing.
    let vendor = app.login_as(Who::VendorAdmin).await;
    assert_eq!(vendor.post("/orders/process", &[]).await.status(), 303);
    let (status, _, read) = get(&app, &token, &href).await;
    assert_eq!(status, 200);
    assert_eq!(read["status"], "processed");
    assert_eq!(read["entries"][0]["start_date"], "2026-03-02");
    assert_eq!(read["entries"][0]["end_date"], "2027-03-01");

    // A token that may only read cannot place.
    let reader = token_with(
        &app,
        Who::DistributorAdmin,
        &[("name", "BI"), ("scopes", "orders:read")],
    )
    .await;
    let (status, _, body) = post_order(&app, &reader, Some("bi-1"), &order(1)).await;
    assert_eq!(status, 403);
    assert!(body["detail"].as_str().unwrap().contains("orders:write"));
}

#[tokio::test]
async fn one_key_sent_at_once_from_several_connections_places_one_order() {
    let app = spawn_app().await;
    let token = token_with(
        &app,
        Who::DistributorAdmin,
        &[("name", "ERP"), ("scopes", "orders:write")],
    )
    .await;
    let body = serde_json::json!({
        "reseller_id": app.id_of_org("Acme Secure IT").await,
        "end_customer_id": app
            .scalar("SELECT id FROM end_customers WHERE name = 'Greenfield Clinics'")
            .await,
        "lines": [{"sku": "HWX310000SH00G", "quantity": 1}]
    });
    let sends = (0..6).map(|_| post_order(&app, &token, Some("retry-storm"), &body));
    let answers = futures_util::future::join_all(sends).await;
    let ids: Vec<i64> = answers
        .iter()
        .map(|(status, _, placed)| {
            assert_eq!(*status, 201, "{placed}");
            placed["id"].as_i64().unwrap()
        })
        .collect();
    assert!(ids.iter().all(|id| *id == ids[0]), "{ids:?}");
    assert_eq!(app.scalar("SELECT COUNT(*) FROM orders").await, 1);
}

async fn post_json(app: &TestApp, token: &str, path: &str, body: &Value) -> (u16, Value) {
    let r = reqwest::Client::new()
        .post(format!("{}{path}", app.address))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_distributors_system_quotes_with_the_desks_checks() {
    let app = spawn_app().await;
    let page = crate::inquiries::submitted_inquiry(&app).await;
    let id = page.rsplit('/').next().unwrap().to_string();
    let path = format!("/api/v1/inquiries/{id}");
    let token = token_with(
        &app,
        Who::DistributorAdmin,
        &[
            ("name", "quote bot"),
            ("scopes", "quotes:read"),
            ("scopes", "quotes:write"),
        ],
    )
    .await;
    let (status, _, inquiry) = get(&app, &token, &path).await;
    assert_eq!(status, 200);
    let version = inquiry["version"].as_i64().unwrap();
    let proposed = &inquiry["proposed"][0];
    let line = proposed["line"].as_i64().unwrap();
    assert_eq!(proposed["levels"][0]["percent"], "12.00");
    assert_eq!(
        proposed["levels"][0]["source"],
        "Gold partner, Intercept X Advanced: 12%"
    );

    let lowered = |reason: &str| {
        serde_json::json!({
            "version": version,
            "note": "From our ERP",
            "discounts": [{"line": line, "level": "program", "percent": "10", "reason": reason}]
        })
    };
    let (status, body) = post_json(&app, &token, &format!("{path}/quote"), &lowered("")).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["errors"][0]["field"], format!("reason_{line}_program"));
    let (status, body) = post_json(
        &app,
        &token,
        &format!("{path}/quote"),
        &serde_json::json!({
            "version": version,
            "discounts": [{"line": line, "level": "promotion", "percent": "8"}]
        }),
    )
    .await;
    assert_eq!(status, 422);
    assert!(body["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("above the approved 7%"));
    let (status, sent) = post_json(
        &app,
        &token,
        &format!("{path}/quote"),
        &lowered("price agreed with Harbour"),
    )
    .await;
    assert_eq!(status, 201, "{sent}");
    assert_eq!(sent["version"], 1);
    assert_eq!(sent["status"], "sent");
    // The same send again is on an older version of the inquiry.
    let (status, body) = post_json(
        &app,
        &token,
        &format!("{path}/quote"),
        &lowered("price agreed with Harbour"),
    )
    .await;
    assert_eq!(status, 409, "{body}");

    // The distributor reads why it lowered; the reseller the percentage as sent and, as on
    // the page, nothing of a lowering kept internal.
    let (_, _, desk) = get(&app, &token, &path).await;
    let program = &desk["quotes"][0]["lines"][0]["levels"][0];
    assert_eq!(program["lowered_from_percent"], "12.00");
    assert_eq!(program["lowered_reason"], "price agreed with Harbour");
    let reader = token_with(
        &app,
        Who::ResellerAdmin,
        &[("name", "PSA"), ("scopes", "quotes:read")],
    )
    .await;
    let (_, _, seen) = get(&app, &reader, &path).await;
    let program = &seen["quotes"][0]["lines"][0]["levels"][0];
    assert_eq!(program["percent"], "10.00");
    assert!(
        program["lowered_from_percent"].is_null() && program["lowered_reason"].is_null(),
        "kept internal: {program}"
    );
    assert_eq!(seen["quotes"][0]["note"], "From our ERP");
    assert!(seen.get("proposed").is_none());
    let actions = app.audit_actions().await;
    assert!(actions.contains(&"quote_sent".to_string()));
    let rhein = token_with(
        &app,
        Who::EuroDistributorAdmin,
        &[("name", "quote bot"), ("scopes", "quotes:write")],
    )
    .await;
    let (status, _) = post_json(&app, &rhein, &format!("{path}/quote"), &lowered("x")).await;
    assert_eq!(status, 404, "another distributor's inquiry");
}

#[tokio::test]
async fn a_token_past_its_requests_a_minute_is_told_when_to_send_again() {
    let app = spawn_app().await;
    let token = token_with(
        &app,
        Who::ResellerAdmin,
        &[
            ("name", "chatty"),
            ("scopes", "catalogue:read"),
            ("per_minute", "2"),
        ],
    )
    .await;
    let dana = app.login_as(Who::ResellerAdmin).await;
    assert!(dana
        .text("/api-tokens")
        .await
        .contains("2 requests a minute"));
    for _ in 0..2 {
        assert_eq!(get(&app, &token, "/api/v1/catalogue").await.0, 200);
    }
    let r = reqwest::Client::new()
        .get(format!("{}/api/v1/catalogue", app.address))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    let wait: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=30).contains(&wait), "{wait}");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["type"], "/api/v1/problems/too-many-requests");
    // Another token of the same organisation has its own budget.
    let other = token_with(
        &app,
        Who::ResellerAdmin,
        &[("name", "quiet"), ("scopes", "catalogue:read")],
    )
    .await;
    assert_eq!(get(&app, &other, "/api/v1/catalogue").await.0, 200);
    let r = dana
        .post(
            "/api-tokens",
            &[
                ("name", "x"),
                ("scopes", "catalogue:read"),
                ("per_minute", "0"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("Enter a number of requests a minute from 1 to 6000."));
}

#[tokio::test]
async fn the_contract_names_every_api_operation_and_the_reference_page_reads_it() {
    let app = spawn_app().await;
    let r = reqwest::get(format!("{}/api/v1/openapi.json", app.address))
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "the contract needs no token");
    let doc: Value = r.json().await.unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(
        doc["components"]["securitySchemes"]["token"]["scheme"],
        "bearer"
    );
    let scopes: Vec<&str> = partner_portal::domain::token::ApiScope::ALL
        .iter()
        .map(|s| s.as_str())
        .collect();
    let reference = app
        .login_as(Who::ResellerUser)
        .await
        .text("/api-reference")
        .await;
    let mut documented = 0;
    for (method, path) in partner_portal::web::route_list() {
        if !path.starts_with("/api/v1/") || path == "/api/v1/openapi.json" {
            continue;
        }
        let op = &doc["paths"][path][method.to_lowercase()];
        assert!(op.is_object(), "{method} {path} is in the contract");
        let scope = op["security"][0]["token"][0].as_str().unwrap_or("");
        assert!(scopes.contains(&scope), "{method} {path} names its scope");
        assert!(
            op["responses"]["4XX"]["content"]["application/problem+json"].is_object(),
            "{method} {path} answers problems"
        );
        assert!(
            reference.contains(&format!("<code>{method} {path}</code>")),
            "{method} {path} on the reference page"
        );
        documented += 1;
    }
    assert_eq!(documented, 11);
    assert!(doc["components"]["schemas"]["Problem"]["properties"]["detail"].is_object());
    // Every webhook event, with its signature header and the schema of its data.
    for event in partner_portal::domain::webhook::EventType::CHOSEN {
        let post = &doc["webhooks"][event.as_str()]["post"];
        assert_eq!(
            post["parameters"][0]["name"], "Partner-Portal-Signature",
            "{event:?}"
        );
        let body = &post["requestBody"]["content"]["application/json"]["schema"];
        assert_eq!(body["properties"]["type"]["const"], event.as_str());
        let data = body["properties"]["data"]["$ref"].as_str().unwrap();
        let name = data.rsplit('/').next().unwrap();
        assert!(doc["components"]["schemas"][name].is_object(), "{name}");
        assert!(
            reference.contains(&format!(
                "<tr><td><code>{}</code></td><td>{}</td><td><code>{name}</code></td></tr>",
                event.as_str(),
                event.label()
            )),
            "{event:?} on the reference page"
        );
    }
    assert!(doc["components"]["schemas"]["OrderEventData"]["properties"]["order"].is_object());
}
