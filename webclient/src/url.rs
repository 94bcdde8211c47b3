//! Where the WebSocket endpoints are, derived from the backend's origin.

/// `http://host:8080` + `/ws/v1/visitor?site=x` → `ws://host:8080/ws/v1/visitor?site=x`
/// (and https → wss). A base without a scheme is taken as it is.
pub fn ws_url(base: &str, path_and_query: &str) -> String {
    let base = base.trim_end_matches('/');
    let base = if let Some(rest) = base.strip_prefix("https://") {
        format!("wss://{rest}")
    } else if let Some(rest) = base.strip_prefix("http://") {
        format!("ws://{rest}")
    } else {
        base.to_string()
    };
    format!("{base}{path_and_query}")
}

/// Percent-encodes a query value (site keys are plain, but a site owner
/// could still put anything in `data-site`).
pub fn encode_query_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemes_map_to_websocket_schemes() {
        assert_eq!(ws_url("http://127.0.0.1:8080/", "/ws/v1/agent"), "ws://127.0.0.1:8080/ws/v1/agent");
        assert_eq!(ws_url("https://chat.example", "/x"), "wss://chat.example/x");
        assert_eq!(ws_url("", "/x"), "/x");
    }

    #[test]
    fn query_values_are_escaped() {
        assert_eq!(encode_query_value("demo-shop"), "demo-shop");
        assert_eq!(encode_query_value("a b&c"), "a%20b%26c");
    }
}
