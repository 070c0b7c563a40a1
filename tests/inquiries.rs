//! Pricing inquiries: MSRP only, legacy SKUs judged by the rules of the day, submitted to a
//! supplying distributor, whose quotes role is told.

use crate::helpers::{location, spawn_app, TestApp, TestClient, Who};

pub async fn option_value(c: &TestClient, page: &str, label: &str) -> String {
    let html = c.text(page).await;
    html.split("<option value=\"")
        .find(|s| s.contains(&format!(">{label}<")))
        .map(|s| s[..s.find('"').unwrap()].to_string())
        .unwrap_or_else(|| panic!("option {label} on {page}"))
}

async fn new_inquiry(c: &TestClient) -> String {
    inquiry_for(
        c,
        "Harbour Logistics Ltd",
        "Northwind Distribution (prices in USD)",
    )
    .await
}

/// A new draft for the end customer and distributor with these labels; its address.
pub async fn inquiry_for(c: &TestClient, customer: &str, distributor: &str) -> String {
    let customer = option_value(c, "/inquiries/new", customer).await;
    let distributor = option_value(c, "/inquiries/new", distributor).await;
    let r = c
        .post(
            "/inquiries",
            &[("end_customer", &customer), ("distributor", &distributor)],
        )
        .await;
    assert_eq!(r.status(), 303);
    location(&r)
}

pub fn version(html: &str) -> String {
    crate::helpers::value_after(html, "name=\"version\" value=\"")
        .unwrap_or_else(|| panic!("no version field in {html}"))
}

pub async fn add(
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
        .contains("Enter a quantity from 1 to 100,000."));

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
    // A valid line takes away the messages of an earlier refused add.
    assert!(preview.contains("<p class=\"field-error\" id=\"sku-error\" hx-swap-oob=\"true\"></p>"));
    assert!(
        preview.contains(
            "Band B10 is for 10-24 users; 25 users are above it. The band for 25 is B25."
        ),
        "{preview}"
    );
    // A quantity outside the SKU's user band is warned about (and still allowed).
    let preview = lee
        .get_htmx(&format!(
            "{path}/preview?sku=EPIXADB10SN12T&months=&quantity=5"
        ))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        preview
            .contains("Band B10 is for 10-24 users; 5 users are below it. The band for 5 is B01."),
        "{preview}"
    );

    // Submitting nothing is refused on the submit button, not on the SKU field.
    let v = version(&lee.text(&path).await);
    let r = lee
        .post(&format!("{path}/submit"), &[("version", &v)])
        .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("The inquiry was not submitted: Add at least one line before you submit.")
    );
    assert!(!html.contains("id=\"sku-error\"") && !html.contains("This line was not added"));

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
        .contains("<strong>Waiting for a quote</strong> (submitted 2026-03-02)"));
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
    assert!(dana
        .text(&path)
        .await
        .contains("<strong>Draft, not sent yet</strong>"));
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
    let refusal = r.text().await.unwrap();
    assert!(refusal.contains("was changed by someone else after you opened it"));
    // A line that would be refused is refused as stale first, not judged on the new version.
    let r = lee
        .post(
            &format!("{path}/lines"),
            &[
                ("sku", "NOT-A-SKU"),
                ("quantity", "0"),
                ("version", &seen_by_lee),
            ],
        )
        .await;
    assert_eq!(r.status(), 409);
    let _ = lee.text(&path).await; // that refusal's refill, taken
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
    assert!(refusal.contains(&format!(
        "<a class=\"button\" href=\"{path}\">Open it again with what you typed</a>"
    )));
    assert_eq!(app.scalar("SELECT COUNT(*) FROM inquiry_lines").await, 1);
    // Lee opens it again: Dana's line is there, and the form holds what Lee typed, on the
    // inquiry's new version.
    let page = lee.text(&path).await;
    assert!(
        page.contains("This form holds what you typed before"),
        "{page}"
    );
    assert!(page.contains("EPIXADB10SN12T"));
    assert!(
        page.contains("name=\"sku\" type=\"text\" value=\"HWX310000SH00G\""),
        "{page}"
    );
    assert!(page.contains("name=\"quantity\" type=\"text\" value=\"1\""));
    let now = version(&page);
    assert_ne!(now, seen_by_lee);
    assert_eq!(
        lee.post(
            &format!("{path}/lines"),
            &[
                ("sku", "HWX310000SH00G"),
                ("quantity", "1"),
                ("version", &now)
            ],
        )
        .await
        .status(),
        303
    );
    assert_eq!(app.scalar("SELECT COUNT(*) FROM inquiry_lines").await, 2);
    assert!(
        !lee.text(&path)
            .await
            .contains("This form holds what you typed"),
        "once"
    );
}

#[tokio::test]
async fn a_quote_refused_because_the_inquiry_changed_comes_back_with_what_was_typed() {
    let app = spawn_app().await;
    let (sam, path, _, seen, line) = quote_desk(&app).await;
    // Sam's colleague sends the quote first.
    let admin = app.login_as(Who::DistributorAdmin).await;
    assert_eq!(
        admin
            .post(&format!("{path}/quote"), &[("version", &seen)])
            .await
            .status(),
        303
    );
    let program = format!("bp_{line}_program");
    let reason = format!("reason_{line}_program");
    // Values the desk would refuse (above the approved 12%, no reason) on the old version: it
    // is the version that is refused first, so nothing is judged against the other quote.
    let r = sam
        .post(
            &format!("{path}/quote"),
            &[("version", seen.as_str()), (program.as_str(), "13")],
        )
        .await;
    assert_eq!(r.status(), 409);
    let _ = sam.text(&path).await; // the refill of that refusal, taken
    let typed = [
        ("version", seen.as_str()),
        (program.as_str(), "10"),
        (reason.as_str(), "volume deal & loyalty"),
        ("note", "As discussed with Dana"),
    ];
    let r = sam.post(&format!("{path}/quote"), &typed).await;
    assert_eq!(r.status(), 409);
    let refusal = r.text().await.unwrap();
    assert!(
        refusal.contains("Open it again with what you typed"),
        "{refusal}"
    );
    assert!(refusal.contains("As discussed with Dana"), "{refusal}");

    let page = sam.text(&path).await;
    assert!(
        page.contains("This form holds what you typed before"),
        "{page}"
    );
    assert!(
        page.contains(">As discussed with Dana</textarea>"),
        "{page}"
    );
    assert!(
        page.contains("volume deal &amp; loyalty") || page.contains("volume deal &#38; loyalty")
    );
    // The desk prices what Sam typed: EPIXAD 25 x 42.00 at program 10%, registration 10%,
    // promotion 7% is 790.96.
    assert!(page.contains("USD 790.96"), "{page}");
    let now = version(&page);
    assert_ne!(now, seen, "the desk is on the version sent meanwhile");
    let mut again = typed.to_vec();
    again[0] = ("version", now.as_str());
    assert_eq!(
        sam.post(&format!("{path}/quote"), &again).await.status(),
        303
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM quotes").await,
        2,
        "Sam's quote is the second version"
    );
}

/// Acme's Harbour Logistics has the demo's approved deal registration for EPIXAD (valid from
/// today), Acme is Gold (program 12%, hardware 6%), and ENDPOINT-SPRING gives 7% on EPIXAD.
pub async fn submitted_inquiry(app: &TestApp) -> String {
    let lee = app.login_as(Who::ResellerUser).await;
    let path = new_inquiry(&lee).await;
    assert_eq!(
        add(&lee, &path, "EPIXADB10SN12T", "", "25").await.status(),
        303
    );
    assert_eq!(
        add(&lee, &path, "HWX310000SH00G", "", "2").await.status(),
        303
    );
    let v = version(&lee.text(&path).await);
    assert_eq!(
        lee.post(&format!("{path}/submit"), &[("version", &v)])
            .await
            .status(),
        303
    );
    path
}

/// A submitted inquiry's quote desk as Northwind's staff open it: (staff, path, page, version,
/// the id of its first line).
async fn quote_desk(app: &TestApp) -> (TestClient, String, String, String, String) {
    let path = submitted_inquiry(app).await;
    let staff = app.login_as(Who::DistributorStaff).await;
    let page = staff.text(&path).await;
    let v = version(&page);
    let line = crate::helpers::value_after(&page, "id=\"bp_")
        .unwrap()
        .split('_')
        .next()
        .unwrap()
        .to_string();
    (staff, path, page, v, line)
}

/// A submitted inquiry Northwind has quoted at the approved discounts: its path.
pub async fn quoted_inquiry(app: &TestApp) -> String {
    let (staff, path, _, v, _) = quote_desk(app).await;
    assert_eq!(
        staff
            .post(&format!("{path}/quote"), &[("version", &v)])
            .await
            .status(),
        303
    );
    path
}

/// Posts a quote that the portal refuses: it answers with the inquiry's own address (post,
/// redirect, get), and that page shows the refusal once.
async fn refused_quote(
    staff: &crate::helpers::TestClient,
    path: &str,
    form: &[(&str, &str)],
) -> String {
    let r = staff.post(&format!("{path}/quote"), form).await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), format!("{path}#quote-heading"));
    let page = staff.text(path).await;
    assert!(page.contains("The quote was not sent"), "{page}");
    page
}

#[tokio::test]
async fn the_distributor_quotes_every_level_and_the_reseller_accepts() {
    let app = spawn_app().await;
    let path = submitted_inquiry(&app).await;
    let staff = app.login_as(Who::DistributorStaff).await;
    let page = staff.text(&path).await;
    assert!(page.contains("Gold partner, Intercept X Advanced: 12%"));
    assert!(
        page.contains("valid until 2026-05-30: 10%"),
        "the demo registration"
    );
    assert!(page.contains("Promotion ENDPOINT-SPRING"));
    assert!(page.contains("Gold partner, XGS 3100 appliance: 6%"));
    let v = version(&page);
    let epixad = crate::helpers::value_after(&page, "id=\"bp_").unwrap();
    let line = epixad.split('_').next().unwrap().to_string();
    let field = |level: &str| format!("bp_{line}_{level}");
    let reason = |level: &str| format!("reason_{line}_{level}");

    // Raising a discount is refused; lowering one needs a reason. A refusal comes back on the
    // inquiry's own address with the message next to the cell and every value as typed.
    let page = refused_quote(
        &staff,
        &path,
        &[
            ("version", &v),
            (&field("promotion"), "8"),
            ("note", "typed note"),
            ("internal_note", "typed internal"),
        ],
    )
    .await;
    assert!(page.contains(&format!(
        "id=\"{}-error\" aria-live=\"polite\">Promotion: 8% is above the approved 7%; a discount can only be lowered.</p>",
        field("promotion")
    )), "{page}");
    assert!(page.contains(&format!("name=\"{}\" type=\"text\" inputmode=\"decimal\" size=\"5\" autocomplete=\"off\" value=\"8\"", field("promotion"))));
    assert!(page.contains(">typed note</textarea>") && page.contains(">typed internal</textarea>"));
    assert!(
        !staff.text(&path).await.contains("typed note"),
        "a reload shows the fresh form, and re-submits nothing"
    );
    let page = refused_quote(&staff, &path, &[("version", &v), (&field("program"), "10")]).await;
    assert!(page.contains(&format!(
        "id=\"{}-error\" aria-live=\"polite\">Partner program: say why the discount is lowered.</p>",
        reason("program")
    )), "the message stands next to the reason field: {page}");
    assert!(page.contains(">Lowered from 12%</span>"));

    let r = staff
        .post(
            &format!("{path}/quote"),
            &[
                ("version", &v),
                (&field("program"), "10"),
                (&reason("program"), "price agreed with Harbour"),
                (&format!("show_{line}_program"), "on"),
                ("note", "Thank you"),
                ("internal_note", "Harbour buys through us only if below 800"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    // EPIXAD 25 x 42.00 = 1050.00; program 10%: -105.00 = 945.00; deal registration 10%:
    // -94.50 = 850.50; promotion 7%: -59.535, rounded half up -59.54 = 790.96.
    // HWX310 2 x 3499.00 = 6998.00; program 6%: -419.88 = 6578.12. Net 7369.08 of 8048.00.
    let lee = app.login_as(Who::ResellerUser).await;
    let page = lee.text(&path).await;
    for expected in [
        "<strong>Partner program 10%</strong>: −USD 105.00 → USD 945.00",
        "lowered from 12% to 10%: price agreed with Harbour",
        "<strong>Deal registration 10%</strong>: −USD 94.50 → USD 850.50",
        "<strong>Promotion 7%</strong>: −USD 59.54 → USD 790.96",
        "<strong>Partner program 6%</strong>: −USD 419.88 → USD 6,578.12",
        "<strong>USD 7,369.08</strong>",
        "valid until 2026-03-31",
        "<strong>Note to the reseller:</strong> Thank you",
    ] {
        assert!(page.contains(expected), "missing {expected:?}");
    }
    assert!(
        !page.contains("Harbour buys through us") && !page.contains("Internal note"),
        "the internal note stays with the distributor"
    );
    let desk = staff.text(&path).await;
    assert!(
        desk.contains("(the reseller does not see it): Harbour buys through us only if below 800")
    );
    assert!(
        desk.contains("lowered from 12% to 10%: price agreed with Harbour (shown to the reseller)")
    );
    // The sent quote stands above the revise form.
    assert!(desk.find("Quote version 1").unwrap() < desk.find("Revise the quote").unwrap());
    // The author and the reseller's admins are told.
    let told: Vec<String> = sqlx::query_scalar(
        "SELECT to_address FROM outbox WHERE kind = 'quote_sent' ORDER BY to_address",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(told, ["admin@reseller.example", "sales@reseller.example"]);

    // Priya holds Acme's renewals role, Sam Northwind's quotes role.
    for (email, role) in [
        ("renewals@reseller.example", "renewals"),
        ("staff@distributor.example", "quotes"),
    ] {
        app.grant(email, role).await;
    }
    // Accepting asks first: the net total, the validity, the distributor, a PO reference.
    let confirm = lee.text(&format!("{path}/accept")).await;
    for shown in [
        "places a <strong>binding order</strong> with Northwind Distribution",
        "<strong>USD 7,369.08</strong>",
        "<dt>Valid until</dt><dd>2026-03-31</dd>",
        "Your purchase-order reference (optional)",
    ] {
        assert!(confirm.contains(shown), "{shown}: {confirm}");
    }
    let v = version(&confirm);
    let too_long = "P".repeat(101);
    let r = lee
        .post(
            &format!("{path}/accept"),
            &[("version", &v), ("po_reference", &too_long)],
        )
        .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("id=\"po_reference-error\">Use at most 100 characters."));
    assert!(html.contains(&format!("value=\"{too_long}\"")));
    assert_eq!(app.scalar("SELECT COUNT(*) FROM orders").await, 0);
    let r = lee
        .post(
            &format!("{path}/accept"),
            &[("version", &v), ("po_reference", " PO-4711 ")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let order = app.scalar("SELECT id FROM orders").await;
    assert_eq!(
        location(&r),
        format!("/orders/{order}"),
        "accepting lands on the order"
    );
    let page = lee.text(&location(&r)).await;
    assert!(page.contains("order SO-2026-"), "the order is placed");
    assert!(
        page.contains("<dt>Purchase order</dt><dd>PO-4711</dd>"),
        "{page}"
    );
    let page = lee.text(&path).await;
    assert!(page.contains("<strong>Accepted, order placed</strong>"));
    assert!(
        page.contains(&format!(
            "<dt>Order</dt><dd><a href=\"/orders/{order}\">SO-2026-"
        )),
        "the inquiry links its order"
    );
    let (status, total): (String, i64) = sqlx::query_as("SELECT status, total_net FROM orders")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!((status.as_str(), total), ("placed", 736_908));
    // The placed order is told to the distributor's quotes role, the reseller's renewals role
    // and the inquiry's author (Lee), once each.
    let told: Vec<(String, String)> = sqlx::query_as(
        "SELECT to_address, subject FROM outbox WHERE kind = 'order_placed' ORDER BY to_address",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    let to: Vec<&str> = told.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(
        to,
        [
            "renewals@reseller.example",
            "sales@reseller.example",
            "staff@distributor.example"
        ]
    );
    assert!(
        told[0].1.ends_with("placed for Harbour Logistics Ltd"),
        "{told:?}"
    );
    // The mail links the order itself, not the list of orders.
    let order = app
        .scalar("SELECT MAX(id) FROM orders WHERE status = 'placed'")
        .await;
    let body: String =
        sqlx::query_scalar("SELECT text_body FROM outbox WHERE kind = 'order_placed' LIMIT 1")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert!(
        body.contains("See the order: http://") && body.contains(&format!("/orders/{order}\n")),
        "{body}"
    );
}

#[tokio::test]
async fn a_revised_quote_keeps_the_old_one_readable_and_an_expired_one_cannot_be_accepted() {
    let app = spawn_app().await;
    let path = submitted_inquiry(&app).await;
    let staff = app.login_as(Who::DistributorStaff).await;
    let v = version(&staff.text(&path).await);
    assert_eq!(
        staff
            .post(&format!("{path}/quote"), &[("version", &v)])
            .await
            .status(),
        303
    );
    let v = version(&staff.text(&path).await);
    assert_eq!(
        staff
            .post(
                &format!("{path}/quote"),
                &[("version", &v), ("note", "Second thoughts")]
            )
            .await
            .status(),
        303
    );
    let lee = app.login_as(Who::ResellerUser).await;
    let page = lee.text(&path).await;
    assert!(page.contains("Quote version 2 of 2026-03-02"));
    assert!(page.contains("Quote version 1 of 2026-03-02, valid until 2026-03-31 (replaced)"));
    let v = version(&page);
    // 30 days of validity count the quote's own day: 2026-04-01 is too late.
    app.clock.advance(chrono::Duration::days(30));
    let lee = app.login_as(Who::ResellerUser).await;
    let r = lee
        .post(&format!("{path}/accept"), &[("version", &v)])
        .await;
    assert_eq!(r.status(), 409);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("The quote expired on 2026-03-31"));
    assert!(lee
        .text(&path)
        .await
        .contains("<strong>Expired, the quote lapsed</strong>"));
    assert_eq!(app.scalar("SELECT COUNT(*) FROM orders").await, 0);
}

#[tokio::test]
async fn a_revision_starts_from_the_sent_values_and_the_net_follows_the_typing() {
    let app = spawn_app().await;
    let (staff, path, page, v, line) = quote_desk(&app).await;
    let program = format!("bp_{line}_program");
    let value_of = |page: &str, field: &str| {
        crate::helpers::value_after(page, &format!("name=\"{field}\" type=\"text\" inputmode=\"decimal\" size=\"5\" autocomplete=\"off\" value=\""))
            .map(|v| v.split('"').next().unwrap_or("").to_string())
    };
    assert_eq!(
        value_of(&page, &program).as_deref(),
        Some("12"),
        "the first quote starts approved"
    );

    // The live net: EPIXAD 25 x 42.00 with program 10% (not 12%), registration 10%, promotion
    // 7% is 790.96; HWX310 stays 6,578.12; the total 7,369.08. The reason is asked for at once.
    let preview = staff
        .text(&format!("{path}/quote/preview?{program}=10"))
        .await;
    assert!(
        preview.contains("hx-swap-oob=\"true\">USD 790.96</span>"),
        "{preview}"
    );
    assert!(preview.contains(
        "id=\"net-total\" aria-live=\"polite\" hx-swap-oob=\"true\">USD 7,369.08</span>"
    ));
    assert!(preview.contains("say why the discount is lowered"));
    assert!(preview.contains(">Lowered from 12%</span>"));
    let preview = staff
        .text(&format!("{path}/quote/preview?{program}=13"))
        .await;
    assert!(preview.contains("13% is above the approved 12%"));
    assert!(preview.contains("— (correct the marked cells)"));
    // Only the distributor quoted may use it.
    let lee = app.login_as(Who::ResellerUser).await;
    assert_eq!(
        lee.get(&format!("{path}/quote/preview?{program}=10"))
            .await
            .status(),
        403
    );
    let southbridge = app.login_as(Who::SouthbridgeAdmin).await;
    assert_eq!(
        southbridge
            .get(&format!("{path}/quote/preview?{program}=10"))
            .await
            .status(),
        404
    );

    let r = staff
        .post(
            &format!("{path}/quote"),
            &[
                ("version", &v),
                (&program, "9.5"),
                (&format!("reason_{line}_program"), "volume deal, internal"),
                ("note", "As discussed"),
                ("internal_note", "Margin floor reached"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    // The reseller reads neither the internal reason nor the internal note.
    let page = lee.text(&path).await;
    assert!(page.contains("<strong>Partner program 9.50%</strong>"));
    assert!(!page.contains("volume deal") && !page.contains("Margin floor"));
    assert!(page.contains("As discussed"));

    // The revision starts from what was sent (9.5 with its reason and both notes), not from
    // the approved 12%, which stands beside it.
    let page = staff.text(&path).await;
    assert!(page.contains("Revise the quote"));
    assert_eq!(value_of(&page, &program).as_deref(), Some("9.5"));
    assert!(page.contains("value=\"volume deal, internal\""));
    assert!(
        page.contains(">As discussed</textarea>")
            && page.contains(">Margin floor reached</textarea>")
    );
    assert!(page.contains("Approved 12%: Gold partner, Intercept X Advanced: 12%"));
    assert!(page.contains(">Lowered from 12%</span>"));
    // Sending it unchanged keeps the negotiated figure.
    let v = version(&page);
    let mut form: Vec<(String, String)> = vec![("version".into(), v)];
    for field in [program.clone(), format!("reason_{line}_program")] {
        let value = if field == program {
            "9.5"
        } else {
            "volume deal, internal"
        };
        form.push((field, value.into()));
    }
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert_eq!(
        staff.post(&format!("{path}/quote"), &form).await.status(),
        303
    );
    let bps: Vec<String> = sqlx::query_scalar(
        "SELECT ql.steps FROM quote_lines ql JOIN quotes q ON q.id = ql.quote_id WHERE q.version = 2 AND ql.line_no = 1",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    assert!(bps[0].contains("\"bp\":950"), "{bps:?}");
}

#[tokio::test]
async fn a_reseller_that_requires_a_purchase_order_reference_gets_no_order_without_one() {
    let app = spawn_app().await;
    let path = quoted_inquiry(&app).await;
    // Acme's admin makes the reference required; its user cannot change the rule.
    let admin = app.login_as(Who::ResellerAdmin).await;
    assert!(admin
        .text("/users")
        .await
        .contains("value=\"optional\" checked"));
    let lee = app.login_as(Who::ResellerUser).await;
    assert_eq!(
        lee.post("/users/ordering", &[("po", "optional")])
            .await
            .status(),
        403
    );
    let r = admin.post("/users/ordering", &[("po", "required")]).await;
    assert_eq!(location(&r), "/users#ordering");
    let page = admin.text("/users").await;
    assert!(page.contains("now asks for your purchase-order reference"));
    assert!(page.contains("value=\"required\" checked"));
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'po_rule_changed' AND detail = 'required'").await,
        1
    );

    let confirm = lee.text(&format!("{path}/accept")).await;
    assert!(confirm.contains("Your purchase-order reference (required)"));
    let v = version(&confirm);
    let r = lee
        .post(
            &format!("{path}/accept"),
            &[("version", &v), ("po_reference", "  ")],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains(
        "Your organisation asks for a purchase-order reference on every order: type it here."
    ));
    assert_eq!(app.scalar("SELECT COUNT(*) FROM orders").await, 0);
    let r = lee
        .post(
            &format!("{path}/accept"),
            &[("version", &v), ("po_reference", "PO-1")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let po: String = sqlx::query_scalar("SELECT po_reference FROM orders")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(po, "PO-1");
}

#[tokio::test]
async fn a_declined_quote_places_nothing_and_the_distributor_hears_of_it() {
    let app = spawn_app().await;
    let path = quoted_inquiry(&app).await;
    let lee = app.login_as(Who::ResellerUser).await;
    let v = version(&lee.text(&path).await);
    let r = lee
        .post(&format!("{path}/decline"), &[("version", &v)])
        .await;
    assert_eq!(location(&r), path, "declining stays on the inquiry");
    let page = lee.text(&path).await;
    assert!(page.contains("You declined the quote for PI-2026-"));
    assert!(page.contains("<strong>Declined by the reseller</strong>"));
    assert_eq!(app.scalar("SELECT COUNT(*) FROM orders").await, 0);
    // Northwind's quotes role is empty: its admin hears of it, once.
    let told: Vec<(String, String)> =
        sqlx::query_as("SELECT to_address, subject FROM outbox WHERE kind = 'quote_declined'")
            .fetch_all(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(told.len(), 1, "{told:?}");
    assert_eq!(told[0].0, "admin@distributor.example");
    assert!(told[0]
        .1
        .starts_with("Acme Secure IT declined the quote for PI-2026-"));
}

#[tokio::test]
async fn the_vendor_admin_sets_the_rules_that_quotes_propose() {
    let app = spawn_app().await;
    let vendor = app.login_as(Who::VendorAdmin).await;
    let page = vendor.text("/admin/pricing").await;
    assert!(page.contains("id=\"program_gold_EPIXAD\" name=\"program_gold_EPIXAD\" type=\"text\" inputmode=\"decimal\" value=\"12.00\""));
    // A row names its family; each field says what it is for.
    assert!(page.contains(
        "<th scope=\"row\">Intercept X Advanced <span class=\"muted\">EPIXAD</span></th>"
    ));
    assert!(page.contains(">Gold discount for Intercept X Advanced (%)</label>"));
    let r = vendor
        .post(
            "/admin/pricing",
            &[
                ("program_gold_EPIXAD", "15.5"),
                ("deal_EPIXAD", "abc"),
                ("quote_days", "30"),
                ("deal_days", "90"),
                ("minimum_USD", "5000"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422, "nothing is saved when one figure is wrong");
    assert!(r
        .text()
        .await
        .unwrap()
        .contains(
            "Deal registration discount for Intercept X Advanced: “abc” is not a percentage from 0 to 100."
        ));
    assert_eq!(
        app.scalar(
            "SELECT bp FROM program_discounts WHERE partner_level = 'gold' AND family = 'EPIXAD'"
        )
        .await,
        1200
    );
    let r = vendor
        .post(
            "/admin/pricing",
            &[
                ("program_gold_EPIXAD", "15.5"),
                ("quote_days", "14"),
                ("deal_days", "60"),
                ("minimum_USD", "2,500"),
                ("deal_extensions", "2"),
                ("deal_extension_window", "14"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let page = vendor.text("/admin/pricing").await;
    assert!(
        page.contains("id=\"deal_extensions\" name=\"deal_extensions\" type=\"text\" value=\"2\""),
        "{page}"
    );
    assert!(page.contains(
        "id=\"deal_extension_window\" name=\"deal_extension_window\" type=\"text\" value=\"14\""
    ));
    let r = vendor
        .post(
            "/admin/pricing",
            &[
                ("quote_days", "14"),
                ("deal_days", "60"),
                ("minimum_USD", "2,500"),
                ("deal_extensions", "-1"),
                ("deal_extension_window", "0"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("Enter a number of extensions from 0 to 10."));
    assert!(
        html.contains("id=\"deal_extension_window-error\">Enter a number of days from 1 to 365.")
    );
    assert_eq!(
        app.scalar(
            "SELECT bp FROM program_discounts WHERE partner_level = 'gold' AND family = 'EPIXAD'"
        )
        .await,
        1550
    );

    let promo = [
        ("code", "summer-26"),
        ("families", "EPIXAD"),
        ("percent", "9"),
        ("starts", "2026-03-01"),
        ("ends", "2026-03-31"),
    ];
    assert_eq!(
        vendor
            .post("/admin/pricing/promotions", &promo)
            .await
            .status(),
        303
    );
    assert!(vendor
        .text("/admin/pricing")
        .await
        .contains("<td>SUMMER-26</td><td>Intercept X Advanced (EPIXAD)</td>"));
    let r = vendor.post("/admin/pricing/promotions", &promo).await;
    assert_eq!(r.status(), 422);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("A promotion with this code exists already."));
    let bad = [
        ("code", "X"),
        ("families", "NOPE01"),
        ("percent", "0"),
        ("starts", "2026-04-01"),
        ("ends", "2026-03-01"),
    ];
    let html = vendor
        .post("/admin/pricing/promotions", &bad)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("NOPE01 is not a family of the catalogue.")
            && html.contains("would end before it starts")
    );

    // The next quote proposes the new figures, valid 14 days.
    let path = submitted_inquiry(&app).await;
    let staff = app.login_as(Who::DistributorStaff).await;
    let page = staff.text(&path).await;
    assert!(page.contains("Gold partner, Intercept X Advanced: 15.50%"));
    assert!(
        page.contains("Promotion SUMMER-26"),
        "9% beats ENDPOINT-SPRING's 7%"
    );
    let v = version(&page);
    staff
        .post(&format!("{path}/quote"), &[("version", &v)])
        .await;
    assert!(staff.text(&path).await.contains("valid until 2026-03-15"));
    assert_eq!(
        vendor
            .post("/admin/pricing/promotions/SUMMER-26/delete", &[])
            .await
            .status(),
        303
    );
    assert_eq!(
        vendor
            .post("/admin/pricing/promotions/SUMMER-26/delete", &[])
            .await
            .status(),
        404
    );
}

#[tokio::test]
async fn an_inquiry_can_be_for_a_new_end_customer() {
    let app = spawn_app().await;
    let lee = app.login_as(Who::ResellerUser).await;
    let distributor = option_value(
        &lee,
        "/inquiries/new",
        "Northwind Distribution (prices in USD)",
    )
    .await;
    let r = lee
        .post(
            "/inquiries",
            &[
                ("end_customer", ""),
                ("new_customer_name", "Fjord Fisheries"),
                ("new_customer_contact", ""),
                ("new_customer_email", "nope"),
                ("distributor", &distributor),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("id=\"new_customer_contact-error\"")
            && html.contains("id=\"new_customer_email-error\"")
    );
    assert!(
        html.contains("value=\"Fjord Fisheries\""),
        "what was typed stays"
    );
    let r = lee
        .post(
            "/inquiries",
            &[
                ("end_customer", ""),
                ("new_customer_name", "Fjord Fisheries"),
                ("new_customer_contact", "Ola Nordmann"),
                ("new_customer_email", "ola@fjord.example"),
                ("distributor", &distributor),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert!(lee.text(&location(&r)).await.contains("Fjord Fisheries"));
    let email: String = sqlx::query_scalar(
        "SELECT contact_email FROM end_customers WHERE name = 'Fjord Fisheries'",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(email, "ola@fjord.example");
}

#[tokio::test]
async fn distributors_filter_their_inquiries_by_status_reseller_and_age() {
    let app = spawn_app().await;
    let path = submitted_inquiry(&app).await;
    let reference = path.rsplit('/').next().unwrap().to_string();
    let staff = app.login_as(Who::DistributorStaff).await;
    let acme = app.id_of_org("Acme Secure IT").await;
    let bluepeak = app.id_of_org("Bluepeak Managed Services").await;
    let row = format!("href=\"/inquiries/{reference}\"");
    assert!(staff
        .text("/inquiries?status=submitted")
        .await
        .contains(&row));
    let quoted = staff.text("/inquiries?status=quoted").await;
    assert!(!quoted.contains(&row), "{row} in {quoted}");
    assert!(staff
        .text(&format!("/inquiries?reseller={acme}"))
        .await
        .contains(&row));
    assert!(!staff
        .text(&format!("/inquiries?reseller={bluepeak}"))
        .await
        .contains(&row));
    assert!(
        !staff.text("/inquiries?older_than=3").await.contains(&row),
        "submitted today"
    );
    app.clock.advance(chrono::Duration::days(4));
    let staff = app.login_as(Who::DistributorStaff).await;
    assert!(staff.text("/inquiries?older_than=3").await.contains(&row));
}

#[tokio::test]
async fn quotes_ending_soon_are_reminded_once_and_ended_ones_expire() {
    use partner_portal::jobs::quote_expiry;
    let app = spawn_app().await;
    let path = submitted_inquiry(&app).await;
    let staff = app.login_as(Who::DistributorStaff).await;
    let v = version(&staff.text(&path).await);
    staff
        .post(&format!("{path}/quote"), &[("version", &v)])
        .await; // valid until 2026-03-31
    let day = |d: &str| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap();
    let run = |d: &'static str| {
        let app = &app;
        async move {
            quote_expiry(&app.db, day(d), "http://portal.test", app.clock.timestamp())
                .await
                .unwrap()
        }
    };
    assert_eq!(
        run("2026-03-27").await,
        Default::default(),
        "four days before: nothing yet"
    );
    let first = run("2026-03-28").await;
    assert_eq!(first.reminded, 2, "the author and the reseller's admin");
    assert_eq!(run("2026-03-29").await.reminded, 0, "once only");
    let subjects: Vec<String> =
        sqlx::query_scalar("SELECT subject FROM outbox WHERE kind = 'quote_expiring'")
            .fetch_all(&app.db.pool)
            .await
            .unwrap();
    assert!(subjects.iter().all(|s| s.ends_with("ends on 2026-03-31")));
    assert_eq!(
        run("2026-03-31").await.expired,
        0,
        "valid through its last day"
    );
    assert_eq!(run("2026-04-01").await.expired, 1);
    let status: String = sqlx::query_scalar("SELECT status FROM inquiries")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(status, "expired");
}

#[tokio::test]
async fn nfr_and_msp_skus_are_refused_on_an_inquiry_with_where_they_belong() {
    use partner_portal::domain::sku::{Channel, Transaction};
    use partner_portal::domain::{Sku, SkuFields};
    let app = spawn_app().await;
    let lee = app.login_as(Who::ResellerUser).await;
    let path = new_inquiry(&lee).await;
    for (channel, said) in [
        (Channel::NotForResale, "ask for them with an NFR request"),
        (Channel::MspMonthly, "report them as monthly usage"),
    ] {
        let sku = Sku::build(SkuFields {
            family: "EPIXAD".into(),
            band: "B10".into(),
            channel,
            transaction: Transaction::New,
            term: if channel == Channel::MspMonthly {
                1
            } else {
                12
            },
        })
        .unwrap();
        let r = add(&lee, &path, sku.as_str(), "", "5").await;
        assert_eq!(r.status(), 422, "{sku}");
        assert!(r.text().await.unwrap().contains(said), "{sku}");
    }
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM inquiry_lines").await,
        0,
        "no line was added"
    );
}

#[tokio::test]
async fn a_line_takes_the_translators_notation_and_a_suggested_sku_fills_the_field() {
    let app = spawn_app().await;
    // Legacy SKUs still accepted for standard terms; odd terms refused (since 2023-10-01).
    set_last_legacy_day(&app, "2026-12-31").await;
    let lee = app.login_as(Who::ResellerUser).await;
    let path = new_inquiry(&lee).await;
    // A 1-month legacy SKU × 12 is a standard term: accepted and translated.
    assert_eq!(
        add(&lee, &path, "IXA-U10-N1M x 12", "", "5").await.status(),
        303
    );
    let page = lee.text(&path).await;
    assert!(
        page.contains("IXA-U10-N1M × 12 months") && page.contains("EPIXADB10SN12T"),
        "{page}"
    );
    // The same months twice must agree.
    let r = add(&lee, &path, "IXA-U10-N1M × 12", "24", "5").await;
    assert_eq!(r.status(), 422);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("The SKU field says 12 months and this field 24; give the months once."));
    // A single month is an odd term: refused with the exact SKU, offered as a button.
    let r = add(&lee, &path, "ixa-u10-n1m X 1", "", "5").await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    let button = "name=\"use_sku\" value=\"EPIXADB10SN01";
    assert!(html.contains(button), "{html}");
    let suggested = crate::helpers::value_after(&html, "name=\"use_sku\" value=\"").unwrap();
    assert_eq!(suggested.len(), 14);
    // Without JavaScript the button posts the form: the page comes back with the SKU in the
    // field, the months emptied, the quantity kept, and nothing added.
    let lines = || async { app.scalar("SELECT COUNT(*) FROM inquiry_lines").await };
    let before = lines().await;
    let v = version(&lee.text(&path).await);
    let r = lee
        .post(
            &format!("{path}/lines"),
            &[
                ("sku", "ixa-u10-n1m X 1"),
                ("months", ""),
                ("quantity", "5"),
                ("version", &v),
                ("use_sku", &suggested),
            ],
        )
        .await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(
        html.contains(&format!(
            "id=\"sku\" name=\"sku\" type=\"text\" value=\"{suggested}\""
        )),
        "{html}"
    );
    assert!(html.contains("id=\"quantity\" name=\"quantity\" type=\"text\" value=\"5\""));
    assert_eq!(lines().await, before);
    assert_eq!(add(&lee, &path, &suggested, "", "5").await.status(), 303);
    assert_eq!(lines().await, before + 1);
}

#[tokio::test]
async fn a_quote_note_and_a_lowering_reason_have_a_length_limit() {
    let app = spawn_app().await;
    let (staff, path, _, v, line) = quote_desk(&app).await;
    let long_note = "n".repeat(2_001);
    let html = refused_quote(
        &staff,
        &path,
        &[("version", &v), ("internal_note", &long_note)],
    )
    .await;
    assert!(html.contains("id=\"internal_note-error\">Use at most 2000 characters."));
    assert!(
        html.contains(&format!(">{long_note}</textarea>")),
        "the note comes back as typed"
    );
    let long_reason = "r".repeat(501);
    let html = refused_quote(
        &staff,
        &path,
        &[
            ("version", &v),
            (&format!("bp_{line}_program"), "10"),
            (&format!("reason_{line}_program"), &long_reason),
        ],
    )
    .await;
    assert!(html.contains("Say why in at most 500 characters."));
    // What was typed comes back: the lowered percentage and the reason.
    assert!(html.contains(&format!(
        "name=\"bp_{line}_program\" type=\"text\" inputmode=\"decimal\" size=\"5\" autocomplete=\"off\" value=\"10\""
    )));
    assert!(html.contains(&format!("value=\"{long_reason}\"")));
    assert_eq!(app.scalar("SELECT COUNT(*) FROM quotes").await, 0);
}

#[tokio::test]
async fn the_quote_work_lists_what_waits_for_each_side() {
    let app = spawn_app().await;
    let path = submitted_inquiry(&app).await;
    let reference: String = sqlx::query_scalar("SELECT reference FROM inquiries")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    // Northwind's staff see it waiting, with its age and MSRP; Southbridge does not.
    let staff = app.login_as(Who::DistributorStaff).await;
    let page = staff.text("/quotes").await;
    assert!(
        page.contains(&reference) && page.contains("Acme Secure IT"),
        "{page}"
    );
    assert!(page.contains("<td>today</td>") && page.contains("USD 8,048.00"));
    let southbridge = app.login_as(Who::SouthbridgeAdmin).await;
    assert!(!southbridge.text("/quotes").await.contains(&reference));
    // Quoted: the reseller sees it waiting for an answer; Bluepeak does not.
    let v = version(&staff.text(&path).await);
    assert_eq!(
        staff
            .post(&format!("{path}/quote"), &[("version", &v)])
            .await
            .status(),
        303
    );
    let lee = app.login_as(Who::ResellerUser).await;
    let page = lee.text("/quotes").await;
    assert!(
        page.contains("Quotes waiting for your answer") && page.contains(&reference),
        "{page}"
    );
    assert!(
        page.contains("<td>2026-03-31</td>"),
        "valid 30 days: {page}"
    );
    let other = app.login_as(Who::OtherResellerAdmin).await;
    assert!(!other.text("/quotes").await.contains(&reference));
    // Not about to lapse yet; a week before its end it is.
    assert!(staff
        .text("/quotes")
        .await
        .contains("No unanswered quote ends within a week."));
    app.clock.advance(chrono::Duration::days(23)); // 2026-03-25
    let staff = app.login_as(Who::DistributorStaff).await;
    let page = staff.text("/quotes").await;
    assert!(
        page.contains("Quotes about to lapse") && page.contains("<td>2026-03-31</td>"),
        "{page}"
    );
    // Channel account managers have no quote work.
    let cam = app.login_as(Who::ChannelManager).await;
    assert_eq!(cam.get("/quotes").await.status(), 403);
}
