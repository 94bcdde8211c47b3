//! The emails Rapport writes, in the reader's language: a conversation's
//! transcript for the visitor, and a message left for the site's team.
//! Each has a plain-text part and an HTML part; everything a visitor or
//! agent wrote is escaped in the HTML, never inserted as markup.

use protocol::{Author, ChatMessage};

use super::Email;
use crate::html::escape;
use crate::notices::{lang, Lang};

/// A time as UTC, `2026-12-01 14:05 UTC` (the email is read later and
/// anywhere, so it names its zone).
fn utc(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms).map_or_else(|_| String::new(), |t| t.strftime("%Y-%m-%d %H:%M UTC").to_string())
}

fn page(lang: Lang, title: &str, body: &str) -> String {
    let tag = match lang {
        Lang::En => "en",
        Lang::Hant => "zh-Hant",
        Lang::Hans => "zh-Hans",
    };
    format!(
        "<!doctype html><html lang=\"{tag}\"><head><meta charset=\"utf-8\"><title>{}</title></head>\
         <body style=\"font-family:system-ui,sans-serif;color:#111827;max-width:640px;margin:0 auto;padding:16px\">{body}</body></html>",
        escape(title)
    )
}

/// The transcript of a conversation with `site_name`, for a visitor whose
/// locale is `locale`.
pub fn transcript(to: &str, site_name: &str, locale: &str, messages: &[ChatMessage]) -> Email {
    let lang = lang(locale);
    let (subject, intro, you) = match lang {
        Lang::En => (format!("Your conversation with {site_name}"), format!("Here is your conversation with {site_name}."), "You"),
        Lang::Hant => (format!("您與 {site_name} 的對話紀錄"), format!("以下是您與 {site_name} 的對話紀錄。"), "您"),
        Lang::Hans => (format!("您与 {site_name} 的对话记录"), format!("以下是您与 {site_name} 的对话记录。"), "您"),
    };
    let who = |m: &ChatMessage| if m.author == Author::Visitor { you.to_string() } else { m.author_name.clone() };
    let mut text = format!("{intro}\n\n");
    let mut rows = String::new();
    for m in messages {
        text.push_str(&format!("[{}] {}: {}\n", utc(m.sent_at_ms), who(m), m.text));
        rows.push_str(&format!(
            "<tr><td style=\"color:#6b7280;white-space:nowrap;vertical-align:top;padding:4px 8px 4px 0\">{}</td>\
             <td style=\"font-weight:600;vertical-align:top;padding:4px 8px 4px 0\">{}</td>\
             <td style=\"white-space:pre-wrap;vertical-align:top;padding:4px 0\">{}</td></tr>",
            escape(&utc(m.sent_at_ms)),
            escape(&who(m)),
            escape(&m.text)
        ));
    }
    let html = page(lang, &subject, &format!("<p>{}</p><table style=\"border-collapse:collapse\">{rows}</table>", escape(&intro)));
    Email { to: to.to_string(), reply_to: String::new(), subject, text, html }
}

/// A message a visitor left while nobody could answer, for the team.
pub fn left_message(to: &str, site_name: &str, name: &str, email: &str, topic: &str, message: &str) -> Email {
    let from = if name.trim().is_empty() { "A visitor".to_string() } else { name.trim().to_string() };
    let subject = format!("[{site_name}] Message from {from}");
    let mut text = format!("{from} left a message on {site_name} while nobody could answer.\n\n");
    if !email.is_empty() {
        text.push_str(&format!("Email: {email}\n"));
    }
    if !topic.is_empty() {
        text.push_str(&format!("Topic: {topic}\n"));
    }
    text.push_str(&format!("\n{message}\n\nAnswer it from the console's Messages left, or reply to this email."));
    let html = page(
        Lang::En,
        &subject,
        &format!(
            "<p><strong>{}</strong> left a message on {} while nobody could answer.</p>{}{}<blockquote style=\"white-space:pre-wrap;border-left:3px solid #d1d5db;margin:12px 0;padding:4px 12px\">{}</blockquote><p>Answer it from the console's Messages left, or reply to this email.</p>",
            escape(&from),
            escape(site_name),
            if email.is_empty() { String::new() } else { format!("<p>Email: {}</p>", escape(email)) },
            if topic.is_empty() { String::new() } else { format!("<p>Topic: {}</p>", escape(topic)) },
            escape(message)
        ),
    );
    Email { to: to.to_string(), reply_to: if super::address(email).is_some() { email.to_string() } else { String::new() }, subject, text, html }
}

#[cfg(test)]
mod tests {
    use super::*;
    use protocol::ClientId;

    fn msg(author: Author, name: &str, text: &str) -> ChatMessage {
        ChatMessage {
            seq: 1,
            client_id: ClientId::parse("c1").unwrap(),
            author,
            author_name: name.into(),
            text: text.into(),
            sent_at_ms: 1_764_597_900_000,
            file: None,
        }
    }

    #[test]
    fn a_transcript_has_both_parts_in_the_visitors_language_and_escapes_html() {
        let messages = [msg(Author::Visitor, "Ada", "<b>我的訂單</b> & more"), msg(Author::Agent, "林美 Mei", "已為您查詢")];
        let e = transcript("ada@example.com", "Northwind", "zh-TW", &messages);
        assert_eq!(e.subject, "您與 Northwind 的對話紀錄");
        assert!(e.text.contains("您: <b>我的訂單</b> & more") && e.text.contains("林美 Mei: 已為您查詢"), "{}", e.text);
        assert!(e.html.contains("&lt;b&gt;我的訂單&lt;/b&gt; &amp; more") && !e.html.contains("<b>我"), "{}", e.html);
        assert!(e.html.contains("lang=\"zh-Hant\""));
        assert!(e.text.contains("UTC"));
    }

    #[test]
    fn a_left_message_replies_to_the_visitor() {
        let e = left_message("team@shop.example", "Northwind", "Ada", "ada@example.com", "Billing", "Call me <now>");
        assert_eq!(e.reply_to, "ada@example.com");
        assert!(e.subject.contains("Ada") && e.html.contains("Call me &lt;now&gt;"));
        let anonymous = left_message("team@shop.example", "Northwind", "", "not an address", "", "hi");
        assert_eq!(anonymous.reply_to, "");
        assert!(anonymous.subject.contains("A visitor"));
    }
}
