//! Webhooks: each organisation's systems hear of the events they chose, and only of their own
//! records; every delivery is signed (checked here with `ring`, an HMAC independent of the
//! portal's), tried again on the outbox's schedule, dead after the last try until retried by
//! hand, and never redirected.

use crate::helpers::{spawn_app, value_after, TestApp, Who};
use crate::orders::placed_order;
use partner_portal::webhooks as worker;
use serde_json::Value;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// One request a receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    path: String,
    headers: Vec<(String, String)>,
    pub body: String,
}

impl Received {
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .unwrap_or_else(|| panic!("no {name} header in {:?}", self.headers))
    }
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap()
    }
    fn kind(&self) -> String {
        self.json()["type"].as_str().unwrap().to_string()
    }
}

/// A receiver on 127.0.0.1 that records every request and answers each with the next status
/// of its script (200 once the script is used up); a 302 sends the caller to `/elsewhere`.
pub struct Receiver {
    pub url: String,
    got: Arc<Mutex<Vec<Received>>>,
}

impl Receiver {
    pub fn got(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }
    fn kinds(&self) -> Vec<String> {
        self.got().iter().map(Received::kind).collect()
    }
}

pub async fn receiver(script: &[u16]) -> Receiver {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let got = Arc::new(Mutex::new(Vec::new()));
    let script = Arc::new(Mutex::new(
        script.iter().copied().collect::<VecDeque<u16>>(),
    ));
    let (seen, answers) = (got.clone(), script);
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let Some(request) = read_request(&mut socket).await else {
                continue;
            };
            seen.lock().unwrap().push(request);
            let status = answers.lock().unwrap().pop_front().unwrap_or(200);
            let extra = if status == 302 {
                "Location: /elsewhere\r\n"
            } else {
                ""
            };
            let body = format!("answer {status}");
            let response = format!(
                "HTTP/1.1 {status} Scripted\r\n{extra}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = socket.write_all(response.as_bytes()).await;
            let _ = socket.shutdown().await;
        }
    });
    Receiver { url, got }
}

async fn read_request(socket: &mut tokio::net::TcpStream) -> Option<Received> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        let n = socket.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break at;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let mut lines = head.split("\r\n");
    let path = lines.next()?.split(' ').nth(1)?.to_string();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = buf[head_end + 4..].to_vec();
    while body.len() < length {
        let n = socket.read(&mut chunk).await.ok()?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    Some(Received {
        path,
        headers,
        body: String::from_utf8(body).ok()?,
    })
}

/// Whether `header` (`t=…,v1=…[,v1=…]`) holds a `v1` that is the HMAC-SHA256 of `t.body`
/// keyed with `secret`, computed with `ring`.
pub fn signed_with(secret: &str, header: &str, body: &str) -> bool {
    let t = header
        .split(',')
        .find_map(|p| p.strip_prefix("t="))
        .expect("a timestamp");
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret.as_bytes());
    let message = format!("{t}.{body}");
    header
        .split(',')
        .filter_map(|p| p.strip_prefix("v1="))
        .any(|hex| {
            let bytes: Vec<u8> = (0..hex.len() / 2)
                .filter_map(|i| u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok())
                .collect();
            ring::hmac::verify(&key, message.as_bytes(), &bytes).is_ok()
        })
}

/// Registers an endpoint on the webhooks page as `who` (an organisation admin) for these
/// events; returns its id and the secret the page shows once.
async fn register(app: &TestApp, who: Who, url: &str, events: &[&str]) -> (i64, String) {
    let admin = app.login_as(who).await;
    let mut form = vec![("url", url), ("description", "Our ERP")];
    form.extend(events.iter().map(|e| ("events", *e)));
    let r = admin.post("/webhooks", &form).await;
    assert_eq!(r.status(), 200, "{who:?} registers {url}");
    let page = r.text().await.unwrap();
    assert!(page.contains("it is shown only this once"), "{page}");
    let secret = value_after(&page, "id=\"new-secret\" type=\"text\" readonly value=\"").unwrap();
    assert!(
        secret.starts_with("whsec_") && secret.len() == 38,
        "{secret}"
    );
    let id = app.scalar("SELECT MAX(id) FROM webhook_endpoints").await;
    (id, secret)
}

pub async fn deliver(app: &TestApp, at: i64) -> worker::RunStats {
    worker::try_run_once(&app.db, &worker::client().unwrap(), at)
        .await
        .unwrap()
}

fn day(d: &str) -> chrono::NaiveDate {
    chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap()
}

async fn process(app: &TestApp, on: &str) {
    partner_portal::jobs::process_orders(
        &app.db,
        day(on),
        None,
        "http://portal.test",
        app.clock.timestamp(),
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn each_organisation_hears_of_its_own_records_signed_and_once() {
    let app = spawn_app().await;
    let all = [
        "inquiry.submitted",
        "quote.sent",
        "order.placed",
        "order.processed",
        "renewal.reminder",
    ];
    let northwind = receiver(&[]).await;
    let acme = receiver(&[]).await;
    let bluepeak = receiver(&[]).await;
    let vendor = receiver(&[]).await;
    let (_, northwind_secret) = register(&app, Who::DistributorAdmin, &northwind.url, &all).await;
    let (_, acme_secret) = register(
        &app,
        Who::ResellerAdmin,
        &acme.url,
        &["quote.sent", "order.processed"],
    )
    .await;
    register(&app, Who::OtherResellerAdmin, &bluepeak.url, &all).await;
    let (_, vendor_secret) = register(&app, Who::VendorAdmin, &vendor.url, &["order.placed"]).await;

    // Lee submits, Northwind quotes, Lee accepts; the order is processed on 5 March.
    placed_order(&app).await;
    process(&app, "2026-03-05").await;
    let now = app.clock.timestamp();
    let stats = deliver(&app, now).await;
    assert_eq!(stats.delivered, 7);
    assert_eq!(
        northwind.kinds(),
        [
            "inquiry.submitted",
            "quote.sent",
            "order.placed",
            "order.processed"
        ]
    );
    assert_eq!(acme.kinds(), ["quote.sent", "order.processed"]);
    assert!(bluepeak.got().is_empty(), "another reseller hears nothing");
    assert_eq!(vendor.kinds(), ["order.placed"]);

    for (r, secret, other) in [
        (&northwind, &northwind_secret, &acme_secret),
        (&acme, &acme_secret, &vendor_secret),
        (&vendor, &vendor_secret, &northwind_secret),
    ] {
        for got in r.got() {
            let signature = got.header("Partner-Portal-Signature");
            assert!(signed_with(secret, signature, &got.body), "{signature}");
            assert!(!signed_with(other, signature, &got.body));
            assert!(!signed_with(secret, signature, &format!("{} ", got.body)));
            assert_eq!(signature.split(',').next().unwrap(), format!("t={now}"));
            let body = got.json();
            assert_eq!(got.header("Partner-Portal-Event-Id"), body["id"]);
            assert_eq!(got.header("Partner-Portal-Event-Type"), body["type"]);
            assert_eq!(got.header("Content-Type"), "application/json");
            assert!(body["id"].as_str().unwrap().starts_with("evt_"));
            assert_eq!(body["created_at"], "2026-03-02T09:00:00Z");
            assert_eq!(got.path, "/hook");
        }
    }
    // One event, one id, whoever receives it.
    let placed = |r: &Receiver| {
        r.got()
            .into_iter()
            .find(|g| g.kind() == "order.placed")
            .unwrap()
            .json()
    };
    assert_eq!(placed(&northwind)["id"], placed(&vendor)["id"]);
    let order = &placed(&northwind)["data"]["order"];
    assert_eq!(order["status"], "placed");
    assert_eq!(order["reseller"], "Acme Secure IT");
    assert_eq!(order["distributor"], "Northwind Distribution");
    assert_eq!(order["currency"], "USD");
    assert!(order["reference"].as_str().unwrap().starts_with("SO-2026-"));

    let processed = acme
        .got()
        .into_iter()
        .find(|g| g.kind() == "order.processed")
        .unwrap()
        .json();
    let data = &processed["data"];
    assert_eq!(data["order"]["status"], "processed");
    assert_eq!(data["order"]["completed_on"], "2026-03-05");
    let entries = data["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0]["sku"], "EPIXADB10SN12T");
    assert_eq!(entries[0]["start_date"], "2026-03-05");
    assert_eq!(entries[0]["end_date"], "2027-03-04");

    let quoted = acme.got()[0].json();
    assert_eq!(quoted["data"]["quote"]["version"], 1);
    assert_eq!(quoted["data"]["quote"]["currency"], "USD");
    assert_eq!(quoted["data"]["inquiry"]["status"], "quoted");
    assert!(quoted["data"]["quote"]["total_net_cents"].as_i64().unwrap() > 0);
    assert!(
        !acme.got()[0].body.contains("internal"),
        "a reseller's event carries no internal note"
    );
    let submitted = northwind.got()[0].json();
    assert_eq!(submitted["data"]["inquiry"]["status"], "submitted");
    assert_eq!(submitted["data"]["inquiry"]["lines"][0]["quantity"], 25);

    // Delivered once: a second run sends nothing.
    assert_eq!(deliver(&app, now + 3600).await, worker::RunStats::default());
    assert_eq!(northwind.got().len(), 4);

    // 90 days before the subscription ends the renewal reminder goes to Northwind (which sold
    // it) and not to Bluepeak; Acme did not choose reminders.
    partner_portal::jobs::renewal_reminders(&app.db, day("2026-12-04"), "http://portal.test", now)
        .await
        .unwrap();
    deliver(&app, now).await;
    let reminder = northwind.got().pop().unwrap().json();
    assert_eq!(reminder["type"], "renewal.reminder");
    let entries = reminder["data"]["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "the hardware warranty is not renewed");
    assert_eq!(entries[0]["days_before"], 90);
    assert_eq!(entries[0]["end_date"], "2027-03-04");
    assert_eq!(entries[0]["end_customer"], "Harbour Logistics Ltd");
    assert_eq!(acme.got().len(), 2);
    assert!(bluepeak.got().is_empty());
}

#[tokio::test]
async fn a_failed_delivery_is_tried_again_on_schedule_dies_and_is_retried_by_hand() {
    let app = spawn_app().await;
    // 500 first, then 200.
    let flaky = receiver(&[500]).await;
    let (flaky_id, _) = register(&app, Who::DistributorAdmin, &flaky.url, &["order.placed"]).await;
    placed_order(&app).await;
    let now = app.clock.timestamp();
    let first = deliver(&app, now).await;
    assert_eq!((first.delivered, first.retrying), (0, 1));
    let admin = app.login_as(Who::DistributorAdmin).await;
    let page = admin.text(&format!("/webhooks/{flaky_id}")).await;
    assert!(
        page.contains("HTTP 500 Internal Server Error: answer 500"),
        "{page}"
    );
    assert!(page.contains("Waiting"), "{page}");
    assert_eq!(deliver(&app, now + 59).await, worker::RunStats::default());
    assert_eq!(deliver(&app, now + 60).await.delivered, 1, "a minute later");
    let got = flaky.got();
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].body, got[1].body, "the same event");
    assert_eq!(
        got[0].header("Partner-Portal-Event-Id"),
        got[1].header("Partner-Portal-Event-Id")
    );
    assert!(got[1]
        .header("Partner-Portal-Signature")
        .starts_with(&format!("t={},", now + 60)));
    let page = admin.text(&format!("/webhooks/{flaky_id}")).await;
    assert!(page.contains("Delivered"), "{page}");

    // A receiver that keeps failing: the first try and five more (1 min, 5 min, 30 min, 2 h,
    // 12 h), then the delivery is dead and waits on the page.
    let down = receiver(&[503; 6]).await;
    let (down_id, _) = register(&app, Who::DistributorAdmin, &down.url, &["order.placed"]).await;
    assert_eq!(
        admin
            .post(&format!("/webhooks/{down_id}/test"), &[])
            .await
            .status(),
        303
    );
    let mut at = now;
    for wait in [0, 60, 300, 1800, 7200, 43_200] {
        at += wait;
        deliver(&app, at).await;
    }
    assert_eq!(down.got().len(), 6);
    assert_eq!(down.got()[0].kind(), "ping");
    assert_eq!(
        deliver(&app, at + 86_400).await,
        worker::RunStats::default()
    );
    let page = admin
        .text(&format!("/webhooks/{down_id}?status=dead"))
        .await;
    assert!(page.contains("Failed, not retried"), "{page}");
    assert!(page.contains("HTTP 503 Service Unavailable"), "{page}");
    let list = admin.text("/webhooks").await;
    assert!(list.contains("1 not delivered"), "{list}");
    let delivery: i64 = app
        .scalar(&format!(
            "SELECT id FROM webhook_deliveries WHERE endpoint_id = {down_id} AND status = 'dead'"
        ))
        .await;
    let r = admin
        .post(
            &format!("/webhooks/{down_id}/deliveries/{delivery}/retry"),
            &[],
        )
        .await;
    assert_eq!(r.status(), 303);
    // The retry is queued for now (the clock of the request), delivered by the next run.
    assert_eq!(deliver(&app, app.clock.timestamp()).await.delivered, 1);
    assert_eq!(down.got().len(), 7);
    // A delivered event may be sent again by hand (the receiver lost it); one on its way
    // already is not queued twice.
    let again = format!("/webhooks/{down_id}/deliveries/{delivery}/retry");
    assert_eq!(admin.post(&again, &[]).await.status(), 303);
    admin.post(&again, &[]).await;
    let page = admin.text(&format!("/webhooks/{down_id}")).await;
    assert!(
        page.contains("This delivery is on its way already"),
        "{page}"
    );
    assert_eq!(deliver(&app, app.clock.timestamp()).await.delivered, 1);
    assert_eq!(down.got().len(), 8);
}

#[tokio::test]
async fn redirects_are_not_followed_and_addresses_are_checked() {
    let app = spawn_app().await;
    let moved = receiver(&[302]).await;
    let (id, _) = register(&app, Who::ResellerAdmin, &moved.url, &["quote.sent"]).await;
    let dana = app.login_as(Who::ResellerAdmin).await;
    dana.post(&format!("/webhooks/{id}/test"), &[]).await;
    let run = deliver(&app, app.clock.timestamp()).await;
    assert_eq!(run.retrying, 1);
    let got = moved.got();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].path, "/hook", "never /elsewhere");
    let page = dana.text(&format!("/webhooks/{id}")).await;
    assert!(
        page.contains("redirects are not followed, so register the address it redirects to"),
        "{page}"
    );

    // Addresses: https anywhere, http only here; the message sits next to the field and what
    // was typed stays.
    for (typed, says) in [
        (
            "http://erp.example.com/hook",
            "plain http:// is accepted only for this machine",
        ),
        (
            "https://169.254.169.254/latest/meta-data",
            "internal network address",
        ),
        (
            "erp.example.com/hook",
            "Enter a full address starting with https://",
        ),
        (
            "https://user:pw@erp.example.com/",
            "Leave the user name and password out",
        ),
        ("https://İİİ × 3\u{202E}", "Enter a full address"),
    ] {
        let r = dana
            .post("/webhooks", &[("url", typed), ("events", "quote.sent")])
            .await;
        assert_eq!(r.status(), 422, "{typed}");
        let html = r.text().await.unwrap();
        assert!(html.contains("id=\"url-error\""), "{typed}: {html}");
        assert!(html.contains(says), "{typed}: {says}");
    }
    let r = dana
        .post(
            "/webhooks",
            &[
                ("url", "https://erp.example.com/hook"),
                ("description", "PSA"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("Tick at least one event to send to this address."));
    assert!(html.contains("value=\"https://erp.example.com/hook\""));
    assert!(html.contains("value=\"PSA\""));
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM webhook_endpoints").await,
        1
    );

    // Only an organisation's admins manage its webhooks.
    let lee = app.login_as(Who::ResellerUser).await;
    assert_eq!(lee.get("/webhooks").await.status(), 403);
    assert_eq!(lee.get(&format!("/webhooks/{id}")).await.status(), 403);
    let alex = app.login_as(Who::OtherResellerAdmin).await;
    assert_eq!(alex.get(&format!("/webhooks/{id}")).await.status(), 404);
    assert!(!alex.text("/webhooks").await.contains(&moved.url));

    // A change of address and events is kept; an invalid one is refused, as typed.
    let r = dana
        .post(
            &format!("/webhooks/{id}"),
            &[("url", "ftp://x"), ("events", "order.placed")],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("value=\"ftp://x\""));
    let r = dana
        .post(
            &format!("/webhooks/{id}"),
            &[
                ("url", "https://psa.example.com/in"),
                ("events", "order.placed"),
                ("events", "order.processed"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let (url, events): (String, String) =
        sqlx::query_as("SELECT url, events FROM webhook_endpoints WHERE id = $1")
            .bind(id)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(url, "https://psa.example.com/in");
    assert_eq!(events, "order.placed,order.processed");
}

#[tokio::test]
async fn a_new_secret_signs_beside_the_old_one_for_a_day_and_deleting_asks_first() {
    let app = spawn_app().await;
    let r = receiver(&[]).await;
    let (id, old) = register(&app, Who::DistributorAdmin, &r.url, &["order.placed"]).await;
    let admin = app.login_as(Who::DistributorAdmin).await;
    let ask = admin.post(&format!("/webhooks/{id}/rotate"), &[]).await;
    assert_eq!(ask.status(), 200);
    let ask = ask.text().await.unwrap();
    assert!(
        ask.contains("Give this endpoint a new signing secret?"),
        "{ask}"
    );
    assert_eq!(
        app.scalar(&format!(
            "SELECT COUNT(*) FROM webhook_endpoints WHERE id = {id} AND rotated_at IS NULL"
        ))
        .await,
        1,
        "nothing changes before the confirmation"
    );
    let page = admin
        .post(&format!("/webhooks/{id}/rotate"), &[("confirm", "yes")])
        .await
        .text()
        .await
        .unwrap();
    let new = value_after(&page, "id=\"new-secret\" type=\"text\" readonly value=\"").unwrap();
    assert_ne!(new, old);
    assert!(page.contains("still signs too, until"), "{page}");

    let now = app.clock.timestamp();
    admin.post(&format!("/webhooks/{id}/test"), &[]).await;
    deliver(&app, now).await;
    let got = r.got().pop().unwrap();
    let signature = got.header("Partner-Portal-Signature");
    assert_eq!(signature.matches("v1=").count(), 2);
    assert!(signed_with(&new, signature, &got.body));
    assert!(signed_with(&old, signature, &got.body));
    // A day later only the new secret signs.
    admin.post(&format!("/webhooks/{id}/test"), &[]).await;
    deliver(&app, now + 86_401).await;
    let got = r.got().pop().unwrap();
    let signature = got.header("Partner-Portal-Signature");
    assert_eq!(signature.matches("v1=").count(), 1);
    assert!(signed_with(&new, signature, &got.body));
    assert!(!signed_with(&old, signature, &got.body));

    let ask = admin.post(&format!("/webhooks/{id}/delete"), &[]).await;
    assert!(ask
        .text()
        .await
        .unwrap()
        .contains("Delete this webhook endpoint?"));
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM webhook_endpoints").await,
        1
    );
    let r = admin
        .post(&format!("/webhooks/{id}/delete"), &[("confirm", "yes")])
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM webhook_endpoints").await,
        0
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM webhook_deliveries").await,
        0
    );
    let audit = admin.text("/webhooks").await;
    assert!(audit.contains("no webhook endpoints yet"), "{audit}");
}

/// The next line the receiver prints, within ten seconds.
async fn next_line(
    printed: &mut tokio::io::Lines<tokio::io::BufReader<tokio::process::ChildStdout>>,
) -> String {
    tokio::time::timeout(std::time::Duration::from_secs(10), printed.next_line())
        .await
        .expect("the receiver prints the event")
        .unwrap()
        .unwrap()
}

/// The receiver the README shows, run with python3 as the endpoint of real deliveries.
#[tokio::test]
async fn the_readmes_receiver_takes_real_deliveries_once_and_refuses_forged_ones() {
    use tokio::io::AsyncBufReadExt;
    let readme = include_str!("../README.md");
    let start = "<!-- webhook-receiver -->\n```python\n";
    let from = readme.find(start).expect("the receiver in the README") + start.len();
    let to = from
        + readme[from..]
            .find("```\n<!-- /webhook-receiver -->")
            .unwrap();
    let code = &readme[from..to];

    let app = spawn_app().await;
    let port = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        probe.local_addr().unwrap().port()
    };
    let url = format!("http://127.0.0.1:{port}/");
    let (id, secret) = register(&app, Who::DistributorAdmin, &url, &["order.placed"]).await;
    let script = std::env::temp_dir().join(format!("pp-receiver-{port}.py"));
    std::fs::write(&script, code).unwrap();
    let mut receiver = tokio::process::Command::new("python3")
        .arg(&script)
        .env("WEBHOOK_SECRET", &secret)
        .env("PORT", port.to_string())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("python3 runs the README's receiver");
    let mut printed = tokio::io::BufReader::new(receiver.stdout.take().unwrap()).lines();
    let mut up = false;
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            up = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(up, "the receiver listens");

    // The receiver refuses timestamps older than five minutes: the portal signs at the real
    // time here, not the tests' fixed clock.
    let real_now = || {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64
    };
    placed_order(&app).await;
    let run = deliver(&app, real_now()).await;
    assert_eq!((run.delivered, run.retrying), (1, 0), "answered 204");
    let line = next_line(&mut printed).await;
    assert!(line.starts_with("order.placed {\"order\": {"), "{line}");
    assert!(line.contains("\"reseller\": \"Acme Secure IT\""), "{line}");

    // The same event sent again (by hand) is taken but not handled twice; the next event is.
    let delivery = app
        .scalar("SELECT MAX(id) FROM webhook_deliveries WHERE status = 'delivered'")
        .await;
    let admin = app.login_as(Who::DistributorAdmin).await;
    admin
        .post(&format!("/webhooks/{id}/deliveries/{delivery}/retry"), &[])
        .await;
    admin.post(&format!("/webhooks/{id}/test"), &[]).await;
    assert_eq!(deliver(&app, real_now()).await.delivered, 2);
    assert!(next_line(&mut printed).await.starts_with("ping "));

    // Forged or replayed: signed with another secret, or signed right but an hour old.
    let body = r#"{"id":"evt_forged","type":"order.placed","created_at":"","data":{}}"#;
    let now = real_now();
    let http = reqwest::Client::new();
    for (key, t) in [("whsec_someone_else", now), (secret.as_str(), now - 3600)] {
        let signature =
            partner_portal::domain::webhook::signature_header(&[key], t, body.as_bytes());
        let r = http
            .post(&url)
            .header("Partner-Portal-Signature", signature)
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401);
    }
    receiver.kill().await.unwrap();
    let _ = std::fs::remove_file(script);
}

#[tokio::test]
async fn webhooks_flush_sends_due_deliveries_from_the_command_line() {
    let db = crate::helpers::fresh_database_url().await;
    let hook = receiver(&[]).await;
    let run = |args: &'static [&'static str]| {
        let db = db.clone();
        tokio::task::spawn_blocking(move || crate::cli::portal(&db, args, &[]))
    };
    assert!(run(&["seed-demo"]).await.unwrap().status.success());
    let pool = partner_portal::db::Db::connect(&db).await.unwrap().pool;
    sqlx::query(
        "INSERT INTO webhook_endpoints (org_id, url, events, secret, created_at) \
         SELECT id, $1, 'order.placed', 'whsec_cron', 0 FROM organisations WHERE kind = 'vendor'",
    )
    .bind(&hook.url)
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO webhook_deliveries (endpoint_id, dedupe_key, event_id, event_type, payload, next_attempt_at, created_at) \
         SELECT id, 'cron-1', 'evt_cron', 'ping', '{\"id\":\"evt_cron\"}', 0, 0 FROM webhook_endpoints",
    )
    .execute(&pool)
    .await
    .unwrap();
    let out = run(&["webhooks", "flush"]).await.unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "delivered 1, to retry 0, dead 0"
    );
    let got = hook.got();
    assert_eq!(got.len(), 1);
    assert!(signed_with(
        "whsec_cron",
        got[0].header("Partner-Portal-Signature"),
        &got[0].body
    ));
}

#[tokio::test]
async fn a_receiver_that_is_not_there_is_named_as_such_and_tried_again() {
    let app = spawn_app().await;
    let closed = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        probe.local_addr().unwrap().port()
    };
    let url = format!("http://localhost:{closed}/in");
    let (id, _) = register(&app, Who::EuroDistributorAdmin, &url, &["order.placed"]).await;
    let admin = app.login_as(Who::EuroDistributorAdmin).await;
    admin.post(&format!("/webhooks/{id}/test"), &[]).await;
    let run = deliver(&app, app.clock.timestamp()).await;
    assert_eq!((run.delivered, run.retrying), (0, 1));
    let page = admin.text(&format!("/webhooks/{id}")).await;
    assert!(
        page.contains("The receiver could not be reached:"),
        "{page}"
    );
    assert!(page.contains("Waiting"), "{page}");
}
