//! The distributor's direct order form: new lines, renewals linked to the entry they renew
//! (contiguous, never backdated), co-termed mid-term changes whose months-left SKU the form
//! proposes, and only for resellers the distributor supplies.

use crate::helpers::{location, spawn_app, TestApp, TestClient, Who};
use chrono::Duration;

async fn ids(app: &TestApp) -> (String, String) {
    let acme = app.id_of_org("Acme Secure IT").await;
    let harbour = app
        .scalar("SELECT id FROM end_customers WHERE name = 'Harbour Logistics Ltd'")
        .await;
    (acme.to_string(), harbour.to_string())
}

/// Posts the form with one line.
async fn order(
    c: &TestClient,
    app: &TestApp,
    action: &str,
    sku: &str,
    quantity: &str,
    entry: &str,
) -> reqwest::Response {
    let (reseller, customer) = ids(app).await;
    c.post(
        "/orders",
        &[
            ("reseller", &reseller),
            ("end_customer", &customer),
            ("sku", sku),
            ("quantity", quantity),
            ("entry", entry),
            ("sku", ""),
            ("quantity", ""),
            ("entry", ""),
            ("action", action),
        ],
    )
    .await
}

async fn process(app: &TestApp) {
    let vendor = app.login_as(Who::VendorAdmin).await;
    assert_eq!(vendor.post("/orders/process", &[]).await.status(), 303);
}

async fn entries(app: &TestApp) -> Vec<(i64, String, String, String)> {
    sqlx::query_as("SELECT id, sku, start_date, end_date FROM license_entries ORDER BY id")
        .fetch_all(&app.db.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_new_line_then_a_contiguous_renewal_then_a_co_termed_upgrade() {
    let app = spawn_app().await;
    let staff = app.login_as(Who::DistributorStaff).await;
    let (reseller, customer) = ids(&app).await;
    let page = staff
        .text(&format!(
            "/orders/new?reseller={reseller}&end_customer={customer}"
        ))
        .await;
    assert!(page.contains("License schedule of Harbour Logistics Ltd"));
    assert!(page.contains("No entries yet"));

    // Check first: the net price with Acme's Gold program discount, nothing placed.
    let r = order(&staff, &app, "check", "epixadb10sn12t", "10", "").await;
    assert_eq!(r.status(), 200);
    let body = r.text().await.unwrap();
    assert!(
        body.contains("Net total with the approved discounts"),
        "{body}"
    );
    assert_eq!(app.scalar("SELECT COUNT(*) FROM orders").await, 0);
    let r = order(&staff, &app, "place", "EPIXADB10SN12T", "10", "").await;
    assert_eq!(r.status(), 303);
    let listing = staff.text(&location(&r)).await;
    assert!(listing.contains("is placed"), "{listing}");
    // Told to Northwind's quotes role and Acme's renewals role: nobody holds them, so their
    // admins hear it; a direct order has no inquiry author.
    let told: Vec<String> = sqlx::query_scalar(
        "SELECT to_address FROM outbox WHERE kind = 'order_placed' ORDER BY to_address",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(
        told,
        ["admin@distributor.example", "admin@reseller.example"]
    );
    process(&app).await;
    let first = entries(&app).await;
    assert_eq!(
        first,
        [(
            first[0].0,
            "EPIXADB10SN12T".into(),
            "2026-03-02".into(),
            "2027-03-01".into()
        )]
    );
    let entry = first[0].0.to_string();
    // The reseller and the distributor see the schedule and its printable view; another
    // reseller does not.
    let (_, customer) = ids(&app).await;
    let print = format!("/licenses/{customer}/print");
    let dana = app.login_as(Who::ResellerAdmin).await;
    let page = dana.text(&print).await;
    assert!(
        page.contains("End customer</dt><dd>Harbour Logistics Ltd"),
        "{page}"
    );
    // Dates do not break across lines, and nothing suggests renewals happen by themselves.
    assert!(
        page.contains("<td class=\"nowrap\">2026-03-02</td><td class=\"nowrap\">2027-03-01</td>")
    );
    assert!(page.contains("A renewal is ordered like any order"));
    assert!(!page.contains("by themselves"));
    assert!(page.contains("Print this schedule"));
    assert_eq!(staff.get(&print).await.status(), 200);
    let other = app.login_as(Who::OtherResellerAdmin).await;
    assert_eq!(other.get(&print).await.status(), 404);
    assert!(!other.text("/licenses").await.contains("Harbour Logistics"));

    // A renewal: leaving the SKU empty proposes the entry's renewal SKU; placing it as
    // proposed renews from the day after the entry ends, although processed a month earlier.
    app.clock.advance(Duration::days(30));
    let staff = app.login_as(Who::DistributorStaff).await;
    let r = order(&staff, &app, "place", "", "10", &entry).await;
    assert_eq!(
        r.status(),
        422,
        "a proposal is shown before anything is placed"
    );
    let body = r.text().await.unwrap();
    assert!(
        body.contains("a renewal of this entry for 12 months, starting 2027-03-02"),
        "{body}"
    );
    let renewal_sku = body
        .split("name=\"sku\" value=\"")
        .nth(1)
        .map(|s| s[..14].to_string())
        .unwrap();
    assert!(renewal_sku.starts_with("EPIXADB10SR12"), "{renewal_sku}");
    let r = order(&staff, &app, "place", &renewal_sku, "10", &entry).await;
    assert_eq!(r.status(), 303);
    // A second renewal of the same entry is refused while the first waits or after.
    let again = order(&staff, &app, "place", &renewal_sku, "10", &entry).await;
    assert_eq!(again.status(), 422);
    let page = again.text().await.unwrap();
    assert!(page.contains("is renewed by order SO-2026-00002 already"));
    let first = app
        .scalar("SELECT id FROM orders WHERE reference = 'SO-2026-00002'")
        .await;
    assert!(
        page.contains(&format!(
            "<a href=\"/orders/{first}\">Open order SO-2026-00002</a>"
        )),
        "{page}"
    );
    process(&app).await;
    let all = entries(&app).await;
    assert_eq!(
        (all[1].2.as_str(), all[1].3.as_str()),
        ("2027-03-02", "2028-03-01")
    );

    // An upgrade on 2026-07-29: 7 months and 1 day left until 2027-03-01, so 8 months. The
    // typed 12-month U SKU is replaced by the 8-month one.
    app.clock.advance(Duration::days(119));
    let staff = app.login_as(Who::DistributorStaff).await;
    let typed = partner_portal::domain::Sku::parse("EPIXADB10SN12T")
        .unwrap()
        .with_term(12)
        .unwrap();
    let typed = partner_portal::domain::Sku::build(partner_portal::domain::SkuFields {
        transaction: partner_portal::domain::sku::Transaction::Upgrade,
        ..typed.fields().clone()
    })
    .unwrap();
    let r = order(&staff, &app, "place", typed.as_str(), "5", &entry).await;
    let body = r.text().await.unwrap();
    assert!(body.contains("8 months left, rounded up"), "{body}");
    let upgrade_sku = body
        .split("name=\"sku\" value=\"")
        .nth(1)
        .map(|s| s[..14].to_string())
        .unwrap();
    assert!(upgrade_sku.starts_with("EPIXADB10SU08"), "{upgrade_sku}");
    assert_eq!(
        order(&staff, &app, "place", &upgrade_sku, "5", &entry)
            .await
            .status(),
        303
    );
    process(&app).await;
    let all = entries(&app).await;
    assert_eq!(
        (all[2].1.as_str(), all[2].2.as_str(), all[2].3.as_str()),
        (upgrade_sku.as_str(), "2026-07-29", "2027-03-01"),
        "co-termed with the entry it changes"
    );
}

#[tokio::test]
async fn a_renewal_processed_after_the_lapse_is_not_backdated() {
    let app = spawn_app().await;
    let staff = app.login_as(Who::DistributorStaff).await;
    assert_eq!(
        order(&staff, &app, "place", "EPIXADB10SN01", "3", "")
            .await
            .status(),
        // A SKU without its check character is refused with the reason next to the line.
        422
    );
    let r = order(&staff, &app, "check", "EPIXADB10SN12T", "3", "").await;
    assert_eq!(r.status(), 200);
    order(&staff, &app, "place", "EPIXADB10SN12T", "3", "").await;
    process(&app).await;
    let entry = entries(&app).await[0].0.to_string();
    let r = order(&staff, &app, "check", "", "3", &entry).await;
    let body = r.text().await.unwrap();
    let renewal_sku = body
        .split("name=\"sku\" value=\"")
        .nth(1)
        .map(|s| s[..14].to_string())
        .unwrap();
    assert_eq!(
        order(&staff, &app, "place", &renewal_sku, "3", &entry)
            .await
            .status(),
        303
    );
    // Processed on 2027-03-20, after the entry ended on 2027-03-01.
    app.clock.advance(Duration::days(383));
    process(&app).await;
    let all = entries(&app).await;
    assert_eq!(
        (all[1].2.as_str(), all[1].3.as_str()),
        ("2027-03-20", "2028-03-19")
    );
}

#[tokio::test]
async fn only_distributors_order_and_only_for_resellers_they_supply() {
    let app = spawn_app().await;
    let cobalt = app.id_of_org("Cobalt Systems").await;
    let staff = app.login_as(Who::DistributorStaff).await;
    let page = staff.text("/orders/new").await;
    assert!(page.contains("Acme Secure IT") && !page.contains("Cobalt Systems"));
    let r = staff
        .post(
            "/orders",
            &[
                ("reseller", &cobalt.to_string()),
                ("end_customer", "1"),
                ("sku", "EPIXADB10SN12T"),
                ("quantity", "1"),
                ("entry", ""),
                ("action", "place"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("Choose one of the resellers you supply."));
    for who in [Who::ResellerAdmin, Who::VendorAdmin, Who::ChannelManager] {
        let c = app.login_as(who).await;
        assert_eq!(c.get("/orders/new").await.status(), 403, "{who:?}");
        assert_eq!(
            order(&c, &app, "place", "EPIXADB10SN12T", "1", "")
                .await
                .status(),
            403,
            "{who:?}"
        );
    }
    assert_eq!(app.scalar("SELECT COUNT(*) FROM orders").await, 0);
    // A bad quantity and an MSP SKU are named on their lines.
    let r = order(&staff, &app, "check", "EPIXADB10SN12T", "0", "").await;
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("Enter a quantity from 1 to 100,000."));
}

#[tokio::test]
async fn the_order_form_takes_legacy_skus_under_the_same_rules() {
    let app = spawn_app().await;
    sqlx::query("INSERT INTO settings (key, value) VALUES ('legacy.last_day', '2026-12-31')")
        .execute(&app.db.pool)
        .await
        .unwrap();
    let staff = app.login_as(Who::DistributorStaff).await;
    // A legacy standard-term SKU is translated and ordered as its new SKU.
    let r = order(&staff, &app, "place", "IXA-U10-N12M", "10", "").await;
    assert_eq!(r.status(), 303);
    let sku: String = sqlx::query_scalar("SELECT sku FROM order_lines")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(sku, "EPIXADB10SN12T");
    // A 1-month legacy SKU for 17 months is refused, with the 17-month SKU to put in the line.
    let r = order(&staff, &app, "check", "IXA-U10-N1M x 17", "10", "").await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("order the 17-month SKU EPIXADB10SN17J instead. Use EPIXADB10SN17J."),
        "{html}"
    );
    assert!(
        html.contains("name=\"use_sku\" value=\"1:EPIXADB10SN17J\""),
        "{html}"
    );
    // Without JavaScript the button puts it in line 1 and checks the order again.
    let (reseller, customer) = ids(&app).await;
    let r = staff
        .post(
            "/orders",
            &[
                ("reseller", reseller.as_str()),
                ("end_customer", customer.as_str()),
                ("sku", "IXA-U10-N1M x 17"),
                ("quantity", "10"),
                ("entry", ""),
                ("action", "check"),
                ("use_sku", "1:EPIXADB10SN17J"),
            ],
        )
        .await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("value=\"EPIXADB10SN17J\""), "{html}");
    assert!(
        html.contains("Net total with the approved discounts"),
        "{html}"
    );
    assert_eq!(app.scalar("SELECT COUNT(*) FROM orders").await, 1);
}
