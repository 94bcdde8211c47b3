//! Every string the console shows, in English, Traditional Chinese and
//! Simplified Chinese.
//!
//! One `match` on (language, key) keeps the translations side by side, so a
//! missing one is a compile error rather than an English word in a Chinese
//! screen.

/// A language the console is translated into.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Lang {
    En,
    ZhHant,
    ZhHans,
}

impl Lang {
    pub const ALL: [Lang; 3] = [Lang::En, Lang::ZhHant, Lang::ZhHans];

    /// The BCP 47 tag, for `<html lang>`, the select and storage.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::ZhHant => "zh-Hant",
            Lang::ZhHans => "zh-Hans",
        }
    }

    /// The language's name in itself, so a reader can find their own.
    pub fn native_name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::ZhHant => "繁體中文",
            Lang::ZhHans => "简体中文",
        }
    }

    /// The best match for a browser language tag: Taiwan, Hong Kong, Macau
    /// and explicit Hant use Traditional characters, every other Chinese
    /// variant Simplified; anything else is English.
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let tag = tag.trim().replace('_', "-").to_ascii_lowercase();
        let mut parts = tag.split('-');
        if parts.next() != Some("zh") {
            return (tag == "en" || tag.starts_with("en-")).then_some(Lang::En);
        }
        let traditional = parts.any(|p| matches!(p, "hant" | "tw" | "hk" | "mo"));
        Some(if traditional { Lang::ZhHant } else { Lang::ZhHans })
    }

    /// The first of the browser's preferred languages the console speaks.
    pub fn negotiate<'a>(tags: impl IntoIterator<Item = &'a str>) -> Lang {
        tags.into_iter().find_map(Lang::from_tag).unwrap_or(Lang::En)
    }
}

/// A translatable string.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Key {
    AppName,
    SignInTitle,
    SignInLead,
    Email,
    Password,
    SignIn,
    SigningIn,
    WrongCredentials,
    NetworkError,
    TooManyAttempts,
    Loading,
    Logout,
    Language,
    Presence,
    Available,
    Away,
    Offline,
    Reconnecting,
    IncomingChats,
    Accept,
    Decline,
    Accepting,
    /// "{n} s left"
    ExpiresIn,
    Conversations,
    NoConversations,
    You,
    Visitor,
    /// "{n} unread"
    UnreadCount,
    Ended,
    NoChatSelected,
    NoChatSelectedHint,
    DetailsEmpty,
    Messages,
    /// "{name} is typing…"
    IsTyping,
    Composer,
    ComposerPlaceholder,
    ComposerHint,
    Attach,
    Send,
    EndChat,
    ChatEnded,
    EarlierMessages,
    Sending,
    Sent,
    Seen,
    NotSent,
    Details,
    Name,
    Topic,
    CurrentPage,
    Site,
    VisitorLanguage,
    NotGiven,
    Dismiss,
    AwayReason,
    ReasonBreak,
    ReasonLunch,
    ReasonMeeting,
    ReasonTraining,
    MissedNotice,
    BackToAvailable,
    QueueLabel,
    TransferredBy,
    Transfer,
    TransferTitle,
    TransferTo,
    TransferNote,
    TransferSend,
    Cancel,
    AgentsGroup,
    QueuesGroup,
    NotAvailable,
    QueueClosed,
    WrapUpTitle,
    WrapUpHint,
    WrapUpOutcome,
    WrapUpSave,
}

/// The string for `key` in `lang`.
pub fn t(lang: Lang, key: Key) -> &'static str {
    use Key::*;
    use Lang::*;
    match (lang, key) {
        (En, AppName) => "Rapport",
        (ZhHant, AppName) => "Rapport",
        (ZhHans, AppName) => "Rapport",
        (En, SignInTitle) => "Sign in to your inbox",
        (ZhHant, SignInTitle) => "登入收件匣",
        (ZhHans, SignInTitle) => "登录收件箱",
        (En, SignInLead) => "Answer your visitors in real time.",
        (ZhHant, SignInLead) => "即時回覆您的訪客。",
        (ZhHans, SignInLead) => "实时回复您的访客。",
        (En, Email) => "Email",
        (ZhHant, Email) => "電子郵件",
        (ZhHans, Email) => "电子邮件",
        (En, Password) => "Password",
        (ZhHant, Password) => "密碼",
        (ZhHans, Password) => "密码",
        (En, SignIn) => "Sign in",
        (ZhHant, SignIn) => "登入",
        (ZhHans, SignIn) => "登录",
        (En, SigningIn) => "Signing in…",
        (ZhHant, SigningIn) => "登入中…",
        (ZhHans, SigningIn) => "登录中…",
        (En, WrongCredentials) => "Wrong email or password.",
        (ZhHant, WrongCredentials) => "電子郵件或密碼錯誤。",
        (ZhHans, WrongCredentials) => "电子邮件或密码错误。",
        (En, NetworkError) => "Could not reach the server. Please try again.",
        (ZhHant, NetworkError) => "無法連線到伺服器，請再試一次。",
        (ZhHans, NetworkError) => "无法连接到服务器，请重试。",
        (En, TooManyAttempts) => "Too many attempts. Please wait a little and try again.",
        (ZhHant, TooManyAttempts) => "嘗試次數過多，請稍候再試。",
        (ZhHans, TooManyAttempts) => "尝试次数过多，请稍候再试。",
        (En, Loading) => "Loading…",
        (ZhHant, Loading) => "載入中…",
        (ZhHans, Loading) => "加载中…",
        (En, Logout) => "Log out",
        (ZhHant, Logout) => "登出",
        (ZhHans, Logout) => "退出登录",
        (En, Language) => "Language",
        (ZhHant, Language) => "語言",
        (ZhHans, Language) => "语言",
        (En, Presence) => "Your status",
        (ZhHant, Presence) => "您的狀態",
        (ZhHans, Presence) => "您的状态",
        (En, Available) => "Available",
        (ZhHant, Available) => "上線",
        (ZhHans, Available) => "在线",
        (En, Away) => "Away",
        (ZhHant, Away) => "離開",
        (ZhHans, Away) => "离开",
        (En, Offline) => "Offline",
        (ZhHant, Offline) => "離線",
        (ZhHans, Offline) => "离线",
        (En, Reconnecting) => "Connection lost. Reconnecting…",
        (ZhHant, Reconnecting) => "連線中斷，正在重新連線…",
        (ZhHans, Reconnecting) => "连接已断开，正在重新连接…",
        (En, IncomingChats) => "Incoming chats",
        (ZhHant, IncomingChats) => "新的對話請求",
        (ZhHans, IncomingChats) => "新的对话请求",
        (En, Accept) => "Accept",
        (ZhHant, Accept) => "接受",
        (ZhHans, Accept) => "接受",
        (En, Decline) => "Decline",
        (ZhHant, Decline) => "拒絕",
        (ZhHans, Decline) => "拒绝",
        (En, Accepting) => "Accepting…",
        (ZhHant, Accepting) => "接受中…",
        (ZhHans, Accepting) => "接受中…",
        (En, ExpiresIn) => "{n} s left",
        (ZhHant, ExpiresIn) => "剩餘 {n} 秒",
        (ZhHans, ExpiresIn) => "剩余 {n} 秒",
        (En, Conversations) => "Conversations",
        (ZhHant, Conversations) => "對話",
        (ZhHans, Conversations) => "对话",
        (En, NoConversations) => "No conversations yet. New chats appear here when you accept them.",
        (ZhHant, NoConversations) => "目前沒有對話。接受的新對話會顯示在這裡。",
        (ZhHans, NoConversations) => "暂无对话。接受的新对话会显示在这里。",
        (En, You) => "You",
        (ZhHant, You) => "您",
        (ZhHans, You) => "您",
        (En, Visitor) => "Visitor",
        (ZhHant, Visitor) => "訪客",
        (ZhHans, Visitor) => "访客",
        (En, UnreadCount) => "{n} unread",
        (ZhHant, UnreadCount) => "{n} 則未讀",
        (ZhHans, UnreadCount) => "{n} 条未读",
        (En, Ended) => "Ended",
        (ZhHant, Ended) => "已結束",
        (ZhHans, Ended) => "已结束",
        (En, NoChatSelected) => "No chat selected",
        (ZhHant, NoChatSelected) => "尚未選擇對話",
        (ZhHans, NoChatSelected) => "尚未选择对话",
        (En, NoChatSelectedHint) => "Pick a conversation on the left, or set yourself Available to receive new ones.",
        (ZhHant, NoChatSelectedHint) => "請從左側選擇對話，或將狀態設為上線以接收新對話。",
        (ZhHans, NoChatSelectedHint) => "请从左侧选择对话，或将状态设为在线以接收新对话。",
        (En, DetailsEmpty) => "The visitor's name, email, topic and current page appear here when you open a chat.",
        (ZhHant, DetailsEmpty) => "開啟對話後，這裡會顯示訪客的姓名、電子郵件、主題和目前所在頁面。",
        (ZhHans, DetailsEmpty) => "打开对话后，这里会显示访客的姓名、电子邮件、主题和当前所在页面。",
        (En, Messages) => "Messages",
        (ZhHant, Messages) => "訊息",
        (ZhHans, Messages) => "消息",
        (En, IsTyping) => "{name} is typing…",
        (ZhHant, IsTyping) => "{name} 正在輸入…",
        (ZhHans, IsTyping) => "{name} 正在输入…",
        (En, Composer) => "Reply",
        (ZhHant, Composer) => "回覆",
        (ZhHans, Composer) => "回复",
        (En, ComposerPlaceholder) => "Type a reply…",
        (ZhHant, ComposerPlaceholder) => "輸入回覆…",
        (ZhHans, ComposerPlaceholder) => "输入回复…",
        (En, ComposerHint) => "Enter sends, Shift+Enter breaks the line; / replies, ? articles",
        (ZhHant, ComposerHint) => "Enter 傳送，Shift+Enter 換行；/ 快速回覆，? 文章",
        (ZhHans, ComposerHint) => "Enter 发送，Shift+Enter 换行；/ 快捷回复，? 文章",
        (En, Attach) => "Attach a file",
        (ZhHant, Attach) => "附加檔案",
        (ZhHans, Attach) => "附加文件",
        (En, Send) => "Send",
        (ZhHant, Send) => "傳送",
        (ZhHans, Send) => "发送",
        (En, EndChat) => "End chat",
        (ZhHant, EndChat) => "結束對話",
        (ZhHans, EndChat) => "结束对话",
        (En, ChatEnded) => "Chat ended",
        (ZhHant, ChatEnded) => "對話已結束",
        (ZhHans, ChatEnded) => "对话已结束",
        (En, EarlierMessages) => "Show earlier messages",
        (ZhHant, EarlierMessages) => "顯示較早的訊息",
        (ZhHans, EarlierMessages) => "显示较早的消息",
        (En, Sending) => "Sending…",
        (ZhHant, Sending) => "傳送中…",
        (ZhHans, Sending) => "发送中…",
        (En, Sent) => "Sent",
        (ZhHant, Sent) => "已傳送",
        (ZhHans, Sent) => "已发送",
        (En, Seen) => "Seen",
        (ZhHant, Seen) => "已讀",
        (ZhHans, Seen) => "已读",
        (En, NotSent) => "Not sent",
        (ZhHant, NotSent) => "未傳送",
        (ZhHans, NotSent) => "未发送",
        (En, Details) => "Visitor details",
        (ZhHant, Details) => "訪客資料",
        (ZhHans, Details) => "访客资料",
        (En, Name) => "Name",
        (ZhHant, Name) => "姓名",
        (ZhHans, Name) => "姓名",
        (En, Topic) => "Topic",
        (ZhHant, Topic) => "主題",
        (ZhHans, Topic) => "主题",
        (En, CurrentPage) => "Current page",
        (ZhHant, CurrentPage) => "目前頁面",
        (ZhHans, CurrentPage) => "当前页面",
        (En, Site) => "Site",
        (ZhHant, Site) => "網站",
        (ZhHans, Site) => "网站",
        (En, VisitorLanguage) => "Language",
        (ZhHant, VisitorLanguage) => "語言",
        (ZhHans, VisitorLanguage) => "语言",
        (En, NotGiven) => "Not given",
        (ZhHant, NotGiven) => "未提供",
        (ZhHans, NotGiven) => "未提供",
        (En, Dismiss) => "Dismiss",
        (ZhHant, Dismiss) => "關閉",
        (ZhHans, Dismiss) => "关闭",
        (En, AwayReason) => "Reason",
        (ZhHant, AwayReason) => "原因",
        (ZhHans, AwayReason) => "原因",
        (En, ReasonBreak) => "Break",
        (ZhHant, ReasonBreak) => "休息",
        (ZhHans, ReasonBreak) => "休息",
        (En, ReasonLunch) => "Lunch",
        (ZhHant, ReasonLunch) => "用餐",
        (ZhHans, ReasonLunch) => "用餐",
        (En, ReasonMeeting) => "Meeting",
        (ZhHant, ReasonMeeting) => "會議",
        (ZhHans, ReasonMeeting) => "会议",
        (En, ReasonTraining) => "Training",
        (ZhHant, ReasonTraining) => "培訓",
        (ZhHans, ReasonTraining) => "培训",
        (En, MissedNotice) => "You missed a chat offer, so you were set to Away.",
        (ZhHant, MissedNotice) => "您錯過了一個對話邀請，狀態已改為離開。",
        (ZhHans, MissedNotice) => "您错过了一个对话邀请，状态已改为离开。",
        (En, BackToAvailable) => "I'm back",
        (ZhHant, BackToAvailable) => "我回來了",
        (ZhHans, BackToAvailable) => "我回来了",
        (En, QueueLabel) => "Queue",
        (ZhHant, QueueLabel) => "佇列",
        (ZhHans, QueueLabel) => "队列",
        (En, TransferredBy) => "Transferred by {name}",
        (ZhHant, TransferredBy) => "由 {name} 轉接",
        (ZhHans, TransferredBy) => "由 {name} 转接",
        (En, Transfer) => "Transfer",
        (ZhHant, Transfer) => "轉接",
        (ZhHans, Transfer) => "转接",
        (En, TransferTitle) => "Transfer this chat",
        (ZhHant, TransferTitle) => "轉接此對話",
        (ZhHans, TransferTitle) => "转接此对话",
        (En, TransferTo) => "Transfer to",
        (ZhHant, TransferTo) => "轉接至",
        (ZhHans, TransferTo) => "转接至",
        (En, TransferNote) => "Note for whoever takes it",
        (ZhHant, TransferNote) => "給接手客服的備註",
        (ZhHans, TransferNote) => "给接手客服的备注",
        (En, TransferSend) => "Transfer",
        (ZhHant, TransferSend) => "轉接",
        (ZhHans, TransferSend) => "转接",
        (En, Cancel) => "Cancel",
        (ZhHant, Cancel) => "取消",
        (ZhHans, Cancel) => "取消",
        (En, AgentsGroup) => "Agents",
        (ZhHant, AgentsGroup) => "客服",
        (ZhHans, AgentsGroup) => "客服",
        (En, QueuesGroup) => "Queues",
        (ZhHant, QueuesGroup) => "佇列",
        (ZhHans, QueuesGroup) => "队列",
        (En, NotAvailable) => "not available",
        (ZhHant, NotAvailable) => "無法接聽",
        (ZhHans, NotAvailable) => "无法接听",
        (En, QueueClosed) => "closed",
        (ZhHant, QueueClosed) => "已關閉",
        (ZhHans, QueueClosed) => "已关闭",
        (En, WrapUpTitle) => "Wrap up",
        (ZhHant, WrapUpTitle) => "結案",
        (ZhHans, WrapUpTitle) => "结案",
        (En, WrapUpHint) => "Choose an outcome for this chat.",
        (ZhHant, WrapUpHint) => "請為此對話選擇結果。",
        (ZhHans, WrapUpHint) => "请为此对话选择结果。",
        (En, WrapUpOutcome) => "Outcome",
        (ZhHant, WrapUpOutcome) => "結果",
        (ZhHans, WrapUpOutcome) => "结果",
        (En, WrapUpSave) => "Save outcome",
        (ZhHant, WrapUpSave) => "儲存結果",
        (ZhHans, WrapUpSave) => "保存结果",
    }
}

/// `t` with `{n}` replaced by a number.
pub fn t_n(lang: Lang, key: Key, n: impl std::fmt::Display) -> String {
    t(lang, key).replace("{n}", &n.to_string())
}

/// `t` with `{name}` replaced by a name.
pub fn t_name(lang: Lang, key: Key, name: &str) -> String {
    t(lang, key).replace("{name}", name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn browser_tags_pick_the_right_script() {
        assert_eq!(Lang::from_tag("zh-TW"), Some(Lang::ZhHant));
        assert_eq!(Lang::from_tag("zh-HK"), Some(Lang::ZhHant));
        assert_eq!(Lang::from_tag("zh-Hant-CN"), Some(Lang::ZhHant));
        assert_eq!(Lang::from_tag("zh_tw"), Some(Lang::ZhHant));
        assert_eq!(Lang::from_tag("zh-CN"), Some(Lang::ZhHans));
        assert_eq!(Lang::from_tag("zh-SG"), Some(Lang::ZhHans));
        assert_eq!(Lang::from_tag("zh"), Some(Lang::ZhHans));
        assert_eq!(Lang::from_tag("en-GB"), Some(Lang::En));
        assert_eq!(Lang::from_tag("fr-FR"), None);
        assert_eq!(Lang::from_tag("zhx"), None);
    }

    #[test]
    fn negotiation_takes_the_first_spoken_language() {
        assert_eq!(Lang::negotiate(["fr", "zh-TW", "en"]), Lang::ZhHant);
        assert_eq!(Lang::negotiate(["de"]), Lang::En);
        assert_eq!(Lang::negotiate([]), Lang::En);
    }

    #[test]
    fn tags_round_trip() {
        for lang in Lang::ALL {
            assert_eq!(Lang::from_tag(lang.tag()), Some(lang));
        }
    }

    #[test]
    fn placeholders_are_filled() {
        assert_eq!(t_n(Lang::En, Key::ExpiresIn, 12), "12 s left");
        assert_eq!(t_n(Lang::ZhHant, Key::UnreadCount, 3), "3 則未讀");
        assert_eq!(t_name(Lang::En, Key::IsTyping, "Vic"), "Vic is typing…");
        assert!(t_name(Lang::En, Key::IsTyping, "Visitor").contains("typing"));
    }

    #[test]
    fn every_status_string_the_tests_read_is_english_by_default() {
        assert_eq!(t(Lang::En, Key::Sending), "Sending…");
        assert_eq!(t(Lang::En, Key::Sent), "Sent");
        assert_eq!(t(Lang::En, Key::Seen), "Seen");
    }
}
