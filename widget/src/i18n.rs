//! The widget's words in English, Traditional and Simplified Chinese.
//!
//! One `match` per language keeps every string of a language together, so
//! a translator reads one block and a missing key fails to compile.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    En,
    ZhHant,
    ZhHans,
}

impl Lang {
    /// Picks a language from a BCP 47 tag such as the page's `lang` or
    /// `navigator.language`: Taiwan, Hong Kong, Macau and explicit `Hant`
    /// get Traditional Chinese, any other Chinese gets Simplified.
    pub fn from_tag(tag: &str) -> Lang {
        let tag = tag.trim().to_ascii_lowercase();
        if !(tag == "zh" || tag.starts_with("zh-") || tag.starts_with("zh_")) {
            return Lang::En;
        }
        if ["hant", "tw", "hk", "mo"].iter().any(|t| tag.split(['-', '_']).any(|part| part == *t)) {
            Lang::ZhHant
        } else {
            Lang::ZhHans
        }
    }

    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::ZhHant => "zh-Hant",
            Lang::ZhHans => "zh-Hans",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Key {
    Title,
    Greeting,
    Close,
    Name,
    Email,
    Topic,
    TopicChoose,
    Question,
    TopicOrders,
    TopicProducts,
    TopicBilling,
    TopicOther,
    StartChat,
    Required,
    InvalidEmail,
    Send,
    Attach,
    Placeholder,
    Sending,
    Sent,
    Seen,
    Waiting,
    Away,
    Ended,
    NewChat,
    Reconnecting,
    Messages,
    EndChat,
    Agent,
    TooLong,
    ErrorSlowDown,
    ErrorLimit,
    ErrorGeneric,
    Closed,
    Busy,
    LeaveMessageHint,
    MessageLeft,
    RequestCall,
    ShareScreen,
    SuggestCall,
}

pub fn t(lang: Lang, key: Key) -> &'static str {
    match lang {
        Lang::En => en(key),
        Lang::ZhHant => zh_hant(key),
        Lang::ZhHans => zh_hans(key),
    }
}

fn en(key: Key) -> &'static str {
    match key {
        Key::Title => "Chat with us",
        Key::Greeting => "Hi! Ask us anything — we usually reply in a few minutes.",
        Key::Close => "Close chat",
        Key::Name => "Name",
        Key::Email => "Email",
        Key::Topic => "Topic",
        Key::TopicChoose => "Choose a topic",
        Key::Question => "Your question",
        Key::TopicOrders => "Orders and delivery",
        Key::TopicProducts => "Products",
        Key::TopicBilling => "Billing",
        Key::TopicOther => "Something else",
        Key::StartChat => "Start chat",
        Key::Required => "Please fill this in.",
        Key::InvalidEmail => "Please enter a valid email address.",
        Key::Send => "Send",
        Key::Attach => "Attach a file",
        Key::Placeholder => "Write a message…",
        Key::Sending => "Sending…",
        Key::Sent => "Sent",
        Key::Seen => "Seen",
        Key::Waiting => "Waiting for the next available agent…",
        Key::Away => "Our team is away right now. Leave a message and we will reply here.",
        Key::Ended => "This chat has ended.",
        Key::NewChat => "Start a new chat",
        Key::Reconnecting => "Connection lost. Reconnecting…",
        Key::Messages => "Messages",
        Key::EndChat => "End chat",
        Key::Agent => "Agent",
        Key::TooLong => "That message is too long.",
        Key::ErrorSlowDown => "Please slow down a little.",
        Key::ErrorLimit => "Limit reached. Please try again later.",
        Key::ErrorGeneric => "Something went wrong. Please try again.",
        Key::Closed => "We are closed right now.",
        Key::Busy => "All our agents are busy right now.",
        Key::LeaveMessageHint => "Leave a message and we will get back to you.",
        Key::MessageLeft => "Thank you. Your message is with our team.",
        Key::RequestCall => "Request a call",
        Key::ShareScreen => "Share my screen with an agent",
        Key::SuggestCall => "Rather talk? We can call you back.",
    }
}

fn zh_hant(key: Key) -> &'static str {
    match key {
        Key::Title => "與我們聊天",
        Key::Greeting => "您好！有任何問題都可以問我們，通常幾分鐘內回覆。",
        Key::Close => "關閉聊天",
        Key::Name => "姓名",
        Key::Email => "電子郵件",
        Key::Topic => "主題",
        Key::TopicChoose => "選擇主題",
        Key::Question => "您的問題",
        Key::TopicOrders => "訂單與配送",
        Key::TopicProducts => "產品",
        Key::TopicBilling => "帳務",
        Key::TopicOther => "其他",
        Key::StartChat => "開始聊天",
        Key::Required => "請填寫此欄位。",
        Key::InvalidEmail => "請輸入有效的電子郵件地址。",
        Key::Send => "傳送",
        Key::Attach => "附加檔案",
        Key::Placeholder => "輸入訊息…",
        Key::Sending => "傳送中…",
        Key::Sent => "已傳送",
        Key::Seen => "已讀",
        Key::Waiting => "正在等候下一位客服人員…",
        Key::Away => "我們的團隊目前不在線上。請留言，我們會在這裡回覆您。",
        Key::Ended => "此對話已結束。",
        Key::NewChat => "開始新的對話",
        Key::Reconnecting => "連線中斷，正在重新連線…",
        Key::Messages => "訊息",
        Key::EndChat => "結束對話",
        Key::Agent => "客服人員",
        Key::TooLong => "訊息太長了。",
        Key::ErrorSlowDown => "請稍慢一點。",
        Key::ErrorLimit => "已達上限，請稍後再試。",
        Key::ErrorGeneric => "發生錯誤，請再試一次。",
        Key::Closed => "我們目前不在營業時間。",
        Key::Busy => "我們的客服人員目前都在忙線中。",
        Key::LeaveMessageHint => "請留言，我們會盡快回覆您。",
        Key::MessageLeft => "謝謝您，您的留言已轉交我們的團隊。",
        Key::RequestCall => "請我們回電",
        Key::ShareScreen => "與客服共享我的畫面",
        Key::SuggestCall => "想直接通話？我們可以回電給您。",
    }
}

fn zh_hans(key: Key) -> &'static str {
    match key {
        Key::Title => "与我们聊天",
        Key::Greeting => "您好！有任何问题都可以问我们，通常几分钟内回复。",
        Key::Close => "关闭聊天",
        Key::Name => "姓名",
        Key::Email => "电子邮件",
        Key::Topic => "主题",
        Key::TopicChoose => "选择主题",
        Key::Question => "您的问题",
        Key::TopicOrders => "订单与配送",
        Key::TopicProducts => "产品",
        Key::TopicBilling => "账务",
        Key::TopicOther => "其他",
        Key::StartChat => "开始聊天",
        Key::Required => "请填写此字段。",
        Key::InvalidEmail => "请输入有效的电子邮件地址。",
        Key::Send => "发送",
        Key::Attach => "附加文件",
        Key::Placeholder => "输入消息…",
        Key::Sending => "发送中…",
        Key::Sent => "已发送",
        Key::Seen => "已读",
        Key::Waiting => "正在等待下一位客服人员…",
        Key::Away => "我们的团队目前不在线。请留言，我们会在这里回复您。",
        Key::Ended => "此对话已结束。",
        Key::NewChat => "开始新的对话",
        Key::Reconnecting => "连接中断，正在重新连接…",
        Key::Messages => "消息",
        Key::EndChat => "结束对话",
        Key::Agent => "客服人员",
        Key::TooLong => "消息太长了。",
        Key::ErrorSlowDown => "请稍慢一点。",
        Key::ErrorLimit => "已达上限，请稍后再试。",
        Key::ErrorGeneric => "发生错误，请再试一次。",
        Key::Closed => "我们目前不在营业时间。",
        Key::Busy => "我们的客服人员目前都在忙。",
        Key::LeaveMessageHint => "请留言，我们会尽快回复您。",
        Key::MessageLeft => "谢谢您，您的留言已转交我们的团队。",
        Key::RequestCall => "请我们回电",
        Key::ShareScreen => "与客服共享我的画面",
        Key::SuggestCall => "想直接通话？我们可以回电给您。",
    }
}

/// "Mei is typing…", with the name placed where each language puts it.
pub fn typing(lang: Lang, name: &str) -> String {
    match lang {
        Lang::En => format!("{name} is typing…"),
        Lang::ZhHant => format!("{name} 正在輸入…"),
        Lang::ZhHans => format!("{name} 正在输入…"),
    }
}

pub fn queue_position(lang: Lang, position: u32) -> String {
    match lang {
        Lang::En => format!("You are number {position} in the queue."),
        Lang::ZhHant => format!("您目前排在第 {position} 位。"),
        Lang::ZhHans => format!("您目前排在第 {position} 位。"),
    }
}

/// The expected wait, in whole minutes (rounded up).
pub fn estimated_wait(lang: Lang, secs: u32) -> String {
    let min = secs.div_ceil(60).max(1);
    match (lang, secs < 60) {
        (Lang::En, true) => "Expected wait: under a minute.".into(),
        (Lang::En, false) => format!("Expected wait: about {min} min."),
        (Lang::ZhHant, true) => "預計等候不到一分鐘。".into(),
        (Lang::ZhHant, false) => format!("預計等候約 {min} 分鐘。"),
        (Lang::ZhHans, true) => "预计等待不到一分钟。".into(),
        (Lang::ZhHans, false) => format!("预计等待约 {min} 分钟。"),
    }
}

/// What the visitor reads when the server refused something.
pub fn refusal(lang: Lang, code: protocol::ErrorCode) -> &'static str {
    use protocol::ErrorCode::*;
    t(
        lang,
        match code {
            RateLimited => Key::ErrorSlowDown,
            LimitReached | Busy => Key::ErrorLimit,
            TooLarge => Key::TooLong,
            _ => Key::ErrorGeneric,
        },
    )
}

pub fn joined(lang: Lang, name: &str) -> String {
    match lang {
        Lang::En => format!("You are chatting with {name}"),
        Lang::ZhHant => format!("{name} 正在為您服務"),
        Lang::ZhHans => format!("{name} 正在为您服务"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_map_to_the_right_script() {
        assert_eq!(Lang::from_tag("en-US"), Lang::En);
        assert_eq!(Lang::from_tag(""), Lang::En);
        assert_eq!(Lang::from_tag("zh-TW"), Lang::ZhHant);
        assert_eq!(Lang::from_tag("zh-Hant-HK"), Lang::ZhHant);
        assert_eq!(Lang::from_tag("zh_hk"), Lang::ZhHant);
        assert_eq!(Lang::from_tag("zh-CN"), Lang::ZhHans);
        assert_eq!(Lang::from_tag("zh-Hans"), Lang::ZhHans);
        assert_eq!(Lang::from_tag("zh"), Lang::ZhHans);
        assert_eq!(Lang::from_tag("zu"), Lang::En);
    }

    #[test]
    fn every_language_has_every_string() {
        for lang in [Lang::En, Lang::ZhHant, Lang::ZhHans] {
            assert!(!t(lang, Key::Send).is_empty());
            assert!(typing(lang, "Mei").contains("Mei"));
            assert!(queue_position(lang, 3).contains('3'));
        }
    }
}
