//! A row as the list readers read it, from either of two drivers: sqlx's `Any` driver, which
//! every statement can go through, or rusqlite, which the list pages read through on SQLite
//! ([`super::lists`]). The `Any` driver copies every value of a row into a row of its own
//! before anything reads it (on a schedule page that copy was a twelfth of the work);
//! rusqlite's row is read where SQLite stepped to it.
//!
//! A reader takes `&dyn Cells` and reads each column by name or position with
//! [`get`](trait.Cells.html#method.get), the type taken from where the value goes, as it would
//! with `Row::try_get`.

use sqlx::any::AnyRow;
use sqlx::Row;

/// The values of one row: integers and text, either possibly NULL (the portal stores flags,
/// ids and timestamps as integers and dates as text, on both databases).
pub trait Cells {
    /// The position of the column `name`.
    fn position(&self, name: &str) -> Result<usize, sqlx::Error>;
    fn int_at(&self, at: usize) -> Result<Option<i64>, sqlx::Error>;
    fn text_at(&self, at: usize) -> Result<Option<String>, sqlx::Error>;
}

impl dyn Cells + '_ {
    /// The value of column `column` (a name or a position) as a `T`.
    pub fn get<T: Cell>(&self, column: impl Column) -> Result<T, sqlx::Error> {
        let at = column.position(self)?;
        T::read(self, at).map_err(|e| match e {
            sqlx::Error::ColumnDecode { source, .. } => sqlx::Error::ColumnDecode {
                index: column.describe(),
                source,
            },
            e => e,
        })
    }
}

/// How a column is named: by position or by name.
pub trait Column {
    fn position(&self, row: &dyn Cells) -> Result<usize, sqlx::Error>;
    fn describe(&self) -> String;
}

impl Column for usize {
    fn position(&self, _: &dyn Cells) -> Result<usize, sqlx::Error> {
        Ok(*self)
    }
    fn describe(&self) -> String {
        self.to_string()
    }
}

impl Column for &str {
    fn position(&self, row: &dyn Cells) -> Result<usize, sqlx::Error> {
        row.position(self)
    }
    fn describe(&self) -> String {
        format!("{self:?}")
    }
}

/// A value a column can be read as.
pub trait Cell: Sized {
    fn read(row: &dyn Cells, at: usize) -> Result<Self, sqlx::Error>;
}

fn null(at: usize) -> sqlx::Error {
    sqlx::Error::ColumnDecode {
        index: at.to_string(),
        source: "NULL where a value is required".into(),
    }
}

impl Cell for i64 {
    fn read(row: &dyn Cells, at: usize) -> Result<Self, sqlx::Error> {
        row.int_at(at)?.ok_or_else(|| null(at))
    }
}

impl Cell for Option<i64> {
    fn read(row: &dyn Cells, at: usize) -> Result<Self, sqlx::Error> {
        row.int_at(at)
    }
}

impl Cell for String {
    fn read(row: &dyn Cells, at: usize) -> Result<Self, sqlx::Error> {
        row.text_at(at)?.ok_or_else(|| null(at))
    }
}

impl Cell for Option<String> {
    fn read(row: &dyn Cells, at: usize) -> Result<Self, sqlx::Error> {
        row.text_at(at)
    }
}

/// A 0/1 flag (neither database's boolean is portable through the `Any` driver).
impl Cell for bool {
    fn read(row: &dyn Cells, at: usize) -> Result<Self, sqlx::Error> {
        Ok(i64::read(row, at)? != 0)
    }
}

/// A name is found by comparing it with each column's (a list page's rows have a dozen or so
/// columns): cheaper than the driver's own hashed lookup (expired leads, read by name: 2.47 →
/// 2.34 million instructions a page).
macro_rules! cells {
    ($row:ty) => {
        impl Cells for $row {
            fn position(&self, name: &str) -> Result<usize, sqlx::Error> {
                use sqlx::Column;
                self.columns()
                    .iter()
                    .position(|c| c.name() == name)
                    .ok_or_else(|| sqlx::Error::ColumnNotFound(name.to_string()))
            }
            fn int_at(&self, at: usize) -> Result<Option<i64>, sqlx::Error> {
                self.try_get(at)
            }
            fn text_at(&self, at: usize) -> Result<Option<String>, sqlx::Error> {
                self.try_get(at)
            }
        }
    };
}

cells!(AnyRow);

/// A row of rusqlite's, which the SQLite list connections read through ([`super::lists`]),
/// with its statement's column names (read once a statement, not once a row).
pub struct SqliteCells<'r, 's> {
    pub row: &'r rusqlite::Row<'s>,
    pub names: &'r [String],
}

impl SqliteCells<'_, '_> {
    fn value(&self, at: usize) -> Result<rusqlite::types::ValueRef<'_>, sqlx::Error> {
        self.row.get_ref(at).map_err(|e| match e {
            rusqlite::Error::InvalidColumnIndex(_) => sqlx::Error::ColumnIndexOutOfBounds {
                index: at,
                len: self.names.len(),
            },
            e => super::lists::sqlite_error(e),
        })
    }
}

/// The value at `at` is of another type than the one read.
fn mistyped(at: usize, read: &str, value: rusqlite::types::ValueRef<'_>) -> sqlx::Error {
    sqlx::Error::ColumnDecode {
        index: at.to_string(),
        source: format!("{} where {read} is read", value.data_type()).into(),
    }
}

impl Cells for SqliteCells<'_, '_> {
    fn position(&self, name: &str) -> Result<usize, sqlx::Error> {
        self.names
            .iter()
            .position(|n| n == name)
            .ok_or_else(|| sqlx::Error::ColumnNotFound(name.to_string()))
    }
    fn int_at(&self, at: usize) -> Result<Option<i64>, sqlx::Error> {
        use rusqlite::types::ValueRef;
        match self.value(at)? {
            ValueRef::Null => Ok(None),
            ValueRef::Integer(n) => Ok(Some(n)),
            other => Err(mistyped(at, "an integer", other)),
        }
    }
    fn text_at(&self, at: usize) -> Result<Option<String>, sqlx::Error> {
        use rusqlite::types::ValueRef;
        match self.value(at)? {
            ValueRef::Null => Ok(None),
            ValueRef::Text(bytes) => match std::str::from_utf8(bytes) {
                Ok(text) => Ok(Some(text.to_owned())),
                Err(e) => Err(sqlx::Error::ColumnDecode {
                    index: at.to_string(),
                    source: e.into(),
                }),
            },
            other => Err(mistyped(at, "text", other)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROW: &str = "SELECT 7 AS n, NULL AS no_number, 'Zoë ✓' AS t, NULL AS no_text, 1 AS flag";

    /// Every read a list makes gives the same values from either driver's row.
    fn reads(row: &dyn Cells) {
        assert_eq!(row.get::<i64>("n").unwrap(), 7);
        assert_eq!(row.get::<i64>(0).unwrap(), 7);
        assert_eq!(row.get::<Option<i64>>("no_number").unwrap(), None);
        assert_eq!(row.get::<Option<i64>>("n").unwrap(), Some(7));
        assert_eq!(row.get::<String>("t").unwrap(), "Zoë ✓");
        assert_eq!(row.get::<Option<String>>(3).unwrap(), None);
        assert!(row.get::<bool>("flag").unwrap());
        let missing = row.get::<String>("no_text").unwrap_err().to_string();
        assert!(
            missing.contains("\"no_text\"") && missing.contains("NULL"),
            "{missing}"
        );
        assert!(row.get::<String>("nowhere").is_err());
    }

    #[tokio::test]
    async fn both_drivers_rows_read_alike() {
        sqlx::any::install_default_drivers();
        let any = sqlx::AnyPool::connect("sqlite::memory:").await.unwrap();
        reads(&sqlx::query(ROW).fetch_one(&any).await.unwrap());

        let native = rusqlite::Connection::open_in_memory().unwrap();
        let mut statement = native.prepare(ROW).unwrap();
        let names: Vec<String> = statement
            .column_names()
            .into_iter()
            .map(String::from)
            .collect();
        let mut rows = statement.query([]).unwrap();
        let row = rows.next().unwrap().unwrap();
        let cells = SqliteCells { row, names: &names };
        reads(&cells);
        // A value of another type than the one read is an error, as sqlx's own decoding
        // makes it, never a value converted on the way.
        let cells: &dyn Cells = &cells;
        assert!(cells.get::<String>("n").is_err());
        assert!(cells.get::<i64>("t").is_err());
        assert!(cells.get::<i64>(9).is_err());
    }
}
