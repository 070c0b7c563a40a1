//! Deal registrations: a reseller registers, its CAM approves or rejects, mail is queued,
//! one approved registration per end customer and family at a time.

use crate::helpers::{location, spawn_app, TestApp, TestClient, Who};
use chrono::Duration;

async fn register(c: &TestClient, customer: &str, family: &str, msrp: &str) -> reqwest::Response {
    let distributor = c.text("/deals/new").await;
    let marker = "<option value=\"";
    let northwind = distributor
        .split(marker)
        .find(|s| s.contains(">Northwind Distribution (prices in USD)<"))
        .map(|s| s[..s.find('"').unwrap()].to_string())
        .expect("Northwind supplies Acme");
    // "MDRESS,EMLADV": one field per family, as the checkboxes send them.
    let mut fields = vec![
        ("end_customer", ""),
        ("new_customer_name", customer),
        ("new_customer_contact", "Ada Byrne"),
        ("new_customer_email", "ada@customer.example"),
        ("estimated_msrp", msrp),
        ("expected_close", "2026-05-15"),
        ("distributor", &northwind),
        ("notes", "Competitive replacement"),
    ];
    fields.extend(family.split(',').map(|f| ("families", f)));
    c.post("/deals", &fields).await
}

/// Registers `family` for an existing end customer of the reseller.
async fn register_for(c: &TestClient, customer: i64, family: &str) -> reqwest::Response {
    let html = c.text("/deals/new").await;
    let northwind = html
        .split("<option value=\"")
        .find(|s| s.contains(">Northwind"))
        .map(|s| s[..s.find('"').unwrap()].to_string())
        .unwrap();
    c.post(
        "/deals",
        &[
            ("end_customer", customer.to_string().as_str()),
            ("families", family),
            ("estimated_msrp", "9000"),
            ("expected_close", "2026-06-01"),
            ("distributor", &northwind),
        ],
    )
    .await
}

async fn outbox_to(app: &TestApp, email: &str) -> Vec<String> {
    sqlx::query_scalar("SELECT subject FROM outbox WHERE to_address = $1 ORDER BY id")
        .bind(email)
        .fetch_all(&app.db.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_reseller_registers_and_its_cam_approves_for_90_days() {
    let app = spawn_app().await;
    let dana = app.login_as(Who::ResellerAdmin).await;
    let r = register(&dana, "Quayside Shipping", "MDRESS", "12,000.00").await;
    assert_eq!(r.status(), 303);
    let path = location(&r);
    let page = dana.text(&path).await;
    assert!(page.contains("is submitted to your channel account manager"));
    assert!(page.contains("<strong>Waiting for a decision</strong>"));
    assert!(
        page.contains("<dt>Products</dt><dd>MDR Essentials (MDRESS)</dd>"),
        "family names next to their codes: {page}"
    );
    let reference = page.split("Deal registration ").nth(1).unwrap()[..12].to_string();
    assert!(reference.starts_with("DR-2026-"), "{reference}");
    // The CAM is told, and finds it in the queue.
    assert_eq!(
        outbox_to(&app, "cam@vendor.example").await,
        [format!(
            "Deal registration {reference} from Acme Secure IT waits for your decision"
        )]
    );
    let cam = app.login_as(Who::ChannelManager).await;
    assert!(
        cam.text("/deals").await.contains(&reference),
        "the queue opens on submitted registrations"
    );
    // The reseller cannot decide on its own registration.
    assert_eq!(
        dana.post(&format!("{path}/approve"), &[("confirm", "yes")])
            .await
            .status(),
        403
    );

    // Approving asks first, saying what it does; nothing happens until it is confirmed.
    let r = cam.post(&format!("{path}/approve"), &[]).await;
    assert_eq!(r.status(), 200);
    let confirm = r.text().await.unwrap();
    assert!(
        confirm.contains(&format!("Approve {reference} for ")),
        "{confirm}"
    );
    assert!(
        confirm.contains("get the deal registration discount on"),
        "{confirm}"
    );
    assert!(
        confirm.contains("from 2026-03-02 until 2026-05-30"),
        "{confirm}"
    );
    assert!(confirm.contains("Yes, approve"));
    assert!(
        cam.text(&path)
            .await
            .contains("<strong>Waiting for a decision</strong>")
            || cam.text(&path).await.contains("<strong>Submitted</strong>")
    );
    assert_eq!(
        cam.post(&format!("{path}/approve"), &[("confirm", "yes")])
            .await
            .status(),
        303
    );
    let page = cam.text(&path).await;
    assert!(page.contains("<strong>Approved</strong>"));
    // Who decided and when, on the page and in its history.
    assert!(
        page.contains("Last decision by</dt><dd>Casey Morgan, 2026-03-02"),
        "{page}"
    );
    assert!(
        page.contains("Approved, valid 2026-03-02 to 2026-05-30"),
        "{page}"
    );
    // The audit log says it in words, with the person's name and the record.
    let vendor = app.login_as(Who::VendorAdmin).await;
    let audit = vendor.text("/admin/audit").await;
    assert!(
        audit.contains(&format!(
            "Casey Morgan approved deal registration {reference} for Quayside Shipping"
        )),
        "{audit}"
    );
    assert!(audit.contains(&format!(
        "Dana Ortiz submitted deal registration {reference} for Quayside Shipping"
    )));
    assert!(!audit.contains("deal_registration_decided"));
    assert!(
        page.contains("2026-03-02 to 2026-05-30"),
        "90 days counting the day of approval"
    );
    // Nobody at Acme holds the deal registration role: the admins are told.
    assert!(outbox_to(&app, "admin@reseller.example")
        .await
        .contains(&format!("Deal registration {reference} approved")));
    // Approving twice is refused.
    assert_eq!(
        cam.post(&format!("{path}/approve"), &[("confirm", "yes")])
            .await
            .status(),
        409
    );

    // Valid through 2026-05-30; expired from 2026-05-31.
    app.clock.advance(Duration::days(89));
    let dana = app.login_as(Who::ResellerAdmin).await; // the old session timed out meanwhile
    assert!(dana.text(&path).await.contains("<strong>Approved</strong>"));
    app.clock.advance(Duration::days(1));
    let cam = app.login_as(Who::ChannelManager).await;
    let dana = app.login_as(Who::ResellerAdmin).await;
    assert!(dana.text(&path).await.contains("<strong>Expired</strong>"));
    assert_eq!(
        cam.post(&format!("{path}/extend"), &[("confirm", "yes")])
            .await
            .status(),
        409,
        "an expired registration is not extended"
    );
}

#[tokio::test]
async fn a_second_registration_for_the_same_customer_and_product_is_a_conflict() {
    let app = spawn_app().await;
    let dana = app.login_as(Who::ResellerAdmin).await;
    let first = location(&register(&dana, "Quayside Shipping", "MDRESS", "12000").await);
    let cam = app.login_as(Who::ChannelManager).await;
    cam.post(&format!("{first}/approve"), &[("confirm", "yes")])
        .await;
    let customer = app
        .scalar("SELECT id FROM end_customers WHERE name = 'Quayside Shipping'")
        .await
        .to_string();
    let before = app.scalar("SELECT COUNT(*) FROM deal_registrations").await;
    let html = dana.text("/deals/new").await;
    let northwind = html
        .split("<option value=\"")
        .find(|s| s.contains(">Northwind"))
        .map(|s| s[..s.find('"').unwrap()].to_string())
        .unwrap();
    let r = dana
        .post(
            "/deals",
            &[
                ("end_customer", customer.as_str()),
                ("families", "MDRESS"),
                ("estimated_msrp", "9000"),
                ("expected_close", "2026-06-01"),
                ("distributor", &northwind),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("already has a deal registration for this product that is approved or waiting for a decision (DR-2026-"));
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM deal_registrations").await,
        before
    );
    // Another product for the same customer is fine.
    let other = |family: &'static str| {
        let (dana, customer, northwind) = (&dana, customer.clone(), northwind.clone());
        async move {
            dana.post(
                "/deals",
                &[
                    ("end_customer", customer.as_str()),
                    ("families", family),
                    ("estimated_msrp", "9000"),
                    ("expected_close", "2026-06-01"),
                    ("distributor", &northwind),
                ],
            )
            .await
        }
    };
    let r = other("EMLADV").await;
    assert_eq!(r.status(), 303);
    let waiting = dana.text(&location(&r)).await;
    let reference = waiting.split("Deal registration ").nth(1).unwrap()[..12].to_string();
    // While that one waits for a decision, a second registration for it is refused at once.
    let r = other("EMLADV").await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(
        html.contains(&format!("approved or waiting for a decision ({reference})"))
            && html.contains(&format!(
                "<a href=\"{}\">See {reference}</a>",
                location_of_deal(&app, &reference).await
            )),
        "{html}"
    );
    // Once it is rejected, the deal can be registered again.
    cam.post(
        &format!("{}/reject", location_of_deal(&app, &reference).await),
        &[
            ("reason", "Duplicate of another partner's deal"),
            ("confirm", "yes"),
        ],
    )
    .await;
    assert_eq!(other("EMLADV").await.status(), 303);
}

async fn location_of_deal(app: &TestApp, reference: &str) -> String {
    let id = app
        .scalar(&format!(
            "SELECT id FROM deal_registrations WHERE reference = '{reference}'"
        ))
        .await;
    format!("/deals/{id}")
}

#[tokio::test]
async fn bad_registrations_are_explained_and_rejections_need_a_reason() {
    let app = spawn_app().await;
    let dana = app.login_as(Who::ResellerAdmin).await;
    let r = dana
        .post(
            "/deals",
            &[("estimated_msrp", "100"), ("expected_close", "2025-01-01")],
        )
        .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    for message in [
        "Choose the end customer, or enter a new one below.",
        "Choose at least one product family.",
        "at least USD 5,000.00",
        "The expected close date has passed.",
        "Choose the distributor that will quote this deal.",
    ] {
        assert!(html.contains(message), "missing {message:?}");
    }
    let path = location(&register(&dana, "Quayside Shipping", "MDRESS", "12000").await);
    let cam = app.login_as(Who::ChannelManager).await;
    let r = cam
        .post(
            &format!("{path}/reject"),
            &[("reason", " "), ("confirm", "yes")],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("Give the reseller the reason for the rejection."));
    let long = "why ".repeat(251);
    let r = cam
        .post(
            &format!("{path}/reject"),
            &[("reason", &long), ("confirm", "yes")],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("Use at most 1000 characters."));
    assert_eq!(
        cam.post(
            &format!("{path}/reject"),
            &[
                ("reason", "Customer is a named account"),
                ("confirm", "yes")
            ]
        )
        .await
        .status(),
        303
    );
    assert!(dana
        .text(&path)
        .await
        .contains("<strong>Rejected</strong> — Customer is a named account"));
}

#[tokio::test]
async fn registrations_are_seen_only_by_whom_they_concern() {
    let app = spawn_app().await;
    let dana = app.login_as(Who::ResellerAdmin).await;
    let path = location(&register(&dana, "Quayside Shipping", "MDRESS", "12000").await);
    // Jordan Lee manages Cobalt, not Acme; Alex is another reseller's admin.
    let jordan = app.client();
    assert_eq!(
        jordan
            .login("cam2@vendor.example", crate::helpers::PASSWORD)
            .await
            .status(),
        303
    );
    assert_eq!(jordan.get(&path).await.status(), 404);
    assert_eq!(
        jordan
            .post(&format!("{path}/approve"), &[("confirm", "yes")])
            .await
            .status(),
        404
    );
    assert!(!jordan.text("/deals?status=").await.contains("Quayside"));
    let alex = app.login_as(Who::OtherResellerAdmin).await;
    assert_eq!(alex.get(&path).await.status(), 404);
    // The distributor named on it sees it; the vendor admin sees all.
    assert_eq!(
        app.login_as(Who::DistributorStaff)
            .await
            .get(&path)
            .await
            .status(),
        200
    );
    assert_eq!(
        app.login_as(Who::VendorAdmin)
            .await
            .get(&path)
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn registrations_ending_soon_are_announced_once_and_ended_ones_expire() {
    use partner_portal::jobs::deal_expiry;
    let app = spawn_app().await;
    // The demo registration of Acme is valid 2026-03-02 to 2026-05-30.
    let day = |d: &str| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap();
    let run = |d: &'static str| {
        let app = &app;
        async move {
            deal_expiry(&app.db, day(d), "http://portal.test", app.clock.timestamp())
                .await
                .unwrap()
        }
    };
    assert_eq!(
        run("2026-05-15").await,
        Default::default(),
        "fifteen days before: nothing yet"
    );
    assert_eq!(
        run("2026-05-16").await.reminded,
        1,
        "Acme's admin, as nobody holds the role"
    );
    assert_eq!(run("2026-05-20").await.reminded, 0, "once only");
    assert_eq!(
        run("2026-05-30").await.expired,
        0,
        "valid through its last day"
    );
    assert_eq!(run("2026-05-31").await.expired, 1);
    assert_eq!(run("2026-06-01").await.expired, 0, "recorded once");
    let subjects: Vec<String> = sqlx::query_scalar(
        "SELECT subject FROM outbox WHERE to_address = 'admin@reseller.example' ORDER BY id",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(subjects.len(), 2);
    assert!(
        subjects[0].ends_with("expiring") && subjects[1].ends_with("expired"),
        "{subjects:?}"
    );
    let status: String = sqlx::query_scalar("SELECT status FROM deal_registrations")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(status, "expired");
}

#[tokio::test]
async fn a_registration_of_a_reseller_without_a_cam_goes_to_the_vendor_admins() {
    let app = spawn_app().await;
    sqlx::query("UPDATE organisations SET cam_user_id = NULL WHERE name = 'Acme Secure IT'")
        .execute(&app.db.pool)
        .await
        .unwrap();
    let dana = app.login_as(Who::ResellerAdmin).await;
    let r = register(&dana, "Quayside Shipping", "MDRESS", "12,000.00").await;
    assert_eq!(r.status(), 303);
    let page = dana.text(&location(&r)).await;
    assert!(page.contains("is submitted to the vendor"), "{page}");
    let subjects = outbox_to(&app, "admin@vendor.example").await;
    assert_eq!(subjects.len(), 1, "{subjects:?}");
    assert!(subjects[0].ends_with("from Acme Secure IT waits for your decision"));
    assert!(outbox_to(&app, "cam@vendor.example").await.is_empty());
}

#[tokio::test]
async fn the_person_who_registered_hears_of_the_decision_once() {
    let app = spawn_app().await;
    let lee = app.login_as(Who::ResellerUser).await;
    let r = register(&lee, "Quayside Shipping", "MDRESS", "12,000.00").await;
    assert_eq!(r.status(), 303);
    let path = location(&r);
    let page = lee.text(&path).await;
    let reference = page.split("Deal registration ").nth(1).unwrap()[..12].to_string();
    let cam = app.login_as(Who::ChannelManager).await;
    assert_eq!(
        cam.post(&format!("{path}/approve"), &[("confirm", "yes")])
            .await
            .status(),
        303
    );
    let approved = format!("Deal registration {reference} approved");
    // Lee holds no deal registration role, yet registered it; the admin is the role's
    // fallback. Each hears of it once.
    for who in ["sales@reseller.example", "admin@reseller.example"] {
        let mail = outbox_to(&app, who).await;
        assert_eq!(
            mail.iter().filter(|s| **s == approved).count(),
            1,
            "{who}: {mail:?}"
        );
    }
    // When the admin registers, the admin (submitter and fallback) gets one message.
    let dana = app.login_as(Who::ResellerAdmin).await;
    let r = register(&dana, "Pier Nine Logistics", "EMLADV", "8,000.00").await;
    assert_eq!(r.status(), 303);
    let path = location(&r);
    let reference = dana
        .text(&path)
        .await
        .split("Deal registration ")
        .nth(1)
        .unwrap()[..12]
        .to_string();
    cam.post(
        &format!("{path}/reject"),
        &[("reason", "Already in the pipeline"), ("confirm", "yes")],
    )
    .await;
    let rejected = format!("Deal registration {reference} rejected");
    let mail = outbox_to(&app, "admin@reseller.example").await;
    assert_eq!(
        mail.iter().filter(|s| **s == rejected).count(),
        1,
        "{mail:?}"
    );
    assert!(!outbox_to(&app, "sales@reseller.example")
        .await
        .contains(&rejected));
}

#[tokio::test]
async fn extensions_follow_the_limit_and_the_window_and_the_history_lists_each() {
    let app = spawn_app().await;
    let dana = app.login_as(Who::ResellerAdmin).await;
    let path = location(&register(&dana, "Quayside Shipping", "MDRESS", "12000").await);
    let cam = app.login_as(Who::ChannelManager).await;
    let yes = [("confirm", "yes")];
    assert_eq!(
        cam.post(&format!("{path}/approve"), &yes).await.status(),
        303
    );
    // Valid 2026-03-02 to 2026-05-30: extensible within its last 30 days, from 2026-05-01.
    assert!(cam
        .text(&path)
        .await
        .contains("It can be extended from 2026-05-01, within the last 30 days of its validity."));
    let r = cam.post(&format!("{path}/extend"), &yes).await;
    assert_eq!(r.status(), 409);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("can be extended from 2026-05-01"));
    app.clock.advance(Duration::days(60));
    let cam = app.login_as(Who::ChannelManager).await;
    let r = cam.post(&format!("{path}/extend"), &[]).await;
    assert_eq!(r.status(), 200);
    let confirm = r.text().await.unwrap();
    assert!(
        confirm.contains(
            "stays valid until 2026-08-28 instead of 2026-05-30: extension 1 of at most 1."
        ),
        "{confirm}"
    );
    assert_eq!(
        cam.post(&format!("{path}/extend"), &yes).await.status(),
        303
    );
    let page = cam.text(&path).await;
    assert!(
        page.contains("2026-03-02 to 2026-08-28 (1 extension)"),
        "{page}"
    );
    assert!(page.contains("Extended until 2026-08-28 (extension 1 of at most 1)"));
    assert!(page.contains("It was extended 1 time already, the most allowed."));
    // Within the new last 30 days, the limit still holds.
    app.clock.advance(Duration::days(90));
    let cam = app.login_as(Who::ChannelManager).await;
    let r = cam.post(&format!("{path}/extend"), &yes).await;
    assert_eq!(r.status(), 409);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("was extended 1 time already; the limit is 1 extension."));
    // The vendor admin allows two: the second extension goes through.
    sqlx::query(
        "INSERT INTO settings (key, value) VALUES ('deal_registration.max_extensions', '2')",
    )
    .execute(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(
        cam.post(&format!("{path}/extend"), &yes).await.status(),
        303
    );
    let page = cam.text(&path).await;
    assert!(
        page.contains("Extended until 2026-11-26 (extension 2 of at most 2)"),
        "{page}"
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM deal_registration_events WHERE summary LIKE 'Extended%'")
            .await,
        2
    );
}

#[tokio::test]
async fn a_registration_is_approved_for_some_products_and_rejected_for_the_others() {
    let app = spawn_app().await;
    let dana = app.login_as(Who::ResellerAdmin).await;
    let path = location(&register(&dana, "Quayside Shipping", "MDRESS,EMLADV", "12000").await);
    let cam = app.login_as(Who::ChannelManager).await;
    // Unticking a product needs a reason, and approving none is a rejection.
    let r = cam
        .post(&format!("{path}/approve"), &[("families", "MDRESS")])
        .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("Give the reseller the reason why Email"),
        "{html}"
    );
    assert!(
        html.contains("value=\"MDRESS\" checked") && !html.contains("value=\"EMLADV\" checked"),
        "the ticks stay as they were"
    );
    let r = cam
        .post(
            &format!("{path}/approve"),
            &[("families", "NOPE"), ("reason", "x")],
        )
        .await;
    assert_eq!(r.status(), 422, "an unknown family approves nothing");
    assert!(r.text().await.unwrap().contains(
        "Tick at least one product to approve; to approve none, reject the registration."
    ));
    let r = cam
        .post(
            &format!("{path}/approve"),
            &[
                ("families", "MDRESS"),
                ("reason", "Email is already with another partner"),
            ],
        )
        .await;
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("Yes, approve in part"));
    let r = cam
        .post(
            &format!("{path}/approve"),
            &[
                ("families", "MDRESS"),
                ("reason", "Email is already with another partner"),
                ("confirm", "yes"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let page = dana.text(&path).await;
    assert!(
        page.contains("<dt>Not approved for</dt><dd>Email"),
        "{page}"
    );
    assert!(page.contains("Approved for MDR Essentials, valid 2026-03-02 to 2026-05-30; rejected for Email Advanced: Email is already with another partner"), "{page}");
    // The rejected product can be registered again at once; the approved one cannot.
    let customer = app
        .scalar("SELECT id FROM end_customers WHERE name = 'Quayside Shipping'")
        .await;
    let again = register_for(&dana, customer, "EMLADV").await;
    assert_eq!(again.status(), 303);
    let refused = register_for(&dana, customer, "MDRESS").await;
    assert_eq!(refused.status(), 422);
    // Quotes get the deal registration discount on the approved product only.
    let families: Vec<String> = sqlx::query_scalar(
        "SELECT f.family FROM deal_registration_families f JOIN deal_registrations d ON d.id = f.deal_id \
         JOIN end_customers e ON e.id = d.end_customer_id \
         WHERE e.name = 'Quayside Shipping' AND f.decision = 'approved'",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(families, ["MDRESS"]);
    // The mail says so.
    let text: String = sqlx::query_scalar(
        "SELECT text_body FROM outbox WHERE subject LIKE '%approved' AND to_address = 'admin@reseller.example'",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert!(text.contains("It is not approved for Email"), "{text}");
}

#[tokio::test]
async fn the_cams_queue_flags_overlapping_registrations_before_the_decision() {
    let app = spawn_app().await;
    let dana = app.login_as(Who::ResellerAdmin).await;
    let first = location(&register(&dana, "Quayside Shipping", "MDRESS", "12000").await);
    // Another reseller's registration for a customer of the same name is not the same end
    // customer; an overlap is the same end customer. Make one through the database, as an
    // older registration from before the submission check would be.
    let customer = app
        .scalar("SELECT id FROM end_customers WHERE name = 'Quayside Shipping'")
        .await;
    sqlx::query(
        "INSERT INTO deal_registrations (reference, reseller_id, end_customer_id, distributor_id, estimated_msrp, \
         expected_close, status, submitted_at) SELECT 'DR-2025-0999', reseller_id, id, \
         (SELECT id FROM organisations WHERE name = 'Northwind Distribution'), 500000, '2026-05-01', 'submitted', 0 \
         FROM end_customers WHERE id = $1",
    )
    .bind(customer)
    .execute(&app.db.pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO deal_registration_families (deal_id, family) \
         SELECT id, 'MDRESS' FROM deal_registrations WHERE reference = 'DR-2025-0999'",
    )
    .execute(&app.db.pool)
    .await
    .unwrap();
    let cam = app.login_as(Who::ChannelManager).await;
    let queue = cam.text("/deals").await;
    assert!(queue.contains("Overlaps DR-2025-0999"), "{queue}");
    let page = cam.text(&first).await;
    let other = app
        .scalar("SELECT id FROM deal_registrations WHERE reference = 'DR-2025-0999'")
        .await;
    assert!(
        page.contains(&format!(
            "Overlaps <a href=\"/deals/{other}\">DR-2025-0999</a>"
        )),
        "{page}"
    );
    // The reseller does not see the flag: it is the decider's.
    assert!(!dana.text(&first).await.contains("Overlaps"));
}

#[tokio::test]
async fn an_approved_registration_starts_a_pricing_inquiry_that_names_it() {
    let app = spawn_app().await;
    let dana = app.login_as(Who::ResellerAdmin).await;
    // The demo's approved registration of Acme (Harbour Logistics Ltd, Northwind).
    let deal = app
        .scalar("SELECT MIN(id) FROM deal_registrations WHERE status = 'approved'")
        .await;
    let page = dana.text(&format!("/deals/{deal}")).await;
    assert!(
        page.contains(&format!(
            "href=\"/inquiries/new?deal={deal}\">Start a pricing inquiry for this deal"
        )),
        "{page}"
    );
    let form = dana.text(&format!("/inquiries/new?deal={deal}")).await;
    assert!(
        form.contains("For deal registration <a href=\"/deals/"),
        "{form}"
    );
    let harbour = app
        .scalar("SELECT id FROM end_customers WHERE name = 'Harbour Logistics Ltd'")
        .await;
    assert!(
        form.contains(&format!(
            "<option value=\"{harbour}\" selected>Harbour Logistics Ltd"
        )),
        "{form}"
    );
    assert!(form.contains(&format!("name=\"deal\" value=\"{deal}\"")));
    // The registration's end customer wins over what the form says.
    let r = dana
        .post(
            "/inquiries",
            &[
                ("deal", deal.to_string().as_str()),
                ("end_customer", ""),
                ("new_customer_name", "Someone Else Ltd"),
                (
                    "distributor",
                    &app.id_of_org("Northwind Distribution").await.to_string(),
                ),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let inquiry = dana.text(&location(&r)).await;
    assert!(
        inquiry.contains("<dt>Deal registration</dt><dd><a href=\"/deals/"),
        "{inquiry}"
    );
    assert!(inquiry.contains("<dt>End customer</dt><dd>Harbour Logistics Ltd</dd>"));
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM end_customers WHERE name = 'Someone Else Ltd'")
            .await,
        0
    );
    // Another reseller cannot start one for it, nor the distributor or a CAM see the button.
    let alex = app.login_as(Who::OtherResellerAdmin).await;
    let r = alex
        .post(
            "/inquiries",
            &[
                ("deal", deal.to_string().as_str()),
                ("end_customer", ""),
                ("distributor", ""),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("Choose an approved deal registration of yours."));
    let cam = app.login_as(Who::ChannelManager).await;
    assert!(!cam
        .text(&format!("/deals/{deal}"))
        .await
        .contains("Start a pricing inquiry"));
}

#[tokio::test]
async fn a_decision_made_meanwhile_is_a_409_that_keeps_what_was_typed() {
    let app = spawn_app().await;
    let dana = app.login_as(Who::ResellerAdmin).await;
    let path = location(&register(&dana, "Quayside Shipping", "MDRESS", "12000").await);
    let vendor = app.login_as(Who::VendorAdmin).await;
    let cam = app.login_as(Who::ChannelManager).await;
    // The CAM has the page open; the vendor admin approves first.
    assert_eq!(
        vendor
            .post(&format!("{path}/approve"), &[("confirm", "yes")])
            .await
            .status(),
        303
    );
    let r = cam
        .post(
            &format!("{path}/reject"),
            &[
                ("reason", "The customer buys direct <for now>"),
                ("confirm", "yes"),
            ],
        )
        .await;
    assert_eq!(r.status(), 409);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("aria-label=\"Main\""),
        "the frame stays: {html}"
    );
    assert!(html.contains("What you typed"), "{html}");
    assert!(
        html.contains("The customer buys direct &#60;for now&#62;")
            || html.contains("The customer buys direct &lt;for now&gt;"),
        "{html}"
    );
    assert!(
        html.contains(&format!(
            "<a class=\"button\" href=\"{path}\">Open it again with what you typed</a>"
        )),
        "{html}"
    );
    assert!(
        !html.contains("<dt>Csrf token</dt>") && !html.contains("<dt>Confirm</dt>"),
        "no token among what was typed"
    );
    // The registration is decided, so its page no longer offers the rejection: it says so at
    // the top, with the reason the CAM typed, once.
    let page = cam.text(&path).await;
    assert!(page.contains("What you typed was not saved"), "{page}");
    assert!(
        page.contains("The customer buys direct &#60;for now&#62;"),
        "{page}"
    );
    assert!(!cam
        .text(&path)
        .await
        .contains("What you typed was not saved"));
}
