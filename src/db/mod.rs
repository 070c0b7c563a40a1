//! All data access. Each module owns the SQL of one aggregate; callers pass who is asking
//! (an organisation id) so that scoping happens in the query.
//!
//! One code path serves both databases: sqlx's `Any` driver with `$n` placeholders, ids,
//! flags and timestamps as 64-bit integers, dates as ISO text. The backend is chosen from
//! the URL scheme. On SQLite the list pages and the session read their rows through rusqlite
//! on the request's thread (the same SQL; see [`lists`] and [`cells`]).

pub mod api_tokens;
pub mod audit;
pub mod catalogue;
pub mod cells;
pub mod contact_roles;
pub mod dashboard;
pub mod deals;
pub mod idempotency;
pub mod inquiries;
pub mod invitations;
pub mod leads;
pub mod lists;
pub mod maintenance;
pub mod msp;
pub mod msp_program;
pub(crate) mod names;
pub mod nfr;
pub mod orders;
pub mod orgs;
pub mod outbox;
pub mod quotes;
pub mod sessions;
pub(crate) mod sql;
pub mod uploads;
pub mod users;
pub mod webhooks;

use anyhow::{bail, Context};
use sqlx::any::AnyPoolOptions;
use sqlx::{AnyPool, Connection, Executor};
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn from_url(url: &str) -> anyhow::Result<Self> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Ok(Backend::Postgres)
        } else {
            bail!(
                "DATABASE_URL must start with sqlite:// or postgres:// (got {:?})",
                redact(url)
            )
        }
    }
}

/// The URL without a password, for messages.
pub fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_string(),
    }
}

/// Whose records a person may read: scoping happens in the queries, which take this.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// A reseller's own.
    Reseller(crate::domain::OrgId),
    /// Those of the resellers this channel account manager looks after.
    Cam(crate::domain::UserId),
    /// A distributor's: sent to it, naming it, or of the resellers it supplies.
    Distributor(crate::domain::OrgId),
    /// The vendor admin: all.
    All,
}

impl Scope {
    /// The condition that a row's reseller (`column`) is in this scope, with the scope's
    /// kind and id bound as `$1` and `$2`: the reseller itself, a CAM's resellers, a
    /// distributor's supplied resellers, or all.
    pub(crate) fn resellers(self, column: &str) -> String {
        let cam = format!("{column} IN (SELECT id FROM organisations WHERE cam_user_id = $2)");
        let distributor = format!(
            "{column} IN (SELECT reseller_id FROM reseller_distributors WHERE distributor_id = $2)"
        );
        self.pick(&[
            ("all", "$2 = $2"),
            ("reseller", &format!("{column} = $2")),
            ("cam", &cam),
            ("distributor", &distributor),
        ])
    }

    /// The branch of `branches` (kind, condition on `$2`) for this scope's kind, or a condition
    /// that matches nothing when the kind has no branch. Written for one kind alone, the
    /// condition lets the database use the index on the reseller column (a query that says
    /// `$1 = 'all' OR ($1 = 'reseller' AND ...)` scans a million rows for one reseller).
    /// `$1` and `$2` are always referenced, so the bound parameters stay the same.
    pub(crate) fn pick(self, branches: &[(&str, &str)]) -> String {
        let (kind, _) = self.params();
        match branches.iter().find(|(k, _)| *k == kind) {
            Some((kind, condition)) => format!("($1 = '{kind}' AND {condition})"),
            None => "($1 = '' AND $2 = $2)".to_string(),
        }
    }

    pub(crate) fn params(self) -> (&'static str, i64) {
        match self {
            Scope::Reseller(o) => ("reseller", o.0),
            Scope::Cam(u) => ("cam", u.0),
            Scope::Distributor(o) => ("distributor", o.0),
            Scope::All => ("all", 0),
        }
    }

    /// The row of `sql` for record `id` in this scope, if there is one: `sql` takes the
    /// scope's kind and id as `$1` and `$2` and the record's id as `$3`.
    pub(crate) async fn one(
        self,
        pool: &AnyPool,
        sql: &str,
        id: i64,
    ) -> Result<Option<sqlx::any::AnyRow>, sqlx::Error> {
        let (kind, org) = self.params();
        sqlx::query(sql)
            .bind(kind)
            .bind(org)
            .bind(id)
            .fetch_optional(pool)
            .await
    }
}

/// How long a PostgreSQL connection may wait in the pool before it is pinged on its next use.
pub const PING_AFTER_IDLE: Duration = Duration::from_millis(250);

#[derive(Clone, Debug)]
pub struct Db {
    pub pool: AnyPool,
    pub backend: Backend,
    /// The connections the keyset list pages and the session read through ([`lists`]): on
    /// SQLite (a file) rusqlite connections to the same file, read on the request's thread,
    /// which refuse to write; on PostgreSQL, where the `Any` driver's copy of a row costs
    /// little beside the round trip, `Any` connections. `None` for an in-memory database,
    /// which a second pool would not see.
    pub lists: Option<lists::ListPool>,
}

impl Db {
    pub async fn connect(url: &str) -> anyhow::Result<Db> {
        sqlx::any::install_default_drivers();
        let backend = Backend::from_url(url)?;
        let url = match backend {
            Backend::Sqlite => prepare_sqlite_url(url)?,
            Backend::Postgres => url.to_string(),
        };
        let options = AnyPoolOptions::new()
            // On both backends. SQLite's were 8: each is a thread of its own that hands its
            // rows over, and with 8 a busy two-core machine sat idle an eighth of the time
            // while requests waited for a connection.
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            // sqlx pings a connection when it goes back to the pool (so a broken one is never
            // put back) and, by default, again when it is taken out: two round trips per
            // statement beside the statement's own. A SQLite connection is a file and its
            // thread and cannot go away in between; a PostgreSQL connection can (a database
            // restart), so one that has waited in the pool longer than a busy portal ever
            // lets one wait is pinged before use.
            .test_before_acquire(false)
            .before_acquire(move |conn, meta| {
                Box::pin(async move {
                    if backend == Backend::Postgres && meta.idle_for > PING_AFTER_IDLE {
                        conn.ping().await?;
                    }
                    Ok(true)
                })
            });
        let options = if backend == Backend::Sqlite {
            options.after_connect(|conn, _meta| {
                Box::pin(async move {
                    // WAL lets readers work while one writer writes; the busy timeout makes a
                    // second writer wait instead of failing at once.
                    conn.execute("PRAGMA journal_mode = WAL").await?;
                    conn.execute("PRAGMA busy_timeout = 5000").await?;
                    conn.execute("PRAGMA foreign_keys = ON").await?;
                    conn.execute("PRAGMA synchronous = NORMAL").await?;
                    Ok(())
                })
            })
        } else {
            options
        };
        let pool = options
            .connect(&url)
            .await
            .with_context(|| format!("could not open the database at {}", redact(&url)))?;
        let lists = match backend {
            Backend::Sqlite if !url.contains(":memory:") && !url.contains("mode=memory") => {
                let options = url
                    .parse::<sqlx::sqlite::SqliteConnectOptions>()
                    .with_context(|| format!("could not read the address {}", redact(&url)))?;
                let file = options.get_filename().to_path_buf();
                // Opened when first used (after the migrations have made the tables). A read
                // runs on its request's thread without an await, so no more are open than
                // threads read at once (a worker a core, and the jobs); each keeps its own
                // cache of the file's pages.
                Some(
                    lists::ListPool::sqlite(file, 8)
                        .context("could not set up the list connections")?,
                )
            }
            Backend::Sqlite => None,
            // Eight beside the main pool's sixteen: a portal process holds 24 connections of
            // PostgreSQL's default 100.
            Backend::Postgres => Some(
                lists::ListPool::postgres(
                    url.parse()
                        .with_context(|| format!("could not read the address {}", redact(&url)))?,
                    8,
                )
                .context("could not set up the list connections")?,
            ),
        };
        Ok(Db {
            pool,
            backend,
            lists,
        })
    }

    pub async fn migrate(&self) -> anyhow::Result<()> {
        let migrator = match self.backend {
            Backend::Sqlite => sqlx::migrate!("migrations/sqlite"),
            Backend::Postgres => sqlx::migrate!("migrations/postgres"),
        };
        migrator
            .run(&self.pool)
            .await
            .context("could not apply the database migrations")?;
        Ok(())
    }

    /// Closes every connection (both pools on SQLite).
    pub async fn close(&self) {
        self.pool.close().await;
        if let Some(lists) = &self.lists {
            lists.close().await;
        }
    }

    /// Whether the database answers, for `/healthz`.
    pub async fn ping(&self) -> bool {
        sqlx::query("SELECT 1").fetch_one(&self.pool).await.is_ok()
    }
}

/// SQLite: create the file (and its folder) on first use.
fn prepare_sqlite_url(url: &str) -> anyhow::Result<String> {
    let rest = url.trim_start_matches("sqlite:").trim_start_matches("//");
    let path = rest.split('?').next().unwrap_or("");
    if !path.is_empty() && path != ":memory:" {
        if let Some(parent) = std::path::Path::new(path).parent() {
            if !parent.as_os_str().is_empty() {
                std::fs::create_dir_all(parent)
                    .with_context(|| format!("could not create the folder {}", parent.display()))?;
            }
        }
    }
    Ok(if url.contains("mode=") {
        url.to_string()
    } else if url.contains('?') {
        format!("{url}&mode=rwc")
    } else {
        format!("{url}?mode=rwc")
    })
}

/// `$from, $from+1, …`: the placeholders of an `IN (…)` list of `n` values, so a list page
/// reads its child rows in one query instead of one per row.
pub(crate) fn placeholders(from: usize, n: usize) -> String {
    (from..from + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A date as stored (ISO text); a malformed one is a decoding error, never silently skipped.
pub fn date(value: &str) -> Result<chrono::NaiveDate, sqlx::Error> {
    // Every list reads two dates a row: digits at fixed places are read directly (chrono's
    // format-driven parser was a twentieth of a schedule page's work); anything else goes
    // through chrono, which says what it takes.
    iso_date(value)
        .or_else(|| chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d").ok())
        .ok_or_else(|| sqlx::Error::Decode(format!("bad date {value:?} in the database").into()))
}

/// `YYYY-MM-DD` with four, two and two ASCII digits, as the portal stores dates.
fn iso_date(value: &str) -> Option<chrono::NaiveDate> {
    let b = value.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let number = |digits: &[u8]| {
        digits.iter().try_fold(0u32, |n, c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    let year = i32::try_from(number(&b[0..4])?).ok()?;
    chrono::NaiveDate::from_ymd_opt(year, number(&b[5..7])?, number(&b[8..10])?)
}

/// True when the error is a unique-key violation (on either database).
pub fn is_unique_violation(e: &sqlx::Error) -> bool {
    e.as_database_error()
        .is_some_and(|d| d.is_unique_violation())
}

/// Reads a 0/1 flag column (the `Any` driver has no portable boolean).
pub fn flag(row: &dyn cells::Cells, column: &str) -> Result<bool, sqlx::Error> {
    row.get(column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_for_an_in_list() {
        assert_eq!(placeholders(1, 3), "$1, $2, $3");
        assert_eq!(placeholders(4, 1), "$4");
    }

    #[test]
    fn backend_from_scheme() {
        assert_eq!(
            Backend::from_url("sqlite://data/portal.db").ok(),
            Some(Backend::Sqlite)
        );
        assert_eq!(
            Backend::from_url("postgres://u@h/db").ok(),
            Some(Backend::Postgres)
        );
        assert_eq!(
            Backend::from_url("postgresql://u@h/db").ok(),
            Some(Backend::Postgres)
        );
        let err = Backend::from_url("mysql://root:secret@h/db")
            .unwrap_err()
            .to_string();
        assert!(err.contains("sqlite:// or postgres://"), "{err}");
        assert!(
            !err.contains("secret"),
            "passwords never reach messages: {err}"
        );
    }

    #[test]
    fn sqlite_url_gets_create_mode() {
        let dir = std::env::temp_dir().join("pp-url-test");
        let url = format!("sqlite://{}/x.db", dir.display());
        assert!(prepare_sqlite_url(&url).is_ok_and(|u| u.ends_with("x.db?mode=rwc")));
        assert!(dir.is_dir());
        assert_eq!(
            prepare_sqlite_url("sqlite::memory:?mode=memory")
                .ok()
                .as_deref(),
            Some("sqlite::memory:?mode=memory")
        );
    }
}

#[cfg(test)]
mod date_tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn stored_dates_read_back() {
        assert_eq!(
            date("2024-02-29").unwrap(),
            chrono::NaiveDate::from_ymd_opt(2024, 2, 29).unwrap()
        );
        for bad in [
            "2023-02-29",
            "2023-13-01",
            "２０２３-01-01",
            "",
            "2023/01/01",
        ] {
            assert!(date(bad).is_err(), "{bad}");
        }
    }

    proptest! {
        #[test]
        fn reads_what_chrono_reads(days in 0i64..3_000_000, junk in "\\PC{0,12}") {
            let d = chrono::NaiveDate::from_ymd_opt(1, 1, 1).unwrap() + chrono::Days::new(days as u64);
            prop_assert_eq!(date(&d.to_string()).ok(), Some(d));
            prop_assert_eq!(
                date(&junk).ok(),
                chrono::NaiveDate::parse_from_str(&junk, "%Y-%m-%d").ok()
            );
        }
    }
}
