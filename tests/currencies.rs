//! Price books per currency (issue 18): a distributor and its resellers trade in the
//! distributor's currency, every amount says which, and a SKU without a price in that currency
//! is refused instead of priced from another book. The demo's euro zone: Rhein Distribution
//! GmbH (EUR) supplies Nordlicht IT GmbH (Gold); the EUR book is the USD one at 92 % and has
//! no price for MDR Essentials C10; its promotion ENDPOINT-EURO is 5 % (the USD one 7 %).

use crate::helpers::{location, spawn_app, TestApp, TestClient, Who};
use crate::inquiries::{add, inquiry_for, option_value, version};
use partner_portal::domain::sku::{Channel, SkuFields, Transaction};
use partner_portal::domain::Sku;

/// The 12-month new SKU of a family and band.
fn sku(family: &str, band: &str) -> String {
    Sku::build(SkuFields {
        family: family.into(),
        band: band.into(),
        channel: Channel::Standard,
        transaction: Transaction::New,
        term: 12,
    })
    .unwrap()
    .to_string()
}

/// A draft of Nordlicht for Müller Präzisionstechnik, addressed to Rhein.
async fn euro_draft(katrin: &TestClient) -> String {
    inquiry_for(
        katrin,
        "Müller Präzisionstechnik GmbH",
        "Rhein Distribution GmbH (prices in EUR)",
    )
    .await
}

/// Registers a EPIXAD deal of 4,000.00 for a new end customer with the distributor so named.
async fn register_deal(c: &TestClient, distributor: &str) -> reqwest::Response {
    let distributor = option_value(c, "/deals/new", distributor).await;
    c.post(
        "/deals",
        &[
            ("end_customer", ""),
            ("new_customer_name", "Rheinhafen Spedition"),
            ("new_customer_contact", "Ute Braun"),
            ("new_customer_email", "ute@rheinhafen.example"),
            ("families", "EPIXAD"),
            ("estimated_msrp", "4000"),
            ("expected_close", "2026-05-01"),
            ("distributor", &distributor),
        ],
    )
    .await
}

async fn outbox_body(app: &TestApp, kind: &str) -> String {
    sqlx::query_scalar::<_, String>("SELECT text_body FROM outbox WHERE kind = $1 LIMIT 1")
        .bind(kind)
        .fetch_one(&app.db.pool)
        .await
        .unwrap_or_else(|_| panic!("a {kind} message"))
}

#[tokio::test]
async fn a_euro_inquiry_is_quoted_ordered_and_scheduled_in_euros() {
    let app = spawn_app().await;
    let katrin = app.login_as(Who::EuroResellerAdmin).await;
    assert!(katrin
        .text("/")
        .await
        .contains("<dt>Currency</dt><dd>EUR</dd>"));
    let form = katrin.text("/inquiries/new").await;
    assert!(
        !form.contains("Northwind"),
        "Nordlicht addresses only its own distributor"
    );
    let path = euro_draft(&katrin).await;

    // 25 users of EPIXAD B10: EUR 38.64 each (USD 42.00 at 92 %).
    assert_eq!(
        add(&katrin, &path, "EPIXADB10SN12T", "", "25")
            .await
            .status(),
        303
    );
    let page = katrin.text(&path).await;
    assert!(
        page.contains("EUR 38.64") && page.contains("EUR 966.00"),
        "{page}"
    );
    assert!(!page.contains("USD"), "one currency on the page: {page}");

    // MDR Essentials C10 has no euro price: refused, naming the book; a dollar inquiry takes it.
    let mdr = sku("MDRESS", "C10");
    let r = add(&katrin, &path, &mdr, "", "120").await;
    assert_eq!(r.status(), 422);
    let refused = r.text().await.unwrap();
    assert!(
        refused.contains("The EUR price book has no price for this SKU."),
        "{refused}"
    );
    assert!(
        !katrin.text(&path).await.contains(&mdr),
        "nothing was added"
    );
    let lee = app.login_as(Who::ResellerUser).await;
    let dollars = inquiry_for(
        &lee,
        "Harbour Logistics Ltd",
        "Northwind Distribution (prices in USD)",
    )
    .await;
    assert_eq!(add(&lee, &dollars, &mdr, "", "120").await.status(), 303);
    assert!(lee.text(&dollars).await.contains("USD 68.00"));

    let v = version(&katrin.text(&path).await);
    let r = katrin
        .post(&format!("{path}/submit"), &[("version", &v)])
        .await;
    assert_eq!(r.status(), 303);
    let submitted = outbox_body(&app, "inquiry_submitted").await;
    assert!(submitted.contains("MSRP EUR 966.00"), "{submitted}");

    // Rhein's staff see the euro book's promotion, never the dollar one.
    let jonas = app.login_as(Who::EuroDistributorStaff).await;
    let desk = jonas.text(&path).await;
    assert!(
        desk.contains("Gold partner, Intercept X Advanced: 12%"),
        "{desk}"
    );
    assert!(desk.contains("Promotion ENDPOINT-EURO") && !desk.contains("ENDPOINT-SPRING"));
    let r = jonas
        .post(&format!("{path}/quote"), &[("version", &version(&desk))])
        .await;
    assert_eq!(r.status(), 303);

    // 966.00; program 12 %: -115.92 = 850.08; promotion 5 %: -42.504, -42.50 = 807.58.
    let page = katrin.text(&path).await;
    for expected in [
        "<strong>Partner program 12%</strong>: −EUR 115.92 → EUR 850.08",
        "<strong>Promotion 5%</strong>: −EUR 42.50 → EUR 807.58",
        "<strong>EUR 807.58</strong>",
    ] {
        assert!(page.contains(expected), "missing {expected:?}: {page}");
    }
    assert!(!page.contains("USD"), "{page}");
    let sent = outbox_body(&app, "quote_sent").await;
    assert!(
        sent.contains("net EUR 807.58 instead of MSRP EUR 966.00"),
        "{sent}"
    );

    let confirm = katrin.text(&format!("{path}/accept")).await;
    assert!(confirm.contains("<strong>EUR 807.58</strong>"), "{confirm}");
    let r = katrin
        .post(
            &format!("{path}/accept"),
            &[("version", &version(&confirm)), ("po_reference", "")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let order = location(&r);
    let page = katrin.text(&order).await;
    assert!(
        page.contains("EUR 807.58") && !page.contains("USD"),
        "{page}"
    );
    let placed = outbox_body(&app, "order_placed").await;
    assert!(placed.contains("Net total EUR 807.58."), "{placed}");
    assert!(jonas.text("/orders").await.contains("EUR 807.58"));
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM orders WHERE currency = 'EUR'")
            .await,
        1
    );

    let vendor = app.login_as(Who::VendorAdmin).await;
    assert_eq!(vendor.post("/orders/process", &[]).await.status(), 303);
    // The schedule goes to the end customer's license contact too: it names the products and
    // dates, never the reseller's prices, in any currency.
    let schedule = outbox_body(&app, "license_schedule_issued").await;
    assert!(
        schedule.contains("Müller Präzisionstechnik GmbH"),
        "{schedule}"
    );
    assert!(
        !schedule.contains("EUR") && !schedule.contains("USD"),
        "{schedule}"
    );
}

#[tokio::test]
async fn the_vendor_keeps_each_price_book_and_each_currencys_rules() {
    let app = spawn_app().await;
    let vendor = app.login_as(Who::VendorAdmin).await;

    // The EUR book lists MDR Essentials C10 without a price; giving it one makes it orderable
    // in euros, and leaves the dollar price alone.
    let book = vendor.text("/admin/catalogue?currency=EUR&q=MDRESS").await;
    assert!(book.contains("Items and their prices in EUR"), "{book}");
    let item = "/admin/catalogue/items/MDRESS/C10";
    let form = vendor.text(&format!("{item}?currency=EUR")).await;
    assert!(form.contains("This item has no EUR price yet"), "{form}");
    let r = vendor
        .post(
            item,
            &[
                ("currency", "EUR"),
                ("description", "MDR Essentials, 100-199 users"),
                ("active_from", "2023-01-01"),
                ("msrp_12", "61.00"),
                ("msrp_24", "115.90"),
                ("msrp_36", "164.70"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/admin/catalogue?currency=EUR");
    let prices: Vec<(String, i64)> = sqlx::query_as(
        "SELECT currency, msrp_12 FROM prices WHERE family = 'MDRESS' AND band = 'C10' ORDER BY currency",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(prices, [("EUR".into(), 6100), ("USD".into(), 6800)]);
    let katrin = app.login_as(Who::EuroResellerAdmin).await;
    let path = euro_draft(&katrin).await;
    assert_eq!(
        add(&katrin, &path, &sku("MDRESS", "C10"), "", "120")
            .await
            .status(),
        303
    );
    assert!(katrin.text(&path).await.contains("EUR 7,320.00"));

    // The deal registration minimum is per currency: EUR 3,000.00 and USD 5,000.00.
    let r = vendor
        .post(
            "/admin/pricing",
            &[
                ("quote_days", "30"),
                ("deal_days", "90"),
                ("minimum_USD", "5000"),
                ("minimum_EUR", "3000"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let form = katrin.text("/deals/new").await;
    assert!(
        form.contains("Estimated MSRP value (EUR)") && form.contains("At least EUR 3,000.00."),
        "{form}"
    );
    let r = register_deal(&katrin, "Rhein Distribution GmbH (prices in EUR)").await;
    assert_eq!(r.status(), 303, "EUR 4,000.00 reaches the euro minimum");
    let deal = katrin.text(&location(&r)).await;
    assert!(deal.contains("EUR 4,000.00"), "{deal}");
    let dana = app.login_as(Who::ResellerAdmin).await;
    let r = register_deal(&dana, "Northwind Distribution (prices in USD)").await;
    assert_eq!(r.status(), 422);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("A deal registration needs an estimated MSRP value of at least USD 5,000.00."));

    // A promotion belongs to one price book.
    let r = vendor
        .post(
            "/admin/pricing/promotions",
            &[
                ("code", "euro-only"),
                ("families", "EPIXAD"),
                ("percent", "9"),
                ("currency", "EUR"),
                ("starts", "2026-03-01"),
                ("ends", "2026-03-31"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let page = vendor.text("/admin/pricing").await;
    assert!(page.contains(
        "<td>EURO-ONLY</td><td>Intercept X Advanced (EPIXAD)</td><td>9%</td><td>EUR</td>"
    ));
    let r = vendor
        .post(
            "/admin/pricing/promotions",
            &[
                ("code", "chf"),
                ("percent", "9"),
                ("currency", "CHF"),
                ("starts", "2026-03-01"),
                ("ends", "2026-03-31"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("Choose the price book the promotion applies to."));
}

#[tokio::test]
async fn a_distributors_currency_decides_its_resellers_inquiries() {
    let app = spawn_app().await;
    let vendor = app.login_as(Who::VendorAdmin).await;
    let southbridge = app.id_of_org("Southbridge Supply").await;
    let path = format!("/admin/organisations/{southbridge}");
    let form = vendor.text(&path).await;
    assert!(
        form.contains("<option value=\"USD\" selected>USD</option>"),
        "{form}"
    );
    let r = vendor
        .post(
            &path,
            &[("name", "Southbridge Supply"), ("currency", "CHF")],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("Choose the currency it trades in: one of the price books."));
    let r = vendor
        .post(
            &path,
            &[("name", "Southbridge Supply"), ("currency", "EUR")],
        )
        .await;
    assert_eq!(r.status(), 303);

    // Bluepeak buys from Northwind (USD) and Southbridge (now EUR): it chooses per inquiry.
    let alex = app.login_as(Who::OtherResellerAdmin).await;
    let new = alex.text("/inquiries/new").await;
    assert!(new.contains("Northwind Distribution (prices in USD)"));
    assert!(new.contains("Southbridge Supply (prices in EUR)"));
    let inquiry = inquiry_for(
        &alex,
        "Northern Retail Group",
        "Southbridge Supply (prices in EUR)",
    )
    .await;
    assert_eq!(
        add(&alex, &inquiry, "EPIXADB10SN12T", "", "10")
            .await
            .status(),
        303
    );
    assert!(alex.text(&inquiry).await.contains("EUR 386.40"));
    // Inquiries started before keep their currency.
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM inquiries WHERE currency = 'EUR'")
            .await,
        1
    );
}

#[tokio::test]
async fn rheins_order_form_prices_from_the_euro_book() {
    let app = spawn_app().await;
    let lena = app.login_as(Who::EuroDistributorAdmin).await;
    let nordlicht = app.id_of_org("Nordlicht IT GmbH").await.to_string();
    let mueller = app
        .scalar("SELECT id FROM end_customers WHERE name = 'Müller Präzisionstechnik GmbH'")
        .await
        .to_string();
    let post = |sku: String, action: &'static str| {
        let (lena, nordlicht, mueller) = (&lena, &nordlicht, &mueller);
        async move {
            lena.post(
                "/orders",
                &[
                    ("reseller", nordlicht.as_str()),
                    ("end_customer", mueller.as_str()),
                    ("sku", sku.as_str()),
                    ("quantity", "25"),
                    ("entry", ""),
                    ("action", action),
                ],
            )
            .await
        }
    };
    // Checked first: the net of the euro book's rules (program 12 %, ENDPOINT-EURO 5 %).
    let checked = post("EPIXADB10SN12T".into(), "check")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        checked.contains("EUR 807.58") && !checked.contains("USD"),
        "{checked}"
    );
    let refused = post(sku("MDRESS", "C10"), "check")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        refused.contains("The EUR price book has no price for this SKU."),
        "{refused}"
    );
    let r = post("EPIXADB10SN12T".into(), "place").await;
    assert_eq!(r.status(), 303);
    let flash = lena.text(&location(&r)).await;
    assert!(flash.contains("is placed, net EUR 807.58."), "{flash}");
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM orders WHERE currency = 'EUR' AND total_net = 80758")
            .await,
        1
    );
}
