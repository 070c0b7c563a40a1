//! The partner API against its own contract (issue 17): Schemathesis (installed by
//! scripts/test from PyPI; `SCHEMATHESIS` names it) reads `/api/v1/openapi.json` from the
//! running portal and sends every documented operation generated requests, valid and not,
//! with a distributor's, a reseller's and the vendor's token: no 5xx, every answer's status,
//! content type and body as documented, refusals of what the contract does not allow.
//! Refusals of schema-valid requests by the portal's rules (another organisation's record,
//! a reseller a distributor does not supply) are 403, 404, 409 or 422, as documented.

use crate::helpers::{spawn_app, TestApp};

fn schemathesis() -> String {
    std::env::var("SCHEMATHESIS").unwrap_or_else(|_| {
        let home = std::env::var("HOME").unwrap_or_default();
        format!("{home}/.cache/partner-portal/schemathesis-4.32.5/bin/schemathesis")
    })
}

const CONFIG: &str = r#"
[checks.positive_data_acceptance]
expected-statuses = ["2XX", "401", "403", "404", "409", "422"]
"#;

/// A token of `org` that holds every scope its kind may hold, made as the page makes them.
async fn token_of(app: &TestApp, org: &str, scopes: &str) -> String {
    let token = format!("pp_contract{}", org.replace(' ', "").to_lowercase());
    let org = app.id_of_org(org).await;
    sqlx::query(
        "INSERT INTO api_tokens (org_id, name, token_hash, prefix, created_at, scopes, per_minute) \
         VALUES ($1, 'contract test', $2, 'pp_contr', 0, $3, 6000)",
    )
    .bind(org)
    .bind(partner_portal::domain::token::hash(&token))
    .bind(scopes)
    .execute(&app.db.pool)
    .await
    .unwrap();
    token
}

#[tokio::test]
async fn schemathesis_finds_every_operation_as_its_contract_says() {
    let app = spawn_app().await;
    app.seed_history().await;
    let tokens = [
        token_of(
            &app,
            "Northwind Distribution",
            "schedules:read orders:read orders:write quotes:read quotes:write catalogue:read",
        )
        .await,
        token_of(
            &app,
            "Acme Secure IT",
            "schedules:read orders:read quotes:read catalogue:read",
        )
        .await,
        token_of(
            &app,
            "Sentinel Security",
            "schedules:read orders:read quotes:read catalogue:read",
        )
        .await,
    ];
    let dir = std::env::temp_dir().join(format!(
        "pp-contract-{}-{}",
        std::process::id(),
        app.address.rsplit(':').next().unwrap_or("0")
    ));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("schemathesis.toml"), CONFIG).unwrap();
    let program = schemathesis();
    assert!(
        std::path::Path::new(&program).exists(),
        "Schemathesis is not installed at {program}: run scripts/test, which installs it"
    );
    for token in tokens {
        let (program, url, cwd) = (
            program.clone(),
            format!("{}/api/v1/openapi.json", app.address),
            dir.clone(),
        );
        // The portal runs on this test's runtime: Schemathesis waits on a blocking thread.
        let out = tokio::task::spawn_blocking(move || {
            std::process::Command::new(program)
                .current_dir(cwd)
                .args([
                    "run",
                    &url,
                    "-H",
                    &format!("Authorization: Bearer {token}"),
                    "--max-examples",
                    "25",
                    "--seed",
                    "20261203",
                    "--no-color",
                ])
                .output()
        })
        .await
        .unwrap()
        .unwrap();
        let report = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "Schemathesis found the API off its contract:\n{report}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let operations = partner_portal::web::route_list()
            .iter()
            .filter(|(_, p)| p.starts_with("/api/v1/") && *p != "/api/v1/openapi.json")
            .count();
        assert!(
            report.contains(&format!("Tested: {operations}")),
            "every operation tested: {report}"
        );
    }
}
