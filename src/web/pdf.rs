//! The license schedule of one end customer as a PDF (printpdf). The text is set in DejaVu
//! Sans (shipped in `static/fonts` with its license, built into the binary, embedded as a
//! subset of the glyphs used), so "Müller Präzisionstechnik GmbH", "Łódź Logistyka", Greek
//! and Cyrillic names print as they are. A long schedule runs over several pages, each with
//! the table's header and "Page N of M".

use crate::db::orders::Entry;
use crate::domain::schedule::{status_on, Period};
use chrono::NaiveDate;
use printpdf::{IndirectFontRef, Mm, PdfDocument, PdfDocumentReference, PdfLayerReference};

/// A4 in millimetres, and where things go on it.
const WIDTH: f32 = 210.0;
const HEIGHT: f32 = 297.0;
const TOP: f32 = 280.0;
/// Below this a row starts a new page.
const BOTTOM: f32 = 22.0;
/// Where the page number stands.
const FOOTER: f32 = 10.0;
/// What one entry takes (its line and the order line under it).
const ROW: f32 = 11.0;
/// The first page's title and introduction above the table.
const INTRODUCTION: f32 = 18.0;
const HEADER: f32 = 6.0;

/// The page (from 0) and the height of each of `n` rows.
fn layout(n: usize) -> Vec<(usize, f32)> {
    let mut page = 0;
    let mut y = TOP - INTRODUCTION - HEADER;
    (0..n)
        .map(|_| {
            if y < BOTTOM {
                page += 1;
                y = TOP - HEADER;
            }
            let at = (page, y);
            y -= ROW;
            at
        })
        .collect()
}

fn font(doc: &PdfDocumentReference, file: &str) -> anyhow::Result<IndirectFontRef> {
    let bytes = crate::web::assets::bytes(file)
        .ok_or_else(|| anyhow::anyhow!("the font {file} is not built into the portal"))?;
    doc.add_external_font_with_subsetting(std::io::Cursor::new(bytes), true)
        .map_err(|e| anyhow::anyhow!("PDF font {file}: {e}"))
}

struct Writer {
    layer: PdfLayerReference,
    font: IndirectFontRef,
    bold: IndirectFontRef,
}

impl Writer {
    fn text(&self, text: &str, size: f32, x: f32, y: f32, bold: bool) {
        let font = if bold { &self.bold } else { &self.font };
        self.layer.use_text(text, size, Mm(x), Mm(y), font);
    }

    fn header(&self, y: f32) {
        for (x, h) in [
            (15.0, "Product"),
            (105.0, "SKU"),
            (135.0, "Qty"),
            (145.0, "Start"),
            (165.0, "End"),
            (185.0, "Status"),
        ] {
            self.text(h, 8.5, x, y, true);
        }
    }

    fn footer(&self, page: usize, pages: usize) {
        self.text(
            &format!("Page {} of {pages}", page + 1),
            8.0,
            180.0,
            FOOTER,
            false,
        );
    }
}

/// Shortens `text` to `max` characters (counted as characters, not bytes) with an ellipsis.
fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    text.chars().take(max - 1).collect::<String>() + "…"
}

/// A4 pages: title, the end customer, then one line per entry with its dates and status.
pub fn schedule(
    customer: &str,
    reseller: &str,
    entries: &[Entry],
    today: NaiveDate,
) -> anyhow::Result<Vec<u8>> {
    let title = format!("License schedule – {customer}");
    let (doc, page, layer) = PdfDocument::new(&title, Mm(WIDTH), Mm(HEIGHT), "schedule");
    let positions = layout(entries.len());
    let pages = positions.last().map_or(1, |(p, _)| p + 1);
    let mut w = Writer {
        layer: doc.get_page(page).get_layer(layer),
        font: font(&doc, "fonts/DejaVuSans.ttf")?,
        bold: font(&doc, "fonts/DejaVuSans-Bold.ttf")?,
    };
    w.text(&clip(&title, 70), 16.0, 15.0, TOP, true);
    w.text(
        &format!("Reseller: {reseller}    Printed: {today}    No license keys: each entry runs from its start to its end date."),
        8.5,
        15.0,
        TOP - 8.0,
        false,
    );
    w.header(TOP - INTRODUCTION);
    w.footer(0, pages);
    let mut current = 0;
    for (e, (on, y)) in entries.iter().zip(positions) {
        if on != current {
            let (page, layer) = doc.add_page(Mm(WIDTH), Mm(HEIGHT), "schedule");
            w.layer = doc.get_page(page).get_layer(layer);
            w.header(TOP);
            w.footer(on, pages);
            current = on;
        }
        let status = status_on(
            Period {
                start: e.start,
                end: e.end,
            },
            today,
        );
        w.text(&clip(&e.description, 52), 8.0, 15.0, y, false);
        w.text(&e.sku, 8.0, 105.0, y, false);
        w.text(&e.quantity.to_string(), 8.0, 135.0, y, false);
        w.text(&e.start.to_string(), 8.0, 145.0, y, false);
        w.text(&e.end.to_string(), 8.0, 165.0, y, false);
        w.text(status.as_str(), 8.0, 185.0, y, false);
        w.text(
            &format!("Order {}", e.order_reference),
            7.0,
            15.0,
            y - 5.0,
            false,
        );
    }
    if entries.is_empty() {
        w.text(
            "No entries yet.",
            9.0,
            15.0,
            TOP - INTRODUCTION - HEADER,
            false,
        );
    }
    doc.save_to_bytes()
        .map_err(|e| anyhow::anyhow!("could not write the PDF: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_fill_a_page_then_the_next_starts_under_its_header() {
        let rows = layout(60);
        assert_eq!(rows[0], (0, TOP - INTRODUCTION - HEADER));
        let first_of_second = rows.iter().position(|(p, _)| *p == 1).unwrap_or(0);
        assert!(first_of_second > 0, "two pages");
        assert!(rows[..first_of_second]
            .iter()
            .all(|(_, y)| *y >= BOTTOM - ROW));
        assert_eq!(rows[first_of_second].1, TOP - HEADER);
        assert!(
            rows.iter().all(|(_, y)| *y - 5.0 > FOOTER),
            "no row over the page number"
        );
        assert!(layout(0).is_empty());
    }

    #[test]
    fn names_are_clipped_by_characters() {
        assert_eq!(clip("Łódź Logistyka", 20), "Łódź Logistyka");
        assert_eq!(clip("Ωmega Ωmega", 6), "Ωmega…");
    }
}
