//! The few sentences the server itself writes into a conversation, in the
//! visitor's language (English, Traditional or Simplified Chinese), since
//! the visitor and the agent both read them in the transcript.

use protocol::callback::CallbackRefusal;

/// Which of the three languages a locale asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    En,
    Hant,
    Hans,
}

/// The language for a visitor's locale, by the rule saved replies use.
pub fn lang(locale: &str) -> Lang {
    match protocol::canned::reply_language(locale) {
        "zh-Hant" => Lang::Hant,
        "zh-Hans" => Lang::Hans,
        _ => Lang::En,
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

/// A step of a co-browse session, as a line in its chat.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CobrowseStep {
    Started,
    Declined,
    Control,
    Ended,
}

/// Told in the chat as a co-browse session moves on, so both sides (and
/// the transcript) see when it started, when control was given and when
/// it ended.
pub fn cobrowse(locale: &str, step: CobrowseStep, agent: &str) -> String {
    use CobrowseStep::*;
    match (lang(locale), step) {
        (Lang::En, Started) => format!("Co-browsing started: {agent} can see this page."),
        (Lang::Hant, Started) => format!("共同瀏覽已開始：{agent}可以看到此頁面。"),
        (Lang::Hans, Started) => format!("共同浏览已开始：{agent}可以看到此页面。"),
        (Lang::En, Declined) => "Co-browsing was declined.".to_string(),
        (Lang::Hant, Declined) => "已拒絕共同瀏覽。".to_string(),
        (Lang::Hans, Declined) => "已拒绝共同浏览。".to_string(),
        (Lang::En, Control) => format!("{agent} may now click and type on this page."),
        (Lang::Hant, Control) => format!("{agent}現在可以在此頁面上點按和輸入。"),
        (Lang::Hans, Control) => format!("{agent}现在可以在此页面上点击和输入。"),
        (Lang::En, Ended) => "Co-browsing ended.".to_string(),
        (Lang::Hant, Ended) => "共同瀏覽已結束。".to_string(),
        (Lang::Hans, Ended) => "共同浏览已结束。".to_string(),
    }
}

/// Why a callback request was refused, in the visitor's language.
pub fn callback_refusal(locale: &str, why: CallbackRefusal) -> &'static str {
    use CallbackRefusal::*;
    match (lang(locale), why) {
        (Lang::En, InvalidPhone) => "That phone number is not valid. Check the country and the number.",
        (Lang::Hant, InvalidPhone) => "這個電話號碼無效，請檢查國家和號碼。",
        (Lang::Hans, InvalidPhone) => "这个电话号码无效，请检查国家和号码。",
        (Lang::En, Invalid) => "Please give your name and a phone number.",
        (Lang::Hant, Invalid) => "請填寫您的姓名和電話號碼。",
        (Lang::Hans, Invalid) => "请填写您的姓名和电话号码。",
        (Lang::En, Duplicate) => "A callback to this number is already planned.",
        (Lang::Hant, Duplicate) => "這個號碼已經有一個待回電的請求。",
        (Lang::Hans, Duplicate) => "这个号码已经有一个待回电的请求。",
        (Lang::En, TooMany) => "Too many callback requests. Please try again later.",
        (Lang::Hant, TooMany) => "回電請求太多，請稍後再試。",
        (Lang::Hans, TooMany) => "回电请求太多，请稍后再试。",
        (Lang::En, SlotUnavailable) => "That time is no longer available. Please choose another.",
        (Lang::Hant, SlotUnavailable) => "這個時段已無法預約，請選擇其他時間。",
        (Lang::Hans, SlotUnavailable) => "这个时段已无法预约，请选择其他时间。",
        (Lang::En, Closed) => "Nobody can call right now. Please choose a time.",
        (Lang::Hant, Closed) => "目前無法立即回電，請選擇時間。",
        (Lang::Hans, Closed) => "目前无法立即回电，请选择时间。",
        (Lang::En, NotFound) => "That callback is no longer open.",
        (Lang::Hant, NotFound) => "這個回電請求已不再有效。",
        (Lang::Hans, NotFound) => "这个回电请求已不再有效。",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn callback_refusals_are_said_in_each_language() {
        assert_eq!(callback_refusal("zh-TW", CallbackRefusal::Duplicate), "這個號碼已經有一個待回電的請求。");
        assert_eq!(callback_refusal("zh-CN", CallbackRefusal::InvalidPhone), "这个电话号码无效，请检查国家和号码。");
        assert!(callback_refusal("en", CallbackRefusal::TooMany).starts_with("Too many"));
    }

    #[test]
    fn notices_follow_the_visitors_language() {
        assert_eq!(transferred_to("en-GB", "Billing"), "You are being transferred to Billing.");
        assert_eq!(transferred_to("zh-TW", "Sam"), "正在為您轉接至Sam。");
        assert_eq!(transferred_to("zh-Hant-HK", "Sam"), "正在為您轉接至Sam。");
        assert_eq!(transferred_to("zh-CN", "Sam"), "正在为您转接至Sam。");
        assert_eq!(transferred_to("", "Sam"), "You are being transferred to Sam.");
    }
}
