//! Reading a node's `/metrics` (Prometheus text format) in tests and
//! benchmarks.

/// The sum of every sample of `name` whose labels contain `labels` (`""`
/// for all); 0 when there is none, as for a counter not yet touched.
/// Lines that are not samples (comments, HTTP headers) are skipped.
pub fn metric(text: &str, name: &str, labels: &str) -> f64 {
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| line.rsplit_once(' '))
        .filter(|(key, _)| (*key == name || key.starts_with(&format!("{name}{{"))) && key.contains(labels))
        .filter_map(|(_, value)| value.trim().parse::<f64>().ok())
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_are_summed_by_name_and_labels() {
        let text = "# TYPE c counter\nc 3\nc_other 9\ng{kind=\"visitor\",node=\"a\"} 2\ng{kind=\"agent\",node=\"a\"} 1\ng{kind=\"visitor\",node=\"b\"} 4\n";
        assert_eq!(metric(text, "c", ""), 3.0);
        assert_eq!(metric(text, "g", "kind=\"visitor\""), 6.0);
        assert_eq!(metric(text, "g", ""), 7.0);
        assert_eq!(metric(text, "missing", ""), 0.0);
    }
}
