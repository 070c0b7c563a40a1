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
    /// These rows (at most [`FEW`]).
    Ids(Vec<i64>),
    /// More than [`FEW`] rows: the list checks the name on each row it reads.
    Many,
}

/// Up to this many matches a list filters by id.
pub(crate) const FEW: usize = 1000;

/// The named tables: (table, SQLite's trigram table of its names).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Named {
    EndCustomers,
    Organisations,
}

impl Named {
    fn tables(self) -> (&'static str, &'static str) {
        match self {
            Named::EndCustomers => ("end_customers", "end_customer_names"),
            Named::Organisations => ("organisations", "organisation_names"),
        }
    }
}

/// The rows of `named` whose name holds `part` (any case).
pub(crate) async fn matching(
    pool: &AnyPool,
    named: Named,
    part: &str,
) -> Result<Matches, sqlx::Error> {
    let part = part.trim();
    let (table, index) = named.tables();
    let ids: Vec<i64> = match backend(pool) {
        // The trigram index needs three characters; a shorter part reads the names.
        Backend::Sqlite if part.chars().count() >= 3 => {
            sqlx::query_scalar(&format!(
                "SELECT rowid FROM {index} WHERE {index} MATCH $1 LIMIT {}",
                FEW + 1
            ))
            .bind(phrase(part))
            .fetch_all(pool)
            .await?
        }
        _ => {
            sqlx::query_scalar(&format!(
                "SELECT id FROM {table} WHERE LOWER(name) LIKE $1 ESCAPE '\\' LIMIT {}",
                FEW + 1
            ))
            .bind(like_pattern(part))
            .fetch_all(pool)
            .await?
        }
    };
    Ok(if ids.len() > FEW {
        Matches::Many
    } else {
        Matches::Ids(ids)
    })
}

/// `part` as an FTS5 phrase: in double quotes, every character literal (a quote doubled), so
/// no text the user types is read as query syntax.
fn phrase(part: &str) -> String {
    format!("\"{}\"", part.replace('"', "\"\""))
}

/// `%part%` for `LOWER(column) LIKE ... ESCAPE '\'`.
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
