//! Every parser of text a person types or uploads, fed arbitrary Unicode: characters that
//! change length when case-mapped (K, İ, ẞ, ǅ, ﬃ), multi-byte and combining characters,
//! separators, digits of other scripts. None may panic, and each answers either a value or a
//! message; where a value can be written back, it reads back the same.

#![cfg(test)]

use super::catalogue::{parse_lines, split_months, Snapshot};
use super::email::Email;
use super::import::{check_catalogue, check_legacy, check_licenses};
use super::legacy::legacy_key;
use super::money::Cents;
use super::order_line::parse_quantity;
use super::pricing::Bp;
use super::schedule::RenewalReminders;
use super::sku::Sku;
use chrono::NaiveDate;
use proptest::prelude::*;
use std::collections::{HashMap, HashSet};

/// Arbitrary text, with the characters that broke byte-offset slicing over-represented.
fn hostile() -> impl Strategy<Value = String> {
    prop_oneof![
        "\\PC{0,40}",
        "[İıKẞǅﬃé\u{0301}\u{212A}０-９٣ a-zA-Z0-9xX×,;.\\-=+@\"'\t]{0,30}",
    ]
}

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2023, 12, 31).unwrap_or_default()
}

proptest! {
    #[test]
    fn sku_and_legacy_keys_never_panic(text in hostile()) {
        let _ = Sku::parse(&text);
        let _ = legacy_key(&text);
    }

    #[test]
    fn translator_lines_and_months_never_panic(text in hostile()) {
        let (inputs, errors) = parse_lines(&text);
        prop_assert!(inputs.len() + errors.len() <= text.lines().count());
        if let Ok((sku, _)) = split_months(&text) {
            prop_assert!(text.contains(sku));
        }
        let snapshot = Snapshot::default();
        for i in &inputs {
            let _ = snapshot.translate(i, day());
        }
    }

    #[test]
    fn emails_money_percentages_quantities_and_days_never_panic(text in hostile()) {
        let _ = Email::parse(&text);
        let _ = Cents::parse(&text);
        let _ = Bp::parse_percent(&text);
        let _ = parse_quantity(&text);
        let _ = RenewalReminders::parse(&text);
        let _ = NaiveDate::parse_from_str(&text, "%Y-%m-%d");
    }

    #[test]
    fn uploaded_csv_rows_never_panic(cells in proptest::collection::vec(hostile(), 0..8)) {
        let row = cells.join(",");
        for header in [
            "family,family_name,kind,unit,warranty_months,band,description,active_from,active_until,currency,msrp_12,msrp_24,msrp_36,msrp_monthly,msrp_hardware",
            "legacy_sku,family,band,channel,transaction,term",
            "license_key,reseller,end_customer,legacy_sku,quantity,order_completion_date,activation_date",
        ] {
            let file = format!("{header}\n{row}\n{row}\n");
            let _ = check_catalogue(file.as_bytes());
            let _ = check_legacy(file.as_bytes(), &HashSet::new());
            let _ = check_licenses(file.as_bytes(), &HashMap::new(), &HashMap::new());
        }
        let usage = format!("end_customer,sku,quantity\n{row}\n");
        let _ = super::msp::parse_usage_csv(&usage, &Snapshot::default(), day());
    }

    #[test]
    fn amounts_and_quantities_read_back_what_was_written(cents in 0i64..10_000_000_000, q in 1u32..=100_000) {
        let written = Cents::new(cents).decimal();
        prop_assert_eq!(Cents::parse(&written).map(|c| c.cents()), Ok(cents));
        prop_assert_eq!(parse_quantity(&q.to_string()), Ok(q));
    }
}
