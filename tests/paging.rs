//! Long lists page by keyset (first / previous / next / last, whatever the depth) and count
//! up to "more than 10,000"; name filters find names through the name index, whatever is
//! typed, and never outside the caller's scope.

use crate::helpers::{spawn_app, TestApp, TestClient, Who};

/// `count` entries for an end customer of Acme named `customer` (created when missing), with
/// order references `{prefix}-00001`... and end dates spread over three days (ties broken by
/// id), written in one statement.
async fn entries(app: &TestApp, customer: &str, prefix: &str, count: i64) -> i64 {
    let acme = app.id_of_org("Acme Secure IT").await;
    sqlx::query(
        "INSERT INTO end_customers (reseller_id, name, contact_name, contact_email, created_at) \
         SELECT $1, $2, 'Pat', 'pat@example.com', 0 WHERE NOT EXISTS \
         (SELECT 1 FROM end_customers WHERE reseller_id = $1 AND name = $2)",
    )
    .bind(acme)
    .bind(customer)
    .execute(&app.db.pool)
    .await
    .unwrap();
    let id: i64 =
        sqlx::query_scalar("SELECT id FROM end_customers WHERE reseller_id = $1 AND name = $2")
            .bind(acme)
            .bind(customer)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $3) \
         INSERT INTO license_entries (reseller_id, end_customer_id, order_id, order_reference, sku, description, \
         quantity, start_date, end_date, created_at) \
         SELECT $1, $2, NULL, $4 || '-' || SUBSTR(CAST(100000 + i AS TEXT), 2), 'EPIXADB10SN12T', 'Intercept X', 1, '2026-02-01', \
         CASE WHEN i % 3 = 0 THEN '2027-01-31' WHEN i % 3 = 1 THEN '2027-02-28' ELSE '2027-03-31' END, 0 FROM n \
         WHERE i <= $3",
    )
    .bind(acme)
    .bind(id)
    .bind(count)
    .bind(prefix)
    .execute(&app.db.pool)
    .await
    .unwrap();
    id
}

/// The order references `{prefix}-NNNNN` on a page, in page order.
fn references(html: &str, prefix: &str) -> Vec<String> {
    let marker = format!("{prefix}-");
    html.match_indices(&marker)
        .map(|(i, _)| html[i..i + marker.len() + 5].to_string())
        .collect()
}

/// The address of the pager link named `name` ("Next page", ...), if the page has one.
fn link(html: &str, name: &str) -> Option<String> {
    let end = html.find(&format!(">{name}</a>"))?;
    let start = html[..end].rfind("href=\"")? + "href=\"".len();
    let href = &html[start..start + html[start..].find('"')?];
    Some(href.replace("&amp;", "&").replace("&#38;", "&"))
}

/// Every page from `first`, following "Next page": the pages' HTML.
async fn walk(client: &TestClient, first: &str) -> Vec<String> {
    let mut pages = vec![client.text(first).await];
    while let Some(next) = link(pages.last().unwrap(), "Next page") {
        assert!(pages.len() < 100, "the pages end: {next}");
        pages.push(client.text(&next).await);
    }
    pages
}

#[tokio::test]
async fn the_schedule_pages_forward_and_back_and_jumps_to_either_end() {
    let app = spawn_app().await;
    entries(&app, "Pagewell Ltd", "PW", 130).await;
    let lee = app.login_as(Who::ResellerUser).await;
    let filter = "/licenses?customer=Pagewell";
    let pages = walk(&lee, filter).await;
    let per_page: Vec<Vec<String>> = pages.iter().map(|p| references(p, "PW")).collect();
    assert_eq!(
        per_page.iter().map(Vec::len).collect::<Vec<_>>(),
        vec![50, 50, 30],
        "three pages of 50, 50 and 30"
    );
    let in_order: Vec<String> = per_page.concat();
    let mut all = in_order.clone();
    assert!(pages[0].contains("130 entries"), "the count is shown");
    assert!(link(&pages[0], "Previous page").is_none() && link(&pages[0], "First page").is_none());
    assert!(link(&pages[2], "Next page").is_none() && link(&pages[2], "Last page").is_none());
    // In end-date order, ties by id: the first page holds the 43 entries ending 2027-01-31
    // (every third) and then the first of 2027-02-28.
    assert!(pages[0].find("2027-01-31") < pages[0].find("2027-02-28"));
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 130, "every entry once, none left out");

    // "Last page" holds the last 50 entries; "Previous page" from there the 50 before them.
    let last = lee
        .text(&link(&pages[0], "Last page").expect("a last-page link"))
        .await;
    assert_eq!(references(&last, "PW"), in_order[80..]);
    assert!(link(&last, "Next page").is_none());
    let back = lee
        .text(&link(&last, "Previous page").expect("a previous-page link"))
        .await;
    assert_eq!(references(&back, "PW"), in_order[30..80]);
    let first = lee
        .text(&link(&back, "First page").expect("a first-page link"))
        .await;
    assert_eq!(references(&first, "PW"), per_page[0]);
    // A previous page with fewer than 50 entries before it is the first page, shown whole.
    let second_row_of_first = per_page[0][1].clone();
    let id: i64 = sqlx::query_scalar("SELECT id FROM license_entries WHERE order_reference = $1")
        .bind(&second_row_of_first)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    let near_start = lee.text(&format!("{filter}&before={id}")).await;
    assert_eq!(references(&near_start, "PW"), per_page[0]);
    // Links keep the filters.
    assert!(link(&pages[0], "Next page")
        .unwrap()
        .contains("customer=Pagewell"));
}

#[tokio::test]
async fn page_links_that_were_typed_or_went_stale_show_the_first_page() {
    let app = spawn_app().await;
    entries(&app, "Pagewell Ltd", "PW", 60).await;
    let lee = app.login_as(Who::ResellerUser).await;
    let first = references(&lee.text("/licenses?customer=pagewell").await, "PW");
    for hostile in [
        "after=abc",
        "after=-5",
        "after=0",
        "before=99999999999",
        "after=99999999999999999999999",
        "at=%3Cscript%3E",
        "page=1000",
    ] {
        let r = lee
            .get(&format!("/licenses?customer=pagewell&{hostile}"))
            .await;
        assert_eq!(r.status(), 200, "{hostile}");
        assert_eq!(
            references(&r.text().await.unwrap(), "PW"),
            first,
            "{hostile} shows the first page"
        );
    }
    // Another reseller's entry as the cursor reveals nothing of it: the page is this
    // reseller's own entries after that point.
    let alex = app.login_as(Who::OtherResellerAdmin).await;
    let theirs: i64 = app
        .scalar("SELECT MIN(id) FROM license_entries WHERE order_reference LIKE 'PW-%'")
        .await;
    let page = alex
        .text(&format!("/licenses?after={theirs}&customer=pagewell"))
        .await;
    assert!(references(&page, "PW").is_empty());
}

#[tokio::test]
async fn counts_stop_at_ten_thousand() {
    let app = spawn_app().await;
    entries(&app, "Countless Corp", "CC", 10_050).await;
    let vendor = app.login_as(Who::VendorAdmin).await;
    let page = vendor.text("/licenses?customer=countless").await;
    assert!(page.contains("more than 10,000 entries"), "the count stops");
    let exact = vendor
        .text("/licenses?customer=countless&ends_to=2027-01-31")
        .await;
    assert!(
        exact.contains("3,350 entries"),
        "an exact count below the limit"
    );
    let last = vendor
        .text(&link(&page, "Last page").expect("a last-page link"))
        .await;
    assert!(
        last.contains("CC-10050") || last.contains("CC-10049"),
        "the last page holds the latest entries"
    );
}

#[tokio::test]
async fn name_filters_find_any_part_of_a_name_in_any_case_and_survive_any_input() {
    let app = spawn_app().await;
    entries(&app, "Müller Präzisionstechnik GmbH", "MU", 2).await;
    entries(&app, "Łódź Logistyka", "LO", 1).await;
    let vendor = app.login_as(Who::VendorAdmin).await;
    for (part, prefix) in [
        ("Präzision", "MU"),
        ("müller", "MU"),
        ("Technik gmbh", "MU"),
        ("üL", "MU"),
        ("Łódź", "LO"),
        ("gistyk", "LO"),
    ] {
        let page = vendor
            .text(&format!("/licenses?customer={}", urlencode(part)))
            .await;
        assert!(
            !references(&page, prefix).is_empty(),
            "{part} finds {prefix}"
        );
    }
    let upper = vendor
        .text(&format!("/licenses?customer={}", urlencode("PRÄZISION")))
        .await;
    assert_eq!(references(&upper, "MU").len(), 2, "any case");
    assert!(
        references(&upper, "LO").is_empty(),
        "only the names that hold the part"
    );
    // What full-text search or LIKE would read as syntax is just text here.
    for hostile in [
        "\" OR *",
        "\"\"",
        "NEAR(a b)",
        "%",
        "_",
        "\\",
        "a\"b",
        "'; DROP TABLE end_customers; --",
        "\u{202e}Harbour",
        "🦀🦀🦀",
        "x",
        "ab",
    ] {
        let r = vendor
            .get(&format!("/licenses?customer={}", urlencode(hostile)))
            .await;
        assert_eq!(r.status(), 200, "{hostile:?}");
        let body = r.text().await.unwrap();
        assert!(
            body.contains("No license schedule entries match these filters."),
            "{hostile:?} matches nothing"
        );
    }
    // The reseller name filter of a distributor stays within the resellers it supplies.
    let northwind = app.login_as(Who::DistributorAdmin).await;
    let acme = northwind.text("/licenses?reseller=acme").await;
    assert!(!references(&acme, "MU").is_empty());
    let southbridge = app.login_as(Who::SouthbridgeAdmin).await;
    let none = southbridge.text("/licenses?reseller=acme").await;
    assert!(
        references(&none, "MU").is_empty(),
        "Southbridge does not supply Acme"
    );
}

#[tokio::test]
async fn a_part_that_matches_a_thousand_names_still_lists_only_the_callers_entries() {
    let app = spawn_app().await;
    let acme = app.id_of_org("Acme Secure IT").await;
    let bluepeak = app.id_of_org("Bluepeak Managed Services").await;
    // 1,100 end customers named "Zephyr Client N": more than the name index hands over by id.
    for (reseller, from) in [(acme, 1), (bluepeak, 1001)] {
        let to = if reseller == acme { 1000 } else { 1100 };
        sqlx::query(
            "WITH RECURSIVE n(i) AS (SELECT $2 UNION ALL SELECT i + 1 FROM n WHERE i < $3) \
             INSERT INTO end_customers (reseller_id, name, contact_name, contact_email, created_at) \
             SELECT $1, 'Zephyr Client ' || CAST(i AS TEXT), 'Pat', 'pat@example.com', 0 FROM n",
        )
        .bind(reseller)
        .bind(from)
        .bind(to)
        .execute(&app.db.pool)
        .await
        .unwrap();
        sqlx::query(
            "INSERT INTO license_entries (reseller_id, end_customer_id, order_id, order_reference, sku, description, \
             quantity, start_date, end_date, created_at) \
             SELECT reseller_id, id, NULL, 'ZC-' || SUBSTR(CAST(100000 + id AS TEXT), 2), 'EPIXADB10SN12T', 'Intercept X', 1, \
             '2026-02-01', '2027-02-28', 0 FROM end_customers WHERE name LIKE 'Zephyr Client %' AND reseller_id = $1",
        )
        .bind(reseller)
        .execute(&app.db.pool)
        .await
        .unwrap();
    }
    let lee = app.login_as(Who::ResellerUser).await;
    let page = lee.text("/licenses?customer=zephyr+client").await;
    assert!(page.contains("1,000 entries"), "Acme's own thousand");
    let ours: Vec<String> = walk(&lee, "/licenses?customer=zephyr+client")
        .await
        .iter()
        .flat_map(|p| references(p, "ZC"))
        .collect();
    assert_eq!(ours.len(), 1000);
    let vendor = app.login_as(Who::VendorAdmin).await;
    assert!(vendor
        .text("/licenses?customer=zephyr")
        .await
        .contains("1,100 entries"));
    // Bluepeak's admin sees Bluepeak's hundred, none of Acme's thousand.
    let alex = app.login_as(Who::OtherResellerAdmin).await;
    let theirs = alex.text("/licenses?customer=zephyr").await;
    assert!(theirs.contains("100 entries"));
    assert!(references(&theirs, "ZC").iter().all(|r| !ours.contains(r)));
    // A distributor's filter counts the names of the resellers it supplies: Southbridge
    // supplies Bluepeak, not Acme.
    let southbridge = app.login_as(Who::SouthbridgeAdmin).await;
    let supplied = southbridge.text("/licenses?customer=zephyr").await;
    assert!(supplied.contains("100 entries"), "Bluepeak's hundred only");
    assert!(references(&supplied, "ZC")
        .iter()
        .all(|r| !ours.contains(r)));
    // Fewer matches than the limit: filtered by the ids found.
    assert!(vendor
        .text("/licenses?customer=zephyr+client+1050")
        .await
        .contains("1 entry"));
    // With a product family too (a part matching up to a thousand names has their entries
    // read by the names' index, more by the family's): all of theirs are Intercept X
    // Advanced, none an appliance.
    assert!(vendor
        .text("/licenses?customer=zephyr&family=EPIXAD")
        .await
        .contains("1,100 entries"));
    assert!(vendor
        .text("/licenses?customer=zephyr+client+1050&family=epixad")
        .await
        .contains("1 entry"));
    let appliances = vendor.text("/licenses?customer=zephyr&family=HWX310").await;
    assert!(references(&appliances, "ZC").is_empty() && !appliances.contains("1,100 entries"));
    assert!(vendor
        .text("/licenses?reseller=acme&family=EPIXAD&customer=zephyr")
        .await
        .contains("1,000 entries"));
    // A reseller part of few names with a customer part of many (1,100 in all): the part is
    // looked for among the reseller's own end customers (Bluepeak has a hundred of them), and
    // those customers' entries are listed and counted, none of Acme's.
    let bluepeaks = vendor
        .text("/licenses?reseller=bluepeak&customer=zephyr")
        .await;
    assert!(
        bluepeaks.contains("100 entries") && !bluepeaks.contains("1,100 entries"),
        "Bluepeak's hundred"
    );
    assert!(references(&bluepeaks, "ZC")
        .iter()
        .all(|r| !ours.contains(r)));
    // A customer part of few names (Zephyr Client 10, 100-109 and 1000 of Acme's, 1001-1099
    // of Bluepeak's) with a reseller part: the end customers of the matching reseller only.
    for (reseller, count, listed) in [("bluepeak", "99 entries", 50), ("acme", "12 entries", 12)] {
        let page = vendor
            .text(&format!(
                "/licenses?customer=zephyr+client+10&reseller={reseller}"
            ))
            .await;
        assert!(page.contains(count), "{reseller}: {count}");
        assert_eq!(
            references(&page, "ZC").len(),
            listed,
            "{reseller}'s first page"
        );
    }
    assert!(references(
        &vendor
            .text("/licenses?customer=zephyr+client+10&reseller=acme")
            .await,
        "ZC"
    )
    .iter()
    .all(|r| ours.contains(r)));
    assert!(vendor
        .text("/licenses?customer=zephyr+client+10&reseller=cobalt")
        .await
        .contains("No license schedule entries match these filters."));
}

#[tokio::test]
async fn a_part_matching_more_names_than_a_count_reads_by_id_is_checked_on_each_entry() {
    let app = spawn_app().await;
    let acme = app.id_of_org("Acme Secure IT").await;
    // 10,050 end customers named "Myriad Client N", one Intercept X entry each, and the
    // first 30 an appliance too: more names than a count reads by id (10,000). Five others
    // ("Single Client N") have an appliance each.
    for (name, n) in ["Myriad Client ", "Single Client "]
        .into_iter()
        .zip([10_050, 5])
    {
        sqlx::query(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $3) \
             INSERT INTO end_customers (reseller_id, name, contact_name, contact_email, created_at) \
             SELECT $1, $2 || CAST(i AS TEXT), 'Pat', 'pat@example.com', 0 FROM n",
        )
        .bind(acme)
        .bind(name)
        .bind(n)
        .execute(&app.db.pool)
        .await
        .unwrap();
    }
    for (sku, up_to) in [("EPIXADB10SN12T", 10_050), ("HWX310000SH00G", 30)] {
        sqlx::query(
            "INSERT INTO license_entries (reseller_id, end_customer_id, order_id, order_reference, sku, \
             description, quantity, start_date, end_date, created_at) \
             SELECT reseller_id, id, NULL, 'MC-' || CAST(id AS TEXT), $1, 'Myriad', 1, '2026-02-01', \
             '2027-02-28', 0 FROM end_customers WHERE (name LIKE 'Myriad Client %' OR name LIKE 'Single Client %') \
             AND CAST(SUBSTR(name, 15) AS INTEGER) <= $2",
        )
        .bind(sku)
        .bind(up_to)
        .execute(&app.db.pool)
        .await
        .unwrap();
    }
    let vendor = app.login_as(Who::VendorAdmin).await;
    assert!(vendor
        .text("/licenses?customer=myriad")
        .await
        .contains("more than 10,000 entries"));
    // Counted among the family's entries, each one's name checked: the 30 appliances.
    let appliances = vendor.text("/licenses?customer=myriad&family=HWX310").await;
    assert!(
        appliances.contains("30 entries") && !appliances.contains("35 entries"),
        "{appliances}"
    );
    // With a reseller part of few names: Acme's are all theirs (more than a page reads by
    // id among Acme's end customers: Acme's entries are read by its id, each one's end
    // customer checked), Bluepeak has none.
    let acmes = vendor
        .text("/licenses?customer=myriad&reseller=acme&family=HWX310")
        .await;
    assert!(acmes.contains("30 entries"));
    assert_eq!(acmes.matches("MC-").count(), 30, "the 30 appliances listed");
    let first_page = vendor.text("/licenses?customer=myriad&reseller=acme").await;
    assert!(first_page.contains("more than 10,000 entries"));
    assert_eq!(
        first_page.matches("MC-").count(),
        50,
        "a whole page of Myriad's"
    );
    assert!(
        !first_page.contains("Single Client"),
        "not the other Acme customers'"
    );
    assert!(vendor
        .text("/licenses?customer=myriad&reseller=bluepeak")
        .await
        .contains("No license schedule entries match these filters."));
}

#[tokio::test]
async fn leads_page_by_keyset_with_their_count() {
    let app = spawn_app().await;
    let acme = app.id_of_org("Acme Secure IT").await;
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 120) \
         INSERT INTO leads (reseller_id, company, contact_name, contact_email, source, status, created_at, last_activity_on) \
         SELECT $1, 'Prospect-' || SUBSTR(CAST(100000 + i AS TEXT), 2), 'Pat', 'pat@example.com', 'partner', 'won', 0, \
         CASE WHEN i % 2 = 0 THEN '2026-02-20' ELSE '2026-02-21' END FROM n",
    )
    .bind(acme)
    .execute(&app.db.pool)
    .await
    .unwrap();
    let dana = app.login_as(Who::ResellerAdmin).await;
    let pages = walk(&dana, "/leads?status=won").await;
    let won = app
        .scalar(&format!(
            "SELECT COUNT(*) FROM leads WHERE reseller_id = {acme} AND status = 'won'"
        ))
        .await;
    assert!(won >= 120);
    let counted = format!("{won} leads");
    assert!(pages[0].contains(&counted), "{counted}");
    let in_order: Vec<String> = pages
        .iter()
        .flat_map(|p| references(p, "Prospect"))
        .collect();
    let mut all = in_order.clone();
    assert_eq!(pages.len() as i64, (won + 49) / 50);
    let activity: Vec<&str> = pages
        .iter()
        .flat_map(|p| p.match_indices("2026-02-2").map(|(i, _)| &p[i..i + 10]))
        .collect();
    assert!(activity.contains(&"2026-02-20") && activity.contains(&"2026-02-21"));
    assert!(
        activity.windows(2).all(|w| w[0] >= w[1]),
        "most recently active first"
    );
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 120, "every lead once");
    assert_eq!(
        pages
            .iter()
            .map(|p| p.matches("<tr>").count() - 1)
            .sum::<usize>() as i64,
        won,
        "every won lead of Acme, each once"
    );
    let last = dana
        .text(&link(&pages[0], "Last page").expect("a last-page link"))
        .await;
    assert_eq!(last.matches("<tr>").count() - 1, 50, "a whole page");
    assert!(
        in_order.ends_with(&references(&last, "Prospect")),
        "the last 50"
    );
    // The htmx fragment carries the same pager.
    let fragment = dana
        .get_htmx("/leads?status=won")
        .await
        .text()
        .await
        .unwrap();
    assert!(fragment.contains(&counted) && fragment.contains("Next page"));
    let alex = app.login_as(Who::OtherResellerAdmin).await;
    assert!(references(&alex.text("/leads?status=won").await, "Prospect").is_empty());
}

/// A reseller name part matching 150 resellers (more than a page reads through its index of
/// resellers, 140 on SQLite): the schedule is walked in its order keeping their entries. Every
/// one of theirs, none of anybody else's, in order, and a distributor's only of those it
/// supplies. Thirty of them have entries.
#[tokio::test]
async fn a_part_matching_dozens_of_resellers_lists_their_entries_in_order() {
    let app = spawn_app().await;
    let southbridge = app.id_of_org("Southbridge Supply").await;
    for i in 31..=150 {
        sqlx::query(
            "INSERT INTO organisations (kind, name, created_at) VALUES ('reseller', $1, 0)",
        )
        .bind(format!("Quillon Partner {i}"))
        .execute(&app.db.pool)
        .await
        .unwrap();
    }
    for i in 1..=30 {
        let reseller: i64 = sqlx::query_scalar(
            "INSERT INTO organisations (kind, name, created_at) VALUES ('reseller', $1, 0) RETURNING id",
        )
        .bind(format!("Quillon Partner {i}"))
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
        if i % 6 == 0 {
            sqlx::query(
                "INSERT INTO reseller_distributors (reseller_id, distributor_id) VALUES ($1, $2)",
            )
            .bind(reseller)
            .bind(southbridge)
            .execute(&app.db.pool)
            .await
            .unwrap();
        }
        let customer: i64 = sqlx::query_scalar(
            "INSERT INTO end_customers (reseller_id, name, contact_name, contact_email, created_at) \
             VALUES ($1, $2, 'Pat', 'pat@example.com', 0) RETURNING id",
        )
        .bind(reseller)
        .bind(format!("Quillon Client {i}"))
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
        for j in 0..3 {
            sqlx::query(
                "INSERT INTO license_entries (reseller_id, end_customer_id, order_id, order_reference, sku, description, \
                 quantity, start_date, end_date, created_at) \
                 VALUES ($1, $2, NULL, $3, 'EPIXADB10SN12T', 'Intercept X', 1, '2026-02-01', $4, 0)",
            )
            .bind(reseller)
            .bind(customer)
            .bind(format!("QP-{:05}", i * 10 + j))
            .bind(format!("2027-{:02}-{:02}", 1 + (i + j) % 12, 1 + j * 9))
            .execute(&app.db.pool)
            .await
            .unwrap();
        }
    }
    let vendor = app.login_as(Who::VendorAdmin).await;
    let pages = walk(&vendor, "/licenses?reseller=quillon+partner").await;
    assert!(
        pages[0].contains("90 entries"),
        "thirty resellers' three each"
    );
    assert_eq!(pages.len(), 2);
    let rows: usize = pages.iter().map(|p| p.matches("<tr>").count() - 1).sum();
    assert_eq!(rows, 90, "only the Quillon partners' entries");
    let mut seen: Vec<String> = pages.iter().flat_map(|p| references(p, "QP")).collect();
    let ends: Vec<&str> = pages
        .iter()
        .flat_map(|p| p.match_indices("2027-").map(|(i, _)| &p[i..i + 10]))
        .collect();
    assert!(
        ends.windows(2).all(|w| w[0] <= w[1]),
        "by end date: {ends:?}"
    );
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 90, "each once");
    // "quillon partner 1" is 62 of them (1, 10-19, 100-150; eleven with entries): few enough
    // to be read by their index and sorted, the page's entries chosen before their rows are
    // read. In order, each once.
    let few = vendor.text("/licenses?reseller=quillon+partner+1").await;
    assert!(few.contains("33 entries"), "eleven resellers' three each");
    // Two resellers ("quillon partner 15" and 150) in a product family: read from the
    // resellers' index, counted and listed alike. Partner 15's three are Intercept X Advanced.
    let family = vendor
        .text("/licenses?reseller=quillon+partner+15&family=EPIXAD")
        .await;
    assert!(family.contains("3 entries"), "partner 15's three");
    assert_eq!(references(&family, "QP").len(), 3);
    let none = vendor
        .text("/licenses?reseller=quillon+partner+15&family=HWX310")
        .await;
    assert!(references(&none, "QP").is_empty());
    // All 150 (more than a page sorts: the family's index is read), in the family.
    assert!(vendor
        .text("/licenses?reseller=quillon+partner&family=EPIXAD")
        .await
        .contains("90 entries"));
    let ends: Vec<&str> = few
        .match_indices("2027-")
        .map(|(i, _)| &few[i..i + 10])
        .collect();
    assert_eq!(ends.len(), 33);
    assert!(
        ends.windows(2).all(|w| w[0] <= w[1]),
        "by end date: {ends:?}"
    );
    let mut refs = references(&few, "QP");
    refs.sort();
    refs.dedup();
    assert_eq!(refs.len(), 33);
    assert!(refs.iter().all(|r| r[3..7] == *"0001" || r[3..6] == *"001"));
    // Southbridge supplies five of them (and Bluepeak): their fifteen entries only.
    let distributor = app.login_as(Who::SouthbridgeAdmin).await;
    let supplied = distributor.text("/licenses?reseller=quillon+partner").await;
    assert!(
        supplied.contains("15 entries"),
        "five resellers' three each"
    );
    assert_eq!(supplied.matches("<tr>").count() - 1, 15);
    assert!(references(&supplied, "QP")
        .iter()
        .all(|r| r[3..7].parse::<usize>().unwrap() % 6 == 0));
}

/// "Expired" is a branch per status (recorded expired, or still open but past the inactivity
/// limit); the branches are read as one list: in one order across pages, each lead once.
#[tokio::test]
async fn expired_leads_of_every_branch_page_as_one_list() {
    let app = spawn_app().await;
    let acme = app.id_of_org("Acme Secure IT").await;
    // The test day is 2026-03-02: with 90 days' inactivity, open leads last active before
    // 2025-12-02 show as expired. Three statuses, interleaved in activity, dates repeating.
    for i in 0..130 {
        let status = ["expired", "new", "contacted"][i % 3];
        let day = format!("2025-{:02}-{:02}", 6 + i % 5, 1 + i % 7);
        sqlx::query(
            "INSERT INTO leads (reseller_id, company, contact_name, contact_email, source, status, created_at, last_activity_on) \
             VALUES ($1, $2, 'Pat', 'pat@example.com', 'partner', $3, 0, $4)",
        )
        .bind(acme)
        .bind(format!("Lapsed-{:05}", i))
        .bind(status)
        .bind(day)
        .execute(&app.db.pool)
        .await
        .unwrap();
    }
    let dana = app.login_as(Who::ResellerAdmin).await;
    let pages = walk(&dana, "/leads?status=expired").await;
    let expired = app
        .scalar(&format!(
            "SELECT COUNT(*) FROM leads WHERE reseller_id = {acme} AND (status = 'expired' \
             OR (source = 'partner' AND status IN ('new', 'contacted', 'qualified') AND last_activity_on < '2025-12-02'))"
        ))
        .await;
    assert!(expired >= 130);
    assert!(pages[0].contains(&format!("{expired} leads")), "{expired}");
    assert_eq!(pages.len() as i64, (expired + 49) / 50);
    let rows: i64 = pages
        .iter()
        .map(|p| p.matches("<tr>").count() as i64 - 1)
        .sum();
    assert_eq!(rows, expired, "every expired lead once");
    let in_order: Vec<String> = pages.iter().flat_map(|p| references(p, "Lapsed")).collect();
    let mut once = in_order.clone();
    once.sort();
    once.dedup();
    assert_eq!(once.len(), 130, "each lead of the three statuses once");
    let activity: Vec<&str> = pages
        .iter()
        .flat_map(|p| p.match_indices("2025-").map(|(i, _)| &p[i..i + 10]))
        .collect();
    assert!(
        activity.windows(2).all(|w| w[0] >= w[1]),
        "most recently active first across the branches: {activity:?}"
    );
    // The last page, and the page before it, join the same order from the other end.
    let last = dana
        .text(&link(&pages[0], "Last page").expect("a last-page link"))
        .await;
    let tail = references(&last, "Lapsed");
    assert!(!tail.is_empty());
    assert_eq!(
        tail[..],
        in_order[in_order.len() - tail.len()..],
        "the last page"
    );
    let before = dana
        .text(&link(&last, "Previous page").expect("a previous-page link"))
        .await;
    let shown = references(&before, "Lapsed");
    let at = in_order.iter().position(|r| r == &shown[0]).unwrap();
    assert_eq!(
        in_order[at..at + shown.len()],
        shown[..],
        "the page before the last"
    );
    // The vendor's branches are read without the reseller (joined for the page's rows only):
    // the same leads in the same order, among every reseller's.
    let vendor = app.login_as(Who::VendorAdmin).await;
    let all: Vec<String> = walk(&vendor, "/leads?status=expired")
        .await
        .iter()
        .flat_map(|p| references(p, "Lapsed"))
        .collect();
    assert_eq!(
        all, in_order,
        "the vendor's list holds Acme's in the same order"
    );
    // Read again, each page reads only up to where it ended the first time: the same pages.
    let again: Vec<String> = walk(&dana, "/leads?status=expired")
        .await
        .iter()
        .flat_map(|p| references(p, "Lapsed"))
        .collect();
    assert_eq!(again, in_order, "the same list read again");
    let last_again = dana
        .text(&link(&pages[0], "Last page").expect("a last-page link"))
        .await;
    assert_eq!(
        references(&last_again, "Lapsed"),
        tail,
        "the last page again"
    );
}

/// A page of entries found by name is read up to where it ended the last time it was read,
/// and is still the list's first page when entries came before it since, or went.
#[tokio::test]
async fn a_page_read_again_is_the_same_list_after_entries_came_and_went() {
    let app = spawn_app().await;
    // 120 entries: 40 ending 2027-01-31, 40 on 2027-02-28, 40 on 2027-03-31 (by id within).
    let customer = entries(&app, "Wexford Logistics", "WX", 120).await;
    let vendor = app.login_as(Who::VendorAdmin).await;
    let january: Vec<String> = (1..=40).map(|i| format!("WX-{:05}", i * 3)).collect();
    let february: Vec<String> = (0..40).map(|i| format!("WX-{:05}", i * 3 + 1)).collect();
    let march: Vec<String> = (0..40).map(|i| format!("WX-{:05}", i * 3 + 2)).collect();
    let first = [&january[..], &february[..10]].concat();
    for read in ["first", "again"] {
        let page = vendor.text("/licenses?customer=wexford").await;
        assert_eq!(references(&page, "WX"), first, "read {read}");
    }
    // An entry ending before all of them comes first.
    sqlx::query(
        "INSERT INTO license_entries (reseller_id, end_customer_id, order_id, order_reference, sku, description, \
         quantity, start_date, end_date, created_at) \
         SELECT reseller_id, id, NULL, 'WX-00999', 'EPIXADB10SN12T', 'Intercept X', 1, '2026-02-01', '2027-01-15', 0 \
         FROM end_customers WHERE id = $1",
    )
    .bind(customer)
    .execute(&app.db.pool)
    .await
    .unwrap();
    let page = vendor.text("/licenses?customer=wexford").await;
    let with_new = [&["WX-00999".to_string()][..], &january[..], &february[..9]].concat();
    assert_eq!(references(&page, "WX"), with_new, "the new entry first");
    // The January entries and the new one go: fewer than a page is left up to where the page
    // ended, and the page is the next fifty (not the forty left before that end).
    sqlx::query(
        "DELETE FROM license_entries WHERE end_customer_id = $1 AND end_date < '2027-02-01'",
    )
    .bind(customer)
    .execute(&app.db.pool)
    .await
    .unwrap();
    let page = vendor.text("/licenses?customer=wexford").await;
    let after = [&february[..], &march[..10]].concat();
    assert_eq!(
        references(&page, "WX"),
        after,
        "the page after January went"
    );
    assert!(link(&page, "Next page").is_some(), "thirty more after it");
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// An entry of Acme's end customer `customer` with its order reference and dates.
async fn dated(app: &TestApp, acme: i64, customer: i64, reference: &str, start: &str, end: &str) {
    sqlx::query(
        "INSERT INTO license_entries (reseller_id, end_customer_id, order_id, order_reference, sku, description, \
         quantity, start_date, end_date, created_at) VALUES ($1, $2, NULL, $3, 'EPIXADB10SN12T', 'Intercept X', 1, $4, $5, 0)",
    )
    .bind(acme)
    .bind(customer)
    .bind(reference)
    .bind(start)
    .bind(end)
    .execute(&app.db.pool)
    .await
    .unwrap();
}

#[tokio::test]
async fn upcoming_entries_list_by_start_date() {
    let app = spawn_app().await;
    let customer = entries(&app, "Laterday Ltd", "LD", 0).await;
    let acme = app.id_of_org("Acme Secure IT").await;
    // Starting later ends sooner here: the list follows the start date.
    for (reference, start, end) in [
        ("LD-00001", "2026-06-01", "2029-05-31"),
        ("LD-00002", "2026-05-01", "2030-04-30"),
        ("LD-00003", "2026-07-01", "2027-06-30"),
    ] {
        dated(&app, acme, customer, reference, start, end).await;
    }
    let lee = app.login_as(Who::ResellerUser).await;
    let page = lee
        .text("/licenses?status=upcoming&customer=laterday")
        .await;
    assert_eq!(
        references(&page, "LD"),
        vec!["LD-00002", "LD-00001", "LD-00003"],
        "by start date"
    );
    assert!(page.contains("by start date"));
    assert!(page.contains("3 entries"));
}

#[tokio::test]
async fn the_last_page_of_active_entries_ends_with_the_longest_running_term() {
    let app = spawn_app().await;
    let customer = entries(&app, "Longterm Ltd", "LT", 0).await;
    let acme = app.id_of_org("Acme Secure IT").await;
    // Today is 2026-03-02. The running entry of five years ends after every other running
    // one, and before an upcoming one: the list's walk back from the last end date a running
    // entry can have (today plus the longest term) must reach it.
    for (reference, start, end) in [
        ("LT-00001", "2025-03-01", "2030-02-28"),
        ("LT-00002", "2026-01-01", "2026-12-31"),
        ("LT-00003", "2026-04-01", "2027-03-31"),
        ("LT-00004", "2027-03-01", "2031-02-28"),
        ("LT-00005", "2024-01-01", "2025-12-31"),
    ] {
        dated(&app, acme, customer, reference, start, end).await;
    }
    let lee = app.login_as(Who::ResellerUser).await;
    let alex = app.login_as(Who::VendorAdmin).await;
    let northwind = app.login_as(Who::DistributorAdmin).await;
    for (who, client) in [
        ("reseller", &lee),
        ("vendor", &alex),
        ("distributor", &northwind),
    ] {
        for path in [
            "/licenses?status=active&at=last",
            "/licenses?status=active&family=EPIXAD&at=last",
            "/licenses?status=active&customer=longterm&at=last",
            "/licenses?status=active&customer=longterm&reseller=acme&at=last",
        ] {
            let running = references(&client.text(path).await, "LT");
            assert_eq!(
                running.last().map(String::as_str),
                Some("LT-00001"),
                "{who}, {path}: the five-year entry ends the list"
            );
            assert!(
                running.iter().all(|r| r == "LT-00001" || r == "LT-00002"),
                "{who}, {path}: only running entries: {running:?}"
            );
        }
    }
    let page = lee.text("/licenses?status=active&at=last").await;
    assert_eq!(references(&page, "LT"), vec!["LT-00002", "LT-00001"]);
}

#[tokio::test]
async fn every_inquiry_can_be_reached_page_by_page() {
    let app = spawn_app().await;
    let acme = app.id_of_org("Acme Secure IT").await;
    let northwind = app.id_of_org("Northwind Distribution").await;
    let customer = entries(&app, "Askwell Ltd", "AW", 0).await;
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 75) \
         INSERT INTO inquiries (reference, reseller_id, end_customer_id, distributor_id, status, created_at, submitted_at, submitted_on) \
         SELECT 'PI-' || SUBSTR(CAST(100000 + i AS TEXT), 2), $1, $2, $3, 'submitted', i, i, '2026-03-01' FROM n",
    )
    .bind(acme)
    .bind(customer)
    .bind(northwind)
    .execute(&app.db.pool)
    .await
    .unwrap();
    let expected = app
        .scalar(&format!(
            "SELECT COUNT(*) FROM inquiries WHERE reseller_id = {acme} AND status = 'submitted'"
        ))
        .await;
    let lee = app.login_as(Who::ResellerUser).await;
    let pages = walk(&lee, "/inquiries?status=submitted").await;
    assert!(pages[0].contains(&format!("{expected} inquiries")));
    let mut seen: Vec<String> = pages.iter().flat_map(|p| references(p, "PI")).collect();
    assert!(seen.first() > seen.last(), "newest first");
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 75, "every inquiry once, the oldest too");
    // Another reseller sees none of them, on any page.
    let alex = app.login_as(Who::OtherResellerAdmin).await;
    assert!(references(
        &alex.text("/inquiries?status=submitted&at=last").await,
        "PI"
    )
    .is_empty());
}

#[tokio::test]
async fn every_order_can_be_reached_and_the_waiting_count_covers_them_all() {
    let app = spawn_app().await;
    let acme = app.id_of_org("Acme Secure IT").await;
    let northwind = app.id_of_org("Northwind Distribution").await;
    let customer = entries(&app, "Orderly Ltd", "OL", 0).await;
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 230) \
         INSERT INTO orders (reference, reseller_id, distributor_id, end_customer_id, status, total_net, created_at) \
         SELECT 'OR-' || SUBSTR(CAST(100000 + i AS TEXT), 2), $1, $2, $3, 'placed', 1000, i FROM n",
    )
    .bind(acme)
    .bind(northwind)
    .bind(customer)
    .execute(&app.db.pool)
    .await
    .unwrap();
    let expected = app
        .scalar(&format!(
            "SELECT COUNT(*) FROM orders WHERE reseller_id = {acme}"
        ))
        .await;
    let lee = app.login_as(Who::ResellerUser).await;
    let pages = walk(&lee, "/orders").await;
    assert!(pages[0].contains(&format!("{expected} orders")));
    let mut seen: Vec<String> = pages.iter().flat_map(|p| references(p, "OR")).collect();
    seen.sort();
    seen.dedup();
    assert_eq!(
        seen.len(),
        230,
        "more than the 200 the list used to stop at"
    );
    // The vendor's count of waiting orders is of every order, not of one page.
    let vendor = app.login_as(Who::VendorAdmin).await;
    let waiting = app
        .scalar(
            "SELECT COUNT(*) FROM orders o LEFT JOIN order_processing p ON p.order_id = o.id \
             WHERE p.order_id IS NULL",
        )
        .await;
    assert!(waiting >= 230);
    assert!(vendor
        .text("/orders")
        .await
        .contains(&format!("{waiting} placed orders wait")));
    let alex = app.login_as(Who::OtherResellerAdmin).await;
    assert!(references(&alex.text("/orders?at=last").await, "OR").is_empty());
}

#[tokio::test]
async fn an_organisations_users_page_by_keyset_active_first_and_only_its_own() {
    let app = spawn_app().await;
    let acme = app.id_of_org("Acme Secure IT").await;
    let bluepeak = app.id_of_org("Bluepeak Managed Services").await;
    // 120 more people at Acme (every seventh disabled), and one at another reseller.
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 120) \
         INSERT INTO users (org_id, email, display_name, password_hash, role, disabled, created_at) \
         SELECT $1, 'person' || i || '@acme.example', 'Person ' || SUBSTR(CAST(1000 + i AS TEXT), 2), 'x', 'reseller_user', \
         CASE WHEN i % 7 = 0 THEN 1 ELSE 0 END, 0 FROM n",
    )
    .bind(acme)
    .execute(&app.db.pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO users (org_id, email, display_name, password_hash, role, disabled, created_at) \
         VALUES ($1, 'person999@bluepeak.example', 'Person 999', 'x', 'reseller_user', 0, 0)",
    )
    .bind(bluepeak)
    .execute(&app.db.pool)
    .await
    .unwrap();
    let total = app
        .scalar(&format!("SELECT COUNT(*) FROM users WHERE org_id = {acme}"))
        .await;
    let dana = app.login_as(Who::ResellerAdmin).await;
    let pages = walk(&dana, "/users").await;
    assert_eq!(pages.len(), 3, "50 a page");
    assert!(pages[0].contains(&format!("{total} users")), "{}", pages[0]);
    let people: Vec<String> = pages.iter().flat_map(|p| names_of_people(p)).collect();
    let mut once = people.clone();
    once.sort();
    once.dedup();
    assert_eq!(once.len(), 120, "every person once");
    // Active people by name first, the 17 disabled ones after them.
    let disabled: Vec<&String> = people[people.len() - 17..].iter().collect();
    assert!(disabled
        .iter()
        .all(|p| p[7..].parse::<i64>().unwrap() % 7 == 0));
    assert!(people[..people.len() - 17].windows(2).all(|w| w[0] < w[1]));
    assert!(
        pages.iter().all(|p| !p.contains("Person 999")),
        "not another reseller's"
    );
    // Back from the last page, and a search that pages too.
    let last = dana.text("/users?at=last").await;
    assert!(last.contains("Person 1") || last.contains("Person 0"));
    let back = link(&last, "Previous page").expect("a previous page");
    assert!(dana.text(&back).await.contains("Next page"));
    let found = dana.text("/users?q=PERSON+01").await;
    assert_eq!(names_of_people(&found).len(), 10, "Person 010 to 019");
    for hostile in ["%", "_", "\\", "' OR 1=1 --", "Ünïcødé 🦀"] {
        let r = dana
            .get(&format!(
                "/users?q={}&after=x{}",
                urlencode(hostile),
                urlencode(hostile)
            ))
            .await;
        assert_eq!(r.status(), 200, "{hostile}");
        assert!(
            names_of_people(&r.text().await.unwrap()).is_empty(),
            "{hostile}"
        );
    }
}

/// The names "Person NNN" of the user list's rows, in page order.
fn names_of_people(html: &str) -> Vec<String> {
    html.match_indices("\">Person ")
        .map(|(i, _)| html[i + 2..i + 2 + "Person 000".len()].to_string())
        .collect()
}
