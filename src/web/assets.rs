//! Static files (htmx, the stylesheet) built into the binary with rust-embed, so a release
//! needs no folder beside it. Served with an ETag and a cache lifetime.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "static/"]
struct Assets;

pub async fn asset(path: web::Path<String>, req: HttpRequest) -> HttpResponse {
    let Some(file) = Assets::get(path.as_str()) else {
        return HttpResponse::NotFound()
            .content_type("text/plain; charset=utf-8")
            .body("not found");
    };
    let etag: String = file
        .metadata
        .sha256_hash()
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect();
    let etag = format!("\"{etag}\"");
    let cache = ("Cache-Control", "public, max-age=3600");
    if req
        .headers()
        .get(header::IF_NONE_MATCH)
        .is_some_and(|v| v.as_bytes() == etag.as_bytes())
    {
        return HttpResponse::NotModified()
            .insert_header((header::ETAG, etag))
            .insert_header(cache)
            .finish();
    }
    let mime = mime_guess::from_path(path.as_str()).first_or_octet_stream();
    HttpResponse::Ok()
        .content_type(mime.as_ref())
        .insert_header((header::ETAG, etag))
        .insert_header(cache)
        .body(file.data.into_owned())
}

/// A file of `static/` as built into the binary (the PDF's fonts).
pub fn bytes(path: &str) -> Option<std::borrow::Cow<'static, [u8]>> {
    Assets::get(path).map(|f| f.data)
}
