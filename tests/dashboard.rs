//! The home page of each role opens on what needs the person, counted from the demo data.

use crate::helpers::{spawn_app, words, Who};

#[tokio::test]
async fn each_home_page_counts_what_waits_for_that_role() {
    let app = spawn_app().await;
    app.seed_history().await;
    let expect = |who: Who, lines: &[&str]| {
        let app = &app;
        let lines: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
        async move {
            let page = words(&app.login_as(who).await.text("/").await);
            for line in lines {
                assert!(page.contains(&line), "{who:?} misses {line:?} in {page}");
            }
            page
        }
    };
    let renewals = [
        "1 subscription to renew within 30 days (MSRP USD 1,050.00)",
        "2 subscriptions to renew within 60 days (MSRP USD 1,740.00)",
        "3 subscriptions to renew within 90 days (MSRP USD 3,260.00)",
        "March 2026 1 USD 1,050.00",
        "April 2026 1 USD 690.00",
        "May 2026 1 USD 1,520.00",
        "August 2026 1 USD 230.00",
    ];
    let reseller = [
        "2 quotes waiting for your answer",
        "1 draft pricing inquiry not submitted yet",
        "1 order waiting to be processed",
        "1 lead expiring within two weeks",
        "0 deal registrations ending within 30 days",
    ];
    expect(Who::ResellerUser, &[&reseller[..], &renewals[..]].concat()).await;
    let distributor = [
        "2 inquiries waiting for a quote",
        "0 quotes lapsing within a week",
        "1 order waiting to be processed",
        // Oldest first, with the reseller, end customer, MSRP and age.
        "Acme Secure IT, Greenfield Clinics, MSRP USD 8,678.00, waiting 6 days",
    ];
    let page = expect(
        Who::DistributorStaff,
        &[&distributor[..], &renewals[..]].concat(),
    )
    .await;
    assert!(page.find("waiting 6 days") < page.find("waiting 2 days"));
    let vendor = [
        "0 deal registrations to decide",
        "0 NFR requests to decide",
        "1 order waiting to be processed",
        "1 idle lead",
        "0 e-mails that could not be delivered",
    ];
    expect(Who::VendorAdmin, &[&vendor[..], &renewals[..]].concat()).await;
    let page = expect(Who::ChannelManager, &["1 idle lead"]).await;
    assert!(
        !page.contains("order") && !page.contains("Renewals due"),
        "a CAM sees no orders or schedules"
    );
    // Nothing of Acme's reaches Bluepeak or Southbridge.
    for who in [Who::OtherResellerAdmin, Who::SouthbridgeAdmin] {
        let page = expect(
            who,
            &[
                "Nothing waits for you right now.",
                "No subscription is due for renewal in the next 12 months.",
            ],
        )
        .await;
        assert!(!page.contains("Greenfield"), "{page}");
    }
}

#[tokio::test]
async fn the_demo_sign_in_page_and_the_mailbox_speak_in_words() {
    let app = spawn_app().await;
    let page = app.client().text("/login").await;
    for shown in [
        "<td><code>admin@reseller.example</code></td><td>Acme Secure IT (reseller)</td><td>Portal administrator</td>",
        "<td>Channel account manager</td>",
    ] {
        assert!(page.contains(shown), "{shown}: {page}");
    }
    for identifier in ["vendor_admin", "reseller_admin", "channel_manager"] {
        assert!(!page.contains(identifier), "{identifier}");
    }
    let mailbox = app.login_as(Who::VendorAdmin).await.text("/mailbox").await;
    assert!(
        !mailbox.contains("pp-mailbox") && !mailbox.contains(".eml"),
        "no folder or file names: {mailbox}"
    );
}

#[tokio::test]
async fn during_a_window_the_home_page_names_paused_sections_without_linking_them() {
    let app = spawn_app().await;
    let now = app.clock.timestamp();
    app.maintenance_window(
        now - 60,
        now + 3600,
        "Order system upgrade",
        &["inquiries", "orders", "licenses"],
    )
    .await;
    app.clock.advance(chrono::Duration::seconds(3));
    for who in [Who::DistributorStaff, Who::ResellerAdmin, Who::VendorAdmin] {
        let c = app.login_as(who).await;
        let home = c.text("/").await;
        for paused in ["href=\"/inquiries", "href=\"/orders", "href=\"/licenses"] {
            assert!(!home.contains(paused), "{who:?} {paused}: {home}");
        }
        assert!(home.contains("(paused for maintenance)"), "{who:?}: {home}");
    }
    // The deal's inquiry button says to come back instead.
    let dana = app.login_as(Who::ResellerAdmin).await;
    let deal = app
        .scalar("SELECT MIN(id) FROM deal_registrations WHERE status = 'approved'")
        .await;
    let page = dana.text(&format!("/deals/{deal}")).await;
    assert!(
        page.contains("Pricing inquiries are paused for maintenance"),
        "{page}"
    );
    assert!(!page.contains("/inquiries/new?deal="));
}
