//! MSP monthly licensing (PRODUCT.md section 7): the statement of a month, from the usage an
//! MSP reported per end customer and product, priced at the unit MSRP less the MSP's partner
//! program discount for the family.

use crate::domain::catalogue::{Availability, Snapshot};
use crate::domain::money::mul_div_round_half_up;
use crate::domain::pricing::Bp;
use crate::domain::sku::Channel;
use crate::domain::{Cents, Sku};
use chrono::{Datelike, NaiveDate};

/// One usage an MSP reports, checked against the catalogue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reported {
    pub end_customer: String,
    pub sku: Sku,
    pub description: String,
    pub unit_msrp: Cents,
    pub quantity: i64,
}

/// Checks one usage: an end customer's name, an MSP-channel SKU orderable on `on` (the last
/// day of the month reported), a quantity from 0 to 1,000,000 (0 corrects an earlier report).
pub fn check_usage(
    snapshot: &Snapshot,
    end_customer: &str,
    sku: &str,
    quantity: &str,
    on: NaiveDate,
) -> Result<Reported, String> {
    let end_customer = end_customer.trim();
    if end_customer.is_empty() {
        return Err("end_customer: enter the end customer's name.".into());
    }
    if end_customer.chars().count() > 200 {
        return Err("end_customer: use at most 200 characters.".into());
    }
    let sku = Sku::parse(sku).map_err(|e| format!("sku: {e}"))?;
    if sku.fields().channel != Channel::MspMonthly {
        return Err(format!(
            "sku: {sku} is not an MSP monthly SKU (M at position 10, term 01)."
        ));
    }
    let (description, unit_msrp) = match snapshot.availability(&sku, on) {
        Availability::Orderable { description, msrp } => (description, msrp),
        Availability::NotOrderable { reason, .. } => return Err(format!("sku: {reason}")),
    };
    let quantity = quantity
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|q| (0..=1_000_000).contains(q))
        .ok_or_else(|| {
            format!(
                "quantity: “{}” is not a whole number from 0 to 1,000,000.",
                quantity.trim()
            )
        })?;
    Ok(Reported {
        end_customer: end_customer.to_string(),
        sku,
        description,
        unit_msrp,
        quantity,
    })
}

/// A month's usage from CSV (columns `end_customer`, `sku`, `quantity`, with a header): every
/// row or, when any row is wrong, the problems by line number (the header is line 1).
pub fn parse_usage_csv(
    text: &str,
    snapshot: &Snapshot,
    on: NaiveDate,
) -> Result<Vec<Reported>, Vec<(usize, String)>> {
    if let Some(line) = super::import::nul_line(text.as_bytes()) {
        return Err(vec![(
            line,
            "this line holds a NUL character: the file is not a text CSV file".into(),
        )]);
    }
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers = match reader.headers() {
        Ok(h) => h.clone(),
        Err(e) => return Err(vec![(1, format!("the file is not CSV: {e}"))]),
    };
    let column = |name: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(name));
    let (Some(c), Some(s), Some(q)) = (column("end_customer"), column("sku"), column("quantity"))
    else {
        return Err(vec![(
            1,
            "the header must name the columns end_customer, sku and quantity.".into(),
        )]);
    };
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    let mut seen = std::collections::HashMap::new();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                problems.push((line, format!("not readable: {e}")));
                continue;
            }
        };
        let get = |n: usize| record.get(n).unwrap_or("");
        match check_usage(snapshot, get(c), get(s), get(q), on) {
            Ok(r) => {
                let key = (r.end_customer.to_lowercase(), r.sku.to_string());
                if let Some(first) = seen.insert(key, line) {
                    problems.push((
                        line,
                        format!(
                            "{} for {} is on line {first} already.",
                            r.sku, r.end_customer
                        ),
                    ));
                } else {
                    rows.push(r);
                }
            }
            Err(e) => problems.push((line, e)),
        }
    }
    if rows.is_empty() && problems.is_empty() {
        problems.push((1, "the file has no rows.".into()));
    }
    if problems.is_empty() {
        Ok(rows)
    } else {
        Err(problems)
    }
}

/// The first and last day of a month written `YYYY-MM`.
pub fn month_bounds(month: &str) -> Option<(NaiveDate, NaiveDate)> {
    let (y, m) = month.trim().split_once('-')?;
    if y.len() != 4 || m.len() != 2 {
        return None;
    }
    let first = NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, 1)?;
    let next = if first.month() == 12 {
        NaiveDate::from_ymd_opt(first.year() + 1, 1, 1)?
    } else {
        NaiveDate::from_ymd_opt(first.year(), first.month() + 1, 1)?
    };
    Some((first, next.pred_opt()?))
}

/// The month (`YYYY-MM`) a date is in.
pub fn month_of(date: NaiveDate) -> String {
    date.format("%Y-%m").to_string()
}

/// One reported usage: an end customer, a product, a quantity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageLine {
    pub end_user: String,
    pub family: String,
    pub sku: String,
    pub description: String,
    pub quantity: i64,
    pub unit_msrp: Cents,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementRow {
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub end_user: String,
    pub sku: String,
    pub description: String,
    pub quantity: i64,
    pub unit_msrp: Cents,
    pub unit_price: Cents,
    pub total_msrp: Cents,
    pub total_price: Cents,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Statement {
    pub rows: Vec<StatementRow>,
    pub total_quantity: i64,
    pub total_msrp: Cents,
    pub total_price: Cents,
    /// The currency of every amount (the MSP's).
    pub currency: String,
}

/// The unit price after the program discount, rounded half up to the cent.
pub fn unit_price(unit_msrp: Cents, discount: Bp) -> Cents {
    Cents::new(
        unit_msrp.cents() - mul_div_round_half_up(unit_msrp.cents(), i64::from(discount.0), 10_000),
    )
}

/// The statement of the month `start..=end`: one row per end user and SKU (quantities of the
/// same pair added), ordered by end user and SKU, with totals.
pub fn statement(
    start: NaiveDate,
    end: NaiveDate,
    lines: &[UsageLine],
    discount: impl Fn(&str) -> Bp,
) -> Statement {
    let mut sorted: Vec<&UsageLine> = lines.iter().collect();
    sorted.sort_by(|a, b| (&a.end_user, &a.sku).cmp(&(&b.end_user, &b.sku)));
    let mut out = Statement::default();
    for l in sorted {
        if let Some(last) = out
            .rows
            .last_mut()
            .filter(|r| r.end_user == l.end_user && r.sku == l.sku)
        {
            last.quantity += l.quantity;
            last.total_msrp = last.unit_msrp * last.quantity;
            last.total_price = last.unit_price * last.quantity;
            continue;
        }
        let price = unit_price(l.unit_msrp, discount(&l.family));
        out.rows.push(StatementRow {
            start,
            end,
            end_user: l.end_user.clone(),
            sku: l.sku.clone(),
            description: l.description.clone(),
            quantity: l.quantity,
            unit_msrp: l.unit_msrp,
            unit_price: price,
            total_msrp: l.unit_msrp * l.quantity,
            total_price: price * l.quantity,
        });
    }
    for r in &out.rows {
        out.total_quantity += r.quantity;
        out.total_msrp += r.total_msrp;
        out.total_price += r.total_price;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn line(user: &str, family: &str, sku: &str, quantity: i64, msrp: i64) -> UsageLine {
        UsageLine {
            end_user: user.into(),
            family: family.into(),
            sku: sku.into(),
            description: format!("{family} monthly"),
            quantity,
            unit_msrp: Cents::new(msrp),
        }
    }

    #[test]
    fn months_have_their_own_last_day() {
        assert_eq!(
            month_bounds("2024-02"),
            Some((d("2024-02-01"), d("2024-02-29")))
        );
        assert_eq!(
            month_bounds("2026-12"),
            Some((d("2026-12-01"), d("2026-12-31")))
        );
        assert_eq!(month_bounds("2026-13"), None);
        assert_eq!(month_bounds("26-1"), None);
        assert_eq!(month_of(d("2026-03-02")), "2026-03");
    }

    #[test]
    fn the_statement_prices_each_row_and_adds_up() {
        // Unit MSRP 3.47 at 25% off: 3.47 - 0.8675 → 3.47 - 0.87 = 2.60.
        let lines = [
            line("Harbour Logistics Ltd", "EPIXAD", "EPIXADB10SM01A", 40, 347),
            line("Greenfield Clinics", "EPIXAD", "EPIXADB10SM01A", 10, 347),
            line("Greenfield Clinics", "MDRESS", "MDRESSB10SM01B", 3, 1_000),
            line("Harbour Logistics Ltd", "EPIXAD", "EPIXADB10SM01A", 2, 347),
        ];
        let s = statement(d("2026-03-01"), d("2026-03-31"), &lines, |family| {
            if family == "EPIXAD" {
                Bp(2_500)
            } else {
                Bp(0)
            }
        });
        let rows: Vec<(&str, &str, i64, i64, i64)> = s
            .rows
            .iter()
            .map(|r| {
                (
                    r.end_user.as_str(),
                    r.sku.as_str(),
                    r.quantity,
                    r.unit_price.cents(),
                    r.total_price.cents(),
                )
            })
            .collect();
        assert_eq!(
            rows,
            [
                ("Greenfield Clinics", "EPIXADB10SM01A", 10, 260, 2_600),
                ("Greenfield Clinics", "MDRESSB10SM01B", 3, 1_000, 3_000),
                ("Harbour Logistics Ltd", "EPIXADB10SM01A", 42, 260, 10_920),
            ]
        );
        assert_eq!(s.total_quantity, 55);
        assert_eq!(s.total_msrp, Cents::new(347 * 52 + 3_000));
        assert_eq!(s.total_price, Cents::new(2_600 + 3_000 + 10_920));
        assert!(s
            .rows
            .iter()
            .all(|r| r.start == d("2026-03-01") && r.end == d("2026-03-31")));
    }

    #[test]
    fn an_empty_month_has_an_empty_statement() {
        let s = statement(d("2026-03-01"), d("2026-03-31"), &[], |_| Bp(0));
        assert!(s.rows.is_empty());
        assert_eq!(s.total_price, Cents::new(0));
    }
}
