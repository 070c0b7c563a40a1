//! The vendor admin creates and edits distributors and resellers with their first admin.

use crate::helpers::{header, location, spawn_app, TestClient, Who};

async fn create_distributor(
    vendor: &TestClient,
    name: &str,
    admin_email: &str,
) -> reqwest::Response {
    let form = [
        ("kind", "distributor"),
        ("name", name),
        ("admin_name", "Pat Eastgate"),
        ("admin_email", admin_email),
    ];
    vendor.post("/admin/organisations", &form).await
}

#[tokio::test]
async fn vendor_admin_creates_a_reseller_whose_admin_is_invited_and_signs_in() {
    let app = spawn_app().await;
    let vendor = app.login_as(Who::VendorAdmin).await;
    let cam = app.id_of_user("cam2@vendor.example").await.to_string();
    let northwind = app.id_of_org("Northwind Distribution").await.to_string();
    let southbridge = app.id_of_org("Southbridge Supply").await.to_string();
    let r = vendor
        .post(
            "/admin/organisations",
            &[
                ("kind", "reseller"),
                ("name", "Delta Cyber Partners"),
                ("partner_level", "silver"),
                ("cam_user_id", &cam),
                ("distributor_ids", &northwind),
                ("distributor_ids", &southbridge),
                ("is_msp", "on"),
                ("admin_name", "Erin Quinn"),
                ("admin_email", "Erin@Delta.example"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let id = app.id_of_org("Delta Cyber Partners").await;
    assert_eq!(location(&r), format!("/admin/organisations/{id}"));
    let detail = vendor.text(&location(&r)).await;
    assert!(
        detail.contains("Delta Cyber Partners created; an invitation to choose a password went to erin@delta.example (the link works until 2026-03-09"),
        "{detail}"
    );
    assert!(detail.contains("Erin Quinn"));
    assert!(detail.contains("Invited, not signed in yet"), "{detail}");

    let row: (String, String, i64) =
        sqlx::query_as("SELECT partner_level, kind, is_msp FROM organisations WHERE id = $1")
            .bind(id)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(row, ("silver".into(), "reseller".into(), 1));
    let suppliers = app
        .scalar(&format!(
            "SELECT COUNT(*) FROM reseller_distributors WHERE reseller_id = {id}"
        ))
        .await;
    assert_eq!(suppliers, 2);

    // The invitation names the vendor admin; the vendor admin can send a new link.
    let mail: String = sqlx::query_scalar(
        "SELECT text_body FROM outbox WHERE to_address = 'erin@delta.example' AND kind = 'invitation'",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert!(mail.contains("Avery Whitfield of Sentinel Security added you to Delta Cyber Partners on the Partner Portal as portal administrator."), "{mail}");
    let erin_id = app.id_of_user("erin@delta.example").await;
    let first = app.invitation_path("erin@delta.example").await;
    let r = vendor.post(&format!("/users/{erin_id}/invite"), &[]).await;
    assert_eq!(location(&r), format!("/admin/organisations/{id}"));
    let link = app.invitation_path("erin@delta.example").await;
    assert_ne!(first, link);
    // The new admin chooses a password, then signs in (e-mail case does not matter) and sees
    // their organisation.
    let erin = app.client();
    let r = erin
        .choose_password(&link, "erins-own-password", "erins-own-password")
        .await;
    assert_eq!(r.status(), 303);
    let erin = app.client();
    assert_eq!(
        erin.login("erin@delta.EXAMPLE", "erins-own-password")
            .await
            .status(),
        303
    );
    let dash = erin.text("/").await;
    assert!(dash.contains("Delta Cyber Partners"));
    assert!(dash.contains("Portal administrator"));
    assert!(dash.contains("Silver"));
    assert!(dash.contains("Jordan Lee"), "the CAM is shown");
    assert!(dash.contains("Northwind Distribution, Southbridge Supply"));
    assert!(app
        .audit_actions()
        .await
        .contains(&"organisation_created".to_string()));
}

#[tokio::test]
async fn a_reseller_without_level_cam_or_distributor_is_refused_with_messages() {
    let app = spawn_app().await;
    let vendor = app.login_as(Who::VendorAdmin).await;
    let before = app.scalar("SELECT COUNT(*) FROM organisations").await;
    let users_before = app.scalar("SELECT COUNT(*) FROM users").await;
    let r = vendor
        .post(
            "/admin/organisations",
            &[
                ("kind", "reseller"),
                ("name", "  "),
                ("admin_name", "X"),
                ("admin_email", "not-an-email"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    for message in [
        "Enter the organisation&#39;s name.",
        "Choose the reseller&#39;s partner level.",
        "Choose the reseller&#39;s channel account manager.",
        "Choose at least one distributor that supplies this reseller.",
        "An e-mail address has one @",
    ] {
        assert!(html.contains(message), "missing {message:?}");
    }
    assert!(html.contains("aria-invalid=\"true\""));
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM organisations").await,
        before
    );
    assert_eq!(app.scalar("SELECT COUNT(*) FROM users").await, users_before);
}

#[tokio::test]
async fn names_and_admin_emails_must_be_unique() {
    let app = spawn_app().await;
    let vendor = app.login_as(Who::VendorAdmin).await;
    let r = create_distributor(
        &vendor,
        "northwind distribution",
        "staff@distributor.example",
    )
    .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("An organisation with this name exists already."));
    assert!(html.contains("A user with this e-mail address exists already."));
}

#[tokio::test]
async fn a_distributor_needs_no_reseller_details() {
    let app = spawn_app().await;
    let vendor = app.login_as(Who::VendorAdmin).await;
    let r = create_distributor(&vendor, "Eastgate Distribution", "pat@eastgate.example").await;
    assert_eq!(r.status(), 303);
    let pat = app.client();
    let link = app.invitation_path("pat@eastgate.example").await;
    assert_eq!(
        pat.choose_password(&link, "pats-own-password", "pats-own-password")
            .await
            .status(),
        303
    );
    assert!(pat.text("/").await.contains("Distributor administrator"));
    // The new distributor can now be chosen as a supplier.
    assert!(vendor
        .text("/admin/organisations/new")
        .await
        .contains("Eastgate Distribution"));
}

#[tokio::test]
async fn editing_a_reseller_changes_level_and_suppliers_and_audits_before_and_after() {
    let app = spawn_app().await;
    let vendor = app.login_as(Who::VendorAdmin).await;
    let acme = app.id_of_org("Acme Secure IT").await;
    let cam = app.id_of_user("cam@vendor.example").await.to_string();
    let southbridge = app.id_of_org("Southbridge Supply").await.to_string();
    // Priya holds Acme's partner-program role: she hears of the new level, nobody else.
    app.grant("renewals@reseller.example", "partner_program")
        .await;
    let r = vendor
        .post(
            &format!("/admin/organisations/{acme}"),
            &[
                ("name", "Acme Secure IT"),
                ("partner_level", "platinum"),
                ("cam_user_id", &cam),
                ("distributor_ids", &southbridge),
            ],
        )
        .await;
    // A new level is confirmed first, saying what it changes; the other fields come along.
    assert_eq!(r.status(), 200);
    let confirm = r.text().await.unwrap();
    for words in [
        "Change the partner level of Acme Secure IT?",
        "Acme Secure IT&#39;s partner level changes from Gold to Platinum.",
        "Quotes made from today propose the Platinum program discounts",
        "name=\"distributor_ids\" value=\"",
    ] {
        assert!(confirm.contains(words), "{words}: {confirm}");
    }
    let level: String = sqlx::query_scalar("SELECT partner_level FROM organisations WHERE id = $1")
        .bind(acme)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(level, "gold", "nothing changes before the confirmation");
    let r = vendor
        .post(
            &format!("/admin/organisations/{acme}"),
            &[
                ("name", "Acme Secure IT"),
                ("partner_level", "platinum"),
                ("cam_user_id", &cam),
                ("distributor_ids", &southbridge),
                ("confirm", "yes"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let level: String = sqlx::query_scalar("SELECT partner_level FROM organisations WHERE id = $1")
        .bind(acme)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(level, "platinum");
    let told: Vec<(String, String)> = sqlx::query_as(
        "SELECT to_address, subject FROM outbox WHERE kind = 'partner_level_changed'",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(
        told,
        [(
            "renewals@reseller.example".to_string(),
            "Your partner level is now Platinum".to_string()
        )]
    );
    let detail: String =
        sqlx::query_scalar("SELECT detail FROM audit_log WHERE action = 'organisation_updated'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert!(detail.contains("level gold"), "{detail}");
    assert!(detail.contains("level platinum"), "{detail}");
    assert!(
        detail.contains("distributors Northwind Distribution;"),
        "{detail}"
    );
    assert!(
        detail.ends_with("distributors Southbridge Supply"),
        "{detail}"
    );
}

#[tokio::test]
async fn the_vendor_itself_is_not_editable_here() {
    let app = spawn_app().await;
    let vendor = app.login_as(Who::VendorAdmin).await;
    let id = app.id_of_org("Sentinel Security").await;
    assert_eq!(
        vendor
            .get(&format!("/admin/organisations/{id}"))
            .await
            .status(),
        404
    );
    assert_eq!(
        vendor.get("/admin/organisations/999999").await.status(),
        404
    );
    assert_eq!(
        vendor
            .get("/admin/organisations/not-a-number")
            .await
            .status(),
        404
    );
}

#[tokio::test]
async fn the_list_searches_filters_and_pages_by_fifty() {
    let app = spawn_app().await;
    for i in 0..55 {
        sqlx::query(
            "INSERT INTO organisations (kind, name, created_at) VALUES ('distributor', $1, 0)",
        )
        .bind(format!("Bulk Distributor {i:02}"))
        .execute(&app.db.pool)
        .await
        .unwrap();
    }
    let vendor = app.login_as(Who::VendorAdmin).await;
    let count_rows = |html: &str| html.matches("<td><a href=\"/admin/organisations/").count();

    let first = vendor.text("/admin/organisations?kind=distributor").await;
    assert_eq!(count_rows(&first), 50);
    assert!(
        first.contains("58 organisations"),
        "three demo distributors plus 55"
    );
    let next = first
        .split("\" rel=\"next\">Next page")
        .next()
        .and_then(|h| h.rsplit("href=\"").next())
        .expect("a next-page link")
        .replace("&#38;", "&");
    assert!(next.contains("kind=distributor") && next.contains("after="));
    let second = vendor.text(&next).await;
    assert_eq!(count_rows(&second), 8);
    assert!(second.contains("Bulk Distributor 54") && !second.contains("Bulk Distributor 00"));
    assert!(second.contains("Previous page") && second.contains("First page"));
    assert!(!second.contains("Next page"));

    let search = vendor
        .text("/admin/organisations?q=BULK%20distributor%205")
        .await;
    assert_eq!(count_rows(&search), 5, "50..54");
    let resellers = vendor.text("/admin/organisations?kind=reseller").await;
    assert_eq!(count_rows(&resellers), 4);
    let none = vendor.text("/admin/organisations?q=zzz").await;
    assert!(none.contains("No organisation matches this search."));
    // A wildcard typed by a person is a literal character.
    let pct = vendor.text("/admin/organisations?q=%25").await;
    assert_eq!(count_rows(&pct), 0);
}

#[tokio::test]
async fn live_search_answers_htmx_with_the_results_fragment_only() {
    let app = spawn_app().await;
    let vendor = app.login_as(Who::VendorAdmin).await;
    let r = vendor.get_htmx("/admin/organisations?q=acme").await;
    assert_eq!(r.status(), 200);
    assert_eq!(header(r.headers(), "vary"), "HX-Request");
    let html = r.text().await.unwrap();
    assert!(!html.contains("<html"), "a fragment, not a page");
    assert!(html.contains("Acme Secure IT"));
    assert!(!html.contains("Bluepeak"));
    // Without htmx the same URL is a whole page.
    assert!(vendor
        .text("/admin/organisations?q=acme")
        .await
        .contains("<html"));
}

#[tokio::test]
async fn a_live_search_leaves_the_confirmation_for_the_next_whole_page() {
    let app = spawn_app().await;
    let vendor = app.login_as(Who::VendorAdmin).await;
    let id = app
        .scalar("SELECT id FROM organisations WHERE name = 'Southbridge Supply'")
        .await;
    let r = vendor
        .post(
            &format!("/admin/organisations/{id}"),
            &[("name", "Southbridge Supply Ltd")],
        )
        .await;
    assert_eq!(r.status(), 303);
    // A fragment fetched before the redirect target (the live search of another tab) ...
    let fragment = vendor
        .get_htmx("/admin/organisations?q=southbridge")
        .await
        .text()
        .await
        .unwrap();
    assert!(fragment.contains("Southbridge Supply Ltd"));
    assert!(!fragment.contains("Saved the changes"));
    // ... does not take the confirmation away from the page.
    let page = vendor.text(&format!("/admin/organisations/{id}")).await;
    assert!(
        page.contains("Saved the changes to Southbridge Supply Ltd."),
        "the flash is still there"
    );
}
