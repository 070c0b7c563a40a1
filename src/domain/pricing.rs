//! Quote pricing (PRODUCT.md section 4): the only place prices are computed.
//!
//! A line's MSRP is its unit MSRP times its quantity. Three discount levels apply in a fixed
//! order, each to the running price and each rounded half up to the cent:
//! 1. partner program: a percentage by the reseller's partner level and the product family;
//! 2. deal registration: the family's percentage, when an approved registration for the
//!    end customer and family is valid on the quote date;
//! 3. promotion: the best promotion for the family active on the quote date.
//!
//! Percentages are basis points (1250 = 12.50%). Staff may lower a proposed percentage, with a
//! reason, but never raise it.

use super::money::{mul_div_round_half_up, Cents};
use super::PartnerLevel;
use chrono::NaiveDate;
use std::collections::HashMap;
use std::fmt;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Program,
    DealRegistration,
    Promotion,
}

impl Level {
    pub const ORDER: [Level; 3] = [Level::Program, Level::DealRegistration, Level::Promotion];

    pub fn key(self) -> &'static str {
        match self {
            Level::Program => "program",
            Level::DealRegistration => "deal_registration",
            Level::Promotion => "promotion",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Level::Program => "Partner program",
            Level::DealRegistration => "Deal registration",
            Level::Promotion => "Promotion",
        }
    }
}

/// Basis points: 1250 is 12.50%.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Default,
    serde::Serialize,
    serde::Deserialize,
)]
pub struct Bp(pub u32);

impl fmt::Display for Bp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_multiple_of(100) {
            write!(f, "{}%", self.0 / 100)
        } else {
            write!(f, "{}.{:02}%", self.0 / 100, self.0 % 100)
        }
    }
}

impl Bp {
    /// Parses "12", "12.5" or "12.50" (percent) exactly.
    pub fn parse_percent(text: &str) -> Option<Bp> {
        let cents = Cents::parse(text.trim().trim_end_matches('%')).ok()?;
        u32::try_from(cents.cents())
            .ok()
            .filter(|bp| *bp <= 10_000)
            .map(Bp)
    }
    /// The percentage with two decimals, no sign: "12.00", "7.50" (a table cell, the API).
    pub fn two_decimals(self) -> String {
        format!("{}.{:02}", self.0 / 100, self.0 % 100)
    }
    /// The percentage as a form shows it for editing: "12", "12.5", "12.25" (no sign).
    pub fn as_percent(self) -> String {
        let whole = self.0 / 100;
        match self.0 % 100 {
            0 => whole.to_string(),
            f if f % 10 == 0 => format!("{whole}.{}", f / 10),
            f => format!("{whole}.{f:02}"),
        }
    }
}

/// A discount level that applies to a line, and the rule that gave it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Discount {
    pub level: Level,
    pub bp: Bp,
    /// "Gold partner, Intercept X Advanced: 12%", "Deal registration DR-2026-0042 valid until ...".
    pub source: String,
    /// Set when staff lowered the approved percentage.
    pub lowered: Option<Lowered>,
}

impl Discount {
    /// An approved discount, as the rules give it.
    pub fn approved(level: Level, bp: Bp, source: String) -> Discount {
        Discount {
            level,
            bp,
            source,
            lowered: None,
        }
    }
}

/// How staff lowered an approved discount: from what, why, and whether the reseller reads why
/// (the reason is internal unless staff choose to show it).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Lowered {
    pub from: Bp,
    pub reason: String,
    pub shown: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DealRegistrationTerms {
    pub reference: String,
    pub end_customer_id: i64,
    pub families: Vec<String>,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Promotion {
    pub code: String,
    /// The price book it applies to.
    pub currency: String,
    /// Empty: every family.
    pub families: Vec<String>,
    pub bp: Bp,
    pub starts: NaiveDate,
    pub ends: NaiveDate,
}

/// The rules in force, as the vendor admin set them.
#[derive(Debug, Clone, Default)]
pub struct Rules {
    pub program: HashMap<(PartnerLevel, String), Bp>,
    pub deal_registration: HashMap<String, Bp>,
    pub promotions: Vec<Promotion>,
}

/// Who the quote is for and when.
#[derive(Debug, Clone)]
pub struct QuoteContext {
    pub partner_level: PartnerLevel,
    pub end_customer_id: i64,
    pub registrations: Vec<DealRegistrationTerms>,
    pub quote_date: NaiveDate,
    /// The quote's currency: only promotions of this price book apply.
    pub currency: String,
}

/// The approved discount of each level for a family, its code and its name (absent levels do
/// not apply).
pub fn proposed(
    rules: &Rules,
    ctx: &QuoteContext,
    (family, family_name): (&str, &str),
) -> Vec<Discount> {
    let mut out = Vec::new();
    if let Some(bp) = rules
        .program
        .get(&(ctx.partner_level, family.to_string()))
        .filter(|b| b.0 > 0)
    {
        out.push(Discount::approved(
            Level::Program,
            *bp,
            format!("{} partner, {family_name}: {bp}", ctx.partner_level),
        ));
    }
    let registration = ctx.registrations.iter().find(|r| {
        r.end_customer_id == ctx.end_customer_id
            && r.families.iter().any(|f| f == family)
            && r.valid_from <= ctx.quote_date
            && ctx.quote_date <= r.valid_until
    });
    if let (Some(r), Some(bp)) = (
        registration,
        rules.deal_registration.get(family).filter(|b| b.0 > 0),
    ) {
        out.push(Discount::approved(
            Level::DealRegistration,
            *bp,
            format!(
                "Deal registration {} valid until {}: {bp}",
                r.reference, r.valid_until
            ),
        ));
    }
    let best = rules
        .promotions
        .iter()
        .filter(|p| p.currency == ctx.currency)
        .filter(|p| p.starts <= ctx.quote_date && ctx.quote_date <= p.ends)
        .filter(|p| p.families.is_empty() || p.families.iter().any(|f| f == family))
        .max_by(|a, b| a.bp.cmp(&b.bp).then_with(|| b.code.cmp(&a.code)));
    if let Some(p) = best {
        out.push(Discount::approved(
            Level::Promotion,
            p.bp,
            format!(
                "Promotion {} ({} to {}): {}",
                p.code, p.starts, p.ends, p.bp
            ),
        ));
    }
    out
}

/// A change staff make to a proposed discount.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Adjustment {
    pub level: Level,
    pub bp: Bp,
    pub reason: String,
    /// Whether the reseller reads the reason.
    pub show_reason: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PricingError {
    #[error("The quantity must be at least 1.")]
    Quantity,
    #[error("{level}: {asked} is above the approved {approved}; a discount can only be lowered.", level = .0.label(), asked = .1, approved = .2)]
    AboveApproved(Level, Bp, Bp),
    #[error("{}: no discount of this level applies to this line.", .0.label())]
    NotApproved(Level),
    #[error("{}: say why the discount is lowered.", .0.label())]
    ReasonMissing(Level),
}

/// The discounts that apply after staff's adjustments: lowered ones keep their source and say
/// why; raising one, or adding one that does not apply, is refused.
pub fn adjust(
    proposed: &[Discount],
    adjustments: &[Adjustment],
) -> Result<Vec<Discount>, PricingError> {
    let mut out = proposed.to_vec();
    for a in adjustments {
        let Some(d) = out.iter_mut().find(|d| d.level == a.level) else {
            return Err(PricingError::NotApproved(a.level));
        };
        if a.bp > d.bp {
            return Err(PricingError::AboveApproved(a.level, a.bp, d.bp));
        }
        if a.bp < d.bp {
            if a.reason.trim().is_empty() {
                return Err(PricingError::ReasonMissing(a.level));
            }
            d.lowered = Some(Lowered {
                from: d.bp,
                reason: a.reason.trim().to_string(),
                shown: a.show_reason,
            });
            d.bp = a.bp;
        }
    }
    Ok(out)
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Step {
    pub level: Level,
    pub bp: Bp,
    pub source: String,
    pub amount_off: Cents,
    pub after: Cents,
    /// Quotes sent before reasons were kept apart carry the reason inside `source`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lowered: Option<Lowered>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PricedLine {
    pub msrp: Cents,
    pub steps: Vec<Step>,
    pub net: Cents,
}

/// Prices one line: MSRP, then each discount in the fixed order on the running price.
pub fn price_line(
    unit_msrp: Cents,
    quantity: u32,
    discounts: &[Discount],
) -> Result<PricedLine, PricingError> {
    if quantity == 0 {
        return Err(PricingError::Quantity);
    }
    let msrp = unit_msrp * quantity;
    let mut running = msrp;
    let mut steps = Vec::new();
    for level in Level::ORDER {
        if let Some(d) = discounts.iter().find(|d| d.level == level) {
            let off = Cents::new(mul_div_round_half_up(
                running.cents(),
                i64::from(d.bp.0),
                10_000,
            ));
            running = running - off;
            steps.push(Step {
                level,
                bp: d.bp,
                source: d.source.clone(),
                amount_off: off,
                after: running,
                lowered: d.lowered.clone(),
            });
        }
    }
    Ok(PricedLine {
        msrp,
        steps,
        net: running,
    })
}

/// Totals of priced lines: (MSRP, net).
pub fn totals(lines: &[PricedLine]) -> (Cents, Cents) {
    lines
        .iter()
        .fold((Cents::new(0), Cents::new(0)), |(m, n), l| {
            (m + l.msrp, n + l.net)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
    }

    fn rules() -> Rules {
        let mut r = Rules::default();
        r.program
            .insert((PartnerLevel::Gold, "EPIXAD".into()), Bp(1200));
        r.deal_registration.insert("EPIXAD".into(), Bp(1000));
        r.promotions = vec![
            Promotion {
                code: "SPRING26".into(),
                currency: "USD".into(),
                families: vec!["EPIXAD".into()],
                bp: Bp(500),
                starts: day("2026-03-01"),
                ends: day("2026-04-30"),
            },
            Promotion {
                code: "ENDPOINT7".into(),
                currency: "USD".into(),
                families: vec![],
                bp: Bp(700),
                starts: day("2026-03-01"),
                ends: day("2026-03-31"),
            },
            Promotion {
                code: "OLD".into(),
                currency: "USD".into(),
                families: vec![],
                bp: Bp(3000),
                starts: day("2025-01-01"),
                ends: day("2025-12-31"),
            },
            Promotion {
                code: "EURO20".into(),
                currency: "EUR".into(),
                families: vec![],
                bp: Bp(2000),
                starts: day("2026-03-01"),
                ends: day("2026-03-31"),
            },
        ];
        r
    }

    #[test]
    fn only_promotions_of_the_quotes_price_book_apply() {
        let usd = proposed(&rules(), &ctx("2026-03-02", "2026-04-14"), EPIXAD);
        let promotion = |d: &[Discount]| {
            d.iter()
                .find(|d| d.level == Level::Promotion)
                .map(|d| (d.bp, d.source.clone()))
        };
        assert_eq!(
            promotion(&usd).map(|p| p.0),
            Some(Bp(700)),
            "a dollar quote never gets the euro book's 20 %"
        );
        let euro = QuoteContext {
            currency: "EUR".into(),
            ..ctx("2026-03-02", "2026-04-14")
        };
        let eur = proposed(&rules(), &euro, EPIXAD);
        assert_eq!(
            promotion(&eur),
            Some((
                Bp(2000),
                "Promotion EURO20 (2026-03-01 to 2026-03-31): 20%".to_string()
            ))
        );
        let chf = QuoteContext {
            currency: "CHF".into(),
            ..ctx("2026-03-02", "2026-04-14")
        };
        assert_eq!(promotion(&proposed(&rules(), &chf, EPIXAD)), None);
    }

    /// The family the tests price: its code and its name.
    const EPIXAD: (&str, &str) = ("EPIXAD", "Intercept X Advanced");

    fn ctx(quote_date: &str, valid_until: &str) -> QuoteContext {
        QuoteContext {
            partner_level: PartnerLevel::Gold,
            end_customer_id: 7,
            registrations: vec![DealRegistrationTerms {
                reference: "DR-2026-0042".into(),
                end_customer_id: 7,
                families: vec!["EPIXAD".into()],
                valid_from: day("2026-01-15"),
                valid_until: day(valid_until),
            }],
            quote_date: day(quote_date),
            currency: "USD".into(),
        }
    }

    #[test]
    fn stacked_discounts_round_half_up_at_each_step() -> Result<(), Box<dyn std::error::Error>> {
        let d = proposed(&rules(), &ctx("2026-03-02", "2026-04-14"), EPIXAD);
        let levels: Vec<_> = d.iter().map(|d| (d.level, d.bp)).collect();
        assert_eq!(
            levels,
            [
                (Level::Program, Bp(1200)),
                (Level::DealRegistration, Bp(1000)),
                (Level::Promotion, Bp(700))
            ]
        );
        assert_eq!(d[0].source, "Gold partner, Intercept X Advanced: 12%");
        assert_eq!(
            d[1].source,
            "Deal registration DR-2026-0042 valid until 2026-04-14: 10%"
        );
        assert!(
            d[2].source.starts_with("Promotion ENDPOINT7"),
            "the best promotion wins: {}",
            d[2].source
        );
        // 25 users x 42.00 = 1050.00
        // program 12% of 1050.00 = 126.00 -> 924.00
        // deal reg 10% of 924.00 = 92.40 -> 831.60
        // promotion 7% of 831.60 = 58.212 -> 58.21 -> 773.39
        let line = price_line(Cents::new(4200), 25, &d)?;
        assert_eq!(line.msrp, Cents::new(105_000));
        let offs: Vec<_> = line
            .steps
            .iter()
            .map(|s| (s.amount_off.cents(), s.after.cents()))
            .collect();
        assert_eq!(offs, [(12_600, 92_400), (9_240, 83_160), (5_821, 77_339)]);
        assert_eq!(line.net, Cents::new(77_339));
        Ok(())
    }

    #[test]
    fn a_half_cent_rounds_up() -> Result<(), Box<dyn std::error::Error>> {
        // 3 x 0.35 = 1.05; 10% = 0.105 -> 0.11 (half up), leaving 0.94
        let d = [Discount::approved(Level::Program, Bp(1000), String::new())];
        let line = price_line(Cents::new(35), 3, &d)?;
        assert_eq!(
            (line.steps[0].amount_off, line.net),
            (Cents::new(11), Cents::new(94))
        );
        // 12.5% of 1.00 = 0.125 -> 0.13
        let d = [Discount::approved(Level::Program, Bp(1250), String::new())];
        assert_eq!(price_line(Cents::new(100), 1, &d)?.net, Cents::new(87));
        Ok(())
    }

    #[test]
    fn a_registration_that_expired_the_day_before_does_not_apply(
    ) -> Result<(), Box<dyn std::error::Error>> {
        let d = proposed(&rules(), &ctx("2026-03-02", "2026-03-01"), EPIXAD);
        assert!(d.iter().all(|d| d.level != Level::DealRegistration));
        let on_last_day = proposed(&rules(), &ctx("2026-03-01", "2026-03-01"), EPIXAD);
        assert!(
            on_last_day
                .iter()
                .any(|d| d.level == Level::DealRegistration),
            "valid through its last day"
        );
        // Another end customer's registration never applies.
        let mut other = ctx("2026-03-02", "2026-04-14");
        other.end_customer_id = 8;
        assert!(proposed(&rules(), &other, EPIXAD)
            .iter()
            .all(|d| d.level != Level::DealRegistration));
        Ok(())
    }

    #[test]
    fn the_best_of_two_promotions_wins_and_only_while_active(
    ) -> Result<(), Box<dyn std::error::Error>> {
        let in_april = proposed(&rules(), &ctx("2026-04-01", "2026-04-14"), EPIXAD);
        let promo = in_april
            .iter()
            .find(|d| d.level == Level::Promotion)
            .ok_or("no promotion")?;
        assert!(
            promo.source.starts_with("Promotion SPRING26"),
            "ENDPOINT7 ended in March: {}",
            promo.source
        );
        let other_family = proposed(
            &rules(),
            &ctx("2026-04-01", "2026-04-14"),
            ("MDRESS", "Managed Detection and Response"),
        );
        assert!(
            other_family.is_empty(),
            "no program %, no registration, no promotion for MDRESS in April"
        );
        Ok(())
    }

    #[test]
    fn staff_may_lower_with_a_reason_but_never_raise() -> Result<(), Box<dyn std::error::Error>> {
        let d = proposed(&rules(), &ctx("2026-03-02", "2026-04-14"), EPIXAD);
        let lowered = adjust(
            &d,
            &[Adjustment {
                level: Level::Program,
                bp: Bp(800),
                reason: "price already agreed".into(),
                show_reason: false,
            }],
        )?;
        assert_eq!(lowered[0].bp, Bp(800));
        assert_eq!(
            lowered[0].lowered,
            Some(Lowered {
                from: Bp(1200),
                reason: "price already agreed".into(),
                shown: false
            }),
            "the approved figure and the reason are kept beside the source, internal by default"
        );
        assert_eq!(lowered[0].source, d[0].source);
        assert_eq!(
            adjust(
                &d,
                &[Adjustment {
                    level: Level::Program,
                    bp: Bp(1300),
                    reason: "x".into(),
                    show_reason: false
                }]
            ),
            Err(PricingError::AboveApproved(
                Level::Program,
                Bp(1300),
                Bp(1200)
            ))
        );
        assert_eq!(
            adjust(
                &d,
                &[Adjustment {
                    level: Level::Program,
                    bp: Bp(800),
                    reason: " ".into(),
                    show_reason: false
                }]
            ),
            Err(PricingError::ReasonMissing(Level::Program))
        );
        let none = proposed(
            &rules(),
            &ctx("2026-04-01", "2026-04-14"),
            ("MDRESS", "Managed Detection and Response"),
        );
        assert_eq!(
            adjust(
                &none,
                &[Adjustment {
                    level: Level::Promotion,
                    bp: Bp(100),
                    reason: "x".into(),
                    show_reason: false
                }]
            ),
            Err(PricingError::NotApproved(Level::Promotion))
        );
        // Keeping the approved figure needs no reason.
        assert!(adjust(
            &d,
            &[Adjustment {
                level: Level::Program,
                bp: Bp(1200),
                reason: String::new(),
                show_reason: false
            }]
        )
        .is_ok());
        Ok(())
    }

    #[test]
    fn a_zero_quantity_is_refused() -> Result<(), Box<dyn std::error::Error>> {
        assert_eq!(
            price_line(Cents::new(4200), 0, &[]),
            Err(PricingError::Quantity)
        );
        let (m, n) = totals(&[
            price_line(Cents::new(100), 2, &[])?,
            price_line(Cents::new(50), 1, &[])?,
        ]);
        assert_eq!((m, n), (Cents::new(250), Cents::new(250)));
        Ok(())
    }

    #[test]
    fn a_percentage_shown_for_editing_reads_back_as_itself() {
        for bp in [0, 5, 50, 100, 1200, 1250, 1225, 10_000] {
            let shown = Bp(bp).as_percent();
            assert!(!shown.contains('%'));
            assert_eq!(Bp::parse_percent(&shown), Some(Bp(bp)), "{shown}");
        }
        assert_eq!(Bp(1250).as_percent(), "12.5");
        assert_eq!(Bp(1205).as_percent(), "12.05");
    }

    #[test]
    fn percentages_parse_exactly() -> Result<(), Box<dyn std::error::Error>> {
        assert_eq!(Bp::parse_percent("12.5"), Some(Bp(1250)));
        assert_eq!(Bp::parse_percent("12%"), Some(Bp(1200)));
        assert_eq!(Bp::parse_percent("100.01"), None);
        assert_eq!(Bp::parse_percent("-1"), None);
        assert_eq!(Bp(1250).to_string(), "12.50%");
        assert_eq!(Bp(700).to_string(), "7%");
        Ok(())
    }
}
