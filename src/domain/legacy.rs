//! Legacy SKUs and the dates they stop being accepted (PRODUCT.md section 3).
//!
//! Rules, by the date an order or inquiry is submitted:
//! - a standard-term legacy SKU (12, 24, 36 months) is translated to its new SKU up to and
//!   including `last_legacy_day`, and refused after it with that new SKU suggested;
//! - a 1-month legacy SKU ordered with a number of months builds a term of that many months.
//!   An odd term is any term other than 12, 24 or 36 months, a single month included: from
//!   `odd_term_refused_from` it is refused, with the new SKU of exactly that term suggested.
//!   A 1-month legacy SKU × 12, 24 or 36 is a standard term and stays accepted until
//!   `last_legacy_day` like any legacy SKU.

use super::sku::{normalise, Sku, SkuError};
use chrono::NaiveDate;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegacyMapping {
    /// The legacy SKU, normalised (upper case, no spaces or dashes).
    pub legacy: String,
    /// What it translates to; for a 1-month legacy SKU, the new SKU with term 01.
    pub new_sku: Sku,
    pub one_month: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AcceptanceDates {
    pub last_legacy_day: NaiveDate,
    pub odd_term_refused_from: NaiveDate,
}

impl Default for AcceptanceDates {
    fn default() -> Self {
        AcceptanceDates {
            last_legacy_day: NaiveDate::from_ymd_opt(2023, 12, 31).unwrap_or_default(),
            odd_term_refused_from: NaiveDate::from_ymd_opt(2023, 10, 1).unwrap_or_default(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Accepted { sku: Sku, note: String },
    Rejected { reason: String, suggested: Sku },
}

impl Verdict {
    pub fn sku(&self) -> &Sku {
        match self {
            Verdict::Accepted { sku, .. } => sku,
            Verdict::Rejected { suggested, .. } => suggested,
        }
    }

    pub fn is_accepted(&self) -> bool {
        matches!(self, Verdict::Accepted { .. })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LegacyInputError {
    #[error("{0} is a 1-month legacy SKU: give the number of months too, e.g. “{0} x 17”.")]
    MonthsMissing(String),
    #[error("{0} has a fixed term; a number of months goes only with a 1-month legacy SKU.")]
    MonthsNotAllowed(String),
    #[error("The number of months must be 1 to 60, not {0}.")]
    MonthsOutOfRange(u32),
    #[error(transparent)]
    Sku(#[from] SkuError),
}

/// The legacy table's key for any way a person may type a legacy SKU.
pub fn legacy_key(input: &str) -> String {
    normalise(input)
}

/// Any term but the standard 12, 24 and 36 months (PRODUCT.md section 3).
pub fn is_odd_term(months: u32) -> bool {
    !matches!(months, 12 | 24 | 36)
}

pub fn judge(
    mapping: &LegacyMapping,
    months: Option<u32>,
    on: NaiveDate,
    dates: &AcceptanceDates,
) -> Result<Verdict, LegacyInputError> {
    let legacy = &mapping.legacy;
    let (target, months) = match (mapping.one_month, months) {
        (false, None) => (mapping.new_sku.clone(), None),
        (false, Some(_)) => return Err(LegacyInputError::MonthsNotAllowed(legacy.clone())),
        (true, None) => return Err(LegacyInputError::MonthsMissing(legacy.clone())),
        (true, Some(m)) if !(1..=60).contains(&m) => {
            return Err(LegacyInputError::MonthsOutOfRange(m))
        }
        (true, Some(m)) => (mapping.new_sku.with_term(m as u8)?, Some(m)),
    };
    if on > dates.last_legacy_day {
        let reason = format!(
            "Legacy SKUs are no longer accepted since {}; order {target} instead.",
            dates
                .last_legacy_day
                .succ_opt()
                .unwrap_or(dates.last_legacy_day)
        );
        return Ok(Verdict::Rejected {
            reason,
            suggested: target,
        });
    }
    if let Some(m) = months.filter(|m| is_odd_term(*m)) {
        if on >= dates.odd_term_refused_from {
            let reason = format!(
                "Building a {m}-month term from the 1-month legacy SKU {legacy} is refused since {}; \
                 order the {m}-month SKU {target} instead.",
                dates.odd_term_refused_from
            );
            return Ok(Verdict::Rejected {
                reason,
                suggested: target,
            });
        }
    }
    let note = match months {
        Some(m) => format!(
            "{legacy} × {} translated to {target} (legacy SKUs are accepted until {}).",
            crate::domain::paging::counted(m, "month", "months"),
            dates.last_legacy_day
        ),
        None => format!(
            "{legacy} translated to {target} (legacy SKUs are accepted until {}).",
            dates.last_legacy_day
        ),
    };
    Ok(Verdict::Accepted { sku: target, note })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
    }

    fn standard() -> Result<LegacyMapping, SkuError> {
        Ok(LegacyMapping {
            legacy: "EPXADV10U12M".into(),
            new_sku: Sku::parse("EPIXADB10SN12T")?,
            one_month: false,
        })
    }

    fn one_month() -> Result<LegacyMapping, SkuError> {
        let new_sku = Sku::parse("EPIXADB10SN12T")?.with_term(1)?;
        Ok(LegacyMapping {
            legacy: "EPXADV10U1M".into(),
            new_sku,
            one_month: true,
        })
    }

    #[test]
    fn standard_term_legacy_is_accepted_until_new_year_2024(
    ) -> Result<(), Box<dyn std::error::Error>> {
        let d = AcceptanceDates::default();
        for (date, accepted) in [
            ("2023-09-30", true),
            ("2023-10-01", true),
            ("2023-12-31", true),
            ("2024-01-01", false),
        ] {
            let v = judge(&standard()?, None, day(date), &d)?;
            assert_eq!(v.is_accepted(), accepted, "{date}");
            assert_eq!(
                v.sku().as_str(),
                "EPIXADB10SN12T",
                "{date}: the translation or the suggestion"
            );
        }
        let Verdict::Rejected { reason, .. } = judge(&standard()?, None, day("2024-01-01"), &d)?
        else {
            panic!("refused")
        };
        assert_eq!(
            reason,
            "Legacy SKUs are no longer accepted since 2024-01-01; order EPIXADB10SN12T instead."
        );
        Ok(())
    }

    #[test]
    fn one_month_legacy_for_an_odd_term_is_refused_from_october_2023(
    ) -> Result<(), Box<dyn std::error::Error>> {
        let d = AcceptanceDates::default();
        let expected = Sku::parse("EPIXADB10SN12T")?.with_term(17)?;
        for (date, accepted) in [
            ("2023-09-30", true),
            ("2023-10-01", false),
            ("2023-12-31", false),
            ("2024-01-01", false),
        ] {
            let v = judge(&one_month()?, Some(17), day(date), &d)?;
            assert_eq!(v.is_accepted(), accepted, "{date}");
            assert_eq!(v.sku(), &expected, "{date}: the exact 17-month SKU");
            assert_eq!(&v.sku().as_str()[11..13], "17");
        }
        let Verdict::Rejected { reason, .. } =
            judge(&one_month()?, Some(17), day("2023-10-01"), &d)?
        else {
            panic!("refused")
        };
        assert!(reason.contains("refused since 2023-10-01"), "{reason}");
        assert!(
            reason.ends_with(&format!("order the 17-month SKU {expected} instead.")),
            "{reason}"
        );
        Ok(())
    }

    #[test]
    fn a_single_month_is_an_odd_term_and_12_24_36_months_are_standard(
    ) -> Result<(), Box<dyn std::error::Error>> {
        let d = AcceptanceDates::default();
        // One month on its own: refused from the odd-term date, with the 1-month SKU suggested.
        for (date, accepted) in [("2023-09-30", true), ("2023-10-01", false)] {
            let v = judge(&one_month()?, Some(1), day(date), &d)?;
            assert_eq!(v.is_accepted(), accepted, "1 month on {date}");
            assert_eq!(&v.sku().as_str()[11..13], "01");
        }
        // 12, 24 and 36 months from the 1-month SKU: standard terms, accepted to the end of 2023.
        for months in [12, 24, 36] {
            for (date, accepted) in [
                ("2023-10-01", true),
                ("2023-12-31", true),
                ("2024-01-01", false),
            ] {
                let v = judge(&one_month()?, Some(months), day(date), &d)?;
                assert_eq!(v.is_accepted(), accepted, "{months} months on {date}");
            }
        }
        assert!(is_odd_term(1) && is_odd_term(13) && is_odd_term(60));
        assert!(!is_odd_term(12) && !is_odd_term(24) && !is_odd_term(36));
        Ok(())
    }

    #[test]
    fn months_go_with_one_month_skus_only() -> Result<(), Box<dyn std::error::Error>> {
        let d = AcceptanceDates::default();
        let on = day("2023-06-01");
        assert!(matches!(
            judge(&one_month()?, None, on, &d),
            Err(LegacyInputError::MonthsMissing(_))
        ));
        assert!(matches!(
            judge(&standard()?, Some(3), on, &d),
            Err(LegacyInputError::MonthsNotAllowed(_))
        ));
        assert_eq!(
            judge(&one_month()?, Some(61), on, &d),
            Err(LegacyInputError::MonthsOutOfRange(61))
        );
        assert_eq!(
            judge(&one_month()?, Some(0), on, &d),
            Err(LegacyInputError::MonthsOutOfRange(0))
        );
        Ok(())
    }

    #[test]
    fn the_dates_are_settings() -> Result<(), Box<dyn std::error::Error>> {
        let d = AcceptanceDates {
            last_legacy_day: day("2024-06-30"),
            odd_term_refused_from: day("2024-03-01"),
        };
        assert!(judge(&standard()?, None, day("2024-01-01"), &d)?.is_accepted());
        assert!(!judge(&one_month()?, Some(5), day("2024-03-01"), &d)?.is_accepted());
        Ok(())
    }

    #[test]
    fn legacy_keys_ignore_case_spaces_and_dashes() -> Result<(), Box<dyn std::error::Error>> {
        assert_eq!(legacy_key(" epx-adv10 u12m "), "EPXADV10U12M");
        Ok(())
    }
}
