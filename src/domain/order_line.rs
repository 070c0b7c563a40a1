//! What a line of a directly entered order may be (PRODUCT.md section 5), as a pure check:
//! a new subscription or hardware stands alone; a renewal (R) names the entry it continues and
//! keeps its product; a mid-term upgrade or add-on (U) names the entry it changes and must use
//! the term of the months left until that entry ends, rounded up, which the form proposes.

use crate::domain::schedule::months_left;
use crate::domain::sku::{Channel, Transaction};
use crate::domain::{Sku, SkuFields};
use chrono::NaiveDate;

/// The most units of one product on one line of an inquiry, an order or an NFR request.
pub const MAX_QUANTITY: u32 = 100_000;

/// A line's quantity as typed: a whole number from 1 to [`MAX_QUANTITY`].
pub fn parse_quantity(typed: &str) -> Result<u32, String> {
    typed
        .trim()
        .parse::<u32>()
        .ok()
        .filter(|q| (1..=MAX_QUANTITY).contains(q))
        .ok_or_else(|| "Enter a quantity from 1 to 100,000.".to_string())
}

/// The schedule entry a line renews or changes.
#[derive(Debug, Clone)]
pub struct ChangedEntry {
    pub sku: Sku,
    pub end: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineCheck {
    /// The line is right as entered.
    Fine(Sku),
    /// The line needs this SKU instead; `why` says so to the person.
    Proposed {
        sku: Sku,
        why: String,
    },
    Refused(String),
}

fn with(sku: &Sku, transaction: Transaction, term: u8) -> Option<Sku> {
    Sku::build(SkuFields {
        transaction,
        term,
        ..sku.fields().clone()
    })
    .ok()
}

/// Checks one line on `today` (the order date; processing later keeps the entry's end).
pub fn check(sku: Option<&Sku>, entry: Option<&ChangedEntry>, today: NaiveDate) -> LineCheck {
    use LineCheck::*;
    if let Some(s) = sku {
        match s.fields().channel {
            Channel::MspMonthly => {
                return Refused(
                    "MSP monthly SKUs (channel M) are reported as monthly usage, not ordered."
                        .into(),
                )
            }
            Channel::NotForResale => {
                return Refused(
                    "Not-for-resale SKUs (channel N) come from NFR allotments and requests, not orders."
                        .into(),
                )
            }
            Channel::Standard => {}
        }
    }
    if let Some(e) = entry {
        if e.sku.fields().transaction == Transaction::Hardware {
            return Refused(
                "Hardware warranty is not renewed or changed: order new hardware without an entry."
                    .into(),
            );
        }
    }
    match (sku, entry) {
        (None, None) => Refused("Enter a SKU.".into()),
        (None, Some(e)) => {
            let term = e.sku.fields().term;
            match with(&e.sku, Transaction::Renewal, term) {
                Some(sku) => Proposed {
                    sku,
                    why: format!(
                        "Proposed: a renewal of this entry for {}, starting {}. Change the term if the customer wants another.",
                        crate::domain::paging::counted(term, "month", "months"),
                        e.end.succ_opt().unwrap_or(e.end)
                    ),
                },
                None => Refused("Enter a SKU.".into()),
            }
        }
        (Some(s), None) => match s.fields().transaction {
            Transaction::Renewal | Transaction::Upgrade => Refused(
                "A renewal (R) or mid-term change (U) continues an entry of the schedule: choose it under “Renews or changes”."
                    .into(),
            ),
            _ => Fine(s.clone()),
        },
        (Some(s), Some(e)) => match s.fields().transaction {
            Transaction::New | Transaction::Hardware => Refused(
                "A new subscription (N) or hardware (H) does not continue an entry: choose no entry, or use an R or U SKU."
                    .into(),
            ),
            Transaction::Renewal if s.fields().family != e.sku.fields().family => Refused(format!(
                "A renewal continues the same product: use a {} SKU, or a U SKU to change it.",
                e.sku.fields().family
            )),
            Transaction::Renewal => Fine(s.clone()),
            Transaction::Upgrade => {
                let months = match months_left(today, e.end) {
                    Ok(m) => m,
                    Err(err) => return Refused(err.to_string()),
                };
                let Ok(term) = u8::try_from(months) else {
                    return Refused("The entry ends more than 60 months from now.".into());
                };
                if s.fields().term == term {
                    Fine(s.clone())
                } else {
                    match with(s, Transaction::Upgrade, term) {
                        Some(sku) => Proposed {
                            sku,
                            why: format!(
                                "A mid-term change ends with the entry it changes ({}): {} left, rounded up, so the SKU for a {months}-month term.",
                                e.end,
                                crate::domain::paging::counted(months, "month", "months")
                            ),
                        },
                        None => Refused("Enter a SKU.".into()),
                    }
                }
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_from_one_to_the_maximum() {
        assert_eq!(parse_quantity(" 7 "), Ok(7));
        assert_eq!(parse_quantity("100000"), Ok(100_000));
        for bad in ["0", "100001", "-1", "1.5", "", "ten", "７"] {
            assert_eq!(
                parse_quantity(bad),
                Err("Enter a quantity from 1 to 100,000.".to_string()),
                "{bad}"
            );
        }
    }

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }
    fn sku(family: &str, t: Transaction, term: u8) -> Sku {
        Sku::build(SkuFields {
            family: family.into(),
            band: "B10".into(),
            channel: Channel::Standard,
            transaction: t,
            term,
        })
        .unwrap()
    }
    fn entry(term: u8, end: &str) -> ChangedEntry {
        ChangedEntry {
            sku: sku("EPIXAD", Transaction::New, term),
            end: d(end),
        }
    }

    #[test]
    fn an_upgrade_gets_the_term_of_the_months_left_rounded_up() {
        // 7 months and 3 days left: 8 months.
        let e = entry(12, "2026-10-04");
        let typed = sku("EPIXDR", Transaction::Upgrade, 12);
        match check(Some(&typed), Some(&e), d("2026-03-02")) {
            LineCheck::Proposed { sku: proposed, why } => {
                assert_eq!(proposed, sku_with_term(&typed, 8));
                assert!(why.contains("8 months left"), "{why}");
            }
            other => panic!("{other:?}"),
        }
        let right = sku_with_term(&typed, 8);
        assert_eq!(
            check(Some(&right), Some(&e), d("2026-03-02")),
            LineCheck::Fine(right.clone())
        );
    }

    fn sku_with_term(s: &Sku, term: u8) -> Sku {
        s.with_term(term).unwrap()
    }

    #[test]
    fn an_entry_without_a_sku_proposes_its_renewal() {
        let e = entry(12, "2026-06-30");
        match check(None, Some(&e), d("2026-03-02")) {
            LineCheck::Proposed { sku: proposed, why } => {
                assert_eq!(proposed, sku("EPIXAD", Transaction::Renewal, 12));
                assert!(why.contains("starting 2026-07-01"), "{why}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn lines_that_do_not_fit_their_entry_are_refused() {
        let e = entry(12, "2026-06-30");
        let today = d("2026-03-02");
        let refused = |s: Option<&Sku>, e: Option<&ChangedEntry>| {
            matches!(check(s, e, today), LineCheck::Refused(_))
        };
        assert!(refused(
            Some(&sku("EPIXAD", Transaction::Renewal, 12)),
            None
        ));
        assert!(refused(
            Some(&sku("EPIXAD", Transaction::New, 12)),
            Some(&e)
        ));
        assert!(refused(
            Some(&sku("FWSTND", Transaction::Renewal, 12)),
            Some(&e)
        ));
        let ended = entry(12, "2026-01-31");
        assert!(refused(
            Some(&sku("EPIXAD", Transaction::Upgrade, 1)),
            Some(&ended)
        ));
        let msp = Sku::build(SkuFields {
            channel: Channel::MspMonthly,
            ..sku("EPIXAD", Transaction::New, 1).fields().clone()
        })
        .unwrap();
        assert!(refused(Some(&msp), None));
        assert_eq!(
            check(
                Some(&sku("EPIXAD", Transaction::Renewal, 24)),
                Some(&e),
                today
            ),
            LineCheck::Fine(sku("EPIXAD", Transaction::Renewal, 24))
        );
    }
}
