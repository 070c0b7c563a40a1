//! The catalogue as the rules see it: what a SKU costs and whether it may be ordered on a
//! date, and the SKU translator over a snapshot of the catalogue and the legacy table.
//! No I/O: `db::catalogue` loads the snapshot.

use super::legacy::{judge, legacy_key, AcceptanceDates, LegacyMapping, Verdict};
use super::money::{term_msrp, Cents};
use super::sku::{normalise, Channel, Sku, Transaction, LEN};
use chrono::NaiveDate;
use std::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FamilyKind {
    Subscription,
    Hardware,
}

impl FamilyKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FamilyKind::Subscription => "subscription",
            FamilyKind::Hardware => "hardware",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "subscription" => Some(FamilyKind::Subscription),
            "hardware" => Some(FamilyKind::Hardware),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Price {
    pub msrp_12: Option<Cents>,
    pub msrp_24: Option<Cents>,
    pub msrp_36: Option<Cents>,
    pub msrp_monthly: Option<Cents>,
    pub msrp_hardware: Option<Cents>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogueItem {
    pub family: String,
    pub family_name: String,
    pub kind: FamilyKind,
    pub unit: String,
    pub warranty_months: Option<u32>,
    pub band: String,
    pub description: String,
    pub active_from: NaiveDate,
    pub active_until: Option<NaiveDate>,
    /// The price in the snapshot's price book, if it has one.
    pub price: Option<Price>,
}

impl CatalogueItem {
    pub fn active_on(&self, on: NaiveDate) -> bool {
        self.active_from <= on && self.active_until.is_none_or(|until| on <= until)
    }

    /// The MSRP per unit of this item for a SKU's channel, transaction and term.
    pub fn msrp_for(&self, channel: Channel, transaction: Transaction, term: u8) -> Option<Cents> {
        let p = self.price.as_ref()?;
        match (self.kind, channel, transaction) {
            (FamilyKind::Hardware, _, _) => p.msrp_hardware,
            (_, Channel::MspMonthly, _) => p.msrp_monthly,
            _ => Some(term_msrp(p.msrp_12?, p.msrp_24?, p.msrp_36?, term)),
        }
    }

    /// A description of the SKU for people: "Intercept X Advanced, 10-24 users, 12 months".
    pub fn describe(&self, sku: &Sku) -> String {
        let f = sku.fields();
        match (self.kind, f.channel) {
            (FamilyKind::Hardware, _) => {
                let warranty = self
                    .warranty_months
                    .map(|m| format!(", {m}-month warranty"))
                    .unwrap_or_default();
                format!("{}{warranty}", self.description)
            }
            (_, Channel::MspMonthly) => format!("{}, MSP monthly", self.description),
            (_, channel) => {
                let nfr = if channel == Channel::NotForResale {
                    ", not for resale"
                } else {
                    ""
                };
                let tx = match f.transaction {
                    Transaction::Renewal => ", renewal",
                    Transaction::Upgrade => ", upgrade or add-on",
                    _ => "",
                };
                let months = crate::domain::paging::counted(f.term, "month", "months");
                format!("{}, {months}{tx}{nfr}", self.description)
            }
        }
    }
}

/// Whether a new SKU may be ordered on a date, and at what MSRP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Availability {
    Orderable {
        description: String,
        msrp: Cents,
    },
    NotOrderable {
        description: Option<String>,
        msrp: Option<Cents>,
        reason: String,
    },
}

/// The catalogue and legacy table at one moment, in one currency.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    pub currency: String,
    pub items: HashMap<(String, String), CatalogueItem>,
    pub legacy: HashMap<String, LegacyMapping>,
    pub dates: AcceptanceDates,
}

impl Snapshot {
    /// The product families: (code, name), by code.
    pub fn families(&self) -> Vec<(String, String)> {
        let mut families: Vec<(String, String)> = self
            .items
            .values()
            .map(|i| (i.family.clone(), i.family_name.clone()))
            .collect();
        families.sort();
        families.dedup();
        families
    }

    /// The name of the product family `code` ("Intercept X Advanced" for EPIXAD); the code
    /// itself when no item of the catalogue has it.
    pub fn family_name<'a>(&'a self, code: &'a str) -> &'a str {
        self.items
            .values()
            .find(|i| i.family == code)
            .map_or(code, |i| i.family_name.as_str())
    }

    /// The NFR SKUs orderable on `on` (channel N, 12 months; hardware with its warranty), by
    /// description: (SKU, description).
    pub fn nfr_products(&self, on: NaiveDate) -> Vec<(Sku, String)> {
        let mut found: Vec<(Sku, String)> = self
            .items
            .values()
            .filter_map(|i| {
                let row = crate::domain::nfr::AllotmentRow {
                    family: i.family.clone(),
                    band: i.band.clone(),
                    quantity: 0,
                };
                let sku = row.sku(i.kind == FamilyKind::Hardware).ok()?;
                match self.availability(&sku, on) {
                    Availability::Orderable { description, .. } => Some((sku, description)),
                    Availability::NotOrderable { .. } => None,
                }
            })
            .collect();
        found.sort_by_key(|(sku, _)| self.listing_order(sku));
        found
    }

    /// Products in the order people look for them: by family name, then band (B01, B10,
    /// B25 … C10 run from small to large).
    fn listing_order(&self, sku: &Sku) -> (String, String) {
        let f = sku.fields();
        let name = self
            .item_of(sku)
            .map(|i| i.family_name.clone())
            .unwrap_or_default();
        (name, f.band.clone())
    }

    /// The MSP monthly SKUs orderable on `on` (channel M, term 01), by description:
    /// (SKU, description, unit MSRP).
    pub fn msp_monthly(&self, on: NaiveDate) -> Vec<(Sku, String, Cents)> {
        let mut found: Vec<(Sku, String, Cents)> = self
            .items
            .values()
            .filter(|i| i.kind != FamilyKind::Hardware)
            .filter_map(|i| {
                let sku = Sku::build(crate::domain::SkuFields {
                    family: i.family.clone(),
                    band: i.band.clone(),
                    channel: Channel::MspMonthly,
                    transaction: Transaction::New,
                    term: 1,
                })
                .ok()?;
                match self.availability(&sku, on) {
                    Availability::Orderable { description, msrp } => Some((sku, description, msrp)),
                    Availability::NotOrderable { .. } => None,
                }
            })
            .collect();
        found.sort_by_key(|(sku, _, _)| self.listing_order(sku));
        found
    }

    pub fn item_of(&self, sku: &Sku) -> Option<&CatalogueItem> {
        let f = sku.fields();
        self.items.get(&(f.family.clone(), f.band.clone()))
    }

    pub fn availability(&self, sku: &Sku, on: NaiveDate) -> Availability {
        let f = sku.fields();
        let Some(item) = self.item_of(sku) else {
            let known_family = self.items.keys().any(|(family, _)| *family == f.family);
            let reason = if known_family {
                format!("The catalogue has no band {} for {}.", f.band, f.family)
            } else {
                format!("{} is not a product family of the catalogue.", f.family)
            };
            return Availability::NotOrderable {
                description: None,
                msrp: None,
                reason,
            };
        };
        let description = item.describe(sku);
        let msrp = item.msrp_for(f.channel, f.transaction, f.term);
        let not = |reason: String| Availability::NotOrderable {
            description: Some(description.clone()),
            msrp,
            reason,
        };
        match (item.kind, f.transaction) {
            (FamilyKind::Hardware, t) if t != Transaction::Hardware => {
                return not(format!(
                    "{} is hardware: its SKUs have H at position 11 and term 00.",
                    item.family_name
                ))
            }
            (FamilyKind::Subscription, Transaction::Hardware) => {
                return not(format!(
                    "{} is a subscription, not hardware.",
                    item.family_name
                ))
            }
            _ => {}
        }
        if f.channel == Channel::MspMonthly && f.term != 1 {
            return not("MSP monthly SKUs have a term of 01 month.".into());
        }
        if !item.active_on(on) {
            let window = match item.active_until {
                Some(until) => format!("from {} to {until}", item.active_from),
                None => format!("from {}", item.active_from),
            };
            return not(format!(
                "Not orderable on {on}: {} is orderable {window}.",
                item.description
            ));
        }
        match msrp {
            Some(msrp) => Availability::Orderable { description, msrp },
            None => not(format!(
                "The {} price book has no price for this SKU.",
                self.currency
            )),
        }
    }

    /// Translates one line of input: a legacy SKU (with months for a 1-month one) or a new SKU.
    pub fn translate(&self, input: &LineInput, on: NaiveDate) -> Translation {
        let key = legacy_key(&input.sku);
        let legacy = self.legacy.get(&key);
        let legacy_sku = legacy.map(|m| m.legacy.clone());
        let invalid = |reason: String| Translation::invalid(input, legacy_sku.clone(), reason);
        let verdict = match legacy {
            Some(mapping) => match judge(mapping, input.months, on, &self.dates) {
                Ok(v) => v,
                Err(e) => return invalid(e.to_string()),
            },
            None => match Sku::parse(&input.sku) {
                Ok(_) if input.months.is_some() => {
                    return invalid("A number of months goes only with a 1-month legacy SKU; a new SKU carries its term.".into())
                }
                Ok(sku) => Verdict::Accepted { note: "A new SKU; no translation needed.".into(), sku },
                Err(e) if normalise(&input.sku).len() == LEN => return invalid(e.to_string()),
                Err(_) => {
                    return invalid(format!(
                        "“{}” is not in the legacy translation table, and it is not a 14-character SKU.",
                        input.sku.trim()
                    ))
                }
            },
        };
        let sku = verdict.sku().clone();
        let outcome = match (verdict, self.availability(&sku, on)) {
            (Verdict::Accepted { note, .. }, Availability::Orderable { description, msrp }) => {
                Outcome::Accepted {
                    sku,
                    description,
                    msrp,
                    note,
                }
            }
            (
                Verdict::Accepted { .. },
                Availability::NotOrderable {
                    description,
                    msrp,
                    reason,
                },
            ) => Outcome::Refused {
                sku,
                description,
                msrp,
                reason,
                suggested: None,
            },
            (Verdict::Rejected { reason, suggested }, availability) => {
                let (description, msrp) = match availability {
                    Availability::Orderable { description, msrp } => {
                        (Some(description), Some(msrp))
                    }
                    Availability::NotOrderable {
                        description, msrp, ..
                    } => (description, msrp),
                };
                Outcome::Refused {
                    sku,
                    description,
                    msrp,
                    reason,
                    suggested: Some(suggested),
                }
            }
        };
        Translation {
            input: input.clone(),
            legacy: legacy_sku,
            outcome,
        }
    }
}

/// One row of the catalogue browser: an item's SKU and MSRP for the chosen term.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrowseRow {
    pub family: String,
    pub family_name: String,
    pub band: String,
    pub description: String,
    pub sku: String,
    pub msrp: Option<Cents>,
    pub unit: String,
    pub orderable: bool,
    pub note: String,
    /// For a subscription: its MSP monthly SKU (channel M, term 01) and monthly MSRP.
    pub msp: Option<(String, Option<Cents>)>,
}

impl Snapshot {
    /// Items matching `query` (family code, band or description, any case), with the new
    /// standard SKU for `term` months (hardware: its H SKU), sorted by family and band.
    pub fn browse(&self, query: &str, term: u8, on: NaiveDate) -> Vec<BrowseRow> {
        let q = query.trim().to_lowercase();
        let mut rows: Vec<BrowseRow> = self
            .items
            .values()
            .filter(|i| {
                q.is_empty()
                    || i.family.to_lowercase().contains(&q)
                    || i.band.to_lowercase() == q
                    || i.description.to_lowercase().contains(&q)
            })
            .filter_map(|i| {
                let (transaction, term) = match i.kind {
                    FamilyKind::Hardware => (Transaction::Hardware, 0),
                    FamilyKind::Subscription => (Transaction::New, term),
                };
                let fields = super::sku::SkuFields {
                    family: i.family.clone(),
                    band: i.band.clone(),
                    channel: Channel::Standard,
                    transaction,
                    term,
                };
                let sku = Sku::build(fields).ok()?;
                let (orderable, note) = match self.availability(&sku, on) {
                    Availability::Orderable { .. } => (true, String::new()),
                    Availability::NotOrderable { reason, .. } => (false, reason),
                };
                Some(BrowseRow {
                    family: i.family.clone(),
                    family_name: i.family_name.clone(),
                    band: i.band.clone(),
                    description: i.describe(&sku),
                    msrp: i.msrp_for(Channel::Standard, transaction, term),
                    sku: sku.to_string(),
                    unit: i.unit.clone(),
                    orderable,
                    note,
                    msp: (i.kind == FamilyKind::Subscription)
                        .then(|| {
                            Sku::build(super::sku::SkuFields {
                                family: i.family.clone(),
                                band: i.band.clone(),
                                channel: Channel::MspMonthly,
                                transaction: Transaction::New,
                                term: 1,
                            })
                            .ok()
                        })
                        .flatten()
                        .map(|m| {
                            (
                                m.to_string(),
                                i.msrp_for(Channel::MspMonthly, Transaction::New, 1),
                            )
                        }),
                })
            })
            .collect();
        rows.sort_by(|a, b| (&a.family, &a.band).cmp(&(&b.family, &b.band)));
        rows
    }
}

/// One line a person typed or uploaded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LineInput {
    pub line: usize,
    pub sku: String,
    pub months: Option<u32>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Status {
    Accepted,
    Rejected,
    #[default]
    Invalid,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Accepted => "accepted",
            Status::Rejected => "rejected",
            Status::Invalid => "invalid",
        }
    }
}

/// What a line turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Orderable on the date as this SKU.
    Accepted {
        sku: Sku,
        description: String,
        msrp: Cents,
        note: String,
    },
    /// A SKU the portal knows, not accepted on the date: why, with what the catalogue says of
    /// it, and the SKU to order instead when there is one.
    Refused {
        sku: Sku,
        description: Option<String>,
        msrp: Option<Cents>,
        reason: String,
        suggested: Option<Sku>,
    },
    /// Not a SKU the portal knows, or not one that can be ordered this way.
    Invalid { reason: String },
}

/// A line as typed, the legacy SKU it was found as (if any), and the outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Translation {
    pub input: LineInput,
    pub legacy: Option<String>,
    pub outcome: Outcome,
}

impl Translation {
    fn invalid(input: &LineInput, legacy: Option<String>, reason: String) -> Self {
        Translation {
            input: input.clone(),
            legacy,
            outcome: Outcome::Invalid { reason },
        }
    }

    pub fn status(&self) -> Status {
        match self.outcome {
            Outcome::Accepted { .. } => Status::Accepted,
            Outcome::Refused { .. } => Status::Rejected,
            Outcome::Invalid { .. } => Status::Invalid,
        }
    }

    /// The new SKU the line stands for (not for an invalid line).
    pub fn new_sku(&self) -> Option<String> {
        match &self.outcome {
            Outcome::Accepted { sku, .. } | Outcome::Refused { sku, .. } => Some(sku.to_string()),
            Outcome::Invalid { .. } => None,
        }
    }

    pub fn description(&self) -> Option<String> {
        match &self.outcome {
            Outcome::Accepted { description, .. } => Some(description.clone()),
            Outcome::Refused { description, .. } => description.clone(),
            Outcome::Invalid { .. } => None,
        }
    }

    pub fn msrp(&self) -> Option<Cents> {
        match &self.outcome {
            Outcome::Accepted { msrp, .. } => Some(*msrp),
            Outcome::Refused { msrp, .. } => *msrp,
            Outcome::Invalid { .. } => None,
        }
    }

    /// What to tell the person: the note of an accepted line, or why not.
    pub fn message(&self) -> &str {
        match &self.outcome {
            Outcome::Accepted { note, .. } => note,
            Outcome::Refused { reason, .. } | Outcome::Invalid { reason } => reason,
        }
    }

    /// The SKU to order instead of a refused one.
    pub fn suggested(&self) -> Option<String> {
        match &self.outcome {
            Outcome::Refused { suggested, .. } => suggested.as_ref().map(Sku::to_string),
            _ => None,
        }
    }
}

/// Reads pasted text: one SKU a line, `SKU x MONTHS` (or `×`, a comma, semicolon or tab) for a
/// 1-month legacy SKU. Blank lines and lines starting with `#` are skipped. A months part that
/// is not a number makes that line an error, reported with its number.
pub fn parse_lines(text: &str) -> (Vec<LineInput>, Vec<(usize, String)>) {
    let mut inputs = Vec::new();
    let mut errors = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        match split_months(line) {
            Ok((sku, months)) => inputs.push(LineInput {
                line: i + 1,
                sku: sku.to_string(),
                months,
            }),
            Err(e) => errors.push((i + 1, e)),
        }
    }
    (inputs, errors)
}

/// Splits `SKU x MONTHS` (or `×`, a comma, semicolon or tab) into the SKU and the months; a
/// line without a separator is a SKU alone.
pub fn split_months(line: &str) -> Result<(&str, Option<u32>), String> {
    // Searched in the line itself: an offset found in a lower-cased copy would not be an
    // offset of the line (the Kelvin sign K lower-cases to a shorter k).
    let cut = [" x ", " X ", "×", ",", ";", "\t"]
        .iter()
        .filter_map(|sep| line.find(sep).map(|at| (at, sep.len())))
        .min_by_key(|(at, _)| *at);
    let Some((at, len)) = cut else {
        return Ok((line, None));
    };
    let (sku, months) = (line[..at].trim(), line[at + len..].trim());
    if months.is_empty() {
        return Ok((sku, None));
    }
    months
        .parse::<u32>()
        .map(|m| (sku, Some(m)))
        .map_err(|_| format!("“{months}” is not a number of months."))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::sku::SkuFields;
    use proptest::prelude::*;

    #[test]
    fn case_changing_letters_before_a_separator_do_not_split_a_character() {
        let (inputs, errors) = parse_lines("\u{212A}\u{212A} x 1\nİİİ x 3\nIXA-U10-N1M X 17");
        assert!(errors.is_empty(), "{errors:?}");
        let got: Vec<(&str, Option<u32>)> =
            inputs.iter().map(|i| (i.sku.as_str(), i.months)).collect();
        assert_eq!(
            got,
            [
                ("\u{212A}\u{212A}", Some(1)),
                ("İİİ", Some(3)),
                ("IXA-U10-N1M", Some(17))
            ]
        );
    }

    proptest! {
        #[test]
        fn any_pasted_text_parses_without_panicking(text in "\\PC{0,40}( [xX×] \\PC{0,6})?") {
            let (inputs, errors) = parse_lines(&text);
            prop_assert!(inputs.len() + errors.len() <= text.lines().count());
            for i in &inputs {
                prop_assert!(text.contains(i.sku.as_str()));
            }
        }
    }

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn item(family: &str, band: &str, kind: FamilyKind, price: Price) -> CatalogueItem {
        CatalogueItem {
            family: family.into(),
            family_name: format!("{family} family"),
            kind,
            unit: "user".into(),
            warranty_months: (kind == FamilyKind::Hardware).then_some(12),
            band: band.into(),
            description: format!("{family} {band}"),
            active_from: day("2023-01-01"),
            active_until: None,
            price: Some(price),
        }
    }

    fn sku(family: &str, band: &str, channel: Channel, transaction: Transaction, term: u8) -> Sku {
        Sku::build(SkuFields {
            family: family.into(),
            band: band.into(),
            channel,
            transaction,
            term,
        })
        .unwrap()
    }

    fn snapshot() -> Snapshot {
        let mut s = Snapshot {
            currency: "USD".into(),
            ..Snapshot::default()
        };
        let sub = Price {
            msrp_12: Some(Cents::new(4200)),
            msrp_24: Some(Cents::new(7980)),
            msrp_36: Some(Cents::new(11340)),
            msrp_monthly: Some(Cents::new(385)),
            msrp_hardware: None,
        };
        let mut retired = item("EMLADV", "B01", FamilyKind::Subscription, sub.clone());
        retired.active_until = Some(day("2023-06-30"));
        let hw = Price {
            msrp_hardware: Some(Cents::new(349_900)),
            ..Price::default()
        };
        for i in [
            item("EPIXAD", "B10", FamilyKind::Subscription, sub),
            retired,
            item("HWX310", "000", FamilyKind::Hardware, hw),
        ] {
            s.items.insert((i.family.clone(), i.band.clone()), i);
        }
        let twelve = sku("EPIXAD", "B10", Channel::Standard, Transaction::New, 12);
        s.legacy.insert(
            "IXAU10N12M".into(),
            LegacyMapping {
                legacy: "IXAU10N12M".into(),
                new_sku: twelve,
                one_month: false,
            },
        );
        let one = sku("EPIXAD", "B10", Channel::Standard, Transaction::New, 1);
        s.legacy.insert(
            "IXAU10N1M".into(),
            LegacyMapping {
                legacy: "IXAU10N1M".into(),
                new_sku: one,
                one_month: true,
            },
        );
        s
    }

    fn line(sku: &str, months: Option<u32>) -> LineInput {
        LineInput {
            line: 1,
            sku: sku.into(),
            months,
        }
    }

    #[test]
    fn a_legacy_sku_translates_with_description_and_msrp() {
        let t = snapshot().translate(&line("ixa-u10-n12m", None), day("2023-11-15"));
        assert_eq!(t.status(), Status::Accepted);
        assert_eq!(t.new_sku().as_deref(), Some("EPIXADB10SN12T"));
        assert_eq!(t.description().as_deref(), Some("EPIXAD B10, 12 months"));
        assert_eq!(t.msrp(), Some(Cents::new(4200)));
        assert_eq!(t.legacy.as_deref(), Some("IXAU10N12M"));
    }

    #[test]
    fn a_one_month_legacy_sku_for_17_months_is_refused_with_the_17_month_sku_and_its_price() {
        let t = snapshot().translate(&line("IXA-U10-N1M", Some(17)), day("2023-10-01"));
        assert_eq!(t.status(), Status::Rejected);
        let expected = sku("EPIXAD", "B10", Channel::Standard, Transaction::New, 17);
        assert_eq!(t.suggested().as_deref(), Some(expected.as_str()));
        assert_eq!(
            t.msrp(),
            Some(Cents::new(5950)),
            "round_half_up(4200 * 17 / 12) = 5950"
        );
        let before = snapshot().translate(&line("IXA-U10-N1M", Some(17)), day("2023-09-30"));
        assert_eq!(before.status(), Status::Accepted);
        assert_eq!(before.new_sku().as_deref(), Some(expected.as_str()));
    }

    #[test]
    fn new_skus_are_checked_against_the_catalogue_on_the_date() {
        let s = snapshot();
        let on = day("2024-02-01");
        let ok = s.translate(&line("EPIXADB10SN12T", None), on);
        assert_eq!(
            (ok.status(), ok.msrp()),
            (Status::Accepted, Some(Cents::new(4200)))
        );
        let retired = sku("EMLADV", "B01", Channel::Standard, Transaction::New, 12);
        let r = s.translate(&line(retired.as_str(), None), on);
        assert_eq!(r.status(), Status::Rejected);
        assert!(
            r.message()
                .contains("orderable from 2023-01-01 to 2023-06-30"),
            "{}",
            r.message()
        );
        let unknown = sku("EPIXAD", "C50", Channel::Standard, Transaction::New, 12);
        assert_eq!(
            s.translate(&line(unknown.as_str(), None), on).message(),
            "The catalogue has no band C50 for EPIXAD."
        );
        let hw = sku("HWX310", "000", Channel::Standard, Transaction::Hardware, 0);
        let t = s.translate(&line(hw.as_str(), None), on);
        assert_eq!(
            (t.status(), t.msrp()),
            (Status::Accepted, Some(Cents::new(349_900)))
        );
        assert_eq!(
            t.description().as_deref(),
            Some("HWX310 000, 12-month warranty")
        );
        let monthly = sku("EPIXAD", "B10", Channel::MspMonthly, Transaction::New, 1);
        assert_eq!(
            s.translate(&line(monthly.as_str(), None), on).msrp(),
            Some(Cents::new(385))
        );
        let monthly_12 = sku("EPIXAD", "B10", Channel::MspMonthly, Transaction::New, 12);
        assert_eq!(
            s.translate(&line(monthly_12.as_str(), None), on).status(),
            Status::Rejected
        );
    }

    #[test]
    fn bad_lines_say_what_is_wrong() {
        let s = snapshot();
        let on = day("2023-06-01");
        let typo = s.translate(&line("EPIXADB10SN12X", None), on);
        assert_eq!(typo.status(), Status::Invalid);
        assert!(
            typo.message().starts_with("Position 14"),
            "{}",
            typo.message()
        );
        let unknown = s.translate(&line("NOPE-123", None), on);
        assert!(unknown
            .message()
            .contains("not in the legacy translation table"));
        let missing = s.translate(&line("IXAU10N1M", None), on);
        assert!(missing.message().contains("give the number of months"));
    }

    #[test]
    fn the_browser_shows_each_item_for_the_chosen_term() {
        let s = snapshot();
        let rows = s.browse("", 17, day("2024-02-01"));
        let got: Vec<_> = rows
            .iter()
            .map(|r| (r.sku.as_str(), r.msrp, r.orderable))
            .collect();
        let ep17 = sku("EPIXAD", "B10", Channel::Standard, Transaction::New, 17);
        let em17 = sku("EMLADV", "B01", Channel::Standard, Transaction::New, 17);
        let hw = sku("HWX310", "000", Channel::Standard, Transaction::Hardware, 0);
        assert_eq!(
            got,
            [
                (em17.as_str(), Some(Cents::new(5950)), false),
                (ep17.as_str(), Some(Cents::new(5950)), true),
                (hw.as_str(), Some(Cents::new(349_900)), true),
            ]
        );
        assert_eq!(s.browse("b10", 12, day("2024-02-01")).len(), 1, "by band");
        assert_eq!(
            s.browse("hwx", 12, day("2024-02-01")).len(),
            1,
            "by family code"
        );
        assert_eq!(
            s.browse("EMLADV b01", 12, day("2024-02-01")).len(),
            1,
            "by description"
        );
        assert!(s.browse("nothing", 12, day("2024-02-01")).is_empty());
    }

    #[test]
    fn pasted_text_is_split_into_lines_with_months() {
        let (inputs, errors) = parse_lines("IXA-U10-N12M\n\n# a comment\nIXA-U10-N1M x 17\nIXA-U10-N1M×5\nIXA-U10-N1M, 7\nIXA-U10-N1M x many\n");
        let got: Vec<_> = inputs
            .iter()
            .map(|i| (i.line, i.sku.as_str(), i.months))
            .collect();
        assert_eq!(
            got,
            [
                (1, "IXA-U10-N12M", None),
                (4, "IXA-U10-N1M", Some(17)),
                (5, "IXA-U10-N1M", Some(5)),
                (6, "IXA-U10-N1M", Some(7))
            ]
        );
        assert_eq!(
            errors,
            [(7, "“many” is not a number of months.".to_string())]
        );
    }
}
