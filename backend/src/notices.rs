//! The few sentences the server itself writes into a conversation, in the
//! visitor's language (English, Traditional or Simplified Chinese), since
//! the visitor and the agent both read them in the transcript.

/// Which of the three languages a locale asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Lang {
    En,
    Hant,
    Hans,
}

fn lang(locale: &str) -> Lang {
    let l = locale.to_ascii_lowercase();
    if !l.starts_with("zh") {
        Lang::En
    } else if l.contains("hant") || l.ends_with("-tw") || l.ends_with("-hk") || l.ends_with("-mo") {
        Lang::Hant
    } else {
        Lang::Hans
    }
}

/// Told when an agent hands the conversation to someone else.
pub fn transferred_to(locale: &str, to: &str) -> String {
    match lang(locale) {
        Lang::En => format!("You are being transferred to {to}."),
        Lang::Hant => format!("正在為您轉接至{to}。"),
        Lang::Hans => format!("正在为您转接至{to}。"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notices_follow_the_visitors_language() {
        assert_eq!(transferred_to("en-GB", "Billing"), "You are being transferred to Billing.");
        assert_eq!(transferred_to("zh-TW", "Sam"), "正在為您轉接至Sam。");
        assert_eq!(transferred_to("zh-Hant-HK", "Sam"), "正在為您轉接至Sam。");
        assert_eq!(transferred_to("zh-CN", "Sam"), "正在为您转接至Sam。");
        assert_eq!(transferred_to("", "Sam"), "You are being transferred to Sam.");
    }
}
