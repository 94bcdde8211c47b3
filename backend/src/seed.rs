//! The demo data `cargo xtask run` starts with: the demo shop's site, the
//! three agents who serve it, the team's saved replies, the shop's
//! knowledge base and its departments. Idempotent: run at every start, it changes
//! nothing twice. It only ever writes into an empty database or one it
//! created, because the demo passwords are public.

use anyhow::bail;
use protocol::agent::Role;
use protocol::canned::CannedConfig;
use protocol::visitor::{PreChatField, WidgetSettings};

use crate::auth::hash_password;
use crate::store::{NewAgent, Store, StoreError};

pub struct DemoAgent {
    pub email: &'static str,
    pub name: &'static str,
    pub password: &'static str,
    pub role: Role,
}

/// Demo credentials, printed by `rapport serve` in demo mode. They are
/// public knowledge: never seed them on a real deployment.
pub const DEMO_AGENTS: [DemoAgent; 3] = [
    DemoAgent { email: "admin@rapport.demo", name: "Ada Admin", password: "demo-admin-pass", role: Role::Admin },
    DemoAgent { email: "mei@rapport.demo", name: "林美 Mei", password: "demo-agent-pass", role: Role::Agent },
    DemoAgent { email: "sam@rapport.demo", name: "Sam Lee", password: "demo-agent-pass", role: Role::Agent },
];

pub async fn seed_demo(store: &Store, site_key: &str, demo_origins: &[String], capacity: u32) -> anyhow::Result<()> {
    if !store.is_demo().await? {
        if !store.is_empty().await? {
            bail!(
                "demo data (with public passwords) goes only into an empty database or one created for the demo, \
                 and this one already holds sites or agents; use another data directory for the demo"
            );
        }
        store.mark_demo().await?;
    }
    // The demo asks for the question with the visitor's details, so the
    // knowledge base can answer it before anyone is queued.
    let prechat_fields = vec![PreChatField::Name, PreChatField::Email, PreChatField::Topic, PreChatField::Question];
    let settings =
        WidgetSettings { title: "Northwind Tea Co.".into(), accent: "#1f6f5c".into(), greeting: String::new(), prechat_fields, ..WidgetSettings::default() };
    let site = store.upsert_site(site_key, "Northwind Tea Co. (demo)", demo_origins, &settings).await?;
    for a in &DEMO_AGENTS {
        if let Some(existing) = store.agent_by_email(a.email).await? {
            store.add_agent_to_site(existing.info.id, site.id).await?;
            continue;
        }
        let hash = hash_password(a.password)?;
        match store.create_agent(NewAgent { email: a.email, name: a.name, role: a.role, password_hash: &hash, capacity, sites: &[site.id] }).await {
            Ok(_) | Err(StoreError::Duplicate(_)) => {}
            Err(e) => return Err(e.into()),
        }
    }
    seed_articles(store, site.id).await?;
    seed_departments(store).await?;
    for (shortcut, language, text) in DEMO_REPLIES {
        let reply = CannedConfig { shortcut: shortcut.into(), language: language.into(), text: text.into(), personal: false };
        match store.create_canned(None, &reply).await {
            Ok(_) | Err(StoreError::Duplicate(_)) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

/// The team's saved replies in the demo, typed as `/refund` and so on.
const DEMO_REPLIES: [(&str, &str, &str); 5] = [
    (
        "refund",
        "en",
        "Hi {{visitor.first_name}}, I'm sorry about that. I have asked for a full refund; it reaches your card within 5 business days. — {{agent.name}}",
    ),
    ("refund", "zh-Hant", "{{visitor.name}} 您好，很抱歉造成不便。我已為您申請全額退款，款項將於 5 個工作天內退回您的信用卡。— {{agent.name}}"),
    ("refund", "zh-Hans", "{{visitor.name}} 您好，很抱歉造成不便。我已为您申请全额退款，款项将在 5 个工作日内退回您的信用卡。— {{agent.name}}"),
    ("shipping", "", "Orders ship within 48 hours of roasting and arrive in 3 to 5 days."),
    ("thanks", "", "Thank you for writing to Northwind Tea, {{visitor.first_name}}. Enjoy your tea!"),
];

/// How many enabled demo accounts the database holds.
pub async fn demo_accounts(store: &Store) -> anyhow::Result<usize> {
    let emails: Vec<&str> = DEMO_AGENTS.iter().map(|a| a.email).collect();
    Ok(store.agents_with_emails(&emails).await?)
}

/// The demo shop's knowledge base: what its visitors ask most, in its
/// three languages, published so the widget suggests them.
const DEMO_ARTICLES: [(&str, &str, &str, &str); 6] = [
    (
        "How refunds work",
        "Refunds go back to the card or account you paid with, within **five working days** of our receiving the tea.\n\nTo ask for one, open your order and choose *Request a refund*. Unopened tins can be returned within 30 days.",
        "en",
        "Orders",
    ),
    (
        "Shipping times",
        "Orders placed before 2 pm ship the same working day. Delivery takes 2–3 working days in Taiwan and 5–8 abroad.\n\nYou get a tracking link by email as soon as the parcel leaves.",
        "en",
        "Shipping",
    ),
    (
        "Keeping your tea fresh",
        "Keep tea sealed, cool and dark, away from strong smells. Green and oolong teas keep their aroma best in the fridge once opened; bring the tin to room temperature before opening it.",
        "en",
        "Tea",
    ),
    (
        "如何申請退款",
        "退款會在我們收到商品後的**五個工作天**內，退回您原本的付款方式。\n\n請在訂單頁面按「申請退款」。未開封的茶罐可在 30 天內退貨。",
        "zh-Hant",
        "訂單",
    ),
    (
        "運送時間",
        "下午兩點前完成的訂單，當個工作天出貨。台灣本島約 2–3 個工作天送達，海外約 5–8 個工作天。\n\n包裹寄出後，您會收到附有追蹤連結的電子郵件。",
        "zh-Hant",
        "運送",
    ),
    (
        "如何申请退款",
        "退款会在我们收到商品后的**五个工作日**内，退回您原来的付款方式。\n\n请在订单页面点击“申请退款”。未开封的茶罐可在 30 天内退货。",
        "zh-Hans",
        "订单",
    ),
];

/// Writes the demo articles into a site that has none yet.
async fn seed_articles(store: &Store, site: protocol::SiteId) -> anyhow::Result<()> {
    use protocol::articles::{ArticleConfig, ArticleFormat, ArticleStatus};
    let filter = crate::store::ArticleFilter { site: Some(site), ..Default::default() };
    if !store.articles(&filter).await?.is_empty() {
        return Ok(());
    }
    for (title, body, language, category) in DEMO_ARTICLES {
        let article = ArticleConfig {
            site_id: site,
            title: title.into(),
            body: body.into(),
            format: ArticleFormat::Markdown,
            language: language.into(),
            category: category.into(),
            status: ArticleStatus::Published,
        };
        store.create_article(None, &article).await?;
    }
    Ok(())
}

/// The demo's departments: returns are Sam's, tea advice Mei's.
async fn seed_departments(store: &Store) -> anyhow::Result<()> {
    if !store.departments().await?.is_empty() {
        return Ok(());
    }
    for (name, email) in [("Returns", "sam@rapport.demo"), ("Tea advice", "mei@rapport.demo")] {
        let members = store.agent_by_email(email).await?.map(|a| vec![a.info.id]).unwrap_or_default();
        let department = protocol::cases::DepartmentConfig { name: name.into(), members };
        match store.create_department(&department, crate::store::now_ms()).await {
            Ok(_) | Err(StoreError::Duplicate(_)) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}
