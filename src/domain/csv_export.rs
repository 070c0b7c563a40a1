//! The one writer of every CSV file the portal produces (schedules, MSP statements, translator
//! results). A cell that a spreadsheet would run as a formula (it begins with `=`, `+`, `-`,
//! `@`, a tab or a carriage return) is written with a leading `'`, so a name such as
//! `=HYPERLINK("…")` typed by one organisation never runs in another's spreadsheet; a cell that
//! is a plain number (`-12.50`) stays a number.

use std::borrow::Cow;

/// `cell` as it is safe to write: prefixed with `'` when a spreadsheet would evaluate it.
pub fn safe_cell(cell: &str) -> Cow<'_, str> {
    let risky = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if risky && !is_plain_number(cell) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// A signed decimal number and nothing else: `-5`, `+1.25`.
fn is_plain_number(cell: &str) -> bool {
    let digits = cell.strip_prefix(['-', '+']).unwrap_or(cell);
    let mut parts = digits.splitn(2, '.');
    let whole = parts.next().unwrap_or("");
    let fraction = parts.next().unwrap_or("");
    !whole.is_empty()
        && whole.chars().all(|c| c.is_ascii_digit())
        && fraction.chars().all(|c| c.is_ascii_digit())
}

/// A CSV file being written in memory, every cell made safe.
pub struct CsvOut(csv::Writer<Vec<u8>>);

impl Default for CsvOut {
    fn default() -> Self {
        CsvOut(csv::Writer::from_writer(Vec::new()))
    }
}

impl CsvOut {
    /// Writes one row.
    pub fn row<I, S>(&mut self, cells: I) -> Result<(), csv::Error>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let cells: Vec<String> = cells
            .into_iter()
            .map(|c| safe_cell(c.as_ref()).into_owned())
            .collect();
        self.0.write_record(&cells)
    }

    /// The file's bytes.
    pub fn finish(self) -> anyhow::Result<Vec<u8>> {
        self.0
            .into_inner()
            .map_err(|e| anyhow::anyhow!("could not write the CSV: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn every_formula_start_is_neutralised_and_numbers_stay_numbers() {
        for (cell, written) in [
            (
                "=HYPERLINK(\"https://evil.example\",\"Open\")",
                "'=HYPERLINK(\"https://evil.example\",\"Open\")",
            ),
            ("+SUM(A1:A9)", "'+SUM(A1:A9)"),
            ("-2+3", "'-2+3"),
            ("@cmd", "'@cmd"),
            ("\tTabbed", "'\tTabbed"),
            ("\rReturn", "'\rReturn"),
            ("-", "'-"),
            ("-12.50", "-12.50"),
            ("+7", "+7"),
            ("42", "42"),
            ("Harbour Logistics Ltd", "Harbour Logistics Ltd"),
            ("", ""),
        ] {
            assert_eq!(safe_cell(cell), written, "{cell:?}");
        }
    }

    #[test]
    fn a_written_file_reads_back_with_the_prefix() -> anyhow::Result<()> {
        let mut out = CsvOut::default();
        out.row(["name", "total"])?;
        out.row(["=1+1", "-3.00"])?;
        let bytes = out.finish()?;
        let text = String::from_utf8(bytes)?;
        assert_eq!(text, "name,total\n'=1+1,-3.00\n");
        Ok(())
    }

    proptest! {
        #[test]
        fn no_cell_is_written_so_that_a_spreadsheet_runs_it(cell in "\\PC{0,20}") {
            let safe = safe_cell(&cell);
            let runs = safe.starts_with(['=', '+', '-', '@', '\t', '\r']);
            prop_assert!(!runs || is_plain_number(&safe));
            prop_assert!(safe.ends_with(cell.as_str()));
        }
    }
}
