//! The JSON API: per-organisation tokens created and revoked in the portal, SKU translation.

use crate::helpers::{spawn_app, TestApp, Who};
use serde_json::{json, Value};

/// Creates a token through the page, as an admin does, that may read the catalogue (and
/// translate) and schedules; returns it.
async fn create_token(app: &TestApp, who: Who, name: &str) -> String {
    token_with(
        app,
        who,
        &[
            ("name", name),
            ("scopes", "catalogue:read"),
            ("scopes", "schedules:read"),
        ],
    )
    .await
}

/// Creates a token with exactly these form fields; returns it.
pub async fn token_with(app: &TestApp, who: Who, form: &[(&str, &str)]) -> String {
    let admin = app.login_as(who).await;
    let r = admin.post("/api-tokens", form).await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    crate::helpers::value_after(&html, "id=\"new-token\" type=\"text\" readonly value=\"")
        .expect("the new token is shown once")
}

fn api(app: &TestApp) -> reqwest::Client {
    let _ = app;
    reqwest::Client::new()
}

#[tokio::test]
async fn a_distributor_system_translates_with_its_token() {
    let app = spawn_app().await;
    let token = create_token(&app, Who::DistributorAdmin, "ERP order import").await;
    assert!(token.starts_with("pp_") && token.len() == 43);
    let r = api(&app)
        .get(format!(
            "{}/api/v1/sku/translate?legacy=IXA-U10-N1M&months=17&on=2023-09-30",
            app.address
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["status"], "accepted");
    assert_eq!(v["new_sku"], "EPIXADB10SN17J");
    assert_eq!(v["msrp_cents"], 5950);
    assert_eq!(v["currency"], "USD");
    assert_eq!(
        v["description"],
        "Intercept X Advanced, 10-24 users, 17 months"
    );

    // The same question a day later is refused, with the SKU to order instead.
    let v: Value = api(&app)
        .get(format!(
            "{}/api/v1/sku/translate?legacy=IXA-U10-N1M&months=17&on=2023-10-01",
            app.address
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (v["status"].as_str(), v["accepted"].as_bool()),
        (Some("rejected"), Some(false))
    );
    assert_eq!(v["suggested_sku"], "EPIXADB10SN17J");
    // The token's use is recorded, and only its hash is stored.
    let stored: String = sqlx::query_scalar("SELECT token_hash FROM api_tokens")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_ne!(stored, token);
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM api_tokens WHERE last_used_at IS NOT NULL")
            .await,
        1
    );
}

#[tokio::test]
async fn no_unknown_or_revoked_token_gets_in() {
    let app = spawn_app().await;
    let url = format!("{}/api/v1/sku/translate?legacy=IXA-U10-N12M", app.address);
    let none = api(&app).get(&url).send().await.unwrap();
    assert_eq!(none.status(), 401);
    assert_eq!(none.headers()["www-authenticate"], "Bearer");
    let body: Value = none.json().await.unwrap();
    assert_eq!(body["type"], "/api/v1/problems/unauthorized");
    assert_eq!(body["status"], 401);
    assert!(body["detail"]
        .as_str()
        .unwrap()
        .contains("Authorization: Bearer"));
    let wrong = api(&app)
        .get(&url)
        .bearer_auth("pp_not-a-token")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);

    // A signed-in browser session is no API credential.
    let browser = app.login_as(Who::DistributorAdmin).await;
    assert_eq!(
        browser
            .get("/api/v1/sku/translate?legacy=IXA-U10-N12M")
            .await
            .status(),
        401
    );

    let token = create_token(&app, Who::DistributorAdmin, "old system").await;
    assert_eq!(
        api(&app)
            .get(&url)
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let id: i64 = sqlx::query_scalar("SELECT id FROM api_tokens")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();

    // Another organisation's admin can neither see nor revoke it.
    let other = app.login_as(Who::ResellerAdmin).await;
    assert!(!other.text("/api-tokens").await.contains("old system"));
    assert_eq!(
        other
            .post(&format!("/api-tokens/{id}/revoke"), &[])
            .await
            .status(),
        404
    );
    assert_eq!(
        api(&app)
            .get(&url)
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );

    let r = browser.post(&format!("/api-tokens/{id}/revoke"), &[]).await;
    assert_eq!(r.status(), 303);
    assert!(browser.text("/api-tokens").await.contains("Revoked"));
    assert_eq!(
        api(&app)
            .get(&url)
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    assert_eq!(
        browser
            .post(&format!("/api-tokens/{id}/revoke"), &[])
            .await
            .status(),
        404,
        "once only"
    );
    let actions = app.audit_actions().await;
    assert!(
        actions.contains(&"api_token_created".into())
            && actions.contains(&"api_token_revoked".into())
    );
}

#[tokio::test]
async fn a_batch_of_skus_is_answered_in_order() {
    let app = spawn_app().await;
    let token = create_token(&app, Who::DistributorAdmin, "batch").await;
    let url = format!("{}/api/v1/sku/translate", app.address);
    let body = json!({"on": "2023-11-01", "items": [
        {"legacy": "IXA-U10-N12M"}, {"legacy": "IXA-U10-N1M", "months": 5}, {"legacy": "bogus"}
    ]});
    let r = api(&app)
        .post(&url)
        .bearer_auth(&token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["on"], "2023-11-01");
    let results = v["results"].as_array().unwrap();
    let statuses: Vec<_> = results
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["accepted", "rejected", "invalid"]);
    assert_eq!(results[1]["suggested_sku"], "EPIXADB10SN05O");
    assert_eq!(results[2]["line"], 3);

    let too_many =
        json!({"items": (0..1001).map(|_| json!({"legacy": "IXA-U10-N12M"})).collect::<Vec<_>>()});
    let r = api(&app)
        .post(&url)
        .bearer_auth(&token)
        .json(&too_many)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let v: Value = r.json().await.unwrap();
    assert!(v["detail"].as_str().unwrap().contains("1 to 1000"));
    let bad_date = json!({"on": "yesterday", "items": [{"legacy": "IXA-U10-N12M"}]});
    assert_eq!(
        api(&app)
            .post(&url)
            .bearer_auth(&token)
            .json(&bad_date)
            .send()
            .await
            .unwrap()
            .status(),
        422
    );
}

#[tokio::test]
async fn bad_single_requests_get_422_with_the_reason() {
    let app = spawn_app().await;
    let token = create_token(&app, Who::ResellerAdmin, "shop").await;
    let get = |q: &str| {
        api(&app)
            .get(format!("{}/api/v1/sku/translate?{q}", app.address))
            .bearer_auth(&token)
            .send()
    };
    let r = get("legacy=EPIXADB10SN12X").await.unwrap();
    assert_eq!(r.status(), 422);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["status"], "invalid");
    assert!(v["reason"].as_str().unwrap().starts_with("Position 14"));
    assert_eq!(get("").await.unwrap().status(), 422);
    assert_eq!(
        get("legacy=IXA-U10-N1M&months=x").await.unwrap().status(),
        422
    );
    assert_eq!(
        get("legacy=IXA-U10-N12M&on=2023-02-30")
            .await
            .unwrap()
            .status(),
        422
    );
}

#[tokio::test]
async fn a_token_needs_a_name() {
    let app = spawn_app().await;
    let admin = app.login_as(Who::ResellerAdmin).await;
    let r = admin.post("/api-tokens", &[("name", "  ")]).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("id=\"name-error\""));
    assert_eq!(app.scalar("SELECT COUNT(*) FROM api_tokens").await, 0);
}
