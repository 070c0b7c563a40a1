//! Reading the `.eml` files of the demo mailbox back for people: headers (with RFC 2047
//! encoded words) and the quoted-printable text part.

use base64::Engine;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Eml {
    pub from: String,
    pub to: String,
    pub subject: String,
    pub date: String,
    pub text: String,
}

/// `=?utf-8?b?...?=` and `=?utf-8?q?...?=` words decoded; anything else as it is.
fn decode_words(value: &str) -> String {
    let mut out = String::new();
    for word in value.split_whitespace() {
        let decoded = word
            .strip_prefix("=?")
            .and_then(|w| w.strip_suffix("?="))
            .and_then(|w| {
                let mut parts = w.splitn(3, '?');
                let (_charset, enc, text) = (parts.next()?, parts.next()?, parts.next()?);
                let bytes = match enc.to_ascii_lowercase().as_str() {
                    "b" => base64::engine::general_purpose::STANDARD
                        .decode(text)
                        .ok()?,
                    "q" => quoted_printable(&text.replace('_', " ")),
                    _ => return None,
                };
                String::from_utf8(bytes).ok()
            });
        match decoded {
            Some(d) => out.push_str(&d),
            None => {
                if !out.is_empty() {
                    out.push(' ');
                }
                out.push_str(word);
            }
        }
    }
    out
}

/// Quoted-printable: `=XX` bytes and `=` soft line breaks.
pub fn quoted_printable(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' {
            if bytes.get(i + 1) == Some(&b'\r') && bytes.get(i + 2) == Some(&b'\n') {
                i += 3;
                continue;
            }
            if bytes.get(i + 1) == Some(&b'\n') {
                i += 2;
                continue;
            }
            if let Some(hex) = text
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
            {
                out.push(hex);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

/// Headers of a block (unfolded), and the rest after the blank line.
fn split_headers(block: &str) -> (Vec<(String, String)>, &str) {
    let (head, body) = block
        .split_once("\r\n\r\n")
        .or_else(|| block.split_once("\n\n"))
        .unwrap_or((block, ""));
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in head.lines() {
        if line.starts_with([' ', '\t']) {
            if let Some(last) = headers.last_mut() {
                last.1.push(' ');
                last.1.push_str(line.trim());
            }
        } else if let Some((k, v)) = line.split_once(':') {
            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
    }
    (headers, body)
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> &'a str {
    headers
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}

pub fn parse(raw: &str) -> Eml {
    let (headers, body) = split_headers(raw);
    let mut eml = Eml {
        from: decode_words(header(&headers, "from")),
        to: decode_words(header(&headers, "to")),
        subject: decode_words(header(&headers, "subject")),
        date: header(&headers, "date").to_string(),
        text: String::new(),
    };
    // The text/plain part of the multipart/alternative body.
    let content_type = header(&headers, "content-type");
    let boundary = content_type
        .split("boundary=")
        .nth(1)
        .map(|b| b.trim_matches('"').to_string());
    let parts: Vec<&str> = match &boundary {
        Some(b) => body.split(&format!("--{b}")).collect(),
        None => vec![raw],
    };
    for part in parts {
        let (h, content) = split_headers(part.trim_start_matches(['\r', '\n']));
        if header(&h, "content-type").starts_with("text/plain") {
            let bytes = if header(&h, "content-transfer-encoding")
                .eq_ignore_ascii_case("quoted-printable")
            {
                quoted_printable(content)
            } else {
                content.as_bytes().to_vec()
            };
            eml.text = String::from_utf8_lossy(&bytes)
                .replace("\r\n", "\n")
                .trim_end()
                .to_string();
            break;
        }
    }
    eml
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_quoted_printable_and_encoded_words() {
        assert_eq!(
            quoted_printable("caf=C3=A9 =\r\nau lait"),
            "café au lait".as_bytes()
        );
        assert_eq!(
            decode_words("=?utf-8?b?U3ByaW5nIOKAkyBzYWxl?="),
            "Spring – sale"
        );
        assert_eq!(decode_words("Plain subject"), "Plain subject");
    }

    #[test]
    fn reads_the_text_part_of_a_multipart_message() {
        let raw = "From: Portal <p@x.example>\r\nTo: Dana <d@x.example>\r\nSubject: =?utf-8?b?U3ByaW5nIOKAkyBzYWxl?=\r\n\
                   Content-Type: multipart/alternative;\r\n boundary=\"XYZ\"\r\n\r\n--XYZ\r\nContent-Type: text/plain; charset=utf-8\r\n\
                   Content-Transfer-Encoding: quoted-printable\r\n\r\nHello Dana,=0A=0Acaf=C3=A9\r\n--XYZ\r\nContent-Type: text/html\r\n\r\n<p>x</p>\r\n--XYZ--\r\n";
        let eml = parse(raw);
        assert_eq!(eml.subject, "Spring – sale");
        assert_eq!(eml.to, "Dana <d@x.example>");
        assert_eq!(eml.text, "Hello Dana,\n\ncafé");
    }
}
