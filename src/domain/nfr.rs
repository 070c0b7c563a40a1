//! Not-for-resale allotments (PRODUCT.md section 6): what a partner level gets when a reseller
//! joins, and how much of it a reseller holds and has left, per product family.

use crate::domain::sku::{Channel, Transaction};
use crate::domain::{Sku, SkuError, SkuFields};
use std::collections::BTreeMap;

/// NFR licenses run 12 months.
pub const NFR_TERM: u8 = 12;

/// One row of the allotment table of a partner level.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllotmentRow {
    pub family: String,
    pub band: String,
    pub quantity: i64,
}

impl AllotmentRow {
    /// The NFR-channel SKU of the row: channel N, a new 12-month term, or for hardware an
    /// appliance (transaction H, term 00) with its warranty.
    pub fn sku(&self, hardware: bool) -> Result<Sku, SkuError> {
        let (transaction, term) = if hardware {
            (Transaction::Hardware, 0)
        } else {
            (Transaction::New, NFR_TERM)
        };
        Sku::build(SkuFields {
            family: self.family.clone(),
            band: self.band.clone(),
            channel: Channel::NotForResale,
            transaction,
            term,
        })
    }
}

/// A family's allotment against what the reseller holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Usage {
    pub family: String,
    pub allotted: i64,
    pub used: i64,
    pub left: i64,
}

/// Allotted, used and left per family. `held` is (family, quantity) of the reseller's NFR
/// entries in force; a family held but not allotted shows with nothing allotted or left.
pub fn usage(allotment: &[AllotmentRow], held: &[(String, i64)]) -> Vec<Usage> {
    let mut by_family: BTreeMap<&str, (i64, i64)> = BTreeMap::new();
    for a in allotment {
        by_family.entry(&a.family).or_default().0 += a.quantity;
    }
    for (family, quantity) in held {
        by_family.entry(family).or_default().1 += quantity;
    }
    by_family
        .into_iter()
        .map(|(family, (allotted, used))| Usage {
            family: family.to_string(),
            allotted,
            used,
            left: (allotted - used).max(0),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(family: &str, band: &str, quantity: i64) -> AllotmentRow {
        AllotmentRow {
            family: family.into(),
            band: band.into(),
            quantity,
        }
    }

    #[test]
    fn used_and_left_per_family() {
        let allotment = [
            row("EPIXAD", "B10", 10),
            row("EPIXAD", "B25", 5),
            row("FWSTND", "000", 1),
        ];
        let held = [("EPIXAD".to_string(), 12), ("MDRESS".to_string(), 3)];
        assert_eq!(
            usage(&allotment, &held),
            [
                Usage {
                    family: "EPIXAD".into(),
                    allotted: 15,
                    used: 12,
                    left: 3
                },
                Usage {
                    family: "FWSTND".into(),
                    allotted: 1,
                    used: 0,
                    left: 1
                },
                Usage {
                    family: "MDRESS".into(),
                    allotted: 0,
                    used: 3,
                    left: 0
                },
            ]
        );
    }

    #[test]
    fn more_held_than_allotted_leaves_nothing_not_a_negative() {
        let u = usage(&[row("EPIXAD", "B10", 2)], &[("EPIXAD".into(), 5)]);
        assert_eq!(u[0].left, 0);
    }

    #[test]
    fn the_nfr_sku_is_channel_n_for_twelve_months() {
        let sku = row("EPIXAD", "B10", 1).sku(false).unwrap();
        assert_eq!(&sku.as_str()[..13], "EPIXADB10NN12");
        let appliance = row("HWX310", "000", 1).sku(true).unwrap();
        assert_eq!(&appliance.as_str()[..13], "HWX310000NH00");
    }
}
