//! The 14-character SKU (PRODUCT.md section 3): family, band, channel, transaction, term and
//! a Luhn mod 36 check character. `Sku::parse` normalises the input and says which position
//! is wrong and why; a `Sku` that exists is valid.

use std::fmt;

/// The check alphabet, in code-point order.
const ALPHABET: &[u8; 36] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
pub const LEN: usize = 14;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Channel {
    Standard,
    NotForResale,
    MspMonthly,
}

impl Channel {
    pub const ALL: [Channel; 3] = [
        Channel::Standard,
        Channel::NotForResale,
        Channel::MspMonthly,
    ];

    pub fn code(self) -> char {
        match self {
            Channel::Standard => 'S',
            Channel::NotForResale => 'N',
            Channel::MspMonthly => 'M',
        }
    }

    pub fn from_code(c: char) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.code() == c)
    }

    pub fn label(self) -> &'static str {
        match self {
            Channel::Standard => "standard",
            Channel::NotForResale => "not for resale",
            Channel::MspMonthly => "MSP monthly",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Transaction {
    New,
    Renewal,
    Upgrade,
    Hardware,
}

impl Transaction {
    pub const ALL: [Transaction; 4] = [
        Transaction::New,
        Transaction::Renewal,
        Transaction::Upgrade,
        Transaction::Hardware,
    ];

    pub fn code(self) -> char {
        match self {
            Transaction::New => 'N',
            Transaction::Renewal => 'R',
            Transaction::Upgrade => 'U',
            Transaction::Hardware => 'H',
        }
    }

    pub fn from_code(c: char) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.code() == c)
    }

    pub fn label(self) -> &'static str {
        match self {
            Transaction::New => "new",
            Transaction::Renewal => "renewal",
            Transaction::Upgrade => "mid-term upgrade or add-on",
            Transaction::Hardware => "hardware",
        }
    }
}

/// What a SKU says, field by field.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SkuFields {
    /// Positions 1-6, a catalogue code such as `EPIXAD`.
    pub family: String,
    /// Positions 7-9, a size band such as `B10`, or `000`.
    pub band: String,
    pub channel: Channel,
    pub transaction: Transaction,
    /// Months, 1-60; 0 for hardware.
    pub term: u8,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Sku {
    fields: SkuFields,
    text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SkuError {
    #[error("Enter a SKU.")]
    Empty,
    #[error("A SKU has 14 characters; this one has {0}.")]
    Length(usize),
    #[error("Position {position}: “{found}” is not allowed; a SKU uses only A-Z and 0-9.")]
    Character { position: usize, found: char },
    #[error("Positions 7-9 (band): “{0}” is not a band; a band is a letter and two digits (e.g. B10), or 000.")]
    Band(String),
    #[error("Position 10 (channel): “{0}” is not a channel; use S (standard), N (not for resale) or M (MSP monthly).")]
    Channel(char),
    #[error("Position 11 (transaction): “{0}” is not a transaction; use N (new), R (renewal), U (upgrade or add-on) or H (hardware).")]
    Transaction(char),
    #[error(
        "Positions 12-13 (term): “{0}” is not a term; use 01 to 60 months, or 00 for hardware."
    )]
    Term(String),
    #[error("Positions 12-13 (term): hardware (H at position 11) has term 00, not {0:02}.")]
    HardwareTerm(u8),
    #[error("Positions 12-13 (term): term 00 is only for hardware (H at position 11).")]
    ZeroTerm,
    #[error("Position 14 (check character): expected “{expected}”, found “{found}”; a character of the SKU is probably mistyped.")]
    Check { expected: char, found: char },
}

impl SkuError {
    /// The 1-based position the error points at, when it points at one.
    pub fn position(&self) -> Option<usize> {
        match self {
            SkuError::Character { position, .. } => Some(*position),
            SkuError::Band(_) => Some(7),
            SkuError::Channel(_) => Some(10),
            SkuError::Transaction(_) => Some(11),
            SkuError::Term(_) | SkuError::HardwareTerm(_) | SkuError::ZeroTerm => Some(12),
            SkuError::Check { .. } => Some(14),
            SkuError::Empty | SkuError::Length(_) => None,
        }
    }
}

/// Trim, upper-case, and remove spaces and `-` (PRODUCT.md section 3).
pub fn normalise(input: &str) -> String {
    input
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .flat_map(char::to_uppercase)
        .collect()
}

fn code_point(c: u8) -> Option<u32> {
    ALPHABET.iter().position(|&a| a == c).map(|p| p as u32)
}

/// The Luhn mod 36 check character over `body` (A-Z, 0-9 only).
pub fn check_character(body: &str) -> char {
    let n = 36u32;
    let mut factor = 2;
    let mut sum = 0;
    for b in body.bytes().rev() {
        let addend = factor * code_point(b).unwrap_or(0);
        factor = if factor == 2 { 1 } else { 2 };
        sum += addend / n + addend % n;
    }
    ALPHABET[((n - sum % n) % n) as usize] as char
}

/// The users a band is for (PRODUCT.md section 3): `B10` is 10-24, `D10` 1000 and more;
/// `000` (per appliance) and unknown bands are for no user count.
pub fn band_users(band: &str) -> Option<(u32, Option<u32>)> {
    Some(match band {
        "B01" => (1, Some(9)),
        "B10" => (10, Some(24)),
        "B25" => (25, Some(49)),
        "B50" => (50, Some(99)),
        "C10" => (100, Some(199)),
        "C20" => (200, Some(499)),
        "C50" => (500, Some(999)),
        "D10" => (1000, None),
        _ => return None,
    })
}

/// A warning when `quantity` users fall outside the band of a SKU, naming the band that fits.
pub fn band_warning(band: &str, quantity: u32) -> Option<String> {
    let (from, to) = band_users(band)?;
    if quantity >= from && to.is_none_or(|to| quantity <= to) {
        return None;
    }
    let range = |(f, t): (u32, Option<u32>)| match t {
        Some(t) => format!("{f}-{t} users"),
        None => format!("{f} users or more"),
    };
    let fits = ["B01", "B10", "B25", "B50", "C10", "C20", "C50", "D10"]
        .into_iter()
        .find(|b| {
            band_users(b).is_some_and(|(f, t)| quantity >= f && t.is_none_or(|t| quantity <= t))
        });
    Some(format!(
        "Band {band} is for {}; {quantity} {} {}.{}",
        range((from, to)),
        if quantity == 1 {
            "user is"
        } else {
            "users are"
        },
        if quantity < from {
            "below it"
        } else {
            "above it"
        },
        fits.map(|b| format!(" The band for {quantity} is {b}."))
            .unwrap_or_default()
    ))
}

pub fn is_band(band: &str) -> bool {
    let b = band.as_bytes();
    band == "000"
        || (b.len() == 3
            && b[0].is_ascii_uppercase()
            && b[1].is_ascii_digit()
            && b[2].is_ascii_digit())
}

impl Sku {
    /// Builds the SKU of these fields, check character included.
    pub fn build(fields: SkuFields) -> Result<Sku, SkuError> {
        let body = format!(
            "{}{}{}{}{:02}",
            fields.family,
            fields.band,
            fields.channel.code(),
            fields.transaction.code(),
            fields.term
        );
        let text = format!("{body}{}", check_character(&body));
        let sku = Sku::parse(&text)?;
        if sku.fields != fields {
            // A family or band of the wrong length shifts the other fields.
            return Err(SkuError::Length(body.len() + 1));
        }
        Ok(sku)
    }

    pub fn parse(input: &str) -> Result<Sku, SkuError> {
        let text = normalise(input);
        if text.is_empty() {
            return Err(SkuError::Empty);
        }
        for (i, c) in text.chars().enumerate() {
            if !(c.is_ascii_uppercase() || c.is_ascii_digit()) {
                return Err(SkuError::Character {
                    position: i + 1,
                    found: c,
                });
            }
        }
        if text.len() != LEN {
            return Err(SkuError::Length(text.len()));
        }
        let family = text[0..6].to_string();
        let band = text[6..9].to_string();
        if !is_band(&band) {
            return Err(SkuError::Band(band));
        }
        let ch = text.as_bytes()[9] as char;
        let channel = Channel::from_code(ch).ok_or(SkuError::Channel(ch))?;
        let tx = text.as_bytes()[10] as char;
        let transaction = Transaction::from_code(tx).ok_or(SkuError::Transaction(tx))?;
        let term_text = &text[11..13];
        let term: u8 = term_text
            .parse()
            .ok()
            .filter(|t| *t <= 60)
            .ok_or_else(|| SkuError::Term(term_text.to_string()))?;
        match (transaction, term) {
            (Transaction::Hardware, 0) => {}
            (Transaction::Hardware, t) => return Err(SkuError::HardwareTerm(t)),
            (_, 0) => return Err(SkuError::ZeroTerm),
            _ => {}
        }
        let expected = check_character(&text[..13]);
        let found = text.as_bytes()[13] as char;
        if expected != found {
            return Err(SkuError::Check { expected, found });
        }
        Ok(Sku {
            fields: SkuFields {
                family,
                band,
                channel,
                transaction,
                term,
            },
            text,
        })
    }

    pub fn fields(&self) -> &SkuFields {
        &self.fields
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The same product with another term (the new SKU a legacy 1-month SKU stands for).
    pub fn with_term(&self, term: u8) -> Result<Sku, SkuError> {
        Sku::build(SkuFields {
            term,
            ..self.fields.clone()
        })
    }
}

impl fmt::Display for Sku {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quantity_outside_its_band_is_warned_about_with_the_band_that_fits() {
        assert_eq!(band_warning("B10", 10), None);
        assert_eq!(band_warning("B10", 24), None);
        assert_eq!(band_warning("D10", 5000), None);
        assert_eq!(band_warning("000", 3), None, "appliances have no user band");
        assert_eq!(
            band_warning("B10", 5).as_deref(),
            Some("Band B10 is for 10-24 users; 5 users are below it. The band for 5 is B01.")
        );
        assert_eq!(
            band_warning("B50", 1200).as_deref(),
            Some("Band B50 is for 50-99 users; 1200 users are above it. The band for 1200 is D10.")
        );
        assert_eq!(
            band_warning("B01", 0).as_deref(),
            Some("Band B01 is for 1-9 users; 0 users are below it.")
        );
    }
    use proptest::prelude::*;

    fn fields(
        family: &str,
        band: &str,
        channel: Channel,
        transaction: Transaction,
        term: u8,
    ) -> SkuFields {
        SkuFields {
            family: family.into(),
            band: band.into(),
            channel,
            transaction,
            term,
        }
    }

    #[test]
    fn check_characters_of_hand_computed_examples() {
        // Computed by hand with the Luhn mod N algorithm (N = 36), independently of this code.
        for (body, check) in [
            ("EPIXADB10SN12", 'T'),
            ("FWSTND000SR36", 'I'),
            ("HWX310000SH00", 'G'),
            ("MDRESSC20NN01", 'E'),
            ("EMLADVD10MN01", 'U'),
            ("EPIXDRB25SU17", 'A'),
        ] {
            assert_eq!(check_character(body), check, "{body}");
            assert!(Sku::parse(&format!("{body}{check}")).is_ok());
        }
    }

    #[test]
    fn builds_the_example_of_the_specification() {
        let sku = Sku::build(fields(
            "EPIXAD",
            "B10",
            Channel::Standard,
            Transaction::New,
            12,
        ))
        .unwrap();
        assert_eq!(sku.as_str(), "EPIXADB10SN12T");
        assert_eq!(
            sku.with_term(17).unwrap().as_str(),
            format!("EPIXADB10SN17{}", check_character("EPIXADB10SN17"))
        );
    }

    #[test]
    fn input_is_normalised() {
        let sku = Sku::parse("  epixad-b10-sn12-t ").unwrap();
        assert_eq!(sku.as_str(), "EPIXADB10SN12T");
        assert_eq!(sku.fields().term, 12);
        assert_eq!(sku.fields().channel, Channel::Standard);
    }

    #[test]
    fn every_field_error_names_its_position() {
        let cases: &[(&str, SkuError)] = &[
            ("", SkuError::Empty),
            ("EPIXADB10SN12", SkuError::Length(13)),
            ("EPIXADB10SN12TX", SkuError::Length(15)),
            (
                "EPIXAD_10SN12T",
                SkuError::Character {
                    position: 7,
                    found: '_',
                },
            ),
            (
                "EPIXADÄ10SN12T",
                SkuError::Character {
                    position: 7,
                    found: 'Ä',
                },
            ),
            ("EPIXADBB0SN12T", SkuError::Band("BB0".into())),
            ("EPIXADB10XN12T", SkuError::Channel('X')),
            ("EPIXADB10SQ12T", SkuError::Transaction('Q')),
            ("EPIXADB10SN61T", SkuError::Term("61".into())),
            ("EPIXADB10SNA1T", SkuError::Term("A1".into())),
            ("HWX310000SH12T", SkuError::HardwareTerm(12)),
            ("EPIXADB10SN00T", SkuError::ZeroTerm),
            (
                "EPIXADB10SN12X",
                SkuError::Check {
                    expected: 'T',
                    found: 'X',
                },
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(Sku::parse(input).as_ref().err(), Some(expected), "{input}");
        }
        assert_eq!(SkuError::Channel('X').position(), Some(10));
        let message = SkuError::Check {
            expected: 'T',
            found: 'X',
        }
        .to_string();
        assert!(
            message.starts_with("Position 14 (check character)"),
            "{message}"
        );
    }

    #[test]
    fn build_refuses_fields_of_the_wrong_length() {
        assert!(Sku::build(fields(
            "EPIX",
            "B10",
            Channel::Standard,
            Transaction::New,
            12
        ))
        .is_err());
        assert!(Sku::build(fields(
            "EPIXAD",
            "B1",
            Channel::Standard,
            Transaction::New,
            12
        ))
        .is_err());
        assert!(Sku::build(fields(
            "HWX310",
            "000",
            Channel::Standard,
            Transaction::Hardware,
            0
        ))
        .is_ok());
    }

    fn any_fields() -> impl Strategy<Value = SkuFields> {
        let family = "[A-Z][A-Z0-9]{5}";
        let band = prop_oneof![Just("000".to_string()), "[A-Z][0-9]{2}"];
        let channel = prop::sample::select(Channel::ALL.to_vec());
        let subscription = (
            prop::sample::select(vec![
                Transaction::New,
                Transaction::Renewal,
                Transaction::Upgrade,
            ]),
            1u8..=60,
        );
        let hardware = Just((Transaction::Hardware, 0u8));
        (family, band, channel, prop_oneof![subscription, hardware]).prop_map(
            |(family, band, channel, (transaction, term))| SkuFields {
                family,
                band,
                channel,
                transaction,
                term,
            },
        )
    }

    proptest! {
        #[test]
        fn every_built_sku_parses_back_to_its_fields(f in any_fields()) {
            let sku = Sku::build(f.clone()).unwrap();
            prop_assert_eq!(sku.as_str().len(), 14);
            let parsed = Sku::parse(sku.as_str()).unwrap();
            prop_assert_eq!(parsed.fields(), &f);
        }

        #[test]
        fn any_single_character_change_is_detected(f in any_fields(), pos in 0usize..14, replacement in 0usize..36) {
            let sku = Sku::build(f).unwrap();
            let mut bytes = sku.as_str().as_bytes().to_vec();
            let new = ALPHABET[replacement];
            prop_assume!(bytes[pos] != new);
            bytes[pos] = new;
            let changed = String::from_utf8(bytes).unwrap();
            prop_assert!(Sku::parse(&changed).is_err(), "{} was accepted", changed);
        }

        #[test]
        fn the_parser_never_panics(input in "\\PC{0,30}") {
            let _ = Sku::parse(&input);
        }
    }
}
