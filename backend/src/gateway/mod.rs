//! The gateway: WebSocket endpoints for visitors and agents. It validates
//! everything a client sends, stores it, tells the routing task what
//! happened, and fans results out through the hub.

mod agent;
mod connection;
mod rate_limit;
mod visitor;

pub use agent::agent_ws;
pub use connection::parse_frame;
pub use visitor::visitor_ws;

use protocol::{ErrorCode, MAX_CLIENT_ID_CHARS};

/// A client id is the sender's idempotency key: short and plain.
fn check_client_id(id: &str) -> Result<(), (ErrorCode, &'static str)> {
    let ok = !id.is_empty() && id.chars().count() <= MAX_CLIENT_ID_CHARS && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(())
    } else {
        Err((ErrorCode::Invalid, "client_id must be 1 to 64 letters, digits, '-' or '_'"))
    }
}

/// Checks a chat message's text: not blank, not over the limit.
fn check_text(text: &str) -> Result<(), (ErrorCode, &'static str)> {
    if text.trim().is_empty() {
        Err((ErrorCode::Invalid, "a message cannot be empty"))
    } else if !protocol::message_text_is_valid(text) {
        Err((ErrorCode::TooLarge, "a message can have at most 4000 characters"))
    } else {
        Ok(())
    }
}

/// Cuts client-supplied descriptive text to a sane length.
fn clip(s: &str, max_chars: usize) -> String {
    s.chars().take(max_chars).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_ids_are_checked() {
        assert!(check_client_id("m-1699_abc").is_ok());
        assert!(check_client_id("").is_err());
        assert!(check_client_id("has space").is_err());
        assert!(check_client_id(&"x".repeat(65)).is_err());
    }

    #[test]
    fn texts_are_checked() {
        assert!(check_text("<img src=x onerror=alert(1)>").is_ok());
        assert_eq!(check_text("   ").unwrap_err().0, ErrorCode::Invalid);
        assert_eq!(check_text(&"a".repeat(4001)).unwrap_err().0, ErrorCode::TooLarge);
        assert_eq!(clip("你好世界", 2), "你好");
    }
}
