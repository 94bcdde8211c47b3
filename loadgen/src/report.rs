//! Figures, one per line as `name: value unit`.

/// The nearest-rank percentile `p` (0–100) of sorted values.
pub fn percentile(sorted: &[u64], p: f64) -> Option<u64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, sorted.len()) - 1])
}

/// Microseconds as milliseconds with two decimals, or `n/a`.
pub fn ms(us: Option<u64>) -> String {
    us.map(|us| format!("{:.2}", us as f64 / 1000.0)).unwrap_or_else(|| "n/a".into())
}

/// The closed loop's figures.
pub struct ClosedFigures {
    pub connections_held: u64,
    pub messages_delivered: u64,
    pub send_window_secs: f64,
    pub latencies_us: Vec<u64>,
    pub rss_idle_kib: u64,
    pub rss_loaded_kib: u64,
    pub connections_added: u64,
}

impl ClosedFigures {
    pub fn lines(&self) -> Vec<String> {
        let mut sorted = self.latencies_us.clone();
        sorted.sort_unstable();
        let rate = if self.send_window_secs > 0.0 { self.messages_delivered as f64 / self.send_window_secs } else { 0.0 };
        let grown_kib = self.rss_loaded_kib.saturating_sub(self.rss_idle_kib) as f64;
        let per_connection = if self.connections_added > 0 { grown_kib / self.connections_added as f64 } else { 0.0 };
        vec![
            format!("connections_held: {} connections", self.connections_held),
            format!("messages_delivered: {} messages", self.messages_delivered),
            format!("messages_per_second: {rate:.0} msg/s"),
            format!("latency_p50: {} ms", ms(percentile(&sorted, 50.0))),
            format!("latency_p99: {} ms", ms(percentile(&sorted, 99.0))),
            format!("server_rss_idle: {:.1} MiB", self.rss_idle_kib as f64 / 1024.0),
            format!("server_rss_loaded: {:.1} MiB", self.rss_loaded_kib as f64 / 1024.0),
            format!("server_memory_per_chatting_connection: {per_connection:.1} KiB"),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_use_the_nearest_rank() {
        let values: Vec<u64> = (1..=100).collect();
        assert_eq!(percentile(&values, 50.0), Some(50));
        assert_eq!(percentile(&values, 99.0), Some(99));
        assert_eq!(percentile(&[7], 99.0), Some(7));
        assert_eq!(percentile(&[], 50.0), None);
    }

    #[test]
    fn every_figure_is_one_name_value_unit_line() {
        let figures = ClosedFigures {
            connections_held: 420,
            messages_delivered: 2000,
            send_window_secs: 2.0,
            latencies_us: vec![1500, 2500],
            rss_idle_kib: 10 * 1024,
            rss_loaded_kib: 30 * 1024,
            connections_added: 400,
        };
        let lines = figures.lines();
        assert_eq!(lines[2], "messages_per_second: 1000 msg/s");
        assert_eq!(lines[3], "latency_p50: 1.50 ms");
        assert_eq!(lines[7], "server_memory_per_chatting_connection: 51.2 KiB");
        assert!(lines.iter().all(|l| l.split(": ").count() == 2 && l.split(' ').count() == 3));
    }
}
