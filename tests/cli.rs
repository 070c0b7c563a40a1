//! The command line: exit 0 on success, 2 on bad input with the reason on stderr.

use std::process::{Command, Output};

pub fn portal(database_url: &str, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_partner-portal"));
    cmd.args(args)
        .env("DATABASE_URL", database_url)
        .env_remove("SESSION_KEY")
        .env("RUST_LOG", "warn");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run partner-portal")
}

/// A fresh, empty database on the backend the suite runs on.
pub fn temp_database() -> String {
    tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(crate::helpers::fresh_database_url())
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

#[test]
fn migrate_seed_and_create_admin_on_a_fresh_database() {
    let db = temp_database();
    let o = portal(&db, &["migrate"], &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = portal(&db, &["seed-demo"], &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("demo data loaded"));
    let again = portal(&db, &["seed-demo"], &[]);
    assert!(String::from_utf8_lossy(&again.stdout).contains("nothing changed"));

    let o = portal(
        &db,
        &["create-admin", "--email", "Root@Vendor.example"],
        &[("PORTAL_ADMIN_PASSWORD", "a-strong-admin-password")],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout)
        .contains("created vendor administrator root@vendor.example"));
    let dup = portal(
        &db,
        &["create-admin", "--email", "root@vendor.example"],
        &[("PORTAL_ADMIN_PASSWORD", "a-strong-admin-password")],
    );
    assert_eq!(dup.status.code(), Some(2));
    assert!(stderr(&dup).contains("already exists"));
}

#[test]
fn create_admin_generates_a_password_when_none_is_given() {
    let db = temp_database();
    let o = portal(
        &db,
        &["create-admin", "--email", "first@vendor.example"],
        &[],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    let line = out
        .lines()
        .find(|l| l.starts_with("password (shown once): "))
        .expect("password printed");
    assert_eq!(line.trim_start_matches("password (shown once): ").len(), 20);
}

#[test]
fn bad_input_exits_2_with_the_reason() {
    let db = temp_database();
    let o = portal(&db, &["create-admin", "--email", "not-an-email"], &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--email"), "{}", stderr(&o));

    let o = portal(
        &db,
        &["create-admin", "--email", "a@b.example"],
        &[("PORTAL_ADMIN_PASSWORD", "short")],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("at least 12"));

    let o = portal("mysql://root:secret@localhost/x", &["migrate"], &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("sqlite:// or postgres://"));
    assert!(!stderr(&o).contains("secret"));

    let o = portal(&db, &["serve"], &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("SESSION_KEY is required"));

    let o = portal(&db, &["no-such-command"], &[]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn seed_demo_brings_schedules_msp_usage_leads_and_nfr_allotments() {
    let db = temp_database();
    let o = portal(&db, &["seed-demo"], &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let counts = tokio::runtime::Runtime::new().unwrap().block_on(async {
        let pool = partner_portal::db::Db::connect(&db).await.unwrap().pool;
        let mut out = Vec::new();
        for sql in [
            "SELECT COUNT(*) FROM license_entries",
            "SELECT COUNT(*) FROM license_entries WHERE SUBSTR(sku, 11, 1) = 'H'",
            "SELECT COUNT(*) FROM msp_usage",
            "SELECT COUNT(*) FROM leads",
            "SELECT COUNT(*) FROM nfr_allotments",
            "SELECT COUNT(*) FROM orders o LEFT JOIN order_processing p ON p.order_id = o.id WHERE p.order_id IS NULL",
        ] {
            out.push(sqlx::query_scalar::<_, i64>(sql).fetch_one(&pool).await.unwrap());
        }
        out
    });
    assert_eq!(
        counts,
        [10, 1, 4, 6, 10, 1],
        "entries, hardware, MSP usage, leads, allotment rows, unprocessed orders (the accepted demo quote's)"
    );
    // Inquiries in every state, a revised quote among them.
    let statuses = tokio::runtime::Runtime::new().unwrap().block_on(async {
        let pool = partner_portal::db::Db::connect(&db).await.unwrap().pool;
        let statuses: Vec<String> =
            sqlx::query_scalar("SELECT status FROM inquiries ORDER BY status")
                .fetch_all(&pool)
                .await
                .unwrap();
        let revised: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM quotes WHERE version = 2")
            .fetch_one(&pool)
            .await
            .unwrap();
        // The euro zone trades in euros: Nordlicht's inquiries and Rhein's orders.
        let euro: Vec<(String, String, i64)> = sqlx::query_as(
            "SELECT 'inquiries', currency, COUNT(*) FROM inquiries GROUP BY currency \
             UNION ALL SELECT 'orders', currency, COUNT(*) FROM orders GROUP BY currency ORDER BY 1, 2",
        )
        .fetch_all(&pool)
        .await
        .unwrap();
        assert_eq!(
            euro,
            [
                ("inquiries".to_string(), "EUR".to_string(), 3),
                ("inquiries".to_string(), "USD".to_string(), 8),
                ("orders".to_string(), "EUR".to_string(), 2),
                ("orders".to_string(), "USD".to_string(), 9),
            ]
        );
        (statuses, revised)
    });
    assert_eq!(
        statuses,
        (
            [
                "accepted",
                "declined",
                "draft",
                "draft",
                "expired",
                "quoted",
                "quoted",
                "quoted",
                "submitted",
                "submitted",
                "submitted"
            ]
            .map(String::from)
            .to_vec(),
            1
        )
    );
    // The one-time lead cleanup of 2023-09-18 is the sweep for that day; the demo's leads are
    // recent, so it expires none of them.
    let o = portal(&db, &["sweep", "--as-of", "2023-09-18"], &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.starts_with("sweep as of 2023-09-18:") && out.contains("0 leads expired"),
        "{out}"
    );
}

/// Starts `serve --demo` on a free port with its stderr piped (as into a log file), asks for
/// `/healthz`, and returns what it logged up to that request's line.
fn serve_and_log(env: &[(&str, &str)]) -> Vec<String> {
    use std::io::{BufRead, BufReader};
    let db = temp_database();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_partner-portal"));
    cmd.args(["serve", "--demo"])
        .env("DATABASE_URL", &db)
        .env("BIND", format!("127.0.0.1:{port}"))
        .env("RUST_LOG", "info")
        .env(
            "MAILBOX_DIR",
            std::env::temp_dir().join(format!("pp-log-{port}")),
        )
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("start the portal");
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut seen = Vec::new();
    // Wait until it listens, then ask once and read on to the request's line.
    for line in lines.by_ref() {
        let line = line.unwrap();
        let listening = line.contains("listening");
        seen.push(line);
        if listening {
            break;
        }
    }
    let status = tokio::runtime::Runtime::new().unwrap().block_on(async {
        reqwest::get(format!("http://127.0.0.1:{port}/healthz"))
            .await
            .map(|r| r.status().as_u16())
    });
    assert_eq!(status.ok(), Some(200));
    for line in lines.by_ref() {
        let line = line.unwrap();
        let done = line.contains("/healthz");
        seen.push(line);
        if done {
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    seen
}

#[test]
fn logs_are_plain_text_in_a_file_and_json_when_asked() {
    let plain = serve_and_log(&[]);
    assert!(
        plain.iter().all(|l| !l.contains('\u{1b}')),
        "no ANSI colour codes in a log file: {plain:?}"
    );
    let request = plain.last().unwrap();
    assert!(
        request.contains("/healthz") && request.contains("status=200"),
        "{request}"
    );
    // The time it took, in milliseconds.
    let took = request.split("took_ms=").nth(1).unwrap_or_default();
    assert!(
        took.split([' ', '}'])
            .next()
            .is_some_and(|ms| ms.parse::<f64>().is_ok_and(|ms| ms >= 0.0)),
        "{request}"
    );

    let json = serve_and_log(&[("LOG_FORMAT", "json")]);
    for line in &json {
        let parsed: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        assert!(parsed.get("level").is_some(), "{line}");
    }
    let request: serde_json::Value = serde_json::from_str(json.last().unwrap()).unwrap();
    assert_eq!(request["span"]["route"], "/healthz", "{request}");
    assert_eq!(request["span"]["status"], 200, "{request}");
    assert!(request["span"]["took_ms"].is_string(), "{request}");
}
