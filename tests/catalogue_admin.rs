//! The vendor admin maintains the catalogue, price book and legacy table.

use crate::helpers::{location, spawn_app, TestClient, Who};
use reqwest::multipart::{Form, Part};

async fn upload(c: &TestClient, table: &str, csv: &str) -> reqwest::Response {
    let form = Form::new()
        .text("csrf_token", c.token().await)
        .text("table", table.to_string())
        .part(
            "file",
            Part::bytes(csv.as_bytes().to_vec())
                .file_name("import.csv")
                .mime_str("text/csv")
                .unwrap(),
        );
    c.http
        .post(c.url("/admin/catalogue/import"))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

/// Checks the file, then imports it with the preview's "Import" button (which carries the
/// token of the checked file, not the file).
async fn confirm(c: &TestClient, table: &str, csv: &str) -> reqwest::Response {
    let preview = upload(c, table, csv).await.text().await.unwrap();
    let token =
        crate::helpers::value_after(&preview, "name=\"upload\" value=\"").unwrap_or_default();
    let form = Form::new()
        .text("csrf_token", c.token().await)
        .text("table", table.to_string())
        .text("commit", "yes")
        .text("upload", token);
    c.http
        .post(c.url("/admin/catalogue/import"))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

const HEADER: &str = "family,family_name,kind,unit,warranty_months,band,description,active_from,active_until,currency,msrp_12,msrp_24,msrp_36,msrp_monthly,msrp_hardware\n";

#[tokio::test]
async fn a_catalogue_import_is_previewed_then_applied_whole() {
    let app = spawn_app().await;
    let vendor = app.login_as(Who::VendorAdmin).await;
    let csv = format!(
        "{HEADER}EPIXAD,Intercept X Advanced,subscription,user,,B10,\"Intercept X Advanced, 10-24 users\",2023-01-01,,USD,44.00,83.60,118.80,4.03,\n\
         ZTNAGW,ZTNA Gateway,subscription,user,,B25,\"ZTNA, 25-49 users\",2024-01-01,,USD,30,57,81,,\n"
    );
    let r = upload(&vendor, "catalogue", &csv).await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("The file is valid: 2 rows."));
    assert!(html.contains("MSRP 12 42.00 → 44.00"), "{html}");
    assert!(html.contains("new item"));
    // The dry run wrote nothing.
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM product_families WHERE code = 'ZTNAGW'")
            .await,
        0
    );
    assert_eq!(
        app.scalar("SELECT msrp_12 FROM prices WHERE currency = 'USD' AND family = 'EPIXAD' AND band = 'B10'")
            .await,
        4200
    );

    let r = confirm(&vendor, "catalogue", &csv).await;
    assert_eq!(r.status(), 303);
    assert!(vendor
        .text(&location(&r))
        .await
        .contains("Catalogue and prices: imported 2 rows."));
    assert_eq!(
        app.scalar("SELECT msrp_12 FROM prices WHERE currency = 'USD' AND family = 'EPIXAD' AND band = 'B10'")
            .await,
        4400
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM catalogue_items WHERE family = 'ZTNAGW'")
            .await,
        1
    );
    // Resellers see the new price at once, for any term.
    let reseller = app.login_as(Who::ResellerUser).await;
    assert!(
        reseller
            .text("/catalogue?q=10-24%20users&term=17")
            .await
            .contains("USD 62.33"),
        "44.00 * 17 / 12 = 62.333"
    );
    assert!(app
        .audit_actions()
        .await
        .contains(&"catalogue_imported".to_string()));
}

#[tokio::test]
async fn a_file_with_a_bad_row_imports_nothing_and_names_the_line() {
    let app = spawn_app().await;
    let vendor = app.login_as(Who::VendorAdmin).await;
    let mut csv = HEADER.to_string();
    for i in 0..998 {
        csv.push_str(&format!(
            "BULK{:02},Bulk,subscription,user,,B{:02},Bulk item,2023-01-01,,USD,1,2,3,,\n",
            i / 100,
            i % 100
        ));
    }
    csv.push_str("BULK99,Bulk,subscription,user,,B10,Bulk item,2023-01-01,,USD,1,2,three,,\n");
    let before = app.scalar("SELECT COUNT(*) FROM catalogue_items").await;
    let r = upload(&vendor, "catalogue", &csv).await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("The file has 1 problem; nothing was imported."),
        "{html}"
    );
    assert!(
        html.contains("<td>1000</td><td>msrp_36: “three” is not an amount"),
        "the header is line 1"
    );
    // Even a forced import of the same file (its "commit" sent with the file) writes nothing.
    let forced = Form::new()
        .text("csrf_token", vendor.token().await)
        .text("table", "catalogue")
        .text("commit", "yes")
        .part(
            "file",
            Part::bytes(csv.as_bytes().to_vec())
                .file_name("import.csv")
                .mime_str("text/csv")
                .unwrap(),
        );
    let r = vendor
        .http
        .post(vendor.url("/admin/catalogue/import"))
        .multipart(forced)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM catalogue_items").await,
        before
    );
}

#[tokio::test]
async fn legacy_rows_and_dates_change_what_the_translator_answers() {
    let app = spawn_app().await;
    let vendor = app.login_as(Who::VendorAdmin).await;
    let csv = "legacy_sku,new_sku,one_month\nOLD-IXA-10,EPIXADB10SN12T,no\n";
    assert!(upload(&vendor, "legacy", csv)
        .await
        .text()
        .await
        .unwrap()
        .contains("OLDIXA10 → EPIXADB10SN12T"));
    assert_eq!(confirm(&vendor, "legacy", csv).await.status(), 303);
    let bad = upload(
        &vendor,
        "legacy",
        "legacy_sku,new_sku,one_month\nX,EPIXADC50SN12T,no\n",
    )
    .await;
    assert_eq!(bad.status(), 422);

    let reseller = app.login_as(Who::ResellerUser).await;
    let csv_of = |body: String| body.lines().nth(1).unwrap_or("").to_string();
    let on_new_year = async |c: &TestClient| {
        csv_of(
            c.post(
                "/sku-translator/csv",
                &[("lines", "old-ixa-10"), ("on", "2024-01-01")],
            )
            .await
            .text()
            .await
            .unwrap(),
        )
    };
    assert!(on_new_year(&reseller).await.contains(",rejected,"));
    let for_excel = reseller
        .post(
            "/sku-translator/csv",
            &[("lines", "old-ixa-10"), ("on", "2024-01-01"), ("bom", "1")],
        )
        .await
        .bytes()
        .await
        .unwrap();
    assert!(for_excel.starts_with(b"\xEF\xBB\xBF"), "the BOM asked for");

    // The vendor moves the last legacy day to mid-2024.
    let r = vendor
        .post(
            "/admin/catalogue/settings",
            &[
                ("last_legacy_day", "2024-06-30"),
                ("odd_term_refused_from", "2023-10-01"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert!(on_new_year(&reseller).await.contains(",accepted,"));
    let bad = vendor
        .post(
            "/admin/catalogue/settings",
            &[
                ("last_legacy_day", "soon"),
                ("odd_term_refused_from", "2023-10-01"),
            ],
        )
        .await;
    assert_eq!(bad.status(), 422);
    assert!(bad
        .text()
        .await
        .unwrap()
        .contains("id=\"last_legacy_day-error\""));
}

#[tokio::test]
async fn an_item_is_edited_on_its_page() {
    let app = spawn_app().await;
    let vendor = app.login_as(Who::VendorAdmin).await;
    let page = vendor.text("/admin/catalogue/items/EPIXAD/B10").await;
    assert!(page.contains("value=\"42.00\""));
    // The catalogue browser holds its snapshot a moment; a change made here shows at once.
    let browse = "/catalogue?q=10-24%20users&term=12";
    assert!(vendor.text(browse).await.contains("USD 42.00"));
    let form = [
        ("description", "Intercept X Advanced, 10-24 users"),
        ("active_from", "2023-01-01"),
        ("active_until", "2022-12-31"),
        ("msrp_12", "45"),
        ("msrp_24", "85.50"),
        ("msrp_36", "121.5"),
        ("msrp_monthly", "4.13"),
    ];
    let r = vendor
        .post("/admin/catalogue/items/EPIXAD/B10", &form)
        .await;
    assert_eq!(r.status(), 422);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("would stop being orderable before it starts"));
    let mut form = form.to_vec();
    form[2] = ("active_until", "");
    assert_eq!(
        vendor
            .post("/admin/catalogue/items/EPIXAD/B10", &form)
            .await
            .status(),
        303
    );
    assert_eq!(
        app.scalar("SELECT msrp_36 FROM prices WHERE currency = 'USD' AND family = 'EPIXAD' AND band = 'B10'")
            .await,
        12150
    );
    let shown = vendor.text(browse).await;
    assert!(
        shown.contains("USD 45.00") && !shown.contains("USD 42.00"),
        "{shown}"
    );
    assert_eq!(
        vendor
            .get("/admin/catalogue/items/EPIXAD/Z99")
            .await
            .status(),
        404
    );
    let detail: String =
        sqlx::query_scalar("SELECT detail FROM audit_log WHERE action = 'catalogue_item_updated'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert!(
        detail.contains("42.00 / 79.80 / 113.40") && detail.contains("45.00 / 85.50 / 121.50"),
        "{detail}"
    );
}
