//! What a file is, read from its first bytes: never from its name or the
//! type the browser claimed, which the sender controls.
//!
//! Only an allow-list passes: raster images, PDF, plain text and the
//! common office formats. Markup is refused outright (HTML, SVG, XML), and
//! so is any text that starts like markup, because a browser that sniffs
//! could still render it; everything but the images is also served as a
//! download, with `nosniff`, so even a file that slipped through would not
//! run on our origin.

/// A type the server accepts, as found in the content.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Kind {
    pub mime: &'static str,
}

/// The office formats `infer` recognises that we accept: Word, Excel and
/// PowerPoint (both generations), OpenDocument, and RTF.
const OFFICE: [&str; 10] = [
    "application/msword",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.ms-excel",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.ms-powerpoint",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.oasis.opendocument.presentation",
    "application/rtf",
];

/// Leading words of markup, lower case: a text file that begins with one
/// of these (after white space) is refused.
const MARKUP: [&str; 4] = ["<!doctype", "<html", "<svg", "<?xml"];

/// The accepted type of `bytes`, or None when it is not on the list.
pub fn sniff(bytes: &[u8]) -> Option<Kind> {
    let kind = |mime| Some(Kind { mime });
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        return kind("image/png");
    }
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return kind("image/jpeg");
    }
    if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        return kind("image/gif");
    }
    if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        return kind("image/webp");
    }
    if bytes.starts_with(b"%PDF-") {
        return kind("application/pdf");
    }
    if let Some(found) = infer::get(bytes) {
        return OFFICE.iter().find(|m| **m == found.mime_type()).and_then(|m| kind(m));
    }
    is_plain_text(bytes).then_some(Kind { mime: "text/plain" })
}

/// UTF-8 (a BOM allowed), no NUL, no control characters but white space,
/// and not starting like markup or containing a script tag early on.
fn is_plain_text(bytes: &[u8]) -> bool {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let Ok(text) = std::str::from_utf8(bytes) else { return false };
    if text.chars().any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\x0C')) {
        return false;
    }
    let head: String = text.trim_start().chars().take(1024).flat_map(char::to_lowercase).collect();
    !head.starts_with('<') && !MARKUP.iter().any(|m| head.starts_with(m)) && !head.contains("<script") && !head.contains("<html")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mime(bytes: &[u8]) -> Option<&'static str> {
        sniff(bytes).map(|k| k.mime)
    }

    #[test]
    fn images_and_pdf_are_known_by_their_signatures() {
        assert_eq!(mime(include_bytes!("testdata/tiny.png")), Some("image/png"));
        assert_eq!(mime(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10]), Some("image/jpeg"));
        assert_eq!(mime(b"GIF89a\x01\x00\x01\x00"), Some("image/gif"));
        assert_eq!(mime(b"RIFF\x10\x00\x00\x00WEBPVP8 "), Some("image/webp"));
        assert_eq!(mime(b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n"), Some("application/pdf"));
    }

    #[test]
    fn text_in_any_language_is_plain_text() {
        assert_eq!(mime("order 1042, size M\n訂單已付款\r\n".as_bytes()), Some("text/plain"));
        assert_eq!(mime(b"\xEF\xBB\xBFname,qty\nmug,2\n"), Some("text/plain"));
        assert_eq!(mime(b"a < b and c > d"), Some("text/plain"));
    }

    #[test]
    fn markup_is_refused_whatever_it_is_called() {
        for markup in [
            &b"<!DOCTYPE html><html><body><script>alert(1)</script>"[..],
            b"  \n<html><p>hi",
            b"<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>",
            b"<?xml version=\"1.0\"?><svg/>",
            b"<p>hello</p>",
            b"hello <script>alert(1)</script>",
        ] {
            assert_eq!(mime(markup), None, "{}", String::from_utf8_lossy(markup));
        }
    }

    #[test]
    fn binaries_off_the_list_are_refused() {
        assert_eq!(mime(b"MZ\x90\x00\x03\x00\x00\x00"), None, "a Windows program");
        assert_eq!(mime(b"\x7FELF\x02\x01\x01"), None, "a Linux program");
        assert_eq!(mime(b"PK\x03\x04\x14\x00\x00\x00\x08\x00"), None, "a bare zip");
        assert_eq!(mime(b"plain\x00with a NUL"), None);
        assert_eq!(mime(&[0xC3, 0x28, 0x41]), None, "not UTF-8");
        assert_eq!(mime(b""), Some("text/plain"), "an empty file is empty text");
    }
}
