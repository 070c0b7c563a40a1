//! CSV imports of the catalogue with its prices, and of the legacy translation table.
//! Checking is pure: every row is validated and every problem reported with its line
//! number; nothing is written unless every row is valid (the database side applies all
//! rows in one transaction).

use crate::domain::catalogue::{FamilyKind, Price, Snapshot};
use crate::domain::legacy::legacy_key;
use crate::domain::sku::is_band;
use crate::domain::{Cents, Sku};
use chrono::NaiveDate;
use std::collections::{HashMap, HashSet};

pub const CATALOGUE_COLUMNS: [&str; 15] = [
    "family",
    "family_name",
    "kind",
    "unit",
    "warranty_months",
    "band",
    "description",
    "active_from",
    "active_until",
    "currency",
    "msrp_12",
    "msrp_24",
    "msrp_36",
    "msrp_monthly",
    "msrp_hardware",
];

pub const LEGACY_COLUMNS: [&str; 3] = ["legacy_sku", "new_sku", "one_month"];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogueRow {
    pub line: usize,
    pub family: String,
    pub family_name: String,
    pub kind: FamilyKind,
    pub unit: String,
    pub warranty_months: Option<u32>,
    pub band: String,
    pub description: String,
    pub active_from: NaiveDate,
    pub active_until: Option<NaiveDate>,
    pub currency: String,
    pub price: Price,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegacyRow {
    pub line: usize,
    pub legacy: String,
    pub new_sku: Sku,
    pub one_month: bool,
}

pub type Problems = Vec<(usize, String)>;

/// A CSV row by column name, with its line number.
type Record = (usize, HashMap<String, String>);

/// The line of the first NUL character in a file, if any: no text the portal stores may hold
/// one (PostgreSQL refuses it), and no real CSV file has one.
pub fn nul_line(bytes: &[u8]) -> Option<usize> {
    let at = bytes.iter().position(|b| *b == 0)?;
    Some(bytes[..at].iter().filter(|b| **b == b'\n').count() + 1)
}

/// Reads a CSV with a header row into records keyed by column name. Line numbers count the
/// header as line 1. Missing columns are reported against line 1.
fn records(bytes: &[u8], columns: &[&str]) -> Result<Vec<Record>, Problems> {
    let mut file = Streamed::open(bytes, columns)?;
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    while let Some(next) = file.next() {
        match next {
            Ok(line) => {
                let map = file
                    .columns
                    .keys()
                    .map(|name| (name.clone(), file.get(name).to_string()))
                    .collect();
                rows.push((line, map));
            }
            Err(problem) => problems.push(problem),
        }
    }
    if rows.is_empty() && problems.is_empty() {
        problems.push((1, "The file has a header but no rows.".into()));
    }
    if problems.is_empty() {
        Ok(rows)
    } else {
        Err(problems)
    }
}

fn get<'a>(row: &'a HashMap<String, String>, column: &str) -> &'a str {
    row.get(column).map(String::as_str).unwrap_or("")
}

fn date(value: &str, column: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .map_err(|_| format!("{column}: “{value}” is not a date (YYYY-MM-DD)."))
}

fn amount(row: &HashMap<String, String>, column: &str) -> Result<Option<Cents>, String> {
    match get(row, column) {
        "" => Ok(None),
        v => Cents::parse(v)
            .map(Some)
            .map_err(|e| format!("{column}: {e}")),
    }
}

fn catalogue_row(line: usize, r: &HashMap<String, String>) -> Result<CatalogueRow, String> {
    let family = get(r, "family").to_uppercase();
    if family.len() != 6
        || !family
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    {
        return Err(format!(
            "family: “{family}” is not a family code (6 characters, A-Z and 0-9)."
        ));
    }
    let band = get(r, "band").to_uppercase();
    if !is_band(&band) {
        return Err(format!(
            "band: “{band}” is not a band (a letter and two digits, or 000)."
        ));
    }
    let kind = FamilyKind::parse(&get(r, "kind").to_lowercase()).ok_or_else(|| {
        format!(
            "kind: “{}” must be subscription or hardware.",
            get(r, "kind")
        )
    })?;
    let required = |column: &str| -> Result<String, String> {
        let v = get(r, column);
        if v.is_empty() {
            Err(format!("{column}: this column must not be empty."))
        } else {
            Ok(v.to_string())
        }
    };
    let (family_name, unit, description) = (
        required("family_name")?,
        required("unit")?,
        required("description")?,
    );
    let warranty_months = match (kind, get(r, "warranty_months")) {
        (FamilyKind::Hardware, "") => {
            return Err("warranty_months: hardware needs its warranty in months.".into())
        }
        (FamilyKind::Hardware, w) => Some(
            w.parse::<u32>()
                .ok()
                .filter(|m| (1..=120).contains(m))
                .ok_or_else(|| {
                    format!("warranty_months: “{w}” is not a number of months from 1 to 120.")
                })?,
        ),
        (FamilyKind::Subscription, "") => None,
        (FamilyKind::Subscription, _) => {
            return Err("warranty_months: only hardware has a warranty.".into())
        }
    };
    let active_from = date(&required("active_from")?, "active_from")?;
    let active_until = match get(r, "active_until") {
        "" => None,
        v => Some(date(v, "active_until")?),
    };
    if active_until.is_some_and(|u| u < active_from) {
        return Err("active_until: the item stops being orderable before it starts.".into());
    }
    let currency = get(r, "currency").to_uppercase();
    if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(format!(
            "currency: “{currency}” is not a currency code such as USD."
        ));
    }
    let price = Price {
        msrp_12: amount(r, "msrp_12")?,
        msrp_24: amount(r, "msrp_24")?,
        msrp_36: amount(r, "msrp_36")?,
        msrp_monthly: amount(r, "msrp_monthly")?,
        msrp_hardware: amount(r, "msrp_hardware")?,
    };
    match kind {
        FamilyKind::Subscription
            if price.msrp_12.is_none() || price.msrp_24.is_none() || price.msrp_36.is_none() =>
        {
            return Err("msrp_12, msrp_24, msrp_36: a subscription needs all three.".into())
        }
        FamilyKind::Subscription if price.msrp_hardware.is_some() => {
            return Err("msrp_hardware: only hardware has a hardware price.".into())
        }
        FamilyKind::Hardware if price.msrp_hardware.is_none() => {
            return Err("msrp_hardware: hardware needs its price.".into())
        }
        FamilyKind::Hardware
            if price
                .msrp_12
                .or(price.msrp_24)
                .or(price.msrp_36)
                .or(price.msrp_monthly)
                .is_some() =>
        {
            return Err("msrp_12 to msrp_monthly: hardware has only msrp_hardware.".into())
        }
        _ => {}
    }
    Ok(CatalogueRow {
        line,
        family,
        family_name,
        kind,
        unit,
        warranty_months,
        band,
        description,
        active_from,
        active_until,
        currency,
        price,
    })
}

/// Checks a catalogue CSV (columns: `CATALOGUE_COLUMNS`, any order).
pub fn check_catalogue(bytes: &[u8]) -> Result<Vec<CatalogueRow>, Problems> {
    let records = records(bytes, &CATALOGUE_COLUMNS)?;
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    let mut seen = HashMap::new();
    let mut families: HashMap<String, (usize, String, FamilyKind, String, Option<u32>)> =
        HashMap::new();
    for (line, r) in &records {
        match catalogue_row(*line, r) {
            Ok(row) => {
                let key = (row.family.clone(), row.band.clone(), row.currency.clone());
                if let Some(first) = seen.insert(key, row.line) {
                    problems.push((
                        row.line,
                        format!(
                            "{} {} in {} is on line {first} already.",
                            row.family, row.band, row.currency
                        ),
                    ));
                    continue;
                }
                let described = (
                    row.line,
                    row.family_name.clone(),
                    row.kind,
                    row.unit.clone(),
                    row.warranty_months,
                );
                match families.get(&row.family) {
                    Some(f)
                        if (&f.1, f.2, &f.3, f.4)
                            != (&row.family_name, row.kind, &row.unit, row.warranty_months) =>
                    {
                        problems.push((row.line, format!(
                            "family {}: name, kind, unit or warranty differ from line {}; a family is described the same way on every row.",
                            row.family, f.0
                        )));
                        continue;
                    }
                    Some(_) => {}
                    None => {
                        families.insert(row.family.clone(), described);
                    }
                }
                rows.push(row);
            }
            Err(e) => problems.push((*line, e)),
        }
    }
    if problems.is_empty() {
        Ok(rows)
    } else {
        Err(problems)
    }
}

/// Checks a legacy table CSV; every new SKU must be an item of the catalogue (`known`:
/// family and band pairs, including those the same import adds).
pub fn check_legacy(
    bytes: &[u8],
    known: &HashSet<(String, String)>,
) -> Result<Vec<LegacyRow>, Problems> {
    let records = records(bytes, &LEGACY_COLUMNS)?;
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    let mut seen = HashMap::new();
    for (line, r) in &records {
        let legacy = legacy_key(get(r, "legacy_sku"));
        let one_month = match get(r, "one_month").to_lowercase().as_str() {
            "" | "no" | "false" | "0" => false,
            "yes" | "true" | "1" => true,
            other => {
                problems.push((*line, format!("one_month: “{other}” must be yes or no.")));
                continue;
            }
        };
        if legacy.is_empty() {
            problems.push((*line, "legacy_sku: this column must not be empty.".into()));
            continue;
        }
        let new_sku = match Sku::parse(get(r, "new_sku")) {
            Ok(s) => s,
            Err(e) => {
                problems.push((*line, format!("new_sku: {e}")));
                continue;
            }
        };
        let f = new_sku.fields();
        if !known.contains(&(f.family.clone(), f.band.clone())) {
            problems.push((
                *line,
                format!(
                    "new_sku: {new_sku} is not an item of the catalogue ({} {}).",
                    f.family, f.band
                ),
            ));
            continue;
        }
        if one_month && f.term != 1 {
            problems.push((
                *line,
                format!(
                    "new_sku: a 1-month legacy SKU translates to the term-01 SKU, not term {:02}.",
                    f.term
                ),
            ));
            continue;
        }
        if let Some(first) = seen.insert(legacy.clone(), *line) {
            problems.push((*line, format!("{legacy} is on line {first} already.")));
            continue;
        }
        rows.push(LegacyRow {
            line: *line,
            legacy,
            new_sku,
            one_month,
        });
    }
    if problems.is_empty() {
        Ok(rows)
    } else {
        Err(problems)
    }
}

/// What importing a catalogue row would do, compared with what is there now.
pub fn describe_change(row: &CatalogueRow, current: Option<&Snapshot>) -> String {
    let Some(item) = current.and_then(|s| s.items.get(&(row.family.clone(), row.band.clone())))
    else {
        return "new item".into();
    };
    let mut changes = Vec::new();
    if item.description != row.description {
        changes.push(format!(
            "description “{}” → “{}”",
            item.description, row.description
        ));
    }
    if item.active_from != row.active_from || item.active_until != row.active_until {
        changes.push("orderable dates".into());
    }
    let price = item.price.clone().unwrap_or_default();
    let money = |c: Option<Cents>| c.map(|c| c.decimal()).unwrap_or_else(|| "—".into());
    for (name, old, new) in [
        ("MSRP 12", price.msrp_12, row.price.msrp_12),
        ("MSRP 24", price.msrp_24, row.price.msrp_24),
        ("MSRP 36", price.msrp_36, row.price.msrp_36),
        ("monthly", price.msrp_monthly, row.price.msrp_monthly),
        ("hardware", price.msrp_hardware, row.price.msrp_hardware),
    ] {
        if old != new {
            changes.push(format!("{name} {} → {}", money(old), money(new)));
        }
    }
    if changes.is_empty() {
        "unchanged".into()
    } else {
        changes.join("; ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "family,family_name,kind,unit,warranty_months,band,description,active_from,active_until,currency,msrp_12,msrp_24,msrp_36,msrp_monthly,msrp_hardware\n";

    #[test]
    fn a_valid_catalogue_file() {
        let csv = format!(
            "{HEADER}EPIXAD,Intercept X Advanced,subscription,user,,B10,\"Intercept X Advanced, 10-24 users\",2023-01-01,,usd,42.00,79.80,113.40,3.85,\n\
             HWX310,XGS 3100 appliance,hardware,appliance,12,000,XGS 3100,2023-01-01,2026-12-31,USD,,,,,3499\n"
        );
        let rows = check_catalogue(csv.as_bytes()).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].price.msrp_12, Some(Cents::new(4200)));
        assert_eq!(rows[0].currency, "USD");
        assert_eq!(rows[1].line, 3);
        assert_eq!(rows[1].warranty_months, Some(12));
    }

    #[test]
    fn every_bad_row_is_named_by_its_line() {
        let csv = format!(
            "{HEADER}EPIX,X,subscription,user,,B10,d,2023-01-01,,USD,1,2,3,,\n\
             EPIXAD,X,subscription,user,,B10,d,2023-01-01,,USD,1,,3,,\n\
             EPIXAD,X,subscription,user,,B10,d,01/01/2023,,USD,1,2,3,,\n\
             HWX310,H,hardware,appliance,,000,d,2023-01-01,,USD,,,,,10\n\
             EPIXAD,X,subscription,user,,B25,d,2023-01-01,2022-01-01,USD,1,2,3,,\n\
             EPIXAD,X,subscription,user,,B50,d,2023-01-01,,USD,1,2,3.999,,\n\
             EPIXAD,X,subscription,user,,B01,d,2023-01-01,,USD,1,2,3,,\n\
             EPIXAD,X,subscription,user,,B01,d,2023-01-01,,USD,1,2,3,,\n\
             EPIXAD,Other name,subscription,user,,C10,d,2023-01-01,,USD,1,2,3,,\n"
        );
        let problems = check_catalogue(csv.as_bytes()).unwrap_err();
        let lines: Vec<usize> = problems.iter().map(|(l, _)| *l).collect();
        assert_eq!(lines, [2, 3, 4, 5, 6, 7, 9, 10], "{problems:#?}");
        assert!(problems[0].1.starts_with("family:"));
        assert!(problems[1].1.contains("needs all three"));
        assert!(problems[2].1.contains("is not a date"));
        assert!(problems[3].1.contains("warranty"));
        assert!(problems[4]
            .1
            .contains("stops being orderable before it starts"));
        assert!(problems[5].1.contains("at most two decimals"));
        assert!(problems[6].1.contains("on line 8 already"));
        assert!(problems[7].1.contains("differ from line 8"));
    }

    #[test]
    fn a_missing_column_is_reported_on_the_header_line() {
        let problems = check_catalogue(b"family,band\nEPIXAD,B10\n").unwrap_err();
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].0, 1);
        assert!(problems[0].1.contains("family_name"));
    }

    #[test]
    fn legacy_rows_must_point_at_catalogue_items() {
        let known: HashSet<_> = [("EPIXAD".to_string(), "B10".to_string())].into();
        let csv = "legacy_sku,new_sku,one_month\nIXA-U10-N12M,EPIXADB10SN12T,no\nIXA-U10-N1M,EPIXADB10SN12T,yes\n\
                   IXA-U25-N12M,EPIXADB25SN12I,\nixa-u10-n12m,EPIXADB10SN12T,\nX,EPIXADB10SN12X,\nY,EPIXADB10SN12T,maybe\n";
        let problems = check_legacy(csv.as_bytes(), &known).unwrap_err();
        let lines: Vec<usize> = problems.iter().map(|(l, _)| *l).collect();
        assert_eq!(lines, [3, 4, 5, 6, 7], "{problems:#?}");
        assert!(problems[0].1.contains("term-01 SKU"));
        assert!(problems[1].1.contains("not an item of the catalogue"));
        assert!(
            problems[2].1.contains("on line 2 already"),
            "keys are normalised"
        );
        assert!(problems[3].1.starts_with("new_sku: Position 14"));
        let ok = check_legacy(
            b"legacy_sku,new_sku,one_month\nIXA-U10-N12M,EPIXADB10SN12T,no\n",
            &known,
        )
        .unwrap();
        assert_eq!(ok[0].legacy, "IXAU10N12M");
    }
}

pub const LICENSE_COLUMNS: [&str; 7] = [
    "license_key",
    "reseller",
    "end_customer",
    "legacy_sku",
    "quantity",
    "order_completion_date",
    "activation_date",
];

/// One row of a legacy license import, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LicenseRow {
    pub line: usize,
    pub license_key: String,
    /// Shared between the rows that name the same reseller or end customer.
    pub reseller: std::sync::Arc<str>,
    pub end_customer: std::sync::Arc<str>,
    pub legacy_sku: String,
    pub new_sku: Sku,
    pub quantity: u32,
    pub completed: NaiveDate,
    pub activated: Option<NaiveDate>,
}

/// Which start a legacy license gets (PRODUCT.md section 5, as the vendor announced it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartRule {
    /// Activated before 2023-10-01: the term starts on the activation date.
    Activation,
    /// Not activated by 2023-10-01: the term starts on the order completion date.
    Completion,
}

impl StartRule {
    pub fn describe(self) -> &'static str {
        match self {
            StartRule::Activation => "activated before 2023-10-01: starts on its activation",
            StartRule::Completion => "not activated by 2023-10-01: starts on its order completion",
        }
    }
}

/// The first day on which a license not activated yet starts on its order completion date.
pub fn completion_rule_from() -> NaiveDate {
    NaiveDate::from_ymd_opt(2023, 10, 1).unwrap_or(NaiveDate::MIN)
}

impl LicenseRow {
    /// The rule that gives the start: a license activated before 2023-10-01 keeps its
    /// activation-based term; one not activated by then starts on its completion date.
    pub fn rule(&self) -> StartRule {
        match self.activated {
            Some(a) if a < completion_rule_from() => StartRule::Activation,
            _ => StartRule::Completion,
        }
    }

    /// The entry: from the start the rule gives, for the SKU's term (a 1-month legacy SKU
    /// runs one month).
    pub fn period(&self) -> crate::domain::schedule::Period {
        let start = match (self.rule(), self.activated) {
            (StartRule::Activation, Some(a)) => a,
            _ => self.completed,
        };
        crate::domain::schedule::new_subscription(
            start,
            u32::from(self.new_sku.fields().term.max(1)),
        )
    }

    /// The activation date, or "not activated".
    pub fn activated_label(&self) -> String {
        self.activated
            .map_or_else(|| "not activated".to_string(), |a| a.to_string())
    }

    /// Days of term the customer loses because the term starts on the completion date, before
    /// the license was activated: up to the activation date, or up to `today` if it is not
    /// activated yet (at most the whole term). None under the activation rule.
    pub fn days_lost(&self, today: NaiveDate) -> i64 {
        if self.rule() == StartRule::Activation {
            return 0;
        }
        let period = self.period();
        let until = self.activated.unwrap_or(today);
        let term_days = (period.end - period.start).num_days() + 1;
        (until - self.completed).num_days().clamp(0, term_days)
    }
}

/// A CSV file read one record at a time (a large file is never held as parsed rows): the
/// header's columns by lower-cased name, then each record with its line number.
struct Streamed<R: std::io::Read> {
    reader: csv::Reader<R>,
    columns: HashMap<String, usize>,
    record: csv::StringRecord,
    index: usize,
}

impl<R: std::io::Read> Streamed<R> {
    /// Opens `input`, checking that the header names every one of `columns`.
    fn open(input: R, columns: &[&str]) -> Result<Self, Problems> {
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .flexible(true)
            .from_reader(input);
        let header: Vec<String> = match reader.headers() {
            Ok(h) if h.as_slice().contains('\0') => {
                return Err(vec![(1, NUL_PROBLEM.into())]);
            }
            Ok(h) => h.iter().map(|c| c.to_lowercase()).collect(),
            Err(e) => return Err(vec![(1, format!("The file is not a CSV file: {e}."))]),
        };
        let missing: Vec<&str> = columns
            .iter()
            .copied()
            .filter(|c| !header.iter().any(|h| h == c))
            .collect();
        if !missing.is_empty() {
            return Err(vec![(
                1,
                format!(
                    "The header row lacks the column(s) {}; expected {}.",
                    missing.join(", "),
                    columns.join(",")
                ),
            )]);
        }
        let mut by_name = HashMap::new();
        for (i, name) in header.into_iter().enumerate() {
            by_name.entry(name).or_insert(i);
        }
        Ok(Streamed {
            reader,
            columns: by_name,
            record: csv::StringRecord::new(),
            index: 0,
        })
    }

    /// The next non-empty record's line (the header is line 1), or a problem with it; None at
    /// the end of the file.
    fn next(&mut self) -> Option<Result<usize, (usize, String)>> {
        loop {
            self.index += 1;
            let line = self.index + 1;
            match self.reader.read_record(&mut self.record) {
                Ok(false) => return None,
                Ok(true) if self.record.iter().all(str::is_empty) => continue,
                Ok(true) if self.record.as_slice().contains('\0') => {
                    return Some(Err((line, NUL_PROBLEM.into())))
                }
                Ok(true) => return Some(Ok(line)),
                Err(e) => return Some(Err((line, format!("This line could not be read: {e}.")))),
            }
        }
    }

    /// The current record's value in `column` ("" when the row is short).
    fn get(&self, column: &str) -> &str {
        self.columns
            .get(column)
            .and_then(|i| self.record.get(*i))
            .unwrap_or("")
    }
}

/// The known reseller whose name is closest to `typed`, if one is close enough to be what was
/// meant (a typo, a missing word: Jaro-Winkler similarity of 0.88 or more, any case).
fn closest(typed: &str, resellers: &HashMap<String, String>) -> Option<String> {
    closest_name(typed, resellers.values().map(String::as_str))
}

/// The name among `names` closest to `typed`, if one is close enough to be what was meant
/// (Jaro-Winkler similarity of 0.88 or more, any case; ties go to the first by name).
pub fn closest_name<'a>(typed: &str, names: impl Iterator<Item = &'a str>) -> Option<String> {
    let typed = typed.to_lowercase();
    names
        .map(|name| (strsim::jaro_winkler(&typed, &name.to_lowercase()), name))
        .filter(|(score, _)| *score >= 0.88)
        .max_by(|a, b| a.0.total_cmp(&b.0).then_with(|| b.1.cmp(a.1)))
        .map(|(_, name)| name.to_string())
}

const NUL_PROBLEM: &str = "This line holds a NUL character: the file is not a text CSV file.";

/// Checks a legacy license file, read as it streams in. `legacy` is the translation table
/// (key → mapping), `resellers` the reseller names the portal knows (lower-cased → as
/// written).
pub fn check_licenses(
    input: impl std::io::Read,
    legacy: &HashMap<String, crate::domain::legacy::LegacyMapping>,
    resellers: &HashMap<String, String>,
) -> Result<Vec<LicenseRow>, Problems> {
    let mut file = Streamed::open(input, &LICENSE_COLUMNS)?;
    // The closest known reseller to each unknown name, worked out once per name.
    let mut suggestions: HashMap<String, Option<String>> = HashMap::new();
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    // Names repeat across rows: each distinct reseller and end customer name is held once.
    let mut names: HashSet<std::sync::Arc<str>> = HashSet::new();
    let mut shared = |name: &str| -> std::sync::Arc<str> {
        if let Some(known) = names.get(name) {
            return known.clone();
        }
        let new: std::sync::Arc<str> = name.into();
        names.insert(new.clone());
        new
    };
    let mut any = false;
    while let Some(next) = file.next() {
        any = true;
        let line = match next {
            Ok(line) => line,
            Err(problem) => {
                problems.push(problem);
                continue;
            }
        };
        let r = &file;
        let key = r.get("license_key");
        // Every problem of the row, not only the first.
        let mut wrong: Vec<String> = Vec::new();
        if key.is_empty() {
            wrong.push("license_key: this column must not be empty.".into());
        }
        let reseller = r.get("reseller");
        if !resellers.contains_key(&reseller.to_lowercase()) {
            let hint = suggestions
                .entry(reseller.to_lowercase())
                .or_insert_with(|| closest(reseller, resellers))
                .as_ref()
                .map(|name| format!(" Did you mean “{name}”?"))
                .unwrap_or_default();
            wrong.push(format!(
                "reseller: “{reseller}” is not a reseller of the portal.{hint}"
            ));
        }
        let end_customer = r.get("end_customer");
        if end_customer.is_empty() {
            wrong.push("end_customer: this column must not be empty.".into());
        }
        let legacy_sku = r.get("legacy_sku");
        let mapping = legacy.get(&legacy_key(legacy_sku));
        if mapping.is_none() {
            wrong.push(format!(
                "legacy_sku: “{legacy_sku}” is not in the legacy translation table."
            ));
        }
        let quantity = r.get("quantity").parse::<u32>().ok().filter(|q| *q > 0);
        if quantity.is_none() {
            wrong.push(format!(
                "quantity: “{}” is not a quantity of 1 or more.",
                r.get("quantity")
            ));
        }
        let completed = date(r.get("order_completion_date"), "order_completion_date")
            .map_err(|e| wrong.push(e))
            .ok();
        let activated = match r.get("activation_date") {
            "" => Some(None),
            v => date(v, "activation_date")
                .map(Some)
                .map_err(|e| wrong.push(e))
                .ok(),
        };
        let result = match (mapping, quantity, completed, activated) {
            (Some(mapping), Some(quantity), Some(completed), Some(activated))
                if wrong.is_empty() =>
            {
                Ok(LicenseRow {
                    line,
                    license_key: key.to_string(),
                    reseller: shared(reseller),
                    end_customer: shared(end_customer),
                    legacy_sku: legacy_sku.to_string(),
                    new_sku: mapping.new_sku.clone(),
                    quantity,
                    completed,
                    activated,
                })
            }
            _ => Err(wrong.join(" ")),
        };
        match result {
            Ok(row) => {
                if let Some(first) = seen.get(key) {
                    problems.push((
                        line,
                        format!("license_key {key} is on line {first} already."),
                    ));
                } else {
                    seen.insert(key.to_string(), line);
                    rows.push(row);
                }
            }
            Err(e) => problems.push((line, e)),
        }
    }
    if !any {
        problems.push((1, "The file has a header but no rows.".into()));
    }
    if problems.is_empty() {
        Ok(rows)
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod license_tests {
    use super::*;
    use crate::domain::legacy::LegacyMapping;

    fn legacy() -> HashMap<String, LegacyMapping> {
        let sku = Sku::parse("EPIXADB10SN12T").unwrap_or_else(|e| panic!("{e}"));
        [(
            "IXAU10N12M".to_string(),
            LegacyMapping {
                legacy: "IXAU10N12M".into(),
                new_sku: sku,
                one_month: false,
            },
        )]
        .into()
    }

    #[test]
    fn activated_before_2023_10_01_keeps_its_activation_start_else_completion(
    ) -> Result<(), Box<dyn std::error::Error>> {
        let resellers: HashMap<String, String> =
            [("acme secure it".to_string(), "Acme Secure IT".to_string())].into();
        let csv = "license_key,reseller,end_customer,legacy_sku,quantity,order_completion_date,activation_date\n\
                   K-1,Acme Secure IT,Harbour,IXA-U10-N12M,25,2023-05-01,2023-05-11\n\
                   K-2,Acme Secure IT,Harbour,IXA-U10-N12M,5,2023-05-01,\n\
                   K-3,Acme Secure IT,Harbour,IXA-U10-N12M,5,2023-08-01,2023-09-30\n\
                   K-4,Acme Secure IT,Harbour,IXA-U10-N12M,5,2023-08-01,2023-10-01\n";
        let rows =
            check_licenses(csv.as_bytes(), &legacy(), &resellers).map_err(|p| format!("{p:?}"))?;
        let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d");
        let today = day("2023-11-15")?;
        let starts: Vec<(StartRule, String, String, i64)> = rows
            .iter()
            .map(|r| {
                let p = r.period();
                (
                    r.rule(),
                    p.start.to_string(),
                    p.end.to_string(),
                    r.days_lost(today),
                )
            })
            .collect();
        assert_eq!(
            starts,
            [
                // Activated in May 2023: its activation-based term, nothing lost.
                (
                    StartRule::Activation,
                    "2023-05-11".into(),
                    "2024-05-10".into(),
                    0
                ),
                // Never activated: from the completion date, every day until today lost.
                (
                    StartRule::Completion,
                    "2023-05-01".into(),
                    "2024-04-30".into(),
                    198
                ),
                // The last day before the change still counts as activated.
                (
                    StartRule::Activation,
                    "2023-09-30".into(),
                    "2024-09-29".into(),
                    0
                ),
                // Activated on 2023-10-01: not activated *by* then, so from completion; the
                // 61 days from 2023-08-01 to the activation are lost.
                (
                    StartRule::Completion,
                    "2023-08-01".into(),
                    "2024-07-31".into(),
                    61
                ),
            ]
        );
        assert_eq!(
            rows[1].days_lost(day("2030-01-01")?),
            366,
            "at most the whole term"
        );
        Ok(())
    }

    #[test]
    fn a_nul_character_is_named_by_its_line() {
        assert_eq!(nul_line(b"a,b\nc,d\ne\0,f\n"), Some(3));
        assert_eq!(nul_line(b"a,b\n"), None);
        let resellers: HashMap<String, String> = HashMap::new();
        let file = format!("{}\nK\0,Acme\n", LICENSE_COLUMNS.join(","));
        let problems = check_licenses(file.as_bytes(), &legacy(), &resellers)
            .err()
            .unwrap_or_default();
        assert_eq!(problems.first().map(|(l, _)| *l), Some(2));
    }

    #[test]
    fn a_row_names_every_problem_and_the_reseller_probably_meant() {
        let resellers: HashMap<String, String> = [
            ("acme secure it".to_string(), "Acme Secure IT".to_string()),
            (
                "bluepeak managed services".to_string(),
                "Bluepeak Managed Services".to_string(),
            ),
        ]
        .into();
        let csv = "license_key,reseller,end_customer,legacy_sku,quantity,order_completion_date,activation_date\n\
                   K-1,Acme Secure I.T.,,NOPE,0,2023-13-01,\n\
                   K-2,Nobody Ltd,Harbour,IXA-U10-N12M,1,2023-05-01,\n";
        let problems = check_licenses(csv.as_bytes(), &legacy(), &resellers)
            .err()
            .unwrap_or_default();
        assert_eq!(problems.len(), 2, "{problems:#?}");
        let (line, all) = &problems[0];
        assert_eq!(*line, 2);
        for part in [
            "reseller: “Acme Secure I.T.” is not a reseller of the portal. Did you mean “Acme Secure IT”?",
            "end_customer: this column must not be empty.",
            "legacy_sku: “NOPE” is not in the legacy translation table.",
            "quantity: “0” is not a quantity of 1 or more.",
            "order_completion_date: “2023-13-01” is not a date",
        ] {
            assert!(all.contains(part), "{part} in {all}");
        }
        assert!(
            problems[1].1.ends_with("is not a reseller of the portal."),
            "nothing close to “Nobody Ltd”: {}",
            problems[1].1
        );
    }

    #[test]
    fn bad_rows_are_named_and_keys_are_unique() {
        let resellers: HashMap<String, String> =
            [("acme secure it".to_string(), "Acme Secure IT".to_string())].into();
        let csv = "license_key,reseller,end_customer,legacy_sku,quantity,order_completion_date,activation_date\n\
                   K-1,Acme Secure IT,Harbour,IXA-U10-N12M,25,2023-05-01,\n\
                   K-1,Acme Secure IT,Harbour,IXA-U10-N12M,25,2023-05-01,\n\
                   K-3,Nobody Ltd,Harbour,IXA-U10-N12M,25,2023-05-01,\n\
                   K-4,Acme Secure IT,Harbour,NOPE,25,2023-05-01,\n\
                   K-5,Acme Secure IT,Harbour,IXA-U10-N12M,0,2023-05-01,\n\
                   K-6,Acme Secure IT,Harbour,IXA-U10-N12M,1,01.05.2023,\n";
        let problems = check_licenses(csv.as_bytes(), &legacy(), &resellers)
            .err()
            .unwrap_or_default();
        let lines: Vec<usize> = problems.iter().map(|(l, _)| *l).collect();
        assert_eq!(lines, [3, 4, 5, 6, 7], "{problems:#?}");
        assert!(problems[0].1.contains("on line 2 already"));
        assert!(problems[1].1.contains("not a reseller"));
    }
}

/// What importing one new row of a legacy license file does; its key, names and SKUs are
/// those of the checked row ([`LicensePreview::row`]), not copies (a file has 100,000 rows).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreviewRow {
    /// Its place among the preview's checked rows.
    at: usize,
    /// The end customer is not the reseller's yet: the import creates it.
    pub new_customer: bool,
    pub rule: StartRule,
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub days_lost: i64,
}

/// What a legacy license import would do, for the dry run and its preview.
#[derive(Debug, Clone, Default)]
pub struct LicensePreview {
    /// The file's rows, checked, in its order (a commit writes them).
    pub checked: Vec<LicenseRow>,
    pub already: usize,
    /// End customers the import creates (named by new rows, not the reseller's yet).
    pub new_customers: usize,
    /// Every new row, with the rule that gave its start and the days of term it loses.
    pub new: Vec<PreviewRow>,
}

impl LicensePreview {
    /// The most rows the preview table lists (the counts cover every row).
    pub const SHOWN: usize = 1_000;

    /// How many rows the file has.
    pub fn rows(&self) -> usize {
        self.checked.len()
    }

    /// The checked row `r` is of.
    pub fn row(&self, r: &PreviewRow) -> &LicenseRow {
        &self.checked[r.at]
    }

    /// The new rows the preview table lists.
    pub fn shown(&self) -> &[PreviewRow] {
        &self.new[..self.new.len().min(Self::SHOWN)]
    }

    /// How many new rows start on their activation date.
    pub fn by_activation(&self) -> usize {
        self.new
            .iter()
            .filter(|r| r.rule == StartRule::Activation)
            .count()
    }

    /// The new rows that lose days of term.
    pub fn losing(&self) -> impl Iterator<Item = &PreviewRow> {
        self.new.iter().filter(|r| r.days_lost > 0)
    }
}

/// What importing `rows` would do: `imported` holds the license keys imported before, `known`
/// the end customers the resellers have (lower-cased reseller and end customer names).
pub fn preview_licenses(
    rows: Vec<LicenseRow>,
    imported: &HashSet<String>,
    known: &HashSet<(String, String)>,
    today: NaiveDate,
) -> LicensePreview {
    let mut p = LicensePreview::default();
    let mut created: HashSet<(String, String)> = HashSet::new();
    for (at, r) in rows.iter().enumerate() {
        if imported.contains(&r.license_key) {
            p.already += 1;
            continue;
        }
        let customer = (r.reseller.to_lowercase(), r.end_customer.to_lowercase());
        let new_customer = !known.contains(&customer);
        if new_customer && created.insert(customer) {
            p.new_customers += 1;
        }
        let period = r.period();
        p.new.push(PreviewRow {
            at,
            new_customer,
            rule: r.rule(),
            start: period.start,
            end: period.end,
            days_lost: r.days_lost(today),
        });
    }
    p.checked = rows;
    p
}
