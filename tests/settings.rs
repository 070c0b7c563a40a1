//! The vendor admin's time limits: lead inactivity, the lead reminder and the renewal reminder
//! days, checked on the page and followed by the sweeps.

use crate::helpers::{spawn_app, Who};
use crate::renewals::{bought, reminded};
use chrono::NaiveDate;

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

#[tokio::test]
async fn the_vendor_admin_sets_the_time_limits_and_the_reminders_follow_them() {
    let app = spawn_app().await;
    let admin = app.login_as(Who::VendorAdmin).await;
    let page = admin.text("/admin/settings").await;
    for shown in ["value=\"90\"", "value=\"14\"", "value=\"90, 60, 30\""] {
        assert!(page.contains(shown), "{shown}: {page}");
    }
    // Wrong values: every message next to its field, what was typed kept, nothing saved.
    let r = admin
        .post(
            "/admin/settings",
            &[
                ("lead_days", "ninety"),
                ("lead_reminder_days", "14"),
                ("renewal_days", "90, 60, 30, 10"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    let body = r.text().await.unwrap();
    assert!(body.contains("id=\"lead_days-error\">Enter a number of days from 1 to 365."));
    assert!(body.contains("id=\"renewal_days-error\">Enter one to three numbers of days"));
    assert!(body.contains("value=\"ninety\"") && body.contains("value=\"90, 60, 30, 10\""));
    let r = admin
        .post(
            "/admin/settings",
            &[
                ("lead_days", "30"),
                ("lead_reminder_days", "30"),
                ("renewal_days", "45"),
                ("time_zone", "UTC"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("fewer than 30 days"));
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM settings WHERE key LIKE 'leads.%' OR key LIKE 'renewals.%'"
        )
        .await,
        0
    );

    let r = admin
        .post(
            "/admin/settings",
            &[
                ("lead_days", " 60 "),
                ("lead_reminder_days", "7"),
                ("renewal_days", "45"),
                ("time_zone", "UTC"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let page = admin.text("/admin/settings").await;
    assert!(
        page.contains("renewal reminders go out 45 days before"),
        "{page}"
    );
    assert!(admin
        .text("/admin/audit")
        .await
        .contains("leads 90 days, reminder 14 days; renewal reminders 90, 60, 30; time zone UTC → leads 60 days, reminder 7 days; renewal reminders 45; time zone UTC"));
    let dana = app.login_as(Who::ResellerAdmin).await;
    assert!(dana
        .text("/leads")
        .await
        .contains("after more than 60 days"));

    // Processed 2026-03-02, the entry ends 2027-03-01: 45 days before is 2027-01-15.
    bought(
        &app,
        "Acme Secure IT",
        "Northwind Distribution",
        "EPIXADB10SN12T",
        None,
    )
    .await;
    let url = "http://portal.test";
    for d in ["2026-12-01", "2027-01-14"] {
        partner_portal::jobs::renewal_reminders(&app.db, day(d), url, 0)
            .await
            .unwrap();
        assert!(reminded(&app).await.is_empty(), "{d}");
    }
    partner_portal::jobs::renewal_reminders(&app.db, day("2027-01-15"), url, 0)
        .await
        .unwrap();
    let names: Vec<String> = reminded(&app).await.into_iter().map(|(n, _)| n).collect();
    assert_eq!(names, ["Acme Secure IT", "Northwind Distribution"]);
}
