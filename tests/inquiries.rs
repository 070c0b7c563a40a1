//! Pricing inquiries: MSRP only, legacy SKUs judged by the rules of the day, submitted to a
//! supplying distributor, whose quotes role is told.

use crate::helpers::{location, spawn_app, TestApp, TestClient, Who};

async fn option_value(c: &TestClient, page: &str, label: &str) -> String {
    let html = c.text(page).await;
    html.split("<option value=\"")
        .find(|s| s.contains(&format!(">{label}<")))
        .map(|s| s[..s.find('"').unwrap()].to_string())
        .unwrap_or_else(|| panic!("option {label} on {page}"))
}

async fn new_inquiry(c: &TestClient) -> String {
    let customer = option_value(c, "/inquiries/new", "Harbour Logistics Ltd").await;
    let distributor = option_value(c, "/inquiries/new", "Northwind Distribution").await;
    let r = c
        .post(
            "/inquiries",
            &[("end_customer", &customer), ("distributor", &distributor)],
        )
        .await;
    assert_eq!(r.status(), 303);
    location(&r)
}

fn version(html: &str) -> String {
    crate::helpers::value_after(html, "name=\"version\" value=\"")
        .unwrap_or_else(|| panic!("no version field in {html}"))
}

async fn add(
    c: &TestClient,
    path: &str,
    sku: &str,
    months: &str,
    quantity: &str,
) -> reqwest::Response {
    let v = version(&c.text(path).await);
    c.post(
        &format!("{path}/lines"),
        &[
            ("sku", sku),
            ("months", months),
            ("quantity", quantity),
            ("version", &v),
        ],
    )
    .await
}

async fn set_last_legacy_day(app: &TestApp, day: &str) {
    sqlx::query("INSERT INTO settings (key, value) VALUES ('legacy.last_day', $1) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
        .bind(day)
        .execute(&app.db.pool)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_reseller_builds_an_inquiry_at_msrp_and_submits_it() {
    let app = spawn_app().await;
    let lee = app.login_as(Who::ResellerUser).await;
    let path = new_inquiry(&lee).await;
    assert!(lee.text(&path).await.contains("No lines yet."));

    // Today is 2026-03-02: legacy SKUs are refused, with the new SKU suggested.
    let r = add(&lee, &path, "IXA-U10-N12M", "", "25").await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("Legacy SKUs are no longer accepted since 2024-01-01; order EPIXADB10SN12T instead. Use EPIXADB10SN12T."));
    let r = add(&lee, &path, "IXA-U10-N1M", "17", "5").await;
    assert!(
        r.text().await.unwrap().contains("EPIXADB10SN17J"),
        "the exact 17-month SKU is suggested"
    );
    let r = add(&lee, &path, "EPIXADB10SN12T", "", "0").await;
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("Enter a quantity of 1 or more."));

    // The live preview shows the line's MSRP and the new total before adding.
    let preview = lee
        .get_htmx(&format!(
            "{path}/preview?sku=epixad-b10-sn12-t&months=&quantity=25"
        ))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        preview.contains("25 × MSRP = <strong>USD 1,050.00</strong>"),
        "{preview}"
    );

    assert_eq!(
        add(&lee, &path, "EPIXADB10SN12T", "", "25").await.status(),
        303
    );
    assert_eq!(
        add(&lee, &path, "HWX310000SH00G", "", "2").await.status(),
        303
    );
    let page = lee.text(&path).await;
    assert!(page.contains("USD 1,050.00") && page.contains("USD 6,998.00"));
    assert!(page.contains("<strong>USD 8,048.00</strong>"), "total MSRP");
    assert!(
        !page.contains("Partner program"),
        "a reseller sees MSRP only before a quote"
    );

    // Distributors never see drafts.
    let staff = app.login_as(Who::DistributorStaff).await;
    assert_eq!(staff.get(&path).await.status(), 404);

    let v = version(&page);
    let r = lee
        .post(&format!("{path}/submit"), &[("version", &v)])
        .await;
    assert_eq!(r.status(), 303);
    assert!(lee
        .text(&path)
        .await
        .contains("<strong>submitted</strong> (submitted 2026-03-02)"));
    // Northwind's quotes role is empty: its admin is told.
    let subjects: Vec<String> = sqlx::query_scalar(
        "SELECT subject FROM outbox WHERE to_address = 'admin@distributor.example'",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(subjects.len(), 1);
    assert!(
        subjects[0].starts_with("Pricing inquiry PI-2026-")
            && subjects[0].ends_with(" from Acme Secure IT")
    );
    assert!(staff
        .text("/inquiries")
        .await
        .contains("Harbour Logistics Ltd"));
    assert_eq!(staff.get(&path).await.status(), 200);
    // Submitted inquiries are no longer edited, nor submitted twice.
    assert_eq!(
        lee.post(&format!("{path}/submit"), &[("version", &v)])
            .await
            .status(),
        409
    );
    let late = [
        ("sku", "EPIXADB10SN12T"),
        ("months", ""),
        ("quantity", "1"),
        ("version", v.as_str()),
    ];
    assert_eq!(
        lee.post(&format!("{path}/lines"), &late).await.status(),
        403
    );
    // Another reseller sees nothing of it.
    assert_eq!(
        app.login_as(Who::OtherResellerAdmin)
            .await
            .get(&path)
            .await
            .status(),
        404
    );
}

#[tokio::test]
async fn legacy_lines_are_judged_again_on_the_submission_date() {
    let app = spawn_app().await;
    set_last_legacy_day(&app, "2026-12-31").await;
    let dana = app.login_as(Who::ResellerAdmin).await;
    let path = new_inquiry(&dana).await;
    assert_eq!(
        add(&dana, &path, "IXA-U10-N12M", "", "10").await.status(),
        303
    );
    let page = dana.text(&path).await;
    assert!(
        page.contains("IXA-U10-N12M") && page.contains("EPIXADB10SN12T"),
        "the line shows both SKUs"
    );
    set_last_legacy_day(&app, "2026-03-01").await;
    let r = dana
        .post(&format!("{path}/submit"), &[("version", &version(&page))])
        .await;
    assert_eq!(r.status(), 422);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("IXA-U10-N12M: Legacy SKUs are no longer accepted since 2026-03-02"));
    assert!(dana.text(&path).await.contains("<strong>draft</strong>"));
}

#[tokio::test]
async fn two_people_changing_one_draft_do_not_overwrite_each_other() {
    let app = spawn_app().await;
    let dana = app.login_as(Who::ResellerAdmin).await;
    let lee = app.login_as(Who::ResellerUser).await;
    let path = new_inquiry(&dana).await;
    let seen_by_lee = version(&lee.text(&path).await);
    assert_eq!(
        add(&dana, &path, "EPIXADB10SN12T", "", "5").await.status(),
        303
    );
    let r = lee
        .post(
            &format!("{path}/lines"),
            &[
                ("sku", "HWX310000SH00G"),
                ("months", ""),
                ("quantity", "1"),
                ("version", &seen_by_lee),
            ],
        )
        .await;
    assert_eq!(r.status(), 409);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("was changed by someone else after you opened it"));
    assert_eq!(app.scalar("SELECT COUNT(*) FROM inquiry_lines").await, 1);
}
