//! Message times as people read them: "14:05" today, "3 Nov 14:05" before.

/// Formats `ms` (Unix epoch milliseconds) as `HH:MM` in the browser's time
/// zone; the date is left to the list's day separators.
pub fn clock(ms: i64) -> String {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms as f64));
    format_hm(date.get_hours(), date.get_minutes())
}

/// Milliseconds since the Unix epoch, now.
pub fn now_ms() -> i64 {
    js_sys::Date::now() as i64
}

fn format_hm(hours: u32, minutes: u32) -> String {
    format!("{hours:02}:{minutes:02}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn pads_to_two_digits() {
        assert_eq!(super::format_hm(9, 5), "09:05");
        assert_eq!(super::format_hm(23, 59), "23:59");
    }
}
