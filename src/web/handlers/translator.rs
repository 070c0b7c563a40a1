//! The SKU translator page: paste legacy SKUs or upload a CSV, pick a date, see per line the
//! new SKU, its description and MSRP, and whether it is accepted on that date; download CSV.

use crate::domain::catalogue::{parse_lines, LineInput, Status, Translation};
use crate::web::chrome::Chrome;
use crate::web::csrf::{self, CsrfForm};
use crate::web::extractors::{CurrentUser, Htmx};
use crate::web::forms::FieldErrors;
use crate::web::{render, AppError};
use actix_multipart::form::{bytes::Bytes as FileBytes, text::Text, MultipartForm};
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;
use chrono::NaiveDate;
use serde::Deserialize;

/// The page shows at most this many rows; the CSV download has them all.
pub const MAX_ROWS_SHOWN: usize = 1000;

pub struct Results {
    pub rows: Vec<Translation>,
    pub parse_errors: Vec<(usize, String)>,
    pub currency: String,
    pub on: String,
    pub accepted: usize,
    pub rejected: usize,
    pub invalid: usize,
}

impl Results {
    pub fn shown(&self) -> &[Translation] {
        &self.rows[..self.rows.len().min(MAX_ROWS_SHOWN)]
    }
    pub fn cut(&self) -> bool {
        self.rows.len() > MAX_ROWS_SHOWN
    }
    pub fn money(&self, t: &Translation) -> String {
        t.msrp()
            .map(|c| c.with_currency(&self.currency))
            .unwrap_or_else(|| "—".into())
    }
}

#[derive(Template)]
#[template(path = "pages/translator.html", blocks = ["translator"])]
pub struct TranslatorPage {
    pub chrome: Chrome,
    pub csrf: String,
    pub text: String,
    pub on: String,
    pub errors: FieldErrors,
    pub results: Option<Results>,
}

pub async fn page(user: CurrentUser) -> Result<HttpResponse, AppError> {
    let chrome = Chrome::new(&user, "/sku-translator", "SKU translator")?;
    let page = TranslatorPage {
        csrf: chrome.csrf.clone(),
        chrome,
        text: String::new(),
        on: user.state.clock.today().to_string(),
        errors: FieldErrors::default(),
        results: None,
    };
    render::page(&page)
}

#[derive(MultipartForm)]
pub struct TranslateForm {
    csrf_token: Option<Text<String>>,
    #[multipart(limit = "16MB")]
    lines: Option<Text<String>>,
    on: Option<Text<String>>,
    #[multipart(limit = "16MB")]
    file: Option<FileBytes>,
}

fn parse_date(value: &str, errors: &mut FieldErrors) -> Option<NaiveDate> {
    let d = NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d").ok();
    if d.is_none() {
        errors.add("on", "Enter the date as YYYY-MM-DD, e.g. 2023-12-31.");
    }
    d
}

/// The most lines one request translates on the page (the command line has no limit): a few
/// megabytes of one-character lines would otherwise make one request hold hundreds of MB.
pub const MAX_LINES: usize = 10_000;

/// Whether the pasted text and the file hold more than [`MAX_LINES`] lines (the file's header
/// row allowed), counted before anything is parsed.
fn too_many_lines(text: &str, file: Option<&[u8]>) -> bool {
    let pasted = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .take(MAX_LINES + 2)
        .count();
    let filed = file.map_or(0, |b| {
        b.split(|c| *c == b'\n')
            .filter(|l| !l.trim_ascii().is_empty())
            .take(MAX_LINES + 2)
            .count()
    });
    // A file may start with a header row.
    pasted + filed.saturating_sub(1) > MAX_LINES
}

fn too_many_message() -> String {
    format!("Translate at most {MAX_LINES} lines at once: split the list, or use `partner-portal sku translate` on the command line.")
}

/// The lines to translate: the pasted text, then the uploaded CSV's rows (as text, so that the
/// page shows and the CSV download repeats exactly what was translated).
fn gather(text: &str, file: Option<&[u8]>) -> (String, Vec<LineInput>, Vec<(usize, String)>) {
    let mut text = text.trim_end().to_string();
    let mut file_errors = Vec::new();
    if let Some(bytes) = file.filter(|b| !b.is_empty()) {
        let (rows, errors) = crate::app::translator::read_csv(bytes);
        file_errors = errors
            .into_iter()
            .map(|(line, e)| (line, format!("CSV line {line}: {e}")))
            .collect();
        for r in rows {
            if !text.is_empty() {
                text.push('\n');
            }
            match r.months {
                Some(m) => text.push_str(&format!("{} x {m}", r.sku)),
                None => text.push_str(&r.sku),
            }
        }
    }
    let (inputs, mut errors) = parse_lines(&text);
    errors.extend(file_errors);
    (text, inputs, errors)
}

async fn translate(
    user: &CurrentUser,
    inputs: &[LineInput],
    on: NaiveDate,
) -> Result<(Vec<Translation>, String), AppError> {
    let org = crate::db::orgs::get(&user.state.db.pool, user.org_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let snapshot = crate::app::translator::snapshot_for(&user.state.db, &org.currency).await?;
    let rows = inputs.iter().map(|i| snapshot.translate(i, on)).collect();
    Ok((rows, snapshot.currency))
}

/// The translated lines with their counts; lines that could not be read count as invalid.
async fn results(
    user: &CurrentUser,
    inputs: &[LineInput],
    parse_errors: Vec<(usize, String)>,
    on: NaiveDate,
) -> Result<Results, AppError> {
    let (rows, currency) = translate(user, inputs, on).await?;
    let count = |s: Status| rows.iter().filter(|t| t.status() == s).count();
    Ok(Results {
        accepted: count(Status::Accepted),
        rejected: count(Status::Rejected),
        invalid: count(Status::Invalid) + parse_errors.len(),
        rows,
        parse_errors,
        currency,
        on: on.to_string(),
    })
}

pub async fn submit(
    req: HttpRequest,
    user: CurrentUser,
    htmx: Htmx,
    form: MultipartForm<TranslateForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    csrf::verify(&req, form.csrf_token.map(|t| t.into_inner()))?;
    let mut errors = FieldErrors::default();
    let on_text = form.on.map(|t| t.into_inner()).unwrap_or_default();
    let on = parse_date(&on_text, &mut errors);
    let pasted = form.lines.map(|t| t.into_inner()).unwrap_or_default();
    let file = form.file.as_ref().map(|f| f.data.as_ref());
    let too_many = too_many_lines(&pasted, file);
    let (text, inputs, parse_errors) = if too_many {
        errors.add("lines", too_many_message());
        (pasted.clone(), Vec::new(), Vec::new())
    } else {
        gather(&pasted, file)
    };
    if inputs.is_empty() && parse_errors.is_empty() && !too_many {
        errors.add("lines", "Paste at least one SKU, or choose a CSV file.");
    }
    let results = match on.filter(|_| errors.is_empty()) {
        Some(on) => Some(results(&user, &inputs, parse_errors, on).await?),
        None => None,
    };
    let chrome = Chrome::new(&user, "/sku-translator", "SKU translator")?;
    let page = TranslatorPage {
        csrf: chrome.csrf.clone(),
        chrome,
        text,
        on: on_text,
        errors,
        results,
    };
    render::form_or_fragment(page.errors.is_empty(), &htmx, &page, |p| p.as_translator())
}

#[derive(Deserialize)]
pub struct CsvForm {
    #[serde(default)]
    lines: String,
    #[serde(default)]
    on: String,
    #[serde(flatten)]
    bom: render::Bom,
}

/// The same translation as a CSV file (a plain form post, so the browser downloads it).
pub async fn download_csv(
    user: CurrentUser,
    form: CsrfForm<CsvForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.0;
    let mut errors = FieldErrors::default();
    let on = parse_date(&form.on, &mut errors).ok_or_else(|| {
        AppError::BadRequest("The date is missing or not a date (YYYY-MM-DD).".into())
    })?;
    if too_many_lines(&form.lines, None) {
        return Err(AppError::BadRequest(too_many_message()));
    }
    let (inputs, _) = parse_lines(&form.lines);
    let (rows, currency) = translate(&user, &inputs, on).await?;
    let body = crate::app::translator::to_csv(&rows, &currency)?;
    Ok(render::csv_download(
        body,
        &format!("sku-translation-{on}.csv"),
        form.bom,
    ))
}
