//! Load benchmark against the release binary on SQLite (PRODUCT.md section 9 budgets).
//!
//! `cargo bench --bench load` builds the release binary, seeds the demo data plus enough
//! distributors for a full 50-row page, starts `serve --demo` on a free port, signs in as
//! the vendor admin and sends a fixed number of requests with 32 concurrent clients to
//! `/healthz` and to the authenticated organisation list. It prints requests/s and latency
//! percentiles per target, the throughput ratio, and whether the budgets hold.
//!
//! With `LOAD_SCALE=large` it seeds `seed-demo --scale large` instead (PRODUCT.md section 9:
//! 1,000,000 schedule entries, 200,000 leads, ...), times the first `sweep` over all leads
//! and a 100,000-row `import-licenses --commit`, then loads the license schedule list and
//! the lead list as the vendor admin (who sees everything) and reads the server's resident
//! memory afterwards.
//!
//! Options (environment): LOAD_REQUESTS (default 5000), LOAD_CONCURRENCY (default 32),
//! LOAD_SCALE (`small` or `large`).

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

    let large = std::env::var("LOAD_SCALE").as_deref() == Ok("large");
    let mut seed = Command::new(bin);
    seed.arg("seed-demo").env("DATABASE_URL", &db_url);
    if large {
        seed.args(["--scale", "large"]);
    }
    let out = seed.output().expect("seed-demo runs");
    assert!(out.status.success(), "seed-demo failed");
    print!("{}", String::from_utf8_lossy(&out.stdout));
    if large {
        large_batch_jobs(bin, &db_url, &dir).await;
    } else {
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
            // The first sweep of the large set queued some 10,000 reminders; delivering them
            // is the mail worker's job, not what the page budgets measure.
            .env("MAIL_WORKER_SECS", if large { "0" } else { "5" })
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
    let lists: Vec<(&str, String, &str)> = if large {
        vec![
            (
                "license schedule list, all 1M entries",
                format!("{base}/licenses"),
                "<td><code>",
            ),
            (
                "license schedule list, expiring",
                format!("{base}/licenses?status=expiring"),
                "<td><code>",
            ),
            (
                "lead list, all 200k leads",
                format!("{base}/leads"),
                "<td><a href=\"/leads/",
            ),
        ]
    } else {
        vec![(
            "organisation list",
            format!("{base}/admin/organisations?kind=distributor"),
            "<td><a href=",
        )]
    };
    for (name, url, marker) in &lists {
        let body = client.get(url).send().await.unwrap().text().await.unwrap();
        assert_eq!(
            body.matches(marker).count(),
            50,
            "{name}: the page shows 50 rows"
        );
    }

    println!(
        "{total} requests per target, {concurrency} concurrent clients, SQLite, release build"
    );
    let health = hammer(&client, &format!("{base}/healthz"), total, concurrency).await;
    println!(
        "{:<40} {:>9.0} req/s   p50 {:>9}   p99 {:>9}   max {:>9}",
        "/healthz",
        health.rps,
        ms(health.p50),
        ms(health.p99),
        ms(health.max)
    );
    let mut all_ok = true;
    for (name, url, _) in &lists {
        // Warm up first, as a long-running server is: its page cache holds the hot pages.
        hammer(&client, url, total / 5, concurrency).await;
        let page = hammer(&client, url, total, concurrency).await;
        let ratio = page.rps / health.rps;
        let ok = page.p99 < Duration::from_millis(50) && ratio >= 0.10;
        all_ok &= ok;
        println!(
            "{name:<40} {:>9.0} req/s   p50 {:>9}   p99 {:>9}   max {:>9}   {:.1}% of /healthz   {}",
            page.rps,
            ms(page.p50),
            ms(page.p99),
            ms(page.max),
            ratio * 100.0,
            if ok { "within budget" } else { "OVER BUDGET" }
        );
    }
    println!(
        "budgets list p99 < 50 ms and throughput >= 10% of /healthz: {}",
        if all_ok { "met" } else { "MISSED" }
    );
    if let Ok(status) = std::fs::read_to_string(format!("/proc/{}/status", _server.0.id())) {
        if let Some(rss) = status.lines().find(|l| l.starts_with("VmRSS:")) {
            println!(
                "server resident memory after the load: {}",
                rss.trim_start_matches("VmRSS:").trim()
            );
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// The batch jobs of the budgets on the large data set: the first sweep (every lead) and a
/// 100,000-row legacy license import.
async fn large_batch_jobs(bin: &str, db_url: &str, dir: &std::path::Path) {
    let t = Instant::now();
    let out = Command::new(bin)
        .arg("sweep")
        .env("DATABASE_URL", db_url)
        .output()
        .expect("sweep runs");
    assert!(out.status.success(), "sweep failed");
    let took = t.elapsed();
    println!(
        "sweep (first run, 200,000 leads): {} in all, budget < 10 s: {}\n  {}",
        ms(took),
        if took < Duration::from_secs(10) {
            "met"
        } else {
            "MISSED"
        },
        String::from_utf8_lossy(&out.stdout)
            .trim()
            .replace('\n', "\n  ")
    );
    let legacy: Vec<String> = {
        let db = partner_portal::db::Db::connect(db_url).await.expect("open");
        let v = sqlx::query_scalar(
            "SELECT legacy_sku FROM legacy_skus WHERE one_month = 0 ORDER BY legacy_sku LIMIT 40",
        )
        .fetch_all(&db.pool)
        .await
        .expect("legacy SKUs");
        db.pool.close().await;
        v
    };
    let mut csv = String::from(
        "license_key,reseller,end_customer,legacy_sku,quantity,order_completion_date,activation_date\n",
    );
    for n in 0..100_000usize {
        let activation = if n % 4 == 0 { "" } else { "2025-06-20" };
        csv.push_str(&format!(
            "LOAD-{n:06},Scale Reseller {:04},Imported Customer {:05},{},10,2025-06-01,{activation}\n",
            n % 5000 + 1,
            n / 4,
            legacy[n % legacy.len()]
        ));
    }
    let file = dir.join("licenses.csv");
    std::fs::write(&file, csv).expect("write the CSV");
    let t = Instant::now();
    let out = Command::new(bin)
        .args(["import-licenses", file.to_str().unwrap(), "--commit"])
        .env("DATABASE_URL", db_url)
        .output()
        .expect("import runs");
    let took = t.elapsed();
    assert!(
        out.status.success(),
        "import failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let last = String::from_utf8_lossy(&out.stdout)
        .lines()
        .last()
        .unwrap_or_default()
        .to_string();
    println!(
        "import-licenses --commit, 100,000 rows: {} ({})   budget < 15 s: {}",
        ms(took),
        last,
        if took < Duration::from_secs(15) {
            "met"
        } else {
            "MISSED"
        }
    );
}
