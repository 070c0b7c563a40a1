//! CSRF, sessions, cookie flags, headers and sign-in throttling (PRODUCT.md section 9).

use crate::helpers::{header, location, spawn_app, spawn_app_with, Who, PASSWORD};
use chrono::Duration;

#[tokio::test]
async fn a_post_without_the_csrf_token_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    let admin = app.login_as(Who::ResellerAdmin).await;
    let before = app.scalar("SELECT COUNT(*) FROM users").await;
    let form = [
        ("display_name", "Mallory"),
        ("email", "mallory@reseller.example"),
        ("role", "reseller_user"),
        ("password", "long-enough-password"),
    ];
    let r = admin.post_without_token("/users", &form).await;
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains("Form expired"));
    let mut wrong = form.to_vec();
    wrong.push(("csrf_token", "not-the-token"));
    assert_eq!(
        admin.post_without_token("/users", &wrong).await.status(),
        403
    );
    assert_eq!(app.scalar("SELECT COUNT(*) FROM users").await, before);
    // The same form with the token goes through.
    assert_eq!(admin.post("/users", &form).await.status(), 303);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM users").await, before + 1);
}

#[tokio::test]
async fn a_post_from_another_site_is_refused_even_with_the_token() {
    let app = spawn_app().await;
    let admin = app.login_as(Who::ResellerAdmin).await;
    let token = admin.token().await;
    let r = admin
        .http
        .post(admin.url("/logout"))
        .header("Origin", "https://evil.example")
        .form(&[("csrf_token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    // Still signed in.
    assert_eq!(admin.get("/").await.status(), 200);
    // The portal's own origin is fine.
    let own = admin
        .http
        .post(admin.url("/logout"))
        .header("Origin", admin.base.clone())
        .form(&[("csrf_token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(own.status(), 303);
}

/// The whole `Set-Cookie` line of the session cookie, flags included.
fn set_cookie(r: &reqwest::Response) -> Option<String> {
    set_cookie_named(r, "portal_session").or_else(|| set_cookie_named(r, "__Host-portal_session"))
}

/// The whole `Set-Cookie` line of the cookie `name`.
fn set_cookie_named(r: &reqwest::Response, name: &str) -> Option<String> {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with(&format!("{name}=")))
        .map(str::to_string)
}

/// `portal_session=...`, as a browser sends it back.
fn session_cookie(r: &reqwest::Response) -> Option<String> {
    set_cookie(r).map(|c| c.split(';').next().unwrap_or_default().to_string())
}

#[tokio::test]
async fn the_session_id_changes_at_sign_in_and_is_gone_after_sign_out() {
    let app = spawn_app().await;
    let c = app.client();
    // A visitor who only opens the sign-in page costs no session (row or cookie).
    let sessions = app.scalar("SELECT COUNT(*) FROM sessions").await;
    let page = c.get("/login").await;
    assert_eq!(session_cookie(&page), None);
    assert!(set_cookie_named(&page, "portal_login").is_some_and(|c| c.contains("SameSite=Strict")));
    assert_eq!(app.scalar("SELECT COUNT(*) FROM sessions").await, sessions);
    // A stale session cookie from before is not carried into the sign-in.
    let r = c.login(Who::ResellerUser.email(), PASSWORD).await;
    let after = session_cookie(&r).expect("a new session cookie at sign-in");
    assert_ne!(
        Some(after.clone()),
        session_cookie(&page),
        "session id made at sign-in"
    );
    assert_eq!(c.get("/").await.status(), 200);

    let user = app.id_of_user(Who::ResellerUser.email()).await;
    let out = c.post("/logout", &[]).await;
    assert_eq!(out.status(), 303);
    assert_eq!(location(&out), "/login?signed_out=1");
    assert_eq!(
        app.scalar(&format!(
            "SELECT COUNT(*) FROM sessions WHERE user_id = {user}"
        ))
        .await,
        0
    );

    // Replaying the old cookie from another client does not sign anybody in.
    let replay = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = replay
        .get(c.url("/"))
        .header("Cookie", &after)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/login");
}

#[tokio::test]
async fn disabling_a_user_ends_their_session_at_once() {
    let app = spawn_app().await;
    let sales = app.login_as(Who::ResellerUser).await;
    assert_eq!(sales.get("/").await.status(), 200);
    let admin = app.login_as(Who::ResellerAdmin).await;
    let id = app.id_of_user(Who::ResellerUser.email()).await;
    assert_eq!(
        admin
            .post(&format!("/users/{id}/disable"), &[])
            .await
            .status(),
        303
    );

    let r = sales.get("/").await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/login");
    // And they cannot sign in again.
    let again = app
        .client()
        .login(Who::ResellerUser.email(), PASSWORD)
        .await;
    assert_eq!(again.status(), 401);
    assert!(again
        .text()
        .await
        .unwrap()
        .contains("This account is disabled"));
    // Re-enabled, they can.
    assert_eq!(
        admin
            .post(&format!("/users/{id}/enable"), &[])
            .await
            .status(),
        303
    );
    assert_eq!(
        app.client()
            .login(Who::ResellerUser.email(), PASSWORD)
            .await
            .status(),
        303
    );
}

/// A signed-in page reads the session, its user and the organisation in one query; what it
/// reads is today's user (a rename shows at once, a disabled user is still refused).
#[tokio::test]
async fn the_session_is_read_with_its_user_and_organisation() {
    use partner_portal::db::sessions;
    let app = spawn_app().await;
    let pool = &app.db.pool;
    let lee = app.id_of_user(Who::ResellerUser.email()).await;
    let details = sessions::Details::default();
    sessions::insert(
        pool,
        "signed-in",
        Some(partner_portal::domain::UserId(lee)),
        "{}",
        2_000,
        1_000,
        &details,
    )
    .await
    .unwrap();
    sessions::insert(
        pool,
        "anonymous",
        None,
        "{\"csrf\":\"1\"}",
        2_000,
        1_000,
        &details,
    )
    .await
    .unwrap();
    let (state, user) = sessions::load_with_user(&app.db, "signed-in", 1_500)
        .await
        .unwrap()
        .expect("a live session");
    let user = user.expect("its user");
    assert_eq!(state, "{}");
    assert_eq!(
        (
            user.user.id.0,
            user.user.email.as_str(),
            user.org_name.as_str(),
            user.org_kind
        ),
        (
            lee,
            Who::ResellerUser.email(),
            "Acme Secure IT",
            partner_portal::domain::OrgKind::Reseller
        )
    );
    let (state, nobody) = sessions::load_with_user(&app.db, "anonymous", 1_500)
        .await
        .unwrap()
        .expect("a live anonymous session");
    assert_eq!(
        (state.as_str(), nobody.is_none()),
        ("{\"csrf\":\"1\"}", true)
    );
    assert!(
        sessions::load_with_user(&app.db, "signed-in", 2_000)
            .await
            .unwrap()
            .is_none(),
        "expired"
    );
    assert!(sessions::load_with_user(&app.db, "unknown", 1_500)
        .await
        .unwrap()
        .is_none());

    // Through the portal: the page names the organisation as it is now.
    let sales = app.login_as(Who::ResellerUser).await;
    assert!(sales.text("/").await.contains("Acme Secure IT"));
    sqlx::query("UPDATE organisations SET name = 'Acme Renamed IT' WHERE name = 'Acme Secure IT'")
        .execute(pool)
        .await
        .unwrap();
    assert!(sales.text("/").await.contains("Acme Renamed IT"));
}

#[tokio::test]
async fn idle_sessions_end_after_30_minutes() {
    let app = spawn_app().await;
    let c = app.login_as(Who::ResellerUser).await;
    app.clock.advance(Duration::minutes(29));
    assert_eq!(c.get("/").await.status(), 200, "29 idle minutes are fine");
    app.clock.advance(Duration::minutes(29));
    assert_eq!(
        c.get("/").await.status(),
        200,
        "the last request restarted the idle timer"
    );
    app.clock.advance(Duration::minutes(31));
    let r = c.get("/").await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/login");
}

#[tokio::test]
async fn a_sign_in_lasts_at_most_12_hours_however_busy() {
    let app = spawn_app().await;
    let c = app.login_as(Who::ResellerUser).await;
    for _ in 0..35 {
        app.clock.advance(Duration::minutes(20));
        assert_eq!(c.get("/").await.status(), 200);
    }
    // 11 h 40 min so far; 40 more minutes pass the 12 hours.
    app.clock.advance(Duration::minutes(20));
    assert_eq!(c.get("/").await.status(), 200);
    app.clock.advance(Duration::minutes(21));
    assert_eq!(c.get("/").await.status(), 303);
}

#[tokio::test]
async fn htmx_requests_without_a_session_are_sent_to_the_login_page() {
    let app = spawn_app().await;
    let r = app.client().get_htmx("/users?q=x").await;
    assert_eq!(r.status(), 401);
    assert_eq!(header(r.headers(), "hx-redirect"), "/login");
}

#[tokio::test]
async fn cookies_and_headers_outside_demo_mode() {
    let app = spawn_app_with(false).await;
    let r = app.client().get("/login").await;
    let form = set_cookie_named(&r, "__Host-portal_login").expect("the sign-in form's cookie");
    for flag in ["HttpOnly", "SameSite=Strict", "Secure", "Path=/"] {
        assert!(form.contains(flag), "{flag} missing from {form}");
    }
    // Signing in (the cookie carried by hand: a client on plain HTTP keeps Secure ones back).
    let token = crate::helpers::csrf_in(&r.text().await.unwrap()).unwrap();
    let signed_in = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(app.client().url("/login"))
        .header("Cookie", form.split(';').next().unwrap())
        .form(&[
            ("csrf_token", token.as_str()),
            ("email", Who::ResellerUser.email()),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), 303);
    let cookie = set_cookie(&signed_in).expect("session cookie");
    assert!(cookie.starts_with("__Host-portal_session="), "{cookie}");
    for flag in ["HttpOnly", "SameSite=Lax", "Secure", "Path=/"] {
        assert!(cookie.contains(flag), "{flag} missing from {cookie}");
    }
    assert!(!cookie.contains("Domain="), "{cookie}");
    let r = app.client().get("/login").await;
    let h = r.headers();
    let csp = header(h, "content-security-policy");
    for part in [
        "object-src 'none'",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "script-src 'self'",
    ] {
        assert!(csp.contains(part), "{part} missing from CSP {csp}");
    }
    assert!(!csp.contains("unsafe-inline"));
    assert_eq!(header(h, "x-content-type-options"), "nosniff");
    assert_eq!(header(h, "referrer-policy"), "same-origin");
    assert!(header(h, "strict-transport-security").contains("max-age="));
    let body = r.text().await.unwrap();
    assert!(
        !body.contains("demo-password"),
        "demo accounts are listed in demo mode only"
    );
}

#[tokio::test]
async fn demo_mode_lists_the_demo_accounts_and_sends_no_hsts() {
    let app = spawn_app().await;
    assert!(app.demo);
    let r = app.client().get("/login").await;
    assert_eq!(header(r.headers(), "strict-transport-security"), "");
    let cookie = header(r.headers(), "set-cookie");
    assert!(!cookie.contains("Secure"), "{cookie}");
    let body = r.text().await.unwrap();
    for who in crate::helpers::Who::ALL {
        assert!(body.contains(who.email()), "{} listed", who.email());
    }
    assert!(body.contains("demo-password"));
}

#[tokio::test]
async fn wrong_passwords_and_unknown_accounts_get_the_same_answer_and_are_audited() {
    let app = spawn_app().await;
    let c = app.client();
    let wrong = c.login(Who::ResellerUser.email(), "not-the-password").await;
    assert_eq!(wrong.status(), 401);
    let wrong = wrong.text().await.unwrap();
    let unknown = c.login("nobody@reseller.example", "not-the-password").await;
    assert_eq!(unknown.status(), 401);
    let unknown = unknown.text().await.unwrap();
    let message = "The e-mail address or the password is wrong.";
    assert!(wrong.contains(message) && unknown.contains(message));
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'login_failed'")
            .await,
        2
    );
    c.login(Who::ResellerUser.email(), PASSWORD).await;
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'login'")
            .await,
        1
    );
}

#[tokio::test]
async fn sign_in_is_throttled_after_five_attempts_on_one_account() {
    let app = spawn_app().await;
    let c = app.client();
    for _ in 0..5 {
        assert_eq!(
            c.login(Who::ResellerUser.email(), "guess-guess-guess")
                .await
                .status(),
            401
        );
    }
    let r = c.login(Who::ResellerUser.email(), PASSWORD).await;
    assert_eq!(r.status(), 429, "even the right password waits");
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("Too many sign-in attempts"));
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'login_throttled'")
            .await,
        1
    );
    // Another account from the same address is not locked out.
    assert_eq!(
        c.login(Who::ResellerAdmin.email(), PASSWORD).await.status(),
        303
    );
}

#[tokio::test]
async fn nothing_signed_in_is_cached_and_static_files_are() {
    let app = spawn_app().await;
    partner_portal::seed::seed_schedules(&app.db, app.clock.timestamp())
        .await
        .unwrap();
    let lee = app.login_as(Who::ResellerAdmin).await;
    let customer = app
        .scalar("SELECT id FROM end_customers WHERE name = 'Harbour Logistics Ltd'")
        .await;
    for path in [
        "/".to_string(),
        "/api-tokens".to_string(),
        "/licenses".to_string(),
        "/licenses.csv".to_string(),
        format!("/licenses/{customer}/pdf"),
    ] {
        let r = lee.get(&path).await;
        assert_eq!(r.status(), 200, "{path}");
        assert_eq!(
            r.headers()
                .get("cache-control")
                .and_then(|v| v.to_str().ok()),
            Some("no-store"),
            "{path}"
        );
    }
    let css = lee.get("/static/app.css").await;
    assert_eq!(
        css.headers()
            .get("cache-control")
            .and_then(|v| v.to_str().ok()),
        Some("public, max-age=3600")
    );
}

#[tokio::test]
async fn a_customer_named_like_a_formula_is_not_a_formula_in_the_schedule_csv() {
    let app = spawn_app().await;
    partner_portal::seed::seed_schedules(&app.db, app.clock.timestamp())
        .await
        .unwrap();
    sqlx::query(
        "UPDATE end_customers SET name = '@SUM(1+1)*cmd' WHERE name = 'Harbour Logistics Ltd'",
    )
    .execute(&app.db.pool)
    .await
    .unwrap();
    let staff = app.login_as(Who::DistributorStaff).await;
    let csv = staff.text("/licenses.csv").await;
    assert!(csv.contains("\n'@SUM(1+1)*cmd,Acme Secure IT,"), "{csv}");
    assert!(!csv.contains("\n@SUM"));
}

#[tokio::test]
async fn a_password_change_ends_the_other_sessions_and_renews_this_one() {
    let app = spawn_app().await;
    // The same person signed in twice: the victim, and a stolen session elsewhere.
    let c = app.client();
    let r = c.login(Who::ResellerUser.email(), PASSWORD).await;
    let before = session_cookie(&r).expect("a session at sign-in");
    let thief = app.login_as(Who::ResellerUser).await;
    assert_eq!(thief.get("/").await.status(), 200);

    let r = c
        .post(
            "/account/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", "brand-new-password"),
                ("confirm_password", "brand-new-password"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let after = session_cookie(&r).expect("a new session id");
    assert_ne!(before, after);
    // Still signed in here, told so; the other session is gone.
    let page = c.text("/account").await;
    assert!(page.contains("Everywhere else you were signed in, you are signed out now"));
    let r = thief.get("/").await;
    assert_eq!((r.status().as_u16(), location(&r)), (303, "/login".into()));
    let user = app.id_of_user(Who::ResellerUser.email()).await;
    assert_eq!(
        app.scalar(&format!(
            "SELECT COUNT(*) FROM sessions WHERE user_id = {user}"
        ))
        .await,
        1
    );
    // The old id of this session does not come back either.
    let replay = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = replay
        .get(c.url("/"))
        .header("Cookie", &before)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    // The person is told by mail.
    let subjects: Vec<String> = sqlx::query_scalar(
        "SELECT subject FROM outbox WHERE to_address = $1 AND kind = 'password_changed'",
    )
    .bind(Who::ResellerUser.email())
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(subjects, ["Your Partner Portal password was changed"]);
}

/// Failed sign-ins from `client` to as many accounts as it takes to spend its address's budget
/// (thirty failures, and the one that finds them spent).
/// Fails from one address on many accounts until the address is refused (its budget of 30
/// refills one every 2 s, so a slow machine needs a few more than 31).
async fn exhaust_address(c: &crate::helpers::TestClient) {
    for i in 0..200 {
        let r = c
            .login(&format!("nobody{i}@nowhere.example"), "guess-guess-guess")
            .await;
        if r.status() == 429 {
            assert!(
                i >= 30,
                "refused after {i} failures, before the 30 an address may have"
            );
            return;
        }
    }
    panic!("200 failures from one address and never refused");
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_client_is_throttled_and_audited_alone() {
    let app = crate::helpers::spawn_app_configured(false, |s| {
        s.trusted_proxies = "127.0.0.1/32".into();
    })
    .await;
    let attacker = app.client_forwarded_for("198.51.100.7");
    exhaust_address(&attacker).await;
    let r = attacker.login(Who::ResellerAdmin.email(), PASSWORD).await;
    assert_eq!(r.status(), 429, "the attacker's address is spent");
    // Another client behind the same proxy signs in.
    let colleague = app.client_forwarded_for("198.51.100.8");
    assert_eq!(
        colleague
            .login(Who::ResellerUser.email(), PASSWORD)
            .await
            .status(),
        303
    );
    let ips: Vec<Option<String>> =
        sqlx::query_scalar("SELECT DISTINCT ip FROM audit_log WHERE action = 'login_throttled'")
            .fetch_all(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(ips, [Some("198.51.100.7".to_string())]);
}

#[tokio::test]
async fn without_trusted_proxies_a_forwarded_for_header_is_not_believed() {
    let app = spawn_app().await;
    let liar = app.client_forwarded_for("203.0.113.99");
    assert_eq!(
        liar.login(Who::ResellerUser.email(), "guess-guess-guess")
            .await
            .status(),
        401
    );
    let ip: Option<String> =
        sqlx::query_scalar("SELECT ip FROM audit_log WHERE action = 'login_failed'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(ip.as_deref(), Some("127.0.0.1"));
}

#[tokio::test]
async fn the_current_password_is_guessed_no_faster_than_at_sign_in() {
    let app = spawn_app().await;
    let c = app.login_as(Who::ResellerUser).await;
    let guess = |p: &'static str| {
        let c = &c;
        async move {
            c.post(
                "/account/password",
                &[
                    ("current_password", p),
                    ("new_password", "brand-new-password"),
                    ("confirm_password", "brand-new-password"),
                ],
            )
            .await
        }
    };
    // Five wrong guesses (the successful sign-in before them does not count).
    for _ in 0..5 {
        assert_eq!(guess("guess-guess-guess").await.status(), 422);
    }
    let r = guess(PASSWORD).await;
    assert_eq!(r.status(), 429, "even the right one waits");
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("id=\"current_password-error\">Too many attempts."));
}

#[tokio::test]
async fn probing_shows_in_the_audit_log_a_few_times_not_a_flood() {
    let app = spawn_app().await;
    let alex = app.login_as(Who::OtherResellerAdmin).await;
    // Acme's records, asked for by Bluepeak's admin: "not found", and written down.
    let acme_lead = app
        .scalar("SELECT id FROM leads WHERE company = 'Northgate Freight'")
        .await;
    for _ in 0..20 {
        assert_eq!(alex.get(&format!("/leads/{acme_lead}")).await.status(), 404);
    }
    // A form without its token.
    let r = alex
        .http
        .post(alex.url("/leads"))
        .form(&[("company", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let rows: Vec<(String, String, Option<i64>)> = sqlx::query_as(
        "SELECT action, subject, actor_user_id FROM audit_log \
         WHERE action IN ('not_found', 'csrf_refused') ORDER BY id",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    let alex_id = app.id_of_user(Who::OtherResellerAdmin.email()).await;
    let not_found = rows.iter().filter(|(a, _, _)| a == "not_found").count();
    assert_eq!(not_found, 10, "ten, then one a minute");
    assert!(rows.iter().all(|(_, _, user)| *user == Some(alex_id)));
    assert!(rows
        .iter()
        .any(|(a, s, _)| a == "not_found" && *s == format!("/leads/{acme_lead}")));
    assert!(rows
        .iter()
        .any(|(a, s, _)| a == "csrf_refused" && s == "/leads"));
    // An anonymous visitor's typo is not worth a line.
    app.client().get("/no-such-page").await;
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'not_found' AND actor_user_id IS NULL"
        )
        .await,
        0
    );
}

#[tokio::test]
async fn the_account_page_lists_the_sessions_and_signs_out_any_of_them() {
    let app = spawn_app().await;
    let here = app.login_as(Who::ResellerUser).await;
    let phone = app.login_as(Who::ResellerUser).await;
    let laptop = app.login_as(Who::ResellerUser).await;
    let page = here.text("/account").await;
    assert!(page.contains("<strong>This session</strong>"), "{page}");
    assert_eq!(page.matches("Sign out there").count(), 2, "{page}");
    assert!(page.contains("127.0.0.1"));
    async fn alive(c: &crate::helpers::TestClient) -> bool {
        c.get("/").await.status() == 200
    }
    // Another person cannot end them: their handles are not found for anyone else.
    let handle = crate::helpers::value_after(&page, "action=\"/account/sessions/")
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .to_string();
    let dana = app.login_as(Who::ResellerAdmin).await;
    assert_eq!(
        dana.post(&format!("/account/sessions/{handle}/end"), &[])
            .await
            .status(),
        404
    );
    // One is signed out from here…
    let r = here
        .post(&format!("/account/sessions/{handle}/end"), &[])
        .await;
    assert_eq!(r.status(), 303);
    let (p, l) = (alive(&phone).await, alive(&laptop).await);
    assert!(p != l, "exactly one of the two was ended");
    // …then everything else.
    let r = here.post("/account/sessions/end-others", &[]).await;
    assert_eq!(r.status(), 303);
    let page = here.text("/account").await;
    assert!(
        page.contains("Signed out everywhere else (1 session)."),
        "{page}"
    );
    assert!(!page.contains("Sign out there"));
    assert!(!alive(&phone).await && !alive(&laptop).await);
    assert!(alive(&here).await);
    assert!(alive(&dana).await, "another person's sessions stay");
}

#[tokio::test]
async fn markup_typed_by_one_person_is_text_on_everyone_elses_page() {
    let app = spawn_app().await;
    let dana = app.login_as(Who::ResellerAdmin).await;
    let r = dana
        .post(
            "/leads",
            &[
                (
                    "company",
                    "<script>alert(1)</script><img src=x onerror=alert(2)>",
                ),
                ("contact_name", "\"><svg onload=alert(3)>"),
                ("contact_email", "x@example.com"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let cam = app.login_as(Who::ChannelManager).await;
    for page in [cam.text("/leads").await, cam.text(&location(&r)).await] {
        assert!(
            page.contains("&#60;script&#62;alert(1)&#60;/script&#62;"),
            "{page}"
        );
        assert!(!page.contains("<script>alert") && !page.contains("<img src=x"));
        assert!(!page.contains("<svg onload"));
    }
}

/// SECURITY.md maps ASVS requirements to tests by `file::function`: each one must exist, so
/// a renamed or deleted test cannot leave the page pointing at nothing.
#[test]
fn every_test_security_md_names_exists() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let page = std::fs::read_to_string(root.join("SECURITY.md")).unwrap();
    let mut named = 0;
    for part in page.split('`').skip(1).step_by(2) {
        let Some((file, function)) = part.split_once(".rs::") else {
            continue;
        };
        let path = if file.starts_with("src/") {
            root.join(format!("{file}.rs"))
        } else {
            root.join("tests").join(format!("{file}.rs"))
        };
        let source = std::fs::read_to_string(&path).unwrap_or_else(|_| {
            panic!(
                "SECURITY.md names {part}, but {} is missing",
                path.display()
            )
        });
        assert!(
            source.contains(&format!("fn {function}(")),
            "SECURITY.md names {part}, which does not exist"
        );
        named += 1;
    }
    assert!(named >= 30, "the table names its tests ({named})");
}

#[tokio::test]
async fn a_nul_character_anywhere_gets_a_page_not_a_database_error() {
    let app = spawn_app().await;
    let dana = app.login_as(Who::ResellerAdmin).await;
    for path in [
        "/licenses?customer=%00",
        "/leads?status=new%00",
        "/catalogue?q=a%00b",
    ] {
        let r = dana.get(path).await;
        assert_eq!(r.status(), 400, "{path}");
        assert!(r.text().await.unwrap().contains("NUL character"), "{path}");
    }
    let r = dana
        .post(
            "/leads",
            &[
                ("company", "Nul\0 Ltd"),
                ("contact_name", "x"),
                ("contact_email", "x@example.com"),
            ],
        )
        .await;
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("NUL character"));
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM leads WHERE company LIKE 'Nul%'")
            .await,
        0
    );
}

#[tokio::test]
async fn an_office_signing_in_all_morning_from_one_address_is_never_throttled() {
    let app = spawn_app().await;
    // 56 successful sign-ins from 127.0.0.1 (more than the 30 failures an address may have),
    // eight per account (more than the 5 failures an account may have).
    let people = [
        Who::VendorAdmin,
        Who::ChannelManager,
        Who::DistributorAdmin,
        Who::DistributorStaff,
        Who::ResellerAdmin,
        Who::ResellerUser,
        Who::OtherResellerAdmin,
    ];
    for who in people {
        for _ in 0..8 {
            let r = app.client().login(who.email(), PASSWORD).await;
            assert_eq!(r.status(), 303, "{who:?}");
        }
    }
}

/// A signed-in person's error pages keep the portal's frame (menu, their name, the
/// maintenance banner); a visitor who is not signed in, and an htmx request, get the plain
/// page.
#[tokio::test]
async fn error_pages_keep_the_frame_for_whoever_is_signed_in() {
    let app = spawn_app().await;
    let lee = app.login_as(Who::ResellerUser).await;
    let framed = |html: &str| {
        html.contains("Sign out")
            && html.contains("Lee Fischer")
            && html.contains("href=\"/licenses\"")
    };
    let r = lee.get("/orders/999999").await;
    assert_eq!(r.status(), 404);
    let html = r.text().await.unwrap();
    assert!(html.contains("Page not found") && framed(&html), "{html}");
    let r = lee.get("/no/such/page").await;
    assert_eq!(r.status(), 404);
    assert!(framed(&r.text().await.unwrap()));
    // Not allowed: the menu stays, so the person can go on.
    let r = lee.get("/admin/organisations").await;
    assert_eq!(r.status(), 403);
    let html = r.text().await.unwrap();
    assert!(html.contains("Not allowed") && framed(&html));

    // htmx swaps no menu into a fragment; a visitor has no menu to see.
    let r = lee
        .http
        .get(lee.url("/orders/999999"))
        .header("HX-Request", "true")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    assert!(!r.text().await.unwrap().contains("Sign out"));
    let r = app.client().get("/no/such/page").await;
    assert_eq!(r.status(), 404);
    let html = r.text().await.unwrap();
    assert!(html.contains("Page not found") && !html.contains("Sign out"));

    // A section paused by maintenance: the banner and the menu around the explanation.
    let now = app.clock.timestamp();
    app.maintenance_window(
        now - 3600,
        now + 86_400,
        "Order system migration",
        &["licenses"],
    )
    .await;
    // Past the two seconds the portal keeps its last reading of the windows.
    app.clock.advance(chrono::Duration::seconds(5));
    let lee = app.login_as(Who::ResellerUser).await;
    let r = lee.get("/licenses").await;
    assert_eq!(r.status(), 503);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("Unavailable during maintenance")
            && html.contains("Sign out")
            && html.contains("Lee Fischer"),
        "{html}"
    );
    // The paused section is named in the menu, not linked; the others still are.
    assert!(
        html.contains("(paused for maintenance)") && !html.contains("href=\"/licenses\""),
        "{html}"
    );
    assert!(html.contains("href=\"/inquiries\""));
    let home = lee.text("/").await;
    assert!(home.contains("(paused for maintenance)") && !home.contains("href=\"/licenses\""));
    // Other pages keep the names of what is in the paused section but do not link into it.
    app.seed_history().await;
    let vendor = app.login_as(Who::VendorAdmin).await;
    let orders = vendor.text("/orders").await;
    assert!(
        !orders.contains("href=\"/licenses") && orders.contains("class=\"paused-link\""),
        "{orders}"
    );
    assert!(orders.contains("href=\"/orders/"), "orders are not paused");
    assert_eq!(
        html.matches("Order system migration").count(),
        2,
        "in the banner and in the explanation"
    );
}
