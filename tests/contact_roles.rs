//! Contact roles: the matrix page, who gets which notice, and mail through the outbox to a
//! real SMTP server, with nothing lost while it is down.

use crate::helpers::{location, spawn_app, TestApp, Who};
use crate::smtp_sink;
use partner_portal::config::Settings;
use partner_portal::domain::contact::ContactRole;
use partner_portal::domain::OrgId;
use partner_portal::mail::notify::{notify_role, Notice};
use partner_portal::mail::{worker, Mailer};

async fn roles_of(app: &TestApp, email: &str) -> Vec<String> {
    sqlx::query_scalar("SELECT c.role FROM contact_roles c JOIN users u ON u.id = c.user_id WHERE u.email = $1 ORDER BY c.role")
        .bind(email)
        .fetch_all(&app.db.pool)
        .await
        .unwrap()
}

fn version_in(html: &str) -> String {
    crate::helpers::value_after(html, "id=\"roles-version\" name=\"version\" value=\"").unwrap()
}

#[tokio::test]
async fn the_admin_sees_a_labelled_matrix_with_warnings_for_roles_nobody_holds() {
    let app = spawn_app().await;
    let admin = app.login_as(Who::ResellerAdmin).await;
    let html = admin.text("/contact-roles").await;
    let lee = app.id_of_user(Who::ResellerUser.email()).await;
    assert!(html.contains(&format!("<label class=\"visually-hidden\" for=\"cr-{lee}-marketing\">Marketing for Lee Fischer</label>")));
    assert!(html.contains(
        "Nobody holds Renewals: its notices go to your portal administrators (Dana Ortiz)."
    ));
    assert!(html
        .contains("Nobody holds Marketing: no marketing mail will be sent to your organisation."));
    assert!(
        !html.contains("<th scope=\"col\">Quotes</th>"),
        "quotes is a distributor role"
    );
    // Another reseller's admin sees only their own people.
    let other = app
        .login_as(Who::OtherResellerAdmin)
        .await
        .text("/contact-roles")
        .await;
    assert!(!other.contains("Lee Fischer") && other.contains("Kim Yamada"));
    // A distributor's admin gets the distributor roles.
    let dist = app
        .login_as(Who::DistributorAdmin)
        .await
        .text("/contact-roles")
        .await;
    assert!(dist.contains("Quotes for Sam Patel") && !dist.contains("New leads for"));
}

#[tokio::test]
async fn one_checkbox_is_saved_through_htmx_and_audited() {
    let app = spawn_app().await;
    let admin = app.login_as(Who::ResellerAdmin).await;
    let lee = app.id_of_user(Who::ResellerUser.email()).await.to_string();
    let pair = format!("{lee}:renewals");
    let r = admin
        .post_htmx(
            "/contact-roles/cell",
            &[("user_id", &lee), ("role", "renewals"), ("held", &pair)],
        )
        .await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("Saved: on") && html.contains("checked"));
    assert!(
        !html.contains("Nobody holds Renewals"),
        "the warnings are updated too"
    );
    assert_eq!(
        roles_of(&app, Who::ResellerUser.email()).await,
        ["renewals"]
    );
    // Unticking: the box is not in the form any more.
    let r = admin
        .post_htmx(
            "/contact-roles/cell",
            &[("user_id", &lee), ("role", "renewals")],
        )
        .await;
    assert!(r.text().await.unwrap().contains("Saved: off"));
    assert!(roles_of(&app, Who::ResellerUser.email()).await.is_empty());
    let details: Vec<String> = sqlx::query_scalar(
        "SELECT detail FROM audit_log WHERE action = 'contact_role_changed' ORDER BY id",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(details, ["renewals: off -> on", "renewals: on -> off"]);
}

#[tokio::test]
async fn the_whole_matrix_saves_as_a_plain_form_and_a_stale_one_is_refused() {
    let app = spawn_app().await;
    let admin = app.login_as(Who::ResellerAdmin).await;
    let (lee, priya) = (
        app.id_of_user("sales@reseller.example").await,
        app.id_of_user("renewals@reseller.example").await,
    );
    let html = admin.text("/contact-roles").await;
    let version = version_in(&html);
    let (a, b, c) = (
        format!("{priya}:renewals"),
        format!("{lee}:new_leads"),
        format!("{lee}:marketing"),
    );
    let r = admin
        .post(
            "/contact-roles",
            &[
                ("version", &version),
                ("held", &a),
                ("held", &b),
                ("held", &c),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert!(admin.text(&location(&r)).await.contains("Saved 3 changes."));
    assert_eq!(
        roles_of(&app, "sales@reseller.example").await,
        ["marketing", "new_leads"]
    );

    // The old version is stale now: refused, nothing changed.
    let r = admin
        .post("/contact-roles", &[("version", &version), ("held", &a)])
        .await;
    assert_eq!(r.status(), 409);
    let html = r.text().await.unwrap();
    assert!(html.contains("changed by someone else"));
    // The refusal keeps the menu and shows the roles as they are now, with a fresh version.
    assert!(html.contains("aria-label=\"Main\"") && html.contains("Sign out"));
    assert!(
        html.contains(&format!("value=\"{b}\" checked")),
        "the colleague's change shows"
    );
    assert_ne!(
        version_in(&html),
        version,
        "a save from this page is not refused again"
    );
    assert_eq!(
        roles_of(&app, "sales@reseller.example").await,
        ["marketing", "new_leads"]
    );

    // Another organisation's user, or an unknown role, changes nothing.
    let current = version_in(&admin.text("/contact-roles").await);
    let kim = app.id_of_user("noc@other-reseller.example").await;
    for bad in [
        format!("{kim}:renewals"),
        format!("{lee}:quotes"),
        "999999:renewals".into(),
        "garbage".into(),
    ] {
        let r = admin
            .post("/contact-roles", &[("version", &current), ("held", &bad)])
            .await;
        assert_eq!(r.status(), 400, "{bad}");
        assert!(r.text().await.unwrap().contains("Nothing was changed."));
    }
    let kim_id = kim.to_string();
    let r = admin
        .post_htmx(
            "/contact-roles/cell",
            &[
                ("user_id", &kim_id),
                ("role", "renewals"),
                ("held", &format!("{kim}:renewals")),
            ],
        )
        .await;
    assert_eq!(r.status(), 400);
    assert!(roles_of(&app, "noc@other-reseller.example")
        .await
        .is_empty());
    assert_eq!(
        roles_of(&app, "sales@reseller.example").await,
        ["marketing", "new_leads"]
    );
}

#[tokio::test]
async fn a_reseller_user_sees_their_roles_but_cannot_change_them() {
    let app = spawn_app().await;
    let admin = app.login_as(Who::ResellerAdmin).await;
    let lee = app.id_of_user(Who::ResellerUser.email()).await;
    let pair = format!("{lee}:new_leads");
    admin
        .post_htmx(
            "/contact-roles/cell",
            &[
                ("user_id", &lee.to_string()),
                ("role", "new_leads"),
                ("held", &pair),
            ],
        )
        .await;
    let user = app.login_as(Who::ResellerUser).await;
    let html = user.text("/contact-roles").await;
    assert!(html.contains("<strong>New leads</strong>: leads assigned to you"));
    assert!(!html.contains("type=\"checkbox\""));
    let r = user
        .post_htmx(
            "/contact-roles/cell",
            &[("user_id", &lee.to_string()), ("role", "marketing")],
        )
        .await;
    assert_eq!(r.status(), 403);
    assert_eq!(
        roles_of(&app, Who::ResellerUser.email()).await,
        ["new_leads"]
    );
    // Disabled users hold no roles.
    admin.post(&format!("/users/{lee}/disable"), &[]).await;
    assert!(roles_of(&app, Who::ResellerUser.email()).await.is_empty());
}

fn notice(event: &str) -> Notice {
    Notice {
        kind: "test".into(),
        subject: format!("Subject {event}"),
        heading: "A heading".into(),
        paragraphs: vec!["Something happened.".into()],
        action: None,
    }
}

async fn notify(app: &TestApp, org: i64, role: ContactRole, event: &str) -> Vec<String> {
    let mut tx = app.db.pool.begin().await.unwrap();
    let people = notify_role(
        &mut tx,
        OrgId(org),
        role,
        event,
        &notice(event),
        "http://portal.test",
        app.clock.timestamp(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let mut emails: Vec<String> = people.into_iter().map(|p| p.email).collect();
    emails.sort();
    emails
}

#[tokio::test]
async fn notices_go_to_holders_else_admins_and_marketing_only_to_holders() {
    let app = spawn_app().await;
    let acme = app.id_of_org("Acme Secure IT").await;
    assert_eq!(
        notify(&app, acme, ContactRole::Renewals, "r1").await,
        ["admin@reseller.example"]
    );
    assert!(notify(&app, acme, ContactRole::Marketing, "m1")
        .await
        .is_empty());
    app.grant("renewals@reseller.example", "renewals").await;
    app.grant("sales@reseller.example", "renewals").await;
    app.grant("sales@reseller.example", "marketing").await;
    assert_eq!(
        notify(&app, acme, ContactRole::Renewals, "r2").await,
        ["renewals@reseller.example", "sales@reseller.example"]
    );
    assert_eq!(
        notify(&app, acme, ContactRole::Marketing, "m2").await,
        ["sales@reseller.example"]
    );
    // The same event twice mails once.
    assert!(notify(&app, acme, ContactRole::Renewals, "r2")
        .await
        .is_empty());
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM outbox WHERE dedupe_key LIKE 'r2:%'")
            .await,
        2
    );
    // A disabled holder gets nothing; the other holder still does.
    sqlx::query("UPDATE users SET disabled = 1 WHERE email = 'sales@reseller.example'")
        .execute(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(
        notify(&app, acme, ContactRole::Renewals, "r3").await,
        ["renewals@reseller.example"]
    );
    // Marketing mail carries an unsubscribe link and the List-Unsubscribe URL.
    let url: Option<String> = sqlx::query_scalar(
        "SELECT unsubscribe_url FROM outbox WHERE dedupe_key = 'm2:sales@reseller.example'",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert!(url
        .unwrap()
        .starts_with("http://portal.test/unsubscribe?token="));
}

pub fn smtp_settings(port: u16) -> Settings {
    let mut s = Settings::for_database("sqlite://unused.db");
    s.smtp_url = Some(format!("smtp://127.0.0.1:{port}"));
    s.mail_from = "Partner Portal <portal@vendor.example>".into();
    s
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test]
async fn mail_reaches_a_real_smtp_server_with_the_expected_headers() {
    let app = spawn_app().await;
    let sink = smtp_sink::start(0).await;
    let mailer = Mailer::from_settings(&smtp_settings(sink.port)).unwrap();
    let acme = app.id_of_org("Acme Secure IT").await;
    app.grant("sales@reseller.example", "marketing").await;
    notify(&app, acme, ContactRole::Marketing, "spring-campaign").await;
    notify(&app, acme, ContactRole::Renewals, "renewal-42").await;
    let stats = worker::try_run_once(&app.db, &mailer, app.clock.timestamp())
        .await
        .unwrap();
    assert_eq!(
        stats,
        worker::RunStats {
            sent: 2,
            retrying: 0,
            dead: 0
        }
    );
    let got = sink.messages();
    assert_eq!(got.len(), 2);
    let marketing = got
        .iter()
        .find(|m| m.to == ["sales@reseller.example"])
        .expect("marketing mail to its holder");
    for header in [
        "From: \"Partner Portal\" <portal@vendor.example>",
        "To: \"Lee Fischer\" <sales@reseller.example>",
        "Subject: Subject spring-campaign",
        "Message-ID: <outbox-",
        "Date: Mon, 02 Mar 2026 09:00:00",
        "List-Unsubscribe: <http://portal.test/unsubscribe?token=",
        "List-Unsubscribe-Post: List-Unsubscribe=One-Click",
        "Content-Type: multipart/alternative",
        "Content-Type: text/html",
    ] {
        assert!(
            marketing.data.contains(header),
            "{header} missing in\n{}",
            marketing.data
        );
    }
    let renewal = got
        .iter()
        .find(|m| m.to == ["admin@reseller.example"])
        .expect("renewals fall back to the admin");
    assert!(!renewal.data.contains("List-Unsubscribe"));
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM outbox WHERE status = 'sent'")
            .await,
        2
    );
    // Nothing is sent twice.
    assert_eq!(
        worker::try_run_once(&app.db, &mailer, app.clock.timestamp())
            .await
            .unwrap()
            .sent,
        0
    );
    assert_eq!(sink.messages().len(), 2);
}

#[tokio::test]
async fn mail_waits_while_the_smtp_server_is_down_and_goes_once_it_is_back() {
    let app = spawn_app().await;
    let port = free_port();
    let mailer = Mailer::from_settings(&smtp_settings(port)).unwrap();
    let acme = app.id_of_org("Acme Secure IT").await;
    notify(&app, acme, ContactRole::Renewals, "renewal-7").await;
    let now = app.clock.timestamp();
    let stats = worker::try_run_once(&app.db, &mailer, now).await.unwrap();
    assert_eq!(
        stats,
        worker::RunStats {
            sent: 0,
            retrying: 1,
            dead: 0
        }
    );
    let (status, next, error): (String, i64, Option<String>) =
        sqlx::query_as("SELECT status, next_attempt_at, last_error FROM outbox")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(
        (status.as_str(), next - now),
        ("queued", 60),
        "retried in a minute"
    );
    assert!(error.unwrap().starts_with("SMTP:"));
    // Not due yet: nothing happens.
    assert_eq!(
        worker::try_run_once(&app.db, &mailer, now + 30)
            .await
            .unwrap(),
        worker::RunStats::default()
    );

    let sink = smtp_sink::start(port).await;
    let stats = worker::try_run_once(&app.db, &mailer, now + 61)
        .await
        .unwrap();
    assert_eq!(stats.sent, 1);
    assert_eq!(sink.messages().len(), 1);
    assert_eq!(sink.messages()[0].to, ["admin@reseller.example"]);
}

#[tokio::test]
async fn a_permanently_failing_address_ends_dead_with_its_error_and_can_be_retried() {
    let app = spawn_app().await;
    let sink = smtp_sink::start(0).await;
    let mailer = Mailer::from_settings(&smtp_settings(sink.port)).unwrap();
    sqlx::query(
        "UPDATE users SET email = 'bounce@reseller.example' WHERE email = 'admin@reseller.example'",
    )
    .execute(&app.db.pool)
    .await
    .unwrap();
    let acme = app.id_of_org("Acme Secure IT").await;
    notify(&app, acme, ContactRole::Renewals, "renewal-9").await;
    let mut now = app.clock.timestamp();
    let mut waits = Vec::new();
    for _ in 0..6 {
        worker::try_run_once(&app.db, &mailer, now).await.unwrap();
        let next: i64 = app.scalar("SELECT next_attempt_at FROM outbox").await;
        waits.push(next - now);
        now = next;
    }
    assert_eq!(&waits[..5], [60, 300, 1800, 7200, 43200]);
    let (status, attempts, error): (String, i64, Option<String>) =
        sqlx::query_as("SELECT status, attempts, last_error FROM outbox")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!((status.as_str(), attempts), ("dead", 6));
    assert!(
        error.unwrap().contains("No such mailbox here"),
        "the server's answer is kept"
    );
    assert!(sink.messages().is_empty());
}

#[tokio::test]
async fn without_smtp_mail_is_written_to_the_mailbox_folder() {
    let app = spawn_app().await;
    let dir = std::env::temp_dir().join(format!("pp-mailbox-test-{}", rand::random::<u64>()));
    let mut settings = Settings::for_database("sqlite://unused.db");
    settings.mailbox_dir = dir.display().to_string();
    let mailer = Mailer::from_settings(&settings).unwrap();
    let acme = app.id_of_org("Acme Secure IT").await;
    notify(&app, acme, ContactRole::PartnerProgram, "level-change").await;
    assert_eq!(
        worker::try_run_once(&app.db, &mailer, app.clock.timestamp())
            .await
            .unwrap()
            .sent,
        1
    );
    let files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1);
    assert!(files[0].extension().unwrap() == "eml");
    let eml = std::fs::read_to_string(&files[0]).unwrap();
    assert!(eml.contains("To: \"Dana Ortiz\" <admin@reseller.example>"));
    assert!(eml.contains("Subject: Subject level-change"));
    assert!(eml.contains("Hello Dana Ortiz,"));
}

fn message_key(html: &str) -> String {
    crate::helpers::value_after(html, "name=\"message_key\" value=\"").unwrap()
}

#[tokio::test]
async fn a_marketing_message_reaches_exactly_the_marketing_holders_of_the_chosen_levels() {
    let app = spawn_app().await;
    app.grant("sales@reseller.example", "marketing").await; // Acme, Gold
    app.grant("noc@other-reseller.example", "marketing").await; // Bluepeak, Platinum
    app.grant("staff@distributor.example", "marketing").await; // Northwind
    let distributors = app
        .scalar("SELECT COUNT(*) FROM organisations WHERE kind = 'distributor'")
        .await;
    let vendor = app.login_as(Who::VendorAdmin).await;
    let key = message_key(&vendor.text("/admin/messages").await);
    let form = [
        ("kind", "marketing"),
        ("levels", "gold"),
        ("levels", "silver"),
        ("distributors", "1"),
        ("subject", "Spring promotion on Intercept X"),
        (
            "body",
            "Twenty percent off new endpoint licenses.\n\nValid until the end of April.",
        ),
        ("message_key", key.as_str()),
    ];
    let r = vendor.post("/admin/messages", &form).await;
    assert_eq!(r.status(), 303);
    assert!(vendor
        .text(&location(&r))
        .await
        .contains(&format!("Queued “Spring promotion on Intercept X” for 2 people at 3 resellers and {distributors} distributors.")));
    // The same form sent twice mails once.
    assert_eq!(vendor.post("/admin/messages", &form).await.status(), 303);

    let sink = smtp_sink::start(0).await;
    let mailer = Mailer::from_settings(&smtp_settings(sink.port)).unwrap();
    worker::try_run_once(&app.db, &mailer, app.clock.timestamp())
        .await
        .unwrap();
    let got = sink.messages();
    assert_eq!(got.len(), 2, "{got:#?}");
    let mut to: Vec<&str> = got.iter().map(|m| m.to[0].as_str()).collect();
    to.sort();
    assert_eq!(to, ["sales@reseller.example", "staff@distributor.example"]);
    assert!(got.iter().all(
        |m| m.data.contains("Subject: Spring promotion on Intercept X")
            && m.data.contains("Twenty percent off new endpoint licenses.")
    ));

    // A partner program update to Platinum: nobody there holds the role, so the admin gets it.
    let key = message_key(&vendor.text("/admin/messages").await);
    let form = [
        ("kind", "partner_program"),
        ("levels", "platinum"),
        ("subject", "New NFR allotments"),
        ("body", "Your NFR allotment grows next quarter."),
        ("message_key", key.as_str()),
    ];
    assert_eq!(vendor.post("/admin/messages", &form).await.status(), 303);
    worker::try_run_once(&app.db, &mailer, app.clock.timestamp())
        .await
        .unwrap();
    let got = sink.messages();
    assert_eq!(got.len(), 3);
    assert_eq!(got[2].to, ["admin@other-reseller.example"]);

    let bad = vendor
        .post(
            "/admin/messages",
            &[
                ("kind", "marketing"),
                ("subject", ""),
                ("body", ""),
                ("message_key", key.as_str()),
            ],
        )
        .await;
    assert_eq!(bad.status(), 422);
    let html = bad.text().await.unwrap();
    assert!(
        html.contains("Choose at least one partner level, or the distributors.")
            && html.contains("id=\"subject-error\"")
    );
}

#[tokio::test]
async fn the_unsubscribe_link_removes_that_one_role_once_without_a_sign_in() {
    let app = spawn_app().await;
    app.grant("sales@reseller.example", "marketing").await;
    app.grant("sales@reseller.example", "renewals").await;
    let acme = app.id_of_org("Acme Secure IT").await;
    notify(&app, acme, ContactRole::Marketing, "campaign-1").await;
    let url: String =
        sqlx::query_scalar("SELECT unsubscribe_url FROM outbox WHERE unsubscribe_url IS NOT NULL")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    let path = url.trim_start_matches("http://portal.test");
    let anonymous = app.client();
    let page = anonymous.get(path).await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("Stop sending Marketing e-mail to <strong>sales@reseller.example</strong>?")
    );
    assert_eq!(
        roles_of(&app, "sales@reseller.example").await,
        ["marketing", "renewals"],
        "GET changes nothing"
    );

    // The mail client's one-click POST carries only the URL.
    let r = anonymous
        .http
        .post(anonymous.url(path))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("no longer receives Marketing e-mail"));
    assert_eq!(roles_of(&app, "sales@reseller.example").await, ["renewals"]);
    // Single use.
    assert_eq!(
        anonymous
            .http
            .post(anonymous.url(path))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    assert_eq!(anonymous.get(path).await.status(), 404);
    assert_eq!(
        anonymous.get("/unsubscribe?token=made-up").await.status(),
        404
    );
}

#[tokio::test]
async fn the_vendor_admin_sees_dead_mail_and_retries_it() {
    let app = spawn_app().await;
    let acme = app.id_of_org("Acme Secure IT").await;
    notify(&app, acme, ContactRole::Renewals, "renewal-dead").await;
    sqlx::query("UPDATE outbox SET status = 'dead', attempts = 6, last_error = 'SMTP: 550 No such mailbox here'")
        .execute(&app.db.pool)
        .await
        .unwrap();
    let id: i64 = app.scalar("SELECT id FROM outbox").await;
    let vendor = app.login_as(Who::VendorAdmin).await;
    let html = vendor.text("/admin/outbox?status=dead").await;
    assert!(html.contains("SMTP: 550 No such mailbox here"));
    assert!(html.contains(
        "Retry<span class=\"visually-hidden\"> the message to admin@reseller.example</span>"
    ));
    let r = vendor.post(&format!("/admin/outbox/{id}/retry"), &[]).await;
    assert_eq!(r.status(), 303);
    let (status, attempts): (String, i64) = sqlx::query_as("SELECT status, attempts FROM outbox")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!((status.as_str(), attempts), ("queued", 0));
    assert_eq!(
        vendor
            .post(&format!("/admin/outbox/{id}/retry"), &[])
            .await
            .status(),
        404,
        "only dead mail is retried"
    );
}

#[tokio::test]
async fn the_demo_mailbox_shows_each_person_their_mail() {
    let app = spawn_app().await;
    let acme = app.id_of_org("Acme Secure IT").await;
    let bluepeak = app.id_of_org("Bluepeak Managed Services").await;
    notify(&app, acme, ContactRole::Renewals, "renewal-a").await;
    notify(&app, bluepeak, ContactRole::Renewals, "renewal-b").await;
    // The portal's own mailer writes to the app's mailbox folder.
    let dir = app.mailbox_dir.clone();
    let html = app.login_as(Who::VendorAdmin).await.text("/mailbox").await;
    assert!(html.contains("No mail yet."));
    assert!(!html.contains(&dir), "the page names no folder");
    let mut settings = Settings::for_database("sqlite://unused.db");
    settings.mailbox_dir = dir;
    let mailer = Mailer::from_settings(&settings).unwrap();
    worker::try_run_once(&app.db, &mailer, app.clock.timestamp())
        .await
        .unwrap();

    let vendor = app.login_as(Who::VendorAdmin).await;
    let all = vendor.text("/mailbox").await;
    assert_eq!(all.matches("href=\"/mailbox/").count(), 2);
    let dana = app.login_as(Who::ResellerAdmin).await;
    let mine = dana.text("/mailbox").await;
    assert_eq!(mine.matches("href=\"/mailbox/").count(), 1);
    let marker = "href=\"/mailbox/";
    let start = mine.find(marker).unwrap() + marker.len();
    let file = &mine[start..start + mine[start..].find('"').unwrap()];
    let message = dana.text(&format!("/mailbox/{file}")).await;
    assert!(message.contains("<h1>Subject renewal-a</h1>"));
    assert!(
        message.contains("Hello Dana Ortiz,\n\nSomething happened."),
        "{message}"
    );
    // Another reseller's admin cannot open it; nor can anybody outside the folder.
    let alex = app.login_as(Who::OtherResellerAdmin).await;
    assert_eq!(alex.get(&format!("/mailbox/{file}")).await.status(), 404);
    assert_eq!(
        alex.get("/mailbox/..%2F..%2Fetc%2Fpasswd").await.status(),
        404
    );
}

#[tokio::test]
async fn there_is_no_mailbox_outside_demo_mode() {
    let app = crate::helpers::spawn_app_with(false).await;
    // Outside demo mode the cookie is Secure, which a client on plain HTTP keeps to itself:
    // carry it by hand, as a browser behind HTTPS would.
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let named = |r: &reqwest::Response, name: &str| {
        r.headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|c| c.starts_with(&format!("{name}=")))
            .map(|c| c.split(';').next().unwrap().to_string())
    };
    let cookie_of = |r: &reqwest::Response| named(r, "__Host-portal_session");
    let login = http
        .get(format!("{}/login", app.address))
        .send()
        .await
        .unwrap();
    // The sign-in form's token comes in its own cookie, not in a session.
    let cookie = named(&login, "__Host-portal_login").unwrap();
    let token = crate::helpers::csrf_in(&login.text().await.unwrap()).unwrap();
    let r = http
        .post(format!("{}/login", app.address))
        .header("Cookie", &cookie)
        .form(&[
            ("csrf_token", token.as_str()),
            ("email", Who::VendorAdmin.email()),
            ("password", crate::helpers::PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let cookie = cookie_of(&r).unwrap();
    let home = http
        .get(format!("{}/", app.address))
        .header("Cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(home.status(), 200, "signed in");
    assert!(
        !home.text().await.unwrap().contains("href=\"/mailbox\""),
        "no mailbox in the menu"
    );
    let r = http
        .get(format!("{}/mailbox", app.address))
        .header("Cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn smtp_over_starttls_is_attempted_without_a_crypto_provider_panic() {
    // A server that does not offer STARTTLS: with `tls=required` delivery must fail cleanly
    // (kept for a retry), never panic for want of a TLS provider.
    let app = spawn_app().await;
    let sink = smtp_sink::start(0).await;
    let mut settings = smtp_settings(sink.port);
    settings.smtp_url = Some(format!("smtp://127.0.0.1:{}?tls=required", sink.port));
    partner_portal::install_crypto_provider();
    let mailer = Mailer::from_settings(&settings).unwrap();
    let acme = app.id_of_org("Acme Secure IT").await;
    notify(&app, acme, ContactRole::Renewals, "tls-check").await;
    let stats = worker::try_run_once(&app.db, &mailer, app.clock.timestamp())
        .await
        .unwrap();
    assert_eq!(stats.retrying, 1);
    assert!(sink.messages().is_empty());
}

#[tokio::test]
async fn two_delivery_workers_at_once_send_every_message_exactly_once() {
    let app = spawn_app().await;
    let sink = smtp_sink::start(0).await;
    let acme = app.id_of_org("Acme Secure IT").await;
    for i in 0..40 {
        notify(&app, acme, ContactRole::Renewals, &format!("bulk-{i}")).await;
    }
    // Two portal processes' workers, each with its own mailer, claiming side by side.
    let (m1, m2) = (
        Mailer::from_settings(&smtp_settings(sink.port)).unwrap(),
        Mailer::from_settings(&smtp_settings(sink.port)).unwrap(),
    );
    let now = app.clock.timestamp();
    let (a, b) = tokio::join!(
        worker::try_run_once(&app.db, &m1, now),
        worker::try_run_once(&app.db, &m2, now)
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.sent + b.sent, 40, "{a:?} {b:?}");
    assert_eq!(sink.messages().len(), 40);
    let mut subjects: Vec<String> = sink
        .messages()
        .iter()
        .map(|m| {
            m.data
                .lines()
                .find(|l| l.starts_with("Subject:"))
                .unwrap()
                .to_string()
        })
        .collect();
    subjects.sort();
    subjects.dedup();
    assert_eq!(subjects.len(), 40, "no message twice");
}

#[test]
fn mail_flush_delivers_the_outbox_from_the_command_line() {
    let db = crate::cli::temp_database();
    assert!(crate::cli::portal(&db, &["seed-demo"], &[])
        .status
        .success());
    let dir = std::env::temp_dir().join(format!("pp-flush-{}", rand::random::<u64>()));
    let insert = "INSERT INTO outbox (dedupe_key, kind, to_address, to_name, subject, text_body, html_body, next_attempt_at, created_at) \
                  VALUES ('cli-1', 'test', 'dana@reseller.example', 'Dana', 'From cron', 'Hello', '<p>Hello</p>', 0, 0)";
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let pool = partner_portal::db::Db::connect(&db).await.unwrap();
        // The demo's history queued its own mail; this test delivers one message of its own.
        sqlx::query("DELETE FROM outbox")
            .execute(&pool.pool)
            .await
            .unwrap();
        sqlx::query(insert).execute(&pool.pool).await.unwrap();
    });
    let out = crate::cli::portal(
        &db,
        &["mail", "flush"],
        &[("MAILBOX_DIR", dir.to_str().unwrap())],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "sent 1, to retry 0, dead 0"
    );
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
}
