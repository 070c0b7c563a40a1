//! NFR: a joining reseller gets its level's allotment once; requests go to the reseller's
//! CAM, whose approval puts zero-dollar entries on the schedule and whose rejection changes
//! nothing; who may file and decide.

use crate::helpers::{location, spawn_app, TestApp, TestClient, Who};

async fn entries_of(app: &TestApp, reseller: i64) -> Vec<(String, i64, String, String)> {
    sqlx::query_as(
        "SELECT sku, quantity, start_date, end_date FROM license_entries WHERE reseller_id = $1 ORDER BY sku",
    )
    .bind(reseller)
    .fetch_all(&app.db.pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn a_joining_reseller_gets_its_levels_allotment_once() {
    let app = spawn_app().await;
    let vendor = app.login_as(Who::VendorAdmin).await;
    let id = app.create_reseller(&vendor, "Quill Networks", "gold").await;
    let page = vendor.text(&format!("/admin/organisations/{id}")).await;
    assert!(
        page.contains(
            "Its NFR allotment (3 products, zero-dollar, 12 months) is issued as order SO-2026-"
        ),
        "{page}"
    );
    let entries = entries_of(&app, id).await;
    let subs: Vec<_> = entries
        .iter()
        .filter(|e| !e.0.starts_with("HWX310"))
        .collect();
    assert_eq!(subs.len(), 2);
    for (sku, _, start, end) in &subs {
        assert_eq!(&sku[9..13], "NN12", "NFR channel, 12 months: {sku}");
        assert_eq!((start.as_str(), end.as_str()), ("2026-03-02", "2027-03-01"));
    }
    let quantities: Vec<i64> = entries.iter().map(|e| e.1).collect();
    assert_eq!(quantities, [10, 25, 1], "EMLADV B10, EPIXAD B10, HWX310");
    let net: i64 = app
        .scalar(&format!(
            "SELECT CAST(SUM(total_net) AS BIGINT) FROM orders WHERE reseller_id = {id}"
        ))
        .await;
    assert_eq!(net, 0, "zero-dollar");
    // Its admin (nobody holds partner_program yet) hears of it, after the invitation: the
    // notice waits until the admin has chosen a password.
    let mails = || async {
        sqlx::query_as::<_, (String, Option<i64>)>(
            "SELECT subject, held_for FROM outbox WHERE to_address = 'admin@quill-networks.example' ORDER BY id",
        )
        .fetch_all(&app.db.pool)
        .await
        .unwrap()
    };
    let admin = app.id_of_user("admin@quill-networks.example").await;
    let before = mails().await;
    assert_eq!(
        before[..2],
        [
            (
                "You are invited to the Partner Portal for Quill Networks".to_string(),
                None
            ),
            ("Your NFR allotment is issued".to_string(), Some(admin)),
        ]
    );
    assert!(
        before[1..].iter().all(|(_, held)| *held == Some(admin)),
        "{before:?}"
    );
    let link = app.invitation_path("admin@quill-networks.example").await;
    let r = app
        .client()
        .choose_password(&link, "quills-own-password", "quills-own-password")
        .await;
    assert_eq!(r.status(), 303);
    let after = mails().await;
    assert_eq!(after.len(), before.len());
    assert!(after.iter().all(|(_, held)| held.is_none()), "{after:?}");

    // Saving the reseller again, or joining again, issues nothing more.
    let cam = app.id_of_user("cam@vendor.example").await.to_string();
    let northwind = app.id_of_org("Northwind Distribution").await.to_string();
    let r = vendor
        .post(
            &format!("/admin/organisations/{id}"),
            &[
                ("name", "Quill Networks"),
                ("partner_level", "platinum"),
                ("cam_user_id", &cam),
                ("distributor_ids", &northwind),
                ("confirm", "yes"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let ctx = partner_portal::app::Ctx::system(
        app.db.clone(),
        app.clock.today(),
        app.clock.timestamp(),
        "http://portal.test",
    );
    let again = partner_portal::app::nfr::grant_on_join(
        &ctx,
        partner_portal::domain::OrgId(id),
        partner_portal::domain::PartnerLevel::Gold,
    )
    .await
    .unwrap();
    assert_eq!(again, partner_portal::app::nfr::Grant::Already);
    assert_eq!(entries_of(&app, id).await.len(), 3);
    // The reseller sees its allotment used and left.
    let quill = app.client();
    quill
        .login("admin@quill-networks.example", "quills-own-password")
        .await;
    let nfr = quill.text("/nfr").await;
    assert!(nfr.contains("<td>Intercept X Advanced</td><td class=\"num\">50</td><td class=\"num\">25</td><td class=\"num\">25</td>"), "platinum now allots 50 EPIXAD: {nfr}");
}

#[tokio::test]
async fn a_reseller_without_a_level_joins_when_it_gets_one_and_existing_ones_are_untouched() {
    let app = spawn_app().await;
    let vendor = app.login_as(Who::VendorAdmin).await;
    // A reseller from before partner levels (the form requires one for new resellers).
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO organisations (kind, name, created_at) VALUES ('reseller', 'Rowan IT', 0) RETURNING id",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    let cam = app.id_of_user("cam@vendor.example").await.to_string();
    let northwind = app.id_of_org("Northwind Distribution").await.to_string();
    let r = vendor
        .post(
            &format!("/admin/organisations/{id}"),
            &[
                ("name", "Rowan IT"),
                ("partner_level", "silver"),
                ("cam_user_id", &cam),
                ("distributor_ids", &northwind),
            ],
        )
        .await;
    // Joining the program is confirmed first: it issues the allotment.
    assert_eq!(r.status(), 200);
    let confirm = r.text().await.unwrap();
    assert!(
        confirm.contains("Rowan IT joins the partner program at Silver."),
        "{confirm}"
    );
    assert_eq!(entries_of(&app, id).await.len(), 0);
    let r = vendor
        .post(
            &format!("/admin/organisations/{id}"),
            &[
                ("name", "Rowan IT"),
                ("partner_level", "silver"),
                ("cam_user_id", &cam),
                ("distributor_ids", &northwind),
                ("confirm", "yes"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        entries_of(&app, id).await.len(),
        2,
        "silver: EPIXAD B10, EMLADV B01"
    );
    // The demo resellers joined before the allotment table: they have no grant.
    let acme = app.id_of_org("Acme Secure IT").await;
    assert!(entries_of(&app, acme).await.is_empty());
}

async fn file(
    c: &TestClient,
    reseller: Option<i64>,
    sku: &str,
    quantity: &str,
    why: &str,
) -> reqwest::Response {
    let reseller = reseller.map(|r| r.to_string()).unwrap_or_default();
    c.post(
        "/nfr",
        &[
            ("reseller", reseller.as_str()),
            ("sku", sku),
            ("quantity", quantity),
            ("sku", ""),
            ("quantity", ""),
            ("justification", why),
        ],
    )
    .await
}

#[tokio::test]
async fn a_distributor_files_for_its_reseller_and_the_cam_approves_onto_the_schedule() {
    let app = spawn_app().await;
    let acme = app.id_of_org("Acme Secure IT").await;
    let cobalt = app.id_of_org("Cobalt Systems").await;
    let staff = app.login_as(Who::DistributorStaff).await;
    // Northwind does not supply Cobalt.
    let r = file(&staff, Some(cobalt), "EPIXADB10SN12T", "5", "Lab").await;
    assert_eq!(r.status(), 422);
    // A standard SKU is taken as its NFR twin; the justification is required.
    let r = file(&staff, Some(acme), "EPIXADB10SN12T", "5", "").await;
    assert_eq!(r.status(), 422);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("Enter why the reseller needs these licenses."));
    let r = file(
        &staff,
        Some(acme),
        "EPIXADB10SN12T",
        "5",
        "A demo lab for the sales team",
    )
    .await;
    assert_eq!(r.status(), 303);
    let path = location(&r);
    let page = staff.text(&path).await;
    assert!(
        page.contains("Sam Patel of Northwind Distribution, on behalf of Acme Secure IT"),
        "{page}"
    );
    assert!(page.contains("EPIXADB10NN12"), "the NFR twin: {page}");
    let to_cam: Vec<String> =
        sqlx::query_scalar("SELECT subject FROM outbox WHERE to_address = 'cam@vendor.example'")
            .fetch_all(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(to_cam.len(), 1);
    assert!(
        to_cam[0].starts_with("NFR request NFR-2026-")
            && to_cam[0].ends_with("from Acme Secure IT waits for your decision")
    );

    // Neither the distributor, the reseller nor Cobalt's CAM decides.
    assert_eq!(
        staff.post(&format!("{path}/approve"), &[]).await.status(),
        403
    );
    let dana = app.login_as(Who::ResellerAdmin).await;
    assert_eq!(
        dana.post(&format!("{path}/approve"), &[]).await.status(),
        403
    );
    let jordan = app.client();
    jordan
        .login("cam2@vendor.example", crate::helpers::PASSWORD)
        .await;
    assert_eq!(
        jordan.post(&format!("{path}/approve"), &[]).await.status(),
        404
    );

    let cam = app.login_as(Who::ChannelManager).await;
    // The request against the allotment, by product name (Gold: 25 EPIXAD, none used).
    let page = cam.text(&path).await;
    assert!(
        page.contains("Intercept X Advanced: 5 requested, within the 25 left in the allotment."),
        "{page}"
    );
    // Approving says what it does first, and does nothing until confirmed.
    let r = cam.post(&format!("{path}/approve"), &[]).await;
    assert_eq!(r.status(), 200);
    let confirm = r.text().await.unwrap();
    assert!(
        confirm.contains("Issues 5 licenses at no charge to Acme Secure IT"),
        "{confirm}"
    );
    assert!(confirm.contains("Sam Patel (who asked) and Acme Secure IT&#39;s partner program contacts are told by e-mail."));
    assert_eq!(app.scalar("SELECT COUNT(*) FROM orders").await, 0);
    let r = cam
        .post(&format!("{path}/approve"), &[("confirm", "yes")])
        .await;
    assert_eq!(r.status(), 303);
    let page = cam.text(&path).await;
    assert!(page.contains("is processed and on the reseller&#39;s schedule"));
    assert!(
        page.contains("<dt>Decided by</dt><dd>Casey Morgan, 2026-03-02"),
        "{page}"
    );
    // The request links its order, which lists the schedule entries it created.
    let order = app.scalar("SELECT order_id FROM nfr_requests").await;
    assert!(
        page.contains(&format!("<a href=\"/orders/{order}\">SO-2026-")),
        "{page}"
    );
    let entries = entries_of(&app, acme).await;
    assert_eq!(entries.len(), 1);
    assert_eq!(
        (entries[0].1, entries[0].2.as_str(), entries[0].3.as_str()),
        (5, "2026-03-02", "2027-03-01")
    );
    // Sam (the requester) and Acme's partner program role (its admin) are told.
    for to in ["staff@distributor.example", "admin@reseller.example"] {
        let n = app
            .scalar(&format!("SELECT COUNT(*) FROM outbox WHERE to_address = '{to}' AND subject LIKE 'NFR request % approved'"))
            .await;
        assert_eq!(n, 1, "{to}");
    }
    // A second decision is refused.
    assert_eq!(
        cam.post(
            &format!("{path}/reject"),
            &[("reason", "late"), ("confirm", "yes")]
        )
        .await
        .status(),
        409
    );
    // Acme sees it used against its level's allotment (Gold: 25 EPIXAD).
    assert!(dana.text("/nfr").await.contains(
        "<td>Intercept X Advanced</td><td class=\"num\">25</td><td class=\"num\">5</td><td class=\"num\">20</td>"
    ));
}

#[tokio::test]
async fn a_rejection_needs_a_reason_and_changes_nothing() {
    let app = spawn_app().await;
    let lee = app.login_as(Who::ResellerUser).await;
    let r = file(&lee, None, "EMLADVB10NN12", "3", "Own mailboxes").await;
    // An NFR SKU with a wrong check character is named on its line.
    assert_eq!(r.status(), 422);
    let sku = partner_portal::domain::Sku::parse("EPIXADB10SN12T").unwrap();
    let nfr_sku = partner_portal::domain::Sku::build(partner_portal::domain::SkuFields {
        channel: partner_portal::domain::sku::Channel::NotForResale,
        ..sku.fields().clone()
    })
    .unwrap();
    let r = file(&lee, None, nfr_sku.as_str(), "3", "Own endpoints").await;
    assert_eq!(r.status(), 303);
    let path = location(&r);
    let cam = app.login_as(Who::ChannelManager).await;
    let r = cam
        .post(&format!("{path}/reject"), &[("reason", " ")])
        .await;
    assert_eq!(r.status(), 422);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("Give the reason for the rejection."));
    let r = cam
        .post(
            &format!("{path}/reject"),
            &[("reason", "Use the allotment you have")],
        )
        .await;
    assert_eq!(r.status(), 200);
    let confirm = r.text().await.unwrap();
    assert!(
        confirm.contains("Your reason:</strong> Use the allotment you have"),
        "{confirm}"
    );
    assert!(confirm.contains("Yes, reject"));
    let r = cam
        .post(
            &format!("{path}/reject"),
            &[("reason", "Use the allotment you have"), ("confirm", "yes")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let page = lee.text(&path).await;
    assert!(page.contains("<strong>Rejected</strong> — Use the allotment you have"));
    assert_eq!(app.scalar("SELECT COUNT(*) FROM license_entries").await, 0);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM orders").await, 0);
    // Another reseller does not see it.
    let other = app.login_as(Who::OtherResellerAdmin).await;
    assert_eq!(other.get(&path).await.status(), 404);
}

#[tokio::test]
async fn the_vendor_admin_keeps_the_allotment_table() {
    let app = spawn_app().await;
    let vendor = app.login_as(Who::VendorAdmin).await;
    let r = vendor
        .post(
            "/admin/nfr",
            &[
                ("partner_level", "silver"),
                ("product", "NOPE00B10"),
                ("quantity", "3"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("Enter a family and band of the catalogue"));
    // Nine bytes that are not nine characters: refused next to the field, never a panic.
    for hostile in ["AAA𝔸AA", "\u{212A}PIXADB10", "ÄÄÄÄÄÄÄÄÄ"] {
        let r = vendor
            .post(
                "/admin/nfr",
                &[
                    ("partner_level", "silver"),
                    ("product", hostile),
                    ("quantity", "3"),
                ],
            )
            .await;
        assert_eq!(r.status(), 422, "{hostile}");
        assert!(r.text().await.unwrap().contains("Enter a family and band"));
    }
    let r = vendor
        .post(
            "/admin/nfr",
            &[
                ("partner_level", "silver"),
                ("product", "mdress-b10"),
                ("quantity", "4"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert!(vendor
        .text("/admin/nfr")
        .await
        .contains("<td>Silver</td><td>MDRESS</td><td>B10</td><td class=\"num\">4</td>"));
    let r = vendor
        .post(
            "/admin/nfr",
            &[
                ("partner_level", "silver"),
                ("product", "MDRESSB10"),
                ("quantity", "0"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert!(!vendor.text("/admin/nfr").await.contains("<td>MDRESS</td>"));
    let dana = app.login_as(Who::ResellerAdmin).await;
    assert_eq!(dana.get("/admin/nfr").await.status(), 403);
}

#[tokio::test]
async fn a_request_above_the_allotment_says_by_how_much_to_the_requester_and_the_cam() {
    let app = spawn_app().await;
    let lee = app.login_as(Who::ResellerUser).await;
    // Acme is Gold: 25 Intercept X Advanced in the allotment, none used; nothing for MDR.
    let r = lee
        .post(
            "/nfr",
            &[
                ("reseller", ""),
                ("sku", "EPIXADB10SN12T"),
                ("quantity", "30"),
                ("sku", "MDRESSB10SN129"),
                ("quantity", "2"),
                ("justification", "A bigger lab"),
            ],
        )
        .await;
    if r.status() != 303 {
        panic!("{}", r.text().await.unwrap());
    }
    let path = location(&r);
    let cam = app.login_as(Who::ChannelManager).await;
    for page in [lee.text(&path).await, cam.text(&path).await] {
        assert!(
            page.contains(
                "Intercept X Advanced: 30 requested, 25 left in the allotment: 5 above it."
            ),
            "{page}"
        );
    }
    let confirm = cam
        .post(&format!("{path}/approve"), &[])
        .await
        .text()
        .await
        .unwrap();
    assert!(
        confirm.contains("Issues 32 licenses at no charge to Acme Secure IT"),
        "{confirm}"
    );
    assert!(confirm.contains("5 above it."));
}
