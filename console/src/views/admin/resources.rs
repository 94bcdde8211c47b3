//! What the administration screens manage, described as data: for each
//! kind of record, where the REST API keeps it, which columns its table
//! shows and which fields its form edits. The shapes are those of
//! `protocol::admin`; the tests below check the fixed choices against the
//! protocol's own names.

use super::fields::{Choices, Field, Kind, Value};
use super::rules::EntryRules;
use crate::i18n::Lang;
use crate::words::{ta, A};

use super::doc::Doc;

/// How a column shows its value.
pub enum Show {
    Text,
    /// The length of a list.
    Count,
    Choice(Choices),
    /// ✓ when true.
    Flag,
    /// Open or closed.
    Open,
    /// Unix milliseconds as a local date and time; nothing when absent.
    Time,
    /// A ratio as a whole percentage; — when absent.
    Percent,
    /// Seconds, whole; — when absent.
    Seconds,
}

pub struct Column {
    pub label: A,
    pub path: &'static str,
    pub show: Show,
}

pub const fn col(label: A, path: &'static str, show: Show) -> Column {
    Column { label, path, show }
}

/// The text of `column` for `record`.
pub fn cell(record: &Doc, column: &Column, lang: Lang) -> String {
    let v = record.get(column.path);
    let or_dash = |n: Option<f64>, unit: &str| n.map_or("—".to_string(), |n| format!("{} {unit}", n.round() as i64));
    match column.show {
        Show::Text => v.str(),
        Show::Count => v.items().len().to_string(),
        Show::Choice(choices) => {
            let s = v.str();
            choices.iter().find(|(w, _)| *w == s).map_or(s, |(_, a)| ta(lang, *a).to_string())
        }
        Show::Flag => if v.truthy() { "✓" } else { "" }.to_string(),
        Show::Open => ta(lang, if v.truthy() { A::Open } else { A::Closed }).to_string(),
        Show::Time if v.is_null() => String::new(),
        Show::Time => {
            let at = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(v.num().unwrap_or_default()));
            at.to_locale_string("default", &wasm_bindgen::JsValue::UNDEFINED).into()
        }
        Show::Percent => or_dash(v.num().map(|r| r * 100.0), "%"),
        Show::Seconds => or_dash(v.num(), "s"),
    }
}

/// Draws a live preview of a form from its fields' current values.
pub type Preview = fn(&[(&'static str, Value)]) -> leptos::prelude::AnyView;

/// One kind of record an admin manages.
pub struct Resource {
    /// Element ids start with it: `new-queue`, `queue-name`, `save-queue`.
    pub key: &'static str,
    pub title: A,
    /// The label of the button that opens an empty form; none for lists
    /// that are only read.
    pub new: Option<A>,
    /// The list (GET), creation (POST), and `<path>/<id>` (PUT, DELETE).
    pub path: &'static str,
    /// Where the editable body sits in a listed record (`config` for a
    /// queue, the record itself for an agent).
    pub body_at: &'static str,
    pub columns: &'static [Column],
    pub fields: &'static [Field],
    /// A row whose value at this path is true is shown muted (disabled).
    pub muted: &'static str,
    pub deletable: bool,
    /// More to edit below the form of a saved record (a site's entry rules).
    pub below: Option<fn(i64) -> leptos::prelude::AnyView>,
    /// Drawn inside the form from the fields' live values (a site's
    /// appearance), by field key.
    pub preview: Option<Preview>,
}

pub const STRATEGIES: Choices = &[("longest_idle", A::LongestIdle), ("round_robin", A::RoundRobin), ("least_busy", A::LeastBusy), ("manual", A::Manual)];
pub const ROLES: Choices = &[("agent", A::RoleAgent), ("supervisor", A::RoleSupervisor), ("admin", A::RoleAdmin)];
pub const PRECHAT: Choices = &[("name", A::Name), ("email", A::Email), ("topic", A::Topic), ("question", A::Question)];
pub const SEVERITIES: Choices = &[("low", A::SevLow), ("normal", A::SevNormal), ("high", A::SevHigh), ("critical", A::SevCritical)];
pub const CASE_STATUSES: Choices =
    &[("new", A::CaseNew), ("assigned", A::CaseAssigned), ("pending", A::Pending), ("resolved", A::Resolved), ("closed", A::Closed)];
pub const ARTICLE_STATUSES: Choices = &[("draft", A::Draft), ("published", A::Published), ("archived", A::Archived)];
pub const ARTICLE_LANGUAGES: Choices = &[("en", A::English), ("zh-Hant", A::Hant), ("zh-Hans", A::Hans)];
pub const DELIVERY_STATUSES: Choices = &[("pending", A::Pending), ("delivered", A::Delivered), ("failed", A::CbFailed)];
pub const WEBHOOKS: Choices = &[
    (protocol::callback::DIAL_EVENT, A::DialerCall),
    (protocol::admin::EMAIL_TRANSCRIPT, A::EmailTranscript),
    (protocol::admin::EMAIL_LEFT_MESSAGE, A::EmailLeftMessage),
];
pub const SCOPES: Choices = &[
    ("contacts:read", A::ScContactsRead),
    ("contacts:write", A::ScContactsWrite),
    ("contacts:erase", A::ScContactsErase),
    ("interactions:read", A::ScInteractionsRead),
    ("cases:read", A::ScCasesRead),
    ("cases:write", A::ScCasesWrite),
    ("articles:read", A::ScArticlesRead),
    ("articles:write", A::ScArticlesWrite),
];
pub const REPLY_LANGUAGES: Choices = &[("", A::AnyLanguage), ("en", A::English), ("zh-Hant", A::Hant), ("zh-Hans", A::Hans)];
pub const SIDES: Choices = &[("right", A::Right), ("left", A::Left)];
pub const LOCALES: Choices = &[("", A::PageLanguage), ("en", A::English), ("zh-Hant", A::Hant), ("zh-Hans", A::Hans)];

const SITES_LIST: &str = "/api/v1/admin/sites";
const SKILLS_LIST: &str = "/api/v1/admin/skills";
const QUEUES_LIST: &str = "/api/v1/admin/queues";
const TEAMS_LIST: &str = "/api/v1/admin/teams";
const AGENTS_LIST: &str = "/api/v1/admin/agents";

/// API tokens for other systems: made with scopes, the secret shown once;
/// deleting one revokes it (it stays listed, muted).
pub static TOKENS: Resource = Resource {
    key: "token",
    title: A::ApiTokens,
    new: Some(A::NewToken),
    path: "/api/v1/admin/tokens",
    body_at: "",
    columns: &[
        col(A::Name, "name", Show::Text),
        col(A::Scopes, "scopes", Show::Count),
        col(A::StartsWith, "prefix", Show::Text),
        col(A::LastUsed, "last_used_at_ms", Show::Time),
        col(A::Revoked, "revoked_at_ms", Show::Time),
    ],
    fields: &[Field::new("name", "name", A::Name, Kind::Text), Field::new("scopes", "scopes", A::Scopes, Kind::Set(SCOPES))],
    muted: "revoked_at_ms",
    deletable: true,
    below: None,
    preview: None,
};

pub static QUEUES: Resource = Resource {
    key: "queue",
    title: A::Queues,
    new: Some(A::NewQueue),
    path: QUEUES_LIST,
    body_at: "config",
    columns: &[
        col(A::Name, "config.name", Show::Text),
        col(A::Strategy, "config.strategy", Show::Choice(STRATEGIES)),
        col(A::Priority, "config.priority", Show::Text),
        col(A::Default, "is_default", Show::Flag),
    ],
    fields: &[
        Field::new("name", "name", A::Name, Kind::Text),
        Field::new("site", "site_id", A::Site, Kind::Pick { from: SITES_LIST, label: "config.name", none: None }).once(),
        Field::new("strategy", "strategy", A::Strategy, Kind::Choice(STRATEGIES)).or("longest_idle"),
        Field::new("priority", "priority", A::Priority, Kind::Whole).or("0"),
        Field::new("skill", "skills", A::RequiredSkills, Kind::Many { from: SKILLS_LIST, label: "name" }),
        Field::new("level", "level", A::Level, Kind::Whole).or("0"),
        Field::new("relax", "relax", A::Relax, Kind::Relax),
        Field::new("max-len", "max_len", A::MaxLen, Kind::Optional),
        Field::new("max-wait", "max_wait_secs", A::MaxWait, Kind::Optional),
        Field::new("overflow", "overflow_queue_id", A::Overflow, Kind::Pick { from: QUEUES_LIST, label: "config.name", none: Some(A::NoneChoice) }),
        Field::new("hours", "hours", A::Hours, Kind::Hours),
        Field::new("wrap-secs", "wrap_up_secs", A::WrapUpSecs, Kind::Optional),
        Field::new("codes", "wrap_up_codes", A::WrapUpCodes, Kind::List),
        Field::new("default-code", "default_wrap_up_code", A::DefaultCode, Kind::Text),
        Field::new("team", "team_id", A::Team, Kind::Pick { from: TEAMS_LIST, label: "name", none: Some(A::Everyone) }),
        Field::new("cb-slot", "callbacks.slot_secs", A::CallbackSlot, Kind::Whole).or("1800"),
        Field::new("cb-per-slot", "callbacks.per_slot", A::CallbackPerSlot, Kind::Whole).or("5"),
        Field::new("cb-days", "callbacks.days_ahead", A::CallbackDays, Kind::Whole).or("7"),
        Field::new("cb-retry", "callbacks.retry_delay_secs", A::CallbackRetry, Kind::Whole).or("600"),
        Field::new("cb-attempts", "callbacks.max_attempts", A::CallbackAttempts, Kind::Whole).or("3"),
    ],
    muted: "",
    deletable: true,
    below: None,
    preview: None,
};

pub static AGENTS: Resource = Resource {
    key: "agent",
    title: A::Agents,
    new: Some(A::NewAgent),
    path: AGENTS_LIST,
    body_at: "",
    columns: &[
        col(A::Name, "name", Show::Text),
        col(A::Email, "email", Show::Text),
        col(A::Role, "role", Show::Choice(ROLES)),
        col(A::Capacity, "capacity", Show::Text),
        col(A::Skills, "skills", Show::Count),
        col(A::Rating, "rating", Show::Text),
    ],
    fields: &[
        Field::new("name", "name", A::Name, Kind::Text),
        Field::new("email", "email", A::Email, Kind::Text),
        Field::new("role", "role", A::Role, Kind::Choice(ROLES)).or("agent"),
        Field::new("capacity", "capacity", A::Capacity, Kind::Whole).or("3"),
        Field::new("site", "sites", A::Sites, Kind::Many { from: SITES_LIST, label: "config.name" }),
        Field::new("skill", "skills", A::Skills, Kind::Levels { from: SKILLS_LIST, label: "name", id_key: "skill_id" }),
        Field::new("password", "password", A::Password, Kind::Secret),
        Field::new("disabled", "disabled", A::Disabled, Kind::Check),
    ],
    muted: "disabled",
    deletable: false,
    below: None,
    preview: None,
};

pub static SKILLS: Resource = Resource {
    key: "skill",
    title: A::Skills,
    new: Some(A::NewSkill),
    path: SKILLS_LIST,
    body_at: "",
    columns: &[col(A::Name, "name", Show::Text)],
    fields: &[Field::new("name", "name", A::Name, Kind::Text)],
    muted: "",
    deletable: true,
    below: None,
    preview: None,
};

pub static TEAMS: Resource = Resource {
    key: "team",
    title: A::Teams,
    new: Some(A::NewTeam),
    path: TEAMS_LIST,
    body_at: "",
    columns: &[col(A::Name, "name", Show::Text), col(A::Members, "members", Show::Count)],
    fields: &[Field::new("name", "name", A::Name, Kind::Text), Field::new("member", "members", A::Members, Kind::Many { from: AGENTS_LIST, label: "name" })],
    muted: "",
    deletable: true,
    below: None,
    preview: None,
};

fn entry_rules(site: i64) -> leptos::prelude::AnyView {
    use leptos::prelude::*;
    view! { <EntryRules site=site/> }.into_any()
}

pub static SITES: Resource = Resource {
    key: "site",
    title: A::Sites,
    new: Some(A::NewSite),
    path: SITES_LIST,
    body_at: "config",
    columns: &[col(A::Name, "config.name", Show::Text), col(A::SiteKey, "key", Show::Text)],
    fields: &[
        Field::new("name", "name", A::Name, Kind::Text),
        Field::new("origins", "allowed_origins", A::Origins, Kind::Lines),
        Field::new("team-email", "team_email", A::TeamEmail, Kind::Text),
        Field::new("file-max", "file_max_mb", A::FileMax, Kind::Whole).or("10"),
        Field::new("chat-files-max", "conversation_files_max_mb", A::ChatFilesMax, Kind::Whole).or("50"),
        Field::new("cobrowse-unmask", "cobrowse_unmask", A::CobrowseUnmask, Kind::Lines),
        Field::new("cobrowse-submit", "cobrowse_allow_submit", A::CobrowseSubmit, Kind::Check),
        Field::new("title", "settings.title", A::WidgetTitle, Kind::Text),
        Field::new("accent", "settings.accent", A::Accent, Kind::Text).or("#2f6fed"),
        Field::new("side", "settings.side", A::Side, Kind::Choice(SIDES)).or("right"),
        Field::new("launcher", "settings.launcher_label", A::LauncherLabel, Kind::Text),
        Field::new("avatar", "settings.avatar_url", A::Avatar, Kind::Text),
        Field::new("greeting", "settings.greeting", A::Greeting, Kind::Text),
        Field::new("prechat", "settings.prechat_fields", A::PrechatFields, Kind::Set(PRECHAT)).or("name, email, topic"),
        Field::new("locale", "settings.locale", A::Language, Kind::Choice(LOCALES)),
    ],
    muted: "",
    deletable: false,
    below: Some(entry_rules),
    preview: Some(super::appearance::preview),
};

/// Departments, which cases are dispatched to; their members see their
/// queue.
pub static DEPARTMENTS: Resource = Resource {
    key: "department",
    title: A::Departments,
    new: Some(A::NewDepartment),
    path: "/api/v1/admin/departments",
    body_at: "",
    columns: &[col(A::Name, "name", Show::Text), col(A::Members, "members", Show::Count)],
    fields: &[Field::new("name", "name", A::Name, Kind::Text), Field::new("member", "members", A::Members, Kind::Many { from: AGENTS_LIST, label: "name" })],
    muted: "",
    deletable: false,
    below: None,
    preview: None,
};

/// Cases: an agent's departments' queues (every case for leads), open and
/// most urgent first, overdue ones flagged.
pub static CASES: Resource = Resource {
    key: "case",
    title: A::Cases,
    new: Some(A::NewCase),
    path: "/api/v1/cases",
    body_at: "",
    columns: &[
        col(A::Subject, "subject", Show::Text),
        col(A::Departments, "department_name", Show::Text),
        col(A::Severity, "severity", Show::Choice(SEVERITIES)),
        col(A::Status, "status", Show::Choice(CASE_STATUSES)),
        col(A::Escalated, "escalated", Show::Flag),
        col(A::DueBy, "resolution_due_ms", Show::Time),
    ],
    fields: &[
        Field::new("subject", "subject", A::Subject, Kind::Text),
        Field::new("description", "description", A::Description, Kind::Paragraph),
        Field::new("department", "department_id", A::Departments, Kind::Pick { from: "/api/v1/departments", label: "name", none: None }),
        Field::new("severity", "severity", A::Severity, Kind::Choice(SEVERITIES)).or("normal"),
        Field::new("priority", "priority", A::Priority, Kind::Whole).or("3"),
        Field::new("status", "status", A::Status, Kind::Choice(CASE_STATUSES)).or("new"),
        // Agents take cases themselves; supervisors and admins assign
        // anyone (the server holds to that).
        Field::new("assignee", "assignee_id", A::Assignee, Kind::Pick { from: "/api/v1/colleagues", label: "name", none: Some(A::NoneChoice) }),
        Field::new("conversation", "conversation_id", A::FromChat, Kind::Optional),
        Field::new("resolution", "resolution", A::Resolution, Kind::Paragraph),
        Field::new("make-article", "make_article", A::MakeArticle, Kind::Check),
        Field::new("send-resolution", "send_resolution", A::SendResolution, Kind::Check),
    ],
    muted: "",
    deletable: false,
    below: Some(crate::views::case_comments::case_comments),
    preview: None,
};

/// The knowledge base: articles agents insert into chats (typed as
/// `?words` in the composer) and the widget suggests to visitors. Agents
/// keep drafts; supervisors and admins publish (the server checks).
pub static ARTICLES: Resource = Resource {
    key: "article",
    title: A::Knowledge,
    new: Some(A::NewArticle),
    path: "/api/v1/articles",
    body_at: "",
    columns: &[
        col(A::ArticleTitle, "title", Show::Text),
        col(A::Status, "status", Show::Choice(ARTICLE_STATUSES)),
        col(A::Opened, "opened", Show::Text),
        col(A::ArticleAnswered, "answered", Show::Text),
    ],
    fields: &[
        Field::new("site", "site_id", A::Site, Kind::Pick { from: "/api/v1/sites", label: "name", none: None }),
        // Not "title": `article-title` is the screen heading's id.
        Field::new("heading", "title", A::ArticleTitle, Kind::Text),
        Field::new("body", "body", A::ArticleBody, Kind::Paragraph),
        Field::new("language", "language", A::Language, Kind::Choice(ARTICLE_LANGUAGES)).or("en"),
        Field::new("category", "category", A::Category, Kind::Text),
        Field::new("status", "status", A::Status, Kind::Choice(ARTICLE_STATUSES)).or("draft"),
    ],
    muted: "",
    deletable: true,
    below: None,
    preview: None,
};

/// Saved replies, typed in a chat as `/shortcut`: the agent's own and the
/// team's (which supervisors and admins keep; the server checks).
pub static CANNED: Resource = Resource {
    key: "canned",
    title: A::SavedReplies,
    new: Some(A::NewReply),
    path: "/api/v1/canned",
    body_at: "",
    columns: &[
        col(A::Shortcut, "shortcut", Show::Text),
        col(A::Language, "language", Show::Choice(REPLY_LANGUAGES)),
        col(A::ReplyText, "text", Show::Text),
        col(A::Personal, "personal", Show::Flag),
    ],
    fields: &[
        Field::new("shortcut", "shortcut", A::Shortcut, Kind::Text),
        Field::new("language", "language", A::Language, Kind::Choice(REPLY_LANGUAGES)),
        Field::new("text", "text", A::ReplyText, Kind::Paragraph),
        Field::new("personal", "personal", A::Personal, Kind::Check).or("true").once(),
    ],
    muted: "",
    deletable: true,
    below: None,
    preview: None,
};

/// The webhook delivery log (the dialer's calls), read-only.
pub static DELIVERIES: Resource = Resource {
    key: "deliveries",
    title: A::Deliveries,
    new: None,
    path: "/api/v1/admin/deliveries",
    body_at: "",
    columns: &[
        col(A::When, "created_at_ms", Show::Time),
        col(A::What, "kind", Show::Choice(WEBHOOKS)),
        col(A::Status, "status", Show::Choice(DELIVERY_STATUSES)),
        col(A::Attempts, "attempts", Show::Text),
        col(A::LastAnswer, "last_status", Show::Text),
        col(A::LastError, "last_error", Show::Text),
    ],
    fields: &[],
    muted: "",
    deletable: false,
    below: None,
    preview: None,
};

pub static AUDIT: Resource = Resource {
    key: "audit",
    title: A::AuditLog,
    new: None,
    path: "/api/v1/admin/audit",
    body_at: "",
    columns: &[
        col(A::When, "at_ms", Show::Time),
        col(A::Who, "agent_name", Show::Text),
        col(A::What, "action", Show::Text),
        col(A::Name, "subject", Show::Text),
    ],
    fields: &[],
    muted: "",
    deletable: false,
    below: None,
    preview: None,
};

#[cfg(test)]
mod tests {
    use super::*;
    use protocol::admin::Strategy;
    use protocol::agent::Role;
    use protocol::visitor::PreChatField;

    use protocol::admin::{AgentAdmin, AgentConfig, AuditEntry, Queue, QueueConfig, Site, SiteConfig, Skill, Team};
    use protocol::visitor::WidgetSettings;
    use protocol::{AgentId, QueueId, SiteId, SkillId, TeamId};
    use serde_json::Value;

    fn has(value: &Value, path: &str) -> bool {
        path.split('.').try_fold(value, |v, key| v.get(key)).is_some()
    }

    /// Every field's path is in the body the server reads, and every
    /// column's in the record it lists.
    fn check(resource: &Resource, record: Value) {
        let body = if resource.body_at.is_empty() { record.clone() } else { record[resource.body_at].clone() };
        // A secret is written, never listed.
        for field in resource.fields.iter().filter(|f| !matches!(f.kind, Kind::Secret)) {
            assert!(has(&body, field.path), "{}: no {} in {body}", resource.key, field.path);
        }
        for column in resource.columns {
            assert!(has(&record, column.path), "{}: no {} in {record}", resource.key, column.path);
        }
    }

    #[test]
    fn every_path_is_in_the_protocols_shapes() {
        let mut config = QueueConfig::new(SiteId(1), "General");
        config.hours = None;
        config.overflow_queue_id = Some(QueueId(2));
        config.max_len = Some(1);
        config.max_wait_secs = Some(1);
        config.wrap_up_secs = Some(1);
        config.team_id = Some(TeamId(1));
        check(&QUEUES, serde_json::to_value(Queue { id: QueueId(1), is_default: true, config }).unwrap());
        let agent = AgentAdmin {
            id: AgentId(1),
            name: "Ada".into(),
            email: "a@x".into(),
            role: Role::Admin,
            disabled: false,
            capacity: 3,
            sites: vec![],
            skills: vec![],
            ratings: 2,
            rating: "4.5".into(),
        };
        check(&AGENTS, serde_json::to_value(&agent).unwrap());
        let config = AgentConfig {
            name: "Ada".into(),
            email: "a@x".into(),
            role: Role::Admin,
            capacity: 3,
            sites: vec![],
            skills: vec![],
            password: String::new(),
            disabled: false,
        };
        for field in AGENTS.fields {
            assert!(has(&serde_json::to_value(&config).unwrap(), field.path), "no {}", field.path);
        }
        check(&SKILLS, serde_json::to_value(Skill { id: SkillId(1), name: "Billing".into() }).unwrap());
        check(&TEAMS, serde_json::to_value(Team { id: TeamId(1), name: "Tier 2".into(), members: vec![] }).unwrap());
        let site = Site {
            id: SiteId(1),
            key: "demo".into(),
            identity_secret: String::new(),
            config: SiteConfig {
                name: "Demo".into(),
                allowed_origins: vec![],
                settings: WidgetSettings::default(),
                team_email: String::new(),
                file_max_mb: 10,
                conversation_files_max_mb: 50,
                cobrowse_unmask: vec![],
                cobrowse_allow_submit: false,
            },
        };
        check(&SITES, serde_json::to_value(site).unwrap());
        let reply = protocol::canned::CannedReply {
            id: 1,
            config: protocol::canned::CannedConfig { shortcut: "refund".into(), language: "en".into(), text: "Hi".into(), personal: true },
        };
        check(&CANNED, serde_json::to_value(reply).unwrap());
        let article = protocol::articles::Article {
            id: 1,
            config: protocol::articles::ArticleConfig {
                site_id: SiteId(1),
                title: "Refunds".into(),
                body: "Five days.".into(),
                format: protocol::articles::ArticleFormat::Text,
                language: "en".into(),
                category: String::new(),
                status: protocol::articles::ArticleStatus::Draft,
            },
            updated_at_ms: 0,
            author_id: None,
            text: String::new(),
            opened: 0,
            answered: 0,
            not_answered: 0,
        };
        check(&ARTICLES, serde_json::to_value(article).unwrap());
        let entry = AuditEntry { at_ms: 1, agent_name: "Ada".into(), action: "create queue".into(), subject: "Billing".into(), detail: String::new() };
        check(&AUDIT, serde_json::to_value(entry).unwrap());
        let delivery = protocol::admin::Delivery {
            id: 1,
            kind: "callback.dial".into(),
            url: "http://dialer".into(),
            status: "pending".into(),
            attempts: 1,
            last_status: Some(500),
            last_error: "answered 500".into(),
            created_at_ms: 0,
            done_at_ms: None,
        };
        check(&DELIVERIES, serde_json::to_value(delivery).unwrap());
    }

    #[test]
    fn fixed_choices_are_the_protocols_names() {
        assert_eq!(STRATEGIES.len(), Strategy::ALL.len());
        assert!(STRATEGIES.iter().all(|(w, _)| Strategy::parse(w).is_some()));
        assert_eq!(ROLES.len(), Role::ALL.len());
        assert!(ROLES.iter().all(|(w, _)| Role::parse(w).is_some()));
        assert!(PRECHAT.iter().all(|(w, _)| PreChatField::parse(w).is_some()));
        assert!(ARTICLE_STATUSES.iter().all(|(w, _)| protocol::articles::ArticleStatus::parse(w).is_some()));
        assert!(SIDES.iter().all(|(w, _)| protocol::visitor::Side::parse(w).is_some()));
        assert_eq!(DELIVERY_STATUSES.iter().map(|(w, _)| *w).collect::<Vec<_>>(), protocol::admin::DELIVERY_STATUSES);
    }
}
