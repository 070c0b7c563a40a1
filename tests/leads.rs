//! Partner leads: assignment by the vendor or a CAM (mail to new_leads), resellers' own leads,
//! updates as activity, 90-day expiry with the 14-day reminder through the sweep, read-only
//! expired leads, and who sees which lead.

use crate::helpers::{location, spawn_app, TestApp, TestClient, Who};
use chrono::{Duration, NaiveDate};
use partner_portal::jobs::sweep;

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

async fn outbox_subjects(app: &TestApp, email: &str) -> Vec<String> {
    sqlx::query_scalar("SELECT subject FROM outbox WHERE to_address = $1 ORDER BY id")
        .bind(email)
        .fetch_all(&app.db.pool)
        .await
        .unwrap()
}

async fn assign(c: &TestClient, reseller: i64, company: &str) -> reqwest::Response {
    c.post(
        "/leads",
        &[
            ("reseller", &reseller.to_string()),
            ("company", company),
            ("contact_name", "Ines Moreau"),
            ("contact_email", "ines@prospect.example"),
            ("interest", "Firewalls for 4 sites"),
            ("notes", ""),
            ("next_step", "Call Ines"),
        ],
    )
    .await
}

async fn add_own(c: &TestClient, company: &str) -> String {
    let r = c
        .post(
            "/leads",
            &[
                ("company", company),
                ("contact_name", "Paul Reyes"),
                ("contact_email", "paul@prospect.example"),
                ("interest", ""),
                ("notes", "Met at the trade fair"),
                ("next_step", ""),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    location(&r)
}

#[tokio::test]
async fn a_cam_assigns_a_lead_and_the_resellers_new_leads_role_is_told() {
    let app = spawn_app().await;
    let acme = app.id_of_org("Acme Secure IT").await;
    let cobalt = app.id_of_org("Cobalt Systems").await;
    // Priya holds Acme's new_leads role.
    let priya = app.id_of_user("renewals@reseller.example").await;
    sqlx::query("INSERT INTO contact_roles (user_id, role) VALUES ($1, 'new_leads')")
        .bind(priya)
        .execute(&app.db.pool)
        .await
        .unwrap();
    let cam = app.login_as(Who::ChannelManager).await;
    // Casey looks after Acme, not Cobalt.
    let refused = assign(&cam, cobalt, "Nope Ltd").await;
    assert_eq!(refused.status(), 422);
    assert!(refused
        .text()
        .await
        .unwrap()
        .contains("Choose the reseller that gets this lead."));

    let r = assign(&cam, acme, "Fjord Fisheries").await;
    assert_eq!(r.status(), 303);
    let path = location(&r);
    let page = cam.text(&path).await;
    assert!(page.contains("is assigned to Acme Secure IT"), "{page}");
    assert!(page.contains("<strong>new</strong>"));
    assert!(
        page.contains("2026-05-31"),
        "expires 90 days after 2026-03-02"
    );
    assert_eq!(
        outbox_subjects(&app, "renewals@reseller.example").await,
        ["New lead: Fjord Fisheries"]
    );
    assert!(outbox_subjects(&app, "admin@reseller.example")
        .await
        .is_empty());

    // Acme sees it; Bluepeak does not; distributors have no lead pages.
    let dana = app.login_as(Who::ResellerAdmin).await;
    assert!(dana.text("/leads").await.contains("Fjord Fisheries"));
    let other = app.login_as(Who::OtherResellerAdmin).await;
    assert!(!other.text("/leads").await.contains("Fjord Fisheries"));
    assert_eq!(other.get(&path).await.status(), 404);
    let staff = app.login_as(Who::DistributorStaff).await;
    assert_eq!(staff.get("/leads").await.status(), 403);
    assert_eq!(staff.get(&path).await.status(), 403);
    // The CAM reads but does not work the lead.
    assert_eq!(
        cam.post(
            &path,
            &[("status", "won"), ("notes", ""), ("next_step", "")]
        )
        .await
        .status(),
        403
    );
}

#[tokio::test]
async fn an_update_is_activity_and_moves_the_expiry() {
    let app = spawn_app().await;
    let dana = app.login_as(Who::ResellerAdmin).await;
    let path = add_own(&dana, "Lakeside Hotels").await;
    app.clock.advance(Duration::days(40));
    let dana = app.login_as(Who::ResellerAdmin).await;
    let bad = dana
        .post(
            &path,
            &[("status", "expired"), ("notes", "x"), ("next_step", "")],
        )
        .await;
    assert_eq!(bad.status(), 422);
    assert!(bad
        .text()
        .await
        .unwrap()
        .contains("Choose new, contacted, qualified, won or lost."));
    let r = dana
        .post(
            &path,
            &[
                ("status", "contacted"),
                ("notes", "Spoke to the IT lead"),
                ("next_step", "Demo on the 20th"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let page = dana.text(&path).await;
    // 2026-03-02 + 40 days = 2026-04-11; + 90 = 2026-07-10.
    assert!(page.contains("it now expires on 2026-07-10"), "{page}");
    assert!(page.contains("Updated status new → contacted; notes; next step: Demo on the 20th"));
    assert!(page.contains("Lee Fischer") || page.contains("Dana Ortiz"));
    // The lead list of Acme, filtered by status, through htmx and plain.
    let fragment = dana
        .get_htmx("/leads?status=contacted")
        .await
        .text()
        .await
        .unwrap();
    assert!(fragment.contains("Lakeside Hotels") && !fragment.contains("<html"));
    assert!(!dana
        .text("/leads?status=new")
        .await
        .contains("Lakeside Hotels"));
}

#[tokio::test]
async fn the_sweep_reminds_once_then_expires_and_the_lead_becomes_read_only() {
    let app = spawn_app().await;
    let dana = app.login_as(Who::ResellerAdmin).await;
    let path = add_own(&dana, "Quarry Road Garage").await;
    let id: i64 = path.rsplit('/').next().unwrap().parse().unwrap();
    let url = "http://portal.test";
    let now = app.clock.timestamp();
    let reminders = || async {
        outbox_subjects(&app, "admin@reseller.example")
            .await
            .into_iter()
            .filter(|s| s.contains("Quarry Road Garage"))
            .count()
    };
    // Created 2026-03-02: the reminder is due on 2026-05-17, expiry on 2026-05-31.
    let status = || async {
        sqlx::query_scalar::<_, String>("SELECT status FROM leads WHERE id = $1")
            .bind(id)
            .fetch_one(&app.db.pool)
            .await
            .unwrap()
    };
    sweep(&app.db, day("2026-05-16"), url, now).await.unwrap();
    assert_eq!(reminders().await, 0);
    sweep(&app.db, day("2026-05-17"), url, now).await.unwrap();
    sweep(&app.db, day("2026-05-18"), url, now).await.unwrap();
    assert_eq!(reminders().await, 1, "the reminder goes out once");
    sweep(&app.db, day("2026-05-30"), url, now).await.unwrap();
    assert_eq!(status().await, "new");
    let s = sweep(&app.db, day("2026-05-31"), url, now).await.unwrap();
    assert_eq!(s.leads.expired, 1);
    assert_eq!(status().await, "expired");
    // A second sweep of the same day changes nothing.
    let again = sweep(&app.db, day("2026-05-31"), url, now).await.unwrap();
    assert_eq!(again.leads.expired, 0);
    // Read-only: no form, and a post is refused without a change.
    app.clock.advance(Duration::days(91));
    let dana = app.login_as(Who::ResellerAdmin).await;
    let page = dana.text(&path).await;
    assert!(page.contains("this lead is read-only"));
    assert!(!page.contains("Save the update"));
    let r = dana
        .post(
            &path,
            &[("status", "won"), ("notes", "late"), ("next_step", "")],
        )
        .await;
    assert_eq!(r.status(), 409);
    assert_eq!(
        app.scalar(&format!(
            "SELECT COUNT(*) FROM leads WHERE id = {id} AND notes = 'late'"
        ))
        .await,
        0
    );
}

#[tokio::test]
async fn an_open_lead_past_its_limit_reads_as_expired_before_the_sweep() {
    let app = spawn_app().await;
    let dana = app.login_as(Who::ResellerAdmin).await;
    let path = add_own(&dana, "Willow Street Vets").await;
    app.clock.advance(Duration::days(90));
    let dana = app.login_as(Who::ResellerAdmin).await;
    let page = dana.text(&path).await;
    assert!(page.contains("<strong>expired</strong>"), "{page}");
    let r = dana
        .post(
            &path,
            &[("status", "contacted"), ("notes", ""), ("next_step", "")],
        )
        .await;
    assert_eq!(r.status(), 409);
    assert!(dana
        .text("/leads?status=expired")
        .await
        .contains("Willow Street Vets"));
}

#[tokio::test]
async fn the_2023_09_18_cleanup_is_the_sweep_for_that_date() {
    let app = spawn_app().await;
    let acme = app.id_of_org("Acme Secure IT").await;
    for (company, last, status) in [
        ("Inactive since June", "2023-06-19", "contacted"),
        ("Exactly ninety", "2023-06-20", "qualified"),
        ("Still warm", "2023-06-21", "new"),
        ("Won long ago", "2022-01-10", "won"),
    ] {
        let last = day(last);
        let expires = partner_portal::domain::lead::expires_on(last);
        sqlx::query(
            "INSERT INTO leads (reseller_id, company, contact_name, contact_email, source, status, created_at, \
             last_activity_on, expires_on) VALUES ($1, $2, 'x', 'x@example.com', 'partner', $3, 0, $4, $5)",
        )
        .bind(acme)
        .bind(company)
        .bind(status)
        .bind(last.to_string())
        .bind(expires.to_string())
        .execute(&app.db.pool)
        .await
        .unwrap();
    }
    let s = sweep(&app.db, day("2023-09-18"), "http://portal.test", 0)
        .await
        .unwrap();
    assert_eq!(s.leads.expired, 2);
    let expired: Vec<String> = sqlx::query_scalar(
        "SELECT company FROM leads WHERE status = 'expired' AND closed_on = '2023-09-18' ORDER BY company",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(expired, ["Exactly ninety"]);
    let still: Vec<String> = sqlx::query_scalar(
        "SELECT company FROM leads WHERE company IN ('Still warm', 'Won long ago') AND status <> 'expired' ORDER BY company",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(still, ["Still warm", "Won long ago"]);
}
