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
    app.grant("renewals@reseller.example", "new_leads").await;
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
    assert!(page.contains("<strong>New</strong>"));
    assert!(
        !page.contains("Expires on"),
        "a lead from the vendor never expires: {page}"
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
    // The CAM does not work the lead (its status stays) but may add a note, which is not
    // the reseller's activity; another CAM cannot, nor can the other reseller.
    let r = cam
        .post(
            &path,
            &[
                ("status", "won"),
                ("next_step", "Close it"),
                ("note", "Ines prefers a call on Mondays"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let page = cam.text(&path).await;
    assert!(
        page.contains("Your note on the lead Fjord Fisheries is added."),
        "{page}"
    );
    assert!(page.contains("<strong>New</strong>"), "{page}");
    assert!(page.contains("Ines prefers a call on Mondays"));
    assert!(page.contains("Call Ines"), "the next step stays: {page}");
    let second = app.login_as(Who::SecondChannelManager).await;
    assert_eq!(second.post(&path, &[("note", "mine")]).await.status(), 404);
    assert_eq!(other.post(&path, &[("note", "mine")]).await.status(), 404);
    assert_eq!(staff.post(&path, &[("note", "mine")]).await.status(), 403);
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM lead_events WHERE note = 'mine'")
            .await,
        0
    );
}

#[tokio::test]
async fn notes_are_a_log_that_keeps_every_authors_words() {
    let app = spawn_app().await;
    let dana = app.login_as(Who::ResellerAdmin).await;
    let path = add_own(&dana, "Granite Bay Clinic").await;
    let id: i64 = path.rsplit('/').next().unwrap().parse().unwrap();
    let r = dana
        .post(
            &path,
            &[
                ("status", "contacted"),
                ("next_step", "Send the datasheet"),
                ("note", "Called the practice manager.\nShe wants 40 seats."),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    // Someone else at Acme adds a note and changes the next step: Dana's words stay, and the
    // history keeps the next step it replaced.
    let lee = app.login_as(Who::ResellerUser).await;
    let r = lee
        .post(
            &path,
            &[
                ("status", "contacted"),
                ("next_step", "Demo on Friday"),
                ("note", "Datasheet sent; demo booked."),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let page = dana.text(&path).await;
    for words in [
        "Met at the trade fair",
        "Called the practice manager.\nShe wants 40 seats.",
        "Datasheet sent; demo booked.",
        "Status: New → Contacted; Next step: nothing → “Send the datasheet”; Added a note",
        "Next step: “Send the datasheet” → “Demo on Friday”; Added a note",
    ] {
        assert!(page.contains(words), "{words:?} in {page}");
    }
    assert_eq!(
        app.scalar(&format!(
            "SELECT COUNT(*) FROM lead_events WHERE lead_id = {id} AND note IS NOT NULL"
        ))
        .await,
        3
    );

    // Forty days on, a save that changes nothing records nothing and is not activity.
    app.clock.advance(Duration::days(40));
    let dana = app.login_as(Who::ResellerAdmin).await;
    let count = format!("SELECT COUNT(*) FROM lead_events WHERE lead_id = {id}");
    let events = || app.scalar(&count);
    let before = events().await;
    let r = dana
        .post(
            &path,
            &[
                ("status", "contacted"),
                ("next_step", " Demo on Friday "),
                ("note", "   "),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let page = dana.text(&path).await;
    assert!(page.contains("Nothing changed"), "{page}");
    assert_eq!(events().await, before);
    let last: String = sqlx::query_scalar("SELECT last_activity_on FROM leads WHERE id = $1")
        .bind(id)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(
        last, "2026-03-02",
        "a save without a change is not activity"
    );
    // A note alone is activity.
    let r = dana
        .post(
            &path,
            &[
                ("status", "contacted"),
                ("next_step", "Demo on Friday"),
                ("note", "Demo moved to next week"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert!(dana
        .text(&path)
        .await
        .contains("it now expires on 2026-07-11"));
    // A note over the limit is refused next to the field, with what was typed kept.
    let long = "ä".repeat(4001);
    let r = dana
        .post(
            &path,
            &[
                ("status", "won"),
                ("next_step", ""),
                ("note", long.as_str()),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(page.contains("Use at most 4000 characters."));
    assert!(page.contains(&long));
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
            &[("status", "expired"), ("note", "x"), ("next_step", "")],
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
                ("note", "Spoke to the IT lead"),
                ("next_step", "Demo on the 20th"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let page = dana.text(&path).await;
    // 2026-03-02 + 40 days = 2026-04-11; more than 90 days after that is 2026-07-11.
    assert!(page.contains("it now expires on 2026-07-11"), "{page}");
    assert!(page.contains(
        "Status: New → Contacted; Next step: nothing → “Demo on the 20th”; Added a note"
    ));
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
    // Created 2026-03-02: 90 days later is 2026-05-31, so it expires on 2026-06-01 and the
    // reminder is due 14 days before, on 2026-05-18.
    let status = || async {
        sqlx::query_scalar::<_, String>("SELECT status FROM leads WHERE id = $1")
            .bind(id)
            .fetch_one(&app.db.pool)
            .await
            .unwrap()
    };
    sweep(&app.db, day("2026-05-17"), url, now).await.unwrap();
    assert_eq!(reminders().await, 0);
    sweep(&app.db, day("2026-05-18"), url, now).await.unwrap();
    sweep(&app.db, day("2026-05-19"), url, now).await.unwrap();
    assert_eq!(reminders().await, 1, "the reminder goes out once");
    sweep(&app.db, day("2026-05-31"), url, now).await.unwrap();
    assert_eq!(status().await, "new", "exactly 90 days is not more than 90");
    let s = sweep(&app.db, day("2026-06-01"), url, now).await.unwrap();
    assert_eq!(s.leads.expired, 1);
    assert_eq!(status().await, "expired");
    // A second sweep of the same day changes nothing, and the expiry is told once: Acme has no
    // new-leads holder, so its admins hear it.
    let again = sweep(&app.db, day("2026-06-01"), url, now).await.unwrap();
    assert_eq!(again.leads.expired, 0);
    assert_eq!(
        outbox_subjects(&app, "admin@reseller.example")
            .await
            .iter()
            .filter(|s| *s == "Lead Quarry Road Garage has expired")
            .count(),
        1
    );
    // Read-only: no form, and a post is refused without a change.
    app.clock.advance(Duration::days(91));
    let dana = app.login_as(Who::ResellerAdmin).await;
    let page = dana.text(&path).await;
    assert!(page.contains("this lead is read-only"));
    assert!(!page.contains("Save the update"));
    let r = dana
        .post(
            &path,
            &[("status", "won"), ("note", "late"), ("next_step", "")],
        )
        .await;
    assert_eq!(r.status(), 409);
    assert_eq!(
        app.scalar(&format!(
            "SELECT COUNT(*) FROM lead_events WHERE lead_id = {id} AND note = 'late'"
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
    assert!(page.contains("<strong>New</strong>"), "90 days: {page}");
    app.clock.advance(Duration::days(1));
    let dana = app.login_as(Who::ResellerAdmin).await;
    let page = dana.text(&path).await;
    assert!(page.contains("<strong>Expired</strong>"), "{page}");
    let r = dana
        .post(
            &path,
            &[("status", "contacted"), ("note", ""), ("next_step", "")],
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
    for (company, last, status, source) in [
        (
            "Inactive since June 19",
            "2023-06-19",
            "contacted",
            "partner",
        ),
        ("Exactly ninety", "2023-06-20", "qualified", "partner"),
        ("Still warm", "2023-06-21", "new", "partner"),
        ("Won long ago", "2022-01-10", "won", "partner"),
        ("From the vendor", "2023-01-10", "new", "vendor"),
    ] {
        sqlx::query(
            "INSERT INTO leads (reseller_id, company, contact_name, contact_email, source, status, created_at, \
             last_activity_on) VALUES ($1, $2, 'x', 'x@example.com', $3, $4, 0, $5)",
        )
        .bind(acme)
        .bind(company)
        .bind(source)
        .bind(status)
        .bind(last)
        .execute(&app.db.pool)
        .await
        .unwrap();
    }
    let s = sweep(&app.db, day("2023-09-18"), "http://portal.test", 0)
        .await
        .unwrap();
    assert_eq!(s.leads.expired, 1);
    let expired: Vec<String> = sqlx::query_scalar(
        "SELECT company FROM leads WHERE status = 'expired' AND closed_on = '2023-09-18' ORDER BY company",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(expired, ["Inactive since June 19"]);
    let still: Vec<String> = sqlx::query_scalar(
        "SELECT company FROM leads WHERE status <> 'expired' AND created_at = 0 ORDER BY company",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(
        still,
        [
            "Exactly ninety",
            "From the vendor",
            "Still warm",
            "Won long ago"
        ]
    );
}

#[tokio::test]
async fn an_idle_vendor_lead_is_flagged_for_the_cam_who_reassigns_it() {
    let app = spawn_app().await;
    let acme = app.id_of_org("Acme Secure IT").await;
    let bluepeak = app.id_of_org("Bluepeak Managed Services").await;
    let cobalt = app.id_of_org("Cobalt Systems").await;
    let cam = app.login_as(Who::ChannelManager).await;
    let path = location(&assign(&cam, acme, "Granite Quarries").await);
    let reassign = format!("{path}/reassign");
    // 91 days without activity (assigned 2026-03-02): idle, not expired.
    app.clock.advance(Duration::days(91));
    let dana = app.login_as(Who::ResellerAdmin).await;
    let page = dana.text(&path).await;
    assert!(
        page.contains("<strong>New</strong>") && page.contains("<strong>idle</strong>"),
        "{page}"
    );
    assert!(page.contains("Save the update"), "still open for Acme");
    assert!(!dana
        .text("/leads?status=expired")
        .await
        .contains("Granite Quarries"));
    // Acme may not reassign it; the CAM finds it among the idle leads.
    assert_eq!(
        dana.post(&reassign, &[("reseller", &bluepeak.to_string())])
            .await
            .status(),
        403
    );
    let cam = app.login_as(Who::ChannelManager).await;
    assert!(cam
        .text("/leads?status=idle")
        .await
        .contains("Granite Quarries"));
    let page = cam.text(&path).await;
    assert!(page.contains("Give this lead to another partner"), "{page}");
    // Not to a reseller of another CAM, nor to itself.
    for to in [cobalt, acme] {
        let r = cam.post(&reassign, &[("reseller", &to.to_string())]).await;
        assert_eq!(r.status(), 422);
        assert!(r.text().await.unwrap().contains("Choose another reseller"));
    }
    let r = cam
        .post(&reassign, &[("reseller", &bluepeak.to_string())])
        .await;
    assert_eq!(r.status(), 303);
    let page = cam.text(&path).await;
    assert!(
        page.contains("Reassigned from Acme Secure IT to Bluepeak Managed Services"),
        "{page}"
    );
    assert!(!page.contains("<strong>idle</strong>"), "a fresh start");
    // Bluepeak has it (its admin is told), Acme no longer.
    assert!(outbox_subjects(&app, "admin@other-reseller.example")
        .await
        .contains(&"New lead: Granite Quarries".to_string()));
    let alex = app.login_as(Who::OtherResellerAdmin).await;
    assert!(alex.text(&path).await.contains("<strong>New</strong>"));
    let dana = app.login_as(Who::ResellerAdmin).await;
    assert_eq!(dana.get(&path).await.status(), 404);
    // A partner-generated lead cannot be reassigned.
    let own = add_own(&alex, "Alex's own").await;
    let r = cam
        .post(
            &format!("{own}/reassign"),
            &[("reseller", &acme.to_string())],
        )
        .await;
    assert_eq!(r.status(), 409);
}

#[tokio::test]
async fn the_inactivity_limits_are_the_vendor_admins_settings() {
    let app = spawn_app().await;
    for (key, value) in [
        ("leads.inactivity_days", "30"),
        ("leads.reminder_days", "5"),
    ] {
        sqlx::query("INSERT INTO settings (key, value) VALUES ($1, $2)")
            .bind(key)
            .bind(value)
            .execute(&app.db.pool)
            .await
            .unwrap();
    }
    let dana = app.login_as(Who::ResellerAdmin).await;
    let path = add_own(&dana, "Short Fuse Ltd").await;
    let page = dana.text(&path).await;
    // Created 2026-03-02: more than 30 days is 2026-04-02.
    assert!(
        page.contains("2026-04-02 unless there is activity before"),
        "{page}"
    );
    let url = "http://portal.test";
    let told = || async {
        outbox_subjects(&app, "admin@reseller.example")
            .await
            .into_iter()
            .filter(|s| s.contains("Short Fuse"))
            .collect::<Vec<_>>()
    };
    let status = || async {
        sqlx::query_scalar::<_, String>("SELECT status FROM leads WHERE company = 'Short Fuse Ltd'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap()
    };
    sweep(&app.db, day("2026-03-27"), url, 0).await.unwrap();
    assert!(told().await.is_empty());
    sweep(&app.db, day("2026-03-28"), url, 0).await.unwrap();
    assert_eq!(told().await, ["Lead Short Fuse Ltd expires on 2026-04-02"]);
    sweep(&app.db, day("2026-04-01"), url, 0).await.unwrap();
    assert_eq!(status().await, "new");
    sweep(&app.db, day("2026-04-02"), url, 0).await.unwrap();
    assert_eq!(status().await, "expired");
}

#[tokio::test]
async fn one_sweep_tells_each_resellers_own_people_holders_else_admins_else_the_invited_admin() {
    let app = spawn_app().await;
    let vendor = app.login_as(Who::VendorAdmin).await;
    // Acme: Priya holds new_leads, so Dana (its admin) hears nothing. Bluepeak: nobody holds
    // it, so its admin Alex does. Quill (new): only an invited admin, whose mail waits.
    app.grant("renewals@reseller.example", "new_leads").await;
    let quill = app
        .create_reseller(&vendor, "Quill Networks", "silver")
        .await;
    add_own(&app.login_as(Who::ResellerAdmin).await, "Acme Prospect").await;
    let bluepeak_lead = add_own(
        &app.login_as(Who::OtherResellerAdmin).await,
        "Blue Prospect",
    )
    .await;
    // Quill's admin cannot sign in yet: its lead is Bluepeak's, copied.
    let copied = bluepeak_lead.rsplit('/').next().unwrap();
    sqlx::query(&format!(
        "INSERT INTO leads (reseller_id, company, contact_name, contact_email, interest, source, \
         status, next_step, created_by, created_at, last_activity_on) \
         SELECT $1, 'Quill Prospect', contact_name, contact_email, interest, source, status, \
         next_step, NULL, created_at, last_activity_on FROM leads WHERE id = {copied}"
    ))
    .bind(quill)
    .execute(&app.db.pool)
    .await
    .unwrap();
    let url = "http://portal.test";
    let now = app.clock.timestamp();
    let mail = || async {
        sqlx::query_as::<_, (String, String, Option<i64>)>(
            "SELECT to_address, subject, held_for FROM outbox WHERE kind IN ('lead_expiring', 'lead_expired') \
             AND subject LIKE '%Prospect%' ORDER BY to_address, id",
        )
        .fetch_all(&app.db.pool)
        .await
        .unwrap()
    };
    let reminded = sweep(&app.db, day("2026-05-18"), url, now).await.unwrap();
    assert_eq!(reminded.leads.reminded, 3);
    let expired = sweep(&app.db, day("2026-06-01"), url, now).await.unwrap();
    assert_eq!(expired.leads.expired, 3);
    let invited = Some(app.id_of_user("admin@quill-networks.example").await);
    let told = |to: &str, company: &str, held: Option<i64>| {
        [
            (
                to.to_string(),
                format!("Lead {company} expires on 2026-06-01"),
                held,
            ),
            (to.to_string(), format!("Lead {company} has expired"), held),
        ]
    };
    let expected: Vec<_> = [
        told("admin@other-reseller.example", "Blue Prospect", None),
        told("admin@quill-networks.example", "Quill Prospect", invited),
        told("renewals@reseller.example", "Acme Prospect", None),
    ]
    .concat();
    assert_eq!(mail().await, expected);
}
