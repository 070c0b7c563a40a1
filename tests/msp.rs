//! MSP monthly licensing: usage by form and CSV (all rows or none), the statement and its
//! CSV, closing a month, who sees which MSP, and reporting during a maintenance window.

use crate::helpers::{spawn_app, TestApp, TestClient, Who, PASSWORD};
use partner_portal::domain::sku::{Channel, Transaction};
use partner_portal::domain::{Sku, SkuFields};

/// The MSP monthly SKU of a family and band (channel M, term 01).
fn msp_sku(family: &str, band: &str) -> String {
    Sku::build(SkuFields {
        family: family.into(),
        band: band.into(),
        channel: Channel::MspMonthly,
        transaction: Transaction::New,
        term: 1,
    })
    .unwrap()
    .to_string()
}

/// The statement's unit price: monthly MSRP less Bluepeak's (Platinum) program discount.
async fn unit_prices(app: &TestApp, family: &str, band: &str) -> (i64, i64) {
    let msrp = app
        .scalar(&format!(
            "SELECT msrp_monthly FROM prices WHERE currency = 'USD' AND family = '{family}' AND band = '{band}'"
        ))
        .await;
    let bp: i64 = sqlx::query_scalar(
        "SELECT bp FROM program_discounts WHERE partner_level = 'platinum' AND family = $1",
    )
    .bind(family)
    .fetch_optional(&app.db.pool)
    .await
    .unwrap()
    .unwrap_or(0);
    let off = (2 * msrp * bp + 10_000) / 20_000;
    (msrp, msrp - off)
}

async fn report(
    c: &TestClient,
    month: &str,
    customer: &str,
    sku: &str,
    quantity: &str,
) -> reqwest::Response {
    c.post(
        "/msp/usage",
        &[
            ("month", month),
            ("end_customer", customer),
            ("new_customer", "on"),
            ("sku", sku),
            ("quantity", quantity),
        ],
    )
    .await
}

fn cents(c: i64) -> String {
    format!("{}.{:02}", c / 100, c % 100)
}

#[tokio::test]
async fn an_msp_reports_usage_and_downloads_its_statement() {
    let app = spawn_app().await;
    let alex = app.login_as(Who::OtherResellerAdmin).await;
    let sku = msp_sku("EPIXAD", "B10");
    // A standard SKU is refused next to its field.
    let r = report(
        &alex,
        "2026-03",
        "Harbourview Hotels",
        "EPIXADB10SN12T",
        "40",
    )
    .await;
    assert_eq!(r.status(), 422);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("is not an MSP monthly SKU"));
    assert_eq!(
        report(&alex, "2026-03", "Harbourview Hotels", &sku, "40")
            .await
            .status(),
        303
    );
    assert_eq!(
        report(&alex, "2026-03", "Coastal Schools", &sku, "12")
            .await
            .status(),
        303
    );
    // Reporting the same pair again replaces it.
    assert_eq!(
        report(&alex, "2026-03", "Coastal Schools", &sku, "15")
            .await
            .status(),
        303
    );
    // Not a future month.
    let r = report(&alex, "2026-04", "Coastal Schools", &sku, "1").await;
    assert_eq!(r.status(), 422);

    let page = alex.text("/msp?month=2026-03").await;
    assert!(
        page.contains("Statement of Bluepeak Managed Services, 2026-03"),
        "{page}"
    );
    let (msrp, price) = unit_prices(&app, "EPIXAD", "B10").await;
    assert!(price < msrp, "the Platinum program discount applies");
    let bluepeak = app.id_of_org("Bluepeak Managed Services").await;
    let csv = alex
        .text(&format!(
            "/msp/statement.csv?month=2026-03&reseller={bluepeak}"
        ))
        .await;
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "Start Date,End Date,End User Identifier,Product Description,SKU,Total Quantity,Unit MSRP,Unit Price,Total Price,Currency"
    );
    assert!(
        lines[1..].iter().all(|l| l.ends_with(",USD")),
        "every row says its currency: {csv}"
    );
    assert_eq!(lines.len(), 4, "{csv}");
    assert!(
        lines[1].starts_with("2026-03-01,2026-03-31,Coastal Schools,"),
        "{csv}"
    );
    let for_excel = alex
        .text(&format!(
            "/msp/statement.csv?month=2026-03&reseller={bluepeak}&bom=1"
        ))
        .await;
    assert_eq!(
        for_excel,
        format!("\u{feff}{csv}"),
        "the same file after a BOM"
    );
    assert!(
        lines[1].ends_with(&format!(
            ",{sku},15,{},{},{},USD",
            cents(msrp),
            cents(price),
            cents(price * 15)
        )),
        "{csv}"
    );
    assert!(lines[2].starts_with("2026-03-01,2026-03-31,Harbourview Hotels,"));
    assert!(lines[2].ends_with(&format!(
        ",40,{},{},{},USD",
        cents(msrp),
        cents(price),
        cents(price * 40)
    )));
    assert_eq!(
        lines[3],
        format!(
            "2026-03-01,2026-03-31,Total,,,55,,,{},USD",
            cents(price * 55)
        )
    );
}

#[tokio::test]
async fn a_csv_with_a_bad_row_records_nothing_and_names_the_line() {
    let app = spawn_app().await;
    let alex = app.login_as(Who::OtherResellerAdmin).await;
    let sku = msp_sku("EPIXAD", "B10");
    let upload = |csv: String| {
        let alex = &alex;
        async move {
            let token = alex.token().await;
            let form = reqwest::multipart::Form::new()
                .text("csrf_token", token)
                .text("month", "2026-03")
                .part(
                    "file",
                    reqwest::multipart::Part::bytes(csv.into_bytes())
                        .file_name("usage.csv")
                        .mime_str("text/csv")
                        .unwrap(),
                );
            alex.http
                .post(alex.url("/msp/upload"))
                .multipart(form)
                .send()
                .await
                .unwrap()
        }
    };
    let bad = format!(
        "end_customer,sku,quantity\nHarbourview Hotels,{sku},40\nCoastal Schools,{sku},lots\n"
    );
    let r = upload(bad).await;
    assert_eq!(r.status(), 422);
    let body = r.text().await.unwrap();
    assert!(
        body.contains("Line 3: quantity: “lots” is not a whole number"),
        "{body}"
    );
    assert_eq!(app.scalar("SELECT COUNT(*) FROM msp_usage").await, 0);
    let good = format!(
        "end_customer,sku,quantity\nHarbourview Hotels,{sku},40\nCoastal Schools,{sku},12\n"
    );
    assert_eq!(upload(good).await.status(), 303);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM msp_usage").await, 2);
}

#[tokio::test]
async fn usage_is_reported_during_a_maintenance_window_while_orders_wait() {
    let app = spawn_app().await;
    let now = app.clock.timestamp();
    app.maintenance_window(
        now - 3600,
        now + 86_400,
        "Order system migration",
        &["orders", "licenses", "inquiries"],
    )
    .await;
    let alex = app.login_as(Who::OtherResellerAdmin).await;
    assert_eq!(
        alex.get("/licenses").await.status(),
        503,
        "a paused section"
    );
    let page = alex.text("/msp").await;
    assert!(page.contains("Order system migration"), "the banner shows");
    let sku = msp_sku("EPIXAD", "B10");
    assert_eq!(
        report(&alex, "2026-03", "Harbourview Hotels", &sku, "40")
            .await
            .status(),
        303
    );
    assert_eq!(app.scalar("SELECT COUNT(*) FROM msp_usage").await, 1);
    let bluepeak = app.id_of_org("Bluepeak Managed Services").await;
    let csv = alex
        .text(&format!(
            "/msp/statement.csv?month=2026-03&reseller={bluepeak}"
        ))
        .await;
    assert!(csv.contains("Harbourview Hotels"));
}

#[tokio::test]
async fn who_sees_which_msp_and_closing_a_month() {
    let app = spawn_app().await;
    let bluepeak = app.id_of_org("Bluepeak Managed Services").await;
    let statement = format!("/msp?month=2026-03&reseller={bluepeak}");
    // Acme is not an MSP; Bluepeak's CAM and its distributor see its statement.
    let dana = app.login_as(Who::ResellerAdmin).await;
    assert_eq!(dana.get("/msp").await.status(), 403);
    assert_eq!(
        app.login_as(Who::ChannelManager)
            .await
            .get(&statement)
            .await
            .status(),
        200
    );
    assert_eq!(
        app.login_as(Who::DistributorStaff)
            .await
            .get(&statement)
            .await
            .status(),
        200
    );
    let jordan = app.client();
    jordan.login("cam2@vendor.example", PASSWORD).await;
    assert_eq!(jordan.get(&statement).await.status(), 404);
    // Only the MSP reports.
    let staff = app.login_as(Who::DistributorStaff).await;
    let sku = msp_sku("EPIXAD", "B10");
    assert_eq!(
        report(&staff, "2026-03", "X", &sku, "1").await.status(),
        403
    );

    let alex = app.login_as(Who::OtherResellerAdmin).await;
    assert_eq!(
        report(&alex, "2026-02", "Harbourview Hotels", &sku, "30")
            .await
            .status(),
        303
    );
    let vendor = app.login_as(Who::VendorAdmin).await;
    assert_eq!(
        vendor
            .post("/msp/close", &[("month", "2026-03")])
            .await
            .status(),
        409,
        "not ended"
    );
    assert_eq!(
        vendor
            .post("/msp/close", &[("month", "2026-02")])
            .await
            .status(),
        303
    );
    assert_eq!(
        vendor
            .post("/msp/close", &[("month", "2026-02")])
            .await
            .status(),
        409
    );
    let r = report(&alex, "2026-02", "Harbourview Hotels", &sku, "31").await;
    assert_eq!(r.status(), 422);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("2026-02 is closed: its statement is final."));
    assert_eq!(app.scalar("SELECT quantity FROM msp_usage").await, 30);
    assert_eq!(
        alex.post("/msp/close", &[("month", "2026-01")])
            .await
            .status(),
        403
    );
}

#[tokio::test]
async fn an_end_user_named_like_a_formula_is_not_a_formula_in_the_statement() {
    let app = spawn_app().await;
    let alex = app.login_as(Who::OtherResellerAdmin).await;
    let sku = msp_sku("EPIXAD", "B10");
    let evil = "=HYPERLINK(\"https://evil.example\",\"Open\")";
    assert_eq!(
        report(&alex, "2026-03", evil, &sku, "3").await.status(),
        303
    );
    let bluepeak = app.id_of_org("Bluepeak Managed Services").await;
    // The distributor that supplies Bluepeak downloads it.
    let staff = app.login_as(Who::DistributorStaff).await;
    let csv = staff
        .text(&format!(
            "/msp/statement.csv?month=2026-03&reseller={bluepeak}"
        ))
        .await;
    assert!(
        csv.contains(
            "2026-03-01,2026-03-31,\"'=HYPERLINK(\"\"https://evil.example\"\",\"\"Open\"\")\","
        ),
        "{csv}"
    );
    assert!(!csv.contains(",\"=HYPERLINK") && !csv.contains(",=HYPERLINK"));
}

#[tokio::test]
async fn a_typo_in_the_end_customer_adds_nobody_and_a_replacement_says_so() {
    let app = spawn_app().await;
    let alex = app.login_as(Who::OtherResellerAdmin).await;
    let sku = msp_sku("EPIXAD", "B10");
    assert_eq!(
        report(&alex, "2026-03", "Harbourview Hotels", &sku, "25")
            .await
            .status(),
        303
    );
    let flash = alex.text("/msp?month=2026-03").await;
    assert!(
        flash.contains("new in your end customers: Harbourview Hotels"),
        "{flash}"
    );
    // The form offers the MSP's own end customers and the MSP products by name.
    assert!(flash.contains("<datalist id=\"msp-customers\">"));
    assert!(flash.contains("<option value=\"Harbourview Hotels\">"));
    assert!(
        flash.contains(&format!("<option value=\"{sku}\">Intercept X Advanced")),
        "{flash}"
    );
    let customers = || {
        app.scalar("SELECT COUNT(*) FROM end_customers e JOIN organisations r ON r.id = e.reseller_id WHERE r.name = 'Bluepeak Managed Services'")
    };
    let before = customers().await;
    // A typo without "new end customer" is refused with the closest name; nothing is added.
    let r = alex
        .post(
            "/msp/usage",
            &[
                ("month", "2026-03"),
                ("end_customer", "Harbourveiw Hotels"),
                ("sku", &sku),
                ("quantity", "30"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("None of your end customers is called “Harbourveiw Hotels”. Did you mean “Harbourview Hotels”?"), "{html}");
    assert!(
        html.contains("value=\"Harbourveiw Hotels\""),
        "what was typed stays"
    );
    assert_eq!(customers().await, before);
    // Without JavaScript, the suggestion's button puts the name in the field.
    let r = alex
        .post(
            "/msp/usage",
            &[
                ("month", "2026-03"),
                ("end_customer", "Harbourveiw Hotels"),
                ("use_end_customer", "Harbourview Hotels"),
                ("sku", &sku),
                ("quantity", "30"),
            ],
        )
        .await;
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("id=\"end_customer\" name=\"end_customer\" type=\"text\" list=\"msp-customers\" value=\"Harbourview Hotels\""));
    // Reporting it again (any case) replaces the quantity, and says so.
    let r = alex
        .post(
            "/msp/usage",
            &[
                ("month", "2026-03"),
                ("end_customer", "harbourview hotels"),
                ("sku", &sku),
                ("quantity", "30"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let page = alex.text("/msp?month=2026-03").await;
    assert!(page.contains("(replaced 25 with 30)."), "{page}");
    assert_eq!(customers().await, before);
    // The catalogue lists the MSP monthly SKU of each subscription too.
    let catalogue = alex.text("/catalogue?q=EPIXAD").await;
    assert!(
        catalogue.contains(&format!("<code>{sku}</code>")),
        "{catalogue}"
    );
}

async fn subjects_to(app: &TestApp, email: &str) -> Vec<String> {
    sqlx::query_scalar("SELECT subject FROM outbox WHERE to_address = $1 ORDER BY id")
        .bind(email)
        .fetch_all(&app.db.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_reseller_joins_the_msp_program_and_reports_from_its_start_month() {
    let app = spawn_app().await;
    let dana = app.login_as(Who::ResellerAdmin).await;
    // Acme is not an MSP: its administrator finds the program, its terms and the form.
    let page = dana.text("/msp/program").await;
    assert!(page.contains("href=\"/msp/program\""), "in the menu");
    assert!(page.contains("Apply to join") && page.contains("bills its end customers itself"));
    let apply = |date: &'static str, people: &'static str, accept: bool| {
        let mut form = vec![("training_completed_on", date), ("trained_people", people)];
        if accept {
            form.push(("accept_terms", "yes"));
        }
        form
    };
    let r = dana
        .post("/msp/program", &apply("2026-03-10", " ", false))
        .await;
    assert_eq!(r.status(), 422);
    let body = r.text().await.unwrap();
    for message in [
        "id=\"training_completed_on-error\">The training must be completed already",
        "id=\"trained_people-error\">Enter the names of the people who completed the training.",
        "id=\"accept_terms-error\">Tick the box to accept the program terms",
    ] {
        assert!(body.contains(message), "{message}: {body}");
    }
    assert!(
        body.contains("value=\"2026-03-10\""),
        "what was typed stays"
    );
    let lee = app.login_as(Who::ResellerUser).await;
    assert_eq!(
        lee.post("/msp/program", &apply("2026-02-20", "Lee Fischer", true))
            .await
            .status(),
        403,
        "the administrator applies"
    );
    let r = dana
        .post(
            "/msp/program",
            &apply("2026-02-20", "Dana Ortiz, Lee Fischer", true),
        )
        .await;
    assert_eq!(r.status(), 303);
    assert!(dana
        .text("/msp/program")
        .await
        .contains("Waiting for a decision"));
    assert_eq!(
        dana.post("/msp/program", &apply("2026-02-20", "Dana Ortiz", true))
            .await
            .status(),
        409,
        "one application at a time"
    );
    let id = app.scalar("SELECT id FROM msp_applications").await;
    // Acme's CAM hears of it and decides; the other CAM does not see it.
    assert_eq!(
        subjects_to(&app, "cam@vendor.example").await,
        ["Acme Secure IT applies to join the MSP program"]
    );
    let jordan = app.login_as(Who::SecondChannelManager).await;
    assert_eq!(
        jordan
            .get(&format!("/msp/applications/{id}"))
            .await
            .status(),
        404
    );
    assert!(!jordan
        .text("/msp/applications")
        .await
        .contains("Acme Secure IT"));
    let casey = app.login_as(Who::ChannelManager).await;
    let home = casey.text("/").await;
    assert!(
        home.contains("<a href=\"/msp/applications\"><strong class=\"count\">1</strong> MSP program application to decide</a>"),
        "{home}"
    );
    assert!(jordan
        .text("/")
        .await
        .contains("<strong class=\"count\">0</strong> MSP program applications to decide"));
    let list = casey.text("/msp/applications").await;
    assert!(list.contains("waiting for a decision") && list.contains("Acme Secure IT"));
    let page = casey.text(&format!("/msp/applications/{id}")).await;
    assert!(
        page.contains("completed on 2026-02-20 by Dana Ortiz, Lee Fischer"),
        "{page}"
    );
    assert!(
        !page.contains("href=\"/admin/organisations/"),
        "the organisation page is the vendor admin's: no dead link for the CAM"
    );
    let approve = format!("/msp/applications/{id}/approve");
    let r = casey.post(&approve, &[("start_month", "2026-02")]).await;
    assert_eq!(r.status(), 422);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("this month (2026-03) or later"));
    // Asked first: what approving does.
    let r = casey.post(&approve, &[("start_month", "2026-04")]).await;
    assert_eq!(r.status(), 200);
    let ask = r.text().await.unwrap();
    assert!(
        ask.contains("Acme Secure IT becomes an MSP from 2026-04"),
        "{ask}"
    );
    assert_eq!(
        app.scalar("SELECT is_msp FROM organisations WHERE name = 'Acme Secure IT'")
            .await,
        0
    );
    let r = casey
        .post(&approve, &[("start_month", "2026-04"), ("confirm", "yes")])
        .await;
    assert_eq!(r.status(), 303);
    assert!(subjects_to(&app, "admin@reseller.example")
        .await
        .contains(&"MSP program application approved".to_string()));
    let audit = app
        .login_as(Who::VendorAdmin)
        .await
        .text("/admin/audit")
        .await;
    assert!(audit.contains("Casey Morgan approved the MSP program application of Acme Secure IT"));
    assert!(audit.contains("Dana Ortiz applied for Acme Secure IT to join the MSP program"));

    // An MSP from April: March is refused, April is reported.
    let dana = app.login_as(Who::ResellerAdmin).await;
    assert!(
        dana.text("/").await.contains("href=\"/msp\""),
        "MSP licensing in the menu"
    );
    let sku = msp_sku("EPIXAD", "B10");
    let r = report(&dana, "2026-03", "Harbour Logistics Ltd", &sku, "10").await;
    assert_eq!(r.status(), 422);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("Your MSP status starts with 2026-04"));
    app.clock.advance(chrono::Duration::days(31)); // 2026-04-02
    let dana = app.login_as(Who::ResellerAdmin).await;
    assert_eq!(
        report(&dana, "2026-04", "Harbour Logistics Ltd", &sku, "10")
            .await
            .status(),
        303
    );

    // The vendor ends the status from June: May is the last month, April's usage stays.
    let vendor = app.login_as(Who::VendorAdmin).await;
    let acme = app.id_of_org("Acme Secure IT").await;
    let end = format!("/admin/organisations/{acme}/msp-end");
    let r = vendor.post(&end, &[("from_month", "2026-06")]).await;
    assert_eq!(r.status(), 200);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("End the MSP status of Acme Secure IT from 2026-06?"));
    let r = vendor
        .post(&end, &[("from_month", "2026-06"), ("confirm", "yes")])
        .await;
    assert_eq!(r.status(), 303);
    let page = vendor.text(&format!("/admin/organisations/{acme}")).await;
    for line in [
        "Applied to join the MSP program (training completed on 2026-02-20 by Dana Ortiz, Lee Fischer)",
        "Approved: an MSP from 2026-04",
        "MSP status ends from 2026-06: usage is reported up to 2026-05",
    ] {
        assert!(page.contains(line), "{line}: {page}");
    }
    app.clock.advance(chrono::Duration::days(61)); // 2026-06-02
    let dana = app.login_as(Who::ResellerAdmin).await;
    let r = report(&dana, "2026-06", "Harbour Logistics Ltd", &sku, "10").await;
    assert_eq!(r.status(), 422);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("Your MSP status ended after 2026-05"));
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM msp_usage WHERE month = '2026-04'")
            .await,
        1,
        "April's usage stays"
    );
}

#[tokio::test]
async fn an_msps_currency_changes_only_once_its_open_months_are_closed() {
    let app = spawn_app().await;
    let alex = app.login_as(Who::OtherResellerAdmin).await;
    let sku = msp_sku("EPIXAD", "B10");
    assert_eq!(
        report(&alex, "2026-02", "Harbourview Hotels", &sku, "30")
            .await
            .status(),
        303
    );
    let bluepeak = app
        .scalar("SELECT reseller_id FROM msp_usage WHERE month = '2026-02'")
        .await;
    let (name, level, cam): (String, String, i64) =
        sqlx::query_as("SELECT name, partner_level, cam_user_id FROM organisations WHERE id = $1")
            .bind(bluepeak)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    let suppliers: Vec<i64> = sqlx::query_scalar(
        "SELECT distributor_id FROM reseller_distributors WHERE reseller_id = $1",
    )
    .bind(bluepeak)
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    let (cam, suppliers): (String, Vec<String>) = (
        cam.to_string(),
        suppliers.iter().map(i64::to_string).collect(),
    );
    let mut form = vec![
        ("name", name.as_str()),
        ("partner_level", level.as_str()),
        ("cam_user_id", cam.as_str()),
        ("is_msp", "on"),
        ("currency", "EUR"),
    ];
    form.extend(suppliers.iter().map(|s| ("distributor_ids", s.as_str())));
    let vendor = app.login_as(Who::VendorAdmin).await;
    let path = format!("/admin/organisations/{bluepeak}");
    let r = vendor.post(&path, &form).await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("It has MSP usage for 2026-02, a month not closed yet, priced in USD"),
        "{html}"
    );
    assert!(html.contains("id=\"currency-error\""), "next to the field");
    let currency = || {
        sqlx::query_scalar::<_, String>("SELECT currency FROM organisations WHERE id = $1")
            .bind(bluepeak)
            .fetch_one(&app.db.pool)
    };
    assert_eq!(currency().await.unwrap(), "USD");
    // Once February is closed, its statement stays in dollars and the currency may change.
    assert_eq!(
        vendor
            .post("/msp/close", &[("month", "2026-02")])
            .await
            .status(),
        303
    );
    let r = vendor.post(&path, &form).await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    assert_eq!(currency().await.unwrap(), "EUR");
}
