//! Load benchmark against the release binary on SQLite (PRODUCT.md section 9 budgets).
//!
//! `cargo bench --bench load` builds the release binary, seeds the demo data plus enough
//! distributors for a full 50-row page, starts `serve --demo` on a free port, signs in as
//! the vendor admin and sends a fixed number of requests with 32 concurrent clients to
//! `/healthz` and to the authenticated organisation list. It prints requests/s and latency
//! percentiles per target, the throughput ratio, and whether the budgets hold.
//!
//! Options (environment): LOAD_REQUESTS (default 5000), LOAD_CONCURRENCY (default 32).

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

struct Stats {
    rps: f64,
    p50: Duration,
    p99: Duration,
    max: Duration,
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

async fn hammer(client: &reqwest::Client, url: &str, total: usize, concurrency: usize) -> Stats {
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let client = client.clone();
        let url = url.to_string();
        let next = next.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            while next.fetch_add(1, std::sync::atomic::Ordering::Relaxed) < total {
                let t = Instant::now();
                let r = client.get(&url).send().await.expect("request");
                assert!(r.status().is_success(), "{url}: {}", r.status());
                r.bytes().await.expect("body");
                latencies.push(t.elapsed());
            }
            latencies
        }));
    }
    let mut all = Vec::with_capacity(total);
    for t in tasks {
        all.extend(t.await.expect("task"));
    }
    let elapsed = started.elapsed();
    all.sort();
    let pct = |p: f64| {
        all[((all.len() as f64 * p).ceil() as usize)
            .saturating_sub(1)
            .min(all.len() - 1)]
    };
    Stats {
        rps: all.len() as f64 / elapsed.as_secs_f64(),
        p50: pct(0.50),
        p99: pct(0.99),
        max: all[all.len() - 1],
    }
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

#[tokio::main]
async fn main() {
    let total = env_usize("LOAD_REQUESTS", 5000);
    let concurrency = env_usize("LOAD_CONCURRENCY", 32);
    let bin = env!("CARGO_BIN_EXE_partner-portal");
    let dir = std::env::temp_dir().join(format!("pp-load-{}", std::process::id()));
    let db_url = format!("sqlite://{}/portal.db", dir.display());

    let status = Command::new(bin)
        .arg("seed-demo")
        .env("DATABASE_URL", &db_url)
        .stdout(Stdio::null())
        .status();
    assert!(
        status.expect("seed-demo runs").success(),
        "seed-demo failed"
    );
    {
        let db = partner_portal::db::Db::connect(&db_url)
            .await
            .expect("open the bench database");
        for i in 0..200 {
            sqlx::query(
                "INSERT INTO organisations (kind, name, created_at) VALUES ('distributor', $1, 0)",
            )
            .bind(format!("Load Distributor {i:03}"))
            .execute(&db.pool)
            .await
            .expect("insert");
        }
        db.pool.close().await;
    }

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let _server = Server(
        Command::new(bin)
            .args(["serve", "--demo"])
            .env("DATABASE_URL", &db_url)
            .env("BIND", format!("127.0.0.1:{port}"))
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .spawn()
            .expect("start the portal"),
    );
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(concurrency)
        .build()
        .unwrap();
    let ready = Instant::now();
    while client.get(format!("{base}/healthz")).send().await.is_err() {
        assert!(
            ready.elapsed() < Duration::from_secs(20),
            "the portal did not start"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    println!("start-up to first /healthz answer: {}", ms(ready.elapsed()));

    let login_page = client
        .get(format!("{base}/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let marker = "name=\"csrf_token\" value=\"";
    let start = login_page.find(marker).expect("csrf field") + marker.len();
    let token = &login_page[start..start + login_page[start..].find('"').unwrap()];
    let r = client
        .post(format!("{base}/login"))
        .form(&[
            ("csrf_token", token),
            ("email", "admin@vendor.example"),
            ("password", "demo-password"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "sign-in for the benchmark");
    let list = format!("{base}/admin/organisations?kind=distributor");
    let rows = client
        .get(&list)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
        .matches("<td><a href=")
        .count();
    assert_eq!(rows, 50, "the list page shows 50 rows");

    println!(
        "{total} requests per target, {concurrency} concurrent clients, SQLite, release build"
    );
    let health = hammer(&client, &format!("{base}/healthz"), total, concurrency).await;
    let page = hammer(&client, &list, total, concurrency).await;
    for (name, s) in [
        ("/healthz", &health),
        ("organisation list (50 rows, signed in)", &page),
    ] {
        println!(
            "{name:<40} {:>9.0} req/s   p50 {:>9}   p99 {:>9}   max {:>9}",
            s.rps,
            ms(s.p50),
            ms(s.p99),
            ms(s.max)
        );
    }
    let ratio = page.rps / health.rps;
    println!(
        "list throughput / healthz throughput: {:.1}%",
        ratio * 100.0
    );
    let p99_ok = page.p99 < Duration::from_millis(50);
    let ratio_ok = ratio >= 0.10;
    println!(
        "budget list p99 < 50 ms: {}",
        if p99_ok { "met" } else { "MISSED" }
    );
    println!(
        "budget throughput >= 10% of /healthz: {}",
        if ratio_ok { "met" } else { "MISSED" }
    );
    let _ = std::fs::remove_dir_all(&dir);
}
