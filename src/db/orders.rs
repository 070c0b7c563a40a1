//! Orders, their processing, and the license schedule entries processing creates. Reads take
//! the caller's scope: the reseller's own, a distributor's, or all for the vendor.

use super::names::COUNT_NAMES;
pub use super::Scope;
use crate::domain::paging::{Count, Cursor, Window};
use crate::domain::{Cents, EntryId, InquiryId, OrderId, OrgId};
use chrono::NaiveDate;
use sqlx::{AnyConnection, AnyPool, Row};

#[derive(Debug, Clone)]
pub struct Order {
    pub id: OrderId,
    pub reference: String,
    pub reseller_id: OrgId,
    pub reseller_name: String,
    pub distributor_id: OrgId,
    pub distributor_name: String,
    pub end_customer_id: i64,
    pub end_customer_name: String,
    pub total_net: Cents,
    /// The currency of every amount of the order.
    pub currency: String,
    pub created_at: i64,
    pub completed_on: Option<String>,
    /// When it was processed (UTC seconds).
    pub processed_at: Option<i64>,
    /// The pricing inquiry whose quote it was placed from, if any: (id, reference).
    pub inquiry: Option<(InquiryId, String)>,
    /// The reseller's purchase-order reference, if it gave one.
    pub po_reference: Option<String>,
}

const SELECT: &str = "SELECT o.id, o.reference, o.reseller_id, r.name AS reseller_name, o.distributor_id, d.name AS distributor_name, \
       o.end_customer_id, e.name AS end_customer_name, o.total_net, o.currency, o.created_at, p.completed_on, p.processed_at, o.inquiry_id, i.reference AS inquiry_reference, o.po_reference \
     FROM orders o JOIN organisations r ON r.id = o.reseller_id JOIN organisations d ON d.id = o.distributor_id \
     JOIN end_customers e ON e.id = o.end_customer_id LEFT JOIN order_processing p ON p.order_id = o.id \
     LEFT JOIN inquiries i ON i.id = o.inquiry_id";

pub(crate) const SCOPE: &str = "($1 = 'all' OR ($1 = 'reseller' AND o.reseller_id = $2) OR ($1 = 'distributor' AND o.distributor_id = $2))";

fn order(r: &dyn super::cells::Cells) -> Result<Order, sqlx::Error> {
    Ok(Order {
        id: OrderId(r.get("id")?),
        reference: r.get("reference")?,
        reseller_id: OrgId(r.get("reseller_id")?),
        reseller_name: r.get("reseller_name")?,
        distributor_id: OrgId(r.get("distributor_id")?),
        distributor_name: r.get("distributor_name")?,
        end_customer_id: r.get("end_customer_id")?,
        end_customer_name: r.get("end_customer_name")?,
        total_net: Cents::new(r.get("total_net")?),
        currency: r.get("currency")?,
        created_at: r.get("created_at")?,
        completed_on: r.get("completed_on")?,
        processed_at: r.get("processed_at")?,
        inquiry: match (
            r.get::<Option<i64>>("inquiry_id")?,
            r.get::<Option<String>>("inquiry_reference")?,
        ) {
            (Some(id), Some(reference)) => Some((InquiryId(id), reference)),
            _ => None,
        },
        po_reference: r.get("po_reference")?,
    })
}

/// Records the reseller's purchase-order reference of an order.
pub async fn set_po_reference(
    conn: &mut AnyConnection,
    order: OrderId,
    po: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE orders SET po_reference = $1 WHERE id = $2")
        .bind(po)
        .bind(order.0)
        .execute(conn)
        .await?;
    Ok(())
}

/// The order placed from an inquiry's accepted quote, in scope: (id, reference).
pub async fn of_inquiry(
    pool: &AnyPool,
    scope: Scope,
    inquiry: InquiryId,
) -> Result<Option<(OrderId, String)>, sqlx::Error> {
    let (kind, org) = scope.params();
    let row: Option<(i64, String)> = sqlx::query_as(&format!(
        "SELECT o.id, o.reference FROM orders o WHERE {SCOPE} AND o.inquiry_id = $3 ORDER BY o.id LIMIT 1"
    ))
    .bind(kind)
    .bind(org)
    .bind(inquiry.0)
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|(id, reference)| (OrderId(id), reference)))
}

/// One order in scope.
pub async fn get(pool: &AnyPool, scope: Scope, id: OrderId) -> Result<Option<Order>, sqlx::Error> {
    scope
        .one(pool, &format!("{SELECT} WHERE {SCOPE} AND o.id = $3"), id.0)
        .await?
        .as_ref()
        .map(|r| order(r))
        .transpose()
}

/// One order, read inside the caller's transaction (for the events told of it).
pub async fn get_in(conn: &mut AnyConnection, id: OrderId) -> Result<Option<Order>, sqlx::Error> {
    sqlx::query(&format!("{SELECT} WHERE o.id = $1"))
        .bind(id.0)
        .fetch_optional(conn)
        .await?
        .as_ref()
        .map(|r| order(r))
        .transpose()
}

/// A line of an order as its page shows it, with the entry it renews or changes.
pub struct ShownLine {
    pub sku: String,
    pub description: String,
    pub quantity: i64,
    pub unit_msrp: Cents,
    pub net: Cents,
    /// The end date of the entry a renewal or change continues.
    pub changes_end: Option<String>,
    /// That entry's SKU.
    pub changes_sku: Option<String>,
}

pub async fn shown_lines(pool: &AnyPool, order: OrderId) -> Result<Vec<ShownLine>, sqlx::Error> {
    sqlx::query(
        "SELECT l.sku, l.description, l.quantity, l.unit_msrp, l.net, e.end_date, e.sku AS entry_sku \
         FROM order_lines l LEFT JOIN license_entries e ON e.id = l.changes_entry_id \
         WHERE l.order_id = $1 ORDER BY l.line_no",
    )
    .bind(order.0)
    .fetch_all(pool)
    .await?
    .iter()
    .map(|r| {
        Ok(ShownLine {
            sku: r.try_get("sku")?,
            description: r.try_get("description")?,
            quantity: r.try_get("quantity")?,
            unit_msrp: Cents::new(r.try_get("unit_msrp")?),
            net: Cents::new(r.try_get("net")?),
            changes_end: r.try_get("end_date")?,
            changes_sku: r.try_get("entry_sku")?,
        })
    })
    .collect()
}

/// The schedule entries an order created: (SKU, description, quantity, start, end).
pub async fn entries_of_order(
    conn: &mut AnyConnection,
    order: OrderId,
) -> Result<Vec<(String, String, i64, String, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT sku, description, quantity, start_date, end_date FROM license_entries WHERE order_id = $1 ORDER BY id",
    )
    .bind(order.0)
    .fetch_all(conn)
    .await
}

/// The order list's order: newest first.
const ORDER_ORDER: super::sql::Keyset = super::sql::Keyset {
    table: "orders o",
    key: "o.id",
    id: "o.id",
    descending: true,
    keeps_ends: true,
};

/// The page at `cursor` of the orders in scope, newest first.
pub async fn list(
    db: &super::Db,
    scope: Scope,
    cursor: Cursor,
) -> Result<Window<Order>, sqlx::Error> {
    let columns = &SELECT[..SELECT.find(" FROM ").unwrap_or(SELECT.len())];
    let from = &SELECT[SELECT.find(" FROM ").unwrap_or(0)..];
    ORDER_ORDER
        .window(
            db,
            columns,
            &super::sql::Sql::scoped(&format!("{from} WHERE {SCOPE}"), scope),
            cursor,
            crate::domain::paging::PER_PAGE as usize,
            order,
            |o: &Order| o.id.0,
        )
        .await
}

/// How many orders are in scope (up to "more than 10,000").
pub async fn count(pool: &AnyPool, scope: Scope) -> Result<Count, sqlx::Error> {
    super::sql::Sql::scoped(&format!("FROM orders o WHERE {SCOPE}"), scope)
        .count(pool)
        .await
}

/// Placed orders not processed yet, oldest first.
pub async fn unprocessed(pool: &AnyPool) -> Result<Vec<Order>, sqlx::Error> {
    let rows = sqlx::query(&format!("{SELECT} WHERE p.order_id IS NULL ORDER BY o.id"))
        .fetch_all(pool)
        .await?;
    rows.iter().map(|r| order(r)).collect()
}

pub struct OrderLine {
    pub sku: String,
    pub description: String,
    pub quantity: i64,
    /// The schedule entry a renewal or mid-term change continues.
    pub changes_entry: Option<EntryId>,
}

pub async fn lines(
    conn: &mut AnyConnection,
    order: OrderId,
) -> Result<Vec<OrderLine>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT sku, description, quantity, changes_entry_id FROM order_lines WHERE order_id = $1 ORDER BY line_no",
    )
    .bind(order.0)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(OrderLine {
                sku: r.try_get("sku")?,
                description: r.try_get("description")?,
                quantity: r.try_get("quantity")?,
                changes_entry: r
                    .try_get::<Option<i64>, _>("changes_entry_id")?
                    .map(EntryId),
            })
        })
        .collect()
}

/// Marks the order processed; false if another process did it first.
pub async fn claim(
    conn: &mut AnyConnection,
    order: OrderId,
    completed_on: NaiveDate,
    by: Option<i64>,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "INSERT INTO order_processing (order_id, completed_on, processed_at, processed_by) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (order_id) DO NOTHING",
    )
    .bind(order.0)
    .bind(completed_on.to_string())
    .bind(now)
    .bind(by)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub struct NewEntry<'a> {
    pub reseller: OrgId,
    pub end_customer: i64,
    pub order: OrderId,
    pub order_reference: &'a str,
    pub sku: &'a str,
    pub description: &'a str,
    pub quantity: i64,
    pub start: NaiveDate,
    pub end: NaiveDate,
}

pub async fn insert_entry(
    conn: &mut AnyConnection,
    e: &NewEntry<'_>,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO license_entries (reseller_id, end_customer_id, order_id, order_reference, sku, description, quantity, \
         start_date, end_date, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(e.reseller.0)
    .bind(e.end_customer)
    .bind(e.order.0)
    .bind(e.order_reference)
    .bind(e.sku)
    .bind(e.description)
    .bind(e.quantity)
    .bind(e.start.to_string())
    .bind(e.end.to_string())
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

#[derive(Debug, Clone)]
pub struct Entry {
    pub id: EntryId,
    pub reseller_name: String,
    pub end_customer_id: i64,
    pub end_customer_name: String,
    pub order_reference: String,
    /// The order that created it (none for imported entries) and that order's distributor.
    pub order: Option<(OrderId, OrgId)>,
    pub sku: String,
    pub description: String,
    pub quantity: i64,
    pub start: NaiveDate,
    pub end: NaiveDate,
    /// When it was put on the schedule (UTC seconds).
    pub added_at: i64,
}

/// The columns of [`ENTRY_COLUMNS`], in its order: a schedule row is read by position (looking
/// each of a page's 650 values up by name was a thirtieth of the page's work).
#[derive(Debug, Clone, Copy)]
enum EntryColumn {
    Id,
    ResellerName,
    EndCustomerId,
    EndCustomerName,
    OrderReference,
    OrderId,
    OrderDistributor,
    Sku,
    Description,
    Quantity,
    StartDate,
    EndDate,
    CreatedAt,
}

fn entry(r: &dyn super::cells::Cells) -> Result<Entry, sqlx::Error> {
    use EntryColumn as C;
    let at = |c: C| c as usize;
    Ok(Entry {
        id: EntryId(r.get(at(C::Id))?),
        reseller_name: r.get(at(C::ResellerName))?,
        end_customer_id: r.get(at(C::EndCustomerId))?,
        end_customer_name: r.get(at(C::EndCustomerName))?,
        order_reference: r.get(at(C::OrderReference))?,
        order: match (
            r.get::<Option<i64>>(at(C::OrderId))?,
            r.get::<Option<i64>>(at(C::OrderDistributor))?,
        ) {
            (Some(o), Some(d)) => Some((OrderId(o), OrgId(d))),
            _ => None,
        },
        sku: r.get(at(C::Sku))?,
        description: r.get(at(C::Description))?,
        quantity: r.get(at(C::Quantity))?,
        start: super::date(&r.get::<String>(at(C::StartDate))?)?,
        end: super::date(&r.get::<String>(at(C::EndDate))?)?,
        added_at: r.get(at(C::CreatedAt))?,
    })
}

/// One end customer's schedule in scope (distributors: of the resellers they supply), by
/// start date: for the PDF, the printable view and the order form.
pub async fn entries(
    pool: &AnyPool,
    scope: Scope,
    end_customer: Option<i64>,
) -> Result<Vec<Entry>, sqlx::Error> {
    let (kind, id) = scope.params();
    let entry_scope = scope.resellers("l.reseller_id");
    sqlx::query(&format!(
        "SELECT {ENTRY_COLUMNS} FROM license_entries l {ENTRY_JOINS} \
         WHERE {entry_scope} AND ($3 = 0 OR l.end_customer_id = $3) \
         ORDER BY LOWER(e.name), l.start_date, l.id LIMIT 5000"
    ))
    .bind(kind)
    .bind(id)
    .bind(end_customer.unwrap_or(0))
    .fetch_all(pool)
    .await?
    .iter()
    .map(|r| entry(r))
    .collect()
}

/// What a schedule list is narrowed to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct EntryFilter {
    pub end_customer: Option<i64>,
    /// Part of the end customer's name.
    pub customer: String,
    /// Part of the reseller's name (for distributors and the vendor).
    pub reseller: String,
    pub status: Option<crate::domain::schedule::EntryStatus>,
    /// A product family code (the SKU's first six characters).
    pub family: String,
    pub ends_from: Option<NaiveDate>,
    pub ends_to: Option<NaiveDate>,
    /// One reseller's entries (the API names it by id).
    pub reseller_id: Option<i64>,
    /// Entries added at or after this time (UTC seconds): an entry never changes once it is
    /// on a schedule, so this is what changed since then.
    pub added_since: Option<i64>,
}

/// The schedule lists' order: by end date, then id.
const ENTRY_ORDER: super::sql::Keyset = super::sql::Keyset {
    table: "license_entries l",
    key: "l.end_date",
    id: "l.id",
    descending: false,
    keeps_ends: true,
};

/// The order a schedule list of `filter` is read in.
fn list_order(filter: &EntryFilter) -> super::sql::Keyset {
    match filter.status {
        Some(crate::domain::schedule::EntryStatus::Upcoming) => UPCOMING_ORDER,
        _ => ENTRY_ORDER,
    }
}

/// Upcoming entries (starting after today) by start date, then id: they end long after most
/// other entries, so by end date a page of them would lie behind every running one.
const UPCOMING_ORDER: super::sql::Keyset = super::sql::Keyset {
    table: "license_entries l",
    key: "l.start_date",
    id: "l.id",
    descending: false,
    keeps_ends: false,
};

const ENTRY_COLUMNS: &str = "l.id, r.name AS reseller_name, l.end_customer_id, e.name AS end_customer_name, \
        l.order_reference, l.order_id, o.distributor_id AS order_distributor, l.sku, l.description, l.quantity, l.start_date, l.end_date, l.created_at";

/// The joins of a page's columns.
const ENTRY_JOINS: &str = "JOIN organisations r ON r.id = l.reseller_id \
     JOIN end_customers e ON e.id = l.end_customer_id LEFT JOIN orders o ON o.id = l.order_id";

/// How a page reads the entries that `entries_where` selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Read {
    /// With the joins of its columns, in the list's order.
    Joined,
    /// Its entries' ids first (the statement joins only the names it checks), then those
    /// entries' rows: the matches of names found by id are read by an index and sorted, and
    /// joining each of them before keeping a page's worth cost more than the rest of the
    /// page.
    IdsFirst,
}

/// Up to this many end customers found by a name part, a page reads their entries by id.
const FEW_CUSTOMERS: usize = 1_000;

/// Up to this many resellers found by a name part, a page reads their entries from the
/// resellers' index and sorts them (past it, SQLite walks the list's order), and their entries
/// in a product family are read from that index rather than the family's.
const RESELLERS_A_PAGE_SORTS: usize = 140;

/// `FROM ... WHERE ...` of the entries in scope matching `filter` on `today`, how a page reads
/// it, and whether a count walks it in the list's order; `None` when a name part matches no
/// name at all. Each filter that is set adds its own condition (one the
/// database answers from an index where there is one); a name part is first looked up in the
/// name index, and the entries are filtered by the ids found. With `columns`, for a page:
/// the joins its columns need are made (or, for `Read::IdsFirst`, left to the rows read
/// after); a count makes only those its conditions need.
async fn entries_where(
    pool: &AnyPool,
    scope: Scope,
    filter: &EntryFilter,
    today: NaiveDate,
    columns: bool,
) -> Result<Option<(super::sql::Sql, Read, bool)>, sqlx::Error> {
    use super::names::{matching, Matches, Named};
    use crate::domain::schedule::EntryStatus;
    // Each name filter: what is named, the part typed, the entry's column, the joined name,
    // up to how many matches a page reads by id (past that, the page reads entries in order
    // and checks the name), and past how many of those ids the page still reads the
    // entries in order, keeping those of the ids: SQLite reads every entry of the ids from
    // their index and keeps the page's worth while sorting, which costs as many entries as
    // the resellers have (hundreds each), where the walk along the end-date index passes
    // about 51 × (all resellers / matched) entries. At the large scale (200 entries a
    // reseller) the sort is the cheaper up to about 140 resellers: 100 resellers 0.16 ms
    // against 0.50 ms walking, 300 resellers 0.35 ms against 0.19 ms.
    let names = [
        (
            Named::EndCustomers,
            filter.customer.trim(),
            "l.end_customer_id",
            "e",
            FEW_CUSTOMERS,
            usize::MAX,
        ),
        (
            Named::Organisations,
            filter.reseller.trim(),
            "l.reseller_id",
            "r",
            super::names::FEW_TO_LIST,
            RESELLERS_A_PAGE_SORTS,
        ),
    ];
    // The names each part matches (kept a few seconds: a page and its count, and the next
    // page, ask the same). A page reads a part's entries by id up to `few` names; a count
    // up to `COUNT_NAMES` (a name has a few entries: their entries are fewer than a walk
    // along the list would pass). Past that, the entries are read in order (or by another
    // condition's index) and each one's name checked: a part of that many names is common
    // enough for a page, or ten thousand counted entries, to be found soon. (Counted by
    // the name index instead, a common part was read whole before the other conditions:
    // `customer=cus&reseller=scale reseller 5` built a set of 200,000 names for one
    // reseller's 200 entries, 0.5 s; `customer=cus&family=EPIXAD` 0.4-10 s.)
    let few_of = |few: usize| match columns {
        true => few,
        false => COUNT_NAMES,
    };
    let (customer_named, customer_part, _, _, customer_few, _) = names[0];
    let (reseller_named, reseller_part, _, _, reseller_few, _) = names[1];
    // The reseller part first: one of few resellers narrows the end-customer part to their end
    // customers (below), and the part's lookup among every end customer is not needed
    // (`customer=customer 1&reseller=scale reseller 1` on PostgreSQL: 35-54 ms reading the
    // names in order to learn that 100,000 of them hold the part).
    let resellers = match reseller_part.is_empty() {
        true => None,
        false => match matching(
            pool,
            reseller_named,
            reseller_part,
            scope,
            few_of(reseller_few),
        )
        .await?
        {
            Matches::Ids(ids) if ids.is_empty() => return Ok(None),
            m => Some(m),
        },
    };
    // One part narrowed by the other, through the rule that an entry's end customer is its
    // reseller's (migration 0037); the end customers found stand for both parts.
    // - A part of the end customer's name with a part of few resellers' names (found by id)
    //   is looked for among those resellers' end customers. A part common elsewhere may be
    //   rare or absent there: `customer=customer 1&reseller=scale reseller 1` passed all
    //   200,000 entries of a thousand resellers to find none (0.1-1.2 s on SQLite, up to 3.9 s
    //   on PostgreSQL). (Up to a thousand resellers, some 40,000 end customers at the large
    //   scale, read in 8-10 ms; a count's part of 5,000 resellers found no fewer names than
    //   the part alone.)
    // - End customers found by id, with any other part of the reseller's name, keep those
    //   whose reseller matches. Each entry's reseller checked instead, PostgreSQL walked the
    //   list by end date for the entries of 1,000 end customers and every reseller
    //   (`customer=customer 123&reseller=scale&status=active&at=last`, 0.23-0.27 s each time).
    let customer_few = few_of(customer_few);
    let customers = match (customer_part.is_empty(), &resellers) {
        (true, _) => None,
        (false, Some(Matches::Ids(resellers))) if resellers.len() <= super::names::FEW_TO_LIST => {
            Some(super::names::customers_of(pool, &filter.customer, resellers, customer_few).await?)
        }
        (false, _) => Some(
            match matching(pool, customer_named, customer_part, scope, customer_few).await? {
                Matches::Ids(ids) if !ids.is_empty() && resellers.is_some() => {
                    super::names::customers_with_reseller(pool, &ids, &filter.reseller).await?
                }
                m => m,
            },
        ),
    };
    let resellers = match &customers {
        Some(Matches::Ids(ids)) if ids.is_empty() => return Ok(None),
        // The end customers found stand for the reseller part too.
        Some(Matches::Ids(_)) => None,
        _ => resellers,
    };
    let matched = vec![customers, resellers];
    let by_name = |i: usize| matches!(matched.get(i), Some(Some(Matches::Many)));
    let backend = super::sql::backend(pool);
    // Whether a part's names are many, checked on each entry.
    let some_many = matched.iter().any(|m| matches!(m, Some(Matches::Many)));
    let read = match (
        matched.iter().any(|m| matches!(m, Some(Matches::Ids(_)))),
        some_many,
        backend,
    ) {
        // Ids of one part (and the names of the other checked on each entry) are read by
        // their index, which the page's kept end bounds: a hundred resellers' entries with a
        // common customer part, 219 -> 5,000 req/s on SQLite (20,000 entries read and their
        // names joined for each request, against the entries up to the last page end).
        (true, _, _) => Read::IdsFirst,
        // PostgreSQL checks the conditions an index holds before reading a row only when the
        // statement reads nothing else (an index-only scan): walking the end-date index for
        // a common customer part and a hundred resellers, it read 88,000 rows for their
        // reseller and start date (0.17 s, `status=active&customer=customer 1&reseller=scale
        // reseller 42&at=last`); the page's ids chosen from the index and the names alone,
        // 15 ms. SQLite checks them first either way and keeps the joined walk.
        (false, true, super::Backend::Postgres) => Read::IdsFirst,
        _ => Read::Joined,
    };
    // A part of the end customer's name is checked on the entry's own copy of it
    // (`customer_key`, migration 0039), which the indexes read in the list's order hold
    // (PostgreSQL's since 0039, SQLite's since 0040): checked on the index, before the entry's
    // row is read, and with no end customer joined for it. PostgreSQL reads an index's columns
    // before the row only when the statement needs nothing else, and joining each entry
    // passed to its end customer cost more than the rest of a count (`customer=customer 1`:
    // 85-180 ms, the name index walked in id order past the 100,000 names before the part's);
    // SQLite read the row and the end customer of each entry passed
    // (`family=EPIXAD&customer=customer 1` counted in 29-40 ms, 3 ms on the index alone).
    let kept_copy = |named: Named| matches!(named, Named::EndCustomers);
    // A count that checks the part on each entry's copy walks the list's order on
    // PostgreSQL: left to choose, it read the table from its start (a LIMIT-ended sequential
    // scan, costed as if the part's entries were spread evenly over the table), and where
    // the entries of the part's names lie together, past half a million others
    // (`customer=customer 1`: the upper half of the names, whose resellers' entries were
    // written last), that took 130-155 ms; along the order index, which holds the copy,
    // 5-8 ms. (With a status, a family or a part matching every reseller as well: 130-150 ms
    // -> 6-20 ms; nothing slower in the sweep of every combination.) SQLite walks its index
    // either way.
    let walks = !columns
        && backend == super::Backend::Postgres
        && names
            .iter()
            .enumerate()
            .any(|(i, (named, ..))| by_name(i) && kept_copy(*named));
    let mut from = String::from("FROM license_entries l");
    if columns && read == Read::Joined {
        from.push(' ');
        from.push_str(ENTRY_JOINS);
    } else {
        // A count, or a page's ids, join the names they check.
        for (i, (named, _, column, alias, _, _)) in names.into_iter().enumerate() {
            if by_name(i) && !kept_copy(named) {
                from.push_str(&format!(
                    " JOIN {} {alias} ON {alias}.id = {column}",
                    named.table()
                ));
            }
        }
    }
    let mut sql = super::sql::Sql::scoped(
        &format!("{from} WHERE {}", scope.resellers("l.reseller_id")),
        scope,
    );
    if let Some(id) = filter.end_customer {
        sql.push(" AND l.end_customer_id = ").int(id);
    }
    // Whether a part's ids are few enough to be read by their own index (not walked along the
    // list's order).
    let mut ids_by_index = false;
    // A count has no order to keep: many resellers' entries, counted up to 10,001, are read
    // by their ids from the reseller index where nothing else is checked on each entry
    // (`reseller=scale reseller 1`, 1,111 resellers, walked the whole reseller index in its
    // order: 28 -> 1.2 ms; expired 8.8 -> 1.0 ms). A status or a family gives SQLite a range
    // of another index to walk (by ids, upcoming was 7 -> 18 ms, expiring 8 -> 14 ms), and
    // a part of the end customer's name checked on each entry may match few of them
    // (`customer=customer 1&reseller=scale` read a million entries: 12 -> 379 ms).
    let family = filter.family.trim().to_uppercase();
    let count_by_ids = !columns
        && matches!(filter.status, None | Some(EntryStatus::Expired))
        && family.is_empty()
        && !some_many;
    for (i, (named, part, column, alias, _, walk_above)) in names.into_iter().enumerate() {
        match matched.get(i) {
            // Not named, or answered by the other part's ids.
            None | Some(None) => {}
            // SQLite, told to walk: `+` keeps the column off its own index (its planner,
            // without statistics, would read every entry of the ids and sort them).
            // PostgreSQL weighs the two from its statistics.
            Some(Some(Matches::Ids(ids)))
                if ids.len() > walk_above && backend == super::Backend::Sqlite && !count_by_ids =>
            {
                sql.push(&format!(" AND +{column} IN ")).ids(ids);
            }
            Some(Some(Matches::Ids(ids))) => {
                ids_by_index |= ids.len() <= walk_above;
                sql.push(&format!(" AND {column} IN ")).ids(ids);
            }
            Some(Some(Matches::Many)) if kept_copy(named) => {
                sql.push(" AND l.customer_key LIKE ")
                    .text(super::names::like_pattern(part))
                    .push(" ESCAPE '\\'");
            }
            Some(Some(Matches::Many)) => {
                let name = super::names::folded(backend, &format!("{alias}.name"));
                sql.push(&format!(" AND {name} LIKE "))
                    .text(super::names::like_pattern(part))
                    .push(" ESCAPE '\\'");
            }
        }
    }
    let horizon = today
        .checked_add_days(chrono::Days::new(90))
        .unwrap_or(today);
    match filter.status {
        None => {}
        Some(EntryStatus::Upcoming) => {
            sql.push(" AND l.start_date > ").date(today);
        }
        Some(EntryStatus::Expired) => {
            sql.push(" AND l.end_date < ").date(today);
        }
        Some(EntryStatus::Expiring) => {
            sql.push(" AND l.end_date >= ")
                .date(today)
                .push(" AND l.end_date < ")
                .date(horizon)
                .push(" AND l.start_date <= ")
                .date(today);
        }
        // Active includes expiring: an entry ending within 90 days runs today all the same.
        Some(EntryStatus::Active) => {
            sql.push(" AND l.end_date >= ").date(today);
            // It started by today, so it ends by today plus the longest term on the schedule
            // (read from its index, migration 0041): a page read along the end dates (its
            // last page walks back from there instead of past every upcoming entry that ends
            // after the running ones, 83,000 at the large scale: `status=active&at=last`
            // 13-22 ms, up to 200 ms on its first read from the disk -> 1-3 ms on both
            // databases; a distributor's on PostgreSQL, 0.3-0.4 s -> 15 ms; with a family,
            // along its index, 5-30 -> 1-5 ms; SQLite walking the entries of 1,000
            // resellers, `status=active&reseller=scale reseller 1&at=last`, 11-34 -> 2 ms,
            // PostgreSQL 13 -> 0.4 ms). The date is written into the statement, so that
            // PostgreSQL plans with the range it is (as a subquery, unknown when it planned,
            // it read 40 to 300 end customers' entries along the end dates instead of by their
            // index, 0.2-2 -> 7-139 ms, and left the bound out of a distributor's list). Only
            // in a page: SQLite, without statistics, takes a range closed at both ends for a
            // narrow one whatever its dates, and walks it, so it is left out there where ids
            // are few enough to be read by their own index (it counted
            // `status=active&customer=cus&reseller=scale reseller 42`, 1,000 end customers'
            // entries, along the end dates: 9 -> 90 ms).
            let keeps_plan = match backend {
                super::Backend::Sqlite => !ids_by_index,
                super::Backend::Postgres => true,
            };
            if columns && keeps_plan && filter.end_customer.is_none() {
                if let Some(last) = last_running_end(pool, backend, today).await? {
                    sql.push(" AND l.end_date <= ").date(last);
                }
            }
            sql.push(" AND l.start_date <= ").date(today);
        }
    }
    if !family.is_empty() {
        // The entries of a few end customers (up to a thousand names) or of a few resellers
        // (up to 140, as many as a page sorts) in a family: SQLite, without statistics,
        // would read the family's entries from its index (350,000 for EPIXAD at the large
        // scale), looking up each one's row for its end customer or reseller, until it had a
        // page (or, counting, all of them): 0.3-2.2 s. `+` keeps the family's index out, and
        // the names' entries are read from their own index: a customer has a few, 140
        // resellers some 28,000 at the large scale (111 resellers and EPIXAD: 840 -> 40 ms;
        // with the rare HWX310, 21 ms). Past that the family's index stays: for a rare family
        // it is the quick start (a family and every reseller: 13 ms, 512 ms the other way).
        // A name part is few when its names were found by id (up to the page's `few`, a
        // count's `COUNT_NAMES`), resellers up to `walk_above` (as many as a page sorts).
        // A reseller's own list, or one reseller's or end customer's, is read from their
        // index too: SQLite walked the family's index for a reseller's two EPIXAD entries
        // (`status=active&family=EPIXAD` signed in as Acme, 21 ms -> 0.7 ms; an end
        // customer's, 31 ms -> 0.8 ms).
        let one_reseller = matches!(scope, Scope::Reseller(_))
            || filter.reseller_id.is_some()
            || filter.end_customer.is_some();
        let by_names = backend == super::Backend::Sqlite
            && (one_reseller
                || names.into_iter().zip(&matched).any(|((_, _, _, _, _, walk_above), m)| {
                    matches!(m, Some(Matches::Ids(ids)) if ids.len() <= walk_above)
                }));
        let plus = match by_names {
            true => "+",
            false => "",
        };
        sql.push(&format!(" AND {plus}SUBSTR(l.sku, 1, 6) = "))
            .text(family);
    }
    if let Some(d) = filter.ends_from {
        sql.push(" AND l.end_date >= ").text(d.to_string());
    }
    if let Some(d) = filter.ends_to {
        sql.push(" AND l.end_date <= ").text(d.to_string());
    }
    if let Some(id) = filter.reseller_id {
        sql.push(" AND l.reseller_id = ").int(id);
    }
    if let Some(t) = filter.added_since {
        sql.push(" AND l.created_at >= ").int(t);
    }
    Ok(Some((sql, read, walks)))
}

/// The last end date an entry that started by `today` can have: `today` plus the longest term
/// on the schedule (the difference of an entry's end and start dates, whose index answers its
/// largest at once; migration 0041). None when there are no entries. Read before the page's
/// statement and written into it, so that the database plans with the range it is. (An entry
/// written between the two with a longer term than any before it shows from the next page
/// asked.)
async fn last_running_end(
    pool: &AnyPool,
    backend: super::Backend,
    today: NaiveDate,
) -> Result<Option<NaiveDate>, sqlx::Error> {
    let longest = match backend {
        super::Backend::Sqlite => {
            "SELECT MAX(julianday(end_date) - julianday(start_date)) FROM license_entries"
        }
        super::Backend::Postgres => {
            "SELECT CAST(MAX(schedule_term_days(start_date, end_date)) AS DOUBLE PRECISION) \
             FROM license_entries"
        }
    };
    let days: Option<f64> = sqlx::query_scalar(longest).fetch_one(pool).await?;
    Ok(days.and_then(|d| today.checked_add_days(chrono::Days::new(d.max(0.0) as u64))))
}

/// The name of an end customer in scope, if it is one.
pub async fn end_customer_in_scope(
    pool: &AnyPool,
    scope: Scope,
    id: i64,
) -> Result<Option<String>, sqlx::Error> {
    let (kind, org) = scope.params();
    sqlx::query_scalar(&format!(
        "SELECT e.name FROM end_customers e WHERE {} AND e.id = $3",
        scope.resellers("e.reseller_id")
    ))
    .bind(kind)
    .bind(org)
    .bind(id)
    .fetch_optional(pool)
    .await
}

/// The page at `cursor` of the entries in scope matching `filter` on `today`, by end date
/// (upcoming ones by start date).
pub async fn schedule(
    db: &super::Db,
    scope: Scope,
    filter: &EntryFilter,
    today: NaiveDate,
    cursor: Cursor,
    per_page: usize,
) -> Result<Window<Entry>, sqlx::Error> {
    let pool = &db.pool;
    match entries_where(pool, scope, filter, today, true).await? {
        Some((from, read, _)) => {
            let order = list_order(filter);
            let columns = format!("SELECT {ENTRY_COLUMNS}");
            let branches = super::sql::Branches {
                select: match read {
                    Read::Joined => super::sql::Select::Columns(&columns),
                    // The page's ids chosen first, then only those rows read (with their
                    // joins).
                    Read::IdsFirst => super::sql::Select::IdsFirst {
                        columns: &columns,
                        joins: ENTRY_JOINS,
                    },
                },
                froms: std::slice::from_ref(&from),
                row: &entry,
            };
            order
                .window_of(db, &branches, cursor, per_page, |e: &Entry| e.id.0)
                .await
        }
        None => Ok(Window::forward(Vec::new(), per_page, false, |e: &Entry| {
            e.id.0
        })),
    }
}

/// How many entries in scope match `filter` on `today` (up to "more than 10,000").
///
/// A name part matching up to `COUNT_NAMES` names counts those names' entries (by id); one
/// matching more checks the name of each entry counted, which stops at 10,001 entries.
pub async fn schedule_count(
    pool: &AnyPool,
    scope: Scope,
    filter: &EntryFilter,
    today: NaiveDate,
) -> Result<Count, sqlx::Error> {
    match entries_where(pool, scope, filter, today, false).await? {
        Some((from, _, true)) => from.count_along(pool, &list_order(filter)).await,
        Some((from, _, false)) => from.count(pool).await,
        None => Ok(Count::Exact(0)),
    }
}

/// The end customers of the resellers named (lower-cased: reseller name, end customer name),
/// for the import's preview to say which end customers it creates.
pub async fn end_customers_of_resellers(
    pool: &AnyPool,
    resellers: &std::collections::HashSet<String>,
) -> Result<std::collections::HashSet<(String, String)>, sqlx::Error> {
    let mut known = std::collections::HashSet::new();
    let names: Vec<&String> = resellers.iter().collect();
    for part in names.chunks(500) {
        let mut q = super::sql::Sql::new(
            "SELECT LOWER(r.name) AS reseller, LOWER(e.name) AS customer FROM end_customers e \
             JOIN organisations r ON r.id = e.reseller_id WHERE r.kind = 'reseller' AND LOWER(r.name) IN ",
        );
        q.texts(part.iter().map(|n| n.as_str()));
        for r in q.query().fetch_all(pool).await? {
            known.insert((r.try_get("reseller")?, r.try_get("customer")?));
        }
    }
    Ok(known)
}

/// Which of `keys` were imported before, looked up by the unique index on the license key a
/// thousand at a time (not every key ever imported: a schedule holds a million).
pub async fn imported_keys<'k>(
    pool: &AnyPool,
    keys: impl Iterator<Item = &'k str>,
) -> Result<std::collections::HashSet<String>, sqlx::Error> {
    let keys: Vec<&str> = keys.collect();
    let mut found = std::collections::HashSet::new();
    for part in keys.chunks(1_000) {
        let mut q =
            super::sql::Sql::new("SELECT license_key FROM license_entries WHERE license_key IN ");
        q.texts(part.iter().copied());
        for r in q.query().fetch_all(pool).await? {
            found.insert(r.try_get("license_key")?);
        }
    }
    Ok(found)
}

/// Imports checked legacy license rows in one transaction: all or nothing. End customers
/// missing for their reseller are created (their license contact left to fill in). Rows whose
/// license key was imported before are left alone. Returns how many entries were added.
///
/// Written in batches: a statement creates or finds a few hundred end customers at a time and
/// another adds a few hundred entries, so 100,000 rows take a few hundred statements.
pub async fn import_licenses(
    conn: &mut AnyConnection,
    rows: &[crate::domain::import::LicenseRow],
    now: i64,
) -> Result<usize, sqlx::Error> {
    use super::sql::Sql;
    use std::collections::HashMap;
    // The resellers by name as the file's check compared them.
    let resellers: HashMap<String, i64> =
        sqlx::query("SELECT id, LOWER(name) AS name FROM organisations WHERE kind = 'reseller'")
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(|r| Ok((r.try_get("name")?, r.try_get("id")?)))
            .collect::<Result<_, sqlx::Error>>()?;
    // Each row's end customer: (reseller, name) in the order first named.
    let mut wanted: Vec<(i64, &str)> = Vec::new();
    let mut index: HashMap<(i64, String), usize> = HashMap::new();
    let mut of_row = Vec::with_capacity(rows.len());
    for r in rows {
        let reseller = resellers
            .get(&r.reseller.to_lowercase())
            .copied()
            .ok_or_else(|| sqlx::Error::RowNotFound)?;
        let n = *index
            .entry((reseller, r.end_customer.to_lowercase()))
            .or_insert_with(|| {
                wanted.push((reseller, &r.end_customer));
                wanted.len() - 1
            });
        of_row.push((reseller, n));
    }
    drop(index);
    let mut customers = vec![0i64; wanted.len()];
    for (chunk, part) in wanted.chunks(END_CUSTOMERS_AT_ONCE).enumerate() {
        let first = chunk * END_CUSTOMERS_AT_ONCE;
        // Created where missing (a name the reseller has in any case is left alone) ...
        let mut insert = Sql::new(
            "INSERT INTO end_customers (reseller_id, name, contact_name, contact_email, created_at) VALUES ",
        );
        insert.rows(part, |q, (reseller, name)| {
            q.int(*reseller)
                .push(", ")
                .text(*name)
                .push(", '', '', ")
                .int(now);
        });
        insert.push(" ON CONFLICT DO NOTHING");
        insert.query().execute(&mut *conn).await?;
        // ... then every one read back by the same name comparison as the unique index.
        let mut read = Sql::new("SELECT v.column3 AS n, e.id FROM (VALUES ");
        read.rows(part.iter().enumerate(), |q, (i, (reseller, name))| {
            q.int(*reseller)
                .push(", ")
                .text(*name)
                .push(", ")
                .int((first + i) as i64);
        });
        read.push(
            ") AS v JOIN end_customers e ON e.reseller_id = v.column1 AND LOWER(e.name) = LOWER(v.column2)",
        );
        for r in read.query().fetch_all(&mut *conn).await? {
            let n: i64 = r.try_get("n")?;
            if let Some(slot) = usize::try_from(n).ok().and_then(|n| customers.get_mut(n)) {
                *slot = r.try_get("id")?;
            }
        }
    }
    let mut added = 0;
    for (chunk, part) in rows.chunks(ENTRIES_AT_ONCE).enumerate() {
        let mut insert = Sql::new(
            "INSERT INTO license_entries (reseller_id, end_customer_id, order_id, order_reference, sku, description, quantity, \
             start_date, end_date, created_at, license_key, customer_key) VALUES ",
        );
        // The end customer's key given (SQLite otherwise rewrites each new row to add it:
        // migration 0039).
        insert.rows(part.iter().enumerate(), |q, (i, r)| {
            let (reseller, customer) = of_row[chunk * ENTRIES_AT_ONCE + i];
            let period = r.period();
            let sku = r.new_sku.to_string();
            q.int(reseller)
                .push(", ")
                .int(customers[customer])
                .push(", NULL, ")
                .text(format!("legacy {}", r.license_key))
                .push(", ")
                .text(sku.as_str())
                .push(", ")
                .text(format!("{} (legacy {})", sku, r.legacy_sku))
                .push(", ")
                .int(i64::from(r.quantity))
                .push(", ")
                .text(period.start.to_string())
                .push(", ")
                .text(period.end.to_string())
                .push(", ")
                .int(now)
                .push(", ")
                .text(r.license_key.as_str())
                .push(", (SELECT LOWER(name) FROM end_customers WHERE id = ")
                .int(customers[customer])
                .push(")");
        });
        insert.push(" ON CONFLICT (license_key) DO NOTHING");
        added += insert.query().execute(&mut *conn).await?.rows_affected() as usize;
    }
    Ok(added)
}

/// End customers created or found by one statement of the legacy import (3 parameters each).
const END_CUSTOMERS_AT_ONCE: usize = 300;
/// Entries added by one statement of the legacy import (11 parameters each; SQLite takes up
/// to 32,766 parameters, PostgreSQL 65,535).
const ENTRIES_AT_ONCE: usize = 300;

/// The resellers a distributor supplies: (id, name), by name.
pub async fn resellers_of(
    pool: &AnyPool,
    distributor: OrgId,
) -> Result<Vec<(OrgId, String)>, sqlx::Error> {
    sqlx::query(
        "SELECT r.id, r.name FROM organisations r JOIN reseller_distributors rd ON rd.reseller_id = r.id \
         WHERE rd.distributor_id = $1 ORDER BY LOWER(r.name)",
    )
    .bind(distributor.0)
    .fetch_all(pool)
    .await?
    .iter()
    .map(|r| Ok((OrgId(r.try_get("id")?), r.try_get("name")?)))
    .collect()
}

/// Entries of an end customer in the caller's scope already renewed or changed by a placed
/// order: (entry id, SKU, order reference).
/// An order line that renews or changes a schedule entry.
#[derive(Debug, Clone)]
pub struct PendingChange {
    pub entry: EntryId,
    pub sku: String,
    pub order: i64,
    pub reference: String,
}

pub async fn pending_changes(
    pool: &AnyPool,
    scope: Scope,
    end_customer: i64,
) -> Result<Vec<PendingChange>, sqlx::Error> {
    let (kind, id) = scope.params();
    sqlx::query(&format!(
        "SELECT l.changes_entry_id, l.sku, o.id AS order_id, o.reference FROM order_lines l JOIN orders o ON o.id = l.order_id \
         WHERE o.end_customer_id = $3 AND l.changes_entry_id IS NOT NULL AND {}",
        scope.resellers("o.reseller_id")
    ))
    .bind(kind)
    .bind(id)
    .bind(end_customer)
    .fetch_all(pool)
    .await?
    .iter()
    .map(|r| {
        Ok(PendingChange {
            entry: EntryId(r.try_get("changes_entry_id")?),
            sku: r.try_get("sku")?,
            order: r.try_get("order_id")?,
            reference: r.try_get("reference")?,
        })
    })
    .collect()
}

#[derive(Debug, Clone)]
pub struct NewOrderLine {
    pub sku: String,
    pub description: String,
    pub quantity: i64,
    pub changes_entry: Option<EntryId>,
    pub unit_msrp: Cents,
    pub net: Cents,
}

/// Where an order came from, for its record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderSource {
    pub inquiry: Option<i64>,
    pub quote: Option<i64>,
}

/// Inserts a placed order with its lines; returns (id, reference). `app::orders::place` is
/// the only caller: it checks the rules first.
#[allow(clippy::too_many_arguments)]
pub async fn insert(
    conn: &mut AnyConnection,
    source: OrderSource,
    reseller: OrgId,
    distributor: OrgId,
    end_customer: i64,
    currency: &str,
    lines: &[NewOrderLine],
    by: Option<i64>,
    year: i32,
    now: i64,
) -> Result<(OrderId, String), sqlx::Error> {
    let total: i64 = lines.iter().map(|l| l.net.cents()).sum();
    // The reference needs the id; until it is set in this transaction the row carries a
    // placeholder that no concurrent transaction can share.
    let placeholder = format!("pending-{:016x}", rand::random::<u64>());
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO orders (reference, inquiry_id, quote_id, reseller_id, distributor_id, end_customer_id, status, total_net, created_by, created_at, currency) \
         VALUES ($1, $2, $3, $4, $5, $6, 'placed', $7, $8, $9, $10) RETURNING id",
    )
    .bind(placeholder)
    .bind(source.inquiry)
    .bind(source.quote)
    .bind(reseller.0)
    .bind(distributor.0)
    .bind(end_customer)
    .bind(total)
    .bind(by)
    .bind(now)
    .bind(currency)
    .fetch_one(&mut *conn)
    .await?;
    let reference = set_reference(conn, id, year).await?;
    for (n, l) in lines.iter().enumerate() {
        sqlx::query(
            "INSERT INTO order_lines (order_id, line_no, sku, description, quantity, changes_entry_id, unit_msrp, net) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(id)
        .bind(n as i64 + 1)
        .bind(&l.sku)
        .bind(&l.description)
        .bind(l.quantity)
        .bind(l.changes_entry.map(|e| e.0))
        .bind(l.unit_msrp.cents())
        .bind(l.net.cents())
        .execute(&mut *conn)
        .await?;
    }
    Ok((OrderId(id), reference))
}

/// Of these entries, those of `end_customer`'s schedule: id → end date.
pub async fn entries_of_customer(
    conn: &mut AnyConnection,
    end_customer: i64,
    ids: &[EntryId],
) -> Result<std::collections::HashMap<EntryId, NaiveDate>, sqlx::Error> {
    let mut found = std::collections::HashMap::new();
    if ids.is_empty() {
        return Ok(found);
    }
    let sql = format!(
        "SELECT id, end_date FROM license_entries WHERE end_customer_id = $1 AND id IN ({})",
        super::placeholders(2, ids.len())
    );
    let mut query = sqlx::query_as::<_, (i64, String)>(&sql).bind(end_customer);
    for id in ids {
        query = query.bind(id.0);
    }
    for (id, end) in query.fetch_all(&mut *conn).await? {
        found.insert(EntryId(id), super::date(&end)?);
    }
    Ok(found)
}

/// The names an order notice shows: (reseller, distributor, end customer).
pub async fn party_names(
    conn: &mut AnyConnection,
    reseller: OrgId,
    distributor: OrgId,
    end_customer: i64,
) -> Result<(String, String, String), sqlx::Error> {
    sqlx::query_as(
        "SELECT r.name, d.name, e.name FROM organisations r, organisations d, end_customers e \
         WHERE r.id = $1 AND d.id = $2 AND e.id = $3",
    )
    .bind(reseller.0)
    .bind(distributor.0)
    .bind(end_customer)
    .fetch_one(conn)
    .await
}

/// The order that renews `entry` already, if any (an entry is renewed once).
pub async fn renewed_by(
    conn: &mut AnyConnection,
    entry: EntryId,
) -> Result<Option<(i64, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT o.id, o.reference FROM order_lines l JOIN orders o ON o.id = l.order_id \
         WHERE l.changes_entry_id = $1 AND SUBSTR(l.sku, 11, 1) = 'R' ORDER BY o.id LIMIT 1",
    )
    .bind(entry.0)
    .fetch_optional(conn)
    .await
}

/// The end customer's license contact (name, e-mail), if it has an address.
pub async fn license_contact(
    conn: &mut AnyConnection,
    end_customer: i64,
) -> Result<Option<(String, String)>, sqlx::Error> {
    let contact: Option<(String, String)> =
        sqlx::query_as("SELECT contact_name, contact_email FROM end_customers WHERE id = $1")
            .bind(end_customer)
            .fetch_optional(conn)
            .await?;
    Ok(contact.filter(|(_, email)| !email.trim().is_empty()))
}

/// The end date of a schedule entry (for renewals and co-termed changes at processing).
pub async fn entry_end(
    conn: &mut AnyConnection,
    entry: EntryId,
) -> Result<Option<NaiveDate>, sqlx::Error> {
    let end: Option<String> =
        sqlx::query_scalar("SELECT end_date FROM license_entries WHERE id = $1")
            .bind(entry.0)
            .fetch_optional(conn)
            .await?;
    end.as_deref().map(super::date).transpose()
}

/// Gives a new order its reference, `SO-<year>-<id>`.
pub async fn set_reference(
    conn: &mut AnyConnection,
    id: i64,
    year: i32,
) -> Result<String, sqlx::Error> {
    let reference = format!("SO-{year}-{id:05}");
    sqlx::query("UPDATE orders SET reference = $1 WHERE id = $2")
        .bind(&reference)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(reference)
}

/// A subscription entry that a renewal reminder may be due for.
pub struct ReminderCandidate {
    pub id: i64,
    pub reseller: OrgId,
    /// The distributor of the order that created the entry (none for imported entries).
    pub sold_by: Option<OrgId>,
    pub sku: String,
    pub description: String,
    pub quantity: i64,
    pub end: NaiveDate,
    pub end_customer_id: i64,
    pub end_customer_name: String,
    /// The nearest reminder sent already (days before the end), if any.
    pub reminded_days: Option<u32>,
}

/// The vendor admin's renewal reminder days (default 90, 60 and 30).
pub async fn renewal_reminders(
    pool: &AnyPool,
) -> Result<crate::domain::schedule::RenewalReminders, sqlx::Error> {
    use crate::domain::schedule::RenewalReminders;
    Ok(super::catalogue::setting(pool, RENEWAL_REMINDER_DAYS)
        .await?
        .and_then(|v| RenewalReminders::parse(&v).ok())
        .unwrap_or_default())
}

/// The setting that holds the renewal reminder days ("90, 60, 30").
pub const RENEWAL_REMINDER_DAYS: &str = "renewals.reminder_days";

/// Standard subscription entries (not hardware, NFR or MSP) not renewed by a placed order
/// yet, for which one of the `reminders` (days before their end) is due on `today`: the nearest
/// reminder whose day has come has not gone out, nor a nearer one (the entry records the
/// nearest one sent); by reseller. The statement selects only those (one band of end dates
/// a reminder: 30 days for entries ending within 30 days, 60 for those ending in 31 to 60,
/// ...), so a sweep after the first reads the few entries whose day came, not every entry of
/// the next 90 days reminded before; the caller still checks each
/// ([`crate::domain::schedule::RenewalReminders::due`]). The rows are read as they come.
pub async fn reminder_candidates(
    pool: &AnyPool,
    today: NaiveDate,
    reminders: &crate::domain::schedule::RenewalReminders,
) -> Result<Vec<ReminderCandidate>, sqlx::Error> {
    use futures_util::TryStreamExt;
    // The days come largest first, without repeats.
    let nearest_first: Vec<u32> = reminders.days().iter().rev().copied().collect();
    if nearest_first.is_empty() {
        return Ok(Vec::new());
    }
    let on = |d: u32| {
        today
            .checked_add_days(chrono::Days::new(u64::from(d)))
            .unwrap_or(NaiveDate::MAX)
    };
    let mut sql = super::sql::Sql::new(
        "SELECT l.id, l.reseller_id, o.distributor_id, l.sku, l.description, l.quantity, l.end_date, l.reminded_days, l.end_customer_id, e.name AS customer \
         FROM license_entries l JOIN end_customers e ON e.id = l.end_customer_id LEFT JOIN orders o ON o.id = l.order_id \
         WHERE l.end_date >= ",
    );
    sql.date(today)
        .push(" AND l.end_date <= ")
        .date(on(reminders.horizon()));
    sql.push(
        " AND SUBSTR(l.sku, 11, 1) <> 'H' AND SUBSTR(l.sku, 10, 1) = 'S' \
         AND NOT EXISTS (SELECT 1 FROM order_lines r WHERE r.changes_entry_id = l.id AND SUBSTR(r.sku, 11, 1) = 'R') AND (",
    );
    let mut nearer = None;
    for (i, d) in nearest_first.iter().copied().enumerate() {
        sql.push(if i == 0 { "(" } else { " OR (" });
        sql.push("l.end_date <= ").date(on(d));
        if let Some(n) = nearer {
            sql.push(" AND l.end_date > ").date(on(n));
        }
        sql.push(" AND (l.reminded_days IS NULL OR l.reminded_days > ")
            .int(i64::from(d))
            .push("))");
        nearer = Some(d);
    }
    sql.push(") ORDER BY l.reseller_id, l.end_date, l.id");
    sql.query()
        .fetch(pool)
        .map_err(sqlx::Error::from)
        .and_then(|r| async move {
            Ok(ReminderCandidate {
                id: r.try_get("id")?,
                reseller: OrgId(r.try_get("reseller_id")?),
                sold_by: r.try_get::<Option<i64>, _>("distributor_id")?.map(OrgId),
                sku: r.try_get("sku")?,
                description: r.try_get("description")?,
                quantity: r.try_get("quantity")?,
                end: super::date(&r.try_get::<String, _>("end_date")?)?,
                end_customer_id: r.try_get("end_customer_id")?,
                end_customer_name: r.try_get("customer")?,
                reminded_days: r
                    .try_get::<Option<i64>, _>("reminded_days")?
                    .and_then(|d| u32::try_from(d).ok()),
            })
        })
        .try_collect()
        .await
}

/// Records that the `days`-before reminder of these entries is sent; returns the entries
/// claimed, leaving out those whose reminder (or a nearer one) was recorded already (another
/// process sweeping at the same time).
pub async fn claim_reminders(
    conn: &mut AnyConnection,
    entries: &[i64],
    days: u32,
) -> Result<std::collections::HashSet<i64>, sqlx::Error> {
    let mut claimed = std::collections::HashSet::new();
    for part in entries.chunks(1_000) {
        let mut q = super::sql::Sql::new("UPDATE license_entries SET reminded_days = ");
        q.int(i64::from(days)).push(" WHERE id IN ").ids(part);
        q.push(" AND (reminded_days IS NULL OR reminded_days > ")
            .int(i64::from(days))
            .push(") RETURNING id");
        for r in q.query().fetch_all(&mut *conn).await? {
            claimed.insert(r.try_get("id")?);
        }
    }
    Ok(claimed)
}

/// A schedule entry as a renewal needs it.
#[derive(Debug, Clone)]
pub struct Renewable {
    pub id: EntryId,
    pub end_customer: i64,
    pub sku: String,
    pub quantity: i64,
    pub end: NaiveDate,
    /// The distributor of the order that created it (none for imported entries).
    pub sold_by: Option<OrgId>,
}

/// Standard subscription entries (not hardware, NFR or MSP) of the resellers in scope (of one
/// end customer, or all) ending from `from` to `until`, not renewed by a placed order yet, by
/// end customer and end date; at most `limit`.
pub async fn expiring_unrenewed(
    pool: &AnyPool,
    scope: Scope,
    end_customer: Option<i64>,
    from: NaiveDate,
    until: NaiveDate,
    limit: usize,
) -> Result<Vec<EntryId>, sqlx::Error> {
    let (kind, id) = scope.params();
    let ids: Vec<i64> = sqlx::query_scalar(&format!(
        "SELECT l.id FROM license_entries l WHERE {} AND ($3 = 0 OR l.end_customer_id = $3) \
         AND l.end_date >= $4 AND l.end_date <= $5 \
         AND SUBSTR(l.sku, 11, 1) <> 'H' AND SUBSTR(l.sku, 10, 1) = 'S' \
         AND NOT EXISTS (SELECT 1 FROM order_lines r WHERE r.changes_entry_id = l.id AND SUBSTR(r.sku, 11, 1) = 'R') \
         ORDER BY l.end_customer_id, l.end_date, l.id LIMIT $6",
        scope.resellers("l.reseller_id")
    ))
    .bind(kind)
    .bind(id)
    .bind(end_customer.unwrap_or(0))
    .bind(from.to_string())
    .bind(until.to_string())
    .bind(i64::try_from(limit).unwrap_or(i64::MAX))
    .fetch_all(pool)
    .await?;
    Ok(ids.into_iter().map(EntryId).collect())
}

/// These entries, of the resellers in the caller's scope (others are simply not returned).
pub async fn renewable(
    pool: &AnyPool,
    scope: Scope,
    ids: &[EntryId],
) -> Result<Vec<Renewable>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let (kind, id) = scope.params();
    let sql = format!(
        "SELECT l.id, l.end_customer_id, l.sku, l.quantity, l.end_date, o.distributor_id FROM license_entries l \
         LEFT JOIN orders o ON o.id = l.order_id WHERE l.id IN ({}) AND {} ORDER BY l.end_date, l.id",
        super::placeholders(3, ids.len()),
        scope.resellers("l.reseller_id")
    );
    let mut query = sqlx::query(&sql).bind(kind).bind(id);
    for e in ids {
        query = query.bind(e.0);
    }
    query
        .fetch_all(pool)
        .await?
        .iter()
        .map(|r| {
            Ok(Renewable {
                id: EntryId(r.try_get("id")?),
                end_customer: r.try_get("end_customer_id")?,
                sku: r.try_get("sku")?,
                quantity: r.try_get("quantity")?,
                end: super::date(&r.try_get::<String, _>("end_date")?)?,
                sold_by: r.try_get::<Option<i64>, _>("distributor_id")?.map(OrgId),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_schedule_row_is_read_in_the_order_its_columns_are_selected() {
        let selected: Vec<&str> = ENTRY_COLUMNS
            .split(',')
            .filter_map(|c| c.trim().rsplit(&[' ', '.'][..]).next())
            .collect();
        use EntryColumn as C;
        let read = [
            (C::Id, "id"),
            (C::ResellerName, "reseller_name"),
            (C::EndCustomerId, "end_customer_id"),
            (C::EndCustomerName, "end_customer_name"),
            (C::OrderReference, "order_reference"),
            (C::OrderId, "order_id"),
            (C::OrderDistributor, "order_distributor"),
            (C::Sku, "sku"),
            (C::Description, "description"),
            (C::Quantity, "quantity"),
            (C::StartDate, "start_date"),
            (C::EndDate, "end_date"),
            (C::CreatedAt, "created_at"),
        ];
        assert_eq!(selected.len(), read.len());
        for (column, name) in read {
            assert_eq!(selected[column as usize], name, "{column:?}");
        }
    }
}
