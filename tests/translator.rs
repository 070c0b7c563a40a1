//! The SKU translator: page (paste and CSV upload), CSV download, htmx fragment, CLI.

use crate::helpers::{header, spawn_app, TestClient, Who};
use reqwest::multipart::{Form, Part};

async fn translate(
    c: &TestClient,
    lines: &str,
    on: &str,
    file: Option<&str>,
    htmx: bool,
) -> reqwest::Response {
    let mut form = Form::new()
        .text("csrf_token", c.token().await)
        .text("lines", lines.to_string())
        .text("on", on.to_string());
    if let Some(csv) = file {
        form = form.part(
            "file",
            Part::bytes(csv.as_bytes().to_vec())
                .file_name("skus.csv")
                .mime_str("text/csv")
                .unwrap(),
        );
    }
    let mut req = c.http.post(c.url("/sku-translator")).multipart(form);
    if htmx {
        req = req.header("HX-Request", "true");
    }
    req.send().await.unwrap()
}

/// The text of the results table's rows, tags stripped, one string per row.
fn table_rows(html: &str) -> Vec<String> {
    let Some(start) = html.find("<tbody>") else {
        return vec![];
    };
    let body = &html[start
        ..html[start..]
            .find("</tbody>")
            .map(|e| start + e)
            .unwrap_or(html.len())];
    body.split("<tr>")
        .skip(1)
        .map(crate::helpers::words)
        .collect()
}

#[tokio::test]
async fn a_reseller_translates_pasted_legacy_skus_on_a_date() {
    let app = spawn_app().await;
    let c = app.login_as(Who::ResellerUser).await;
    let r = translate(
        &c,
        "IXA-U10-N12M\nixa-u10-n1m x 17\nEPIXADB10SN12X\nNOT-A-SKU\n\nXGS3100-HW",
        "2023-09-30",
        None,
        false,
    )
    .await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("3 accepted · 0 rejected · 2 not understood"),
        "{html}"
    );
    let rows = table_rows(&html);
    assert_eq!(rows.len(), 5);
    assert!(rows[0].starts_with("1 IXA-U10-N12M EPIXADB10SN12T Intercept X Advanced, 10-24 users, 12 months USD 42.00 Accepted"), "{}", rows[0]);
    // 1-month legacy x 17 before 2023-10-01: accepted as the 17-month SKU, MSRP 42.00 * 17 / 12.
    assert!(rows[1].starts_with("2 ixa-u10-n1m × 17 months EPIXADB10SN17J Intercept X Advanced, 10-24 users, 17 months USD 59.50 Accepted"), "{}", rows[1]);
    assert!(
        rows[2].contains("Not understood Position 14 (check character): expected “T”, found “X”"),
        "{}",
        rows[2]
    );
    assert!(
        rows[3].contains("“NOT-A-SKU” is not in the legacy translation table"),
        "{}",
        rows[3]
    );
    assert!(rows[4].starts_with("6 XGS3100-HW HWX310000SH00G XGS 3100 appliance, firewall appliance, 12-month warranty USD 3,499.00 Accepted"), "{}", rows[4]);
}

#[tokio::test]
async fn from_2024_legacy_skus_are_rejected_with_the_new_sku_suggested() {
    let app = spawn_app().await;
    let c = app.login_as(Who::ResellerUser).await;
    let html = translate(
        &c,
        "IXA-U10-N12M\nIXA-U10-N1M x 17",
        "2024-01-01",
        None,
        false,
    )
    .await
    .text()
    .await
    .unwrap();
    let rows = table_rows(&html);
    assert!(rows[0].contains("Rejected Legacy SKUs are no longer accepted since 2024-01-01; order EPIXADB10SN12T instead. Order instead: EPIXADB10SN12T"), "{}", rows[0]);
    assert!(
        rows[1].contains("Order instead: EPIXADB10SN17J"),
        "{}",
        rows[1]
    );
    // Between October and New Year only the odd term is refused.
    let html = translate(
        &c,
        "IXA-U10-N12M\nIXA-U10-N1M x 17",
        "2023-12-31",
        None,
        false,
    )
    .await
    .text()
    .await
    .unwrap();
    let rows = table_rows(&html);
    assert!(rows[0].contains("Accepted"));
    assert!(rows[1].contains("Rejected Building a 17-month term"));
}

#[tokio::test]
async fn an_uploaded_csv_is_translated_and_shown_in_the_text_box() {
    let app = spawn_app().await;
    let c = app.login_as(Who::DistributorStaff).await;
    let csv = "legacy_sku,months\nMDRE-U25-R36M\nEMA-U1-N1M,7\nEMA-U10-N12M,abc\n";
    let html = translate(&c, "", "2023-03-01", Some(csv), false)
        .await
        .text()
        .await
        .unwrap();
    let rows = table_rows(&html);
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert!(rows[0].contains("MDRESSB25SR36"), "{}", rows[0]);
    assert!(
        rows[0].contains("USD 221.40"),
        "36-month MSRP from the price book: {}",
        rows[0]
    );
    assert!(rows[1].contains("EMA-U1-N1M × 7 months"), "{}", rows[1]);
    assert!(
        html.contains("Line 4: CSV line 4: “abc” is not a number of months."),
        "the bad row is named"
    );
    assert!(
        html.contains("MDRE-U25-R36M\nEMA-U1-N1M x 7</textarea>"),
        "the file's rows appear in the text box"
    );
}

#[tokio::test]
async fn the_results_download_as_csv() {
    let app = spawn_app().await;
    let c = app.login_as(Who::ResellerUser).await;
    let r = c
        .post(
            "/sku-translator/csv",
            &[
                ("lines", "IXA-U10-N12M\nIXA-U10-N1M x 17\nbad"),
                ("on", "2023-10-01"),
            ],
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        header(r.headers(), "content-type"),
        "text/csv; charset=utf-8"
    );
    assert!(header(r.headers(), "content-disposition").contains("sku-translation-2023-10-01.csv"));
    let body = r.text().await.unwrap();
    let lines: Vec<&str> = body.lines().collect();
    assert_eq!(lines[0], "line,input,months,legacy_sku,new_sku,description,msrp,currency,status,reason,suggested_sku");
    assert_eq!(
        lines[1],
        "1,IXA-U10-N12M,,IXAU10N12M,EPIXADB10SN12T,\"Intercept X Advanced, 10-24 users, 12 months\",42.00,USD,accepted,\
         IXAU10N12M translated to EPIXADB10SN12T (legacy SKUs are accepted until 2023-12-31).,"
    );
    assert!(
        lines[2].starts_with("2,IXA-U10-N1M,17,IXAU10N1M,EPIXADB10SN17J,"),
        "{}",
        lines[2]
    );
    assert!(lines[2].contains(",59.50,USD,rejected,"), "{}", lines[2]);
    assert!(lines[2].ends_with(",EPIXADB10SN17J"), "{}", lines[2]);
    assert!(
        lines[3].starts_with("3,bad,,,,,,USD,invalid,"),
        "{}",
        lines[3]
    );
    assert_eq!(lines.len(), 4);
}

#[tokio::test]
async fn bad_form_input_is_explained_next_to_the_fields() {
    let app = spawn_app().await;
    let c = app.login_as(Who::ResellerUser).await;
    let r = translate(&c, "   ", "31.12.2023", None, false).await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("id=\"lines-error\">Paste at least one SKU, or choose a CSV file."));
    assert!(html.contains("id=\"on-error\">Enter the date as YYYY-MM-DD, e.g. 2023-12-31."));
    assert!(
        html.contains("value=\"31.12.2023\""),
        "what was typed stays"
    );
}

#[tokio::test]
async fn htmx_gets_the_form_and_results_fragment() {
    let app = spawn_app().await;
    let c = app.login_as(Who::ResellerUser).await;
    let r = translate(&c, "IXA-U10-N12M", "2023-06-01", None, true).await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(!html.contains("<html"));
    assert!(html.contains("<form method=\"post\" action=\"/sku-translator\""));
    assert!(html.contains("EPIXADB10SN12T"));
}

#[tokio::test]
async fn translating_needs_the_csrf_token_and_a_sign_in() {
    let app = spawn_app().await;
    let c = app.login_as(Who::ResellerUser).await;
    let form = Form::new()
        .text("lines", "IXA-U10-N12M")
        .text("on", "2023-06-01");
    let r = c
        .http
        .post(c.url("/sku-translator"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let anon = app.client();
    assert_eq!(anon.get("/sku-translator").await.status(), 303);
}

#[test]
fn the_cli_checks_and_translates() {
    let db = super::cli::temp_database();
    let seeded = super::cli::portal(&db, &["seed-demo"], &[]);
    assert!(seeded.status.success());
    let ok = super::cli::portal(&db, &["sku", "check", "epixad-b10-sn12-t"], &[]);
    assert!(ok.status.success());
    let out = String::from_utf8_lossy(&ok.stdout);
    assert!(out.starts_with("EPIXADB10SN12T is a valid SKU"), "{out}");
    assert!(
        out.contains("family       EPIXAD  Intercept X Advanced"),
        "{out}"
    );
    let bad = super::cli::portal(&db, &["sku", "check", "EPIXADB10SQ12T"], &[]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("Position 11 (transaction)"));

    let json = super::cli::portal(
        &db,
        &[
            "sku",
            "translate",
            "IXA-U10-N1M",
            "--months",
            "17",
            "--on",
            "2023-10-01",
            "--json",
        ],
        &[],
    );
    assert!(
        json.status.success(),
        "{}",
        String::from_utf8_lossy(&json.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(v["status"], "rejected");
    assert_eq!(v["suggested_sku"], "EPIXADB10SN17J");
    assert_eq!(v["msrp_cents"], 5950);

    let unknown = super::cli::portal(&db, &["sku", "translate", "NOPE"], &[]);
    assert_eq!(unknown.status.code(), Some(2));
    let bad_date = super::cli::portal(
        &db,
        &["sku", "translate", "IXA-U10-N12M", "--on", "2023-13-01"],
        &[],
    );
    assert_eq!(bad_date.status.code(), Some(2));

    let file = std::env::temp_dir().join(format!("pp-skus-{}.csv", rand::random::<u64>()));
    std::fs::write(&file, "IXA-U10-N12M\nIXA-U10-N1M,5\n").unwrap();
    let csv = super::cli::portal(
        &db,
        &[
            "sku",
            "translate",
            "--file",
            file.to_str().unwrap(),
            "--on",
            "2023-06-01",
        ],
        &[],
    );
    assert!(csv.status.success());
    let out = String::from_utf8_lossy(&csv.stdout);
    assert_eq!(out.lines().count(), 3, "{out}");
    assert!(
        out.lines().nth(2).unwrap().contains(",EPIXADB10SN05"),
        "{out}"
    );
}

#[tokio::test]
async fn the_catalogue_shows_skus_and_prices_for_any_term() {
    let app = spawn_app().await;
    let c = app.login_as(Who::ResellerUser).await;
    let html = c
        .text("/catalogue?q=intercept%20x%20advanced,%2010-24&term=17")
        .await;
    let rows = table_rows(&html);
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(
        rows[0],
        "Intercept X Advanced, 10-24 users, 17 months EPIXADB10SN17J USD 59.50 per user Yes EPIXADB10MN012 USD 3.85 a month"
    );
    // The retired item says why it cannot be ordered; hardware ignores the term.
    let html = c.text("/catalogue?q=email&term=12").await;
    assert!(html.contains("No — Not orderable on 2026-03-02: Email Advanced, 1-9 mailboxes is orderable from 2023-01-01 to 2023-06-30."), "{html}");
    let hw = table_rows(&c.text("/catalogue?q=hwx310&term=24").await);
    assert_eq!(hw[0], "XGS 3100 appliance, firewall appliance, 12-month warranty HWX310000SH00G USD 3,499.00 per appliance Yes none: hardware");
    // A term outside 1-60 shows 12 months.
    assert!(c
        .text("/catalogue?q=EPIXAD&term=99")
        .await
        .contains("EPIXADB10SN12T"));
    // htmx gets the table alone.
    let r = c.get_htmx("/catalogue?q=mdr&term=36").await;
    let html = r.text().await.unwrap();
    assert!(!html.contains("<html") && html.contains("MDRESSB10SN36"));
    assert_eq!(
        table_rows(&c.text("/catalogue?term=12").await).len(),
        24,
        "the whole demo catalogue"
    );
}

#[tokio::test]
async fn letters_that_change_length_when_lower_cased_get_a_page_not_a_dropped_connection() {
    let app = spawn_app().await;
    let lee = app.login_as(Who::ResellerUser).await;
    // U+212A (Kelvin sign) and U+0130 lower-case to characters of another byte length; the
    // separator search once sliced the line at an offset of its lower-cased copy.
    let r = translate(
        &lee,
        "\u{212A}\u{212A} x 1\nİİİ x 3",
        "2023-12-31",
        None,
        false,
    )
    .await;
    assert!(
        r.status().is_success() || r.status() == 422,
        "{}",
        r.status()
    );
    let rows = table_rows(&r.text().await.unwrap());
    assert_eq!(rows.len(), 2, "both lines are answered: {rows:?}");
    assert!(rows[0].contains("\u{212A}\u{212A}"), "{rows:?}");
    assert!(rows[1].contains("İİİ"), "{rows:?}");
}

#[tokio::test]
async fn uploads_and_pastes_are_bounded_with_pages_that_say_so() {
    let app = spawn_app().await;
    let c = app.login_as(Who::ResellerUser).await;
    // 3 MB of SKUs (more than actix-multipart's 2 MiB default, under the page's 16 MB) is
    // read, and refused for its 230,000 lines before any of them is translated.
    let many = "IXA-U10-N12M\n".repeat(230_000);
    let r = translate(&c, "", "2023-12-31", Some(&many), false).await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("id=\"lines-error\">Translate at most 10000 lines at once"),
        "{}",
        &html[..html.len().min(3000)]
    );
    // 10,001 pasted lines: the same.
    let pasted = "IXA-U10-N12M\n".repeat(10_001);
    let r = translate(&c, &pasted, "2023-12-31", None, false).await;
    assert_eq!(r.status(), 422);
    // 10,000 are translated.
    let pasted = "IXA-U10-N12M\n".repeat(10_000);
    let r = translate(&c, &pasted, "2023-12-31", None, false).await;
    assert_eq!(r.status(), 200);
    // 17 MB is more than the page takes: a page in the portal's layout, not plain text.
    let huge = "X".repeat(17 * 1024 * 1024);
    let r = translate(&c, "", "2023-12-31", Some(&huge), false).await;
    assert_eq!(r.status(), 413);
    assert!(header(r.headers(), "content-type").starts_with("text/html"));
    let html = r.text().await.unwrap();
    assert!(
        html.contains("The file is larger than this page takes"),
        "{html}"
    );
}
