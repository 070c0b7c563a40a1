//! Search and pagination of list pages.

use serde::Deserialize;

pub const PER_PAGE: i64 = 50;

/// What a list page was asked for: `?q=...&page=N`. Any page number is accepted and clamped.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PageRequest {
    #[serde(default)]
    pub q: Option<String>,
    #[serde(default, deserialize_with = "lenient_page")]
    pub page: Option<i64>,
}

pub fn lenient_page<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    let s: Option<String> = Option::deserialize(d)?;
    Ok(s.and_then(|s| s.trim().parse().ok()))
}

impl PageRequest {
    /// The search term, trimmed; `None` when blank.
    pub fn query(&self) -> Option<&str> {
        self.q.as_deref().map(str::trim).filter(|q| !q.is_empty())
    }

    pub fn page(&self) -> i64 {
        self.page.unwrap_or(1).max(1)
    }

    /// A LIKE pattern that matches the search term anywhere, with `%`, `_` and `\` escaped
    /// (the queries say `ESCAPE '\'`). Lower-cased: the queries compare `LOWER(column)`.
    pub fn like_pattern(&self) -> String {
        let mut p = String::from("%");
        for c in self.query().unwrap_or("").to_lowercase().chars() {
            if matches!(c, '%' | '_' | '\\') {
                p.push('\\');
            }
            p.push(c);
        }
        p.push('%');
        p
    }
}

/// One page of a list, with what the page links need.
#[derive(Debug, Clone)]
pub struct Paged<T> {
    pub items: Vec<T>,
    pub page: i64,
    pub total: i64,
    pub per_page: i64,
}

impl<T> Paged<T> {
    /// The `requested` page of a list held in memory (a page past the end shows the last).
    pub fn of_all(all: Vec<T>, requested: i64, per_page: i64) -> Paged<T> {
        let total = all.len() as i64;
        let page = Self::clamp_page(requested, total, per_page);
        let items = all
            .into_iter()
            .skip(Self::offset(page, per_page) as usize)
            .take(per_page as usize)
            .collect();
        Paged {
            items,
            page,
            total,
            per_page,
        }
    }

    /// The page actually shown: a page past the end shows the last one.
    pub fn clamp_page(requested: i64, total: i64, per_page: i64) -> i64 {
        let last = ((total + per_page - 1) / per_page).max(1);
        requested.clamp(1, last)
    }

    pub fn offset(page: i64, per_page: i64) -> i64 {
        (page - 1) * per_page
    }

    pub fn pages(&self) -> i64 {
        ((self.total + self.per_page - 1) / self.per_page).max(1)
    }

    pub fn has_prev(&self) -> bool {
        self.page > 1
    }

    pub fn has_next(&self) -> bool {
        self.page < self.pages()
    }

    pub fn prev(&self) -> i64 {
        self.page - 1
    }

    pub fn next(&self) -> i64 {
        self.page + 1
    }

    /// "51–100 of 230", or "" for an empty list.
    pub fn range_label(&self) -> String {
        if self.total == 0 {
            return String::new();
        }
        let first = Self::offset(self.page, self.per_page) + 1;
        let last = (first + self.items.len() as i64 - 1).max(first);
        format!("{first}–{last} of {}", self.total)
    }
}

/// Where a page of a long list starts. Long lists page by keyset (the sort key of the row
/// a page starts after or before), so a deep page costs what the first does; the links
/// carry the id of that row: `?after=ID`, `?before=ID`, `?at=last`, or nothing for the
/// first page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Cursor {
    #[default]
    First,
    After(i64),
    Before(i64),
    Last,
}

impl Cursor {
    /// The cursor of a query string's `after`, `before` and `at` fields; anything not
    /// understood reads as the first page.
    pub fn from_fields(after: Option<&str>, before: Option<&str>, at: Option<&str>) -> Cursor {
        let id = |v: Option<&str>| {
            v.and_then(|v| v.trim().parse::<i64>().ok())
                .filter(|id| *id > 0)
        };
        if let Some(id) = id(after) {
            Cursor::After(id)
        } else if let Some(id) = id(before) {
            Cursor::Before(id)
        } else if at.map(str::trim) == Some("last") {
            Cursor::Last
        } else {
            Cursor::First
        }
    }

    /// The query string field for a link to this page (`""` for the first page).
    pub fn query(self) -> String {
        match self {
            Cursor::First => String::new(),
            Cursor::After(id) => format!("after={id}"),
            Cursor::Before(id) => format!("before={id}"),
            Cursor::Last => "at=last".into(),
        }
    }
}

/// The query string fields that say where a page starts (`after`, `before`, `at`), for a
/// list's query struct to flatten in.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CursorFields {
    #[serde(default)]
    pub after: Option<String>,
    #[serde(default)]
    pub before: Option<String>,
    #[serde(default)]
    pub at: Option<String>,
}

impl CursorFields {
    pub fn cursor(&self) -> Cursor {
        Cursor::from_fields(
            self.after.as_deref(),
            self.before.as_deref(),
            self.at.as_deref(),
        )
    }
}

/// Counting stops here: a list with more rows says "more than 10,000".
pub const COUNT_LIMIT: i64 = 10_000;

/// How many rows a list holds, counted up to [`COUNT_LIMIT`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Count {
    Exact(i64),
    MoreThan(i64),
}

impl Count {
    /// The count of a query that counted at most `COUNT_LIMIT + 1` rows.
    pub fn of(counted: i64) -> Count {
        if counted > COUNT_LIMIT {
            Count::MoreThan(COUNT_LIMIT)
        } else {
            Count::Exact(counted)
        }
    }

    /// "1 entry", "3,214 entries", "more than 10,000 entries".
    pub fn label(self, one: &str, many: &str) -> String {
        match self {
            Count::Exact(1) => format!("1 {one}"),
            Count::Exact(n) => format!("{} {many}", thousands(n)),
            Count::MoreThan(n) => format!("more than {} {many}", thousands(n)),
        }
    }
}

/// A whole number that can be counted in words, whatever its integer type (or a reference to
/// one, as templates pass them).
pub trait Figure {
    fn figure(&self) -> i64;
}

macro_rules! figures {
    ($($t:ty),*) => {$(
        impl Figure for $t {
            fn figure(&self) -> i64 {
                i64::try_from(*self).unwrap_or(i64::MAX)
            }
        }
    )*};
}
figures!(usize, u64, u32, u16, u8, i64, i32, i16);

impl<T: Figure + ?Sized> Figure for &T {
    fn figure(&self) -> i64 {
        (**self).figure()
    }
}

/// `n` with its noun in the number it agrees with: "1 license", "2 licenses", "1,500 rows".
pub fn counted(n: impl Figure, one: &str, many: &str) -> String {
    let n = n.figure();
    format!("{} {}", thousands(n), if n == 1 { one } else { many })
}

/// 1234567 as "1,234,567".
pub fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 {
        out.insert(0, '-');
    }
    out
}

/// One page of a keyset-paged list, with where its links lead.
#[derive(Debug, Clone)]
pub struct Window<T> {
    pub items: Vec<T>,
    /// The page before this one (`None` on the first page).
    pub prev: Option<Cursor>,
    /// The page after this one (`None` on the last page).
    pub next: Option<Cursor>,
}

impl<T> Window<T> {
    /// A page read in list order, `per_page + 1` rows asked for: the extra row says whether
    /// another page follows. `came_from_before` says the page was reached going forward (so a
    /// page lies before it); `id` names a row for the links.
    pub fn forward(
        mut rows: Vec<T>,
        per_page: usize,
        has_prev: bool,
        id: impl Fn(&T) -> i64,
    ) -> Self {
        let more = rows.len() > per_page;
        rows.truncate(per_page);
        let prev = (has_prev && !rows.is_empty()).then(|| Cursor::Before(id(&rows[0])));
        let next = more.then(|| Cursor::After(id(&rows[rows.len() - 1])));
        Window {
            items: rows,
            prev,
            next,
        }
    }

    /// A page read against list order (for "previous" and "last"), `per_page + 1` rows
    /// asked for; `has_next` says a page follows it.
    pub fn backward(
        mut rows: Vec<T>,
        per_page: usize,
        has_next: bool,
        id: impl Fn(&T) -> i64,
    ) -> Self {
        let more = rows.len() > per_page;
        rows.truncate(per_page);
        rows.reverse();
        let prev = more.then(|| Cursor::Before(id(&rows[0])));
        let next = (has_next && !rows.is_empty()).then(|| Cursor::After(id(&rows[rows.len() - 1])));
        Window {
            items: rows,
            prev,
            next,
        }
    }

    /// Whether the page has neighbours, i.e. whether the list needs page links at all.
    pub fn paged(&self) -> bool {
        self.prev.is_some() || self.next.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_of_a_list_in_memory() {
        let p = Paged::of_all((1..=120).collect::<Vec<i32>>(), 3, 50);
        assert_eq!((p.page, p.total, p.items.len()), (3, 120, 20));
        assert_eq!(p.items.first(), Some(&101));
        let past = Paged::of_all((1..=120).collect::<Vec<i32>>(), 9, 50);
        assert_eq!(past.page, 3, "a page past the end shows the last one");
        let empty = Paged::of_all(Vec::<i32>::new(), 2, 50);
        assert_eq!((empty.page, empty.total), (1, 0));
    }

    #[test]
    fn page_numbers_are_clamped() {
        assert_eq!(Paged::<()>::clamp_page(0, 120, 50), 1);
        assert_eq!(Paged::<()>::clamp_page(3, 120, 50), 3);
        assert_eq!(Paged::<()>::clamp_page(4, 120, 50), 3);
        assert_eq!(Paged::<()>::clamp_page(2, 0, 50), 1);
        assert_eq!(Paged::<()>::offset(3, 50), 100);
    }

    #[test]
    fn range_label_and_links() {
        let p = Paged {
            items: vec![(); 20],
            page: 3,
            total: 120,
            per_page: 50,
        };
        assert_eq!(p.range_label(), "101–120 of 120");
        assert_eq!(p.pages(), 3);
        assert!(p.has_prev() && !p.has_next());
        let empty: Paged<()> = Paged {
            items: vec![],
            page: 1,
            total: 0,
            per_page: 50,
        };
        assert_eq!(empty.range_label(), "");
        assert!(!empty.has_next());
    }

    #[test]
    fn like_pattern_escapes_wildcards() {
        let r = PageRequest {
            q: Some(" 50%_Off\\ ".into()),
            page: None,
        };
        assert_eq!(r.like_pattern(), "%50\\%\\_off\\\\%");
        assert_eq!(PageRequest::default().like_pattern(), "%%");
        assert_eq!(
            PageRequest {
                q: Some("  ".into()),
                page: None
            }
            .query(),
            None
        );
    }

    #[test]
    fn cursors_read_from_the_query_and_back() {
        assert_eq!(
            Cursor::from_fields(Some("12"), None, None),
            Cursor::After(12)
        );
        assert_eq!(
            Cursor::from_fields(None, Some(" 7 "), None),
            Cursor::Before(7)
        );
        assert_eq!(Cursor::from_fields(None, None, Some("last")), Cursor::Last);
        for hostile in ["-3", "0", "x", "9999999999999999999999", "\u{202e}1"] {
            assert_eq!(
                Cursor::from_fields(Some(hostile), None, None),
                Cursor::First,
                "{hostile}"
            );
        }
        assert_eq!(Cursor::After(12).query(), "after=12");
        assert_eq!(Cursor::Last.query(), "at=last");
        assert_eq!(Cursor::First.query(), "");
    }

    #[test]
    fn counts_say_more_than_ten_thousand() {
        assert_eq!(Count::of(1).label("entry", "entries"), "1 entry");
        assert_eq!(Count::of(0).label("entry", "entries"), "0 entries");
        assert_eq!(Count::of(3214).label("entry", "entries"), "3,214 entries");
        assert_eq!(Count::of(10_000).label("lead", "leads"), "10,000 leads");
        assert_eq!(
            Count::of(10_001).label("lead", "leads"),
            "more than 10,000 leads"
        );
        assert_eq!(thousands(1_000_000), "1,000,000");
        assert_eq!(thousands(999), "999");
    }

    #[test]
    fn windows_link_to_their_neighbours() {
        let first = Window::forward((1..=51).collect::<Vec<i64>>(), 50, false, |i| *i);
        assert_eq!((first.prev, first.next), (None, Some(Cursor::After(50))));
        assert_eq!(first.items.len(), 50);
        let middle = Window::forward((51..=101).collect::<Vec<i64>>(), 50, true, |i| *i);
        assert_eq!(
            (middle.prev, middle.next),
            (Some(Cursor::Before(51)), Some(Cursor::After(100)))
        );
        let end = Window::forward((101..=120).collect::<Vec<i64>>(), 50, true, |i| *i);
        assert_eq!((end.prev, end.next), (Some(Cursor::Before(101)), None));
        // "Last": read from the end, newest first.
        let last = Window::backward((71..=121).rev().collect::<Vec<i64>>(), 50, false, |i| *i);
        assert_eq!(last.items.first(), Some(&72));
        assert_eq!((last.prev, last.next), (Some(Cursor::Before(72)), None));
        let empty = Window::forward(Vec::<i64>::new(), 50, false, |i| *i);
        assert!(!empty.paged());
    }
}
