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
    let (inquiry_path, inquiry, sku, linked) = opened_draft(&app, &r).await;
    assert!(sku.starts_with("EPIXADB25SR12"), "the renewal SKU: {sku}");
    assert_eq!(linked, Some(entry));
    let renewed_to = old_end
        .checked_add_days(Days::new(1))
        .unwrap()
        .checked_add_months(Months::new(12))
        .unwrap()
        .checked_sub_days(Days::new(1))
        .unwrap();
    let says = format!(
        "Renews the subscription ending {old_end}; processed today it runs {} to {renewed_to}, contiguous.",
        old_end.succ_opt().unwrap()
    );
    let page = dana.text(&inquiry_path).await;
    assert!(
        page.contains(&sku) && page.contains(&says),
        "the line says what it renews"
    );

    // Submitted, quoted by the distributor, accepted by the reseller.
    let v = inquiry_version(&app, inquiry).await;
    let r = dana
        .post(&format!("{inquiry_path}/submit"), &[("version", &v)])
        .await;
    assert_eq!(r.status(), 303);
    let sam = app.login_as(Who::DistributorStaff).await;
    let v = inquiry_version(&app, inquiry).await;
    let r = sam
        .post(&format!("{inquiry_path}/quote"), &[("version", &v)])
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        dana.text(&inquiry_path).await.matches(&says).count(),
        2,
        "the quote's line says it too"
    );
    let v = inquiry_version(&app, inquiry).await;
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
    let (order, reference): (i64, String) = sqlx::query_as(&format!(
        "SELECT id, reference FROM orders WHERE inquiry_id = {inquiry}"
    ))
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    let page = dana.text("/licenses").await;
    assert!(page.contains("this entry is renewed by order"));
    assert!(
        page.contains(&format!(
            "<a href=\"/orders/{order}\">Open order {reference}</a>"
        )),
        "the message links the order it names: {page}"
    );
    assert_eq!(app.scalar("SELECT COUNT(*) FROM inquiries").await, before);
}

/// The version an inquiry's next change must name (what the page's hidden field carries).
async fn inquiry_version(app: &crate::helpers::TestApp, inquiry: i64) -> String {
    app.scalar(&format!(
        "SELECT version FROM inquiries WHERE id = {inquiry}"
    ))
    .await
    .to_string()
}

/// The draft a "renew" or "change" post opened: (its path, its id, its only line's SKU and
/// the entry that line continues).
async fn opened_draft(
    app: &crate::helpers::TestApp,
    r: &reqwest::Response,
) -> (String, i64, String, Option<i64>) {
    let path = location(r);
    let inquiry: i64 = path.trim_start_matches("/inquiries/").parse().unwrap();
    let (sku, linked): (String, Option<i64>) = sqlx::query_as(&format!(
        "SELECT sku, changes_entry_id FROM inquiry_lines WHERE inquiry_id = {inquiry}"
    ))
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    (path, inquiry, sku, linked)
}

/// Places and processes an order of one line through the use case, as a distributor would.
pub(crate) async fn bought(
    app: &crate::helpers::TestApp,
    reseller: &str,
    distributor: &str,
    sku: &str,
    changes: Option<i64>,
) -> i64 {
    use partner_portal::app::orders::{place, process_one, NewOrder, Origin};
    use partner_portal::domain::{Cents, EntryId, OrgId};
    let org = |name: &str| {
        let name = name.to_string();
        let pool = app.db.pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>("SELECT id FROM organisations WHERE name = $1")
                .bind(name)
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    let (reseller, distributor) = (org(reseller).await, org(distributor).await);
    let mut tx = app.db.pool.begin().await.unwrap();
    let customer =
        partner_portal::db::deals::end_customer_named(&mut tx, OrgId(reseller), "Fjord Dental", 0)
            .await
            .unwrap();
    tx.commit().await.unwrap();
    let ctx = partner_portal::app::Ctx::system(
        app.db.clone(),
        app.clock.today(),
        app.clock.timestamp(),
        "http://portal.test",
    );
    let placed = place(
        &ctx,
        &NewOrder {
            origin: Origin::Direct,
            reseller: OrgId(reseller),
            distributor: OrgId(distributor),
            end_customer: customer,
            currency: "USD".into(),
            lines: vec![partner_portal::db::orders::NewOrderLine {
                sku: sku.into(),
                description: "Intercept X Advanced".into(),
                quantity: 5,
                changes_entry: changes.map(EntryId),
                unit_msrp: Cents::new(100),
                net: Cents::new(500),
            }],
        },
    )
    .await
    .unwrap();
    process_one(&ctx, placed.id, app.clock.today())
        .await
        .unwrap();
    app.scalar(&format!(
        "SELECT id FROM license_entries WHERE order_id = {}",
        placed.id.0
    ))
    .await
}

/// Who got renewal reminders: (organisation, count), by organisation name.
pub(crate) async fn reminded(app: &crate::helpers::TestApp) -> Vec<(String, i64)> {
    sqlx::query_as(
        "SELECT o.name, COUNT(*) FROM outbox m JOIN users u ON u.email = m.to_address \
         JOIN organisations o ON o.id = u.org_id WHERE m.kind = 'renewal_reminder' \
         GROUP BY o.name ORDER BY o.name",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn renewal_reminders_go_to_the_distributor_that_sold_and_skip_renewed_entries() {
    use partner_portal::jobs::renewal_reminders;
    let app = spawn_app().await;
    // Bluepeak is supplied by Northwind and Southbridge and buys this one from Southbridge;
    // processed 2026-03-02, it ends 2027-03-01, so the 90-day reminder is due 2026-12-01.
    let bluepeak = bought(
        &app,
        "Bluepeak Managed Services",
        "Southbridge Supply",
        "EPIXADB10SN12T",
        None,
    )
    .await;
    // Acme's subscription through Northwind, already renewed by a placed order.
    let acme = bought(
        &app,
        "Acme Secure IT",
        "Northwind Distribution",
        "EPIXADB10SN12T",
        None,
    )
    .await;
    let renewal = partner_portal::domain::Sku::parse("EPIXADB10SN12T")
        .unwrap()
        .fields()
        .clone();
    let renewal = partner_portal::domain::Sku::build(partner_portal::domain::SkuFields {
        transaction: partner_portal::domain::sku::Transaction::Renewal,
        ..renewal
    })
    .unwrap();
    bought(
        &app,
        "Acme Secure IT",
        "Northwind Distribution",
        renewal.as_str(),
        Some(acme),
    )
    .await;

    let day = date("2026-12-01");
    let queued = renewal_reminders(&app.db, day, "http://portal.test", 0)
        .await
        .unwrap();
    assert!(queued > 0);
    let who = reminded(&app).await;
    let names: Vec<&str> = who.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        ["Bluepeak Managed Services", "Southbridge Supply"],
        "the seller and the reseller; not Northwind, which did not sell it, and nobody for Acme's renewed entry"
    );

    // The reseller's mail leads straight to "Ask for renewal pricing" with the entry ticked;
    // the distributor's to the schedule.
    let body = |to: &'static str| {
        let pool = app.db.pool.clone();
        async move {
            sqlx::query_scalar::<_, String>(
                "SELECT text_body FROM outbox WHERE kind = 'renewal_reminder' AND to_address = $1",
            )
            .bind(to)
            .fetch_one(&pool)
            .await
            .unwrap()
        }
    };
    // Northwind supplies Bluepeak and sees the entry, but the order is Southbridge's: no link.
    let (order, reference): (i64, String) = sqlx::query_as(&format!(
        "SELECT o.id, o.reference FROM orders o JOIN license_entries e ON e.order_id = o.id WHERE e.id = {bluepeak}"
    ))
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    let northwind = app.login_as(Who::DistributorStaff).await;
    let schedule = northwind.text("/licenses?reseller=Bluepeak").await;
    assert!(schedule.contains(&reference), "{schedule}");
    assert!(!schedule.contains(&format!("href=\"/orders/{order}\"")));
    assert_eq!(
        northwind.get(&format!("/orders/{order}")).await.status(),
        404
    );
    let link = format!("/licenses?ends_from=2027-03-01&ends_to=2027-03-01&renew={bluepeak}");
    let mail = body("admin@other-reseller.example").await;
    assert!(mail.contains(&link), "{mail}");
    let alex = app.login_as(Who::OtherResellerAdmin).await;
    let page = alex.text(&link).await;
    assert!(
        page.contains(&format!(
            "id=\"renew-{bluepeak}\" aria-describedby=\"renew-hint\" checked>"
        )),
        "{page}"
    );
    let r = alex
        .post("/licenses/renew", &[("entries", &bluepeak.to_string())])
        .await;
    assert_eq!(r.status(), 303);
    assert!(location(&r).starts_with("/inquiries/"));
}

#[tokio::test]
async fn everything_expiring_opens_one_draft_per_end_customer() {
    let app = spawn_app().await;
    partner_portal::seed::seed_schedules(&app.db, app.clock.timestamp())
        .await
        .unwrap();
    let acme = app.id_of_org("Acme Secure IT").await;
    let today = app.clock.today();
    let until = today + chrono::Days::new(89);
    // Besides Harbour Logistics' subscription of the demo, Greenfield's MDR ends in 30 days.
    sqlx::query("UPDATE license_entries SET end_date = $1 WHERE sku LIKE 'MDRESS%'")
        .bind((today + chrono::Days::new(30)).to_string())
        .execute(&app.db.pool)
        .await
        .unwrap();
    // Counted independently: Acme's standard subscriptions ending within 90 days.
    let expiring: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT id, end_customer_id FROM license_entries WHERE reseller_id = $1 AND end_date >= $2 \
         AND end_date <= $3 AND sku NOT LIKE '__________H%' AND sku LIKE '_________S%' ORDER BY id",
    )
    .bind(acme)
    .bind(today.to_string())
    .bind(until.to_string())
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    let mut customers: Vec<i64> = expiring.iter().map(|(_, c)| *c).collect();
    customers.sort();
    customers.dedup();
    assert!(
        customers.len() > 1,
        "the demo has expiring subscriptions of several end customers"
    );
    let drafts = || async {
        app.scalar("SELECT COUNT(*) FROM inquiries WHERE status = 'draft'")
            .await
    };
    let before = drafts().await;

    // One end customer's schedule: one draft with that customer's lines.
    let dana = app.login_as(Who::ResellerAdmin).await;
    let one = customers[0];
    let r = dana
        .post(
            "/licenses/renew",
            &[("expiring", "1"), ("end_customer", &one.to_string())],
        )
        .await;
    assert_eq!(r.status(), 303);
    let path = location(&r);
    let inquiry: i64 = path.trim_start_matches("/inquiries/").parse().unwrap();
    let lines = app
        .scalar(&format!(
            "SELECT COUNT(*) FROM inquiry_lines WHERE inquiry_id = {inquiry} AND changes_entry_id IS NOT NULL"
        ))
        .await;
    let of_one = expiring.iter().filter(|(_, c)| *c == one).count() as i64;
    assert_eq!(lines, of_one);

    // Asking again for what that draft asks already is refused, naming it, and opens nothing.
    let reference: String = sqlx::query_scalar(&format!(
        "SELECT reference FROM inquiries WHERE id = {inquiry}"
    ))
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    let r = dana.post("/licenses/renew", &[("expiring", "1")]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/licenses");
    let page = dana.text("/licenses").await;
    assert!(
        page.contains(&format!(
            "is asked for on pricing inquiry {reference} already"
        )),
        "{page}"
    );
    assert_eq!(drafts().await, before + 1);

    // Without that draft, every end customer: one draft each, every expiring entry on a line.
    for line in sqlx::query_scalar::<_, i64>(&format!(
        "SELECT id FROM inquiry_lines WHERE inquiry_id = {inquiry}"
    ))
    .fetch_all(&app.db.pool)
    .await
    .unwrap()
    {
        let v = inquiry_version(&app, inquiry).await;
        let r = dana
            .post(&format!("{path}/lines/{line}/remove"), &[("version", &v)])
            .await;
        assert_eq!(r.status(), 303);
    }
    let r = dana.post("/licenses/renew", &[("expiring", "1")]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/inquiries?status=draft");
    assert_eq!(drafts().await, before + 1 + customers.len() as i64);
    let page = dana.text("/inquiries?status=draft").await;
    assert!(
        page.contains(&format!(
            "{} draft inquiries ask for renewal pricing",
            customers.len()
        )),
        "{page}"
    );
    // A distributor cannot ask on the reseller's behalf.
    let staff = app.login_as(Who::DistributorStaff).await;
    assert_eq!(
        staff
            .post("/licenses/renew", &[("expiring", "1")])
            .await
            .status(),
        403
    );
}

/// The months of a co-termed change, counted independently: the fewest whole months from
/// `from` whose term (ending the day before the same day of the month) reaches `end`.
fn months_to(from: NaiveDate, end: NaiveDate) -> u32 {
    (1..=60)
        .find(|m| {
            from.checked_add_months(Months::new(*m))
                .unwrap()
                .checked_sub_days(Days::new(1))
                .unwrap()
                >= end
        })
        .unwrap()
}

#[tokio::test]
async fn an_upgrade_asked_for_from_the_schedule_is_co_termed_with_the_entry() {
    let app = spawn_app().await;
    // Acme's 12-month Intercept X Advanced, processed 2026-03-02: it ends 2027-03-01.
    let entry = bought(
        &app,
        "Acme Secure IT",
        "Northwind Distribution",
        "EPIXADB10SN12T",
        None,
    )
    .await;
    let old_end = date("2027-03-01");
    app.clock.advance(chrono::Duration::days(100)); // 2026-06-10
    let today = app.clock.today();
    let months = months_to(today, old_end);
    assert_eq!(months, 9, "2026-06-10 to 2027-03-01, rounded up");
    let path = format!("/licenses/entries/{entry}/change");

    // Only Acme's people: another reseller does not find it, a distributor may not ask.
    let alex = app.login_as(Who::OtherResellerAdmin).await;
    assert_eq!(alex.get(&path).await.status(), 404);
    let staff = app.login_as(Who::DistributorStaff).await;
    assert_eq!(staff.get(&path).await.status(), 403);

    let dana = app.login_as(Who::ResellerAdmin).await;
    assert!(dana
        .text("/licenses")
        .await
        .contains(&format!("href=\"{path}\"")));
    let page = dana.text(&path).await;
    assert!(
        page.contains(&format!(
            "the change runs from {today} to {old_end}, co-termed with the subscription: {months} months left"
        )),
        "{page}"
    );
    // Wrong input: messages next to the fields, what was typed kept, no inquiry.
    let before = app.scalar("SELECT COUNT(*) FROM inquiries").await;
    let r = dana
        .post(&path, &[("product", "NOPE-B10"), ("quantity", "lots")])
        .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("id=\"product-error\">Choose the subscription to upgrade to or add."));
    assert!(html.contains("id=\"quantity-error\">Enter a quantity from 1 to 100,000."));
    assert!(html.contains("value=\"lots\""));
    assert_eq!(app.scalar("SELECT COUNT(*) FROM inquiries").await, before);

    // Upgrade the five users to Intercept X Advanced with XDR.
    let r = dana
        .post(&path, &[("product", "EPIXDR-B10"), ("quantity", "5")])
        .await;
    assert_eq!(r.status(), 303);
    let (inquiry_path, inquiry, sku, linked) = opened_draft(&app, &r).await;
    assert!(sku.starts_with(&format!("EPIXDRB10SU{months:02}")), "{sku}");
    assert_eq!(linked, Some(entry));
    let says = format!(
        "Changes the subscription ending {old_end}; processed today it runs {today} to {old_end}, co-termed."
    );
    assert!(dana.text(&inquiry_path).await.contains(&says));

    // Submitted, quoted, accepted, processed today.
    for (who, step) in [(&dana, "submit"), (&staff, "quote"), (&dana, "accept")] {
        let r = who
            .post(
                &format!("{inquiry_path}/{step}"),
                &[("version", &inquiry_version(&app, inquiry).await)],
            )
            .await;
        assert_eq!(r.status(), 303, "{step}");
    }
    // The order's page says what the line changes; only its reseller and distributor see it.
    let order = app
        .scalar(&format!(
            "SELECT id FROM orders WHERE inquiry_id = {inquiry}"
        ))
        .await;
    let order_path = format!("/orders/{order}");
    let page = dana.text(&order_path).await;
    assert!(page.contains("placed, waiting to be processed"), "{page}");
    assert!(page.contains(&says), "{page}");
    assert!(page.contains(&format!("href=\"/inquiries/{inquiry}\"")));
    assert!(dana
        .text("/orders")
        .await
        .contains(&format!("href=\"{order_path}\"")));
    assert_eq!(staff.get(&order_path).await.status(), 200);
    assert_eq!(alex.get(&order_path).await.status(), 404);
    let cam = app.login_as(Who::ChannelManager).await;
    assert_eq!(cam.get(&order_path).await.status(), 403);
    partner_portal::jobs::process_orders(
        &app.db,
        today,
        None,
        "http://portal.test",
        app.clock.timestamp(),
    )
    .await
    .unwrap();
    assert!(dana
        .text("/licenses")
        .await
        .contains(&format!("href=\"{order_path}\"")));
    let page = dana.text(&order_path).await;
    assert!(
        page.contains(&format!("processed, completion date {today}"))
            && page.contains(&format!(
                "Changed the subscription ending {old_end}, co-termed with it."
            ))
            && page.contains(&format!("<td>{today}</td><td>{old_end}</td>")),
        "{page}"
    );
    let (new_sku, start, end): (String, String, String) = sqlx::query_as(&format!(
        "SELECT e.sku, e.start_date, e.end_date FROM license_entries e JOIN orders o ON o.id = e.order_id WHERE o.inquiry_id = {inquiry}"
    ))
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(new_sku, sku);
    assert_eq!((date(&start), date(&end)), (today, old_end), "co-termed");
}

#[tokio::test]
async fn a_renewal_lines_term_is_changed_on_the_draft_and_stays_linked() {
    let app = spawn_app().await;
    partner_portal::seed::seed_schedules(&app.db, app.clock.timestamp())
        .await
        .unwrap();
    let entry: i64 = sqlx::query_scalar(
        "SELECT id FROM license_entries WHERE sku LIKE 'EPIXADB25SN12%' ORDER BY id LIMIT 1",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    let dana = app.login_as(Who::ResellerAdmin).await;
    let r = dana
        .post("/licenses/renew", &[("entries", &entry.to_string())])
        .await;
    let path = location(&r);
    let inquiry: i64 = path.trim_start_matches("/inquiries/").parse().unwrap();
    let line = app
        .scalar(&format!(
            "SELECT id FROM inquiry_lines WHERE inquiry_id = {inquiry}"
        ))
        .await;
    let term_path = format!("{path}/lines/{line}/term");
    let page = dana.text(&path).await;
    assert!(page.contains("Renewal term (months)") && page.contains("value=\"12\""));
    // Another reseller finds nothing to change.
    let alex = app.login_as(Who::OtherResellerAdmin).await;
    let r = alex
        .post(
            &term_path,
            &[
                ("term", "24"),
                ("version", &inquiry_version(&app, inquiry).await),
            ],
        )
        .await;
    assert_eq!(r.status(), 404);
    // A wrong term: the message next to the field, the typed value kept, nothing changed.
    let r = dana
        .post(
            &term_path,
            &[
                ("term", "sixty-one"),
                ("version", &inquiry_version(&app, inquiry).await),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains(&format!(
        "id=\"term-{line}-error\">Enter a renewal term from 1 to 60 months."
    )));
    assert!(html.contains("value=\"sixty-one\""));
    let r = dana
        .post(
            &term_path,
            &[
                ("term", "36"),
                ("version", &inquiry_version(&app, inquiry).await),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let (sku, linked, msrp): (String, Option<i64>, i64) = sqlx::query_as(&format!(
        "SELECT sku, changes_entry_id, unit_msrp FROM inquiry_lines WHERE id = {line}"
    ))
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert!(sku.starts_with("EPIXADB25SR36"), "{sku}");
    assert_eq!(linked, Some(entry), "still renews the entry");
    // The 36-month MSRP of the price book, or 36/12 of the 12-month one (PRODUCT.md section 4).
    let (m12, m36): (Option<i64>, Option<i64>) = sqlx::query_as(
        "SELECT msrp_12, msrp_36 FROM prices WHERE currency = 'USD' AND family = 'EPIXAD' AND band = 'B25'",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(msrp, m36.unwrap_or_else(|| m12.unwrap() * 3));
}

#[tokio::test]
async fn accepting_a_renewal_another_order_renewed_meanwhile_says_which_order() {
    let app = spawn_app().await;
    partner_portal::seed::seed_schedules(&app.db, app.clock.timestamp())
        .await
        .unwrap();
    let (entry, customer, quantity): (i64, i64, i64) = sqlx::query_as(
        "SELECT id, end_customer_id, quantity FROM license_entries WHERE sku LIKE 'EPIXADB25SN12%' ORDER BY id LIMIT 1",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    let dana = app.login_as(Who::ResellerAdmin).await;
    let r = dana
        .post("/licenses/renew", &[("entries", &entry.to_string())])
        .await;
    let (path, inquiry, sku, _) = opened_draft(&app, &r).await;
    let v = inquiry_version(&app, inquiry).await;
    assert_eq!(
        dana.post(&format!("{path}/submit"), &[("version", &v)])
            .await
            .status(),
        303
    );
    let sam = app.login_as(Who::DistributorStaff).await;
    let v = inquiry_version(&app, inquiry).await;
    assert_eq!(
        sam.post(&format!("{path}/quote"), &[("version", &v)])
            .await
            .status(),
        303
    );
    // Meanwhile the distributor enters a renewal of the same entry as a direct order.
    let acme = app.id_of_org("Acme Secure IT").await;
    let r = sam
        .post(
            "/orders",
            &[
                ("reseller", acme.to_string().as_str()),
                ("end_customer", customer.to_string().as_str()),
                ("sku", sku.as_str()),
                ("quantity", quantity.to_string().as_str()),
                ("entry", entry.to_string().as_str()),
                ("action", "place"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap_or_default());
    let (order, reference): (i64, String) =
        sqlx::query_as("SELECT id, reference FROM orders ORDER BY id DESC LIMIT 1")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    // Dana accepts the quote: refused, saying which order renews the entry, linked.
    let v = inquiry_version(&app, inquiry).await;
    let r = dana
        .post(&format!("{path}/accept"), &[("version", &v)])
        .await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(
        page.contains(&format!(
            "The order was not placed: This entry is renewed by order {reference} already"
        )),
        "{page}"
    );
    assert!(page.contains(&format!(
        "<a href=\"/orders/{order}\">Open order {reference}</a>"
    )));
    assert_eq!(
        app.scalar(&format!(
            "SELECT COUNT(*) FROM orders WHERE inquiry_id = {inquiry}"
        ))
        .await,
        0
    );
}
