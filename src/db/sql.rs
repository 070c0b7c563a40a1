//! Statements built piece by piece, for lists whose filters come and go: a filter that is
//! not set is left out of the SQL instead of written as `($n = '' OR column = $n)`, which no
//! database can answer from an index. Parameters are numbered `$1`, `$2`, ... on both
//! databases (sqlx's own `QueryBuilder` writes `?` for the `Any` driver, which PostgreSQL
//! refuses).
//!
//! Keyset paging lives here too: a page starts after (or before) the sort key of a row, so
//! the thousandth page costs what the first does.

use super::cells::Cells;
use super::{Db, Scope};
use crate::domain::paging::{Count, Cursor, Window, COUNT_LIMIT};
use sqlx::any::AnyArguments;
use sqlx::{Any, AnyPool};

#[derive(Debug, Clone, Hash)]
enum Arg {
    Text(String),
    Int(i64),
}

/// SQL text and the values of its numbered parameters.
#[derive(Debug, Clone, Default)]
pub(crate) struct Sql {
    text: String,
    args: Vec<Arg>,
}

impl Sql {
    pub fn new(text: &str) -> Sql {
        Sql {
            text: text.to_string(),
            args: Vec::new(),
        }
    }

    /// A statement whose text (so far) holds `scope`'s condition with `$1` and `$2`.
    pub fn scoped(text: &str, scope: Scope) -> Sql {
        let (kind, id) = scope.params();
        Sql {
            text: text.to_string(),
            args: vec![Arg::Text(kind.to_string()), Arg::Int(id)],
        }
    }

    pub fn push(&mut self, text: &str) -> &mut Sql {
        self.text.push_str(text);
        self
    }

    /// Appends a placeholder for `value`.
    pub fn text(&mut self, value: impl Into<String>) -> &mut Sql {
        self.args.push(Arg::Text(value.into()));
        self.placeholder()
    }

    /// Appends a placeholder for `value`.
    pub fn int(&mut self, value: i64) -> &mut Sql {
        self.args.push(Arg::Int(value));
        self.placeholder()
    }

    /// Appends `date` written out (`'YYYY-MM-DD'`): a date the portal computed (today, a
    /// horizon from it), never text someone typed. PostgreSQL plans a statement afresh for
    /// each execution while a parameter's value could change the plan (a range of dates
    /// does), which cost the schedule's status pages more than running them; with the date
    /// in the text, the plan of the day is made once per connection.
    pub fn date(&mut self, date: chrono::NaiveDate) -> &mut Sql {
        self.push(&format!("'{}'", date.format("%Y-%m-%d")))
    }

    /// Appends `(a, b, c)` with the ids written out: they are integers, and a list of a
    /// thousand placeholders would be slower to prepare than the query is to run. An empty
    /// list is `(NULL)`, which matches nothing.
    pub fn ids(&mut self, ids: &[i64]) -> &mut Sql {
        if ids.is_empty() {
            return self.push("(NULL)");
        }
        let list: Vec<String> = ids.iter().map(i64::to_string).collect();
        self.push("(").push(&list.join(", ")).push(")")
    }

    /// Appends `($n, $n+1, ...)`, one text parameter per value. An empty list is `(NULL)`,
    /// which matches nothing.
    pub fn texts<'v>(&mut self, values: impl IntoIterator<Item = &'v str>) -> &mut Sql {
        let mut first = true;
        for v in values {
            self.push(if first { "(" } else { ", " }).text(v);
            first = false;
        }
        self.push(if first { "(NULL)" } else { ")" })
    }

    /// Appends `(...), (...)`, one parenthesis per item written by `row`: the VALUES of a
    /// statement that writes or matches many rows at once.
    pub fn rows<T>(
        &mut self,
        items: impl IntoIterator<Item = T>,
        mut row: impl FnMut(&mut Sql, T),
    ) -> &mut Sql {
        for (i, item) in items.into_iter().enumerate() {
            self.push(if i == 0 { "(" } else { ", (" });
            row(self, item);
            self.push(")");
        }
        self
    }

    /// Appends `other`, its parameters numbered after this statement's. The statements are
    /// the portal's own text: a `$` in them is always a placeholder.
    pub fn append(&mut self, other: &Sql) -> &mut Sql {
        let offset = self.args.len();
        // Copied a run at a time between `$`s (a hundred ids' list was copied a character at a
        // time, each statement of a page several times: 2% of the reseller part's
        // instructions).
        let mut rest = other.text.as_str();
        while let Some(at) = rest.find('$') {
            self.text.push_str(&rest[..=at]);
            rest = &rest[at + 1..];
            let digits = rest
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(rest.len());
            match rest[..digits].parse::<usize>() {
                Ok(n) => self.text.push_str(&(n + offset).to_string()),
                // No digits (or more than a number holds): left as they are.
                Err(_) => self.text.push_str(&rest[..digits]),
            }
            rest = &rest[digits..];
        }
        self.text.push_str(rest);
        self.args.extend(other.args.iter().cloned());
        self
    }

    fn placeholder(&mut self) -> &mut Sql {
        let n = self.args.len();
        self.text.push_str(&format!("${n}"));
        self
    }

    /// The statement with its parameters bound, for the `Any` driver.
    pub fn query(&self) -> sqlx::query::Query<'_, Any, AnyArguments<'_>> {
        let mut q = sqlx::query(&self.text);
        for a in &self.args {
            q = match a {
                Arg::Text(t) => q.bind(t.as_str()),
                Arg::Int(i) => q.bind(*i),
            };
        }
        q
    }

    /// The rows of this statement, which only reads, each read by `row`, on the list
    /// connections ([`super::lists`]; the main pool for an in-memory SQLite database).
    pub async fn read<T>(
        &self,
        db: &Db,
        row: &dyn Fn(&dyn Cells) -> Result<T, sqlx::Error>,
    ) -> Result<Vec<T>, sqlx::Error> {
        Ok(read(db, self, row, false).await?.0)
    }

    /// This statement after `head`: `FROM ... WHERE ...` becomes a SELECT.
    fn after(&self, head: &str) -> Sql {
        Sql {
            text: format!("{head} {}", self.text),
            args: self.args.clone(),
        }
    }

    /// How many rows `FROM ... WHERE ...` (this statement) holds, counted up to
    /// [`COUNT_LIMIT`]: counting stops there, so the count costs at most that many rows.
    pub async fn count(&self, pool: &AnyPool) -> Result<Count, sqlx::Error> {
        self.count_ordered(pool, "").await
    }

    /// As [`Sql::count`], the rows read in the list's `order`: for a statement whose rows the
    /// database finds sooner along an index in that order than anywhere it would choose to
    /// start.
    pub async fn count_along(&self, pool: &AnyPool, order: &Keyset) -> Result<Count, sqlx::Error> {
        self.count_ordered(pool, &order.order_by("", true)).await
    }

    async fn count_ordered(&self, pool: &AnyPool, order_by: &str) -> Result<Count, sqlx::Error> {
        let mut counting = self.after("SELECT COUNT(*) FROM (SELECT 1 AS one");
        counting.push(&format!("{order_by} LIMIT {}) counted", COUNT_LIMIT + 1));
        let n: i64 = sqlx::Row::try_get(&counting.query().fetch_one(pool).await?, 0)?;
        Ok(Count::of(n))
    }

    /// This statement with its values, on the database of `pool`, as a number (two that
    /// differ may in rare cases share one: only for what may be wrong, as [`PAGE_ENDS`]).
    fn fingerprint(&self, pool: &AnyPool) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        pool.connect_options().database_url.as_str().hash(&mut h);
        self.text.hash(&mut h);
        self.args.hash(&mut h);
        h.finish()
    }
}

/// Where each page read by its ids first ended the last time it was read: the sort key of
/// the last row read (the one past the page), by the page's statement. Read again, the page
/// reads only rows up to that key: a name part matching a hundred resellers otherwise reads
/// each one's entries from its index until they sort after the page's worst so far, and
/// sorts them all (the reseller part of the large data: 250 rows sorted for the 51 kept,
/// half of its statement's work).
///
/// What is kept is a hint, never the answer: when the bounded read brings fewer rows than
/// it asked for (rows were removed, or another statement shares the number), the page is
/// read again without the bound and the hint replaced. A row added since sorts within the
/// bound or after the page, so the bounded read finds it where it belongs.
static PAGE_ENDS: std::sync::LazyLock<crate::cache::Ttl<u64, Option<String>>> =
    std::sync::LazyLock::new(|| crate::cache::Ttl::new(std::time::Duration::from_secs(60)));

/// The name of the column with a page's last sort key, when it is kept ([`PAGE_ENDS`]).
const PAGE_END: &str = "page_end";

/// The order of a keyset-paged list: by `key` (a text column or expression: dates are ISO
/// text) and then by `id`, both ascending or both descending; a list by id alone has the id
/// as its key.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Keyset {
    /// The table (with its alias) that `key` and `id` are read from.
    pub table: &'static str,
    pub key: &'static str,
    pub id: &'static str,
    pub descending: bool,
    /// Whether a page read by its ids first keeps where it ended ([`PAGE_ENDS`]): for a key
    /// the name indexes hold after the name (the end date), where the bound stops each
    /// name's read early. Any other key's bound only turns the database to that key's own
    /// index: the upcoming entries of a thousand end customers, by start date, were read
    /// again along every upcoming entry (12 ms for the first request, 0.5 s for the next).
    pub keeps_ends: bool,
}

impl Keyset {
    /// The sort key of row `id`; `None` when there is no such row (a page link to a row that
    /// is gone shows the first page).
    async fn key_of(&self, pool: &AnyPool, id: i64) -> Result<Option<String>, sqlx::Error> {
        if self.by_id_alone() {
            return Ok(Some(id.to_string()));
        }
        sqlx::query_scalar(&format!(
            "SELECT {} FROM {} WHERE {} = $1",
            self.key, self.table, self.id
        ))
        .bind(id)
        .fetch_optional(pool)
        .await
    }

    /// ` AND (rows past row `id`)` in the list's order (`forward`) or against it, the row's
    /// key read by a subquery in the same statement (no round trip of its own). Written as
    /// `key >= k AND (key > k OR id > i)` rather than `key > k OR (key = k AND id > i)`: SQLite
    /// reads the first as a range of the index and the second as a scan. A row that is gone
    /// has no key, and nothing is past it.
    fn push_past(&self, sql: &mut Sql, id: i64, forward: bool) {
        let op = if forward != self.descending { ">" } else { "<" };
        if self.by_id_alone() {
            sql.push(&format!(" AND {} {op} ", self.id)).int(id);
            return;
        }
        let key_of = |sql: &mut Sql| {
            sql.push(&format!(
                "(SELECT {} FROM {} WHERE {} = ",
                self.key, self.table, self.id
            ))
            .int(id)
            .push(")");
        };
        sql.push(&format!(" AND {} {op}= ", self.key));
        key_of(sql);
        sql.push(&format!(" AND ({} {op} ", self.key));
        key_of(sql);
        sql.push(&format!(" OR {} {op} ", self.id))
            .int(id)
            .push(")");
    }

    fn push_order(&self, sql: &mut Sql, forward: bool, limit: usize) {
        sql.push(&self.order_by("", forward))
            .push(&format!(" LIMIT {limit}"));
    }

    /// ` ORDER BY key, id` in the list's order (`forward`) or against it; with `of` (`page.`),
    /// the key and id as a sub-select named `of` outputs them.
    fn order_by(&self, of: &str, forward: bool) -> String {
        let dir = if forward != self.descending {
            "ASC"
        } else {
            "DESC"
        };
        let column = |c: &'static str| match of {
            "" => c.to_string(),
            _ => format!("{of}{}", output_column(c)),
        };
        match self.by_id_alone() {
            true => format!(" ORDER BY {} {dir}", column(self.id)),
            false => format!(
                " ORDER BY {} {dir}, {} {dir}",
                column(self.key),
                column(self.id)
            ),
        }
    }

    fn by_id_alone(&self) -> bool {
        self.key == self.id
    }

    /// The page at `cursor` of `select` (the columns) from `from` (`FROM ... WHERE ...`),
    /// `per_page` rows, each read by `row`; `id` names a row for the links.
    #[allow(clippy::too_many_arguments)]
    pub async fn window<T>(
        &self,
        db: &Db,
        select: &str,
        from: &Sql,
        cursor: Cursor,
        per_page: usize,
        row: impl Fn(&dyn Cells) -> Result<T, sqlx::Error>,
        id: impl Fn(&T) -> i64,
    ) -> Result<Window<T>, sqlx::Error> {
        let branches = Branches {
            select: Select::Columns(select),
            froms: std::slice::from_ref(from),
            row: &row,
        };
        self.window_of(db, &branches, cursor, per_page, id).await
    }

    /// The page at `cursor` of rows that several statements select, each in this order
    /// (`branches`, merged by each row's `(key, id)`): a filter that is an OR of conditions
    /// each answered from an index in order reads a page of each instead of sorting them all.
    pub async fn window_of<T>(
        &self,
        db: &Db,
        branches: &Branches<'_, T>,
        cursor: Cursor,
        per_page: usize,
        id: impl Fn(&T) -> i64,
    ) -> Result<Window<T>, sqlx::Error> {
        let limit = per_page + 1;
        match cursor {
            Cursor::After(at) => {
                let rows = self.fetch(db, branches, Some(at), true, limit).await?;
                // Nothing past the row: the end of the list, or a link to a row that is gone
                // (which shows the first page).
                if rows.is_empty() && self.key_of(&db.pool, at).await?.is_none() {
                    let rows = self.fetch(db, branches, None, true, limit).await?;
                    return Ok(Window::forward(rows, per_page, false, id));
                }
                Ok(Window::forward(rows, per_page, true, id))
            }
            Cursor::Before(at) => {
                let rows = self.fetch(db, branches, Some(at), false, limit).await?;
                if rows.len() > per_page {
                    return Ok(Window::backward(rows, per_page, true, id));
                }
                // Fewer than a page before it (or a row that is gone): the first page, whole.
                let rows = self.fetch(db, branches, None, true, limit).await?;
                Ok(Window::forward(rows, per_page, false, id))
            }
            Cursor::Last => {
                let rows = self.fetch(db, branches, None, false, limit).await?;
                Ok(Window::backward(rows, per_page, false, id))
            }
            _ => {
                let rows = self.fetch(db, branches, None, true, limit).await?;
                Ok(Window::forward(rows, per_page, false, id))
            }
        }
    }

    /// Up to `limit` rows past `past` (or from the start), in the list's order (`forward`) or
    /// against it, from every branch, merged.
    ///
    /// Several branches are one statement: each branch's page (read from its index in order)
    /// is a sub-select, and their union is ordered and cut to `limit` by the database, so one
    /// round trip brings `limit` rows instead of `limit` rows per branch.
    async fn fetch<T>(
        &self,
        db: &Db,
        branches: &Branches<'_, T>,
        past: Option<i64>,
        forward: bool,
        limit: usize,
    ) -> Result<Vec<T>, sqlx::Error> {
        let remembers = matches!(branches.select, Select::IdsFirst { .. })
            && self.keeps_ends
            && self.plain_key();
        let plain = self.statement(branches, past, forward, limit, remembers, None);
        if !remembers {
            return plain.read(db, branches.row).await;
        }
        let hint = plain.fingerprint(&db.pool);
        let kept = PAGE_ENDS.fresh(&hint);
        if let Some(Some(end)) = &kept {
            let bounded = self.statement(branches, past, forward, limit, true, Some(end));
            let (rows, last) = read(db, &bounded, branches.row, true).await?;
            if rows.len() >= limit {
                if last.as_ref() != Some(end) {
                    PAGE_ENDS.keep(hint, last.filter(|end| literal(end)));
                }
                return Ok(rows);
            }
        }
        let (rows, last) = read(db, &plain, branches.row, true).await?;
        let last = last.filter(|end| rows.len() >= limit && literal(end));
        if kept.as_ref() != Some(&last) {
            PAGE_ENDS.keep(hint, last);
        }
        Ok(rows)
    }

    /// Whether the key is a column (`alias.column`), which a page's end can be kept by.
    fn plain_key(&self) -> bool {
        !self.by_id_alone()
            && self
                .key
                .chars()
                .all(|c| c.is_alphanumeric() || c == '_' || c == '.')
    }

    /// The statement of [`fetch`](Self::fetch): with `end`, only rows up to that sort key in
    /// the order read; with `with_end` (ids first), the sort key of each row too, as
    /// [`PAGE_END`].
    fn statement<T>(
        &self,
        branches: &Branches<'_, T>,
        past: Option<i64>,
        forward: bool,
        limit: usize,
        with_end: bool,
        end: Option<&str>,
    ) -> Sql {
        let head = match branches.select {
            Select::Columns(columns) => std::borrow::Cow::Borrowed(columns),
            // The key and id: branches are merged by them, and the rows read after are put
            // in their order.
            Select::IdsFirst { .. } if self.by_id_alone() => {
                std::borrow::Cow::Owned(format!("SELECT {}", self.id))
            }
            Select::IdsFirst { .. } => {
                std::borrow::Cow::Owned(format!("SELECT {}, {}", self.key, self.id))
            }
        };
        let page = |from: &Sql| {
            let mut sql = from.after(&head);
            if let Some(at) = past {
                self.push_past(&mut sql, at, forward);
            }
            if let Some(end) = end {
                let op = if forward != self.descending {
                    "<="
                } else {
                    ">="
                };
                // Written out, not a parameter: PostgreSQL plans a statement whose parameter
                // bounds a range again at every execution (0.5-0.75 ms of planning for the
                // reseller part, more than its bounded read saves), and keeps one plan for
                // it once the parameters left only pick the scope.
                sql.push(&format!(" AND {} {op} '{end}'", self.key));
            }
            self.push_order(&mut sql, forward, limit);
            sql
        };
        // The rows of the page, or with `IdsFirst` their ids (and keys, to merge branches).
        let picked = match branches.froms {
            [one] => page(one),
            several => {
                let mut union = Sql::default();
                for (i, from) in several.iter().enumerate() {
                    union
                        .push(if i == 0 {
                            "SELECT * FROM ("
                        } else {
                            " UNION ALL SELECT * FROM ("
                        })
                        .append(&page(from))
                        .push(&format!(") AS branch{i}"));
                }
                Keyset {
                    key: output_column(self.key),
                    id: output_column(self.id),
                    ..*self
                }
                .push_order(&mut union, forward, limit);
                union
            }
        };
        match branches.select {
            Select::Columns(_) => picked,
            // The page's rows joined to its ids and put in their order. (Not `id IN (page)`
            // and a second ORDER BY ... LIMIT: SQLite then put the ids in a table of their
            // own and sorted the page's rows again; this way it reads the page in order.)
            Select::IdsFirst { columns, joins } => {
                let end = match with_end {
                    true => format!(", page.{} AS {PAGE_END}", output_column(self.key)),
                    false => String::new(),
                };
                let mut sql = Sql::new(&format!("{columns}{end} FROM ("));
                sql.append(&picked).push(&format!(
                    ") AS page JOIN {} ON {} = page.{} {joins}",
                    self.table,
                    self.id,
                    output_column(self.id)
                ));
                sql.push(&self.order_by("page.", forward));
                sql
            }
        }
    }
}

/// Whether `key` can be written into a statement as it is, between single quotes: a date or
/// a word (the keys pages end at are dates); anything else is not kept.
fn literal(key: &str) -> bool {
    key.len() <= 64
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | ':' | '.' | ' ' | '_'))
}

/// The rows of `sql`, each read by `row`, and with `end` the last one's [`PAGE_END`].
async fn read<T>(
    db: &Db,
    sql: &Sql,
    row: &dyn Fn(&dyn Cells) -> Result<T, sqlx::Error>,
    end: bool,
) -> Result<(Vec<T>, Option<String>), sqlx::Error> {
    use super::lists::ListPool;
    match &db.lists {
        // SQLite: read with rusqlite on the request's thread.
        Some(ListPool::Sqlite(lists)) => {
            let connection = lists.acquire().await?;
            let rows = read_sqlite(&connection, sql, row, end);
            connection.answer(rows)
        }
        Some(ListPool::Postgres(lists)) => {
            let mut connection = lists.acquire().await?;
            let rows = sql.query().fetch_all(&mut *connection).await;
            rows_and_end(&connection.answer(rows)?, row, end)
        }
        None => rows_and_end(&sql.query().fetch_all(&db.pool).await?, row, end),
    }
}

/// [`read`] on a SQLite list connection: the statement runs on this thread (no await: a
/// list page's statement is bounded by its page and answered from indexes, and its time is
/// less than a hand-over to a connection thread and back costs), each row read by `row` as
/// SQLite steps to it, without a copy of its values.
fn read_sqlite<T>(
    connection: &rusqlite::Connection,
    sql: &Sql,
    row: &dyn Fn(&dyn Cells) -> Result<T, sqlx::Error>,
    end: bool,
) -> Result<(Vec<T>, Option<String>), sqlx::Error> {
    use super::cells::SqliteCells;
    use super::lists::sqlite_error as error;
    let mut statement = connection.prepare_cached(&sql.text).map_err(error)?;
    // SQLite numbers the parameters in the order they first appear; each is named `$n`.
    for at in 1..=statement.parameter_count() {
        let value = statement
            .parameter_name(at)
            .and_then(|name| name.strip_prefix('$'))
            .and_then(|n| n.parse::<usize>().ok())
            .and_then(|n| sql.args.get(n.checked_sub(1)?));
        match value {
            Some(Arg::Text(text)) => statement.raw_bind_parameter(at, text.as_str()),
            Some(Arg::Int(n)) => statement.raw_bind_parameter(at, n),
            None => {
                return Err(sqlx::Error::Protocol(format!(
                    "no value for the statement's parameter {:?}",
                    statement.parameter_name(at)
                )))
            }
        }
        .map_err(error)?;
    }
    let names: Vec<String> = statement
        .column_names()
        .into_iter()
        .map(String::from)
        .collect();
    let mut rows = statement.raw_query();
    let (mut read, mut last) = (Vec::new(), None);
    while let Some(r) = rows.next().map_err(error)? {
        let cells = SqliteCells {
            row: r,
            names: &names,
        };
        read.push(row(&cells)?);
        if end {
            last = Some((&cells as &dyn Cells).get::<String>(PAGE_END)?);
        }
    }
    Ok((read, last))
}

fn rows_and_end<T, R: Cells>(
    rows: &[R],
    row: &dyn Fn(&dyn Cells) -> Result<T, sqlx::Error>,
    end: bool,
) -> Result<(Vec<T>, Option<String>), sqlx::Error> {
    let last = match (end, rows.last()) {
        (true, Some(last)) => Some((last as &dyn Cells).get::<String>(PAGE_END)?),
        _ => None,
    };
    Ok((rows.iter().map(|r| row(r)).collect::<Result<_, _>>()?, last))
}

/// The name a selected column `alias.column` has in the result (what an ORDER BY over a
/// union of selects names it by).
fn output_column(column: &'static str) -> &'static str {
    column.rsplit('.').next().unwrap_or(column)
}

/// The statements a keyset page reads from and how it reads a row: what it selects, the
/// `FROM ... WHERE ...` of each branch, and the row reader.
pub(crate) struct Branches<'a, T> {
    pub select: Select<'a>,
    pub froms: &'a [Sql],
    pub row: &'a dyn Fn(&dyn Cells) -> Result<T, sqlx::Error>,
}

/// What a keyset page selects.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Select<'a> {
    /// These columns (`SELECT ...`, holding the keyset's key and id as plain `alias.column`,
    /// which order a union of branches) from each branch.
    Columns(&'a str),
    /// The page's ids first (from each branch its key and id, merged), then the rows of
    /// those ids: these columns (`SELECT ...`) of the keyset's table with these joins
    /// (`JOIN ...`): the joins and the reads of whole rows are made for the page's rows only.
    IdsFirst { columns: &'a str, joins: &'a str },
}

/// Which backend a pool talks to, for the few statements that differ (name search).
pub(crate) fn backend(pool: &AnyPool) -> super::Backend {
    if pool
        .connect_options()
        .database_url
        .scheme()
        .starts_with("sqlite")
    {
        super::Backend::Sqlite
    } else {
        super::Backend::Postgres
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_after_the_scope() {
        let mut sql = Sql::scoped("SELECT 1 FROM t WHERE ($1 = 'all' AND $2 = $2)", Scope::All);
        sql.push(" AND a = ").text("x").push(" AND b = ").int(3);
        sql.push(" AND c IN ").ids(&[1, 2]);
        sql.push(" AND d IN ").ids(&[]);
        sql.push(" AND e < ")
            .date(chrono::NaiveDate::from_ymd_opt(987, 6, 5).unwrap());
        sql.push(" AND f IN ").texts(["k1", "k2"]);
        sql.push(" AND g IN ").texts([]);
        assert_eq!(
            sql.text,
            "SELECT 1 FROM t WHERE ($1 = 'all' AND $2 = $2) AND a = $3 AND b = $4 AND c IN (1, 2) AND d IN (NULL) \
             AND e < '0987-06-05' AND f IN ($5, $6) AND g IN (NULL)"
        );
        assert_eq!(sql.args.len(), 6);
        assert!(matches!(&sql.args[5], Arg::Text(k) if k == "k2"));
    }

    /// The SQLite list read binds each `$n` to the n-th value wherever it stands (SQLite
    /// numbers parameters in the order they first appear), reads every row in order with
    /// the last one's page end, and refuses a statement with a parameter it has no value for.
    #[test]
    fn a_sqlite_list_read_binds_each_placeholder_by_its_number() {
        let connection = rusqlite::Connection::open_in_memory().unwrap();
        let text = "a\0ü'\"✓".to_string();
        // $2 stands first, $1 twice.
        let mut sql = Sql::new(
            "SELECT x, y AS page_end FROM (SELECT $2 AS y, $1 AS x \
             UNION ALL SELECT $2 || '!', $1 * 2) ORDER BY x",
        );
        sql.args = vec![Arg::Int(-7), Arg::Text(text.clone())];
        let read = |sql: &Sql, end| {
            read_sqlite(
                &connection,
                sql,
                &|row| Ok((row.get::<i64>("x")?, row.get::<String>(1)?)),
                end,
            )
        };
        let (rows, last) = read(&sql, true).unwrap();
        assert_eq!(rows, [(-14, format!("{text}!")), (-7, text.clone())]);
        assert_eq!(last, Some(text));
        assert_eq!(read(&sql, false).unwrap().1, None, "no page end asked");
        // The same statement again (from the connection's cache), with other values.
        sql.args[0] = Arg::Int(3);
        assert_eq!(read(&sql, false).unwrap().0[0].0, 3);

        let unbound = Sql::new("SELECT $1 AS x, 'a' AS y");
        let refused = read(&unbound, false).unwrap_err().to_string();
        assert!(refused.contains("$1"), "{refused}");
    }

    #[test]
    fn an_appended_statement_numbers_its_parameters_after_ours() {
        let mut first = Sql::scoped("a = $1 AND b = $2", Scope::All);
        first.push(" AND c = ").text("x");
        let mut second = Sql::scoped("d = $1 AND e = $2", Scope::All);
        second
            .push(" AND f IN ")
            .ids(&[10, 12])
            .push(" AND g = ")
            .int(7);
        first.push(" UNION ").append(&second);
        assert_eq!(
            first.text,
            "a = $1 AND b = $2 AND c = $3 UNION d = $4 AND e = $5 AND f IN (10, 12) AND g = $6"
        );
        assert_eq!(first.args.len(), 6);
        assert!(matches!(&first.args[5], Arg::Int(7)));
        assert_eq!(output_column("l.last_activity_on"), "last_activity_on");
        assert_eq!(output_column("id"), "id");
    }

    proptest::proptest! {
        /// Appending renumbers each `$` followed by digits by the parameters before it, and
        /// copies everything else as it is, whatever the text around it.
        #[test]
        fn appending_renumbers_only_placeholders(
            parts in proptest::collection::vec(("[^$0-9]{0,4}", proptest::option::of(0usize..200)), 0..8),
            tail in "\\PC{0,6}",
            before in 0usize..5,
        ) {
            let mut text = String::new();
            let mut expected = String::new();
            for (words, number) in &parts {
                text.push_str(words);
                expected.push_str(words);
                text.push('$');
                expected.push('$');
                if let Some(n) = number {
                    text.push_str(&n.to_string());
                    expected.push_str(&(n + before).to_string());
                }
            }
            // Text past the last placeholder: digits there follow no `$` unless it ends one.
            let tail: String = tail.chars().filter(|c| *c != '$' && !c.is_ascii_digit()).collect();
            text.push_str(&tail);
            expected.push_str(&tail);
            let mut first = Sql::new("x");
            first.args = vec![Arg::Int(0); before];
            first.append(&Sql::new(&text));
            proptest::prop_assert_eq!(&first.text[1..], expected.as_str());
        }
    }

    #[test]
    fn only_dates_and_words_are_written_into_a_statement() {
        assert!(literal("2027-02-28"));
        assert!(literal("2026-12-06 01:29:16"));
        for key in [
            "it's",
            "a'; DROP TABLE leads; --",
            "Zoë",
            "a\\b",
            "",
            "x\0y",
        ] {
            assert_eq!(literal(key), key.is_empty(), "{key:?}");
        }
        assert!(!literal(&"9".repeat(65)));
    }

    #[test]
    fn keyset_conditions_follow_the_order() {
        let k = Keyset {
            table: "t",
            key: "t.d",
            id: "t.id",
            descending: true,
            keeps_ends: true,
        };
        let mut sql = Sql::new("SELECT 1 FROM t WHERE 1 = 1");
        k.push_past(&mut sql, 5, true);
        k.push_order(&mut sql, true, 51);
        assert_eq!(
            sql.text,
            "SELECT 1 FROM t WHERE 1 = 1 AND t.d <= (SELECT t.d FROM t WHERE t.id = $1) \
             AND (t.d < (SELECT t.d FROM t WHERE t.id = $2) OR t.id < $3) ORDER BY t.d DESC, t.id DESC LIMIT 51"
        );
        assert!(sql.args.iter().all(|a| matches!(a, Arg::Int(5))));
        let mut back = Sql::new("");
        k.push_past(&mut back, 5, false);
        k.push_order(&mut back, false, 51);
        assert!(
            back.text
                .contains("t.d >= (SELECT t.d FROM t WHERE t.id = $1)")
                && back.text.ends_with("t.id ASC LIMIT 51")
        );
    }
}
