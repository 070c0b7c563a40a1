//! License schedule dates (PRODUCT.md section 5). The order's completion date `D` decides
//! every date, whatever happens to activation:
//! - new subscription: start `D`, end `add_months(start, term) - 1 day`;
//! - renewal: contiguous, start the day after the renewed entry's end, or `D` if that day has
//!   passed (a lapsed subscription is never backdated);
//! - mid-term upgrade or add-on: start `D`, end the changed entry's end (co-termed), ordered
//!   with the SKU whose term is the months left, rounded up;
//! - hardware: warranty from `D` for the catalogue's warranty months, no grace period.

use chrono::{Days, Months, NaiveDate};

/// `date` plus `months`, clamped to the last day of the resulting month
/// (2024-01-31 + 1 month = 2024-02-29).
pub fn add_months(date: NaiveDate, months: u32) -> NaiveDate {
    date.checked_add_months(Months::new(months))
        .unwrap_or(NaiveDate::MAX)
}

fn day_before(date: NaiveDate) -> NaiveDate {
    date.checked_sub_days(Days::new(1)).unwrap_or(date)
}

fn day_after(date: NaiveDate) -> NaiveDate {
    date.checked_add_days(Days::new(1)).unwrap_or(date)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub start: NaiveDate,
    pub end: NaiveDate,
}

/// The last day of a term of `months` starting on `start`.
pub fn term_end(start: NaiveDate, months: u32) -> NaiveDate {
    day_before(add_months(start, months))
}

pub fn new_subscription(completed: NaiveDate, term: u32) -> Period {
    Period {
        start: completed,
        end: term_end(completed, term),
    }
}

pub fn renewal(completed: NaiveDate, renewed_end: NaiveDate, term: u32) -> Period {
    let start = day_after(renewed_end).max(completed);
    Period {
        start,
        end: term_end(start, term),
    }
}

pub fn hardware_warranty(completed: NaiveDate, warranty_months: u32) -> Period {
    new_subscription(completed, warranty_months)
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    #[error("The subscription ended on {0}; a mid-term change needs one that is still running. Order a renewal instead.")]
    Ended(NaiveDate),
}

/// The term of a co-termed change from `from` to `end`, in months rounded up: the fewest
/// months whose term, started on `from`, reaches `end`.
pub fn months_left(from: NaiveDate, end: NaiveDate) -> Result<u32, ScheduleError> {
    if end < from {
        return Err(ScheduleError::Ended(end));
    }
    let mut months = 1;
    while term_end(from, months) < end {
        months += 1;
    }
    Ok(months)
}

/// A mid-term upgrade or add-on: starts on `completed`, ends with the entry it changes.
pub fn co_termed(
    completed: NaiveDate,
    changed_end: NaiveDate,
) -> Result<(Period, u32), ScheduleError> {
    let months = months_left(completed, changed_end)?;
    Ok((
        Period {
            start: completed,
            end: changed_end,
        },
        months,
    ))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryStatus {
    Upcoming,
    Active,
    /// Active, ending within 90 days.
    Expiring,
    Expired,
}

impl EntryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            EntryStatus::Upcoming => "upcoming",
            EntryStatus::Active => "active",
            EntryStatus::Expiring => "expiring",
            EntryStatus::Expired => "expired",
        }
    }
}

pub fn status_on(period: Period, today: NaiveDate) -> EntryStatus {
    if today < period.start {
        EntryStatus::Upcoming
    } else if today > period.end {
        EntryStatus::Expired
    } else if (period.end - today).num_days() < 90 {
        EntryStatus::Expiring
    } else {
        EntryStatus::Active
    }
}

/// The days renewal reminders go out: 90, 60 and 30 days before the end.
pub fn reminder_dates(end: NaiveDate) -> [(u32, NaiveDate); 3] {
    [90, 60, 30].map(|d| {
        (
            d,
            end.checked_sub_days(Days::new(u64::from(d))).unwrap_or(end),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn months_clamp_to_the_end_of_the_month() {
        assert_eq!(add_months(day("2024-01-31"), 1), day("2024-02-29"));
        assert_eq!(add_months(day("2023-01-31"), 1), day("2023-02-28"));
        assert_eq!(add_months(day("2024-02-29"), 12), day("2025-02-28"));
        assert_eq!(add_months(day("2024-03-31"), 1), day("2024-04-30"));
    }

    #[test]
    fn hand_checked_terms() {
        // 31 January + 1 month: the month ends with February.
        assert_eq!(
            new_subscription(day("2024-01-31"), 1),
            Period {
                start: day("2024-01-31"),
                end: day("2024-02-28")
            }
        );
        // 29 February, 12 months: add_months clamps to 2025-02-28, the day before is the end.
        assert_eq!(
            new_subscription(day("2024-02-29"), 12).end,
            day("2025-02-27")
        );
        assert_eq!(
            new_subscription(day("2026-03-02"), 12).end,
            day("2027-03-01")
        );
        // A 60-month term.
        assert_eq!(
            new_subscription(day("2026-03-02"), 60).end,
            day("2031-03-01")
        );
        // Hardware warranty from the completion date, no grace period.
        assert_eq!(
            hardware_warranty(day("2026-03-02"), 12),
            Period {
                start: day("2026-03-02"),
                end: day("2027-03-01")
            }
        );
    }

    #[test]
    fn renewals_are_contiguous_and_never_backdated() {
        // Processed before the old term ends: starts the day after it.
        assert_eq!(
            renewal(day("2026-03-02"), day("2026-03-31"), 12),
            Period {
                start: day("2026-04-01"),
                end: day("2027-03-31")
            }
        );
        // Processed after it lapsed on 2026-01-31: starts on the completion date.
        assert_eq!(
            renewal(day("2026-03-02"), day("2026-01-31"), 12),
            Period {
                start: day("2026-03-02"),
                end: day("2027-03-01")
            }
        );
        // Processed the day after the end: still contiguous.
        assert_eq!(
            renewal(day("2026-04-01"), day("2026-03-31"), 12).start,
            day("2026-04-01")
        );
    }

    #[test]
    fn an_upgrade_with_7_months_and_3_days_left_is_ordered_for_8_months() {
        // From 2026-03-02, 7 months end on 2026-10-01; the entry ends 3 days later.
        let (period, months) = co_termed(day("2026-03-02"), day("2026-10-04")).unwrap();
        assert_eq!(months, 8);
        assert_eq!(
            period,
            Period {
                start: day("2026-03-02"),
                end: day("2026-10-04")
            }
        );
        assert_eq!(
            months_left(day("2026-03-02"), day("2026-10-01")),
            Ok(7),
            "exactly 7 months"
        );
        assert_eq!(
            months_left(day("2026-03-02"), day("2026-03-02")),
            Ok(1),
            "the last day still needs a month"
        );
        assert_eq!(
            months_left(day("2026-03-02"), day("2026-03-01")),
            Err(ScheduleError::Ended(day("2026-03-01")))
        );
    }

    #[test]
    fn status_and_reminders() {
        let p = Period {
            start: day("2026-03-02"),
            end: day("2027-03-01"),
        };
        assert_eq!(status_on(p, day("2026-03-01")), EntryStatus::Upcoming);
        assert_eq!(status_on(p, day("2026-03-02")), EntryStatus::Active);
        assert_eq!(
            status_on(p, day("2026-12-01")),
            EntryStatus::Active,
            "90 days before the end"
        );
        assert_eq!(
            status_on(p, day("2026-12-02")),
            EntryStatus::Expiring,
            "89 days before"
        );
        assert_eq!(
            status_on(p, day("2027-03-01")),
            EntryStatus::Expiring,
            "the last day"
        );
        assert_eq!(status_on(p, day("2027-03-02")), EntryStatus::Expired);
        assert_eq!(
            reminder_dates(day("2027-03-01")),
            [
                (90, day("2026-12-01")),
                (60, day("2026-12-31")),
                (30, day("2027-01-30"))
            ]
        );
    }

    #[test]
    fn every_start_date_of_2023_to_2028_and_every_term() {
        let mut d = day("2023-01-01");
        while d <= day("2028-12-31") {
            for term in 1..=60 {
                let p = new_subscription(d, term);
                assert!(p.end >= p.start, "{d} + {term}");
                // The next term starts the day after: no gap, no overlap.
                let next = renewal(p.start, p.end, 12);
                assert_eq!(next.start, day_after(p.end), "{d} + {term}");
                // The end lies in the month `term` months on, or just before it.
                let anniversary = add_months(d, term);
                assert!(
                    p.end < anniversary && (anniversary - p.end).num_days() == 1,
                    "{d} + {term}"
                );
            }
            d = day_after(d);
        }
    }

    proptest! {
        #[test]
        fn co_termed_changes_end_with_the_original(start in 0u32..2000, term in 1u32..=60, into in 0u32..1800) {
            let begin = day("2023-01-01") + Days::new(u64::from(start));
            let original = new_subscription(begin, term);
            let completed = begin + Days::new(u64::from(into));
            match co_termed(completed, original.end) {
                Ok((p, months)) => {
                    prop_assert_eq!(p.end, original.end);
                    prop_assert!(term_end(completed, months) >= original.end);
                    prop_assert!(months == 1 || term_end(completed, months - 1) < original.end, "rounded up, not more");
                }
                Err(ScheduleError::Ended(_)) => prop_assert!(completed > original.end),
            }
        }

        #[test]
        fn renewals_are_never_backdated(start in 0u32..2000, term in 1u32..=60, late in 0u32..900) {
            let begin = day("2023-01-01") + Days::new(u64::from(start));
            let old = new_subscription(begin, term);
            let completed = begin + Days::new(u64::from(late));
            let next = renewal(completed, old.end, term);
            prop_assert!(next.start >= completed);
            prop_assert!(next.start > old.end);
            if completed <= day_after(old.end) {
                prop_assert_eq!(next.start, day_after(old.end));
            }
        }
    }
}
