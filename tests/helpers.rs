//! `spawn_app` and typed helpers, so tests read as what a person does.

use chrono::TimeZone;
use partner_portal::clock::Clock;
use partner_portal::config::Settings;
use partner_portal::db::Db;
use partner_portal::startup::Application;
use rand::distributions::{Alphanumeric, DistString};
use reqwest::header::HeaderMap;
use reqwest::{Response, StatusCode};
use std::sync::Mutex;

/// The people of the demo data, one per access role, plus an admin of another reseller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Who {
    VendorAdmin,
    ChannelManager,
    DistributorAdmin,
    DistributorStaff,
    ResellerAdmin,
    ResellerUser,
    OtherResellerAdmin,
    /// The admin of Southbridge Supply, the second distributor (Bluepeak and Cobalt, not Acme).
    SouthbridgeAdmin,
    /// The second channel account manager (Cobalt, not Acme or Bluepeak).
    SecondChannelManager,
    /// Rhein Distribution GmbH's admin and staff: the distributor that trades in euros.
    EuroDistributorAdmin,
    EuroDistributorStaff,
    /// The admin of Nordlicht IT GmbH, the reseller Rhein supplies (Gold, euros).
    EuroResellerAdmin,
}

impl Who {
    pub const ALL: [Who; 7] = [
        Who::VendorAdmin,
        Who::ChannelManager,
        Who::DistributorAdmin,
        Who::DistributorStaff,
        Who::ResellerAdmin,
        Who::ResellerUser,
        Who::OtherResellerAdmin,
    ];

    pub fn email(self) -> &'static str {
        match self {
            Who::VendorAdmin => "admin@vendor.example",
            Who::ChannelManager => "cam@vendor.example",
            Who::DistributorAdmin => "admin@distributor.example",
            Who::DistributorStaff => "staff@distributor.example",
            Who::ResellerAdmin => "admin@reseller.example",
            Who::ResellerUser => "sales@reseller.example",
            Who::OtherResellerAdmin => "admin@other-reseller.example",
            Who::SouthbridgeAdmin => "admin@southbridge.example",
            Who::SecondChannelManager => "cam2@vendor.example",
            Who::EuroDistributorAdmin => "admin@eu-distributor.example",
            Who::EuroDistributorStaff => "staff@eu-distributor.example",
            Who::EuroResellerAdmin => "admin@eu-reseller.example",
        }
    }
}

pub const PASSWORD: &str = "demo-password";

pub struct TestApp {
    pub address: String,
    pub db: Db,
    pub clock: Clock,
    pub demo: bool,
    /// The folder the portal's demo mailbox reads (its mailer writes there without SMTP).
    pub mailbox_dir: String,
    /// `http://` + the METRICS_BIND listener's address, when the test set one.
    pub metrics_address: Option<String>,
}

/// 2026-03-02 09:00 UTC: tests move this clock; nothing sleeps.
pub fn start_time() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap()
}

pub async fn fresh_database_url() -> String {
    match std::env::var("TEST_DATABASE_URL") {
        Ok(admin_url) if !admin_url.is_empty() => {
            let name = format!(
                "pp_test_{}",
                Alphanumeric
                    .sample_string(&mut rand::thread_rng(), 12)
                    .to_lowercase()
            );
            let admin = Db::connect(&admin_url)
                .await
                .expect("connect to TEST_DATABASE_URL");
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&admin.pool)
                .await
                .expect("create a test database");
            admin.pool.close().await;
            let mut url = url::Url::parse(&admin_url).expect("TEST_DATABASE_URL is a URL");
            url.set_path(&name);
            url.to_string()
        }
        _ => {
            let dir = std::env::temp_dir().join(format!(
                "pp-test-{}",
                Alphanumeric.sample_string(&mut rand::thread_rng(), 12)
            ));
            format!("sqlite://{}/portal.db", dir.display())
        }
    }
}

/// A portal in demo mode (plain-HTTP cookies) with the demo organisations and users.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(true).await
}

pub async fn spawn_app_with(demo: bool) -> TestApp {
    spawn_app_configured(demo, |_| {}).await
}

/// A portal whose settings the test changes first (e.g. TRUSTED_PROXIES).
pub async fn spawn_app_configured(demo: bool, tweak: impl FnOnce(&mut Settings)) -> TestApp {
    let mut settings = Settings::for_database(&fresh_database_url().await);
    settings.session_key = Some("t".repeat(64));
    // Tests deliver mail themselves (mail::worker::try_run_once), and run the sweep and the
    // order processing themselves, at the times they choose: no background job races them.
    settings.mail_worker_secs = 0;
    settings.housekeeping_secs = 0;
    settings.mailbox_dir = std::env::temp_dir()
        .join(format!(
            "pp-mailbox-{}",
            Alphanumeric.sample_string(&mut rand::thread_rng(), 12)
        ))
        .display()
        .to_string();
    tweak(&mut settings);
    let mailbox_dir = settings.mailbox_dir.clone();
    let clock = Clock::fixed(start_time());
    let app = Application::build(settings, demo, clock.clone())
        .await
        .expect("build the app");
    let address = format!("http://127.0.0.1:{}", app.port());
    let metrics_address = app.metrics_address().map(|a| format!("http://{a}"));
    let db = app.db.clone();
    partner_portal::seed::seed_demo(&db, clock.timestamp())
        .await
        .expect("seed demo data");
    tokio::spawn(app.run_until_stopped());
    TestApp {
        address,
        db,
        clock,
        demo,
        mailbox_dir,
        metrics_address,
    }
}

impl TestApp {
    /// A maintenance window from `from` to `until` (the test clock's seconds) pausing these
    /// sections, written straight into the database (as another portal process would).
    pub async fn maintenance_window(
        &self,
        from: i64,
        until: i64,
        message: &str,
        sections: &[&str],
    ) {
        let sections: Vec<String> = sections.iter().map(|s| s.to_string()).collect();
        let mut tx = self.db.pool.begin().await.unwrap();
        partner_portal::db::maintenance::insert(
            &mut tx,
            from,
            until,
            message,
            &sections,
            None,
            self.clock.timestamp(),
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }

    /// The demo's history on the test clock (2026-03-02): schedules, and inquiries in every
    /// state made through the use cases.
    pub async fn seed_history(&self) {
        partner_portal::seed::seed_schedules(&self.db, self.clock.timestamp())
            .await
            .expect("demo schedules");
        partner_portal::seed::journeys::seed_journeys(
            &self.db,
            self.clock.today(),
            self.clock.timestamp(),
        )
        .await
        .expect("demo inquiries");
    }

    pub fn client(&self) -> TestClient {
        TestClient {
            base: self.address.clone(),
            http: http_client(reqwest::header::HeaderMap::new()),
            token: Mutex::new(None),
        }
    }

    /// A client whose every request says it was forwarded for `address` (as a reverse proxy
    /// in front of the portal would add).
    pub fn client_forwarded_for(&self, address: &str) -> TestClient {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(
            "x-forwarded-for",
            reqwest::header::HeaderValue::from_str(address).unwrap(),
        );
        TestClient {
            base: self.address.clone(),
            http: http_client(headers),
            token: Mutex::new(None),
        }
    }

    pub async fn login_as(&self, who: Who) -> TestClient {
        let c = self.client();
        let r = c.login(who.email(), PASSWORD).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{who:?} signs in");
        c
    }

    /// The path of the newest invitation link mailed to `email` (`/invitations/...`).
    pub async fn invitation_path(&self, email: &str) -> String {
        let body: String = sqlx::query_scalar(
            "SELECT text_body FROM outbox WHERE to_address = $1 AND kind = 'invitation' ORDER BY id DESC LIMIT 1",
        )
        .bind(email)
        .fetch_one(&self.db.pool)
        .await
        .expect("an invitation mail");
        let at = body
            .find("/invitations/")
            .expect("a link in the invitation");
        body[at..at + "/invitations/".len() + 43].to_string()
    }

    pub async fn scalar(&self, sql: &str) -> i64 {
        sqlx::query_scalar::<_, i64>(sql)
            .fetch_one(&self.db.pool)
            .await
            .unwrap()
    }

    pub async fn id_of_user(&self, email: &str) -> i64 {
        sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
            .bind(email)
            .fetch_one(&self.db.pool)
            .await
            .unwrap()
    }

    /// The vendor admin creates a reseller of `level` supplied by Northwind; its admin,
    /// admin@<name in lower case, dashed>.example, is invited and has no password yet.
    pub async fn create_reseller(&self, vendor: &TestClient, name: &str, level: &str) -> i64 {
        let cam = self.id_of_user("cam@vendor.example").await.to_string();
        let northwind = self.id_of_org("Northwind Distribution").await.to_string();
        let email = format!("admin@{}.example", name.to_lowercase().replace(' ', "-"));
        let r = vendor
            .post(
                "/admin/organisations",
                &[
                    ("kind", "reseller"),
                    ("name", name),
                    ("partner_level", level),
                    ("cam_user_id", &cam),
                    ("distributor_ids", &northwind),
                    ("admin_name", "Robin Vale"),
                    ("admin_email", &email),
                ],
            )
            .await;
        assert_eq!(r.status(), 303);
        self.id_of_org(name).await
    }

    /// `email`'s user holds the contact role `role` (as the reseller's admin would set it).
    pub async fn grant(&self, email: &str, role: &str) {
        sqlx::query(
            "INSERT INTO contact_roles (user_id, role) SELECT id, $1 FROM users WHERE email = $2",
        )
        .bind(role)
        .bind(email)
        .execute(&self.db.pool)
        .await
        .unwrap();
    }

    pub async fn id_of_org(&self, name: &str) -> i64 {
        sqlx::query_scalar("SELECT id FROM organisations WHERE name = $1")
            .bind(name)
            .fetch_one(&self.db.pool)
            .await
            .unwrap()
    }

    pub async fn audit_actions(&self) -> Vec<String> {
        sqlx::query_scalar("SELECT action FROM audit_log ORDER BY id")
            .fetch_all(&self.db.pool)
            .await
            .unwrap()
    }
}

/// A browser-like client: keeps cookies, does not follow redirects, knows its CSRF token.
pub struct TestClient {
    pub base: String,
    pub http: reqwest::Client,
    token: Mutex<Option<String>>,
}

/// The text after `marker` up to the next `"` (an attribute value, when the marker ends
/// with `value="`).
/// A test client's HTTP client, sending `headers` with every request: cookies kept,
/// redirects not followed, and no connection reused after 2 s idle. The portal closes a
/// connection idle for 5 s (actix-web's keep-alive); a client that kept one longer could send
/// its next request just as the portal closed it and get no answer (`IncompleteMessage`, seen
/// on a loaded CI run: a signed-in client left idle while the others posted).
fn http_client(headers: reqwest::header::HeaderMap) -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .default_headers(headers)
        .redirect(reqwest::redirect::Policy::none())
        .pool_idle_timeout(std::time::Duration::from_secs(2))
        .build()
        .unwrap()
}

pub fn value_after(html: &str, marker: &str) -> Option<String> {
    let start = html.find(marker)? + marker.len();
    let end = html[start..].find('"')? + start;
    Some(html[start..end].to_string())
}

pub fn csrf_in(html: &str) -> Option<String> {
    value_after(html, "name=\"csrf_token\" value=\"")
}

impl TestClient {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn get(&self, path: &str) -> Response {
        self.http.get(self.url(path)).send().await.unwrap()
    }

    pub async fn get_htmx(&self, path: &str) -> Response {
        self.http
            .get(self.url(path))
            .header("HX-Request", "true")
            .send()
            .await
            .unwrap()
    }

    pub async fn text(&self, path: &str) -> String {
        self.get(path).await.text().await.unwrap()
    }

    /// The session's CSRF token, read from a page the way a browser would see it.
    pub async fn token(&self) -> String {
        if let Some(t) = self.token.lock().unwrap().clone() {
            return t;
        }
        let mut html = self.text("/account").await;
        if csrf_in(&html).is_none() {
            html = self.text("/login").await;
        }
        let t = csrf_in(&html).expect("a page with a CSRF token");
        *self.token.lock().unwrap() = Some(t.clone());
        t
    }

    pub fn forget_token(&self) {
        *self.token.lock().unwrap() = None;
    }

    /// A plain form post with the CSRF token, as a browser without JavaScript sends it.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        let token = self.token().await;
        let mut form: Vec<(&str, &str)> = fields.to_vec();
        form.push(("csrf_token", &token));
        self.http
            .post(self.url(path))
            .form(&form)
            .send()
            .await
            .unwrap()
    }

    /// An htmx post: the token in the header, `HX-Request: true`.
    pub async fn post_htmx(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        let token = self.token().await;
        self.http
            .post(self.url(path))
            .header("HX-Request", "true")
            .header("X-CSRF-Token", token)
            .form(fields)
            .send()
            .await
            .unwrap()
    }

    pub async fn post_without_token(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        self.http
            .post(self.url(path))
            .form(fields)
            .send()
            .await
            .unwrap()
    }

    /// Sends an invitation's form: `password`, and `again` as its confirmation.
    pub async fn choose_password(&self, link: &str, password: &str, again: &str) -> Response {
        self.post(link, &[("password", password), ("confirm", again)])
            .await
    }

    pub async fn login(&self, email: &str, password: &str) -> Response {
        self.forget_token();
        let r = self
            .post("/login", &[("email", email), ("password", password)])
            .await;
        self.forget_token();
        r
    }
}

pub fn location(r: &Response) -> String {
    r.headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}

pub fn header(headers: &HeaderMap, name: &str) -> String {
    headers
        .get(name)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}

/// The text of some HTML without its markup, spaces collapsed (tags count as spaces).
pub fn words(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}
