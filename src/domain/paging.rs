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

fn lenient_page<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
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
}
