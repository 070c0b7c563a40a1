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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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

/// How many days before a subscription ends its renewal reminders go out: one to three
/// distinct numbers from 1 to 365, largest first (default 90, 60 and 30). A setting of the
/// vendor admin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenewalReminders(Vec<u32>);

impl Default for RenewalReminders {
    fn default() -> Self {
        RenewalReminders(vec![90, 60, 30])
    }
}

impl RenewalReminders {
    /// Reads "90, 60, 30" (commas, spaces or slashes between the numbers, any order).
    pub fn parse(input: &str) -> Result<Self, String> {
        let mut days = Vec::new();
        for part in input
            .split(|c: char| c == ',' || c == '/' || c == ';' || c.is_whitespace())
            .filter(|p| !p.is_empty())
        {
            match part.parse::<u32>() {
                Ok(d) if (1..=365).contains(&d) => days.push(d),
                _ => return Err(format!("“{part}” is not a number of days from 1 to 365.")),
            }
        }
        days.sort_unstable_by(|a, b| b.cmp(a));
        days.dedup();
        if days.is_empty() || days.len() > 3 {
            return Err("Enter one to three numbers of days, such as 90, 60, 30.".into());
        }
        Ok(RenewalReminders(days))
    }

    /// The days, largest first.
    pub fn days(&self) -> &[u32] {
        &self.0
    }

    /// The earliest reminder: entries ending within this many days are candidates.
    pub fn horizon(&self) -> u32 {
        self.0.first().copied().unwrap_or(0)
    }

    /// The nearest reminder whose day has come on `today` for an entry ending on `end` (30
    /// before 60 before 90), unless that one or a nearer one was sent (`sent` days before).
    pub fn due(&self, end: NaiveDate, today: NaiveDate, sent: Option<u32>) -> Option<u32> {
        let nearest = self.0.iter().rev().copied().find(|d| {
            end.checked_sub_days(Days::new(u64::from(*d)))
                .is_some_and(|on| on <= today)
        })?;
        (today <= end && sent.is_none_or(|s| s > nearest)).then_some(nearest)
    }
}

impl RenewalReminders {
    /// "90, 60 and 30 days", "1 day".
    pub fn in_words(&self) -> String {
        let days: Vec<String> = self.0.iter().map(u32::to_string).collect();
        let list = match days.split_last() {
            Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
            _ => days.join(""),
        };
        let unit = if self.0.as_slice() == [1] {
            "day"
        } else {
            "days"
        };
        format!("{list} {unit}")
    }
}

impl std::fmt::Display for RenewalReminders {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let days: Vec<String> = self.0.iter().map(u32::to_string).collect();
        f.write_str(&days.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn reminder_days_read_as_words() {
        let words = |s: &str| RenewalReminders::parse(s).map(|r| r.in_words());
        assert_eq!(words("90, 60, 30"), Ok("90, 60 and 30 days".into()));
        assert_eq!(words("30"), Ok("30 days".into()));
        assert_eq!(words("1"), Ok("1 day".into()));
        assert_eq!(words("7 1"), Ok("7 and 1 days".into()));
    }

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
    }

    #[test]
    fn renewal_reminders_go_out_90_60_and_30_days_before_once_each() {
        let r = RenewalReminders::default();
        let end = day("2027-03-01");
        // 90 days before is 2026-12-01, 60 is 2026-12-31, 30 is 2027-01-30.
        assert_eq!(r.due(end, day("2026-11-30"), None), None);
        assert_eq!(r.due(end, day("2026-12-01"), None), Some(90));
        assert_eq!(r.due(end, day("2026-12-02"), Some(90)), None);
        assert_eq!(r.due(end, day("2026-12-31"), Some(90)), Some(60));
        assert_eq!(r.due(end, day("2027-01-30"), Some(60)), Some(30));
        assert_eq!(r.due(end, day("2027-02-15"), Some(30)), None);
        // A missed day is caught up with the nearest reminder only.
        assert_eq!(r.due(end, day("2027-02-01"), None), Some(30));
        assert_eq!(r.due(end, day("2027-03-02"), None), None, "ended");
    }

    #[test]
    fn renewal_reminder_days_are_a_setting() -> Result<(), String> {
        let r = RenewalReminders::parse(" 30/120, 45 ")?;
        assert_eq!(r.days(), [120, 45, 30]);
        assert_eq!(r.to_string(), "120, 45, 30");
        assert_eq!(r.horizon(), 120);
        assert_eq!(RenewalReminders::parse("60 60")?.days(), [60]);
        for bad in ["", "0", "366", "90, 60, 30, 10", "ninety", "٣٠"] {
            assert!(RenewalReminders::parse(bad).is_err(), "{bad}");
        }
        Ok(())
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
