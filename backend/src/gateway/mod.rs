//! The gateway: WebSocket endpoints for visitors and agents. It checks
//! everything a client sends, stores it, tells the routing task what
//! happened, and fans results out through the hub.
//!
//! `serve` is the life every connection shares (hello, welcome, frames,
//! goodbye); `socket` the plumbing of one WebSocket; `visitor` and `agent`
//! what each side may do.

mod agent;
pub(crate) mod rate_limit;
mod serve;
mod socket;
mod typing;
mod visitor;

pub use agent::agent_ws;
pub use socket::parse_frame;
pub use typing::TypingGate;
pub(crate) use visitor::visitor_author_name;
pub use visitor::visitor_ws;

use protocol::visitor::PageInfo;

/// Cuts client-supplied descriptive text (a page title, a locale) to a
/// sane length, dropping control characters, which have no business there.
fn clip(s: &str, max_chars: usize) -> String {
    s.chars().filter(|c| !c.is_control()).take(max_chars).collect()
}

/// The page a visitor reports, cut to sane lengths.
fn clip_page(page: PageInfo) -> PageInfo {
    PageInfo { url: clip(&page.url, 2000), title: clip(&page.title, 300) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptive_text_is_clipped_by_characters() {
        assert_eq!(clip("你好世界", 2), "你好");
        assert_eq!(clip("a\0b\u{1b}[31mc", 10), "ab[31mc");
        assert_eq!(clip_page(PageInfo { url: "u".repeat(3000), title: String::new() }).url.len(), 2000);
    }
}
