//! The demo data `cargo xtask run` starts with: the demo shop's site and
//! three agents. Idempotent: run at every start, it changes nothing twice.

use protocol::agent::Role;
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
    let settings = WidgetSettings { title: "Northwind Tea Co.".into(), accent: "#1f6f5c".into(), greeting: String::new(), ..WidgetSettings::default() };
    store.upsert_site(site_key, "Northwind Tea Co. (demo)", demo_origins, &settings).await?;
    for a in &DEMO_AGENTS {
        if store.agent_by_email(a.email).await?.is_some() {
            continue;
        }
        let hash = hash_password(a.password)?;
        match store.create_agent(NewAgent { email: a.email, name: a.name, role: a.role, password_hash: &hash, capacity }).await {
            Ok(_) | Err(StoreError::Duplicate(_)) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}
