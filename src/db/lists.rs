//! The connections the keyset list pages read their rows through, kept in a pool of
//! deadpool's instead of sqlx's: on SQLite, connections of sqlx's SQLite driver itself (no
//! `Any` copy of each row, see [`super::cells`]) that refuse to write; on PostgreSQL,
//! connections of the `Any` driver like the main pool's.
//!
//! sqlx's pool pings every connection it is given back, before another request may take it:
//! after every statement one more round trip, to a SQLite connection's thread (as many
//! context switches as the statement's own; alternating runs on the large data: `/licenses`
//! 5,200-5,400 → 6,700-6,800 req/s, server CPU 260 instead of 300-320 µs a request) or to
//! PostgreSQL. The ping is there to notice a connection that broke and to finish what a
//! cancelled statement or transaction left behind. List pages never write or open a
//! transaction; what a cancelled read leaves is finished before the connection's next
//! statement (SQLite's thread drops a statement whose reader went away; sqlx's PostgreSQL
//! connection reads the rest of the answer first). A connection whose statement fails is
//! dropped instead of given back (a list read that fails is rare, and PostgreSQL reports a
//! connection it ends, as in a restart, as an error of its own), and a PostgreSQL
//! connection that has waited longer than [`super::PING_AFTER_IDLE`] is pinged before use,
//! as the main pool's are (a database restart ends them).

use deadpool::managed::{Manager, Metrics, Object, Pool, PoolError, RecycleError, RecycleResult};
use sqlx::{AnyConnection, ConnectOptions, Connection, SqliteConnection};
use std::time::Duration;

/// How long a request waits for a connection, or for a new one to open, before it fails.
const WAIT: Duration = Duration::from_secs(10);

/// The list connections of either backend.
#[derive(Clone, Debug)]
pub enum ListPool {
    Sqlite(Lists<SqliteConnection>),
    Postgres(Lists<AnyConnection>),
}

impl ListPool {
    /// Up to `size` SQLite connections with `options`, made to refuse writes.
    pub fn sqlite(
        options: sqlx::sqlite::SqliteConnectOptions,
        size: usize,
    ) -> anyhow::Result<ListPool> {
        let options = options
            .pragma("query_only", "ON")
            // A connection's thread hands its rows over through a queue of this many (sqlx:
            // 50 by default): a page's 51 rows (one to tell that another page follows) and
            // the statement's result fit, so the thread never waits for the request to take
            // a row before it can finish the page. Alternating runs: 9.1 -> 6.9 context
            // switches and 5-10% less server CPU a request.
            .row_buffer_size(crate::domain::paging::PER_PAGE as usize + 2);
        Ok(ListPool::Sqlite(Lists::new(options, size, None)?))
    }

    /// Up to `size` PostgreSQL connections with `options`.
    pub fn postgres(
        options: sqlx::any::AnyConnectOptions,
        size: usize,
    ) -> anyhow::Result<ListPool> {
        Ok(ListPool::Postgres(Lists::new(
            options,
            size,
            Some(super::PING_AFTER_IDLE),
        )?))
    }

    /// How many connections are open, in use or not.
    pub fn open(&self) -> usize {
        match self {
            ListPool::Sqlite(lists) => lists.open(),
            ListPool::Postgres(lists) => lists.open(),
        }
    }

    /// How many of the open connections wait in the pool, not in use.
    pub fn idle(&self) -> usize {
        match self {
            ListPool::Sqlite(lists) => lists.idle(),
            ListPool::Postgres(lists) => lists.idle(),
        }
    }

    /// Closes the connections not in use (one in use closes when it is given back).
    pub async fn close(&self) {
        match self {
            ListPool::Sqlite(lists) => lists.close().await,
            ListPool::Postgres(lists) => lists.close().await,
        }
    }
}

/// A pool of connections `C`, each opened when first needed.
pub struct Lists<C: Connection>(Pool<Opener<C>>);

impl<C: Connection> Clone for Lists<C> {
    fn clone(&self) -> Self {
        Lists(self.0.clone())
    }
}

/// One connection taken from [`Lists`]; it goes back when dropped.
pub struct ListConnection<C: Connection>(Object<Opener<C>>);

pub struct Opener<C: Connection> {
    options: C::Options,
    ping_after_idle: Option<Duration>,
}

impl<C: Connection> Manager for Opener<C> {
    type Type = C;
    type Error = sqlx::Error;

    async fn create(&self) -> Result<C, sqlx::Error> {
        self.options.connect().await
    }

    /// Nothing to undo (the module's comment says why); a PostgreSQL connection that has
    /// waited a while is pinged, and replaced when the ping fails.
    async fn recycle(&self, connection: &mut C, metrics: &Metrics) -> RecycleResult<sqlx::Error> {
        match self.ping_after_idle {
            Some(after) if metrics.last_used() > after => {
                connection.ping().await.map_err(RecycleError::Backend)
            }
            _ => Ok(()),
        }
    }
}

impl<C: Connection> Lists<C> {
    fn new(
        options: C::Options,
        size: usize,
        ping_after_idle: Option<Duration>,
    ) -> anyhow::Result<Lists<C>> {
        let pool = Pool::builder(Opener {
            options,
            ping_after_idle,
        })
        .max_size(size)
        .wait_timeout(Some(WAIT))
        .create_timeout(Some(WAIT))
        .runtime(deadpool::Runtime::Tokio1)
        .build()?;
        Ok(Lists(pool))
    }

    pub async fn acquire(&self) -> Result<ListConnection<C>, sqlx::Error> {
        self.0.get().await.map(ListConnection).map_err(|e| match e {
            PoolError::Backend(e) => e,
            PoolError::Closed => sqlx::Error::PoolClosed,
            PoolError::Timeout(_) => sqlx::Error::PoolTimedOut,
            other => sqlx::Error::Configuration(other.to_string().into()),
        })
    }

    /// How many connections are open, in use or not.
    pub fn open(&self) -> usize {
        self.0.status().size
    }

    fn idle(&self) -> usize {
        self.0.status().available
    }

    async fn close(&self) {
        let idle = self.0.retain(|_, _| false).removed;
        self.0.close();
        for connection in idle {
            // SQLite: closing ends the file's WAL cleanly; a failure leaves it for the next
            // start to recover, as after a crash.
            let _ = connection.close().await;
        }
    }
}

impl<C: Connection> ListConnection<C> {
    /// `result`, the answer of a statement on this connection; the connection goes back to
    /// the pool unless the statement failed: then it is dropped, and the next read opens
    /// another (an error may have ended it: its thread gone, the file unreadable, the server
    /// restarting).
    pub fn answer<T>(self, result: Result<T, sqlx::Error>) -> Result<T, sqlx::Error> {
        if result.is_err() {
            drop(Object::take(self.0));
        }
        result
    }
}

impl<C: Connection> std::ops::Deref for ListConnection<C> {
    type Target = C;
    fn deref(&self) -> &C {
        &self.0
    }
}

impl<C: Connection> std::ops::DerefMut for ListConnection<C> {
    fn deref_mut(&mut self) -> &mut C {
        &mut self.0
    }
}

impl<C: Connection> std::fmt::Debug for Lists<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lists").field("open", &self.open()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::sqlite::SqliteConnectOptions;
    use sqlx::{Executor, Row};

    async fn read(lists: &Lists<SqliteConnection>, sql: &str) -> Result<Vec<i64>, sqlx::Error> {
        let mut connection = lists.acquire().await?;
        let rows = sqlx::query(sql).fetch_all(&mut *connection).await;
        let rows = connection.answer(rows)?;
        Ok(rows.iter().map(|r| r.get::<i64, _>(0)).collect())
    }

    #[tokio::test]
    async fn a_connection_is_given_back_unless_its_statement_failed_and_never_writes() {
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
        let ListPool::Sqlite(lists) = ListPool::sqlite(file, 2).unwrap() else {
            unreachable!("a SQLite pool")
        };
        assert_eq!(lists.open(), 0, "opened when first used");

        assert_eq!(read(&lists, "SELECT x FROM t").await.unwrap(), [1]);
        assert_eq!(lists.open(), 1);

        // A failed statement, even the database's own refusal, drops the connection; the
        // next read opens another, which sees what was written meanwhile.
        let refused = read(&lists, "INSERT INTO t VALUES (2)").await.err();
        assert!(
            matches!(refused, Some(sqlx::Error::Database(_))),
            "{refused:?}"
        );
        assert_eq!(lists.open(), 0);
        writer.execute("INSERT INTO t VALUES (3)").await.unwrap();
        assert_eq!(read(&lists, "SELECT x FROM t").await.unwrap(), [1, 3]);
        assert_eq!(lists.open(), 1);
        let connection = lists.acquire().await.unwrap();
        assert!(connection
            .answer::<()>(Err(sqlx::Error::WorkerCrashed))
            .is_err());
        assert_eq!(lists.open(), 0);

        // One that answered goes back and is taken again.
        assert_eq!(read(&lists, "SELECT x FROM t").await.unwrap().len(), 2);
        assert_eq!(read(&lists, "SELECT x FROM t").await.unwrap().len(), 2);
        assert_eq!((lists.open(), lists.idle()), (1, 1));

        lists.close().await;
        assert_eq!(lists.open(), 0);
        assert!(matches!(
            read(&lists, "SELECT x FROM t").await.err(),
            Some(sqlx::Error::PoolClosed)
        ));
        std::fs::remove_dir_all(&dir).ok();
    }
}
