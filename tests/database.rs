//! The database as each backend is configured: WAL and foreign keys on SQLite, surviving
//! dropped connections on PostgreSQL, and constraints on both.

use crate::helpers::{spawn_app, Who};
use partner_portal::db::Backend;

#[tokio::test]
async fn foreign_keys_and_checks_are_enforced() {
    let app = spawn_app().await;
    let orphan = sqlx::query(
        "INSERT INTO users (org_id, email, display_name, password_hash, role, created_at) \
         VALUES (999999, 'x@y.example', 'X', 'h', 'reseller_user', 0)",
    )
    .execute(&app.db.pool)
    .await;
    assert!(
        orphan.is_err(),
        "a user of a missing organisation is refused"
    );
    let bad_role = sqlx::query(
        "INSERT INTO users (org_id, email, display_name, password_hash, role, created_at) \
         VALUES (1, 'x@y.example', 'X', 'h', 'superuser', 0)",
    )
    .execute(&app.db.pool)
    .await;
    assert!(bad_role.is_err(), "an unknown access role is refused");
    let second_vendor = sqlx::query(
        "INSERT INTO organisations (kind, name, created_at) VALUES ('vendor', 'Other Vendor', 0)",
    )
    .execute(&app.db.pool)
    .await;
    assert!(second_vendor.is_err(), "there is exactly one vendor");
}

#[tokio::test]
async fn the_database_is_configured_for_its_backend() {
    let app = spawn_app().await;
    match app.db.backend {
        Backend::Sqlite => {
            let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
                .fetch_one(&app.db.pool)
                .await
                .unwrap();
            assert_eq!(mode, "wal");
            let fk: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
                .fetch_one(&app.db.pool)
                .await
                .unwrap();
            assert_eq!(fk, 1);
            let busy: i64 = sqlx::query_scalar("PRAGMA busy_timeout")
                .fetch_one(&app.db.pool)
                .await
                .unwrap();
            assert_eq!(busy, 5000);
        }
        Backend::Postgres => {
            // Every connection of the portal is cut, as in a database restart; the next
            // requests reconnect and work.
            let c = app.login_as(Who::ResellerAdmin).await;
            let other = partner_portal::db::Db::connect(&current_url(&app).await)
                .await
                .unwrap();
            let cut: Vec<bool> = sqlx::query_scalar(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                 WHERE datname = current_database() AND pid <> pg_backend_pid()",
            )
            .fetch_all(&other.pool)
            .await
            .unwrap_or_default();
            assert!(!cut.is_empty(), "the portal had connections to cut");
            assert_eq!(c.get("/healthz").await.status(), 200);
            assert_eq!(
                c.get("/users").await.status(),
                200,
                "the session survived too"
            );
        }
    }
}

async fn current_url(app: &crate::helpers::TestApp) -> String {
    let name: String = sqlx::query_scalar("SELECT CAST(current_database() AS TEXT)")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    let admin = std::env::var("TEST_DATABASE_URL").unwrap();
    let mut url = url::Url::parse(&admin).unwrap();
    url.set_path(&name);
    url.to_string()
}
