//! The connections SQLite's list pages read their rows through: sqlx's SQLite driver itself
//! (no `Any` copy of each row, see [`super::cells`]), opened to refuse writes, and kept in a
//! pool of deadpool's instead of sqlx's.
//!
//! sqlx's pool pings every connection it is given back, before another request may take it,
//! and a SQLite connection is a thread of its own: the ping is one more hand-over to that
//! thread and back after every statement, as many context switches as the statement's own
//! (alternating runs on the large data: `/licenses` 5,200-5,400 → 6,700-6,800 req/s, server
//! CPU 260 instead of 300-320 µs a request). The ping is there to notice a connection that
//! broke and to finish what a cancelled statement or transaction left behind. These
//! connections never write or open a transaction, their thread finishes or drops a
//! statement whose reader went away before it takes the next one, and one that fails in any
//! other way than with the database's own error is dropped here instead of given back.

use deadpool::managed::{Manager, Metrics, Object, Pool, PoolError, RecycleResult};
use sqlx::sqlite::{SqliteArguments, SqliteConnectOptions, SqliteRow};
use sqlx::{ConnectOptions, Sqlite, SqliteConnection};
use std::time::Duration;

/// How long a request waits for a connection, or for a new one to open, before it fails.
const WAIT: Duration = Duration::from_secs(10);

/// A pool of read-only SQLite connections, each opened when first needed.
#[derive(Clone)]
pub struct Lists(Pool<Opener>);

/// One connection taken from [`Lists`]; it goes back when dropped.
pub struct ListConnection(Object<Opener>);

pub struct Opener(SqliteConnectOptions);

impl Manager for Opener {
    type Type = SqliteConnection;
    type Error = sqlx::Error;

    async fn create(&self) -> Result<SqliteConnection, sqlx::Error> {
        self.0.connect().await
    }

    /// Nothing to check or undo (the module's comment says why).
    async fn recycle(&self, _: &mut SqliteConnection, _: &Metrics) -> RecycleResult<sqlx::Error> {
        Ok(())
    }
}

impl Lists {
    /// Up to `size` connections with `options`, made to refuse writes; none is opened yet.
    pub fn new(options: SqliteConnectOptions, size: usize) -> anyhow::Result<Lists> {
        let pool = Pool::builder(Opener(options.pragma("query_only", "ON")))
            .max_size(size)
            .wait_timeout(Some(WAIT))
            .create_timeout(Some(WAIT))
            .runtime(deadpool::Runtime::Tokio1)
            .build()?;
        Ok(Lists(pool))
    }

    pub async fn acquire(&self) -> Result<ListConnection, sqlx::Error> {
        self.0.get().await.map(ListConnection).map_err(|e| match e {
            PoolError::Backend(e) => e,
            PoolError::Closed => sqlx::Error::PoolClosed,
            PoolError::Timeout(_) => sqlx::Error::PoolTimedOut,
            other => sqlx::Error::Configuration(other.to_string().into()),
        })
    }

    /// Every row of `query`, read on one of the connections.
    pub async fn fetch_all<'q>(
        &self,
        query: sqlx::query::Query<'q, Sqlite, SqliteArguments<'q>>,
    ) -> Result<Vec<SqliteRow>, sqlx::Error> {
        let mut connection = self.acquire().await?;
        let rows = query.fetch_all(&mut *connection).await;
        if let Err(e) = &rows {
            connection.keep_unless_broken(e);
        }
        rows
    }

    /// Closes the connections not in use (one in use closes when it is given back).
    pub async fn close(&self) {
        let idle = self.0.retain(|_, _| false).removed;
        self.0.close();
        for connection in idle {
            use sqlx::Connection;
            // Closing tells SQLite to end the file's WAL cleanly; a failure leaves it for the
            // next start to recover, as after a crash.
            let _ = connection.close().await;
        }
    }
}

impl ListConnection {
    /// After `error`: a connection that failed otherwise than with the database's own
    /// answer (its thread gone, the file unreadable) is dropped instead of given back.
    pub fn keep_unless_broken(self, error: &sqlx::Error) {
        if !matches!(error, sqlx::Error::Database(_)) {
            drop(Object::take(self.0));
        }
    }
}

impl std::ops::Deref for ListConnection {
    type Target = SqliteConnection;
    fn deref(&self) -> &SqliteConnection {
        &self.0
    }
}

impl std::ops::DerefMut for ListConnection {
    fn deref_mut(&mut self) -> &mut SqliteConnection {
        &mut self.0
    }
}

impl std::fmt::Debug for Lists {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lists").field("open", &self.open()).finish()
    }
}

impl Lists {
    /// How many connections are open, in use or not.
    pub fn open(&self) -> usize {
        self.0.status().size
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::{Executor, Row};

    #[tokio::test]
    async fn a_connection_is_given_back_unless_it_broke_and_never_writes() {
        let dir = std::env::temp_dir().join(format!(
            "pp-lists-{}-{}",
            std::process::id(),
            chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let file = SqliteConnectOptions::new()
            .filename(dir.join("l.db"))
            .create_if_missing(true);
        let mut writer = file.connect().await.unwrap();
        writer
            .execute("CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1)")
            .await
            .unwrap();
        let lists = Lists::new(file, 2).unwrap();
        assert_eq!(lists.open(), 0, "opened when first used");

        let read = |sql: &'static str| lists.fetch_all(sqlx::query(sql));
        let rows = read("SELECT x FROM t").await.unwrap();
        assert_eq!(
            rows.iter().map(|r| r.get::<i64, _>(0)).collect::<Vec<_>>(),
            [1]
        );
        assert_eq!(lists.open(), 1);

        // The database's own refusal leaves the connection as it was: given back, reused.
        let refused = read("INSERT INTO t VALUES (2)").await.err();
        assert!(
            matches!(refused, Some(sqlx::Error::Database(_))),
            "{refused:?}"
        );
        assert_eq!(lists.open(), 1);
        writer.execute("INSERT INTO t VALUES (3)").await.unwrap();
        assert_eq!(
            read("SELECT x FROM t").await.unwrap().len(),
            2,
            "sees what was written"
        );
        assert_eq!(lists.open(), 1);

        // Any other failure drops it; the next read opens another.
        lists
            .acquire()
            .await
            .unwrap()
            .keep_unless_broken(&sqlx::Error::WorkerCrashed);
        assert_eq!(lists.open(), 0);
        assert_eq!(read("SELECT x FROM t").await.unwrap().len(), 2);
        assert_eq!(lists.open(), 1);

        lists.close().await;
        assert_eq!(lists.open(), 0);
        assert!(matches!(
            read("SELECT x FROM t").await.err(),
            Some(sqlx::Error::PoolClosed)
        ));
        std::fs::remove_dir_all(&dir).ok();
    }
}
