//! The database as each backend is configured: WAL and foreign keys on SQLite, surviving
//! dropped connections on PostgreSQL, and constraints on both.

use crate::helpers::{spawn_app, Who};
use partner_portal::db::lists::ListPool;
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

/// An entry's end customer is one of the entry's reseller's (the schedule's name filters
/// look for an end customer among the resellers found): refused on both databases however
/// the pair would arise.
#[tokio::test]
async fn a_schedule_entry_names_an_end_customer_of_its_own_reseller() {
    let app = spawn_app().await;
    let acme = app.id_of_org("Acme Secure IT").await;
    let bluepeak = app.id_of_org("Bluepeak Managed Services").await;
    let customer_of =
        |reseller: i64| format!("SELECT MIN(id) FROM end_customers WHERE reseller_id = {reseller}");
    let (ours, theirs) = (
        app.scalar(&customer_of(acme)).await,
        app.scalar(&customer_of(bluepeak)).await,
    );
    let insert = |customer: i64| {
        sqlx::query(
            "INSERT INTO license_entries (reseller_id, end_customer_id, order_id, order_reference, sku, description, \
             quantity, start_date, end_date, created_at) \
             VALUES ($1, $2, NULL, 'PAIR-1', 'EPIXADB10SN12T', 'Intercept X', 1, '2026-02-01', '2027-01-31', 0)",
        )
        .bind(acme)
        .bind(customer)
        .execute(&app.db.pool)
    };
    assert!(
        insert(theirs).await.is_err(),
        "Acme's entry for Bluepeak's end customer is refused"
    );
    insert(ours)
        .await
        .expect("Acme's entry for its own end customer");
    let moved =
        sqlx::query("UPDATE license_entries SET reseller_id = $1 WHERE order_reference = 'PAIR-1'")
            .bind(bluepeak)
            .execute(&app.db.pool)
            .await;
    assert!(
        moved.is_err(),
        "the entry cannot move to another reseller alone"
    );
    let handed_over = sqlx::query("UPDATE end_customers SET reseller_id = $1 WHERE id = $2")
        .bind(bluepeak)
        .bind(ours)
        .execute(&app.db.pool)
        .await;
    assert!(
        handed_over.is_err(),
        "an end customer with entries cannot move to another reseller alone"
    );
    assert_eq!(
        app.scalar(&format!(
            "SELECT COUNT(*) FROM license_entries WHERE order_reference = 'PAIR-1' \
             AND reseller_id = {acme} AND end_customer_id = {ours}"
        ))
        .await,
        1,
        "the entry stays as it was"
    );
}

/// Each entry keeps its end customer's name, lower-cased (migration 0039: PostgreSQL checks a
/// common part of the end customer's name on it), right whatever writes the entry or the
/// end customer: a wrong key given is replaced, and the key follows a change of end customer
/// and a renamed end customer.
#[tokio::test]
async fn an_entry_keeps_its_end_customers_name_whatever_is_written() {
    let app = spawn_app().await;
    let acme = app.id_of_org("Acme Secure IT").await;
    for name in ["Key Holder GmbH", "Second Holder"] {
        sqlx::query(
            "INSERT INTO end_customers (reseller_id, name, contact_name, contact_email, created_at) \
             VALUES ($1, $2, 'Pat', 'pat@example.com', 0)",
        )
        .bind(acme)
        .bind(name)
        .execute(&app.db.pool)
        .await
        .unwrap();
    }
    let id_of = |name: &'static str| format!("SELECT id FROM end_customers WHERE name = '{name}'");
    let (first, second) = (
        app.scalar(&id_of("Key Holder GmbH")).await,
        app.scalar(&id_of("Second Holder")).await,
    );
    let key = || async {
        sqlx::query_scalar::<_, String>(
            "SELECT customer_key FROM license_entries WHERE order_reference = 'KEY-1'",
        )
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
    };
    sqlx::query(
        "INSERT INTO license_entries (reseller_id, end_customer_id, order_id, order_reference, sku, description, \
         quantity, start_date, end_date, created_at, customer_key) \
         VALUES ($1, $2, NULL, 'KEY-1', 'EPIXADB10SN12T', 'Intercept X', 1, '2026-02-01', '2027-01-31', 0, 'someone else')",
    )
    .bind(acme)
    .bind(first)
    .execute(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(
        key().await,
        "key holder gmbh",
        "taken from the end customer"
    );
    sqlx::query(
        "UPDATE license_entries SET customer_key = 'someone else' WHERE order_reference = 'KEY-1'",
    )
    .execute(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(key().await, "key holder gmbh", "not to be set by hand");
    sqlx::query("UPDATE license_entries SET end_customer_id = $1 WHERE order_reference = 'KEY-1'")
        .bind(second)
        .execute(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(key().await, "second holder", "another end customer's");
    sqlx::query("UPDATE end_customers SET name = 'Renamed Holder AG' WHERE id = $1")
        .bind(second)
        .execute(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(key().await, "renamed holder ag", "the end customer renamed");
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM license_entries l JOIN end_customers e ON e.id = l.end_customer_id \
             WHERE l.customer_key <> LOWER(e.name)"
        )
        .await,
        0,
        "every entry of the test data (the seed's among them) holds its end customer's name"
    );
}

/// An end customer keeps its name lower-cased (`name_key`, migration 0040: PostgreSQL's name
/// lookups read it), whatever writes the row.
#[tokio::test]
async fn an_end_customer_keeps_its_name_lower_cased_whatever_is_written() {
    let app = spawn_app().await;
    let acme = app.id_of_org("Acme Secure IT").await;
    sqlx::query(
        "INSERT INTO end_customers (reseller_id, name, contact_name, contact_email, created_at, name_key) \
         VALUES ($1, 'Ölwerk Nord GmbH', 'Pat', 'pat@example.com', 0, 'someone else')",
    )
    .bind(acme)
    .execute(&app.db.pool)
    .await
    .unwrap();
    let id = app
        .scalar("SELECT id FROM end_customers WHERE name = 'Ölwerk Nord GmbH'")
        .await;
    let pool = &app.db.pool;
    let read = |column: &'static str| async move {
        let sql = format!("SELECT {column} FROM end_customers WHERE id = $1");
        sqlx::query_scalar::<_, String>(&sql)
            .bind(id)
            .fetch_one(pool)
            .await
            .unwrap()
    };
    let write = |set: &'static str| async move {
        let sql = format!("UPDATE end_customers SET {set} WHERE id = $1");
        sqlx::query(&sql).bind(id).execute(pool).await.unwrap();
    };
    // Lower-cased as the database lower-cases (SQLite only ASCII letters, as its LIKE folds).
    let (key, lower) = (|| read("name_key"), || read("LOWER(name)"));
    assert!(key().await.ends_with("lwerk nord gmbh"), "{}", key().await);
    assert_eq!(key().await, lower().await, "a wrong key given is replaced");
    write("name_key = 'someone else'").await;
    assert_eq!(key().await, lower().await, "not to be set by hand");
    write("name = 'Renamed Works AG'").await;
    assert_eq!(key().await, "renamed works ag", "renamed");
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM end_customers WHERE name_key <> LOWER(name)")
            .await,
        0,
        "every end customer of the test data holds its name lower-cased"
    );
}

/// A database holding an entry of another reseller's end customer (which no path of the
/// portal makes) is not migrated past 0037 on either backend: the name filters would miss it.
#[tokio::test]
async fn the_rule_is_checked_on_the_entries_already_there() {
    let url = crate::helpers::fresh_database_url().await;
    let db = partner_portal::db::Db::connect(&url).await.unwrap();
    let all = match db.backend {
        Backend::Sqlite => sqlx::migrate!("migrations/sqlite"),
        Backend::Postgres => sqlx::migrate!("migrations/postgres"),
    };
    let before = sqlx::migrate::Migrator {
        migrations: all
            .migrations
            .iter()
            .filter(|m| m.version < 37)
            .cloned()
            .collect(),
        ..sqlx::migrate::Migrator::DEFAULT
    };
    before.run(&db.pool).await.unwrap();
    for statement in [
        "INSERT INTO organisations (id, kind, name, created_at) VALUES (901, 'reseller', 'One', 0), (902, 'reseller', 'Two', 0)",
        "INSERT INTO end_customers (id, reseller_id, name, contact_name, contact_email, created_at) \
         VALUES (911, 901, 'Of One', 'Pat', 'pat@example.com', 0)",
        "INSERT INTO license_entries (reseller_id, end_customer_id, order_id, order_reference, sku, description, \
         quantity, start_date, end_date, created_at) \
         VALUES (902, 911, NULL, 'CROSS-1', 'EPIXADB10SN12T', 'Intercept X', 1, '2026-02-01', '2027-01-31', 0)",
    ] {
        sqlx::query(statement).execute(&db.pool).await.unwrap();
    }
    let refused = format!(
        "{:#}",
        db.migrate()
            .await
            .expect_err("an entry of another reseller's end customer stops the migration")
    );
    assert!(
        refused.contains("license_entries_customer_of_reseller")
            || refused.contains("entries_of_another_resellers_end_customer"),
        "stopped by the rule: {refused}"
    );
    // A portal that stops at a migration exits, and its connections with it: on PostgreSQL
    // the failed run still holds the migrator's advisory lock on its connection, so the
    // next start is a new process (here a new pool).
    db.close().await;
    let db = partner_portal::db::Db::connect(&url).await.unwrap();
    sqlx::query("UPDATE license_entries SET reseller_id = 901 WHERE order_reference = 'CROSS-1'")
        .execute(&db.pool)
        .await
        .unwrap();
    db.migrate()
        .await
        .expect("migrated once the entry is its reseller's");
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
            // The list pages' own connections to the file see what the portal wrote, wait
            // a while for a lock (less than a writer: a read holds up its request's
            // thread), and refuse to write themselves.
            let Some(ListPool::Sqlite(lists)) = &app.db.lists else {
                panic!("SQLite reads lists on connections of their own")
            };
            let written: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM organisations")
                .fetch_one(&app.db.pool)
                .await
                .unwrap();
            let list = lists.acquire().await.unwrap();
            let one = |sql: &str| list.query_row(sql, [], |row| row.get::<_, i64>(0));
            let read = one("SELECT COUNT(*) FROM organisations").unwrap();
            assert!(read > 0);
            assert_eq!(read, written);
            assert_eq!(one("PRAGMA busy_timeout").unwrap(), 1000);
            let refused = list
                .execute("UPDATE organisations SET name = name || '!'", [])
                .unwrap_err();
            assert!(
                refused.to_string().contains("readonly"),
                "a write through the list connections is refused: {refused}"
            );
        }
        Backend::Postgres => {
            assert!(
                matches!(app.db.lists, Some(ListPool::Postgres(_))),
                "PostgreSQL reads lists on connections of their own"
            );
            // Every connection of the portal is cut, as in a database restart; the next
            // requests reconnect and work, list pages (read on connections of their own)
            // too.
            let c = app.login_as(Who::ResellerAdmin).await;
            assert_eq!(c.get("/users").await.status(), 200);
            let open = app.db.lists.as_ref().map_or(0, |l| l.open());
            assert!(open >= 1, "the list page was read on a list connection");
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
            // A restart takes longer than a connection may wait unchecked in the pool: one
            // that waited longer is pinged before use and replaced when the ping fails.
            tokio::time::sleep(partner_portal::db::PING_AFTER_IDLE * 2).await;
            assert_eq!(c.get("/healthz").await.status(), 200);
            assert_eq!(
                c.get("/users").await.status(),
                200,
                "the session survived, and the list page found new connections"
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

/// Tables, columns (with whether they take NULL) and explicit indexes of a migrated
/// database, as `table.column` / `index table.name` lines. The name search indexes differ by
/// design (SQLite: an FTS5 trigram table and its shadow tables; PostgreSQL: a pg_trgm index)
/// and read as `name search table` on both.
async fn schema_of(db: &partner_portal::db::Db) -> std::collections::BTreeSet<String> {
    let (columns, indexes) = match db.backend {
        Backend::Sqlite => (
            "SELECT m.name AS t, p.name AS c, CASE WHEN p.\"notnull\" = 1 OR p.pk > 0 THEN 1 ELSE 0 END AS required \
             FROM sqlite_master m JOIN pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> '_sqlx_migrations'",
            // Explicit indexes have their SQL; those SQLite makes for UNIQUE and PRIMARY KEY
            // constraints have none.
            "SELECT tbl_name AS t, name AS i FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL",
        ),
        Backend::Postgres => (
            "SELECT table_name::text AS t, column_name::text AS c, CASE WHEN is_nullable = 'NO' THEN 1 ELSE 0 END AS required \
             FROM information_schema.columns WHERE table_schema = current_schema() AND table_name <> '_sqlx_migrations'",
            "SELECT tablename::text AS t, indexname::text AS i FROM pg_indexes \
             WHERE schemaname = current_schema() AND indexname NOT IN (SELECT conname FROM pg_constraint)",
        ),
    };
    let mut schema = std::collections::BTreeSet::new();
    let mut search_tables = Vec::new();
    if db.backend == Backend::Sqlite {
        let virtual_tables: Vec<(String, String)> = sqlx::query_as(
            "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL TABLE%'",
        )
        .fetch_all(&db.pool)
        .await
        .unwrap();
        for (name, sql) in virtual_tables {
            let content = sql
                .split("content = '")
                .nth(1)
                .and_then(|rest| rest.split('\'').next())
                .expect("a name search table names its content table");
            schema.insert(format!("name search {content}"));
            search_tables.push(name);
        }
    } else {
        let trigram: Vec<(String,)> = sqlx::query_as(
            "SELECT tablename::text FROM pg_indexes WHERE schemaname = current_schema() AND indexdef LIKE '%gin_trgm_ops%'",
        )
        .fetch_all(&db.pool)
        .await
        .unwrap();
        for (table,) in trigram {
            schema.insert(format!("name search {table}"));
        }
    }
    let rows: Vec<(String, String, i32)> =
        sqlx::query_as(columns).fetch_all(&db.pool).await.unwrap();
    for (table, column, required) in rows {
        if search_tables.iter().any(|t| table.starts_with(t.as_str())) {
            continue;
        }
        let null = if required == 1 { "NOT NULL" } else { "NULL" };
        schema.insert(format!("{table}.{column} {null}"));
    }
    let rows: Vec<(String, String)> = sqlx::query_as(indexes).fetch_all(&db.pool).await.unwrap();
    for (table, index) in rows {
        if index.ends_with("_trgm") {
            continue;
        }
        schema.insert(format!("index {table}.{index}"));
    }
    schema
}

/// The two migration trees must describe the same schema: every table, column, nullability
/// and index of one is in the other. Needs both databases, so it runs in the PostgreSQL pass
/// of the suite (the SQLite pass has no server to compare with).
#[tokio::test]
async fn sqlite_and_postgres_migrations_describe_the_same_schema() {
    let pg_url = crate::helpers::fresh_database_url().await;
    if !pg_url.starts_with("postgres") {
        eprintln!("no TEST_DATABASE_URL: the migration parity check runs in the PostgreSQL pass");
        return;
    }
    let pg = partner_portal::db::Db::connect(&pg_url).await.unwrap();
    pg.migrate().await.unwrap();
    let dir = std::env::temp_dir().join(format!("pp-parity-{}", std::process::id()));
    let lite = partner_portal::db::Db::connect(&format!("sqlite://{}/p.db", dir.display()))
        .await
        .unwrap();
    lite.migrate().await.unwrap();
    let (pg, lite) = (schema_of(&pg).await, schema_of(&lite).await);
    assert!(
        lite.len() > 100,
        "the schema was read ({} lines)",
        lite.len()
    );
    for table in ["end_customers", "organisations"] {
        assert!(
            lite.contains(&format!("name search {table}")),
            "{table} names are indexed for search"
        );
    }
    let only_pg: Vec<_> = pg.difference(&lite).collect();
    let only_lite: Vec<_> = lite.difference(&pg).collect();
    assert!(
        only_pg.is_empty() && only_lite.is_empty(),
        "migrations drifted apart:\n only in PostgreSQL: {only_pg:#?}\n only in SQLite: {only_lite:#?}"
    );
}

/// A value taken meanwhile (a unique key) becomes the message next to its field, on both
/// databases; other errors stay errors.
#[tokio::test]
async fn a_unique_key_violation_becomes_a_field_message() {
    use partner_portal::app::Error;
    use partner_portal::db::orgs::{insert, OrgFields};
    use partner_portal::domain::OrgKind;
    let app = spawn_app().await;
    let fields = OrgFields {
        name: "Northwind Distribution".into(),
        partner_level: None,
        cam_user_id: None,
        is_msp: false,
        currency: "USD".into(),
    };
    let mut tx = app.db.pool.begin().await.unwrap();
    let taken = insert(&mut tx, OrgKind::Distributor, &fields, 0)
        .await
        .map_err(Error::unique("name", "Taken meanwhile."))
        .unwrap_err();
    match taken {
        Error::Invalid(errors) => assert_eq!(errors.get("name"), Some("Taken meanwhile.")),
        other => panic!("expected a field message, got {other:?}"),
    }
    drop(tx);
    let other = Error::unique("name", "Taken meanwhile.")(sqlx::Error::RowNotFound);
    assert!(matches!(other, Error::Unexpected(_)), "{other:?}");
}
