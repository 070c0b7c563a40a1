//! The SKU translator's edges, shared by the page, the CLI and the JSON API: reading CSV
//! input, writing CSV and JSON output. The rules themselves are in `domain::catalogue`.

use crate::db::{catalogue, Db};
use crate::domain::catalogue::{LineInput, Snapshot, Translation};
use serde::Serialize;

/// The snapshot in the organisation's currency, or in the default price book when there is
/// no price book in that currency.
pub async fn snapshot_for(db: &Db, currency: &str) -> Result<Snapshot, sqlx::Error> {
    let currency = if catalogue::has_price_book(&db.pool, currency).await? {
        currency
    } else {
        catalogue::DEFAULT_CURRENCY
    };
    catalogue::snapshot(&db.pool, currency).await
}

/// Reads an uploaded CSV: the SKU in the first column, months (for a 1-month legacy SKU) in
/// the second; a header row is recognised and skipped. Line numbers are the file's.
pub fn read_csv(bytes: &[u8]) -> (Vec<LineInput>, Vec<(usize, String)>) {
    let mut inputs = Vec::new();
    let mut errors = Vec::new();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(bytes);
    for (i, record) in reader.records().enumerate() {
        let line = i + 1;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                errors.push((line, format!("The CSV could not be read here: {e}.")));
                continue;
            }
        };
        let sku = record.get(0).unwrap_or("").to_string();
        let months = record.get(1).unwrap_or("");
        let header =
            ["sku", "legacy_sku", "legacy sku", "legacy"].contains(&sku.to_lowercase().as_str());
        if sku.is_empty() || (line == 1 && header) {
            continue;
        }
        match months {
            "" => inputs.push(LineInput {
                line,
                sku,
                months: None,
            }),
            m => match m.parse() {
                Ok(m) => inputs.push(LineInput {
                    line,
                    sku,
                    months: Some(m),
                }),
                Err(_) => errors.push((line, format!("“{m}” is not a number of months."))),
            },
        }
    }
    (inputs, errors)
}

/// One result as the API and `sku translate --json` give it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TranslationJson {
    pub line: usize,
    pub input: String,
    pub months: Option<u32>,
    pub legacy_sku: Option<String>,
    pub new_sku: Option<String>,
    pub description: Option<String>,
    pub msrp_cents: Option<i64>,
    pub currency: String,
    pub status: &'static str,
    pub accepted: bool,
    pub reason: String,
    pub suggested_sku: Option<String>,
}

pub fn to_json(t: &Translation, currency: &str) -> TranslationJson {
    TranslationJson {
        line: t.input.line,
        input: t.input.sku.clone(),
        months: t.input.months,
        legacy_sku: t.legacy.clone(),
        new_sku: t.new_sku(),
        description: t.description(),
        msrp_cents: t.msrp().map(|c| c.cents()),
        currency: currency.to_string(),
        status: t.status().as_str(),
        accepted: t.status() == crate::domain::catalogue::Status::Accepted,
        reason: t.message().to_string(),
        suggested_sku: t.suggested(),
    }
}

pub const CSV_HEADER: [&str; 11] = [
    "line",
    "input",
    "months",
    "legacy_sku",
    "new_sku",
    "description",
    "msrp",
    "currency",
    "status",
    "reason",
    "suggested_sku",
];

/// The results as CSV (money as a decimal with two places, as spreadsheets expect).
pub fn to_csv(rows: &[Translation], currency: &str) -> anyhow::Result<Vec<u8>> {
    let mut w = crate::domain::csv_export::CsvOut::default();
    w.row(CSV_HEADER)?;
    for t in rows {
        let msrp = t.msrp().map(|c| c.decimal()).unwrap_or_default();
        w.row([
            t.input.line.to_string(),
            t.input.sku.clone(),
            t.input.months.map(|m| m.to_string()).unwrap_or_default(),
            t.legacy.clone().unwrap_or_default(),
            t.new_sku().unwrap_or_default(),
            t.description().unwrap_or_default(),
            msrp,
            currency.to_string(),
            t.status().as_str().to_string(),
            t.message().to_string(),
            t.suggested().unwrap_or_default(),
        ])?;
    }
    w.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_input_with_header_months_and_a_bad_row() {
        let (inputs, errors) =
            read_csv(b"legacy_sku,months\nIXA-U10-N12M\n IXA-U10-N1M , 17\nIXA-U10-N1M,x\n\n");
        let got: Vec<_> = inputs
            .iter()
            .map(|i| (i.line, i.sku.as_str(), i.months))
            .collect();
        assert_eq!(
            got,
            [(2, "IXA-U10-N12M", None), (3, "IXA-U10-N1M", Some(17))]
        );
        assert_eq!(errors, [(4, "“x” is not a number of months.".to_string())]);
    }
}
