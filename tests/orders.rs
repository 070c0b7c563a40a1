//! Orders become license schedules: the completion date decides the dates, nothing is
//! processed twice, and each organisation sees only its own schedules.

use crate::helpers::{header, location, spawn_app, TestApp, Who};
use crate::inquiries::{quoted_inquiry, version};

/// A quote accepted as quoted: EPIXAD x 25 and XGS 3100 x 2 for Harbour Logistics (Acme).
pub async fn placed_order(app: &TestApp) {
    let path = quoted_inquiry(app).await;
    let lee = app.login_as(Who::ResellerUser).await;
    let v = version(&lee.text(&path).await);
    assert_eq!(
        lee.post(&format!("{path}/accept"), &[("version", &v)])
            .await
            .status(),
        303
    );
}

#[tokio::test]
async fn processing_issues_the_schedule_by_the_completion_date_and_mails_it() {
    let app = spawn_app().await;
    placed_order(&app).await;
    let vendor = app.login_as(Who::VendorAdmin).await;
    assert!(vendor.text("/orders").await.contains("placed, waiting"));
    app.clock.advance(chrono::Duration::days(3)); // processed on 2026-03-05
    let vendor = app.login_as(Who::VendorAdmin).await;
    let r = vendor.post("/orders/process", &[]).await;
    assert_eq!(r.status(), 303);
    assert!(vendor
        .text(&location(&r))
        .await
        .contains("Processed 1 order with completion date 2026-03-05: 2 license schedule entries"));
    // Processing again does nothing.
    vendor.post("/orders/process", &[]).await;
    assert_eq!(app.scalar("SELECT COUNT(*) FROM license_entries").await, 2);

    let dates: Vec<(String, String, String)> =
        sqlx::query_as("SELECT sku, start_date, end_date FROM license_entries ORDER BY sku")
            .fetch_all(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(
        dates,
        [
            (
                "EPIXADB10SN12T".into(),
                "2026-03-05".into(),
                "2027-03-04".into()
            ),
            (
                "HWX310000SH00G".into(),
                "2026-03-05".into(),
                "2027-03-04".into()
            ),
        ],
        "12 months from the completion date; hardware warranty from the same day"
    );
    // The end customer's license contact and the reseller's renewals role (its admin) are told.
    let mut to: Vec<String> =
        sqlx::query_scalar("SELECT to_address FROM outbox WHERE kind = 'license_schedule_issued'")
            .fetch_all(&app.db.pool)
            .await
            .unwrap();
    to.sort();
    assert_eq!(
        to,
        ["admin@reseller.example", "it@harbour-logistics.example"]
    );

    let lee = app.login_as(Who::ResellerUser).await;
    let page = lee.text("/licenses").await;
    assert!(
        page.contains("2026-03-05")
            && page.contains("2027-03-04")
            && page.contains("<td>active</td>")
    );
    let csv = lee.get("/licenses.csv?status=active").await;
    assert_eq!(
        header(csv.headers(), "content-type"),
        "text/csv; charset=utf-8"
    );
    let body = csv.text().await.unwrap();
    assert_eq!(body.lines().count(), 3);
    assert!(body.contains("Harbour Logistics Ltd,Acme Secure IT,\"Intercept X Advanced, 10-24 users, 12 months\",EPIXADB10SN12T,25,2026-03-05,2027-03-04,SO-2026-00001,active"));
    assert_eq!(
        lee.get("/licenses.csv?status=expired")
            .await
            .text()
            .await
            .unwrap()
            .lines()
            .count(),
        1,
        "header only"
    );
    // Northwind supplies Acme and sees it; another reseller does not.
    assert!(app
        .login_as(Who::DistributorStaff)
        .await
        .text("/licenses")
        .await
        .contains("EPIXADB10SN12T"));
    let other = app
        .login_as(Who::OtherResellerAdmin)
        .await
        .text("/licenses")
        .await;
    assert!(!other.contains("EPIXADB10SN12T") && other.contains("No license schedule entries"));
    // Near the end the entry is expiring.
    app.clock.advance(chrono::Duration::days(300));
    let lee = app.login_as(Who::ResellerUser).await;
    assert!(lee
        .text("/licenses?status=expiring")
        .await
        .contains("EPIXADB10SN12T"));
}

#[tokio::test]
async fn two_processors_at_once_issue_each_order_once() {
    let app = spawn_app().await;
    placed_order(&app).await;
    let day = chrono::NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
    let now = app.clock.timestamp();
    let (a, b) = tokio::join!(
        partner_portal::jobs::process_orders(&app.db, day, None, "http://portal.test", now),
        partner_portal::jobs::process_orders(&app.db, day, None, "http://portal.test", now)
    );
    assert_eq!(a.unwrap().orders + b.unwrap().orders, 1);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM license_entries").await, 2);
}

/// The placed order processed on 2026-03-05: its subscription ends 2027-03-04.
async fn processed_on_2026_03_05() -> crate::helpers::TestApp {
    let app = spawn_app().await;
    placed_order(&app).await;
    partner_portal::jobs::process_orders(
        &app.db,
        date("2026-03-05"),
        None,
        "http://portal.test",
        0,
    )
    .await
    .unwrap();
    app
}

/// The renewal reminders' sweep on `day`: how many messages it queued.
async fn remind(app: &crate::helpers::TestApp, day: &str) -> usize {
    partner_portal::jobs::renewal_reminders(
        &app.db,
        date(day),
        "http://portal.test",
        app.clock.timestamp(),
    )
    .await
    .unwrap()
}

fn date(d: &str) -> chrono::NaiveDate {
    chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap()
}

#[tokio::test]
async fn renewal_reminders_go_out_90_60_and_30_days_before_once_each() {
    // The subscription ends 2027-03-04; the hardware warranty too, but it is not renewed.
    let app = processed_on_2026_03_05().await;
    let run = |d: &'static str| remind(&app, d);
    assert_eq!(run("2026-12-03").await, 0, "91 days before");
    assert_eq!(
        run("2026-12-04").await,
        2,
        "90 days: Acme's and Northwind's renewals (their admins)"
    );
    assert_eq!(run("2026-12-05").await, 0, "once each");
    assert_eq!(run("2027-01-03").await, 2, "60 days");
    assert_eq!(run("2027-02-02").await, 2, "30 days");
    assert_eq!(run("2027-03-04").await, 0);
    let subjects: Vec<String> =
        sqlx::query_scalar("SELECT DISTINCT subject FROM outbox WHERE kind = 'renewal_reminder'")
            .fetch_all(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(subjects, ["Harbour Logistics Ltd: Intercept X Advanced, 10-24 users, 12 months ends on 2027-03-04"]);
}

#[tokio::test]
async fn a_missed_reminder_day_is_caught_up_with_the_nearest_reminder_once() {
    let app = processed_on_2026_03_05().await;
    let run = |d: &'static str| remind(&app, d);
    let reminded = || async {
        app.scalar("SELECT COALESCE(MIN(reminded_days), 0) FROM license_entries WHERE reminded_days IS NOT NULL")
            .await
    };
    // The portal first sweeps 43 days before the end (2027-03-04): the 90-day reminder is
    // passed over, the 60-day one goes out (to the reseller and the distributor), once.
    assert_eq!(run("2027-01-20").await, 2, "43 days before");
    assert_eq!(reminded().await, 60);
    assert_eq!(run("2027-01-21").await, 0, "once");
    assert_eq!(run("2027-02-01").await, 0, "31 days before");
    assert_eq!(run("2027-02-02").await, 2, "30 days before");
    assert_eq!(reminded().await, 30);
    assert_eq!(run("2027-02-20").await, 0);
    assert_eq!(run("2027-03-05").await, 0, "ended");
}

#[test]
fn sweep_runs_for_any_date_from_the_command_line() {
    let db = crate::cli::temp_database();
    assert!(crate::cli::portal(&db, &["seed-demo"], &[])
        .status
        .success());
    // The demo's deal registration ends 90 days after it was seeded (today): far in the future
    // of 2023-09-18, so nothing happens then.
    let out = crate::cli::portal(&db, &["sweep", "--as-of", "2023-09-18"], &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout)
        .starts_with("sweep as of 2023-09-18: 0 quote reminders"));
    let bad = crate::cli::portal(&db, &["sweep", "--as-of", "18.09.2023"], &[]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--as-of"));
}

#[tokio::test]
async fn during_a_window_orders_wait_and_listed_sections_pause() {
    let app = spawn_app().await;
    let vendor = app.login_as(Who::VendorAdmin).await;
    // Now is 2026-03-02 09:00 UTC; the window runs to midnight and pauses license schedules.
    let r = vendor
        .post(
            "/admin/maintenance",
            &[
                ("starts", "2026-03-02T08:00"),
                ("ends", "2026-03-03T00:00"),
                ("message", "Back-office upgrade."),
                ("sections", "licenses"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let lee = app.login_as(Who::ResellerUser).await;
    assert!(
        lee.text("/")
            .await
            .contains("Maintenance until 2026-03-03 00:00 UTC: Back-office upgrade. Paused until then: License schedules."),
        "every page shows the banner"
    );
    let paused = lee.get("/licenses").await;
    assert_eq!(paused.status(), 503);
    assert!(paused.text().await.unwrap().contains(
        "unavailable until 2026-03-03 00:00 UTC because of maintenance: Back-office upgrade."
    ));
    assert_eq!(lee.get("/licenses.csv").await.status(), 503);
    assert_eq!(
        lee.get("/catalogue").await.status(),
        200,
        "not listed, so it works"
    );

    // An order placed during the window is accepted and waits.
    placed_order(&app).await;
    let vendor = app.login_as(Who::VendorAdmin).await;
    let r = vendor.post("/orders/process", &[]).await;
    let page = vendor.text(&location(&r)).await;
    assert!(
        page.contains("1 order waits: a maintenance window is in force. It is processed after it"),
        "{page}"
    );
    assert_eq!(app.scalar("SELECT COUNT(*) FROM license_entries").await, 0);

    // After the window it is processed with that day's completion date.
    app.clock.advance(chrono::Duration::hours(16)); // 2026-03-03 01:00
    let stats = partner_portal::jobs::process_orders(
        &app.db,
        app.clock.today(),
        None,
        "http://portal.test",
        app.clock.timestamp(),
    )
    .await
    .unwrap();
    assert_eq!((stats.orders, stats.waiting), (1, 0));
    let start: String = sqlx::query_scalar("SELECT MIN(start_date) FROM license_entries")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(start, "2026-03-03");
    let lee = app.login_as(Who::ResellerUser).await;
    assert_eq!(lee.get("/licenses").await.status(), 200);
    assert!(!lee.text("/").await.contains("Maintenance until"));
}

#[tokio::test]
async fn maintenance_windows_are_checked_and_the_demo_has_octobers() {
    let app = spawn_app().await;
    let vendor = app.login_as(Who::VendorAdmin).await;
    let page = vendor.text("/admin/maintenance").await;
    assert!(
        page.contains("2023-10-01 00:00 UTC") && page.contains("2023-10-13 00:00 UTC"),
        "the demo's past window"
    );
    let r = vendor
        .post(
            "/admin/maintenance",
            &[
                ("starts", "2026-03-05 10:00"),
                ("ends", "2026-03-05 09:00"),
                ("message", "x"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("The window must end after it starts."));
    let r = vendor
        .post(
            "/admin/maintenance",
            &[("starts", "soon"), ("ends", ""), ("message", "")],
        )
        .await;
    let html = r.text().await.unwrap();
    assert!(html.contains("id=\"starts-error\"") && html.contains("id=\"message-error\""));
    // A finished window is the record of what happened: it cannot be cancelled.
    let past = app.scalar("SELECT MIN(id) FROM maintenance_windows").await;
    assert_eq!(
        vendor
            .post(&format!("/admin/maintenance/{past}/delete"), &[])
            .await
            .status(),
        404
    );
}

#[tokio::test]
async fn an_end_customers_schedule_downloads_as_pdf() {
    let app = spawn_app().await;
    placed_order(&app).await;
    partner_portal::jobs::process_orders(
        &app.db,
        app.clock.today(),
        None,
        "http://portal.test",
        app.clock.timestamp(),
    )
    .await
    .unwrap();
    let harbour = app
        .scalar("SELECT id FROM end_customers WHERE name = 'Harbour Logistics Ltd'")
        .await;
    let lee = app.login_as(Who::ResellerUser).await;
    let page = lee.text(&format!("/licenses?end_customer={harbour}")).await;
    assert!(page.contains(&format!("href=\"/licenses/{harbour}/pdf\">Download as PDF")));
    // Filters by product and end date, answered by the database, and the same for the CSV.
    let only_epixad = lee.text("/licenses?family=EPIXAD").await;
    assert!(only_epixad.contains("EPIXADB10SN12T") && !only_epixad.contains("HWX310000SH00G"));
    let csv = lee.text("/licenses.csv?family=HWX310").await;
    assert_eq!(csv.lines().count(), 2, "{csv}");
    assert!(csv.contains("HWX310000SH00G"));
    let ending = lee
        .text("/licenses?ends_from=2027-03-01&ends_to=2027-03-01")
        .await;
    assert!(ending.contains("EPIXADB10SN12T"));
    assert!(lee
        .text("/licenses?ends_from=2030-01-01")
        .await
        .contains("No license schedule entries match these filters."));
    assert!(lee
        .text("/licenses?ends_from=next+week")
        .await
        .contains("Enter the date as YYYY-MM-DD."));
    // A range that ends before it starts is said to be one, next to its second date.
    let reversed = lee
        .text("/licenses?ends_from=2027-03-10&ends_to=2027-03-01")
        .await;
    assert!(
        reversed.contains("This date (2027-03-01) is before “Ends on or after” (2027-03-10)")
            && reversed.contains("No license schedule entries match these filters."),
        "{reversed}"
    );
    assert!(reversed.contains("active (including expiring)"));
    let r = lee.get(&format!("/licenses/{harbour}/pdf")).await;
    assert_eq!(r.status(), 200);
    assert_eq!(header(r.headers(), "content-type"), "application/pdf");
    assert!(header(r.headers(), "content-disposition")
        .contains("license-schedule-Harbour-Logistics-Ltd.pdf"));
    let bytes = r.bytes().await.unwrap();
    assert!(bytes.starts_with(b"%PDF-"), "a PDF file");
    let text = pdf_text(&bytes);
    assert!(
        text.contains("License schedule – Harbour Logistics Ltd"),
        "{text}"
    );
    assert!(text.contains("Reseller: Acme Secure IT"), "{text}");
    let line = text
        .lines()
        .find(|l| l.contains("EPIXADB10SN12T"))
        .unwrap_or_else(|| panic!("{text}"));
    for part in [
        "Intercept X Advanced, 10-24 users, 12 months",
        "25",
        "2026-03-02",
        "2027-03-01",
        "active",
    ] {
        assert!(line.contains(part), "{part} missing in {line:?}");
    }
    assert!(text.contains("Order SO-2026-00001"));
    // Another reseller's admin gets nothing; so does an unknown customer.
    let alex = app.login_as(Who::OtherResellerAdmin).await;
    assert_eq!(
        alex.get(&format!("/licenses/{harbour}/pdf")).await.status(),
        404
    );
    assert_eq!(lee.get("/licenses/999999/pdf").await.status(), 404);
    // Expiring is a kind of active: in its last 90 days an entry is found under both.
    app.clock.advance(chrono::Duration::days(300));
    let lee = app.login_as(Who::ResellerUser).await;
    for status in ["active", "expiring"] {
        let page = lee
            .text(&format!("/licenses?end_customer={harbour}&status={status}"))
            .await;
        assert!(
            page.contains("EPIXADB10SN12T") && page.contains("<td>expiring within 90 days</td>"),
            "{status}: {page}"
        );
    }
}

fn license_file(rows: usize, bad_line: Option<usize>) -> std::path::PathBuf {
    let mut csv = String::from("license_key,reseller,end_customer,legacy_sku,quantity,order_completion_date,activation_date\n");
    for i in 0..rows {
        let line = i + 2;
        let sku = if Some(line) == bad_line {
            "NOT-A-LEGACY-SKU"
        } else {
            "IXA-U10-N12M"
        };
        let activated = match i % 3 {
            0 => "2023-05-11",
            1 => "",
            _ => "2023-10-11",
        };
        csv.push_str(&format!(
            "LK-{i:05},Acme Secure IT,Customer {},{sku},10,2023-05-01,{activated}\n",
            i % 7
        ));
    }
    let file = std::env::temp_dir().join(format!("pp-licenses-{}.csv", rand::random::<u64>()));
    std::fs::write(&file, csv).unwrap();
    file
}

#[test]
fn legacy_licenses_import_all_or_nothing_and_only_once() {
    let db = crate::cli::temp_database();
    assert!(crate::cli::portal(&db, &["seed-demo"], &[])
        .status
        .success());
    let count = || {
        tokio::runtime::Runtime::new().unwrap().block_on(async {
            let d = partner_portal::db::Db::connect(&db).await.unwrap();
            // Imported entries carry their license key (the demo's own entries have none).
            sqlx::query_scalar::<_, i64>(
                "SELECT COUNT(*) FROM license_entries WHERE license_key IS NOT NULL",
            )
            .fetch_one(&d.pool)
            .await
            .unwrap()
        })
    };
    // A bad row on line 500 of 1,000: nothing is imported, the line is named.
    let bad = license_file(1000, Some(500));
    let out = crate::cli::portal(
        &db,
        &["import-licenses", bad.to_str().unwrap(), "--commit"],
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("1 problem; nothing imported")
            && err.contains("line 500: legacy_sku: “NOT-A-LEGACY-SKU”"),
        "{err}"
    );
    assert_eq!(count(), 0);

    let good = license_file(1000, None);
    let dry = crate::cli::portal(&db, &["import-licenses", good.to_str().unwrap()], &[]);
    assert!(
        dry.status.success(),
        "{}",
        String::from_utf8_lossy(&dry.stderr)
    );
    let out = String::from_utf8_lossy(&dry.stdout);
    assert!(
        out.contains(
            "line 4: LK-00002 starts 2023-05-01 (not activated by 2023-10-01: starts on its order completion), activated 2023-10-11: 163 days of term lost"
        ),
        "{out}"
    );
    // Never activated: the whole term (2023-05-01 to 2024-04-30) is lost by now.
    assert!(
        out.contains(
            "line 3: LK-00001 starts 2023-05-01 (not activated by 2023-10-01: starts on its order completion), not activated yet: 366 days of term lost"
        ),
        "{out}"
    );
    assert!(
        !out.contains("line 2:"),
        "activated before 2023-10-01: nothing lost: {out}"
    );
    assert!(
        out.contains("1000 rows: 1000 new, 0 already imported; 334 start on their activation (activated before 2023-10-01), 666 on their order completion"),
        "{out}"
    );
    assert!(out.ends_with("dry run: nothing was written; add --commit to import\n"));
    assert_eq!(count(), 0);

    let run = crate::cli::portal(
        &db,
        &["import-licenses", good.to_str().unwrap(), "--commit"],
        &[],
    );
    assert!(String::from_utf8_lossy(&run.stdout).contains("imported 1000 license schedule entries"));
    assert_eq!(count(), 1000);
    let again = crate::cli::portal(
        &db,
        &["import-licenses", good.to_str().unwrap(), "--commit"],
        &[],
    );
    let out = String::from_utf8_lossy(&again.stdout);
    assert!(
        out.contains("1000 rows: 0 new, 1000 already imported")
            && out.contains("imported 0 license schedule entries"),
        "{out}"
    );
    assert_eq!(count(), 1000, "a second run changes nothing");
}

/// The import creates or finds end customers a few hundred at a time: every entry must still
/// land on its own row's end customer, a name written in another case is the same customer,
/// and a customer the reseller has already is reused, not doubled.
#[test]
fn legacy_import_finds_or_creates_each_end_customer_once() {
    let db = crate::cli::temp_database();
    assert!(crate::cli::portal(&db, &["seed-demo"], &[])
        .status
        .success());
    let mut csv = String::from("license_key,reseller,end_customer,legacy_sku,quantity,order_completion_date,activation_date\n");
    for i in 0..1300usize {
        // 700 new names (more than one batch), each written in two cases, and an existing one.
        let name = match i {
            1200.. => "HARBOUR LOGISTICS LTD".to_string(),
            _ if i % 3 == 0 => format!("BATCH CUSTOMER {}", i % 700),
            _ => format!("Batch Customer {}", i % 700),
        };
        let reseller = if i % 2 == 0 {
            "Acme Secure IT"
        } else {
            "acme secure it"
        };
        csv.push_str(&format!(
            "BC-{i:05},{reseller},{name},IXA-U10-N12M,10,2025-05-01,\n"
        ));
    }
    let file = std::env::temp_dir().join(format!("pp-batch-{}.csv", rand::random::<u64>()));
    std::fs::write(&file, &csv).unwrap();
    let run = crate::cli::portal(
        &db,
        &["import-licenses", file.to_str().unwrap(), "--commit"],
        &[],
    );
    assert!(
        String::from_utf8_lossy(&run.stdout).contains("imported 1300 license schedule entries"),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let d = partner_portal::db::Db::connect(&db).await.unwrap();
        let rows: Vec<(String, String, i64)> = sqlx::query_as(
            "SELECT l.license_key, e.name, e.reseller_id FROM license_entries l \
             JOIN end_customers e ON e.id = l.end_customer_id WHERE l.license_key LIKE 'BC-%' ORDER BY l.license_key",
        )
        .fetch_all(&d.pool)
        .await
        .unwrap();
        assert_eq!(rows.len(), 1300);
        let acme: i64 = sqlx::query_scalar("SELECT id FROM organisations WHERE name = 'Acme Secure IT'")
            .fetch_one(&d.pool)
            .await
            .unwrap();
        for (key, name, reseller) in &rows {
            let i: usize = key[3..].parse().unwrap();
            let expected = match i {
                1200.. => "harbour logistics ltd".to_string(),
                _ => format!("batch customer {}", i % 700),
            };
            assert_eq!((name.to_lowercase(), *reseller), (expected, acme), "{key}");
        }
        let batch: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM end_customers WHERE LOWER(name) LIKE 'batch customer %'",
        )
        .fetch_one(&d.pool)
        .await
        .unwrap();
        assert_eq!(batch, 700, "one end customer per name, whatever its case");
        let harbour: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM end_customers WHERE LOWER(name) = 'harbour logistics ltd'",
        )
        .fetch_one(&d.pool)
        .await
        .unwrap();
        assert_eq!(harbour, 1, "the reseller's existing end customer is reused");
    });
    let _ = std::fs::remove_file(file);
}

#[tokio::test]
async fn the_vendor_admin_imports_legacy_licenses_on_the_page() {
    use reqwest::multipart::{Form, Part};
    let app = spawn_app().await;
    let vendor = app.login_as(Who::VendorAdmin).await;
    let csv = "license_key,reseller,end_customer,legacy_sku,quantity,order_completion_date,activation_date\n\
               OLD-1,Acme Secure IT,Harbour Logistics Ltd,IXA-U10-N12M,25,2025-06-01,2025-06-15\n\
               OLD-2,acme secure it,Newcomer GmbH,MDRE-U25-R36M,30,2025-06-01,\n\
               OLD-3,Acme Secure IT,Harbour Logistics Ltd,IXA-U10-N12M,5,2023-06-01,2023-07-01\n";
    let upload = |form: Form| {
        vendor
            .http
            .post(vendor.url("/admin/licenses/import"))
            .multipart(form)
            .send()
    };
    let file = Form::new().text("csrf_token", vendor.token().await).part(
        "file",
        Part::bytes(csv.as_bytes().to_vec())
            .file_name("licenses.csv")
            .mime_str("text/csv")
            .unwrap(),
    );
    let r = upload(file).await.unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("The file is valid: 3 rows, 3 new, 0 imported before."));
    assert!(html.contains(">Import 3 licenses and create 1 end customer</button>"));
    let completion = "not activated by 2023-10-01: starts on its order completion";
    let mdr: String = sqlx::query_scalar(
        "SELECT new_sku FROM legacy_skus WHERE REPLACE(UPPER(legacy_sku), '-', '') = 'MDREU25R36M'",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    for row in [
        format!("<td>OLD-1</td><td>IXA-U10-N12M → EPIXADB10SN12T</td><td>Harbour Logistics Ltd (existing)</td><td>{completion}</td><td>2025-06-01 to 2026-05-31</td><td>2025-06-15</td><td class=\"num\">14</td>"),
        // Not activated yet: every day until today (2026-03-02).
        format!("<td>OLD-2</td><td>MDRE-U25-R36M → {mdr}</td><td>Newcomer GmbH (new: will be created)</td><td>{completion}</td><td>2025-06-01 to 2028-05-31</td><td>not activated</td><td class=\"num\">274</td>"),
        "<td>OLD-3</td><td>IXA-U10-N12M → EPIXADB10SN12T</td><td>Harbour Logistics Ltd (existing)</td><td>activated before 2023-10-01: starts on its activation</td><td>2023-07-01 to 2024-06-30</td><td>2023-07-01</td><td class=\"num\">0</td>".to_string(),
    ] {
        assert!(html.contains(&row), "{row}\n{html}");
    }
    assert!(html.contains("1 start on their activation date, 2 on their order completion date. 1 end customer is new to its reseller and will be created."));
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM license_entries").await,
        0,
        "the dry run wrote nothing"
    );

    // The preview holds the checked file: its "Import" button sends a token, not the file.
    let token = crate::helpers::value_after(&html, "name=\"upload\" value=\"").unwrap();
    assert_eq!(token.len(), 43);
    assert!(
        !html.contains("OLD-1,Acme"),
        "the file is not sent back in the page"
    );
    // Nobody else can import it with that token.
    let other = app.login_as(Who::ChannelManager).await;
    let theirs = Form::new()
        .text("csrf_token", other.token().await)
        .text("commit", "yes")
        .text("upload", token.clone());
    let r = other
        .http
        .post(other.url("/admin/licenses/import"))
        .multipart(theirs)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let commit = Form::new()
        .text("csrf_token", vendor.token().await)
        .text("commit", "yes")
        .text("upload", token.clone());
    let r = upload(commit).await.unwrap();
    assert_eq!(r.status(), 303);
    assert!(vendor
        .text(&location(&r))
        .await
        .contains("Imported 3 license schedule entries"));
    let (start, end): (String, String) = sqlx::query_as(
        "SELECT start_date, end_date FROM license_entries WHERE license_key = 'OLD-2'",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(
        (start.as_str(), end.as_str()),
        ("2025-06-01", "2028-05-31"),
        "36 months from the completion date"
    );
    let (start, end): (String, String) = sqlx::query_as(
        "SELECT start_date, end_date FROM license_entries WHERE license_key = 'OLD-3'",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(
        (start.as_str(), end.as_str()),
        ("2023-07-01", "2024-06-30"),
        "12 months from the activation"
    );
    let lee = app.login_as(Who::ResellerUser).await;
    let schedules = lee.text("/licenses").await;
    assert!(schedules.contains("Newcomer GmbH") && schedules.contains("legacy OLD-1"));
    // A later order for the imported end customer mails the reseller, and no mail goes to the
    // missing license contact.
    let newcomer = app
        .scalar("SELECT id FROM end_customers WHERE name = 'Newcomer GmbH'")
        .await;
    let contact: String =
        sqlx::query_scalar("SELECT contact_email FROM end_customers WHERE id = $1")
            .bind(newcomer)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(contact, "");
    // Only the vendor admin imports.
    let dana = app.login_as(Who::ResellerAdmin).await;
    assert_eq!(dana.get("/admin/licenses/import").await.status(), 403);
}

#[tokio::test]
async fn no_schedule_mail_goes_to_an_end_customer_without_an_address() {
    let app = spawn_app().await;
    placed_order(&app).await;
    sqlx::query("UPDATE end_customers SET contact_email = '' WHERE name = 'Harbour Logistics Ltd'")
        .execute(&app.db.pool)
        .await
        .unwrap();
    partner_portal::jobs::process_orders(
        &app.db,
        app.clock.today(),
        None,
        "http://portal.test",
        app.clock.timestamp(),
    )
    .await
    .unwrap();
    let to: Vec<String> =
        sqlx::query_scalar("SELECT to_address FROM outbox WHERE kind = 'license_schedule_issued'")
            .fetch_all(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(
        to,
        ["admin@reseller.example"],
        "the reseller's renewals role only"
    );
}

#[tokio::test]
async fn the_vendor_s_time_zone_decides_the_completion_date_and_how_times_read() {
    let app = spawn_app().await;
    let vendor = app.login_as(Who::VendorAdmin).await;
    let page = vendor.text("/admin/settings").await;
    assert!(
        page.contains("name=\"time_zone\" type=\"text\" value=\"UTC\""),
        "{page}"
    );
    let form = |zone: &'static str| {
        [
            ("lead_days", "90"),
            ("lead_reminder_days", "14"),
            ("renewal_days", "90, 60, 30"),
            ("time_zone", zone),
        ]
    };
    // Not a zone: said next to the field, what was typed kept, nothing saved.
    let r = vendor.post("/admin/settings", &form("Mars/Olympus")).await;
    assert_eq!(r.status(), 422);
    let body = r.text().await.unwrap();
    assert!(body.contains("id=\"time_zone-error\">Enter a time zone name such as Europe/Berlin"));
    assert!(body.contains("value=\"Mars/Olympus\""));
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM settings WHERE key = 'vendor.time_zone'")
            .await,
        0
    );
    let r = vendor.post("/admin/settings", &form("Europe/Berlin")).await;
    assert_eq!(r.status(), 303);
    // 2026-03-02 09:00 UTC is 10:00 in Berlin: the same day.
    assert!(vendor
        .text("/admin/settings")
        .await
        .contains("Dates and times follow Europe/Berlin: today is 2026-03-02 there."));
    // An order placed late in the evening, UTC, is processed after midnight in Berlin.
    placed_order(&app).await;
    app.clock.advance(chrono::Duration::minutes(14 * 60 + 30)); // 23:30 UTC, 00:30 CET
    let vendor = app.login_as(Who::VendorAdmin).await;
    let r = vendor.post("/orders/process", &[]).await;
    let page = vendor.text(&location(&r)).await;
    assert!(
        page.contains("Processed 1 order with completion date 2026-03-03"),
        "{page}"
    );
    let (start, end): (String, String) =
        sqlx::query_as("SELECT start_date, end_date FROM license_entries ORDER BY id LIMIT 1")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!((start.as_str(), end.as_str()), ("2026-03-03", "2027-03-02"));
    // Times are shown in Berlin with the zone's abbreviation: the sign-in just now.
    let audit = vendor.text("/admin/audit").await;
    assert!(audit.contains("2026-03-03 00:30 CET"), "{audit}");
    assert!(!audit.contains(" UTC<"), "{audit}");
    // Maintenance windows are typed in Berlin time too; the hour the clocks skip is refused.
    let page = vendor.text("/admin/maintenance").await;
    assert!(page.contains("Starts (Europe/Berlin)"), "{page}");
    let window = |starts: &'static str, ends: &'static str| {
        [
            ("starts", starts),
            ("ends", ends),
            ("message", "Back-office upgrade."),
        ]
    };
    let r = vendor
        .post(
            "/admin/maintenance",
            &window("2026-03-29T02:30", "2026-03-29T04:00"),
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("2026-03-29 02:30 does not exist in Europe/Berlin"));
    let r = vendor
        .post(
            "/admin/maintenance",
            &window("2026-03-03T02:00", "2026-03-03T03:00"),
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        app.scalar("SELECT starts_at FROM maintenance_windows ORDER BY id DESC LIMIT 1")
            .await,
        chrono::DateTime::parse_from_rfc3339("2026-03-03T01:00:00Z")
            .unwrap()
            .timestamp()
    );
    assert!(vendor
        .text("/admin/maintenance")
        .await
        .contains("2026-03-03 03:00 CET"));
}

#[tokio::test]
async fn a_schedule_pdf_prints_names_in_every_script_over_numbered_pages() {
    let app = spawn_app().await;
    placed_order(&app).await;
    partner_portal::jobs::process_orders(
        &app.db,
        app.clock.today(),
        None,
        "http://portal.test",
        app.clock.timestamp(),
    )
    .await
    .unwrap();
    let customer = app
        .scalar("SELECT id FROM end_customers WHERE name = 'Harbour Logistics Ltd'")
        .await;
    // A European customer and a reseller named in Greek and Cyrillic, with 64 entries.
    for sql in [
        format!("UPDATE end_customers SET name = 'Müller Präzisionstechnik GmbH, Łódź' WHERE id = {customer}"),
        "UPDATE organisations SET name = 'Αθήνα Москва IT' WHERE name = 'Acme Secure IT'".to_string(),
    ] {
        sqlx::query(&sql).execute(&app.db.pool).await.unwrap();
    }
    for _ in 0..5 {
        sqlx::query(&format!(
            "INSERT INTO license_entries (reseller_id, end_customer_id, order_id, order_reference, sku, description, quantity, start_date, end_date, created_at) \
             SELECT reseller_id, end_customer_id, order_id, order_reference, sku, description, quantity, start_date, end_date, created_at \
             FROM license_entries WHERE end_customer_id = {customer}"
        ))
        .execute(&app.db.pool)
        .await
        .unwrap();
    }
    let lee = app.login_as(Who::ResellerUser).await;
    let r = lee.get(&format!("/licenses/{customer}/pdf")).await;
    assert_eq!(r.status(), 200);
    let bytes = r.bytes().await.unwrap();
    assert!(
        bytes.len() < 200_000,
        "the font is embedded as a subset: {} bytes",
        bytes.len()
    );
    let text = pdf_text(&bytes);
    assert!(
        text.contains("License schedule – Müller Präzisionstechnik GmbH, Łódź"),
        "{text}"
    );
    assert!(text.contains("Reseller: Αθήνα Москва IT"), "{text}");
    assert!(text.contains("25 × ") || text.contains("Intercept X Advanced"));
    // 64 entries run over three pages, each with the table's header and its number.
    assert_eq!(text.matches("EPIXADB10SN12T").count(), 32, "{text}");
    let pages = text.matches("Page ").count();
    assert!(pages >= 2, "{text}");
    for n in 1..=pages {
        assert!(text.contains(&format!("Page {n} of {pages}")), "{text}");
    }
    assert_eq!(
        text.matches("Product").count(),
        pages,
        "the header on every page"
    );
    // The CSV is UTF-8; "for Excel" puts the byte order mark first, the plain one does not.
    let page = lee
        .text(&format!("/licenses?end_customer={customer}"))
        .await;
    let excel = format!("/licenses.csv?end_customer={customer}&amp;bom=1\">for Excel</a>");
    assert!(page.contains(&excel), "{page}");
    let with_bom = lee
        .get(&format!("/licenses.csv?end_customer={customer}&bom=1"))
        .await
        .bytes()
        .await
        .unwrap();
    assert!(with_bom.starts_with(b"\xEF\xBB\xBF"));
    let text = String::from_utf8(with_bom[3..].to_vec()).unwrap();
    assert!(
        text.contains("Müller Präzisionstechnik GmbH, Łódź"),
        "{text}"
    );
    assert_eq!(text.lines().count(), 65, "a header and 64 entries");
    let plain = lee
        .get(&format!("/licenses.csv?end_customer={customer}"))
        .await
        .bytes()
        .await
        .unwrap();
    assert!(!plain.starts_with(b"\xEF\xBB\xBF"));
    assert_eq!(&plain[..], &with_bom[3..]);
}

/// A PDF's text as a person's PDF reader shows it (pdftotext, from poppler-utils, which
/// scripts/test installs).
pub fn pdf_text(bytes: &[u8]) -> String {
    let file = std::env::temp_dir().join(format!("pp-schedule-{}.pdf", rand::random::<u64>()));
    std::fs::write(&file, bytes).unwrap();
    let out = std::process::Command::new("pdftotext")
        .args(["-layout", file.to_str().unwrap(), "-"])
        .output()
        .expect("pdftotext (poppler-utils) is installed by scripts/test");
    let _ = std::fs::remove_file(&file);
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test]
async fn a_100000_row_license_file_is_checked_on_the_page() {
    use reqwest::multipart::{Form, Part};
    let app = spawn_app().await;
    let vendor = app.login_as(Who::VendorAdmin).await;
    let file = license_file(100_000, None);
    let bytes = std::fs::read(&file).unwrap();
    assert!(
        bytes.len() > 2 * 1024 * 1024,
        "more than the old 2 MiB limit"
    );
    let form = Form::new().text("csrf_token", vendor.token().await).part(
        "file",
        Part::bytes(bytes)
            .file_name("licenses.csv")
            .mime_str("text/csv")
            .unwrap(),
    );
    let r = vendor
        .http
        .post(vendor.url("/admin/licenses/import"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("The file is valid: 100,000 rows, 100,000 new, 0 imported before."),
        "{}",
        &html[..html.len().min(2000)]
    );
    assert!(html.contains("The table lists the first 1000 of 100000 new licenses"));
    assert!(
        html.len() < 1_000_000,
        "the page holds a token, not the file: {}",
        html.len()
    );
    assert_eq!(app.scalar("SELECT COUNT(*) FROM license_entries").await, 0);
}

#[tokio::test]
async fn a_long_schedule_downloads_whole_in_order_read_a_part_at_a_time() {
    let app = spawn_app().await;
    let acme = app.id_of_org("Acme Secure IT").await;
    let harbour = app
        .scalar("SELECT id FROM end_customers WHERE name = 'Harbour Logistics Ltd'")
        .await;
    // 4,500 entries (more than two parts of 2,000), on three end dates: ties are broken by id.
    let mut tx = app.db.pool.begin().await.unwrap();
    for i in 0..4_500 {
        let end = ["2027-01-31", "2027-02-28", "2027-03-31"][i % 3];
        sqlx::query(
            "INSERT INTO license_entries (reseller_id, end_customer_id, order_id, order_reference, sku, description, \
             quantity, start_date, end_date, created_at) VALUES ($1, $2, NULL, $3, 'EPIXADB10SN12T', 'Intercept X', 1, '2026-02-01', $4, 0)",
        )
        .bind(acme)
        .bind(harbour)
        .bind(format!("R-{i:05}"))
        .bind(end)
        .execute(&mut *tx)
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    let lee = app.login_as(Who::ResellerUser).await;
    let csv = lee.text("/licenses.csv").await;
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "end_customer,reseller,product,sku,quantity,start_date,end_date,order,status"
    );
    assert_eq!(lines.len(), 4_501, "the header and every entry once");
    let mut orders: Vec<&str> = lines[1..]
        .iter()
        .map(|l| l.split(',').nth(7).unwrap())
        .collect();
    let ends: Vec<&str> = lines[1..]
        .iter()
        .map(|l| l.split(',').nth(6).unwrap())
        .collect();
    assert!(ends.windows(2).all(|w| w[0] <= w[1]), "by end date");
    orders.sort();
    orders.dedup();
    assert_eq!(orders.len(), 4_500, "no entry twice, none left out");
}

#[tokio::test]
async fn a_window_another_process_schedules_shows_within_seconds_and_a_cancel_here_at_once() {
    let app = spawn_app().await;
    let vendor = app.login_as(Who::VendorAdmin).await;
    assert!(!vendor.text("/").await.contains("Maintenance until"));
    // Another portal process (here: straight into the database) schedules a window now.
    let now = app.clock.timestamp();
    app.maintenance_window(now - 60, now + 3600, "Database upgrade", &["orders"])
        .await;
    // Within two seconds every process reads it again.
    app.clock.advance(chrono::Duration::seconds(2));
    let page = vendor.text("/").await;
    assert!(page.contains("Database upgrade"), "{page}");
    assert_eq!(vendor.get("/orders").await.status(), 503);
    // Cancelled in this process: gone on the next request, without waiting.
    let id = app.scalar("SELECT MAX(id) FROM maintenance_windows").await;
    // Cancelling a running window asks first, saying what opens again.
    let r = vendor
        .post(&format!("/admin/maintenance/{id}/delete"), &[])
        .await;
    assert_eq!(r.status(), 200);
    let confirm = r.text().await.unwrap();
    assert!(
        confirm.contains("Cancel the running maintenance window?"),
        "{confirm}"
    );
    assert!(confirm.contains("open again at once"), "{confirm}");
    assert!(confirm.contains("Its message:</strong> Database upgrade"));
    assert_eq!(
        vendor.get("/orders").await.status(),
        503,
        "nothing changed yet"
    );
    let r = vendor
        .post(
            &format!("/admin/maintenance/{id}/delete"),
            &[("confirm", "yes")],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(vendor.get("/orders").await.status(), 200);
}

/// Two portal processes on one database (the scale-out set-up): each runs the order processing
/// and the mail worker at the same moment. Every one of 200 waiting orders is processed once,
/// its entries written once, and every message reaches the SMTP server once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_portal_processes_process_each_order_and_send_each_message_once() {
    use partner_portal::mail::{worker, Mailer};
    let app = spawn_app().await;
    placed_order(&app).await;
    // 199 more placed orders like it.
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 199) \
         INSERT INTO orders (reference, reseller_id, distributor_id, end_customer_id, status, total_net, created_by, created_at) \
         SELECT o.reference || '-' || CAST(n.i AS TEXT), o.reseller_id, o.distributor_id, o.end_customer_id, o.status, o.total_net, o.created_by, o.created_at \
         FROM orders o, n",
    )
    .execute(&app.db.pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO order_lines (order_id, line_no, sku, description, quantity) \
         SELECT c.id, l.line_no, l.sku, l.description, l.quantity FROM orders c \
         JOIN orders o ON c.reference LIKE o.reference || '-%' JOIN order_lines l ON l.order_id = o.id",
    )
    .execute(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(app.scalar("SELECT COUNT(*) FROM orders").await, 200);
    let lines = app.scalar("SELECT COUNT(*) FROM order_lines").await;
    assert_eq!(lines, 400);

    // A second process: its own connection pool to the same database.
    let url = app.db.pool.connect_options().database_url.to_string();
    let other = partner_portal::db::Db::connect(&url).await.unwrap();
    let today = app.clock.today();
    let now = app.clock.timestamp();
    let url_of = "http://portal.example";
    let (a, b) = tokio::join!(
        partner_portal::jobs::process_orders(&app.db, today, None, url_of, now),
        partner_portal::jobs::process_orders(&other, today, None, url_of, now),
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.orders + b.orders, 200, "{a:?} {b:?}");
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM order_processing").await,
        200
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM license_entries").await,
        lines,
        "one entry per order line, none twice"
    );

    let queued = app
        .scalar("SELECT COUNT(*) FROM outbox WHERE status = 'queued'")
        .await;
    assert!(
        queued >= 200,
        "a schedule mail per order at least: {queued}"
    );
    let sink = crate::smtp_sink::start(0).await;
    let mailer = Mailer::from_settings(&crate::contact_roles::smtp_settings(sink.port)).unwrap();
    let (a, b) = tokio::join!(
        worker::try_run_once(&app.db, &mailer, now),
        worker::try_run_once(&other, &mailer, now),
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.sent + b.sent, queued as usize, "{a:?} {b:?}");
    assert_eq!(sink.messages().len(), queued as usize, "each message once");
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM outbox WHERE status = 'sent'")
            .await,
        queued
    );
    other.pool.close().await;
}
