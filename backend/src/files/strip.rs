//! Taking what a photo says about where and with what it was taken out of
//! it before it is stored: EXIF (GPS position, camera make, model and
//! serial, times), XMP and IPTC blocks and text chunks. Nothing is
//! decoded or re-encoded, so the pixels and colour profile are untouched.
//!
//! JPEG is walked here, marker by marker (see `clean_jpeg`); PNG and WebP
//! chunks through `img-parts`.
//!
//! One thing from EXIF is kept: the orientation, which a phone writes
//! instead of turning the pixels; without it the photo would show on its
//! side. It is written back as an EXIF block holding that tag alone.

use bytes::Bytes;
use img_parts::jpeg::markers;
use img_parts::png::Png;
use img_parts::webp::WebP;
use img_parts::ImageEXIF;

/// An image ready to store, with its pixel size as shown (a photo turned
/// by its orientation reports the turned size).
#[derive(Debug)]
pub struct Cleaned {
    pub bytes: Bytes,
    pub width: u32,
    pub height: u32,
}

/// Why an image could not be cleaned: its structure is broken, so it is
/// refused rather than stored with whatever it carries.
#[derive(Debug, thiserror::Error)]
#[error("the image could not be read")]
pub struct BadImage;

/// PNG chunks that carry text or times (`eXIf` is EXIF; `tEXt`, `zTXt` and
/// `iTXt` hold XMP and free text such as a camera's comment).
const PNG_DROPPED: [&[u8; 4]; 5] = [b"eXIf", b"tEXt", b"zTXt", b"iTXt", b"tIME"];

/// Removes location and camera metadata from a PNG, JPEG, WebP or GIF.
pub fn clean_image(mime: &str, bytes: Bytes) -> Result<Cleaned, BadImage> {
    let (cleaned, turned) = match mime {
        "image/jpeg" => clean_jpeg(&bytes)?,
        "image/png" => {
            let mut png = Png::from_bytes(bytes).map_err(|_| BadImage)?;
            png.chunks_mut().retain(|c| !PNG_DROPPED.contains(&&c.kind()));
            (png.encoder().bytes(), false)
        }
        "image/webp" => {
            let mut webp = WebP::from_bytes(bytes).map_err(|_| BadImage)?;
            webp.set_exif(None);
            webp.remove_chunks_by_id(*b"XMP ");
            (webp.encoder().bytes(), false)
        }
        // GIF has no place for EXIF; its comments are not read by cameras.
        _ => (bytes, false),
    };
    let size = imagesize::blob_size(&cleaned).map_err(|_| BadImage)?;
    let (w, h) = (u32::try_from(size.width).unwrap_or(0), u32::try_from(size.height).unwrap_or(0));
    let (width, height) = if turned { (h, w) } else { (w, h) };
    Ok(Cleaned { bytes: cleaned, width, height })
}

/// Walks the JPEG marker by marker and keeps what a decoder needs: JFIF
/// (APP0), the colour profile (APP2 `ICC_PROFILE`), Adobe's colour
/// transform (APP14), tables, frames and every scan's data. Every other
/// application segment and comment goes, wherever it is (between the
/// scans of a progressive JPEG too), and so does everything after the
/// end-of-image marker: phones append more images there (Multi-Picture
/// Format), each with its own EXIF. True when the kept orientation turns
/// the picture by a quarter, so its width and height swap on screen.
fn clean_jpeg(bytes: &[u8]) -> Result<(Bytes, bool), BadImage> {
    if !bytes.starts_with(&[0xFF, 0xD8]) {
        return Err(BadImage);
    }
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(&[0xFF, 0xD8]);
    let mut orientation = None;
    let mut exif_at = 2;
    let mut i = 2;
    loop {
        // A marker: 0xFF (perhaps several, as fill), then its code.
        if bytes.get(i) != Some(&0xFF) {
            return Err(BadImage);
        }
        while bytes.get(i) == Some(&0xFF) {
            i += 1;
        }
        let marker = *bytes.get(i).ok_or(BadImage)?;
        i += 1;
        match marker {
            markers::EOI => break,
            0xD0..=0xD7 | 0x01 => {
                out.extend_from_slice(&[0xFF, marker]);
                continue;
            }
            _ => {}
        }
        let length = usize::from(u16::from_be_bytes([*bytes.get(i).ok_or(BadImage)?, *bytes.get(i + 1).ok_or(BadImage)?]));
        let end = i + length;
        let body = bytes.get(i + 2..end).filter(|_| length >= 2).ok_or(BadImage)?;
        let keep = match marker {
            markers::APP0 | markers::APP14 => true,
            markers::APP2 => body.starts_with(b"ICC_PROFILE\0"),
            markers::APP1 => {
                if let Some(exif) = body.strip_prefix(b"Exif\0\0") {
                    orientation = orientation.or_else(|| read_orientation(exif));
                }
                false
            }
            markers::APP3..=markers::APP15 | markers::COM => false,
            _ => true,
        };
        if keep {
            out.extend_from_slice(&[0xFF, marker]);
            out.extend_from_slice(&bytes[i..end]);
            if marker == markers::APP0 && exif_at == 2 {
                exif_at = out.len();
            }
        }
        i = end;
        if marker == markers::SOS {
            // The scan's data runs to the next marker: a 0xFF that is not
            // a stuffed 0xFF00 or a restart marker.
            let start = i;
            while i < bytes.len() && !(bytes[i] == 0xFF && bytes.get(i + 1).is_some_and(|m| !matches!(m, 0x00 | 0xD0..=0xD7))) {
                i += 1;
            }
            out.extend_from_slice(&bytes[start..i]);
            // A file cut short after its data still shows; it is ended here.
            if i >= bytes.len() {
                break;
            }
        }
    }
    out.extend_from_slice(&[0xFF, markers::EOI]);
    let orientation = orientation.filter(|o| (2..=8).contains(o));
    if let Some(o) = orientation {
        let segment = [&[0xFF, markers::APP1][..], &u16::try_from(2 + 6 + 26).unwrap_or(0).to_be_bytes(), b"Exif\0\0", &orientation_only(o)].concat();
        out.splice(exif_at..exif_at, segment);
    }
    Ok((Bytes::from(out), orientation.is_some_and(|o| o >= 5)))
}

fn read_orientation(exif: &[u8]) -> Option<u16> {
    let exif = exif::Reader::new().read_raw(exif.to_vec()).ok()?;
    let field = exif.get_field(exif::Tag::Orientation, exif::In::PRIMARY)?;
    field.value.get_uint(0).and_then(|v| u16::try_from(v).ok())
}

/// A TIFF header (big-endian) and one directory with a single entry:
/// Orientation (0x0112), a SHORT, count 1.
fn orientation_only(value: u16) -> Bytes {
    let mut tiff = Vec::with_capacity(26);
    tiff.extend_from_slice(b"MM\x00\x2A\x00\x00\x00\x08");
    tiff.extend_from_slice(&1u16.to_be_bytes());
    tiff.extend_from_slice(&[0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01]);
    tiff.extend_from_slice(&value.to_be_bytes());
    tiff.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
    Bytes::from(tiff)
}

#[cfg(test)]
mod tests {
    use exif::experimental::Writer;
    use exif::{Field, In, Rational, Tag, Value};
    use img_parts::jpeg::{Jpeg, JpegSegment};
    use img_parts::png::PngChunk;

    use super::*;

    /// EXIF as a phone writes it: where, with what, and which way up.
    fn phone_exif(orientation: u16) -> Bytes {
        let make = Field { tag: Tag::Make, ifd_num: In::PRIMARY, value: Value::Ascii(vec![b"PhoneMaker".to_vec()]) };
        let model = Field { tag: Tag::Model, ifd_num: In::PRIMARY, value: Value::Ascii(vec![b"Pocket 12".to_vec()]) };
        let turn = Field { tag: Tag::Orientation, ifd_num: In::PRIMARY, value: Value::Short(vec![orientation]) };
        let latitude = Field {
            tag: Tag::GPSLatitude,
            ifd_num: In::PRIMARY,
            value: Value::Rational(vec![Rational { num: 25, denom: 1 }, Rational { num: 2, denom: 1 }, Rational { num: 1234, denom: 100 }]),
        };
        let mut writer = Writer::new();
        for f in [&make, &model, &turn, &latitude] {
            writer.push_field(f);
        }
        let mut out = std::io::Cursor::new(Vec::new());
        writer.write(&mut out, false).unwrap();
        Bytes::from(out.into_inner())
    }

    /// The structure of a baseline JPEG, 8 wide and 6 high: enough for the
    /// segment reader and the size reader, which is all this module uses.
    fn jpeg(extra: Vec<JpegSegment>) -> Bytes {
        let mut bytes = vec![0xFF, 0xD8];
        let mut segment = |marker: u8, body: &[u8]| {
            bytes.extend_from_slice(&[0xFF, marker]);
            bytes.extend_from_slice(&u16::try_from(body.len() + 2).unwrap().to_be_bytes());
            bytes.extend_from_slice(body);
        };
        segment(markers::APP0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00");
        segment(markers::SOF0, &[8, 0, 6, 0, 8, 1, 1, 0x11, 0]);
        segment(markers::SOS, &[1, 1, 0, 0, 0x3F, 0]);
        bytes.extend_from_slice(&[0x12, 0x34, 0xFF, 0xD9]);
        let mut jpeg = Jpeg::from_bytes(Bytes::from(bytes)).unwrap();
        for (i, s) in extra.into_iter().enumerate() {
            jpeg.segments_mut().insert(1 + i, s);
        }
        jpeg.encoder().bytes()
    }

    fn contains(haystack: &[u8], needle: &[u8]) -> bool {
        haystack.windows(needle.len()).any(|w| w == needle)
    }

    #[test]
    fn a_photo_loses_its_place_and_camera_but_keeps_its_way_up() {
        let mut with_exif = Jpeg::from_bytes(jpeg(vec![
            JpegSegment::new_with_contents(markers::APP1, Bytes::from_static(b"http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta>Taipei 101</x:xmpmeta>")),
            JpegSegment::new_with_contents(markers::COM, Bytes::from_static(b"shot at home")),
            JpegSegment::new_with_contents(markers::APP13, Bytes::from_static(b"Photoshop 3.0\x00IPTC city")),
        ]))
        .unwrap();
        with_exif.set_exif(Some(phone_exif(6)));
        let original = with_exif.encoder().bytes();
        assert!(contains(&original, b"PhoneMaker"));

        let cleaned = clean_image("image/jpeg", original).unwrap();
        for secret in [&b"PhoneMaker"[..], b"Pocket 12", b"Taipei 101", b"shot at home", b"IPTC city"] {
            assert!(!contains(&cleaned.bytes, secret), "{} survived", String::from_utf8_lossy(secret));
        }
        let kept = Jpeg::from_bytes(cleaned.bytes.clone()).unwrap().exif().unwrap();
        assert_eq!(read_orientation(&kept), Some(6));
        let exif = exif::Reader::new().read_raw(kept.to_vec()).unwrap();
        assert!(exif.get_field(Tag::GPSLatitude, In::PRIMARY).is_none());
        assert_eq!(exif.fields().count(), 1, "orientation alone");
        // Turned a quarter: 8 by 6 in pixels, 6 by 8 on screen.
        assert_eq!((cleaned.width, cleaned.height), (6, 8));
    }

    #[test]
    fn images_appended_after_the_end_and_their_index_are_dropped() {
        let mut second = Jpeg::from_bytes(jpeg(vec![])).unwrap();
        second.set_exif(Some(phone_exif(1)));
        let mpf_index = JpegSegment::new_with_contents(markers::APP2, Bytes::from_static(b"MPF\0index of the pictures after the end"));
        let icc = JpegSegment::new_with_contents(markers::APP2, Bytes::from_static(b"ICC_PROFILE\0\x01\x01profile"));
        let first = jpeg(vec![icc, mpf_index]);
        let phone = [&first[..], &second.encoder().bytes()[..]].concat();
        assert!(contains(&phone, b"PhoneMaker"));
        let cleaned = clean_image("image/jpeg", Bytes::from(phone)).unwrap();
        assert!(!contains(&cleaned.bytes, b"PhoneMaker"), "the appended picture's EXIF survived");
        assert!(!contains(&cleaned.bytes, b"index of the pictures"), "the picture index survived");
        assert!(contains(&cleaned.bytes, b"ICC_PROFILE"), "the colour profile was dropped");
        assert!(cleaned.bytes.ends_with(&[0x12, 0x34, 0xFF, 0xD9]), "the first picture's data and end are kept");
    }

    #[test]
    fn an_upright_photo_keeps_no_exif_at_all() {
        let mut jpeg = Jpeg::from_bytes(jpeg(vec![])).unwrap();
        jpeg.set_exif(Some(phone_exif(1)));
        let cleaned = clean_image("image/jpeg", jpeg.encoder().bytes()).unwrap();
        assert!(Jpeg::from_bytes(cleaned.bytes).unwrap().exif().is_none());
        assert_eq!((cleaned.width, cleaned.height), (8, 6));
    }

    #[test]
    fn a_png_loses_its_text_and_exif_chunks() {
        let mut png = Png::from_bytes(Bytes::from_static(include_bytes!("testdata/tiny.png"))).unwrap();
        let at = png.chunks().len() - 1;
        png.chunks_mut().insert(at, PngChunk::new(*b"tEXt", Bytes::from_static(b"Comment\x00GPS 25.03N 121.56E")));
        png.chunks_mut().insert(at, PngChunk::new(*b"eXIf", phone_exif(1)));
        let cleaned = clean_image("image/png", png.encoder().bytes()).unwrap();
        assert!(!contains(&cleaned.bytes, b"121.56E") && !contains(&cleaned.bytes, b"PhoneMaker"));
        assert_eq!((cleaned.width, cleaned.height), (8, 6));
        let kinds: Vec<[u8; 4]> = Png::from_bytes(cleaned.bytes).unwrap().chunks().iter().map(|c| c.kind()).collect();
        assert_eq!(kinds, [*b"IHDR", *b"IDAT", *b"IEND"]);
    }

    #[test]
    fn a_broken_image_is_refused() {
        assert!(clean_image("image/png", Bytes::from_static(b"\x89PNG\r\n\x1a\nbroken")).is_err());
        assert!(clean_image("image/jpeg", Bytes::from_static(&[0xFF, 0xD8, 0xFF])).is_err());
    }
}
