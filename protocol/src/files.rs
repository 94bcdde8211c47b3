//! Files in a conversation: what a message carries about its attachment,
//! and the limits both sides know.
//!
//! A file is uploaded over HTTP (the socket's frames are small), stored by
//! the server, and becomes a chat message whose text is the file's name and
//! whose [`Attachment`] says what it is and where to fetch it. The address is
//! a link the server signed for the conversation's people, valid for
//! [`LINK_HOURS`] hours; it is written when the message leaves the server,
//! never stored.

use serde::{Deserialize, Serialize};

/// The most any site may allow per file, in megabytes: the server reads no
/// larger body.
pub const MAX_FILE_MB: u32 = 25;

/// Longest file name kept, in characters; longer names are cut.
pub const MAX_FILE_NAME_CHARS: usize = 120;

/// How long a signed link to a file stays valid, at least.
pub const LINK_HOURS: i64 = 24;

/// The HTTP header the uploader names its file in (percent-encoded UTF-8),
/// beside `client_id` in the query, so the body can be the bytes alone.
pub const FILE_NAME_HEADER: &str = "x-file-name";

/// A file attached to a chat message.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Attachment {
    pub id: i64,
    /// The name the uploader gave, cleaned (no path, no control characters).
    pub name: String,
    /// The type found in the content (never taken from the name).
    pub mime: String,
    pub bytes: u64,
    /// Pixel size for images, 0 for anything else; lets a thumbnail keep
    /// its place before it has loaded.
    #[serde(default)]
    pub width: u32,
    #[serde(default)]
    pub height: u32,
    /// The signed, expiring address to fetch it from (absolute, on the
    /// server's public origin); empty in storage.
    #[serde(default)]
    pub url: String,
}

impl Attachment {
    /// Whether clients show it as a picture (a thumbnail that opens full
    /// size) rather than a link to download. Only raster images are
    /// served inline; SVG is never among them.
    pub fn is_image(&self) -> bool {
        is_inline_image(&self.mime)
    }
}

/// The image types the server serves inline and clients draw as pictures.
pub fn is_inline_image(mime: &str) -> bool {
    matches!(mime, "image/png" | "image/jpeg" | "image/gif" | "image/webp")
}

/// Characters that change how text around them shows without showing
/// themselves: direction overrides (which make `photo\u{202E}gnp.js` read
/// "photosj.png"), zero-width spaces and joiners, the byte-order mark.
fn is_invisible_format(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

/// A file name as the server keeps it: the last path segment, without
/// control or invisible formatting characters or quotes, trimmed and cut
/// to [`MAX_FILE_NAME_CHARS`]; "file" when nothing is left.
pub fn clean_file_name(raw: &str) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let kept: String =
        last.chars().filter(|c| !c.is_control() && !is_invisible_format(*c) && !matches!(c, '"' | '<' | '>')).take(MAX_FILE_NAME_CHARS).collect();
    let kept = kept.trim().trim_start_matches('.').trim();
    if kept.is_empty() {
        "file".into()
    } else {
        kept.into()
    }
}

/// The file name extensions that fit a type, the usual one first.
fn extensions(mime: &str) -> &'static [&'static str] {
    match mime {
        "image/png" => &["png"],
        "image/jpeg" => &["jpg", "jpeg"],
        "image/gif" => &["gif"],
        "image/webp" => &["webp"],
        "application/pdf" => &["pdf"],
        "text/plain" => &["txt", "csv", "log"],
        "application/msword" => &["doc"],
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document" => &["docx"],
        "application/vnd.ms-excel" => &["xls"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" => &["xlsx"],
        "application/vnd.ms-powerpoint" => &["ppt"],
        "application/vnd.openxmlformats-officedocument.presentationml.presentation" => &["pptx"],
        "application/vnd.oasis.opendocument.text" => &["odt"],
        "application/vnd.oasis.opendocument.spreadsheet" => &["ods"],
        "application/vnd.oasis.opendocument.presentation" => &["odp"],
        "application/rtf" => &["rtf"],
        _ => &[],
    }
}

/// The name a file is offered under: its cleaned name, with the usual
/// extension of the type found in its content added unless it already
/// ends in one. So text called `invoice.bat` is saved as
/// `invoice.bat.txt`, and nothing is opened by a program its content is
/// not for.
pub fn name_for_type(raw: &str, mime: &str) -> String {
    let name = clean_file_name(raw);
    let fits = name.rsplit_once('.').is_some_and(|(_, ext)| extensions(mime).iter().any(|e| e.eq_ignore_ascii_case(ext)));
    match extensions(mime).first() {
        Some(ext) if !fits => {
            // Cut first, so the extension itself is never what is cut.
            let stem: String = name.chars().take(MAX_FILE_NAME_CHARS - ext.len() - 1).collect();
            format!("{stem}.{ext}")
        }
        _ => name,
    }
}

/// The size of a file for people: "850 B", "12 KB", "3.4 MB".
pub fn size_text(bytes: u64) -> String {
    match bytes {
        0..1_000 => format!("{bytes} B"),
        1_000..1_000_000 => format!("{} KB", bytes.div_ceil(1_000)),
        _ => {
            let tenths = bytes.div_ceil(100_000);
            format!("{}.{} MB", tenths / 10, tenths % 10)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_lose_paths_controls_and_quotes() {
        assert_eq!(clean_file_name("C:\\Users\\mei\\Desktop\\收據.pdf"), "收據.pdf");
        assert_eq!(clean_file_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_file_name("a\"b<c>\u{0}d.txt"), "abcd.txt");
        assert_eq!(clean_file_name("  .hidden "), "hidden");
        assert_eq!(clean_file_name("///"), "file");
        assert_eq!(clean_file_name(&"x".repeat(500)).chars().count(), MAX_FILE_NAME_CHARS);
    }

    #[test]
    fn invisible_direction_marks_are_dropped() {
        assert_eq!(clean_file_name("photo\u{202E}gnp.js"), "photognp.js");
        assert_eq!(clean_file_name("a\u{200B}b\u{FEFF}.txt"), "ab.txt");
    }

    #[test]
    fn a_name_gets_the_extension_of_what_the_file_is() {
        assert_eq!(name_for_type("receipt.PNG", "image/png"), "receipt.PNG");
        assert_eq!(name_for_type("photo.jpeg", "image/jpeg"), "photo.jpeg");
        assert_eq!(name_for_type("orders.csv", "text/plain"), "orders.csv");
        assert_eq!(name_for_type("invoice.bat", "text/plain"), "invoice.bat.txt");
        assert_eq!(name_for_type("page.html", "text/plain"), "page.html.txt");
        assert_eq!(name_for_type("photo.png", "application/pdf"), "photo.png.pdf");
        assert_eq!(name_for_type("image", "image/png"), "image.png");
        assert_eq!(name_for_type("photo\u{202E}gnp.js", "text/plain"), "photognp.js.txt");
        let long = name_for_type(&"x".repeat(500), "application/pdf");
        assert!(long.ends_with(".pdf") && long.chars().count() == MAX_FILE_NAME_CHARS);
    }

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(size_text(0), "0 B");
        assert_eq!(size_text(999), "999 B");
        assert_eq!(size_text(1_000), "1 KB");
        assert_eq!(size_text(12_345), "13 KB");
        assert_eq!(size_text(3_400_000), "3.4 MB");
        assert_eq!(size_text(25_000_000), "25.0 MB");
    }

    #[test]
    fn only_raster_images_are_pictures() {
        let a = |mime: &str| Attachment { id: 1, name: "x".into(), mime: mime.into(), bytes: 1, width: 0, height: 0, url: String::new() };
        assert!(a("image/png").is_image());
        assert!(a("image/webp").is_image());
        assert!(!a("image/svg+xml").is_image());
        assert!(!a("application/pdf").is_image());
    }
}
