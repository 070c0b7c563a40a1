//! Rows found by part of their name through an index: on SQLite a trigram full-text table
//! per named table (`end_customer_names`, `organisation_names`), on PostgreSQL a trigram
//! index on the lower-cased name. A list filters its rows by the ids found; when a part
//! matches very many names, reading the list in its own order and checking each name is
//! cheaper, so the finder says so instead of returning them all.

use super::sql::backend;
use super::Backend;
use crate::domain::PageRequest;
use sqlx::AnyPool;

/// What a name part matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Matches {
    /// These rows (at most the `few` asked for).
    Ids(Vec<i64>),
    /// More rows: the list checks the name on each row it reads.
    Many,
}

impl Matches {
    /// What these matches are to a caller that reads up to `few` rows by id: more ids than
    /// that are `Many` (a lookup may have asked for more, to serve a count too).
    fn up_to(self, few: usize) -> Matches {
        match self {
            Matches::Ids(ids) if ids.len() > few => Matches::Many,
            found => found,
        }
    }
}

/// Up to this many matching organisations the organisation list filters by id.
pub(crate) const FEW_TO_LIST: usize = 1_000;

/// The named tables: (table, SQLite's trigram table of its names).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Named {
    EndCustomers,
    Organisations,
}

impl Named {
    /// The named table.
    pub(crate) fn table(self) -> &'static str {
        self.tables().0
    }

    fn tables(self) -> (&'static str, &'static str) {
        match self {
            Named::EndCustomers => ("end_customers", "end_customer_names"),
            Named::Organisations => ("organisations", "organisation_names"),
        }
    }
}

/// The rows of `named` in `scope` whose name holds `part` (any case). In scope, so that a
/// part matching thousands of names elsewhere but few of the caller's is answered by id.
pub(crate) async fn matching(
    pool: &AnyPool,
    named: Named,
    part: &str,
    scope: super::Scope,
    few: usize,
) -> Result<Matches, sqlx::Error> {
    // Kept ten seconds, as the lists' counts are: a page and its next page ask the same, and
    // a common part costs tens of milliseconds to tell from a rare one (PostgreSQL's trigram
    // index collects every match before it can stop).
    //
    // A lookup finds as many as a count reads by id for a page too, so that the page and its
    // count share one lookup: a part too short for the trigram index ("zz"), or whose names
    // lie behind 100,000 others in the table ("customer 1", read in order rather than
    // collected from the index), is read from the names in 20-35 ms whether a thousand or
    // ten thousand are asked for (a rare part reads every name either way). SQLite's
    // full-text table stops at the limit, so there a page and its count each ask their own.
    let backend = backend(pool);
    let asked = match in_trigram_table(backend, part.trim(), scope) {
        true => few,
        false => few.max(COUNT_NAMES),
    };
    let key = format!(
        "{} {named:?} {scope:?} {asked} {}",
        pool.connect_options().database_url,
        part.trim().to_lowercase()
    );
    Ok(MATCHED
        .get_or(key, find(pool, named, part, scope, asked))
        .await?
        .up_to(few))
}

/// Up to this many names found by a name part, a count counts their entries by id (and
/// PostgreSQL's lookups return their ids for a page too).
pub(crate) const COUNT_NAMES: usize = crate::domain::paging::COUNT_LIMIT as usize;

/// The end customers of `resellers` whose name holds `part` (any case), up to `few`: an
/// entry's end customer is one of the entry's reseller's (the schema's constraint, migration
/// 0037), so a list narrowed to a few resellers looks for the part among their own end
/// customers, read from the index on (reseller, name). A part common across all end
/// customers may be rare or absent among those resellers': found here, the list reads the
/// few entries of the names found (or none) instead of passing all those resellers' entries.
pub(crate) async fn customers_of(
    pool: &AnyPool,
    part: &str,
    resellers: &[i64],
    few: usize,
) -> Result<Matches, sqlx::Error> {
    // A page and its count share one lookup, as in `matching`: a part rare among those
    // resellers' end customers reads them all whatever the limit (`customer=customer 1&
    // reseller=scale reseller 1`: 40,000 names, none of them matching, 28-48 ms a lookup on
    // PostgreSQL, asked twice).
    Ok(narrowed(
        pool,
        "SELECT t.id FROM end_customers t WHERE t.reseller_id IN ",
        resellers,
        "t.name",
        part,
        few.max(COUNT_NAMES),
    )
    .await?
    .up_to(few))
}

/// Those of `customers` whose reseller's name holds `part` (any case), as `Ids` (never more
/// than were asked about): with the same constraint, a list of a few end customers' entries
/// narrowed by a part of the reseller's name lists the entries of those end customers alone.
pub(crate) async fn customers_with_reseller(
    pool: &AnyPool,
    customers: &[i64],
    part: &str,
) -> Result<Matches, sqlx::Error> {
    narrowed(
        pool,
        "SELECT t.id FROM end_customers t JOIN organisations r ON r.id = t.reseller_id WHERE t.id IN ",
        customers,
        "r.name",
        part,
        customers.len(),
    )
    .await
}

/// `select` (ending in `IN `) of `ids`, whose `name` holds `part`: up to `few` (kept as the
/// name matches are).
async fn narrowed(
    pool: &AnyPool,
    select: &str,
    ids: &[i64],
    name: &str,
    part: &str,
    few: usize,
) -> Result<Matches, sqlx::Error> {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    (select, ids).hash(&mut hasher);
    let key = format!(
        "{} {} ids #{:x} {few} {}",
        pool.connect_options().database_url,
        ids.len(),
        hasher.finish(),
        part.trim().to_lowercase()
    );
    MATCHED
        .get_or(key, async {
            let mut sql = super::sql::Sql::new(select);
            // LOWER() on both: SQLite's index on (reseller, LOWER(name)) holds it for a few
            // resellers' end customers (1,000 resellers' 40,000 names: 8 ms, 11 ms matching
            // the name itself, which the index does not hold).
            sql.ids(ids)
                .push(&format!(" AND LOWER({name}) LIKE "))
                .text(like_pattern(part.trim()))
                .push(&format!(" ESCAPE '\\' LIMIT {}", few + 1));
            first_ids(pool, &sql, few).await
        })
        .await
}

static MATCHED: std::sync::LazyLock<crate::cache::Ttl<String, Matches>> =
    std::sync::LazyLock::new(|| crate::cache::Ttl::new(std::time::Duration::from_secs(10)));

/// Forgets the name matches kept (after this process wrote: a new end customer is found at
/// once by whoever added it; other processes find it within ten seconds).
pub fn forget_matches() {
    MATCHED.forget();
}

async fn find(
    pool: &AnyPool,
    named: Named,
    part: &str,
    scope: super::Scope,
    few: usize,
) -> Result<Matches, sqlx::Error> {
    let mut sql = super::sql::Sql::scoped("", scope);
    push_ids(&mut sql, backend(pool), named, part, scope, few + 1);
    first_ids(pool, &sql, few).await
}

/// The ids `sql` selects (at most `few + 1`): `Ids` up to `few`, otherwise `Many`.
async fn first_ids(
    pool: &AnyPool,
    sql: &super::sql::Sql,
    few: usize,
) -> Result<Matches, sqlx::Error> {
    let ids: Vec<i64> = sql
        .query()
        .fetch_all(pool)
        .await?
        .iter()
        .map(|r| sqlx::Row::try_get(r, 0))
        .collect::<Result<_, _>>()?;
    Ok(Matches::Ids(ids).up_to(few))
}

/// Appends `SELECT t.id FROM ... WHERE ...`: the ids of `named` in `scope` (whose kind and
/// id `sql` binds as `$1` and `$2`) whose name holds `part`, the first `limit` of them.
fn push_ids(
    sql: &mut super::sql::Sql,
    backend: Backend,
    named: Named,
    part: &str,
    scope: super::Scope,
    limit: usize,
) {
    let limit = format!(" LIMIT {limit}");
    let part = part.trim();
    let (table, index) = named.tables();
    // An end customer is in scope by its reseller; an organisation, a reseller, by itself.
    let reseller = match named {
        Named::EndCustomers => "t.reseller_id",
        Named::Organisations => "t.id",
    };
    // The trigram index needs three characters; a shorter part reads the names. Within a
    // reseller's, a distributor's or a CAM's scope, reading the scope's names (by the index on
    // the reseller) beats collecting every match of a common part from the index (PostgreSQL's
    // planner makes that choice itself).
    if in_trigram_table(backend, part, scope) {
        // In the whole portal's scope the trigram table's rowids are the ids (its triggers
        // keep them so), read from it alone: the 10,001 ids of "customer 1" that tell a count
        // to check each entry's name took 5 ms, against 7-15 ms with each looked up in the
        // table too. (`scope` binds `$1` and `$2`, which the statement names.)
        sql.push(&format!(
            "SELECT rowid FROM {index} WHERE {} AND {index} MATCH ",
            scope.resellers("rowid")
        ))
        .text(phrase(part))
        .push(&limit);
        return;
    }
    // PostgreSQL's end customers keep their name lower-cased (`name_key`, migration 0040),
    // which its trigram index holds: a name read is not lower-cased again (under the
    // database's locale that cost more than the match: `customer 1` 27 -> 12 ms).
    let name = match (backend, named) {
        (Backend::Postgres, Named::EndCustomers) => "t.name_key".to_string(),
        _ => folded(backend, "t.name"),
    };
    sql.push(&format!(
        "SELECT t.id FROM {table} t WHERE {} AND {name} LIKE ",
        scope.resellers(reseller),
    ))
    .text(like_pattern(part))
    .push(" ESCAPE '\\'")
    .push(&limit);
}

/// Whether SQLite looks `part` (trimmed) up in its trigram table of the names: a part of three
/// characters or more, in the whole portal's scope.
fn in_trigram_table(backend: Backend, part: &str, scope: super::Scope) -> bool {
    backend == Backend::Sqlite && part.chars().count() >= 3 && scope == super::Scope::All
}

/// `part` as an FTS5 phrase: in double quotes, every character literal (a quote doubled), so
/// no text the user types is read as query syntax.
fn phrase(part: &str) -> String {
    format!("\"{}\"", part.replace('"', "\"\""))
}

/// What a name part's pattern (lower-cased) is matched against with LIKE: on PostgreSQL the
/// lower-cased name (what its trigram index holds); on SQLite the name itself. SQLite's LIKE
/// ignores the case of ASCII letters and its LOWER() changes no other character, so the two
/// match the same names there, and lower-casing each name read cost more than matching it
/// (a part too short for the trigram table reads 200,000 end customers: 39 ms with LOWER(),
/// 16 ms without).
pub(crate) fn folded(backend: Backend, column: &str) -> String {
    match backend {
        Backend::Postgres => format!("LOWER({column})"),
        Backend::Sqlite => column.to_string(),
    }
}

/// `%part%` for `LIKE ... ESCAPE '\'` against [`folded`] names.
pub(crate) fn like_pattern(part: &str) -> String {
    PageRequest {
        q: Some(part.to_string()),
        page: None,
    }
    .like_pattern()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phrases_quote_everything() {
        assert_eq!(phrase("harbour"), "\"harbour\"");
        assert_eq!(phrase("a\"b OR c*"), "\"a\"\"b OR c*\"");
    }
}
