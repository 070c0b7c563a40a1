//! Renewals asked for from the schedule keep their link to the entry through the inquiry,
//! the quote and the order, so processing renews contiguously (PRODUCT.md section 5).

use crate::helpers::{location, spawn_app, Who};
use chrono::{Days, Months, NaiveDate};

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

#[tokio::test]
async fn a_renewal_asked_for_from_the_schedule_starts_the_day_after_the_entry_ends() {
    let app = spawn_app().await;
    partner_portal::seed::seed_schedules(&app.db, app.clock.timestamp())
        .await
        .unwrap();
    // Harbour Logistics' 12-month Intercept X subscription of the demo, ending in about two
    // months.
    let (entry, end): (i64, String) = sqlx::query_as(
        "SELECT id, end_date FROM license_entries WHERE sku LIKE 'EPIXADB25SN12%' ORDER BY id LIMIT 1",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    let old_end = date(&end);
    assert!(old_end > app.clock.today(), "the entry is still running");

    // Another reseller cannot ask for it: to them the entry does not exist.
    let other = app.login_as(Who::OtherResellerAdmin).await;
    let r = other
        .post("/licenses/renew", &[("entries", &entry.to_string())])
        .await;
    assert_eq!(r.status(), 404);

    // The reseller ticks the entry on its schedule and asks for renewal pricing.
    let dana = app.login_as(Who::ResellerAdmin).await;
    assert!(dana
        .text("/licenses")
        .await
        .contains("Ask for renewal pricing"));
    let r = dana
        .post("/licenses/renew", &[("entries", &entry.to_string())])
        .await;
    assert_eq!(r.status(), 303);
    let inquiry_path = location(&r);
    let inquiry: i64 = inquiry_path
        .trim_start_matches("/inquiries/")
        .parse()
        .unwrap();
    let (sku, linked): (String, Option<i64>) = sqlx::query_as(&format!(
        "SELECT sku, changes_entry_id FROM inquiry_lines WHERE inquiry_id = {inquiry}"
    ))
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert!(sku.starts_with("EPIXADB25SR12"), "the renewal SKU: {sku}");
    assert_eq!(linked, Some(entry));
    assert!(dana.text(&inquiry_path).await.contains(&sku));

    // Submitted, quoted by the distributor, accepted by the reseller.
    let version = |app: &crate::helpers::TestApp| {
        let pool = app.db.pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>(&format!(
                "SELECT version FROM inquiries WHERE id = {inquiry}"
            ))
            .fetch_one(&pool)
            .await
            .unwrap()
            .to_string()
        }
    };
    let v = version(&app).await;
    let r = dana
        .post(&format!("{inquiry_path}/submit"), &[("version", &v)])
        .await;
    assert_eq!(r.status(), 303);
    let sam = app.login_as(Who::DistributorStaff).await;
    let v = version(&app).await;
    let r = sam
        .post(&format!("{inquiry_path}/quote"), &[("version", &v)])
        .await;
    assert_eq!(r.status(), 303);
    let v = version(&app).await;
    let r = dana
        .post(&format!("{inquiry_path}/accept"), &[("version", &v)])
        .await;
    assert_eq!(r.status(), 303);
    let linked: Option<i64> = sqlx::query_scalar(&format!(
        "SELECT l.changes_entry_id FROM order_lines l JOIN orders o ON o.id = l.order_id WHERE o.inquiry_id = {inquiry}"
    ))
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(linked, Some(entry), "the order line still names the entry");

    // Processed today: contiguous with the old entry, not from the completion date.
    partner_portal::jobs::process_orders(
        &app.db,
        app.clock.today(),
        None,
        "http://portal.test",
        app.clock.timestamp(),
    )
    .await
    .unwrap();
    let (start, end): (String, String) = sqlx::query_as(&format!(
        "SELECT e.start_date, e.end_date FROM license_entries e JOIN orders o ON o.id = e.order_id WHERE o.inquiry_id = {inquiry}"
    ))
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    let expected_start = old_end.checked_add_days(Days::new(1)).unwrap();
    let expected_end = expected_start
        .checked_add_months(Months::new(12))
        .unwrap()
        .checked_sub_days(Days::new(1))
        .unwrap();
    assert_eq!((date(&start), date(&end)), (expected_start, expected_end));

    // The entry is renewed once: asking again is refused and opens no inquiry.
    let before = app.scalar("SELECT COUNT(*) FROM inquiries").await;
    let r = dana
        .post("/licenses/renew", &[("entries", &entry.to_string())])
        .await;
    assert_eq!(location(&r), "/licenses");
    assert!(dana
        .text("/licenses")
        .await
        .contains("this entry is renewed by order"));
    assert_eq!(app.scalar("SELECT COUNT(*) FROM inquiries").await, before);
}
