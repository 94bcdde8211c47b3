//! Send times carried inside message text, so the receiving side can time
//! delivery without any side channel. Both sides run on this machine and
//! read the same clock.

use std::time::{SystemTime, UNIX_EPOCH};

const MARK: &str = " t=";

/// Microseconds since the Unix epoch.
pub fn now_us() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_micros() as u64).unwrap_or(0)
}

/// `label` with the current time appended.
pub fn write(label: &str) -> String {
    format!("{label}{MARK}{}", now_us())
}

/// The send time in a text made by [`write`].
pub fn read(text: &str) -> Option<u64> {
    text.rsplit_once(MARK).and_then(|(_, t)| t.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_written_stamp_reads_back() {
        let text = write("visitor 3 message 1");
        assert!(read(&text).is_some_and(|t| t <= now_us()));
        assert_eq!(read("no stamp here"), None);
    }
}
