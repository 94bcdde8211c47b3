//! An article's body as HTML for the widget, made safe here so the widget
//! only inserts it.
//!
//! Markdown can carry raw HTML and links to `javascript:`; an article is
//! written by agents, but the page it is shown in is a customer's shop, so
//! neither gets through: raw HTML is shown as the text it is, and a link or
//! picture goes only to `https:`, `http:` or `mailto:` (pictures only to
//! `https:`). Everything else pulldown-cmark escapes itself. Links open in
//! a new tab and tell the target nothing of the page they came from.
//!
//! [`to_text`] is the same body as plain text, for an agent to insert into
//! a chat, which shows text only.

use protocol::articles::ArticleFormat;

use crate::html::escape;
use pulldown_cmark::{html, CowStr, Event, LinkType, Options, Parser, Tag, TagEnd};

fn link_allowed(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    lower.starts_with("https://") || lower.starts_with("http://") || lower.starts_with("mailto:")
}

/// Plain text: paragraphs at blank lines, line breaks kept.
fn text_html(body: &str) -> String {
    body.split("\n\n").map(str::trim).filter(|p| !p.is_empty()).map(|p| format!("<p>{}</p>", escape(p).replace('\n', "<br>"))).collect()
}

fn markdown_html(body: &str) -> String {
    let mut open_links: Vec<bool> = Vec::new();
    let mut in_image = 0usize;
    let events = Parser::new_ext(body, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH).filter_map(|event| match event {
        // Raw HTML is shown, never run.
        Event::Html(raw) | Event::InlineHtml(raw) => Some(Event::Text(raw)),
        // A line break in the text stays one, as people who write help
        // articles expect (and as plain text would show it).
        Event::SoftBreak => Some(Event::HardBreak),
        Event::Start(Tag::Link { link_type, dest_url, .. }) => {
            // An e-mail autolink (<help@shop.example>) comes without its
            // scheme.
            let url = if link_type == LinkType::Email { format!("mailto:{dest_url}") } else { dest_url.trim().to_string() };
            let allowed = link_allowed(&url);
            open_links.push(allowed);
            allowed.then(|| Event::Html(CowStr::from(format!("<a href=\"{}\" target=\"_blank\" rel=\"noopener noreferrer nofollow\">", escape(&url)))))
        }
        Event::End(TagEnd::Link) => open_links.pop().unwrap_or(false).then_some(Event::Html(CowStr::Borrowed("</a>"))),
        // A picture from anywhere but https would show the visitor's
        // address to whoever serves it over plain HTTP; those become their
        // description.
        Event::Start(Tag::Image { dest_url, title, link_type, id }) => {
            if dest_url.trim().to_ascii_lowercase().starts_with("https://") {
                Some(Event::Start(Tag::Image { dest_url, title, link_type, id }))
            } else {
                in_image += 1;
                None
            }
        }
        Event::End(TagEnd::Image) if in_image > 0 => {
            in_image -= 1;
            None
        }
        other => Some(other),
    });
    // Autolinks and e-mail links arrive as `Tag::Link` too, so every link
    // passes the check above.
    let mut out = String::new();
    html::push_html(&mut out, events);
    out
}

/// A Markdown body as the text it reads as: marks taken out, list items
/// bulleted, a link's address after its words.
fn markdown_text(body: &str) -> String {
    let mut out = String::new();
    let mut links: Vec<String> = Vec::new();
    for event in Parser::new_ext(body, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH) {
        match event {
            Event::Text(t) | Event::Code(t) | Event::Html(t) | Event::InlineHtml(t) => out.push_str(&t),
            Event::SoftBreak | Event::HardBreak => out.push('\n'),
            Event::Start(Tag::Item) => out.push_str("• "),
            Event::Start(Tag::Link { link_type, dest_url, .. }) => {
                links.push(if link_type == LinkType::Email || link_type == LinkType::Autolink { String::new() } else { dest_url.to_string() })
            }
            Event::End(TagEnd::Link) => {
                if let Some(url) = links.pop().filter(|u| !u.is_empty()) {
                    out.push_str(&format!(" ({url})"));
                }
            }
            Event::End(TagEnd::Paragraph | TagEnd::Heading(_) | TagEnd::CodeBlock | TagEnd::TableRow | TagEnd::TableHead) => out.push_str("\n\n"),
            Event::End(TagEnd::Item) => out.push('\n'),
            Event::End(TagEnd::List(_)) => out.push('\n'),
            Event::End(TagEnd::TableCell) => out.push(' '),
            _ => {}
        }
    }
    // Blank lines where a list ended after its last item's line break.
    while out.contains("\n\n\n") {
        out = out.replace("\n\n\n", "\n\n");
    }
    out.trim().to_string()
}

/// The body as plain text.
pub fn to_text(format: ArticleFormat, body: &str) -> String {
    match format {
        ArticleFormat::Text => body.trim().to_string(),
        ArticleFormat::Markdown => markdown_text(body),
    }
}

/// The body as safe HTML.
pub fn to_html(format: ArticleFormat, body: &str) -> String {
    match format {
        ArticleFormat::Text => text_html(body),
        ArticleFormat::Markdown => markdown_html(body),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn md(body: &str) -> String {
        to_html(ArticleFormat::Markdown, body)
    }

    #[test]
    fn plain_text_is_escaped_into_paragraphs() {
        assert_eq!(to_html(ArticleFormat::Text, "a <b>\nc\n\n\nd & e"), "<p>a &lt;b&gt;<br>c</p><p>d &amp; e</p>");
    }

    #[test]
    fn markdown_renders_its_own_markup() {
        let html = md("# Refunds\n\n**Five** days.\n\n- one\n- two");
        assert!(html.contains("<h1>Refunds</h1>"), "{html}");
        assert!(html.contains("<strong>Five</strong>"));
        assert!(html.contains("<li>one</li>"));
    }

    #[test]
    fn raw_html_is_shown_not_run() {
        let html = md("hi <script>alert(1)</script>\n\n<img src=x onerror=alert(1)>");
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(html.contains("&lt;script&gt;"));
    }

    #[test]
    fn only_web_and_mail_links_survive() {
        let html = md("[ok](https://shop.example/refunds) [bad](javascript:alert(1)) [Bad](JaVaScRiPt:x) <mailto:help@shop.example>");
        assert!(html.contains(r#"<a href="https://shop.example/refunds" target="_blank" rel="noopener noreferrer nofollow">ok</a>"#), "{html}");
        assert!(!html.to_ascii_lowercase().contains("javascript"), "{html}");
        assert!(html.contains("bad") && html.contains("Bad"), "the text of a refused link stays: {html}");
        assert!(html.contains(r#"href="mailto:help@shop.example""#));
    }

    #[test]
    fn quotes_cannot_leave_the_attribute() {
        let html = md(r#"[x](https://a.example/"onmouseover="alert(1))"#);
        assert!(!html.contains(r#""onmouseover"#), "{html}");
    }

    #[test]
    fn markdown_reads_as_text_for_the_chat() {
        let text = to_text(ArticleFormat::Markdown, "# Refunds\n\n**Five** days, see [the form](https://shop.example/r).\n\n- one\n- two\n\nEnd <b>x</b>");
        assert_eq!(text, "Refunds\n\nFive days, see the form (https://shop.example/r).\n\n• one\n• two\n\nEnd <b>x</b>");
        assert_eq!(to_text(ArticleFormat::Text, " **as is** "), "**as is**");
    }

    #[test]
    fn pictures_load_only_over_https() {
        assert!(md("![cat](https://cdn.example/cat.png)").contains("<img src=\"https://cdn.example/cat.png\""));
        let html = md("![tracker](http://evil.example/p.gif)");
        assert!(!html.contains("<img"), "{html}");
        assert!(html.contains("tracker"));
    }
}
