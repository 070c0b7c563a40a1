//! The connections the keyset list pages read their rows through, kept in a pool of
//! deadpool's instead of sqlx's: on SQLite, rusqlite connections to the file that refuse to
//! write, on which a read runs on the request's own thread (`db::sql`); on PostgreSQL,
//! connections of the `Any` driver like the main pool's.
//!
//! SQLite: sqlx's SQLite driver runs each connection on a thread of its own, which steps the
//! statement, copies each value and hands the rows over through a queue, and its pool sends
//! one more message to that thread after every statement (below): a `/licenses` request cost
//! five context switches against three for `/healthz`. A list page's statement is bounded by
//! its page and answered from indexes (tens to hundreds of microseconds), less than the
//! hand-overs cost; it runs where the request runs.
//!
//! sqlx's pool pings every connection it is given back, before another request may take it:
//! after every statement one more round trip, to a SQLite connection's thread or to
//! PostgreSQL. The ping is there to notice a connection that broke and to finish what a
//! cancelled statement or transaction left behind. List pages never write or open a
//! transaction; a SQLite read finishes before its connection goes back (there is no await in
//! it), and sqlx's PostgreSQL connection reads the rest of a cancelled answer before its
//! next statement. A connection whose statement fails is dropped instead of given back (a
//! list read that fails is rare, and PostgreSQL reports a connection it ends, as in a
//! restart, as an error of its own), and a PostgreSQL connection that has waited longer than
//! [`super::PING_AFTER_IDLE`] is pinged before use, as the main pool's are (a database
//! restart ends them).

use deadpool::managed::{Manager, Metrics, Object, Pool, PoolError, RecycleError, RecycleResult};
use sqlx::{AnyConnection, ConnectOptions, Connection};
use std::path::PathBuf;
use std::time::Duration;

/// How long a request waits for a connection, or for a new one to open, before it fails.
const WAIT: Duration = Duration::from_secs(10);

/// How long a SQLite list read waits for a lock before it fails. In WAL mode a reader waits
/// only while another connection recovers the log after a crash; the read runs on the
/// request's thread, so it must not wait as long as a writer may (5 s on the main pool).
const SQLITE_BUSY: Duration = Duration::from_secs(1);

/// The list connections of either backend.
#[derive(Clone, Debug)]
pub enum ListPool {
    Sqlite(Lists<SqliteOpener>),
    Postgres(Lists<Opener<AnyConnection>>),
}

impl ListPool {
    /// Up to `size` connections to the SQLite file at `path`, made to refuse writes.
    pub fn sqlite(path: PathBuf, size: usize) -> anyhow::Result<ListPool> {
        Ok(ListPool::Sqlite(Lists::new(SqliteOpener { path }, size)?))
    }

    /// Up to `size` PostgreSQL connections with `options`.
    pub fn postgres(
        options: sqlx::any::AnyConnectOptions,
        size: usize,
    ) -> anyhow::Result<ListPool> {
        Ok(ListPool::Postgres(Lists::new(Opener { options }, size)?))
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

/// What a pool of list connections needs of the connections it opens beyond deadpool's
/// [`Manager`]: how their errors read as sqlx's, and how one is closed.
pub trait Opens: Manager<Error: std::fmt::Display> {
    fn error(error: Self::Error) -> sqlx::Error;
    fn close(connection: Self::Type) -> impl std::future::Future<Output = ()> + Send;
}

/// A pool of connections, each opened when first needed.
pub struct Lists<M: Opens>(Pool<M>);

impl<M: Opens> Clone for Lists<M> {
    fn clone(&self) -> Self {
        Lists(self.0.clone())
    }
}

/// One connection taken from [`Lists`]; it goes back when dropped.
pub struct ListConnection<M: Opens>(Object<M>);

/// Opens sqlx connections (PostgreSQL's, through the `Any` driver).
pub struct Opener<C: Connection> {
    options: C::Options,
}

impl<C: Connection> Manager for Opener<C> {
    type Type = C;
    type Error = sqlx::Error;

    async fn create(&self) -> Result<C, sqlx::Error> {
        self.options.connect().await
    }

    /// Nothing to undo (the module's comment says why); a connection that has waited longer
    /// than [`super::PING_AFTER_IDLE`] is pinged, and replaced when the ping fails.
    async fn recycle(&self, connection: &mut C, metrics: &Metrics) -> RecycleResult<sqlx::Error> {
        if metrics.last_used() > super::PING_AFTER_IDLE {
            connection.ping().await.map_err(RecycleError::Backend)?;
        }
        Ok(())
    }
}

impl<C: Connection> Opens for Opener<C> {
    fn error(error: sqlx::Error) -> sqlx::Error {
        error
    }

    async fn close(connection: C) {
        let _ = connection.close().await;
    }
}

/// Opens rusqlite connections to a SQLite file, which refuse to write.
#[derive(Debug)]
pub struct SqliteOpener {
    path: PathBuf,
}

impl Manager for SqliteOpener {
    type Type = rusqlite::Connection;
    type Error = rusqlite::Error;

    async fn create(&self) -> Result<rusqlite::Connection, rusqlite::Error> {
        // Opening reads the file's header only (the WAL mode is the main pool's, kept in
        // the file).
        let connection = rusqlite::Connection::open(&self.path)?;
        connection.pragma_update(None, "query_only", "ON")?;
        connection.busy_timeout(SQLITE_BUSY)?;
        // As many statements as sqlx keeps a connection (a list's statement differs with
        // its filters and where its page starts).
        connection.set_prepared_statement_cache_capacity(100);
        Ok(connection)
    }

    /// Nothing to undo: a read finishes (its statement reset) before the connection goes
    /// back, on the same thread, with no await in between.
    async fn recycle(
        &self,
        _: &mut rusqlite::Connection,
        _: &Metrics,
    ) -> RecycleResult<rusqlite::Error> {
        Ok(())
    }
}

impl Opens for SqliteOpener {
    fn error(error: rusqlite::Error) -> sqlx::Error {
        sqlite_error(error)
    }

    async fn close(connection: rusqlite::Connection) {
        // Closing ends the file's WAL cleanly; a failure leaves it for the next start to
        // recover, as after a crash.
        let _ = connection.close();
    }
}

/// A rusqlite error as the sqlx error every reader handles.
pub fn sqlite_error(error: rusqlite::Error) -> sqlx::Error {
    sqlx::Error::AnyDriverError(Box::new(error))
}

impl<M: Opens> Lists<M> {
    fn new(manager: M, size: usize) -> anyhow::Result<Lists<M>> {
        let pool = Pool::builder(manager)
            .max_size(size)
            .wait_timeout(Some(WAIT))
            .create_timeout(Some(WAIT))
            .runtime(deadpool::Runtime::Tokio1)
            .build()?;
        Ok(Lists(pool))
    }

    pub async fn acquire(&self) -> Result<ListConnection<M>, sqlx::Error> {
        self.0.get().await.map(ListConnection).map_err(|e| match e {
            PoolError::Backend(e) => M::error(e),
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
            M::close(connection).await;
        }
    }
}

impl<M: Opens> ListConnection<M> {
    /// `result`, the answer of a statement on this connection; the connection goes back to
    /// the pool unless the statement failed: then it is dropped, and the next read opens
    /// another (an error may have ended it: the file unreadable, the server restarting).
    pub fn answer<T>(self, result: Result<T, sqlx::Error>) -> Result<T, sqlx::Error> {
        if result.is_err() {
            drop(Object::take(self.0));
        }
        result
    }
}

impl<M: Opens> std::ops::Deref for ListConnection<M> {
    type Target = M::Type;
    fn deref(&self) -> &M::Type {
        &self.0
    }
}

impl<M: Opens> std::ops::DerefMut for ListConnection<M> {
    fn deref_mut(&mut self) -> &mut M::Type {
        &mut self.0
    }
}

impl<M: Opens> std::fmt::Debug for Lists<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lists").field("open", &self.open()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::sqlite::SqliteConnectOptions;
    use sqlx::Executor;

    async fn read(lists: &Lists<SqliteOpener>, sql: &str) -> Result<Vec<i64>, sqlx::Error> {
        let connection = lists.acquire().await?;
        let rows = (|| {
            let mut statement = connection.prepare(sql)?;
            let rows = statement.query_map([], |row| row.get(0))?;
            rows.collect::<Result<Vec<i64>, _>>()
        })()
        .map_err(sqlite_error);
        connection.answer(rows)
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
        let ListPool::Sqlite(lists) = ListPool::sqlite(dir.join("l.db"), 2).unwrap() else {
            unreachable!("a SQLite pool")
        };
        assert_eq!(lists.open(), 0, "opened when first used");

        assert_eq!(read(&lists, "SELECT x FROM t").await.unwrap(), [1]);
        assert_eq!(lists.open(), 1);

        // A failed statement, even the database's own refusal, drops the connection; the
        // next read opens another, which sees what was written meanwhile.
        let refused = read(&lists, "INSERT INTO t VALUES (2)").await.err();
        assert!(
            refused
                .as_ref()
                .is_some_and(|e| e.to_string().contains("readonly database")),
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
