//! Money in integer minor units (cents), one currency per price book, and term prices.

use std::fmt;

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
pub struct Cents(i64);

impl Cents {
    pub const ZERO: Cents = Cents(0);

    /// An amount of this many minor units (cents).
    pub const fn new(cents: i64) -> Cents {
        Cents(cents)
    }

    /// The amount in minor units, as stored.
    pub const fn cents(self) -> i64 {
        self.0
    }

    /// `1,234.56` (no currency).
    pub fn amount(self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        let grouped = super::paging::thousands((abs / 100) as i64);
        format!("{sign}{grouped}.{:02}", abs % 100)
    }

    /// `USD 1,234.56`.
    pub fn with_currency(self, currency: &str) -> String {
        format!("{currency} {}", self.amount())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error(
        "“{0}” is not an amount; write it like 1234.56 (at most two decimals, no currency sign)."
    )]
    Shape(String),
    #[error("An amount cannot be negative.")]
    Negative,
}

impl Cents {
    /// Parses `1234.56`, `1,234.5` or `42` into cents exactly (no floating point).
    pub fn parse(input: &str) -> Result<Cents, MoneyError> {
        let text = input.trim().replace(',', "");
        let shape = || MoneyError::Shape(input.trim().to_string());
        if text.starts_with('-') {
            return Err(MoneyError::Negative);
        }
        let (units, fraction) = text.split_once('.').unwrap_or((&text, ""));
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(units) || fraction.len() > 2 || (!fraction.is_empty() && !digits(fraction)) {
            return Err(shape());
        }
        let units: i64 = units.parse().map_err(|_| shape())?;
        let fraction: i64 = format!("{fraction:0<2}").parse().map_err(|_| shape())?;
        units
            .checked_mul(100)
            .and_then(|c| c.checked_add(fraction))
            .map(Cents)
            .ok_or_else(shape)
    }

    /// `1234.56`, as CSV files carry amounts (`-0.50` for minus fifty cents).
    pub fn decimal(self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        format!("{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

impl std::ops::Add for Cents {
    type Output = Cents;
    fn add(self, other: Cents) -> Cents {
        Cents(self.0 + other.0)
    }
}

impl std::ops::AddAssign for Cents {
    fn add_assign(&mut self, other: Cents) {
        self.0 += other.0;
    }
}

impl std::ops::Sub for Cents {
    type Output = Cents;
    fn sub(self, other: Cents) -> Cents {
        Cents(self.0 - other.0)
    }
}

/// A unit price times a quantity.
impl std::ops::Mul<i64> for Cents {
    type Output = Cents;
    fn mul(self, quantity: i64) -> Cents {
        Cents(self.0 * quantity)
    }
}

/// A unit price times a quantity of a line.
impl std::ops::Mul<u32> for Cents {
    type Output = Cents;
    fn mul(self, quantity: u32) -> Cents {
        Cents(self.0 * i64::from(quantity))
    }
}

impl std::iter::Sum for Cents {
    fn sum<I: Iterator<Item = Cents>>(iter: I) -> Cents {
        iter.fold(Cents(0), |a, b| a + b)
    }
}

impl fmt::Display for Cents {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.amount())
    }
}

/// `a * num / den`, rounded half up (for non-negative amounts), without floating point.
pub fn mul_div_round_half_up(a: i64, num: i64, den: i64) -> i64 {
    let product = i128::from(a) * i128::from(num);
    let den = i128::from(den);
    ((2 * product + den) / (2 * den)) as i64
}

/// The MSRP for a term (PRODUCT.md section 4): the price book's own figure for 12, 24 and 36
/// months; any other term is `round_half_up(msrp_12 * term / 12)`.
pub fn term_msrp(msrp_12: Cents, msrp_24: Cents, msrp_36: Cents, term: u8) -> Cents {
    match term {
        12 => msrp_12,
        24 => msrp_24,
        36 => msrp_36,
        t => Cents(mul_div_round_half_up(msrp_12.0, i64::from(t), 12)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_keeps_the_sign_of_small_negative_amounts() {
        assert_eq!(Cents(-50).decimal(), "-0.50");
        assert_eq!(Cents(-12_345).decimal(), "-123.45");
        assert_eq!(Cents(5).decimal(), "0.05");
        assert_eq!(Cents(123_400).decimal(), "1234.00");
    }

    #[test]
    fn arithmetic_on_amounts() {
        assert_eq!(Cents(150) + Cents(275), Cents(425));
        assert_eq!(Cents(150) - Cents(275), Cents(-125));
        assert_eq!(Cents(1_999) * 3_i64, Cents(5_997));
        assert_eq!(Cents(1_999) * 3_u32, Cents(5_997));
        let total: Cents = [Cents(1), Cents(2), Cents(3)].into_iter().sum();
        assert_eq!(total, Cents(6));
        let mut running = Cents(10);
        running += Cents(5);
        assert_eq!(running, Cents(15));
    }

    #[test]
    fn formats_amounts() {
        assert_eq!(Cents(0).amount(), "0.00");
        assert_eq!(Cents(5).amount(), "0.05");
        assert_eq!(Cents(123_456_789).amount(), "1,234,567.89");
        assert_eq!(Cents(100_000).with_currency("USD"), "USD 1,000.00");
        assert_eq!(Cents(-1999).amount(), "-19.99");
    }

    #[test]
    fn parses_amounts_exactly() {
        assert_eq!(Cents::parse("42"), Ok(Cents(4200)));
        assert_eq!(Cents::parse(" 1,234.5 "), Ok(Cents(123_450)));
        assert_eq!(Cents::parse("0.07"), Ok(Cents(7)));
        assert_eq!(Cents::parse("3499.00"), Ok(Cents(349_900)));
        assert_eq!(Cents::parse("-1"), Err(MoneyError::Negative));
        for bad in ["", "1.234", "$5", "1.2.3", "abc", ".5"] {
            assert!(Cents::parse(bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            Cents::parse("5."),
            Ok(Cents(500)),
            "unambiguous, so accepted"
        );
        assert_eq!(Cents(123_450).decimal(), "1234.50");
    }

    #[test]
    fn term_prices_at_the_tested_terms() {
        // msrp_12 = 10.02: a twelfth is 0.835, so halves appear and round up.
        let (m12, m24, m36) = (Cents(1002), Cents(1900), Cents(2700));
        let cases = [
            (1, 84),    // 83.5 -> 84
            (11, 919),  // 918.5 -> 919
            (12, 1002), // the price book's figure
            (13, 1086), // 1085.5 -> 1086
            (17, 1420), // 1419.5 -> 1420
            (24, 1900), // the price book's figure, not 2004
            (36, 2700),
            (59, 4927), // 4926.5 -> 4927
            (60, 5010),
        ];
        for (term, cents) in cases {
            assert_eq!(term_msrp(m12, m24, m36, term), Cents(cents), "term {term}");
        }
        // Below a half rounds down.
        assert_eq!(term_msrp(Cents(1000), Cents(0), Cents(0), 1), Cents(83)); // 83.33
        assert_eq!(term_msrp(Cents(1000), Cents(0), Cents(0), 7), Cents(583)); // 583.33
    }
}
