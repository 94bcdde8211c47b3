//! The demo data `cargo xtask run` starts with: the demo shop's site, the
//! three agents who serve it and the team's saved replies. Idempotent: run at every start, it changes
//! nothing twice. It only ever writes into an empty database or one it
//! created, because the demo passwords are public.

use anyhow::bail;
use protocol::agent::Role;
use protocol::canned::CannedConfig;
use protocol::visitor::WidgetSettings;

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
    let settings = WidgetSettings { title: "Northwind Tea Co.".into(), accent: "#1f6f5c".into(), greeting: String::new(), ..WidgetSettings::default() };
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
