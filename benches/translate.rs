//! SKU translation throughput on the release binary (issue: SKU translator benchmark).
//!
//! `cargo bench --bench translate`: seeds the demo catalogue into a fresh SQLite file,
//! translates a 100,000-line CSV of legacy SKUs with `partner-portal sku translate --file`,
//! then starts `serve --demo` and posts batches of 1,000 SKUs to `/api/v1/sku/translate`.
//! Options (environment): TRANSLATE_LINES (default 100000), API_BATCHES (default 20).

use sha2::{Digest, Sha256};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[tokio::main]
async fn main() {
    let lines = env_usize("TRANSLATE_LINES", 100_000);
    let batches = env_usize("API_BATCHES", 20);
    let bin = env!("CARGO_BIN_EXE_partner-portal");
    let dir = std::env::temp_dir().join(format!("pp-translate-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let db_url = format!("sqlite://{}/portal.db", dir.display());
    let seeded = Command::new(bin)
        .arg("seed-demo")
        .env("DATABASE_URL", &db_url)
        .stdout(Stdio::null())
        .status();
    assert!(seeded.expect("seed-demo runs").success());

    let db = partner_portal::db::Db::connect(&db_url).await.unwrap();
    let legacy: Vec<(String, i64)> =
        sqlx::query_as("SELECT legacy_sku, one_month FROM legacy_skus ORDER BY legacy_sku")
            .fetch_all(&db.pool)
            .await
            .unwrap();
    let item = |i: usize| {
        let (sku, one_month) = &legacy[i % legacy.len()];
        (sku.clone(), (*one_month != 0).then_some(7u32))
    };
    let mut csv = String::from("legacy_sku,months\n");
    for i in 0..lines {
        let (sku, months) = item(i);
        csv.push_str(&sku);
        if let Some(m) = months {
            csv.push_str(&format!(",{m}"));
        }
        csv.push('\n');
    }
    let file = dir.join("legacy.csv");
    std::fs::write(&file, csv).unwrap();

    let started = Instant::now();
    let out = Command::new(bin)
        .args([
            "sku",
            "translate",
            "--file",
            file.to_str().unwrap(),
            "--on",
            "2023-06-01",
        ])
        .env("DATABASE_URL", &db_url)
        .env("RUST_LOG", "warn")
        .output()
        .expect("sku translate runs");
    let elapsed = started.elapsed();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows = out.stdout.iter().filter(|b| **b == b'\n').count() - 1;
    assert_eq!(rows, lines, "one output row per input line");
    println!(
        "CLI: {lines} legacy SKUs in {:.2} s = {:.0} SKUs/s (process start, catalogue load, CSV in and out)",
        elapsed.as_secs_f64(),
        lines as f64 / elapsed.as_secs_f64()
    );

    let token = "pp_benchmarktokenbenchmarktokenbenchmarktok";
    let hash: String = Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    sqlx::query(
        "INSERT INTO api_tokens (org_id, name, token_hash, prefix, created_at) \
         SELECT id, 'benchmark', $1, 'pp_bench', 0 FROM organisations WHERE kind = 'distributor' ORDER BY id LIMIT 1",
    )
    .bind(&hash)
    .execute(&db.pool)
    .await
    .unwrap();
    db.pool.close().await;

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
            .unwrap(),
    );
    let client = reqwest::Client::new();
    let ready = Instant::now();
    while client.get(format!("{base}/healthz")).send().await.is_err() {
        assert!(
            ready.elapsed() < Duration::from_secs(20),
            "the portal did not start"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let body = serde_json::json!({
        "on": "2023-06-01",
        "items": (0..1000).map(|i| { let (sku, months) = item(i); serde_json::json!({"legacy": sku, "months": months}) }).collect::<Vec<_>>()
    });
    let mut latencies = Vec::new();
    let started = Instant::now();
    for _ in 0..batches {
        let t = Instant::now();
        let r = client
            .post(format!("{base}/api/v1/sku/translate"))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let v: serde_json::Value = r.json().await.unwrap();
        assert_eq!(v["results"].as_array().map(Vec::len), Some(1000));
        latencies.push(t.elapsed());
    }
    let elapsed = started.elapsed();
    latencies.sort();
    println!(
        "API: {batches} requests of 1,000 SKUs: {:.0} SKUs/s, median {:.1} ms, slowest {:.1} ms per request",
        (batches * 1000) as f64 / elapsed.as_secs_f64(),
        latencies[latencies.len() / 2].as_secs_f64() * 1000.0,
        latencies[latencies.len() - 1].as_secs_f64() * 1000.0
    );
    let _ = std::fs::remove_dir_all(&dir);
}
