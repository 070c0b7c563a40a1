//! The license schedule of one end customer as a PDF (printpdf, with the PDF's built-in
//! Helvetica, so nothing is embedded or downloaded).

use crate::db::orders::Entry;
use crate::domain::schedule::{status_on, Period};
use chrono::NaiveDate;
use printpdf::{BuiltinFont, IndirectFontRef, Mm, PdfDocument, PdfLayerReference};

/// The built-in fonts know WinAnsi only: keep the text to what they can show.
fn plain(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '×' => 'x',
            '–' | '—' | '−' => '-',
            '“' | '”' => '"',
            '‘' | '’' => '\'',
            c if c.is_ascii() => c,
            _ => '?',
        })
        .collect()
}

struct Writer<'a> {
    layer: PdfLayerReference,
    font: &'a IndirectFontRef,
    bold: &'a IndirectFontRef,
    y: f32,
}

impl Writer<'_> {
    fn text(&self, text: &str, size: f32, x: f32, bold: bool) {
        let font = if bold { self.bold } else { self.font };
        self.layer
            .use_text(plain(text), size, Mm(x), Mm(self.y), font);
    }
}

/// A4 pages: title, the end customer, then one line per entry with its dates and status.
pub fn schedule(
    customer: &str,
    reseller: &str,
    entries: &[Entry],
    today: NaiveDate,
) -> anyhow::Result<Vec<u8>> {
    let title = format!("License schedule - {customer}");
    let (doc, page, layer) = PdfDocument::new(plain(&title), Mm(210.0), Mm(297.0), "schedule");
    let font = doc
        .add_builtin_font(BuiltinFont::Helvetica)
        .map_err(|e| anyhow::anyhow!("PDF font: {e}"))?;
    let bold = doc
        .add_builtin_font(BuiltinFont::HelveticaBold)
        .map_err(|e| anyhow::anyhow!("PDF font: {e}"))?;
    let mut w = Writer {
        layer: doc.get_page(page).get_layer(layer),
        font: &font,
        bold: &bold,
        y: 280.0,
    };
    w.text(&title, 16.0, 15.0, true);
    w.y -= 8.0;
    w.text(&format!("Reseller: {reseller}    Printed: {today}    No license keys: each entry runs from its start to its end date."), 8.5, 15.0, false);
    w.y -= 10.0;
    let header = |w: &Writer| {
        for (x, h) in [
            (15.0, "Product"),
            (105.0, "SKU"),
            (135.0, "Qty"),
            (145.0, "Start"),
            (165.0, "End"),
            (185.0, "Status"),
        ] {
            w.text(h, 8.5, x, true);
        }
    };
    header(&w);
    w.y -= 6.0;
    for e in entries {
        if w.y < 20.0 {
            let (page, layer) = doc.add_page(Mm(210.0), Mm(297.0), "schedule");
            w.layer = doc.get_page(page).get_layer(layer);
            w.y = 280.0;
            header(&w);
            w.y -= 6.0;
        }
        let status = status_on(
            Period {
                start: e.start,
                end: e.end,
            },
            today,
        );
        let mut description = e.description.clone();
        if description.chars().count() > 58 {
            description = description.chars().take(57).collect::<String>() + "...";
        }
        w.text(&description, 8.0, 15.0, false);
        w.text(&e.sku, 8.0, 105.0, false);
        w.text(&e.quantity.to_string(), 8.0, 135.0, false);
        w.text(&e.start.to_string(), 8.0, 145.0, false);
        w.text(&e.end.to_string(), 8.0, 165.0, false);
        w.text(status.as_str(), 8.0, 185.0, false);
        w.y -= 5.0;
        w.text(&format!("Order {}", e.order_reference), 7.0, 15.0, false);
        w.y -= 6.0;
    }
    if entries.is_empty() {
        w.text("No entries yet.", 9.0, 15.0, false);
    }
    doc.save_to_bytes()
        .map_err(|e| anyhow::anyhow!("could not write the PDF: {e}"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn text_is_kept_to_what_builtin_fonts_show() {
        assert_eq!(super::plain("25 × MDR – “x”"), "25 x MDR - \"x\"");
        assert_eq!(super::plain("Zürich"), "Z?rich");
    }
}
