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
    let marker = "id=\"roles-version\" name=\"version\" value=\"";
    let start = html.find(marker).unwrap() + marker.len();
    html[start..start + html[start..].find('"').unwrap()].to_string()
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
    assert!(!html.contains(">Quotes<"), "quotes is a distributor role");
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
    assert!(r.text().await.unwrap().contains("changed by someone else"));
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

async fn grant(app: &TestApp, email: &str, role: &str) {
    sqlx::query(
        "INSERT INTO contact_roles (user_id, role) SELECT id, $1 FROM users WHERE email = $2",
    )
    .bind(role)
    .bind(email)
    .execute(&app.db.pool)
    .await
    .unwrap();
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
    grant(&app, "renewals@reseller.example", "renewals").await;
    grant(&app, "sales@reseller.example", "renewals").await;
    grant(&app, "sales@reseller.example", "marketing").await;
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

fn smtp_settings(port: u16) -> Settings {
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
    grant(&app, "sales@reseller.example", "marketing").await;
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
