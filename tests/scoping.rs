//! Reads of organisation data take the caller's scope in the query itself: another
//! organisation's rows never come back, even when the caller names their id.

use crate::helpers::spawn_app;
use partner_portal::app::orders::{place, NewOrder, Origin};
use partner_portal::app::Ctx;
use partner_portal::db::orders::NewOrderLine;
use partner_portal::db::{deals, leads, msp, orders, Scope};
use partner_portal::domain::sku::Transaction;
use partner_portal::domain::{Cents, OrgId, Sku, SkuFields};

async fn org(app: &crate::helpers::TestApp, name: &str) -> OrgId {
    OrgId(
        app.scalar(&format!(
            "SELECT id FROM organisations WHERE name = '{name}'"
        ))
        .await,
    )
}

#[tokio::test]
async fn child_reads_return_nothing_outside_the_callers_scope() {
    let app = spawn_app().await;
    let pool = &app.db.pool;
    let acme = org(&app, "Acme Secure IT").await;
    let cobalt = org(&app, "Cobalt Systems").await;
    let bluepeak = org(&app, "Bluepeak Managed Services").await;
    let northwind = org(&app, "Northwind Distribution").await;
    let southbridge = org(&app, "Southbridge Supply").await;

    // A reseller's end customers: itself, its distributor and the vendor see them.
    for (scope, visible) in [
        (Scope::Reseller(acme), true),
        (Scope::Distributor(northwind), true),
        (Scope::All, true),
        (Scope::Reseller(cobalt), false),
        (Scope::Distributor(southbridge), false),
    ] {
        let found = deals::end_customers(pool, scope, acme).await.unwrap();
        assert_eq!(
            !found.is_empty(),
            visible,
            "end customers of Acme for {scope:?}"
        );
    }

    // A lead's history.
    let lead = partner_portal::domain::LeadId(
        app.scalar(&format!(
            "SELECT MIN(l.id) FROM leads l JOIN lead_events e ON e.lead_id = l.id WHERE l.reseller_id = {}",
            acme.0
        ))
        .await,
    );
    assert!(!leads::events(pool, Scope::Reseller(acme), lead)
        .await
        .unwrap()
        .is_empty());
    assert!(leads::events(pool, Scope::Reseller(cobalt), lead)
        .await
        .unwrap()
        .is_empty());

    // An MSP's monthly usage.
    let month = "2026-03";
    let by = partner_portal::domain::UserId(
        app.scalar(&format!(
            "SELECT MIN(id) FROM users WHERE org_id = {}",
            bluepeak.0
        ))
        .await,
    );
    let mut tx = pool.begin().await.unwrap();
    let customer = deals::end_customer_named(&mut tx, bluepeak, "Fjord Dental", 0)
        .await
        .unwrap();
    msp::record(
        &mut tx,
        &msp::NewUsage {
            reseller: bluepeak,
            month,
            end_customer: customer,
            sku: "EPIXADB01SM01X",
            description: "usage",
            quantity: 3,
            unit_msrp: Cents::new(100),
            currency: "USD",
            by,
        },
        0,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert!(
        !msp::usage(pool, Scope::Reseller(bluepeak), bluepeak, month)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        !msp::usage(pool, Scope::Distributor(northwind), bluepeak, month)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(msp::usage(pool, Scope::Reseller(acme), bluepeak, month)
        .await
        .unwrap()
        .is_empty());
    // Both distributors supply Bluepeak; a CAM sees only the resellers it looks after.
    assert!(
        !msp::usage(pool, Scope::Distributor(southbridge), bluepeak, month)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(msp::usage(
        pool,
        Scope::Cam(partner_portal::domain::UserId(i64::MAX)),
        bluepeak,
        month
    )
    .await
    .unwrap()
    .is_empty());

    // The placed renewals of an end customer's entries (the demo's processed orders first).
    partner_portal::seed::seed_schedules(&app.db, app.clock.timestamp())
        .await
        .unwrap();
    let (entry, customer, sku): (i64, i64, String) = sqlx::query_as(&format!(
        "SELECT id, end_customer_id, sku FROM license_entries WHERE reseller_id = {} AND SUBSTR(sku, 11, 1) = 'N' ORDER BY id LIMIT 1",
        acme.0
    ))
    .fetch_one(pool)
    .await
    .unwrap();
    let renewal = Sku::build(SkuFields {
        transaction: Transaction::Renewal,
        ..Sku::parse(&sku).unwrap().fields().clone()
    })
    .unwrap();
    let ctx = Ctx::system(
        app.db.clone(),
        app.clock.today(),
        app.clock.timestamp(),
        "http://portal.test",
    );
    place(
        &ctx,
        &NewOrder {
            origin: Origin::Direct,
            reseller: acme,
            distributor: northwind,
            end_customer: customer,
            currency: "USD".into(),
            lines: vec![NewOrderLine {
                sku: renewal.to_string(),
                description: "renewal".into(),
                quantity: 1,
                changes_entry: Some(partner_portal::domain::EntryId(entry)),
                unit_msrp: Cents::new(100),
                net: Cents::new(100),
            }],
        },
    )
    .await
    .unwrap();
    for (scope, visible) in [
        (Scope::Reseller(acme), true),
        (Scope::Distributor(northwind), true),
        (Scope::Reseller(cobalt), false),
        (Scope::Distributor(southbridge), false),
    ] {
        let found = orders::pending_changes(pool, scope, customer)
            .await
            .unwrap();
        assert_eq!(
            found.len(),
            usize::from(visible),
            "renewals of Acme's entry for {scope:?}"
        );
    }
}
