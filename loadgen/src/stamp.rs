//! Send times carried inside message text, so the receiving side can time
//! delivery without any side channel. Both sides run on this machine and
//! read the same clock.

use std::time::{SystemTime, UNIX_EPOCH};

const MARK: &str = " t=";

/// Microseconds since the Unix epoch.
pub fn now_us() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_micros() as u64).unwrap_or(0)
}

/// `label` with the time `at_us` appended.
pub fn write_at(label: &str, at_us: u64) -> String {
    format!("{label}{MARK}{at_us}")
}

/// The send time in a text made by [`write_at`].
pub fn read(text: &str) -> Option<u64> {
    text.rsplit_once(MARK).and_then(|(_, t)| t.parse().ok())
}

/// The send time in a raw frame whose text was made by [`write_at`]: the
/// digits after the mark, up to the closing quote.
pub fn read_raw(frame: &str) -> Option<u64> {
    let (_, after) = frame.rsplit_once(MARK)?;
    let digits = after.find(|c: char| !c.is_ascii_digit()).map_or(after, |end| &after[..end]);
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stamp_reads_back() {
        assert_eq!(read(&write_at("visitor 3 message 1", 42)), Some(42));
        assert!(read(&write_at("x", now_us())).is_some_and(|t| t > 0));
        assert_eq!(read("no stamp"), None);
        let frame = r#"{"type":"message","conversation_id":1,"message":{"seq":1,"text":"visitor 1 message 2 t=1234","sent_at_ms":5}}"#;
        assert_eq!(read_raw(frame), Some(1234));
    }
}
